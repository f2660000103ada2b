//! `rmq backlog plan`: the group's backlog per source queue and the proposed target.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::task::JoinSet;

use super::pull::RangePuller;
use super::{refusal, BacklogError, Result, DEFAULT_PULL_DEPTH, DEFAULT_PULL_SIZE};
use crate::client::{
    publish_queues, subscribe_queues, ClientError, MqClient, PullConsumer, QueueAddr,
};
use crate::common::clock::{compact_local, now_ms};
use crate::common::message::decode_records;

/// One source queue as a plan sees it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueBacklog {
    pub broker_name: String,
    pub queue_id: i32,
    /// The group's committed offset (`None`: it has none; the range starts at the minimum).
    pub committed: Option<i64>,
    pub min_offset: i64,
    pub max_offset: i64,
    pub backlog: u64,
    /// Backlog bytes, estimated from the size of the first unconsumed messages.
    pub backlog_bytes: u64,
    /// Store time of the oldest unconsumed message (epoch ms).
    pub oldest_unconsumed_ms: Option<i64>,
}

/// A broker the target topic's queues go to.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetBroker {
    pub broker_name: String,
    pub broker_addr: String,
    pub queues: i32,
}

/// What [`plan`] found and proposes.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub topic: String,
    pub group: String,
    pub queues: Vec<QueueBacklog>,
    pub backlog: u64,
    pub backlog_bytes: u64,
    pub target_topic: String,
    /// The target already exists (then its queues are used as they are).
    pub target_exists: bool,
    pub target_queues: usize,
    pub target_brokers: Vec<TargetBroker>,
    /// Messages per second pulled from the source in a short sample.
    pub measured_pull_rate: Option<f64>,
    /// A lower bound of the migration's duration: the backlog at the measured pull rate
    /// (forwarding also sends every message, which costs the broker more than a pull: 1.5x
    /// to 8x as long in measurements on rmq and Java brokers).
    pub minimum_secs: Option<f64>,
}

/// The default target name: `<topic>_TMP_<yyyyMMddHHmmss>` (local time).
pub fn default_target(topic: &str) -> String {
    let stamp = compact_local(now_ms());
    format!("{topic}_TMP_{}", &stamp[..14])
}

pub(super) async fn source_queues(client: &Arc<MqClient>, topic: &str) -> Result<Vec<QueueAddr>> {
    let route = client
        .route(topic)
        .await
        .map_err(|e| e.context(format!("cannot read the route of topic {topic}")))?;
    let queues = subscribe_queues(&route);
    if queues.is_empty() {
        return Err(BacklogError::Refused(format!(
            "topic {topic} has no readable queue on a master broker"
        )));
    }
    Ok(queues)
}

/// The masters the target's `queues` queues are spread over: every master of the clusters the
/// source topic is on, `queues / masters` each (the first ones one more).
pub(super) async fn target_brokers(
    client: &Arc<MqClient>,
    source: &[QueueAddr],
    queues: usize,
) -> Result<Vec<TargetBroker>> {
    let info = client.cluster_info().await?;
    let mut clusters: Vec<&String> = Vec::new();
    for q in source {
        for (cluster, brokers) in &info.cluster_addr_table {
            if brokers.contains(&q.broker_name) && !clusters.contains(&cluster) {
                clusters.push(cluster);
            }
        }
    }
    let mut masters: Vec<(String, String)> = info
        .broker_addr_table
        .iter()
        .filter(|(name, _)| {
            clusters.is_empty()
                || clusters
                    .iter()
                    .any(|c| info.cluster_addr_table[*c].contains(*name))
        })
        .filter_map(|(name, data)| Some((name.clone(), data.master_addr()?.to_string())))
        .collect();
    masters.sort();
    if masters.is_empty() {
        return Err(BacklogError::Refused(
            "no master broker to put the target topic on".into(),
        ));
    }
    let n = masters.len();
    Ok(masters
        .into_iter()
        .enumerate()
        .map(|(i, (broker_name, broker_addr))| TargetBroker {
            broker_name,
            broker_addr,
            queues: (queues / n + usize::from(i < queues % n)) as i32,
        })
        .filter(|b| b.queues > 0)
        .collect())
}

/// Looks at the group's backlog on `topic` and proposes a target (`to`, `queues`: defaults
/// [`default_target`] and 4× the source's queues). With `sample` it pulls for up to that long
/// to measure the rate.
pub async fn plan(
    client: &Arc<MqClient>,
    topic: &str,
    group: &str,
    to: Option<&str>,
    queues: Option<usize>,
    sample: Option<Duration>,
) -> Result<Plan> {
    if let Some(why) = refusal(topic) {
        return Err(BacklogError::Refused(why));
    }
    let source = source_queues(client, topic).await?;
    // Reads run as the group itself: a broker that does not auto-create groups knows it, and a
    // pull without the commit flag leaves its offsets alone.
    let consumer = PullConsumer::new(client.clone(), topic, group);
    let reader = consumer.clone();
    let mut rows = Vec::new();
    for q in &source {
        let committed = consumer.committed(q).await?;
        let min_offset = client.min_offset(&q.broker_addr, topic, q.queue_id).await?;
        let max_offset = client.max_offset(&q.broker_addr, topic, q.queue_id).await?;
        let start = committed.unwrap_or(min_offset).max(min_offset);
        let backlog = (max_offset - start).max(0) as u64;
        let (mut oldest, mut avg) = (None, 0u64);
        if backlog > 0 {
            let sample = reader.pull(q, start, 32, None).await?;
            let (mut n, mut size) = (0u64, 0u64);
            for r in decode_records(&sample.body).flatten() {
                oldest.get_or_insert(r.store_timestamp);
                n += 1;
                size += r.total_size as u64;
            }
            avg = size.checked_div(n).unwrap_or(0);
        }
        rows.push(QueueBacklog {
            broker_name: q.broker_name.clone(),
            queue_id: q.queue_id,
            committed,
            min_offset,
            max_offset,
            backlog,
            backlog_bytes: backlog * avg,
            oldest_unconsumed_ms: oldest,
        });
    }
    let target_topic = to.map_or_else(|| default_target(topic), str::to_string);
    let existing = match client.route(&target_topic).await {
        Ok(r) => Some(publish_queues(&r)),
        Err(ClientError::NoRoute(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let target_queues = match &existing {
        Some(q) => q.len(),
        None => queues.unwrap_or(source.len() * 4),
    };
    let target_brokers = match &existing {
        Some(q) => {
            let mut out: Vec<TargetBroker> = Vec::new();
            for a in q {
                match out.iter_mut().find(|b| b.broker_name == a.broker_name) {
                    Some(b) => b.queues += 1,
                    None => out.push(TargetBroker {
                        broker_name: a.broker_name.clone(),
                        broker_addr: a.broker_addr.clone(),
                        queues: 1,
                    }),
                }
            }
            out
        }
        None => target_brokers(client, &source, target_queues).await?,
    };
    let backlog: u64 = rows.iter().map(|r| r.backlog).sum();
    let measured_pull_rate = match sample {
        Some(d) if backlog > 0 => Some(measure_pull_rate(&reader, &source, &rows, d).await?),
        _ => None,
    };
    Ok(Plan {
        topic: topic.to_string(),
        group: group.to_string(),
        backlog,
        backlog_bytes: rows.iter().map(|r| r.backlog_bytes).sum(),
        queues: rows,
        target_exists: existing.is_some(),
        target_topic,
        target_queues,
        target_brokers,
        minimum_secs: measured_pull_rate
            .filter(|r| *r > 0.0)
            .map(|r| backlog as f64 / r),
        measured_pull_rate,
    })
}

/// Pulls every queue's backlog for up to `limit` (at most 100,000 messages) and returns
/// messages per second.
async fn measure_pull_rate(
    reader: &PullConsumer,
    source: &[QueueAddr],
    rows: &[QueueBacklog],
    limit: Duration,
) -> Result<f64> {
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    let per_queue = 100_000 / source.len().max(1) as i64;
    for (q, row) in source.iter().zip(rows) {
        let start = row.committed.unwrap_or(row.min_offset).max(row.min_offset);
        let end = row.max_offset.min(start + per_queue);
        let mut puller = RangePuller::new(
            reader.clone(),
            q.clone(),
            start,
            end,
            DEFAULT_PULL_SIZE,
            DEFAULT_PULL_DEPTH,
        );
        tasks.spawn(async move {
            let mut n = 0u64;
            while started.elapsed() < limit {
                match puller.next_chunk().await? {
                    Some(c) => n += (c.to - c.from) as u64 - c.lost,
                    None => break,
                }
            }
            Ok::<u64, ClientError>(n)
        });
    }
    let mut total = 0;
    while let Some(joined) = tasks.join_next().await {
        total += joined.map_err(|e| ClientError::Other(e.to_string()))??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64().max(1e-3))
}
