//! [`ConsumerOffsetManager`]: committed consumer offsets, persisted as
//! `config/consumerOffset.json` (Java's `ConsumerOffsetManager`, 4.9.8).
//!
//! The table is keyed like Java's: `"topic@group"` → queue id → next offset to consume, and
//! written in the 4.x shape `{"offsetTable":{"T@G":{0:37960,1:37961}}}` with bare integer
//! keys. (A 5.x file's `dataVersion` and `groupTopicMap` are ignored on load and not written.)
//!
//! Commits arrive with every pull and every UPDATE_CONSUMER_OFFSET, so the path is kept
//! cheap: the `topic@group` key is built in a reused per-thread buffer and looked up under a
//! shared read lock; only that key's queue map is locked for the update. Nothing is allocated
//! unless the key or queue is new. Writing to disk happens in [`persist`](ConsumerOffsetManager::persist),
//! which the broker calls every `flushConsumerOffsetInterval` (5 s) and at shutdown, and which
//! skips the write when no offset changed.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::protocol::body::ConsumerOffsetSerializeWrapper;
use crate::protocol::fastjson::{to_vec_pretty, JsonStyle};

use super::file::{ConfigFile, MetadataError};

/// One `topic@group` entry: queue id → offset. Sorted, as it is written sorted.
type QueueOffsets = Mutex<BTreeMap<i32, i64>>;

thread_local! {
    /// Scratch space for building `topic@group` keys without allocating per call.
    static KEY_BUF: RefCell<String> = RefCell::new(String::with_capacity(128));
}

/// Runs `f` with the key `topic@group`. (`f` is `Fn` so the rare fallback below, for a
/// re-entrant call or a thread being torn down, can run it with a fresh buffer.)
fn with_key<R>(topic: &str, group: &str, f: impl Fn(&str) -> R) -> R {
    fn fill(buf: &mut String, topic: &str, group: &str) {
        buf.clear();
        buf.push_str(topic);
        buf.push('@');
        buf.push_str(group);
    }
    let reused = KEY_BUF.try_with(|cell| {
        let mut buf = cell.try_borrow_mut().ok()?;
        fill(&mut buf, topic, group);
        Some(f(buf.as_str()))
    });
    if let Ok(Some(result)) = reused {
        return result;
    }
    let mut buf = String::with_capacity(topic.len() + group.len() + 1);
    fill(&mut buf, topic, group);
    f(&buf)
}

fn lock(queues: &QueueOffsets) -> std::sync::MutexGuard<'_, BTreeMap<i32, i64>> {
    queues.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The consumer offset table. All methods take `&self`; share it behind an `Arc`.
#[derive(Debug)]
pub struct ConsumerOffsetManager {
    file: ConfigFile,
    table: RwLock<HashMap<String, QueueOffsets>>,
}

impl ConsumerOffsetManager {
    /// An empty table for `path` (normally `<storeRoot>/config/consumerOffset.json`).
    pub fn new(path: PathBuf) -> Self {
        ConsumerOffsetManager {
            file: ConfigFile::new(path, "consumerOffset.json"),
            table: RwLock::new(HashMap::new()),
        }
    }

    /// [`new`](Self::new) then [`load`](Self::load).
    ///
    /// # Errors
    ///
    /// As [`load`](Self::load).
    pub fn open(path: PathBuf) -> Result<Self, MetadataError> {
        let manager = Self::new(path);
        manager.load()?;
        Ok(manager)
    }

    /// Replaces the table with the file's (or its backup's), as Java's `decode` does.
    ///
    /// # Errors
    ///
    /// [`MetadataError`] when the file is damaged and has no usable backup.
    pub fn load(&self) -> Result<(), MetadataError> {
        if let Some(loaded) = self.file.load::<ConsumerOffsetSerializeWrapper>()? {
            let table = loaded
                .value
                .offset_table
                .into_iter()
                .map(|(k, v)| (k, Mutex::new(v)))
                .collect();
            *self.write() = table;
        }
        self.file.mark_clean();
        Ok(())
    }

    /// The file this manager persists to.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    fn read(&self) -> RwLockReadGuard<'_, HashMap<String, QueueOffsets>> {
        self.table.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<String, QueueOffsets>> {
        self.table.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Records that `group` will next consume `offset` in queue `queue_id` of `topic`
    /// (`commitOffset`). `client_host` only appears in the warning Java logs when an offset
    /// moves backwards.
    pub fn commit(&self, client_host: &str, group: &str, topic: &str, queue_id: i32, offset: i64) {
        let previous = self.set(group, topic, queue_id, offset);
        if let Some(previous) = previous.filter(|&p| offset < p) {
            tracing::warn!(
                client_host,
                key = %format_args!("{topic}@{group}"),
                queue_id,
                offset,
                previous,
                "[NOTIFYME]update consumer offset less than store"
            );
        }
    }

    /// Sets an offset without the backwards-move warning (admin resets).
    pub fn reset(&self, group: &str, topic: &str, queue_id: i32, offset: i64) {
        self.set(group, topic, queue_id, offset);
    }

    /// Sets an offset and returns the previous one.
    fn set(&self, group: &str, topic: &str, queue_id: i32, offset: i64) -> Option<i64> {
        with_key(topic, group, |key| {
            let previous = {
                let table = self.read();
                table
                    .get(key)
                    .map(|queues| lock(queues).insert(queue_id, offset))
            };
            let previous = match previous {
                Some(previous) => previous,
                // First commit of this topic and group: the only path that allocates.
                None => self
                    .write()
                    .entry(key.to_string())
                    .or_default()
                    .get_mut()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(queue_id, offset),
            };
            if previous != Some(offset) {
                self.file.mark_changed();
            }
            previous
        })
    }

    /// The committed offset of one queue (`queryOffset`; Java answers -1 where this answers
    /// `None`).
    pub fn query(&self, group: &str, topic: &str, queue_id: i32) -> Option<i64> {
        with_key(topic, group, |key| {
            self.read()
                .get(key)
                .and_then(|queues| lock(queues).get(&queue_id).copied())
        })
    }

    /// All committed offsets of a topic and group, by queue id; `None` when there are none.
    pub fn query_all(&self, group: &str, topic: &str) -> Option<BTreeMap<i32, i64>> {
        with_key(topic, group, |key| {
            self.read().get(key).map(|queues| lock(queues).clone())
        })
    }

    /// The groups with offsets on `topic` (`whichGroupByTopic`). Keys that do not split
    /// into exactly one topic and one group, as Java's `split("@")` sees them, are skipped.
    pub fn groups_of_topic(&self, topic: &str) -> BTreeSet<String> {
        self.read()
            .keys()
            .filter_map(|k| ConsumerOffsetSerializeWrapper::split_key(k))
            .filter(|(t, _)| *t == topic)
            .map(|(_, g)| g.to_string())
            .collect()
    }

    /// The topics `group` has offsets on (`whichTopicByConsumer`).
    pub fn topics_of_group(&self, group: &str) -> BTreeSet<String> {
        self.read()
            .keys()
            .filter_map(|k| ConsumerOffsetSerializeWrapper::split_key(k))
            .filter(|(_, g)| *g == group)
            .map(|(t, _)| t.to_string())
            .collect()
    }

    /// Removes every offset of `group` (`removeOffset`, used when a group is deleted).
    /// Returns how many `topic@group` entries went.
    pub fn remove_group(&self, group: &str) -> usize {
        self.remove_where(|_, g| g == group)
    }

    /// Removes every group's offsets on `topic`. Returns how many entries went.
    pub fn remove_topic(&self, topic: &str) -> usize {
        self.remove_where(|t, _| t == topic)
    }

    fn remove_where(&self, doomed: impl Fn(&str, &str) -> bool) -> usize {
        let mut table = self.write();
        let before = table.len();
        table.retain(|key, _| {
            let keep =
                !ConsumerOffsetSerializeWrapper::split_key(key).is_some_and(|(t, g)| doomed(t, g));
            if !keep {
                tracing::warn!(key = %key, "clean group offset");
            }
            keep
        });
        let removed = before - table.len();
        if removed > 0 {
            self.file.mark_changed();
        }
        removed
    }

    /// Copies `src_group`'s offsets on `topic` to `dst_group`, replacing any it had
    /// (`cloneOffset`, CLONE_GROUP_OFFSET). Returns false when `src_group` has none.
    pub fn clone_offsets(&self, src_group: &str, dst_group: &str, topic: &str) -> bool {
        let Some(offsets) = self.query_all(src_group, topic) else {
            return false;
        };
        self.write()
            .insert(format!("{topic}@{dst_group}"), Mutex::new(offsets));
        self.file.mark_changed();
        true
    }

    /// A copy of the whole table (the GET_ALL_CONSUMER_OFFSET body, and what is persisted).
    pub fn snapshot(&self) -> ConsumerOffsetSerializeWrapper {
        let offset_table = self
            .read()
            .iter()
            .map(|(k, queues)| (k.clone(), lock(queues).clone()))
            .collect();
        ConsumerOffsetSerializeWrapper { offset_table }
    }

    /// Takes a master's entries over ours key by key (slave sync: Java's `putAll`); keys only
    /// we have stay.
    pub fn put_all(&self, wrapper: ConsumerOffsetSerializeWrapper) {
        let mut table = self.write();
        for (key, offsets) in wrapper.offset_table {
            table.insert(key, Mutex::new(offsets));
        }
        self.file.mark_changed();
    }

    fn encode(&self) -> Vec<u8> {
        to_vec_pretty(&self.snapshot(), JsonStyle::Fastjson)
    }

    /// Writes `consumerOffset.json` if any offset changed since the last write. Returns
    /// whether it wrote.
    ///
    /// # Errors
    ///
    /// [`MetadataError::Io`] when the file cannot be written; the changes stay pending.
    pub fn persist(&self) -> Result<bool, MetadataError> {
        self.file.persist_with(false, || self.encode())
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::sync::Arc;

    use super::super::file::tests::TempDir;
    use super::super::file::{backup_path, temp_path};
    use super::*;

    /// `consumerOffset.json` as a 4.9.8 broker writes it: bare queue ids, each table's
    /// closing brace on its own line.
    const JAVA_OFFSETS_JSON: &str = "{\n\
\t\"offsetTable\":{\n\
\t\t\"TopicTest@please_rename_unique_group_name_4\":{0:250,1:251,2:252,3:253\n\
\t\t},\n\
\t\t\"%RETRY%please_rename_unique_group_name_4@please_rename_unique_group_name_4\":{0:0\n\
\t\t}\n\
\t}\n\
}";

    #[test]
    fn reads_java_file() {
        let dir = TempDir::new("offsets-java");
        let path = dir.file("consumerOffset.json");
        fs::write(&path, JAVA_OFFSETS_JSON).unwrap();
        let m = ConsumerOffsetManager::open(path).unwrap();
        let g = "please_rename_unique_group_name_4";
        assert_eq!(m.query(g, "TopicTest", 3), Some(253));
        assert_eq!(m.query(g, "TopicTest", 4), None);
        assert_eq!(m.query(g, &format!("%RETRY%{g}"), 0), Some(0));
        assert_eq!(
            m.topics_of_group(g),
            BTreeSet::from(["TopicTest".to_string(), format!("%RETRY%{g}")])
        );
        assert_eq!(
            m.groups_of_topic("TopicTest"),
            BTreeSet::from([g.to_string()])
        );
        assert_eq!(
            m.query_all(g, "TopicTest"),
            Some(BTreeMap::from([(0, 250), (1, 251), (2, 252), (3, 253)]))
        );
        assert!(!m.persist().unwrap(), "nothing changed since load");
    }

    #[test]
    fn commit_persist_reload() {
        let dir = TempDir::new("offsets-rw");
        let path = dir.file("consumerOffset.json");
        let m = ConsumerOffsetManager::new(path.clone());
        assert!(!m.persist().unwrap());
        assert!(!path.exists());
        m.commit("127.0.0.1:1", "G", "T", 0, 5);
        m.commit("127.0.0.1:1", "G", "T", 1, 7);
        m.commit("127.0.0.1:1", "G2", "T", 0, 1);
        assert!(m.persist().unwrap());
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "{\n\t\"offsetTable\":{\n\t\t\"T@G\":{0:5,1:7\n\t\t},\n\t\t\"T@G2\":{0:1\n\t\t}\n\t}\n}"
        );
        assert!(!temp_path(&path).exists());
        let back = ConsumerOffsetManager::open(path.clone()).unwrap();
        assert_eq!(back.snapshot(), m.snapshot());

        // Unchanged (also when the same offset is committed again): no write, mtime kept.
        let mtime = fs::metadata(&path).unwrap().modified().unwrap();
        m.commit("h", "G", "T", 0, 5);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(!m.persist().unwrap());
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), mtime);

        m.commit("h", "G", "T", 0, 6);
        assert!(m.persist().unwrap());
        assert_eq!(
            ConsumerOffsetManager::open(path.clone())
                .unwrap()
                .query("G", "T", 0),
            Some(6)
        );
        // The previous file is the backup; a damaged main file falls back to it.
        fs::write(&path, b"{\"offsetTable\":{\"T@G\":{0:").unwrap();
        let fallback = ConsumerOffsetManager::open(path.clone()).unwrap();
        assert_eq!(fallback.query("G", "T", 0), Some(5));
        assert!(backup_path(&path).exists());
    }

    #[test]
    fn group_and_topic_operations() {
        let dir = TempDir::new("offsets-ops");
        let m = ConsumerOffsetManager::new(dir.file("consumerOffset.json"));
        m.commit("h", "G1", "T1", 0, 10);
        m.commit("h", "G1", "T2", 0, 20);
        m.commit("h", "G2", "T1", 0, 30);
        m.commit("h", "G2", "T1", 0, 3); // backwards: warned, still applied
        assert_eq!(m.query("G2", "T1", 0), Some(3));
        m.reset("G2", "T1", 1, 99);
        assert_eq!(m.query("G2", "T1", 1), Some(99));

        assert!(m.clone_offsets("G2", "G3", "T1"));
        assert!(!m.clone_offsets("nobody", "G3", "T1"));
        assert_eq!(
            m.query_all("G3", "T1"),
            Some(BTreeMap::from([(0, 3), (1, 99)]))
        );
        assert_eq!(
            m.groups_of_topic("T1"),
            BTreeSet::from(["G1".into(), "G2".into(), "G3".into()])
        );
        assert_eq!(m.remove_group("G1"), 2);
        assert_eq!(m.query("G1", "T1", 0), None);
        assert_eq!(m.remove_topic("T1"), 2);
        assert!(m.groups_of_topic("T1").is_empty());
        assert_eq!(m.remove_topic("T1"), 0);

        // Slave sync: the master's entries replace ours key by key.
        m.commit("h", "G9", "T9", 0, 1);
        m.put_all(ConsumerOffsetSerializeWrapper {
            offset_table: BTreeMap::from([("T9@G9".into(), BTreeMap::from([(1, 5)]))]),
        });
        assert_eq!(m.query_all("G9", "T9"), Some(BTreeMap::from([(1, 5)])));
    }

    #[test]
    fn odd_keys_survive_but_are_not_split() {
        let dir = TempDir::new("offsets-odd");
        let path = dir.file("consumerOffset.json");
        fs::write(
            &path,
            r#"{"offsetTable":{"T@G@x":{0:1},"TG":{0:2},"T@G":{0:3}}}"#,
        )
        .unwrap();
        let m = ConsumerOffsetManager::open(path.clone()).unwrap();
        assert_eq!(m.groups_of_topic("T"), BTreeSet::from(["G".to_string()]));
        // Exact-key lookups still work, as in Java.
        assert_eq!(m.query("G@x", "T", 0), Some(1));
        m.commit("h", "G", "T", 0, 4);
        assert!(m.persist().unwrap());
        let back = ConsumerOffsetManager::open(path).unwrap();
        assert_eq!(back.snapshot().offset_table.len(), 3);
    }

    #[test]
    fn concurrent_commits() {
        let dir = TempDir::new("offsets-mt");
        let m = Arc::new(ConsumerOffsetManager::new(dir.file("consumerOffset.json")));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let m = m.clone();
                std::thread::spawn(move || {
                    for i in 0..1000 {
                        m.commit("h", &format!("G{}", i % 3), "T", t, i64::from(i));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        for q in 0..4 {
            assert_eq!(m.query("G0", "T", q), Some(999));
        }
        assert!(m.persist().unwrap());
    }

    #[test]
    fn key_buffer_is_reentrant() {
        let nested = with_key("a", "b", |outer| {
            let inner = with_key("c", "d", |inner| inner.to_string());
            format!("{outer}|{inner}")
        });
        assert_eq!(nested, "a@b|c@d");
    }
}
