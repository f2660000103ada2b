//! Broker admin and client-management headers: topics, groups, stats, connections, config.

use crate::command_header;

command_header! {
    /// UPDATE_AND_CREATE_TOPIC (17) request.
    pub struct CreateTopicRequestHeader("CreateTopicRequestHeader") {
        topic: String => "topic",
        default_topic: String => "defaultTopic",
        read_queue_nums: i32 => "readQueueNums",
        write_queue_nums: i32 => "writeQueueNums",
        perm: i32 => "perm",
        /// `SINGLE_TAG` or `MULTI_TAG`.
        topic_filter_type: String => "topicFilterType",
        topic_sys_flag: Option<i32> => "topicSysFlag",
        order: bool => "order",
    }
}

command_header! {
    /// Requests naming one topic: DELETE_TOPIC_IN_BROKER (215), GET_TOPIC_STATS_INFO (202),
    /// QUERY_TOPIC_CONSUME_BY_WHO (300).
    pub struct TopicRequestHeader("DeleteTopicRequestHeader") {
        topic: String => "topic",
    }
}

command_header! {
    /// GET_CONSUME_STATS (208) request; a blank topic means every topic of the group.
    pub struct GetConsumeStatsRequestHeader("GetConsumeStatsRequestHeader") {
        consumer_group: String => "consumerGroup",
        topic: Option<String> => "topic",
    }
}

command_header! {
    /// GET_CONSUMER_LIST_BY_GROUP (38), NOTIFY_CONSUMER_IDS_CHANGED (40),
    /// GET_CONSUMER_CONNECTION_LIST (203) request.
    pub struct ConsumerGroupHeader("GetConsumerListByGroupRequestHeader") {
        consumer_group: String => "consumerGroup",
    }
}

command_header! {
    /// GET_PRODUCER_CONNECTION_LIST (204) request.
    pub struct ProducerGroupHeader("GetProducerConnectionListRequestHeader") {
        producer_group: String => "producerGroup",
    }
}

command_header! {
    /// UNREGISTER_CLIENT (35) request.
    pub struct UnregisterClientRequestHeader("UnregisterClientRequestHeader") {
        client_id: String => "clientID",
        producer_group: Option<String> => "producerGroup",
        consumer_group: Option<String> => "consumerGroup",
    }
}

command_header! {
    /// DELETE_SUBSCRIPTIONGROUP (207) request.
    pub struct DeleteSubscriptionGroupRequestHeader("DeleteSubscriptionGroupRequestHeader") {
        group_name: String => "groupName",
        clean_offset: Option<bool> => "cleanOffset",
    }
}

command_header! {
    /// GET_BROKER_CONFIG (26) response; the body is the properties text.
    pub struct GetBrokerConfigResponseHeader("GetBrokerConfigResponseHeader") {
        /// DataVersion as JSON text.
        version: String => "version",
    }
}

command_header! {
    /// RMQ_CHANGE_BROKER_ROLE (rmq's 30001) request: the role to take; on a demotion the
    /// master's HA address and the slave id. The response body is a [`RoleChange`].
    ///
    /// [`RoleChange`]: crate::protocol::body::RoleChange
    pub struct ChangeBrokerRoleRequestHeader("ChangeBrokerRoleRequestHeader") {
        /// `ASYNC_MASTER`, `SYNC_MASTER` or `SLAVE`.
        broker_role: String => "brokerRole",
        broker_id: i64 => "brokerId",
        ha_master_address: Option<String> => "haMasterAddress",
    }
}

command_header! {
    /// GET_CONSUMER_RUNNING_INFO (307) request.
    pub struct GetConsumerRunningInfoRequestHeader("GetConsumerRunningInfoRequestHeader") {
        consumer_group: String => "consumerGroup",
        client_id: String => "clientId",
        jstack_enable: Option<bool> => "jstackEnable",
    }
}

command_header! {
    /// CONSUME_MESSAGE_DIRECTLY (309) request.
    pub struct ConsumeMessageDirectlyRequestHeader("ConsumeMessageDirectlyResultRequestHeader") {
        consumer_group: String => "consumerGroup",
        client_id: Option<String> => "clientId",
        msg_id: Option<String> => "msgId",
        broker_name: Option<String> => "brokerName",
    }
}

command_header! {
    /// CLONE_GROUP_OFFSET (314) request.
    pub struct CloneGroupOffsetRequestHeader("CloneGroupOffsetRequestHeader") {
        src_group: String => "srcGroup",
        dest_group: String => "destGroup",
        topic: Option<String> => "topic",
        offline: Option<bool> => "offline",
    }
}

command_header! {
    /// QUERY_CONSUME_TIME_SPAN (303) request.
    pub struct QueryConsumeTimeSpanRequestHeader("QueryConsumeTimeSpanRequestHeader") {
        topic: String => "topic",
        group: String => "group",
    }
}

command_header! {
    /// VIEW_BROKER_STATS_DATA (315) request.
    pub struct ViewBrokerStatsDataRequestHeader("ViewBrokerStatsDataRequestHeader") {
        stats_name: String => "statsName",
        stats_key: String => "statsKey",
    }
}

command_header! {
    /// INVOKE_BROKER_TO_GET_CONSUMER_STATUS (223) request, and GET_CONSUMER_STATUS_FROM_CLIENT
    /// (221), which the broker sends on to the group's consumers without `clientAddr`.
    pub struct GetConsumerStatusRequestHeader("GetConsumerStatusRequestHeader") {
        topic: String => "topic",
        group: String => "group",
        /// A client id (despite the name): only that consumer is asked; blank asks all.
        client_addr: Option<String> => "clientAddr",
    }
}

command_header! {
    /// QUERY_CORRECTION_OFFSET (308) request.
    pub struct QueryCorrectionOffsetHeader("QueryCorrectionOffsetHeader") {
        /// Comma-separated groups left out of the minimum.
        filter_groups: Option<String> => "filterGroups",
        compare_group: String => "compareGroup",
        topic: String => "topic",
    }
}

command_header! {
    /// RESUME_CHECK_HALF_MESSAGE (323) request.
    pub struct ResumeCheckHalfMessageRequestHeader("ResumeCheckHalfMessageRequestHeader") {
        /// The half message's offset message id.
        msg_id: Option<String> => "msgId",
    }
}

command_header! {
    /// QUERY_CONSUME_QUEUE (321) request.
    pub struct QueryConsumeQueueRequestHeader("QueryConsumeQueueRequestHeader") {
        topic: String => "topic",
        queue_id: i32 => "queueId",
        index: i64 => "index",
        count: i32 => "count",
        consumer_group: Option<String> => "consumerGroup",
    }
}
