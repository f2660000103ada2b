//! Typed request and response headers, converted to and from a command's [`ExtFields`].
//!
//! Java puts every header field into `extFields` under its Java field name as
//! `String.valueOf(v)`; nulls are omitted. Each struct here is declared once with the
//! [`command_header!`](crate::command_header) macro, which lists field, Rust type and Java key; the type decides
//! whether the key is required (`T`) or optional (`Option<T>`). Decoding is stricter than Java's
//! reflective decoder (which only logs a missing `@CFNotNull` field): a missing required field
//! or an unparsable number is an error that names the header and the field, which the server
//! answers with a remark instead of failing later.

use super::command::ExtFields;
use super::error::ProtocolError;
use super::text::Text;

mod admin;
mod namesrv;
mod offset;
mod pull;
mod send;

pub use admin::*;
pub use namesrv::*;
pub use offset::*;
pub use pull::*;
pub use send::*;

/// A header struct that maps onto ext fields.
pub trait CommandHeader: Sized {
    /// The Java class name, used in error messages.
    const NAME: &'static str;

    fn decode(ext: &ExtFields) -> Result<Self, ProtocolError>;

    /// Writes the fields into `ext` in declaration order (the FastCodesHeader order for the
    /// headers that have one).
    fn encode_into(&self, ext: &mut ExtFields);

    fn to_ext_fields(&self) -> ExtFields {
        // Room for a response header's fields and the few a handler adds (one allocation, no
        // regrowth on the send path).
        let mut ext = ExtFields::with_capacity(8);
        self.encode_into(&mut ext);
        ext
    }

    /// Decodes from a command that may have no ext fields at all.
    fn from_command(cmd: &super::RemotingCommand) -> Result<Self, ProtocolError> {
        match &cmd.ext_fields {
            Some(ext) => Self::decode(ext),
            None => Self::decode(&ExtFields::new()),
        }
    }
}

/// One field type: how it is read from an optional string and written back.
pub trait HeaderField: Sized {
    fn read(
        header: &'static str,
        field: &'static str,
        raw: Option<&Text>,
    ) -> Result<Self, ProtocolError>;
    fn write(&self) -> Option<Text>;
}

/// A [`Text`] field keeps the received value without copying it (topic, group and properties
/// of a send: read for every message).
impl HeaderField for Text {
    fn read(
        header: &'static str,
        field: &'static str,
        raw: Option<&Text>,
    ) -> Result<Self, ProtocolError> {
        raw.cloned()
            .ok_or(ProtocolError::MissingField { header, field })
    }
    fn write(&self) -> Option<Text> {
        Some(self.clone())
    }
}

impl HeaderField for Option<Text> {
    fn read(
        _header: &'static str,
        _field: &'static str,
        raw: Option<&Text>,
    ) -> Result<Self, ProtocolError> {
        Ok(raw.cloned())
    }
    fn write(&self) -> Option<Text> {
        self.clone()
    }
}

/// The scalar types Java headers use, parsed the way Java parses them.
trait Scalar: Sized {
    const EXPECTED: &'static str;
    fn parse(raw: &str) -> Option<Self>;
    /// Java's `String.valueOf`.
    fn to_text(&self) -> Text;
}

impl Scalar for String {
    const EXPECTED: &'static str = "a string";
    fn parse(raw: &str) -> Option<Self> {
        Some(raw.to_string())
    }
    fn to_text(&self) -> Text {
        Text::from(self)
    }
}

impl Scalar for i32 {
    fn to_text(&self) -> Text {
        Text::from(*self)
    }
    const EXPECTED: &'static str = "a 32-bit integer";
    fn parse(raw: &str) -> Option<Self> {
        raw.parse().ok()
    }
}

impl Scalar for i64 {
    fn to_text(&self) -> Text {
        Text::from(*self)
    }
    const EXPECTED: &'static str = "a 64-bit integer";
    fn parse(raw: &str) -> Option<Self> {
        raw.parse().ok()
    }
}

impl Scalar for bool {
    fn to_text(&self) -> Text {
        Text::from(*self)
    }
    const EXPECTED: &'static str = "true or false";
    /// `Boolean.parseBoolean`: only a case-insensitive "true" is true, anything else is false.
    fn parse(raw: &str) -> Option<Self> {
        Some(raw.eq_ignore_ascii_case("true"))
    }
}

impl Scalar for f64 {
    fn to_text(&self) -> Text {
        Text::from(self.to_string())
    }
    const EXPECTED: &'static str = "a number";
    fn parse(raw: &str) -> Option<Self> {
        raw.parse().ok()
    }
}

fn parse_scalar<T: Scalar>(
    header: &'static str,
    field: &'static str,
    raw: &str,
) -> Result<T, ProtocolError> {
    T::parse(raw).ok_or_else(|| ProtocolError::InvalidField {
        header,
        field,
        value: raw.chars().take(64).collect(),
        expected: T::EXPECTED,
    })
}

macro_rules! impl_header_field {
    ($($t:ty),*) => {$(
        impl HeaderField for $t {
            fn read(header: &'static str, field: &'static str, raw: Option<&Text>) -> Result<Self, ProtocolError> {
                match raw {
                    Some(raw) => parse_scalar(header, field, raw),
                    None => Err(ProtocolError::MissingField { header, field }),
                }
            }
            fn write(&self) -> Option<Text> {
                Some(self.to_text())
            }
        }

        impl HeaderField for Option<$t> {
            fn read(header: &'static str, field: &'static str, raw: Option<&Text>) -> Result<Self, ProtocolError> {
                raw.map(|raw| parse_scalar(header, field, raw)).transpose()
            }
            fn write(&self) -> Option<Text> {
                self.as_ref().map(Scalar::to_text)
            }
        }
    )*};
}

impl_header_field!(String, i32, i64, bool, f64);

/// Declares a header struct and its [`CommandHeader`] impl:
///
/// ```ignore
/// command_header! {
///     /// doc
///     pub struct GetMaxOffsetRequestHeader("GetMaxOffsetRequestHeader") {
///         topic: String => "topic",
///         queue_id: i32 => "queueId",
///         broker_name: Option<String> => "bname",
///     }
/// }
/// ```
#[macro_export]
macro_rules! command_header {
    ($(#[$meta:meta])* pub struct $name:ident($java:literal) {
        $($(#[$fmeta:meta])* $field:ident : $ty:ty => $key:literal),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $crate::protocol::header::CommandHeader for $name {
            const NAME: &'static str = $java;

            #[allow(unused_variables, unused_mut)]
            fn decode(ext: &$crate::protocol::ExtFields) -> Result<Self, $crate::protocol::ProtocolError> {
                // One pass over the received fields, each key matched once (a `match` on the
                // key), instead of a search of the fields per header field; a repeated key
                // keeps its last value, as `ExtFields::get` does. Values are parsed after the
                // pass, so only the value that counts is checked.
                struct Raw<'a> {
                    $($field: Option<&'a $crate::protocol::Text>,)*
                }
                let mut raw = Raw { $($field: None,)* };
                for (key, value) in ext.entries() {
                    match key {
                        $($key => raw.$field = Some(value),)*
                        _ => {}
                    }
                }
                Ok(Self {
                    $($field: <$ty as $crate::protocol::header::HeaderField>::read($java, $key, raw.$field)?,)*
                })
            }

            #[allow(unused_variables)]
            fn encode_into(&self, ext: &mut $crate::protocol::ExtFields) {
                $(if let Some(v) = $crate::protocol::header::HeaderField::write(&self.$field) {
                    ext.insert($key, v);
                })*
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    command_header! {
        pub struct Probe("ProbeHeader") {
            name: String => "name",
            count: i32 => "count",
            big: Option<i64> => "big",
            on: bool => "on",
        }
    }

    #[test]
    fn round_trip_and_errors_name_the_field() {
        let probe = Probe {
            name: "n".into(),
            count: -3,
            big: None,
            on: true,
        };
        let ext = probe.to_ext_fields();
        assert_eq!(ext.get("big"), None);
        assert_eq!(Probe::decode(&ext).unwrap(), probe);

        let mut missing = ext.clone();
        missing.remove("count");
        assert_eq!(
            Probe::decode(&missing).unwrap_err().to_string(),
            "ProbeHeader: required field 'count' is missing"
        );
        let mut bad = ext.clone();
        bad.insert("big", "12x");
        assert_eq!(
            Probe::decode(&bad).unwrap_err().to_string(),
            "ProbeHeader: field 'big' has invalid value '12x': expected a 64-bit integer"
        );
        let mut yes = ext;
        yes.insert("on", "TRUE");
        assert!(Probe::decode(&yes).unwrap().on);
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_and_only_that_one_is_parsed() {
        let mut ext = ExtFields::new();
        ext.push("name", "first");
        ext.push("count", "not a number");
        ext.push("unknown", "ignored");
        ext.push("on", "false");
        ext.push("count", "7");
        ext.push("name", "second");
        let probe = Probe::decode(&ext).unwrap();
        assert_eq!(probe.name, "second");
        assert_eq!(probe.count, 7);
        assert_eq!(probe.big, None);
        assert!(!probe.on);
        ext.push("count", "x");
        assert!(
            Probe::decode(&ext).is_err(),
            "the last value counts, and it is invalid"
        );
    }
}
