//! The queues of a topic from its route (for producers, for consumers, narrowed to a broker or
//! a queue id), and the two data requests as they go on the wire: SEND_MESSAGE_V2 /
//! SEND_BATCH_MESSAGE (sync or oneway) and PULL_MESSAGE with optional long polling.
//! [`Producer`](super::Producer) and [`PullConsumer`](super::PullConsumer) build on these.

use std::time::Duration;

use bytes::Bytes;

use super::{expect, header, request, ClientError, MqClient, Result};
use crate::protocol::body::{BrokerData, TopicRouteData};
use crate::protocol::header::{
    PullMessageRequestHeader, PullMessageResponseHeader, SendMessageRequestHeaderV2,
    SendMessageResponseHeader,
};
use crate::protocol::perm::{is_readable, is_writeable};
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};

/// A queue of a topic on one broker: its master, or for reading while the master is not
/// registered (down), a slave of the same broker name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct QueueAddr {
    pub broker_name: String,
    pub broker_addr: String,
    pub queue_id: i32,
}

/// The queues a producer may write to: writable queue data whose broker has a master,
/// `0..writeQueueNums` each, sorted by broker name (as the Java client builds them).
pub fn publish_queues(route: &TopicRouteData) -> Vec<QueueAddr> {
    queues(route, BrokerData::master_addr, |q| {
        is_writeable(q.perm).then_some(q.write_queue_nums)
    })
}

/// The queues a consumer reads: readable queue data, `0..readQueueNums` each, on the master,
/// or on the slave with the lowest id when no master is registered. That is the Java 4.9.x
/// client's choice (`findBrokerAddressInSubscribe` with `onlyThisBroker=false`, for pulls
/// and, once the master is gone, for offset queries and commits too).
pub fn subscribe_queues(route: &TopicRouteData) -> Vec<QueueAddr> {
    queues(route, read_addr, |q| {
        is_readable(q.perm).then_some(q.read_queue_nums)
    })
}

/// Where a consumer reads a broker name's queues: its master, else its first slave.
pub fn read_addr(broker: &BrokerData) -> Option<&str> {
    broker
        .master_addr()
        .or_else(|| broker.broker_addrs.values().next().map(String::as_str))
}

/// Keeps the queues of broker `broker` (a name or an address, when given) and queue id `queue`
/// (when given); an error names what the topic has instead.
pub fn select_queues(
    mut queues: Vec<QueueAddr>,
    topic: &str,
    broker: Option<&str>,
    queue: Option<i32>,
) -> Result<Vec<QueueAddr>> {
    if let Some(b) = broker {
        let mut names: Vec<String> = queues.iter().map(|q| q.broker_name.clone()).collect();
        queues.retain(|q| q.broker_name == b || q.broker_addr == b);
        if queues.is_empty() {
            names.dedup();
            return Err(ClientError::Other(format!(
                "topic {topic} has no queue on broker {b} (its brokers: {})",
                names.join(", ")
            )));
        }
    }
    if let Some(id) = queue {
        let count = queues.len();
        queues.retain(|q| q.queue_id == id);
        if queues.is_empty() {
            return Err(ClientError::Other(format!(
                "topic {topic} has no queue {id} (queues 0..{count} here); check -b/--queue"
            )));
        }
    }
    Ok(queues)
}

fn queues(
    route: &TopicRouteData,
    addr_of: impl Fn(&BrokerData) -> Option<&str>,
    count: impl Fn(&crate::protocol::body::QueueData) -> Option<i32>,
) -> Vec<QueueAddr> {
    let mut out = Vec::new();
    let mut datas = route.queue_datas.clone();
    datas.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
    for q in &datas {
        let Some(n) = count(q) else { continue };
        let Some(addr) = route
            .broker_datas
            .iter()
            .find(|b| b.broker_name == q.broker_name)
            .and_then(&addr_of)
        else {
            continue;
        };
        for queue_id in 0..n {
            out.push(QueueAddr {
                broker_name: q.broker_name.clone(),
                broker_addr: addr.to_string(),
                queue_id,
            });
        }
    }
    out
}

/// What a send returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendOutcome {
    /// SUCCESS, or FLUSH_DISK_TIMEOUT / FLUSH_SLAVE_TIMEOUT / SLAVE_NOT_AVAILABLE (stored but
    /// not as durable as asked).
    pub status: ResponseCode,
    /// Offset message id(s), comma-separated for a batch.
    pub offset_msg_id: String,
    pub queue_id: i32,
    pub queue_offset: i64,
}

/// What a pull returned.
#[derive(Clone, Debug)]
pub struct PullOutcome {
    pub code: ResponseCode,
    pub next_begin_offset: i64,
    pub min_offset: i64,
    pub max_offset: i64,
    /// Concatenated stored records (decode with `common::message::decode_records`).
    pub body: Bytes,
}

impl MqClient {
    /// Sends one message (or a batch body with `batch`) to `broker_addr` with a header made by
    /// the caller (tests and tools that need an exact frame; [`Producer`](super::Producer) is
    /// the general way to send). Oneway sends return `Ok(None)`.
    pub async fn send_to(
        &self,
        broker_addr: &str,
        send_header: &SendMessageRequestHeaderV2,
        body: Bytes,
        batch: bool,
        oneway: bool,
    ) -> Result<Option<SendOutcome>> {
        let code = if batch {
            RequestCode::SEND_BATCH_MESSAGE
        } else {
            RequestCode::SEND_MESSAGE_V2
        };
        self.send_request(
            broker_addr,
            request(code, send_header).with_body(body),
            oneway,
        )
        .await
    }

    /// Sends a prepared SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE request and reads the answer.
    pub(super) async fn send_request(
        &self,
        broker_addr: &str,
        req: RemotingCommand,
        oneway: bool,
    ) -> Result<Option<SendOutcome>> {
        if oneway {
            self.remoting().invoke_oneway(broker_addr, req).await?;
            return Ok(None);
        }
        let r = self.invoke(broker_addr, req).await?;
        let r = expect(
            broker_addr,
            r,
            &[
                ResponseCode::SUCCESS,
                ResponseCode::FLUSH_DISK_TIMEOUT,
                ResponseCode::FLUSH_SLAVE_TIMEOUT,
                ResponseCode::SLAVE_NOT_AVAILABLE,
            ],
        )?;
        let h: SendMessageResponseHeader = header(broker_addr, &r)?;
        Ok(Some(SendOutcome {
            status: r.response_code(),
            offset_msg_id: h.msg_id,
            queue_id: h.queue_id,
            queue_offset: h.queue_offset,
        }))
    }

    /// Pulls from one queue. With the SUSPEND flag the broker may hold the request up to
    /// `suspend_timeout_millis`, so the wait here is that plus the client timeout.
    pub async fn pull(
        &self,
        broker_addr: &str,
        h: &PullMessageRequestHeader,
    ) -> Result<PullOutcome> {
        let wait = self.timeout() + Duration::from_millis(h.suspend_timeout_millis.max(0) as u64);
        let r = self
            .remoting()
            .invoke(broker_addr, request(RequestCode::PULL_MESSAGE, h), wait)
            .await
            .map_err(ClientError::from)?;
        let r = expect(
            broker_addr,
            r,
            &[
                ResponseCode::SUCCESS,
                ResponseCode::PULL_NOT_FOUND,
                ResponseCode::PULL_RETRY_IMMEDIATELY,
                ResponseCode::PULL_OFFSET_MOVED,
            ],
        )?;
        let ph: PullMessageResponseHeader = header(broker_addr, &r)?;
        Ok(PullOutcome {
            code: r.response_code(),
            next_begin_offset: ph.next_begin_offset,
            min_offset: ph.min_offset,
            max_offset: ph.max_offset,
            body: r.body,
        })
    }
}
