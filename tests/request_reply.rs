//! Request-reply with the Java 4.9.8 client (`DefaultMQProducer.request()`, sync and with a
//! `RequestCallback`; the replier answers with `MessageUtil.createReplyMessage`), on rmq and on
//! the Java 4.9.7 broker: every request gets its reply, pushed by the broker to the requester
//! (PUSH_REPLY_MESSAGE_TO_CLIENT), and the reply carries the same properties on both. A reply
//! that cannot be pushed (no `REPLY_TO_CLIENT`, or a requester not connected) is answered with
//! the same code and remark by both, and still stored.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use common::java_cluster::{JavaBroker, JavaNamesrv};
use common::wire::send_message_v2;
use common::{run_bounded, temp_dir, Cluster, Spawned};
use rmq::common::message;
use rmq::net::{ClientOptions, RemotingClient};
use rmq::protocol::{RemotingCommand, RequestCode};
use serde_json::Value;

const SYNC: usize = 3;
const ASYNC: usize = 3;

/// The replies the requester received, by request body.
struct Seen {
    replies: BTreeMap<String, Value>,
    replied: Vec<Value>,
    /// The replies as stored in the reply topic (read back by a lite pull consumer).
    stored: Vec<Value>,
}

fn run_scenario(lib: &Path, namesrv: &str, work: &Path) -> Seen {
    let expect = (SYNC + ASYNC).to_string();
    let mut replier = common::java_program(lib, "ClientProbe");
    replier
        .args(["reply", namesrv, "ReqT", "gReplier", &expect, "90"])
        .current_dir(work);
    let mut replier = Spawned::spawn(&mut replier);
    assert!(
        replier
            .wait_line(Duration::from_secs(60), |l| l == "READY")
            .is_some(),
        "the replier never started: {:?}",
        replier.lines()
    );
    let mut requester = common::java_program(lib, "ClientProbe");
    requester
        .args([
            "request",
            namesrv,
            "ReqT",
            &SYNC.to_string(),
            &ASYNC.to_string(),
            "20000",
        ])
        .current_dir(work);
    let run = run_bounded(&mut requester, None, Duration::from_secs(150));
    let out = run.stdout_text();
    replier.wait_bounded(Duration::from_secs(100));
    let replied: Vec<Value> = replier
        .lines()
        .iter()
        .filter_map(|l| l.strip_prefix("REPLIED "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let transcript = format!(
        "requester:\n{out}\n--- stderr:\n{}\nreplier:\n{}",
        run.stderr_text(),
        replier.lines().join("\n")
    );
    let replies: BTreeMap<String, Value> = out
        .lines()
        .filter_map(|l| l.strip_prefix("REPLY "))
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| (v["request"].as_str().unwrap().to_string(), v))
        .collect();
    assert_eq!(
        replies.len(),
        SYNC + ASYNC,
        "every request gets its reply:\n{transcript}"
    );
    for (request, reply) in &replies {
        assert_eq!(reply["body"], format!("re:{request}"), "{transcript}");
        assert_eq!(reply["topic"], "DefaultCluster_REPLY_TOPIC", "{transcript}");
    }
    assert!(
        out.contains(&format!("ANSWERED {}", SYNC + ASYNC)),
        "{transcript}"
    );
    let mut reader = common::java_program(lib, "ClientProbe");
    reader
        .args([
            "pull",
            namesrv,
            "DefaultCluster_REPLY_TOPIC",
            "gReplyReader",
            "*",
            &(SYNC + ASYNC).to_string(),
            "30",
        ])
        .current_dir(work);
    let read = run_bounded(&mut reader, None, Duration::from_secs(90));
    let stored: Vec<Value> = read
        .stdout_text()
        .lines()
        .filter_map(|l| l.strip_prefix("RECV "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Seen {
        replies,
        replied,
        stored,
    }
}

/// What a broker answers to replies it cannot push: (code, remark) without `REPLY_TO_CLIENT`,
/// the same for an unknown requester, and how many messages the reply topic gained.
fn unpushable_replies(broker: &str) -> ((i32, String), (i32, String), i64) {
    let reply = |props: String| {
        let mut req = send_message_v2(
            "replier_group",
            "DefaultCluster_REPLY_TOPIC",
            0,
            props,
            "orphan reply",
        );
        req.code = RequestCode::SEND_REPLY_MESSAGE_V2.0;
        req
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = RemotingClient::new(ClientOptions::default());
        let call = |req: RemotingCommand| {
            let client = &client;
            async move {
                client
                    .invoke(broker, req, Duration::from_secs(10))
                    .await
                    .expect("broker answers")
            }
        };
        let max_offset = || async {
            let mut ext = rmq::protocol::ExtFields::new();
            ext.insert("topic", "DefaultCluster_REPLY_TOPIC");
            ext.insert("queueId", "0");
            let r = call(RemotingCommand::request(RequestCode::GET_MAX_OFFSET, ext)).await;
            r.ext("offset")
                .and_then(|o| o.parse::<i64>().ok())
                .unwrap_or(-1)
        };
        let before = max_offset().await;
        let no_requester = call(reply(message::format_properties([
            ("MSG_TYPE", "reply"),
            ("CORRELATION_ID", "c-1"),
        ])))
        .await;
        let unknown = call(reply(message::format_properties([
            ("MSG_TYPE", "reply"),
            ("CORRELATION_ID", "c-2"),
            ("REPLY_TO_CLIENT", "10.0.0.1@nobody"),
        ])))
        .await;
        // The Java broker's ConsumeQueue follows its CommitLog a moment later.
        let mut gained = 0;
        for _ in 0..30 {
            gained = max_offset().await - before;
            if gained >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let answer = |r: &RemotingCommand| (r.code, r.remark.clone().unwrap_or_default());
        (answer(&no_requester), answer(&unknown), gained)
    })
}

/// Property names, with the values that do not depend on addresses, ids or timing.
fn comparable(reply: &Value) -> BTreeMap<String, String> {
    const STABLE: [&str; 2] = ["MSG_TYPE", "CLUSTER"];
    reply["allProps"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let v = if STABLE.contains(&k.as_str()) {
                v.as_str().unwrap_or_default().to_string()
            } else {
                "*".into()
            };
            (k.clone(), v)
        })
        .collect()
}

#[test]
fn java_request_gets_its_reply_on_rmq_and_on_the_java_broker() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let cluster = Cluster::start("request-reply");
    let work = temp_dir("request-reply-rmq");
    let ours = run_scenario(&lib, &cluster.ns(), work.path());
    // The reply is stored too (storeReplyMessageEnable defaults to true), with the sender's
    // properties: the reply topic holds one message per reply.
    let stats = cluster.json(&[
        "topic",
        "status",
        "-t",
        "DefaultCluster_REPLY_TOPIC",
        "-o",
        "json",
    ]);
    let stored: i64 = stats["queues"]
        .as_array()
        .map(|qs| {
            qs.iter()
                .map(|q| q["maxOffset"].as_i64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(-1);
    assert_eq!(stored, (SYNC + ASYNC) as i64, "stored replies: {stats}");
    let our_orphans = unpushable_replies(&cluster.broker().addr);
    drop(cluster);

    let Some(broker_lib) = common::java_broker_lib() else {
        return;
    };
    let dir = temp_dir("request-reply-java");
    let namesrv = JavaNamesrv::start(&broker_lib, &dir.path().join("namesrv"));
    let broker = JavaBroker::start(
        &broker_lib,
        &dir.path().join("broker"),
        &dir.path().join("store"),
        &namesrv.addr,
    );
    let java = run_scenario(&lib, &namesrv.addr, dir.path());
    let java_orphans = unpushable_replies(&broker.addr);
    drop(broker);
    drop(namesrv);

    for (side, seen) in [("rmq", &ours), ("java", &java)] {
        assert!(
            seen.replied.iter().all(|r| r["status"] == "SEND_OK"),
            "{side}: every reply send is SEND_OK: {:?}",
            seen.replied
        );
    }
    eprintln!(
        "a reply on rmq: {}\na reply on java: {}",
        ours.replies.values().next().unwrap(),
        java.replies.values().next().unwrap()
    );
    let first = |seen: &Seen| comparable(seen.replies.values().next().unwrap());
    assert_eq!(first(&ours), first(&java), "reply properties");
    for (request, reply) in &ours.replies {
        let theirs = &java.replies[request];
        assert_eq!(comparable(reply), comparable(theirs), "reply to {request}");
        for field in ["queueId", "flag", "reconsumeTimes"] {
            assert_eq!(
                reply[field], theirs[field],
                "{field} of the reply to {request}"
            );
        }
    }

    // Stored replies: the sender's properties as sent (no PUSH_REPLY_TIME, no CLUSTER).
    for (side, seen) in [("rmq", &ours), ("java", &java)] {
        assert_eq!(seen.stored.len(), SYNC + ASYNC, "{side}: stored replies");
    }
    assert_eq!(
        comparable(&ours.stored[0]),
        comparable(&java.stored[0]),
        "stored reply properties"
    );
    assert!(!ours.stored[0]["allProps"]
        .as_object()
        .unwrap()
        .contains_key("PUSH_REPLY_TIME"));
    assert_eq!(our_orphans, java_orphans, "replies that cannot be pushed");
    assert_eq!(
        our_orphans.0,
        (
            1,
            "reply message properties[REPLY_TO_CLIENT] is null".to_string()
        )
    );
    assert_eq!(our_orphans.2, 2, "both orphan replies were stored");
}

/// Stands in for a requesting producer: records what the broker pushes and answers SUCCESS.
struct Requester {
    pushed: std::sync::Arc<std::sync::Mutex<Vec<RemotingCommand>>>,
}

impl rmq::net::RequestHandler for Requester {
    async fn handle(
        &self,
        _conn: &rmq::net::Connection,
        request: RemotingCommand,
    ) -> Option<RemotingCommand> {
        self.pushed.lock().unwrap().push(request.clone());
        Some(RemotingCommand::response_to(
            &request,
            rmq::protocol::ResponseCode::SUCCESS,
        ))
    }
}

/// The push itself, at the wire (rmq only): PUSH_REPLY_MESSAGE_TO_CLIENT carries the sender's
/// header with bornHost, storeHost and storeTimestamp, its properties plus PUSH_REPLY_TIME and
/// its body; with `storeReplyMessageEnable=false` nothing is stored and the sender gets msgId
/// "0" and queue offset 0.
#[test]
fn the_push_at_the_wire_and_replies_not_stored() {
    use rmq::protocol::body::{HeartbeatData, ProducerData};
    use rmq::protocol::header::ReplyMessageRequestHeader;
    use rmq::protocol::{CommandHeader, ExtFields, ResponseCode};

    let cluster = Cluster::builder("reply-wire")
        .broker_props("storeReplyMessageEnable=false")
        .start();
    let broker = cluster.broker().addr.clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let t = Duration::from_secs(10);
        let pushed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let requester = RemotingClient::with_handler(
            std::sync::Arc::new(Requester {
                pushed: pushed.clone(),
            }),
            ClientOptions::default(),
        );
        let heartbeat = HeartbeatData {
            client_id: "127.0.0.1@requester".into(),
            producer_data_set: vec![ProducerData {
                group_name: "requester_group".into(),
            }],
            consumer_data_set: vec![],
        };
        let hb = RemotingCommand::request(RequestCode::HEART_BEAT, ExtFields::new())
            .with_body(heartbeat.to_json());
        let r = requester.invoke(&broker, hb, t).await.unwrap();
        assert_eq!(r.response_code(), ResponseCode::SUCCESS);

        let sender = RemotingClient::new(ClientOptions::default());
        let props = message::format_properties([
            ("MSG_TYPE", "reply"),
            ("CORRELATION_ID", "corr-1"),
            ("REPLY_TO_CLIENT", "127.0.0.1@requester"),
            ("TTL", "3000"),
        ]);
        let mut reply = send_message_v2(
            "replier_group",
            "DefaultCluster_REPLY_TOPIC",
            0,
            props,
            "the answer",
        );
        reply.code = RequestCode::SEND_REPLY_MESSAGE_V2.0;
        let answer = sender.invoke(&broker, reply, t).await.unwrap();
        assert_eq!(answer.response_code(), ResponseCode::SUCCESS, "{answer:?}");
        assert_eq!(answer.ext("msgId"), Some("0"), "nothing stored");
        assert_eq!(answer.ext("queueOffset"), Some("0"));
        assert_eq!(answer.ext("queueId"), Some("0"));
        assert!(answer.ext("MSG_REGION").is_some() && answer.ext("TRACE_ON").is_some());

        let pushed = pushed.lock().unwrap().clone();
        assert_eq!(pushed.len(), 1, "{pushed:?}");
        let push = &pushed[0];
        assert_eq!(
            push.request_code(),
            RequestCode::PUSH_REPLY_MESSAGE_TO_CLIENT
        );
        assert_eq!(&push.body[..], b"the answer");
        let h = ReplyMessageRequestHeader::from_command(push).unwrap();
        assert_eq!(h.producer_group, "replier_group");
        assert_eq!(h.topic, "DefaultCluster_REPLY_TOPIC");
        assert_eq!(
            (h.queue_id, h.sys_flag, h.flag, h.born_timestamp),
            (0, 0, 0, 1)
        );
        assert_eq!(h.store_host, broker, "the broker's ip:port");
        assert!(h.born_host.starts_with("127.0.0.1:"), "{}", h.born_host);
        assert!(h.store_timestamp > 0);
        let props = h.properties.unwrap();
        for (k, v) in [
            ("MSG_TYPE", "reply"),
            ("CORRELATION_ID", "corr-1"),
            ("REPLY_TO_CLIENT", "127.0.0.1@requester"),
            ("TTL", "3000"),
        ] {
            assert_eq!(message::get_property(&props, k), Some(v), "{props:?}");
        }
        let push_time: i64 = message::get_property(&props, "PUSH_REPLY_TIME")
            .unwrap()
            .parse()
            .unwrap();
        assert!(push_time >= h.store_timestamp - 1000);
    });
    let status = cluster.json(&[
        "topic",
        "status",
        "-t",
        "DefaultCluster_REPLY_TOPIC",
        "-o",
        "json",
    ]);
    let stored: i64 = status["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["maxOffset"].as_i64().unwrap())
        .sum();
    assert_eq!(
        stored, 0,
        "storeReplyMessageEnable=false stores nothing: {status}"
    );
}
