//! The name server: a drop-in for the Java 4.9.8 `namesrv` that brokers register with and that
//! producers, consumers and `mqadmin` ask for routes.
//!
//! | file               | owns                                                                  |
//! |--------------------|-----------------------------------------------------------------------|
//! | [`route`]          | the route tables (`RouteInfoManager`): brokers, clusters, topic queues, liveness and expiry |
//! | [`kv`]             | the namespaced KV config persisted to `kvConfig.json`                |
//! | [`register_body`]  | the REGISTER_BROKER body: plain, pre-3.0.11 and zlib-compressed forms |
//! | [`processor`]      | the request handler: one method per request code                     |
//! | [`metrics`]        | the Prometheus metrics ([`NamesrvCollector`]), read at scrape time  |
//!
//! [`NamesrvServer`] ties them together: it binds the listen port, serves requests with a
//! [`NamesrvProcessor`], and runs the broker expiry scan (first after 5 s, then every 10 s;
//! a broker silent for 120 s is dropped, one whose connection closes is dropped at once).
//!
//! State is in memory except the KV config and, after UPDATE_NAMESRV_CONFIG, the effective
//! config at `configStorePath`; brokers re-register within 30 s after a restart.

pub mod kv;
pub mod metrics;
pub mod processor;
pub mod register_body;
pub mod route;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use kv::{KvConfigManager, NAMESPACE_ORDER_TOPIC_CONFIG};
pub use metrics::NamesrvCollector;
pub use processor::NamesrvProcessor;
pub use register_body::{RegisterBody, RegisterBodyError};
pub use route::{BrokerRegistration, RegisterBrokerResult, RouteInfoManager, BROKER_EXPIRY};

use crate::config::NamesrvConfig;
use crate::net::metrics::ServerMetrics;
use crate::net::{ConnectionOptions, NetError, Server};

/// Why the name server could not start or stopped with an error.
#[derive(Debug, Error)]
pub enum NamesrvError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("kv config '{}': {reason}", path.display())]
    KvConfig { path: PathBuf, reason: String },
    #[error("cannot write '{}': {source}", path.display())]
    Persist {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid listen port {0}")]
    ListenPort(i32),
    #[error("name server task failed: {0}")]
    Task(String),
}

/// Timing and binding knobs that Java hard-codes; the defaults are Java's.
#[derive(Clone, Debug)]
pub struct NamesrvOptions {
    /// Host part of the listen address (`0.0.0.0`: all interfaces, as Java binds).
    pub bind_host: String,
    /// A broker without a registration for this long is removed.
    pub broker_expiry: Duration,
    /// Delay before the first expiry scan.
    pub first_scan_delay: Duration,
    /// Interval between expiry scans.
    pub scan_interval: Duration,
}

impl Default for NamesrvOptions {
    fn default() -> Self {
        NamesrvOptions {
            bind_host: "0.0.0.0".to_string(),
            broker_expiry: BROKER_EXPIRY,
            first_scan_delay: Duration::from_secs(5),
            scan_interval: Duration::from_secs(10),
        }
    }
}

/// A running name server. Dropping it does not stop it; call [`shutdown`](Self::shutdown) or
/// [`run_until`](Self::run_until).
pub struct NamesrvServer {
    local_addr: SocketAddr,
    routes: Arc<RouteInfoManager>,
    kv: Arc<KvConfigManager>,
    processor: Arc<NamesrvProcessor>,
    server_metrics: Arc<ServerMetrics>,
    shutdown: CancellationToken,
    serve: JoinHandle<Result<(), NetError>>,
    scan: JoinHandle<()>,
}

impl NamesrvServer {
    /// Loads the KV config, binds `0.0.0.0:<listenPort>` (port 0 picks a free port) and starts
    /// serving. Must be called inside a tokio runtime.
    ///
    /// # Errors
    /// [`NamesrvError::KvConfig`] for an unreadable kvConfig.json, [`NamesrvError::Net`] when
    /// the port cannot be bound.
    pub async fn start(config: NamesrvConfig) -> Result<NamesrvServer, NamesrvError> {
        NamesrvServer::start_with(config, NamesrvOptions::default()).await
    }

    /// [`start`](Self::start) with explicit [`NamesrvOptions`].
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub async fn start_with(
        config: NamesrvConfig,
        options: NamesrvOptions,
    ) -> Result<NamesrvServer, NamesrvError> {
        let port = u16::try_from(config.listen_port())
            .map_err(|_| NamesrvError::ListenPort(config.listen_port()))?;
        let kv = Arc::new(KvConfigManager::load(config.kv_config_path.clone())?);
        let routes = Arc::new(RouteInfoManager::new());
        let connection = ConnectionOptions::with_idle_seconds(
            config.server.server_channel_max_idle_time_seconds,
        );
        let server = Server::bind(&format!("{}:{port}", options.bind_host), connection).await?;
        let local_addr = server.local_addr()?;
        let server_metrics = server.metrics();
        let processor = Arc::new(NamesrvProcessor::new(config, routes.clone(), kv.clone()));
        let shutdown = CancellationToken::new();
        let serve = tokio::spawn(server.serve(processor.clone(), shutdown.clone()));
        let scan = tokio::spawn(scan_loop(processor.clone(), options, shutdown.clone()));
        tracing::info!(%local_addr, "name server started");
        Ok(NamesrvServer {
            local_addr,
            routes,
            kv,
            processor,
            server_metrics,
            shutdown,
            serve,
            scan,
        })
    }

    /// The bound address (with the real port when 0 was configured).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn routes(&self) -> &Arc<RouteInfoManager> {
        &self.routes
    }

    /// The name server's Prometheus metrics, for a [`crate::net::metrics::MetricsListener`].
    pub fn collector(&self) -> NamesrvCollector {
        NamesrvCollector::new(self.routes.clone(), self.server_metrics.clone())
    }

    pub fn kv_config(&self) -> &Arc<KvConfigManager> {
        &self.kv
    }

    /// The effective configuration, including UPDATE_NAMESRV_CONFIG changes.
    pub fn config(&self) -> NamesrvConfig {
        self.processor.config()
    }

    /// Serves until `signal` resolves, then shuts down gracefully.
    ///
    /// # Errors
    /// As [`shutdown`](Self::shutdown).
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> Result<(), NamesrvError> {
        signal.await;
        self.shutdown().await
    }

    /// Stops accepting, lets in-flight requests answer, closes connections and stops the
    /// expiry scan.
    ///
    /// # Errors
    /// [`NamesrvError::Task`] if a server task panicked, [`NamesrvError::Net`] if serving failed.
    pub async fn shutdown(self) -> Result<(), NamesrvError> {
        self.shutdown.cancel();
        let served = self
            .serve
            .await
            .map_err(|e| NamesrvError::Task(e.to_string()))?;
        self.scan
            .await
            .map_err(|e| NamesrvError::Task(e.to_string()))?;
        tracing::info!(addr = %self.local_addr, "name server stopped");
        Ok(served?)
    }
}

async fn scan_loop(
    processor: Arc<NamesrvProcessor>,
    options: NamesrvOptions,
    shutdown: CancellationToken,
) {
    let mut next = tokio::time::Instant::now() + options.first_scan_delay;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = shutdown.cancelled() => return,
        }
        processor.scan_not_active_brokers(options.broker_expiry);
        next += options.scan_interval;
    }
}
