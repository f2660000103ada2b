//! The broker: request processors (one request family per file) over the message store, the
//! broker's metadata (topics, subscription groups, consumer offsets), client tables, long
//! polling and registration with the name servers.

mod admin;
mod client;
pub mod client_tables;
mod config_file;
pub mod controller;
pub mod filter;
pub mod long_poll;
pub mod metadata;
mod offset;
mod pull;
mod query;
pub mod queue_locks;
mod register;
mod schedule;
mod send;
pub mod sql92;
pub mod stats;

pub use controller::{Broker, BrokerError, BrokerHandler};
