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
    /// A new log file could not be created and allocated (Java's CREATE_MAPEDFILE_FAILED);
    /// nothing was written to it and it does not exist afterwards.
    #[error("cannot create {} ({size} bytes): {source}", path.display())]
    Allocate {
        path: PathBuf,
        size: usize,
        source: std::io::Error,
    },
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

    /// Whether the file system ran out of space (or of the user's quota).
    pub fn is_disk_full(&self) -> bool {
        match self {
            StoreError::Io { source, .. } | StoreError::Allocate { source, .. } => {
                is_no_space(source)
            }
            _ => false,
        }
    }
}

/// `ENOSPC` or `EDQUOT`: the write can succeed again once space is freed.
pub fn is_no_space(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}
