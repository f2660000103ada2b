//! Errors of the store. Every error that concerns a file names it.

use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("store {} is in use by another process (could not lock {})", root.display(), root.join("lock").display())]
    Locked { root: PathBuf },
    #[error("store is opened read-only")]
    ReadOnly,
    #[error(transparent)]
    Index(#[from] super::index::IndexError),
    #[error(transparent)]
    Checkpoint(#[from] super::checkpoint::CheckpointError),
}

impl StoreError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
