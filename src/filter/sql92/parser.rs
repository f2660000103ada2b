//! The selector parser: recursive descent mirroring the JavaCC productions (LL with 2-token
//! look-ahead at `IS NULL`, `NOT BETWEEN`, `NOT IN`), building the tree with the checks Java's
//! `ComparisonExpression.create*`, `ConstantExpression.create*` and `asBooleanExpression` make.

use std::cmp::Ordering;

use super::eval::java_compare;
use super::expr::{Expr, Literal, RelOp, Sub, TextOp};
use super::lexer::{decode_string, Lexer, Tok, Token};
use super::{SqlError, SqlErrorKind, MAX_DEPTH, MAX_NESTING};

/// Parses a whole selector into its tree, with where the input Java ignores starts.
pub(super) fn parse(src: &str) -> Result<(Expr, Option<usize>), SqlError> {
    let mut parser = Parser {
        src,
        lexer: Lexer::new(src),
        la: Vec::with_capacity(2),
        nesting: 0,
    };
    let start = parser.peek()?.start;
    let expr = parser.or_expr()?;
    let root = parser.as_boolean(expr, start)?;
    // Java already lexed the token that ended the selector (the loops looked at it), so a
    // lexical error there fails compilation; everything after it is never read.
    let end = parser.peek()?;
    Ok((root.expr, (end.tok != Tok::Eof).then_some(end.start)))
}

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
        self.logic_chain(true, Self::and_expr)
    }

    fn and_expr(&mut self) -> Result<Sub, SqlError> {
        self.logic_chain(false, Self::equality_expr)
    }

    /// `operand (OR operand)*` (`or`) or `operand (AND operand)*`.
    fn logic_chain(
        &mut self,
        or: bool,
        operand: fn(&mut Self) -> Result<Sub, SqlError>,
    ) -> Result<Sub, SqlError> {
        let keyword = if or { Tok::Or } else { Tok::And };
        let mut left = operand(self)?;
        while self.peek()?.tok == keyword {
            let op = self.bump()?;
            let right = operand(self)?;
            left = self.logic(or, left, right, op.start)?;
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
