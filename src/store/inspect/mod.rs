//! Offline inspection of a store directory, for `rmq store dump|verify|stats`: streaming scans
//! of CommitLog and ConsumeQueue files, index and checkpoint readers, store-wide verification,
//! per-queue statistics, and a `MessageExt`-shaped JSON view of records.
//!
//! Everything here opens files read-only and never takes the store lock, so it may run against
//! a store a broker is using; a record being written at that moment can then show up as torn.
//!
//! Memory does not grow with the store: records are visited, never collected; CommitLog files
//! are mapped one at a time and the pages a scan has passed are handed back (`FileMap`);
//! verification reads each ConsumeQueue in step with the CommitLog scan (both are in CommitLog
//! order) instead of jumping around the CommitLog. Only per-queue state and the first
//! [`MAX_REPORTED_PROBLEMS`] problems are kept.
//!
//! File sizes are taken from the files themselves unless a broker config gives them
//! ([`ExpectedSizes::from_config`]), so stores made with any `mappedFileSizeCommitLog` /
//! `mappedFileSizeConsumeQueue` can be read.
//!
//! One submodule per kind of file or job, all re-exported here:
//!
//! | part            | holds                                                             |
//! |-----------------|-------------------------------------------------------------------|
//! | `layout`        | where a store's parts are, and what kind of file a path names     |
//! | `log_file`      | the 20-digit-named files of a log, mapped read-only               |
//! | `commitlog`     | CommitLog scans front to back, and reads of records by offset     |
//! | `record`        | message bodies (inflated, encoded) and the `MessageExt` JSON view |
//! | `consume_queue` | ConsumeQueue files and their entries                              |
//! | `index`         | index file geometry, opening, key lookups, used slots and entries |
//! | `checkpoint`    | the checkpoint file                                               |
//! | `config`        | the broker's `config/*.json` files                                |
//! | `stats`         | per-queue counters over the CommitLog (`rmq store stats`)         |
//! | `verify`        | store-wide checks (`rmq store verify`)                            |

use std::io::Read as _;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::checkpoint::CheckpointError;
use super::error::StoreError;
use super::index::IndexError;

mod checkpoint;
mod commitlog;
mod config;
mod consume_queue;
mod index;
mod layout;
mod log_file;
mod record;
mod stats;
mod verify;

#[cfg(test)]
pub(crate) mod testutil;

pub use checkpoint::read_checkpoint;
pub use commitlog::{
    CommitLogReader, CommitLogScanner, ReadError, Records, ScanFile, ScanItem, RANDOM_ACCESS_MAPS,
};
pub use config::{config_shape, ConfigShape};
pub use consume_queue::{ConsumeQueueFiles, CqEntries, CqSlot};
pub use index::{
    commitlog_dir_beside, find_key, index_entries, index_files_in, open_index_file, used_slots,
    IndexEntryAt, IndexGeometry,
};
pub use layout::{detect_kind, resolve_path, ExpectedSizes, StoreFileKind, StoreLayout};
pub use log_file::{log_files_in, LogFile, NonZeroBytes};
pub use record::{
    body_to_show, decode_body, record_has_key, BodyEncoding, BodyState, BodyText, MessageExtJson,
    OffsetMsgId, PropertiesJson, MAX_INFLATED_BODY,
};
pub use stats::{store_stats, QueueStats, StatsReport};
pub use verify::{
    verify_store, Area, CommitLogSummary, ConsumeQueueSummary, IndexSummary, IntactAfterDamage,
    Problem, Unit, VerifyReport, MAX_REPORTED_PROBLEMS,
};

/// Why a store, file or directory cannot be inspected at all. Problems *inside* readable data
/// are not errors: verification reports them as [`Problem`]s.
#[derive(Debug, Error)]
pub enum InspectError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("{}: {source}", path.display())]
    Checkpoint {
        path: PathBuf,
        source: CheckpointError,
    },
}

fn io_err(path: &Path, source: std::io::Error) -> InspectError {
    InspectError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn invalid(path: &Path, reason: impl Into<String>) -> InspectError {
    InspectError::Invalid {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// The last component of `path` as text (`""` when it has none or it is not UTF-8).
fn name_of(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// Whether `s` is exactly `len` ASCII digits (store files are named so: 20 digits for log
/// files, 17 for index files).
fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// Reads up to `buf.len()` bytes from the start of `path`; returns how many were read.
fn read_prefix(path: &Path, buf: &mut [u8]) -> Result<usize, InspectError> {
    let mut file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err(path, e)),
        }
    }
    Ok(filled)
}
