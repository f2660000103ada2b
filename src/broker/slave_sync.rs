//! A slave's metadata sync (Java `SlaveSynchronize`): 3 s after start and every 10 s, the
//! topics, consumer offsets, delay offsets and subscription groups are taken from the master
//! (the address the name server gave in the REGISTER_BROKER answer) with the requests a Java
//! slave sends, and persisted.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::controller::Broker;
use crate::protocol::body::{
    ConsumerOffsetSerializeWrapper, SubscriptionGroupWrapper, TopicConfigSerializeWrapper,
};
use crate::protocol::{ExtFields, RemotingCommand, RequestCode, ResponseCode};

const FIRST_SYNC: Duration = Duration::from_secs(3);
const SYNC_PERIOD: Duration = Duration::from_secs(10);
const SYNC_TIMEOUT: Duration = Duration::from_secs(3);

impl Broker {
    pub(super) async fn slave_sync_loop(self: Arc<Self>, stop: CancellationToken) {
        let mut next = tokio::time::Instant::now() + FIRST_SYNC;
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep_until(next) => {
                    next = tokio::time::Instant::now() + SYNC_PERIOD;
                    if self.role() != crate::config::BrokerRole::Slave {
                        continue;
                    }
                    if let Some(master) = self.ha.master_remoting_address() {
                        if let Err(e) = self.sync_from(&master).await {
                            tracing::warn!("metadata sync from master {master} failed: {e}");
                        }
                    }
                }
            }
        }
    }

    async fn fetch(&self, master: &str, code: RequestCode) -> Result<bytes::Bytes, String> {
        let request = RemotingCommand::request(code, ExtFields::default());
        let r = self
            .namesrv
            .invoke(master, request, SYNC_TIMEOUT)
            .await
            .map_err(|e| format!("{code:?}: {e}"))?;
        if r.response_code() != ResponseCode::SUCCESS {
            return Err(format!(
                "{code:?}: {:?} {}",
                r.response_code(),
                r.remark.unwrap_or_default()
            ));
        }
        Ok(r.body)
    }

    /// One sync of every table; each table is applied as soon as it arrives.
    pub(super) async fn sync_from(&self, master: &str) -> Result<(), String> {
        let body = self
            .fetch(master, RequestCode::GET_ALL_TOPIC_CONFIG)
            .await?;
        let topics = TopicConfigSerializeWrapper::from_json(&body).map_err(|e| e.to_string())?;
        if self.metadata.topics.replace_all(topics) {
            tracing::info!("metadata sync: topics taken from master {master}");
        }

        let body = self
            .fetch(master, RequestCode::GET_ALL_CONSUMER_OFFSET)
            .await?;
        let offsets =
            ConsumerOffsetSerializeWrapper::from_json(&body).map_err(|e| e.to_string())?;
        self.metadata.offsets.put_all(offsets);
        self.metadata.offsets.persist().map_err(|e| e.to_string())?;

        let body = self
            .fetch(master, RequestCode::GET_ALL_DELAY_OFFSET)
            .await?;
        if !body.is_empty() {
            self.metadata
                .delay_offsets
                .replace_from_json(&body)
                .map_err(|e| e.to_string())?;
        }

        let body = self
            .fetch(master, RequestCode::GET_ALL_SUBSCRIPTIONGROUP_CONFIG)
            .await?;
        let groups = SubscriptionGroupWrapper::from_json(&body).map_err(|e| e.to_string())?;
        if self.metadata.groups.replace_all(groups) {
            tracing::info!("metadata sync: subscription groups taken from master {master}");
        }
        Ok(())
    }
}
