//! [`TopicConfigManager`]: the broker's topic table, persisted as `config/topics.json`
//! (Java's `TopicConfigManager`, 4.9.8).
//!
//! On creation the table holds the system topics 4.9.8 creates in memory (see
//! [`TopicConfigManager::new`]); [`load`](TopicConfigManager::load) then lays `topics.json`
//! over them, so a file entry wins over a built-in one, as Java's `putAll` does. Every change
//! bumps the [`DataVersion`] (the name server compares it to spot changes) and rewrites the
//! file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::config::BrokerConfig;
use crate::protocol::body::{
    DataVersion, KVTable, TopicConfig, TopicConfigSerializeWrapper, DEFAULT_TOPIC_QUEUE_NUMS,
};

use super::file::MetadataError;
use super::perm::{self, PERM_INHERIT, PERM_READ, PERM_WRITE};
use super::table::{Edit, VersionedTable};
use crate::common::names::{self, TopicNameError};

/// Queues of `SCHEDULE_TOPIC_XXXX`: one per delay level of the default
/// `messageDelayLevel` (Java hard-codes 18 here too).
pub const SCHEDULE_TOPIC_QUEUE_NUM: i32 = 18;

/// A topic found or created by one of the `create_topic_in_*` methods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnsuredTopic {
    pub config: TopicConfig,
    /// Whether this call created it; Java then registers with the name servers at once.
    pub created: bool,
}

/// The topic table. All methods take `&self`; share it behind an `Arc`.
#[derive(Debug)]
pub struct TopicConfigManager {
    auto_create_topic_enable: bool,
    /// Per-broker names Java adds to `TopicValidator`'s system topic set at start-up.
    broker_system_topics: BTreeSet<String>,
    /// The table and its version, in the shape of `topics.json`.
    table: VersionedTable<TopicConfigSerializeWrapper>,
}

impl TopicConfigManager {
    /// A manager for `path` (normally `<storeRoot>/config/topics.json`) holding the system
    /// topics 4.9.8 creates, in Java's order (a later one replaces an earlier one of the same
    /// name):
    ///
    /// | topic | queues | perm |
    /// |---|---|---|
    /// | `SELF_TEST_TOPIC` | 1 | 6 |
    /// | `TBW102` (only if `autoCreateTopicEnable`) | `defaultTopicQueueNums` | 7 |
    /// | `BenchmarkTest` | 1024 | 6 |
    /// | `<brokerClusterName>` | 16 | 7, or 1 without `clusterTopicEnable` |
    /// | `<brokerName>` | 1 | 7, or 1 without `brokerTopicEnable` |
    /// | `OFFSET_MOVED_EVENT` | 1 | 6 |
    /// | `SCHEDULE_TOPIC_XXXX` | 18 | 6 |
    /// | `<msgTraceTopicName>` (only if `traceTopicEnable`) | 1 | 6 |
    /// | `<brokerClusterName>_REPLY_TOPIC` | 1 | 6 |
    ///
    /// The transaction topics, `%RETRY%`/`%DLQ%` topics and `TRANS_CHECK_MAX_TIME_TOPIC` are
    /// created on first use with [`create_topic_in_send_back_method`](Self::create_topic_in_send_back_method).
    pub fn new(path: PathBuf, config: &BrokerConfig) -> Self {
        let mut wrapper = TopicConfigSerializeWrapper {
            topic_config_table: Default::default(),
            data_version: DataVersion::now(),
        };
        let mut broker_system_topics = BTreeSet::new();
        let mut add = |name: &str, queues: i32, perm: i32| {
            let topic = TopicConfig {
                read_queue_nums: queues,
                write_queue_nums: queues,
                perm,
                ..TopicConfig::new(name)
            };
            broker_system_topics.insert(name.to_string());
            wrapper.topic_config_table.insert(name.to_string(), topic);
        };
        let rw = PERM_READ | PERM_WRITE;
        let template_perm = |enabled: bool| {
            if enabled {
                PERM_INHERIT | rw
            } else {
                PERM_INHERIT
            }
        };

        add(names::RMQ_SYS_SELF_TEST_TOPIC, 1, rw);
        if config.auto_create_topic_enable {
            add(
                names::AUTO_CREATE_TOPIC_KEY_TOPIC,
                config.default_topic_queue_nums,
                PERM_INHERIT | rw,
            );
        }
        add(names::RMQ_SYS_BENCHMARK_TOPIC, 1024, rw);
        add(
            &config.broker_cluster_name,
            DEFAULT_TOPIC_QUEUE_NUMS,
            template_perm(config.cluster_topic_enable),
        );
        add(
            &config.broker_name,
            1,
            template_perm(config.broker_topic_enable),
        );
        add(names::RMQ_SYS_OFFSET_MOVED_EVENT, 1, rw);
        add(names::RMQ_SYS_SCHEDULE_TOPIC, SCHEDULE_TOPIC_QUEUE_NUM, rw);
        if config.trace_topic_enable {
            add(&config.msg_trace_topic_name, 1, rw);
        }
        add(&names::reply_topic(&config.broker_cluster_name), 1, rw);

        TopicConfigManager {
            auto_create_topic_enable: config.auto_create_topic_enable,
            broker_system_topics,
            table: VersionedTable::new(path, "topics.json", wrapper),
        }
    }

    /// [`new`](Self::new) then [`load`](Self::load).
    ///
    /// # Errors
    ///
    /// As [`load`](Self::load).
    pub fn open(path: PathBuf, config: &BrokerConfig) -> Result<Self, MetadataError> {
        let manager = Self::new(path, config);
        manager.load()?;
        Ok(manager)
    }

    /// Lays `topics.json` (or its backup) over the table and takes its data version. A missing
    /// file leaves the built-in topics alone.
    ///
    /// # Errors
    ///
    /// [`MetadataError`] when the file is damaged and has no usable backup.
    pub fn load(&self) -> Result<(), MetadataError> {
        self.table.load(|file| {
            for name in file.topic_config_table.keys() {
                tracing::info!(topic = %name, "load exist local topic");
            }
        })
    }

    /// The file this manager persists to.
    pub fn path(&self) -> &Path {
        self.table.path()
    }

    /// The topic's config (`selectTopicConfig`).
    pub fn get(&self, topic: &str) -> Option<TopicConfig> {
        self.table.get(topic)
    }

    /// Runs `f` on the topic's config without cloning it (for hot paths).
    pub fn with_topic<R>(&self, topic: &str, f: impl FnOnce(&TopicConfig) -> R) -> Option<R> {
        self.table.read().topic_config_table.get(topic).map(f)
    }

    /// Whether the topic exists.
    pub fn contains(&self, topic: &str) -> bool {
        self.table.read().topic_config_table.contains_key(topic)
    }

    /// All topic names, sorted.
    pub fn topic_names(&self) -> Vec<String> {
        self.table.names()
    }

    /// The number of topics.
    pub fn len(&self) -> usize {
        self.table.read().topic_config_table.len()
    }

    /// Whether the table is empty (it never is after [`new`](Self::new)).
    pub fn is_empty(&self) -> bool {
        self.table.read().topic_config_table.is_empty()
    }

    /// The table's current version.
    pub fn data_version(&self) -> DataVersion {
        self.table.data_version()
    }

    /// Moves the version on without changing a topic, so name servers accept the next
    /// registration as new (a broker permission change rewrites every topic's announced perm).
    pub fn bump_version(&self) {
        self.table.bump_version();
    }

    /// A snapshot of the table with its version (`buildTopicConfigSerializeWrapper`), as
    /// REGISTER_BROKER and GET_ALL_TOPIC_CONFIG send it.
    pub fn all(&self) -> TopicConfigSerializeWrapper {
        self.table.all()
    }

    /// The table as REGISTER_BROKER announces it under `brokerPermission`: when the broker is
    /// not both readable and writeable, Java replaces every topic with a plain config of the
    /// same name and queue counts whose perm is the broker's (other fields back to their
    /// defaults).
    pub fn register_wrapper(&self, broker_permission: i32) -> TopicConfigSerializeWrapper {
        let mut wrapper = self.all();
        if !(perm::is_readable(broker_permission) && perm::is_writeable(broker_permission)) {
            for topic in wrapper.topic_config_table.values_mut() {
                *topic = TopicConfig {
                    read_queue_nums: topic.read_queue_nums,
                    write_queue_nums: topic.write_queue_nums,
                    perm: broker_permission,
                    ..TopicConfig::new(std::mem::take(&mut topic.topic_name))
                };
            }
        }
        wrapper
    }

    /// Whether `topic` is a system topic: Java's fixed set, the `rmq_sys_` prefix, or one of
    /// this broker's built-in topics (cluster name, broker name, trace and reply topic).
    pub fn is_system_topic(&self, topic: &str) -> bool {
        names::is_fixed_system_topic(topic) || self.broker_system_topics.contains(topic)
    }

    /// The checks of UPDATE_AND_CREATE_TOPIC and DELETE_TOPIC: a valid name that is not a
    /// system topic.
    ///
    /// # Errors
    ///
    /// As [`names::validate_topic`], or [`TopicNameError::SystemTopic`].
    pub fn validate_admin_topic(&self, topic: &str) -> Result<(), TopicNameError> {
        names::validate_topic(topic)?;
        if self.is_system_topic(topic) {
            return Err(TopicNameError::SystemTopic(topic.to_string()));
        }
        Ok(())
    }

    /// Whether the topic exists and is marked orderly.
    pub fn is_order_topic(&self, topic: &str) -> bool {
        self.with_topic(topic, |t| t.order).unwrap_or(false)
    }

    /// Creates or replaces a topic (`updateTopicConfig`, used by UPDATE_AND_CREATE_TOPIC),
    /// bumps the version and persists. Returns whether anything changed: unlike Java, an
    /// identical config neither bumps the version nor rewrites the file.
    pub fn create_or_update(&self, config: TopicConfig) -> bool {
        self.table.upsert(
            config.topic_name.clone(),
            config,
            "update topic config",
            "create new topic",
        )
    }

    /// Removes a topic (`deleteTopicConfig`). Returns whether it existed.
    pub fn delete(&self, topic: &str) -> bool {
        self.table.remove(topic, |found| match found {
            true => tracing::info!(topic, "delete topic config"),
            false => tracing::warn!(topic, "delete topic config failed: topic does not exist"),
        })
    }

    /// Finds `topic` or creates it with `queue_nums` read and write queues, `perm` and
    /// `topic_sys_flag` (`createTopicInSendMessageBackMethod`). The broker uses it for
    /// `%RETRY%` and `%DLQ%` topics, the transaction topics (1 queue, perm 6, flag 0) and
    /// `TRANS_CHECK_MAX_TIME_TOPIC`. When `created`, register with the name servers.
    pub fn create_topic_in_send_back_method(
        &self,
        topic: &str,
        queue_nums: i32,
        perm: i32,
        topic_sys_flag: i32,
    ) -> EnsuredTopic {
        if let Some(config) = self.get(topic) {
            return EnsuredTopic {
                config,
                created: false,
            };
        }
        // Another thread may have created it since; then that config is returned.
        let (config, created) = self.table.get_or_insert_with(topic, || {
            let config = TopicConfig {
                read_queue_nums: queue_nums,
                write_queue_nums: queue_nums,
                perm,
                topic_sys_flag,
                ..TopicConfig::new(topic)
            };
            tracing::info!(?config, "create new topic");
            config
        });
        EnsuredTopic { config, created }
    }

    /// Auto-creation on send to an unknown topic (`createTopicInSendMessageMethod`).
    ///
    /// Returns the existing config if `topic` exists (`created` false). Otherwise the
    /// `default_topic` (the producer's `createTopicKey`, normally TBW102) must exist and have
    /// the INHERIT bit; the new topic then gets `min(client_default_queue_nums, default's
    /// writeQueueNums)` queues (at least 0), the default's perm without INHERIT, its filter
    /// type and `topic_sys_flag`, is persisted and returned with `created` true (register it
    /// with the name servers). `None` when creation is refused.
    ///
    /// As in Java, when `default_topic` is TBW102 and `autoCreateTopicEnable` is off, TBW102
    /// (present only if an older `topics.json` has it) is first set to perm 6 in memory, so
    /// the request is refused.
    pub fn create_topic_in_send_message_method(
        &self,
        topic: &str,
        default_topic: &str,
        remote_addr: &str,
        client_default_queue_nums: i32,
        topic_sys_flag: i32,
    ) -> Option<EnsuredTopic> {
        self.table.edit(|state| {
            if let Some(config) = state.topic_config_table.get(topic) {
                return Edit::Unchanged(Some(EnsuredTopic {
                    config: config.clone(),
                    created: false,
                }));
            }
            let Some(default) = state.topic_config_table.get_mut(default_topic) else {
                tracing::warn!(
                    default_topic,
                    producer = remote_addr,
                    "create new topic {topic} failed: the default topic does not exist"
                );
                return Edit::Unchanged(None);
            };
            if default_topic == names::AUTO_CREATE_TOPIC_KEY_TOPIC && !self.auto_create_topic_enable
            {
                default.perm = PERM_READ | PERM_WRITE;
            }
            if !perm::is_inherited(default.perm) {
                tracing::warn!(
                    default_topic,
                    perm = default.perm,
                    producer = remote_addr,
                    "create new topic {topic} failed: the default topic has no inherit permission"
                );
                // The TBW102 perm change above stays in memory only, as in Java.
                return Edit::Unchanged(None);
            }
            let queue_nums = client_default_queue_nums
                .min(default.write_queue_nums)
                .max(0);
            let config = TopicConfig {
                read_queue_nums: queue_nums,
                write_queue_nums: queue_nums,
                perm: default.perm & !PERM_INHERIT,
                topic_filter_type: default.topic_filter_type.clone(),
                topic_sys_flag,
                ..TopicConfig::new(topic)
            };
            tracing::info!(
                default_topic,
                ?config,
                producer = remote_addr,
                "create new topic by default topic"
            );
            state
                .topic_config_table
                .insert(topic.to_string(), config.clone());
            Edit::Changed(Some(EnsuredTopic {
                config,
                created: true,
            }))
        })
    }

    /// Applies the name server's order topic list (the KV table a REGISTER_BROKER answer
    /// carries when order config is checked; keys are topic names): listed topics that exist
    /// become orderly, all others not. Bumps the version and persists if anything changed,
    /// and returns whether it did.
    pub fn update_order_topic_config(&self, order_topics: &KVTable) -> bool {
        self.table.edit(|state| {
            let mut changed = false;
            for (name, topic) in state.topic_config_table.iter_mut() {
                let order = order_topics.table.contains_key(name);
                if topic.order != order {
                    topic.order = order;
                    changed = true;
                    tracing::info!(topic = %name, order, "update order topic config");
                }
            }
            Edit::changed(changed)
        })
    }

    /// Replaces the whole table with a master's (slave sync of GET_ALL_TOPIC_CONFIG: Java
    /// clears and refills the table, takes the version and persists). A no-op when the
    /// versions are equal. Returns whether it replaced the table.
    pub fn replace_all(&self, wrapper: TopicConfigSerializeWrapper) -> bool {
        self.table.replace_all(wrapper)
    }

    /// Writes `topics.json` if the table changed since the last write. Returns whether it
    /// wrote. (Changes already persist themselves; this retries a failed write and serves
    /// shutdown.)
    ///
    /// # Errors
    ///
    /// [`MetadataError::Io`] when the file cannot be written.
    pub fn persist(&self) -> Result<bool, MetadataError> {
        self.table.persist()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::fs;

    use super::super::file::tests::TempDir;
    use super::super::file::{backup_path, temp_path};
    use super::*;
    use crate::protocol::body::TopicFilterType;

    fn broker_config() -> BrokerConfig {
        BrokerConfig {
            broker_name: "broker-a".into(),
            broker_cluster_name: "DefaultCluster".into(),
            ..BrokerConfig::default()
        }
    }

    /// `topics.json` as a 4.9.8 broker writes it (fastjson pretty format, tab-indented).
    const JAVA_TOPICS_JSON: &str = "{\n\
\t\"dataVersion\":{\n\
\t\t\"counter\":3,\n\
\t\t\"timestamp\":1700000000123\n\
\t},\n\
\t\"topicConfigTable\":{\n\
\t\t\"SCHEDULE_TOPIC_XXXX\":{\n\
\t\t\t\"order\":false,\n\
\t\t\t\"perm\":6,\n\
\t\t\t\"readQueueNums\":18,\n\
\t\t\t\"topicFilterType\":\"SINGLE_TAG\",\n\
\t\t\t\"topicName\":\"SCHEDULE_TOPIC_XXXX\",\n\
\t\t\t\"topicSysFlag\":0,\n\
\t\t\t\"writeQueueNums\":18\n\
\t\t},\n\
\t\t\"TopicTest\":{\n\
\t\t\t\"order\":true,\n\
\t\t\t\"perm\":6,\n\
\t\t\t\"readQueueNums\":4,\n\
\t\t\t\"topicFilterType\":\"SINGLE_TAG\",\n\
\t\t\t\"topicName\":\"TopicTest\",\n\
\t\t\t\"topicSysFlag\":0,\n\
\t\t\t\"writeQueueNums\":4\n\
\t\t},\n\
\t\t\"%RETRY%G1\":{\n\
\t\t\t\"order\":false,\n\
\t\t\t\"perm\":6,\n\
\t\t\t\"readQueueNums\":1,\n\
\t\t\t\"topicFilterType\":\"SINGLE_TAG\",\n\
\t\t\t\"topicName\":\"%RETRY%G1\",\n\
\t\t\t\"topicSysFlag\":0,\n\
\t\t\t\"writeQueueNums\":1\n\
\t\t},\n\
\t\t\"BenchmarkTest\":{\n\
\t\t\t\"order\":false,\n\
\t\t\t\"perm\":4,\n\
\t\t\t\"readQueueNums\":1024,\n\
\t\t\t\"topicFilterType\":\"SINGLE_TAG\",\n\
\t\t\t\"topicName\":\"BenchmarkTest\",\n\
\t\t\t\"topicSysFlag\":0,\n\
\t\t\t\"writeQueueNums\":1024\n\
\t\t}\n\
\t}\n\
}";

    fn perms(m: &TopicConfigManager, t: &str) -> (i32, i32, i32) {
        m.with_topic(t, |c| (c.read_queue_nums, c.write_queue_nums, c.perm))
            .unwrap_or_else(|| panic!("{t} missing"))
    }

    #[test]
    fn system_topics_as_java_creates_them() {
        let dir = TempDir::new("topics-sys");
        let m = TopicConfigManager::new(dir.file("topics.json"), &broker_config());
        assert_eq!(perms(&m, "SELF_TEST_TOPIC"), (1, 1, 6));
        assert_eq!(perms(&m, "TBW102"), (8, 8, 7));
        assert_eq!(perms(&m, "BenchmarkTest"), (1024, 1024, 6));
        assert_eq!(perms(&m, "DefaultCluster"), (16, 16, 7));
        assert_eq!(perms(&m, "broker-a"), (1, 1, 7));
        assert_eq!(perms(&m, "OFFSET_MOVED_EVENT"), (1, 1, 6));
        assert_eq!(perms(&m, "SCHEDULE_TOPIC_XXXX"), (18, 18, 6));
        assert_eq!(perms(&m, "DefaultCluster_REPLY_TOPIC"), (1, 1, 6));
        assert!(!m.contains("RMQ_SYS_TRACE_TOPIC"));
        assert!(!m.contains("RMQ_SYS_TRANS_HALF_TOPIC"));
        assert_eq!(m.len(), 8);
        assert_eq!(m.data_version().counter, 0);
        assert!(m.is_system_topic("broker-a") && m.is_system_topic("DefaultCluster_REPLY_TOPIC"));
        assert!(m.is_system_topic("TRANS_CHECK_MAX_TIME_TOPIC"));
        assert!(!m.is_system_topic("TopicTest"));

        let cfg = BrokerConfig {
            auto_create_topic_enable: false,
            cluster_topic_enable: false,
            broker_topic_enable: false,
            trace_topic_enable: true,
            default_topic_queue_nums: 4,
            ..broker_config()
        };
        let m = TopicConfigManager::new(dir.file("other.json"), &cfg);
        assert!(!m.contains("TBW102"));
        assert_eq!(perms(&m, "DefaultCluster"), (16, 16, 1));
        assert_eq!(perms(&m, "broker-a"), (1, 1, 1));
        assert_eq!(perms(&m, "RMQ_SYS_TRACE_TOPIC"), (1, 1, 6));
        // Nothing is written until something changes.
        assert!(!m.persist().unwrap());
        assert!(!dir.file("other.json").exists());
    }

    #[test]
    fn reads_java_topics_json_over_builtins() {
        let dir = TempDir::new("topics-java");
        let path = dir.file("topics.json");
        fs::write(&path, JAVA_TOPICS_JSON).unwrap();
        let m = TopicConfigManager::open(path, &broker_config()).unwrap();
        let v = m.data_version();
        assert_eq!(
            (v.counter, v.timestamp, v.state_version),
            (3, 1700000000123, None)
        );
        assert_eq!(perms(&m, "TopicTest"), (4, 4, 6));
        assert!(m.is_order_topic("TopicTest"));
        assert!(!m.is_order_topic("%RETRY%G1"));
        assert!(!m.is_order_topic("nope"));
        // The file's entry replaces the built-in one.
        assert_eq!(perms(&m, "BenchmarkTest"), (1024, 1024, 4));
        // Built-ins missing from the file stay.
        assert_eq!(perms(&m, "TBW102"), (8, 8, 7));
        assert_eq!(m.len(), 10);
    }

    #[test]
    fn write_read_back_and_backup() {
        let dir = TempDir::new("topics-rw");
        let path = dir.file("topics.json");
        let m = TopicConfigManager::new(path.clone(), &broker_config());
        let topic = TopicConfig {
            read_queue_nums: 4,
            write_queue_nums: 4,
            ..TopicConfig::new("TopicA")
        };
        assert!(m.create_or_update(topic.clone()));
        assert_eq!(m.data_version().counter, 1);
        assert!(!m.create_or_update(topic.clone()), "identical: no change");
        assert_eq!(m.data_version().counter, 1);
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("{\n\t\"dataVersion\":{\n\t\t\"counter\":1,"),
            "{text}"
        );
        assert!(text.contains("\n\t\"topicConfigTable\":{\n"), "{text}");
        assert!(
            text.contains("\t\t\"TopicA\":{\n\t\t\t\"order\":false,\n\t\t\t\"perm\":6,\n\t\t\t\"readQueueNums\":4,\n\t\t\t\"topicFilterType\":\"SINGLE_TAG\",\n\t\t\t\"topicName\":\"TopicA\",\n\t\t\t\"topicSysFlag\":0,\n\t\t\t\"writeQueueNums\":4\n\t\t}"),
            "{text}"
        );
        assert!(!temp_path(&path).exists());

        let back = TopicConfigManager::open(path.clone(), &broker_config()).unwrap();
        assert_eq!(back.all(), m.all());

        // A second change leaves the first version as the backup; a damaged main file then
        // falls back to it.
        assert!(m.delete("TopicA"));
        assert!(!m.delete("TopicA"));
        assert_eq!(m.data_version().counter, 2);
        assert!(backup_path(&path).exists());
        fs::write(&path, b"{\"topicConfigTable\":{").unwrap();
        let fallback = TopicConfigManager::open(path.clone(), &broker_config()).unwrap();
        assert_eq!(fallback.get("TopicA"), Some(topic));
        assert_eq!(fallback.data_version().counter, 1);
        fs::write(&path, b"").unwrap();
        let fallback = TopicConfigManager::open(path, &broker_config()).unwrap();
        assert!(fallback.contains("TopicA"));
    }

    #[test]
    fn auto_create_from_tbw102() {
        let dir = TempDir::new("topics-auto");
        let path = dir.file("topics.json");
        let m = TopicConfigManager::new(path.clone(), &broker_config());
        let made = m
            .create_topic_in_send_message_method("NewT", "TBW102", "1.2.3.4:5", 4, 0)
            .unwrap();
        assert!(made.created);
        let c = &made.config;
        assert_eq!((c.read_queue_nums, c.write_queue_nums, c.perm), (4, 4, 6));
        assert_eq!(c.topic_filter_type, TopicFilterType::SingleTag);
        assert!(fs::read_to_string(&path).unwrap().contains("\"NewT\""));
        assert_eq!(m.data_version().counter, 1);

        // Existing topic: returned as is.
        let again = m
            .create_topic_in_send_message_method("NewT", "TBW102", "x", 2, 0)
            .unwrap();
        assert!(!again.created);
        assert_eq!(again.config.read_queue_nums, 4);

        // Clamped to the default topic's write queues, and never negative.
        let big = m
            .create_topic_in_send_message_method("Big", "TBW102", "x", 64, 2)
            .unwrap();
        assert_eq!(
            (big.config.write_queue_nums, big.config.topic_sys_flag),
            (8, 2)
        );
        let neg = m
            .create_topic_in_send_message_method("Neg", "TBW102", "x", -3, 0)
            .unwrap();
        assert_eq!(neg.config.read_queue_nums, 0);

        // No inherit bit, or no such default topic: refused.
        assert_eq!(
            m.create_topic_in_send_message_method("X", "SELF_TEST_TOPIC", "x", 4, 0),
            None
        );
        assert_eq!(
            m.create_topic_in_send_message_method("X", "NoSuch", "x", 4, 0),
            None
        );
        // The broker-name topic (perm 7) is a template too.
        let via_broker = m
            .create_topic_in_send_message_method("Y", "broker-a", "x", 4, 0)
            .unwrap();
        assert_eq!(via_broker.config.read_queue_nums, 1);
        assert!(!m.contains("X"));
    }

    #[test]
    fn auto_create_disabled_strips_inherit_from_an_old_tbw102() {
        let dir = TempDir::new("topics-noauto");
        let path = dir.file("topics.json");
        // An older run with auto-create on wrote TBW102 with perm 7.
        let on = TopicConfigManager::new(path.clone(), &broker_config());
        assert!(on.create_or_update(TopicConfig::new("T")));
        let cfg = BrokerConfig {
            auto_create_topic_enable: false,
            ..broker_config()
        };
        let off = TopicConfigManager::open(path, &cfg).unwrap();
        assert_eq!(perms(&off, "TBW102"), (8, 8, 7));
        assert_eq!(
            off.create_topic_in_send_message_method("New", "TBW102", "x", 4, 0),
            None
        );
        assert_eq!(perms(&off, "TBW102"), (8, 8, 6));
    }

    #[test]
    fn send_back_and_order_config() {
        let dir = TempDir::new("topics-back");
        let m = TopicConfigManager::new(dir.file("topics.json"), &broker_config());
        let made = m.create_topic_in_send_back_method("%RETRY%G", 1, 6, 0);
        assert!(made.created);
        assert_eq!(perms(&m, "%RETRY%G"), (1, 1, 6));
        let again = m.create_topic_in_send_back_method("%RETRY%G", 3, 2, 0);
        assert!(!again.created);
        assert_eq!(again.config.read_queue_nums, 1);

        assert!(m.create_or_update(TopicConfig::new("O")));
        let kv = KVTable {
            table: BTreeMap::from([
                ("O".to_string(), "broker-a:4".to_string()),
                ("Missing".to_string(), "broker-a:4".to_string()),
            ]),
        };
        let before = m.data_version().counter;
        assert!(m.update_order_topic_config(&kv));
        assert!(m.is_order_topic("O"));
        assert!(!m.update_order_topic_config(&kv));
        assert_eq!(m.data_version().counter, before + 1);
        assert!(m.update_order_topic_config(&KVTable::default()));
        assert!(!m.is_order_topic("O"));
    }

    #[test]
    fn admin_validation_and_register_perm() {
        let dir = TempDir::new("topics-admin");
        let m = TopicConfigManager::new(dir.file("topics.json"), &broker_config());
        assert_eq!(m.validate_admin_topic("TopicA"), Ok(()));
        let e = m.validate_admin_topic("DefaultCluster").unwrap_err();
        assert_eq!(
            e.to_string(),
            "The topic[DefaultCluster] is conflict with system topic."
        );
        assert!(matches!(
            m.validate_admin_topic("TBW102"),
            Err(TopicNameError::SystemTopic(_))
        ));
        assert!(matches!(
            m.validate_admin_topic("rmq_sys_x"),
            Err(TopicNameError::SystemTopic(_))
        ));
        assert_eq!(m.validate_admin_topic(""), Err(TopicNameError::Blank));

        assert!(m.create_or_update(TopicConfig {
            order: true,
            topic_sys_flag: 1,
            ..TopicConfig::new("T")
        }));
        assert_eq!(m.register_wrapper(6), m.all());
        let ro = m.register_wrapper(4);
        let t = &ro.topic_config_table["T"];
        assert_eq!((t.perm, t.order, t.topic_sys_flag), (4, false, 0));
        assert_eq!(t.topic_name, "T");
        assert_eq!(ro.topic_config_table["TBW102"].perm, 4);
        assert_eq!(ro.data_version, m.data_version());

        // Slave sync: the master's table replaces ours when the versions differ.
        let slave = TopicConfigManager::new(dir.file("slave.json"), &broker_config());
        assert!(slave.replace_all(m.all()));
        assert_eq!(slave.all(), m.all());
        assert!(!slave.replace_all(m.all()));
        let on_disk = TopicConfigManager::open(dir.file("slave.json"), &broker_config()).unwrap();
        assert_eq!(on_disk.all(), m.all());
    }
}
