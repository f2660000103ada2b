//! Long polling: a pull that finds nothing new waits here until a message arrives in its queue
//! or its suspend time runs out. Puts publish each queue's new max offset; waiting pulls
//! re-run as soon as it passes the offset they asked for. The pulls held now and the holds so
//! far are counted for the metrics.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::Duration;

use tokio::sync::watch;

type Queues = HashMap<String, HashMap<i32, watch::Sender<i64>>>;

#[derive(Default)]
pub struct PullWaiters {
    queues: RwLock<Queues>,
    /// Pulls waiting now.
    held: AtomicI64,
    /// Waits begun since start.
    waits: AtomicU64,
}

/// Counts a wait as held until dropped (also when the waiting pull is cancelled).
struct Held<'a>(&'a AtomicI64);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl PullWaiters {
    /// Pulls held now.
    pub fn held(&self) -> i64 {
        self.held.load(Ordering::Relaxed)
    }

    /// Waits begun since start.
    pub fn waits(&self) -> u64 {
        self.waits.load(Ordering::Relaxed)
    }

    /// A message was stored: `next_offset` is the queue's new max offset. Cheap when nobody
    /// ever waited on the queue (a read-locked lookup, no allocation).
    pub fn notify(&self, topic: &str, queue_id: i32, next_offset: i64) {
        let queues = self.queues.read().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = queues.get(topic).and_then(|q| q.get(&queue_id)) {
            tx.send_if_modified(|v| {
                if next_offset > *v {
                    *v = next_offset;
                    true
                } else {
                    false
                }
            });
        }
    }

    fn subscribe(&self, topic: &str, queue_id: i32, current_max: i64) -> watch::Receiver<i64> {
        if let Some(tx) = self
            .queues
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(topic)
            .and_then(|q| q.get(&queue_id))
        {
            return tx.subscribe();
        }
        let mut queues = self.queues.write().unwrap_or_else(|p| p.into_inner());
        queues
            .entry(topic.to_string())
            .or_default()
            .entry(queue_id)
            .or_insert_with(|| watch::channel(current_max).0)
            .subscribe()
    }

    /// Waits until the queue's max offset passes `offset` or `timeout` elapses. `current_max`
    /// reads the store after subscribing, so an arrival between the failed read and the
    /// subscription is not missed. Returns whether a message arrived.
    pub async fn wait(
        &self,
        topic: &str,
        queue_id: i32,
        offset: i64,
        timeout: Duration,
        current_max: impl Fn() -> i64,
    ) -> bool {
        let mut rx = self.subscribe(topic, queue_id, current_max());
        if current_max() > offset {
            return true;
        }
        self.waits.fetch_add(1, Ordering::Relaxed);
        self.held.fetch_add(1, Ordering::Relaxed);
        let _held = Held(&self.held);
        let arrived = tokio::time::timeout(timeout, rx.wait_for(|&max| max > offset)).await;
        matches!(arrived, Ok(Ok(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn wakes_on_arrival_and_times_out_otherwise() {
        let waiters = Arc::new(PullWaiters::default());
        assert!(
            !waiters
                .wait("T", 0, 5, Duration::from_millis(30), || 5)
                .await
        );
        let w = waiters.clone();
        let waiting =
            tokio::spawn(async move { w.wait("T", 0, 5, Duration::from_secs(10), || 5).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!((waiters.held(), waiters.waits()), (1, 2));
        waiters.notify("T", 1, 9); // another queue: no wake-up
        waiters.notify("T", 0, 6);
        assert!(tokio::time::timeout(Duration::from_secs(2), waiting)
            .await
            .unwrap()
            .unwrap());
        assert_eq!(waiters.held(), 0);
        // Already past the offset: returns at once.
        assert!(waiters.wait("T", 0, 5, Duration::from_secs(10), || 7).await);
    }
}
