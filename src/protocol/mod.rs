//! The remoting wire format, as a pure codec (no I/O): frames and both header serializations
//! ([`command`]), request/response/language codes ([`code`]), typed headers ([`header`]) and the
//! JSON bodies with fastjson's quirks ([`body`], [`fastjson`]).

pub mod body;
pub mod code;
pub mod command;
pub mod error;
pub mod fastjson;
pub mod header;
mod json_scan;
pub mod lenient;
pub mod perm;
pub mod text;

pub use code::{LanguageCode, RequestCode, ResponseCode, SerializeType};
pub use command::{decode_frame, ExtFields, RemotingCommand, MAX_FRAME_LEN};
pub use error::ProtocolError;
pub use header::CommandHeader;
pub use text::Text;
