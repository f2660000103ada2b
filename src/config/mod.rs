//! Configuration: Java `.properties` files in, typed name server / broker / store configs out,
//! with Apache RocketMQ 4.9.x key names and defaults.
//!
//! Owns:
//! - [`Properties`]: a parser and writer with exactly `java.util.Properties` semantics (the
//!   broker's config file, GET_BROKER_CONFIG and UPDATE_BROKER_CONFIG bodies all use it);
//! - the typed configs [`NamesrvConfig`], [`BrokerConfig`], [`MessageStoreConfig`],
//!   [`NettyServerConfig`], [`NettyClientConfig`], each declared once as a table of
//!   `field: Type = default => "javaKey"` rows from which parsing, the known-key check and the
//!   writer back to properties are all derived (see `table.rs`);
//! - the loaders [`load_broker`] / [`load_namesrv`] (and `*_file` variants) that apply Java's
//!   startup rules (listenPort defaults, haListenPort = listenPort + 1, master brokerId 0);
//! - host facts used for defaults ([`crate::common::host`]: home directory, host name, local IPv4, CPUs).
//!
//! Does not own: logging (loaders *return* [`ConfigWarning`]s), command-line flags, or where
//! the files live.
//!
//! Rules that differ from Java on purpose, because Java's behaviour hides mistakes:
//! - an unknown key is a [`ConfigWarning`] naming the key and line (Java ignores it silently);
//! - an unparsable or out-of-range value is a [`ConfigError`] naming key, value, line and the
//!   expected form (Java swallows the exception and keeps the default);
//! - booleans must be `true` or `false` (any case); Java reads anything else as `false`;
//! - every value is trimmed (Java trims only strings, so `listenPort=10911 ` is ignored there).

pub mod broker;
pub mod error;
mod loader;
pub mod namesrv;
pub mod netty;
pub mod properties;
pub mod store;
pub(crate) mod table;

pub use broker::{BrokerConfig, DEFAULT_BROKER_LISTEN_PORT, NAMESRV_ADDR_ENV};
pub use error::{ConfigError, ConfigWarning};
pub use loader::{
    apply_broker_properties, apply_namesrv_properties, broker_to_properties, load_broker,
    load_broker_file, load_namesrv, load_namesrv_file,
};
pub use namesrv::{NamesrvConfig, DEFAULT_NAMESRV_LISTEN_PORT};
pub use netty::{NettyClientConfig, NettyServerConfig};
pub use properties::Properties;
pub use store::{BrokerRole, FlushDiskType, MessageStoreConfig, DEFAULT_MESSAGE_DELAY_LEVEL};
