//! JSON as fastjson (the Java library RocketMQ 4.x uses) writes and accepts it.
//!
//! # Reading
//!
//! [`parse`] and [`from_slice`] accept everything a Java peer may send, which is more than
//! standard JSON:
//!
//! - map keys that are not strings, written *bare* by fastjson: numbers (`{0:"127.0.0.1:10911"}`),
//!   objects (`{{"brokerName":"b","queueId":0,"topic":"T"}:{...}}`) and arrays;
//! - unquoted identifier keys (`{brokerName:"b"}`), single-quoted strings, any number of extra
//!   commas (fastjson's `AllowArbitraryCommas`, so trailing commas too), and `\b`/`\f` as
//!   whitespace;
//! - fastjson's extra string escapes (`\v`, `\xHH`, `\0`–`\7`) and invalid UTF-8 (replaced with
//!   U+FFFD, as Java's decoder does).
//!
//! The result is a [`serde_json::Value`]. A non-string key becomes a string key holding the
//! key's compact JSON text, with the key object's members in the order they appeared: `0` →
//! `"0"`, `{"brokerName":"b","queueId":0,"topic":"T"}` → that same text. serde then reads
//! integer keys back with any integer-keyed map (`BTreeMap<i64, _>`), and object keys with a
//! map field marked `#[serde(with = "bare_keys")]` (see [`bare_keys`]), which parses each key's
//! text again.
//!
//! Input is bounded: nesting deeper than [`MAX_DEPTH`] is an error, every allocation is
//! proportional to the input, integers beyond the `i64`/`u64` range become `f64`, and numbers
//! beyond `f64` are an error. No input makes the reader panic.
//!
//! # Writing
//!
//! [`to_vec`] turns any `Serialize` value into the bytes a Java peer expects, in one of two
//! [`JsonStyle`]s:
//!
//! - [`JsonStyle::Fastjson`], what `RemotingSerializable.encode` produces: struct fields sorted
//!   by name (fastjson's `SortField`), `None` fields and null map values omitted, and map keys
//!   that are not strings written **bare**. Which keys are bare follows from their Rust type,
//!   exactly as fastjson decides from the Java type: a key that serializes as a string is quoted;
//!   one that serializes as anything else (an integer, or a struct such as `MessageQueue`) is
//!   written bare. So `BTreeMap<i64, String>` gives `{0:"a"}` and `BTreeMap<MessageQueue, _>`
//!   gives `{{"brokerName":"b","queueId":0,"topic":"T"}:..}`.
//! - [`JsonStyle::Standard`], the 4.9.4+ form used for route data to clients with version ≥ 401
//!   or `acceptStandardJsonOnly` (fastjson's `BrowserCompatible` + `MapSortField`): every key
//!   quoted (a non-string key becomes the string of its compact JSON), `/` and non-ASCII
//!   `\uXXXX`-escaped, integers beyond ±(2^53 − 1) written as strings.
//!
//! Map entries are written sorted in both styles (integer keys numerically, string keys in Java
//! `String.compareTo` order, other keys in the map's own order, which for a `BTreeMap` is the
//! key type's `Ord`). Java writes `HashMap`s in hash order, but a sorted map reads back the
//! same and keeps our output deterministic.
//!
//! [`to_vec_pretty`] adds fastjson's `PrettyFormat` layout (tab indentation) used for the
//! broker's config files such as `topics.json`.
//!
//! `serde_json`'s own serializer cannot write a map whose keys are structs; use [`to_vec`] with
//! [`JsonStyle::Standard`] for standard JSON of such types.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::marker::PhantomData;

use bytes::{BufMut, BytesMut};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::ser::{self, Serialize};
use serde_json::{Map, Number, Value};

use super::command::write_json_string;
use super::error::ProtocolError;

/// Deepest nesting of objects and arrays (keys included) the reader accepts. fastjson itself
/// allows more, but no RocketMQ body nests deeper than about 6.
pub const MAX_DEPTH: usize = 128;

/// Largest integer magnitude a JavaScript number holds exactly; `Standard` writes larger
/// integers as strings (fastjson's `BrowserCompatible`).
const MAX_SAFE_INTEGER: i128 = (1 << 53) - 1;

/// Which JSON dialect to write. See the module docs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum JsonStyle {
    /// fastjson's default output: bare non-string map keys, raw UTF-8.
    #[default]
    Fastjson,
    /// Standard JSON as 4.9.4+ writes route data: all keys quoted, ASCII-only output.
    Standard,
}

// ---------------------------------------------------------------------------------------------
// Document tree shared by the reader and the writer

/// A parsed or to-be-written JSON value. Objects keep their entries in order: the reader keeps
/// the input order (needed to normalise a key object's text), the writer stores them already
/// sorted for output.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    /// Wide enough for every `i64` and `u64`.
    Int(i128),
    /// Always finite.
    Float(f64),
    Str(String),
    Array(Vec<Node>),
    Object(Vec<(Key, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
enum Key {
    /// A string key: quoted in both styles.
    Name(String),
    /// Any other key (number, object, array, bool): bare in `Fastjson`, stringified in
    /// `Standard`.
    Bare(Node),
}

// ---------------------------------------------------------------------------------------------
// Reader

/// Parses fastjson-flavoured JSON into a [`serde_json::Value`].
///
/// # Errors
///
/// [`ProtocolError::Body`] (with `what` = `"JSON"`) for malformed or over-deep input.
pub fn parse(input: &[u8]) -> Result<Value, ProtocolError> {
    parse_value("JSON", input, false)
}

/// Parses fastjson-flavoured JSON into `T`. Unknown fields are ignored as serde does by default;
/// a member whose value is `null` is treated as missing, as fastjson leaves the Java field at
/// its default, so `#[serde(default)]` structs accept it.
///
/// # Errors
///
/// [`ProtocolError::Body`] naming `what` when the text is malformed or does not fit `T`.
pub fn from_slice<T: DeserializeOwned>(
    what: &'static str,
    input: &[u8],
) -> Result<T, ProtocolError> {
    let value = parse_value(what, input, true)?;
    T::deserialize(super::lenient::Lenient(value)).map_err(|e| ProtocolError::Body {
        what,
        reason: e.to_string(),
    })
}

fn parse_value(what: &'static str, input: &[u8], drop_nulls: bool) -> Result<Value, ProtocolError> {
    let node = Reader::new(input)
        .document()
        .map_err(|reason| ProtocolError::Body { what, reason })?;
    Ok(into_value(node, drop_nulls))
}

/// Compares two strings as Java's `String.compareTo` does: by UTF-16 code unit. This differs
/// from Rust's byte order only between characters above U+FFFF and those in U+E000..=U+FFFF.
pub fn java_string_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    depth: usize,
}

type ReadResult<T> = Result<T, String>;

fn is_whitespace(b: u8) -> bool {
    // fastjson also skips backspace and form feed between tokens.
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c | 0x08)
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_ident_continue(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8]) -> Self {
        // A UTF-8 byte order mark is not part of the text (Java's reader skips it too).
        let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
        Reader {
            input,
            pos: 0,
            depth: 0,
        }
    }

    fn document(&mut self) -> ReadResult<Node> {
        self.skip_ws();
        if self.peek().is_none() {
            return Err("empty input".to_string());
        }
        let node = self.value()?;
        self.skip_ws();
        match self.peek() {
            None => Ok(node),
            Some(b) => Err(self.unexpected(b, "end of input")),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn next_byte(&mut self) -> ReadResult<u8> {
        let b = self.peek().ok_or_else(|| self.eof())?;
        self.pos += 1;
        Ok(b)
    }

    fn eof(&self) -> String {
        format!("unexpected end of input at offset {}", self.pos)
    }

    fn unexpected(&self, b: u8, expected: &str) -> String {
        let shown = if b.is_ascii_graphic() {
            format!("'{}'", b as char)
        } else {
            format!("byte 0x{b:02x}")
        };
        format!(
            "unexpected {shown} at offset {}, expected {expected}",
            self.pos
        )
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_whitespace) {
            self.pos += 1;
        }
    }

    fn skip_ws_and_commas(&mut self) {
        while self.peek().is_some_and(|b| b == b',' || is_whitespace(b)) {
            self.pos += 1;
        }
    }

    fn enter(&mut self) -> ReadResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "nesting deeper than {MAX_DEPTH} levels at offset {}",
                self.pos
            ));
        }
        Ok(())
    }

    fn value(&mut self) -> ReadResult<Node> {
        self.skip_ws();
        match self.peek() {
            None => Err(self.eof()),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(q @ (b'"' | b'\'')) => self.string(q).map(Node::Str),
            Some(b'-' | b'+' | b'0'..=b'9') => self.number(),
            Some(b) if is_ident_start(b) => {
                let start = self.pos;
                let word = self.identifier();
                match word.as_str() {
                    "true" => Ok(Node::Bool(true)),
                    "false" => Ok(Node::Bool(false)),
                    "null" | "undefined" => Ok(Node::Null),
                    _ => Err(format!("unexpected word '{word}' at offset {start}")),
                }
            }
            Some(b) => Err(self.unexpected(b, "a value")),
        }
    }

    fn object(&mut self) -> ReadResult<Node> {
        self.enter()?;
        self.pos += 1; // '{'
        let mut entries = Vec::new();
        loop {
            // Leading, doubled and trailing commas are all tolerated (AllowArbitraryCommas).
            self.skip_ws_and_commas();
            match self.peek() {
                None => return Err(self.eof()),
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => {}
            }
            let key = self.key()?;
            self.skip_ws();
            match self.peek() {
                Some(b':') => self.pos += 1,
                Some(b) => return Err(self.unexpected(b, "':'")),
                None => return Err(self.eof()),
            }
            let value = self.value()?;
            entries.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => {}
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b) => return Err(self.unexpected(b, "',' or '}'")),
                None => return Err(self.eof()),
            }
        }
        self.depth -= 1;
        Ok(Node::Object(entries))
    }

    fn key(&mut self) -> ReadResult<Key> {
        match self.peek() {
            Some(q @ (b'"' | b'\'')) => self.string(q).map(Key::Name),
            // fastjson writes non-String map keys bare: numbers, beans (objects), collections.
            Some(b'{' | b'[' | b'-' | b'+' | b'0'..=b'9') => self.value().map(Key::Bare),
            Some(b) if is_ident_start(b) => Ok(Key::Name(self.identifier())),
            Some(b) => Err(self.unexpected(b, "an object key")),
            None => Err(self.eof()),
        }
    }

    fn array(&mut self) -> ReadResult<Node> {
        self.enter()?;
        self.pos += 1; // '['
        let mut items = Vec::new();
        loop {
            self.skip_ws_and_commas();
            match self.peek() {
                None => return Err(self.eof()),
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => {}
            }
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => {}
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(b) => return Err(self.unexpected(b, "',' or ']'")),
                None => return Err(self.eof()),
            }
        }
        self.depth -= 1;
        Ok(Node::Array(items))
    }

    fn identifier(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_continue) {
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.input[start..self.pos]).into_owned()
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> ReadResult<Node> {
        let start = self.pos;
        if matches!(self.peek(), Some(b'-' | b'+')) {
            self.pos += 1;
        }
        let mut mantissa_digits = self.digits();
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            mantissa_digits += self.digits();
            is_float = true;
        }
        if mantissa_digits == 0 {
            return Err(format!("malformed number at offset {start}"));
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'-' | b'+')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(format!("malformed number exponent at offset {start}"));
            }
            is_float = true;
        }
        let end = self.pos;
        // fastjson's WriteClassName marks number types with a suffix: 1L, 2S, 3B, 1.5F, 1.5D.
        if matches!(self.peek(), Some(b'L' | b'S' | b'B' | b'F' | b'D')) {
            self.pos += 1;
        }
        // The scanned bytes are ASCII digits, signs, '.' and 'e', so this cannot fail.
        let text = std::str::from_utf8(&self.input[start..end])
            .map_err(|_| format!("malformed number at offset {start}"))?;
        let text = text.strip_prefix('+').unwrap_or(text);
        if !is_float {
            if let Ok(i) = text.parse::<i128>() {
                if i >= i128::from(i64::MIN) && i <= i128::from(u64::MAX) {
                    return Ok(Node::Int(i));
                }
            }
        }
        // Integers too big for i64/u64 fall back to f64, like a lenient Java reader would.
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Node::Float(f)),
            _ => Err(format!("number out of range at offset {start}")),
        }
    }

    fn string(&mut self, quote: u8) -> ReadResult<String> {
        self.pos += 1; // opening quote
        let mut buf: Vec<u8> = Vec::new();
        loop {
            let rest = &self.input[self.pos..];
            let Some(run) = rest.iter().position(|&b| b == quote || b == b'\\') else {
                return Err(format!(
                    "unterminated string at offset {}",
                    self.input.len()
                ));
            };
            buf.extend_from_slice(&rest[..run]);
            self.pos += run;
            if self.next_byte()? == quote {
                break;
            }
            let escape = self.next_byte()?;
            let ch = match escape {
                b'"' | b'\'' | b'\\' | b'/' => char::from(escape),
                b'b' => '\u{8}',
                b'f' | b'F' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'v' => '\u{b}',
                // fastjson reads \0..\7 as that single control character.
                b'0'..=b'7' => char::from(escape - b'0'),
                b'x' => {
                    let hi = self.hex_digit()?;
                    let lo = self.hex_digit()?;
                    char::from(((hi << 4) | lo) as u8)
                }
                b'u' => self.unicode_escape()?,
                other => {
                    self.pos -= 1;
                    return Err(self.unexpected(other, "an escape character"));
                }
            };
            let mut utf8 = [0u8; 4];
            buf.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
        }
        Ok(match String::from_utf8(buf) {
            Ok(s) => s,
            // Java decodes invalid UTF-8 to U+FFFD rather than failing.
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    fn hex_digit(&mut self) -> ReadResult<u32> {
        let b = self.next_byte()?;
        char::from(b).to_digit(16).ok_or_else(|| {
            self.pos -= 1;
            self.unexpected(b, "a hex digit")
        })
    }

    fn hex4(&mut self) -> ReadResult<u32> {
        let mut v = 0;
        for _ in 0..4 {
            v = (v << 4) | self.hex_digit()?;
        }
        Ok(v)
    }

    /// The character after `\u`; surrogate pairs written as two escapes are joined, and a lone
    /// surrogate (legal in a Java string, not in Rust) becomes U+FFFD.
    fn unicode_escape(&mut self) -> ReadResult<char> {
        let unit = self.hex4()?;
        if (0xD800..0xDC00).contains(&unit) {
            let rest = &self.input[self.pos..];
            if rest.len() >= 6 && rest.starts_with(b"\\u") {
                let save = self.pos;
                self.pos += 2;
                let low = self.hex4()?;
                if (0xDC00..0xE000).contains(&low) {
                    let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
                }
                self.pos = save;
            }
            return Ok('\u{FFFD}');
        }
        Ok(char::from_u32(unit).unwrap_or('\u{FFFD}'))
    }
}

fn int_value(i: i128) -> Value {
    if let Ok(v) = i64::try_from(i) {
        Value::from(v)
    } else if let Ok(v) = u64::try_from(i) {
        Value::from(v)
    } else {
        float_value(i as f64)
    }
}

fn float_value(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn into_value(node: Node, drop_nulls: bool) -> Value {
    match node {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(b),
        Node::Int(i) => int_value(i),
        Node::Float(f) => float_value(f),
        Node::Str(s) => Value::String(s),
        Node::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|n| into_value(n, drop_nulls))
                .collect(),
        ),
        Node::Object(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let key = match key {
                    Key::Name(s) => s,
                    Key::Bare(n) => compact_text(&n),
                };
                // Duplicate keys: the last one wins, as when Java fills a HashMap or sets a
                // field twice; a null removes an earlier value the same way.
                if drop_nulls && matches!(value, Node::Null) {
                    map.remove(&key);
                } else {
                    map.insert(key, into_value(value, drop_nulls));
                }
            }
            Value::Object(map)
        }
    }
}

/// The key text for a bare key: compact fastjson JSON in input order. Nested non-string keys
/// stay bare inside it, which keeps the text linear in the input size (quoting them would
/// double the escaping at every level).
fn compact_text(node: &Node) -> String {
    let mut w = Writer::new(JsonStyle::Fastjson, false);
    w.node(node);
    String::from_utf8_lossy(&w.out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Bare-key maps on the serde side

/// `#[serde(with = "…::fastjson::bare_keys")]` for a `BTreeMap<K, V>` whose keys fastjson writes
/// bare and which serde cannot rebuild from a string key by itself: keys that are objects,
/// such as `MessageQueue`. (Integer keys need nothing: serde reads `"0"` into an `i64` key.)
///
/// Reading parses each key's text (see the module docs) as fastjson JSON into `K`; writing is
/// the plain map serialization, which [`to_vec`] turns into bare or stringified keys.
pub mod bare_keys {
    use super::*;

    pub fn serialize<K, V, S>(map: &BTreeMap<K, V>, serializer: S) -> Result<S::Ok, S::Error>
    where
        K: Serialize,
        V: Serialize,
        S: ser::Serializer,
    {
        serializer.collect_map(map)
    }

    /// # Errors
    ///
    /// A key whose text is not JSON for `K`, or anything `V` rejects.
    pub fn deserialize<'de, K, V, D>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: DeserializeOwned + Ord,
        V: de::Deserialize<'de>,
        D: Deserializer<'de>,
    {
        deserializer.deserialize_map(BareKeyMapVisitor(PhantomData))
    }

    struct BareKeyMapVisitor<K, V>(PhantomData<(K, V)>);

    impl<'de, K, V> Visitor<'de> for BareKeyMapVisitor<K, V>
    where
        K: DeserializeOwned + Ord,
        V: de::Deserialize<'de>,
    {
        type Value = BTreeMap<K, V>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map with JSON-text keys")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }

        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let mut map = BTreeMap::new();
            while let Some(text) = access.next_key::<String>()? {
                let key = from_slice::<K>("map key", text.as_bytes())
                    .map_err(|e| de::Error::custom(format!("key {text:?}: {e}")))?;
                let value = access.next_value()?;
                map.insert(key, value);
            }
            Ok(map)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writer

/// Serializes `value` in `style`, compact.
///
/// A `Serialize` impl that reports an error (derived impls of plain data never do; a poisoned
/// `Mutex` would) yields `null`. Use [`try_to_vec`] to see the error instead.
pub fn to_vec<T: Serialize + ?Sized>(value: &T, style: JsonStyle) -> Vec<u8> {
    try_to_vec(value, style, false).unwrap_or_else(|_| b"null".to_vec())
}

/// Like [`to_vec`], laid out as fastjson's `PrettyFormat` does for config files: a newline and
/// tab indentation before every string-keyed member and (for two or more items) array item.
/// Members with bare keys stay on one line, as Java writes `consumerOffset.json`.
pub fn to_vec_pretty<T: Serialize + ?Sized>(value: &T, style: JsonStyle) -> Vec<u8> {
    try_to_vec(value, style, true).unwrap_or_else(|_| b"null".to_vec())
}

/// Serializes `value`, reporting an error raised by its `Serialize` impl.
///
/// # Errors
///
/// [`ProtocolError::Body`] when `value`'s `Serialize` impl fails.
pub fn try_to_vec<T: Serialize + ?Sized>(
    value: &T,
    style: JsonStyle,
    pretty: bool,
) -> Result<Vec<u8>, ProtocolError> {
    let node = value
        .serialize(NodeSerializer)
        .map_err(|e| ProtocolError::Body {
            what: "JSON",
            reason: e.0,
        })?;
    let mut w = Writer::new(style, pretty);
    w.node(&node);
    Ok(w.out.to_vec())
}

struct Writer {
    out: BytesMut,
    style: JsonStyle,
    pretty: bool,
    indent: usize,
}

impl Writer {
    fn new(style: JsonStyle, pretty: bool) -> Self {
        Writer {
            out: BytesMut::with_capacity(256),
            style,
            pretty,
            indent: 0,
        }
    }

    fn newline(&mut self) {
        self.out.put_u8(b'\n');
        for _ in 0..self.indent {
            self.out.put_u8(b'\t');
        }
    }

    fn node(&mut self, node: &Node) {
        match node {
            Node::Null => self.out.extend_from_slice(b"null"),
            Node::Bool(true) => self.out.extend_from_slice(b"true"),
            Node::Bool(false) => self.out.extend_from_slice(b"false"),
            Node::Int(i) => self.int(*i),
            Node::Float(f) => self.float(*f),
            Node::Str(s) => self.string(s),
            Node::Array(items) => self.array(items),
            Node::Object(entries) => self.object(entries),
        }
    }

    fn int(&mut self, i: i128) {
        let quoted = self.style == JsonStyle::Standard
            && !(-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i);
        // Writing into a BytesMut cannot fail.
        let _ = if quoted {
            write!(self.out, "\"{i}\"")
        } else {
            write!(self.out, "{i}")
        };
    }

    fn float(&mut self, f: f64) {
        if f.is_finite() {
            // `{:?}` always keeps a fraction or exponent ("0.0", "19.8", "1e20"), which Java
            // reads back as a double; fastjson writes doubles the same way except for its
            // "1.0E20" exponent spelling.
            let _ = write!(self.out, "{f:?}");
        } else {
            // fastjson writes NaN and infinities as null.
            self.out.extend_from_slice(b"null");
        }
    }

    fn string(&mut self, s: &str) {
        match self.style {
            JsonStyle::Fastjson => write_json_string(&mut self.out, s),
            JsonStyle::Standard => write_ascii_json_string(&mut self.out, s),
        }
    }

    fn array(&mut self, items: &[Node]) {
        // fastjson's ListSerializer only breaks lines for two or more items.
        let multiline = self.pretty && items.len() > 1;
        self.out.put_u8(b'[');
        if multiline {
            self.indent += 1;
        }
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.put_u8(b',');
            }
            if multiline {
                self.newline();
            }
            self.node(item);
        }
        if multiline {
            self.indent -= 1;
            self.newline();
        }
        self.out.put_u8(b']');
    }

    fn object(&mut self, entries: &[(Key, Node)]) {
        self.out.put_u8(b'{');
        self.indent += 1;
        let mut written = 0;
        // fastjson omits null members (no WriteMapNullValue).
        for (key, value) in entries.iter().filter(|(_, v)| !matches!(v, Node::Null)) {
            if written > 0 {
                self.out.put_u8(b',');
            }
            written += 1;
            if self.pretty && matches!(key, Key::Name(_)) {
                self.newline();
            }
            self.key(key);
            self.out.put_u8(b':');
            self.node(value);
        }
        self.indent -= 1;
        if self.pretty && written > 0 {
            self.newline();
        }
        self.out.put_u8(b'}');
    }

    fn key(&mut self, key: &Key) {
        match key {
            Key::Name(name) => self.string(name),
            Key::Bare(node) => match self.style {
                JsonStyle::Fastjson => {
                    // Key objects stay on one line even in pretty output: Java reads either
                    // layout, and one line keeps each map entry on its own line.
                    let pretty = std::mem::replace(&mut self.pretty, false);
                    self.node(node);
                    self.pretty = pretty;
                }
                // BrowserCompatible: the key becomes the string `JSON.toJSONString(key)`.
                JsonStyle::Standard => {
                    let text = compact_text(node);
                    self.string(&text);
                }
            },
        }
    }
}

/// A JSON string as fastjson's `BrowserCompatible` writes it: `"`, `\`, `/` and the five
/// short controls escaped with a backslash, every other UTF-16 unit below 0x20 or from 0x7F up
/// as `\uXXXX` (uppercase hex; characters above U+FFFF as their surrogate pair).
fn write_ascii_json_string(out: &mut BytesMut, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.put_u8(b'"');
    for unit in s.encode_utf16() {
        let short = match unit {
            0x22 => b'"',
            0x5c => b'\\',
            0x2f => b'/',
            0x08 => b'b',
            0x0c => b'f',
            0x0a => b'n',
            0x0d => b'r',
            0x09 => b't',
            0x20..=0x7e => {
                out.put_u8(unit as u8);
                continue;
            }
            _ => 0,
        };
        if short != 0 {
            out.extend_from_slice(&[b'\\', short]);
        } else {
            out.extend_from_slice(b"\\u");
            for shift in [12, 8, 4, 0] {
                out.put_u8(HEX[usize::from((unit >> shift) & 0xf)]);
            }
        }
    }
    out.put_u8(b'"');
}

/// Total order for writing map entries: integer keys numerically, then string keys in Java
/// order, then other keys, which compare equal so the stable sort keeps the map's own order.
fn map_key_order(a: &Key, b: &Key) -> Ordering {
    fn rank(k: &Key) -> u8 {
        match k {
            Key::Bare(Node::Int(_)) => 0,
            Key::Name(_) => 1,
            Key::Bare(_) => 2,
        }
    }
    match (a, b) {
        (Key::Bare(Node::Int(x)), Key::Bare(Node::Int(y))) => x.cmp(y),
        (Key::Name(x), Key::Name(y)) => java_string_cmp(x, y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Error from a value's own `Serialize` impl.
#[derive(Debug)]
struct SerializeError(String);

impl fmt::Display for SerializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerializeError {}

impl ser::Error for SerializeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerializeError(msg.to_string())
    }
}

/// Builds a [`Node`] tree from any `Serialize` value; struct fields are sorted on the way.
struct NodeSerializer;

type NodeResult = Result<Node, SerializeError>;

impl ser::Serializer for NodeSerializer {
    type Ok = Node;
    type Error = SerializeError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantBuilder<SeqBuilder>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = StructBuilder;
    type SerializeStructVariant = VariantBuilder<StructBuilder>;

    fn serialize_bool(self, v: bool) -> NodeResult {
        Ok(Node::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> NodeResult {
        Ok(Node::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> NodeResult {
        Ok(Node::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> NodeResult {
        Ok(Node::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> NodeResult {
        Ok(Node::Int(v.into()))
    }
    fn serialize_i128(self, v: i128) -> NodeResult {
        Ok(Node::Int(v))
    }
    fn serialize_u8(self, v: u8) -> NodeResult {
        Ok(Node::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> NodeResult {
        Ok(Node::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> NodeResult {
        Ok(Node::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> NodeResult {
        Ok(Node::Int(v.into()))
    }
    fn serialize_u128(self, v: u128) -> NodeResult {
        Ok(i128::try_from(v).map_or(Node::Float(v as f64), Node::Int))
    }
    fn serialize_f32(self, v: f32) -> NodeResult {
        // Via the shortest decimal of the f32, so 0.1f32 is written "0.1", not
        // "0.10000000149011612".
        let widened = v.to_string().parse::<f64>().unwrap_or(f64::from(v));
        self.serialize_f64(widened)
    }
    fn serialize_f64(self, v: f64) -> NodeResult {
        Ok(if v.is_finite() {
            Node::Float(v)
        } else {
            Node::Null
        })
    }
    fn serialize_char(self, v: char) -> NodeResult {
        Ok(Node::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> NodeResult {
        Ok(Node::Str(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> NodeResult {
        Ok(Node::Array(
            v.iter().map(|&b| Node::Int(b.into())).collect(),
        ))
    }
    fn serialize_none(self) -> NodeResult {
        Ok(Node::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> NodeResult {
        value.serialize(self)
    }
    fn serialize_unit(self) -> NodeResult {
        Ok(Node::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> NodeResult {
        Ok(Node::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> NodeResult {
        Ok(Node::Str(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> NodeResult {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> NodeResult {
        let inner = value.serialize(NodeSerializer)?;
        Ok(Node::Object(vec![(Key::Name(variant.to_string()), inner)]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, SerializeError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0).min(4096))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, SerializeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, SerializeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<SeqBuilder>, SerializeError> {
        Ok(VariantBuilder {
            variant,
            inner: self.serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapBuilder, SerializeError> {
        Ok(MapBuilder {
            entries: Vec::new(),
            pending_key: None,
        })
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<StructBuilder, SerializeError> {
        Ok(StructBuilder(Vec::with_capacity(len)))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<StructBuilder>, SerializeError> {
        Ok(VariantBuilder {
            variant,
            inner: StructBuilder(Vec::with_capacity(len)),
        })
    }
}

struct SeqBuilder(Vec<Node>);

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Node;
    type Error = SerializeError;
    fn serialize_element<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), SerializeError> {
        self.0.push(value.serialize(NodeSerializer)?);
        Ok(())
    }
    fn end(self) -> NodeResult {
        Ok(Node::Array(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Node;
    type Error = SerializeError;
    fn serialize_element<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), SerializeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> NodeResult {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Node;
    type Error = SerializeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerializeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> NodeResult {
        ser::SerializeSeq::end(self)
    }
}

struct MapBuilder {
    entries: Vec<(Key, Node)>,
    pending_key: Option<Key>,
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Node;
    type Error = SerializeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerializeError> {
        self.pending_key = Some(match key.serialize(NodeSerializer)? {
            Node::Str(s) => Key::Name(s),
            other => Key::Bare(other),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerializeError> {
        let key = self
            .pending_key
            .take()
            .ok_or_else(|| SerializeError("map value without a key".to_string()))?;
        self.entries.push((key, value.serialize(NodeSerializer)?));
        Ok(())
    }
    fn end(mut self) -> NodeResult {
        self.entries.sort_by(|(a, _), (b, _)| map_key_order(a, b));
        Ok(Node::Object(self.entries))
    }
}

struct StructBuilder(Vec<(Key, Node)>);

impl StructBuilder {
    fn push<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), SerializeError> {
        self.0.push((
            Key::Name(name.to_string()),
            value.serialize(NodeSerializer)?,
        ));
        Ok(())
    }

    /// Bean properties come out sorted by name (fastjson's SortField, on by default).
    fn finish(mut self) -> Node {
        self.0.sort_by(|a, b| map_key_order(&a.0, &b.0));
        Node::Object(self.0)
    }
}

impl ser::SerializeStruct for StructBuilder {
    type Ok = Node;
    type Error = SerializeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerializeError> {
        self.push(key, value)
    }
    fn end(self) -> NodeResult {
        Ok(self.finish())
    }
}

/// `{"Variant": inner}`, serde's external enum tagging.
struct VariantBuilder<B> {
    variant: &'static str,
    inner: B,
}

impl ser::SerializeTupleVariant for VariantBuilder<SeqBuilder> {
    type Ok = Node;
    type Error = SerializeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerializeError> {
        ser::SerializeSeq::serialize_element(&mut self.inner, value)
    }
    fn end(self) -> NodeResult {
        let inner = Node::Array(self.inner.0);
        Ok(Node::Object(vec![(
            Key::Name(self.variant.to_string()),
            inner,
        )]))
    }
}

impl ser::SerializeStructVariant for VariantBuilder<StructBuilder> {
    type Ok = Node;
    type Error = SerializeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerializeError> {
        self.inner.push(key, value)
    }
    fn end(self) -> NodeResult {
        let inner = self.inner.finish();
        Ok(Node::Object(vec![(
            Key::Name(self.variant.to_string()),
            inner,
        )]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    fn p(text: &str) -> Value {
        match parse(text.as_bytes()) {
            Ok(v) => v,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn fj<T: Serialize>(v: &T) -> String {
        String::from_utf8(to_vec(v, JsonStyle::Fastjson)).unwrap()
    }

    fn std_json<T: Serialize>(v: &T) -> String {
        String::from_utf8(to_vec(v, JsonStyle::Standard)).unwrap()
    }

    #[test]
    fn bare_number_keys_become_string_keys() {
        assert_eq!(
            p(r#"{0:"127.0.0.1:10911",1:"b",-3:"c"}"#),
            json!({"0": "127.0.0.1:10911", "1": "b", "-3": "c"})
        );
    }

    #[test]
    fn object_keys_become_their_compact_text_in_input_order() {
        let v = p(
            r#"{ { "topic" : "T", "brokerName":"b" ,"queueId": 0 } : {"x":1},
                       [1, 2]: 3 }"#,
        );
        assert_eq!(
            v,
            json!({"{\"topic\":\"T\",\"brokerName\":\"b\",\"queueId\":0}": {"x": 1}, "[1,2]": 3})
        );
    }

    #[test]
    fn nested_bare_keys_stay_bare_inside_key_text() {
        let v = p(r#"{{{1:2}:3}:4}"#);
        assert_eq!(v, json!({"{{1:2}:3}": 4}));
    }

    #[test]
    fn unquoted_identifier_keys_and_single_quotes() {
        assert_eq!(
            p(r#"{brokerName:'b', $x_1 : 'it''s', 'k':"v"}"#.replace("''", "\\'").as_str()),
            json!({"brokerName": "b", "$x_1": "it's", "k": "v"})
        );
    }

    #[test]
    fn arbitrary_commas_and_whitespace() {
        assert_eq!(p("[1,2,]"), json!([1, 2]));
        assert_eq!(p("[,1,,2,,]"), json!([1, 2]));
        assert_eq!(p("{\"a\":1,}"), json!({"a": 1}));
        assert_eq!(p("{,,\"a\":1,,\"b\":2,}"), json!({"a": 1, "b": 2}));
        assert!(
            parse("\u{feff}".as_bytes()).is_err(),
            "a BOM alone is not a value"
        );
        assert_eq!(
            p(" \t\r\n\u{c}\u{8}{ \"a\" \n:\t[ ] } \n"),
            json!({"a": []})
        );
        assert_eq!(p("\u{feff}{}"), json!({}));
    }

    #[test]
    fn literals_and_numbers() {
        assert_eq!(
            p("[true,false,null,0,-1,+2,1.5,-0.25e2,1E3,7L,9223372036854775807,18446744073709551615]"),
            json!([true, false, null, 0, -1, 2, 1.5, -25.0, 1000.0, 7, i64::MAX, u64::MAX])
        );
        // Beyond u64: f64, not an error.
        assert_eq!(p("18446744073709551616"), json!(18446744073709551616.0));
        assert_eq!(p("-9223372036854775809"), json!(-9223372036854775809.0));
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            p(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\u4e2d\uD83D\uDE00\v\x41\0""#),
            json!("a\"b\\c/d\u{8}\u{c}\n\r\té中😀\u{b}A\u{0}")
        );
        // Lone surrogates become U+FFFD.
        assert_eq!(p(r#""\uD800x\uDC00""#), json!("\u{FFFD}x\u{FFFD}"));
        assert_eq!(p(r#""\uD800\u0041""#), json!("\u{FFFD}A"));
        // Raw UTF-8 and invalid bytes.
        assert_eq!(parse("\"中\"".as_bytes()).unwrap(), json!("中"));
        assert_eq!(parse(b"\"a\xffb\"").unwrap(), json!("a\u{FFFD}b"));
    }

    #[test]
    fn duplicate_keys_last_wins() {
        assert_eq!(p(r#"{"a":1,"a":2}"#), json!({"a": 2}));
        assert_eq!(p(r#"{0:"x","0":"y"}"#), json!({"0": "y"}));
    }

    #[test]
    fn errors_are_reported_not_panicked() {
        for bad in [
            "",
            "   ",
            "{",
            "[",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":1",
            "[1",
            "\"abc",
            "'abc",
            "{:1}",
            "{\"a\" 1}",
            "[1 2]",
            "tru",
            "nul",
            "-",
            "1e",
            "1.",
            "{1}",
            "\"\\q\"",
            "\"\\u12\"",
            "\"\\x4\"",
            "1e999",
            "{} {}",
            "[]]",
            "@",
            "{a b:1}",
            "foo",
            "{\"a\":1 \"b\":2}",
        ] {
            let r = parse(bad.as_bytes());
            if bad == "1." {
                // Lenient like fastjson: "1." is the number 1.
                assert_eq!(r.unwrap(), json!(1.0));
                continue;
            }
            assert!(
                matches!(r, Err(ProtocolError::Body { what: "JSON", .. })),
                "{bad:?} gave {r:?}"
            );
        }
    }

    #[test]
    fn depth_limit() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        let err = parse(deep.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("nesting"), "{err}");
        // Keys count too.
        let keys = "{".repeat(MAX_DEPTH + 5);
        assert!(parse(keys.as_bytes()).is_err());
        // Far deeper than any stack allows: still a clean error.
        let huge = "[".repeat(1_000_000);
        assert!(parse(huge.as_bytes()).is_err());
    }

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    struct Bean {
        zeta: i32,
        alpha: String,
        maybe: Option<String>,
        addrs: BTreeMap<i64, String>,
        names: BTreeMap<String, i64>,
        list: Vec<i64>,
        tps: f64,
    }

    #[test]
    fn writes_sorted_fields_bare_int_keys_and_omits_none() {
        let bean = Bean {
            zeta: 1,
            alpha: "a".into(),
            maybe: None,
            addrs: BTreeMap::from([(10, "x".into()), (2, "y".into())]),
            names: BTreeMap::from([("b".into(), 1), ("a".into(), 2)]),
            list: vec![1, 2],
            tps: 0.0,
        };
        assert_eq!(
            fj(&bean),
            r#"{"addrs":{2:"y",10:"x"},"alpha":"a","list":[1,2],"names":{"a":2,"b":1},"tps":0.0,"zeta":1}"#
        );
        assert_eq!(
            std_json(&bean),
            r#"{"addrs":{"2":"y","10":"x"},"alpha":"a","list":[1,2],"names":{"a":2,"b":1},"tps":0.0,"zeta":1}"#
        );
        // Both read back.
        let back: Bean = from_slice("Bean", fj(&bean).as_bytes()).unwrap();
        assert_eq!(back, bean);
        let back: Bean = from_slice("Bean", std_json(&bean).as_bytes()).unwrap();
        assert_eq!(back, bean);
    }

    #[test]
    fn null_members_count_as_missing() {
        let bean: Bean = from_slice("Bean", br#"{"alpha":null,"zeta":3,"maybe":null}"#).unwrap();
        assert_eq!(bean.alpha, "");
        assert_eq!(bean.zeta, 3);
        assert_eq!(bean.maybe, None);
        // Plain parse keeps nulls.
        assert_eq!(p(r#"{"a":null}"#), json!({"a": null}));
    }

    #[test]
    fn type_errors_name_the_body() {
        let err = from_slice::<Bean>("Bean", br#"{"zeta":"x"}"#).unwrap_err();
        match err {
            ProtocolError::Body { what, reason } => {
                assert_eq!(what, "Bean");
                assert!(reason.contains("invalid type"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Mq {
        topic: String,
        broker_name: String,
        queue_id: i32,
    }

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    struct Table {
        #[serde(with = "bare_keys")]
        offset_table: BTreeMap<Mq, i64>,
    }

    #[test]
    fn object_keys_round_trip_in_both_styles() {
        let mq = |q| Mq {
            topic: "T".into(),
            broker_name: "b".into(),
            queue_id: q,
        };
        let t = Table {
            offset_table: BTreeMap::from([(mq(1), 5), (mq(0), 7)]),
        };
        let fast = fj(&t);
        assert_eq!(
            fast,
            r#"{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:7,{"brokerName":"b","queueId":1,"topic":"T"}:5}}"#
        );
        let standard = std_json(&t);
        assert_eq!(
            standard,
            r#"{"offsetTable":{"{\"brokerName\":\"b\",\"queueId\":0,\"topic\":\"T\"}":7,"{\"brokerName\":\"b\",\"queueId\":1,\"topic\":\"T\"}":5}}"#
        );
        // Standard output is real JSON.
        serde_json::from_str::<Value>(&standard).unwrap();
        assert_eq!(from_slice::<Table>("Table", fast.as_bytes()).unwrap(), t);
        assert_eq!(
            from_slice::<Table>("Table", standard.as_bytes()).unwrap(),
            t
        );
        // Keys in another member order and with odd spacing read the same.
        let odd = br#"{offsetTable:{ {'topic':'T', queueId:1, "brokerName":"b"} : 5 }}"#;
        let back = from_slice::<Table>("Table", odd).unwrap();
        assert_eq!(back.offset_table.get(&mq(1)), Some(&5));
        // A key that is not an Mq is an error naming it.
        let err = from_slice::<Table>("Table", br#"{"offsetTable":{0:1}}"#).unwrap_err();
        assert!(err.to_string().contains("key \"0\""), "{err}");
    }

    #[test]
    fn standard_style_escapes_like_browser_compatible() {
        let s = "a/b\"c\\d\n\u{1}é中😀\u{7f}";
        assert_eq!(
            std_json(&s),
            r#""a\/b\"c\\d\n\u0001\u00E9\u4E2D\uD83D\uDE00\u007F""#
        );
        assert_eq!(p(&std_json(&s)), json!(s));
        // Fastjson style keeps UTF-8 and does not escape '/'.
        assert_eq!(fj(&"a/é"), "\"a/é\"");
    }

    #[test]
    fn standard_style_quotes_unsafe_longs() {
        let v = vec![
            MAX_SAFE_INTEGER as i64,
            MAX_SAFE_INTEGER as i64 + 1,
            -(MAX_SAFE_INTEGER as i64) - 1,
        ];
        assert_eq!(
            std_json(&v),
            r#"[9007199254740991,"9007199254740992","-9007199254740992"]"#
        );
        assert_eq!(
            fj(&v),
            "[9007199254740991,9007199254740992,-9007199254740992]"
        );
    }

    #[test]
    fn floats() {
        assert_eq!(
            fj(&vec![0.0, 19.8, 0.06666666666666667, -1.5]),
            "[0.0,19.8,0.06666666666666667,-1.5]"
        );
        assert_eq!(fj(&f64::NAN), "null");
        assert_eq!(fj(&0.1f32), "0.1");
    }

    #[test]
    fn pretty_layout_matches_fastjson_config_files() {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wrapper {
            offset_table: BTreeMap<String, BTreeMap<i32, i64>>,
            data_version: BTreeMap<String, i64>,
            list: Vec<i32>,
            one: Vec<i32>,
            empty: BTreeMap<String, i64>,
        }
        let w = Wrapper {
            offset_table: BTreeMap::from([(
                "T@G".to_string(),
                BTreeMap::from([(0, 250), (1, 251)]),
            )]),
            data_version: BTreeMap::from([("counter".to_string(), 2)]),
            list: vec![1, 2],
            one: vec![3],
            empty: BTreeMap::new(),
        };
        let text = String::from_utf8(to_vec_pretty(&w, JsonStyle::Fastjson)).unwrap();
        assert_eq!(
            text,
            "{\n\t\"dataVersion\":{\n\t\t\"counter\":2\n\t},\n\t\"empty\":{},\n\t\"list\":[\n\t\t1,\n\t\t2\n\t],\n\t\"offsetTable\":{\n\t\t\"T@G\":{0:250,1:251\n\t\t}\n\t},\n\t\"one\":[3]\n}"
        );
        // And it reads back.
        assert_eq!(p(&text)["offsetTable"]["T@G"]["1"], json!(251));
    }

    #[test]
    fn java_string_order_is_utf16() {
        assert_eq!(java_string_cmp("a", "b"), Ordering::Less);
        // In UTF-16 U+10000 is the surrogate pair D800 DC00, which sorts below U+FFFF; in
        // UTF-8 byte order it sorts above.
        assert_eq!(java_string_cmp("\u{10000}", "\u{FFFF}"), Ordering::Less);
        assert_eq!("\u{10000}".cmp("\u{FFFF}"), Ordering::Greater);
    }

    #[test]
    fn serde_json_value_round_trips_through_both_styles() {
        let v = json!({"a": [1, -2, 3.5, "x", null, true], "b": {"c": {}}, "d": []});
        for style in [JsonStyle::Fastjson, JsonStyle::Standard] {
            // Nulls inside objects are omitted on output, like fastjson; inside arrays kept.
            let back = parse(&to_vec(&v, style)).unwrap();
            assert_eq!(back, v);
        }
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e15f64..1e15).prop_map(Value::from),
            ".{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(".{0,6}", inner, 0..6).prop_map(|m| Value::Object(
                    m.into_iter().filter(|(_, v)| !v.is_null()).collect()
                )),
            ]
        })
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse(&bytes);
            let _ = from_slice::<Bean>("Bean", &bytes);
            let _ = from_slice::<Table>("Table", &bytes);
        }

        #[test]
        fn json_like_text_never_panics(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    "{", "}", "[", "]", ":", ",", "\"a\"", "'b'", "0", "-1.5e3", "x", "true",
                    "null", " ", "\\", "\"\\u", "\"\\uD800", "{\"topic\":\"T\"}", "1e999",
                    "99999999999999999999999",
                ]),
                0..64,
            )
        ) {
            let text = parts.concat();
            let _ = parse(text.as_bytes());
            let _ = from_slice::<Table>("Table", text.as_bytes());
        }

        #[test]
        fn values_round_trip(v in arb_value()) {
            for style in [JsonStyle::Fastjson, JsonStyle::Standard] {
                let bytes = to_vec(&v, style);
                let back = parse(&bytes).unwrap();
                // Standard quotes unsafe integers; compare those as strings.
                if style == JsonStyle::Fastjson {
                    prop_assert_eq!(&back, &v);
                }
                // Both outputs of the writer parse again identically (idempotent).
                prop_assert_eq!(to_vec(&back, style), bytes);
            }
            // The standard output is valid for serde_json too.
            let standard = to_vec(&v, JsonStyle::Standard);
            prop_assert!(serde_json::from_slice::<Value>(&standard).is_ok());
        }
    }
}
