//! Bodies about clients: heartbeats with their subscriptions, ordered-consumption queue locks,
//! and the connection / consumer-list views admin tools ask the broker for.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{java_enum, json_body, MessageQueue};
use crate::protocol::code::LanguageCode;

java_enum! {
    /// How a consumer gets messages (`ConsumeType`).
    pub enum ConsumeType {
        /// Pull consumers.
        ConsumeActively => "CONSUME_ACTIVELY",
        /// Push consumers (long polling).
        ConsumePassively => "CONSUME_PASSIVELY",
        /// 5.x pop consumers.
        ConsumePop => "CONSUME_POP",
    }
    default ConsumePassively;
}

java_enum! {
    /// Whether each message goes to one consumer of the group or to all (`MessageModel`).
    pub enum MessageModel {
        Broadcasting => "BROADCASTING",
        Clustering => "CLUSTERING",
    }
    default Clustering;
}

java_enum! {
    /// Where a new consumer group starts (`ConsumeFromWhere`).
    pub enum ConsumeFromWhere {
        ConsumeFromLastOffset => "CONSUME_FROM_LAST_OFFSET",
        ConsumeFromLastOffsetAndFromMinWhenBootFirst => "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST",
        ConsumeFromMinOffset => "CONSUME_FROM_MIN_OFFSET",
        ConsumeFromMaxOffset => "CONSUME_FROM_MAX_OFFSET",
        ConsumeFromFirstOffset => "CONSUME_FROM_FIRST_OFFSET",
        ConsumeFromTimestamp => "CONSUME_FROM_TIMESTAMP",
    }
    default ConsumeFromLastOffset;
}

/// Subscription expression meaning "every tag".
pub const SUB_ALL: &str = "*";
/// `expressionType` of tag subscriptions (the other one is `SQL92`).
pub const EXPRESSION_TYPE_TAG: &str = "TAG";

/// One topic subscription of a consumer group (`SubscriptionData`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionData {
    pub class_filter_mode: bool,
    pub topic: String,
    /// The expression as given: `*`, `TagA || TagB`, or SQL92 text.
    pub sub_string: String,
    /// The tags of a tag expression (a Java `Set`; the peer's order is kept).
    pub tags_set: Vec<String>,
    /// Java `String.hashCode()` of each tag, matched against the consume queue's tag codes.
    pub code_set: Vec<i32>,
    /// Version of the subscription: the client's clock when it was built.
    pub sub_version: i64,
    /// `TAG` or `SQL92`; Java keeps it as a string.
    pub expression_type: String,
}

impl Default for SubscriptionData {
    fn default() -> Self {
        SubscriptionData {
            class_filter_mode: false,
            topic: String::new(),
            sub_string: String::new(),
            tags_set: Vec::new(),
            code_set: Vec::new(),
            sub_version: 0,
            expression_type: EXPRESSION_TYPE_TAG.to_string(),
        }
    }
}

/// A producer group a client belongs to (`ProducerData`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProducerData {
    pub group_name: String,
}

/// A consumer group a client belongs to, with its subscriptions (`ConsumerData`).
///
/// Java has no defaults for the enum fields; a missing one reads as the Java client's own
/// default (push, clustering, from last offset).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerData {
    pub group_name: String,
    pub consume_type: ConsumeType,
    pub message_model: MessageModel,
    pub consume_from_where: ConsumeFromWhere,
    pub subscription_data_set: Vec<SubscriptionData>,
    pub unit_mode: bool,
}

/// The HEART_BEAT request body (`HeartbeatData`). The client id key is spelt `clientID`.
/// 5.x adds `heartbeatFingerprint` and `withoutSub`, which are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HeartbeatData {
    /// `clientIP@instanceName[@unitName][@STREAM]`.
    #[serde(rename = "clientID", alias = "clientId")]
    pub client_id: String,
    pub producer_data_set: Vec<ProducerData>,
    pub consumer_data_set: Vec<ConsumerData>,
}

/// The LOCK_BATCH_MQ request body (`LockBatchRequestBody`): queues an ordered consumer wants
/// to own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LockBatchRequestBody {
    pub consumer_group: String,
    pub client_id: String,
    /// When set the broker does not forward the lock to other brokers (5.x proxy use).
    pub only_this_broker: bool,
    pub mq_set: BTreeSet<MessageQueue>,
}

/// The LOCK_BATCH_MQ response body (`LockBatchResponseBody`): the queues now locked by the
/// requesting client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LockBatchResponseBody {
    #[serde(rename = "lockOKMQSet")]
    pub lock_ok_mq_set: BTreeSet<MessageQueue>,
}

/// The UNLOCK_BATCH_MQ request body (`UnlockBatchRequestBody`); the response has no body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UnlockBatchRequestBody {
    pub consumer_group: String,
    pub client_id: String,
    pub only_this_broker: bool,
    pub mq_set: BTreeSet<MessageQueue>,
}

/// The GET_CONSUMER_LIST_BY_GROUP response body: client ids of the group's live consumers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetConsumerListByGroupResponseBody {
    pub consumer_id_list: Vec<String>,
}

/// One producer client as GET_ALL_PRODUCER_INFO lists it (`ProducerInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProducerInfo {
    pub client_id: String,
    /// Java's `channel.remoteAddress().toString()`: `/ip:port`.
    #[serde(rename = "remoteIP")]
    pub remote_ip: String,
    #[serde(with = "language_name")]
    pub language: LanguageCode,
    pub version: i32,
    /// Milliseconds since the epoch of the client's last heartbeat.
    pub last_update_timestamp: i64,
}

impl Default for ProducerInfo {
    fn default() -> Self {
        ProducerInfo {
            client_id: String::new(),
            remote_ip: String::new(),
            language: LanguageCode::Java,
            version: 0,
            last_update_timestamp: 0,
        }
    }
}

/// The GET_ALL_PRODUCER_INFO response body (`ProducerTableInfo`): producers by group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProducerTableInfo {
    pub data: BTreeMap<String, Vec<ProducerInfo>>,
}

/// One client connection as the broker sees it (`Connection`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Connection {
    pub client_id: String,
    /// `ip:port` of the client's socket.
    pub client_addr: String,
    #[serde(with = "language_name")]
    pub language: LanguageCode,
    /// The client's `MQVersion` ordinal (409 = 4.9.8).
    pub version: i32,
}

impl Default for Connection {
    fn default() -> Self {
        Connection {
            client_id: String::new(),
            client_addr: String::new(),
            language: LanguageCode::Java,
            version: 0,
        }
    }
}

/// The GET_PRODUCER_CONNECTION_LIST response body (`ProducerConnection`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProducerConnection {
    pub connection_set: Vec<Connection>,
}

/// The GET_CONSUMER_CONNECTION_LIST response body (`ConsumerConnection`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerConnection {
    pub connection_set: Vec<Connection>,
    /// Topic → subscription.
    pub subscription_table: BTreeMap<String, SubscriptionData>,
    pub consume_type: ConsumeType,
    pub message_model: MessageModel,
    pub consume_from_where: ConsumeFromWhere,
}

/// `LanguageCode` by its Java enum name; an unknown name reads as `OTHER`, like Java.
mod language_name {
    use serde::{Deserializer, Serializer};

    use crate::protocol::body::EnumToken;
    use crate::protocol::code::LanguageCode;

    pub fn serialize<S: Serializer>(language: &LanguageCode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(language.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<LanguageCode, D::Error> {
        Ok(match EnumToken::deserialize(d)? {
            EnumToken::Name(name) => LanguageCode::from_name(&name),
            EnumToken::Ordinal(code) => {
                u8::try_from(code).map_or(LanguageCode::Other, LanguageCode::from_code)
            }
            EnumToken::Absent => LanguageCode::Java,
        })
    }
}

json_body!(
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
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_round_trips_byte_for_byte() {
        let text = br#"{"clientID":"192.0.2.2@verifyPush_json","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","consumeType":"CONSUME_PASSIVELY","groupName":"verify_push_json","messageModel":"CLUSTERING","subscriptionDataSet":[{"classFilterMode":false,"codeSet":[2598919,2598920],"expressionType":"TAG","subString":"TagA || TagB","subVersion":1795612648372,"tagsSet":["TagA","TagB"],"topic":"VerifyJ"}],"unitMode":false}],"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"}]}"#;
        let hb = HeartbeatData::from_json(text).unwrap();
        assert_eq!(hb.client_id, "192.0.2.2@verifyPush_json");
        let c = &hb.consumer_data_set[0];
        assert_eq!(
            c.consume_from_where,
            ConsumeFromWhere::ConsumeFromFirstOffset
        );
        assert_eq!(c.consume_type, ConsumeType::ConsumePassively);
        assert_eq!(c.message_model, MessageModel::Clustering);
        assert_eq!(c.subscription_data_set[0].code_set, [2598919, 2598920]);
        assert_eq!(hb.to_json(), text.to_vec());
    }

    #[test]
    fn unknown_enum_names_are_kept() {
        let c: ConsumerData = crate::protocol::fastjson::from_slice(
            "ConsumerData",
            br#"{"consumeType":"CONSUME_SOMEHOW","messageModel":1,"groupName":"G"}"#,
        )
        .unwrap();
        assert_eq!(c.consume_type, ConsumeType::Other("CONSUME_SOMEHOW".into()));
        // fastjson also accepts ordinals.
        assert_eq!(c.message_model, MessageModel::Clustering);
        assert_eq!(
            c.consume_from_where,
            ConsumeFromWhere::ConsumeFromLastOffset
        );
        let text = String::from_utf8(crate::protocol::fastjson::to_vec(
            &c,
            crate::protocol::fastjson::JsonStyle::Fastjson,
        ))
        .unwrap();
        assert!(
            text.contains(r#""consumeType":"CONSUME_SOMEHOW""#),
            "{text}"
        );
    }

    #[test]
    fn lock_bodies() {
        let req = LockBatchRequestBody {
            consumer_group: "G".into(),
            client_id: "c1".into(),
            only_this_broker: false,
            mq_set: BTreeSet::from([
                MessageQueue::new("T", "b", 1),
                MessageQueue::new("T", "b", 0),
            ]),
        };
        assert_eq!(
            String::from_utf8(req.to_json()).unwrap(),
            r#"{"clientId":"c1","consumerGroup":"G","mqSet":[{"brokerName":"b","queueId":0,"topic":"T"},{"brokerName":"b","queueId":1,"topic":"T"}],"onlyThisBroker":false}"#
        );
        assert_eq!(
            LockBatchRequestBody::from_json(&req.to_json()).unwrap(),
            req
        );
        let resp = LockBatchResponseBody {
            lock_ok_mq_set: req.mq_set.clone(),
        };
        let text = String::from_utf8(resp.to_json()).unwrap();
        assert!(
            text.starts_with(r#"{"lockOKMQSet":[{"brokerName":"b""#),
            "{text}"
        );
        assert_eq!(
            LockBatchResponseBody::from_json(text.as_bytes()).unwrap(),
            resp
        );
        let unlock = UnlockBatchRequestBody::from_json(&req.to_json()).unwrap();
        assert_eq!(unlock.mq_set, req.mq_set);
    }

    #[test]
    fn connections() {
        let text = br#"{"connectionSet":[{"clientAddr":"1.2.3.4:5678","clientId":"c","language":"JAVA","version":409}],"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_ACTIVELY","messageModel":"CLUSTERING","subscriptionTable":{"T":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1,"tagsSet":[],"topic":"T"}}}"#;
        let cc = ConsumerConnection::from_json(text).unwrap();
        assert_eq!(cc.connection_set[0].language, LanguageCode::Java);
        assert_eq!(cc.connection_set[0].version, 409);
        assert_eq!(cc.subscription_table["T"].sub_string, SUB_ALL);
        assert_eq!(cc.to_json(), text.to_vec());
        let pc = ProducerConnection::from_json(
            br#"{"connectionSet":[{"language":"NODE_JS"},{"language":"KLINGON"}]}"#,
        )
        .unwrap();
        assert_eq!(pc.connection_set[0].language, LanguageCode::NodeJs);
        assert_eq!(pc.connection_set[1].language, LanguageCode::Other);
    }

    #[test]
    fn consumer_list() {
        let text = br#"{"consumerIdList":["192.0.2.2@verifyC_json@STREAM"]}"#;
        let body = GetConsumerListByGroupResponseBody::from_json(text).unwrap();
        assert_eq!(body.consumer_id_list, ["192.0.2.2@verifyC_json@STREAM"]);
        assert_eq!(body.to_json(), text.to_vec());
    }

    /// fastjson's form of `ProducerTableInfo` (fields sorted, `remoteIP` as Java names it).
    #[test]
    fn producer_table_info_java_form() {
        let java = br#"{"data":{"pg":[{"clientId":"127.0.0.1@1#2","language":"JAVA","lastUpdateTimestamp":1700000000000,"remoteIP":"/127.0.0.1:50000","version":409}]}}"#;
        let t = ProducerTableInfo::from_json(java).unwrap();
        assert_eq!(t.data["pg"][0].remote_ip, "/127.0.0.1:50000");
        assert_eq!(t.data["pg"][0].language, LanguageCode::Java);
        assert_eq!(t.to_json(), java);
    }
}
