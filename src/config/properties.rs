//! A Java `.properties` reader and writer with `java.util.Properties.load` / `store` semantics.
//!
//! RocketMQ's name server and broker read their config files with `Properties.load`, and the
//! admin protocol ships configs as properties text (GET_BROKER_CONFIG, UPDATE_BROKER_CONFIG), so
//! this parser follows Java's rules exactly rather than a "key=value per line" approximation:
//!
//! - Natural lines end at `\n`, `\r\n` or `\r`. Leading blanks (space, tab, form feed) are
//!   skipped; blank lines are skipped; a line whose first non-blank character is `#` or `!` is a
//!   comment (a comment never continues onto the next line).
//! - A line that ends with an odd number of backslashes continues onto the next natural line; the
//!   backslash is dropped and so is the next line's leading whitespace. An even number of trailing
//!   backslashes is a run of escaped backslashes, not a continuation.
//! - The key ends at the first unescaped `=`, `:` or blank. Blanks around the separator are
//!   skipped, and one `=` or `:` after blanks is still the separator (`key = value`).
//! - Escapes: `\t \n \r \f`, `\uXXXX` (exactly four hex digits; anything else is an error naming
//!   the line), and `\c` → `c` for any other character.
//! - A later definition of a key replaces the value of an earlier one.
//!
//! Differences from Java, all of them on inputs Java would mangle or reject:
//! - a leading UTF-8 byte order mark is ignored (Java would make it part of the first key);
//! - [`Properties::from_file`] reads UTF-8 and falls back to ISO-8859-1 only for files that are
//!   not valid UTF-8 (Java's `load(InputStream)` always uses ISO-8859-1, which garbles UTF-8);
//! - a `\uXXXX` escape that leaves half of a UTF-16 surrogate pair unpaired is an error, because
//!   a Rust `String` cannot hold it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use super::error::ConfigError;

/// One key with its value and the line (1-based) of the definition that set the value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    key: String,
    value: String,
    line: Option<usize>,
}

/// An ordered string → string map read from (or written as) Java properties text.
///
/// Keys keep the order of their first appearance, so a file round-trips in a stable, readable
/// order. Each key remembers the line of its effective (last) definition, for error messages;
/// keys added with [`Properties::set`] have no line.
///
/// Equality is map equality, like Java's: same keys with same values, regardless of order and
/// line numbers.
#[derive(Debug, Clone, Default)]
pub struct Properties {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

impl Properties {
    /// An empty map.
    pub fn new() -> Properties {
        Properties::default()
    }

    /// Parses properties text with `java.util.Properties.load` semantics (see the module docs).
    ///
    /// # Errors
    /// [`ConfigError::Syntax`] naming the line of a malformed `\uXXXX` escape.
    pub fn parse(text: &str) -> Result<Properties, ConfigError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut props = Properties::new();
        for logical in logical_lines(text) {
            let (key, value) = split_key_value(&logical.chars, logical.line)?;
            props.insert(key, value, Some(logical.line));
        }
        Ok(props)
    }

    /// Reads and parses a file; every error names the file.
    ///
    /// # Errors
    /// [`ConfigError::Io`] if the file cannot be read, [`ConfigError::File`] wrapping a syntax
    /// error.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Properties, ConfigError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|error| ConfigError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            // Not UTF-8: decode as ISO-8859-1, which is what Java's load(InputStream) assumes,
            // so a file written by Java's store() still reads correctly.
            Err(err) => err.into_bytes().iter().map(|&b| char::from(b)).collect(),
        };
        Properties::parse(&text).map_err(|err| err.in_file(path))
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.index.get(key).map(|&i| self.entries[i].value.as_str())
    }

    /// The 1-based line of the definition that set `key`'s value; `None` if the key is absent or
    /// was added with [`Properties::set`].
    pub fn line(&self, key: &str) -> Option<usize> {
        self.index.get(key).and_then(|&i| self.entries[i].line)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    /// Sets `key` to `value`, returning the previous value. A new key goes to the end; an
    /// existing key keeps its position.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.insert(key.into(), value.into(), None)
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let i = self.index.remove(key)?;
        let entry = self.entries.remove(i);
        // Positions after the removed entry shift down by one.
        for slot in self.index.values_mut() {
            if *slot > i {
                *slot -= 1;
            }
        }
        Some(entry.value)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `(key, value)` pairs in order of first appearance.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
    }

    /// `(key, value, line)` triples in order of first appearance (see [`Properties::line`]).
    pub fn iter_with_lines(&self) -> impl Iterator<Item = (&str, &str, Option<usize>)> + '_ {
        self.entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
    }

    /// Copies every key of `other` into `self` (values of `other` win).
    pub fn extend_from(&mut self, other: &Properties) {
        for e in &other.entries {
            self.insert(e.key.clone(), e.value.clone(), e.line);
        }
    }

    /// Writes `key=value\n` lines, escaped the way Java's `Properties.store(Writer, …)` escapes
    /// them, so that [`Properties::parse`] (and Java's `load`) read back exactly these keys and
    /// values. Unlike `store`, no `#` date comment is written. Non-ASCII characters are written
    /// as-is (the text is meant to be UTF-8); other control characters become `\uXXXX`, which
    /// keeps every entry on one physical line.
    pub fn to_properties_string(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            escape_into(&mut out, &e.key, true);
            out.push('=');
            escape_into(&mut out, &e.value, false);
            out.push('\n');
        }
        out
    }

    /// Writes raw `key=value\n` lines without any escaping. This is byte-for-byte what RocketMQ's
    /// `MixAll.properties2String` produces for GET_BROKER_CONFIG bodies and for the persisted
    /// broker config; it only reads back correctly when no key or value contains a separator,
    /// backslash, line break or leading blank, which holds for RocketMQ's own configs.
    pub fn to_plain_string(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            out.push_str(&e.key);
            out.push('=');
            out.push_str(&e.value);
            out.push('\n');
        }
        out
    }

    fn insert(&mut self, key: String, value: String, line: Option<usize>) -> Option<String> {
        match self.index.get(&key) {
            Some(&i) => {
                let entry = &mut self.entries[i];
                entry.line = line;
                Some(std::mem::replace(&mut entry.value, value))
            }
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push(Entry { key, value, line });
                None
            }
        }
    }
}

impl PartialEq for Properties {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Eq for Properties {}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Properties {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut props = Properties::new();
        for (k, v) in iter {
            props.set(k, v);
        }
        props
    }
}

/// Java's "white space" for properties: space, tab and form feed (not line breaks).
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\u{c}'
}

/// One logical line: the characters with escapes still in place (continuations already joined)
/// and the 1-based number of the natural line it starts on.
struct LogicalLine {
    chars: Vec<char>,
    line: usize,
}

/// Splits text into natural lines at `\n`, `\r\n` or `\r`, numbering them from 1.
fn natural_lines(text: &str) -> impl Iterator<Item = (usize, &str)> + '_ {
    let mut rest = Some(text);
    let mut number = 0;
    std::iter::from_fn(move || {
        let s = rest?;
        number += 1;
        match s.find(['\n', '\r']) {
            Some(pos) => {
                let after = if s[pos..].starts_with("\r\n") {
                    pos + 2
                } else {
                    pos + 1
                };
                rest = Some(&s[after..]);
                Some((number, &s[..pos]))
            }
            None => {
                rest = None;
                // A trailing terminator leaves an empty last "line"; it is blank anyway.
                Some((number, s))
            }
        }
    })
}

/// Joins natural lines into logical lines, dropping blank lines and comments.
fn logical_lines(text: &str) -> Vec<LogicalLine> {
    let mut out = Vec::new();
    let mut current: Option<LogicalLine> = None;
    for (number, natural) in natural_lines(text) {
        let stripped = natural.trim_start_matches(is_blank);
        let mut logical = match current.take() {
            // Inside a continuation, '#' and '!' are ordinary characters and an empty line
            // simply ends the logical line.
            Some(logical) => logical,
            None => {
                if stripped.is_empty() || stripped.starts_with(['#', '!']) {
                    continue;
                }
                LogicalLine {
                    chars: Vec::new(),
                    line: number,
                }
            }
        };
        logical.chars.extend(stripped.chars());
        // Java tracks backslash parity from the start of each natural line's content, so only
        // this segment's trailing run decides whether the line continues.
        let trailing = stripped.chars().rev().take_while(|&c| c == '\\').count();
        if trailing % 2 == 1 {
            logical.chars.pop();
            current = Some(logical);
        } else {
            out.push(logical);
        }
    }
    // A continuation at end of input still yields its line (Java does the same).
    if let Some(logical) = current {
        out.push(logical);
    }
    out
}

/// Splits a logical line into an unescaped key and value (Java's `Properties.load0`).
fn split_key_value(chars: &[char], line: usize) -> Result<(String, String), ConfigError> {
    let len = chars.len();
    let mut key_len = 0;
    let mut value_start = len;
    let mut has_separator = false;
    let mut preceding_backslash = false;
    while key_len < len {
        let c = chars[key_len];
        if !preceding_backslash {
            if c == '=' || c == ':' {
                value_start = key_len + 1;
                has_separator = true;
                break;
            }
            if is_blank(c) {
                value_start = key_len + 1;
                break;
            }
        }
        preceding_backslash = c == '\\' && !preceding_backslash;
        key_len += 1;
    }
    // Skip blanks before the value; one '=' or ':' after a blank separator still separates.
    while value_start < len {
        let c = chars[value_start];
        if !is_blank(c) {
            if !has_separator && (c == '=' || c == ':') {
                has_separator = true;
            } else {
                break;
            }
        }
        value_start += 1;
    }
    let key = unescape(&chars[..key_len], line)?;
    let value = unescape(&chars[value_start.min(len)..], line)?;
    Ok((key, value))
}

/// Resolves escapes (Java's `Properties.loadConvert`).
fn unescape(chars: &[char], line: usize) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&next) = chars.get(i) else {
            // Unreachable for parsed lines (an odd trailing backslash is a continuation), but
            // dropping a lone final backslash is what Java does at end of input.
            break;
        };
        i += 1;
        match next {
            't' => out.push('\t'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            'f' => out.push('\u{c}'),
            'u' => {
                let unit = hex4(chars, i, line)?;
                i += 4;
                let decoded = match unit {
                    0xD800..=0xDBFF => {
                        // A high surrogate must be followed by an escaped low surrogate.
                        let low = if chars.get(i) == Some(&'\\') && chars.get(i + 1) == Some(&'u') {
                            hex4(chars, i + 2, line).ok()
                        } else {
                            None
                        };
                        match low {
                            Some(low @ 0xDC00..=0xDFFF) => {
                                i += 6;
                                let scalar = 0x10000
                                    + ((u32::from(unit) - 0xD800) << 10)
                                    + (u32::from(low) - 0xDC00);
                                char::from_u32(scalar)
                            }
                            _ => None,
                        }
                    }
                    _ => char::from_u32(u32::from(unit)),
                };
                match decoded {
                    Some(ch) => out.push(ch),
                    None => {
                        return Err(ConfigError::Syntax {
                            line,
                            message: format!("unpaired UTF-16 surrogate in escape \\u{unit:04X}"),
                        })
                    }
                }
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// Reads exactly four hex digits at `chars[at..]` as one UTF-16 code unit.
fn hex4(chars: &[char], at: usize, line: usize) -> Result<u16, ConfigError> {
    let digits: String = chars.iter().skip(at).take(4).collect();
    let well_formed = digits.chars().count() == 4 && digits.chars().all(|c| c.is_ascii_hexdigit());
    match u16::from_str_radix(&digits, 16) {
        Ok(unit) if well_formed => Ok(unit),
        _ => Err(ConfigError::Syntax {
            line,
            message: format!("malformed \\uXXXX escape '\\u{digits}'"),
        }),
    }
}

/// Appends `s` escaped like Java's `Properties.saveConvert` (keys escape every space, values
/// only a leading one, so the reader keeps them).
fn escape_into(out: &mut String, s: &str, is_key: bool) {
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            ' ' => {
                if i == 0 || is_key {
                    out.push('\\');
                }
                out.push(' ');
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '=' | ':' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            // A byte order mark is escaped too, because the reader drops a leading one.
            c if c < ' ' || c == '\u{7f}' || c == '\u{feff}' => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Properties {
        Properties::parse(text).expect("parse")
    }

    fn pairs(props: &Properties) -> Vec<(String, String)> {
        props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn comments_and_blank_lines_are_skipped() {
        let p = parse(
            "# hash comment\n   ! bang comment\n\n \t \na=1\n  #not=comment? no, a comment\n",
        );
        assert_eq!(pairs(&p), vec![("a".into(), "1".into())]);
    }

    #[test]
    fn all_separators() {
        let p = parse("k1=v1\nk2:v2\nk3 v3\nk4 = v4\nk5 : v5\nk6\tv6\nk7   =   v7\nk8\u{c}v8\n");
        let expected: Vec<(String, String)> = (1..=8)
            .map(|i| (format!("k{i}"), format!("v{i}")))
            .collect();
        assert_eq!(pairs(&p), expected);
    }

    #[test]
    fn only_first_separator_counts_and_value_keeps_trailing_blanks() {
        let p = parse("a=b=c\nurl: http://x:1\nk  =:v \nlonely\nempty=\n");
        assert_eq!(p.get("a"), Some("b=c"));
        assert_eq!(p.get("url"), Some("http://x:1"));
        // Blanks then '=' is the separator; the ':' after it is part of the value.
        assert_eq!(p.get("k"), Some(":v "));
        assert_eq!(p.get("lonely"), Some(""));
        assert_eq!(p.get("empty"), Some(""));
    }

    #[test]
    fn escapes() {
        let p = parse("tab\\tkey=a\\tb\\nc\\rd\\fe\nesc\\=aped\\:key\\ x=\\\\path\\q\nuni=\\u0041\\u00e9\\u4E2D\n");
        assert_eq!(p.get("tab\tkey"), Some("a\tb\nc\rd\u{c}e"));
        assert_eq!(p.get("esc=aped:key x"), Some("\\pathq"));
        assert_eq!(p.get("uni"), Some("Aé中"));
    }

    #[test]
    fn surrogate_pair_escape_decodes() {
        let p = parse("smile=\\uD83D\\uDE00\n");
        assert_eq!(p.get("smile"), Some("😀"));
    }

    #[test]
    fn malformed_unicode_escape_names_the_line() {
        let err = Properties::parse("a=1\nb=\\u12G4\n").unwrap_err();
        assert!(
            matches!(err, ConfigError::Syntax { line: 2, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = Properties::parse("x=\\u12").unwrap_err();
        assert!(
            matches!(err, ConfigError::Syntax { line: 1, .. }),
            "{err:?}"
        );
        let err = Properties::parse("\n\nx=\\uD83D\n").unwrap_err();
        assert!(err.to_string().contains("surrogate"), "{err}");
        assert!(
            matches!(err, ConfigError::Syntax { line: 3, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn continuation_lines() {
        let text = "fruits=apple, \\\n        banana, \\\n\tpear\nnext=1\n";
        let p = parse(text);
        assert_eq!(p.get("fruits"), Some("apple, banana, pear"));
        assert_eq!(p.line("fruits"), Some(1));
        assert_eq!(p.get("next"), Some("1"));
        assert_eq!(p.line("next"), Some(4));
    }

    #[test]
    fn continuation_in_key_and_comment_chars_inside_continuation() {
        let p = parse("long\\\n   key=v\\\n   #not a comment\n");
        assert_eq!(p.get("longkey"), Some("v#not a comment"));
    }

    #[test]
    fn escaped_backslash_at_line_end_is_not_a_continuation() {
        let p = parse("dir=C:\\\\temp\\\\\nnext=2\n");
        assert_eq!(p.get("dir"), Some("C:\\temp\\"));
        assert_eq!(p.get("next"), Some("2"));
        // Three backslashes: one escaped pair plus a continuation.
        let p = parse("a=x\\\\\\\n  y\n");
        assert_eq!(p.get("a"), Some("x\\y"));
    }

    #[test]
    fn comment_ending_in_backslash_does_not_continue() {
        let p = parse("# comment \\\na=1\n");
        assert_eq!(p.get("a"), Some("1"));
    }

    #[test]
    fn continuation_then_blank_or_eof() {
        let p = parse("a=1\\\n\nb=2\\");
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.get("b"), Some("2"));
    }

    #[test]
    fn line_terminators_cr_crlf_lf() {
        let p = parse("a=1\r\nb=2\rc=3\nd=4");
        assert_eq!(pairs(&p).len(), 4);
        assert_eq!(p.line("d"), Some(4));
        assert_eq!(p.get("c"), Some("3"));
    }

    #[test]
    fn duplicates_later_wins_first_position_kept() {
        let p = parse("a=1\nb=2\na=3\n");
        assert_eq!(
            pairs(&p),
            vec![("a".into(), "3".into()), ("b".into(), "2".into())]
        );
        assert_eq!(p.line("a"), Some(3));
    }

    #[test]
    fn bom_is_ignored() {
        let p = parse("\u{feff}a=1\n");
        assert_eq!(p.get("a"), Some("1"));
    }

    #[test]
    fn set_remove_and_order() {
        let mut p = parse("a=1\nb=2\nc=3\n");
        assert_eq!(p.set("b", "20"), Some("2".into()));
        assert_eq!(p.line("b"), None);
        assert_eq!(p.set("d", "4"), None);
        assert_eq!(p.remove("a"), Some("1".into()));
        assert_eq!(p.get("c"), Some("3"));
        assert_eq!(p.get("d"), Some("4"));
        let keys: Vec<&str> = p.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["b", "c", "d"]);
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn store_escaping_matches_java() {
        let p: Properties = [
            ("plain", "value"),
            ("key with space", " lead and inner space"),
            ("k=:#!", "v=:#!\\"),
            ("ctl", "a\tb\nc\rd\u{c}e\u{1}"),
            ("namesrvAddr", "a:9876;b:9876"),
            ("utf", "中文"),
        ]
        .into_iter()
        .collect();
        let text = p.to_properties_string();
        assert_eq!(
            text,
            "plain=value\n\
             key\\ with\\ space=\\ lead and inner space\n\
             k\\=\\:\\#\\!=v\\=\\:\\#\\!\\\\\n\
             ctl=a\\tb\\nc\\rd\\fe\\u0001\n\
             namesrvAddr=a\\:9876;b\\:9876\n\
             utf=中文\n"
        );
        assert_eq!(Properties::parse(&text).expect("reparse"), p);
    }

    #[test]
    fn plain_string_is_unescaped() {
        let p: Properties = [("namesrvAddr", "a:9876;b:9876"), ("x", "1")]
            .into_iter()
            .collect();
        assert_eq!(p.to_plain_string(), "namesrvAddr=a:9876;b:9876\nx=1\n");
    }

    #[test]
    fn from_file_names_the_file() {
        let dir = std::env::temp_dir().join(format!("rmq-config-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let missing = dir.join("missing.properties");
        let err = Properties::from_file(&missing).unwrap_err();
        assert!(err.to_string().contains("missing.properties"), "{err}");

        let bad = dir.join("bad.properties");
        std::fs::write(&bad, "a=\\uZZZZ\n").expect("write");
        let err = Properties::from_file(&bad).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("bad.properties") && msg.contains("line 1"),
            "{msg}"
        );

        let latin1 = dir.join("latin1.properties");
        std::fs::write(&latin1, b"name=caf\xe9\n").expect("write");
        let p = Properties::from_file(&latin1).expect("latin1");
        assert_eq!(p.get("name"), Some("café"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,80}|[ \\\\=:#!u0-9a-fA-F\r\n\t]{0,40}") {
            let _ = Properties::parse(&text);
        }

        #[test]
        fn store_then_parse_round_trips(
            pairs in proptest::collection::vec(("\\PC{0,12}|[ =:#!\\\\\t\r\n\u{c}a]{0,6}", "\\PC{0,12}|[ =:#!\\\\\t\r\n\u{c}\u{1}\u{feff}b]{0,6}"), 0..6)
        ) {
            let props: Properties = pairs.into_iter().collect();
            let text = props.to_properties_string();
            let reparsed = Properties::parse(&text).expect("reparse");
            proptest::prop_assert_eq!(reparsed, props, "text: {:?}", text);
        }
    }

    #[test]
    fn never_panics_on_odd_inputs() {
        for text in [
            "\\",
            "\\\\",
            "=",
            ":",
            " = ",
            "\\u",
            "a\\",
            "\r\r\n\n",
            "\\\n",
            "k=\\uD800\\u0041",
            "\u{c}",
        ] {
            let _ = Properties::parse(text);
        }
    }
}
