//! Message filtering for subscriptions: what a consumer's subscription expression selects, as
//! the broker applies it to a pull.
//!
//! * [`tag`] — tag expressions (`TagA || TagB`, `*`) parsed into [`SubscriptionData`] as the
//!   Java client's `FilterAPI` does, and [`TagFilter`], the store's
//!   [`MessageFilter`](crate::store::message_store::MessageFilter) a pull reads through: tag hash
//!   codes from the ConsumeQueue, or a SQL92 selector over the stored record's properties.
//! * [`sql92`] — SQL92 selectors (`MessageSelector.bySql(..)`): lexer, parser with Java's
//!   compile-time checks, and an evaluator with Java's value semantics.
//!
//! Pure logic over the protocol's subscription data and the store's message model: no I/O, no
//! broker state.
//!
//! [`SubscriptionData`]: crate::protocol::body::SubscriptionData

pub mod sql92;
pub mod tag;

pub use sql92::{SqlError, SqlExpression};
pub use tag::{build_subscription, is_tag_type, TagFilter};
