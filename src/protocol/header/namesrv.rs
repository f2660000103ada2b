//! Name server headers: broker registration, routes, KV config and write permission.

use crate::command_header;

command_header! {
    /// REGISTER_BROKER (103) request.
    pub struct RegisterBrokerRequestHeader("RegisterBrokerRequestHeader") {
        broker_name: String => "brokerName",
        /// `ip:listenPort`
        broker_addr: String => "brokerAddr",
        cluster_name: String => "clusterName",
        /// `brokerIP2:haListenPort`
        ha_server_addr: String => "haServerAddr",
        broker_id: i64 => "brokerId",
        compressed: Option<bool> => "compressed",
        /// 31-bit CRC32 of the body; 0 = not checked.
        body_crc32: Option<i32> => "bodyCrc32",
    }
}

command_header! {
    /// REGISTER_BROKER response (set for slaves when a master is alive).
    pub struct RegisterBrokerResponseHeader("RegisterBrokerResponseHeader") {
        ha_server_addr: Option<String> => "haServerAddr",
        master_addr: Option<String> => "masterAddr",
    }
}

command_header! {
    /// UNREGISTER_BROKER (104) and QUERY_DATA_VERSION (322) request.
    pub struct BrokerIdentityHeader("UnRegisterBrokerRequestHeader") {
        broker_name: String => "brokerName",
        broker_addr: String => "brokerAddr",
        cluster_name: String => "clusterName",
        broker_id: i64 => "brokerId",
    }
}

command_header! {
    /// QUERY_DATA_VERSION response.
    pub struct QueryDataVersionResponseHeader("QueryDataVersionResponseHeader") {
        changed: bool => "changed",
    }
}

command_header! {
    /// GET_ROUTEINFO_BY_TOPIC (105) request.
    pub struct GetRouteInfoRequestHeader("GetRouteInfoRequestHeader") {
        topic: String => "topic",
        /// 4.9.4+: ask for standard JSON whatever the client version.
        accept_standard_json_only: Option<bool> => "acceptStandardJsonOnly",
    }
}

command_header! {
    /// DELETE_TOPIC_IN_NAMESRV (216) request.
    pub struct DeleteTopicFromNamesrvRequestHeader("DeleteTopicFromNamesrvRequestHeader") {
        topic: String => "topic",
        /// Restricts the delete to one cluster.
        cluster_name: Option<String> => "clusterName",
    }
}

command_header! {
    /// PUT_KV_CONFIG (100) request.
    pub struct PutKvConfigRequestHeader("PutKVConfigRequestHeader") {
        namespace: String => "namespace",
        key: String => "key",
        value: String => "value",
    }
}

command_header! {
    /// GET_KV_CONFIG (101) and DELETE_KV_CONFIG (102) request.
    pub struct KvConfigKeyHeader("GetKVConfigRequestHeader") {
        namespace: String => "namespace",
        key: String => "key",
    }
}

command_header! {
    /// GET_KV_CONFIG response.
    pub struct GetKvConfigResponseHeader("GetKVConfigResponseHeader") {
        value: Option<String> => "value",
    }
}

command_header! {
    /// GET_KVLIST_BY_NAMESPACE (219) request.
    pub struct GetKvListByNamespaceRequestHeader("GetKVListByNamespaceRequestHeader") {
        namespace: String => "namespace",
    }
}

command_header! {
    /// WIPE_WRITE_PERM_OF_BROKER (205) / ADD_WRITE_PERM_OF_BROKER (327) request.
    pub struct BrokerNameHeader("WipeWritePermOfBrokerRequestHeader") {
        broker_name: String => "brokerName",
    }
}

command_header! {
    /// WIPE_WRITE_PERM_OF_BROKER response.
    pub struct WipeWritePermResponseHeader("WipeWritePermOfBrokerResponseHeader") {
        wipe_topic_count: i32 => "wipeTopicCount",
    }
}

command_header! {
    /// ADD_WRITE_PERM_OF_BROKER response.
    pub struct AddWritePermResponseHeader("AddWritePermOfBrokerResponseHeader") {
        add_topic_count: i32 => "addTopicCount",
    }
}

command_header! {
    /// GET_TOPICS_BY_CLUSTER (224) request.
    pub struct GetTopicsByClusterRequestHeader("GetTopicsByClusterRequestHeader") {
        cluster: String => "cluster",
    }
}
