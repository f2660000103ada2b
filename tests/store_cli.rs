//! `rmq store dump|verify|stats` through the real binary, on a store written by the real engine
//! (small CommitLog and ConsumeQueue files so both roll, a small index so it rolls too): record
//! fields and filters, relative paths, ConsumeQueue, index, checkpoint and config dumps, stats,
//! and verification of a clean store and of damaged copies.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use common::{rmq, temp_dir, Output, Rmq, TempDir};
use rmq::common::message::{self, MessageToStore};
use rmq::config::MessageStoreConfig;
use rmq::store::MessageStore;
use serde_json::Value;

const HOST: &str = "127.0.0.1:10911";
const CL_FILE: usize = 16 * 1024;
const CQ_ENTRIES_PER_FILE: usize = 20;
const MESSAGES: usize = 300;
/// The message stored with a zlib-compressed body.
const COMPRESSED: usize = 150;

/// What the engine reported for one put.
#[derive(Clone, Debug)]
struct Put {
    topic: &'static str,
    queue_id: i32,
    body: Vec<u8>,
    sys_flag: i32,
    phys_offset: i64,
    size: usize,
    queue_offset: i64,
}

struct TestStore {
    /// `<dir>/store`.
    root: PathBuf,
    puts: Vec<Put>,
    _dir: TempDir,
}

fn topic_of(i: usize) -> (&'static str, i32) {
    if i.is_multiple_of(3) {
        ("TopicB", (i % 2) as i32)
    } else {
        ("TopicA", (i % 4) as i32)
    }
}

/// Whether message `i` has the KEYS `key-<i> even` (even messages, unless without properties).
fn has_keys(i: usize) -> bool {
    i.is_multiple_of(2) && i % 7 != 6
}

fn body_text(i: usize) -> String {
    format!("body-{i:03}-{}", "x".repeat(i % 50))
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(5));
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn build_store(root: &Path) -> Vec<Put> {
    let cfg = MessageStoreConfig {
        store_path_root_dir: root.to_path_buf(),
        mapped_file_size_commit_log: CL_FILE as i32,
        mapped_file_size_consume_queue: (CQ_ENTRIES_PER_FILE * 20) as i32,
        max_hash_slot_num: 64,
        max_index_num: 256,
        ..MessageStoreConfig::default()
    };
    let store = MessageStore::open(cfg, HOST.parse().unwrap()).unwrap();
    let mut puts = Vec::new();
    for i in 0..MESSAGES {
        let (topic, queue_id) = topic_of(i);
        let keys = format!("key-{i} even");
        let mut pairs = vec![("TAGS", if i.is_multiple_of(2) { "TagA" } else { "TagB" })];
        if i.is_multiple_of(2) {
            pairs.push(("KEYS", keys.as_str()));
        }
        let props = if i % 7 == 6 {
            String::new()
        } else {
            message::format_properties(pairs)
        };
        let plain = body_text(i).into_bytes();
        let (body, sys_flag) = if i == COMPRESSED {
            (zlib(&plain), 0x301)
        } else {
            (plain.clone(), 0)
        };
        let ok = store
            .put(&MessageToStore {
                topic,
                queue_id,
                flag: 0,
                body: &body,
                body_crc: message::crc32(&body),
                sys_flag,
                born_timestamp: 1_700_000_000_000 + i as i64,
                born_host: "10.1.2.3:40000".parse().unwrap(),
                store_host: HOST.parse().unwrap(),
                reconsume_times: 0,
                prepared_transaction_offset: 0,
                properties: &props,
            })
            .unwrap();
        puts.push(Put {
            topic,
            queue_id,
            body: plain,
            sys_flag,
            phys_offset: ok.phys_offset,
            size: ok.size,
            queue_offset: ok.queue_offset,
        });
    }
    store.shutdown().unwrap();
    drop(store);
    // consumerOffset.json as a 4.x broker writes it: fastjson with bare integer keys.
    let config = root.join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("consumerOffset.json"),
        "{\"offsetTable\":{\"TopicA@GroupOne\":{0:12,1:7},\"TopicB@GroupTwo\":{1:3}}}",
    )
    .unwrap();
    std::fs::write(
        config.join("topics.json"),
        r#"{"dataVersion":{"counter":2,"timestamp":1700000000000},"topicConfigTable":{"TopicA":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicA","topicSysFlag":0,"writeQueueNums":4}}}"#,
    )
    .unwrap();
    puts
}

impl TestStore {
    /// A fresh store of its own for one test (some tests damage theirs); removed when dropped.
    fn new(name: &str) -> TestStore {
        let dir = temp_dir(&format!("store-cli-{name}"));
        let root = dir.path().join("store");
        let puts = build_store(&root);
        TestStore {
            root,
            puts,
            _dir: dir,
        }
    }

    fn root_arg(&self) -> String {
        self.root.display().to_string()
    }
}

/// `rmq ARGS` run from `/`, so that no relative path resolves by accident.
fn at_root(args: &[&str]) -> Rmq {
    rmq(args).current_dir("/")
}

/// `rmq store dump KIND --store ROOT REST...` run from `/`.
fn dump(kind: &str, root: &str, rest: &[&str]) -> Rmq {
    at_root(&["store", "dump", kind, "--store", root]).args(rest)
}

/// Asserts a failure with exit code 1 and a one-line `rmq: error: ...` message; the message.
fn failure(out: &Output) -> String {
    assert_eq!(
        out.code(),
        Some(1),
        "stdout: {}\nstderr: {}",
        out.stdout,
        out.stderr
    );
    let stderr = out.stderr.clone();
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("rmq: error: "), "{stderr}");
    stderr
}

#[test]
fn dump_commitlog_json_has_message_ext_fields() {
    let s = TestStore::new("dump_commitlog_json_has_message_ext_fields");
    let doc = dump("commitlog", &s.root_arg(), &["-o", "json"]).json();
    let records = doc.as_array().unwrap();
    assert_eq!(records.len(), MESSAGES);
    for (r, put) in records.iter().zip(&s.puts) {
        let host = HOST.parse().unwrap();
        assert_eq!(r["msgId"], message::offset_msg_id(host, put.phys_offset));
        assert_eq!(r["topic"], put.topic);
        assert_eq!(r["queueId"], put.queue_id);
        assert_eq!(r["queueOffset"], put.queue_offset);
        assert_eq!(r["commitLogOffset"], put.phys_offset);
        assert_eq!(r["storeSize"], put.size);
        assert_eq!(r["sysFlag"], put.sys_flag);
        assert_eq!(r["bornHost"], "10.1.2.3:40000");
        assert_eq!(r["storeHost"], HOST);
        assert_eq!(r["crcOk"], true);
        assert_eq!(r["body"], String::from_utf8(put.body.clone()).unwrap());
        assert!(r["storeTimestamp"].as_i64().unwrap() > 1_700_000_000_000);
        assert!(r["bodyCRC"].is_i64());
    }
    let tenth = &records[10];
    assert_eq!(tenth["properties"]["TAGS"], "TagA");
    assert_eq!(tenth["properties"]["KEYS"], "key-10 even");
    assert_eq!(records[6]["properties"], serde_json::json!({}));
    let compressed = &records[COMPRESSED];
    assert_eq!(compressed["sysFlag"], 0x301);
    assert!(compressed["bodyCompression"]
        .as_str()
        .unwrap()
        .contains("zlib"));
    let stored = zlib(body_text(COMPRESSED).as_bytes());
    assert_eq!(compressed["bodyCRC"], message::crc32(&stored));
}

#[test]
fn dump_commitlog_filters_limit_and_body_encodings() {
    let s = TestStore::new("dump_commitlog_filters_limit_and_body_encodings");
    let root = s.root_arg();
    let rows = dump(
        "commitlog",
        &root,
        &[
            "-o", "ndjson", "--topic", "TopicB", "--queue", "1", "--limit", "5",
        ],
    )
    .ndjson();
    assert_eq!(rows.len(), 5);
    let expected: Vec<i64> = s
        .puts
        .iter()
        .filter(|p| p.topic == "TopicB" && p.queue_id == 1)
        .take(5)
        .map(|p| p.phys_offset)
        .collect();
    let got: Vec<i64> = rows
        .iter()
        .map(|r| r["commitLogOffset"].as_i64().unwrap())
        .collect();
    assert_eq!(got, expected);

    let (from, to) = (s.puts[100].phys_offset, s.puts[120].phys_offset);
    let rows = dump(
        "commitlog",
        &root,
        &[
            "-o",
            "ndjson",
            "--from-offset",
            &from.to_string(),
            "--to-offset",
            &to.to_string(),
            "--body",
            "hex",
        ],
    )
    .ndjson();
    assert_eq!(rows.len(), 20);
    assert_eq!(rows[0]["commitLogOffset"], from);
    let hex: String = s.puts[100]
        .body
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(rows[0]["body"], hex);

    let rows = dump(
        "commitlog",
        &root,
        &["-o", "ndjson", "--limit", "2", "--body", "base64"],
    )
    .ndjson();
    assert_eq!(rows[0]["body"], "Ym9keS0wMDAt");
    let rows = dump(
        "commitlog",
        &root,
        &["-o", "ndjson", "--limit", "1", "--body", "none"],
    )
    .ndjson();
    assert!(rows[0].get("body").is_none());

    // The table: a header and one line per record, bodies cut to fit.
    let table = dump("commitlog", &root, &["--limit", "3"]).ok();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(lines[0].contains("OFFSET") && lines[0].contains("BODY"));
    assert!(lines[1].contains("TopicB") && lines[1].contains("body-000-"));
    assert!(lines[1].contains("TAGS=TagA;KEYS=key-0 even"));
}

#[test]
fn relative_paths_work_from_the_store_root() {
    let s = TestStore::new("relative_paths_work_from_the_store_root");
    let second = rmq::store::mapped_file::file_name(CL_FILE as i64);
    let first_in_second = s
        .puts
        .iter()
        .find(|p| p.phys_offset >= CL_FILE as i64)
        .unwrap();
    // Kind told from the path, relative to --store.
    let rel = format!("commitlog/{second}");
    let rows = dump(&rel, &s.root_arg(), &["-o", "ndjson"]).ndjson();
    assert_eq!(rows[0]["commitLogOffset"], first_in_second.phys_offset);
    assert!(rows
        .iter()
        .all(|r| r["commitLogOffset"].as_i64().unwrap() < 2 * CL_FILE as i64));
    // Relative to the current directory, with the kind named.
    let rows2 = rmq(&["store", "dump", "commitlog", &rel, "-o", "ndjson"])
        .current_dir(&s.root)
        .ndjson();
    assert_eq!(rows, rows2);
}

#[test]
fn dump_consumequeue_rows() {
    let s = TestStore::new("dump_consumequeue_rows");
    let root = s.root_arg();
    let doc = dump(
        "consumequeue",
        &root,
        &["--topic", "TopicA", "--queue", "1", "-o", "json"],
    )
    .json();
    let rows = doc.as_array().unwrap();
    let expected: Vec<&Put> = s
        .puts
        .iter()
        .filter(|p| p.topic == "TopicA" && p.queue_id == 1)
        .collect();
    assert!(expected.len() > CQ_ENTRIES_PER_FILE, "queue spans files");
    assert_eq!(rows.len(), expected.len());
    for (row, put) in rows.iter().zip(&expected) {
        assert_eq!(row["topic"], "TopicA");
        assert_eq!(row["queueId"], 1);
        assert_eq!(row["queueOffset"], put.queue_offset);
        assert_eq!(row["commitLogOffset"], put.phys_offset);
        assert_eq!(row["size"], put.size);
    }
    assert_eq!(rows[0]["tagsCode"], message::tags_code(Some("TagB")));

    // One file, by a path relative to the store; the name gives the base offset.
    let second = rmq::store::mapped_file::file_name((CQ_ENTRIES_PER_FILE * 20) as i64);
    let rows = dump(
        &format!("consumequeue/TopicA/1/{second}"),
        &root,
        &["-o", "ndjson"],
    )
    .ndjson();
    assert_eq!(rows[0]["queueOffset"], CQ_ENTRIES_PER_FILE);
    assert_eq!(
        rows[0]["commitLogOffset"],
        expected[CQ_ENTRIES_PER_FILE].phys_offset
    );
}

#[test]
fn dump_index_header_and_key_lookup() {
    let s = TestStore::new("dump_index_header_and_key_lookup");
    let root = s.root_arg();
    let headers = dump("index", &root, &["-o", "json"]).json();
    let headers = headers.as_array().unwrap();
    assert!(headers.len() >= 2, "the index rolled: {headers:?}");
    assert_eq!(headers[0]["indexCount"], 256);
    assert_eq!(headers[0]["hashSlotNum"], 64);

    let first = headers[0]["file"].as_str().unwrap();
    let lines = at_root(&["store", "dump", "index", first, "-o", "ndjson"]).ndjson();
    assert_eq!(lines[0]["type"], "header");
    let entries: Vec<&Value> = lines.iter().filter(|l| l["type"] == "entry").collect();
    assert_eq!(entries.len(), 255);
    assert!(lines.iter().any(|l| l["type"] == "slot"));
    // The same as one JSON document (its arrays are streamed).
    let doc = at_root(&["store", "dump", "index", first, "-o", "json"]).json();
    assert_eq!(doc["header"]["indexCount"], 256);
    assert_eq!(doc["entries"].as_array().unwrap().len(), 255);
    assert_eq!(
        doc["entries"][0]["phyOffset"], entries[0]["phyOffset"],
        "{doc:#}"
    );
    assert!(!doc["slots"].as_array().unwrap().is_empty());
    let table = at_root(&["store", "dump", "index", first, "--limit", "2"]).ok();
    assert!(
        table.contains("NEWEST ENTRY") && table.contains("indexCount"),
        "{table}"
    );

    let hits = dump(
        "index",
        &root,
        &["--topic", "TopicA", "--key", "key-10", "-o", "json"],
    )
    .json();
    let hits = hits.as_array().unwrap();
    let matched: Vec<&Value> = hits.iter().filter(|h| h["match"] == true).collect();
    assert_eq!(matched.len(), 1, "{hits:?}");
    assert_eq!(matched[0]["commitLogOffset"], s.puts[10].phys_offset);
    assert_eq!(matched[0]["message"]["properties"]["KEYS"], "key-10 even");

    // A shared key is found in both files; the index file path alone also finds the store.
    let hits = at_root(&[
        "store",
        "dump",
        "index",
        &format!("{root}/index"),
        "--topic",
        "TopicB",
        "--key",
        "even",
        "-o",
        "json",
    ])
    .json();
    let evens = s
        .puts
        .iter()
        .enumerate()
        .filter(|(i, p)| has_keys(*i) && p.topic == "TopicB")
        .count();
    assert_eq!(hits.as_array().unwrap().len(), evens);
}

#[test]
fn dump_checkpoint_and_config() {
    let s = TestStore::new("dump_checkpoint_and_config");
    let root = s.root_arg();
    let cp = dump("checkpoint", &root, &["-o", "json"]).json();
    assert!(cp["physicMsgTimestamp"].as_i64().unwrap() > 1_700_000_000_000);
    assert!(cp["logicsMsgTimestamp"].as_i64().unwrap() > 0);
    let table = dump("checkpoint", &root, &[]).ok();
    assert!(table.contains("physicMsgTimestamp"));

    let offsets = dump("config/consumerOffset.json", &root, &["-o", "json"]).json();
    assert_eq!(offsets["offsetTable"]["TopicA@GroupOne"]["0"], 12);
    assert_eq!(offsets["offsetTable"]["TopicB@GroupTwo"]["1"], 3);
    let table = at_root(&[
        "store",
        "dump",
        "config",
        "config/consumerOffset.json",
        "--store",
        &root,
    ])
    .ok();
    let row = table
        .lines()
        .find(|l| l.contains("GroupOne") && l.contains(" 12 "))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains("TopicA"));
    let topics = at_root(&[
        "store",
        "dump",
        "config",
        "config/topics.json",
        "--store",
        &root,
    ])
    .ok();
    assert!(topics.contains("6 (RW-)"), "{topics}");
}

#[test]
fn stats_count_per_queue() {
    let s = TestStore::new("stats_count_per_queue");
    let doc = at_root(&["store", "stats", "--store", &s.root_arg(), "-o", "json"]).json();
    assert_eq!(doc["messages"], MESSAGES);
    assert_eq!(doc["topics"], 2);
    let queues = doc["queues"].as_array().unwrap();
    assert_eq!(queues.len(), 6);
    for q in queues {
        let (topic, queue_id) = (q["topic"].as_str().unwrap(), q["queueId"].as_i64().unwrap());
        let puts: Vec<&Put> = s
            .puts
            .iter()
            .filter(|p| p.topic == topic && i64::from(p.queue_id) == queue_id)
            .collect();
        assert_eq!(q["messages"], puts.len());
        assert_eq!(q["bytes"], puts.iter().map(|p| p.size).sum::<usize>());
        assert_eq!(q["minQueueOffset"], 0);
        assert_eq!(q["maxQueueOffset"], puts.len() - 1);
        assert_eq!(q["minCommitLogOffset"], puts[0].phys_offset);
        assert!(q["firstStoreTimestamp"].as_i64() <= q["lastStoreTimestamp"].as_i64());
    }
    let table = at_root(&["store", "stats", "--store", &s.root_arg()]).ok();
    assert!(table.contains(&format!("{MESSAGES} messages")), "{table}");
}

#[test]
fn verify_a_clean_store() {
    let s = TestStore::new("verify_a_clean_store");
    let out = at_root(&["store", "verify", "--store", &s.root_arg(), "-o", "json"]).run();
    let doc = out.json();
    assert_eq!(doc["problemCount"], 0, "{doc:#}");
    assert_eq!(doc["commitlog"]["messages"], MESSAGES);
    assert_eq!(doc["commitlog"]["crcErrors"], 0);
    assert_eq!(doc["consumeQueues"]["checked"], MESSAGES);
    assert_eq!(doc["consumeQueues"]["queues"], 6);
    let keyed = (0..MESSAGES).filter(|&i| has_keys(i)).count();
    assert_eq!(doc["index"]["entries"], 2 * keyed);
    let table = at_root(&["store", "verify", "--store", &s.root_arg()]).ok();
    assert!(table.contains("OK"), "{table}");
}

#[test]
fn verify_finds_a_corrupt_body() {
    let s = TestStore::new("verify_finds_a_corrupt_body");
    let victim = &s.puts[42];
    let file_start = victim.phys_offset - victim.phys_offset % CL_FILE as i64;
    let path = s
        .root
        .join("commitlog")
        .join(rmq::store::mapped_file::file_name(file_start));
    let mut data = std::fs::read(&path).unwrap();
    // The body starts 88 bytes into a record with IPv4 hosts.
    data[(victim.phys_offset - file_start) as usize + 88] ^= 0x20;
    std::fs::write(&path, &data).unwrap();
    let root = s.root.display().to_string();
    let err = failure(&at_root(&["store", "verify", "--store", &root]).run());
    assert!(
        err.contains(&format!("commitlog offset {}", victim.phys_offset)),
        "{err}"
    );
    assert!(err.contains("CRC"), "{err}");
    // The dump shows the record as damaged too.
    let rows = dump(
        "commitlog",
        &root,
        &[
            "-o",
            "ndjson",
            "--from-offset",
            &victim.phys_offset.to_string(),
            "--limit",
            "1",
        ],
    )
    .ndjson();
    assert_eq!(rows[0]["crcOk"], false);
}

#[test]
fn verify_finds_bad_consume_queue_entries() {
    let s = TestStore::new("verify_finds_bad_consume_queue_entries");
    let cq = s
        .root
        .join("consumequeue/TopicA/2")
        .join(rmq::store::mapped_file::file_name(0));
    let mut data = std::fs::read(&cq).unwrap();
    // Entry 3: size field.
    data[3 * 20 + 8..3 * 20 + 12].copy_from_slice(&12345i32.to_be_bytes());
    std::fs::write(&cq, &data).unwrap();
    let root = s.root.display().to_string();
    let err = failure(&at_root(&["store", "verify", "--store", &root]).run());
    assert!(err.contains("queue offset 3"), "{err}");
    assert!(err.contains("TopicA/2"), "{err}");
    assert!(err.contains("the entry says 12345"), "{err}");

    // Cut the last file of a queue: its newest entries are gone.
    let queue_dir = s.root.join("consumequeue/TopicB/0");
    let last = rmq::store::inspect::log_files_in(&queue_dir)
        .unwrap()
        .into_iter()
        .rfind(|f| std::fs::read(&f.path).unwrap().iter().any(|&b| b != 0))
        .unwrap();
    std::fs::write(&last.path, &std::fs::read(&last.path).unwrap()[..20]).unwrap();
    let out = at_root(&["store", "verify", "--store", &root, "-o", "json"]).run();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let problems = doc["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["what"].as_str().unwrap().contains("entries are missing")),
        "{problems:?}"
    );
}

#[test]
fn garbage_paths_are_one_line_errors() {
    let tmp = temp_dir("store-cli-garbage");
    let dir = tmp.path();
    let junk = dir.join("junk.bin");
    std::fs::write(&junk, b"definitely not a commitlog file, just text\n").unwrap();
    let junk_arg = junk.display().to_string();
    let err = failure(&at_root(&["store", "dump", "commitlog", &junk_arg]).run());
    assert!(err.contains("not a CommitLog file"), "{err}");
    let err = failure(&at_root(&["store", "dump", &junk_arg]).run());
    assert!(err.contains("cannot tell"), "{err}");
    let err = failure(&at_root(&["store", "dump", "consumequeue", &junk_arg]).run());
    assert!(err.contains("not a ConsumeQueue file"), "{err}");
    let err = failure(&at_root(&["store", "dump", "checkpoint", &junk_arg]).run());
    assert!(err.contains("not a checkpoint file"), "{err}");
    let err = failure(&at_root(&["store", "dump", "config", &junk_arg]).run());
    assert!(err.contains("not a JSON config file"), "{err}");
    let err = failure(&at_root(&["store", "dump", "index", &junk_arg]).run());
    assert!(err.contains("index file"), "{err}");
    let dir_arg = dir.display().to_string();
    let err = failure(&at_root(&["store", "verify", "--store", &dir_arg]).run());
    assert!(err.contains("not a RocketMQ store"), "{err}");
    let err = failure(&at_root(&["store", "dump", "commitlog", "/no/such/file"]).run());
    assert!(err.contains("/no/such/file"), "{err}");
    // An option that means nothing for the kind is refused.
    let err = failure(&at_root(&["store", "dump", "checkpoint", &junk_arg, "--key", "k"]).run());
    assert!(err.contains("--key does not apply"), "{err}");
}
