//! What both daemons count for Prometheus, and how it is exposed: lock-free primitives cheap
//! enough for the per-request paths ([`LatencyHistogram`], [`CodeCounters`]), the counters
//! every [`Server`](super::Server) keeps ([`ServerMetrics`]: connections, requests by request
//! and response code), helpers that encode them with `prometheus-client`, and
//! [`MetricsListener`], the HTTP endpoint (`GET /metrics`, axum on the daemon's runtime) that
//! renders a `prometheus-client` registry in the Prometheus text format (0.0.4).
//!
//! Counting never allocates: a histogram is a fixed array of atomics, the request table is a
//! fixed open-addressed array of atomic slots. All the formatting happens at scrape time.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};
use tokio_util::sync::CancellationToken;

use crate::protocol::{RequestCode, ResponseCode};

/// Upper bounds (microseconds) of the latency buckets: 50 µs to 10 s, roughly ×2.5 apart.
const LATENCY_BOUNDS_MICROS: [u64; 17] = [
    50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 5_000_000, 10_000_000,
];

/// A latency histogram with fixed buckets (`LATENCY_BOUNDS_MICROS`, plus +Inf): an
/// observation is two relaxed atomic adds, no lock and no allocation.
#[derive(Debug, Default)]
pub struct LatencyHistogram {
    /// Per bucket (not cumulative); the last is +Inf.
    buckets: [AtomicU64; LATENCY_BOUNDS_MICROS.len() + 1],
    sum_nanos: AtomicU64,
}

impl LatencyHistogram {
    pub fn observe(&self, elapsed: Duration) {
        let micros = elapsed.as_micros().min(u64::MAX as u128) as u64;
        let bucket = LATENCY_BOUNDS_MICROS
            .iter()
            .position(|&bound| micros <= bound)
            .unwrap_or(LATENCY_BOUNDS_MICROS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(
            elapsed.as_nanos().min(u64::MAX as u128) as u64,
            Ordering::Relaxed,
        );
    }

    /// Observations so far (the sum of the buckets).
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// Encodes the histogram as `name` (seconds) with `help`.
    pub fn encode(
        &self,
        encoder: &mut DescriptorEncoder<'_>,
        name: &str,
        help: &str,
    ) -> Result<(), std::fmt::Error> {
        let mut buckets = [(0.0, 0u64); LATENCY_BOUNDS_MICROS.len() + 1];
        let mut count = 0;
        for (i, slot) in buckets.iter_mut().enumerate() {
            let n = self.buckets[i].load(Ordering::Relaxed);
            count += n;
            let bound = LATENCY_BOUNDS_MICROS
                .get(i)
                .map_or(f64::INFINITY, |&us| us as f64 / 1e6);
            *slot = (bound, n);
        }
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let mut metric =
            encoder.encode_descriptor(name, help, Some(&Unit::Seconds), MetricType::Histogram)?;
        metric
            .encode_histogram::<prometheus_client::encoding::NoLabelSet>(sum, count, &buckets, None)
    }
}

/// Slots of a [`CodeCounters`] table; pairs beyond it are counted under code -1.
const CODE_SLOTS: usize = 512;
const EMPTY: u64 = u64::MAX;

/// Counts by (request code, response code) in a fixed open-addressed table of atomics: a
/// count is a probe of a few slots and one atomic add; a new pair claims a slot with one
/// compare-and-swap. Nothing is locked or allocated.
pub struct CodeCounters {
    keys: [AtomicU64; CODE_SLOTS],
    counts: [AtomicU64; CODE_SLOTS],
    overflow: AtomicU64,
}

impl Default for CodeCounters {
    fn default() -> Self {
        CodeCounters {
            keys: std::array::from_fn(|_| AtomicU64::new(EMPTY)),
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            overflow: AtomicU64::new(0),
        }
    }
}

impl std::fmt::Debug for CodeCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeCounters").finish_non_exhaustive()
    }
}

/// What a request was answered with: a response code, or nothing (oneway requests, and an
/// END_TRANSACTION of unknown state).
pub const NO_RESPONSE: i32 = -1;

impl CodeCounters {
    fn key(request: i32, response: i32) -> u64 {
        (u64::from(request as u32) << 32) | u64::from(response as u32)
    }

    /// One request of code `request` answered with `response` ([`NO_RESPONSE`] for none).
    pub fn add(&self, request: i32, response: i32) {
        let key = Self::key(request, response);
        let start = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 55) as usize % CODE_SLOTS;
        for i in 0..CODE_SLOTS {
            let slot = (start + i) % CODE_SLOTS;
            let current = self.keys[slot].load(Ordering::Acquire);
            let claimed = current == key
                || (current == EMPTY
                    && match self.keys[slot].compare_exchange(
                        EMPTY,
                        key,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => true,
                        Err(other) => other == key,
                    });
            if claimed {
                self.counts[slot].fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        self.overflow.fetch_add(1, Ordering::Relaxed);
    }

    /// Every (request, response, count) counted so far, sorted by codes; pairs that did not
    /// fit are `(-1, -1, n)`.
    pub fn snapshot(&self) -> Vec<(i32, i32, u64)> {
        let mut all: Vec<(i32, i32, u64)> = (0..CODE_SLOTS)
            .filter_map(|slot| {
                let key = self.keys[slot].load(Ordering::Acquire);
                (key != EMPTY).then(|| {
                    (
                        (key >> 32) as u32 as i32,
                        key as u32 as i32,
                        self.counts[slot].load(Ordering::Relaxed),
                    )
                })
            })
            .collect();
        all.sort_unstable();
        let overflow = self.overflow.load(Ordering::Relaxed);
        if overflow > 0 {
            all.push((-1, -1, overflow));
        }
        all
    }
}

/// What every [`Server`](super::Server) counts: connections and requests.
#[derive(Debug, Default)]
pub struct ServerMetrics {
    /// Connections open now.
    pub connections: AtomicI64,
    /// Connections accepted since start.
    pub accepted: AtomicU64,
    /// Requests by request code and response code.
    pub requests: CodeCounters,
}

impl ServerMetrics {
    /// Encodes the connection and request metrics as `<prefix>_connections`,
    /// `<prefix>_connections_accepted_total` and `<prefix>_requests_total`.
    pub fn encode(
        &self,
        encoder: &mut DescriptorEncoder<'_>,
        prefix: &str,
    ) -> Result<(), std::fmt::Error> {
        gauge(
            encoder,
            &format!("{prefix}_connections"),
            "Remoting connections open now.",
            self.connections.load(Ordering::Relaxed),
        )?;
        counter(
            encoder,
            &format!("{prefix}_connections_accepted"),
            "Remoting connections accepted since start.",
            self.accepted.load(Ordering::Relaxed),
        )?;
        let name = format!("{prefix}_requests");
        let mut family = encoder.encode_descriptor(
            &name,
            "Remoting requests served, by request code and response code (response=\"NONE\": \
             no response, e.g. oneway).",
            None,
            MetricType::Counter,
        )?;
        for (request, response, count) in self.requests.snapshot() {
            let code = request.to_string();
            let request_name = RequestCode(request)
                .name()
                .map_or_else(|| code.clone(), str::to_string);
            let response_name = if response == NO_RESPONSE {
                "NONE".to_string()
            } else {
                ResponseCode(response)
                    .name()
                    .map_or_else(|| response.to_string(), str::to_string)
            };
            let labels = [
                ("code", code.as_str()),
                ("request", request_name.as_str()),
                ("response", response_name.as_str()),
            ];
            ConstCounter::new(count).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

/// Encodes one unlabelled gauge.
pub fn gauge(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: i64,
) -> Result<(), std::fmt::Error> {
    let metric = ConstGauge::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

/// Encodes one unlabelled counter (`_total` is appended to `name`).
pub fn counter(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: u64,
) -> Result<(), std::fmt::Error> {
    let metric = ConstCounter::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

/// Encodes a family of `metric` (a [`ConstCounter`] or [`ConstGauge`]) with one series per
/// item: `series` yields the label set and the metric of each.
pub fn family<L, M>(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    metric_type: MetricType,
    series: impl IntoIterator<Item = (L, M)>,
) -> Result<(), std::fmt::Error>
where
    L: EncodeLabelSet,
    M: EncodeMetric,
{
    let mut family = encoder.encode_descriptor(name, help, unit, metric_type)?;
    for (labels, metric) in series {
        metric.encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

/// A registry whose only content is `collectors`, each asked for its metrics at every scrape.
pub fn registry(collectors: Vec<Box<dyn Collector>>) -> Registry {
    let mut registry = Registry::default();
    for c in collectors {
        registry.register_collector(c);
    }
    registry
}

/// Renders `registry` in the Prometheus text format (0.0.4).
pub fn render(registry: &Registry) -> String {
    let mut text = String::new();
    // Writing into a String cannot fail; a collector that fails leaves what it wrote.
    if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut text, registry) {
        tracing::warn!("encoding metrics failed: {e}");
    }
    text
}

/// The `Content-Type` of [`render`]'s text.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The HTTP endpoint serving `GET /metrics` (anything else is 404).
pub struct MetricsListener {
    listener: tokio::net::TcpListener,
}

impl MetricsListener {
    /// Binds `addr` (`HOST:PORT`; port 0 picks a free port).
    pub async fn bind(addr: &str) -> Result<MetricsListener, super::NetError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|reason| super::NetError::Bind {
                addr: addr.to_string(),
                reason,
            })?;
        Ok(MetricsListener { listener })
    }

    pub fn local_addr(&self) -> Result<SocketAddr, super::NetError> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` is cancelled. Each scrape renders `registry` on the blocking
    /// pool: collectors read the store and the metadata, which must not hold up the reactor.
    pub async fn serve(self, registry: Arc<Registry>, shutdown: CancellationToken) {
        use axum::http::header;
        use axum::http::StatusCode;
        use axum::response::IntoResponse;
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let registry = registry.clone();
                async move {
                    match tokio::task::spawn_blocking(move || render(&registry)).await {
                        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
                        Err(e) => {
                            (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
                        }
                    }
                }
            }),
        );
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::warn!("metrics listener stopped: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_by_upper_bound() {
        let h = LatencyHistogram::default();
        h.observe(Duration::from_micros(50));
        h.observe(Duration::from_micros(51));
        h.observe(Duration::from_secs(60));
        assert_eq!(h.buckets[0].load(Ordering::Relaxed), 1);
        assert_eq!(h.buckets[1].load(Ordering::Relaxed), 1);
        assert_eq!(
            h.buckets[LATENCY_BOUNDS_MICROS.len()].load(Ordering::Relaxed),
            1
        );
        assert_eq!(h.count(), 3);
    }

    #[test]
    fn code_counters_count_pairs_and_overflow() {
        let c = CodeCounters::default();
        for _ in 0..3 {
            c.add(10, 0);
        }
        c.add(10, 1);
        c.add(0, 0);
        c.add(34, NO_RESPONSE);
        assert_eq!(
            c.snapshot(),
            vec![(0, 0, 1), (10, 0, 3), (10, 1, 1), (34, -1, 1)]
        );
        let full = CodeCounters::default();
        for code in 0..(CODE_SLOTS as i32 + 5) {
            full.add(code, 0);
        }
        let snap = full.snapshot();
        assert_eq!(snap.len(), CODE_SLOTS + 1);
        assert_eq!(snap.last(), Some(&(-1, -1, 5)));
    }

    #[test]
    fn server_metrics_render_in_prometheus_text() {
        #[derive(Debug)]
        struct Only(Arc<ServerMetrics>);
        impl Collector for Only {
            fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
                self.0.encode(&mut encoder, "rmq_test")
            }
        }
        let m = Arc::new(ServerMetrics::default());
        m.connections.store(2, Ordering::Relaxed);
        m.requests.add(10, 0);
        let text = render(&registry(vec![Box::new(Only(m))]));
        assert!(text.contains("# TYPE rmq_test_connections gauge\nrmq_test_connections 2\n"));
        assert!(text.contains(
            "rmq_test_requests_total{code=\"10\",request=\"SEND_MESSAGE\",response=\"SUCCESS\"} 1\n"
        ));
    }
}
