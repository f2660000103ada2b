//! One remoting connection, used by both sides: a reader task that splits frames and routes
//! them (responses to the waiting caller by opaque, requests to the handler), and a writer task
//! that batches outgoing frames into few syscalls.
//!
//! Either side may send requests: a client calls the broker, and the broker calls the client
//! back (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE). Both go through
//! [`Connection::invoke`].

use std::collections::HashMap;
use std::future::Future;
use std::io::IoSlice;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::reply::not_supported;
use super::NetError;
use crate::protocol::{command, RemotingCommand};

/// Closed after this long without reading or writing (Java's `*ChannelMaxIdleTimeSeconds`).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Outgoing frames queued per connection before senders wait (backpressure on slow peers).
const WRITE_QUEUE: usize = 4096;
/// Bodies at least this large are written from their own buffer instead of being copied.
const COPY_BODY_BELOW: usize = 16 * 1024;
/// Upper bound of bytes gathered into one write.
const WRITE_BATCH: usize = 512 * 1024;
/// Buffers per `writev`: a batch of pull responses is a header plus one buffer per record,
/// and Linux takes up to 1024 (IOV_MAX) in one call.
const MAX_IOVECS: usize = 512;
const READ_CHUNK: usize = 64 * 1024;

/// Handles requests arriving on a connection. The returned command (if any) is sent back with
/// the request's opaque; oneway requests never get one.
pub trait RequestHandler: Send + Sync + 'static {
    fn handle(
        &self,
        conn: &Connection,
        request: RemotingCommand,
    ) -> impl Future<Output = Option<RemotingCommand>> + Send;

    /// The connection is up (server: accepted; client: connected).
    fn on_connect(&self, _conn: &Connection) {}

    /// The connection is gone; tables keyed by it should forget it.
    fn on_close(&self, _conn: &Connection) {}
}

/// A handler for connections that never expect requests from the peer (most clients): every
/// request is answered REQUEST_CODE_NOT_SUPPORTED.
pub struct NoRequests;

impl RequestHandler for NoRequests {
    async fn handle(
        &self,
        _conn: &Connection,
        request: RemotingCommand,
    ) -> Option<RemotingCommand> {
        Some(not_supported(&request))
    }
}

/// A cheap, cloneable handle on a live connection.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

struct Inner {
    id: u64,
    peer: SocketAddr,
    local: SocketAddr,
    tx: mpsc::Sender<RemotingCommand>,
    pending: Mutex<HashMap<i32, oneshot::Sender<RemotingCommand>>>,
    next_opaque: AtomicI32,
    /// Milliseconds since `epoch` of the last read or write, for the idle timeout.
    last_active_ms: AtomicU64,
    epoch: Instant,
    closed: CancellationToken,
}

static NEXT_CONNECTION_ID: AtomicU64 = AtomicU64::new(1);

impl Connection {
    /// Unique per process; stable for the connection's life.
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    pub fn peer_addr(&self) -> SocketAddr {
        self.inner.peer
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local
    }

    pub fn is_closed(&self) -> bool {
        self.inner.closed.is_cancelled()
    }

    /// Closes the connection; pending invocations fail with [`NetError::Closed`].
    pub fn close(&self) {
        self.inner.closed.cancel();
    }

    /// Resolves when the connection has closed.
    pub async fn closed(&self) {
        self.inner.closed.cancelled().await
    }

    /// Sends a request and waits for its response.
    pub async fn invoke(
        &self,
        mut request: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand, NetError> {
        let opaque = self.inner.next_opaque.fetch_add(1, Ordering::Relaxed);
        request.opaque = opaque;
        let (tx, rx) = oneshot::channel();
        self.lock_pending().insert(opaque, tx);
        let outcome = tokio::time::timeout(timeout, async {
            self.send(request).await?;
            tokio::select! {
                reply = rx => reply.map_err(|_| NetError::Closed(self.inner.peer)),
                _ = self.inner.closed.cancelled() => Err(NetError::Closed(self.inner.peer)),
            }
        })
        .await;
        match outcome {
            Ok(result) => {
                if result.is_err() {
                    self.lock_pending().remove(&opaque);
                }
                result
            }
            Err(_) => {
                self.lock_pending().remove(&opaque);
                Err(NetError::Timeout {
                    addr: self.inner.peer.to_string(),
                    millis: timeout.as_millis() as u64,
                })
            }
        }
    }

    /// Sends a request flagged oneway; no response is expected.
    pub async fn invoke_oneway(&self, mut request: RemotingCommand) -> Result<(), NetError> {
        request.opaque = self.inner.next_opaque.fetch_add(1, Ordering::Relaxed);
        request.set_oneway();
        self.send(request).await
    }

    /// Queues a frame for the writer (responses, or requests whose opaque is already set).
    pub async fn send(&self, command: RemotingCommand) -> Result<(), NetError> {
        if self.is_closed() {
            return Err(NetError::Closed(self.inner.peer));
        }
        self.inner
            .tx
            .send(command)
            .await
            .map_err(|_| NetError::Closed(self.inner.peer))
    }

    fn lock_pending(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<i32, oneshot::Sender<RemotingCommand>>> {
        // A panic while holding this lock cannot leave the map inconsistent, so poison is ignored.
        self.inner.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn touch(&self) {
        let ms = self.inner.epoch.elapsed().as_millis() as u64;
        self.inner.last_active_ms.store(ms, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.inner.last_active_ms.load(Ordering::Relaxed));
        self.inner.epoch.elapsed().saturating_sub(last)
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Connection#{}({})", self.inner.id, self.inner.peer)
    }
}

/// Options shared by server and client connections.
#[derive(Clone, Debug)]
pub struct ConnectionOptions {
    pub idle_timeout: Duration,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        ConnectionOptions {
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }
}

/// Starts the reader and writer tasks of `stream`. Request tasks are spawned on `tracker` so a
/// server can wait for in-flight requests at shutdown; `stop_reading` ends the reader (no new
/// requests) while letting queued responses go out.
/// The connection's own life (reader, then orderly close) runs on `lifecycle`, so its owner can
/// wait for it.
pub(crate) fn spawn<H: RequestHandler>(
    stream: TcpStream,
    handler: Arc<H>,
    options: ConnectionOptions,
    lifecycle: &TaskTracker,
    stop_reading: CancellationToken,
) -> std::io::Result<Connection> {
    let tracker = TaskTracker::new();
    stream.set_nodelay(true)?;
    let peer = stream.peer_addr()?;
    let local = stream.local_addr()?;
    let (tx, rx) = mpsc::channel(WRITE_QUEUE);
    let conn = Connection {
        inner: Arc::new(Inner {
            id: NEXT_CONNECTION_ID.fetch_add(1, Ordering::Relaxed),
            peer,
            local,
            tx,
            pending: Mutex::new(HashMap::new()),
            next_opaque: AtomicI32::new(0),
            last_active_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            closed: CancellationToken::new(),
        }),
    };
    let (read_half, write_half) = stream.into_split();
    handler.on_connect(&conn);
    let writer = tokio::spawn(write_loop(conn.clone(), write_half, rx));
    let reader_conn = conn.clone();
    lifecycle.spawn(async move {
        let result = read_loop(
            &reader_conn,
            read_half,
            &handler,
            &tracker,
            options,
            &stop_reading,
        )
        .await;
        if let Err(e) = result {
            tracing::debug!(peer = %reader_conn.peer_addr(), "connection closed: {e}");
        }
        if stop_reading.is_cancelled() {
            // Shutdown: let in-flight requests answer before the writer goes.
            tracker.close();
            tracker.wait().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        reader_conn.close();
        let _ = writer.await;
        reader_conn.lock_pending().clear();
        handler.on_close(&reader_conn);
    });
    Ok(conn)
}

async fn read_loop<H: RequestHandler, R: AsyncRead + Unpin>(
    conn: &Connection,
    mut reader: R,
    handler: &Arc<H>,
    tracker: &TaskTracker,
    options: ConnectionOptions,
    stop_reading: &CancellationToken,
) -> Result<(), NetError> {
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    loop {
        while let Some(cmd) = command::decode_frame(&mut buf)? {
            dispatch(conn, cmd, handler, tracker);
        }
        // Reserve only what the frame at the front needs (bounded by MAX_FRAME_LEN).
        let want = command::frame_len(&buf)?
            .unwrap_or(READ_CHUNK)
            .max(READ_CHUNK);
        buf.reserve(want.saturating_sub(buf.len()));
        let idle_left = options.idle_timeout.saturating_sub(conn.idle_for());
        tokio::select! {
            read = reader.read_buf(&mut buf) => {
                if read? == 0 {
                    return Ok(());
                }
                conn.touch();
            }
            _ = tokio::time::sleep(idle_left) => {
                if conn.idle_for() >= options.idle_timeout {
                    tracing::info!(peer = %conn.peer_addr(), "closing idle connection");
                    return Ok(());
                }
            }
            _ = conn.inner.closed.cancelled() => return Ok(()),
            _ = stop_reading.cancelled() => return Ok(()),
        }
    }
}

fn dispatch<H: RequestHandler>(
    conn: &Connection,
    cmd: RemotingCommand,
    handler: &Arc<H>,
    tracker: &TaskTracker,
) {
    if cmd.is_response() {
        match conn.lock_pending().remove(&cmd.opaque) {
            Some(waiter) => {
                let _ = waiter.send(cmd);
            }
            None => {
                tracing::debug!(peer = %conn.peer_addr(), opaque = cmd.opaque, "response nobody waits for")
            }
        }
        return;
    }
    let conn = conn.clone();
    let handler = handler.clone();
    let mut task = Box::pin(async move {
        let oneway = cmd.is_oneway();
        let opaque = cmd.opaque;
        let serialize_type = cmd.serialize_type;
        if let Some(mut response) = handler.handle(&conn, cmd).await {
            if !oneway {
                response.opaque = opaque;
                response.flag |= command::FLAG_RESPONSE;
                response.serialize_type = serialize_type;
                let _ = conn.send(response).await;
            }
        }
    });
    // Most requests (an ASYNC_FLUSH send, an offset query, a pull that finds messages) finish
    // without waiting: run them right here, on the reader, and spawn a task only for those that
    // must wait (long polls, SYNC_FLUSH, calls to other servers). A spawn per request cost a
    // task allocation and, with several workers, a cross-thread wake-up each.
    // The no-op waker is safe: a pending future is spawned at once, and the runtime polls it
    // again with its real waker before anything can be missed.
    let mut cx = Context::from_waker(Waker::noop());
    if task.as_mut().poll(&mut cx).is_pending() {
        tracker.spawn(task);
    }
}

async fn write_loop<W: AsyncWrite + Unpin>(
    conn: Connection,
    mut writer: W,
    mut rx: mpsc::Receiver<RemotingCommand>,
) {
    let mut batch = Batch::default();
    loop {
        let first = tokio::select! {
            biased;
            next = rx.recv() => next,
            _ = conn.inner.closed.cancelled() => rx.try_recv().ok(),
        };
        let Some(first) = first else { break };
        batch.push(&first);
        // Responses of concurrent requests finish within microseconds of each other: give
        // them one scheduler turn to queue up, so one write (one syscall, one loopback
        // delivery) carries many of them.
        if rx.is_empty() {
            tokio::task::yield_now().await;
        }
        while batch.bytes < WRITE_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(&next),
                Err(_) => break,
            }
        }
        if let Err(e) = batch.write_to(&mut writer).await {
            tracing::debug!(peer = %conn.peer_addr(), "write failed: {e}");
            conn.close();
            break;
        }
        conn.touch();
    }
    let _ = writer.shutdown().await;
}

/// Frames gathered for one vectored write: small bodies are copied next to their headers,
/// large ones stay in their own (possibly shared or mapped) buffers.
#[derive(Default)]
struct Batch {
    head: BytesMut,
    segments: Vec<Bytes>,
    bytes: usize,
}

impl Batch {
    fn push(&mut self, cmd: &RemotingCommand) {
        let before = self.head.len();
        let body_len = cmd.body_len();
        if body_len < COPY_BODY_BELOW {
            cmd.encode(&mut self.head);
        } else {
            cmd.encode_header(body_len, &mut self.head);
            self.segments.push(self.head.split().freeze());
            if !cmd.body.is_empty() {
                self.segments.push(cmd.body.clone());
            }
            self.segments.extend(cmd.body_segments.iter().cloned());
            self.bytes += body_len;
        }
        self.bytes += self.head.len().saturating_sub(before);
    }

    async fn write_to<W: AsyncWrite + Unpin>(&mut self, writer: &mut W) -> std::io::Result<()> {
        if self.segments.is_empty() {
            // The common case (small frames): one write, and the buffer is reused.
            writer.write_all(&self.head).await?;
            writer.flush().await?;
            self.head.clear();
            self.bytes = 0;
            return Ok(());
        }
        if !self.head.is_empty() {
            self.segments.push(self.head.split().freeze());
        }
        let mut segments = std::mem::take(&mut self.segments);
        let mut first = 0;
        while first < segments.len() {
            let slices: Vec<IoSlice<'_>> = segments[first..]
                .iter()
                .take(MAX_IOVECS)
                .map(|s| IoSlice::new(s))
                .collect();
            let mut written = writer.write_vectored(&slices).await?;
            if written == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            while written > 0 {
                let seg = &mut segments[first];
                if written >= seg.len() {
                    written -= seg.len();
                    first += 1;
                } else {
                    let _ = seg.split_to(written);
                    written = 0;
                }
            }
        }
        writer.flush().await?;
        segments.clear();
        self.segments = segments;
        self.bytes = 0;
        Ok(())
    }
}
