//! ConsumeQueues: per topic and queue id, a log of 20-byte entries `(commitlog offset i64,
//! size i32, tags code i64)` under `consumequeue/<topic>/<queueId>/`. Entry `n` is logical queue
//! offset `n`, so a consumer's offset is an index into this log.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use super::error::StoreError;
use super::mapped_file::MappedFileQueue;

/// Bytes per entry (`CQ_STORE_UNIT_SIZE`).
pub const CQ_UNIT: usize = 20;

/// Disk blocks are allocated this far ahead of a queue's writer (a syscall per ~3,300
/// entries), not for whole files: most queues never fill their 6 MB files.
const ALLOCATION_CHUNK: usize = 64 * 1024;

/// One ConsumeQueue entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CqEntry {
    pub phys_offset: i64,
    pub size: i32,
    pub tags_code: i64,
}

impl CqEntry {
    /// The entry Java writes in front of a queue whose first file starts past offset 0.
    pub const PRE_FILL: CqEntry = CqEntry {
        phys_offset: 0,
        size: i32::MAX,
        tags_code: 0,
    };

    pub fn encode(&self) -> [u8; CQ_UNIT] {
        let mut b = [0u8; CQ_UNIT];
        b[0..8].copy_from_slice(&self.phys_offset.to_be_bytes());
        b[8..12].copy_from_slice(&self.size.to_be_bytes());
        b[12..20].copy_from_slice(&self.tags_code.to_be_bytes());
        b
    }

    /// Decodes 20 bytes (callers pass exactly one unit).
    pub fn decode(b: &[u8]) -> CqEntry {
        let mut phys = [0u8; 8];
        phys.copy_from_slice(&b[0..8]);
        let mut tags = [0u8; 8];
        tags.copy_from_slice(&b[12..20]);
        CqEntry {
            phys_offset: i64::from_be_bytes(phys),
            size: i32::from_be_bytes([b[8], b[9], b[10], b[11]]),
            tags_code: i64::from_be_bytes(tags),
        }
    }

    /// Java's recovery test for a written entry.
    pub fn is_valid(&self) -> bool {
        self.phys_offset >= 0 && self.size > 0
    }
}

/// One queue's entries.
pub struct ConsumeQueue {
    topic: String,
    queue_id: i32,
    files: MappedFileQueue,
    /// First valid byte offset (entries before it point at deleted CommitLog files).
    min_logic_offset: AtomicI64,
    /// CommitLog offset one past the last message this queue references.
    max_phys_end: AtomicI64,
    /// Loading restored a file that was cut short.
    restored: bool,
}

/// A ConsumeQueue entry that does not match the CommitLog, found by
/// [`ConsumeQueue::cut_at_first_bad_entry`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CqDamage {
    pub file: PathBuf,
    pub queue_offset: i64,
    /// Byte position of the entry in `file`.
    pub file_position: i64,
    pub reason: String,
}

impl ConsumeQueue {
    pub fn load(
        dir: &Path,
        topic: &str,
        queue_id: i32,
        file_size: usize,
        writable: bool,
    ) -> Result<Self, StoreError> {
        let mut restored = false;
        if writable {
            for (path, len) in super::salvage::restore_cut_files(dir, file_size, CQ_UNIT)? {
                tracing::error!(
                    file = %path.display(),
                    "ConsumeQueue file {} of {topic}/{queue_id} was cut to {len} bytes (not \
                     {file_size}): its whole entries (up to queue offset {}) are kept, the file \
                     is zero-filled to its size and the rest of the queue is rebuilt from the \
                     CommitLog",
                    path.display(),
                    super::mapped_file::list_log_files(dir)?
                        .iter()
                        .find(|(_, p)| *p == path)
                        .map_or(0, |(offset, _)| (offset + len as i64) / CQ_UNIT as i64),
                );
                restored = true;
            }
        }
        let files = MappedFileQueue::load(dir, file_size, writable)?
            .with_allocation_chunk(ALLOCATION_CHUNK);
        let min = files.min_offset();
        Ok(ConsumeQueue {
            topic: topic.to_string(),
            queue_id,
            files,
            min_logic_offset: AtomicI64::new(min),
            max_phys_end: AtomicI64::new(0),
            restored,
        })
    }

    /// Whether loading restored a file of this queue that was cut short (its tail must be
    /// rebuilt from the CommitLog).
    pub fn was_restored(&self) -> bool {
        self.restored
    }

    /// Checks the entries of the last three files (what Java's recovery reads) with
    /// `check(queue offset, entry)`, which compares an entry with its CommitLog record. At the
    /// first entry that fails, the queue is cut back to the entry before it, and the damage is
    /// returned (the caller rebuilds the rest from the CommitLog).
    pub fn cut_at_first_bad_entry(
        &self,
        mut check: impl FnMut(i64, &CqEntry) -> Result<(), String>,
    ) -> Result<Option<CqDamage>, StoreError> {
        let files = self.files.files();
        let start = files.len().saturating_sub(3);
        let min = self.min_offset();
        let max = self.max_offset();
        let mut offset = files
            .get(start)
            .map_or(max, |f| f.from_offset() / CQ_UNIT as i64)
            .max(min);
        while offset < max {
            let Some(entry) = self.get(offset) else { break };
            if entry != CqEntry::PRE_FILL {
                if let Err(reason) = check(offset, &entry) {
                    let pos = offset * CQ_UNIT as i64;
                    let file = self.files.find(pos).map_or_else(
                        || self.files.dir().to_path_buf(),
                        |f| f.path().to_path_buf(),
                    );
                    let file_position = self.files.find(pos).map_or(0, |f| pos - f.from_offset());
                    self.files.truncate(pos)?;
                    let before = (offset > min)
                        .then(|| self.get(offset - 1))
                        .flatten()
                        .filter(|e| *e != CqEntry::PRE_FILL)
                        .map_or(0, |e| e.phys_offset + i64::from(e.size));
                    self.max_phys_end.store(before, Ordering::Release);
                    return Ok(Some(CqDamage {
                        file,
                        queue_offset: offset,
                        file_position,
                        reason,
                    }));
                }
            }
            offset += 1;
        }
        Ok(None)
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    pub fn queue_id(&self) -> i32 {
        self.queue_id
    }

    pub fn files(&self) -> &MappedFileQueue {
        &self.files
    }

    /// Finds the end of valid entries (scanning the last three files, as Java does) and
    /// truncates whatever follows.
    pub fn recover(&self) -> Result<(), StoreError> {
        let files = self.files.files();
        let start = files.len().saturating_sub(3);
        let mut end = files.get(start).map_or(0, |f| f.from_offset());
        let mut max_phys_end = 0;
        'files: for f in &files[start..] {
            let data = f.whole();
            for (i, unit) in data.chunks_exact(CQ_UNIT).enumerate() {
                let entry = CqEntry::decode(unit);
                if !entry.is_valid() {
                    end = f.from_offset() + (i * CQ_UNIT) as i64;
                    break 'files;
                }
                if entry != CqEntry::PRE_FILL {
                    max_phys_end = entry.phys_offset + i64::from(entry.size);
                }
            }
            end = f.from_offset() + (data.len() / CQ_UNIT * CQ_UNIT) as i64;
        }
        self.files.truncate(end)?;
        self.max_phys_end.store(max_phys_end, Ordering::Release);
        Ok(())
    }

    /// Logical offset of the first entry still valid.
    pub fn min_offset(&self) -> i64 {
        self.min_logic_offset
            .load(Ordering::Acquire)
            .max(self.files.min_offset())
            / CQ_UNIT as i64
    }

    /// Logical offset the next entry gets.
    pub fn max_offset(&self) -> i64 {
        self.files.max_offset() / CQ_UNIT as i64
    }

    /// CommitLog offset one past the newest message this queue references.
    pub fn max_phys_end(&self) -> i64 {
        self.max_phys_end.load(Ordering::Acquire)
    }

    /// Writes the entry for logical offset `offset`. Single writer (the store's put lock or
    /// recovery). An offset already written is skipped (recovery re-dispatches records).
    pub fn put(&self, offset: i64, entry: CqEntry) -> Result<(), StoreError> {
        let Some(file) = self.file_for_new_entry(offset)? else {
            return Ok(());
        };
        let at = file.write_pos();
        self.files.ensure_allocated(&file, at + CQ_UNIT)?;
        // SAFETY: single writer; `at` is the published end, so the slot is unpublished.
        unsafe { file.write_slot(at, CQ_UNIT) }.copy_from_slice(&entry.encode());
        file.set_write_pos(at + CQ_UNIT);
        self.max_phys_end
            .fetch_max(entry.phys_offset + i64::from(entry.size), Ordering::AcqRel);
        Ok(())
    }

    /// Creates (allocates) every file the entries `offset..offset + count` will go to, so
    /// that [`Self::put`] of them cannot fail for want of space. The store calls it before the
    /// CommitLog append: a full disk then refuses the message before anything is written,
    /// instead of leaving a stored message without its queue entry. Same writer as `put`.
    pub fn prepare(&self, offset: i64, count: usize) -> Result<(), StoreError> {
        let Some(file) = self.file_for_new_entry(offset)? else {
            return Ok(());
        };
        let batch_end = ((offset + count as i64) * CQ_UNIT as i64 - file.from_offset()) as usize;
        self.files.ensure_allocated(&file, batch_end)?;
        if batch_end > file.size() {
            self.files.reserve_next(batch_end - file.size())?;
        }
        Ok(())
    }

    /// The file the entry for `offset` goes to (created if needed), or `None` when the entry
    /// is already written.
    fn file_for_new_entry(
        &self,
        offset: i64,
    ) -> Result<Option<Arc<super::mapped_file::MappedFile>>, StoreError> {
        let pos = offset * CQ_UNIT as i64;
        let mut end = self.files.max_offset();
        if pos < end {
            return Ok(None);
        }
        if self.files.is_empty() && pos > 0 {
            // The queue starts mid-way (its earlier files were deleted, or a new store reuses
            // offsets): pre-fill the first file up to the entry, as Java does.
            let file = self.files.last_or_create(pos)?;
            let fill = (pos - file.from_offset()) as usize;
            if fill > 0 {
                self.files.ensure_allocated(&file, fill)?;
                let unit = CqEntry::PRE_FILL.encode();
                // SAFETY: single writer; the range is beyond the published position (0).
                let slot = unsafe { file.write_slot(0, fill) };
                for chunk in slot.chunks_exact_mut(CQ_UNIT) {
                    chunk.copy_from_slice(&unit);
                }
                file.set_write_pos(fill);
            }
            self.min_logic_offset.store(pos, Ordering::Release);
            end = pos;
        }
        if pos > end {
            return Err(StoreError::Corrupt {
                path: self.files.dir().to_path_buf(),
                reason: format!(
                    "entry for offset {offset} would leave a gap after offset {}",
                    end / CQ_UNIT as i64
                ),
            });
        }
        Ok(Some(self.files.last_or_create(pos)?))
    }

    /// Removes a file reserved by [`Self::prepare`] but not used (at shutdown).
    pub fn discard_reserved(&self) -> Result<(), StoreError> {
        self.files.discard_prepared()
    }

    /// The entry at logical `offset`, if written and not expired.
    pub fn get(&self, offset: i64) -> Option<CqEntry> {
        if offset < self.min_offset() || offset < 0 {
            return None;
        }
        let pos = offset * CQ_UNIT as i64;
        let file = self.files.find(pos)?;
        let bytes = file.read((pos - file.from_offset()) as usize, CQ_UNIT)?;
        Some(CqEntry::decode(bytes))
    }

    /// Up to `max` entries from logical `offset`, stopping at the end of the file that holds
    /// `offset` (as Java's index buffer does; the next call continues in the next file).
    pub fn read(&self, offset: i64, max: usize) -> Vec<CqEntry> {
        if offset < 0 {
            return Vec::new();
        }
        let pos = offset * CQ_UNIT as i64;
        let Some(file) = self.files.find(pos) else {
            return Vec::new();
        };
        let bytes = file.read_from((pos - file.from_offset()) as usize);
        bytes
            .chunks_exact(CQ_UNIT)
            .take(max)
            .map(CqEntry::decode)
            .collect()
    }

    /// The first logical offset of the file after the one holding `offset` (for an in-range
    /// offset whose file is missing).
    pub fn roll_next_file(&self, offset: i64) -> i64 {
        let per_file = (self.files.file_size() / CQ_UNIT) as i64;
        offset + per_file - offset % per_file
    }

    /// Drops entries that reference CommitLog bytes at or past `phys_end` (recovery).
    pub fn truncate_dirty(&self, phys_end: i64) -> Result<(), StoreError> {
        let mut keep_end = self.files.max_offset();
        let min = self.files.min_offset();
        while keep_end > min {
            let at = keep_end - CQ_UNIT as i64;
            let Some(entry) = self.get(at / CQ_UNIT as i64) else {
                break;
            };
            if entry != CqEntry::PRE_FILL && entry.phys_offset + i64::from(entry.size) <= phys_end {
                break;
            }
            if entry == CqEntry::PRE_FILL {
                break;
            }
            keep_end = at;
        }
        if keep_end < self.files.max_offset() {
            self.files.truncate(keep_end)?;
        }
        let last = self.max_offset() - 1;
        let phys = if last >= self.min_offset() {
            self.get(last)
                .filter(|e| *e != CqEntry::PRE_FILL)
                .map_or(0, |e| e.phys_offset + i64::from(e.size))
        } else {
            0
        };
        self.max_phys_end.store(phys, Ordering::Release);
        Ok(())
    }

    /// After CommitLog files were deleted: the first entry still pointing at a live record
    /// becomes the minimum, and files entirely before it are deleted.
    pub fn correct_min_offset(&self, commitlog_min: i64) -> Result<(), StoreError> {
        let per_file = self.files.file_size();
        self.files.delete_front_while(|f| {
            let whole = f.whole();
            let last = whole[..whole.len().min(per_file)].chunks_exact(CQ_UNIT).next_back().map(CqEntry::decode);
            matches!(last, Some(e) if e.is_valid() && e.phys_offset + i64::from(e.size) <= commitlog_min)
        })?;
        let mut offset = self.min_offset();
        let max = self.max_offset();
        while offset < max {
            match self.get(offset) {
                Some(e) if e == CqEntry::PRE_FILL || e.phys_offset < commitlog_min => offset += 1,
                _ => break,
            }
        }
        self.min_logic_offset
            .fetch_max(offset * CQ_UNIT as i64, Ordering::AcqRel);
        Ok(())
    }

    /// The first logical offset whose message was stored at or after `timestamp` (ms), using
    /// `store_time(entry)` to read the CommitLog; the max offset when every message is older.
    /// (Java 4.9.8 returns whichever neighbour is closer in time; the lower bound is what an
    /// operator resetting "to time T" means.)
    pub fn offset_by_time(
        &self,
        timestamp: i64,
        store_time: impl Fn(&CqEntry) -> Option<i64>,
    ) -> i64 {
        let (mut lo, mut hi) = (self.min_offset(), self.max_offset());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let t = self
                .get(mid)
                .filter(|e| *e != CqEntry::PRE_FILL)
                .and_then(|e| store_time(&e));
            match t {
                Some(t) if t >= timestamp => hi = mid,
                Some(_) => lo = mid + 1,
                // Unreadable (expired) entries count as older than anything.
                None => lo = mid + 1,
            }
        }
        lo
    }

    pub fn flush(&self) -> Result<(), StoreError> {
        self.files.flush().map(|_| ())
    }

    pub fn destroy(&self) -> Result<(), StoreError> {
        self.files.destroy()
    }
}

type QueueMap = HashMap<String, HashMap<i32, Arc<ConsumeQueue>>>;

/// Every ConsumeQueue of a store, under `<root>/consumequeue`.
pub struct ConsumeQueueStore {
    dir: PathBuf,
    file_size: usize,
    writable: bool,
    queues: RwLock<QueueMap>,
}

impl ConsumeQueueStore {
    /// Loads every `<topic>/<queueId>` directory.
    pub fn load(dir: &Path, file_size: usize, writable: bool) -> Result<Self, StoreError> {
        let mut queues: QueueMap = HashMap::new();
        if let Ok(topics) = std::fs::read_dir(dir) {
            for topic_dir in topics.flatten() {
                let Ok(topic) = topic_dir.file_name().into_string() else {
                    continue;
                };
                let Ok(ids) = std::fs::read_dir(topic_dir.path()) else {
                    continue;
                };
                for id_dir in ids.flatten() {
                    let Some(queue_id) = id_dir
                        .file_name()
                        .to_str()
                        .and_then(|s| s.parse::<i32>().ok())
                    else {
                        continue;
                    };
                    let cq =
                        ConsumeQueue::load(&id_dir.path(), &topic, queue_id, file_size, writable)?;
                    queues
                        .entry(topic.clone())
                        .or_default()
                        .insert(queue_id, Arc::new(cq));
                }
            }
        }
        Ok(ConsumeQueueStore {
            dir: dir.to_path_buf(),
            file_size,
            writable,
            queues: RwLock::new(queues),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn get(&self, topic: &str, queue_id: i32) -> Option<Arc<ConsumeQueue>> {
        self.queues
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(topic)?
            .get(&queue_id)
            .cloned()
    }

    /// The queue, created (empty, no files yet) if missing.
    pub fn get_or_create(
        &self,
        topic: &str,
        queue_id: i32,
    ) -> Result<Arc<ConsumeQueue>, StoreError> {
        if let Some(cq) = self.get(topic, queue_id) {
            return Ok(cq);
        }
        let mut queues = self.queues.write().unwrap_or_else(|p| p.into_inner());
        let per_topic = queues.entry(topic.to_string()).or_default();
        if let Some(cq) = per_topic.get(&queue_id) {
            return Ok(cq.clone());
        }
        let dir = self.dir.join(topic).join(queue_id.to_string());
        let cq = Arc::new(ConsumeQueue::load(
            &dir,
            topic,
            queue_id,
            self.file_size,
            self.writable,
        )?);
        per_topic.insert(queue_id, cq.clone());
        Ok(cq)
    }

    /// Every queue, sorted by topic then queue id.
    pub fn all(&self) -> Vec<Arc<ConsumeQueue>> {
        let queues = self.queues.read().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<_> = queues.values().flat_map(|m| m.values().cloned()).collect();
        all.sort_by(|a, b| (a.topic(), a.queue_id()).cmp(&(b.topic(), b.queue_id())));
        all
    }

    /// The queues of one topic.
    pub fn of_topic(&self, topic: &str) -> Vec<Arc<ConsumeQueue>> {
        let queues = self.queues.read().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<_> = queues
            .get(topic)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default();
        v.sort_by_key(|q| q.queue_id());
        v
    }

    /// Deletes one queue from disk; the topic goes too when it was its last queue.
    pub fn remove_queue(&self, topic: &str, queue_id: i32) -> Result<(), StoreError> {
        let removed = {
            let mut queues = self.queues.write().unwrap_or_else(|p| p.into_inner());
            let Some(per_topic) = queues.get_mut(topic) else {
                return Ok(());
            };
            let removed = per_topic.remove(&queue_id);
            if per_topic.is_empty() {
                queues.remove(topic);
            }
            removed
        };
        if let Some(cq) = removed {
            cq.destroy()?;
            let _ = std::fs::remove_dir(self.dir.join(topic).join(queue_id.to_string()));
            let _ = std::fs::remove_dir(self.dir.join(topic));
        }
        Ok(())
    }

    /// Deletes a topic's queues from disk.
    pub fn remove_topic(&self, topic: &str) -> Result<(), StoreError> {
        let removed = self
            .queues
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(topic);
        for cq in removed.into_iter().flat_map(|m| m.into_values()) {
            cq.destroy()?;
        }
        let _ = std::fs::remove_dir(self.dir.join(topic));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rmq-cq-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn golden_entry_bytes() {
        let e = CqEntry {
            phys_offset: 0x0102,
            size: 125,
            tags_code: -1,
        };
        assert_eq!(
            e.encode(),
            [
                0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 125, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff
            ]
        );
        assert_eq!(CqEntry::decode(&e.encode()), e);
    }

    #[test]
    fn put_read_recover_truncate_and_search() {
        let dir = temp_dir("basic");
        let cq = ConsumeQueue::load(&dir, "T", 0, 5 * CQ_UNIT, true).unwrap();
        for i in 0..12i64 {
            cq.put(
                i,
                CqEntry {
                    phys_offset: i * 100,
                    size: 100,
                    tags_code: i % 3,
                },
            )
            .unwrap();
        }
        cq.put(
            3,
            CqEntry {
                phys_offset: 9,
                size: 9,
                tags_code: 9,
            },
        )
        .unwrap(); // duplicate: ignored
        assert!(cq
            .put(
                20,
                CqEntry {
                    phys_offset: 0,
                    size: 1,
                    tags_code: 0
                }
            )
            .is_err());
        assert_eq!((cq.min_offset(), cq.max_offset()), (0, 12));
        assert_eq!(cq.get(3).unwrap().phys_offset, 300);
        assert_eq!(cq.read(3, 10).len(), 2, "stops at the file end");
        assert_eq!(
            cq.read(5, 3)
                .iter()
                .map(|e| e.phys_offset)
                .collect::<Vec<_>>(),
            vec![500, 600, 700]
        );
        assert_eq!(cq.max_phys_end(), 1200);
        assert_eq!(cq.roll_next_file(7), 10);
        assert_eq!(cq.offset_by_time(450, |e| Some(e.phys_offset)), 5);
        assert_eq!(cq.offset_by_time(5000, |e| Some(e.phys_offset)), 12);

        cq.truncate_dirty(850).unwrap();
        assert_eq!(cq.max_offset(), 8);
        assert_eq!(cq.max_phys_end(), 800);
        drop(cq);

        let cq = ConsumeQueue::load(&dir, "T", 0, 5 * CQ_UNIT, true).unwrap();
        cq.recover().unwrap();
        assert_eq!(cq.max_offset(), 8);
        cq.correct_min_offset(550).unwrap();
        assert_eq!(cq.min_offset(), 6);
        assert_eq!(cq.files().files().len(), 1, "first file deleted");
        assert!(cq.get(5).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn prepare_creates_the_files_a_batch_needs() {
        use super::super::mapped_file::file_name;
        let dir = temp_dir("prepare");
        let cq = ConsumeQueue::load(&dir, "T", 0, 5 * CQ_UNIT, true).unwrap();
        let entry = |i: i64| CqEntry {
            phys_offset: i * 100,
            size: 100,
            tags_code: 0,
        };
        cq.prepare(0, 1).unwrap();
        assert!(dir.join(file_name(0)).exists());
        for i in 0..3 {
            cq.put(i, entry(i)).unwrap();
        }
        // Entries 3..7 span the first file's end: the second file exists before any is put.
        cq.prepare(3, 4).unwrap();
        assert!(dir.join(file_name(5 * CQ_UNIT as i64)).exists());
        for i in 3..7 {
            cq.put(i, entry(i)).unwrap();
        }
        assert_eq!(cq.max_offset(), 7);
        assert_eq!(cq.get(6), Some(entry(6)));
        // Already written: nothing to prepare.
        cq.prepare(2, 1).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_queue_starting_past_zero_is_pre_filled() {
        let dir = temp_dir("prefill");
        let cq = ConsumeQueue::load(&dir, "T", 1, 4 * CQ_UNIT, true).unwrap();
        cq.put(
            6,
            CqEntry {
                phys_offset: 10,
                size: 5,
                tags_code: 0,
            },
        )
        .unwrap();
        assert_eq!(cq.min_offset(), 6);
        assert_eq!(cq.max_offset(), 7);
        let first = cq.files().first().unwrap();
        assert_eq!(first.from_offset(), 80);
        assert_eq!(CqEntry::decode(&first.whole()[0..20]), CqEntry::PRE_FILL);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
