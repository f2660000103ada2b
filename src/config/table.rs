//! The machinery behind the typed configs: one declarative table per struct.
//!
//! Java fills its config objects by reflection (`MixAll.properties2Object`: key = setter name
//! minus `set`, first letter lower-cased) and writes them back the same way. Here each struct is
//! declared once with [`config_table!`], one row per field:
//!
//! ```text
//! /// doc
//! field_name: Type = default_expr => "javaKey" | "oldSpelling" via Codec check check_fn;
//! ```
//!
//! and the macro derives the struct, its `Default`, the key → field parser, the known-key list
//! and the writer (`to_properties`) from that single row, so the three can never disagree.
//! `via` picks a non-default value codec (the default, [`Std`], uses [`ConfigValue`]); `check`
//! adds a range check whose message says what was expected. An optional `nested { … }` block
//! embeds other tables (e.g. NettyServerConfig inside BrokerConfig) whose keys share the file.

use std::fmt::Display;
use std::path::PathBuf;
use std::time::Duration;

use super::properties::Properties;

/// Implemented by every `config_table!` struct.
pub(crate) trait ConfigTable {
    /// Sets the field(s) named by `key` from the trimmed `raw` value. `Ok(false)` means the key
    /// is not one of this table's; `Err` carries the "expected …" text for the error message.
    fn apply(&mut self, key: &str, raw: &str) -> Result<bool, String>;
    /// The canonical spelling of `key` if it is one of this table's keys (or an alias).
    fn canonical_key(key: &str) -> Option<&'static str>;
    /// Writes every field with a value (Java skips nulls) under its canonical key.
    fn write_to(&self, out: &mut Properties);
    /// Appends all accepted keys, aliases included.
    fn collect_keys(out: &mut Vec<&'static str>);
}

/// How one Rust type is read from and written to a properties value.
pub(crate) trait Codec<T> {
    /// Parses a trimmed value; `Err` is the expected form ("an integer (Java int)").
    fn parse(raw: &str) -> Result<T, String>;
    /// The value as text, or `None` to omit the key (Java's `null`).
    fn render(value: &T) -> Option<String>;
}

/// Types with one obvious properties representation.
pub(crate) trait ConfigValue: Sized {
    fn parse_value(raw: &str) -> Result<Self, String>;
    fn render_value(&self) -> Option<String>;
}

/// The default codec: whatever [`ConfigValue`] says.
pub(crate) struct Std;

impl<T: ConfigValue> Codec<T> for Std {
    fn parse(raw: &str) -> Result<T, String> {
        T::parse_value(raw)
    }
    fn render(value: &T) -> Option<String> {
        value.render_value()
    }
}

impl ConfigValue for i32 {
    fn parse_value(raw: &str) -> Result<Self, String> {
        // Rust's integer syntax for i32 is exactly Integer.parseInt's for ASCII input: optional
        // sign, decimal digits, no blanks, no underscores.
        raw.parse().map_err(|_| "an integer (Java int)".to_string())
    }
    fn render_value(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl ConfigValue for i64 {
    fn parse_value(raw: &str) -> Result<Self, String> {
        raw.parse()
            .map_err(|_| "an integer (Java long)".to_string())
    }
    fn render_value(&self) -> Option<String> {
        Some(self.to_string())
    }
}

/// Stricter than Java on purpose: `Boolean.parseBoolean` turns anything but "true" into false,
/// so a typo like `autoCreateTopicEnable=ture` silently disables the feature. Here `true` and
/// `false` (any case) are accepted and everything else is an error.
impl ConfigValue for bool {
    fn parse_value(raw: &str) -> Result<Self, String> {
        if raw.eq_ignore_ascii_case("true") {
            Ok(true)
        } else if raw.eq_ignore_ascii_case("false") {
            Ok(false)
        } else {
            Err("true or false".to_string())
        }
    }
    fn render_value(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl ConfigValue for String {
    fn parse_value(raw: &str) -> Result<Self, String> {
        Ok(raw.to_string())
    }
    fn render_value(&self) -> Option<String> {
        Some(self.clone())
    }
}

/// A Java `String` field that defaults to `null`: an empty value means "unset" again.
impl ConfigValue for Option<String> {
    fn parse_value(raw: &str) -> Result<Self, String> {
        Ok((!raw.is_empty()).then(|| raw.to_string()))
    }
    fn render_value(&self) -> Option<String> {
        self.clone()
    }
}

/// Path values: `${user.home}` is replaced by the user's home directory, so the documented
/// defaults (`${user.home}/store`) can also be written in files.
pub(crate) struct HomePath;

fn expand_home(raw: &str) -> PathBuf {
    PathBuf::from(raw.replace(
        "${user.home}",
        &crate::common::host::user_home().to_string_lossy(),
    ))
}

impl Codec<PathBuf> for HomePath {
    fn parse(raw: &str) -> Result<PathBuf, String> {
        if raw.is_empty() {
            return Err("a directory or file path".to_string());
        }
        Ok(expand_home(raw))
    }
    fn render(value: &PathBuf) -> Option<String> {
        Some(value.to_string_lossy().into_owned())
    }
}

impl Codec<Option<PathBuf>> for HomePath {
    fn parse(raw: &str) -> Result<Option<PathBuf>, String> {
        Ok((!raw.is_empty()).then(|| expand_home(raw)))
    }
    fn render(value: &Option<PathBuf>) -> Option<String> {
        value.as_ref().map(|p| p.to_string_lossy().into_owned())
    }
}

/// `namesrvAddr`: `host:port` entries separated by `;`. Parsed and validated up front because
/// Java's BrokerStartup exits on a malformed list too (it just does so after loading).
pub(crate) struct AddrList;

pub(crate) const ADDR_LIST_EXPECTED: &str =
    "a ';'-separated list of host:port (e.g. 127.0.0.1:9876;192.168.0.1:9876)";

impl Codec<Option<Vec<String>>> for AddrList {
    fn parse(raw: &str) -> Result<Option<Vec<String>>, String> {
        let mut addrs = Vec::new();
        // Empty entries ("a:1;;b:2;") are skipped: Java's split drops trailing ones and an empty
        // middle entry carries no information.
        for entry in raw.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let valid = entry.rsplit_once(':').is_some_and(|(host, port)| {
                !host.is_empty()
                    && !host.contains(char::is_whitespace)
                    && port.parse::<u16>().is_ok()
            });
            if !valid {
                return Err(ADDR_LIST_EXPECTED.to_string());
            }
            addrs.push(entry.to_string());
        }
        Ok((!addrs.is_empty()).then_some(addrs))
    }
    fn render(value: &Option<Vec<String>>) -> Option<String> {
        value.as_ref().map(|addrs| addrs.join(";"))
    }
}

/// `deleteWhen`: hours of the day separated by `;` ("04", "01;13").
pub(crate) struct Hours;

impl Codec<Vec<u8>> for Hours {
    fn parse(raw: &str) -> Result<Vec<u8>, String> {
        let expected = || "';'-separated hours of the day 0-23 (e.g. 04 or 01;13)".to_string();
        let mut hours = Vec::new();
        for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            match part.parse::<u8>() {
                Ok(h) if h <= 23 => hours.push(h),
                _ => return Err(expected()),
            }
        }
        if hours.is_empty() {
            return Err(expected());
        }
        Ok(hours)
    }
    fn render(value: &Vec<u8>) -> Option<String> {
        // Two digits, as in Java's default "04".
        let parts: Vec<String> = value.iter().map(|h| format!("{h:02}")).collect();
        Some(parts.join(";"))
    }
}

/// `messageDelayLevel`: blank-separated delays, each a number with unit s, m, h or d — the units
/// Java's ScheduleMessageService knows. Level N (1-based) is the Nth entry.
pub(crate) struct DelayLevels;

const DELAY_UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

impl Codec<Vec<Duration>> for DelayLevels {
    fn parse(raw: &str) -> Result<Vec<Duration>, String> {
        let expected = || {
            "blank-separated delays, each a whole number followed by s, m, h or d \
             (e.g. 1s 5s 10s 1m 2h)"
                .to_string()
        };
        let mut levels = Vec::new();
        for token in raw.split_whitespace() {
            let secs = DELAY_UNITS.iter().find_map(|&(unit, factor)| {
                let number = token.strip_suffix(unit)?;
                // Rust's u64 parser accepts a leading '+', as Long.parseLong does; negative
                // delays make no sense and are rejected.
                number.parse::<u64>().ok()?.checked_mul(factor)
            });
            match secs {
                Some(secs) => levels.push(Duration::from_secs(secs)),
                None => return Err(expected()),
            }
        }
        if levels.is_empty() {
            return Err(expected());
        }
        Ok(levels)
    }
    fn render(value: &Vec<Duration>) -> Option<String> {
        let parts: Vec<String> = value
            .iter()
            .map(|d| {
                let secs = d.as_secs();
                let (unit, factor) = DELAY_UNITS
                    .iter()
                    .copied()
                    .find(|&(_, f)| secs != 0 && secs % f == 0)
                    .unwrap_or(('s', 1));
                format!("{}{unit}", secs / factor)
            })
            .collect();
        Some(parts.join(" "))
    }
}

/// Check: `lo <= value <= hi`.
pub(crate) fn in_range<T: PartialOrd + Display + Copy>(
    lo: T,
    hi: T,
) -> impl Fn(&T) -> Result<(), String> {
    move |v: &T| {
        if *v >= lo && *v <= hi {
            Ok(())
        } else {
            Err(format!("an integer from {lo} to {hi}"))
        }
    }
}

/// Check: a TCP port, where 0 asks the OS for a free one.
pub(crate) fn port(v: &i32) -> Result<(), String> {
    in_range(0, 65535)(v).map_err(|_| "a port number from 0 to 65535".to_string())
}

/// Check: `value > 0`.
pub(crate) fn positive<T: PartialOrd + Default + Display>(v: &T) -> Result<(), String> {
    if *v > T::default() {
        Ok(())
    } else {
        Err("a positive integer".to_string())
    }
}

/// Check: `value >= 0`.
pub(crate) fn non_negative<T: PartialOrd + Default + Display>(v: &T) -> Result<(), String> {
    if *v >= T::default() {
        Ok(())
    } else {
        Err("an integer >= 0".to_string())
    }
}

/// Picks the codec of a row: the one named after `via`, or [`Std`].
macro_rules! codec {
    () => {
        $crate::config::table::Std
    };
    ($codec:ident) => {
        $codec
    };
}
pub(crate) use codec;

/// Declares a config struct from one row per field; see the module docs.
macro_rules! config_table {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident : $ty:ty = $default:expr => $key:literal $(| $alias:literal)*
                    $(via $codec:ident)? $(check $check:expr)? ;
            )*
        }
        $(
            nested {
                $( $(#[$nmeta:meta])* $nfield:ident : $nty:ty = $ndefault:expr ; )*
            }
        )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
            $($( $(#[$nmeta])* pub $nfield: $nty, )*)?
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    $( $field: $default, )*
                    $($( $nfield: $ndefault, )*)?
                }
            }
        }

        impl $crate::config::table::ConfigTable for $name {
            fn apply(&mut self, key: &str, raw: &str) -> Result<bool, String> {
                let mut known = false;
                match key {
                    $(
                        $key $(| $alias)* => {
                            let value: $ty = <$crate::config::table::codec!($($codec)?)
                                as $crate::config::table::Codec<$ty>>::parse(raw)?;
                            $( ($check)(&value)?; )?
                            self.$field = value;
                            known = true;
                        }
                    )*
                    _ => {}
                }
                // Java sets a key on every object that has the setter, so nested tables see
                // every key too.
                $($(
                    known |= $crate::config::table::ConfigTable::apply(&mut self.$nfield, key, raw)?;
                )*)?
                Ok(known)
            }

            fn canonical_key(key: &str) -> Option<&'static str> {
                match key {
                    $( $key $(| $alias)* => Some($key), )*
                    _ => {
                        $($(
                            if let Some(k) =
                                <$nty as $crate::config::table::ConfigTable>::canonical_key(key)
                            {
                                return Some(k);
                            }
                        )*)?
                        None
                    }
                }
            }

            fn write_to(&self, out: &mut $crate::config::Properties) {
                $(
                    if let Some(text) = <$crate::config::table::codec!($($codec)?)
                        as $crate::config::table::Codec<$ty>>::render(&self.$field)
                    {
                        out.set($key, text);
                    }
                )*
                $($( $crate::config::table::ConfigTable::write_to(&self.$nfield, out); )*)?
            }

            fn collect_keys(out: &mut Vec<&'static str>) {
                $( out.push($key); $( out.push($alias); )* )*
                $($( <$nty as $crate::config::table::ConfigTable>::collect_keys(out); )*)?
            }
        }

        impl $name {
            /// Every key this struct (and the structs nested in it) accepts, old spellings
            /// included.
            pub fn known_keys() -> Vec<&'static str> {
                let mut keys = Vec::new();
                <$name as $crate::config::table::ConfigTable>::collect_keys(&mut keys);
                keys
            }

            /// The effective values as properties under their Java key names (nested structs
            /// included; unset optional values are omitted, as Java omits nulls).
            pub fn to_properties(&self) -> $crate::config::Properties {
                let mut out = $crate::config::Properties::new();
                $crate::config::table::ConfigTable::write_to(self, &mut out);
                out
            }
        }
    };
}
pub(crate) use config_table;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_levels_round_trip_default() {
        let text = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";
        let levels = DelayLevels::parse(text).expect("parse");
        assert_eq!(levels.len(), 18);
        assert_eq!(levels[4], Duration::from_secs(60));
        assert_eq!(levels[17], Duration::from_secs(7200));
        assert_eq!(DelayLevels::render(&levels).as_deref(), Some(text));
        assert_eq!(
            DelayLevels::parse("2d 0s").expect("days"),
            [Duration::from_secs(172_800), Duration::ZERO]
        );
        for bad in ["", "1x", "s", "-1s", "1.5s", "99999999999999999999d", "1 s"] {
            assert!(DelayLevels::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hours_parse_and_render() {
        assert_eq!(Hours::parse("04").expect("04"), [4]);
        assert_eq!(Hours::parse("01; 13;").expect("list"), [1, 13]);
        assert_eq!(Hours::render(&vec![4, 16]).as_deref(), Some("04;16"));
        for bad in ["", "24", "-1", "4am", ";"] {
            assert!(Hours::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn addr_list() {
        assert_eq!(
            AddrList::parse("a:9876;b:9876").expect("two"),
            Some(vec!["a:9876".to_string(), "b:9876".to_string()])
        );
        assert_eq!(AddrList::parse("").expect("empty"), None);
        for bad in ["a", "a:", ":9876", "a:99999", "a b:1"] {
            assert!(AddrList::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scalars() {
        assert_eq!(i32::parse_value("+12"), Ok(12));
        assert!(i32::parse_value("2147483648").is_err());
        assert_eq!(i64::parse_value("2147483648"), Ok(2_147_483_648));
        assert_eq!(bool::parse_value("TRUE"), Ok(true));
        assert!(bool::parse_value("yes").is_err());
        assert_eq!(<Option<String>>::parse_value(""), Ok(None));
    }
}
