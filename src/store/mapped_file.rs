//! Fixed-size memory-mapped files and the ordered queue of them that makes one logical log
//! (the CommitLog, or one ConsumeQueue). Files are named by their 20-digit start offset.
//!
//! Concurrency contract: each file has exactly one writer at a time (the store's put lock or the
//! dispatcher), which writes only at or beyond `write_pos` and then publishes the new position
//! with a release store; readers only touch bytes below a `write_pos` they loaded with acquire.
//! Published bytes are never written again until the file is truncated by recovery, which runs
//! before any reader exists.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;
use memmap2::{MmapOptions, MmapRaw};

use super::error::StoreError;
use super::reuse::ReusePool;

/// The file name of a file starting at `offset`: 20 digits, zero-padded.
pub fn file_name(offset: i64) -> String {
    format!("{offset:020}")
}

/// One mapped file of a log.
pub struct MappedFile {
    path: PathBuf,
    from_offset: i64,
    size: usize,
    map: MmapRaw,
    write_pos: AtomicUsize,
    flushed_pos: AtomicUsize,
    /// Store timestamp of the last message written (checkpoint bookkeeping).
    last_store_timestamp: AtomicI64,
    /// Bytes from the start known to have disk blocks (see [`Self::ensure_allocated`]).
    allocated: AtomicUsize,
    file: File,
}

impl MappedFile {
    /// Creates (or reuses) the file at `path` with exactly `size` bytes and maps it. With
    /// `allocate_all` every block is allocated now; otherwise the writer allocates ahead of
    /// itself with [`Self::ensure_allocated`].
    ///
    /// Allocation is what makes a full disk safe: a store into a mapped page the file system
    /// cannot back raises SIGBUS (on tmpfs, or ext4 once it is full), whereas a failed
    /// allocation is an ordinary error, returned before anything is written. A file this call
    /// created is removed again when it fails.
    ///
    /// # Errors
    ///
    /// [`StoreError::Allocate`] (see [`StoreError::is_disk_full`]).
    pub fn create(
        path: &Path,
        from_offset: i64,
        size: usize,
        allocate_all: bool,
    ) -> Result<MappedFile, StoreError> {
        let fail = |source| StoreError::Allocate {
            path: path.to_path_buf(),
            size,
            source,
        };
        let (file, created) = match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(file) => (file, true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(path)
                    .map_err(fail)?;
                (file, false)
            }
            Err(e) => return Err(fail(e)),
        };
        let sized = || -> io::Result<()> {
            if allocate_all {
                check_room(path, size as u64)?;
            }
            if file.metadata()?.len() != size as u64 {
                file.set_len(size as u64)?;
            }
            if allocate_all {
                allocate_range(&file, 0, size as u64)?;
            }
            Ok(())
        };
        if let Err(e) = sized() {
            drop(file);
            if created {
                let _ = std::fs::remove_file(path);
            }
            return Err(fail(e));
        }
        let mapped = Self::map(path.to_path_buf(), file, from_offset, size, true)?;
        if allocate_all {
            mapped.allocated.store(size, Ordering::Release);
        }
        Ok(mapped)
    }

    /// Makes sure the bytes `[0, end)` have disk blocks before the writer stores into them
    /// through the mapping, allocating up to `chunk` bytes beyond `end` (whole pages; 0: the
    /// rest of the file) so that this is a syscall only once per chunk. Writer only; a
    /// comparison when the range is already allocated.
    ///
    /// # Errors
    ///
    /// [`StoreError::Allocate`] when the file system has no room; nothing was written.
    pub fn ensure_allocated(&self, end: usize, chunk: usize) -> Result<(), StoreError> {
        const PAGE: usize = 4096;
        let end = end.min(self.size);
        let have = self.allocated.load(Ordering::Acquire);
        if end <= have {
            return Ok(());
        }
        let target = if chunk == 0 {
            self.size
        } else {
            (end + chunk)
                .div_ceil(PAGE)
                .saturating_mul(PAGE)
                .min(self.size)
        };
        allocate_range(&self.file, have as u64, (target - have) as u64).map_err(|source| {
            StoreError::Allocate {
                path: self.path.clone(),
                size: target - have,
                source,
            }
        })?;
        self.allocated.fetch_max(target, Ordering::AcqRel);
        Ok(())
    }

    /// Maps an existing file, writable or read-only (the offline tools never write).
    pub fn open(path: &Path, from_offset: i64, writable: bool) -> Result<MappedFile, StoreError> {
        let io_err = |e| StoreError::io(path, e);
        let file = OpenOptions::new()
            .read(true)
            .write(writable)
            .open(path)
            .map_err(io_err)?;
        let size = file.metadata().map_err(io_err)?.len() as usize;
        Self::map(path.to_path_buf(), file, from_offset, size, writable)
    }

    fn map(
        path: PathBuf,
        file: File,
        from_offset: i64,
        size: usize,
        writable: bool,
    ) -> Result<MappedFile, StoreError> {
        if size == 0 {
            return Err(StoreError::Corrupt {
                path,
                reason: "file is empty".into(),
            });
        }
        let map = if writable {
            MmapOptions::new().map_raw(&file)
        } else {
            MmapOptions::new().map_raw_read_only(&file)
        }
        .map_err(|e| StoreError::io(&path, e))?;
        Ok(MappedFile {
            path,
            from_offset,
            size,
            map,
            write_pos: AtomicUsize::new(0),
            flushed_pos: AtomicUsize::new(0),
            last_store_timestamp: AtomicI64::new(0),
            allocated: AtomicUsize::new(0),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Log offset of the file's first byte.
    pub fn from_offset(&self) -> i64 {
        self.from_offset
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Bytes written and published.
    pub fn write_pos(&self) -> usize {
        self.write_pos.load(Ordering::Acquire)
    }

    pub fn flushed_pos(&self) -> usize {
        self.flushed_pos.load(Ordering::Acquire)
    }

    pub fn remaining(&self) -> usize {
        self.size - self.write_pos()
    }

    pub fn is_full(&self) -> bool {
        self.write_pos() >= self.size
    }

    pub fn last_store_timestamp(&self) -> i64 {
        self.last_store_timestamp.load(Ordering::Acquire)
    }

    pub fn set_last_store_timestamp(&self, ts: i64) {
        self.last_store_timestamp.store(ts, Ordering::Release);
    }

    /// Sets the published position (recovery, or after a write through [`Self::write_slot`]).
    pub fn set_write_pos(&self, pos: usize) {
        let pos = pos.min(self.size);
        self.write_pos.store(pos, Ordering::Release);
        if self.flushed_pos() > pos {
            self.flushed_pos.store(pos, Ordering::Release);
        }
    }

    /// Marks everything up to `pos` as already durable (recovery of a cleanly closed file).
    pub fn set_flushed_pos(&self, pos: usize) {
        self.flushed_pos
            .store(pos.min(self.size), Ordering::Release);
    }

    /// The unpublished bytes `[pos, pos + len)` for the writer to fill.
    ///
    /// # Safety
    /// The caller must be the file's only writer, `pos` must be at or beyond the published
    /// `write_pos`, and the slice must be dropped before the position is published.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn write_slot(&self, pos: usize, len: usize) -> &mut [u8] {
        assert!(
            pos + len <= self.size,
            "write past the end of {}",
            self.path.display()
        );
        // SAFETY: in bounds (asserted); exclusivity and the unpublished range are the caller's
        // contract, so no reader observes these bytes while they are being written.
        unsafe { std::slice::from_raw_parts_mut(self.map.as_mut_ptr().add(pos), len) }
    }

    /// Published bytes `[pos, pos + len)`, or `None` if they are not all written yet.
    pub fn read(&self, pos: usize, len: usize) -> Option<&[u8]> {
        let end = pos.checked_add(len)?;
        if end > self.write_pos() {
            return None;
        }
        // SAFETY: the range is below the acquired write position, so it is published and never
        // written again while readers exist (module contract).
        Some(unsafe { std::slice::from_raw_parts(self.map.as_ptr().add(pos), len) })
    }

    /// All published bytes from `pos` on.
    pub fn read_from(&self, pos: usize) -> &[u8] {
        let end = self.write_pos();
        if pos >= end {
            return &[];
        }
        self.read(pos, end - pos).unwrap_or(&[])
    }

    /// The whole mapping regardless of the write position, for recovery and offline scans (which
    /// run while nothing writes).
    pub fn whole(&self) -> &[u8] {
        // SAFETY: the mapping is `size` bytes long; used only when no writer is active.
        unsafe { std::slice::from_raw_parts(self.map.as_ptr(), self.size) }
    }

    /// Published bytes as a [`Bytes`] that keeps the file mapped while it lives: zero-copy
    /// responses straight from the page cache.
    pub fn slice_bytes(self: &Arc<Self>, pos: usize, len: usize) -> Option<Bytes> {
        self.read(pos, len)?;
        Some(Bytes::from_owner(MappedSlice {
            file: self.clone(),
            pos,
            len,
        }))
    }

    /// Writes dirty pages to disk (msync of the unflushed range). Returns the new flushed position.
    pub fn flush(&self) -> Result<usize, StoreError> {
        let written = self.write_pos();
        let flushed = self.flushed_pos();
        if written > flushed {
            self.map
                .flush_range(flushed, written - flushed)
                .map_err(|e| StoreError::io(&self.path, e))?;
            self.flushed_pos.fetch_max(written, Ordering::AcqRel);
        }
        Ok(written)
    }

    /// Touches every page so later appends do not take page faults (run off the append path).
    pub fn warm(&self) {
        let start = self.write_pos() & !4095;
        if start >= self.size {
            return;
        }
        // MADV_POPULATE_WRITE faults every page in writable without changing its contents:
        // appends then never trap into the kernel (a first-touch fault on a shared file
        // mapping costs far more than the copy). Safe while the appender writes to the file.
        let len = self.size - start;
        if self
            .map
            .advise_range(memmap2::Advice::PopulateWrite, start, len)
            .is_err()
        {
            let _ = self.map.advise_range(memmap2::Advice::WillNeed, start, len);
        }
    }
}

/// Refuses (as `StorageFull`) a whole-file allocation that would leave less than 1 % of the
/// file system free, without trying it: a failing `fallocate` holds every free block until it
/// gives up, and in that moment a store into any sparse mapped page (an index file's) would
/// raise SIGBUS. The margin also leaves room for the index and config files.
fn check_room(path: &Path, size: u64) -> io::Result<()> {
    let Some(cap) = crate::common::host::fs_capacity(path) else {
        return Ok(());
    };
    let margin = cap.total / 100;
    if cap.available < size.saturating_add(margin) {
        return Err(io::Error::new(
            io::ErrorKind::StorageFull,
            format!(
                "No space left on device: {} bytes available, {size} needed (and 1 % kept free)",
                cap.available
            ),
        ));
    }
    Ok(())
}

/// Allocates disk blocks for `[offset, offset + len)` of `file` (`fallocate`), so writes
/// through a mapping never need space the file system does not have. Where the file system
/// cannot preallocate, nothing is done (the file stays sparse, as Java's files are).
pub fn allocate_range(file: &File, offset: u64, len: u64) -> io::Result<()> {
    if len == 0 {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::io::AsRawFd;
        let (Ok(offset), Ok(len)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len))
        else {
            return Err(io::Error::from(io::ErrorKind::InvalidInput));
        };
        loop {
            // SAFETY: a plain syscall on a descriptor we own.
            if unsafe { libc::fallocate(file.as_raw_fd(), 0, offset, len) } == 0 {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EOPNOTSUPP) | Some(libc::ENOSYS) => return Ok(()),
                _ => return Err(err),
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (file, offset, len);
        Ok(())
    }
}

fn zero_torn_tail(file: &MappedFile, pos: usize) {
    const PAGE: usize = 4096;
    let mut at = pos;
    while at < file.size() {
        let page_end = ((at / PAGE) + 1) * PAGE;
        let end = page_end.min(file.size());
        if at.is_multiple_of(PAGE) && file.whole()[at..end].iter().all(|&b| b == 0) {
            break;
        }
        // SAFETY: recovery runs before any reader or writer of this file exists.
        unsafe { file.write_slot(at, end - at) }.fill(0);
        at = end;
    }
}

struct MappedSlice {
    file: Arc<MappedFile>,
    pos: usize,
    len: usize,
}

impl AsRef<[u8]> for MappedSlice {
    fn as_ref(&self) -> &[u8] {
        self.file.read(self.pos, self.len).unwrap_or(&[])
    }
}

/// The ordered files of one log, each `file_size` bytes.
pub struct MappedFileQueue {
    dir: PathBuf,
    file_size: usize,
    files: RwLock<Vec<Arc<MappedFile>>>,
    /// A next file made ahead of need by a background thread, keyed by its start offset.
    prepared: Arc<Mutex<Option<MappedFile>>>,
    preparing: Mutex<Option<std::thread::JoinHandle<()>>>,
    writable: bool,
    /// Create the next file ahead of need (the CommitLog; small ConsumeQueue files are made
    /// on demand, as Java does).
    preallocate: bool,
    /// How far ahead of the writer new files get disk blocks: 0 allocates a new file whole
    /// when it is created; otherwise writers call [`Self::ensure_allocated`].
    allocation_chunk: usize,
    /// Where retired files wait to become new ones (the CommitLog; see [`ReusePool`]).
    reuse: Option<Arc<ReusePool>>,
}

impl MappedFileQueue {
    /// Loads the files in `dir` (created if missing when writable). Every file must have the
    /// configured size: a mismatch means the config does not match the store.
    pub fn load(
        dir: &Path,
        file_size: usize,
        writable: bool,
    ) -> Result<MappedFileQueue, StoreError> {
        if writable {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        }
        let mut files = Vec::new();
        let listed = list_log_files(dir)?;
        let count = listed.len();
        for (i, (offset, path)) in listed.into_iter().enumerate() {
            let len = std::fs::metadata(&path)
                .map_err(|e| StoreError::io(&path, e))?
                .len();
            if len == 0 && i + 1 == count && writable {
                // A crash between creating the newest file and sizing it: it holds nothing.
                tracing::warn!("removing empty, half-created {}", path.display());
                std::fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
                continue;
            }
            if len != file_size as u64 {
                return Err(StoreError::Corrupt {
                    path,
                    reason: format!(
                        "file is {len} bytes but the configured file size is {file_size}"
                    ),
                });
            }
            let file = MappedFile::open(&path, offset, writable)?;
            // Until recovery says otherwise, a loaded file counts as fully written and flushed.
            file.set_write_pos(file_size);
            file.set_flushed_pos(file_size);
            files.push(Arc::new(file));
        }
        Ok(MappedFileQueue {
            dir: dir.to_path_buf(),
            file_size,
            files: RwLock::new(files),
            prepared: Arc::new(Mutex::new(None)),
            preparing: Mutex::new(None),
            writable,
            preallocate: false,
            allocation_chunk: 0,
            reuse: None,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn file_size(&self) -> usize {
        self.file_size
    }

    pub fn files(&self) -> Vec<Arc<MappedFile>> {
        self.files.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn first(&self) -> Option<Arc<MappedFile>> {
        self.files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .first()
            .cloned()
    }

    pub fn last(&self) -> Option<Arc<MappedFile>> {
        self.files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .last()
            .cloned()
    }

    pub fn is_empty(&self) -> bool {
        self.files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    /// Offset of the first byte still on disk.
    pub fn min_offset(&self) -> i64 {
        self.first().map_or(0, |f| f.from_offset())
    }

    /// Offset one past the last published byte.
    pub fn max_offset(&self) -> i64 {
        self.last()
            .map_or(0, |f| f.from_offset() + f.write_pos() as i64)
    }

    /// Offset up to which everything is flushed.
    pub fn flushed_offset(&self) -> i64 {
        let files = self.files.read().unwrap_or_else(|p| p.into_inner());
        for f in files.iter() {
            if f.flushed_pos() < f.write_pos() {
                return f.from_offset() + f.flushed_pos() as i64;
            }
        }
        files
            .last()
            .map_or(0, |f| f.from_offset() + f.write_pos() as i64)
    }

    /// The file holding `offset`.
    pub fn find(&self, offset: i64) -> Option<Arc<MappedFile>> {
        let files = self.files.read().unwrap_or_else(|p| p.into_inner());
        let first = files.first()?;
        if offset < first.from_offset() {
            return None;
        }
        let index = ((offset - first.from_offset()) / self.file_size as i64) as usize;
        let file = files.get(index)?;
        (offset >= file.from_offset() && offset < file.from_offset() + self.file_size as i64)
            .then(|| file.clone())
    }

    /// The last file if it has room, else a new file starting where the log ends (or at
    /// `start_offset` rounded down to a file boundary for an empty log).
    pub fn last_or_create(&self, start_offset: i64) -> Result<Arc<MappedFile>, StoreError> {
        if let Some(last) = self.last().filter(|f| !f.is_full()) {
            return Ok(last);
        }
        let from = match self.last() {
            Some(last) => last.from_offset() + self.file_size as i64,
            None => start_offset - start_offset % self.file_size as i64,
        };
        let (file, cold) = match self.take_prepared(from) {
            Some(f) => (f, false),
            None => (
                MappedFile::create(
                    &self.dir.join(file_name(from)),
                    from,
                    self.file_size,
                    self.allocation_chunk == 0,
                )?,
                true,
            ),
        };
        let file = Arc::new(file);
        if cold && self.preallocate {
            self.warm_in_background(&file);
        }
        self.files
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(file.clone());
        self.prepare_next(from + self.file_size as i64);
        Ok(file)
    }

    /// Creates the file after the last one now (unless it is already prepared) with its
    /// first `prefix` bytes allocated, for [`Self::last_or_create`] to take: a writer that must
    /// not fail half-way (a batch spanning two files) reserves the space first.
    pub fn reserve_next(&self, prefix: usize) -> Result<(), StoreError> {
        let Some(last) = self.last() else {
            return Ok(());
        };
        let from = last.from_offset() + self.file_size as i64;
        self.wait_prepared();
        let mut slot = self.prepared.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = slot.as_ref().filter(|f| f.from_offset() == from) {
            return self.ensure_allocated(f, prefix);
        }
        if let Some(stale) = slot.take() {
            let path = stale.path().to_path_buf();
            drop(stale);
            std::fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
        }
        let file = MappedFile::create(
            &self.dir.join(file_name(from)),
            from,
            self.file_size,
            self.allocation_chunk == 0,
        )?;
        self.ensure_allocated(&file, prefix)?;
        *slot = Some(file);
        Ok(())
    }

    /// Waits for a background preparation still running (it may be creating this very file).
    fn wait_prepared(&self) {
        let handle = self
            .preparing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }

    fn take_prepared(&self, from: i64) -> Option<MappedFile> {
        self.wait_prepared();
        let mut slot = self.prepared.lock().unwrap_or_else(|p| p.into_inner());
        match slot.take() {
            Some(f) if f.from_offset() == from => Some(f),
            _ => None,
        }
    }

    /// Creates and warms the file after the current one in the background, so the append
    /// path never waits for file creation or first-touch page faults.
    fn prepare_next(&self, from: i64) {
        if !self.writable || !self.preallocate {
            return;
        }
        let path = self.dir.join(file_name(from));
        let size = self.file_size;
        let allocate_all = self.allocation_chunk == 0;
        let slot = self.prepared.clone();
        let reuse = self.reuse.clone();
        let spawned = std::thread::Builder::new()
            .name("rmq-file-alloc".into())
            .spawn(move || {
                if let Some(pool) = &reuse {
                    match pool.take_as(&path) {
                        Ok(true) => tracing::debug!("reusing a retired file as {}", path.display()),
                        Ok(false) => {}
                        Err(e) => tracing::warn!(
                            "could not reuse a retired file as {} (creating it instead): {e}",
                            path.display()
                        ),
                    }
                }
                match MappedFile::create(&path, from, size, allocate_all) {
                    Ok(file) => {
                        file.warm();
                        *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(file);
                    }
                    Err(e) => tracing::warn!("could not prepare {}: {e}", path.display()),
                }
            });
        if let Ok(handle) = spawned {
            *self.preparing.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        }
    }

    /// Flushes every file with unflushed data. Returns the flushed log offset.
    pub fn flush(&self) -> Result<i64, StoreError> {
        for f in self.files() {
            if f.flushed_pos() < f.write_pos() {
                f.flush()?;
            }
        }
        Ok(self.flushed_offset())
    }

    /// Makes `offset` the end of the log: later files are deleted and the file holding it is cut
    /// back. The torn bytes after the cut are zeroed (up to the first all-zero page: files are
    /// created zeroed, so garbage is contiguous) so no later scan mistakes them for records.
    pub fn truncate(&self, offset: i64) -> Result<(), StoreError> {
        self.discard_prepared()?;
        let mut files = self.files.write().unwrap_or_else(|p| p.into_inner());
        let mut keep = Vec::with_capacity(files.len());
        for f in files.drain(..) {
            let start = f.from_offset();
            if start > offset {
                let path = f.path().to_path_buf();
                drop(f);
                std::fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
                continue;
            }
            if offset < start + self.file_size as i64 {
                let pos = (offset - start) as usize;
                if self.writable {
                    zero_torn_tail(&f, pos);
                }
                f.set_write_pos(pos);
                f.set_flushed_pos(pos);
            }
            keep.push(f);
        }
        *files = keep;
        Ok(())
    }

    /// Deletes whole files from the front while `expired(file)` holds, never the last file.
    pub fn delete_front_while(
        &self,
        expired: impl FnMut(&MappedFile) -> bool,
    ) -> Result<usize, StoreError> {
        self.retire_front_while(false, expired)
    }

    /// [`Self::delete_front_while`], keeping the files for reuse when `reuse` and the queue
    /// has a pool ([`Self::with_reuse`]); without `reuse` the pool is emptied as well.
    pub fn retire_front_while(
        &self,
        reuse: bool,
        mut expired: impl FnMut(&MappedFile) -> bool,
    ) -> Result<usize, StoreError> {
        if let (false, Some(pool)) = (reuse, &self.reuse) {
            pool.clear().map_err(|e| StoreError::io(pool.dir(), e))?;
        }
        let mut files = self.files.write().unwrap_or_else(|p| p.into_inner());
        let mut deleted = 0;
        while files.len() > 1 && expired(&files[0]) {
            let f = files.remove(0);
            let path = f.path().to_path_buf();
            // Only a file nobody else maps may be overwritten later: a pull answer or a
            // replication batch still sending from it holds a reference (and out of the list,
            // no new one can be taken). A shared file is unlinked, which keeps its bytes for
            // those readers.
            let sole = Arc::try_unwrap(f).is_ok();
            self.retire(&path, reuse && sole)?;
            deleted += 1;
        }
        Ok(deleted)
    }

    /// Removes a file that left the queue (unmapped by us): into the reuse pool when `reuse`
    /// and there is one, else deleted.
    fn retire(&self, path: &Path, reuse: bool) -> Result<(), StoreError> {
        match &self.reuse {
            Some(pool) if reuse => pool.retire(path),
            _ => std::fs::remove_file(path),
        }
        .map_err(|e| StoreError::io(path, e))
    }

    /// Pre-faults the unwritten part of `file` on a helper thread (appends may run meanwhile).
    fn warm_in_background(&self, file: &Arc<MappedFile>) {
        let file = file.clone();
        let _ = std::thread::Builder::new()
            .name("rmq-file-warm".into())
            .spawn(move || file.warm());
    }

    /// Pre-faults the file appends go to next (at start-up, off the serving path).
    pub fn warm_last_in_background(&self) {
        if let Some(last) = self.last().filter(|f| !f.is_full()) {
            if self.writable && self.preallocate {
                self.warm_in_background(&last);
            }
        }
    }

    /// Allocates disk blocks for new files `chunk` bytes at a time as writers reach them
    /// (ConsumeQueues: most queues never fill their files, so whole-file allocation would
    /// take far more disk than Java's sparse files).
    pub fn with_allocation_chunk(mut self, chunk: usize) -> Self {
        self.allocation_chunk = chunk;
        self
    }

    /// [`MappedFile::ensure_allocated`] with this queue's chunk.
    pub fn ensure_allocated(&self, file: &MappedFile, end: usize) -> Result<(), StoreError> {
        file.ensure_allocated(end, self.allocation_chunk)
    }

    /// Creates each next file ahead of need from now on (off the append path).
    pub fn with_preallocation(mut self) -> Self {
        self.preallocate = true;
        self
    }

    /// Keeps files retired by [`Self::retire_front_while`] in `pool` and makes later files
    /// from them (see [`ReusePool`]); only with preallocation, whose thread does the zeroing.
    pub fn with_reuse(mut self, pool: ReusePool) -> Self {
        self.reuse = Some(Arc::new(pool));
        self
    }

    /// Removes a file prepared ahead (it would sit past the end of a truncated or deleted log,
    /// or be left behind at shutdown).
    pub fn discard_prepared(&self) -> Result<(), StoreError> {
        self.wait_prepared();
        let prepared = self
            .prepared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(f) = prepared {
            let path = f.path().to_path_buf();
            drop(f);
            // Nobody else maps a prepared file: it may go back to the pool.
            self.retire(&path, true)?;
        }
        Ok(())
    }

    /// Deletes every file (a ConsumeQueue whose topic is gone).
    pub fn destroy(&self) -> Result<(), StoreError> {
        self.discard_prepared()?;
        let mut files = self.files.write().unwrap_or_else(|p| p.into_inner());
        for f in files.drain(..) {
            let path = f.path().to_path_buf();
            drop(f);
            std::fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
        }
        let _ = std::fs::remove_dir(&self.dir);
        Ok(())
    }
}

impl Drop for MappedFileQueue {
    fn drop(&mut self) {
        // A file still being prepared must not appear after its owner is gone.
        self.wait_prepared();
    }
}

/// `(start offset, path)` of every log file in `dir`, in offset order; names that are not
/// 20-digit numbers (e.g. `.tmp` leftovers) are ignored.
pub fn list_log_files(dir: &Path) -> Result<Vec<(i64, PathBuf)>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(dir, e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.len() == 20 && name.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(offset) = name.parse::<i64>() {
                files.push((offset, entry.path()));
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "rmq-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn append(q: &MappedFileQueue, data: &[u8]) -> i64 {
        let f = q.last_or_create(0).unwrap();
        let pos = f.write_pos();
        unsafe { f.write_slot(pos, data.len()) }.copy_from_slice(data);
        f.set_write_pos(pos + data.len());
        f.from_offset() + pos as i64
    }

    #[test]
    fn files_roll_find_truncate_and_reload() {
        let dir = temp_dir("mfq");
        let q = MappedFileQueue::load(&dir, 64, true).unwrap();
        assert_eq!(q.max_offset(), 0);
        for i in 0..5u8 {
            assert_eq!(append(&q, &[i; 32]), i64::from(i) * 32);
        }
        assert_eq!(q.files().len(), 3);
        assert_eq!(q.max_offset(), 160);
        assert_eq!(q.find(100).unwrap().from_offset(), 64);
        assert_eq!(q.find(100).unwrap().read(36, 4).unwrap(), &[3, 3, 3, 3]);
        assert!(q.find(100).unwrap().read(60, 8).is_none());
        assert_eq!(q.flush().unwrap(), 160);
        assert!(dir.join("00000000000000000064").exists());

        q.truncate(40).unwrap();
        assert_eq!(q.max_offset(), 40);
        assert_eq!(q.files().len(), 1);
        drop(q);
        let q = MappedFileQueue::load(&dir, 64, true).unwrap();
        assert_eq!(q.files().len(), 1);
        let f = q.first().unwrap();
        assert_eq!(&f.whole()[32..40], &[1; 8]);
        assert_eq!(&f.whole()[40..64], &[0; 24]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn mismatched_file_size_is_a_clear_error() {
        let dir = temp_dir("mfq-size");
        std::fs::write(dir.join(file_name(0)), vec![0u8; 100]).unwrap();
        let err = MappedFileQueue::load(&dir, 64, true).err().unwrap();
        assert!(
            err.to_string().contains("configured file size is 64"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn allocated_bytes(path: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).unwrap().blocks() * 512
    }

    #[test]
    fn files_are_allocated_whole_or_ahead_of_the_writer() {
        let dir = temp_dir("mf-alloc");
        let size = 1 << 20;
        let whole = dir.join(file_name(0));
        let f = MappedFile::create(&whole, 0, size, true).unwrap();
        assert!(allocated_bytes(&whole) >= size as u64);
        f.ensure_allocated(size, 0).unwrap();

        let lazy = dir.join(file_name(size as i64));
        let f = MappedFile::create(&lazy, size as i64, size, false).unwrap();
        assert_eq!(std::fs::metadata(&lazy).unwrap().len(), size as u64);
        assert_eq!(allocated_bytes(&lazy), 0, "created sparse");
        f.ensure_allocated(100, 64 * 1024).unwrap();
        let first = allocated_bytes(&lazy);
        assert!((64 * 1024..size as u64).contains(&first), "{first}");
        // Within the allocated range: nothing more.
        f.ensure_allocated(60 * 1024, 64 * 1024).unwrap();
        assert_eq!(allocated_bytes(&lazy), first);
        f.ensure_allocated(size + 1, 64 * 1024).unwrap();
        assert!(allocated_bytes(&lazy) >= size as u64);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reserved_next_file_is_taken_without_creating_another() {
        let dir = temp_dir("mfq-reserve");
        let q = MappedFileQueue::load(&dir, 64, true)
            .unwrap()
            .with_allocation_chunk(4096);
        append(&q, &[1; 48]);
        q.reserve_next(16).unwrap();
        let next = dir.join(file_name(64));
        assert!(next.exists());
        q.reserve_next(16).unwrap();
        append(&q, &[2; 16]);
        assert_eq!(append(&q, &[3; 16]), 64);
        assert_eq!(q.files().len(), 2);
        assert_eq!(q.files()[1].path(), next);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn mapped_bytes_outlive_the_queue() {
        let dir = temp_dir("mfq-bytes");
        let q = MappedFileQueue::load(&dir, 64, true).unwrap();
        append(&q, b"zero-copy");
        let bytes = q.first().unwrap().slice_bytes(0, 9).unwrap();
        drop(q);
        assert_eq!(&bytes[..], b"zero-copy");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
