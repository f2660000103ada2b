//! The admin commands of the real `rmq` binary (`topic`, `cluster`, `broker
//! status|config|perm` and their mqadmin aliases) against real `rmq namesrv` and `rmq broker`
//! daemons: JSON output, exit codes and the effects seen through the name server and broker.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{rmq, wait_until, Cluster, Output};
use rmq::client::{publish_queues, MqClient};
use rmq::common::message;
use rmq::protocol::header::SendMessageRequestHeaderV2;
use rmq::protocol::SerializeType;
use serde_json::Value;

/// A name server and one broker (`broker-a` of `DefaultCluster`), killed on drop.
struct Setup {
    ns: String,
    cluster: Cluster,
}

impl Setup {
    /// Starts both daemons and waits (bounded) until the broker shows in `rmq cluster list`.
    fn start(tag: &str) -> Setup {
        let cluster = Cluster::builder(tag).wait_registered().start();
        Setup {
            ns: cluster.namesrv().addr.clone(),
            cluster,
        }
    }

    /// `rmq ARGS -n NS` (no terminal, no NAMESRV_ADDR from the environment).
    fn run(&self, args: &[&str]) -> Output {
        self.cluster.rmq(args)
    }

    /// `rmq ARGS --output json -n NS`, which must succeed; its JSON document.
    fn json(&self, args: &[&str]) -> Value {
        self.cluster.cli(args).args(["--output", "json"]).json()
    }

    /// The route as `rmq topic route` shows it, once the topic has `queues` write queues.
    fn wait_route(&self, topic: &str, queues: i64) -> Value {
        let mut last = Value::Null;
        wait_until(
            &format!("route of {topic} with {queues} write queues"),
            Duration::from_secs(20),
            || {
                let out = self.run(&["topic", "route", "-t", topic, "--output", "json"]);
                if !out.success() {
                    return false;
                }
                last = out.parse_json();
                last["brokers"][0]["writeQueueNums"] == queues
            },
        );
        last
    }

    /// Sends `n` messages to `topic` through rmq's client, round-robin over the writable
    /// queues of its route; returns how many the brokers stored.
    fn send(&self, topic: &str, n: usize) -> Result<usize, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = MqClient::new(
                std::slice::from_ref(&self.ns),
                Duration::from_secs(5),
                SerializeType::Json,
            );
            let route = client.route(topic).await.map_err(|e| e.to_string())?;
            let queues = publish_queues(&route);
            if queues.is_empty() {
                return Err(format!("no writable queue in the route of {topic}"));
            }
            let mut stored = 0;
            for i in 0..n {
                let q = &queues[i % queues.len()];
                let header = SendMessageRequestHeaderV2 {
                    producer_group: "cli_admin_producer".into(),
                    topic: rmq::protocol::Text::copy_from(topic),
                    default_topic: "TBW102".into(),
                    default_topic_queue_nums: 4,
                    queue_id: q.queue_id,
                    born_timestamp: 1,
                    properties: Some(message::format_properties([("WAIT", "true")]).into()),
                    ..Default::default()
                };
                client
                    .send_to(
                        &q.broker_addr,
                        &header,
                        Bytes::from(format!("message {i}")),
                        false,
                        false,
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                stored += 1;
            }
            client.shutdown().await;
            Ok(stored)
        })
    }
}

#[test]
fn topic_create_update_list_route_status_and_delete() {
    let s = Setup::start("cli-topic");

    // New topic: mqadmin's defaults, 8 queues read+write.
    let doc = s.json(&["topic", "create", "-t", "TopicA", "-c", "DefaultCluster"]);
    assert_eq!(doc["topic"], "TopicA");
    let b = &doc["brokers"][0];
    assert_eq!(b["brokerName"], "broker-a");
    assert_eq!(b["status"], "created");
    assert_eq!(
        (&b["readQueueNums"], &b["writeQueueNums"]),
        (&Value::from(8), &Value::from(8))
    );
    assert_eq!(b["permString"], "RW-");
    s.wait_route("TopicA", 8);

    // Again with other queue counts: an update listing old → new.
    let doc = s.json(&[
        "topic",
        "create",
        "-t",
        "TopicA",
        "-c",
        "DefaultCluster",
        "-r",
        "4",
        "-w",
        "4",
    ]);
    let b = &doc["brokers"][0];
    assert_eq!(b["status"], "updated");
    let changes = b["changes"].as_array().unwrap();
    assert!(
        changes.contains(&serde_json::json!({"field": "writeQueueNums", "old": 8, "new": 4})),
        "{changes:?}"
    );
    assert!(
        changes.contains(&serde_json::json!({"field": "readQueueNums", "old": 8, "new": 4})),
        "{changes:?}"
    );
    // The table shows the same change.
    let out = s.run(&[
        "topic", "create", "-t", "TopicA", "-b", "broker-a", "-w", "2",
    ]);
    assert!(out.status.success(), "{}", out.stderr);
    let table = out.stdout;
    assert!(table.contains("writeQueueNums: 4 → 2"), "{table}");
    s.json(&[
        "topic", "create", "-t", "TopicA", "-b", "broker-a", "-w", "4",
    ]);

    // --if-not-exists leaves it alone.
    let doc = s.json(&[
        "topic",
        "create",
        "-t",
        "TopicA",
        "-c",
        "DefaultCluster",
        "-w",
        "16",
        "--if-not-exists",
    ]);
    assert_eq!(doc["brokers"][0]["status"], "exists");
    assert_eq!(doc["brokers"][0]["writeQueueNums"], 4);

    // Route: brokers, addresses, queues and perm as RW-.
    let route = s.wait_route("TopicA", 4);
    let b = &route["brokers"][0];
    assert_eq!(b["brokerName"], "broker-a");
    assert_eq!(b["cluster"], "DefaultCluster");
    assert_eq!(b["readQueueNums"], 4);
    assert_eq!(b["permString"], "RW-");
    assert!(b["brokerAddrs"]["0"].as_str().unwrap().contains(':'));

    // List, plain and per cluster with the consumer groups (a committed offset makes the
    // broker report the group).
    let list = s.json(&["topic", "list"]);
    let names: Vec<&str> = list["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["topic"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"TopicA"), "{names:?}");
    let addr = b["brokerAddrs"]["0"].as_str().unwrap().to_string();
    commit_offset(&s.ns, &addr, "GroupA", "TopicA");
    let detail = s.json(&["topic", "list", "--cluster"]);
    let entry = detail["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["topic"] == "TopicA")
        .expect("TopicA in the detailed listing")
        .clone();
    assert_eq!(entry["cluster"], "DefaultCluster");
    assert_eq!(entry["consumerGroups"], serde_json::json!(["GroupA"]));
    let detail = s.json(&["topic", "list", "-c", "DefaultCluster"]);
    assert!(detail["topics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["topic"] == "TopicA"));

    // Status after a few sends: offsets per queue and the last store time.
    assert_eq!(s.send("TopicA", 6), Ok(6));
    let status = s.json(&["topic", "status", "-t", "TopicA"]);
    let queues = status["queues"].as_array().unwrap();
    assert_eq!(queues.len(), 4, "{status}");
    let total: i64 = queues
        .iter()
        .map(|q| q["maxOffset"].as_i64().unwrap() - q["minOffset"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 6, "{status}");
    let q0 = queues.iter().find(|q| q["queueId"] == 0).unwrap();
    assert_eq!(q0["brokerName"], "broker-a");
    assert!(q0["lastUpdateTimestamp"].as_i64().unwrap() > 0, "{q0}");
    assert!(
        q0["lastUpdateTime"].as_str().unwrap().ends_with('Z'),
        "{q0}"
    );
    let out = s.run(&["topic", "status", "-t", "TopicA"]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stdout.contains("min offset"));

    // Delete: refused without a terminal and without --yes, then done with --yes.
    let out = s.run(&["topic", "delete", "-t", "TopicA", "-c", "DefaultCluster"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr
            .contains("refusing without a terminal; pass --yes to confirm"),
        "{}",
        out.stderr
    );
    s.wait_route("TopicA", 4);
    let doc = s.json(&[
        "topic",
        "delete",
        "-t",
        "TopicA",
        "-c",
        "DefaultCluster",
        "--yes",
    ]);
    assert_eq!(doc["brokers"][0]["deleted"], true);
    assert_eq!(doc["nameServers"][0]["deleted"], true);
    assert_eq!(doc["nameServers"][0]["addr"], s.ns.as_str());
    let out = s.run(&["topic", "route", "-t", "TopicA", "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr.contains(
            "no route for topic TopicA: create it with 'rmq topic create -t TopicA -c CLUSTER'"
        ),
        "{}",
        out.stderr
    );
}

/// Commits offset 1 of `group` on queue 0 of `topic` at the broker.
fn commit_offset(ns: &str, broker_addr: &str, group: &str, topic: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = MqClient::new(
            &[ns.to_string()],
            Duration::from_secs(5),
            SerializeType::Json,
        );
        client
            .update_consumer_offset(broker_addr, group, topic, 0, 1)
            .await
            .expect("offset committed");
        client.shutdown().await;
    });
}

#[test]
fn cluster_list_broker_status_and_config() {
    let s = Setup::start("cli-broker");

    let doc = s.json(&["cluster", "list"]);
    let b = &doc["brokers"][0];
    assert_eq!(b["cluster"], "DefaultCluster");
    assert_eq!(b["brokerName"], "broker-a");
    assert_eq!(b["brokerId"], 0);
    assert_eq!(b["role"], "ASYNC_MASTER");
    assert!(b["version"].as_str().unwrap().starts_with('V'), "{b}");
    assert!(b["inTps"].is_number() && b["outTps"].is_number(), "{b}");
    assert!(b["error"].is_null());
    let addr = b["brokerAddr"].as_str().unwrap().to_string();
    let out = s.run(&["cluster", "list"]);
    assert!(out.stdout.contains("MASTER"));

    // Runtime info, by name and by address.
    let doc = s.json(&["broker", "status", "-b", "broker-a"]);
    let info = &doc["brokers"][0]["runtimeInfo"];
    assert_eq!(doc["brokers"][0]["brokerAddr"], addr.as_str());
    assert!(info["brokerVersionDesc"].is_string(), "{doc}");
    assert!(info.as_object().unwrap().len() > 5, "{doc}");
    let doc = s.json(&["broker", "status", "--broker-addr", &addr, "-k", "putTps"]);
    assert_eq!(doc["brokers"][0]["brokerName"], "broker-a");
    assert_eq!(
        doc["brokers"][0]["runtimeInfo"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["putTps"]
    );

    // Config get with a key filter; set then get shows the new value.
    let doc = s.json(&[
        "broker",
        "config",
        "get",
        "-b",
        "broker-a",
        "-k",
        "brokerName",
    ]);
    assert_eq!(doc["brokers"][0]["config"]["brokerName"], "broker-a");
    assert_eq!(doc["brokers"][0]["config"].as_object().unwrap().len(), 1);
    let doc = s.json(&[
        "broker",
        "config",
        "set",
        "-b",
        "broker-a",
        "-k",
        "flushConsumerOffsetInterval",
        "-v",
        "6000",
    ]);
    assert_eq!(doc["brokers"][0]["status"], "updated", "{doc}");
    assert_eq!(doc["brokers"][0]["new"], "6000");
    let doc = s.json(&[
        "broker",
        "config",
        "get",
        "-c",
        "DefaultCluster",
        "-k",
        "flushConsumerOffsetInterval",
    ]);
    assert_eq!(
        doc["brokers"][0]["config"]["flushConsumerOffsetInterval"],
        "6000"
    );
    // The same value again is no change.
    let doc = s.json(&[
        "broker",
        "config",
        "set",
        "--broker-addr",
        &addr,
        "-k",
        "flushConsumerOffsetInterval",
        "--value",
        "6000",
    ]);
    assert_eq!(doc["brokers"][0]["status"], "unchanged");

    // A misspelt key is an error naming it, not a silent success.
    let out = s.run(&[
        "broker",
        "config",
        "set",
        "-b",
        "broker-a",
        "-k",
        "flushconsumeroffsetinterval",
        "--value",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr
            .contains("flushconsumeroffsetinterval is not a config key"),
        "{}",
        out.stderr
    );
    let out = s.run(&["broker", "config", "get", "-b", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr
            .contains("no broker named nope is registered (known: broker-a)"),
        "{}",
        out.stderr
    );
}

#[test]
fn write_permission_wipe_and_add() {
    let s = Setup::start("cli-perm");
    s.json(&[
        "topic",
        "create",
        "-t",
        "PermTopic",
        "-c",
        "DefaultCluster",
        "-w",
        "2",
    ]);
    s.wait_route("PermTopic", 2);
    assert_eq!(s.send("PermTopic", 2), Ok(2));

    // Wipe asks for confirmation: refused without a terminal.
    let out = s.run(&["broker", "perm", "wipe", "-b", "broker-a"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr
            .contains("refusing without a terminal; pass --yes to confirm"),
        "{}",
        out.stderr
    );
    let route = s.wait_route("PermTopic", 2);
    assert_eq!(route["brokers"][0]["permString"], "RW-");

    let doc = s.json(&["broker", "perm", "wipe", "-b", "broker-a", "--yes"]);
    assert_eq!(doc["brokerName"], "broker-a");
    assert_eq!(doc["writable"], false);
    assert_eq!(doc["nameServers"][0]["addr"], s.ns.as_str());
    assert!(
        doc["nameServers"][0]["topicCount"].as_i64().unwrap() >= 1,
        "{doc}"
    );
    let route = s.json(&["topic", "route", "-t", "PermTopic"]);
    assert_eq!(route["brokers"][0]["permString"], "R--", "{route}");
    assert!(s
        .send("PermTopic", 1)
        .unwrap_err()
        .contains("no writable queue"));

    let doc = s.json(&["broker", "perm", "add", "-b", "broker-a"]);
    assert_eq!(doc["writable"], true);
    assert!(
        doc["nameServers"][0]["topicCount"].as_i64().unwrap() >= 1,
        "{doc}"
    );
    let route = s.json(&["topic", "route", "-t", "PermTopic"]);
    assert_eq!(route["brokers"][0]["permString"], "RW-", "{route}");
    assert_eq!(s.send("PermTopic", 3), Ok(3));
}

#[test]
fn mqadmin_aliases_and_exit_codes() {
    let s = Setup::start("cli-alias");

    // updateTopic with mqadmin's flags (-b is an address there).
    let out = s.run(&["updateTopic", "-t", "T2", "-c", "DefaultCluster"]);
    assert!(out.status.success(), "{}", out.stderr);
    s.wait_route("T2", 8);
    let doc = s.json(&["topicRoute", "-t", "T2"]);
    assert_eq!(doc["brokers"][0]["readQueueNums"], 8);
    let addr = doc["brokers"][0]["brokerAddrs"]["0"]
        .as_str()
        .unwrap()
        .to_string();
    let doc = s.json(&[
        "updateTopic",
        "-t",
        "T2",
        "-b",
        &addr,
        "-w",
        "4",
        "-o",
        "true",
    ]);
    assert_eq!(doc["brokers"][0]["status"], "updated", "{doc}");
    assert_eq!(doc["brokers"][0]["order"], true);
    let doc = s.json(&["topicList"]);
    assert!(doc["topics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["topic"] == "T2"));
    let doc = s.json(&["topicStatus", "-t", "T2"]);
    assert!(!doc["queues"].as_array().unwrap().is_empty());
    let doc = s.json(&["clusterList"]);
    assert_eq!(doc["brokers"][0]["brokerName"], "broker-a");
    let doc = s.json(&["brokerStatus", "-b", &addr]);
    assert!(doc["brokers"][0]["runtimeInfo"]["brokerVersionDesc"].is_string());
    let doc = s.json(&["getBrokerConfig", "-b", &addr]);
    assert_eq!(doc["brokers"][0]["config"]["brokerName"], "broker-a");
    let doc = s.json(&[
        "updateBrokerConfig",
        "-b",
        &addr,
        "-k",
        "flushConsumerOffsetInterval",
        "-v",
        "7000",
    ]);
    assert_eq!(doc["brokers"][0]["new"], "7000");
    let doc = s.json(&["wipeWritePerm", "-b", "broker-a", "--yes"]);
    assert_eq!(doc["writable"], false);
    let doc = s.json(&["addWritePerm", "-b", "broker-a"]);
    assert_eq!(doc["writable"], true);
    let out = s.run(&["deleteTopic", "-t", "T2", "-c", "DefaultCluster"]);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    let doc = s.json(&["deleteTopic", "-t", "T2", "-c", "DefaultCluster", "--yes"]);
    assert_eq!(doc["brokers"][0]["deleted"], true);

    // Usage errors exit 2: no target, a bad topic name, a bad perm.
    let out = s.run(&["topic", "create", "-t", "T3"]);
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    let out = s.run(&["topic", "create", "-t", "bad name", "-c", "DefaultCluster"]);
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    let out = s.run(&[
        "topic",
        "create",
        "-t",
        "T3",
        "-c",
        "DefaultCluster",
        "-p",
        "9",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);

    // Errors exit 1 and say what to do.
    let out = s.run(&["topic", "route", "-t", "NoSuchTopic"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr
            .contains("create it with 'rmq topic create -t NoSuchTopic -c CLUSTER'"),
        "{}",
        out.stderr
    );
    let out = s.run(&["topic", "create", "-t", "T3", "-c", "NoCluster"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr
            .contains("no cluster named NoCluster (known: DefaultCluster)"),
        "{}",
        out.stderr
    );
    let out = rmq(&["cluster", "list"]).run();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.contains("pass -n/--namesrv"), "{}", out.stderr);
}
