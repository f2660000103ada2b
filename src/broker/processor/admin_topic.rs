//! Topic administration: UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215),
//! GET_ALL_TOPIC_CONFIG (21), GET_TOPIC_STATS_INFO (202), QUERY_TOPIC_CONSUME_BY_WHO (300),
//! GET_SYSTEM_TOPIC_LIST_FROM_BROKER (305), QUERY_CONSUME_QUEUE (321) and CLEAN_UNUSED_TOPIC
//! (316).

use std::collections::BTreeSet;

use serde::Serialize;

use super::admin_offset::store_time;
use super::{json, refuse_on_slave, run_blocking};
use crate::broker::controller::Broker;
use crate::common::names;
use crate::common::names::RMQ_SYS_SCHEDULE_TOPIC as SCHEDULE_TOPIC;
use crate::net::{success, Connection, Failure, Outcome};
use crate::protocol::body::{
    GroupList, MessageQueue, SubscriptionData, TopicConfig, TopicFilterType, TopicList,
    TopicOffset, TopicStatsTable,
};
use crate::protocol::header::{
    CreateTopicRequestHeader, QueryConsumeQueueRequestHeader, TopicRequestHeader,
};
use crate::protocol::{CommandHeader, RemotingCommand, ResponseCode};

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

pub(super) async fn update_and_create_topic(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    refuse_on_slave(broker)?;
    let h = CreateTopicRequestHeader::from_command(req)?;
    tracing::info!(peer = %conn.peer_addr(), topic = %h.topic, "updateAndCreateTopic");
    check_admin_topic(broker, &h.topic)?;
    // Java's `TopicFilterType.valueOf` throws on an unknown name.
    let filter = TopicFilterType::from_name(&h.topic_filter_type);
    if let TopicFilterType::Other(name) = &filter {
        return Err(Failure::system(format!(
            "unknown topicFilterType '{name}': expected SINGLE_TAG or MULTI_TAG"
        )));
    }
    // Java builds a fresh config (order = false) and relies on the name server's order
    // config to set the flag again; rmq keeps the flag the topic already has, which is
    // what a Java broker shows once that registration round trip is done.
    let order = broker.metadata.topics.is_order_topic(&h.topic);
    let config = TopicConfig {
        read_queue_nums: h.read_queue_nums,
        write_queue_nums: h.write_queue_nums,
        perm: h.perm,
        topic_filter_type: filter,
        topic_sys_flag: h.topic_sys_flag.unwrap_or(0),
        order,
        ..TopicConfig::new(h.topic)
    };
    broker.metadata.topics.create_or_update(config);
    // Like Java, the name servers learn the topic before the answer goes out, so a script's
    // `updateTopic` followed at once by a send finds the route.
    broker.register_all(false).await;
    Ok(success(req))
}

pub(super) async fn delete_topic(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    refuse_on_slave(broker)?;
    let h = TopicRequestHeader::from_command(req)?;
    tracing::info!(peer = %conn.peer_addr(), topic = %h.topic, "deleteTopic");
    check_admin_topic(broker, &h.topic)?;
    broker.metadata.topics.delete(&h.topic);
    let removed = broker.metadata.offsets.remove_topic(&h.topic);
    if removed > 0 {
        tracing::info!(
            topic = %h.topic,
            groups = removed,
            "removed consumer offsets of deleted topic"
        );
    }
    // Removing the consume queue files is disk work: keep it off the async workers.
    let store = broker.store.clone();
    let topic = h.topic.clone();
    run_blocking(move || store.delete_topic(&topic))
        .await?
        .map_err(|e| {
            Failure::system(format!(
                "deleting the queues of topic {} failed: {e}",
                h.topic
            ))
        })?;
    if broker.with_cfg(|c| c.auto_delete_unused_stats) {
        broker.stats.keyed.remove_topic(&h.topic);
    }
    Ok(success(req))
}

pub(super) fn get_all_topic_config(broker: &Broker, req: &RemotingCommand) -> Outcome {
    Ok(success(req).with_body(broker.metadata.topics.all().to_json()))
}

/// Min, max and last store time of each write queue of a topic.
pub(super) fn get_topic_stats_info(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = TopicRequestHeader::from_command(req)?;
    let Some(topic) = broker.metadata.topics.get(&h.topic) else {
        return Err(Failure::new(
            ResponseCode::TOPIC_NOT_EXIST,
            format!("topic[{}] not exist", h.topic),
        ));
    };
    let broker_name = broker.cfg().broker_name;
    let mut table = TopicStatsTable::default();
    for queue_id in 0..topic.write_queue_nums {
        let min = broker.store.min_offset(&h.topic, queue_id).max(0);
        let max = broker.store.max_offset(&h.topic, queue_id).max(0);
        let last_update_timestamp = if max > 0 {
            store_time(broker, &h.topic, queue_id, max - 1)
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
    Ok(success(req).with_body(table.to_json()))
}

/// Groups consuming a topic: online subscribers plus groups with offsets on it.
pub(super) fn query_topic_consume_by_who(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = TopicRequestHeader::from_command(req)?;
    let mut groups: BTreeSet<String> = broker
        .consumers
        .groups_subscribing(&h.topic)
        .into_iter()
        .collect();
    groups.extend(broker.metadata.offsets.groups_of_topic(&h.topic));
    Ok(success(req).with_body(GroupList { group_list: groups }.to_json()))
}

/// Java's `TopicValidator.getSystemTopicSet()`: the fixed system topics plus this
/// broker's own (cluster, broker name, trace, reply topic).
pub(super) fn get_system_topic_list(broker: &Broker, req: &RemotingCommand) -> Outcome {
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
        broker
            .metadata
            .topics
            .topic_names()
            .into_iter()
            .filter(|t| broker.metadata.topics.is_system_topic(t)),
    );
    let body = TopicList {
        topic_list: topics,
        broker_addr: None,
    };
    Ok(success(req).with_body(body.to_json()))
}

/// Raw entries of one consume queue (mqadmin queryCq).
pub(super) fn query_consume_queue(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = QueryConsumeQueueRequestHeader::from_command(req)?;
    let Some(cq) = broker.store.consume_queues().get(&h.topic, h.queue_id) else {
        return Err(Failure::system(format!(
            "{}@{} is not exist!",
            h.queue_id, h.topic
        )));
    };
    let mut body = QueryConsumeQueueResponseBody {
        subscription_data: None,
        filter_data: None,
        queue_data: Vec::new(),
        max_queue_index: cq.max_offset(),
        min_queue_index: cq.min_offset(),
    };
    if let Some(group) = &h.consumer_group {
        body.subscription_data = broker.consumers.subscription(group, &h.topic);
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
        return Ok(success(req).with_remark(format!(
            "Index {} of {}@{} is not exist!",
            h.index, h.queue_id, h.topic
        )));
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
    Ok(success(req).with_body(json(&body)))
}

/// Deletes the consume queues of topics that are no longer in the topic table (Java's
/// `cleanUnusedTopic`, which spares the schedule and transaction-op topics).
pub(super) async fn clean_unused_topic(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let known: BTreeSet<String> = broker.metadata.topics.topic_names().into_iter().collect();
    let unused: BTreeSet<String> = broker
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
    let store = broker.store.clone();
    run_blocking(move || unused.iter().try_for_each(|t| store.delete_topic(t)))
        .await?
        .map_err(|e| Failure::system(e.to_string()))?;
    Ok(success(req))
}

/// Whether admin requests may create or delete `topic`, refused with the code Java answers:
/// NO_PERMISSION for a forbidden (system) topic, SYSTEM_ERROR for a bad name.
fn check_admin_topic(broker: &Broker, topic: &str) -> Result<(), Failure> {
    broker
        .metadata
        .topics
        .validate_admin_topic(topic)
        .map_err(|e| {
            let code = if e.is_forbidden() {
                ResponseCode::NO_PERMISSION
            } else {
                ResponseCode::SYSTEM_ERROR
            };
            Failure::new(code, e.to_string())
        })
}
