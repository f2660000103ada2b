//! The message index: `<storeRoot>/index/`, a list of [`IndexFile`]s that map `topic#key` (the
//! `UNIQ_KEY` and each `KEYS` token of a message) to commitlog offsets, in the byte layout of
//! RocketMQ 4.9.x so a Java broker can read our files and we can read its files.
//!
//! Files are named by their creation time (`yyyyMMddHHmmssSSS`, local time), so name order is
//! creation order, and each file covers a contiguous, later range of commitlog offsets and
//! store times than the one before. Only the last file is written.
//!
//! Threading: one dispatcher thread calls [`IndexService::build_index`]; query threads call
//! [`IndexService::query`]; a flusher calls [`IndexService::flush`] or
//! [`IndexService::flush_full`]. The file list sits behind one `RwLock`: writes take it
//! exclusively (a put is a few stores into the map), queries share it. Syncing to disk happens
//! outside the lock so a slow fsync never stalls dispatch.
//!
//! Durability follows Java: the checkpoint's `indexMsgTimestamp` is the end timestamp of the
//! newest *full* file that has been synced, and on an abnormal restart every file whose
//! `endTimestamp` is newer is deleted ([`IndexService::load`]) and rebuilt by recovery.
//!
//! The index knows nothing of messages beyond what [`IndexRequest`] carries; this module does
//! not touch the commitlog or the consume queues.

mod file;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use thiserror::Error;

pub use file::{
    index_file_size, index_key_hash, IndexEntry, IndexFile, IndexHeader, DEFAULT_HASH_SLOT_NUM,
    DEFAULT_INDEX_NUM, HASH_SLOT_SIZE, INDEX_ENTRY_SIZE, INDEX_HEADER_SIZE,
};

/// `MessageSysFlag.TRANSACTION_ROLLBACK_TYPE`: both transaction bits set.
const TRANSACTION_ROLLBACK_TYPE: i32 = 0b1100;
/// `MessageConst.KEY_SEPARATOR`, between tokens of the `KEYS` property.
const KEY_SEPARATOR: char = ' ';
/// How many names after a taken one to try before giving up on creating a file.
const MAX_NAME_ATTEMPTS: u32 = 1000;

/// Why an index operation failed. Every variant about a file names it.
#[derive(Debug, Error)]
pub enum IndexError {
    #[error("index file {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },

    #[error(
        "index file {} is {actual} bytes but maxHashSlotNum={hash_slot_num} and \
         maxIndexNum={index_num} give {expected}: the store was written with other settings or \
         the file is damaged",
        path.display()
    )]
    SizeMismatch {
        path: PathBuf,
        actual: u64,
        expected: u64,
        hash_slot_num: i32,
        index_num: i32,
    },

    #[error("invalid index settings: {0}")]
    InvalidConfig(String),

    #[error("index directory {} is opened read-only", dir.display())]
    ReadOnly { dir: PathBuf },

    /// A fresh file refused a key: cannot happen with a valid geometry, reported rather than
    /// looping forever.
    #[error("index file {} refused a key although it was just created", path.display())]
    PutFailed { path: PathBuf },
}

impl IndexError {
    fn io(path: &Path, source: io::Error) -> IndexError {
        IndexError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What the dispatcher knows about one message, for indexing it.
#[derive(Debug, Clone, Copy)]
pub struct IndexRequest<'a> {
    pub topic: &'a str,
    /// The `KEYS` property: space-separated keys; empty tokens are skipped.
    pub keys: Option<&'a str>,
    /// The `UNIQ_KEY` property (client message id).
    pub uniq_key: Option<&'a str>,
    /// The message's commitlog physical offset.
    pub commit_log_offset: i64,
    /// The message's store timestamp (ms).
    pub store_timestamp: i64,
    /// The message's sysFlag; its transaction bits decide whether it is indexed.
    pub sys_flag: i32,
}

/// The answer to [`IndexService::query`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryResult {
    /// Matching commitlog offsets, newest first. Matching is by key hash, so the caller must
    /// check each message's keys.
    pub phy_offsets: Vec<i64>,
    /// End timestamp of the newest index file (0 if there is none).
    pub index_last_update_timestamp: i64,
    /// End commitlog offset of the newest index file (0 if there is none).
    pub index_last_update_phyoffset: i64,
}

/// The index directory: every index file, oldest first.
#[derive(Debug)]
pub struct IndexService {
    dir: PathBuf,
    hash_slot_num: i32,
    index_num: i32,
    read_only: bool,
    files: RwLock<Vec<IndexFile>>,
}

impl IndexService {
    /// Loads every index file in `dir` (created if missing) in name order.
    ///
    /// After an abnormal exit (`last_exit_ok == false`), files whose `endTimestamp` is newer than
    /// the checkpoint's `indexMsgTimestamp` may miss entries that never reached the disk; they are
    /// deleted, as Java does, and recovery re-dispatches their messages.
    ///
    /// Names that are not 17 digits are not index files and are left alone (with a warning).
    ///
    /// # Errors
    /// [`IndexError::InvalidConfig`] for a geometry Java cannot create, [`IndexError::Io`] if the
    /// directory or a file cannot be read, mapped or deleted, [`IndexError::SizeMismatch`] if a
    /// file does not have the geometry's size.
    pub fn load(
        dir: &Path,
        hash_slot_num: i32,
        index_num: i32,
        last_exit_ok: bool,
        checkpoint_index_timestamp: i64,
    ) -> Result<IndexService, IndexError> {
        check_geometry(hash_slot_num, index_num)?;
        fs::create_dir_all(dir).map_err(|e| IndexError::io(dir, e))?;
        let mut files = Vec::new();
        let paths = list_index_files(dir)?;
        let expected_len = file::checked_size(hash_slot_num, index_num)? as u64;
        let lens: Vec<u64> = paths
            .iter()
            .map(|p| fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            .collect();
        let newest = paths.len().saturating_sub(1);
        for (i, path) in paths.iter().enumerate() {
            let path = path.clone();
            // A file shorter than the geometry's size, and the only one of its length, lost its
            // tail. Longer files, or several of one other size, mean the geometry was changed:
            // `open` refuses them.
            let cut = lens[i] != 0
                && lens[i] < expected_len
                && lens.iter().filter(|&&l| l == lens[i]).count() == 1;
            let damage = if cut {
                Some((
                    lens[i],
                    format!(
                        "the file is {} bytes, not {expected_len} (its tail is lost)",
                        lens[i]
                    ),
                ))
            } else {
                None
            };
            let (file, damage) = match damage {
                Some(d) => (None, Some(d)),
                None => {
                    let file = IndexFile::open(&path, hash_slot_num, index_num)?;
                    // Every header is checked; the slots and entries of the newest file only
                    // (older files were complete and flushed when the next one started).
                    let damage = find_damage(&file, i == newest);
                    (Some(file), damage)
                }
            };
            if let Some((position, what)) = damage {
                drop(file);
                set_aside_damaged(dir, &paths[i..], &path, Some(position), &what)?;
                break;
            }
            let file = file.expect("opened when not damaged");
            if !last_exit_ok && file.end_timestamp() > checkpoint_index_timestamp {
                tracing::info!(
                    file = %path.display(),
                    end_timestamp = file.end_timestamp(),
                    checkpoint_index_timestamp,
                    "abnormal exit: deleting index file newer than the checkpoint"
                );
                drop(file);
                fs::remove_file(&path).map_err(|e| IndexError::io(&path, e))?;
                continue;
            }
            tracing::info!(file = %path.display(), "loaded index file");
            files.push(file);
        }
        Ok(IndexService {
            dir: dir.to_path_buf(),
            hash_slot_num,
            index_num,
            read_only: false,
            files: RwLock::new(files),
        })
    }

    /// Opens `dir` for queries only (offline tools): files are mapped read-only, nothing is
    /// created or deleted, and writes fail with [`IndexError::ReadOnly`]. A missing directory
    /// reads as an empty index.
    ///
    /// # Errors
    /// As [`IndexService::load`], minus deletion.
    pub fn open_read_only(
        dir: &Path,
        hash_slot_num: i32,
        index_num: i32,
    ) -> Result<IndexService, IndexError> {
        check_geometry(hash_slot_num, index_num)?;
        let mut files = Vec::new();
        if dir.exists() {
            for path in list_index_files(dir)? {
                files.push(IndexFile::open_read_only(&path, hash_slot_num, index_num)?);
            }
        }
        Ok(IndexService {
            dir: dir.to_path_buf(),
            hash_slot_num,
            index_num,
            read_only: true,
            files: RwLock::new(files),
        })
    }

    /// The index directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The number of index files.
    pub fn file_count(&self) -> usize {
        self.read().len()
    }

    /// The bytes all index files take (every file has the same size).
    pub fn total_size(&self) -> u64 {
        self.read().iter().map(|f| f.file_size() as u64).sum()
    }

    /// Each file's path and header, oldest first (for tools and stats).
    pub fn headers(&self) -> Vec<(PathBuf, IndexHeader)> {
        self.read()
            .iter()
            .map(|f| (f.path().to_path_buf(), f.header()))
            .collect()
    }

    /// `(endTimestamp, endPhyOffset)` of the newest file, `(0, 0)` if there is none.
    pub fn last_update(&self) -> (i64, i64) {
        self.read()
            .last()
            .map(|f| (f.end_timestamp(), f.end_phy_offset()))
            .unwrap_or((0, 0))
    }

    /// Indexes one dispatched message; returns how many keys were written.
    ///
    /// Writes `topic#UNIQ_KEY` and `topic#k` for each non-empty space-separated token `k` of
    /// `KEYS`. Nothing is written for a ROLLBACK transaction message, nor for a message whose
    /// offset is below the last file's endPhyOffset: recovery re-dispatches messages that may
    /// already be indexed, and this keeps the rebuild idempotent. A full file rolls over to a
    /// new one that starts at the previous file's end values.
    ///
    /// Like Java, the newest file is created (if needed) before those checks.
    ///
    /// # Errors
    /// [`IndexError::ReadOnly`], or an error creating a new file; keys written before the error
    /// stay written.
    pub fn build_index(&self, req: &IndexRequest<'_>) -> Result<usize, IndexError> {
        if self.read_only {
            return Err(IndexError::ReadOnly {
                dir: self.dir.clone(),
            });
        }
        let mut files = self.write();
        self.ensure_writable_last(&mut files)?;
        let end_phy_offset = files.last().map_or(0, IndexFile::end_phy_offset);
        if req.commit_log_offset < end_phy_offset {
            return Ok(0);
        }
        if req.sys_flag & TRANSACTION_ROLLBACK_TYPE == TRANSACTION_ROLLBACK_TYPE {
            return Ok(0);
        }

        let mut written = 0;
        if let Some(uniq) = req.uniq_key {
            self.put_key(&mut files, &build_key(req.topic, uniq), req)?;
            written += 1;
        }
        if let Some(keys) = req.keys {
            for key in keys.split(KEY_SEPARATOR).filter(|k| !k.is_empty()) {
                self.put_key(&mut files, &build_key(req.topic, key), req)?;
                written += 1;
            }
        }
        Ok(written)
    }

    /// Commitlog offsets of messages of `topic` indexed under `key` with a store time in
    /// `[begin, end]` (ms), newest first, at most `max_num`.
    ///
    /// Java caps `max_num` at `maxMsgsNumBatch` (64) before calling; the caller does that here.
    pub fn query(
        &self,
        topic: &str,
        key: &str,
        max_num: usize,
        begin: i64,
        end: i64,
    ) -> QueryResult {
        let full_key = build_key(topic, key);
        let files = self.read();
        let mut result = QueryResult::default();
        if let Some(last) = files.last() {
            result.index_last_update_timestamp = last.end_timestamp();
            result.index_last_update_phyoffset = last.end_phy_offset();
        }
        for file in files.iter().rev() {
            if file.is_time_matched(begin, end) {
                file.collect_phy_offsets(&mut result.phy_offsets, &full_key, max_num, begin, end);
            }
            // Older files only hold older entries.
            if file.begin_timestamp() < begin || result.phy_offsets.len() >= max_num {
                break;
            }
        }
        result
    }

    /// Deletes whole files that only index messages below `min_phy_offset` (the commitlog's
    /// minimum offset after its own cleanup). The newest file is always kept. Returns how many
    /// files were deleted.
    ///
    /// # Errors
    /// [`IndexError::ReadOnly`], or [`IndexError::Io`] if a file cannot be deleted; files before
    /// it are gone, it and later ones are kept.
    /// Recovery cut the CommitLog at `end`, dropping records that were indexed: the index
    /// files holding entries at or past `end` are set aside (as damaged files are, see
    /// [`IndexService::load`]) so their range is indexed again from the CommitLog. Returns how
    /// many files were set aside.
    pub fn set_aside_past(&self, end: i64) -> Result<usize, IndexError> {
        if self.read_only {
            return Err(IndexError::ReadOnly {
                dir: self.dir.clone(),
            });
        }
        let mut files = self.write();
        let Some(first) = files.iter().position(|f| f.end_phy_offset() >= end) else {
            return Ok(0);
        };
        let aside: Vec<IndexFile> = files.drain(first..).collect();
        let paths: Vec<PathBuf> = aside.iter().map(|f| f.path().to_path_buf()).collect();
        drop(aside);
        set_aside_damaged(
            &self.dir,
            &paths,
            &paths[0],
            None,
            &format!("it indexes CommitLog records at or past {end}, where recovery cut the log"),
        )?;
        Ok(paths.len())
    }

    pub fn delete_expired(&self, min_phy_offset: i64) -> Result<usize, IndexError> {
        if self.read_only {
            return Err(IndexError::ReadOnly {
                dir: self.dir.clone(),
            });
        }
        let mut files = self.write();
        let mut deleted = 0;
        while files.len() > 1 && files[0].end_phy_offset() < min_phy_offset {
            let path = files[0].path().to_path_buf();
            // Unlink first: if that fails the file stays listed and is retried next time.
            // On Unix the mapping stays valid after unlinking until it is dropped.
            fs::remove_file(&path).map_err(|e| IndexError::io(&path, e))?;
            files.remove(0);
            tracing::info!(file = %path.display(), min_phy_offset, "deleted expired index file");
            deleted += 1;
        }
        Ok(deleted)
    }

    /// Deletes every index file (the store is being destroyed).
    ///
    /// # Errors
    /// [`IndexError::ReadOnly`], or [`IndexError::Io`] for the first file that cannot be
    /// deleted; it and later files stay listed.
    pub fn destroy(&self) -> Result<(), IndexError> {
        if self.read_only {
            return Err(IndexError::ReadOnly {
                dir: self.dir.clone(),
            });
        }
        let mut files = self.write();
        while let Some(first) = files.first() {
            let path = first.path().to_path_buf();
            fs::remove_file(&path).map_err(|e| IndexError::io(&path, e))?;
            files.remove(0);
        }
        Ok(())
    }

    /// Syncs every file changed since its last sync, including the one being written.
    ///
    /// Returns the value to store as the checkpoint's `indexMsgTimestamp`: the end timestamp of
    /// the newest full file (0 if no file is full yet). It is not the newest entry's time even
    /// though that is synced too: on an abnormal restart [`IndexService::load`] deletes any file
    /// ending after the checkpoint, so only a full file's end lets recovery rebuild the whole
    /// deleted current file.
    ///
    /// Syncing a file that took many random slot writes costs many random disk writes, which is
    /// why Java never syncs the current file; call this at shutdown and sparingly, and
    /// [`IndexService::flush_full`] periodically.
    ///
    /// # Errors
    /// [`IndexError::Io`] for the first file that fails to sync; nothing is returned for the
    /// checkpoint then.
    pub fn flush(&self) -> Result<i64, IndexError> {
        self.sync_files(true)
    }

    /// Syncs only full files not yet synced (a file that has just been rolled away from), as
    /// Java does on every roll, and returns the checkpoint `indexMsgTimestamp` as
    /// [`IndexService::flush`] does. Cheap when nothing rolled.
    ///
    /// # Errors
    /// As [`IndexService::flush`].
    pub fn flush_full(&self) -> Result<i64, IndexError> {
        self.sync_files(false)
    }

    fn sync_files(&self, include_current: bool) -> Result<i64, IndexError> {
        if self.read_only {
            return Ok(0);
        }
        // Collect under the lock, sync without it. A full file is never written again, so its
        // end timestamp read here is what the sync persists.
        let mut pending = Vec::new();
        let mut checkpoint_timestamp = 0;
        {
            let files = self.read();
            for file in files.iter() {
                let full = file.is_write_full();
                if full {
                    checkpoint_timestamp = checkpoint_timestamp.max(file.end_timestamp());
                }
                if full || include_current {
                    let (handle, dirty) = file.sync_handle();
                    if dirty.swap(false, Ordering::AcqRel) {
                        pending.push((file.path().to_path_buf(), handle, dirty));
                    }
                }
            }
        }
        let mut result = Ok(checkpoint_timestamp);
        for (path, handle, dirty) in pending {
            if result.is_err() {
                // Not synced: keep it marked for the next flush.
                dirty.store(true, Ordering::Release);
                continue;
            }
            // On Linux msync(MS_SYNC) of a shared file mapping is an fdatasync of the range,
            // so syncing the descriptor persists the pages written through the map as well.
            if let Err(e) = handle.sync_data() {
                dirty.store(true, Ordering::Release);
                result = Err(IndexError::io(&path, e));
            }
        }
        result
    }

    /// Makes sure the last file can take a key, creating one if there is none or it is full.
    fn ensure_writable_last(&self, files: &mut Vec<IndexFile>) -> Result<(), IndexError> {
        match files.last() {
            Some(last) if !last.is_write_full() => Ok(()),
            last => {
                let (end_phy_offset, end_timestamp) =
                    last.map_or((0, 0), |f| (f.end_phy_offset(), f.end_timestamp()));
                let path = self.next_file_path(files)?;
                let file = IndexFile::create(
                    &path,
                    self.hash_slot_num,
                    self.index_num,
                    end_phy_offset,
                    end_timestamp,
                )?;
                tracing::info!(file = %path.display(), end_phy_offset, end_timestamp, "created index file");
                files.push(file);
                Ok(())
            }
        }
    }

    fn put_key(
        &self,
        files: &mut Vec<IndexFile>,
        key: &str,
        req: &IndexRequest<'_>,
    ) -> Result<(), IndexError> {
        if let Some(last) = files.last_mut() {
            if last.put_key(key, req.commit_log_offset, req.store_timestamp) {
                return Ok(());
            }
            tracing::info!(file = %last.path().display(), "index file is full, rolling");
        }
        self.ensure_writable_last(files)?;
        let Some(last) = files.last_mut() else {
            return Err(IndexError::PutFailed {
                path: self.dir.clone(),
            });
        };
        if last.put_key(key, req.commit_log_offset, req.store_timestamp) {
            Ok(())
        } else {
            Err(IndexError::PutFailed {
                path: last.path().to_path_buf(),
            })
        }
    }

    /// The path for a new file: the current local time, moved past the newest file's name if
    /// the clock has not advanced (several rolls in one millisecond, or the clock stepping back)
    /// so that name order stays creation order, and past any name already taken on disk.
    fn next_file_path(&self, files: &[IndexFile]) -> Result<PathBuf, IndexError> {
        let now = crate::common::clock::compact_local(crate::common::clock::now_ms());
        let mut candidate: u64 = now.parse().unwrap_or(0);
        if let Some(last) = files.last().and_then(|f| f.name().parse::<u64>().ok()) {
            if candidate <= last {
                // Only the order matters for these names (nothing parses them back into a
                // date), so the next number is fine even if it is not a valid time.
                candidate = last.saturating_add(1);
            }
        }
        for _ in 0..MAX_NAME_ATTEMPTS {
            let path = self.dir.join(format!("{candidate:017}"));
            if !path.exists() {
                return Ok(path);
            }
            candidate = candidate.saturating_add(1);
        }
        Err(IndexError::io(
            &self.dir,
            io::Error::new(io::ErrorKind::AlreadyExists, "no free index file name"),
        ))
    }

    fn read(&self) -> RwLockReadGuard<'_, Vec<IndexFile>> {
        // A poisoned lock only means a thread panicked while holding it; the list itself is
        // still a valid list of mapped files, so keep serving.
        self.files.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Vec<IndexFile>> {
        self.files.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// `topic#key`, the string that is hashed and indexed.
fn build_key(topic: &str, key: &str) -> String {
    let mut s = String::with_capacity(topic.len() + 1 + key.len());
    s.push_str(topic);
    s.push('#');
    s.push_str(key);
    s
}

fn check_geometry(hash_slot_num: i32, index_num: i32) -> Result<(), IndexError> {
    file::checked_size(hash_slot_num, index_num).map(|_| ())
}

/// The index files in `dir`, sorted by name (= creation time). Entries that are not regular
/// files named by 17 digits are skipped with a warning.
/// The first damage found in an index file (byte position and what), checking the header and,
/// when `deep`, every slot and entry in use. Key hashes are not checked: a wrong one only
/// makes a lookup miss.
fn find_damage(file: &IndexFile, deep: bool) -> Option<(u64, String)> {
    let h = file.header();
    let slots = file.hash_slot_num();
    let count = h.index_count;
    if count > file.index_num() {
        return Some((
            36,
            format!("header indexCount {count} exceeds {}", file.index_num()),
        ));
    }
    if !(0..=slots).contains(&h.hash_slot_count) {
        return Some((
            32,
            format!(
                "header hashSlotCount {} is outside 0..={slots}",
                h.hash_slot_count
            ),
        ));
    }
    if count > 1 && (h.begin_phy_offset > h.end_phy_offset || h.begin_timestamp > h.end_timestamp) {
        return Some((
            0,
            format!(
                "header ranges are reversed: offsets {}..{}, timestamps {}..{}",
                h.begin_phy_offset, h.end_phy_offset, h.begin_timestamp, h.end_timestamp
            ),
        ));
    }
    if !deep {
        return None;
    }
    let slot_pos = |slot: u32| (INDEX_HEADER_SIZE + slot as usize * HASH_SLOT_SIZE) as u64;
    for slot in 0..slots.unsigned_abs() {
        let value = file.slot_value(slot).unwrap_or(0);
        if value < 0 || value >= count {
            return Some((
                slot_pos(slot),
                format!("hash slot {slot} names entry {value}, but entries in use are 1..{count}"),
            ));
        }
    }
    for n in 1..count.unsigned_abs() {
        let Some(e) = file.entry(n) else { break };
        let pos = slot_pos(slots.unsigned_abs()) + u64::from(n) * INDEX_ENTRY_SIZE as u64;
        let what = if e.phy_offset < h.begin_phy_offset || e.phy_offset > h.end_phy_offset {
            format!(
                "entry {n} points at commitlog offset {}, outside the file's range {}..={}",
                e.phy_offset, h.begin_phy_offset, h.end_phy_offset
            )
        } else if e.prev_index < 0 || e.prev_index.unsigned_abs() >= n {
            format!(
                "entry {n} links to entry {}, not an earlier one",
                e.prev_index
            )
        } else if e.time_diff < 0 {
            format!("entry {n} has a negative timeDiff {}", e.time_diff)
        } else {
            continue;
        };
        return Some((pos, what));
    }
    None
}

/// Moves the damaged index file `damaged` and every newer one (`from_damaged`, oldest first,
/// starting with it) to `<storeRoot>/damaged/index-<time>/`, so that dispatch rebuilds their
/// range from the CommitLog. Java would read any file left in `index/`, so nothing stays there.
fn set_aside_damaged(
    dir: &Path,
    from_damaged: &[PathBuf],
    damaged: &Path,
    position: Option<u64>,
    what: &str,
) -> Result<(), IndexError> {
    let root = dir.parent().unwrap_or(dir);
    let aside = root.join("damaged").join(format!(
        "index-{}",
        crate::common::clock::compact_local(crate::common::clock::now_ms())
    ));
    fs::create_dir_all(&aside).map_err(|e| IndexError::io(&aside, e))?;
    for path in from_damaged {
        let to = aside.join(path.file_name().unwrap_or_default());
        fs::rename(path, &to).map_err(|e| IndexError::io(path, e))?;
    }
    let problem = match position {
        Some(position) => format!("is damaged at byte {position}: {what}"),
        None => format!("is set aside: {what}"),
    };
    tracing::error!(
        file = %damaged.display(),
        "index file {} {problem}; it and {} newer index file(s) were moved to {} and their \
         messages are indexed again from the CommitLog",
        damaged.display(),
        from_damaged.len() - 1,
        aside.display()
    );
    Ok(())
}

fn list_index_files(dir: &Path) -> Result<Vec<PathBuf>, IndexError> {
    let mut paths = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| IndexError::io(dir, e))? {
        let entry = entry.map_err(|e| IndexError::io(dir, e))?;
        let path = entry.path();
        let is_file = entry
            .file_type()
            .map_err(|e| IndexError::io(&path, e))?
            .is_file();
        let name_ok = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.len() == 17 && n.bytes().all(|b| b.is_ascii_digit()));
        if is_file && name_ok {
            paths.push(path);
        } else {
            tracing::warn!(path = %path.display(), "not an index file, ignored");
        }
    }
    paths.sort();
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::file::tests::TempDir;
    use super::*;
    use std::sync::Arc;

    const SLOTS: i32 = 4;
    /// Three entries per file (entry 0 is unused).
    const ENTRIES: i32 = 4;
    const T0: i64 = 1_700_000_000_000;

    fn req<'a>(
        keys: Option<&'a str>,
        uniq: Option<&'a str>,
        offset: i64,
        ts: i64,
    ) -> IndexRequest<'a> {
        IndexRequest {
            topic: "T",
            keys,
            uniq_key: uniq,
            commit_log_offset: offset,
            store_timestamp: ts,
            sys_flag: 0,
        }
    }

    fn load(dir: &Path) -> IndexService {
        IndexService::load(dir, SLOTS, ENTRIES, true, 0).unwrap()
    }

    #[test]
    fn service_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<IndexService>();
        check::<IndexFile>();
    }

    #[test]
    fn builds_uniq_key_and_each_keys_token() {
        let dir = TempDir::new("svc-keys");
        let svc = IndexService::load(&dir.0, 64, 32, true, 0).unwrap();
        let written = svc
            .build_index(&req(Some(" a  b "), Some("U1"), 100, T0))
            .unwrap();
        assert_eq!(written, 3);
        for key in ["a", "b", "U1"] {
            assert_eq!(svc.query("T", key, 10, 0, i64::MAX).phy_offsets, vec![100]);
        }
        // Other topics do not see them: the indexed key is topic#key.
        assert!(svc.query("T2", "a", 10, 0, i64::MAX).phy_offsets.is_empty());
        let result = svc.query("T", "missing", 10, 0, i64::MAX);
        assert!(result.phy_offsets.is_empty());
        assert_eq!(result.index_last_update_timestamp, T0);
        assert_eq!(result.index_last_update_phyoffset, 100);
        assert_eq!(svc.last_update(), (T0, 100));
        assert_eq!(svc.file_count(), 1);
        let name = svc.headers()[0].0.file_name().unwrap().to_owned();
        assert_eq!(name.len(), 17);
    }

    #[test]
    fn colliding_keys_share_a_chain_newest_first() {
        let dir = TempDir::new("svc-chain");
        let svc = IndexService::load(&dir.0, SLOTS, 16, true, 0).unwrap();
        // "T#k1" and "T#k5" differ in hash but both land in slot 1 of 4.
        assert_eq!(
            index_key_hash("T#k1") % SLOTS,
            index_key_hash("T#k5") % SLOTS
        );
        assert_ne!(index_key_hash("T#k1"), index_key_hash("T#k5"));
        // "T#Aa" and "T#BB" have the same Java hash: both are returned for either key.
        assert_eq!(index_key_hash("T#Aa"), index_key_hash("T#BB"));

        svc.build_index(&req(Some("k1"), None, 100, T0)).unwrap();
        svc.build_index(&req(Some("k5"), None, 200, T0 + 1000))
            .unwrap();
        svc.build_index(&req(Some("k1"), None, 300, T0 + 2000))
            .unwrap();
        svc.build_index(&req(Some("Aa"), None, 400, T0 + 3000))
            .unwrap();
        svc.build_index(&req(Some("BB"), None, 500, T0 + 4000))
            .unwrap();

        assert_eq!(
            svc.query("T", "k1", 10, 0, i64::MAX).phy_offsets,
            vec![300, 100]
        );
        assert_eq!(svc.query("T", "k5", 10, 0, i64::MAX).phy_offsets, vec![200]);
        assert_eq!(
            svc.query("T", "Aa", 10, 0, i64::MAX).phy_offsets,
            vec![500, 400]
        );
        assert_eq!(svc.query("T", "k1", 1, 0, i64::MAX).phy_offsets, vec![300]);
        let headers = svc.headers();
        assert_eq!(headers[0].1.index_count, 6);
        // Slots used: k1/k5 share one, Aa/BB share one.
        assert_eq!(headers[0].1.hash_slot_count, 2);
    }

    #[test]
    fn time_filter() {
        let dir = TempDir::new("svc-time");
        let svc = IndexService::load(&dir.0, SLOTS, 16, true, 0).unwrap();
        for i in 0..5 {
            svc.build_index(&req(Some("k"), None, 100 * (i + 1), T0 + i * 10_000))
                .unwrap();
        }
        let q = |b, e| svc.query("T", "k", 10, b, e).phy_offsets;
        assert_eq!(q(T0 + 10_000, T0 + 30_000), vec![400, 300, 200]);
        assert_eq!(q(T0 + 10_001, T0 + 29_999), vec![300]);
        assert_eq!(q(T0 + 40_000, i64::MAX), vec![500]);
        assert!(q(0, T0 - 1).is_empty());
        assert!(q(T0 + 40_001, i64::MAX).is_empty());
    }

    #[test]
    fn full_file_rolls_and_reopen_queries_again() {
        let dir = TempDir::new("svc-roll");
        {
            let svc = load(&dir.0);
            for i in 0..7 {
                let written = svc
                    .build_index(&req(Some("k"), None, 100 * (i + 1), T0 + i * 1000))
                    .unwrap();
                assert_eq!(written, 1);
            }
            // 3 entries per file: 3 + 3 + 1.
            let headers = svc.headers();
            assert_eq!(headers.len(), 3);
            let names: Vec<_> = headers.iter().map(|(p, _)| p.clone()).collect();
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(names, sorted, "names sort in creation order");
            // A new file starts where the previous one ended, then moves begin to its first
            // message.
            assert_eq!(headers[0].1.end_phy_offset, 300);
            assert_eq!(headers[1].1.begin_phy_offset, 400);
            assert_eq!(headers[1].1.begin_timestamp, T0 + 3000);
            assert_eq!(headers[2].1.index_count, 2);

            assert_eq!(
                svc.query("T", "k", 10, 0, i64::MAX).phy_offsets,
                vec![700, 600, 500, 400, 300, 200, 100]
            );
            assert_eq!(
                svc.query("T", "k", 4, 0, i64::MAX).phy_offsets,
                vec![700, 600, 500, 400]
            );
            // Only files that overlap the range are read, and the walk stops early. 400 is in
            // too: it was the rolled file's first entry, whose timeDiff (1 s) was taken against
            // the previous file's end before beginTimestamp moved to it, so it reads back 1 s
            // late, at T0 + 4000. Java answers the same.
            assert_eq!(
                svc.query("T", "k", 10, T0 + 4000, T0 + 5000).phy_offsets,
                vec![600, 500, 400]
            );
            assert_eq!(svc.flush().unwrap(), T0 + 5000);
        }
        let svc = load(&dir.0);
        assert_eq!(svc.file_count(), 3);
        assert_eq!(
            svc.query("T", "k", 10, 0, i64::MAX).phy_offsets,
            vec![700, 600, 500, 400, 300, 200, 100]
        );
        // Writing continues in the last file.
        svc.build_index(&req(Some("k"), None, 800, T0 + 7000))
            .unwrap();
        assert_eq!(svc.file_count(), 3);
        assert_eq!(svc.query("T", "k", 1, 0, i64::MAX).phy_offsets, vec![800]);

        // Read-only open sees the same and refuses writes.
        let ro = IndexService::open_read_only(&dir.0, SLOTS, ENTRIES).unwrap();
        assert_eq!(
            ro.query("T", "k", 2, 0, i64::MAX).phy_offsets,
            vec![800, 700]
        );
        assert!(matches!(
            ro.build_index(&req(Some("k"), None, 900, T0)),
            Err(IndexError::ReadOnly { .. })
        ));
    }

    #[test]
    fn abnormal_exit_deletes_files_newer_than_checkpoint() {
        let dir = TempDir::new("svc-abort");
        let checkpoint_ts;
        {
            let svc = load(&dir.0);
            for i in 0..7 {
                svc.build_index(&req(Some("k"), None, 100 * (i + 1), T0 + i * 1000))
                    .unwrap();
            }
            assert_eq!(svc.file_count(), 3);
            // Only full files count for the checkpoint, and only once synced.
            checkpoint_ts = svc.flush_full().unwrap();
            assert_eq!(checkpoint_ts, T0 + 5000);
        }
        let names_before = list_index_files(&dir.0).unwrap();
        // A clean exit keeps everything.
        assert_eq!(
            IndexService::load(&dir.0, SLOTS, ENTRIES, true, 0)
                .unwrap()
                .file_count(),
            3
        );
        // Abnormal exit with the checkpoint at the first file's end: later files go.
        let svc = IndexService::load(&dir.0, SLOTS, ENTRIES, false, T0 + 2000).unwrap();
        assert_eq!(svc.file_count(), 1);
        assert_eq!(
            list_index_files(&dir.0).unwrap(),
            names_before[..1].to_vec()
        );
        assert_eq!(
            svc.query("T", "k", 10, 0, i64::MAX).phy_offsets,
            vec![300, 200, 100]
        );
        drop(svc);
        // With the checkpoint at 0 (no full file ever synced) nothing survives.
        let svc = IndexService::load(&dir.0, SLOTS, ENTRIES, false, 0).unwrap();
        assert_eq!(svc.file_count(), 0);
        assert!(list_index_files(&dir.0).unwrap().is_empty());
    }

    #[test]
    fn rebuild_is_idempotent_and_rollback_is_skipped() {
        let dir = TempDir::new("svc-idem");
        let svc = IndexService::load(&dir.0, SLOTS, 16, true, 0).unwrap();
        assert_eq!(svc.build_index(&req(Some("k"), None, 100, T0)).unwrap(), 1);
        assert_eq!(
            svc.build_index(&req(Some("k"), None, 200, T0 + 1)).unwrap(),
            1
        );
        // Re-dispatch of an already indexed message below endPhyOffset: skipped.
        assert_eq!(svc.build_index(&req(Some("k"), None, 150, T0)).unwrap(), 0);
        assert_eq!(svc.build_index(&req(Some("k"), None, 100, T0)).unwrap(), 0);
        // Equal to endPhyOffset is not below it: Java indexes it again, so do we.
        assert_eq!(
            svc.build_index(&req(Some("k"), None, 200, T0 + 1)).unwrap(),
            1
        );
        assert_eq!(
            svc.query("T", "k", 10, 0, i64::MAX).phy_offsets,
            vec![200, 200, 100]
        );

        // ROLLBACK (sysFlag bits 0xC) is not indexed; PREPARED (0x4) and COMMIT (0x8) are.
        let mut r = req(Some("tx"), Some("U"), 300, T0 + 2);
        r.sys_flag = 0xC | 0x1;
        assert_eq!(svc.build_index(&r).unwrap(), 0);
        r.sys_flag = 0x4;
        assert_eq!(svc.build_index(&r).unwrap(), 2);
        r.commit_log_offset = 400;
        r.sys_flag = 0x8;
        assert_eq!(svc.build_index(&r).unwrap(), 2);
        assert_eq!(
            svc.query("T", "tx", 10, 0, i64::MAX).phy_offsets,
            vec![400, 300]
        );

        // No keys at all: nothing written, but the first file exists (as in Java).
        let dir2 = TempDir::new("svc-nokeys");
        let svc2 = IndexService::load(&dir2.0, SLOTS, 16, true, 0).unwrap();
        assert_eq!(svc2.build_index(&req(None, None, 1, T0)).unwrap(), 0);
        assert_eq!(svc2.file_count(), 1);
    }

    #[test]
    fn delete_expired_keeps_the_last_file() {
        let dir = TempDir::new("svc-expire");
        let svc = load(&dir.0);
        for i in 0..7 {
            svc.build_index(&req(Some("k"), None, 100 * (i + 1), T0 + i * 1000))
                .unwrap();
        }
        // File ends: 300, 600, 700.
        assert_eq!(svc.delete_expired(300).unwrap(), 0);
        assert_eq!(svc.delete_expired(301).unwrap(), 1);
        assert_eq!(svc.file_count(), 2);
        assert_eq!(svc.delete_expired(i64::MAX).unwrap(), 1);
        assert_eq!(svc.file_count(), 1);
        assert_eq!(list_index_files(&dir.0).unwrap().len(), 1);
        assert_eq!(svc.query("T", "k", 10, 0, i64::MAX).phy_offsets, vec![700]);
        svc.destroy().unwrap();
        assert_eq!(svc.file_count(), 0);
        assert!(list_index_files(&dir.0).unwrap().is_empty());
    }

    #[test]
    fn load_rejects_foreign_sizes_and_ignores_foreign_names() {
        let dir = TempDir::new("svc-foreign");
        fs::write(dir.0.join("README"), b"not an index").unwrap();
        let svc = load(&dir.0);
        assert_eq!(svc.file_count(), 0);
        svc.build_index(&req(Some("k"), None, 1, T0)).unwrap();
        drop(svc);
        assert!(matches!(
            IndexService::load(&dir.0, SLOTS, ENTRIES / 2, true, 0),
            Err(IndexError::SizeMismatch { .. })
        ));
        assert!(matches!(
            IndexService::load(&dir.0, SLOTS, 1, true, 0),
            Err(IndexError::InvalidConfig(_))
        ));
        assert!(dir.0.join("README").exists());
    }

    #[test]
    fn damaged_files_are_set_aside() {
        let dir = TempDir::new("svc-damaged");
        let index_dir = dir.0.join("index");
        let svc = load(&index_dir);
        svc.build_index(&req(Some("k"), None, 1, T0)).unwrap();
        drop(svc);
        let file = list_index_files(&index_dir).unwrap().remove(0);
        let mut bytes = fs::read(&file).unwrap();
        bytes[32] ^= 0x40; // hashSlotCount
        fs::write(&file, &bytes).unwrap();
        let svc = load(&index_dir);
        assert_eq!(svc.file_count(), 0);
        let aside: Vec<_> = fs::read_dir(dir.0.join("damaged")).unwrap().collect();
        assert_eq!(aside.len(), 1);
        // A file that lost its tail goes aside too.
        svc.build_index(&req(Some("k"), None, 1, T0)).unwrap();
        drop(svc);
        let file = list_index_files(&index_dir).unwrap().remove(0);
        fs::OpenOptions::new()
            .write(true)
            .open(&file)
            .unwrap()
            .set_len(100)
            .unwrap();
        assert_eq!(load(&index_dir).file_count(), 0);
        assert!(!file.exists());
    }

    #[test]
    fn concurrent_writer_and_readers() {
        let dir = TempDir::new("svc-conc");
        let svc = Arc::new(IndexService::load(&dir.0, 16, 64, true, 0).unwrap());
        let writer = {
            let svc = Arc::clone(&svc);
            std::thread::spawn(move || {
                for i in 0..500i64 {
                    let key = format!("k{}", i % 7);
                    svc.build_index(&req(Some(&key), None, i * 10, T0 + i))
                        .unwrap();
                }
            })
        };
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let svc = Arc::clone(&svc);
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        let got = svc.query("T", "k3", 64, 0, i64::MAX).phy_offsets;
                        assert!(got.windows(2).all(|w| w[0] > w[1]), "newest first: {got:?}");
                        let _ = svc.flush_full().unwrap();
                    }
                })
            })
            .collect();
        writer.join().unwrap();
        for r in readers {
            r.join().unwrap();
        }
        let all = svc.query("T", "k3", 1000, 0, i64::MAX).phy_offsets;
        let expected: Vec<i64> = (0..500i64)
            .rev()
            .filter(|i| i % 7 == 3)
            .map(|i| i * 10)
            .collect();
        assert_eq!(all, expected);
        assert!(svc.flush().unwrap() > 0);
    }
}
