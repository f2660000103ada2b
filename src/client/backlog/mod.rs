//! Backlog migration (`rmq backlog`): when a topic's queue count caps how many consumers can
//! help, forward the group's backlog into a temporary topic with many more queues and let more
//! consumers work on it.
//!
//! - [`plan`]: per source queue the group's offset, the backlog, its oldest store time, and the
//!   proposed target with a duration estimate from a measured pull rate.
//! - [`prepare`] fixes the ranges (`[committed, max)` of every queue as of now; later arrivals
//!   stay for the original consumers) and creates the target; [`migrate`] forwards them:
//!   pipelined pulls ([`pull::RangePuller`]), messages re-encoded straight into one batch body
//!   per target queue ([`forward`]), one SEND_BATCH_MESSAGE per target queue in flight per source
//!   queue, the state file rewritten (atomically) after each acknowledged batch, the group's
//!   source offsets moved to the ranges' ends at the end.
//! - [`verify`]: counts and checksums of (offset, key, body) per source range against what the
//!   target holds, attributed by the origin properties.
//!
//! Guarantees: a source queue is forwarded in batches of offsets `[b, b + batch)`; batch `k + 1`
//! is sent only after every send of batch `k` was acknowledged and the state file records it,
//! so a crash re-sends at most one batch per source queue (plus sends retried after a timeout,
//! which the broker may have stored). Messages with the same first key go to one target queue,
//! keyless messages of a source queue to one target queue, and one source queue never has two
//! sends to the same target queue in flight, so per-key (and per-queue) order holds.

pub mod forward;
pub mod pull;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::task::JoinSet;

use self::forward::{
    append_batch_item, batch_item_len, message_checksum, plain_body, property_of, routing_key,
    target_index, Origin,
};
pub use self::forward::{ORIGIN_BROKER, ORIGIN_MSGID, ORIGIN_OFFSET, ORIGIN_QUEUE, ORIGIN_TOPIC};
use self::pull::RangePuller;
use super::{
    publish_queues, subscribe_queues, ClientError, MqClient, Producer, ProducerOptions,
    PullConsumer, QueueAddr, TOOLS_GROUP,
};
use crate::common::clock::{compact_local, now_ms};
use crate::common::fs::{write_atomically, Backup, FileWriteError};
use crate::common::message::{decode_records, property};
use crate::common::names;
use crate::protocol::body::TopicConfig;

/// Messages per source queue forwarded before the state is written (the duplicate bound).
pub const DEFAULT_BATCH: usize = 2048;
/// Messages asked per pull (brokers answer at most `maxTransferCountOnMessageInMemory`, 32 by
/// default, anyway).
pub const DEFAULT_PULL_SIZE: i32 = 32;
/// Pulls in flight per source queue.
pub const DEFAULT_PULL_DEPTH: usize = 16;
/// Largest batch body sent in one request (brokers refuse bodies over `maxMessageSize`, 4 MiB).
const MAX_BATCH_BODY: usize = 1 << 20;
/// How long a send to one target queue is retried (a broker restarting) before giving up.
const SEND_RETRY_FOR: Duration = Duration::from_secs(60);
/// The state file format.
const STATE_VERSION: u32 = 1;

#[derive(Debug, Error)]
pub enum BacklogError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("cannot write the state file: {0}")]
    Write(#[from] FileWriteError),
    #[error("cannot read the state file {path}: {reason}")]
    State { path: PathBuf, reason: String },
    #[error("{0}")]
    Refused(String),
}

pub type Result<T> = std::result::Result<T, BacklogError>;

/// Why `topic` cannot be a backlog source, if it cannot: its messages are not for consumers
/// as they stand (a broker moves them on by itself).
pub fn refusal(topic: &str) -> Option<String> {
    let why = if topic == names::RMQ_SYS_SCHEDULE_TOPIC {
        "holds delayed messages the broker delivers to their real topics by itself; migrate the real topic"
    } else if topic == names::RMQ_SYS_TRANS_HALF_TOPIC
        || topic == names::RMQ_SYS_TRANS_OP_HALF_TOPIC
    {
        "holds transaction half messages; only committed ones reach consumers, in their real topic"
    } else if topic.starts_with(names::RETRY_GROUP_TOPIC_PREFIX) {
        "is a retry topic: the broker re-delivers its messages to the group after their delay"
    } else if topic.starts_with(names::DLQ_GROUP_TOPIC_PREFIX) {
        "is a dead-letter topic: nothing consumes it; resend its messages instead"
    } else {
        return None;
    };
    Some(format!("refusing to migrate {topic}: it {why}"))
}

/// A queue by broker name and id (addresses are looked up when needed: they change across
/// broker restarts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRef {
    pub broker_name: String,
    pub queue_id: i32,
}

/// One source queue's fixed range and progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRange {
    pub broker_name: String,
    pub queue_id: i32,
    /// The group's offset when the migration was planned.
    pub start: i64,
    /// The queue's max offset then (exclusive).
    pub end: i64,
    /// Every offset before this one was forwarded and acknowledged.
    pub next: i64,
    /// Offsets of the range the broker no longer had (removed by retention).
    #[serde(default)]
    pub lost: u64,
}

impl QueueRange {
    pub fn done(&self) -> bool {
        self.next >= self.end
    }

    pub fn total(&self) -> u64 {
        (self.end - self.start).max(0) as u64
    }

    pub fn forwarded(&self) -> u64 {
        (self.next - self.start).max(0) as u64
    }
}

/// The state file of a migration: what it forwards where, and how far it got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationState {
    pub version: u32,
    pub source_topic: String,
    pub group: String,
    pub target_topic: String,
    /// The target queues, in the order target indexes refer to.
    pub targets: Vec<QueueRef>,
    pub queues: Vec<QueueRange>,
    /// The largest batch used (the duplicate bound per source queue).
    pub batch: usize,
    pub started_ms: i64,
    pub finished_ms: Option<i64>,
    /// The group's source offsets were moved to the ranges' ends.
    pub offsets_committed: bool,
}

impl MigrationState {
    pub fn total(&self) -> u64 {
        self.queues.iter().map(QueueRange::total).sum()
    }

    pub fn forwarded(&self) -> u64 {
        self.queues.iter().map(QueueRange::forwarded).sum()
    }

    pub fn done(&self) -> bool {
        self.queues.iter().all(QueueRange::done) && self.offsets_committed
    }

    pub fn load(path: &Path) -> Result<MigrationState> {
        let fail = |reason: String| BacklogError::State {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let state: MigrationState =
            serde_json::from_slice(&text).map_err(|e| fail(e.to_string()))?;
        if state.version != STATE_VERSION {
            return Err(fail(format!("unknown state version {}", state.version)));
        }
        Ok(state)
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_vec_pretty(self).expect("state serialises");
        write_atomically(path, &text, Backup::Skip)?;
        Ok(())
    }
}

// ------------------------------------------------------------------------------------ plan

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
    /// Backlog / (pull rate / 2): forwarding pulls and sends every message.
    pub estimated_secs: Option<f64>,
}

/// The default target name: `<topic>_TMP_<yyyyMMddHHmmss>` (local time).
pub fn default_target(topic: &str) -> String {
    let stamp = compact_local(now_ms());
    format!("{topic}_TMP_{}", &stamp[..14])
}

async fn source_queues(client: &Arc<MqClient>, topic: &str) -> Result<Vec<QueueAddr>> {
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
async fn target_brokers(
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
        estimated_secs: measured_pull_rate
            .filter(|r| *r > 0.0)
            .map(|r| backlog as f64 / (r / 2.0)),
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

// ---------------------------------------------------------------------------------- prepare

/// What a new migration is asked to do.
#[derive(Clone, Debug)]
pub struct MigrationRequest {
    pub topic: String,
    pub group: String,
    pub target: String,
    /// Queues of a created target (default 4× the source's).
    pub queues: Option<usize>,
    /// Create the target when it does not exist.
    pub create: bool,
    pub batch: usize,
}

/// Fixes the ranges (the group's offset to each queue's max offset, now) and makes sure the
/// target exists (creating it with `create`). Writes nothing: the caller saves the state.
pub async fn prepare(client: &Arc<MqClient>, req: &MigrationRequest) -> Result<MigrationState> {
    if let Some(why) = refusal(&req.topic) {
        return Err(BacklogError::Refused(why));
    }
    if req.target == req.topic {
        return Err(BacklogError::Refused(
            "the target topic must differ from the source topic".into(),
        ));
    }
    if let Err(e) = names::validate_send_topic(&req.target) {
        return Err(BacklogError::Refused(format!(
            "target topic {}: {e}",
            req.target
        )));
    }
    let source = source_queues(client, &req.topic).await?;
    let consumer = PullConsumer::new(client.clone(), &req.topic, &req.group);
    let mut queues = Vec::new();
    for q in &source {
        let committed = consumer.committed(q).await?;
        let min = client
            .min_offset(&q.broker_addr, &req.topic, q.queue_id)
            .await?;
        let end = client
            .max_offset(&q.broker_addr, &req.topic, q.queue_id)
            .await?;
        let start = committed.unwrap_or(min).max(min).min(end);
        queues.push(QueueRange {
            broker_name: q.broker_name.clone(),
            queue_id: q.queue_id,
            start,
            end,
            next: start,
            lost: 0,
        });
    }
    let targets = match client.route(&req.target).await {
        Ok(r) => publish_queues(&r),
        Err(ClientError::NoRoute(_)) if req.create => {
            let want = req.queues.unwrap_or(source.len() * 4).max(1);
            create_target(client, &req.target, &source, want).await?
        }
        Err(ClientError::NoRoute(_)) => {
            return Err(BacklogError::Refused(format!(
                "target topic {} does not exist: pass --create (and --queues N) to create it",
                req.target
            )))
        }
        Err(e) => return Err(e.into()),
    };
    if targets.is_empty() {
        return Err(BacklogError::Refused(format!(
            "target topic {} has no writable queue on a master broker",
            req.target
        )));
    }
    Ok(MigrationState {
        version: STATE_VERSION,
        source_topic: req.topic.clone(),
        group: req.group.clone(),
        target_topic: req.target.clone(),
        targets: targets
            .iter()
            .map(|q| QueueRef {
                broker_name: q.broker_name.clone(),
                queue_id: q.queue_id,
            })
            .collect(),
        queues,
        batch: req.batch.max(1),
        started_ms: now_ms(),
        finished_ms: None,
        offsets_committed: false,
    })
}

/// Creates `topic` with `queues` queues over the masters of the source's cluster(s), then waits
/// until the name server routes all of them.
async fn create_target(
    client: &Arc<MqClient>,
    topic: &str,
    source: &[QueueAddr],
    queues: usize,
) -> Result<Vec<QueueAddr>> {
    let brokers = target_brokers(client, source, queues).await?;
    for b in &brokers {
        let tc = TopicConfig {
            topic_name: topic.to_string(),
            read_queue_nums: b.queues,
            write_queue_nums: b.queues,
            ..TopicConfig::default()
        };
        client
            .create_topic(&b.broker_addr, &tc)
            .await
            .map_err(|e| e.context(format!("cannot create {topic} on {}", b.broker_name)))?;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.route(topic).await {
            let q = publish_queues(&r);
            if q.len() >= queues {
                return Ok(q);
            }
        }
        if Instant::now() > deadline {
            return Err(BacklogError::Refused(format!(
                "created {topic}, but the name server does not route its {queues} queues after 30s"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// ---------------------------------------------------------------------------------- migrate

/// How a migration runs.
#[derive(Clone, Debug)]
pub struct MigrateOptions {
    /// Messages per source queue between state writes (the duplicate bound).
    pub batch: usize,
    pub pull_size: i32,
    pub pull_depth: usize,
    /// At most this many messages per second (all queues together).
    pub rate: Option<f64>,
}

impl Default for MigrateOptions {
    fn default() -> Self {
        MigrateOptions {
            batch: DEFAULT_BATCH,
            pull_size: DEFAULT_PULL_SIZE,
            pull_depth: DEFAULT_PULL_DEPTH,
            rate: None,
        }
    }
}

/// What a running migration has done (read it for a progress display).
#[derive(Debug, Default)]
pub struct Progress {
    /// Messages forwarded and acknowledged, in this run.
    pub messages: AtomicU64,
    /// Their bodies' bytes.
    pub bytes: AtomicU64,
}

/// The state file, rewritten after acknowledged batches. Writes coalesce: a batch waits for
/// a write that includes it, which may be another queue's.
struct StateWriter {
    path: PathBuf,
    state: Mutex<MigrationState>,
    /// Changes applied to `state` so far.
    changes: AtomicU64,
    /// Changes the file on disk includes.
    written: AtomicU64,
    writing: tokio::sync::Mutex<()>,
}

impl StateWriter {
    fn update(&self, f: impl FnOnce(&mut MigrationState)) -> u64 {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut s);
        self.changes.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn snapshot(&self) -> MigrationState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Returns once the file includes change `change`.
    async fn persist(&self, change: u64) -> Result<()> {
        let _writing = self.writing.lock().await;
        if self.written.load(Ordering::SeqCst) >= change {
            return Ok(());
        }
        let upto = self.changes.load(Ordering::SeqCst);
        let state = self.snapshot();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || state.save(&path))
            .await
            .map_err(|e| BacklogError::Refused(format!("state writer failed: {e}")))??;
        self.written.store(upto, Ordering::SeqCst);
        Ok(())
    }
}

/// Spaces batches out to a message rate.
struct RateLimit {
    per_message: Duration,
    next: tokio::sync::Mutex<Instant>,
}

impl RateLimit {
    async fn take(&self, messages: u64) {
        let at = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + self.per_message * messages as u32;
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }
}

/// What one source queue's migration shares.
struct Shared {
    producer: Arc<Producer>,
    source: PullConsumer,
    writer: StateWriter,
    progress: Arc<Progress>,
    options: MigrateOptions,
    rate: Option<RateLimit>,
    target_topic: String,
    source_topic: String,
    targets: Vec<QueueRef>,
    source_count: usize,
}

/// One batch of a source queue, encoded per target queue.
struct Batch {
    /// Per target index: batch bodies to send in order.
    bodies: Vec<Vec<Bytes>>,
    messages: u64,
    bytes: u64,
    lost: u64,
    /// The offset after the batch.
    to: i64,
}

/// Forwards what `state` (saved at `path`) has left, then moves the group's source offsets to
/// the ranges' ends. Returns the final state (also on disk). Dropping the future stops the
/// migration with the state file consistent (only acknowledged batches are recorded).
pub async fn migrate(
    client: Arc<MqClient>,
    state: MigrationState,
    path: &Path,
    options: MigrateOptions,
    progress: Arc<Progress>,
) -> Result<MigrationState> {
    if let Some(why) = refusal(&state.source_topic) {
        return Err(BacklogError::Refused(why));
    }
    let mut state = state;
    state.batch = state.batch.max(options.batch);
    let source = source_queues(&client, &state.source_topic).await?;
    let addr_of = |r: &QueueRange| -> Result<QueueAddr> {
        source
            .iter()
            .find(|q| q.broker_name == r.broker_name && q.queue_id == r.queue_id)
            .cloned()
            .ok_or_else(|| {
                BacklogError::Refused(format!(
                    "topic {} has no queue {} on broker {} any more",
                    state.source_topic, r.queue_id, r.broker_name
                ))
            })
    };
    let addrs: Vec<QueueAddr> = state.queues.iter().map(addr_of).collect::<Result<_>>()?;
    let producer = Arc::new(Producer::new(
        client.clone(),
        ProducerOptions {
            group: "rmq_backlog".into(),
            unique_ids: false,
            auto_create: false,
            ..ProducerOptions::default()
        },
    ));
    let route = producer
        .route(&state.target_topic)
        .await
        .map_err(|e| e.context(format!("cannot route target topic {}", state.target_topic)))?;
    for t in &state.targets {
        if !route
            .queues
            .iter()
            .any(|q| q.broker_name == t.broker_name && q.queue_id == t.queue_id)
        {
            return Err(BacklogError::Refused(format!(
                "target topic {} has no writable queue {} on broker {} any more",
                state.target_topic, t.queue_id, t.broker_name
            )));
        }
    }
    state.save(path)?;
    let shared = Arc::new(Shared {
        producer,
        // The group itself reads (see `plan`); its offsets move only at the end.
        source: PullConsumer::new(client.clone(), &state.source_topic, &state.group),
        rate: options.rate.filter(|r| *r > 0.0).map(|r| RateLimit {
            per_message: Duration::from_secs_f64(1.0 / r),
            next: tokio::sync::Mutex::new(Instant::now()),
        }),
        options,
        progress,
        target_topic: state.target_topic.clone(),
        source_topic: state.source_topic.clone(),
        targets: state.targets.clone(),
        source_count: state.queues.len(),
        writer: StateWriter {
            path: path.to_path_buf(),
            state: Mutex::new(state.clone()),
            changes: AtomicU64::new(0),
            written: AtomicU64::new(0),
            writing: tokio::sync::Mutex::new(()),
        },
    });
    let mut tasks = JoinSet::new();
    for (idx, (range, addr)) in state.queues.iter().zip(addrs.iter()).enumerate() {
        if range.done() {
            continue;
        }
        let (shared, range, addr) = (shared.clone(), range.clone(), addr.clone());
        tasks.spawn(migrate_queue(shared, idx, range, addr));
    }
    while let Some(joined) = tasks.join_next().await {
        let outcome = joined.map_err(|e| BacklogError::Refused(format!("queue task failed: {e}")));
        if let Err(e) = outcome.and_then(|r| r) {
            tasks.abort_all();
            return Err(e);
        }
    }
    let mut state = shared.writer.snapshot();
    if !state.offsets_committed {
        let group = PullConsumer::new(client.clone(), &state.source_topic, &state.group);
        for (range, q) in state.queues.iter().zip(&addrs) {
            // Never move the group back (its consumers may have gone further meanwhile).
            if group.committed(q).await?.is_some_and(|c| c >= range.end) {
                continue;
            }
            group.commit(q, range.end).await?;
        }
        state.offsets_committed = true;
        state.finished_ms = Some(now_ms());
        state.save(path)?;
    }
    Ok(state)
}

async fn migrate_queue(
    shared: Arc<Shared>,
    idx: usize,
    range: QueueRange,
    queue: QueueAddr,
) -> Result<()> {
    let opts = &shared.options;
    let mut puller = RangePuller::new(
        shared.source.clone(),
        queue.clone(),
        range.next,
        range.end,
        opts.pull_size,
        opts.pull_depth,
    )
    .with_boundaries(opts.batch as i64);
    let mut sending: Option<tokio::task::JoinHandle<Result<()>>> = None;
    loop {
        // Batch k + 1 is pulled and encoded while batch k is being sent.
        let batch = collect(&shared, idx, &mut puller).await;
        if let Some(previous) = sending.take() {
            previous
                .await
                .map_err(|e| BacklogError::Refused(format!("send task failed: {e}")))??;
        }
        match batch? {
            Some(b) => sending = Some(tokio::spawn(send_batch(shared.clone(), idx, b))),
            None => return Ok(()),
        }
    }
}

/// Pulls and encodes the next batch of a source queue (`None`: the range is done).
async fn collect(shared: &Shared, idx: usize, puller: &mut RangePuller) -> Result<Option<Batch>> {
    let from = puller.position();
    let boundary = puller.next_boundary();
    let queue = puller.queue().clone();
    let origin = Origin {
        topic: &shared.source_topic,
        broker: &queue.broker_name,
        queue_id: queue.queue_id,
    };
    let targets = shared.targets.len();
    let mut open: Vec<Vec<u8>> = vec![Vec::new(); targets];
    let mut bodies: Vec<Vec<Bytes>> = vec![Vec::new(); targets];
    let mut batch = Batch {
        bodies: Vec::new(),
        messages: 0,
        bytes: 0,
        lost: 0,
        to: from,
    };
    let mut scratch = Vec::new();
    while puller.position() < boundary {
        let Some(chunk) = puller.next_chunk().await? else {
            break;
        };
        batch.lost += chunk.lost;
        batch.to = chunk.to;
        for record in decode_records(&chunk.body) {
            let r = record.map_err(|e| {
                BacklogError::Refused(format!(
                    "undecodable message in {}/{} after offset {}: {e}",
                    queue.broker_name, queue.queue_id, chunk.from
                ))
            })?;
            if r.queue_offset < chunk.from || r.queue_offset >= chunk.to {
                continue;
            }
            let body = plain_body(&r, &mut scratch).map_err(|e| {
                BacklogError::Refused(format!(
                    "cannot inflate the compressed body at {}/{} offset {}: {e}",
                    queue.broker_name, queue.queue_id, r.queue_offset
                ))
            })?;
            let t = target_index(
                routing_key(r.properties_bytes),
                idx,
                shared.source_count,
                targets,
            );
            let room = batch_item_len(&r, body.len(), &origin);
            if !open[t].is_empty() && open[t].len() + room > MAX_BATCH_BODY {
                bodies[t].push(Bytes::from(std::mem::take(&mut open[t])));
            }
            append_batch_item(&mut open[t], &r, body, &origin);
            batch.messages += 1;
            batch.bytes += body.len() as u64;
        }
    }
    if batch.to == from {
        return Ok(None);
    }
    for (t, body) in open.into_iter().enumerate() {
        if !body.is_empty() {
            bodies[t].push(Bytes::from(body));
        }
    }
    batch.bodies = bodies;
    Ok(Some(batch))
}

/// Sends a batch (every target queue at once, each target's bodies in order), then records it.
async fn send_batch(shared: Arc<Shared>, idx: usize, batch: Batch) -> Result<()> {
    if let Some(rate) = &shared.rate {
        rate.take(batch.messages).await;
    }
    let mut sends = JoinSet::new();
    for (t, bodies) in batch.bodies.into_iter().enumerate() {
        if bodies.is_empty() {
            continue;
        }
        let shared = shared.clone();
        sends.spawn(async move {
            let target = &shared.targets[t];
            for body in bodies {
                let mut failing_since = None;
                loop {
                    let sent = shared
                        .producer
                        .send_encoded_batch(
                            &shared.target_topic,
                            &target.broker_name,
                            target.queue_id,
                            body.clone(),
                        )
                        .await;
                    match sent.result {
                        Ok(_) => break,
                        Err(e) => {
                            let since = *failing_since.get_or_insert_with(Instant::now);
                            if since.elapsed() > SEND_RETRY_FOR {
                                return Err(BacklogError::Client(e.context(format!(
                                    "sends to {}/{} of {} kept failing",
                                    target.broker_name, target.queue_id, shared.target_topic
                                ))));
                            }
                            tracing::warn!(
                                "send to {}/{} failed (retrying): {}",
                                target.broker_name,
                                target.queue_id,
                                e.chain()
                            );
                            tokio::time::sleep(Duration::from_millis(500)).await;
                        }
                    }
                }
            }
            Ok(())
        });
    }
    while let Some(joined) = sends.join_next().await {
        joined.map_err(|e| BacklogError::Refused(format!("send task failed: {e}")))??;
    }
    let change = shared.writer.update(|s| {
        let q = &mut s.queues[idx];
        q.next = batch.to;
        q.lost += batch.lost;
    });
    shared.writer.persist(change).await?;
    shared
        .progress
        .messages
        .fetch_add(batch.messages, Ordering::Relaxed);
    shared
        .progress
        .bytes
        .fetch_add(batch.bytes, Ordering::Relaxed);
    Ok(())
}

// ----------------------------------------------------------------------------------- verify

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
