//! Master/slave replication, byte-compatible with the Apache RocketMQ 4.x HA protocol (raw TCP,
//! no remoting framing).
//!
//! - Slave → master: 8 bytes, the slave's max CommitLog offset (big-endian), at connect, after
//!   each append and every `haSendHeartbeatInterval`.
//! - Master → slave: frames `[i64 offset][i32 size][size CommitLog bytes]`, at most
//!   `haTransferBatchSize` bytes, never crossing a CommitLog file; `size = 0` is a heartbeat.
//!
//! [`HaService`] is shared by both roles: a master runs [`HaService::serve_master`] (one task per
//! connected slave, see `master.rs`) and tracks the offsets its slaves acknowledged, which
//! SYNC_MASTER sends wait on ([`HaService::wait_acked`]); a slave runs
//! [`HaService::run_slave`] (`slave.rs`), which appends what its master sends with
//! [`MessageStore::append_replicated`].

mod master;
mod slave;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use thiserror::Error;

use crate::common::clock::now_ms;
use crate::common::offset_watch::{OffsetWait, OffsetWatch};
use crate::config::MessageStoreConfig;
use crate::store::MessageStore;

/// Header of a master → slave frame: offset (8) and body size (4).
pub const FRAME_HEADER_LEN: usize = 12;

/// A protocol failure on one HA connection (the connection is dropped; the slave reconnects).
#[derive(Debug, Error)]
pub enum HaError {
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("no traffic for {0:?}")]
    Idle(Duration),
    #[error("frame body of {size} bytes is out of bounds (at most {max})")]
    FrameSize { size: i64, max: usize },
    #[error("master sent data for offset {master} but this slave's CommitLog ends at {slave}")]
    OffsetMismatch { master: i64, slave: i64 },
    #[error("slave reports offset {slave}, ahead of this master's max offset {master}: refused (truncate or wipe the slave's store)")]
    SlaveAhead { slave: i64, master: i64 },
    #[error("offset {offset} is not in this master's CommitLog ({min}..{max})")]
    OffsetUnavailable { offset: i64, min: i64, max: i64 },
    #[error("appending replicated data: {0}")]
    Append(String),
}

/// One slave as the master sees it (for status output).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlaveState {
    pub addr: String,
    pub acked_offset: i64,
    /// When the slave last reported (ms since the epoch).
    pub last_report_ms: i64,
}

/// Replication state of one broker, master or slave.
pub struct HaService {
    store: Arc<MessageStore>,
    cfg: MessageStoreConfig,
    /// Largest offset any slave acknowledged (Java `push2SlaveMaxOffset`), and the
    /// SYNC_MASTER senders waiting for it (woken by slave reports).
    acked: OffsetWatch,
    /// Connected slaves.
    connections: AtomicUsize,
    slaves: Mutex<Vec<(u64, SlaveState)>>,
    next_conn_id: AtomicU64,
    /// On a slave: `haMasterAddress` (from the config, or set by a demotion).
    configured_master: Mutex<Option<String>>,
    /// On a slave: the master's HA address learnt from the name server.
    learned_master: Mutex<Option<String>>,
    /// On a slave: the master's remoting address (metadata sync), from the name server.
    master_remoting: Mutex<Option<String>>,
}

impl HaService {
    pub fn new(store: Arc<MessageStore>) -> Arc<HaService> {
        Arc::new(HaService {
            cfg: store.config().clone(),
            acked: OffsetWatch::new(0),
            connections: AtomicUsize::new(0),
            slaves: Mutex::new(Vec::new()),
            next_conn_id: AtomicU64::new(1),
            configured_master: Mutex::new(
                store
                    .config()
                    .ha_master_address
                    .clone()
                    .filter(|a| a.len() >= 6),
            ),
            learned_master: Mutex::new(None),
            master_remoting: Mutex::new(None),
            store,
        })
    }

    /// The master HA address a slave connects to: `haMasterAddress` when set (≥ 6 characters,
    /// as Java checks), else what the name server answered to REGISTER_BROKER.
    pub fn master_address(&self) -> Option<String> {
        let configured = self
            .configured_master
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if configured.is_some() {
            return configured;
        }
        self.learned_master
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Sets (or clears) the master HA address a slave connects to, as `haMasterAddress`
    /// does; used when a master is demoted online.
    pub fn set_configured_master(&self, addr: Option<String>) {
        *self
            .configured_master
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = addr.filter(|a| a.len() >= 6);
    }

    /// The master's remoting address (for the metadata sync), from REGISTER_BROKER.
    pub fn master_remoting_address(&self) -> Option<String> {
        self.master_remoting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Records the master's HA and remoting addresses from a REGISTER_BROKER answer.
    pub fn set_learned_master(&self, addr: Option<String>, remoting: Option<String>) {
        *self
            .master_remoting
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = remoting.filter(|a| !a.is_empty());
        let addr = addr.filter(|a| !a.is_empty());
        let mut cur = self
            .learned_master
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if *cur != addr {
            if let Some(a) = &addr {
                tracing::info!("master HA address is now {a}");
            }
            *cur = addr;
        }
    }

    /// Largest offset a slave acknowledged.
    pub fn acked_offset(&self) -> i64 {
        self.acked.get()
    }

    pub fn connected_slaves(&self) -> usize {
        self.connections.load(Ordering::Acquire)
    }

    /// Each connected slave.
    pub fn slaves(&self) -> Vec<SlaveState> {
        self.slaves
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// Java `isSlaveOK`: a slave is connected and no more than `haSlaveFallbehindMax` behind.
    pub fn is_slave_ok(&self, master_put_end: i64) -> bool {
        self.connected_slaves() > 0
            && master_put_end - self.acked_offset() < i64::from(self.cfg.ha_slave_fallbehind_max)
    }

    /// Completes once a slave acknowledged `end_offset`. No timeout of its own.
    pub fn wait_acked(&self, end_offset: i64) -> OffsetWait<'_> {
        self.acked.wait(end_offset)
    }

    fn report(&self, conn_id: u64, offset: i64) {
        {
            let mut slaves = self.slaves.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, s)) = slaves.iter_mut().find(|(id, _)| *id == conn_id) {
                s.acked_offset = offset;
                s.last_report_ms = now_ms();
            }
        }
        self.acked.publish(offset);
    }

    fn add_slave(&self, addr: String) -> u64 {
        let id = self.next_conn_id.fetch_add(1, Ordering::Relaxed);
        self.slaves.lock().unwrap_or_else(|p| p.into_inner()).push((
            id,
            SlaveState {
                addr,
                acked_offset: -1,
                last_report_ms: now_ms(),
            },
        ));
        self.connections.fetch_add(1, Ordering::AcqRel);
        id
    }

    fn remove_slave(&self, id: u64) {
        self.slaves
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(i, _)| *i != id);
        self.connections.fetch_sub(1, Ordering::AcqRel);
    }

    fn idle_limit(&self) -> Duration {
        Duration::from_millis(self.cfg.ha_housekeeping_interval.max(1000) as u64)
    }

    fn heartbeat_interval(&self) -> Duration {
        Duration::from_millis(self.cfg.ha_send_heartbeat_interval.max(100) as u64)
    }
}
