//! The compiled expression tree: one variant per Java expression class the parser can build.

use std::cmp::Ordering;

use super::eval::Value;

#[derive(Debug, Clone)]
pub(super) enum Literal {
    Str(Box<str>),
    Int(i32),
    Long(i64),
    Double(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RelOp {
    Gt,
    Ge,
    Lt,
    Le,
}

impl RelOp {
    pub(super) fn symbol(self) -> &'static str {
        match self {
            RelOp::Gt => ">",
            RelOp::Ge => ">=",
            RelOp::Lt => "<",
            RelOp::Le => "<=",
        }
    }

    /// `asBoolean(int answer)` of the four anonymous `ComparisonExpression`s.
    pub(super) fn holds(self, ord: Ordering) -> bool {
        match self {
            RelOp::Gt => ord == Ordering::Greater,
            RelOp::Ge => ord != Ordering::Less,
            RelOp::Lt => ord == Ordering::Less,
            RelOp::Le => ord != Ordering::Greater,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TextOp {
    Contains,
    StartsWith,
    EndsWith,
}

impl TextOp {
    pub(super) fn from_word(word: &str) -> Option<TextOp> {
        [
            ("CONTAINS", TextOp::Contains),
            ("STARTSWITH", TextOp::StartsWith),
            ("ENDSWITH", TextOp::EndsWith),
        ]
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(word))
        .map(|(_, op)| op)
    }

    pub(super) fn test(self, haystack: &str, needle: &str) -> bool {
        match self {
            TextOp::Contains => haystack.contains(needle),
            TextOp::StartsWith => haystack.starts_with(needle),
            TextOp::EndsWith => haystack.ends_with(needle),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) enum Expr {
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
    pub(super) fn is_boolean(&self) -> bool {
        !matches!(self, Expr::Literal(_) | Expr::Property(_) | Expr::Negate(_))
    }

    /// `getValue()` of a `ConstantExpression`: `None` if not a constant, `Some(None)` for NULL.
    pub(super) fn constant(&self) -> Option<Option<Value<'_>>> {
        match self {
            Expr::Literal(l) => Some(Some(l.value())),
            Expr::BoolConst(b) => Some(b.map(Value::Bool)),
            _ => None,
        }
    }

    /// For error messages.
    pub(super) fn what(&self) -> String {
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
    pub(super) fn value(&self) -> Value<'_> {
        match self {
            Literal::Str(s) => Value::Str(s),
            Literal::Int(v) => Value::Int(*v),
            Literal::Long(v) => Value::Long(*v),
            Literal::Double(v) => Value::Double(*v),
        }
    }
}

/// A parsed sub-expression and the depth of its tree.
pub(super) struct Sub {
    pub(super) expr: Expr,
    pub(super) depth: usize,
}
