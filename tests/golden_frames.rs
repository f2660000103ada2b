//! Golden frames: 287 frames captured between a real Apache RocketMQ 4.9.8 namesrv, broker,
//! mqadmin and Java client (JSON and ROCKETMQ headers). Every frame must decode to the fields
//! the capture recorded and re-encode to the very same bytes.

use bytes::{Bytes, BytesMut};
use rmq::protocol::{decode_frame, RemotingCommand, SerializeType};
use serde_json::Value;

struct Captured {
    idx: u64,
    meta: Value,
    frame: Vec<u8>,
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn captured() -> Vec<Captured> {
    let text = include_str!("data/java-4.9.8-frames.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let meta: Value = serde_json::from_str(line).unwrap();
            let frame = hex_decode(meta["hex"].as_str().unwrap());
            Captured {
                idx: meta["idx"].as_u64().unwrap(),
                meta,
                frame,
            }
        })
        .collect()
}

fn decode(frame: &[u8]) -> RemotingCommand {
    let mut buf = BytesMut::from(frame);
    let cmd = decode_frame(&mut buf).unwrap().expect("a whole frame");
    assert!(buf.is_empty(), "decoder left bytes behind");
    cmd
}

#[test]
fn every_captured_frame_decodes_to_the_recorded_fields() {
    let frames = captured();
    assert_eq!(frames.len(), 287);
    let (mut json, mut binary) = (0, 0);
    for f in &frames {
        let cmd = decode(&f.frame);
        let m = &f.meta;
        let ctx = format!("frame idx {}", f.idx);
        assert_eq!(i64::from(cmd.code), m["code"].as_i64().unwrap(), "{ctx}");
        assert_eq!(i64::from(cmd.flag), m["flag"].as_i64().unwrap(), "{ctx}");
        assert_eq!(
            i64::from(cmd.opaque),
            m["opaque"].as_i64().unwrap(),
            "{ctx}"
        );
        assert_eq!(
            i64::from(cmd.version),
            m["version"].as_i64().unwrap(),
            "{ctx}"
        );
        assert_eq!(
            cmd.language.name(),
            m["language"].as_str().unwrap(),
            "{ctx}"
        );
        assert_eq!(cmd.remark.as_deref(), m["remark"].as_str(), "{ctx}");
        assert_eq!(
            cmd.body.len() as u64,
            m["bodyLen"].as_u64().unwrap(),
            "{ctx}"
        );
        match m["serializeType"].as_str().unwrap() {
            "JSON" => {
                json += 1;
                assert_eq!(cmd.serialize_type, SerializeType::Json, "{ctx}");
                let ext = &m["headerJson"]["extFields"];
                if let Some(map) = ext.as_object() {
                    let ours = cmd.ext_fields.as_ref().expect("ext fields");
                    assert_eq!(ours.len(), map.len(), "{ctx}");
                    for (k, v) in map {
                        assert_eq!(ours.get(k), v.as_str(), "{ctx} key {k}");
                    }
                } else {
                    assert!(cmd.ext_fields.is_none(), "{ctx}");
                }
            }
            "ROCKETMQ" => {
                binary += 1;
                assert_eq!(cmd.serialize_type, SerializeType::RocketMq, "{ctx}");
            }
            other => panic!("{ctx}: unexpected serialize type {other}"),
        }
    }
    assert!(json > 100 && binary > 100, "json {json}, binary {binary}");
}

#[test]
fn every_captured_frame_re_encodes_byte_for_byte() {
    for f in captured() {
        let cmd = decode(&f.frame);
        let again = cmd.to_bytes();
        assert_eq!(
            Bytes::from(f.frame.clone()),
            again,
            "frame idx {} ({:?}) re-encoded differently",
            f.idx,
            cmd.serialize_type
        );
    }
}

#[test]
fn unknown_code_request_and_broker_answer_from_the_capture() {
    // idx 97 (JSON) and 215 (ROCKETMQ): the 4.9.8 broker's answer to request code 9999.
    for f in captured().iter().filter(|f| f.idx == 97 || f.idx == 215) {
        let cmd = decode(&f.frame);
        assert!(cmd.is_response());
        assert_eq!(cmd.code, 3);
        assert_eq!(
            cmd.remark.as_deref(),
            Some(" request type 9999 not supported")
        );
    }
}
