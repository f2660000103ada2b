//! The slave side: connect to the master's HA port, report the local max offset, append the
//! frames it streams.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{HaError, HaService, FRAME_HEADER_LEN};

/// Largest frame body accepted from a master (Java's slave read buffer).
const MAX_FRAME_BODY: usize = 4 * 1024 * 1024;

/// Pause between connection attempts (Java's HAClient retries every 5 s; quicker here).
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

impl HaService {
    /// Replicates from the master until `stop`, reconnecting whenever the connection drops.
    pub async fn run_slave(self: Arc<Self>, stop: CancellationToken) {
        loop {
            if let Some(addr) = self.master_address() {
                let session = tokio::select! {
                    _ = stop.cancelled() => return,
                    r = self.session(&addr) => r,
                };
                match session {
                    Ok(()) => tracing::info!("HA: master {addr} closed the connection"),
                    Err(e) => tracing::warn!("HA: replication from master {addr} stopped: {e}"),
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(RECONNECT_PAUSE) => {}
            }
        }
    }

    async fn session(self: &Arc<Self>, addr: &str) -> Result<(), HaError> {
        let stream = tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(addr))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        stream.set_nodelay(true)?;
        let (mut rd, wr) = stream.into_split();
        let start = self.store.max_phys_offset();
        tracing::info!("HA: connected to master {addr}; replicating from offset {start}");
        let (offset_tx, offset_rx) = watch::channel(start);
        let reporter = tokio::spawn(report_loop(wr, offset_rx, self.heartbeat_interval()));
        let result = self.receive(&mut rd, &offset_tx).await;
        reporter.abort();
        result
    }

    /// Reads frames and appends them; publishes each new max offset for the reporter.
    async fn receive(
        self: &Arc<Self>,
        rd: &mut tokio::net::tcp::OwnedReadHalf,
        offset_tx: &watch::Sender<i64>,
    ) -> Result<(), HaError> {
        let idle = self.idle_limit();
        // A frame never crosses a CommitLog file, and masters send haTransferBatchSize (32 KiB)
        // at most; a Java slave reads into a 4 MiB buffer, so nothing larger is valid.
        let max_body = (self.cfg.mapped_file_size_commit_log.max(1) as usize).min(MAX_FRAME_BODY);
        let mut header = [0u8; FRAME_HEADER_LEN];
        let mut body: Vec<u8> = Vec::new();
        loop {
            match tokio::time::timeout(idle, rd.read_exact(&mut header)).await {
                Err(_) => return Err(HaError::Idle(idle)),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
                Ok(Err(e)) => return Err(e.into()),
                Ok(Ok(_)) => {}
            }
            let offset = i64::from_be_bytes(header[..8].try_into().expect("8 bytes"));
            let size = i32::from_be_bytes(header[8..].try_into().expect("4 bytes"));
            if size < 0 || size as usize > max_body {
                return Err(HaError::FrameSize {
                    size: i64::from(size),
                    max: max_body,
                });
            }
            let size = size as usize;
            body.resize(size, 0);
            match tokio::time::timeout(idle, rd.read_exact(&mut body)).await {
                Err(_) => return Err(HaError::Idle(idle)),
                Ok(r) => {
                    r?;
                }
            }
            let mine = self.store.max_phys_offset();
            let empty = self.store.commitlog().files().is_empty();
            if offset != mine && !empty {
                return Err(HaError::OffsetMismatch {
                    master: offset,
                    slave: mine,
                });
            }
            if size == 0 {
                continue; // heartbeat
            }
            let store = self.store.clone();
            let data = std::mem::take(&mut body);
            let (data, appended) = tokio::task::spawn_blocking(move || {
                let r = store.append_replicated(offset, &data);
                (data, r)
            })
            .await
            .map_err(|e| HaError::Append(e.to_string()))?;
            body = data;
            let new_max = appended.map_err(|e| HaError::Append(e.to_string()))?;
            let _ = offset_tx.send(new_max);
        }
    }
}

/// Sends the slave's offset whenever it grows and at least every `heartbeat`.
async fn report_loop(
    mut wr: OwnedWriteHalf,
    mut offsets: watch::Receiver<i64>,
    heartbeat: Duration,
) {
    loop {
        let offset = *offsets.borrow_and_update();
        if let Err(e) = wr.write_all(&offset.to_be_bytes()).await {
            tracing::debug!("HA: reporting offset {offset} failed: {e}");
            return;
        }
        tokio::select! {
            changed = offsets.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(heartbeat) => {}
        }
    }
}
