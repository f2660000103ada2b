//! Requests the tests send over rmq's own remoting client.

use rmq::protocol::header::SendMessageRequestHeaderV2;
use rmq::protocol::{CommandHeader, RemotingCommand, RequestCode, Text};

/// SEND_MESSAGE_V2 of `body` to queue `queue_id` of `topic` (auto-created from `TBW102` with 4
/// queues where the broker allows it) for `producer_group`, with `properties` (as
/// `rmq::common::message::format_properties` writes them) and born timestamp 1.
pub fn send_message_v2(
    producer_group: &str,
    topic: &str,
    queue_id: i32,
    properties: String,
    body: &str,
) -> RemotingCommand {
    let header = SendMessageRequestHeaderV2 {
        producer_group: Text::copy_from(producer_group),
        topic: Text::copy_from(topic),
        default_topic: "TBW102".into(),
        default_topic_queue_nums: 4,
        queue_id,
        sys_flag: 0,
        born_timestamp: 1,
        flag: 0,
        properties: Some(properties.into()),
        ..Default::default()
    };
    RemotingCommand::request(RequestCode::SEND_MESSAGE_V2, header.to_ext_fields())
        .with_body(body.as_bytes().to_vec())
}
