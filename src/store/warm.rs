//! Pre-faulting a window ahead of a log's writer (the CommitLog's): one thread per log keeps
//! the pages from the write position up to `ahead` bytes past it faulted in, so appends never
//! trap into the kernel, while memory is committed only as fast as records arrive.
//!
//! Why a window rather than the whole file: pre-faulting dirties the pages, so warming a fresh
//! 1 GiB file at once allocates and zeroes 1 GiB of page cache in a burst (about 2 s of CPU on
//! a VM whose host has taken back its free memory) and, when the file then fills slowly, the
//! kernel writes those zeros to disk before the records. The Java broker (with its default
//! `warmMapedFileEnable=false`) takes a fault per page on the writer instead.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::mapped_file::MappedFile;

/// How far ahead of the writer pages are kept faulted in by default: about half a second of
/// writing at 150 MB/s, and a small share of a 1 GiB file.
pub const DEFAULT_AHEAD: usize = 64 << 20;
/// How much one step pre-faults (a step re-checks the writer's position and a stop request).
pub const DEFAULT_STEP: usize = 4 << 20;
/// How often an idle warmer looks at the writer; busy, it looks every [`BUSY_POLL`].
const IDLE_POLL: Duration = Duration::from_millis(200);
const BUSY_POLL: Duration = Duration::from_millis(20);

/// The file being written and the stop flag, shared with the warming thread.
struct Shared {
    current: Mutex<Option<Arc<MappedFile>>>,
    stop: AtomicBool,
}

/// A thread that follows the file a log appends to (see the module docs).
pub struct WarmWindow {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl WarmWindow {
    /// Starts the warming thread (named `rmq-file-warm`). `None` if the thread cannot be made:
    /// appends then take their page faults themselves.
    pub fn start(ahead: usize, step: usize) -> Option<WarmWindow> {
        let shared = Arc::new(Shared {
            current: Mutex::new(None),
            stop: AtomicBool::new(false),
        });
        let thread = std::thread::Builder::new()
            .name("rmq-file-warm".into())
            .spawn({
                let shared = shared.clone();
                move || follow(&shared, ahead, step.max(4096))
            })
            .map_err(|e| tracing::warn!("no file warming thread: {e}"))
            .ok()?;
        Some(WarmWindow {
            shared,
            thread: Some(thread),
        })
    }

    /// Makes `file` (the one appends go to now) the file to keep warm ahead of its writer.
    pub fn follow(&self, file: Option<Arc<MappedFile>>) {
        *self
            .shared
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = file;
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
    }
}

impl Drop for WarmWindow {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// The warming thread: while the followed file's warmed end is short of `write_pos + ahead`,
/// pre-fault `step` more; otherwise wait (shortly after progress, longer when idle).
fn follow(shared: &Shared, ahead: usize, step: usize) {
    let mut idle_polls = 0u32;
    while !shared.stop.load(Ordering::Acquire) {
        let file = shared
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(file) = file {
            let write_pos = file.write_pos();
            let goal = write_pos.saturating_add(ahead).min(file.size());
            // Pages behind the writer are already faulted in by its stores.
            let from = file.warmed().max(write_pos & !4095);
            // Wait for a whole step of progress, except for the last bit of the file.
            if from < goal && (goal - from >= step || goal == file.size()) {
                file.warm_to(goal.min(from + step));
                idle_polls = 0;
                continue;
            }
        }
        idle_polls = idle_polls.saturating_add(1);
        std::thread::park_timeout(if idle_polls > 10 {
            IDLE_POLL
        } else {
            BUSY_POLL
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !cond() {
            assert!(std::time::Instant::now() < deadline, "timed out: {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn the_window_follows_the_writer_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let size = 1 << 20;
        let (ahead, step) = (64 << 10, 16 << 10);
        let first = Arc::new(MappedFile::create(&dir.path().join("a"), 0, size, true).unwrap());
        let window = WarmWindow::start(ahead, step).unwrap();
        window.follow(Some(first.clone()));
        wait_until("the first window", || first.warmed() == ahead);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(first.warmed(), ahead, "no further than the window");

        first.set_write_pos(300 << 10);
        wait_until("the window after a write", || {
            first.warmed() == (300 << 10) + ahead
        });
        // Near the end the last part is warmed even when shorter than a step.
        first.set_write_pos(size - 10);
        wait_until("the end of the file", || first.warmed() == size);

        let second =
            Arc::new(MappedFile::create(&dir.path().join("b"), size as i64, size, true).unwrap());
        window.follow(Some(second.clone()));
        wait_until("the next file", || second.warmed() == ahead);
        drop(window);
        assert_eq!(
            Arc::strong_count(&second),
            1,
            "the thread let go of the file"
        );
    }
}
