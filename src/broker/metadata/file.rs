//! The config file protocol the Java broker uses for `config/*.json` (`ConfigManager` and
//! `MixAll.string2File`), made crash-safe.
//!
//! Writing `<f>`:
//! 1. the new text goes to `<f>.tmp`, which is fsynced;
//! 2. the previous `<f>` is copied to `<f>.bak` (Java does the same, so either broker finds a
//!    backup the other wrote);
//! 3. `<f>.tmp` is renamed over `<f>` and the directory is fsynced.
//!
//! Java deletes `<f>` before the rename, so a crash between the two loses the file; a rename
//! over the old file is atomic, so `<f>` is always either the old or the new text.
//!
//! Loading tries `<f>` and falls back to `<f>.bak` when `<f>` is missing, empty, unreadable or
//! unparsable, as Java's `ConfigManager.load` does. One difference on purpose: when `<f>` is
//! unparsable and no usable backup exists, Java starts with an empty table (and its next write
//! buries the damaged file); we return [`MetadataError::Parse`] instead, because silently
//! forgetting every consumer offset or topic is worse than refusing to start.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use thiserror::Error;

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

/// `<f>` with `suffix` appended to the file name (`topics.json` → `topics.json.bak`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// The backup Java and rmq keep of `<f>`: `<f>.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    with_suffix(path, ".bak")
}

/// The temporary file a write goes through: `<f>.tmp`.
pub fn temp_path(path: &Path) -> PathBuf {
    with_suffix(path, ".tmp")
}

/// Replaces `path` with `contents` as described in the module docs.
///
/// With `backup_previous` false the previous `<f>` is not copied to `<f>.bak`: a caller whose
/// load found `<f>` damaged uses this so the good backup is not overwritten by the damaged
/// file. An empty previous `<f>` is never copied over the backup either (Java would).
///
/// # Errors
///
/// [`MetadataError::Io`] naming the file and the step that failed. `<f>` is unchanged unless
/// the rename happened.
pub fn write_atomically(
    path: &Path,
    contents: &[u8],
    backup_previous: bool,
) -> Result<(), MetadataError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        // Java's string2FileNotSafe creates the parent directories too.
        fs::create_dir_all(dir).map_err(|e| MetadataError::io("creating", dir, e))?;
    }

    let tmp = temp_path(path);
    let write_tmp = || -> io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        file.write_all(contents)?;
        // The data must be on disk before the rename makes it the file of record.
        file.sync_all()
    };
    if let Err(e) = write_tmp() {
        let _ = fs::remove_file(&tmp);
        return Err(MetadataError::io("writing", &tmp, e));
    }

    if backup_previous {
        match fs::metadata(path) {
            Ok(meta) if meta.is_file() && meta.len() > 0 => {
                let bak = backup_path(path);
                // Not fsynced: the backup only matters if the main file is later damaged, and
                // the main file is made durable below.
                if let Err(e) = fs::copy(path, &bak) {
                    let _ = fs::remove_file(&tmp);
                    return Err(MetadataError::io("backing up to", &bak, e));
                }
            }
            _ => {}
        }
    }

    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(MetadataError::io("renaming into", path, e));
    }
    if let Some(dir) = dir {
        sync_dir(dir).map_err(|e| MetadataError::io("syncing directory", dir, e))?;
    }
    Ok(())
}

/// Makes a rename in `dir` durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Directories cannot be opened for syncing on other platforms; the rename still is atomic.
    Ok(())
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
            Some(e) => Err(e),
            None => Ok(None),
        },
        Err(Attempt::Failed(bak_error)) => {
            tracing::error!(error = %bak_error, "cannot load the {what} backup either");
            Err(main_error.unwrap_or(bak_error))
        }
    }
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
        if let Some(l) = &loaded {
            self.main_damaged.store(l.main_damaged, Ordering::Relaxed);
        }
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
        if !force && changes == *persisted {
            return Ok(false);
        }
        let text = encode();
        let backup = !self.main_damaged.load(Ordering::Relaxed);
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
    fn write_keeps_backup_and_leaves_no_tmp() {
        let dir = TempDir::new("write");
        let f = dir.file("sub/x.json");
        write_atomically(&f, b"1", true).unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"1");
        assert!(!backup_path(&f).exists(), "no previous file, no backup");
        write_atomically(&f, b"2", true).unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"2");
        assert_eq!(fs::read(backup_path(&f)).unwrap(), b"1");
        assert!(!temp_path(&f).exists());
        // An empty previous file does not overwrite a good backup.
        fs::write(&f, b"").unwrap();
        write_atomically(&f, b"3", true).unwrap();
        assert_eq!(fs::read(backup_path(&f)).unwrap(), b"1");
        write_atomically(&f, b"4", false).unwrap();
        assert_eq!(fs::read(backup_path(&f)).unwrap(), b"1");
        assert_eq!(fs::read(&f).unwrap(), b"4");
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

    #[test]
    fn damaged_file_without_backup_is_an_error_naming_it() {
        let dir = TempDir::new("damaged");
        let f = dir.file("x.json");
        fs::write(&f, b"garbage").unwrap();
        let err = load_with_backup(&f, "x", parse_num).unwrap_err();
        assert_eq!(err.path(), f);
        assert!(err.to_string().contains("x.json"), "{err}");
        // A damaged backup with an absent main file reports the backup.
        fs::remove_file(&f).unwrap();
        fs::write(backup_path(&f), b"garbage").unwrap();
        let err = load_with_backup(&f, "x", parse_num).unwrap_err();
        assert_eq!(err.path(), backup_path(&f));
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
        assert!(!cf.persist_with(false, || b"{}".to_vec()).unwrap());
        cf.mark_changed();
        assert!(cf.persist_with(false, || br#"{"a":2}"#.to_vec()).unwrap());
        // The damaged main file was not copied over the good backup.
        assert_eq!(fs::read(backup_path(&f)).unwrap(), br#"{"a":1}"#);
        assert!(!cf.persist_with(false, || b"{}".to_vec()).unwrap());
        assert!(cf.persist_with(true, || br#"{"a":3}"#.to_vec()).unwrap());
        assert_eq!(fs::read(backup_path(&f)).unwrap(), br#"{"a":2}"#);
    }
}
