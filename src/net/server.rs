//! The accept loop: every accepted socket becomes a [`Connection`] served by one handler.
//! Shutdown stops accepting, stops reading new requests, lets in-flight requests answer, then
//! closes the sockets. Every server counts its connections and requests ([`ServerMetrics`]).

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::connection::{self, Connection, ConnectionOptions, RequestHandler};
use super::metrics::{ServerMetrics, NO_RESPONSE};
use super::NetError;
use crate::protocol::RemotingCommand;

/// How long shutdown waits for in-flight requests before closing anyway.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Server {
    listener: TcpListener,
    options: ConnectionOptions,
    metrics: Arc<ServerMetrics>,
}

/// The daemon's handler with counting around it: connections open and accepted, requests by
/// request and response code. A few relaxed atomic adds per request.
struct Counted<H> {
    inner: Arc<H>,
    metrics: Arc<ServerMetrics>,
}

impl<H: RequestHandler> RequestHandler for Counted<H> {
    async fn handle(&self, conn: &Connection, request: RemotingCommand) -> Option<RemotingCommand> {
        let (code, oneway) = (request.code, request.is_oneway());
        let response = self.inner.handle(conn, request).await;
        let answered = match &response {
            Some(r) if !oneway => r.code,
            _ => NO_RESPONSE,
        };
        self.metrics.requests.add(code, answered);
        response
    }

    fn on_connect(&self, conn: &Connection) {
        self.metrics.connections.fetch_add(1, Ordering::Relaxed);
        self.metrics.accepted.fetch_add(1, Ordering::Relaxed);
        self.inner.on_connect(conn);
    }

    fn on_close(&self, conn: &Connection) {
        self.metrics.connections.fetch_sub(1, Ordering::Relaxed);
        self.inner.on_close(conn);
    }
}

impl Server {
    /// Binds `addr` (e.g. `0.0.0.0:9876`, or port 0 for any free port).
    pub async fn bind(addr: &str, options: ConnectionOptions) -> Result<Server, NetError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|reason| NetError::Bind {
                addr: addr.to_string(),
                reason,
            })?;
        Ok(Server {
            listener,
            options,
            metrics: Arc::default(),
        })
    }

    /// The connection and request counters of this server (for a metrics collector).
    pub fn metrics(&self) -> Arc<ServerMetrics> {
        self.metrics.clone()
    }

    pub fn local_addr(&self) -> Result<SocketAddr, NetError> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` is cancelled, then drains and returns.
    pub async fn serve<H: RequestHandler>(
        self,
        handler: Arc<H>,
        shutdown: CancellationToken,
    ) -> Result<(), NetError> {
        let connections = TaskTracker::new();
        let handler = Arc::new(Counted {
            inner: handler,
            metrics: self.metrics.clone(),
        });
        loop {
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let stop = shutdown.child_token();
                        if let Err(e) = connection::spawn(stream, handler.clone(), self.options.clone(), &connections, stop) {
                            tracing::warn!(%peer, "could not set up connection: {e}");
                        }
                    }
                    // Running out of descriptors is transient: back off instead of spinning.
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                _ = shutdown.cancelled() => break,
            }
        }
        drop(self.listener);
        connections.close();
        if tokio::time::timeout(DRAIN_TIMEOUT, connections.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                "in-flight requests still running after {DRAIN_TIMEOUT:?}; closing anyway"
            );
        }
        Ok(())
    }
}

/// Resolves on SIGINT or SIGTERM (Ctrl-C elsewhere).
///
/// The handlers are installed when this is called (not when the future is first polled), so a
/// daemon that calls it before announcing it is ready never dies of an early signal.
/// Must be called within a tokio runtime.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let handlers = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        )
    };
    async move {
        #[cfg(unix)]
        {
            match handlers {
                (Ok(mut int), Ok(mut term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
