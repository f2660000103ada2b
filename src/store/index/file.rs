//! One IndexFile: a fixed-size mapped hash table from `topic#key` to commitlog offsets.
//!
//! ```text
//! offset 0                                   40                       40 + slots*4
//! +-------------------------------------------+------------------------+------------------------------+
//! | header (40 bytes, big-endian)             | hash slots, 4 B each   | entries, 20 B each           |
//! |  0 i64 beginTimestamp   8 i64 endTimestamp|  i32 newest entry no.  |  0 i32 keyHash = abs(hash)   |
//! | 16 i64 beginPhyOffset  24 i64 endPhyOffset|  of the slot's chain,  |  4 i64 commitlog offset      |
//! | 32 i32 hashSlotCount   36 i32 indexCount  |  0 = empty             | 12 i32 timeDiff (seconds)    |
//! |                                           |                        | 16 i32 prevIndex (0 = end)   |
//! +-------------------------------------------+------------------------+------------------------------+
//! ```
//!
//! Entry number `n` lives at `40 + hashSlotNum*4 + n*20`. Entry 0 is never written: `indexCount`
//! starts at 1 so that 0 can mean "no entry" in slots and chain links. The file is full when
//! `indexCount >= indexNum`, so a file holds `indexNum - 1` entries.
//!
//! Invariants kept here:
//! - Every value read from the map is bounds-checked; a corrupt header, slot or link ends a walk
//!   instead of panicking or reading outside the map.
//! - The header is written through to the map on every `put_key`, so the bytes on disk always
//!   match what Java's `IndexHeader` would hold after the same puts.
//! - A read-only file (offline tools) is mapped read-only and never written.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use memmap2::{Mmap, MmapMut, MmapOptions};

use super::IndexError;
use crate::common::message::java_string_hash;

/// Size of the header at the start of every index file.
pub const INDEX_HEADER_SIZE: usize = 40;
/// Size of one hash slot.
pub const HASH_SLOT_SIZE: usize = 4;
/// Size of one index entry.
pub const INDEX_ENTRY_SIZE: usize = 20;
/// Java's default `maxHashSlotNum`.
pub const DEFAULT_HASH_SLOT_NUM: i32 = 5_000_000;
/// Java's default `maxIndexNum`.
pub const DEFAULT_INDEX_NUM: i32 = 20_000_000;

/// The slot/link value meaning "no entry".
const INVALID_INDEX: i32 = 0;

const BEGIN_TIMESTAMP_POS: usize = 0;
const END_TIMESTAMP_POS: usize = 8;
const BEGIN_PHY_OFFSET_POS: usize = 16;
const END_PHY_OFFSET_POS: usize = 24;
const HASH_SLOT_COUNT_POS: usize = 32;
const INDEX_COUNT_POS: usize = 36;

/// The size in bytes of an index file with this geometry, or `None` if it is not one Java can
/// create: both counts must be positive and the total must fit Java's `int` file size.
///
/// `index_num` must be at least 2 because entry 0 is never used: with 1 the file would be full
/// when created and every put would roll to yet another full file.
pub fn index_file_size(hash_slot_num: i32, index_num: i32) -> Option<usize> {
    if hash_slot_num <= 0 || index_num < 2 {
        return None;
    }
    let total = INDEX_HEADER_SIZE as i64
        + i64::from(hash_slot_num) * HASH_SLOT_SIZE as i64
        + i64::from(index_num) * INDEX_ENTRY_SIZE as i64;
    if total > i64::from(i32::MAX) {
        return None;
    }
    usize::try_from(total).ok()
}

/// The key hash stored in entries: `abs(key.hashCode())`, with `Integer.MIN_VALUE` (whose
/// absolute value overflows in Java) mapped to 0.
pub fn index_key_hash(key: &str) -> i32 {
    java_string_hash(key).checked_abs().unwrap_or(0)
}

/// The 40-byte header, as Java keeps it in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexHeader {
    pub begin_timestamp: i64,
    pub end_timestamp: i64,
    pub begin_phy_offset: i64,
    pub end_phy_offset: i64,
    pub hash_slot_count: i32,
    /// The number of the next entry to write; entries `1..index_count` are in use.
    pub index_count: i32,
}

impl Default for IndexHeader {
    fn default() -> Self {
        IndexHeader {
            begin_timestamp: 0,
            end_timestamp: 0,
            begin_phy_offset: 0,
            end_phy_offset: 0,
            hash_slot_count: 0,
            index_count: 1,
        }
    }
}

impl IndexHeader {
    /// Parses the first 40 bytes. A stored `indexCount <= 0` reads as 1, as in Java (a fresh
    /// file has 0 there until its first put). `None` if fewer than 40 bytes are given.
    pub fn parse(bytes: &[u8]) -> Option<IndexHeader> {
        let index_count = read_i32(bytes, INDEX_COUNT_POS)?;
        Some(IndexHeader {
            begin_timestamp: read_i64(bytes, BEGIN_TIMESTAMP_POS)?,
            end_timestamp: read_i64(bytes, END_TIMESTAMP_POS)?,
            begin_phy_offset: read_i64(bytes, BEGIN_PHY_OFFSET_POS)?,
            end_phy_offset: read_i64(bytes, END_PHY_OFFSET_POS)?,
            hash_slot_count: read_i32(bytes, HASH_SLOT_COUNT_POS)?,
            index_count: if index_count <= 0 { 1 } else { index_count },
        })
    }

    /// The header as it is stored on disk.
    pub fn to_bytes(&self) -> [u8; INDEX_HEADER_SIZE] {
        let mut out = [0u8; INDEX_HEADER_SIZE];
        out[BEGIN_TIMESTAMP_POS..BEGIN_TIMESTAMP_POS + 8]
            .copy_from_slice(&self.begin_timestamp.to_be_bytes());
        out[END_TIMESTAMP_POS..END_TIMESTAMP_POS + 8]
            .copy_from_slice(&self.end_timestamp.to_be_bytes());
        out[BEGIN_PHY_OFFSET_POS..BEGIN_PHY_OFFSET_POS + 8]
            .copy_from_slice(&self.begin_phy_offset.to_be_bytes());
        out[END_PHY_OFFSET_POS..END_PHY_OFFSET_POS + 8]
            .copy_from_slice(&self.end_phy_offset.to_be_bytes());
        out[HASH_SLOT_COUNT_POS..HASH_SLOT_COUNT_POS + 4]
            .copy_from_slice(&self.hash_slot_count.to_be_bytes());
        out[INDEX_COUNT_POS..INDEX_COUNT_POS + 4].copy_from_slice(&self.index_count.to_be_bytes());
        out
    }
}

/// One 20-byte entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    /// `abs(key.hashCode())` of the indexed key.
    pub key_hash: i32,
    /// Commitlog physical offset of the message.
    pub phy_offset: i64,
    /// Seconds between the file's beginTimestamp and the message's store time.
    pub time_diff: i32,
    /// The entry that was the slot's newest before this one; 0 ends the chain.
    pub prev_index: i32,
}

impl IndexEntry {
    /// Parses the first 20 bytes, or `None` if fewer are given.
    pub fn parse(bytes: &[u8]) -> Option<IndexEntry> {
        Some(IndexEntry {
            key_hash: read_i32(bytes, 0)?,
            phy_offset: read_i64(bytes, 4)?,
            time_diff: read_i32(bytes, 12)?,
            prev_index: read_i32(bytes, 16)?,
        })
    }

    /// The entry as it is stored on disk.
    pub fn to_bytes(&self) -> [u8; INDEX_ENTRY_SIZE] {
        let mut out = [0u8; INDEX_ENTRY_SIZE];
        out[0..4].copy_from_slice(&self.key_hash.to_be_bytes());
        out[4..12].copy_from_slice(&self.phy_offset.to_be_bytes());
        out[12..16].copy_from_slice(&self.time_diff.to_be_bytes());
        out[16..20].copy_from_slice(&self.prev_index.to_be_bytes());
        out
    }
}

#[derive(Debug)]
enum Mapping {
    ReadWrite(MmapMut),
    ReadOnly(Mmap),
}

impl Mapping {
    fn bytes(&self) -> &[u8] {
        match self {
            Mapping::ReadWrite(m) => m,
            Mapping::ReadOnly(m) => m,
        }
    }

    fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        match self {
            Mapping::ReadWrite(m) => Some(m),
            Mapping::ReadOnly(_) => None,
        }
    }
}

/// One mapped index file. Writing needs `&mut self`; [`super::IndexService`] serialises
/// writers and readers with its lock.
#[derive(Debug)]
pub struct IndexFile {
    path: PathBuf,
    name: String,
    hash_slot_num: u32,
    index_num: u32,
    size: usize,
    map: Mapping,
    /// The open file, shared so the service can fsync it without holding its lock.
    file: Arc<File>,
    header: IndexHeader,
    /// Set by every write, cleared by a flush: the service only syncs files that changed.
    dirty: Arc<AtomicBool>,
}

impl IndexFile {
    /// Creates a new zero-filled file at `path` (which must not exist) and maps it read-write.
    ///
    /// A file that continues an earlier one starts with begin = end = that file's end values, as
    /// in Java; values `<= 0` are not written (a store's very first file has them all 0).
    ///
    /// # Errors
    /// [`IndexError::InvalidConfig`] for a geometry Java cannot create, [`IndexError::Io`] if
    /// the file exists or cannot be created or mapped.
    pub fn create(
        path: &Path,
        hash_slot_num: i32,
        index_num: i32,
        end_phy_offset: i64,
        end_timestamp: i64,
    ) -> Result<IndexFile, IndexError> {
        let size = checked_size(hash_slot_num, index_num)?;
        let io = |e| IndexError::io(path, e);
        // create_new: never clobber an existing file, even one that is not in our list.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(io)?;
        file.set_len(size as u64).map_err(io)?;
        let mut index_file = Self::map(path, file, hash_slot_num, index_num, size, true)?;
        // Written field by field, like Java's constructor: hashSlotCount and indexCount stay 0
        // on disk until the first put.
        if end_phy_offset > 0 {
            index_file.header.begin_phy_offset = end_phy_offset;
            index_file.header.end_phy_offset = end_phy_offset;
            index_file.write_i64(BEGIN_PHY_OFFSET_POS, end_phy_offset);
            index_file.write_i64(END_PHY_OFFSET_POS, end_phy_offset);
        }
        if end_timestamp > 0 {
            index_file.header.begin_timestamp = end_timestamp;
            index_file.header.end_timestamp = end_timestamp;
            index_file.write_i64(BEGIN_TIMESTAMP_POS, end_timestamp);
            index_file.write_i64(END_TIMESTAMP_POS, end_timestamp);
        }
        Ok(index_file)
    }

    /// Opens an existing file read-write and loads its header.
    ///
    /// A 0-byte file (a crash between creating and sizing it) is grown to full size, which is
    /// what Java's mapping does; it then reads as an empty file.
    ///
    /// # Errors
    /// [`IndexError::SizeMismatch`] if the file has another non-zero size than this geometry
    /// gives (the store was written with other `maxHashSlotNum`/`maxIndexNum` settings, or the
    /// file is damaged), [`IndexError::InvalidConfig`], [`IndexError::Io`].
    pub fn open(path: &Path, hash_slot_num: i32, index_num: i32) -> Result<IndexFile, IndexError> {
        let size = checked_size(hash_slot_num, index_num)?;
        let io = |e| IndexError::io(path, e);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(io)?;
        let actual = file.metadata().map_err(io)?.len();
        if actual == 0 {
            file.set_len(size as u64).map_err(io)?;
        } else if actual != size as u64 {
            return Err(IndexError::SizeMismatch {
                path: path.to_path_buf(),
                actual,
                expected: size as u64,
                hash_slot_num,
                index_num,
            });
        }
        let mut index_file = Self::map(path, file, hash_slot_num, index_num, size, true)?;
        index_file.load_header();
        Ok(index_file)
    }

    /// Opens an existing file for reading only (offline tools on a store that may be in use):
    /// the map is read-only and nothing is ever written; [`IndexFile::put_key`] returns false.
    ///
    /// # Errors
    /// [`IndexError::SizeMismatch`] if the file is not exactly the geometry's size,
    /// [`IndexError::InvalidConfig`], [`IndexError::Io`].
    pub fn open_read_only(
        path: &Path,
        hash_slot_num: i32,
        index_num: i32,
    ) -> Result<IndexFile, IndexError> {
        let size = checked_size(hash_slot_num, index_num)?;
        let io = |e| IndexError::io(path, e);
        let file = File::open(path).map_err(io)?;
        let actual = file.metadata().map_err(io)?.len();
        if actual != size as u64 {
            return Err(IndexError::SizeMismatch {
                path: path.to_path_buf(),
                actual,
                expected: size as u64,
                hash_slot_num,
                index_num,
            });
        }
        let mut index_file = Self::map(path, file, hash_slot_num, index_num, size, false)?;
        index_file.load_header();
        Ok(index_file)
    }

    fn map(
        path: &Path,
        file: File,
        hash_slot_num: i32,
        index_num: i32,
        size: usize,
        writable: bool,
    ) -> Result<IndexFile, IndexError> {
        let io = |e| IndexError::io(path, e);
        let mut options = MmapOptions::new();
        options.len(size);
        let map = if writable {
            // SAFETY: the mapping is only sound while no one truncates or rewrites the file
            // behind our back. Index files belong to this store, which is held by its `lock`
            // file; the only other writer would be a second broker on the same store, which
            // the store lock refuses. The length was checked (or set) to `size` above.
            Mapping::ReadWrite(unsafe { options.map_mut(&file) }.map_err(io)?)
        } else {
            // SAFETY: as above; a read-only map of a store a broker still writes can see
            // torn values, which every reader here tolerates through bounds checks.
            Mapping::ReadOnly(unsafe { options.map(&file) }.map_err(io)?)
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(IndexFile {
            path: path.to_path_buf(),
            name,
            // Both were checked positive by `checked_size`.
            hash_slot_num: hash_slot_num.unsigned_abs(),
            index_num: index_num.unsigned_abs(),
            size,
            map,
            file: Arc::new(file),
            header: IndexHeader::default(),
            // A file just created or opened may hold data the OS has not written yet; the first
            // flush syncs it so a checkpoint timestamp taken after it is safe.
            dirty: Arc::new(AtomicBool::new(writable)),
        })
    }

    fn load_header(&mut self) {
        // The map is at least 40 bytes (checked_size), so parse cannot fail; default otherwise.
        self.header = IndexHeader::parse(self.map.bytes()).unwrap_or_default();
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's name: its creation time `yyyyMMddHHmmssSSS`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's size in bytes.
    pub fn file_size(&self) -> usize {
        self.size
    }

    /// The number of hash slots.
    pub fn hash_slot_num(&self) -> i32 {
        self.hash_slot_num as i32
    }

    /// The number of entry positions (the file holds one less: entry 0 is unused).
    pub fn index_num(&self) -> i32 {
        self.index_num as i32
    }

    /// True if the file was opened read-only.
    pub fn is_read_only(&self) -> bool {
        matches!(self.map, Mapping::ReadOnly(_))
    }

    /// The header as held in memory (equal to the bytes on disk after any put).
    pub fn header(&self) -> IndexHeader {
        self.header
    }

    pub fn begin_timestamp(&self) -> i64 {
        self.header.begin_timestamp
    }

    pub fn end_timestamp(&self) -> i64 {
        self.header.end_timestamp
    }

    pub fn begin_phy_offset(&self) -> i64 {
        self.header.begin_phy_offset
    }

    pub fn end_phy_offset(&self) -> i64 {
        self.header.end_phy_offset
    }

    /// The number of the next entry to write (1 for an empty file).
    pub fn index_count(&self) -> i32 {
        self.header.index_count
    }

    /// True when no more entries fit: `indexCount >= indexNum`.
    pub fn is_write_full(&self) -> bool {
        i64::from(self.header.index_count) >= i64::from(self.index_num)
    }

    /// Java's `isTimeMatched`: does `[begin, end]` overlap the file's
    /// `[beginTimestamp, endTimestamp]`?
    pub fn is_time_matched(&self, begin: i64, end: i64) -> bool {
        let (fb, fe) = (self.header.begin_timestamp, self.header.end_timestamp);
        (begin < fb && end > fe) || (begin >= fb && begin <= fe) || (end >= fb && end <= fe)
    }

    /// The raw value of hash slot `slot`, or `None` if `slot` is out of range.
    pub fn slot_value(&self, slot: u32) -> Option<i32> {
        if slot >= self.hash_slot_num {
            return None;
        }
        read_i32(self.map.bytes(), slot_pos(slot))
    }

    /// Entry number `index` as stored, or `None` if it lies outside the file. Entries at or past
    /// `indexCount` are returned too (zeros in a sane file): this is a raw view for tools.
    pub fn entry(&self, index: u32) -> Option<IndexEntry> {
        if index >= self.index_num {
            return None;
        }
        let pos = self.entry_pos(index);
        IndexEntry::parse(self.map.bytes().get(pos..pos + INDEX_ENTRY_SIZE)?)
    }

    /// Indexes `key` for the message at `phy_offset` stored at `store_timestamp` (ms).
    ///
    /// Returns false if the file is full (the caller rolls to a new file) or read-only.
    pub fn put_key(&mut self, key: &str, phy_offset: i64, store_timestamp: i64) -> bool {
        if self.is_write_full() || self.is_read_only() {
            return false;
        }
        let count = self.header.index_count;
        // Positive and < index_num, both checked above.
        let entry_no = count.unsigned_abs();
        let key_hash = index_key_hash(key);
        let slot = key_hash.unsigned_abs() % self.hash_slot_num;

        // A slot value that does not name a written entry (stale or corrupt) starts a new
        // chain rather than linking into garbage.
        let mut prev = self.slot_value(slot).unwrap_or(INVALID_INDEX);
        if prev <= INVALID_INDEX || prev > count {
            prev = INVALID_INDEX;
        }

        // Seconds since the file's first entry. For a file's first entry beginTimestamp is
        // either 0 (→ 0) or, in a rolled file, the previous file's end: Java computes the diff
        // against that and only then moves beginTimestamp to this message, and so do we.
        let begin = self.header.begin_timestamp;
        let time_diff = if begin <= 0 {
            0
        } else {
            let seconds = store_timestamp.wrapping_sub(begin) / 1000;
            seconds.clamp(0, i64::from(i32::MAX)) as i32
        };

        let entry = IndexEntry {
            key_hash,
            phy_offset,
            time_diff,
            prev_index: prev,
        };
        let entry_pos = self.entry_pos(entry_no);
        let Some(bytes) = self.map.bytes_mut() else {
            return false;
        };
        let Some(dst) = bytes.get_mut(entry_pos..entry_pos + INDEX_ENTRY_SIZE) else {
            return false;
        };
        dst.copy_from_slice(&entry.to_bytes());
        self.write_i32(slot_pos(slot), count);

        if count <= 1 {
            self.header.begin_phy_offset = phy_offset;
            self.header.begin_timestamp = store_timestamp;
        }
        if prev == INVALID_INDEX {
            self.header.hash_slot_count = self.header.hash_slot_count.wrapping_add(1);
        }
        self.header.index_count = count + 1;
        self.header.end_phy_offset = phy_offset;
        self.header.end_timestamp = store_timestamp;
        let header = self.header.to_bytes();
        if let Some(dst) = self
            .map
            .bytes_mut()
            .and_then(|b| b.get_mut(..INDEX_HEADER_SIZE))
        {
            dst.copy_from_slice(&header);
        }
        self.dirty.store(true, Ordering::Release);
        true
    }

    /// The commitlog offsets indexed under `key` with a store time in `[begin, end]` (ms), newest
    /// first, at most `max_num`.
    ///
    /// Entries are matched by key hash only, so different keys with equal Java hashes are all
    /// returned: the caller checks the messages' keys, as Java's does.
    pub fn select_phy_offsets(&self, key: &str, max_num: usize, begin: i64, end: i64) -> Vec<i64> {
        let mut out = Vec::new();
        self.collect_phy_offsets(&mut out, key, max_num, begin, end);
        out
    }

    /// Appends matches to `out` until it holds `max_num` offsets (a query shares one limit
    /// across files).
    pub(crate) fn collect_phy_offsets(
        &self,
        out: &mut Vec<i64>,
        key: &str,
        max_num: usize,
        begin: i64,
        end: i64,
    ) {
        let key_hash = index_key_hash(key);
        let slot = key_hash.unsigned_abs() % self.hash_slot_num;
        let count = self.header.index_count;
        let Some(slot_value) = self.slot_value(slot) else {
            return;
        };
        if slot_value <= INVALID_INDEX || slot_value > count || count <= 1 {
            return;
        }
        // A sane chain visits each written entry at most once, and entries lie below
        // `indexNum`; the cap stops corrupt links that form a cycle longer than Java's
        // `prev == current` check catches.
        let max_steps = count.unsigned_abs().min(self.index_num);
        let mut next = slot_value.unsigned_abs();
        for _ in 0..max_steps {
            if out.len() >= max_num {
                break;
            }
            let Some(entry) = self.entry(next) else {
                break;
            };
            if entry.time_diff < 0 {
                break;
            }
            let time_read = self
                .header
                .begin_timestamp
                .wrapping_add(i64::from(entry.time_diff) * 1000);
            if entry.key_hash == key_hash && time_read >= begin && time_read <= end {
                out.push(entry.phy_offset);
            }
            let prev = entry.prev_index;
            // Entries are written in time order, so once one is older than `begin` every
            // earlier link is too.
            if prev <= INVALID_INDEX
                || prev > count
                || prev.unsigned_abs() == next
                || time_read < begin
            {
                break;
            }
            next = prev.unsigned_abs();
        }
    }

    /// Writes dirty pages to disk (msync). Nothing to do for a read-only file.
    ///
    /// # Errors
    /// [`IndexError::Io`] if the sync fails; the file stays marked dirty.
    pub fn flush(&self) -> Result<(), IndexError> {
        if let Mapping::ReadWrite(map) = &self.map {
            if self.dirty.swap(false, Ordering::AcqRel) {
                if let Err(e) = map.flush() {
                    self.dirty.store(true, Ordering::Release);
                    return Err(IndexError::io(&self.path, e));
                }
            }
        }
        Ok(())
    }

    /// The shared file handle and dirty flag, for syncing without the service's lock.
    pub(crate) fn sync_handle(&self) -> (Arc<File>, Arc<AtomicBool>) {
        (Arc::clone(&self.file), Arc::clone(&self.dirty))
    }

    fn entry_pos(&self, index: u32) -> usize {
        INDEX_HEADER_SIZE
            + self.hash_slot_num as usize * HASH_SLOT_SIZE
            + index as usize * INDEX_ENTRY_SIZE
    }

    fn write_i32(&mut self, pos: usize, value: i32) {
        if let Some(dst) = self.map.bytes_mut().and_then(|b| b.get_mut(pos..pos + 4)) {
            dst.copy_from_slice(&value.to_be_bytes());
        }
    }

    fn write_i64(&mut self, pos: usize, value: i64) {
        if let Some(dst) = self.map.bytes_mut().and_then(|b| b.get_mut(pos..pos + 8)) {
            dst.copy_from_slice(&value.to_be_bytes());
        }
    }
}

/// The file size for this geometry, or the error that explains why Java could not create it.
pub(super) fn checked_size(hash_slot_num: i32, index_num: i32) -> Result<usize, IndexError> {
    index_file_size(hash_slot_num, index_num).ok_or_else(|| {
        IndexError::InvalidConfig(format!(
            "maxHashSlotNum={hash_slot_num} maxIndexNum={index_num}: need maxHashSlotNum >= 1, \
             maxIndexNum >= 2 and a file size of at most {} bytes",
            i32::MAX
        ))
    })
}

fn slot_pos(slot: u32) -> usize {
    INDEX_HEADER_SIZE + slot as usize * HASH_SLOT_SIZE
}

fn read_i32(bytes: &[u8], pos: usize) -> Option<i32> {
    let raw = bytes.get(pos..pos.checked_add(4)?)?;
    Some(i32::from_be_bytes(raw.try_into().ok()?))
}

fn read_i64(bytes: &[u8], pos: usize) -> Option<i64> {
    let raw = bytes.get(pos..pos.checked_add(8)?)?;
    Some(i64::from_be_bytes(raw.try_into().ok()?))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::fs;

    /// A unique directory under the system temp dir, removed on drop.
    pub(crate) struct TempDir(pub PathBuf);

    impl TempDir {
        pub(crate) fn new(tag: &str) -> TempDir {
            use std::sync::atomic::AtomicU64;
            static SEQ: AtomicU64 = AtomicU64::new(0);
            let dir = std::env::temp_dir().join(format!(
                "rmq-index-{tag}-{}-{}-{}",
                std::process::id(),
                crate::common::clock::now_ms(),
                SEQ.fetch_add(1, Ordering::Relaxed)
            ));
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const SLOTS: i32 = 8;
    const ENTRIES: i32 = 6;

    fn data_start() -> usize {
        INDEX_HEADER_SIZE + SLOTS as usize * HASH_SLOT_SIZE
    }

    #[test]
    fn file_size_rules() {
        assert_eq!(index_file_size(5_000_000, 20_000_000), Some(420_000_040));
        assert_eq!(
            index_file_size(DEFAULT_HASH_SLOT_NUM, DEFAULT_INDEX_NUM),
            Some(420_000_040)
        );
        assert_eq!(index_file_size(8, 6), Some(40 + 32 + 120));
        assert_eq!(index_file_size(0, 6), None);
        assert_eq!(index_file_size(8, 1), None);
        assert_eq!(index_file_size(i32::MAX, i32::MAX), None);
    }

    #[test]
    fn key_hash_is_java_abs() {
        // "T#k1": ((('T'*31 + '#')*31 + 'k')*31 + '1') = ((84*31+35)*31+107)*31+49.
        let expected = ((84 * 31 + 35) * 31 + 107) * 31 + 49;
        assert_eq!(expected, 2_539_445);
        assert_eq!(index_key_hash("T#k1"), expected);
        // "polygenelubricants" hashes to Integer.MIN_VALUE; Math.abs keeps it negative and the
        // index maps it to 0.
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        assert_eq!(index_key_hash("polygenelubricants"), 0);
        // A negative hash is made positive.
        assert!(java_string_hash("T#negative-key-xyz") < 0);
        assert_eq!(
            index_key_hash("T#negative-key-xyz"),
            -java_string_hash("T#negative-key-xyz")
        );
    }

    #[test]
    fn golden_bytes_as_java_writes_them() {
        let dir = TempDir::new("golden");
        let path = dir.0.join("20240101000000000");
        let mut f = IndexFile::create(&path, SLOTS, ENTRIES, 0, 0).unwrap();
        // A fresh first file: all-zero header (indexCount is only written by the first put).
        assert_eq!(fs::read(&path).unwrap(), vec![0u8; 40 + 32 + 120]);

        let t0 = 1_700_000_000_000i64;
        assert!(f.put_key("T#k1", 1000, t0));
        assert!(f.put_key("T#k2", 2000, t0 + 2_500));
        assert!(f.put_key("T#k1", 3000, t0 + 61_999));
        f.flush().unwrap();
        drop(f);
        let bytes = fs::read(&path).unwrap();

        // Header: begin = first put, end = last put, 2 slots used, next entry is 4.
        let mut header = Vec::new();
        header.extend_from_slice(&t0.to_be_bytes());
        header.extend_from_slice(&(t0 + 61_999).to_be_bytes());
        header.extend_from_slice(&1000i64.to_be_bytes());
        header.extend_from_slice(&3000i64.to_be_bytes());
        header.extend_from_slice(&2i32.to_be_bytes());
        header.extend_from_slice(&4i32.to_be_bytes());
        assert_eq!(&bytes[..40], &header[..]);

        // hash("T#k1") = 2539445, slot = 2539445 % 8 = 5; hash("T#k2") = 2539446, slot 6.
        let h1 = 2_539_445i32;
        let h2 = 2_539_446i32;
        assert_eq!(index_key_hash("T#k2"), h2);
        assert_eq!(h1 % SLOTS, 5);
        // Slot 5 holds entry 3 (the newest "T#k1"), slot 6 entry 2, the others 0.
        let slot = |s: usize| &bytes[40 + s * 4..40 + s * 4 + 4];
        assert_eq!(slot(5), &[0, 0, 0, 3]);
        assert_eq!(slot(6), &[0, 0, 0, 2]);
        for s in [0, 1, 2, 3, 4, 7] {
            assert_eq!(slot(s), &[0, 0, 0, 0]);
        }

        // Entry 0 is never written.
        let entry = |n: usize| &bytes[data_start() + n * 20..data_start() + n * 20 + 20];
        assert_eq!(entry(0), &[0u8; 20]);
        // Entry 1: first put, timeDiff 0 because beginTimestamp was still 0, no prev.
        let mut e1 = Vec::new();
        e1.extend_from_slice(&h1.to_be_bytes());
        e1.extend_from_slice(&1000i64.to_be_bytes());
        e1.extend_from_slice(&0i32.to_be_bytes());
        e1.extend_from_slice(&0i32.to_be_bytes());
        assert_eq!(entry(1), &e1[..]);
        // Entry 2: 2.5 s after begin → timeDiff 2 (integer division), no prev.
        assert_eq!(
            entry(2),
            &[0, 0x26, 0xBF, 0xB6, 0, 0, 0, 0, 0, 0, 0x07, 0xD0, 0, 0, 0, 2, 0, 0, 0, 0]
        );
        // Entry 3: 61.999 s → 61, prev = entry 1 (the chain link).
        assert_eq!(
            entry(3),
            &[0, 0x26, 0xBF, 0xB5, 0, 0, 0, 0, 0, 0, 0x0B, 0xB8, 0, 0, 0, 61, 0, 0, 0, 1]
        );
        assert_eq!(0x0026_BFB5, h1);
        assert_eq!(entry(4), &[0u8; 20]);
    }

    #[test]
    fn rolled_file_header_and_first_time_diff() {
        let dir = TempDir::new("rolled");
        let path = dir.0.join("20240101000000001");
        let prev_end_ts = 1_700_000_000_000i64;
        let mut f = IndexFile::create(&path, SLOTS, ENTRIES, 4242, prev_end_ts).unwrap();
        let bytes = fs::read(&path).unwrap();
        let mut header = Vec::new();
        for v in [prev_end_ts, prev_end_ts, 4242, 4242] {
            header.extend_from_slice(&v.to_be_bytes());
        }
        header.extend_from_slice(&[0; 8]);
        assert_eq!(&bytes[..40], &header[..]);
        assert_eq!(f.index_count(), 1);

        // The first entry's diff is taken against the previous file's end (5 s), then
        // beginTimestamp moves to this message: its time reads back as begin + 5 s, exactly as
        // in Java.
        assert!(f.put_key("T#k1", 5000, prev_end_ts + 5_000));
        assert_eq!(f.entry(1).unwrap().time_diff, 5);
        assert_eq!(f.begin_timestamp(), prev_end_ts + 5_000);
        assert_eq!(f.begin_phy_offset(), 5000);
        assert_eq!(
            f.select_phy_offsets("T#k1", 10, prev_end_ts + 10_000, prev_end_ts + 10_000),
            vec![5000]
        );
    }

    #[test]
    fn full_file_refuses_puts() {
        let dir = TempDir::new("full");
        let mut f = IndexFile::create(&dir.0.join("a"), SLOTS, 3, 0, 0).unwrap();
        assert!(f.put_key("T#a", 1, 1));
        assert!(!f.is_write_full());
        assert!(f.put_key("T#b", 2, 2));
        assert!(f.is_write_full());
        assert!(!f.put_key("T#c", 3, 3));
        assert_eq!(f.index_count(), 3);
        assert_eq!(f.end_phy_offset(), 2);
    }

    #[test]
    fn time_diff_clamps() {
        let dir = TempDir::new("clamp");
        let mut f = IndexFile::create(&dir.0.join("a"), SLOTS, ENTRIES, 0, 0).unwrap();
        let t0 = 10_000_000i64;
        assert!(f.put_key("T#a", 1, t0));
        // Earlier than begin → 0; far later → Integer.MAX_VALUE.
        assert!(f.put_key("T#a", 2, t0 - 5_000));
        assert!(f.put_key("T#a", 3, i64::MAX));
        assert_eq!(f.entry(2).unwrap().time_diff, 0);
        assert_eq!(f.entry(3).unwrap().time_diff, i32::MAX);
    }

    #[test]
    fn is_time_matched_overlap() {
        let dir = TempDir::new("match");
        let mut f = IndexFile::create(&dir.0.join("a"), SLOTS, ENTRIES, 0, 0).unwrap();
        assert!(f.put_key("T#a", 1, 1000));
        assert!(f.put_key("T#a", 2, 5000));
        assert!(f.is_time_matched(0, 10_000)); // covers
        assert!(f.is_time_matched(2000, 3000)); // inside
        assert!(f.is_time_matched(0, 1000)); // touches begin
        assert!(f.is_time_matched(5000, 9000)); // touches end
        assert!(!f.is_time_matched(0, 999));
        assert!(!f.is_time_matched(5001, 9000));
    }

    #[test]
    fn read_only_open_never_writes() {
        let dir = TempDir::new("ro");
        let path = dir.0.join("a");
        let mut f = IndexFile::create(&path, SLOTS, ENTRIES, 0, 0).unwrap();
        assert!(f.put_key("T#k1", 7, 1_000_000));
        drop(f);
        let before = fs::read(&path).unwrap();
        let mut ro = IndexFile::open_read_only(&path, SLOTS, ENTRIES).unwrap();
        assert!(ro.is_read_only());
        assert_eq!(ro.select_phy_offsets("T#k1", 10, 0, i64::MAX), vec![7]);
        assert!(!ro.put_key("T#k2", 8, 1_000_000));
        ro.flush().unwrap();
        drop(ro);
        assert_eq!(fs::read(&path).unwrap(), before);
        // Wrong geometry is refused, not misread.
        assert!(matches!(
            IndexFile::open_read_only(&path, SLOTS * 2, ENTRIES),
            Err(IndexError::SizeMismatch { .. })
        ));
    }

    #[test]
    fn reopen_keeps_header_and_chains() {
        let dir = TempDir::new("reopen");
        let path = dir.0.join("a");
        let mut f = IndexFile::create(&path, SLOTS, ENTRIES, 0, 0).unwrap();
        assert!(f.put_key("T#k1", 10, 1_000_000));
        assert!(f.put_key("T#k1", 20, 1_002_000));
        let header = f.header();
        drop(f);
        let mut f = IndexFile::open(&path, SLOTS, ENTRIES).unwrap();
        assert_eq!(f.header(), header);
        assert!(f.put_key("T#k1", 30, 1_004_000));
        assert_eq!(
            f.select_phy_offsets("T#k1", 10, 0, i64::MAX),
            vec![30, 20, 10]
        );
        // max_num limits, newest first.
        assert_eq!(f.select_phy_offsets("T#k1", 2, 0, i64::MAX), vec![30, 20]);
    }

    #[test]
    fn empty_file_on_disk_is_grown() {
        let dir = TempDir::new("empty");
        let path = dir.0.join("a");
        fs::write(&path, b"").unwrap();
        let f = IndexFile::open(&path, SLOTS, ENTRIES).unwrap();
        assert_eq!(f.index_count(), 1);
        assert_eq!(
            fs::metadata(&path).unwrap().len(),
            index_file_size(SLOTS, ENTRIES).unwrap() as u64
        );
    }

    #[test]
    fn corrupt_values_do_not_panic() {
        let dir = TempDir::new("corrupt");
        let path = dir.0.join("a");
        let mut f = IndexFile::create(&path, SLOTS, ENTRIES, 0, 0).unwrap();
        assert!(f.put_key("T#k1", 10, 1_000_000));
        assert!(f.put_key("T#k1", 20, 1_001_000));
        drop(f);

        let mut bytes = fs::read(&path).unwrap();
        let slot5 = 40 + 5 * 4;
        let e = |n: usize| data_start() + n * 20;
        // Header: an indexCount far beyond the file; links that cycle 2 → 1 → 2.
        bytes[36..40].copy_from_slice(&i32::MAX.to_be_bytes());
        bytes[e(1) + 16..e(1) + 20].copy_from_slice(&2i32.to_be_bytes());
        fs::write(&path, &bytes).unwrap();
        let f = IndexFile::open_read_only(&path, SLOTS, ENTRIES).unwrap();
        let got = f.select_phy_offsets("T#k1", 1000, 0, i64::MAX);
        assert!(got.len() <= ENTRIES as usize);
        assert_eq!(&got[..2], &[20, 10]);
        drop(f);

        // A slot pointing past the entry area, then a link pointing past it.
        for (slot_value, link) in [(i32::MAX, 0i32), (5, 0), (2, 1_000_000), (2, -7)] {
            bytes[slot5..slot5 + 4].copy_from_slice(&slot_value.to_be_bytes());
            bytes[e(2) + 16..e(2) + 20].copy_from_slice(&link.to_be_bytes());
            fs::write(&path, &bytes).unwrap();
            let mut f = IndexFile::open(&path, SLOTS, ENTRIES).unwrap();
            let _ = f.select_phy_offsets("T#k1", 1000, 0, i64::MAX);
            // Full (indexCount > indexNum): puts are refused, not written out of bounds.
            assert!(!f.put_key("T#k1", 30, 1_002_000));
        }

        // Negative indexCount reads as 1 (empty), puts start at entry 1 again.
        bytes[36..40].copy_from_slice(&(-5i32).to_be_bytes());
        bytes[slot5..slot5 + 4].copy_from_slice(&9i32.to_be_bytes());
        fs::write(&path, &bytes).unwrap();
        let mut f = IndexFile::open(&path, SLOTS, ENTRIES).unwrap();
        assert_eq!(f.index_count(), 1);
        assert!(f.select_phy_offsets("T#k1", 10, 0, i64::MAX).is_empty());
        // The stale slot value 9 > indexCount is treated as empty: no link into garbage.
        assert!(f.put_key("T#k1", 40, 1_003_000));
        assert_eq!(f.entry(1).unwrap().prev_index, 0);
        assert_eq!(f.select_phy_offsets("T#k1", 10, 0, i64::MAX), vec![40]);
    }
}
