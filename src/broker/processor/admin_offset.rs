//! Consumer progress administration, from the store and the consumer offsets:
//! GET_CONSUME_STATS (208), GET_BROKER_CONSUME_STATS (317), GET_ALL_CONSUMER_OFFSET (43),
//! GET_ALL_DELAY_OFFSET (45), CLONE_GROUP_OFFSET (314), QUERY_CONSUME_TIME_SPAN (303) and
//! QUERY_CORRECTION_OFFSET (308).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::json;
use crate::broker::controller::Broker;
use crate::command_header;
use crate::common::clock::{java_date_local, now_ms};
use crate::net::{success, Failure, Outcome};
use crate::protocol::body::{ConsumeStats, MessageQueue, OffsetWrapper, QueryCorrectionOffsetBody};
use crate::protocol::header::{
    CloneGroupOffsetRequestHeader, GetConsumeStatsRequestHeader, QueryConsumeTimeSpanRequestHeader,
    QueryCorrectionOffsetHeader,
};
use crate::protocol::{CommandHeader, RemotingCommand, ResponseCode};

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

/// Java's `getMessageStoreTimeStamp`: the store time of a queue's message, -1 if absent.
pub(super) fn store_time(broker: &Broker, topic: &str, queue_id: i32, offset: i64) -> i64 {
    broker
        .store
        .store_time_at(topic, queue_id, offset)
        .unwrap_or(-1)
}

/// Whether the consume stats of `group` should skip `topic`: the group is online with
/// subscriptions, none of them for this topic (Java's `findSubscriptionDataCount > 0`).
fn not_subscribed(broker: &Broker, group: &str, topic: &str) -> bool {
    broker
        .consumers
        .group(group)
        .is_some_and(|g| !g.subscriptions.is_empty() && !g.subscriptions.contains_key(topic))
}

/// The progress of `group` on the first `queues` queues of `topic`.
fn consume_stats_of(
    broker: &Broker,
    group: &str,
    topic: &str,
    queues: i32,
    broker_name: &str,
    stats: &mut ConsumeStats,
) {
    for queue_id in 0..queues {
        let broker_offset = broker.store.max_offset(topic, queue_id).max(0);
        let consumer_offset = broker
            .metadata
            .offsets
            .query(group, topic, queue_id)
            .unwrap_or(-1)
            .max(0);
        let last_timestamp = if consumer_offset > 0 {
            store_time(broker, topic, queue_id, consumer_offset - 1).max(0)
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
pub(super) fn get_consume_stats(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = GetConsumeStatsRequestHeader::from_command(req)?;
    let group = &h.consumer_group;
    let topics: BTreeSet<String> = match h.topic.as_deref().map(str::trim) {
        Some(topic) if !topic.is_empty() => BTreeSet::from([topic.to_string()]),
        _ => broker.metadata.offsets.topics_of_group(group),
    };
    let broker_name = broker.cfg().broker_name;
    let mut stats = ConsumeStats::default();
    for topic in &topics {
        let Some(config) = broker.metadata.topics.get(topic) else {
            tracing::warn!(topic = %topic, "consumeStats, topic config not exist");
            continue;
        };
        if not_subscribed(broker, group, topic) {
            tracing::warn!(
                group = %group,
                topic = %topic,
                "consumeStats, the consumer group does not subscribe the topic"
            );
            continue;
        }
        // Per-group TPS is not tracked; Java's figure is a rate that starts at 0 too.
        consume_stats_of(
            broker,
            group,
            topic,
            config.read_queue_nums,
            &broker_name,
            &mut stats,
        );
    }
    Ok(success(req).with_body(stats.to_json()))
}

/// The consume stats of every subscription group on this broker (mqadmin
/// brokerConsumeStats), over each topic's write queues as Java does.
pub(super) fn get_broker_consume_stats(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = GetConsumeStatsInBrokerHeader::from_command(req)?;
    let is_order = h.is_order.unwrap_or(false);
    let broker_name = broker.cfg().broker_name;
    let mut list = Vec::new();
    let mut total_diff = 0i64;
    for group in broker.metadata.groups.group_names() {
        let mut per_topic = Vec::new();
        for topic in broker.metadata.offsets.topics_of_group(&group) {
            let Some(config) = broker.metadata.topics.get(&topic) else {
                continue;
            };
            if (is_order && !config.order) || not_subscribed(broker, &group, &topic) {
                continue;
            }
            let mut stats = ConsumeStats::default();
            consume_stats_of(
                broker,
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
        broker_addr: broker.broker_addr(),
        consume_stats_list: list,
        total_diff,
    };
    Ok(success(req).with_body(json(&body)))
}

pub(super) fn get_all_consumer_offset(broker: &Broker, req: &RemotingCommand) -> Outcome {
    Ok(success(req).with_body(broker.metadata.offsets.snapshot().to_json()))
}

pub(super) fn get_all_delay_offset(broker: &Broker, req: &RemotingCommand) -> Outcome {
    Ok(success(req).with_body(broker.metadata.delay_offsets.encode()))
}

/// Copies a group's offsets to another group, for one topic or every topic it has
/// offsets on.
pub(super) fn clone_group_offset(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = CloneGroupOffsetRequestHeader::from_command(req)?;
    let topics: BTreeSet<String> = match h.topic.as_deref().map(str::trim) {
        Some(topic) if !topic.is_empty() => BTreeSet::from([topic.to_string()]),
        _ => broker.metadata.offsets.topics_of_group(&h.src_group),
    };
    for topic in &topics {
        if !broker.metadata.topics.contains(topic) {
            tracing::warn!(topic = %topic, "[cloneGroupOffset], topic config not exist");
            continue;
        }
        if h.offline != Some(true) && not_subscribed(broker, &h.src_group, topic) {
            tracing::warn!(
                group = %h.src_group,
                topic = %topic,
                "[cloneGroupOffset], the consumer group does not subscribe the topic"
            );
            continue;
        }
        // Java passes the request's topic here, so a blank topic clones nothing; cloning
        // each topic of the loop is what the request asks for.
        broker
            .metadata
            .offsets
            .clone_offsets(&h.src_group, &h.dest_group, topic);
    }
    Ok(success(req))
}

/// Per write queue: oldest and newest store time, the store time of the group's last
/// consumed message, and how long the next unconsumed message has waited.
pub(super) fn query_consume_time_span(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = QueryConsumeTimeSpanRequestHeader::from_command(req)?;
    let Some(config) = broker.metadata.topics.get(&h.topic) else {
        return Err(Failure::new(
            ResponseCode::TOPIC_NOT_EXIST,
            format!("topic[{}] not exist", h.topic),
        ));
    };
    let broker_name = broker.cfg().broker_name;
    let topic = &h.topic;
    let mut spans = Vec::new();
    for queue_id in 0..config.write_queue_nums {
        let min_time = broker.store.earliest_store_time(topic, queue_id);
        let max = broker.store.max_offset(topic, queue_id);
        let max_time = store_time(broker, topic, queue_id, max - 1);
        let consumer_offset = broker
            .metadata
            .offsets
            .query(&h.group, topic, queue_id)
            .unwrap_or(-1);
        let consume_time = if consumer_offset > 0 {
            store_time(broker, topic, queue_id, consumer_offset - 1)
        } else {
            min_time
        };
        let delay_time = if consumer_offset < max {
            now_ms() - store_time(broker, topic, queue_id, consumer_offset)
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
    Ok(success(req).with_body(json(&body)))
}

/// QUERY_CORRECTION_OFFSET (Java `queryCorrectionOffset`): per queue of the topic, the
/// smallest committed offset over every group but `filterGroups` (offsets below the queue's
/// min offset do not count), set to `Long.MAX_VALUE` where the compared group's offset is
/// smaller.
///
/// Two things 4.9.8 does that are kept or left out on purpose:
/// - Java looks the compared group's offsets up with the arguments swapped
///   (`queryOffset(topic, compareGroup)`, the offsets of group `<topic>` on topic
///   `<compareGroup>`), so for real names it finds none and compares nothing; the same lookup is
///   made here, so answers match.
/// - Java leaves the filtered groups out by removing them from its live offset table (they
///   lose their committed offsets); here they are only skipped.
pub(super) fn query_correction_offset(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = QueryCorrectionOffsetHeader::from_command(req)?;
    let filtered: BTreeSet<&str> = h
        .filter_groups
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .map(|f| f.split(',').collect())
        .unwrap_or_default();
    let offsets = &broker.metadata.offsets;
    let mut correction: BTreeMap<i32, i64> = BTreeMap::new();
    for group in offsets.groups_of_topic(&h.topic) {
        if filtered.contains(group.as_str()) {
            continue;
        }
        for (queue_id, offset) in offsets.query_all(&group, &h.topic).unwrap_or_default() {
            if offset >= broker.store.min_offset(&h.topic, queue_id) {
                let min = correction.entry(queue_id).or_insert(i64::MAX);
                *min = (*min).min(offset);
            }
        }
    }
    let compared = offsets
        .query_all(&h.topic, &h.compare_group)
        .unwrap_or_default();
    for (queue_id, compare) in compared {
        // (Java fails with a NullPointerException on a queue only the compared group has.)
        if let Some(min) = correction.get_mut(&queue_id) {
            if *min > compare {
                *min = i64::MAX;
            }
        }
    }
    let body = QueryCorrectionOffsetBody {
        correction_offsets: correction,
    };
    Ok(success(req).with_body(body.to_json()))
}
