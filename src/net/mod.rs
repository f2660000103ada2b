//! The tokio transport on top of [`crate::protocol`]: a [`Server`] that accepts connections and
//! hands requests to a [`RequestHandler`], a [`RemotingClient`] with per-address connection
//! reuse, and the [`Connection`] both are built on (opaque correlation, requests in both
//! directions, idle close, batched writes, memory bounded per connection: see
//! [`RESPONSE_HIGH_WATER`] and its neighbours); and the replies both daemons' processors build
//! ([`Failure`], [`Outcome`], [`success`], [`not_supported`]); and [`metrics`]: the counters
//! both daemons keep for Prometheus and the HTTP `/metrics` endpoint that exposes them.

mod client;
mod connection;
pub mod metrics;
mod reply;
mod server;

pub use client::{ClientOptions, RemotingClient};
pub use connection::{
    Connection, ConnectionOptions, NoRequests, RequestHandler, BUFFER_LINGER, CLOSE_LINGER,
    DEFAULT_IDLE_TIMEOUT, MAX_IN_FLIGHT, RESPONSE_HIGH_WATER, WRITE_HIGH_WATER,
};
pub use reply::{not_supported, success, Failure, Outcome};
pub use server::{shutdown_signal, Server};

use std::net::SocketAddr;

use thiserror::Error;

use crate::protocol::ProtocolError;

#[derive(Debug, Error)]
pub enum NetError {
    // The I/O error is part of the message and deliberately not a `source`: error chains
    // (`{:#}`) would print it twice.
    #[error("cannot listen on {addr}: {reason}")]
    Bind {
        addr: String,
        reason: std::io::Error,
    },
    #[error("cannot connect to {addr}: {reason}")]
    Connect {
        addr: String,
        reason: std::io::Error,
    },
    #[error("no response from {addr} within {millis} ms")]
    Timeout { addr: String, millis: u64 },
    #[error("connection to {0} closed")]
    Closed(SocketAddr),
    #[error("bad frame from peer: {0}")]
    Protocol(#[from] ProtocolError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
