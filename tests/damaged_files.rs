//! Damaged store files (issue 16): a flipped byte or a lost tail in a CommitLog, ConsumeQueue,
//! index, checkpoint or config file. For each, on a copy of a store a real `rmq broker` wrote:
//!
//! - `rmq store verify` exits 1 and names the file and the offset of the damage;
//! - the broker starts again, logs a line naming the file and the offset, serves every message
//!   before the damage and takes new sends;
//! - for CommitLog damage with intact records after it, the log line (and `rmq store verify`)
//!   says where they are and gives the command that copies them out, which works.
//!
//! One store is written per test (one broker run), then each case damages a copy of it.

mod common;

use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{rmq, temp_dir, Daemon, TempDir};
use serde_json::Value;

const MESSAGES: i64 = 20;
/// The body of every message: long enough that a cut inside it is inside the CRC'd part.
const BODY: &str = "damaged-files-body-0123456789";
/// Where an IPv4 record's body starts.
const BODY_POS: i64 = 88;
/// Small index files (so copies are cheap) and quick consumer-offset writes.
const BROKER_PROPS: &str =
    "maxHashSlotNum=1000\nmaxIndexNum=4000\nflushConsumerOffsetInterval=1000\n";
const CL_FILE: &str = "commitlog/00000000000000000000";
const CQ_FILE: &str = "consumequeue/T1/0/00000000000000000000";
/// Consumer group G1 committed this offset of T1/0 before the damage.
const COMMITTED: i64 = 5;

/// One CommitLog record of the written store.
#[derive(Clone, Copy, Debug)]
struct Rec {
    offset: i64,
}

/// A store written by a real broker (stopped), and the name server later brokers use.
struct Template {
    ns: Daemon,
    store: PathBuf,
    records: Vec<Rec>,
    dir: TempDir,
}

impl Template {
    fn new(tag: &str) -> Template {
        let dir = temp_dir(tag);
        let ns = Daemon::namesrv(&dir.path().join("namesrv"));
        let mut broker = Daemon::broker(&dir.path().join("template"), &ns.addr, BROKER_PROPS);
        rmq(&["topic", "create", "-t", "T1", "-c", "DefaultCluster"])
            .namesrv(&ns.addr)
            .run_until_ok(Duration::from_secs(20))
            .ok();
        let count = MESSAGES.to_string();
        rmq(&[
            "message", "send", "-t", "T1", "--queue", "0", "--count", &count, "-k", "dkey", BODY,
        ])
        .namesrv(&ns.addr)
        .ok();
        let read = consume(&ns.addr, &["-g", "G1", "--count", "5", "--commit"]);
        assert_eq!(read, (0..COMMITTED).collect::<Vec<_>>());
        assert!(broker.stop().success(), "{}", broker.stderr());
        let store = broker.store();
        let records = rmq(&["store", "dump", "commitlog", "--store"])
            .arg(&store)
            .args(["-o", "json"])
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| Rec {
                offset: r["commitLogOffset"].as_i64().unwrap(),
            })
            .collect::<Vec<_>>();
        assert_eq!(records.len(), MESSAGES as usize);
        Template {
            ns,
            store,
            records,
            dir,
        }
    }

    /// A copy of the store in a directory of its own, damaged by `damage(store root)`.
    fn damaged(&self, name: &str, damage: impl FnOnce(&Path)) -> Case {
        let dir = self.dir.path().join(name);
        let store = dir.join("store");
        copy_dir(&self.store, &store);
        damage(&store);
        let conf = dir.join("verify.properties");
        std::fs::write(
            &conf,
            format!(
                "storePathRootDir={}\nmappedFileSizeCommitLog=10485760\n\
                 mappedFileSizeConsumeQueue=60000\n{BROKER_PROPS}",
                store.display()
            ),
        )
        .unwrap();
        Case {
            dir,
            store,
            conf,
            ns: self.ns.addr.clone(),
        }
    }

    /// The file holding the store's only index file.
    fn index_file(&self) -> String {
        let names: Vec<_> = std::fs::read_dir(self.store.join("index"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        format!("index/{}", names[0])
    }
}

/// One damaged copy.
struct Case {
    dir: PathBuf,
    store: PathBuf,
    conf: PathBuf,
    ns: String,
}

impl Case {
    fn path(&self, rel: &str) -> PathBuf {
        self.store.join(rel)
    }

    /// `rmq store verify -o json`, which must fail (exit 1): its problems.
    fn verify_fails(&self) -> Vec<Value> {
        let out = rmq(&["store", "verify", "-o", "json", "--store"])
            .arg(&self.store)
            .arg("-c")
            .arg(&self.conf)
            .run();
        assert_eq!(out.code(), Some(1), "verify should fail:\n{}", out.stderr);
        let report = out.parse_json();
        assert!(out.stderr.contains("failed verification"), "{}", out.stderr);
        report["problems"].as_array().unwrap().clone()
    }

    /// Asserts that `verify` named `file` (relative to the store) at `offset` (of `unit`).
    fn verify_names(&self, file: &str, unit: &str, offset: i64) -> Vec<Value> {
        let problems = self.verify_fails();
        let path = self.path(file).display().to_string();
        assert!(
            problems
                .iter()
                .any(|p| p["file"] == path.as_str() && p["unit"] == unit && p["offset"] == offset),
            "no problem for {path} at {unit} {offset} in {problems:#?}"
        );
        problems
    }

    /// `rmq store verify` passes (after a broker repaired the store and stopped).
    fn verify_clean(&self) {
        let out = rmq(&["store", "verify", "--store"])
            .arg(&self.store)
            .arg("-c")
            .arg(&self.conf)
            .run();
        assert!(
            out.success(),
            "the repaired store does not verify:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }

    /// Starts a broker on the damaged store; it must boot.
    fn start(&self) -> Daemon {
        Daemon::broker(&self.dir, &self.ns, BROKER_PROPS)
    }
}

/// Copies a directory tree (the store: regular files and directories).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if entry.file_name() != "lock" {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// XORs the byte at `pos` of `file` with `mask`.
fn flip(file: &Path, pos: i64, mask: u8) {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(file)
        .unwrap();
    let mut b = [0u8; 1];
    f.read_exact_at(&mut b, pos as u64).unwrap();
    b[0] ^= mask;
    f.write_all_at(&b, pos as u64).unwrap();
}

fn cut(file: &Path, len: u64) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(file)
        .unwrap()
        .set_len(len)
        .unwrap();
}

/// Queue offsets `rmq message consume -t T1 --queue 0 ARGS` returns.
fn consume(ns: &str, args: &[&str]) -> Vec<i64> {
    // Retried while the route of a broker that just started is not at the name server yet.
    rmq(&[
        "message", "consume", "-t", "T1", "--queue", "0", "-o", "json",
    ])
    .args(args)
    .namesrv(ns)
    .run_until_ok(Duration::from_secs(10))
    .json()
    .as_array()
    .unwrap()
    .iter()
    .map(|m| m["queueOffset"].as_i64().unwrap())
    .collect()
}

/// The broker serves exactly queue offsets `0..served` of T1/0 (from the earliest), and takes
/// a new message, which gets queue offset `served`.
fn serves(case: &Case, broker: &Daemon, served: i64) {
    let got = consume(&case.ns, &["--from", "earliest"]);
    assert_eq!(
        got,
        (0..served).collect::<Vec<_>>(),
        "broker log:\n{}",
        broker.stderr()
    );
    let sent = rmq(&[
        "message", "send", "-t", "T1", "--queue", "0", "-o", "json", "after",
    ])
    .namesrv(&case.ns)
    .json();
    let sent = &sent.as_array().unwrap()[0];
    assert_eq!(sent["status"], "SEND_OK", "{sent}");
    assert_eq!(sent["queueOffset"], served, "{sent}");
}

/// Asserts that the broker's log has a line containing every one of `parts`; the line.
#[track_caller]
fn logged(broker: &Daemon, parts: &[&str]) -> String {
    let log = broker.stderr();
    log.lines()
        .find(|l| parts.iter().all(|p| l.contains(p)))
        .unwrap_or_else(|| panic!("no log line with {parts:?} in:\n{log}"))
        .to_string()
}

/// Runs the copy-out command of a CommitLog damage line; the queue offsets it prints, after
/// checking every body.
fn run_copy_out(line: &str) -> Vec<i64> {
    let (_, rest) = line
        .split_once("copy them out with: ")
        .unwrap_or_else(|| panic!("no command in {line}"));
    let args: Vec<&str> = rest.split_whitespace().take(11).collect();
    assert_eq!(&args[..4], ["rmq", "store", "dump", "commitlog"], "{line}");
    let out = rmq(&args[1..]).ndjson();
    out.iter()
        .map(|m| {
            assert_eq!(
                m["body"].as_str().unwrap(),
                base64_of(BODY.as_bytes()),
                "{m}"
            );
            m["queueOffset"].as_i64().unwrap()
        })
        .collect()
}

fn base64_of(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn commitlog_damage() {
    let t = Template::new("damaged-cl");
    let rec = |i: usize| t.records[i];
    let cl = |c: &Case| c.path(CL_FILE).display().to_string();

    // A flipped byte in a record body (record 5): CRC mismatch. Records 6.. are intact.
    for (name, pos, mask) in [
        ("cl-body", rec(5).offset + BODY_POS + 3, 0x20u8),
        // A flipped byte in a record's size (its header): the log cannot be followed past it.
        ("cl-header", rec(5).offset + 2, 0x40),
        // A flipped byte in a record's magic: it reads like the end of the data.
        ("cl-magic", rec(5).offset + 5, 0x01),
    ] {
        let case = t.damaged(name, |s| flip(&s.join(CL_FILE), pos, mask));
        let problems = case.verify_names(CL_FILE, "commitLogOffset", rec(5).offset);
        let intact = problems
            .iter()
            .find(|p| p["offset"] == rec(6).offset)
            .unwrap_or_else(|| panic!("{name}: no intact-records problem in {problems:#?}"));
        assert!(
            intact["what"]
                .as_str()
                .unwrap()
                .contains("14 intact records"),
            "{intact}"
        );
        // verify's command copies them out of the damaged store.
        let from_verify = run_copy_out(&format!(
            "copy them out with: {}",
            intact["what"]
                .as_str()
                .unwrap()
                .rsplit_once(": ")
                .unwrap()
                .1
        ));
        assert_eq!(from_verify, (6..MESSAGES).collect::<Vec<_>>(), "{name}");

        let mut broker = case.start();
        let line = logged(
            &broker,
            &[
                &format!(
                    "CommitLog damaged in {} at offset {}",
                    cl(&case),
                    rec(5).offset
                ),
                "14 intact records",
            ],
        );
        serves(&case, &broker, 5);
        // The broker kept the intact records aside; its command copies them out.
        assert_eq!(
            run_copy_out(&line),
            (6..MESSAGES).collect::<Vec<_>>(),
            "{name}"
        );
        assert!(broker.stop().success(), "{}", broker.stderr());
        case.verify_clean();
    }

    // A lost tail, cut inside the body of record 15.
    let cut_at = rec(15).offset + BODY_POS + 10;
    let case = t.damaged("cl-cut", |s| cut(&s.join(CL_FILE), cut_at as u64));
    case.verify_names(CL_FILE, "commitLogOffset", rec(15).offset);
    let broker = case.start();
    logged(
        &broker,
        &[&format!(
            "CommitLog file {} was cut to {cut_at} bytes",
            cl(&case)
        )],
    );
    logged(
        &broker,
        &[&format!(
            "CommitLog damaged in {} at offset {}",
            cl(&case),
            rec(15).offset
        )],
    );
    serves(&case, &broker, 15);
}

#[test]
fn consume_queue_damage() {
    let t = Template::new("damaged-cq");
    // A flipped byte in the CommitLog offset of entry 7.
    let case = t.damaged("cq-flip", |s| flip(&s.join(CQ_FILE), 7 * 20 + 5, 0x40));
    case.verify_names(CQ_FILE, "queueOffset", 7);
    let broker = case.start();
    logged(
        &broker,
        &[&format!(
            "ConsumeQueue of T1/0 damaged in {} at queue offset 7",
            case.path(CQ_FILE).display()
        )],
    );
    serves(&case, &broker, MESSAGES);
    drop(broker);

    // A lost tail inside entry 12 (not a multiple of 20 bytes).
    let case = t.damaged("cq-cut", |s| cut(&s.join(CQ_FILE), 12 * 20 + 7));
    case.verify_names(CQ_FILE, "queueOffset", 12);
    let broker = case.start();
    logged(
        &broker,
        &[&format!(
            "ConsumeQueue file {} of T1/0 was cut to 247 bytes",
            case.path(CQ_FILE).display()
        )],
    );
    serves(&case, &broker, MESSAGES);
}

#[test]
fn index_damage() {
    let t = Template::new("damaged-index");
    let index = t.index_file();
    let slots = 1000i64;
    let used_slot = {
        let bytes = std::fs::read(t.store.join(&index)).unwrap();
        (0..slots)
            .find(|&s| {
                let p = (40 + 4 * s) as usize;
                bytes[p..p + 4] != [0, 0, 0, 0]
            })
            .expect("a used slot")
    };
    let entry_pos = |n: i64| 40 + 4 * slots + 20 * n;
    for (name, pos, unit, at) in [
        // hashSlotCount in the header.
        ("index-header", 33, "filePosition", 32),
        // The entry number a used slot names.
        ("index-slot", 40 + 4 * used_slot + 1, "indexSlot", used_slot),
        // The CommitLog offset of entry 1.
        ("index-entry", entry_pos(1) + 4 + 2, "indexEntry", 1),
    ] {
        let case = t.damaged(name, |s| flip(&s.join(&index), pos, 0x40));
        case.verify_names(&index, unit, at);
        let broker = case.start();
        logged(
            &broker,
            &[&format!(
                "index file {} is damaged at byte",
                case.path(&index).display()
            )],
        );
        serves(&case, &broker, MESSAGES);
        // The index is built again: the key finds every message.
        let ns = case.ns.clone();
        common::poll(Duration::from_secs(10), || {
            let out = rmq(&["message", "get", "-t", "T1", "-k", "dkey", "-o", "json"])
                .namesrv(&ns)
                .run();
            let found = out.try_json().ok().and_then(|v| v.as_array().map(Vec::len));
            if found == Some(MESSAGES as usize) {
                Ok(())
            } else {
                Err(format!("{found:?}: {}", out.stderr))
            }
        })
        .unwrap_or_else(|e| panic!("{name}: key lookup after the rebuild: {e}"));
        drop(broker);
    }

    let case = t.damaged("index-cut", |s| cut(&s.join(&index), 1000));
    case.verify_names(&index, "filePosition", 1000);
    let broker = case.start();
    logged(
        &broker,
        &[&format!(
            "index file {} is damaged at byte 1000",
            case.path(&index).display()
        )],
    );
    serves(&case, &broker, MESSAGES);
}

#[test]
fn checkpoint_damage() {
    let t = Template::new("damaged-checkpoint");
    // The high byte of physicMsgTimestamp: a time far in the future.
    let case = t.damaged("checkpoint-flip", |s| flip(&s.join("checkpoint"), 1, 0x40));
    case.verify_names("checkpoint", "filePosition", 0);
    let broker = case.start();
    logged(
        &broker,
        &[&format!(
            "checkpoint {} is damaged at byte 0",
            case.path("checkpoint").display()
        )],
    );
    serves(&case, &broker, MESSAGES);
    drop(broker);

    let case = t.damaged("checkpoint-cut", |s| cut(&s.join("checkpoint"), 10));
    case.verify_names("checkpoint", "filePosition", 10);
    let broker = case.start();
    logged(
        &broker,
        &[&format!(
            "checkpoint {} was cut to 10 bytes",
            case.path("checkpoint").display()
        )],
    );
    serves(&case, &broker, MESSAGES);
}

#[test]
fn config_file_damage() {
    let t = Template::new("damaged-config");
    let offsets = "config/consumerOffset.json";
    let with_bak = |s: &Path, rel: &str| {
        std::fs::copy(s.join(rel), s.join(format!("{rel}.bak"))).unwrap();
    };
    let committed = |case: &Case| consume(&case.ns, &["-g", "G1", "--count", "1"]);

    // consumerOffset.json cut short, its .bak good: the offsets come from the .bak.
    let case = t.damaged("offsets-cut", |s| {
        with_bak(s, offsets);
        cut(&s.join(offsets), 20);
    });
    case.verify_names(offsets, "filePosition", 20);
    let broker = case.start();
    logged(
        &broker,
        &[&case.path(offsets).display().to_string(), "at offset 20"],
    );
    logged(&broker, &["loaded consumerOffset.json from the backup"]);
    assert_eq!(committed(&case), vec![COMMITTED]);
    serves(&case, &broker, MESSAGES);
    drop(broker);

    // subscriptionGroup.json with a flipped byte, its .bak good.
    let groups = "config/subscriptionGroup.json";
    let case = t.damaged("groups-flip", |s| {
        with_bak(s, groups);
        flip(&s.join(groups), 0, 0x01); // '{' -> 'z'
    });
    case.verify_names(groups, "filePosition", 0);
    let broker = case.start();
    logged(
        &broker,
        &[&case.path(groups).display().to_string(), "at offset 0"],
    );
    logged(&broker, &["loaded subscriptionGroup.json from the backup"]);
    serves(&case, &broker, MESSAGES);
    drop(broker);

    // consumerOffset.json damaged and no .bak: the broker starts without the offsets (as
    // Java does), keeps the damaged file and says so.
    let case = t.damaged("offsets-no-bak", |s| cut(&s.join(offsets), 20));
    case.verify_names(offsets, "filePosition", 20);
    let broker = case.start();
    let line = logged(
        &broker,
        &[
            &format!(
                "consumerOffset.json {} is damaged",
                case.path(offsets).display()
            ),
            "starting WITHOUT its entries",
        ],
    );
    assert!(line.contains(".damaged-"), "{line}");
    let kept: Vec<_> = std::fs::read_dir(case.path("config"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("consumerOffset.json.damaged-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    serves(&case, &broker, MESSAGES);
    drop(broker);

    // topics.json and its .bak both damaged: the broker starts without its topics (as Java
    // does); once the topic is created again every message is served.
    let topics = "config/topics.json";
    let case = t.damaged("topics-both", |s| {
        with_bak(s, topics);
        let len = std::fs::metadata(s.join(topics)).unwrap().len();
        cut(&s.join(topics), len / 2);
        cut(&s.join(format!("{topics}.bak")), len / 3);
    });
    let problems = case.verify_names(topics, "filePosition", {
        let len = std::fs::metadata(t.store.join(topics)).unwrap().len();
        (len / 2) as i64
    });
    let bak = case.path(&format!("{topics}.bak")).display().to_string();
    assert!(
        problems.iter().any(|p| p["file"] == bak.as_str()),
        "{problems:#?}"
    );
    let broker = case.start();
    logged(
        &broker,
        &[&format!(
            "topics.json {} is damaged",
            case.path(topics).display()
        )],
    );
    logged(&broker, &[&format!("topics.json {bak} is damaged")]);
    rmq(&["topic", "create", "-t", "T1", "-c", "DefaultCluster"])
        .namesrv(&case.ns)
        .ok();
    serves(&case, &broker, MESSAGES);
}

/// Several files damaged at once: the broker repairs the store, which then verifies clean and
/// which the Java 4.9.7 broker reads (when its jars are present).
#[test]
fn a_repaired_store_verifies_and_java_reads_it() {
    let t = Template::new("damaged-repaired");
    let index = t.index_file();
    let rec12 = t.records[12];
    let offsets = "config/consumerOffset.json";
    let case = t.damaged("several", |s| {
        flip(&s.join(CL_FILE), rec12.offset + BODY_POS + 1, 0x08);
        flip(&s.join(CQ_FILE), 3 * 20 + 5, 0x40);
        flip(&s.join(&index), 33, 0x40);
        cut(&s.join("checkpoint"), 10);
        std::fs::copy(s.join(offsets), s.join(format!("{offsets}.bak"))).unwrap();
        cut(&s.join(offsets), 20);
    });
    let problems = case.verify_fails();
    for (file, unit, offset) in [
        (CL_FILE, "commitLogOffset", rec12.offset),
        (CQ_FILE, "queueOffset", 3),
        (index.as_str(), "filePosition", 32),
        ("checkpoint", "filePosition", 10),
        (offsets, "filePosition", 20),
    ] {
        let path = case.path(file).display().to_string();
        assert!(
            problems
                .iter()
                .any(|p| p["file"] == path.as_str() && p["unit"] == unit && p["offset"] == offset),
            "no problem for {path} at {unit} {offset} in {problems:#?}"
        );
    }
    let mut broker = case.start();
    serves(&case, &broker, 12);
    assert_eq!(
        consume(&case.ns, &["-g", "G1", "--count", "1"]),
        vec![COMMITTED]
    );
    assert!(broker.stop().success(), "{}", broker.stderr());
    drop(broker);
    case.verify_clean();

    let Some(lib) = common::java_broker_lib() else {
        return;
    };
    let ns = Daemon::namesrv(&case.dir.join("ns-java"));
    let _java = common::java_cluster::JavaBroker::start_with(
        &lib,
        &case.dir.join("java"),
        &case.store,
        &ns.addr,
        BROKER_PROPS,
    );
    let got = common::poll(Duration::from_secs(30), || {
        let out = rmq(&[
            "message", "consume", "-t", "T1", "--queue", "0", "--from", "earliest", "-o", "json",
        ])
        .namesrv(&ns.addr)
        .run();
        match out.try_json() {
            Ok(v) if v.as_array().is_some_and(|a| a.len() == 13) => Ok(v),
            _ => Err(format!("{}\n{}", out.stdout, out.stderr)),
        }
    })
    .unwrap_or_else(|e| panic!("consume via the Java broker: {e}"));
    let got = got.as_array().unwrap();
    let offsets: Vec<i64> = got
        .iter()
        .map(|m| m["queueOffset"].as_i64().unwrap())
        .collect();
    assert_eq!(offsets, (0..13).collect::<Vec<_>>());
    assert_eq!(got[12]["body"], "after");
}
