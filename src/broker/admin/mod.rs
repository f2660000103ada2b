//! Admin requests used by mqadmin and `rmq`: topics, subscription groups, offsets and
//! statistics, client connections, broker config and runtime info, the way 4.9.8's
//! `AdminBrokerProcessor` (and `Broker2Client` for resets and forwarded calls) answers them:
//! same response codes, same remarks, same JSON bodies.
//!
//! [`Broker::admin`] returns `None` for codes it does not handle, which the dispatcher answers
//! with REQUEST_CODE_NOT_SUPPORTED.
//!
//! - [`topics`]: UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215),
//!   GET_ALL_TOPIC_CONFIG (21), the subscription group requests (200, 201, 207),
//!   GET_TOPIC_STATS_INFO (202), GET_CONSUME_STATS (208), GET_BROKER_CONSUME_STATS (317),
//!   QUERY_TOPIC_CONSUME_BY_WHO (300), GET_ALL_CONSUMER_OFFSET (43), GET_ALL_DELAY_OFFSET (45),
//!   CLONE_GROUP_OFFSET (314), QUERY_CONSUME_TIME_SPAN (303),
//!   GET_SYSTEM_TOPIC_LIST_FROM_BROKER (305), QUERY_CONSUME_QUEUE (321), CLEAN_UNUSED_TOPIC
//!   (316);
//! - [`clients`]: GET_CONSUMER_CONNECTION_LIST (203), GET_PRODUCER_CONNECTION_LIST (204),
//!   INVOKE_BROKER_TO_RESET_OFFSET (222, pushing RESET_CONSUMER_CLIENT_OFFSET (220) to the
//!   group's clients), GET_CONSUMER_RUNNING_INFO (307) and CONSUME_MESSAGE_DIRECTLY (309)
//!   forwarded to the named client;
//! - [`config`]: GET_BROKER_CONFIG (26), UPDATE_BROKER_CONFIG (25, persisted into the `-c`
//!   file), GET_BROKER_RUNTIME_INFO (28), TRIGGER_DELETE_FILES (27) and
//!   DELETE_EXPIRED_COMMITLOG (329).
//!
//! Headers are decoded strictly: a missing required field or an unparsable number is answered
//! with SYSTEM_ERROR naming the header and the field (Java would fail later with an NPE).

mod clients;
mod config;
mod topics;

use super::controller::Broker;
use super::send::error;
use crate::config::BrokerRole;
use crate::net::Connection;
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};

/// Decodes a request header or returns SYSTEM_ERROR naming the missing or bad field.
macro_rules! decode_or_reply {
    ($ty:ty, $req:expr) => {
        match <$ty as $crate::protocol::CommandHeader>::from_command($req) {
            Ok(h) => h,
            Err(e) => {
                return $crate::broker::send::error(
                    $req,
                    $crate::protocol::ResponseCode::SYSTEM_ERROR,
                    e.to_string(),
                )
            }
        }
    };
}
pub(crate) use decode_or_reply;

/// Java's `validateSlave` remark: a slave refuses topic and group changes.
const SLAVE_REFUSES: &str = concat!(
    "Can't modify topic or subscription group from slave broker, ",
    "please execute it from master broker."
);

/// `MQVersion.Version.V3_0_7_SNAPSHOT.ordinal()`: older clients cannot take an offset reset.
const V3_0_7_SNAPSHOT: i32 = 28;
/// `MQVersion.Version.V3_1_8_SNAPSHOT.ordinal()`: older clients cannot answer forwarded calls.
const V3_1_8_SNAPSHOT: i32 = 62;

impl Broker {
    /// Handles an admin request, or returns `None` for a code this module does not serve.
    pub(super) async fn admin(
        &self,
        conn: &Connection,
        req: &RemotingCommand,
    ) -> Option<RemotingCommand> {
        let response = match req.request_code() {
            RequestCode::UPDATE_AND_CREATE_TOPIC => self.update_and_create_topic(conn, req),
            RequestCode::DELETE_TOPIC_IN_BROKER => self.delete_topic(conn, req).await,
            RequestCode::GET_ALL_TOPIC_CONFIG => self.get_all_topic_config(req),
            RequestCode::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP => {
                self.update_and_create_subscription_group(conn, req)
            }
            RequestCode::GET_ALL_SUBSCRIPTIONGROUP_CONFIG => self.get_all_subscription_group(req),
            RequestCode::DELETE_SUBSCRIPTIONGROUP => self.delete_subscription_group(conn, req),
            RequestCode::GET_TOPIC_STATS_INFO => self.get_topic_stats_info(req),
            RequestCode::GET_CONSUME_STATS => self.get_consume_stats(req),
            RequestCode::GET_BROKER_CONSUME_STATS => self.get_broker_consume_stats(req),
            RequestCode::QUERY_TOPIC_CONSUME_BY_WHO => self.query_topic_consume_by_who(req),
            RequestCode::GET_ALL_CONSUMER_OFFSET => self.get_all_consumer_offset(req),
            RequestCode::GET_ALL_DELAY_OFFSET => self.get_all_delay_offset(req),
            RequestCode::CLONE_GROUP_OFFSET => self.clone_group_offset(req),
            RequestCode::QUERY_CONSUME_TIME_SPAN => self.query_consume_time_span(req),
            RequestCode::GET_SYSTEM_TOPIC_LIST_FROM_BROKER => self.get_system_topic_list(req),
            RequestCode::QUERY_CONSUME_QUEUE => self.query_consume_queue(req),
            RequestCode::CLEAN_UNUSED_TOPIC => self.clean_unused_topic(req).await,
            RequestCode::GET_CONSUMER_CONNECTION_LIST => self.get_consumer_connection_list(req),
            RequestCode::GET_PRODUCER_CONNECTION_LIST => self.get_producer_connection_list(req),
            RequestCode::INVOKE_BROKER_TO_RESET_OFFSET => self.reset_offset(conn, req).await,
            RequestCode::GET_CONSUMER_RUNNING_INFO => self.get_consumer_running_info(req).await,
            RequestCode::CONSUME_MESSAGE_DIRECTLY => self.consume_message_directly(req).await,
            RequestCode::GET_BROKER_CONFIG => self.get_broker_config(req),
            RequestCode::UPDATE_BROKER_CONFIG => self.update_broker_config(conn, req).await,
            RequestCode::GET_BROKER_RUNTIME_INFO => self.get_broker_runtime_info(req),
            RequestCode::TRIGGER_DELETE_FILES => self.delete_files(req, true).await,
            RequestCode::DELETE_EXPIRED_COMMITLOG => self.delete_files(req, false).await,
            _ => return None,
        };
        Some(response)
    }

    /// Java's `validateSlave`: the SYSTEM_ERROR a slave answers to topic and group changes.
    fn refuse_on_slave(&self, req: &RemotingCommand) -> Option<RemotingCommand> {
        (self.store_config.broker_role == BrokerRole::Slave)
            .then(|| error(req, ResponseCode::SYSTEM_ERROR, SLAVE_REFUSES))
    }
}

/// A SUCCESS response carrying `body`.
fn ok_with_body(req: &RemotingCommand, body: Vec<u8>) -> RemotingCommand {
    RemotingCommand::response_to(req, ResponseCode::SUCCESS).with_body(body)
}

/// A bare SUCCESS response.
fn ok(req: &RemotingCommand) -> RemotingCommand {
    RemotingCommand::response_to(req, ResponseCode::SUCCESS)
}
