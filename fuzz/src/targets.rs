//! One function per fuzz target, each feeding arbitrary bytes to the real `rmq` decoders.
//!
//! A target may return early on input the library rejects (a typed error is the right answer to
//! bad bytes); it panics only when the library panics or breaks an invariant checked here
//! (decode → encode → decode must give the same command or body). Store readers only take
//! paths, so those targets write the input into a per-process scratch directory first.
//!
//! Used by `fuzz/fuzz_targets/*.rs` (libFuzzer, nightly) and by `tests/fuzz_regressions.rs`
//! (every committed seed and finding, on stable).

use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use rmq::common::message::{decode_batch, decode_record, decode_records, get_property};
use rmq::config::properties::Properties;
use rmq::filter::sql92::SqlExpression;
use rmq::namesrv::register_body;
use rmq::protocol::body::*;
use rmq::protocol::command::frame_len;
use rmq::protocol::{decode_frame, fastjson, LanguageCode, RemotingCommand, SerializeType};
use rmq::store::index::{IndexEntry, IndexHeader, INDEX_HEADER_SIZE};
use rmq::store::inspect::{
    body_to_show, find_key, index_entries, index_files_in, open_index_file, record_has_key,
    used_slots, BodyEncoding, CommitLogReader, CommitLogScanner, ConsumeQueueFiles, IndexGeometry,
    MessageExtJson, ScanItem,
};

/// A target's body: one input, a panic on a finding.
pub type Target = fn(&[u8]);

/// Every target, by name (the names of the `fuzz_targets/*.rs` binaries).
pub const TARGETS: &[(&str, Target)] = &[
    ("frame", frame),
    ("header_json", header_json),
    ("header_binary", header_binary),
    ("bodies", bodies),
    ("commitlog_record", commitlog_record),
    ("consume_queue", consume_queue),
    ("index", index),
    ("properties", properties),
    ("sql92", sql92),
];

/// The net layer's frame decoder (`protocol::decode_frame`, as `net` calls it on its read
/// buffer) over a byte stream that may hold several frames; every decoded command must survive
/// encode → decode unchanged.
pub fn frame(data: &[u8]) {
    let _ = frame_len(data);
    let mut buf = BytesMut::from(data);
    while let Ok(Some(cmd)) = decode_frame(&mut buf) {
        assert_round_trip(&cmd);
    }
}

/// The JSON header serialization (serialize type 0): `data` is the header text.
pub fn header_json(data: &[u8]) {
    decode_header(0, data);
}

/// The ROCKETMQ binary header serialization (serialize type 1): `data` is the header.
pub fn header_binary(data: &[u8]) {
    decode_header(1, data);
}

/// Builds the frame (without its length prefix) `RemotingCommand::decode` takes: the serialize
/// type byte, the 24-bit header length, the header, and the rest as body.
fn decode_header(serialize_type: u8, header: &[u8]) {
    let header = &header[..header.len().min(0x00FF_FFFF)];
    let mut frame = Vec::with_capacity(4 + header.len() + 2);
    let word = (u32::from(serialize_type) << 24) | header.len() as u32;
    frame.extend_from_slice(&word.to_be_bytes());
    frame.extend_from_slice(header);
    frame.extend_from_slice(b"{}");
    if let Ok(cmd) = RemotingCommand::decode(Bytes::from(frame)) {
        assert_eq!(&cmd.body[..], b"{}");
        assert_round_trip(&cmd);
    }
}

/// decode → encode → decode gives the same command, up to what a serialization cannot carry
/// by design (see [`as_written`]), and encoding that again gives the same bytes.
fn assert_round_trip(cmd: &RemotingCommand) {
    let encoded = cmd.to_bytes();
    let again = decode_whole_frame(&encoded);
    assert_eq!(
        again,
        as_written(cmd),
        "decode -> encode -> decode changed the command"
    );
    assert_eq!(
        again.to_bytes(),
        encoded,
        "a re-decoded command encodes differently"
    );
}

fn decode_whole_frame(encoded: &[u8]) -> RemotingCommand {
    let mut buf = BytesMut::from(encoded);
    let cmd = decode_frame(&mut buf)
        .expect("a re-encoded command decodes")
        .expect("a re-encoded command is one whole frame");
    assert!(buf.is_empty(), "a re-encoded command is exactly one frame");
    cmd
}

/// `cmd` as its serialization carries it: a JSON header names the language, so a code without
/// a name is written as `OTHER` (`LanguageCode::name`, what Java peers understand); the binary
/// header writes an empty ext-field map as length 0, which reads back as no map (Java's `null`).
fn as_written(cmd: &RemotingCommand) -> RemotingCommand {
    let mut cmd = cmd.clone();
    match cmd.serialize_type {
        SerializeType::Json => {
            if let LanguageCode::Unknown(_) = cmd.language {
                cmd.language = LanguageCode::Other;
            }
        }
        SerializeType::RocketMq => {
            if cmd.ext_fields.as_ref().is_some_and(|e| e.is_empty()) {
                cmd.ext_fields = None;
            }
        }
    }
    cmd
}

/// Reads `json` as one body type and checks that its fastjson output reads back to the same
/// output (the broker re-encodes what it decodes: heartbeats, registrations, config files).
macro_rules! body_readers {
    ($($ty:ident),+ $(,)?) => {
        const BODY_TYPES: &[&str] = &[$(stringify!($ty)),+];

        fn read_body(kind: usize, json: &[u8]) {
            let mut n = 0;
            $(
                if kind == n {
                    if let Ok(body) = $ty::from_json(json) {
                        let once = body.to_json();
                        let again = $ty::from_json(&once).unwrap_or_else(|e| {
                            panic!("{} does not re-read its own JSON {:?}: {e}",
                                stringify!($ty), String::from_utf8_lossy(&once))
                        });
                        assert_eq!(
                            String::from_utf8_lossy(&again.to_json()),
                            String::from_utf8_lossy(&once),
                            "{} changes when re-read", stringify!($ty)
                        );
                        let standard = body.to_json_with(JsonStyle::Standard);
                        $ty::from_json(&standard).unwrap_or_else(|e| {
                            panic!("{} does not re-read its standard JSON: {e}", stringify!($ty))
                        });
                        let pretty = body.to_json_pretty();
                        $ty::from_json(&pretty).unwrap_or_else(|e| {
                            panic!("{} does not re-read its pretty JSON: {e}", stringify!($ty))
                        });
                    }
                    return;
                }
                n += 1;
            )+
            let _ = n;
        }
    };
}

body_readers!(
    ConsumeStats,
    TopicStatsTable,
    ResetOffsetBody,
    GetConsumerStatusBody,
    QueryCorrectionOffsetBody,
    BrokerStatsData,
    SubscriptionData,
    HeartbeatData,
    LockBatchRequestBody,
    LockBatchResponseBody,
    UnlockBatchRequestBody,
    GetConsumerListByGroupResponseBody,
    Connection,
    ProducerConnection,
    ConsumerConnection,
    ProducerTableInfo,
    RegisterBrokerBody,
    QueueData,
    BrokerData,
    TopicRouteData,
    ClusterInfo,
    DataVersion,
    TopicConfig,
    TopicConfigSerializeWrapper,
    SubscriptionGroupConfig,
    SubscriptionGroupWrapper,
    ConsumerOffsetSerializeWrapper,
    GroupList,
    TopicList,
    KVTable,
    RoleChange,
);

/// Every fastjson body: the first byte picks the body type (the typed bodies of
/// `protocol::body`, then the plain fastjson parser, the name server's REGISTER_BROKER body in
/// its three forms, and `TopicConfig.decode` text); the rest is the body.
pub fn bodies(data: &[u8]) {
    let Some((&selector, json)) = data.split_first() else {
        return;
    };
    let kinds = BODY_TYPES.len() + 3;
    let kind = usize::from(selector) % kinds;
    match kind.checked_sub(BODY_TYPES.len()) {
        None => read_body(kind, json),
        Some(0) => {
            let _ = fastjson::parse(json);
        }
        Some(1) => {
            // Pre-3.0.11 (a bare topic table), plain and zlib-compressed registrations.
            let _ = register_body::decode(json, false, 0);
            let _ = register_body::decode(json, false, i32::MAX);
            if let Ok(body) = register_body::decode(json, true, i32::MAX) {
                let wrapper = RegisterBrokerBody {
                    topic_config_serialize_wrapper: body.topic_config,
                    filter_server_list: body.filter_server_list.unwrap_or_default(),
                };
                let encoded = register_body::encode_compressed(&wrapper);
                register_body::decode_compressed(&encoded)
                    .expect("a re-compressed registration decodes");
            }
        }
        _ => {
            if let Some(config) = register_body::decode_topic_config(&String::from_utf8_lossy(json))
            {
                let _ = register_body::encode_topic_config(&config);
            }
        }
    }
}

/// A fresh directory for this process and target (tmpfs when there is one).
fn scratch_dir(target: &str) -> PathBuf {
    let base = Path::new("/dev/shm");
    let base = if base.is_dir() {
        base.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("rmq-fuzz-{}-{target}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    dir
}

/// Removes the scratch directory of `target` (the regression test cleans up after itself).
pub fn remove_scratch(target: &str) {
    let _ = std::fs::remove_dir_all(scratch_dir(target));
}

fn write_file(path: &Path, data: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create the scratch subdirectory");
    }
    std::fs::write(path, data).expect("write the fuzz input");
}

/// The CommitLog record decoders: `decode_record`/`decode_records`/`decode_batch` on the bytes,
/// then the bytes as a CommitLog file scanned as `rmq store dump` scans it
/// (`CommitLogScanner`, each record's body and `MessageExtJson` view, `record_has_key`) and
/// read by offset as index lookups do (`CommitLogReader`).
pub fn commitlog_record(data: &[u8]) {
    let _ = decode_record(data);
    for record in decode_records(data).take(1000) {
        if record.is_err() {
            break;
        }
    }
    for item in decode_batch(data).take(1000) {
        if item.is_err() {
            break;
        }
    }
    if data.is_empty() {
        return;
    }
    let dir = scratch_dir("commitlog_record").join("commitlog");
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("00000000000000000000");
    write_file(&file, data);
    let Ok(scanner) = CommitLogScanner::open(&dir) else {
        return;
    };
    let mut scratch = Vec::new();
    let mut offsets = Vec::new();
    for mapped in scanner.mapped_files(0) {
        let Ok(mapped) = mapped else { break };
        let mut records = mapped.records();
        for item in records.by_ref() {
            let ScanItem::Message { offset, record } = item else {
                continue;
            };
            offsets.push(offset);
            let _ = (record.topic(), record.properties(), record.crc_ok());
            let _ = (record.offset_msg_id(), record_has_key(&record, "k"));
            for encoding in [
                BodyEncoding::None,
                BodyEncoding::Utf8,
                BodyEncoding::Hex,
                BodyEncoding::Base64,
            ] {
                let (body, state) = body_to_show(&record, encoding, &mut scratch);
                let json = MessageExtJson {
                    record: &record,
                    body,
                    body_state: &state,
                    encoding,
                };
                serde_json::to_vec(&json).expect("a record view serializes");
                let _ = state.note();
            }
        }
        let _ = mapped.nonzero_after(records.position());
    }
    let _ = CommitLogScanner::open(&file).map(|s| s.total_bytes());
    let mut reader = CommitLogReader::new(scanner.files().to_vec());
    for offset in offsets.into_iter().chain([1, data.len() as i64 - 1]) {
        reader.with_record(offset, |r| r.map(|r| r.total_size).ok());
    }
}

/// The ConsumeQueue reader of `rmq store`: the first byte is the queue offset to start from,
/// the rest one ConsumeQueue file of `consumequeue/T/0`, opened both as the queue directory
/// and as the file.
pub fn consume_queue(data: &[u8]) {
    let Some((&from, content)) = data.split_first() else {
        return;
    };
    let root = scratch_dir("consume_queue").join("consumequeue");
    let _ = std::fs::remove_dir_all(&root);
    let queue_dir = root.join("T").join("0");
    let file = queue_dir.join("00000000000000000000");
    write_file(&file, content);
    for path in [&queue_dir, &file, &root.join("T")] {
        let Ok(queues) = ConsumeQueueFiles::open(path) else {
            continue;
        };
        for queue in &queues {
            for slot in queue.entries(i64::from(from)).take(10_000) {
                match slot {
                    Ok(slot) => {
                        let _ = slot.is_pre_fill();
                    }
                    Err(_) => break,
                }
            }
        }
    }
}

/// The index file reader of `rmq store`: the first two bytes pick a small geometry
/// (1..=64 slots, 2..=257 entries), the rest is the file, cut or zero-padded to its size; then
/// the header, used slots, entries and key lookups as `rmq store index` reads them.
pub fn index(data: &[u8]) {
    let _ = IndexHeader::parse(data);
    let _ = IndexEntry::parse(data);
    let [slots, entries, content @ ..] = data else {
        return;
    };
    let geometry = IndexGeometry {
        hash_slot_num: 1 + i32::from(*slots % 64),
        index_num: 2 + i32::from(*entries),
    };
    let size = geometry.file_size().expect("a small geometry has a size") as usize;
    assert!(size >= INDEX_HEADER_SIZE);
    let mut file_bytes = content[..content.len().min(size)].to_vec();
    file_bytes.resize(size, 0);
    let dir = scratch_dir("index").join("index");
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("20240101000000000");
    write_file(&path, &file_bytes);
    let _ = open_index_file(&path, None);
    let Ok((file, _)) = open_index_file(&path, Some(geometry)) else {
        return;
    };
    let _ = (file.header(), file.index_count(), file.is_write_full());
    let _ = file.is_time_matched(0, i64::MAX);
    let _ = used_slots(&file).count();
    let _ = index_entries(&file).count();
    let key = String::from_utf8_lossy(&content[..content.len().min(8)]).into_owned();
    for k in ["k", key.as_str()] {
        let _ = file.select_phy_offsets(&format!("T#{k}"), 64, 0, i64::MAX);
        let _ = file.select_phy_offsets(&format!("T#{k}"), 64, i64::MIN, i64::MAX);
    }
    if let Ok(files) = index_files_in(&dir) {
        let _ = find_key(&files, Some(geometry), "T", &key, 64);
    }
}

/// The `.properties` parser (`Properties::parse`, as broker/name server configs are read); what
/// it writes must parse back to the same pairs.
pub fn properties(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(props) = Properties::parse(&text) else {
        return;
    };
    let pairs: Vec<(&str, &str)> = props.iter().collect();
    let _ = props.to_plain_string();
    let written = props.to_properties_string();
    let again = Properties::parse(&written).unwrap_or_else(|e| {
        panic!("written properties do not parse: {e}\n{written}");
    });
    let again_pairs: Vec<(&str, &str)> = again.iter().collect();
    assert_eq!(
        again_pairs, pairs,
        "properties change when written and re-read"
    );
}

/// The SQL92 selector compiler and evaluator: the text up to the first NUL is the selector,
/// the rest the message properties in the stored `k\x01v\x02` form.
pub fn sql92(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (selector, props) = text.split_once('\0').unwrap_or((&text, ""));
    let Ok(expr) = SqlExpression::compile(selector) else {
        return;
    };
    let _ = (expr.source(), expr.ignored_tail());
    let _ = expr.evaluate(|name| get_property(props, name));
    let _ = expr.evaluate(|_| None);
    let _ = expr.matches_properties(props);
    let _ = rmq::common::message::properties(props).count();
}
