//! The name server's KV config (`KVConfigManager`): string values in namespaces, kept in memory
//! and persisted to `kvConfig.json` after every change.
//!
//! The only namespace RocketMQ itself reads is [`NAMESPACE_ORDER_TOPIC_CONFIG`] (topic →
//! `brokerName:queueNums;...` for globally ordered topics); admins may store anything else.
//! File shape, as Java writes it: `{"configTable":{"NS":{"k":"v"}}}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use serde::{Deserialize, Serialize};

use super::NamesrvError;
use crate::common::fs::{with_suffix as sibling, write_atomically, Backup};
use crate::protocol::body::KVTable;
use crate::protocol::fastjson;

/// Namespace holding the order-topic configuration (`NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG`).
pub const NAMESPACE_ORDER_TOPIC_CONFIG: &str = "ORDER_TOPIC_CONFIG";

type Table = BTreeMap<String, BTreeMap<String, String>>;

/// `kvConfig.json` (`KVConfigSerializeWrapper`).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct KvConfigFile {
    config_table: Table,
}

/// Namespaced key/value settings persisted to one JSON file.
#[derive(Debug)]
pub struct KvConfigManager {
    path: PathBuf,
    table: RwLock<Table>,
    /// Serializes file writes, so the last write always carries the newest table.
    persist_lock: Mutex<()>,
}

impl KvConfigManager {
    /// Loads `path`. A missing file is an empty table. A file that does not parse falls back to
    /// `<path>.bak` (the previous version, which Java also keeps) with a warning.
    ///
    /// # Errors
    /// [`NamesrvError::KvConfig`] when the file exists but cannot be read, or neither it nor its
    /// backup parses.
    pub fn load(path: impl Into<PathBuf>) -> Result<KvConfigManager, NamesrvError> {
        let path = path.into();
        let table = match read_table(&path)? {
            Ok(table) => table,
            Err(reason) => {
                let bak = sibling(&path, ".bak");
                match read_table(&bak) {
                    Ok(Ok(table)) if bak.exists() => {
                        tracing::warn!(
                            path = %path.display(),
                            "kv config does not parse ({reason}); using {}",
                            bak.display()
                        );
                        table
                    }
                    _ => {
                        return Err(NamesrvError::KvConfig {
                            path,
                            reason: format!("not a kvConfig.json: {reason}"),
                        })
                    }
                }
            }
        };
        if !table.is_empty() {
            tracing::info!(path = %path.display(), namespaces = table.len(), "kv config loaded");
        }
        Ok(KvConfigManager {
            path,
            table: RwLock::new(table),
            persist_lock: Mutex::new(()),
        })
    }

    /// An empty table that is never written (for tests and embedding).
    pub fn in_memory() -> KvConfigManager {
        KvConfigManager {
            path: PathBuf::new(),
            table: RwLock::new(Table::new()),
            persist_lock: Mutex::new(()),
        }
    }

    /// The file this table persists to (empty for [`in_memory`](Self::in_memory)).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets `namespace`/`key` to `value` and persists.
    ///
    /// # Errors
    /// [`NamesrvError::Persist`] if the file could not be written; the value is set in memory
    /// regardless.
    pub fn put(&self, namespace: &str, key: &str, value: &str) -> Result<(), NamesrvError> {
        let previous = self
            .write()
            .entry(namespace.to_string())
            .or_default()
            .insert(key.to_string(), value.to_string());
        match previous {
            None => tracing::info!(namespace, key, value, "kv config added"),
            Some(old) => tracing::info!(namespace, key, value, old, "kv config updated"),
        }
        self.persist()
    }

    /// The value of `namespace`/`key`.
    pub fn get(&self, namespace: &str, key: &str) -> Option<String> {
        self.read().get(namespace)?.get(key).cloned()
    }

    /// Removes `namespace`/`key` (persisting if it existed); returns whether it existed. Like
    /// Java, an emptied namespace stays, so listing it still succeeds with an empty table.
    ///
    /// # Errors
    /// [`NamesrvError::Persist`] if the file could not be written.
    pub fn delete(&self, namespace: &str, key: &str) -> Result<bool, NamesrvError> {
        let removed = self
            .write()
            .get_mut(namespace)
            .and_then(|ns| ns.remove(key));
        match removed {
            Some(value) => {
                tracing::info!(namespace, key, value, "kv config deleted");
                self.persist()?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// All pairs of `namespace`, or `None` if the namespace was never created.
    pub fn namespace(&self, namespace: &str) -> Option<KVTable> {
        self.read()
            .get(namespace)
            .map(|t| KVTable { table: t.clone() })
    }

    fn persist(&self) -> Result<(), NamesrvError> {
        if self.path.as_os_str().is_empty() {
            return Ok(());
        }
        let _serial = self.persist_lock.lock().unwrap_or_else(|p| p.into_inner());
        let file = KvConfigFile {
            config_table: self.read().clone(),
        };
        // Plain string maps: standard JSON is exactly what fastjson writes for them.
        let json = serde_json::to_vec(&file).expect("string maps always serialize");
        write_atomically(&self.path, &json, Backup::Keep).map_err(|e| NamesrvError::Persist {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        // Every mutation is a single map operation, so a panicking writer cannot leave the
        // table half-updated; poison is ignored.
        self.table.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Table> {
        self.table.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// `Ok(Ok(table))`: read (a missing or blank file is empty); `Ok(Err(reason))`: the file does
/// not parse; `Err`: it exists but cannot be read.
fn read_table(path: &Path) -> Result<Result<Table, String>, NamesrvError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ok(Table::new())),
        Err(e) => {
            return Err(NamesrvError::KvConfig {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Ok(Table::new()));
    }
    Ok(
        fastjson::from_slice::<KvConfigFile>("KVConfigSerializeWrapper", &bytes)
            .map(|f| f.config_table)
            .map_err(|e| e.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rmq-kv-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn put_get_delete_persist_reload() {
        let dir = temp_dir("cycle");
        let path = dir.join("namesrv").join("kvConfig.json");
        let kv = KvConfigManager::load(&path).unwrap();
        assert_eq!(kv.get("NS", "k"), None);
        assert!(kv.namespace("NS").is_none());
        kv.put("NS", "k", "v1").unwrap();
        kv.put("NS", "k", "v2").unwrap();
        kv.put(NAMESPACE_ORDER_TOPIC_CONFIG, "T", "broker-a:4")
            .unwrap();
        assert_eq!(kv.get("NS", "k").as_deref(), Some("v2"));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            r#"{"configTable":{"NS":{"k":"v2"},"ORDER_TOPIC_CONFIG":{"T":"broker-a:4"}}}"#
        );
        assert!(sibling(&path, ".bak").exists());

        let again = KvConfigManager::load(&path).unwrap();
        assert_eq!(again.get("NS", "k").as_deref(), Some("v2"));
        assert!(again.delete("NS", "k").unwrap());
        assert!(!again.delete("NS", "k").unwrap());
        assert_eq!(again.namespace("NS").unwrap().table.len(), 0);
        let third = KvConfigManager::load(&path).unwrap();
        assert_eq!(third.get("NS", "k"), None);
        assert_eq!(
            third.namespace(NAMESPACE_ORDER_TOPIC_CONFIG).unwrap().table["T"],
            "broker-a:4"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_file_falls_back_to_backup_or_fails() {
        let dir = temp_dir("corrupt");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kvConfig.json");
        std::fs::write(&path, "{not json").unwrap();
        let err = KvConfigManager::load(&path).unwrap_err().to_string();
        assert!(err.contains("kvConfig.json"), "{err}");
        std::fs::write(sibling(&path, ".bak"), r#"{"configTable":{"A":{"b":"c"}}}"#).unwrap();
        let kv = KvConfigManager::load(&path).unwrap();
        assert_eq!(kv.get("A", "b").as_deref(), Some("c"));
        std::fs::write(&path, "  \n").unwrap();
        assert!(KvConfigManager::load(&path)
            .unwrap()
            .namespace("A")
            .is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
