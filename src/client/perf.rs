//! Load generation and measurement for `rmq perf`: a [`Producer`] that keeps N requests in
//! flight (or paces to a rate), a [`PullConsumer`] that drains every queue of a topic with long
//! polling, and a log-linear latency histogram (HDR-style: ~1 % precision from 1 µs to hours,
//! fixed memory).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::consumer::{PullConsumer, Start};
use super::messaging::subscribe_queues;
pub use super::producer::SendMode;
use super::producer::{Message, Producer, ProducerOptions, QueueSelect};
use super::{ClientError, MqClient, Result};
use crate::common::clock::now_ms;
use crate::common::host;
use crate::common::message::{self, property};
use crate::protocol::body::MASTER_ID;
use crate::protocol::{ResponseCode, Text};

/// Sub-bucket resolution: values keep their top 8 bits, so a bucket is < 0.8 % wide.
const SUB_BITS: u32 = 8;
const SUB: usize = 1 << SUB_BITS;
/// Powers of two covered (values up to 2^40 µs ≈ 12 days).
const EXPONENTS: usize = 40;

/// A latency histogram in microseconds.
#[derive(Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
    sum: u128,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; SUB * (EXPONENTS + 1)],
            total: 0,
            max: 0,
            sum: 0,
        }
    }
}

impl Histogram {
    fn index(value: u64) -> usize {
        if value < SUB as u64 {
            return value as usize;
        }
        let exp = 63 - value.leading_zeros() - SUB_BITS + 1;
        let mantissa = (value >> exp) as usize;
        (exp as usize * SUB + mantissa).min(SUB * (EXPONENTS + 1) - 1)
    }

    fn value_of(index: usize) -> u64 {
        if index < SUB {
            return index as u64;
        }
        let exp = (index / SUB) as u32;
        let mantissa = (index % SUB) as u64;
        // Upper edge of the bucket: conservative percentiles.
        ((mantissa + 1) << exp).saturating_sub(1)
    }

    pub fn record(&mut self, micros: u64) {
        let i = Self::index(micros);
        self.counts[i] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
        self.sum += u128::from(micros);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    pub fn mean(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.sum as f64 / self.total as f64
        }
    }

    /// The value at quantile `q` (0.0..=1.0), in µs.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::value_of(i).min(self.max);
            }
        }
        self.max
    }
}

#[derive(Clone, Debug)]
pub struct ProduceOptions {
    pub topic: String,
    pub inflight: usize,
    pub size: usize,
    pub count: Option<u64>,
    pub duration: Option<Duration>,
    /// Messages per second across all senders; `None` = as fast as possible.
    pub rate: Option<u64>,
    pub mode: SendMode,
    pub batch: usize,
    pub keys: bool,
    /// Number of distinct tags (`Tag0..TagN-1`), 0 = untagged.
    pub tags: usize,
    pub producer_group: String,
}

/// Counters shared by the workers; the reporter samples and resets the interval ones.
#[derive(Default)]
pub struct Progress {
    pub sent: AtomicU64,
    pub bytes: AtomicU64,
    pub errors: AtomicU64,
    pub interval: Mutex<Histogram>,
    pub total: Mutex<Histogram>,
    pub last_error: Mutex<Option<String>>,
}

impl Progress {
    fn record(&self, n: u64, bytes: u64, micros: u64) {
        self.sent.fetch_add(n, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.interval
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .record(micros);
    }

    fn error(&self, e: &ClientError) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
    }

    /// Takes the interval histogram (folding it into the total).
    pub fn take_interval(&self) -> Histogram {
        let h = std::mem::take(&mut *self.interval.lock().unwrap_or_else(|p| p.into_inner()));
        self.total
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .merge(&h);
        h
    }
}

/// What a result was measured on, recorded beside it so results can be compared: this
/// machine, and the master brokers serving the topic with the version each reports.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    pub machine: Machine,
    pub brokers: Vec<BrokerVersion>,
}

/// The machine `rmq perf` runs on.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Machine {
    pub cpus: i32,
    pub cpu_model: Option<String>,
    pub kernel: Option<String>,
    pub memory_bytes: u64,
}

/// A master broker of the topic and its `brokerVersionDesc` (`None`: it did not answer).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerVersion {
    pub broker_name: String,
    pub addr: String,
    pub version: Option<String>,
}

/// This machine's CPUs, kernel and memory.
pub fn machine() -> Machine {
    Machine {
        cpus: host::available_processors(),
        cpu_model: host::cpu_model(),
        kernel: host::kernel_release(),
        memory_bytes: host::total_memory_bytes(),
    }
}

/// The machine and the topic's master brokers with their versions (an unreadable route or
/// runtime info leaves the list short or the version empty: the measurement still stands).
pub async fn environment(client: &MqClient, topic: &str) -> Environment {
    let mut brokers = Vec::new();
    if let Ok(route) = client.route(topic).await {
        for b in &route.broker_datas {
            let Some(addr) = b.broker_addrs.get(&MASTER_ID) else {
                continue;
            };
            let version = match client.broker_runtime_info(addr).await {
                Ok(kv) => kv.table.get("brokerVersionDesc").cloned(),
                Err(_) => None,
            };
            brokers.push(BrokerVersion {
                broker_name: b.broker_name.clone(),
                addr: addr.clone(),
                version,
            });
        }
    }
    Environment {
        machine: machine(),
        brokers,
    }
}

/// Runs the producer until the count or duration is reached or `stop` is set.
pub async fn produce(
    client: Arc<MqClient>,
    opts: ProduceOptions,
    progress: Arc<Progress>,
    stop: Arc<AtomicBool>,
) -> Result<()> {
    let producer = Arc::new(Producer::new(
        client,
        ProducerOptions {
            group: opts.producer_group.clone(),
            unique_ids: false,
            auto_create: false,
            ..ProducerOptions::default()
        },
    ));
    if producer.route(&opts.topic).await?.queues.is_empty() {
        return Err(ClientError::Other(format!(
            "topic {} has no writable queue",
            opts.topic
        )));
    }
    let topic = Text::copy_from(&opts.topic);
    let body = Bytes::from(vec![b'x'; opts.size]);
    let tag_names: Vec<String> = (0..opts.tags).map(|t| format!("Tag{t}")).collect();
    // Without keys every message of a tag has the same properties: made once, shared.
    let tag_props: Arc<Vec<Text>> = Arc::new(if tag_names.is_empty() {
        vec![properties(None, None)]
    } else {
        tag_names
            .iter()
            .map(|t| properties(Some(t), None))
            .collect()
    });
    let tag_names = Arc::new(tag_names);
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let per_request = if opts.mode == SendMode::Batch {
        opts.batch.max(1) as u64
    } else {
        1
    };
    let mut workers = Vec::new();
    for worker in 0..opts.inflight.max(1) {
        let (producer, opts, progress, stop) = (
            producer.clone(),
            opts.clone(),
            progress.clone(),
            stop.clone(),
        );
        let (topic, body, issued) = (topic.clone(), body.clone(), issued.clone());
        let (tag_names, tag_props) = (tag_names.clone(), tag_props.clone());
        workers.push(tokio::spawn(async move {
            let mut seq = 0u64;
            let mut key = String::new();
            let mut batch: Vec<Message> = Vec::new();
            loop {
                if stop.load(Ordering::Relaxed)
                    || opts.duration.is_some_and(|d| started.elapsed() >= d)
                {
                    return;
                }
                let n = issued.fetch_add(per_request, Ordering::Relaxed);
                if opts.count.is_some_and(|c| n >= c) {
                    return;
                }
                if let Some(rate) = opts.rate.filter(|r| *r > 0) {
                    // Pace: message n is due at n / rate seconds after the start.
                    let due = started + Duration::from_secs_f64(n as f64 / rate as f64);
                    tokio::time::sleep_until(due.into()).await;
                }
                seq += 1;
                let tag = (opts.tags > 0).then(|| (seq as usize + worker) % opts.tags);
                let properties = if opts.keys {
                    use std::fmt::Write as _;
                    key.clear();
                    let _ = write!(key, "perf-{worker}-{seq}");
                    properties(tag.map(|t| tag_names[t].as_str()), Some(&key))
                } else {
                    tag_props[tag.unwrap_or(0)].clone()
                };
                let msg = Message {
                    topic: topic.clone(),
                    flag: 0,
                    properties,
                    body: body.clone(),
                };
                let t0 = Instant::now();
                let sent = match opts.mode {
                    SendMode::Oneway => producer.send_oneway(&msg, QueueSelect::RoundRobin).await,
                    SendMode::Batch => {
                        batch.clear();
                        batch.extend((0..per_request).map(|_| msg.clone()));
                        producer.send_batch(&batch, QueueSelect::RoundRobin).await
                    }
                    SendMode::Sync | SendMode::Async => {
                        producer.send(&msg, QueueSelect::RoundRobin).await
                    }
                };
                let micros = t0.elapsed().as_micros() as u64;
                match sent.result {
                    Ok(Some(outcome)) if outcome.status != ResponseCode::SUCCESS => {
                        progress.error(&ClientError::Other(format!(
                            "send status {}",
                            outcome.status
                        )));
                    }
                    Ok(_) => progress.record(per_request, per_request * opts.size as u64, micros),
                    Err(e) => {
                        progress.error(&e);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    Ok(())
}

/// A perf message's properties: its tag, its key, and WAIT=true.
fn properties(tag: Option<&str>, key: Option<&str>) -> Text {
    let mut props = String::with_capacity(64);
    if let Some(tag) = tag {
        message::push_property(&mut props, property::TAGS, tag);
    }
    if let Some(key) = key {
        message::push_property(&mut props, property::KEYS, key);
    }
    message::push_property(&mut props, property::WAIT, "true");
    Text::from(props)
}

/// How long a consumer pull waits at the broker for new messages.
const LONG_POLL: Duration = Duration::from_secs(1);

#[derive(Clone, Debug)]
pub struct ConsumeOptions {
    pub topic: String,
    pub group: String,
    pub duration: Option<Duration>,
    pub count: Option<u64>,
    /// Start at the earliest offset (else at the queue's current end).
    pub from_earliest: bool,
}

/// Consumer counters: messages, bytes, born→received and stored→received latencies, lag.
#[derive(Default)]
pub struct ConsumeProgress {
    pub received: AtomicU64,
    pub bytes: AtomicU64,
    pub errors: AtomicU64,
    pub lag: AtomicU64,
    pub born_latency: Mutex<Histogram>,
    pub store_latency: Mutex<Histogram>,
}

/// Drains every readable queue of the topic with long polling until the count or duration is
/// reached or `stop` is set.
pub async fn consume(
    client: Arc<MqClient>,
    opts: ConsumeOptions,
    progress: Arc<ConsumeProgress>,
    stop: Arc<AtomicBool>,
) -> Result<()> {
    let queues = subscribe_queues(&client.route(&opts.topic).await?);
    if queues.is_empty() {
        return Err(ClientError::Other(format!(
            "topic {} has no readable queue",
            opts.topic
        )));
    }
    let consumer = PullConsumer::new(client, &opts.topic, &opts.group).with_broker_name_in_header();
    let start = if opts.from_earliest {
        Start::Earliest
    } else {
        Start::Latest
    };
    let started = Instant::now();
    let lag_per_queue = Arc::new(Mutex::new(vec![0u64; queues.len()]));
    let mut workers = Vec::new();
    for (i, mut q) in queues.into_iter().enumerate() {
        let (consumer, opts, progress, stop, lags) = (
            consumer.clone(),
            opts.clone(),
            progress.clone(),
            stop.clone(),
            lag_per_queue.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut offset = consumer.offset_of(&q, start).await.unwrap_or(0);
            let mut relocated_at = Instant::now();
            loop {
                if stop.load(Ordering::Relaxed)
                    || opts.duration.is_some_and(|d| started.elapsed() >= d)
                    || opts
                        .count
                        .is_some_and(|c| progress.received.load(Ordering::Relaxed) >= c)
                {
                    return;
                }
                match consumer.pull(&q, offset, 32, Some(LONG_POLL)).await {
                    Ok(outcome) => {
                        let now = now_ms();
                        let (mut n, mut bytes) = (0u64, 0u64);
                        {
                            let mut born = progress
                                .born_latency
                                .lock()
                                .unwrap_or_else(|p| p.into_inner());
                            let mut stored = progress
                                .store_latency
                                .lock()
                                .unwrap_or_else(|p| p.into_inner());
                            for record in message::decode_records(&outcome.body).flatten() {
                                n += 1;
                                bytes += record.body.len() as u64;
                                born.record((now - record.born_timestamp).max(0) as u64 * 1000);
                                stored.record((now - record.store_timestamp).max(0) as u64 * 1000);
                            }
                        }
                        progress.received.fetch_add(n, Ordering::Relaxed);
                        progress.bytes.fetch_add(bytes, Ordering::Relaxed);
                        offset = outcome.next_begin_offset;
                        let lag = (outcome.max_offset - offset).max(0) as u64;
                        let mut lags = lags.lock().unwrap_or_else(|p| p.into_inner());
                        lags[i] = lag;
                        progress.lag.store(lags.iter().sum(), Ordering::Relaxed);
                    }
                    Err(_) => {
                        progress.errors.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        // A master that went down: read on from its slave (and back from the
                        // master once registered again), asking the route at most once a
                        // second.
                        if relocated_at.elapsed() >= Duration::from_secs(1) {
                            relocated_at = Instant::now();
                            if let Some(moved) = consumer.relocate(&q).await {
                                q = moved;
                            }
                        }
                    }
                }
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_within_one_percent() {
        let mut h = Histogram::default();
        for v in 1..=100_000u64 {
            h.record(v);
        }
        for (q, exact) in [(0.5, 50_000u64), (0.99, 99_000), (0.999, 99_900)] {
            let got = h.quantile(q);
            let err = (got as f64 - exact as f64).abs() / exact as f64;
            assert!(err < 0.01, "q{q}: {got} vs {exact}");
        }
        assert_eq!(h.max(), 100_000);
        assert_eq!(h.count(), 100_000);
        let mut other = Histogram::default();
        other.record(5);
        h.merge(&other);
        assert_eq!(h.count(), 100_001);
        assert_eq!(Histogram::default().quantile(0.5), 0);
    }
}
