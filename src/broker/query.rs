//! Message lookups: QUERY_MESSAGE (12) by key through the index, VIEW_MESSAGE_BY_ID (33) by
//! physical offset. Bodies are stored records, as the Java broker returns them.

use bytes::BytesMut;

use super::controller::Broker;
use super::send::error;
use crate::common::message::{self, Record};
use crate::protocol::header::{
    QueryMessageRequestHeader, QueryMessageResponseHeader, ViewMessageRequestHeader,
};
use crate::protocol::{CommandHeader, RemotingCommand, ResponseCode};

impl Broker {
    pub(super) fn query_message(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = match QueryMessageRequestHeader::from_command(req) {
            Ok(h) => h,
            Err(e) => return error(req, ResponseCode::SYSTEM_ERROR, e.to_string()),
        };
        let mut max = h.max_num.max(0) as usize;
        if req.ext("_UNIQUE_KEY_QUERY") == Some("true") {
            max = self.store_config.default_query_max_num.max(1) as usize;
        }
        let max = max.min(self.store_config.max_msgs_num_batch.max(1) as usize);
        let (offsets, last_ts, last_phys) =
            self.store
                .query_by_key(&h.topic, &h.key, max, h.begin_timestamp, h.end_timestamp);
        let mut body = BytesMut::new();
        for phys in offsets {
            let Some(record) = self.store.record_at(phys) else {
                continue;
            };
            // The index holds topic#key hashes: confirm the topic and drop collisions.
            let same_topic = matches!(message::decode_record(&record), Ok(Record::Message(v)) if v.topic() == h.topic);
            if same_topic {
                body.extend_from_slice(&record);
            }
        }
        let header = QueryMessageResponseHeader {
            index_last_update_timestamp: last_ts,
            index_last_update_phyoffset: last_phys,
        };
        if body.is_empty() {
            return error(
                req,
                ResponseCode::QUERY_NOT_FOUND,
                "can not find message, maybe time range not correct",
            )
            .with_ext_fields(header.to_ext_fields());
        }
        RemotingCommand::response_to(req, ResponseCode::SUCCESS)
            .with_ext_fields(header.to_ext_fields())
            .with_body(body.freeze())
    }

    pub(super) fn view_message_by_id(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = match ViewMessageRequestHeader::from_command(req) {
            Ok(h) => h,
            Err(e) => return error(req, ResponseCode::SYSTEM_ERROR, e.to_string()),
        };
        match self.store.record_at(h.offset) {
            Some(record) => {
                RemotingCommand::response_to(req, ResponseCode::SUCCESS).with_body(record)
            }
            None => error(
                req,
                ResponseCode::SYSTEM_ERROR,
                format!("can not find message by the offset, {}", h.offset),
            ),
        }
    }
}
