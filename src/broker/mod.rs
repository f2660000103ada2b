//! The broker: request processors (one request family per file) over the message store, the
//! broker's metadata (topics, subscription groups, consumer offsets), client tables, long
//! polling and registration with the name servers.

mod admin;
mod client;
pub mod clients;
pub mod controller;
pub mod locks;
pub mod long_poll;
pub mod metadata;
mod offset;
mod pull;
mod query;
mod register;
mod schedule;
mod send;

pub use controller::{Broker, BrokerError, BrokerHandler};
