//! CommitLog reading: scans front to back, one mapped file at a time, and random reads of
//! records by offset.

use std::fmt;
use std::path::Path;

use super::log_file::{log_files_in, name_offset, FileMap, LogFile, NonZeroBytes, RELEASE_STEP};
use super::record::HexText;
use super::{invalid, io_err, read_prefix, InspectError};
use crate::common::message::{
    decode_record, DecodeError, Record, RecordView, BLANK_MAGIC, MAGIC_V1, MAGIC_V2,
};

/// CommitLog files a [`CommitLogReader`] keeps mapped (lookups, e.g. of index hits, tend to
/// fall into a few files, so a handful avoids remapping).
pub const RANDOM_ACCESS_MAPS: usize = 4;

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

    /// The records from file position `pos` (which should be where a record starts, e.g. the
    /// first intact record after damage).
    pub fn records_from(&self, pos: usize) -> Records<'_> {
        let mut records = Records::new(&self.map, self.info.base_offset);
        records.pos = pos;
        records.released = pos;
        records
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
    pub(super) fn new(map: &'a FileMap, base: i64) -> Records<'a> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::inspect::testutil::{write_store, TempDir};
    use crate::store::inspect::{detect_kind, verify_store, StoreLayout};

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
}
