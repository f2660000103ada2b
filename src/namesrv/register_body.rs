//! The REGISTER_BROKER body in its three forms (facts §4.3):
//!
//! - plain JSON `RegisterBrokerBody` (brokers ≥ 3.0.11, `compressed=false`, the default);
//! - a bare `TopicConfigSerializeWrapper` (brokers older than 3.0.11, request version < 37);
//! - the compressed form (`compressedRegister=true` on the broker): a zlib stream of
//!   big-endian length-prefixed parts — DataVersion JSON, the topic count, each topic as
//!   `TopicConfig.encode()` text (`name readQueues writeQueues perm filterType`), then the
//!   filter-server list as a JSON array. 5.x appends a topic-queue-mapping section, which is
//!   not read (the name server of 4.x has no use for it).

use std::io::Read;

use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use thiserror::Error;

use crate::protocol::body::{
    DataVersion, RegisterBrokerBody, TopicConfig, TopicConfigSerializeWrapper, TopicFilterType,
};
use crate::protocol::{fastjson, ProtocolError};

/// `MQVersion.Version.V3_0_11.ordinal()`: from here on the body carries filter servers.
pub const REGISTER_WITH_FILTER_SERVER_MIN_VERSION: i32 = 37;

/// Upper bound of an inflated body. A broker with 100k topics stays far below it; the bound
/// keeps a hostile stream from exhausting memory.
const MAX_INFLATED: u64 = 256 * 1024 * 1024;

/// Why a REGISTER_BROKER body could not be read.
#[derive(Debug, Error)]
pub enum RegisterBodyError {
    #[error(transparent)]
    Json(#[from] ProtocolError),
    #[error("malformed compressed REGISTER_BROKER body: {0}")]
    Compressed(String),
}

/// A decoded registration body: the broker's topic table and, for brokers that send one, its
/// filter-server list (`None` for pre-3.0.11 brokers, meaning "unchanged").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegisterBody {
    pub topic_config: TopicConfigSerializeWrapper,
    pub filter_server_list: Option<Vec<String>>,
}

/// Decodes `body` as the broker that sent a request of `request_version` wrote it. An empty
/// body is an empty topic table with DataVersion 0/0, as Java treats a missing body.
///
/// # Errors
/// [`RegisterBodyError`] for JSON that does not parse or a corrupt compressed stream.
pub fn decode(
    body: &[u8],
    compressed: bool,
    request_version: i32,
) -> Result<RegisterBody, RegisterBodyError> {
    let with_filter_servers = request_version >= REGISTER_WITH_FILTER_SERVER_MIN_VERSION;
    if body.is_empty() {
        return Ok(RegisterBody {
            topic_config: TopicConfigSerializeWrapper {
                data_version: DataVersion::default(),
                ..Default::default()
            },
            filter_server_list: with_filter_servers.then(Vec::new),
        });
    }
    if !with_filter_servers {
        return Ok(RegisterBody {
            topic_config: TopicConfigSerializeWrapper::from_json(body)?,
            filter_server_list: None,
        });
    }
    let parsed = if compressed {
        decode_compressed(body)?
    } else {
        RegisterBrokerBody::from_json(body)?
    };
    Ok(RegisterBody {
        topic_config: parsed.topic_config_serialize_wrapper,
        filter_server_list: Some(parsed.filter_server_list),
    })
}

/// Reads the compressed form (`RegisterBrokerBody.decode(data, true)`).
///
/// # Errors
/// [`RegisterBodyError::Compressed`] naming the part that is truncated or malformed.
pub fn decode_compressed(body: &[u8]) -> Result<RegisterBrokerBody, RegisterBodyError> {
    let mut input = ZlibDecoder::new(body).take(MAX_INFLATED);
    let version_json = read_part(&mut input, "dataVersion")?;
    let data_version = DataVersion::from_json(&version_json)?;
    let count = read_len(&mut input, "topic count")?;
    let mut wrapper = TopicConfigSerializeWrapper {
        data_version,
        ..Default::default()
    };
    for i in 0..count {
        let text = read_part(&mut input, "topic config")?;
        let text = String::from_utf8(text)
            .map_err(|_| RegisterBodyError::Compressed(format!("topic config {i} is not UTF-8")))?;
        let config = decode_topic_config(&text).ok_or_else(|| {
            RegisterBodyError::Compressed(format!(
                "topic config {i} is not 'name readQueues writeQueues perm filterType': {:?}",
                text.chars().take(200).collect::<String>()
            ))
        })?;
        wrapper
            .topic_config_table
            .insert(config.topic_name.clone(), config);
    }
    let filters = read_part(&mut input, "filterServerList")?;
    // Java logs and ignores a filter list it cannot parse; so do we.
    let filter_server_list = fastjson::from_slice::<Vec<String>>("filterServerList", &filters)
        .unwrap_or_else(|e| {
            tracing::warn!("ignoring unreadable filter server list in register body: {e}");
            Vec::new()
        });
    Ok(RegisterBrokerBody {
        topic_config_serialize_wrapper: wrapper,
        filter_server_list,
    })
}

/// Writes the compressed form, as a broker with `compressedRegister=true` does.
pub fn encode_compressed(body: &RegisterBrokerBody) -> Vec<u8> {
    use std::io::Write;
    let wrapper = &body.topic_config_serialize_wrapper;
    let mut raw = Vec::new();
    let mut part = |bytes: &[u8]| {
        raw.extend_from_slice(&len_prefix(bytes.len()));
        raw.extend_from_slice(bytes);
    };
    part(&wrapper.data_version.to_json());
    let mut topics = len_prefix(wrapper.topic_config_table.len()).to_vec();
    for config in wrapper.topic_config_table.values() {
        let text = encode_topic_config(config);
        topics.extend_from_slice(&len_prefix(text.len()));
        topics.extend_from_slice(text.as_bytes());
    }
    raw.extend_from_slice(&topics);
    let filters = serde_json::to_vec(&body.filter_server_list).expect("strings serialize");
    raw.extend_from_slice(&len_prefix(filters.len()));
    raw.extend_from_slice(&filters);
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(&raw)
        .expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

/// `TopicConfig.encode()`: `name readQueues writeQueues perm filterType`.
pub fn encode_topic_config(config: &TopicConfig) -> String {
    format!(
        "{} {} {} {} {}",
        config.topic_name,
        config.read_queue_nums,
        config.write_queue_nums,
        config.perm,
        config.topic_filter_type
    )
}

/// `TopicConfig.decode()`: five space-separated tokens; a sixth (5.x attributes JSON) is
/// accepted and kept. `topicSysFlag` and `order` are not transmitted and stay at their
/// defaults.
pub fn decode_topic_config(text: &str) -> Option<TopicConfig> {
    let tokens: Vec<&str> = text.split(' ').collect();
    if !(5..=6).contains(&tokens.len()) || tokens[0].is_empty() {
        return None;
    }
    let attributes = match tokens.get(5) {
        Some(json) => Some(fastjson::from_slice("attributes", json.as_bytes()).ok()?),
        None => None,
    };
    Some(TopicConfig {
        topic_name: tokens[0].to_string(),
        read_queue_nums: tokens[1].parse().ok()?,
        write_queue_nums: tokens[2].parse().ok()?,
        perm: tokens[3].parse().ok()?,
        topic_filter_type: TopicFilterType::from_name(tokens[4]),
        attributes,
        ..TopicConfig::default()
    })
}

fn len_prefix(len: usize) -> [u8; 4] {
    i32::try_from(len).unwrap_or(i32::MAX).to_be_bytes()
}

fn read_len(input: &mut impl Read, what: &str) -> Result<usize, RegisterBodyError> {
    let mut word = [0u8; 4];
    input
        .read_exact(&mut word)
        .map_err(|e| RegisterBodyError::Compressed(format!("{what}: {e}")))?;
    let len = i32::from_be_bytes(word);
    usize::try_from(len)
        .map_err(|_| RegisterBodyError::Compressed(format!("{what}: negative length {len}")))
}

fn read_part(input: &mut impl Read, what: &str) -> Result<Vec<u8>, RegisterBodyError> {
    let len = read_len(input, what)?;
    let mut buf = Vec::new();
    // `take` instead of trusting `len` for the allocation: a lying length cannot reserve
    // gigabytes up front.
    input
        .take(len as u64)
        .read_to_end(&mut buf)
        .map_err(|e| RegisterBodyError::Compressed(format!("{what}: {e}")))?;
    if buf.len() != len {
        return Err(RegisterBodyError::Compressed(format!(
            "{what}: stream ends after {} of {len} bytes",
            buf.len()
        )));
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn body() -> RegisterBrokerBody {
        let topic = |name: &str, n| TopicConfig {
            read_queue_nums: n,
            write_queue_nums: n,
            ..TopicConfig::new(name)
        };
        RegisterBrokerBody {
            topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
                topic_config_table: BTreeMap::from([
                    ("A".to_string(), topic("A", 4)),
                    ("%RETRY%g".to_string(), topic("%RETRY%g", 1)),
                ]),
                data_version: DataVersion {
                    state_version: None,
                    timestamp: 1700000000000,
                    counter: 3,
                },
            },
            filter_server_list: vec!["1.2.3.4:5".into()],
        }
    }

    #[test]
    fn compressed_round_trip() {
        let b = body();
        let bytes = encode_compressed(&b);
        assert_eq!(&bytes[..1], &[0x78], "zlib header");
        assert_eq!(decode_compressed(&bytes).unwrap(), b);
        let decoded = decode(&bytes, true, 409).unwrap();
        assert_eq!(decoded.topic_config, b.topic_config_serialize_wrapper);
        assert_eq!(decoded.filter_server_list, Some(b.filter_server_list));
    }

    #[test]
    fn plain_old_and_empty_bodies() {
        let b = body();
        let plain = decode(&b.to_json(), false, 409).unwrap();
        assert_eq!(plain.topic_config, b.topic_config_serialize_wrapper);
        let old = decode(&b.topic_config_serialize_wrapper.to_json(), false, 30).unwrap();
        assert_eq!(old.topic_config, b.topic_config_serialize_wrapper);
        assert_eq!(old.filter_server_list, None);
        let empty = decode(b"", false, 409).unwrap();
        assert_eq!(empty.topic_config.data_version.counter, 0);
        assert_eq!(empty.topic_config.data_version.timestamp, 0);
        assert_eq!(empty.filter_server_list, Some(vec![]));
    }

    #[test]
    fn corrupt_compressed_bodies_are_errors() {
        let bytes = encode_compressed(&body());
        // Cuts inside the deflate data. (A cut in the 4-byte Adler-32 trailer goes unnoticed,
        // as it does in Java: neither reads the stream to its end.)
        for cut in [1, 2, 10, bytes.len() / 2] {
            let err = decode(&bytes[..cut], true, 409).unwrap_err().to_string();
            assert!(err.contains("compressed"), "{cut}: {err}");
        }
        assert!(decode(b"{not json", false, 409).is_err());
        assert!(decode_topic_config("A 1 2").is_none());
        assert!(decode_topic_config("A x 2 6 SINGLE_TAG").is_none());
        let five = decode_topic_config("A 1 2 6 SINGLE_TAG {\"+k\":\"v\"}").unwrap();
        assert_eq!(five.attributes.unwrap()["+k"], "v");
    }
}
