//! rmq's own admin and message commands against a real Apache RocketMQ Java cluster, checked
//! from the Java side with mqadmin.
//!
//! The cluster is the Java **4.9.7** name server and broker (Maven Central serves no 4.9.8
//! `rocketmq-namesrv` / `rocketmq-broker`; `common::java_broker_lib()`), the checks run the Java
//! **4.9.8** `mqadmin` (`common::java_lib()`, several commands per JVM). The `rmq` binary talks
//! to the Java name server only (`-n`), as a user would:
//!
//! 1. `cluster list` shows the Java broker (name, address, cluster, role, `V4_9_7`), as
//!    mqadmin `clusterList` does.
//! 2. `topic create -r 4 -w 4` on the cluster: mqadmin `topicRoute` shows 4/4 queues on the
//!    Java broker; `topic route` and `topic status` agree with it and with mqadmin
//!    `topicStatus`.
//! 3. `message send` (tags, keys, a user property, `--queue`, `--count`) next to a message sent
//!    by mqadmin `sendMessage`; `message consume` (pull, a group, `--from earliest`, `--count`,
//!    `--commit`, tag filter, `--queue`/`--from OFFSET`) reads them with their bodies, tags,
//!    keys and ids; `message get --id` (offset id and client id), `--key`, `--offset` find
//!    them, and mqadmin `queryMsgById`, `queryMsgByKey`, `queryMsgByOffset` agree.
//! 4. `group create` (mqadmin `getConsumerConfig` reads its settings back) and `group describe`
//!    (per-queue broker offset, consumer offset, lag) match mqadmin `consumerProgress`.
//! 5. `offset reset --to earliest --dry-run` changes nothing (mqadmin `consumerProgress` before
//!    and after), `--yes` (no consumer online: offsets written directly) moves every queue to
//!    its min offset as mqadmin sees it, and `--from-file` with the rollback file puts the
//!    previous offsets back.
//!
//! One test function: one JVM broker at a time on a small machine.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::java_cluster::{mqadmin, section, JavaBroker, JavaNamesrv};
use common::{rmq, tail_file, temp_dir, Output, TempDir};
use rmq::protocol::fastjson;
use serde_json::Value;

const TOPIC: &str = "JavaAdminTopic";
const GROUP: &str = "java_admin_group";
const BROKER: &str = "broker-a";
const CLUSTER: &str = "DefaultCluster";

// ---------------------------------------------------------------------------------------------
// Harness

struct Ctx {
    client_lib: PathBuf,
    /// Files whose tails are printed when the test fails (name, path).
    logs: Vec<(String, PathBuf)>,
    mqadmin_runs: std::cell::Cell<usize>,
    broker: Option<JavaBroker>,
    namesrv: Option<JavaNamesrv>,
    // Dropped last (fields drop in declaration order), after the logs were printed and the
    // JVMs killed.
    dir: TempDir,
}

impl Ctx {
    /// The Java name server and broker up, or `None` (test skipped) without the Java jars,
    /// unless RMQ_REQUIRE_JAVA=1.
    fn start() -> Option<Ctx> {
        let client_lib = common::java_lib()?;
        let broker_lib = common::java_broker_lib()?;
        let mut ctx = Ctx {
            client_lib,
            logs: Vec::new(),
            mqadmin_runs: Default::default(),
            broker: None,
            namesrv: None,
            dir: temp_dir("java-admin"),
        };
        let namesrv = JavaNamesrv::start(&broker_lib, &ctx.dir.path().join("namesrv"));
        ctx.watch("Java name server", namesrv.log_files());
        let broker = JavaBroker::start(
            &broker_lib,
            &ctx.dir.path().join("broker"),
            &ctx.dir.path().join("store"),
            &namesrv.addr,
        );
        ctx.watch("Java broker", broker.log_files());
        ctx.namesrv = Some(namesrv);
        ctx.broker = Some(broker);
        Some(ctx)
    }

    fn watch(&mut self, who: &str, files: Vec<(&'static str, PathBuf)>) {
        self.logs
            .extend(files.into_iter().map(|(n, p)| (format!("{who}: {n}"), p)));
    }

    fn ns(&self) -> &str {
        &self.namesrv.as_ref().unwrap().addr
    }

    fn broker_addr(&self) -> &str {
        &self.broker.as_ref().unwrap().addr
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `rmq ARGS -n <Java name server>`, in the test directory (where a default rollback file
    /// would land), without a terminal.
    fn rmq(&self, args: &[&str]) -> Output {
        rmq(args).namesrv(self.ns()).current_dir(self.path()).run()
    }

    /// `rmq ARGS`, which must succeed; its stdout as one JSON document.
    fn json(&self, args: &[&str]) -> Value {
        self.rmq(args).json()
    }

    /// Runs mqadmin `commands` in one JVM; each command's output. A command whose output holds
    /// a Java exception (mqadmin prints the stack trace and exits 0) fails the test.
    fn mqadmin(&self, commands: &[&[&str]]) -> Vec<String> {
        let n = self.mqadmin_runs.get();
        self.mqadmin_runs.set(n + 1);
        let dir = self.path().join(format!("mqadmin-{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        let started = Instant::now();
        let (sections, transcript) = mqadmin(&self.client_lib, &dir, self.ns(), commands);
        eprintln!(
            "mqadmin ({:.1} s): {}",
            started.elapsed().as_secs_f64(),
            commands.iter().map(|c| c[0]).collect::<Vec<_>>().join(", ")
        );
        commands
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let out = section(&sections, i, c[0]);
                assert!(
                    !out.contains("Exception"),
                    "mqadmin {c:?} failed:\n{out}\n--- whole run ---\n{transcript}"
                );
                out.to_string()
            })
            .collect()
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for (name, path) in &self.logs {
                eprintln!(
                    "----- {name} ({}), last lines:\n{}",
                    path.display(),
                    tail_file(path, 40)
                );
            }
        }
    }
}

fn array(v: &Value) -> &Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a JSON array, got {v}"))
}

/// mqadmin's `Field: value` lines (queryMsgById, queryMsgByOffset).
fn field<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no '{name}:' line in:\n{out}"))
}

/// One queue of mqadmin `consumerProgress`: (broker offset, consumer offset, diff).
type Progress = BTreeMap<i32, (i64, i64, i64)>;

/// The rows of [`TOPIC`] in mqadmin `consumerProgress` output
/// (`#Topic #Broker Name #QID #Broker Offset #Consumer Offset #Diff #LastTime`), and its
/// "Diff Total".
fn java_progress(out: &str) -> (Progress, i64) {
    let mut rows = Progress::new();
    for line in out.lines().filter(|l| l.starts_with(&format!("{TOPIC} "))) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert!(f.len() >= 6, "consumerProgress row {line:?}");
        assert_eq!(f[1], BROKER, "{line}");
        let num = |i: usize| -> i64 { f[i].parse().unwrap() };
        rows.insert(f[2].parse().unwrap(), (num(3), num(4), num(5)));
    }
    let total = out
        .lines()
        .find_map(|l| l.strip_prefix("Diff Total:"))
        .unwrap_or_else(|| panic!("no 'Diff Total:' in:\n{out}"))
        .trim()
        .parse()
        .unwrap();
    (rows, total)
}

/// The same numbers from `rmq group describe -o json` (lag for diff), [`TOPIC`] only, and the
/// total lag.
fn rmq_progress(v: &Value) -> (Progress, i64) {
    let mut rows = Progress::new();
    for q in array(&v["queues"]) {
        if q["topic"] == TOPIC {
            assert_eq!(q["brokerName"], BROKER, "{q}");
            rows.insert(
                q["queueId"].as_i64().unwrap() as i32,
                (
                    q["brokerOffset"].as_i64().unwrap(),
                    q["consumerOffset"].as_i64().unwrap(),
                    q["lag"].as_i64().unwrap(),
                ),
            );
        }
    }
    (rows, v["totals"]["lag"].as_i64().unwrap())
}

fn print_progress(what: &str, out: &str) {
    eprintln!("mqadmin consumerProgress -g {GROUP} ({what}):");
    for l in out.lines().filter(|l| !l.trim().is_empty()) {
        eprintln!("  {}", l.trim_end());
    }
}

/// A message the test sent.
#[derive(Clone, Debug)]
struct Sent {
    queue_id: i64,
    queue_offset: i64,
    tag: String,
    keys: String,
    body: String,
    /// The client id (UNIQ_KEY).
    msg_id: String,
    /// Store host + CommitLog offset; unknown for mqadmin's send (its output has the client id
    /// only).
    offset_msg_id: Option<String>,
}

/// The messages of a `message consume|get -o json` answer as (queue id, queue offset) →
/// message, checked against what was sent (bodies, tags, keys, ids, topic, store host).
fn check_messages(ctx: &Ctx, what: &str, got: &Value, want: &[&Sent]) {
    let got = array(got);
    let mut seen = BTreeSet::new();
    for m in got {
        let key = (
            m["queueId"].as_i64().unwrap(),
            m["queueOffset"].as_i64().unwrap(),
        );
        assert!(seen.insert(key), "{what}: {key:?} twice");
        let s = want
            .iter()
            .find(|s| (s.queue_id, s.queue_offset) == key)
            .unwrap_or_else(|| panic!("{what}: unexpected message {m}"));
        assert_eq!(m["topic"], TOPIC, "{what}: {m}");
        assert_eq!(m["brokerName"], BROKER, "{what}: {m}");
        assert_eq!(m["storeHost"], ctx.broker_addr(), "{what}: {m}");
        assert_eq!(m["body"], s.body.as_str(), "{what}: {m}");
        assert_eq!(m["properties"]["TAGS"], s.tag.as_str(), "{what}: {m}");
        assert_eq!(m["properties"]["KEYS"], s.keys.as_str(), "{what}: {m}");
        assert_eq!(m["msgId"], s.msg_id.as_str(), "{what}: {m}");
        assert_eq!(
            m["properties"]["UNIQ_KEY"],
            s.msg_id.as_str(),
            "{what}: {m}"
        );
        if let Some(id) = &s.offset_msg_id {
            assert_eq!(m["offsetMsgId"], id.as_str(), "{what}: {m}");
        }
    }
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: got {} messages, want {}",
        got.len(),
        want.len()
    );
    eprintln!("  {what}: the {} expected messages", got.len());
}

// ---------------------------------------------------------------------------------------------

#[test]
fn rmq_admin_commands_against_java_cluster() {
    let Some(ctx) = Ctx::start() else {
        return;
    };
    let started = Instant::now();
    let broker_addr = ctx.broker_addr().to_string();

    eprintln!("== cluster list");
    // The broker registers before it prints its boot line, but for about a second after that
    // 4.9.7 answers GET_BROKER_RUNTIME_INFO with SYSTEM_ERROR (NoSuchElementException in
    // StoreStatsService.getPutTps: no TPS sample taken yet); `cluster list` then shows the
    // broker with that error and no version (so does mqadmin clusterList). Bounded retry.
    let deadline = Instant::now() + Duration::from_secs(15);
    let brokers = loop {
        let v = ctx.json(&["cluster", "list", "-o", "json"]);
        let brokers = array(&v["brokers"]).clone();
        let ready = brokers.iter().all(|b| b["version"].is_string());
        if (!brokers.is_empty() && ready) || Instant::now() > deadline {
            break brokers;
        }
        for b in brokers.iter().filter(|b| !b["error"].is_null()) {
            eprintln!("  (not ready yet: {})", b["error"]);
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(brokers.len(), 1, "{brokers:?}");
    let b = &brokers[0];
    assert_eq!(b["cluster"], CLUSTER, "{b}");
    assert_eq!(b["brokerName"], BROKER, "{b}");
    assert_eq!(b["brokerId"], 0, "{b}");
    assert_eq!(b["brokerAddr"], broker_addr.as_str(), "{b}");
    assert_eq!(b["role"], "ASYNC_MASTER", "{b}");
    assert_eq!(b["version"], "V4_9_7", "{b}");
    assert_eq!(b["error"], Value::Null, "{b}");
    eprintln!("  rmq cluster list: {b}");

    eprintln!("== topic create / route / status, group create");
    let v = ctx.json(&[
        "topic", "create", "-t", TOPIC, "-c", CLUSTER, "-r", "4", "-w", "4", "-o", "json",
    ]);
    let created = &array(&v["brokers"])[..];
    assert_eq!(created.len(), 1, "{v}");
    assert_eq!(created[0]["status"], "created", "{v}");
    assert_eq!(created[0]["brokerName"], BROKER, "{v}");
    assert_eq!(created[0]["brokerAddr"], broker_addr.as_str(), "{v}");
    assert_eq!(
        (&created[0]["readQueueNums"], &created[0]["writeQueueNums"]),
        (&Value::from(4), &Value::from(4)),
        "{v}"
    );
    let route = ctx.json(&["topic", "route", "-t", TOPIC, "-o", "json"]);
    let rb = &array(&route["brokers"])[..];
    assert_eq!(rb.len(), 1, "{route}");
    assert_eq!(rb[0]["brokerName"], BROKER, "{route}");
    assert_eq!(rb[0]["cluster"], CLUSTER, "{route}");
    assert_eq!(rb[0]["brokerAddrs"]["0"], broker_addr.as_str(), "{route}");
    assert_eq!(
        (
            &rb[0]["readQueueNums"],
            &rb[0]["writeQueueNums"],
            &rb[0]["perm"]
        ),
        (&Value::from(4), &Value::from(4), &Value::from(6)),
        "{route}"
    );
    let status = ctx.json(&["topic", "status", "-t", TOPIC, "-o", "json"]);
    let queues: Vec<(i64, i64, i64)> = array(&status["queues"])
        .iter()
        .map(|q| {
            assert_eq!(q["brokerName"], BROKER, "{q}");
            (
                q["queueId"].as_i64().unwrap(),
                q["minOffset"].as_i64().unwrap(),
                q["maxOffset"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(queues, [(0, 0, 0), (1, 0, 0), (2, 0, 0), (3, 0, 0)]);
    assert!(array(&status["errors"]).is_empty(), "{status}");
    let v = ctx.json(&[
        "group",
        "create",
        "-g",
        GROUP,
        "-c",
        CLUSTER,
        "--max-retries",
        "3",
        "--broadcast",
        "false",
        "-o",
        "json",
    ]);
    let g = &array(&v["brokers"])[0];
    assert_eq!(
        (&g["brokerName"], &g["action"], &g["ok"]),
        (
            &Value::from(BROKER),
            &Value::from("created"),
            &Value::from(true)
        ),
        "{v}"
    );

    let out = ctx.mqadmin(&[
        &["clusterList"],
        &["topicRoute", "-t", TOPIC],
        &["getConsumerConfig", "-g", GROUP],
        &[
            "sendMessage",
            "-t",
            TOPIC,
            "-p",
            "java-body",
            "-c",
            "TagJ",
            "-k",
            "jkey",
            "-b",
            BROKER,
            "-i",
            "3",
        ],
    ]);
    let row = out[0]
        .lines()
        .find(|l| l.starts_with(CLUSTER))
        .unwrap_or_else(|| panic!("clusterList has no {CLUSTER} row:\n{}", out[0]));
    let f: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        &f[..5],
        [CLUSTER, BROKER, "0", broker_addr.as_str(), "V4_9_7"],
        "{row}"
    );
    eprintln!("  mqadmin clusterList: {row}");
    // fastjson output (bare integer map keys): read with rmq's fastjson reader.
    let jroute = fastjson::parse(out[1].trim().as_bytes())
        .unwrap_or_else(|e| panic!("mqadmin topicRoute output: {e}\n{}", out[1]));
    let qd = &array(&jroute["queueDatas"])[..];
    assert_eq!(qd.len(), 1, "{jroute}");
    assert_eq!(qd[0]["brokerName"], BROKER, "{jroute}");
    assert_eq!(
        (
            &qd[0]["readQueueNums"],
            &qd[0]["writeQueueNums"],
            &qd[0]["perm"]
        ),
        (&Value::from(4), &Value::from(4), &Value::from(6)),
        "{jroute}"
    );
    let bd = &array(&jroute["brokerDatas"])[..];
    assert_eq!(bd.len(), 1, "{jroute}");
    assert_eq!(bd[0]["cluster"], CLUSTER, "{jroute}");
    assert_eq!(bd[0]["brokerAddrs"]["0"], broker_addr.as_str(), "{jroute}");
    // rmq's route is the name server's: the same queue data and broker data as mqadmin's.
    for k in ["readQueueNums", "writeQueueNums", "perm", "topicSysFlag"] {
        assert_eq!(rb[0][k], qd[0][k], "{k}: rmq {route} / mqadmin {jroute}");
    }
    eprintln!(
        "  mqadmin topicRoute: {BROKER} at {broker_addr}, read/write queues {}/{}, perm {}",
        qd[0]["readQueueNums"], qd[0]["writeQueueNums"], qd[0]["perm"]
    );
    let config: BTreeMap<&str, &str> = out[2]
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    assert_eq!(config.get("groupName"), Some(&GROUP), "{}", out[2]);
    assert_eq!(config.get("retryMaxTimes"), Some(&"3"), "{}", out[2]);
    assert_eq!(
        config.get("consumeBroadcastEnable"),
        Some(&"false"),
        "{}",
        out[2]
    );
    assert_eq!(config.get("consumeEnable"), Some(&"true"), "{}", out[2]);
    eprintln!("  mqadmin getConsumerConfig: {GROUP} as rmq group create wrote it");
    let row = out[3]
        .lines()
        .find(|l| l.starts_with(BROKER))
        .unwrap_or_else(|| panic!("sendMessage printed no result:\n{}", out[3]));
    let f: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&f[1..3], ["3", "SEND_OK"], "{row}");
    let java_sent = Sent {
        queue_id: 3,
        queue_offset: 0,
        tag: "TagJ".into(),
        keys: "jkey".into(),
        body: "java-body".into(),
        msg_id: f[3].to_string(),
        offset_msg_id: None,
    };

    eprintln!("== message send");
    let mut sent: Vec<Sent> = Vec::new();
    let sends: [(&str, &str, &str, &[&str]); 4] = [
        ("body-a0", "TagA", "order-1", &["--queue", "0"]),
        ("body-b0", "TagB", "order-2", &["--queue", "0"]),
        (
            "body-a1",
            "TagA",
            "batch-key",
            &["--queue", "1", "--count", "3"],
        ),
        (
            "body-b2",
            "TagB",
            "order-3 shared",
            &["--queue", "2", "--property", "color=red"],
        ),
    ];
    for (body, tag, keys, extra) in sends {
        let mut args = vec![
            "message", "send", "-t", TOPIC, "--tags", tag, "-o", "json", body,
        ];
        for k in keys.split(' ') {
            args.extend(["-k", k]);
        }
        args.extend_from_slice(extra);
        let v = ctx.json(&args);
        for r in array(&v) {
            assert_eq!(r["status"], "SEND_OK", "{r}");
            assert_eq!(r["brokerName"], BROKER, "{r}");
            assert_eq!(r["brokerAddr"], broker_addr.as_str(), "{r}");
            sent.push(Sent {
                queue_id: r["queueId"].as_i64().unwrap(),
                queue_offset: r["queueOffset"].as_i64().unwrap(),
                tag: tag.into(),
                keys: keys.into(),
                body: body.into(),
                msg_id: r["msgId"].as_str().unwrap().to_string(),
                offset_msg_id: Some(r["offsetMsgId"].as_str().unwrap().to_string()),
            });
        }
    }
    let placed: Vec<(i64, i64)> = sent.iter().map(|s| (s.queue_id, s.queue_offset)).collect();
    assert_eq!(placed, [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 0)]);
    sent.push(java_sent.clone());
    let all: Vec<&Sent> = sent.iter().collect();
    let by_body = |b: &str| sent.iter().find(|s| s.body == b).unwrap();
    let max_offsets = [2, 3, 1, 1];
    eprintln!(
        "  {} messages sent (rmq: 6 over queues 0-2, mqadmin sendMessage: 1 to queue 3)",
        sent.len()
    );
    let status = ctx.json(&["topic", "status", "-t", TOPIC, "-o", "json"]);
    let max: Vec<i64> = array(&status["queues"])
        .iter()
        .map(|q| {
            assert!(q["lastUpdateTimestamp"].as_i64().unwrap() > 0, "{q}");
            q["maxOffset"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(max, max_offsets, "rmq topic status max offsets");

    eprintln!("== message consume");
    let out = ctx.rmq(&[
        "message", "consume", "-t", TOPIC, "-g", GROUP, "--from", "earliest", "--count", "7",
        "--commit", "-o", "json",
    ]);
    assert!(out.status.success(), "{}", out.stderr);
    let got: Value = serde_json::from_str(&out.stdout).unwrap();
    check_messages(&ctx, "consume --from earliest --commit", &got, &all);
    let color = array(&got).iter().find(|m| m["body"] == "body-b2").unwrap();
    assert_eq!(color["properties"]["color"], "red", "{color}");
    let committed = &out.stderr;
    assert!(
        committed.contains(&format!("committed offsets of group {GROUP}")),
        "{committed}"
    );
    eprintln!("  {}", committed.trim());
    let again = ctx.json(&["message", "consume", "-t", TOPIC, "-g", GROUP, "-o", "json"]);
    check_messages(&ctx, "consume from the committed offsets", &again, &[]);
    let tag_b = ctx.json(&[
        "message",
        "consume",
        "-t",
        TOPIC,
        "--tag",
        "TagB || TagJ",
        "--from",
        "earliest",
        "-o",
        "json",
    ]);
    let want: Vec<&Sent> = all.iter().copied().filter(|s| s.tag != "TagA").collect();
    check_messages(&ctx, "consume --tag 'TagB || TagJ'", &tag_b, &want);
    let one = ctx.json(&[
        "message", "consume", "-t", TOPIC, "--queue", "1", "--from", "1", "--count", "1", "-o",
        "json",
    ]);
    let want: Vec<&Sent> = all
        .iter()
        .copied()
        .filter(|s| (s.queue_id, s.queue_offset) == (1, 1))
        .collect();
    check_messages(&ctx, "consume --queue 1 --from 1 --count 1", &one, &want);

    eprintln!("== message get");
    let b0 = by_body("body-b0");
    let b0_offset_id = b0.offset_msg_id.clone().unwrap();
    let v = ctx.json(&["message", "get", "--id", &b0_offset_id, "-o", "json"]);
    check_messages(&ctx, "get --id <offset id>", &v, &[b0]);
    let b2 = by_body("body-b2");
    let v = ctx.json(&[
        "message", "get", "--id", &b2.msg_id, "-t", TOPIC, "-o", "json",
    ]);
    check_messages(&ctx, "get --id <client id> -t", &v, &[b2]);
    let v = ctx.json(&[
        "message",
        "get",
        "--id",
        &java_sent.msg_id,
        "-t",
        TOPIC,
        "-o",
        "json",
    ]);
    check_messages(&ctx, "get --id <mqadmin's client id> -t", &v, &[&java_sent]);
    let v = ctx.json(&[
        "message", "get", "--key", "shared", "-t", TOPIC, "-o", "json",
    ]);
    check_messages(&ctx, "get --key shared", &v, &[b2]);
    let batch: Vec<&Sent> = all
        .iter()
        .copied()
        .filter(|s| s.keys == "batch-key")
        .collect();
    let v = ctx.json(&[
        "message",
        "get",
        "--key",
        "batch-key",
        "-t",
        TOPIC,
        "-o",
        "json",
    ]);
    check_messages(&ctx, "get --key batch-key", &v, &batch);
    let v = ctx.json(&["message", "get", "--key", "jkey", "-t", TOPIC, "-o", "json"]);
    check_messages(&ctx, "get --key jkey", &v, &[&java_sent]);
    let v = ctx.json(&[
        "message", "get", "-t", TOPIC, "--queue", "1", "--offset", "2", "-o", "json",
    ]);
    check_messages(&ctx, "get --queue 1 --offset 2", &v, &[batch[2]]);

    eprintln!("== group describe and mqadmin consumerProgress");
    let describe = ctx.json(&["group", "describe", "-g", GROUP, "-o", "json"]);
    let (rmq_before, rmq_lag) = rmq_progress(&describe);
    let consumed: Progress = (0..4)
        .map(|q| (q, (max_offsets[q as usize], max_offsets[q as usize], 0)))
        .collect();
    assert_eq!(rmq_before, consumed, "rmq group describe after --commit");
    assert_eq!(rmq_lag, 0);
    assert_eq!(describe["online"], false, "{describe}");
    // mqadmin consumerProgress starts from the route of the group's retry topic, which the
    // broker creates when a consumer of the group sends its first heartbeat. rmq's pulls
    // register no consumer, so the topic is created here as that heartbeat would (1 queue, RW).
    let retry = format!("%RETRY%{GROUP}");
    let v = ctx.json(&[
        "topic", "create", "-t", &retry, "-c", CLUSTER, "-r", "1", "-w", "1", "-o", "json",
    ]);
    assert_eq!(array(&v["brokers"])[0]["status"], "created", "{v}");
    let out = ctx.mqadmin(&[
        &["queryMsgById", "-i", &b0_offset_id],
        &["queryMsgByKey", "-t", TOPIC, "-k", "batch-key"],
        &[
            "queryMsgByOffset",
            "-t",
            TOPIC,
            "-b",
            BROKER,
            "-i",
            "1",
            "-o",
            "2",
        ],
        &["topicStatus", "-t", TOPIC],
        &["consumerProgress", "-g", GROUP],
    ]);
    // queryMsgById: the message rmq sent, found by its offset id.
    let q = &out[0];
    assert_eq!(field(q, "OffsetID"), b0_offset_id, "{q}");
    assert_eq!(field(q, "Topic"), TOPIC, "{q}");
    assert_eq!(field(q, "Tags"), "[TagB]", "{q}");
    assert_eq!(field(q, "Keys"), "[order-2]", "{q}");
    assert_eq!(field(q, "Queue ID"), "0", "{q}");
    assert_eq!(field(q, "Queue Offset"), "1", "{q}");
    assert_eq!(field(q, "Store Host"), broker_addr, "{q}");
    assert!(
        field(q, "Properties").contains(&format!("UNIQ_KEY={}", b0.msg_id)),
        "{q}"
    );
    // mqadmin writes the body to a file of its own choosing (/tmp/rocketmq/msgbodys/<id>).
    let body_path = field(q, "Message Body Path");
    match std::fs::read_to_string(body_path) {
        Ok(body) => assert_eq!(body, "body-b0", "{body_path}"),
        Err(e) => eprintln!("  (body file {body_path} not readable: {e})"),
    }
    eprintln!("  mqadmin queryMsgById {b0_offset_id}: topic, tags, keys, queue, offset, body");
    // queryMsgByKey: the three messages of the key, by client id, queue and offset.
    let rows: BTreeSet<(String, i64, i64)> = out[1]
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 3, "queryMsgByKey row {l:?}");
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
            )
        })
        .collect();
    let want: BTreeSet<(String, i64, i64)> = batch
        .iter()
        .map(|s| (s.msg_id.clone(), s.queue_id, s.queue_offset))
        .collect();
    assert_eq!(rows, want, "mqadmin queryMsgByKey batch-key:\n{}", out[1]);
    eprintln!("  mqadmin queryMsgByKey batch-key: {rows:?}");
    let q = &out[2];
    assert_eq!(
        Some(field(q, "OffsetID")),
        batch[2].offset_msg_id.as_deref(),
        "{q}"
    );
    assert_eq!(field(q, "Queue Offset"), "2", "{q}");
    assert_eq!(field(q, "Tags"), "[TagA]", "{q}");
    eprintln!("  mqadmin queryMsgByOffset queue 1 offset 2: the same message as rmq get");
    let java_status: Vec<(i64, i64, i64)> = out[3]
        .lines()
        .filter(|l| l.starts_with(BROKER))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect();
    let rmq_status: Vec<(i64, i64, i64)> = array(&status["queues"])
        .iter()
        .map(|q| {
            (
                q["queueId"].as_i64().unwrap(),
                q["minOffset"].as_i64().unwrap(),
                q["maxOffset"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(java_status, rmq_status, "mqadmin topicStatus:\n{}", out[3]);
    eprintln!("  mqadmin topicStatus = rmq topic status: {rmq_status:?}");
    print_progress("after rmq message consume --commit", &out[4]);
    let (java_before, java_lag) = java_progress(&out[4]);
    assert_eq!(java_before, rmq_before, "mqadmin consumerProgress vs rmq");
    assert_eq!(java_lag, rmq_lag);

    eprintln!("== offset reset --to earliest --dry-run");
    let dry = ctx.json(&[
        "offset",
        "reset",
        "-g",
        GROUP,
        "-t",
        TOPIC,
        "--to",
        "earliest",
        "--dry-run",
        "-o",
        "json",
    ]);
    assert_eq!(dry["dryRun"], true, "{dry}");
    assert_eq!(dry["mode"], Value::Null, "{dry}");
    assert_eq!(dry["rollbackFile"], Value::Null, "{dry}");
    for q in array(&dry["queues"]) {
        let id = q["queueId"].as_i64().unwrap() as usize;
        assert_eq!(q["currentOffset"], max_offsets[id], "{q}");
        assert_eq!(q["targetOffset"], 0, "{q}");
        assert_eq!(q["minOffset"], 0, "{q}");
        assert_eq!(q["mode"], Value::Null, "{q}");
    }
    assert_eq!(dry["totals"]["replay"], 7, "{dry}");
    let out = ctx.mqadmin(&[&["consumerProgress", "-g", GROUP]]);
    print_progress("after the dry run", &out[0]);
    assert_eq!(
        java_progress(&out[0]),
        (java_before.clone(), java_lag),
        "the dry run changed offsets"
    );
    let stray: Vec<_> = std::fs::read_dir(ctx.path())
        .unwrap()
        .map_while(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("rmq-offset"))
        .collect();
    assert!(
        stray.is_empty(),
        "the dry run wrote a rollback file: {stray:?}"
    );

    eprintln!("== offset reset --to earliest --yes (no consumer online)");
    let rollback = ctx.path().join("rollback.json");
    let done = ctx.json(&[
        "offset",
        "reset",
        "-g",
        GROUP,
        "-t",
        TOPIC,
        "--to",
        "earliest",
        "--yes",
        "--rollback-file",
        rollback.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(done["dryRun"], false, "{done}");
    assert_eq!(done["mode"], "offline", "{done}");
    for q in array(&done["queues"]) {
        assert_eq!(q["targetOffset"], 0, "{q}");
        assert_eq!(q["readBackOffset"], 0, "{q}");
        assert_eq!(q["verified"], true, "{q}");
    }
    for n in array(&done["notes"]) {
        eprintln!("  rmq note: {n}");
    }
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&rollback).unwrap()).unwrap();
    assert_eq!(saved["group"], GROUP);
    assert_eq!(saved["topic"], TOPIC);
    let saved_offsets: Vec<(i64, i64)> = array(&saved["queues"])
        .iter()
        .map(|q| {
            (
                q["queueId"].as_i64().unwrap(),
                q["offset"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(saved_offsets, [(0, 2), (1, 3), (2, 1), (3, 1)], "{saved}");
    let out = ctx.mqadmin(&[&["consumerProgress", "-g", GROUP]]);
    print_progress("after the reset to earliest", &out[0]);
    let earliest: Progress = (0..4)
        .map(|q| {
            let m = max_offsets[q as usize];
            (q, (m, 0, m))
        })
        .collect();
    assert_eq!(
        java_progress(&out[0]),
        (earliest.clone(), 7),
        "consumer offsets at the earliest (min offset 0) as mqadmin sees them"
    );
    let describe = ctx.json(&["group", "describe", "-g", GROUP, "-o", "json"]);
    assert_eq!(rmq_progress(&describe), (earliest, 7), "rmq group describe");
    // The group reads everything again from its committed offsets.
    let replay = ctx.json(&[
        "message", "consume", "-t", TOPIC, "-g", GROUP, "--count", "7", "-o", "json",
    ]);
    check_messages(&ctx, "consume after the reset", &replay, &all);

    eprintln!("== offset reset --from-file (rollback)");
    let restored = ctx.json(&[
        "offset",
        "reset",
        "--from-file",
        rollback.to_str().unwrap(),
        "--yes",
        "--rollback-file",
        ctx.path().join("rollback-2.json").to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(restored["mode"], "offline", "{restored}");
    for q in array(&restored["queues"]) {
        let id = q["queueId"].as_i64().unwrap() as usize;
        assert_eq!(q["targetOffset"], max_offsets[id], "{q}");
        assert_eq!(q["verified"], true, "{q}");
    }
    let out = ctx.mqadmin(&[&["consumerProgress", "-g", GROUP]]);
    print_progress("after --from-file", &out[0]);
    assert_eq!(
        java_progress(&out[0]),
        (java_before, java_lag),
        "offsets restored from the rollback file"
    );

    eprintln!(
        "rmq_admin_commands_against_java_cluster: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
