//! The broker's Prometheus metrics ([`BrokerCollector`]), read at scrape time from what the
//! broker keeps anyway: the per-topic and per-group counters of `statsAll` ([`super::stats`]),
//! the send and pull latency histograms, the long-poll table, the committed offsets against
//! the ConsumeQueues (consumer lag), the store's CommitLog offsets and flush counters, disk
//! use, the HA acknowledgements of a master's slaves, and the remoting server's connection
//! and request counters. Nothing here runs on a request path. README "Metrics" documents
//! every name.

use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;

use super::controller::Broker;
use crate::common::clock::now_ms;
use crate::common::host::{disk_usage, fs_capacity};
use crate::net::metrics::{counter, family, gauge, ServerMetrics};

/// The broker's metrics, prefixed `rmq_broker_`.
pub struct BrokerCollector {
    broker: Arc<Broker>,
    server: Arc<ServerMetrics>,
}

impl BrokerCollector {
    /// Metrics of `broker`, with the connection and request counters of the `server` it
    /// serves on ([`crate::net::Server::metrics`]).
    pub fn new(broker: Arc<Broker>, server: Arc<ServerMetrics>) -> BrokerCollector {
        BrokerCollector { broker, server }
    }
}

impl std::fmt::Debug for BrokerCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerCollector")
            .field("broker", &self.broker.broker_addr())
            .finish()
    }
}

/// `topic@group` (the key of the per-group statistics and of the offset table) split.
fn topic_and_group(key: &str) -> Option<(&str, &str)> {
    key.split_once('@')
}

impl Collector for BrokerCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let b = &self.broker;
        let cfg = b.cfg();
        let role = b.role().to_string();
        let broker_id = cfg.broker_id.to_string();
        family(
            &mut e,
            "rmq_broker_info",
            "This broker: cluster, name, id, role (value 1).",
            None,
            MetricType::Gauge,
            [(
                [
                    ("cluster", cfg.broker_cluster_name.as_str()),
                    ("broker", cfg.broker_name.as_str()),
                    ("broker_id", broker_id.as_str()),
                    ("role", role.as_str()),
                    ("version", env!("CARGO_PKG_VERSION")),
                ],
                ConstGauge::new(1i64),
            )],
        )?;

        // Messages in and out: the statsAll counters, since start.
        let keyed = &b.stats.keyed;
        let per_topic = |set: &super::stats::StatsItemSet| {
            let mut values = set.values();
            values.sort_unstable();
            values
                .into_iter()
                .map(|(topic, v)| ([("topic", topic)], ConstCounter::new(v.max(0) as u64)))
        };
        family(
            &mut e,
            "rmq_broker_messages_in",
            "Messages stored, by the topic they were stored in.",
            None,
            MetricType::Counter,
            per_topic(&keyed.topic_put_nums),
        )?;
        family(
            &mut e,
            "rmq_broker_messages_in_bytes",
            "Bytes stored (CommitLog record sizes), by topic.",
            None,
            MetricType::Counter,
            per_topic(&keyed.topic_put_size),
        )?;
        let per_group = |set: &super::stats::StatsItemSet| {
            let mut values = set.values();
            values.sort_unstable();
            values.into_iter().filter_map(|(key, v)| {
                let (topic, group) = topic_and_group(&key)?;
                Some((
                    [("topic", topic.to_string()), ("group", group.to_string())],
                    ConstCounter::new(v.max(0) as u64),
                ))
            })
        };
        family(
            &mut e,
            "rmq_broker_messages_out",
            "Messages pulled, by topic and consumer group.",
            None,
            MetricType::Counter,
            per_group(&keyed.group_get_nums),
        )?;
        family(
            &mut e,
            "rmq_broker_messages_out_bytes",
            "Bytes pulled, by topic and consumer group.",
            None,
            MetricType::Counter,
            per_group(&keyed.group_get_size),
        )?;

        b.stats.send_latency.encode(
            &mut e,
            "rmq_broker_send_latency",
            "Time to answer a send (flush and replica waits included).",
        )?;
        b.stats.pull_latency.encode(
            &mut e,
            "rmq_broker_pull_latency",
            "Time to answer a pull, long-poll hold left out.",
        )?;
        gauge(
            &mut e,
            "rmq_broker_long_poll_held",
            "Pulls held by long polling now, waiting for a message.",
            b.pull_waiters.held(),
        )?;
        counter(
            &mut e,
            "rmq_broker_long_poll_waits",
            "Pulls held by long polling since start.",
            b.pull_waiters.waits(),
        )?;

        // Consumer lag: each queue of each topic a group has offsets for, as consumer
        // progress counts it (a queue without a committed offset counts from 0).
        let mut lags = Vec::new();
        let mut offsets: Vec<_> = b
            .metadata
            .offsets
            .snapshot()
            .offset_table
            .into_iter()
            .collect();
        offsets.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (key, committed) in offsets {
            let Some((topic, group)) = topic_and_group(&key) else {
                continue;
            };
            let Some(queues) = b.metadata.topics.with_topic(topic, |t| t.read_queue_nums) else {
                continue;
            };
            for queue in 0..queues {
                let max = b.store.max_offset(topic, queue).max(0);
                let consumed = committed.get(&queue).copied().unwrap_or(0).max(0);
                lags.push((
                    [
                        ("group", group.to_string()),
                        ("topic", topic.to_string()),
                        ("queue", queue.to_string()),
                    ],
                    ConstGauge::new((max - consumed).max(0)),
                ));
            }
        }
        family(
            &mut e,
            "rmq_broker_consumer_lag_messages",
            "Messages not yet consumed: queue max offset less the group's committed offset.",
            None,
            MetricType::Gauge,
            lags,
        )?;
        gauge(
            &mut e,
            "rmq_broker_topics",
            "Topics configured on this broker.",
            b.metadata.topics.len() as i64,
        )?;
        gauge(
            &mut e,
            "rmq_broker_subscription_groups",
            "Subscription groups configured on this broker.",
            b.metadata.groups.group_names().len() as i64,
        )?;
        gauge(
            &mut e,
            "rmq_broker_consumer_groups_online",
            "Consumer groups with a client connected (heartbeats).",
            b.consumers.group_names().len() as i64,
        )?;
        gauge(
            &mut e,
            "rmq_broker_producers_online",
            "Producer connections known from heartbeats.",
            b.producers
                .all()
                .iter()
                .map(|(_, c)| c.len())
                .sum::<usize>() as i64,
        )?;

        // The store.
        let (min_phys, max_phys) = (b.store.min_phys_offset(), b.store.max_phys_offset());
        gauge(
            &mut e,
            "rmq_broker_commitlog_bytes",
            "CommitLog bytes kept (max offset less min offset).",
            (max_phys - min_phys).max(0),
        )?;
        gauge(
            &mut e,
            "rmq_broker_commitlog_max_offset",
            "CommitLog write position (bytes ever written).",
            max_phys,
        )?;
        gauge(
            &mut e,
            "rmq_broker_commitlog_unflushed_bytes",
            "CommitLog bytes written but not yet flushed to disk.",
            (max_phys - b.store.flushed_offset()).max(0),
        )?;
        let flush = b.store.flush_stats();
        counter(
            &mut e,
            "rmq_broker_commitlog_flushes",
            "CommitLog flushes that wrote something (with SYNC_FLUSH: group commits).",
            flush.count,
        )?;
        family(
            &mut e,
            "rmq_broker_commitlog_flush_seconds",
            "Time spent in CommitLog flushes.",
            None,
            MetricType::Counter,
            [([("", ""); 0], ConstCounter::new(flush.nanos as f64 / 1e9))],
        )?;
        let dirs = [
            ("commitlog", b.store_config.commit_log_dir()),
            ("consumequeue", b.store_config.consume_queue_dir()),
        ];
        family(
            &mut e,
            "rmq_broker_disk_used_ratio",
            "Used share (0..1) of the file system holding the store directory.",
            None,
            MetricType::Gauge,
            dirs.iter().filter_map(|(name, dir)| {
                Some(([("dir", *name)], ConstGauge::new(disk_usage(dir)?)))
            }),
        )?;
        if let Some(cap) = fs_capacity(&b.store_config.commit_log_dir()) {
            gauge(
                &mut e,
                "rmq_broker_disk_available_bytes",
                "Bytes still usable on the CommitLog's file system.",
                i64::try_from(cap.available).unwrap_or(i64::MAX),
            )?;
        }

        // Replication, on a master: each slave's acknowledged offset and distance.
        if b.role().is_master() {
            let slaves = b.ha.slaves();
            gauge(
                &mut e,
                "rmq_broker_ha_slaves",
                "Slaves connected to this master's HA port.",
                slaves.len() as i64,
            )?;
            let now = now_ms();
            let mut acked = Vec::new();
            let mut behind = Vec::new();
            let mut behind_secs = Vec::new();
            for s in &slaves {
                let lacks = (max_phys - s.acked_offset.max(0)).max(0);
                let age_ms = if lacks == 0 {
                    0
                } else {
                    b.store
                        .store_time_at_phys(s.acked_offset.max(min_phys))
                        .map_or(-1, |t| (now - t).max(0))
                };
                acked.push(([("slave", s.addr.clone())], ConstGauge::new(s.acked_offset)));
                behind.push(([("slave", s.addr.clone())], ConstGauge::new(lacks)));
                if age_ms >= 0 {
                    behind_secs.push((
                        [("slave", s.addr.clone())],
                        ConstGauge::new(age_ms as f64 / 1000.0),
                    ));
                }
            }
            family(
                &mut e,
                "rmq_broker_ha_slave_ack_offset",
                "CommitLog offset the slave acknowledged.",
                None,
                MetricType::Gauge,
                acked,
            )?;
            family(
                &mut e,
                "rmq_broker_ha_slave_behind_bytes",
                "CommitLog bytes the slave has not acknowledged yet.",
                None,
                MetricType::Gauge,
                behind,
            )?;
            family(
                &mut e,
                "rmq_broker_ha_slave_behind_seconds",
                "Age of the oldest message the slave has not acknowledged (0 when in sync).",
                None,
                MetricType::Gauge,
                behind_secs,
            )?;
        }

        self.server.encode(&mut e, "rmq_broker")
    }
}
