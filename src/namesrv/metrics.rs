//! The name server's Prometheus metrics ([`NamesrvCollector`]), read at scrape time: the
//! route tables (registered brokers, topics) and the remoting server's connection and request
//! counters. README "Metrics" documents every name.

use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;

use super::route::RouteInfoManager;
use crate::net::metrics::{family, gauge, ServerMetrics};

/// The name server's metrics, prefixed `rmq_namesrv_`.
pub struct NamesrvCollector {
    routes: Arc<RouteInfoManager>,
    server: Arc<ServerMetrics>,
}

impl NamesrvCollector {
    pub fn new(routes: Arc<RouteInfoManager>, server: Arc<ServerMetrics>) -> NamesrvCollector {
        NamesrvCollector { routes, server }
    }
}

impl std::fmt::Debug for NamesrvCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamesrvCollector").finish_non_exhaustive()
    }
}

impl Collector for NamesrvCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let (topics, clusters) = self.routes.counts();
        gauge(
            &mut e,
            "rmq_namesrv_live_brokers",
            "Broker addresses registered and not expired.",
            self.routes.live_broker_count() as i64,
        )?;
        family(
            &mut e,
            "rmq_namesrv_cluster_brokers",
            "Broker addresses registered, by cluster.",
            None,
            MetricType::Gauge,
            clusters
                .into_iter()
                .map(|(cluster, n)| ([("cluster", cluster)], ConstGauge::new(n as i64))),
        )?;
        gauge(
            &mut e,
            "rmq_namesrv_topics",
            "Topics with routes (queue data from some broker).",
            topics as i64,
        )?;
        self.server.encode(&mut e, "rmq_namesrv")
    }
}
