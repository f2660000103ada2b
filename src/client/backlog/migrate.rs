//! `rmq backlog migrate`: fixing the ranges and creating the target ([`prepare`]), then
//! forwarding them ([`migrate`]): per source queue, batch `k + 1` pulled and encoded while batch
//! `k` is sent (one SEND_BATCH_MESSAGE body per target queue at a time) and recorded.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::task::JoinSet;

use super::forward::{
    append_batch_item, batch_item_len, plain_body, routing_key, target_index, Origin,
};
use super::plan::source_queues;
use super::plan::target_brokers;
use super::pull::RangePuller;
use super::{
    refusal, BacklogError, MigrationState, QueueRange, QueueRef, Result, DEFAULT_BATCH,
    DEFAULT_PULL_DEPTH, DEFAULT_PULL_SIZE, MAX_BATCH_BODY, SEND_RETRY_FOR, STATE_VERSION,
};
use crate::client::{
    publish_queues, ClientError, MqClient, Producer, ProducerOptions, PullConsumer, QueueAddr,
};
use crate::common::clock::now_ms;
use crate::common::message::decode_records;
use crate::common::names;
use crate::protocol::body::TopicConfig;

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
        self.snapshot().save_async(&self.path).await?;
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
    let addrs = range_addrs(&client, &state).await?;
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
    state.save_async(path).await?;
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
        // A broker restarting now is ridden out as during the forwarding.
        let mut failing_since: Option<Instant> = None;
        while let Err(e) = commit_group_offsets(&client, &state).await {
            let first = failing_since.is_none();
            let since = *failing_since.get_or_insert_with(Instant::now);
            if since.elapsed() > SEND_RETRY_FOR {
                return Err(e);
            }
            if first {
                tracing::warn!(
                    "advancing {}'s offsets failed (retrying for up to {}s): {e}",
                    state.group,
                    SEND_RETRY_FOR.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        state.offsets_committed = true;
        state.finished_ms = Some(now_ms());
        state.save_async(path).await?;
    }
    Ok(state)
}

/// Moves the group's committed offset of every source queue to the end of its range (never
/// back: its consumers may have gone further meanwhile).
async fn commit_group_offsets(client: &Arc<MqClient>, state: &MigrationState) -> Result<()> {
    // Where the queues are now (a broker may have restarted elsewhere meanwhile).
    let addrs = range_addrs(client, state).await?;
    let group = PullConsumer::new(client.clone(), &state.source_topic, &state.group);
    for (range, q) in state.queues.iter().zip(&addrs) {
        if group.committed(q).await?.is_some_and(|c| c >= range.end) {
            continue;
        }
        group.commit(q, range.end).await?;
    }
    Ok(())
}

/// The current address of each source range's queue.
async fn range_addrs(client: &Arc<MqClient>, state: &MigrationState) -> Result<Vec<QueueAddr>> {
    let source = source_queues(client, &state.source_topic).await?;
    state
        .queues
        .iter()
        .map(|r| {
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
        })
        .collect()
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
                            let first = failing_since.is_none();
                            let since = *failing_since.get_or_insert_with(Instant::now);
                            if since.elapsed() > SEND_RETRY_FOR {
                                return Err(BacklogError::Client(e.context(format!(
                                    "sends to {}/{} of {} kept failing",
                                    target.broker_name, target.queue_id, shared.target_topic
                                ))));
                            }
                            // Once per failing streak: a broker restart fails every send.
                            if first {
                                tracing::warn!(
                                    "send to {}/{} failed (retrying for up to {}s): {}",
                                    target.broker_name,
                                    target.queue_id,
                                    SEND_RETRY_FOR.as_secs(),
                                    e.chain()
                                );
                            }
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
