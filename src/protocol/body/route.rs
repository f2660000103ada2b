//! Routing bodies exchanged with the name server: what a broker registers
//! (REGISTER_BROKER), the route of a topic (GET_ROUTEINFO_BY_TOPIC) and the cluster map
//! (GET_BROKER_CLUSTER_INFO).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{json_body, TopicConfigSerializeWrapper};
use crate::protocol::fastjson::JsonStyle;

/// The REGISTER_BROKER request body (`RegisterBrokerBody`) in its plain JSON form, sent when
/// the request header has `compressed=false` (the default). Brokers older than V3_0_11 send a
/// bare [`TopicConfigSerializeWrapper`] instead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RegisterBrokerBody {
    pub topic_config_serialize_wrapper: TopicConfigSerializeWrapper,
    /// Addresses of the broker's filter servers (a 4.x feature that is rarely used).
    pub filter_server_list: Vec<String>,
}

/// One broker's queues of a topic (`QueueData`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueData {
    pub broker_name: String,
    pub read_queue_nums: i32,
    pub write_queue_nums: i32,
    pub perm: i32,
    /// Spelt `topicSynFlag` up to 4.8.0; both spellings are read.
    #[serde(alias = "topicSynFlag")]
    pub topic_sys_flag: i32,
}

/// A broker group: the master (id 0) and slaves of one broker name (`BrokerData`). The
/// id → address map is written with bare keys (`{0:"10.0.0.1:10911"}`) in fastjson style.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerData {
    pub cluster: String,
    pub broker_name: String,
    pub broker_addrs: BTreeMap<i64, String>,
}

/// Broker id of a master.
pub const MASTER_ID: i64 = 0;

impl BrokerData {
    /// The master's address, if the master is registered.
    pub fn master_addr(&self) -> Option<&str> {
        self.broker_addrs.get(&MASTER_ID).map(String::as_str)
    }
}

/// Lowest client version (`MQVersion.Version.V4_9_4.ordinal()`) that is sent route data in
/// standard JSON.
pub const STANDARD_JSON_ROUTE_MIN_VERSION: i32 = 401;

/// The route of a topic (`TopicRouteData`), the GET_ROUTEINFO_BY_TOPIC response body.
/// The 5.x `topicQueueMappingByBroker` is ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicRouteData {
    /// `brokerName:queueNums;...` for ordered topics (from the name server's KV config);
    /// omitted when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_topic_conf: Option<String>,
    pub queue_datas: Vec<QueueData>,
    pub broker_datas: Vec<BrokerData>,
    /// Broker address → its filter servers.
    pub filter_server_table: BTreeMap<String, Vec<String>>,
}

impl TopicRouteData {
    /// The style a 4.9.8 name server answers in: standard JSON for clients of version 401
    /// (4.9.4) and later or that set `acceptStandardJsonOnly`, fastjson's bare keys for older
    /// ones, which may not read quoted numeric keys.
    pub fn json_style_for(client_version: i32, accept_standard_json_only: bool) -> JsonStyle {
        if client_version >= STANDARD_JSON_ROUTE_MIN_VERSION || accept_standard_json_only {
            JsonStyle::Standard
        } else {
            JsonStyle::Fastjson
        }
    }
}

/// The cluster map (`ClusterInfo`), the GET_BROKER_CLUSTER_INFO response body. Java always
/// writes it in fastjson style, with bare broker ids.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClusterInfo {
    /// Broker name → its group.
    pub broker_addr_table: BTreeMap<String, BrokerData>,
    /// Cluster name → broker names.
    pub cluster_addr_table: BTreeMap<String, BTreeSet<String>>,
}

json_body!(
    RegisterBrokerBody,
    QueueData,
    BrokerData,
    TopicRouteData,
    ClusterInfo
);

#[cfg(test)]
mod tests {
    use super::*;

    fn route() -> TopicRouteData {
        TopicRouteData {
            order_topic_conf: None,
            queue_datas: vec![QueueData {
                broker_name: "broker-a".into(),
                read_queue_nums: 4,
                write_queue_nums: 4,
                perm: 6,
                topic_sys_flag: 0,
            }],
            broker_datas: vec![BrokerData {
                cluster: "DefaultCluster".into(),
                broker_name: "broker-a".into(),
                broker_addrs: BTreeMap::from([
                    (0, "127.0.0.1:20913".into()),
                    (1, "127.0.0.2:20913".into()),
                ]),
            }],
            filter_server_table: BTreeMap::new(),
        }
    }

    #[test]
    fn route_in_both_styles() {
        let r = route();
        assert_eq!(
            String::from_utf8(r.to_json()).unwrap(),
            r#"{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:20913",1:"127.0.0.2:20913"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#
        );
        let standard = r.to_json_with(JsonStyle::Standard);
        assert_eq!(
            String::from_utf8(standard.clone()).unwrap(),
            r#"{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:20913","1":"127.0.0.2:20913"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#
        );
        assert_eq!(TopicRouteData::from_json(&r.to_json()).unwrap(), r);
        assert_eq!(TopicRouteData::from_json(&standard).unwrap(), r);
        // Standard output is plain JSON for any reader.
        assert!(serde_json::from_slice::<serde_json::Value>(&standard).is_ok());
        assert_eq!(r.broker_datas[0].master_addr(), Some("127.0.0.1:20913"));
    }

    #[test]
    fn order_topic_conf_and_old_field_name() {
        let r = TopicRouteData::from_json(
            br#"{"orderTopicConf":"broker-a:4","queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":1,"topicSynFlag":3,"writeQueueNums":1}]}"#,
        )
        .unwrap();
        assert_eq!(r.order_topic_conf.as_deref(), Some("broker-a:4"));
        assert_eq!(r.queue_datas[0].topic_sys_flag, 3);
        let text = String::from_utf8(r.to_json()).unwrap();
        assert!(text.contains(r#""orderTopicConf":"broker-a:4""#), "{text}");
        assert!(text.contains(r#""topicSysFlag":3"#), "{text}");
    }

    #[test]
    fn style_follows_client_version() {
        assert_eq!(
            TopicRouteData::json_style_for(409, false),
            JsonStyle::Standard
        );
        assert_eq!(
            TopicRouteData::json_style_for(401, false),
            JsonStyle::Standard
        );
        assert_eq!(
            TopicRouteData::json_style_for(400, false),
            JsonStyle::Fastjson
        );
        assert_eq!(TopicRouteData::json_style_for(0, true), JsonStyle::Standard);
    }

    #[test]
    fn cluster_info_is_bare() {
        let info = ClusterInfo {
            broker_addr_table: BTreeMap::from([(
                "broker-a".to_string(),
                route().broker_datas[0].clone(),
            )]),
            cluster_addr_table: BTreeMap::from([(
                "DefaultCluster".to_string(),
                BTreeSet::from(["broker-a".to_string()]),
            )]),
        };
        let text = info.to_json();
        assert_eq!(
            String::from_utf8(text.clone()).unwrap(),
            r#"{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:20913",1:"127.0.0.2:20913"},"brokerName":"broker-a","cluster":"DefaultCluster"}},"clusterAddrTable":{"DefaultCluster":["broker-a"]}}"#
        );
        assert_eq!(ClusterInfo::from_json(&text).unwrap(), info);
    }

    #[test]
    fn register_body_reads_without_wrapper_fields() {
        let b = RegisterBrokerBody::from_json(b"{}").unwrap();
        assert_eq!(b, RegisterBrokerBody::default());
        assert_eq!(
            b.to_json(),
            br#"{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":0,"timestamp":0},"topicConfigTable":{}}}"#
        );
    }
}
