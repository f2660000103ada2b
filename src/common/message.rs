//! The CommitLog record format: encoding (v1, as 4.9.x writes it), decoding (v1 and 5.x v2),
//! the BLANK end-of-file record, properties strings, body CRC, offset message ids, producer batch
//! bodies, and the Java string hash used for tags and index keys.
//!
//! ```text
//! totalSize i32 | magic i32 | bodyCRC i32 | queueId i32 | flag i32 | queueOffset i64
//! | physicalOffset i64 | sysFlag i32 | bornTimestamp i64 | bornHost (4|16 + port i32)
//! | storeTimestamp i64 | storeHost (4|16 + port i32) | reconsumeTimes i32
//! | preparedTransactionOffset i64 | bodyLen i32 + body | topicLen i8 (v2: i16) + topic
//! | propertiesLen i16 + properties
//! ```
//!
//! Decoding borrows from the buffer ([`RecordView`]) so scans over mapped files never copy.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use thiserror::Error;

/// 4.x record magic.
pub const MAGIC_V1: i32 = 0xDAA3_20A7_u32 as i32;
/// 5.x record magic for topics longer than 127 bytes (i16 topic length).
pub const MAGIC_V2: i32 = 0xDAA3_20AB_u32 as i32;
/// Magic of the end-of-file filler record.
pub const BLANK_MAGIC: i32 = 0xCBD4_3194_u32 as i32;
/// A file always keeps room for a BLANK record (`[i32 size][i32 magic]`).
pub const END_FILE_MIN_BLANK_LENGTH: usize = 8;
/// Longest topic a v1 record can hold (i8 length).
pub const MAX_TOPIC_LEN_V1: usize = 127;
/// Longest properties string (i16 length).
pub const MAX_PROPERTIES_LEN: usize = i16::MAX as usize;

/// Separates a property name from its value.
pub const NAME_VALUE_SEPARATOR: char = '\u{1}';
/// Separates properties.
pub const PROPERTY_SEPARATOR: char = '\u{2}';

/// Well-known property names (`MessageConst`).
pub mod property {
    pub const KEYS: &str = "KEYS";
    pub const TAGS: &str = "TAGS";
    pub const WAIT: &str = "WAIT";
    pub const DELAY: &str = "DELAY";
    pub const RETRY_TOPIC: &str = "RETRY_TOPIC";
    pub const REAL_TOPIC: &str = "REAL_TOPIC";
    pub const REAL_QID: &str = "REAL_QID";
    pub const TRAN_MSG: &str = "TRAN_MSG";
    pub const PGROUP: &str = "PGROUP";
    pub const UNIQ_KEY: &str = "UNIQ_KEY";
    pub const CLUSTER: &str = "CLUSTER";
    pub const ORIGIN_MESSAGE_ID: &str = "ORIGIN_MESSAGE_ID";
    pub const RECONSUME_TIME: &str = "RECONSUME_TIME";
    pub const MAX_RECONSUME_TIMES: &str = "MAX_RECONSUME_TIMES";
    pub const MSG_REGION: &str = "MSG_REGION";
    pub const TRACE_ON: &str = "TRACE_ON";
    pub const TRANSACTION_ID: &str = "__transactionId__";
    pub const CHECK_IMMUNITY_TIME_IN_SECONDS: &str = "CHECK_IMMUNITY_TIME_IN_SECONDS";
    pub const TRANSACTION_CHECK_TIMES: &str = "TRANSACTION_CHECK_TIMES";
    pub const SHARDING_KEY: &str = "__SHARDINGKEY";
    /// Request-reply: the client id of the requester a reply goes back to.
    pub const REPLY_TO_CLIENT: &str = "REPLY_TO_CLIENT";
    /// Request-reply: when the broker pushed the reply to the requester (ms).
    pub const PUSH_REPLY_TIME: &str = "PUSH_REPLY_TIME";
}

/// `MessageSysFlag` bits.
pub mod sys_flag {
    pub const COMPRESSED: i32 = 0x1;
    pub const MULTI_TAGS: i32 = 0x2;
    pub const TRANSACTION_NOT_TYPE: i32 = 0;
    pub const TRANSACTION_PREPARED: i32 = 0x4;
    pub const TRANSACTION_COMMIT: i32 = 0x8;
    pub const TRANSACTION_ROLLBACK: i32 = 0xC;
    pub const BORNHOST_V6: i32 = 0x10;
    pub const STOREHOST_V6: i32 = 0x20;
    pub const NEED_UNWRAP: i32 = 0x40;
    pub const INNER_BATCH: i32 = 0x80;
    /// Bits 8-10: compression type; 0 (old producers) and 0x300 mean zlib.
    pub const COMPRESSION_TYPE_MASK: i32 = 0x700;

    /// The transaction type bits (`getTransactionValue`).
    pub fn transaction_value(flag: i32) -> i32 {
        flag & TRANSACTION_ROLLBACK
    }
}

/// What a stored record says of a transaction, for people (`rmq message get`/`consume`):
/// `None` for a message that was never transactional. A half's end (commit or rollback) is
/// not in its own record but in an op message of `RMQ_SYS_TRANS_OP_HALF_TOPIC`.
pub fn transaction_state(topic: &str, sys_flag: i32, properties: &str) -> Option<String> {
    use crate::common::names;
    let checked = get_property(properties, property::TRANSACTION_CHECK_TIMES)
        .map(|n| format!(", {n} check-back(s) sent"))
        .unwrap_or_default();
    let real = get_property(properties, property::REAL_TOPIC).unwrap_or("?");
    let state = match topic {
        names::RMQ_SYS_TRANS_HALF_TOPIC => format!(
            "half (prepared) message for {real}: ended by commit or rollback only through an op \
             message in {}{checked}",
            names::RMQ_SYS_TRANS_OP_HALF_TOPIC
        ),
        names::RMQ_SYS_TRANS_OP_HALF_TOPIC => {
            "op message: the half at the queue offset in its body is settled".to_string()
        }
        names::RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC => {
            format!("half for {real} discarded: never committed nor rolled back{checked}")
        }
        _ => match sys_flag::transaction_value(sys_flag) {
            sys_flag::TRANSACTION_COMMIT => format!("committed{checked}"),
            sys_flag::TRANSACTION_PREPARED => "prepared (not yet a half message)".to_string(),
            sys_flag::TRANSACTION_ROLLBACK => "rolled back".to_string(),
            _ if get_property(properties, property::TRAN_MSG) == Some("true") => {
                format!("transactional{checked}")
            }
            _ => return None,
        },
    };
    Some(state)
}

/// Java `String.hashCode()`: `h = 31*h + c` over UTF-16 code units, wrapping.
pub fn java_string_hash(s: &str) -> i32 {
    let mut h: i32 = 0;
    for unit in s.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(i32::from(unit));
    }
    h
}

/// The ConsumeQueue tags code of a message: the Java hash of its TAGS property, 0 without tags.
pub fn tags_code(tags: Option<&str>) -> i64 {
    match tags {
        Some(t) if !t.is_empty() => i64::from(java_string_hash(t)),
        _ => 0,
    }
}

/// `UtilAll.crc32`: IEEE CRC-32 with the top bit cleared.
pub fn crc32(bytes: &[u8]) -> i32 {
    (crc32fast::hash(bytes) & 0x7FFF_FFFF) as i32
}

// ---------------------------------------------------------------------------------------------
// Properties strings

/// Iterates `name \x01 value` pairs of a properties string, skipping malformed segments the way
/// Java's `string2messageProperties` does (both name and value must be non-empty). A trailing
/// separator (≤ 4.9.0 and ≥ 5.2 writers) is accepted.
pub fn properties(props: &str) -> impl Iterator<Item = (&str, &str)> {
    props.split(PROPERTY_SEPARATOR).filter_map(|segment| {
        let (name, value) = segment.split_once(NAME_VALUE_SEPARATOR)?;
        (!name.is_empty() && !value.is_empty()).then_some((name, value))
    })
}

/// The value of property `name`; with duplicates the last wins (a Java map fill).
pub fn get_property<'a>(props: &'a str, name: &str) -> Option<&'a str> {
    properties(props)
        .filter(|(k, _)| *k == name)
        .last()
        .map(|(_, v)| v)
}

/// The values of several properties in one pass over the string (each as [`get_property`]).
pub fn get_properties<'a, const N: usize>(
    props: &'a str,
    names: [&str; N],
) -> [Option<&'a str>; N] {
    let mut found = [None; N];
    for (k, v) in properties(props) {
        if let Some(i) = names.iter().position(|n| *n == k) {
            found[i] = Some(v);
        }
    }
    found
}

/// Appends `name=value` to a properties string the way 4.9.8 joins them (no trailing separator).
pub fn push_property(props: &mut String, name: &str, value: &str) {
    if !props.is_empty() && !props.ends_with(PROPERTY_SEPARATOR) {
        props.push(PROPERTY_SEPARATOR);
    }
    props.push_str(name);
    props.push(NAME_VALUE_SEPARATOR);
    props.push_str(value);
}

/// Builds a properties string from pairs (4.9.8 form: no trailing separator).
pub fn format_properties<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        push_property(&mut out, k, v);
    }
    out
}

/// [`format_properties`] of a slice, in one allocation of the final size (the broker does this
/// for every stored message).
pub fn format_property_slice(pairs: &[(&str, &str)]) -> String {
    let len = pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let mut out = String::with_capacity(len);
    for (k, v) in pairs {
        push_property(&mut out, k, v);
    }
    out
}

/// Properties in the order a Java `HashMap` (default capacity) iterates them: by bucket
/// `(h ^ h >>> 16) & (capacity - 1)` of the key's `String.hashCode`, then by insertion order
/// within a bucket. The broker stores properties re-serialised from such a map, so producing
/// the same order makes stored records byte-identical to the Java broker's.
pub fn java_hashmap_order<'a>(pairs: &mut [(&'a str, &'a str)]) {
    let mut capacity = 16usize;
    // A resize happens when the size passes 3/4 of the capacity.
    while pairs.len() > capacity * 3 / 4 {
        capacity *= 2;
    }
    let bucket = |key: &str| {
        let h = java_string_hash(key) as u32;
        ((h ^ (h >> 16)) as usize) & (capacity - 1)
    };
    // Stable: keys of one bucket keep their insertion order.
    pairs.sort_by_key(|(k, _)| bucket(k));
}

/// The properties string without property `name` (the broker drops `WAIT` before storing).
pub fn without_property(props: &str, name: &str) -> String {
    format_properties(properties(props).filter(|(k, _)| *k != name))
}

// ---------------------------------------------------------------------------------------------
// Message ids

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MessageIdError {
    #[error("message id '{0}' is not 32 or 56 hex characters")]
    Length(String),
    #[error("message id '{0}' is not hexadecimal")]
    NotHex(String),
}

/// Upper-case hex, as Java's `UtilAll.bytes2string` (one per sent message: no `fmt`).
/// Appends `bytes` as uppercase hex (how message ids spell bytes).
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
}

/// The offset message id (`MessageDecoder.createMessageId`): store host IP, port, physical
/// offset, as uppercase hex.
pub fn offset_msg_id(store_host: SocketAddr, physical_offset: i64) -> String {
    let mut out = String::with_capacity(56);
    match store_host.ip() {
        IpAddr::V4(v4) => push_hex(&mut out, &v4.octets()),
        IpAddr::V6(v6) => push_hex(&mut out, &v6.octets()),
    }
    push_hex(&mut out, &(i32::from(store_host.port())).to_be_bytes());
    push_hex(&mut out, &physical_offset.to_be_bytes());
    out
}

/// Splits an offset message id into the store host and the physical offset.
pub fn decode_offset_msg_id(id: &str) -> Result<(SocketAddr, i64), MessageIdError> {
    let ip_len = match id.len() {
        32 => 4,
        56 => 16,
        _ => return Err(MessageIdError::Length(id.to_string())),
    };
    let bytes = decode_hex(id).ok_or_else(|| MessageIdError::NotHex(id.to_string()))?;
    let ip = if ip_len == 4 {
        IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))
    } else {
        let mut octets = [0u8; 16];
        octets.copy_from_slice(&bytes[..16]);
        IpAddr::V6(Ipv6Addr::from(octets))
    };
    let port = i32::from_be_bytes([
        bytes[ip_len],
        bytes[ip_len + 1],
        bytes[ip_len + 2],
        bytes[ip_len + 3],
    ]);
    let mut off = [0u8; 8];
    off.copy_from_slice(&bytes[ip_len + 4..ip_len + 12]);
    Ok((SocketAddr::new(ip, port as u16), i64::from_be_bytes(off)))
}

/// The bytes a hex string spells (either case); `None` for an odd length or a non-hex digit.
pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.chunks(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// What the broker hands the store for one message; borrowed, so building it allocates nothing.
#[derive(Clone, Debug)]
pub struct MessageToStore<'a> {
    pub topic: &'a str,
    pub queue_id: i32,
    pub flag: i32,
    /// Stored as received (still compressed when the COMPRESSED flag is set).
    pub body: &'a [u8],
    /// [`crc32`] of `body`, computed before the append lock is taken.
    pub body_crc: i32,
    /// Without the host v6 bits; [`MessageToStore::sys_flag_on_disk`] adds them.
    pub sys_flag: i32,
    pub born_timestamp: i64,
    pub born_host: SocketAddr,
    pub store_host: SocketAddr,
    pub reconsume_times: i32,
    pub prepared_transaction_offset: i64,
    /// The properties string exactly as it is to be stored.
    pub properties: &'a str,
}

/// Why a message cannot be stored.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EncodeError {
    #[error("topic of {0} bytes is longer than {MAX_TOPIC_LEN_V1}")]
    TopicTooLong(usize),
    #[error("properties of {0} bytes are longer than {MAX_PROPERTIES_LEN}")]
    PropertiesTooLong(usize),
}

/// Record size for the given parts (v1).
pub fn record_len(
    body_len: usize,
    topic_len: usize,
    properties_len: usize,
    born_v6: bool,
    store_v6: bool,
) -> usize {
    4 + 4
        + 4
        + 4
        + 4
        + 8
        + 8
        + 4
        + 8
        + if born_v6 { 20 } else { 8 }
        + 8
        + if store_v6 { 20 } else { 8 }
        + 4
        + 8
        + 4
        + body_len
        + 1
        + topic_len
        + 2
        + properties_len
}

impl MessageToStore<'_> {
    /// Checks the limits of the v1 format.
    pub fn validate(&self) -> Result<(), EncodeError> {
        if self.topic.len() > MAX_TOPIC_LEN_V1 {
            return Err(EncodeError::TopicTooLong(self.topic.len()));
        }
        if self.properties.len() > MAX_PROPERTIES_LEN {
            return Err(EncodeError::PropertiesTooLong(self.properties.len()));
        }
        Ok(())
    }

    /// The sysFlag written: the host v6 bits follow the addresses, as the Java broker sets them.
    pub fn sys_flag_on_disk(&self) -> i32 {
        let mut flag = self.sys_flag & !(sys_flag::BORNHOST_V6 | sys_flag::STOREHOST_V6);
        if self.born_host.is_ipv6() {
            flag |= sys_flag::BORNHOST_V6;
        }
        if self.store_host.is_ipv6() {
            flag |= sys_flag::STOREHOST_V6;
        }
        flag
    }

    /// Total record size in bytes.
    pub fn encoded_len(&self) -> usize {
        record_len(
            self.body.len(),
            self.topic.len(),
            self.properties.len(),
            self.born_host.is_ipv6(),
            self.store_host.is_ipv6(),
        )
    }

    /// Writes the record into `dst`, which must be exactly [`Self::encoded_len`] bytes (the
    /// caller reserved it in the mapped file). Call [`Self::validate`] first.
    pub fn encode(
        &self,
        dst: &mut [u8],
        queue_offset: i64,
        physical_offset: i64,
        store_timestamp: i64,
    ) {
        let total = self.encoded_len();
        debug_assert_eq!(dst.len(), total);
        let mut w = Writer { buf: dst, pos: 0 };
        w.i32(total as i32);
        w.i32(MAGIC_V1);
        w.i32(self.body_crc);
        w.i32(self.queue_id);
        w.i32(self.flag);
        w.i64(queue_offset);
        w.i64(physical_offset);
        w.i32(self.sys_flag_on_disk());
        w.i64(self.born_timestamp);
        w.host(&self.born_host);
        w.i64(store_timestamp);
        w.host(&self.store_host);
        w.i32(self.reconsume_times);
        w.i64(self.prepared_transaction_offset);
        w.i32(self.body.len() as i32);
        w.bytes(self.body);
        w.buf[w.pos] = self.topic.len() as u8;
        w.pos += 1;
        w.bytes(self.topic.as_bytes());
        w.i16(self.properties.len() as i16);
        w.bytes(self.properties.as_bytes());
    }
}

struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Writer<'_> {
    fn bytes(&mut self, b: &[u8]) {
        self.buf[self.pos..self.pos + b.len()].copy_from_slice(b);
        self.pos += b.len();
    }
    fn i16(&mut self, v: i16) {
        self.bytes(&v.to_be_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.bytes(&v.to_be_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.bytes(&v.to_be_bytes());
    }
    fn host(&mut self, addr: &SocketAddr) {
        match addr.ip() {
            IpAddr::V4(ip) => self.bytes(&ip.octets()),
            IpAddr::V6(ip) => self.bytes(&ip.octets()),
        }
        self.i32(i32::from(addr.port()));
    }
}

/// Writes a BLANK end-of-file record of `len` bytes (only its 8-byte head is written).
pub fn encode_blank(dst: &mut [u8], len: usize) {
    dst[0..4].copy_from_slice(&(len as i32).to_be_bytes());
    dst[4..8].copy_from_slice(&BLANK_MAGIC.to_be_bytes());
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// A decoded record borrowing from the buffer it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordView<'a> {
    pub total_size: i32,
    pub magic: i32,
    pub body_crc: i32,
    pub queue_id: i32,
    pub flag: i32,
    pub queue_offset: i64,
    pub physical_offset: i64,
    pub sys_flag: i32,
    pub born_timestamp: i64,
    pub born_host: SocketAddr,
    pub store_timestamp: i64,
    pub store_host: SocketAddr,
    pub reconsume_times: i32,
    pub prepared_transaction_offset: i64,
    pub body: &'a [u8],
    pub topic_bytes: &'a [u8],
    pub properties_bytes: &'a [u8],
    /// The whole record, for callers that forward it as stored (pull responses).
    pub raw: &'a [u8],
}

/// `bytes` as text: borrowed when valid UTF-8 (the normal case, checked by the fast validator),
/// else with replacement characters.
fn utf8_or_lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

impl<'a> RecordView<'a> {
    pub fn topic(&self) -> Cow<'a, str> {
        utf8_or_lossy(self.topic_bytes)
    }

    pub fn properties(&self) -> Cow<'a, str> {
        utf8_or_lossy(self.properties_bytes)
    }

    /// The property `name`, if present.
    pub fn property(&self, name: &str) -> Option<String> {
        get_property(&self.properties(), name).map(str::to_string)
    }

    /// Whether the stored body CRC matches the body.
    pub fn crc_ok(&self) -> bool {
        crc32(self.body) == self.body_crc
    }

    /// The offset message id of this record.
    pub fn offset_msg_id(&self) -> String {
        offset_msg_id(self.store_host, self.physical_offset)
    }

    pub fn is_compressed(&self) -> bool {
        self.sys_flag & sys_flag::COMPRESSED != 0
    }
}

/// What is found at a position of a CommitLog file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record<'a> {
    Message(RecordView<'a>),
    /// End-of-file filler: skip to the next file.
    Blank {
        size: i32,
    },
    /// Zeros or a non-record magic: the end of valid data in this file.
    End,
}

/// Why bytes at a position are not a valid record.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DecodeError {
    #[error("record size {size} at this position is invalid ({reason})")]
    BadSize { size: i64, reason: &'static str },
    #[error("record is cut off: {needed} bytes needed, {available} available")]
    Truncated { needed: usize, available: usize },
    #[error("record fields add up to {computed} bytes but its size says {size}")]
    SizeMismatch { computed: usize, size: usize },
    #[error("record {field} length {len} is negative or too large")]
    FieldLength { field: &'static str, len: i64 },
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(DecodeError::Truncated {
                needed: self.pos.saturating_add(n),
                available: self.buf.len(),
            })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn i16(&mut self) -> Result<i16, DecodeError> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }
    fn i32(&mut self) -> Result<i32, DecodeError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i64(&mut self) -> Result<i64, DecodeError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_be_bytes(a))
    }
    fn host(&mut self, v6: bool) -> Result<SocketAddr, DecodeError> {
        let ip = if v6 {
            let mut o = [0u8; 16];
            o.copy_from_slice(self.take(16)?);
            IpAddr::V6(Ipv6Addr::from(o))
        } else {
            let b = self.take(4)?;
            IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
        };
        let port = self.i32()?;
        Ok(SocketAddr::new(ip, port as u16))
    }
}

/// Decodes the record at the start of `buf` (a file's remaining bytes).
///
/// `Ok(Record::End)` for a zero or foreign magic (the normal end of written data);
/// `Err` for a record with a valid magic whose sizes do not hold together (a torn write).
pub fn decode_record(buf: &[u8]) -> Result<Record<'_>, DecodeError> {
    if buf.len() < 8 {
        return Ok(Record::End);
    }
    let size = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    let magic = i32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
    match magic {
        BLANK_MAGIC => return Ok(Record::Blank { size }),
        MAGIC_V1 | MAGIC_V2 => {}
        _ => return Ok(Record::End),
    }
    if size < 0 || (size as usize) < record_len(0, 0, 0, false, false) {
        return Err(DecodeError::BadSize {
            size: i64::from(size),
            reason: "smaller than an empty record",
        });
    }
    let total = size as usize;
    if total > buf.len() {
        return Err(DecodeError::Truncated {
            needed: total,
            available: buf.len(),
        });
    }
    let record = &buf[..total];
    let mut r = Reader {
        buf: record,
        pos: 8,
    };
    let body_crc = r.i32()?;
    let queue_id = r.i32()?;
    let flag = r.i32()?;
    let queue_offset = r.i64()?;
    let physical_offset = r.i64()?;
    let sys_flag = r.i32()?;
    let born_timestamp = r.i64()?;
    let born_host = r.host(sys_flag & sys_flag::BORNHOST_V6 != 0)?;
    let store_timestamp = r.i64()?;
    let store_host = r.host(sys_flag & sys_flag::STOREHOST_V6 != 0)?;
    let reconsume_times = r.i32()?;
    let prepared_transaction_offset = r.i64()?;
    let body_len = r.i32()?;
    if body_len < 0 {
        return Err(DecodeError::FieldLength {
            field: "body",
            len: i64::from(body_len),
        });
    }
    let body = r.take(body_len as usize)?;
    let topic_len = if magic == MAGIC_V2 {
        r.i16()? as u16 as usize
    } else {
        // Java reads the v1 length as a signed byte; >127 never decodes in Java either.
        let b = r.take(1)?[0] as i8;
        if b < 0 {
            return Err(DecodeError::FieldLength {
                field: "topic",
                len: i64::from(b),
            });
        }
        b as usize
    };
    let topic_bytes = r.take(topic_len)?;
    let properties_len = r.i16()?;
    if properties_len < 0 {
        return Err(DecodeError::FieldLength {
            field: "properties",
            len: i64::from(properties_len),
        });
    }
    let properties_bytes = r.take(properties_len as usize)?;
    if r.pos != total {
        return Err(DecodeError::SizeMismatch {
            computed: r.pos,
            size: total,
        });
    }
    Ok(Record::Message(RecordView {
        total_size: size,
        magic,
        body_crc,
        queue_id,
        flag,
        queue_offset,
        physical_offset,
        sys_flag,
        born_timestamp,
        born_host,
        store_timestamp,
        store_host,
        reconsume_times,
        prepared_transaction_offset,
        body,
        topic_bytes,
        properties_bytes,
        raw: record,
    }))
}

/// Decodes a buffer of concatenated records (a pull, query or view response body).
pub fn decode_records(buf: &[u8]) -> impl Iterator<Item = Result<RecordView<'_>, DecodeError>> {
    let mut rest = buf;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match decode_record(rest) {
            Ok(Record::Message(view)) => {
                rest = &rest[view.raw.len()..];
                Some(Ok(view))
            }
            Ok(_) => {
                rest = &[];
                Some(Err(DecodeError::BadSize {
                    size: 0,
                    reason: "not a message record",
                }))
            }
            Err(e) => {
                rest = &[];
                Some(Err(e))
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Producer batch bodies (SEND_BATCH_MESSAGE)

/// One message inside a SEND_BATCH_MESSAGE body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchItem<'a> {
    pub flag: i32,
    pub body: &'a [u8],
    pub properties: &'a str,
}

/// Splits a producer batch body: `totalSize i32 | magic i32 | bodyCRC i32 | flag i32 |
/// bodyLen i32 | body | propLen i16 | properties`, repeated.
pub fn decode_batch(body: &[u8]) -> impl Iterator<Item = Result<BatchItem<'_>, DecodeError>> {
    let mut rest = body;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let item = (|| {
            let mut r = Reader { buf: rest, pos: 0 };
            let total = r.i32()?;
            if total < 22 || total as usize > rest.len() {
                return Err(DecodeError::BadSize {
                    size: i64::from(total),
                    reason: "batch item size out of range",
                });
            }
            let _magic = r.i32()?;
            let _crc = r.i32()?;
            let flag = r.i32()?;
            let body_len = r.i32()?;
            if body_len < 0 {
                return Err(DecodeError::FieldLength {
                    field: "batch body",
                    len: i64::from(body_len),
                });
            }
            let body = r.take(body_len as usize)?;
            let prop_len = r.i16()?;
            if prop_len < 0 {
                return Err(DecodeError::FieldLength {
                    field: "batch properties",
                    len: i64::from(prop_len),
                });
            }
            let props = r.take(prop_len as usize)?;
            if r.pos != total as usize {
                return Err(DecodeError::SizeMismatch {
                    computed: r.pos,
                    size: total as usize,
                });
            }
            let properties = std::str::from_utf8(props).map_err(|_| DecodeError::FieldLength {
                field: "batch properties (not UTF-8)",
                len: i64::from(prop_len),
            })?;
            Ok((
                BatchItem {
                    flag,
                    body,
                    properties,
                },
                total as usize,
            ))
        })();
        match item {
            Ok((item, len)) => {
                rest = &rest[len..];
                Some(Ok(item))
            }
            Err(e) => {
                rest = &[];
                Some(Err(e))
            }
        }
    })
}

/// Encodes a producer batch body (what a Java producer sends in SEND_BATCH_MESSAGE).
pub fn encode_batch<'a>(items: impl IntoIterator<Item = BatchItem<'a>>) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        let total = 20 + item.body.len() + 2 + item.properties.len();
        out.extend_from_slice(&(total as i32).to_be_bytes());
        out.extend_from_slice(&0i32.to_be_bytes());
        out.extend_from_slice(&0i32.to_be_bytes());
        out.extend_from_slice(&item.flag.to_be_bytes());
        out.extend_from_slice(&(item.body.len() as i32).to_be_bytes());
        out.extend_from_slice(item.body);
        out.extend_from_slice(&(item.properties.len() as i16).to_be_bytes());
        out.extend_from_slice(item.properties.as_bytes());
    }
    out
}

/// The largest body a stored zlib body is inflated to: bodies are at most 4 MiB as sent, so
/// anything past this is a damaged or hostile record, not a message.
pub const MAX_INFLATED_BODY: usize = 64 << 20;

/// Why a stored body could not be turned back into the body its producer sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InflateError {
    /// LZ4, ZSTD or an unknown compression type: 4.9.x producers only write zlib.
    #[error("is compressed with {0}, which rmq cannot inflate")]
    Unsupported(&'static str),
    #[error("cannot be inflated: {0}")]
    Corrupt(String),
    #[error("inflates to more than {MAX_INFLATED_BODY} bytes")]
    TooLarge,
}

/// The body as its producer sent it: `body` itself unless `sys_flag` marks it compressed, else
/// inflated into `scratch` (compression type zlib, 0 or 0x300, as 4.9.x producers write it).
/// `scratch` is reused by callers that scan many records, so a scan does not allocate per
/// message.
pub fn plain_body<'a>(
    body: &'a [u8],
    sys_flag: i32,
    scratch: &'a mut Vec<u8>,
) -> Result<&'a [u8], InflateError> {
    use std::io::Read;
    if sys_flag & sys_flag::COMPRESSED == 0 {
        return Ok(body);
    }
    match sys_flag & sys_flag::COMPRESSION_TYPE_MASK {
        0 | 0x300 => {}
        0x100 => return Err(InflateError::Unsupported("LZ4")),
        0x200 => return Err(InflateError::Unsupported("ZSTD")),
        _ => return Err(InflateError::Unsupported("an unknown compression type")),
    }
    scratch.clear();
    flate2::read::ZlibDecoder::new(body)
        .take(MAX_INFLATED_BODY as u64 + 1)
        .read_to_end(scratch)
        .map_err(|e| InflateError::Corrupt(e.to_string()))?;
    if scratch.len() > MAX_INFLATED_BODY {
        return Err(InflateError::TooLarge);
    }
    Ok(scratch.as_slice())
}

#[cfg(test)]
pub(crate) mod tests {

    #[test]
    fn transaction_state_of_records() {
        use crate::common::names;
        let half = "REAL_TOPIC\u{1}T\u{2}TRAN_MSG\u{1}true\u{2}TRANSACTION_CHECK_TIMES\u{1}2";
        let s = transaction_state(names::RMQ_SYS_TRANS_HALF_TOPIC, 0, half).unwrap();
        assert!(s.starts_with("half (prepared) message for T"), "{s}");
        assert!(s.ends_with("2 check-back(s) sent"), "{s}");
        assert_eq!(
            transaction_state("T", 0x8, half).unwrap(),
            "committed, 2 check-back(s) sent"
        );
        assert!(
            transaction_state(names::RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC, 0, half)
                .unwrap()
                .starts_with("half for T discarded")
        );
        assert_eq!(transaction_state("T", 0, "TAGS\u{1}a"), None);
        assert_eq!(
            transaction_state("T", 0x4, "").unwrap(),
            "prepared (not yet a half message)"
        );
    }

    use super::*;

    #[test]
    fn java_hash_matches_java() {
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("S"), 83);
        assert_eq!(java_string_hash("TagA"), 2598919);
        // U+1F600 is the surrogate pair D83D DE00: a supplementary character counts twice.
        assert_eq!(java_string_hash("😀"), 1772899);
        assert_eq!(tags_code(None), 0);
        assert_eq!(tags_code(Some("TagA")), 2598919);
    }

    pub(crate) fn sample<'a>(body: &'a [u8], props: &'a str) -> MessageToStore<'a> {
        MessageToStore {
            topic: "TopicTest",
            queue_id: 3,
            flag: 0,
            body,
            body_crc: crc32(body),
            sys_flag: 0,
            born_timestamp: 1_700_000_000_123,
            born_host: "10.0.0.9:51234".parse().unwrap(),
            store_host: "127.0.0.1:10911".parse().unwrap(),
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            properties: props,
        }
    }

    #[test]
    fn golden_record_bytes() {
        let props = format_properties([("TAGS", "TagA"), ("KEYS", "k1 k2")]);
        let msg = sample(b"hello", &props);
        let mut buf = vec![0u8; msg.encoded_len()];
        msg.encode(&mut buf, 7, 4096, 1_700_000_000_456);
        // 91 fixed + 5 body + 9 topic + 20 properties
        assert_eq!(buf.len(), 125);
        let expected_head: Vec<u8> = [
            &125i32.to_be_bytes()[..],
            &[0xDA, 0xA3, 0x20, 0xA7],
            &crc32(b"hello").to_be_bytes(),
            &3i32.to_be_bytes(),
            &0i32.to_be_bytes(),
            &7i64.to_be_bytes(),
            &4096i64.to_be_bytes(),
            &0i32.to_be_bytes(),
            &1_700_000_000_123i64.to_be_bytes(),
            &[10, 0, 0, 9],
            &51234i32.to_be_bytes(),
            &1_700_000_000_456i64.to_be_bytes(),
            &[127, 0, 0, 1],
            &10911i32.to_be_bytes(),
            &0i32.to_be_bytes(),
            &0i64.to_be_bytes(),
            &5i32.to_be_bytes(),
            b"hello",
            &[9],
            b"TopicTest",
            &20i16.to_be_bytes(),
            b"TAGS\x01TagA\x02KEYS\x01k1 k2",
        ]
        .concat();
        assert_eq!(buf, expected_head);
        // crc32("hello") = 0x3610A686, top bit cleared
        assert_eq!(crc32(b"hello"), 0x3610A686);

        let Record::Message(view) = decode_record(&buf).unwrap() else {
            panic!("not a message")
        };
        assert_eq!(view.topic(), "TopicTest");
        assert_eq!(view.queue_offset, 7);
        assert_eq!(view.physical_offset, 4096);
        assert_eq!(view.body, b"hello");
        assert_eq!(view.property("KEYS").as_deref(), Some("k1 k2"));
        assert!(view.crc_ok());
        assert_eq!(view.offset_msg_id(), "7F00000100002A9F0000000000001000");
    }

    #[test]
    fn ipv6_hosts_set_the_flags_and_widen_the_record() {
        let mut msg = sample(b"x", "");
        msg.born_host = "[fd00::2]:5000".parse().unwrap();
        let mut buf = vec![0u8; msg.encoded_len()];
        msg.encode(&mut buf, 0, 0, 1);
        assert_eq!(buf.len(), 91 + 12 + 1 + 9);
        let Record::Message(view) = decode_record(&buf).unwrap() else {
            panic!()
        };
        assert_eq!(view.sys_flag, sys_flag::BORNHOST_V6);
        assert_eq!(view.born_host, msg.born_host);
    }

    #[test]
    fn blank_and_zeros_and_torn_records() {
        let mut buf = vec![0u8; 64];
        assert_eq!(decode_record(&buf).unwrap(), Record::End);
        encode_blank(&mut buf, 64);
        assert_eq!(&buf[..8], &[0, 0, 0, 64, 0xCB, 0xD4, 0x31, 0x94]);
        assert_eq!(decode_record(&buf).unwrap(), Record::Blank { size: 64 });

        let msg = sample(b"body", "");
        let mut rec = vec![0u8; msg.encoded_len()];
        msg.encode(&mut rec, 0, 0, 1);
        for cut in 8..rec.len() {
            assert!(decode_record(&rec[..cut]).is_err(), "cut {cut}");
        }
        let mut bad = rec.clone();
        bad[84..88].copy_from_slice(&1000i32.to_be_bytes()); // body length past the record
        assert!(decode_record(&bad).is_err());
    }

    #[test]
    fn properties_parse_like_java() {
        let p = "TAGS\x01A\x02\x02bad\x02=\x01\x02KEYS\x01k\x02";
        let all: Vec<_> = properties(p).collect();
        assert_eq!(all, vec![("TAGS", "A"), ("KEYS", "k")]);
        assert_eq!(get_property(p, "KEYS"), Some("k"));
        assert_eq!(
            get_properties(p, ["KEYS", "NOPE", "TAGS"]),
            [get_property(p, "KEYS"), None, get_property(p, "TAGS")]
        );
        assert_eq!(
            without_property("WAIT\x01true\x02TAGS\x01A", "WAIT"),
            "TAGS\x01A"
        );
        let mut s = String::from("A\x01b\x02");
        push_property(&mut s, "C", "d");
        assert_eq!(s, "A\x01b\x02C\x01d");
    }

    #[test]
    fn hashmap_order_matches_the_java_broker() {
        // Stored by a 4.9.8 broker (capture idx 84): the producer's map with WAIT removed and
        // CLUSTER added, re-serialised in HashMap order.
        let mut pairs = vec![
            ("userProp", "v1"),
            ("KEYS", "key-one key-two"),
            ("UNIQ_KEY", "U"),
            ("TAGS", "TagA"),
            ("seq", "1"),
            ("CLUSTER", "DefaultCluster"),
        ];
        java_hashmap_order(&mut pairs);
        let keys: Vec<_> = pairs.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            ["userProp", "KEYS", "UNIQ_KEY", "CLUSTER", "TAGS", "seq"]
        );
    }

    #[test]
    fn offset_msg_ids_round_trip() {
        let host: SocketAddr = "192.168.1.20:10911".parse().unwrap();
        let id = offset_msg_id(host, 0x1234_5678_9ABC);
        assert_eq!(id, "C0A80114".to_string() + "00002A9F" + "0000123456789ABC");
        assert_eq!(decode_offset_msg_id(&id).unwrap(), (host, 0x1234_5678_9ABC));
        let v6: SocketAddr = "[fd00::1]:9".parse().unwrap();
        assert_eq!(
            decode_offset_msg_id(&offset_msg_id(v6, 5)).unwrap(),
            (v6, 5)
        );
        assert!(decode_offset_msg_id("XYZ").is_err());
        assert!(decode_offset_msg_id(&"G".repeat(32)).is_err());
    }

    #[test]
    fn golden_compressed_record_keeps_the_body_as_sent() {
        // A 4.9.x producer compresses with zlib and sets COMPRESSED | ZLIB (0x301); the broker
        // stores the compressed bytes untouched and the CRC is over those bytes.
        let zlib: &[u8] = &[
            0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x06, 0x2c, 0x02, 0x15,
        ];
        let mut msg = sample(zlib, "");
        msg.sys_flag = 0x301;
        let mut buf = vec![0u8; msg.encoded_len()];
        msg.encode(&mut buf, 0, 0, 1);
        assert_eq!(&buf[36..40], &0x301i32.to_be_bytes(), "sysFlag");
        assert_eq!(
            &buf[84..88],
            &(zlib.len() as i32).to_be_bytes(),
            "body length"
        );
        assert_eq!(&buf[88..88 + zlib.len()], zlib, "body stored as sent");
        assert_eq!(
            &buf[8..12],
            &crc32(zlib).to_be_bytes(),
            "CRC over the stored bytes"
        );
        let Record::Message(view) = decode_record(&buf).unwrap() else {
            panic!()
        };
        assert!(view.is_compressed() && view.crc_ok());
    }

    #[test]
    fn golden_batch_member_bytes() {
        // What MessageBatch.encode writes per message: totalSize, magic 0, CRC 0, flag,
        // bodyLen, body, propLen (i16), properties.
        let body = encode_batch([BatchItem {
            flag: 7,
            body: b"ab",
            properties: "K\u{1}v",
        }]);
        let expected: Vec<u8> = [
            &27i32.to_be_bytes()[..],
            &0i32.to_be_bytes(),
            &0i32.to_be_bytes(),
            &7i32.to_be_bytes(),
            &2i32.to_be_bytes(),
            b"ab",
            &3i16.to_be_bytes(),
            b"K\x01v",
        ]
        .concat();
        assert_eq!(body, expected);
    }

    #[test]
    fn batch_bodies_round_trip() {
        let items = vec![
            BatchItem {
                flag: 0,
                body: b"one",
                properties: "KEYS\x01a\x02UNIQ_KEY\x01X",
            },
            BatchItem {
                flag: 5,
                body: b"",
                properties: "",
            },
        ];
        let body = encode_batch(items.clone());
        let back: Vec<_> = decode_batch(&body).collect::<Result<_, _>>().unwrap();
        assert_eq!(back, items);
        assert!(decode_batch(&body[..body.len() - 1]).any(|r| r.is_err()));
    }
    #[test]
    fn plain_body_inflates_zlib_and_refuses_what_it_cannot() {
        use std::io::Write as _;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(5));
        z.write_all(b"hello hello hello").unwrap();
        let packed = z.finish().unwrap();
        let mut scratch = Vec::new();
        assert_eq!(plain_body(b"as sent", 0, &mut scratch).unwrap(), b"as sent");
        let flag = sys_flag::COMPRESSED | 0x300;
        assert_eq!(
            plain_body(&packed, flag, &mut scratch).unwrap(),
            b"hello hello hello"
        );
        assert_eq!(
            plain_body(&packed, sys_flag::COMPRESSED | 0x100, &mut scratch),
            Err(InflateError::Unsupported("LZ4"))
        );
        assert!(matches!(
            plain_body(b"not zlib", flag, &mut scratch),
            Err(InflateError::Corrupt(_))
        ));
    }
}
