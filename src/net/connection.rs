//! One remoting connection, used by both sides: a reader task that splits frames and routes
//! them (responses to the waiting caller by opaque, requests to the handler), and a writer task
//! that batches outgoing frames into few syscalls.
//!
//! Either side may send requests: a client calls the broker, and the broker calls the client
//! back (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE). Both go through
//! [`Connection::invoke`].
//!
//! Memory per connection is bounded whatever the peer does:
//! - an idle connection holds no read buffer: the reader waits for readability first, takes a
//!   buffer only for bytes that arrived, and frees it once the connection has been quiet for
//!   [`BUFFER_LINGER`] (a buffer that grew for a large frame is freed as soon as it is empty);
//! - a frame's declared length is checked against `MAX_FRAME_LEN` before anything is reserved
//!   for it, and past `TRUSTED_FRAME_LEN` (8 MiB) the buffer grows with the bytes that
//!   actually arrive, not with the declaration;
//! - the writer's queue and encoding buffer allocate nothing while empty, a burst's larger
//!   encoding buffer is dropped after it, and both are given back after [`BUFFER_LINGER`];
//! - a peer that sends requests but does not read the answers stops being read (Netty's
//!   writability, with reading paused as `autoRead` off would): once more than
//!   [`RESPONSE_HIGH_WATER`] bytes of responses wait for the socket, or [`MAX_IN_FLIGHT`]
//!   requests are being handled, the reader waits until the writer has drained them;
//! - our own requests (a client's sends, the broker's pushes) wait for room under
//!   [`WRITE_HIGH_WATER`] within their timeout instead of queueing without end;
//! - a connection without reads or writes for the idle timeout is closed (Java's
//!   `IdleStateHandler` with `serverChannelMaxIdleTimeSeconds`), also one stuck because its
//!   peer stopped reading; after a close, a write that makes no progress for [`CLOSE_LINGER`]
//!   is abandoned.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io::IoSlice;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::TcpStream;
use tokio::sync::{oneshot, Notify};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::reply::not_supported;
use super::NetError;
use crate::protocol::{command, RemotingCommand};

/// Closed after this long without reading or writing (Java's `*ChannelMaxIdleTimeSeconds`).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Bodies at least this large are written from their own buffer instead of being copied.
const COPY_BODY_BELOW: usize = 16 * 1024;
/// Upper bound of bytes gathered into one write.
const WRITE_BATCH: usize = 512 * 1024;
/// Buffers per `writev`: a batch of pull responses is a header plus one buffer per record,
/// and Linux takes up to 1024 (IOV_MAX) in one call.
const MAX_IOVECS: usize = 512;
/// The encoding buffer kept between writes; one grown larger by a burst is dropped after it.
const KEEP_WRITE_BUFFER: usize = 64 * 1024;
/// The read buffer a connection takes when bytes arrive, and the least it reads at a time.
const READ_CHUNK: usize = 64 * 1024;
/// Frame lengths up to this are reserved as soon as their prefix arrives; longer ones (up to
/// `MAX_FRAME_LEN`) grow as their bytes come. Java's default `maxMessageSize` is 4 MiB, so an
/// ordinary frame of any size is read into one allocation.
const TRUSTED_FRAME_LEN: usize = 8 * 1024 * 1024;
/// A connection quiet this long gives its read buffer back (a partial frame is kept, in a
/// buffer of its exact size). Long enough that a client sending now and then keeps reusing its
/// buffer; short enough that thousands of idle connections hold next to nothing.
pub const BUFFER_LINGER: Duration = Duration::from_secs(1);
/// Responses waiting for the socket beyond which the reader stops taking requests from the
/// peer (Netty's `writeBufferHighWaterMark`, whose default is 64 KiB; Java's broker sets none
/// and keeps writing into an unbounded outbound buffer). 1 MiB holds thousands of ordinary
/// answers or a few pull responses, so a peer that reads keeps its pipeline full, and bounds
/// what a peer that does not read can make us hold.
pub const RESPONSE_HIGH_WATER: usize = 1024 * 1024;
/// Reading resumes once the queued responses are down to this (Netty's low water mark).
const RESPONSE_LOW_WATER: usize = RESPONSE_HIGH_WATER / 2;
/// Frames of every kind waiting for the socket beyond which our own requests (a client's
/// sends, the broker's pushes) wait for the writer, within their timeout.
pub const WRITE_HIGH_WATER: usize = 4 * 1024 * 1024;
/// What a queued frame is counted as beyond its body: its header, roughly (a send response's
/// JSON header is about 250 bytes), and the command holding it.
const FRAME_OVERHEAD: usize = 256;
/// Requests of one connection being handled at once (waiting for a long poll, a SYNC_FLUSH, a
/// call to another server) beyond which the reader stops taking more. A consumer holds one
/// long-polling pull per queue it owns on the broker, so this is far above any real client's
/// count, and bounds what a peer can park with requests that wait.
pub const MAX_IN_FLIGHT: usize = 4096;
/// Reading resumes once the requests being handled are down to this.
const IN_FLIGHT_LOW: usize = MAX_IN_FLIGHT / 2;
/// After the connection is closed, a write that makes no progress for this long (the peer
/// stopped reading) is abandoned, so the connection's buffers are freed.
pub const CLOSE_LINGER: Duration = Duration::from_secs(5);

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
    /// Frames for the writer. A plain queue rather than a channel: it allocates nothing while
    /// empty (a bounded tokio channel preallocates a block of 32 commands per connection), and
    /// its bound is the byte accounting below, not a count of frames.
    outbox: Mutex<VecDeque<RemotingCommand>>,
    /// Wakes the writer when the outbox gets a frame.
    wake_writer: Notify,
    pending: Mutex<HashMap<i32, oneshot::Sender<RemotingCommand>>>,
    next_opaque: AtomicI32,
    /// Counted size ([`frame_cost`]) of responses handed to the writer and not yet written.
    queued_responses: AtomicUsize,
    /// Counted size of requests (ours, to the peer) handed to the writer and not yet written.
    queued_requests: AtomicUsize,
    /// Requests of the peer handled by a spawned task that has not finished.
    in_flight: AtomicUsize,
    /// Set by the reader while it handles the frames of one read: frames queued meanwhile do
    /// not wake the writer; the reader wakes it once when the read is handled.
    batching: AtomicBool,
    /// Tasks waiting on `drained` (the reader paused, requests waiting for room); the writer
    /// and finishing requests notify only when someone waits.
    waiters: AtomicUsize,
    drained: Notify,
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
    /// A request first waits while more than [`WRITE_HIGH_WATER`] bytes wait for the socket
    /// (callers bound the wait with their timeout); a response never does: the reader stops
    /// taking requests instead, so responses are bounded by what is already in flight.
    pub async fn send(&self, command: RemotingCommand) -> Result<(), NetError> {
        if self.is_closed() {
            return Err(NetError::Closed(self.inner.peer));
        }
        let cost = frame_cost(&command);
        let counter = if command.is_response() {
            &self.inner.queued_responses
        } else {
            if self.queued_bytes() > WRITE_HIGH_WATER {
                self.wait_drained(|c| c.queued_bytes() <= WRITE_HIGH_WATER)
                    .await?;
            }
            &self.inner.queued_requests
        };
        counter.fetch_add(cost, Ordering::Relaxed);
        self.lock_outbox().push_back(command);
        if !self.inner.batching.load(Ordering::Relaxed) {
            self.inner.wake_writer.notify_one();
        }
        Ok(())
    }

    fn lock_outbox(&self) -> std::sync::MutexGuard<'_, VecDeque<RemotingCommand>> {
        // Pushing and swapping cannot leave the queue inconsistent: poison is ignored.
        self.inner.outbox.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn queued_bytes(&self) -> usize {
        self.inner.queued_responses.load(Ordering::Relaxed)
            + self.inner.queued_requests.load(Ordering::Relaxed)
    }

    /// The peer has more unread answers, or more requests being handled, than we hold for one
    /// connection: stop reading its requests.
    fn reading_paused(&self) -> bool {
        self.inner.queued_responses.load(Ordering::Relaxed) > RESPONSE_HIGH_WATER
            || self.inner.in_flight.load(Ordering::Relaxed) > MAX_IN_FLIGHT
    }

    /// Below both low water marks: reading may resume.
    fn reading_may_resume(&self) -> bool {
        self.inner.queued_responses.load(Ordering::Relaxed) <= RESPONSE_LOW_WATER
            && self.inner.in_flight.load(Ordering::Relaxed) <= IN_FLIGHT_LOW
    }

    /// Waits until `ready` holds (rechecked whenever the writer drains or a request finishes),
    /// or fails when the connection closes.
    async fn wait_drained(&self, ready: impl Fn(&Connection) -> bool) -> Result<(), NetError> {
        let inner = &self.inner;
        let _waiting = Waiting::register(&inner.waiters);
        loop {
            let notified = inner.drained.notified();
            tokio::pin!(notified);
            // Registered before the recheck: a drain after the check wakes us, a drain before
            // it is seen by the check (`waiters` was raised first, so the drainer notifies).
            notified.as_mut().enable();
            std::sync::atomic::fence(Ordering::SeqCst);
            if ready(self) {
                return Ok(());
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = inner.closed.cancelled() => return Err(NetError::Closed(inner.peer)),
            }
        }
    }

    /// Wakes the waiters of [`Connection::wait_drained`], if any, to recheck.
    fn notify_drained(&self) {
        // Pairs with the fence in `wait_drained`: either the waiter sees the drained counter,
        // or this sees the waiter.
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.inner.waiters.load(Ordering::SeqCst) > 0 {
            self.inner.drained.notify_waiters();
        }
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

/// Counts a task in `waiters` for as long as it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn register(waiters: &'a AtomicUsize) -> Waiting<'a> {
        waiters.fetch_add(1, Ordering::SeqCst);
        Waiting(waiters)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a queued frame counts for against the high water marks: its body (shared, not copied,
/// but held until written) and an estimate of its header.
fn frame_cost(command: &RemotingCommand) -> usize {
    command.body.len() + FRAME_OVERHEAD
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

impl ConnectionOptions {
    /// Options with the idle timeout of Java's `serverChannelMaxIdleTimeSeconds` /
    /// `clientChannelMaxIdleTimeSeconds`: 0 or less means never (Java's IdleStateHandler
    /// treats it so; closing every connection at once would be the literal reading).
    pub fn with_idle_seconds(seconds: i32) -> ConnectionOptions {
        ConnectionOptions {
            idle_timeout: if seconds > 0 {
                Duration::from_secs(seconds as u64)
            } else {
                Duration::from_secs(u32::MAX as u64)
            },
        }
    }
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
    let conn = Connection {
        inner: Arc::new(Inner {
            id: NEXT_CONNECTION_ID.fetch_add(1, Ordering::Relaxed),
            peer,
            local,
            outbox: Mutex::new(VecDeque::new()),
            wake_writer: Notify::new(),
            pending: Mutex::new(HashMap::new()),
            next_opaque: AtomicI32::new(0),
            queued_responses: AtomicUsize::new(0),
            queued_requests: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            batching: AtomicBool::new(false),
            waiters: AtomicUsize::new(0),
            drained: Notify::new(),
            last_active_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            closed: CancellationToken::new(),
        }),
    };
    let (read_half, write_half) = stream.into_split();
    handler.on_connect(&conn);
    let writer = tokio::spawn(write_loop(conn.clone(), write_half));
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

async fn read_loop<H: RequestHandler>(
    conn: &Connection,
    reader: OwnedReadHalf,
    handler: &Arc<H>,
    tracker: &TaskTracker,
    options: ConnectionOptions,
    stop_reading: &CancellationToken,
) -> Result<(), NetError> {
    // No buffer until bytes arrive: an idle connection costs its task and little else.
    let mut buf = BytesMut::new();
    loop {
        let handled = handle_frames(conn, &mut buf, handler, tracker);
        // Wake the writer once for all the answers of this read (one write, one wake-up of the
        // peer). Checked after `batching` is cleared: a task that queued while it was set is
        // seen here, one queueing later sees it cleared and wakes the writer itself (the
        // outbox lock orders the two).
        if !conn.lock_outbox().is_empty() {
            conn.inner.wake_writer.notify_one();
        }
        handled?;
        if conn.reading_paused() {
            // The peer is not reading its answers (or has too many requests waiting): take
            // nothing more from it until the writer has drained them. Idle timeout included:
            // a peer that never reads is closed as an idle one is.
            tracing::debug!(peer = %conn.peer_addr(), "reading paused: answers not read");
            let idle_left = options.idle_timeout.saturating_sub(conn.idle_for());
            tokio::select! {
                drained = conn.wait_drained(Connection::reading_may_resume) => drained?,
                _ = tokio::time::sleep(idle_left) => {
                    if conn.idle_for() >= options.idle_timeout {
                        tracing::info!(peer = %conn.peer_addr(), "closing idle connection (its answers are not read)");
                        return Ok(());
                    }
                }
                _ = stop_reading.cancelled() => return Ok(()),
            }
            continue;
        }
        if buf.is_empty() && buf.capacity() > READ_CHUNK {
            // It grew for a large frame: give it back rather than keep it for small ones.
            buf = BytesMut::new();
        }
        let idle_left = options.idle_timeout.saturating_sub(conn.idle_for());
        let holding = buf.capacity() > buf.len();
        tokio::select! {
            ready = reader.readable() => ready?,
            // One timer serves both: the idle timeout, and giving back the read buffer of a
            // connection gone quiet.
            _ = tokio::time::sleep(if holding { idle_left.min(BUFFER_LINGER) } else { idle_left }) => {
                if conn.idle_for() >= options.idle_timeout {
                    tracing::info!(peer = %conn.peer_addr(), "closing idle connection");
                    return Ok(());
                }
                if holding && conn.idle_for() >= BUFFER_LINGER {
                    buf = shrunk(&buf);
                }
                continue;
            }
            _ = conn.inner.closed.cancelled() => return Ok(()),
            _ = stop_reading.cancelled() => return Ok(()),
        }
        // Room for the frame at the front (at least a chunk). A declared length up to
        // TRUSTED_FRAME_LEN is reserved at once (every ordinary message fits: one allocation,
        // no copies); beyond it the buffer grows with what arrives, doubling, so a peer that
        // announces 16 MiB and sends a few bytes does not get 16 MiB.
        let target = match command::frame_len(&buf)? {
            Some(total) => total
                .min((2 * buf.len()).max(TRUSTED_FRAME_LEN))
                .max(READ_CHUNK),
            None => READ_CHUNK,
        };
        buf.reserve(target.saturating_sub(buf.len()));
        match reader.try_read_buf(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => conn.touch(),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Dispatches the complete frames in `buf` (while reading is not paused), with the writer's
/// wake-ups held back: their answers go out together when the reader wakes the writer.
fn handle_frames<H: RequestHandler>(
    conn: &Connection,
    buf: &mut BytesMut,
    handler: &Arc<H>,
    tracker: &TaskTracker,
) -> Result<(), NetError> {
    conn.inner.batching.store(true, Ordering::Relaxed);
    let mut result = Ok(());
    while !conn.reading_paused() {
        match command::decode_frame(buf) {
            Ok(Some(cmd)) => dispatch(conn, cmd, handler, tracker),
            Ok(None) => break,
            Err(e) => {
                result = Err(e.into());
                break;
            }
        }
    }
    conn.inner.batching.store(false, Ordering::Relaxed);
    result
}

/// `buf`'s bytes (a partial frame, or none) in a buffer of their exact size.
fn shrunk(buf: &BytesMut) -> BytesMut {
    if buf.is_empty() {
        return BytesMut::new();
    }
    let mut exact = BytesMut::with_capacity(buf.len());
    exact.extend_from_slice(buf);
    exact
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
    let task_conn = conn.clone();
    let handler = handler.clone();
    let mut task = Box::pin(async move {
        let conn = task_conn;
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
        conn
    });
    // Most requests (an ASYNC_FLUSH send, an offset query, a pull that finds messages) finish
    // without waiting: run them right here, on the reader, and spawn a task only for those that
    // must wait (long polls, SYNC_FLUSH, calls to other servers). A spawn per request cost a
    // task allocation and, with several workers, a cross-thread wake-up each.
    // The no-op waker is safe: a pending future is spawned at once, and the runtime polls it
    // again with its real waker before anything can be missed.
    let mut cx = Context::from_waker(Waker::noop());
    if task.as_mut().poll(&mut cx).is_pending() {
        // Counted while it waits, so a peer cannot park requests without end.
        conn.inner.in_flight.fetch_add(1, Ordering::Relaxed);
        tracker.spawn(async move {
            let conn = task.await;
            let before = conn.inner.in_flight.fetch_sub(1, Ordering::Relaxed);
            if before == IN_FLIGHT_LOW + 1 {
                conn.notify_drained();
            }
        });
    }
}

async fn write_loop<W: AsyncWrite + Unpin>(conn: Connection, mut writer: W) {
    let mut batch = Batch::default();
    // Frames taken from the outbox in one swap; the two queues trade places, so both keep
    // their capacity while traffic flows.
    let mut taken: VecDeque<RemotingCommand> = VecDeque::new();
    loop {
        if taken.is_empty() {
            std::mem::swap(&mut *conn.lock_outbox(), &mut taken);
            if taken.is_empty() {
                if conn.is_closed() {
                    break;
                }
                let holding = batch.head.capacity() > 0 || taken.capacity() > 0;
                tokio::select! {
                    biased;
                    _ = conn.inner.wake_writer.notified() => {}
                    // Closed: send what is queued, then end.
                    _ = conn.inner.closed.cancelled() => {}
                    // Nothing to write for a while: give the buffers back.
                    _ = tokio::time::sleep(BUFFER_LINGER), if holding => {
                        batch.head = BytesMut::new();
                        taken = VecDeque::new();
                        let mut outbox = conn.lock_outbox();
                        if outbox.is_empty() {
                            *outbox = VecDeque::new();
                        }
                    }
                }
                continue;
            }
            if taken.len() == 1 {
                // Responses of concurrent requests finish within microseconds of each other:
                // give them one scheduler turn to queue up, so one write (one syscall, one
                // loopback delivery) carries many of them.
                tokio::task::yield_now().await;
                taken.extend(conn.lock_outbox().drain(..));
            }
        }
        while batch.bytes < WRITE_BATCH {
            match taken.pop_front() {
                Some(next) => batch.push(&next),
                None => break,
            }
        }
        let written = tokio::select! {
            biased;
            written = batch.write_to(&mut writer) => written,
            // A closed connection still sends what was queued, unless the peer stopped
            // reading: then the write (and the memory it holds) is abandoned.
            _ = async {
                conn.inner.closed.cancelled().await;
                tokio::time::sleep(CLOSE_LINGER).await;
            } => Err(std::io::ErrorKind::TimedOut.into()),
        };
        if let Err(e) = written {
            tracing::debug!(peer = %conn.peer_addr(), "write failed: {e}");
            conn.close();
            break;
        }
        let (responses, requests) = batch.take_costs();
        if responses > 0 {
            conn.inner
                .queued_responses
                .fetch_sub(responses, Ordering::Relaxed);
        }
        if requests > 0 {
            conn.inner
                .queued_requests
                .fetch_sub(requests, Ordering::Relaxed);
        }
        conn.notify_drained();
        conn.touch();
    }
    // What was never written goes now, not when the last handle on the connection does.
    drop(std::mem::take(&mut *conn.lock_outbox()));
    let _ = writer.shutdown().await;
}

/// Frames gathered for one vectored write: small bodies are copied next to their headers,
/// large ones stay in their own (possibly shared or mapped) buffers.
#[derive(Default)]
struct Batch {
    head: BytesMut,
    segments: Vec<Bytes>,
    bytes: usize,
    /// [`frame_cost`] of the responses and of the requests in the batch.
    response_costs: usize,
    request_costs: usize,
}

impl Batch {
    fn push(&mut self, cmd: &RemotingCommand) {
        if cmd.is_response() {
            self.response_costs += frame_cost(cmd);
        } else {
            self.request_costs += frame_cost(cmd);
        }
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

    /// The costs of the frames written since the last call, to take off the queued counts.
    fn take_costs(&mut self) -> (usize, usize) {
        (
            std::mem::take(&mut self.response_costs),
            std::mem::take(&mut self.request_costs),
        )
    }

    async fn write_to<W: AsyncWrite + Unpin>(&mut self, writer: &mut W) -> std::io::Result<()> {
        if self.segments.is_empty() {
            // The common case (small frames): one write, and the buffer is reused.
            writer.write_all(&self.head).await?;
            writer.flush().await?;
            if self.head.capacity() > KEEP_WRITE_BUFFER {
                // A burst grew it: do not keep the burst's size for ordinary traffic.
                self.head = BytesMut::new();
            } else {
                self.head.clear();
            }
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
