//! `rmq namesrv` + `rmq broker` as real daemons, driven by the real Java 4.9.8 client and by
//! rmq's own remoting client: sends, tag-filtered pulls (checked on the wire), long polling,
//! consumer offsets across a restart, delayed delivery, retries and error answers.

mod common;

use std::time::{Duration, Instant};

use common::wire::send_message_v2;
use common::Cluster;
use rmq::common::message::{self, decode_records};
use rmq::net::{ClientOptions, RemotingClient};
use rmq::protocol::header::{
    pull_sys_flag, OffsetResponseHeader, PullMessageRequestHeader, PullMessageResponseHeader,
    QueryConsumerOffsetRequestHeader, SendMessageResponseHeader, UpdateConsumerOffsetRequestHeader,
};
use rmq::protocol::{CommandHeader, RemotingCommand, RequestCode, ResponseCode};

const T: Duration = Duration::from_secs(10);

fn send_request(
    topic: &str,
    queue_id: i32,
    tags: &str,
    body: &str,
    extra_props: &[(&str, &str)],
) -> RemotingCommand {
    let mut props = message::format_properties([("TAGS", tags), ("WAIT", "true")]);
    for (k, v) in extra_props {
        message::push_property(&mut props, k, v);
    }
    send_message_v2("it_producer", topic, queue_id, props, body)
}

async fn send(
    client: &RemotingClient,
    addr: &str,
    topic: &str,
    queue_id: i32,
    tags: &str,
    body: &str,
) -> SendMessageResponseHeader {
    let response = client
        .invoke(addr, send_request(topic, queue_id, tags, body, &[]), T)
        .await
        .unwrap();
    assert_eq!(
        response.response_code(),
        ResponseCode::SUCCESS,
        "{:?}",
        response.remark
    );
    SendMessageResponseHeader::from_command(&response).unwrap()
}

fn pull_request(
    topic: &str,
    group: &str,
    queue_id: i32,
    offset: i64,
    expr: &str,
    suspend_ms: i64,
) -> RemotingCommand {
    pull_request_typed(topic, group, queue_id, offset, expr, "TAG", suspend_ms)
}

fn pull_request_typed(
    topic: &str,
    group: &str,
    queue_id: i32,
    offset: i64,
    expr: &str,
    expression_type: &str,
    suspend_ms: i64,
) -> RemotingCommand {
    let mut sys_flag = pull_sys_flag::SUBSCRIPTION;
    if suspend_ms > 0 {
        sys_flag |= pull_sys_flag::SUSPEND;
    }
    let header = PullMessageRequestHeader {
        consumer_group: group.into(),
        topic: topic.into(),
        queue_id,
        queue_offset: offset,
        max_msg_nums: 32,
        sys_flag,
        commit_offset: 0,
        suspend_timeout_millis: suspend_ms,
        subscription: Some(expr.into()),
        sub_version: 0,
        expression_type: Some(expression_type.into()),
        ..Default::default()
    };
    RemotingCommand::request(RequestCode::PULL_MESSAGE, header.to_ext_fields())
}

/// Tags of the records in a pull response body.
fn tags_of(response: &RemotingCommand) -> Vec<String> {
    decode_records(&response.body)
        .map(|r| r.unwrap().property("TAGS").unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_and_tag_filtered_pulls_over_the_wire() {
    let cluster = Cluster::start("pull");
    let broker = &cluster.broker().addr;
    let client = RemotingClient::new(ClientOptions::default());
    for i in 0..12 {
        let tag = ["TagA", "TagB", "TagC"][i % 3];
        let r = send(&client, broker, "FilterTopic", 0, tag, &format!("m{i}")).await;
        assert_eq!(r.queue_offset, i as i64);
        assert_eq!(r.msg_id.len(), 32, "offset message id");
    }
    // The broker filters by tag hash: only matching records cross the wire.
    let response = client
        .invoke(
            broker,
            pull_request("FilterTopic", "g1", 0, 0, "TagA || TagC", 0),
            T,
        )
        .await
        .unwrap();
    assert_eq!(response.response_code(), ResponseCode::SUCCESS);
    assert_eq!(response.remark.as_deref(), Some("FOUND"));
    assert_eq!(
        tags_of(&response),
        ["TagA", "TagC", "TagA", "TagC", "TagA", "TagC", "TagA", "TagC"]
    );
    let header = PullMessageResponseHeader::from_command(&response).unwrap();
    assert_eq!(
        (
            header.next_begin_offset,
            header.min_offset,
            header.max_offset
        ),
        (12, 0, 12)
    );

    // Nothing new at the end: PULL_NOT_FOUND (OFFSET_OVERFLOW_ONE) at once without SUSPEND.
    let response = client
        .invoke(broker, pull_request("FilterTopic", "g1", 0, 12, "*", 0), T)
        .await
        .unwrap();
    assert_eq!(response.response_code(), ResponseCode::PULL_NOT_FOUND);
    assert_eq!(response.remark.as_deref(), Some("OFFSET_OVERFLOW_ONE"));
    // Past the end: PULL_OFFSET_MOVED to the max.
    let response = client
        .invoke(broker, pull_request("FilterTopic", "g1", 0, 40, "*", 0), T)
        .await
        .unwrap();
    assert_eq!(response.response_code(), ResponseCode::PULL_OFFSET_MOVED);
    // No match at all in range: PULL_RETRY_IMMEDIATELY with the scan moved forward.
    let response = client
        .invoke(
            broker,
            pull_request("FilterTopic", "g1", 0, 0, "TagZ", 0),
            T,
        )
        .await
        .unwrap();
    assert_eq!(
        response.response_code(),
        ResponseCode::PULL_RETRY_IMMEDIATELY
    );
    assert_eq!(
        PullMessageResponseHeader::from_command(&response)
            .unwrap()
            .next_begin_offset,
        12
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql92_subscriptions_filter_on_the_broker() {
    let cluster = Cluster::builder("sql92")
        .broker_props("enablePropertyFilter=true")
        .start();
    let broker = &cluster.broker().addr;
    let client = RemotingClient::new(ClientOptions::default());
    for i in 1..=10 {
        let a = i.to_string();
        let color = if i % 2 == 0 { "red" } else { "blue" };
        let req = send_request(
            "SqlTopic",
            0,
            "T",
            &format!("m{i}"),
            &[("a", &a), ("color", color)],
        );
        assert_eq!(
            client.invoke(broker, req, T).await.unwrap().response_code(),
            ResponseCode::SUCCESS
        );
    }
    let pull = |expr: &str| pull_request_typed("SqlTopic", "sqlg", 0, 0, expr, "SQL92", 0);
    let r = client
        .invoke(broker, pull("a > 5 AND color = 'red'"), T)
        .await
        .unwrap();
    assert_eq!(r.response_code(), ResponseCode::SUCCESS);
    let bodies: Vec<Vec<u8>> = decode_records(&r.body)
        .map(|r| r.unwrap().body.to_vec())
        .collect();
    assert_eq!(bodies, [b"m6".to_vec(), b"m8".to_vec(), b"m10".to_vec()]);
    let r = client
        .invoke(broker, pull("color IN ('green')"), T)
        .await
        .unwrap();
    assert_eq!(
        r.response_code(),
        ResponseCode::PULL_RETRY_IMMEDIATELY,
        "nothing matches"
    );
    let r = client.invoke(broker, pull("a >>> 5"), T).await.unwrap();
    assert_eq!(r.response_code(), ResponseCode::SUBSCRIPTION_PARSE_FAILED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_polling_wakes_on_arrival_and_times_out() {
    let cluster = Cluster::start("longpoll");
    let broker = cluster.broker().addr.clone();
    let client = std::sync::Arc::new(RemotingClient::new(ClientOptions::default()));
    send(&client, &broker, "PollTopic", 0, "TagA", "first").await;

    // Held: answered when a matching message arrives, not before.
    let started = Instant::now();
    let held = tokio::spawn({
        let (client, broker) = (client.clone(), broker.clone());
        async move {
            client
                .invoke(
                    &broker,
                    pull_request("PollTopic", "g", 0, 1, "TagA", 15_000),
                    Duration::from_secs(30),
                )
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        !held.is_finished(),
        "the pull is held while nothing is there"
    );
    send(&client, &broker, "PollTopic", 0, "TagA", "second").await;
    let response = held.await.unwrap().unwrap();
    assert_eq!(response.response_code(), ResponseCode::SUCCESS);
    assert_eq!(tags_of(&response), ["TagA"]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "woken by the arrival, not the timeout"
    );

    // Nothing arrives: answered PULL_NOT_FOUND when the suspend time is up.
    let started = Instant::now();
    let response = client
        .invoke(&broker, pull_request("PollTopic", "g", 0, 2, "*", 600), T)
        .await
        .unwrap();
    assert_eq!(response.response_code(), ResponseCode::PULL_NOT_FOUND);
    assert!(
        started.elapsed() >= Duration::from_millis(550),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_offsets_survive_a_restart_and_errors_are_explained() {
    let mut cluster = Cluster::builder("offsets")
        .broker_props("autoCreateTopicEnable=false")
        .start();
    let broker = cluster.broker();
    let client = RemotingClient::new(ClientOptions::default());
    let query = |group: &str| {
        let header = QueryConsumerOffsetRequestHeader {
            consumer_group: group.into(),
            topic: "BenchmarkTest".into(),
            queue_id: 0,
            ..Default::default()
        };
        RemotingCommand::request(RequestCode::QUERY_CONSUMER_OFFSET, header.to_ext_fields())
    };
    // 4.9.8: a new group starts at offset 0 while the queue's first message is there.
    let r = client
        .invoke(&broker.addr, query("fresh"), T)
        .await
        .unwrap();
    assert_eq!(r.response_code(), ResponseCode::SUCCESS);
    assert_eq!(OffsetResponseHeader::from_command(&r).unwrap().offset, 0);
    let update = UpdateConsumerOffsetRequestHeader {
        consumer_group: "g".into(),
        topic: "BenchmarkTest".into(),
        queue_id: 0,
        commit_offset: 42,
        ..Default::default()
    };
    let r = client
        .invoke(
            &broker.addr,
            RemotingCommand::request(RequestCode::UPDATE_CONSUMER_OFFSET, update.to_ext_fields()),
            T,
        )
        .await
        .unwrap();
    assert_eq!(r.response_code(), ResponseCode::SUCCESS);

    // Auto-creation is off: an unknown topic is refused with the Java code and a reason.
    let r = client
        .invoke(
            &broker.addr,
            send_request("NoSuchTopic", 0, "A", "x", &[]),
            T,
        )
        .await
        .unwrap();
    assert_eq!(r.response_code(), ResponseCode::TOPIC_NOT_EXIST);
    assert!(r.remark.unwrap().contains("NoSuchTopic"));
    // A missing header field is named.
    let mut bad = send_request("BenchmarkTest", 0, "A", "x", &[]);
    bad.ext_mut().remove("b");
    let r = client.invoke(&broker.addr, bad, T).await.unwrap();
    assert_eq!(r.response_code(), ResponseCode::SYSTEM_ERROR);
    assert!(r.remark.unwrap().contains("'b'"));
    // ...and the broker logs it as the client's fault, naming the request code.
    common::wait_until(
        "a log line for the malformed request",
        std::time::Duration::from_secs(5),
        || {
            let log = broker.stderr();
            log.contains("malformed request refused") && log.contains("code=310")
        },
    );
    // Unknown codes: REQUEST_CODE_NOT_SUPPORTED, connection kept.
    let r = client
        .invoke(
            &broker.addr,
            RemotingCommand::request(RequestCode(9999), Default::default()),
            T,
        )
        .await
        .unwrap();
    assert_eq!(r.response_code(), ResponseCode::REQUEST_CODE_NOT_SUPPORTED);

    // Clean shutdown persists offsets; a new broker on the same store reads them back.
    let status = cluster.broker_mut().stop();
    assert!(status.success(), "{status:?}");
    cluster.broker_mut().restart();
    let broker = cluster.broker();
    let client = RemotingClient::new(ClientOptions::default());
    let r = client.invoke(&broker.addr, query("g"), T).await.unwrap();
    assert_eq!(OffsetResponseHeader::from_command(&r).unwrap().offset, 42);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delayed_messages_arrive_after_their_level() {
    let cluster = Cluster::builder("delay")
        .broker_props("messageDelayLevel=1s 2s")
        .start();
    let broker = &cluster.broker().addr;
    let client = RemotingClient::new(ClientOptions::default());
    let sent = Instant::now();
    let r = client
        .invoke(
            broker,
            send_request("DelayTopic", 0, "TagD", "later", &[("DELAY", "1")]),
            T,
        )
        .await
        .unwrap();
    assert_eq!(r.response_code(), ResponseCode::SUCCESS);
    loop {
        let response = client
            .invoke(broker, pull_request("DelayTopic", "g", 0, 0, "TagD", 0), T)
            .await
            .unwrap();
        if response.response_code() == ResponseCode::SUCCESS {
            let records: Vec<_> = decode_records(&response.body).map(Result::unwrap).collect();
            assert_eq!(records.len(), 1);
            assert_eq!(records[0].body, b"later");
            // Java keeps the delay level on the delivered message.
            assert_eq!(records[0].property("DELAY").as_deref(), Some("1"));
            assert_eq!(
                records[0].property("REAL_TOPIC").as_deref(),
                Some("DelayTopic")
            );
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(10),
            "delayed message never arrived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        sent.elapsed() >= Duration::from_millis(900),
        "delivered after its delay, not before: {:?}",
        sent.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java_producer_and_consumers() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let cluster = Cluster::start("java");
    let ns = cluster.namesrv().addr.clone();
    let run = move |args: Vec<String>| {
        let mut cmd = common::java_program(&lib, "ClientProbe");
        cmd.args(&args);
        let out = cmd.output().expect("java runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{args:?}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let out = tokio::task::spawn_blocking({
        let (run, ns) = (run.clone(), ns.clone());
        move || run(s(&["produce", &ns, "JavaTopic", "30", "TagA,TagB,TagC"]))
    })
    .await
    .unwrap();
    assert!(out.contains("PRODUCED 30"), "{out}");
    let out = tokio::task::spawn_blocking({
        let (run, ns) = (run.clone(), ns.clone());
        move || run(s(&["batch", &ns, "JavaTopic", "5"]))
    })
    .await
    .unwrap();
    assert!(out.contains("BATCH SEND_OK"), "{out}");
    // Push consumer with `TagA || TagB`: exactly the 20 matching messages.
    let out = tokio::task::spawn_blocking({
        let (run, ns) = (run.clone(), ns.clone());
        move || {
            run(s(&[
                "push",
                &ns,
                "JavaTopic",
                "push_group",
                "TagA || TagB",
                "20",
                "40",
            ]))
        }
    })
    .await
    .unwrap();
    assert!(out.contains("CONSUMED 20"), "{out}");
    assert!(
        !out.contains("GOT TagC") && !out.contains("GOT BatchTag"),
        "{out}"
    );
    // Lite pull consumer: the batch, by its tag.
    let out = tokio::task::spawn_blocking(move || {
        run(s(&[
            "lite",
            &ns,
            "JavaTopic",
            "lite_group",
            "BatchTag",
            "5",
            "30",
        ]))
    })
    .await
    .unwrap();
    assert!(out.contains("CONSUMED 5"), "{out}");
    for i in 0..5 {
        assert!(out.contains(&format!("GOT BatchTag batch-{i}")), "{out}");
    }
}

/// A BROADCASTING consumer of a group with consumeBroadcastEnable=false is refused its pulls
/// with Java's NO_PERMISSION and remark; with the default (true) it pulls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_consumers_need_consume_broadcast_enable() {
    use rmq::protocol::body::{
        ConsumeFromWhere, ConsumeType, ConsumerData, HeartbeatData, MessageModel, SubscriptionData,
    };
    let cluster = Cluster::start("broadcast");
    let broker = cluster.broker().addr.clone();
    let client = RemotingClient::new(ClientOptions::default());
    send(&client, &broker, "BcastTopic", 0, "A", "one").await;
    let heartbeat = |group: &str| {
        let body = HeartbeatData {
            client_id: "127.0.0.1@bcast".into(),
            consumer_data_set: vec![ConsumerData {
                group_name: group.into(),
                consume_type: ConsumeType::ConsumePassively,
                message_model: MessageModel::Broadcasting,
                consume_from_where: ConsumeFromWhere::ConsumeFromFirstOffset,
                subscription_data_set: vec![SubscriptionData {
                    topic: "BcastTopic".into(),
                    sub_string: "*".into(),
                    ..Default::default()
                }],
                unit_mode: false,
            }],
            ..Default::default()
        };
        RemotingCommand::request(RequestCode::HEART_BEAT, Default::default())
            .with_body(body.to_json())
    };
    // A pull relying on the broker's copy of the subscription (no SUBSCRIPTION flag).
    let pull = |group: &str| {
        let mut req = pull_request("BcastTopic", group, 0, 0, "*", 0);
        let header = PullMessageRequestHeader {
            consumer_group: group.into(),
            topic: "BcastTopic".into(),
            queue_id: 0,
            queue_offset: 0,
            max_msg_nums: 32,
            sys_flag: 0,
            ..Default::default()
        };
        *req.ext_mut() = header.to_ext_fields();
        req
    };
    cluster
        .cli(&["group", "create", "-g", "gNoBcast", "-c", "DefaultCluster"])
        .args(["--broadcast", "false"])
        .ok();
    for group in ["gBcast", "gNoBcast"] {
        let r = client.invoke(&broker, heartbeat(group), T).await.unwrap();
        assert_eq!(r.response_code(), ResponseCode::SUCCESS);
    }
    let r = client.invoke(&broker, pull("gBcast"), T).await.unwrap();
    assert_eq!(r.response_code(), ResponseCode::SUCCESS, "{:?}", r.remark);
    let r = client.invoke(&broker, pull("gNoBcast"), T).await.unwrap();
    assert_eq!(r.response_code(), ResponseCode::NO_PERMISSION);
    assert_eq!(
        r.remark.as_deref(),
        Some("the consumer group[gNoBcast] can not consume by broadcast way")
    );
}

/// END_TRANSACTION over the wire (sent as a request, so the answers can be seen): the checks
/// Java makes, with its remarks, then a rollback and a commit; only the committed message
/// reaches its topic, with the COMMIT transaction type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_transaction_checks_commit_and_rollback() {
    use rmq::protocol::header::EndTransactionRequestHeader;
    let cluster = Cluster::start("endtx");
    let broker = &cluster.broker().addr;
    let client = RemotingClient::new(ClientOptions::default());
    let mut halves = Vec::new();
    for i in 0..2 {
        let req = send_request(
            "TxWire",
            1,
            "T",
            &format!("tx{i}"),
            &[("TRAN_MSG", "true"), ("PGROUP", "it_producer")],
        );
        let response = client.invoke(broker, req, T).await.unwrap();
        assert_eq!(response.response_code(), ResponseCode::SUCCESS);
        let header = SendMessageResponseHeader::from_command(&response).unwrap();
        let (_, phys) = message::decode_offset_msg_id(&header.msg_id).unwrap();
        halves.push((header.queue_offset, phys));
    }
    let end = |(queue_offset, phys): (i64, i64), group: &str, state: i32| {
        let header = EndTransactionRequestHeader {
            producer_group: rmq::protocol::Text::copy_from(group),
            tran_state_table_offset: queue_offset,
            commit_log_offset: phys,
            commit_or_rollback: state,
            from_transaction_check: Some(false),
            msg_id: "id".into(),
            transaction_id: None,
            broker_name: None,
        };
        RemotingCommand::request(RequestCode::END_TRANSACTION, header.to_ext_fields())
    };
    let expect = |r: RemotingCommand, code: ResponseCode, remark: Option<&str>| {
        assert_eq!((r.response_code(), r.remark.as_deref()), (code, remark));
    };
    let (h0, h1) = (halves[0], halves[1]);
    let r = client.invoke(broker, end(h0, "other", 8), T).await.unwrap();
    expect(
        r,
        ResponseCode::SYSTEM_ERROR,
        Some("The producer group wrong"),
    );
    let r = client
        .invoke(broker, end((h0.0 + 5, h0.1), "it_producer", 8), T)
        .await
        .unwrap();
    expect(
        r,
        ResponseCode::SYSTEM_ERROR,
        Some("The transaction state table offset wrong"),
    );
    let r = client
        .invoke(broker, end((h0.0, 1 << 40), "it_producer", 8), T)
        .await
        .unwrap();
    expect(
        r,
        ResponseCode::SYSTEM_ERROR,
        Some("Find prepared transaction message failed"),
    );
    let r = client
        .invoke(broker, end(h1, "it_producer", 12), T)
        .await
        .unwrap();
    expect(r, ResponseCode::SUCCESS, None);
    let r = client
        .invoke(broker, end(h0, "it_producer", 8), T)
        .await
        .unwrap();
    expect(r, ResponseCode::SUCCESS, None);

    let response = client
        .invoke(broker, pull_request("TxWire", "g_tx", 1, 0, "*", 0), T)
        .await
        .unwrap();
    assert_eq!(response.response_code(), ResponseCode::SUCCESS);
    let records: Vec<_> = decode_records(&response.body).map(Result::unwrap).collect();
    assert_eq!(records.len(), 1, "only the committed message");
    assert_eq!(records[0].body, b"tx0");
    assert_eq!(records[0].sys_flag & 0xC, 0x8);
    assert_eq!(records[0].prepared_transaction_offset, h0.1);
    // The op messages are checked by the unit tests of broker::transaction (the op topic has
    // no topic config, as in Java, so it cannot be pulled).
}
