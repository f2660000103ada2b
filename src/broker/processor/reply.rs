//! SEND_REPLY_MESSAGE (324) and SEND_REPLY_MESSAGE_V2 (325), as 4.9.8's
//! `ReplyMessageProcessor`: a consumer answers a `request()` with a reply message, which the
//! broker pushes straight to the requesting producer's connection (PUSH_REPLY_MESSAGE_TO_CLIENT,
//! 326), found by the reply's `REPLY_TO_CLIENT` client id among the producers registered by
//! heartbeat, and also stores when `storeReplyMessageEnable`.
//!
//! The answer to the reply's sender is the push's outcome: SUCCESS (msgId `0`, queue offset 0,
//! or the stored message's id and offset), or SYSTEM_ERROR with Java's remark when the requester
//! is unknown, gone, or refused the push. A failed store is only logged, as in Java.
//!
//! What is pushed and what is stored differ as they do in Java: the push carries the sender's
//! properties re-serialised with `PUSH_REPLY_TIME` added (Java HashMap order); the store keeps
//! the sender's properties string as sent (no `CLUSTER`, `WAIT` kept) with sysFlag 0.

use std::net::SocketAddr;
use std::time::Duration;

use super::send::{check_send, put_failure, random_index, send_header, stored_status};
use crate::broker::controller::Broker;
use crate::common::clock::now_ms;
use crate::common::message::{self, property, MessageToStore};
use crate::net::{Connection, Outcome};
use crate::protocol::header::{
    ReplyMessageRequestHeader, SendMessageRequestHeader, SendMessageResponseHeader,
};
use crate::protocol::{CommandHeader, RemotingCommand, RequestCode, ResponseCode};

/// How long the requester may take to take the push (Java `Broker2Client.callClient`).
const PUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// `ip:port` as Java's `getAddress().getHostAddress() + ":" + getPort()` writes it (no
/// brackets around an IPv6 address).
fn java_host(addr: SocketAddr) -> String {
    format!("{}:{}", addr.ip(), addr.port())
}

pub(super) async fn send_reply_message(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    let header = send_header(req)?;
    let topic = check_send(broker, conn, &header)?;
    let queue_id = if header.queue_id < 0 {
        random_index(topic.write_queue_nums)
    } else {
        header.queue_id
    };
    let props = header.properties.as_deref().unwrap_or("");

    let pushed = push_reply(broker, conn, req, &header, props).await;
    let mut response_header = SendMessageResponseHeader {
        // "set to zero to avoid client decoding exception" when nothing is stored.
        msg_id: "0".to_string(),
        queue_id,
        queue_offset: 0,
        transaction_id: None,
    };
    if broker.with_cfg(|c| c.store_reply_message_enable) {
        let msg = MessageToStore {
            topic: &header.topic,
            queue_id,
            flag: header.flag,
            body: &req.body,
            body_crc: message::crc32(&req.body),
            sys_flag: 0,
            born_timestamp: header.born_timestamp,
            born_host: conn.peer_addr(),
            store_host: broker.store_host,
            reconsume_times: header.reconsume_times.unwrap_or(0),
            prepared_transaction_offset: 0,
            properties: props,
        };
        match broker.store.put(&msg) {
            Ok(ok) => {
                broker.stats.record_put(1, req.body.len() as u64);
                broker.with_cfg(|c| {
                    broker.stats.keyed.topic_put(
                        &c.broker_cluster_name,
                        &header.topic,
                        1,
                        ok.size as i64,
                    )
                });
                let wait = message::get_property(props, property::WAIT) != Some("false");
                // Java's synchronous put waits for the flush and the slave, but the answer
                // is the push's whatever they say.
                stored_status(broker, wait, ok.end_offset()).await;
                response_header.msg_id = message::offset_msg_id(broker.store_host, ok.phys_offset);
                response_header.queue_offset = ok.queue_offset;
            }
            Err(e) => tracing::warn!(
                topic = %header.topic,
                "process reply message, store failed: {}",
                put_failure(e).remark
            ),
        }
    }
    let (code, remark) = match pushed {
        Ok(()) => (ResponseCode::SUCCESS, None),
        Err(remark) => (ResponseCode::SYSTEM_ERROR, Some(remark)),
    };
    let mut response =
        RemotingCommand::response_to(req, code).with_ext_fields(response_header.to_ext_fields());
    if let Some(remark) = remark {
        response = response.with_remark(remark);
    }
    let ext = response.ext_mut();
    broker.with_cfg(|cfg| {
        ext.insert(property::MSG_REGION, &cfg.region_id);
        ext.insert(
            property::TRACE_ON,
            if cfg.trace_on { "true" } else { "false" },
        );
    });
    Ok(response)
}

/// Pushes the reply to its requester; `Err` is the remark the sender gets (Java's wording,
/// "fail." glued to the client id as Java glues it).
async fn push_reply(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
    header: &SendMessageRequestHeader,
    props: &str,
) -> Result<(), String> {
    let Some(requester) = message::get_property(props, property::REPLY_TO_CLIENT) else {
        tracing::warn!("REPLY_TO_CLIENT is null, can not reply message");
        return Err(format!(
            "reply message properties[{}] is null",
            property::REPLY_TO_CLIENT
        ));
    };
    let Some(channel) = broker.producers.find_by_client_id(requester) else {
        let remark = format!("push reply message fail, channel of <{requester}> not found.");
        tracing::warn!("{remark}");
        return Err(remark);
    };
    // Java parses the properties into a HashMap, adds PUSH_REPLY_TIME and writes the map back.
    let push_time = now_ms().to_string();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (k, v) in message::properties(props) {
        match pairs.iter_mut().find(|(key, _)| *key == k) {
            Some(pair) => pair.1 = v,
            None => pairs.push((k, v)),
        }
    }
    pairs.retain(|(k, _)| *k != property::PUSH_REPLY_TIME);
    pairs.push((property::PUSH_REPLY_TIME, &push_time));
    message::java_hashmap_order(&mut pairs);
    let push_header = ReplyMessageRequestHeader {
        producer_group: header.producer_group.clone(),
        topic: header.topic.clone(),
        default_topic: header.default_topic.clone(),
        default_topic_queue_nums: header.default_topic_queue_nums,
        queue_id: header.queue_id,
        sys_flag: header.sys_flag,
        born_timestamp: header.born_timestamp,
        flag: header.flag,
        properties: Some(message::format_property_slice(&pairs).into()),
        reconsume_times: header.reconsume_times,
        unit_mode: header.unit_mode.unwrap_or(false),
        born_host: java_host(conn.peer_addr()),
        store_host: java_host(broker.store_host),
        store_timestamp: now_ms(),
    };
    let push = RemotingCommand::request(
        RequestCode::PUSH_REPLY_MESSAGE_TO_CLIENT,
        push_header.to_ext_fields(),
    )
    .with_body(req.body.clone());
    match channel.invoke(push, PUSH_TIMEOUT).await {
        Ok(response) if response.code == ResponseCode::SUCCESS.0 => Ok(()),
        Ok(response) => {
            tracing::warn!(
                "push reply message to <{requester}> return fail, response remark: {}",
                response.remark.as_deref().unwrap_or("")
            );
            Err(format!("push reply message to {requester}fail."))
        }
        Err(e) => {
            tracing::warn!("push reply message to <{requester}> fail. {e}");
            Err(format!("push reply message to {requester}fail."))
        }
    }
}
