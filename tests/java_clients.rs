//! The real Apache RocketMQ 4.9.8 Java client against `rmq namesrv` + `rmq broker` daemons, the
//! acceptance list of the daemons: sync, async, oneway and batch sends with tags, keys and user
//! properties; a tag-filtered push consumer that gets exactly the matching messages with their
//! ids and fields intact, in all four wire formats ({JSON, ROCKETMQ} headers × {SEND_MESSAGE_V2,
//! SEND_MESSAGE}); a lite pull consumer; an orderly consumer fed through a MessageQueueSelector;
//! committed offsets across a broker restart; two brokers with two name servers, and a broker
//! leaving the routes when it stops; transactions (commit, rollback, check-back,
//! transactionCheckMax, broker restarts) compared with the Java 4.9.7 broker.
//!
//! tests/java/ClientProbe.java prints one JSON object per sent ("SEND") and received ("RECV")
//! message; the checks here compare the two field by field. Several probe commands run in one
//! JVM (separated by `--`) because each JVM start costs seconds of CPU.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use common::java_cluster::{JavaBroker, JavaNamesrv};
use common::{poll, rmq, run_bounded, Cluster, Daemon};
use serde_json::Value;

/// One finished run of tests/java/ClientProbe.java.
struct Probe {
    args: Vec<String>,
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
    client_log: PathBuf,
}

impl Probe {
    /// Runs the probe with `jvm_args` (system properties) and `args` (probe commands), its
    /// client log under `dir`; bounded: a JVM still running after two minutes is killed.
    fn run(lib: &Path, dir: &Path, jvm_args: &[&str], args: &[&str]) -> Probe {
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let log_root = dir.join(format!("java-{n}"));
        std::fs::create_dir_all(&log_root).unwrap();
        let mut jvm: Vec<String> = vec![
            // Cheaper JVM start-up on the shared 2 cores: no C2 compiler, no parallel GC threads.
            "-XX:TieredStopAtLevel=1".into(),
            "-XX:+UseSerialGC".into(),
            format!("-Drocketmq.client.logRoot={}", log_root.display()),
        ];
        jvm.extend(jvm_args.iter().map(|s| s.to_string()));
        let mut cmd = common::java_program_with(lib, "ClientProbe", &jvm);
        cmd.args(args);
        let done = run_bounded(&mut cmd, None, Duration::from_secs(120));
        eprintln!(
            "ClientProbe {} ({jvm_args:?}): {:.1} s",
            args.first().copied().unwrap_or_default(),
            done.elapsed.as_secs_f64()
        );
        Probe {
            args: args.iter().map(|s| s.to_string()).collect(),
            status: done.status,
            stdout: done.stdout_text(),
            stderr: done.stderr_text(),
            client_log: log_root.join("rocketmq_client.log"),
        }
    }

    fn ok(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// The JSON objects of the stdout lines `<prefix> {...}`, in order.
    fn json_lines(&self, prefix: &str) -> Vec<Value> {
        self.stdout
            .lines()
            .filter_map(|l| l.strip_prefix(prefix)?.strip_prefix(' '))
            .map(|j| {
                serde_json::from_str(j).unwrap_or_else(|e| panic!("{e} in {j}\n{}", self.report()))
            })
            .collect()
    }

    fn sent(&self) -> Vec<Value> {
        self.json_lines("SEND")
    }

    fn received(&self) -> Vec<Value> {
        self.json_lines("RECV")
    }

    /// The numbers of the `<prefix> <n>` lines (one per probe command), in order.
    fn counts(&self, prefix: &str) -> Vec<usize> {
        self.stdout
            .lines()
            .filter_map(|l| l.strip_prefix(prefix)?.strip_prefix(' ')?.parse().ok())
            .collect()
    }

    /// What the probe's RPC hook saw: `{"requests": {"code/SERIALIZE": n}, "responses": {...}}`.
    fn rpc(&self) -> Value {
        self.json_lines("RPC")
            .pop()
            .unwrap_or_else(|| serde_json::json!({"requests": {}, "responses": {}}))
    }

    /// Everything needed to tell what went wrong: the command, exit status, stdout, stderr and
    /// the warnings and errors of the Java client's log.
    fn report(&self) -> String {
        let log = std::fs::read_to_string(&self.client_log).unwrap_or_default();
        // Keep WARN/ERROR entries and their stack traces (continuation lines have no level).
        let mut keep = false;
        let mut problems = Vec::new();
        for line in log.lines() {
            let level = line.split_whitespace().nth(2);
            if matches!(level, Some("INFO" | "DEBUG" | "WARN" | "ERROR" | "TRACE"))
                && line.starts_with("20")
            {
                keep = matches!(level, Some("WARN" | "ERROR"));
            }
            if keep {
                problems.push(line);
            }
        }
        let tail = problems.len().saturating_sub(80);
        format!(
            "--- ClientProbe {:?}: {}\n--- stdout:\n{}\n--- stderr:\n{}\n--- client log warnings:\n{}\n",
            self.args,
            match self.status {
                Some(s) => s.to_string(),
                None => "killed after 120 s".into(),
            },
            self.stdout,
            self.stderr,
            problems[tail..].join("\n")
        )
    }
}

/// The probe's report plus the daemons' stderr, for failure messages.
fn why(probe: &Probe, daemons: &[&Daemon]) -> String {
    let mut s = probe.report();
    for d in daemons {
        s += &format!("--- daemon {} stderr:\n{}\n", d.addr, d.stderr());
    }
    s
}

fn str_of<'a>(v: &'a Value, field: &str) -> Option<&'a str> {
    v.get(field).and_then(Value::as_str)
}

/// `host:port` of the store host encoded in an offset message id (IPv4: 4 bytes of address, 4
/// of port, 8 of commit log offset, in hex).
fn store_host(offset_msg_id: &str) -> Option<String> {
    if offset_msg_id.len() != 32 || !offset_msg_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&offset_msg_id[i * 2..i * 2 + 2], 16).unwrap();
    let port = u32::from_str_radix(&offset_msg_id[8..16], 16).unwrap();
    Some(format!(
        "{}.{}.{}.{}:{port}",
        byte(0),
        byte(1),
        byte(2),
        byte(3)
    ))
}

/// Problems with the producer side: every message accepted (`SEND_OK`, msgId = its UNIQ_KEY, an
/// offsetMsgId naming the broker that stored it), unique ids, a batch's messages one after the
/// other in one queue with one offsetMsgId each. `brokers`: broker name → address.
fn check_sent(sent: &[Value], brokers: &BTreeMap<&str, &str>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids = BTreeSet::new();
    let mut batch_queue = None;
    let mut batch_offset: Option<u64> = None;
    for s in sent {
        let uniq = str_of(s, "uniqKey").unwrap_or_default();
        if uniq.is_empty() || !ids.insert(uniq.to_string()) {
            problems.push(format!("missing or repeated UNIQ_KEY: {}", clip(s)));
        }
        if s["mode"] == "oneway" {
            continue;
        }
        if s["status"] != "SEND_OK" {
            problems.push(format!("not SEND_OK: {}", clip(s)));
        }
        if str_of(s, "msgId") != Some(uniq) {
            problems.push(format!(
                "SendResult msgId is not the message's UNIQ_KEY: {}",
                clip(s)
            ));
        }
        let broker = str_of(s, "brokerName").unwrap_or_default();
        match str_of(s, "offsetMsgId").and_then(store_host) {
            Some(host) if brokers.get(broker) == Some(&host.as_str()) => {}
            other => problems.push(format!(
                "offsetMsgId should encode the store host of {broker} ({:?}), decodes to {other:?}: {}",
                brokers.get(broker),
                clip(s)
            )),
        }
        if s["mode"] == "batch" {
            if s["batchOffsetMsgIds"]
                != serde_json::json!(sent.iter().filter(|m| m["mode"] == "batch").count())
            {
                problems.push(format!(
                    "a batch's SendResult offsetMsgId should list one id per message: {}",
                    clip(s)
                ));
            }
            let (queue, offset) = (s["queueId"].as_u64(), s["queueOffset"].as_u64());
            if batch_queue.is_some_and(|q| Some(q) != queue)
                || batch_offset.is_some_and(|o| Some(o + 1) != offset)
            {
                problems.push(format!("batch not contiguous in one queue: {}", clip(s)));
            }
            batch_queue = queue;
            batch_offset = offset;
        }
    }
    problems
}

/// Problems with what a consumer got: exactly `expected` (by id, no duplicates), each with the
/// id (msgId = the producer's UNIQ_KEY), offsetMsgId, broker, queue, offset, topic, tags, keys,
/// body and user properties its producer printed, never redelivered. `brokers`: broker name →
/// address that stored the messages.
fn check_received(
    expected: &[&Value],
    received: &[Value],
    brokers: &BTreeMap<&str, &str>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let by_id: HashMap<&str, &Value> = expected
        .iter()
        .map(|s| (str_of(s, "uniqKey").unwrap_or_default(), *s))
        .collect();
    let mut seen = BTreeSet::new();
    for r in received {
        let id = str_of(r, "msgId").unwrap_or_default();
        if !seen.insert(id) {
            problems.push(format!("received twice: {id}"));
            continue;
        }
        let Some(s) = by_id.get(id) else {
            problems.push(format!(
                "received a message it should not have: {}",
                clip(r)
            ));
            continue;
        };
        for field in ["uniqKey", "topic", "tags", "keys", "body", "props"] {
            if r[field] != s[field] {
                problems.push(format!(
                    "{id}: {field} sent {} but received {} ({} vs {} JSON characters)",
                    clip(&s[field]),
                    clip(&r[field]),
                    s[field].to_string().len(),
                    r[field].to_string().len()
                ));
            }
        }
        // Oneway sends have no SendResult: nothing to compare the position with.
        if s["mode"] != "oneway" {
            for field in ["offsetMsgId", "brokerName", "queueId", "queueOffset"] {
                if r[field] != s[field] {
                    problems.push(format!(
                        "{id}: {field} sent {} but received {}",
                        s[field], r[field]
                    ));
                }
            }
        }
        let broker = str_of(r, "brokerName").unwrap_or_default();
        let host = str_of(r, "offsetMsgId").and_then(store_host);
        if host.as_deref() != brokers.get(broker).copied() {
            problems.push(format!(
                "{id}: received offsetMsgId should encode {broker}'s store host {:?}, decodes to {host:?}",
                brokers.get(broker)
            ));
        }
        if r["reconsumeTimes"] != 0 {
            problems.push(format!("{id}: redelivered: {}", clip(r)));
        }
    }
    for id in by_id.keys() {
        if !seen.contains(id) {
            problems.push(format!("never received: {}", clip(by_id[id])));
        }
    }
    problems
}

/// `v` as JSON, cut to 300 characters (message 0's body alone is 6000).
fn clip(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s,
    }
}

/// The route of `topic` as name server `ns` has it: broker name → (master address, read
/// queues, write queues); `Err` with the CLI's message where it has no route.
fn route(ns: &str, topic: &str) -> Result<BTreeMap<String, (String, u64, u64)>, String> {
    let v = rmq(&["topic", "route", "-n", ns, "-t", topic, "-o", "json"])
        .run()
        .try_json()?;
    Ok(v["brokers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            (
                str_of(b, "brokerName").unwrap_or_default().to_string(),
                (
                    b["brokerAddrs"]["0"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    b["readQueueNums"].as_u64().unwrap_or_default(),
                    b["writeQueueNums"].as_u64().unwrap_or_default(),
                ),
            )
        })
        .collect())
}

/// The brokers name server `ns` lists in its cluster table: broker name → master address.
fn cluster(ns: &str) -> Result<BTreeMap<String, String>, String> {
    let v = rmq(&["cluster", "list", "-n", ns, "-o", "json"])
        .run()
        .try_json()?;
    Ok(v["brokers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["brokerId"] == 0)
        .map(|b| {
            (
                str_of(b, "brokerName").unwrap_or_default().to_string(),
                str_of(b, "brokerAddr").unwrap_or_default().to_string(),
            )
        })
        .collect())
}

/// Java's `String.hashCode`, which the probe's MessageQueueSelector uses.
fn java_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

#[test]
fn java_send_modes_and_tag_filtered_push_in_all_four_wire_formats() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let cluster = Cluster::start("jc-matrix");
    let (ns, broker) = (cluster.namesrv(), cluster.broker());
    let brokers = BTreeMap::from([("broker-a", broker.addr.as_str())]);
    let started = Instant::now();
    let mut failures = Vec::new();
    for (serialize, smart) in [
        ("JSON", true),
        ("JSON", false),
        ("ROCKETMQ", true),
        ("ROCKETMQ", false),
    ] {
        let topic = format!("Matrix_{serialize}_{smart}");
        let group = format!("matrix_{serialize}_{smart}");
        // 3 messages per mode, tags round-robin over TagA, TagB, TagC by global index: the
        // consumer's `TagA || TagB` matches the indices not ≡ 2 (mod 3), 8 of 12.
        let (per_mode, modes) = (3, ["sync", "async", "oneway", "batch"]);
        let expect = (0..per_mode * modes.len()).filter(|i| i % 3 != 2).count();
        let probe = Probe::run(
            &lib,
            cluster.path(),
            &[
                &format!("-Drocketmq.serialize.type={serialize}"),
                &format!("-Dorg.apache.rocketmq.client.sendSmartMsg={smart}"),
            ],
            &[
                "config",
                "--",
                "send",
                &ns.addr,
                &topic,
                &per_mode.to_string(),
                "TagA,TagB,TagC",
                &modes.join(","),
                "--",
                "consume",
                &ns.addr,
                &topic,
                &group,
                "TagA || TagB",
                &expect.to_string(),
                "40",
            ],
        );
        let mut problems = Vec::new();
        if !probe.ok() {
            problems.push("the JVM failed".to_string());
        }
        let config = probe.json_lines("CONFIG");
        if config.first()
            != Some(
                &serde_json::json!({"serializeType": serialize, "sendSmartMsg": smart.to_string()}),
            )
        {
            problems.push(format!("the JVM did not take the settings: {config:?}"));
        }
        let sent = probe.sent();
        if sent.len() != per_mode * modes.len() || probe.counts("PRODUCED") != [sent.len()] {
            problems.push(format!("sent {} messages", sent.len()));
        }
        problems.extend(check_sent(&sent, &brokers));
        let wanted: Vec<&Value> = sent
            .iter()
            .filter(|s| s["tags"] == "TagA" || s["tags"] == "TagB")
            .collect();
        problems.extend(check_received(&wanted, &probe.received(), &brokers));
        // The wire formats really used: the send request code (SEND_MESSAGE 10 without smart
        // messages, SEND_MESSAGE_V2 310 with, batches always SEND_BATCH_MESSAGE 320), pulls
        // (11), and every response the hook saw in the client's header serialization.
        let rpc = probe.rpc();
        let (send_code, other_code) = if smart { (310, 10) } else { (10, 310) };
        for code in [send_code, 320, 11, 105] {
            if rpc["requests"][format!("{code}/{serialize}")]
                .as_u64()
                .unwrap_or(0)
                == 0
            {
                problems.push(format!("no request {code} in {serialize}: {rpc}"));
            }
        }
        let requests = rpc["requests"].as_object().cloned().unwrap_or_default();
        if requests
            .keys()
            .any(|k| k.starts_with(&format!("{other_code}/")))
        {
            problems.push(format!("request code {other_code} used: {rpc}"));
        }
        let responses = rpc["responses"].as_object().cloned().unwrap_or_default();
        if responses.is_empty()
            || responses
                .keys()
                .any(|k| !k.ends_with(&format!("/{serialize}")))
        {
            problems.push(format!("responses not all in {serialize}: {rpc}"));
        }
        if problems.is_empty() {
            eprintln!(
                "{serialize} × {}: sent {}, received the {expect} matching, {rpc}",
                if smart {
                    "SEND_MESSAGE_V2"
                } else {
                    "SEND_MESSAGE"
                },
                sent.len()
            );
        } else {
            failures.push(format!(
                "=== {serialize}, sendSmartMsg={smart}:\n{}\n{}",
                problems.join("\n"),
                probe.report()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n--- broker stderr:\n{}\n--- namesrv stderr:\n{}",
        failures.join("\n"),
        broker.stderr(),
        ns.stderr()
    );
    eprintln!("matrix: {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn java_lite_pull_and_orderly_consumers() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let cluster = Cluster::start("jc-order");
    let (ns, broker) = (cluster.namesrv(), cluster.broker());
    let brokers = BTreeMap::from([("broker-a", broker.addr.as_str())]);
    // An explicit 4-queue topic, as one sets up ordered messaging; the selector picks
    // hash(key) mod 4. These keys land on all four queues, two of them shared by two keys.
    let keys: Vec<String> = (0..6).map(|i| format!("order-{i}")).collect();
    let queue_of = |k: &str| java_hash(k).rem_euclid(4) as u64;
    let queues: BTreeSet<u64> = keys.iter().map(|k| queue_of(k)).collect();
    assert!(queues.len() > 2, "the keys should spread: {queues:?}");
    let run = rmq(&[
        "topic",
        "create",
        "-n",
        &ns.addr,
        "-c",
        "DefaultCluster",
        "-t",
        "Ordered",
        "-w",
        "4",
        "-r",
        "4",
    ])
    .run();
    let (ok, out, err) = (run.success(), &run.stdout, &run.stderr);
    assert!(ok, "topic create: {out}{err}\n{}", broker.stderr());
    let per_key = 6;
    let probe = Probe::run(
        &lib,
        cluster.path(),
        &[],
        &[
            // Lite pull consumer: tag TagB out of a sync + batch mix (indices 1 and 3).
            "send",
            &ns.addr,
            "LiteTopic",
            "2",
            "TagA,TagB",
            "sync,batch",
            "--",
            "pull",
            &ns.addr,
            "LiteTopic",
            "lite_group",
            "TagB",
            "2",
            "30",
            "--",
            "ordered",
            &ns.addr,
            "Ordered",
            &keys.join(","),
            &per_key.to_string(),
            "--",
            "orderly",
            &ns.addr,
            "Ordered",
            "orderly_group",
            "*",
            &(per_key * keys.len()).to_string(),
            "40",
        ],
    );
    let ctx = || why(&probe, &[broker, ns]);
    assert!(probe.ok(), "{}", ctx());
    let sent = probe.sent();
    let received = probe.received();
    let (lite_sent, ordered_sent): (Vec<&Value>, Vec<&Value>) =
        sent.iter().partition(|s| s["topic"] == "LiteTopic");
    let (lite_recv, ordered_recv): (Vec<Value>, Vec<Value>) = received
        .iter()
        .cloned()
        .partition(|r| r["topic"] == "LiteTopic");
    assert_eq!(
        probe.counts("PRODUCED"),
        [4, per_key * keys.len()],
        "{}",
        ctx()
    );

    let mut problems = check_sent(
        &lite_sent.iter().map(|v| (*v).clone()).collect::<Vec<_>>(),
        &brokers,
    );
    let wanted: Vec<&Value> = lite_sent
        .iter()
        .copied()
        .filter(|s| s["tags"] == "TagB")
        .collect();
    problems.extend(check_received(&wanted, &lite_recv, &brokers));
    assert!(
        problems.is_empty(),
        "lite pull consumer:\n{}\n{}",
        problems.join("\n"),
        ctx()
    );

    // Orderly: every key's messages went to queue hash(key) mod 4, and its consumer saw them
    // in the order they were sent (the listener runs one queue at a time, so the stdout order
    // within a queue is the consumption order).
    let ordered_sent: Vec<Value> = ordered_sent.into_iter().cloned().collect();
    let mut problems = check_sent(&ordered_sent, &brokers);
    let all: Vec<&Value> = ordered_sent.iter().collect();
    problems.extend(check_received(&all, &ordered_recv, &brokers));
    for key in &keys {
        let sent_queues: BTreeSet<u64> = ordered_sent
            .iter()
            .filter(|s| s["keys"] == key.as_str())
            .filter_map(|s| s["queueId"].as_u64())
            .collect();
        if sent_queues != BTreeSet::from([queue_of(key)]) {
            problems.push(format!(
                "{key}: the selector should have picked queue {}, SendResults say {sent_queues:?}",
                queue_of(key)
            ));
        }
        let seqs: Vec<&str> = ordered_recv
            .iter()
            .filter(|r| r["keys"] == key.as_str())
            .filter_map(|r| r["props"]["seq"].as_str())
            .collect();
        let want: Vec<String> = (0..per_key).map(|i| i.to_string()).collect();
        if seqs != want {
            problems.push(format!("{key}: consumed in the order {seqs:?}"));
        }
    }
    // The orderly service must have locked its queues on the broker (LOCK_BATCH_MQ 41).
    if probe.rpc()["requests"]["41/JSON"].as_u64().unwrap_or(0) == 0 {
        problems.push(format!("no LOCK_BATCH_MQ: {}", probe.rpc()));
    }
    assert!(
        problems.is_empty(),
        "orderly consumer:\n{}\n{}",
        problems.join("\n"),
        ctx()
    );
    eprintln!(
        "lite pull: {} of {} (TagB); orderly: {} messages of {} keys in order on queues {queues:?}",
        lite_recv.len(),
        lite_sent.len(),
        ordered_recv.len(),
        keys.len()
    );
}

#[test]
fn java_consumer_offsets_survive_a_broker_restart() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let mut cluster = Cluster::start("jc-restart");
    let dir = cluster.path().to_path_buf();
    let (ns, broker) = (&cluster.namesrvs[0], &mut cluster.brokers[0]);
    let first_addr = broker.addr.clone();
    // Group G consumes the first 6 messages; its shutdown commits the offsets. Then 4 more.
    let first = Probe::run(
        &lib,
        &dir,
        &[],
        &[
            "send",
            &ns.addr,
            "Restart",
            "6",
            "TagA",
            "sync",
            "--",
            "consume",
            &ns.addr,
            "Restart",
            "restart_group",
            "*",
            "6",
            "40",
            "--",
            "send",
            &ns.addr,
            "Restart",
            "4",
            "TagA",
            "async",
        ],
    );
    let brokers = BTreeMap::from([("broker-a", first_addr.as_str())]);
    let sent = first.sent();
    let mut problems = check_sent(&sent, &brokers);
    if !first.ok() || sent.len() != 10 {
        problems.push(format!("sent {} of 10", sent.len()));
    }
    let (before, after) = sent.split_at(sent.len().min(6));
    problems.extend(check_received(
        &before.iter().collect::<Vec<_>>(),
        &first.received(),
        &brokers,
    ));
    assert!(
        problems.is_empty(),
        "before the restart:\n{}\n{}",
        problems.join("\n"),
        why(&first, &[broker, ns])
    );

    // A clean stop (SIGTERM) must persist the committed offsets with the store.
    let status = broker.stop();
    let broker_stderr = broker.stderr();
    assert!(status.success(), "SIGTERM: {status}\n{broker_stderr}");
    broker.restart();

    let second = Probe::run(
        &lib,
        &dir,
        &[],
        &[
            "consume",
            &ns.addr,
            "Restart",
            "restart_group",
            "*",
            "4",
            "40",
        ],
    );
    // Only the 4 later messages: a lost offset would restart the group at the first message.
    let problems = check_received(
        &after.iter().collect::<Vec<_>>(),
        &second.received(),
        &brokers,
    );
    assert!(
        second.ok() && problems.is_empty(),
        "after the restart (group restart_group):\n{}\n--- first broker stderr:\n{broker_stderr}\n{}",
        problems.join("\n"),
        why(&second, &[broker, ns])
    );
    eprintln!(
        "restart: consumed {} before, {} after, none twice",
        first.received().len(),
        second.received().len()
    );
}

#[test]
fn java_clients_with_two_brokers_and_two_name_servers() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let mut two = Cluster::builder("jc-two")
        .namesrvs(2)
        .brokers(&["broker-a", "broker-b"])
        .start();
    let both = two.ns();
    let root = two.path().to_path_buf();
    let [ns1, ns2] = &two.namesrvs[..] else {
        unreachable!()
    };
    let [broker_a, broker_b] = &mut two.brokers[..] else {
        unreachable!()
    };
    let ctx = |what: &str, err: &str, daemons: &[&Daemon]| {
        let mut s = format!("{what}: {err}\n");
        for d in daemons {
            s += &format!("--- daemon {} stderr:\n{}\n", d.addr, d.stderr());
        }
        s
    };
    let all = [ns1, ns2, &*broker_a, &*broker_b];
    let name_servers = [ns1.addr.clone(), ns2.addr.clone()];

    // Both brokers register with both name servers.
    let expected = BTreeMap::from([
        ("broker-a".to_string(), broker_a.addr.clone()),
        ("broker-b".to_string(), broker_b.addr.clone()),
    ]);
    for ns in &name_servers {
        let got = poll(Duration::from_secs(10), || match cluster(ns) {
            Ok(c) if c == expected => Ok(c),
            Ok(c) => Err(format!("{c:?}")),
            Err(e) => Err(e),
        });
        assert!(
            got.is_ok(),
            "{}",
            ctx(&format!("cluster of {ns}"), &got.unwrap_err(), &all)
        );
    }

    // A topic on the whole cluster: 4 queues on each broker, in the routes of both.
    let run = rmq(&[
        "topic",
        "create",
        "-n",
        &ns1.addr,
        "-c",
        "DefaultCluster",
        "-t",
        "Spread",
        "-w",
        "4",
        "-r",
        "4",
        "-o",
        "json",
    ])
    .run();
    let (ok, out, err) = (run.success(), &run.stdout, &run.stderr);
    assert!(ok, "{}", ctx("topic create", &format!("{out}{err}"), &all));
    let created: Value = serde_json::from_str(out).unwrap();
    assert_eq!(
        created["brokers"].as_array().map(Vec::len),
        Some(2),
        "created on both: {out}"
    );
    let full: BTreeMap<String, (String, u64, u64)> = expected
        .iter()
        .map(|(name, addr)| (name.clone(), (addr.clone(), 4, 4)))
        .collect();
    for ns in &name_servers {
        let got = poll(Duration::from_secs(10), || match route(ns, "Spread") {
            Ok(r) if r == full => Ok(r),
            Ok(r) => Err(format!("{r:?}")),
            Err(e) => Err(e),
        });
        assert!(
            got.is_ok(),
            "{}",
            ctx(&format!("route at {ns}"), &got.unwrap_err(), &all)
        );
    }

    // The Java producer (given both name servers) round-robins 8 sends over the 8 queues, so
    // both brokers get messages; one push consumer gets them all from both.
    let probe = Probe::run(
        &lib,
        &root,
        &[],
        &[
            "send",
            &both,
            "Spread",
            "8",
            "TagA",
            "sync",
            "--",
            "consume",
            &both,
            "Spread",
            "spread_group",
            "*",
            "8",
            "40",
        ],
    );
    let brokers = BTreeMap::from([
        ("broker-a", broker_a.addr.as_str()),
        ("broker-b", broker_b.addr.as_str()),
    ]);
    let sent = probe.sent();
    let mut problems = check_sent(&sent, &brokers);
    let sent_to: BTreeSet<&str> = sent
        .iter()
        .filter_map(|s| str_of(s, "brokerName"))
        .collect();
    if sent_to != BTreeSet::from(["broker-a", "broker-b"]) || sent.len() != 8 {
        problems.push(format!("{} messages went to {sent_to:?}", sent.len()));
    }
    problems.extend(check_received(
        &sent.iter().collect::<Vec<_>>(),
        &probe.received(),
        &brokers,
    ));
    assert!(
        probe.ok() && problems.is_empty(),
        "{}\n{}",
        problems.join("\n"),
        why(&probe, &all)
    );

    // A clean stop unregisters broker-b from both name servers.
    let status = broker_b.stop();
    let b_stderr = broker_b.stderr();
    assert!(status.success(), "broker-b SIGTERM: {status}\n{b_stderr}");
    let stopped = Instant::now();
    let only_a: BTreeMap<String, (String, u64, u64)> = full
        .iter()
        .filter(|(name, _)| name.as_str() == "broker-a")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let after = [ns1, ns2, &*broker_a];
    let mut unregistered = Duration::ZERO;
    for ns in &name_servers {
        let got = poll(Duration::from_secs(15), || {
            match (route(ns, "Spread"), cluster(ns)) {
                (Ok(r), Ok(c)) if r == only_a && !c.contains_key("broker-b") => Ok(()),
                other => Err(format!("{other:?}")),
            }
        });
        assert!(
            got.is_ok(),
            "{}",
            ctx(
                &format!("broker-b still listed by {ns} after its clean stop"),
                &format!("{}\n--- broker-b stderr:\n{b_stderr}", got.unwrap_err()),
                &after
            )
        );
        unregistered = stopped.elapsed();
    }

    // A killed broker is dropped as soon as its connections close (not after the 120 s scan):
    // then nothing serves the topic, and neither name server has a route for it.
    broker_a.kill();
    let killed = Instant::now();
    let mut dropped = Duration::ZERO;
    for ns in &name_servers {
        let got = poll(Duration::from_secs(15), || {
            match (route(ns, "Spread"), cluster(ns)) {
                (Err(e), Ok(c)) if e.contains("no route") && c.is_empty() => Ok(e),
                other => Err(format!("{other:?}")),
            }
        });
        assert!(
            got.is_ok(),
            "{}",
            ctx(
                &format!("killed broker-a still listed by {ns}"),
                &got.unwrap_err(),
                &[ns1, ns2, broker_a]
            )
        );
        dropped = killed.elapsed();
    }
    eprintln!(
        "two brokers: sent to {sent_to:?}, all consumed; broker-b out of both routes {:.1} s \
         after SIGTERM, killed broker-a {:.1} s after the kill",
        unregistered.as_secs_f64(),
        dropped.as_secs_f64()
    );
}

/// The uniqKey of each TX line, by the "seq" property the probe gave its message.
fn tx_keys(probe: &Probe) -> BTreeMap<u64, String> {
    probe
        .json_lines("TX")
        .iter()
        .filter_map(|t| {
            let seq = t["props"]["seq"].as_str()?.parse().ok()?;
            Some((seq, str_of(t, "uniqKey")?.to_string()))
        })
        .collect()
}

/// What `rmq message consume --from earliest` reads of a topic: (uniqKey, message JSON).
fn stored_messages(ns: &str, topic: &str) -> Vec<(String, Value)> {
    let out = rmq(&[
        "message", "consume", "-t", topic, "--from", "earliest", "-o", "json",
    ])
    .namesrv(ns)
    .run_until_ok(Duration::from_secs(20));
    out.json()
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            let key = m["properties"]["UNIQ_KEY"]
                .as_str()
                .unwrap_or("")
                .to_string();
            (key, m)
        })
        .collect()
}

/// Broker properties of the transaction scenario: quick checks, 3 at most.
const TX_PROPS: &str =
    "transactionCheckInterval=1000\ntransactionTimeOut=2000\ntransactionCheckMax=3\n";
/// Per message: the local answer, then the check-back answers (see ClientProbe `transaction`).
const TX_PLAN: [&str; 6] = ["C", "R", "U/C", "U/U/C", "U/R", "U"];

/// What a broker made of [`TX_PLAN`], by message number.
#[derive(Debug, Default)]
struct TxOutcome {
    /// Check-backs each message got.
    checks: Vec<usize>,
    /// Messages the Java push consumer received (with duplicates).
    received: Vec<u64>,
    /// User properties of each received message (what the consumer sees).
    received_props: BTreeMap<u64, Value>,
    /// Messages stored in the topic (with duplicates) and the property names of each.
    stored: Vec<u64>,
    stored_props: BTreeMap<u64, BTreeSet<String>>,
    /// Messages in TRANS_CHECK_MAX_TIME_TOPIC.
    moved: Vec<u64>,
    /// Check-backs that did not carry the real topic or the check count.
    bad_checks: Vec<String>,
    /// Stored messages without the COMMIT type or a prepared offset below their own.
    bad_stored: Vec<String>,
}

/// Runs [`TX_PLAN`] with the Java producer on topic `topic` through name server `ns`, then a
/// push consumer; reads the topic and TRANS_CHECK_MAX_TIME_TOPIC back with `rmq`.
fn run_tx_scenario(lib: &Path, dir: &Path, ns: &str, topic: &str) -> (Probe, TxOutcome) {
    let probe = Probe::run(
        lib,
        dir,
        &[],
        &[
            "transaction",
            ns,
            topic,
            "tx_producer",
            &TX_PLAN.join(","),
            "8",
            "60",
            "--",
            "consume",
            ns,
            topic,
            "tx_consumer",
            "*",
            "3",
            "30",
        ],
    );
    let keys = tx_keys(&probe);
    let seq_of: HashMap<&str, u64> = keys.iter().map(|(s, k)| (k.as_str(), *s)).collect();
    let seq = |key: &str| seq_of.get(key).copied().unwrap_or(u64::MAX);
    let mut out = TxOutcome {
        checks: vec![0; TX_PLAN.len()],
        ..TxOutcome::default()
    };
    for c in probe.json_lines("CHECK") {
        let s = seq(str_of(&c, "uniqKey").unwrap_or(""));
        if let Some(n) = out.checks.get_mut(s as usize) {
            *n += 1;
        }
        let n = c["n"].as_u64().unwrap_or(0).to_string();
        if str_of(&c, "topic") != Some(topic) || str_of(&c, "checkTimes") != Some(n.as_str()) {
            out.bad_checks.push(c.to_string());
        }
    }
    for r in probe.received() {
        let s = seq(str_of(&r, "uniqKey").unwrap_or(""));
        out.received.push(s);
        out.received_props.insert(s, r["props"].clone());
    }
    out.received.sort_unstable();
    for (key, m) in stored_messages(ns, topic) {
        let s = seq(&key);
        out.stored.push(s);
        let names = m["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        out.stored_props.insert(s, names);
        let sys_flag = m["sysFlag"].as_i64().unwrap_or(-1);
        let prepared = m["preparedTransactionOffset"].as_i64().unwrap_or(-1);
        let own = m["commitLogOffset"].as_i64().unwrap_or(-1);
        let state = m["transactionState"].as_str().unwrap_or("");
        if sys_flag & 0xC != 0x8
            || prepared < 0
            || prepared >= own
            || !state.starts_with("committed")
        {
            out.bad_stored.push(m.to_string());
        }
    }
    out.stored.sort_unstable();
    out.moved = stored_messages(ns, "TRANS_CHECK_MAX_TIME_TOPIC")
        .iter()
        .map(|(k, _)| seq(k))
        .collect();
    (probe, out)
}

/// Java 4.9.8 `TransactionMQProducer` against rmq: a commit, a rollback, and unknown local
/// states settled by check-back (commit at the first check, commit at the second, rollback),
/// and one answering UNKNOW forever, which after `transactionCheckMax` checks lands in
/// `TRANS_CHECK_MAX_TIME_TOPIC`. Consumers (the Java push consumer and a raw read of the
/// topic) see exactly the committed messages, once each. Then the same against the Java 4.9.7
/// broker (when its jars are there), so any difference is known to be rmq's.
#[test]
fn java_transactions_commit_rollback_and_check_back() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let cluster = Cluster::builder("jc-tx").broker_props(TX_PROPS).start();
    let dir = cluster.path().to_path_buf();
    let (probe, rmq_out) = run_tx_scenario(&lib, &dir, &cluster.ns(), "TxTopic");
    let daemons = [cluster.broker(), cluster.namesrv()];
    let context = || format!("{rmq_out:#?}\n{}", why(&probe, &daemons));
    assert!(probe.ok(), "probe failed\n{}", context());
    let keys = tx_keys(&probe);
    assert_eq!(
        keys.len(),
        TX_PLAN.len(),
        "one TX line per message\n{}",
        context()
    );
    for t in probe.json_lines("TX") {
        assert_eq!(str_of(&t, "status"), Some("SEND_OK"), "{t}\n{}", context());
    }
    let mut problems = Vec::new();
    if rmq_out.checks != [0, 0, 1, 2, 1, 3] {
        problems.push(format!(
            "check-backs per message {:?}, expected [0, 0, 1, 2, 1, 3]",
            rmq_out.checks
        ));
    }
    if rmq_out.received != [0, 2, 3] {
        problems.push(format!(
            "consumer got messages {:?}, expected [0, 2, 3]",
            rmq_out.received
        ));
    }
    if rmq_out.stored != [0, 2, 3] {
        problems.push(format!(
            "topic holds messages {:?}, expected [0, 2, 3]",
            rmq_out.stored
        ));
    }
    if rmq_out.moved != [5] {
        problems.push(format!(
            "TRANS_CHECK_MAX_TIME_TOPIC holds {:?}, expected [5]",
            rmq_out.moved
        ));
    }
    for bad in rmq_out.bad_checks.iter().chain(&rmq_out.bad_stored) {
        problems.push(format!("bad check-back or committed message: {bad}"));
    }
    for (s, props) in &rmq_out.received_props {
        if props["plan"].is_null() || props["seq"].as_str() != Some(&s.to_string()) {
            problems.push(format!(
                "message {s} arrived without its user properties: {props}"
            ));
        }
    }
    if !cluster
        .broker()
        .stderr()
        .contains("discarded to TRANS_CHECK_MAX_TIME_TOPIC")
    {
        problems.push("no log line for the discarded half".into());
    }
    assert!(
        problems.is_empty(),
        "{}\n{}",
        problems.join("\n"),
        context()
    );
    eprintln!("transactions on rmq: {rmq_out:?}");

    // The same scenario against the Java 4.9.7 broker.
    let Some(broker_lib) = common::java_broker_lib() else {
        return;
    };
    let java_dir = common::temp_dir("jc-tx-java");
    let namesrv = JavaNamesrv::start(&broker_lib, &java_dir.path().join("namesrv"));
    let broker = JavaBroker::start_with(
        &broker_lib,
        &java_dir.path().join("broker"),
        &java_dir.path().join("store"),
        &namesrv.addr,
        TX_PROPS,
    );
    let (java_probe, java_out) = run_tx_scenario(&lib, java_dir.path(), &namesrv.addr, "TxTopic");
    let mut diffs = Vec::new();
    if !java_probe.ok() {
        diffs.push(format!(
            "probe failed on the Java broker:\n{}",
            java_probe.report()
        ));
    }
    if java_out.received != rmq_out.received {
        diffs.push(format!(
            "consumed: Java {:?}, rmq {:?}",
            java_out.received, rmq_out.received
        ));
    }
    if java_out.stored != rmq_out.stored {
        diffs.push(format!(
            "stored: Java {:?}, rmq {:?}",
            java_out.stored, rmq_out.stored
        ));
    }
    if java_out.moved != rmq_out.moved {
        diffs.push(format!(
            "moved: Java {:?}, rmq {:?}",
            java_out.moved, rmq_out.moved
        ));
    }
    if java_out.stored_props != rmq_out.stored_props {
        diffs.push(format!(
            "stored property names: Java {:?}, rmq {:?}",
            java_out.stored_props, rmq_out.stored_props
        ));
    }
    if java_out.received_props != rmq_out.received_props {
        diffs.push(format!(
            "received properties: Java {:?}, rmq {:?}",
            java_out.received_props, rmq_out.received_props
        ));
    }
    if java_out.bad_stored.len() != rmq_out.bad_stored.len() {
        diffs.push(format!("committed records: Java {:?}", java_out.bad_stored));
    }
    // Check-back counts depend on timing (when each broker's check runs); shown, not compared.
    eprintln!(
        "transactions on Java: {java_out:?}\ncheck-backs per message: Java {:?}, rmq {:?}",
        java_out.checks, rmq_out.checks
    );
    assert!(
        diffs.is_empty(),
        "the Java broker differs:\n{}\n--- Java broker log tail:\n{}",
        diffs.join("\n"),
        common::tail(&broker.log(), 60)
    );
    drop(broker);
}

/// Restart safety of transactions: a half left UNKNOW by the producer, the broker restarted
/// before its check, is checked after the restart and committed; after a second restart the
/// settled half is not checked again (the half and op progress of `CID_RMQ_SYS_TRANS`
/// survives in consumerOffset.json), so the message is committed exactly once.
#[test]
fn java_transaction_check_back_survives_broker_restarts() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let mut cluster = Cluster::builder("jc-txr")
        .broker_props(
            "transactionCheckInterval=1000\ntransactionTimeOut=5000\ntransactionCheckMax=5\n",
        )
        .start();
    let dir = cluster.path().to_path_buf();
    let ns = cluster.ns();
    let probe = {
        let (lib, dir, ns) = (lib.clone(), dir.clone(), ns.clone());
        std::thread::spawn(move || {
            Probe::run(
                &lib,
                &dir,
                &[],
                &[
                    "transaction",
                    &ns,
                    "TxRestart",
                    "txr_producer",
                    "U/C,R",
                    "30",
                    "60",
                    "--",
                    "consume",
                    &ns,
                    "TxRestart",
                    "txr_consumer",
                    "*",
                    "1",
                    "30",
                ],
            )
        })
    };
    let wait_log = |cluster: &Cluster, text: &str| {
        let found = poll(Duration::from_secs(60), || {
            if cluster.broker().stderr().contains(text) {
                Ok(())
            } else {
                Err(())
            }
        });
        assert!(
            found.is_ok(),
            "broker never logged {text:?}:\n{}",
            cluster.broker().stderr()
        );
    };
    // Both halves are stored once the rollback of the second arrives; restart before any check.
    wait_log(&cluster, "END_TRANSACTION");
    let status = cluster.brokers[0].stop();
    let first_log = cluster.broker().stderr();
    assert!(status.success(), "SIGTERM: {status}\n{first_log}");
    assert!(
        !first_log.contains("put back for a check"),
        "a check happened before the restart (too slow to test the restart):\n{first_log}"
    );
    cluster.brokers[0].restart();
    wait_log(&cluster, "END_TRANSACTION from a check-back");
    // Let the check run record its progress, then restart again.
    std::thread::sleep(Duration::from_secs(2));
    let status = cluster.brokers[0].stop();
    let second_log = cluster.broker().stderr();
    assert!(status.success(), "SIGTERM: {status}\n{second_log}");
    cluster.brokers[0].restart();
    let probe = probe.join().expect("probe thread");
    let daemons = [cluster.broker(), cluster.namesrv()];
    let context = || {
        format!(
            "--- first broker run:\n{first_log}\n--- second broker run:\n{second_log}\n{}",
            why(&probe, &daemons)
        )
    };
    assert!(probe.ok(), "probe failed\n{}", context());
    let keys = tx_keys(&probe);
    let checks = probe.json_lines("CHECK");
    assert_eq!(
        checks.len(),
        1,
        "exactly one check-back (the half committed by it must not be checked again)\n{}",
        context()
    );
    assert_eq!(
        str_of(&checks[0], "uniqKey"),
        keys.get(&0).map(String::as_str)
    );
    let received: Vec<String> = probe
        .received()
        .iter()
        .map(|r| str_of(r, "uniqKey").unwrap_or("").to_string())
        .collect();
    assert_eq!(received, vec![keys[&0].clone()], "consumed\n{}", context());
    let stored = stored_messages(&cluster.ns(), "TxRestart");
    assert_eq!(stored.len(), 1, "TxRestart holds {stored:?}\n{}", context());
}
