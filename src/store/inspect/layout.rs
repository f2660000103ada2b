//! Where the parts of a store are, how paths given on the command line resolve, and what kind
//! of store file a path names.

use std::path::{Path, PathBuf};

use super::index::IndexGeometry;
use super::{invalid, io_err, is_digits, name_of, read_prefix, InspectError};
use crate::common::message::{BLANK_MAGIC, MAGIC_V1, MAGIC_V2};
use crate::config::MessageStoreConfig;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::inspect::testutil::TempDir;

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
