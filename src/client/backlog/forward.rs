//! What a forwarded message looks like and where it goes: the source record re-encoded as an
//! item of a producer batch (SEND_BATCH_MESSAGE body) straight from the pulled bytes, its
//! properties minus the ones that would make the target broker treat it as delayed,
//! transactional or retried, plus the origin properties; the target queue chosen from the
//! message key (or the source queue for messages without one); and the checksum `verify`
//! compares.

use std::io::{self, Write};

use crate::common::message::{
    self, java_string_hash, property, RecordView, NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR,
};

/// The source topic of a forwarded message.
pub const ORIGIN_TOPIC: &str = "RMQ_BACKLOG_ORIGIN_TOPIC";
/// The broker name of its source queue.
pub const ORIGIN_BROKER: &str = "RMQ_BACKLOG_ORIGIN_BROKER";
/// The queue id of its source queue.
pub const ORIGIN_QUEUE: &str = "RMQ_BACKLOG_ORIGIN_QUEUE";
/// Its offset in the source queue.
pub const ORIGIN_OFFSET: &str = "RMQ_BACKLOG_ORIGIN_OFFSET";
/// The offset message id of the source message (store host and CommitLog offset).
pub const ORIGIN_MSGID: &str = "RMQ_BACKLOG_ORIGIN_MSGID";

/// Properties not carried over: a broker acts on them (a delay level would delay the copy
/// again, TRAN_MSG would make it a half message) or they describe the source's storage (the
/// target broker adds its own CLUSTER).
pub const DROPPED_PROPERTIES: &[&str] = &[
    property::DELAY,
    property::TRAN_MSG,
    property::REAL_TOPIC,
    property::REAL_QID,
    property::RETRY_TOPIC,
    // The target broker sets its own.
    property::CLUSTER,
    property::RECONSUME_TIME,
    property::MAX_RECONSUME_TIMES,
    property::CHECK_IMMUNITY_TIME_IN_SECONDS,
    property::TRANSACTION_CHECK_TIMES,
    "MIN_OFFSET",
    "MAX_OFFSET",
    "__STARTDELIVERTIME",
    "TIMER_DELIVER_MS",
    "TIMER_DELAY_SEC",
    "TIMER_DELAY_MS",
    "TIMER_OUT_MS",
    ORIGIN_TOPIC,
    ORIGIN_BROKER,
    ORIGIN_QUEUE,
    ORIGIN_OFFSET,
    ORIGIN_MSGID,
];

/// `(name, value)` pairs of a stored properties string, as bytes, skipping malformed segments
/// as `common::message::properties` (and Java) do.
pub fn property_pairs(props: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    props
        .split(|b| *b == PROPERTY_SEPARATOR as u8)
        .filter_map(|p| {
            let at = p.iter().position(|b| *b == NAME_VALUE_SEPARATOR as u8)?;
            let (name, value) = (&p[..at], &p[at + 1..]);
            (!name.is_empty() && !value.is_empty()).then_some((name, value))
        })
}

/// The value of property `name` in stored properties; with duplicates the last wins, as in
/// `common::message::get_property` (a 4.x broker appends a batch's own properties to each of
/// its messages, so a name can repeat).
pub fn property_of<'a>(props: &'a [u8], name: &str) -> Option<&'a [u8]> {
    property_pairs(props)
        .filter(|(n, _)| *n == name.as_bytes())
        .last()
        .map(|(_, v)| v)
}

/// The key that decides a message's target queue: its first key (KEYS is space-separated).
pub fn routing_key(props: &[u8]) -> Option<&[u8]> {
    let keys = property_of(props, property::KEYS)?;
    keys.split(|b| *b == b' ').find(|k| !k.is_empty())
}

/// The target queue (index into the recorded target queues) of a message: Java's
/// `String.hashCode` of its key modulo the target queue count, so every message of a key lands
/// in one queue; messages without a key go to the queue fixed for their source queue
/// (`source_index`, of `source_count`), spread evenly over the targets.
pub fn target_index(
    key: Option<&[u8]>,
    source_index: usize,
    source_count: usize,
    targets: usize,
) -> usize {
    let targets = targets.max(1);
    match key.and_then(|k| std::str::from_utf8(k).ok()) {
        Some(k) => (java_string_hash(k) % targets as i32).unsigned_abs() as usize,
        None => source_index * targets / source_count.max(1) % targets,
    }
}

/// The body as producers sent it: compressed bodies (sys flag COMPRESSED, zlib) inflated, since
/// a batch item carries no sys flag.
pub fn plain_body<'a>(r: &RecordView<'a>, scratch: &'a mut Vec<u8>) -> io::Result<&'a [u8]> {
    message::plain_body(r.body, r.sys_flag, scratch)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("the body {e}")))
}

/// Where a forwarded message came from.
pub struct Origin<'a> {
    pub topic: &'a str,
    pub broker: &'a str,
    pub queue_id: i32,
}

/// Appends `r` to a SEND_BATCH_MESSAGE body as one item: its flag and body, its properties
/// without [`DROPPED_PROPERTIES`], then the origin properties. Writes straight into `out`
/// (lengths patched afterwards), so forwarding allocates nothing per message.
pub fn append_batch_item(out: &mut Vec<u8>, r: &RecordView<'_>, body: &[u8], origin: &Origin<'_>) {
    let item_at = out.len();
    out.extend_from_slice(&0i32.to_be_bytes()); // total size, patched below
    out.extend_from_slice(&0i32.to_be_bytes()); // magic (unused in a batch item)
    out.extend_from_slice(&0i32.to_be_bytes()); // body CRC (the broker computes it)
    out.extend_from_slice(&r.flag.to_be_bytes());
    out.extend_from_slice(&(body.len() as i32).to_be_bytes());
    out.extend_from_slice(body);
    let props_len_at = out.len();
    out.extend_from_slice(&0i16.to_be_bytes());
    let props_at = out.len();
    for (name, value) in property_pairs(r.properties_bytes) {
        if DROPPED_PROPERTIES.iter().any(|d| d.as_bytes() == name) {
            continue;
        }
        push_pair(out, name, value);
    }
    push_pair(out, ORIGIN_TOPIC.as_bytes(), origin.topic.as_bytes());
    push_pair(out, ORIGIN_BROKER.as_bytes(), origin.broker.as_bytes());
    push_name(out, ORIGIN_QUEUE.as_bytes());
    let _ = write!(out, "{}", origin.queue_id);
    out.push(PROPERTY_SEPARATOR as u8);
    push_name(out, ORIGIN_OFFSET.as_bytes());
    let _ = write!(out, "{}", r.queue_offset);
    out.push(PROPERTY_SEPARATOR as u8);
    push_name(out, ORIGIN_MSGID.as_bytes());
    push_offset_msg_id(out, r);
    out.push(PROPERTY_SEPARATOR as u8);
    let props_len = out.len() - props_at;
    out[props_len_at..props_at].copy_from_slice(&(props_len as i16).to_be_bytes());
    let total = (out.len() - item_at) as i32;
    out[item_at..item_at + 4].copy_from_slice(&total.to_be_bytes());
}

/// Room a forwarded message needs in a batch body (an upper bound of what
/// [`append_batch_item`] writes), to check a batch stays under the broker's size limit.
pub fn batch_item_len(r: &RecordView<'_>, body_len: usize, origin: &Origin<'_>) -> usize {
    22 + body_len + r.properties_bytes.len() + origin.topic.len() + origin.broker.len() + 200
}

fn push_name(out: &mut Vec<u8>, name: &[u8]) {
    out.extend_from_slice(name);
    out.push(NAME_VALUE_SEPARATOR as u8);
}

fn push_pair(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    push_name(out, name);
    out.extend_from_slice(value);
    out.push(PROPERTY_SEPARATOR as u8);
}

/// The offset message id (`MessageDecoder.createMessageId`) as uppercase hex, without a
/// `String`.
fn push_offset_msg_id(out: &mut Vec<u8>, r: &RecordView<'_>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut hex = |bytes: &[u8]| {
        for &b in bytes {
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 15)]);
        }
    };
    match r.store_host.ip() {
        std::net::IpAddr::V4(v4) => hex(&v4.octets()),
        std::net::IpAddr::V6(v6) => hex(&v6.octets()),
    }
    hex(&i32::from(r.store_host.port()).to_be_bytes());
    hex(&r.physical_offset.to_be_bytes());
}

/// One message's share of a queue checksum: its source offset, key (the whole KEYS value) and
/// body. The checksum of a range is the wrapping sum of its messages' shares, so it does not
/// depend on the order messages are read in.
pub fn message_checksum(offset: i64, keys: Option<&[u8]>, body: &[u8]) -> u64 {
    let mut h = crc32fast::Hasher::new();
    h.update(keys.unwrap_or_default());
    h.update(&[0]);
    h.update(body);
    let crc = u64::from(h.finalize());
    mix(crc ^ mix(offset as u64).rotate_left(32))
}

/// SplitMix64's finaliser: spreads every input bit over the output.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::message::{decode_records, push_property, MessageToStore};

    fn stored(props: &str, body: &[u8]) -> Vec<u8> {
        let host = "127.0.0.1:10911".parse().unwrap();
        let m = MessageToStore {
            topic: "T",
            queue_id: 2,
            flag: 7,
            body,
            body_crc: 0,
            sys_flag: 0,
            born_timestamp: 1,
            born_host: host,
            store_host: host,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            properties: props,
        };
        let mut buf = vec![0; m.encoded_len()];
        m.encode(&mut buf, 41, 1234, 5);
        buf
    }

    #[test]
    fn a_forwarded_item_keeps_user_properties_and_names_its_origin() {
        let mut props = String::new();
        push_property(&mut props, property::KEYS, "k1 k2");
        push_property(&mut props, property::TAGS, "TagA");
        push_property(&mut props, property::DELAY, "3");
        push_property(&mut props, property::TRAN_MSG, "true");
        push_property(&mut props, "color", "blue");
        let buf = stored(&props, b"hello");
        let r = decode_records(&buf).next().unwrap().unwrap();
        let origin = Origin {
            topic: "T",
            broker: "broker-a",
            queue_id: 2,
        };
        let mut out = Vec::new();
        append_batch_item(&mut out, &r, r.body, &origin);
        assert!(out.len() <= batch_item_len(&r, r.body.len(), &origin));
        let total = i32::from_be_bytes(out[0..4].try_into().unwrap()) as usize;
        assert_eq!(total, out.len());
        assert_eq!(i32::from_be_bytes(out[12..16].try_into().unwrap()), 7);
        assert_eq!(&out[20..25], b"hello");
        let plen = i16::from_be_bytes(out[25..27].try_into().unwrap()) as usize;
        let p = &out[27..27 + plen];
        assert_eq!(27 + plen, out.len());
        let pairs: Vec<(String, String)> = property_pairs(p)
            .map(|(n, v)| {
                (
                    String::from_utf8(n.to_vec()).unwrap(),
                    String::from_utf8(v.to_vec()).unwrap(),
                )
            })
            .collect();
        let get = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("KEYS"), Some("k1 k2"));
        assert_eq!(get("TAGS"), Some("TagA"));
        assert_eq!(get("color"), Some("blue"));
        assert_eq!(get("DELAY"), None);
        assert_eq!(get("TRAN_MSG"), None);
        assert_eq!(get(ORIGIN_TOPIC), Some("T"));
        assert_eq!(get(ORIGIN_BROKER), Some("broker-a"));
        assert_eq!(get(ORIGIN_QUEUE), Some("2"));
        assert_eq!(get(ORIGIN_OFFSET), Some("41"));
        assert_eq!(get(ORIGIN_MSGID), Some(r.offset_msg_id().as_str()));
        assert_eq!(routing_key(r.properties_bytes), Some(&b"k1"[..]));
    }

    #[test]
    fn keys_pick_one_target_and_keyless_messages_follow_their_source_queue() {
        let t = |k: &str| target_index(Some(k.as_bytes()), 0, 4, 16);
        assert_eq!(t("order-1"), t("order-1"));
        assert_eq!(
            target_index(Some(b"order-1"), 3, 4, 16),
            t("order-1"),
            "the source queue does not matter for a key"
        );
        let keyless: Vec<usize> = (0..4).map(|s| target_index(None, s, 4, 16)).collect();
        assert_eq!(keyless, vec![0, 4, 8, 12]);
        let hits: std::collections::BTreeSet<usize> =
            (0..1000).map(|i| t(&format!("key-{i}"))).collect();
        assert_eq!(hits.len(), 16, "keys spread over every target queue");
    }

    #[test]
    fn checksums_depend_on_offset_key_and_body() {
        let a = message_checksum(1, Some(b"k"), b"body");
        assert_ne!(a, message_checksum(2, Some(b"k"), b"body"));
        assert_ne!(a, message_checksum(1, Some(b"j"), b"body"));
        assert_ne!(a, message_checksum(1, Some(b"k"), b"bodY"));
        assert_ne!(a, message_checksum(1, None, b"body"));
        assert_eq!(a, message_checksum(1, Some(b"k"), b"body"));
    }
}
