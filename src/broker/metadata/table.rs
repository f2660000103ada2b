//! [`VersionedTable`]: a name-keyed table with a [`DataVersion`], persisted as JSON (Java's
//! `ConfigManager` subclasses that hold a map and a `DataVersion`), shared by the topic and
//! subscription group tables.
//!
//! Owns the lock, the rule that every change bumps the version, marks the file changed and
//! writes it, the load that lays the file over the built-ins, and slave sync. The managers keep
//! what is specific to topics or groups: built-ins, auto-creation rules and log lines.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::protocol::body::{
    DataVersion, SubscriptionGroupConfig, SubscriptionGroupWrapper, TopicConfig,
    TopicConfigSerializeWrapper,
};
use crate::protocol::fastjson::{to_vec_pretty, JsonStyle};

use super::file::{ConfigFile, MetadataError};

/// A file body made of one name-keyed table and its version. The wrapper itself is what is
/// kept and written, so the JSON is exactly the wrapper's serde form.
pub(crate) trait TableWrapper: Clone + Serialize + DeserializeOwned {
    type Value: Clone + PartialEq + std::fmt::Debug;

    fn table(&self) -> &BTreeMap<String, Self::Value>;
    fn table_mut(&mut self) -> &mut BTreeMap<String, Self::Value>;
    fn version(&self) -> &DataVersion;
    fn version_mut(&mut self) -> &mut DataVersion;
}

macro_rules! table_wrapper {
    ($wrapper:ty, $value:ty, $table:ident) => {
        impl TableWrapper for $wrapper {
            type Value = $value;

            fn table(&self) -> &BTreeMap<String, $value> {
                &self.$table
            }

            fn table_mut(&mut self) -> &mut BTreeMap<String, $value> {
                &mut self.$table
            }

            fn version(&self) -> &DataVersion {
                &self.data_version
            }

            fn version_mut(&mut self) -> &mut DataVersion {
                &mut self.data_version
            }
        }
    };
}

table_wrapper!(TopicConfigSerializeWrapper, TopicConfig, topic_config_table);
table_wrapper!(
    SubscriptionGroupWrapper,
    SubscriptionGroupConfig,
    subscription_group_table
);

/// What an [`edit`](VersionedTable::edit) did to the table.
pub(crate) enum Edit<R> {
    /// The table changed: bump the version, write the file, then return the value.
    Changed(R),
    /// Nothing to record (a change made only in memory, as Java makes some, counts as none).
    Unchanged(R),
}

impl Edit<bool> {
    /// `Changed(true)` or `Unchanged(false)`, for edits whose answer is whether they changed
    /// anything.
    pub(crate) fn changed(changed: bool) -> Self {
        if changed {
            Edit::Changed(true)
        } else {
            Edit::Unchanged(false)
        }
    }
}

/// The table behind a lock, and its file. All methods take `&self`.
#[derive(Debug)]
pub(crate) struct VersionedTable<W> {
    file: ConfigFile,
    state: RwLock<W>,
}

impl<W: TableWrapper> VersionedTable<W> {
    /// A table for `path` starting as `initial` (the built-ins); `what` names the file in
    /// errors and logs.
    pub(crate) fn new(path: PathBuf, what: &'static str, initial: W) -> Self {
        VersionedTable {
            file: ConfigFile::new(path, what),
            state: RwLock::new(initial),
        }
    }

    /// Lays the file (or its backup) over the table, so a file entry wins over a built-in one
    /// as Java's `putAll` does, and takes the file's version. `inspect` sees the file first.
    pub(crate) fn load(&self, inspect: impl FnOnce(&W)) -> Result<(), MetadataError> {
        if let Some(loaded) = self.file.load::<W>()? {
            let mut file = loaded.value;
            inspect(&file);
            let mut state = self.write();
            state.table_mut().extend(std::mem::take(file.table_mut()));
            *state.version_mut() = file.version().clone();
        }
        self.file.mark_clean();
        Ok(())
    }

    pub(crate) fn path(&self) -> &Path {
        self.file.path()
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, W> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, W> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn get(&self, key: &str) -> Option<W::Value> {
        self.read().table().get(key).cloned()
    }

    /// The keys, sorted.
    pub(crate) fn names(&self) -> Vec<String> {
        self.read().table().keys().cloned().collect()
    }

    pub(crate) fn data_version(&self) -> DataVersion {
        self.read().version().clone()
    }

    /// Moves the version on without marking the file changed (nothing in it needs rewriting
    /// until the next real change).
    pub(crate) fn bump_version(&self) {
        self.write().version_mut().next_version();
    }

    pub(crate) fn all(&self) -> W {
        self.read().clone()
    }

    /// Runs `f` under the write lock; on [`Edit::Changed`] bumps the version and persists
    /// (after the lock is released, so readers are not held up by the write). Returns `f`'s
    /// value either way.
    pub(crate) fn edit<R>(&self, f: impl FnOnce(&mut W) -> Edit<R>) -> R {
        let value = {
            let mut state = self.write();
            match f(&mut state) {
                Edit::Unchanged(value) => return value,
                Edit::Changed(value) => {
                    state.version_mut().next_version();
                    self.file.mark_changed();
                    value
                }
            }
        };
        self.persist_logged();
        value
    }

    /// Creates or replaces `key`, logging `updated` or `created`. Returns whether anything
    /// changed: an identical value neither bumps the version nor rewrites the file.
    pub(crate) fn upsert(
        &self,
        key: String,
        value: W::Value,
        updated: &'static str,
        created: &'static str,
    ) -> bool {
        self.edit(|state| {
            let table = state.table_mut();
            if table.get(&key) == Some(&value) {
                return Edit::Unchanged(false);
            }
            match table.insert(key, value.clone()) {
                Some(old) => tracing::info!(?old, new = ?value, "{updated}"),
                None => tracing::info!(config = ?value, "{created}"),
            }
            Edit::Changed(true)
        })
    }

    /// Removes `key`; `log` hears whether it existed. Returns whether it existed.
    pub(crate) fn remove(&self, key: &str, log: impl FnOnce(bool)) -> bool {
        self.edit(|state| {
            let found = state.table_mut().remove(key).is_some();
            log(found);
            Edit::changed(found)
        })
    }

    /// The value of `key`, inserting `make()` if it is missing (checked under the write lock,
    /// so a racing creator's value wins). Returns the value and whether this call created it.
    pub(crate) fn get_or_insert_with(
        &self,
        key: &str,
        make: impl FnOnce() -> W::Value,
    ) -> (W::Value, bool) {
        self.edit(|state| {
            let table = state.table_mut();
            if let Some(value) = table.get(key) {
                return Edit::Unchanged((value.clone(), false));
            }
            let value = make();
            table.insert(key.to_string(), value.clone());
            Edit::Changed((value, true))
        })
    }

    /// Replaces the whole table and its version with a master's (slave sync: Java clears and
    /// refills the table, takes the version and persists). A no-op when the versions are
    /// equal. Returns whether it replaced the table.
    pub(crate) fn replace_all(&self, wrapper: W) -> bool {
        {
            let mut state = self.write();
            if state.version() == wrapper.version() {
                return false;
            }
            *state = wrapper;
            self.file.mark_changed();
        }
        self.persist_logged();
        true
    }

    fn encode(&self) -> Vec<u8> {
        to_vec_pretty(&*self.read(), JsonStyle::Fastjson)
    }

    fn persist_logged(&self) {
        self.file.persist_logged(|| self.encode());
    }

    /// Writes the file if the table changed since the last write. Returns whether it wrote.
    pub(crate) fn persist(&self) -> Result<bool, MetadataError> {
        self.file.persist_with(false, || self.encode())
    }
}
