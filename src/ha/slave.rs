//! The slave side: connect to the master's HA port, report the local max offset, append the
//! frames it streams.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{HaError, HaService, FRAME_HEADER_LEN};

/// Largest frame body accepted from a master (Java's slave read buffer).
const MAX_FRAME_BODY: usize = 4 * 1024 * 1024;

/// Bytes read from the master at a time.
const READ_BUFFER: usize = 1024 * 1024;

/// Received frames appended in one go, at most (about).
const APPEND_BATCH: usize = 1024 * 1024;

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
        let (rd, wr) = stream.into_split();
        let start = self.store.max_phys_offset();
        tracing::info!("HA: connected to master {addr}; replicating from offset {start}");
        let (offset_tx, offset_rx) = watch::channel(start);
        let reporter = tokio::spawn(report_loop(wr, offset_rx, self.heartbeat_interval()));
        let result = self.receive(rd, &offset_tx).await;
        reporter.abort();
        result
    }

    /// Reads frames and appends them; publishes each new max offset for the reporter.
    ///
    /// Frames already received are appended together: consecutive frames waiting in the read
    /// buffer (up to [`APPEND_BATCH`] bytes) go to the store in one blocking call and are
    /// reported once, so a slave keeps up with a master writing tens of MB/s.
    async fn receive(
        self: &Arc<Self>,
        rd: tokio::net::tcp::OwnedReadHalf,
        offset_tx: &watch::Sender<i64>,
    ) -> Result<(), HaError> {
        let idle = self.idle_limit();
        // A frame never crosses a CommitLog file, and masters send haTransferBatchSize (32 KiB)
        // at most; a Java slave reads into a 4 MiB buffer, so nothing larger is valid.
        let max_body = (self.cfg.mapped_file_size_commit_log.max(1) as usize).min(MAX_FRAME_BODY);
        let mut rd = BufReader::with_capacity(READ_BUFFER, rd);
        let mut header = [0u8; FRAME_HEADER_LEN];
        // Bytes of the frames read but not yet appended, and each frame's (offset, length).
        let mut data: Vec<u8> = Vec::with_capacity(APPEND_BATCH + max_body);
        let mut frames: Vec<(i64, usize)> = Vec::new();
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
            let start = data.len();
            data.resize(start + size, 0);
            match tokio::time::timeout(idle, rd.read_exact(&mut data[start..])).await {
                Err(_) => return Err(HaError::Idle(idle)),
                Ok(r) => {
                    r?;
                }
            }
            // Each frame continues the previous one (or this slave's CommitLog).
            let expected = match frames.last() {
                Some((o, len)) => Some(o + *len as i64),
                None if self.store.commitlog().files().is_empty() => None,
                None => Some(self.store.max_phys_offset()),
            };
            if let Some(mine) = expected.filter(|m| *m != offset) {
                return Err(HaError::OffsetMismatch {
                    master: offset,
                    slave: mine,
                });
            }
            if size > 0 {
                frames.push((offset, size));
            }
            // More frames already here: take them into this append.
            if rd.buffer().len() >= FRAME_HEADER_LEN && data.len() < APPEND_BATCH {
                continue;
            }
            if frames.is_empty() {
                data.clear();
                continue; // heartbeats only
            }
            let store = self.store.clone();
            let batch = std::mem::take(&mut data);
            let todo = std::mem::take(&mut frames);
            let (batch, appended) = tokio::task::spawn_blocking(move || {
                let mut at = 0;
                let mut end = Ok(0);
                for (offset, len) in todo {
                    end = store.append_replicated(offset, &batch[at..at + len]);
                    if end.is_err() {
                        break;
                    }
                    at += len;
                }
                (batch, end)
            })
            .await
            .map_err(|e| HaError::Append(e.to_string()))?;
            data = batch;
            data.clear();
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
