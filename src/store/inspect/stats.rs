//! Per-queue accounting over a CommitLog scan: the counters of `rmq store stats`, and the
//! per-queue state and progress reporting verification shares.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::Serialize;

use super::commitlog::{CommitLogScanner, ScanItem};
use super::layout::StoreLayout;
use super::InspectError;
use crate::common::message::{sys_flag, RecordView};

/// Progress is reported at least this often (bytes) within a file.
const PROGRESS_STEP: u64 = 32 << 20;

/// Counters of one topic/queue over a CommitLog scan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueStats {
    pub topic: String,
    pub queue_id: i32,
    pub messages: u64,
    /// Sum of record sizes.
    pub bytes: u64,
    /// Range of queue offsets of the messages that enter a ConsumeQueue (not prepared or
    /// rolled-back transaction messages); `None` if there are none.
    pub min_queue_offset: Option<i64>,
    pub max_queue_offset: Option<i64>,
    pub min_commit_log_offset: i64,
    pub max_commit_log_offset: i64,
    pub first_store_timestamp: i64,
    pub last_store_timestamp: i64,
}

/// Whether a record gets a ConsumeQueue entry (Java dispatches only these transaction types).
pub(super) fn enters_queue(r: &RecordView<'_>) -> bool {
    let tx = sys_flag::transaction_value(r.sys_flag);
    tx == sys_flag::TRANSACTION_NOT_TYPE || tx == sys_flag::TRANSACTION_COMMIT
}

impl QueueStats {
    fn new(topic: &[u8], queue_id: i32) -> QueueStats {
        QueueStats {
            topic: String::from_utf8_lossy(topic).into_owned(),
            queue_id,
            ..QueueStats::default()
        }
    }

    fn add(&mut self, offset: i64, r: &RecordView<'_>) {
        if self.messages == 0 {
            self.min_commit_log_offset = offset;
            self.first_store_timestamp = r.store_timestamp;
            self.last_store_timestamp = r.store_timestamp;
        }
        self.messages += 1;
        self.bytes += r.raw.len() as u64;
        self.max_commit_log_offset = offset;
        self.first_store_timestamp = self.first_store_timestamp.min(r.store_timestamp);
        self.last_store_timestamp = self.last_store_timestamp.max(r.store_timestamp);
        if enters_queue(r) {
            let q = r.queue_offset;
            self.min_queue_offset = Some(self.min_queue_offset.map_or(q, |m| m.min(q)));
            self.max_queue_offset = Some(self.max_queue_offset.map_or(q, |m| m.max(q)));
        }
    }
}

/// Queues of one topic: dense for the usual small ids, a map for others.
struct TopicQueues<V> {
    dense: Vec<Option<V>>,
    sparse: BTreeMap<i32, V>,
}

const DENSE_QUEUE_IDS: i32 = 4096;

/// Per-queue state keyed by topic bytes, so a record finds its queue without allocating (only
/// the first record of a new topic or queue allocates).
pub(super) struct Accumulator<V> {
    index: HashMap<Box<[u8]>, usize>,
    topics: Vec<TopicQueues<V>>,
    /// The topic of the previous record: consecutive records usually share it, and comparing
    /// a few bytes is cheaper than hashing them.
    last: Option<(usize, Box<[u8]>)>,
}

impl<V> Default for Accumulator<V> {
    fn default() -> Self {
        Accumulator {
            index: HashMap::new(),
            topics: Vec::new(),
            last: None,
        }
    }
}

impl<V> Accumulator<V> {
    /// The state of `topic`/`queue_id`, made by `make` the first time.
    pub(super) fn slot(
        &mut self,
        topic: &[u8],
        queue_id: i32,
        make: impl FnOnce(&[u8], i32) -> V,
    ) -> &mut V {
        let t = match &self.last {
            Some((i, name)) if **name == *topic => *i,
            _ => {
                let i = match self.index.get(topic) {
                    Some(&i) => i,
                    None => {
                        self.topics.push(TopicQueues {
                            dense: Vec::new(),
                            sparse: BTreeMap::new(),
                        });
                        self.index.insert(topic.into(), self.topics.len() - 1);
                        self.topics.len() - 1
                    }
                };
                self.last = Some((i, topic.into()));
                i
            }
        };
        let queues = &mut self.topics[t];
        if (0..DENSE_QUEUE_IDS).contains(&queue_id) {
            let q = queue_id as usize;
            if queues.dense.len() <= q {
                queues.dense.resize_with(q + 1, || None);
            }
            queues.dense[q].get_or_insert_with(|| make(topic, queue_id))
        } else {
            queues
                .sparse
                .entry(queue_id)
                .or_insert_with(|| make(topic, queue_id))
        }
    }

    /// Every queue's state.
    pub(super) fn into_values(self) -> impl Iterator<Item = V> {
        self.topics
            .into_iter()
            .flat_map(|q| q.dense.into_iter().flatten().chain(q.sparse.into_values()))
    }
}

/// Calls the progress callback at most every [`PROGRESS_STEP`] bytes.
pub(super) struct Progress<'p> {
    report: &'p mut dyn FnMut(u64, u64),
    total: u64,
    done: u64,
    next: u64,
}

impl<'p> Progress<'p> {
    pub(super) fn new(report: &'p mut dyn FnMut(u64, u64), total: u64) -> Self {
        report(0, total);
        Progress {
            report,
            total,
            done: 0,
            next: PROGRESS_STEP,
        }
    }

    /// `within` bytes of the current file are done.
    #[inline]
    pub(super) fn at(&mut self, within: u64) {
        if self.done + within >= self.next {
            (self.report)(self.done + within, self.total);
            self.next = self.done + within + PROGRESS_STEP;
        }
    }

    /// A file of `len` bytes is done.
    pub(super) fn file_done(&mut self, len: u64) {
        self.done += len;
        self.next = self.done + PROGRESS_STEP;
        (self.report)(self.done, self.total);
    }
}

/// What `rmq store stats` shows.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsReport {
    pub root: PathBuf,
    pub commitlog_files: usize,
    /// Bytes of all CommitLog files.
    pub commitlog_bytes: u64,
    pub min_offset: i64,
    /// Offset one past the last record read.
    pub max_offset: i64,
    pub messages: u64,
    /// Sum of record sizes.
    pub message_bytes: u64,
    pub topics: usize,
    /// Records whose sizes do not hold together; the rest of their file was skipped.
    pub corrupt_records: u64,
    pub queues: Vec<QueueStats>,
}

/// Counts messages per topic and queue over the whole CommitLog (CRCs are not checked: that is
/// [`verify_store`](super::verify_store)'s job). `progress(done, total)` is called with
/// CommitLog bytes.
pub fn store_stats(
    layout: &StoreLayout,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<StatsReport, InspectError> {
    layout.ensure_store()?;
    let scanner = CommitLogScanner::open_dir(&layout.commitlog_dir)?;
    let mut progress = Progress::new(progress, scanner.total_bytes());
    let mut acc = Accumulator::default();
    let (mut messages, mut message_bytes, mut corrupt_records) = (0u64, 0u64, 0u64);
    let mut max_offset = scanner.min_offset();
    for file in scanner.mapped_files(i64::MIN) {
        let file = file?;
        let base = file.info().base_offset;
        for item in file.records() {
            match item {
                ScanItem::Message { offset, record } => {
                    messages += 1;
                    message_bytes += record.raw.len() as u64;
                    max_offset = offset + record.raw.len() as i64;
                    acc.slot(record.topic_bytes, record.queue_id, QueueStats::new)
                        .add(offset, &record);
                    progress.at((offset - base) as u64);
                }
                ScanItem::Corrupt { .. } => corrupt_records += 1,
                ScanItem::Blank { .. } | ScanItem::End { .. } => {}
            }
        }
        progress.file_done(file.info().len);
    }
    let mut queues: Vec<QueueStats> = acc.into_values().collect();
    queues.sort_by(|a, b| (&a.topic, a.queue_id).cmp(&(&b.topic, b.queue_id)));
    let mut topics: Vec<&str> = queues.iter().map(|q| q.topic.as_str()).collect();
    topics.dedup();
    Ok(StatsReport {
        root: layout.root.clone(),
        commitlog_files: scanner.files().len(),
        commitlog_bytes: scanner.total_bytes(),
        min_offset: scanner.min_offset(),
        max_offset,
        messages,
        message_bytes,
        topics: topics.len(),
        corrupt_records,
        queues,
    })
}
