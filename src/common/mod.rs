//! What every layer shares and nothing else owns: the message model and CommitLog record codec
//! ([`message`]), the names of system topics and groups and the rules for topic names
//! ([`names`]), the clock and date formats ([`clock`]), facts about the host ([`host`]) and
//! crash-safe file replacement ([`fs`]). It imports no other module of the crate.

pub mod clock;
pub mod fs;
pub mod host;
pub mod message;
pub mod names;
pub mod offset_watch;
