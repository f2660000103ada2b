//! The broker's message counters (puts and gets, messages and bytes) for runtime info and
//! cluster listings, and the samples of them that give GET_BROKER_RUNTIME_INFO its TPS
//! figures over Java's three windows; and the per-topic and per-group statistics of
//! VIEW_BROKER_STATS_DATA ([`KeyedStats`], Java's `BrokerStatsManager` items sampled every
//! 10 s, 10 min and hour); and the send and pull latency histograms of the Prometheus
//! metrics (`metrics.rs` reads all of these at scrape time: one home for counting).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::net::metrics::LatencyHistogram;

/// The TPS windows Java reports, in seconds (`"<10 s> <1 min> <10 min>"`).
pub const TPS_WINDOWS: [u64; 3] = [10, 60, 600];

/// Message counters, and their samples for the TPS figures.
#[derive(Default)]
pub struct BrokerStats {
    pub put_messages: AtomicU64,
    pub put_bytes: AtomicU64,
    pub get_messages: AtomicU64,
    pub get_bytes: AtomicU64,
    /// Counter samples taken when runtime info is asked for; oldest first.
    samples: Mutex<VecDeque<Sample>>,
    /// Per topic, group and broker, for VIEW_BROKER_STATS_DATA.
    pub keyed: KeyedStats,
    /// Time to answer a send (SEND_MESSAGE family, replies, send-backs), the flush and
    /// replica waits included.
    pub send_latency: LatencyHistogram,
    /// Time to answer a pull, the time it was held by long polling left out.
    pub pull_latency: LatencyHistogram,
}

/// Message counters at one moment.
#[derive(Clone, Copy, Debug)]
struct Sample {
    at: Instant,
    put: u64,
    get: u64,
}

/// Put and get rates per second over each of [`TPS_WINDOWS`].
#[derive(Clone, Copy, Debug)]
pub struct Tps {
    pub put: [f64; 3],
    pub get: [f64; 3],
}

impl BrokerStats {
    pub fn record_put(&self, messages: u64, bytes: u64) {
        self.put_messages.fetch_add(messages, Ordering::Relaxed);
        self.put_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub fn record_get(&self, messages: u64, bytes: u64) {
        self.get_messages.fetch_add(messages, Ordering::Relaxed);
        self.get_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Put and get rates for the counters `put` and `get` read now. Samples are taken when
    /// rates are asked for (at most one a second); a window uses the newest sample at least
    /// that old, or `started_at`, when every counter was 0.
    pub fn tps(&self, started_at: Instant, put: u64, get: u64) -> Tps {
        let now = Instant::now();
        let mut samples = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        let boot = Sample {
            at: started_at,
            put: 0,
            get: 0,
        };
        let mut tps = Tps {
            put: [0.0; 3],
            get: [0.0; 3],
        };
        for (i, window) in TPS_WINDOWS.into_iter().enumerate() {
            let base = now
                .checked_sub(Duration::from_secs(window))
                .and_then(|cutoff| samples.iter().rev().find(|s| s.at <= cutoff).copied())
                .unwrap_or(boot);
            let millis = now.duration_since(base.at).as_millis().max(1) as f64;
            tps.put[i] = put.saturating_sub(base.put) as f64 * 1000.0 / millis;
            tps.get[i] = get.saturating_sub(base.get) as f64 * 1000.0 / millis;
        }
        if samples
            .back()
            .is_none_or(|s| now.duration_since(s.at) >= Duration::from_secs(1))
        {
            samples.push_back(Sample { at: now, put, get });
        }
        // Keep one sample older than the longest window as its base; drop the rest.
        let longest = Duration::from_secs(TPS_WINDOWS[TPS_WINDOWS.len() - 1]);
        while samples.len() >= 2 && now.duration_since(samples[1].at) >= longest {
            samples.pop_front();
        }
        tps
    }
}

/// The statistics VIEW_BROKER_STATS_DATA serves, by Java's names (`BrokerStatsManager`):
/// messages and bytes put per topic (key: the topic the message was stored in), messages and
/// bytes pulled per group (key: `topic@group`), and the broker's messages put and pulled (key:
/// the cluster name). Others Java keeps (latencies, send-backs, commercial figures) are not
/// counted, so they are answered as Java answers a key it has no item for.
pub mod names {
    pub const TOPIC_PUT_NUMS: &str = "TOPIC_PUT_NUMS";
    pub const TOPIC_PUT_SIZE: &str = "TOPIC_PUT_SIZE";
    pub const GROUP_GET_NUMS: &str = "GROUP_GET_NUMS";
    pub const GROUP_GET_SIZE: &str = "GROUP_GET_SIZE";
    pub const BROKER_PUT_NUMS: &str = "BROKER_PUT_NUMS";
    pub const BROKER_GET_NUMS: &str = "BROKER_GET_NUMS";
}

/// Java's sampling windows: every 10 s keeping 7 samples (the last minute), every 10 min
/// keeping 7 (the last hour), every hour keeping 25 (the last day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Minute,
    Hour,
    Day,
}

impl Window {
    pub const ALL: [Window; 3] = [Window::Minute, Window::Hour, Window::Day];

    /// How often the window is sampled.
    pub fn period(self) -> Duration {
        match self {
            Window::Minute => Duration::from_secs(10),
            Window::Hour => Duration::from_secs(600),
            Window::Day => Duration::from_secs(3600),
        }
    }

    fn keep(self) -> usize {
        match self {
            Window::Minute | Window::Hour => 7,
            Window::Day => 25,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One sample of a statistic (Java `CallSnapshot`).
#[derive(Clone, Copy, Debug, PartialEq)]
struct CallSnapshot {
    at_ms: i64,
    times: i64,
    value: i64,
}

/// A statistic over one window (Java `StatsSnapshot`): the growth between the window's first
/// and last samples, per second, and per call.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StatsSnapshot {
    pub sum: i64,
    pub tps: f64,
    pub avgpt: f64,
}

/// One statistic of one key (Java `StatsItem`): a value and a count of calls, and the samples
/// of both per window.
#[derive(Default)]
pub struct StatsItem {
    value: AtomicI64,
    times: AtomicI64,
    samples: [Mutex<VecDeque<CallSnapshot>>; 3],
}

impl StatsItem {
    fn add(&self, value: i64, times: i64) {
        self.value.fetch_add(value, Ordering::Relaxed);
        self.times.fetch_add(times, Ordering::Relaxed);
    }

    /// Takes a sample for `window` at `now_ms`; the first one is preceded by a zero sample one
    /// period earlier, as Java does.
    fn sample(&self, window: Window, now_ms: i64) {
        let mut list = self.samples[window.index()]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if list.is_empty() {
            list.push_back(CallSnapshot {
                at_ms: now_ms - window.period().as_millis() as i64,
                times: 0,
                value: 0,
            });
        }
        list.push_back(CallSnapshot {
            at_ms: now_ms,
            times: self.times.load(Ordering::Relaxed),
            value: self.value.load(Ordering::Relaxed),
        });
        if list.len() > window.keep() {
            list.pop_front();
        }
    }

    /// The statistic over `window` (Java `computeStatsData`): zeros until it was sampled.
    pub fn snapshot(&self, window: Window) -> StatsSnapshot {
        let list = self.samples[window.index()]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let (Some(first), Some(last)) = (list.front(), list.back()) else {
            return StatsSnapshot::default();
        };
        let sum = last.value - first.value;
        let times = last.times - first.times;
        StatsSnapshot {
            sum,
            tps: sum as f64 * 1000.0 / (last.at_ms - first.at_ms) as f64,
            avgpt: if times > 0 {
                sum as f64 / times as f64
            } else {
                0.0
            },
        }
    }
}

/// The items of one statistic by key (Java `StatsItemSet`), created on first use.
#[derive(Default)]
pub struct StatsItemSet {
    items: RwLock<HashMap<String, Arc<StatsItem>>>,
}

impl StatsItemSet {
    /// Adds to the item of `key`, creating it the first time.
    pub fn add(&self, key: &str, value: i64, times: i64) {
        if let Some(item) = self
            .items
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
        {
            item.add(value, times);
            return;
        }
        let mut items = self.items.write().unwrap_or_else(|p| p.into_inner());
        items.entry(key.to_string()).or_default().add(value, times);
    }

    /// Every key and its item's value (a scrape's copy).
    pub fn values(&self) -> Vec<(String, i64)> {
        self.items
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, item)| (k.clone(), item.value.load(Ordering::Relaxed)))
            .collect()
    }

    pub fn get(&self, key: &str) -> Option<Arc<StatsItem>> {
        self.items
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    /// Drops the items whose key `keep` refuses.
    fn retain(&self, keep: impl Fn(&str) -> bool) {
        self.items
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|key, _| keep(key));
    }

    fn sample(&self, window: Window, now_ms: i64) {
        let items: Vec<Arc<StatsItem>> = self
            .items
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        for item in items {
            item.sample(window, now_ms);
        }
    }
}

/// Every statistic VIEW_BROKER_STATS_DATA serves (see [`names`]).
#[derive(Default)]
pub struct KeyedStats {
    pub topic_put_nums: StatsItemSet,
    pub topic_put_size: StatsItemSet,
    pub group_get_nums: StatsItemSet,
    pub group_get_size: StatsItemSet,
    pub broker_put_nums: StatsItemSet,
    pub broker_get_nums: StatsItemSet,
}

thread_local! {
    /// Reused for `topic@group` keys, so a pull builds its key without allocating.
    static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

impl KeyedStats {
    /// The set of the statistic named `name`, if it is one rmq keeps.
    pub fn set(&self, name: &str) -> Option<&StatsItemSet> {
        Some(match name {
            names::TOPIC_PUT_NUMS => &self.topic_put_nums,
            names::TOPIC_PUT_SIZE => &self.topic_put_size,
            names::GROUP_GET_NUMS => &self.group_get_nums,
            names::GROUP_GET_SIZE => &self.group_get_size,
            names::BROKER_PUT_NUMS => &self.broker_put_nums,
            names::BROKER_GET_NUMS => &self.broker_get_nums,
            _ => return None,
        })
    }

    /// One successful put of `messages` messages (`bytes` as stored) into `topic` (one call,
    /// as Java counts a batch).
    pub fn topic_put(&self, cluster: &str, topic: &str, messages: i64, bytes: i64) {
        self.topic_put_nums.add(topic, messages, 1);
        self.topic_put_size.add(topic, bytes, 1);
        // Java adds to the broker item's value only.
        self.broker_put_nums.add(cluster, messages, 0);
    }

    /// One pull that found `messages` messages (`bytes` in all) of `topic` for `group`.
    pub fn group_get(&self, cluster: &str, topic: &str, group: &str, messages: i64, bytes: i64) {
        KEY.with(|key| {
            let mut key = key.borrow_mut();
            key.clear();
            key.push_str(topic);
            key.push('@');
            key.push_str(group);
            self.group_get_nums.add(&key, messages, 1);
            self.group_get_size.add(&key, bytes, 1);
        });
        self.broker_get_nums.add(cluster, messages, 0);
    }

    /// A deleted topic's items (Java `onTopicDeleted`, when `autoDeleteUnusedStats`): its puts,
    /// and the pulls of it (`topic@*`).
    pub fn remove_topic(&self, topic: &str) {
        self.topic_put_nums.retain(|k| k != topic);
        self.topic_put_size.retain(|k| k != topic);
        let of_topic = |k: &str| k.strip_prefix(topic).is_some_and(|r| r.starts_with('@'));
        self.group_get_nums.retain(|k| !of_topic(k));
        self.group_get_size.retain(|k| !of_topic(k));
    }

    /// A deleted group's items (Java `onGroupDeleted`, when `autoDeleteUnusedStats`): its
    /// pulls (`*@group`).
    pub fn remove_group(&self, group: &str) {
        let of_group = |k: &str| k.strip_suffix(group).is_some_and(|r| r.ends_with('@'));
        self.group_get_nums.retain(|k| !of_group(k));
        self.group_get_size.retain(|k| !of_group(k));
    }

    /// Samples every item for `window` (the broker calls this every `window.period()`).
    pub fn sample(&self, window: Window, now_ms: i64) {
        for set in [
            &self.topic_put_nums,
            &self.topic_put_size,
            &self.group_get_nums,
            &self.group_get_size,
            &self.broker_put_nums,
            &self.broker_get_nums,
        ] {
            set.sample(window, now_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_exists_once_counted_and_reads_zero_until_sampled() {
        let stats = KeyedStats::default();
        assert!(stats.topic_put_nums.get("T").is_none());
        stats.topic_put("DefaultCluster", "T", 3, 300);
        stats.topic_put("DefaultCluster", "T", 1, 100);
        let item = stats.topic_put_nums.get("T").unwrap();
        assert_eq!(item.snapshot(Window::Minute), StatsSnapshot::default());
        assert!(stats.set("GROUP_GET_LATENCY").is_none());
    }

    /// Java's arithmetic: the first sample is preceded by a zero one a period earlier; sum is
    /// last - first, tps per second over the samples' span, avgpt per call.
    #[test]
    fn snapshots_follow_javas_sampling() {
        let stats = KeyedStats::default();
        stats.topic_put("c", "T", 3, 300);
        stats.topic_put("c", "T", 1, 100);
        stats.sample(Window::Minute, 100_000);
        let item = stats.topic_put_nums.get("T").unwrap();
        let s = item.snapshot(Window::Minute);
        assert_eq!((s.sum, s.tps, s.avgpt), (4, 0.4, 2.0));
        stats.topic_put("c", "T", 6, 600);
        stats.sample(Window::Minute, 110_000);
        let s = item.snapshot(Window::Minute);
        assert_eq!((s.sum, s.tps, s.avgpt), (10, 0.5, 10.0 / 3.0));
        // Seven samples kept: the zero sample falls out after six more.
        for i in 2..8 {
            stats.sample(Window::Minute, 100_000 + i * 10_000);
        }
        let s = item.snapshot(Window::Minute);
        assert_eq!(s.sum, 0, "no put in the last minute");
        // The hour window was never sampled.
        assert_eq!(item.snapshot(Window::Hour), StatsSnapshot::default());
        // Broker-wide items count values, not calls.
        let broker = stats.broker_put_nums.get("c").unwrap();
        stats.sample(Window::Day, 7_200_000);
        let d = broker.snapshot(Window::Day);
        assert_eq!((d.sum, d.avgpt), (10, 0.0));
        stats.group_get("c", "T", "g", 2, 20);
        stats.group_get("c", "T", "g2", 2, 20);
        stats.group_get("c", "T2", "g", 2, 20);
        assert!(stats.group_get_nums.get("T@g").is_some());
        stats.remove_group("g");
        assert!(stats.group_get_nums.get("T@g").is_none());
        assert!(stats.group_get_nums.get("T2@g").is_none());
        assert!(stats.group_get_size.get("T@g2").is_some());
        stats.remove_topic("T");
        assert!(stats.topic_put_nums.get("T").is_none());
        assert!(stats.group_get_size.get("T@g2").is_none());
        assert!(stats.broker_put_nums.get("c").is_some());
    }
}
