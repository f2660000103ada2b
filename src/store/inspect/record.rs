//! Message records for output: bodies (zlib inflated, written as text, hex or base64), the
//! offset message id, a `MessageExt`-shaped JSON view, and key matching.

use std::fmt::{self, Write as _};
use std::net::{IpAddr, SocketAddr};

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::common::message::{self, property, sys_flag, InflateError, RecordView};

/// Largest body inflated for display; a bigger (or bomb-like) body is shown as stored.
pub use crate::common::message::MAX_INFLATED_BODY;

/// How a body is written out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BodyEncoding {
    /// Not at all.
    None,
    /// As text, invalid UTF-8 replaced by U+FFFD.
    #[default]
    Utf8,
    /// Lowercase hex.
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// What was done to a stored body before showing it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyState {
    /// Not compressed: shown as stored.
    Plain,
    /// zlib-compressed and shown inflated.
    Inflated,
    /// Compressed with a codec not available here: shown as stored.
    LeftCompressed(&'static str),
    /// zlib-compressed but inflating failed: shown as stored.
    InflateFailed(String),
}

impl BodyState {
    /// A note for output, `None` for an uncompressed body.
    pub fn note(&self) -> Option<String> {
        match self {
            BodyState::Plain => None,
            BodyState::Inflated => Some("zlib (shown decompressed)".into()),
            BodyState::LeftCompressed(kind) => Some(format!("{kind} (shown as stored)")),
            BodyState::InflateFailed(why) => {
                Some(format!("zlib, cannot decompress: {why} (shown as stored)"))
            }
        }
    }
}

/// The body to show for a record: inflated into `scratch` when it is zlib-compressed
/// (`sysFlag & 1`, compression type 0 or 0x300), as stored otherwise. `scratch` is reused
/// across records so a scan does not allocate per message.
pub fn decode_body<'s>(
    body: &'s [u8],
    flag: i32,
    scratch: &'s mut Vec<u8>,
) -> (&'s [u8], BodyState) {
    if flag & sys_flag::COMPRESSED == 0 {
        return (body, BodyState::Plain);
    }
    match message::plain_body(body, flag, scratch) {
        Ok(plain) => (plain, BodyState::Inflated),
        Err(InflateError::Unsupported(kind)) => (body, BodyState::LeftCompressed(kind)),
        Err(e) => (body, BodyState::InflateFailed(e.to_string())),
    }
}

/// The body of `record` to show in `encoding`: as [`decode_body`] gives it, or as stored (and
/// not inflated) when the encoding shows none.
pub fn body_to_show<'s>(
    record: &RecordView<'s>,
    encoding: BodyEncoding,
    scratch: &'s mut Vec<u8>,
) -> (&'s [u8], BodyState) {
    if encoding == BodyEncoding::None {
        return (record.body, BodyState::Plain);
    }
    decode_body(record.body, record.sys_flag, scratch)
}

/// Bytes shown in a [`BodyEncoding`] (a `Display` that writes straight to the output).
#[derive(Clone, Copy)]
pub struct BodyText<'a> {
    pub bytes: &'a [u8],
    pub encoding: BodyEncoding,
}

impl fmt::Display for BodyText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.encoding {
            BodyEncoding::None => Ok(()),
            BodyEncoding::Utf8 => {
                // Valid UTF-8 (nearly every body) is checked word-at-a-time by `from_utf8`;
                // `utf8_chunks` walks byte by byte and is only needed to replace bad bytes.
                if let Ok(text) = std::str::from_utf8(self.bytes) {
                    return f.write_str(text);
                }
                for chunk in self.bytes.utf8_chunks() {
                    f.write_str(chunk.valid())?;
                    if !chunk.invalid().is_empty() {
                        f.write_char(char::REPLACEMENT_CHARACTER)?;
                    }
                }
                Ok(())
            }
            BodyEncoding::Hex => HexText(self.bytes).fmt_with(f, b"0123456789abcdef"),
            BodyEncoding::Base64 => fmt_base64(self.bytes, f),
        }
    }
}

/// Hex of bytes (lowercase).
pub(super) struct HexText<'a>(pub(super) &'a [u8]);

impl HexText<'_> {
    fn fmt_with(&self, f: &mut fmt::Formatter<'_>, digits: &[u8; 16]) -> fmt::Result {
        // Encode through a stack buffer: one write per 128 input bytes, no allocation.
        let mut buf = [0u8; 256];
        for chunk in self.0.chunks(128) {
            for (i, b) in chunk.iter().enumerate() {
                buf[2 * i] = digits[usize::from(b >> 4)];
                buf[2 * i + 1] = digits[usize::from(b & 0xF)];
            }
            f.write_str(std::str::from_utf8(&buf[..2 * chunk.len()]).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

impl fmt::Display for HexText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_with(f, b"0123456789abcdef")
    }
}

fn fmt_base64(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut buf = [0u8; 256];
    // 192 input bytes make exactly 256 output characters.
    for chunk in bytes.chunks(192) {
        let mut n = 0;
        for group in chunk.chunks(3) {
            let b = [
                group[0],
                group.get(1).copied().unwrap_or(0),
                group.get(2).copied().unwrap_or(0),
            ];
            let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
            buf[n] = ALPHABET[(v >> 18) as usize & 63];
            buf[n + 1] = ALPHABET[(v >> 12) as usize & 63];
            buf[n + 2] = if group.len() > 1 {
                ALPHABET[(v >> 6) as usize & 63]
            } else {
                b'='
            };
            buf[n + 3] = if group.len() > 2 {
                ALPHABET[v as usize & 63]
            } else {
                b'='
            };
            n += 4;
        }
        f.write_str(std::str::from_utf8(&buf[..n]).map_err(|_| fmt::Error)?)?;
    }
    Ok(())
}

/// The offset message id (`MessageDecoder.createMessageId`) as a `Display`, so JSON output
/// writes it without building a `String`; equal to [`message::offset_msg_id`].
#[derive(Clone, Copy, Debug)]
pub struct OffsetMsgId {
    pub store_host: SocketAddr,
    pub offset: i64,
}

impl fmt::Display for OffsetMsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = [0u8; 28];
        let ip_len = match self.store_host.ip() {
            IpAddr::V4(v4) => {
                raw[..4].copy_from_slice(&v4.octets());
                4
            }
            IpAddr::V6(v6) => {
                raw[..16].copy_from_slice(&v6.octets());
                16
            }
        };
        raw[ip_len..ip_len + 4].copy_from_slice(&i32::from(self.store_host.port()).to_be_bytes());
        raw[ip_len + 4..ip_len + 12].copy_from_slice(&self.offset.to_be_bytes());
        HexText(&raw[..ip_len + 12]).fmt_with(f, b"0123456789ABCDEF")
    }
}

/// A record as Java's `MessageExt` names its fields (what mqadmin users know), plus `crcOk`.
/// Serialises straight from the mapped bytes.
pub struct MessageExtJson<'r, 'a> {
    pub record: &'r RecordView<'a>,
    /// The body to show (see [`decode_body`]).
    pub body: &'r [u8],
    pub body_state: &'r BodyState,
    pub encoding: BodyEncoding,
}

struct Collect<T>(T);

impl<T: fmt::Display> Serialize for Collect<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A properties string as a JSON object.
pub struct PropertiesJson<'a>(pub &'a str);

impl Serialize for PropertiesJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (k, v) in message::properties(self.0) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Serialize for MessageExtJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.record;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry(
            "msgId",
            &Collect(OffsetMsgId {
                store_host: r.store_host,
                offset: r.physical_offset,
            }),
        )?;
        map.serialize_entry("topic", &*r.topic())?;
        map.serialize_entry("queueId", &r.queue_id)?;
        map.serialize_entry("queueOffset", &r.queue_offset)?;
        map.serialize_entry("commitLogOffset", &r.physical_offset)?;
        map.serialize_entry("storeSize", &r.total_size)?;
        map.serialize_entry("bodyCRC", &r.body_crc)?;
        map.serialize_entry("sysFlag", &r.sys_flag)?;
        map.serialize_entry("flag", &r.flag)?;
        map.serialize_entry("bornTimestamp", &r.born_timestamp)?;
        map.serialize_entry("bornHost", &Collect(r.born_host))?;
        map.serialize_entry("storeTimestamp", &r.store_timestamp)?;
        map.serialize_entry("storeHost", &Collect(r.store_host))?;
        map.serialize_entry("reconsumeTimes", &r.reconsume_times)?;
        map.serialize_entry("preparedTransactionOffset", &r.prepared_transaction_offset)?;
        let props = r.properties();
        map.serialize_entry("properties", &PropertiesJson(&props))?;
        if let Some(state) = message::transaction_state(&r.topic(), r.sys_flag, &props) {
            map.serialize_entry("transactionState", &state)?;
        }
        if self.encoding != BodyEncoding::None {
            map.serialize_entry(
                "body",
                &Collect(BodyText {
                    bytes: self.body,
                    encoding: self.encoding,
                }),
            )?;
        }
        if let Some(note) = self.body_state.note() {
            map.serialize_entry("bodyCompression", &note)?;
        }
        map.serialize_entry("crcOk", &r.crc_ok())?;
        map.end()
    }
}

/// Whether `key` is one of the record's `KEYS` tokens or its `UNIQ_KEY` (index lookups match
/// by hash only, so hits must be confirmed).
pub fn record_has_key(record: &RecordView<'_>, key: &str) -> bool {
    let props = record.properties();
    let found = message::properties(&props).any(|(k, v)| match k {
        property::KEYS => v.split(' ').any(|t| t == key),
        property::UNIQ_KEY => v == key,
        _ => false,
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::message::{decode_record, format_properties, Record};
    use crate::store::inspect::testutil::msg;

    #[test]
    fn offset_msg_id_display_matches_the_string_form() {
        for host in ["127.0.0.1:10911", "[fd00::1]:9"] {
            let host: SocketAddr = host.parse().unwrap();
            let id = OffsetMsgId {
                store_host: host,
                offset: 0x1234_5678_9ABC,
            };
            assert_eq!(
                id.to_string(),
                message::offset_msg_id(host, 0x1234_5678_9ABC)
            );
        }
    }

    #[test]
    fn body_encodings() {
        let text = |bytes: &[u8], encoding| BodyText { bytes, encoding }.to_string();
        assert_eq!(text(b"hi\xFFthere", BodyEncoding::Utf8), "hi\u{FFFD}there");
        assert_eq!(text(b"\x00\xAB", BodyEncoding::Hex), "00ab");
        assert_eq!(text(b"", BodyEncoding::Base64), "");
        assert_eq!(text(b"f", BodyEncoding::Base64), "Zg==");
        assert_eq!(text(b"fo", BodyEncoding::Base64), "Zm8=");
        assert_eq!(text(b"foobar", BodyEncoding::Base64), "Zm9vYmFy");
        let long = vec![0xFFu8; 400];
        assert_eq!(text(&long, BodyEncoding::Base64), "/".repeat(532) + "/w==");
        assert_eq!(text(b"x", BodyEncoding::None), "");
    }

    #[test]
    fn zlib_bodies_are_inflated_and_others_left_alone() {
        use std::io::Write;
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(5));
        enc.write_all(b"hello hello hello").unwrap();
        let packed = enc.finish().unwrap();
        let mut scratch = Vec::new();
        for flag in [0x1, 0x301] {
            let (body, state) = decode_body(&packed, flag, &mut scratch);
            assert_eq!(
                (body, &state),
                (&b"hello hello hello"[..], &BodyState::Inflated)
            );
        }
        let (body, state) = decode_body(&packed, 0x101, &mut scratch);
        assert_eq!(body, &packed[..]);
        assert_eq!(state, BodyState::LeftCompressed("LZ4"));
        let (body, state) = decode_body(b"not zlib", 0x301, &mut scratch);
        assert_eq!(body, b"not zlib");
        assert!(matches!(state, BodyState::InflateFailed(_)));
        let (body, state) = decode_body(b"plain", 0, &mut scratch);
        assert_eq!((body, state), (&b"plain"[..], BodyState::Plain));
    }

    #[test]
    fn message_ext_json_uses_java_field_names() {
        let props = format_properties([("TAGS", "TagA"), ("KEYS", "k1 k2")]);
        let m = msg("TopicTest", 3, b"hello", &props);
        let mut buf = vec![0u8; m.encoded_len()];
        m.encode(&mut buf, 7, 4096, 1_700_000_000_456);
        let Record::Message(view) = decode_record(&buf).unwrap() else {
            panic!()
        };
        let json = serde_json::to_value(MessageExtJson {
            record: &view,
            body: view.body,
            body_state: &BodyState::Plain,
            encoding: BodyEncoding::Utf8,
        })
        .unwrap();
        assert_eq!(json["msgId"], "7F00000100002A9F0000000000001000");
        assert_eq!(json["topic"], "TopicTest");
        assert_eq!(json["queueOffset"], 7);
        assert_eq!(json["commitLogOffset"], 4096);
        assert_eq!(json["storeSize"], buf.len());
        assert_eq!(json["bornHost"], "10.0.0.1:4000");
        assert_eq!(json["properties"]["KEYS"], "k1 k2");
        assert_eq!(json["body"], "hello");
        assert_eq!(json["crcOk"], true);
        assert!(json.get("bodyCompression").is_none());
        assert!(record_has_key(&view, "k2"));
        assert!(!record_has_key(&view, "k3"));
    }
}
