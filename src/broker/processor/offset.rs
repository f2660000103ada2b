//! Consumer offsets and queue offsets: QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15),
//! GET_MAX_OFFSET (30), GET_MIN_OFFSET (31), GET_EARLIEST_MSG_STORETIME (32) and
//! SEARCH_OFFSET_BY_TIMESTAMP (29).

use crate::broker::controller::Broker;
use crate::net::{success, Connection, Failure, Outcome};
use crate::protocol::header::{
    EarliestMsgStoretimeResponseHeader, OffsetResponseHeader, QueryConsumerOffsetRequestHeader,
    SearchOffsetRequestHeader, TopicQueueRequestHeader, UpdateConsumerOffsetRequestHeader,
};
use crate::protocol::{CommandHeader, RemotingCommand, ResponseCode};

fn offset_response(req: &RemotingCommand, offset: i64) -> RemotingCommand {
    success(req).with_ext_fields(OffsetResponseHeader { offset }.to_ext_fields())
}

pub(super) fn query_consumer_offset(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = QueryConsumerOffsetRequestHeader::from_command(req)?;
    if let Some(offset) = broker
        .metadata
        .offsets
        .query(&h.consumer_group, &h.topic, h.queue_id)
    {
        return Ok(offset_response(req, offset));
    }
    // 4.9.8: a group with no committed offset starts at 0 while the queue's first message is
    // still there (and in memory), whatever its consume-from setting says.
    let min = broker.store.min_offset(&h.topic, h.queue_id);
    if h.set_zero_if_not_found != Some(false)
        && min <= 0
        && !first_message_on_disk_only(broker, &h.topic, h.queue_id)
    {
        return Ok(offset_response(req, 0));
    }
    Err(Failure::new(
        ResponseCode::QUERY_NOT_FOUND,
        "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first",
    ))
}

/// Whether reading offset 0 of the queue would hit data too far behind to be in memory.
fn first_message_on_disk_only(broker: &Broker, topic: &str, queue_id: i32) -> bool {
    let Some(cq) = broker.store.consume_queues().get(topic, queue_id) else {
        return false;
    };
    let Some(entry) = cq.get(0) else { return false };
    let behind = broker.store.commitlog().max_offset() - entry.phys_offset;
    let memory = crate::common::host::total_memory_bytes() as f64
        * f64::from(broker.store_config.access_message_in_memory_max_ratio)
        / 100.0;
    behind as f64 > memory
}

pub(super) fn update_consumer_offset(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    let h = UpdateConsumerOffsetRequestHeader::from_command(req)?;
    broker.metadata.offsets.commit(
        &conn.peer_addr().to_string(),
        &h.consumer_group,
        &h.topic,
        h.queue_id,
        h.commit_offset,
    );
    Ok(success(req))
}

pub(super) fn get_max_offset(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = TopicQueueRequestHeader::from_command(req)?;
    Ok(offset_response(
        req,
        broker.store.max_offset(&h.topic, h.queue_id),
    ))
}

pub(super) fn get_min_offset(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = TopicQueueRequestHeader::from_command(req)?;
    Ok(offset_response(
        req,
        broker.store.min_offset(&h.topic, h.queue_id),
    ))
}

pub(super) fn get_earliest_msg_storetime(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = TopicQueueRequestHeader::from_command(req)?;
    let timestamp = broker.store.earliest_store_time(&h.topic, h.queue_id);
    Ok(success(req)
        .with_ext_fields(EarliestMsgStoretimeResponseHeader { timestamp }.to_ext_fields()))
}

pub(super) fn search_offset_by_timestamp(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = SearchOffsetRequestHeader::from_command(req)?;
    Ok(offset_response(
        req,
        broker
            .store
            .offset_by_time(&h.topic, h.queue_id, h.timestamp),
    ))
}
