//! Reading a parsed JSON body into a Rust type as leniently as fastjson does.
//!
//! fastjson (what the Java broker decodes every body with) converts a value to the type of the
//! field it lands in (`TypeUtils.cast*`), so peers that are not Java get away with other shapes
//! than Java writes. The Go client, for one, sends a heartbeat's `codeSet` as strings
//! (`"codeSet":["2598919"]`). [`Lenient`] is a serde `Deserializer` over a
//! [`serde_json::Value`] that applies the same conversions wherever the target type asks:
//!
//! | target | also accepted |
//! |---|---|
//! | integers | numeric strings (`"12"`, `" 12 "`, `"1.9"` → 1), floats (truncated), booleans (1/0), `""` → 0 |
//! | floats | numeric strings, booleans |
//! | `bool` | `"true"`/`"false"` (any case), `"1"`/`"0"`, `"Y"`/`"N"`, `"T"`/`"F"`, numbers (`1` → true) |
//! | strings | numbers and booleans (their JSON text) |
//! | `Option` | `null` → `None` |
//!
//! Missing fields take their defaults (the body types are `#[serde(default)]`) and unknown
//! fields are ignored, as fastjson does. Anything else that does not fit is an error naming the
//! field's expected type, never a panic.

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde_json::{Map, Value};

type Error = serde_json::Error;

/// A JSON value read with fastjson's conversions (see the module docs).
pub struct Lenient(pub Value);

/// What an integer-typed field holds after fastjson's conversions, if anything fits.
enum Int {
    Signed(i64),
    Unsigned(u64),
}

fn as_int(value: &Value) -> Option<Int> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .map(Int::Signed)
            .or_else(|| n.as_u64().map(Int::Unsigned))
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| Int::Signed(f as i64))
            }),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Some(Int::Signed(0));
            }
            s.parse::<i64>()
                .map(Int::Signed)
                .or_else(|_| s.parse::<u64>().map(Int::Unsigned))
                .ok()
                .or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map(|f| Int::Signed(f as i64))
                })
        }
        Value::Bool(b) => Some(Int::Signed(i64::from(*b))),
        _ => None,
    }
}

fn as_float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s.trim().is_empty() => Some(0.0),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(n.as_f64().is_some_and(|f| f == 1.0)),
        Value::String(s) => match s.trim() {
            t if t.eq_ignore_ascii_case("true") => Some(true),
            t if t.eq_ignore_ascii_case("false") => Some(false),
            "1" | "Y" | "T" => Some(true),
            "0" | "N" | "F" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

macro_rules! lenient_int {
    ($($method:ident),+ $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match as_int(&self.0) {
                Some(Int::Signed(n)) => visitor.visit_i64(n),
                Some(Int::Unsigned(n)) => visitor.visit_u64(n),
                None => self.deserialize_any(visitor),
            }
        }
    )+};
}

impl<'de> Deserializer<'de> for Lenient {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Seq(items.into_iter())),
            Value::Object(map) => visitor.visit_map(Entries::new(map)),
            other => other.deserialize_any(visitor),
        }
    }

    lenient_int! {
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match as_float(&self.0) {
            Some(f) => visitor.visit_f64(f),
            None => self.deserialize_any(visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match as_bool(&self.0) {
            Some(b) => visitor.visit_bool(b),
            None => self.deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_string(s),
            Value::Number(n) => visitor.visit_string(n.to_string()),
            Value::Bool(b) => visitor.visit_string(b.to_string()),
            other => Lenient(other).deserialize_any(visitor),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Lenient(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) if map.len() == 1 => {
                let (variant, value) = map.into_iter().next().expect("one entry");
                visitor.visit_enum(Variant { variant, value })
            }
            Value::String(variant) => visitor.visit_enum(Variant {
                variant,
                value: Value::Null,
            }),
            other => other.deserialize_enum(name, variants, visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
    }
}

struct Seq(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Seq {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|v| seed.deserialize(Lenient(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries {
    iter: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl Entries {
    fn new(map: Map<String, Value>) -> Self {
        Entries {
            iter: map.into_iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                // Keys go through the same conversions, so `{"0":..}` fills an integer-keyed map.
                seed.deserialize(Lenient(Value::String(key))).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a map value without its key"))?;
        seed.deserialize(Lenient(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Variant {
    variant: String,
    value: Value,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = Error;
    type Variant = Lenient;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Lenient), Error> {
        let variant = seed.deserialize(self.variant.into_deserializer())?;
        Ok((variant, Lenient(self.value)))
    }
}

impl<'de> VariantAccess<'de> for Lenient {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase", default)]
    struct Sample {
        code_set: Vec<i32>,
        version: i64,
        unit: bool,
        name: String,
        ratio: f64,
        maybe: Option<i32>,
        table: BTreeMap<i32, String>,
        nested: Vec<Sample>,
    }

    fn read(v: Value) -> Result<Sample, Error> {
        Sample::deserialize(Lenient(v))
    }

    #[test]
    fn coerces_as_fastjson_does() {
        let s = read(json!({
            "codeSet": ["2598919", 2598920, " 7 "],
            "version": "1700000000000",
            "unit": "true",
            "name": 42,
            "ratio": "0.5",
            "maybe": "3",
            "table": {"0": "a", "1": "b"},
            "nested": [{"unit": 1, "version": 1.9, "name": true}],
            "unknown": {"ignored": [1, 2]},
        }))
        .unwrap();
        assert_eq!(s.code_set, vec![2598919, 2598920, 7]);
        assert_eq!(s.version, 1_700_000_000_000);
        assert!(s.unit);
        assert_eq!(s.name, "42");
        assert_eq!(s.ratio, 0.5);
        assert_eq!(s.maybe, Some(3));
        assert_eq!(s.table[&1], "b");
        assert_eq!(s.nested[0].version, 1);
        assert!(s.nested[0].unit);
        assert_eq!(s.nested[0].name, "true");
    }

    #[test]
    fn booleans_and_blanks() {
        for (text, expected) in [
            ("TRUE", true),
            ("1", true),
            ("Y", true),
            ("F", false),
            ("0", false),
        ] {
            assert_eq!(
                read(json!({"unit": text})).unwrap().unit,
                expected,
                "{text}"
            );
        }
        assert_eq!(read(json!({"version": ""})).unwrap().version, 0);
        assert_eq!(read(json!({})).unwrap(), Sample::default());
    }

    #[test]
    fn what_does_not_fit_is_an_error() {
        assert!(read(json!({"version": "twelve"})).is_err());
        assert!(read(json!({"unit": "maybe"})).is_err());
        assert!(read(json!({"codeSet": "1,2"})).is_err());
        assert!(read(json!({"version": [1]})).is_err());
        assert!(read(json!({"maybe": "x"})).is_err());
    }

    #[test]
    fn out_of_range_is_an_error() {
        assert!(read(json!({"codeSet": ["99999999999"]})).is_err());
    }
}
