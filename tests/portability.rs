//! Store portability between rmq and the Java broker, checked with the real Java client.
//!
//! rmq's store must be byte-compatible with Apache RocketMQ 4.9.8's: a store the Java broker
//! wrote opens in rmq with every message readable and every offset intact, and a store rmq
//! wrote opens in the Java broker, which serves every message to a Java consumer.
//!
//! The Java broker here is **4.9.7**: Maven Central serves no 4.9.8 `rocketmq-broker` (nor
//! `rocketmq-namesrv`), and 4.9.7's store format (CommitLog records, ConsumeQueue units, index
//! files, checkpoint, `config/*.json`) is the same as 4.9.8's. Its jars live in their own
//! directory (`tests/java/broker-pom.xml`, `common::java_broker_lib()`), apart from the 4.9.8
//! client jars the producer and consumers run with (`common::java_lib()`).
//!
//! Each test writes 2 × 100 messages with tags A/B over 4 queues plus one batch of 10; between
//! the two halves a push consumer group [`GROUP`] consumes the first half, so the store holds
//! committed offsets in the middle of the queues. The other broker then opens the same store
//! and must report the same max offsets and committed offsets, return every record at its
//! physical offset (VIEW_MESSAGE_BY_ID) and by key (QUERY_MESSAGE, the index), serve all 210
//! messages to a new group and only the unconsumed 110 to [`GROUP`].
//!
//! The Java broker runs as a child process (`common::java_cluster::JavaBroker`, shared with
//! `tests/java_cluster_admin.rs`). It costs ~5 s and ~500 MB to start: the tests take a lock so
//! that no two JVM brokers ever run at once on a small machine.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::java_cluster::JavaBroker;
use common::{rmq, run_bounded, tail, temp_dir, Daemon, TempDir};
use rmq::common::message::{self, decode_records};
use rmq::net::{ClientOptions, RemotingClient};
use rmq::protocol::header::{
    OffsetResponseHeader, QueryConsumerOffsetRequestHeader, QueryMessageRequestHeader,
    TopicQueueRequestHeader, ViewMessageRequestHeader,
};
use rmq::protocol::{CommandHeader, RemotingCommand, RequestCode, ResponseCode};

const TOPIC: &str = "PortabilityTopic";
/// The consumer group that consumes the first half before the store changes hands.
const GROUP: &str = "portability_group";
/// Messages per produce round (two rounds).
const HALF: usize = 100;
/// Messages in the one batch send.
const BATCH: usize = 10;
/// Queues of the auto-created topic (the Java producer's defaultTopicQueueNums).
const QUEUES: i32 = 4;
const T: Duration = Duration::from_secs(10);

/// One JVM broker at a time (see the module docs).
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    // A failed test poisons the lock; the next one may still run.
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

// ---------------------------------------------------------------------------------------------
// Test context: jars, a temp dir, a remoting client, and log tails printed on failure.

struct Ctx {
    client_lib: PathBuf,
    broker_lib: PathBuf,
    rt: tokio::runtime::Runtime,
    client: RemotingClient,
    /// Files whose tails are printed when the test fails (name, path).
    logs: std::cell::RefCell<Vec<(String, PathBuf)>>,
    // Dropped last (fields drop in declaration order), after the logs were printed.
    dir: TempDir,
}

impl Ctx {
    /// `None` (test skipped) without the Java jars, unless RMQ_REQUIRE_JAVA=1.
    fn new(tag: &str) -> Option<Ctx> {
        let client_lib = common::java_lib()?;
        let broker_lib = common::java_broker_lib()?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let client = {
            let _guard = rt.enter();
            RemotingClient::new(ClientOptions::default())
        };
        Some(Ctx {
            client_lib,
            broker_lib,
            rt,
            client,
            logs: Default::default(),
            dir: temp_dir(tag),
        })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn store(&self) -> PathBuf {
        self.path().join("store")
    }

    fn watch(&self, name: &str, path: &Path) {
        self.logs
            .borrow_mut()
            .push((name.to_string(), path.to_path_buf()));
    }

    /// A new subdirectory of the test dir.
    fn subdir(&self, name: &str) -> PathBuf {
        let d = self.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// `rmq namesrv start` in its own subdirectory (each broker phase gets a fresh name server,
    /// so no route of the previous broker lingers).
    fn namesrv(&self, name: &str) -> Daemon {
        let d = Daemon::namesrv(&self.subdir(name));
        self.watch(&format!("rmq {name} stderr"), &d.stderr_log);
        d
    }

    /// The Java 4.9.7 broker on the test's store (`<dir>/store`), its files in `<dir>/<name>`.
    fn java_broker(&self, name: &str, namesrv: &str) -> JavaBroker {
        let broker =
            JavaBroker::start(&self.broker_lib, &self.subdir(name), &self.store(), namesrv);
        for (what, path) in broker.log_files() {
            self.watch(&format!("{name} {what}"), &path);
        }
        broker
    }

    /// `rmq broker start` on the test's store (`<dir>/store`, see `Daemon::broker`).
    fn rmq_broker(&self, namesrv: &str) -> Daemon {
        let d = Daemon::broker(self.path(), namesrv, "");
        self.watch("rmq broker stderr", &d.stderr_log);
        eprintln!("rmq broker serves {} on {}", d.addr, self.store().display());
        d
    }

    /// Runs `tests/java/ClientProbe.java args` (4.9.8 client), bounded; returns its stdout and
    /// panics with its output if it fails.
    fn probe(&self, args: &[&str]) -> String {
        let home = self.subdir("java-client-home");
        let mut cmd = common::java_program(&self.client_lib, "ClientProbe");
        // The launcher reads JDK_JAVA_OPTIONS: the client's own log files
        // (${user.home}/logs/rocketmqlogs) stay in the temp dir, not the real home.
        cmd.env(
            "JDK_JAVA_OPTIONS",
            format!("-Duser.home={}", home.display()),
        )
        .args(args);
        let done = run_bounded(&mut cmd, None, Duration::from_secs(180));
        let (stdout, stderr) = (done.stdout_text(), done.stderr_text());
        let status = done.status;
        assert!(
            done.ok(),
            "ClientProbe {args:?} failed ({status:?}):\n{}\nstderr:\n{}",
            tail(&stdout, 30),
            tail(&stderr, 30)
        );
        eprintln!(
            "ClientProbe {} ({:.1} s): {}",
            args.join(" "),
            done.elapsed.as_secs_f64(),
            stdout
                .lines()
                .rfind(|l| ["PRODUCED ", "CONSUMED ", "BATCH "]
                    .iter()
                    .any(|p| l.starts_with(p)))
                .unwrap_or("")
        );
        stdout
    }

    /// Sync sends of `count` messages with `tags` round-robin; the Java client's SendResults.
    fn produce(&self, ns: &str, tags: &str, count: usize) -> Vec<Sent> {
        let out = self.probe(&["produce", ns, TOPIC, &count.to_string(), tags]);
        let tags: Vec<&str> = tags.split(',').collect();
        let sent: Vec<Sent> = out
            .lines()
            .filter_map(|l| l.strip_prefix("SENT "))
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                assert_eq!(f.len(), 5, "SENT line {l:?}");
                assert_eq!(f[1], "SEND_OK", "{l}");
                let i: usize = f[0].parse().unwrap();
                let tag = tags[i % tags.len()].to_string();
                Sent {
                    body: format!("{tag}-body-{i}"),
                    tag,
                    key: format!("key-{i}"),
                    queue_id: f[2].parse().unwrap(),
                    queue_offset: Some(f[3].parse().unwrap()),
                    physical_offset: phys_of(f[4]),
                }
            })
            .collect();
        assert_eq!(sent.len(), count, "{out}");
        assert!(out.contains(&format!("PRODUCED {count}")), "{out}");
        sent
    }

    /// One batch send of [`BATCH`] messages (tag BatchTag, body batch-j, key bkey-j). The
    /// queue is learnt later from the stored records.
    fn batch(&self, ns: &str) -> Vec<Sent> {
        let out = self.probe(&["batch", ns, TOPIC, &BATCH.to_string()]);
        let line = out
            .lines()
            .find_map(|l| l.strip_prefix("BATCH "))
            .unwrap_or_else(|| panic!("no BATCH line: {out}"));
        let (status, ids) = line.split_once(' ').unwrap();
        assert_eq!(status, "SEND_OK", "{line}");
        let ids: Vec<&str> = ids.split(',').collect();
        assert_eq!(ids.len(), BATCH, "{line}");
        ids.iter()
            .enumerate()
            .map(|(j, id)| Sent {
                tag: "BatchTag".into(),
                body: format!("batch-{j}"),
                key: format!("bkey-{j}"),
                queue_id: -1,
                queue_offset: None,
                physical_offset: phys_of(id),
            })
            .collect()
    }

    /// A push consumer of `group` (CONSUME_FROM_FIRST_OFFSET, i.e. the committed offset when
    /// the group has one) waiting for `expect` messages; the `tag body` of each it received.
    fn push(&self, ns: &str, group: &str, expect: usize) -> Vec<String> {
        let out = self.probe(&["push", ns, TOPIC, group, "*", &expect.to_string(), "90"]);
        assert!(out.contains("\nCONSUMED "), "{out}");
        out.lines()
            .filter_map(|l| l.strip_prefix("GOT "))
            .map(str::to_string)
            .collect()
    }

    fn invoke(&self, addr: &str, request: RemotingCommand) -> RemotingCommand {
        self.rt
            .block_on(self.client.invoke(addr, request, T))
            .unwrap_or_else(|e| panic!("request to {addr}: {e}"))
    }

    /// GET_MAX_OFFSET (or GET_MIN_OFFSET) of each queue of [`TOPIC`].
    fn queue_offsets(&self, addr: &str, code: RequestCode) -> Vec<i64> {
        (0..QUEUES)
            .map(|queue_id| {
                let header = TopicQueueRequestHeader {
                    topic: TOPIC.into(),
                    queue_id,
                    ..Default::default()
                };
                let r = self.invoke(addr, RemotingCommand::request(code, header.to_ext_fields()));
                assert_eq!(r.response_code(), ResponseCode::SUCCESS, "{:?}", r.remark);
                OffsetResponseHeader::from_command(&r).unwrap().offset
            })
            .collect()
    }

    fn max_offsets(&self, addr: &str) -> Vec<i64> {
        self.queue_offsets(addr, RequestCode::GET_MAX_OFFSET)
    }

    fn min_offsets(&self, addr: &str) -> Vec<i64> {
        self.queue_offsets(addr, RequestCode::GET_MIN_OFFSET)
    }

    /// QUERY_CONSUMER_OFFSET of [`GROUP`] per queue (-1: not found).
    fn committed(&self, addr: &str) -> Vec<i64> {
        (0..QUEUES)
            .map(|queue_id| {
                let header = QueryConsumerOffsetRequestHeader {
                    consumer_group: GROUP.into(),
                    topic: TOPIC.into(),
                    queue_id,
                    ..Default::default()
                };
                let r = self.invoke(
                    addr,
                    RemotingCommand::request(
                        RequestCode::QUERY_CONSUMER_OFFSET,
                        header.to_ext_fields(),
                    ),
                );
                if r.response_code() == ResponseCode::SUCCESS {
                    OffsetResponseHeader::from_command(&r).unwrap().offset
                } else {
                    -1
                }
            })
            .collect()
    }

    /// [`GROUP`]'s committed offsets once they equal `want`. The push consumer commits with a
    /// oneway request at shutdown, which may land a moment after the process exited.
    fn committed_eventually(&self, addr: &str, want: &[i64]) -> Vec<i64> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.committed(addr);
            if got == want || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// VIEW_MESSAGE_BY_ID of every sent message: the record at its physical offset must be that
    /// message, in its queue at its queue offset. Fills in the batch's queue and offsets.
    fn check_records(&self, addr: &str, sent: &mut [Sent]) {
        for s in sent.iter_mut() {
            let header = ViewMessageRequestHeader {
                offset: s.physical_offset,
            };
            let r = self.invoke(
                addr,
                RemotingCommand::request(RequestCode::VIEW_MESSAGE_BY_ID, header.to_ext_fields()),
            );
            assert_eq!(
                r.response_code(),
                ResponseCode::SUCCESS,
                "no record at {} ({}): {:?}",
                s.physical_offset,
                s.body,
                r.remark
            );
            let record = decode_records(&r.body)
                .next()
                .expect("one record")
                .unwrap_or_else(|e| panic!("record at {}: {e}", s.physical_offset));
            assert!(record.crc_ok(), "body CRC at {}", s.physical_offset);
            assert_eq!(record.physical_offset, s.physical_offset);
            assert_eq!(record.topic(), TOPIC);
            assert_eq!(String::from_utf8_lossy(record.body), s.body);
            assert_eq!(
                record.property(message::property::TAGS).as_deref(),
                Some(s.tag.as_str())
            );
            assert_eq!(
                record.property(message::property::KEYS).as_deref(),
                Some(s.key.as_str())
            );
            match s.queue_offset {
                Some(o) => {
                    assert_eq!(
                        (record.queue_id, record.queue_offset),
                        (s.queue_id, o),
                        "{}",
                        s.body
                    );
                }
                None => {
                    s.queue_id = record.queue_id;
                    s.queue_offset = Some(record.queue_offset);
                }
            }
        }
        // A batch is stored in one queue at consecutive offsets.
        let batch: Vec<&Sent> = sent.iter().filter(|s| s.tag == "BatchTag").collect();
        for w in batch.windows(2) {
            assert_eq!(w[0].queue_id, w[1].queue_id);
            assert_eq!(w[0].queue_offset.unwrap() + 1, w[1].queue_offset.unwrap());
        }
        eprintln!(
            "  VIEW_MESSAGE_BY_ID at {addr}: all {} records at their physical offsets, queue ids \
             and queue offsets, bodies, tags and keys intact",
            sent.len()
        );
    }

    /// QUERY_MESSAGE (the index) by key: the bodies found.
    fn query_key(&self, addr: &str, key: &str) -> BTreeSet<String> {
        let header = QueryMessageRequestHeader {
            topic: TOPIC.into(),
            key: key.into(),
            max_num: 32,
            begin_timestamp: 0,
            end_timestamp: i64::MAX,
        };
        let r = self.invoke(
            addr,
            RemotingCommand::request(RequestCode::QUERY_MESSAGE, header.to_ext_fields()),
        );
        assert_eq!(
            r.response_code(),
            ResponseCode::SUCCESS,
            "key {key}: {:?}",
            r.remark
        );
        decode_records(&r.body)
            .map(|rec| String::from_utf8_lossy(rec.unwrap().body).into_owned())
            .collect()
    }

    /// The index finds both messages of a key used in each round, and a batch member.
    fn check_index(&self, addr: &str) {
        for i in [0, 57, HALF - 1] {
            let key = format!("key-{i}");
            // Round one used tags A,B; round two B,A.
            let (a, b) = if i % 2 == 0 { ("A", "B") } else { ("B", "A") };
            let want: BTreeSet<String> = [format!("{a}-body-{i}"), format!("{b}-body-{i}")].into();
            assert_eq!(self.query_key(addr, &key), want, "QUERY_MESSAGE {key}");
        }
        let want: BTreeSet<String> = ["batch-3".to_string()].into();
        assert_eq!(self.query_key(addr, "bkey-3"), want, "QUERY_MESSAGE bkey-3");
        eprintln!("  QUERY_MESSAGE at {addr}: keys found through the index files");
    }

    fn print_layout(&self) {
        let mut files = Vec::new();
        list_files(&self.store(), &self.store(), &mut files);
        eprintln!("store files: {}", files.join(" "));
    }

    /// `rmq store verify --store <store>` must exit 0; skipped (with a message) while the
    /// `rmq store` CLI does not have `verify`.
    fn verify_store(&self) {
        let out = rmq(&["store", "verify", "--store"]).arg(self.store()).run();
        let (stdout, stderr) = (&out.stdout, &out.stderr);
        if out.status.code() == Some(2) && stderr.contains("unrecognized subcommand") {
            eprintln!(
                "skipped: `rmq store verify` is not available yet ({})",
                stderr.trim()
            );
            return;
        }
        assert!(
            out.status.success(),
            "rmq store verify failed ({}):\n{stdout}\n{stderr}",
            out.status
        );
        eprintln!("rmq store verify: exit 0\n{}", tail(stdout, 12));
    }
}

impl Ctx {
    /// `rmq store dump commitlog -o ndjson` on the store lists exactly what the Java client sent:
    /// each message at its physical offset, with its queue, tag and body.
    fn dump_matches(&self, sent: &[Sent]) {
        let out = rmq(&["store", "dump", "commitlog", "--store"])
            .arg(self.store())
            .args(["-o", "ndjson", "--topic", TOPIC])
            .run();
        assert!(out.success(), "rmq store dump failed: {}", out.stderr);
        let mut dumped = std::collections::HashMap::new();
        for line in out.stdout.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object a line");
            dumped.insert(v["commitLogOffset"].as_i64().unwrap(), v);
        }
        assert_eq!(dumped.len(), sent.len(), "records of {TOPIC} in the dump");
        for s in sent {
            let v = dumped
                .get(&s.physical_offset)
                .unwrap_or_else(|| panic!("no dumped record at {}", s.physical_offset));
            assert_eq!(v["body"].as_str(), Some(s.body.as_str()));
            assert_eq!(v["properties"]["TAGS"].as_str(), Some(s.tag.as_str()));
            assert_eq!(v["queueId"].as_i64(), Some(i64::from(s.queue_id)));
            assert_eq!(v["crcOk"].as_bool(), Some(true));
        }
        eprintln!(
            "rmq store dump: {} records match what the Java client sent",
            sent.len()
        );
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for (name, path) in self.logs.borrow().iter() {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                eprintln!(
                    "----- {name} ({}), last lines:\n{}",
                    path.display(),
                    tail(&text, 40)
                );
            }
        }
        self.rt.block_on(self.client.shutdown());
    }
}

/// A sent message, as the producer reported it (the batch's queue is filled in later).
#[derive(Clone, Debug)]
struct Sent {
    tag: String,
    body: String,
    key: String,
    queue_id: i32,
    queue_offset: Option<i64>,
    physical_offset: i64,
}

impl Sent {
    fn consumed(&self) -> String {
        format!("{} {}", self.tag, self.body)
    }
}

fn phys_of(offset_msg_id: &str) -> i64 {
    message::decode_offset_msg_id(offset_msg_id)
        .unwrap_or_else(|e| panic!("offset msg id {offset_msg_id}: {e}"))
        .1
}

/// Messages per queue.
fn per_queue(sent: &[Sent]) -> Vec<i64> {
    let mut n = vec![0; QUEUES as usize];
    for s in sent {
        n[s.queue_id as usize] += 1;
    }
    n
}

/// What a consumer got must be exactly `want`: every message once, nothing else.
fn assert_received(what: &str, got: &[String], want: &[Sent]) {
    let want: BTreeMap<String, usize> = want.iter().fold(BTreeMap::new(), |mut m, s| {
        *m.entry(s.consumed()).or_default() += 1;
        m
    });
    let got_set: BTreeMap<String, usize> = got.iter().fold(BTreeMap::new(), |mut m, s| {
        *m.entry(s.clone()).or_default() += 1;
        m
    });
    let missing: Vec<&String> = want.keys().filter(|k| !got_set.contains_key(*k)).collect();
    let extra: Vec<&String> = got_set.keys().filter(|k| !want.contains_key(*k)).collect();
    let dup: Vec<&String> = got_set
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(k, _)| k)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && dup.is_empty(),
        "{what}: got {} of {}; missing {missing:?}; unexpected {extra:?}; twice {dup:?}",
        got.len(),
        want.len()
    );
    eprintln!(
        "  {what}: received exactly the {} expected messages (tags and bodies)",
        got.len()
    );
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.map_while(Result::ok).collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            list_files(root, &p, out);
        } else {
            let len = e.metadata().map(|m| m.len()).unwrap_or(0);
            out.push(format!(
                "{}({len})",
                p.strip_prefix(root).unwrap().display()
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The Java 4.9.7 broker's log.

/// Lines of the Java broker's log worth showing: the store's (loading, recovery, WARN, ERROR)
/// and the config files'. The broker's own WARN/ERROR lines are consumer-shutdown noise
/// (pulls answered on closed channels) and are left out.
fn java_log_summary(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| {
            l.contains("RocketmqStore")
                || l.contains("last shutdown")
                || l.contains("recover")
                || l.contains("load ")
        })
        .collect()
}

/// The Java broker read the store's config files without falling back to a backup or defaults
/// (ConfigManager.load logs "load <file> failed" and carries on from `.bak`).
/// Every `config/*.json` the store holds must show up as "load <path> OK".
fn assert_java_loaded_config(log: &str, store: &Path) {
    let failed: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("load ") && l.contains("failed"))
        .collect();
    assert!(failed.is_empty(), "Java broker failed to load: {failed:#?}");
    let config = store.join("config");
    let mut loaded = Vec::new();
    for entry in std::fs::read_dir(&config).unwrap().map_while(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            let line = format!("load {} OK", config.join(&name).display());
            assert!(log.contains(&line), "no '{line}' in the Java broker's log");
            loaded.push(name);
        }
    }
    loaded.sort();
    eprintln!("  Java broker loaded {loaded:?} without falling back to .bak");
}

/// rmq's WARN / ERROR lines (its stderr log) worth a look after opening a foreign store.
fn print_rmq_warnings(stderr_log: &Path) {
    let text = std::fs::read_to_string(stderr_log).unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .collect();
    eprintln!("  rmq broker log: {} WARN/ERROR lines", lines.len());
    for l in lines {
        eprintln!("  rmq log: {l}");
    }
}

// ---------------------------------------------------------------------------------------------
// Shared scenario: fill a store through broker `addr` registered at name server `ns`.

struct Filled {
    /// Everything sent, in order: round one, round two, the batch.
    all: Vec<Sent>,
    /// What GROUP consumed before the store changed hands.
    first_half: Vec<Sent>,
    /// GET_MAX_OFFSET per queue as the writing broker reported it.
    max: Vec<i64>,
    /// GROUP's committed offsets as the writing broker reported them.
    committed: Vec<i64>,
}

impl Filled {
    /// What GROUP has not consumed yet.
    fn rest(&self) -> Vec<Sent> {
        self.all[HALF..].to_vec()
    }
}

fn fill(ctx: &Ctx, ns: &str, addr: &str) -> Filled {
    let round1 = ctx.produce(ns, "A,B", HALF);
    let got = ctx.push(ns, GROUP, HALF);
    assert_received("GROUP on the writing broker (first half)", &got, &round1);
    let want_committed = per_queue(&round1);
    // Tags swap in round two so every (tag, body) pair is unique across rounds.
    let round2 = ctx.produce(ns, "B,A", HALF);
    let batch = ctx.batch(ns);
    let mut all: Vec<Sent> = round1
        .iter()
        .chain(&round2)
        .chain(&batch)
        .cloned()
        .collect();
    ctx.check_records(addr, &mut all);
    ctx.check_index(addr);
    let max = ctx.max_offsets(addr);
    assert_eq!(max, per_queue(&all), "max offsets on the writing broker");
    assert!(
        max.iter().all(|&m| m > 0),
        "all {QUEUES} queues used: {max:?}"
    );
    let committed = ctx.committed_eventually(addr, &want_committed);
    assert_eq!(
        committed, want_committed,
        "GROUP's committed offsets on the writing broker (= messages per queue in round one)"
    );
    eprintln!("  writing broker: max offsets {max:?}, {GROUP} committed {committed:?}");
    Filled {
        all,
        first_half: round1,
        max,
        committed,
    }
}

/// The reading broker at `addr` serves the filled store as the writer did.
fn check_reader(ctx: &Ctx, ns: &str, addr: &str, filled: &Filled) {
    let max = ctx.max_offsets(addr);
    eprintln!("  reading broker: max offsets {max:?}");
    assert_eq!(max, filled.max, "GET_MAX_OFFSET per queue after the move");
    assert_eq!(
        ctx.min_offsets(addr),
        vec![0; QUEUES as usize],
        "GET_MIN_OFFSET"
    );
    let committed = ctx.committed(addr);
    eprintln!("  reading broker: {GROUP} committed {committed:?}");
    assert_eq!(
        committed, filled.committed,
        "consumer offsets after the move"
    );
    let mut all = filled.all.clone();
    ctx.check_records(addr, &mut all);
    ctx.check_index(addr);
    let got = ctx.push(ns, "portability_fresh_group", filled.all.len());
    assert_received("a new group on the reading broker", &got, &filled.all);
    let got = ctx.push(ns, GROUP, filled.rest().len());
    assert_received(
        "GROUP on the reading broker (resumes after the first half)",
        &got,
        &filled.rest(),
    );
    let first: BTreeSet<String> = filled.first_half.iter().map(Sent::consumed).collect();
    assert!(got.iter().all(|g| !first.contains(g)));
}

// ---------------------------------------------------------------------------------------------

/// A store written by the Java 4.9.7 broker opens in rmq: verify passes, offsets, records,
/// index and committed offsets are intact, and a Java consumer reads it all from rmq.
#[test]
fn java_store_opens_in_rmq() {
    let Some(ctx) = Ctx::new("port-j2r") else {
        return;
    };
    let _serial = serial();
    let started = Instant::now();

    eprintln!("== Java broker writes the store");
    let ns = ctx.namesrv("ns-java");
    let java = ctx.java_broker("java-broker", &ns.addr);
    let filled = fill(&ctx, &ns.addr, &java.addr);
    java.stop();
    let log = std::fs::read_to_string(ctx.path().join("java-broker/broker.log")).unwrap();
    for l in java_log_summary(&log) {
        eprintln!("  java log: {l}");
    }
    assert!(
        !ctx.store().join("abort").exists(),
        "the Java broker left `abort`: its shutdown was not clean"
    );
    drop(ns);
    ctx.print_layout();

    eprintln!("== rmq store verify and dump on the Java store");
    ctx.verify_store();
    ctx.dump_matches(&filled.all);

    eprintln!("== rmq broker opens the Java store");
    let ns = ctx.namesrv("ns-rmq");
    let mut broker = ctx.rmq_broker(&ns.addr);
    check_reader(&ctx, &ns.addr, &broker.addr, &filled);
    let stderr_log = broker.stderr_log.clone();
    let status = broker.stop();
    assert!(status.success(), "rmq broker exit: {status}");
    print_rmq_warnings(&stderr_log);
    eprintln!(
        "java_store_opens_in_rmq: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// A store written by rmq opens in the Java 4.9.7 broker: it recognises the clean shutdown,
/// loads the config files, and serves every message, offset and key as rmq did.
#[test]
fn rmq_store_opens_in_java() {
    let Some(ctx) = Ctx::new("port-r2j") else {
        return;
    };
    let _serial = serial();
    let started = Instant::now();

    eprintln!("== rmq broker writes the store");
    let ns = ctx.namesrv("ns-rmq");
    let mut broker = ctx.rmq_broker(&ns.addr);
    let filled = fill(&ctx, &ns.addr, &broker.addr);
    let status = broker.stop();
    assert!(status.success(), "rmq broker exit: {status}");
    drop(ns);
    ctx.print_layout();
    ctx.verify_store();

    eprintln!("== Java broker opens the rmq store");
    let ns = ctx.namesrv("ns-java");
    let java = ctx.java_broker("java-broker", &ns.addr);
    let log = java.log();
    for l in java_log_summary(&log) {
        eprintln!("  java log: {l}");
    }
    assert!(
        log.contains("last shutdown normally"),
        "the Java broker did not take rmq's shutdown as clean"
    );
    assert_java_loaded_config(&log, &ctx.store());
    check_reader(&ctx, &ns.addr, &java.addr, &filled);
    java.stop();
    let log = std::fs::read_to_string(ctx.path().join("java-broker/broker.log")).unwrap();
    let problems: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(" ERROR ") || l.contains(" WARN "))
        .collect();
    eprintln!("  java log: {} WARN/ERROR lines", problems.len());
    for l in &problems {
        eprintln!("  java log: {l}");
    }
    assert!(!ctx.store().join("abort").exists(), "Java left `abort`");
    eprintln!(
        "rmq_store_opens_in_java: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// rmq killed with SIGKILL after acknowledged sends: the Java 4.9.7 broker recovers the store
/// (abnormal recovery from the checkpoint) and serves every acknowledged message.
#[test]
fn crashed_rmq_store_recovers_in_java() {
    let Some(ctx) = Ctx::new("port-crash") else {
        return;
    };
    let _serial = serial();
    let started = Instant::now();

    eprintln!("== rmq broker writes the store, then is killed (SIGKILL)");
    let ns = ctx.namesrv("ns-rmq");
    let broker = ctx.rmq_broker(&ns.addr);
    let mut sent = ctx.produce(&ns.addr, "A,B", HALF);
    sent.extend(ctx.batch(&ns.addr));
    ctx.check_records(&broker.addr, &mut sent);
    let max = ctx.max_offsets(&broker.addr);
    assert_eq!(max, per_queue(&sent));
    drop(broker); // Daemon's drop is SIGKILL: no shutdown code runs.
    drop(ns);
    let abort = ctx.store().join("abort").exists();
    eprintln!(
        "  after SIGKILL: abort file {}",
        if abort { "present" } else { "ABSENT" }
    );
    ctx.print_layout();

    eprintln!("== Java broker recovers the rmq store");
    let ns = ctx.namesrv("ns-java");
    let java = ctx.java_broker("java-broker", &ns.addr);
    let log = java.log();
    for l in java_log_summary(&log) {
        eprintln!("  java log: {l}");
    }
    assert_java_loaded_config(&log, &ctx.store());
    assert_eq!(
        ctx.max_offsets(&java.addr),
        max,
        "max offsets after recovery"
    );
    ctx.check_records(&java.addr, &mut sent);
    // Abnormal recovery drops index files newer than the checkpoint's indexMsgTimestamp and
    // re-dispatches the CommitLog from the recovery point: lookups by key must still work.
    let want: BTreeSet<String> = ["B-body-7".to_string()].into();
    assert_eq!(ctx.query_key(&java.addr, "key-7"), want);
    let want: BTreeSet<String> = ["batch-3".to_string()].into();
    assert_eq!(ctx.query_key(&java.addr, "bkey-3"), want);
    eprintln!(
        "  QUERY_MESSAGE at {}: keys found after recovery",
        java.addr
    );
    let got = ctx.push(&ns.addr, "portability_crash_group", sent.len());
    assert_received("a new group on the recovering Java broker", &got, &sent);
    java.stop();
    assert!(
        abort,
        "rmq leaves no `abort` file while running, so after a crash the Java broker takes the \
         store as cleanly shut down and skips its abnormal recovery"
    );
    assert!(
        log.contains("last shutdown abnormally"),
        "Java saw no crash"
    );
    assert!(!ctx.store().join("abort").exists(), "Java left `abort`");
    eprintln!(
        "crashed_rmq_store_recovers_in_java: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
