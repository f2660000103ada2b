//! Evaluation of a compiled selector over a message's properties, with Java's values,
//! three-valued logic, `equals` and `ComparisonExpression.compare`.

use std::cmp::Ordering;

use super::expr::{Expr, RelOp};
use super::number::{
    java_boolean_value_of, java_double_bits, java_double_compare, java_double_value_of,
    java_int_value_of, java_long_value_of,
};
use super::{EvalError, NumberType};

/// A Java value an expression evaluates to (`null` is the `None` around it).
#[derive(Debug, Clone, Copy)]
pub(super) enum Value<'v> {
    Bool(bool),
    Int(i32),
    Long(i64),
    Double(f64),
    Str(&'v str),
}

type Props<'a, 'v> = &'a dyn Fn(&str) -> Option<&'v str>;
type Eval<T> = Result<Option<T>, EvalError>;

/// Gives the tree and the looked-up values one lifetime `'v`, so values can borrow from either.
pub(super) fn eval_root<'v>(root: &'v Expr, props: Props<'_, 'v>) -> Eval<bool> {
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
        acc = combine(or, acc, item.eval_bool(props)?);
    }
    Ok(acc)
}

/// Java's three-valued `OR` (`or`) or `AND` of two operands: `or` on either side decides,
/// otherwise null on either side gives null.
fn combine(or: bool, a: Option<bool>, b: Option<bool>) -> Option<bool> {
    if a == Some(or) || b == Some(or) {
        Some(or)
    } else if a.is_none() || b.is_none() {
        None
    } else {
        Some(!or)
    }
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
    Ok(combine(stop, first, side(high_op, high)?))
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
pub(super) fn java_compare(lv: Value<'_>, rv: Value<'_>) -> Result<Ordering, EvalError> {
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
