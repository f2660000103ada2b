//! Names of system topics and groups, and topic name validation (Java's `TopicValidator` and
//! the constants of `MixAll`, 4.9.8).
//!
//! Java keeps the set of system topics in a static set that `TopicConfigManager` extends at
//! start-up with per-broker names (cluster name, broker name, trace topic, reply topic). Here
//! the fixed part is [`is_fixed_system_topic`] and the per-broker part lives in the
//! `TopicConfigManager` (`broker::metadata`), whose `is_system_topic` combines both.

use std::fmt;

/// The template topic for auto-creation on send.
pub const AUTO_CREATE_TOPIC_KEY_TOPIC: &str = "TBW102";
/// Delayed messages wait here, one queue per delay level.
pub const RMQ_SYS_SCHEDULE_TOPIC: &str = "SCHEDULE_TOPIC_XXXX";
pub const RMQ_SYS_BENCHMARK_TOPIC: &str = "BenchmarkTest";
/// Half (prepared) transactional messages.
pub const RMQ_SYS_TRANS_HALF_TOPIC: &str = "RMQ_SYS_TRANS_HALF_TOPIC";
/// The default message trace topic (`msgTraceTopicName`).
pub const RMQ_SYS_TRACE_TOPIC: &str = "RMQ_SYS_TRACE_TOPIC";
/// Commit/rollback markers of half messages.
pub const RMQ_SYS_TRANS_OP_HALF_TOPIC: &str = "RMQ_SYS_TRANS_OP_HALF_TOPIC";
/// Half messages checked too often end up here.
pub const RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC: &str = "TRANS_CHECK_MAX_TIME_TOPIC";
pub const RMQ_SYS_SELF_TEST_TOPIC: &str = "SELF_TEST_TOPIC";
pub const RMQ_SYS_OFFSET_MOVED_EVENT: &str = "OFFSET_MOVED_EVENT";
/// Any topic starting with this is a system topic.
pub const SYSTEM_TOPIC_PREFIX: &str = "rmq_sys_";
/// Longest topic name accepted, in characters.
pub const TOPIC_MAX_LENGTH: usize = 127;
/// Longest group name the Java client accepts (`Validators.CHARACTER_MAX_LENGTH`); the 4.9.8
/// broker itself does not check group names.
pub const GROUP_MAX_LENGTH: usize = 255;

/// Retry topics are `%RETRY%<group>`.
pub const RETRY_GROUP_TOPIC_PREFIX: &str = "%RETRY%";
/// Dead-letter topics are `%DLQ%<group>`.
pub const DLQ_GROUP_TOPIC_PREFIX: &str = "%DLQ%";
/// The request-reply topic is `<cluster>_REPLY_TOPIC`.
pub const REPLY_TOPIC_POSTFIX: &str = "REPLY_TOPIC";

pub const TOOLS_CONSUMER_GROUP: &str = "TOOLS_CONSUMER";
pub const FILTERSRV_CONSUMER_GROUP: &str = "FILTERSRV_CONSUMER";
pub const SELF_TEST_CONSUMER_GROUP: &str = "SELF_TEST_C_GROUP";
pub const ONS_HTTP_PROXY_GROUP: &str = "CID_ONS-HTTP-PROXY";
pub const CID_ONSAPI_PULL_GROUP: &str = "CID_ONSAPI_PULL";
pub const CID_ONSAPI_PERMISSION_GROUP: &str = "CID_ONSAPI_PERMISSION";
pub const CID_ONSAPI_OWNER_GROUP: &str = "CID_ONSAPI_OWNER";
/// Groups starting with this are system groups, auto-created even when
/// `autoCreateSubscriptionGroup` is off.
pub const CID_RMQ_SYS_PREFIX: &str = "CID_RMQ_SYS_";
/// The group the transaction check uses to track the half and op queues.
pub const CID_SYS_RMQ_TRANS: &str = "CID_RMQ_SYS_TRANS";

/// The groups 4.9.8 pre-creates, all with default settings. (4.9.8 does not pre-create
/// `CID_RMQ_SYS_TRANS`; it is auto-created as a system group on first use.)
pub const BUILTIN_GROUPS: [&str; 7] = [
    TOOLS_CONSUMER_GROUP,
    FILTERSRV_CONSUMER_GROUP,
    SELF_TEST_CONSUMER_GROUP,
    ONS_HTTP_PROXY_GROUP,
    CID_ONSAPI_PULL_GROUP,
    CID_ONSAPI_PERMISSION_GROUP,
    CID_ONSAPI_OWNER_GROUP,
];

/// The topics in Java's static `SYSTEM_TOPIC_SET`.
const FIXED_SYSTEM_TOPICS: [&str; 9] = [
    AUTO_CREATE_TOPIC_KEY_TOPIC,
    RMQ_SYS_SCHEDULE_TOPIC,
    RMQ_SYS_BENCHMARK_TOPIC,
    RMQ_SYS_TRANS_HALF_TOPIC,
    RMQ_SYS_TRACE_TOPIC,
    RMQ_SYS_TRANS_OP_HALF_TOPIC,
    RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC,
    RMQ_SYS_SELF_TEST_TOPIC,
    RMQ_SYS_OFFSET_MOVED_EVENT,
];

/// Topics clients may not send to (`NOT_ALLOWED_SEND_TOPIC_SET`).
const NOT_ALLOWED_SEND_TOPICS: [&str; 6] = [
    RMQ_SYS_SCHEDULE_TOPIC,
    RMQ_SYS_TRANS_HALF_TOPIC,
    RMQ_SYS_TRANS_OP_HALF_TOPIC,
    RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC,
    RMQ_SYS_SELF_TEST_TOPIC,
    RMQ_SYS_OFFSET_MOVED_EVENT,
];

/// The retry topic of a consumer group.
pub fn retry_topic(group: &str) -> String {
    format!("{RETRY_GROUP_TOPIC_PREFIX}{group}")
}

/// The dead-letter topic of a consumer group.
pub fn dlq_topic(group: &str) -> String {
    format!("{DLQ_GROUP_TOPIC_PREFIX}{group}")
}

/// The request-reply topic of a cluster.
pub fn reply_topic(cluster: &str) -> String {
    format!("{cluster}_{REPLY_TOPIC_POSTFIX}")
}

/// Whether `group` is a system consumer group (`MixAll.isSysConsumerGroup`).
pub fn is_sys_consumer_group(group: &str) -> bool {
    group.starts_with(CID_RMQ_SYS_PREFIX)
}

/// Whether `topic` is in Java's static system topic set or has the `rmq_sys_` prefix. The
/// per-broker system topics are only known to the
/// `TopicConfigManager` (`broker::metadata`).
pub fn is_fixed_system_topic(topic: &str) -> bool {
    FIXED_SYSTEM_TOPICS.contains(&topic) || topic.starts_with(SYSTEM_TOPIC_PREFIX)
}

/// Whether clients may not send to `topic`.
pub fn is_not_allowed_send_topic(topic: &str) -> bool {
    NOT_ALLOWED_SEND_TOPICS.contains(&topic)
}

/// Whether `name` has a character outside `[%|a-zA-Z0-9_-]` (Java's
/// `isTopicOrGroupIllegal`; an empty name is not illegal by this test).
pub fn is_topic_or_group_illegal(name: &str) -> bool {
    !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'%' | b'|' | b'_' | b'-'))
}

/// Why a topic name was refused. `Display` gives Java's response remark word for word, so a
/// processor can answer with the code [`is_forbidden`](Self::is_forbidden) picks and
/// `to_string()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopicNameError {
    /// Empty or whitespace only.
    Blank,
    /// A character outside `[%|a-zA-Z0-9_-]`.
    IllegalCharacters(String),
    /// More than [`TOPIC_MAX_LENGTH`] characters.
    TooLong(String),
    /// A system topic, which admin commands may not create, update or delete.
    SystemTopic(String),
    /// A topic clients may not send to.
    NotAllowedToSend(String),
}

impl TopicNameError {
    /// Whether the name is valid but reserved: Java answers NO_PERMISSION for this and
    /// SYSTEM_ERROR for every other refusal.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, TopicNameError::NotAllowedToSend(_))
    }
}

impl fmt::Display for TopicNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopicNameError::Blank => f.write_str("The specified topic is blank."),
            TopicNameError::IllegalCharacters(_) => f.write_str(
                "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$",
            ),
            TopicNameError::TooLong(_) => {
                f.write_str("The specified topic is longer than topic max length.")
            }
            TopicNameError::SystemTopic(t) => {
                write!(f, "The topic[{t}] is conflict with system topic.")
            }
            TopicNameError::NotAllowedToSend(t) => {
                write!(f, "Sending message to topic[{t}] is forbidden.")
            }
        }
    }
}

impl std::error::Error for TopicNameError {}

/// Java's `Character.isWhitespace`, which `UtilAll.isBlank` uses: Unicode spaces except the
/// no-break ones, plus the ASCII controls U+001C..=U+001F.
fn is_java_whitespace(c: char) -> bool {
    (c.is_whitespace() && !matches!(c, '\u{85}' | '\u{a0}' | '\u{2007}' | '\u{202f}'))
        || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Java's `TopicValidator.validateTopic`: not blank, only `[%|a-zA-Z0-9_-]`, at most
/// [`TOPIC_MAX_LENGTH`] characters (checked in that order, as Java does).
///
/// # Errors
///
/// [`TopicNameError::Blank`], [`TopicNameError::IllegalCharacters`] or
/// [`TopicNameError::TooLong`].
pub fn validate_topic(topic: &str) -> Result<(), TopicNameError> {
    if topic.chars().all(is_java_whitespace) {
        return Err(TopicNameError::Blank);
    }
    if is_topic_or_group_illegal(topic) {
        return Err(TopicNameError::IllegalCharacters(topic.to_string()));
    }
    // Only ASCII is left, so bytes are characters.
    if topic.len() > TOPIC_MAX_LENGTH {
        return Err(TopicNameError::TooLong(topic.to_string()));
    }
    Ok(())
}

/// The checks of a send (`msgCheck`): [`validate_topic`], then not a topic clients may not
/// send to.
///
/// # Errors
///
/// As [`validate_topic`], or [`TopicNameError::NotAllowedToSend`].
pub fn validate_send_topic(topic: &str) -> Result<(), TopicNameError> {
    validate_topic(topic)?;
    if is_not_allowed_send_topic(topic) {
        return Err(TopicNameError::NotAllowedToSend(topic.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names() {
        assert_eq!(validate_topic("TopicTest"), Ok(()));
        assert_eq!(validate_topic("%RETRY%G-1|x_y"), Ok(()));
        assert_eq!(validate_topic(""), Err(TopicNameError::Blank));
        assert_eq!(validate_topic(" \t"), Err(TopicNameError::Blank));
        assert_eq!(
            validate_topic("a b"),
            Err(TopicNameError::IllegalCharacters("a b".into()))
        );
        assert!(matches!(
            validate_topic("T@G"),
            Err(TopicNameError::IllegalCharacters(_))
        ));
        assert!(matches!(
            validate_topic("tôpic"),
            Err(TopicNameError::IllegalCharacters(_))
        ));
        // U+00A0 is not blank for Java, just illegal.
        assert!(matches!(
            validate_topic("\u{a0}"),
            Err(TopicNameError::IllegalCharacters(_))
        ));
        assert_eq!(validate_topic(&"t".repeat(127)), Ok(()));
        let long = "t".repeat(128);
        assert_eq!(validate_topic(&long), Err(TopicNameError::TooLong(long)));
        assert_eq!(
            validate_topic("a b").unwrap_err().to_string(),
            "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"
        );
        assert!(!validate_topic("").unwrap_err().is_forbidden());
    }

    #[test]
    fn send_restrictions_and_system_names() {
        let e = validate_send_topic(RMQ_SYS_SCHEDULE_TOPIC).unwrap_err();
        assert!(e.is_forbidden());
        assert_eq!(
            e.to_string(),
            "Sending message to topic[SCHEDULE_TOPIC_XXXX] is forbidden."
        );
        assert_eq!(validate_send_topic(AUTO_CREATE_TOPIC_KEY_TOPIC), Ok(()));
        assert!(is_fixed_system_topic("TBW102"));
        assert!(is_fixed_system_topic("rmq_sys_anything"));
        assert!(!is_fixed_system_topic("TopicTest"));
        assert_eq!(retry_topic("G"), "%RETRY%G");
        assert_eq!(dlq_topic("G"), "%DLQ%G");
        assert_eq!(reply_topic("DefaultCluster"), "DefaultCluster_REPLY_TOPIC");
        assert!(is_sys_consumer_group(CID_SYS_RMQ_TRANS));
        assert!(!is_sys_consumer_group("CID_X"));
        assert!(!is_topic_or_group_illegal("CID_ONS-HTTP-PROXY"));
    }
}
