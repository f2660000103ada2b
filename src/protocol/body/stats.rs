//! Per-queue statistics and offset tables keyed by [`MessageQueue`], which fastjson writes as
//! bare object keys: `{{"brokerName":"b","queueId":0,"topic":"T"}:{...}}`; the broker's
//! statistics windows (`BrokerStatsData`) and the correction offsets of QUERY_CORRECTION_OFFSET.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{json_body, MessageQueue};
use crate::protocol::fastjson::bare_keys;

/// Progress of a group on one queue (`OffsetWrapper`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OffsetWrapper {
    /// The queue's max offset (the next offset to be written).
    pub broker_offset: i64,
    /// The group's committed offset.
    pub consumer_offset: i64,
    /// Store time of the last consumed message, 0 when unknown.
    pub last_timestamp: i64,
}

/// The GET_CONSUME_STATS response body (`ConsumeStats`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumeStats {
    #[serde(with = "bare_keys")]
    pub offset_table: BTreeMap<MessageQueue, OffsetWrapper>,
    /// Messages consumed per second by the group, summed over its topics.
    pub consume_tps: f64,
}

impl ConsumeStats {
    /// Messages not yet consumed over all queues (Java's `computeTotalDiff`).
    pub fn total_diff(&self) -> i64 {
        self.offset_table
            .values()
            .map(|o| o.broker_offset.saturating_sub(o.consumer_offset))
            .fold(0i64, i64::saturating_add)
    }
}

/// Offset range of one queue (`TopicOffset`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicOffset {
    pub min_offset: i64,
    /// The next offset to be written.
    pub max_offset: i64,
    /// Store time of the last message, 0 when the queue is empty.
    pub last_update_timestamp: i64,
}

/// The GET_TOPIC_STATS_INFO response body (`TopicStatsTable`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicStatsTable {
    #[serde(with = "bare_keys")]
    pub offset_table: BTreeMap<MessageQueue, TopicOffset>,
}

/// Body of INVOKE_BROKER_TO_RESET_OFFSET's answer and of RESET_CONSUMER_CLIENT_OFFSET
/// (`ResetOffsetBody`): the offset each queue is reset to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResetOffsetBody {
    #[serde(with = "bare_keys")]
    pub offset_table: BTreeMap<MessageQueue, i64>,
}

/// Offsets by queue, as one value of a map (fastjson's bare `MessageQueue` keys, nested).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QueueOffsetTable(#[serde(with = "bare_keys")] pub BTreeMap<MessageQueue, i64>);

/// Body of GET_CONSUMER_STATUS_FROM_CLIENT's answer (a consumer's `messageQueueTable`: its
/// offset per queue) and of INVOKE_BROKER_TO_GET_CONSUMER_STATUS's (`consumerTable`: those
/// tables by client id) (`GetConsumerStatusBody`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetConsumerStatusBody {
    #[serde(with = "bare_keys")]
    pub message_queue_table: BTreeMap<MessageQueue, i64>,
    pub consumer_table: BTreeMap<String, QueueOffsetTable>,
}

/// The QUERY_CORRECTION_OFFSET response body (`QueryCorrectionOffsetBody`): per queue id, the
/// smallest offset any group has consumed to (`Long.MAX_VALUE` where the compared group is
/// behind it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryCorrectionOffsetBody {
    pub correction_offsets: BTreeMap<i32, i64>,
}

/// One window of a broker statistic (`BrokerStatsItem`): the sum over the window, its rate
/// per second, and the average per call (`avgpt`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerStatsItem {
    pub sum: i64,
    pub tps: f64,
    pub avgpt: f64,
}

/// The VIEW_BROKER_STATS_DATA response body (`BrokerStatsData`): one statistic over the last
/// minute, hour and day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerStatsData {
    pub stats_minute: BrokerStatsItem,
    pub stats_hour: BrokerStatsItem,
    pub stats_day: BrokerStatsItem,
}

json_body!(
    ConsumeStats,
    TopicStatsTable,
    ResetOffsetBody,
    GetConsumerStatusBody,
    QueryCorrectionOffsetBody,
    BrokerStatsData
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consume_stats_bare_object_keys() {
        let text = br#"{"consumeTps":0.06666666666666667,"offsetTable":{{"brokerName":"broker-a","queueId":1,"topic":"VerifyJ"}:{"brokerOffset":0,"consumerOffset":0,"lastTimestamp":0},{"brokerName":"broker-a","queueId":0,"topic":"VerifyJ"}:{"brokerOffset":6,"consumerOffset":2,"lastTimestamp":1795612643647}}}"#;
        let stats = ConsumeStats::from_json(text).unwrap();
        let q0 = &stats.offset_table[&MessageQueue::new("VerifyJ", "broker-a", 0)];
        assert_eq!((q0.broker_offset, q0.consumer_offset), (6, 2));
        assert_eq!(stats.consume_tps, 0.06666666666666667);
        assert_eq!(stats.total_diff(), 4);
        // Our writer sorts the queues (Java writes hash order); same bytes otherwise.
        assert_eq!(
            String::from_utf8(stats.to_json()).unwrap(),
            r#"{"consumeTps":0.06666666666666667,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"VerifyJ"}:{"brokerOffset":6,"consumerOffset":2,"lastTimestamp":1795612643647},{"brokerName":"broker-a","queueId":1,"topic":"VerifyJ"}:{"brokerOffset":0,"consumerOffset":0,"lastTimestamp":0}}}"#
        );
    }

    #[test]
    fn topic_stats_and_reset_offsets_round_trip() {
        let mut t = TopicStatsTable::default();
        t.offset_table.insert(
            MessageQueue::new("T", "b", 0),
            TopicOffset {
                min_offset: 0,
                max_offset: 120,
                last_update_timestamp: 1700000000000,
            },
        );
        assert_eq!(
            String::from_utf8(t.to_json()).unwrap(),
            r#"{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":1700000000000,"maxOffset":120,"minOffset":0}}}"#
        );
        assert_eq!(TopicStatsTable::from_json(&t.to_json()).unwrap(), t);

        let mut r = ResetOffsetBody::default();
        r.offset_table.insert(MessageQueue::new("T", "b", 3), 42);
        assert_eq!(
            String::from_utf8(r.to_json()).unwrap(),
            r#"{"offsetTable":{{"brokerName":"b","queueId":3,"topic":"T"}:42}}"#
        );
        assert_eq!(ResetOffsetBody::from_json(&r.to_json()).unwrap(), r);
        // Empty and 5.x extras.
        let five = TopicStatsTable::from_json(br#"{"offsetTable":{},"topicPutTps":0.0}"#).unwrap();
        assert!(five.offset_table.is_empty());
    }

    /// What a 4.9.8 consumer answers GET_CONSUMER_STATUS_FROM_CLIENT with, and the table the
    /// broker builds from it (Java field names, bare queue keys inside a string-keyed map).
    #[test]
    fn consumer_status_body_nests_bare_queue_keys() {
        let client = br#"{"consumerTable":{},"messageQueueTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:5}}"#;
        let got = GetConsumerStatusBody::from_json(client).unwrap();
        let mq = MessageQueue::new("T", "broker-a", 0);
        assert_eq!(got.message_queue_table[&mq], 5);
        let mut answer = GetConsumerStatusBody::default();
        answer
            .consumer_table
            .insert("c1".into(), QueueOffsetTable(got.message_queue_table));
        let text = String::from_utf8(answer.to_json()).unwrap();
        assert_eq!(
            text,
            r#"{"consumerTable":{"c1":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:5}},"messageQueueTable":{}}"#
        );
        assert_eq!(
            GetConsumerStatusBody::from_json(text.as_bytes()).unwrap(),
            answer
        );
        // Read as fastjson reads it: numbers as strings, unknown fields, a missing table.
        let loose = br#"{"extra":1,"messageQueueTable":{{"brokerName":"broker-a","queueId":"0","topic":"T"}:"5"}}"#;
        let got = GetConsumerStatusBody::from_json(loose).unwrap();
        assert_eq!(got.message_queue_table[&mq], 5);
        assert!(got.consumer_table.is_empty());
    }

    /// fastjson's forms: bare integer keys, and doubles with a fraction.
    #[test]
    fn correction_offsets_and_broker_stats_data() {
        let mut c = QueryCorrectionOffsetBody::default();
        c.correction_offsets.insert(0, 7);
        c.correction_offsets.insert(1, i64::MAX);
        assert_eq!(
            String::from_utf8(c.to_json()).unwrap(),
            r#"{"correctionOffsets":{0:7,1:9223372036854775807}}"#
        );
        let java = br#"{"statsDay":{"avgpt":0.0,"sum":12,"tps":0.01},"statsHour":{"avgpt":0.0,"sum":12,"tps":0.02},"statsMinute":{"avgpt":1.5,"sum":3,"tps":0.05}}"#;
        let d = BrokerStatsData::from_json(java).unwrap();
        assert_eq!(d.stats_minute.sum, 3);
        assert_eq!(d.stats_minute.avgpt, 1.5);
        assert_eq!(d.stats_day.tps, 0.01);
        assert_eq!(String::from_utf8(d.to_json()).unwrap().as_bytes(), java);
    }
}
