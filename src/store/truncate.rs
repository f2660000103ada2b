//! Offline truncation of a store at a CommitLog record boundary (`rmq store truncate`): the
//! old master of a failover, which wrote further than its slave replicated, is cut back to
//! where the new master's log diverges so it can rejoin as a slave.
//!
//! [`plan`] scans the CommitLog from the file holding the cut to the end of the valid data and
//! lists what would go (one JSON line per removed message, for the `--removed` file). [`apply`]
//! then, with the store lock held:
//! - deletes the CommitLog files that start past the cut and zero-fills the file holding it from
//!   the cut to its old end of data, so recovery (rmq's and Java's, which stop at a record whose
//!   size and magic are zero) finds the end of the log there;
//! - cuts every ConsumeQueue before its first entry at or past the cut the same way (entries
//!   zeroed, files starting past it deleted), which keeps the queue's next offset right;
//! - deletes the index files holding entries at or past the cut and re-indexes the remaining
//!   CommitLog records from where the kept files end (with [`IndexService`], as the broker's
//!   dispatcher does);
//! - lowers the checkpoint's timestamps to the last kept message, so an abnormal recovery
//!   starts early enough.
//!
//! The broker config files (consumer and delay offsets) belong to the broker and are clamped by
//! the caller with the new queue ends [`Applied::queue_ends`] gives.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use super::checkpoint::StoreCheckpoint;
use super::consume_queue::{CqEntry, CQ_UNIT};
use super::index::{IndexFile, IndexRequest, IndexService};
use super::inspect::{
    log_files_in, CommitLogScanner, IndexGeometry, InspectError, LogFile, OffsetMsgId, ScanItem,
    StoreLayout,
};
use super::message_store::lock_store;
use super::StoreError;
use crate::common::message::{self, property, RecordView};

/// Why a store cannot be truncated at an offset.
#[derive(Debug, Error)]
pub enum TruncateError {
    #[error(transparent)]
    Inspect(#[from] InspectError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "offset {offset} is inside the record at {record_start} (the nearest record boundaries \
         are {record_start} and {record_end})"
    )]
    MidRecord {
        offset: i64,
        record_start: i64,
        record_end: i64,
    },
    #[error("offset {offset} is past the end of the valid CommitLog data ({data_end})")]
    PastEnd { offset: i64, data_end: i64 },
    #[error("offset {offset} is before the first CommitLog file (offset {min_offset})")]
    BeforeStart { offset: i64, min_offset: i64 },
    #[error(
        "the index files need maxHashSlotNum/maxIndexNum and cannot be told from {}: give the \
         broker config with -c",
        path.display()
    )]
    IndexGeometry { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_err(path: &Path, source: std::io::Error) -> TruncateError {
    TruncateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One message a truncation removes (a line of the `--removed` file).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemovedMessage {
    /// The offset message id (store host and physical offset).
    pub msg_id: String,
    /// The client's message id (`UNIQ_KEY`), when it set one.
    pub uniq_key: Option<String>,
    pub topic: String,
    pub queue_id: i32,
    pub queue_offset: i64,
    pub physical_offset: i64,
    pub size: i32,
    /// The `KEYS` property.
    pub keys: Option<String>,
    pub store_timestamp: i64,
}

impl RemovedMessage {
    fn of(record: &RecordView<'_>) -> RemovedMessage {
        let props = record.properties();
        RemovedMessage {
            msg_id: OffsetMsgId {
                store_host: record.store_host,
                offset: record.physical_offset,
            }
            .to_string(),
            uniq_key: message::get_property(&props, property::UNIQ_KEY).map(str::to_string),
            topic: record.topic().into_owned(),
            queue_id: record.queue_id,
            queue_offset: record.queue_offset,
            physical_offset: record.physical_offset,
            size: record.total_size,
            keys: message::get_property(&props, property::KEYS).map(str::to_string),
            store_timestamp: record.store_timestamp,
        }
    }
}

/// What cutting the CommitLog at an offset removes, found without changing anything.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TruncatePlan {
    /// The cut: the first CommitLog byte that goes.
    pub offset: i64,
    /// The end of the valid CommitLog data before the cut.
    pub data_end: i64,
    /// Bytes of CommitLog data removed (`data_end - offset`).
    pub removed_bytes: i64,
    /// Store timestamp of the last message kept (0 when none is known).
    pub last_kept_store_timestamp: i64,
    /// CommitLog files deleted (they start past the cut).
    pub commitlog_files_deleted: Vec<PathBuf>,
    /// The CommitLog file zero-filled from the cut on, if any data follows the cut in it.
    pub commitlog_file_cut: Option<LogFile>,
    /// Removed messages per topic.
    pub per_topic: BTreeMap<String, u64>,
    /// The removed messages, in CommitLog order.
    pub removed: Vec<RemovedMessage>,
    /// The geometry of the index files (`None` without index files).
    #[serde(skip)]
    pub index_geometry: Option<IndexGeometry>,
    /// Whether the store's `abort` file is present (the last broker run did not shut down
    /// cleanly; the next start recovers abnormally).
    pub unclean_shutdown: bool,
}

impl TruncatePlan {
    /// The removed messages as JSON lines (the `--removed` file).
    pub fn removed_jsonl(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for m in &self.removed {
            // Serialising plain strings and numbers cannot fail.
            if serde_json::to_writer(&mut out, m).is_ok() {
                out.push(b'\n');
            }
        }
        out
    }
}

/// Holds the store's `lock` file (the one a running rmq or Java broker holds), so no broker
/// starts on the store while it is being truncated.
pub struct StoreLock {
    _file: File,
}

impl StoreLock {
    /// Takes the lock, refusing ([`StoreError::Locked`]) a store a broker is running on.
    pub fn acquire(root: &Path) -> Result<StoreLock, TruncateError> {
        Ok(StoreLock {
            _file: lock_store(root)?,
        })
    }
}

/// Reports scan progress in CommitLog bytes, at most about once per MiB.
struct ScanProgress<'p> {
    report: &'p mut dyn FnMut(u64, u64),
    from: i64,
    total: u64,
    last: i64,
}

impl<'p> ScanProgress<'p> {
    fn new(report: &'p mut dyn FnMut(u64, u64), from: i64, to: i64) -> ScanProgress<'p> {
        let total = (to - from).max(0) as u64;
        report(0, total);
        ScanProgress {
            report,
            from,
            total,
            last: from,
        }
    }

    fn at(&mut self, offset: i64) {
        if offset - self.last >= 1 << 20 {
            self.last = offset;
            (self.report)(
                ((offset - self.from).max(0) as u64).min(self.total),
                self.total,
            );
        }
    }

    fn done(&mut self) {
        (self.report)(self.total, self.total);
    }
}

/// Finds what cutting the CommitLog at `offset` removes. `offset` must be a record boundary
/// (the start of a record or of an end-of-file filler, a file start) or the end of the valid
/// data. `progress(done, total)` is called with CommitLog bytes scanned.
pub fn plan(
    layout: &StoreLayout,
    offset: i64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<TruncatePlan, TruncateError> {
    layout.ensure_store()?;
    let scanner = CommitLogScanner::open_dir(&layout.commitlog_dir)?;
    let min_offset = scanner.min_offset();
    if offset < min_offset {
        return Err(TruncateError::BeforeStart { offset, min_offset });
    }
    let mut plan = TruncatePlan {
        offset,
        data_end: min_offset,
        removed_bytes: 0,
        last_kept_store_timestamp: 0,
        commitlog_files_deleted: Vec::new(),
        commitlog_file_cut: None,
        per_topic: BTreeMap::new(),
        removed: Vec::new(),
        unclean_shutdown: layout.root.join("abort").exists(),
        // Told before anything changes: an index that cannot be rebuilt must stop the cut.
        index_geometry: index_geometry(layout)?,
    };
    // Start one byte before the cut: when the cut is a file's start, the previous file holds
    // the last kept message (its timestamp goes into the checkpoint).
    let mut data_end = None;
    let scan_from = scanner
        .files()
        .iter()
        .find(|f| f.end_offset() > offset - 1)
        .map_or(offset, |f| f.base_offset);
    let mut progress = ScanProgress::new(progress, scan_from, scanner.file_end());
    'files: for file in scanner.mapped_files(offset - 1) {
        let file = file?;
        for item in file.records() {
            let (start, end) = match item {
                ScanItem::Message { offset: at, record } => {
                    let end = at + record.raw.len() as i64;
                    if at >= offset {
                        *plan
                            .per_topic
                            .entry(record.topic().into_owned())
                            .or_default() += 1;
                        plan.removed.push(RemovedMessage::of(&record));
                    } else {
                        plan.last_kept_store_timestamp = record.store_timestamp;
                    }
                    (at, end)
                }
                ScanItem::Blank { offset: at, .. } => (at, file.info().end_offset()),
                ScanItem::End { offset: at } | ScanItem::Corrupt { offset: at, .. } => {
                    // Recovery stops at the first position holding no record: that is the end
                    // of the data, whatever follows.
                    data_end = Some(at);
                    break 'files;
                }
            };
            progress.at(end);
            if start < offset && offset < end {
                return Err(TruncateError::MidRecord {
                    offset,
                    record_start: start,
                    record_end: end,
                });
            }
        }
    }
    progress.done();
    let data_end = data_end.unwrap_or_else(|| scanner.file_end());
    if offset > data_end {
        return Err(TruncateError::PastEnd { offset, data_end });
    }
    plan.data_end = data_end;
    plan.removed_bytes = data_end - offset;
    for f in scanner.files() {
        if f.base_offset > offset {
            plan.commitlog_files_deleted.push(f.path.clone());
        } else if offset < f.end_offset() && offset < data_end {
            plan.commitlog_file_cut = Some(f.clone());
        }
    }
    Ok(plan)
}

/// One ConsumeQueue a truncation cut.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueCut {
    pub topic: String,
    pub queue_id: i32,
    /// The queue's next offset before.
    pub old_max_offset: i64,
    /// The queue's next offset now.
    pub new_max_offset: i64,
    /// ConsumeQueue files deleted.
    pub files_deleted: usize,
}

/// What [`apply`] changed besides the CommitLog the plan lists.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// ConsumeQueues that lost entries.
    pub queues: Vec<QueueCut>,
    /// Index files deleted (they held entries at or past the cut).
    pub index_files_deleted: Vec<PathBuf>,
    /// Messages re-indexed into new index files.
    pub messages_reindexed: u64,
    /// Whether the checkpoint was rewritten.
    pub checkpoint_updated: bool,
}

impl Applied {
    /// `(topic, queueId) -> next offset` of every queue that lost entries.
    pub fn queue_ends(&self) -> BTreeMap<(String, i32), i64> {
        self.queues
            .iter()
            .map(|q| ((q.topic.clone(), q.queue_id), q.new_max_offset))
            .collect()
    }
}

/// Carries out `plan` (made by [`plan`] on this store, unchanged since). The caller holds the
/// [`StoreLock`]. `progress(done, total)` is called with the CommitLog bytes re-indexed.
pub fn apply(
    layout: &StoreLayout,
    plan: &TruncatePlan,
    _lock: &StoreLock,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Applied, TruncateError> {
    let offset = plan.offset;
    let mut applied = Applied::default();
    // The CommitLog: later files first, so an interrupted run leaves a log recovery still cuts
    // at the same place (it stops at the zeros and drops the files after them).
    for path in plan.commitlog_files_deleted.iter().rev() {
        std::fs::remove_file(path).map_err(|e| io_err(path, e))?;
    }
    if let Some(f) = &plan.commitlog_file_cut {
        let base = f.base_offset;
        zero_range(
            &f.path,
            (offset - base) as u64,
            (plan.data_end - base) as u64,
        )?;
    }
    applied.queues = cut_consume_queues(&layout.consumequeue_dir, offset)?;
    cut_index(layout, plan, &mut applied, progress)?;
    let checkpoint = &layout.checkpoint_file;
    if checkpoint.is_file() {
        let cp = StoreCheckpoint::open(checkpoint).map_err(StoreError::from)?;
        let ts = plan.last_kept_store_timestamp;
        cp.set_physic_msg_timestamp(cp.physic_msg_timestamp().min(ts));
        cp.set_logics_msg_timestamp(cp.logics_msg_timestamp().min(ts));
        cp.set_index_msg_timestamp(cp.index_msg_timestamp().min(ts));
        cp.set_master_flushed_offset(cp.master_flushed_offset().min(offset));
        cp.set_confirm_phy_offset(cp.confirm_phy_offset().min(offset));
        cp.flush().map_err(StoreError::from)?;
        applied.checkpoint_updated = true;
    }
    Ok(applied)
}

/// Writes zeros over `[from, to)` of `path` (skipping blocks that are zero already) and syncs.
fn zero_range(path: &Path, from: u64, to: u64) -> Result<(), TruncateError> {
    const BLOCK: u64 = 1 << 20;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| io_err(path, e))?;
    let len = file.metadata().map_err(|e| io_err(path, e))?.len();
    let to = to.min(len);
    let zeros = vec![0u8; BLOCK as usize];
    let mut buf = vec![0u8; BLOCK as usize];
    let mut at = from;
    while at < to {
        let n = (to - at).min(BLOCK) as usize;
        file.read_exact_at(&mut buf[..n], at)
            .map_err(|e| io_err(path, e))?;
        if buf[..n].iter().any(|&b| b != 0) {
            file.write_all_at(&zeros[..n], at)
                .map_err(|e| io_err(path, e))?;
        }
        at += n as u64;
    }
    file.sync_all().map_err(|e| io_err(path, e))
}

/// The entry at entry index `i` of a ConsumeQueue file.
fn cq_entry(file: &File, path: &Path, i: u64) -> Result<CqEntry, TruncateError> {
    let mut unit = [0u8; CQ_UNIT];
    file.read_exact_at(&mut unit, i * CQ_UNIT as u64)
        .map_err(|e| io_err(path, e))?;
    Ok(CqEntry::decode(&unit))
}

/// The first entry index of `[0, n)` for which `pred` is false; `pred` must hold on a prefix.
fn partition_point(
    n: u64,
    mut pred: impl FnMut(u64) -> Result<bool, TruncateError>,
) -> Result<u64, TruncateError> {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid)? {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// Cuts every ConsumeQueue under `cq_dir` before its first entry referencing CommitLog bytes
/// at or past `offset`. Written entries are a prefix of each file and their physical offsets
/// grow, so both ends are found by binary search instead of reading whole files.
fn cut_consume_queues(cq_dir: &Path, offset: i64) -> Result<Vec<QueueCut>, TruncateError> {
    let mut cuts = Vec::new();
    let Ok(topics) = std::fs::read_dir(cq_dir) else {
        return Ok(cuts);
    };
    let mut queue_dirs = Vec::new();
    for topic in topics {
        let topic = topic.map_err(|e| io_err(cq_dir, e))?;
        let Ok(name) = topic.file_name().into_string() else {
            continue;
        };
        let Ok(ids) = std::fs::read_dir(topic.path()) else {
            continue;
        };
        for id in ids.flatten() {
            if let Some(q) = id.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) {
                if id.path().is_dir() {
                    queue_dirs.push((name.clone(), q, id.path()));
                }
            }
        }
    }
    queue_dirs.sort();
    for (topic, queue_id, dir) in queue_dirs {
        if let Some(cut) = cut_queue(&dir, offset)? {
            cuts.push(QueueCut {
                topic,
                queue_id,
                ..cut
            });
        }
    }
    Ok(cuts)
}

fn cut_queue(dir: &Path, offset: i64) -> Result<Option<QueueCut>, TruncateError> {
    let files = log_files_in(dir)?;
    let unit = CQ_UNIT as u64;
    // (file, entries written in it), last file first.
    let mut written = Vec::new();
    let mut old_end = None;
    for (i, f) in files.iter().enumerate().rev() {
        let file = File::open(&f.path).map_err(|e| io_err(&f.path, e))?;
        let slots = f.len / unit;
        let valid = partition_point(slots, |k| Ok(cq_entry(&file, &f.path, k)?.is_valid()))?;
        if old_end.is_none() && (valid > 0 || i == 0) {
            old_end = Some(f.base_offset + (valid * unit) as i64);
        }
        let keep = partition_point(valid, |k| {
            let e = cq_entry(&file, &f.path, k)?;
            Ok(e == CqEntry::PRE_FILL || e.phys_offset < offset)
        })?;
        written.push((f.clone(), valid, keep));
        if keep > 0 {
            break;
        }
    }
    let Some(old_end) = old_end else {
        return Ok(None);
    };
    // The file holding the new end: the first (from the back) that keeps an entry, else the
    // queue's first file (kept, zeroed, so the queue's offsets do not restart).
    let Some(&(ref holder, _, keep)) = written.last() else {
        return Ok(None);
    };
    let new_end = holder.base_offset + (keep * unit) as i64;
    if new_end >= old_end {
        return Ok(None);
    }
    let mut files_deleted = 0;
    for (f, valid, keep) in &written {
        if f.base_offset > new_end {
            std::fs::remove_file(&f.path).map_err(|e| io_err(&f.path, e))?;
            files_deleted += 1;
        } else {
            zero_range(&f.path, keep * unit, valid * unit)?;
        }
    }
    Ok(Some(QueueCut {
        topic: String::new(),
        queue_id: 0,
        old_max_offset: old_end / CQ_UNIT as i64,
        new_max_offset: new_end / CQ_UNIT as i64,
        files_deleted,
    }))
}

/// The geometry of the store's index files: from the broker config, else from the first
/// file's size; `None` without index files.
fn index_geometry(layout: &StoreLayout) -> Result<Option<IndexGeometry>, TruncateError> {
    let dir = &layout.index_dir;
    if !dir.is_dir() {
        return Ok(None);
    }
    let paths = super::inspect::index_files_in(dir)?;
    let Some(first) = paths.first() else {
        return Ok(None);
    };
    if let Some(g) = layout.sizes.index_geometry {
        return Ok(Some(g));
    }
    let len = std::fs::metadata(first)
        .map_err(|e| io_err(first, e))?
        .len();
    IndexGeometry::infer(len)
        .map(Some)
        .ok_or_else(|| TruncateError::IndexGeometry {
            path: first.clone(),
        })
}

/// Deletes the index files holding entries at or past the cut and re-indexes the kept records
/// after the last kept file's end.
fn cut_index(
    layout: &StoreLayout,
    plan: &TruncatePlan,
    applied: &mut Applied,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(), TruncateError> {
    let dir = &layout.index_dir;
    if !dir.is_dir() {
        return Ok(());
    }
    let paths = super::inspect::index_files_in(dir)?;
    let Some(geometry) = plan.index_geometry else {
        return Ok(());
    };
    let mut resume_after = None;
    let mut doomed = Vec::new();
    for path in &paths {
        let file = IndexFile::open_read_only(path, geometry.hash_slot_num, geometry.index_num)
            .map_err(StoreError::from)?;
        if doomed.is_empty() && file.end_phy_offset() < plan.offset {
            resume_after = Some(file.end_phy_offset());
        } else {
            doomed.push(path.clone());
        }
    }
    if doomed.is_empty() {
        return Ok(());
    }
    for path in &doomed {
        std::fs::remove_file(path).map_err(|e| io_err(path, e))?;
    }
    applied.index_files_deleted = doomed;
    let index = IndexService::load(dir, geometry.hash_slot_num, geometry.index_num, true, 0)
        .map_err(StoreError::from)?;
    let scanner = CommitLogScanner::open_dir(&layout.commitlog_dir)?;
    let from = resume_after.unwrap_or(i64::MIN).max(scanner.min_offset());
    let mut progress = ScanProgress::new(progress, from, plan.offset);
    'files: for file in scanner.mapped_files(from) {
        let file = file?;
        for item in file.records() {
            let ScanItem::Message { offset: at, record } = item else {
                continue;
            };
            progress.at(at);
            if at >= plan.offset {
                break 'files;
            }
            if resume_after.is_some_and(|last| at <= last) {
                continue;
            }
            let topic = record.topic();
            let props = record.properties();
            index
                .build_index(&IndexRequest {
                    topic: &topic,
                    keys: message::get_property(&props, property::KEYS),
                    uniq_key: message::get_property(&props, property::UNIQ_KEY),
                    commit_log_offset: at,
                    store_timestamp: record.store_timestamp,
                    sys_flag: record.sys_flag,
                })
                .map_err(StoreError::from)?;
            applied.messages_reindexed += 1;
        }
    }
    progress.done();
    index.flush().map_err(StoreError::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::inspect::testutil::{write_store, TempDir};
    use crate::store::inspect::{verify_store, ConsumeQueueFiles};

    const CL: usize = 1024;

    fn plan_at(layout: &StoreLayout, offset: i64) -> Result<TruncatePlan, TruncateError> {
        plan(layout, offset, &mut |_, _| {})
    }

    /// `(topic, queue) -> next offset` of the store's ConsumeQueues.
    fn queue_ends(layout: &StoreLayout) -> BTreeMap<(String, i32), i64> {
        let mut out = BTreeMap::new();
        for topic in ["A", "B"] {
            for q in ConsumeQueueFiles::topic(&layout.consumequeue_dir, topic, None).unwrap() {
                let end = q.entries(0).map(|e| e.unwrap().queue_offset + 1).last();
                let first_file = q.files[0].base_offset / CQ_UNIT as i64;
                out.insert(
                    (topic.to_string(), q.queue_id.unwrap()),
                    end.unwrap_or(first_file),
                );
            }
        }
        out
    }

    fn cut(layout: &StoreLayout, offset: i64) -> (TruncatePlan, Applied) {
        let lock = StoreLock::acquire(&layout.root).unwrap();
        let plan = plan(layout, offset, &mut |_, _| {}).unwrap();
        let applied = apply(layout, &plan, &lock, &mut |_, _| {}).unwrap();
        (plan, applied)
    }

    #[test]
    fn a_cut_at_a_file_start_deletes_later_files_and_keeps_the_store_consistent() {
        let dir = TempDir::new("trunc-file");
        let written = write_store(&dir.0, 40, CL);
        let layout = StoreLayout::at(&dir.0);
        let files = log_files_in(&layout.commitlog_dir).unwrap();
        assert!(files.len() > 3);
        let offset = files[2].base_offset;
        let kept = written.iter().filter(|(p, _)| *p < offset).count();
        let (plan, applied) = cut(&layout, offset);
        assert_eq!(plan.removed.len(), written.len() - kept);
        assert_eq!(plan.commitlog_files_deleted.len(), files.len() - 3);
        assert_eq!(
            plan.commitlog_file_cut.as_ref().unwrap().path,
            files[2].path
        );
        assert!(plan.last_kept_store_timestamp > 0);
        // Each queue ends at its first removed message.
        let mut want: BTreeMap<(String, i32), i64> = BTreeMap::new();
        for m in &plan.removed {
            want.entry((m.topic.clone(), m.queue_id))
                .and_modify(|q| *q = (*q).min(m.queue_offset))
                .or_insert(m.queue_offset);
        }
        assert_eq!(applied.queue_ends(), want);
        for (q, end) in &want {
            assert_eq!(queue_ends(&layout)[q], *end, "{q:?}");
        }
        let report = verify_store(&layout, &mut |_, _| {}).unwrap();
        assert!(report.is_clean(), "{:?}", report.problems);
        let scanner = CommitLogScanner::open_dir(&layout.commitlog_dir).unwrap();
        assert_eq!(scanner.files().len(), 3);
        // Cutting again at the new end removes nothing.
        let (again, applied) = cut(&layout, offset);
        assert!(again.removed.is_empty());
        assert!(applied.queues.is_empty());
    }

    #[test]
    fn a_cut_at_the_first_offset_empties_every_queue_without_resetting_it() {
        let dir = TempDir::new("trunc-all");
        let written = write_store(&dir.0, 30, CL);
        let layout = StoreLayout::at(&dir.0);
        let (plan, applied) = cut(&layout, 0);
        assert_eq!(plan.removed.len(), written.len());
        assert!(applied.queues.iter().all(|q| q.new_max_offset == 0));
        assert!(queue_ends(&layout).values().all(|&e| e == 0));
        let report = verify_store(&layout, &mut |_, _| {}).unwrap();
        assert!(report.is_clean(), "{:?}", report.problems);
    }

    #[test]
    fn offsets_that_are_no_boundary_are_refused_with_the_nearest_boundaries() {
        let dir = TempDir::new("trunc-bad");
        let written = write_store(&dir.0, 40, CL);
        let layout = StoreLayout::at(&dir.0);
        let (start, len) = written[5];
        match plan_at(&layout, start + 3) {
            Err(TruncateError::MidRecord {
                record_start,
                record_end,
                ..
            }) => assert_eq!((record_start, record_end), (start, start + len as i64)),
            other => panic!("{other:?}"),
        }
        // Inside the end-of-file filler of the first file.
        let first_next = written.iter().find(|(p, _)| *p >= CL as i64).unwrap().0;
        let (last_in_first, last_len) = written.iter().rev().find(|(p, _)| *p < CL as i64).unwrap();
        let blank = last_in_first + *last_len as i64;
        assert!(blank + 1 < first_next);
        assert!(matches!(
            plan_at(&layout, blank + 1),
            Err(TruncateError::MidRecord { record_start, record_end, .. })
                if record_start == blank && record_end == CL as i64
        ));
        let (last, last_len) = *written.last().unwrap();
        let end = last + last_len as i64;
        assert!(matches!(
            plan_at(&layout, end + 1),
            Err(TruncateError::PastEnd { data_end, .. }) if data_end == end
        ));
        // The end itself and the filler's start are boundaries.
        assert!(plan_at(&layout, end).unwrap().removed.is_empty());
        assert_eq!(
            plan_at(&layout, blank).unwrap().removed.len(),
            written.iter().filter(|(p, _)| *p >= blank).count()
        );
    }
}
