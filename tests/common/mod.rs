//! The harness of the integration tests (each `tests/*.rs` is a crate of its own that does
//! `mod common;`, and uses what it needs of this):
//!
//! - temp dirs: [`temp_dir`];
//! - daemons: [`Daemon`] (`rmq namesrv start`, `rmq broker start`; stop, kill, restart);
//! - clusters: [`Cluster`] (name servers + brokers, [`Cluster::builder`] for the options);
//! - the CLI: [`rmq`] builds a run of the binary, [`cli::Output`] holds its result;
//! - waiting: [`wait_until`], [`poll`], [`eventually`];
//! - requests over rmq's remoting client: [`wire`];
//! - child processes: [`process`] (bounded runs, background processes, SIGTERM, log tails);
//! - Java: [`java_lib`], [`java_program`], ... ([`java`]) and the Java name server, broker and
//!   mqadmin ([`java_cluster`]).
// Every test crate uses a part of the harness only.
#![allow(dead_code)]

pub mod cli;
pub mod cluster;
pub mod daemon;
pub mod java;
pub mod java_cluster;
pub mod process;
pub mod store_files;
pub mod wire;

use std::future::Future;
use std::time::{Duration, Instant};

// The short paths (`common::Daemon`); a test crate that uses none of some is fine.
#[allow(unused_imports)]
pub use self::{
    cli::{rmq, Output, Rmq, RMQ},
    cluster::{Cluster, ClusterBuilder},
    daemon::Daemon,
    java::{java_broker_lib, java_lib, java_main, java_program, java_program_with, NETTY_OPENS},
    process::{run_bounded, tail, tail_file, wait_bounded, Finished, Spawned},
};
pub use tempfile::TempDir;

/// A fresh directory under the system temp dir, `rmq-it-<tag>-XXXXXX`, removed on drop.
pub fn temp_dir(tag: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("rmq-it-{tag}-"))
        .tempdir()
        .expect("temp dir")
}

/// How often [`poll`], [`wait_until`] and [`eventually`] try again.
const POLL: Duration = Duration::from_millis(100);

/// Calls `f` until it returns `Ok` or `limit` passes; then its last `Err`.
pub fn poll<T, E>(limit: Duration, mut f: impl FnMut() -> Result<T, E>) -> Result<T, E> {
    let deadline = Instant::now() + limit;
    loop {
        match f() {
            Ok(v) => return Ok(v),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

/// Polls `check` until it holds; panics naming `what` after `limit`.
#[track_caller]
pub fn wait_until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for: {what}"
        );
        std::thread::sleep(POLL);
    }
}

/// [`wait_until`] for async checks (sleeps without blocking the runtime).
pub async fn eventually<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for: {what}"
        );
        tokio::time::sleep(POLL).await;
    }
}
