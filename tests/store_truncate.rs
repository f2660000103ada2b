//! `rmq store truncate` through the real binary on the store of a real `rmq broker` (small
//! CommitLog, ConsumeQueue and index files so the cut deletes whole files of each): the removed
//! list, refusals (mid-record offset, running broker), `--dry-run` leaving every byte alone,
//! and the broker restarted on the cut store serving exactly the remaining messages and
//! continuing the queue offsets; then the same store read by a Java 4.9.7 broker.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{rmq, Cluster};
use serde_json::Value;

const TOPIC: &str = "TruncateTopic";
const GROUP: &str = "TruncateGroup";
const SENT: usize = 40;
/// Messages kept by the cut (the cut is the start of the message sent as number KEPT).
const KEPT: usize = 24;

const SMALL_FILES: &str = "mappedFileSizeCommitLog=4096\nmappedFileSizeConsumeQueue=80\n\
                           maxHashSlotNum=16\nmaxIndexNum=64\n";

fn array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        other => panic!("expected a JSON array, got {other}"),
    }
}

/// Every file under `dir` with a hash of its content.
fn hash_tree(dir: &Path) -> BTreeMap<PathBuf, u64> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let mut h = DefaultHasher::new();
                std::fs::read(&p).unwrap().hash(&mut h);
                out.insert(p, h.finish());
            }
        }
    }
    out
}

fn body(i: usize) -> String {
    format!("truncate-body-{i:03}-{}", "y".repeat(40 + i % 30))
}

/// Consumes every message of TOPIC from the earliest offset (retrying until `n` are there).
fn consume_all(c: &Cluster, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = c.rmq(&[
            "message", "consume", "-t", TOPIC, "--from", "earliest", "-o", "json",
        ]);
        let done = Instant::now() > deadline;
        if out.status.success() {
            let all = array(out.json());
            if all.len() == n || done {
                assert_eq!(all.len(), n, "messages of {TOPIC}");
                return all;
            }
        } else if done {
            panic!("consume failed: {}", out.stderr);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn bodies(msgs: &[Value]) -> BTreeSet<String> {
    msgs.iter()
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect()
}

/// `queueId -> maxOffset` of TOPIC as the broker reports it.
fn max_offsets(c: &Cluster) -> BTreeMap<i64, i64> {
    let status = c.json(&["topic", "status", "-t", TOPIC, "-o", "json"]);
    status["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["queueId"].as_i64().unwrap(),
                q["maxOffset"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn truncate_cuts_a_stopped_store_and_the_broker_continues_from_the_cut() {
    let mut c = Cluster::builder("truncate")
        .broker_props(SMALL_FILES)
        .wait_registered()
        .start();
    let store = c.broker().store();
    for i in 0..SENT {
        let key = format!("key-{i}");
        c.cli(&[
            "message",
            "send",
            "-t",
            TOPIC,
            &body(i),
            "-k",
            &key,
            "-o",
            "json",
        ])
        .run_until_ok(Duration::from_secs(10));
    }
    assert_eq!(consume_all(&c, SENT).len(), SENT);
    // A group that consumed everything: its offsets end up past the cut and are clamped.
    c.cli(&[
        "message", "consume", "-t", TOPIC, "-g", GROUP, "--from", "earliest", "--commit", "-o",
        "json",
    ])
    .ok();

    // A running broker holds the store lock: refused, nothing changed.
    let out = rmq(&["store", "truncate", "--store"])
        .arg(&store)
        .args(["--to", "0", "--yes"])
        .run();
    assert_eq!(out.code(), Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("in use"), "{}", out.stderr);

    c.broker_mut().stop();

    let records = array(
        rmq(&["store", "dump", "commitlog", "--store"])
            .arg(&store)
            .args(["-o", "json"])
            .run()
            .json(),
    );
    let ours: Vec<&Value> = records.iter().filter(|r| r["topic"] == TOPIC).collect();
    assert_eq!(ours.len(), SENT);
    let cut = ours[KEPT]["commitLogOffset"].as_i64().unwrap();
    let cut_size = ours[KEPT]["storeSize"].as_i64().unwrap();
    let past: Vec<&Value> = records
        .iter()
        .filter(|r| r["commitLogOffset"].as_i64().unwrap() >= cut)
        .collect();
    let files_before = hash_tree(&store);
    assert!(
        files_before
            .keys()
            .filter(|p| p.parent().unwrap().ends_with("commitlog"))
            .count()
            > 2,
        "the test needs several CommitLog files"
    );

    // A mid-record offset is refused, naming the record's boundaries.
    let mid = (cut + 5).to_string();
    let out = rmq(&["store", "truncate", "--store"])
        .arg(&store)
        .args(["--to", &mid, "--yes"])
        .run();
    assert_eq!(out.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains(&cut.to_string()) && out.stderr.contains(&(cut + cut_size).to_string()),
        "{}",
        out.stderr
    );

    // --dry-run: the summary, and not one byte changed.
    let cut_arg = cut.to_string();
    let dry = rmq(&["store", "truncate", "--store"])
        .arg(&store)
        .args(["--to", &cut_arg, "--dry-run", "-o", "json"])
        .run()
        .json();
    assert_eq!(dry["removedMessages"], past.len(), "{dry}");
    assert_eq!(dry["perTopic"][TOPIC], SENT - KEPT, "{dry}");
    assert!(
        !dry["commitlogFilesDeleted"].as_array().unwrap().is_empty(),
        "{dry}"
    );
    assert_eq!(
        hash_tree(&store),
        files_before,
        "--dry-run changed the store"
    );

    // The cut itself.
    let removed_file = c.path().join("removed.jsonl");
    let done = rmq(&["store", "truncate", "--store"])
        .arg(&store)
        .args(["--to", &cut_arg, "--yes", "-o", "json", "--removed"])
        .arg(&removed_file)
        .run()
        .json();
    assert_eq!(done["removedMessages"], past.len(), "{done}");
    assert_eq!(done["checkpointUpdated"], true, "{done}");
    let lines: Vec<Value> = std::fs::read_to_string(&removed_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), past.len());
    for (line, rec) in lines.iter().zip(&past) {
        assert_eq!(line["msgId"], rec["msgId"], "{line}");
        assert_eq!(line["physicalOffset"], rec["commitLogOffset"], "{line}");
        assert_eq!(line["queueId"], rec["queueId"], "{line}");
        assert_eq!(line["queueOffset"], rec["queueOffset"], "{line}");
        assert_eq!(line["size"], rec["storeSize"], "{line}");
        assert_eq!(line["topic"], rec["topic"], "{line}");
        assert_eq!(line["uniqKey"], rec["properties"]["UNIQ_KEY"], "{line}");
        assert_eq!(line["keys"], rec["properties"]["KEYS"], "{line}");
        assert_eq!(line["storeTimestamp"], rec["storeTimestamp"], "{line}");
    }
    // The new queue ends: per queue, the queue offset of its first removed message.
    let mut expected_max: BTreeMap<i64, i64> = BTreeMap::new();
    for r in &ours {
        let q = r["queueId"].as_i64().unwrap();
        let next = if r["commitLogOffset"].as_i64().unwrap() < cut {
            r["queueOffset"].as_i64().unwrap() + 1
        } else {
            0
        };
        let e = expected_max.entry(q).or_default();
        *e = (*e).max(next);
    }
    let cqs = done["consumeQueues"].as_array().unwrap();
    for q in cqs.iter().filter(|q| q["topic"] == TOPIC) {
        let id = q["queueId"].as_i64().unwrap();
        assert_eq!(
            q["newMaxOffset"].as_i64(),
            expected_max.get(&id).copied(),
            "{q}"
        );
    }
    let clamped = done["offsetsClamped"].as_array().unwrap();
    assert!(
        clamped.iter().any(|o| o["group"] == GROUP),
        "the group's offsets past the cut are clamped: {done}"
    );
    for o in clamped.iter().filter(|o| o["group"] == GROUP) {
        let id = o["queueId"].as_i64().unwrap();
        assert_eq!(o["to"].as_i64(), expected_max.get(&id).copied(), "{o}");
    }
    // The cut store is consistent (CRCs, ConsumeQueues against the CommitLog, index).
    let verify = rmq(&["store", "verify", "--store"]).arg(&store).run();
    assert!(verify.success(), "{}\n{}", verify.stdout, verify.stderr);
    // The log ends exactly at the cut.
    let after = array(
        rmq(&["store", "dump", "commitlog", "--store"])
            .arg(&store)
            .args(["-o", "json"])
            .run()
            .json(),
    );
    let last = after.last().unwrap();
    assert_eq!(
        last["commitLogOffset"].as_i64().unwrap() + last["storeSize"].as_i64().unwrap(),
        cut
    );

    // The broker on the cut store: exactly the kept messages, the queues end at the cut, and
    // new messages continue from there.
    c.broker_mut().restart();
    c.wait_registered();
    let kept = consume_all(&c, KEPT);
    let want: BTreeSet<String> = (0..KEPT).map(body).collect();
    assert_eq!(bodies(&kept), want);
    let max_now = max_offsets(&c);
    for (q, max) in &max_now {
        assert_eq!(Some(max), expected_max.get(q).or(Some(&0)), "queue {q}");
    }
    for i in SENT..SENT + 4 {
        let sent = array(
            c.cli(&["message", "send", "-t", TOPIC, &body(i), "-o", "json"])
                .run_until_ok(Duration::from_secs(10))
                .json(),
        );
        let q = sent[0]["queueId"].as_i64().unwrap();
        let qo = sent[0]["queueOffset"].as_i64().unwrap();
        let e = expected_max.entry(q).or_default();
        assert_eq!(qo, *e, "a new message continues its queue from the cut");
        *e += 1;
    }
    let all = consume_all(&c, KEPT + 4);
    let mut want = want;
    want.extend((SENT..SENT + 4).map(body));
    assert_eq!(bodies(&all), want);
    // Key lookups (the rebuilt index): a kept message is found once, a removed one not at all.
    let kept_key = c
        .cli(&["message", "get", "-t", TOPIC, "-k", "key-3", "-o", "json"])
        .run()
        .json();
    let kept_key = array(kept_key);
    assert_eq!(kept_key.len(), 1, "{kept_key:?}");
    assert_eq!(kept_key[0]["body"], body(3));
    let removed_key = c
        .cli(&["message", "get", "-t", TOPIC, "-k", "key-30", "-o", "json"])
        .run();
    assert!(
        !removed_key.success() || array(removed_key.json()).is_empty(),
        "{}",
        removed_key.stdout
    );
}

/// An rmq broker's store, cut with `rmq store truncate`, opened by the Java 4.9.7 broker: it
/// recovers the log to the cut (the zeros there end its scan as they end rmq's), serves exactly
/// the kept messages, and continues the queues from the cut.
#[test]
fn java_broker_reads_a_truncated_store() {
    let Some(broker_lib) = common::java_broker_lib() else {
        return;
    };
    let dir = common::temp_dir("truncate-java");
    let ns = common::Daemon::namesrv(&dir.path().join("ns"));
    let mut broker = common::Daemon::broker(dir.path(), &ns.addr, "");
    let store = broker.store();
    let cli = |args: &[&str]| rmq(args).namesrv(&ns.addr);
    for i in 0..SENT {
        cli(&[
            "message",
            "send",
            "-t",
            TOPIC,
            &body(i),
            "-k",
            &format!("key-{i}"),
        ])
        .run_until_ok(Duration::from_secs(10));
    }
    assert!(broker.stop().success());
    drop(ns);

    let records = array(
        rmq(&["store", "dump", "commitlog", "--store"])
            .arg(&store)
            .args(["-o", "json"])
            .run()
            .json(),
    );
    let ours: Vec<&Value> = records.iter().filter(|r| r["topic"] == TOPIC).collect();
    assert_eq!(ours.len(), SENT);
    let cut = ours[KEPT]["commitLogOffset"].as_i64().unwrap();
    let mut expected_max: BTreeMap<i64, i64> = BTreeMap::new();
    for r in ours
        .iter()
        .filter(|r| r["commitLogOffset"].as_i64().unwrap() < cut)
    {
        let e = expected_max
            .entry(r["queueId"].as_i64().unwrap())
            .or_default();
        *e = (*e).max(r["queueOffset"].as_i64().unwrap() + 1);
    }
    rmq(&["store", "truncate", "--store"])
        .arg(&store)
        .args(["--to", &cut.to_string(), "--yes"])
        .run()
        .ok();

    // rmq keeps CommitLog files retention deleted beside the CommitLog directory for reuse
    // (`commitLogReuseFiles`): the Java broker must not mind that directory.
    let pool = store.join("commitlog-reuse");
    std::fs::create_dir_all(&pool).unwrap();
    std::fs::write(pool.join("00000000000000000000"), [7u8; 4096]).unwrap();
    let ns = common::Daemon::namesrv(&dir.path().join("ns-java"));
    let java = common::java_cluster::JavaBroker::start(
        &broker_lib,
        &dir.path().join("java"),
        &store,
        &ns.addr,
    );
    let c = |args: &[&str]| rmq(args).namesrv(&ns.addr);
    let deadline = Instant::now() + Duration::from_secs(30);
    let kept = loop {
        let out = c(&[
            "message", "consume", "-t", TOPIC, "--from", "earliest", "-o", "json",
        ])
        .run();
        if out.success() {
            let all = array(out.json());
            if all.len() >= KEPT || Instant::now() > deadline {
                break all;
            }
        }
        assert!(
            Instant::now() < deadline,
            "consume via Java: {}",
            out.stderr
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(bodies(&kept), (0..KEPT).map(body).collect::<BTreeSet<_>>());
    let status = c(&["topic", "status", "-t", TOPIC, "-o", "json"]).json();
    for q in status["queues"].as_array().unwrap() {
        let id = q["queueId"].as_i64().unwrap();
        assert_eq!(
            q["maxOffset"].as_i64(),
            Some(expected_max.get(&id).copied().unwrap_or(0)),
            "queue {id} on the Java broker: {status}"
        );
    }
    let sent = array(
        c(&["message", "send", "-t", TOPIC, &body(SENT), "-o", "json"])
            .run_until_ok(Duration::from_secs(10))
            .json(),
    );
    let q = sent[0]["queueId"].as_i64().unwrap();
    assert_eq!(
        sent[0]["queueOffset"].as_i64(),
        Some(expected_max.get(&q).copied().unwrap_or(0)),
        "the Java broker continues the queue from the cut"
    );
    // The running Java broker holds the store lock: a truncation is refused.
    let out = rmq(&["store", "truncate", "--store"])
        .arg(&store)
        .args(["--to", "0", "--yes"])
        .run();
    assert_eq!(out.code(), Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("in use"), "{}", out.stderr);
    java.stop();
}

/// The failover case: the old master was killed (SIGKILL, `abort` left behind). The cut store
/// recovers abnormally on restart, from the lowered checkpoint, to exactly the kept messages.
#[test]
fn a_killed_brokers_store_is_cut_and_recovers_abnormally() {
    let mut c = Cluster::builder("truncate-killed")
        .broker_props(SMALL_FILES)
        .wait_registered()
        .start();
    let store = c.broker().store();
    for i in 0..SENT {
        c.cli(&["message", "send", "-t", TOPIC, &body(i)])
            .run_until_ok(Duration::from_secs(10));
    }
    c.broker_mut().kill();
    assert!(store.join("abort").exists());
    let records = array(
        rmq(&["store", "dump", "commitlog", "--store"])
            .arg(&store)
            .args(["-o", "json"])
            .run()
            .json(),
    );
    let ours: Vec<&Value> = records.iter().filter(|r| r["topic"] == TOPIC).collect();
    let cut = ours[KEPT]["commitLogOffset"].as_i64().unwrap().to_string();
    let done = rmq(&["store", "truncate", "--store"])
        .arg(&store)
        .args(["--to", &cut, "--yes", "-o", "json"])
        .run()
        .json();
    assert_eq!(done["uncleanShutdown"], true, "{done}");
    assert_eq!(done["perTopic"][TOPIC], SENT - KEPT, "{done}");
    let removed = PathBuf::from(done["removedFile"].as_str().unwrap());
    assert!(
        removed.starts_with(&store),
        "default removed file: {removed:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&removed).unwrap().lines().count(),
        SENT - KEPT
    );
    c.broker_mut().restart();
    c.wait_registered();
    let kept = consume_all(&c, KEPT);
    assert_eq!(bodies(&kept), (0..KEPT).map(body).collect::<BTreeSet<_>>());
}
