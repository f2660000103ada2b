//! The broker's config and runtime figures: GET_BROKER_CONFIG (26), UPDATE_BROKER_CONFIG (25,
//! persisted into the broker's `-c` file), GET_BROKER_RUNTIME_INFO (28), and the manual
//! retention triggers TRIGGER_DELETE_FILES (27), DELETE_EXPIRED_COMMITLOG (329) and
//! CLEAN_EXPIRED_CONSUMEQUEUE (306).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

use super::run_blocking;
use crate::broker::config_file::rewrite_properties_file;
use crate::broker::controller::Broker;
use crate::common::clock::now_ms;
use crate::common::host::{disk_usage, fs_capacity};
use crate::common::names::RMQ_SYS_SCHEDULE_TOPIC as SCHEDULE_TOPIC;
use crate::config::{
    apply_broker_properties, broker_to_properties, ConfigWarning, MessageStoreConfig, Properties,
};
use crate::net::{success, Connection, Failure, Outcome};
use crate::protocol::body::KVTable;
use crate::protocol::header::GetBrokerConfigResponseHeader;
use crate::protocol::{CommandHeader, RemotingCommand, ResponseCode};

/// Keys UPDATE_BROKER_CONFIG always refuses, whatever `configBlackList` says (4.9.8's
/// `initConfigBlackList`).
const ALWAYS_BLACKLISTED: [&str; 3] = ["brokerConfigPath", "rocketmqHome", "configBlackList"];

/// The effective config as properties text (`key=value` lines, unescaped, as Java's
/// `MixAll.properties2String`), with the config's data version in the `version` header.
pub(super) fn get_broker_config(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let mut props = broker_to_properties(&broker.cfg(), &broker.store_config);
    // `-p` (or `listenPort=0`) binds a port other than the configured one; report the port
    // clients actually reach.
    props.set("listenPort", broker.store_host.port().to_string());
    // The role may have changed online since start (promotion, demotion).
    props.set("brokerRole", broker.role().as_str());
    let body = props.to_plain_string();
    let version = {
        let v = broker
            .config_version
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .to_json();
        String::from_utf8_lossy(&v).into_owned()
    };
    Ok(success(req)
        .with_body(body.into_bytes())
        .with_ext_fields(GetBrokerConfigResponseHeader { version }.to_ext_fields()))
}

/// Applies properties text to the live broker config and writes the changed keys into
/// the broker's config file. Keys in the black list are refused with NO_PERMISSION.
///
/// Store settings (MessageStoreConfig) are fixed while the store runs: they are accepted
/// into the file and take effect at the next start, which the log and the remark say.
pub(super) async fn update_broker_config(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    let _serialised = broker.config_update.lock().await;
    tracing::info!(peer = %conn.peer_addr(), "updateBrokerConfig");
    if req.body.is_empty() {
        return Ok(success(req));
    }
    let text = String::from_utf8_lossy(&req.body);
    let Ok(props) = Properties::parse(&text) else {
        return Err(Failure::system("string2Properties error"));
    };
    let black_list = broker.cfg().config_black_list;
    let refused = props.iter().any(|(key, _)| {
        ALWAYS_BLACKLISTED.contains(&key) || black_list.split(';').any(|b| b == key)
    });
    if refused {
        return Err(Failure::new(
            ResponseCode::NO_PERMISSION,
            "Can not update config in black list.",
        ));
    }

    let mut store = broker.store_config.clone();
    let applied = {
        let mut live = broker.config.write().unwrap_or_else(|p| p.into_inner());
        apply_broker_properties(&mut live, &mut store, &props)
    };
    let warnings = applied.map_err(|e| Failure::system(e.to_string()))?;
    let unknown: BTreeSet<String> = warnings
        .iter()
        .filter_map(|w| match w {
            ConfigWarning::UnknownKey { key, .. } => Some(key.clone()),
            _ => None,
        })
        .collect();
    for w in &warnings {
        tracing::warn!("updateBrokerConfig: {w}");
    }
    tracing::info!(config = %text.trim(), "updateBrokerConfig, new config");
    broker
        .config_version
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .next_version();

    let store_keys = MessageStoreConfig::known_keys();
    let restart_keys: Vec<&str> = if store == broker.store_config {
        Vec::new()
    } else {
        props
            .iter()
            .map(|(k, _)| k)
            .filter(|k| store_keys.contains(k))
            .collect()
    };
    if !restart_keys.is_empty() {
        tracing::warn!(
            keys = ?restart_keys,
            "store settings changed: saved to the config file, they take effect after a restart"
        );
    }
    if props.contains_key("brokerPermission") {
        // As Java: a new table version makes the name servers take the new permission at
        // once with the registration that follows.
        broker.metadata.topics.bump_version();
        broker.register_now.notify_one();
    }

    let updates: Vec<(String, String)> = props
        .iter()
        .filter(|(k, _)| !unknown.contains(*k))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect();
    match broker.config_file.clone() {
        Some(path) if !updates.is_empty() => {
            let written = run_blocking(move || {
                rewrite_properties_file(&path, &updates).map_err(|e| (path, e))
            })
            .await?;
            if let Err((path, e)) = written {
                tracing::error!("persisting broker config to {} failed: {e}", path.display());
                return Err(Failure::system(format!(
                    "config updated in memory, but writing {} failed: {e}",
                    path.display()
                )));
            }
        }
        Some(_) => {}
        None => tracing::warn!("broker started without -c: config update not persisted"),
    }
    // Java answers with no remark; ours says what did not take effect (mqadmin ignores a
    // remark on success, rmq's own tools show it).
    let mut notes = Vec::new();
    if !restart_keys.is_empty() {
        notes.push(format!(
            "store settings take effect after a restart: {}",
            restart_keys.join(", ")
        ));
    }
    if !unknown.is_empty() {
        let names: Vec<&str> = unknown.iter().map(String::as_str).collect();
        notes.push(format!("unknown keys ignored: {}", names.join(", ")));
    }
    if notes.is_empty() {
        Ok(success(req))
    } else {
        Ok(success(req).with_remark(notes.join("; ")))
    }
}

/// The KVTable mqadmin brokerStatus prints and clusterList reads (version, message
/// totals, TPS, disk ratios, offsets), with Java's key names and value formats.
pub(super) fn get_broker_runtime_info(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let cfg = broker.cfg();
    let put = broker.stats.put_messages.load(Ordering::Relaxed);
    let put_bytes = broker.stats.put_bytes.load(Ordering::Relaxed);
    let get = broker.stats.get_messages.load(Ordering::Relaxed);
    let tps = broker.stats.tps(broker.started_at, put, get);
    let rates = |r: [f64; 3]| r.map(java_double).join(" ");
    let (put_tps, get_tps) = (rates(tps.put), rates(tps.get));
    let commitlog = broker.store.commitlog();
    let min_phys = commitlog.min_offset();
    let max_phys = commitlog.max_offset();

    let mut t = BTreeMap::<String, String>::new();
    let mut put_kv = |k: &str, v: String| {
        t.insert(k.to_string(), v);
    };
    put_kv("brokerVersionDesc", "V4_9_8".into());
    put_kv(
        "brokerVersion",
        crate::protocol::command::CURRENT_VERSION.to_string(),
    );
    // Java snapshots the totals at midnight; until the first midnight after boot its
    // "morning" values are 0, as here, so "today" means "since boot".
    put_kv("msgPutTotalYesterdayMorning", "0".into());
    put_kv("msgPutTotalTodayMorning", "0".into());
    put_kv("msgPutTotalTodayNow", put.to_string());
    put_kv("msgGetTotalYesterdayMorning", "0".into());
    put_kv("msgGetTotalTodayMorning", "0".into());
    put_kv("msgGetTotalTodayNow", get.to_string());
    // rmq serves requests on the async runtime: there are no thread pool queues.
    for pool in ["send", "pull", "query"] {
        put_kv(&format!("{pool}ThreadPoolQueueSize"), "0".into());
        put_kv(
            &format!("{pool}ThreadPoolQueueHeadWaitTimeMills"),
            "0".into(),
        );
    }
    put_kv(
        "sendThreadPoolQueueCapacity",
        cfg.send_thread_pool_queue_capacity.to_string(),
    );
    put_kv(
        "pullThreadPoolQueueCapacity",
        cfg.pull_thread_pool_queue_capacity.to_string(),
    );
    put_kv(
        "queryThreadPoolQueueCapacity",
        cfg.query_thread_pool_queue_capacity.to_string(),
    );
    put_kv("EndTransactionQueueSize", "0".into());
    put_kv(
        "EndTransactionThreadPoolQueueCapacity",
        cfg.end_transaction_pool_queue_capacity.to_string(),
    );
    // Consume queues are written at put time, so dispatch is never behind.
    put_kv("dispatchBehindBytes", "0".into());
    put_kv("pageCacheLockTimeMills", "0".into());
    put_kv(
        "earliestMessageTimeStamp",
        commitlog
            .store_timestamp(min_phys)
            .unwrap_or(-1)
            .to_string(),
    );
    put_kv(
        "startAcceptSendRequestTimeStamp",
        cfg.start_accept_send_request_time_stamp.to_string(),
    );
    // Java's pool reports Integer.MAX_VALUE buffers when the transient pool is off.
    put_kv("remainTransientStoreBufferNumbs", i32::MAX.to_string());
    put_kv(
        "remainHowManyDataToFlush",
        human_readable_bytes((max_phys - broker.store.flushed_offset()).max(0)),
    );
    let root = &broker.store_config.store_path_root_dir;
    if let Some(cap) = fs_capacity(root) {
        put_kv(
            "commitLogDirCapacity",
            format!(
                "Total : {}, Free : {}.",
                human_readable_bytes(cap.total as i64),
                human_readable_bytes(cap.available as i64)
            ),
        );
    }

    // The store's own figures (Java's StoreStatsService and DefaultMessageStore).
    put_kv("bootTimestamp", broker.boot_timestamp.to_string());
    put_kv("runtime", format_runtime(now_ms() - broker.boot_timestamp));
    put_kv("putMessageEntireTimeMax", "0".into());
    put_kv("putMessageTimesTotal", put.to_string());
    put_kv("putMessageFailedTimes", "0".into());
    put_kv("putMessageSizeTotal", put_bytes.to_string());
    put_kv(
        "putMessageAverageSize",
        java_double(put_bytes as f64 / put.max(1) as f64),
    );
    put_kv("dispatchMaxBuffer", "0".into());
    put_kv("getMessageEntireTimeMax", "0".into());
    put_kv("putTps", put_tps);
    // Every get counted by the broker found messages; misses are not counted.
    put_kv("getFoundTps", get_tps.clone());
    put_kv("getMissTps", "0.0 0.0 0.0".into());
    put_kv("getTotalTps", get_tps.clone());
    put_kv("getTransferedTps", get_tps);
    // rmq's own: the CommitLog flushes (with SYNC_FLUSH, one per group commit) and their
    // average time, which bounds SYNC_FLUSH throughput at in-flight sends ÷ that time.
    let flush = broker.store.flush_stats();
    put_kv("rmqCommitLogFlushTimes", flush.count.to_string());
    put_kv(
        "rmqCommitLogFlushAvgMicros",
        java_double(flush.nanos as f64 / 1000.0 / flush.count.max(1) as f64),
    );
    put_kv("putLatency99", "0.00".into());
    put_kv("putLatency999", "0.00".into());
    let commitlog_dir = broker.store_config.commit_log_dir();
    let cl_ratio = java_double(disk_usage(&commitlog_dir).unwrap_or(-1.0));
    put_kv(
        &format!("commitLogDiskRatio_{}", commitlog_dir.display()),
        cl_ratio.clone(),
    );
    put_kv("commitLogDiskRatio", cl_ratio);
    put_kv(
        "consumeQueueDiskRatio",
        java_double(disk_usage(&broker.store_config.consume_queue_dir()).unwrap_or(-1.0)),
    );
    // ScheduleMessageService.buildRunningStats: "<delay offset>,<queue max>" per level.
    for (level, offset) in broker.metadata.delay_offsets.all() {
        let max = broker.store.max_offset(SCHEDULE_TOPIC, level - 1);
        put_kv(
            &format!("scheduleMessageOffset_{level}"),
            format!("{offset},{max}"),
        );
    }
    put_kv("commitLogMinOffset", min_phys.to_string());
    put_kv("commitLogMaxOffset", max_phys.to_string());
    // rmq's own: replication. On a master, the connected slaves and the offset the furthest
    // one acknowledged; on a slave, the master it replicates from.
    put_kv("rmqHaRole", broker.role().to_string());
    if broker.role().is_master() {
        let acked = broker.ha.acked_offset();
        put_kv("rmqHaSlaveCount", broker.ha.connected_slaves().to_string());
        put_kv("rmqHaSlaveAckOffset", acked.to_string());
        put_kv(
            "rmqHaSlaveBehindBytes",
            if broker.ha.connected_slaves() > 0 {
                (max_phys - acked).max(0).to_string()
            } else {
                "-1".into()
            },
        );
        // Per slave, by its HA connection (the HA protocol does not tell the slave's broker
        // address): acknowledged offset, bytes behind, and how old the oldest message it
        // lacks is (-1 when its offset is not at a message start).
        for s in broker.ha.slaves() {
            let behind_ms = if s.acked_offset >= max_phys {
                0
            } else {
                broker
                    .store
                    .store_time_at_phys(s.acked_offset.max(min_phys))
                    .map_or(-1, |t| (now_ms() - t).max(0))
            };
            put_kv(
                &format!("rmqHaSlaveAckOffset_{}", s.addr),
                s.acked_offset.to_string(),
            );
            put_kv(
                &format!("rmqHaSlaveBehindBytes_{}", s.addr),
                (max_phys - s.acked_offset.max(0)).max(0).to_string(),
            );
            put_kv(
                &format!("rmqHaSlaveBehindMillis_{}", s.addr),
                behind_ms.to_string(),
            );
        }
    } else {
        put_kv(
            "rmqHaMasterAddr",
            broker.ha.master_address().unwrap_or_default(),
        );
    }
    if let Some(change) = broker.last_role_change() {
        put_kv("rmqRoleChangedFrom", change.previous_role);
        put_kv(
            "rmqRoleChangedAtOffset",
            change.commit_log_max_offset.to_string(),
        );
    }
    Ok(success(req).with_body(KVTable { table: t }.to_json()))
}

/// Runs retention now on a blocking thread: `force` deletes every CommitLog file that is
/// fully dispatched and flushed (TRIGGER_DELETE_FILES), otherwise only files older than
/// `fileReservedTime` go (DELETE_EXPIRED_COMMITLOG, Java's manual delete).
pub(super) async fn delete_files(broker: &Broker, req: &RemotingCommand, force: bool) -> Outcome {
    tracing::warn!(force, "invoke deleteExpiredCommitLog start");
    let store = broker.store.clone();
    let deleted = run_blocking(move || store.clean_expired(force))
        .await?
        .map_err(|e| Failure::system(e.to_string()))?;
    tracing::warn!(deleted, "invoke deleteExpiredCommitLog end");
    Ok(success(req))
}

/// CLEAN_EXPIRED_CONSUMEQUEUE (Java `cleanExpiredConsumeQueue`): deletes the ConsumeQueues
/// whose messages are all gone from the CommitLog; always SUCCESS, as in Java (a store error
/// is answered SYSTEM_ERROR, where Java would only log it).
pub(super) async fn clean_expired_consume_queue(broker: &Broker, req: &RemotingCommand) -> Outcome {
    tracing::warn!("invoke cleanExpiredConsumeQueue start.");
    let store = broker.store.clone();
    let removed = run_blocking(move || store.clean_expired_consume_queues())
        .await?
        .map_err(|e| Failure::system(e.to_string()))?;
    for (topic, queue_id) in &removed {
        tracing::info!(topic = %topic, queue_id, "cleanExpiredConsumerQueue: queue removed");
    }
    tracing::warn!(
        removed = removed.len(),
        "invoke cleanExpiredConsumeQueue end."
    );
    Ok(success(req))
}

/// Java's `Double.toString` (`String.valueOf(double)`): always a fraction digit, and
/// scientific notation (`1.0E7`) outside `[1e-3, 1e7)`.
fn java_double(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let a = v.abs();
    if a == 0.0 || (1e-3..1e7).contains(&a) {
        let s = v.to_string();
        return if s.contains('.') { s } else { s + ".0" };
    }
    let s = format!("{v:e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    if mantissa.contains('.') {
        format!("{mantissa}E{exp}")
    } else {
        format!("{mantissa}.0E{exp}")
    }
}

/// Java's `MixAll.humanReadableByteCount(bytes, false)`: `512 B`, `1.5 KiB`, `2.0 GiB`.
fn human_readable_bytes(bytes: i64) -> String {
    const UNIT: f64 = 1024.0;
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let b = bytes as f64;
    let exp = (b.ln() / UNIT.ln()) as i32;
    let prefix = ['K', 'M', 'G', 'T', 'P', 'E'][(exp - 1).clamp(0, 5) as usize];
    format!("{:.1} {prefix}iB", b / UNIT.powi(exp))
}

/// Java's `StoreStatsService.getFormatRuntime`.
fn format_runtime(elapsed_ms: i64) -> String {
    let t = elapsed_ms.max(0);
    let (second, minute, hour, day) = (1000, 60_000, 3_600_000, 86_400_000);
    format!(
        "[ {} days, {} hours, {} minutes, {} seconds ]",
        t / day,
        (t % day) / hour,
        (t % hour) / minute,
        (t % minute) / second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_doubles() {
        assert_eq!(java_double(0.0), "0.0");
        assert_eq!(java_double(12.0), "12.0");
        assert_eq!(java_double(0.5311), "0.5311");
        assert_eq!(java_double(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(1.25e-5), "1.25E-5");
        assert_eq!(java_double(-1.0), "-1.0");
    }

    #[test]
    fn byte_counts_and_runtime() {
        assert_eq!(human_readable_bytes(0), "0 B");
        assert_eq!(human_readable_bytes(1023), "1023 B");
        assert_eq!(human_readable_bytes(1536), "1.5 KiB");
        assert_eq!(human_readable_bytes(10 * 1024 * 1024 * 1024), "10.0 GiB");
        assert_eq!(
            format_runtime(86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4_500),
            "[ 1 days, 2 hours, 3 minutes, 4 seconds ]"
        );
    }
}
