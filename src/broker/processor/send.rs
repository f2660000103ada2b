//! SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320) and
//! CONSUMER_SEND_MSG_BACK (36): checks, topic auto-creation, retry/DLQ routing, delay-level
//! rewrite, the put, and the SYNC_FLUSH wait. Replies (324, 325) are `reply.rs`'s, with the
//! same checks.

pub(super) use rand_like::random_index;

use crate::broker::controller::{Broker, ReplicaWait};
use crate::broker::metadata::perm;
use crate::common::message::{self, property, sys_flag, MessageToStore};
use crate::common::names::RMQ_SYS_SCHEDULE_TOPIC as SCHEDULE_TOPIC;
use crate::common::names::{
    dlq_topic, retry_topic, AUTO_CREATE_TOPIC_KEY_TOPIC as DEFAULT_TOPIC, RETRY_GROUP_TOPIC_PREFIX,
    RMQ_SYS_TRANS_HALF_TOPIC as TRANS_HALF_TOPIC,
};
use crate::net::{success, Connection, Failure, Outcome};
use crate::protocol::body::{TopicConfig, TopicFilterType};
use crate::protocol::header::{
    ConsumerSendMsgBackRequestHeader, SendMessageRequestHeader, SendMessageRequestHeaderV2,
    SendMessageResponseHeader,
};
use crate::protocol::{CommandHeader, RemotingCommand, RequestCode, ResponseCode};
use crate::store::{PutError, PutOk};

/// What a send needs to know of its topic (read without cloning the topic config).
#[derive(Clone, Copy, Debug)]
pub(super) struct TopicFacts {
    pub(super) write_queue_nums: i32,
    read_queue_nums: i32,
    multi_tag: bool,
}

impl From<&TopicConfig> for TopicFacts {
    fn from(tc: &TopicConfig) -> Self {
        TopicFacts {
            write_queue_nums: tc.write_queue_nums,
            read_queue_nums: tc.read_queue_nums,
            multi_tag: tc.topic_filter_type == TopicFilterType::MultiTag,
        }
    }
}

/// A message about to be stored, owning what the request did not already hold.
struct Outgoing {
    topic: String,
    queue_id: i32,
    sys_flag: i32,
    properties: String,
}

mod rand_like {
    use std::cell::Cell;

    thread_local! {
        static STATE: Cell<u64> = Cell::new(seed());
    }

    fn seed() -> u64 {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        t ^ (std::process::id() as u64) << 32 | 1
    }

    /// A cheap uniform-enough index in `0..n` (xorshift), for picking a queue when the
    /// producer leaves it to the broker.
    pub fn random_index(n: i32) -> i32 {
        if n <= 1 {
            return 0;
        }
        STATE.with(|s| {
            let mut x = s.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.set(x);
            (x % n as u64) as i32
        })
    }
}

/// A send's header: the full names of SEND_MESSAGE (10) and SEND_REPLY_MESSAGE (324), or the
/// one-letter names of the V2 codes (310, 320, 325).
pub(super) fn send_header(
    req: &RemotingCommand,
) -> Result<SendMessageRequestHeader, crate::protocol::ProtocolError> {
    match req.request_code() {
        RequestCode::SEND_MESSAGE | RequestCode::SEND_REPLY_MESSAGE => {
            SendMessageRequestHeader::from_command(req)
        }
        _ => SendMessageRequestHeaderV2::from_command(req).map(SendMessageRequestHeader::from),
    }
}

/// The SEND_MESSAGE family: one message, or a batch (SEND_BATCH_MESSAGE or `batch=true`).
pub(super) async fn send_message(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    let header = send_header(req)?;
    let topic_config = check_send(broker, conn, &header)?;
    let mut queue_id = header.queue_id;
    if queue_id < 0 {
        queue_id = random_index(topic_config.write_queue_nums);
    }
    if req.request_code() == RequestCode::SEND_BATCH_MESSAGE || header.batch == Some(true) {
        return send_batch(broker, conn, req, &header, &topic_config, queue_id).await;
    }

    let props_in = header.properties.as_deref().unwrap_or("");
    let [wait, tran_msg] = message::get_properties(props_in, [property::WAIT, property::TRAN_MSG]);
    let wait_store = wait != Some("false");
    let mut sys_flag = header.sys_flag;
    if topic_config.multi_tag {
        sys_flag |= sys_flag::MULTI_TAGS;
    }
    let reconsume_times = header.reconsume_times.unwrap_or(0);
    let mut out = Outgoing {
        topic: header.topic.to_string(),
        queue_id,
        sys_flag,
        properties: stored_properties(broker, props_in),
    };
    route_retry_and_dlq(broker, &header, &mut out, reconsume_times)?;
    if tran_msg == Some("true") {
        if broker.with_cfg(|c| c.reject_transaction_message) {
            return Err(Failure::new(
                ResponseCode::NO_PERMISSION,
                format!(
                    "the broker[{}] sending transaction message is forbidden",
                    broker.broker_addr()
                ),
            ));
        }
        to_half_message(&mut out, wait);
    } else {
        apply_delay_level(broker, &mut out, wait);
    }
    let msg = MessageToStore {
        topic: &out.topic,
        queue_id: out.queue_id,
        flag: header.flag,
        body: &req.body,
        body_crc: message::crc32(&req.body),
        sys_flag: out.sys_flag,
        born_timestamp: header.born_timestamp,
        born_host: conn.peer_addr(),
        store_host: broker.store_host,
        reconsume_times,
        prepared_transaction_offset: 0,
        properties: &out.properties,
    };
    let ok = broker.store.put(&msg).map_err(put_failure)?;
    broker.stats.record_put(1, req.body.len() as u64);
    broker.with_cfg(|c| {
        broker
            .stats
            .keyed
            .topic_put(&c.broker_cluster_name, &out.topic, 1, ok.size as i64)
    });
    let code = stored_status(broker, wait_store, ok.end_offset()).await;
    Ok(send_response(broker, req, &[ok], out.queue_id, code))
}

async fn send_batch(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
    header: &SendMessageRequestHeader,
    topic_config: &TopicFacts,
    queue_id: i32,
) -> Outcome {
    if header.topic.len() > i8::MAX as usize {
        return Err(Failure::new(
            ResponseCode::MESSAGE_ILLEGAL,
            format!("message topic length too long {}", header.topic.len()),
        ));
    }
    let batch_props = header.properties.as_deref().unwrap_or("");
    let wait_store = message::get_property(batch_props, property::WAIT) != Some("false");
    // 4.x appends the batch-level properties (with the broker's CLUSTER) to every message.
    let mut appended: Vec<(&str, &str)> = message::properties(batch_props).collect();
    let cluster = broker.cfg().broker_cluster_name;
    appended.push((property::CLUSTER, &cluster));
    message::java_hashmap_order(&mut appended);
    let suffix = message::format_properties(appended.iter().copied());
    let mut sys_flag = header.sys_flag;
    if topic_config.multi_tag {
        sys_flag |= sys_flag::MULTI_TAGS;
    }
    let mut items = Vec::new();
    let mut properties = Vec::new();
    for item in message::decode_batch(&req.body) {
        let item = item.map_err(|e| {
            Failure::new(
                ResponseCode::MESSAGE_ILLEGAL,
                format!("bad batch body: {e}"),
            )
        })?;
        let mut p = item.properties.to_string();
        if !p.is_empty() && !p.ends_with(message::PROPERTY_SEPARATOR) {
            p.push(message::PROPERTY_SEPARATOR);
        }
        p.push_str(&suffix);
        properties.push(p);
        items.push(item);
    }
    let msgs: Vec<MessageToStore<'_>> = items
        .iter()
        .zip(&properties)
        .map(|(item, props)| MessageToStore {
            topic: &header.topic,
            queue_id,
            flag: item.flag,
            body: item.body,
            body_crc: message::crc32(item.body),
            sys_flag,
            born_timestamp: header.born_timestamp,
            born_host: conn.peer_addr(),
            store_host: broker.store_host,
            reconsume_times: header.reconsume_times.unwrap_or(0),
            prepared_transaction_offset: 0,
            properties: props,
        })
        .collect();
    let oks = broker.store.put_batch(&msgs).map_err(put_failure)?;
    if oks.is_empty() {
        return Err(Failure::new(
            ResponseCode::MESSAGE_ILLEGAL,
            "the batch holds no message",
        ));
    }
    broker
        .stats
        .record_put(oks.len() as u64, req.body.len() as u64);
    let wrote: usize = oks.iter().map(|ok| ok.size).sum();
    broker.with_cfg(|c| {
        broker.stats.keyed.topic_put(
            &c.broker_cluster_name,
            &header.topic,
            oks.len() as i64,
            wrote as i64,
        )
    });
    let end = oks.last().map_or(0, PutOk::end_offset);
    let code = stored_status(broker, wait_store, end).await;
    Ok(send_response(broker, req, &oks, queue_id, code))
}

/// The status of a stored message once the producer asked to wait (`WAIT=true`): SYNC_FLUSH
/// waits for the disk (FLUSH_DISK_TIMEOUT), SYNC_MASTER for a slave (SLAVE_NOT_AVAILABLE,
/// FLUSH_SLAVE_TIMEOUT); as in Java the replication status wins when both fail.
pub(super) async fn stored_status(broker: &Broker, wait_store: bool, end: i64) -> ResponseCode {
    if !wait_store {
        return ResponseCode::SUCCESS;
    }
    let flushed = !broker.store.is_sync_flush() || broker.wait_flushed(end).await;
    match broker.wait_replicated(end).await {
        Err(ReplicaWait::SlaveNotAvailable) => ResponseCode::SLAVE_NOT_AVAILABLE,
        Err(ReplicaWait::Timeout) => ResponseCode::FLUSH_SLAVE_TIMEOUT,
        Ok(()) if !flushed => ResponseCode::FLUSH_DISK_TIMEOUT,
        Ok(()) => ResponseCode::SUCCESS,
    }
}

fn send_response(
    broker: &Broker,
    req: &RemotingCommand,
    oks: &[PutOk],
    queue_id: i32,
    code: ResponseCode,
) -> RemotingCommand {
    let msg_id = match oks {
        [one] => message::offset_msg_id(broker.store_host, one.phys_offset),
        _ => oks
            .iter()
            .map(|ok| message::offset_msg_id(broker.store_host, ok.phys_offset))
            .collect::<Vec<_>>()
            .join(","),
    };
    let header = SendMessageResponseHeader {
        msg_id,
        queue_id,
        queue_offset: oks.first().map_or(0, |ok| ok.queue_offset),
        transaction_id: None,
    };
    let mut response =
        RemotingCommand::response_to(req, code).with_ext_fields(header.to_ext_fields());
    let ext = response.ext_mut();
    broker.with_cfg(|cfg| {
        ext.insert(property::MSG_REGION, &cfg.region_id);
        ext.insert(
            property::TRACE_ON,
            if cfg.trace_on { "true" } else { "false" },
        );
    });
    response
}

/// The properties as a 4.9.8 broker stores them: the producer's, minus WAIT, plus CLUSTER,
/// in Java HashMap order.
fn stored_properties(broker: &Broker, props: &str) -> String {
    broker.with_cfg(|cfg| {
        let mut pairs: Vec<(&str, &str)> = message::properties(props)
            .filter(|(k, _)| *k != property::WAIT && *k != property::CLUSTER)
            .collect();
        pairs.push((property::CLUSTER, &cfg.broker_cluster_name));
        message::java_hashmap_order(&mut pairs);
        message::format_property_slice(&pairs)
    })
}

/// Common checks of a send (Java `msgCheck`): broker writable, topic exists (created from
/// the default topic when auto-creation allows), queue id in range.
pub(super) fn check_send(
    broker: &Broker,
    conn: &Connection,
    header: &SendMessageRequestHeader,
) -> Result<TopicFacts, Failure> {
    let (broker_permission, auto_create) =
        broker.with_cfg(|c| (c.broker_permission, c.auto_create_topic_enable));
    if !perm::is_writeable(broker_permission)
        && broker.metadata.topics.is_order_topic(&header.topic)
    {
        return Err(Failure::new(
            ResponseCode::NO_PERMISSION,
            format!(
                "the broker[{}] sending message is forbidden",
                broker.broker_addr()
            ),
        ));
    }
    crate::broker::metadata::validate_topic(&header.topic)
        .map_err(|e| Failure::system(e.to_string()))?;
    if header.topic == DEFAULT_TOPIC {
        return Err(Failure::system(format!(
            "the topic[{}] is conflict with system reserved words.",
            header.topic
        )));
    }
    let mut topic_config = broker
        .metadata
        .topics
        .with_topic(&header.topic, |tc| TopicFacts::from(tc));
    if topic_config.is_none() {
        let ensured = broker
            .metadata
            .topics
            .create_topic_in_send_message_method(
                &header.topic,
                &header.default_topic,
                &conn.peer_addr().to_string(),
                header.default_topic_queue_nums,
                topic_sys_flag(header),
            )
            .or_else(|| {
                header.topic.starts_with(RETRY_GROUP_TOPIC_PREFIX).then(|| {
                    broker.metadata.topics.create_topic_in_send_back_method(
                        &header.topic,
                        1,
                        perm::PERM_WRITE | perm::PERM_READ,
                        0,
                    )
                })
            });
        if let Some(ensured) = ensured {
            if ensured.created {
                broker.register_now.notify_one();
            }
            topic_config = Some(TopicFacts::from(&ensured.config));
        }
    }
    let Some(topic_config) = topic_config else {
        return Err(Failure::new(
            ResponseCode::TOPIC_NOT_EXIST,
            format!(
                "topic[{}] not exist, apply first please! (auto-creation is {} on broker {})",
                header.topic,
                if auto_create {
                    "on, but the default topic does not allow it"
                } else {
                    "off"
                },
                broker.with_cfg(|c| c.broker_name.clone())
            ),
        ));
    };
    let queue_nums = topic_config
        .write_queue_nums
        .max(topic_config.read_queue_nums);
    if header.queue_id >= queue_nums {
        return Err(Failure::system(format!(
            "request queueId[{}] is illegal, {:?} Producer: {}",
            header.queue_id,
            topic_config,
            conn.peer_addr()
        )));
    }
    Ok(topic_config)
}

/// Retry-topic messages past their group's max reconsume times go to the group's DLQ.
fn route_retry_and_dlq(
    broker: &Broker,
    header: &SendMessageRequestHeader,
    out: &mut Outgoing,
    reconsume_times: i32,
) -> Result<(), Failure> {
    let Some(group) = out
        .topic
        .strip_prefix(RETRY_GROUP_TOPIC_PREFIX)
        .map(str::to_string)
    else {
        return Ok(());
    };
    let Some(group_config) = broker.metadata.groups.find_or_create(&group) else {
        return Err(Failure::new(
            ResponseCode::SUBSCRIPTION_GROUP_NOT_EXIST,
            format!("subscription group not exist, {group}"),
        ));
    };
    let max = header
        .max_reconsume_times
        .unwrap_or(group_config.retry_max_times);
    if reconsume_times > max {
        let dlq = dlq_topic(&group);
        let dlq_config = broker.ensure_send_back_topic(&dlq, 1);
        out.topic = dlq;
        out.queue_id = random_index(dlq_config.write_queue_nums.max(1));
    }
    Ok(())
}

/// A message with a delay level is stored in `SCHEDULE_TOPIC_XXXX` (queue = level - 1) and
/// delivered to its real topic when due.
///
/// `wait` is the producer's WAIT property: Java leaves it out of a plain message's stored
/// properties but still holds it in the property map, and the delay redirect rewrites the
/// properties from that map, so a delayed message is stored (and delivered) with it.
fn apply_delay_level(broker: &Broker, out: &mut Outgoing, wait: Option<&str>) {
    let tx = sys_flag::transaction_value(out.sys_flag);
    if tx != sys_flag::TRANSACTION_NOT_TYPE && tx != sys_flag::TRANSACTION_COMMIT {
        return;
    }
    let Some(level) =
        message::get_property(&out.properties, property::DELAY).and_then(|d| d.parse::<i32>().ok())
    else {
        return;
    };
    if level <= 0 {
        return;
    }
    let level = level.min(broker.store_config.max_delay_level() as i32);
    let real_topic = std::mem::replace(&mut out.topic, SCHEDULE_TOPIC.to_string());
    let real_qid = out.queue_id.to_string();
    out.queue_id = level - 1;
    let delay = level.to_string();
    let mut pairs: Vec<(&str, &str)> = message::properties(&out.properties)
        .filter(|(k, _)| {
            *k != property::REAL_TOPIC && *k != property::REAL_QID && *k != property::DELAY
        })
        .collect();
    pairs.push((property::DELAY, &delay));
    pairs.push((property::REAL_TOPIC, &real_topic));
    pairs.push((property::REAL_QID, &real_qid));
    if let Some(wait) = wait {
        if !pairs.iter().any(|(k, _)| *k == property::WAIT) {
            pairs.push((property::WAIT, wait));
        }
    }
    message::java_hashmap_order(&mut pairs);
    out.properties = message::format_property_slice(&pairs);
}

/// A transactional half message waits in `RMQ_SYS_TRANS_HALF_TOPIC` for its commit. Unlike a
/// plain message it keeps the producer's `WAIT` (4.9.8 drops WAIT from the properties string,
/// but the half is re-serialised from the property map, where WAIT is back by then).
fn to_half_message(out: &mut Outgoing, wait: Option<&str>) {
    let real_topic = std::mem::replace(&mut out.topic, TRANS_HALF_TOPIC.to_string());
    let real_qid = out.queue_id.to_string();
    out.queue_id = 0;
    out.sys_flag &= !sys_flag::TRANSACTION_ROLLBACK;
    let mut pairs: Vec<(&str, &str)> = message::properties(&out.properties)
        .filter(|(k, _)| {
            *k != property::REAL_TOPIC && *k != property::REAL_QID && *k != property::WAIT
        })
        .collect();
    pairs.push((property::REAL_TOPIC, &real_topic));
    pairs.push((property::REAL_QID, &real_qid));
    if let Some(wait) = wait {
        pairs.push((property::WAIT, wait));
    }
    message::java_hashmap_order(&mut pairs);
    out.properties = message::format_property_slice(&pairs);
}

/// CONSUMER_SEND_MSG_BACK: a consumer could not process a message; it goes to the group's
/// retry topic with a delay level (or to the DLQ past the max reconsume times). The
/// original is never lost: it stays in its queue and the copy is stored before we answer.
pub(super) async fn consumer_send_back(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let header = ConsumerSendMsgBackRequestHeader::from_command(req)?;
    let Some(group_config) = broker.metadata.groups.find_or_create(&header.group) else {
        return Err(Failure::new(
            ResponseCode::SUBSCRIPTION_GROUP_NOT_EXIST,
            format!("subscription group not exist, {}", header.group),
        ));
    };
    if !perm::is_writeable(broker.cfg().broker_permission) {
        return Err(Failure::new(
            ResponseCode::NO_PERMISSION,
            format!(
                "the broker[{}] sending message is forbidden",
                broker.cfg().broker_ip1
            ),
        ));
    }
    if group_config.retry_queue_nums <= 0 {
        return Ok(success(req));
    }
    let retry = retry_topic(&header.group);
    let retry_config = broker.ensure_send_back_topic(&retry, group_config.retry_queue_nums);
    // Copy what we need out of the original record.
    let original = broker.store.commitlog().with_record(header.offset, |r| {
        (
            r.topic().into_owned(),
            r.body.to_vec(),
            r.flag,
            r.sys_flag,
            r.born_timestamp,
            r.born_host,
            r.reconsume_times,
            r.properties().into_owned(),
            r.offset_msg_id(),
        )
    });
    let Some((
        orig_topic,
        body,
        flag,
        orig_sys_flag,
        born_ts,
        born_host,
        reconsume,
        props,
        offset_id,
    )) = original
    else {
        return Err(Failure::system(format!(
            "look message by offset failed, {}",
            header.offset
        )));
    };
    let retry_of = message::get_property(&props, property::RETRY_TOPIC).map(str::to_string);
    let max = header
        .max_reconsume_times
        .unwrap_or(group_config.retry_max_times);
    let mut topic = retry.clone();
    let mut queue_id = random_index(retry_config.write_queue_nums.max(1));
    let mut delay_level = header.delay_level;
    if reconsume >= max || delay_level < 0 {
        topic = dlq_topic(&header.group);
        let dlq = broker.ensure_send_back_topic(&topic, 1);
        queue_id = random_index(dlq.write_queue_nums.max(1));
        delay_level = 0;
    } else if delay_level == 0 {
        delay_level = 3 + reconsume;
    }
    // As 4.9.8: the origin is the stored message's ORIGIN_MESSAGE_ID, else its offset message
    // id (what Java's decoded MessageExt calls its msgId). The originMsgId header the client
    // sends (its unique key) is not used.
    let origin_msg_id = message::get_property(&props, property::ORIGIN_MESSAGE_ID)
        .filter(|id| !id.trim().is_empty())
        .map_or(offset_id, str::to_string);
    let real_topic = retry_of.unwrap_or(orig_topic);
    let mut pairs: Vec<(String, String)> = message::properties(&props)
        .filter(|(k, _)| {
            ![
                property::RETRY_TOPIC,
                property::ORIGIN_MESSAGE_ID,
                property::DELAY,
                property::WAIT,
            ]
            .contains(k)
        })
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    // Java's copy carries RETRY_TOPIC, WAIT=false (`setWaitStoreMsgOK(false)`), the delay
    // level (0 for the DLQ: `setDelayTimeLevel(0)` still writes the property) and the origin.
    pairs.push((property::RETRY_TOPIC.to_string(), real_topic));
    pairs.push((property::WAIT.to_string(), "false".to_string()));
    pairs.push((property::DELAY.to_string(), delay_level.to_string()));
    pairs.push((property::ORIGIN_MESSAGE_ID.to_string(), origin_msg_id));
    let mut borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    message::java_hashmap_order(&mut borrowed);
    let mut out = Outgoing {
        topic,
        queue_id,
        sys_flag: orig_sys_flag,
        properties: message::format_properties(borrowed.iter().copied()),
    };
    apply_delay_level(broker, &mut out, None);
    let msg = MessageToStore {
        topic: &out.topic,
        queue_id: out.queue_id,
        flag,
        body: &body,
        body_crc: message::crc32(&body),
        sys_flag: out.sys_flag,
        born_timestamp: born_ts,
        born_host,
        store_host: broker.store_host,
        reconsume_times: reconsume + 1,
        prepared_transaction_offset: 0,
        properties: &out.properties,
    };
    let ok = broker.store.put(&msg).map_err(put_failure)?;
    if broker.store.is_sync_flush() {
        broker.wait_flushed(ok.end_offset()).await;
    }
    Ok(success(req))
}

/// The Java answer to a refused put.
pub(super) fn put_failure(e: PutError) -> Failure {
    match e {
        PutError::MessageIllegal(reason) => Failure::new(
            ResponseCode::MESSAGE_ILLEGAL,
            format!("the message is illegal, maybe msg body or properties length not matched: {reason}"),
        ),
        PutError::PropertiesSizeExceeded(n) => Failure::new(
            ResponseCode::MESSAGE_ILLEGAL,
            format!("the message is illegal, maybe msg properties length limit 32k: properties are {n} bytes"),
        ),
        // Java gives every cause this one remark; the cause rmq knows follows it.
        PutError::ServiceNotAvailable(why, disk) => Failure::new(
            ResponseCode::SERVICE_NOT_AVAILABLE,
            format!(
                "service not available now. It may be caused by one of the following reasons: \
                 the broker's disk is full [CL: {:5.2} CQ: {:5.2} INDEX: {:5.2}], messages are \
                 put to the slave, message store has been shut down, etc. ({why})",
                disk.commitlog, disk.consume_queue, disk.index
            ),
        ),
        PutError::CreateMappedFileFailed(e) => Failure::system(format!(
            "create mapped file failed, server is busy or broken. ({e})"
        )),
        PutError::Store(e) => Failure::system(format!("storing the message failed: {e}")),
    }
}

/// `TopicSysFlag` of a topic auto-created by a send: unit flags only for unit-mode producers.
fn topic_sys_flag(header: &SendMessageRequestHeader) -> i32 {
    const FLAG_UNIT: i32 = 0x1;
    const FLAG_UNIT_SUB: i32 = 0x2;
    match header.unit_mode {
        Some(true) if header.topic.starts_with(RETRY_GROUP_TOPIC_PREFIX) => FLAG_UNIT_SUB,
        Some(true) => FLAG_UNIT,
        _ => 0,
    }
}
