//! JSON bodies against the frames captured from Apache RocketMQ 4.9.8
//! (`tests/data/java-4.9.8-frames.jsonl`): every REGISTER_BROKER, GET_ROUTEINFO_BY_TOPIC,
//! HEART_BEAT, GET_BROKER_CLUSTER_INFO, GET_CONSUMER_LIST_BY_GROUP, GET_BROKER_RUNTIME_INFO and
//! GET_CONSUME_STATS body decodes to what the capture says, and re-encodes to Java's exact bytes
//! wherever Java's byte order is deterministic. Where Java wrote a `HashMap` in hash order
//! (topic tables, the runtime-info table, consume stats) we write sorted keys instead: those
//! are checked for equal content and equal length.

use std::collections::HashMap;

use rmq::protocol::body::*;
use rmq::protocol::fastjson::{self, JsonStyle};
use serde_json::Value;

const REGISTER_BROKER: i64 = 103;
const GET_ROUTEINFO_BY_TOPIC: i64 = 105;
const HEART_BEAT: i64 = 34;
const GET_BROKER_CLUSTER_INFO: i64 = 106;
const GET_CONSUMER_LIST_BY_GROUP: i64 = 38;
const GET_BROKER_RUNTIME_INFO: i64 = 28;
const GET_CONSUME_STATS: i64 = 208;

struct Frame {
    idx: u64,
    meta: Value,
    body: Vec<u8>,
}

impl Frame {
    fn ext(&self, key: &str) -> Option<&str> {
        self.meta["headerJson"]["extFields"][key].as_str()
    }

    fn is_response(&self) -> bool {
        self.meta["flag"].as_i64().unwrap() & 1 == 1
    }
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn frames() -> Vec<Frame> {
    include_str!("data/java-4.9.8-frames.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let meta: Value = serde_json::from_str(line).unwrap();
            let whole = hex_decode(meta["hex"].as_str().unwrap());
            let body_len = meta["bodyLen"].as_u64().unwrap() as usize;
            let body = whole[whole.len() - body_len..].to_vec();
            Frame {
                idx: meta["idx"].as_u64().unwrap(),
                meta,
                body,
            }
        })
        .collect()
}

/// Requests (with a body) of `code`.
fn requests(frames: &[Frame], code: i64) -> Vec<&Frame> {
    frames
        .iter()
        .filter(|f| !f.is_response() && f.meta["code"].as_i64() == Some(code) && !f.body.is_empty())
        .collect()
}

/// (request, response) pairs of `code` whose response has a body. Responses carry the
/// request's opaque on the same connection.
fn exchanges(frames: &[Frame], code: i64) -> Vec<(&Frame, &Frame)> {
    let mut by_opaque: HashMap<(&str, i64), &Frame> = HashMap::new();
    let mut out = Vec::new();
    for f in frames {
        let key = (
            f.meta["conn"].as_str().unwrap(),
            f.meta["opaque"].as_i64().unwrap(),
        );
        if !f.is_response() {
            by_opaque.insert(key, f);
        } else if let Some(req) = by_opaque.get(&key) {
            if req.meta["code"].as_i64() == Some(code) && !f.body.is_empty() {
                out.push((*req, f));
            }
        }
    }
    out
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

/// java.util.zip.CRC32; `UtilAll.crc32` (REGISTER_BROKER's `bodyCrc32`) clears its top bit.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Java `String.hashCode()`, which heartbeats carry in `codeSet`.
fn java_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

#[test]
fn register_broker_bodies() {
    let frames = frames();
    let bodies = requests(&frames, REGISTER_BROKER);
    assert_eq!(bodies.len(), 11, "6 sync and 5 oneway registrations");
    let mut exact = 0;
    for f in bodies {
        let ctx = format!("idx {}", f.idx);
        // The header's CRC shows we cut the body where Java did.
        // UtilAll.crc32 masks the sign bit off.
        let crc: u32 = f.ext("bodyCrc32").unwrap().parse().unwrap();
        assert_eq!(crc32(&f.body) & 0x7FFF_FFFF, crc, "{ctx}");
        assert_eq!(f.ext("compressed"), Some("false"), "{ctx}");

        let body = RegisterBrokerBody::from_json(&f.body).unwrap();
        // The capture's JSON (standard here: all keys are strings) holds exactly our fields.
        let java: Value = serde_json::from_slice(&f.body).unwrap();
        let ours: Value = serde_json::from_slice(&body.to_json_with(JsonStyle::Standard)).unwrap();
        assert_eq!(ours, java, "{ctx}");

        let wrapper = &body.topic_config_serialize_wrapper;
        let dv = &java["topicConfigSerializeWrapper"]["dataVersion"];
        assert_eq!(
            Some(wrapper.data_version.counter),
            dv["counter"].as_i64(),
            "{ctx}"
        );
        assert_eq!(
            Some(wrapper.data_version.timestamp),
            dv["timestamp"].as_i64(),
            "{ctx}"
        );
        assert_eq!(wrapper.data_version.state_version, None, "{ctx}");
        assert!(body.filter_server_list.is_empty(), "{ctx}");
        for (name, topic) in &wrapper.topic_config_table {
            assert_eq!(&topic.topic_name, name, "{ctx}");
            assert_eq!(topic.topic_filter_type, TopicFilterType::SingleTag, "{ctx}");
        }
        // Full registrations carry the cluster topic with 16 queues and perm 7 (facts B4).
        if let Some(cluster) = wrapper
            .topic_config_table
            .get(f.ext("clusterName").unwrap())
        {
            assert_eq!(
                (
                    cluster.read_queue_nums,
                    cluster.write_queue_nums,
                    cluster.perm
                ),
                (16, 16, 7)
            );
        }

        let encoded = body.to_json();
        assert_eq!(encoded.len(), f.body.len(), "{ctx}");
        if wrapper.topic_config_table.len() == 1 {
            // Incremental registrations hold one topic: byte-identical.
            assert_eq!(text(&encoded), text(&f.body), "{ctx}");
            exact += 1;
        } else {
            // Java wrote the ConcurrentHashMap in hash order; ours is sorted.
            assert_eq!(
                RegisterBrokerBody::from_json(&encoded).unwrap(),
                body,
                "{ctx}"
            );
        }
    }
    assert_eq!(exact, 2, "idx 2 and 4 are one-topic registrations");
}

#[test]
fn route_bodies_in_both_styles() {
    let frames = frames();
    let pairs = exchanges(&frames, GET_ROUTEINFO_BY_TOPIC);
    assert_eq!(pairs.len(), 23);
    let (mut standard, mut bare) = (0, 0);
    for (req, resp) in pairs {
        let ctx = format!("idx {}", resp.idx);
        let route = TopicRouteData::from_json(&resp.body).unwrap();

        // Field by field against the capture, read with the lenient parser.
        let java = fastjson::parse(&resp.body).unwrap();
        assert_eq!(
            route.broker_datas.len(),
            java["brokerDatas"].as_array().unwrap().len()
        );
        let bd = &route.broker_datas[0];
        assert_eq!(bd.cluster, java["brokerDatas"][0]["cluster"], "{ctx}");
        assert_eq!(
            bd.broker_name, java["brokerDatas"][0]["brokerName"],
            "{ctx}"
        );
        assert_eq!(
            bd.master_addr(),
            java["brokerDatas"][0]["brokerAddrs"]["0"].as_str(),
            "{ctx}"
        );
        let qd = &route.queue_datas[0];
        let jq = &java["queueDatas"][0];
        assert_eq!(Some(i64::from(qd.perm)), jq["perm"].as_i64(), "{ctx}");
        assert_eq!(
            Some(i64::from(qd.read_queue_nums)),
            jq["readQueueNums"].as_i64(),
            "{ctx}"
        );
        assert_eq!(
            Some(i64::from(qd.write_queue_nums)),
            jq["writeQueueNums"].as_i64(),
            "{ctx}"
        );
        assert_eq!(route.order_topic_conf, None);

        // The name server picked the style from the request's version (≥ 401 → standard).
        let version = req.meta["version"].as_i64().unwrap() as i32;
        let accept_std = req.ext("acceptStandardJsonOnly") == Some("true");
        let style = TopicRouteData::json_style_for(version, accept_std);
        let is_standard = serde_json::from_slice::<Value>(&resp.body).is_ok();
        assert_eq!(
            style == JsonStyle::Standard,
            is_standard,
            "{ctx}: version {version}"
        );
        if is_standard {
            standard += 1;
        } else {
            bare += 1;
        }

        // Byte-identical in the style Java chose.
        assert_eq!(text(&route.to_json_with(style)), text(&resp.body), "{ctx}");

        // And both styles read back equal.
        for style in [JsonStyle::Fastjson, JsonStyle::Standard] {
            let again = TopicRouteData::from_json(&route.to_json_with(style)).unwrap();
            assert_eq!(again, route, "{ctx} {style:?}");
        }
    }
    assert_eq!(
        (standard, bare),
        (21, 2),
        "idx 103 and 221 came from a version-0 client"
    );
}

#[test]
fn heartbeat_bodies() {
    let frames = frames();
    let bodies = requests(&frames, HEART_BEAT);
    assert_eq!(bodies.len(), 16);
    for f in bodies {
        let ctx = format!("idx {}", f.idx);
        let hb = HeartbeatData::from_json(&f.body).unwrap();
        let java: Value = serde_json::from_slice(&f.body).unwrap();
        assert_eq!(hb.client_id, java["clientID"], "{ctx}");
        let producers: Vec<&str> = hb
            .producer_data_set
            .iter()
            .map(|p| p.group_name.as_str())
            .collect();
        assert!(producers.contains(&"CLIENT_INNER_PRODUCER"), "{ctx}");
        assert_eq!(
            producers.len(),
            java["producerDataSet"].as_array().unwrap().len()
        );
        for (c, jc) in hb
            .consumer_data_set
            .iter()
            .zip(java["consumerDataSet"].as_array().unwrap())
        {
            assert_eq!(c.group_name, jc["groupName"], "{ctx}");
            assert_eq!(c.consume_type.name(), jc["consumeType"], "{ctx}");
            assert_eq!(c.message_model, MessageModel::Clustering, "{ctx}");
            assert_eq!(c.consume_from_where.name(), jc["consumeFromWhere"], "{ctx}");
            assert!(!matches!(c.consume_type, ConsumeType::Other(_)), "{ctx}");
            // Pull consumers (@STREAM) are CONSUME_ACTIVELY, push consumers CONSUME_PASSIVELY.
            let pull = hb.client_id.ends_with("@STREAM");
            let expected = if pull {
                ConsumeType::ConsumeActively
            } else {
                ConsumeType::ConsumePassively
            };
            assert_eq!(c.consume_type, expected, "{ctx}");
            for s in &c.subscription_data_set {
                assert_eq!(s.expression_type, "TAG");
                let hashes: Vec<i32> = s.tags_set.iter().map(|t| java_hash(t)).collect();
                assert_eq!(s.code_set, hashes, "{ctx}: codeSet is the tags' hashCode");
                if s.sub_string == "*" {
                    assert!(s.tags_set.is_empty());
                }
            }
        }
        // Sets are kept in Java's order, so heartbeats re-encode byte for byte.
        assert_eq!(text(&hb.to_json()), text(&f.body), "{ctx}");
    }
}

#[test]
fn cluster_info_bodies() {
    let frames = frames();
    let broker_addr = requests(&frames, REGISTER_BROKER)[0]
        .ext("brokerAddr")
        .unwrap()
        .to_string();
    let pairs = exchanges(&frames, GET_BROKER_CLUSTER_INFO);
    assert_eq!(pairs.len(), 5);
    for (_, resp) in pairs {
        let ctx = format!("idx {}", resp.idx);
        // Always the bare form, whatever the client version.
        assert!(
            serde_json::from_slice::<Value>(&resp.body).is_err(),
            "{ctx}"
        );
        let info = ClusterInfo::from_json(&resp.body).unwrap();
        let broker = &info.broker_addr_table["broker-a"];
        assert_eq!(broker.cluster, "DefaultCluster");
        assert_eq!(broker.master_addr(), Some(broker_addr.as_str()));
        assert_eq!(
            info.cluster_addr_table["DefaultCluster"]
                .iter()
                .collect::<Vec<_>>(),
            ["broker-a"]
        );
        assert_eq!(text(&info.to_json()), text(&resp.body), "{ctx}");
    }
}

#[test]
fn consumer_list_bodies() {
    let frames = frames();
    let pairs = exchanges(&frames, GET_CONSUMER_LIST_BY_GROUP);
    assert_eq!(pairs.len(), 10);
    for (req, resp) in pairs {
        let ctx = format!("idx {}", resp.idx);
        let body = GetConsumerListByGroupResponseBody::from_json(&resp.body).unwrap();
        let java: Value = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(
            body.consumer_id_list,
            java["consumerIdList"].as_array().unwrap().clone()
        );
        assert_eq!(body.consumer_id_list.len(), 1, "{ctx}");
        assert!(req.ext("consumerGroup").is_some(), "{ctx}");
        assert_eq!(text(&body.to_json()), text(&resp.body), "{ctx}");
    }
}

#[test]
fn runtime_info_table() {
    let frames = frames();
    let pairs = exchanges(&frames, GET_BROKER_RUNTIME_INFO);
    assert_eq!(pairs.len(), 1);
    let resp = pairs[0].1;
    let kv = KVTable::from_json(&resp.body).unwrap();
    let java: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(kv.table.len(), java["table"].as_object().unwrap().len());
    assert_eq!(kv.table["brokerVersion"], "409");
    assert_eq!(kv.table["brokerVersionDesc"], "V4_9_8");
    // Java's HashMap order differs from our sorted keys; content and size do not.
    let ours = kv.to_json();
    assert_eq!(ours.len(), resp.body.len());
    assert_eq!(serde_json::from_slice::<Value>(&ours).unwrap(), java);
}

#[test]
fn consume_stats_body() {
    let frames = frames();
    let pairs = exchanges(&frames, GET_CONSUME_STATS);
    assert_eq!(pairs.len(), 1);
    let resp = pairs[0].1;
    let stats = ConsumeStats::from_json(&resp.body).unwrap();
    assert_eq!(stats.consume_tps, 0.06666666666666667);
    assert_eq!(stats.offset_table.len(), 5);
    let q0 = &stats.offset_table[&MessageQueue::new("VerifyJ", "broker-a", 0)];
    assert_eq!(
        (q0.broker_offset, q0.consumer_offset, q0.last_timestamp),
        (6, 2, 1795612643647)
    );
    assert!(stats.offset_table.contains_key(&MessageQueue::new(
        "%RETRY%verify_push_json",
        "broker-a",
        0
    )));
    assert_eq!(stats.total_diff(), 4);
    // Java wrote its HashMap in hash order; same content and length in ours.
    let ours = stats.to_json();
    assert_eq!(ours.len(), resp.body.len());
    assert_eq!(
        fastjson::parse(&ours).unwrap(),
        fastjson::parse(&resp.body).unwrap()
    );
    assert_eq!(ConsumeStats::from_json(&ours).unwrap(), stats);
    // The standard form carries the same data.
    let standard = stats.to_json_with(JsonStyle::Standard);
    assert_eq!(ConsumeStats::from_json(&standard).unwrap(), stats);
}

#[test]
fn every_json_body_in_the_capture_parses() {
    // Bodies that are JSON (not message payloads or pulled records) all read with the lenient
    // parser, bare keys included.
    for f in frames() {
        if f.body.first() == Some(&b'{') {
            assert!(fastjson::parse(&f.body).is_ok(), "idx {}", f.idx);
        }
    }
}

mod mutated_bodies {
    use super::*;
    use proptest::prelude::*;

    /// Every typed decoder on a captured body with some bytes overwritten or cut short: any
    /// result is fine, a panic is not.
    fn decode_all(bytes: &[u8]) {
        let _ = RegisterBrokerBody::from_json(bytes);
        let _ = TopicRouteData::from_json(bytes);
        let _ = HeartbeatData::from_json(bytes);
        let _ = ClusterInfo::from_json(bytes);
        let _ = ConsumeStats::from_json(bytes);
        let _ = KVTable::from_json(bytes);
        let _ = ConsumerOffsetSerializeWrapper::from_json(bytes);
    }

    /// Bodies of REGISTER_BROKER, cluster info, a bare route, a heartbeat, consume stats and
    /// runtime info, read from the capture once.
    fn samples() -> &'static [Vec<u8>] {
        static SAMPLES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
        SAMPLES.get_or_init(|| {
            let frames = frames();
            [0usize, 21, 103, 118, 285, 25]
                .iter()
                .map(|&i| frames[i].body.clone())
                .collect()
        })
    }

    proptest! {
        #[test]
        fn captured_bodies_with_damage_never_panic(
            which in 0usize..6,
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut body = samples()[which].clone();
            for (at, byte) in edits {
                let i = at.index(body.len());
                body[i] = byte;
            }
            decode_all(&body);
            let keep = cut.index(body.len() + 1);
            decode_all(&body[..keep]);
        }
    }
}

/// Rewrites every scalar of a body the ways fastjson still reads: numbers as numeric strings,
/// booleans as "true"/"false", integer-looking strings as numbers; and adds an unknown field
/// to every object that is a Java bean (not a map: keys all bean property names, and not the
/// string map of a `KVTable`).
fn coerced(v: &Value, parent_key: &str) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::String(s) => match s.parse::<i64>() {
            Ok(n) if n.to_string() == *s => Value::from(n),
            _ => v.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(|i| coerced(i, "")).collect()),
        Value::Object(map) => {
            let mut out: serde_json::Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), coerced(v, k)))
                .collect();
            let bean = !map.is_empty()
                && parent_key != "table"
                && map.keys().all(|k| {
                    k.starts_with(|c: char| c.is_ascii_lowercase())
                        && k.chars().all(|c| c.is_ascii_alphanumeric())
                });
            if bean {
                out.insert("someFieldFromANewerClient".into(), Value::from(1));
            }
            Value::Object(out)
        }
        Value::Null => Value::Null,
    }
}

/// Every captured body of these types reads to the same value after [`coerced`] (the
/// leniency a Go or older client relies on, e.g. a heartbeat's `codeSet` as strings).
#[test]
fn bodies_read_the_same_with_fastjson_coercions() {
    fn same<T: PartialEq + std::fmt::Debug>(
        what: &str,
        body: &[u8],
        read: fn(&[u8]) -> Result<T, rmq::protocol::ProtocolError>,
    ) {
        let original = read(body).unwrap();
        let mutated = serde_json::to_vec(&coerced(&fastjson::parse(body).unwrap(), "")).unwrap();
        let again = read(&mutated)
            .unwrap_or_else(|e| panic!("{what}: {e}\n{}", String::from_utf8_lossy(&mutated)));
        assert_eq!(again, original, "{what}");
    }
    let frames = frames();
    let mut checked = 0;
    for f in requests(&frames, HEART_BEAT) {
        same("HeartbeatData", &f.body, HeartbeatData::from_json);
        checked += 1;
    }
    for (_, resp) in exchanges(&frames, GET_ROUTEINFO_BY_TOPIC) {
        same("TopicRouteData", &resp.body, TopicRouteData::from_json);
        checked += 1;
    }
    for (_, resp) in exchanges(&frames, GET_BROKER_CLUSTER_INFO) {
        same("ClusterInfo", &resp.body, ClusterInfo::from_json);
        checked += 1;
    }
    for (_, resp) in exchanges(&frames, GET_CONSUMER_LIST_BY_GROUP) {
        same(
            "GetConsumerListByGroupResponseBody",
            &resp.body,
            GetConsumerListByGroupResponseBody::from_json,
        );
        checked += 1;
    }
    for (_, resp) in exchanges(&frames, GET_CONSUME_STATS) {
        same("ConsumeStats", &resp.body, ConsumeStats::from_json);
        checked += 1;
    }
    for (_, resp) in exchanges(&frames, GET_BROKER_RUNTIME_INFO) {
        same("KVTable", &resp.body, KVTable::from_json);
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} bodies checked");
}

/// The heartbeat of rocketmq-client-go v2's push consumer with a tag expression: `codeSet`
/// holds the hashes as JSON strings (the 4.9.x broker reads it through fastjson's coercion).
#[test]
fn go_client_heartbeat_with_string_code_set() {
    let body = br#"{"clientID":"10.0.0.5@1234","producerDataSet":[],"consumerDataSet":[{"groupName":"g","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","subscriptionDataSet":[{"classFilterMode":false,"topic":"T","subString":"TagA || TagB","tagsSet":["TagA","TagB"],"codeSet":["2598919","2598920"],"subVersion":1733369000000,"expressionType":"TAG"}],"unitMode":false}]}"#;
    let hb = HeartbeatData::from_json(body).unwrap();
    let sub = &hb.consumer_data_set[0].subscription_data_set[0];
    assert_eq!(sub.code_set, vec![2598919, 2598920]);
    assert_eq!(sub.tags_set, ["TagA", "TagB"]);
}
