//! Offline inspection of a store directory, for `rmq store dump|verify|stats`: streaming scans
//! of CommitLog and ConsumeQueue files, index and checkpoint readers, store-wide verification,
//! per-queue statistics, and a `MessageExt`-shaped JSON view of records.
//!
//! Everything here opens files read-only and never takes the store lock, so it may run against
//! a store a broker is using; a record being written at that moment can then show up as torn.
//!
//! Memory does not grow with the store: records are visited, never collected; CommitLog files
//! are mapped one at a time and the pages a scan has passed are handed back (`FileMap`);
//! verification reads each ConsumeQueue in step with the CommitLog scan (both are in CommitLog
//! order) instead of jumping around the CommitLog. Only per-queue state and the first
//! [`MAX_REPORTED_PROBLEMS`] problems are kept.
//!
//! File sizes are taken from the files themselves unless a broker config gives them
//! ([`ExpectedSizes::from_config`]), so stores made with any `mappedFileSizeCommitLog` /
//! `mappedFileSizeConsumeQueue` can be read.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::io::Read as _;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use memmap2::{Advice, Mmap, MmapOptions, UncheckedAdvice};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use thiserror::Error;

use super::checkpoint::{CheckpointData, CheckpointError, CHECKPOINT_FILE_SIZE};
use super::consume_queue::{CqEntry, CQ_UNIT};
use super::error::StoreError;
use super::index::{
    index_file_size, IndexError, IndexFile, DEFAULT_HASH_SLOT_NUM, DEFAULT_INDEX_NUM,
    HASH_SLOT_SIZE, INDEX_ENTRY_SIZE, INDEX_HEADER_SIZE,
};
use super::mapped_file::list_log_files;
use crate::common::message::{
    self, decode_record, property, sys_flag, DecodeError, Record, RecordView, BLANK_MAGIC,
    MAGIC_V1, MAGIC_V2,
};
use crate::common::names::RMQ_SYS_SCHEDULE_TOPIC as SCHEDULE_TOPIC;
use crate::config::MessageStoreConfig;

/// How many problems a verification keeps in full; later ones are only counted.
pub const MAX_REPORTED_PROBLEMS: usize = 1000;
/// CommitLog files a [`CommitLogReader`] keeps mapped (lookups, e.g. of index hits, tend to
/// fall into a few files, so a handful avoids remapping).
pub const RANDOM_ACCESS_MAPS: usize = 4;
/// Largest body inflated for display; a bigger (or bomb-like) body is shown as stored.
pub const MAX_INFLATED_BODY: usize = 64 << 20;
/// Progress is reported at least this often (bytes) within a file.
const PROGRESS_STEP: u64 = 32 << 20;
/// Scans hand back the pages behind them in steps of this many bytes (see [`FileMap`]).
const RELEASE_STEP: usize = 32 << 20;

/// Why a store, file or directory cannot be inspected at all. Problems *inside* readable data
/// are not errors: verification reports them as [`Problem`]s.
#[derive(Debug, Error)]
pub enum InspectError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("{}: {source}", path.display())]
    Checkpoint {
        path: PathBuf,
        source: CheckpointError,
    },
}

fn io_err(path: &Path, source: std::io::Error) -> InspectError {
    InspectError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn invalid(path: &Path, reason: impl Into<String>) -> InspectError {
    InspectError::Invalid {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Store layout and paths

/// File sizes a store is expected to have, when a broker config says so.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExpectedSizes {
    pub commitlog_file: Option<u64>,
    pub consumequeue_file: Option<u64>,
    pub index_geometry: Option<IndexGeometry>,
}

impl ExpectedSizes {
    /// The sizes a broker with this store config writes.
    pub fn from_config(cfg: &MessageStoreConfig) -> ExpectedSizes {
        ExpectedSizes {
            commitlog_file: u64::try_from(cfg.mapped_file_size_commit_log).ok(),
            consumequeue_file: u64::try_from(cfg.consume_queue_file_size()).ok(),
            index_geometry: Some(IndexGeometry {
                hash_slot_num: cfg.max_hash_slot_num,
                index_num: cfg.max_index_num,
            }),
        }
    }
}

/// Where the parts of a store are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreLayout {
    pub root: PathBuf,
    pub commitlog_dir: PathBuf,
    pub consumequeue_dir: PathBuf,
    pub index_dir: PathBuf,
    pub checkpoint_file: PathBuf,
    pub config_dir: PathBuf,
    pub sizes: ExpectedSizes,
}

impl StoreLayout {
    /// The standard layout under `root`, sizes unknown (taken from the files).
    pub fn at(root: impl Into<PathBuf>) -> StoreLayout {
        let root = root.into();
        StoreLayout {
            commitlog_dir: root.join("commitlog"),
            consumequeue_dir: root.join("consumequeue"),
            index_dir: root.join("index"),
            checkpoint_file: root.join("checkpoint"),
            config_dir: root.join("config"),
            root,
            sizes: ExpectedSizes::default(),
        }
    }

    /// The layout and sizes a broker with this store config uses (`storePathCommitLog` and
    /// `storePathIndex` honoured).
    pub fn from_config(cfg: &MessageStoreConfig) -> StoreLayout {
        StoreLayout {
            commitlog_dir: cfg.commit_log_dir(),
            index_dir: cfg.index_dir(),
            sizes: ExpectedSizes::from_config(cfg),
            ..StoreLayout::at(cfg.store_path_root_dir.clone())
        }
    }

    /// Fails unless the root looks like a store (it has a `commitlog` directory).
    pub fn ensure_store(&self) -> Result<(), InspectError> {
        match std::fs::metadata(&self.root) {
            Err(e) => return Err(io_err(&self.root, e)),
            Ok(m) if !m.is_dir() => return Err(invalid(&self.root, "not a directory")),
            Ok(_) => {}
        }
        if !self.commitlog_dir.is_dir() {
            return Err(invalid(
                &self.root,
                format!(
                    "not a RocketMQ store: there is no CommitLog directory {}",
                    self.commitlog_dir.display()
                ),
            ));
        }
        Ok(())
    }
}

/// Resolves a path given on the command line: absolute paths as they are, relative ones
/// against `root` when one is given (falling back to the current directory if only that has
/// it), else against the current directory.
pub fn resolve_path(path: &Path, root: Option<&Path>) -> PathBuf {
    match root {
        Some(root) if path.is_relative() => {
            let under_root = root.join(path);
            if !under_root.exists() && path.exists() {
                path.to_path_buf()
            } else {
                under_root
            }
        }
        _ => path.to_path_buf(),
    }
}

/// What a store file or directory holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreFileKind {
    CommitLog,
    ConsumeQueue,
    Index,
    Checkpoint,
    Config,
}

fn name_of(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// Tells from its path (and, for a bare 20-digit file, its first bytes) what a store file or
/// directory is.
pub fn detect_kind(path: &Path) -> Result<StoreFileKind, InspectError> {
    let meta = std::fs::metadata(path).map_err(|e| io_err(path, e))?;
    // Canonical form so `.` and `..` components do not hide the directory names.
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let ancestors: Vec<&str> = abs.ancestors().map(name_of).collect();
    let within = |name: &str, levels: usize| ancestors.iter().take(levels + 1).any(|a| *a == name);
    let name = ancestors.first().copied().unwrap_or("");
    if meta.is_dir() {
        return match name {
            "commitlog" => Ok(StoreFileKind::CommitLog),
            "index" => Ok(StoreFileKind::Index),
            "consumequeue" => Err(invalid(
                path,
                "name a topic or queue directory below it, or use --topic/--queue",
            )),
            _ if within("consumequeue", 2) => Ok(StoreFileKind::ConsumeQueue),
            _ if abs.join("commitlog").is_dir() => Err(invalid(
                path,
                "this is a store root: name a file or directory in it, or use 'rmq store stats' \
                 / 'rmq store verify'",
            )),
            _ => Err(invalid(
                path,
                "cannot tell what this directory holds; use 'rmq store dump \
                 <commitlog|consumequeue|index|checkpoint|config> PATH'",
            )),
        };
    }
    let parent = ancestors.get(1).copied().unwrap_or("");
    if name == "checkpoint" {
        return Ok(StoreFileKind::Checkpoint);
    }
    if name.ends_with(".json") || name.ends_with(".json.bak") || parent == "config" {
        return Ok(StoreFileKind::Config);
    }
    if parent == "commitlog" {
        return Ok(StoreFileKind::CommitLog);
    }
    if parent == "index" || (is_digits(name, 17) && !within("consumequeue", 3)) {
        return Ok(StoreFileKind::Index);
    }
    if within("consumequeue", 3) {
        return Ok(StoreFileKind::ConsumeQueue);
    }
    if is_digits(name, 20) {
        let mut head = [0u8; 8];
        if read_prefix(path, &mut head)? == 8 {
            let magic = i32::from_be_bytes([head[4], head[5], head[6], head[7]]);
            if matches!(magic, MAGIC_V1 | MAGIC_V2 | BLANK_MAGIC) {
                return Ok(StoreFileKind::CommitLog);
            }
        }
    }
    Err(invalid(
        path,
        "cannot tell what kind of store file this is; use 'rmq store dump \
         <commitlog|consumequeue|index|checkpoint|config> PATH'",
    ))
}

/// Reads up to `buf.len()` bytes from the start of `path`; returns how many were read.
fn read_prefix(path: &Path, buf: &mut [u8]) -> Result<usize, InspectError> {
    let mut file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err(path, e)),
        }
    }
    Ok(filled)
}

// ---------------------------------------------------------------------------------------------
// Log files

/// One file of a log (CommitLog or ConsumeQueue): its path, the log offset of its first byte
/// (from its 20-digit name) and its length on disk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogFile {
    pub path: PathBuf,
    pub base_offset: i64,
    pub len: u64,
}

impl LogFile {
    /// Log offset one past the file's last byte.
    pub fn end_offset(&self) -> i64 {
        self.base_offset.saturating_add(self.len as i64)
    }

    fn map(&self) -> Result<FileMap, InspectError> {
        FileMap::open(&self.path)
    }
}

/// A read-only map of one store file.
///
/// Not [`super::mapped_file::MappedFile`]: a scan must be able to hand pages it is done with
/// back to the kernel. Mapped pages count in the process's resident set until unmapped, so
/// without that a scan of a 1 GiB file would look like (though not be) a 1 GiB allocation; with
/// it the resident set stays at a few [`RELEASE_STEP`]s whatever the store's size.
struct FileMap {
    map: Mmap,
}

impl FileMap {
    fn open(path: &Path) -> Result<FileMap, InspectError> {
        let file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
        let len = file.metadata().map_err(|e| io_err(path, e))?.len();
        if len == 0 {
            return Err(invalid(path, "file is empty"));
        }
        // SAFETY: a read-only shared map. The store may be in use by a broker that writes the
        // file meanwhile; readers here bounds-check everything they read, so changing bytes
        // can only make a record look torn. Store files are never shrunk while in use (they
        // are deleted whole, which keeps an existing mapping valid).
        let map = unsafe { MmapOptions::new().map(&file) }.map_err(|e| io_err(path, e))?;
        // Only a hint for readahead: failure changes nothing.
        let _ = map.advise(Advice::Sequential);
        Ok(FileMap { map })
    }

    fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Drops the pages of `[start, end)` from this process's resident set. The data stays in
    /// the page cache and reads of it still work (they fault the pages back in).
    fn release(&self, start: usize, end: usize) {
        if end > start {
            // SAFETY: DONTNEED on a shared, read-only file mapping only unmaps pages; their
            // content (the file's) is unchanged, so slices into the range stay valid.
            let _ = unsafe {
                self.map
                    .unchecked_advise_range(UncheckedAdvice::DontNeed, start, end - start)
            };
        }
    }

    /// Non-zero bytes at or after `pos` (`base` = the log offset of byte 0), releasing the pages
    /// as they are checked.
    fn nonzero_after(&self, base: i64, pos: usize) -> Option<NonZeroBytes> {
        let data = self.bytes();
        let mut at = pos.min(data.len());
        let mut found: Option<NonZeroBytes> = None;
        while at < data.len() {
            let end = (at + RELEASE_STEP).min(data.len());
            let chunk = &data[at..end];
            match &mut found {
                None => {
                    if let Some(first) = first_nonzero(chunk) {
                        found = Some(NonZeroBytes {
                            first: base + (at + first) as i64,
                            count: chunk[first..].iter().filter(|&&b| b != 0).count() as u64,
                        });
                    }
                }
                Some(nz) => nz.count += chunk.iter().filter(|&&b| b != 0).count() as u64,
            }
            self.release(at, end);
            at = end;
        }
        found
    }
}

/// The log files (20-digit names) of `dir` in offset order; empty if the directory is missing.
pub fn log_files_in(dir: &Path) -> Result<Vec<LogFile>, InspectError> {
    let mut out = Vec::new();
    for (base_offset, path) in list_log_files(dir)? {
        let len = std::fs::metadata(&path)
            .map_err(|e| io_err(&path, e))?
            .len();
        out.push(LogFile {
            path,
            base_offset,
            len,
        });
    }
    Ok(out)
}

/// The offset a 20-digit file name stands for.
fn name_offset(path: &Path) -> Option<i64> {
    let name = name_of(path);
    is_digits(name, 20).then(|| name.parse().ok()).flatten()
}

/// Offset of the first byte that is not zero (vectorisable: whole 64-byte blocks are OR-ed).
fn first_nonzero(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(64);
    let mut at = 0;
    for chunk in &mut chunks {
        if chunk.iter().fold(0u8, |acc, &b| acc | b) != 0 {
            return chunk.iter().position(|&b| b != 0).map(|p| at + p);
        }
        at += 64;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b != 0)
        .map(|p| at + p)
}

/// Non-zero bytes found where only zeros belong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NonZeroBytes {
    /// Log offset of the first one.
    pub first: i64,
    /// How many there are.
    pub count: u64,
}

// ---------------------------------------------------------------------------------------------
// CommitLog scanning

/// A CommitLog (a directory of files, or one file) read front to back, one mapped file at a
/// time.
#[derive(Clone, Debug)]
pub struct CommitLogScanner {
    files: Vec<LogFile>,
}

impl CommitLogScanner {
    /// A CommitLog directory or a single CommitLog file. A directory must hold at least one
    /// file; a single file must start with a record (or zeros), so a stray path is refused.
    pub fn open(path: &Path) -> Result<CommitLogScanner, InspectError> {
        let meta = std::fs::metadata(path).map_err(|e| io_err(path, e))?;
        if meta.is_dir() {
            let files = log_files_in(path)?;
            if files.is_empty() {
                return Err(invalid(
                    path,
                    "no CommitLog files (20-digit names) in this directory",
                ));
            }
            return Ok(CommitLogScanner { files });
        }
        Ok(CommitLogScanner {
            files: vec![single_commitlog_file(path, meta.len())?],
        })
    }

    /// The files of a CommitLog directory, which may be empty (a store without messages).
    pub fn open_dir(dir: &Path) -> Result<CommitLogScanner, InspectError> {
        if !dir.is_dir() {
            return Err(invalid(dir, "not a CommitLog directory"));
        }
        Ok(CommitLogScanner {
            files: log_files_in(dir)?,
        })
    }

    pub fn files(&self) -> &[LogFile] {
        &self.files
    }

    /// Bytes of all files.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.len).sum()
    }

    /// Offset of the first file's first byte (0 without files).
    pub fn min_offset(&self) -> i64 {
        self.files.first().map_or(0, |f| f.base_offset)
    }

    /// Offset one past the last file's last byte (0 without files).
    pub fn file_end(&self) -> i64 {
        self.files.last().map_or(0, LogFile::end_offset)
    }

    /// Maps the files in order, skipping those that end at or before `from_offset`. Each is
    /// unmapped when the caller drops it.
    pub fn mapped_files(
        &self,
        from_offset: i64,
    ) -> impl Iterator<Item = Result<ScanFile<'_>, InspectError>> + '_ {
        let last = self.files.len().saturating_sub(1);
        self.files
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.end_offset() > from_offset)
            .map(move |(i, info)| {
                Ok(ScanFile {
                    info,
                    map: info.map()?,
                    is_last: i == last,
                })
            })
    }
}

fn single_commitlog_file(path: &Path, len: u64) -> Result<LogFile, InspectError> {
    if len == 0 {
        return Err(invalid(path, "file is empty"));
    }
    // Enough for the magic and the record's own physicalOffset field (bytes 28..36).
    let mut head = [0u8; 36];
    let n = read_prefix(path, &mut head)?;
    let magic = (n >= 8).then(|| i32::from_be_bytes([head[4], head[5], head[6], head[7]]));
    let is_record = matches!(magic, Some(MAGIC_V1 | MAGIC_V2));
    if !is_record && magic != Some(BLANK_MAGIC) && head[..n].iter().any(|&b| b != 0) {
        return Err(invalid(
            path,
            format!(
                "not a CommitLog file: it does not start with a record (first bytes {})",
                HexText(&head[..n.min(8)])
            ),
        ));
    }
    let base_offset = match name_offset(path) {
        Some(offset) => offset,
        // A renamed copy: the first record knows where it was written.
        None if is_record && n == head.len() => {
            let mut phys = [0u8; 8];
            phys.copy_from_slice(&head[28..36]);
            i64::from_be_bytes(phys)
        }
        None => 0,
    };
    Ok(LogFile {
        path: path.to_path_buf(),
        base_offset,
        len,
    })
}

/// One mapped CommitLog file.
pub struct ScanFile<'s> {
    info: &'s LogFile,
    map: FileMap,
    is_last: bool,
}

impl ScanFile<'_> {
    pub fn info(&self) -> &LogFile {
        self.info
    }

    /// Whether this is the log's last file.
    pub fn is_last(&self) -> bool {
        self.is_last
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.map.bytes()
    }

    /// The records from the start of the file; the iterator ends after the first item that is
    /// not a message.
    pub fn records(&self) -> Records<'_> {
        Records::new(&self.map, self.info.base_offset)
    }

    /// Non-zero bytes at or after file position `pos` (only zeros belong after the last record).
    pub fn nonzero_after(&self, pos: usize) -> Option<NonZeroBytes> {
        self.map.nonzero_after(self.info.base_offset, pos)
    }
}

/// What a scan finds at a position of a CommitLog file.
#[derive(Debug)]
pub enum ScanItem<'a> {
    /// A message record starting at `offset`.
    Message { offset: i64, record: RecordView<'a> },
    /// The end-of-file filler: the log continues in the next file.
    Blank { offset: i64, size: i32 },
    /// No record here (zeros or an unknown magic): the written data of this file ends.
    End { offset: i64 },
    /// A record with a valid magic whose sizes do not hold together (a torn or damaged write);
    /// nothing after it in this file can be located.
    Corrupt { offset: i64, error: DecodeError },
}

/// Iterator over the records of one mapped file, see [`ScanFile::records`].
pub struct Records<'a> {
    map: &'a FileMap,
    data: &'a [u8],
    base: i64,
    pos: usize,
    done: bool,
    /// Pages before this position have been released.
    released: usize,
}

impl<'a> Records<'a> {
    fn new(map: &'a FileMap, base: i64) -> Records<'a> {
        Records {
            map,
            data: map.bytes(),
            base,
            pos: 0,
            done: false,
            released: 0,
        }
    }

    /// File position of the next item.
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = ScanItem<'a>;

    fn next(&mut self) -> Option<ScanItem<'a>> {
        if self.done {
            return None;
        }
        let offset = self.base + self.pos as i64;
        let item = match decode_record(self.data.get(self.pos..).unwrap_or(&[])) {
            Ok(Record::Message(record)) => {
                // A decoded record is at least 91 bytes, so the scan always advances.
                self.pos += record.raw.len();
                // Keep the pages just read (the caller is still looking at this record).
                if self.pos - self.released >= 2 * RELEASE_STEP {
                    let upto = self.pos - RELEASE_STEP;
                    self.map.release(self.released, upto);
                    self.released = upto;
                }
                return Some(ScanItem::Message { offset, record });
            }
            Ok(Record::Blank { size }) => ScanItem::Blank { offset, size },
            Ok(Record::End) => ScanItem::End { offset },
            Err(error) => ScanItem::Corrupt { offset, error },
        };
        self.done = true;
        Some(item)
    }
}

/// Random reads of CommitLog records by offset, keeping a few files mapped.
pub struct CommitLogReader {
    files: Vec<LogFile>,
    maps: Vec<ReaderMap>,
    /// Records read since the maps' pages were last released.
    reads_since_release: usize,
}

/// A file a [`CommitLogReader`] keeps mapped.
struct ReaderMap {
    /// Index in the reader's files.
    file: usize,
    map: FileMap,
    /// The byte range read since the last release.
    touched: Option<(usize, usize)>,
}

/// A [`CommitLogReader`] releases the pages it read after this many records. Each read can map
/// up to 64 KiB (the kernel maps cached pages around a faulting one), so this bounds the
/// resident set to about 64 MiB.
const RELEASE_READS: usize = 1024;

/// Why no record could be read at an offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The offset lies in no CommitLog file (deleted by retention, or never written).
    NoFile,
    /// The file holding it cannot be mapped.
    Unreadable(String),
    /// The bytes there are not a message record.
    NotARecord(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NoFile => f.write_str("no CommitLog file holds this offset"),
            ReadError::Unreadable(e) => write!(f, "its CommitLog file cannot be read: {e}"),
            ReadError::NotARecord(e) => write!(f, "no message record there ({e})"),
        }
    }
}

impl CommitLogReader {
    pub fn new(files: Vec<LogFile>) -> CommitLogReader {
        CommitLogReader {
            files,
            maps: Vec::new(),
            reads_since_release: 0,
        }
    }

    /// Calls `f` with the message record at `offset`.
    pub fn with_record<T>(
        &mut self,
        offset: i64,
        f: impl FnOnce(Result<RecordView<'_>, ReadError>) -> T,
    ) -> T {
        let idx = self.files.partition_point(|x| x.base_offset <= offset);
        let Some(i) = idx
            .checked_sub(1)
            .filter(|&i| offset < self.files[i].end_offset())
        else {
            return f(Err(ReadError::NoFile));
        };
        let slot = match self.maps.iter().position(|m| m.file == i) {
            Some(slot) => slot,
            None => match self.files[i].map() {
                Ok(map) => {
                    if self.maps.len() >= RANDOM_ACCESS_MAPS {
                        self.maps.remove(0);
                    }
                    self.maps.push(ReaderMap {
                        file: i,
                        map,
                        touched: None,
                    });
                    self.maps.len() - 1
                }
                Err(e) => return f(Err(ReadError::Unreadable(e.to_string()))),
            },
        };
        // Reads jump around, so pages cannot be released behind a position: release the range
        // read so far now and then instead (re-reading it costs a page fault, not I/O).
        self.reads_since_release += 1;
        if self.reads_since_release >= RELEASE_READS {
            for m in &mut self.maps {
                if let Some((lo, hi)) = m.touched.take() {
                    m.map.release(lo, hi);
                }
            }
            self.reads_since_release = 0;
        }
        let pos = (offset - self.files[i].base_offset) as usize;
        let ReaderMap { map, touched, .. } = &mut self.maps[slot];
        let data = map.bytes();
        match decode_record(data.get(pos..).unwrap_or(&[])) {
            Ok(Record::Message(view)) => {
                let end = pos + view.raw.len();
                *touched = Some(touched.map_or((pos, end), |(lo, hi)| (lo.min(pos), hi.max(end))));
                f(Ok(view))
            }
            Ok(Record::Blank { .. }) => {
                f(Err(ReadError::NotARecord("an end-of-file filler".into())))
            }
            Ok(Record::End) => f(Err(ReadError::NotARecord(
                "zeros or an unknown magic".into(),
            ))),
            Err(e) => f(Err(ReadError::NotARecord(e.to_string()))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Message bodies and the MessageExt JSON view

/// How a body is written out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BodyEncoding {
    /// Not at all.
    None,
    /// As text, invalid UTF-8 replaced by U+FFFD.
    #[default]
    Utf8,
    /// Lowercase hex.
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// What was done to a stored body before showing it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyState {
    /// Not compressed: shown as stored.
    Plain,
    /// zlib-compressed and shown inflated.
    Inflated,
    /// Compressed with a codec not available here: shown as stored.
    LeftCompressed(&'static str),
    /// zlib-compressed but inflating failed: shown as stored.
    InflateFailed(String),
}

impl BodyState {
    /// A note for output, `None` for an uncompressed body.
    pub fn note(&self) -> Option<String> {
        match self {
            BodyState::Plain => None,
            BodyState::Inflated => Some("zlib (shown decompressed)".into()),
            BodyState::LeftCompressed(kind) => Some(format!("{kind} (shown as stored)")),
            BodyState::InflateFailed(why) => {
                Some(format!("zlib, cannot decompress: {why} (shown as stored)"))
            }
        }
    }
}

/// The body to show for a record: inflated into `scratch` when it is zlib-compressed
/// (`sysFlag & 1`, compression type 0 or 0x300), as stored otherwise. `scratch` is reused
/// across records so a scan does not allocate per message.
pub fn decode_body<'s>(
    body: &'s [u8],
    flag: i32,
    scratch: &'s mut Vec<u8>,
) -> (&'s [u8], BodyState) {
    if flag & sys_flag::COMPRESSED == 0 {
        return (body, BodyState::Plain);
    }
    match flag & sys_flag::COMPRESSION_TYPE_MASK {
        0 | 0x300 => {}
        0x100 => return (body, BodyState::LeftCompressed("LZ4")),
        0x200 => return (body, BodyState::LeftCompressed("ZSTD")),
        _ => return (body, BodyState::LeftCompressed("unknown compression type")),
    }
    scratch.clear();
    let decoder = flate2::read::ZlibDecoder::new(body);
    match decoder
        .take(MAX_INFLATED_BODY as u64 + 1)
        .read_to_end(scratch)
    {
        Ok(n) if n > MAX_INFLATED_BODY => (
            body,
            BodyState::InflateFailed(format!("larger than {MAX_INFLATED_BODY} bytes")),
        ),
        Ok(_) => (scratch.as_slice(), BodyState::Inflated),
        Err(e) => (body, BodyState::InflateFailed(e.to_string())),
    }
}

/// Bytes shown in a [`BodyEncoding`] (a `Display` that writes straight to the output).
#[derive(Clone, Copy)]
pub struct BodyText<'a> {
    pub bytes: &'a [u8],
    pub encoding: BodyEncoding,
}

impl fmt::Display for BodyText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.encoding {
            BodyEncoding::None => Ok(()),
            BodyEncoding::Utf8 => {
                // Valid UTF-8 (nearly every body) is checked word-at-a-time by `from_utf8`;
                // `utf8_chunks` walks byte by byte and is only needed to replace bad bytes.
                if let Ok(text) = std::str::from_utf8(self.bytes) {
                    return f.write_str(text);
                }
                for chunk in self.bytes.utf8_chunks() {
                    f.write_str(chunk.valid())?;
                    if !chunk.invalid().is_empty() {
                        f.write_char(char::REPLACEMENT_CHARACTER)?;
                    }
                }
                Ok(())
            }
            BodyEncoding::Hex => HexText(self.bytes).fmt_with(f, b"0123456789abcdef"),
            BodyEncoding::Base64 => fmt_base64(self.bytes, f),
        }
    }
}

/// Hex of bytes (lowercase).
struct HexText<'a>(&'a [u8]);

impl HexText<'_> {
    fn fmt_with(&self, f: &mut fmt::Formatter<'_>, digits: &[u8; 16]) -> fmt::Result {
        // Encode through a stack buffer: one write per 128 input bytes, no allocation.
        let mut buf = [0u8; 256];
        for chunk in self.0.chunks(128) {
            for (i, b) in chunk.iter().enumerate() {
                buf[2 * i] = digits[usize::from(b >> 4)];
                buf[2 * i + 1] = digits[usize::from(b & 0xF)];
            }
            f.write_str(std::str::from_utf8(&buf[..2 * chunk.len()]).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

impl fmt::Display for HexText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_with(f, b"0123456789abcdef")
    }
}

fn fmt_base64(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut buf = [0u8; 256];
    // 192 input bytes make exactly 256 output characters.
    for chunk in bytes.chunks(192) {
        let mut n = 0;
        for group in chunk.chunks(3) {
            let b = [
                group[0],
                group.get(1).copied().unwrap_or(0),
                group.get(2).copied().unwrap_or(0),
            ];
            let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
            buf[n] = ALPHABET[(v >> 18) as usize & 63];
            buf[n + 1] = ALPHABET[(v >> 12) as usize & 63];
            buf[n + 2] = if group.len() > 1 {
                ALPHABET[(v >> 6) as usize & 63]
            } else {
                b'='
            };
            buf[n + 3] = if group.len() > 2 {
                ALPHABET[v as usize & 63]
            } else {
                b'='
            };
            n += 4;
        }
        f.write_str(std::str::from_utf8(&buf[..n]).map_err(|_| fmt::Error)?)?;
    }
    Ok(())
}

/// The offset message id (`MessageDecoder.createMessageId`) as a `Display`, so JSON output
/// writes it without building a `String`; equal to [`message::offset_msg_id`].
#[derive(Clone, Copy, Debug)]
pub struct OffsetMsgId {
    pub store_host: SocketAddr,
    pub offset: i64,
}

impl fmt::Display for OffsetMsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = [0u8; 28];
        let ip_len = match self.store_host.ip() {
            IpAddr::V4(v4) => {
                raw[..4].copy_from_slice(&v4.octets());
                4
            }
            IpAddr::V6(v6) => {
                raw[..16].copy_from_slice(&v6.octets());
                16
            }
        };
        raw[ip_len..ip_len + 4].copy_from_slice(&i32::from(self.store_host.port()).to_be_bytes());
        raw[ip_len + 4..ip_len + 12].copy_from_slice(&self.offset.to_be_bytes());
        HexText(&raw[..ip_len + 12]).fmt_with(f, b"0123456789ABCDEF")
    }
}

/// A record as Java's `MessageExt` names its fields (what mqadmin users know), plus `crcOk`.
/// Serialises straight from the mapped bytes.
pub struct MessageExtJson<'r, 'a> {
    pub record: &'r RecordView<'a>,
    /// The body to show (see [`decode_body`]).
    pub body: &'r [u8],
    pub body_state: &'r BodyState,
    pub encoding: BodyEncoding,
}

struct Collect<T>(T);

impl<T: fmt::Display> Serialize for Collect<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A properties string as a JSON object.
pub struct PropertiesJson<'a>(pub &'a str);

impl Serialize for PropertiesJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (k, v) in message::properties(self.0) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Serialize for MessageExtJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.record;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry(
            "msgId",
            &Collect(OffsetMsgId {
                store_host: r.store_host,
                offset: r.physical_offset,
            }),
        )?;
        map.serialize_entry("topic", &*r.topic())?;
        map.serialize_entry("queueId", &r.queue_id)?;
        map.serialize_entry("queueOffset", &r.queue_offset)?;
        map.serialize_entry("commitLogOffset", &r.physical_offset)?;
        map.serialize_entry("storeSize", &r.total_size)?;
        map.serialize_entry("bodyCRC", &r.body_crc)?;
        map.serialize_entry("sysFlag", &r.sys_flag)?;
        map.serialize_entry("flag", &r.flag)?;
        map.serialize_entry("bornTimestamp", &r.born_timestamp)?;
        map.serialize_entry("bornHost", &Collect(r.born_host))?;
        map.serialize_entry("storeTimestamp", &r.store_timestamp)?;
        map.serialize_entry("storeHost", &Collect(r.store_host))?;
        map.serialize_entry("reconsumeTimes", &r.reconsume_times)?;
        map.serialize_entry("preparedTransactionOffset", &r.prepared_transaction_offset)?;
        map.serialize_entry("properties", &PropertiesJson(&r.properties()))?;
        if self.encoding != BodyEncoding::None {
            map.serialize_entry(
                "body",
                &Collect(BodyText {
                    bytes: self.body,
                    encoding: self.encoding,
                }),
            )?;
        }
        if let Some(note) = self.body_state.note() {
            map.serialize_entry("bodyCompression", &note)?;
        }
        map.serialize_entry("crcOk", &r.crc_ok())?;
        map.end()
    }
}

/// Whether `key` is one of the record's `KEYS` tokens or its `UNIQ_KEY` (index lookups match
/// by hash only, so hits must be confirmed).
pub fn record_has_key(record: &RecordView<'_>, key: &str) -> bool {
    let props = record.properties();
    let found = message::properties(&props).any(|(k, v)| match k {
        property::KEYS => v.split(' ').any(|t| t == key),
        property::UNIQ_KEY => v == key,
        _ => false,
    });
    found
}

// ---------------------------------------------------------------------------------------------
// ConsumeQueues

/// The files of one ConsumeQueue, with its topic and queue id when the path tells them.
#[derive(Clone, Debug)]
pub struct ConsumeQueueFiles {
    pub topic: Option<String>,
    pub queue_id: Option<i32>,
    pub files: Vec<LogFile>,
}

/// One written ConsumeQueue entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CqSlot {
    pub queue_offset: i64,
    pub entry: CqEntry,
}

impl CqSlot {
    /// The filler Java writes in front of a queue whose first file starts past offset 0.
    pub fn is_pre_fill(&self) -> bool {
        self.entry == CqEntry::PRE_FILL
    }
}

fn check_cq_file(file: &LogFile) -> Result<(), InspectError> {
    if file.len == 0 {
        return Err(invalid(&file.path, "file is empty"));
    }
    if !file.len.is_multiple_of(CQ_UNIT as u64) {
        return Err(invalid(
            &file.path,
            format!(
                "not a ConsumeQueue file: {} bytes is not a whole number of {CQ_UNIT}-byte entries",
                file.len
            ),
        ));
    }
    Ok(())
}

impl ConsumeQueueFiles {
    /// The queue(s) at `path`: one ConsumeQueue file, a queue directory
    /// (`consumequeue/<topic>/<queueId>`) or a topic directory (every queue of the topic).
    pub fn open(path: &Path) -> Result<Vec<ConsumeQueueFiles>, InspectError> {
        let meta = std::fs::metadata(path).map_err(|e| io_err(path, e))?;
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let names: Vec<&str> = abs.ancestors().map(name_of).collect();
        let under_cq = |levels: usize| names.get(levels) == Some(&"consumequeue");
        if !meta.is_dir() {
            let file = LogFile {
                path: path.to_path_buf(),
                base_offset: name_offset(path).unwrap_or(0),
                len: meta.len(),
            };
            check_cq_file(&file)?;
            let (topic, queue_id) = if under_cq(3) {
                (Some(names[2].to_string()), names[1].parse().ok())
            } else {
                (None, None)
            };
            return Ok(vec![ConsumeQueueFiles {
                topic,
                queue_id,
                files: vec![file],
            }]);
        }
        if let Ok(queue_id) = names[0].parse::<i32>() {
            let topic = under_cq(2).then(|| names[1].to_string());
            return Ok(vec![Self::from_dir(path, topic, Some(queue_id))?]);
        }
        if under_cq(1) {
            return Self::topic(abs.parent().unwrap_or(&abs), names[0], None);
        }
        Err(invalid(
            path,
            "not a ConsumeQueue file, queue directory (consumequeue/<topic>/<queueId>) or topic \
             directory",
        ))
    }

    /// The queues of `topic` under a `consumequeue` directory: all, or only `queue_id`.
    pub fn topic(
        cq_dir: &Path,
        topic: &str,
        queue_id: Option<i32>,
    ) -> Result<Vec<ConsumeQueueFiles>, InspectError> {
        let topic_dir = cq_dir.join(topic);
        if !topic_dir.is_dir() {
            return Err(invalid(
                &topic_dir,
                format!("no ConsumeQueue directory for topic {topic}"),
            ));
        }
        if let Some(q) = queue_id {
            let dir = topic_dir.join(q.to_string());
            if !dir.is_dir() {
                return Err(invalid(
                    &dir,
                    format!("no ConsumeQueue for topic {topic} queue {q}"),
                ));
            }
            return Ok(vec![Self::from_dir(
                &dir,
                Some(topic.to_string()),
                Some(q),
            )?]);
        }
        queue_dirs(&topic_dir)?
            .into_iter()
            .map(|(q, dir)| Self::from_dir(&dir, Some(topic.to_string()), Some(q)))
            .collect()
    }

    fn from_dir(
        dir: &Path,
        topic: Option<String>,
        queue_id: Option<i32>,
    ) -> Result<ConsumeQueueFiles, InspectError> {
        Ok(ConsumeQueueFiles {
            topic,
            queue_id,
            files: log_files_in(dir)?,
        })
    }

    /// The written entries (pre-fill entries included) with queue offset `>= from`, file by
    /// file; each file's entries stop at its first unwritten slot.
    pub fn entries(&self, from: i64) -> CqEntries<'_> {
        CqEntries {
            files: &self.files,
            next_file: 0,
            current: None,
            from,
        }
    }
}

/// `(queueId, dir)` of the numeric subdirectories of a topic directory, by queue id.
fn queue_dirs(topic_dir: &Path) -> Result<Vec<(i32, PathBuf)>, InspectError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(topic_dir).map_err(|e| io_err(topic_dir, e))? {
        let entry = entry.map_err(|e| io_err(topic_dir, e))?;
        let path = entry.path();
        if let Ok(q) = name_of(&path).parse::<i32>() {
            if path.is_dir() {
                out.push((q, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Iterator over ConsumeQueue entries, see [`ConsumeQueueFiles::entries`]. Maps one file at a
/// time; entries are copied out, so nothing borrows the map.
pub struct CqEntries<'q> {
    files: &'q [LogFile],
    next_file: usize,
    current: Option<(FileMap, i64, usize)>,
    from: i64,
}

impl Iterator for CqEntries<'_> {
    type Item = Result<CqSlot, InspectError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((map, base, pos)) = &mut self.current {
                let data = map.bytes();
                if let Some(unit) = data.get(*pos..*pos + CQ_UNIT) {
                    let entry = CqEntry::decode(unit);
                    let queue_offset = (*base + *pos as i64) / CQ_UNIT as i64;
                    *pos += CQ_UNIT;
                    if entry.is_valid() {
                        if queue_offset >= self.from {
                            return Some(Ok(CqSlot {
                                queue_offset,
                                entry,
                            }));
                        }
                        continue;
                    }
                }
                self.current = None;
            }
            let file = self.files.get(self.next_file)?;
            self.next_file += 1;
            let entries = (file.len / CQ_UNIT as u64) as i64;
            if file.base_offset / CQ_UNIT as i64 + entries <= self.from {
                continue;
            }
            if let Err(e) = check_cq_file(file) {
                return Some(Err(e));
            }
            match file.map() {
                Ok(map) => {
                    // Start at the first entry the caller wants, not at the file's start.
                    let skip = self
                        .from
                        .saturating_sub(file.base_offset / CQ_UNIT as i64)
                        .max(0) as usize;
                    self.current = Some((map, file.base_offset, skip * CQ_UNIT));
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Index files and the checkpoint

/// `maxHashSlotNum` / `maxIndexNum` of an index file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexGeometry {
    pub hash_slot_num: i32,
    pub index_num: i32,
}

impl IndexGeometry {
    /// Java's defaults (5 000 000 slots, 20 000 000 entries).
    pub const DEFAULT: IndexGeometry = IndexGeometry {
        hash_slot_num: DEFAULT_HASH_SLOT_NUM,
        index_num: DEFAULT_INDEX_NUM,
    };

    /// The file size this geometry gives.
    pub fn file_size(self) -> Option<u64> {
        index_file_size(self.hash_slot_num, self.index_num).map(|s| s as u64)
    }

    /// Guesses the geometry from a file size: the default, or else the default's ratio of four
    /// entries per slot (the header's counts do not tell the capacity). `None` when neither
    /// fits; the broker config must then say.
    pub fn infer(file_len: u64) -> Option<IndexGeometry> {
        if Self::DEFAULT.file_size() == Some(file_len) {
            return Some(Self::DEFAULT);
        }
        let per_slot = (HASH_SLOT_SIZE + 4 * INDEX_ENTRY_SIZE) as u64;
        let body = file_len.checked_sub(INDEX_HEADER_SIZE as u64)?;
        if body == 0 || !body.is_multiple_of(per_slot) {
            return None;
        }
        let slots = i32::try_from(body / per_slot).ok()?;
        let geometry = IndexGeometry {
            hash_slot_num: slots,
            index_num: slots.checked_mul(4)?,
        };
        (geometry.file_size() == Some(file_len)).then_some(geometry)
    }
}

/// Index files (17-digit names) of `dir` in name (= creation) order.
pub fn index_files_in(dir: &Path) -> Result<Vec<PathBuf>, InspectError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let path = entry.map_err(|e| io_err(dir, e))?.path();
        if is_digits(name_of(&path), 17) && path.is_file() {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Opens an index file read-only with the given geometry, or the one its size implies.
pub fn open_index_file(
    path: &Path,
    geometry: Option<IndexGeometry>,
) -> Result<(IndexFile, IndexGeometry), InspectError> {
    let len = std::fs::metadata(path).map_err(|e| io_err(path, e))?.len();
    let geometry = match geometry.or_else(|| IndexGeometry::infer(len)) {
        Some(g) => g,
        None => {
            return Err(invalid(
                path,
                format!(
                    "cannot tell maxHashSlotNum/maxIndexNum of a {len}-byte index file; give the \
                     broker config with -c (or --max-hash-slot-num and --max-index-num)"
                ),
            ))
        }
    };
    let file = IndexFile::open_read_only(path, geometry.hash_slot_num, geometry.index_num)?;
    Ok((file, geometry))
}

/// Reads a checkpoint file (exactly one 4 KiB page, as Java maps it).
pub fn read_checkpoint(path: &Path) -> Result<CheckpointData, InspectError> {
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    if bytes.len() != CHECKPOINT_FILE_SIZE {
        return Err(invalid(
            path,
            format!(
                "not a checkpoint file: {} bytes, a checkpoint is {CHECKPOINT_FILE_SIZE}",
                bytes.len()
            ),
        ));
    }
    CheckpointData::parse(&bytes).map_err(|source| InspectError::Checkpoint {
        path: path.to_path_buf(),
        source,
    })
}

// ---------------------------------------------------------------------------------------------
// Per-queue accounting

/// Counters of one topic/queue over a CommitLog scan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueStats {
    pub topic: String,
    pub queue_id: i32,
    pub messages: u64,
    /// Sum of record sizes.
    pub bytes: u64,
    /// Range of queue offsets of the messages that enter a ConsumeQueue (not prepared or
    /// rolled-back transaction messages); `None` if there are none.
    pub min_queue_offset: Option<i64>,
    pub max_queue_offset: Option<i64>,
    pub min_commit_log_offset: i64,
    pub max_commit_log_offset: i64,
    pub first_store_timestamp: i64,
    pub last_store_timestamp: i64,
}

/// Whether a record gets a ConsumeQueue entry (Java dispatches only these transaction types).
fn enters_queue(r: &RecordView<'_>) -> bool {
    let tx = sys_flag::transaction_value(r.sys_flag);
    tx == sys_flag::TRANSACTION_NOT_TYPE || tx == sys_flag::TRANSACTION_COMMIT
}

impl QueueStats {
    fn new(topic: &[u8], queue_id: i32) -> QueueStats {
        QueueStats {
            topic: String::from_utf8_lossy(topic).into_owned(),
            queue_id,
            ..QueueStats::default()
        }
    }

    fn add(&mut self, offset: i64, r: &RecordView<'_>) {
        if self.messages == 0 {
            self.min_commit_log_offset = offset;
            self.first_store_timestamp = r.store_timestamp;
            self.last_store_timestamp = r.store_timestamp;
        }
        self.messages += 1;
        self.bytes += r.raw.len() as u64;
        self.max_commit_log_offset = offset;
        self.first_store_timestamp = self.first_store_timestamp.min(r.store_timestamp);
        self.last_store_timestamp = self.last_store_timestamp.max(r.store_timestamp);
        if enters_queue(r) {
            let q = r.queue_offset;
            self.min_queue_offset = Some(self.min_queue_offset.map_or(q, |m| m.min(q)));
            self.max_queue_offset = Some(self.max_queue_offset.map_or(q, |m| m.max(q)));
        }
    }
}

/// Queues of one topic: dense for the usual small ids, a map for others.
struct TopicQueues<V> {
    dense: Vec<Option<V>>,
    sparse: BTreeMap<i32, V>,
}

const DENSE_QUEUE_IDS: i32 = 4096;

/// Per-queue state keyed by topic bytes, so a record finds its queue without allocating (only
/// the first record of a new topic or queue allocates).
struct Accumulator<V> {
    index: HashMap<Box<[u8]>, usize>,
    topics: Vec<TopicQueues<V>>,
    /// The topic of the previous record: consecutive records usually share it, and comparing
    /// a few bytes is cheaper than hashing them.
    last: Option<(usize, Box<[u8]>)>,
}

impl<V> Default for Accumulator<V> {
    fn default() -> Self {
        Accumulator {
            index: HashMap::new(),
            topics: Vec::new(),
            last: None,
        }
    }
}

impl<V> Accumulator<V> {
    /// The state of `topic`/`queue_id`, made by `make` the first time.
    fn slot(&mut self, topic: &[u8], queue_id: i32, make: impl FnOnce(&[u8], i32) -> V) -> &mut V {
        let t = match &self.last {
            Some((i, name)) if **name == *topic => *i,
            _ => {
                let i = match self.index.get(topic) {
                    Some(&i) => i,
                    None => {
                        self.topics.push(TopicQueues {
                            dense: Vec::new(),
                            sparse: BTreeMap::new(),
                        });
                        self.index.insert(topic.into(), self.topics.len() - 1);
                        self.topics.len() - 1
                    }
                };
                self.last = Some((i, topic.into()));
                i
            }
        };
        let queues = &mut self.topics[t];
        if (0..DENSE_QUEUE_IDS).contains(&queue_id) {
            let q = queue_id as usize;
            if queues.dense.len() <= q {
                queues.dense.resize_with(q + 1, || None);
            }
            queues.dense[q].get_or_insert_with(|| make(topic, queue_id))
        } else {
            queues
                .sparse
                .entry(queue_id)
                .or_insert_with(|| make(topic, queue_id))
        }
    }

    /// Every queue's state.
    fn into_values(self) -> impl Iterator<Item = V> {
        self.topics
            .into_iter()
            .flat_map(|q| q.dense.into_iter().flatten().chain(q.sparse.into_values()))
    }
}

/// Calls the progress callback at most every [`PROGRESS_STEP`] bytes.
struct Progress<'p> {
    report: &'p mut dyn FnMut(u64, u64),
    total: u64,
    done: u64,
    next: u64,
}

impl<'p> Progress<'p> {
    fn new(report: &'p mut dyn FnMut(u64, u64), total: u64) -> Self {
        report(0, total);
        Progress {
            report,
            total,
            done: 0,
            next: PROGRESS_STEP,
        }
    }

    /// `within` bytes of the current file are done.
    #[inline]
    fn at(&mut self, within: u64) {
        if self.done + within >= self.next {
            (self.report)(self.done + within, self.total);
            self.next = self.done + within + PROGRESS_STEP;
        }
    }

    /// A file of `len` bytes is done.
    fn file_done(&mut self, len: u64) {
        self.done += len;
        self.next = self.done + PROGRESS_STEP;
        (self.report)(self.done, self.total);
    }
}

/// What `rmq store stats` shows.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsReport {
    pub root: PathBuf,
    pub commitlog_files: usize,
    /// Bytes of all CommitLog files.
    pub commitlog_bytes: u64,
    pub min_offset: i64,
    /// Offset one past the last record read.
    pub max_offset: i64,
    pub messages: u64,
    /// Sum of record sizes.
    pub message_bytes: u64,
    pub topics: usize,
    /// Records whose sizes do not hold together; the rest of their file was skipped.
    pub corrupt_records: u64,
    pub queues: Vec<QueueStats>,
}

/// Counts messages per topic and queue over the whole CommitLog (CRCs are not checked: that is
/// [`verify_store`]'s job). `progress(done, total)` is called with CommitLog bytes.
pub fn store_stats(
    layout: &StoreLayout,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<StatsReport, InspectError> {
    layout.ensure_store()?;
    let scanner = CommitLogScanner::open_dir(&layout.commitlog_dir)?;
    let mut progress = Progress::new(progress, scanner.total_bytes());
    let mut acc = Accumulator::default();
    let (mut messages, mut message_bytes, mut corrupt_records) = (0u64, 0u64, 0u64);
    let mut max_offset = scanner.min_offset();
    for file in scanner.mapped_files(i64::MIN) {
        let file = file?;
        let base = file.info().base_offset;
        for item in file.records() {
            match item {
                ScanItem::Message { offset, record } => {
                    messages += 1;
                    message_bytes += record.raw.len() as u64;
                    max_offset = offset + record.raw.len() as i64;
                    acc.slot(record.topic_bytes, record.queue_id, QueueStats::new)
                        .add(offset, &record);
                    progress.at((offset - base) as u64);
                }
                ScanItem::Corrupt { .. } => corrupt_records += 1,
                ScanItem::Blank { .. } | ScanItem::End { .. } => {}
            }
        }
        progress.file_done(file.info().len);
    }
    let mut queues: Vec<QueueStats> = acc.into_values().collect();
    queues.sort_by(|a, b| (&a.topic, a.queue_id).cmp(&(&b.topic, b.queue_id)));
    let mut topics: Vec<&str> = queues.iter().map(|q| q.topic.as_str()).collect();
    topics.dedup();
    Ok(StatsReport {
        root: layout.root.clone(),
        commitlog_files: scanner.files().len(),
        commitlog_bytes: scanner.total_bytes(),
        min_offset: scanner.min_offset(),
        max_offset,
        messages,
        message_bytes,
        topics: topics.len(),
        corrupt_records,
        queues,
    })
}

// ---------------------------------------------------------------------------------------------
// Verification

/// Which part of the store a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    CommitLog,
    ConsumeQueue,
    Index,
}

/// What a problem's `offset` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Unit {
    /// A CommitLog (physical) offset.
    CommitLogOffset,
    /// A ConsumeQueue (logical) offset.
    QueueOffset,
    /// An index entry number.
    IndexEntry,
    /// An index hash slot number.
    IndexSlot,
    /// A byte position in the file.
    FilePosition,
}

/// One thing wrong in a store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub area: Area,
    pub file: PathBuf,
    pub unit: Unit,
    pub offset: i64,
    pub what: String,
}

impl Area {
    pub fn label(self) -> &'static str {
        match self {
            Area::CommitLog => "commitlog",
            Area::ConsumeQueue => "consumequeue",
            Area::Index => "index",
        }
    }
}

impl Unit {
    /// How the unit reads in front of a number, e.g. `queue offset 17`.
    pub fn label(self) -> &'static str {
        match self {
            Unit::CommitLogOffset => "commitlog offset",
            Unit::QueueOffset => "queue offset",
            Unit::IndexEntry => "index entry",
            Unit::IndexSlot => "index slot",
            Unit::FilePosition => "byte",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} in {}: {}",
            self.unit.label(),
            self.offset,
            self.file.display(),
            self.what
        )
    }
}

#[derive(Default)]
struct Problems {
    list: Vec<Problem>,
    count: u64,
}

impl Problems {
    /// Records a problem; the description is only built while the list has room.
    fn add(
        &mut self,
        area: Area,
        file: &Path,
        unit: Unit,
        offset: i64,
        what: impl FnOnce() -> String,
    ) {
        self.count += 1;
        if self.list.len() < MAX_REPORTED_PROBLEMS {
            self.list.push(Problem {
                area,
                file: file.to_path_buf(),
                unit,
                offset,
                what: what(),
            });
        }
    }
}

/// The CommitLog part of a [`VerifyReport`].
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitLogSummary {
    pub files: usize,
    /// The size files should have (from the config, else the largest file).
    pub file_size: Option<u64>,
    pub bytes: u64,
    pub min_offset: i64,
    /// Where valid data ends: one past the last record (or the end of a file closed by an
    /// end-of-file record).
    pub valid_end: i64,
    /// One past the last file's last byte.
    pub file_end: i64,
    pub messages: u64,
    pub message_bytes: u64,
    pub crc_errors: u64,
    /// The first offset where Java's recovery (CRC check on) would stop and truncate the log.
    pub recovery_stops_at: Option<i64>,
    /// Non-zero bytes where only zeros belong (after the last valid record).
    pub trailing_nonzero_bytes: u64,
}

/// The ConsumeQueue part of a [`VerifyReport`].
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumeQueueSummary {
    pub topics: usize,
    pub queues: usize,
    pub files: usize,
    pub file_size: Option<u64>,
    /// Written entries, pre-fill entries excluded.
    pub entries: u64,
    /// Entries that matched their CommitLog record.
    pub checked: u64,
    /// Entries pointing below the CommitLog's first file (removed by retention; not an error).
    pub expired: u64,
    pub pre_fill: u64,
    pub bad_entries: u64,
    /// CommitLog messages after the end of their ConsumeQueue (entries lost or never written).
    pub missing_entries: u64,
    /// CommitLog messages their ConsumeQueue skips over: left from before the topic was
    /// deleted and created again. Not an error: no consumer can reach them.
    pub unreferenced: u64,
}

/// The index part of a [`VerifyReport`].
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexSummary {
    pub files: usize,
    pub geometry: Option<IndexGeometry>,
    /// Entries in use over all files.
    pub entries: u64,
    pub used_slots: u64,
    pub bad_files: u64,
    /// Why the index was not checked, if it was not.
    pub skipped: Option<String>,
}

/// What `rmq store verify` found.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    pub root: PathBuf,
    pub commitlog: CommitLogSummary,
    pub consume_queues: ConsumeQueueSummary,
    pub index: IndexSummary,
    /// All problems found (only the first [`MAX_REPORTED_PROBLEMS`] are listed).
    pub problem_count: u64,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.problem_count == 0
    }
}

/// Checks a whole store:
///
/// - every CommitLog record decodes, sits where its `physicalOffset` says, and has a matching
///   body CRC; files are contiguous and of one size; nothing but zeros follows the last valid
///   record;
/// - every ConsumeQueue entry points at a CommitLog record of its topic and queue id with the
///   entry's queue offset, size and tags hash; entry offsets grow; nothing but zeros follows
///   the last entry; every message in the CommitLog past a queue's last entry is reported
///   missing;
/// - every index file's header counts are in range, its slots name written entries, and its
///   entries point inside the CommitLog.
///
/// One sequential pass: each ConsumeQueue is read in step with the CommitLog (both are in
/// CommitLog-offset order), so no record is read twice. `progress(done, total)` is called with
/// CommitLog bytes. Errors are for a store that cannot be read at all; damage is reported in
/// the [`VerifyReport`].
pub fn verify_store(
    layout: &StoreLayout,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport, InspectError> {
    layout.ensure_store()?;
    let cl_files = log_files_in(&layout.commitlog_dir)?;
    let queues = list_queues(&layout.consumequeue_dir)?;
    let mut progress = Progress::new(progress, cl_files.iter().map(|f| f.len).sum());
    let mut problems = Problems::default();
    let mut matcher = QueueMatcher::new(
        queues,
        layout.sizes.consumequeue_file,
        cl_files.first().map_or(0, |f| f.base_offset),
        &mut problems,
    );
    let commitlog = verify_commitlog(
        &cl_files,
        layout.sizes.commitlog_file,
        &mut matcher,
        &mut problems,
        &mut progress,
    );
    let consume_queues = matcher.finish(commitlog.valid_end, &mut problems);
    let index = verify_index(
        &layout.index_dir,
        layout.sizes.index_geometry,
        commitlog.valid_end,
        &mut problems,
    );
    Ok(VerifyReport {
        root: layout.root.clone(),
        commitlog,
        consume_queues,
        index,
        problem_count: problems.count,
        problems: problems.list,
    })
}

fn verify_commitlog(
    files: &[LogFile],
    expected_size: Option<u64>,
    matcher: &mut QueueMatcher,
    problems: &mut Problems,
    progress: &mut Progress<'_>,
) -> CommitLogSummary {
    use Area::CommitLog as CL;
    use Unit::CommitLogOffset as OFF;
    let file_size = expected_size.or_else(|| files.iter().map(|f| f.len).max());
    let mut s = CommitLogSummary {
        files: files.len(),
        file_size,
        bytes: files.iter().map(|f| f.len).sum(),
        min_offset: files.first().map_or(0, |f| f.base_offset),
        file_end: files.last().map_or(0, LogFile::end_offset),
        ..CommitLogSummary::default()
    };
    s.valid_end = s.min_offset;
    // Once valid data has ended (zeros where the next record belongs), every later byte of the
    // log must be zero: Java's recovery stops there and drops whatever follows. Files after
    // the end are normal (pre-allocated) as long as they are all zeros.
    let mut data_ended: Option<i64> = None;
    let mut prev_end: Option<i64> = None;
    for f in files {
        if let Some(size) = file_size.filter(|&size| f.len != size) {
            problems.add(CL, &f.path, OFF, f.base_offset, || {
                format!("file is {} bytes, CommitLog files are {size}", f.len)
            });
        }
        if let Some(end) = prev_end.filter(|&end| end != f.base_offset) {
            problems.add(CL, &f.path, OFF, f.base_offset, || {
                format!(
                    "file starts at {} but the previous file ends at {end}",
                    f.base_offset
                )
            });
        }
        prev_end = Some(f.end_offset());
        let map = match f.map() {
            Ok(map) => map,
            Err(e) => {
                problems.add(CL, &f.path, OFF, f.base_offset, || e.to_string());
                progress.file_done(f.len);
                continue;
            }
        };
        if let Some(end) = data_ended {
            if let Some(nz) = map.nonzero_after(f.base_offset, 0) {
                s.trailing_nonzero_bytes += nz.count;
                problems.add(CL, &f.path, OFF, nz.first, || {
                    format!(
                        "{} non-zero bytes in a file after the end of valid data at {end} \
                         (recovery discards them)",
                        nz.count
                    )
                });
            }
            progress.file_done(f.len);
            continue;
        }
        for item in Records::new(&map, f.base_offset) {
            match item {
                ScanItem::Message { offset, record } => {
                    s.messages += 1;
                    s.message_bytes += record.raw.len() as u64;
                    if record.physical_offset != offset {
                        s.recovery_stops_at.get_or_insert(offset);
                        problems.add(CL, &f.path, OFF, offset, || {
                            format!(
                                "record says its physicalOffset is {}",
                                record.physical_offset
                            )
                        });
                    }
                    let computed = message::crc32(record.body);
                    if computed != record.body_crc {
                        s.crc_errors += 1;
                        s.recovery_stops_at.get_or_insert(offset);
                        problems.add(CL, &f.path, OFF, offset, || {
                            format!(
                                "body CRC mismatch: stored {:#010x}, computed {computed:#010x}",
                                record.body_crc
                            )
                        });
                    }
                    matcher.record(offset, &record, problems);
                    s.valid_end = offset + record.raw.len() as i64;
                    progress.at((offset - f.base_offset) as u64);
                }
                ScanItem::Blank { offset, size } => {
                    let remaining = f.end_offset() - offset;
                    if i64::from(size) != remaining {
                        problems.add(CL, &f.path, OFF, offset, || {
                            format!(
                                "end-of-file record says {size} bytes but {remaining} remain in \
                                 the file"
                            )
                        });
                    }
                    s.valid_end = f.end_offset();
                }
                ScanItem::End { offset } => {
                    data_ended = Some(offset);
                    s.valid_end = offset;
                    let pos = (offset - f.base_offset) as usize;
                    if let Some(nz) = map.nonzero_after(f.base_offset, pos) {
                        s.trailing_nonzero_bytes += nz.count;
                        s.recovery_stops_at.get_or_insert(offset);
                        problems.add(CL, &f.path, OFF, nz.first, || {
                            format!(
                                "{} non-zero bytes after the last valid record (which ends at \
                                 {offset}); first at {}",
                                nz.count, nz.first
                            )
                        });
                    }
                }
                ScanItem::Corrupt { offset, error } => {
                    s.recovery_stops_at.get_or_insert(offset);
                    problems.add(CL, &f.path, OFF, offset, || {
                        format!("invalid record: {error}; the rest of this file is unreadable")
                    });
                }
            }
        }
        progress.file_done(f.len);
    }
    s
}

/// One ConsumeQueue directory found under `consumequeue/`.
struct QueueDir {
    topic: String,
    queue_id: i32,
    dir: PathBuf,
    files: Vec<LogFile>,
}

fn list_queues(cq_dir: &Path) -> Result<Vec<QueueDir>, InspectError> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(cq_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io_err(cq_dir, e)),
    };
    let mut topics = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io_err(cq_dir, e))?.path();
        if path.is_dir() {
            topics.push(path);
        }
    }
    topics.sort();
    for topic_dir in topics {
        let topic = name_of(&topic_dir).to_string();
        for (queue_id, dir) in queue_dirs(&topic_dir)? {
            out.push(QueueDir {
                files: log_files_in(&dir)?,
                topic: topic.clone(),
                queue_id,
                dir,
            });
        }
    }
    Ok(out)
}

/// Checks the ConsumeQueues against the CommitLog records as the CommitLog scan meets them.
struct QueueMatcher {
    /// Queues met in the CommitLog, with their ConsumeQueue cursor if they have a directory.
    met: Accumulator<Option<CqCursor>>,
    /// ConsumeQueue directories whose queue has not been met yet.
    pending: BTreeMap<(String, i32), QueueDir>,
    cl_min: i64,
    summary: ConsumeQueueSummary,
}

impl QueueMatcher {
    /// Takes the queues found on disk and checks their files' sizes and names.
    fn new(
        queues: Vec<QueueDir>,
        expected_size: Option<u64>,
        cl_min: i64,
        problems: &mut Problems,
    ) -> QueueMatcher {
        use Area::ConsumeQueue as CQ;
        let unit = CQ_UNIT as i64;
        let file_size =
            expected_size.or_else(|| queues.iter().flat_map(|q| &q.files).map(|f| f.len).max());
        let mut topics: Vec<&str> = queues.iter().map(|q| q.topic.as_str()).collect();
        topics.dedup();
        let summary = ConsumeQueueSummary {
            topics: topics.len(),
            queues: queues.len(),
            files: queues.iter().map(|q| q.files.len()).sum(),
            file_size,
            ..ConsumeQueueSummary::default()
        };
        for q in &queues {
            let mut prev_end: Option<i64> = None;
            for f in &q.files {
                let first = f.base_offset / unit;
                if !f.len.is_multiple_of(CQ_UNIT as u64) || f.base_offset % unit != 0 {
                    problems.add(CQ, &f.path, Unit::QueueOffset, first, || {
                        format!(
                            "file of {} bytes named {}: not whole {CQ_UNIT}-byte entries",
                            f.len, f.base_offset
                        )
                    });
                }
                if let Some(size) = file_size.filter(|&size| f.len != size) {
                    problems.add(CQ, &f.path, Unit::QueueOffset, first, || {
                        format!("file is {} bytes, ConsumeQueue files are {size}", f.len)
                    });
                }
                if let Some(end) = prev_end.filter(|&end| end != f.base_offset) {
                    problems.add(CQ, &f.path, Unit::QueueOffset, first, || {
                        format!(
                            "file starts at byte {} but the previous file ends at {end}",
                            f.base_offset
                        )
                    });
                }
                prev_end = Some(f.end_offset());
            }
        }
        QueueMatcher {
            met: Accumulator::default(),
            pending: queues
                .into_iter()
                .map(|q| ((q.topic.clone(), q.queue_id), q))
                .collect(),
            cl_min,
            summary,
        }
    }

    /// A CommitLog message record, in CommitLog order.
    #[inline]
    fn record(&mut self, offset: i64, r: &RecordView<'_>, problems: &mut Problems) {
        if !enters_queue(r) {
            return;
        }
        let pending = &mut self.pending;
        let cursor = self.met.slot(r.topic_bytes, r.queue_id, |topic, queue_id| {
            let key = (String::from_utf8_lossy(topic).into_owned(), queue_id);
            pending.remove(&key).map(CqCursor::new)
        });
        // Without a directory the topic was deleted (its records stay until retention).
        if let Some(cursor) = cursor {
            cursor.match_record(offset, r, self.cl_min, &mut self.summary, problems);
        }
    }

    /// Checks what is left of every ConsumeQueue once the CommitLog scan is over.
    fn finish(mut self, cl_end: i64, problems: &mut Problems) -> ConsumeQueueSummary {
        let cursors = self
            .met
            .into_values()
            .flatten()
            .chain(self.pending.into_values().map(CqCursor::new));
        for mut cursor in cursors {
            cursor.finish(self.cl_min, cl_end, &mut self.summary, problems);
        }
        self.summary
    }
}

/// Reads one ConsumeQueue entry by entry, file by file, in step with the CommitLog scan.
struct CqCursor {
    topic: String,
    queue_id: i32,
    dir: PathBuf,
    files: Vec<LogFile>,
    next_file: usize,
    /// The current file: its map, index in `files`, and the queue offset of its first entry.
    map: Option<(FileMap, usize, i64)>,
    /// Byte position of the next entry in the current file.
    pos: usize,
    /// The next entry, read but not matched yet.
    current: Option<(i64, CqEntry)>,
    /// No written entries are left.
    done: bool,
    prev_phys: Option<i64>,
    /// One past the last written entry seen (Java's maxOffset once the queue is read).
    max_offset: i64,
    missing_reported: bool,
}

impl CqCursor {
    fn new(q: QueueDir) -> CqCursor {
        CqCursor {
            max_offset: q
                .files
                .first()
                .map_or(0, |f| f.base_offset / CQ_UNIT as i64),
            topic: q.topic,
            queue_id: q.queue_id,
            dir: q.dir,
            files: q.files,
            next_file: 0,
            map: None,
            pos: 0,
            current: None,
            done: false,
            prev_phys: None,
            missing_reported: false,
        }
    }

    /// The file problems are reported against: the current one, else the queue directory.
    fn path(&self) -> &Path {
        match &self.map {
            Some((_, i, _)) => &self.files[*i].path,
            None => self.files.last().map_or(&self.dir, |f| &f.path),
        }
    }

    /// The next written entry (pre-fill entries skipped), reading on as needed.
    fn peek(
        &mut self,
        s: &mut ConsumeQueueSummary,
        problems: &mut Problems,
    ) -> Option<(i64, CqEntry)> {
        use Area::ConsumeQueue as CQ;
        loop {
            if self.current.is_some() || self.done {
                return self.current;
            }
            let (map, i, first) = match &self.map {
                Some((map, i, first)) if self.pos + CQ_UNIT <= map.bytes().len() => {
                    (map, *i, *first)
                }
                _ => {
                    self.map = None;
                    let Some(f) = self.files.get(self.next_file) else {
                        self.done = true;
                        return None;
                    };
                    self.next_file += 1;
                    match f.map() {
                        Ok(map) => {
                            let first = f.base_offset / CQ_UNIT as i64;
                            self.map = Some((map, self.next_file - 1, first));
                            self.pos = 0;
                        }
                        Err(e) => problems.add(
                            CQ,
                            &f.path,
                            Unit::QueueOffset,
                            f.base_offset / CQ_UNIT as i64,
                            || e.to_string(),
                        ),
                    }
                    continue;
                }
            };
            let entry = CqEntry::decode(&map.bytes()[self.pos..self.pos + CQ_UNIT]);
            let qoff = first + (self.pos / CQ_UNIT) as i64;
            self.pos += CQ_UNIT;
            if entry == CqEntry::PRE_FILL {
                s.pre_fill += 1;
                self.max_offset = qoff + 1;
                continue;
            }
            if !entry.is_valid() {
                // The end of the written entries: only zeros may follow, in this file and in
                // any later (pre-allocated) one.
                self.done = true;
                let path = &self.files[i].path;
                if let Some(nz) = map.nonzero_after(0, self.pos - CQ_UNIT) {
                    problems.add(CQ, path, Unit::QueueOffset, qoff, || {
                        format!(
                            "entry {entry:?} ends the queue, but {} non-zero bytes follow it in \
                             the file (first at byte {})",
                            nz.count, nz.first
                        )
                    });
                }
                for f in &self.files[self.next_file..] {
                    if let Some(nz) = f.map().ok().and_then(|m| m.nonzero_after(0, 0)) {
                        problems.add(CQ, &f.path, Unit::FilePosition, nz.first, || {
                            format!(
                                "{} non-zero bytes in a file after the queue's last entry (queue \
                                 offset {qoff}); recovery discards them",
                                nz.count
                            )
                        });
                    }
                }
                return None;
            }
            s.entries += 1;
            self.max_offset = qoff + 1;
            if let Some(prev) = self.prev_phys.filter(|&p| entry.phys_offset <= p) {
                s.bad_entries += 1;
                problems.add(CQ, &self.files[i].path, Unit::QueueOffset, qoff, || {
                    format!(
                        "commitlog offset {} is not above the previous entry's {prev}",
                        entry.phys_offset
                    )
                });
            }
            self.prev_phys = Some(entry.phys_offset);
            self.current = Some((qoff, entry));
        }
    }

    /// Reports an entry no record matched.
    fn unmatched(
        &self,
        qoff: i64,
        entry: &CqEntry,
        cl_min: i64,
        cl_end: Option<i64>,
        s: &mut ConsumeQueueSummary,
        problems: &mut Problems,
    ) {
        if entry.phys_offset < cl_min {
            s.expired += 1;
            return;
        }
        s.bad_entries += 1;
        problems.add(
            Area::ConsumeQueue,
            self.path(),
            Unit::QueueOffset,
            qoff,
            || match cl_end.filter(|&end| entry.phys_offset >= end) {
                Some(end) => format!(
                    "points at commitlog offset {}, past the end of valid CommitLog data ({end})",
                    entry.phys_offset
                ),
                None => format!(
                    "points at commitlog offset {}, where no message of {}/{} starts",
                    entry.phys_offset, self.topic, self.queue_id
                ),
            },
        );
    }

    /// Matches the CommitLog record of this queue at `offset` with its entry. Entries and
    /// records both grow in CommitLog offset, so entries below `offset` matched no record.
    fn match_record(
        &mut self,
        offset: i64,
        r: &RecordView<'_>,
        cl_min: i64,
        s: &mut ConsumeQueueSummary,
        problems: &mut Problems,
    ) {
        loop {
            let Some((qoff, entry)) = self.peek(s, problems) else {
                // The queue ended before this message: its entry is missing.
                s.missing_entries += 1;
                if !self.missing_reported {
                    self.missing_reported = true;
                    let max = self.max_offset;
                    problems.add(
                        Area::ConsumeQueue,
                        self.path(),
                        Unit::QueueOffset,
                        max,
                        || {
                            format!(
                                "the ConsumeQueue of {}/{} ends at queue offset {max}, but the \
                             CommitLog holds queue offset {} at commitlog offset {offset}: \
                             entries are missing",
                                self.topic, self.queue_id, r.queue_offset
                            )
                        },
                    );
                }
                return;
            };
            if entry.phys_offset < offset {
                self.current = None;
                self.unmatched(qoff, &entry, cl_min, None, s, problems);
                continue;
            }
            if entry.phys_offset > offset {
                s.unreferenced += 1;
                return;
            }
            self.current = None;
            s.checked += 1;
            if let Some(what) = entry_mismatch(qoff, &entry, r) {
                s.bad_entries += 1;
                problems.add(
                    Area::ConsumeQueue,
                    self.path(),
                    Unit::QueueOffset,
                    qoff,
                    || what,
                );
            }
            return;
        }
    }

    /// The entries no record matched once the CommitLog scan is over.
    fn finish(
        &mut self,
        cl_min: i64,
        cl_end: i64,
        s: &mut ConsumeQueueSummary,
        problems: &mut Problems,
    ) {
        while let Some((qoff, entry)) = self.peek(s, problems) {
            self.current = None;
            self.unmatched(qoff, &entry, cl_min, Some(cl_end), s, problems);
        }
    }
}

/// How a ConsumeQueue entry disagrees with the record at its offset (of the entry's topic and
/// queue id), if it does.
fn entry_mismatch(queue_offset: i64, entry: &CqEntry, r: &RecordView<'_>) -> Option<String> {
    let mut diffs = Vec::new();
    if r.queue_offset != queue_offset {
        diffs.push(format!(
            "queueOffset {} (expected {queue_offset})",
            r.queue_offset
        ));
    }
    if r.total_size != entry.size {
        diffs.push(format!(
            "size {} (the entry says {})",
            r.total_size, entry.size
        ));
    }
    // Tags codes are hashes except in the delay topic (a delivery time) and with
    // ConsumeQueueExt (an address outside the int range).
    let hashed =
        i32::try_from(entry.tags_code).is_ok() && r.topic_bytes != SCHEDULE_TOPIC.as_bytes();
    if hashed && diffs.is_empty() {
        let props = r.properties();
        let expected = message::tags_code(message::get_property(&props, property::TAGS));
        if expected != entry.tags_code {
            diffs.push(format!(
                "tags hash {expected} (the entry says {})",
                entry.tags_code
            ));
        }
    }
    (!diffs.is_empty()).then(|| {
        format!(
            "the record at commitlog offset {} has {}",
            entry.phys_offset,
            diffs.join(", ")
        )
    })
}

fn verify_index(
    dir: &Path,
    geometry: Option<IndexGeometry>,
    cl_end: i64,
    problems: &mut Problems,
) -> IndexSummary {
    use Area::Index as IX;
    let mut s = IndexSummary {
        geometry,
        ..IndexSummary::default()
    };
    if !dir.exists() {
        return s;
    }
    let paths = match index_files_in(dir) {
        Ok(paths) => paths,
        Err(e) => {
            problems.add(IX, dir, Unit::FilePosition, 0, || e.to_string());
            return s;
        }
    };
    s.files = paths.len();
    for path in &paths {
        if s.geometry.is_none() {
            let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            s.geometry = IndexGeometry::infer(len);
            if s.geometry.is_none() {
                s.skipped = Some(format!(
                    "cannot tell maxHashSlotNum/maxIndexNum of {}-byte index files; give the \
                     broker config with -c",
                    len
                ));
                return s;
            }
        }
        let Some(g) = s.geometry else { return s };
        let file = match IndexFile::open_read_only(path, g.hash_slot_num, g.index_num) {
            Ok(file) => file,
            Err(e) => {
                s.bad_files += 1;
                problems.add(IX, path, Unit::FilePosition, 0, || e.to_string());
                continue;
            }
        };
        let before = problems.count;
        check_index_file(&file, g, cl_end, &mut s, problems);
        if problems.count > before {
            s.bad_files += 1;
        }
    }
    s
}

fn check_index_file(
    file: &IndexFile,
    g: IndexGeometry,
    cl_end: i64,
    s: &mut IndexSummary,
    problems: &mut Problems,
) {
    use Area::Index as IX;
    let path = file.path();
    let h = file.header();
    // A header read straight from disk: `IndexHeader::parse` already maps a stored count <= 0
    // to 1, as Java does.
    let count = h.index_count;
    if count > g.index_num {
        problems.add(IX, path, Unit::FilePosition, 36, || {
            format!(
                "header indexCount {count} exceeds maxIndexNum {}",
                g.index_num
            )
        });
        return;
    }
    if !(0..=g.hash_slot_num).contains(&h.hash_slot_count) {
        problems.add(IX, path, Unit::FilePosition, 32, || {
            format!(
                "header hashSlotCount {} is outside 0..={}",
                h.hash_slot_count, g.hash_slot_num
            )
        });
    }
    if count > 1 && (h.begin_phy_offset > h.end_phy_offset || h.begin_timestamp > h.end_timestamp) {
        problems.add(IX, path, Unit::FilePosition, 0, || {
            format!(
                "header ranges are reversed: phy offsets {}..{}, timestamps {}..{}",
                h.begin_phy_offset, h.end_phy_offset, h.begin_timestamp, h.end_timestamp
            )
        });
    }
    s.entries += u64::try_from(count - 1).unwrap_or(0);
    for slot in 0..g.hash_slot_num.unsigned_abs() {
        let value = file.slot_value(slot).unwrap_or(0);
        if value != 0 {
            s.used_slots += 1;
        }
        if value < 0 || value >= count {
            problems.add(IX, path, Unit::IndexSlot, i64::from(slot), || {
                format!("slot names entry {value}, but entries in use are 1..{count}")
            });
        }
    }
    for n in 1..count.unsigned_abs() {
        let Some(e) = file.entry(n) else { break };
        let bad = if e.phy_offset < 0 || e.phy_offset >= cl_end {
            Some(format!(
                "commitlog offset {} is outside the CommitLog (ends at {cl_end})",
                e.phy_offset
            ))
        } else if count > 1
            && (e.phy_offset < h.begin_phy_offset || e.phy_offset > h.end_phy_offset)
        {
            Some(format!(
                "commitlog offset {} is outside the header's range {}..={}",
                e.phy_offset, h.begin_phy_offset, h.end_phy_offset
            ))
        } else if e.prev_index < 0 || e.prev_index.unsigned_abs() >= n {
            Some(format!(
                "links to entry {}, which is not an earlier entry",
                e.prev_index
            ))
        } else if e.time_diff < 0 || e.key_hash < 0 {
            Some(format!(
                "negative timeDiff {} or keyHash {}",
                e.time_diff, e.key_hash
            ))
        } else {
            None
        };
        if let Some(what) = bad {
            problems.add(IX, path, Unit::IndexEntry, i64::from(n), || what);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::message::{encode_blank, format_properties, MessageToStore};

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "rmq-inspect-{name}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn msg<'a>(
        topic: &'a str,
        queue_id: i32,
        body: &'a [u8],
        props: &'a str,
    ) -> MessageToStore<'a> {
        MessageToStore {
            topic,
            queue_id,
            flag: 0,
            body,
            body_crc: message::crc32(body),
            sys_flag: 0,
            born_timestamp: 1_700_000_000_000,
            born_host: "10.0.0.1:4000".parse().unwrap(),
            store_host: "127.0.0.1:10911".parse().unwrap(),
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            properties: props,
        }
    }

    /// Writes a store of `count` messages (topics A and B, two queues each) the way the broker
    /// lays it out, with CommitLog files of `cl_size` bytes and ConsumeQueue files of 5 entries.
    fn write_store(root: &Path, count: usize, cl_size: usize) -> Vec<(i64, usize)> {
        let cl_dir = root.join("commitlog");
        std::fs::create_dir_all(&cl_dir).unwrap();
        let mut files: Vec<Vec<u8>> = vec![vec![0; cl_size]];
        let mut pos = 0usize;
        let mut queue_offsets: HashMap<(String, i32), i64> = HashMap::new();
        let mut cq: HashMap<(String, i32), Vec<u8>> = HashMap::new();
        let mut written = Vec::new();
        for i in 0..count {
            let topic = if i.is_multiple_of(3) { "B" } else { "A" };
            let queue_id = (i % 2) as i32;
            let body = format!("body-{i}");
            let props = format_properties([("TAGS", "T1"), ("KEYS", "k")]);
            let m = msg(topic, queue_id, body.as_bytes(), &props);
            let len = m.encoded_len();
            if pos + len + 8 > cl_size {
                encode_blank(&mut files.last_mut().unwrap()[pos..], cl_size - pos);
                files.push(vec![0; cl_size]);
                pos = 0;
            }
            let phys = ((files.len() - 1) * cl_size + pos) as i64;
            let qoff = queue_offsets.entry((topic.into(), queue_id)).or_default();
            m.encode(
                &mut files.last_mut().unwrap()[pos..pos + len],
                *qoff,
                phys,
                1_700_000_000_000 + i as i64,
            );
            let entry = CqEntry {
                phys_offset: phys,
                size: len as i32,
                tags_code: message::tags_code(Some("T1")),
            };
            cq.entry((topic.into(), queue_id))
                .or_default()
                .extend_from_slice(&entry.encode());
            *qoff += 1;
            pos += len;
            written.push((phys, len));
        }
        for (i, data) in files.iter().enumerate() {
            std::fs::write(
                cl_dir.join(crate::store::mapped_file::file_name((i * cl_size) as i64)),
                data,
            )
            .unwrap();
        }
        for ((topic, q), bytes) in cq {
            let dir = root.join("consumequeue").join(topic).join(q.to_string());
            std::fs::create_dir_all(&dir).unwrap();
            for (n, chunk) in bytes.chunks(5 * CQ_UNIT).enumerate() {
                let mut file = vec![0u8; 5 * CQ_UNIT];
                file[..chunk.len()].copy_from_slice(chunk);
                let name = crate::store::mapped_file::file_name((n * 5 * CQ_UNIT) as i64);
                std::fs::write(dir.join(name), file).unwrap();
            }
        }
        written
    }

    fn verify(root: &Path) -> VerifyReport {
        verify_store(&StoreLayout::at(root), &mut |_, _| {}).unwrap()
    }

    #[test]
    fn offset_msg_id_display_matches_the_string_form() {
        for host in ["127.0.0.1:10911", "[fd00::1]:9"] {
            let host: SocketAddr = host.parse().unwrap();
            let id = OffsetMsgId {
                store_host: host,
                offset: 0x1234_5678_9ABC,
            };
            assert_eq!(
                id.to_string(),
                message::offset_msg_id(host, 0x1234_5678_9ABC)
            );
        }
    }

    #[test]
    fn body_encodings() {
        let text = |bytes: &[u8], encoding| BodyText { bytes, encoding }.to_string();
        assert_eq!(text(b"hi\xFFthere", BodyEncoding::Utf8), "hi\u{FFFD}there");
        assert_eq!(text(b"\x00\xAB", BodyEncoding::Hex), "00ab");
        assert_eq!(text(b"", BodyEncoding::Base64), "");
        assert_eq!(text(b"f", BodyEncoding::Base64), "Zg==");
        assert_eq!(text(b"fo", BodyEncoding::Base64), "Zm8=");
        assert_eq!(text(b"foobar", BodyEncoding::Base64), "Zm9vYmFy");
        let long = vec![0xFFu8; 400];
        assert_eq!(text(&long, BodyEncoding::Base64), "/".repeat(532) + "/w==");
        assert_eq!(text(b"x", BodyEncoding::None), "");
    }

    #[test]
    fn zlib_bodies_are_inflated_and_others_left_alone() {
        use std::io::Write;
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(5));
        enc.write_all(b"hello hello hello").unwrap();
        let packed = enc.finish().unwrap();
        let mut scratch = Vec::new();
        for flag in [0x1, 0x301] {
            let (body, state) = decode_body(&packed, flag, &mut scratch);
            assert_eq!(
                (body, &state),
                (&b"hello hello hello"[..], &BodyState::Inflated)
            );
        }
        let (body, state) = decode_body(&packed, 0x101, &mut scratch);
        assert_eq!(body, &packed[..]);
        assert_eq!(state, BodyState::LeftCompressed("LZ4"));
        let (body, state) = decode_body(b"not zlib", 0x301, &mut scratch);
        assert_eq!(body, b"not zlib");
        assert!(matches!(state, BodyState::InflateFailed(_)));
        let (body, state) = decode_body(b"plain", 0, &mut scratch);
        assert_eq!((body, state), (&b"plain"[..], BodyState::Plain));
    }

    #[test]
    fn message_ext_json_uses_java_field_names() {
        let props = format_properties([("TAGS", "TagA"), ("KEYS", "k1 k2")]);
        let m = msg("TopicTest", 3, b"hello", &props);
        let mut buf = vec![0u8; m.encoded_len()];
        m.encode(&mut buf, 7, 4096, 1_700_000_000_456);
        let Record::Message(view) = decode_record(&buf).unwrap() else {
            panic!()
        };
        let json = serde_json::to_value(MessageExtJson {
            record: &view,
            body: view.body,
            body_state: &BodyState::Plain,
            encoding: BodyEncoding::Utf8,
        })
        .unwrap();
        assert_eq!(json["msgId"], "7F00000100002A9F0000000000001000");
        assert_eq!(json["topic"], "TopicTest");
        assert_eq!(json["queueOffset"], 7);
        assert_eq!(json["commitLogOffset"], 4096);
        assert_eq!(json["storeSize"], buf.len());
        assert_eq!(json["bornHost"], "10.0.0.1:4000");
        assert_eq!(json["properties"]["KEYS"], "k1 k2");
        assert_eq!(json["body"], "hello");
        assert_eq!(json["crcOk"], true);
        assert!(json.get("bodyCompression").is_none());
        assert!(record_has_key(&view, "k2"));
        assert!(!record_has_key(&view, "k3"));
    }

    #[test]
    fn index_geometry_is_inferred_from_the_file_size() {
        assert_eq!(
            IndexGeometry::infer(420_000_040),
            Some(IndexGeometry::DEFAULT)
        );
        assert_eq!(
            IndexGeometry::infer(40 + 64 * 4 + 256 * 20),
            Some(IndexGeometry {
                hash_slot_num: 64,
                index_num: 256
            })
        );
        assert_eq!(IndexGeometry::infer(41), None);
        assert_eq!(IndexGeometry::infer(0), None);
    }

    #[test]
    fn first_nonzero_finds_bytes_in_blocks_and_remainders() {
        let mut data = vec![0u8; 200];
        assert_eq!(first_nonzero(&data), None);
        data[130] = 1;
        assert_eq!(first_nonzero(&data), Some(130));
        data[199] = 1;
        data[130] = 0;
        assert_eq!(first_nonzero(&data), Some(199));
        let dir = TempDir::new("nonzero");
        let path = dir.0.join("f");
        std::fs::write(&path, &data).unwrap();
        let map = FileMap::open(&path).unwrap();
        assert_eq!(
            map.nonzero_after(1000, 10),
            Some(NonZeroBytes {
                first: 1199,
                count: 1
            })
        );
        assert_eq!(map.nonzero_after(1000, 200), None);
    }

    #[test]
    fn scanner_walks_files_and_blanks() {
        let dir = TempDir::new("scan");
        let written = write_store(&dir.0, 40, 1024);
        let scanner = CommitLogScanner::open(&dir.0.join("commitlog")).unwrap();
        assert!(scanner.files().len() > 1);
        let mut seen = Vec::new();
        let mut blanks = 0;
        for file in scanner.mapped_files(i64::MIN) {
            let file = file.unwrap();
            for item in file.records() {
                match item {
                    ScanItem::Message { offset, record } => {
                        assert_eq!(offset, record.physical_offset);
                        seen.push((offset, record.raw.len()));
                    }
                    ScanItem::Blank { .. } => blanks += 1,
                    ScanItem::End { .. } => assert!(file.is_last()),
                    ScanItem::Corrupt { error, .. } => panic!("{error}"),
                }
            }
        }
        assert_eq!(seen, written);
        assert_eq!(blanks, scanner.files().len() - 1);
        // Skipping to an offset maps only the files from there on.
        assert_eq!(
            scanner.mapped_files(1024).count(),
            scanner.files().len() - 1
        );
        // A renamed single file finds its base offset in its first record.
        let copy = dir.0.join("copy");
        std::fs::copy(&scanner.files()[1].path, &copy).unwrap();
        let single = CommitLogScanner::open(&copy).unwrap();
        assert_eq!(single.files()[0].base_offset, 1024);
    }

    #[test]
    fn garbage_is_not_a_commitlog() {
        let dir = TempDir::new("garbage");
        let path = dir.0.join("junk");
        std::fs::write(&path, b"this is not a store file at all").unwrap();
        let err = CommitLogScanner::open(&path).unwrap_err().to_string();
        assert!(err.contains("not a CommitLog file"), "{err}");
        assert!(detect_kind(&path).is_err());
        let empty = dir.0.join("empty-dir");
        std::fs::create_dir(&empty).unwrap();
        assert!(CommitLogScanner::open(&empty).is_err());
        assert!(verify_store(&StoreLayout::at(&empty), &mut |_, _| {}).is_err());
    }

    #[test]
    fn clean_store_verifies_and_counts() {
        let dir = TempDir::new("clean");
        write_store(&dir.0, 40, 1024);
        let report = verify(&dir.0);
        assert!(report.is_clean(), "{:?}", report.problems);
        assert_eq!(report.commitlog.messages, 40);
        assert_eq!(report.consume_queues.checked, 40);
        assert_eq!(report.consume_queues.queues, 4);

        let stats = store_stats(&StoreLayout::at(&dir.0), &mut |_, _| {}).unwrap();
        assert_eq!(stats.messages, 40);
        assert_eq!(stats.topics, 2);
        let a0 = stats
            .queues
            .iter()
            .find(|q| q.topic == "A" && q.queue_id == 0)
            .unwrap();
        assert_eq!(a0.min_queue_offset, Some(0));
        assert_eq!(a0.max_queue_offset, Some(a0.messages as i64 - 1));
    }

    #[test]
    fn damage_is_found() {
        let dir = TempDir::new("damage");
        let written = write_store(&dir.0, 40, 1024);
        let first_file = dir.0.join("commitlog").join("00000000000000000000");
        let mut data = std::fs::read(&first_file).unwrap();
        // Flip one byte of the third record's body (its last bytes are topic and properties,
        // so go from the front: the body starts at byte 88 of an IPv4 record).
        let (phys, _) = written[2];
        data[phys as usize + 88] ^= 0x55;
        std::fs::write(&first_file, &data).unwrap();
        let report = verify(&dir.0);
        assert_eq!(report.commitlog.crc_errors, 1);
        let p = &report.problems[0];
        assert_eq!((p.area, p.offset), (Area::CommitLog, phys));
        assert!(p.what.contains("CRC"), "{p}");
        assert_eq!(report.commitlog.recovery_stops_at, Some(phys));

        // Garbage after the last record of the last file.
        let dir = TempDir::new("trailing");
        let written = write_store(&dir.0, 10, 4096);
        let (phys, len) = *written.last().unwrap();
        let file = dir.0.join("commitlog").join("00000000000000000000");
        let mut data = std::fs::read(&file).unwrap();
        data[(phys as usize + len + 100)..(phys as usize + len + 104)].fill(7);
        std::fs::write(&file, &data).unwrap();
        let report = verify(&dir.0);
        assert_eq!(report.commitlog.trailing_nonzero_bytes, 4);
        assert_eq!(report.problems[0].offset, phys + len as i64 + 100);

        // A ConsumeQueue entry with the wrong size.
        let dir = TempDir::new("cq");
        write_store(&dir.0, 10, 4096);
        let cq = dir.0.join("consumequeue/A/1/00000000000000000000");
        let mut data = std::fs::read(&cq).unwrap();
        data[CQ_UNIT + 8..CQ_UNIT + 12].copy_from_slice(&999i32.to_be_bytes());
        std::fs::write(&cq, &data).unwrap();
        let report = verify(&dir.0);
        assert_eq!(report.problem_count, 1, "{:?}", report.problems);
        let p = &report.problems[0];
        assert_eq!(
            (p.area, p.unit, p.offset),
            (Area::ConsumeQueue, Unit::QueueOffset, 1)
        );
        assert!(p.what.contains("the entry says 999"), "{p}");

        // A ConsumeQueue cut short loses the newest entries.
        std::fs::write(&cq, &data[..CQ_UNIT]).unwrap();
        let report = verify(&dir.0);
        assert!(report
            .problems
            .iter()
            .any(|p| p.what.contains("entries are missing")));
    }

    #[test]
    fn an_entry_pointing_between_records_matches_nothing() {
        let dir = TempDir::new("stray");
        let written = write_store(&dir.0, 30, 4096);
        let cq = dir.0.join("consumequeue/B/1/00000000000000000000");
        let mut data = std::fs::read(&cq).unwrap();
        let stray = written[3].0 + 5;
        data[..8].copy_from_slice(&stray.to_be_bytes());
        std::fs::write(&cq, &data).unwrap();
        let report = verify(&dir.0);
        let p = &report.problems[0];
        assert_eq!((p.area, p.offset), (Area::ConsumeQueue, 0));
        assert!(p.what.contains("where no message of B/1 starts"), "{p}");
        // The message the entry should name is then unreferenced.
        assert_eq!(report.consume_queues.unreferenced, 1);
    }

    #[test]
    fn consume_queue_entries_iterate_from_an_offset() {
        let dir = TempDir::new("cqiter");
        write_store(&dir.0, 40, 1024);
        let queues = ConsumeQueueFiles::open(&dir.0.join("consumequeue/A/0")).unwrap();
        assert_eq!(queues.len(), 1);
        assert_eq!(queues[0].topic.as_deref(), Some("A"));
        assert_eq!(queues[0].queue_id, Some(0));
        let all: Vec<_> = queues[0].entries(0).map(Result::unwrap).collect();
        assert_eq!(all.len(), 13);
        let from: Vec<_> = queues[0].entries(7).map(Result::unwrap).collect();
        assert_eq!(from.first().unwrap().queue_offset, 7);
        assert_eq!(from.len(), 6);
        let topic = ConsumeQueueFiles::open(&dir.0.join("consumequeue/A")).unwrap();
        assert_eq!(topic.len(), 2);
        assert_eq!(
            detect_kind(&dir.0.join("consumequeue/A/0/00000000000000000000")).unwrap(),
            StoreFileKind::ConsumeQueue
        );
        assert_eq!(
            detect_kind(&dir.0.join("commitlog")).unwrap(),
            StoreFileKind::CommitLog
        );
    }

    #[test]
    fn relative_paths_resolve_against_the_root() {
        let dir = TempDir::new("resolve");
        std::fs::create_dir_all(dir.0.join("commitlog")).unwrap();
        assert_eq!(
            resolve_path(Path::new("commitlog"), Some(&dir.0)),
            dir.0.join("commitlog")
        );
        assert_eq!(
            resolve_path(Path::new("/abs"), Some(&dir.0)),
            PathBuf::from("/abs")
        );
        assert_eq!(resolve_path(Path::new("x"), None), PathBuf::from("x"));
    }
}
