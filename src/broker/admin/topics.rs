//! Topic, subscription group and offset administration, and the per-queue statistics built
//! from the store and the consumer offsets.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{decode_or_reply, ok, ok_with_body};
use crate::broker::controller::Broker;
use crate::broker::send::error;
use crate::command_header;
use crate::common::clock::{java_date_local, now_ms};
use crate::common::names;
use crate::common::names::RMQ_SYS_SCHEDULE_TOPIC as SCHEDULE_TOPIC;
use crate::net::Connection;
use crate::protocol::body::{
    ConsumeStats, GroupList, MessageQueue, OffsetWrapper, SubscriptionData,
    SubscriptionGroupConfig, TopicConfig, TopicFilterType, TopicList, TopicOffset, TopicStatsTable,
};
use crate::protocol::fastjson::{self, JsonStyle};
use crate::protocol::header::{
    CloneGroupOffsetRequestHeader, CreateTopicRequestHeader, GetConsumeStatsRequestHeader,
    QueryConsumeQueueRequestHeader, QueryConsumeTimeSpanRequestHeader, TopicRequestHeader,
};
use crate::protocol::{RemotingCommand, ResponseCode};

command_header! {
    /// DELETE_SUBSCRIPTIONGROUP (207) request: 4.9.8 sends `removeOffset`, 5.x `cleanOffset`;
    /// either one asks for the group's offsets to go too.
    pub struct DeleteGroupHeader("DeleteSubscriptionGroupRequestHeader") {
        group_name: String => "groupName",
        remove_offset: Option<bool> => "removeOffset",
        clean_offset: Option<bool> => "cleanOffset",
    }
}

command_header! {
    /// GET_BROKER_CONSUME_STATS (317) request. Java declares `isOrder` not-null but, being a
    /// primitive, reads a missing key as false; so do we.
    pub struct GetConsumeStatsInBrokerHeader("GetConsumeStatsInBrokerHeader") {
        is_order: Option<bool> => "isOrder",
    }
}

/// One queue of a QUERY_CONSUME_TIME_SPAN answer (`QueueTimeSpan`). The `*Str` fields are
/// what Java's getters add to the JSON (local time, `yyyy-MM-dd#HH:mm:ss:SSS`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueueTimeSpan {
    message_queue: MessageQueue,
    min_time_stamp: i64,
    max_time_stamp: i64,
    consume_time_stamp: i64,
    delay_time: i64,
    min_time_stamp_str: String,
    max_time_stamp_str: String,
    consume_time_stamp_str: String,
}

/// The QUERY_CONSUME_TIME_SPAN response body (`QueryConsumeTimeSpanBody`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueryConsumeTimeSpanBody {
    consume_time_span_set: Vec<QueueTimeSpan>,
}

/// The GET_BROKER_CONSUME_STATS response body (`ConsumeStatsList`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConsumeStatsList {
    broker_addr: String,
    consume_stats_list: Vec<BTreeMap<String, Vec<ConsumeStats>>>,
    total_diff: i64,
}

/// One entry of a QUERY_CONSUME_QUEUE answer (`ConsumeQueueData`). rmq has no consume queue
/// extensions, so the ext fields stay empty (omitted, as Java omits nulls).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConsumeQueueData {
    physic_offset: i64,
    physic_size: i32,
    tags_code: i64,
    extend_data_json: Option<String>,
    bit_map: Option<String>,
    eval: bool,
    msg: Option<String>,
}

/// The QUERY_CONSUME_QUEUE response body (`QueryConsumeQueueResponseBody`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueryConsumeQueueResponseBody {
    subscription_data: Option<SubscriptionData>,
    filter_data: Option<String>,
    queue_data: Vec<ConsumeQueueData>,
    max_queue_index: i64,
    min_queue_index: i64,
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    fastjson::to_vec(value, JsonStyle::Fastjson)
}

impl Broker {
    pub(super) fn update_and_create_topic(
        &self,
        conn: &Connection,
        req: &RemotingCommand,
    ) -> RemotingCommand {
        if let Some(refused) = self.refuse_on_slave(req) {
            return refused;
        }
        let h = decode_or_reply!(CreateTopicRequestHeader, req);
        tracing::info!(peer = %conn.peer_addr(), topic = %h.topic, "updateAndCreateTopic");
        if let Err(e) = self.metadata.topics.validate_admin_topic(&h.topic) {
            return error(req, topic_refusal_code(&e), e.to_string());
        }
        // Java's `TopicFilterType.valueOf` throws on an unknown name.
        let filter = TopicFilterType::from_name(&h.topic_filter_type);
        if let TopicFilterType::Other(name) = &filter {
            return error(
                req,
                ResponseCode::SYSTEM_ERROR,
                format!("unknown topicFilterType '{name}': expected SINGLE_TAG or MULTI_TAG"),
            );
        }
        // Java builds a fresh config (order = false) and relies on the name server's order
        // config to set the flag again; rmq keeps the flag the topic already has, which is
        // what a Java broker shows once that registration round trip is done.
        let order = self.metadata.topics.is_order_topic(&h.topic);
        let config = TopicConfig {
            read_queue_nums: h.read_queue_nums,
            write_queue_nums: h.write_queue_nums,
            perm: h.perm,
            topic_filter_type: filter,
            topic_sys_flag: h.topic_sys_flag.unwrap_or(0),
            order,
            ..TopicConfig::new(h.topic)
        };
        if self.metadata.topics.create_or_update(config) {
            // Java registers the changed topic with the name servers before answering; ours
            // goes out right after, from the registration loop.
            self.register_now.notify_one();
        }
        ok(req)
    }

    pub(super) async fn delete_topic(
        &self,
        conn: &Connection,
        req: &RemotingCommand,
    ) -> RemotingCommand {
        if let Some(refused) = self.refuse_on_slave(req) {
            return refused;
        }
        let h = decode_or_reply!(TopicRequestHeader, req);
        tracing::info!(peer = %conn.peer_addr(), topic = %h.topic, "deleteTopic");
        if let Err(e) = self.metadata.topics.validate_admin_topic(&h.topic) {
            return error(req, topic_refusal_code(&e), e.to_string());
        }
        self.metadata.topics.delete(&h.topic);
        let removed = self.metadata.offsets.remove_topic(&h.topic);
        if removed > 0 {
            tracing::info!(
                topic = %h.topic,
                groups = removed,
                "removed consumer offsets of deleted topic"
            );
        }
        // Removing the consume queue files is disk work: keep it off the async workers.
        let store = self.store.clone();
        let topic = h.topic.clone();
        match tokio::task::spawn_blocking(move || store.delete_topic(&topic)).await {
            Ok(Ok(())) => ok(req),
            Ok(Err(e)) => error(
                req,
                ResponseCode::SYSTEM_ERROR,
                format!("deleting the queues of topic {} failed: {e}", h.topic),
            ),
            Err(e) => error(req, ResponseCode::SYSTEM_ERROR, e.to_string()),
        }
    }

    pub(super) fn get_all_topic_config(&self, req: &RemotingCommand) -> RemotingCommand {
        ok_with_body(req, self.metadata.topics.all().to_json())
    }

    pub(super) fn update_and_create_subscription_group(
        &self,
        conn: &Connection,
        req: &RemotingCommand,
    ) -> RemotingCommand {
        if let Some(refused) = self.refuse_on_slave(req) {
            return refused;
        }
        tracing::info!(peer = %conn.peer_addr(), "updateAndCreateSubscriptionGroup");
        // Java decodes a missing body to null and answers SUCCESS without doing anything.
        if req.body.is_empty() {
            return ok(req);
        }
        let config = match SubscriptionGroupConfig::from_json(&req.body) {
            Ok(c) => c,
            Err(e) => return error(req, ResponseCode::SYSTEM_ERROR, e.to_string()),
        };
        // Java would store a nameless group; refusing it keeps subscriptionGroup.json sane.
        if config.group_name.trim().is_empty() {
            return error(
                req,
                ResponseCode::SYSTEM_ERROR,
                "SubscriptionGroupConfig: groupName is blank",
            );
        }
        self.metadata.groups.update(config);
        ok(req)
    }

    pub(super) fn get_all_subscription_group(&self, req: &RemotingCommand) -> RemotingCommand {
        ok_with_body(req, self.metadata.groups.all().to_json())
    }

    pub(super) fn delete_subscription_group(
        &self,
        conn: &Connection,
        req: &RemotingCommand,
    ) -> RemotingCommand {
        if let Some(refused) = self.refuse_on_slave(req) {
            return refused;
        }
        let h = decode_or_reply!(DeleteGroupHeader, req);
        tracing::info!(peer = %conn.peer_addr(), group = %h.group_name, "deleteSubscriptionGroup");
        self.metadata.groups.delete(&h.group_name);
        if h.remove_offset == Some(true) || h.clean_offset == Some(true) {
            self.metadata.offsets.remove_group(&h.group_name);
        }
        ok(req)
    }

    /// Min, max and last store time of each write queue of a topic.
    pub(super) fn get_topic_stats_info(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = decode_or_reply!(TopicRequestHeader, req);
        let Some(topic) = self.metadata.topics.get(&h.topic) else {
            return error(
                req,
                ResponseCode::TOPIC_NOT_EXIST,
                format!("topic[{}] not exist", h.topic),
            );
        };
        let broker_name = self.cfg().broker_name;
        let mut table = TopicStatsTable::default();
        for queue_id in 0..topic.write_queue_nums {
            let min = self.store.min_offset(&h.topic, queue_id).max(0);
            let max = self.store.max_offset(&h.topic, queue_id).max(0);
            let last_update_timestamp = if max > 0 {
                self.store_time(&h.topic, queue_id, max - 1)
            } else {
                0
            };
            table.offset_table.insert(
                MessageQueue::new(&h.topic, &broker_name, queue_id),
                TopicOffset {
                    min_offset: min,
                    max_offset: max,
                    last_update_timestamp,
                },
            );
        }
        ok_with_body(req, table.to_json())
    }

    /// Java's `getMessageStoreTimeStamp`: the store time of a queue's message, -1 if absent.
    fn store_time(&self, topic: &str, queue_id: i32, offset: i64) -> i64 {
        self.store
            .store_time_at(topic, queue_id, offset)
            .unwrap_or(-1)
    }

    /// Whether the consume stats of `group` should skip `topic`: the group is online with
    /// subscriptions, none of them for this topic (Java's `findSubscriptionDataCount > 0`).
    fn not_subscribed(&self, group: &str, topic: &str) -> bool {
        self.consumers
            .group(group)
            .is_some_and(|g| !g.subscriptions.is_empty() && !g.subscriptions.contains_key(topic))
    }

    /// The progress of `group` on the first `queues` queues of `topic`.
    fn consume_stats_of(
        &self,
        group: &str,
        topic: &str,
        queues: i32,
        broker_name: &str,
        stats: &mut ConsumeStats,
    ) {
        for queue_id in 0..queues {
            let broker_offset = self.store.max_offset(topic, queue_id).max(0);
            let consumer_offset = self
                .metadata
                .offsets
                .query(group, topic, queue_id)
                .unwrap_or(-1)
                .max(0);
            let last_timestamp = if consumer_offset > 0 {
                self.store_time(topic, queue_id, consumer_offset - 1).max(0)
            } else {
                0
            };
            stats.offset_table.insert(
                MessageQueue::new(topic, broker_name, queue_id),
                OffsetWrapper {
                    broker_offset,
                    consumer_offset,
                    last_timestamp,
                },
            );
        }
    }

    /// A group's progress on one topic or (blank topic) on every topic it has offsets for,
    /// over each topic's read queues.
    pub(super) fn get_consume_stats(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = decode_or_reply!(GetConsumeStatsRequestHeader, req);
        let group = &h.consumer_group;
        let topics: BTreeSet<String> = match h.topic.as_deref().map(str::trim) {
            Some(topic) if !topic.is_empty() => BTreeSet::from([topic.to_string()]),
            _ => self.metadata.offsets.topics_of_group(group),
        };
        let broker_name = self.cfg().broker_name;
        let mut stats = ConsumeStats::default();
        for topic in &topics {
            let Some(config) = self.metadata.topics.get(topic) else {
                tracing::warn!(topic = %topic, "consumeStats, topic config not exist");
                continue;
            };
            if self.not_subscribed(group, topic) {
                tracing::warn!(
                    group = %group,
                    topic = %topic,
                    "consumeStats, the consumer group does not subscribe the topic"
                );
                continue;
            }
            // Per-group TPS is not tracked; Java's figure is a rate that starts at 0 too.
            self.consume_stats_of(
                group,
                topic,
                config.read_queue_nums,
                &broker_name,
                &mut stats,
            );
        }
        ok_with_body(req, stats.to_json())
    }

    /// The consume stats of every subscription group on this broker (mqadmin
    /// brokerConsumeStats), over each topic's write queues as Java does.
    pub(super) fn get_broker_consume_stats(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = decode_or_reply!(GetConsumeStatsInBrokerHeader, req);
        let is_order = h.is_order.unwrap_or(false);
        let broker_name = self.cfg().broker_name;
        let mut list = Vec::new();
        let mut total_diff = 0i64;
        for group in self.metadata.groups.group_names() {
            let mut per_topic = Vec::new();
            for topic in self.metadata.offsets.topics_of_group(&group) {
                let Some(config) = self.metadata.topics.get(&topic) else {
                    continue;
                };
                if (is_order && !config.order) || self.not_subscribed(&group, &topic) {
                    continue;
                }
                let mut stats = ConsumeStats::default();
                self.consume_stats_of(
                    &group,
                    &topic,
                    config.write_queue_nums,
                    &broker_name,
                    &mut stats,
                );
                total_diff = total_diff.saturating_add(stats.total_diff());
                per_topic.push(stats);
            }
            list.push(BTreeMap::from([(group, per_topic)]));
        }
        let body = ConsumeStatsList {
            broker_addr: self.broker_addr(),
            consume_stats_list: list,
            total_diff,
        };
        ok_with_body(req, json(&body))
    }

    /// Groups consuming a topic: online subscribers plus groups with offsets on it.
    pub(super) fn query_topic_consume_by_who(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = decode_or_reply!(TopicRequestHeader, req);
        let mut groups: BTreeSet<String> = self
            .consumers
            .groups_subscribing(&h.topic)
            .into_iter()
            .collect();
        groups.extend(self.metadata.offsets.groups_of_topic(&h.topic));
        ok_with_body(req, GroupList { group_list: groups }.to_json())
    }

    pub(super) fn get_all_consumer_offset(&self, req: &RemotingCommand) -> RemotingCommand {
        ok_with_body(req, self.metadata.offsets.snapshot().to_json())
    }

    pub(super) fn get_all_delay_offset(&self, req: &RemotingCommand) -> RemotingCommand {
        ok_with_body(req, self.metadata.delay_offsets.encode())
    }

    /// Copies a group's offsets to another group, for one topic or every topic it has
    /// offsets on.
    pub(super) fn clone_group_offset(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = decode_or_reply!(CloneGroupOffsetRequestHeader, req);
        let topics: BTreeSet<String> = match h.topic.as_deref().map(str::trim) {
            Some(topic) if !topic.is_empty() => BTreeSet::from([topic.to_string()]),
            _ => self.metadata.offsets.topics_of_group(&h.src_group),
        };
        for topic in &topics {
            if !self.metadata.topics.contains(topic) {
                tracing::warn!(topic = %topic, "[cloneGroupOffset], topic config not exist");
                continue;
            }
            if h.offline != Some(true) && self.not_subscribed(&h.src_group, topic) {
                tracing::warn!(
                    group = %h.src_group,
                    topic = %topic,
                    "[cloneGroupOffset], the consumer group does not subscribe the topic"
                );
                continue;
            }
            // Java passes the request's topic here, so a blank topic clones nothing; cloning
            // each topic of the loop is what the request asks for.
            self.metadata
                .offsets
                .clone_offsets(&h.src_group, &h.dest_group, topic);
        }
        ok(req)
    }

    /// Per write queue: oldest and newest store time, the store time of the group's last
    /// consumed message, and how long the next unconsumed message has waited.
    pub(super) fn query_consume_time_span(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = decode_or_reply!(QueryConsumeTimeSpanRequestHeader, req);
        let Some(config) = self.metadata.topics.get(&h.topic) else {
            return error(
                req,
                ResponseCode::TOPIC_NOT_EXIST,
                format!("topic[{}] not exist", h.topic),
            );
        };
        let broker_name = self.cfg().broker_name;
        let topic = &h.topic;
        let mut spans = Vec::new();
        for queue_id in 0..config.write_queue_nums {
            let min_time = self.store.earliest_store_time(topic, queue_id);
            let max = self.store.max_offset(topic, queue_id);
            let max_time = self.store_time(topic, queue_id, max - 1);
            let consumer_offset = self
                .metadata
                .offsets
                .query(&h.group, topic, queue_id)
                .unwrap_or(-1);
            let consume_time = if consumer_offset > 0 {
                self.store_time(topic, queue_id, consumer_offset - 1)
            } else {
                min_time
            };
            let delay_time = if consumer_offset < max {
                now_ms() - self.store_time(topic, queue_id, consumer_offset)
            } else {
                0
            };
            spans.push(QueueTimeSpan {
                message_queue: MessageQueue::new(topic, &broker_name, queue_id),
                min_time_stamp: min_time,
                max_time_stamp: max_time,
                consume_time_stamp: consume_time,
                delay_time,
                min_time_stamp_str: java_date_local(min_time),
                max_time_stamp_str: java_date_local(max_time),
                consume_time_stamp_str: java_date_local(consume_time),
            });
        }
        let body = QueryConsumeTimeSpanBody {
            consume_time_span_set: spans,
        };
        ok_with_body(req, json(&body))
    }

    /// Java's `TopicValidator.getSystemTopicSet()`: the fixed system topics plus this
    /// broker's own (cluster, broker name, trace, reply topic).
    pub(super) fn get_system_topic_list(&self, req: &RemotingCommand) -> RemotingCommand {
        let mut topics: BTreeSet<String> = [
            names::AUTO_CREATE_TOPIC_KEY_TOPIC,
            names::RMQ_SYS_SCHEDULE_TOPIC,
            names::RMQ_SYS_BENCHMARK_TOPIC,
            names::RMQ_SYS_TRANS_HALF_TOPIC,
            names::RMQ_SYS_TRACE_TOPIC,
            names::RMQ_SYS_TRANS_OP_HALF_TOPIC,
            names::RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC,
            names::RMQ_SYS_SELF_TEST_TOPIC,
            names::RMQ_SYS_OFFSET_MOVED_EVENT,
        ]
        .into_iter()
        .map(String::from)
        .collect();
        topics.extend(
            self.metadata
                .topics
                .topic_names()
                .into_iter()
                .filter(|t| self.metadata.topics.is_system_topic(t)),
        );
        let body = TopicList {
            topic_list: topics,
            broker_addr: None,
        };
        ok_with_body(req, body.to_json())
    }

    /// Raw entries of one consume queue (mqadmin queryCq).
    pub(super) fn query_consume_queue(&self, req: &RemotingCommand) -> RemotingCommand {
        let h = decode_or_reply!(QueryConsumeQueueRequestHeader, req);
        let Some(cq) = self.store.consume_queues().get(&h.topic, h.queue_id) else {
            return error(
                req,
                ResponseCode::SYSTEM_ERROR,
                format!("{}@{} is not exist!", h.queue_id, h.topic),
            );
        };
        let mut body = QueryConsumeQueueResponseBody {
            subscription_data: None,
            filter_data: None,
            queue_data: Vec::new(),
            max_queue_index: cq.max_offset(),
            min_queue_index: cq.min_offset(),
        };
        if let Some(group) = &h.consumer_group {
            body.subscription_data = self.consumers.subscription(group, &h.topic);
            body.filter_data = Some(match &body.subscription_data {
                None => format!("{group}@{} is not online!", h.topic),
                // Java prints the group's SQL92 filter data, which tag subscriptions lack.
                Some(_) => "null".to_string(),
            });
        }
        let count = usize::try_from(h.count.max(0)).unwrap_or(0);
        let entries = cq.read(h.index, count);
        if entries.is_empty() {
            // Java answers SUCCESS with only a remark when the index has no entry.
            return ok(req).with_remark(format!(
                "Index {} of {}@{} is not exist!",
                h.index, h.queue_id, h.topic
            ));
        }
        body.queue_data = entries
            .into_iter()
            .map(|e| ConsumeQueueData {
                physic_offset: e.phys_offset,
                physic_size: e.size,
                tags_code: e.tags_code,
                extend_data_json: None,
                bit_map: None,
                eval: false,
                msg: None,
            })
            .collect();
        ok_with_body(req, json(&body))
    }

    /// Deletes the consume queues of topics that are no longer in the topic table (Java's
    /// `cleanUnusedTopic`, which spares the schedule and transaction-op topics).
    pub(super) async fn clean_unused_topic(&self, req: &RemotingCommand) -> RemotingCommand {
        let known: BTreeSet<String> = self.metadata.topics.topic_names().into_iter().collect();
        let unused: BTreeSet<String> = self
            .store
            .consume_queues()
            .all()
            .iter()
            .map(|cq| cq.topic().to_string())
            .filter(|t| {
                !known.contains(t) && t != SCHEDULE_TOPIC && t != names::RMQ_SYS_TRANS_OP_HALF_TOPIC
            })
            .collect();
        tracing::warn!(topics = ?unused, "invoke cleanUnusedTopic");
        let store = self.store.clone();
        let result = tokio::task::spawn_blocking(move || {
            unused.iter().try_for_each(|t| store.delete_topic(t))
        })
        .await;
        match result {
            Ok(Ok(())) => ok(req),
            Ok(Err(e)) => error(req, ResponseCode::SYSTEM_ERROR, e.to_string()),
            Err(e) => error(req, ResponseCode::SYSTEM_ERROR, e.to_string()),
        }
    }
}

/// The response code Java answers a refused topic name with.
fn topic_refusal_code(e: &names::TopicNameError) -> ResponseCode {
    if e.is_forbidden() {
        ResponseCode::NO_PERMISSION
    } else {
        ResponseCode::SYSTEM_ERROR
    }
}
