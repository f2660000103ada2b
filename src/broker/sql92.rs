//! SQL92 message selectors (`MessageSelector.bySql(..)`), compiled and evaluated exactly as the
//! 4.9.8 broker does it.
//!
//! Java compiles a selector with the `filter` module's JavaCC `SelectorParser` into expression
//! objects derived from ActiveMQ's, and the broker's `ExpressionMessageFilter.isMatchedByCommitLog`
//! evaluates them over the message's property map (the tag is the `TAGS` property). A message
//! matches only when the result is `Boolean.TRUE`: `null` ("unknown") and any exception thrown
//! while evaluating both mean "no match". A consumer moved from a Java broker must see the same
//! messages, so this module reproduces that pipeline including its surprises:
//!
//! * **Grammar** (`SelectorParser.jj`), loosest first: `OR`; `AND`; `=`, `<>`, `IS [NOT] NULL`;
//!   `>`, `>=`, `<`, `<=`, `[NOT] BETWEEN x AND y`, `[NOT] IN ('s', ..)`; prefix `+`, `-`, `NOT`;
//!   literals, properties, parentheses. `NOT` binds tighter than comparisons, so `NOT a = 'x'` is
//!   `(NOT a) = 'x'` (never true); write `NOT (a = 'x')`. Keywords are case-insensitive; property
//!   names are `[A-Za-z_$][A-Za-z0-9_$]*` (no `.`); integers are decimal only (`0x1F` lexes as
//!   `0` followed by the name `x1F`); `--` comments need a line end, `/* */` comments may not nest.
//! * **Trailing input is ignored.** The grammar has no `<EOF>`: Java parses the longest selector
//!   prefix and only lexes the one token that ended it, so `a = 1 garbage` means `a = 1` (and
//!   `a = 010` means `a = 0`). [`SqlExpression::ignored_tail`] reports such a tail.
//! * **Checks at compile time** (`ComparisonExpression.create*`): `>`/`<` operands must not be
//!   string or boolean literals or boolean expressions; `= NULL` is rejected; `TRUE = 'x'` is
//!   rejected; constant `BETWEEN` bounds must be ordered and non-null; `IN` needs a property on
//!   the left; a selector (and each `AND`/`OR`/`NOT` operand) must be boolean or a property; an
//!   integer literal must fit a `long`; a float literal must be finite and *positive* — `0.0` is
//!   rejected (`value < Double.MIN_VALUE`).
//! * **Evaluation**: properties are strings. Comparing one with a number converts the string to
//!   that number's Java type (`Integer.valueOf`, `Long.valueOf`, `Double.valueOf`), so `a > 5`
//!   fails on `"6.5"` while `a > 5.0` matches it; a failed conversion *throws*, and a throw
//!   anywhere ends the whole evaluation as "no match", even under an `OR` whose other side is
//!   true (unless `OR`/`AND` short-circuited before reaching it). `>`/`<` between two strings
//!   compares them as doubles. A missing property is `null`: comparisons give `null`, `NOT null`
//!   is `null`, `AND`/`OR` are three-valued, but `x = y` with `x` present and `y` missing is
//!   `false` (so `'x' <> a` is true when `a` is missing) and both missing is `true`.
//! * **5.x additions**: `[NOT] CONTAINS|STARTSWITH|ENDSWITH 'text'` as in RocketMQ 5, recognised
//!   only where 4.9.8 would have ended the selector (a property named `contains` still works);
//!   with an empty text they are false, on a missing property false, even negated.
//!
//! Deliberate limits Java does not have: [`MAX_SELECTOR_LEN`], [`MAX_NESTING`] and [`MAX_DEPTH`]
//! (Java dies with a `StackOverflowError` somewhere deeper), so no input can exhaust the stack.

use std::cmp::Ordering;
use std::fmt;

/// Longest selector accepted, in bytes.
pub const MAX_SELECTOR_LEN: usize = 64 * 1024;
/// Deepest nesting of parentheses and prefix operators (`NOT`, `-`, `+`); bounds the parser's
/// recursion.
pub const MAX_NESTING: usize = 100;
/// Deepest expression tree; bounds evaluation recursion. Chains such as `a = 1 = 1 = ..` or
/// `a IS NULL IS NULL ..` deepen the tree without nesting, while `AND`/`OR` chains stay flat.
pub const MAX_DEPTH: usize = 256;

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a selector does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlErrorKind {
    /// Longer than [`MAX_SELECTOR_LEN`].
    TooLong,
    /// Nested deeper than [`MAX_NESTING`] or [`MAX_DEPTH`].
    TooDeep,
    /// Characters that form no token (Java `TokenMgrError`).
    Lexical,
    /// Tokens the grammar does not allow there (Java `ParseException`).
    Syntax,
    /// Grammatical, but rejected while Java builds the expression (a `RuntimeException` from
    /// `ComparisonExpression.create*`, `ConstantExpression.create*` or `asBooleanExpression`).
    Invalid,
}

/// A selector that does not compile, with where the problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    pub kind: SqlErrorKind,
    /// Byte offset into the selector.
    pub offset: usize,
    /// 1-based line (`\n`, `\r` and `\r\n` end lines).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub message: String,
}

impl SqlError {
    fn new(src: &str, kind: SqlErrorKind, offset: usize, message: impl Into<String>) -> SqlError {
        let (line, column) = locate(src, offset);
        SqlError {
            kind,
            offset,
            line,
            column,
            message: message.into(),
        }
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid SQL92 selector at line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for SqlError {}

fn locate(src: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(src.len());
    while !src.is_char_boundary(end) {
        end -= 1;
    }
    let (mut line, mut column, mut prev_cr) = (1, 1, false);
    for c in src[..end].chars() {
        match c {
            '\n' if prev_cr => column = 1,
            '\n' | '\r' => {
                line += 1;
                column = 1;
            }
            _ => column += 1,
        }
        prev_cr = c == '\r';
    }
    (line, column)
}

/// Why evaluating a selector against one message threw in Java (the broker logs it and treats
/// the message as not matching).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalError {
    /// A string had to become a number of this type and is not one (Java wraps the
    /// `NumberFormatException` of `Integer/Long/Double.valueOf` in a `RuntimeException`).
    NotANumber(NumberType),
    /// `>`, `>=`, `<`, `<=` between two strings that are not both doubles.
    StringOrdering,
    /// A boolean compared with a string from the left (`TRUE = a`): Java casts the `Boolean` to
    /// `String` and throws `ClassCastException`.
    ClassCast,
}

/// The Java number type a string was being converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberType {
    Int,
    Long,
    Double,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::NotANumber(t) => write!(f, "property value is not a Java {t:?}"),
            EvalError::StringOrdering => f.write_str("strings compared with >, >=, < or <="),
            EvalError::ClassCast => f.write_str("boolean compared with a string"),
        }
    }
}

impl std::error::Error for EvalError {}

// ---------------------------------------------------------------------------------------------
// Compiled selector

/// A compiled SQL92 selector. Cheap to evaluate, `Send + Sync`, holds no per-message state.
#[derive(Debug, Clone)]
pub struct SqlExpression {
    source: Box<str>,
    root: Expr,
    tail: Option<usize>,
}

impl SqlExpression {
    /// Compiles a selector as the broker does on subscription (`SqlFilter.compile`).
    pub fn compile(text: &str) -> Result<SqlExpression, SqlError> {
        if text.len() > MAX_SELECTOR_LEN {
            return Err(SqlError::new(
                text,
                SqlErrorKind::TooLong,
                MAX_SELECTOR_LEN,
                format!("selector longer than {MAX_SELECTOR_LEN} bytes"),
            ));
        }
        let mut parser = Parser {
            src: text,
            lexer: Lexer::new(text),
            la: Vec::with_capacity(2),
            nesting: 0,
        };
        let start = parser.peek()?.start;
        let expr = parser.or_expr()?;
        let root = parser.as_boolean(expr, start)?;
        // Java already lexed the token that ended the selector (the loops looked at it), so a
        // lexical error there fails compilation; everything after it is never read.
        let end = parser.peek()?;
        Ok(SqlExpression {
            source: text.into(),
            root: root.expr,
            tail: (end.tok != Tok::Eof).then_some(end.start),
        })
    }

    /// The selector text as given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Input after the compiled selector, which Java (and so this module) silently ignores;
    /// worth a warning in logs.
    pub fn ignored_tail(&self) -> Option<&str> {
        self.tail.map(|at| &self.source[at..])
    }

    /// Evaluates against a message whose property `name` is `lookup(name)`: `Ok(Some(_))` is a
    /// Java `Boolean`, `Ok(None)` is `null`, `Err` is what Java would have thrown.
    pub fn evaluate<'p>(
        &self,
        lookup: impl Fn(&str) -> Option<&'p str>,
    ) -> Result<Option<bool>, EvalError> {
        eval_root(&self.root, &|name| lookup(name))
    }

    /// Whether a message matches: the evaluation is exactly `TRUE` (Java
    /// `ExpressionMessageFilter.isMatchedByCommitLog`).
    pub fn matches<'p>(&self, lookup: impl Fn(&str) -> Option<&'p str>) -> bool {
        matches!(self.evaluate(lookup), Ok(Some(true)))
    }

    /// [`matches`](Self::matches) over a stored record's properties string (`k\x01v\x02k\x01v`),
    /// looked up in place without building a map.
    pub fn matches_properties(&self, properties: &str) -> bool {
        self.matches(|name| crate::common::message::get_property(properties, name))
    }
}

impl std::str::FromStr for SqlExpression {
    type Err = SqlError;

    fn from_str(text: &str) -> Result<Self, SqlError> {
        SqlExpression::compile(text)
    }
}

impl fmt::Display for SqlExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer (SelectorParser.jj tokens; JavaCC picks the longest match, keywords win ties)

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'s> {
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
    fn describe(&self) -> String {
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
struct Token<'s> {
    tok: Tok<'s>,
    start: usize,
}

struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    /// Where the last line break is: a `--` after it cannot start a comment, which spares
    /// scanning the rest of the input again for every `-` token.
    last_line_break: Option<usize>,
}

impl<'s> Lexer<'s> {
    fn new(src: &'s str) -> Self {
        let last_line_break = src.bytes().rposition(|c| c == b'\n' || c == b'\r');
        Lexer {
            src,
            pos: 0,
            last_line_break,
        }
    }

    /// The next token; the position only advances on success, so a failed look-ahead can be
    /// abandoned.
    fn next_token(&mut self) -> Result<Token<'s>, SqlError> {
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
fn decode_string(raw: &str) -> Box<str> {
    raw[1..raw.len() - 1].replace("''", "'").into_boxed_str()
}

// ---------------------------------------------------------------------------------------------
// Expression tree (one variant per Java expression class the parser can build)

#[derive(Debug, Clone)]
enum Literal {
    Str(Box<str>),
    Int(i32),
    Long(i64),
    Double(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RelOp {
    Gt,
    Ge,
    Lt,
    Le,
}

impl RelOp {
    fn symbol(self) -> &'static str {
        match self {
            RelOp::Gt => ">",
            RelOp::Ge => ">=",
            RelOp::Lt => "<",
            RelOp::Le => "<=",
        }
    }

    /// `asBoolean(int answer)` of the four anonymous `ComparisonExpression`s.
    fn holds(self, ord: Ordering) -> bool {
        match self {
            RelOp::Gt => ord == Ordering::Greater,
            RelOp::Ge => ord != Ordering::Less,
            RelOp::Lt => ord == Ordering::Less,
            RelOp::Le => ord != Ordering::Greater,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextOp {
    Contains,
    StartsWith,
    EndsWith,
}

impl TextOp {
    fn from_word(word: &str) -> Option<TextOp> {
        [
            ("CONTAINS", TextOp::Contains),
            ("STARTSWITH", TextOp::StartsWith),
            ("ENDSWITH", TextOp::EndsWith),
        ]
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(word))
        .map(|(_, op)| op)
    }

    fn test(self, haystack: &str, needle: &str) -> bool {
        match self {
            TextOp::Contains => haystack.contains(needle),
            TextOp::StartsWith => haystack.starts_with(needle),
            TextOp::EndsWith => haystack.ends_with(needle),
        }
    }
}

#[derive(Debug, Clone)]
enum Expr {
    /// `ConstantExpression` with a string or number.
    Literal(Literal),
    /// `BooleanConstantExpression` TRUE / FALSE / NULL.
    BoolConst(Option<bool>),
    /// `PropertyExpression`.
    Property(Box<str>),
    /// `UnaryExpression.createNegate`.
    Negate(Box<Expr>),
    /// `UnaryExpression.createBooleanCast` of a property used as a boolean.
    BooleanCast(Box<str>),
    /// `UnaryExpression.createNOT`.
    Not(Box<Expr>),
    /// A chain of `LogicExpression.createAND`; flattened because evaluation is associative.
    And(Vec<Expr>),
    /// A chain of `LogicExpression.createOR`.
    Or(Vec<Expr>),
    /// `ComparisonExpression.createEqual` (`doCreateEqual`).
    Equal(Box<Expr>, Box<Expr>),
    /// `createGreaterThan` and friends.
    Relational(RelOp, Box<Expr>, Box<Expr>),
    /// `createIsNull` (`doCreateEqual(left, NULL)`).
    IsNull(Box<Expr>),
    /// `createBetween` = `value >= low AND value <= high`; `negated`: `createNotBetween` =
    /// `value < low OR value > high`. One node so `value` is not duplicated.
    Between {
        value: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
    },
    /// `createInFilter` / `createNotInFilter`; `values` sorted and deduplicated.
    In {
        property: Box<str>,
        values: Box<[Box<str>]>,
        negated: bool,
    },
    /// 5.x `createContains` and friends.
    Text {
        op: TextOp,
        negated: bool,
        operand: Box<Expr>,
        needle: Box<str>,
    },
}

impl Expr {
    /// `instanceof BooleanExpression`.
    fn is_boolean(&self) -> bool {
        !matches!(self, Expr::Literal(_) | Expr::Property(_) | Expr::Negate(_))
    }

    /// `getValue()` of a `ConstantExpression`: `None` if not a constant, `Some(None)` for NULL.
    fn constant(&self) -> Option<Option<Value<'_>>> {
        match self {
            Expr::Literal(l) => Some(Some(l.value())),
            Expr::BoolConst(b) => Some(b.map(Value::Bool)),
            _ => None,
        }
    }

    /// For error messages.
    fn what(&self) -> String {
        match self {
            Expr::Literal(Literal::Str(s)) => format!("the string '{s}'"),
            Expr::Literal(Literal::Int(v)) => format!("the number {v}"),
            Expr::Literal(Literal::Long(v)) => format!("the number {v}"),
            Expr::Literal(Literal::Double(v)) => format!("the number {v}"),
            Expr::BoolConst(Some(true)) => "TRUE".into(),
            Expr::BoolConst(Some(false)) => "FALSE".into(),
            Expr::BoolConst(None) => "NULL".into(),
            Expr::Property(name) => format!("property {name}"),
            Expr::Negate(_) => "a negation".into(),
            _ => "a boolean expression".into(),
        }
    }
}

impl Literal {
    fn value(&self) -> Value<'_> {
        match self {
            Literal::Str(s) => Value::Str(s),
            Literal::Int(v) => Value::Int(*v),
            Literal::Long(v) => Value::Long(*v),
            Literal::Double(v) => Value::Double(*v),
        }
    }
}

/// A parsed sub-expression and the depth of its tree.
struct Sub {
    expr: Expr,
    depth: usize,
}

// ---------------------------------------------------------------------------------------------
// Parser (recursive descent mirroring the JavaCC productions, which are LL with 2-token
// look-ahead at `IS NULL`, `NOT BETWEEN`, `NOT IN`)

struct Parser<'s> {
    src: &'s str,
    lexer: Lexer<'s>,
    /// Look-ahead tokens, at most two.
    la: Vec<Token<'s>>,
    nesting: usize,
}

impl<'s> Parser<'s> {
    fn error(&self, kind: SqlErrorKind, at: usize, message: impl Into<String>) -> SqlError {
        SqlError::new(self.src, kind, at, message)
    }

    fn peek(&mut self) -> Result<Token<'s>, SqlError> {
        if self.la.is_empty() {
            let t = self.lexer.next_token()?;
            self.la.push(t);
        }
        Ok(self.la[0])
    }

    fn peek2(&mut self) -> Result<Token<'s>, SqlError> {
        let first = self.peek()?;
        if self.la.len() < 2 {
            let t = if first.tok == Tok::Eof {
                first
            } else {
                self.lexer.next_token()?
            };
            self.la.push(t);
        }
        Ok(self.la[1])
    }

    fn bump(&mut self) -> Result<Token<'s>, SqlError> {
        self.peek()?;
        Ok(self.la.remove(0))
    }

    fn expect(&mut self, tok: Tok<'static>, what: &str) -> Result<Token<'s>, SqlError> {
        let t = self.peek()?;
        if t.tok == tok {
            return self.bump();
        }
        Err(self.unexpected(t, what))
    }

    fn unexpected(&self, t: Token<'_>, expected: &str) -> SqlError {
        let message = format!("expected {expected}, found {}", t.tok.describe());
        self.error(SqlErrorKind::Syntax, t.start, message)
    }

    fn expect_string(&mut self) -> Result<Box<str>, SqlError> {
        let t = self.peek()?;
        match t.tok {
            Tok::Str(raw) => {
                self.bump()?;
                Ok(decode_string(raw))
            }
            _ => Err(self.unexpected(t, "a string literal")),
        }
    }

    fn enter(&mut self, at: usize) -> Result<(), SqlError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            let message = format!("more than {MAX_NESTING} nested parentheses or prefix operators");
            return Err(self.error(SqlErrorKind::TooDeep, at, message));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    fn node(&self, expr: Expr, depth: usize, at: usize) -> Result<Sub, SqlError> {
        if depth > MAX_DEPTH {
            let message = format!("expression tree deeper than {MAX_DEPTH}");
            return Err(self.error(SqlErrorKind::TooDeep, at, message));
        }
        Ok(Sub { expr, depth })
    }

    fn invalid(&self, at: usize, message: impl Into<String>) -> SqlError {
        self.error(SqlErrorKind::Invalid, at, message)
    }

    // ---- productions ----

    fn or_expr(&mut self) -> Result<Sub, SqlError> {
        let mut left = self.and_expr()?;
        while self.peek()?.tok == Tok::Or {
            let op = self.bump()?;
            let right = self.and_expr()?;
            left = self.logic(true, left, right, op.start)?;
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Sub, SqlError> {
        let mut left = self.equality_expr()?;
        while self.peek()?.tok == Tok::And {
            let op = self.bump()?;
            let right = self.equality_expr()?;
            left = self.logic(false, left, right, op.start)?;
        }
        Ok(left)
    }

    fn equality_expr(&mut self) -> Result<Sub, SqlError> {
        let mut left = self.comparison_expr()?;
        loop {
            let t = self.peek()?;
            match t.tok {
                Tok::Eq | Tok::Ne => {
                    self.bump()?;
                    let right = self.comparison_expr()?;
                    left = self.equal(left, right, t.start)?;
                    if t.tok == Tok::Ne {
                        // createNotEqual = NOT(createEqual)
                        left =
                            self.node(Expr::Not(Box::new(left.expr)), left.depth + 1, t.start)?;
                    }
                }
                Tok::Is => {
                    let negated = self.peek2()?.tok != Tok::Null;
                    self.bump()?;
                    if negated {
                        self.expect(Tok::Not, "NULL or NOT NULL after IS")?;
                    }
                    self.expect(Tok::Null, "NULL")?;
                    left = self.node(Expr::IsNull(Box::new(left.expr)), left.depth + 1, t.start)?;
                    if negated {
                        left =
                            self.node(Expr::Not(Box::new(left.expr)), left.depth + 1, t.start)?;
                    }
                }
                _ => return Ok(left),
            }
        }
    }

    fn comparison_expr(&mut self) -> Result<Sub, SqlError> {
        let mut left = self.unary_expr()?;
        loop {
            let t = self.peek()?;
            let op = match t.tok {
                Tok::Gt => RelOp::Gt,
                Tok::Ge => RelOp::Ge,
                Tok::Lt => RelOp::Lt,
                Tok::Le => RelOp::Le,
                Tok::Between => {
                    self.bump()?;
                    left = self.between_rest(left, false, t.start)?;
                    continue;
                }
                Tok::In => {
                    self.bump()?;
                    left = self.in_rest(left, false, t.start)?;
                    continue;
                }
                Tok::Not => {
                    left = self.negated_rest(left, t.start)?;
                    continue;
                }
                Tok::Id(word) => {
                    // 4.9.8 ends the selector at a name here; take the name as a 5.x operator
                    // only when its string operand follows. A look-ahead that fails to lex
                    // leaves things as 4.9.8 has them: that token is never read.
                    let Some(text_op) = TextOp::from_word(word) else {
                        return Ok(left);
                    };
                    if !matches!(self.peek2().map(|t| t.tok), Ok(Tok::Str(_))) {
                        return Ok(left);
                    }
                    self.bump()?;
                    left = self.text_rest(left, text_op, false, t.start)?;
                    continue;
                }
                _ => return Ok(left),
            };
            self.bump()?;
            let right = self.unary_expr()?;
            left = self.relational(op, left, right, t.start)?;
        }
    }

    /// Java enters the comparison loop on a NOT after an operand, so it must start `NOT
    /// BETWEEN`, `NOT IN` (or a 5.x `NOT CONTAINS` ..) there.
    fn negated_rest(&mut self, left: Sub, at: usize) -> Result<Sub, SqlError> {
        let t2 = self.peek2()?;
        let text_op = match t2.tok {
            Tok::Id(word) => TextOp::from_word(word),
            _ => None,
        };
        if !matches!(t2.tok, Tok::Between | Tok::In) && text_op.is_none() {
            let expected = "BETWEEN, IN, CONTAINS, STARTSWITH or ENDSWITH after NOT";
            return Err(self.unexpected(t2, expected));
        }
        self.bump()?;
        self.bump()?;
        match (t2.tok, text_op) {
            (Tok::Between, _) => self.between_rest(left, true, at),
            (Tok::In, _) => self.in_rest(left, true, at),
            (_, Some(op)) => self.text_rest(left, op, true, at),
            _ => Err(self.unexpected(t2, "BETWEEN or IN after NOT")),
        }
    }

    fn unary_expr(&mut self) -> Result<Sub, SqlError> {
        let t = self.peek()?;
        match t.tok {
            Tok::Plus | Tok::Minus | Tok::Not => {
                self.enter(t.start)?;
                self.bump()?;
                let operand = self.unary_expr()?;
                self.leave();
                match t.tok {
                    // "+" unaryExpr() is the operand itself.
                    Tok::Plus => Ok(operand),
                    Tok::Minus => self.node(
                        Expr::Negate(Box::new(operand.expr)),
                        operand.depth + 1,
                        t.start,
                    ),
                    _ => {
                        let operand = self.as_boolean(operand, t.start)?;
                        self.node(
                            Expr::Not(Box::new(operand.expr)),
                            operand.depth + 1,
                            t.start,
                        )
                    }
                }
            }
            _ => self.primary_expr(),
        }
    }

    fn primary_expr(&mut self) -> Result<Sub, SqlError> {
        let t = self.peek()?;
        let expr = match t.tok {
            Tok::Str(raw) => Expr::Literal(Literal::Str(decode_string(raw))),
            Tok::Decimal(text) => Expr::Literal(self.decimal(text, t.start)?),
            Tok::Float(text) => Expr::Literal(self.float(text, t.start)?),
            Tok::True => Expr::BoolConst(Some(true)),
            Tok::False => Expr::BoolConst(Some(false)),
            Tok::Null => Expr::BoolConst(None),
            Tok::Id(name) => Expr::Property(name.into()),
            Tok::LParen => {
                self.enter(t.start)?;
                self.bump()?;
                // Parentheses leave no trace in Java's tree: `(a) IN ('x')` is legal.
                let inner = self.or_expr()?;
                self.expect(Tok::RParen, "')'")?;
                self.leave();
                return Ok(inner);
            }
            _ => return Err(self.unexpected(t, "a literal, a property name or '('")),
        };
        self.bump()?;
        Ok(Sub { expr, depth: 1 })
    }

    fn between_rest(&mut self, value: Sub, negated: bool, at: usize) -> Result<Sub, SqlError> {
        let low = self.unary_expr()?;
        self.expect(Tok::And, "AND")?;
        let high = self.unary_expr()?;
        self.between(value, low, high, negated, at)
    }

    fn in_rest(&mut self, left: Sub, negated: bool, at: usize) -> Result<Sub, SqlError> {
        self.expect(Tok::LParen, "'(' after IN")?;
        let mut values = vec![self.expect_string()?];
        while self.peek()?.tok == Tok::Comma {
            self.bump()?;
            values.push(self.expect_string()?);
        }
        self.expect(Tok::RParen, "',' or ')'")?;
        let Expr::Property(property) = left.expr else {
            let message = format!("IN needs a property on its left, not {}", left.expr.what());
            return Err(self.invalid(at, message));
        };
        values.sort_unstable();
        values.dedup();
        let expr = Expr::In {
            property,
            values: values.into_boxed_slice(),
            negated,
        };
        self.node(expr, left.depth + 1, at)
    }

    fn text_rest(
        &mut self,
        left: Sub,
        op: TextOp,
        negated: bool,
        at: usize,
    ) -> Result<Sub, SqlError> {
        let needle = self.expect_string()?;
        let expr = Expr::Text {
            op,
            negated,
            operand: Box::new(left.expr),
            needle,
        };
        self.node(expr, left.depth + 1, at)
    }

    // ---- node construction with Java's checks ----

    /// `asBooleanExpression`: boolean expressions pass, a property gets a boolean cast,
    /// anything else is rejected.
    fn as_boolean(&self, sub: Sub, at: usize) -> Result<Sub, SqlError> {
        if sub.expr.is_boolean() {
            return Ok(sub);
        }
        match sub.expr {
            Expr::Property(name) => Ok(Sub {
                expr: Expr::BooleanCast(name),
                depth: sub.depth,
            }),
            other => {
                let message = format!("{} is not a boolean expression", other.what());
                Err(self.invalid(at, message))
            }
        }
    }

    fn logic(&self, or: bool, left: Sub, right: Sub, at: usize) -> Result<Sub, SqlError> {
        let left = self.as_boolean(left, at)?;
        let right = self.as_boolean(right, at)?;
        let mut children = Vec::new();
        let mut depth = 0;
        for part in [left, right] {
            match part.expr {
                Expr::Or(list) if or => {
                    depth = depth.max(part.depth);
                    children.extend(list);
                }
                Expr::And(list) if !or => {
                    depth = depth.max(part.depth);
                    children.extend(list);
                }
                expr => {
                    depth = depth.max(part.depth + 1);
                    children.push(expr);
                }
            }
        }
        let expr = if or {
            Expr::Or(children)
        } else {
            Expr::And(children)
        };
        self.node(expr, depth, at)
    }

    /// `createEqual`: `checkEqualOperand` both sides, then `checkEqualOperandCompatability`.
    fn equal(&self, left: Sub, right: Sub, at: usize) -> Result<Sub, SqlError> {
        for side in [&left.expr, &right.expr] {
            if matches!(side, Expr::BoolConst(None)) {
                return Err(self.invalid(at, "NULL cannot be compared with = or <>; use IS NULL"));
            }
        }
        // Two constants: a boolean one on the left needs a boolean one on the right.
        if matches!(
            (&left.expr, &right.expr),
            (Expr::BoolConst(_), Expr::Literal(_))
        ) {
            let message = format!(
                "{} cannot be compared with {}",
                left.expr.what(),
                right.expr.what()
            );
            return Err(self.invalid(at, message));
        }
        let depth = left.depth.max(right.depth) + 1;
        self.node(
            Expr::Equal(Box::new(left.expr), Box::new(right.expr)),
            depth,
            at,
        )
    }

    /// `checkLessThanOperand`: only number literals, properties and negations may be ordered
    /// (string and boolean literals and boolean expressions may not).
    fn check_orderable(&self, expr: &Expr, op: &str, at: usize) -> Result<(), SqlError> {
        let allowed = match expr {
            Expr::Literal(Literal::Str(_)) => false,
            Expr::Literal(_) | Expr::Property(_) | Expr::Negate(_) => true,
            _ => false,
        };
        if allowed {
            return Ok(());
        }
        Err(self.invalid(at, format!("{} cannot be compared with {op}", expr.what())))
    }

    fn relational(&self, op: RelOp, left: Sub, right: Sub, at: usize) -> Result<Sub, SqlError> {
        self.check_orderable(&left.expr, op.symbol(), at)?;
        self.check_orderable(&right.expr, op.symbol(), at)?;
        let depth = left.depth.max(right.depth) + 1;
        let expr = Expr::Relational(op, Box::new(left.expr), Box::new(right.expr));
        self.node(expr, depth, at)
    }

    fn between(
        &self,
        value: Sub,
        low: Sub,
        high: Sub,
        negated: bool,
        at: usize,
    ) -> Result<Sub, SqlError> {
        let (low_op, high_op) = if negated {
            (RelOp::Lt, RelOp::Gt)
        } else {
            // Only createBetween checks constant bounds (createNotBetween does not).
            if let (Some(lv), Some(hv)) = (low.expr.constant(), high.expr.constant()) {
                let (Some(lv), Some(hv)) = (lv, hv) else {
                    return Err(self.invalid(at, "BETWEEN bounds cannot be NULL"));
                };
                match java_compare(hv, lv) {
                    Ok(Ordering::Less) => {
                        let message = format!(
                            "BETWEEN needs low <= high, got {} and {}",
                            low.expr.what(),
                            high.expr.what()
                        );
                        return Err(self.invalid(at, message));
                    }
                    Ok(_) => {}
                    Err(_) => return Err(self.invalid(at, "BETWEEN bounds cannot be compared")),
                }
            }
            (RelOp::Ge, RelOp::Le)
        };
        self.check_orderable(&value.expr, low_op.symbol(), at)?;
        self.check_orderable(&low.expr, low_op.symbol(), at)?;
        self.check_orderable(&value.expr, high_op.symbol(), at)?;
        self.check_orderable(&high.expr, high_op.symbol(), at)?;
        // Java's tree is two levels: a logic node over two comparisons.
        let depth = value.depth.max(low.depth).max(high.depth) + 2;
        let expr = Expr::Between {
            value: Box::new(value.expr),
            low: Box::new(low.expr),
            high: Box::new(high.expr),
            negated,
        };
        self.node(expr, depth, at)
    }

    /// `ConstantExpression.createFromDecimal`: a `long`, narrowed to `int` when it fits.
    fn decimal(&self, text: &str, at: usize) -> Result<Literal, SqlError> {
        let digits = text.strip_suffix(['l', 'L']).unwrap_or(text);
        match digits.parse::<i64>() {
            Ok(v) => Ok(i32::try_from(v).map_or(Literal::Long(v), Literal::Int)),
            Err(_) => Err(self.invalid(at, format!("{text} does not fit a long"))),
        }
    }

    /// `ConstantExpression.createFloat`: rejects infinity and anything below
    /// `Double.MIN_VALUE` (the smallest positive double), which includes `0.0`.
    fn float(&self, text: &str, at: usize) -> Result<Literal, SqlError> {
        let value: f64 = text
            .parse()
            .map_err(|_| self.invalid(at, format!("{text} is not a number")))?;
        if value > f64::MAX {
            return Err(self.invalid(at, format!("{text} is greater than 1.7976931348623157E308")));
        }
        if value < f64::from_bits(1) {
            return Err(self.invalid(at, format!("{text} is less than 4.9E-324")));
        }
        Ok(Literal::Double(value))
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/// A Java value an expression evaluates to (`null` is the `None` around it).
#[derive(Debug, Clone, Copy)]
enum Value<'v> {
    Bool(bool),
    Int(i32),
    Long(i64),
    Double(f64),
    Str(&'v str),
}

type Props<'a, 'v> = &'a dyn Fn(&str) -> Option<&'v str>;
type Eval<T> = Result<Option<T>, EvalError>;

/// Gives the tree and the looked-up values one lifetime `'v`, so values can borrow from either.
fn eval_root<'v>(root: &'v Expr, props: Props<'_, 'v>) -> Eval<bool> {
    root.eval_bool(props)
}

impl Expr {
    fn eval<'v>(&'v self, props: Props<'_, 'v>) -> Eval<Value<'v>> {
        Ok(match self {
            Expr::Literal(l) => Some(l.value()),
            Expr::BoolConst(b) => b.map(Value::Bool),
            Expr::Property(name) => props(name).map(Value::Str),
            Expr::Negate(e) => match e.eval(props)? {
                Some(Value::Int(v)) => Some(Value::Int(v.wrapping_neg())),
                Some(Value::Long(v)) => Some(Value::Long(v.wrapping_neg())),
                Some(Value::Double(v)) => Some(Value::Double(-v)),
                // Negating a non-number is null.
                _ => None,
            },
            // A property value is a String, never a Boolean: the cast gives FALSE.
            Expr::BooleanCast(name) => props(name).map(|_| Value::Bool(false)),
            Expr::Not(e) => e.eval_bool(props)?.map(|b| Value::Bool(!b)),
            Expr::And(list) => logic(list, false, props)?.map(Value::Bool),
            Expr::Or(list) => logic(list, true, props)?.map(Value::Bool),
            Expr::Equal(l, r) => equal(l.eval(props)?, r.eval(props)?)?.map(Value::Bool),
            Expr::Relational(op, l, r) => match l.eval(props)? {
                None => None,
                Some(lv) => relational(*op, lv, r, props)?.map(Value::Bool),
            },
            Expr::IsNull(e) => Some(Value::Bool(e.eval(props)?.is_none())),
            Expr::Between {
                value,
                low,
                high,
                negated,
            } => between(value, low, high, *negated, props)?.map(Value::Bool),
            Expr::In {
                property,
                values,
                negated,
            } => props(property).map(|s| {
                let found = values.binary_search_by(|v| (**v).cmp(s)).is_ok();
                Value::Bool(found != *negated)
            }),
            Expr::Text {
                op,
                negated,
                operand,
                needle,
            } => {
                // The 5.x expressions answer FALSE, never null, even negated.
                if needle.is_empty() {
                    Some(Value::Bool(false))
                } else {
                    let hit = match operand.eval(props)? {
                        Some(Value::Str(s)) => op.test(s, needle) != *negated,
                        _ => false,
                    };
                    Some(Value::Bool(hit))
                }
            }
        })
    }

    /// `(Boolean) evaluate(..)`: the parser only puts boolean expressions here.
    fn eval_bool<'v>(&'v self, props: Props<'_, 'v>) -> Eval<bool> {
        match self.eval(props)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(EvalError::ClassCast),
        }
    }
}

/// A chain of `LogicExpression`s, left to right: AND stops at the first FALSE, OR at the first
/// TRUE (later operands are not evaluated, so cannot throw); otherwise null if any was null.
fn logic<'v>(list: &'v [Expr], or: bool, props: Props<'_, 'v>) -> Eval<bool> {
    let mut items = list.iter();
    let mut acc = match items.next() {
        Some(first) => first.eval_bool(props)?,
        None => return Ok(None),
    };
    for item in items {
        if acc == Some(or) {
            break;
        }
        let next = item.eval_bool(props)?;
        acc = if next == Some(or) {
            Some(or)
        } else if acc.is_none() || next.is_none() {
            None
        } else {
            Some(!or)
        };
    }
    Ok(acc)
}

/// `doCreateEqual(..).evaluate`: both sides are evaluated first; null only on the left gives
/// null, null only on the right gives FALSE, both null gives TRUE.
fn equal(lv: Option<Value<'_>>, rv: Option<Value<'_>>) -> Eval<bool> {
    Ok(match (lv, rv) {
        (None, None) => Some(true),
        (None, Some(_)) => None,
        (Some(_), None) => Some(false),
        (Some(a), Some(b)) => Some(java_equals(a, b) || java_compare(a, b)? == Ordering::Equal),
    })
}

/// `ComparisonExpression.evaluate` with the left value already known (non-null): the right
/// side is only evaluated when the left is not null.
fn relational<'v>(op: RelOp, lv: Value<'v>, right: &'v Expr, props: Props<'_, 'v>) -> Eval<bool> {
    let Some(rv) = right.eval(props)? else {
        return Ok(None);
    };
    let ord = match (lv, rv) {
        (Value::Str(a), Value::Str(b)) => {
            let a = java_double_value_of(a).ok_or(EvalError::StringOrdering)?;
            let b = java_double_value_of(b).ok_or(EvalError::StringOrdering)?;
            java_double_compare(a, b)
        }
        _ => java_compare(lv, rv)?,
    };
    Ok(Some(op.holds(ord)))
}

/// `value >= low AND value <= high` (or `value < low OR value > high`); `value` is evaluated
/// once since Java's two evaluations of it always agree.
fn between<'v>(
    value: &'v Expr,
    low: &'v Expr,
    high: &'v Expr,
    negated: bool,
    props: Props<'_, 'v>,
) -> Eval<bool> {
    let v = value.eval(props)?;
    let side = |op: RelOp, bound: &'v Expr| -> Eval<bool> {
        match v {
            None => Ok(None),
            Some(v) => relational(op, v, bound, props),
        }
    };
    let (low_op, high_op, stop) = if negated {
        (RelOp::Lt, RelOp::Gt, true)
    } else {
        (RelOp::Ge, RelOp::Le, false)
    };
    let first = side(low_op, low)?;
    if first == Some(stop) {
        return Ok(first);
    }
    let second = side(high_op, high)?;
    Ok(if second == Some(stop) {
        Some(stop)
    } else if first.is_none() || second.is_none() {
        None
    } else {
        Some(!stop)
    })
}

/// `lv.equals(rv)`.
fn java_equals(a: Value<'_>, b: Value<'_>) -> bool {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Long(x), Value::Long(y)) => x == y,
        (Value::Double(x), Value::Double(y)) => java_double_bits(x) == java_double_bits(y),
        (Value::Str(x), Value::Str(y)) => x == y,
        _ => false,
    }
}

/// `ComparisonExpression.__compare(lv, rv, true)`: values of different types are converted to
/// the wider number type, a string to the other side's type (a conversion failure throws);
/// pairs it does not know answer -1 (`Less`).
fn java_compare(lv: Value<'_>, rv: Value<'_>) -> Result<Ordering, EvalError> {
    use Value::{Bool, Double, Int, Long, Str};
    let int = |s: &str| java_int_value_of(s).ok_or(EvalError::NotANumber(NumberType::Int));
    let long = |s: &str| java_long_value_of(s).ok_or(EvalError::NotANumber(NumberType::Long));
    let double = |s: &str| java_double_value_of(s).ok_or(EvalError::NotANumber(NumberType::Double));
    Ok(match (lv, rv) {
        (Bool(a), Bool(b)) => a.cmp(&b),
        (Int(a), Int(b)) => a.cmp(&b),
        (Long(a), Long(b)) => a.cmp(&b),
        (Double(a), Double(b)) => java_double_compare(a, b),
        // Java orders by UTF-16 unit, this by code point; only `== 0` is ever used here (from
        // `=`; two strings under `>`/`<` are compared as doubles), so the difference is moot.
        (Str(a), Str(b)) => a.cmp(b),
        // `lv = Boolean.valueOf((String) lv)` casts the Boolean itself.
        (Bool(_), Str(_)) => return Err(EvalError::ClassCast),
        (Bool(_), _) => Ordering::Less,
        (Int(a), Long(b)) => i64::from(a).cmp(&b),
        (Int(a), Double(b)) => java_double_compare(f64::from(a), b),
        (Int(a), Str(b)) => a.cmp(&int(b)?),
        (Long(a), Int(b)) => a.cmp(&i64::from(b)),
        (Long(a), Double(b)) => java_double_compare(a as f64, b),
        (Long(a), Str(b)) => a.cmp(&long(b)?),
        (Double(a), Int(b)) => java_double_compare(a, f64::from(b)),
        (Double(a), Long(b)) => java_double_compare(a, b as f64),
        (Double(a), Str(b)) => java_double_compare(a, double(b)?),
        (Int(_) | Long(_) | Double(_), Bool(_)) => Ordering::Less,
        (Str(a), Bool(b)) => java_boolean_value_of(a).cmp(&b),
        (Str(a), Int(b)) => int(a)?.cmp(&b),
        (Str(a), Long(b)) => long(a)?.cmp(&b),
        (Str(a), Double(b)) => java_double_compare(double(a)?, b),
    })
}

// ---------------------------------------------------------------------------------------------
// Java number semantics

/// `Double.doubleToLongBits`: every NaN is the canonical one.
fn java_double_bits(v: f64) -> i64 {
    if v.is_nan() {
        0x7ff8_0000_0000_0000
    } else {
        v.to_bits() as i64
    }
}

/// `Double.compare`: numeric order, `-0.0 < 0.0`, NaN above everything and equal to itself.
fn java_double_compare(a: f64, b: f64) -> Ordering {
    if a < b {
        Ordering::Less
    } else if a > b {
        Ordering::Greater
    } else {
        java_double_bits(a).cmp(&java_double_bits(b))
    }
}

/// `Boolean.valueOf(String)`: `"true"` in any case.
fn java_boolean_value_of(s: &str) -> bool {
    s.eq_ignore_ascii_case("true")
}

fn java_int_value_of(s: &str) -> Option<i32> {
    java_parse_integer(s, i128::from(i32::MIN), i128::from(i32::MAX)).map(|v| v as i32)
}

fn java_long_value_of(s: &str) -> Option<i64> {
    java_parse_integer(s, i128::from(i64::MIN), i128::from(i64::MAX)).map(|v| v as i64)
}

/// `Integer.parseInt` / `Long.parseLong` in radix 10: an optional `+`/`-`, then at least one
/// digit in the sense of `Character.digit` (any Unicode decimal digit, not only ASCII); no
/// white space; out of range fails.
fn java_parse_integer(s: &str, min: i128, max: i128) -> Option<i128> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut magnitude: i128 = 0;
    for c in digits.chars() {
        magnitude = magnitude * 10 + i128::from(java_decimal_digit(c)?);
        if magnitude > max + 1 {
            return None;
        }
    }
    let value = if negative { -magnitude } else { magnitude };
    (min..=max).contains(&value).then_some(value)
}

/// `Character.digit(c, 10)`. Java 8 (Unicode 6.2) knows these decimal digit runs in the BMP;
/// supplementary characters are two `char`s in Java and never digits there.
fn java_decimal_digit(c: char) -> Option<u32> {
    const ZEROS: [u32; 35] = [
        0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66,
        0x0CE6, 0x0D66, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0,
        0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xAA50,
        0xABF0, 0xFF10,
    ];
    let code = u32::from(c);
    ZEROS
        .iter()
        .find(|&&zero| (zero..zero + 10).contains(&code))
        .map(|zero| code - zero)
}

/// `Double.valueOf(String)` (`FloatingDecimal.readJavaFormatString`): trims characters up to
/// U+0020, then an optional sign and `NaN`, `Infinity`, a hexadecimal `0x..p..` or a decimal
/// with optional exponent; one trailing `f`, `F`, `d` or `D` is allowed. Correctly rounded.
fn java_double_value_of(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c <= ' ');
    let b = t.as_bytes();
    let mut i = 0;
    let negative = match b.first()? {
        b'-' => {
            i = 1;
            true
        }
        b'+' => {
            i = 1;
            false
        }
        _ => false,
    };
    match b.get(i)? {
        b'N' => return (&t[i..] == "NaN").then_some(f64::NAN),
        b'I' => {
            return (&t[i..] == "Infinity").then_some(if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        b'0' if matches!(b.get(i + 1), Some(b'x' | b'X')) => return java_parse_hex(t),
        _ => {}
    }
    let mut seen_digit = false;
    let mut seen_point = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => seen_digit = true,
            b'.' if !seen_point => seen_point = true,
            b'.' => return None,
            _ => break,
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    let number = &t[..i];
    match &b[i..] {
        [] | [b'f' | b'F' | b'd' | b'D'] => number.parse().ok(),
        _ => None,
    }
}

/// `FloatingDecimal.parseHexString`: `[+-]0x` hex digits with an optional point (at least one
/// digit), a mandatory binary exponent `p[+-]digits`, an optional `fFdD`; rounded to nearest
/// even. An exponent beyond `int` gives infinity or zero by its sign.
fn java_parse_hex(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    let mut i = 0;
    let negative = match b.first()? {
        b'-' => {
            i = 1;
            true
        }
        b'+' => {
            i = 1;
            false
        }
        _ => false,
    };
    i += 2; // "0x", checked by the caller
    let hex_run = |from: usize| {
        from + b[from..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count()
    };
    let int_end = hex_run(i);
    let int_digits = &b[i..int_end];
    i = int_end;
    let mut frac_digits: &[u8] = &[];
    if b.get(i) == Some(&b'.') {
        let frac_end = hex_run(i + 1);
        frac_digits = &b[i + 1..frac_end];
        i = frac_end;
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return None;
    }
    if !matches!(b.get(i), Some(b'p' | b'P')) {
        return None;
    }
    i += 1;
    let exp_negative = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let exp_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if i == exp_start {
        return None;
    }
    let exp_text = &t[exp_start..i];
    if matches!(b.get(i), Some(b'f' | b'F' | b'd' | b'D')) {
        i += 1;
    }
    if i != b.len() {
        return None;
    }
    let sign = if negative { -1.0 } else { 1.0 };
    let digits: Vec<u8> = int_digits
        .iter()
        .chain(frac_digits)
        .map(|&c| (c as char).to_digit(16).unwrap_or(0) as u8)
        .skip_while(|&d| d == 0)
        .collect();
    if digits.is_empty() {
        return Some(sign * 0.0);
    }
    let Ok(exp) = exp_text.parse::<i32>() else {
        return Some(if exp_negative {
            sign * 0.0
        } else {
            sign * f64::INFINITY
        });
    };
    let exp = if exp_negative {
        -i64::from(exp)
    } else {
        i64::from(exp)
    };
    let bin_exp = exp - 4 * frac_digits.len() as i64;
    Some(sign * round_binary(&digits, bin_exp))
}

/// The double nearest (ties to even) to `digits` (hex, most significant first, non-zero
/// leading digit) × 2^`bin_exp`.
fn round_binary(digits: &[u8], bin_exp: i64) -> f64 {
    let take = digits.len().min(16);
    let mut m: u64 = digits[..take]
        .iter()
        .fold(0, |acc, &d| (acc << 4) | u64::from(d));
    let sticky = digits[take..].iter().any(|&d| d != 0);
    let mut e = bin_exp + 4 * (digits.len() - take) as i64;
    let lz = m.leading_zeros();
    m <<= lz;
    e -= i64::from(lz);
    // Now the value is (m + a sticky fraction) × 2^e with bit 63 of m set.
    let round_up = |rem: u64, bits: u32, kept: u64| {
        let half = 1u64 << (bits - 1);
        rem > half || (rem == half && (sticky || kept & 1 == 1))
    };
    let top = e + 63;
    if top > 1023 {
        return f64::INFINITY;
    }
    if top >= -1022 {
        let mut mantissa = m >> 11;
        if round_up(m & 0x7ff, 11, mantissa) {
            mantissa += 1;
        }
        let mut exponent = top;
        if mantissa == 1 << 53 {
            mantissa >>= 1;
            exponent += 1;
        }
        if exponent > 1023 {
            return f64::INFINITY;
        }
        let bits = (((exponent + 1023) as u64) << 52) | (mantissa & ((1 << 52) - 1));
        return f64::from_bits(bits);
    }
    // Subnormal: count in units of 2^-1074.
    let shift = -1074 - e;
    if shift > 64 {
        return 0.0;
    }
    let shift = shift as u32;
    let (kept, rem) = if shift == 64 {
        (0, m)
    } else {
        (m >> shift, m & ((1u64 << shift) - 1))
    };
    let kept = if round_up(rem, shift, kept) {
        kept + 1
    } else {
        kept
    };
    // A carry into bit 52 lands in the exponent field: the smallest normal, as it should.
    f64::from_bits(kept)
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    /// What Java's `evaluate` returns: TRUE, FALSE, null, or it throws.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum R {
        T,
        F,
        N,
        E,
    }
    use R::{E, F, N, T};

    fn eval(expr: &str, props: &[(&str, &str)]) -> R {
        let compiled = SqlExpression::compile(expr).unwrap_or_else(|e| panic!("{expr:?}: {e}"));
        let lookup = |name: &str| {
            props
                .iter()
                .rev()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v)
        };
        let result = match compiled.evaluate(lookup) {
            Ok(Some(true)) => T,
            Ok(Some(false)) => F,
            Ok(None) => N,
            Err(_) => E,
        };
        assert_eq!(compiled.matches(lookup), result == T, "{expr:?}");
        result
    }

    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], R);

    fn check(cases: &[Case<'_>]) {
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|&(expr, props, want)| {
                let got = eval(expr, props);
                (got != want).then(|| format!("{expr:?} {props:?}: want {want:?}, got {got:?}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    const AND_EXPR: &str = "a=3 and b<>4 And c>5 AND d<=4";
    const OR_EXPR: &str = "a=3 or b<>4 Or c>5 OR d<=4";

    /// filter/src/test/java/org/apache/rocketmq/filter/ExpressionTest.java (4.9.8); Java's
    /// contexts with Integer values are given here as the strings a broker would see.
    #[test]
    fn java_expression_test_cases() {
        check(&[
            (
                "TAGS is not null and TAGS='''''tag'''''",
                &[("TAGS", "''tag''")],
                T,
            ),
            // testEvaluate_stringCompare: the first throwing eval ends the Java test
            // (expected = RuntimeException); the later blocks hold with these semantics.
            ("a between up and low", &[("a", "3.14")], N),
            (
                "a between up and low",
                &[("a", "3.14"), ("up", "up"), ("low", "low")],
                E,
            ),
            (
                "key is not null and key between 0 and 100",
                &[("key", "con")],
                E,
            ),
            ("a between 0 and 100", &[("a", "abc")], E),
            ("a=b", &[("a", "3.14"), ("b", "3.14")], T),
            ("a<>b", &[("a", "3.14"), ("b", "3.14")], F),
            ("a<>b", &[("a", "3.14"), ("b", "3.141")], T),
            ("a > 3.1E10", &[("a", "3.1415E10")], T),
            ("a > 3.14", &[("a", "3.1415")], T),
            ("a > b", &[("a", "10"), ("b", "20")], F),
            ("a > b", &[("b", "10"), ("a", "20")], T),
            ("a is null OR a='hello'", &[], T),
            ("a is null OR a='hello'", &[("a", "hello")], T),
            ("a is null OR a='hello'", &[("a", "abc")], F),
            ("a=TRUE OR b=FALSE", &[("a", "true"), ("b", "false")], T),
            ("a=TRUE OR b=FALSE", &[("a", "false"), ("b", "true")], F),
            ("a is not null and a='hello'", &[("a", "hello")], T),
            ("a is not null and a='hello'", &[], F),
            (
                AND_EXPR,
                &[("a", "3"), ("b", "5"), ("c", "6"), ("d", "1")],
                T,
            ),
            (
                AND_EXPR,
                &[("a", "4"), ("b", "5"), ("c", "6"), ("d", "1")],
                F,
            ),
            (OR_EXPR, &[("a", "3")], T),
            (OR_EXPR, &[("a", "4"), ("b", "5")], T),
            (OR_EXPR, &[("a", "4"), ("b", "4"), ("c", "6")], T),
            (
                OR_EXPR,
                &[("a", "4"), ("b", "4"), ("c", "3"), ("d", "2")],
                T,
            ),
            (
                OR_EXPR,
                &[("a", "4"), ("b", "4"), ("c", "3"), ("d", "10")],
                F,
            ),
            ("a in ('3', '4', '5')", &[("a", "3")], T),
            ("a in ('3', '4', '5')", &[("a", "4")], T),
            ("a in ('3', '4', '5')", &[("a", "5")], T),
            ("a in ('3', '4', '5')", &[("a", "8")], F),
            ("a not in ('3', '4', '5')", &[("a", "8")], T),
            ("a not in ('3', '4', '5')", &[("a", "3")], F),
            ("a not in ('3', '4', '5')", &[("a", "4")], F),
            ("a not in ('3', '4', '5')", &[("a", "5")], F),
            ("a between 2 and 10", &[("a", "2")], T),
            ("a between 2 and 10", &[("a", "10")], T),
            ("a between 2 and 10", &[("a", "3")], T),
            ("a between 2 and 10", &[("a", "1")], F),
            ("a between 2 and 10", &[("a", "11")], F),
            ("a not between 2 and 10", &[("a", "1")], T),
            ("a not between 2 and 10", &[("a", "11")], T),
            ("a not between 2 and 10", &[("a", "2")], F),
            ("a not between 2 and 10", &[("a", "10")], F),
            ("a not between 2 and 10", &[("a", "3")], F),
            ("a is null", &[("abc", "2")], T),
            ("a is null", &[("a", "2")], F),
            ("a is not null", &[("a", "2")], T),
            ("a is not null", &[("abc", "2")], F),
        ]);
    }

    /// The 5.x ExpressionTest additions, with string-valued contexts.
    #[test]
    fn java_5x_text_operator_cases() {
        let axb: &[(&str, &str)] = &[("value", "axb")];
        let abb: &[(&str, &str)] = &[("value", "abb")];
        let all = &[("a", "3"), ("b", "3"), ("c", "axbdc")];
        check(&[
            ("value contains 'x'", axb, T),
            ("value startswith 'ax'", axb, T),
            ("value endswith 'xb'", axb, T),
            ("value not contains 'x'", axb, F),
            ("value not startswith 'ax'", axb, F),
            ("value not endswith 'xb'", axb, F),
            ("value contains 'x'", abb, F),
            ("value startswith 'x'", abb, F),
            ("value endswith 'x'", abb, F),
            ("value not contains 'x'", abb, T),
            ("value not startswith 'x'", abb, T),
            ("value not endswith 'x'", abb, T),
            ("value contains ''", axb, F),
            ("value startswith ''", axb, F),
            ("value endswith ''", axb, F),
            ("value not contains ''", axb, F),
            ("value not startswith ''", axb, F),
            ("value not endswith ''", axb, F),
            ("value contains 'x'", &[], F),
            ("value not contains 'x'", &[], F),
            ("value not startswith 'x'", &[], F),
            ("value not endswith 'x'", &[], F),
            ("'axb' contains 'x'", &[], T),
            ("'axb' startswith 'ax'", &[], T),
            ("'axb' endswith 'xb'", &[], T),
            ("'axb' not contains 'x'", &[], F),
            ("'axb' contains 'u'", &[], F),
            ("'axb' not endswith 'u'", &[], T),
            ("'axb' contains ''", &[], F),
            ("'axb' not contains ''", &[], F),
            ("' ' contains ' '", &[], T),
            ("' ' not startswith ' '", &[], F),
            ("'axb' contains '.'", &[], F),
            ("'axb' not contains '.'", &[], T),
            ("'s' contains '\\'", &[], F),
            (
                "VALUE CONTAINS 'x' AND value EndsWith 'b'",
                &[("VALUE", "x"), ("value", "ab")],
                T,
            ),
            (
                "a not in ('4', '4', '5') and b between 3 and 10 and c not contains 'axbc'",
                all,
                T,
            ),
            (
                "a not in ('4', '4', '5') and b between 3 and 10 and c not startswith 'axbc'",
                all,
                T,
            ),
            (
                "a not in ('4', '4', '5') and b between 3 and 10 and c not endswith 'axbc'",
                all,
                T,
            ),
            // Still a 4.9.8 property name where no string operand follows.
            ("contains = 'x'", &[("contains", "x")], T),
        ]);
        // 5.x rejects these, 4.9.8 (and we) stop the selector before `contains`.
        for text in ["value contains x", "value contains 123"] {
            let e = SqlExpression::compile(text).unwrap();
            assert_eq!(e.ignored_tail(), Some(&text[6..]));
            assert!(!e.matches(|_| Some("axb")));
        }
        for text in [
            "value not contains x",
            "value not contains 123",
            "'axb' contains ",
            "'axb' not contains ",
        ] {
            assert!(SqlExpression::compile(text).is_err(), "{text}");
        }
    }

    /// filter/src/test/java/org/apache/rocketmq/filter/ParserTest.java (4.9.8 and 5.x).
    #[test]
    fn java_parser_test_cases() {
        for text in [
            AND_EXPR,
            OR_EXPR,
            "a in ('3', '4', '5')",
            "(a not in ('6', '4', '5')) or (b in ('3', '4', '5'))",
            "(a between 2 and 10) AND (b not between 6 and 9)",
            "a is null",
            "a is not null",
            "a <= now",
            "a=3 and b contains 'xxx' and c not contains 'xxx'",
        ] {
            let e = SqlExpression::compile(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(e.ignored_tail(), None, "{text}");
        }
        for text in [
            "a and between 2 and 10",
            "a > 100000000000000000000000",
            " a between 10 and 0",
        ] {
            assert!(SqlExpression::compile(text).is_err(), "{text}");
        }
        // testParse_floatOverFlow: a 209 KiB literal (over our length limit anyway), and one
        // that fits the limit but not a double.
        let mut huge = String::from("a > 1");
        for _ in 0..2048 {
            huge.push_str("111111111111111111111111111111111111111111111111111");
        }
        let fraction = huge[5..].to_string();
        huge.push('.');
        huge.push_str(&fraction);
        assert_eq!(
            SqlExpression::compile(&huge).unwrap_err().kind,
            SqlErrorKind::TooLong
        );
        let big = format!("a > 1{}.5", "1".repeat(400));
        assert_eq!(
            SqlExpression::compile(&big).unwrap_err().kind,
            SqlErrorKind::Invalid
        );
        // testEquals: white space does not change the tree; another selector does.
        let tree = |t: &str| format!("{:?}", SqlExpression::compile(t).unwrap().root);
        assert_eq!(tree(AND_EXPR), tree("a=3  and    b<>4 And c>5 AND d<=4"));
        assert_ne!(tree(AND_EXPR), tree(OR_EXPR));
    }

    #[test]
    fn semantics_cases() {
        check(&[
            // Numeric coercion: the string becomes the constant's Java type, or Java throws.
            ("a > 5", &[("a", "6")], T),
            ("a > 5", &[("a", "5")], F),
            ("a > 5", &[("a", "6.5")], E),
            ("a > 5", &[("a", "abc")], E),
            ("a > 5", &[], N),
            ("a > 5.0", &[("a", "6.5")], T),
            ("a > 5.0", &[("a", "6")], T),
            ("a = 3", &[("a", "3.0")], E),
            ("a = 3.0", &[("a", "3")], T),
            ("a = 3", &[("a", "03")], T),
            ("a = 3", &[("a", "+3")], T),
            ("a = 3", &[("a", " 3")], E),
            ("a = 3", &[("a", "\u{663}")], T), // Integer.parseInt takes Unicode digits ..
            ("a = 3.0", &[("a", "\u{663}")], E), // .. Double.valueOf does not
            ("a = 3.0", &[("a", " 3 ")], T),
            ("a = 3.0", &[("a", "3f")], T),
            ("a = 3.0", &[("a", "3.0D")], T),
            ("a = 3.0", &[("a", "3.0ff")], E),
            ("a = 8.0", &[("a", "0x1p3")], T),
            ("a = 3.0", &[("a", "0x1.8p1")], T),
            ("a = 8.0", &[("a", "0x8")], E),
            ("a > 5.0", &[("a", "NaN")], T),
            ("a < 5.0", &[("a", "NaN")], F),
            ("a > 5.0", &[("a", "Infinity")], T),
            ("a < 5.0", &[("a", "-Infinity")], T),
            ("a > 5.0", &[("a", "nan")], E),
            ("a > 2147483647", &[("a", "2147483648")], E),
            ("a > 2147483648", &[("a", "2147483649")], T),
            ("a > 2147483647L", &[("a", "2147483648")], E),
            (
                "a > 9223372036854775807",
                &[("a", "9223372036854775808")],
                E,
            ),
            ("a > -5", &[("a", "-3")], T),
            ("a > -5", &[("a", "-6")], F),
            ("a < -2147483648", &[("a", "-2147483649")], T),
            ("a > 1E1", &[("a", "1e1")], F),
            ("a = 5", &[("a", "5")], T),
            ("-a > 1", &[("a", "5")], N),
            ("a = 1 > 2", &[("a", "false")], T),
            // Two properties: `=` compares text, `>` compares doubles.
            ("a = b", &[("a", "1"), ("b", "1.0")], F),
            ("a >= b", &[("a", "1"), ("b", "1.0")], T),
            ("a > b", &[("a", "1"), ("b", "x")], E),
            // BETWEEN = >= AND <=, value coerced to each bound's type.
            ("a BETWEEN 1 AND 10", &[("a", "1")], T),
            ("a BETWEEN 1 AND 10", &[("a", "10")], T),
            ("a BETWEEN 1 AND 10", &[("a", "0")], F),
            ("a BETWEEN 1 AND 10", &[("a", "11")], F),
            ("a BETWEEN 1 AND 10", &[("a", "5.5")], E),
            ("a BETWEEN 1 AND 1.5", &[("a", "1")], T),
            ("a BETWEEN 1.0 AND 10", &[("a", "0.5")], F),
            ("a BETWEEN 5 AND -5", &[("a", "0")], F),
            ("a NOT BETWEEN 5 AND 1", &[("a", "3")], T),
            ("a BETWEEN 1 AND 10", &[], N),
            // IN compares text.
            ("TAGS IN ('A','B')", &[("TAGS", "A")], T),
            ("TAGS IN ('A','B')", &[("TAGS", "C")], F),
            ("TAGS IN ('A','B')", &[], N),
            ("TAGS NOT IN ('A','B')", &[], N),
            ("a IN ('1')", &[("a", "1.0")], F),
            ("a IN ('x''y')", &[("a", "x'y")], T),
            ("(a) IN ('x')", &[("a", "x")], T),
            ("a IN ('e','d','c','b','a','f')", &[("a", "c")], T),
            ("a IN ('e','d','c','b','a','f')", &[("a", "g")], F),
            // Null handling.
            ("a IS NULL", &[], T),
            ("a IS NOT NULL", &[], F),
            ("a <> 'x'", &[], N),
            ("'x' <> a", &[], T),
            ("'x' = a", &[], F),
            ("a = b", &[], T),
            ("a = b", &[("a", "1")], F),
            ("a = b", &[("b", "1")], N),
            ("a <> b", &[("a", "1")], T),
            ("NOT (a = 'x')", &[("a", "x")], F),
            ("NOT (a = 'x')", &[("a", "y")], T),
            ("NOT (a = 'x')", &[], N),
            ("NOT (a > 1) OR TRUE", &[], T),
            ("NOT (a > 1) AND FALSE", &[], F),
            ("NOT (a > 1) AND TRUE", &[], N),
            ("NULL", &[], N),
            ("NOT NULL", &[], N),
            ("TRUE", &[], T),
            ("FALSE", &[], F),
            ("NOT FALSE", &[], T),
            ("TRUE = FALSE", &[], F),
            ("TRUE = TRUE", &[], T),
            // Booleans: a property is never a Boolean; `= TRUE` parses the string.
            ("a", &[("a", "true")], F),
            ("a", &[], N),
            ("NOT a", &[("a", "true")], T),
            ("a = TRUE", &[("a", "TRUE")], T),
            ("a = TRUE", &[("a", "True")], T),
            ("a = TRUE", &[("a", "yes")], F),
            ("a = FALSE", &[("a", "abc")], T),
            ("TRUE = a", &[("a", "true")], E),
            ("(a = 'x') = TRUE", &[("a", "x")], T),
            // Precedence: AND over OR, NOT over comparisons.
            ("a = 'x' OR b = 'y' AND c = 'z'", &[("a", "x")], T),
            ("a = 'x' OR b = 'y' AND c = 'z'", &[("b", "y")], N),
            (
                "a = 'x' OR b = 'y' AND c = 'z'",
                &[("b", "y"), ("c", "z")],
                T,
            ),
            ("(a = 'x' OR b = 'y') AND c = 'z'", &[("a", "x")], N),
            (
                "a = 'x' AND (b > 3 OR c IS NOT NULL)",
                &[("a", "x"), ("b", "4")],
                T,
            ),
            (
                "a = 'x' AND (b > 3 OR c IS NOT NULL)",
                &[("a", "x"), ("b", "2")],
                F,
            ),
            (
                "a = 'x' AND (b > 3 OR c IS NOT NULL)",
                &[("a", "x"), ("b", "2"), ("c", "")],
                T,
            ),
            ("a = 'x' AND (b > 3 OR c IS NOT NULL)", &[("a", "x")], N),
            (
                "a = 'x' AND (b > 3 OR c IS NOT NULL)",
                &[("a", "y"), ("b", "4")],
                F,
            ),
            ("NOT a = 'x'", &[("a", "x")], E),
            ("NOT a = 'x'", &[("a", "y")], E),
            ("NOT a = 'x'", &[], N),
            ("NOT a IS NULL", &[], T),
            ("NOT a IS NULL", &[("a", "x")], F),
            // A throw ends everything, unless short-circuited before it.
            ("a > 5 OR b = 'x'", &[("a", "abc"), ("b", "x")], E),
            ("b = 'x' OR a > 5", &[("a", "abc"), ("b", "x")], T),
            ("b = 'y' AND a > 5", &[("a", "abc"), ("b", "x")], F),
            ("a > 5 AND b = 'x'", &[("a", "4")], F),
            ("a IS NULL OR a > 5", &[("a", "abc")], E),
            // Quotes and literals.
            ("a = 'it''s'", &[("a", "it's")], T),
            ("a = ''", &[("a", "")], T),
            ("a = ''''", &[("a", "'")], T),
            ("a = 'é ☃'", &[("a", "é ☃")], T),
            ("a = 'line\nbreak'", &[("a", "line\nbreak")], T),
            ("a = .5", &[("a", "0.5")], T),
            ("a = 5.", &[("a", "5")], T),
            ("a = 5e0", &[("a", "5")], T),
            ("a = 5L", &[("a", "5")], T),
            ("a = +5", &[("a", "5")], T),
            ("a = - -5", &[("a", "5")], T),
            // Names, keywords and comments.
            ("$a_1 = 'x'", &[("$a_1", "x")], T),
            ("A = 'x'", &[("a", "x")], N),
            ("a Is NoT nUlL", &[("a", "1")], T),
            ("a nOt BeTwEeN 1 aNd 2", &[("a", "3")], T),
            ("a=1and b=2", &[("a", "1"), ("b", "2")], T),
            ("a = /* one */ 1", &[("a", "1")], T),
            ("a = 1 -- note\nAND b = 2", &[("a", "1"), ("b", "3")], F),
            ("a = 1 -- note\r\nAND b = 2", &[("a", "1"), ("b", "2")], T),
            ("a = --\n1", &[("a", "1")], T),
            ("a = --1", &[("a", "1")], T),
            ("\t(\ra\n=\x0c1)", &[("a", "1")], T),
        ]);
    }

    #[test]
    fn trailing_input_is_ignored_like_java() {
        for (text, tail, props, want) in [
            ("a = 1 garbage", "garbage", &[("a", "1")][..], T),
            ("a = 1 ) (", ") (", &[("a", "1")], T),
            ("a = 0x10", "x10", &[("a", "0")], T),
            ("a = 0x10", "x10", &[("a", "16")], F),
            ("a = 010", "10", &[("a", "0")], T),
            ("a = 1 -- note", "-- note", &[("a", "1")], T),
            ("a = 1 , b", ", b", &[("a", "1")], T),
            ("a = 1 'x' #", "'x' #", &[("a", "1")], T),
            ("a = 1 b.c", "b.c", &[("a", "1")], T),
        ] {
            let e = SqlExpression::compile(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(e.ignored_tail(), Some(tail), "{text}");
            assert_eq!(eval(text, props), want, "{text}");
        }
        assert_eq!(
            SqlExpression::compile("a = 1  ").unwrap().ignored_tail(),
            None
        );
    }

    #[test]
    fn compile_errors_have_kind_and_position() {
        use SqlErrorKind::{Invalid, Lexical, Syntax};
        for (text, kind, offset) in [
            ("", Syntax, 0),
            ("   ", Syntax, 3),
            ("a and between 2 and 10", Syntax, 6),
            ("a = ", Syntax, 4),
            ("(a = 1", Syntax, 6),
            ("a > 5 AND", Syntax, 9),
            ("a IS 5", Syntax, 5),
            ("a IS NOT 5", Syntax, 9),
            ("a NOT LIKE 'x'", Syntax, 6),
            ("a IN ()", Syntax, 6),
            ("a IN ('a',)", Syntax, 10),
            ("a IN ('a' 'b')", Syntax, 10),
            ("a IN (1)", Syntax, 6),
            ("a IN 'a'", Syntax, 5),
            ("a BETWEEN 1 OR 2", Syntax, 12),
            ("+", Syntax, 1),
            ("a = NULL", Invalid, 2),
            ("NULL <> a", Invalid, 5),
            ("TRUE = 'x'", Invalid, 5),
            ("FALSE = 1", Invalid, 6),
            ("a > 'x'", Invalid, 2),
            ("'x' < a", Invalid, 4),
            ("a > TRUE", Invalid, 2),
            ("a >= NULL", Invalid, 2),
            ("(a > 1) > 2", Invalid, 8),
            ("a IN ('x') > 2", Invalid, 11),
            ("NOT 5", Invalid, 0),
            ("NOT 'x'", Invalid, 0),
            ("5", Invalid, 0),
            ("'x'", Invalid, 0),
            ("-a", Invalid, 0),
            ("a = 1 AND 5", Invalid, 6),
            ("'a' IN ('a')", Invalid, 4),
            ("a > 0.0", Invalid, 4),
            ("a > 1e400", Invalid, 4),
            ("a > 1e-400", Invalid, 4),
            ("a > 9223372036854775808", Invalid, 4),
            ("a BETWEEN 10 AND 0", Invalid, 2),
            ("a BETWEEN 1.5 AND 1", Invalid, 2),
            ("a BETWEEN NULL AND 1", Invalid, 2),
            ("a BETWEEN 1 AND NULL", Invalid, 2),
            ("a BETWEEN 'x' AND 'y'", Invalid, 2),
            ("a.b = 1", Lexical, 1),
            ("a = 'abc", Lexical, 4),
            ("a = 1 'abc", Lexical, 6),
            ("a = 'x''", Lexical, 7),
            ("a = 1 #", Lexical, 6),
            ("a = #", Lexical, 4),
            ("a = 1 /* x", Lexical, 6),
            ("/**/ a = 1 /*/", Lexical, 11),
            ("a = é", Lexical, 4),
            ("é = 1", Lexical, 0),
            ("a = \u{a0}1", Lexical, 4),
            ("a = .", Lexical, 4),
            ("a = 1 !", Lexical, 6),
        ] {
            let err = SqlExpression::compile(text).expect_err(text);
            assert_eq!((err.kind, err.offset), (kind, offset), "{text:?}: {err}");
        }
        assert!(SqlExpression::compile("a > 9223372036854775807").is_ok());
        assert!(SqlExpression::compile("a BETWEEN 1 AND 1").is_ok());
        assert!(SqlExpression::compile("a BETWEEN -1 AND -5").is_ok());
        assert!(SqlExpression::compile("a > 4.9E-324").is_ok());
        let err = SqlExpression::compile("a = 1\nAND\r\n b = #").unwrap_err();
        assert_eq!((err.line, err.column), (3, 6));
        assert_eq!(
            err.to_string(),
            "invalid SQL92 selector at line 3, column 6: unexpected character '#'"
        );
    }

    #[test]
    fn limits_reject_instead_of_overflowing() {
        let nested = |n: usize| format!("{}a = 1{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(eval(&nested(MAX_NESTING), &[("a", "1")]), T);
        let err = SqlExpression::compile(&nested(MAX_NESTING + 1)).unwrap_err();
        assert_eq!(err.kind, SqlErrorKind::TooDeep);
        let nots = format!("{}TRUE", "NOT ".repeat(10_000));
        assert_eq!(
            SqlExpression::compile(&nots).unwrap_err().kind,
            SqlErrorKind::TooDeep
        );
        let minus = format!("a = {}1", "-".repeat(20_000));
        assert_eq!(
            SqlExpression::compile(&minus).unwrap_err().kind,
            SqlErrorKind::TooDeep
        );
        let chain = format!("a = 1{}", " = TRUE".repeat(5_000));
        assert_eq!(
            SqlExpression::compile(&chain).unwrap_err().kind,
            SqlErrorKind::TooDeep
        );
        let nulls = format!("a{}", " IS NULL".repeat(5_000));
        assert_eq!(
            SqlExpression::compile(&nulls).unwrap_err().kind,
            SqlErrorKind::TooDeep
        );
        let long = format!("a = 1{}", " ".repeat(MAX_SELECTOR_LEN));
        assert_eq!(
            SqlExpression::compile(&long).unwrap_err().kind,
            SqlErrorKind::TooLong
        );
        // Long flat AND/OR chains stay shallow.
        let mut many: Vec<String> = (0..3_000).map(|i| format!("p{i} IS NULL")).collect();
        many.push("q = 'x'".into());
        let and_chain = many.join(" AND ");
        assert!(and_chain.len() < MAX_SELECTOR_LEN);
        assert_eq!(eval(&and_chain, &[("q", "x")]), T);
        assert_eq!(eval(&and_chain, &[("p17", "1"), ("q", "x")]), F);
        assert_eq!(
            eval(
                &many.join(" OR ").replace("IS NULL", "= 'y'"),
                &[("q", "x")]
            ),
            T
        );
    }

    #[test]
    fn matches_stored_properties_string() {
        let props = crate::common::message::format_properties([
            ("TAGS", "TagA"),
            ("KEYS", "k1"),
            ("a", "5"),
        ]);
        let m = |text: &str| {
            SqlExpression::compile(text)
                .unwrap()
                .matches_properties(&props)
        };
        assert!(m("TAGS IN ('TagA', 'TagB') AND a BETWEEN 1 AND 10"));
        assert!(m("TAGS = 'TagA' AND b IS NULL"));
        assert!(!m("TAGS <> 'TagA'"));
        assert!(!m("b = 'x'"));
        assert!(m("a > 4.5"));
    }

    #[test]
    fn java_double_value_of_edges() {
        let v = java_double_value_of;
        assert_eq!(v("1.5"), Some(1.5));
        assert_eq!(v("\t-1.5e1 \n"), Some(-15.0));
        assert_eq!(v("+.5"), Some(0.5));
        assert_eq!(v("5."), Some(5.0));
        assert_eq!(v("1e99999999999999999999"), Some(f64::INFINITY));
        assert_eq!(v("-0"), Some(-0.0));
        assert!(v("-NaN").unwrap().is_nan());
        for bad in [
            "",
            ".",
            "e5",
            "1e",
            "1e+",
            "1..2",
            "1.5x",
            "inf",
            "Infinityf",
            "1 5",
            "0x",
            "0x1",
            "0x.p1",
            "1_0",
        ] {
            assert_eq!(v(bad), None, "{bad:?}");
        }
        assert_eq!(v("0x1p0"), Some(1.0));
        assert_eq!(v("-0x.8p1d"), Some(-1.0));
        assert_eq!(v("0X1.P-1"), Some(0.5));
        assert_eq!(v("0x1.fffffffffffffp1023"), Some(f64::MAX));
        assert_eq!(v("0x1.fffffffffffff8p1023"), Some(f64::INFINITY));
        assert_eq!(v("0x1p-1074"), Some(f64::from_bits(1)));
        assert_eq!(v("0x1p-1075"), Some(0.0));
        assert_eq!(v("0x1.0000001p-1075"), Some(f64::from_bits(1)));
        assert_eq!(v("0x3p-1075"), Some(f64::from_bits(2)));
        assert_eq!(v("0x1.00000000000008p0"), Some(1.0));
        assert_eq!(v("0x1.00000000000018p0"), Some(1.0 + 2.0 * f64::EPSILON));
        assert_eq!(v("0x1.000000000000080001p0"), Some(1.0 + f64::EPSILON));
        assert_eq!(v("0x1p99999999999"), Some(f64::INFINITY));
        assert_eq!(v("-0x1p-99999999999"), Some(-0.0));
        assert_eq!(v("0x0p99999999999"), Some(0.0));
        assert_eq!(java_long_value_of("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(java_long_value_of("9223372036854775808"), None);
        assert_eq!(java_int_value_of("\u{ff11}\u{ff12}"), Some(12));
        assert_eq!(java_int_value_of("-"), None);
        assert_eq!(java_int_value_of("1".repeat(100).as_str()), None);
    }

    mod fuzz {
        use super::super::*;
        use proptest::prelude::*;

        const WORDS: &[&str] = &[
            "a",
            "b",
            "TAGS",
            "(",
            ")",
            "NOT",
            "AND",
            "OR",
            "=",
            "<>",
            ">",
            ">=",
            "<",
            "<=",
            "BETWEEN",
            "IN",
            "IS",
            "NULL",
            "TRUE",
            "FALSE",
            "'x'",
            "'1'",
            "''''",
            "1",
            "-",
            "+",
            "3.5",
            "0",
            "2L",
            "1e3",
            ".5",
            ",",
            "contains",
            "startswith",
            "--",
            "/*",
            "*/",
            "\n",
            "0x1",
            "2147483648",
        ];
        const VALUES: &[&str] = &[
            "1",
            "x",
            "1.5",
            "NaN",
            "true",
            "",
            "-0",
            "2147483648",
            "0x1p3",
            " 7 ",
        ];

        fn evaluate(text: &str, values: &[&str]) -> Option<Result<Option<bool>, EvalError>> {
            let e = SqlExpression::compile(text).ok()?;
            let props = [("a", values[0]), ("b", values[1]), ("TAGS", values[2])];
            Some(e.evaluate(|k| props.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)))
        }

        /// Compiles and evaluates `text`; where it compiles completely, rewrites that Java
        /// evaluates identically must agree (each rewrite is skipped if it does not compile,
        /// e.g. past the nesting limit).
        fn run(text: &str, values: &[&str]) {
            let Ok(e) = SqlExpression::compile(text) else {
                return;
            };
            let Some(result) = evaluate(text, values) else {
                return;
            };
            if e.ignored_tail().is_some() {
                return;
            }
            let same = |rewritten: String, want: Result<Option<bool>, EvalError>| {
                if let Some(got) = evaluate(&rewritten, values) {
                    assert_eq!(got, want, "{text:?} as {rewritten:?} with {values:?}");
                }
            };
            // The newline ends a trailing `--` comment before the closing parenthesis.
            same(format!("NOT ({text}\n)"), result.map(|r| r.map(|b| !b)));
            same(format!("({text}\n) AND TRUE"), result);
            same(format!("({text}\n) OR FALSE"), result);
            same(format!("TRUE AND ({text}\n)"), result);
            same(format!("(({text}\n))"), result);
        }

        /// An operand: a property, a literal or a negation.
        fn operand() -> impl Strategy<Value = String> {
            prop::sample::select(vec![
                "a",
                "b",
                "TAGS",
                "c",
                "1",
                "-1",
                "2.5",
                "-2.5",
                "2147483648",
                "'x'",
                "'1'",
                "TRUE",
                "FALSE",
                "NULL",
                "- a",
                "+ b",
            ])
            .prop_map(str::to_string)
        }

        /// Mostly well-formed selectors (some still fail Java's compile-time checks).
        fn selector() -> impl Strategy<Value = String> {
            let ops = prop::sample::select(vec!["=", "<>", ">", ">=", "<", "<="]);
            let leaf = prop_oneof![
                (operand(), ops, operand()).prop_map(|(l, op, r)| format!("{l} {op} {r}")),
                (operand(), any::<bool>()).prop_map(|(o, not)| {
                    format!("{o} IS {}NULL", if not { "NOT " } else { "" })
                }),
                (operand(), any::<bool>(), operand(), operand()).prop_map(|(v, not, l, h)| {
                    format!("{v} {}BETWEEN {l} AND {h}", if not { "NOT " } else { "" })
                }),
                (operand(), any::<bool>()).prop_map(|(o, not)| {
                    format!("{o} {}IN ('x', '1', 'y')", if not { "NOT " } else { "" })
                }),
                (operand(), any::<bool>()).prop_map(|(o, not)| {
                    format!("{o} {}CONTAINS 'x'", if not { "NOT " } else { "" })
                }),
                operand(),
            ];
            leaf.prop_recursive(4, 24, 2, |inner| {
                prop_oneof![
                    (inner.clone(), inner.clone()).prop_map(|(l, r)| format!("{l} AND {r}")),
                    (inner.clone(), inner.clone()).prop_map(|(l, r)| format!("{l} OR {r}")),
                    (inner.clone(), inner.clone()).prop_map(|(l, r)| format!("({l}) = ({r})")),
                    inner.clone().prop_map(|e| format!("NOT ({e})")),
                    inner.clone().prop_map(|e| format!("NOT {e}")),
                    inner.prop_map(|e| format!("({e})")),
                ]
            })
        }

        proptest! {
            #[test]
            fn arbitrary_text_never_panics(text in "\\PC{0,120}", v in prop::collection::vec(prop::sample::select(VALUES), 3)) {
                run(&text, &v);
            }

            #[test]
            fn token_soup_never_panics(words in prop::collection::vec(prop::sample::select(WORDS), 0..40), v in prop::collection::vec(prop::sample::select(VALUES), 3)) {
                run(&words.join(" "), &v);
            }

            #[test]
            fn generated_selectors_keep_java_equivalences(text in selector(), v in prop::collection::vec(prop::sample::select(VALUES), 3)) {
                run(&text, &v);
            }

            /// BETWEEN is one node here but `>= AND <=` (`< OR >`) in Java.
            #[test]
            fn between_is_its_expansion(v in operand(), l in operand(), h in operand(), not in any::<bool>(), values in prop::collection::vec(prop::sample::select(VALUES), 3)) {
                let between = format!("{v} {}BETWEEN {l} AND {h}", if not { "NOT " } else { "" });
                let expanded = if not {
                    format!("{v} < {l} OR {v} > {h}")
                } else {
                    format!("{v} >= {l} AND {v} <= {h}")
                };
                if let (Some(x), Some(y)) = (evaluate(&between, &values), evaluate(&expanded, &values)) {
                    prop_assert_eq!(x, y, "{} vs {}", between, expanded);
                }
            }

            /// AND/OR chains are flattened here but nested (either way) in Java.
            #[test]
            fn logic_regrouping_is_neutral(parts in prop::collection::vec(selector(), 3), or in any::<bool>(), values in prop::collection::vec(prop::sample::select(VALUES), 3)) {
                let op = if or { "OR" } else { "AND" };
                let [x, y, z] = [&parts[0], &parts[1], &parts[2]];
                let left = format!("(({x}) {op} ({y})) {op} ({z})");
                let right = format!("({x}) {op} (({y}) {op} ({z}))");
                if let (Some(p), Some(q)) = (evaluate(&left, &values), evaluate(&right, &values)) {
                    prop_assert_eq!(p, q, "{} vs {}", left, right);
                }
            }

            #[test]
            fn deep_input_never_overflows(n in 0usize..3_000, open in prop::sample::select(&["(", "NOT ", "-", "+", "( NOT "][..])) {
                let text = format!("{}a = 1{}", open.repeat(n), ")".repeat(n));
                let _ = SqlExpression::compile(&text).map(|e| e.matches(|_| Some("1")));
            }
        }
    }
}
