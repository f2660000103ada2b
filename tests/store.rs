//! The message store end to end on real files: puts and reads, restarts (clean and after a
//! crash), recovery of torn tails, time and key lookups, retention, the store lock, and a
//! SIGKILL crash test of a SYNC_FLUSH writer in a child process.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use common::{temp_dir, TempDir};
use rmq::common::message::{self, MessageToStore, Record};
use rmq::config::{FlushDiskType, MessageStoreConfig};
use rmq::store::message_store::AcceptAll;
use rmq::store::{GetStatus, MessageFilter, MessageStore};

/// A temp dir (removed when the first value drops) and the store root in it, not created yet.
fn temp_store(name: &str) -> (TempDir, PathBuf) {
    let dir = temp_dir(&format!("store-{name}"));
    let root = dir.path().join("store");
    (dir, root)
}

fn config(root: &Path, flush: FlushDiskType) -> MessageStoreConfig {
    MessageStoreConfig {
        store_path_root_dir: root.to_path_buf(),
        mapped_file_size_commit_log: 64 * 1024,
        mapped_file_size_consume_queue: 100 * 20,
        flush_disk_type: flush,
        max_hash_slot_num: 64,
        max_index_num: 256,
        flush_interval_commit_log: 20,
        flush_interval_consume_queue: 50,
        ..MessageStoreConfig::default()
    }
}

const HOST: &str = "127.0.0.1:10911";

fn msg<'a>(topic: &'a str, queue_id: i32, body: &'a [u8], props: &'a str) -> MessageToStore<'a> {
    MessageToStore {
        topic,
        queue_id,
        flag: 0,
        body,
        body_crc: message::crc32(body),
        sys_flag: 0,
        born_timestamp: 1_700_000_000_000,
        born_host: "10.1.2.3:40000".parse().unwrap(),
        store_host: HOST.parse().unwrap(),
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        properties: props,
    }
}

fn open(root: &Path, flush: FlushDiskType) -> Arc<MessageStore> {
    MessageStore::open(config(root, flush), HOST.parse::<SocketAddr>().unwrap()).unwrap()
}

/// Opens a store whose previous in-process owner was dropped without shutdown: its threads
/// let go of it within a few milliseconds.
/// Drops `store` as a crash would (no shutdown) and waits until its background threads have
/// let go of it too, so the test may change its files without them touching the mappings.
fn drop_and_wait(store: Arc<MessageStore>) {
    let weak = Arc::downgrade(&store);
    drop(store);
    for _ in 0..500 {
        if weak.strong_count() == 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the store's threads still hold it 5 s after the drop");
}

fn reopen_after_drop(root: &Path, flush: FlushDiskType) -> Arc<MessageStore> {
    for _ in 0..100 {
        match MessageStore::open(config(root, flush), HOST.parse().unwrap()) {
            Ok(store) => return store,
            Err(rmq::store::StoreError::Locked { .. }) => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("store still locked");
}

fn bodies(store: &MessageStore, topic: &str, queue_id: i32, from: i64, max: usize) -> Vec<String> {
    let r = store.get_messages(topic, queue_id, from, max, &AcceptAll);
    r.messages
        .iter()
        .map(|m| match message::decode_record(m).unwrap() {
            Record::Message(v) => String::from_utf8(v.body.to_vec()).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn put_read_roll_files_and_restart_cleanly() {
    let (_dir, root) = temp_store("basic");
    let store = open(&root, FlushDiskType::AsyncFlush);
    let mut props = String::new();
    message::push_property(&mut props, "TAGS", "TagA");
    for i in 0..600 {
        let body = format!("message-{i:04}-{}", "x".repeat(100));
        let ok = store
            .put(&msg("TopicA", i % 2, body.as_bytes(), &props))
            .unwrap();
        assert_eq!(ok.queue_offset, i64::from(i / 2));
    }
    assert!(
        store.commitlog().files().files().len() > 1,
        "rolled into several CommitLog files"
    );
    assert_eq!(store.max_offset("TopicA", 0), 300);
    let got = bodies(&store, "TopicA", 1, 10, 5);
    assert_eq!(got.len(), 5);
    assert!(got[0].starts_with("message-0021-"));
    let r = store.get_messages("TopicA", 0, 300, 32, &AcceptAll);
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetStatus::OffsetOverflowOne, 300)
    );
    // maxMsgNums 0 (or less) reads one message, as Java's store does.
    let r = store.get_messages("TopicA", 0, 7, 0, &AcceptAll);
    assert_eq!(
        (r.status, r.messages.len(), r.next_begin_offset),
        (GetStatus::Found, 1, 8)
    );
    let r = store.get_messages("TopicA", 0, 400, 32, &AcceptAll);
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetStatus::OffsetOverflowBadly, 300)
    );
    assert_eq!(
        store.get_messages("Nope", 0, 0, 32, &AcceptAll).status,
        GetStatus::NoMessageInQueue
    );
    store.shutdown().unwrap();
    drop(store);
    assert!(!root.join("abort").exists());

    let store = reopen_after_drop(&root, FlushDiskType::AsyncFlush);
    assert_eq!(store.max_offset("TopicA", 0), 300);
    assert_eq!(store.max_offset("TopicA", 1), 300);
    let ok = store.put(&msg("TopicA", 0, b"after restart", "")).unwrap();
    assert_eq!(ok.queue_offset, 300);
    assert_eq!(bodies(&store, "TopicA", 0, 300, 1), vec!["after restart"]);
    store.shutdown().unwrap();
    drop(store);
}

struct Tag(i64);

impl MessageFilter for Tag {
    fn matches_tags_code(&self, tags_code: i64) -> bool {
        tags_code == self.0
    }
}

#[test]
fn tag_filtering_uses_the_consume_queue_hash() {
    let (_dir, root) = temp_store("tags");
    let store = open(&root, FlushDiskType::AsyncFlush);
    for (i, tag) in ["A", "B", "A", "C"].iter().enumerate() {
        let props = message::format_properties([("TAGS", *tag)]);
        store
            .put(&msg("T", 0, format!("{i}").as_bytes(), &props))
            .unwrap();
    }
    let a = message::tags_code(Some("A"));
    let r = store.get_messages("T", 0, 0, 32, &Tag(a));
    assert_eq!(r.status, GetStatus::Found);
    assert_eq!(r.messages.len(), 2);
    assert_eq!(r.next_begin_offset, 4);
    let r = store.get_messages("T", 0, 0, 32, &Tag(message::tags_code(Some("Z"))));
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetStatus::NoMatchedMessage, 4)
    );
    drop(store);
}

#[test]
fn time_and_key_lookups() {
    let (_dir, root) = temp_store("lookup");
    let store = open(&root, FlushDiskType::AsyncFlush);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let props = message::format_properties([("KEYS", "order-1 order-2"), ("UNIQ_KEY", "ABCDEF")]);
    let first = store.put(&msg("K", 0, b"keyed", &props)).unwrap();
    store.put(&msg("K", 0, b"plain", "")).unwrap();
    assert_eq!(store.offset_by_time("K", 0, before - 10_000), 0);
    assert_eq!(store.offset_by_time("K", 0, i64::MAX), 2);
    assert!(store.earliest_store_time("K", 0) >= before);
    // The index is built by a background thread.
    let mut found = Vec::new();
    for _ in 0..200 {
        found = store.query_by_key("K", "order-2", 32, 0, i64::MAX).0;
        if !found.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(found, vec![first.phys_offset]);
    assert_eq!(
        store.query_by_key("K", "ABCDEF", 32, 0, i64::MAX).0,
        vec![first.phys_offset]
    );
    let raw = store.record_at(first.phys_offset).unwrap();
    let Record::Message(view) = message::decode_record(&raw).unwrap() else {
        panic!()
    };
    assert_eq!(view.body, b"keyed");
    drop(store);
}

#[test]
fn a_second_open_of_the_same_store_is_refused() {
    let (_dir, root) = temp_store("lock");
    let store = open(&root, FlushDiskType::AsyncFlush);
    let err = MessageStore::open(
        config(&root, FlushDiskType::AsyncFlush),
        HOST.parse().unwrap(),
    )
    .err()
    .unwrap();
    assert!(
        err.to_string().contains("in use by another process"),
        "{err}"
    );
    drop(store);
}

#[test]
fn torn_tail_is_truncated_and_queues_rebuilt_after_a_crash() {
    let (_dir, root) = temp_store("torn");
    let store = open(&root, FlushDiskType::AsyncFlush);
    let mut ends = Vec::new();
    for i in 0..20 {
        let ok = store
            .put(&msg("T", 0, format!("m{i}").as_bytes(), ""))
            .unwrap();
        ends.push(ok.end_offset());
    }
    // Simulate a crash: no shutdown (abort stays), then tear the last record in half and wipe
    // the ConsumeQueue so recovery must rebuild it from the CommitLog.
    drop_and_wait(store);
    assert!(root.join("abort").exists());
    let file = root.join("commitlog").join("00000000000000000000");
    let mut data = std::fs::read(&file).unwrap();
    let last_start = ends[18] as usize;
    for b in &mut data[last_start + 30..ends[19] as usize] {
        *b = 0;
    }
    std::fs::write(&file, &data).unwrap();
    std::fs::remove_dir_all(root.join("consumequeue")).unwrap();

    let store = reopen_after_drop(&root, FlushDiskType::AsyncFlush);
    assert_eq!(store.commitlog().max_offset(), ends[18]);
    assert_eq!(store.max_offset("T", 0), 19);
    assert_eq!(bodies(&store, "T", 0, 17, 10), vec!["m17", "m18"]);
    let ok = store.put(&msg("T", 0, b"next", "")).unwrap();
    assert_eq!((ok.queue_offset, ok.phys_offset), (19, ends[18]));
    drop(store);
}

/// The child side of the crash test: appends with SYNC_FLUSH and prints each acknowledged
/// message until it is killed. Runs only when the parent sets RMQ_CRASH_CHILD_STORE.
#[test]
fn crash_child() {
    let Ok(root) = std::env::var("RMQ_CRASH_CHILD_STORE") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = open(Path::new(&root), FlushDiskType::SyncFlush);
    rt.block_on(async {
        for i in 0.. {
            let body = format!("durable-{i}");
            let ok = store
                .put(&msg("Crash", i % 3, body.as_bytes(), ""))
                .unwrap();
            // The broker's bound on a SYNC_FLUSH acknowledgement (syncFlushTimeout).
            let durable = std::time::Duration::from_secs(5);
            if tokio::time::timeout(durable, store.wait_flushed(ok.end_offset()))
                .await
                .is_ok()
            {
                println!("ACK {} {} {}", i % 3, ok.queue_offset, body);
            }
        }
    });
}

#[test]
fn sigkill_during_sync_flush_loses_no_acknowledged_message() {
    let (_dir, root) = temp_store("crash");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("RMQ_CRASH_CHILD_STORE", &root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut acked = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("ACK ") {
            let mut parts = rest.split(' ');
            let queue: i32 = parts.next().unwrap().parse().unwrap();
            let offset: i64 = parts.next().unwrap().parse().unwrap();
            acked.push((queue, offset, parts.next().unwrap().to_string()));
            if acked.len() == 300 {
                // SIGKILL mid-stream: no shutdown hook, no flush.
                child.kill().unwrap();
                break;
            }
        }
    }
    child.wait().unwrap();
    assert_eq!(acked.len(), 300);

    let store = open(&root, FlushDiskType::SyncFlush);
    for (queue, offset, body) in &acked {
        let got = bodies(&store, "Crash", *queue, *offset, 1);
        assert_eq!(
            got,
            vec![body.clone()],
            "acknowledged message at queue {queue} offset {offset}"
        );
    }
    // Every ConsumeQueue entry matches its CommitLog record and every CRC checks.
    for queue in 0..3 {
        let cq = store.consume_queue("Crash", queue).unwrap();
        for offset in cq.min_offset()..cq.max_offset() {
            let entry = cq.get(offset).unwrap();
            let ok = store.commitlog().with_record(entry.phys_offset, |r| {
                r.crc_ok()
                    && r.queue_id == queue
                    && r.queue_offset == offset
                    && r.total_size == entry.size
            });
            assert_eq!(ok, Some(true), "queue {queue} offset {offset}");
        }
    }
    drop(store);
}

/// Replication at the store level: a slave store fed the master's CommitLog bytes in chunks
/// that split records (and files, which end with BLANKs) ends with the same CommitLog and
/// serves the same messages from its ConsumeQueues; data for any other offset is refused.
#[test]
fn replicated_bytes_rebuild_the_same_queues() {
    let (_d1, master_root) = temp_store("repl-master");
    let (_d2, slave_root) = temp_store("repl-slave");
    let master = open(&master_root, FlushDiskType::AsyncFlush);
    let slave = MessageStore::open(
        MessageStoreConfig {
            broker_role: rmq::config::BrokerRole::Slave,
            ..config(&slave_root, FlushDiskType::AsyncFlush)
        },
        HOST.parse::<SocketAddr>().unwrap(),
    )
    .unwrap();
    let body = vec![b'r'; 700];
    for i in 0..300 {
        let props = format!("TAGS\u{1}tag{}\u{2}", i % 3);
        master.put(&msg("ReplTopic", i % 2, &body, &props)).unwrap();
    }
    let end = master.max_phys_offset();
    assert!(end > 3 * 64 * 1024, "the test spans several files");

    // Chunks of 1000 bytes (never across a file), as an HA master sends them.
    let mut offset = 0;
    while offset < end {
        let chunk = master.commitlog_bytes(offset, 1000).expect("master bytes");
        // Not the slave's end: refused, nothing written (an empty store takes any offset).
        if offset > 0 {
            assert!(slave.append_replicated(offset + 1, &chunk).is_err());
        }
        let new_max = slave.append_replicated(offset, &chunk).unwrap();
        offset += chunk.len() as i64;
        assert_eq!(new_max, offset);
    }
    assert_eq!(slave.max_phys_offset(), end);
    for q in 0..2 {
        assert_eq!(slave.max_offset("ReplTopic", q), 150);
        assert_eq!(
            bodies(&slave, "ReplTopic", q, 0, 200),
            bodies(&master, "ReplTopic", q, 0, 200)
        );
    }
    // A write to the slave itself is still refused.
    assert!(slave.put(&msg("ReplTopic", 0, b"no", "")).is_err());
    master.shutdown().unwrap();
    slave.shutdown().unwrap();
    drop(slave);
    for (name, bytes) in std::fs::read_dir(master_root.join("commitlog"))
        .unwrap()
        .flatten()
        .map(|e| (e.file_name(), std::fs::read(e.path()).unwrap()))
    {
        if bytes.iter().all(|&b| b == 0) {
            continue;
        }
        let theirs = std::fs::read(slave_root.join("commitlog").join(&name)).unwrap();
        assert!(theirs == bytes, "CommitLog file {name:?} differs");
    }
    // Reopened, the slave recovers to the same end and the same queues.
    let slave = reopen_after_drop(&slave_root, FlushDiskType::AsyncFlush);
    assert_eq!(slave.max_phys_offset(), end);
    assert_eq!(slave.max_offset("ReplTopic", 1), 150);
}

/// CLEAN_EXPIRED_CONSUMEQUEUE's store side (Java `cleanExpiredConsumerQueue`): once retention
/// deleted every CommitLog file a queue points into, the queue goes (and starts again at offset
/// 0); a queue with live messages, an empty queue and the delay topic's queues stay.
#[test]
fn expired_consume_queues_are_cleaned_after_retention() {
    let (_dir, root) = temp_store("clean-cq");
    let store = open(&root, FlushDiskType::AsyncFlush);
    let props = String::new();
    let body = "y".repeat(1000);
    for _ in 0..100 {
        store
            .put(&msg("OldTopic", 0, body.as_bytes(), &props))
            .unwrap();
    }
    store
        .put(&msg("SCHEDULE_TOPIC_XXXX", 0, body.as_bytes(), &props))
        .unwrap();
    // Fill the rest of the current file and more with another topic.
    for _ in 0..140 {
        store
            .put(&msg("NewTopic", 0, body.as_bytes(), &props))
            .unwrap();
    }
    store.consume_queue("EmptyTopic", 0).unwrap();
    assert!(store.commitlog().files().files().len() >= 3);
    // Nothing expired yet: nothing to clean.
    assert_eq!(store.clean_expired_consume_queues().unwrap(), vec![]);

    // Retention (forced) deletes the files the flush and dispatch are done with.
    let old_end = store
        .consume_queues()
        .get("OldTopic", 0)
        .unwrap()
        .max_phys_end();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while store.min_phys_offset() <= old_end {
        assert!(
            std::time::Instant::now() < deadline,
            "retention did not pass OldTopic"
        );
        store.clean_expired(true).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let new_end = store
        .consume_queues()
        .get("NewTopic", 0)
        .unwrap()
        .max_phys_end();
    assert!(new_end > store.min_phys_offset());

    let removed = store.clean_expired_consume_queues().unwrap();
    assert_eq!(removed, vec![("OldTopic".to_string(), 0)]);
    assert!(store.consume_queues().get("OldTopic", 0).is_none());
    assert!(!root.join("consumequeue/OldTopic").exists());
    for kept in ["NewTopic", "EmptyTopic", "SCHEDULE_TOPIC_XXXX"] {
        assert!(store.consume_queues().get(kept, 0).is_some(), "{kept} kept");
    }
    // The queue starts again from 0, as Java's does after `removeQueueFromTopicQueueTable`.
    let ok = store.put(&msg("OldTopic", 0, b"again", &props)).unwrap();
    assert_eq!(ok.queue_offset, 0);
}

/// Retention keeps a deleted CommitLog file (`commitLogReuseFiles`, 1 by default) and a later
/// new file is made from it, zeroed: after a crash, recovery finds exactly the messages
/// written to it and none of its old records, which are the same size as the new ones (so
/// an old record would start exactly where the new ones end if the file were not zeroed).
#[test]
fn retired_commitlog_files_are_reused_zeroed() {
    use std::os::unix::fs::MetadataExt;
    let (_dir, root) = temp_store("reuse");
    let cfg = MessageStoreConfig {
        file_reserved_time: 0,
        ..config(&root, FlushDiskType::SyncFlush)
    };
    let host: SocketAddr = HOST.parse().unwrap();
    let store = MessageStore::open(cfg.clone(), host).unwrap();
    let body = [b'o'; 1000];
    for _ in 0..200 {
        store.put(&msg("OldT", 0, &body, "")).unwrap();
    }
    let pool = root.join("commitlog-reuse");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while pool_files(&pool).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no file was retired to {pool:?}"
        );
        store.clean_expired(false).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        pool_files(&pool).len(),
        1,
        "commitLogReuseFiles=1 keeps one"
    );
    let inode = std::fs::metadata(&pool_files(&pool)[0]).unwrap().ino();

    // The pooled file becomes the file after the one prepared already: write into it.
    let new_body = [b'n'; 1000];
    let reused = |store: &MessageStore| {
        store
            .commitlog()
            .files()
            .files()
            .into_iter()
            .find(|f| std::fs::metadata(f.path()).is_ok_and(|m| m.ino() == inode))
    };
    let mut written = 0;
    while reused(&store).is_none_or(|f| f.write_pos() == 0) {
        store.put(&msg("NewT", 0, &new_body, "")).unwrap();
        written += 1;
        assert!(written < 1000, "the pooled file was never used");
    }
    for _ in 0..3 {
        store.put(&msg("NewT", 0, &new_body, "")).unwrap();
        written += 1;
    }
    assert!(pool_files(&pool).is_empty(), "the pooled file was taken");
    let file = reused(&store).unwrap();
    let (path, pos) = (file.path().to_path_buf(), file.write_pos());
    assert!(pos < file.size() / 2, "the reused file is mostly unwritten");
    drop(file);
    drop_and_wait(store);

    // Past the last record the file reads as a fresh one: zeros to its end.
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes[pos..].iter().all(|&b| b == 0),
        "stale bytes after {pos}"
    );
    let store = reopen_after_drop(&root, FlushDiskType::SyncFlush);
    assert_eq!(store.max_offset("NewT", 0), written);
    let last = bodies(&store, "NewT", 0, written - 1, 1);
    assert_eq!(last, vec![String::from_utf8(new_body.to_vec()).unwrap()]);
    assert!(bodies(&store, "NewT", 0, written, 1).is_empty());
}

fn pool_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default()
}
