//! PULL_MESSAGE (11) and LITE_PULL_MESSAGE (361): permission and subscription checks, the read
//! with tag filtering by ConsumeQueue hash, Java's status mapping, commit-on-pull, and long
//! polling (a pull that finds nothing waits for an arrival instead of answering at once).

use std::time::{Duration, Instant};

use crate::broker::controller::Broker;
use crate::broker::metadata::perm;
use crate::filter::{build_subscription, is_tag_type, TagFilter};
use crate::net::{Connection, Failure, Outcome};
use crate::protocol::body::SubscriptionData;
use crate::protocol::header::{pull_sys_flag, PullMessageRequestHeader, PullMessageResponseHeader};
use crate::protocol::{CommandHeader, RemotingCommand, ResponseCode};
use crate::store::{GetResult, GetStatus};

/// `MixAll.MASTER_ID`.
const MASTER_ID: i64 = 0;

/// Answers a pull, holding it while nothing is there if the client allows suspension.
pub(super) async fn pull_message(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
    allow_suspend: bool,
) -> Outcome {
    let header = PullMessageRequestHeader::from_command(req)?;
    let sub = pull_subscription(broker, &header)?;
    let suspend = allow_suspend && header.sys_flag & pull_sys_flag::SUSPEND != 0;
    let hold = broker.with_cfg(|cfg| {
        if cfg.long_polling_enable {
            Duration::from_millis(header.suspend_timeout_millis.max(0) as u64)
        } else {
            Duration::from_millis(cfg.short_polling_time_mills.max(0) as u64)
        }
    });
    let started = Instant::now();
    let deadline = started + hold;
    // Time held by long polling, left out of the pull latency.
    let mut held = Duration::ZERO;
    // Commit the consumer's offset once, with the first answer.
    let commit = header.sys_flag & pull_sys_flag::COMMIT_OFFSET != 0 && allow_suspend;
    if commit && broker.role().is_master() {
        broker.metadata.offsets.commit(
            &conn.peer_addr().to_string(),
            &header.consumer_group,
            &header.topic,
            header.queue_id,
            header.commit_offset,
        );
    }
    let filter = TagFilter::compile(&sub).map_err(|e| {
        Failure::new(
            ResponseCode::SUBSCRIPTION_PARSE_FAILED,
            format!(
                "parse the consumer's subscription failed: {} ({e})",
                sub.sub_string
            ),
        )
    })?;
    loop {
        let result = read(broker, &header, &filter);
        let code = response_code(&result, header.queue_offset);
        let remaining = deadline.saturating_duration_since(Instant::now());
        if code == ResponseCode::PULL_NOT_FOUND && suspend && !remaining.is_zero() {
            let store = &broker.store;
            let (topic, queue_id) = (&header.topic, header.queue_id);
            let waiting = Instant::now();
            let arrived = broker
                .pull_waiters
                .wait(topic, queue_id, header.queue_offset, remaining, || {
                    store.max_offset(topic, queue_id)
                })
                .await;
            held += waiting.elapsed();
            if arrived || Instant::now() < deadline {
                continue;
            }
            // Timed out: answer with what is there now (nothing new).
            let result = read(broker, &header, &filter);
            let response = pull_response(broker, req, &header, result);
            observe_pull(broker, started, held);
            return Ok(response);
        }
        let response = pull_response(broker, req, &header, result);
        observe_pull(broker, started, held);
        return Ok(response);
    }
}

/// Records a pull's latency: the time since `started` less the time `held` waiting.
fn observe_pull(broker: &Broker, started: Instant, held: Duration) {
    broker
        .stats
        .pull_latency
        .observe(started.elapsed().saturating_sub(held));
}

/// Reads what the pull asks for, as far as the filter lets through.
fn read(broker: &Broker, header: &PullMessageRequestHeader, filter: &TagFilter) -> GetResult {
    broker.store.get_messages(
        &header.topic,
        header.queue_id,
        header.queue_offset,
        header.max_msg_nums.max(0) as usize,
        filter,
    )
}

fn pull_response(
    broker: &Broker,
    req: &RemotingCommand,
    header: &PullMessageRequestHeader,
    result: GetResult,
) -> RemotingCommand {
    let code = response_code(&result, header.queue_offset);
    // Java's rule: with slaveReadEnable, a pull of cold data (further behind the CommitLog
    // end than accessMessageInMemoryMaxRatio% of memory) is sent to the group's
    // whichBrokerWhenConsumeSlowly (1 by default), any other to the group's brokerId (0 by
    // default); without it, always to the master.
    let suggest = if broker.with_cfg(|c| c.slave_read_enable) {
        broker
            .metadata
            .groups
            .find_or_create(&header.consumer_group)
            .map_or(MASTER_ID, |g| {
                if result.suggest_slave {
                    g.which_broker_when_consume_slowly
                } else {
                    g.broker_id
                }
            })
    } else {
        MASTER_ID
    };
    let response_header = PullMessageResponseHeader {
        suggest_which_broker_id: suggest,
        next_begin_offset: result.next_begin_offset,
        min_offset: result.min_offset,
        max_offset: result.max_offset,
    };
    let mut response = RemotingCommand::response_to(req, code)
        .with_ext_fields(response_header.to_ext_fields())
        .with_remark(result.status.name());
    if code == ResponseCode::SUCCESS {
        let total = result.total_bytes();
        broker
            .stats
            .record_get(result.messages.len() as u64, total as u64);
        broker.with_cfg(|c| {
            broker.stats.keyed.group_get(
                &c.broker_cluster_name,
                &header.topic,
                &header.consumer_group,
                result.messages.len() as i64,
                total as i64,
            )
        });
        // The records go out as they are in the mapped CommitLog: `net` writes them with the
        // header in one vectored write, no copy into a response buffer.
        response = response.with_body_segments(result.messages);
    }
    response
}

/// Checks of a pull (Java `PullMessageProcessor`) and the subscription to filter with:
/// from the request when it carries one, else from the group's heartbeat.
fn pull_subscription(
    broker: &Broker,
    header: &PullMessageRequestHeader,
) -> Result<SubscriptionData, Failure> {
    let (broker_permission, enable_property_filter) =
        broker.with_cfg(|c| (c.broker_permission, c.enable_property_filter));
    if !perm::is_readable(broker_permission) {
        return Err(Failure::new(
            ResponseCode::NO_PERMISSION,
            format!(
                "the broker[{}] pulling message is forbidden",
                broker.broker_addr()
            ),
        ));
    }
    let Some(group) = broker
        .metadata
        .groups
        .find_or_create(&header.consumer_group)
    else {
        return Err(Failure::new(
            ResponseCode::SUBSCRIPTION_GROUP_NOT_EXIST,
            format!(
                "subscription group [{}] does not exist (autoCreateSubscriptionGroup is off)",
                header.consumer_group
            ),
        ));
    };
    if !group.consume_enable {
        return Err(Failure::new(
            ResponseCode::NO_PERMISSION,
            format!(
                "subscription group no permission, {}",
                header.consumer_group
            ),
        ));
    }
    let Some(topic) = broker.metadata.topics.get(&header.topic) else {
        return Err(Failure::new(
            ResponseCode::TOPIC_NOT_EXIST,
            format!("topic[{}] not exist, apply first please!", header.topic),
        ));
    };
    if !perm::is_readable(topic.perm) {
        return Err(Failure::new(
            ResponseCode::NO_PERMISSION,
            format!("the topic[{}] pulling message is forbidden", header.topic),
        ));
    }
    if header.queue_id < 0 || header.queue_id >= topic.read_queue_nums {
        return Err(Failure::new(
            ResponseCode::SYSTEM_ERROR,
            format!(
                "queueId[{}] is illegal, topic:[{}] topicConfig.readQueueNums:[{}] consumer:[{}]",
                header.queue_id, header.topic, topic.read_queue_nums, header.consumer_group
            ),
        ));
    }
    let sub = if header.sys_flag & pull_sys_flag::SUBSCRIPTION != 0 {
        build_subscription(
            &header.topic,
            header.subscription.as_deref(),
            header.expression_type.as_deref(),
        )
    } else {
        let Some((sub, broadcasting)) = broker
            .consumers
            .group_subscription(&header.consumer_group, &header.topic)
        else {
            return Err(Failure::new(
                ResponseCode::SUBSCRIPTION_NOT_EXIST,
                format!(
                    "the consumer's group info not exist: group {} (no heartbeat yet?)",
                    header.consumer_group
                ),
            ));
        };
        if broadcasting && !group.consume_broadcast_enable {
            return Err(Failure::new(
                ResponseCode::NO_PERMISSION,
                format!(
                    "the consumer group[{}] can not consume by broadcast way",
                    header.consumer_group
                ),
            ));
        }
        let Some(sub) = sub else {
            return Err(Failure::new(
                ResponseCode::SUBSCRIPTION_NOT_EXIST,
                format!(
                    "the consumer's subscription not exist: group {} topic {} (no heartbeat yet?)",
                    header.consumer_group, header.topic
                ),
            ));
        };
        if sub.sub_version < header.sub_version {
            return Err(Failure::new(
                ResponseCode::SUBSCRIPTION_NOT_LATEST,
                format!("the consumer's subscription not latest: {}", sub.sub_string),
            ));
        }
        sub
    };
    if !is_tag_type(&sub) && !enable_property_filter {
        return Err(Failure::new(
            ResponseCode::SYSTEM_ERROR,
            format!(
                "The broker does not support consumer to filter message by {}",
                sub.expression_type
            ),
        ));
    }
    Ok(sub)
}

/// Java's mapping from store status to pull response code.
fn response_code(result: &GetResult, requested_offset: i64) -> ResponseCode {
    match result.status {
        GetStatus::Found => ResponseCode::SUCCESS,
        GetStatus::MessageWasRemoving | GetStatus::NoMatchedMessage => {
            ResponseCode::PULL_RETRY_IMMEDIATELY
        }
        GetStatus::NoMatchedLogicQueue | GetStatus::NoMessageInQueue => {
            if requested_offset != 0 {
                ResponseCode::PULL_OFFSET_MOVED
            } else {
                ResponseCode::PULL_NOT_FOUND
            }
        }
        GetStatus::OffsetFoundNull | GetStatus::OffsetOverflowOne => ResponseCode::PULL_NOT_FOUND,
        GetStatus::OffsetOverflowBadly | GetStatus::OffsetTooSmall => {
            ResponseCode::PULL_OFFSET_MOVED
        }
    }
}
