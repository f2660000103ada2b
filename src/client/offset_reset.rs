//! Resetting a consumer group's committed offsets on one topic, what `rmq offset reset` and the
//! console's reset both do: the state of each queue, the targets by mqadmin's rule, the reset
//! itself and the offsets read back.
//!
//! With consumers online the broker is asked to push the reset to them
//! (INVOKE_BROKER_TO_RESET_OFFSET, as mqadmin resetOffsetByTime does); where nobody is online
//! the offsets are written directly (UPDATE_CONSUMER_OFFSET per queue).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::{subscribe_queues, ClientError, MqClient, QueueAddr, Result};
use crate::protocol::body::MessageQueue;

/// Where a reset moves the offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetPoint {
    Earliest,
    Latest,
    /// Milliseconds since the epoch.
    Time(i64),
}

impl ResetPoint {
    /// The timestamp INVOKE_BROKER_TO_RESET_OFFSET carries (0 earliest, -1 latest, as
    /// mqadmin sends them).
    pub fn broker_timestamp(self) -> i64 {
        match self {
            ResetPoint::Earliest => 0,
            ResetPoint::Latest => -1,
            ResetPoint::Time(ms) => ms,
        }
    }
}

/// One queue of a reset.
#[derive(Clone, Debug)]
pub struct QueueReset {
    pub queue: QueueAddr,
    pub min: i64,
    pub max: i64,
    /// The committed offset; `None` when the broker has none for the group.
    pub current: Option<i64>,
    /// Where the offset goes; `None` (restores only) when a saved offset was unknown.
    pub target: Option<i64>,
    /// How the offset was changed: `online` (pushed to consumers) or `offline` (written).
    pub mode: Option<&'static str>,
    /// The offset read back after the change.
    pub read_back: Option<i64>,
}

impl QueueReset {
    /// Messages consumed again (target before current) and messages skipped (target after).
    pub fn replay_skip(&self) -> (i64, i64) {
        match (self.current, self.target) {
            (Some(c), Some(t)) if t < c => (c - t, 0),
            (Some(c), Some(t)) => (0, t - c),
            _ => (0, 0),
        }
    }

    /// Whether the offset read back is the one written (`None` before a change).
    pub fn verified(&self) -> Option<bool> {
        self.mode?;
        Some(self.read_back.is_some() && self.read_back == self.target)
    }
}

impl MqClient {
    /// The readable queues of `topic` with their ranges and `group`'s committed offsets.
    pub async fn reset_state(&self, group: &str, topic: &str) -> Result<Vec<QueueReset>> {
        let route = self
            .route(topic)
            .await
            .map_err(|e| e.context(format!("cannot read the route of topic {topic}")))?;
        let queues = subscribe_queues(&route);
        if queues.is_empty() {
            return Err(ClientError::Other(format!(
                "topic {topic} has no readable queue on a master broker"
            )));
        }
        let mut plans = Vec::with_capacity(queues.len());
        for q in queues {
            let (addr, id) = (q.broker_addr.as_str(), q.queue_id);
            let what = || format!("queue {id} of {topic} on {} ({addr})", q.broker_name);
            let min = self
                .min_offset(addr, topic, id)
                .await
                .map_err(|e| e.context(format!("cannot read the min offset of {}", what())))?;
            let max = self
                .max_offset(addr, topic, id)
                .await
                .map_err(|e| e.context(format!("cannot read the max offset of {}", what())))?;
            let current = self
                .query_consumer_offset(addr, group, topic, id)
                .await
                .map_err(|e| {
                    e.context(format!(
                        "cannot read the offset of group {group} on {}",
                        what()
                    ))
                })?;
            plans.push(QueueReset {
                queue: q,
                min,
                max,
                current,
                target: None,
                mode: None,
                read_back: None,
            });
        }
        Ok(plans)
    }

    /// Fills each queue's target for `point` (mqadmin's rule: with `force` every queue moves,
    /// without it only those whose target is before the committed offset).
    pub async fn reset_targets(
        &self,
        topic: &str,
        point: ResetPoint,
        force: bool,
        plans: &mut [QueueReset],
    ) -> Result<()> {
        for p in plans.iter_mut() {
            let target = match point {
                ResetPoint::Earliest => p.min,
                ResetPoint::Latest => p.max,
                ResetPoint::Time(ts) => self
                    .search_offset(&p.queue.broker_addr, topic, p.queue.queue_id, ts)
                    .await
                    .map_err(|e| {
                        e.context(format!(
                            "cannot search queue {} of {topic} on {} by time",
                            p.queue.queue_id, p.queue.broker_name
                        ))
                    })?
                    .clamp(p.min, p.max),
            };
            p.target = Some(match p.current {
                Some(c) if !force && target >= c => c,
                _ => target,
            });
        }
        Ok(())
    }

    /// Applies the planned reset, one broker at a time: the broker pushes it to online
    /// consumers (their new offsets become the targets); where none is online the targets are
    /// written directly. Returns notes worth showing (a broker that refused an online reset
    /// for a group with nobody online).
    pub async fn apply_reset(
        &self,
        group: &str,
        topic: &str,
        point: ResetPoint,
        force: bool,
        plans: &mut [QueueReset],
    ) -> Result<Vec<String>> {
        let mut notes = Vec::new();
        let mut by_broker: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, p) in plans.iter().enumerate() {
            by_broker
                .entry(p.queue.broker_addr.clone())
                .or_default()
                .push(i);
        }
        for (addr, idxs) in &by_broker {
            let name = plans[idxs[0]].queue.broker_name.clone();
            let online = match self
                .reset_offset_by_time(addr, topic, group, point.broker_timestamp(), force)
                .await
            {
                Ok(body) => body,
                Err(e) => match self.consumer_connection(addr, group).await {
                    // Nobody online: the broker's refusal does not matter for a direct write.
                    Ok(None) => {
                        notes.push(format!(
                            "{name}: broker refused the online reset ({e}); no consumer is \
                             online, offsets written directly"
                        ));
                        None
                    }
                    _ => {
                        return Err(e.context(format!(
                            "broker {name} ({addr}) refused to reset the offsets of online \
                             group {group}"
                        )))
                    }
                },
            };
            match online {
                Some(body) => {
                    for &i in idxs {
                        let p = &mut plans[i];
                        let mq = MessageQueue::new(topic, &p.queue.broker_name, p.queue.queue_id);
                        if let Some(&offset) = body.offset_table.get(&mq) {
                            p.target = Some(offset);
                        }
                        p.mode = Some("online");
                    }
                }
                None => {
                    for &i in idxs {
                        let p = &mut plans[i];
                        let Some(target) = p.target else { continue };
                        self.update_consumer_offset(addr, group, topic, p.queue.queue_id, target)
                            .await
                            .map_err(|e| {
                                e.context(format!(
                                    "cannot write the offset of queue {} on {name} ({addr}); \
                                     earlier queues were changed",
                                    p.queue.queue_id
                                ))
                            })?;
                        p.mode = Some("offline");
                    }
                }
            }
        }
        Ok(notes)
    }

    /// Reads the changed offsets back. Online consumers commit a pushed reset on their own
    /// schedule, so those queues are polled for up to `wait`.
    pub async fn read_back_reset(
        &self,
        group: &str,
        topic: &str,
        plans: &mut [QueueReset],
        wait: Duration,
    ) {
        let deadline = Instant::now() + wait;
        loop {
            let mut pending = false;
            for p in plans.iter_mut().filter(|p| p.mode.is_some()) {
                if p.read_back.is_some() && p.read_back == p.target {
                    continue;
                }
                p.read_back = self
                    .query_consumer_offset(&p.queue.broker_addr, group, topic, p.queue.queue_id)
                    .await
                    .ok()
                    .flatten();
                pending |= p.mode == Some("online") && p.read_back != p.target;
            }
            if !pending || Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
