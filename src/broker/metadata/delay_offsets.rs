//! [`DelayOffsetTable`]: how far the delayed-message service has delivered each delay
//! level, persisted as `config/delayOffset.json` (the offset table of Java's
//! `ScheduleMessageService`, 4.9.8).
//!
//! The file is `{"offsetTable":{1:123,2:0}}`: delay **level** (1-based, bare integer key) →
//! next consume queue offset to deliver in `SCHEDULE_TOPIC_XXXX` queue `level - 1`. Java
//! flushes it every `flushDelayOffsetInterval` (10 s); the master sends the same JSON, compact,
//! as the GET_ALL_DELAY_OFFSET body and a slave stores it verbatim.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::{Deserialize, Serialize};

use crate::protocol::fastjson::{self, to_vec, to_vec_pretty, JsonStyle};

use super::file::{ConfigFile, MetadataError};

/// `delayOffset.json` and the GET_ALL_DELAY_OFFSET body (`DelayOffsetSerializeWrapper`).
/// A 5.x file's `dataVersion` is ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DelayOffsetSerializeWrapper {
    /// Delay level → next offset in the level's schedule queue.
    pub offset_table: BTreeMap<i32, i64>,
}

/// The delay level offsets. All methods take `&self`; share it behind an `Arc`.
#[derive(Debug)]
pub struct DelayOffsetTable {
    file: ConfigFile,
    table: RwLock<BTreeMap<i32, i64>>,
}

impl DelayOffsetTable {
    /// An empty table for `path` (normally `<storeRoot>/config/delayOffset.json`).
    pub fn new(path: PathBuf) -> Self {
        DelayOffsetTable {
            file: ConfigFile::new(path, "delayOffset.json"),
            table: RwLock::new(BTreeMap::new()),
        }
    }

    /// [`new`](Self::new) then [`load`](Self::load).
    ///
    /// # Errors
    ///
    /// As [`load`](Self::load).
    pub fn open(path: PathBuf) -> Result<Self, MetadataError> {
        let table = Self::new(path);
        table.load()?;
        Ok(table)
    }

    /// Merges the file (or its backup) into the table, as Java's `decode` (`putAll`) does.
    ///
    /// # Errors
    ///
    /// [`MetadataError`] when the file is damaged and has no usable backup.
    pub fn load(&self) -> Result<(), MetadataError> {
        if let Some(loaded) = self.file.load::<DelayOffsetSerializeWrapper>()? {
            self.write().extend(loaded.value.offset_table);
        }
        self.file.mark_clean();
        Ok(())
    }

    /// The file this table persists to.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<i32, i64>> {
        self.table.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<i32, i64>> {
        self.table.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The next offset to deliver for a delay level.
    pub fn get(&self, level: i32) -> Option<i64> {
        self.read().get(&level).copied()
    }

    /// Records the next offset to deliver for a delay level.
    pub fn set(&self, level: i32, offset: i64) {
        if self.write().insert(level, offset) != Some(offset) {
            self.file.mark_changed();
        }
    }

    /// All levels and offsets.
    pub fn all(&self) -> BTreeMap<i32, i64> {
        self.read().clone()
    }

    /// Java's `correctDelayOffset` for one level: an offset outside the schedule queue's
    /// `[cq_min, cq_max]` is moved to the nearer bound. Returns the corrected offset when it
    /// changed; a level without an offset is left alone.
    pub fn correct(&self, level: i32, cq_min: i64, cq_max: i64) -> Option<i64> {
        let mut table = self.write();
        let current = table.get_mut(&level)?;
        let corrected = if *current < cq_min {
            cq_min
        } else if *current > cq_max {
            cq_max
        } else {
            return None;
        };
        tracing::error!(
            level,
            from = *current,
            to = corrected,
            cq_min,
            cq_max,
            "correct delay offset"
        );
        *current = corrected;
        self.file.mark_changed();
        Some(corrected)
    }

    /// The table as the GET_ALL_DELAY_OFFSET body (compact JSON, as Java's `encode()`).
    pub fn encode(&self) -> Vec<u8> {
        to_vec(&self.wrapper(), JsonStyle::Fastjson)
    }

    fn wrapper(&self) -> DelayOffsetSerializeWrapper {
        DelayOffsetSerializeWrapper {
            offset_table: self.all(),
        }
    }

    /// Takes a master's GET_ALL_DELAY_OFFSET body: replaces the table and writes the file.
    /// (A 4.9.8 slave writes the body to the file verbatim and reads it when it becomes
    /// master; replacing the table too keeps memory and file equal.)
    ///
    /// # Errors
    ///
    /// [`MetadataError::Parse`] (naming this table's file) when the body is not a delay
    /// offset table; [`MetadataError::Io`] when the file cannot be written.
    pub fn replace_from_json(&self, body: &[u8]) -> Result<(), MetadataError> {
        let what = "delayOffset.json";
        let wrapper: DelayOffsetSerializeWrapper =
            fastjson::from_slice(what, body).map_err(|e| MetadataError::Parse {
                path: self.file.path().to_path_buf(),
                what,
                reason: e.to_string(),
            })?;
        *self.write() = wrapper.offset_table;
        self.file.mark_changed();
        self.persist().map(|_| ())
    }

    /// Writes `delayOffset.json` if any offset changed since the last write. Returns whether
    /// it wrote.
    ///
    /// # Errors
    ///
    /// [`MetadataError::Io`] when the file cannot be written.
    pub fn persist(&self) -> Result<bool, MetadataError> {
        self.file.persist_with(false, || {
            to_vec_pretty(&self.wrapper(), JsonStyle::Fastjson)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::super::file::tests::TempDir;
    use super::*;

    /// `delayOffset.json` as a 4.9.8 broker writes it.
    const JAVA_DELAY_JSON: &str = "{\n\t\"offsetTable\":{1:123,2:0,3:17\n\t}\n}";

    #[test]
    fn reads_java_file_and_round_trips() {
        let dir = TempDir::new("delay");
        let path = dir.file("delayOffset.json");
        fs::write(&path, JAVA_DELAY_JSON).unwrap();
        let t = DelayOffsetTable::open(path.clone()).unwrap();
        assert_eq!(t.get(1), Some(123));
        assert_eq!(t.get(3), Some(17));
        assert_eq!(t.get(4), None);
        assert!(!t.persist().unwrap());
        t.set(3, 17);
        assert!(!t.persist().unwrap(), "same value: nothing to write");
        t.set(4, 9);
        assert!(t.persist().unwrap());
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "{\n\t\"offsetTable\":{1:123,2:0,3:17,4:9\n\t}\n}"
        );
        assert_eq!(t.encode(), b"{\"offsetTable\":{1:123,2:0,3:17,4:9}}");
        let back = DelayOffsetTable::open(path).unwrap();
        assert_eq!(back.all(), t.all());
    }

    #[test]
    fn correct_and_slave_sync() {
        let dir = TempDir::new("delay-sync");
        let path = dir.file("delayOffset.json");
        let t = DelayOffsetTable::new(path.clone());
        t.set(1, 5);
        t.set(2, 50);
        t.set(3, 20);
        assert_eq!(t.correct(1, 10, 40), Some(10));
        assert_eq!(t.correct(2, 10, 40), Some(40));
        assert_eq!(t.correct(3, 10, 40), None);
        assert_eq!(t.correct(9, 10, 40), None);
        assert_eq!(t.all(), BTreeMap::from([(1, 10), (2, 40), (3, 20)]));

        let slave = DelayOffsetTable::new(dir.file("slave.json"));
        slave.replace_from_json(&t.encode()).unwrap();
        assert_eq!(slave.all(), t.all());
        assert_eq!(
            DelayOffsetTable::open(dir.file("slave.json"))
                .unwrap()
                .all(),
            t.all()
        );
        let err = slave.replace_from_json(b"[1,2").unwrap_err();
        assert!(err.to_string().contains("slave.json"), "{err}");
        // 5.x bodies carry a dataVersion, which is ignored.
        slave
            .replace_from_json(
                br#"{"dataVersion":{"counter":1,"timestamp":2},"offsetTable":{1:7}}"#,
            )
            .unwrap();
        assert_eq!(slave.all(), BTreeMap::from([(1, 7)]));
    }
}
