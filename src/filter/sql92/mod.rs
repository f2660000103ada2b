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
//!
//! The pipeline is split by stage: `lexer` turns text into tokens, `parser` builds the
//! expression tree of `expr` with Java's compile-time checks, `eval` walks that tree over a
//! message's properties, using the Java number conversions and comparisons of `number`.

mod eval;
mod expr;
mod lexer;
mod number;
mod parser;
#[cfg(test)]
mod tests;

use std::fmt;

use eval::eval_root;
use expr::Expr;

/// Longest selector accepted, in bytes.
pub const MAX_SELECTOR_LEN: usize = 64 * 1024;
/// Deepest nesting of parentheses and prefix operators (`NOT`, `-`, `+`); bounds the parser's
/// recursion.
pub const MAX_NESTING: usize = 100;
/// Deepest expression tree; bounds evaluation recursion. Chains such as `a = 1 = 1 = ..` or
/// `a IS NULL IS NULL ..` deepen the tree without nesting, while `AND`/`OR` chains stay flat.
pub const MAX_DEPTH: usize = 256;

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
        let (root, tail) = parser::parse(text)?;
        Ok(SqlExpression {
            source: text.into(),
            root,
            tail,
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
