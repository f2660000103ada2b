//! The broker's config files under `<store>/config` (`topics.json`, `consumerOffset.json`,
//! `subscriptionGroup.json`, `delayOffset.json`), told apart by their content.

use std::path::Path;

use serde_json::Value;

use super::name_of;

/// What a config file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigShape {
    /// `topics.json`: `topicConfigTable`.
    Topics,
    /// `consumerOffset.json`: `offsetTable` keyed by `topic@group`.
    ConsumerOffsets,
    /// `subscriptionGroup.json`: `subscriptionGroupTable`.
    SubscriptionGroups,
    /// `delayOffset.json`: `offsetTable` keyed by delay level.
    DelayOffsets,
    /// None of the above.
    Unknown,
}

/// Tells what a config document holds from its keys; an empty `offsetTable` is told by the
/// file name. The document is what `fastjson` syntax (bare integer keys) parses to.
pub fn config_shape(doc: &Value, path: &Path) -> ConfigShape {
    if doc.get("topicConfigTable").is_some_and(Value::is_object) {
        return ConfigShape::Topics;
    }
    if doc
        .get("subscriptionGroupTable")
        .is_some_and(Value::is_object)
    {
        return ConfigShape::SubscriptionGroups;
    }
    if let Some(table) = doc.get("offsetTable").and_then(Value::as_object) {
        // consumerOffset.json keys are "topic@group"; delayOffset.json keys are delay levels.
        if table.keys().any(|k| k.contains('@')) {
            return ConfigShape::ConsumerOffsets;
        }
        if !table.is_empty() && table.keys().all(|k| k.parse::<i64>().is_ok()) {
            return ConfigShape::DelayOffsets;
        }
        return if name_of(path).starts_with("delayOffset") {
            ConfigShape::DelayOffsets
        } else {
            ConfigShape::ConsumerOffsets
        };
    }
    ConfigShape::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_shapes_are_told_by_content() {
        let p = Path::new("x.json");
        // What fastjson's bare integer keys (`{0:1}`) parse to.
        let doc = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert_eq!(
            config_shape(&doc(r#"{"topicConfigTable":{}}"#), p),
            ConfigShape::Topics
        );
        assert_eq!(
            config_shape(&doc(r#"{"offsetTable":{"T@G":{"0":1}}}"#), p),
            ConfigShape::ConsumerOffsets
        );
        assert_eq!(
            config_shape(&doc(r#"{"offsetTable":{"1":5,"2":0}}"#), p),
            ConfigShape::DelayOffsets
        );
        assert_eq!(
            config_shape(&doc(r#"{"offsetTable":{}}"#), Path::new("delayOffset.json")),
            ConfigShape::DelayOffsets
        );
        assert_eq!(config_shape(&doc("{}"), p), ConfigShape::Unknown);
    }
}
