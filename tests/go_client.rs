//! The Apache RocketMQ Go client (github.com/apache/rocketmq-client-go/v2), the compatibility
//! suite's second client beside the Java one (tests/java_clients.rs), against `rmq namesrv` +
//! `rmq broker` daemons and then against the Java 4.9.7 name server + broker with the same
//! scenarios, so a difference is always rmq's: sync, async, oneway and batch sends; push
//! consumers with a tag expression (the Go heartbeat sends the tag hash codes as JSON strings)
//! and an SQL92 expression; the pull consumer with default options (it pulls with
//! `maxMsgNums=0`); an orderly consumer fed by a queue selector; two broadcast consumers;
//! transactions settled locally and by check-back, up to `transactionCheckMax`; a consumer
//! asking for redelivery; and one whose failures end in the dead letter queue.
//!
//! tests/go/main.go (built once per content into the cargo target's temp dir) prints one JSON
//! object per sent ("SEND", "TX") and received ("RECV") message and per check-back ("CHECK"),
//! as tests/java/ClientProbe.java does. Without a `go` command (or when the build fails, e.g.
//! without the module proxy) the tests are skipped with the reason, unless `RMQ_REQUIRE_GO=1`
//! (set by `.ci/run`), where they fail; the Java comparison is skipped (or fails) as the Java
//! tests are, by the 4.9.7 jars' presence and `RMQ_REQUIRE_JAVA`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::OnceLock;
use std::time::Duration;

use common::java_cluster::{JavaBroker, JavaNamesrv};
use common::{rmq, run_bounded, Cluster, TempDir};
use serde_json::{json, Value};

/// Broker properties of every scenario, on rmq's broker and on Java's: SQL92 filtering; quick
/// redeliveries (level 3, the first retry's, is 2 s); quick transaction checks, 3 at most.
const BROKER_PROPS: &str = "enablePropertyFilter=true\n\
    messageDelayLevel=1s 1s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s\n\
    transactionCheckInterval=1000\ntransactionTimeOut=2000\ntransactionCheckMax=3\n";

fn go_required() -> bool {
    std::env::var("RMQ_REQUIRE_GO").as_deref() == Ok("1")
}

/// The `go` command: on the PATH, else where the official tarball puts it.
fn find_go() -> Option<PathBuf> {
    ["go", "/usr/local/go/bin/go"]
        .into_iter()
        .map(PathBuf::from)
        .find(|go| {
            Command::new(go)
                .arg("version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// The built probe (tests/go, `go build` once per test run, reused across runs while go.mod,
/// go.sum and main.go are unchanged); `None` after printing why it is skipped (a failure with
/// `RMQ_REQUIRE_GO=1`).
fn go_probe() -> Option<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(build_probe) {
        Ok(bin) => Some(bin.clone()),
        Err(reason) => {
            assert!(!go_required(), "RMQ_REQUIRE_GO=1 but {reason}");
            eprintln!("skipped: {reason}");
            None
        }
    }
}

fn build_probe() -> Result<PathBuf, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go");
    let go = find_go().ok_or("no `go` command (see .ci/run for installing Go)")?;
    let mut hasher = DefaultHasher::new();
    for file in ["go.mod", "go.sum", "main.go"] {
        std::fs::read(src.join(file))
            .map_err(|e| format!("tests/go/{file}: {e}"))?
            .hash(&mut hasher);
    }
    let version = Command::new(&go).arg("version").output().unwrap().stdout;
    version.hash(&mut hasher);
    let bin =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("goprobe-{:016x}", hasher.finish()));
    if bin.exists() {
        return Ok(bin);
    }
    let tmp = bin.with_extension(format!("building-{}", std::process::id()));
    let mut cmd = Command::new(&go);
    cmd.current_dir(&src)
        .args(["build", "-buildvcs=false", "-o"])
        .arg(&tmp)
        .arg(".");
    let done = run_bounded(&mut cmd, None, Duration::from_secs(600));
    if !done.ok() {
        return Err(format!(
            "`go build` of tests/go failed ({:?}, {:.0} s):\n{}{}",
            done.status,
            done.elapsed.as_secs_f64(),
            done.stdout_text(),
            done.stderr_text()
        ));
    }
    eprintln!(
        "built {} in {:.1} s",
        bin.display(),
        done.elapsed.as_secs_f64()
    );
    std::fs::rename(&tmp, &bin).map_err(|e| e.to_string())?;
    // Builds of older sources are not used again.
    for old in std::fs::read_dir(bin.parent().unwrap())
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = old.file_name().to_string_lossy().into_owned();
        if name.starts_with("goprobe-") && old.path() != bin && !name.contains(".building-") {
            let _ = std::fs::remove_file(old.path());
        }
    }
    Ok(bin)
}

/// One finished run of the probe.
struct Run {
    args: Vec<String>,
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// The JSON objects of the stdout lines `<prefix> {...}`, in order.
    fn json_lines(&self, prefix: &str) -> Vec<Value> {
        self.stdout
            .lines()
            .filter_map(|l| l.strip_prefix(prefix)?.strip_prefix(' '))
            .filter_map(|j| serde_json::from_str(j).ok())
            .collect()
    }

    /// The number of the last `<prefix> <n>` line.
    fn count(&self, prefix: &str) -> Option<usize> {
        self.stdout
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix(prefix)?.strip_prefix(' ')?.parse().ok())
    }

    /// The command, its status, its stdout (lines cut to 300 characters) and its stderr's end.
    fn report(&self) -> String {
        let stdout: Vec<String> = self.stdout.lines().map(clip_str).collect();
        format!(
            "--- goprobe {:?}: {}\n--- stdout:\n{}\n--- stderr (end):\n{}\n",
            self.args,
            match self.status {
                Some(s) => s.to_string(),
                None => "killed at its time limit".into(),
            },
            stdout.join("\n"),
            common::tail(&self.stderr, 30)
        )
    }
}

/// Runs of the probe against one name server, the client's home (where broadcast consumers keep
/// their offsets) in a directory of the test's.
struct Go<'a> {
    bin: &'a Path,
    ns: String,
    home: PathBuf,
}

impl Go<'_> {
    /// `goprobe <command> <ns> <args>`, bounded by `limit` seconds.
    fn run(&self, command: &str, args: &[&str], limit: u64) -> Run {
        self.run_logging("warn", command, args, limit)
    }

    /// [`Go::run`] with the client's log at `level` (on stderr).
    fn run_logging(&self, level: &str, command: &str, args: &[&str], limit: u64) -> Run {
        let mut full = vec![command.to_string(), self.ns.clone()];
        full.extend(args.iter().map(|a| a.to_string()));
        let mut cmd = Command::new(self.bin);
        cmd.args(&full)
            .env("HOME", &self.home)
            .env("ROCKETMQ_GO_LOG_LEVEL", level);
        let done = run_bounded(&mut cmd, None, Duration::from_secs(limit));
        eprintln!(
            "goprobe {command} {:?}: {:.1} s",
            args.first(),
            done.elapsed.as_secs_f64()
        );
        Run {
            args: full,
            status: done.status,
            stdout: done.stdout_text(),
            stderr: done.stderr_text(),
        }
    }
}

fn clip_str(s: &str) -> String {
    match s.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// `v` as JSON, cut to 300 characters (message 0's body alone is 6000).
fn clip(v: &Value) -> String {
    clip_str(&v.to_string())
}

fn str_of<'a>(v: &'a Value, field: &str) -> &'a str {
    v.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// The "seq" user property the probe gives every message.
fn seq(v: &Value) -> u64 {
    str_of(&v["props"], "seq").parse().unwrap_or(u64::MAX)
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

/// Problems with the producer side: every send accepted (SEND_OK), the SendResult's msgId the
/// message's UNIQ_KEY (a Go batch sets none), an offsetMsgId naming the broker at `addr`, a
/// batch's messages one after the other in one queue with one offsetMsgId each.
fn check_sent(sent: &[Value], addr: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut batch_pos: Option<(u64, u64)> = None;
    for s in sent {
        if s["mode"] == "oneway" {
            continue;
        }
        if s["status"] != "SEND_OK" {
            problems.push(format!("not SEND_OK: {}", clip(s)));
        }
        if s["mode"] != "batch" && (str_of(s, "uniqKey").is_empty() || s["msgId"] != s["uniqKey"]) {
            problems.push(format!("SendResult msgId is not the UNIQ_KEY: {}", clip(s)));
        }
        let host = store_host(str_of(s, "offsetMsgId"));
        if host.as_deref() != Some(addr) {
            problems.push(format!(
                "offsetMsgId should encode the store host {addr}, decodes to {host:?}: {}",
                clip(s)
            ));
        }
        if s["mode"] == "batch" {
            let batch = sent.iter().filter(|m| m["mode"] == "batch").count();
            if s["batchOffsetMsgIds"] != json!(batch) {
                problems.push(format!(
                    "a batch's offsetMsgId should list one id per message: {}",
                    clip(s)
                ));
            }
            let pos = (
                s["queueId"].as_u64().unwrap_or(u64::MAX),
                s["queueOffset"].as_u64().unwrap_or(u64::MAX),
            );
            if batch_pos.is_some_and(|(q, o)| (q, o + 1) != pos) {
                problems.push(format!("batch not contiguous in one queue: {}", clip(s)));
            }
            batch_pos = Some(pos);
        }
    }
    problems
}

/// Problems with what a consumer got: exactly the messages numbered `expected`, once each, with
/// the topic, tags, keys, body and user properties they were sent with, their id (the UNIQ_KEY,
/// or the offset id where the producer set none), and, where the producer has a SendResult, the
/// offset id, queue and offset it was stored at, by the broker at `addr`; none redelivered.
fn check_received(
    who: &str,
    sent: &[Value],
    expected: &BTreeSet<u64>,
    received: &[Value],
    addr: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    let by_seq: BTreeMap<u64, &Value> = sent.iter().map(|s| (seq(s), s)).collect();
    let mut seen = BTreeSet::new();
    for r in received {
        let n = seq(r);
        if !seen.insert(n) {
            problems.push(format!("{who}: message {n} received twice"));
            continue;
        }
        let Some(s) = by_seq.get(&n).filter(|_| expected.contains(&n)) else {
            problems.push(format!(
                "{who}: received a message it should not have: {}",
                clip(r)
            ));
            continue;
        };
        for field in ["topic", "tags", "keys", "body", "props"] {
            if r[field] != s[field] {
                problems.push(format!(
                    "{who}: message {n}: {field} sent {} but received {}",
                    clip(&s[field]),
                    clip(&r[field])
                ));
            }
        }
        let id = match str_of(s, "uniqKey") {
            "" => &r["offsetMsgId"],
            _ => &s["uniqKey"],
        };
        if &r["msgId"] != id {
            problems.push(format!(
                "{who}: message {n}: msgId {} should be {id}",
                r["msgId"]
            ));
        }
        if s["mode"] != "oneway" {
            for field in ["offsetMsgId", "brokerName", "queueId", "queueOffset"] {
                if r[field] != s[field] {
                    problems.push(format!(
                        "{who}: message {n}: {field} sent {} but received {}",
                        s[field], r[field]
                    ));
                }
            }
        }
        let host = store_host(str_of(r, "offsetMsgId"));
        if host.as_deref() != Some(addr) || str_of(r, "storeHost") != addr {
            problems.push(format!(
                "{who}: message {n}: store host should be {addr}: offsetMsgId decodes to {host:?}, storeHost {}",
                r["storeHost"]
            ));
        }
        if r["reconsumeTimes"] != 0 {
            problems.push(format!("{who}: message {n} redelivered: {}", clip(r)));
        }
    }
    for n in expected.difference(&seen) {
        problems.push(format!("{who}: never received message {n}"));
    }
    problems
}

/// What a delivery shows that does not depend on the broker's address, ports or timing: topic,
/// tags, keys, body, user properties, redelivery count and the names of all its properties.
fn portable(r: &Value) -> Value {
    let names: Vec<&String> = r["allProps"]
        .as_object()
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    json!({
        "topic": r["topic"],
        "tags": r["tags"],
        "keys": r["keys"],
        "body": clip(&r["body"]),
        "props": r["props"],
        "reconsumeTimes": r["reconsumeTimes"],
        "propertyNames": names,
    })
}

/// A consumer's deliveries by message number, in the order they came, as [`portable`] shows them.
fn portable_by_seq(received: &[Value]) -> BTreeMap<u64, Vec<Value>> {
    let mut out: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
    for r in received {
        out.entry(seq(r)).or_default().push(portable(r));
    }
    out
}

/// One broker's results of a scenario: what each consumer (by name) got, in the broker-
/// independent form of [`portable_by_seq`]; the problems the checks found; the probe runs'
/// reports for failure messages.
#[derive(Default)]
struct Outcome {
    consumers: BTreeMap<String, BTreeMap<u64, Vec<Value>>>,
    /// Other broker-independent facts to compare (counts, orders, check-back results).
    facts: BTreeMap<String, Value>,
    problems: Vec<String>,
    reports: Vec<String>,
}

impl Outcome {
    /// Records a run: a failed run is a problem; its report is kept either way.
    fn ran(&mut self, what: &str, run: &Run) {
        if !run.ok() {
            self.problems.push(format!("{what}: the probe failed"));
        }
        self.reports.push(run.report());
    }

    fn consumed(&mut self, who: &str, run: &Run) -> Vec<Value> {
        self.ran(who, run);
        let received = run.json_lines("RECV");
        self.consumers
            .insert(who.to_string(), portable_by_seq(&received));
        received
    }

    fn context(&self) -> String {
        self.reports.join("\n")
    }
}

/// Differences between the Java broker's outcome and rmq's.
fn differences(java: &Outcome, rmq_out: &Outcome) -> Vec<String> {
    let mut diffs = Vec::new();
    for p in &java.problems {
        diffs.push(format!(
            "on the Java broker too (so the check may be wrong): {p}"
        ));
    }
    let names: BTreeSet<&String> = java
        .consumers
        .keys()
        .chain(rmq_out.consumers.keys())
        .collect();
    for name in names {
        let (j, r) = (&java.consumers.get(name), &rmq_out.consumers.get(name));
        let (j, r) = (
            j.cloned().unwrap_or_default(),
            r.cloned().unwrap_or_default(),
        );
        let seqs: BTreeSet<&u64> = j.keys().chain(r.keys()).collect();
        for n in seqs {
            if j.get(n) != r.get(n) {
                diffs.push(format!(
                    "{name}, message {n}: Java delivered {}, rmq {}",
                    json!(j.get(n)),
                    json!(r.get(n))
                ));
            }
        }
    }
    let facts: BTreeSet<&String> = java.facts.keys().chain(rmq_out.facts.keys()).collect();
    for f in facts {
        if java.facts.get(f) != rmq_out.facts.get(f) {
            diffs.push(format!(
                "{f}: Java {}, rmq {}",
                json!(java.facts.get(f)),
                json!(rmq_out.facts.get(f))
            ));
        }
    }
    diffs
}

/// Runs `scenario` against a fresh rmq cluster, asserts it found no problem, then (when the
/// 4.9.7 jars are there) against the Java name server + broker with the same properties, and
/// asserts both brokers gave the same outcome.
fn on_rmq_and_java(tag: &str, scenario: fn(&Go, &str) -> Outcome) {
    let Some(bin) = go_probe() else {
        return;
    };
    let cluster = Cluster::builder(tag).broker_props(BROKER_PROPS).start();
    let go = Go {
        bin: &bin,
        ns: cluster.ns(),
        home: cluster.path().join("go-home"),
    };
    let rmq_out = scenario(&go, &cluster.broker().addr);
    assert!(
        rmq_out.problems.is_empty(),
        "the Go client on rmq:\n{}\n{}--- broker stderr (end):\n{}",
        rmq_out.problems.join("\n"),
        rmq_out.context(),
        common::tail(&cluster.broker().stderr(), 40)
    );
    drop(cluster);

    let Some(broker_lib) = common::java_broker_lib() else {
        assert!(
            !go_required(),
            "RMQ_REQUIRE_GO=1 but no Java 4.9.7 broker jars to compare with (tests/java/fetch.sh)"
        );
        return;
    };
    let dir: TempDir = common::temp_dir(&format!("{tag}-java"));
    let namesrv = JavaNamesrv::start(&broker_lib, &dir.path().join("namesrv"));
    let broker = JavaBroker::start_with(
        &broker_lib,
        &dir.path().join("broker"),
        &dir.path().join("store"),
        &namesrv.addr,
        BROKER_PROPS,
    );
    let go = Go {
        bin: &bin,
        ns: namesrv.addr.clone(),
        home: dir.path().join("go-home"),
    };
    let java_out = scenario(&go, &broker.addr);
    let diffs = differences(&java_out, &rmq_out);
    assert!(
        diffs.is_empty(),
        "the Go client sees rmq differ from the Java broker:\n{}\n--- Java runs:\n{}\n--- Java broker log (end):\n{}",
        diffs.join("\n"),
        java_out.context(),
        common::tail(&broker.log(), 40)
    );
}

/// Java's `String.hashCode`, which the probe's queue selector uses.
fn java_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

/// Sends in the four modes, then consumes them with a tag-filtered and an SQL92-filtered push
/// consumer, the default pull consumer and two broadcast consumers; ordered sends consumed by
/// an orderly consumer.
fn messaging(go: &Go, addr: &str) -> Outcome {
    let mut out = Outcome::default();
    let topic = "GoMatrix";
    // 3 messages per mode, tags round-robin over TagA, TagB, TagC by number.
    let send = go.run(
        "send",
        &[topic, "3", "TagA,TagB,TagC", "sync,async,oneway,batch"],
        60,
    );
    out.ran("send", &send);
    let sent = send.json_lines("SEND");
    if send.count("PRODUCED") != Some(12) || sent.len() != 12 {
        out.problems
            .push("12 messages should have been sent".into());
        return out;
    }
    out.problems.extend(check_sent(&sent, addr));
    // Where each message went (a batch's as a whole) is the same on both brokers: compared.
    out.facts.insert(
        "sent statuses".into(),
        json!(sent
            .iter()
            .map(|s| (seq(s), s["status"].clone()))
            .collect::<BTreeMap<_, _>>()),
    );
    let all: BTreeSet<u64> = (0..12).collect();
    let plan: [(&str, &str, &str, BTreeSet<u64>); 2] = [
        (
            "go_tag",
            "TAG",
            "TagA || TagB",
            all.iter().copied().filter(|i| i % 3 != 2).collect(),
        ),
        (
            "go_sql",
            "SQL92",
            "mode IN ('batch', 'oneway') AND seq <> '7'",
            [6, 8, 9, 10, 11].into(),
        ),
    ];
    for (group, kind, expr, expected) in plan {
        let run = go.run(
            "push",
            &[
                topic,
                group,
                kind,
                expr,
                &expected.len().to_string(),
                "25",
                "concurrent",
            ],
            60,
        );
        let received = out.consumed(group, &run);
        out.problems
            .extend(check_received(group, &sent, &expected, &received, addr));
    }
    // The client's debug log has a line per pull request: with maxMsgNums=0 a broker that
    // answers "no message" instead of one message, or does not hold a pull at the end of a
    // queue, makes it pull in a tight loop (hundreds of thousands of requests in 30 s).
    let pull = go.run_logging("debug", "pull", &[topic, "go_pull", "12", "25"], 60);
    let pulls = pull.stderr.matches("pull message from broker:").count();
    if pulls > 200 {
        out.problems.push(format!(
            "the pull consumer sent {pulls} pull requests for 12 messages in 4 queues"
        ));
    }
    eprintln!("pull consumer: {pulls} pull requests");
    let received = out.consumed("go_pull", &pull);
    out.problems.extend(check_received(
        "pull consumer",
        &sent,
        &all,
        &received,
        addr,
    ));

    // Two broadcast consumers of one group at once: each gets every message.
    let (b1, b2) = std::thread::scope(|s| {
        let one = s.spawn(|| {
            go.run(
                "push",
                &[topic, "go_bc", "TAG", "*", "12", "25", "broadcast"],
                60,
            )
        });
        let two = go.run(
            "push",
            &[topic, "go_bc", "TAG", "*", "12", "25", "broadcast"],
            60,
        );
        (one.join().unwrap(), two)
    });
    for (who, run) in [("broadcast-1", &b1), ("broadcast-2", &b2)] {
        let received = out.consumed(who, run);
        out.problems
            .extend(check_received(who, &sent, &all, &received, addr));
    }

    // Ordered: 4 messages for each of 3 keys, a key's messages in one queue, consumed in order.
    let keys = ["order-a", "order-b", "order-c"];
    let ordered = go.run("ordered", &["GoOrdered", &keys.join(","), "4"], 60);
    out.ran("ordered", &ordered);
    let osent = ordered.json_lines("SEND");
    let orderly = go.run(
        "push",
        &["GoOrdered", "go_orderly", "TAG", "*", "12", "25", "orderly"],
        60,
    );
    let oreceived = out.consumed("go_orderly", &orderly);
    let mut bodies_by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &oreceived {
        let key = str_of(r, "keys").to_string();
        let queue = osent
            .iter()
            .find(|s| s["keys"] == r["keys"])
            .map(|s| s["queueId"].clone());
        if queue.as_ref() != Some(&r["queueId"]) {
            out.problems.push(format!(
                "orderly: {key}'s message came from queue {}, sent to {queue:?}",
                r["queueId"]
            ));
        }
        bodies_by_key
            .entry(key)
            .or_default()
            .push(str_of(r, "body").to_string());
    }
    for key in keys {
        let want: Vec<String> = (0..4).map(|i| format!("{key}-{i}")).collect();
        if bodies_by_key.get(key) != Some(&want) {
            out.problems.push(format!(
                "orderly: {key} delivered {:?}, expected {want:?} in that order",
                bodies_by_key.get(key)
            ));
        }
    }
    for s in &osent {
        let key = str_of(s, "keys");
        let want = (java_hash(key).rem_euclid(4)) as u64;
        if s["queueId"].as_u64() != Some(want) {
            out.problems.push(format!(
                "ordered send of {key} went to queue {}, expected {want} of 4",
                s["queueId"]
            ));
        }
    }
    out.facts
        .insert("orderly order".into(), json!(bodies_by_key));
    out
}

#[test]
fn go_client_sends_and_consumes_as_on_the_java_broker() {
    on_rmq_and_java("go-msg", messaging);
}

/// Per message: the local transaction's answer, then the check-backs' (see the probe's
/// `transaction`): a commit, a rollback, commit at the 1st check, commit at the 2nd, rollback
/// at the 1st, and unknown forever (moved to TRANS_CHECK_MAX_TIME_TOPIC after 3 checks).
const TX_PLAN: [&str; 6] = ["C", "R", "U/C", "U/U/C", "U/R", "U"];

/// Message numbers of what `rmq message consume --from earliest` reads of `topic`.
fn stored_seqs(ns: &str, topic: &str) -> Vec<u64> {
    let out = rmq(&[
        "message", "consume", "-t", topic, "--from", "earliest", "-o", "json",
    ])
    .namesrv(ns)
    .run_until_ok(Duration::from_secs(20));
    let mut seqs: Vec<u64> = out
        .json()
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| str_of(&m["properties"], "seq").parse().unwrap_or(u64::MAX))
        .collect();
    seqs.sort_unstable();
    seqs
}

/// Transactions with check-back, then a consumer answering "later" to every first delivery, then
/// one failing every delivery until its messages land in the dead letter queue.
fn transactions_and_retry(go: &Go, addr: &str) -> Outcome {
    let mut out = Outcome::default();
    let tx = go.run(
        "transaction",
        &["GoTx", "go_tx_producer", &TX_PLAN.join(","), "8", "40"],
        60,
    );
    out.ran("transaction", &tx);
    let mut checks = vec![0u64; TX_PLAN.len()];
    for c in tx.json_lines("CHECK") {
        let n = seq(&c);
        if let Some(count) = checks.get_mut(n as usize) {
            *count += 1;
        }
        if c["topic"] != "GoTx"
            || c["n"].as_u64().map(|n| n.to_string()).as_deref() != Some(str_of(&c, "checkTimes"))
        {
            out.problems.push(format!(
                "a check-back without the real topic or the check count: {}",
                clip(&c)
            ));
        }
    }
    let txs = tx.json_lines("TX");
    if txs.len() != TX_PLAN.len() || txs.iter().any(|t| t["status"] != "SEND_OK") {
        out.problems
            .push("every half message should be accepted".into());
    }
    out.problems.extend(check_sent(&txs, addr));
    // Each message ends as its plan says; how many checks that took depends on when the
    // broker's check runs, shown but not compared.
    if checks
        .iter()
        .zip([0, 0, 1, 2, 1, 3])
        .any(|(&got, least)| got < least)
    {
        out.problems.push(format!(
            "check-backs per message {checks:?}, expected at least [0, 0, 1, 2, 1, 3]"
        ));
    }
    eprintln!("check-backs per message: {checks:?}");
    let consume = go.run(
        "push",
        &[
            "GoTx",
            "go_tx_consumer",
            "TAG",
            "*",
            "3",
            "25",
            "concurrent",
        ],
        60,
    );
    let received = out.consumed("go_tx_consumer", &consume);
    let mut got: Vec<u64> = received.iter().map(seq).collect();
    got.sort_unstable();
    let stored = stored_seqs(&go.ns, "GoTx");
    let moved = stored_seqs(&go.ns, "TRANS_CHECK_MAX_TIME_TOPIC");
    for (what, seqs, want) in [
        ("consumer got", &got, vec![0, 2, 3]),
        ("topic holds", &stored, vec![0, 2, 3]),
        ("TRANS_CHECK_MAX_TIME_TOPIC holds", &moved, vec![5]),
    ] {
        if *seqs != want {
            out.problems
                .push(format!("{what} messages {seqs:?}, expected {want:?}"));
        }
        out.facts.insert(what.into(), json!(seqs));
    }

    // Retry: the topic first, then one run of the group so the broker creates %RETRY%go_retry
    // and registers its route (the Go client reads routes at start and then every 30 s only).
    let created = rmq(&[
        "topic",
        "create",
        "-t",
        "GoRetry",
        "-c",
        "DefaultCluster",
        "-o",
        "json",
    ])
    .namesrv(&go.ns)
    .run();
    if !created.success() {
        out.problems
            .push(format!("rmq topic create GoRetry failed: {created:?}"));
    }
    let warm = go.run(
        "push",
        &["GoRetry", "go_retry", "TAG", "*", "0", "1", "retry"],
        60,
    );
    out.ran("retry warm-up", &warm);
    let send = go.run("send", &["GoRetry", "2", "TagR", "sync"], 60);
    out.ran("retry send", &send);
    let sent = send.json_lines("SEND");
    let retry = go.run(
        "push",
        &["GoRetry", "go_retry", "TAG", "*", "2", "25", "retry"],
        60,
    );
    let deliveries = out.consumed("go_retry", &retry);
    for s in &sent {
        let n = seq(s);
        let mine: Vec<&Value> = deliveries.iter().filter(|r| seq(r) == n).collect();
        let [first, again] = mine[..] else {
            out.problems.push(format!(
                "retry: message {n} delivered {} times, expected twice",
                mine.len()
            ));
            continue;
        };
        let waited = again["at"].as_i64().unwrap_or(0) - first["at"].as_i64().unwrap_or(0);
        let origin = str_of(&again["allProps"], "ORIGIN_MESSAGE_ID");
        let checks = [
            (
                first["reconsumeTimes"] == 0,
                "first delivery with reconsumeTimes 0",
            ),
            (
                again["reconsumeTimes"] == 1,
                "redelivery with reconsumeTimes 1",
            ),
            (
                waited >= 1500,
                "redelivery after the delay of level 3 (2 s)",
            ),
            (
                again["topic"] == "GoRetry",
                "redelivery shown in its own topic",
            ),
            (
                again["msgId"] == s["uniqKey"],
                "redelivery with the message's id",
            ),
            (
                again["body"] == s["body"] && again["props"] == s["props"],
                "redelivery with body and properties",
            ),
            (
                origin == str_of(s, "offsetMsgId"),
                "ORIGIN_MESSAGE_ID the first store's offset id",
            ),
            (
                str_of(&again["allProps"], "RETRY_TOPIC") == "GoRetry",
                "RETRY_TOPIC the topic",
            ),
        ];
        for (ok, what) in checks {
            if !ok {
                out.problems.push(format!(
                    "retry: message {n}: expected {what}; first {}, then {} ({waited} ms later)",
                    clip(&first["allProps"]),
                    clip(again)
                ));
            }
        }
    }
    if sent.len() != 2 {
        out.problems
            .push("retry: 2 messages should have been sent".into());
    }

    // DLQ: a consumer with maxReconsumeTimes 1 failing every delivery; after the redelivery
    // the broker moves each message to %DLQ%go_dlq (write-only, so counted from its offsets).
    rmq(&[
        "topic",
        "create",
        "-t",
        "GoDlq",
        "-c",
        "DefaultCluster",
        "-o",
        "json",
    ])
    .namesrv(&go.ns)
    .run();
    let warm = go.run(
        "push",
        &["GoDlq", "go_dlq", "TAG", "*", "0", "1", "dlq"],
        60,
    );
    out.ran("dlq warm-up", &warm);
    let send = go.run("send", &["GoDlq", "2", "TagD", "sync"], 60);
    out.ran("dlq send", &send);
    let dlq = go.run(
        "push",
        &["GoDlq", "go_dlq", "TAG", "*", "4", "25", "dlq"],
        60,
    );
    let deliveries = out.consumed("go_dlq", &dlq);
    let mut times: Vec<(u64, i64)> = deliveries
        .iter()
        .map(|r| (seq(r), r["reconsumeTimes"].as_i64().unwrap_or(-1)))
        .collect();
    times.sort_unstable();
    if times != [(0, 0), (0, 1), (1, 0), (1, 1)] {
        out.problems.push(format!(
            "dlq: deliveries (message, reconsumeTimes) {times:?}, expected each message twice"
        ));
    }
    let in_dlq = common::poll(Duration::from_secs(10), || {
        let status = rmq(&["topic", "status", "-t", "%DLQ%go_dlq", "-o", "json"])
            .namesrv(&go.ns)
            .run();
        let count: u64 = status.try_json()?["queues"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|q| q["maxOffset"].as_u64().unwrap_or(0) - q["minOffset"].as_u64().unwrap_or(0))
            .sum();
        if count == 2 {
            Ok(count)
        } else {
            Err(format!("{count} messages"))
        }
    });
    if let Err(e) = &in_dlq {
        out.problems
            .push(format!("%DLQ%go_dlq should hold 2 messages: {e}"));
    }
    out.facts.insert("dlq".into(), json!(in_dlq.ok()));
    out
}

#[test]
fn go_client_transactions_and_retry_as_on_the_java_broker() {
    on_rmq_and_java("go-tx", transactions_and_retry);
}
