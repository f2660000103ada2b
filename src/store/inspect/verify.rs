//! Store-wide verification (`rmq store verify`): CommitLog records, ConsumeQueue entries
//! against their records, and index files, in one sequential pass.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::commitlog::{Records, ScanItem};
use super::consume_queue::queue_dirs;
use super::index::{index_files_in, IndexGeometry};
use super::layout::StoreLayout;
use super::log_file::{log_files_in, FileMap, LogFile};
use super::stats::{enters_queue, Accumulator, Progress};
use super::{io_err, name_of, InspectError};
use crate::common::message::{self, property, RecordView};
use crate::common::names::RMQ_SYS_SCHEDULE_TOPIC as SCHEDULE_TOPIC;
use crate::store::consume_queue::{CqEntry, CQ_UNIT};
use crate::store::index::IndexFile;

/// How many problems a verification keeps in full; later ones are only counted.
pub const MAX_REPORTED_PROBLEMS: usize = 1000;

/// Which part of the store a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    CommitLog,
    ConsumeQueue,
    Index,
    Checkpoint,
    Config,
}

/// What a problem's `offset` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Unit {
    /// A CommitLog (physical) offset.
    CommitLogOffset,
    /// A ConsumeQueue (logical) offset.
    QueueOffset,
    /// An index entry number.
    IndexEntry,
    /// An index hash slot number.
    IndexSlot,
    /// A byte position in the file.
    FilePosition,
}

/// One thing wrong in a store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub area: Area,
    pub file: PathBuf,
    pub unit: Unit,
    pub offset: i64,
    pub what: String,
}

impl Area {
    pub fn label(self) -> &'static str {
        match self {
            Area::CommitLog => "commitlog",
            Area::ConsumeQueue => "consumequeue",
            Area::Index => "index",
            Area::Checkpoint => "checkpoint",
            Area::Config => "config",
        }
    }
}

impl Unit {
    /// How the unit reads in front of a number, e.g. `queue offset 17`.
    pub fn label(self) -> &'static str {
        match self {
            Unit::CommitLogOffset => "commitlog offset",
            Unit::QueueOffset => "queue offset",
            Unit::IndexEntry => "index entry",
            Unit::IndexSlot => "index slot",
            Unit::FilePosition => "byte",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} in {}: {}",
            self.unit.label(),
            self.offset,
            self.file.display(),
            self.what
        )
    }
}

#[derive(Default)]
struct Problems {
    list: Vec<Problem>,
    count: u64,
}

impl Problems {
    /// Records a problem; the description is only built while the list has room.
    fn add(
        &mut self,
        area: Area,
        file: &Path,
        unit: Unit,
        offset: i64,
        what: impl FnOnce() -> String,
    ) {
        self.count += 1;
        if self.list.len() < MAX_REPORTED_PROBLEMS {
            self.list.push(Problem {
                area,
                file: file.to_path_buf(),
                unit,
                offset,
                what: what(),
            });
        }
    }
}

/// The CommitLog part of a [`VerifyReport`].
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitLogSummary {
    pub files: usize,
    /// The size files should have (from the config, else the largest file).
    pub file_size: Option<u64>,
    pub bytes: u64,
    pub min_offset: i64,
    /// Where valid data ends: one past the last record (or the end of a file closed by an
    /// end-of-file record).
    pub valid_end: i64,
    /// One past the last file's last byte.
    pub file_end: i64,
    pub messages: u64,
    pub message_bytes: u64,
    pub crc_errors: u64,
    /// The first offset where Java's recovery (CRC check on) would stop and truncate the log.
    pub recovery_stops_at: Option<i64>,
    /// Non-zero bytes where only zeros belong (after the last valid record).
    pub trailing_nonzero_bytes: u64,
    /// Intact records after the point where recovery stops (which drops them).
    pub intact_after_damage: Option<IntactAfterDamage>,
}

/// Intact CommitLog records after damage, and how to copy them out before a broker's recovery
/// drops them.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IntactAfterDamage {
    /// Where recovery stops (the damaged record).
    pub damaged_at: i64,
    /// The first intact record after it.
    pub first: i64,
    /// One past the last intact record.
    pub end: i64,
    pub records: u64,
    /// A command that prints them (JSON lines, bodies in base64).
    pub command: String,
}

/// The ConsumeQueue part of a [`VerifyReport`].
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumeQueueSummary {
    pub topics: usize,
    pub queues: usize,
    pub files: usize,
    pub file_size: Option<u64>,
    /// Written entries, pre-fill entries excluded.
    pub entries: u64,
    /// Entries that matched their CommitLog record.
    pub checked: u64,
    /// Entries pointing below the CommitLog's first file (removed by retention; not an error).
    pub expired: u64,
    pub pre_fill: u64,
    pub bad_entries: u64,
    /// CommitLog messages after the end of their ConsumeQueue (entries lost or never written).
    pub missing_entries: u64,
    /// CommitLog messages their ConsumeQueue skips over: left from before the topic was
    /// deleted and created again. Not an error: no consumer can reach them.
    pub unreferenced: u64,
}

/// The index part of a [`VerifyReport`].
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexSummary {
    pub files: usize,
    pub geometry: Option<IndexGeometry>,
    /// Entries in use over all files.
    pub entries: u64,
    pub used_slots: u64,
    pub bad_files: u64,
    /// Why the index was not checked, if it was not.
    pub skipped: Option<String>,
}

/// What `rmq store verify` found.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    pub root: PathBuf,
    pub commitlog: CommitLogSummary,
    pub consume_queues: ConsumeQueueSummary,
    pub index: IndexSummary,
    /// All problems found (only the first [`MAX_REPORTED_PROBLEMS`] are listed).
    pub problem_count: u64,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.problem_count == 0
    }

    /// Adds a problem found by a check outside the store module (the config files).
    pub fn add_problem(&mut self, problem: Problem) {
        self.problem_count += 1;
        if self.problems.len() < MAX_REPORTED_PROBLEMS {
            self.problems.push(problem);
        }
    }
}

/// Checks the checkpoint file: one 4 KiB page (Java maps one), timestamps that are store
/// times, zeros after the fields.
fn verify_checkpoint(path: &Path, problems: &mut Problems) {
    use crate::store::checkpoint::{CheckpointData, CHECKPOINT_DATA_SIZE, CHECKPOINT_FILE_SIZE};
    let add = |problems: &mut Problems, at: usize, what: String| {
        problems.add(
            Area::Checkpoint,
            path,
            Unit::FilePosition,
            at as i64,
            || what,
        )
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => return add(problems, 0, e.to_string()),
    };
    if bytes.len() != CHECKPOINT_FILE_SIZE {
        add(
            problems,
            bytes.len(),
            format!(
                "the checkpoint is {} bytes, not {CHECKPOINT_FILE_SIZE}",
                bytes.len()
            ),
        );
    }
    match CheckpointData::parse(&bytes) {
        Ok(data) => {
            if let Some((at, what)) = data.damage(crate::common::clock::now_ms()) {
                add(problems, at, what);
            }
        }
        Err(e) => add(problems, 0, e.to_string()),
    }
    if let Some(nz) = bytes
        .get(CHECKPOINT_DATA_SIZE..)
        .and_then(|rest| rest.iter().position(|&b| b != 0))
    {
        let at = CHECKPOINT_DATA_SIZE + nz;
        add(
            problems,
            at,
            format!("non-zero byte at {at} in the unused part of the checkpoint"),
        );
    }
}

/// Checks a whole store:
///
/// - every CommitLog record decodes, sits where its `physicalOffset` says, and has a matching
///   body CRC; files are contiguous and of one size; nothing but zeros follows the last valid
///   record;
/// - every ConsumeQueue entry points at a CommitLog record of its topic and queue id with the
///   entry's queue offset, size and tags hash; entry offsets grow; nothing but zeros follows
///   the last entry; every message in the CommitLog past a queue's last entry is reported
///   missing;
/// - every index file's header counts are in range, its slots name written entries, and its
///   entries point inside the CommitLog.
///
/// One sequential pass: each ConsumeQueue is read in step with the CommitLog (both are in
/// CommitLog-offset order), so no record is read twice. `progress(done, total)` is called with
/// CommitLog bytes. Errors are for a store that cannot be read at all; damage is reported in
/// the [`VerifyReport`].
pub fn verify_store(
    layout: &StoreLayout,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport, InspectError> {
    layout.ensure_store()?;
    let cl_files = log_files_in(&layout.commitlog_dir)?;
    let queues = list_queues(&layout.consumequeue_dir)?;
    let mut progress = Progress::new(progress, cl_files.iter().map(|f| f.len).sum());
    let mut problems = Problems::default();
    let mut matcher = QueueMatcher::new(
        queues,
        layout.sizes.consumequeue_file,
        cl_files.first().map_or(0, |f| f.base_offset),
        &mut problems,
    );
    let commitlog = verify_commitlog(
        &cl_files,
        layout.sizes.commitlog_file,
        &mut matcher,
        &mut problems,
        &mut progress,
    );
    let mut commitlog = commitlog;
    if let Some(at) = commitlog.recovery_stops_at {
        commitlog.intact_after_damage =
            intact_after(&cl_files, &layout.commitlog_dir, at, &mut problems);
    }
    let consume_queues = matcher.finish(commitlog.valid_end, &mut problems);
    verify_checkpoint(&layout.checkpoint_file, &mut problems);
    let index = verify_index(
        &layout.index_dir,
        layout.sizes.index_geometry,
        commitlog.valid_end,
        &mut problems,
    );
    Ok(VerifyReport {
        root: layout.root.clone(),
        commitlog,
        consume_queues,
        index,
        problem_count: problems.count,
        problems: problems.list,
    })
}

fn verify_commitlog(
    files: &[LogFile],
    expected_size: Option<u64>,
    matcher: &mut QueueMatcher,
    problems: &mut Problems,
    progress: &mut Progress<'_>,
) -> CommitLogSummary {
    use Area::CommitLog as CL;
    use Unit::CommitLogOffset as OFF;
    let file_size = expected_size.or_else(|| files.iter().map(|f| f.len).max());
    let mut s = CommitLogSummary {
        files: files.len(),
        file_size,
        bytes: files.iter().map(|f| f.len).sum(),
        min_offset: files.first().map_or(0, |f| f.base_offset),
        file_end: files.last().map_or(0, LogFile::end_offset),
        ..CommitLogSummary::default()
    };
    s.valid_end = s.min_offset;
    // Once valid data has ended (zeros where the next record belongs), every later byte of the
    // log must be zero: Java's recovery stops there and drops whatever follows. Files after
    // the end are normal (pre-allocated) as long as they are all zeros.
    let mut data_ended: Option<i64> = None;
    let mut prev_end: Option<i64> = None;
    for f in files {
        if let Some(size) = file_size.filter(|&size| f.len != size) {
            problems.add(CL, &f.path, OFF, f.base_offset, || {
                format!("file is {} bytes, CommitLog files are {size}", f.len)
            });
        }
        if let Some(end) = prev_end.filter(|&end| end != f.base_offset) {
            problems.add(CL, &f.path, OFF, f.base_offset, || {
                format!(
                    "file starts at {} but the previous file ends at {end}",
                    f.base_offset
                )
            });
        }
        prev_end = Some(f.end_offset());
        let map = match f.map() {
            Ok(map) => map,
            Err(e) => {
                problems.add(CL, &f.path, OFF, f.base_offset, || e.to_string());
                progress.file_done(f.len);
                continue;
            }
        };
        if let Some(end) = data_ended {
            if let Some(nz) = map.nonzero_after(f.base_offset, 0) {
                s.trailing_nonzero_bytes += nz.count;
                problems.add(CL, &f.path, OFF, nz.first, || {
                    format!(
                        "{} non-zero bytes in a file after the end of valid data at {end} \
                         (recovery discards them)",
                        nz.count
                    )
                });
            }
            progress.file_done(f.len);
            continue;
        }
        for item in Records::new(&map, f.base_offset) {
            match item {
                ScanItem::Message { offset, record } => {
                    s.messages += 1;
                    s.message_bytes += record.raw.len() as u64;
                    if record.physical_offset != offset {
                        s.recovery_stops_at.get_or_insert(offset);
                        problems.add(CL, &f.path, OFF, offset, || {
                            format!(
                                "record says its physicalOffset is {}",
                                record.physical_offset
                            )
                        });
                    }
                    let computed = message::crc32(record.body);
                    if computed != record.body_crc {
                        s.crc_errors += 1;
                        s.recovery_stops_at.get_or_insert(offset);
                        problems.add(CL, &f.path, OFF, offset, || {
                            format!(
                                "body CRC mismatch: stored {:#010x}, computed {computed:#010x}",
                                record.body_crc
                            )
                        });
                    }
                    matcher.record(offset, &record, problems);
                    s.valid_end = offset + record.raw.len() as i64;
                    progress.at((offset - f.base_offset) as u64);
                }
                ScanItem::Blank { offset, size } => {
                    let remaining = f.end_offset() - offset;
                    if i64::from(size) != remaining {
                        problems.add(CL, &f.path, OFF, offset, || {
                            format!(
                                "end-of-file record says {size} bytes but {remaining} remain in \
                                 the file"
                            )
                        });
                    }
                    s.valid_end = f.end_offset();
                }
                ScanItem::End { offset } => {
                    data_ended = Some(offset);
                    s.valid_end = offset;
                    let pos = (offset - f.base_offset) as usize;
                    if let Some(nz) = map.nonzero_after(f.base_offset, pos) {
                        s.trailing_nonzero_bytes += nz.count;
                        s.recovery_stops_at.get_or_insert(offset);
                        if nz.first - offset < 8 {
                            // Data right where the next record starts: a record whose magic
                            // is damaged (recovery takes it for the end of the data).
                            problems.add(CL, &f.path, OFF, offset, || {
                                format!(
                                    "the record at {offset} has no valid magic; recovery stops \
                                     here ({} non-zero bytes follow)",
                                    nz.count
                                )
                            });
                        } else {
                            problems.add(CL, &f.path, OFF, nz.first, || {
                                format!(
                                    "{} non-zero bytes after the last valid record (which ends \
                                     at {offset}); first at {}",
                                    nz.count, nz.first
                                )
                            });
                        }
                    }
                }
                ScanItem::Corrupt { offset, error } => {
                    s.recovery_stops_at.get_or_insert(offset);
                    problems.add(CL, &f.path, OFF, offset, || {
                        format!("invalid record: {error}; recovery stops here")
                    });
                }
            }
        }
        progress.file_done(f.len);
    }
    s
}

/// Looks for intact records after the damage at `at` and reports them as a problem of their
/// own (recovery drops them) with the command that copies them out.
fn intact_after(
    files: &[LogFile],
    dir: &Path,
    at: i64,
    problems: &mut Problems,
) -> Option<IntactAfterDamage> {
    let maps: Vec<(&LogFile, FileMap)> = files
        .iter()
        .filter(|f| f.end_offset() > at)
        .filter_map(|f| f.map().ok().map(|m| (f, m)))
        .collect();
    let found = crate::store::salvage::intact_records_after(
        maps.iter().map(|(f, m)| (f.base_offset, m.bytes())),
        at,
    )?;
    let command = crate::store::salvage::dump_command(dir, found.first);
    let file = maps
        .iter()
        .find(|(f, _)| f.base_offset <= found.first && found.first < f.end_offset())
        .map_or_else(|| dir.to_path_buf(), |(f, _)| f.path.clone());
    problems.add(
        Area::CommitLog,
        &file,
        Unit::CommitLogOffset,
        found.first,
        || {
            format!(
                "{} intact records (offsets {} to {}) follow the damage at {at}; a broker's \
                 recovery cuts the log at {at} and saves them under <store>/damaged/; copy \
                 them out now with: {command}",
                found.count, found.first, found.end
            )
        },
    );
    Some(IntactAfterDamage {
        damaged_at: at,
        first: found.first,
        end: found.end,
        records: found.count,
        command,
    })
}

/// One ConsumeQueue directory found under `consumequeue/`.
struct QueueDir {
    topic: String,
    queue_id: i32,
    dir: PathBuf,
    files: Vec<LogFile>,
}

fn list_queues(cq_dir: &Path) -> Result<Vec<QueueDir>, InspectError> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(cq_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io_err(cq_dir, e)),
    };
    let mut topics = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io_err(cq_dir, e))?.path();
        if path.is_dir() {
            topics.push(path);
        }
    }
    topics.sort();
    for topic_dir in topics {
        let topic = name_of(&topic_dir).to_string();
        for (queue_id, dir) in queue_dirs(&topic_dir)? {
            out.push(QueueDir {
                files: log_files_in(&dir)?,
                topic: topic.clone(),
                queue_id,
                dir,
            });
        }
    }
    Ok(out)
}

/// Checks the ConsumeQueues against the CommitLog records as the CommitLog scan meets them.
struct QueueMatcher {
    /// Queues met in the CommitLog, with their ConsumeQueue cursor if they have a directory.
    met: Accumulator<Option<CqCursor>>,
    /// ConsumeQueue directories whose queue has not been met yet.
    pending: BTreeMap<(String, i32), QueueDir>,
    cl_min: i64,
    summary: ConsumeQueueSummary,
}

impl QueueMatcher {
    /// Takes the queues found on disk and checks their files' sizes and names.
    fn new(
        queues: Vec<QueueDir>,
        expected_size: Option<u64>,
        cl_min: i64,
        problems: &mut Problems,
    ) -> QueueMatcher {
        use Area::ConsumeQueue as CQ;
        let unit = CQ_UNIT as i64;
        let file_size =
            expected_size.or_else(|| queues.iter().flat_map(|q| &q.files).map(|f| f.len).max());
        let mut topics: Vec<&str> = queues.iter().map(|q| q.topic.as_str()).collect();
        topics.dedup();
        let summary = ConsumeQueueSummary {
            topics: topics.len(),
            queues: queues.len(),
            files: queues.iter().map(|q| q.files.len()).sum(),
            file_size,
            ..ConsumeQueueSummary::default()
        };
        for q in &queues {
            let mut prev_end: Option<i64> = None;
            for f in &q.files {
                let first = f.base_offset / unit;
                if !f.len.is_multiple_of(CQ_UNIT as u64) || f.base_offset % unit != 0 {
                    // The damage is at the partial entry (the file is cut inside it).
                    let at = if f.base_offset % unit == 0 {
                        first + (f.len / CQ_UNIT as u64) as i64
                    } else {
                        first
                    };
                    problems.add(CQ, &f.path, Unit::QueueOffset, at, || {
                        format!(
                            "file of {} bytes named {}: not whole {CQ_UNIT}-byte entries (cut \
                             inside the entry of queue offset {at})",
                            f.len, f.base_offset
                        )
                    });
                }
                if let Some(size) = file_size.filter(|&size| f.len != size) {
                    problems.add(CQ, &f.path, Unit::QueueOffset, first, || {
                        format!("file is {} bytes, ConsumeQueue files are {size}", f.len)
                    });
                }
                if let Some(end) = prev_end.filter(|&end| end != f.base_offset) {
                    problems.add(CQ, &f.path, Unit::QueueOffset, first, || {
                        format!(
                            "file starts at byte {} but the previous file ends at {end}",
                            f.base_offset
                        )
                    });
                }
                prev_end = Some(f.end_offset());
            }
        }
        QueueMatcher {
            met: Accumulator::default(),
            pending: queues
                .into_iter()
                .map(|q| ((q.topic.clone(), q.queue_id), q))
                .collect(),
            cl_min,
            summary,
        }
    }

    /// A CommitLog message record, in CommitLog order.
    #[inline]
    fn record(&mut self, offset: i64, r: &RecordView<'_>, problems: &mut Problems) {
        if !enters_queue(r) {
            return;
        }
        let pending = &mut self.pending;
        let cursor = self.met.slot(r.topic_bytes, r.queue_id, |topic, queue_id| {
            let key = (String::from_utf8_lossy(topic).into_owned(), queue_id);
            pending.remove(&key).map(CqCursor::new)
        });
        // Without a directory the topic was deleted (its records stay until retention).
        if let Some(cursor) = cursor {
            cursor.match_record(offset, r, self.cl_min, &mut self.summary, problems);
        }
    }

    /// Checks what is left of every ConsumeQueue once the CommitLog scan is over.
    fn finish(mut self, cl_end: i64, problems: &mut Problems) -> ConsumeQueueSummary {
        let cursors = self
            .met
            .into_values()
            .flatten()
            .chain(self.pending.into_values().map(CqCursor::new));
        for mut cursor in cursors {
            cursor.finish(self.cl_min, cl_end, &mut self.summary, problems);
        }
        self.summary
    }
}

/// Reads one ConsumeQueue entry by entry, file by file, in step with the CommitLog scan.
struct CqCursor {
    topic: String,
    queue_id: i32,
    dir: PathBuf,
    files: Vec<LogFile>,
    next_file: usize,
    /// The current file: its map, index in `files`, and the queue offset of its first entry.
    map: Option<(FileMap, usize, i64)>,
    /// Byte position of the next entry in the current file.
    pos: usize,
    /// The next entry, read but not matched yet.
    current: Option<(i64, CqEntry)>,
    /// No written entries are left.
    done: bool,
    prev_phys: Option<i64>,
    /// One past the last written entry seen (Java's maxOffset once the queue is read).
    max_offset: i64,
    missing_reported: bool,
}

impl CqCursor {
    fn new(q: QueueDir) -> CqCursor {
        CqCursor {
            max_offset: q
                .files
                .first()
                .map_or(0, |f| f.base_offset / CQ_UNIT as i64),
            topic: q.topic,
            queue_id: q.queue_id,
            dir: q.dir,
            files: q.files,
            next_file: 0,
            map: None,
            pos: 0,
            current: None,
            done: false,
            prev_phys: None,
            missing_reported: false,
        }
    }

    /// The file problems are reported against: the current one, else the queue directory.
    fn path(&self) -> &Path {
        match &self.map {
            Some((_, i, _)) => &self.files[*i].path,
            None => self.files.last().map_or(&self.dir, |f| &f.path),
        }
    }

    /// Reports a problem at queue offset `qoff` against [`CqCursor::path`].
    fn report(&self, problems: &mut Problems, qoff: i64, what: impl FnOnce() -> String) {
        problems.add(
            Area::ConsumeQueue,
            self.path(),
            Unit::QueueOffset,
            qoff,
            what,
        );
    }

    /// The next written entry (pre-fill entries skipped), reading on as needed.
    fn peek(
        &mut self,
        s: &mut ConsumeQueueSummary,
        problems: &mut Problems,
    ) -> Option<(i64, CqEntry)> {
        use Area::ConsumeQueue as CQ;
        loop {
            if self.current.is_some() || self.done {
                return self.current;
            }
            let (map, i, first) = match &self.map {
                Some((map, i, first)) if self.pos + CQ_UNIT <= map.bytes().len() => {
                    (map, *i, *first)
                }
                _ => {
                    self.map = None;
                    let Some(f) = self.files.get(self.next_file) else {
                        self.done = true;
                        return None;
                    };
                    self.next_file += 1;
                    match f.map() {
                        Ok(map) => {
                            let first = f.base_offset / CQ_UNIT as i64;
                            self.map = Some((map, self.next_file - 1, first));
                            self.pos = 0;
                        }
                        Err(e) => problems.add(
                            CQ,
                            &f.path,
                            Unit::QueueOffset,
                            f.base_offset / CQ_UNIT as i64,
                            || e.to_string(),
                        ),
                    }
                    continue;
                }
            };
            let entry = CqEntry::decode(&map.bytes()[self.pos..self.pos + CQ_UNIT]);
            let qoff = first + (self.pos / CQ_UNIT) as i64;
            self.pos += CQ_UNIT;
            if entry == CqEntry::PRE_FILL {
                s.pre_fill += 1;
                self.max_offset = qoff + 1;
                continue;
            }
            if !entry.is_valid() {
                // The end of the written entries: only zeros may follow, in this file and in
                // any later (pre-allocated) one.
                self.done = true;
                let path = &self.files[i].path;
                if let Some(nz) = map.nonzero_after(0, self.pos - CQ_UNIT) {
                    problems.add(CQ, path, Unit::QueueOffset, qoff, || {
                        format!(
                            "entry {entry:?} ends the queue, but {} non-zero bytes follow it in \
                             the file (first at byte {})",
                            nz.count, nz.first
                        )
                    });
                }
                for f in &self.files[self.next_file..] {
                    if let Some(nz) = f.map().ok().and_then(|m| m.nonzero_after(0, 0)) {
                        problems.add(CQ, &f.path, Unit::FilePosition, nz.first, || {
                            format!(
                                "{} non-zero bytes in a file after the queue's last entry (queue \
                                 offset {qoff}); recovery discards them",
                                nz.count
                            )
                        });
                    }
                }
                return None;
            }
            s.entries += 1;
            self.max_offset = qoff + 1;
            if let Some(prev) = self.prev_phys.filter(|&p| entry.phys_offset <= p) {
                s.bad_entries += 1;
                problems.add(CQ, &self.files[i].path, Unit::QueueOffset, qoff, || {
                    format!(
                        "commitlog offset {} is not above the previous entry's {prev}",
                        entry.phys_offset
                    )
                });
            }
            self.prev_phys = Some(entry.phys_offset);
            self.current = Some((qoff, entry));
        }
    }

    /// Reports an entry no record matched.
    fn unmatched(
        &self,
        qoff: i64,
        entry: &CqEntry,
        cl_min: i64,
        cl_end: Option<i64>,
        s: &mut ConsumeQueueSummary,
        problems: &mut Problems,
    ) {
        if entry.phys_offset < cl_min {
            s.expired += 1;
            return;
        }
        s.bad_entries += 1;
        self.report(problems, qoff, || {
            match cl_end.filter(|&end| entry.phys_offset >= end) {
                Some(end) => format!(
                    "points at commitlog offset {}, past the end of valid CommitLog data ({end})",
                    entry.phys_offset
                ),
                None => format!(
                    "points at commitlog offset {}, where no message of {}/{} starts",
                    entry.phys_offset, self.topic, self.queue_id
                ),
            }
        });
    }

    /// Matches the CommitLog record of this queue at `offset` with its entry. Entries and
    /// records both grow in CommitLog offset, so entries below `offset` matched no record.
    fn match_record(
        &mut self,
        offset: i64,
        r: &RecordView<'_>,
        cl_min: i64,
        s: &mut ConsumeQueueSummary,
        problems: &mut Problems,
    ) {
        loop {
            let Some((qoff, entry)) = self.peek(s, problems) else {
                // The queue ended before this message: its entry is missing.
                s.missing_entries += 1;
                if !self.missing_reported {
                    self.missing_reported = true;
                    let max = self.max_offset;
                    self.report(problems, max, || {
                        format!(
                            "the ConsumeQueue of {}/{} ends at queue offset {max}, but the \
                             CommitLog holds queue offset {} at commitlog offset {offset}: \
                             entries are missing",
                            self.topic, self.queue_id, r.queue_offset
                        )
                    });
                }
                return;
            };
            if entry.phys_offset < offset {
                self.current = None;
                self.unmatched(qoff, &entry, cl_min, None, s, problems);
                continue;
            }
            if entry.phys_offset > offset {
                s.unreferenced += 1;
                return;
            }
            self.current = None;
            s.checked += 1;
            if let Some(what) = entry_mismatch(qoff, &entry, r) {
                s.bad_entries += 1;
                self.report(problems, qoff, || what);
            }
            return;
        }
    }

    /// The entries no record matched once the CommitLog scan is over.
    fn finish(
        &mut self,
        cl_min: i64,
        cl_end: i64,
        s: &mut ConsumeQueueSummary,
        problems: &mut Problems,
    ) {
        while let Some((qoff, entry)) = self.peek(s, problems) {
            self.current = None;
            self.unmatched(qoff, &entry, cl_min, Some(cl_end), s, problems);
        }
    }
}

/// How a ConsumeQueue entry disagrees with the record at its offset (of the entry's topic and
/// queue id), if it does.
fn entry_mismatch(queue_offset: i64, entry: &CqEntry, r: &RecordView<'_>) -> Option<String> {
    let mut diffs = Vec::new();
    if r.queue_offset != queue_offset {
        diffs.push(format!(
            "queueOffset {} (expected {queue_offset})",
            r.queue_offset
        ));
    }
    if r.total_size != entry.size {
        diffs.push(format!(
            "size {} (the entry says {})",
            r.total_size, entry.size
        ));
    }
    // Tags codes are hashes except in the delay topic (a delivery time) and with
    // ConsumeQueueExt (an address outside the int range).
    let hashed =
        i32::try_from(entry.tags_code).is_ok() && r.topic_bytes != SCHEDULE_TOPIC.as_bytes();
    if hashed && diffs.is_empty() {
        let props = r.properties();
        let expected = message::tags_code(message::get_property(&props, property::TAGS));
        if expected != entry.tags_code {
            diffs.push(format!(
                "tags hash {expected} (the entry says {})",
                entry.tags_code
            ));
        }
    }
    (!diffs.is_empty()).then(|| {
        format!(
            "the record at commitlog offset {} has {}",
            entry.phys_offset,
            diffs.join(", ")
        )
    })
}

fn verify_index(
    dir: &Path,
    geometry: Option<IndexGeometry>,
    cl_end: i64,
    problems: &mut Problems,
) -> IndexSummary {
    use Area::Index as IX;
    let mut s = IndexSummary {
        geometry,
        ..IndexSummary::default()
    };
    if !dir.exists() {
        return s;
    }
    let paths = match index_files_in(dir) {
        Ok(paths) => paths,
        Err(e) => {
            problems.add(IX, dir, Unit::FilePosition, 0, || e.to_string());
            return s;
        }
    };
    s.files = paths.len();
    if s.geometry.is_none() {
        // Any file of a size some geometry gives tells it (a damaged one may not).
        let lens: Vec<u64> = paths
            .iter()
            .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            .collect();
        s.geometry = lens.iter().find_map(|&len| IndexGeometry::infer(len));
        if s.geometry.is_none() {
            s.skipped = Some(format!(
                "cannot tell maxHashSlotNum/maxIndexNum of index files of {lens:?} bytes; give \
                 the broker config with -c"
            ));
            // A file of no geometry's size where Java's default geometry is expected: cut.
            let default = IndexGeometry {
                hash_slot_num: crate::store::index::DEFAULT_HASH_SLOT_NUM,
                index_num: crate::store::index::DEFAULT_INDEX_NUM,
            };
            for (path, &len) in paths.iter().zip(&lens) {
                if default.file_size().is_some_and(|size| len < size) {
                    problems.add(IX, path, Unit::FilePosition, len as i64, || {
                        format!(
                            "index file of {len} bytes: no geometry gives this size (the \
                             default's files are {} bytes); its tail is lost, or give -c",
                            default.file_size().unwrap_or(0)
                        )
                    });
                }
            }
            return s;
        }
    }
    for path in &paths {
        let Some(g) = s.geometry else { return s };
        let file = match IndexFile::open_read_only(path, g.hash_slot_num, g.index_num) {
            Ok(file) => file,
            Err(e) => {
                s.bad_files += 1;
                // A file of the wrong size: where it ends is where it differs.
                let at = match &e {
                    crate::store::index::IndexError::SizeMismatch { actual, .. } => {
                        i64::try_from(*actual).unwrap_or(0)
                    }
                    _ => 0,
                };
                problems.add(IX, path, Unit::FilePosition, at, || e.to_string());
                continue;
            }
        };
        let before = problems.count;
        check_index_file(&file, g, cl_end, &mut s, problems);
        if problems.count > before {
            s.bad_files += 1;
        }
    }
    s
}

fn check_index_file(
    file: &IndexFile,
    g: IndexGeometry,
    cl_end: i64,
    s: &mut IndexSummary,
    problems: &mut Problems,
) {
    use Area::Index as IX;
    let path = file.path();
    let h = file.header();
    // A header read straight from disk: `IndexHeader::parse` already maps a stored count <= 0
    // to 1, as Java does.
    let count = h.index_count;
    if count > g.index_num {
        problems.add(IX, path, Unit::FilePosition, 36, || {
            format!(
                "header indexCount {count} exceeds maxIndexNum {}",
                g.index_num
            )
        });
        return;
    }
    if !(0..=g.hash_slot_num).contains(&h.hash_slot_count) {
        problems.add(IX, path, Unit::FilePosition, 32, || {
            format!(
                "header hashSlotCount {} is outside 0..={}",
                h.hash_slot_count, g.hash_slot_num
            )
        });
    }
    if count > 1 && (h.begin_phy_offset > h.end_phy_offset || h.begin_timestamp > h.end_timestamp) {
        problems.add(IX, path, Unit::FilePosition, 0, || {
            format!(
                "header ranges are reversed: phy offsets {}..{}, timestamps {}..{}",
                h.begin_phy_offset, h.end_phy_offset, h.begin_timestamp, h.end_timestamp
            )
        });
    }
    s.entries += u64::try_from(count - 1).unwrap_or(0);
    for slot in 0..g.hash_slot_num.unsigned_abs() {
        let value = file.slot_value(slot).unwrap_or(0);
        if value != 0 {
            s.used_slots += 1;
        }
        if value < 0 || value >= count {
            problems.add(IX, path, Unit::IndexSlot, i64::from(slot), || {
                format!("slot names entry {value}, but entries in use are 1..{count}")
            });
        }
    }
    for n in 1..count.unsigned_abs() {
        let Some(e) = file.entry(n) else { break };
        let bad = if e.phy_offset < 0 || e.phy_offset >= cl_end {
            Some(format!(
                "commitlog offset {} is outside the CommitLog (ends at {cl_end})",
                e.phy_offset
            ))
        } else if count > 1
            && (e.phy_offset < h.begin_phy_offset || e.phy_offset > h.end_phy_offset)
        {
            Some(format!(
                "commitlog offset {} is outside the header's range {}..={}",
                e.phy_offset, h.begin_phy_offset, h.end_phy_offset
            ))
        } else if e.prev_index < 0 || e.prev_index.unsigned_abs() >= n {
            Some(format!(
                "links to entry {}, which is not an earlier entry",
                e.prev_index
            ))
        } else if e.time_diff < 0 || e.key_hash < 0 {
            Some(format!(
                "negative timeDiff {} or keyHash {}",
                e.time_diff, e.key_hash
            ))
        } else {
            None
        };
        if let Some(what) = bad {
            problems.add(IX, path, Unit::IndexEntry, i64::from(n), || what);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::inspect::store_stats;
    use crate::store::inspect::testutil::{write_store, TempDir};

    fn verify(root: &Path) -> VerifyReport {
        verify_store(&StoreLayout::at(root), &mut |_, _| {}).unwrap()
    }

    #[test]
    fn clean_store_verifies_and_counts() {
        let dir = TempDir::new("clean");
        write_store(&dir.0, 40, 1024);
        let report = verify(&dir.0);
        assert!(report.is_clean(), "{:?}", report.problems);
        assert_eq!(report.commitlog.messages, 40);
        assert_eq!(report.consume_queues.checked, 40);
        assert_eq!(report.consume_queues.queues, 4);

        let stats = store_stats(&StoreLayout::at(&dir.0), &mut |_, _| {}).unwrap();
        assert_eq!(stats.messages, 40);
        assert_eq!(stats.topics, 2);
        let a0 = stats
            .queues
            .iter()
            .find(|q| q.topic == "A" && q.queue_id == 0)
            .unwrap();
        assert_eq!(a0.min_queue_offset, Some(0));
        assert_eq!(a0.max_queue_offset, Some(a0.messages as i64 - 1));
    }

    #[test]
    fn damage_is_found() {
        let dir = TempDir::new("damage");
        let written = write_store(&dir.0, 40, 1024);
        let first_file = dir.0.join("commitlog").join("00000000000000000000");
        let mut data = std::fs::read(&first_file).unwrap();
        // Flip one byte of the third record's body (its last bytes are topic and properties,
        // so go from the front: the body starts at byte 88 of an IPv4 record).
        let (phys, _) = written[2];
        data[phys as usize + 88] ^= 0x55;
        std::fs::write(&first_file, &data).unwrap();
        let report = verify(&dir.0);
        assert_eq!(report.commitlog.crc_errors, 1);
        let p = &report.problems[0];
        assert_eq!((p.area, p.offset), (Area::CommitLog, phys));
        assert!(p.what.contains("CRC"), "{p}");
        assert_eq!(report.commitlog.recovery_stops_at, Some(phys));

        // Garbage after the last record of the last file.
        let dir = TempDir::new("trailing");
        let written = write_store(&dir.0, 10, 4096);
        let (phys, len) = *written.last().unwrap();
        let file = dir.0.join("commitlog").join("00000000000000000000");
        let mut data = std::fs::read(&file).unwrap();
        data[(phys as usize + len + 100)..(phys as usize + len + 104)].fill(7);
        std::fs::write(&file, &data).unwrap();
        let report = verify(&dir.0);
        assert_eq!(report.commitlog.trailing_nonzero_bytes, 4);
        assert_eq!(report.problems[0].offset, phys + len as i64 + 100);

        // A ConsumeQueue entry with the wrong size.
        let dir = TempDir::new("cq");
        write_store(&dir.0, 10, 4096);
        let cq = dir.0.join("consumequeue/A/1/00000000000000000000");
        let mut data = std::fs::read(&cq).unwrap();
        data[CQ_UNIT + 8..CQ_UNIT + 12].copy_from_slice(&999i32.to_be_bytes());
        std::fs::write(&cq, &data).unwrap();
        let report = verify(&dir.0);
        assert_eq!(report.problem_count, 1, "{:?}", report.problems);
        let p = &report.problems[0];
        assert_eq!(
            (p.area, p.unit, p.offset),
            (Area::ConsumeQueue, Unit::QueueOffset, 1)
        );
        assert!(p.what.contains("the entry says 999"), "{p}");

        // A ConsumeQueue cut short loses the newest entries.
        std::fs::write(&cq, &data[..CQ_UNIT]).unwrap();
        let report = verify(&dir.0);
        assert!(report
            .problems
            .iter()
            .any(|p| p.what.contains("entries are missing")));
    }

    #[test]
    fn an_entry_pointing_between_records_matches_nothing() {
        let dir = TempDir::new("stray");
        let written = write_store(&dir.0, 30, 4096);
        let cq = dir.0.join("consumequeue/B/1/00000000000000000000");
        let mut data = std::fs::read(&cq).unwrap();
        let stray = written[3].0 + 5;
        data[..8].copy_from_slice(&stray.to_be_bytes());
        std::fs::write(&cq, &data).unwrap();
        let report = verify(&dir.0);
        let p = &report.problems[0];
        assert_eq!((p.area, p.offset), (Area::ConsumeQueue, 0));
        assert!(p.what.contains("where no message of B/1 starts"), "{p}");
        // The message the entry should name is then unreferenced.
        assert_eq!(report.consume_queues.unreferenced, 1);
    }
}
