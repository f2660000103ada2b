//! The broker daemon: the request processors over the message store, the broker's metadata
//! (topics, subscription groups, consumer and delay offsets), the tables of connected clients
//! and queue locks, long polling, delayed delivery and registration with the name servers.
//!
//! - `controller.rs`: [`Broker`] (everything one broker owns), start-up, shutdown and the
//!   periodic work (registration, offset persistence, client expiry, membership notices);
//! - `processor/`: the request processors, one file per request family, and the dispatch
//!   table of every request code ([`BrokerHandler`]);
//! - [`metadata`]: topics, subscription groups, consumer offsets and delay offsets, in Java's
//!   files under `<storeRoot>/config/`;
//! - [`client_tables`]: the connected consumer and producer groups, kept from heartbeats;
//! - [`queue_locks`]: which client holds which queue for orderly consumption;
//! - [`long_poll`]: pulls waiting for a message to arrive;
//! - `schedule.rs`: delivery of delayed messages and retries when due;
//! - `register.rs`: registration with the name servers;
//! - [`role_change`]: promotion of a slave and demotion of a master, online;
//! - `slave_sync.rs`: a slave's metadata sync from its master;
//! - [`transaction`]: transactional messages: commit/rollback of half messages, op messages and
//!   the check service asking producers about halves left open (CHECK_TRANSACTION_STATE);
//! - [`stats`]: message counters and the TPS figures of runtime info, and the sampled
//!   per-topic, per-group and broker statistics of VIEW_BROKER_STATS_DATA (`statsAll`);
//! - [`metrics`]: the Prometheus metrics ([`metrics::BrokerCollector`]), read at scrape time;
//! - `config_file.rs`: in-place rewrite of the `-c` file on UPDATE_BROKER_CONFIG.
//!
//! Message filtering (tags, SQL92) is [`crate::filter`]'s.

pub mod client_tables;
mod config_file;
pub mod controller;
pub mod long_poll;
pub mod metadata;
pub mod metrics;
mod processor;
pub mod queue_locks;
mod register;
pub mod role_change;
mod schedule;
mod slave_sync;
pub mod stats;
pub mod transaction;

pub use controller::{Broker, BrokerError};
pub use processor::BrokerHandler;
