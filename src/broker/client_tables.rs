//! The tables of connected clients (Java's `ConsumerManager` and `ProducerManager`): consumer
//! groups (members, subscriptions, how they consume) and producer groups, kept from heartbeats
//! and dropped when a connection closes or stays silent for 120 s. The requests that fill them
//! are answered in `processor/heartbeat.rs`.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::net::Connection;
use crate::protocol::body::{self, ConsumeFromWhere, ConsumeType, MessageModel, SubscriptionData};
use crate::protocol::LanguageCode;

/// A client heard from recently, with the connection it came on.
#[derive(Clone, Debug)]
pub struct ClientChannel {
    pub conn: Connection,
    pub client_id: String,
    pub language: LanguageCode,
    pub version: i32,
    pub last_update: Instant,
}

impl ClientChannel {
    /// The admin view of this client (GET_*_CONNECTION_LIST).
    pub fn to_body(&self) -> body::Connection {
        body::Connection {
            client_id: self.client_id.clone(),
            client_addr: self.conn.peer_addr().to_string(),
            language: self.language,
            version: self.version,
        }
    }
}

/// One consumer group as seen by this broker.
#[derive(Clone, Debug)]
pub struct ConsumerGroupInfo {
    pub group: String,
    /// By connection id.
    pub channels: HashMap<u64, ClientChannel>,
    /// By topic.
    pub subscriptions: HashMap<String, SubscriptionData>,
    pub consume_type: ConsumeType,
    pub message_model: MessageModel,
    pub consume_from_where: ConsumeFromWhere,
}

impl ConsumerGroupInfo {
    /// Client ids, sorted (consumers sort them too before allocating queues).
    pub fn client_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .channels
            .values()
            .map(|c| c.client_id.clone())
            .collect();
        ids.sort();
        ids
    }
}

/// What a consumer heartbeat says about one group.
pub struct ConsumerRegistration {
    pub consume_type: ConsumeType,
    pub message_model: MessageModel,
    pub consume_from_where: ConsumeFromWhere,
    pub subscriptions: Vec<SubscriptionData>,
}

#[derive(Default)]
pub struct ConsumerManager {
    groups: RwLock<HashMap<String, ConsumerGroupInfo>>,
}

impl ConsumerManager {
    /// Records a heartbeat. Returns whether the group's membership changed (a new client), in
    /// which case every member should be told to rebalance.
    pub fn register(&self, group: &str, channel: ClientChannel, reg: ConsumerRegistration) -> bool {
        let mut groups = self.groups.write().unwrap_or_else(|p| p.into_inner());
        let info = groups
            .entry(group.to_string())
            .or_insert_with(|| ConsumerGroupInfo {
                group: group.to_string(),
                channels: HashMap::new(),
                subscriptions: HashMap::new(),
                consume_type: reg.consume_type.clone(),
                message_model: reg.message_model.clone(),
                consume_from_where: reg.consume_from_where.clone(),
            });
        info.consume_type = reg.consume_type;
        info.message_model = reg.message_model;
        info.consume_from_where = reg.consume_from_where;
        let changed = match info.channels.get_mut(&channel.conn.id()) {
            Some(existing) => {
                existing.last_update = channel.last_update;
                existing.client_id = channel.client_id;
                false
            }
            None => {
                info.channels.insert(channel.conn.id(), channel);
                true
            }
        };
        // Newer subscription versions replace older ones; topics no longer subscribed go.
        for sub in &reg.subscriptions {
            match info.subscriptions.get(&sub.topic) {
                Some(old) if old.sub_version >= sub.sub_version => {}
                _ => {
                    info.subscriptions.insert(sub.topic.clone(), sub.clone());
                }
            }
        }
        info.subscriptions
            .retain(|topic, _| reg.subscriptions.iter().any(|s| &s.topic == topic));
        changed
    }

    /// Removes one client from a group (UNREGISTER_CLIENT). Returns whether it was a member.
    pub fn unregister(&self, group: &str, conn_id: u64) -> bool {
        let mut groups = self.groups.write().unwrap_or_else(|p| p.into_inner());
        let Some(info) = groups.get_mut(group) else {
            return false;
        };
        let removed = info.channels.remove(&conn_id).is_some();
        if info.channels.is_empty() {
            groups.remove(group);
        }
        removed
    }

    /// Removes a closed connection from every group; returns the groups that lost a member.
    pub fn remove_connection(&self, conn_id: u64) -> Vec<String> {
        let mut groups = self.groups.write().unwrap_or_else(|p| p.into_inner());
        let mut affected = Vec::new();
        groups.retain(|name, info| {
            if info.channels.remove(&conn_id).is_some() {
                affected.push(name.clone());
            }
            !info.channels.is_empty()
        });
        affected
    }

    /// Drops clients silent for longer than `timeout`; returns the groups that lost members
    /// and the expired connections (to be closed).
    pub fn expire(&self, timeout: Duration) -> (Vec<String>, Vec<Connection>) {
        let mut groups = self.groups.write().unwrap_or_else(|p| p.into_inner());
        let mut affected = Vec::new();
        let mut closed = Vec::new();
        groups.retain(|name, info| {
            let before = info.channels.len();
            info.channels.retain(|_, c| {
                let alive = c.last_update.elapsed() <= timeout;
                if !alive {
                    closed.push(c.conn.clone());
                }
                alive
            });
            if info.channels.len() != before {
                affected.push(name.clone());
            }
            !info.channels.is_empty()
        });
        (affected, closed)
    }

    pub fn group(&self, group: &str) -> Option<ConsumerGroupInfo> {
        self.groups
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(group)
            .cloned()
    }

    pub fn subscription(&self, group: &str, topic: &str) -> Option<SubscriptionData> {
        self.group_subscription(group, topic)?.0
    }

    /// For a pull: whether the group is registered at all, its subscription of `topic` (if
    /// any), and whether it consumes in BROADCASTING mode.
    pub fn group_subscription(
        &self,
        group: &str,
        topic: &str,
    ) -> Option<(Option<SubscriptionData>, bool)> {
        let groups = self.groups.read().unwrap_or_else(|p| p.into_inner());
        let info = groups.get(group)?;
        Some((
            info.subscriptions.get(topic).cloned(),
            info.message_model == MessageModel::Broadcasting,
        ))
    }

    /// Connections of a group's members (for NOTIFY_CONSUMER_IDS_CHANGED).
    pub fn connections(&self, group: &str) -> Vec<Connection> {
        let groups = self.groups.read().unwrap_or_else(|p| p.into_inner());
        groups
            .get(group)
            .map(|g| g.channels.values().map(|c| c.conn.clone()).collect())
            .unwrap_or_default()
    }

    /// Online groups subscribing `topic`.
    pub fn groups_subscribing(&self, topic: &str) -> Vec<String> {
        let groups = self.groups.read().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<String> = groups
            .values()
            .filter(|g| g.subscriptions.contains_key(topic))
            .map(|g| g.group.clone())
            .collect();
        v.sort();
        v
    }

    pub fn group_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .groups
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        v.sort();
        v
    }
}

#[derive(Default)]
pub struct ProducerManager {
    groups: RwLock<HashMap<String, HashMap<u64, ClientChannel>>>,
}

impl ProducerManager {
    pub fn register(&self, group: &str, channel: ClientChannel) {
        let mut groups = self.groups.write().unwrap_or_else(|p| p.into_inner());
        let members = groups.entry(group.to_string()).or_default();
        match members.get_mut(&channel.conn.id()) {
            Some(existing) => existing.last_update = channel.last_update,
            None => {
                members.insert(channel.conn.id(), channel);
            }
        }
    }

    pub fn unregister(&self, group: &str, conn_id: u64) {
        let mut groups = self.groups.write().unwrap_or_else(|p| p.into_inner());
        if let Some(members) = groups.get_mut(group) {
            members.remove(&conn_id);
            if members.is_empty() {
                groups.remove(group);
            }
        }
    }

    pub fn remove_connection(&self, conn_id: u64) {
        let mut groups = self.groups.write().unwrap_or_else(|p| p.into_inner());
        groups.retain(|_, members| {
            members.remove(&conn_id);
            !members.is_empty()
        });
    }

    pub fn expire(&self, timeout: Duration) -> Vec<Connection> {
        let mut groups = self.groups.write().unwrap_or_else(|p| p.into_inner());
        let mut closed = Vec::new();
        groups.retain(|_, members| {
            members.retain(|_, c| {
                let alive = c.last_update.elapsed() <= timeout;
                if !alive {
                    closed.push(c.conn.clone());
                }
                alive
            });
            !members.is_empty()
        });
        closed
    }

    /// Every producer group with its members (GET_ALL_PRODUCER_INFO), groups sorted.
    pub fn all(&self) -> Vec<(String, Vec<ClientChannel>)> {
        let groups = self.groups.read().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<(String, Vec<ClientChannel>)> = groups
            .iter()
            .map(|(group, members)| (group.clone(), members.values().cloned().collect()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Members of a producer group.
    pub fn channels(&self, group: &str) -> Vec<ClientChannel> {
        let groups = self.groups.read().unwrap_or_else(|p| p.into_inner());
        groups
            .get(group)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The connection of the producer client `client_id`, in whichever group it registered
    /// (Java `ProducerManager.findChannel`, where a reply goes to its requester).
    pub fn find_by_client_id(&self, client_id: &str) -> Option<Connection> {
        let groups = self.groups.read().unwrap_or_else(|p| p.into_inner());
        groups
            .values()
            .flat_map(|members| members.values())
            .filter(|c| c.client_id == client_id && !c.conn.is_closed())
            .max_by_key(|c| c.last_update)
            .map(|c| c.conn.clone())
    }

    /// Any live connection of the group (for transaction check-backs).
    pub fn any_connection(&self, group: &str) -> Option<Connection> {
        let groups = self.groups.read().unwrap_or_else(|p| p.into_inner());
        groups
            .get(group)?
            .values()
            .max_by_key(|c| c.last_update)
            .map(|c| c.conn.clone())
    }
}
