//! The one error type of the codec: every malformed input becomes one of these values.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    #[error("frame of {len} bytes exceeds the {max}-byte limit")]
    FrameTooLarge { len: usize, max: usize },
    #[error("frame length {0} is too small to hold a header-length word")]
    FrameTooShort(i64),
    #[error("header length {header_len} does not fit in a frame of {frame_len} bytes")]
    HeaderTooLong { header_len: usize, frame_len: usize },
    #[error("unknown header serialize type {0}")]
    UnknownSerializeType(u8),
    #[error("malformed JSON header: {0}")]
    JsonHeader(String),
    #[error("malformed ROCKETMQ binary header: {0}")]
    BinaryHeader(String),
    #[error("{header}: required field '{field}' is missing")]
    MissingField {
        header: &'static str,
        field: &'static str,
    },
    #[error("{header}: field '{field}' has invalid value '{value}': expected {expected}")]
    InvalidField {
        header: &'static str,
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("malformed {what} body: {reason}")]
    Body { what: &'static str, reason: String },
}
