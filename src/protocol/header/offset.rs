//! Offset, search and query headers: consumer offsets, min/max offsets, lookups by time, key
//! and id, and offset reset.

use crate::command_header;

command_header! {
    /// QUERY_CONSUMER_OFFSET (14) request.
    pub struct QueryConsumerOffsetRequestHeader("QueryConsumerOffsetRequestHeader") {
        consumer_group: String => "consumerGroup",
        topic: String => "topic",
        queue_id: i32 => "queueId",
        set_zero_if_not_found: Option<bool> => "setZeroIfNotFound",
        broker_name: Option<String> => "bname",
    }
}

command_header! {
    /// Response carrying one `offset` (QUERY_CONSUMER_OFFSET, GET_MAX_OFFSET, GET_MIN_OFFSET,
    /// SEARCH_OFFSET_BY_TIMESTAMP).
    pub struct OffsetResponseHeader("QueryConsumerOffsetResponseHeader") {
        offset: i64 => "offset",
    }
}

command_header! {
    /// UPDATE_CONSUMER_OFFSET (15) request; the response header is empty.
    pub struct UpdateConsumerOffsetRequestHeader("UpdateConsumerOffsetRequestHeader") {
        consumer_group: String => "consumerGroup",
        topic: String => "topic",
        queue_id: i32 => "queueId",
        commit_offset: i64 => "commitOffset",
        broker_name: Option<String> => "bname",
    }
}

command_header! {
    /// GET_MAX_OFFSET (30), GET_MIN_OFFSET (31), GET_EARLIEST_MSG_STORETIME (32) request.
    pub struct TopicQueueRequestHeader("GetMaxOffsetRequestHeader") {
        topic: String => "topic",
        queue_id: i32 => "queueId",
        broker_name: Option<String> => "bname",
    }
}

command_header! {
    /// GET_EARLIEST_MSG_STORETIME response.
    pub struct EarliestMsgStoretimeResponseHeader("GetEarliestMsgStoretimeResponseHeader") {
        timestamp: i64 => "timestamp",
    }
}

command_header! {
    /// SEARCH_OFFSET_BY_TIMESTAMP (29) request.
    pub struct SearchOffsetRequestHeader("SearchOffsetRequestHeader") {
        topic: String => "topic",
        queue_id: i32 => "queueId",
        timestamp: i64 => "timestamp",
        broker_name: Option<String> => "bname",
    }
}

command_header! {
    /// VIEW_MESSAGE_BY_ID (33) request: the physical offset decoded from an offset message id.
    pub struct ViewMessageRequestHeader("ViewMessageRequestHeader") {
        offset: i64 => "offset",
    }
}

command_header! {
    /// QUERY_MESSAGE (12) request. The ext field `_UNIQUE_KEY_QUERY` ("true"/"false") rides along.
    pub struct QueryMessageRequestHeader("QueryMessageRequestHeader") {
        topic: String => "topic",
        key: String => "key",
        max_num: i32 => "maxNum",
        begin_timestamp: i64 => "beginTimestamp",
        end_timestamp: i64 => "endTimestamp",
    }
}

command_header! {
    /// QUERY_MESSAGE response.
    pub struct QueryMessageResponseHeader("QueryMessageResponseHeader") {
        index_last_update_timestamp: i64 => "indexLastUpdateTimestamp",
        index_last_update_phyoffset: i64 => "indexLastUpdatePhyoffset",
    }
}

command_header! {
    /// INVOKE_BROKER_TO_RESET_OFFSET (222) and RESET_CONSUMER_CLIENT_OFFSET (220).
    pub struct ResetOffsetRequestHeader("ResetOffsetRequestHeader") {
        topic: String => "topic",
        group: String => "group",
        /// Milliseconds; -1 means the max offset.
        timestamp: i64 => "timestamp",
        /// The Java key really is `isForce`.
        is_force: bool => "isForce",
    }
}
