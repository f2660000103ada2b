//! Client management: HEART_BEAT (34), UNREGISTER_CLIENT (35), GET_CONSUMER_LIST_BY_GROUP (38),
//! LOCK_BATCH_MQ (41) / UNLOCK_BATCH_MQ (42), and NOTIFY_CONSUMER_IDS_CHANGED (40) pushed to a
//! group's members when its membership changes.

use std::time::{Duration, Instant};

use super::client_tables::{ClientChannel, ConsumerRegistration};
use super::controller::Broker;
use super::metadata::perm;
use super::send::error;
use crate::common::names::retry_topic;
use crate::net::Connection;
use crate::protocol::body::{
    GetConsumerListByGroupResponseBody, HeartbeatData, LockBatchRequestBody, LockBatchResponseBody,
    UnlockBatchRequestBody,
};
use crate::protocol::header::{ConsumerGroupHeader, UnregisterClientRequestHeader};
use crate::protocol::{CommandHeader, RemotingCommand, RequestCode, ResponseCode};

impl Broker {
    pub(super) async fn heart_beat(
        &self,
        conn: &Connection,
        req: &RemotingCommand,
    ) -> RemotingCommand {
        let data = match HeartbeatData::from_json(&req.body) {
            Ok(d) => d,
            Err(e) => {
                return error(
                    req,
                    ResponseCode::SYSTEM_ERROR,
                    format!("bad heartbeat body: {e}"),
                )
            }
        };
        let channel = |conn: &Connection| ClientChannel {
            conn: conn.clone(),
            client_id: data.client_id.clone(),
            language: req.language,
            version: req.version,
            last_update: Instant::now(),
        };
        for consumer in &data.consumer_data_set {
            if let Some(group) = self.metadata.groups.find_or_create(&consumer.group_name) {
                if group.retry_queue_nums > 0 {
                    let ensured = self.metadata.topics.create_topic_in_send_back_method(
                        &retry_topic(&consumer.group_name),
                        group.retry_queue_nums,
                        perm::PERM_WRITE | perm::PERM_READ,
                        0,
                    );
                    if ensured.created {
                        self.register_now.notify_one();
                    }
                }
            }
            let changed = self.consumers.register(
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
                self.notify_consumer_ids_changed(&consumer.group_name).await;
            }
        }
        for producer in &data.producer_data_set {
            self.producers.register(&producer.group_name, channel(conn));
        }
        RemotingCommand::response_to(req, ResponseCode::SUCCESS)
    }

    pub(super) async fn unregister_client(
        &self,
        conn: &Connection,
        req: &RemotingCommand,
    ) -> RemotingCommand {
        let h = match UnregisterClientRequestHeader::from_command(req) {
            Ok(h) => h,
            Err(e) => return error(req, ResponseCode::SYSTEM_ERROR, e.to_string()),
        };
        if let Some(group) = h.producer_group.as_deref().filter(|g| !g.is_empty()) {
            self.producers.unregister(group, conn.id());
        }
        if let Some(group) = h.consumer_group.as_deref().filter(|g| !g.is_empty()) {
            if self.consumers.unregister(group, conn.id()) {
                self.notify_consumer_ids_changed(group).await;
            }
        }
        RemotingCommand::response_to(req, ResponseCode::SUCCESS)
    }

    pub(super) fn get_consumer_list_by_group(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = match ConsumerGroupHeader::from_command(req) {
            Ok(h) => h,
            Err(e) => return error(req, ResponseCode::SYSTEM_ERROR, e.to_string()),
        };
        match self.consumers.group(&h.consumer_group) {
            Some(group) if !group.channels.is_empty() => {
                let body = GetConsumerListByGroupResponseBody {
                    consumer_id_list: group.client_ids(),
                };
                RemotingCommand::response_to(req, ResponseCode::SUCCESS).with_body(body.to_json())
            }
            _ => error(
                req,
                ResponseCode::SYSTEM_ERROR,
                format!("no consumer for this group, {}", h.consumer_group),
            ),
        }
    }

    pub(super) fn lock_batch_mq(
        &self,
        _conn: &Connection,
        req: &RemotingCommand,
    ) -> RemotingCommand {
        let body = match LockBatchRequestBody::from_json(&req.body) {
            Ok(b) => b,
            Err(e) => {
                return error(
                    req,
                    ResponseCode::SYSTEM_ERROR,
                    format!("bad lock body: {e}"),
                )
            }
        };
        let locked = self
            .queue_locks
            .lock(&body.consumer_group, &body.client_id, &body.mq_set);
        let response = LockBatchResponseBody {
            lock_ok_mq_set: locked,
        };
        RemotingCommand::response_to(req, ResponseCode::SUCCESS).with_body(response.to_json())
    }

    pub(super) fn unlock_batch_mq(
        &self,
        _conn: &Connection,
        req: &RemotingCommand,
    ) -> RemotingCommand {
        let body = match UnlockBatchRequestBody::from_json(&req.body) {
            Ok(b) => b,
            Err(e) => {
                return error(
                    req,
                    ResponseCode::SYSTEM_ERROR,
                    format!("bad unlock body: {e}"),
                )
            }
        };
        self.queue_locks
            .unlock(&body.consumer_group, &body.client_id, &body.mq_set);
        RemotingCommand::response_to(req, ResponseCode::SUCCESS)
    }

    /// Tells every member of `group` to rebalance (oneway), if the group allows it.
    pub(super) async fn notify_consumer_ids_changed(&self, group: &str) {
        let enabled = self.cfg().notify_consumer_ids_changed_enable
            && self
                .metadata
                .groups
                .find(group)
                .is_none_or(|g| g.notify_consumer_ids_changed_enable);
        if !enabled {
            return;
        }
        for conn in self.consumers.connections(group) {
            let header = ConsumerGroupHeader {
                consumer_group: group.to_string(),
            };
            let request = RemotingCommand::request(
                RequestCode::NOTIFY_CONSUMER_IDS_CHANGED,
                header.to_ext_fields(),
            );
            // A slow or gone client must not hold up the others.
            let sent =
                tokio::time::timeout(Duration::from_millis(500), conn.invoke_oneway(request)).await;
            if !matches!(sent, Ok(Ok(()))) {
                tracing::debug!(peer = %conn.peer_addr(), "could not notify consumer of group {group}");
            }
        }
    }
}
