//! Requests about connected clients: their connections (GET_*_CONNECTION_LIST,
//! GET_ALL_PRODUCER_INFO), offset resets pushed to a consumer group, the consumers' own offsets
//! gathered from them (INVOKE_BROKER_TO_GET_CONSUMER_STATUS), and the calls the broker
//! forwards to one consumer (running info, consuming a message directly), as 4.9.8's
//! `AdminBrokerProcessor` and `Broker2Client` do them.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::json;
use crate::broker::client_tables::ClientChannel;
use crate::broker::controller::Broker;
use crate::common::clock::now_ms;
use crate::common::message::decode_offset_msg_id;
use crate::net::{success, Connection, Failure, NetError, Outcome};
use crate::protocol::body::{
    ConsumerConnection, GetConsumerStatusBody, MessageQueue, ProducerConnection, ProducerInfo,
    ProducerTableInfo, QueueOffsetTable, ResetOffsetBody,
};
use crate::protocol::header::{
    ConsumeMessageDirectlyRequestHeader, ConsumerGroupHeader, GetConsumerRunningInfoRequestHeader,
    GetConsumerStatusRequestHeader, ProducerGroupHeader, ResetOffsetRequestHeader,
};
use crate::protocol::{CommandHeader, LanguageCode, RemotingCommand, RequestCode, ResponseCode};

/// `MQVersion.Version.V3_0_7_SNAPSHOT.ordinal()`: older clients cannot take an offset reset.
const V3_0_7_SNAPSHOT: i32 = 28;
/// `MQVersion.Version.V3_1_8_SNAPSHOT.ordinal()`: older clients cannot answer forwarded calls.
const V3_1_8_SNAPSHOT: i32 = 62;

/// How long a forwarded call may take (Java's `Broker2Client.callClient`).
const CALL_CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one consumer may take to report its offsets (Java's `invokeSync(..., 5000)`).
const CONSUMER_STATUS_TIMEOUT: Duration = Duration::from_secs(5);
/// How long queueing a oneway reset to one client may take (Java passes 5000 ms).
const RESET_PUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// One queue of the C++ client's reset body (`MessageQueueForC`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageQueueForC {
    topic: String,
    broker_name: String,
    queue_id: i32,
    offset: i64,
}

/// The reset body C++ clients read (`ResetOffsetBodyForC`): a list instead of a map with
/// object keys.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResetOffsetBodyForC {
    offset_table: Vec<MessageQueueForC>,
}

pub(super) fn get_consumer_connection_list(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = ConsumerGroupHeader::from_command(req)?;
    let Some(group) = broker
        .consumers
        .group(&h.consumer_group)
        .filter(|g| !g.channels.is_empty())
    else {
        return Err(Failure::new(
            ResponseCode::CONSUMER_NOT_ONLINE,
            format!("the consumer group[{}] not online", h.consumer_group),
        ));
    };
    let mut connection_set: Vec<_> = group
        .channels
        .values()
        .map(ClientChannel::to_body)
        .collect();
    connection_set.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    let body = ConsumerConnection {
        connection_set,
        subscription_table: group.subscriptions.into_iter().collect(),
        consume_type: group.consume_type,
        message_model: group.message_model,
        consume_from_where: group.consume_from_where,
    };
    Ok(success(req).with_body(body.to_json()))
}

pub(super) fn get_producer_connection_list(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = ProducerGroupHeader::from_command(req)?;
    let channels = broker.producers.channels(&h.producer_group);
    if channels.is_empty() {
        return Err(Failure::system(format!(
            "the producer group[{}] not exist",
            h.producer_group
        )));
    }
    let mut connection_set: Vec<_> = channels.iter().map(ClientChannel::to_body).collect();
    connection_set.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    Ok(success(req).with_body(ProducerConnection { connection_set }.to_json()))
}

/// GET_ALL_PRODUCER_INFO: every producer registered by heartbeat, by group, each with its
/// address as Java's `remoteAddress().toString()` writes it and its last heartbeat time.
pub(super) fn get_all_producer_info(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let now = now_ms();
    let mut table = ProducerTableInfo::default();
    for (group, channels) in broker.producers.all() {
        let mut infos: Vec<ProducerInfo> = channels
            .iter()
            .map(|c| ProducerInfo {
                client_id: c.client_id.clone(),
                remote_ip: format!("/{}", c.conn.peer_addr()),
                language: c.language,
                version: c.version,
                last_update_timestamp: now - c.last_update.elapsed().as_millis() as i64,
            })
            .collect();
        infos.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        table.data.insert(group, infos);
    }
    Ok(success(req).with_body(table.to_json()))
}

/// INVOKE_BROKER_TO_GET_CONSUMER_STATUS (Java `Broker2Client.getConsumeStatus`): asks each
/// online consumer of the group (or only the one whose client id is `clientAddr`) for its
/// offsets of the topic with GET_CONSUMER_STATUS_FROM_CLIENT, one after the other, and answers
/// them by client id. A consumer that fails or does not answer in 5 s is left out, as in Java.
pub(super) async fn get_consumer_status(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    let h = GetConsumerStatusRequestHeader::from_command(req)?;
    tracing::info!(
        peer = %conn.peer_addr(), topic = %h.topic, group = %h.group,
        "[get-consumer-status] get consumer status"
    );
    let mut channels: Vec<ClientChannel> = broker
        .consumers
        .group(&h.group)
        .map(|g| g.channels.into_values().collect())
        .unwrap_or_default();
    // Java walks a hash map; a stable order makes the sequence of calls reproducible.
    channels.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    if channels.is_empty() {
        return Err(Failure::system(format!(
            "No Any Consumer online in the consumer group: [{}]",
            h.group
        )));
    }
    let only = h
        .client_addr
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let ask = GetConsumerStatusRequestHeader {
        topic: h.topic.clone(),
        group: h.group.clone(),
        client_addr: None,
    };
    let mut body = GetConsumerStatusBody::default();
    for channel in &channels {
        if channel.version < V3_0_7_SNAPSHOT {
            return Err(Failure::system(format!(
                "the client does not support this feature. version={}",
                channel.version
            )));
        }
        if only.is_some_and(|id| id != channel.client_id) {
            continue;
        }
        let call = RemotingCommand::request(
            RequestCode::GET_CONSUMER_STATUS_FROM_CLIENT,
            ask.to_ext_fields(),
        );
        match channel.conn.invoke(call, CONSUMER_STATUS_TIMEOUT).await {
            Ok(r) if r.code == ResponseCode::SUCCESS.0 && !r.body.is_empty() => {
                match GetConsumerStatusBody::from_json(&r.body) {
                    Ok(status) => {
                        body.consumer_table.insert(
                            channel.client_id.clone(),
                            QueueOffsetTable(status.message_queue_table),
                        );
                    }
                    Err(e) => tracing::error!(
                        topic = %h.topic, group = %h.group, client = %channel.client_id,
                        "[get-consumer-status] get consumer status exception: {e}"
                    ),
                }
            }
            Ok(_) => {}
            Err(e) => tracing::error!(
                topic = %h.topic, group = %h.group, client = %channel.client_id,
                "[get-consumer-status] get consumer status exception: {e}"
            ),
        }
        if only.is_some() {
            break;
        }
    }
    Ok(success(req).with_body(body.to_json()))
}

/// INVOKE_BROKER_TO_RESET_OFFSET: computes the offset of each write queue for the
/// timestamp (-1 = the max offset), pushes it to every online member of the group with
/// RESET_CONSUMER_CLIENT_OFFSET and answers with the table. Without `isForce` a queue only
/// moves backwards. With no member online the answer is CONSUMER_NOT_ONLINE, on which
/// mqadmin falls back to rewriting the offsets itself.
pub(super) async fn reset_offset(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    let h = ResetOffsetRequestHeader::from_command(req)?;
    tracing::info!(
        peer = %conn.peer_addr(), topic = %h.topic, group = %h.group,
        timestamp = h.timestamp, is_force = h.is_force, "[reset-offset] reset offset started"
    );
    let Some(topic) = broker.metadata.topics.get(&h.topic) else {
        return Err(Failure::system(format!(
            "[reset-offset] reset offset failed, no topic in this broker. topic={}",
            h.topic
        )));
    };
    let committed = broker
        .metadata
        .offsets
        .query_all(&h.group, &h.topic)
        .unwrap_or_default();
    let online = broker
        .consumers
        .group(&h.group)
        .map(|g| g.channels.into_values().collect::<Vec<_>>())
        .unwrap_or_default();
    // Java refuses when a queue has no committed offset. A group that is online, or has
    // offsets on some queues, may simply not have committed the others yet; those start
    // from the timestamp's offset like the rest.
    if committed.is_empty() && online.is_empty() {
        return Err(Failure::system(format!(
            "THe consumer group <{}> not exist",
            h.group
        )));
    }
    let broker_name = broker.cfg().broker_name;
    let mut table = BTreeMap::new();
    for queue_id in 0..topic.write_queue_nums {
        let target = if h.timestamp == -1 {
            broker.store.max_offset(&h.topic, queue_id)
        } else {
            broker.store.offset_by_time(&h.topic, queue_id, h.timestamp)
        }
        .max(0);
        let offset = match committed.get(&queue_id) {
            Some(&current) if !h.is_force && target >= current => current,
            _ => target,
        };
        table.insert(MessageQueue::new(&h.topic, &broker_name, queue_id), offset);
    }
    if online.is_empty() {
        return Err(Failure::new(
            ResponseCode::CONSUMER_NOT_ONLINE,
            format!(
                "Consumer not online, so can not reset offset, Group: {} Topic: {} Timestamp: {}",
                h.group, h.topic, h.timestamp
            ),
        ));
    }
    if let Some(old) = online.iter().find(|c| c.version < V3_0_7_SNAPSHOT) {
        return Err(Failure::system(format!(
            "the client does not support this feature. version={}",
            old.version
        )));
    }

    let header = ResetOffsetRequestHeader {
        topic: h.topic.clone(),
        group: h.group.clone(),
        timestamp: h.timestamp,
        is_force: h.is_force,
    };
    // Java picks the body shape by the language of the admin request, not of the clients.
    let push_body = if req.language == LanguageCode::Cpp {
        let offset_table = table
            .iter()
            .map(|(mq, &offset)| MessageQueueForC {
                topic: mq.topic.clone(),
                broker_name: mq.broker_name.clone(),
                queue_id: mq.queue_id,
                offset,
            })
            .collect();
        json(&ResetOffsetBodyForC { offset_table })
    } else {
        ResetOffsetBody {
            offset_table: table.clone(),
        }
        .to_json()
    };
    for channel in &online {
        let push = RemotingCommand::request(
            RequestCode::RESET_CONSUMER_CLIENT_OFFSET,
            header.to_ext_fields(),
        )
        .with_body(push_body.clone());
        match tokio::time::timeout(RESET_PUSH_TIMEOUT, channel.conn.invoke_oneway(push)).await {
            Ok(Ok(())) => tracing::info!(
                topic = %h.topic, group = %h.group, client = %channel.client_id,
                "[reset-offset] reset offset success"
            ),
            Ok(Err(e)) => tracing::error!(
                topic = %h.topic, group = %h.group, client = %channel.client_id,
                "[reset-offset] reset offset exception: {e}"
            ),
            Err(_) => tracing::error!(
                topic = %h.topic, group = %h.group, client = %channel.client_id,
                "[reset-offset] reset offset timed out"
            ),
        }
    }
    // The clients commit the new offsets themselves; setting them here too means the
    // reset holds even for a client that ignores or misses the push.
    for (mq, &offset) in &table {
        broker
            .metadata
            .offsets
            .reset(&h.group, &h.topic, mq.queue_id, offset);
    }
    let body = ResetOffsetBody {
        offset_table: table,
    };
    Ok(success(req).with_body(body.to_json()))
}

pub(super) async fn get_consumer_running_info(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = GetConsumerRunningInfoRequestHeader::from_command(req)?;
    let forward = RemotingCommand::request(
        RequestCode::GET_CONSUMER_RUNNING_INFO,
        req.ext_fields.clone().unwrap_or_default(),
    )
    .with_body(req.body.clone());
    call_consumer(broker, req, forward, &h.consumer_group, &h.client_id).await
}

/// Forwards the message named by `msgId` (an offset message id of this broker) to one
/// consumer, which consumes it and reports the result.
pub(super) async fn consume_message_directly(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = ConsumeMessageDirectlyRequestHeader::from_command(req)?;
    let mut ext = req.ext_fields.clone().unwrap_or_default();
    ext.insert("brokerName", broker.cfg().broker_name);
    // Java leaves the body empty when the id does not decode; the client then reports
    // the failure.
    let body = h
        .msg_id
        .as_deref()
        .and_then(|id| decode_offset_msg_id(id).ok())
        .and_then(|(_, offset)| broker.store.record_at(offset))
        .unwrap_or_default();
    let forward =
        RemotingCommand::request(RequestCode::CONSUME_MESSAGE_DIRECTLY, ext).with_body(body);
    let client_id = h.client_id.unwrap_or_default();
    call_consumer(broker, req, forward, &h.consumer_group, &client_id).await
}

/// Java's `callConsumer`: sends `forward` to the consumer `client_id` of `group` and
/// answers the admin with the client's response as it came.
async fn call_consumer(
    broker: &Broker,
    req: &RemotingCommand,
    forward: RemotingCommand,
    group: &str,
    client_id: &str,
) -> Outcome {
    let channel = broker
        .consumers
        .group(group)
        .and_then(|g| g.channels.into_values().find(|c| c.client_id == client_id));
    let Some(channel) = channel else {
        return Err(Failure::system(format!(
            "The Consumer <{group}> <{client_id}> not online"
        )));
    };
    if channel.version < V3_1_8_SNAPSHOT {
        return Err(Failure::system(format!(
            "The Consumer <{}> Version <{}> too low to finish, {}",
            client_id, channel.version, "please upgrade it to V3_1_8_SNAPSHOT"
        )));
    }
    match channel.conn.invoke(forward, CALL_CLIENT_TIMEOUT).await {
        Ok(mut response) => {
            // The client's answer goes back as ours: same code, remark, header and body,
            // re-addressed to the admin's request.
            let ours = success(req);
            response.opaque = ours.opaque;
            response.flag = ours.flag;
            response.serialize_type = ours.serialize_type;
            Ok(response)
        }
        Err(e @ NetError::Timeout { .. }) => Err(Failure::new(
            ResponseCode::CONSUME_MSG_TIMEOUT,
            format!("consumer <{group}> <{client_id}> Timeout: {e}"),
        )),
        Err(e) => Err(Failure::system(format!(
            "invoke consumer <{group}> <{client_id}> Exception: {e}"
        ))),
    }
}
