//! Registration with the name servers: REGISTER_BROKER to every address in `namesrvAddr` at
//! start, 10 s later, then every `registerNameServerPeriod` (30 s), before answering an admin
//! topic create/update (as Java does), right away (oneway) when a send auto-creates a topic;
//! UNREGISTER_BROKER at shutdown.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::controller::Broker;
use crate::common::message::crc32;
use crate::config::BrokerRole;
use crate::protocol::body::RegisterBrokerBody;
use crate::protocol::header::{
    BrokerIdentityHeader, RegisterBrokerRequestHeader, RegisterBrokerResponseHeader,
};
use crate::protocol::{CommandHeader, RemotingCommand, RequestCode, ResponseCode};

impl Broker {
    /// The REGISTER_BROKER request: header plus the full topic table.
    fn register_request(&self) -> RemotingCommand {
        let cfg = self.cfg();
        // A broker without read or write permission announces its topics with its own perm.
        let wrapper = self.metadata.topics.register_wrapper(cfg.broker_permission);
        let body = RegisterBrokerBody {
            topic_config_serialize_wrapper: wrapper,
            filter_server_list: Vec::new(),
        }
        .to_json();
        let header = RegisterBrokerRequestHeader {
            broker_name: cfg.broker_name.clone(),
            broker_addr: self.broker_addr(),
            cluster_name: cfg.broker_cluster_name.clone(),
            ha_server_addr: format!("{}:{}", cfg.broker_ip2, self.store_config.ha_listen_port),
            broker_id: cfg.broker_id,
            compressed: Some(false),
            body_crc32: Some(crc32(&body)),
        };
        RemotingCommand::request(RequestCode::REGISTER_BROKER, header.to_ext_fields())
            .with_body(body)
    }

    /// Registers with every name server; `oneway` for the quick re-registrations after a
    /// topic change (as Java does), synchronous otherwise.
    pub(super) async fn register_all(&self, oneway: bool) {
        let addrs = self.cfg().namesrv_addrs().to_vec();
        let timeout =
            Duration::from_millis(self.cfg().register_broker_timeout_mills.max(100) as u64);
        // One name server after the other: there are one or two, and each call is bounded by
        // the registration timeout.
        for addr in &addrs {
            let request = self.register_request();
            let result = if oneway {
                self.namesrv
                    .invoke_oneway(addr, request)
                    .await
                    .map(|_| None)
            } else {
                self.namesrv.invoke(addr, request, timeout).await.map(Some)
            };
            match result {
                Ok(Some(r)) if r.response_code() != ResponseCode::SUCCESS => tracing::warn!(
                    "name server {addr} refused registration: {:?} {}",
                    r.response_code(),
                    r.remark.unwrap_or_default()
                ),
                Ok(Some(r)) => {
                    tracing::debug!("registered with name server {addr}");
                    if self.role() == BrokerRole::Slave {
                        if let Ok(h) = RegisterBrokerResponseHeader::from_command(&r) {
                            self.ha.set_learned_master(h.ha_server_addr, h.master_addr);
                        }
                    }
                }
                Ok(None) => tracing::debug!("registered with name server {addr}"),
                Err(e) => tracing::warn!("registering with name server {addr} failed: {e}"),
            }
        }
    }

    pub(super) async fn registration_loop(self: Arc<Self>, stop: CancellationToken) {
        let period = Duration::from_millis(
            self.cfg().register_name_server_period.clamp(10_000, 60_000) as u64,
        );
        let mut next = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep_until(next) => {
                    self.register_all(false).await;
                    next = tokio::time::Instant::now() + period;
                }
                _ = self.register_now.notified() => self.register_all(true).await,
            }
        }
    }

    pub(super) async fn unregister_all(&self) {
        let cfg = self.cfg();
        let header = BrokerIdentityHeader {
            broker_name: cfg.broker_name.clone(),
            broker_addr: self.broker_addr(),
            cluster_name: cfg.broker_cluster_name.clone(),
            broker_id: cfg.broker_id,
        };
        for addr in cfg.namesrv_addrs() {
            let request =
                RemotingCommand::request(RequestCode::UNREGISTER_BROKER, header.to_ext_fields());
            if let Err(e) = self
                .namesrv
                .invoke(addr, request, Duration::from_secs(3))
                .await
            {
                tracing::warn!("unregistering from name server {addr} failed: {e}");
            }
        }
    }
}
