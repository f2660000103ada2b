//! An offset that only grows, and tasks waiting for it to reach theirs: the group wait behind
//! SYNC_FLUSH (the flushed CommitLog offset) and SYNC_MASTER (the offset slaves acknowledged).
//! One publisher raises the offset and wakes every waiter it covers in one pass; a waiter is a
//! plain [`Future`], so the store can offer it without depending on an async runtime (the
//! caller's runtime supplies any timeout).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

#[derive(Debug, Default)]
pub struct OffsetWatch {
    reached: AtomicI64,
    /// Tasks waiting for `reached` to get to an offset, with that offset.
    waiters: Mutex<Vec<(i64, Waker)>>,
}

impl OffsetWatch {
    pub fn new(start: i64) -> Self {
        OffsetWatch {
            reached: AtomicI64::new(start),
            waiters: Mutex::new(Vec::new()),
        }
    }

    /// The offset reached so far.
    pub fn get(&self) -> i64 {
        self.reached.load(Ordering::Acquire)
    }

    /// Raises the offset to `offset` (never lowers it) and wakes the waiters it covers.
    pub fn publish(&self, offset: i64) {
        let mut waiters = self.waiters.lock().unwrap_or_else(|p| p.into_inner());
        // Raised under the lock, so a waiter that checks and registers under it cannot miss it.
        let reached = self.reached.fetch_max(offset, Ordering::AcqRel).max(offset);
        waiters.retain(|(end, waker)| {
            if *end <= reached {
                waker.wake_by_ref();
                false
            } else {
                true
            }
        });
    }

    /// Completes once the offset is at least `end`.
    pub fn wait(&self, end: i64) -> OffsetWait<'_> {
        OffsetWait { watch: self, end }
    }
}

/// A task waiting for an [`OffsetWatch`] to reach an offset.
pub struct OffsetWait<'a> {
    watch: &'a OffsetWatch,
    end: i64,
}

impl Future for OffsetWait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.watch.get() >= self.end {
            return Poll::Ready(());
        }
        let mut waiters = self.watch.waiters.lock().unwrap_or_else(|p| p.into_inner());
        if self.watch.get() >= self.end {
            return Poll::Ready(());
        }
        // A waiter polled again (by a timer, say) is registered once.
        if !waiters
            .iter()
            .any(|(end, w)| *end == self.end && w.will_wake(cx.waker()))
        {
            waiters.push((self.end, cx.waker().clone()));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    struct Count(std::sync::atomic::AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn wakes_the_waiters_an_offset_covers() {
        let watch = OffsetWatch::new(0);
        let woken = Arc::new(Count(Default::default()));
        let waker = Waker::from(woken.clone());
        let mut cx = Context::from_waker(&waker);
        let mut near = Box::pin(watch.wait(10));
        let mut far = Box::pin(watch.wait(20));
        assert!(near.as_mut().poll(&mut cx).is_pending());
        assert!(near.as_mut().poll(&mut cx).is_pending(), "registered once");
        assert!(far.as_mut().poll(&mut cx).is_pending());
        watch.publish(15);
        assert_eq!(woken.0.load(Ordering::SeqCst), 1, "only the covered waiter");
        assert!(near.as_mut().poll(&mut cx).is_ready());
        assert!(far.as_mut().poll(&mut cx).is_pending());
        watch.publish(5);
        assert_eq!(watch.get(), 15, "never lowered");
        watch.publish(20);
        assert!(far.as_mut().poll(&mut cx).is_ready());
        assert!(ready_now(watch.wait(3)));
    }

    fn ready_now(wait: OffsetWait<'_>) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        Box::pin(wait).as_mut().poll(&mut cx).is_ready()
    }
}
