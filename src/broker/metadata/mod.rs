//! The broker's metadata: the config tables Java keeps under `<storeRoot>/config/`, in the
//! same files and formats, so a 4.9.8 Java broker and rmq can each open the other's store.
//!
//! Owns:
//! - [`TopicConfigManager`] (`topics.json`): the topic table with Java's built-in system
//!   topics, auto-creation from TBW102 and of retry/DLQ topics, order flags;
//! - [`SubscriptionGroupManager`] (`subscriptionGroup.json`): consumer group settings with
//!   the built-in groups and auto-creation;
//! - [`ConsumerOffsetManager`] (`consumerOffset.json`): committed offsets per
//!   `topic@group` and queue, cheap to commit on every pull;
//! - [`DelayOffsetTable`] (`delayOffset.json`): delivery progress per delay level;
//! - [`file`](mod@file): the write-temp / backup / rename protocol and the `.bak` fallback on load;
//! - `table`: the versioned table (map, [`DataVersion`](crate::protocol::body::DataVersion),
//!   file) the topic and group managers are built on;
//! - [`perm`] (re-exported from `protocol::perm`): permission bits (`PermName`);
//!   [`validate_topic`] and [`validate_send_topic`] (re-exported from
//!   [`common::names`](crate::common::names)): system names and topic name checks
//!   (`TopicValidator`).
//!
//! Does not own: the request processors that call these, registration with the name servers
//! (a `created` flag or a changed [`DataVersion`](crate::protocol::body::DataVersion) tells
//! the caller to register), or the timers that call `persist` (the broker flushes offsets
//! every `flushConsumerOffsetInterval` and delay offsets every `flushDelayOffsetInterval`).
//!
//! Files are written as Java writes them: fastjson pretty format (tab indentation, sorted
//! fields, bare integer keys for queue ids and delay levels). The body types are those of
//! [`crate::protocol::body`], shared with the wire.

pub mod delay_offsets;
pub mod file;
pub mod groups;
pub mod offsets;
pub use crate::protocol::perm;
mod table;
pub mod topics;

use std::path::Path;

pub use crate::common::names::{validate_send_topic, validate_topic, TopicNameError};
pub use delay_offsets::{DelayOffsetSerializeWrapper, DelayOffsetTable};
pub use file::{load_with_backup, Loaded, MetadataError};
pub use groups::SubscriptionGroupManager;
pub use offsets::ConsumerOffsetManager;
pub use topics::{EnsuredTopic, TopicConfigManager};

use crate::config::BrokerConfig;

/// The topic table's file name under `config/`.
pub const TOPICS_FILE: &str = "topics.json";
/// The subscription group table's file name under `config/`.
pub const SUBSCRIPTION_GROUP_FILE: &str = "subscriptionGroup.json";
/// The consumer offset table's file name under `config/`.
pub const CONSUMER_OFFSET_FILE: &str = "consumerOffset.json";
/// The delay offset table's file name under `config/`.
pub const DELAY_OFFSET_FILE: &str = "delayOffset.json";

/// The four tables of one broker.
#[derive(Debug)]
pub struct BrokerMetadata {
    pub topics: TopicConfigManager,
    pub groups: SubscriptionGroupManager,
    pub offsets: ConsumerOffsetManager,
    pub delay_offsets: DelayOffsetTable,
}

impl BrokerMetadata {
    /// Builds the tables for `config_dir` (`<storeRoot>/config`) with the built-ins `config`
    /// implies, then loads each file (falling back to its `.bak`). Missing files are a fresh
    /// start; nothing is written until something changes.
    ///
    /// # Errors
    ///
    /// The first file that is damaged and has no usable backup.
    pub fn load(config_dir: &Path, config: &BrokerConfig) -> Result<Self, MetadataError> {
        Ok(BrokerMetadata {
            topics: TopicConfigManager::open(config_dir.join(TOPICS_FILE), config)?,
            groups: SubscriptionGroupManager::open(
                config_dir.join(SUBSCRIPTION_GROUP_FILE),
                config,
            )?,
            offsets: ConsumerOffsetManager::open(config_dir.join(CONSUMER_OFFSET_FILE))?,
            delay_offsets: DelayOffsetTable::open(config_dir.join(DELAY_OFFSET_FILE))?,
        })
    }

    /// Writes every table that changed since its last write (timers and shutdown). All four
    /// are attempted even if one fails.
    ///
    /// # Errors
    ///
    /// The first failure; the others are logged.
    pub fn persist_all(&self) -> Result<(), MetadataError> {
        let results = [
            self.offsets.persist(),
            self.delay_offsets.persist(),
            self.topics.persist(),
            self.groups.persist(),
        ];
        let mut first = None;
        for err in results.into_iter().filter_map(Result::err) {
            if first.is_none() {
                first = Some(err);
            } else {
                tracing::error!(error = %err, "persisting broker metadata");
            }
        }
        first.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::file::tests::TempDir;
    use super::*;
    use crate::protocol::body::TopicConfig;

    #[test]
    fn load_change_persist_reload() {
        let dir = TempDir::new("bundle");
        let config_dir = dir.file("store/config");
        let config = BrokerConfig {
            broker_name: "broker-a".into(),
            ..BrokerConfig::default()
        };
        let md = BrokerMetadata::load(&config_dir, &config).unwrap();
        md.persist_all().unwrap();
        assert!(!config_dir.exists(), "nothing changed, nothing written");

        assert!(md.topics.create_or_update(TopicConfig::new("T")));
        assert!(md.groups.find_or_create("G").is_some());
        md.offsets.commit("h", "G", "T", 0, 42);
        md.delay_offsets.set(3, 7);
        md.persist_all().unwrap();
        for f in [
            TOPICS_FILE,
            SUBSCRIPTION_GROUP_FILE,
            CONSUMER_OFFSET_FILE,
            DELAY_OFFSET_FILE,
        ] {
            assert!(config_dir.join(f).exists(), "{f}");
        }
        let offsets = fs::read_to_string(config_dir.join(CONSUMER_OFFSET_FILE)).unwrap();
        assert!(offsets.contains("\"T@G\":{0:42"), "{offsets}");

        let back = BrokerMetadata::load(&config_dir, &config).unwrap();
        assert_eq!(back.topics.all(), md.topics.all());
        assert_eq!(back.groups.all(), md.groups.all());
        assert_eq!(back.offsets.query("G", "T", 0), Some(42));
        assert_eq!(back.delay_offsets.get(3), Some(7));
    }

    #[test]
    fn damaged_file_without_backup_starts_empty_and_keeps_it() {
        let dir = TempDir::new("bundle-bad");
        fs::write(dir.file(CONSUMER_OFFSET_FILE), b"{\"offsetTable\":").unwrap();
        // As Java: the broker starts without the table (file.rs logs it and keeps a copy).
        BrokerMetadata::load(&dir.0, &BrokerConfig::default()).unwrap();
        let kept = fs::read_dir(&dir.0)
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{CONSUMER_OFFSET_FILE}.damaged-"))
            })
            .count();
        assert_eq!(kept, 1);
    }
}
