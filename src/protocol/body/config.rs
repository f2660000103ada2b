//! The broker's versioned config tables: topics, subscription groups and consumer offsets.
//! Java persists each as `config/<name>.json` (pretty-printed) and sends the same JSON in
//! REGISTER_BROKER and the GET_ALL_* admin responses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{java_enum, json_body};

/// Version stamp of a config table: Java's `DataVersion`. The name server compares it to decide
/// whether a broker's topic table changed.
///
/// Equality, as in Java, compares `stateVersion` (absent counts as 0, which is what a 5.x
/// broker sends), `timestamp` and `counter`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DataVersion {
    /// 5.x only; 4.x neither sends nor expects it, so it is omitted when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_version: Option<i64>,
    /// Milliseconds since the epoch of the last change.
    pub timestamp: i64,
    /// Number of changes.
    pub counter: i64,
}

impl DataVersion {
    /// A fresh version as Java's `new DataVersion()`: counter 0, timestamp now.
    pub fn now() -> Self {
        DataVersion {
            state_version: None,
            timestamp: crate::common::clock::now_ms(),
            counter: 0,
        }
    }

    /// Marks a change: timestamp = now, counter + 1 (Java's `nextVersion()`).
    pub fn next_version(&mut self) {
        self.next_version_at(crate::common::clock::now_ms());
    }

    /// [`next_version`](Self::next_version) with the clock given, for deterministic callers.
    pub fn next_version_at(&mut self, now_ms: i64) {
        self.timestamp = now_ms;
        // Java's AtomicLong wraps; so do we rather than panic after 2^63 changes.
        self.counter = self.counter.wrapping_add(1);
    }
}

impl PartialEq for DataVersion {
    fn eq(&self, other: &Self) -> bool {
        self.state_version.unwrap_or(0) == other.state_version.unwrap_or(0)
            && self.timestamp == other.timestamp
            && self.counter == other.counter
    }
}

impl Eq for DataVersion {}

java_enum! {
    /// How a topic's tags are filtered (`TopicFilterType`); only `SINGLE_TAG` is used in
    /// practice.
    pub enum TopicFilterType {
        SingleTag => "SINGLE_TAG",
        MultiTag => "MULTI_TAG",
    }
    default SingleTag;
}

/// Queue count Java gives a topic created without one (`TopicConfig.defaultReadQueueNums`).
pub const DEFAULT_TOPIC_QUEUE_NUMS: i32 = 16;
/// Read + write (`PermName.PERM_READ | PERM_WRITE`), Java's default topic permission.
pub const DEFAULT_TOPIC_PERM: i32 = 6;

/// One topic's settings (`TopicConfig`), an entry of `topics.json` and of the register body.
/// Missing fields take Java's defaults: 16 read and write queues, perm 6, `SINGLE_TAG`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicConfig {
    pub topic_name: String,
    pub read_queue_nums: i32,
    pub write_queue_nums: i32,
    /// Permission bits: 2 = write, 4 = read, 1 = inherit.
    pub perm: i32,
    pub topic_filter_type: TopicFilterType,
    pub topic_sys_flag: i32,
    pub order: bool,
    /// 5.x topic attributes; 4.x has none, so it is omitted when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<BTreeMap<String, String>>,
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            topic_name: String::new(),
            read_queue_nums: DEFAULT_TOPIC_QUEUE_NUMS,
            write_queue_nums: DEFAULT_TOPIC_QUEUE_NUMS,
            perm: DEFAULT_TOPIC_PERM,
            topic_filter_type: TopicFilterType::SingleTag,
            topic_sys_flag: 0,
            order: false,
            attributes: None,
        }
    }
}

impl TopicConfig {
    /// A topic with Java's defaults (`new TopicConfig(name)`).
    pub fn new(topic_name: impl Into<String>) -> Self {
        TopicConfig {
            topic_name: topic_name.into(),
            ..TopicConfig::default()
        }
    }
}

/// `topics.json` and the table inside a REGISTER_BROKER body (`TopicConfigSerializeWrapper`).
/// 5.x adds static-topic mapping fields, which are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicConfigSerializeWrapper {
    pub topic_config_table: BTreeMap<String, TopicConfig>,
    pub data_version: DataVersion,
}

/// A consumer group's settings (`SubscriptionGroupConfig`, 4.x fields), an entry of
/// `subscriptionGroup.json` and the UPDATE_AND_CREATE_SUBSCRIPTIONGROUP body. Missing fields
/// take Java's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionGroupConfig {
    pub group_name: String,
    pub consume_enable: bool,
    pub consume_from_min_enable: bool,
    pub consume_broadcast_enable: bool,
    /// Queues of the group's `%RETRY%` topic.
    pub retry_queue_nums: i32,
    /// Redeliveries before a message goes to the `%DLQ%` topic.
    pub retry_max_times: i32,
    pub broker_id: i64,
    pub which_broker_when_consume_slowly: i64,
    /// Whether the broker sends NOTIFY_CONSUMER_IDS_CHANGED to the group.
    pub notify_consumer_ids_changed_enable: bool,
}

impl Default for SubscriptionGroupConfig {
    fn default() -> Self {
        SubscriptionGroupConfig {
            group_name: String::new(),
            consume_enable: true,
            consume_from_min_enable: true,
            consume_broadcast_enable: true,
            retry_queue_nums: 1,
            retry_max_times: 16,
            broker_id: 0,
            which_broker_when_consume_slowly: 1,
            notify_consumer_ids_changed_enable: true,
        }
    }
}

impl SubscriptionGroupConfig {
    /// A group with Java's defaults.
    pub fn new(group_name: impl Into<String>) -> Self {
        SubscriptionGroupConfig {
            group_name: group_name.into(),
            ..SubscriptionGroupConfig::default()
        }
    }
}

/// `subscriptionGroup.json` and the GET_ALL_SUBSCRIPTIONGROUP_CONFIG body
/// (`SubscriptionGroupWrapper`). 5.x adds `forbiddenTable`, which is ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionGroupWrapper {
    pub subscription_group_table: BTreeMap<String, SubscriptionGroupConfig>,
    pub data_version: DataVersion,
}

/// `consumerOffset.json` and the GET_ALL_CONSUMER_OFFSET body
/// (`ConsumerOffsetSerializeWrapper`): `"topic@group"` → queue id → next offset to consume.
/// The queue ids are written bare: `{"offsetTable":{"T@G":{0:37960,1:37961}}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerOffsetSerializeWrapper {
    pub offset_table: BTreeMap<String, BTreeMap<i32, i64>>,
}

impl ConsumerOffsetSerializeWrapper {
    /// The table key for a topic and group: `topic@group`.
    pub fn key(topic: &str, group: &str) -> String {
        format!("{topic}@{group}")
    }

    /// Splits a table key into topic and group. Like Java's `split("@")` with its
    /// two-parts check, a key with no `@`, more than one `@`, or an empty group is rejected.
    pub fn split_key(key: &str) -> Option<(&str, &str)> {
        let (topic, group) = key.split_once('@')?;
        (!group.is_empty() && !group.contains('@')).then_some((topic, group))
    }
}

json_body!(
    DataVersion,
    TopicConfig,
    TopicConfigSerializeWrapper,
    SubscriptionGroupConfig,
    SubscriptionGroupWrapper,
    ConsumerOffsetSerializeWrapper,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_version_shapes() {
        let v = DataVersion {
            state_version: None,
            timestamp: 1795612627251,
            counter: 7,
        };
        assert_eq!(v.to_json(), br#"{"counter":7,"timestamp":1795612627251}"#);
        let five =
            DataVersion::from_json(br#"{"counter":7,"stateVersion":0,"timestamp":1795612627251}"#)
                .unwrap();
        assert_eq!(five.state_version, Some(0));
        assert_eq!(five, v, "a 5.x stateVersion of 0 equals a 4.x version");
        assert_eq!(
            five.to_json(),
            br#"{"counter":7,"stateVersion":0,"timestamp":1795612627251}"#
        );
        let mut next = v.clone();
        next.next_version_at(1795612627999);
        assert_eq!((next.counter, next.timestamp), (8, 1795612627999));
        assert_ne!(next, v);
        let mut live = DataVersion::now();
        let before = live.timestamp;
        live.next_version();
        assert_eq!(live.counter, 1);
        assert!(live.timestamp >= before && before > 1_600_000_000_000);
    }

    #[test]
    fn topic_config_defaults_and_shape() {
        let t = TopicConfig::from_json(br#"{"topicName":"T"}"#).unwrap();
        assert_eq!(t, TopicConfig::new("T"));
        assert_eq!((t.read_queue_nums, t.write_queue_nums, t.perm), (16, 16, 6));
        assert_eq!(
            t.to_json(),
            br#"{"order":false,"perm":6,"readQueueNums":16,"topicFilterType":"SINGLE_TAG","topicName":"T","topicSysFlag":0,"writeQueueNums":16}"#
        );
        // 5.x attributes are kept and written first, as fastjson sorts them.
        let five = TopicConfig::from_json(
            br#"{"attributes":{"+message.type":"NORMAL"},"topicName":"T","topicFilterType":"FANCY"}"#,
        )
        .unwrap();
        assert_eq!(
            five.topic_filter_type,
            TopicFilterType::Other("FANCY".into())
        );
        let text = String::from_utf8(five.to_json()).unwrap();
        assert!(
            text.starts_with(r#"{"attributes":{"+message.type":"NORMAL"},"order":false"#),
            "{text}"
        );
        assert!(text.contains(r#""topicFilterType":"FANCY""#), "{text}");
    }

    #[test]
    fn topics_json_pretty_layout() {
        let topic = TopicConfig {
            read_queue_nums: 4,
            write_queue_nums: 4,
            ..TopicConfig::new("TopicA")
        };
        let w = TopicConfigSerializeWrapper {
            topic_config_table: BTreeMap::from([("TopicA".to_string(), topic)]),
            data_version: DataVersion {
                state_version: None,
                timestamp: 1,
                counter: 2,
            },
        };
        let text = String::from_utf8(w.to_json_pretty()).unwrap();
        assert_eq!(
            text,
            "{\n\t\"dataVersion\":{\n\t\t\"counter\":2,\n\t\t\"timestamp\":1\n\t},\n\t\"topicConfigTable\":{\n\t\t\"TopicA\":{\n\t\t\t\"order\":false,\n\t\t\t\"perm\":6,\n\t\t\t\"readQueueNums\":4,\n\t\t\t\"topicFilterType\":\"SINGLE_TAG\",\n\t\t\t\"topicName\":\"TopicA\",\n\t\t\t\"topicSysFlag\":0,\n\t\t\t\"writeQueueNums\":4\n\t\t}\n\t}\n}"
        );
        assert_eq!(
            TopicConfigSerializeWrapper::from_json(text.as_bytes()).unwrap(),
            w
        );
    }

    #[test]
    fn subscription_group_defaults_are_javas() {
        let g = SubscriptionGroupConfig::from_json(br#"{"groupName":"G"}"#).unwrap();
        assert_eq!(g, SubscriptionGroupConfig::new("G"));
        assert_eq!(
            g.to_json(),
            br#"{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"G","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}"#
        );
        let w = SubscriptionGroupWrapper::from_json(
            br#"{"dataVersion":{"counter":1,"timestamp":2},"forbiddenTable":{},"subscriptionGroupTable":{"G":{"groupName":"G","consumeEnable":false,"consumeMessageOrderly":false}}}"#,
        )
        .unwrap();
        assert!(!w.subscription_group_table["G"].consume_enable);
        assert_eq!(w.data_version.counter, 1);
    }

    #[test]
    fn consumer_offsets_have_bare_queue_ids() {
        let text =
            br#"{"offsetTable":{"TopicTest@G4":{0:250,1:250,2:250,3:250},"%RETRY%G4@G4":{0:0}}}"#;
        let w = ConsumerOffsetSerializeWrapper::from_json(text).unwrap();
        assert_eq!(w.offset_table["TopicTest@G4"][&3], 250);
        assert_eq!(
            w.to_json(),
            br#"{"offsetTable":{"%RETRY%G4@G4":{0:0},"TopicTest@G4":{0:250,1:250,2:250,3:250}}}"#
        );
        let pretty = String::from_utf8(w.to_json_pretty()).unwrap();
        assert!(
            pretty.contains("\"TopicTest@G4\":{0:250,1:250,2:250,3:250\n\t\t}"),
            "{pretty}"
        );
        // 5.x files with dataVersion and groupTopicMap read too.
        let five = br#"{"dataVersion":{"counter":1,"timestamp":1},"groupTopicMap":{"G":["T"]},"offsetTable":{"T@G":{0:5}}}"#;
        assert_eq!(
            ConsumerOffsetSerializeWrapper::from_json(five)
                .unwrap()
                .offset_table["T@G"][&0],
            5
        );
        assert_eq!(ConsumerOffsetSerializeWrapper::key("T", "G"), "T@G");
        assert_eq!(
            ConsumerOffsetSerializeWrapper::split_key("%RETRY%G@G"),
            Some(("%RETRY%G", "G"))
        );
        assert_eq!(ConsumerOffsetSerializeWrapper::split_key("T@G@x"), None);
        assert_eq!(ConsumerOffsetSerializeWrapper::split_key("TG"), None);
        assert_eq!(ConsumerOffsetSerializeWrapper::split_key("T@"), None);
    }
}
