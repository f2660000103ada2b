//! The name server's request handler (`DefaultRequestProcessor`): decodes each request's typed
//! header, calls the route tables or the KV config, and builds the response.
//!
//! Deliberate differences from Java 4.9.8:
//! - an unknown request code is answered REQUEST_CODE_NOT_SUPPORTED (Java's name server stays
//!   silent and the caller times out, facts §0 A3);
//! - a missing or unparsable header field is answered SYSTEM_ERROR with a remark naming the
//!   header and the field (Java fails later with a NullPointerException text);
//! - GET_TOPICS_BY_CLUSTER for an unknown cluster is an empty list (Java: NullPointerException).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use super::kv::{KvConfigManager, NAMESPACE_ORDER_TOPIC_CONFIG};
use super::register_body;
use super::route::{BrokerRegistration, RouteInfoManager};
use crate::common::fs::{write_atomically, Backup};
use crate::common::message::crc32;
use crate::config::{apply_namesrv_properties, NamesrvConfig, Properties};
use crate::net::{not_supported, success, Connection, Failure, Outcome, RequestHandler};
use crate::protocol::body::{DataVersion, TopicRouteData};
use crate::protocol::header::{
    AddWritePermResponseHeader, BrokerIdentityHeader, BrokerNameHeader,
    DeleteTopicFromNamesrvRequestHeader, GetKvConfigResponseHeader,
    GetKvListByNamespaceRequestHeader, GetRouteInfoRequestHeader, GetTopicsByClusterRequestHeader,
    KvConfigKeyHeader, PutKvConfigRequestHeader, QueryDataVersionResponseHeader,
    RegisterBrokerRequestHeader, RegisterBrokerResponseHeader, WipeWritePermResponseHeader,
};
use crate::protocol::{CommandHeader, RemotingCommand, RequestCode, ResponseCode};

/// Appended to TOPIC_NOT_EXIST remarks, as Java's `FAQUrl.suggestTodo(APPLY_TOPIC_URL)` does.
const APPLY_TOPIC_HINT: &str = "\nSee http://rocketmq.apache.org/docs/faq/ for further details.";

/// Keys UPDATE_NAMESRV_CONFIG always refuses, whatever `configBlackList` says (facts §0 A15).
const ALWAYS_BLACKLISTED: [&str; 4] = [
    "configBlackList",
    "configStorePath",
    "kvConfigPath",
    "rocketmqHome",
];

/// `TopicSysFlag.FLAG_UNIT` and `FLAG_UNIT_SUB`.
const FLAG_UNIT: i32 = 1;
const FLAG_UNIT_SUB: i32 = 1 << 1;

/// The handler the name server's [`Server`](crate::net::Server) runs. Shares the route tables
/// and the KV config with the [`NamesrvServer`](super::NamesrvServer) that owns it.
pub struct NamesrvProcessor {
    routes: Arc<RouteInfoManager>,
    kv: Arc<KvConfigManager>,
    config: RwLock<NamesrvConfig>,
    /// `orderMessageEnable`, read on every route request without cloning the config.
    order_message_enable: AtomicBool,
    /// Connections that registered a broker, so an expired broker's connection can be closed.
    broker_connections: Mutex<HashMap<u64, Connection>>,
}

impl NamesrvProcessor {
    pub fn new(
        config: NamesrvConfig,
        routes: Arc<RouteInfoManager>,
        kv: Arc<KvConfigManager>,
    ) -> NamesrvProcessor {
        NamesrvProcessor {
            routes,
            kv,
            order_message_enable: AtomicBool::new(config.order_message_enable),
            config: RwLock::new(config),
            broker_connections: Mutex::new(HashMap::new()),
        }
    }

    /// The effective configuration (UPDATE_NAMESRV_CONFIG may change it at run time).
    pub fn config(&self) -> NamesrvConfig {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Expires silent brokers (see [`RouteInfoManager::scan_not_active_brokers`]) and closes
    /// the connections they registered on, as Java does.
    pub fn scan_not_active_brokers(&self, expiry: std::time::Duration) {
        let expired = self.routes.scan_not_active_brokers(Instant::now(), expiry);
        let mut conns = self.lock_connections();
        for id in expired.iter().filter_map(|e| e.connection_id) {
            if let Some(conn) = conns.remove(&id) {
                conn.close();
            }
        }
    }

    fn lock_connections(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Connection>> {
        self.broker_connections
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn process(&self, conn: &Connection, req: &RemotingCommand) -> Option<Outcome> {
        let outcome = match req.request_code() {
            RequestCode::PUT_KV_CONFIG => self.put_kv_config(req),
            RequestCode::GET_KV_CONFIG => self.get_kv_config(req),
            RequestCode::DELETE_KV_CONFIG => self.delete_kv_config(req),
            RequestCode::REGISTER_BROKER => self.register_broker(conn, req),
            RequestCode::UNREGISTER_BROKER => self.unregister_broker(req),
            RequestCode::GET_ROUTEINFO_BY_TOPIC => self.route_info(req),
            RequestCode::GET_BROKER_CLUSTER_INFO => {
                Ok(success(req).with_body(self.routes.cluster_info().to_json()))
            }
            RequestCode::WIPE_WRITE_PERM_OF_BROKER => self.wipe_write_perm(conn, req),
            RequestCode::ADD_WRITE_PERM_OF_BROKER => self.add_write_perm(conn, req),
            RequestCode::GET_ALL_TOPIC_LIST_FROM_NAMESERVER => {
                Ok(success(req).with_body(self.routes.all_topics().to_json()))
            }
            RequestCode::DELETE_TOPIC_IN_NAMESRV => self.delete_topic(req),
            RequestCode::GET_KVLIST_BY_NAMESPACE => self.kv_list(req),
            RequestCode::GET_TOPICS_BY_CLUSTER => self.topics_by_cluster(req),
            RequestCode::GET_SYSTEM_TOPIC_LIST_FROM_NS => {
                Ok(success(req).with_body(self.routes.system_topics().to_json()))
            }
            RequestCode::GET_UNIT_TOPIC_LIST => {
                Ok(self.topics_by_flag(req, |f| f & FLAG_UNIT != 0))
            }
            RequestCode::GET_HAS_UNIT_SUB_TOPIC_LIST => {
                Ok(self.topics_by_flag(req, |f| f & FLAG_UNIT_SUB != 0))
            }
            RequestCode::GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST => {
                Ok(self.topics_by_flag(req, |f| f & FLAG_UNIT == 0 && f & FLAG_UNIT_SUB != 0))
            }
            RequestCode::QUERY_DATA_VERSION => self.query_data_version(req),
            RequestCode::GET_NAMESRV_CONFIG => Ok(self.get_config(req)),
            RequestCode::UPDATE_NAMESRV_CONFIG => self.update_config(conn, req),
            _ => return None,
        };
        Some(outcome)
    }

    fn register_broker(&self, conn: &Connection, req: &RemotingCommand) -> Outcome {
        let h = RegisterBrokerRequestHeader::from_command(req)?;
        let expected_crc = h.body_crc32.unwrap_or(0);
        if expected_crc != 0 && crc32(&req.body) != expected_crc {
            tracing::warn!(
                peer = %conn.peer_addr(),
                broker = %h.broker_name,
                "REGISTER_BROKER body does not match its bodyCrc32"
            );
            return Err(Failure::system("crc32 not match"));
        }
        let body = register_body::decode(&req.body, h.compressed.unwrap_or(false), req.version)
            .map_err(|e| Failure::system(format!("Failed to decode RegisterBrokerBody: {e}")))?;
        let result = self.routes.register_broker(
            BrokerRegistration {
                cluster_name: h.cluster_name,
                broker_addr: h.broker_addr,
                broker_name: h.broker_name,
                broker_id: h.broker_id,
                ha_server_addr: h.ha_server_addr,
                topic_config: body.topic_config,
                filter_server_list: body.filter_server_list,
                connection_id: Some(conn.id()),
            },
            Instant::now(),
        );
        self.lock_connections()
            .entry(conn.id())
            .or_insert_with(|| conn.clone());
        let header = RegisterBrokerResponseHeader {
            ha_server_addr: result.ha_server_addr,
            master_addr: result.master_addr,
        };
        let mut response = success(req).with_ext_fields(header.to_ext_fields());
        if let Some(order) = self.kv.namespace(NAMESPACE_ORDER_TOPIC_CONFIG) {
            response = response.with_body(order.to_json());
        }
        Ok(response)
    }

    fn unregister_broker(&self, req: &RemotingCommand) -> Outcome {
        let h = BrokerIdentityHeader::from_command(req)?;
        self.routes
            .unregister_broker(&h.cluster_name, &h.broker_addr, &h.broker_name, h.broker_id);
        Ok(success(req))
    }

    fn route_info(&self, req: &RemotingCommand) -> Outcome {
        let h = GetRouteInfoRequestHeader::from_command(req)?;
        let Some(mut route) = self.routes.topic_route(&h.topic) else {
            return Err(Failure::new(
                ResponseCode::TOPIC_NOT_EXIST,
                format!(
                    "No topic route info in name server for the topic: {}{APPLY_TOPIC_HINT}",
                    h.topic
                ),
            ));
        };
        if self.order_message_enable.load(Ordering::Relaxed) {
            route.order_topic_conf = self.kv.get(NAMESPACE_ORDER_TOPIC_CONFIG, &h.topic);
        }
        let style = TopicRouteData::json_style_for(
            req.version,
            h.accept_standard_json_only.unwrap_or(false),
        );
        Ok(success(req).with_body(route.to_json_with(style)))
    }

    fn wipe_write_perm(&self, conn: &Connection, req: &RemotingCommand) -> Outcome {
        let h = BrokerNameHeader::from_command(req)?;
        let count = self.routes.wipe_write_perm(&h.broker_name);
        tracing::info!(
            caller = %conn.peer_addr(),
            broker = %h.broker_name,
            topics = count,
            "write permission wiped"
        );
        let header = WipeWritePermResponseHeader {
            wipe_topic_count: count,
        };
        Ok(success(req).with_ext_fields(header.to_ext_fields()))
    }

    fn add_write_perm(&self, conn: &Connection, req: &RemotingCommand) -> Outcome {
        let h = BrokerNameHeader::from_command(req)?;
        let count = self.routes.add_write_perm(&h.broker_name);
        tracing::info!(
            caller = %conn.peer_addr(),
            broker = %h.broker_name,
            topics = count,
            "write permission added"
        );
        let header = AddWritePermResponseHeader {
            add_topic_count: count,
        };
        Ok(success(req).with_ext_fields(header.to_ext_fields()))
    }

    fn delete_topic(&self, req: &RemotingCommand) -> Outcome {
        let h = DeleteTopicFromNamesrvRequestHeader::from_command(req)?;
        let removed = self
            .routes
            .delete_topic(&h.topic, h.cluster_name.as_deref());
        tracing::info!(topic = %h.topic, cluster = ?h.cluster_name, removed, "topic deleted");
        Ok(success(req))
    }

    fn topics_by_cluster(&self, req: &RemotingCommand) -> Outcome {
        let h = GetTopicsByClusterRequestHeader::from_command(req)?;
        Ok(success(req).with_body(self.routes.topics_by_cluster(&h.cluster).to_json()))
    }

    fn topics_by_flag(&self, req: &RemotingCommand, keep: impl Fn(i32) -> bool) -> RemotingCommand {
        success(req).with_body(self.routes.topics_by_sys_flag(keep).to_json())
    }

    fn query_data_version(&self, req: &RemotingCommand) -> Outcome {
        let h = BrokerIdentityHeader::from_command(req)?;
        if req.body.is_empty() {
            return Err(Failure::system(
                "QUERY_DATA_VERSION needs the broker's DataVersion as its body",
            ));
        }
        let version = DataVersion::from_json(&req.body)?;
        let changed = self
            .routes
            .is_topic_config_changed(&h.broker_addr, &version);
        if !changed {
            // An unchanged broker that only asks counts as alive (it skips REGISTER_BROKER).
            self.routes.touch_broker(&h.broker_addr, Instant::now());
        }
        let header = QueryDataVersionResponseHeader { changed };
        let mut response = success(req).with_ext_fields(header.to_ext_fields());
        if let Some(ours) = self.routes.data_version(&h.broker_addr) {
            response = response.with_body(ours.to_json());
        }
        Ok(response)
    }

    fn put_kv_config(&self, req: &RemotingCommand) -> Outcome {
        let h = PutKvConfigRequestHeader::from_command(req)?;
        // The file write happens right here, on a runtime thread: the file is small and KV
        // updates are rare admin operations, so a blocking-pool hop would buy nothing.
        self.kv
            .put(&h.namespace, &h.key, &h.value)
            .map_err(|e| Failure::system(format!("kv config set in memory only: {e}")))?;
        Ok(success(req))
    }

    fn get_kv_config(&self, req: &RemotingCommand) -> Outcome {
        let h = KvConfigKeyHeader::from_command(req)?;
        match self.kv.get(&h.namespace, &h.key) {
            Some(value) => {
                let header = GetKvConfigResponseHeader { value: Some(value) };
                Ok(success(req).with_ext_fields(header.to_ext_fields()))
            }
            None => Err(Failure::new(
                ResponseCode::QUERY_NOT_FOUND,
                format!("No config item, Namespace: {} Key: {}", h.namespace, h.key),
            )),
        }
    }

    fn delete_kv_config(&self, req: &RemotingCommand) -> Outcome {
        let h = KvConfigKeyHeader::from_command(req)?;
        self.kv
            .delete(&h.namespace, &h.key)
            .map_err(|e| Failure::system(format!("kv config deleted in memory only: {e}")))?;
        Ok(success(req))
    }

    fn kv_list(&self, req: &RemotingCommand) -> Outcome {
        let h = GetKvListByNamespaceRequestHeader::from_command(req)?;
        match self.kv.namespace(&h.namespace) {
            Some(table) => Ok(success(req).with_body(table.to_json())),
            None => Err(Failure::new(
                ResponseCode::QUERY_NOT_FOUND,
                format!("No config item, Namespace: {}", h.namespace),
            )),
        }
    }

    fn get_config(&self, req: &RemotingCommand) -> RemotingCommand {
        let text = self.config().to_properties().to_properties_string();
        success(req).with_body(text.into_bytes())
    }

    fn update_config(&self, conn: &Connection, req: &RemotingCommand) -> Outcome {
        if req.body.is_empty() {
            return Ok(success(req));
        }
        let text = String::from_utf8_lossy(&req.body);
        let props = Properties::parse(&text)
            .map_err(|e| Failure::system(format!("string2Properties error: {e}")))?;
        let mut config = self.config.write().unwrap_or_else(|p| p.into_inner());
        let blacklist: HashSet<&str> = config
            .config_black_list
            .split(';')
            .map(str::trim)
            .chain(ALWAYS_BLACKLISTED)
            .collect();
        if let Some((key, _)) = props.iter().find(|(k, _)| blacklist.contains(k)) {
            tracing::warn!(caller = %conn.peer_addr(), key, "refused to update a blacklisted key");
            return Err(Failure::new(
                ResponseCode::NO_PERMISSION,
                "Can not update config in black list.".to_string(),
            ));
        }
        let warnings = apply_namesrv_properties(&mut config, &props)
            .map_err(|e| Failure::system(e.to_string()))?;
        for w in &warnings {
            tracing::warn!("UPDATE_NAMESRV_CONFIG: {w}");
        }
        tracing::info!(caller = %conn.peer_addr(), changes = %props.to_plain_string().trim_end(), "name server config updated");
        self.order_message_enable
            .store(config.order_message_enable, Ordering::Relaxed);
        let path = config.config_store_path.clone();
        let content = config.to_properties().to_properties_string();
        drop(config);
        write_atomically(&path, content.as_bytes(), Backup::Keep).map_err(|e| {
            Failure::system(format!(
                "config updated in memory only; cannot write {}: {e}",
                path.display()
            ))
        })?;
        Ok(success(req))
    }
}

impl RequestHandler for NamesrvProcessor {
    async fn handle(&self, conn: &Connection, req: RemotingCommand) -> Option<RemotingCommand> {
        let response = match self.process(conn, &req) {
            None => {
                tracing::debug!(code = req.code, peer = %conn.peer_addr(), "unsupported request");
                not_supported(&req)
            }
            Some(Ok(response)) => response,
            Some(Err(failure)) => {
                if failure.code == ResponseCode::SYSTEM_ERROR {
                    tracing::warn!(
                        code = req.code,
                        peer = %conn.peer_addr(),
                        "request failed: {}",
                        failure.remark
                    );
                }
                failure.into_response(&req)
            }
        };
        // The transport drops the answer to a oneway request (e.g. a broker's REGISTER_BROKER
        // after auto-creating a topic); the work above is done either way.
        Some(response)
    }

    fn on_close(&self, conn: &Connection) {
        self.lock_connections().remove(&conn.id());
        // Checked for every connection, not only those in the map: cheap (a read-locked scan
        // of the live brokers) and robust against any bookkeeping gap.
        self.routes.on_connection_closed(conn.id());
    }
}
