//! The broker's config and runtime figures: GET_BROKER_CONFIG (26), UPDATE_BROKER_CONFIG (25,
//! persisted into the broker's `-c` file), GET_BROKER_RUNTIME_INFO (28), and the manual
//! retention triggers TRIGGER_DELETE_FILES (27) and DELETE_EXPIRED_COMMITLOG (329).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{ok, ok_with_body, AdminState, Sample};
use crate::broker::controller::Broker;
use crate::broker::send::error;
use crate::common::clock::now_ms;
use crate::common::fs::{write_atomically, Backup};
use crate::common::host::{disk_usage, fs_capacity};
use crate::common::names::RMQ_SYS_SCHEDULE_TOPIC as SCHEDULE_TOPIC;
use crate::config::{
    apply_broker_properties, broker_to_properties, ConfigWarning, MessageStoreConfig, Properties,
};
use crate::net::Connection;
use crate::protocol::body::KVTable;
use crate::protocol::header::GetBrokerConfigResponseHeader;
use crate::protocol::{CommandHeader, RemotingCommand, ResponseCode};

/// Keys UPDATE_BROKER_CONFIG always refuses, whatever `configBlackList` says (4.9.8's
/// `initConfigBlackList`).
const ALWAYS_BLACKLISTED: [&str; 3] = ["brokerConfigPath", "rocketmqHome", "configBlackList"];

/// The TPS windows Java reports, in seconds (`"<10 s> <1 min> <10 min>"`).
const TPS_WINDOWS: [u64; 3] = [10, 60, 600];

impl Broker {
    /// The effective config as properties text (`key=value` lines, unescaped, as Java's
    /// `MixAll.properties2String`), with the config's data version in the `version` header.
    pub(super) fn get_broker_config(&self, req: &RemotingCommand) -> RemotingCommand {
        let mut props = broker_to_properties(&self.cfg(), &self.store_config);
        // `-p` (or `listenPort=0`) binds a port other than the configured one; report the port
        // clients actually reach.
        props.set("listenPort", self.store_host.port().to_string());
        let body = props.to_plain_string();
        let version = {
            let state = self.admin_state();
            let v = state
                .config_version
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .to_json();
            String::from_utf8_lossy(&v).into_owned()
        };
        ok_with_body(req, body.into_bytes())
            .with_ext_fields(GetBrokerConfigResponseHeader { version }.to_ext_fields())
    }

    /// Applies properties text to the live broker config and writes the changed keys into
    /// the broker's config file. Keys in the black list are refused with NO_PERMISSION.
    ///
    /// Store settings (MessageStoreConfig) are fixed while the store runs: they are accepted
    /// into the file and take effect at the next start, which the log and the remark say.
    pub(super) async fn update_broker_config(
        &self,
        conn: &Connection,
        req: &RemotingCommand,
    ) -> RemotingCommand {
        let state = self.admin_state();
        let _serialised = state.config_update.lock().await;
        tracing::info!(peer = %conn.peer_addr(), "updateBrokerConfig");
        if req.body.is_empty() {
            return ok(req);
        }
        let text = String::from_utf8_lossy(&req.body);
        let Ok(props) = Properties::parse(&text) else {
            return error(req, ResponseCode::SYSTEM_ERROR, "string2Properties error");
        };
        let black_list = self.cfg().config_black_list;
        let refused = props.iter().any(|(key, _)| {
            ALWAYS_BLACKLISTED.contains(&key) || black_list.split(';').any(|b| b == key)
        });
        if refused {
            return error(
                req,
                ResponseCode::NO_PERMISSION,
                "Can not update config in black list.",
            );
        }

        let mut store = self.store_config.clone();
        let applied = {
            let mut live = self.config.write().unwrap_or_else(|p| p.into_inner());
            apply_broker_properties(&mut live, &mut store, &props)
        };
        let warnings = match applied {
            Ok(w) => w,
            Err(e) => return error(req, ResponseCode::SYSTEM_ERROR, e.to_string()),
        };
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
        state
            .config_version
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .next_version();

        let store_keys = MessageStoreConfig::known_keys();
        let restart_keys: Vec<&str> = if store == self.store_config {
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
            self.metadata.topics.bump_version();
            self.register_now.notify_one();
        }

        let updates: Vec<(String, String)> = props
            .iter()
            .filter(|(k, _)| !unknown.contains(*k))
            .map(|(k, v)| (k.to_string(), v.trim().to_string()))
            .collect();
        match self.config_file.clone() {
            Some(path) if !updates.is_empty() => {
                let written = tokio::task::spawn_blocking(move || {
                    rewrite_properties_file(&path, &updates).map_err(|e| (path, e))
                })
                .await;
                match written {
                    Ok(Ok(())) => {}
                    Ok(Err((path, e))) => {
                        tracing::error!(
                            "persisting broker config to {} failed: {e}",
                            path.display()
                        );
                        return error(
                            req,
                            ResponseCode::SYSTEM_ERROR,
                            format!(
                                "config updated in memory, but writing {} failed: {e}",
                                path.display()
                            ),
                        );
                    }
                    Err(e) => return error(req, ResponseCode::SYSTEM_ERROR, e.to_string()),
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
            ok(req)
        } else {
            ok(req).with_remark(notes.join("; "))
        }
    }

    /// The KVTable mqadmin brokerStatus prints and clusterList reads (version, message
    /// totals, TPS, disk ratios, offsets), with Java's key names and value formats.
    pub(super) fn get_broker_runtime_info(&self, req: &RemotingCommand) -> RemotingCommand {
        let cfg = self.cfg();
        let put = self.stats.put_messages.load(Ordering::Relaxed);
        let put_bytes = self.stats.put_bytes.load(Ordering::Relaxed);
        let get = self.stats.get_messages.load(Ordering::Relaxed);
        let (put_tps, get_tps) = self.tps(&self.admin_state(), put, get);
        let commitlog = self.store.commitlog();
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
            human_readable_bytes((max_phys - self.store.flushed_offset()).max(0)),
        );
        let root = &self.store_config.store_path_root_dir;
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
        put_kv("bootTimestamp", self.boot_timestamp.to_string());
        put_kv("runtime", format_runtime(now_ms() - self.boot_timestamp));
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
        let flush = self.store.flush_stats();
        put_kv("rmqCommitLogFlushTimes", flush.count.to_string());
        put_kv(
            "rmqCommitLogFlushAvgMicros",
            java_double(flush.nanos as f64 / 1000.0 / flush.count.max(1) as f64),
        );
        put_kv("putLatency99", "0.00".into());
        put_kv("putLatency999", "0.00".into());
        let commitlog_dir = self.store_config.commit_log_dir();
        let cl_ratio = java_double(disk_usage(&commitlog_dir).unwrap_or(-1.0));
        put_kv(
            &format!("commitLogDiskRatio_{}", commitlog_dir.display()),
            cl_ratio.clone(),
        );
        put_kv("commitLogDiskRatio", cl_ratio);
        put_kv(
            "consumeQueueDiskRatio",
            java_double(disk_usage(&self.store_config.consume_queue_dir()).unwrap_or(-1.0)),
        );
        // ScheduleMessageService.buildRunningStats: "<delay offset>,<queue max>" per level.
        for (level, offset) in self.metadata.delay_offsets.all() {
            let max = self.store.max_offset(SCHEDULE_TOPIC, level - 1);
            put_kv(
                &format!("scheduleMessageOffset_{level}"),
                format!("{offset},{max}"),
            );
        }
        put_kv("commitLogMinOffset", min_phys.to_string());
        put_kv("commitLogMaxOffset", max_phys.to_string());
        ok_with_body(req, KVTable { table: t }.to_json())
    }

    /// Put and get rates as Java's `"<10 s> <1 min> <10 min>"` strings. Samples are taken
    /// when runtime info is asked for (at most one a second); a window uses the newest sample
    /// at least that old, or the broker's start, when every counter was 0.
    fn tps(&self, state: &AdminState, put: u64, get: u64) -> (String, String) {
        let now = Instant::now();
        let mut samples = state.samples.lock().unwrap_or_else(|p| p.into_inner());
        let boot = Sample {
            at: self.started_at,
            put: 0,
            get: 0,
        };
        let mut put_rates = Vec::new();
        let mut get_rates = Vec::new();
        for window in TPS_WINDOWS {
            let base = now
                .checked_sub(Duration::from_secs(window))
                .and_then(|cutoff| samples.iter().rev().find(|s| s.at <= cutoff).copied())
                .unwrap_or(boot);
            let millis = now.duration_since(base.at).as_millis().max(1) as f64;
            put_rates.push(java_double(
                put.saturating_sub(base.put) as f64 * 1000.0 / millis,
            ));
            get_rates.push(java_double(
                get.saturating_sub(base.get) as f64 * 1000.0 / millis,
            ));
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
        (put_rates.join(" "), get_rates.join(" "))
    }

    /// Runs retention now on a blocking thread: `force` deletes every CommitLog file that is
    /// fully dispatched and flushed (TRIGGER_DELETE_FILES), otherwise only files older than
    /// `fileReservedTime` go (DELETE_EXPIRED_COMMITLOG, Java's manual delete).
    pub(super) async fn delete_files(&self, req: &RemotingCommand, force: bool) -> RemotingCommand {
        tracing::warn!(force, "invoke deleteExpiredCommitLog start");
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || store.clean_expired(force)).await {
            Ok(Ok(deleted)) => {
                tracing::warn!(deleted, "invoke deleteExpiredCommitLog end");
                ok(req)
            }
            Ok(Err(e)) => error(req, ResponseCode::SYSTEM_ERROR, e.to_string()),
            Err(e) => error(req, ResponseCode::SYSTEM_ERROR, e.to_string()),
        }
    }
}

/// Java's `Double.toString` (`String.valueOf(double)`): always a fraction digit, and
/// scientific notation (`1.0E7`) outside `[1e-3, 1e7)`.
pub(super) fn java_double(v: f64) -> String {
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
pub(super) fn human_readable_bytes(bytes: i64) -> String {
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
pub(super) fn format_runtime(elapsed_ms: i64) -> String {
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

/// One `key=value` line that reads back as exactly this key and value: plain when that
/// works (as Java writes broker configs), escaped otherwise.
fn property_line(key: &str, value: &str) -> String {
    let plain = format!("{key}={value}");
    let reads_back =
        Properties::parse(&plain).is_ok_and(|p| p.len() == 1 && p.get(key) == Some(value));
    if reads_back {
        return plain;
    }
    let mut one = Properties::new();
    one.set(key, value);
    one.to_properties_string()
        .trim_end_matches('\n')
        .to_string()
}

/// Rewrites a properties file with `updates` applied: each line (or continued logical line)
/// defining an updated key is replaced by `key=value`, keys the file lacks are appended, and
/// every other line (comments, blank lines, other keys) stays as it was. The new file is
/// written next to the old one and renamed over it, so a crash leaves one or the other.
pub(super) fn rewrite_properties_file(
    path: &Path,
    updates: &[(String, String)],
) -> std::io::Result<()> {
    let old = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let text = apply_updates(&old, updates);
    write_atomically(path, text.as_bytes(), Backup::Skip).map_err(std::io::Error::other)
}

/// The text of a properties file with `updates` applied (see [`rewrite_properties_file`]).
fn apply_updates(old: &str, updates: &[(String, String)]) -> String {
    let newline = if old.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = old.split_inclusive('\n').collect();
    let wanted: BTreeMap<&str, &str> = updates
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = String::with_capacity(old.len() + 64);
    let mut i = 0;
    while i < lines.len() {
        // A logical line: this physical line plus the ones a trailing odd run of backslashes
        // continues onto (comments never continue).
        let first = lines[i];
        let trimmed = first.trim_start_matches([' ', '\t', '\u{c}']);
        let mut end = i;
        if !(trimmed.starts_with('#') || trimmed.starts_with('!')) {
            while end + 1 < lines.len() && continues(lines[end]) {
                end += 1;
            }
        }
        let logical: String = lines[i..=end].concat();
        let key = Properties::parse(&logical)
            .ok()
            .and_then(|p| p.iter().next().map(|(k, _)| k.to_string()));
        match key.as_deref().and_then(|k| wanted.get_key_value(k)) {
            Some((k, v)) => {
                out.push_str(&property_line(k, v));
                out.push_str(newline);
                seen.insert(*k);
            }
            None => out.push_str(&logical),
        }
        i = end + 1;
    }
    let missing: Vec<&str> = updates
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !seen.contains(k))
        .collect();
    if !missing.is_empty() && !out.is_empty() && !out.ends_with('\n') {
        out.push_str(newline);
    }
    let mut appended = BTreeSet::new();
    for k in missing {
        // A key given twice is written once, with its last value.
        if appended.insert(k) {
            out.push_str(&property_line(k, wanted[k]));
            out.push_str(newline);
        }
    }
    out
}

/// Whether a physical line ends with an odd number of backslashes (Java's continuation).
fn continues(line: &str) -> bool {
    let body = line.trim_end_matches(['\n', '\r']);
    body.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
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

    #[test]
    fn updates_keep_comments_other_keys_and_continuations() {
        let old = "# broker-a\nbrokerName=broker-a\nflushConsumerOffsetInterval = 5000\n\
                   namesrvAddr=a:9876;\\\n    b:9876\n! other comment\nlistenPort=10911";
        let new = apply_updates(
            old,
            &[
                ("flushConsumerOffsetInterval".into(), "6000".into()),
                ("namesrvAddr".into(), "c:9876".into()),
                ("deleteWhen".into(), "04".into()),
            ],
        );
        assert_eq!(
            new,
            "# broker-a\nbrokerName=broker-a\nflushConsumerOffsetInterval=6000\n\
             namesrvAddr=c:9876\n! other comment\nlistenPort=10911\ndeleteWhen=04\n"
        );
        let p = Properties::parse(&new).unwrap();
        assert_eq!(p.get("namesrvAddr"), Some("c:9876"));
        assert_eq!(p.get("listenPort"), Some("10911"));
        // A value that needs escaping is escaped; CRLF files stay CRLF.
        let crlf = apply_updates("a=1\r\n", &[("b".into(), " x".into())]);
        assert_eq!(crlf, "a=1\r\nb=\\ x\r\n");
        assert_eq!(Properties::parse(&crlf).unwrap().get("b"), Some(" x"));
        assert_eq!(apply_updates("", &[("k".into(), "v".into())]), "k=v\n");
    }

    #[test]
    fn rewrite_is_atomic_and_creates_missing_files() {
        let dir = std::env::temp_dir().join(format!("rmq-admin-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("broker.properties");
        std::fs::write(&path, "brokerName=b\n").unwrap();
        rewrite_properties_file(&path, &[("brokerPermission".into(), "4".into())]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "brokerName=b\nbrokerPermission=4\n"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty());
        let fresh = dir.join("fresh.properties");
        rewrite_properties_file(&fresh, &[("k".into(), "v".into())]).unwrap();
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "k=v\n");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
