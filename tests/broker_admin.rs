//! The broker's admin requests end to end: `rmq namesrv` + `rmq broker` as real daemons,
//! driven by the real Java 4.9.8 `mqadmin` (several commands per JVM, see
//! `tests/java/AdminProbe.java`) with a live Java producer and push consumer, and by rmq's own
//! remoting client for the codes mqadmin does not cover and for the error answers.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::java_cluster::{admin_probe, mqadmin, section};
use common::wire::send_message_v2;
use common::{eventually, Cluster, Spawned};
use rmq::common::message;
use rmq::net::{ClientOptions, Connection, RemotingClient, RequestHandler};
use rmq::protocol::body::{
    ConsumeFromWhere, ConsumeStats, ConsumeType, ConsumerConnection, ConsumerData, HeartbeatData,
    KVTable, MessageModel, ResetOffsetBody, SubscriptionData, SubscriptionGroupConfig,
    SubscriptionGroupWrapper, TopicConfigSerializeWrapper, TopicStatsTable,
};
use rmq::protocol::fastjson;
use rmq::protocol::header::{
    CreateTopicRequestHeader, GetBrokerConfigResponseHeader, ResetOffsetRequestHeader,
    UpdateConsumerOffsetRequestHeader,
};
use rmq::protocol::{CommandHeader, ExtFields, RemotingCommand, RequestCode, ResponseCode};

const T: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Harness

async fn call(client: &RemotingClient, addr: &str, req: RemotingCommand) -> RemotingCommand {
    client.invoke(addr, req, T).await.expect("server answers")
}

fn request(code: RequestCode, pairs: &[(&str, &str)]) -> RemotingCommand {
    let mut ext = ExtFields::new();
    for (k, v) in pairs {
        ext.insert(k.to_string(), v.to_string());
    }
    RemotingCommand::request(code, ext)
}

fn remark(r: &RemotingCommand) -> &str {
    r.remark.as_deref().unwrap_or("")
}

/// Asserts the response code, showing the remark when it differs.
#[track_caller]
fn expect(r: &RemotingCommand, code: ResponseCode) {
    assert_eq!(r.response_code(), code, "remark: {:?}", r.remark);
}

fn json(body: &[u8]) -> serde_json::Value {
    fastjson::parse(body).expect("JSON body")
}

fn send_request(topic: &str, queue_id: i32, body: &str) -> RemotingCommand {
    let props = message::format_properties([("TAGS", "TagA"), ("WAIT", "true")]);
    send_message_v2("admin_it_producer", topic, queue_id, props, body)
}

fn create_topic(topic: &str, queues: i32) -> RemotingCommand {
    let header = CreateTopicRequestHeader {
        topic: topic.into(),
        default_topic: "TBW102".into(),
        read_queue_nums: queues,
        write_queue_nums: queues,
        perm: 6,
        topic_filter_type: "SINGLE_TAG".into(),
        topic_sys_flag: Some(0),
        order: false,
    };
    RemotingCommand::request(RequestCode::UPDATE_AND_CREATE_TOPIC, header.to_ext_fields())
}

/// Stands in for a Java consumer: answers what the broker sends a client and records it.
struct FakeConsumer {
    seen: Arc<Mutex<Vec<RemotingCommand>>>,
}

impl RequestHandler for FakeConsumer {
    async fn handle(
        &self,
        _conn: &Connection,
        request: RemotingCommand,
    ) -> Option<RemotingCommand> {
        self.seen.lock().unwrap().push(request.clone());
        (request.request_code() == RequestCode::GET_CONSUMER_RUNNING_INFO).then(|| {
            RemotingCommand::response_to(&request, ResponseCode::SUCCESS)
                .with_body(&b"{\"properties\":{\"fake\":\"yes\"}}"[..])
        })
    }
}

// ---------------------------------------------------------------------------------------------
// rmq's client: every admin code, the error answers, and the calls the broker makes to a client

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_codes_and_errors_over_the_wire() {
    let cluster = Cluster::builder("admin-rust").wait_registered().start();
    let addr = cluster.broker().addr.clone();
    let client = RemotingClient::new(ClientOptions::default());
    let c = |req| call(&client, &addr, req);

    // --- topics: create, validation, listing -------------------------------------------------
    expect(&c(create_topic("AdminT", 2)).await, ResponseCode::SUCCESS);
    let mut missing = create_topic("AdminT", 2);
    missing.ext_mut().remove("topic");
    let r = c(missing).await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    assert!(remark(&r).contains("'topic'"), "{r:?}");
    let r = c(create_topic("TBW102", 2)).await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    assert_eq!(
        remark(&r),
        "The topic[TBW102] is conflict with system topic."
    );
    let r = c(create_topic("a b", 2)).await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    assert!(remark(&r).contains("illegal characters"), "{r:?}");
    let r = c(request(RequestCode::GET_ALL_TOPIC_CONFIG, &[])).await;
    expect(&r, ResponseCode::SUCCESS);
    let topics = TopicConfigSerializeWrapper::from_json(&r.body).unwrap();
    assert_eq!(topics.topic_config_table["AdminT"].write_queue_nums, 2);

    // --- messages, stats, offsets --------------------------------------------------------------
    for i in 0..3 {
        expect(
            &c(send_request("AdminT", 0, &format!("m{i}"))).await,
            ResponseCode::SUCCESS,
        );
    }
    expect(
        &c(send_request("AdminT", 1, "n0")).await,
        ResponseCode::SUCCESS,
    );
    let r = c(request(
        RequestCode::GET_TOPIC_STATS_INFO,
        &[("topic", "AdminT")],
    ))
    .await;
    expect(&r, ResponseCode::SUCCESS);
    let stats = TopicStatsTable::from_json(&r.body).unwrap();
    let maxes: Vec<i64> = stats.offset_table.values().map(|o| o.max_offset).collect();
    assert_eq!(maxes, [3, 1]);
    assert!(stats
        .offset_table
        .values()
        .all(|o| o.last_update_timestamp > 1_600_000_000_000));
    let r = c(request(
        RequestCode::GET_TOPIC_STATS_INFO,
        &[("topic", "Nope")],
    ))
    .await;
    expect(&r, ResponseCode::TOPIC_NOT_EXIST);
    assert_eq!(remark(&r), "topic[Nope] not exist");

    let commit = UpdateConsumerOffsetRequestHeader {
        consumer_group: "AdminG".into(),
        topic: "AdminT".into(),
        queue_id: 0,
        commit_offset: 2,
        broker_name: None,
    };
    let r = c(RemotingCommand::request(
        RequestCode::UPDATE_CONSUMER_OFFSET,
        commit.to_ext_fields(),
    ))
    .await;
    expect(&r, ResponseCode::SUCCESS);
    let consume_stats = |group: &'static str| {
        let c = &c;
        async move {
            let r = c(request(
                RequestCode::GET_CONSUME_STATS,
                &[("consumerGroup", group), ("topic", "AdminT")],
            ))
            .await;
            expect(&r, ResponseCode::SUCCESS);
            ConsumeStats::from_json(&r.body).unwrap()
        }
    };
    let stats = consume_stats("AdminG").await;
    let q0 = stats
        .offset_table
        .iter()
        .find(|(q, _)| q.queue_id == 0)
        .unwrap()
        .1;
    assert_eq!((q0.broker_offset, q0.consumer_offset), (3, 2));
    assert!(q0.last_timestamp > 1_600_000_000_000);
    assert_eq!(stats.total_diff(), 2);
    let r = c(request(RequestCode::GET_CONSUME_STATS, &[])).await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    assert!(remark(&r).contains("'consumerGroup'"), "{r:?}");

    let r = c(request(
        RequestCode::QUERY_TOPIC_CONSUME_BY_WHO,
        &[("topic", "AdminT")],
    ))
    .await;
    assert_eq!(json(&r.body)["groupList"], serde_json::json!(["AdminG"]));
    let r = c(request(RequestCode::GET_ALL_CONSUMER_OFFSET, &[])).await;
    assert_eq!(json(&r.body)["offsetTable"]["AdminT@AdminG"]["0"], 2);
    let r = c(request(RequestCode::GET_ALL_DELAY_OFFSET, &[])).await;
    expect(&r, ResponseCode::SUCCESS);
    assert!(json(&r.body)["offsetTable"].is_object(), "{r:?}");

    let r = c(request(
        RequestCode::CLONE_GROUP_OFFSET,
        &[
            ("srcGroup", "AdminG"),
            ("destGroup", "AdminG2"),
            ("offline", "true"),
        ],
    ))
    .await;
    expect(&r, ResponseCode::SUCCESS);
    assert_eq!(consume_stats("AdminG2").await, stats);

    let r = c(request(
        RequestCode::QUERY_CONSUME_TIME_SPAN,
        &[("topic", "AdminT"), ("group", "AdminG")],
    ))
    .await;
    expect(&r, ResponseCode::SUCCESS);
    let spans = json(&r.body)["consumeTimeSpanSet"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(spans.len(), 2);
    assert!(
        spans[0]["maxTimeStamp"].as_i64().unwrap() >= spans[0]["minTimeStamp"].as_i64().unwrap()
    );
    assert!(spans[0]["delayTime"].as_i64().unwrap() >= 0);

    let r = c(request(RequestCode::GET_SYSTEM_TOPIC_LIST_FROM_BROKER, &[])).await;
    let system = json(&r.body)["topicList"].clone();
    for t in [
        "TBW102",
        "DefaultCluster",
        "broker-a",
        "SCHEDULE_TOPIC_XXXX",
    ] {
        assert!(
            system.as_array().unwrap().iter().any(|v| v == t),
            "{t}: {system}"
        );
    }

    let r = c(request(
        RequestCode::QUERY_CONSUME_QUEUE,
        &[
            ("topic", "AdminT"),
            ("queueId", "0"),
            ("index", "1"),
            ("count", "10"),
            ("consumerGroup", "AdminG"),
        ],
    ))
    .await;
    expect(&r, ResponseCode::SUCCESS);
    let cq = json(&r.body);
    assert_eq!(cq["maxQueueIndex"], 3);
    assert_eq!(cq["queueData"].as_array().unwrap().len(), 2);
    assert_eq!(cq["filterData"], "AdminG@AdminT is not online!");
    let r = c(request(
        RequestCode::QUERY_CONSUME_QUEUE,
        &[
            ("topic", "Nope"),
            ("queueId", "0"),
            ("index", "0"),
            ("count", "1"),
        ],
    ))
    .await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    assert_eq!(remark(&r), "0@Nope is not exist!");

    // Broker-wide stats cover the groups in the subscription group table.
    let r = c(
        request(RequestCode::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, &[])
            .with_body(SubscriptionGroupConfig::new("AdminG").to_json()),
    )
    .await;
    expect(&r, ResponseCode::SUCCESS);
    let r = c(request(
        RequestCode::GET_BROKER_CONSUME_STATS,
        &[("isOrder", "false")],
    ))
    .await;
    expect(&r, ResponseCode::SUCCESS);
    let all = json(&r.body);
    assert_eq!(all["brokerAddr"], addr.as_str());
    assert_eq!(all["totalDiff"], 2, "{all}");
    let lists = all["consumeStatsList"].as_array().unwrap();
    assert!(
        lists
            .iter()
            .any(|m| m["AdminG"].as_array().is_some_and(|l| l.len() == 1)),
        "{all}"
    );

    // --- clients: nobody online yet ------------------------------------------------------------
    let reset = |group: &str, topic: &str, timestamp: i64, force: bool| {
        RemotingCommand::request(
            RequestCode::INVOKE_BROKER_TO_RESET_OFFSET,
            ResetOffsetRequestHeader {
                topic: topic.into(),
                group: group.into(),
                timestamp,
                is_force: force,
            }
            .to_ext_fields(),
        )
    };
    let r = c(reset("AdminG", "AdminT", 0, true)).await;
    expect(&r, ResponseCode::CONSUMER_NOT_ONLINE);
    assert!(
        remark(&r).starts_with(
            "Consumer not online, so can not reset offset, Group: AdminG Topic: AdminT"
        ),
        "{r:?}"
    );
    let r = c(reset("Nobody", "AdminT", 0, true)).await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    assert_eq!(remark(&r), "THe consumer group <Nobody> not exist");
    let r = c(reset("AdminG", "Nope", 0, true)).await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    assert!(
        remark(&r).contains("no topic in this broker. topic=Nope"),
        "{r:?}"
    );
    let r = c(request(
        RequestCode::GET_CONSUMER_CONNECTION_LIST,
        &[("consumerGroup", "AdminG")],
    ))
    .await;
    expect(&r, ResponseCode::CONSUMER_NOT_ONLINE);
    assert_eq!(remark(&r), "the consumer group[AdminG] not online");
    let r = c(request(
        RequestCode::GET_PRODUCER_CONNECTION_LIST,
        &[("producerGroup", "NoPG")],
    ))
    .await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    assert_eq!(remark(&r), "the producer group[NoPG] not exist");
    let r = c(request(
        RequestCode::GET_CONSUMER_RUNNING_INFO,
        &[("consumerGroup", "AdminG"), ("clientId", "ghost")],
    ))
    .await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    assert_eq!(remark(&r), "The Consumer <AdminG> <ghost> not online");

    // --- a (fake) consumer comes online ----------------------------------------------------------
    let seen = Arc::new(Mutex::new(Vec::new()));
    let consumer = RemotingClient::with_handler(
        Arc::new(FakeConsumer { seen: seen.clone() }),
        ClientOptions::default(),
    );
    let heartbeat = HeartbeatData {
        client_id: "127.0.0.1@fake".into(),
        producer_data_set: vec![],
        consumer_data_set: vec![ConsumerData {
            group_name: "AdminG".into(),
            consume_type: ConsumeType::ConsumePassively,
            message_model: MessageModel::Clustering,
            consume_from_where: ConsumeFromWhere::ConsumeFromFirstOffset,
            subscription_data_set: vec![SubscriptionData {
                topic: "AdminT".into(),
                sub_string: "*".into(),
                sub_version: 1,
                ..Default::default()
            }],
            unit_mode: false,
        }],
    };
    let hb = RemotingCommand::request(RequestCode::HEART_BEAT, ExtFields::new())
        .with_body(heartbeat.to_json());
    expect(
        &consumer.invoke(&addr, hb, T).await.unwrap(),
        ResponseCode::SUCCESS,
    );

    let r = c(request(
        RequestCode::GET_CONSUMER_CONNECTION_LIST,
        &[("consumerGroup", "AdminG")],
    ))
    .await;
    expect(&r, ResponseCode::SUCCESS);
    let cc = ConsumerConnection::from_json(&r.body).unwrap();
    assert_eq!(cc.connection_set[0].client_id, "127.0.0.1@fake");
    assert_eq!(cc.subscription_table["AdminT"].sub_string, "*");
    assert_eq!(
        cc.consume_from_where,
        ConsumeFromWhere::ConsumeFromFirstOffset
    );

    // Not forced: queue 0 (committed 2) may only move back; queue 1 has no offset yet.
    let r = c(reset("AdminG", "AdminT", -1, false)).await;
    expect(&r, ResponseCode::SUCCESS);
    let table = ResetOffsetBody::from_json(&r.body).unwrap().offset_table;
    let by_queue: BTreeMap<i32, i64> = table.iter().map(|(q, o)| (q.queue_id, *o)).collect();
    assert_eq!(by_queue, BTreeMap::from([(0, 2), (1, 1)]));
    // Forced to the beginning: the client is told and the broker's offsets move too.
    let r = c(reset("AdminG", "AdminT", 0, true)).await;
    expect(&r, ResponseCode::SUCCESS);
    let table = ResetOffsetBody::from_json(&r.body).unwrap().offset_table;
    assert!(table.values().all(|&o| o == 0), "{table:?}");
    eventually("the reset pushed to the client", T, || {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().iter().any(|r| {
                r.request_code() == RequestCode::RESET_CONSUMER_CLIENT_OFFSET
                    && r.ext("timestamp") == Some("0")
                    && ResetOffsetBody::from_json(&r.body).is_ok_and(|b| b.offset_table.len() == 2)
            })
        }
    })
    .await;
    let stats = consume_stats("AdminG").await;
    assert!(
        stats.offset_table.values().all(|o| o.consumer_offset == 0),
        "{stats:?}"
    );

    let r = c(request(
        RequestCode::GET_CONSUMER_RUNNING_INFO,
        &[
            ("consumerGroup", "AdminG"),
            ("clientId", "127.0.0.1@fake"),
            ("jstackEnable", "false"),
        ],
    ))
    .await;
    expect(&r, ResponseCode::SUCCESS);
    assert_eq!(json(&r.body)["properties"]["fake"], "yes");
    consumer.shutdown().await;

    // --- subscription groups ---------------------------------------------------------------------
    let group = SubscriptionGroupConfig {
        retry_max_times: 3,
        ..SubscriptionGroupConfig::new("AdminSubG")
    };
    let r = c(
        request(RequestCode::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, &[]).with_body(group.to_json()),
    )
    .await;
    expect(&r, ResponseCode::SUCCESS);
    let groups = |c: RemotingCommand| SubscriptionGroupWrapper::from_json(&c.body).unwrap();
    let all = groups(c(request(RequestCode::GET_ALL_SUBSCRIPTIONGROUP_CONFIG, &[])).await);
    assert_eq!(all.subscription_group_table["AdminSubG"].retry_max_times, 3);
    let r =
        c(request(RequestCode::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, &[]).with_body(&b"{oops"[..]))
            .await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    let r = c(request(
        RequestCode::DELETE_SUBSCRIPTIONGROUP,
        &[("groupName", "AdminSubG")],
    ))
    .await;
    expect(&r, ResponseCode::SUCCESS);
    let r = c(request(
        RequestCode::DELETE_SUBSCRIPTIONGROUP,
        &[("groupName", "AdminG2"), ("removeOffset", "true")],
    ))
    .await;
    expect(&r, ResponseCode::SUCCESS);
    let all = groups(c(request(RequestCode::GET_ALL_SUBSCRIPTIONGROUP_CONFIG, &[])).await);
    assert!(!all.subscription_group_table.contains_key("AdminSubG"));
    let r = c(request(RequestCode::GET_ALL_CONSUMER_OFFSET, &[])).await;
    assert!(
        json(&r.body)["offsetTable"].get("AdminT@AdminG2").is_none(),
        "offsets of a removed group stay"
    );

    // --- broker config -------------------------------------------------------------------------
    let get_config = || async {
        let r = c(request(RequestCode::GET_BROKER_CONFIG, &[])).await;
        expect(&r, ResponseCode::SUCCESS);
        let version = GetBrokerConfigResponseHeader::from_command(&r)
            .unwrap()
            .version;
        let text = String::from_utf8(r.body.to_vec()).unwrap();
        (json(version.as_bytes())["counter"].as_i64().unwrap(), text)
    };
    let (v0, text) = get_config().await;
    assert!(text.lines().any(|l| l == "brokerName=broker-a"), "{text}");
    assert!(
        text.lines().any(|l| l == "flushDiskType=ASYNC_FLUSH"),
        "{text}"
    );
    for key in ["brokerConfigPath", "rocketmqHome", "configBlackList"] {
        let r = c(request(RequestCode::UPDATE_BROKER_CONFIG, &[]).with_body(format!("{key}=/x\n")))
            .await;
        expect(&r, ResponseCode::NO_PERMISSION);
        assert_eq!(remark(&r), "Can not update config in black list.");
    }
    let r =
        c(request(RequestCode::UPDATE_BROKER_CONFIG, &[]).with_body("maxMessageSize=oops\n")).await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    assert!(remark(&r).contains("maxMessageSize"), "{r:?}");
    let r = c(request(RequestCode::UPDATE_BROKER_CONFIG, &[])
        .with_body("defaultTopicQueueNums=6\nfileReservedTime=24\n"))
    .await;
    expect(&r, ResponseCode::SUCCESS);
    assert!(
        remark(&r).contains("fileReservedTime"),
        "restart notice: {r:?}"
    );
    let r = c(request(RequestCode::UPDATE_BROKER_CONFIG, &[]).with_body("noSuchKey=1\n")).await;
    expect(&r, ResponseCode::SUCCESS);
    assert_eq!(remark(&r), "unknown keys ignored: noSuchKey");
    let (v1, text) = get_config().await;
    let port = addr.rsplit(':').next().unwrap();
    assert!(
        text.lines().any(|l| l == format!("listenPort={port}")),
        "{text}"
    );
    assert!(v1 > v0, "config version {v0} -> {v1}");
    assert!(
        text.lines().any(|l| l == "defaultTopicQueueNums=6"),
        "{text}"
    );
    let file = std::fs::read_to_string(cluster.broker().config_file()).unwrap();
    assert!(
        file.contains("\ndefaultTopicQueueNums=6\n") && file.contains("\nfileReservedTime=24\n"),
        "{file}"
    );
    assert!(!file.contains("noSuchKey"), "{file}");
    assert!(
        file.starts_with("brokerClusterName=DefaultCluster\nbrokerName=broker-a\n"),
        "{file}"
    );

    // --- runtime info ----------------------------------------------------------------------------
    let r = c(request(RequestCode::GET_BROKER_RUNTIME_INFO, &[])).await;
    expect(&r, ResponseCode::SUCCESS);
    let kv = KVTable::from_json(&r.body).unwrap().table;
    assert_eq!(kv["brokerVersionDesc"], "V4_9_8");
    assert_eq!(kv["brokerVersion"], "409");
    assert_eq!(kv["msgPutTotalTodayNow"], "4");
    for key in ["putTps", "getTransferedTps", "getTotalTps"] {
        let parts: Vec<f64> = kv[key].split(' ').map(|p| p.parse().unwrap()).collect();
        assert_eq!(parts.len(), 3, "{key}: {}", kv[key]);
    }
    let ratio: f64 = kv["commitLogDiskRatio"].parse().unwrap();
    assert!((0.0..=1.0).contains(&ratio));
    assert!(kv["commitLogMaxOffset"].parse::<i64>().unwrap() > 0);
    assert!(
        kv["runtime"].starts_with("[ 0 days, 0 hours, "),
        "{}",
        kv["runtime"]
    );
    assert!(kv["earliestMessageTimeStamp"].parse::<i64>().unwrap() > 1_600_000_000_000);

    // --- delete, retention, unknown codes -------------------------------------------------------
    let r = c(request(
        RequestCode::DELETE_TOPIC_IN_BROKER,
        &[("topic", "AdminT")],
    ))
    .await;
    expect(&r, ResponseCode::SUCCESS);
    let r = c(request(
        RequestCode::DELETE_TOPIC_IN_BROKER,
        &[("topic", "SCHEDULE_TOPIC_XXXX")],
    ))
    .await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    let r = c(request(RequestCode::GET_ALL_TOPIC_CONFIG, &[])).await;
    let topics = TopicConfigSerializeWrapper::from_json(&r.body).unwrap();
    assert!(!topics.topic_config_table.contains_key("AdminT"));
    let r = c(request(RequestCode::GET_ALL_CONSUMER_OFFSET, &[])).await;
    assert!(json(&r.body)["offsetTable"].get("AdminT@AdminG").is_none());
    assert!(!cluster
        .broker()
        .store()
        .join("consumequeue/AdminT")
        .exists());
    expect(
        &c(request(RequestCode::TRIGGER_DELETE_FILES, &[])).await,
        ResponseCode::SUCCESS,
    );
    expect(
        &c(request(RequestCode::DELETE_EXPIRED_COMMITLOG, &[])).await,
        ResponseCode::SUCCESS,
    );
    expect(
        &c(request(RequestCode::CLEAN_UNUSED_TOPIC, &[])).await,
        ResponseCode::SUCCESS,
    );
    // VIEW_BROKER_STATS_DATA is served (tests/admin_remaining.rs); without its header it is
    // refused naming the missing field. A code no 4.9 broker serves is not supported.
    let r = c(request(RequestCode::VIEW_BROKER_STATS_DATA, &[])).await;
    expect(&r, ResponseCode::SYSTEM_ERROR);
    assert!(remark(&r).contains("statsName"), "{r:?}");
    let r = c(request(RequestCode(9999), &[])).await;
    expect(&r, ResponseCode::REQUEST_CODE_NOT_SUPPORTED);
    assert_eq!(remark(&r), " request type 9999 not supported");
    client.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// The real Java 4.9.8 mqadmin and client

/// The Java producer + push consumer of `AdminProbe serve`, its stdout collected line by line.
struct Serve(Spawned);

impl Serve {
    fn start(lib: &Path, dir: &Path, args: &[&str]) -> Serve {
        let mut cmd = admin_probe(lib, dir);
        cmd.arg("serve")
            .args(args)
            .stdin(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("serve.err")).unwrap());
        Serve(Spawned::spawn(&mut cmd))
    }

    fn lines(&self) -> Vec<String> {
        self.0.lines()
    }

    /// Waits (bounded) until a line starting with `prefix` appears `n` times.
    async fn wait_for(&self, prefix: &str, n: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.0.count(prefix) < n {
            assert!(
                Instant::now() < deadline,
                "waited for {n} x {prefix:?}; probe said:\n{}",
                self.lines().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Closes stdin (the probe's signal to shut its clients down) and waits for the exit.
    fn stop(mut self) -> Vec<String> {
        self.0.close_stdin();
        assert!(
            self.0.wait_bounded(Duration::from_secs(30)).is_some(),
            "probe did not exit"
        );
        self.lines()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java_mqadmin_against_the_broker() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let cluster = Cluster::builder("admin-java").wait_registered().start();
    let (ns, addr) = (
        cluster.namesrv().addr.clone(),
        cluster.broker().addr.clone(),
    );
    let dir = cluster.path().to_path_buf();
    let run = |commands: Vec<Vec<String>>| {
        let (lib, dir, ns) = (lib.clone(), dir.clone(), ns.clone());
        tokio::task::spawn_blocking(move || {
            let refs: Vec<Vec<&str>> = commands
                .iter()
                .map(|c| c.iter().map(String::as_str).collect())
                .collect();
            let slices: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
            mqadmin(&lib, &dir, &ns, &slices)
        })
    };
    let cmds = |list: &[&[&str]]| -> Vec<Vec<String>> {
        list.iter()
            .map(|c| c.iter().map(|s| s.to_string()).collect())
            .collect()
    };

    // --- batch 1: create things, read the broker's state and config ----------------------------
    let (s, all) = run(cmds(&[
        &[
            "updateTopic",
            "-c",
            "DefaultCluster",
            "-t",
            "AdminTopic",
            "-r",
            "4",
            "-w",
            "4",
        ],
        &["updateSubGroup", "-c", "DefaultCluster", "-g", "AdminGroup"],
        &["brokerStatus", "-b", &addr],
        &["clusterList"],
        &["getBrokerConfig", "-b", &addr],
        &[
            "updateBrokerConfig",
            "-b",
            &addr,
            "-k",
            "flushConsumerOffsetInterval",
            "-v",
            "6000",
        ],
        &[
            "updateBrokerConfig",
            "-b",
            &addr,
            "-k",
            "brokerConfigPath",
            "-v",
            "/tmp/x",
        ],
        &[
            "updateTopic",
            "-c",
            "DefaultCluster",
            "-t",
            "AdminMsgTopic",
            "-r",
            "4",
            "-w",
            "4",
        ],
        // One sendMessage per JVM: the command's producer is shut down after its first run.
        &[
            "sendMessage",
            "-t",
            "AdminMsgTopic",
            "-p",
            "admin-msg-body",
            "-k",
            "admin-msg-key",
            "-c",
            "AdminTag",
        ],
    ]))
    .await
    .unwrap();
    println!("{all}");
    let out = section(&s, 0, "updateTopic");
    assert!(
        out.contains(&format!("create topic to {addr} success.")),
        "{all}"
    );
    let out = section(&s, 1, "updateSubGroup");
    assert!(
        out.contains(&format!("create subscription group to {addr} success.")),
        "{all}"
    );
    let out = section(&s, 2, "brokerStatus");
    assert!(
        out.lines()
            .any(|l| l.starts_with("brokerVersionDesc") && l.ends_with(": V4_9_8")),
        "{all}"
    );
    assert!(out.lines().any(|l| l.starts_with("putTps")), "{all}");
    let out = section(&s, 3, "clusterList");
    let row = out
        .lines()
        .find(|l| l.starts_with("DefaultCluster"))
        .unwrap_or_else(|| panic!("{all}"));
    assert!(
        row.contains("broker-a") && row.contains(&addr) && row.contains("V4_9_8"),
        "{row}"
    );
    assert!(!out.contains("Exception"), "{all}");
    let out = section(&s, 4, "getBrokerConfig");
    assert!(
        out.lines()
            .any(|l| l.starts_with("brokerName") && l.trim_end().ends_with("broker-a")),
        "{all}"
    );
    let out = section(&s, 5, "updateBrokerConfig");
    assert!(out.contains("update broker config success"), "{all}");
    let out = section(&s, 6, "updateBrokerConfig");
    assert!(!out.contains("update broker config success"), "{all}");
    assert!(
        all.contains("Can not update config in black list."),
        "{all}"
    );
    let file = std::fs::read_to_string(cluster.broker().config_file()).unwrap();
    assert!(
        file.lines()
            .any(|l| l == "flushConsumerOffsetInterval=6000"),
        "{file}"
    );
    assert!(file.lines().any(|l| l == "brokerName=broker-a"), "{file}");
    assert!(!file.contains("brokerConfigPath"), "{file}");
    let out = section(&s, 7, "updateTopic");
    assert!(
        out.contains(&format!("create topic to {addr} success.")),
        "{all}"
    );
    // "broker-a   <qid>   SEND_OK   <msgId>"
    let out = section(&s, 8, "sendMessage");
    assert!(out.contains("#Send Result"), "{all}");
    let sent: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("broker-a "))
        .unwrap_or_else(|| panic!("{all}"))
        .split_whitespace()
        .collect();
    assert_eq!(sent.len(), 4, "{all}");
    assert_eq!(sent[2], "SEND_OK", "{all}");
    let (sent_queue, sent_msg_id) = (sent[1].to_string(), sent[3].to_string());
    assert!(sent_queue.parse::<u32>().is_ok_and(|q| q < 4), "{all}");

    // --- a Java producer and push consumer come online -----------------------------------------
    let client = RemotingClient::new(ClientOptions::default());
    eventually("AdminTopic routed by the name server", T, || async {
        let r = call(
            &client,
            &ns,
            request(
                RequestCode::GET_ROUTEINFO_BY_TOPIC,
                &[("topic", "AdminTopic")],
            ),
        )
        .await;
        r.response_code() == ResponseCode::SUCCESS
    })
    .await;
    let before_sends = rmq_now_ms() - 1000;
    let count = 8;
    let count_text = count.to_string();
    let serve = Serve::start(
        &lib,
        &dir,
        &[
            &ns,
            "AdminTopic",
            "AdminGroup",
            "AdminProducer",
            &count_text,
            "90",
        ],
    );
    serve.wait_for("READY", 1, Duration::from_secs(60)).await;
    let lines = serve.lines();
    let client_id = lines
        .iter()
        .find_map(|l| l.strip_prefix("CLIENT "))
        .unwrap()
        .to_string();
    let offset_msg_id = lines
        .iter()
        .find_map(|l| l.strip_prefix("SENT 0 SEND_OK "))
        .and_then(|rest| rest.split(' ').nth(1))
        .unwrap_or_else(|| panic!("{lines:?}"))
        .to_string();
    // --- batch 2: while the clients are online ---------------------------------------------------
    // consumerProgress lists only the topics the group has committed offsets for (as Java's
    // getConsumeStats): wait (bounded) for the Java consumer's first commit, which a loaded
    // machine delays.
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let out = cluster
            .cli(&["group", "describe", "-g", "AdminGroup", "-o", "json"])
            .run();
        // A committed queue of the topic (its subscription alone also names it).
        let committed = out.success()
            && out.parse_json()["queues"]
                .as_array()
                .is_some_and(|queues| queues.iter().any(|q| q["topic"] == "AdminTopic"));
        if committed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let reset_to = before_sends.to_string();
    // The reset goes early: the Java client sleeps 10 s inside its reset handling, which then
    // overlaps the commands after it.
    let (s, all) = run(cmds(&[
        &["consumerProgress", "-g", "AdminGroup"],
        &[
            "resetOffsetByTime",
            "-g",
            "AdminGroup",
            "-t",
            "AdminTopic",
            "-s",
            &reset_to,
        ],
        &[
            "producerConnection",
            "-g",
            "AdminProducer",
            "-t",
            "AdminTopic",
        ],
        &["consumerConnection", "-g", "AdminGroup"],
        &["topicStatus", "-t", "AdminTopic"],
        &["consumerStatus", "-g", "AdminGroup", "-i", &client_id],
        &[
            "queryMsgById",
            "-i",
            &offset_msg_id,
            "-g",
            "AdminGroup",
            "-d",
            &client_id,
        ],
        &[
            "queryMsgByKey",
            "-t",
            "AdminMsgTopic",
            "-k",
            "admin-msg-key",
        ],
        &[
            "queryMsgByOffset",
            "-t",
            "AdminMsgTopic",
            "-b",
            "broker-a",
            "-i",
            &sent_queue,
            "-o",
            "0",
        ],
        &["consumeMessage", "-t", "AdminMsgTopic"],
        &["printMsg", "-t", "AdminMsgTopic"],
    ]))
    .await
    .unwrap();
    println!("{all}");
    // The consumer may not have committed every offset yet (the Java client first persists
    // them 10 s after start); batch 3 checks them once it has shut down.
    let out = section(&s, 0, "consumerProgress");
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("AdminTopic "))
        .collect();
    assert_eq!(rows.len(), 4, "{all}");
    assert!(out.contains("Diff Total: "), "{all}");
    let out = section(&s, 1, "resetOffsetByTime");
    assert!(
        out.contains("rollback consumer offset by specified group[AdminGroup]"),
        "{all}"
    );
    let reset_rows: Vec<&str> = out.lines().filter(|l| l.starts_with("broker-a")).collect();
    assert_eq!(reset_rows.len(), 4, "{all}");
    assert!(
        reset_rows
            .iter()
            .all(|l| l.split_whitespace().nth(2) == Some("0")),
        "{all}"
    );
    let out = section(&s, 2, "producerConnection");
    assert!(
        out.lines()
            .any(|l| l.contains("127.0.0.1") && l.contains("JAVA") && l.contains("V4_9_8")),
        "{all}"
    );
    let out = section(&s, 3, "consumerConnection");
    assert!(
        out.contains(&client_id) && out.contains("AdminTopic"),
        "{all}"
    );
    assert!(
        out.contains("CONSUME_PASSIVELY") && out.contains("CLUSTERING"),
        "{all}"
    );
    assert!(out.contains("CONSUME_FROM_FIRST_OFFSET"), "{all}");
    let out = section(&s, 4, "topicStatus");
    let maxes: i64 = out
        .lines()
        .filter(|l| l.starts_with("broker-a"))
        .map(|l| l.split_whitespace().nth(3).unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(maxes, count as i64, "{all}");
    let out = section(&s, 5, "consumerStatus");
    assert!(
        out.contains("#Consumer Subscription#") && out.contains("AdminTopic"),
        "{all}"
    );
    let out = section(&s, 6, "queryMsgById");
    assert!(out.contains("consumeResult=CR_SUCCESS"), "{all}");
    // "<msgId>    <qid>    <offset>"
    let out = section(&s, 7, "queryMsgByKey");
    assert!(
        out.lines().any(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols == [sent_msg_id.as_str(), sent_queue.as_str(), "0"]
        }),
        "{all}"
    );
    let out = section(&s, 8, "queryMsgByOffset");
    let field = |text: &str, name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
    };
    assert_eq!(field(out, "Topic:"), "AdminMsgTopic");
    assert_eq!(field(out, "Tags:"), "[AdminTag]");
    assert_eq!(field(out, "Keys:"), "[admin-msg-key]");
    assert_eq!(field(out, "Queue ID:"), sent_queue);
    assert_eq!(field(out, "Queue Offset:"), "0");
    assert!(
        field(out, "Properties:").contains(&format!("UNIQ_KEY={sent_msg_id}")),
        "{all}"
    );
    let sent_offset_msg_id = field(out, "OffsetID:");
    assert_eq!(sent_offset_msg_id.len(), 32, "{all}");
    // "MSGID: <msgId> MessageExt [..., msgId=<offsetMsgId>, ...] BODY: <body>"
    let printed = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("MSGID: "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let msg_line = |l: &str| {
        l.starts_with(&format!(
            "MSGID: {sent_msg_id} MessageExt [brokerName=broker-a, queueId={sent_queue},"
        )) && l.contains(&format!("msgId={sent_offset_msg_id},"))
            && l.ends_with(" BODY: admin-msg-body")
    };
    let out = section(&s, 9, "consumeMessage");
    let msgs = printed(out);
    assert!(msgs.len() == 1 && msg_line(&msgs[0]), "{all}");
    assert!(out.contains("Consume ok"), "{all}");
    assert!(
        out.contains(&format!(
            "MessageQueue [topic=AdminMsgTopic, brokerName=broker-a, queueId={sent_queue}] print msg finished. status=NO_NEW_MSG, offset=1"
        )),
        "{all}"
    );
    let out = section(&s, 10, "printMsg");
    let msgs = printed(out);
    assert!(msgs.len() == 1 && msg_line(&msgs[0]), "{all}");
    assert!(
        out.contains(&format!(
            "minOffset=0, maxOffset=1, MessageQueue [topic=AdminMsgTopic, brokerName=broker-a, queueId={sent_queue}]"
        )),
        "{all}"
    );
    // The broker pushed the reset to the consumer, which consumes everything again.
    serve
        .wait_for("GOT ", 2 * count + 1, Duration::from_secs(30))
        .await;
    let lines = serve.stop();
    assert!(
        lines.iter().any(|l| l.starts_with("CONSUMED ")),
        "{lines:?}"
    );

    // --- batch 3: offline group, then clean up ---------------------------------------------------
    eventually("the consumer gone", T, || async {
        let r = call(
            &client,
            &addr,
            request(
                RequestCode::GET_CONSUMER_CONNECTION_LIST,
                &[("consumerGroup", "AdminGroup")],
            ),
        )
        .await;
        r.response_code() == ResponseCode::CONSUMER_NOT_ONLINE
    })
    .await;
    let now = (rmq_now_ms() + 1000).to_string();
    let (s, all) = run(cmds(&[
        &[
            "resetOffsetByTime",
            "-g",
            "AdminGroup",
            "-t",
            "AdminTopic",
            "-s",
            &now,
        ],
        &["consumerProgress", "-g", "AdminGroup"],
        &["topicList"],
        &["deleteSubGroup", "-c", "DefaultCluster", "-g", "AdminGroup"],
        &["deleteTopic", "-c", "DefaultCluster", "-t", "AdminTopic"],
        &["topicList"],
        &["queryMsgById", "-i", &sent_offset_msg_id],
        &["wipeWritePerm", "-b", "broker-a"],
        &["addWritePerm", "-b", "broker-a"],
    ]))
    .await
    .unwrap();
    println!("{all}");
    let out = section(&s, 0, "resetOffsetByTime");
    // Offline: the broker answers CONSUMER_NOT_ONLINE and mqadmin rewrites the offsets itself.
    assert!(
        out.contains("rollback consumer offset by specified consumerGroup[AdminGroup]"),
        "{all}"
    );
    let out = section(&s, 1, "consumerProgress");
    assert!(out.contains("Diff Total: 0"), "{all}");
    let listed = |text: &str, topic: &str| text.lines().any(|l| l.trim() == topic);
    let out = section(&s, 2, "topicList");
    assert!(
        listed(out, "AdminTopic") && listed(out, "%RETRY%AdminGroup"),
        "{all}"
    );
    let out = section(&s, 3, "deleteSubGroup");
    let deleted = format!(
        "delete subscription group [AdminGroup] from broker [{addr}] in cluster [DefaultCluster] success."
    );
    assert!(out.contains(&deleted), "{all}");
    let out = section(&s, 4, "deleteTopic");
    assert!(
        out.contains("delete topic [AdminTopic] from cluster [DefaultCluster] success."),
        "{all}"
    );
    let out = section(&s, 5, "topicList");
    assert!(
        !listed(out, "AdminTopic") && !listed(out, "%RETRY%AdminGroup"),
        "{all}"
    );
    let out = section(&s, 6, "queryMsgById");
    assert_eq!(field(out, "OffsetID:"), sent_offset_msg_id, "{all}");
    assert_eq!(field(out, "Topic:"), "AdminMsgTopic", "{all}");
    assert_eq!(field(out, "Tags:"), "[AdminTag]", "{all}");
    assert_eq!(field(out, "Keys:"), "[admin-msg-key]", "{all}");
    assert_eq!(field(out, "Queue ID:"), sent_queue, "{all}");
    assert!(
        field(out, "Message Body Path:").ends_with(&format!("/{sent_msg_id}")),
        "{all}"
    );
    // "wipe write perm of broker[broker-a] in name server[<ns>] OK, <topics>"
    let perm_count = |text: &str, verb: &str| -> u32 {
        let prefix = format!("{verb} write perm of broker[broker-a] in name server[{ns}] OK, ");
        text.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no '{prefix}<n>' in {all}"))
    };
    let wiped = perm_count(section(&s, 7, "wipeWritePerm"), "wipe");
    let added = perm_count(section(&s, 8, "addWritePerm"), "add");
    assert!(wiped > 0, "{all}");
    assert_eq!(wiped, added, "{all}");

    let r = call(
        &client,
        &addr,
        request(RequestCode::GET_ALL_TOPIC_CONFIG, &[]),
    )
    .await;
    let topics = TopicConfigSerializeWrapper::from_json(&r.body).unwrap();
    assert!(!topics.topic_config_table.contains_key("AdminTopic"));
    assert!(!topics.topic_config_table.contains_key("%RETRY%AdminGroup"));
    let r = call(
        &client,
        &addr,
        request(RequestCode::GET_ALL_SUBSCRIPTIONGROUP_CONFIG, &[]),
    )
    .await;
    let groups = SubscriptionGroupWrapper::from_json(&r.body).unwrap();
    assert!(!groups.subscription_group_table.contains_key("AdminGroup"));
    client.shutdown().await;
}

fn rmq_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
