//! Client liveness and membership: HEART_BEAT (34), UNREGISTER_CLIENT (35),
//! GET_CONSUMER_LIST_BY_GROUP (38) and CHECK_CLIENT_CONFIG (46), over the tables of
//! connected clients ([`client_tables`](crate::broker::client_tables)). A change of a consumer
//! group's members makes the broker push NOTIFY_CONSUMER_IDS_CHANGED (40) to the group.

use std::time::Instant;

use crate::broker::client_tables::{ClientChannel, ConsumerRegistration};
use crate::broker::controller::Broker;
use crate::common::names::retry_topic;
use crate::net::{success, Connection, Failure, Outcome};
use crate::protocol::body::{GetConsumerListByGroupResponseBody, HeartbeatData};
use crate::protocol::header::{ConsumerGroupHeader, UnregisterClientRequestHeader};
use crate::protocol::{CommandHeader, RemotingCommand};

pub(super) async fn heart_beat(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    let data = HeartbeatData::from_json(&req.body)
        .map_err(|e| Failure::system(format!("bad heartbeat body: {e}")))?;
    let channel = |conn: &Connection| ClientChannel {
        conn: conn.clone(),
        client_id: data.client_id.clone(),
        language: req.language,
        version: req.version,
        last_update: Instant::now(),
    };
    for consumer in &data.consumer_data_set {
        if let Some(group) = broker.metadata.groups.find_or_create(&consumer.group_name) {
            if group.retry_queue_nums > 0 {
                broker.ensure_send_back_topic(
                    &retry_topic(&consumer.group_name),
                    group.retry_queue_nums,
                );
            }
        }
        let changed = broker.consumers.register(
            &consumer.group_name,
            channel(conn),
            ConsumerRegistration {
                consume_type: consumer.consume_type.clone(),
                message_model: consumer.message_model.clone(),
                consume_from_where: consumer.consume_from_where.clone(),
                subscriptions: consumer.subscription_data_set.clone(),
            },
        );
        if changed {
            tracing::info!(group = %consumer.group_name, client = %data.client_id, "consumer joined");
            broker
                .notify_consumer_ids_changed(&consumer.group_name)
                .await;
        }
    }
    for producer in &data.producer_data_set {
        broker
            .producers
            .register(&producer.group_name, channel(conn));
    }
    Ok(success(req))
}

pub(super) async fn unregister_client(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    let h = UnregisterClientRequestHeader::from_command(req)?;
    if let Some(group) = h.producer_group.as_deref().filter(|g| !g.is_empty()) {
        broker.producers.unregister(group, conn.id());
    }
    if let Some(group) = h.consumer_group.as_deref().filter(|g| !g.is_empty()) {
        if broker.consumers.unregister(group, conn.id()) {
            broker.notify_consumer_ids_changed(group).await;
        }
    }
    Ok(success(req))
}

pub(super) fn get_consumer_list_by_group(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = ConsumerGroupHeader::from_command(req)?;
    match broker.consumers.group(&h.consumer_group) {
        Some(group) if !group.channels.is_empty() => {
            let body = GetConsumerListByGroupResponseBody {
                consumer_id_list: group.client_ids(),
            };
            Ok(success(req).with_body(body.to_json()))
        }
        _ => Err(Failure::system(format!(
            "no consumer for this group, {}",
            h.consumer_group
        ))),
    }
}

/// CHECK_CLIENT_CONFIG: answered SUCCESS without checking the subscription.
pub(super) fn check_client_config(req: &RemotingCommand) -> Outcome {
    Ok(success(req))
}
