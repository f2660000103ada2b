//! The files of a log (CommitLog or ConsumeQueue): 20-digit names giving each file's first
//! offset, mapped read-only one at a time.

use std::path::{Path, PathBuf};

use memmap2::{Advice, Mmap, MmapOptions, UncheckedAdvice};
use serde::Serialize;

use super::{invalid, io_err, is_digits, name_of, InspectError};
use crate::store::mapped_file::list_log_files;
use crate::store::salvage::first_nonzero;

/// Scans hand back the pages behind them in steps of this many bytes (see [`FileMap`]).
pub(super) const RELEASE_STEP: usize = 32 << 20;

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

    pub(super) fn map(&self) -> Result<FileMap, InspectError> {
        FileMap::open(&self.path)
    }
}

/// A read-only map of one store file.
///
/// Not [`MappedFile`](crate::store::mapped_file::MappedFile): a scan must be able to hand
/// pages it is done with back to the kernel. Mapped pages count in the process's resident set
/// until unmapped, so without that a scan of a 1 GiB file would look like (though not be) a
/// 1 GiB allocation; with it the resident set stays at a few [`RELEASE_STEP`]s whatever the
/// store's size.
pub(super) struct FileMap {
    map: Mmap,
}

impl FileMap {
    pub(super) fn open(path: &Path) -> Result<FileMap, InspectError> {
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

    pub(super) fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Drops the pages of `[start, end)` from this process's resident set. The data stays in
    /// the page cache and reads of it still work (they fault the pages back in).
    pub(super) fn release(&self, start: usize, end: usize) {
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
    pub(super) fn nonzero_after(&self, base: i64, pos: usize) -> Option<NonZeroBytes> {
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
pub(super) fn name_offset(path: &Path) -> Option<i64> {
    let name = name_of(path);
    is_digits(name, 20).then(|| name.parse().ok()).flatten()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::inspect::testutil::TempDir;

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
}
