//! Turning [`Properties`] into typed configs, the way Java's NamesrvStartup / BrokerStartup do:
//! defaults first, then every key of the file applied to every config object that knows it, then
//! the startup rules that tie keys together.

use std::collections::HashMap;
use std::path::Path;

use super::broker::BrokerConfig;
use super::error::{at_line, ConfigError, ConfigWarning};
use super::namesrv::NamesrvConfig;
use super::properties::Properties;
use super::store::{BrokerRole, MessageStoreConfig};
use super::table::ConfigTable;

/// Java's `String.trim`: strips every character up to and including the space.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Applies every key of `props` through `apply`, turning parse failures into errors and unknown
/// keys and conflicting spellings into warnings.
fn apply_each(
    props: &Properties,
    mut apply: impl FnMut(&str, &str) -> Result<bool, String>,
    canonical: impl Fn(&str) -> Option<&'static str>,
) -> Result<Vec<ConfigWarning>, ConfigError> {
    let mut entries: Vec<(&str, &str, Option<usize>)> = props.iter_with_lines().collect();
    // File order, so that of two spellings of one setting the later line wins (keys added
    // without a line count as last). The sort is stable, so ties keep insertion order.
    entries.sort_by_key(|&(_, _, line)| line.unwrap_or(usize::MAX));

    let mut warnings = Vec::new();
    let mut seen: HashMap<&'static str, (&str, Option<usize>)> = HashMap::new();
    for (key, value, line) in entries {
        let value = java_trim(value);
        let known = apply(key, value).map_err(|expected| ConfigError::InvalidValue {
            key: key.to_string(),
            value: value.to_string(),
            line,
            expected,
        })?;
        if !known {
            warnings.push(ConfigWarning::UnknownKey {
                key: key.to_string(),
                line,
            });
            continue;
        }
        if let Some(canonical) = canonical(key) {
            if let Some((earlier_key, earlier_line)) = seen.insert(canonical, (key, line)) {
                warnings.push(ConfigWarning::AliasConflict {
                    used_key: key.to_string(),
                    used_line: line,
                    ignored_key: earlier_key.to_string(),
                    ignored_line: earlier_line,
                });
            }
        }
    }
    Ok(warnings)
}

/// Applies `props` on top of existing broker configs (UPDATE_BROKER_CONFIG, or a file over the
/// defaults). All-or-nothing: on error neither config is changed. No startup rules are applied.
///
/// # Errors
/// [`ConfigError::InvalidValue`] for the first value that does not parse or is out of range.
pub fn apply_broker_properties(
    broker: &mut BrokerConfig,
    store: &mut MessageStoreConfig,
    props: &Properties,
) -> Result<Vec<ConfigWarning>, ConfigError> {
    let mut new_broker = broker.clone();
    let mut new_store = store.clone();
    let warnings = apply_each(
        props,
        |key, value| {
            // Both objects see every key, as in Java (no key is in both today).
            let in_broker = new_broker.apply(key, value)?;
            let in_store = new_store.apply(key, value)?;
            Ok(in_broker || in_store)
        },
        |key| BrokerConfig::canonical_key(key).or_else(|| MessageStoreConfig::canonical_key(key)),
    )?;
    *broker = new_broker;
    *store = new_store;
    Ok(warnings)
}

/// Builds the broker configs from a broker config file's properties: Java's defaults, then the
/// file, then BrokerStartup's rules:
/// - `haListenPort` = `listenPort` + 1 unless the file sets it (4.9.8 always overrides it; 5.x
///   and rmq honour an explicit value). With `listenPort=0` (any free port) it stays 0.
/// - A master (ASYNC_MASTER / SYNC_MASTER) always has `brokerId` 0; another id is replaced, with
///   a warning. A SLAVE needs `brokerId` > 0.
///
/// `namesrvAddr` is not taken from the environment here; see
/// [`BrokerConfig::apply_namesrv_addr_env`].
///
/// # Errors
/// [`ConfigError::InvalidValue`] for a bad value, [`ConfigError::Inconsistent`] for a SLAVE
/// without a positive `brokerId` or a `listenPort` that leaves no room for `haListenPort`.
pub fn load_broker(
    props: &Properties,
) -> Result<(BrokerConfig, MessageStoreConfig, Vec<ConfigWarning>), ConfigError> {
    let mut broker = BrokerConfig::default();
    let mut store = MessageStoreConfig::default();
    let mut warnings = apply_broker_properties(&mut broker, &mut store, props)?;

    if !props.contains_key("haListenPort") {
        let listen = broker.server.listen_port;
        store.ha_listen_port = if listen == 0 { 0 } else { listen + 1 };
        if store.ha_listen_port > 65535 {
            return Err(ConfigError::Inconsistent(format!(
                "listenPort {listen}{} leaves no port for haListenPort (listenPort + 1); \
                 set haListenPort explicitly",
                at_line(props.line("listenPort"))
            )));
        }
    }

    match store.broker_role {
        BrokerRole::AsyncMaster | BrokerRole::SyncMaster => {
            if broker.broker_id != 0 {
                warnings.push(ConfigWarning::Adjusted {
                    key: "brokerId".to_string(),
                    from: broker.broker_id.to_string(),
                    to: "0".to_string(),
                    reason:
                        "a master (brokerRole ASYNC_MASTER or SYNC_MASTER) always has brokerId 0",
                });
                broker.broker_id = 0;
            }
        }
        BrokerRole::Slave => {
            if broker.broker_id <= 0 {
                return Err(ConfigError::Inconsistent(format!(
                    "brokerRole SLAVE{} needs brokerId > 0, but brokerId is {}{}",
                    at_line(props.line("brokerRole")),
                    broker.broker_id,
                    at_line(props.line("brokerId"))
                )));
            }
        }
    }
    Ok((broker, store, warnings))
}

/// [`load_broker`] on a file; every error names the file.
///
/// # Errors
/// As [`load_broker`], plus [`ConfigError::Io`] when the file cannot be read.
pub fn load_broker_file(
    path: impl AsRef<Path>,
) -> Result<(BrokerConfig, MessageStoreConfig, Vec<ConfigWarning>), ConfigError> {
    let path = path.as_ref();
    let props = Properties::from_file(path)?;
    load_broker(&props).map_err(|err| err.in_file(path))
}

/// The effective broker config as one [`Properties`] (BrokerConfig, NettyServerConfig,
/// NettyClientConfig, MessageStoreConfig), as Java's `Configuration.getAllConfigs` returns it
/// for GET_BROKER_CONFIG and for persisting UPDATE_BROKER_CONFIG.
pub fn broker_to_properties(broker: &BrokerConfig, store: &MessageStoreConfig) -> Properties {
    let mut props = broker.to_properties();
    props.extend_from(&store.to_properties());
    props
}

/// Applies `props` on top of an existing name server config (UPDATE_NAMESRV_CONFIG, or a file
/// over the defaults). All-or-nothing: on error the config is unchanged.
///
/// # Errors
/// [`ConfigError::InvalidValue`] for the first value that does not parse or is out of range.
pub fn apply_namesrv_properties(
    config: &mut NamesrvConfig,
    props: &Properties,
) -> Result<Vec<ConfigWarning>, ConfigError> {
    let mut new_config = config.clone();
    let warnings = apply_each(
        props,
        |key, value| new_config.apply(key, value),
        NamesrvConfig::canonical_key,
    )?;
    *config = new_config;
    Ok(warnings)
}

/// Builds the name server config from its config file's properties (defaults, then the file).
///
/// # Errors
/// [`ConfigError::InvalidValue`] for a bad value.
pub fn load_namesrv(
    props: &Properties,
) -> Result<(NamesrvConfig, Vec<ConfigWarning>), ConfigError> {
    let mut config = NamesrvConfig::default();
    let warnings = apply_namesrv_properties(&mut config, props)?;
    Ok((config, warnings))
}

/// [`load_namesrv`] on a file; every error names the file.
///
/// # Errors
/// As [`load_namesrv`], plus [`ConfigError::Io`] when the file cannot be read.
pub fn load_namesrv_file(
    path: impl AsRef<Path>,
) -> Result<(NamesrvConfig, Vec<ConfigWarning>), ConfigError> {
    let path = path.as_ref();
    let props = Properties::from_file(path)?;
    load_namesrv(&props).map_err(|err| err.in_file(path))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::common::host::{local_host_name, local_ipv4, user_home};
    use crate::config::FlushDiskType;

    fn broker(text: &str) -> (BrokerConfig, MessageStoreConfig, Vec<ConfigWarning>) {
        load_broker(&Properties::parse(text).expect("parse")).expect("load")
    }

    fn broker_err(text: &str) -> String {
        load_broker(&Properties::parse(text).expect("parse"))
            .expect_err("should fail")
            .to_string()
    }

    #[test]
    fn defaults_when_file_is_empty() {
        let (b, s, w) = broker("");
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(b.broker_cluster_name, "DefaultCluster");
        assert_eq!(b.broker_name, local_host_name());
        assert_eq!(b.broker_id, 0);
        assert_eq!(b.broker_ip1, local_ipv4().to_string());
        assert_eq!(b.broker_ip2, local_ipv4().to_string());
        assert_eq!(b.broker_permission, 6);
        assert_eq!(b.namesrv_addr, None);
        assert_eq!(b.listen_port(), 10911);
        assert_eq!(b.default_topic_queue_nums, 8);
        assert!(b.auto_create_topic_enable);
        assert!(b.auto_create_subscription_group);
        assert!(b.cluster_topic_enable && b.broker_topic_enable);
        assert!(!b.enable_property_filter);
        assert!(b.long_polling_enable);
        assert_eq!(b.short_polling_time_mills, 1000);
        assert!(b.notify_consumer_ids_changed_enable);
        assert_eq!(b.register_name_server_period, 30_000);
        assert_eq!(b.flush_consumer_offset_interval, 5000);
        assert_eq!(b.region_id, "DefaultRegion");
        assert!(b.trace_on);
        assert_eq!(b.transaction_time_out, 6000);
        assert_eq!(b.transaction_check_max, 15);
        assert_eq!(b.transaction_check_interval, 60_000);
        assert!(!b.slave_read_enable);
        assert_eq!(b.server.server_worker_threads, 8);
        assert_eq!(b.server.server_channel_max_idle_time_seconds, 120);
        assert_eq!(b.client.connect_timeout_millis, 3000);

        assert_eq!(s.store_path_root_dir, user_home().join("store"));
        assert_eq!(
            s.commit_log_dir(),
            user_home().join("store").join("commitlog")
        );
        assert_eq!(s.index_dir(), user_home().join("store").join("index"));
        assert_eq!(s.mapped_file_size_commit_log, 1_073_741_824);
        assert_eq!(s.mapped_file_size_consume_queue, 6_000_000);
        assert_eq!(s.consume_queue_file_size(), 6_000_000);
        assert_eq!(s.flush_interval_commit_log, 500);
        assert_eq!(s.flush_commit_log_least_pages, 4);
        assert_eq!(s.flush_commit_log_thorough_interval, 10_000);
        assert_eq!(s.flush_interval_consume_queue, 1000);
        assert_eq!(s.delete_when, [4]);
        assert_eq!(s.file_reserved_time, 72);
        assert_eq!(s.disk_max_used_space_ratio, 75);
        assert_eq!(s.clean_resource_interval, 10_000);
        assert_eq!(s.max_message_size, 4_194_304);
        assert!(s.check_crc_on_recover);
        assert_eq!(s.max_transfer_bytes_on_message_in_memory, 262_144);
        assert_eq!(s.max_transfer_count_on_message_in_memory, 32);
        assert_eq!(s.max_transfer_bytes_on_message_in_disk, 65_536);
        assert_eq!(s.max_transfer_count_on_message_in_disk, 8);
        assert_eq!(s.access_message_in_memory_max_ratio, 40);
        assert!(s.message_index_enable);
        assert_eq!(s.max_hash_slot_num, 5_000_000);
        assert_eq!(s.max_index_num, 20_000_000);
        assert_eq!(s.max_msgs_num_batch, 64);
        assert_eq!(s.default_query_max_num, 32);
        assert_eq!(s.ha_listen_port, 10912);
        assert_eq!(s.broker_role, BrokerRole::AsyncMaster);
        assert_eq!(s.flush_disk_type, FlushDiskType::AsyncFlush);
        assert_eq!(s.sync_flush_timeout, 5000);
        assert_eq!(s.max_delay_level(), 18);
        assert_eq!(s.delay_of_level(1), Some(Duration::from_secs(1)));
        assert_eq!(s.delay_of_level(18), Some(Duration::from_secs(7200)));
        assert_eq!(s.delay_of_level(0), None);
        assert_eq!(s.delay_of_level(19), None);
        assert_eq!(s.flush_delay_offset_interval, 10_000);
        assert!(!s.warm_maped_file_enable);
        assert!(!s.transient_store_pool_enable);
        assert_eq!(s.os_page_cache_busy_time_out_mills, 1000);
    }

    #[test]
    fn every_seed_key() {
        let text = "\
brokerClusterName=ProdCluster
brokerName=broker-x
brokerId=2
brokerIP1=10.0.0.5
brokerRole=SLAVE
namesrvAddr=a:9876;b:9876
listenPort=20911
deleteWhen=01;13
fileReservedTime=48
flushDiskType=SYNC_FLUSH
syncFlushTimeout=7000
mapedFileSizeCommitLog=104857600
mappedFileSizeConsumeQueue=600000
storePathRootDir=/data/rmq
storePathCommitLog=/fast/commitlog
storePathIndex=${user.home}/idx
diskMaxUsedSpaceRatio=88
maxMessageSize=1048576
autoCreateTopicEnable=false
defaultTopicQueueNums=4
autoCreateSubscriptionGroup=FALSE
enablePropertyFilter=true
longPollingEnable=false
messageDelayLevel=1s 1m 1h 1d
";
        let (b, s, w) = broker(text);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(b.broker_cluster_name, "ProdCluster");
        assert_eq!(b.broker_name, "broker-x");
        assert_eq!(b.broker_id, 2);
        assert_eq!(b.broker_ip1, "10.0.0.5");
        // brokerIP2 does not follow brokerIP1.
        assert_eq!(b.broker_ip2, local_ipv4().to_string());
        assert_eq!(s.broker_role, BrokerRole::Slave);
        assert_eq!(b.namesrv_addrs(), ["a:9876", "b:9876"]);
        assert_eq!(b.listen_port(), 20911);
        assert_eq!(s.ha_listen_port, 20912);
        assert_eq!(b.broker_addr(), "10.0.0.5:20911");
        assert_eq!(s.delete_when, [1, 13]);
        assert_eq!(s.file_reserved_time, 48);
        assert_eq!(s.file_reserved_duration(), Duration::from_secs(48 * 3600));
        assert_eq!(s.flush_disk_type, FlushDiskType::SyncFlush);
        assert_eq!(s.sync_flush_timeout, 7000);
        assert_eq!(s.mapped_file_size_commit_log, 104_857_600);
        assert_eq!(s.mapped_file_size_consume_queue, 600_000);
        assert_eq!(s.store_path_root_dir, PathBuf::from("/data/rmq"));
        assert_eq!(s.commit_log_dir(), PathBuf::from("/fast/commitlog"));
        assert_eq!(s.index_dir(), user_home().join("idx"));
        assert_eq!(
            s.consume_queue_dir(),
            PathBuf::from("/data/rmq/consumequeue")
        );
        assert_eq!(s.disk_max_used_space_ratio, 88);
        assert_eq!(s.max_message_size, 1_048_576);
        assert!(!b.auto_create_topic_enable);
        assert_eq!(b.default_topic_queue_nums, 4);
        assert!(!b.auto_create_subscription_group);
        assert!(b.enable_property_filter);
        assert!(!b.long_polling_enable);
        assert_eq!(
            s.message_delay_level,
            [1, 60, 3600, 86_400].map(Duration::from_secs)
        );
    }

    #[test]
    fn store_path_root_dir_expands_user_home() {
        let (_, s, _) = broker("storePathRootDir=${user.home}/store\n");
        assert_eq!(
            s.store_path_root_dir,
            MessageStoreConfig::default().store_path_root_dir
        );
        assert_eq!(
            s.commit_log_dir(),
            user_home().join("store").join("commitlog")
        );
        let (_, s, _) = broker("storePathRootDir=/r\nstorePathCommitLog=\n");
        // An empty optional path means "derive it from the root".
        assert_eq!(s.commit_log_dir(), PathBuf::from("/r/commitlog"));
        assert!(broker_err("storePathRootDir=").contains("path"));
    }

    #[test]
    fn both_spellings_of_mapped_file_sizes() {
        let (_, s, w) = broker("mappedFileSizeCommitLog=2048\nmapedFileSizeConsumeQueue=400\n");
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(s.mapped_file_size_commit_log, 2048);
        assert_eq!(s.mapped_file_size_consume_queue, 400);

        let (_, s, _) = broker("mapedFileSizeCommitLog=4096\nmappedFileSizeConsumeQueue=410\n");
        assert_eq!(s.mapped_file_size_commit_log, 4096);
        assert_eq!(s.mapped_file_size_consume_queue, 410);
        // Rounded up to whole 20-byte units, like Java's getter.
        assert_eq!(s.consume_queue_file_size(), 420);

        // Both spellings: the later line wins and the earlier one is reported.
        let (_, s, w) = broker("mappedFileSizeCommitLog=1000\nmapedFileSizeCommitLog=3000\n");
        assert_eq!(s.mapped_file_size_commit_log, 3000);
        assert_eq!(w.len(), 1);
        assert_eq!(
            w[0].to_string(),
            "key 'mappedFileSizeCommitLog' at line 1 is overridden by its other spelling \
             'mapedFileSizeCommitLog' at line 2"
        );
    }

    /// 5.x's Prometheus keys: off unless a port is set; a blank host means brokerIP1.
    #[test]
    fn metrics_exporter_keys() {
        let (b, _, w) = broker("brokerIP1=10.0.0.5\n");
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(b.metrics_listen_addr(), None);
        let (b, _, _) = broker("brokerIP1=10.0.0.5\nmetricsPromExporterPort=5557\n");
        assert_eq!(b.metrics_listen_addr().as_deref(), Some("10.0.0.5:5557"));
        let (b, _, _) = broker("metricsPromExporterPort=5557\nmetricsPromExporterHost=0.0.0.0\n");
        assert_eq!(b.metrics_listen_addr().as_deref(), Some("0.0.0.0:5557"));
        assert!(broker_err("metricsPromExporterPort=70000\n").contains("metricsPromExporterPort"));
    }

    #[test]
    fn unknown_key_is_a_warning_naming_key_and_line() {
        let (b, _, w) = broker("brokerName=a\n\nfoo=bar\n");
        assert_eq!(b.broker_name, "a");
        assert_eq!(
            w,
            [ConfigWarning::UnknownKey {
                key: "foo".into(),
                line: Some(3)
            }]
        );
        assert_eq!(w[0].to_string(), "unknown key 'foo' at line 3 (ignored)");
    }

    #[test]
    fn invalid_value_error_names_key_value_line_and_form() {
        assert_eq!(
            broker_err("# header\nbrokerName=a\n\nlistenPort=abc\n"),
            "invalid value 'abc' for key 'listenPort' at line 4: expected an integer (Java int)"
        );
        assert_eq!(
            broker_err("brokerId=x"),
            "invalid value 'x' for key 'brokerId' at line 1: expected an integer (Java long)"
        );
        assert_eq!(
            broker_err("autoCreateTopicEnable=ture"),
            "invalid value 'ture' for key 'autoCreateTopicEnable' at line 1: expected true or false"
        );
        assert_eq!(
            broker_err("brokerRole=MASTER"),
            "invalid value 'MASTER' for key 'brokerRole' at line 1: \
             expected one of ASYNC_MASTER, SYNC_MASTER, SLAVE"
        );
        assert_eq!(
            broker_err("diskMaxUsedSpaceRatio=101"),
            "invalid value '101' for key 'diskMaxUsedSpaceRatio' at line 1: \
             expected an integer from 1 to 100"
        );
        assert!(broker_err("deleteWhen=25").contains("hours of the day 0-23"));
        assert!(broker_err("flushDiskType=FAST").contains("ASYNC_FLUSH, SYNC_FLUSH"));
        assert!(broker_err("namesrvAddr=a:9876;nope").contains("host:port"));
        assert!(broker_err("messageDelayLevel=1s 5x").contains("s, m, h or d"));
        assert!(broker_err("listenPort=70000").contains("port number"));
        assert!(broker_err("listenPort=2147483648").contains("Java int"));
        assert!(broker_err("maxMessageSize=0").contains("positive"));
    }

    #[test]
    fn values_are_trimmed() {
        let (b, s, _) =
            broker("listenPort = 10000   \nbrokerName=  b1\t\nbrokerRole=sync_master \n");
        assert_eq!(b.listen_port(), 10000);
        assert_eq!(b.broker_name, "b1");
        assert_eq!(s.broker_role, BrokerRole::SyncMaster);
    }

    #[test]
    fn startup_rules() {
        // A master's brokerId is forced to 0, with a warning.
        let (b, _, w) = broker("brokerId=3\nbrokerRole=ASYNC_MASTER\n");
        assert_eq!(b.broker_id, 0);
        assert!(matches!(&w[..], [ConfigWarning::Adjusted { key, .. }] if key == "brokerId"));
        // A slave needs a positive id.
        let msg = broker_err("brokerRole=SLAVE\n");
        assert!(
            msg.contains("SLAVE") && msg.contains("brokerId > 0"),
            "{msg}"
        );
        // An explicit haListenPort is honoured; listenPort 0 keeps HA on a free port too.
        let (_, s, _) = broker("listenPort=20000\nhaListenPort=30000\n");
        assert_eq!(s.ha_listen_port, 30000);
        let (_, s, _) = broker("listenPort=0\n");
        assert_eq!(s.ha_listen_port, 0);
        assert!(broker_err("listenPort=65535\n").contains("haListenPort"));
    }

    #[test]
    fn typical_2m_2s_sync_broker_a() {
        let text = "\
# broker-a master of a two-master, two-slave cluster with synchronous replication
brokerClusterName=DefaultCluster
brokerName=broker-a
brokerId=0
deleteWhen=04
fileReservedTime=48
brokerRole=SYNC_MASTER
flushDiskType=ASYNC_FLUSH
";
        let (b, s, w) = broker(text);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(b.broker_cluster_name, "DefaultCluster");
        assert_eq!(b.broker_name, "broker-a");
        assert_eq!(b.broker_id, 0);
        assert_eq!(s.delete_when, [4]);
        assert_eq!(s.file_reserved_time, 48);
        assert_eq!(s.broker_role, BrokerRole::SyncMaster);
        assert_eq!(s.flush_disk_type, FlushDiskType::AsyncFlush);
    }

    #[test]
    fn namesrv_addr_env_fallback() {
        let (mut b, _, _) = broker("");
        b.apply_namesrv_addr_fallback(Some("x:1;y:2")).expect("env");
        assert_eq!(b.namesrv_addrs(), ["x:1", "y:2"]);
        // A value from the file wins over the environment.
        let (mut b, _, _) = broker("namesrvAddr=f:9876");
        b.apply_namesrv_addr_fallback(Some("x:1")).expect("env");
        assert_eq!(b.namesrv_addrs(), ["f:9876"]);
        let (mut b, _, _) = broker("");
        b.apply_namesrv_addr_fallback(None).expect("none");
        assert!(b.namesrv_addrs().is_empty());
        let err = b.apply_namesrv_addr_fallback(Some("bad")).unwrap_err();
        assert!(err.to_string().contains("NAMESRV_ADDR"), "{err}");
    }

    #[test]
    fn effective_config_round_trips() {
        let (b, s, _) =
            broker("brokerName=rt\nnamesrvAddr=a:1;b:2\ndeleteWhen=03;15\nlistenPort=12000\n");
        let props = broker_to_properties(&b, &s);
        assert_eq!(props.get("brokerName"), Some("rt"));
        assert_eq!(props.get("namesrvAddr"), Some("a:1;b:2"));
        assert_eq!(props.get("deleteWhen"), Some("03;15"));
        assert_eq!(props.get("listenPort"), Some("12000"));
        assert_eq!(props.get("haListenPort"), Some("12001"));
        assert_eq!(props.get("brokerRole"), Some("ASYNC_MASTER"));
        assert_eq!(
            props.get("messageDelayLevel"),
            Some(crate::config::DEFAULT_MESSAGE_DELAY_LEVEL)
        );
        assert_eq!(props.get("mappedFileSizeCommitLog"), Some("1073741824"));
        // Old spellings are accepted but never written; unset optional values are omitted.
        assert_eq!(props.get("mapedFileSizeCommitLog"), None);
        assert_eq!(props.get("storePathCommitLog"), None);
        assert_eq!(props.get("haMasterAddress"), None);

        for text in [props.to_properties_string(), props.to_plain_string()] {
            let reparsed = Properties::parse(&text).expect("reparse");
            let (b2, s2, w2) = load_broker(&reparsed).expect("reload");
            assert!(w2.is_empty(), "{w2:?}");
            assert_eq!(b2, b);
            assert_eq!(s2, s);
        }
    }

    #[test]
    fn every_known_key_is_written_or_optional() {
        let (b, s, _) = broker("");
        let written = broker_to_properties(&b, &s);
        let optional = [
            "rocketmqHome",
            "namesrvAddr",
            "storePathCommitLog",
            "storePathIndex",
            "haMasterAddress",
            "dLegerGroup",
            "dLegerPeers",
            "dLegerSelfId",
            "preferredLeaderId",
            "mapedFileSizeCommitLog",
            "mapedFileSizeConsumeQueue",
        ];
        for key in BrokerConfig::known_keys()
            .into_iter()
            .chain(MessageStoreConfig::known_keys())
        {
            assert!(
                written.contains_key(key) || optional.contains(&key),
                "{key} not written"
            );
        }
    }

    #[test]
    fn update_is_all_or_nothing() {
        let (mut b, mut s, _) = broker("brokerName=keep\n");
        let bad = Properties::parse("brokerName=changed\nmaxMessageSize=oops\n").expect("parse");
        assert!(apply_broker_properties(&mut b, &mut s, &bad).is_err());
        assert_eq!(b.broker_name, "keep");
        let good: Properties = [("maxMessageSize", "1024"), ("brokerPermission", "4")]
            .into_iter()
            .collect();
        let w = apply_broker_properties(&mut b, &mut s, &good).expect("update");
        assert!(w.is_empty());
        assert_eq!(s.max_message_size, 1024);
        assert_eq!(b.broker_permission, 4);
        // Keys set without a line are reported without one.
        let unknown: Properties = [("nope", "1")].into_iter().collect();
        let w = apply_broker_properties(&mut b, &mut s, &unknown).expect("update");
        assert_eq!(w[0].to_string(), "unknown key 'nope' (ignored)");
    }

    #[test]
    fn namesrv_defaults_and_keys() {
        let (n, w) = load_namesrv(&Properties::new()).expect("empty");
        assert!(w.is_empty());
        assert_eq!(n.listen_port(), 9876);
        assert_eq!(
            n.kv_config_path,
            user_home().join("namesrv").join("kvConfig.json")
        );
        assert_eq!(
            n.config_store_path,
            user_home().join("namesrv").join("namesrv.properties")
        );
        assert!(!n.order_message_enable);
        assert_eq!(n.product_env_name, "center");

        let props = Properties::parse(
            "listenPort=9877\norderMessageEnable=true\nkvConfigPath=${user.home}/kv.json\n\
             serverWorkerThreads=2\nbrokerName=x\n",
        )
        .expect("parse");
        let (n, w) = load_namesrv(&props).expect("load");
        assert_eq!(n.listen_port(), 9877);
        assert!(n.order_message_enable);
        assert_eq!(n.kv_config_path, user_home().join("kv.json"));
        assert_eq!(n.server.server_worker_threads, 2);
        // Broker keys are unknown to the name server.
        assert_eq!(w.len(), 1);
        assert_eq!(
            w[0].to_string(),
            "unknown key 'brokerName' at line 5 (ignored)"
        );

        let props = Properties::parse("listenPort=x\n").expect("parse");
        assert!(load_namesrv(&props).is_err());
    }

    #[test]
    fn file_loaders_name_the_file() {
        let dir = std::env::temp_dir().join(format!("rmq-config-loader-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join("broker-bad.properties");
        std::fs::write(&path, "brokerName=a\nlistenPort=abc\n").expect("write");
        let msg = load_broker_file(&path).expect_err("bad").to_string();
        assert!(msg.contains("broker-bad.properties"), "{msg}");
        assert!(
            msg.contains("invalid value 'abc' for key 'listenPort' at line 2"),
            "{msg}"
        );
        let msg = load_namesrv_file(dir.join("absent.properties"))
            .expect_err("absent")
            .to_string();
        assert!(msg.contains("absent.properties"), "{msg}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Every shipped file under conf/ loads without warnings or errors.
    #[test]
    fn shipped_conf_files_load_cleanly() {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            let entries = std::fs::read_dir(dir).expect("read conf dir");
            for entry in entries {
                let path = entry.expect("dir entry").path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "properties") {
                    out.push(path);
                }
            }
        }
        let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("conf");
        let mut files = Vec::new();
        walk(&conf, &mut files);
        files.sort();
        assert!(
            files.len() >= 12,
            "expected the seed files, found {files:?}"
        );
        for file in files {
            let is_namesrv = file.file_name().is_some_and(|n| n == "namesrv.properties");
            let warnings = if is_namesrv {
                load_namesrv_file(&file).map(|(_, w)| w)
            } else {
                load_broker_file(&file).map(|(_, _, w)| w)
            }
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert!(warnings.is_empty(), "{}: {warnings:?}", file.display());
        }
    }
}
