//! Small list and table bodies used by admin requests.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::json_body;

/// Consumer group names (`GroupList`), e.g. the QUERY_TOPIC_CONSUME_BY_WHO response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupList {
    pub group_list: BTreeSet<String>,
}

/// Topic names (`TopicList`), e.g. the GET_ALL_TOPIC_LIST_FROM_NAMESERVER response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicList {
    pub topic_list: BTreeSet<String>,
    /// Set only by some listings (system topics of a broker); omitted when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker_addr: Option<String>,
}

/// String key/value pairs (`KVTable`), e.g. the GET_BROKER_RUNTIME_INFO response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KVTable {
    pub table: BTreeMap<String, String>,
}

/// What an online role change did (the RMQ_CHANGE_BROKER_ROLE response body, rmq's own).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleChange {
    pub broker_name: String,
    pub broker_addr: String,
    pub previous_role: String,
    pub previous_broker_id: i64,
    pub role: String,
    pub broker_id: i64,
    /// The CommitLog's end when the role changed: on a promotion, where the new master's
    /// data starts to differ from anything the old master wrote later (an old master that was
    /// ahead is cut back to this offset before it rejoins).
    pub commit_log_max_offset: i64,
    /// Bytes of a partial record at the end of a promoted slave's CommitLog (the master died
    /// mid-frame), dropped before the first write.
    pub dropped_partial_bytes: i64,
    /// Whether the new role and id were written to the broker's properties file.
    pub persisted: bool,
}

json_body!(GroupList, TopicList, KVTable, RoleChange);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let g = GroupList::from_json(br#"{"groupList":["G2","G1","G1"]}"#).unwrap();
        assert_eq!(g.to_json(), br#"{"groupList":["G1","G2"]}"#);
        let t = TopicList::from_json(br#"{"topicList":["T"],"brokerAddr":null}"#).unwrap();
        assert_eq!(t.broker_addr, None);
        assert_eq!(t.to_json(), br#"{"topicList":["T"]}"#);
        let t = TopicList {
            broker_addr: Some("1.2.3.4:10911".into()),
            ..t
        };
        assert_eq!(
            t.to_json(),
            br#"{"brokerAddr":"1.2.3.4:10911","topicList":["T"]}"#
        );
        let kv = KVTable::from_json(br#"{"table":{"b":"2","a":"1"}}"#).unwrap();
        assert_eq!(kv.to_json(), br#"{"table":{"a":"1","b":"2"}}"#);
    }
}
