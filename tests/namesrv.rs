//! The `rmq namesrv` daemon end to end: the real binary on a port it picks, a fake broker
//! registering through the Rust client, every name server request code, persistence of the KV
//! config across a restart, and the real Java 4.9.8 `mqadmin` and client API reading the routes.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::java_cluster::{mqadmin_once, tools_home};
use common::{eventually, java_program_with, rmq, run_bounded, temp_dir, Daemon, NETTY_OPENS};

use rmq::common::message::crc32;
use rmq::namesrv::register_body::encode_compressed;
use rmq::net::{ClientOptions, RemotingClient};
use rmq::protocol::body::{
    ClusterInfo, DataVersion, KVTable, RegisterBrokerBody, TopicConfig,
    TopicConfigSerializeWrapper, TopicList, TopicRouteData,
};
use rmq::protocol::header::{
    AddWritePermResponseHeader, BrokerIdentityHeader, BrokerNameHeader,
    DeleteTopicFromNamesrvRequestHeader, GetKvConfigResponseHeader,
    GetKvListByNamespaceRequestHeader, GetRouteInfoRequestHeader, GetTopicsByClusterRequestHeader,
    KvConfigKeyHeader, PutKvConfigRequestHeader, QueryDataVersionResponseHeader,
    RegisterBrokerRequestHeader, RegisterBrokerResponseHeader, WipeWritePermResponseHeader,
};
use rmq::protocol::{
    CommandHeader, ExtFields, RemotingCommand, RequestCode, ResponseCode, SerializeType,
};

const T: Duration = Duration::from_secs(5);
/// The fake brokers' addresses: nothing listens on port 1, so tools that try to reach the
/// broker fail fast with "connection refused" instead of timing out.
const BROKER_ADDR: &str = "127.0.0.1:1";
const SLAVE_ADDR: &str = "127.0.0.2:1";

// ---------------------------------------------------------------------------------------------
// Helpers

fn client() -> RemotingClient {
    RemotingClient::new(ClientOptions::default())
}

async fn call(client: &RemotingClient, addr: &str, req: RemotingCommand) -> RemotingCommand {
    client.invoke(addr, req, T).await.expect("namesrv answers")
}

fn request(code: RequestCode, header: &impl CommandHeader) -> RemotingCommand {
    RemotingCommand::request(code, header.to_ext_fields())
}

fn topic_table(version: i64, topics: &[(&str, i32)]) -> TopicConfigSerializeWrapper {
    TopicConfigSerializeWrapper {
        topic_config_table: topics
            .iter()
            .map(|(name, n)| {
                (
                    name.to_string(),
                    TopicConfig {
                        read_queue_nums: *n,
                        write_queue_nums: *n,
                        ..TopicConfig::new(*name)
                    },
                )
            })
            .collect(),
        data_version: DataVersion {
            state_version: None,
            timestamp: 1_700_000_000_000,
            counter: version,
        },
    }
}

fn register_header(name: &str, addr: &str, id: i64, body: &[u8]) -> RegisterBrokerRequestHeader {
    RegisterBrokerRequestHeader {
        broker_name: name.into(),
        broker_addr: addr.into(),
        cluster_name: "RustCluster".into(),
        ha_server_addr: format!("{addr}0"),
        broker_id: id,
        compressed: Some(false),
        body_crc32: Some(crc32(body)),
    }
}

/// REGISTER_BROKER with a plain JSON body and a correct bodyCrc32.
fn register(
    name: &str,
    addr: &str,
    id: i64,
    table: TopicConfigSerializeWrapper,
) -> RemotingCommand {
    let body = RegisterBrokerBody {
        topic_config_serialize_wrapper: table,
        filter_server_list: vec![],
    }
    .to_json();
    request(
        RequestCode::REGISTER_BROKER,
        &register_header(name, addr, id, &body),
    )
    .with_body(body)
}

fn route_request(topic: &str, version: i32) -> RemotingCommand {
    let mut req = request(
        RequestCode::GET_ROUTEINFO_BY_TOPIC,
        &GetRouteInfoRequestHeader {
            topic: topic.into(),
            accept_standard_json_only: None,
        },
    );
    req.version = version;
    req
}

async fn route(client: &RemotingClient, addr: &str, topic: &str) -> Option<TopicRouteData> {
    let resp = call(client, addr, route_request(topic, 409)).await;
    match resp.response_code() {
        ResponseCode::SUCCESS => Some(TopicRouteData::from_json(&resp.body).unwrap()),
        ResponseCode::TOPIC_NOT_EXIST => None,
        other => panic!("unexpected route answer {other}: {:?}", resp.remark),
    }
}

fn ext(resp: &RemotingCommand) -> ExtFields {
    resp.ext_fields.clone().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Rust client against the daemon

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_registration_routes_and_admin_requests() {
    let dir = temp_dir("flow");
    let mut daemon = Daemon::namesrv(dir.path());
    let addr = daemon.addr.clone();
    let broker = client();
    let admin = client();

    // Master registers two topics.
    let resp = call(
        &broker,
        &addr,
        register(
            "broker-a",
            BROKER_ADDR,
            0,
            topic_table(1, &[("TopicA", 4), ("TopicB", 8)]),
        ),
    )
    .await;
    assert_eq!(
        resp.response_code(),
        ResponseCode::SUCCESS,
        "{:?}",
        resp.remark
    );
    let h = RegisterBrokerResponseHeader::decode(&ext(&resp)).unwrap();
    assert_eq!((h.master_addr, h.ha_server_addr), (None, None));
    assert!(resp.body.is_empty(), "no ORDER_TOPIC_CONFIG yet");

    // A slave learns its master; its own topic table does not change routes.
    let resp = call(
        &broker,
        &addr,
        register(
            "broker-a",
            SLAVE_ADDR,
            1,
            topic_table(1, &[("SlaveOnly", 1)]),
        ),
    )
    .await;
    let h = RegisterBrokerResponseHeader::decode(&ext(&resp)).unwrap();
    assert_eq!(h.master_addr.as_deref(), Some(BROKER_ADDR));
    assert_eq!(h.ha_server_addr.as_deref(), Some("127.0.0.1:10"));
    assert!(route(&admin, &addr, "SlaveOnly").await.is_none());

    // Route in both JSON styles.
    let standard = call(&admin, &addr, route_request("TopicA", 409)).await;
    let text = String::from_utf8(standard.body.to_vec()).unwrap();
    assert!(
        text.contains(r#""brokerAddrs":{"0":"127.0.0.1:1","1":"127.0.0.2:1"}"#),
        "{text}"
    );
    let old = call(&admin, &addr, route_request("TopicA", 399)).await;
    let old_text = String::from_utf8(old.body.to_vec()).unwrap();
    assert!(
        old_text.contains(r#""brokerAddrs":{0:"127.0.0.1:1",1:"127.0.0.2:1"}"#),
        "{old_text}"
    );
    let mut forced = route_request("TopicA", 399);
    forced.ext_mut().insert("acceptStandardJsonOnly", "true");
    let forced = call(&admin, &addr, forced).await;
    assert_eq!(forced.body, standard.body);
    let r = TopicRouteData::from_json(&old.body).unwrap();
    assert_eq!(r.queue_datas.len(), 1);
    assert_eq!(
        (
            r.queue_datas[0].broker_name.as_str(),
            r.queue_datas[0].write_queue_nums,
            r.queue_datas[0].perm
        ),
        ("broker-a", 4, 6)
    );
    assert_eq!(r.broker_datas[0].cluster, "RustCluster");
    assert_eq!(r.order_topic_conf, None);

    // Unknown topic.
    let resp = call(&admin, &addr, route_request("Nope", 409)).await;
    assert_eq!(resp.response_code(), ResponseCode::TOPIC_NOT_EXIST);
    assert!(resp.remark.unwrap().contains("Nope"));

    // Cluster info (always bare keys).
    let resp = call(
        &admin,
        &addr,
        RemotingCommand::request(RequestCode::GET_BROKER_CLUSTER_INFO, ExtFields::new()),
    )
    .await;
    assert!(String::from_utf8_lossy(&resp.body).contains(r#"{0:"127.0.0.1:1",1:"127.0.0.2:1"}"#));
    let info = ClusterInfo::from_json(&resp.body).unwrap();
    assert_eq!(
        info.cluster_addr_table["RustCluster"]
            .iter()
            .collect::<Vec<_>>(),
        ["broker-a"]
    );
    assert_eq!(info.broker_addr_table["broker-a"].broker_addrs.len(), 2);

    // Topic lists.
    let resp = call(
        &admin,
        &addr,
        RemotingCommand::request(
            RequestCode::GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
            ExtFields::new(),
        ),
    )
    .await;
    let all = TopicList::from_json(&resp.body).unwrap();
    assert_eq!(
        all.topic_list.iter().collect::<Vec<_>>(),
        ["TopicA", "TopicB"]
    );
    let by_cluster = |cluster: &str| {
        request(
            RequestCode::GET_TOPICS_BY_CLUSTER,
            &GetTopicsByClusterRequestHeader {
                cluster: cluster.into(),
            },
        )
    };
    let resp = call(&admin, &addr, by_cluster("RustCluster")).await;
    assert_eq!(
        TopicList::from_json(&resp.body).unwrap().topic_list.len(),
        2
    );
    let resp = call(&admin, &addr, by_cluster("Other")).await;
    assert_eq!(resp.response_code(), ResponseCode::SUCCESS);
    assert!(TopicList::from_json(&resp.body)
        .unwrap()
        .topic_list
        .is_empty());
    let resp = call(
        &admin,
        &addr,
        RemotingCommand::request(RequestCode::GET_SYSTEM_TOPIC_LIST_FROM_NS, ExtFields::new()),
    )
    .await;
    let sys = TopicList::from_json(&resp.body).unwrap();
    assert!(sys.topic_list.contains("RustCluster") && sys.topic_list.contains("broker-a"));
    assert!(sys.broker_addr.is_some());

    // KV config: put, get, list, delete.
    let put = |k: &str, v: &str| {
        request(
            RequestCode::PUT_KV_CONFIG,
            &PutKvConfigRequestHeader {
                namespace: "NS".into(),
                key: k.into(),
                value: v.into(),
            },
        )
    };
    let key = |code, k: &str| {
        request(
            code,
            &KvConfigKeyHeader {
                namespace: "NS".into(),
                key: k.into(),
            },
        )
    };
    assert_eq!(
        call(&admin, &addr, put("k1", "v1")).await.response_code(),
        ResponseCode::SUCCESS
    );
    assert_eq!(
        call(&admin, &addr, put("k2", "v2")).await.response_code(),
        ResponseCode::SUCCESS
    );
    let resp = call(&admin, &addr, key(RequestCode::GET_KV_CONFIG, "k1")).await;
    assert_eq!(
        GetKvConfigResponseHeader::decode(&ext(&resp))
            .unwrap()
            .value
            .as_deref(),
        Some("v1")
    );
    let resp = call(
        &admin,
        &addr,
        request(
            RequestCode::GET_KVLIST_BY_NAMESPACE,
            &GetKvListByNamespaceRequestHeader {
                namespace: "NS".into(),
            },
        ),
    )
    .await;
    assert_eq!(KVTable::from_json(&resp.body).unwrap().table.len(), 2);
    assert_eq!(
        call(&admin, &addr, key(RequestCode::DELETE_KV_CONFIG, "k1"))
            .await
            .response_code(),
        ResponseCode::SUCCESS
    );
    let resp = call(&admin, &addr, key(RequestCode::GET_KV_CONFIG, "k1")).await;
    assert_eq!(resp.response_code(), ResponseCode::QUERY_NOT_FOUND);
    let resp = call(
        &admin,
        &addr,
        request(
            RequestCode::GET_KVLIST_BY_NAMESPACE,
            &GetKvListByNamespaceRequestHeader {
                namespace: "Unknown".into(),
            },
        ),
    )
    .await;
    assert_eq!(resp.response_code(), ResponseCode::QUERY_NOT_FOUND);
    let saved = std::fs::read_to_string(dir.path().join("kvConfig.json")).unwrap();
    assert_eq!(saved, r#"{"configTable":{"NS":{"k2":"v2"}}}"#);

    // Wipe and add write permission.
    let perm = |code| {
        request(
            code,
            &BrokerNameHeader {
                broker_name: "broker-a".into(),
            },
        )
    };
    let resp = call(&admin, &addr, perm(RequestCode::WIPE_WRITE_PERM_OF_BROKER)).await;
    assert_eq!(
        WipeWritePermResponseHeader::decode(&ext(&resp))
            .unwrap()
            .wipe_topic_count,
        2
    );
    assert_eq!(
        route(&admin, &addr, "TopicA").await.unwrap().queue_datas[0].perm,
        4
    );
    let resp = call(&admin, &addr, perm(RequestCode::ADD_WRITE_PERM_OF_BROKER)).await;
    assert_eq!(
        AddWritePermResponseHeader::decode(&ext(&resp))
            .unwrap()
            .add_topic_count,
        2
    );
    assert_eq!(
        route(&admin, &addr, "TopicA").await.unwrap().queue_datas[0].perm,
        6
    );

    // QUERY_DATA_VERSION: same version → unchanged, newer → changed.
    let identity = BrokerIdentityHeader {
        broker_name: "broker-a".into(),
        broker_addr: BROKER_ADDR.into(),
        cluster_name: "RustCluster".into(),
        broker_id: 0,
    };
    for (counter, changed) in [(1, false), (2, true)] {
        let req = request(RequestCode::QUERY_DATA_VERSION, &identity)
            .with_body(topic_table(counter, &[]).data_version.to_json());
        let resp = call(&admin, &addr, req).await;
        assert_eq!(
            QueryDataVersionResponseHeader::decode(&ext(&resp))
                .unwrap()
                .changed,
            changed
        );
        assert_eq!(DataVersion::from_json(&resp.body).unwrap().counter, 1);
    }

    // A new DataVersion updates queue data; the same one does not.
    call(
        &broker,
        &addr,
        register(
            "broker-a",
            BROKER_ADDR,
            0,
            topic_table(2, &[("TopicA", 2), ("TopicB", 8)]),
        ),
    )
    .await;
    assert_eq!(
        route(&admin, &addr, "TopicA").await.unwrap().queue_datas[0].write_queue_nums,
        2
    );

    // Delete a topic, in another cluster first (no effect), then everywhere.
    let delete = |cluster: Option<&str>| {
        request(
            RequestCode::DELETE_TOPIC_IN_NAMESRV,
            &DeleteTopicFromNamesrvRequestHeader {
                topic: "TopicB".into(),
                cluster_name: cluster.map(Into::into),
            },
        )
    };
    call(&admin, &addr, delete(Some("Other"))).await;
    assert!(route(&admin, &addr, "TopicB").await.is_some());
    call(&admin, &addr, delete(Some("RustCluster"))).await;
    assert!(route(&admin, &addr, "TopicB").await.is_none());

    // Unregister the slave (master's routes stay), then the master (all gone).
    let unregister = |addr: &str, id| {
        request(
            RequestCode::UNREGISTER_BROKER,
            &BrokerIdentityHeader {
                broker_addr: addr.into(),
                broker_id: id,
                ..identity.clone()
            },
        )
    };
    call(&broker, &addr, unregister(SLAVE_ADDR, 1)).await;
    let r = route(&admin, &addr, "TopicA").await.unwrap();
    assert_eq!(
        r.broker_datas[0].broker_addrs,
        BTreeMap::from([(0, BROKER_ADDR.to_string())])
    );
    call(&broker, &addr, unregister(BROKER_ADDR, 0)).await;
    assert!(route(&admin, &addr, "TopicA").await.is_none());
    let resp = call(
        &admin,
        &addr,
        RemotingCommand::request(RequestCode::GET_BROKER_CLUSTER_INFO, ExtFields::new()),
    )
    .await;
    assert!(ClusterInfo::from_json(&resp.body)
        .unwrap()
        .broker_addr_table
        .is_empty());

    // Graceful stop on SIGTERM, exit 0.
    drop((broker, admin));
    let status = daemon.stop();
    assert!(status.success(), "exit status {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oneway_registration_and_closed_connection() {
    let dir = temp_dir("oneway");
    let daemon = Daemon::namesrv(dir.path());
    let addr = daemon.addr.clone();
    let admin = client();

    // A oneway REGISTER_BROKER (as brokers send after auto-creating a topic) gets no answer
    // but takes effect.
    let broker = client();
    broker
        .invoke_oneway(
            &addr,
            register("broker-o", BROKER_ADDR, 0, topic_table(1, &[("OneWay", 2)])),
        )
        .await
        .unwrap();
    eventually("oneway registration visible", T, || async {
        route(&admin, &addr, "OneWay").await.is_some()
    })
    .await;
    // No stray response arrived on the broker's connection: a sync request there still
    // matches its own answer.
    let resp = call(&broker, &addr, route_request("OneWay", 409)).await;
    assert_eq!(resp.response_code(), ResponseCode::SUCCESS);

    // Closing the broker's connection drops it at once (no 120 s wait).
    broker.shutdown().await;
    eventually("broker dropped after its connection closed", T, || async {
        route(&admin, &addr, "OneWay").await.is_none()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_explained_errors() {
    let dir = temp_dir("errors");
    let daemon = Daemon::namesrv(dir.path());
    let addr = daemon.addr.clone();
    let c = client();

    for serialize_type in [SerializeType::Json, SerializeType::RocketMq] {
        let c = RemotingClient::new(ClientOptions {
            serialize_type,
            ..Default::default()
        });
        // Unknown code: answered (unlike Java's namesrv, which stays silent).
        let mut unknown =
            RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC, ExtFields::new());
        unknown.code = 9999;
        let resp = call(&c, &addr, unknown).await;
        assert_eq!(
            resp.response_code(),
            ResponseCode::REQUEST_CODE_NOT_SUPPORTED
        );
        assert_eq!(
            resp.remark.as_deref(),
            Some(" request type 9999 not supported")
        );
        assert_eq!(resp.serialize_type, serialize_type);
    }

    // Missing header field.
    let resp = call(
        &c,
        &addr,
        RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC, ExtFields::new()),
    )
    .await;
    assert_eq!(resp.response_code(), ResponseCode::SYSTEM_ERROR);
    assert_eq!(
        resp.remark.as_deref(),
        Some("GetRouteInfoRequestHeader: required field 'topic' is missing")
    );
    let mut no_id = register("b", BROKER_ADDR, 0, topic_table(1, &[]));
    no_id.ext_mut().remove("brokerId");
    let resp = call(&c, &addr, no_id).await;
    assert_eq!(resp.response_code(), ResponseCode::SYSTEM_ERROR);
    assert!(resp.remark.unwrap().contains("'brokerId'"));
    let mut bad_number = register("b", BROKER_ADDR, 0, topic_table(1, &[]));
    bad_number.ext_mut().insert("brokerId", "zero");
    let resp = call(&c, &addr, bad_number).await;
    assert!(resp
        .remark
        .unwrap()
        .contains("'brokerId' has invalid value 'zero'"));

    // Bad CRC.
    let mut bad_crc = register("b", BROKER_ADDR, 0, topic_table(1, &[("T", 1)]));
    let crc = bad_crc.ext("bodyCrc32").unwrap().parse::<i32>().unwrap();
    bad_crc.ext_mut().insert("bodyCrc32", (crc ^ 1).to_string());
    let resp = call(&c, &addr, bad_crc).await;
    assert_eq!(resp.response_code(), ResponseCode::SYSTEM_ERROR);
    assert_eq!(resp.remark.as_deref(), Some("crc32 not match"));
    assert!(
        route(&c, &addr, "T").await.is_none(),
        "rejected registration had no effect"
    );

    // Undecodable body.
    let junk = b"{definitely not json".to_vec();
    let req = request(
        RequestCode::REGISTER_BROKER,
        &register_header("b", BROKER_ADDR, 0, &junk),
    )
    .with_body(junk);
    let resp = call(&c, &addr, req).await;
    assert_eq!(resp.response_code(), ResponseCode::SYSTEM_ERROR);
    assert!(resp
        .remark
        .unwrap()
        .starts_with("Failed to decode RegisterBrokerBody"));

    // The compressed body form (crc over the compressed bytes, as Java computes it).
    let body = encode_compressed(&RegisterBrokerBody {
        topic_config_serialize_wrapper: topic_table(1, &[("Zipped", 5)]),
        filter_server_list: vec![],
    });
    let mut header = register_header("z", BROKER_ADDR, 0, &body);
    header.compressed = Some(true);
    let resp = call(
        &c,
        &addr,
        request(RequestCode::REGISTER_BROKER, &header).with_body(body),
    )
    .await;
    assert_eq!(
        resp.response_code(),
        ResponseCode::SUCCESS,
        "{:?}",
        resp.remark
    );
    assert_eq!(
        route(&c, &addr, "Zipped").await.unwrap().queue_datas[0].read_queue_nums,
        5
    );

    // QUERY_DATA_VERSION without a body.
    let identity = BrokerIdentityHeader {
        broker_name: "z".into(),
        broker_addr: BROKER_ADDR.into(),
        cluster_name: "RustCluster".into(),
        broker_id: 0,
    };
    let resp = call(
        &c,
        &addr,
        request(RequestCode::QUERY_DATA_VERSION, &identity),
    )
    .await;
    assert_eq!(resp.response_code(), ResponseCode::SYSTEM_ERROR);
    drop(daemon);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_config_survives_restart_and_config_can_be_updated() {
    let dir = temp_dir("restart");
    let mut daemon = Daemon::namesrv(dir.path());
    let c = client();
    let put = request(
        RequestCode::PUT_KV_CONFIG,
        &PutKvConfigRequestHeader {
            namespace: "ORDER_TOPIC_CONFIG".into(),
            key: "Ordered".into(),
            value: "broker-k:4".into(),
        },
    );
    assert_eq!(
        call(&c, &daemon.addr, put).await.response_code(),
        ResponseCode::SUCCESS
    );
    assert!(daemon.stop().success());

    daemon.restart();
    let addr = daemon.addr.clone();
    let c = client();
    let resp = call(
        &c,
        &addr,
        request(
            RequestCode::GET_KV_CONFIG,
            &KvConfigKeyHeader {
                namespace: "ORDER_TOPIC_CONFIG".into(),
                key: "Ordered".into(),
            },
        ),
    )
    .await;
    assert_eq!(
        GetKvConfigResponseHeader::decode(&ext(&resp))
            .unwrap()
            .value
            .as_deref(),
        Some("broker-k:4")
    );

    // Registration answers the ORDER_TOPIC_CONFIG namespace.
    let resp = call(
        &c,
        &addr,
        register(
            "broker-k",
            BROKER_ADDR,
            0,
            topic_table(1, &[("Ordered", 4)]),
        ),
    )
    .await;
    assert_eq!(
        KVTable::from_json(&resp.body).unwrap().table["Ordered"],
        "broker-k:4"
    );
    // orderTopicConf only once orderMessageEnable is on.
    assert_eq!(
        route(&c, &addr, "Ordered").await.unwrap().order_topic_conf,
        None
    );

    let get_config = || RemotingCommand::request(RequestCode::GET_NAMESRV_CONFIG, ExtFields::new());
    let resp = call(&c, &addr, get_config()).await;
    let text = String::from_utf8(resp.body.to_vec()).unwrap();
    assert!(text.contains("orderMessageEnable=false\n"), "{text}");
    assert!(text.contains("listenPort=0\n"), "{text}");

    let update = |body: &str| {
        RemotingCommand::request(RequestCode::UPDATE_NAMESRV_CONFIG, ExtFields::new())
            .with_body(body.as_bytes().to_vec())
    };
    for blocked in [
        "kvConfigPath=/tmp/x",
        "configStorePath=/tmp/x",
        "rocketmqHome=/tmp",
        "configBlackList=x",
    ] {
        let resp = call(&c, &addr, update(blocked)).await;
        assert_eq!(
            resp.response_code(),
            ResponseCode::NO_PERMISSION,
            "{blocked}"
        );
        assert_eq!(
            resp.remark.as_deref(),
            Some("Can not update config in black list.")
        );
    }
    let resp = call(&c, &addr, update("orderMessageEnable=maybe")).await;
    assert_eq!(resp.response_code(), ResponseCode::SYSTEM_ERROR);
    assert!(resp.remark.unwrap().contains("orderMessageEnable"));
    let resp = call(&c, &addr, update("orderMessageEnable=true\n")).await;
    assert_eq!(
        resp.response_code(),
        ResponseCode::SUCCESS,
        "{:?}",
        resp.remark
    );
    assert_eq!(
        route(&c, &addr, "Ordered")
            .await
            .unwrap()
            .order_topic_conf
            .as_deref(),
        Some("broker-k:4")
    );
    let resp = call(&c, &addr, get_config()).await;
    assert!(String::from_utf8_lossy(&resp.body).contains("orderMessageEnable=true\n"));
    let stored = std::fs::read_to_string(dir.path().join("namesrv-store.properties")).unwrap();
    assert!(stored.contains("orderMessageEnable=true"), "{stored}");
    assert!(daemon.stop().success());
}

// ---------------------------------------------------------------------------------------------
// The real Java 4.9.8 tools against the daemon

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java_mqadmin_and_client_api_read_routes() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let dir = temp_dir("java");
    let daemon = Daemon::namesrv(dir.path());
    let addr = daemon.addr.clone();
    let broker = client();
    let resp = call(
        &broker,
        &addr,
        register(
            "rust-broker",
            BROKER_ADDR,
            0,
            topic_table(1, &[("RustTopic", 4), ("RustTopic2", 2)]),
        ),
    )
    .await;
    assert_eq!(resp.response_code(), ResponseCode::SUCCESS);
    let home = tools_home(dir.path());

    let lib2 = lib.clone();
    let (home2, addr2) = (home.clone(), addr.clone());
    let (cluster, topics, route_out) = tokio::task::spawn_blocking(move || {
        (
            mqadmin_once(&lib2, &home2, &["clusterList", "-n", &addr2]),
            mqadmin_once(&lib2, &home2, &["topicList", "-n", &addr2]),
            mqadmin_once(
                &lib2,
                &home2,
                &["topicRoute", "-t", "RustTopic", "-n", &addr2],
            ),
        )
    })
    .await
    .unwrap();
    let cluster_line = cluster
        .lines()
        .find(|l| l.starts_with("RustCluster"))
        .unwrap_or_else(|| panic!("clusterList shows no RustCluster row:\n{cluster}"));
    assert!(
        cluster_line.contains("rust-broker") && cluster_line.contains(BROKER_ADDR),
        "{cluster_line}"
    );
    let topic_lines: Vec<&str> = topics.lines().map(str::trim).collect();
    assert!(
        topic_lines.contains(&"RustTopic") && topic_lines.contains(&"RustTopic2"),
        "{topics}"
    );
    assert!(
        route_out.contains("\"brokerName\":\"rust-broker\""),
        "{route_out}"
    );
    assert!(route_out.contains("\"writeQueueNums\":4"), "{route_out}");
    assert!(route_out.contains(BROKER_ADDR), "{route_out}");

    for serialize_type in ["JSON", "ROCKETMQ"] {
        let mut jvm: Vec<String> = NETTY_OPENS.map(String::from).into();
        jvm.push(format!("-Drocketmq.serialize.type={serialize_type}"));
        let mut cmd = java_program_with(&lib, "NamesrvProbe", &jvm);
        cmd.args([&addr, "RustTopic"]);
        let limit = Duration::from_secs(90);
        let done = tokio::task::spawn_blocking(move || run_bounded(&mut cmd, None, limit))
            .await
            .unwrap();
        let (out, err) = (done.stdout_text(), done.stderr_text());
        assert!(
            done.status.is_some(),
            "java timed out after {limit:?}\n{out}\n{err}"
        );
        let ok = done.ok();
        assert!(ok, "probe failed ({serialize_type}):\n{out}\n{err}");
        let expect = [
            format!("REGISTER_COMPRESSED code=0 remark=null type={serialize_type}"),
            "REGISTER_SLAVE code=0 masterAddr=127.0.0.1:2 haServerAddr=127.0.0.1:3".to_string(),
            "ROUTE JavaCompressedTopic queues=[java-broker:r3:w3:p6] brokers=[java-broker@JavaCluster{0=127.0.0.1:2, 1=127.0.0.1:4}]".to_string(),
            "ROUTE RustTopic queues=[rust-broker:r4:w4:p6] brokers=[rust-broker@RustCluster{0=127.0.0.1:1}]".to_string(),
            "MISSING code=17".to_string(),
            "CLUSTER JavaCluster [java-broker]".to_string(),
            "CLUSTER RustCluster [rust-broker]".to_string(),
            "BROKER rust-broker cluster=RustCluster addrs={0=127.0.0.1:1}".to_string(),
            "TOPICS_BY_CLUSTER [JavaCompressedTopic]".to_string(),
            "KV_GET v1".to_string(),
            "KV_LIST {k1=v1}".to_string(),
            "KV_DELETED code=22".to_string(),
            "WIPE 1".to_string(),
            "PERM_AFTER_WIPE 4".to_string(),
            "ADD 1".to_string(),
            "PERM_AFTER_ADD 6".to_string(),
            "CONFIG listenPort=0 orderMessageEnable=false".to_string(),
            "BLACKLIST code=16".to_string(),
            "DELETED code=17".to_string(),
        ];
        for line in &expect {
            assert!(
                out.lines().any(|l| l == line),
                "missing {line:?} ({serialize_type}):\n{out}\n{err}"
            );
        }
        assert!(
            out.contains("TOPICS [") && out.contains("RustTopic2"),
            "{out}"
        );
    }
    drop(daemon);
}

// ---------------------------------------------------------------------------------------------
// Library API and CLI failure paths

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_broker_expires_and_its_connection_is_closed() {
    use rmq::config::NamesrvConfig;
    use rmq::namesrv::{NamesrvOptions, NamesrvServer};

    let dir = temp_dir("expiry");
    let mut config = NamesrvConfig::default();
    config.server.listen_port = 0;
    config.kv_config_path = dir.path().join("kvConfig.json");
    config.config_store_path = dir.path().join("namesrv.properties");
    // Java's 120 s / 10 s timers, scaled down.
    let options = NamesrvOptions {
        bind_host: "127.0.0.1".into(),
        broker_expiry: Duration::from_millis(400),
        first_scan_delay: Duration::from_millis(50),
        scan_interval: Duration::from_millis(100),
    };
    let server = NamesrvServer::start_with(config, options).await.unwrap();
    let addr = server.local_addr().to_string();
    let broker = client();
    // Taken first: the registration below reuses this connection.
    let conn = broker.connection(&addr).await.unwrap();
    call(
        &broker,
        &addr,
        register(
            "broker-e",
            BROKER_ADDR,
            0,
            topic_table(1, &[("Expiring", 1)]),
        ),
    )
    .await;
    assert_eq!(server.routes().live_broker_count(), 1);
    eventually("silent broker expired", T, || async {
        server.routes().topic_route("Expiring").is_none()
    })
    .await;
    // As Java does, the name server closes the expired broker's connection.
    eventually("expired broker's connection closed", T, || async {
        conn.is_closed()
    })
    .await;
    assert_eq!(server.routes().live_broker_count(), 0);
    broker.shutdown().await;
    server.shutdown().await.unwrap();
}

#[test]
fn start_fails_cleanly_when_the_port_is_taken() {
    let taken = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = temp_dir("busy");
    let kv = dir.path().join("kvConfig.json");
    let output = rmq(&["namesrv", "start", "--listen-port", &port, "--kv-config"])
        .arg(&kv)
        .run();
    assert_eq!(output.code(), Some(1));
    let stderr = &output.stderr;
    assert!(
        stderr.contains(&format!("cannot listen on 0.0.0.0:{port}")),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "no boot line on failure");

    let bad = dir.path().join("bad.properties");
    std::fs::write(&bad, "listenPort=nine\n").unwrap();
    let output = rmq(&["namesrv", "start", "-c"]).arg(&bad).run();
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr.contains("listenPort"));
}
