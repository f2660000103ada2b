//! Typed JSON bodies of RocketMQ 4.9.8 requests and responses, and the broker's JSON config
//! files that share their shapes.
//!
//! Every body is a plain serde struct named after its Java class, read with the lenient
//! [`fastjson`] reader and written the way Java 4.9.8 writes it:
//!
//! - `T::from_json(&[u8])` accepts what any Java peer sends: unknown fields are ignored, missing
//!   (or `null`) fields take Java's default, bare map keys are understood.
//! - `T::to_json()` writes fastjson's default form (sorted fields, `None` omitted, bare
//!   non-string map keys); `to_json_with(JsonStyle::Standard)` the standard form 4.9.4+ uses
//!   for route data; `to_json_pretty()` the tab-indented layout of `config/*.json`.
//!
//! Which map keys come out bare is decided by the key's Rust type, as fastjson decides it from
//! the Java type: `i32`/`i64` keys (`BrokerData::broker_addrs`, consumer offsets) and
//! [`MessageQueue`] keys (`ConsumeStats`, `TopicStatsTable`, `ResetOffsetBody`) are bare; string
//! keys are quoted. `MessageQueue`-keyed maps carry `#[serde(with = "fastjson::bare_keys")]`,
//! the one piece of code that turns a key's JSON text back into a `MessageQueue`.
//!
//! Java `Set`s are `Vec`s where the peer's order is worth keeping (heartbeat data, so a
//! re-encoded heartbeat is byte-identical) and `BTreeSet`s where the content is a plain set of
//! names. Java `HashMap`s are `BTreeMap`s, so our output is sorted where Java's is in hash order;
//! either order reads back the same.
//!
//! Java enums are Rust enums with an `Other(String)` variant, so a value from a newer peer is
//! kept and written back unchanged instead of failing the whole body.
//!
//! Not here yet: the compressed REGISTER_BROKER body (`compressed=true`, a zlib stream of
//! length-prefixed parts, facts §4.3), which needs a deflate codec. Java brokers send the plain
//! JSON form unless `compressedRegister=true`.
//!
//! [`fastjson`]: super::fastjson

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

mod admin;
mod client;
mod config;
mod message_queue;
mod route;
mod stats;

pub use admin::*;
pub use client::*;
pub use config::*;
pub use message_queue::*;
pub use route::*;
pub use stats::*;

pub use super::fastjson::JsonStyle;

/// Gives each listed body type `from_json`, `to_json`, `to_json_with` and `to_json_pretty`.
macro_rules! json_body {
    ($($ty:ident),+ $(,)?) => {$(
        impl $ty {
            /// Reads the body from fastjson or standard JSON.
            ///
            /// # Errors
            ///
            /// [`ProtocolError::Body`](crate::protocol::ProtocolError::Body) naming the Java
            /// class when the bytes are not JSON of this shape.
            pub fn from_json(bytes: &[u8]) -> Result<Self, crate::protocol::ProtocolError> {
                crate::protocol::fastjson::from_slice(stringify!($ty), bytes)
            }

            /// The body as Java's `RemotingSerializable.encode` writes it (fastjson style).
            pub fn to_json(&self) -> Vec<u8> {
                crate::protocol::fastjson::to_vec(self, crate::protocol::fastjson::JsonStyle::Fastjson)
            }

            /// The body in the given style.
            pub fn to_json_with(&self, style: crate::protocol::fastjson::JsonStyle) -> Vec<u8> {
                crate::protocol::fastjson::to_vec(self, style)
            }

            /// The body pretty-printed as Java writes `config/*.json` (`toJson(true)`).
            pub fn to_json_pretty(&self) -> Vec<u8> {
                crate::protocol::fastjson::to_vec_pretty(self, crate::protocol::fastjson::JsonStyle::Fastjson)
            }
        }
    )+};
}
pub(crate) use json_body;

/// Declares a Java enum carried by name, with an `Other(String)` variant for names this build
/// does not know.
macro_rules! java_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+
        }
        default $default:ident;
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A name this build does not know; written back unchanged.
            Other(String),
        }

        impl $name {
            const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The Java enum constant name.
            pub fn name(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(name) => name,
                }
            }

            pub fn from_name(name: &str) -> Self {
                match name {
                    $($text => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok(match $crate::protocol::body::EnumToken::deserialize(d)? {
                    $crate::protocol::body::EnumToken::Name(name) => $name::from_name(&name),
                    $crate::protocol::body::EnumToken::Ordinal(i) => usize::try_from(i)
                        .ok()
                        .and_then(|i| $name::KNOWN.get(i))
                        .cloned()
                        .unwrap_or_else(|| $name::Other(i.to_string())),
                    $crate::protocol::body::EnumToken::Absent => $name::default(),
                })
            }
        }
    };
}
pub(crate) use java_enum;

/// How a Java enum arrived: by name (fastjson's default), by ordinal (fastjson accepts it), or
/// as `null`.
#[doc(hidden)]
pub enum EnumToken {
    Name(String),
    Ordinal(u64),
    Absent,
}

impl EnumToken {
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EnumTokenVisitor)
    }
}

struct EnumTokenVisitor;

impl<'de> Visitor<'de> for EnumTokenVisitor {
    type Value = EnumToken;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an enum name or ordinal")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<EnumToken, E> {
        Ok(EnumToken::Name(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<EnumToken, E> {
        Ok(EnumToken::Name(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<EnumToken, E> {
        Ok(EnumToken::Ordinal(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<EnumToken, E> {
        u64::try_from(v)
            .map(EnumToken::Ordinal)
            .map_err(|_| E::custom(format!("negative enum ordinal {v}")))
    }

    fn visit_unit<E: de::Error>(self) -> Result<EnumToken, E> {
        Ok(EnumToken::Absent)
    }

    fn visit_none<E: de::Error>(self) -> Result<EnumToken, E> {
        Ok(EnumToken::Absent)
    }
}
