//! Backlog migration (`rmq backlog`): when a topic's queue count caps how many consumers can
//! help, forward the group's backlog into a temporary topic with many more queues and let more
//! consumers work on it.
//!
//! - [`plan`]: per source queue the group's offset, the backlog, its oldest store time, and the
//!   proposed target with a lower bound of the duration from a measured pull rate.
//! - [`prepare`] fixes the ranges (`[committed, max)` of every queue as of now; later arrivals
//!   stay for the original consumers) and creates the target; [`migrate`] forwards them:
//!   pipelined pulls ([`pull::RangePuller`]), messages re-encoded straight into one batch body
//!   per target queue ([`forward`]), one SEND_BATCH_MESSAGE per target queue in flight per source
//!   queue, the state file rewritten (atomically) after each acknowledged batch, the group's
//!   source offsets moved to the ranges' ends at the end.
//! - [`verify`]: counts and checksums of (offset, key, body) per source range against what the
//!   target holds, attributed by the origin properties.
//!
//! Guarantees: a source queue is forwarded in batches of offsets `[b, b + batch)`; batch `k + 1`
//! is sent only after every send of batch `k` was acknowledged and the state file records it,
//! so a crash re-sends at most one batch per source queue (plus sends retried after a timeout,
//! which the broker may have stored). Messages with the same first key go to one target queue,
//! keyless messages of a source queue to one target queue, and one source queue never has two
//! sends to the same target queue in flight, so per-key (and per-queue) order holds.

pub mod forward;
mod migrate;
mod plan;
pub mod pull;
mod verify;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use self::forward::{ORIGIN_BROKER, ORIGIN_MSGID, ORIGIN_OFFSET, ORIGIN_QUEUE, ORIGIN_TOPIC};
pub use self::migrate::{migrate, prepare, MigrateOptions, MigrationRequest, Progress};
pub use self::plan::{default_target, plan, Plan, QueueBacklog, TargetBroker};
pub use self::verify::{verify, QueueCheck, Verification};
use super::ClientError;
use crate::common::fs::{write_atomically, Backup, FileWriteError};
use crate::common::names;

/// Messages per source queue forwarded before the state is written (the duplicate bound).
pub const DEFAULT_BATCH: usize = 2048;
/// Messages asked per pull (brokers answer at most `maxTransferCountOnMessageInMemory`, 32 by
/// default, anyway).
pub const DEFAULT_PULL_SIZE: i32 = 32;
/// Pulls in flight per source queue.
pub const DEFAULT_PULL_DEPTH: usize = 16;
/// Largest batch body sent in one request (brokers refuse bodies over `maxMessageSize`, 4 MiB).
pub(super) const MAX_BATCH_BODY: usize = 1 << 20;
/// How long a send to one target queue is retried (a broker restarting) before giving up.
pub(super) const SEND_RETRY_FOR: Duration = Duration::from_secs(60);
/// The state file format.
pub(super) const STATE_VERSION: u32 = 1;

#[derive(Debug, Error)]
pub enum BacklogError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("cannot write the state file: {0}")]
    Write(#[from] FileWriteError),
    #[error("cannot read the state file {path}: {reason}")]
    State { path: PathBuf, reason: String },
    #[error("{0}")]
    Refused(String),
}

pub type Result<T> = std::result::Result<T, BacklogError>;

/// Why `topic` cannot be a backlog source, if it cannot: its messages are not for consumers
/// as they stand (a broker moves them on by itself).
pub fn refusal(topic: &str) -> Option<String> {
    let why = if topic == names::RMQ_SYS_SCHEDULE_TOPIC {
        "holds delayed messages the broker delivers to their real topics by itself; migrate the real topic"
    } else if topic == names::RMQ_SYS_TRANS_HALF_TOPIC
        || topic == names::RMQ_SYS_TRANS_OP_HALF_TOPIC
    {
        "holds transaction half messages; only committed ones reach consumers, in their real topic"
    } else if topic.starts_with(names::RETRY_GROUP_TOPIC_PREFIX) {
        "is a retry topic: the broker re-delivers its messages to the group after their delay"
    } else if topic.starts_with(names::DLQ_GROUP_TOPIC_PREFIX) {
        "is a dead-letter topic: nothing consumes it; resend its messages instead"
    } else {
        return None;
    };
    Some(format!("refusing to migrate {topic}: it {why}"))
}

/// A queue by broker name and id (addresses are looked up when needed: they change across
/// broker restarts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRef {
    pub broker_name: String,
    pub queue_id: i32,
}

/// One source queue's fixed range and progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRange {
    pub broker_name: String,
    pub queue_id: i32,
    /// The group's offset when the migration was planned.
    pub start: i64,
    /// The queue's max offset then (exclusive).
    pub end: i64,
    /// Every offset before this one was forwarded and acknowledged.
    pub next: i64,
    /// Offsets of the range the broker no longer had (removed by retention).
    #[serde(default)]
    pub lost: u64,
}

impl QueueRange {
    pub fn done(&self) -> bool {
        self.next >= self.end
    }

    pub fn total(&self) -> u64 {
        (self.end - self.start).max(0) as u64
    }

    pub fn forwarded(&self) -> u64 {
        (self.next - self.start).max(0) as u64
    }
}

/// The state file of a migration: what it forwards where, and how far it got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationState {
    pub version: u32,
    pub source_topic: String,
    pub group: String,
    pub target_topic: String,
    /// The target queues, in the order target indexes refer to.
    pub targets: Vec<QueueRef>,
    pub queues: Vec<QueueRange>,
    /// The largest batch used (the duplicate bound per source queue).
    pub batch: usize,
    pub started_ms: i64,
    pub finished_ms: Option<i64>,
    /// The group's source offsets were moved to the ranges' ends.
    pub offsets_committed: bool,
}

impl MigrationState {
    pub fn total(&self) -> u64 {
        self.queues.iter().map(QueueRange::total).sum()
    }

    pub fn forwarded(&self) -> u64 {
        self.queues.iter().map(QueueRange::forwarded).sum()
    }

    pub fn done(&self) -> bool {
        self.queues.iter().all(QueueRange::done) && self.offsets_committed
    }

    pub fn load(path: &Path) -> Result<MigrationState> {
        let fail = |reason: String| BacklogError::State {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let state: MigrationState =
            serde_json::from_slice(&text).map_err(|e| fail(e.to_string()))?;
        if state.version != STATE_VERSION {
            return Err(fail(format!("unknown state version {}", state.version)));
        }
        Ok(state)
    }

    /// Replaces the state file atomically (`common::fs::write_atomically`: the file is always
    /// either the old or the new state).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_vec_pretty(self).expect("state serialises");
        write_atomically(path, &text, Backup::Skip)?;
        Ok(())
    }

    /// [`MigrationState::save`] on a blocking thread (it fsyncs), for async callers.
    pub async fn save_async(&self, path: &Path) -> Result<()> {
        let (state, path) = (self.clone(), path.to_path_buf());
        tokio::task::spawn_blocking(move || state.save(&path))
            .await
            .map_err(|e| BacklogError::Refused(format!("state writer failed: {e}")))?
    }
}
