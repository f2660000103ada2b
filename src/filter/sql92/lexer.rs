//! The selector lexer: `SelectorParser.jj`'s tokens (JavaCC picks the longest match, keywords
//! win ties), white space and comments.

use super::{SqlError, SqlErrorKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok<'s> {
    Eof,
    Not,
    And,
    Or,
    Between,
    In,
    True,
    False,
    Null,
    Is,
    Decimal(&'s str),
    Float(&'s str),
    /// The raw literal, quotes included.
    Str(&'s str),
    Id(&'s str),
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    LParen,
    Comma,
    RParen,
    Plus,
    Minus,
}

impl Tok<'_> {
    pub(super) fn describe(&self) -> String {
        let fixed = match self {
            Tok::Eof => "end of selector",
            Tok::Not => "NOT",
            Tok::And => "AND",
            Tok::Or => "OR",
            Tok::Between => "BETWEEN",
            Tok::In => "IN",
            Tok::True => "TRUE",
            Tok::False => "FALSE",
            Tok::Null => "NULL",
            Tok::Is => "IS",
            Tok::Eq => "'='",
            Tok::Ne => "'<>'",
            Tok::Gt => "'>'",
            Tok::Ge => "'>='",
            Tok::Lt => "'<'",
            Tok::Le => "'<='",
            Tok::LParen => "'('",
            Tok::Comma => "','",
            Tok::RParen => "')'",
            Tok::Plus => "'+'",
            Tok::Minus => "'-'",
            Tok::Decimal(s) | Tok::Float(s) | Tok::Str(s) => return (*s).to_string(),
            Tok::Id(s) => return format!("name {s}"),
        };
        fixed.to_string()
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Token<'s> {
    pub(super) tok: Tok<'s>,
    pub(super) start: usize,
}

pub(super) struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    /// Where the last line break is: a `--` after it cannot start a comment, which spares
    /// scanning the rest of the input again for every `-` token.
    last_line_break: Option<usize>,
}

impl<'s> Lexer<'s> {
    pub(super) fn new(src: &'s str) -> Self {
        let last_line_break = src.bytes().rposition(|c| c == b'\n' || c == b'\r');
        Lexer {
            src,
            pos: 0,
            last_line_break,
        }
    }

    /// The next token; the position only advances on success, so a failed look-ahead can be
    /// abandoned.
    pub(super) fn next_token(&mut self) -> Result<Token<'s>, SqlError> {
        let start = self.skip_ignored(self.pos)?;
        let (tok, end) = self.scan(start)?;
        self.pos = end;
        Ok(Token { tok, start })
    }

    fn lexical(&self, at: usize, message: impl Into<String>) -> SqlError {
        SqlError::new(self.src, SqlErrorKind::Lexical, at, message)
    }

    /// Skips white space (only space, tab, CR, LF, FF) and comments.
    fn skip_ignored(&self, mut p: usize) -> Result<usize, SqlError> {
        let b = self.src.as_bytes();
        loop {
            match b.get(p) {
                Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0c) => p += 1,
                Some(b'-') if b.get(p + 1) == Some(&b'-') => {
                    // LINE_COMMENT must end with a line break; without one the longest match
                    // is the `-` token, as in Java.
                    if self.last_line_break.is_none_or(|last| last < p + 2) {
                        return Ok(p);
                    }
                    let Some(k) = b[p + 2..].iter().position(|&c| c == b'\n' || c == b'\r') else {
                        return Ok(p);
                    };
                    let nl = p + 2 + k;
                    let crlf = b.get(nl) == Some(&b'\r') && b.get(nl + 1) == Some(&b'\n');
                    p = nl + if crlf { 2 } else { 1 };
                }
                Some(b'/') if b.get(p + 1) == Some(&b'*') => match self.src[p + 2..].find("*/") {
                    Some(k) => p = p + 2 + k + 2,
                    // `/` alone is no token.
                    None => return Err(self.lexical(p, "unterminated /* comment")),
                },
                _ => return Ok(p),
            }
        }
    }

    fn scan(&self, p: usize) -> Result<(Tok<'s>, usize), SqlError> {
        let b = self.src.as_bytes();
        let Some(&c) = b.get(p) else {
            return Ok((Tok::Eof, p));
        };
        let single = |tok| Ok((tok, p + 1));
        match c {
            b'(' => single(Tok::LParen),
            b')' => single(Tok::RParen),
            b',' => single(Tok::Comma),
            b'+' => single(Tok::Plus),
            b'-' => single(Tok::Minus),
            b'=' => single(Tok::Eq),
            b'<' => match b.get(p + 1) {
                Some(b'>') => Ok((Tok::Ne, p + 2)),
                Some(b'=') => Ok((Tok::Le, p + 2)),
                _ => single(Tok::Lt),
            },
            b'>' => match b.get(p + 1) {
                Some(b'=') => Ok((Tok::Ge, p + 2)),
                _ => single(Tok::Gt),
            },
            b'\'' => self.scan_string(p),
            b'0'..=b'9' | b'.' => self.scan_number(p),
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                let len = b[p..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'$')
                    .count();
                let word = &self.src[p..p + len];
                Ok((keyword(word).unwrap_or(Tok::Id(word)), p + len))
            }
            _ => {
                let ch = self.src[p..].chars().next().unwrap_or('?');
                Err(self.lexical(p, format!("unexpected character {ch:?}")))
            }
        }
    }

    /// `'` (`''` | any char but `'`)* `'`. The longest match wins, so a literal followed by an
    /// unterminated one (`'a'''b`) ends after the last point where it was complete.
    fn scan_string(&self, start: usize) -> Result<(Tok<'s>, usize), SqlError> {
        let b = self.src.as_bytes();
        let (mut i, mut complete) = (start + 1, None);
        while let Some(&c) = b.get(i) {
            if c != b'\'' {
                // UTF-8 continuation bytes are never `'`, so stepping by byte is safe.
                i += 1;
                continue;
            }
            complete = Some(i + 1);
            if b.get(i + 1) != Some(&b'\'') {
                break;
            }
            i += 2;
        }
        match complete {
            Some(end) => Ok((Tok::Str(&self.src[start..end]), end)),
            None => Err(self.lexical(start, "unterminated string literal")),
        }
    }

    /// DECIMAL_LITERAL `0 | [1-9][0-9]*[lL]?` against FLOATING_POINT_LITERAL
    /// `[0-9]+ . [0-9]* EXP? | . [0-9]+ EXP? | [0-9]+ EXP`, `EXP = [eE][+-]?[0-9]+`.
    fn scan_number(&self, start: usize) -> Result<(Tok<'s>, usize), SqlError> {
        let b = self.src.as_bytes();
        let digits =
            |from: usize| from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
        let exponent = |from: usize| -> Option<usize> {
            if !matches!(b.get(from), Some(b'e' | b'E')) {
                return None;
            }
            let mut q = from + 1;
            if matches!(b.get(q), Some(b'+' | b'-')) {
                q += 1;
            }
            let end = digits(q);
            (end > q).then_some(end)
        };
        let int_end = digits(start);
        let decimal_end = if int_end == start {
            None
        } else if b[start] == b'0' {
            Some(start + 1)
        } else if matches!(b.get(int_end), Some(b'l' | b'L')) {
            Some(int_end + 1)
        } else {
            Some(int_end)
        };
        let float_end = if b.get(int_end) == Some(&b'.') {
            let frac_end = digits(int_end + 1);
            if int_end == start && frac_end == int_end + 1 {
                None
            } else {
                Some(exponent(frac_end).unwrap_or(frac_end))
            }
        } else if int_end > start {
            exponent(int_end)
        } else {
            None
        };
        match (decimal_end, float_end) {
            (d, Some(f)) if d.is_none_or(|d| f > d) => Ok((Tok::Float(&self.src[start..f]), f)),
            (Some(d), _) => Ok((Tok::Decimal(&self.src[start..d]), d)),
            _ => Err(self.lexical(start, "'.' must be followed by a digit")),
        }
    }
}

fn keyword(word: &str) -> Option<Tok<'static>> {
    const KEYWORDS: [(&str, Tok<'static>); 9] = [
        ("NOT", Tok::Not),
        ("AND", Tok::And),
        ("OR", Tok::Or),
        ("BETWEEN", Tok::Between),
        ("IN", Tok::In),
        ("TRUE", Tok::True),
        ("FALSE", Tok::False),
        ("NULL", Tok::Null),
        ("IS", Tok::Is),
    ];
    KEYWORDS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(word))
        .map(|(_, t)| *t)
}

/// `stringLitteral()`: drop the quotes, `''` becomes `'`.
pub(super) fn decode_string(raw: &str) -> Box<str> {
    raw[1..raw.len() - 1].replace("''", "'").into_boxed_str()
}
