//! Consumer offsets and queue offsets: QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15),
//! GET_MAX_OFFSET (30), GET_MIN_OFFSET (31), GET_EARLIEST_MSG_STORETIME (32) and
//! SEARCH_OFFSET_BY_TIMESTAMP (29).

use super::controller::Broker;
use super::send::error;
use crate::net::Connection;
use crate::protocol::header::{
    EarliestMsgStoretimeResponseHeader, OffsetResponseHeader, QueryConsumerOffsetRequestHeader,
    SearchOffsetRequestHeader, TopicQueueRequestHeader, UpdateConsumerOffsetRequestHeader,
};
use crate::protocol::{CommandHeader, RemotingCommand, ResponseCode};

fn offset_response(req: &RemotingCommand, offset: i64) -> RemotingCommand {
    RemotingCommand::response_to(req, ResponseCode::SUCCESS)
        .with_ext_fields(OffsetResponseHeader { offset }.to_ext_fields())
}

macro_rules! decode_or_reply {
    ($ty:ty, $req:expr) => {
        match <$ty>::from_command($req) {
            Ok(h) => h,
            Err(e) => return error($req, ResponseCode::SYSTEM_ERROR, e.to_string()),
        }
    };
}

impl Broker {
    pub(super) fn query_consumer_offset(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = decode_or_reply!(QueryConsumerOffsetRequestHeader, req);
        if let Some(offset) = self
            .metadata
            .offsets
            .query(&h.consumer_group, &h.topic, h.queue_id)
        {
            return offset_response(req, offset);
        }
        // 4.9.8: a group with no committed offset starts at 0 while the queue's first message is
        // still there (and in memory), whatever its consume-from setting says.
        let min = self.store.min_offset(&h.topic, h.queue_id);
        if h.set_zero_if_not_found != Some(false)
            && min <= 0
            && !self.first_message_on_disk_only(&h.topic, h.queue_id)
        {
            return offset_response(req, 0);
        }
        error(
            req,
            ResponseCode::QUERY_NOT_FOUND,
            "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first",
        )
    }

    /// Whether reading offset 0 of the queue would hit data too far behind to be in memory.
    fn first_message_on_disk_only(&self, topic: &str, queue_id: i32) -> bool {
        let Some(cq) = self.store.consume_queues().get(topic, queue_id) else {
            return false;
        };
        let Some(entry) = cq.get(0) else { return false };
        let behind = self.store.commitlog().max_offset() - entry.phys_offset;
        let memory = crate::common::host::total_memory_bytes() as f64
            * f64::from(self.store_config.access_message_in_memory_max_ratio)
            / 100.0;
        behind as f64 > memory
    }

    pub(super) fn update_consumer_offset(
        &self,
        conn: &Connection,
        req: &RemotingCommand,
    ) -> RemotingCommand {
        let h = decode_or_reply!(UpdateConsumerOffsetRequestHeader, req);
        self.metadata.offsets.commit(
            &conn.peer_addr().to_string(),
            &h.consumer_group,
            &h.topic,
            h.queue_id,
            h.commit_offset,
        );
        RemotingCommand::response_to(req, ResponseCode::SUCCESS)
    }

    pub(super) fn get_max_offset(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = decode_or_reply!(TopicQueueRequestHeader, req);
        offset_response(req, self.store.max_offset(&h.topic, h.queue_id))
    }

    pub(super) fn get_min_offset(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = decode_or_reply!(TopicQueueRequestHeader, req);
        offset_response(req, self.store.min_offset(&h.topic, h.queue_id))
    }

    pub(super) fn get_earliest_msg_storetime(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = decode_or_reply!(TopicQueueRequestHeader, req);
        let timestamp = self.store.earliest_store_time(&h.topic, h.queue_id);
        RemotingCommand::response_to(req, ResponseCode::SUCCESS)
            .with_ext_fields(EarliestMsgStoretimeResponseHeader { timestamp }.to_ext_fields())
    }

    pub(super) fn search_offset_by_timestamp(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = decode_or_reply!(SearchOffsetRequestHeader, req);
        offset_response(
            req,
            self.store.offset_by_time(&h.topic, h.queue_id, h.timestamp),
        )
    }
}
