//! The real Apache RocketMQ 4.9.8 Java remoting stack against rmq's `net`, both directions and
//! both header serializations: a Java client calling an rmq server, and the rmq client calling
//! a Java server.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use rmq::net::{
    not_supported, ClientOptions, Connection, ConnectionOptions, RemotingClient, RequestHandler,
    Server,
};
use rmq::protocol::header::GetRouteInfoRequestHeader;
use rmq::protocol::{
    CommandHeader, ExtFields, RemotingCommand, RequestCode, ResponseCode, SerializeType,
};
use tokio_util::sync::CancellationToken;

/// Echoes GET_ROUTEINFO_BY_TOPIC's typed header and body back; everything else is unsupported.
struct Echo;

impl RequestHandler for Echo {
    async fn handle(
        &self,
        _conn: &Connection,
        request: RemotingCommand,
    ) -> Option<RemotingCommand> {
        if request.request_code() != RequestCode::GET_ROUTEINFO_BY_TOPIC {
            return Some(not_supported(&request));
        }
        let response = match GetRouteInfoRequestHeader::from_command(&request) {
            Ok(header) => {
                let mut ext = ExtFields::new();
                ext.insert("topic", header.topic);
                RemotingCommand::response_to(&request, ResponseCode::SUCCESS)
                    .with_ext_fields(ext)
                    .with_body(request.body.clone())
            }
            Err(e) => RemotingCommand::response_to(&request, ResponseCode::SYSTEM_ERROR)
                .with_remark(e.to_string()),
        };
        Some(response)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java_client_against_rmq_server() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let server = Server::bind("127.0.0.1:0", ConnectionOptions::default())
        .await
        .unwrap();
    let addr = server.local_addr().unwrap().to_string();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(server.serve(Arc::new(Echo), shutdown.clone()));

    for serialize_type in ["JSON", "ROCKETMQ"] {
        let mut cmd = common::java_program(&lib, "RemotingProbe");
        cmd.args(["client", &addr, serialize_type]);
        let output = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "probe failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains(&format!(
                "UNSUPPORTED code=3 response=true opaqueMatch=true type={serialize_type} remark=[ request type 9999 not supported]"
            )),
            "{stdout}"
        );
        assert!(
            stdout.contains("ECHO code=0 topicOk=true body=body-bytes remark=[null]"),
            "{stdout}"
        );
    }
    shutdown.cancel();
    task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rmq_client_against_java_server() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let mut cmd = common::java_program(&lib, "RemotingProbe");
    cmd.arg("server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("java runs");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let port = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        while stdout.read_line(&mut line).unwrap() > 0 {
            if let Some(port) = line.trim().strip_prefix("PORT ") {
                return port.parse::<u16>().unwrap();
            }
            line.clear();
        }
        panic!("java server printed no port");
    })
    .await
    .unwrap();
    let addr = format!("127.0.0.1:{port}");

    for serialize_type in [SerializeType::Json, SerializeType::RocketMq] {
        let client = RemotingClient::new(ClientOptions {
            serialize_type,
            ..Default::default()
        });
        let mut ext = ExtFields::new();
        ext.insert("topic", "T\u{1}ü");
        let request = RemotingCommand::request(RequestCode(9999), ext).with_body(&b"payload"[..]);
        let response = client
            .invoke(&addr, request, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(response.is_response());
        assert_eq!(
            response.response_code(),
            ResponseCode::REQUEST_CODE_NOT_SUPPORTED
        );
        assert_eq!(
            response.remark.as_deref(),
            Some(" request type 9999 not supported")
        );
        client.shutdown().await;
    }
    drop(child.stdin.take());
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
}
