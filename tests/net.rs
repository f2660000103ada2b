//! The transport over real loopback sockets: dispatch by code, opaque correlation under
//! concurrency, oneway, server-to-client requests, timeouts (closing the connection as Java's
//! `invokeSync` does), reconnect, idle close, graceful
//! shutdown, backpressure on a peer that does not read its answers, and the close of one
//! that never does.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rmq::net::{
    not_supported, ClientOptions, Connection, ConnectionOptions, NetError, RemotingClient,
    RequestHandler, Server,
};
use rmq::protocol::{ExtFields, RemotingCommand, RequestCode, ResponseCode, SerializeType};
use tokio_util::sync::CancellationToken;

const T: Duration = Duration::from_secs(5);

/// Echoes PULL_MESSAGE after a delay taken from the `sleepMs` ext field, counts oneway
/// UPDATE_CONSUMER_OFFSET requests, calls the client back on HEART_BEAT, rejects the rest.
#[derive(Default)]
struct TestHandler {
    oneway_seen: AtomicUsize,
}

impl RequestHandler for TestHandler {
    async fn handle(&self, conn: &Connection, request: RemotingCommand) -> Option<RemotingCommand> {
        match request.request_code() {
            RequestCode::PULL_MESSAGE => {
                let ms: u64 = request
                    .ext("sleepMs")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                let mut ext = ExtFields::new();
                ext.insert("echo", request.ext("n").unwrap_or_default().to_string());
                Some(
                    RemotingCommand::response_to(&request, ResponseCode::SUCCESS)
                        .with_ext_fields(ext)
                        .with_body(request.body.clone()),
                )
            }
            RequestCode::UPDATE_CONSUMER_OFFSET => {
                self.oneway_seen.fetch_add(1, Ordering::SeqCst);
                Some(RemotingCommand::response_to(
                    &request,
                    ResponseCode::SUCCESS,
                ))
            }
            RequestCode::HEART_BEAT => {
                let back = RemotingCommand::request(
                    RequestCode::NOTIFY_CONSUMER_IDS_CHANGED,
                    ExtFields::new(),
                );
                let answer = conn.invoke(back, T).await.ok()?;
                Some(
                    RemotingCommand::response_to(&request, ResponseCode::SUCCESS)
                        .with_remark(format!("client answered {}", answer.code)),
                )
            }
            _ => Some(not_supported(&request)),
        }
    }
}

/// The client side answers the server's NOTIFY_CONSUMER_IDS_CHANGED with code 0.
struct ClientSide;

impl RequestHandler for ClientSide {
    async fn handle(
        &self,
        _conn: &Connection,
        request: RemotingCommand,
    ) -> Option<RemotingCommand> {
        Some(RemotingCommand::response_to(
            &request,
            ResponseCode::SUCCESS,
        ))
    }
}

async fn start(
    options: ConnectionOptions,
) -> (
    String,
    Arc<TestHandler>,
    CancellationToken,
    tokio::task::JoinHandle<()>,
) {
    let server = Server::bind("127.0.0.1:0", options).await.unwrap();
    let addr = server.local_addr().unwrap().to_string();
    let handler = Arc::new(TestHandler::default());
    let shutdown = CancellationToken::new();
    let task = tokio::spawn({
        let (handler, shutdown) = (handler.clone(), shutdown.clone());
        async move { server.serve(handler, shutdown).await.unwrap() }
    });
    (addr, handler, shutdown, task)
}

fn pull(n: usize, sleep_ms: u64) -> RemotingCommand {
    let mut ext = ExtFields::new();
    ext.insert("n", n.to_string());
    ext.insert("sleepMs", sleep_ms.to_string());
    RemotingCommand::request(RequestCode::PULL_MESSAGE, ext).with_body(vec![n as u8; n * 1000])
}

#[tokio::test]
async fn concurrent_requests_get_their_own_responses_in_both_serializations() {
    let (addr, _h, shutdown, task) = start(ConnectionOptions::default()).await;
    for serialize_type in [SerializeType::Json, SerializeType::RocketMq] {
        let client = Arc::new(RemotingClient::new(ClientOptions {
            serialize_type,
            ..Default::default()
        }));
        let mut calls = Vec::new();
        for n in 0..64usize {
            let (client, addr) = (client.clone(), addr.clone());
            // Later requests finish first: responses come back out of order.
            calls.push(tokio::spawn(async move {
                (n, client.invoke(&addr, pull(n, 64 - n as u64), T).await)
            }));
        }
        for call in calls {
            let (n, response) = call.await.unwrap();
            let response = response.unwrap();
            assert_eq!(response.ext("echo"), Some(n.to_string().as_str()));
            assert_eq!(response.body.len(), n * 1000);
            assert_eq!(response.serialize_type, serialize_type);
        }
        client.shutdown().await;
    }
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn unknown_codes_get_request_code_not_supported_and_the_connection_stays() {
    let (addr, _h, shutdown, task) = start(ConnectionOptions::default()).await;
    let client = RemotingClient::new(ClientOptions::default());
    let response = client
        .invoke(
            &addr,
            RemotingCommand::request(RequestCode(9999), ExtFields::new()),
            T,
        )
        .await
        .unwrap();
    assert_eq!(
        response.response_code(),
        ResponseCode::REQUEST_CODE_NOT_SUPPORTED
    );
    assert_eq!(
        response.remark.as_deref(),
        Some(" request type 9999 not supported")
    );
    let first = client.connection(&addr).await.unwrap();
    client.invoke(&addr, pull(1, 0), T).await.unwrap();
    assert_eq!(
        client.connection(&addr).await.unwrap().id(),
        first.id(),
        "connection reused"
    );
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn oneway_requests_are_handled_without_reply() {
    let (addr, handler, shutdown, task) = start(ConnectionOptions::default()).await;
    let client = RemotingClient::new(ClientOptions::default());
    for _ in 0..3 {
        client
            .invoke_oneway(
                &addr,
                RemotingCommand::request(RequestCode::UPDATE_CONSUMER_OFFSET, ExtFields::new()),
            )
            .await
            .unwrap();
    }
    // A normal round trip afterwards proves no stray response confused the connection.
    client.invoke(&addr, pull(2, 0), T).await.unwrap();
    for _ in 0..50 {
        if handler.oneway_seen.load(Ordering::SeqCst) == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(handler.oneway_seen.load(Ordering::SeqCst), 3);
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn the_server_can_call_the_client_back() {
    let (addr, _h, shutdown, task) = start(ConnectionOptions::default()).await;
    let client = RemotingClient::with_handler(Arc::new(ClientSide), ClientOptions::default());
    let response = client
        .invoke(
            &addr,
            RemotingCommand::request(RequestCode::HEART_BEAT, ExtFields::new()),
            T,
        )
        .await
        .unwrap();
    assert_eq!(response.remark.as_deref(), Some("client answered 0"));
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn timeouts_and_reconnects() {
    let (addr, _h, shutdown, task) = start(ConnectionOptions::default()).await;
    let client = RemotingClient::new(ClientOptions::default());
    let err = client
        .invoke(&addr, pull(1, 500), Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Timeout { .. }), "{err}");
    shutdown.cancel();
    task.await.unwrap();

    // Nothing listens now: a clear connect error.
    let err = client.invoke(&addr, pull(1, 0), T).await.unwrap_err();
    assert!(
        matches!(err, NetError::Connect { .. } | NetError::Closed(_)),
        "{err}"
    );

    // A server on the same port again: the client reconnects by itself.
    let server = Server::bind(&addr, ConnectionOptions::default())
        .await
        .unwrap();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            server
                .serve(Arc::new(TestHandler::default()), shutdown)
                .await
                .unwrap()
        }
    });
    let mut reply = client.invoke(&addr, pull(3, 0), T).await;
    if reply.is_err() {
        reply = client.invoke(&addr, pull(3, 0), T).await;
    }
    assert_eq!(reply.unwrap().ext("echo"), Some("3"));
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn a_timed_out_request_closes_its_connection_as_java_invoke_sync_does() {
    let (addr, _h, shutdown, task) = start(ConnectionOptions::default()).await;
    for close_on_timeout in [true, false] {
        let client = Arc::new(RemotingClient::new(ClientOptions {
            close_on_timeout,
            ..ClientOptions::default()
        }));
        // A slow request on the connection, then one that times out beside it.
        let slow = tokio::spawn({
            let (client, addr) = (client.clone(), addr.clone());
            async move { client.invoke(&addr, pull(1, 400), T).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let err = client
            .invoke(&addr, pull(2, 2_000), Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(matches!(err, NetError::Timeout { .. }), "{err}");
        let slow = slow.await.unwrap();
        if close_on_timeout {
            assert!(matches!(slow, Err(NetError::Closed(_))), "{slow:?}");
        } else {
            assert_eq!(slow.unwrap().ext("echo"), Some("1"));
        }
        // Either way the next request is answered (on a new connection after a close).
        let reply = client.invoke(&addr, pull(3, 0), T).await.unwrap();
        assert_eq!(reply.ext("echo"), Some("3"));
        client.shutdown().await;
    }
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let (addr, _h, shutdown, task) = start(ConnectionOptions {
        idle_timeout: Duration::from_millis(200),
    })
    .await;
    let client = RemotingClient::new(ClientOptions::default());
    client.invoke(&addr, pull(1, 0), T).await.unwrap();
    let conn = client.connection(&addr).await.unwrap();
    tokio::time::timeout(Duration::from_secs(3), conn.closed())
        .await
        .expect("server closed the idle connection");
    // The next call reconnects.
    client.invoke(&addr, pull(1, 0), T).await.unwrap();
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn shutdown_finishes_in_flight_requests() {
    let (addr, _h, shutdown, task) = start(ConnectionOptions::default()).await;
    let client = Arc::new(RemotingClient::new(ClientOptions::default()));
    client.connection(&addr).await.unwrap();
    let slow = tokio::spawn({
        let (client, addr) = (client.clone(), addr.clone());
        async move { client.invoke(&addr, pull(7, 300), T).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    shutdown.cancel();
    let response = slow
        .await
        .unwrap()
        .expect("in-flight request answered during shutdown");
    assert_eq!(response.ext("echo"), Some("7"));
    task.await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(&addr).await.is_err(),
        "no longer accepting"
    );
}

/// A peer that pipelines requests and does not read the answers stops being read once the
/// answers pile up (the server holds a bounded amount, not everything the peer sends); when it
/// reads again, reading resumes and every request is answered, none lost.
#[tokio::test]
async fn a_peer_that_does_not_read_its_answers_is_paused_then_resumed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (addr, _h, shutdown, task) = start(ConnectionOptions::default()).await;
    // 2,000 requests of 50 KB, each echoed: 100 MB each way, far more than loopback buffers
    // hold (they grow to tens of MB at most).
    const REQUESTS: usize = 2000;
    let frame = |i: usize| {
        let mut ext = ExtFields::new();
        ext.insert("n", i.to_string());
        let mut cmd =
            RemotingCommand::request(RequestCode::PULL_MESSAGE, ext).with_body(vec![7u8; 50_000]);
        cmd.opaque = i as i32;
        cmd.to_bytes()
    };
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let sent = Arc::new(AtomicUsize::new(0));
    let writer = tokio::spawn({
        let sent = sent.clone();
        async move {
            for i in 0..REQUESTS {
                wr.write_all(&frame(i)).await.unwrap();
                sent.fetch_add(1, Ordering::SeqCst);
            }
            wr
        }
    });
    // Not reading: the writes stall once the server stops reading.
    let mut last = usize::MAX;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = sent.load(Ordering::SeqCst);
        if now == last {
            break;
        }
        assert!(
            now < REQUESTS,
            "the server read all {REQUESTS} requests (100 MB) while none of the answers were read"
        );
        last = now;
    }
    assert!(
        last < REQUESTS / 2,
        "{last} requests of 50 KB taken in before the server paused"
    );
    // Reading again: every answer comes, once.
    let mut body = vec![0u8; 64 * 1024];
    let mut answered = vec![false; REQUESTS];
    for i in 0..REQUESTS {
        let mut len = [0u8; 4];
        tokio::time::timeout(Duration::from_secs(30), rd.read_exact(&mut len))
            .await
            .unwrap_or_else(|_| panic!("answer {i} of {REQUESTS} never came"))
            .unwrap();
        let len = u32::from_be_bytes(len) as usize;
        body.resize(len, 0);
        rd.read_exact(&mut body[..len]).await.unwrap();
        let mut frame = bytes::BytesMut::with_capacity(len + 4);
        frame.extend_from_slice(&(len as u32).to_be_bytes());
        frame.extend_from_slice(&body[..len]);
        let answer = rmq::protocol::decode_frame(&mut frame).unwrap().unwrap();
        let n = answer.opaque as usize;
        assert_eq!(answer.ext("echo"), Some(n.to_string().as_str()));
        assert!(!answered[n], "request {n} answered twice");
        answered[n] = true;
        assert_eq!(answer.body.len(), 50_000);
    }
    drop(writer.await.unwrap());
    shutdown.cancel();
    task.await.unwrap();
}

/// A peer that stops reading is closed after the idle timeout like any idle one (no reads,
/// no writes getting through), and the write stuck behind it is abandoned: the connection is
/// gone (its queued answers freed) while the peer, still connected, reads nothing.
#[tokio::test]
async fn a_peer_that_never_reads_is_closed_after_the_idle_timeout() {
    use tokio::io::AsyncWriteExt;

    let idle = Duration::from_millis(300);
    let server = Server::bind("127.0.0.1:0", ConnectionOptions { idle_timeout: idle })
        .await
        .unwrap();
    let addr = server.local_addr().unwrap().to_string();
    let metrics = server.metrics();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            server
                .serve(Arc::new(TestHandler::default()), shutdown)
                .await
                .unwrap()
        }
    });
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        for i in 0..2000 {
            let mut cmd = RemotingCommand::request(RequestCode::PULL_MESSAGE, ExtFields::new())
                .with_body(vec![7u8; 50_000]);
            cmd.opaque = i;
            // Fails once the server has closed the connection.
            if wr.write_all(&cmd.to_bytes()).await.is_err() {
                break;
            }
        }
        wr
    });
    let open = || metrics.connections.load(Ordering::SeqCst);
    tokio::time::timeout(T, async {
        while open() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the server accepted the connection");
    // Idle timeout, then the close linger of the stuck write, and some slack.
    let limit = idle + rmq::net::CLOSE_LINGER + Duration::from_secs(5);
    tokio::time::timeout(limit, async {
        while open() != 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the server still holds a connection whose peer stopped reading");
    drop(rd);
    writer.abort();
    shutdown.cancel();
    task.await.unwrap();
}
