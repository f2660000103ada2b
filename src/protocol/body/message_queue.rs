//! `MessageQueue`: one queue of a topic on one broker, the key of most per-queue tables.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::protocol::fastjson::java_string_cmp;

/// `{"brokerName":"b","queueId":0,"topic":"T"}`. As a map key fastjson writes it bare (see
/// the module docs of [`fastjson`](crate::protocol::fastjson)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageQueue {
    pub topic: String,
    pub broker_name: String,
    pub queue_id: i32,
}

impl MessageQueue {
    pub fn new(topic: impl Into<String>, broker_name: impl Into<String>, queue_id: i32) -> Self {
        MessageQueue {
            topic: topic.into(),
            broker_name: broker_name.into(),
            queue_id,
        }
    }
}

/// Java's `MessageQueue.compareTo`: topic, then broker name (both as Java strings), then queue
/// id. Tables keyed by `MessageQueue` therefore iterate in the order Java's `TreeMap` would.
impl Ord for MessageQueue {
    fn cmp(&self, other: &Self) -> Ordering {
        java_string_cmp(&self.topic, &other.topic)
            .then_with(|| java_string_cmp(&self.broker_name, &other.broker_name))
            .then_with(|| self.queue_id.cmp(&other.queue_id))
    }
}

impl PartialOrd for MessageQueue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Java's `toString`, which admin tools print.
impl fmt::Display for MessageQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MessageQueue [topic={}, brokerName={}, queueId={}]",
            self.topic, self.broker_name, self.queue_id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_like_java_compare_to() {
        let mut v = [
            MessageQueue::new("T", "b", 1),
            MessageQueue::new("T", "a", 2),
            MessageQueue::new("S", "z", 9),
            MessageQueue::new("T", "a", 0),
        ];
        v.sort();
        let keys: Vec<_> = v
            .iter()
            .map(|q| format!("{}/{}/{}", q.topic, q.broker_name, q.queue_id))
            .collect();
        assert_eq!(keys, ["S/z/9", "T/a/0", "T/a/2", "T/b/1"]);
    }

    #[test]
    fn json_shape() {
        let q = MessageQueue::new("T", "b", 3);
        let text =
            crate::protocol::fastjson::to_vec(&q, crate::protocol::fastjson::JsonStyle::Fastjson);
        assert_eq!(text, br#"{"brokerName":"b","queueId":3,"topic":"T"}"#);
        assert_eq!(
            q.to_string(),
            "MessageQueue [topic=T, brokerName=b, queueId=3]"
        );
    }
}
