//! Errors and warnings of config loading.
//!
//! Every message is meant to be shown to an operator as-is, so each one names what is wrong and
//! where: the key, the value, the line and (for files) the file. `Display` is self-contained —
//! it already includes any underlying cause — which is why no variant exposes a `source()`:
//! printing an error chain would otherwise repeat the cause.

use std::fmt;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// `" at line N"`, or nothing when the line is unknown (values that did not come from a file).
pub(crate) fn at_line(line: Option<usize>) -> String {
    line.map(|n| format!(" at line {n}")).unwrap_or_default()
}

/// Why a config could not be loaded.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// Properties text that Java's parser would also reject (a malformed `\uXXXX` escape).
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },

    /// A known key with a value that does not parse or is out of range.
    #[error(
        "invalid value '{value}' for key '{key}'{}: expected {expected}",
        at_line(*line)
    )]
    InvalidValue {
        key: String,
        value: String,
        line: Option<usize>,
        expected: String,
    },

    /// Individually valid values that contradict each other (e.g. a SLAVE with brokerId 0).
    #[error("{0}")]
    Inconsistent(String),

    /// The config file could not be read.
    #[error("cannot read config file '{}': {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },

    /// Any other error, attributed to the file it came from.
    #[error("config file '{}': {inner}", path.display())]
    File {
        path: PathBuf,
        inner: Box<ConfigError>,
    },
}

impl ConfigError {
    /// Attributes this error to `path` (I/O errors already name their file).
    pub fn in_file(self, path: &Path) -> ConfigError {
        match self {
            ConfigError::Io { .. } | ConfigError::File { .. } => self,
            other => ConfigError::File {
                path: path.to_path_buf(),
                inner: Box::new(other),
            },
        }
    }
}

/// Something in a config that was accepted but deserves the operator's attention. Loaders return
/// these instead of logging them so that the caller decides where they go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigWarning {
    /// A key no config struct knows. Java ignores such keys silently, which hides typos.
    UnknownKey { key: String, line: Option<usize> },
    /// Two spellings of one setting (e.g. `mapedFileSizeCommitLog` and
    /// `mappedFileSizeCommitLog`); the later line wins.
    AliasConflict {
        used_key: String,
        used_line: Option<usize>,
        ignored_key: String,
        ignored_line: Option<usize>,
    },
    /// A value the loader replaced, mirroring what Java's startup code does.
    Adjusted {
        key: String,
        from: String,
        to: String,
        reason: &'static str,
    },
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigWarning::UnknownKey { key, line } => {
                write!(f, "unknown key '{key}'{} (ignored)", at_line(*line))
            }
            ConfigWarning::AliasConflict {
                used_key,
                used_line,
                ignored_key,
                ignored_line,
            } => write!(
                f,
                "key '{ignored_key}'{} is overridden by its other spelling '{used_key}'{}",
                at_line(*ignored_line),
                at_line(*used_line)
            ),
            ConfigWarning::Adjusted {
                key,
                from,
                to,
                reason,
            } => write!(f, "{key} changed from '{from}' to '{to}': {reason}"),
        }
    }
}
