//! `rmq message|group|offset` run as the real binary against real `rmq namesrv` + `rmq broker`
//! daemons: sends (argument, @file, stdin, --count, tags/keys/properties, --queue,
//! --sharding-key, oneway), consumes (tag filters, --count, --commit, --follow, ndjson fields),
//! lookups by offset id, client id, key and queue offset, id decoding, the group lifecycle with
//! lag numbers, and offset resets (dry run, offline execution, verification, rollback).

mod common;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{rmq, Cluster, Output, Spawned};
use serde_json::Value;

/// What these tests add to the harness's cluster.
trait Messages {
    fn json_eventually(&self, args: &[&str]) -> Value;
    fn wait_messages(&self, topic: &str, n: usize) -> Vec<Value>;
}

impl Messages for Cluster {
    /// Retries a command until it succeeds (the broker registers with the name server and
    /// auto-created topics reach it a moment after start); at most 10 s.
    fn json_eventually(&self, args: &[&str]) -> Value {
        self.cli(args).run_until_ok(Duration::from_secs(10)).json()
    }

    /// Waits (bounded) until `topic` has a route and holds `n` messages (an auto-created
    /// topic's route and oneway sends arrive a moment later).
    fn wait_messages(&self, topic: &str, n: usize) -> Vec<Value> {
        let args = [
            "message", "consume", "-t", topic, "--from", "earliest", "-o", "json",
        ];
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = self.rmq(&args);
            let done = Instant::now() > deadline;
            if out.status.success() || done {
                let all = array(out.json());
                if all.len() >= n || done {
                    assert_eq!(all.len(), n, "messages of {topic}");
                    return all;
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        other => panic!("expected a JSON array, got {other}"),
    }
}

fn bodies(messages: &[Value]) -> BTreeSet<String> {
    messages
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect()
}

fn is_hex_id(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Java `String.hashCode()`.
fn java_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

fn exit_code(out: &Output) -> Option<i32> {
    out.status.code()
}

#[test]
fn send_consume_get_and_decode() {
    let c = Cluster::start("msg");
    let t = "CliMsgTopic";

    // First send: waits for the broker to register; the topic is auto-created (4 queues).
    let sent = array(c.json_eventually(&[
        "message",
        "send",
        "-t",
        t,
        "hello",
        "--tags",
        "TagA",
        "-k",
        "key-1",
        "--property",
        "color=red",
        "--property",
        "size=L",
        "-o",
        "json",
    ]));
    assert_eq!(sent.len(), 1);
    let hello = &sent[0];
    assert!(is_hex_id(&hello["msgId"]), "{hello}");
    assert!(is_hex_id(&hello["offsetMsgId"]), "{hello}");
    assert_ne!(hello["msgId"], hello["offsetMsgId"]);
    assert_eq!(hello["status"], "SEND_OK");
    assert_eq!(hello["brokerName"], "broker-a");
    assert_eq!(hello["topic"], t);
    // The route of the new topic reaches the name server right after creation.
    c.wait_messages(t, 1);

    // Body from a file and from stdin.
    let file = c.path().join("body.txt");
    std::fs::write(&file, "from-file").unwrap();
    let at_file = format!("@{}", file.display());
    let s = array(c.json(&[
        "message", "send", "-t", t, &at_file, "--tags", "TagB", "-o", "json",
    ]));
    assert_eq!(s[0]["status"], "SEND_OK");
    let out = c
        .cli(&[
            "message", "send", "-t", t, "-", "--tags", "TagC", "-o", "json",
        ])
        .stdin("from-stdin")
        .run();
    assert_eq!(array(out.json())[0]["status"], "SEND_OK");

    // --count: distinct ids, round robin over the queues.
    let many = array(c.json(&[
        "message", "send", "-t", t, "many", "--count", "3", "--tags", "TagB", "-o", "json",
    ]));
    assert_eq!(many.len(), 3);
    let ids: BTreeSet<&str> = many.iter().map(|m| m["msgId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "unique client ids");
    let queues: BTreeSet<i64> = many
        .iter()
        .map(|m| m["queueId"].as_i64().unwrap())
        .collect();
    assert_eq!(queues.len(), 3, "round robin: {many:?}");

    // --queue and --sharding-key (Java's SelectMessageQueueByHash over 4 queues).
    let q2 = array(c.json(&[
        "message", "send", "-t", t, "q2", "--queue", "2", "-o", "json",
    ]));
    assert_eq!(q2[0]["queueId"], 2);
    let expected = i64::from((java_hash("order-7") % 4).abs());
    for _ in 0..2 {
        let ordered = array(c.json(&[
            "message",
            "send",
            "-t",
            t,
            "ordered",
            "--sharding-key",
            "order-7",
            "--count",
            "2",
            "-o",
            "json",
        ]));
        for m in &ordered {
            assert_eq!(m["queueId"], expected, "{m}");
        }
    }

    // Oneway: no answer, so no offset id; the message still arrives.
    let oneway = array(c.json(&[
        "message", "send", "-t", t, "oneway", "--mode", "oneway", "--tags", "TagD", "-o", "json",
    ]));
    assert_eq!(oneway[0]["status"], "ONEWAY");
    assert!(oneway[0]["offsetMsgId"].is_null());
    assert!(is_hex_id(&oneway[0]["msgId"]));

    // 1 + 1 + 1 + 3 + 1 + 4 + 1 messages.
    let all = c.wait_messages(t, 12);
    let b = bodies(&all);
    for expected in [
        "hello",
        "from-file",
        "from-stdin",
        "many",
        "q2",
        "ordered",
        "oneway",
    ] {
        assert!(b.contains(expected), "{expected} in {b:?}");
    }

    // Tag filter: only TagA and TagC.
    let filtered = array(c.json(&[
        "message",
        "consume",
        "-t",
        t,
        "--tag",
        "TagA || TagC",
        "-o",
        "json",
    ]));
    assert_eq!(
        bodies(&filtered),
        BTreeSet::from(["hello".into(), "from-stdin".into()])
    );
    for m in &filtered {
        let tag = m["properties"]["TAGS"].as_str().unwrap();
        assert!(tag == "TagA" || tag == "TagC", "{m}");
    }

    // --count, ndjson and the MessageExt field names.
    let out = c.rmq(&[
        "message", "consume", "-t", t, "--count", "2", "-o", "ndjson",
    ]);
    let lines = out.ndjson();
    assert_eq!(lines.len(), 2);
    for m in &lines {
        for field in [
            "msgId",
            "offsetMsgId",
            "topic",
            "queueId",
            "queueOffset",
            "commitLogOffset",
            "storeSize",
            "bodyCRC",
            "sysFlag",
            "flag",
            "bornTimestamp",
            "bornHost",
            "storeTimestamp",
            "storeHost",
            "reconsumeTimes",
            "preparedTransactionOffset",
            "properties",
            "body",
        ] {
            assert!(!m[field].is_null(), "{field} missing in {m}");
        }
        assert!(m["properties"].is_object());
    }
    // --body none leaves the body out.
    let out = c.rmq(&[
        "message", "consume", "-t", t, "--count", "1", "-o", "ndjson", "--body", "none",
    ]);
    assert!(out.ndjson()[0].get("body").is_none());

    // The stored hello: properties as sent, client id as msgId.
    let stored = all.iter().find(|m| m["body"] == "hello").unwrap();
    assert_eq!(stored["msgId"], hello["msgId"]);
    assert_eq!(stored["offsetMsgId"], hello["offsetMsgId"]);
    assert_eq!(stored["properties"]["color"], "red");
    assert_eq!(stored["properties"]["size"], "L");
    assert_eq!(stored["properties"]["KEYS"], "key-1");
    assert_eq!(stored["properties"]["UNIQ_KEY"], hello["msgId"]);

    // get: by offset id, by client id (needs -t), by key, by queue offset.
    let offset_id = hello["offsetMsgId"].as_str().unwrap();
    let by_offset_id = array(c.json(&["message", "get", "--id", offset_id, "-o", "json"]));
    assert_eq!(by_offset_id.len(), 1);
    assert_eq!(by_offset_id[0]["body"], "hello");
    assert_eq!(
        by_offset_id[0]["commitLogOffset"],
        stored["commitLogOffset"]
    );
    let client_id = hello["msgId"].as_str().unwrap();
    let by_client_id = array(c.json(&[
        "message", "get", "--id", client_id, "-t", t, "-o", "json", "--body", "hex",
    ]));
    assert_eq!(by_client_id[0]["body"], "68656c6c6f", "hex of hello");
    let out = c.rmq(&["message", "get", "--id", client_id]);
    assert_eq!(exit_code(&out), Some(1), "a client id needs -t");
    assert!(out.stderr.contains("-t"), "{}", out.stderr);
    let by_key = array(c.json(&["message", "get", "--key", "key-1", "-t", t, "-o", "json"]));
    assert_eq!(by_key.len(), 1);
    assert_eq!(by_key[0]["msgId"], hello["msgId"]);
    let queue_id = stored["queueId"].to_string();
    let queue_offset = stored["queueOffset"].to_string();
    let by_queue_offset = array(c.json(&[
        "message",
        "get",
        "--offset",
        &queue_offset,
        "-t",
        t,
        "--queue",
        &queue_id,
        "-b",
        "broker-a",
        "-o",
        "json",
    ]));
    assert_eq!(by_queue_offset[0]["offsetMsgId"], hello["offsetMsgId"]);
    let out = c.rmq(&["message", "get", "--offset", "999", "-t", t, "--queue", "0"]);
    assert_eq!(exit_code(&out), Some(1), "no message there");
    // mqadmin's name for the same lookup.
    let alias = array(c.json(&["queryMsgByKey", "--key", "key-1", "-t", t, "-o", "json"]));
    assert_eq!(alias[0]["msgId"], hello["msgId"]);

    // decode-id: both kinds.
    let decoded = array(rmq(&["message", "decode-id", offset_id, client_id, "-o", "json"]).json());
    assert_eq!(decoded[0]["likely"], "offset");
    assert_eq!(decoded[0]["offsetId"]["port"], c.broker().port());
    assert_eq!(decoded[0]["offsetId"]["ip"], "127.0.0.1");
    assert_eq!(
        decoded[0]["offsetId"]["commitLogOffset"],
        stored["commitLogOffset"]
    );
    assert_eq!(decoded[1]["likely"], "client");
    assert_eq!(decoded[1]["clientId"]["ip"], "127.0.0.1");
    let born = stored["bornTimestamp"].as_i64().unwrap();
    let decoded_time = decoded[1]["clientId"]["timestamp"].as_i64().unwrap();
    assert!(
        (decoded_time - born).abs() < 5_000,
        "{decoded_time} vs {born}"
    );
    let out = rmq(&["message", "decode-id", "not-an-id"]).run();
    assert_eq!(exit_code(&out), Some(1));

    // Usage errors exit 2.
    assert_eq!(
        exit_code(&c.rmq(&["message", "send", "-t", t])),
        Some(2),
        "no body"
    );
    assert_eq!(
        exit_code(&c.rmq(&["message", "consume", "-t", t, "--follow", "-o", "json"])),
        Some(2)
    );
    assert_eq!(
        exit_code(&c.rmq(&["message", "send", "-t", t, "x", "--property", "TAGS=x"])),
        Some(2)
    );
}

#[test]
fn consume_commits_and_follows() {
    let c = Cluster::start("follow");
    let t = "CliFollowTopic";
    let sent = array(c.json_eventually(&[
        "message", "send", "-t", t, "m", "--count", "6", "-o", "json",
    ]));
    assert_eq!(sent.len(), 6);
    c.wait_messages(t, 6);

    // --commit: a second read of the group continues after the first.
    let first = array(c.json(&[
        "message", "consume", "-t", t, "-g", "GC", "--count", "4", "--commit", "-o", "json",
    ]));
    assert_eq!(first.len(), 4);
    let second = array(c.json(&["message", "consume", "-t", t, "-g", "GC", "-o", "json"]));
    assert_eq!(second.len(), 2, "{second:?}");
    let key = |m: &Value| {
        (
            m["queueId"].as_i64().unwrap(),
            m["queueOffset"].as_i64().unwrap(),
        )
    };
    let a: BTreeSet<_> = first.iter().map(key).collect();
    let b: BTreeSet<_> = second.iter().map(key).collect();
    assert!(a.is_disjoint(&b));
    assert_eq!(a.len() + b.len(), 6);
    // Without --commit the group does not move.
    let again = array(c.json(&["message", "consume", "-t", t, "-g", "GC", "-o", "json"]));
    assert_eq!(again.len(), 2);
    assert_eq!(
        exit_code(&c.rmq(&["message", "consume", "-t", t, "--commit"])),
        Some(2),
        "--commit needs -g"
    );

    // --follow: a message sent while the read waits arrives through long polling.
    let mut child = Spawned::spawn(
        c.cli(&[
            "message", "consume", "-t", t, "-g", "GF", "--from", "latest", "--follow", "--count",
            "1", "-o", "ndjson",
        ])
        .command()
        .stdin(Stdio::null())
        .stderr(Stdio::null()),
    );
    // Let it find the latest offsets and park its long polls.
    std::thread::sleep(Duration::from_secs(2));
    let late = array(c.json(&["message", "send", "-t", t, "late", "-o", "json"]));
    let line = child
        .wait_line(Duration::from_secs(20), |_| true)
        .expect("--follow printed nothing within 20 s");
    let m: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(m["body"], "late");
    assert_eq!(m["msgId"], late[0]["msgId"]);
    let status = child
        .wait_bounded(Duration::from_secs(10))
        .expect("--follow --count 1 did not exit after its message");
    assert!(status.success());
}

#[test]
fn group_lifecycle() {
    let c = Cluster::start("group");
    let t = "CliGroupTopic";
    // The broker must be registered before the cluster has masters.
    let created = c.json_eventually(&[
        "group",
        "create",
        "-g",
        "GL",
        "-c",
        "DefaultCluster",
        "--retry-queues",
        "3",
        "--max-retries",
        "7",
        "-o",
        "json",
    ]);
    assert_eq!(created["brokers"][0]["action"], "created");
    assert_eq!(created["brokers"][0]["ok"], true);
    // An update keeps what is not given.
    let updated = c.json(&[
        "group",
        "create",
        "-g",
        "GL",
        "-b",
        "broker-a",
        "--broadcast",
        "false",
        "-o",
        "json",
    ]);
    assert_eq!(updated["brokers"][0]["action"], "updated");
    assert_eq!(updated["brokers"][0]["config"]["retryQueueNums"], 3);

    let listed = c.json(&["group", "list", "-o", "json"]);
    let gl = listed["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["groupName"] == "GL")
        .unwrap_or_else(|| panic!("GL in {listed}"))
        .clone();
    assert_eq!(gl["retryQueueNums"], 3);
    assert_eq!(gl["retryMaxTimes"], 7);
    assert_eq!(gl["consumeEnable"], true);
    assert_eq!(gl["consumeBroadcastEnable"], false);
    assert_eq!(gl["brokerName"], "broker-a");

    // Progress after a commit: 5 messages, 2 consumed.
    array(c.json_eventually(&[
        "message", "send", "-t", t, "p", "--count", "5", "-o", "json",
    ]));
    c.wait_messages(t, 5);
    let read = array(c.json(&[
        "message", "consume", "-t", t, "-g", "GL", "--count", "2", "--commit", "-o", "json",
    ]));
    assert_eq!(read.len(), 2);
    let progress = c.json(&["group", "describe", "-g", "GL", "-o", "json"]);
    assert_eq!(progress["totals"]["brokerOffset"], 5, "{progress}");
    assert_eq!(progress["totals"]["consumerOffset"], 2, "{progress}");
    assert_eq!(progress["totals"]["lag"], 3, "{progress}");
    let queues = progress["queues"].as_array().unwrap();
    assert_eq!(queues.len(), 4);
    let lag_sum: i64 = queues.iter().map(|q| q["lag"].as_i64().unwrap()).sum();
    assert_eq!(lag_sum, 3);
    assert_eq!(progress["online"], false);
    assert_eq!(progress["connections"], Value::Array(Vec::new()));
    // mqadmin's name, table output.
    let out = c.rmq(&["consumerProgress", "-g", "GL"]);
    assert!(out.status.success());
    assert!(out.stdout.contains("Lag"), "{}", out.stdout);

    // Delete: refused without --yes when there is no terminal, done with it.
    let out = c.rmq(&["group", "delete", "-g", "GL", "-c", "DefaultCluster"]);
    assert_eq!(exit_code(&out), Some(1));
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    let still = c.json(&["group", "list", "-o", "json"]);
    assert!(still["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["groupName"] == "GL"));
    let deleted = c.json(&[
        "group",
        "delete",
        "-g",
        "GL",
        "-c",
        "DefaultCluster",
        "--yes",
        "-o",
        "json",
    ]);
    assert_eq!(deleted["brokers"][0]["deleted"], true);
    let after = c.json(&["group", "list", "-o", "json"]);
    assert!(!after["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["groupName"] == "GL"));

    // Usage errors.
    assert_eq!(
        exit_code(&c.rmq(&["group", "create", "-g", "X"])),
        Some(2),
        "no -c/-b"
    );
    assert_eq!(
        exit_code(&c.rmq(&["group", "describe", "-g", "NoSuchGroup"])),
        Some(1)
    );
}

#[test]
fn offset_reset_dry_run_execute_and_rollback() {
    let c = Cluster::start("reset");
    let t = "CliResetTopic";
    array(c.json_eventually(&[
        "message", "send", "-t", t, "r", "--count", "8", "-o", "json",
    ]));
    c.wait_messages(t, 8);
    let read = array(c.json(&[
        "message", "consume", "-t", t, "-g", "GR", "--commit", "-o", "json",
    ]));
    assert_eq!(read.len(), 8);
    let lag = |c: &Cluster| {
        c.json(&["group", "describe", "-g", "GR", "-o", "json"])["totals"]["lag"].clone()
    };
    assert_eq!(lag(&c), 0);

    // Dry run: current → target per queue, replay counts, nothing changes.
    let plan = c.json(&[
        "offset",
        "reset",
        "-g",
        "GR",
        "-t",
        t,
        "--to",
        "earliest",
        "--dry-run",
        "-o",
        "json",
    ]);
    assert_eq!(plan["dryRun"], true);
    assert_eq!(plan["totals"]["replay"], 8, "{plan}");
    for q in plan["queues"].as_array().unwrap() {
        assert_eq!(q["currentOffset"], q["maxOffset"], "{q}");
        assert_eq!(q["targetOffset"], 0, "{q}");
        assert!(q["mode"].is_null());
    }
    assert!(plan["rollbackFile"].is_null());
    assert_eq!(lag(&c), 0, "a dry run changes nothing");
    let out = c.rmq(&[
        "offset",
        "reset",
        "-g",
        "GR",
        "-t",
        t,
        "--to",
        "earliest",
        "--dry-run",
    ]);
    assert!(out.stdout.contains(" → 0"), "{}", out.stdout);

    // Without --yes and without a terminal: refused, unchanged.
    let out = c.rmq(&["offset", "reset", "-g", "GR", "-t", t, "--to", "earliest"]);
    assert_eq!(exit_code(&out), Some(1));
    assert_eq!(lag(&c), 0);
    assert_eq!(
        exit_code(&c.rmq(&[
            "offset",
            "reset",
            "-g",
            "GR",
            "-t",
            t,
            "--to",
            "yesterday-ish"
        ])),
        Some(2)
    );

    // Execute (no consumer online: offsets written directly), verified by reading back.
    let rollback = c.path().join("rollback.json");
    let rb = rollback.to_str().unwrap();
    let done = c.json(&[
        "offset",
        "reset",
        "-g",
        "GR",
        "-t",
        t,
        "--to",
        "earliest",
        "--yes",
        "--rollback-file",
        rb,
        "-o",
        "json",
    ]);
    assert_eq!(done["mode"], "offline", "{done}");
    assert_eq!(done["rollbackFile"], rb);
    for q in done["queues"].as_array().unwrap() {
        assert_eq!(q["verified"], true, "{q}");
        assert_eq!(q["readBackOffset"], 0, "{q}");
    }
    assert_eq!(lag(&c), 8);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&rollback).unwrap()).unwrap();
    assert_eq!(saved["group"], "GR");
    assert_eq!(saved["queues"].as_array().unwrap().len(), 4);
    // A rollback file is never overwritten.
    let out = c.rmq(&[
        "offset",
        "reset",
        "-g",
        "GR",
        "-t",
        t,
        "--to",
        "latest",
        "--yes",
        "--rollback-file",
        rb,
    ]);
    assert_eq!(exit_code(&out), Some(1));
    assert_eq!(lag(&c), 8);

    // The rollback file restores the previous offsets.
    let undo = c.path().join("undo.json");
    let restored = c.json(&[
        "offset",
        "reset",
        "--from-file",
        rb,
        "--yes",
        "--rollback-file",
        undo.to_str().unwrap(),
        "-o",
        "json",
    ]);
    for q in restored["queues"].as_array().unwrap() {
        assert_eq!(q["verified"], true, "{q}");
        assert_eq!(q["readBackOffset"], q["maxOffset"], "{q}");
    }
    assert_eq!(lag(&c), 0);
    // And the restore's own rollback file goes back to earliest.
    c.json(&[
        "offset",
        "reset",
        "--from-file",
        undo.to_str().unwrap(),
        "--yes",
        "--rollback-file",
        c.path().join("undo2.json").to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(lag(&c), 8);
}
