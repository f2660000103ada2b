//! Selector tests through the public API, most taken from the Java `filter` module's
//! `ExpressionTest` and `ParserTest` (4.9.8 and 5.x), and property-based fuzzing.

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
    let props =
        crate::common::message::format_properties([("TAGS", "TagA"), ("KEYS", "k1"), ("a", "5")]);
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
            (operand(), any::<bool>())
                .prop_map(|(o, not)| { format!("{o} IS {}NULL", if not { "NOT " } else { "" }) }),
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
