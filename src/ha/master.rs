//! The master side: accept slaves on `haListenPort`, read their offset reports, stream
//! CommitLog bytes from where each slave is.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{HaError, HaService, FRAME_HEADER_LEN};

impl HaService {
    /// Accepts slaves on `listener` until `stop`.
    pub async fn serve_master(self: Arc<Self>, listener: TcpListener, stop: CancellationToken) {
        loop {
            let (stream, peer) = tokio::select! {
                _ = stop.cancelled() => return,
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!("HA accept failed: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            tracing::info!("HA: slave {peer} connected");
            let ha = self.clone();
            let stop = stop.child_token();
            tokio::spawn(async move {
                let id = ha.add_slave(peer.to_string());
                let result = ha.serve_slave(stream, peer, id, stop).await;
                ha.remove_slave(id);
                match result {
                    Ok(()) => tracing::info!("HA: slave {peer} disconnected"),
                    Err(e) => tracing::warn!("HA: connection with slave {peer} closed: {e}"),
                }
            });
        }
    }

    async fn serve_slave(
        self: &Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        id: u64,
        stop: CancellationToken,
    ) -> Result<(), HaError> {
        stream.set_nodelay(true)?;
        let (rd, wr) = stream.into_split();
        let (ack_tx, ack_rx) = watch::channel(-1i64);
        let conn_stop = stop.child_token();
        let reader = {
            let ha = self.clone();
            let conn_stop = conn_stop.clone();
            tokio::spawn(async move {
                let r = tokio::select! {
                    r = ha.read_reports(rd, id, ack_tx) => r,
                    _ = conn_stop.cancelled() => Ok(()),
                };
                conn_stop.cancel();
                r
            })
        };
        let written = tokio::select! {
            r = self.transfer(wr, ack_rx, peer) => r,
            _ = conn_stop.cancelled() => Ok(()),
        };
        // Stops the reader if the transfer ended first; either way its result (the reason a
        // slave was refused) is kept.
        conn_stop.cancel();
        let read = reader.await.unwrap_or(Ok(()));
        read.and(written)
    }

    /// Reads the slave's 8-byte offset reports.
    async fn read_reports(
        &self,
        mut rd: OwnedReadHalf,
        id: u64,
        ack_tx: watch::Sender<i64>,
    ) -> Result<(), HaError> {
        let idle = self.idle_limit();
        let mut buf = [0u8; 8];
        loop {
            match tokio::time::timeout(idle, rd.read_exact(&mut buf)).await {
                Err(_) => return Err(HaError::Idle(idle)),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
                Ok(Err(e)) => return Err(e.into()),
                Ok(Ok(_)) => {}
            }
            let offset = i64::from_be_bytes(buf);
            let master = self.store.max_phys_offset();
            if offset > master || offset < 0 {
                return Err(HaError::SlaveAhead {
                    slave: offset,
                    master,
                });
            }
            let _ = ack_tx.send(offset);
            self.report(id, offset);
        }
    }

    /// Streams frames from the slave's first reported offset on.
    async fn transfer(
        &self,
        mut wr: OwnedWriteHalf,
        mut ack_rx: watch::Receiver<i64>,
        peer: SocketAddr,
    ) -> Result<(), HaError> {
        let first = *ack_rx
            .wait_for(|o| *o >= 0)
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
        let mut next = if first == 0 {
            // A new slave starts with the master's last file (Java does the same).
            let max = self.store.max_phys_offset();
            max - max % i64::from(self.cfg.mapped_file_size_commit_log.max(1))
        } else {
            first
        };
        tracing::info!("HA: transferring to slave {peer} from offset {next}");
        let batch = self.cfg.ha_transfer_batch_size.max(1) as usize;
        let heartbeat = self.heartbeat_interval();
        let mut header = [0u8; FRAME_HEADER_LEN];
        loop {
            // Read before the bytes: data below it is published, so finding none there means
            // the offset is gone (not that it is being written right now).
            let max = self.store.max_phys_offset();
            match self.store.commitlog_bytes(next, batch) {
                Some(body) => {
                    header[..8].copy_from_slice(&next.to_be_bytes());
                    header[8..].copy_from_slice(&(body.len() as i32).to_be_bytes());
                    write_frame(&mut wr, &header, &body).await?;
                    next += body.len() as i64;
                }
                None => {
                    if next < max {
                        return Err(HaError::OffsetUnavailable {
                            offset: next,
                            min: self.store.min_phys_offset(),
                            max,
                        });
                    }
                    let waited =
                        tokio::time::timeout(heartbeat, self.store.wait_new_data(next)).await;
                    if self.store.is_shutting_down() {
                        return Ok(());
                    }
                    if waited.is_err() {
                        header[..8].copy_from_slice(&next.to_be_bytes());
                        header[8..].copy_from_slice(&0i32.to_be_bytes());
                        wr.write_all(&header).await?;
                    }
                }
            }
        }
    }
}

/// Writes a frame's header and body with as few system calls as the socket allows (one
/// `writev` when it has room), the body straight from the mapped CommitLog.
async fn write_frame(wr: &mut OwnedWriteHalf, header: &[u8], body: &[u8]) -> std::io::Result<()> {
    let mut head = header;
    let mut rest = body;
    while !head.is_empty() {
        let parts = [std::io::IoSlice::new(head), std::io::IoSlice::new(rest)];
        let n = wr.write_vectored(&parts).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        if n < head.len() {
            head = &head[n..];
        } else {
            rest = &rest[n - head.len()..];
            head = &[];
        }
    }
    wr.write_all(rest).await
}
