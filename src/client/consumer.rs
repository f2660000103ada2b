//! Reading topics by pulling, with no consumer process registered: [`PullConsumer`] assigns
//! queues (all readable queues of a topic, or one broker's, or one queue), finds start offsets
//! (earliest, latest, a queue offset, a time through SEARCH_OFFSET_BY_TIMESTAMP, or the group's
//! committed offset), pulls with a tag or SQL92 subscription (long polling when asked) and
//! commits offsets (UPDATE_CONSUMER_OFFSET). [`Reader`] is a whole read on top of it: every
//! assigned queue up to its end, then optionally following new messages on all queues at once,
//! with a message limit, a stop time and periodic commits.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::messaging::{select_queues, subscribe_queues, PullOutcome, QueueAddr};
use super::{ClientError, MqClient, Result};
use crate::common::clock::now_ms;
use crate::common::message::{decode_records, property, RecordView};
use crate::filter::build_subscription;
use crate::protocol::body::EXPRESSION_TYPE_TAG;
use crate::protocol::header::{pull_sys_flag, PullMessageRequestHeader};
use crate::protocol::ResponseCode;

/// The group reads run under when none is given. One fixed name: it never commits offsets,
/// and brokers that auto-create groups persist every name they see, so a per-run name would
/// leave a new group behind on every run.
pub const TOOLS_GROUP: &str = "rmq_tools";

/// Most messages one pull asks for.
const PULL_BATCH: i32 = 32;

/// Where a read of a queue starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    Earliest,
    Latest,
    /// A queue offset, the same for every queue.
    Offset(i64),
    /// The first message stored at or after these epoch milliseconds.
    Time(i64),
}

/// Pulls one topic for one group with one subscription. Cloning is cheap enough to give each
/// queue's task its own.
#[derive(Clone)]
pub struct PullConsumer {
    client: Arc<MqClient>,
    topic: String,
    group: String,
    expression: String,
    expression_type: String,
    /// Tags of a TAG subscription (empty: all); the broker matches hashes, these settle
    /// collisions.
    tags: Vec<String>,
    broker_name_in_header: bool,
    sub_version: i64,
}

impl PullConsumer {
    /// A consumer of every message of `topic` (subscription `*`).
    pub fn new(client: Arc<MqClient>, topic: &str, group: &str) -> PullConsumer {
        PullConsumer {
            client,
            topic: topic.to_string(),
            group: group.to_string(),
            expression: "*".into(),
            expression_type: EXPRESSION_TYPE_TAG.into(),
            tags: Vec::new(),
            broker_name_in_header: false,
            sub_version: now_ms(),
        }
    }

    /// Filters by `expression`: a tag expression (`TagA || TagB`) with type `TAG`, or an SQL92
    /// condition on properties with type `SQL92` (the broker must enable property filters).
    pub fn subscribe(mut self, expression: &str, expression_type: &str) -> PullConsumer {
        let sub = build_subscription(&self.topic, Some(expression), Some(expression_type));
        self.expression = expression.to_string();
        self.expression_type = sub.expression_type;
        self.tags = sub.tags_set;
        self
    }

    /// Names the queue's broker in each pull header (`bname`, as 5.x clients do).
    pub fn with_broker_name_in_header(mut self) -> PullConsumer {
        self.broker_name_in_header = true;
        self
    }

    pub fn client(&self) -> &Arc<MqClient> {
        &self.client
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    pub fn group(&self) -> &str {
        &self.group
    }

    /// Queue assignment: the readable queues of the topic on master brokers, only broker
    /// `broker` (name or address) and queue id `queue` when given.
    pub async fn queues(&self, broker: Option<&str>, queue: Option<i32>) -> Result<Vec<QueueAddr>> {
        let route = self
            .client
            .route(&self.topic)
            .await
            .map_err(|e| e.context(format!("cannot read the route of topic {}", self.topic)))?;
        select_queues(subscribe_queues(&route), &self.topic, broker, queue)
    }

    /// `q` where the route places it now: on its master, else (master down) on a slave of
    /// the same broker name. `None` when the route cannot be read or lacks the queue.
    pub async fn relocate(&self, q: &QueueAddr) -> Option<QueueAddr> {
        let queues = self
            .queues(Some(&q.broker_name), Some(q.queue_id))
            .await
            .ok()?;
        queues.into_iter().next()
    }

    /// The group's committed offset of `q` (`None`: it has none).
    pub async fn committed(&self, q: &QueueAddr) -> Result<Option<i64>> {
        self.client
            .query_consumer_offset(&q.broker_addr, &self.group, &self.topic, q.queue_id)
            .await
            .map_err(|e| {
                e.context(format!(
                    "cannot read the offset of {} on {}/{}",
                    self.group, q.broker_name, q.queue_id
                ))
            })
    }

    /// The offset `start` names in `q`.
    pub async fn offset_of(&self, q: &QueueAddr, start: Start) -> Result<i64> {
        let (addr, topic, id) = (q.broker_addr.as_str(), self.topic.as_str(), q.queue_id);
        match start {
            Start::Earliest => self.client.min_offset(addr, topic, id).await,
            Start::Latest => self.client.max_offset(addr, topic, id).await,
            Start::Offset(n) => Ok(n),
            Start::Time(ms) => self.client.search_offset(addr, topic, id, ms).await,
        }
    }

    /// Pulls up to `max` messages of `q` from `offset`. With `suspend` the broker holds the
    /// request that long when there is nothing new (long polling).
    pub async fn pull(
        &self,
        q: &QueueAddr,
        offset: i64,
        max: i32,
        suspend: Option<Duration>,
    ) -> Result<PullOutcome> {
        let mut sys_flag = pull_sys_flag::SUBSCRIPTION;
        if suspend.is_some() {
            sys_flag |= pull_sys_flag::SUSPEND;
        }
        let h = PullMessageRequestHeader {
            consumer_group: self.group.clone(),
            topic: self.topic.clone(),
            queue_id: q.queue_id,
            queue_offset: offset,
            max_msg_nums: max,
            sys_flag,
            commit_offset: 0,
            suspend_timeout_millis: suspend.map_or(0, |d| d.as_millis() as i64),
            subscription: Some(self.expression.clone()),
            sub_version: self.sub_version,
            expression_type: Some(self.expression_type.clone()),
            max_msg_bytes: None,
            broker_name: self.broker_name_in_header.then(|| q.broker_name.clone()),
        };
        self.client.pull(&q.broker_addr, &h).await
    }

    /// Whether a pulled message really matches the subscription: the broker compares tag
    /// hashes, so the tag itself settles collisions (as the Java client does).
    pub fn accepts(&self, r: &RecordView<'_>) -> bool {
        self.tags.is_empty()
            || r.property(property::TAGS)
                .is_some_and(|t| self.tags.iter().any(|x| *x == *t))
    }

    /// Writes `offset` as the group's offset of `q`.
    pub async fn commit(&self, q: &QueueAddr, offset: i64) -> Result<()> {
        self.client
            .update_consumer_offset(&q.broker_addr, &self.group, &self.topic, q.queue_id, offset)
            .await
            .map_err(|e| {
                e.context(format!(
                    "cannot commit offset {offset} of group {} on {}/{}",
                    self.group, q.broker_name, q.queue_id
                ))
            })
    }
}

/// Read state of one queue.
#[derive(Clone, Debug)]
pub struct Cursor {
    pub queue: QueueAddr,
    /// Next offset to pull.
    pub next: i64,
    /// The group's committed offset (when read, or last written).
    pub committed: Option<i64>,
    /// Offset just past the last message handled (what a commit writes).
    pub progress: Option<i64>,
    /// Nothing more to read (past the stop time).
    pub done: bool,
}

/// What a read hands its caller.
pub enum ReadEvent<'a> {
    /// A message that matches the subscription, within the limit and stop time.
    Message {
        record: &'a RecordView<'a>,
        queue: &'a QueueAddr,
    },
    /// Something went wrong but the read goes on.
    Warning(ReadWarning),
}

/// A trouble a read survives.
#[derive(Debug)]
pub enum ReadWarning {
    /// A pulled record could not be decoded; the rest of that answer is skipped.
    Undecodable {
        queue: QueueAddr,
        after: i64,
        error: String,
    },
    /// The offset is not in the queue (any more); the read goes on where the broker says.
    OffsetMoved {
        queue: QueueAddr,
        from: i64,
        to: i64,
    },
    /// A long poll failed; it is tried again after a second.
    PullFailed {
        queue: QueueAddr,
        error: ClientError,
    },
    /// A periodic commit failed.
    CommitFailed(ClientError),
}

impl fmt::Display for ReadWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadWarning::Undecodable {
                queue,
                after,
                error,
            } => write!(
                f,
                "{}/{}: undecodable message after offset {after}: {error}",
                queue.broker_name, queue.queue_id
            ),
            ReadWarning::OffsetMoved { queue, from, to } => write!(
                f,
                "{}/{}: offset {from} is not in the queue; continuing at {to}",
                queue.broker_name, queue.queue_id
            ),
            ReadWarning::PullFailed { queue, error } => write!(
                f,
                "pull from {}/{} failed (retrying): {error}",
                queue.broker_name, queue.queue_id
            ),
            ReadWarning::CommitFailed(e) => f.write_str(&e.chain()),
        }
    }
}

/// A committed queue offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committed {
    pub broker_name: String,
    pub queue_id: i32,
    pub offset: i64,
}

/// A read of assigned queues: up to where they end now ([`Reader::read`]), then optionally on
/// as messages arrive ([`Reader::follow`]).
pub struct Reader {
    consumer: PullConsumer,
    cursors: Vec<Cursor>,
    until: Option<i64>,
    limit: Option<u64>,
    delivered: u64,
}

impl Reader {
    /// Starts a read of `queues` at `start`; without one, at the group's committed offset
    /// (earliest where it has none). With `group_offsets` the committed offsets are read (the
    /// default start, and what commits compare against); without it the group is not asked.
    pub async fn open(
        consumer: PullConsumer,
        queues: Vec<QueueAddr>,
        start: Option<Start>,
        group_offsets: bool,
    ) -> Result<Reader> {
        let mut cursors = Vec::with_capacity(queues.len());
        for q in queues {
            let committed = if group_offsets {
                consumer.committed(&q).await?
            } else {
                None
            };
            let next = match (start, committed) {
                (Some(s), _) => consumer.offset_of(&q, s).await?,
                (None, Some(c)) => c,
                (None, None) => consumer.offset_of(&q, Start::Earliest).await?,
            };
            cursors.push(Cursor {
                queue: q,
                next,
                committed,
                progress: None,
                done: false,
            });
        }
        Ok(Reader {
            consumer,
            cursors,
            until: None,
            limit: None,
            delivered: 0,
        })
    }

    /// Stops each queue at its first message stored after `until` (epoch ms).
    pub fn until(mut self, until: Option<i64>) -> Reader {
        self.until = until;
        self
    }

    /// Stops after `limit` messages.
    pub fn limit(mut self, limit: Option<u64>) -> Reader {
        self.limit = limit;
        self
    }

    pub fn consumer(&self) -> &PullConsumer {
        &self.consumer
    }

    pub fn cursors(&self) -> &[Cursor] {
        &self.cursors
    }

    /// Messages handed out so far.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Messages still allowed (`None`: no limit).
    pub fn remaining(&self) -> Option<u64> {
        self.limit.map(|l| l.saturating_sub(self.delivered))
    }

    fn batch(&self) -> i32 {
        self.remaining()
            .map_or(PULL_BATCH, |r| r.clamp(1, PULL_BATCH as u64) as i32)
    }

    /// Hands one pull answer of cursor `idx` to `sink`: matching messages up to the limit,
    /// moving the cursor. Returns whether the queue may have more right away.
    fn handle<E>(
        &mut self,
        idx: usize,
        outcome: &PullOutcome,
        sink: &mut impl FnMut(ReadEvent<'_>) -> std::result::Result<(), E>,
    ) -> std::result::Result<bool, E> {
        let next_begin = outcome.next_begin_offset;
        let cursor = &mut self.cursors[idx];
        let before = cursor.next;
        match outcome.code {
            ResponseCode::SUCCESS => {
                for record in decode_records(&outcome.body) {
                    let r = match record {
                        Ok(r) => r,
                        Err(e) => {
                            sink(ReadEvent::Warning(ReadWarning::Undecodable {
                                queue: cursor.queue.clone(),
                                after: cursor.progress.unwrap_or(before),
                                error: e.to_string(),
                            }))?;
                            break;
                        }
                    };
                    if self.until.is_some_and(|u| r.store_timestamp > u) {
                        cursor.done = true;
                        cursor.next = r.queue_offset;
                        return Ok(false);
                    }
                    if self
                        .limit
                        .is_some_and(|l| l.saturating_sub(self.delivered) == 0)
                    {
                        cursor.next = r.queue_offset;
                        return Ok(false);
                    }
                    if self.consumer.accepts(&r) {
                        sink(ReadEvent::Message {
                            record: &r,
                            queue: &cursor.queue,
                        })?;
                        self.delivered += 1;
                    }
                    cursor.progress = Some(r.queue_offset + 1);
                }
                cursor.next = next_begin.max(before);
                cursor.progress = Some(cursor.next);
                Ok(self.remaining() != Some(0))
            }
            ResponseCode::PULL_OFFSET_MOVED => {
                sink(ReadEvent::Warning(ReadWarning::OffsetMoved {
                    queue: cursor.queue.clone(),
                    from: before,
                    to: next_begin,
                }))?;
                cursor.next = next_begin;
                Ok(next_begin != before)
            }
            // Nothing matched (retry) or nothing there: the broker may still move us forward.
            _ => {
                cursor.next = next_begin.max(before);
                if cursor.next > before {
                    cursor.progress = Some(cursor.next);
                }
                Ok(cursor.next > before)
            }
        }
    }

    /// Moves cursor `idx` to where the route places its queue now; the new address when it
    /// changed.
    async fn relocated(&mut self, idx: usize) -> Option<QueueAddr> {
        let moved = self.consumer.relocate(&self.cursors[idx].queue).await?;
        if moved.broker_addr == self.cursors[idx].queue.broker_addr {
            return None;
        }
        self.cursors[idx].queue = moved.clone();
        Some(moved)
    }

    /// Reads every queue up to where it ends now (or the limit, or the stop time).
    pub async fn read<E: From<ClientError>>(
        &mut self,
        sink: &mut impl FnMut(ReadEvent<'_>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        for idx in 0..self.cursors.len() {
            while !self.cursors[idx].done && self.remaining() != Some(0) {
                let q = &self.cursors[idx].queue;
                let mut answer = self
                    .consumer
                    .pull(q, self.cursors[idx].next, self.batch(), None)
                    .await;
                if answer.is_err() {
                    // The broker may have gone (a master down): read where the route says now.
                    if let Some(moved) = self.relocated(idx).await {
                        answer = self
                            .consumer
                            .pull(&moved, self.cursors[idx].next, self.batch(), None)
                            .await;
                    }
                }
                let q = &self.cursors[idx].queue;
                let outcome = answer.map_err(|e| {
                    e.context(format!(
                        "cannot pull from {}/{} ({})",
                        q.broker_name, q.queue_id, q.broker_addr
                    ))
                })?;
                if !self.handle(idx, &outcome, sink)? {
                    break;
                }
            }
        }
        Ok(())
    }

    /// After [`Reader::read`]: waits for new messages on all queues at once (a long poll of
    /// `long_poll` per queue) until the limit or until `stop` completes. With `commit_every`
    /// the offsets are committed that often, so a killed read loses little progress.
    pub async fn follow<E: From<ClientError>>(
        &mut self,
        long_poll: Duration,
        commit_every: Option<Duration>,
        stop: impl Future<Output = ()>,
        sink: &mut impl FnMut(ReadEvent<'_>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        if self.remaining() == Some(0) {
            return Ok(());
        }
        // One long-polling task per queue; answers come back here so limits and the sink stay
        // in one place.
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let mut tasks = tokio::task::JoinSet::new();
        for (idx, cursor) in self.cursors.iter().enumerate() {
            if cursor.done {
                continue;
            }
            let (consumer, tx) = (self.consumer.clone(), tx.clone());
            let (mut queue, mut offset, max) = (cursor.queue.clone(), cursor.next, self.batch());
            tasks.spawn(async move {
                let mut moved = None;
                loop {
                    let answer = consumer.pull(&queue, offset, max, Some(long_poll)).await;
                    if let Ok(o) = &answer {
                        offset = o.next_begin_offset.max(offset);
                    }
                    let failed = answer.is_err();
                    if tx.send((idx, moved.take(), answer)).await.is_err() {
                        return;
                    }
                    if failed {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        // A master that went down: go on with its slave (and back to the
                        // master once it is registered again), as the route says.
                        if let Some(q) = consumer.relocate(&queue).await {
                            if q.broker_addr != queue.broker_addr {
                                queue = q.clone();
                                moved = Some(q);
                            }
                        }
                    }
                }
            });
        }
        drop(tx);
        let mut commit_tick =
            tokio::time::interval(commit_every.unwrap_or(Duration::from_secs(3600)));
        commit_tick.reset();
        tokio::pin!(stop);
        let result = loop {
            tokio::select! {
                answer = rx.recv() => {
                    let Some((idx, moved, answer)) = answer else { break Ok(()) };
                    if let Some(q) = moved {
                        // Commits go where the reads go (Java commits to the slave too while
                        // the master is down).
                        self.cursors[idx].queue = q;
                    }
                    match answer {
                        Ok(o) => {
                            if let Err(e) = self.handle(idx, &o, sink) {
                                break Err(e);
                            }
                        }
                        Err(error) => {
                            let queue = self.cursors[idx].queue.clone();
                            let warning = ReadWarning::PullFailed { queue, error };
                            if let Err(e) = sink(ReadEvent::Warning(warning)) {
                                break Err(e);
                            }
                        }
                    }
                    if self.remaining() == Some(0) {
                        break Ok(());
                    }
                }
                _ = commit_tick.tick(), if commit_every.is_some() => {
                    if let Err(e) = self.commit().await {
                        if let Err(e) = sink(ReadEvent::Warning(ReadWarning::CommitFailed(e))) {
                            break Err(e);
                        }
                    }
                }
                _ = &mut stop => break Ok(()),
            }
        };
        tasks.abort_all();
        result
    }

    /// Writes each queue's progress as the group's offset (only where it moved); returns what
    /// was written.
    pub async fn commit(&mut self) -> Result<Vec<Committed>> {
        let mut written = Vec::new();
        for c in self.cursors.iter_mut() {
            let Some(p) = c.progress else { continue };
            if c.committed == Some(p) {
                continue;
            }
            if let Err(e) = self.consumer.commit(&c.queue, p).await {
                // The broker may have gone: commit where the route says now, or fail.
                match self.consumer.relocate(&c.queue).await {
                    Some(q) if q.broker_addr != c.queue.broker_addr => {
                        self.consumer.commit(&q, p).await?;
                        c.queue = q;
                    }
                    _ => return Err(e),
                }
            }
            c.committed = Some(p);
            written.push(Committed {
                broker_name: c.queue.broker_name.clone(),
                queue_id: c.queue.queue_id,
                offset: p,
            });
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::message::{push_property, MessageToStore};
    use crate::protocol::SerializeType;
    use bytes::Bytes;

    fn queue() -> QueueAddr {
        QueueAddr {
            broker_name: "broker-a".into(),
            broker_addr: "127.0.0.1:10911".into(),
            queue_id: 1,
        }
    }

    /// Stored records at queue offsets `from..`, one per (tag, store time).
    fn records(from: i64, messages: &[(&str, i64)]) -> Bytes {
        let mut out = Vec::new();
        for (i, (tag, stored)) in messages.iter().enumerate() {
            let mut props = String::new();
            push_property(&mut props, property::TAGS, tag);
            let host = "127.0.0.1:10911".parse().unwrap();
            let m = MessageToStore {
                topic: "T",
                queue_id: 1,
                flag: 0,
                body: b"x",
                body_crc: 0,
                sys_flag: 0,
                born_timestamp: *stored,
                born_host: host,
                store_host: host,
                reconsume_times: 0,
                prepared_transaction_offset: 0,
                properties: &props,
            };
            let mut buf = vec![0; m.encoded_len()];
            m.encode(&mut buf, from + i as i64, 0, *stored);
            out.extend_from_slice(&buf);
        }
        Bytes::from(out)
    }

    fn answer(code: ResponseCode, next: i64, body: Bytes) -> PullOutcome {
        PullOutcome {
            code,
            next_begin_offset: next,
            min_offset: 0,
            max_offset: next,
            body,
        }
    }

    fn reader(expression: &str) -> Reader {
        let client = MqClient::new(&[], Duration::from_secs(1), SerializeType::Json);
        let consumer =
            PullConsumer::new(Arc::new(client), "T", TOOLS_GROUP).subscribe(expression, "TAG");
        Reader {
            consumer,
            cursors: vec![Cursor {
                queue: queue(),
                next: 10,
                committed: Some(10),
                progress: None,
                done: false,
            }],
            until: None,
            limit: None,
            delivered: 0,
        }
    }

    /// Feeds one answer; returns (more, offsets delivered, warnings).
    fn feed(r: &mut Reader, o: &PullOutcome) -> (bool, Vec<i64>, Vec<String>) {
        let (mut got, mut warnings) = (Vec::new(), Vec::new());
        let more = r
            .handle(
                0,
                o,
                &mut |e: ReadEvent<'_>| -> std::result::Result<(), ClientError> {
                    match e {
                        ReadEvent::Message { record, .. } => got.push(record.queue_offset),
                        ReadEvent::Warning(w) => warnings.push(w.to_string()),
                    }
                    Ok(())
                },
            )
            .unwrap();
        (more, got, warnings)
    }

    #[test]
    fn tags_are_checked_and_progress_moves_past_skipped_messages() {
        let mut r = reader("TagA || TagC");
        let body = records(10, &[("TagA", 1), ("TagB", 2), ("TagC", 3)]);
        let (more, got, _) = feed(&mut r, &answer(ResponseCode::SUCCESS, 13, body));
        assert!(more);
        assert_eq!(got, vec![10, 12]);
        assert_eq!((r.cursors[0].next, r.cursors[0].progress), (13, Some(13)));
        assert_eq!(r.delivered(), 2);
    }

    #[test]
    fn limit_and_stop_time_end_a_queue_where_they_hit() {
        let mut r = reader("*").limit(Some(2));
        let body = records(10, &[("A", 1), ("B", 2), ("C", 3)]);
        let (more, got, _) = feed(&mut r, &answer(ResponseCode::SUCCESS, 13, body));
        assert!(!more);
        assert_eq!(got, vec![10, 11]);
        assert_eq!((r.cursors[0].next, r.cursors[0].progress), (12, Some(12)));
        assert_eq!(r.remaining(), Some(0));

        let mut r = reader("*").until(Some(2));
        let body = records(10, &[("A", 1), ("B", 2), ("C", 3)]);
        let (more, got, _) = feed(&mut r, &answer(ResponseCode::SUCCESS, 13, body));
        assert!(!more);
        assert_eq!(got, vec![10, 11]);
        assert!(r.cursors[0].done);
        assert_eq!(r.cursors[0].next, 12);
    }

    #[test]
    fn moved_and_empty_answers_move_the_cursor() {
        let mut r = reader("*");
        let (more, got, warnings) = feed(
            &mut r,
            &answer(ResponseCode::PULL_OFFSET_MOVED, 20, Bytes::new()),
        );
        assert!(more);
        assert!(got.is_empty());
        assert_eq!(
            warnings,
            vec!["broker-a/1: offset 10 is not in the queue; continuing at 20"]
        );
        assert_eq!(r.cursors[0].next, 20);
        let (more, _, _) = feed(
            &mut r,
            &answer(ResponseCode::PULL_NOT_FOUND, 20, Bytes::new()),
        );
        assert!(!more);
        assert_eq!(r.cursors[0].progress, None);
        let (more, _, _) = feed(
            &mut r,
            &answer(ResponseCode::PULL_RETRY_IMMEDIATELY, 25, Bytes::new()),
        );
        assert!(more);
        assert_eq!(r.cursors[0].progress, Some(25));
    }
}
