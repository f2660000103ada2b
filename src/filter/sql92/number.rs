//! Java number semantics the evaluation depends on: `Integer.valueOf`, `Long.valueOf`,
//! `Double.valueOf` (hexadecimal included), `Boolean.valueOf`, `Double.compare`.

use std::cmp::Ordering;

/// `Double.doubleToLongBits`: every NaN is the canonical one.
pub(super) fn java_double_bits(v: f64) -> i64 {
    if v.is_nan() {
        0x7ff8_0000_0000_0000
    } else {
        v.to_bits() as i64
    }
}

/// `Double.compare`: numeric order, `-0.0 < 0.0`, NaN above everything and equal to itself.
pub(super) fn java_double_compare(a: f64, b: f64) -> Ordering {
    if a < b {
        Ordering::Less
    } else if a > b {
        Ordering::Greater
    } else {
        java_double_bits(a).cmp(&java_double_bits(b))
    }
}

/// `Boolean.valueOf(String)`: `"true"` in any case.
pub(super) fn java_boolean_value_of(s: &str) -> bool {
    s.eq_ignore_ascii_case("true")
}

pub(super) fn java_int_value_of(s: &str) -> Option<i32> {
    java_parse_integer(s, i128::from(i32::MIN), i128::from(i32::MAX)).map(|v| v as i32)
}

pub(super) fn java_long_value_of(s: &str) -> Option<i64> {
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
pub(super) fn java_double_value_of(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c <= ' ');
    let b = t.as_bytes();
    let (negative, mut i) = sign(b.first());
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

/// An optional sign starting at `first`: whether it is `-`, and its length.
fn sign(first: Option<&u8>) -> (bool, usize) {
    match first {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    }
}

/// `FloatingDecimal.parseHexString`: `[+-]0x` hex digits with an optional point (at least one
/// digit), a mandatory binary exponent `p[+-]digits`, an optional `fFdD`; rounded to nearest
/// even. An exponent beyond `int` gives infinity or zero by its sign.
fn java_parse_hex(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    let (negative, sign_len) = sign(b.first());
    let mut i = sign_len + 2; // "0x", checked by the caller
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
    let (exp_negative, sign_len) = sign(b.get(i));
    i += sign_len;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
