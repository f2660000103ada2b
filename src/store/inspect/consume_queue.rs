//! ConsumeQueue files (`consumequeue/<topic>/<queueId>/<20 digits>`) and their entries.

use std::path::{Path, PathBuf};

use super::log_file::{log_files_in, name_offset, FileMap, LogFile};
use super::{invalid, io_err, name_of, InspectError};
use crate::store::consume_queue::{CqEntry, CQ_UNIT};

/// The files of one ConsumeQueue, with its topic and queue id when the path tells them.
#[derive(Clone, Debug)]
pub struct ConsumeQueueFiles {
    pub topic: Option<String>,
    pub queue_id: Option<i32>,
    pub files: Vec<LogFile>,
}

/// One written ConsumeQueue entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CqSlot {
    pub queue_offset: i64,
    pub entry: CqEntry,
}

impl CqSlot {
    /// The filler Java writes in front of a queue whose first file starts past offset 0.
    pub fn is_pre_fill(&self) -> bool {
        self.entry == CqEntry::PRE_FILL
    }
}

fn check_cq_file(file: &LogFile) -> Result<(), InspectError> {
    if file.len == 0 {
        return Err(invalid(&file.path, "file is empty"));
    }
    if !file.len.is_multiple_of(CQ_UNIT as u64) {
        return Err(invalid(
            &file.path,
            format!(
                "not a ConsumeQueue file: {} bytes is not a whole number of {CQ_UNIT}-byte entries",
                file.len
            ),
        ));
    }
    Ok(())
}

impl ConsumeQueueFiles {
    /// The queue(s) at `path`: one ConsumeQueue file, a queue directory
    /// (`consumequeue/<topic>/<queueId>`) or a topic directory (every queue of the topic).
    pub fn open(path: &Path) -> Result<Vec<ConsumeQueueFiles>, InspectError> {
        let meta = std::fs::metadata(path).map_err(|e| io_err(path, e))?;
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let names: Vec<&str> = abs.ancestors().map(name_of).collect();
        let under_cq = |levels: usize| names.get(levels) == Some(&"consumequeue");
        if !meta.is_dir() {
            let file = LogFile {
                path: path.to_path_buf(),
                base_offset: name_offset(path).unwrap_or(0),
                len: meta.len(),
            };
            check_cq_file(&file)?;
            let (topic, queue_id) = if under_cq(3) {
                (Some(names[2].to_string()), names[1].parse().ok())
            } else {
                (None, None)
            };
            return Ok(vec![ConsumeQueueFiles {
                topic,
                queue_id,
                files: vec![file],
            }]);
        }
        if let Ok(queue_id) = names[0].parse::<i32>() {
            let topic = under_cq(2).then(|| names[1].to_string());
            return Ok(vec![Self::from_dir(path, topic, Some(queue_id))?]);
        }
        if under_cq(1) {
            return Self::topic(abs.parent().unwrap_or(&abs), names[0], None);
        }
        Err(invalid(
            path,
            "not a ConsumeQueue file, queue directory (consumequeue/<topic>/<queueId>) or topic \
             directory",
        ))
    }

    /// The queues of `topic` under a `consumequeue` directory: all, or only `queue_id`.
    pub fn topic(
        cq_dir: &Path,
        topic: &str,
        queue_id: Option<i32>,
    ) -> Result<Vec<ConsumeQueueFiles>, InspectError> {
        let topic_dir = cq_dir.join(topic);
        if !topic_dir.is_dir() {
            return Err(invalid(
                &topic_dir,
                format!("no ConsumeQueue directory for topic {topic}"),
            ));
        }
        if let Some(q) = queue_id {
            let dir = topic_dir.join(q.to_string());
            if !dir.is_dir() {
                return Err(invalid(
                    &dir,
                    format!("no ConsumeQueue for topic {topic} queue {q}"),
                ));
            }
            return Ok(vec![Self::from_dir(
                &dir,
                Some(topic.to_string()),
                Some(q),
            )?]);
        }
        queue_dirs(&topic_dir)?
            .into_iter()
            .map(|(q, dir)| Self::from_dir(&dir, Some(topic.to_string()), Some(q)))
            .collect()
    }

    fn from_dir(
        dir: &Path,
        topic: Option<String>,
        queue_id: Option<i32>,
    ) -> Result<ConsumeQueueFiles, InspectError> {
        Ok(ConsumeQueueFiles {
            topic,
            queue_id,
            files: log_files_in(dir)?,
        })
    }

    /// The written entries (pre-fill entries included) with queue offset `>= from`, file by
    /// file; each file's entries stop at its first unwritten slot.
    pub fn entries(&self, from: i64) -> CqEntries<'_> {
        CqEntries {
            files: &self.files,
            next_file: 0,
            current: None,
            from,
        }
    }
}

/// `(queueId, dir)` of the numeric subdirectories of a topic directory, by queue id.
pub(super) fn queue_dirs(topic_dir: &Path) -> Result<Vec<(i32, PathBuf)>, InspectError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(topic_dir).map_err(|e| io_err(topic_dir, e))? {
        let entry = entry.map_err(|e| io_err(topic_dir, e))?;
        let path = entry.path();
        if let Ok(q) = name_of(&path).parse::<i32>() {
            if path.is_dir() {
                out.push((q, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Iterator over ConsumeQueue entries, see [`ConsumeQueueFiles::entries`]. Maps one file at a
/// time; entries are copied out, so nothing borrows the map.
pub struct CqEntries<'q> {
    files: &'q [LogFile],
    next_file: usize,
    current: Option<(FileMap, i64, usize)>,
    from: i64,
}

impl Iterator for CqEntries<'_> {
    type Item = Result<CqSlot, InspectError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((map, base, pos)) = &mut self.current {
                let data = map.bytes();
                if let Some(unit) = data.get(*pos..*pos + CQ_UNIT) {
                    let entry = CqEntry::decode(unit);
                    let queue_offset = (*base + *pos as i64) / CQ_UNIT as i64;
                    *pos += CQ_UNIT;
                    if entry.is_valid() {
                        if queue_offset >= self.from {
                            return Some(Ok(CqSlot {
                                queue_offset,
                                entry,
                            }));
                        }
                        continue;
                    }
                }
                self.current = None;
            }
            let file = self.files.get(self.next_file)?;
            self.next_file += 1;
            let entries = (file.len / CQ_UNIT as u64) as i64;
            if file.base_offset / CQ_UNIT as i64 + entries <= self.from {
                continue;
            }
            if let Err(e) = check_cq_file(file) {
                return Some(Err(e));
            }
            match file.map() {
                Ok(map) => {
                    // Start at the first entry the caller wants, not at the file's start.
                    let skip = self
                        .from
                        .saturating_sub(file.base_offset / CQ_UNIT as i64)
                        .max(0) as usize;
                    self.current = Some((map, file.base_offset, skip * CQ_UNIT));
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::inspect::testutil::{write_store, TempDir};
    use crate::store::inspect::{detect_kind, StoreFileKind};

    #[test]
    fn consume_queue_entries_iterate_from_an_offset() {
        let dir = TempDir::new("cqiter");
        write_store(&dir.0, 40, 1024);
        let queues = ConsumeQueueFiles::open(&dir.0.join("consumequeue/A/0")).unwrap();
        assert_eq!(queues.len(), 1);
        assert_eq!(queues[0].topic.as_deref(), Some("A"));
        assert_eq!(queues[0].queue_id, Some(0));
        let all: Vec<_> = queues[0].entries(0).map(Result::unwrap).collect();
        assert_eq!(all.len(), 13);
        let from: Vec<_> = queues[0].entries(7).map(Result::unwrap).collect();
        assert_eq!(from.first().unwrap().queue_offset, 7);
        assert_eq!(from.len(), 6);
        let topic = ConsumeQueueFiles::open(&dir.0.join("consumequeue/A")).unwrap();
        assert_eq!(topic.len(), 2);
        assert_eq!(
            detect_kind(&dir.0.join("consumequeue/A/0/00000000000000000000")).unwrap(),
            StoreFileKind::ConsumeQueue
        );
        assert_eq!(
            detect_kind(&dir.0.join("commitlog")).unwrap(),
            StoreFileKind::CommitLog
        );
    }
}
