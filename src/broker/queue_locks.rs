//! Queue locks for orderly consumption (Java `RebalanceLockManager`): a queue belongs to one
//! client of a group until that client unlocks it or stops renewing for 60 s.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::protocol::body::MessageQueue;

/// Locks not renewed for this long are free again.
pub const LOCK_EXPIRY: Duration = Duration::from_secs(60);

struct LockEntry {
    client_id: String,
    renewed: Instant,
}

#[derive(Default)]
pub struct QueueLocks {
    groups: Mutex<HashMap<String, HashMap<MessageQueue, LockEntry>>>,
}

impl QueueLocks {
    /// Locks (or renews) what `client_id` can have of `mqs`; returns the queues it now holds.
    pub fn lock(
        &self,
        group: &str,
        client_id: &str,
        mqs: &BTreeSet<MessageQueue>,
    ) -> BTreeSet<MessageQueue> {
        let mut groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        let locks = groups.entry(group.to_string()).or_default();
        let now = Instant::now();
        let mut ok = BTreeSet::new();
        for mq in mqs {
            match locks.get_mut(mq) {
                Some(entry)
                    if entry.client_id == client_id
                        || now.duration_since(entry.renewed) > LOCK_EXPIRY =>
                {
                    entry.client_id = client_id.to_string();
                    entry.renewed = now;
                    ok.insert(mq.clone());
                }
                Some(_) => {}
                None => {
                    locks.insert(
                        mq.clone(),
                        LockEntry {
                            client_id: client_id.to_string(),
                            renewed: now,
                        },
                    );
                    ok.insert(mq.clone());
                }
            }
        }
        ok
    }

    /// Releases the queues of `mqs` that `client_id` holds.
    pub fn unlock(&self, group: &str, client_id: &str, mqs: &BTreeSet<MessageQueue>) {
        let mut groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(locks) = groups.get_mut(group) {
            for mq in mqs {
                if locks.get(mq).is_some_and(|e| e.client_id == client_id) {
                    locks.remove(mq);
                }
            }
        }
    }

    /// The client holding `mq` in `group`, if the lock is live.
    pub fn owner(&self, group: &str, mq: &MessageQueue) -> Option<String> {
        let groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        let entry = groups.get(group)?.get(mq)?;
        (entry.renewed.elapsed() <= LOCK_EXPIRY).then(|| entry.client_id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mq(id: i32) -> MessageQueue {
        MessageQueue {
            topic: "T".into(),
            broker_name: "b".into(),
            queue_id: id,
        }
    }

    #[test]
    fn one_owner_per_queue() {
        let locks = QueueLocks::default();
        let all: BTreeSet<_> = [mq(0), mq(1)].into_iter().collect();
        assert_eq!(locks.lock("G", "c1", &all), all);
        let got = locks.lock("G", "c2", &[mq(1), mq(2)].into_iter().collect());
        assert_eq!(got, [mq(2)].into_iter().collect());
        locks.unlock("G", "c1", &[mq(1)].into_iter().collect());
        assert_eq!(
            locks.lock("G", "c2", &[mq(1)].into_iter().collect()).len(),
            1
        );
        assert_eq!(locks.owner("G", &mq(0)).as_deref(), Some("c1"));
        assert_eq!(
            locks
                .lock("Other", "c2", &[mq(0)].into_iter().collect())
                .len(),
            1,
            "groups are independent"
        );
    }
}
