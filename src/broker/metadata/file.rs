//! The config file protocol the Java broker uses for `config/*.json` (`ConfigManager` and
//! `MixAll.string2File`), made crash-safe.
//!
//! Writing goes through [`crate::common::fs::write_atomically`] (temp file, `.bak`, rename),
//! the protocol Java uses too, so either broker finds the backup the other wrote.
//!
//! Loading tries `<f>` and falls back to `<f>.bak` when `<f>` is missing, empty, unreadable or
//! unparsable, as Java's `ConfigManager.load` does. When `<f>` is unparsable and no usable
//! backup exists, Java starts with an empty table (and its next write buries the damaged file);
//! we start empty too, but first keep every damaged file as `<f>.damaged-<time>` and log an
//! error naming it and what is lost, so the table can be restored by hand. A file that cannot
//! be read at all (permissions, I/O) is still an error: that is for the operator to fix.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use thiserror::Error;

pub use crate::common::fs::{backup_path, temp_path};
use crate::common::fs::{write_atomically, Backup, FileWriteError};

/// Why a metadata file could not be read, parsed or written. Every variant names the file.
#[derive(Debug, Error)]
pub enum MetadataError {
    /// An I/O operation (`op`, e.g. "writing" or "renaming") failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The file's text is not JSON of the expected shape.
    #[error("{} is not a valid {what} file: {reason}", path.display())]
    Parse {
        path: PathBuf,
        what: &'static str,
        reason: String,
    },
}

impl MetadataError {
    fn io(op: &'static str, path: &Path, source: io::Error) -> Self {
        MetadataError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            MetadataError::Io { path, .. } | MetadataError::Parse { path, .. } => path,
        }
    }
}

impl From<FileWriteError> for MetadataError {
    fn from(e: FileWriteError) -> Self {
        MetadataError::Io {
            op: e.op,
            path: e.path,
            source: e.source,
        }
    }
}

/// What [`load_with_backup`] found.
#[derive(Debug)]
pub struct Loaded<T> {
    pub value: T,
    /// Whether the value came from `<f>.bak` because `<f>` was missing, empty or damaged.
    pub from_backup: bool,
    /// Whether `<f>` exists with text that could not be read or parsed (so it must not be
    /// copied over the backup on the next write).
    pub main_damaged: bool,
}

/// Why one candidate file gave nothing.
enum Attempt {
    /// Missing, empty or whitespace only: a fresh start, not an error.
    Absent,
    Failed(MetadataError),
}

fn try_load<T>(
    path: &Path,
    what: &'static str,
    parse: &impl Fn(&[u8]) -> Result<T, String>,
) -> Result<T, Attempt> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Attempt::Absent),
        Err(e) => return Err(Attempt::Failed(MetadataError::io("reading", path, e))),
    };
    // Java treats an empty file as absent; fastjson also reads whitespace as nothing.
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Attempt::Absent);
    }
    parse(&bytes).map_err(|reason| {
        Attempt::Failed(MetadataError::Parse {
            path: path.to_path_buf(),
            what,
            reason,
        })
    })
}

/// Loads `path` with `parse`, falling back to `<path>.bak` (see the module docs). `what` names
/// the file kind in errors and logs (e.g. `"topics.json"`).
///
/// Returns `Ok(None)` when neither file holds anything (a fresh store).
///
/// # Errors
///
/// The error of `<f>` when `<f>` is damaged or unreadable and the backup gives nothing; the
/// error of the backup when `<f>` is absent and the backup is damaged.
pub fn load_with_backup<T>(
    path: &Path,
    what: &'static str,
    parse: impl Fn(&[u8]) -> Result<T, String>,
) -> Result<Option<Loaded<T>>, MetadataError> {
    let main_error = match try_load(path, what, &parse) {
        Ok(value) => {
            tracing::info!(file = %path.display(), "loaded {what}");
            return Ok(Some(Loaded {
                value,
                from_backup: false,
                main_damaged: false,
            }));
        }
        Err(Attempt::Absent) => None,
        Err(Attempt::Failed(e)) => {
            tracing::error!(error = %e, "cannot load {what}, trying the backup");
            Some(e)
        }
    };
    let bak = backup_path(path);
    match try_load(&bak, what, &parse) {
        Ok(value) => {
            tracing::warn!(file = %bak.display(), "loaded {what} from the backup");
            Ok(Some(Loaded {
                value,
                from_backup: true,
                main_damaged: main_error.is_some(),
            }))
        }
        Err(Attempt::Absent) => match main_error {
            Some(e) => start_empty(what, vec![e]),
            None => Ok(None),
        },
        Err(Attempt::Failed(bak_error)) => {
            tracing::error!(error = %bak_error, "cannot load the {what} backup either");
            start_empty(what, main_error.into_iter().chain([bak_error]).collect())
        }
    }
}

/// No usable copy of a config file: Java starts with an empty table. Unparsable files are kept
/// as `<f>.damaged-<time>` (the next write replaces `<f>`) and the loss is logged; an I/O
/// error is returned instead.
fn start_empty<T>(
    what: &'static str,
    mut errors: Vec<MetadataError>,
) -> Result<Option<Loaded<T>>, MetadataError> {
    if let Some(i) = errors
        .iter()
        .position(|e| matches!(e, MetadataError::Io { .. }))
    {
        return Err(errors.swap_remove(i));
    }
    let stamp = crate::common::clock::compact_local(crate::common::clock::now_ms());
    for e in &errors {
        let path = e.path();
        let kept = crate::common::fs::with_suffix(path, &format!(".damaged-{stamp}"));
        if let Err(copy_error) = fs::copy(path, &kept) {
            // Without a copy the next write would bury the only trace: refuse to start.
            return Err(MetadataError::io("keeping a copy of", path, copy_error));
        }
        tracing::error!(
            file = %path.display(),
            kept = %kept.display(),
            "{what} {} is damaged ({e}) and no usable copy exists: starting WITHOUT its \
             entries, as Java does (lost from this start: every entry of {what}, e.g. consumer \
             offsets, topics or groups). The damaged text is kept as {}; repair it and restore \
             the entries by hand",
            path.display(),
            kept.display()
        );
    }
    Ok(None)
}

/// One config file and its change tracking, shared by the managers: a change counter bumped by
/// every mutation and the count last written, so `persist` skips unchanged tables, plus a lock
/// that serialises writes (they share `<f>.tmp`; Java's `persist` is `synchronized`).
#[derive(Debug)]
pub(crate) struct ConfigFile {
    path: PathBuf,
    what: &'static str,
    changes: AtomicU64,
    /// The change count last persisted (or loaded); held while writing.
    persisted: Mutex<u64>,
    /// `<f>` was found damaged at load: do not copy it over the good backup.
    main_damaged: AtomicBool,
}

impl ConfigFile {
    pub(crate) fn new(path: PathBuf, what: &'static str) -> Self {
        ConfigFile {
            path,
            what,
            changes: AtomicU64::new(0),
            persisted: Mutex::new(0),
            main_damaged: AtomicBool::new(false),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Loads the file (see [`load_with_backup`]), parsing with fastjson into `T`. The table
    /// counts as clean afterwards.
    pub(crate) fn load<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<Option<Loaded<T>>, MetadataError> {
        let what = self.what;
        let loaded = load_with_backup(&self.path, what, |bytes| {
            crate::protocol::fastjson::from_slice::<T>(what, bytes).map_err(|e| e.to_string())
        })?;
        // Without a loaded value, a main file still present is damaged (kept aside by the
        // load): the next write must not copy it over the backup.
        let main_damaged = match &loaded {
            Some(l) => l.main_damaged,
            None => self.path.exists(),
        };
        self.main_damaged.store(main_damaged, Ordering::Relaxed);
        Ok(loaded)
    }

    /// Records that the table changed since the last write.
    pub(crate) fn mark_changed(&self) {
        self.changes.fetch_add(1, Ordering::AcqRel);
    }

    /// Marks the current state as the persisted one (after a load).
    pub(crate) fn mark_clean(&self) {
        let mut persisted = self
            .persisted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *persisted = self.changes.load(Ordering::Acquire);
    }

    /// Writes `encode()` when the table changed since the last write (or always with
    /// `force`). Returns whether it wrote.
    ///
    /// The change count is read before `encode` runs, so a change racing with the write is
    /// either in the text or triggers the next write: a persist never marks a change clean
    /// without having written it.
    pub(crate) fn persist_with(
        &self,
        force: bool,
        encode: impl FnOnce() -> Vec<u8>,
    ) -> Result<bool, MetadataError> {
        let mut persisted = self
            .persisted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let changes = self.changes.load(Ordering::Acquire);
        // A damaged `<f>` is rewritten at the first persist even when the table (loaded from
        // the backup, or started empty) did not change.
        if !force && changes == *persisted && !self.main_damaged.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let text = encode();
        let backup = if self.main_damaged.load(Ordering::Relaxed) {
            Backup::Skip
        } else {
            Backup::Keep
        };
        write_atomically(&self.path, &text, backup)?;
        self.main_damaged.store(false, Ordering::Relaxed);
        *persisted = changes;
        Ok(true)
    }

    /// [`persist_with`](Self::persist_with) for callers that, like Java, log a failed write
    /// rather than fail the operation that changed the table (the table stays changed, so the
    /// next persist retries).
    pub(crate) fn persist_logged(&self, encode: impl FnOnce() -> Vec<u8>) {
        if let Err(e) = self.persist_with(false, encode) {
            tracing::error!(error = %e, "cannot persist {}", self.what);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A fresh directory under the system temp dir, removed on drop.
    pub(crate) struct TempDir(pub PathBuf);

    impl TempDir {
        pub(crate) fn new(tag: &str) -> Self {
            static SEQ: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "rmq-metadata-{tag}-{}-{}",
                std::process::id(),
                SEQ.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        pub(crate) fn file(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn parse_num(bytes: &[u8]) -> Result<i64, String> {
        std::str::from_utf8(bytes)
            .map_err(|e| e.to_string())?
            .trim()
            .parse()
            .map_err(|e: std::num::ParseIntError| e.to_string())
    }

    #[test]
    fn load_falls_back_to_backup() {
        let dir = TempDir::new("load");
        let f = dir.file("x.json");
        assert!(load_with_backup(&f, "x", parse_num).unwrap().is_none());

        fs::write(backup_path(&f), b"7").unwrap();
        let l = load_with_backup(&f, "x", parse_num).unwrap().unwrap();
        assert_eq!((l.value, l.from_backup, l.main_damaged), (7, true, false));

        fs::write(&f, b" \n").unwrap();
        let l = load_with_backup(&f, "x", parse_num).unwrap().unwrap();
        assert_eq!((l.value, l.from_backup, l.main_damaged), (7, true, false));

        fs::write(&f, b"garbage").unwrap();
        let l = load_with_backup(&f, "x", parse_num).unwrap().unwrap();
        assert_eq!((l.value, l.from_backup, l.main_damaged), (7, true, true));

        fs::write(&f, b"9").unwrap();
        let l = load_with_backup(&f, "x", parse_num).unwrap().unwrap();
        assert_eq!((l.value, l.from_backup), (9, false));
    }

    /// The `<f>.damaged-<time>` copies in `dir`.
    fn damaged_copies(dir: &TempDir, of: &str) -> Vec<Vec<u8>> {
        let mut out: Vec<_> = fs::read_dir(&dir.0)
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{of}.damaged-"))
            })
            .map(|e| fs::read(e.path()).unwrap())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn damaged_file_without_backup_starts_empty_and_keeps_a_copy() {
        let dir = TempDir::new("damaged");
        let f = dir.file("x.json");
        fs::write(&f, b"garbage").unwrap();
        assert!(load_with_backup(&f, "x", parse_num).unwrap().is_none());
        assert_eq!(damaged_copies(&dir, "x.json"), vec![b"garbage".to_vec()]);
        // Both damaged: both kept.
        fs::write(backup_path(&f), b"junk").unwrap();
        let dir2 = TempDir::new("damaged2");
        let g = dir2.file("x.json");
        fs::write(&g, b"garbage").unwrap();
        fs::write(backup_path(&g), b"junk").unwrap();
        assert!(load_with_backup(&g, "x", parse_num).unwrap().is_none());
        assert_eq!(damaged_copies(&dir2, "x.json"), vec![b"garbage".to_vec()]);
        assert_eq!(damaged_copies(&dir2, "x.json.bak"), vec![b"junk".to_vec()]);
    }

    #[test]
    fn config_file_skips_unchanged_and_protects_backup() {
        let dir = TempDir::new("cfg");
        let f = dir.file("c.json");
        fs::write(&f, b"{oops").unwrap();
        fs::write(backup_path(&f), br#"{"a":1}"#).unwrap();
        let cf = ConfigFile::new(f.clone(), "c.json");
        let loaded = cf.load::<serde_json::Value>().unwrap().unwrap();
        assert!(loaded.from_backup && loaded.main_damaged);
        cf.mark_clean();
        // The damaged main file is rewritten at once, though nothing changed.
        assert!(cf.persist_with(false, || br#"{"a":2}"#.to_vec()).unwrap());
        // The damaged main file was not copied over the good backup.
        assert_eq!(fs::read(backup_path(&f)).unwrap(), br#"{"a":1}"#);
        assert!(!cf.persist_with(false, || b"{}".to_vec()).unwrap());
        assert!(cf.persist_with(true, || br#"{"a":3}"#.to_vec()).unwrap());
        assert_eq!(fs::read(backup_path(&f)).unwrap(), br#"{"a":2}"#);
    }
}
