//! Crash-safe file replacement for the name server's state files (`kvConfig.json`,
//! `namesrv.properties`), with the same side files Java leaves: `<file>.tmp` while writing and
//! `<file>.bak` holding the previous content.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `<path><suffix>`, e.g. `kvConfig.json.bak`.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Replaces `path` with `content` so that a crash leaves either the old or the new file, never
/// a torn one: the content goes to `<path>.tmp` (synced), the current file is copied to
/// `<path>.bak`, then the temp file is renamed over `path` (atomic on POSIX). Missing parent
/// directories are created.
pub(crate) fn write_atomically(path: &Path, content: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let tmp = sibling(path, ".tmp");
    {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(content)?;
        file.sync_all()?;
    }
    if path.exists() {
        // Java keeps the previous content as .bak; a failed copy must not block the update.
        if let Err(e) = fs::copy(path, sibling(path, ".bak")) {
            tracing::warn!(path = %path.display(), "could not keep a backup copy: {e}");
        }
    }
    fs::rename(&tmp, path)?;
    // Make the rename itself durable.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(dir) = fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_keeps_backup() {
        let dir = std::env::temp_dir().join(format!("rmq-persist-{}", std::process::id()));
        let path = dir.join("sub").join("state.json");
        write_atomically(&path, b"one").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one");
        assert!(!sibling(&path, ".bak").exists());
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read(sibling(&path, ".bak")).unwrap(), b"one");
        assert!(!sibling(&path, ".tmp").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
