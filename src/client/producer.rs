//! The producer: [`Producer`] keeps a route cache per topic (fetched again when it expires or
//! after a failed send), picks queues (round robin, a sharding key's hash, or one fixed queue),
//! and sends sync, async (many in flight), oneway or as producer batches, retrying a failed
//! sync send on another broker as the Java client does (`retryTimesWhenSendFailed`). It is the
//! one place a SEND_MESSAGE_V2 header is built: straight into ext fields from values shared
//! across sends, so a send allocates nothing per message beyond its request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::task::JoinSet;

use super::message_id::{local_ip_towards, UniqIdGenerator};
use super::messaging::{publish_queues, QueueAddr, SendOutcome};
use super::{ClientError, MqClient, Result};
use crate::common::clock::now_ms;
use crate::common::message::{self, property, BatchItem};
use crate::common::names::AUTO_CREATE_TOPIC_KEY_TOPIC;
use crate::protocol::{ExtFields, RemotingCommand, RequestCode, ResponseCode, Text};

/// Queues an auto-created topic gets (the Java producer's `defaultTopicQueueNums`).
pub const DEFAULT_TOPIC_QUEUE_NUMS: i32 = 4;

/// How a producer sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendMode {
    /// Wait for each answer.
    Sync,
    /// Many sends in flight, every answer still read.
    Async,
    /// Fire and forget: no answer.
    Oneway,
    /// Several messages in one SEND_BATCH_MESSAGE request.
    Batch,
}

/// Which queue a message goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueSelect {
    /// The next queue in turn; a retry skips the broker that just failed.
    RoundRobin,
    /// Ordered sends: queue `hash % queue count` (`hash` is Java's `String.hashCode` of the
    /// sharding key, as in `SelectMessageQueueByHash`). No retry elsewhere: order would break.
    Hash(i32),
    /// The queue with this id (on [`ProducerOptions::broker`] when the topic is on several
    /// brokers). No retry elsewhere.
    Queue(i32),
}

impl QueueSelect {
    /// Java's `SelectMessageQueueByHash` for `key`.
    pub fn by_key(key: &str) -> QueueSelect {
        QueueSelect::Hash(message::java_string_hash(key))
    }
}

/// Property names the client or broker sets; users must not (Java's `putUserProperty` rule).
const SYSTEM_PROPERTIES: &[&str] = &[
    property::KEYS,
    property::TAGS,
    property::WAIT,
    property::DELAY,
    property::RETRY_TOPIC,
    property::REAL_TOPIC,
    property::REAL_QID,
    property::TRAN_MSG,
    property::PGROUP,
    property::UNIQ_KEY,
    property::CLUSTER,
    property::ORIGIN_MESSAGE_ID,
    property::RECONSUME_TIME,
    property::MAX_RECONSUME_TIMES,
    property::MSG_REGION,
    property::TRACE_ON,
    property::TRANSACTION_ID,
    property::CHECK_IMMUNITY_TIME_IN_SECONDS,
    property::TRANSACTION_CHECK_TIMES,
    "MIN_OFFSET",
    "MAX_OFFSET",
    "BUYER_ID",
    "CORRECTION_FLAG",
    "MQ2_FLAG",
    "TRANSFER_FLAG",
    "INSTANCE_ID",
];

/// The properties in a batch request's header. A 4.x broker appends them to every message of
/// the batch, so they are the batch's own: only WAIT, from the first message (Java's
/// `MessageBatch.generateFromList`), never the first message's keys, tags or user properties.
fn batch_header_properties(first: &Message) -> Text {
    let wait = message::get_property(&first.properties, property::WAIT).unwrap_or("true");
    let mut props = String::new();
    message::push_property(&mut props, property::WAIT, wait);
    Text::from(props)
}

/// Whether `name` is a property the client or broker sets, which a user property must not use
/// (Java's `MessageConst.STRING_HASH_SET`).
pub fn is_system_property(name: &str) -> bool {
    SYSTEM_PROPERTIES.contains(&name)
}

/// One message to send. Fields are cheap to clone (shared or inline), so a message reused for
/// many sends costs no allocation.
#[derive(Clone, Debug)]
pub struct Message {
    pub topic: Text,
    pub flag: i32,
    /// `NAME\u1VALUE\u2...` as on the wire (see `common::message::push_property`).
    pub properties: Text,
    pub body: Bytes,
}

impl Message {
    pub fn new(topic: &str, body: impl Into<Bytes>) -> Message {
        Message {
            topic: Text::copy_from(topic),
            flag: 0,
            properties: Text::default(),
            body: body.into(),
        }
    }

    /// Appends a property (no check that the name is free: see [`is_system_property`]).
    pub fn with_property(mut self, name: &str, value: &str) -> Message {
        let mut props = self.properties.to_string();
        message::push_property(&mut props, name, value);
        self.properties = Text::from(props);
        self
    }

    /// The TAGS property (none for an empty tag).
    pub fn with_tags(self, tags: &str) -> Message {
        if tags.is_empty() {
            return self;
        }
        self.with_property(property::TAGS, tags)
    }

    /// The KEYS property: the keys space-separated (none when there are none).
    pub fn with_keys<'a>(self, keys: impl IntoIterator<Item = &'a str>) -> Message {
        let keys: Vec<&str> = keys.into_iter().filter(|k| !k.is_empty()).collect();
        if keys.is_empty() {
            return self;
        }
        self.with_property(property::KEYS, &keys.join(" "))
    }

    /// The DELAY property: a delay level (1 = 1s, 2 = 5s, ... by default).
    pub fn with_delay_level(self, level: i32) -> Message {
        self.with_property(property::DELAY, &level.to_string())
    }

    /// WAIT=true: the broker answers after storing (the Java `Message` default).
    pub fn with_wait_store(self) -> Message {
        self.with_property(property::WAIT, "true")
    }
}

#[derive(Clone, Debug)]
pub struct ProducerOptions {
    /// Producer group named in the requests.
    pub group: String,
    /// Extra attempts of a failed sync or async send on another broker when there is one
    /// (Java's `retryTimesWhenSendFailed`, 2).
    pub retries: u32,
    /// How long a route is used before it is read again (Java polls every 30 s).
    pub route_ttl: Duration,
    /// Give each message a client id (UNIQ_KEY) as the Java producer does.
    pub unique_ids: bool,
    /// Only send to this broker (name or address).
    pub broker: Option<String>,
    /// Send to a topic that has no route through the default topic's route, so the broker
    /// creates it (when it allows auto-creation), as the Java producer does.
    pub auto_create: bool,
}

impl Default for ProducerOptions {
    fn default() -> Self {
        ProducerOptions {
            group: "DEFAULT_PRODUCER".into(),
            retries: 2,
            route_ttl: Duration::from_secs(30),
            unique_ids: true,
            broker: None,
            auto_create: true,
        }
    }
}

/// Where a topic can be written, as read from the name server.
#[derive(Debug)]
pub struct PublishRoute {
    pub topic: String,
    /// Writable queues on master brokers, by broker name.
    pub queues: Vec<QueueAddr>,
    /// The topic has no route yet: these are the default topic's queues (at most
    /// [`DEFAULT_TOPIC_QUEUE_NUMS`] per broker) and the first send auto-creates it.
    pub auto_create: bool,
    /// The broker name of each queue, ready for the header.
    broker_names: Vec<Text>,
    fetched: Instant,
}

struct CachedRoute {
    route: Arc<PublishRoute>,
    /// A send failed since it was read: read it again.
    stale: bool,
}

/// One send and how it went.
#[derive(Debug)]
pub struct Sent {
    /// The client id (UNIQ_KEY) given to the message (comma-separated for a batch), when the
    /// producer gives ids.
    pub msg_id: Option<String>,
    /// The broker's answer; `Ok(None)` for oneway sends.
    pub result: Result<Option<SendOutcome>>,
    route: Arc<PublishRoute>,
    queue: usize,
}

impl Sent {
    /// The queue of the last attempt (queue id −1 and no broker when the send failed before
    /// a queue was chosen, e.g. without a route).
    pub fn queue(&self) -> &QueueAddr {
        &self.route.queues[self.queue]
    }
}

/// A producer for any number of topics. Share it (`Arc`) among tasks: sends need `&self` only.
pub struct Producer {
    client: Arc<MqClient>,
    options: ProducerOptions,
    group: Text,
    routes: Mutex<HashMap<String, CachedRoute>>,
    /// One route read at a time; senders that find it busy use the cached route.
    reading: tokio::sync::Mutex<()>,
    next: AtomicUsize,
    ids: OnceLock<UniqIdGenerator>,
}

impl Producer {
    pub fn new(client: Arc<MqClient>, options: ProducerOptions) -> Producer {
        use std::hash::BuildHasher;
        // Round robin from a random start, as Java's ThreadLocalIndex.
        let start = std::collections::hash_map::RandomState::new().hash_one(now_ms()) as usize;
        Producer {
            client,
            group: Text::copy_from(&options.group),
            options,
            routes: Mutex::new(HashMap::new()),
            reading: tokio::sync::Mutex::new(()),
            next: AtomicUsize::new(start),
            ids: OnceLock::new(),
        }
    }

    pub fn client(&self) -> &Arc<MqClient> {
        &self.client
    }

    /// Where `topic` can be written: the cached route, read again when it expired, has no
    /// writable queue or a send failed since (keeping the cached one when the name server cannot be reached).
    pub async fn route(&self, topic: &str) -> Result<Arc<PublishRoute>> {
        let cached = {
            let routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
            routes.get(topic).map(|c| {
                // A route without a writable queue (the master is down, only its slave is
                // registered) is read again at once, as Java's `!topicPublishInfo.ok()`:
                // kept for the whole TTL it would stop sends long after the master is back.
                let fresh = !c.stale
                    && !c.route.queues.is_empty()
                    && c.route.fetched.elapsed() < self.options.route_ttl;
                (c.route.clone(), fresh)
            })
        };
        match cached {
            Some((route, true)) => Ok(route),
            Some((route, false)) => {
                // Another sender is reading it: go on with what is cached.
                let Ok(_reading) = self.reading.try_lock() else {
                    return Ok(route);
                };
                Ok(self.read_route(topic).await.unwrap_or(route))
            }
            None => {
                let _reading = self.reading.lock().await;
                if let Some(c) = self
                    .routes
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(topic)
                {
                    return Ok(c.route.clone());
                }
                self.read_route(topic).await
            }
        }
    }

    /// Reads the route of `topic` and caches it. A topic that does not exist yet gets the
    /// default topic's route capped at the producer's queue count, so the broker auto-creates
    /// it on the first send (as the Java producer does).
    async fn read_route(&self, topic: &str) -> Result<Arc<PublishRoute>> {
        let (route, auto_create) = match self.client.route(topic).await {
            Ok(r) => (r, false),
            Err(e @ ClientError::NoRoute(_)) if !self.options.auto_create => return Err(e),
            Err(ClientError::NoRoute(_)) => {
                let mut r = self
                    .client
                    .route(AUTO_CREATE_TOPIC_KEY_TOPIC)
                    .await
                    .map_err(|_| {
                        ClientError::Other(format!(
                            "no route for topic {topic}, and no broker allows auto-creation \
                             ({AUTO_CREATE_TOPIC_KEY_TOPIC} has no route): create the topic first"
                        ))
                    })?;
                for q in &mut r.queue_datas {
                    q.write_queue_nums = q.write_queue_nums.min(DEFAULT_TOPIC_QUEUE_NUMS);
                    q.read_queue_nums = q.read_queue_nums.min(DEFAULT_TOPIC_QUEUE_NUMS);
                }
                (r, true)
            }
            Err(e) => return Err(e.context(format!("cannot read the route of {topic}"))),
        };
        let queues = publish_queues(&route);
        let route = Arc::new(PublishRoute {
            topic: topic.to_string(),
            broker_names: queues
                .iter()
                .map(|q| Text::copy_from(&q.broker_name))
                .collect(),
            queues,
            auto_create,
            fetched: Instant::now(),
        });
        self.routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                topic.to_string(),
                CachedRoute {
                    route: route.clone(),
                    stale: false,
                },
            );
        Ok(route)
    }

    fn mark_stale(&self, topic: &str) {
        if let Some(c) = self
            .routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(topic)
        {
            c.stale = true;
        }
    }

    /// Whether queue `i` is one this producer may use.
    fn allowed(&self, q: &QueueAddr) -> bool {
        self.options
            .broker
            .as_deref()
            .is_none_or(|b| q.broker_name == b || q.broker_addr == b)
    }

    /// The queue for attempt `attempt` of a send (`failed`: the broker of the last failure).
    fn select(
        &self,
        route: &PublishRoute,
        select: QueueSelect,
        failed: Option<&str>,
    ) -> Option<usize> {
        let queues = &route.queues;
        let allowed = |i: &usize| self.allowed(&queues[*i]);
        let count = if self.options.broker.is_none() {
            queues.len()
        } else {
            (0..queues.len()).filter(allowed).count()
        };
        if count == 0 {
            return None;
        }
        // The n-th allowed queue.
        let nth = |n: usize| -> usize {
            if self.options.broker.is_none() {
                n
            } else {
                (0..queues.len()).filter(allowed).nth(n).unwrap_or(0)
            }
        };
        match select {
            QueueSelect::Hash(hash) => Some(nth((hash % count as i32).unsigned_abs() as usize)),
            QueueSelect::Queue(id) => (0..queues.len())
                .filter(allowed)
                .find(|i| queues[*i].queue_id == id),
            QueueSelect::RoundRobin => {
                let first = self.next.fetch_add(1, Ordering::Relaxed);
                if let Some(failed) = failed {
                    for k in 0..count {
                        let i = nth((first + k) % count);
                        if queues[i].broker_name != failed {
                            return Some(i);
                        }
                    }
                }
                Some(nth(first % count))
            }
        }
    }

    /// The client id for the next message, when the producer gives ids.
    fn next_id(&self, route: &PublishRoute) -> Option<String> {
        if !self.options.unique_ids {
            return None;
        }
        let ids = self.ids.get_or_init(|| {
            let addr = route.queues.first().map_or("", |q| q.broker_addr.as_str());
            UniqIdGenerator::new(local_ip_towards(addr))
        });
        Some(ids.next_id())
    }

    /// The SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE request: the fields of
    /// `SendMessageRequestHeaderV2` in its order, from shared values.
    fn request(
        &self,
        route: &PublishRoute,
        queue: usize,
        msg: &Message,
        properties: &Text,
        body: Bytes,
        batch: bool,
    ) -> RemotingCommand {
        let code = if batch {
            RequestCode::SEND_BATCH_MESSAGE
        } else {
            RequestCode::SEND_MESSAGE_V2
        };
        let mut ext = ExtFields::with_capacity(13);
        ext.push("a", self.group.clone());
        ext.push("b", msg.topic.clone());
        ext.push("c", AUTO_CREATE_TOPIC_KEY_TOPIC);
        ext.push("d", DEFAULT_TOPIC_QUEUE_NUMS);
        ext.push("e", route.queues[queue].queue_id);
        ext.push("f", 0);
        ext.push("g", now_ms());
        ext.push("h", msg.flag);
        ext.push("i", properties.clone());
        ext.push("j", 0);
        ext.push("k", false);
        ext.push("m", batch);
        ext.push("n", route.broker_names[queue].clone());
        RemotingCommand::request(code, ext).with_body(body)
    }

    /// Sends `out` to a queue of `route`, retrying a failure elsewhere when `select` allows.
    async fn send_with_retries(
        &self,
        out: Outgoing<'_>,
        select: QueueSelect,
        oneway: bool,
        route: Arc<PublishRoute>,
    ) -> Sent {
        let Outgoing {
            msg,
            properties,
            body,
            batch,
            msg_id,
        } = out;
        let tries = match select {
            QueueSelect::RoundRobin if !oneway => 1 + self.options.retries,
            _ => 1,
        };
        let mut failed: Option<usize> = None;
        let mut last = None;
        for _ in 0..tries {
            let failed_broker = failed.map(|i| route.queues[i].broker_name.as_str());
            let Some(queue) = self.select(&route, select, failed_broker) else {
                break;
            };
            let req = self.request(&route, queue, msg, properties, body.clone(), batch);
            let addr = &route.queues[queue].broker_addr;
            let result = self.client.send_request(addr, req, oneway).await;
            match result {
                Err(e) if retryable(&e) => {
                    self.mark_stale(&msg.topic);
                    failed = Some(queue);
                    last = Some((queue, e));
                }
                result => {
                    if result.is_err() {
                        self.mark_stale(&msg.topic);
                    }
                    return Sent {
                        msg_id,
                        result,
                        route,
                        queue,
                    };
                }
            }
        }
        match last {
            Some((queue, e)) => Sent {
                msg_id,
                result: Err(e),
                route,
                queue,
            },
            None => Sent {
                msg_id,
                result: Err(ClientError::Other(format!(
                    "topic {} has no writable queue{}",
                    msg.topic.as_str(),
                    self.options
                        .broker
                        .as_deref()
                        .map(|b| format!(" on broker {b}"))
                        .unwrap_or_default()
                ))),
                route,
                queue: 0,
            },
        }
    }

    /// The properties a message goes out with: its own, plus a client id when the producer
    /// gives them.
    fn stamped(&self, msg: &Message, route: &PublishRoute) -> (Option<String>, Text) {
        match self.next_id(route) {
            Some(id) => {
                let mut props = msg.properties.to_string();
                message::push_property(&mut props, property::UNIQ_KEY, &id);
                (Some(id), Text::from(props))
            }
            None => (None, msg.properties.clone()),
        }
    }

    /// Sends one message and waits for the answer, retrying a failure on another broker
    /// (round robin only).
    pub async fn send(&self, msg: &Message, select: QueueSelect) -> Sent {
        self.send_one(msg, select, false).await
    }

    /// Sends one message without waiting for an answer (`result` is `Ok(None)` once the
    /// request is queued on the connection). See [`Producer::flush`].
    pub async fn send_oneway(&self, msg: &Message, select: QueueSelect) -> Sent {
        self.send_one(msg, select, true).await
    }

    async fn send_one(&self, msg: &Message, select: QueueSelect, oneway: bool) -> Sent {
        let route = match self.route(&msg.topic).await {
            Ok(r) => r,
            Err(e) => return unsent(e),
        };
        let (msg_id, properties) = self.stamped(msg, &route);
        let out = Outgoing {
            msg,
            properties: &properties,
            body: &msg.body,
            batch: false,
            msg_id,
        };
        self.send_with_retries(out, select, oneway, route).await
    }

    /// Sends `msg` from a task of its own; the handle yields how it went.
    pub fn send_async(
        self: &Arc<Self>,
        msg: Message,
        select: QueueSelect,
    ) -> tokio::task::JoinHandle<Sent> {
        let producer = self.clone();
        tokio::spawn(async move { producer.send(&msg, select).await })
    }

    /// Sends every message with up to `inflight` sends waiting for answers at a time; the
    /// results come back in the order of `messages`.
    pub async fn send_many(
        self: &Arc<Self>,
        messages: impl IntoIterator<Item = Message>,
        select: QueueSelect,
        inflight: usize,
    ) -> Vec<Sent> {
        let mut done: Vec<(usize, Sent)> = Vec::new();
        let mut in_flight = JoinSet::new();
        for (i, msg) in messages.into_iter().enumerate() {
            while in_flight.len() >= inflight.max(1) {
                if let Some(Ok(s)) = in_flight.join_next().await {
                    done.push(s);
                }
            }
            let producer = self.clone();
            in_flight.spawn(async move { (i, producer.send(&msg, select).await) });
        }
        while let Some(joined) = in_flight.join_next().await {
            if let Ok(s) = joined {
                done.push(s);
            }
        }
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, s)| s).collect()
    }

    /// Sends `batch` (one topic, at least one message) as one producer batch
    /// (SEND_BATCH_MESSAGE), with retries like [`Producer::send`]. The request carries the first
    /// message's topic, flag and properties.
    pub async fn send_batch(&self, batch: &[Message], select: QueueSelect) -> Sent {
        let Some(first) = batch.first() else {
            return unsent(ClientError::Other("an empty batch".into()));
        };
        let route = match self.route(&first.topic).await {
            Ok(r) => r,
            Err(e) => return unsent(e),
        };
        let body = if self.options.unique_ids {
            let stamped: Vec<(Option<String>, Text)> =
                batch.iter().map(|m| self.stamped(m, &route)).collect();
            let ids: Vec<&str> = stamped.iter().filter_map(|(id, _)| id.as_deref()).collect();
            let msg_id = (!ids.is_empty()).then(|| ids.join(","));
            let body = Bytes::from(message::encode_batch(batch.iter().zip(&stamped).map(
                |(m, (_, props))| BatchItem {
                    flag: m.flag,
                    body: &m.body,
                    properties: props,
                },
            )));
            (msg_id, body)
        } else {
            let body = Bytes::from(message::encode_batch(batch.iter().map(|m| BatchItem {
                flag: m.flag,
                body: &m.body,
                properties: &m.properties,
            })));
            (None, body)
        };
        let (msg_id, body) = body;
        let batch_properties = batch_header_properties(first);
        let out = Outgoing {
            msg: first,
            properties: &batch_properties,
            body: &body,
            batch: true,
            msg_id,
        };
        self.send_with_retries(out, select, false, route).await
    }

    /// Sends a SEND_BATCH_MESSAGE body the caller encoded (items as
    /// `common::message::encode_batch` writes them, e.g. forwarded records) to queue `queue_id`
    /// of broker `broker_name`, once: the caller chose the queue, so there is no retry
    /// elsewhere. The request header carries no properties.
    pub async fn send_encoded_batch(
        &self,
        topic: &str,
        broker_name: &str,
        queue_id: i32,
        body: Bytes,
    ) -> Sent {
        let route = match self.route(topic).await {
            Ok(r) => r,
            Err(e) => return unsent(e),
        };
        let Some(queue) = route
            .queues
            .iter()
            .position(|q| q.broker_name == broker_name && q.queue_id == queue_id)
        else {
            return unsent(ClientError::Other(format!(
                "topic {topic} has no writable queue {queue_id} on broker {broker_name}"
            )));
        };
        let header_msg = Message {
            topic: Text::copy_from(topic),
            flag: 0,
            properties: Text::default(),
            body: Bytes::new(),
        };
        let req = self.request(
            &route,
            queue,
            &header_msg,
            &header_msg.properties,
            body,
            true,
        );
        let result = self
            .client
            .send_request(&route.queues[queue].broker_addr, req, false)
            .await;
        if result.is_err() {
            self.mark_stale(topic);
        }
        Sent {
            msg_id: None,
            result,
            route,
            queue,
        }
    }

    /// Waits until oneway sends are on the wire: one answered request on the connection of
    /// each broker in `sent` (frames leave a connection in order).
    pub async fn flush(&self, sent: &[Sent]) {
        let mut seen: Vec<&str> = Vec::new();
        for s in sent {
            let q = s.queue();
            if q.queue_id < 0 {
                continue;
            }
            if !seen.contains(&q.broker_addr.as_str()) {
                seen.push(&q.broker_addr);
                let _ = self
                    .client
                    .max_offset(&q.broker_addr, &s.route.topic, q.queue_id)
                    .await;
            }
        }
    }
}

/// What one request carries.
struct Outgoing<'a> {
    /// The message (the first of a batch): topic and flag.
    msg: &'a Message,
    /// The header's properties.
    properties: &'a Text,
    /// One message's body, or a batch body.
    body: &'a Bytes,
    batch: bool,
    msg_id: Option<String>,
}

/// A send that failed before a queue was chosen.
fn unsent(e: ClientError) -> Sent {
    Sent {
        msg_id: None,
        result: Err(e),
        route: Arc::new(PublishRoute {
            topic: String::new(),
            queues: vec![QueueAddr {
                broker_name: String::new(),
                broker_addr: String::new(),
                queue_id: -1,
            }],
            auto_create: false,
            broker_names: Vec::new(),
            fetched: Instant::now(),
        }),
        queue: 0,
    }
}

/// Whether a failed send may go to another broker (Java retries network failures and these
/// broker answers).
fn retryable(e: &ClientError) -> bool {
    match e {
        ClientError::Net(_) => true,
        ClientError::Refused { code, .. } => matches!(
            *code,
            ResponseCode::TOPIC_NOT_EXIST
                | ResponseCode::SERVICE_NOT_AVAILABLE
                | ResponseCode::SYSTEM_ERROR
                | ResponseCode::NO_PERMISSION
                | ResponseCode::NO_BUYER_ID
                | ResponseCode::NOT_IN_CURRENT_UNIT
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::{CommandHeader, SendMessageRequestHeaderV2};
    use crate::protocol::SerializeType;

    fn producer(options: ProducerOptions) -> Producer {
        let client = MqClient::new(&[], Duration::from_secs(1), SerializeType::Json);
        Producer::new(Arc::new(client), options)
    }

    fn route(brokers: &[&str], queues: i32) -> PublishRoute {
        let queues: Vec<QueueAddr> = brokers
            .iter()
            .flat_map(|b| {
                (0..queues).map(move |queue_id| QueueAddr {
                    broker_name: b.to_string(),
                    broker_addr: format!("{b}:10911"),
                    queue_id,
                })
            })
            .collect();
        PublishRoute {
            topic: "T".into(),
            broker_names: queues
                .iter()
                .map(|q| Text::copy_from(&q.broker_name))
                .collect(),
            queues,
            auto_create: false,
            fetched: Instant::now(),
        }
    }

    #[test]
    fn the_request_is_a_send_message_v2_header() {
        let p = producer(ProducerOptions {
            group: "G".into(),
            ..ProducerOptions::default()
        });
        let r = route(&["broker-a"], 4);
        let msg = Message::new("T", "body")
            .with_tags("TagA")
            .with_wait_store();
        for batch in [false, true] {
            let req = p.request(&r, 2, &msg, &msg.properties, msg.body.clone(), batch);
            let h = SendMessageRequestHeaderV2::from_command(&req).unwrap();
            let expected = SendMessageRequestHeaderV2 {
                producer_group: "G".into(),
                topic: "T".into(),
                default_topic: AUTO_CREATE_TOPIC_KEY_TOPIC.into(),
                default_topic_queue_nums: DEFAULT_TOPIC_QUEUE_NUMS,
                queue_id: 2,
                sys_flag: 0,
                born_timestamp: h.born_timestamp,
                flag: 0,
                properties: Some("TAGS\u{1}TagA\u{2}WAIT\u{1}true".into()),
                reconsume_times: Some(0),
                unit_mode: Some(false),
                max_reconsume_times: None,
                batch: Some(batch),
                broker_name: Some("broker-a".into()),
            };
            assert_eq!(h, expected);
            // The same fields in the same order as the header type writes them.
            assert_eq!(req.ext_fields, Some(expected.to_ext_fields()));
            let code = if batch {
                RequestCode::SEND_BATCH_MESSAGE
            } else {
                RequestCode::SEND_MESSAGE_V2
            };
            assert_eq!(req.request_code(), code);
        }
    }

    #[test]
    fn queue_selection() {
        let p = producer(ProducerOptions::default());
        let r = route(&["a", "b"], 4);
        // Round robin visits every queue.
        let mut seen: Vec<usize> = (0..8)
            .filter_map(|_| p.select(&r, QueueSelect::RoundRobin, None))
            .collect();
        seen.sort();
        assert_eq!(seen, (0..8).collect::<Vec<_>>());
        // A retry avoids the broker that failed.
        for _ in 0..8 {
            let i = p.select(&r, QueueSelect::RoundRobin, Some("a")).unwrap();
            assert_eq!(r.queues[i].broker_name, "b");
        }
        // Java's SelectMessageQueueByHash: |hash % n|.
        let key = "order-7";
        let expected = (message::java_string_hash(key) % 8).unsigned_abs() as usize;
        assert_eq!(p.select(&r, QueueSelect::by_key(key), None), Some(expected));
        assert_eq!(p.select(&r, QueueSelect::Queue(3), None), Some(3));
        assert_eq!(p.select(&r, QueueSelect::Queue(9), None), None);

        // Only broker b.
        let p = producer(ProducerOptions {
            broker: Some("b".into()),
            ..ProducerOptions::default()
        });
        for _ in 0..8 {
            let i = p.select(&r, QueueSelect::RoundRobin, None).unwrap();
            assert_eq!(r.queues[i].broker_name, "b");
        }
        assert_eq!(p.select(&r, QueueSelect::Queue(1), None), Some(5));
        let expected = 4 + (message::java_string_hash(key) % 4).unsigned_abs() as usize;
        assert_eq!(p.select(&r, QueueSelect::by_key(key), None), Some(expected));
    }

    #[test]
    fn retries_only_where_java_retries() {
        let refused = |code| ClientError::Refused {
            addr: "x".into(),
            code,
            remark: String::new(),
        };
        assert!(retryable(&refused(ResponseCode::SYSTEM_ERROR)));
        assert!(retryable(&refused(ResponseCode::TOPIC_NOT_EXIST)));
        assert!(!retryable(&refused(ResponseCode::MESSAGE_ILLEGAL)));
        assert!(!retryable(&ClientError::Other("x".into())));
    }

    /// A broker that stores every send (or refuses each with SYSTEM_ERROR).
    struct FakeBroker {
        refuse: bool,
        sends: std::sync::atomic::AtomicUsize,
    }

    impl crate::net::RequestHandler for FakeBroker {
        async fn handle(
            &self,
            _conn: &crate::net::Connection,
            request: RemotingCommand,
        ) -> Option<RemotingCommand> {
            self.sends.fetch_add(1, Ordering::Relaxed);
            if self.refuse {
                return Some(RemotingCommand::response_to(
                    &request,
                    ResponseCode::SYSTEM_ERROR,
                ));
            }
            let queue_id = request.ext("e").unwrap_or("0").to_string();
            let ext: ExtFields = [
                ("msgId", "0A0000010000000000000001".to_string()),
                ("queueId", queue_id),
                ("queueOffset", "7".to_string()),
            ]
            .into_iter()
            .collect();
            Some(RemotingCommand::response_to(&request, ResponseCode::SUCCESS).with_ext_fields(ext))
        }
    }

    async fn fake_broker(refuse: bool) -> (String, Arc<FakeBroker>) {
        let server = crate::net::Server::bind("127.0.0.1:0", Default::default())
            .await
            .unwrap();
        let addr = server.local_addr().unwrap().to_string();
        let handler = Arc::new(FakeBroker {
            refuse,
            sends: Default::default(),
        });
        let h = handler.clone();
        tokio::spawn(async move { server.serve(h, Default::default()).await });
        (addr, handler)
    }

    #[tokio::test]
    async fn a_refused_send_is_retried_on_another_broker() {
        let (addr_a, a) = fake_broker(true).await;
        let (addr_b, b) = fake_broker(false).await;
        let p = producer(ProducerOptions {
            unique_ids: false,
            ..ProducerOptions::default()
        });
        let mut r = route(&["a", "b"], 2);
        for q in &mut r.queues {
            q.broker_addr = if q.broker_name == "a" {
                addr_a.clone()
            } else {
                addr_b.clone()
            };
        }
        p.routes.lock().unwrap().insert(
            "T".into(),
            CachedRoute {
                route: Arc::new(r),
                stale: false,
            },
        );
        let msg = Message::new("T", "x").with_wait_store();
        for _ in 0..4 {
            let sent = p.send(&msg, QueueSelect::RoundRobin).await;
            let outcome = sent.result.as_ref().unwrap().clone().unwrap();
            assert_eq!(sent.queue().broker_name, "b");
            assert_eq!(outcome.queue_id, sent.queue().queue_id);
            assert_eq!(outcome.queue_offset, 7);
        }
        assert_eq!(b.sends.load(Ordering::Relaxed), 4);
        // Round robin from a random start passes broker a once or twice in four sends.
        assert!((1..=2).contains(&a.sends.load(Ordering::Relaxed)));
        assert!(
            p.routes.lock().unwrap()["T"].stale,
            "a failure marks the route"
        );

        // An ordered send stays on its queue: no retry elsewhere.
        let on_a = (0..)
            .map(|i| format!("key-{i}"))
            .find(|k| (message::java_string_hash(k) % 4).unsigned_abs() < 2)
            .unwrap();
        let sent = p.send(&msg, QueueSelect::by_key(&on_a)).await;
        assert_eq!(
            sent.result.as_ref().unwrap_err().code(),
            Some(ResponseCode::SYSTEM_ERROR)
        );
        assert_eq!(sent.queue().broker_name, "a");
        assert_eq!(b.sends.load(Ordering::Relaxed), 4);
        p.client().shutdown().await;
    }

    #[test]
    fn a_batch_header_carries_only_wait() {
        let first = Message::new("T", "b")
            .with_tags("TagA")
            .with_keys(["k1"])
            .with_property("color", "red");
        assert_eq!(batch_header_properties(&first).as_str(), "WAIT\u{1}true");
        let no_wait = first.with_property(property::WAIT, "false");
        assert_eq!(batch_header_properties(&no_wait).as_str(), "WAIT\u{1}false");
    }
}
