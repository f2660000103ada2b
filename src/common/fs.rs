//! Crash-safe file replacement, the one way rmq rewrites a state file (broker `config/*.json`,
//! the name server's `kvConfig.json` and properties, a broker's `-c` properties file).
//!
//! It follows the protocol Java's `MixAll.string2File` uses, so either implementation finds the
//! side files the other left:
//! 1. the new text goes to `<f>.tmp`, which is fsynced;
//! 2. optionally, the previous `<f>` becomes `<f>.bak` (copied to `<f>.bak.tmp`, renamed over
//!    `<f>.bak`);
//! 3. `<f>.tmp` is renamed over `<f>` and the directory is fsynced.
//!
//! Java deletes `<f>` before the rename, so a crash between the two loses the file; a rename
//! over the old file is atomic, so `<f>` is always either the old or the new text. On a full
//! disk (`ENOSPC` writing or syncing the temp file) the write fails, the temp file is removed
//! and `<f>` and `<f>.bak` are untouched; the caller keeps its change pending and retries.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// A step of [`write_atomically`] failed; names the step and the file.
#[derive(Debug, Error)]
#[error("{op} {}: {source}", path.display())]
pub struct FileWriteError {
    /// What was being done: "creating", "writing", "backing up to", "renaming into", ...
    pub op: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl FileWriteError {
    fn new(op: &'static str, path: &Path, source: io::Error) -> Self {
        FileWriteError {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Whether [`write_atomically`] keeps the previous content as `<f>.bak`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backup {
    /// Copy a non-empty previous `<f>` to `<f>.bak` (Java's behaviour for config files).
    Keep,
    /// Leave `<f>.bak` alone: for files Java keeps no backup of, and for a caller whose load
    /// found `<f>` damaged, so the good backup is not overwritten by the damaged file.
    Skip,
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

/// Replaces `path` with `contents` as described in the module docs. Missing parent directories
/// are created; an existing file's permissions carry over to the new one. An empty previous
/// file is never copied over the backup (Java would).
///
/// # Errors
///
/// [`FileWriteError`] naming the file and the step that failed. `path` is unchanged unless the
/// rename happened.
pub fn write_atomically(
    path: &Path,
    contents: &[u8],
    backup: Backup,
) -> Result<(), FileWriteError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        // Java's string2FileNotSafe creates the parent directories too.
        fs::create_dir_all(dir).map_err(|e| FileWriteError::new("creating", dir, e))?;
    }
    let previous = fs::metadata(path).ok().filter(|m| m.is_file());

    let tmp = temp_path(path);
    let write_tmp = || -> io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        file.write_all(contents)?;
        if let Some(meta) = &previous {
            file.set_permissions(meta.permissions())?;
        }
        // The data must be on disk before the rename makes it the file of record.
        file.sync_all()
    };
    if let Err(e) = write_tmp() {
        let _ = fs::remove_file(&tmp);
        return Err(FileWriteError::new("writing", &tmp, e));
    }

    if backup == Backup::Keep && previous.as_ref().is_some_and(|m| m.len() > 0) {
        let bak = backup_path(path);
        if let Err(e) = replace_backup(path, &bak) {
            let _ = fs::remove_file(&tmp);
            return Err(FileWriteError::new("backing up to", &bak, e));
        }
    }

    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(FileWriteError::new("renaming into", path, e));
    }
    if let Some(dir) = dir {
        sync_dir(dir).map_err(|e| FileWriteError::new("syncing directory", dir, e))?;
    }
    Ok(())
}

/// Makes `bak` hold what `path` holds now, never leaving `bak` empty or half-written (a full
/// disk must not cost the backup too): the content is copied to `<bak>.tmp`, which is renamed
/// over `bak`. Not fsynced: the backup only matters if the main file is later damaged, and the
/// caller makes the main file durable.
fn replace_backup(path: &Path, bak: &Path) -> io::Result<()> {
    let staged = temp_path(bak);
    fs::copy(path, &staged)
        .and_then(|_| fs::rename(&staged, bak))
        .inspect_err(|_| {
            let _ = fs::remove_file(&staged);
        })
}

/// Renames `from` to `to` and makes the rename durable (both directories are synced), so
/// after a crash the file is under exactly one of the two names.
pub fn rename_durably(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)?;
    let parent = |p: &Path| {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    let (old_dir, new_dir) = (parent(from), parent(to));
    sync_dir(&new_dir)?;
    if old_dir != new_dir {
        sync_dir(&old_dir)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_keeps_backup_and_leaves_no_tmp() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("sub").join("state.json");
        write_atomically(&f, b"1", Backup::Keep).unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"1");
        assert!(!backup_path(&f).exists());
        write_atomically(&f, b"2", Backup::Keep).unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"2");
        assert_eq!(fs::read(backup_path(&f)).unwrap(), b"1");
        write_atomically(&f, b"3", Backup::Skip).unwrap();
        assert_eq!(fs::read(backup_path(&f)).unwrap(), b"1");
        assert!(!temp_path(&f).exists());
    }

    #[test]
    fn empty_previous_file_is_not_backed_up() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.json");
        write_atomically(&f, b"good", Backup::Keep).unwrap();
        write_atomically(&f, b"", Backup::Keep).unwrap();
        write_atomically(&f, b"new", Backup::Keep).unwrap();
        assert_eq!(fs::read(backup_path(&f)).unwrap(), b"good");
    }

    #[cfg(unix)]
    #[test]
    fn permissions_carry_over() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("broker.properties");
        write_atomically(&f, b"a=1\n", Backup::Skip).unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).unwrap();
        write_atomically(&f, b"a=2\n", Backup::Skip).unwrap();
        assert_eq!(
            fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
