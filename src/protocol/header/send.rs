//! Send headers: SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320), the send
//! response, and PUSH_REPLY_MESSAGE_TO_CLIENT (326), the reply the broker pushes to a requester.

use crate::command_header;
use crate::protocol::Text;

command_header! {
    /// SEND_MESSAGE (10) request, and the form V2 requests are converted into.
    pub struct SendMessageRequestHeader("SendMessageRequestHeader") {
        producer_group: Text => "producerGroup",
        topic: Text => "topic",
        default_topic: Text => "defaultTopic",
        default_topic_queue_nums: i32 => "defaultTopicQueueNums",
        /// Negative: the broker picks a queue.
        queue_id: i32 => "queueId",
        sys_flag: i32 => "sysFlag",
        born_timestamp: i64 => "bornTimestamp",
        flag: i32 => "flag",
        properties: Option<Text> => "properties",
        reconsume_times: Option<i32> => "reconsumeTimes",
        unit_mode: Option<bool> => "unitMode",
        batch: Option<bool> => "batch",
        max_reconsume_times: Option<i32> => "maxReconsumeTimes",
        broker_name: Option<Text> => "bname",
    }
}

command_header! {
    /// SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE / SEND_REPLY_MESSAGE_V2 request: one-letter keys.
    pub struct SendMessageRequestHeaderV2("SendMessageRequestHeaderV2") {
        producer_group: Text => "a",
        topic: Text => "b",
        default_topic: Text => "c",
        default_topic_queue_nums: i32 => "d",
        queue_id: i32 => "e",
        sys_flag: i32 => "f",
        born_timestamp: i64 => "g",
        flag: i32 => "h",
        properties: Option<Text> => "i",
        reconsume_times: Option<i32> => "j",
        unit_mode: Option<bool> => "k",
        max_reconsume_times: Option<i32> => "l",
        batch: Option<bool> => "m",
        broker_name: Option<Text> => "n",
    }
}

impl From<SendMessageRequestHeaderV2> for SendMessageRequestHeader {
    fn from(v2: SendMessageRequestHeaderV2) -> Self {
        SendMessageRequestHeader {
            producer_group: v2.producer_group,
            topic: v2.topic,
            default_topic: v2.default_topic,
            default_topic_queue_nums: v2.default_topic_queue_nums,
            queue_id: v2.queue_id,
            sys_flag: v2.sys_flag,
            born_timestamp: v2.born_timestamp,
            flag: v2.flag,
            properties: v2.properties,
            reconsume_times: v2.reconsume_times,
            unit_mode: v2.unit_mode,
            batch: v2.batch,
            max_reconsume_times: v2.max_reconsume_times,
            broker_name: v2.broker_name,
        }
    }
}

impl From<SendMessageRequestHeader> for SendMessageRequestHeaderV2 {
    fn from(v1: SendMessageRequestHeader) -> Self {
        SendMessageRequestHeaderV2 {
            producer_group: v1.producer_group,
            topic: v1.topic,
            default_topic: v1.default_topic,
            default_topic_queue_nums: v1.default_topic_queue_nums,
            queue_id: v1.queue_id,
            sys_flag: v1.sys_flag,
            born_timestamp: v1.born_timestamp,
            flag: v1.flag,
            properties: v1.properties,
            reconsume_times: v1.reconsume_times,
            unit_mode: v1.unit_mode,
            max_reconsume_times: v1.max_reconsume_times,
            batch: v1.batch,
            broker_name: v1.broker_name,
        }
    }
}

command_header! {
    /// Send response. The broker also adds `MSG_REGION` and `TRACE_ON` to the ext fields; the
    /// Java client reads them, so a send response always has ext fields.
    pub struct SendMessageResponseHeader("SendMessageResponseHeader") {
        /// Offset message id(s), comma-separated for a batch.
        msg_id: String => "msgId",
        queue_id: i32 => "queueId",
        queue_offset: i64 => "queueOffset",
        transaction_id: Option<String> => "transactionId",
    }
}

command_header! {
    /// CONSUMER_SEND_MSG_BACK (36) request.
    pub struct ConsumerSendMsgBackRequestHeader("ConsumerSendMsgBackRequestHeader") {
        /// CommitLog physical offset of the consumed message.
        offset: i64 => "offset",
        group: String => "group",
        /// 0: the broker uses 3 + reconsumeTimes; negative: straight to the DLQ.
        delay_level: i32 => "delayLevel",
        origin_msg_id: Option<String> => "originMsgId",
        origin_topic: Option<String> => "originTopic",
        unit_mode: Option<bool> => "unitMode",
        max_reconsume_times: Option<i32> => "maxReconsumeTimes",
        broker_name: Option<Text> => "bname",
    }
}

command_header! {
    /// END_TRANSACTION (37) request (sent oneway).
    pub struct EndTransactionRequestHeader("EndTransactionRequestHeader") {
        producer_group: Text => "producerGroup",
        tran_state_table_offset: i64 => "tranStateTableOffset",
        commit_log_offset: i64 => "commitLogOffset",
        /// 0 unknown, 8 commit, 12 rollback.
        commit_or_rollback: i32 => "commitOrRollback",
        from_transaction_check: Option<bool> => "fromTransactionCheck",
        msg_id: String => "msgId",
        transaction_id: Option<String> => "transactionId",
        broker_name: Option<Text> => "bname",
    }
}

command_header! {
    /// CHECK_TRANSACTION_STATE (39), broker to producer, oneway.
    pub struct CheckTransactionStateRequestHeader("CheckTransactionStateRequestHeader") {
        tran_state_table_offset: i64 => "tranStateTableOffset",
        commit_log_offset: i64 => "commitLogOffset",
        msg_id: Option<String> => "msgId",
        transaction_id: Option<String> => "transactionId",
        offset_msg_id: Option<String> => "offsetMsgId",
        broker_name: Option<Text> => "bname",
    }
}

command_header! {
    /// PUSH_REPLY_MESSAGE_TO_CLIENT (326), broker to the requesting producer: the reply
    /// message's send header, with where and when the broker received it.
    pub struct ReplyMessageRequestHeader("ReplyMessageRequestHeader") {
        producer_group: Text => "producerGroup",
        topic: Text => "topic",
        default_topic: Text => "defaultTopic",
        default_topic_queue_nums: i32 => "defaultTopicQueueNums",
        queue_id: i32 => "queueId",
        sys_flag: i32 => "sysFlag",
        born_timestamp: i64 => "bornTimestamp",
        flag: i32 => "flag",
        properties: Option<Text> => "properties",
        reconsume_times: Option<i32> => "reconsumeTimes",
        /// A primitive `boolean` in Java: always sent.
        unit_mode: bool => "unitMode",
        /// `ip:port` of the reply's sender.
        born_host: String => "bornHost",
        /// `ip:port` of the broker.
        store_host: String => "storeHost",
        store_timestamp: i64 => "storeTimestamp",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{CommandHeader, ExtFields};

    /// The extFields the Java 4.9.8 producer sends with END_TRANSACTION (captured names).
    #[test]
    fn end_transaction_header_from_java_fields() {
        let mut ext = ExtFields::new();
        for (k, v) in [
            ("producerGroup", "pg"),
            ("tranStateTableOffset", "6"),
            ("commitLogOffset", "2411"),
            ("commitOrRollback", "8"),
            ("fromTransactionCheck", "true"),
            (
                "msgId",
                "FD00000000000000000000000000000246BD60E53B931582F7E00002",
            ),
            (
                "transactionId",
                "FD00000000000000000000000000000246BD60E53B931582F7E00002",
            ),
        ] {
            ext.insert(k, v);
        }
        let h = EndTransactionRequestHeader::decode(&ext).unwrap();
        assert_eq!(h.producer_group, "pg");
        assert_eq!((h.tran_state_table_offset, h.commit_log_offset), (6, 2411));
        assert_eq!(h.commit_or_rollback, 8);
        assert_eq!(h.from_transaction_check, Some(true));
        assert_eq!(
            EndTransactionRequestHeader::decode(&h.to_ext_fields()).unwrap(),
            h
        );
        let mut missing = ext.clone();
        missing.remove("commitLogOffset");
        assert_eq!(
            EndTransactionRequestHeader::decode(&missing)
                .unwrap_err()
                .to_string(),
            "EndTransactionRequestHeader: required field 'commitLogOffset' is missing"
        );
    }

    #[test]
    fn check_transaction_state_header_field_names() {
        let h = CheckTransactionStateRequestHeader {
            tran_state_table_offset: 7,
            commit_log_offset: 2747,
            msg_id: Some("U".into()),
            transaction_id: Some("U".into()),
            offset_msg_id: Some("7F0000010000AF490000000000000ABB".into()),
            broker_name: None,
        };
        let ext = h.to_ext_fields();
        assert_eq!(ext.get("tranStateTableOffset"), Some("7"));
        assert_eq!(ext.get("commitLogOffset"), Some("2747"));
        assert_eq!(ext.get("msgId"), Some("U"));
        assert_eq!(ext.get("transactionId"), Some("U"));
        assert_eq!(
            ext.get("offsetMsgId"),
            Some("7F0000010000AF490000000000000ABB")
        );
        assert_eq!(ext.get("bname"), None);
    }

    /// The ext fields a 4.9.7 broker pushes with PUSH_REPLY_MESSAGE_TO_CLIENT (Java field
    /// names; `unitMode` always present, `reconsumeTimes` only when the sender gave it).
    #[test]
    fn reply_message_header_field_names() {
        let h = ReplyMessageRequestHeader {
            producer_group: "pg".into(),
            topic: "DefaultCluster_REPLY_TOPIC".into(),
            default_topic: "TBW102".into(),
            default_topic_queue_nums: 4,
            queue_id: 0,
            sys_flag: 0,
            born_timestamp: 1_700_000_000_000,
            flag: 0,
            properties: Some("MSG_TYPE\u{1}reply".into()),
            reconsume_times: None,
            unit_mode: false,
            born_host: "127.0.0.1:50412".into(),
            store_host: "127.0.0.1:10911".into(),
            store_timestamp: 1_700_000_000_005,
        };
        let ext = h.to_ext_fields();
        let fields: Vec<(&str, &str)> = ext.iter().collect();
        assert_eq!(
            fields,
            [
                ("producerGroup", "pg"),
                ("topic", "DefaultCluster_REPLY_TOPIC"),
                ("defaultTopic", "TBW102"),
                ("defaultTopicQueueNums", "4"),
                ("queueId", "0"),
                ("sysFlag", "0"),
                ("bornTimestamp", "1700000000000"),
                ("flag", "0"),
                ("properties", "MSG_TYPE\u{1}reply"),
                ("unitMode", "false"),
                ("bornHost", "127.0.0.1:50412"),
                ("storeHost", "127.0.0.1:10911"),
                ("storeTimestamp", "1700000000005"),
            ]
        );
        assert_eq!(
            ReplyMessageRequestHeader::decode(&ext)
                .unwrap()
                .store_timestamp,
            1_700_000_000_005
        );
    }
}
