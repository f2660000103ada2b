//! Index files (`index/<17 digits>`): their geometry, opening them read-only, key lookups, and
//! their used slots and entries.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{invalid, io_err, is_digits, name_of, InspectError};
use crate::store::index::{
    index_file_size, IndexEntry, IndexFile, DEFAULT_HASH_SLOT_NUM, DEFAULT_INDEX_NUM,
    HASH_SLOT_SIZE, INDEX_ENTRY_SIZE, INDEX_HEADER_SIZE,
};

/// `maxHashSlotNum` / `maxIndexNum` of an index file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexGeometry {
    pub hash_slot_num: i32,
    pub index_num: i32,
}

impl IndexGeometry {
    /// Java's defaults (5 000 000 slots, 20 000 000 entries).
    pub const DEFAULT: IndexGeometry = IndexGeometry {
        hash_slot_num: DEFAULT_HASH_SLOT_NUM,
        index_num: DEFAULT_INDEX_NUM,
    };

    /// The file size this geometry gives.
    pub fn file_size(self) -> Option<u64> {
        index_file_size(self.hash_slot_num, self.index_num).map(|s| s as u64)
    }

    /// Guesses the geometry from a file size: the default, or else the default's ratio of four
    /// entries per slot (the header's counts do not tell the capacity). `None` when neither
    /// fits; the broker config must then say.
    pub fn infer(file_len: u64) -> Option<IndexGeometry> {
        if Self::DEFAULT.file_size() == Some(file_len) {
            return Some(Self::DEFAULT);
        }
        let per_slot = (HASH_SLOT_SIZE + 4 * INDEX_ENTRY_SIZE) as u64;
        let body = file_len.checked_sub(INDEX_HEADER_SIZE as u64)?;
        if body == 0 || !body.is_multiple_of(per_slot) {
            return None;
        }
        let slots = i32::try_from(body / per_slot).ok()?;
        let geometry = IndexGeometry {
            hash_slot_num: slots,
            index_num: slots.checked_mul(4)?,
        };
        (geometry.file_size() == Some(file_len)).then_some(geometry)
    }
}

/// Index files (17-digit names) of `dir` in name (= creation) order.
pub fn index_files_in(dir: &Path) -> Result<Vec<PathBuf>, InspectError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let path = entry.map_err(|e| io_err(dir, e))?.path();
        if is_digits(name_of(&path), 17) && path.is_file() {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Opens an index file read-only with the given geometry, or the one its size implies.
pub fn open_index_file(
    path: &Path,
    geometry: Option<IndexGeometry>,
) -> Result<(IndexFile, IndexGeometry), InspectError> {
    let len = std::fs::metadata(path).map_err(|e| io_err(path, e))?.len();
    let geometry = match geometry.or_else(|| IndexGeometry::infer(len)) {
        Some(g) => g,
        None => {
            return Err(invalid(
                path,
                format!(
                    "cannot tell maxHashSlotNum/maxIndexNum of a {len}-byte index file; give the \
                     broker config with -c (or --max-hash-slot-num and --max-index-num)"
                ),
            ))
        }
    };
    let file = IndexFile::open_read_only(path, geometry.hash_slot_num, geometry.index_num)?;
    Ok((file, geometry))
}

/// The CommitLog offsets the index files hold for `key` (a `KEYS` token or the `UNIQ_KEY`) of
/// `topic`, at most `max`, each with the file that holds it. Newest file first, as the
/// broker's query walks them. Entries match by key hash only, so a hit must be confirmed with
/// [`record_has_key`](super::record_has_key).
pub fn find_key(
    files: &[PathBuf],
    geometry: Option<IndexGeometry>,
    topic: &str,
    key: &str,
    max: usize,
) -> Result<Vec<(PathBuf, i64)>, InspectError> {
    let full_key = format!("{topic}#{key}");
    let mut hits: Vec<(PathBuf, i64)> = Vec::new();
    for path in files.iter().rev() {
        let (file, _) = open_index_file(path, geometry)?;
        for offset in file.select_phy_offsets(&full_key, max - hits.len(), 0, i64::MAX) {
            hits.push((path.clone(), offset));
        }
        if hits.len() >= max {
            break;
        }
    }
    Ok(hits)
}

/// The CommitLog directory of the store an index file or directory is in: `commitlog` next to
/// its `index` directory. `None` when the path cannot be resolved.
pub fn commitlog_dir_beside(index_path: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(index_path).ok()?;
    let index_dir = if abs.is_dir() {
        abs
    } else {
        abs.parent()?.to_path_buf()
    };
    Some(index_dir.parent()?.join("commitlog"))
}

/// The hash slots of an index file that name an entry, as `(slot, newest entry)`, in slot
/// order.
pub fn used_slots(file: &IndexFile) -> impl Iterator<Item = (u32, i32)> + '_ {
    (0..file.hash_slot_num().unsigned_abs())
        .filter_map(|s| file.slot_value(s).filter(|&v| v != 0).map(|v| (s, v)))
}

/// An index entry in use, with the store time its `timeDiff` stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexEntryAt {
    /// The entry's number (entry 0 is never used).
    pub number: u32,
    pub entry: IndexEntry,
    /// The header's `beginTimestamp` plus `timeDiff` seconds (ms); 0 when the header has no
    /// `beginTimestamp`.
    pub store_timestamp: i64,
}

/// The entries in use of an index file (numbers `1..indexCount`), in number order. A damaged
/// header's `indexCount` past the file's capacity stops at the last entry the file holds.
pub fn index_entries(file: &IndexFile) -> impl Iterator<Item = IndexEntryAt> + '_ {
    let h = file.header();
    // Without the cap a corrupt count near 2^31 spins through two billion missing entries.
    let end = h
        .index_count
        .unsigned_abs()
        .min(file.index_num().unsigned_abs());
    (1..end).filter_map(move |number| {
        let entry = file.entry(number)?;
        let store_timestamp = if h.begin_timestamp > 0 {
            // Wrapping, as the broker's lookups read it: a damaged header must not panic.
            h.begin_timestamp
                .wrapping_add(i64::from(entry.time_diff) * 1000)
        } else {
            0
        };
        Some(IndexEntryAt {
            number,
            entry,
            store_timestamp,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_geometry_is_inferred_from_the_file_size() {
        assert_eq!(
            IndexGeometry::infer(420_000_040),
            Some(IndexGeometry::DEFAULT)
        );
        assert_eq!(
            IndexGeometry::infer(40 + 64 * 4 + 256 * 20),
            Some(IndexGeometry {
                hash_slot_num: 64,
                index_num: 256
            })
        );
        assert_eq!(IndexGeometry::infer(41), None);
        assert_eq!(IndexGeometry::infer(0), None);
    }
}
