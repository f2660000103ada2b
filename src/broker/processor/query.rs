//! Message lookups: QUERY_MESSAGE (12) by key through the index, VIEW_MESSAGE_BY_ID (33) by
//! physical offset. Bodies are stored records, as the Java broker returns them.

use bytes::BytesMut;

use crate::broker::controller::Broker;
use crate::common::message::{self, Record};
use crate::net::{success, Failure, Outcome};
use crate::protocol::header::{
    QueryMessageRequestHeader, QueryMessageResponseHeader, ViewMessageRequestHeader,
};
use crate::protocol::{CommandHeader, RemotingCommand, ResponseCode};

pub(super) fn query_message(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = QueryMessageRequestHeader::from_command(req)?;
    let mut max = h.max_num.max(0) as usize;
    if req.ext("_UNIQUE_KEY_QUERY") == Some("true") {
        max = broker.store_config.default_query_max_num.max(1) as usize;
    }
    let max = max.min(broker.store_config.max_msgs_num_batch.max(1) as usize);
    let (offsets, last_ts, last_phys) =
        broker
            .store
            .query_by_key(&h.topic, &h.key, max, h.begin_timestamp, h.end_timestamp);
    let mut body = BytesMut::new();
    for phys in offsets {
        let Some(record) = broker.store.record_at(phys) else {
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
        // Not a plain failure: the index's last update goes back with the code.
        let failure = Failure::new(
            ResponseCode::QUERY_NOT_FOUND,
            "can not find message, maybe time range not correct",
        );
        return Ok(failure
            .into_response(req)
            .with_ext_fields(header.to_ext_fields()));
    }
    Ok(success(req)
        .with_ext_fields(header.to_ext_fields())
        .with_body(body.freeze()))
}

pub(super) fn view_message_by_id(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = ViewMessageRequestHeader::from_command(req)?;
    let record = broker.store.record_at(h.offset).ok_or_else(|| {
        Failure::system(format!("can not find message by the offset, {}", h.offset))
    })?;
    Ok(success(req).with_body(record))
}
