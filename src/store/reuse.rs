//! Reuse of CommitLog files: a file retention deletes is kept in a pool directory beside the
//! CommitLog's (`<commitlog>-reuse`, the same file system, so moves are renames) and becomes a
//! later new file instead of a freshly created one.
//!
//! A reused file must read exactly like a fresh one. Recovery (rmq's and Java's
//! `checkMessageAndReturnSize`) reads records from the start of a file until one does not
//! check out, and does not compare a record's physical-offset field with where it lies: the old
//! records of a reused file would be taken for new ones. So a pooled file is zeroed whole,
//! and the zeros made durable (`fdatasync`), before it is renamed into the CommitLog directory
//! under its new name; until then the CommitLog directory never holds it. A crash at any step
//! leaves either a pool file (zeroed again before any use) or a zero file in place, which is
//! what a freshly created next file is.
//!
//! What it buys: the pages are overwritten in place, with disk blocks already written, instead
//! of a new file's unwritten extents being zero-filled by the kernel on first touch and
//! converted on the first `msync` of each range (measured on this VM: an `msync` of a
//! zero-written file costs about 30 % less than of a fallocated or sparse one, which is the
//! SYNC_FLUSH group commit's cost per group). The zeroing runs on the thread that prepares the
//! next file, off the append path. The pool is emptied, not filled, when the disk is above
//! `diskMaxUsedSpaceRatio`: there the space matters more.

use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::common::fs::rename_durably;

/// Zeroes are written this many bytes per call.
const ZERO_CHUNK: usize = 1 << 20;

/// Retired CommitLog files waiting to be reused (at most `keep`).
#[derive(Debug)]
pub struct ReusePool {
    dir: PathBuf,
    keep: usize,
    file_size: u64,
    /// Serialises retiring (the clean thread) and taking (the file-preparing thread).
    lock: Mutex<()>,
}

impl ReusePool {
    /// The pool of the log in `log_dir`: `<log_dir>-reuse`. Files beyond `keep` or of another
    /// size (the configured file size changed) are deleted.
    pub fn open(log_dir: &Path, file_size: usize, keep: usize) -> io::Result<ReusePool> {
        let mut name = log_dir.file_name().unwrap_or_default().to_os_string();
        name.push("-reuse");
        let pool = ReusePool {
            dir: log_dir.with_file_name(name),
            keep,
            file_size: file_size as u64,
            lock: Mutex::new(()),
        };
        let files = pool.list();
        for (i, path) in files.iter().enumerate() {
            let fits = std::fs::metadata(path).is_ok_and(|m| m.len() == pool.file_size);
            if i >= keep || !fits {
                std::fs::remove_file(path)?;
            }
        }
        if keep == 0 {
            let _ = std::fs::remove_dir(&pool.dir);
        }
        Ok(pool)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The pooled files, by name.
    pub fn list(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .collect();
        files.sort();
        files
    }

    /// Takes `path` (a CommitLog file retention deletes, which no one maps any more) out of
    /// the log: into the pool when it has room, else deleted.
    pub fn retire(&self, path: &Path) -> io::Result<()> {
        let _held = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let fits = std::fs::metadata(path).is_ok_and(|m| m.len() == self.file_size);
        if self.list().len() >= self.keep || !fits {
            return std::fs::remove_file(path);
        }
        std::fs::create_dir_all(&self.dir)?;
        let name = path.file_name().unwrap_or_default();
        rename_durably(path, &self.dir.join(name))
    }

    /// Deletes every pooled file (the disk is short of space).
    pub fn clear(&self) -> io::Result<()> {
        let _held = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        for p in self.list() {
            std::fs::remove_file(&p)?;
        }
        Ok(())
    }

    /// Zeroes a pooled file and renames it to `target` (the next CommitLog file); `false` when
    /// the pool is empty. A pooled file that cannot be zeroed is deleted and the error returned.
    pub fn take_as(&self, target: &Path) -> io::Result<bool> {
        let _held = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let Some(old) = self.list().into_iter().next() else {
            return Ok(false);
        };
        match zero_whole(&old, self.file_size).and_then(|()| rename_durably(&old, target)) {
            Ok(()) => Ok(true),
            Err(e) => {
                let _ = std::fs::remove_file(&old);
                Err(e)
            }
        }
    }
}

/// Overwrites the whole file with zeros and makes them durable.
fn zero_whole(path: &Path, size: u64) -> io::Result<()> {
    let file = OpenOptions::new().write(true).open(path)?;
    if file.metadata()?.len() != size {
        return Err(io::Error::other(format!(
            "{} is not {size} bytes long",
            path.display()
        )));
    }
    let zeros = vec![0u8; ZERO_CHUNK];
    let mut at = 0u64;
    while at < size {
        let n = (size - at).min(ZERO_CHUNK as u64) as usize;
        file.write_all_at(&zeros[..n], at)?;
        at += n as u64;
    }
    file.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temp store root with an empty `commitlog` directory and its pool (4 KiB files).
    fn log_and_pool(keep: usize) -> (tempfile::TempDir, PathBuf, ReusePool) {
        let root = tempfile::tempdir().unwrap();
        let log = root.path().join("commitlog");
        std::fs::create_dir_all(&log).unwrap();
        let pool = ReusePool::open(&log, 4096, keep).unwrap();
        (root, log, pool)
    }

    #[test]
    fn retired_files_are_pooled_zeroed_and_renamed_into_place() {
        let (root, log, pool) = log_and_pool(1);
        assert_eq!(pool.dir(), root.path().join("commitlog-reuse"));
        let old = log.join("00000000000000000000");
        std::fs::write(&old, vec![7u8; 4096]).unwrap();
        pool.retire(&old).unwrap();
        assert!(!old.exists());
        assert_eq!(pool.list().len(), 1);

        // A second one does not fit (keep = 1): deleted.
        let second = log.join("00000000000000004096");
        std::fs::write(&second, vec![7u8; 4096]).unwrap();
        pool.retire(&second).unwrap();
        assert!(!second.exists());
        assert_eq!(pool.list().len(), 1);

        let next = log.join("00000000000000008192");
        assert!(pool.take_as(&next).unwrap());
        assert_eq!(std::fs::read(&next).unwrap(), vec![0u8; 4096]);
        assert!(pool.list().is_empty());
        assert!(!pool.take_as(&log.join("x")).unwrap(), "the pool is empty");
    }

    #[test]
    fn the_pool_is_emptied_on_demand_and_wrong_sizes_are_dropped() {
        let (_root, log, pool) = log_and_pool(2);
        let a = log.join("a");
        std::fs::write(&a, vec![1u8; 4096]).unwrap();
        pool.retire(&a).unwrap();
        assert_eq!(pool.list().len(), 1);
        let b = log.join("b");
        std::fs::write(&b, vec![1u8; 100]).unwrap();
        pool.retire(&b).unwrap();
        assert_eq!(pool.list().len(), 1, "a file of another size is not pooled");
        pool.clear().unwrap();
        assert!(pool.list().is_empty(), "disk pressure empties the pool");

        // Reopened with a smaller size, old files go.
        std::fs::write(pool.dir().join("d"), vec![1u8; 4096]).unwrap();
        let smaller = ReusePool::open(&log, 2048, 2).unwrap();
        assert!(smaller.list().is_empty());
    }
}
