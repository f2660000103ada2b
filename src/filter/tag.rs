//! Subscription expressions and message filtering. Tag expressions are parsed exactly as the
//! Java client's `FilterAPI` does (`TagA || TagB`, with or without spaces; `*` or empty for
//! everything) and matched against the ConsumeQueue's tag hash, so a pull returns only matching
//! messages over the wire.

use super::sql92::{SqlError, SqlExpression};
use crate::common::message::{java_string_hash, RecordView};
use crate::protocol::body::{SubscriptionData, EXPRESSION_TYPE_TAG, SUB_ALL};
use crate::store::message_store::MessageFilter;

/// Builds a subscription from a topic and a tag expression.
pub fn build_subscription(
    topic: &str,
    expression: Option<&str>,
    expression_type: Option<&str>,
) -> SubscriptionData {
    let expression_type = expression_type
        .filter(|t| !t.is_empty())
        .unwrap_or(EXPRESSION_TYPE_TAG);
    let mut sub = SubscriptionData {
        topic: topic.to_string(),
        expression_type: expression_type.to_string(),
        ..SubscriptionData::default()
    };
    let expr = expression.map(str::trim).unwrap_or("");
    if !expression_type.eq_ignore_ascii_case(EXPRESSION_TYPE_TAG) {
        sub.sub_string = expr.to_string();
        return sub;
    }
    if expr.is_empty() || expr == SUB_ALL {
        sub.sub_string = SUB_ALL.to_string();
        return sub;
    }
    sub.sub_string = expr.to_string();
    for tag in expr.split("||").map(str::trim).filter(|t| !t.is_empty()) {
        if !sub.tags_set.iter().any(|t| t == tag) {
            sub.tags_set.push(tag.to_string());
            sub.code_set.push(java_string_hash(tag));
        }
    }
    sub
}

/// Whether a subscription is a tag subscription.
pub fn is_tag_type(sub: &SubscriptionData) -> bool {
    sub.expression_type.is_empty()
        || sub
            .expression_type
            .eq_ignore_ascii_case(EXPRESSION_TYPE_TAG)
}

/// The filter a pull applies (Java `ExpressionMessageFilter`): tag hash codes from the
/// ConsumeQueue for tag subscriptions; for SQL92 subscriptions every ConsumeQueue entry passes
/// and the expression is evaluated on the stored record's properties.
pub struct TagFilter<'a> {
    sub: Option<&'a SubscriptionData>,
    sql: Option<SqlExpression>,
}

impl<'a> TagFilter<'a> {
    /// A filter for a tag subscription (SQL92 subscriptions go through [`TagFilter::compile`]).
    pub fn new(sub: Option<&'a SubscriptionData>) -> Self {
        TagFilter { sub, sql: None }
    }

    /// A filter for any subscription; a SQL92 expression that does not compile is an error.
    pub fn compile(sub: &'a SubscriptionData) -> Result<Self, SqlError> {
        let sql = if is_tag_type(sub) {
            None
        } else {
            Some(SqlExpression::compile(&sub.sub_string)?)
        };
        Ok(TagFilter {
            sub: Some(sub),
            sql,
        })
    }
}

impl MessageFilter for TagFilter<'_> {
    fn matches_record(&self, record: &RecordView<'_>) -> bool {
        match &self.sql {
            Some(sql) => sql.matches_properties(&record.properties()),
            None => true,
        }
    }

    fn matches_tags_code(&self, tags_code: i64) -> bool {
        let Some(sub) = self.sub else { return true };
        if sub.class_filter_mode
            || !is_tag_type(sub)
            || sub.sub_string == SUB_ALL
            || sub.sub_string.is_empty()
        {
            return true;
        }
        // Java compares `codeSet.contains(tagsCode.intValue())`.
        sub.code_set.contains(&(tags_code as i32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::message::tags_code;

    #[test]
    fn tag_expressions_parse_like_java() {
        for expr in [
            "TagA || TagB",
            "TagA||TagB",
            " TagA ||TagB|| ",
            "TagA || TagB || TagA",
        ] {
            let sub = build_subscription("T", Some(expr), None);
            assert_eq!(sub.tags_set, vec!["TagA", "TagB"], "{expr:?}");
            assert_eq!(
                sub.code_set,
                vec![java_string_hash("TagA"), java_string_hash("TagB")]
            );
        }
        for expr in [None, Some(""), Some("*"), Some(" * ")] {
            assert_eq!(build_subscription("T", expr, Some("TAG")).sub_string, "*");
        }
    }

    #[test]
    fn filter_matches_by_hash() {
        let sub = build_subscription("T", Some("TagA || TagB"), None);
        let f = TagFilter::new(Some(&sub));
        assert!(f.matches_tags_code(tags_code(Some("TagA"))));
        assert!(f.matches_tags_code(tags_code(Some("TagB"))));
        assert!(!f.matches_tags_code(tags_code(Some("TagC"))));
        assert!(
            !f.matches_tags_code(0),
            "untagged messages do not match a tag list"
        );
        let all = build_subscription("T", Some("*"), None);
        assert!(TagFilter::new(Some(&all)).matches_tags_code(12345));
    }
}
