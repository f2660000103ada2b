//! The client side: one reused connection per address, opened on first use and again after it
//! fails; requests matched to responses by opaque; sync, callback and oneway invocation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::connection::{self, Connection, ConnectionOptions, NoRequests, RequestHandler};
use super::NetError;
use crate::protocol::{RemotingCommand, SerializeType};

#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    /// Header serialization of the requests this client sends.
    pub serialize_type: SerializeType,
    pub connection: ConnectionOptions,
    /// Close the connection when a request made with [`RemotingClient::invoke`] times out, as
    /// Java's `invokeSync` does (`com.rocketmq.remoting.client.closeSocketIfTimeout`, true by
    /// default): the next request reconnects at once instead of waiting behind a connection
    /// that may be dead (a partition, a paused peer) until TCP gives up or retransmits, and
    /// requests stuck in the old socket are not delivered late as duplicates.
    pub close_on_timeout: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(3),
            serialize_type: SerializeType::Json,
            connection: ConnectionOptions::default(),
            close_on_timeout: true,
        }
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<Connection>>>;

/// A remoting client. `H` answers requests the servers send back (e.g. a consumer's
/// NOTIFY_CONSUMER_IDS_CHANGED); plain admin clients use [`NoRequests`].
pub struct RemotingClient<H: RequestHandler = NoRequests> {
    slots: Mutex<HashMap<String, Slot>>,
    handler: Arc<H>,
    options: ClientOptions,
    connections: TaskTracker,
    shutdown: CancellationToken,
}

impl RemotingClient<NoRequests> {
    pub fn new(options: ClientOptions) -> Self {
        Self::with_handler(Arc::new(NoRequests), options)
    }
}

impl<H: RequestHandler> RemotingClient<H> {
    pub fn with_handler(handler: Arc<H>, options: ClientOptions) -> Self {
        RemotingClient {
            slots: Mutex::new(HashMap::new()),
            handler,
            options,
            connections: TaskTracker::new(),
            shutdown: CancellationToken::new(),
        }
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The live connection to `addr` (`host:port`), connecting if there is none or it failed.
    pub async fn connection(&self, addr: &str) -> Result<Connection, NetError> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots.entry(addr.to_string()).or_default().clone()
        };
        // Per-address lock: concurrent callers share one connect attempt.
        let mut guard = slot.lock().await;
        if let Some(conn) = guard.as_ref().filter(|c| !c.is_closed()) {
            return Ok(conn.clone());
        }
        let stream = tokio::time::timeout(self.options.connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| NetError::Connect {
                addr: addr.to_string(),
                reason: std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"),
            })?
            .map_err(|reason| NetError::Connect {
                addr: addr.to_string(),
                reason,
            })?;
        let conn = connection::spawn(
            stream,
            self.handler.clone(),
            self.options.connection.clone(),
            &self.connections,
            self.shutdown.child_token(),
        )
        .map_err(|reason| NetError::Connect {
            addr: addr.to_string(),
            reason,
        })?;
        *guard = Some(conn.clone());
        Ok(conn)
    }

    /// Sends `request` to `addr` and waits up to `timeout` for the response.
    pub async fn invoke(
        &self,
        addr: &str,
        request: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand, NetError> {
        self.invoke_closing(addr, request, timeout, self.options.close_on_timeout)
            .await
    }

    async fn invoke_closing(
        &self,
        addr: &str,
        mut request: RemotingCommand,
        timeout: Duration,
        close_on_timeout: bool,
    ) -> Result<RemotingCommand, NetError> {
        request.serialize_type = self.options.serialize_type;
        let conn = self.connection(addr).await?;
        let result = conn.invoke(request, timeout).await;
        match &result {
            Err(NetError::Closed(_)) => conn.close(),
            Err(NetError::Timeout { .. }) if close_on_timeout => {
                tracing::warn!(
                    "no response from {addr} within {} ms: closing the connection",
                    timeout.as_millis()
                );
                conn.close();
            }
            _ => {}
        }
        result
    }

    /// Sends `request` without waiting for (or getting) a response.
    pub async fn invoke_oneway(
        &self,
        addr: &str,
        mut request: RemotingCommand,
    ) -> Result<(), NetError> {
        request.serialize_type = self.options.serialize_type;
        self.connection(addr).await?.invoke_oneway(request).await
    }

    /// Sends `request` and calls `callback` with the outcome from a background task. A timeout
    /// leaves the connection open, as Java's `invokeAsync` does.
    pub fn invoke_async<F>(
        self: &Arc<Self>,
        addr: &str,
        request: RemotingCommand,
        timeout: Duration,
        callback: F,
    ) where
        F: FnOnce(Result<RemotingCommand, NetError>) + Send + 'static,
    {
        let client = self.clone();
        let addr = addr.to_string();
        tokio::spawn(async move {
            callback(client.invoke_closing(&addr, request, timeout, false).await)
        });
    }

    /// Closes every connection and waits for their tasks.
    pub async fn shutdown(&self) {
        self.shutdown.cancel();
        let slots: Vec<Slot> = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots.drain().map(|(_, s)| s).collect()
        };
        for slot in slots {
            if let Some(conn) = slot.lock().await.take() {
                conn.close();
            }
        }
        self.connections.close();
        self.connections.wait().await;
    }
}
