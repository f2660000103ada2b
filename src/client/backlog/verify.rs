//! `rmq backlog verify`: every source range read again and the whole target read, compared per
//! source queue by count and checksum of (offset, key, body), the target attributed by its
//! origin properties.

use std::sync::Arc;

use serde::Serialize;
use tokio::task::JoinSet;

use super::forward::{message_checksum, plain_body, property_of};
use super::migrate::MigrateOptions;
use super::pull::RangePuller;
use super::{
    plan::source_queues, BacklogError, MigrationState, QueueRange, Result, ORIGIN_BROKER,
    ORIGIN_OFFSET, ORIGIN_QUEUE, ORIGIN_TOPIC,
};
use crate::client::{subscribe_queues, ClientError, MqClient, PullConsumer, TOOLS_GROUP};
use crate::common::message::{decode_records, property};

/// One source range against the target.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueCheck {
    pub broker_name: String,
    pub queue_id: i32,
    pub start: i64,
    pub end: i64,
    /// Messages the source range holds (lost offsets excluded).
    pub source_count: u64,
    pub source_checksum: String,
    /// Distinct source messages found in the target.
    pub target_count: u64,
    pub target_checksum: String,
    /// Extra copies in the target (re-sent after a crash or a timeout).
    pub duplicates: u64,
    pub ok: bool,
}

/// What [`verify`] found.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub source_topic: String,
    pub target_topic: String,
    pub queues: Vec<QueueCheck>,
    /// Target messages with this source's origin but outside every range.
    pub outside_ranges: u64,
    /// Target messages not forwarded from the source topic at all.
    pub foreign: u64,
    /// The largest duplicate count of a source queue, and the bound the state promises.
    pub max_duplicates: u64,
    pub duplicate_bound: u64,
    pub ok: bool,
}

/// Per source queue sums.
#[derive(Default, Clone)]
struct Tally {
    count: u64,
    checksum: u64,
}

/// Reads every source range and the whole target and compares them per source queue.
pub async fn verify(
    client: &Arc<MqClient>,
    state: &MigrationState,
    options: &MigrateOptions,
) -> Result<Verification> {
    let source = source_queues(client, &state.source_topic).await?;
    let reader = PullConsumer::new(client.clone(), &state.source_topic, &state.group);
    let mut tasks = JoinSet::new();
    for (idx, range) in state.queues.iter().enumerate() {
        let q = source
            .iter()
            .find(|q| q.broker_name == range.broker_name && q.queue_id == range.queue_id)
            .cloned()
            .ok_or_else(|| {
                BacklogError::Refused(format!(
                    "topic {} has no queue {} on broker {}",
                    state.source_topic, range.queue_id, range.broker_name
                ))
            })?;
        let mut puller = RangePuller::new(
            reader.clone(),
            q,
            range.start,
            range.end,
            options.pull_size,
            options.pull_depth,
        );
        tasks.spawn(async move {
            let mut tally = Tally::default();
            let mut scratch = Vec::new();
            while let Some(chunk) = puller.next_chunk().await? {
                for r in decode_records(&chunk.body).flatten() {
                    if r.queue_offset < chunk.from || r.queue_offset >= chunk.to {
                        continue;
                    }
                    let body = plain_body(&r, &mut scratch)
                        .map_err(|e| ClientError::Other(e.to_string()))?;
                    let keys = property_of(r.properties_bytes, property::KEYS);
                    tally.count += 1;
                    tally.checksum =
                        tally
                            .checksum
                            .wrapping_add(message_checksum(r.queue_offset, keys, body));
                }
            }
            Ok::<(usize, Tally), ClientError>((idx, tally))
        });
    }
    let mut source_tally = vec![Tally::default(); state.queues.len()];
    while let Some(joined) = tasks.join_next().await {
        let (idx, tally) = joined.map_err(|e| ClientError::Other(e.to_string()))??;
        source_tally[idx] = tally;
    }

    // The target: every queue from its minimum to its maximum offset.
    let route = client.route(&state.target_topic).await?;
    let targets = subscribe_queues(&route);
    let target_reader = PullConsumer::new(client.clone(), &state.target_topic, TOOLS_GROUP);
    let mut tasks = JoinSet::new();
    for q in targets {
        let min = client
            .min_offset(&q.broker_addr, &state.target_topic, q.queue_id)
            .await?;
        let max = client
            .max_offset(&q.broker_addr, &state.target_topic, q.queue_id)
            .await?;
        let mut puller = RangePuller::new(
            target_reader.clone(),
            q,
            min,
            max,
            options.pull_size,
            options.pull_depth,
        );
        let ranges: Vec<QueueRange> = state.queues.clone();
        let source_topic = state.source_topic.clone();
        tasks.spawn(async move {
            // (source index, source offset, checksum share), and what fits no range.
            let mut found: Vec<(u32, i64, u64)> = Vec::new();
            let (mut outside, mut foreign) = (0u64, 0u64);
            while let Some(chunk) = puller.next_chunk().await? {
                for r in decode_records(&chunk.body).flatten() {
                    if r.queue_offset < chunk.from || r.queue_offset >= chunk.to {
                        continue;
                    }
                    let p = r.properties_bytes;
                    if property_of(p, ORIGIN_TOPIC) != Some(source_topic.as_bytes()) {
                        foreign += 1;
                        continue;
                    }
                    let num = |name: &str| {
                        property_of(p, name)
                            .and_then(|v| std::str::from_utf8(v).ok())
                            .and_then(|v| v.parse::<i64>().ok())
                    };
                    let broker = property_of(p, ORIGIN_BROKER).unwrap_or_default();
                    let (Some(queue_id), Some(offset)) = (num(ORIGIN_QUEUE), num(ORIGIN_OFFSET))
                    else {
                        outside += 1;
                        continue;
                    };
                    let idx = ranges.iter().position(|x| {
                        x.broker_name.as_bytes() == broker
                            && i64::from(x.queue_id) == queue_id
                            && (x.start..x.end).contains(&offset)
                    });
                    let Some(idx) = idx else {
                        outside += 1;
                        continue;
                    };
                    let keys = property_of(p, property::KEYS);
                    found.push((idx as u32, offset, message_checksum(offset, keys, r.body)));
                }
            }
            Ok::<_, ClientError>((found, outside, foreign))
        });
    }
    let mut seen: Vec<Vec<bool>> = state
        .queues
        .iter()
        .map(|r| vec![false; r.total() as usize])
        .collect();
    let mut target_tally = vec![Tally::default(); state.queues.len()];
    let mut duplicates = vec![0u64; state.queues.len()];
    let (mut outside_ranges, mut foreign) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        let (found, outside, other) = joined.map_err(|e| ClientError::Other(e.to_string()))??;
        outside_ranges += outside;
        foreign += other;
        for (idx, offset, sum) in found {
            let idx = idx as usize;
            let slot = &mut seen[idx][(offset - state.queues[idx].start) as usize];
            if *slot {
                duplicates[idx] += 1;
                continue;
            }
            *slot = true;
            let t = &mut target_tally[idx];
            t.count += 1;
            t.checksum = t.checksum.wrapping_add(sum);
        }
    }
    let queues: Vec<QueueCheck> = state
        .queues
        .iter()
        .enumerate()
        .map(|(i, r)| QueueCheck {
            broker_name: r.broker_name.clone(),
            queue_id: r.queue_id,
            start: r.start,
            end: r.end,
            source_count: source_tally[i].count,
            source_checksum: format!("{:016x}", source_tally[i].checksum),
            target_count: target_tally[i].count,
            target_checksum: format!("{:016x}", target_tally[i].checksum),
            duplicates: duplicates[i],
            ok: source_tally[i].count == target_tally[i].count
                && source_tally[i].checksum == target_tally[i].checksum,
        })
        .collect();
    let max_duplicates = duplicates.iter().copied().max().unwrap_or(0);
    let ok = queues.iter().all(|q| q.ok) && outside_ranges == 0;
    Ok(Verification {
        source_topic: state.source_topic.clone(),
        target_topic: state.target_topic.clone(),
        queues,
        outside_ranges,
        foreign,
        max_duplicates,
        duplicate_bound: state.batch as u64,
        ok,
    })
}
