//! The route tables (`RouteInfoManager`): which brokers exist, which cluster each belongs to,
//! which topics each master serves, and when each broker last registered.
//!
//! Everything lives behind one `std::sync::RwLock`; every method takes it once, for a short,
//! purely in-memory critical section, and never across an `.await`. Time is passed in
//! (`now: Instant`) so expiry is testable without sleeping.
//!
//! Rules kept from Java 4.9.8:
//! - only a master's (brokerId 0) registration updates queue data, and only when its topic
//!   table's DataVersion differs from the last one seen for that address, or on the first
//!   registration of that broker id;
//! - a broker address registered under another id of the same group is replaced (a slave
//!   promoted to master re-registers with id 0 from the same address);
//! - a slave's registration answers the master's address and HA address when the master is
//!   alive;
//! - queue data is dropped only when the last address of a broker name goes away (unregister,
//!   expiry, closed connection), never for a lone slave.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use crate::protocol::body::{
    BrokerData, ClusterInfo, DataVersion, QueueData, TopicConfig, TopicConfigSerializeWrapper,
    TopicList, TopicRouteData, MASTER_ID,
};

/// A broker that has not registered for this long is removed (`BROKER_CHANNEL_EXPIRED_TIME`).
pub const BROKER_EXPIRY: Duration = Duration::from_secs(120);

/// Read permission bit (`PermName.PERM_READ`).
pub const PERM_READ: i32 = 1 << 2;
/// Write permission bit (`PermName.PERM_WRITE`).
pub const PERM_WRITE: i32 = 1 << 1;

/// One REGISTER_BROKER, decoded.
#[derive(Clone, Debug, Default)]
pub struct BrokerRegistration {
    pub cluster_name: String,
    /// `ip:port` the broker serves clients on; the key of its live entry.
    pub broker_addr: String,
    pub broker_name: String,
    /// 0 = master, ≥ 1 = slave.
    pub broker_id: i64,
    /// `ip:port` of the broker's HA service, handed to its slaves.
    pub ha_server_addr: String,
    pub topic_config: TopicConfigSerializeWrapper,
    /// `None` (pre-3.0.11 brokers): leave the broker's filter servers as they are.
    pub filter_server_list: Option<Vec<String>>,
    /// The connection the registration came on, so its close unregisters the broker.
    pub connection_id: Option<u64>,
}

/// What a registration answers: for a slave whose master is alive, where the master is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegisterBrokerResult {
    pub ha_server_addr: Option<String>,
    pub master_addr: Option<String>,
}

/// A broker removed by [`RouteInfoManager::scan_not_active_brokers`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpiredBroker {
    pub broker_addr: String,
    /// The connection it registered on, which the caller should close (as Java does).
    pub connection_id: Option<u64>,
    /// Time since its last registration.
    pub silent_for: Duration,
}

#[derive(Clone, Debug)]
struct BrokerLiveInfo {
    last_update: Instant,
    data_version: DataVersion,
    connection_id: Option<u64>,
    ha_server_addr: String,
}

#[derive(Debug, Default)]
struct Tables {
    /// topic → broker name → queues of that broker.
    topic_queue: BTreeMap<String, BTreeMap<String, QueueData>>,
    /// broker name → its group.
    broker_addr: BTreeMap<String, BrokerData>,
    /// cluster name → broker names.
    cluster_addr: BTreeMap<String, BTreeSet<String>>,
    /// broker address → liveness.
    broker_live: HashMap<String, BrokerLiveInfo>,
    /// broker address → its filter servers.
    filter_server: HashMap<String, Vec<String>>,
}

/// The name server's route tables. Cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct RouteInfoManager {
    tables: RwLock<Tables>,
}

impl RouteInfoManager {
    pub fn new() -> RouteInfoManager {
        RouteInfoManager::default()
    }

    /// Records a broker's registration at `now` (REGISTER_BROKER).
    pub fn register_broker(&self, reg: BrokerRegistration, now: Instant) -> RegisterBrokerResult {
        let mut t = self.write();
        t.cluster_addr
            .entry(reg.cluster_name.clone())
            .or_default()
            .insert(reg.broker_name.clone());

        let mut register_first = !t.broker_addr.contains_key(&reg.broker_name);
        let group = t
            .broker_addr
            .entry(reg.broker_name.clone())
            .or_insert_with(|| BrokerData {
                cluster: reg.cluster_name.clone(),
                broker_name: reg.broker_name.clone(),
                broker_addrs: BTreeMap::new(),
            });
        // One address holds one id: a promoted slave re-registers as id 0 from its old address.
        group
            .broker_addrs
            .retain(|id, addr| *id == reg.broker_id || *addr != reg.broker_addr);
        let old_addr = group
            .broker_addrs
            .insert(reg.broker_id, reg.broker_addr.clone());
        register_first |= old_addr.is_none();

        if reg.broker_id == MASTER_ID {
            let changed = t
                .broker_live
                .get(&reg.broker_addr)
                .is_none_or(|live| live.data_version != reg.topic_config.data_version);
            if changed || register_first {
                for config in reg.topic_config.topic_config_table.values() {
                    create_or_update_queue_data(&mut t, &reg.broker_name, config);
                }
            }
        }

        let previous = t.broker_live.insert(
            reg.broker_addr.clone(),
            BrokerLiveInfo {
                last_update: now,
                data_version: reg.topic_config.data_version.clone(),
                connection_id: reg.connection_id,
                ha_server_addr: reg.ha_server_addr.clone(),
            },
        );
        if previous.is_none() {
            tracing::info!(
                broker = %reg.broker_name,
                id = reg.broker_id,
                addr = %reg.broker_addr,
                cluster = %reg.cluster_name,
                ha = %reg.ha_server_addr,
                "new broker registered"
            );
        }

        if let Some(list) = reg.filter_server_list {
            if list.is_empty() {
                t.filter_server.remove(&reg.broker_addr);
            } else {
                t.filter_server.insert(reg.broker_addr.clone(), list);
            }
        }

        let mut result = RegisterBrokerResult::default();
        if reg.broker_id != MASTER_ID {
            let master = t
                .broker_addr
                .get(&reg.broker_name)
                .and_then(|g| g.master_addr())
                .map(str::to_string);
            if let Some(master) = master {
                if let Some(live) = t.broker_live.get(&master) {
                    result.ha_server_addr = Some(live.ha_server_addr.clone());
                    result.master_addr = Some(master);
                }
            }
        }
        result
    }

    /// Removes one broker address (UNREGISTER_BROKER, sent by a broker shutting down).
    pub fn unregister_broker(
        &self,
        cluster_name: &str,
        broker_addr: &str,
        broker_name: &str,
        broker_id: i64,
    ) {
        let mut t = self.write();
        let was_live = t.broker_live.remove(broker_addr).is_some();
        t.filter_server.remove(broker_addr);
        let mut name_gone = false;
        if let Some(group) = t.broker_addr.get_mut(broker_name) {
            group.broker_addrs.remove(&broker_id);
            if group.broker_addrs.is_empty() {
                t.broker_addr.remove(broker_name);
                name_gone = true;
            }
        }
        if name_gone {
            if let Some(names) = t.cluster_addr.get_mut(cluster_name) {
                names.remove(broker_name);
                if names.is_empty() {
                    t.cluster_addr.remove(cluster_name);
                }
            }
            remove_topics_of_broker(&mut t, broker_name);
        }
        tracing::info!(
            broker = broker_name,
            id = broker_id,
            addr = broker_addr,
            was_live,
            broker_name_removed = name_gone,
            "broker unregistered"
        );
    }

    /// The route of `topic`, or `None` when no broker serves it (TOPIC_NOT_EXIST). The
    /// `orderTopicConf` is left for the caller to fill.
    pub fn topic_route(&self, topic: &str) -> Option<TopicRouteData> {
        let t = self.read();
        let queues = t.topic_queue.get(topic)?;
        let mut route = TopicRouteData {
            queue_datas: queues.values().cloned().collect(),
            ..TopicRouteData::default()
        };
        for name in queues.keys() {
            if let Some(group) = t.broker_addr.get(name) {
                for addr in group.broker_addrs.values() {
                    if let Some(servers) = t.filter_server.get(addr) {
                        route
                            .filter_server_table
                            .insert(addr.clone(), servers.clone());
                    }
                }
                route.broker_datas.push(group.clone());
            }
        }
        (!route.broker_datas.is_empty()).then_some(route)
    }

    /// The whole cluster map (GET_BROKER_CLUSTER_INFO).
    pub fn cluster_info(&self) -> ClusterInfo {
        let t = self.read();
        ClusterInfo {
            broker_addr_table: t.broker_addr.clone(),
            cluster_addr_table: t.cluster_addr.clone(),
        }
    }

    /// Every topic with queue data (GET_ALL_TOPIC_LIST_FROM_NAMESERVER).
    pub fn all_topics(&self) -> TopicList {
        TopicList {
            topic_list: self.read().topic_queue.keys().cloned().collect(),
            broker_addr: None,
        }
    }

    /// Topics with queues on any broker of `cluster` (GET_TOPICS_BY_CLUSTER). An unknown
    /// cluster has no topics (Java fails with a NullPointerException there).
    pub fn topics_by_cluster(&self, cluster: &str) -> TopicList {
        let t = self.read();
        let mut list = TopicList::default();
        if let Some(names) = t.cluster_addr.get(cluster) {
            for (topic, queues) in &t.topic_queue {
                if queues.keys().any(|name| names.contains(name)) {
                    list.topic_list.insert(topic.clone());
                }
            }
        }
        list
    }

    /// The "system topics" a 4.x name server reports (GET_SYSTEM_TOPIC_LIST_FROM_NS): every
    /// cluster name and broker name (brokers auto-create topics named after both), plus the
    /// address of one broker where the caller can ask for more.
    pub fn system_topics(&self) -> TopicList {
        let t = self.read();
        let mut list = TopicList::default();
        for (cluster, names) in &t.cluster_addr {
            list.topic_list.insert(cluster.clone());
            list.topic_list.extend(names.iter().cloned());
        }
        list.broker_addr = t
            .broker_addr
            .values()
            .find_map(|g| g.broker_addrs.values().next().cloned());
        list
    }

    /// Topics whose `topicSysFlag` (taken from their first queue data, as Java does) passes
    /// `keep` (GET_UNIT_TOPIC_LIST and its two variants).
    pub fn topics_by_sys_flag(&self, keep: impl Fn(i32) -> bool) -> TopicList {
        let t = self.read();
        TopicList {
            topic_list: t
                .topic_queue
                .iter()
                .filter(|(_, queues)| {
                    queues
                        .values()
                        .next()
                        .is_some_and(|q| keep(q.topic_sys_flag))
                })
                .map(|(topic, _)| topic.clone())
                .collect(),
            broker_addr: None,
        }
    }

    /// Drops `topic`'s queue data (DELETE_TOPIC_IN_NAMESRV): everywhere, or only on the
    /// brokers of `cluster`. Returns whether anything was removed.
    pub fn delete_topic(&self, topic: &str, cluster: Option<&str>) -> bool {
        let mut t = self.write();
        let Some(cluster) = cluster else {
            return t.topic_queue.remove(topic).is_some();
        };
        let Some(names) = t.cluster_addr.get(cluster).cloned() else {
            return false;
        };
        let Some(queues) = t.topic_queue.get_mut(topic) else {
            return false;
        };
        let before = queues.len();
        queues.retain(|name, _| !names.contains(name));
        let removed = queues.len() != before;
        if queues.is_empty() {
            t.topic_queue.remove(topic);
        }
        removed
    }

    /// Clears the write bit of every topic on `broker_name` (WIPE_WRITE_PERM_OF_BROKER, used
    /// to drain a broker before maintenance); returns how many topics were touched.
    pub fn wipe_write_perm(&self, broker_name: &str) -> i32 {
        self.operate_write_perm(broker_name, |perm| perm & !PERM_WRITE)
    }

    /// Sets every topic on `broker_name` back to read + write (ADD_WRITE_PERM_OF_BROKER);
    /// returns how many topics were touched.
    pub fn add_write_perm(&self, broker_name: &str) -> i32 {
        self.operate_write_perm(broker_name, |_| PERM_READ | PERM_WRITE)
    }

    fn operate_write_perm(&self, broker_name: &str, change: impl Fn(i32) -> i32) -> i32 {
        let mut t = self.write();
        let mut count = 0;
        for queues in t.topic_queue.values_mut() {
            if let Some(q) = queues.get_mut(broker_name) {
                q.perm = change(q.perm);
                count += 1;
            }
        }
        count
    }

    /// Whether `version` differs from the topic-table version last registered from
    /// `broker_addr` (true for an unknown broker).
    pub fn is_topic_config_changed(&self, broker_addr: &str, version: &DataVersion) -> bool {
        self.read()
            .broker_live
            .get(broker_addr)
            .is_none_or(|live| live.data_version != *version)
    }

    /// The topic-table version last registered from `broker_addr`.
    pub fn data_version(&self, broker_addr: &str) -> Option<DataVersion> {
        self.read()
            .broker_live
            .get(broker_addr)
            .map(|live| live.data_version.clone())
    }

    /// Counts as a registration for expiry purposes (QUERY_DATA_VERSION with no change).
    pub fn touch_broker(&self, broker_addr: &str, now: Instant) {
        if let Some(live) = self.write().broker_live.get_mut(broker_addr) {
            live.last_update = now;
        }
    }

    /// Removes every broker whose last registration is older than `expiry` at `now`.
    pub fn scan_not_active_brokers(&self, now: Instant, expiry: Duration) -> Vec<ExpiredBroker> {
        let mut t = self.write();
        let expired: Vec<ExpiredBroker> = t
            .broker_live
            .iter()
            .filter_map(|(addr, live)| {
                let silent_for = now.saturating_duration_since(live.last_update);
                (silent_for > expiry).then(|| ExpiredBroker {
                    broker_addr: addr.clone(),
                    connection_id: live.connection_id,
                    silent_for,
                })
            })
            .collect();
        for e in &expired {
            tracing::warn!(
                addr = %e.broker_addr,
                silent_ms = e.silent_for.as_millis() as u64,
                "broker expired: no registration within {} s",
                expiry.as_secs()
            );
            remove_broker_addr(&mut t, &e.broker_addr);
        }
        expired
    }

    /// Removes every broker that registered on connection `connection_id`, which has closed
    /// (a stopped or crashed broker); returns their addresses.
    pub fn on_connection_closed(&self, connection_id: u64) -> Vec<String> {
        // Most closed connections are clients, not brokers: look under the read lock first.
        let found: Vec<String> = self
            .read()
            .broker_live
            .iter()
            .filter(|(_, live)| live.connection_id == Some(connection_id))
            .map(|(addr, _)| addr.clone())
            .collect();
        if found.is_empty() {
            return found;
        }
        let mut t = self.write();
        let mut removed = Vec::with_capacity(found.len());
        for addr in found {
            // Re-check: the broker may have re-registered on a new connection meanwhile.
            let still = t
                .broker_live
                .get(&addr)
                .is_some_and(|live| live.connection_id == Some(connection_id));
            if still {
                tracing::info!(%addr, "broker connection closed; removing its routes at once");
                remove_broker_addr(&mut t, &addr);
                removed.push(addr);
            }
        }
        removed
    }

    /// Topics with queue data, and registered broker addresses per cluster (for metrics).
    pub fn counts(&self) -> (usize, Vec<(String, usize)>) {
        let t = self.read();
        let clusters = t
            .cluster_addr
            .iter()
            .map(|(cluster, names)| {
                let addrs = names
                    .iter()
                    .filter_map(|name| t.broker_addr.get(name))
                    .map(|b| b.broker_addrs.len())
                    .sum();
                (cluster.clone(), addrs)
            })
            .collect();
        (t.topic_queue.len(), clusters)
    }

    /// Number of live broker addresses.
    pub fn live_broker_count(&self) -> usize {
        self.read().broker_live.len()
    }

    fn read(&self) -> RwLockReadGuard<'_, Tables> {
        // Writers only run short map updates that cannot panic midway in a way that breaks
        // the tables' invariants badly; serving stale-but-usable routes beats failing forever.
        self.tables.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Tables> {
        self.tables.write().unwrap_or_else(|p| p.into_inner())
    }
}

fn create_or_update_queue_data(t: &mut Tables, broker_name: &str, config: &TopicConfig) {
    let queue = QueueData {
        broker_name: broker_name.to_string(),
        read_queue_nums: config.read_queue_nums,
        write_queue_nums: config.write_queue_nums,
        perm: config.perm,
        topic_sys_flag: config.topic_sys_flag,
    };
    let queues = t.topic_queue.entry(config.topic_name.clone()).or_default();
    match queues.insert(broker_name.to_string(), queue) {
        None if queues.len() == 1 => {
            tracing::info!(topic = %config.topic_name, broker = broker_name, "new topic registered")
        }
        Some(old) if old != queues[broker_name] => tracing::info!(
            topic = %config.topic_name,
            broker = broker_name,
            ?old,
            new = ?queues[broker_name],
            "topic changed"
        ),
        _ => {}
    }
}

fn remove_topics_of_broker(t: &mut Tables, broker_name: &str) {
    t.topic_queue.retain(|_, queues| {
        queues.remove(broker_name);
        !queues.is_empty()
    });
}

/// Forgets one broker address everywhere; drops the broker name (from its cluster too) and its
/// queue data when that was the group's last address.
fn remove_broker_addr(t: &mut Tables, broker_addr: &str) {
    t.broker_live.remove(broker_addr);
    t.filter_server.remove(broker_addr);
    let found = t.broker_addr.iter_mut().find_map(|(name, group)| {
        let id = group
            .broker_addrs
            .iter()
            .find(|(_, addr)| *addr == broker_addr)
            .map(|(id, _)| *id)?;
        group.broker_addrs.remove(&id);
        Some((name.clone(), group.broker_addrs.is_empty()))
    });
    let Some((name, group_empty)) = found else {
        return;
    };
    if !group_empty {
        return;
    }
    t.broker_addr.remove(&name);
    t.cluster_addr.retain(|_, names| {
        names.remove(&name);
        !names.is_empty()
    });
    remove_topics_of_broker(t, &name);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(names: &[(&str, i32)], counter: i64) -> TopicConfigSerializeWrapper {
        TopicConfigSerializeWrapper {
            topic_config_table: names
                .iter()
                .map(|(name, queues)| {
                    (
                        name.to_string(),
                        TopicConfig {
                            read_queue_nums: *queues,
                            write_queue_nums: *queues,
                            ..TopicConfig::new(*name)
                        },
                    )
                })
                .collect(),
            data_version: DataVersion {
                state_version: None,
                timestamp: 1000,
                counter,
            },
        }
    }

    fn reg(name: &str, id: i64, addr: &str, t: TopicConfigSerializeWrapper) -> BrokerRegistration {
        BrokerRegistration {
            cluster_name: "C".into(),
            broker_addr: addr.into(),
            broker_name: name.into(),
            broker_id: id,
            ha_server_addr: format!("{addr}-ha"),
            topic_config: t,
            filter_server_list: Some(vec![]),
            connection_id: Some(id as u64 + 100),
        }
    }

    #[test]
    fn master_registers_routes_and_slave_learns_master() {
        let r = RouteInfoManager::new();
        let now = Instant::now();
        let res = r.register_broker(reg("a", 0, "m:1", topics(&[("T1", 4), ("T2", 8)], 1)), now);
        assert_eq!(res, RegisterBrokerResult::default());
        let route = r.topic_route("T1").unwrap();
        assert_eq!(route.queue_datas.len(), 1);
        assert_eq!(route.queue_datas[0].write_queue_nums, 4);
        assert_eq!(route.broker_datas[0].master_addr(), Some("m:1"));
        assert!(r.topic_route("nope").is_none());

        // A slave's topics do not touch queue data; it learns the master's addresses.
        let res = r.register_broker(reg("a", 1, "s:1", topics(&[("T3", 4)], 1)), now);
        assert_eq!(res.master_addr.as_deref(), Some("m:1"));
        assert_eq!(res.ha_server_addr.as_deref(), Some("m:1-ha"));
        assert!(r.topic_route("T3").is_none());
        assert_eq!(
            r.topic_route("T1").unwrap().broker_datas[0]
                .broker_addrs
                .len(),
            2
        );

        let info = r.cluster_info();
        assert_eq!(info.cluster_addr_table["C"].len(), 1);
        assert_eq!(
            r.all_topics().topic_list.into_iter().collect::<Vec<_>>(),
            ["T1", "T2"]
        );
        assert_eq!(r.topics_by_cluster("C").topic_list.len(), 2);
        assert!(r.topics_by_cluster("X").topic_list.is_empty());
        let sys = r.system_topics();
        assert!(sys.topic_list.contains("C") && sys.topic_list.contains("a"));
        assert!(sys.broker_addr.is_some());
    }

    #[test]
    fn queue_data_changes_only_with_a_new_data_version() {
        let r = RouteInfoManager::new();
        let now = Instant::now();
        r.register_broker(reg("a", 0, "m:1", topics(&[("T", 4)], 1)), now);
        assert_eq!(r.wipe_write_perm("a"), 1);
        assert_eq!(r.topic_route("T").unwrap().queue_datas[0].perm, PERM_READ);
        // Same version again: the wiped perm stays (Java behaves the same).
        r.register_broker(reg("a", 0, "m:1", topics(&[("T", 4)], 1)), now);
        assert_eq!(r.topic_route("T").unwrap().queue_datas[0].perm, PERM_READ);
        assert!(!r.is_topic_config_changed("m:1", &topics(&[], 1).data_version));
        assert!(r.is_topic_config_changed("m:1", &topics(&[], 2).data_version));
        // New version: queue data is rewritten.
        r.register_broker(reg("a", 0, "m:1", topics(&[("T", 2)], 2)), now);
        let q = &r.topic_route("T").unwrap().queue_datas[0];
        assert_eq!((q.perm, q.write_queue_nums), (6, 2));
        assert_eq!(r.wipe_write_perm("a"), 1);
        assert_eq!(r.add_write_perm("a"), 1);
        assert_eq!(r.topic_route("T").unwrap().queue_datas[0].perm, 6);
        assert_eq!(r.add_write_perm("zzz"), 0);
    }

    #[test]
    fn unregister_expiry_and_connection_close() {
        let r = RouteInfoManager::new();
        let t0 = Instant::now();
        r.register_broker(reg("a", 0, "m:1", topics(&[("T", 4)], 1)), t0);
        r.register_broker(reg("a", 1, "s:1", topics(&[], 1)), t0);
        r.register_broker(reg("b", 0, "b:1", topics(&[("T", 4)], 1)), t0);
        assert_eq!(r.topic_route("T").unwrap().queue_datas.len(), 2);

        // Slave gone: master's queues stay.
        r.unregister_broker("C", "s:1", "a", 1);
        assert_eq!(r.topic_route("T").unwrap().queue_datas.len(), 2);
        // Master gone: broker name and its queues go.
        r.unregister_broker("C", "m:1", "a", 0);
        let route = r.topic_route("T").unwrap();
        assert_eq!(route.queue_datas.len(), 1);
        assert_eq!(route.broker_datas[0].broker_name, "b");

        // Expiry.
        let t1 = t0 + Duration::from_secs(60);
        r.register_broker(reg("a", 0, "m:1", topics(&[("T", 4)], 1)), t1);
        let gone =
            r.scan_not_active_brokers(t0 + BROKER_EXPIRY + Duration::from_secs(1), BROKER_EXPIRY);
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].broker_addr, "b:1");
        assert_eq!(gone[0].connection_id, Some(100));
        assert_eq!(r.topic_route("T").unwrap().broker_datas[0].broker_name, "a");
        assert_eq!(r.live_broker_count(), 1);

        // Connection close removes everything registered on it.
        assert!(r.on_connection_closed(999).is_empty());
        assert_eq!(r.on_connection_closed(100), ["m:1"]);
        assert!(r.topic_route("T").is_none());
        assert!(r.cluster_info().cluster_addr_table.is_empty());
        assert!(r.cluster_info().broker_addr_table.is_empty());
    }

    #[test]
    fn promoted_slave_replaces_its_old_id_and_delete_topic_by_cluster() {
        let r = RouteInfoManager::new();
        let now = Instant::now();
        r.register_broker(reg("a", 1, "x:1", topics(&[], 1)), now);
        r.register_broker(reg("a", 0, "x:1", topics(&[("T", 4)], 1)), now);
        let group = &r.cluster_info().broker_addr_table["a"];
        assert_eq!(group.broker_addrs, BTreeMap::from([(0, "x:1".to_string())]));

        let mut other = reg("b", 0, "y:1", topics(&[("T", 4)], 1));
        other.cluster_name = "D".into();
        r.register_broker(other, now);
        assert!(!r.delete_topic("T", Some("nope")));
        assert!(r.delete_topic("T", Some("D")));
        assert_eq!(r.topic_route("T").unwrap().queue_datas.len(), 1);
        assert!(r.delete_topic("T", None));
        assert!(r.topic_route("T").is_none());
        assert!(!r.delete_topic("T", None));
    }

    #[test]
    fn touch_defers_expiry() {
        let r = RouteInfoManager::new();
        let t0 = Instant::now();
        r.register_broker(reg("a", 0, "m:1", topics(&[("T", 4)], 1)), t0);
        r.touch_broker("m:1", t0 + Duration::from_secs(100));
        assert!(r
            .scan_not_active_brokers(t0 + Duration::from_secs(130), BROKER_EXPIRY)
            .is_empty());
        assert_eq!(r.data_version("m:1").unwrap().counter, 1);
        assert!(r.data_version("zz").is_none());
    }
}
