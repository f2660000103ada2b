//! Message lookups (mqadmin queryMsgById, queryMsgByKey, queryMsgByOffset): by offset message
//! id (VIEW_MESSAGE_BY_ID at the decoded store host and CommitLog offset), by client id
//! (UNIQ_KEY) or key (QUERY_MESSAGE over every broker of the topic, keeping only true matches of
//! the hashed index), and by queue offset (a one-message pull). Each answers whole stored
//! records with the broker name when known.

use std::sync::Arc;

use bytes::Bytes;

use super::consumer::{PullConsumer, TOOLS_GROUP};
use super::message_id::plausible_offset_id;
use super::messaging::QueueAddr;
use super::{ClientError, MqClient, Result};
use crate::common::message::{decode_records, property, RecordView};
use crate::protocol::body::TopicRouteData;
use crate::protocol::ResponseCode;

/// A stored record (`common::message::decode_records` reads it) and its broker's name.
#[derive(Clone, Debug)]
pub struct Found {
    pub record: Bytes,
    pub broker: Option<String>,
}

/// The limits of a key lookup.
#[derive(Clone, Debug)]
pub struct KeyQuery<'a> {
    /// Only this broker (name).
    pub broker: Option<&'a str>,
    /// Most messages per broker.
    pub max: i32,
    /// Stored at or after (epoch ms).
    pub begin: i64,
    /// Stored at or before (epoch ms).
    pub end: i64,
}

impl Default for KeyQuery<'_> {
    fn default() -> Self {
        KeyQuery {
            broker: None,
            max: 64,
            begin: 0,
            end: i64::MAX,
        }
    }
}

/// (broker name, master address) of each broker in a route.
fn route_masters(route: &TopicRouteData) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = route
        .broker_datas
        .iter()
        .filter_map(|b| Some((b.broker_name.clone(), b.master_addr()?.to_string())))
        .collect();
    out.sort();
    out.dedup();
    out
}

impl MqClient {
    /// The broker name of a store address, when the name server knows it.
    pub async fn broker_name_of(&self, addr: &str) -> Option<String> {
        let info = self.cluster_info().await.ok()?;
        info.broker_addr_table
            .iter()
            .find(|(_, d)| d.broker_addrs.values().any(|a| a == addr))
            .map(|(n, _)| n.clone())
    }

    /// A message by id: an offset id is read from its broker; anything else (or an offset id
    /// its broker does not have) is looked up as a client id in `topic`.
    pub async fn lookup_by_id(&self, id: &str, topic: Option<&str>) -> Result<Vec<Found>> {
        let id = id.trim().to_ascii_uppercase();
        let mut offset_error = None;
        if let Some((addr, phys)) = plausible_offset_id(&id) {
            let addr = addr.to_string();
            match self.view_message(&addr, phys).await {
                Ok(bytes) => {
                    let matches = decode_records(&bytes)
                        .next()
                        .and_then(std::result::Result::ok)
                        .is_some_and(|r| r.offset_msg_id() == id);
                    if matches {
                        let broker = self.broker_name_of(&addr).await;
                        return Ok(vec![Found {
                            record: bytes,
                            broker,
                        }]);
                    }
                    offset_error = Some(format!("{addr} has no message starting at offset {phys}"));
                }
                Err(e) => offset_error = Some(e.to_string()),
            }
        }
        let Some(topic) = topic else {
            return Err(ClientError::Other(format!(
                "message id {id} is not an offset id of a reachable broker{}; for a client id \
                 (UNIQ_KEY) pass -t TOPIC",
                offset_error.map(|e| format!(" ({e})")).unwrap_or_default()
            )));
        };
        let mut seen = Vec::new();
        let query = KeyQuery {
            max: 32,
            ..KeyQuery::default()
        };
        let found = self
            .query_brokers(topic, &id, &query, true, |r| {
                let matches = r.property(property::UNIQ_KEY).as_deref() == Some(id.as_str())
                    && !seen.contains(&r.offset_msg_id());
                if matches {
                    seen.push(r.offset_msg_id());
                }
                matches
            })
            .await?;
        if found.is_empty() {
            return Err(ClientError::Other(format!(
                "no message with id {id} in topic {topic}"
            )));
        }
        Ok(found)
    }

    /// Messages of `topic` whose KEYS hold `key`, from every broker of the topic.
    pub async fn lookup_by_key(
        &self,
        topic: &str,
        key: &str,
        query: &KeyQuery<'_>,
    ) -> Result<Vec<Found>> {
        // The index holds key hashes: keep only messages that really carry the key.
        let found = self
            .query_brokers(topic, key, query, false, |r| {
                r.property(property::KEYS)
                    .is_some_and(|k| k.split(' ').any(|k| k == key))
            })
            .await?;
        if found.is_empty() {
            return Err(ClientError::Other(format!(
                "no message with key {key} in topic {topic}"
            )));
        }
        Ok(found)
    }

    /// QUERY_MESSAGE for `key` (a client id with `unique`) on every master of `topic` (only
    /// `query.broker` when given), keeping the records `keep` accepts.
    async fn query_brokers(
        &self,
        topic: &str,
        key: &str,
        query: &KeyQuery<'_>,
        unique: bool,
        mut keep: impl FnMut(&RecordView<'_>) -> bool,
    ) -> Result<Vec<Found>> {
        let route = self
            .route(topic)
            .await
            .map_err(|e| e.context(format!("cannot read the route of topic {topic}")))?;
        let what = if unique { "unique key" } else { "key" };
        let mut found = Vec::new();
        for (name, addr) in route_masters(&route) {
            if query.broker.is_some_and(|b| b != name) {
                continue;
            }
            let bytes = self
                .query_message(&addr, topic, key, query.max, query.begin, query.end, unique)
                .await
                .map_err(|e| e.context(format!("cannot query {name} ({addr}) by {what}")))?;
            for r in decode_records(&bytes).flatten() {
                if keep(&r) {
                    found.push(Found {
                        record: bytes.slice_ref(r.raw),
                        broker: Some(name.clone()),
                    });
                }
            }
        }
        Ok(found)
    }

    /// The message at `offset` of queue `q` of `topic`.
    pub async fn lookup_by_queue_offset(
        self: &Arc<Self>,
        topic: &str,
        q: &QueueAddr,
        offset: i64,
    ) -> Result<Found> {
        let consumer = PullConsumer::new(self.clone(), topic, TOOLS_GROUP);
        let o = consumer
            .pull(q, offset, 1, None)
            .await
            .map_err(|e| e.context(format!("cannot pull from {}/{}", q.broker_name, q.queue_id)))?;
        let first = decode_records(&o.body)
            .next()
            .and_then(std::result::Result::ok);
        match first {
            Some(r) if o.code == ResponseCode::SUCCESS && r.queue_offset == offset => Ok(Found {
                record: o.body.slice_ref(r.raw),
                broker: Some(q.broker_name.clone()),
            }),
            _ => Err(ClientError::Other(format!(
                "no message at offset {offset} of {}/{} (the queue holds {}..{})",
                q.broker_name, q.queue_id, o.min_offset, o.max_offset
            ))),
        }
    }
}
