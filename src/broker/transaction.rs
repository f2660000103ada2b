//! Transactional messages (Java `broker/transaction/`): half messages waiting in
//! `RMQ_SYS_TRANS_HALF_TOPIC`, their end (commit or rollback, recorded as an op message in
//! `RMQ_SYS_TRANS_OP_HALF_TOPIC`), and the check service that asks a producer of the group
//! about halves nobody ended in time (CHECK_TRANSACTION_STATE).
//!
//! - a half message is the producer's message with `REAL_TOPIC`/`REAL_QID` added, its
//!   transaction bits reset to NOT_TYPE (so it gets a ConsumeQueue entry), stored in the half
//!   topic, queue 0 (written by the send path);
//! - commit: the half is copied to its real topic and queue with the COMMIT transaction type and
//!   `preparedTransactionOffset` = the half's CommitLog offset, then an op message is written;
//!   rollback writes only the op message. An op message is tagged `d`, its body is the half's
//!   queue offset in decimal, in the op queue of the same id as the half queue;
//! - the check service runs every `transactionCheckInterval` over each half queue from the
//!   consume offset of group `CID_RMQ_SYS_TRANS` (persisted in `consumerOffset.json` with every
//!   other offset, so a restart resumes where it was), skips halves the op queue settled, and
//!   for a half older than `transactionTimeOut` (or its `CHECK_IMMUNITY_TIME_IN_SECONDS`) stores
//!   a copy with `TRANSACTION_CHECK_TIMES` + 1 at the end of the half queue and sends
//!   CHECK_TRANSACTION_STATE (oneway) about the copy to a live producer of the group. A half
//!   checked `transactionCheckMax` times, or older than `fileReservedTime`, goes to
//!   `TRANS_CHECK_MAX_TIME_TOPIC`.
//!
//! As in 4.9.8, a committed message keeps the half's properties string as stored (with
//! `REAL_TOPIC`, `REAL_QID` and `TRAN_MSG`): Java clears them from the property map after it
//! has already serialised the string the CommitLog writes.
//!
//! Store work here is synchronous; the check service runs its scan on the blocking pool and
//! only the pushes to producers on the async workers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::controller::Broker;
use crate::common::clock::now_ms;
use crate::common::message::{self, property, sys_flag, MessageToStore};
use crate::common::names::{
    CID_SYS_RMQ_TRANS as TRANS_GROUP, RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC as CHECK_MAX_TOPIC,
    RMQ_SYS_TRANS_HALF_TOPIC as HALF_TOPIC, RMQ_SYS_TRANS_OP_HALF_TOPIC as OP_TOPIC,
};
use crate::protocol::header::CheckTransactionStateRequestHeader;
use crate::protocol::{CommandHeader, RemotingCommand, RequestCode};
use crate::store::{PutError, PutOk};

/// The op message tag meaning "this half is settled" (Java `TransactionalMessageUtil.REMOVETAG`).
pub const REMOVE_TAG: &str = "d";
/// Property a half copy kept back during its immunity time carries: the original's queue
/// offset (Java `PROPERTY_TRANSACTION_PREPARED_QUEUE_OFFSET`).
pub const PREPARED_QUEUE_OFFSET: &str = "TRAN_PREPARED_QUEUE_OFFSET";
/// Op messages read per queue per check run, at most.
const MAX_OPS_PER_RUN: usize = 100_000;
/// A check run stops working on a queue after this long (Java `MAX_PROCESS_TIME_LIMIT`).
const MAX_RUN: Duration = Duration::from_secs(60);

/// A stored message copied out of the CommitLog (half messages are read, then rewritten).
#[derive(Clone, Debug)]
pub struct StoredMessage {
    pub topic: String,
    pub queue_id: i32,
    pub queue_offset: i64,
    pub phys_offset: i64,
    pub flag: i32,
    pub sys_flag: i32,
    pub born_timestamp: i64,
    pub born_host: SocketAddr,
    pub store_timestamp: i64,
    pub store_host: SocketAddr,
    pub reconsume_times: i32,
    pub prepared_transaction_offset: i64,
    pub body: Vec<u8>,
    pub body_crc: i32,
    pub properties: String,
}

impl StoredMessage {
    pub fn property(&self, name: &str) -> Option<&str> {
        message::get_property(&self.properties, name)
    }

    /// `REAL_TOPIC` and `REAL_QID`, when both are present and the queue id is a number.
    pub fn real_queue(&self) -> Option<(&str, i32)> {
        let topic = self.property(property::REAL_TOPIC)?;
        let qid = self.property(property::REAL_QID)?.parse().ok()?;
        Some((topic, qid))
    }

    /// This message as a record to store, with another topic, queue and properties.
    fn to_store<'a>(
        &'a self,
        topic: &'a str,
        queue_id: i32,
        properties: &'a str,
    ) -> MessageToStore<'a> {
        MessageToStore {
            topic,
            queue_id,
            flag: self.flag,
            body: &self.body,
            body_crc: self.body_crc,
            sys_flag: self.sys_flag,
            born_timestamp: self.born_timestamp,
            born_host: self.born_host,
            store_host: self.store_host,
            reconsume_times: self.reconsume_times,
            prepared_transaction_offset: self.prepared_transaction_offset,
            properties,
        }
    }
}

/// Why a transaction could not be ended.
#[derive(Debug, thiserror::Error)]
pub enum EndError {
    #[error("Find prepared transaction message failed")]
    HalfNotFound,
    #[error("the message at commitLogOffset {0} is not a half message (no REAL_TOPIC/REAL_QID)")]
    NotHalf(i64),
    #[error(transparent)]
    Put(#[from] PutError),
}

/// One CHECK_TRANSACTION_STATE to send: the producer group and the request.
pub struct CheckRequest {
    pub group: String,
    pub request: RemotingCommand,
}

impl Broker {
    /// The message stored at `phys_offset`, copied out (Java `lookMessageByOffset`).
    pub fn look_message(&self, phys_offset: i64) -> Option<StoredMessage> {
        if phys_offset < 0 {
            return None;
        }
        self.store
            .commitlog()
            .with_record(phys_offset, |r| StoredMessage {
                topic: r.topic().into_owned(),
                queue_id: r.queue_id,
                queue_offset: r.queue_offset,
                phys_offset: r.physical_offset,
                flag: r.flag,
                sys_flag: r.sys_flag,
                born_timestamp: r.born_timestamp,
                born_host: r.born_host,
                store_timestamp: r.store_timestamp,
                store_host: r.store_host,
                reconsume_times: r.reconsume_times,
                prepared_transaction_offset: r.prepared_transaction_offset,
                body: r.body.to_vec(),
                body_crc: r.body_crc,
                properties: r.properties().into_owned(),
            })
    }

    /// The half message at `commit_log_offset` (Java `commitMessage`/`rollbackMessage`).
    pub fn half_message(&self, commit_log_offset: i64) -> Result<StoredMessage, EndError> {
        let half = self
            .look_message(commit_log_offset)
            .ok_or(EndError::HalfNotFound)?;
        if half.real_queue().is_none() {
            return Err(EndError::NotHalf(commit_log_offset));
        }
        Ok(half)
    }

    /// Stores the committed copy of `half` in its real topic and queue (Java
    /// `endMessageTransaction` + `sendFinalMessage`).
    pub fn commit_half(&self, half: &StoredMessage) -> Result<PutOk, EndError> {
        let (topic, queue_id) = half
            .real_queue()
            .ok_or(EndError::NotHalf(half.phys_offset))?;
        let mut msg = half.to_store(topic, queue_id, &half.properties);
        msg.sys_flag =
            (half.sys_flag & !sys_flag::TRANSACTION_ROLLBACK) | sys_flag::TRANSACTION_COMMIT;
        msg.prepared_transaction_offset = half.phys_offset;
        Ok(self.store.put(&msg)?)
    }

    /// Records that the half at `queue_offset` of half queue `queue_id` is settled (Java
    /// `putOpMessage` with REMOVETAG).
    pub fn put_op_message(&self, queue_id: i32, queue_offset: i64) -> Result<PutOk, PutError> {
        let body = queue_offset.to_string();
        let mut pairs = [(property::TAGS, REMOVE_TAG), (property::WAIT, "true")];
        message::java_hashmap_order(&mut pairs);
        let properties = message::format_property_slice(&pairs);
        let msg = MessageToStore {
            topic: OP_TOPIC,
            queue_id,
            flag: 0,
            body: body.as_bytes(),
            body_crc: message::crc32(body.as_bytes()),
            sys_flag: 0,
            born_timestamp: now_ms(),
            born_host: self.store_host,
            store_host: self.store_host,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            properties: &properties,
        };
        self.store.put(&msg).inspect_err(|e| {
            tracing::error!(
                queue_id,
                queue_offset,
                "transaction op message write failed: {e}"
            )
        })
    }

    /// The check service: every `transactionCheckInterval`, on a master, one check run.
    pub(super) async fn transaction_check_loop(self: Arc<Self>, stop: CancellationToken) {
        let interval = self.with_cfg(|c| c.transaction_check_interval).max(100) as u64;
        let mut tick = tokio::time::interval(Duration::from_millis(interval));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        tracing::info!(interval_ms = interval, "transaction check service started");
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            if !self.role().is_master() {
                continue;
            }
            let broker = self.clone();
            let requests =
                match tokio::task::spawn_blocking(move || broker.check_half_messages(now_ms()))
                    .await
                {
                    Ok(requests) => requests,
                    Err(e) => {
                        tracing::error!("transaction check run failed: {e}");
                        continue;
                    }
                };
            for check in requests {
                self.send_check(check).await;
            }
        }
    }

    /// Sends one CHECK_TRANSACTION_STATE to a live producer of the group (Java
    /// `sendCheckMessage`); without one the check is only logged.
    async fn send_check(&self, check: CheckRequest) {
        let Some(conn) = self.producers.any_connection(&check.group) else {
            tracing::warn!(group = %check.group, "transaction check not sent: no producer of the group is connected");
            return;
        };
        let sent = tokio::time::timeout(
            Duration::from_millis(500),
            conn.invoke_oneway(check.request),
        )
        .await;
        if !matches!(sent, Ok(Ok(()))) {
            tracing::warn!(group = %check.group, peer = %conn.peer_addr(), "transaction check could not be sent to the producer");
        }
    }

    /// One check run over every half queue (Java `TransactionalMessageServiceImpl.check`):
    /// settles, re-puts and discards halves, moves the `CID_RMQ_SYS_TRANS` offsets, and returns
    /// the check requests to send. Synchronous store work: run it off the async workers.
    pub fn check_half_messages(&self, start: i64) -> Vec<CheckRequest> {
        let (timeout, check_max) =
            self.with_cfg(|c| (c.transaction_time_out, c.transaction_check_max));
        let queues = self.ensure_send_back_topic(HALF_TOPIC, 1).read_queue_nums;
        let mut requests = Vec::new();
        for queue_id in 0..queues {
            self.check_half_queue(queue_id, start, timeout, check_max, &mut requests);
        }
        requests
    }

    fn trans_offset(&self, topic: &str, queue_id: i32) -> i64 {
        self.metadata
            .offsets
            .query(TRANS_GROUP, topic, queue_id)
            .filter(|&o| o >= 0)
            .unwrap_or_else(|| self.store.min_offset(topic, queue_id))
    }

    fn commit_trans_offset(&self, topic: &str, queue_id: i32, offset: i64) {
        let host = self.store_host.to_string();
        self.metadata
            .offsets
            .commit(&host, TRANS_GROUP, topic, queue_id, offset);
    }

    /// The message at logical `offset` of a queue, if its entry and record are readable.
    fn message_at(&self, topic: &str, queue_id: i32, offset: i64) -> Option<StoredMessage> {
        let cq = self.store.consume_queues().get(topic, queue_id)?;
        let entry = cq.get(offset)?;
        self.look_message(entry.phys_offset)
    }

    fn check_half_queue(
        &self,
        queue_id: i32,
        start: i64,
        timeout: i64,
        check_max: i32,
        requests: &mut Vec<CheckRequest>,
    ) {
        let half_offset = self.trans_offset(HALF_TOPIC, queue_id);
        let op_offset = self.trans_offset(OP_TOPIC, queue_id);
        let half_max = self.store.max_offset(HALF_TOPIC, queue_id);
        if half_offset >= half_max {
            return;
        }
        // Op messages: half offset -> op offset; ops of halves already passed are done.
        let mut removed: HashMap<i64, i64> = HashMap::new();
        let mut done_ops: Vec<i64> = Vec::new();
        let op_max = self
            .store
            .max_offset(OP_TOPIC, queue_id)
            .min(op_offset.saturating_add(MAX_OPS_PER_RUN as i64));
        for op in op_offset..op_max {
            let Some(msg) = self.message_at(OP_TOPIC, queue_id, op) else {
                continue;
            };
            if msg.property(property::TAGS) != Some(REMOVE_TAG) {
                tracing::error!(op, "op message with an unknown tag in {OP_TOPIC}");
                continue;
            }
            let Some(half) = std::str::from_utf8(&msg.body)
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
            else {
                tracing::error!(op, "op message whose body is not a queue offset");
                done_ops.push(op);
                continue;
            };
            if half < half_offset {
                done_ops.push(op);
            } else {
                removed.insert(half, op);
            }
        }
        let file_reserved_ms = i64::from(self.store_config.file_reserved_time) * 3_600_000;
        let clock = std::time::Instant::now();
        let mut offset = half_offset;
        while offset < half_max && clock.elapsed() < MAX_RUN {
            if let Some(op) = removed.remove(&offset) {
                done_ops.push(op);
                offset += 1;
                continue;
            }
            let Some(half) = self.message_at(HALF_TOPIC, queue_id, offset) else {
                // Gone (retention) or unreadable: nothing to check.
                offset += 1;
                continue;
            };
            let now = now_ms();
            let checked: i32 = half
                .property(property::TRANSACTION_CHECK_TIMES)
                .map_or(0, |t| t.parse().unwrap_or(-1));
            let age = now - half.born_timestamp;
            if checked >= check_max || age > file_reserved_ms {
                self.discard_half(&half, checked);
                offset += 1;
                continue;
            }
            if half.store_timestamp >= start {
                break;
            }
            let mut immunity = timeout;
            if let Some(secs) = half.property(property::CHECK_IMMUNITY_TIME_IN_SECONDS) {
                immunity = match secs.parse::<i64>() {
                    Ok(s) if s >= 0 => s.saturating_mul(1000),
                    _ => timeout,
                };
                if age < immunity {
                    if !self.keep_immune_half(&half, &mut removed, &mut done_ops) {
                        break;
                    }
                    offset += 1;
                    continue;
                }
            } else if (0..immunity).contains(&age) {
                break;
            }
            match self.renew_half_for_check(&half, checked.max(0) + 1) {
                Some(request) => requests.push(request),
                // Not stored: try this half again next run.
                None => break,
            }
            offset += 1;
        }
        if offset != half_offset {
            self.commit_trans_offset(HALF_TOPIC, queue_id, offset);
        }
        done_ops.sort_unstable();
        let mut new_op_offset = op_offset;
        for op in done_ops {
            if op == new_op_offset {
                new_op_offset += 1;
            } else if op > new_op_offset {
                break;
            }
        }
        if new_op_offset != op_offset {
            self.commit_trans_offset(OP_TOPIC, queue_id, new_op_offset);
        }
    }

    /// A half within its immunity time: settled if its original's op arrived, else copied to
    /// the end of the half queue to be looked at again (Java `checkPrepareQueueOffset`).
    /// `false` when the copy could not be stored.
    fn keep_immune_half(
        &self,
        half: &StoredMessage,
        removed: &mut HashMap<i64, i64>,
        done_ops: &mut Vec<i64>,
    ) -> bool {
        let original = match half.property(PREPARED_QUEUE_OFFSET) {
            Some(o) => o.parse::<i64>().unwrap_or(-1),
            None => half.queue_offset,
        };
        if let Some(op) = removed.remove(&original) {
            done_ops.push(op);
            return true;
        }
        let original = original.to_string();
        let properties = with_property(&half.properties, PREPARED_QUEUE_OFFSET, &original);
        let mut msg = half.to_store(HALF_TOPIC, half.queue_id, &properties);
        msg.flag = 0;
        msg.reconsume_times = 0;
        msg.prepared_transaction_offset = 0;
        match self.store.put(&msg) {
            Ok(_) => true,
            Err(e) => {
                tracing::error!("keeping a transaction half in its immunity time failed: {e}");
                false
            }
        }
    }

    /// Stores a copy of `half` with its check count and builds the CHECK_TRANSACTION_STATE
    /// about the copy (Java `putBackHalfMsgQueue` + `sendCheckMessage`).
    fn renew_half_for_check(&self, half: &StoredMessage, check_times: i32) -> Option<CheckRequest> {
        let times = check_times.to_string();
        let properties = with_property(&half.properties, property::TRANSACTION_CHECK_TIMES, &times);
        // As Java's renewHalfMessageInner: flag, reconsume times and prepared offset are not
        // carried over.
        let mut msg = half.to_store(HALF_TOPIC, half.queue_id, &properties);
        msg.flag = 0;
        msg.reconsume_times = 0;
        msg.prepared_transaction_offset = 0;
        let ok = match self.store.put(&msg) {
            Ok(ok) => ok,
            Err(e) => {
                tracing::error!(
                    queue_offset = half.queue_offset,
                    "re-putting a transaction half for its check failed: {e}"
                );
                return None;
            }
        };
        let group = half.property(property::PGROUP).unwrap_or("").to_string();
        let uniq = half.property(property::UNIQ_KEY).map(str::to_string);
        let offset_msg_id = message::offset_msg_id(self.store_host, ok.phys_offset);
        tracing::info!(
            group = %group,
            from = half.queue_offset,
            to = ok.queue_offset,
            msg_id = uniq.as_deref().unwrap_or(""),
            check_times,
            "transaction half put back for a check"
        );
        let (real_topic, real_qid) = half.real_queue()?;
        // The body: the half as Java's MessageDecoder.encode writes it, with the real topic and
        // queue, the copy's offsets and the new properties.
        let mut view = half.to_store(real_topic, real_qid, &properties);
        view.prepared_transaction_offset = half.prepared_transaction_offset;
        let mut body = vec![0u8; view.encoded_len()];
        view.encode(
            &mut body,
            ok.queue_offset,
            ok.phys_offset,
            half.store_timestamp,
        );
        let header = CheckTransactionStateRequestHeader {
            tran_state_table_offset: ok.queue_offset,
            commit_log_offset: ok.phys_offset,
            msg_id: uniq.clone(),
            transaction_id: uniq,
            offset_msg_id: Some(offset_msg_id),
            broker_name: None,
        };
        let request =
            RemotingCommand::request(RequestCode::CHECK_TRANSACTION_STATE, header.to_ext_fields())
                .with_body(body);
        Some(CheckRequest { group, request })
    }

    /// A half checked too often (or too old) moves to `TRANS_CHECK_MAX_TIME_TOPIC` (Java
    /// `DefaultTransactionalMessageCheckListener.resolveDiscardMsg`).
    fn discard_half(&self, half: &StoredMessage, checked: i32) {
        tracing::error!(
            queue_offset = half.queue_offset,
            commit_log_offset = half.phys_offset,
            real_topic = half.property(property::REAL_TOPIC).unwrap_or(""),
            msg_id = half.property(property::UNIQ_KEY).unwrap_or(""),
            checked,
            "transaction half checked too many times (or too old): discarded to {CHECK_MAX_TOPIC}"
        );
        self.ensure_send_back_topic(CHECK_MAX_TOPIC, 1);
        let msg = half.to_store(CHECK_MAX_TOPIC, 0, &half.properties);
        if let Err(e) = self.store.put(&msg) {
            tracing::error!("moving a transaction half to {CHECK_MAX_TOPIC} failed: {e}");
        }
    }
}

impl Broker {
    /// RESUME_CHECK_HALF_MESSAGE (Java `resumeCheckHalfMessage`): stores a copy of the message
    /// at `phys_offset` (typically one the check service gave up on, in
    /// `TRANS_CHECK_MAX_TIME_TOPIC`) at the end of half queue 0 with `TRANSACTION_CHECK_TIMES`
    /// reset to 0, so the check service asks its producer again. As in Java the message is not
    /// required to be a half message.
    pub fn resume_check_half(&self, phys_offset: i64) -> Result<PutOk, EndError> {
        let msg = self
            .look_message(phys_offset)
            .ok_or(EndError::HalfNotFound)?;
        let properties = with_property(&msg.properties, property::TRANSACTION_CHECK_TIMES, "0");
        let mut copy = msg.to_store(HALF_TOPIC, 0, &properties);
        // Java builds the copy without the old preparedTransactionOffset.
        copy.prepared_transaction_offset = 0;
        Ok(self.store.put(&copy)?)
    }
}

/// `props` with `name` set to `value`, in Java HashMap order (what Java writes after a
/// `putProperty` and `messageProperties2String`).
fn with_property(props: &str, name: &str, value: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = message::properties(props)
        .filter(|(k, _)| *k != name)
        .collect();
    pairs.push((name, value));
    message::java_hashmap_order(&mut pairs);
    message::format_property_slice(&pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::message::{decode_record, Record};
    use crate::config::{BrokerConfig, MessageStoreConfig};

    fn broker(dir: &std::path::Path) -> Arc<Broker> {
        let config = BrokerConfig {
            broker_ip1: "127.0.0.1".into(),
            ..BrokerConfig::default()
        };
        let store = MessageStoreConfig {
            store_path_root_dir: dir.to_path_buf(),
            mapped_file_size_commit_log: 1 << 20,
            mapped_file_size_consume_queue: 20 * 1000,
            ..MessageStoreConfig::default()
        };
        Broker::open(config, store, 10911, None).unwrap()
    }

    /// A half message as the send path stores it.
    fn put_half(b: &Broker, born: i64) -> PutOk {
        let mut pairs = [
            (property::TAGS, "TagA"),
            (property::TRAN_MSG, "true"),
            (property::PGROUP, "pg"),
            (property::UNIQ_KEY, "AC11000100002A9F0000000000000001"),
            (property::REAL_TOPIC, "RealTopic"),
            (property::REAL_QID, "2"),
        ];
        message::java_hashmap_order(&mut pairs);
        let props = message::format_property_slice(&pairs);
        let body = b"transactional body";
        let msg = MessageToStore {
            topic: HALF_TOPIC,
            queue_id: 0,
            flag: 3,
            body,
            body_crc: message::crc32(body),
            sys_flag: 0,
            born_timestamp: born,
            born_host: "127.0.0.1:40000".parse().unwrap(),
            store_host: b.store_host,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            properties: &props,
        };
        b.store.put(&msg).unwrap()
    }

    fn queue_messages(b: &Broker, topic: &str, queue_id: i32) -> Vec<StoredMessage> {
        (0..b.store.max_offset(topic, queue_id))
            .filter_map(|o| b.message_at(topic, queue_id, o))
            .collect()
    }

    #[test]
    fn commit_copies_the_half_to_its_real_queue_and_the_op_records_its_offset() {
        let dir = tempfile::tempdir().unwrap();
        let b = broker(dir.path());
        let ok = put_half(&b, now_ms());
        let half = b.half_message(ok.phys_offset).unwrap();
        assert_eq!((half.queue_offset, half.phys_offset), (0, ok.phys_offset));
        b.commit_half(&half).unwrap();
        b.put_op_message(half.queue_id, half.queue_offset).unwrap();

        let committed = queue_messages(&b, "RealTopic", 2);
        assert_eq!(committed.len(), 1);
        let c = &committed[0];
        assert_eq!(
            c.sys_flag & sys_flag::TRANSACTION_ROLLBACK,
            sys_flag::TRANSACTION_COMMIT
        );
        assert_eq!(c.prepared_transaction_offset, ok.phys_offset);
        assert_eq!((c.flag, c.born_timestamp), (3, half.born_timestamp));
        // 4.9.8 keeps the half's properties string as it was.
        assert_eq!(c.properties, half.properties);
        assert_eq!(c.body, half.body);

        let ops = queue_messages(&b, OP_TOPIC, 0);
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].body, b"0");
        assert_eq!(ops[0].property(property::TAGS), Some(REMOVE_TAG));
        assert_eq!(ops[0].property(property::WAIT), Some("true"));
    }

    #[test]
    fn only_half_messages_can_be_ended_and_bad_offsets_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let b = broker(dir.path());
        let ok = put_half(&b, now_ms());
        // A plain message (no REAL_TOPIC/REAL_QID) is not a half.
        let body = b"plain";
        let plain = MessageToStore {
            topic: "Plain",
            queue_id: 0,
            flag: 0,
            body,
            body_crc: message::crc32(body),
            sys_flag: 0,
            born_timestamp: now_ms(),
            born_host: b.store_host,
            store_host: b.store_host,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            properties: "",
        };
        let plain = b.store.put(&plain).unwrap();
        assert!(matches!(
            b.half_message(plain.phys_offset),
            Err(EndError::NotHalf(_))
        ));
        for bad in [-1, 1, 7, ok.phys_offset + 3, 1 << 40] {
            assert!(b.half_message(bad).is_err(), "offset {bad}");
        }
    }

    #[test]
    fn a_half_past_its_timeout_is_checked_once_then_settled_by_its_op() {
        let dir = tempfile::tempdir().unwrap();
        let b = broker(dir.path());
        b.config.write().unwrap().transaction_time_out = 1000;
        // Young: not checked, and the offset does not move.
        put_half(&b, now_ms());
        assert!(b.check_half_messages(now_ms() + 1).is_empty());
        assert_eq!(b.metadata.offsets.query(TRANS_GROUP, HALF_TOPIC, 0), None);

        let dir = tempfile::tempdir().unwrap();
        let b = broker(dir.path());
        b.config.write().unwrap().transaction_time_out = 1000;
        put_half(&b, now_ms() - 10_000);
        let requests = b.check_half_messages(now_ms() + 1);
        assert_eq!(requests.len(), 1);
        let r = &requests[0];
        assert_eq!(r.group, "pg");
        assert_eq!(
            r.request.request_code(),
            RequestCode::CHECK_TRANSACTION_STATE
        );
        let header = CheckTransactionStateRequestHeader::from_command(&r.request).unwrap();
        assert_eq!(header.tran_state_table_offset, 1);
        assert_eq!(
            header.msg_id.as_deref(),
            Some("AC11000100002A9F0000000000000001")
        );
        assert_eq!(header.transaction_id, header.msg_id);
        let Ok(Record::Message(view)) = decode_record(&r.request.body) else {
            panic!("check body is not a message record");
        };
        assert_eq!(view.topic(), "RealTopic");
        assert_eq!(view.queue_id, 2);
        assert_eq!(view.queue_offset, 1);
        assert_eq!(view.physical_offset, header.commit_log_offset);
        assert_eq!(
            view.property(property::TRANSACTION_CHECK_TIMES).as_deref(),
            Some("1")
        );
        assert_eq!(
            b.metadata.offsets.query(TRANS_GROUP, HALF_TOPIC, 0),
            Some(1)
        );
        // The copy holds the check count.
        let copy = b.message_at(HALF_TOPIC, 0, 1).unwrap();
        assert_eq!(copy.property(property::TRANSACTION_CHECK_TIMES), Some("1"));

        // The producer commits the copy: the next run settles it and checks nothing.
        b.put_op_message(0, 1).unwrap();
        assert!(b.check_half_messages(now_ms() + 1).is_empty());
        assert_eq!(
            b.metadata.offsets.query(TRANS_GROUP, HALF_TOPIC, 0),
            Some(2)
        );
        assert_eq!(b.metadata.offsets.query(TRANS_GROUP, OP_TOPIC, 0), Some(1));
    }

    #[test]
    fn a_half_checked_transaction_check_max_times_moves_to_the_check_max_topic() {
        let dir = tempfile::tempdir().unwrap();
        let b = broker(dir.path());
        {
            let mut c = b.config.write().unwrap();
            c.transaction_time_out = 1000;
            c.transaction_check_max = 2;
        }
        put_half(&b, now_ms() - 10_000);
        assert_eq!(b.check_half_messages(now_ms() + 1).len(), 1);
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(b.check_half_messages(now_ms() + 1).len(), 1);
        std::thread::sleep(Duration::from_millis(2));
        assert!(b.check_half_messages(now_ms() + 1).is_empty());
        let moved = queue_messages(&b, CHECK_MAX_TOPIC, 0);
        assert_eq!(moved.len(), 1);
        assert_eq!(
            moved[0].property(property::TRANSACTION_CHECK_TIMES),
            Some("2")
        );
        assert_eq!(moved[0].property(property::REAL_TOPIC), Some("RealTopic"));
        assert!(b.metadata.topics.contains(CHECK_MAX_TOPIC));
        assert_eq!(
            b.metadata.offsets.query(TRANS_GROUP, HALF_TOPIC, 0),
            Some(3)
        );
    }
}
