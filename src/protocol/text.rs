//! [`Text`]: the immutable UTF-8 string of header keys and values.
//!
//! A send request carries a dozen ext fields and its response half a dozen; as `String`s they
//! cost two allocations each, per message. A `Text` is instead a short string kept inline (field
//! names, numbers, queue ids), a `'static` literal, or a slice of the received frame's buffer
//! (long values such as message properties): decoding and answering a request allocates
//! nothing per field.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;

/// Strings up to this many bytes are stored inline.
const INLINE: usize = 22;

/// An immutable UTF-8 string: inline, static, or shared with the buffer it was decoded from.
/// Cloning never copies more than 22 bytes (the inline size).
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Inline {
        len: u8,
        buf: [u8; INLINE],
    },
    /// Valid UTF-8 (checked where it is made).
    Shared(Bytes),
}

impl Text {
    pub const fn from_static(s: &'static str) -> Text {
        Text(Repr::Shared(Bytes::from_static(s.as_bytes())))
    }

    /// `s`, which must lie inside `buf` (a string borrowed from a decoded frame), as a slice of
    /// `buf` without copying; short strings are copied inline instead (cheaper than sharing).
    // Inlined into the header readers (see `json_scan::Scanner::scalar`).
    #[inline(always)]
    pub fn slice_of(buf: &Bytes, s: &str) -> Text {
        let inside = buf.as_ptr_range();
        let range = s.as_bytes().as_ptr_range();
        if range.start < inside.start || range.end > inside.end {
            return Text::copy_from(s);
        }
        if s.len() > INLINE {
            return Text(Repr::Shared(buf.slice_ref(s.as_bytes())));
        }
        // A short value of a header (most are): where the frame has INLINE bytes from its
        // start, copy a fixed INLINE bytes (two vector moves) instead of calling memcpy for a
        // variable length; the bytes past `len` are never read.
        let at = range.start as usize - inside.start as usize;
        match buf.get(at..at + INLINE) {
            Some(window) => {
                let mut inline = [0u8; INLINE];
                inline.copy_from_slice(window);
                Text(Repr::Inline {
                    len: s.len() as u8,
                    buf: inline,
                })
            }
            None => Text::inline(s),
        }
    }

    /// A copy of `s`.
    pub fn copy_from(s: &str) -> Text {
        if s.len() <= INLINE {
            Text::inline(s)
        } else {
            Text(Repr::Shared(Bytes::copy_from_slice(s.as_bytes())))
        }
    }

    fn inline(s: &str) -> Text {
        debug_assert!(s.len() <= INLINE);
        let mut buf = [0u8; INLINE];
        buf[..s.len()].copy_from_slice(s.as_bytes());
        Text(Repr::Inline {
            len: s.len() as u8,
            buf,
        })
    }

    /// The decimal spelling of `v` (Java's `String.valueOf`), without allocating.
    pub fn from_int(v: i64) -> Text {
        let mut digits = [0u8; 20];
        let mut n = v.unsigned_abs();
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let mut buf = [0u8; INLINE];
        let mut len = 0;
        if v < 0 {
            buf[0] = b'-';
            len = 1;
        }
        let tail = &digits[i..];
        buf[len..len + tail.len()].copy_from_slice(tail);
        len += tail.len();
        Text(Repr::Inline {
            len: len as u8,
            buf,
        })
    }

    pub fn as_str(&self) -> &str {
        let bytes = match &self.0 {
            Repr::Inline { len, buf } => &buf[..*len as usize],
            Repr::Shared(b) => b,
        };
        // SAFETY: every constructor takes its bytes from a `str`.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::from_static("")
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Text {
        Text::from_static(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        if s.len() <= INLINE {
            Text::inline(&s)
        } else {
            Text(Repr::Shared(Bytes::from(s)))
        }
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::copy_from(s)
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.as_str().to_owned()
    }
}

impl From<i32> for Text {
    fn from(v: i32) -> Text {
        Text::from_int(i64::from(v))
    }
}

impl From<i64> for Text {
    fn from(v: i64) -> Text {
        Text::from_int(v)
    }
}

impl From<bool> for Text {
    fn from(v: bool) -> Text {
        Text::from_static(if v { "true" } else { "false" })
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_reads_back() {
        let frame = Bytes::from_static(b"xx a value longer than twenty-two bytes yy");
        let inner = std::str::from_utf8(&frame[3..40]).unwrap();
        let shared = Text::slice_of(&frame, inner);
        assert_eq!(shared, inner);
        assert!(matches!(shared.0, Repr::Shared(_)));
        assert!(matches!(
            Text::slice_of(&frame, &inner[..5]).0,
            Repr::Inline { .. }
        ));
        assert_eq!(Text::from("lit"), "lit");
        assert_eq!(Text::from("x".repeat(40)), "x".repeat(40).as_str());
        assert_eq!(Text::copy_from("héllo"), "héllo");
        assert_eq!(Text::default(), "");
    }

    #[test]
    fn short_slices_read_back_wherever_they_lie_in_the_frame() {
        use std::hash::{BuildHasher, RandomState};
        let frame = Bytes::from_static(b"{\"a\":\"pg\",\"b\":\"TopicA\",\"x\":\"pg\"}");
        let text = std::str::from_utf8(&frame).unwrap();
        // Near the start (a full INLINE window follows) and within the last INLINE bytes.
        let (first, last) = (text.find("pg").unwrap(), text.rfind("pg").unwrap());
        assert!(text.len() - last < INLINE && text.len() - first > INLINE);
        let early = Text::slice_of(&frame, &text[first..first + 2]);
        let late = Text::slice_of(&frame, &text[last..last + 2]);
        assert_eq!((early.as_str(), late.as_str()), ("pg", "pg"));
        assert_eq!(early, late, "bytes past the length do not count");
        let state = RandomState::new();
        assert_eq!(state.hash_one(&early), state.hash_one(&late));
        assert_eq!(Text::slice_of(&frame, &text[..0]), "");
        assert_eq!(Text::slice_of(&frame, text).as_str(), text);
    }

    #[test]
    fn integers_spell_like_java() {
        for v in [0, 7, -1, 42, i64::MAX, i64::MIN, 1_000_000] {
            assert_eq!(Text::from_int(v).as_str(), v.to_string());
        }
        assert_eq!(Text::from(-3i32), "-3");
        assert_eq!(Text::from(true), "true");
    }
}
