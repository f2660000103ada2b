//! The CommitLog: every message of every topic, appended to one log of mapped files. A record
//! never crosses a file: when it does not fit (with room left for a BLANK), the file is closed
//! with a BLANK record and the record goes to the next file. Appends happen under the store's
//! put lock; reads are lock-free on published bytes.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

use super::error::StoreError;
use super::mapped_file::{MappedFile, MappedFileQueue};
use super::reuse::ReusePool;
use crate::common::message::{
    self, decode_record, DecodeError, MessageToStore, Record, RecordView, END_FILE_MIN_BLANK_LENGTH,
};

/// How many bytes after the end of the CommitLog data (and at the start of each later file)
/// recovery checks for data that should not be there.
const TAIL_CHECK: usize = 4 << 20;

/// Where a record was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    pub phys_offset: i64,
    pub size: usize,
}

/// Result of scanning the CommitLog during recovery.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanEnd {
    /// Offset one past the last valid record.
    pub end: i64,
    /// Why the scan stopped before the end of written data, if it did (a torn or bad record).
    pub stopped_by: Option<String>,
}

pub struct CommitLog {
    files: MappedFileQueue,
    /// Offsets where a file restored at load had been cut (its data after is lost): a record
    /// across one is damaged even if it decodes.
    cuts: Vec<i64>,
}

impl CommitLog {
    /// Loads the CommitLog files of `dir`. When `writable`, a file cut short while holding
    /// data (a lost tail) is first zero-filled back to `file_size`, so the records before the
    /// cut are served and recovery cuts the log at the torn record.
    pub fn load(dir: &Path, file_size: usize, writable: bool) -> Result<CommitLog, StoreError> {
        let mut cuts = Vec::new();
        if writable {
            for (path, len) in super::salvage::restore_cut_files(dir, file_size, 1)? {
                if let Some(base) = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.parse::<i64>().ok())
                {
                    cuts.push(base + len as i64);
                }
                tracing::error!(
                    file = %path.display(),
                    "CommitLog file {} was cut to {len} bytes (not {file_size}): the file is \
                     zero-filled to its size; its records before byte {len} are kept",
                    path.display()
                );
            }
        }
        Ok(CommitLog {
            files: MappedFileQueue::load(dir, file_size, writable)?.with_preallocation(),
            cuts,
        })
    }

    /// Keeps up to `keep` files retention deletes and makes new files from them (see
    /// [`ReusePool`]); 0 deletes them (and any left in the pool).
    pub fn with_reuse(mut self, keep: usize) -> Result<CommitLog, StoreError> {
        let dir = self.files.dir().to_path_buf();
        let pool = ReusePool::open(&dir, self.files.file_size(), keep)
            .map_err(|e| StoreError::io(&dir, e))?;
        if keep > 0 {
            self.files = self.files.with_reuse(pool);
        }
        Ok(self)
    }

    pub fn files(&self) -> &MappedFileQueue {
        &self.files
    }

    pub fn min_offset(&self) -> i64 {
        self.files.min_offset()
    }

    pub fn max_offset(&self) -> i64 {
        self.files.max_offset()
    }

    /// Appends the records of `msgs` contiguously in one file. `encode(i, slot, phys)` fills
    /// record `i` (whose size is `sizes[i]`) at physical offset `phys`. Caller holds the put lock.
    /// Returns the physical offset of the first record (the others follow it back to back).
    pub fn append_with(
        &self,
        sizes: &[usize],
        store_timestamp: i64,
        mut encode: impl FnMut(usize, &mut [u8], i64),
    ) -> Result<i64, StoreError> {
        let total: usize = sizes.iter().sum();
        if total + END_FILE_MIN_BLANK_LENGTH > self.files.file_size() {
            return Err(StoreError::Corrupt {
                path: self.files.dir().to_path_buf(),
                reason: format!(
                    "{total}-byte write cannot fit in a {}-byte CommitLog file",
                    self.files.file_size()
                ),
            });
        }
        loop {
            let file = self.files.last_or_create(0)?;
            let pos = file.write_pos();
            // New files are allocated whole when created; a file loaded at start-up may be
            // sparse (written by Java, or an older rmq), so it is allocated before the first
            // store into it: a full disk then fails here instead of raising SIGBUS.
            self.files
                .ensure_allocated(&file, pos + total + END_FILE_MIN_BLANK_LENGTH)?;
            let remaining = file.size() - pos;
            if total + END_FILE_MIN_BLANK_LENGTH > remaining {
                close_with_blank(&file, pos);
                continue;
            }
            let mut at = pos;
            for (i, &size) in sizes.iter().enumerate() {
                let phys = file.from_offset() + at as i64;
                // SAFETY: the caller holds the put lock (single writer) and `at` is at or past
                // the published position; the slot is published below, after it is filled.
                let slot = unsafe { file.write_slot(at, size) };
                encode(i, slot, phys);
                at += size;
            }
            file.set_last_store_timestamp(store_timestamp);
            file.set_write_pos(at);
            return Ok(file.from_offset() + pos as i64);
        }
    }

    /// Appends one message.
    pub fn append(
        &self,
        msg: &MessageToStore<'_>,
        queue_offset: i64,
        store_timestamp: i64,
    ) -> Result<Appended, StoreError> {
        let size = msg.encoded_len();
        let phys_offset = self.append_with(&[size], store_timestamp, |_, slot, phys| {
            msg.encode(slot, queue_offset, phys, store_timestamp)
        })?;
        Ok(Appended { phys_offset, size })
    }

    /// The record at `phys_offset`.
    pub fn read(&self, phys_offset: i64) -> Option<(Arc<MappedFile>, usize)> {
        let file = self.files.find(phys_offset)?;
        let pos = (phys_offset - file.from_offset()) as usize;
        Some((file, pos))
    }

    /// Decodes the record at `phys_offset` and passes it to `f`.
    pub fn with_record<T>(
        &self,
        phys_offset: i64,
        f: impl FnOnce(&RecordView<'_>) -> T,
    ) -> Option<T> {
        let (file, pos) = self.read(phys_offset)?;
        match decode_record(file.read_from(pos)) {
            Ok(Record::Message(view)) => Some(f(&view)),
            _ => None,
        }
    }

    /// `size` bytes at `phys_offset` as a zero-copy buffer (a stored record for a response).
    pub fn bytes(&self, phys_offset: i64, size: usize) -> Option<Bytes> {
        let (file, pos) = self.read(phys_offset)?;
        file.slice_bytes(pos, size)
    }

    /// Store timestamp of the record at `phys_offset` (read from its fixed position).
    pub fn store_timestamp(&self, phys_offset: i64) -> Option<i64> {
        self.with_record(phys_offset, |r| r.store_timestamp)
    }

    /// Scans records from the start of file `from_file`, calling `visit` for each message,
    /// and returns where valid data ends. Used by recovery (which then truncates there).
    ///
    /// Valid data ends at the first record that is not a message or an end-of-file filler.
    /// Zeros there are the normal end of the log, as long as only zeros follow; anything else
    /// (a record whose sizes do not hold, a wrong physical offset, a body CRC mismatch, a
    /// foreign magic, non-zero bytes after the end) is damage, reported in `stopped_by`.
    pub fn scan_from(
        &self,
        from_file: usize,
        check_crc: bool,
        mut visit: impl FnMut(&RecordView<'_>),
    ) -> ScanEnd {
        let files = self.files.files();
        let Some(first) = files.get(from_file) else {
            return ScanEnd {
                end: self.files.min_offset(),
                stopped_by: None,
            };
        };
        let damaged = |end: i64, reason: String| ScanEnd {
            end,
            stopped_by: Some(reason),
        };
        let mut end = first.from_offset();
        for (i, file) in files.iter().enumerate().skip(from_file) {
            let data = file.whole();
            let mut pos = 0usize;
            loop {
                let at = file.from_offset() + pos as i64;
                match decode_record(&data[pos..]) {
                    Ok(Record::Message(view)) => {
                        if view.physical_offset != at {
                            return damaged(
                                end,
                                format!(
                                    "the record at {at} says it is at {}",
                                    view.physical_offset
                                ),
                            );
                        }
                        if check_crc && !view.crc_ok() {
                            return damaged(
                                end,
                                format!("body CRC mismatch in the record at {at}"),
                            );
                        }
                        let record_end = at + view.raw.len() as i64;
                        if let Some(cut) = self.cuts.iter().find(|&&c| at < c && c < record_end) {
                            return damaged(
                                end,
                                format!("the record at {at} is cut at {cut}, where its file lost its tail"),
                            );
                        }
                        visit(&view);
                        pos += view.raw.len();
                        end = file.from_offset() + pos as i64;
                    }
                    Ok(Record::Blank { .. }) => {
                        // The rest of this file is filler; the next file continues the log.
                        end = file.from_offset() + file.size() as i64;
                        break;
                    }
                    Ok(Record::End) => {
                        // Only the bytes just after the end, and the start of later files, are
                        // looked at: reading the unwritten rest of 1 GiB files on every start
                        // would cost more than it finds (damage there is a crash's torn write).
                        let tail = &data[pos..data.len().min(pos + TAIL_CHECK)];
                        if let Some(nz) = super::salvage::first_nonzero(tail) {
                            return damaged(
                                end,
                                if nz < 8 {
                                    format!("no valid record magic at {at}")
                                } else {
                                    format!(
                                        "non-zero bytes at {} after the end of the data at {at}",
                                        at + nz as i64
                                    )
                                },
                            );
                        }
                        // Written data ends here; later files must hold nothing.
                        for later in &files[i + 1..] {
                            let head = &later.whole()[..later.size().min(TAIL_CHECK)];
                            if let Some(nz) = super::salvage::first_nonzero(head) {
                                return damaged(
                                    end,
                                    format!(
                                        "the data ends at {at} but {} holds data from {}",
                                        later.path().display(),
                                        later.from_offset() + nz as i64
                                    ),
                                );
                            }
                        }
                        return ScanEnd {
                            end,
                            stopped_by: None,
                        };
                    }
                    Err(e) => return damaged(end, describe(at, &e)),
                }
                if pos >= data.len() {
                    break;
                }
            }
        }
        ScanEnd {
            end,
            stopped_by: None,
        }
    }

    /// The intact records after the damage at `damaged` (see [`super::salvage`]).
    pub fn intact_records_after(&self, damaged: i64) -> Option<super::salvage::IntactRecords> {
        let files = self.files.files();
        super::salvage::intact_records_after(
            files.iter().map(|f| (f.from_offset(), f.whole())),
            damaged,
        )
    }

    /// Zeroes the file holding `from` from there to the end of its data (see
    /// [`super::salvage::zero_after`]); recovery then cuts the log at `from`.
    pub fn zero_from(&self, from: i64) -> Result<(), StoreError> {
        match self.files.find(from) {
            Some(f) => {
                super::salvage::zero_after(f.path(), f.whole(), (from - f.from_offset()) as usize)
            }
            None => Ok(()),
        }
    }

    /// Copies the log from `from` to the end of its data into `dir` (see
    /// [`super::salvage::save_tail`]).
    pub fn save_tail(&self, from: i64, dir: &Path) -> Result<Vec<std::path::PathBuf>, StoreError> {
        let files = self.files.files();
        super::salvage::save_tail(
            files.iter().map(|f| (f.path(), f.from_offset(), f.whole())),
            from,
            dir,
        )
    }

    /// Index of the file recovery starts from for an abnormal exit: the newest file whose first
    /// record was stored at or before `min_timestamp` (the checkpoint), else the first file.
    pub fn abnormal_recovery_start(&self, min_timestamp: i64) -> usize {
        let files = self.files.files();
        for (i, file) in files.iter().enumerate().rev() {
            if let Ok(Record::Message(view)) = decode_record(file.whole()) {
                if view.magic == message::MAGIC_V1
                    && view.store_timestamp != 0
                    && view.store_timestamp <= min_timestamp
                {
                    return i;
                }
            }
        }
        0
    }

    /// Sets the end of the log after recovery.
    pub fn truncate(&self, end: i64) -> Result<(), StoreError> {
        self.files.truncate(end)?;
        // Everything before the end was on disk when we started.
        for f in self.files.files() {
            f.set_flushed_pos(f.write_pos());
        }
        Ok(())
    }

    pub fn flush(&self) -> Result<i64, StoreError> {
        self.files.flush()
    }

    pub fn flushed_offset(&self) -> i64 {
        self.files.flushed_offset()
    }
}

fn describe(at: i64, e: &DecodeError) -> String {
    format!("bad record at {at}: {e}")
}

fn close_with_blank(file: &MappedFile, pos: usize) {
    let remaining = file.size() - pos;
    // SAFETY: put lock held; `pos` is the published end and a record always leaves at least
    // END_FILE_MIN_BLANK_LENGTH bytes, so the 8-byte head fits.
    let slot = unsafe { file.write_slot(pos, END_FILE_MIN_BLANK_LENGTH.min(remaining)) };
    if slot.len() == END_FILE_MIN_BLANK_LENGTH {
        message::encode_blank(slot, remaining);
    }
    file.set_write_pos(file.size());
}
