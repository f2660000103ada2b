//! Reading a fixed offset range of one queue as fast as the broker serves it: several pulls in
//! flight at consecutive offsets (a broker answers at most `maxTransferCountOnMessageInMemory`
//! messages, 32 by default, per pull), answers handed out in offset order, a short answer
//! followed by a pull for the gap, network failures retried while the broker comes back.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::task::JoinHandle;

use crate::client::{ClientError, PullConsumer, PullOutcome, QueueAddr, Result};
use crate::protocol::ResponseCode;

/// How long a queue's pulls may keep failing (a broker restarting) before the read gives up.
const RETRY_FOR: Duration = Duration::from_secs(60);

/// Consecutive offsets of a queue as one pull answered them.
pub struct Chunk {
    /// Stored records (decode with `common::message::decode_records`); their offsets are in
    /// `from..to`.
    pub body: Bytes,
    pub from: i64,
    /// Just past the last offset this chunk accounts for.
    pub to: i64,
    /// Offsets in `from..to` the broker no longer has (removed by retention).
    pub lost: u64,
}

struct InFlight {
    offset: i64,
    max: i32,
    answer: JoinHandle<Result<PullOutcome>>,
}

/// The reader of `[next, end)` of one queue.
pub struct RangePuller {
    consumer: PullConsumer,
    queue: QueueAddr,
    /// The next offset to hand out.
    next: i64,
    /// The next offset to ask for.
    asked: i64,
    end: i64,
    pull_size: i32,
    depth: usize,
    in_flight: VecDeque<InFlight>,
    failing_since: Option<Instant>,
    /// Where the range started, and the step of the boundaries no pull crosses.
    origin: i64,
    step: Option<i64>,
}

impl RangePuller {
    /// Reads `from..end` of `queue` with up to `depth` pulls of `pull_size` messages in flight.
    pub fn new(
        consumer: PullConsumer,
        queue: QueueAddr,
        from: i64,
        end: i64,
        pull_size: i32,
        depth: usize,
    ) -> RangePuller {
        RangePuller {
            consumer,
            queue,
            next: from,
            asked: from,
            end,
            pull_size: pull_size.max(1),
            depth: depth.max(1),
            in_flight: VecDeque::new(),
            failing_since: None,
            origin: from,
            step: None,
        }
    }

    /// No pull crosses `from + k * step`, so chunks split the range at those offsets.
    pub fn with_boundaries(mut self, step: i64) -> RangePuller {
        self.step = Some(step.max(1));
        self
    }

    /// The first boundary after `offset` (the range's end without boundaries).
    fn boundary_after(&self, offset: i64) -> i64 {
        match self.step {
            Some(step) => {
                let k = (offset - self.origin).div_euclid(step) + 1;
                (self.origin + k * step).min(self.end)
            }
            None => self.end,
        }
    }

    /// The first boundary after [`RangePuller::position`].
    pub fn next_boundary(&self) -> i64 {
        self.boundary_after(self.next)
    }

    pub fn queue(&self) -> &QueueAddr {
        &self.queue
    }

    /// The next offset [`RangePuller::next_chunk`] hands out.
    pub fn position(&self) -> i64 {
        self.next
    }

    fn spawn(&self, offset: i64, max: i32) -> InFlight {
        let (consumer, queue) = (self.consumer.clone(), self.queue.clone());
        let answer = tokio::spawn(async move { consumer.pull(&queue, offset, max, None).await });
        InFlight {
            offset,
            max,
            answer,
        }
    }

    fn fill(&mut self) {
        while self.in_flight.len() < self.depth && self.asked < self.end {
            let max = (self.boundary_after(self.asked) - self.asked).min(i64::from(self.pull_size))
                as i32;
            let pull = self.spawn(self.asked, max);
            self.in_flight.push_back(pull);
            self.asked += i64::from(max);
        }
    }

    /// Starts over at `offset` (what is in flight is dropped).
    fn restart_at(&mut self, offset: i64) {
        for p in self.in_flight.drain(..) {
            p.answer.abort();
        }
        self.next = offset;
        self.asked = offset;
    }

    /// After a failed pull (or an answer with nothing where messages should be): waits a
    /// little, asks the name server where the queue's broker is now (a restarted broker may
    /// listen elsewhere) and starts the pulls over from the failed one.
    async fn failed(&mut self, p: InFlight, error: ClientError) -> Result<()> {
        let first = self.failing_since.is_none();
        let since = *self.failing_since.get_or_insert_with(Instant::now);
        if since.elapsed() > RETRY_FOR {
            return Err(error.context(format!(
                "pulls from {}/{} at offset {} kept failing for {}s",
                self.queue.broker_name,
                self.queue.queue_id,
                p.offset,
                RETRY_FOR.as_secs()
            )));
        }
        if first {
            tracing::warn!(
                "pull from {}/{} at {} failed (retrying for up to {}s): {}",
                self.queue.broker_name,
                self.queue.queue_id,
                p.offset,
                RETRY_FOR.as_secs(),
                error.chain()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let here = (
            Some(self.queue.broker_name.as_str()),
            Some(self.queue.queue_id),
        );
        if let Ok(found) = self.consumer.queues(here.0, here.1).await {
            if let Some(q) = found.into_iter().next() {
                self.queue.broker_addr = q.broker_addr;
            }
        }
        // `p` was the first in flight: the rest follow it and go again too.
        for later in self.in_flight.drain(..) {
            later.answer.abort();
        }
        self.asked = p.offset;
        Ok(())
    }

    /// The next chunk of the range in offset order; `None` once the range is read.
    pub async fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        loop {
            if self.next >= self.end {
                return Ok(None);
            }
            self.fill();
            let Some(mut p) = self.in_flight.pop_front() else {
                return Ok(None);
            };
            let answer = match (&mut p.answer).await {
                Ok(a) => a,
                Err(e) => Err(ClientError::Other(format!("pull task failed: {e}"))),
            };
            let outcome = match answer {
                Ok(o) => o,
                Err(e) => {
                    self.failed(p, e).await?;
                    continue;
                }
            };
            let asked_to = p.offset + i64::from(p.max);
            let nb = outcome.next_begin_offset;
            match outcome.code {
                ResponseCode::SUCCESS if nb > p.offset => {
                    self.failing_since = None;
                    let to = nb.min(asked_to);
                    if to < asked_to {
                        // A short answer (byte limit, messages on disk): ask for the rest first.
                        let gap = self.spawn(to, (asked_to - to) as i32);
                        self.in_flight.push_front(gap);
                    }
                    self.next = to;
                    return Ok(Some(Chunk {
                        body: outcome.body,
                        from: p.offset,
                        to,
                        lost: 0,
                    }));
                }
                ResponseCode::PULL_OFFSET_MOVED | ResponseCode::PULL_RETRY_IMMEDIATELY
                    if nb > p.offset =>
                {
                    // These offsets are gone (retention removed them): account for them and go
                    // on where the broker says.
                    let to = nb.min(self.end);
                    self.restart_at(to);
                    return Ok(Some(Chunk {
                        body: Bytes::new(),
                        from: p.offset,
                        to,
                        lost: (to - p.offset) as u64,
                    }));
                }
                code => {
                    // Nothing there yet (a broker that restarted and is still dispatching its
                    // CommitLog): ask again shortly, within the same time limit as failures.
                    let e = ClientError::Other(format!(
                        "{}/{} answered {code} at offset {} (next {nb})",
                        self.queue.broker_name, self.queue.queue_id, p.offset
                    ));
                    self.failed(p, e).await?;
                }
            }
        }
    }
}

impl Drop for RangePuller {
    fn drop(&mut self) {
        for p in &self.in_flight {
            p.answer.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::MqClient;
    use crate::protocol::SerializeType;
    use std::sync::Arc;

    fn puller(from: i64, end: i64) -> RangePuller {
        let client = MqClient::new(&[], Duration::from_secs(1), SerializeType::Json);
        let consumer = PullConsumer::new(Arc::new(client), "T", "G");
        let queue = QueueAddr {
            broker_name: "broker-a".into(),
            broker_addr: "127.0.0.1:1".into(),
            queue_id: 0,
        };
        RangePuller::new(consumer, queue, from, end, 32, 4)
    }

    #[test]
    fn boundaries_split_the_range_from_its_start() {
        let p = puller(100, 1050).with_boundaries(300);
        assert_eq!(p.next_boundary(), 400);
        assert_eq!(p.boundary_after(399), 400);
        assert_eq!(p.boundary_after(400), 700);
        assert_eq!(
            p.boundary_after(1000),
            1050,
            "the last batch ends at the range's end"
        );
        let p = puller(100, 1050);
        assert_eq!(
            p.next_boundary(),
            1050,
            "without boundaries: the range's end"
        );
    }
}
