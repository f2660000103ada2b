//! In-process store throughput: appends 1 KiB messages to a fresh store (ASYNC_FLUSH) and
//! reports msgs/s and MB/s, then reads them all back through the ConsumeQueue.
//!
//!   cargo bench --bench store_append            # 2,000,000 messages
//!   COUNT=500000 cargo bench --bench store_append
//!
//! The first pass writes into files as they are created (and pre-touched ahead of need by the
//! allocator thread); a second pass over warm, pre-touched files is what the store can sustain.

use std::net::SocketAddr;
use std::time::Instant;

use rmq::common::message::{crc32, MessageToStore};
use rmq::config::{FlushDiskType, MessageStoreConfig};
use rmq::store::message_store::AcceptAll;
use rmq::store::MessageStore;

fn main() {
    let count: u64 = std::env::var("COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(2_000_000);
    // Round 1 runs on memory the VM has never touched (first touch is expensive here); round 2
    // on a fresh store again, but on page-cache memory the first round already faulted in.
    for round in 1..=2 {
        run(count, round);
    }
}

fn run(count: u64, round: u32) {
    let dir = std::env::temp_dir().join(format!("rmq-bench-append-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = MessageStoreConfig {
        store_path_root_dir: dir.clone(),
        flush_disk_type: FlushDiskType::AsyncFlush,
        ..MessageStoreConfig::default()
    };
    let host: SocketAddr = "127.0.0.1:10911".parse().unwrap();
    let store = MessageStore::open(cfg, host).expect("open store");
    // Let the start-up warm-up of the first file finish, as a running broker would have.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let body = vec![b'x'; 1024];
    let props = "TAGS\u{1}TagA\u{2}UNIQ_KEY\u{1}7F0000010001000000000000000000AB";
    let msg = |queue_id: i32| MessageToStore {
        topic: "BenchTopic",
        queue_id,
        flag: 0,
        body: &body,
        body_crc: crc32(&body),
        sys_flag: 0,
        born_timestamp: 1,
        born_host: host,
        store_host: host,
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        properties: props,
    };
    let mut bytes = 0u64;
    let started = Instant::now();
    for i in 0..count {
        let ok = store.put(&msg((i % 8) as i32)).expect("put");
        bytes += ok.size as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "round {round} append: {count} x 1 KiB in {secs:.2}s = {:.0} msgs/s, {:.0} MB/s (records {} bytes each)",
        count as f64 / secs,
        bytes as f64 / secs / 1e6,
        bytes / count
    );
    let started = Instant::now();
    let mut read = 0u64;
    for q in 0..8 {
        let mut offset = 0;
        loop {
            let r = store.get_messages("BenchTopic", q, offset, 32, &AcceptAll);
            if r.messages.is_empty() {
                break;
            }
            read += r.messages.len() as u64;
            offset = r.next_begin_offset;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "read back: {read} messages in {secs:.2}s = {:.0} msgs/s",
        read as f64 / secs
    );
    store.shutdown().expect("shutdown");
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
