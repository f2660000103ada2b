//! [`Broker`]: everything one broker owns, its start-up (store recovery, metadata load, server
//! bind, first registration) and its periodic work (registration every 30 s, offset
//! persistence, client expiry, telling consumer groups of membership changes). Requests are
//! answered by `processor/`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::client_tables::{ConsumerManager, ProducerManager};
use super::long_poll::PullWaiters;
use super::metadata::BrokerMetadata;
use super::processor::BrokerHandler;
use super::queue_locks::QueueLocks;
use super::stats::BrokerStats;
use crate::common::clock::now_ms;
use crate::config::{BrokerConfig, BrokerRole, MessageStoreConfig, NettyServerConfig};
use crate::ha::HaService;
use crate::net::{ClientOptions, Connection, ConnectionOptions, RemotingClient, Server};
use crate::protocol::body::DataVersion;
use crate::protocol::header::ConsumerGroupHeader;
use crate::protocol::{CommandHeader, RemotingCommand, RequestCode};
use crate::store::{MessageStore, StoreError};

/// Clients silent for this long are dropped (Java's channel expiry).
pub const CLIENT_EXPIRY: Duration = Duration::from_secs(120);

#[derive(Debug, Error)]
pub enum BrokerError {
    #[error("message store: {0}")]
    Store(#[from] StoreError),
    #[error("broker metadata: {0}")]
    Metadata(String),
    #[error(transparent)]
    Net(#[from] crate::net::NetError),
    #[error("HA listener on port {port}: {source}")]
    HaListen { port: i32, source: std::io::Error },
    #[error("brokerIP1 '{0}' is not an IP address")]
    BadAddress(String),
}

/// Why a SYNC_MASTER send was not confirmed by a slave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaWait {
    /// No slave connected, or too far behind (SLAVE_NOT_AVAILABLE).
    SlaveNotAvailable,
    /// No acknowledgement within `slaveTimeout` (FLUSH_SLAVE_TIMEOUT).
    Timeout,
}

pub struct Broker {
    pub config: RwLock<BrokerConfig>,
    /// Version of the broker config, bumped by each UPDATE_BROKER_CONFIG (Java's
    /// `Configuration.dataVersion`, sent as GET_BROKER_CONFIG's `version` header).
    pub(super) config_version: Mutex<DataVersion>,
    /// Serialises UPDATE_BROKER_CONFIG (Java's method is `synchronized`) across the config
    /// change and the rewrite of the properties file.
    pub(super) config_update: tokio::sync::Mutex<()>,
    pub store_config: MessageStoreConfig,
    pub store: Arc<MessageStore>,
    /// Replication: the slaves' acknowledged offsets on a master, the client on a slave.
    pub ha: Arc<HaService>,
    pub metadata: BrokerMetadata,
    pub consumers: ConsumerManager,
    pub producers: ProducerManager,
    pub pull_waiters: Arc<PullWaiters>,
    pub queue_locks: QueueLocks,
    /// Client for the name servers.
    pub namesrv: RemotingClient,
    /// `brokerIP1:listenPort`: written into records and announced in routes.
    pub store_host: SocketAddr,
    /// Message counters and their TPS samples.
    pub stats: BrokerStats,
    pub started_at: Instant,
    pub boot_timestamp: i64,
    /// Registration wanted now (a topic changed).
    pub(super) register_now: Notify,
    /// The config file, for UPDATE_BROKER_CONFIG persistence.
    pub config_file: Option<std::path::PathBuf>,
    /// Replication now running (the HA listener of a master, the HA client of a slave);
    /// replaced when the role changes online.
    pub(super) replication: tokio::sync::Mutex<Option<Replication>>,
    /// Cancelled when the broker stops: parent of every background task.
    pub(super) background: CancellationToken,
    /// The last online role change (runtime info shows where a promotion started).
    pub(super) last_role_change: Mutex<Option<crate::protocol::body::RoleChange>>,
}

/// The replication task of the current role and its stop switch.
pub(super) struct Replication {
    pub(super) stop: CancellationToken,
    pub(super) task: tokio::task::JoinHandle<()>,
}

impl Broker {
    /// Opens the store and metadata. The listener is bound by [`Broker::serve`].
    pub fn open(
        config: BrokerConfig,
        store_config: MessageStoreConfig,
        listen_port: u16,
        config_file: Option<std::path::PathBuf>,
    ) -> Result<Arc<Broker>, BrokerError> {
        let ip: std::net::IpAddr = config
            .broker_ip1
            .parse()
            .map_err(|_| BrokerError::BadAddress(config.broker_ip1.clone()))?;
        let store_host = SocketAddr::new(ip, listen_port);
        let store = MessageStore::open(store_config.clone(), store_host)?;
        let metadata =
            BrokerMetadata::load(&store_config.store_path_root_dir.join("config"), &config)
                .map_err(|e| BrokerError::Metadata(e.to_string()))?;
        let pull_waiters = Arc::new(PullWaiters::default());
        let waiters = pull_waiters.clone();
        store.set_arrival_listener(Box::new(move |topic, queue_id, next| {
            waiters.notify(topic, queue_id, next)
        }));
        Ok(Arc::new(Broker {
            config: RwLock::new(config),
            config_version: Mutex::new(DataVersion::now()),
            config_update: tokio::sync::Mutex::new(()),
            store_config,
            ha: HaService::new(store.clone()),
            store,
            metadata,
            consumers: ConsumerManager::default(),
            producers: ProducerManager::default(),
            pull_waiters,
            queue_locks: QueueLocks::default(),
            namesrv: RemotingClient::new(ClientOptions::default()),
            store_host,
            stats: BrokerStats::default(),
            started_at: Instant::now(),
            boot_timestamp: now_ms(),
            register_now: Notify::new(),
            config_file,
            replication: tokio::sync::Mutex::new(None),
            background: CancellationToken::new(),
            last_role_change: Mutex::new(None),
        }))
    }

    /// The replication role now (`brokerRole`, changed online by promotion or demotion).
    pub fn role(&self) -> BrokerRole {
        self.store.role()
    }

    /// The last online role change since start, if any.
    pub fn last_role_change(&self) -> Option<crate::protocol::body::RoleChange> {
        self.last_role_change
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A snapshot of the broker config (a clone: for admin paths, not per message).
    pub fn cfg(&self) -> BrokerConfig {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reads the broker config without copying it (the per-message paths).
    pub fn with_cfg<R>(&self, f: impl FnOnce(&BrokerConfig) -> R) -> R {
        f(&self.config.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Waits until the CommitLog is durable up to `end_offset`; `false` after
    /// `syncFlushTimeout` (FLUSH_DISK_TIMEOUT: the message is stored but not yet known to be
    /// on disk).
    pub(super) async fn wait_flushed(&self, end_offset: i64) -> bool {
        let timeout = Duration::from_millis(self.store_config.sync_flush_timeout.max(1) as u64);
        tokio::time::timeout(timeout, self.store.wait_flushed(end_offset))
            .await
            .is_ok()
    }

    /// SYNC_MASTER: waits until a slave acknowledged `end_offset`. `Err(SLAVE_NOT_AVAILABLE)`
    /// right away when no slave is connected or the slave is more than
    /// `haSlaveFallbehindMax` behind; `Err(FLUSH_SLAVE_TIMEOUT)` after `slaveTimeout` (as
    /// 4.9.x; older brokers waited `syncFlushTimeout`).
    /// `Ok` at once on other roles.
    pub(super) async fn wait_replicated(&self, end_offset: i64) -> Result<(), ReplicaWait> {
        if self.role() != BrokerRole::SyncMaster {
            return Ok(());
        }
        if !self.ha.is_slave_ok(end_offset) {
            return Err(ReplicaWait::SlaveNotAvailable);
        }
        let timeout = Duration::from_millis(self.store_config.slave_timeout.max(1) as u64);
        tokio::time::timeout(timeout, self.ha.wait_acked(end_offset))
            .await
            .map_err(|_| ReplicaWait::Timeout)
    }

    /// Starts replication for the current role: the HA client on a slave, the HA listener on
    /// a master (unless `haListenPort` is 0, as `-p 0` gives). Replaces nothing: the caller
    /// stopped what ran before ([`Broker::stop_replication`]).
    pub(super) async fn start_replication(&self) -> Result<(), BrokerError> {
        let stop = self.background.child_token();
        let role = self.role();
        let task = if role == BrokerRole::Slave {
            tokio::spawn(self.ha.clone().run_slave(stop.clone()))
        } else if self.store_config.ha_listen_port > 0 {
            let port = self.store_config.ha_listen_port;
            // Java binds the HA port on every interface and announces brokerIP2:haListenPort.
            let listener = tokio::net::TcpListener::bind(("0.0.0.0", port as u16))
                .await
                .map_err(|source| BrokerError::HaListen { port, source })?;
            tracing::info!("HA: listening on port {port} for slaves (role {role})");
            tokio::spawn(self.ha.clone().serve_master(listener, stop.clone()))
        } else {
            return Ok(());
        };
        *self.replication.lock().await = Some(Replication { stop, task });
        Ok(())
    }

    /// Stops replication (the HA client, or the listener and every slave connection) and
    /// waits until it has stopped, so no replicated byte is appended after this returns.
    pub(super) async fn stop_replication(&self) {
        let running = self.replication.lock().await.take();
        if let Some(r) = running {
            r.stop.cancel();
            let _ = r.task.await;
        }
    }

    /// A topic the broker writes to on its own (retry, DLQ, transaction half/check-max),
    /// created like Java's `createTopicInSendMessageBackMethod` and announced to the name
    /// servers when new.
    pub(super) fn ensure_send_back_topic(
        &self,
        topic: &str,
        queue_nums: i32,
    ) -> crate::protocol::body::TopicConfig {
        let ensured = self.metadata.topics.create_topic_in_send_back_method(
            topic,
            queue_nums,
            crate::protocol::perm::PERM_WRITE | crate::protocol::perm::PERM_READ,
            0,
        );
        if ensured.created {
            self.register_now.notify_one();
        }
        ensured.config
    }

    /// `ip:port` clients use to reach this broker.
    pub fn broker_addr(&self) -> String {
        self.store_host.to_string()
    }

    /// Serves requests on `server` until `shutdown`, with registration and housekeeping in the
    /// background; then unregisters, persists metadata and closes the store cleanly.
    pub async fn serve(
        self: Arc<Self>,
        server: Server,
        shutdown: CancellationToken,
    ) -> Result<(), BrokerError> {
        let background = self.background.clone();
        self.start_replication().await?;
        self.register_all(false).await;
        let tasks = vec![
            tokio::spawn(self.clone().registration_loop(background.clone())),
            tokio::spawn(self.clone().housekeeping_loop(background.clone())),
            tokio::spawn(self.clone().schedule_loop(background.clone())),
            tokio::spawn(self.clone().transaction_check_loop(background.clone())),
            // Idle unless the broker is a slave (the role can change online).
            tokio::spawn(self.clone().slave_sync_loop(background.clone())),
            tokio::spawn(self.clone().stats_sampling_loop(background.clone())),
        ];
        let handler = Arc::new(BrokerHandler(self.clone()));
        server.serve(handler, shutdown).await?;
        background.cancel();
        self.stop_replication().await;
        for t in tasks {
            let _ = t.await;
        }
        self.unregister_all().await;
        self.namesrv.shutdown().await;
        if let Err(e) = self.metadata.persist_all() {
            tracing::error!("persisting broker metadata failed: {e}");
        }
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.shutdown())
            .await
            .map_err(|e| BrokerError::Metadata(e.to_string()))??;
        Ok(())
    }

    async fn housekeeping_loop(self: Arc<Self>, stop: CancellationToken) {
        let persist_every =
            Duration::from_millis(self.cfg().flush_consumer_offset_interval.max(100) as u64);
        let mut persist = tokio::time::interval(persist_every);
        let mut expire = tokio::time::interval(Duration::from_secs(10));
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = persist.tick() => {
                    let broker = self.clone();
                    let result = tokio::task::spawn_blocking(move || broker.metadata.persist_all()).await;
                    if let Ok(Err(e)) = result {
                        tracing::error!("persisting broker metadata failed: {e}");
                    }
                }
                _ = expire.tick() => self.expire_clients().await,
            }
        }
    }

    /// Samples the VIEW_BROKER_STATS_DATA statistics every 10 s, 10 min and hour, the first
    /// time at start-up (Java's `StatsItemSet` schedules).
    async fn stats_sampling_loop(self: Arc<Self>, stop: CancellationToken) {
        use super::stats::Window;
        let [mut minute, mut hour, mut day] =
            Window::ALL.map(|w| tokio::time::interval(w.period()));
        loop {
            let window = tokio::select! {
                _ = stop.cancelled() => return,
                _ = minute.tick() => Window::Minute,
                _ = hour.tick() => Window::Hour,
                _ = day.tick() => Window::Day,
            };
            self.stats
                .keyed
                .sample(window, crate::common::clock::now_ms());
        }
    }

    async fn expire_clients(&self) {
        let (groups, mut closed) = self.consumers.expire(CLIENT_EXPIRY);
        closed.extend(self.producers.expire(CLIENT_EXPIRY));
        for conn in closed {
            tracing::info!(peer = %conn.peer_addr(), "closing client silent for {CLIENT_EXPIRY:?}");
            conn.close();
        }
        for group in groups {
            self.notify_consumer_ids_changed(&group).await;
        }
    }

    /// A client connection closed: forget it everywhere.
    pub(super) fn connection_closed(self: &Arc<Self>, conn: &Connection) {
        self.producers.remove_connection(conn.id());
        let groups = self.consumers.remove_connection(conn.id());
        if !groups.is_empty() {
            let broker = self.clone();
            tokio::spawn(async move {
                for group in groups {
                    broker.notify_consumer_ids_changed(&group).await;
                }
            });
        }
    }

    /// Tells every member of `group` to rebalance (NOTIFY_CONSUMER_IDS_CHANGED, oneway), if
    /// the group allows it: after a member joins, leaves, or goes silent.
    pub(super) async fn notify_consumer_ids_changed(&self, group: &str) {
        let enabled = self.cfg().notify_consumer_ids_changed_enable
            && self
                .metadata
                .groups
                .find(group)
                .is_none_or(|g| g.notify_consumer_ids_changed_enable);
        if !enabled {
            return;
        }
        for conn in self.consumers.connections(group) {
            let header = ConsumerGroupHeader {
                consumer_group: group.to_string(),
            };
            let request = RemotingCommand::request(
                RequestCode::NOTIFY_CONSUMER_IDS_CHANGED,
                header.to_ext_fields(),
            );
            // A slow or gone client must not hold up the others.
            let sent =
                tokio::time::timeout(Duration::from_millis(500), conn.invoke_oneway(request)).await;
            if !matches!(sent, Ok(Ok(()))) {
                tracing::debug!(peer = %conn.peer_addr(), "could not notify consumer of group {group}");
            }
        }
    }
}

/// Binds the broker's listener on all interfaces at `port`; its connections close after
/// `serverChannelMaxIdleTimeSeconds` without traffic, as Java's do.
pub async fn bind(port: u16, server: &NettyServerConfig) -> Result<Server, BrokerError> {
    let options = ConnectionOptions::with_idle_seconds(server.server_channel_max_idle_time_seconds);
    Ok(Server::bind(&format!("0.0.0.0:{port}"), options).await?)
}
