//! `RemotingCommand` and its frame codec: the 4-byte length prefix, the serialize-type byte with
//! the 24-bit header length, the header in either serialization, and the body.
//!
//! ```text
//! | length i32 | type u8 | headerLen u24 | header | body |
//!   length = 4 + headerLen + bodyLen (it does not count itself)
//! ```
//!
//! The body is a [`Bytes`] slice of the received frame, so decoding never copies it.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use std::borrow::Cow;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::code::{LanguageCode, RequestCode, ResponseCode, SerializeType};
use super::error::ProtocolError;
use super::json_scan;
use super::text::Text;

/// Largest frame accepted or produced, length prefix included (Java's
/// `com.rocketmq.remoting.frameMaxLength` default).
pub const MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// `version` written into every command we create: `MQVersion.Version.V4_9_8.ordinal()`. Peers
/// gate features on it (e.g. standard-JSON route data from 401 on).
pub const CURRENT_VERSION: i32 = 409;

/// Language we announce. `JAVA` rather than `RUST`: clients older than 4.9.x have no `RUST`
/// constant and would fail to parse the JSON header's enum name.
pub const OUR_LANGUAGE: LanguageCode = LanguageCode::Java;

/// Flag bit 0: the command is a response.
pub const FLAG_RESPONSE: i32 = 1;
/// Flag bit 1: the request expects no response.
pub const FLAG_ONEWAY: i32 = 1 << 1;

/// The "custom header" of a command: string keys and values in the order they were received or
/// inserted. Insertion order is kept so a decoded frame re-encodes to the same bytes and so the
/// FastCodesHeader fields of a binary header come first, as Java writes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtFields(Vec<(Text, Text)>);

impl ExtFields {
    pub fn new() -> Self {
        Self(Vec::new())
    }

    pub fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    /// The value of `key`; with duplicate keys the last one wins, as in a Java `HashMap` fill.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.get_text(key).map(Text::as_str)
    }

    /// [`Self::get`] as the [`Text`] held: cloning it shares the frame's buffer.
    pub fn get_text(&self, key: &str) -> Option<&Text> {
        // Keys are short (one letter in SEND_MESSAGE_V2): compare the first byte before calling
        // into a full comparison.
        let first = key.as_bytes().first().copied();
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k.as_bytes().first().copied() == first && k.as_str() == key)
            .map(|(_, v)| v)
    }

    /// Sets `key`, replacing an existing value in place.
    pub fn insert(&mut self, key: impl Into<Text>, value: impl Into<Text>) {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// Appends without looking for an existing key (decoders; keeps duplicates as received).
    pub fn push(&mut self, key: impl Into<Text>, value: impl Into<Text>) {
        self.0.push((key.into(), value.into()));
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        let pos = self.0.iter().rposition(|(k, _)| k.as_str() == key)?;
        Some(self.0.remove(pos).1.into())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The entries as received, values as the [`Text`]s held (header decoders).
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Text)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<Text>, V: Into<Text>> FromIterator<(K, V)> for ExtFields {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut ext = ExtFields::new();
        for (k, v) in iter {
            ext.insert(k, v);
        }
        ext
    }
}

/// One remoting request or response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemotingCommand {
    /// Request code of a request, response code of a response.
    pub code: i32,
    pub language: LanguageCode,
    pub version: i32,
    pub opaque: i32,
    pub flag: i32,
    pub remark: Option<String>,
    /// `None` is Java's `extFields == null`; JSON writes it as an absent key.
    pub ext_fields: Option<ExtFields>,
    /// How this command's header is (or will be) serialized.
    pub serialize_type: SerializeType,
    /// Empty when the frame has no body (or when it is in `body_segments`).
    pub body: Bytes,
    /// A body made of several buffers, written one after the other without being copied into
    /// one (a pull response's records, straight from the mapped CommitLog). Only outgoing
    /// commands use it, and only with `body` empty; a decoded frame always has its body in
    /// `body`.
    pub body_segments: Vec<Bytes>,
}

impl RemotingCommand {
    /// A new request with our language and version; `opaque` is set by the transport.
    pub fn request(code: RequestCode, ext_fields: ExtFields) -> Self {
        RemotingCommand {
            code: code.0,
            language: OUR_LANGUAGE,
            version: CURRENT_VERSION,
            opaque: 0,
            flag: 0,
            remark: None,
            ext_fields: Some(ext_fields),
            serialize_type: SerializeType::Json,
            body: Bytes::new(),
            body_segments: Vec::new(),
        }
    }

    /// A response to `request`: same opaque and serialize type, the response flag set.
    /// `ext_fields` starts as an empty map, as Java's response header objects do.
    pub fn response_to(request: &RemotingCommand, code: ResponseCode) -> Self {
        RemotingCommand {
            code: code.0,
            language: OUR_LANGUAGE,
            version: CURRENT_VERSION,
            opaque: request.opaque,
            flag: FLAG_RESPONSE,
            remark: None,
            ext_fields: Some(ExtFields::new()),
            serialize_type: request.serialize_type,
            body: Bytes::new(),
            body_segments: Vec::new(),
        }
    }

    pub fn with_remark(mut self, remark: impl Into<String>) -> Self {
        self.remark = Some(remark.into());
        self
    }

    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.body_segments.clear();
        self
    }

    /// The body as `segments` in order, each written as it is (see `body_segments`).
    pub fn with_body_segments(mut self, segments: Vec<Bytes>) -> Self {
        self.body = Bytes::new();
        self.body_segments = segments;
        self
    }

    /// Length of the body, wherever it is held.
    pub fn body_len(&self) -> usize {
        self.body.len() + self.body_segments.iter().map(Bytes::len).sum::<usize>()
    }

    pub fn with_ext_fields(mut self, ext_fields: ExtFields) -> Self {
        self.ext_fields = Some(ext_fields);
        self
    }

    pub fn request_code(&self) -> RequestCode {
        RequestCode(self.code)
    }

    pub fn response_code(&self) -> ResponseCode {
        ResponseCode(self.code)
    }

    pub fn is_response(&self) -> bool {
        self.flag & FLAG_RESPONSE != 0
    }

    pub fn is_oneway(&self) -> bool {
        self.flag & FLAG_ONEWAY != 0
    }

    pub fn set_oneway(&mut self) {
        self.flag |= FLAG_ONEWAY;
    }

    /// The ext field `key`, if present.
    pub fn ext(&self, key: &str) -> Option<&str> {
        self.ext_fields.as_ref()?.get(key)
    }

    /// The ext fields, creating the map if the command had none.
    pub fn ext_mut(&mut self) -> &mut ExtFields {
        self.ext_fields.get_or_insert_with(ExtFields::new)
    }

    /// Decodes one frame whose 4-byte length prefix has already been removed.
    pub fn decode(mut frame: Bytes) -> Result<Self, ProtocolError> {
        let frame_len = frame.len();
        if frame_len < 4 {
            return Err(ProtocolError::FrameTooShort(frame_len as i64));
        }
        let word = frame.get_u32();
        let type_byte = (word >> 24) as u8;
        let header_len = (word & 0x00FF_FFFF) as usize;
        if header_len > frame.len() {
            return Err(ProtocolError::HeaderTooLong {
                header_len,
                frame_len,
            });
        }
        let serialize_type = SerializeType::from_code(type_byte)
            .ok_or(ProtocolError::UnknownSerializeType(type_byte))?;
        let header = frame.split_to(header_len);
        let mut cmd = match serialize_type {
            SerializeType::Json => decode_json_header(&header)?,
            SerializeType::RocketMq => decode_binary_header(&header)?,
        };
        cmd.serialize_type = serialize_type;
        cmd.body = frame;
        Ok(cmd)
    }

    /// Appends the whole frame (length prefix, header, body) to `out`.
    pub fn encode(&self, out: &mut BytesMut) {
        self.encode_header(self.body_len(), out);
        out.extend_from_slice(&self.body);
        for segment in &self.body_segments {
            out.extend_from_slice(segment);
        }
    }

    /// Appends the length prefix and header for a body of `body_len` bytes that the caller writes
    /// itself (e.g. straight from a mapped file).
    pub fn encode_header(&self, body_len: usize, out: &mut BytesMut) {
        let start = out.len();
        out.put_u32(0); // total length, patched below
        out.put_u32(0); // serialize type + header length, patched below
        let header_start = out.len();
        match self.serialize_type {
            SerializeType::Json => encode_json_header(self, out),
            SerializeType::RocketMq => encode_binary_header(self, out),
        }
        let header_len = out.len() - header_start;
        let length = 4 + header_len + body_len;
        out[start..start + 4].copy_from_slice(&(length as u32).to_be_bytes());
        let word =
            (u32::from(self.serialize_type.code()) << 24) | (header_len as u32 & 0x00FF_FFFF);
        out[start + 4..start + 8].copy_from_slice(&word.to_be_bytes());
    }

    /// The encoded frame as one buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(64 + self.body_len());
        self.encode(&mut out);
        out.freeze()
    }
}

/// Splits one complete frame off the front of `buf` and decodes it. `Ok(None)` means more bytes
/// are needed. A length beyond [`MAX_FRAME_LEN`] is an error before anything is buffered for it.
pub fn decode_frame(buf: &mut BytesMut) -> Result<Option<RemotingCommand>, ProtocolError> {
    match frame_len(buf)? {
        Some(total) if buf.len() >= total => {
            let mut frame = buf.split_to(total).freeze();
            frame.advance(4);
            RemotingCommand::decode(frame).map(Some)
        }
        _ => Ok(None),
    }
}

/// The total size (prefix included) of the frame at the front of `buf`, once its prefix is there.
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, ProtocolError> {
    let Some(prefix) = buf.get(..4) else {
        return Ok(None);
    };
    let length = i32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
    if length < 4 {
        return Err(ProtocolError::FrameTooShort(i64::from(length)));
    }
    let total = length as usize + 4;
    if total > MAX_FRAME_LEN {
        return Err(ProtocolError::FrameTooLarge {
            len: total,
            max: MAX_FRAME_LEN,
        });
    }
    Ok(Some(total))
}

// ---------------------------------------------------------------------------------------------
// JSON header (serialize type 0)

#[derive(Deserialize)]
struct JsonHeader<'a> {
    #[serde(default)]
    code: i32,
    #[serde(default, borrow)]
    language: Option<JsonText<'a>>,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    opaque: i32,
    #[serde(default)]
    flag: i32,
    #[serde(default)]
    remark: Option<String>,
    #[serde(default, borrow, rename = "extFields")]
    ext_fields: Option<RawExtFields<'a>>,
}

/// A JSON value read as text, borrowed from the header when it has no escapes: strings as they
/// are, numbers and booleans in their JSON spelling (Java peers only send strings, but other
/// clients put numbers into `extFields`), `null` as `None`.
struct JsonText<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for JsonText<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Option<Cow<'a, str>>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Some(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v)))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Some(Cow::Borrowed(if v { "true" } else { "false" })))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(serde_json::Value::from(v).to_string())))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let value = serde_json::Value::deserialize(MapAccessDeserializer::new(map))?;
                Ok(Some(Cow::Owned(value.to_string())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                let value = serde_json::Value::deserialize(SeqAccessDeserializer::new(seq))?;
                Ok(Some(Cow::Owned(value.to_string())))
            }
        }
        d.deserialize_any(TextVisitor(std::marker::PhantomData))
            .map(JsonText)
    }
}

/// `extFields` as parsed, borrowing from the header; nulls (Java's absent fields) dropped.
struct RawExtFields<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'de: 'a, 'a> Deserialize<'de> for RawExtFields<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ExtVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ExtVisitor<'a> {
            type Value = RawExtFields<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of string values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(16).min(64));
                while let Some((key, value)) = map.next_entry::<JsonText<'a>, JsonText<'a>>()? {
                    if let (Some(key), Some(value)) = (key.0, value.0) {
                        fields.push((key, value));
                    }
                }
                Ok(RawExtFields(fields))
            }
        }
        d.deserialize_map(ExtVisitor(std::marker::PhantomData))
    }
}

/// Text borrowed from `header` becomes a slice of it; text that had escapes is owned.
fn header_text(header: &Bytes, text: Cow<'_, str>) -> Text {
    match text {
        Cow::Borrowed(s) => Text::slice_of(header, s),
        Cow::Owned(s) => Text::from(s),
    }
}

fn decode_json_header(header: &Bytes) -> Result<RemotingCommand, ProtocolError> {
    match json_scan::scan(header) {
        Some(h) => Ok(RemotingCommand {
            code: h.code,
            language: h
                .language
                .map_or(LanguageCode::Java, |name| language_named(&name)),
            version: h.version,
            opaque: h.opaque,
            flag: h.flag,
            remark: h.remark,
            ext_fields: h.ext_fields,
            serialize_type: SerializeType::Json,
            body: Bytes::new(),
            body_segments: Vec::new(),
        }),
        None => decode_json_header_general(header),
    }
}

/// `language` as Java writes it (the enum name) or as a code number.
fn language_named(name: &str) -> LanguageCode {
    match name.parse::<u8>() {
        Ok(code) => LanguageCode::from_code(code),
        Err(_) => LanguageCode::from_name(name),
    }
}

/// The serde reader: any JSON, with serde's error messages. [`json_scan`] handles the common
/// shape faster and falls back to this.
fn decode_json_header_general(header: &Bytes) -> Result<RemotingCommand, ProtocolError> {
    let h: JsonHeader =
        serde_json::from_slice(header).map_err(|e| ProtocolError::JsonHeader(e.to_string()))?;
    let language = h
        .language
        .and_then(|l| l.0)
        .map_or(LanguageCode::Java, |name| language_named(&name));
    let ext_fields = h.ext_fields.map(|raw| {
        let mut ext = ExtFields::with_capacity(raw.0.len());
        for (k, v) in raw.0 {
            ext.push(header_text(header, k), header_text(header, v));
        }
        ext
    });
    Ok(RemotingCommand {
        code: h.code,
        language,
        version: h.version,
        opaque: h.opaque,
        flag: h.flag,
        remark: h.remark,
        ext_fields,
        serialize_type: SerializeType::Json,
        body: Bytes::new(),
        body_segments: Vec::new(),
    })
}

/// Writes the header as fastjson does: bean keys sorted, nulls omitted, no spaces.
fn encode_json_header(cmd: &RemotingCommand, out: &mut BytesMut) {
    out.extend_from_slice(b"{\"code\":");
    write_int(out, i64::from(cmd.code));
    if let Some(ext) = &cmd.ext_fields {
        out.extend_from_slice(b",\"extFields\":{");
        for (i, (k, v)) in ext.iter().enumerate() {
            if i > 0 {
                out.put_u8(b',');
            }
            write_json_string(out, k);
            out.put_u8(b':');
            write_json_string(out, v);
        }
        out.put_u8(b'}');
    }
    out.extend_from_slice(b",\"flag\":");
    write_int(out, i64::from(cmd.flag));
    out.extend_from_slice(b",\"language\":\"");
    out.extend_from_slice(cmd.language.name().as_bytes());
    out.extend_from_slice(b"\",\"opaque\":");
    write_int(out, i64::from(cmd.opaque));
    if let Some(remark) = &cmd.remark {
        out.extend_from_slice(b",\"remark\":");
        write_json_string(out, remark);
    }
    out.extend_from_slice(b",\"serializeTypeCurrentRPC\":\"");
    out.extend_from_slice(cmd.serialize_type.name().as_bytes());
    out.extend_from_slice(b"\",\"version\":");
    write_int(out, i64::from(cmd.version));
    out.put_u8(b'}');
}

fn write_int(out: &mut BytesMut, v: i64) {
    out.extend_from_slice(Text::from_int(v).as_bytes());
}

/// A JSON string literal with fastjson's escaping: `"` and `\` escaped, `\b \t \n \f \r` short,
/// other control characters and DEL as `\u00xx`, everything else (non-ASCII too) raw UTF-8.
pub(crate) fn write_json_string(out: &mut BytesMut, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.put_u8(b'"');
    let bytes = s.as_bytes();
    // Most strings need no escape: find the first byte that does before going byte by byte.
    let Some(first) = bytes
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f)
    else {
        out.extend_from_slice(bytes);
        out.put_u8(b'"');
        return;
    };
    out.extend_from_slice(&bytes[..first]);
    let mut plain_from = first;
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            b'\t' => b't',
            b'\n' => b'n',
            0x0c => b'f',
            b'\r' => b'r',
            0..=0x1f | 0x7f => 0,
            _ => continue,
        };
        out.extend_from_slice(&bytes[plain_from..i]);
        plain_from = i + 1;
        if short != 0 {
            out.extend_from_slice(&[b'\\', short]);
        } else {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 15) as usize],
            ]);
        }
    }
    out.extend_from_slice(&bytes[plain_from..]);
    out.put_u8(b'"');
}

// ---------------------------------------------------------------------------------------------
// ROCKETMQ binary header (serialize type 1)

fn binary_err(what: &str) -> ProtocolError {
    ProtocolError::BinaryHeader(what.to_string())
}

/// Reads `len` bytes of `header` (the rest of which is `buf`) as UTF-8 text, sharing
/// `header`'s buffer; invalid sequences are replaced, as Java's decoder does.
fn take_text(
    header: &Bytes,
    buf: &mut &[u8],
    len: usize,
    what: &str,
) -> Result<Text, ProtocolError> {
    if buf.len() < len {
        return Err(binary_err(&format!(
            "{what} of {len} bytes runs past the header end"
        )));
    }
    let (head, rest) = buf.split_at(len);
    *buf = rest;
    Ok(match std::str::from_utf8(head) {
        Ok(s) => Text::slice_of(header, s),
        Err(_) => Text::from(String::from_utf8_lossy(head).into_owned()),
    })
}

fn decode_binary_header(header: &Bytes) -> Result<RemotingCommand, ProtocolError> {
    let mut buf: &[u8] = header;
    if buf.len() < 17 {
        return Err(binary_err("shorter than its 17-byte fixed part"));
    }
    let code = i32::from(buf.get_i16());
    let language = LanguageCode::from_code(buf.get_u8());
    let version = i32::from(buf.get_i16());
    let opaque = buf.get_i32();
    let flag = buf.get_i32();
    let remark_len = buf.get_i32();
    if remark_len < 0 {
        return Err(binary_err("negative remark length"));
    }
    let remark = match remark_len {
        0 => None,
        n => Some(take_text(header, &mut buf, n as usize, "remark")?.into()),
    };
    if buf.len() < 4 {
        return Err(binary_err("missing the ext-fields length"));
    }
    let ext_len = buf.get_i32();
    if ext_len < 0 || ext_len as usize > buf.len() {
        return Err(binary_err(&format!(
            "ext-fields length {ext_len} does not fit the header"
        )));
    }
    let ext_fields = if ext_len == 0 {
        None
    } else {
        let mut map = &buf[..ext_len as usize];
        let mut ext = ExtFields::new();
        while !map.is_empty() {
            if map.len() < 2 {
                return Err(binary_err("truncated ext-field key length"));
            }
            let key_len = map.get_i16();
            if key_len < 0 {
                return Err(binary_err("negative ext-field key length"));
            }
            let key = take_text(header, &mut map, key_len as usize, "ext-field key")?;
            if map.len() < 4 {
                return Err(binary_err("truncated ext-field value length"));
            }
            let val_len = map.get_i32();
            if val_len < 0 {
                return Err(binary_err("negative ext-field value length"));
            }
            let value = take_text(header, &mut map, val_len as usize, "ext-field value")?;
            // Java decodes a zero-length string as null: the field is absent.
            if !key.is_empty() && !value.is_empty() {
                ext.push(key, value);
            }
        }
        Some(ext)
    };
    Ok(RemotingCommand {
        code,
        language,
        version,
        opaque,
        flag,
        remark,
        ext_fields,
        serialize_type: SerializeType::RocketMq,
        body: Bytes::new(),
        body_segments: Vec::new(),
    })
}

fn encode_binary_header(cmd: &RemotingCommand, out: &mut BytesMut) {
    // Java writes `(short) code`; codes above i16 only exist in 5.x POP requests.
    out.put_i16(cmd.code as i16);
    out.put_u8(cmd.language.code());
    out.put_i16(cmd.version as i16);
    out.put_i32(cmd.opaque);
    out.put_i32(cmd.flag);
    match &cmd.remark {
        Some(r) if !r.is_empty() => {
            out.put_i32(r.len() as i32);
            out.extend_from_slice(r.as_bytes());
        }
        _ => out.put_i32(0),
    }
    let len_at = out.len();
    out.put_i32(0);
    if let Some(ext) = &cmd.ext_fields {
        for (k, v) in ext.iter() {
            out.put_i16(k.len() as i16);
            out.extend_from_slice(k.as_bytes());
            out.put_i32(v.len() as i32);
            out.extend_from_slice(v.as_bytes());
        }
    }
    let ext_len = (out.len() - len_at - 4) as i32;
    out[len_at..len_at + 4].copy_from_slice(&ext_len.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(serialize_type: SerializeType) -> RemotingCommand {
        let mut ext = ExtFields::new();
        ext.insert("topic", "TopicA");
        ext.insert("queueId", "3");
        ext.insert("i", "TAGS\u{1}TagA\u{2}KEYS\u{1}k \"q\"\\");
        RemotingCommand {
            serialize_type,
            opaque: 42,
            remark: Some("héllo\n".into()),
            ..RemotingCommand::request(RequestCode::SEND_MESSAGE_V2, ext)
        }
        .with_body(&b"body-bytes"[..])
    }

    #[test]
    fn a_segmented_body_encodes_like_one_body() {
        for st in [SerializeType::Json, SerializeType::RocketMq] {
            let whole = sample(st);
            let parts = sample(st).with_body_segments(vec![
                Bytes::from_static(b"body-"),
                Bytes::from_static(b"bytes"),
            ]);
            assert_eq!(parts.body_len(), whole.body_len());
            assert_eq!(parts.to_bytes(), whole.to_bytes());
        }
    }

    #[test]
    fn round_trips_in_both_serializations() {
        for st in [SerializeType::Json, SerializeType::RocketMq] {
            let cmd = sample(st);
            let mut buf = BytesMut::new();
            cmd.encode(&mut buf);
            buf.extend_from_slice(b"\x00\x00"); // start of a next frame stays in the buffer
            let back = decode_frame(&mut buf).unwrap().unwrap();
            assert_eq!(back, cmd);
            assert_eq!(&buf[..], b"\x00\x00");
        }
    }

    #[test]
    fn json_header_is_fastjson_shaped() {
        let mut cmd = sample(SerializeType::Json);
        cmd.remark = None;
        let frame = cmd.to_bytes();
        let header_len = u32::from_be_bytes(frame[4..8].try_into().unwrap()) as usize & 0xFFFFFF;
        let header = std::str::from_utf8(&frame[8..8 + header_len]).unwrap();
        assert_eq!(
            header,
            r#"{"code":310,"extFields":{"topic":"TopicA","queueId":"3","i":"TAGS\u0001TagA\u0002KEYS\u0001k \"q\"\\"},"flag":0,"language":"JAVA","opaque":42,"serializeTypeCurrentRPC":"JSON","version":409}"#
        );
    }

    #[test]
    fn incomplete_frames_wait_and_bad_lengths_fail() {
        let frame = sample(SerializeType::RocketMq).to_bytes();
        for cut in 0..frame.len() {
            let mut buf = BytesMut::from(&frame[..cut]);
            assert_eq!(decode_frame(&mut buf).unwrap(), None, "cut at {cut}");
        }
        let mut huge = BytesMut::from(&[0x7f, 0xff, 0xff, 0xff][..]);
        assert!(matches!(
            decode_frame(&mut huge),
            Err(ProtocolError::FrameTooLarge { .. })
        ));
        let mut negative = BytesMut::from(&[0xff, 0xff, 0xff, 0xff][..]);
        assert!(matches!(
            decode_frame(&mut negative),
            Err(ProtocolError::FrameTooShort(_))
        ));
        // header length larger than the frame
        let mut bad = BytesMut::from(&[0, 0, 0, 6, 0, 0, 0, 9, b'{', b'}'][..]);
        assert!(matches!(
            decode_frame(&mut bad),
            Err(ProtocolError::HeaderTooLong { .. })
        ));
    }

    #[test]
    fn json_ext_fields_accept_numbers_and_skip_nulls() {
        let header =
            br#"{"code":11,"extFields":{"queueId":3,"commit":true,"x":null},"language":"GO"}"#;
        let cmd = decode_json_header(&Bytes::from_static(header)).unwrap();
        assert_eq!(cmd.ext("queueId"), Some("3"));
        assert_eq!(cmd.ext("commit"), Some("true"));
        assert_eq!(cmd.ext("x"), None);
        assert_eq!(cmd.language, LanguageCode::Go);
    }

    #[test]
    fn fast_json_reader_agrees_with_the_general_one() {
        let samples = [
            r#"{"code":310,"extFields":{"a":"pg","b":"TopicA","i":"TAGS\u0001A\u0002","q":3,"t":true,"n":null},"flag":0,"language":"JAVA","opaque":7,"remark":"x\ny","serializeTypeCurrentRPC":"JSON","version":409}"#,
            r#"{"code":0,"language":"12","opaque":-5,"flag":1,"extFields":{"k\u00e9":"v\ud83d\ude00","e":""}}"#,
        ];
        let mut checked = 0;
        for sample in samples {
            // The sample itself and every one-byte deletion and substitution of it.
            let mut variants = vec![sample.as_bytes().to_vec()];
            for i in 0..sample.len() {
                let mut cut = sample.as_bytes().to_vec();
                cut.remove(i);
                variants.push(cut);
                for b in [b'"', b'\\', b'{', b'}', b'0', b'-', b' ', 0x01, b'n', 0xff] {
                    let mut changed = sample.as_bytes().to_vec();
                    changed[i] = b;
                    variants.push(changed);
                }
            }
            for v in variants {
                let header = Bytes::from(v);
                if let Some(fast) = json_scan::scan(&header) {
                    let general = decode_json_header_general(&header)
                        .unwrap_or_else(|e| panic!("{header:?}: fast read it, serde says {e}"));
                    let fast_cmd = decode_json_header(&header).unwrap();
                    assert_eq!(fast_cmd, general, "{header:?}");
                    assert_eq!(fast.code, general.code);
                    checked += 1;
                }
            }
        }
        assert!(checked > 100, "only {checked} variants took the fast path");
    }

    #[test]
    fn binary_duplicates_last_wins_and_empty_map_is_none() {
        let mut cmd = RemotingCommand::request(RequestCode::PULL_MESSAGE, ExtFields::new());
        cmd.serialize_type = SerializeType::RocketMq;
        let mut back = RemotingCommand::decode(cmd.to_bytes().slice(4..)).unwrap();
        assert_eq!(back.ext_fields, None);
        back.ext_mut().push("k", "1");
        back.ext_mut().push("k", "2");
        let again = RemotingCommand::decode(back.to_bytes().slice(4..)).unwrap();
        assert_eq!(again.ext("k"), Some("2"));
    }
}
