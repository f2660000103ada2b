//! The broker's message counters (puts and gets, messages and bytes) for runtime info and
//! cluster listings, and the samples of them that give GET_BROKER_RUNTIME_INFO its TPS
//! figures over Java's three windows.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
