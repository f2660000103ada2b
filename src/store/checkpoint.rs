//! The store checkpoint: `<storeRoot>/checkpoint`, a 4 KiB mapped file recording how far the
//! commitlog, the consume queues and the index are known to be on disk, by store timestamp.
//! Abnormal-exit recovery restarts dispatch from a commitlog file older than these.
//!
//! ```text
//! offset  size  field (big-endian)
//!      0     8  physicMsgTimestamp   store time of the last flushed commitlog message
//!      8     8  logicsMsgTimestamp   store time of the last flushed consume queue entry
//!     16     8  indexMsgTimestamp    end time of the last flushed full index file
//!     24     8  masterFlushedOffset  (5.x; 4.9.x leaves it alone)
//!     32     8  confirmPhyOffset     (5.x; 4.9.x leaves it alone)
//!     40  4056  unused, zero
//! ```
//!
//! The values live in atomics so the flusher and dispatcher threads can set them through a
//! shared reference; [`StoreCheckpoint::flush`] copies them into the map and syncs it. The 5.x
//! fields are read and written back unchanged unless set, so a file a 5.x broker wrote keeps
//! them.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use memmap2::{MmapMut, MmapOptions};
use thiserror::Error;

/// The size of the checkpoint file (Java maps one OS page).
pub const CHECKPOINT_FILE_SIZE: usize = 4096;
/// The bytes that hold fields (4.9.x uses the first 24).
pub const CHECKPOINT_DATA_SIZE: usize = 40;
/// The bytes a 4.9.x checkpoint needs: the three timestamps.
const CHECKPOINT_MIN_SIZE: usize = 24;

const PHYSIC_MSG_TIMESTAMP_POS: usize = 0;
const LOGICS_MSG_TIMESTAMP_POS: usize = 8;
const INDEX_MSG_TIMESTAMP_POS: usize = 16;
const MASTER_FLUSHED_OFFSET_POS: usize = 24;
const CONFIRM_PHY_OFFSET_POS: usize = 32;

/// How far before the older of the commitlog and consume queue timestamps recovery starts:
/// messages stored within the same few seconds may have been flushed out of order.
const MIN_TIMESTAMP_MARGIN_MS: i64 = 3000;

/// Why the checkpoint could not be opened, parsed or flushed.
#[derive(Debug, Error)]
pub enum CheckpointError {
    #[error("checkpoint file {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },

    #[error("checkpoint data is {len} bytes, at least {min} are needed")]
    TooShort { len: usize, min: usize },
}

/// The checkpoint's values, detached from any file (also what the offline dump tool prints).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckpointData {
    pub physic_msg_timestamp: i64,
    pub logics_msg_timestamp: i64,
    pub index_msg_timestamp: i64,
    pub master_flushed_offset: i64,
    pub confirm_phy_offset: i64,
}

impl CheckpointData {
    /// Parses checkpoint bytes: the whole file or at least its first 24 bytes. The 5.x fields
    /// read as 0 when the input stops before them.
    ///
    /// # Errors
    /// [`CheckpointError::TooShort`] for fewer than 24 bytes.
    pub fn parse(bytes: &[u8]) -> Result<CheckpointData, CheckpointError> {
        if bytes.len() < CHECKPOINT_MIN_SIZE {
            return Err(CheckpointError::TooShort {
                len: bytes.len(),
                min: CHECKPOINT_MIN_SIZE,
            });
        }
        let at = |pos: usize| read_i64(bytes, pos).unwrap_or(0);
        Ok(CheckpointData {
            physic_msg_timestamp: at(PHYSIC_MSG_TIMESTAMP_POS),
            logics_msg_timestamp: at(LOGICS_MSG_TIMESTAMP_POS),
            index_msg_timestamp: at(INDEX_MSG_TIMESTAMP_POS),
            master_flushed_offset: at(MASTER_FLUSHED_OFFSET_POS),
            confirm_phy_offset: at(CONFIRM_PHY_OFFSET_POS),
        })
    }

    /// The first 40 bytes of the file holding these values.
    pub fn to_bytes(&self) -> [u8; CHECKPOINT_DATA_SIZE] {
        let mut out = [0u8; CHECKPOINT_DATA_SIZE];
        for (pos, value) in [
            (PHYSIC_MSG_TIMESTAMP_POS, self.physic_msg_timestamp),
            (LOGICS_MSG_TIMESTAMP_POS, self.logics_msg_timestamp),
            (INDEX_MSG_TIMESTAMP_POS, self.index_msg_timestamp),
            (MASTER_FLUSHED_OFFSET_POS, self.master_flushed_offset),
            (CONFIRM_PHY_OFFSET_POS, self.confirm_phy_offset),
        ] {
            out[pos..pos + 8].copy_from_slice(&value.to_be_bytes());
        }
        out
    }

    /// The first field that cannot be right (byte position and what is wrong): the file has
    /// no checksum, so this catches values no broker writes, a negative time or one more than
    /// a day after `now_ms`, as a flipped high byte gives.
    pub fn damage(&self, now_ms: i64) -> Option<(usize, String)> {
        let latest = now_ms.saturating_add(24 * 3600 * 1000);
        [
            (
                PHYSIC_MSG_TIMESTAMP_POS,
                "physicMsgTimestamp",
                self.physic_msg_timestamp,
            ),
            (
                LOGICS_MSG_TIMESTAMP_POS,
                "logicsMsgTimestamp",
                self.logics_msg_timestamp,
            ),
            (
                INDEX_MSG_TIMESTAMP_POS,
                "indexMsgTimestamp",
                self.index_msg_timestamp,
            ),
        ]
        .into_iter()
        .find(|&(_, _, value)| value < 0 || value > latest)
        .map(|(pos, name, value)| {
            (
                pos,
                format!("{name} {value} is not a store time (negative or in the future)"),
            )
        })
    }

    /// Java's `getMinTimestamp`: `min(physic, logics) - 3000`, floored at 0. Abnormal recovery
    /// starts from the newest commitlog file whose first message is not newer than this.
    pub fn min_timestamp(&self) -> i64 {
        self.physic_msg_timestamp
            .min(self.logics_msg_timestamp)
            .saturating_sub(MIN_TIMESTAMP_MARGIN_MS)
            .max(0)
    }

    /// Java's `getMinTimestampIndex`: `min(min_timestamp(), index)`, used instead of
    /// [`CheckpointData::min_timestamp`] when `messageIndexSafe` is on so the index is rebuilt
    /// too.
    pub fn min_timestamp_index(&self) -> i64 {
        self.min_timestamp().min(self.index_msg_timestamp)
    }
}

/// The mapped checkpoint file of a running store.
#[derive(Debug)]
pub struct StoreCheckpoint {
    path: PathBuf,
    /// Only `flush` touches the map; the lock keeps two flushes from interleaving.
    map: Mutex<MmapMut>,
    physic_msg_timestamp: AtomicI64,
    logics_msg_timestamp: AtomicI64,
    index_msg_timestamp: AtomicI64,
    master_flushed_offset: AtomicI64,
    confirm_phy_offset: AtomicI64,
}

// The fields are independent numbers: no other memory is published through them, so relaxed
// ordering is enough (flush reads whatever each field holds at that moment, as Java's volatile
// reads do).
const ORDER: Ordering = Ordering::Relaxed;

impl StoreCheckpoint {
    /// Opens the checkpoint at `path`, creating its directory and a zeroed 4 KiB file if it does
    /// not exist, and reads its values. A shorter file is grown to 4 KiB (zeros), as Java's
    /// mapping does; a longer one keeps its extra bytes untouched.
    ///
    /// # Errors
    /// [`CheckpointError::Io`] if the file cannot be created, opened, sized or mapped.
    pub fn open(path: &Path) -> Result<StoreCheckpoint, CheckpointError> {
        let io = |e| CheckpointError::Io {
            path: path.to_path_buf(),
            source: e,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(io)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len < CHECKPOINT_FILE_SIZE as u64 {
            if len > 0 {
                tracing::error!(
                    path = %path.display(),
                    "checkpoint {} was cut to {len} bytes (not {CHECKPOINT_FILE_SIZE}): the \
                     fields past byte {len} read as 0, so an abnormal-exit recovery starts from \
                     the first CommitLog file",
                    path.display()
                );
            }
            file.set_len(CHECKPOINT_FILE_SIZE as u64).map_err(io)?;
        }
        // SAFETY: the map stays valid only while nobody truncates the file. The checkpoint
        // belongs to this store, which its `lock` file keeps other brokers out of; the file was
        // sized to at least CHECKPOINT_FILE_SIZE just above.
        let map =
            unsafe { MmapOptions::new().len(CHECKPOINT_FILE_SIZE).map_mut(&file) }.map_err(io)?;
        let mut data = CheckpointData::parse(&map).map_err(|_| {
            io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "mapped checkpoint shorter than 24 bytes",
            ))
        })?;
        if let Some((position, what)) = data.damage(crate::common::clock::now_ms()) {
            // 0 is the safe value: recovery after an abnormal exit then starts from the first
            // CommitLog file and rebuilds the index. The next flush writes good values.
            tracing::error!(
                path = %path.display(),
                position,
                "checkpoint {} is damaged at byte {position}: {what}; its timestamps are \
                 reset to 0 (an abnormal-exit recovery starts from the first CommitLog file)",
                path.display()
            );
            data.physic_msg_timestamp = 0;
            data.logics_msg_timestamp = 0;
            data.index_msg_timestamp = 0;
        }
        tracing::info!(
            path = %path.display(),
            physic_msg_timestamp = data.physic_msg_timestamp,
            logics_msg_timestamp = data.logics_msg_timestamp,
            index_msg_timestamp = data.index_msg_timestamp,
            "store checkpoint loaded"
        );
        Ok(StoreCheckpoint {
            path: path.to_path_buf(),
            map: Mutex::new(map),
            physic_msg_timestamp: AtomicI64::new(data.physic_msg_timestamp),
            logics_msg_timestamp: AtomicI64::new(data.logics_msg_timestamp),
            index_msg_timestamp: AtomicI64::new(data.index_msg_timestamp),
            master_flushed_offset: AtomicI64::new(data.master_flushed_offset),
            confirm_phy_offset: AtomicI64::new(data.confirm_phy_offset),
        })
    }

    /// The checkpoint file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A snapshot of all values (as set, not necessarily flushed).
    pub fn data(&self) -> CheckpointData {
        CheckpointData {
            physic_msg_timestamp: self.physic_msg_timestamp(),
            logics_msg_timestamp: self.logics_msg_timestamp(),
            index_msg_timestamp: self.index_msg_timestamp(),
            master_flushed_offset: self.master_flushed_offset(),
            confirm_phy_offset: self.confirm_phy_offset(),
        }
    }

    pub fn physic_msg_timestamp(&self) -> i64 {
        self.physic_msg_timestamp.load(ORDER)
    }

    pub fn set_physic_msg_timestamp(&self, value: i64) {
        self.physic_msg_timestamp.store(value, ORDER);
    }

    pub fn logics_msg_timestamp(&self) -> i64 {
        self.logics_msg_timestamp.load(ORDER)
    }

    pub fn set_logics_msg_timestamp(&self, value: i64) {
        self.logics_msg_timestamp.store(value, ORDER);
    }

    pub fn index_msg_timestamp(&self) -> i64 {
        self.index_msg_timestamp.load(ORDER)
    }

    pub fn set_index_msg_timestamp(&self, value: i64) {
        self.index_msg_timestamp.store(value, ORDER);
    }

    pub fn master_flushed_offset(&self) -> i64 {
        self.master_flushed_offset.load(ORDER)
    }

    pub fn set_master_flushed_offset(&self, value: i64) {
        self.master_flushed_offset.store(value, ORDER);
    }

    pub fn confirm_phy_offset(&self) -> i64 {
        self.confirm_phy_offset.load(ORDER)
    }

    pub fn set_confirm_phy_offset(&self, value: i64) {
        self.confirm_phy_offset.store(value, ORDER);
    }

    /// See [`CheckpointData::min_timestamp`].
    pub fn min_timestamp(&self) -> i64 {
        self.data().min_timestamp()
    }

    /// See [`CheckpointData::min_timestamp_index`].
    pub fn min_timestamp_index(&self) -> i64 {
        self.data().min_timestamp_index()
    }

    /// Writes the current values into the map and syncs it to disk.
    ///
    /// # Errors
    /// [`CheckpointError::Io`] if the sync fails.
    pub fn flush(&self) -> Result<(), CheckpointError> {
        let bytes = self.data().to_bytes();
        // A poisoned lock only means another flush panicked; the map is plain bytes that the
        // next full write overwrites, so carry on.
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map[..CHECKPOINT_DATA_SIZE].copy_from_slice(&bytes);
        map.flush().map_err(|e| CheckpointError::Io {
            path: self.path.clone(),
            source: e,
        })
    }
}

fn read_i64(bytes: &[u8], pos: usize) -> Option<i64> {
    let raw = bytes.get(pos..pos.checked_add(8)?)?;
    Some(i64::from_be_bytes(raw.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            static SEQ: AtomicU64 = AtomicU64::new(0);
            let dir = std::env::temp_dir().join(format!(
                "rmq-checkpoint-{tag}-{}-{}",
                std::process::id(),
                SEQ.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn creates_zeroed_file_in_missing_dir() {
        let dir = TempDir::new("create");
        let path = dir.0.join("store").join("checkpoint");
        let cp = StoreCheckpoint::open(&path).unwrap();
        assert_eq!(cp.data(), CheckpointData::default());
        assert_eq!(fs::read(&path).unwrap(), vec![0u8; CHECKPOINT_FILE_SIZE]);
        assert_eq!(cp.path(), path);
    }

    #[test]
    fn golden_bytes_after_flush() {
        let dir = TempDir::new("golden");
        let path = dir.0.join("checkpoint");
        let cp = StoreCheckpoint::open(&path).unwrap();
        cp.set_physic_msg_timestamp(0x0000_018B_CFE5_6800); // 1_700_000_000_000
        cp.set_logics_msg_timestamp(1_700_000_000_123);
        cp.set_index_msg_timestamp(-1);
        cp.flush().unwrap();
        let bytes = fs::read(&path).unwrap();
        assert_eq!(bytes.len(), CHECKPOINT_FILE_SIZE);
        #[rustfmt::skip]
        let expected: [u8; 40] = [
            0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00, // physic  1700000000000
            0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x7B, // logics  1700000000123
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // index   -1
            0, 0, 0, 0, 0, 0, 0, 0,                         // masterFlushedOffset unset
            0, 0, 0, 0, 0, 0, 0, 0,                         // confirmPhyOffset unset
        ];
        assert_eq!(&bytes[..40], &expected);
        assert!(bytes[40..].iter().all(|&b| b == 0));
        assert_eq!(CheckpointData::parse(&bytes).unwrap(), cp.data());
        assert_eq!(cp.data().to_bytes(), expected);
    }

    #[test]
    fn reopen_keeps_values_including_5x_fields() {
        let dir = TempDir::new("reopen");
        let path = dir.0.join("checkpoint");
        {
            let cp = StoreCheckpoint::open(&path).unwrap();
            cp.set_physic_msg_timestamp(11);
            cp.set_logics_msg_timestamp(22);
            cp.set_index_msg_timestamp(33);
            cp.set_master_flushed_offset(44);
            cp.set_confirm_phy_offset(55);
            cp.flush().unwrap();
            // Set after the flush: not persisted.
            cp.set_physic_msg_timestamp(99);
        }
        let cp = StoreCheckpoint::open(&path).unwrap();
        assert_eq!(
            cp.data(),
            CheckpointData {
                physic_msg_timestamp: 11,
                logics_msg_timestamp: 22,
                index_msg_timestamp: 33,
                master_flushed_offset: 44,
                confirm_phy_offset: 55,
            }
        );
        // A 4.9.x flush (only the timestamps changed) writes the 5.x fields back unchanged.
        cp.set_index_msg_timestamp(34);
        cp.flush().unwrap();
        let data = CheckpointData::parse(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(data.master_flushed_offset, 44);
        assert_eq!(data.confirm_phy_offset, 55);
        assert_eq!(data.index_msg_timestamp, 34);
    }

    #[test]
    fn short_file_is_grown_and_read() {
        let dir = TempDir::new("short");
        let path = dir.0.join("checkpoint");
        let mut raw = vec![0u8; 24];
        raw[0..8].copy_from_slice(&5000i64.to_be_bytes());
        raw[8..16].copy_from_slice(&7000i64.to_be_bytes());
        raw[16..24].copy_from_slice(&6000i64.to_be_bytes());
        fs::write(&path, &raw).unwrap();
        let cp = StoreCheckpoint::open(&path).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().len(),
            CHECKPOINT_FILE_SIZE as u64
        );
        assert_eq!(cp.physic_msg_timestamp(), 5000);
        assert_eq!(cp.logics_msg_timestamp(), 7000);
        assert_eq!(cp.index_msg_timestamp(), 6000);
        assert_eq!(cp.min_timestamp(), 2000);
        assert_eq!(cp.min_timestamp_index(), 2000);
    }

    #[test]
    fn min_timestamp_rules() {
        let d = |physic, logics, index| CheckpointData {
            physic_msg_timestamp: physic,
            logics_msg_timestamp: logics,
            index_msg_timestamp: index,
            ..CheckpointData::default()
        };
        assert_eq!(d(10_000, 20_000, 0).min_timestamp(), 7_000);
        assert_eq!(d(20_000, 10_000, 0).min_timestamp(), 7_000);
        // Floored at 0.
        assert_eq!(d(2_999, 20_000, 0).min_timestamp(), 0);
        assert_eq!(d(0, 0, 0).min_timestamp(), 0);
        assert_eq!(d(i64::MIN, 0, 0).min_timestamp(), 0);
        // The index timestamp only lowers it.
        assert_eq!(d(10_000, 20_000, 5_000).min_timestamp_index(), 5_000);
        assert_eq!(d(10_000, 20_000, 50_000).min_timestamp_index(), 7_000);
        assert_eq!(d(10_000, 20_000, -5).min_timestamp_index(), -5);
    }

    #[test]
    fn parse_needs_the_three_timestamps() {
        assert!(matches!(
            CheckpointData::parse(&[0u8; 23]),
            Err(CheckpointError::TooShort { len: 23, min: 24 })
        ));
        let mut raw = [0u8; 32];
        raw[24..32].copy_from_slice(&9i64.to_be_bytes());
        let data = CheckpointData::parse(&raw).unwrap();
        assert_eq!(data.master_flushed_offset, 9);
        assert_eq!(data.confirm_phy_offset, 0);
    }

    #[test]
    fn shared_between_threads() {
        fn check<T: Send + Sync>() {}
        check::<StoreCheckpoint>();
        let dir = TempDir::new("threads");
        let cp = Arc::new(StoreCheckpoint::open(&dir.0.join("checkpoint")).unwrap());
        let handles: Vec<_> = (0..2)
            .map(|t| {
                let cp = Arc::clone(&cp);
                std::thread::spawn(move || {
                    for i in 0..100 {
                        if t == 0 {
                            cp.set_physic_msg_timestamp(i);
                        } else {
                            cp.set_logics_msg_timestamp(i);
                        }
                        cp.flush().unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(cp.data().physic_msg_timestamp, 99);
        assert_eq!(cp.data().logics_msg_timestamp, 99);
    }
}
