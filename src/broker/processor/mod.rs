//! The broker's request processors: one file per request family, each handler a function from
//! the request to an [`Outcome`] (the response, or a [`Failure`] answered with its code and
//! remark), and [`process`], the one table of every request code the broker serves.
//!
//! Handlers decode headers with `Header::from_command(req)?`: a missing required field or an
//! unparsable number is answered SYSTEM_ERROR naming the header and the field (Java would
//! fail later with an NPE). Codes, remarks and bodies are those of 4.9.8's processors
//! (`SendMessageProcessor`, `PullMessageProcessor`, `AdminBrokerProcessor`, ...).
//!
//! - [`send`]: SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320),
//!   CONSUMER_SEND_MSG_BACK (36);
//! - [`reply`]: SEND_REPLY_MESSAGE (324, 325), pushed to the requester with
//!   PUSH_REPLY_MESSAGE_TO_CLIENT (326);
//! - [`pull`]: PULL_MESSAGE (11), LITE_PULL_MESSAGE (361);
//! - [`offset`]: QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15), GET_MAX_OFFSET (30),
//!   GET_MIN_OFFSET (31), GET_EARLIEST_MSG_STORETIME (32), SEARCH_OFFSET_BY_TIMESTAMP (29);
//! - [`query`]: QUERY_MESSAGE (12), VIEW_MESSAGE_BY_ID (33);
//! - [`heartbeat`]: HEART_BEAT (34), UNREGISTER_CLIENT (35), GET_CONSUMER_LIST_BY_GROUP (38),
//!   CHECK_CLIENT_CONFIG (46);
//! - [`lock`]: LOCK_BATCH_MQ (41), UNLOCK_BATCH_MQ (42);
//! - [`transaction`]: END_TRANSACTION (37), answered outside [`process`] because an unknown
//!   transaction state gets no response at all, and RESUME_CHECK_HALF_MESSAGE (323);
//! - [`admin_topic`]: UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215),
//!   GET_ALL_TOPIC_CONFIG (21), GET_TOPIC_STATS_INFO (202), QUERY_TOPIC_CONSUME_BY_WHO (300),
//!   GET_SYSTEM_TOPIC_LIST_FROM_BROKER (305), QUERY_CONSUME_QUEUE (321), CLEAN_UNUSED_TOPIC
//!   (316);
//! - [`admin_group`]: UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200),
//!   GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201), DELETE_SUBSCRIPTIONGROUP (207);
//! - [`admin_offset`]: GET_CONSUME_STATS (208), GET_BROKER_CONSUME_STATS (317),
//!   GET_ALL_CONSUMER_OFFSET (43), GET_ALL_DELAY_OFFSET (45), CLONE_GROUP_OFFSET (314),
//!   QUERY_CONSUME_TIME_SPAN (303), QUERY_CORRECTION_OFFSET (308);
//! - [`admin_client`]: GET_CONSUMER_CONNECTION_LIST (203), GET_PRODUCER_CONNECTION_LIST (204),
//!   GET_ALL_PRODUCER_INFO (328), INVOKE_BROKER_TO_RESET_OFFSET (222, pushing
//!   RESET_CONSUMER_CLIENT_OFFSET (220) to the group's clients),
//!   INVOKE_BROKER_TO_GET_CONSUMER_STATUS (223, asking the group's consumers with
//!   GET_CONSUMER_STATUS_FROM_CLIENT (221)), GET_CONSUMER_RUNNING_INFO (307) and CONSUME_MESSAGE_DIRECTLY (309)
//!   forwarded to the named client;
//! - [`admin_config`]: GET_BROKER_CONFIG (26), UPDATE_BROKER_CONFIG (25, persisted into the
//!   `-c` file), GET_BROKER_RUNTIME_INFO (28), TRIGGER_DELETE_FILES (27),
//!   DELETE_EXPIRED_COMMITLOG (329), CLEAN_EXPIRED_CONSUMEQUEUE (306);
//! - [`admin_stats`]: VIEW_BROKER_STATS_DATA (315);
//! - [`admin_role`]: RMQ_CHANGE_BROKER_ROLE (rmq's own 30001: online promotion and demotion).
//!
//! Any other code is answered REQUEST_CODE_NOT_SUPPORTED. Requests run inline on the
//! connection's reader: [`process`] is a `match` awaiting each handler, so a request costs no
//! boxed future and no task.

mod admin_client;
mod admin_config;
mod admin_group;
mod admin_offset;
mod admin_role;
mod admin_stats;
mod admin_topic;
mod heartbeat;
mod lock;
mod offset;
mod pull;
mod query;
mod reply;
mod send;
mod transaction;

use std::sync::Arc;

use serde::Serialize;

use super::controller::Broker;
use crate::config::BrokerRole;
use crate::net::{not_supported, Connection, Failure, Outcome, RequestHandler};
use crate::protocol::fastjson::{self, JsonStyle};
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};

/// The connection handler: answers each request through the broker's dispatch table, and
/// forgets a closed connection's clients.
pub struct BrokerHandler(pub Arc<Broker>);

impl RequestHandler for BrokerHandler {
    async fn handle(&self, conn: &Connection, request: RemotingCommand) -> Option<RemotingCommand> {
        // END_TRANSACTION alone may answer nothing (an unknown state, as Java).
        let result = match request.request_code() {
            RequestCode::END_TRANSACTION => transaction::end_transaction(&self.0, conn, &request),
            _ => process(&self.0, conn, &request).await.map(Some),
        };
        match result {
            Ok(Some(response)) => {
                if is_refusal(response.code) {
                    tracing::debug!(
                        code = request.code,
                        client = %conn.peer_addr(),
                        response = response.code,
                        remark = response.remark.as_deref().unwrap_or(""),
                        "request refused"
                    );
                }
                Some(response)
            }
            Ok(None) => None,
            Err(failure) => {
                if failure.malformed {
                    tracing::warn!(
                        code = request.code,
                        client = %conn.peer_addr(),
                        remark = %failure.remark,
                        "malformed request refused"
                    );
                } else {
                    tracing::debug!(
                        code = request.code,
                        client = %conn.peer_addr(),
                        response = failure.code.0,
                        remark = %failure.remark,
                        "request refused"
                    );
                }
                Some(failure.into_response(&request))
            }
        }
    }

    fn on_close(&self, conn: &Connection) {
        self.0.connection_closed(conn);
    }
}

/// Whether an answer refuses the request (worth a debug line), as opposed to success or the
/// ordinary outcomes of pulls and lookups that found nothing.
fn is_refusal(code: i32) -> bool {
    !matches!(
        ResponseCode(code),
        ResponseCode::SUCCESS
            | ResponseCode::PULL_NOT_FOUND
            | ResponseCode::PULL_RETRY_IMMEDIATELY
            | ResponseCode::PULL_OFFSET_MOVED
            | ResponseCode::QUERY_NOT_FOUND
    )
}

/// The dispatch table: every request code the broker serves, and its handler.
async fn process(b: &Broker, conn: &Connection, req: &RemotingCommand) -> Outcome {
    match req.request_code() {
        // Messages in and out.
        RequestCode::SEND_MESSAGE
        | RequestCode::SEND_MESSAGE_V2
        | RequestCode::SEND_BATCH_MESSAGE => {
            timed(&b.stats.send_latency, send::send_message(b, conn, req)).await
        }
        RequestCode::SEND_REPLY_MESSAGE | RequestCode::SEND_REPLY_MESSAGE_V2 => {
            timed(
                &b.stats.send_latency,
                reply::send_reply_message(b, conn, req),
            )
            .await
        }
        RequestCode::CONSUMER_SEND_MSG_BACK => {
            timed(&b.stats.send_latency, send::consumer_send_back(b, req)).await
        }
        RequestCode::PULL_MESSAGE | RequestCode::LITE_PULL_MESSAGE => {
            pull::pull_message(b, conn, req, true).await
        }
        // Offsets.
        RequestCode::QUERY_CONSUMER_OFFSET => offset::query_consumer_offset(b, req),
        RequestCode::UPDATE_CONSUMER_OFFSET => offset::update_consumer_offset(b, conn, req),
        RequestCode::GET_MAX_OFFSET => offset::get_max_offset(b, req),
        RequestCode::GET_MIN_OFFSET => offset::get_min_offset(b, req),
        RequestCode::GET_EARLIEST_MSG_STORETIME => offset::get_earliest_msg_storetime(b, req),
        RequestCode::SEARCH_OFFSET_BY_TIMESTAMP => offset::search_offset_by_timestamp(b, req),
        // Message lookups.
        RequestCode::QUERY_MESSAGE => query::query_message(b, req),
        RequestCode::VIEW_MESSAGE_BY_ID => query::view_message_by_id(b, req),
        // Clients.
        RequestCode::HEART_BEAT => heartbeat::heart_beat(b, conn, req).await,
        RequestCode::UNREGISTER_CLIENT => heartbeat::unregister_client(b, conn, req).await,
        RequestCode::GET_CONSUMER_LIST_BY_GROUP => heartbeat::get_consumer_list_by_group(b, req),
        RequestCode::CHECK_CLIENT_CONFIG => heartbeat::check_client_config(req),
        RequestCode::LOCK_BATCH_MQ => lock::lock_batch_mq(b, req),
        RequestCode::UNLOCK_BATCH_MQ => lock::unlock_batch_mq(b, req),
        // Admin: topics.
        RequestCode::UPDATE_AND_CREATE_TOPIC => {
            admin_topic::update_and_create_topic(b, conn, req).await
        }
        RequestCode::DELETE_TOPIC_IN_BROKER => admin_topic::delete_topic(b, conn, req).await,
        RequestCode::GET_ALL_TOPIC_CONFIG => admin_topic::get_all_topic_config(b, req),
        RequestCode::GET_TOPIC_STATS_INFO => admin_topic::get_topic_stats_info(b, req),
        RequestCode::QUERY_TOPIC_CONSUME_BY_WHO => admin_topic::query_topic_consume_by_who(b, req),
        RequestCode::GET_SYSTEM_TOPIC_LIST_FROM_BROKER => {
            admin_topic::get_system_topic_list(b, req)
        }
        RequestCode::QUERY_CONSUME_QUEUE => admin_topic::query_consume_queue(b, req),
        RequestCode::CLEAN_UNUSED_TOPIC => admin_topic::clean_unused_topic(b, req).await,
        // Admin: subscription groups.
        RequestCode::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP => {
            admin_group::update_and_create_subscription_group(b, conn, req)
        }
        RequestCode::GET_ALL_SUBSCRIPTIONGROUP_CONFIG => {
            admin_group::get_all_subscription_group(b, req)
        }
        RequestCode::DELETE_SUBSCRIPTIONGROUP => {
            admin_group::delete_subscription_group(b, conn, req)
        }
        // Admin: consumer progress.
        RequestCode::GET_CONSUME_STATS => admin_offset::get_consume_stats(b, req),
        RequestCode::GET_BROKER_CONSUME_STATS => admin_offset::get_broker_consume_stats(b, req),
        RequestCode::GET_ALL_CONSUMER_OFFSET => admin_offset::get_all_consumer_offset(b, req),
        RequestCode::GET_ALL_DELAY_OFFSET => admin_offset::get_all_delay_offset(b, req),
        RequestCode::CLONE_GROUP_OFFSET => admin_offset::clone_group_offset(b, req),
        RequestCode::QUERY_CONSUME_TIME_SPAN => admin_offset::query_consume_time_span(b, req),
        RequestCode::QUERY_CORRECTION_OFFSET => admin_offset::query_correction_offset(b, req),
        RequestCode::VIEW_BROKER_STATS_DATA => admin_stats::view_broker_stats_data(b, req),
        // Admin: connected clients.
        RequestCode::GET_CONSUMER_CONNECTION_LIST => {
            admin_client::get_consumer_connection_list(b, req)
        }
        RequestCode::GET_PRODUCER_CONNECTION_LIST => {
            admin_client::get_producer_connection_list(b, req)
        }
        RequestCode::GET_ALL_PRODUCER_INFO => admin_client::get_all_producer_info(b, req),
        RequestCode::INVOKE_BROKER_TO_GET_CONSUMER_STATUS => {
            admin_client::get_consumer_status(b, conn, req).await
        }
        RequestCode::INVOKE_BROKER_TO_RESET_OFFSET => {
            admin_client::reset_offset(b, conn, req).await
        }
        RequestCode::GET_CONSUMER_RUNNING_INFO => {
            admin_client::get_consumer_running_info(b, req).await
        }
        RequestCode::CONSUME_MESSAGE_DIRECTLY => {
            admin_client::consume_message_directly(b, req).await
        }
        // Admin: broker config, runtime info, retention.
        RequestCode::GET_BROKER_CONFIG => admin_config::get_broker_config(b, req),
        RequestCode::UPDATE_BROKER_CONFIG => admin_config::update_broker_config(b, conn, req).await,
        RequestCode::GET_BROKER_RUNTIME_INFO => admin_config::get_broker_runtime_info(b, req),
        RequestCode::RMQ_CHANGE_BROKER_ROLE => admin_role::change_role(b, conn, req).await,
        RequestCode::TRIGGER_DELETE_FILES => admin_config::delete_files(b, req, true).await,
        RequestCode::DELETE_EXPIRED_COMMITLOG => admin_config::delete_files(b, req, false).await,
        RequestCode::CLEAN_EXPIRED_CONSUMEQUEUE => {
            admin_config::clean_expired_consume_queue(b, req).await
        }
        // Transactions.
        RequestCode::RESUME_CHECK_HALF_MESSAGE => transaction::resume_check_half_message(b, req),
        _ => Ok(not_supported(req)),
    }
}

/// Runs a handler and records how long it took in `histogram`.
async fn timed(
    histogram: &crate::net::metrics::LatencyHistogram,
    handler: impl std::future::Future<Output = Outcome>,
) -> Outcome {
    let started = std::time::Instant::now();
    let outcome = handler.await;
    histogram.observe(started.elapsed());
    outcome
}

/// Java's `validateSlave` remark: a slave refuses topic and group changes.
const SLAVE_REFUSES: &str = concat!(
    "Can't modify topic or subscription group from slave broker, ",
    "please execute it from master broker."
);

/// Java's `validateSlave`: the SYSTEM_ERROR a slave answers to topic and group changes.
fn refuse_on_slave(broker: &Broker) -> Result<(), Failure> {
    if broker.role() == BrokerRole::Slave {
        return Err(Failure::system(SLAVE_REFUSES));
    }
    Ok(())
}

/// A response body in fastjson's form, for the bodies only the admin side writes.
fn json<T: Serialize>(value: &T) -> Vec<u8> {
    fastjson::to_vec(value, JsonStyle::Fastjson)
}

/// Runs disk work on the blocking pool, off the async workers. A task that panicked is a
/// SYSTEM_ERROR with the panic's text.
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Failure::system(e.to_string()))
}
