//! `rmq backlog`: a group's backlog over 4 queues forwarded to 16 (rmq and the Java 4.9.7
//! broker), checked message by message from the outside: every source message of the range
//! exactly once in the target (key, tags, body, flag, user properties, origin properties),
//! nothing from before the range, per-key order, the group's offsets at the range end and new
//! arrivals only for the group; `verify`; and a SIGKILL half-way then a resume, with duplicates
//! within the stated bound and nothing missing.
//!
//! Size: `RMQ_BACKLOG_TEST_MESSAGES` (default 200,000 messages of 1 KiB, which keeps each
//! scenario of a debug test run under about 40 s on two cores). The issue's figure is
//! `RMQ_BACKLOG_TEST_MESSAGES=1000000 cargo test --test backlog` (about 2 minutes per scenario
//! in the debug build; less with `--release`). The Java scenario uses
//! `RMQ_BACKLOG_JAVA_MESSAGES` (default 20,000).

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::java_cluster::{JavaBroker, JavaNamesrv};
use common::{temp_dir, Cluster, Spawned};
use rmq::client::backlog::{
    ORIGIN_BROKER, ORIGIN_MSGID, ORIGIN_OFFSET, ORIGIN_QUEUE, ORIGIN_TOPIC,
};
use rmq::client::Sent;
use rmq::client::{
    ClientError, Message, MqClient, Producer, ProducerOptions, PullConsumer, QueueSelect,
    ReadEvent, Reader, Start, TOOLS_GROUP,
};
use rmq::common::message::{
    crc32, encode_batch, get_property, java_string_hash, push_property, BatchItem,
};
use rmq::protocol::SerializeType;
use serde_json::Value;

const SOURCE: &str = "BacklogSrc";
const TARGET: &str = "BacklogSrc_TMP";
const GROUP: &str = "backlog_group";
/// Messages per source queue the group had consumed before the incident.
const CONSUMED: i64 = 100;
const KEYS: u64 = 1000;

fn env_count(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn client(ns: &str) -> Arc<MqClient> {
    Arc::new(MqClient::new(
        &[ns.to_string()],
        Duration::from_secs(10),
        SerializeType::Json,
    ))
}

/// The key of message `i` (every 97th message has none).
fn key_of(i: u64) -> Option<String> {
    (!i.is_multiple_of(97)).then(|| format!("key-{}", i % KEYS))
}

/// The source queue of message `i`: Java's hash of its key over 4 queues, so all of a key's
/// messages are in one queue (one source order per key).
fn queue_of(i: u64) -> i32 {
    match key_of(i) {
        Some(k) => (java_string_hash(&k) % 4).abs(),
        None => (i % 4) as i32,
    }
}

/// Sends `count` messages of 1 KiB to the 4 queues of `topic`: keys over [`KEYS`] values, tag
/// `Tag<i % 3>`, flag `i % 5`, user property `seq`, the sequence number at the start of the
/// body. Producer batches of 64 per queue, several in flight; the batch header carries no
/// properties (as a Java producer's batch: a 4.x broker appends the header's properties to
/// every message of the batch).
async fn fill(ns: &str, topic: &str, count: u64) {
    let producer = Arc::new(Producer::new(
        client(ns),
        ProducerOptions {
            group: "backlog_test_producer".into(),
            ..ProducerOptions::default()
        },
    ));
    let base: Vec<u8> = (0..1024u32).map(|j| (j * 7 + 13) as u8).collect();
    // Per queue: (flag, body, properties) of the batch being built.
    let mut per_queue: Vec<Vec<(i32, Vec<u8>, String)>> = vec![Vec::new(); 4];
    let mut sends = tokio::task::JoinSet::new();
    let send = |queue: usize, items: Vec<(i32, Vec<u8>, String)>| {
        let body = Bytes::from(encode_batch(items.iter().map(|(flag, body, props)| {
            BatchItem {
                flag: *flag,
                body,
                properties: props,
            }
        })));
        let (p, topic) = (producer.clone(), topic.to_string());
        async move {
            // A loaded Java broker may answer "broker busy": try again.
            let mut tries = 0;
            loop {
                let sent = p
                    .send_encoded_batch(&topic, "broker-a", queue as i32, body.clone())
                    .await;
                tries += 1;
                if sent.result.is_ok() || tries == 20 {
                    return sent;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    for i in 0..count {
        let mut body = base.clone();
        body[..10].copy_from_slice(format!("{i:010}").as_bytes());
        let mut props = String::new();
        if let Some(k) = key_of(i) {
            push_property(&mut props, "KEYS", &k);
        }
        push_property(&mut props, "TAGS", &format!("Tag{}", i % 3));
        push_property(&mut props, "seq", &i.to_string());
        let q = queue_of(i) as usize;
        per_queue[q].push(((i % 5) as i32, body, props));
        if per_queue[q].len() == 64 {
            while sends.len() >= 8 {
                let sent: Sent = sends.join_next().await.unwrap().unwrap();
                sent.result.expect("filling the backlog");
            }
            sends.spawn(send(q, std::mem::take(&mut per_queue[q])));
        }
    }
    for (q, items) in per_queue.into_iter().enumerate() {
        if !items.is_empty() {
            sends.spawn(send(q, items));
        }
    }
    while let Some(sent) = sends.join_next().await {
        sent.unwrap().result.expect("filling the backlog");
    }
    producer.client().shutdown().await;
}

/// A stored message as the checks compare it.
#[derive(Clone, Debug)]
struct Stored {
    queue_id: i32,
    offset: i64,
    keys: Option<String>,
    tags: Option<String>,
    seq: Option<String>,
    flag: i32,
    body_crc: i32,
    body_len: usize,
    msg_id: String,
    /// (topic, broker, queue, offset, msg id) from the origin properties.
    origin: Option<(String, String, i32, i64, String)>,
}

/// Every message of `topic`, queue by queue in offset order (queues read at once).
async fn read_all(ns: &str, topic: &str) -> Vec<Stored> {
    let client = client(ns);
    let consumer = PullConsumer::new(client.clone(), topic, TOOLS_GROUP);
    let queues = consumer.queues(None, None).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for q in queues {
        let consumer = consumer.clone();
        tasks.spawn(async move {
            let mut reader = Reader::open(consumer, vec![q], Some(Start::Earliest), false)
                .await
                .unwrap();
            let mut out = Vec::new();
            reader
                .read(&mut |e: ReadEvent<'_>| -> Result<(), ClientError> {
                    if let ReadEvent::Message { record: r, .. } = e {
                        let props = r.properties();
                        let get = |n: &str| get_property(&props, n).map(str::to_string);
                        let origin = get(ORIGIN_TOPIC).map(|t| {
                            (
                                t,
                                get(ORIGIN_BROKER).unwrap(),
                                get(ORIGIN_QUEUE).unwrap().parse().unwrap(),
                                get(ORIGIN_OFFSET).unwrap().parse().unwrap(),
                                get(ORIGIN_MSGID).unwrap(),
                            )
                        });
                        out.push(Stored {
                            queue_id: r.queue_id,
                            offset: r.queue_offset,
                            keys: get("KEYS"),
                            tags: get("TAGS"),
                            seq: get("seq"),
                            flag: r.flag,
                            body_crc: crc32(r.body),
                            body_len: r.body.len(),
                            msg_id: r.offset_msg_id(),
                            origin,
                        });
                    }
                    Ok(())
                })
                .await
                .unwrap();
            out
        });
    }
    let mut all = Vec::new();
    while let Some(part) = tasks.join_next().await {
        all.extend(part.unwrap());
    }
    client.shutdown().await;
    all
}

/// Compares the target with the source range (`CONSUMED..` of every queue): each source
/// message at least once with the same key, tags, flag, body, `seq` and origin; nothing from
/// outside the range; a key's messages in one target queue in source order (first copies);
/// returns the duplicate count per source queue.
fn check_target(source: &[Stored], target: &[Stored]) -> HashMap<i32, u64> {
    let by_origin: HashMap<(i32, i64), &Stored> =
        source.iter().map(|s| ((s.queue_id, s.offset), s)).collect();
    let mut copies: HashMap<(i32, i64), u64> = HashMap::new();
    // Target queue of each key, and the last source offset seen per (key, target queue).
    let mut key_queue: HashMap<&str, (i32, &Stored)> = HashMap::new();
    let mut last_of_key: HashMap<&str, i64> = HashMap::new();
    let mut target = target.to_vec();
    target.sort_by_key(|t| (t.queue_id, t.offset));
    for t in &target {
        let (topic, broker, queue, offset, msg_id) = t.origin.as_ref().expect("origin properties");
        assert_eq!(topic, SOURCE);
        assert_eq!(broker, "broker-a");
        assert!(
            *offset >= CONSUMED,
            "{offset} was consumed before the migration"
        );
        let s = by_origin
            .get(&(*queue, *offset))
            .unwrap_or_else(|| panic!("target message from {queue}/{offset} is not in the source"));
        assert_eq!(
            (&t.keys, &t.tags, &t.seq, t.flag, t.body_crc, t.body_len),
            (&s.keys, &s.tags, &s.seq, s.flag, s.body_crc, s.body_len),
            "message {queue}/{offset}"
        );
        assert_eq!(msg_id, &s.msg_id, "origin msg id of {queue}/{offset}");
        let n = copies.entry((*queue, *offset)).or_default();
        *n += 1;
        if *n > 1 {
            continue;
        }
        if let Some(k) = s.keys.as_deref() {
            let (q, first) = *key_queue.entry(k).or_insert((t.queue_id, t));
            assert_eq!(
                q, t.queue_id,
                "key {k} in two target queues: {first:?} and {t:?}"
            );
            let last = last_of_key.entry(k).or_insert(-1);
            assert!(
                *last < *offset,
                "key {k}: {offset} after {last} in the target"
            );
            *last = *offset;
        }
    }
    let mut duplicates: HashMap<i32, u64> = HashMap::new();
    for s in source.iter().filter(|s| s.offset >= CONSUMED) {
        let n = copies
            .get(&(s.queue_id, s.offset))
            .copied()
            .unwrap_or_else(|| panic!("{}/{} missing in the target", s.queue_id, s.offset));
        *duplicates.entry(s.queue_id).or_default() += n - 1;
    }
    duplicates
}

/// Creates the source topic (4 queues), fills it and commits the group's offsets at
/// [`CONSUMED`] (what its consumers had done before the backlog grew).
fn prepare_source(rt: &tokio::runtime::Runtime, ns: &str, count: u64) {
    let out = common::rmq(&[
        "topic",
        "create",
        "-t",
        SOURCE,
        "-c",
        "DefaultCluster",
        "-r",
        "4",
        "-w",
        "4",
    ])
    .namesrv(ns)
    .run_until_ok(Duration::from_secs(20));
    assert!(out.success(), "{}", out.stderr);
    let started = Instant::now();
    rt.block_on(async {
        // The route must show the new topic before the producer reads it.
        let c = client(ns);
        common::eventually("the source topic's route", Duration::from_secs(20), || {
            let c = c.clone();
            async move { c.route(SOURCE).await.is_ok() }
        })
        .await;
        fill(ns, SOURCE, count).await;
        let group = PullConsumer::new(c.clone(), SOURCE, GROUP);
        for q in group.queues(None, None).await.unwrap() {
            group.commit(&q, CONSUMED).await.unwrap();
        }
        c.shutdown().await;
    });
    eprintln!("filled {count} messages in {:?}", started.elapsed());
    // The queues count a message once the broker has dispatched it (asynchronously, behind
    // the CommitLog: a loaded Java broker was seen a few hundred behind right after the sends).
    common::wait_until(
        "every sent message in the source's queues",
        Duration::from_secs(30),
        || offsets(rt, ns).iter().map(|(_, _, max)| max).sum::<i64>() == count as i64,
    );
}

/// The group's committed offsets per queue id, and each queue's max offset.
fn offsets(rt: &tokio::runtime::Runtime, ns: &str) -> Vec<(i32, Option<i64>, i64)> {
    rt.block_on(async {
        let c = client(ns);
        let group = PullConsumer::new(c.clone(), SOURCE, GROUP);
        let mut out = Vec::new();
        for q in group.queues(None, None).await.unwrap() {
            let committed = group.committed(&q).await.unwrap();
            let max = c
                .max_offset(&q.broker_addr, SOURCE, q.queue_id)
                .await
                .unwrap();
            out.push((q.queue_id, committed, max));
        }
        c.shutdown().await;
        out
    })
}

/// After a finished migration: the group's offsets are at the range ends, and a read from them
/// sees only messages sent afterwards.
fn check_group_moved_on(rt: &tokio::runtime::Runtime, ns: &str, count: u64) {
    let before = offsets(rt, ns);
    let total: i64 = before.iter().map(|(_, _, max)| max).sum();
    assert_eq!(total as u64, count);
    for (q, committed, max) in &before {
        assert_eq!(*committed, Some(*max), "group offset of queue {q}");
    }
    rt.block_on(async {
        let producer = Producer::new(client(ns), ProducerOptions::default());
        for i in 0..8 {
            let m = Message::new(SOURCE, format!("after-{i}")).with_wait_store();
            producer
                .send(&m, QueueSelect::Queue(i % 4))
                .await
                .result
                .unwrap();
        }
        producer.client().shutdown().await;
    });
    // The Java broker enters a stored message in its ConsumeQueue asynchronously (its reput
    // thread), so a read right after the sends may end before the last of them: wait until the
    // queues show all eight.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let total: i64 = offsets(rt, ns).iter().map(|(_, _, max)| max).sum();
        if total as u64 == count + 8 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    rt.block_on(async {
        let c = client(ns);
        let group = PullConsumer::new(c.clone(), SOURCE, GROUP);
        let queues = group.queues(None, None).await.unwrap();
        let mut reader = Reader::open(group, queues, None, true).await.unwrap();
        let mut seen = Vec::new();
        reader
            .read(&mut |e: ReadEvent<'_>| -> Result<(), ClientError> {
                if let ReadEvent::Message { record, .. } = e {
                    seen.push(String::from_utf8_lossy(record.body).into_owned());
                }
                Ok(())
            })
            .await
            .unwrap();
        seen.sort();
        let expected: Vec<String> = (0..8).map(|i| format!("after-{i}")).collect();
        assert_eq!(
            seen, expected,
            "the group sees only what arrived after the migration"
        );
        c.shutdown().await;
    });
}

fn verify(ns: &str, state: &Path) -> Value {
    let out = common::rmq(&["backlog", "verify", "-o", "json", "--state"])
        .arg(state)
        .namesrv(ns)
        .run();
    assert!(
        out.success(),
        "verify failed:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    let v = out.json();
    assert_eq!(v["ok"], true);
    v
}

/// The whole scenario on a cluster at `ns`; `kill_at` SIGKILLs the first migrate at that
/// fraction of the backlog and resumes.
fn scenario(ns: &str, dir: &Path, count: u64, kill_at: Option<f64>) {
    let rt = runtime();
    prepare_source(&rt, ns, count);
    let range = count - 4 * CONSUMED as u64;

    let plan = common::rmq(&["backlog", "plan", "-t", SOURCE, "-g", GROUP, "-o", "json"])
        .namesrv(ns)
        .json();
    assert_eq!(plan["backlog"], range);
    assert_eq!(plan["targetQueues"], 16);

    let state = dir.join("backlog-state.json");
    let batch = 1000u64;
    let migrate = |extra: &[&str]| {
        let mut r = common::rmq(&[
            "backlog", "migrate", "-t", SOURCE, "-g", GROUP, "--to", TARGET, "--create",
            "--queues", "16", "--yes", "-o", "json", "--batch", "1000", "--state",
        ])
        .arg(&state)
        .namesrv(ns);
        for a in extra {
            r = r.arg(a);
        }
        r
    };
    let started = Instant::now();
    if let Some(fraction) = kill_at {
        // Slow enough to be caught half-way on any machine.
        let rate = (range / 8).max(1000).to_string();
        let mut child = Spawned::spawn(&mut migrate(&["--rate", rate.as_str()]).command());
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            assert!(Instant::now() < deadline, "migrate never got half-way");
            assert!(
                child.try_wait().is_none(),
                "migrate ended before it was killed"
            );
            let done = std::fs::read(&state)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .map_or(0, |s| {
                    s["queues"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|q| q["next"].as_i64().unwrap() - q["start"].as_i64().unwrap())
                        .sum::<i64>()
                });
            if done as f64 >= range as f64 * fraction {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill();
        let status = common::rmq(&["backlog", "status", "-o", "json", "--state"])
            .arg(&state)
            .json();
        assert_eq!(status["done"], false);
        let forwarded = status["forwarded"].as_u64().unwrap();
        assert!(
            forwarded > 0 && forwarded < range,
            "killed at {forwarded} of {range}"
        );
        eprintln!("killed migrate at {forwarded} of {range}");
        // Resume: the state file alone says what to do.
        let out = common::rmq(&["backlog", "migrate", "--yes", "-o", "json", "--state"])
            .arg(&state)
            .namesrv(ns)
            .json();
        assert_eq!(out["total"], range);
        assert_eq!(out["offsetsCommitted"], true);
    } else {
        let out = migrate(&[]).json();
        assert_eq!(out["total"], range);
        assert_eq!(out["forwarded"], range);
        assert_eq!(out["targetQueues"], 16);
        assert_eq!(out["offsetsCommitted"], true);
        eprintln!(
            "migrated {range} messages at {} msgs/s",
            out["msgsPerSec"].as_f64().unwrap() as u64
        );
    }
    eprintln!("migration took {:?}", started.elapsed());

    let v = verify(ns, &state);
    let status = common::rmq(&["backlog", "status", "-o", "json", "--state"])
        .arg(&state)
        .json();
    assert_eq!(status["done"], true);
    assert_eq!(status["forwarded"], range);

    let (source, target) =
        rt.block_on(async { (read_all(ns, SOURCE).await, read_all(ns, TARGET).await) });
    assert_eq!(source.len() as u64, count);
    let target_queues: std::collections::BTreeSet<i32> =
        target.iter().map(|t| t.queue_id).collect();
    assert_eq!(target_queues.len(), 16, "every target queue is used");
    let duplicates = check_target(&source, &target);
    eprintln!("duplicates per source queue: {duplicates:?}");
    for (q, d) in &duplicates {
        if kill_at.is_none() {
            assert_eq!(*d, 0, "exactly once: queue {q}");
        } else {
            assert!(*d <= batch, "queue {q}: {d} duplicates, bound {batch}");
        }
        let reported = v["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["queueId"] == *q)
            .unwrap()["duplicates"]
            .as_u64()
            .unwrap();
        assert_eq!(reported, *d, "verify's duplicate count of queue {q}");
    }
    check_group_moved_on(&rt, ns, count);
}

fn rmq_cluster(tag: &str) -> Cluster {
    Cluster::builder(tag)
        .broker_props("mappedFileSizeCommitLog=134217728\n")
        .wait_registered()
        .start()
}

#[test]
fn a_backlog_moves_to_sixteen_queues_exactly_once_in_key_order() {
    let count = env_count("RMQ_BACKLOG_TEST_MESSAGES", 200_000);
    let cluster = rmq_cluster("backlog");
    scenario(&cluster.ns(), cluster.path(), count, None);

    // A verify that finds a difference fails: a state claiming a range the target lacks.
    let state = cluster.path().join("backlog-state.json");
    let mut s: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    s["queues"][0]["start"] = Value::from(0);
    let broken = cluster.path().join("broken-state.json");
    std::fs::write(&broken, serde_json::to_vec(&s).unwrap()).unwrap();
    let out = cluster
        .cli(&["backlog", "verify", "--state"])
        .arg(&broken)
        .run();
    assert_eq!(out.code(), Some(1), "{}", out.stdout);
}

#[test]
fn a_killed_migration_resumes_with_bounded_duplicates() {
    let count = env_count("RMQ_BACKLOG_TEST_MESSAGES", 200_000);
    let cluster = rmq_cluster("backlog-kill");
    scenario(&cluster.ns(), cluster.path(), count, Some(0.4));
}

#[test]
fn system_topics_are_refused_with_a_reason() {
    let cluster = Cluster::start("backlog-refuse");
    for (topic, why) in [
        ("SCHEDULE_TOPIC_XXXX", "delayed"),
        ("RMQ_SYS_TRANS_HALF_TOPIC", "half"),
        ("%RETRY%g", "retry"),
        ("%DLQ%g", "dead-letter"),
    ] {
        let out = cluster.rmq(&["backlog", "migrate", "-t", topic, "-g", "g", "--yes"]);
        assert_eq!(out.code(), Some(1));
        assert!(out.stderr.contains(why), "{topic}: {}", out.stderr);
    }
}

#[test]
fn a_backlog_moves_on_the_java_broker() {
    let Some(lib) = common::java_broker_lib() else {
        return;
    };
    let count = env_count("RMQ_BACKLOG_JAVA_MESSAGES", 20_000);
    let dir = temp_dir("backlog-java");
    let namesrv = JavaNamesrv::start(&lib, &dir.path().join("namesrv"));
    let broker = JavaBroker::start(
        &lib,
        &dir.path().join("broker"),
        &dir.path().join("store"),
        &namesrv.addr,
    );
    scenario(&namesrv.addr, dir.path(), count, None);
    drop(broker);
    drop(namesrv);
}

/// The broker is killed half-way and started again (on another port): the running migration
/// waits for it, finds it at its new address and finishes; `verify` passes.
#[test]
fn a_broker_restart_mid_way_is_ridden_out() {
    let count = env_count("RMQ_BACKLOG_TEST_MESSAGES", 200_000).min(100_000);
    let mut cluster = rmq_cluster("backlog-restart");
    let ns = cluster.ns();
    let rt = runtime();
    prepare_source(&rt, &ns, count);
    let range = count - 4 * CONSUMED as u64;
    let state = cluster.path().join("backlog-state.json");
    let rate = (range / 6).max(1000).to_string();
    // Its log goes to a file so a failure below can show why.
    let log = cluster.path().join("migrate.log");
    let mut child = Spawned::spawn(
        common::rmq(&[
            "backlog", "migrate", "-t", SOURCE, "-g", GROUP, "--to", TARGET, "--create",
            "--queues", "16", "--yes", "--batch", "1000", "--rate", &rate, "--state",
        ])
        .arg(&state)
        .namesrv(&ns)
        .command()
        .stderr(std::fs::File::create(&log).unwrap()),
    );
    common::wait_until(
        "a third of the backlog forwarded",
        Duration::from_secs(60),
        || {
            std::fs::read(&state)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .is_some_and(|s| {
                    let done: i64 = s["queues"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|q| q["next"].as_i64().unwrap() - q["start"].as_i64().unwrap())
                        .sum();
                    done as u64 >= range / 3
                })
        },
    );
    cluster.broker_mut().restart();
    cluster.wait_registered();
    let status = child
        .wait_bounded(Duration::from_secs(120))
        .expect("migrate finishes after the restart");
    assert!(
        status.success(),
        "migrate failed ({status}): {:?}\n{}",
        child.lines(),
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    verify(&ns, &state);
    let (source, target) =
        rt.block_on(async { (read_all(&ns, SOURCE).await, read_all(&ns, TARGET).await) });
    let duplicates = check_target(&source, &target);
    eprintln!("duplicates per source queue after the restart: {duplicates:?}");
    for (q, d) in duplicates {
        assert!(d <= 1000, "queue {q}: {d} duplicates");
    }
    check_group_moved_on(&rt, &ns, count);
}

/// A topic on two brokers: the created target's queues are spread over both masters (4x the
/// source's queues), every source queue is forwarded, and `verify` passes.
#[test]
fn a_two_broker_topic_spreads_over_both_masters() {
    let cluster = Cluster::builder("backlog-two")
        .brokers(&["broker-a", "broker-b"])
        .wait_registered()
        .start();
    let out = cluster.rmq(&[
        "topic",
        "create",
        "-t",
        SOURCE,
        "-c",
        "DefaultCluster",
        "-r",
        "2",
        "-w",
        "2",
    ]);
    assert!(out.success(), "{}", out.stderr);
    let sent = cluster
        .cli(&[
            "perf", "produce", "-t", SOURCE, "--count", "8000", "--mode", "batch", "--batch", "16",
            "--keys", "-o", "json",
        ])
        .run_until_ok(Duration::from_secs(30));
    assert!(sent.success(), "{}", sent.stderr);
    let state = cluster.path().join("two.json");
    let out = cluster
        .cli(&[
            "backlog", "migrate", "-t", SOURCE, "-g", GROUP, "--to", TARGET, "--create", "--yes",
            "-o", "json", "--state",
        ])
        .arg(&state)
        .json();
    assert_eq!(out["total"], 8000);
    assert_eq!(out["targetQueues"], 16, "4x the source's 4 queues");
    let route = cluster.json(&["topic", "route", "-t", TARGET, "-o", "json"]);
    let queues: Vec<(String, i64)> = route["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["brokerName"].as_str().unwrap().to_string(),
                q["writeQueueNums"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut queues = queues;
    queues.sort();
    assert_eq!(
        queues,
        vec![("broker-a".to_string(), 8), ("broker-b".to_string(), 8)]
    );
    let v = verify(&cluster.ns(), &state);
    let brokers: std::collections::BTreeSet<&str> = v["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["brokerName"].as_str().unwrap())
        .collect();
    assert_eq!(brokers.len(), 2, "both brokers' source queues are checked");
}
