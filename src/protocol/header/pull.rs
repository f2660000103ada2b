//! Pull headers: PULL_MESSAGE (11) / LITE_PULL_MESSAGE (361) and the pull response.

use crate::command_header;

/// PullSysFlag bits.
pub mod pull_sys_flag {
    pub const COMMIT_OFFSET: i32 = 0x1;
    pub const SUSPEND: i32 = 0x2;
    pub const SUBSCRIPTION: i32 = 0x4;
    pub const CLASS_FILTER: i32 = 0x8;
    pub const LITE_PULL: i32 = 0x10;
}

command_header! {
    /// PULL_MESSAGE / LITE_PULL_MESSAGE request.
    pub struct PullMessageRequestHeader("PullMessageRequestHeader") {
        consumer_group: String => "consumerGroup",
        topic: String => "topic",
        queue_id: i32 => "queueId",
        queue_offset: i64 => "queueOffset",
        max_msg_nums: i32 => "maxMsgNums",
        sys_flag: i32 => "sysFlag",
        commit_offset: i64 => "commitOffset",
        suspend_timeout_millis: i64 => "suspendTimeoutMillis",
        /// Only used when the SUBSCRIPTION bit is set.
        subscription: Option<String> => "subscription",
        sub_version: i64 => "subVersion",
        /// `TAG` or `SQL92`.
        expression_type: Option<String> => "expressionType",
        max_msg_bytes: Option<i32> => "maxMsgBytes",
        broker_name: Option<String> => "bname",
    }
}

command_header! {
    /// Pull response.
    pub struct PullMessageResponseHeader("PullMessageResponseHeader") {
        suggest_which_broker_id: i64 => "suggestWhichBrokerId",
        next_begin_offset: i64 => "nextBeginOffset",
        min_offset: i64 => "minOffset",
        max_offset: i64 => "maxOffset",
    }
}
