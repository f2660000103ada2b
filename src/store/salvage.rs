//! Damaged CommitLog data: finding the intact records that follow a damaged one, and saving
//! them aside before recovery cuts the log at the damage (as Java's recovery does, which
//! drops everything after the first bad record).
//!
//! A record identifies itself: its magic sits at bytes 4..8 and its own physical offset at
//! bytes 28..36, so after a damaged record (whose size can no longer be trusted) the next
//! record is found by looking for a position whose bytes say "a record starts here" and that
//! decodes with a matching body CRC.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::error::StoreError;
use crate::common::message::{decode_record, Record, MAGIC_V1, MAGIC_V2};

/// Intact records found after damage in the CommitLog.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IntactRecords {
    /// Offset of the first intact record after the damage.
    pub first: i64,
    /// One past the last intact record.
    pub end: i64,
    /// How many intact message records there are from `first` to `end`.
    pub count: u64,
}

/// Restores the size of log files (CommitLog or ConsumeQueue, 20-digit names in `dir`) that
/// were cut short while holding data: the file is cut back to whole `unit`s (ConsumeQueue
/// entries are 20 bytes; a CommitLog cuts at any byte) and zero-filled to `file_size`, so the
/// data before the cut is served and recovery treats the rest as the end of the data.
///
/// Java refuses to start on such a file. A file is only repaired when it looks cut, not
/// written with another file size: it is the only file of its length (several equally short
/// files mean `file_size` was changed), no next file starts before this one would end, and
/// its last bytes are data. Returns the repaired files and their lengths before the repair.
pub fn restore_cut_files(
    dir: &Path,
    file_size: usize,
    unit: usize,
) -> Result<Vec<(PathBuf, u64)>, StoreError> {
    let listed = super::mapped_file::list_log_files(dir)?;
    let mut lens = Vec::with_capacity(listed.len());
    for (_, path) in &listed {
        let len = std::fs::metadata(path)
            .map_err(|e| StoreError::io(path, e))?
            .len();
        lens.push(len);
    }
    let mut repaired = Vec::new();
    for (i, (offset, path)) in listed.iter().enumerate() {
        let len = lens[i];
        if len == 0 || len >= file_size as u64 {
            continue;
        }
        if lens.iter().filter(|&&l| l == len).count() > 1 {
            continue;
        }
        if let Some((next, _)) = listed.get(i + 1) {
            if *next < offset + file_size as i64 {
                continue;
            }
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| StoreError::io(path, e))?;
        let mut tail = [0u8; 8];
        let tail_len = (len as usize).min(tail.len());
        file.read_exact_at(&mut tail[..tail_len], len - tail_len as u64)
            .map_err(|e| StoreError::io(path, e))?;
        if tail[..tail_len].iter().all(|&b| b == 0) {
            continue;
        }
        let whole = len - len % unit.max(1) as u64;
        file.set_len(whole).map_err(|e| StoreError::io(path, e))?;
        file.set_len(file_size as u64)
            .map_err(|e| StoreError::io(path, e))?;
        file.sync_all().map_err(|e| StoreError::io(path, e))?;
        repaired.push((path.clone(), len));
    }
    Ok(repaired)
}

/// Position of the first non-zero byte of `data` (word at a time: recovery runs it over the
/// unwritten rest of the last CommitLog file on every start).
pub fn first_nonzero(data: &[u8]) -> Option<usize> {
    let mut chunks = data.chunks_exact(64);
    let mut at = 0usize;
    for chunk in &mut chunks {
        if chunk.iter().fold(0u8, |acc, &b| acc | b) != 0 {
            return chunk.iter().position(|&b| b != 0).map(|p| at + p);
        }
        at += 64;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b != 0)
        .map(|p| at + p)
}

/// Whether the bytes at `pos` of a file based at `base` say a record starts there: a record
/// magic, and the record's own physical offset field equal to the position.
pub fn claims_record_at(data: &[u8], base: i64, pos: usize) -> bool {
    let Some(head) = data.get(pos..pos + 36) else {
        return false;
    };
    let magic = i32::from_be_bytes([head[4], head[5], head[6], head[7]]);
    let mut phys = [0u8; 8];
    phys.copy_from_slice(&head[28..36]);
    (magic == MAGIC_V1 || magic == MAGIC_V2) && i64::from_be_bytes(phys) == base + pos as i64
}

/// The length of the record at `pos` of a file based at `base` if an intact record starts
/// there: it claims the position ([`claims_record_at`]), decodes, and its body CRC matches.
fn intact_record_at(data: &[u8], base: i64, pos: usize) -> Option<usize> {
    if !claims_record_at(data, base, pos) {
        return None;
    }
    match decode_record(&data[pos..]) {
        Ok(Record::Message(view)) if view.crc_ok() => Some(view.raw.len()),
        _ => None,
    }
}

/// The first position at or after `from` where an intact record starts.
pub fn next_intact_record(data: &[u8], base: i64, from: usize) -> Option<usize> {
    // The magic's first byte is the same for both record versions: a cheap filter.
    let first_magic_byte = MAGIC_V1.to_be_bytes()[0];
    debug_assert_eq!(first_magic_byte, MAGIC_V2.to_be_bytes()[0]);
    let mut pos = from;
    while pos + 36 <= data.len() {
        let rest = &data[pos + 4..];
        let skip = rest.iter().position(|&b| b == first_magic_byte)?;
        pos += skip;
        if intact_record_at(data, base, pos).is_some() {
            return Some(pos);
        }
        pos += 1;
    }
    None
}

/// Counts the intact records after the damaged record at `damaged` in the files given as
/// `(base offset, bytes)` in log order. Inside a file, records are followed by their sizes;
/// after a bad one the next intact record is searched for. A file ends at an end-of-file
/// record or where only zeros remain.
pub fn intact_records_after<'a>(
    files: impl IntoIterator<Item = (i64, &'a [u8])>,
    damaged: i64,
) -> Option<IntactRecords> {
    let mut found: Option<IntactRecords> = None;
    for (base, data) in files {
        let end = base + data.len() as i64;
        if end <= damaged {
            continue;
        }
        let mut pos = if damaged >= base {
            (damaged - base) as usize + 1
        } else {
            0
        };
        // Resynchronise (also at a file start, in case the file's first record is damaged).
        while let Some(at) = next_intact_record(data, base, pos) {
            pos = at;
            while let Some(len) = intact_record_at(data, base, pos) {
                let offset = base + pos as i64;
                let f = found.get_or_insert(IntactRecords {
                    first: offset,
                    end: offset,
                    count: 0,
                });
                f.count += 1;
                f.end = offset + len as i64;
                pos += len;
            }
            if matches!(decode_record(&data[pos..]), Ok(Record::Blank { .. })) {
                break;
            }
            pos += 1;
        }
    }
    found
}

/// Copies the CommitLog bytes from `from` to the end of each file's data into files of the
/// same names under `dir` (sparse: the bytes before `from` are holes), so that
/// `rmq store dump commitlog DIR --from-offset N` reads them at their original offsets.
/// Returns the files written.
pub fn save_tail<'a>(
    files: impl IntoIterator<Item = (&'a Path, i64, &'a [u8])>,
    from: i64,
    dir: &Path,
) -> Result<Vec<PathBuf>, StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
    let mut written = Vec::new();
    for (path, base, data) in files {
        if base + data.len() as i64 <= from {
            continue;
        }
        let start = (from - base).max(0) as usize;
        let Some(last) = data[start..].iter().rposition(|&b| b != 0) else {
            continue;
        };
        let end = start + last + 1;
        let name = path.file_name().unwrap_or_default();
        let out = dir.join(name);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&out)
            .map_err(|e| StoreError::io(&out, e))?;
        file.set_len(data.len() as u64)
            .map_err(|e| StoreError::io(&out, e))?;
        file.write_all_at(&data[start..end], start as u64)
            .map_err(|e| StoreError::io(&out, e))?;
        file.sync_all().map_err(|e| StoreError::io(&out, e))?;
        written.push(out);
    }
    Ok(written)
}

/// Zeroes `path` from byte `from` to the last non-zero byte of `data` (the file's mapped
/// bytes), so that nothing of the dropped data is left after the new end of the log (recovery
/// zeroes a torn tail only up to the first zero page; damaged data may go further).
pub fn zero_after(path: &Path, data: &[u8], from: usize) -> Result<(), StoreError> {
    let Some(last) = data
        .get(from..)
        .and_then(|rest| rest.iter().rposition(|&b| b != 0))
    else {
        return Ok(());
    };
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| StoreError::io(path, e))?;
    let zeros = vec![0u8; 1 << 16];
    let end = from + last + 1;
    let mut at = from;
    while at < end {
        let n = (end - at).min(zeros.len());
        file.write_all_at(&zeros[..n], at as u64)
            .map_err(|e| StoreError::io(path, e))?;
        at += n;
    }
    Ok(())
}

/// The command that prints the saved records (one JSON object per line, bodies in base64).
pub fn dump_command(dir: &Path, first: i64) -> String {
    format!(
        "rmq store dump commitlog {} --from-offset {first} --body base64 -o ndjson",
        dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::message::{crc32, MessageToStore};

    fn log(n: usize) -> (Vec<u8>, Vec<usize>) {
        let mut data = vec![0u8; 4096];
        let mut starts = Vec::new();
        let mut at = 0usize;
        for i in 0..n {
            let body = format!("body-{i}");
            let msg = MessageToStore {
                topic: "T",
                queue_id: 0,
                flag: 0,
                body: body.as_bytes(),
                body_crc: crc32(body.as_bytes()),
                sys_flag: 0,
                born_timestamp: 1,
                born_host: "127.0.0.1:1".parse().unwrap(),
                store_host: "127.0.0.1:2".parse().unwrap(),
                reconsume_times: 0,
                prepared_transaction_offset: 0,
                properties: "",
            };
            let len = msg.encoded_len();
            msg.encode(&mut data[at..at + len], i as i64, at as i64, 2);
            starts.push(at);
            at += len;
        }
        (data, starts)
    }

    #[test]
    fn finds_the_records_after_a_damaged_size() {
        let (mut data, starts) = log(5);
        data[starts[1] + 2] ^= 0x40;
        let found = intact_records_after([(0, data.as_slice())], starts[1] as i64).unwrap();
        assert_eq!(found.first, starts[2] as i64);
        assert_eq!(found.count, 3);
        // A damaged body: the record itself is not intact, the next ones are.
        let (mut data, starts) = log(5);
        data[starts[3] + 86] ^= 1;
        let found = intact_records_after([(0, data.as_slice())], starts[3] as i64).unwrap();
        assert_eq!((found.first, found.count), (starts[4] as i64, 1));
        // Damage in the last record: nothing after it.
        assert_eq!(
            intact_records_after([(0, data.as_slice())], starts[4] as i64 + 1),
            None
        );
    }
}
