//! A single-pass reader for the JSON remoting header, the form every request and response from
//! a Java client takes by default.
//!
//! It reads the common shape, a flat object of scalars plus one `extFields` object of scalars,
//! straight into [`Text`]s sliced from the frame, with no intermediate values. Anything outside
//! that shape (nested values, floats, duplicate keys, lone surrogates, malformed input) makes it
//! give up with `None`, and the caller runs the general serde reader, which defines the
//! semantics and the error messages: the fast path is only ever a faster way to the same result.

use bytes::Bytes;

use super::command::ExtFields;
use super::text::Text;

/// The header fields the fast path found.
#[derive(Debug, Default)]
pub(super) struct ScannedHeader {
    pub code: i32,
    pub language: Option<Text>,
    pub version: i32,
    pub opaque: i32,
    pub flag: i32,
    pub remark: Option<String>,
    pub ext_fields: Option<ExtFields>,
}

/// Reads `header` if it has the common shape; `None` means "use the general reader".
pub(super) fn scan(header: &Bytes) -> Option<ScannedHeader> {
    // One validation of the whole header (serde rejects invalid UTF-8 in a string; elsewhere
    // the shape checks below reject any non-ASCII byte): strings are then cut from it without
    // checking each, at ASCII delimiters, so on char boundaries.
    std::str::from_utf8(header).ok()?;
    let mut s = Scanner {
        buf: header,
        src: header,
        pos: 0,
    };
    let mut out = ScannedHeader::default();
    let mut seen = 0u32;
    s.ws();
    s.eat(b'{')?;
    s.ws();
    if s.peek()? == b'}' {
        s.pos += 1;
    } else {
        loop {
            s.ws();
            let key = s.plain_string()?;
            s.ws();
            s.eat(b':')?;
            s.ws();
            let bit = match key {
                "code" => 1,
                "language" => 2,
                "version" => 4,
                "opaque" => 8,
                "flag" => 16,
                "remark" => 32,
                "extFields" => 64,
                _ => 0,
            };
            if bit != 0 {
                // serde rejects a repeated field; let it say so.
                if seen & bit != 0 {
                    return None;
                }
                seen |= bit;
            }
            match bit {
                1 => out.code = s.int32()?,
                2 => out.language = s.scalar()?,
                4 => out.version = s.int32()?,
                8 => out.opaque = s.int32()?,
                16 => out.flag = s.int32()?,
                32 => {
                    out.remark = match s.peek()? {
                        b'n' => {
                            s.literal(b"null")?;
                            None
                        }
                        b'"' => Some(String::from(s.string()?)),
                        _ => return None,
                    }
                }
                64 => {
                    out.ext_fields = match s.peek()? {
                        b'n' => {
                            s.literal(b"null")?;
                            None
                        }
                        _ => Some(s.ext_fields()?),
                    }
                }
                _ => {
                    s.scalar()?;
                }
            }
            s.ws();
            match s.next()? {
                b',' => continue,
                b'}' => break,
                _ => return None,
            }
        }
    }
    s.ws();
    (s.pos == s.buf.len()).then_some(out)
}

struct Scanner<'a> {
    buf: &'a [u8],
    src: &'a Bytes,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos + word.len();
        (self.buf.get(self.pos..end)? == word).then(|| self.pos = end)
    }

    /// `{ "key": scalar, ... }`; null values are Java's absent fields and are dropped.
    fn ext_fields(&mut self) -> Option<ExtFields> {
        self.eat(b'{')?;
        let mut ext = ExtFields::with_capacity(16);
        self.ws();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(ext);
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            if let Some(value) = self.scalar()? {
                ext.push(key, value);
            }
            self.ws();
            match self.next()? {
                b',' => continue,
                b'}' => return Some(ext),
                _ => return None,
            }
        }
    }

    /// A string, an integer, a boolean or null, as text (`Some(None)` for null). The outer
    /// `None` is "not the common shape".
    // Inlined, as `string`: a `Text` returned through a call is built on the stack and then
    // copied with loads of other widths than its stores (a store-forwarding stall per value);
    // inlined, it is built where it goes (a Java send header: ~1010 → ~905 ns).
    #[inline(always)]
    fn scalar(&mut self) -> Option<Option<Text>> {
        match self.peek()? {
            b'"' => self.string().map(Some),
            b't' => self.literal(b"true").map(|_| Some(Text::from("true"))),
            b'f' => self.literal(b"false").map(|_| Some(Text::from("false"))),
            b'n' => self.literal(b"null").map(|_| None),
            b'-' | b'0'..=b'9' => self.integer().map(|v| Some(Text::from_int(v))),
            _ => None,
        }
    }

    fn int32(&mut self) -> Option<i32> {
        i32::try_from(self.integer()?).ok()
    }

    /// A JSON integer that fits an i64; floats, exponents and leading zeros are left to serde.
    fn integer(&mut self) -> Option<i64> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        let len = self.pos - digits;
        if len == 0 || len > 18 || (len > 1 && self.buf[digits] == b'0') {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.peek() {
            return None;
        }
        // Up to 18 digits cannot overflow an i64.
        let mut v: i64 = 0;
        for &d in &self.buf[digits..self.pos] {
            v = v * 10 + i64::from(d - b'0');
        }
        match digits > start {
            // serde_json reads "-0" as the float -0.0.
            true if v == 0 => None,
            true => Some(-v),
            false => Some(v),
        }
    }

    /// A string literal: a slice of the frame when it has no escapes, else unescaped.
    #[inline(always)]
    fn string(&mut self) -> Option<Text> {
        self.eat(b'"')?;
        let start = self.pos;
        let run = self.plain_run();
        match self.peek()? {
            b'"' => {
                self.pos += 1;
                Some(Text::slice_of(self.src, self.str_at(start, run)))
            }
            b'\\' => {
                self.pos = start;
                self.escaped_string()
            }
            _ => None,
        }
    }

    /// A string without escapes, borrowed (the top-level keys, matched and dropped).
    fn plain_string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.pos;
        let run = self.plain_run();
        self.eat(b'"')?;
        Some(self.str_at(start, run))
    }

    /// The text of `len` bytes at `start`, both at ASCII bytes (string delimiters).
    #[inline(always)]
    fn str_at(&self, start: usize, len: usize) -> &'a str {
        let bytes = &self.buf[start..start + len];
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: `scan` checked that the whole buffer is UTF-8, and a range that starts and
        // ends next to ASCII bytes (or at the buffer's ends) lies on char boundaries.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// Skips the bytes that stand for themselves inside a string; stops at a quote, a
    /// backslash, a control character (invalid in JSON) or the end.
    fn plain_run(&mut self) -> usize {
        let rest = &self.buf[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(rest.len());
        self.pos += n;
        n
    }

    fn escaped_string(&mut self) -> Option<Text> {
        // Unescaped, the string is no longer than the rest of the header: one allocation.
        let mut out = Vec::with_capacity((self.buf.len() - self.pos).min(4096));
        loop {
            let from = self.pos;
            let run = self.plain_run();
            out.extend_from_slice(&self.buf[from..from + run]);
            match self.next()? {
                b'"' => {
                    debug_assert!(std::str::from_utf8(&out).is_ok());
                    // SAFETY: runs cut from the UTF-8 header at ASCII bytes (see `str_at`)
                    // and whole chars encoded by `char::encode_utf8`.
                    return Some(Text::from(unsafe { String::from_utf8_unchecked(out) }));
                }
                b'\\' => {
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = match hi {
                                0xD800..=0xDBFF => {
                                    self.literal(b"\\u")?;
                                    let lo = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&lo) {
                                        return None;
                                    }
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                }
                                0xDC00..=0xDFFF => return None,
                                _ => hi,
                            };
                            char::from_u32(code)?
                        }
                        _ => return None,
                    };
                    let mut utf8 = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                }
                _ => return None,
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.buf.get(self.pos..self.pos + 4)?;
        let mut v = 0;
        for &d in digits {
            v = v * 16 + (d as char).to_digit(16)?;
        }
        self.pos += 4;
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_str(s: &str) -> Option<ScannedHeader> {
        scan(&Bytes::copy_from_slice(s.as_bytes()))
    }

    #[test]
    fn reads_a_java_send_header() {
        let h = scan_str(
            r#"{"code":310,"extFields":{"a":"pg","b":"TopicA","e":"-1","i":"TAGS\u0001TagA\u0002WAIT\u0001true\u0002","m":"false","n":null},"flag":0,"language":"JAVA","opaque":7,"serializeTypeCurrentRPC":"JSON","version":409}"#,
        )
        .unwrap();
        assert_eq!((h.code, h.flag, h.opaque, h.version), (310, 0, 7, 409));
        assert_eq!(h.language.as_deref(), Some("JAVA"));
        let ext = h.ext_fields.unwrap();
        assert_eq!(ext.get("b"), Some("TopicA"));
        assert_eq!(ext.get("e"), Some("-1"));
        assert_eq!(ext.get("i"), Some("TAGS\u{1}TagA\u{2}WAIT\u{1}true\u{2}"));
        assert_eq!(ext.get("n"), None);
        assert_eq!(ext.len(), 5);
    }

    #[test]
    fn scalars_become_text_like_the_general_reader() {
        let h = scan_str(
            r#" { "code" : 11 , "language" : 9, "remark":"r\"\\\/\n\ud83d\ude00", "extFields" : { "q" : 3, "neg": -12, "b": true, "k\u00e9": "v" } } "#,
        )
        .unwrap();
        assert_eq!(h.language.as_deref(), Some("9"));
        assert_eq!(h.remark.as_deref(), Some("r\"\\/\n\u{1F600}"));
        let ext = h.ext_fields.unwrap();
        assert_eq!(ext.get("q"), Some("3"));
        assert_eq!(ext.get("neg"), Some("-12"));
        assert_eq!(ext.get("b"), Some("true"));
        assert_eq!(ext.get("ké"), Some("v"));
    }

    #[test]
    fn gives_up_outside_the_common_shape() {
        for header in [
            r#"{"code":1.5}"#,
            r#"{"code":1e3}"#,
            r#"{"code":01}"#,
            r#"{"code":1,"code":2}"#,
            r#"{"code":3000000000}"#,
            r#"{"extFields":{"a":{"x":1}}}"#,
            r#"{"extFields":{"a":[1]}}"#,
            r#"{"other":{"x":1}}"#,
            r#"{"remark":"\ud800"}"#,
            r#"{"remark":"a	tab"}"#,
            r#"{"code":1} x"#,
            r#"{"code":1,}"#,
            r#"{"code":1"#,
            r#"[]"#,
            "",
        ] {
            assert!(scan_str(header).is_none(), "{header}");
        }
        // Invalid UTF-8 anywhere (in a key, in a value, between tokens): the general reader
        // decides.
        for header in [
            &b"{\"code\":1,\"remark\":\"a\xff\"}"[..],
            b"{\"extFields\":{\"k\xc3\":\"v\"}}",
            b"{\"extFields\":{\"k\":\"\xe2\x82\"}}",
        ] {
            assert!(
                scan(&Bytes::copy_from_slice(header)).is_none(),
                "{header:?}"
            );
        }
        assert!(scan_str("{}").is_some());
        assert!(scan_str(r#"{"extFields":{}}"#)
            .unwrap()
            .ext_fields
            .unwrap()
            .is_empty());
        assert!(scan_str(r#"{"extFields":null}"#)
            .unwrap()
            .ext_fields
            .is_none());
    }
}
