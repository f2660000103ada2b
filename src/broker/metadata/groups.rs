//! [`SubscriptionGroupManager`]: consumer group settings, persisted as
//! `config/subscriptionGroup.json` (Java's `SubscriptionGroupManager`, 4.9.8).
//!
//! The built-in groups 4.9.8 keeps in memory are there from the start; the file is laid over
//! them. Groups unknown to the table are created on first use when
//! `autoCreateSubscriptionGroup` is on, and always for `CID_RMQ_SYS_*` groups.

use std::path::{Path, PathBuf};

use crate::config::BrokerConfig;
use crate::protocol::body::{DataVersion, SubscriptionGroupConfig, SubscriptionGroupWrapper};

use super::file::MetadataError;
use super::table::VersionedTable;
use crate::common::names::{self, BUILTIN_GROUPS};

/// The subscription group table. All methods take `&self`; share it behind an `Arc`.
#[derive(Debug)]
pub struct SubscriptionGroupManager {
    auto_create: bool,
    /// The table and its version, in the shape of `subscriptionGroup.json`.
    table: VersionedTable<SubscriptionGroupWrapper>,
}

impl SubscriptionGroupManager {
    /// A manager for `path` (normally `<storeRoot>/config/subscriptionGroup.json`) holding
    /// the [`BUILTIN_GROUPS`].
    pub fn new(path: PathBuf, config: &BrokerConfig) -> Self {
        let subscription_group_table = BUILTIN_GROUPS
            .iter()
            .map(|g| (g.to_string(), SubscriptionGroupConfig::new(*g)))
            .collect();
        let builtins = SubscriptionGroupWrapper {
            subscription_group_table,
            data_version: DataVersion::now(),
        };
        SubscriptionGroupManager {
            auto_create: config.auto_create_subscription_group,
            table: VersionedTable::new(path, "subscriptionGroup.json", builtins),
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

    /// Lays the file (or its backup) over the table and takes its data version.
    ///
    /// # Errors
    ///
    /// [`MetadataError`] when the file is damaged and has no usable backup.
    pub fn load(&self) -> Result<(), MetadataError> {
        self.table.load(|_| {})
    }

    /// The file this manager persists to.
    pub fn path(&self) -> &Path {
        self.table.path()
    }

    /// The group's config if it exists; never creates it.
    pub fn find(&self, group: &str) -> Option<SubscriptionGroupConfig> {
        self.table.get(group)
    }

    /// Java's `findSubscriptionGroupConfig`: the group's config, created with defaults (and
    /// persisted) when missing if `autoCreateSubscriptionGroup` is on or the group is a
    /// `CID_RMQ_SYS_*` system group. `None` when it is missing and may not be created.
    pub fn find_or_create(&self, group: &str) -> Option<SubscriptionGroupConfig> {
        if let Some(config) = self.find(group) {
            return Some(config);
        }
        if !(self.auto_create || names::is_sys_consumer_group(group)) {
            return None;
        }
        let (config, _created) = self.table.get_or_insert_with(group, || {
            let config = SubscriptionGroupConfig::new(group);
            tracing::info!(?config, "auto create a subscription group");
            config
        });
        Some(config)
    }

    /// Creates or replaces a group (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP), bumps the version
    /// and persists. Returns whether anything changed (an identical config is a no-op).
    pub fn update(&self, config: SubscriptionGroupConfig) -> bool {
        self.table.upsert(
            config.group_name.clone(),
            config,
            "update subscription group",
            "create new subscription group",
        )
    }

    /// Removes a group (DELETE_SUBSCRIPTIONGROUP). Returns whether it existed.
    pub fn delete(&self, group: &str) -> bool {
        self.table.remove(group, |found| match found {
            true => tracing::info!(group, "delete subscription group"),
            false => tracing::warn!(
                group,
                "delete subscription group failed: group does not exist"
            ),
        })
    }

    /// Replaces the whole table with a master's (slave sync of GET_ALL_SUBSCRIPTIONGROUP_CONFIG:
    /// Java clears and refills the table, takes the version and persists). A no-op when the
    /// versions are equal. Returns whether it replaced the table.
    pub fn replace_all(&self, wrapper: SubscriptionGroupWrapper) -> bool {
        self.table.replace_all(wrapper)
    }

    /// The table's current version.
    pub fn data_version(&self) -> DataVersion {
        self.table.data_version()
    }

    /// A snapshot of the table with its version (the GET_ALL_SUBSCRIPTIONGROUP_CONFIG body).
    pub fn all(&self) -> SubscriptionGroupWrapper {
        self.table.all()
    }

    /// All group names, sorted.
    pub fn group_names(&self) -> Vec<String> {
        self.table.names()
    }

    /// Writes the file if the table changed since the last write. Returns whether it wrote.
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
    use std::fs;

    use super::super::file::tests::TempDir;
    use super::*;

    /// `subscriptionGroup.json` as a 4.9.8 broker writes it.
    const JAVA_GROUPS_JSON: &str = "{\n\
\t\"dataVersion\":{\n\
\t\t\"counter\":5,\n\
\t\t\"timestamp\":1700000000456\n\
\t},\n\
\t\"subscriptionGroupTable\":{\n\
\t\t\"G1\":{\n\
\t\t\t\"brokerId\":0,\n\
\t\t\t\"consumeBroadcastEnable\":true,\n\
\t\t\t\"consumeEnable\":true,\n\
\t\t\t\"consumeFromMinEnable\":true,\n\
\t\t\t\"groupName\":\"G1\",\n\
\t\t\t\"notifyConsumerIdsChangedEnable\":true,\n\
\t\t\t\"retryMaxTimes\":3,\n\
\t\t\t\"retryQueueNums\":1,\n\
\t\t\t\"whichBrokerWhenConsumeSlowly\":1\n\
\t\t},\n\
\t\t\"TOOLS_CONSUMER\":{\n\
\t\t\t\"brokerId\":0,\n\
\t\t\t\"consumeBroadcastEnable\":true,\n\
\t\t\t\"consumeEnable\":false,\n\
\t\t\t\"consumeFromMinEnable\":true,\n\
\t\t\t\"groupName\":\"TOOLS_CONSUMER\",\n\
\t\t\t\"notifyConsumerIdsChangedEnable\":true,\n\
\t\t\t\"retryMaxTimes\":16,\n\
\t\t\t\"retryQueueNums\":1,\n\
\t\t\t\"whichBrokerWhenConsumeSlowly\":1\n\
\t\t}\n\
\t}\n\
}";

    fn config(auto: bool) -> BrokerConfig {
        BrokerConfig {
            auto_create_subscription_group: auto,
            ..BrokerConfig::default()
        }
    }

    #[test]
    fn builtins_and_java_file() {
        let dir = TempDir::new("groups-java");
        let path = dir.file("subscriptionGroup.json");
        let m = SubscriptionGroupManager::new(path.clone(), &config(true));
        for g in BUILTIN_GROUPS {
            assert_eq!(m.find(g), Some(SubscriptionGroupConfig::new(g)));
        }
        assert_eq!(m.find("CID_RMQ_SYS_TRANS"), None);

        fs::write(&path, JAVA_GROUPS_JSON).unwrap();
        let m = SubscriptionGroupManager::open(path, &config(true)).unwrap();
        assert_eq!(m.find("G1").unwrap().retry_max_times, 3);
        assert!(!m.find("TOOLS_CONSUMER").unwrap().consume_enable);
        assert!(m.find("CID_ONSAPI_OWNER").is_some());
        assert_eq!(m.data_version().counter, 5);
        assert_eq!(m.group_names().len(), 8);
    }

    #[test]
    fn auto_create_on_and_off() {
        let dir = TempDir::new("groups-auto");
        let path = dir.file("subscriptionGroup.json");
        let off = SubscriptionGroupManager::new(path.clone(), &config(false));
        assert_eq!(off.find_or_create("G"), None);
        assert!(!path.exists());
        // System groups are created whatever the switch says.
        let sys = off.find_or_create("CID_RMQ_SYS_TRANS").unwrap();
        assert_eq!(sys, SubscriptionGroupConfig::new("CID_RMQ_SYS_TRANS"));
        assert!(path.exists());

        let on = SubscriptionGroupManager::new(dir.file("on.json"), &config(true));
        assert_eq!(
            on.find_or_create("G"),
            Some(SubscriptionGroupConfig::new("G"))
        );
        assert_eq!(on.data_version().counter, 1);
        assert!(on.find_or_create("G").is_some());
        assert_eq!(on.data_version().counter, 1, "found, not created again");
        let back = SubscriptionGroupManager::open(dir.file("on.json"), &config(false)).unwrap();
        assert_eq!(back.all(), on.all());
    }

    #[test]
    fn update_delete_persist() {
        let dir = TempDir::new("groups-update");
        let path = dir.file("subscriptionGroup.json");
        let m = SubscriptionGroupManager::new(path.clone(), &config(true));
        let g = SubscriptionGroupConfig {
            retry_queue_nums: 2,
            consume_broadcast_enable: false,
            ..SubscriptionGroupConfig::new("G")
        };
        assert!(m.update(g.clone()));
        assert!(!m.update(g.clone()));
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\n\t\"subscriptionGroupTable\":{\n"),
            "{text}"
        );
        assert!(text.contains("\t\t\t\"retryQueueNums\":2,\n"), "{text}");
        let back = SubscriptionGroupManager::open(path.clone(), &config(true)).unwrap();
        assert_eq!(back.find("G"), Some(g));
        assert!(m.delete("G"));
        assert!(!m.delete("G"));
        assert_eq!(m.data_version().counter, 2);
        assert!(!m.persist().unwrap(), "already persisted by delete");

        let mut master = back.all();
        master.data_version.next_version();
        master.subscription_group_table.remove("G");
        assert!(back.replace_all(master.clone()));
        assert_eq!(back.all(), master);
        assert!(!back.replace_all(master));
    }
}
