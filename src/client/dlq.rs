//! Dead-letter queues: what a group's `%DLQ%G` holds ([`MqClient::dead_letters`], a read of
//! every queue on every broker through [`Reader`]) and the message that sends a dead letter back
//! ([`DeadLetter::resend_message`]), to its origin topic or to another one such as the group's
//! `%RETRY%G`.
//!
//! A resend is an ordinary producer send. (rocketmq-dashboard's "resend" instead asks one live
//! consumer of the group to consume the DLQ message directly, CONSUME_MESSAGE_DIRECTLY: nothing
//! is stored again, it needs a consumer online and leaves no record. A stored message works with
//! no consumer online, reaches every consumer of the topic as any message does, and can be
//! recorded, so it is sent once.) Body, flag, tags, keys and user properties are kept; the
//! properties the retry and DLQ hops added (`RETRY_TOPIC`, `ORIGIN_MESSAGE_ID`, `REAL_TOPIC`, `DELAY`, ...) and those
//! that would change how the broker treats the send (transaction flags) are dropped, and the
//! producer gives it a new client id (UNIQ_KEY). A compressed stored body is inflated: the
//! producer's sends carry no compression flag.

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use super::consumer::{PullConsumer, ReadEvent, Reader, Start, TOOLS_GROUP};
use super::messaging::subscribe_queues;
use super::producer::Message;
use super::{ClientError, MqClient, Result};
use crate::common::message::{self, decode_records, property, sys_flag, RecordView};
use crate::common::names::{dlq_topic, RETRY_GROUP_TOPIC_PREFIX};

/// Properties a message picks up on its way to the DLQ (retry copies, the schedule topic) or
/// that only the broker or the consuming client set: a resend leaves them out.
const HOP_PROPERTIES: &[&str] = &[
    property::RETRY_TOPIC,
    property::ORIGIN_MESSAGE_ID,
    property::REAL_TOPIC,
    property::REAL_QID,
    property::DELAY,
    property::WAIT,
    property::UNIQ_KEY,
    property::RECONSUME_TIME,
    property::MAX_RECONSUME_TIMES,
    // A committed transaction message keeps these; sent again they would make a half message.
    property::TRAN_MSG,
    property::PGROUP,
    property::TRANSACTION_ID,
    property::CHECK_IMMUNITY_TIME_IN_SECONDS,
    property::TRANSACTION_CHECK_TIMES,
    // Set by the consuming client on what it hands the listener.
    "MIN_OFFSET",
    "MAX_OFFSET",
    "CONSUME_START_TIME",
];

/// One message of a DLQ topic: the stored record and what operators look at.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// Offset message id of the DLQ record (store host + CommitLog offset): what `--id` and
    /// the resend record name.
    pub msg_id: String,
    /// The client id (UNIQ_KEY) the producer gave the original.
    pub uniq_key: Option<String>,
    /// The topic the message was consumed from (RETRY_TOPIC of the DLQ copy).
    pub origin_topic: Option<String>,
    /// Offset message id of the original message (ORIGIN_MESSAGE_ID).
    pub origin_message_id: Option<String>,
    pub reconsume_times: i32,
    pub store_timestamp: i64,
    pub born_timestamp: i64,
    pub broker_name: String,
    pub queue_id: i32,
    pub queue_offset: i64,
    pub keys: Option<String>,
    pub tags: Option<String>,
    /// Stored body bytes (compressed size when the body is compressed).
    pub body_size: usize,
    pub compressed: bool,
    /// Every property of the DLQ record.
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// The whole stored record.
    #[serde(skip)]
    pub record: Bytes,
}

impl DeadLetter {
    fn from_record(r: &RecordView<'_>, broker_name: &str, record: Bytes) -> DeadLetter {
        let props = r.properties();
        let get = |name| message::get_property(&props, name).map(str::to_string);
        DeadLetter {
            msg_id: r.offset_msg_id(),
            uniq_key: get(property::UNIQ_KEY),
            origin_topic: get(property::RETRY_TOPIC),
            origin_message_id: get(property::ORIGIN_MESSAGE_ID),
            reconsume_times: r.reconsume_times,
            store_timestamp: r.store_timestamp,
            born_timestamp: r.born_timestamp,
            broker_name: broker_name.to_string(),
            queue_id: r.queue_id,
            queue_offset: r.queue_offset,
            keys: get(property::KEYS),
            tags: get(property::TAGS),
            body_size: r.body.len(),
            compressed: r.sys_flag & sys_flag::COMPRESSED != 0,
            properties: message::properties(&props)
                .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
                .collect(),
            record,
        }
    }

    /// Whether `id` names this message: its offset id or its client id (any case).
    pub fn is_named(&self, id: &str) -> bool {
        let id = id.trim();
        self.msg_id.eq_ignore_ascii_case(id)
            || self
                .uniq_key
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case(id))
    }

    /// Where a resend goes: `to_topic`, else the origin topic.
    pub fn target_topic<'a>(&'a self, to_topic: Option<&'a str>) -> Result<&'a str> {
        to_topic.or(self.origin_topic.as_deref()).ok_or_else(|| {
            ClientError::Other(format!(
                "DLQ message {} has no RETRY_TOPIC property naming its origin; pass --to-topic",
                self.msg_id
            ))
        })
    }

    /// The message a resend sends to `topic`: body (inflated), flag, tags, keys and user
    /// properties of the dead letter, without the properties of the retry and DLQ hops. To a
    /// retry topic (`%RETRY%G`) it carries RETRY_TOPIC = the origin topic, so Java consumers
    /// see the message under its origin topic as they do any retried message.
    pub fn resend_message(&self, topic: &str) -> Result<Message> {
        let r = decode_records(&self.record)
            .next()
            .and_then(std::result::Result::ok)
            .ok_or_else(|| {
                ClientError::Other(format!("DLQ message {} cannot be decoded", self.msg_id))
            })?;
        let body = inflate(&r)
            .map_err(|e| ClientError::Other(format!("DLQ message {}: body {e}", self.msg_id)))?;
        let props = r.properties();
        let mut kept: Vec<(&str, &str)> = message::properties(&props)
            .filter(|(k, _)| !HOP_PROPERTIES.contains(k))
            .collect();
        let origin = self.origin_topic.as_deref().filter(|o| *o != topic);
        if let (true, Some(origin)) = (topic.starts_with(RETRY_GROUP_TOPIC_PREFIX), origin) {
            kept.push((property::RETRY_TOPIC, origin));
        }
        kept.push((property::WAIT, "true"));
        let mut msg = Message::new(topic, body);
        msg.flag = r.flag;
        msg.properties = message::format_properties(kept).into();
        Ok(msg)
    }
}

/// The stored body, inflated when it is zlib-compressed.
pub fn inflate(r: &RecordView<'_>) -> std::result::Result<Bytes, String> {
    let mut scratch = Vec::new();
    message::plain_body(r.body, r.sys_flag, &mut scratch)
        .map(Bytes::copy_from_slice)
        .map_err(|e| e.to_string())
}

/// What a DLQ topic holds.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetters {
    pub group: String,
    pub topic: String,
    /// Whether the name server knows the topic (no group message died yet when not).
    pub exists: bool,
    pub messages: Vec<DeadLetter>,
    /// Troubles the read survived (undecodable records, moved offsets).
    pub warnings: Vec<String>,
}

impl MqClient {
    /// Every message in `%DLQ%group` (its queues on every broker), oldest first per queue, up
    /// to `limit`.
    pub async fn dead_letters(
        self: &Arc<Self>,
        group: &str,
        limit: Option<u64>,
    ) -> Result<DeadLetters> {
        let topic = dlq_topic(group);
        let mut out = DeadLetters {
            group: group.to_string(),
            topic: topic.clone(),
            exists: false,
            messages: Vec::new(),
            warnings: Vec::new(),
        };
        let route = match self.route(&topic).await {
            Ok(r) => r,
            Err(ClientError::NoRoute(_)) => return Ok(out),
            Err(e) => return Err(e.context(format!("cannot read the route of {topic}"))),
        };
        out.exists = true;
        let queues = subscribe_queues(&route);
        if queues.is_empty() && !route.queue_datas.is_empty() {
            return Err(ClientError::Other(format!(
                "topic {topic} has no readable queue on a master broker (brokers before 4.9.2 \
                 create DLQ topics write-only): make it readable with \
                 'rmq topic create -t {topic} -c CLUSTER --perm 6' (it updates the topic)"
            )));
        }
        let consumer = PullConsumer::new(self.clone(), &topic, TOOLS_GROUP);
        let mut reader = Reader::open(consumer, queues, Some(Start::Earliest), false)
            .await?
            .limit(limit);
        let (messages, warnings) = (&mut out.messages, &mut out.warnings);
        reader
            .read(&mut |event: ReadEvent<'_>| -> Result<()> {
                match event {
                    ReadEvent::Message { record, queue } => {
                        let raw = Bytes::copy_from_slice(record.raw);
                        messages.push(DeadLetter::from_record(record, &queue.broker_name, raw));
                    }
                    ReadEvent::Warning(w) => warnings.push(w.to_string()),
                }
                Ok(())
            })
            .await?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::message::{push_property, MessageToStore};
    use std::io::Write as _;

    /// A stored DLQ record as a 4.9 broker writes it after two failed deliveries.
    fn dead_letter(body: &[u8], sys_flag: i32) -> DeadLetter {
        let mut props = String::new();
        for (k, v) in [
            (property::KEYS, "k1 k2"),
            (property::TAGS, "TagA"),
            ("color", "blue"),
            (property::UNIQ_KEY, "7F00000100002A9F0000000000000001"),
            (property::RETRY_TOPIC, "Orders"),
            (property::REAL_TOPIC, "%RETRY%G"),
            (property::REAL_QID, "0"),
            (property::DELAY, "0"),
            (property::WAIT, "false"),
            (
                property::ORIGIN_MESSAGE_ID,
                "7F00000100002A9F00000000000000AA",
            ),
            (property::TRAN_MSG, "true"),
            (property::PGROUP, "P"),
        ] {
            push_property(&mut props, k, v);
        }
        let host = "127.0.0.1:10911".parse().unwrap();
        let m = MessageToStore {
            topic: "%DLQ%G",
            queue_id: 0,
            flag: 7,
            body,
            body_crc: message::crc32(body),
            sys_flag,
            born_timestamp: 1,
            born_host: host,
            store_host: host,
            reconsume_times: 3,
            prepared_transaction_offset: 0,
            properties: &props,
        };
        let mut buf = vec![0; m.encoded_len()];
        m.encode(&mut buf, 5, 4096, 2);
        let record = Bytes::from(buf);
        let r = decode_records(&record).next().unwrap().unwrap();
        DeadLetter::from_record(&r, "broker-a", record.clone())
    }

    fn props_of(m: &Message) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = message::properties(m.properties.as_str())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_dead_letter_names_its_origin_and_ids() {
        let d = dead_letter(b"hello", 0);
        assert_eq!(d.origin_topic.as_deref(), Some("Orders"));
        assert_eq!(
            d.origin_message_id.as_deref(),
            Some("7F00000100002A9F00000000000000AA")
        );
        assert_eq!((d.reconsume_times, d.queue_offset, d.body_size), (3, 5, 5));
        assert!(d.is_named(&d.msg_id.to_lowercase()));
        assert!(d.is_named("7f00000100002a9f0000000000000001"));
        assert!(!d.is_named("7F00000100002A9F00000000000000AA"));
        assert_eq!(d.target_topic(None).unwrap(), "Orders");
        assert_eq!(d.target_topic(Some("X")).unwrap(), "X");
    }

    #[test]
    fn a_resend_keeps_what_the_producer_set_and_drops_the_hops() {
        let d = dead_letter(b"hello", 0);
        let m = d.resend_message("Orders").unwrap();
        assert_eq!(
            (m.topic.as_str(), &m.body[..], m.flag),
            ("Orders", &b"hello"[..], 7)
        );
        let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(
            props_of(&m),
            vec![
                kv("KEYS", "k1 k2"),
                kv("TAGS", "TagA"),
                kv("WAIT", "true"),
                kv("color", "blue")
            ]
        );
        // To the retry topic the origin goes along, as on any retried message.
        let m = d.resend_message("%RETRY%G").unwrap();
        assert!(props_of(&m).contains(&kv("RETRY_TOPIC", "Orders")));
    }

    #[test]
    fn a_compressed_body_is_inflated() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(5));
        z.write_all(&b"x".repeat(5000)).unwrap();
        let d = dead_letter(&z.finish().unwrap(), 0x301);
        assert!(d.compressed && d.body_size < 5000);
        let m = d.resend_message("Orders").unwrap();
        assert_eq!(m.body.len(), 5000);
        let lz4 = dead_letter(b"abc", 0x101);
        assert!(lz4.resend_message("Orders").is_err());
    }
}
