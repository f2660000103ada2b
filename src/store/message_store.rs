//! [`MessageStore`]: the store as the broker uses it. Puts append to the CommitLog and write the
//! ConsumeQueue entry under one put lock (so a message is pullable the moment its put returns);
//! flushing runs on its own thread (periodic for ASYNC_FLUSH, group commit for SYNC_FLUSH); the
//! index is built by a dispatcher thread; recovery and retention keep the files consistent.

use std::collections::HashMap;
use std::fs::File;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use thiserror::Error;

use super::checkpoint::StoreCheckpoint;
use super::commitlog::{Appended, CommitLog};
use super::consume_queue::{ConsumeQueue, ConsumeQueueStore, CqEntry};
use super::error::StoreError;
use super::index::{IndexRequest, IndexService};
use crate::common::clock::{local_hour_now, now_ms};
use crate::common::host::{fs_capacity, total_memory_bytes};
use crate::common::message::{self, property, sys_flag, MessageToStore, RecordView};
use crate::common::names::RMQ_SYS_SCHEDULE_TOPIC as SCHEDULE_TOPIC;
use crate::common::offset_watch::{OffsetWait, OffsetWatch};
use crate::config::{BrokerRole, FlushDiskType, MessageStoreConfig};

/// Why a put was refused (Java `PutMessageStatus`).
#[derive(Debug, Error)]
pub enum PutError {
    #[error("message illegal: {0}")]
    MessageIllegal(String),
    #[error("properties of {0} bytes exceed 32767")]
    PropertiesSizeExceeded(usize),
    /// SERVICE_NOT_AVAILABLE: the store takes no writes now; with the disks' usage as last
    /// sampled (Java's remark shows it).
    #[error("service not available: {0}")]
    ServiceNotAvailable(Unavailable, DiskUsage),
    /// CREATE_MAPEDFILE_FAILED: the next CommitLog or ConsumeQueue file could not be created
    /// for a reason other than a full disk. Nothing was written.
    #[error("create mapped file failed: {0}")]
    CreateMappedFileFailed(StoreError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the store takes no writes (Java folds these into one SERVICE_NOT_AVAILABLE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unavailable {
    ShuttingDown,
    Slave,
    /// The disk guard tripped: usage passed [`DISK_FULL_RATIO`], or a new file could not be
    /// allocated for want of space. Clears by itself once space returns.
    DiskFull,
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unavailable::ShuttingDown => "the message store is shutting down",
            Unavailable::Slave => "this broker is a slave: messages are written to its master",
            Unavailable::DiskFull => "the disk is full: writes are refused until space is freed",
        })
    }
}

/// Used share of a store disk above which writes are refused (Java's
/// `rocketmq.broker.diskSpaceWarningLevelRatio`, 0.90).
pub const DISK_FULL_RATIO: f64 = 0.90;
/// Used share below which a refusing store accepts writes again (Java's
/// `rocketmq.broker.diskSpaceCleanForciblyRatio`, 0.85: between the two the state holds).
pub const DISK_OK_RATIO: f64 = 0.85;
/// How often the disk guard samples the store disks (Java: every `cleanResourceInterval`,
/// 10 s; a statvfs is cheap, and a small disk fills fast).
const DISK_SAMPLE_INTERVAL: Duration = Duration::from_millis(200);

/// Used share (0..=1) of the disks holding the CommitLog, the ConsumeQueues and the index, as
/// last sampled (what Java's SERVICE_NOT_AVAILABLE remark shows); negative when unknown.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DiskUsage {
    pub commitlog: f64,
    pub consume_queue: f64,
    pub index: f64,
}

/// The disk guard's state, written by the clean thread and the put path, read on every put.
struct DiskGuard {
    full: AtomicBool,
    /// Bytes a failed allocation needed (0: none failed): the store stays refusing until the
    /// disk has that much available, whatever the usage ratio says.
    needed: AtomicU64,
    /// `f64` bits of [`DiskUsage`]'s three fields.
    usage: [AtomicU64; 3],
}

impl DiskGuard {
    fn new() -> DiskGuard {
        let unknown = (-1.0f64).to_bits();
        DiskGuard {
            full: AtomicBool::new(false),
            needed: AtomicU64::new(0),
            usage: [
                AtomicU64::new(unknown),
                AtomicU64::new(unknown),
                AtomicU64::new(unknown),
            ],
        }
    }
}

/// A stored message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PutOk {
    pub phys_offset: i64,
    pub size: usize,
    pub queue_offset: i64,
    pub store_timestamp: i64,
}

impl PutOk {
    /// CommitLog offset one past the record (what a flush must reach).
    pub fn end_offset(&self) -> i64 {
        self.phys_offset + self.size as i64
    }
}

/// Decides per ConsumeQueue entry (and optionally per record) whether a pull returns a message.
pub trait MessageFilter: Send + Sync {
    fn matches_tags_code(&self, tags_code: i64) -> bool;
    fn matches_record(&self, _record: &RecordView<'_>) -> bool {
        true
    }
}

/// Matches everything.
pub struct AcceptAll;

impl MessageFilter for AcceptAll {
    fn matches_tags_code(&self, _: i64) -> bool {
        true
    }
}

/// Outcome of a read (Java `GetMessageStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetStatus {
    Found,
    NoMatchedMessage,
    MessageWasRemoving,
    OffsetFoundNull,
    OffsetOverflowBadly,
    OffsetOverflowOne,
    OffsetTooSmall,
    NoMatchedLogicQueue,
    NoMessageInQueue,
}

impl GetStatus {
    /// The Java enum name (pull responses carry it as their remark).
    pub fn name(self) -> &'static str {
        match self {
            GetStatus::Found => "FOUND",
            GetStatus::NoMatchedMessage => "NO_MATCHED_MESSAGE",
            GetStatus::MessageWasRemoving => "MESSAGE_WAS_REMOVING",
            GetStatus::OffsetFoundNull => "OFFSET_FOUND_NULL",
            GetStatus::OffsetOverflowBadly => "OFFSET_OVERFLOW_BADLY",
            GetStatus::OffsetOverflowOne => "OFFSET_OVERFLOW_ONE",
            GetStatus::OffsetTooSmall => "OFFSET_TOO_SMALL",
            GetStatus::NoMatchedLogicQueue => "NO_MATCHED_LOGIC_QUEUE",
            GetStatus::NoMessageInQueue => "NO_MESSAGE_IN_QUEUE",
        }
    }
}

/// What a read found.
#[derive(Clone, Debug)]
pub struct GetResult {
    pub status: GetStatus,
    pub next_begin_offset: i64,
    pub min_offset: i64,
    pub max_offset: i64,
    /// Stored records, zero-copy views of the CommitLog.
    pub messages: Vec<Bytes>,
    /// The reader is so far behind that its data is likely no longer in memory.
    pub suggest_slave: bool,
}

impl GetResult {
    pub fn total_bytes(&self) -> usize {
        self.messages.iter().map(Bytes::len).sum()
    }
}

/// Called after every put with `(topic, queue_id, next queue offset)`; wakes long polls.
pub type ArrivalListener = Box<dyn Fn(&str, i32, i64) + Send + Sync>;

struct PutState {
    /// Next logical offset per topic and queue id.
    queue_offsets: HashMap<String, Vec<i64>>,
    last_store_timestamp: i64,
}

impl PutState {
    fn next_offset(&mut self, topic: &str, queue_id: i32) -> &mut i64 {
        if !self.queue_offsets.contains_key(topic) {
            self.queue_offsets.insert(topic.to_string(), Vec::new());
        }
        let offsets = self.queue_offsets.get_mut(topic).expect("inserted above");
        let idx = queue_id.max(0) as usize;
        if offsets.len() <= idx {
            offsets.resize(idx + 1, 0);
        }
        &mut offsets[idx]
    }
}

/// What writers have asked of the SYNC_FLUSH group commit since its current group started.
#[derive(Default)]
struct FlushRequests {
    /// The highest CommitLog end offset a writer waits to see durable.
    offset: i64,
    /// Writers that asked since the current group started collecting.
    writers: usize,
    /// The flush thread sleeps until `writers` reaches this; 0 when it does not sleep (a
    /// writer then does not pay for a wake-up).
    wake_at: usize,
}

/// Group commit for SYNC_FLUSH: writers ask for an offset to be durable, the flush thread
/// flushes everything written so far in one msync, publishes the flushed offset and wakes the
/// writers it covers. Waiting is a plain [`Future`] woken from the flush thread, so the store
/// needs no async runtime; the caller's runtime supplies the timeout.
struct FlushControl {
    requested: Mutex<FlushRequests>,
    wake: Condvar,
    /// CommitLog offset known to be durable, and the writers waiting for it.
    flushed: OffsetWatch,
    /// CommitLog flushes that wrote something, and the time they took (msync included).
    flushes: AtomicU64,
    flush_nanos: AtomicU64,
}

/// Wakes tasks waiting for CommitLog data past an offset ([`MessageStore::wait_new_data`]).
/// The put path pays one fence and one atomic load unless someone waits.
#[derive(Default)]
struct DataSignal {
    waiting: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl DataSignal {
    fn notify(&self) {
        // Pairs with the fence in `NewDataWait::poll`: either the waiter sees the new write
        // position, or this load sees its `waiting` flag.
        std::sync::atomic::fence(Ordering::SeqCst);
        if !self.waiting.load(Ordering::Relaxed) {
            return;
        }
        let mut wakers = self.wakers.lock().unwrap_or_else(|p| p.into_inner());
        self.waiting.store(false, Ordering::Relaxed);
        for w in wakers.drain(..) {
            w.wake();
        }
    }
}

/// Completes once the CommitLog holds data past an offset (or the store shuts down).
pub struct NewDataWait<'a> {
    store: &'a MessageStore,
    after: i64,
}

impl Future for NewDataWait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let ready =
            |s: &MessageStore| s.commitlog.max_offset() > self.after || s.is_shutting_down();
        if ready(self.store) {
            return Poll::Ready(());
        }
        let signal = &self.store.new_data;
        {
            let mut wakers = signal.wakers.lock().unwrap_or_else(|p| p.into_inner());
            if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                wakers.push(cx.waker().clone());
            }
            signal.waiting.store(true, Ordering::Relaxed);
        }
        std::sync::atomic::fence(Ordering::SeqCst);
        if ready(self.store) {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// Why replicated bytes were not appended ([`MessageStore::append_replicated`]).
#[derive(Debug, Error)]
pub enum ReplicaError {
    #[error(
        "replicated data at offset {offset} does not continue this store, which ends at {max}"
    )]
    OffsetMismatch { offset: i64, max: i64 },
    #[error("{len} replicated bytes at offset {offset} do not fit in the CommitLog file there ({room} bytes left)")]
    CrossesFile {
        offset: i64,
        len: usize,
        room: usize,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the CommitLog flushes have cost so far: with SYNC_FLUSH one flush is one group commit,
/// so `nanos / count` is the latency that bounds throughput (in-flight requests ÷ latency).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlushStats {
    pub count: u64,
    pub nanos: u64,
}

pub struct MessageStore {
    cfg: MessageStoreConfig,
    root: PathBuf,
    store_host: SocketAddr,
    commitlog: CommitLog,
    cqs: ConsumeQueueStore,
    index: Option<IndexService>,
    checkpoint: StoreCheckpoint,
    put: Mutex<PutState>,
    flush: FlushControl,
    /// CommitLog offset up to which the index is built.
    index_dispatched: AtomicI64,
    /// On a slave: CommitLog offset up to which replicated records are in the ConsumeQueues
    /// (the end of the last complete record; a frame may end inside a record).
    replica_dispatched: AtomicI64,
    /// Wakes readers of new CommitLog data (the HA master's transfer loops).
    new_data: DataSignal,
    /// Set once by the broker; read on every put without locking.
    arrival: std::sync::OnceLock<ArrivalListener>,
    shutting_down: AtomicBool,
    disk: DiskGuard,
    /// The broker role now (`brokerRole` at start; changed online by a promotion or demotion).
    role: AtomicU8,
    threads: Mutex<Vec<JoinHandle<()>>>,
    memory_bytes: u64,
    _lock: File,
}

impl MessageStore {
    /// Opens (creating if needed) the store under `cfg.store_path_root_dir`, recovers it and
    /// starts its flush, dispatch and cleanup threads. `store_host` (brokerIP1:listenPort) goes
    /// into every record.
    pub fn open(
        cfg: MessageStoreConfig,
        store_host: SocketAddr,
    ) -> Result<Arc<MessageStore>, StoreError> {
        let root = cfg.store_path_root_dir.clone();
        std::fs::create_dir_all(&root).map_err(|e| StoreError::io(&root, e))?;
        let lock = lock_store(&root)?;
        let abort_path = root.join("abort");
        let last_exit_ok = !abort_path.exists();

        let checkpoint = StoreCheckpoint::open(&root.join("checkpoint"))?;
        let commitlog = CommitLog::load(
            &cfg.commit_log_dir(),
            cfg.mapped_file_size_commit_log as usize,
            true,
        )?
        .with_reuse(cfg.commit_log_reuse_files.max(0) as usize)?;
        let cqs = ConsumeQueueStore::load(
            &cfg.consume_queue_dir(),
            cfg.consume_queue_file_size() as usize,
            true,
        )?;
        let index = if cfg.message_index_enable {
            Some(IndexService::load(
                &root.join("index"),
                cfg.max_hash_slot_num,
                cfg.max_index_num,
                last_exit_ok,
                checkpoint.index_msg_timestamp(),
            )?)
        } else {
            None
        };
        let store = Arc::new(MessageStore {
            memory_bytes: total_memory_bytes(),
            root,
            store_host,
            commitlog,
            cqs,
            index,
            checkpoint,
            put: Mutex::new(PutState {
                queue_offsets: HashMap::new(),
                last_store_timestamp: 0,
            }),
            flush: FlushControl {
                requested: Mutex::new(FlushRequests::default()),
                wake: Condvar::new(),
                flushed: OffsetWatch::new(0),
                flushes: AtomicU64::new(0),
                flush_nanos: AtomicU64::new(0),
            },
            index_dispatched: AtomicI64::new(0),
            replica_dispatched: AtomicI64::new(0),
            new_data: DataSignal::default(),
            arrival: std::sync::OnceLock::new(),
            shutting_down: AtomicBool::new(false),
            disk: DiskGuard::new(),
            role: AtomicU8::new(role_code(cfg.broker_role)),
            threads: Mutex::new(Vec::new()),
            _lock: lock,
            cfg,
        });
        store.recover(last_exit_ok)?;
        store.commitlog.files().warm_last_in_background();
        // Present while running; a clean shutdown removes it, so its presence at start means
        // the last run crashed.
        File::create(&abort_path).map_err(|e| StoreError::io(&abort_path, e))?;
        store.start_threads();
        Ok(store)
    }

    /// The store's config as opened (its `brokerRole` is the role at start; see [`Self::role`]).
    pub fn config(&self) -> &MessageStoreConfig {
        &self.cfg
    }

    /// The broker role now: writes are refused on a slave.
    pub fn role(&self) -> BrokerRole {
        role_from_code(self.role.load(Ordering::Acquire))
    }

    /// Makes a slave's store writable as a master (`role` must be a master role): the CommitLog
    /// is cut back to the end of the last complete replicated record, since the master may
    /// have died mid-frame and new records must not follow a partial one. Returns the
    /// CommitLog's end offset after the cut and how many partial bytes were dropped. The
    /// caller stops replication first.
    pub fn promote(&self, role: BrokerRole) -> Result<(i64, i64), StoreError> {
        debug_assert!(role.is_master());
        let _put = self.put.lock().unwrap_or_else(|p| p.into_inner());
        let max = self.commitlog.max_offset();
        let complete = self.replica_dispatched.load(Ordering::Acquire);
        let mut dropped = 0;
        if self.role() == BrokerRole::Slave && complete < max {
            if let Some(file) = self.commitlog.files().last() {
                let pos = complete - file.from_offset();
                if pos >= 0 && (pos as usize) <= file.write_pos() {
                    let pos = pos as usize;
                    let len = file.write_pos() - pos;
                    // SAFETY: the put lock is held (single writer) and no reader is given
                    // bytes past the last complete record.
                    unsafe { file.write_slot(pos, len) }.fill(0);
                    file.set_write_pos(pos);
                    dropped = len as i64;
                }
            }
        }
        self.role.store(role_code(role), Ordering::Release);
        Ok((self.commitlog.max_offset(), dropped))
    }

    /// Makes the store a slave's: writes are refused from now on; replicated data is appended
    /// from the current end.
    pub fn demote(&self) {
        let _put = self.put.lock().unwrap_or_else(|p| p.into_inner());
        self.replica_dispatched
            .store(self.commitlog.max_offset(), Ordering::Release);
        self.role
            .store(role_code(BrokerRole::Slave), Ordering::Release);
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn store_host(&self) -> SocketAddr {
        self.store_host
    }

    pub fn commitlog(&self) -> &CommitLog {
        &self.commitlog
    }

    pub fn consume_queues(&self) -> &ConsumeQueueStore {
        &self.cqs
    }

    /// Registers the callback run after each put (long-polling wake-up). Only the first
    /// registration takes effect.
    pub fn set_arrival_listener(&self, listener: ArrivalListener) {
        if self.arrival.set(listener).is_err() {
            tracing::warn!("an arrival listener is already registered; the new one is ignored");
        }
    }

    // -----------------------------------------------------------------------------------------
    // Recovery

    fn recover(&self, last_exit_ok: bool) -> Result<(), StoreError> {
        for cq in self.cqs.all() {
            cq.recover()?;
        }
        let check_crc = self.cfg.check_crc_on_recover;
        let files = self.commitlog.files().files().len();
        // Where the CommitLog scan starts (the newest three files after a clean exit).
        let mut scan_start = files.saturating_sub(3);
        let scan = if files == 0 {
            for cq in self.cqs.all() {
                cq.destroy()?;
            }
            None
        } else if last_exit_ok {
            Some(self.commitlog.scan_from(scan_start, check_crc, |_| {}))
        } else {
            let min_ts = if self.cfg.message_index_enable && self.cfg.message_index_safe {
                self.checkpoint.min_timestamp_index()
            } else {
                self.checkpoint.min_timestamp()
            };
            let start = self.commitlog.abnormal_recovery_start(min_ts);
            scan_start = start;
            tracing::warn!(
                "abnormal shutdown detected: recovering the CommitLog from file #{start}"
            );
            let mut first_err = None;
            let scan = self.commitlog.scan_from(start, check_crc, |record| {
                if let Err(e) = self.dispatch_to_consume_queue(record) {
                    first_err.get_or_insert(e);
                }
            });
            if let Some(e) = first_err {
                return Err(e);
            }
            Some(scan)
        };
        if let Some(scan) = scan {
            if let Some(reason) = &scan.stopped_by {
                self.report_commitlog_damage(scan.end, reason)?;
            }
            self.commitlog.truncate(scan.end)?;
            for cq in self.cqs.all() {
                cq.truncate_dirty(scan.end)?;
            }
        }
        let checked_from = self
            .commitlog
            .files()
            .files()
            .get(scan_start)
            .map_or(self.commitlog.min_offset(), |f| f.from_offset());
        self.rebuild_damaged_consume_queues(checked_from)?;
        // Re-dispatch whatever the ConsumeQueues miss (entries lost with unflushed CQ pages).
        let cq_end = self
            .cqs
            .all()
            .iter()
            .map(|cq| cq.max_phys_end())
            .max()
            .unwrap_or(0)
            .max(self.commitlog.min_offset());
        if cq_end < self.commitlog.max_offset() {
            let mut first_err = None;
            self.scan_range(cq_end, |record| {
                if let Err(e) = self.dispatch_to_consume_queue(record) {
                    first_err.get_or_insert(e);
                }
            });
            if let Some(e) = first_err {
                return Err(e);
            }
        }
        // Rebuild the next-offset table from the queues.
        let mut put = self.put.lock().unwrap_or_else(|p| p.into_inner());
        for cq in self.cqs.all() {
            *put.next_offset(cq.topic(), cq.queue_id()) = cq.max_offset();
        }
        drop(put);
        self.cqs_correct_min()?;
        // The index records the start of the last message it holds; dispatch resumes after it.
        let index_end = match &self.index {
            Some(index) => match index.last_update().1 {
                0 => 0,
                last => {
                    last + self
                        .commitlog
                        .with_record(last, |r| r.raw.len() as i64)
                        .unwrap_or(0)
                }
            },
            None => self.commitlog.max_offset(),
        };
        self.index_dispatched.store(
            index_end.max(self.commitlog.min_offset()),
            Ordering::Release,
        );
        self.replica_dispatched
            .store(self.commitlog.max_offset(), Ordering::Release);
        self.flush.flushed.publish(self.commitlog.max_offset());
        self.flush
            .requested
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .offset = self.commitlog.max_offset();
        Ok(())
    }

    /// Logs CommitLog damage found by recovery at `at` (where the valid data ends; recovery
    /// cuts the log there, as Java's does). Intact records after the damage are copied to
    /// `<storeRoot>/damaged/commitlog-<offset>-<time>/` first, and the log line says how to
    /// read them back.
    fn report_commitlog_damage(&self, at: i64, reason: &str) -> Result<(), StoreError> {
        let file = self
            .commitlog
            .files()
            .find(at)
            .map_or_else(|| self.cfg.commit_log_dir(), |f| f.path().to_path_buf());
        let Some(intact) = self.commitlog.intact_records_after(at) else {
            tracing::warn!(
                file = %file.display(),
                offset = at,
                "CommitLog damaged in {} at offset {at}: {reason}; serving the data before it \
                 and cutting the log there (no intact record follows)",
                file.display()
            );
            return Ok(());
        };
        let dir = self.root.join("damaged").join(format!(
            "commitlog-{at}-{}",
            crate::common::clock::compact_local(now_ms())
        ));
        self.commitlog.save_tail(at, &dir)?;
        self.commitlog.zero_from(at)?;
        tracing::error!(
            file = %file.display(),
            offset = at,
            saved = %dir.display(),
            "CommitLog damaged in {} at offset {at}: {reason}; serving the data before it and \
             cutting the log there. {} intact records after the damage (offsets {} to {}) were \
             saved to {}; copy them out with: {}",
            file.display(),
            intact.count,
            intact.first,
            intact.end,
            dir.display(),
            super::salvage::dump_command(&dir, intact.first)
        );
        // The dropped records were indexed: index them again from the CommitLog as it is now.
        if let Some(index) = &self.index {
            index.set_aside_past(at)?;
        }
        Ok(())
    }

    /// Checks the recent ConsumeQueue entries against their CommitLog records (Java's recovery
    /// only checks that entries look written). A queue whose file was cut short, or whose
    /// entry does not match its record, is cut back to its last good entry and rebuilt from
    /// the CommitLog.
    ///
    /// Entries are compared with their records from CommitLog offset `check_from` on (the part
    /// CommitLog recovery just read); entries before it are only checked to lie inside the
    /// CommitLog, which keeps a start from reading the whole store.
    fn rebuild_damaged_consume_queues(&self, check_from: i64) -> Result<(), StoreError> {
        let min = self.commitlog.min_offset();
        let max = self.commitlog.max_offset();
        let mut rebuild: HashMap<(String, i32), (Arc<ConsumeQueue>, i64)> = HashMap::new();
        for cq in self.cqs.all() {
            let damage = cq.cut_at_first_bad_entry(|queue_offset, entry| {
                if entry.phys_offset < min {
                    return Ok(()); // expired by retention
                }
                if entry.size <= 0 || entry.phys_offset + i64::from(entry.size) > max {
                    return Err(format!(
                        "points at commitlog offset {} ({} bytes), past the end of the \
                         CommitLog data ({max})",
                        entry.phys_offset, entry.size
                    ));
                }
                if entry.phys_offset < check_from {
                    return Ok(());
                }
                let found = self.commitlog.with_record(entry.phys_offset, |r| {
                    if r.physical_offset != entry.phys_offset
                        || r.total_size != entry.size
                        || r.queue_id != cq.queue_id()
                        || r.queue_offset != queue_offset
                        || r.topic_bytes != cq.topic().as_bytes()
                    {
                        return Err(format!(
                            "points at commitlog offset {} ({} bytes), where the record is \
                             {}/{} queue offset {} ({} bytes)",
                            entry.phys_offset,
                            entry.size,
                            r.topic(),
                            r.queue_id,
                            r.queue_offset,
                            r.total_size
                        ));
                    }
                    // The delay topic's "tags code" is a delivery time that depends on the
                    // delay levels configured when it was written: not checked.
                    if cq.topic() == SCHEDULE_TOPIC {
                        return Ok(());
                    }
                    let tags = self.tags_code_for(cq.topic(), &r.properties(), r.store_timestamp);
                    if tags != entry.tags_code {
                        return Err(format!(
                            "tags code {} but the record's is {tags}",
                            entry.tags_code
                        ));
                    }
                    Ok(())
                });
                found.unwrap_or_else(|| {
                    Err(format!(
                        "points at commitlog offset {}, where no record starts",
                        entry.phys_offset
                    ))
                })
            })?;
            if let Some(d) = damage {
                tracing::error!(
                    file = %d.file.display(),
                    queue_offset = d.queue_offset,
                    "ConsumeQueue of {}/{} damaged in {} at queue offset {} (byte {}): {}; \
                     rebuilding the queue from there from the CommitLog",
                    cq.topic(),
                    cq.queue_id(),
                    d.file.display(),
                    d.queue_offset,
                    d.file_position,
                    d.reason
                );
            } else if !cq.was_restored() {
                continue;
            }
            let from = cq.max_phys_end().max(min);
            rebuild.insert((cq.topic().to_string(), cq.queue_id()), (cq, from));
        }
        let Some(from) = rebuild.values().map(|(_, from)| *from).min() else {
            return Ok(());
        };
        let mut failed = None;
        self.scan_range(from, |record| {
            let Some((cq, start)) = rebuild.get(&(record.topic().into_owned(), record.queue_id))
            else {
                return;
            };
            if record.physical_offset < *start {
                return;
            }
            if let Err(e) = self.dispatch_to_consume_queue(record) {
                failed.get_or_insert((cq.topic().to_string(), cq.queue_id(), e));
            }
        });
        if let Some((topic, queue_id, e)) = failed {
            tracing::error!("rebuilding the ConsumeQueue of {topic}/{queue_id} stopped: {e}");
        }
        Ok(())
    }

    /// Calls `visit` for each message record from `from` to the end of the CommitLog.
    fn scan_range(&self, from: i64, mut visit: impl FnMut(&RecordView<'_>)) {
        let mut offset = from;
        let end = self.commitlog.max_offset();
        while offset < end {
            let Some((file, pos)) = self.commitlog.read(offset) else {
                break;
            };
            match message::decode_record(file.read_from(pos)) {
                Ok(message::Record::Message(view)) => {
                    visit(&view);
                    offset += view.raw.len() as i64;
                }
                Ok(message::Record::Blank { .. }) => {
                    offset = file.from_offset() + file.size() as i64
                }
                _ => break,
            }
        }
    }

    fn dispatch_to_consume_queue(&self, record: &RecordView<'_>) -> Result<(), StoreError> {
        let tx = sys_flag::transaction_value(record.sys_flag);
        if tx != sys_flag::TRANSACTION_NOT_TYPE && tx != sys_flag::TRANSACTION_COMMIT {
            return Ok(());
        }
        let topic = record.topic();
        let props = record.properties();
        let tags = self.tags_code_for(&topic, &props, record.store_timestamp);
        let cq = self.cqs.get_or_create(&topic, record.queue_id)?;
        cq.put(
            record.queue_offset,
            CqEntry {
                phys_offset: record.physical_offset,
                size: record.total_size,
                tags_code: tags,
            },
        )
    }

    fn cqs_correct_min(&self) -> Result<(), StoreError> {
        let min = self.commitlog.min_offset();
        for cq in self.cqs.all() {
            cq.correct_min_offset(min)?;
        }
        Ok(())
    }

    /// The ConsumeQueue tags code: the TAGS hash, or the delivery time for delayed messages.
    pub fn tags_code_for(&self, topic: &str, properties: &str, store_timestamp: i64) -> i64 {
        if topic == SCHEDULE_TOPIC {
            if let Some(level) = message::get_property(properties, property::DELAY)
                .and_then(|d| d.parse::<usize>().ok())
            {
                let level = level.clamp(1, self.cfg.max_delay_level().max(1));
                let delay = self
                    .cfg
                    .delay_of_level(level)
                    .map_or(1000, |d| d.as_millis() as i64);
                return store_timestamp + delay;
            }
            return store_timestamp + 1000;
        }
        message::tags_code(message::get_property(properties, property::TAGS))
    }

    // -----------------------------------------------------------------------------------------
    // Writing

    fn check_writable(&self) -> Result<(), PutError> {
        if self.shutting_down.load(Ordering::Acquire) {
            return Err(PutError::ServiceNotAvailable(
                Unavailable::ShuttingDown,
                self.disk_usage(),
            ));
        }
        if self.role() == BrokerRole::Slave {
            return Err(PutError::ServiceNotAvailable(
                Unavailable::Slave,
                self.disk_usage(),
            ));
        }
        if self.disk.full.load(Ordering::Acquire) {
            return Err(PutError::ServiceNotAvailable(
                Unavailable::DiskFull,
                self.disk_usage(),
            ));
        }
        Ok(())
    }

    /// The store disks' usage as last sampled by the disk guard.
    pub fn disk_usage(&self) -> DiskUsage {
        let get = |i: usize| f64::from_bits(self.disk.usage[i].load(Ordering::Relaxed));
        DiskUsage {
            commitlog: get(0),
            consume_queue: get(1),
            index: get(2),
        }
    }

    /// The refusal for a failed file allocation or write on the put path. A full disk trips
    /// the disk guard at once (the periodic sample may not have seen it yet).
    fn storage_failure(&self, e: StoreError) -> PutError {
        if e.is_disk_full() {
            let needed = match &e {
                StoreError::Allocate { size, .. } => *size as u64,
                _ => 1,
            };
            self.disk.needed.fetch_max(needed, Ordering::AcqRel);
            if !self.disk.full.swap(true, Ordering::AcqRel) {
                tracing::error!("disk full: {e}; refusing writes until space is freed");
            }
            return PutError::ServiceNotAvailable(Unavailable::DiskFull, self.disk_usage());
        }
        match e {
            e @ StoreError::Allocate { .. } => {
                tracing::error!("{e}");
                PutError::CreateMappedFileFailed(e)
            }
            e => PutError::Store(e),
        }
    }

    /// Samples the store disks: trips the guard above [`DISK_FULL_RATIO`] (or while a failed
    /// allocation's size is not available), clears it below [`DISK_OK_RATIO`]. Returns the
    /// larger used share of the CommitLog and ConsumeQueue disks, for retention.
    fn sample_disks(&self) -> Option<f64> {
        let dirs = [
            self.cfg.commit_log_dir(),
            self.cfg.consume_queue_dir(),
            self.cfg.index_dir(),
        ];
        let mut worst: Option<f64> = None;
        let mut available = u64::MAX;
        for (i, dir) in dirs.iter().enumerate() {
            let cap = fs_capacity(dir);
            let ratio = cap.and_then(|c| c.used_ratio());
            self.disk.usage[i].store(ratio.unwrap_or(-1.0).to_bits(), Ordering::Relaxed);
            if i < 2 {
                // Java guards the CommitLog and ConsumeQueue disks.
                if let Some(r) = ratio {
                    worst = Some(worst.map_or(r, |w: f64| w.max(r)));
                }
                if let Some(c) = cap {
                    available = available.min(c.available);
                }
            }
        }
        let worst = worst?;
        let needed = self.disk.needed.load(Ordering::Acquire);
        let short = needed > 0 && available < needed;
        if needed > 0 && !short {
            self.disk.needed.store(0, Ordering::Release);
        }
        let was_full = self.disk.full.load(Ordering::Acquire);
        let full = short || worst > DISK_FULL_RATIO || (was_full && worst >= DISK_OK_RATIO);
        if full != was_full {
            self.disk.full.store(full, Ordering::Release);
            if full {
                tracing::error!(
                    "disk {:.1}% full (limit {:.0}%): refusing writes",
                    worst * 100.0,
                    DISK_FULL_RATIO * 100.0
                );
            } else {
                tracing::info!(
                    "disk usage back to {:.1}% ({} bytes available): accepting writes",
                    worst * 100.0,
                    available
                );
            }
        }
        Some(worst)
    }

    fn validate(&self, msg: &MessageToStore<'_>) -> Result<(), PutError> {
        if msg.body.len() > self.cfg.max_message_size as usize {
            return Err(PutError::MessageIllegal(format!(
                "message body of {} bytes exceeds maxMessageSize {}",
                msg.body.len(),
                self.cfg.max_message_size
            )));
        }
        msg.validate().map_err(|e| match e {
            message::EncodeError::PropertiesTooLong(n) => PutError::PropertiesSizeExceeded(n),
            other => PutError::MessageIllegal(other.to_string()),
        })
    }

    /// Stores one message. `msg.queue_id` must be a valid queue. The message is readable when
    /// this returns; with SYNC_FLUSH, await [`Self::wait_flushed`] before acknowledging.
    pub fn put(&self, msg: &MessageToStore<'_>) -> Result<PutOk, PutError> {
        self.check_writable()?;
        self.validate(msg)?;
        let tx = sys_flag::transaction_value(msg.sys_flag);
        let in_queue = tx == sys_flag::TRANSACTION_NOT_TYPE || tx == sys_flag::TRANSACTION_COMMIT;
        let mut put = self.put.lock().unwrap_or_else(|p| p.into_inner());
        // Store time never goes backwards, so time lookups can binary-search.
        let store_ts = now_ms().max(put.last_store_timestamp);
        put.last_store_timestamp = store_ts;
        let next = put.next_offset(msg.topic, msg.queue_id);
        let queue_offset = if in_queue { *next } else { 0 };
        // The queue's file is allocated before the CommitLog append, so a full disk refuses
        // the message before anything is written.
        let cq = if in_queue {
            let cq = self
                .cqs
                .get_or_create(msg.topic, msg.queue_id)
                .map_err(|e| self.storage_failure(e))?;
            cq.prepare(queue_offset, 1)
                .map_err(|e| self.storage_failure(e))?;
            Some(cq)
        } else {
            None
        };
        let appended = self
            .commitlog
            .append(msg, queue_offset, store_ts)
            .map_err(|e| self.storage_failure(e))?;
        if let Some(cq) = cq {
            let tags_code = self.tags_code_for(msg.topic, msg.properties, store_ts);
            write_cq(&cq, queue_offset, appended, tags_code)?;
            *next += 1;
        }
        drop(put);
        self.new_data.notify();
        if in_queue {
            self.notify_arrival(msg.topic, msg.queue_id, queue_offset + 1);
        }
        Ok(PutOk {
            phys_offset: appended.phys_offset,
            size: appended.size,
            queue_offset,
            store_timestamp: store_ts,
        })
    }

    /// Stores a batch (one topic and queue) contiguously with consecutive queue offsets.
    pub fn put_batch(&self, msgs: &[MessageToStore<'_>]) -> Result<Vec<PutOk>, PutError> {
        self.check_writable()?;
        let Some(first) = msgs.first() else {
            return Ok(Vec::new());
        };
        for m in msgs {
            self.validate(m)?;
        }
        let sizes: Vec<usize> = msgs.iter().map(MessageToStore::encoded_len).collect();
        let mut put = self.put.lock().unwrap_or_else(|p| p.into_inner());
        let store_ts = now_ms().max(put.last_store_timestamp);
        put.last_store_timestamp = store_ts;
        let base = *put.next_offset(first.topic, first.queue_id);
        let cq = self
            .cqs
            .get_or_create(first.topic, first.queue_id)
            .map_err(|e| self.storage_failure(e))?;
        cq.prepare(base, msgs.len())
            .map_err(|e| self.storage_failure(e))?;
        let mut phys_offset = self
            .commitlog
            .append_with(&sizes, store_ts, |i, slot, phys| {
                msgs[i].encode(slot, base + i as i64, phys, store_ts)
            })
            .map_err(|e| self.storage_failure(e))?;
        let mut out = Vec::with_capacity(msgs.len());
        for (i, (m, &size)) in msgs.iter().zip(&sizes).enumerate() {
            let a = Appended { phys_offset, size };
            phys_offset += size as i64;
            let tags_code = self.tags_code_for(m.topic, m.properties, store_ts);
            write_cq(&cq, base + i as i64, a, tags_code)?;
            out.push(PutOk {
                phys_offset: a.phys_offset,
                size: a.size,
                queue_offset: base + i as i64,
                store_timestamp: store_ts,
            });
        }
        *put.next_offset(first.topic, first.queue_id) = base + msgs.len() as i64;
        drop(put);
        self.new_data.notify();
        self.notify_arrival(first.topic, first.queue_id, base + msgs.len() as i64);
        Ok(out)
    }

    fn notify_arrival(&self, topic: &str, queue_id: i32, next_offset: i64) {
        if let Some(listener) = self.arrival.get() {
            listener(topic, queue_id, next_offset);
        }
    }

    /// Whether puts must wait for [`Self::wait_flushed`] before they are acknowledged.
    pub fn is_sync_flush(&self) -> bool {
        self.cfg.flush_disk_type == FlushDiskType::SyncFlush
    }

    /// Asks the flush thread to make the CommitLog durable up to `end_offset`; the future
    /// completes once it is. It has no timeout of its own: a caller that must answer within
    /// `syncFlushTimeout` (FLUSH_DISK_TIMEOUT: stored, not yet known to be on disk) wraps it
    /// in its runtime's timer.
    pub fn wait_flushed(&self, end_offset: i64) -> OffsetWait<'_> {
        let wake = {
            let mut requested = self
                .flush
                .requested
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            requested.offset = requested.offset.max(end_offset);
            requested.writers += 1;
            requested.wake_at != 0 && requested.writers >= requested.wake_at
        };
        if wake {
            self.flush.wake.notify_one();
        }
        self.flush.flushed.wait(end_offset)
    }

    /// Count and total time of the CommitLog flushes that wrote something.
    pub fn flush_stats(&self) -> FlushStats {
        FlushStats {
            count: self.flush.flushes.load(Ordering::Relaxed),
            nanos: self.flush.flush_nanos.load(Ordering::Relaxed),
        }
    }

    /// CommitLog offset known to be durable.
    pub fn flushed_offset(&self) -> i64 {
        self.flush.flushed.get()
    }

    // -----------------------------------------------------------------------------------------
    // Replication (HA): raw CommitLog bytes out of a master, into a slave

    /// Offset one past the last CommitLog byte.
    pub fn max_phys_offset(&self) -> i64 {
        self.commitlog.max_offset()
    }

    /// Offset of the first CommitLog byte still on disk.
    pub fn min_phys_offset(&self) -> i64 {
        self.commitlog.min_offset()
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// Up to `max_len` published CommitLog bytes from `offset`, never crossing a file: a
    /// zero-copy view of the mapping. `None` when nothing is there (yet, or any more).
    pub fn commitlog_bytes(&self, offset: i64, max_len: usize) -> Option<Bytes> {
        let (file, pos) = self.commitlog.read(offset)?;
        let len = file.write_pos().saturating_sub(pos).min(max_len);
        if len == 0 {
            return None;
        }
        file.slice_bytes(pos, len)
    }

    /// Completes once the CommitLog holds data past `after` (woken from the put path).
    pub fn wait_new_data(&self, after: i64) -> NewDataWait<'_> {
        NewDataWait { store: self, after }
    }

    /// On a slave: appends bytes a master sent for CommitLog offset `offset`, which must be
    /// this store's max offset (or anything, for an empty store), then builds the
    /// ConsumeQueue entries of the records it completes. Returns the new max offset. Blocking
    /// file I/O: run it off an async reactor.
    pub fn append_replicated(&self, offset: i64, data: &[u8]) -> Result<i64, ReplicaError> {
        let put = self.put.lock().unwrap_or_else(|p| p.into_inner());
        let max = self.commitlog.max_offset();
        let empty = self.commitlog.files().is_empty();
        if !empty && offset != max {
            return Err(ReplicaError::OffsetMismatch { offset, max });
        }
        if data.is_empty() {
            return Ok(max);
        }
        let file = self.commitlog.files().last_or_create(offset)?;
        let pos = offset - file.from_offset();
        if pos < 0 || pos as usize > file.size() {
            return Err(ReplicaError::OffsetMismatch {
                offset,
                max: file.from_offset() + file.write_pos() as i64,
            });
        }
        let pos = pos as usize;
        if data.len() > file.size() - pos {
            return Err(ReplicaError::CrossesFile {
                offset,
                len: data.len(),
                room: file.size() - pos,
            });
        }
        if empty {
            // A new slave starts where its master's last file starts.
            file.set_write_pos(pos);
            self.replica_dispatched.store(offset, Ordering::Release);
            self.index_dispatched.store(offset, Ordering::Release);
        }
        // A file loaded at start-up may be sparse: never store into pages without blocks.
        self.commitlog
            .files()
            .ensure_allocated(&file, pos + data.len())?;
        // SAFETY: the put lock is held (single writer) and `pos` is the published end of the
        // file; the bytes are published by `set_write_pos` after the copy.
        let slot = unsafe { file.write_slot(pos, data.len()) };
        slot.copy_from_slice(data);
        file.set_write_pos(pos + data.len());
        drop(put);
        self.dispatch_replicated()?;
        self.new_data.notify();
        Ok(self.commitlog.max_offset())
    }

    /// Puts the records replicated since the last call into the ConsumeQueues (a partial
    /// record at the end waits for the rest of its bytes) and wakes long polls.
    fn dispatch_replicated(&self) -> Result<(), StoreError> {
        let mut offset = self.replica_dispatched.load(Ordering::Acquire);
        let end = self.commitlog.max_offset();
        let mut put = self.put.lock().unwrap_or_else(|p| p.into_inner());
        let mut arrived: Vec<(String, i32, i64)> = Vec::new();
        while offset < end {
            let Some((file, pos)) = self.commitlog.read(offset) else {
                break;
            };
            match message::decode_record(file.read_from(pos)) {
                Ok(message::Record::Message(view)) => {
                    let tx = sys_flag::transaction_value(view.sys_flag);
                    self.dispatch_to_consume_queue(&view)?;
                    if tx == sys_flag::TRANSACTION_NOT_TYPE || tx == sys_flag::TRANSACTION_COMMIT {
                        let topic = view.topic();
                        *put.next_offset(&topic, view.queue_id) = view.queue_offset + 1;
                        arrived.push((topic.to_string(), view.queue_id, view.queue_offset + 1));
                    }
                    put.last_store_timestamp = put.last_store_timestamp.max(view.store_timestamp);
                    file.set_last_store_timestamp(view.store_timestamp);
                    offset += view.raw.len() as i64;
                }
                Ok(message::Record::Blank { .. }) => {
                    if file.write_pos() < file.size() {
                        break; // the rest of the file is still on its way
                    }
                    offset = file.from_offset() + file.size() as i64;
                }
                Ok(message::Record::End) => break,
                Err(message::DecodeError::Truncated { .. }) => break,
                Err(e) => {
                    return Err(StoreError::Corrupt {
                        path: file.path().to_path_buf(),
                        reason: format!("replicated record at {offset}: {e}"),
                    })
                }
            }
        }
        self.replica_dispatched.store(offset, Ordering::Release);
        drop(put);
        for (topic, queue_id, next) in arrived {
            self.notify_arrival(&topic, queue_id, next);
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Reading

    pub fn min_offset(&self, topic: &str, queue_id: i32) -> i64 {
        self.cqs
            .get(topic, queue_id)
            .map_or(0, |cq| cq.min_offset())
    }

    pub fn max_offset(&self, topic: &str, queue_id: i32) -> i64 {
        self.cqs
            .get(topic, queue_id)
            .map_or(0, |cq| cq.max_offset())
    }

    /// Store time of the message at logical `offset`.
    pub fn store_time_at(&self, topic: &str, queue_id: i32, offset: i64) -> Option<i64> {
        let entry = self.cqs.get(topic, queue_id)?.get(offset)?;
        self.commitlog.store_timestamp(entry.phys_offset)
    }

    /// Store time of the message that starts at CommitLog `phys_offset`; `None` when no
    /// message starts there (e.g. a replication offset in the middle of one).
    pub fn store_time_at_phys(&self, phys_offset: i64) -> Option<i64> {
        self.commitlog
            .with_record(phys_offset, |r| {
                (r.physical_offset == phys_offset).then_some(r.store_timestamp)
            })
            .flatten()
    }

    /// Store time of the oldest message still in the queue (`-1` when empty, as Java answers).
    pub fn earliest_store_time(&self, topic: &str, queue_id: i32) -> i64 {
        self.store_time_at(topic, queue_id, self.min_offset(topic, queue_id))
            .unwrap_or(-1)
    }

    /// The first offset stored at or after `timestamp` ms.
    pub fn offset_by_time(&self, topic: &str, queue_id: i32, timestamp: i64) -> i64 {
        match self.cqs.get(topic, queue_id) {
            Some(cq) => {
                cq.offset_by_time(timestamp, |e| self.commitlog.store_timestamp(e.phys_offset))
            }
            None => 0,
        }
    }

    /// The stored record at a physical offset (VIEW_MESSAGE_BY_ID), zero-copy.
    pub fn record_at(&self, phys_offset: i64) -> Option<Bytes> {
        let size = self.commitlog.with_record(phys_offset, |r| r.raw.len())?;
        self.commitlog.bytes(phys_offset, size)
    }

    /// Reads up to `max_msgs` messages of a queue from `offset`, applying `filter` (Java
    /// `DefaultMessageStore.getMessage`, including its byte/count limits).
    pub fn get_messages(
        &self,
        topic: &str,
        queue_id: i32,
        offset: i64,
        max_msgs: usize,
        filter: &dyn MessageFilter,
    ) -> GetResult {
        let mut result = GetResult {
            status: GetStatus::NoMatchedLogicQueue,
            next_begin_offset: 0,
            min_offset: 0,
            max_offset: 0,
            messages: Vec::new(),
            suggest_slave: false,
        };
        let Some(cq) = self.cqs.get(topic, queue_id) else {
            // Java creates the queue on demand, so a missing queue reads as an empty one.
            result.status = GetStatus::NoMessageInQueue;
            return result;
        };
        let (min, max) = (cq.min_offset(), cq.max_offset());
        result.min_offset = min;
        result.max_offset = max;
        if max == 0 {
            result.status = GetStatus::NoMessageInQueue;
            return result;
        }
        if offset < min {
            result.status = GetStatus::OffsetTooSmall;
            result.next_begin_offset = min;
            return result;
        }
        if offset == max {
            result.status = GetStatus::OffsetOverflowOne;
            result.next_begin_offset = offset;
            return result;
        }
        if offset > max {
            result.status = GetStatus::OffsetOverflowBadly;
            result.next_begin_offset = max;
            return result;
        }
        let scan_units = 16000usize.max(max_msgs.saturating_mul(20)) / 20;
        let entries = cq.read(offset, scan_units);
        if entries.is_empty() {
            result.status = GetStatus::OffsetFoundNull;
            result.next_begin_offset = cq.roll_next_file(offset);
            return result;
        }
        let commitlog_max = self.commitlog.max_offset();
        let commitlog_min = self.commitlog.min_offset();
        let mut status = GetStatus::NoMatchedMessage;
        let mut scanned = 0i64;
        let mut bytes = 0usize;
        let mut max_phys_seen = 0i64;
        for entry in &entries {
            // Java's `isTheBatchFull` never counts an empty batch as full, so a pull asking for
            // 0 messages (the Go lite-pull consumer's default) still gets one.
            if !result.messages.is_empty() && result.messages.len() >= max_msgs {
                break;
            }
            let in_disk = self.is_in_disk(commitlog_max - entry.phys_offset);
            let (max_bytes, max_count) = if in_disk {
                (
                    self.cfg.max_transfer_bytes_on_message_in_disk as usize,
                    self.cfg.max_transfer_count_on_message_in_disk as usize,
                )
            } else {
                (
                    self.cfg.max_transfer_bytes_on_message_in_memory as usize,
                    self.cfg.max_transfer_count_on_message_in_memory as usize,
                )
            };
            if !result.messages.is_empty()
                && (bytes + entry.size as usize > max_bytes
                    || result.messages.len() + 1 > max_count)
            {
                break;
            }
            scanned += 1;
            max_phys_seen = entry.phys_offset;
            if *entry == CqEntry::PRE_FILL {
                continue;
            }
            if entry.phys_offset < commitlog_min {
                status = GetStatus::MessageWasRemoving;
                continue;
            }
            if !filter.matches_tags_code(entry.tags_code) {
                if result.messages.is_empty() {
                    status = GetStatus::NoMatchedMessage;
                }
                continue;
            }
            let Some(record) = self.commitlog.bytes(entry.phys_offset, entry.size as usize) else {
                if result.messages.is_empty() {
                    status = GetStatus::MessageWasRemoving;
                }
                continue;
            };
            let passes = match message::decode_record(&record) {
                Ok(message::Record::Message(view)) => filter.matches_record(&view),
                _ => false,
            };
            if !passes {
                continue;
            }
            bytes += record.len();
            result.messages.push(record);
            status = GetStatus::Found;
        }
        result.status = status;
        result.next_begin_offset = offset + scanned;
        result.suggest_slave = self.is_in_disk(commitlog_max - max_phys_seen);
        result
    }

    fn is_in_disk(&self, behind: i64) -> bool {
        let limit = self.memory_bytes as f64
            * f64::from(self.cfg.access_message_in_memory_max_ratio)
            / 100.0;
        behind as f64 > limit
    }

    /// Queue ids known for `topic`, with their (min, max) offsets.
    pub fn queue_offsets(&self, topic: &str) -> Vec<(i32, i64, i64)> {
        self.cqs
            .of_topic(topic)
            .iter()
            .map(|cq| (cq.queue_id(), cq.min_offset(), cq.max_offset()))
            .collect()
    }

    /// Physical offsets of messages with `key` (a KEYS token or UNIQ_KEY) stored in
    /// `[begin, end]` ms, newest first, plus the index's last update time and offset.
    pub fn query_by_key(
        &self,
        topic: &str,
        key: &str,
        max: usize,
        begin: i64,
        end: i64,
    ) -> (Vec<i64>, i64, i64) {
        match &self.index {
            Some(index) => {
                let r = index.query(topic, key, max, begin, end);
                (
                    r.phy_offsets,
                    r.index_last_update_timestamp,
                    r.index_last_update_phyoffset,
                )
            }
            None => (Vec::new(), 0, 0),
        }
    }

    /// Deletes a topic's ConsumeQueues (DELETE_TOPIC_IN_BROKER).
    pub fn delete_topic(&self, topic: &str) -> Result<(), StoreError> {
        let mut put = self.put.lock().unwrap_or_else(|p| p.into_inner());
        put.queue_offsets.remove(topic);
        self.cqs.remove_topic(topic)
    }

    /// Deletes the ConsumeQueues whose every entry points below the CommitLog's min offset
    /// (CLEAN_EXPIRED_CONSUMEQUEUE, Java `cleanExpiredConsumerQueue`): what retention left
    /// behind once all of a queue's messages were deleted. The delay topic's queues and queues
    /// with no entry are kept; a removed queue starts again at offset 0. Returns the removed
    /// queues.
    pub fn clean_expired_consume_queues(&self) -> Result<Vec<(String, i32)>, StoreError> {
        let mut put = self.put.lock().unwrap_or_else(|p| p.into_inner());
        let min = self.commitlog.min_offset();
        let mut removed = Vec::new();
        for cq in self.cqs.all() {
            if cq.topic() == SCHEDULE_TOPIC || cq.max_offset() == 0 {
                continue;
            }
            if cq.max_phys_end() < min {
                self.cqs.remove_queue(cq.topic(), cq.queue_id())?;
                if let Some(slot) = put
                    .queue_offsets
                    .get_mut(cq.topic())
                    .and_then(|v| v.get_mut(cq.queue_id().max(0) as usize))
                {
                    *slot = 0;
                }
                removed.push((cq.topic().to_string(), cq.queue_id()));
            }
        }
        Ok(removed)
    }

    /// The queue for `topic`/`queue_id` (created if missing).
    pub fn consume_queue(
        &self,
        topic: &str,
        queue_id: i32,
    ) -> Result<Arc<ConsumeQueue>, StoreError> {
        self.cqs.get_or_create(topic, queue_id)
    }

    // -----------------------------------------------------------------------------------------
    // Background work

    fn start_threads(self: &Arc<Self>) {
        // Disk usage is known from the start (the guard and retention read it), not only
        // after the first sample of the clean thread.
        self.sample_disks();
        let mut threads = self.threads.lock().unwrap_or_else(|p| p.into_inner());
        let me = Arc::downgrade(self);
        threads.push(spawn("rmq-flush", move || flush_loop(me)));
        let me = Arc::downgrade(self);
        threads.push(spawn("rmq-dispatch", move || dispatch_loop(me)));
        let me = Arc::downgrade(self);
        threads.push(spawn("rmq-clean", move || clean_loop(me)));
    }

    /// Flushes the CommitLog once (and records progress in the checkpoint).
    fn flush_commitlog(&self) -> Result<(), StoreError> {
        let before_ts = self
            .commitlog
            .files()
            .last()
            .map_or(0, |f| f.last_store_timestamp());
        let started = Instant::now();
        let flushed = self.commitlog.flush()?;
        if flushed > self.flushed_offset() {
            self.flush.flushes.fetch_add(1, Ordering::Relaxed);
            self.flush
                .flush_nanos
                .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        }
        if before_ts > 0 {
            self.checkpoint.set_physic_msg_timestamp(before_ts);
        }
        self.flush.flushed.publish(flushed);
        Ok(())
    }

    fn flush_consume_queues(&self) -> Result<(), StoreError> {
        // ConsumeQueue entries are written at put time, so everything stored so far is in them.
        let ts = self
            .put
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last_store_timestamp;
        for cq in self.cqs.all() {
            cq.flush()?;
        }
        if ts > 0 {
            self.checkpoint.set_logics_msg_timestamp(ts);
        }
        if let Some(index) = &self.index {
            // The end time of the newest full file: an abnormal restart rebuilds from there.
            let index_ts = index.flush_full()?;
            if index_ts > 0 {
                self.checkpoint.set_index_msg_timestamp(index_ts);
            }
        }
        self.checkpoint.flush()?;
        Ok(())
    }

    /// Index dispatch: builds index entries for records not yet indexed. Returns how many
    /// records were processed.
    fn dispatch_index(&self) -> usize {
        let from = self.index_dispatched.load(Ordering::Acquire);
        let end = self.commitlog.max_offset();
        if from >= end {
            return 0;
        }
        let mut count = 0usize;
        let mut last = from;
        self.scan_range(from, |record| {
            if let Some(index) = &self.index {
                let topic = record.topic();
                let props = record.properties();
                let [keys, uniq_key] =
                    message::get_properties(&props, [property::KEYS, property::UNIQ_KEY]);
                let request = IndexRequest {
                    topic: &topic,
                    keys,
                    uniq_key,
                    commit_log_offset: record.physical_offset,
                    store_timestamp: record.store_timestamp,
                    sys_flag: record.sys_flag,
                };
                if let Err(e) = index.build_index(&request) {
                    tracing::error!(
                        "index update failed at offset {}: {e}",
                        record.physical_offset
                    );
                }
            }
            last = record.physical_offset + record.raw.len() as i64;
            count += 1;
        });
        // A BLANK at a file end moves the dispatch point to the next file.
        self.index_dispatched
            .store(last.max(from), Ordering::Release);
        if count == 0 {
            if let Some((file, pos)) = self.commitlog.read(from) {
                if matches!(
                    message::decode_record(file.read_from(pos)),
                    Ok(message::Record::Blank { .. })
                ) {
                    self.index_dispatched
                        .store(file.from_offset() + file.size() as i64, Ordering::Release);
                }
            }
        }
        count
    }

    /// Deletes expired CommitLog files (retention) and what referenced them. Returns the count.
    pub fn clean_expired(&self, force: bool) -> Result<usize, StoreError> {
        let reserved = Duration::from_secs(self.cfg.file_reserved_time.max(0) as u64 * 3600);
        let now = std::time::SystemTime::now();
        let dispatched = self.index_dispatched.load(Ordering::Acquire);
        // Retired files are kept for reuse unless the disk is short of space (or its usage
        // is unknown).
        let usage = f64::from_bits(self.disk.usage[0].load(Ordering::Relaxed));
        let reuse = !force
            && (0.0..1.0).contains(&usage)
            && usage * 100.0 < f64::from(self.cfg.effective_disk_max_used_space_ratio());
        let deleted = self.commitlog.files().retire_front_while(reuse, |f| {
            // Never delete data not yet dispatched or flushed.
            let end = f.from_offset() + f.size() as i64;
            if end > dispatched || end > self.flushed_offset() {
                return false;
            }
            let modified = std::fs::metadata(f.path())
                .and_then(|m| m.modified())
                .unwrap_or(now);
            force || now.duration_since(modified).unwrap_or_default() >= reserved
        })?;
        if deleted > 0 {
            self.cqs_correct_min()?;
            if let Some(index) = &self.index {
                index.delete_expired(self.commitlog.min_offset())?;
            }
            tracing::info!(
                "retention deleted {deleted} CommitLog file(s); min offset now {}",
                self.commitlog.min_offset()
            );
        }
        Ok(deleted)
    }

    /// Stops the threads, flushes everything and removes the abort marker (a clean exit).
    pub fn shutdown(&self) -> Result<(), StoreError> {
        if self.shutting_down.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.flush.wake.notify_all();
        let threads: Vec<_> = self
            .threads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
            .collect();
        for t in threads {
            let _ = t.join();
        }
        while self.dispatch_index() > 0 {}
        self.flush_commitlog()?;
        if let Some(index) = &self.index {
            index.flush()?;
        }
        self.flush_consume_queues()?;
        // A next CommitLog or ConsumeQueue file made ahead of need holds nothing: do not
        // leave it behind.
        self.commitlog.files().discard_prepared()?;
        for cq in self.cqs.all() {
            cq.discard_reserved()?;
        }
        let abort = self.root.join("abort");
        if abort.exists() {
            std::fs::remove_file(&abort).map_err(|e| StoreError::io(&abort, e))?;
        }
        Ok(())
    }
}

impl Drop for MessageStore {
    fn drop(&mut self) {
        // Threads hold weak references and exit once the store is gone.
        self.shutting_down.store(true, Ordering::Release);
        self.flush.wake.notify_all();
    }
}

/// Writes a put's ConsumeQueue entry (its file was allocated by `ConsumeQueue::prepare`).
fn write_cq(cq: &ConsumeQueue, offset: i64, a: Appended, tags_code: i64) -> Result<(), StoreError> {
    cq.put(
        offset,
        CqEntry {
            phys_offset: a.phys_offset,
            size: a.size as i32,
            tags_code,
        },
    )
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(f)
        .expect("spawning a store thread")
}

/// SYNC_FLUSH: group commit (see [`sync_flush_group`]). ASYNC_FLUSH: flush every
/// `flushIntervalCommitLog` ms. ConsumeQueues and the checkpoint are flushed every
/// `flushIntervalConsumeQueue` ms in both modes.
fn flush_loop(store: std::sync::Weak<MessageStore>) {
    let mut last_cq_flush = Instant::now();
    let mut group = GroupPacing::default();
    loop {
        let Some(s) = store.upgrade() else { return };
        if s.shutting_down.load(Ordering::Acquire) {
            return;
        }
        let interval = Duration::from_millis(s.cfg.flush_interval_commit_log.max(1) as u64);
        if s.is_sync_flush() {
            sync_flush_group(&s, &mut group);
        } else {
            let guard = s.flush.requested.lock().unwrap_or_else(|p| p.into_inner());
            let _ = s.flush.wake.wait_timeout(guard, interval);
        }
        if s.shutting_down.load(Ordering::Acquire) {
            return;
        }
        let started = Instant::now();
        if let Err(e) = s.flush_commitlog() {
            tracing::error!("CommitLog flush failed: {e}");
        }
        group.flushed(&s, started.elapsed());
        let cq_interval = Duration::from_millis(s.cfg.flush_interval_consume_queue.max(1) as u64);
        if last_cq_flush.elapsed() >= cq_interval {
            last_cq_flush = Instant::now();
            if let Err(e) = s.flush_consume_queues() {
                tracing::error!("ConsumeQueue flush failed: {e}");
            }
        }
    }
}

/// What the SYNC_FLUSH flush thread remembers between groups.
#[derive(Default)]
struct GroupPacing {
    /// Writers the flush that just finished made durable (answered together).
    answered: usize,
    /// Writers that asked while that flush ran.
    arrived_during: usize,
    /// How long that flush took.
    last_flush: Duration,
}

impl GroupPacing {
    fn flushed(&mut self, s: &MessageStore, took: Duration) {
        self.arrived_during = s
            .flush
            .requested
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .writers;
        self.last_flush = took;
    }
}

/// Longest a group waits to fill, as a fraction of the last flush's duration: waiting costs each
/// writer of the group at most this much latency.
const GROUP_FILL_WAIT_DIVISOR: u32 = 1;

/// Waits until a SYNC_FLUSH group is worth flushing, then starts a new one.
///
/// Flushing as soon as anyone waits splits the writers in two groups that take turns: a send
/// that arrives while an msync runs waits for it and then for its own, so each msync carries
/// about half of what is in flight (measured: 30 of 64). Instead, after a flush, wait (briefly)
/// for the writers it answered to come back: they send again within a round trip, and the next
/// msync carries them together with those that arrived during the last one. A writer that does
/// not come back costs the group at most `last flush / GROUP_FILL_WAIT_DIVISOR`.
fn sync_flush_group(s: &MessageStore, pacing: &mut GroupPacing) {
    let mut requested = s.flush.requested.lock().unwrap_or_else(|p| p.into_inner());
    if requested.offset <= s.flushed_offset() {
        // Nothing to flush: sleep until the first writer asks (or 10 ms, to notice shutdown).
        requested.wake_at = 1;
        requested = s
            .flush
            .wake
            .wait_timeout(requested, Duration::from_millis(10))
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
    let target = pacing.answered + pacing.arrived_during;
    if requested.writers > 0 && requested.writers < target {
        let deadline = Instant::now() + pacing.last_flush / GROUP_FILL_WAIT_DIVISOR;
        requested.wake_at = target;
        while requested.writers < target {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || s.shutting_down.load(Ordering::Acquire) {
                break;
            }
            requested = s
                .flush
                .wake
                .wait_timeout(requested, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
    requested.wake_at = 0;
    pacing.answered = std::mem::take(&mut requested.writers);
}

fn dispatch_loop(store: std::sync::Weak<MessageStore>) {
    loop {
        let Some(s) = store.upgrade() else { return };
        if s.shutting_down.load(Ordering::Acquire) {
            return;
        }
        let n = s.dispatch_index();
        drop(s);
        if n == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// The disk guard (sampled every [`DISK_SAMPLE_INTERVAL`]: writes are refused above
/// [`DISK_FULL_RATIO`] and accepted again below [`DISK_OK_RATIO`]) and retention (at the hours
/// of `deleteWhen`, or whenever the disk is above `diskMaxUsedSpaceRatio`).
fn clean_loop(store: std::sync::Weak<MessageStore>) {
    let mut next = Instant::now();
    loop {
        std::thread::sleep(DISK_SAMPLE_INTERVAL);
        let Some(s) = store.upgrade() else { return };
        if s.shutting_down.load(Ordering::Acquire) {
            return;
        }
        let usage = s.sample_disks().unwrap_or(0.0);
        if Instant::now() < next {
            continue;
        }
        next =
            Instant::now() + Duration::from_millis(s.cfg.clean_resource_interval.max(100) as u64);
        let over = usage * 100.0 > f64::from(s.cfg.effective_disk_max_used_space_ratio());
        let hour = local_hour_now();
        let time_to_delete = s.cfg.delete_when.iter().any(|&h| i64::from(h) == hour);
        if time_to_delete || over {
            // Java deletes files still within fileReservedTime only above its
            // diskSpaceCleanForciblyRatio (`cleanImmediately`), not at diskMaxUsedSpaceRatio.
            let force = s.cfg.clean_file_forcibly_enable && usage > DISK_OK_RATIO;
            if let Err(e) = s.clean_expired(force) {
                tracing::error!("retention failed: {e}");
            }
        }
    }
}

/// Takes the store's `lock` file, refusing a store another process holds. Two locks: an
/// `fcntl` record lock on byte 0 (what Java's `FileChannel.tryLock` takes, so a Java broker on
/// the same store is refused too) and an `flock` (which, unlike `fcntl`, also conflicts within
/// one process).
pub(crate) fn lock_store(root: &Path) -> Result<File, StoreError> {
    use std::os::unix::io::AsRawFd;
    let path = root.join("lock");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| StoreError::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(StoreError::Locked {
                root: root.to_path_buf(),
            })
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(StoreError::io(&path, e)),
    }
    // SAFETY: a plain fcntl call on a descriptor we own, with an initialised flock struct.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as libc::c_short;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    lock.l_start = 0;
    lock.l_len = 1;
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &lock) } != 0 {
        let err = std::io::Error::last_os_error();
        return match err.raw_os_error() {
            Some(libc::EACCES) | Some(libc::EAGAIN) => Err(StoreError::Locked {
                root: root.to_path_buf(),
            }),
            _ => Err(StoreError::io(&path, err)),
        };
    }
    // Java writes these 4 bytes into its lock file; do the same so the trees look alike.
    use std::os::unix::fs::FileExt;
    let _ = file.write_at(b"lock", 0);
    Ok(file)
}

fn role_code(role: BrokerRole) -> u8 {
    match role {
        BrokerRole::AsyncMaster => 0,
        BrokerRole::SyncMaster => 1,
        BrokerRole::Slave => 2,
    }
}

fn role_from_code(code: u8) -> BrokerRole {
    match code {
        1 => BrokerRole::SyncMaster,
        2 => BrokerRole::Slave,
        _ => BrokerRole::AsyncMaster,
    }
}
