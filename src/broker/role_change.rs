//! Online role changes (rmq's own; Apache RocketMQ 4.x brokers change role only by restart):
//! a slave promoted to master of its broker name, a master demoted to a slave of another.
//! Used by `rmq broker promote` / `demote` and `rmq failover` through RMQ_CHANGE_BROKER_ROLE.
//!
//! The order matters for what clients see: replication stops before the store changes role
//! (no replicated byte lands after the first write of the new master), the name servers learn
//! the new id last, when the broker already answers as it.

use std::time::Duration;

use super::config_file::rewrite_properties_file;
use super::controller::Broker;
use crate::config::BrokerRole;
use crate::protocol::body::RoleChange;

/// Why a role change was refused or did not complete.
#[derive(Debug, thiserror::Error)]
pub enum RoleChangeError {
    #[error("this broker is already {0} with brokerId {1}")]
    Unchanged(BrokerRole, i64),
    #[error("a slave needs brokerId 1 or more (got {0})")]
    SlaveId(i64),
    #[error("a slave needs the master's HA address (host:port)")]
    NoMasterAddress,
    #[error("the store refused the new role: {0}")]
    Store(String),
    #[error("the broker is {role} now, but {what}: {reason}")]
    Partly {
        role: BrokerRole,
        what: &'static str,
        reason: String,
    },
}

impl Broker {
    /// A promoted slave may hold messages of topics its last metadata sync did not bring
    /// (created on the master less than 10 s before it died): such topics get a config with
    /// as many queues as it has data for, so they are routed and readable.
    fn adopt_topics_with_data(&self) {
        let mut queues: std::collections::BTreeMap<String, i32> = Default::default();
        for cq in self.store.consume_queues().all() {
            let n = queues.entry(cq.topic().to_string()).or_default();
            *n = (*n).max(cq.queue_id() + 1);
        }
        for (topic, count) in queues {
            if self.metadata.topics.contains(&topic) {
                continue;
            }
            let mut config = crate::protocol::body::TopicConfig::new(topic.clone());
            config.read_queue_nums = count;
            config.write_queue_nums = count;
            self.metadata.topics.create_or_update(config);
            tracing::warn!(
                "promotion: topic {topic} has data but no config here; created with {count} queues"
            );
        }
    }

    /// Changes the broker's role online. `role` a master role: promotion (brokerId 0);
    /// [`BrokerRole::Slave`]: demotion to a slave with `broker_id` replicating from
    /// `master_ha_addr`. The new role and id are written to the `-c` properties file.
    pub async fn change_role(
        &self,
        role: BrokerRole,
        broker_id: i64,
        master_ha_addr: Option<String>,
    ) -> Result<RoleChange, RoleChangeError> {
        let previous_role = self.role();
        let (broker_name, previous_id) = self.with_cfg(|c| (c.broker_name.clone(), c.broker_id));
        let broker_id = if role.is_master() { 0 } else { broker_id };
        if role == BrokerRole::Slave {
            if broker_id < 1 {
                return Err(RoleChangeError::SlaveId(broker_id));
            }
            if master_ha_addr.as_deref().is_none_or(|a| a.len() < 6) {
                return Err(RoleChangeError::NoMasterAddress);
            }
        }
        let same_master = role != BrokerRole::Slave || master_ha_addr == self.ha.master_address();
        if role == previous_role && broker_id == previous_id && same_master {
            return Err(RoleChangeError::Unchanged(role, broker_id));
        }
        tracing::warn!(
            "changing role: {previous_role} (brokerId {previous_id}) -> {role} (brokerId {broker_id}){}",
            master_ha_addr
                .as_deref()
                .map(|a| format!(", master HA address {a}"))
                .unwrap_or_default()
        );

        // 1. A promoted slave takes the master's metadata one last time if the master still
        //    answers (topics created since the last 10 s sync), then replication stops.
        if role.is_master() && previous_role == BrokerRole::Slave {
            if let Some(master) = self.ha.master_remoting_address() {
                match tokio::time::timeout(Duration::from_secs(3), self.sync_from(&master)).await {
                    Ok(Ok(())) => tracing::info!("promotion: metadata taken from {master}"),
                    Ok(Err(e)) => {
                        tracing::info!("promotion: no last metadata sync from {master}: {e}")
                    }
                    Err(_) => {
                        tracing::info!("promotion: no last metadata sync from {master}: timed out")
                    }
                }
            }
        }
        self.stop_replication().await;

        // 2. The store takes the role: a promoted slave drops a partial last record.
        let store = self.store.clone();
        let (max_offset, dropped) = if role.is_master() {
            tokio::task::spawn_blocking(move || store.promote(role))
                .await
                .map_err(|e| RoleChangeError::Store(e.to_string()))?
                .map_err(|e| RoleChangeError::Store(e.to_string()))?
        } else {
            store.demote();
            (self.store.max_phys_offset(), 0)
        };
        if dropped > 0 {
            tracing::warn!(
                "promotion: dropped {dropped} bytes of a partial record at the end of the CommitLog (offset {max_offset})"
            );
        }
        self.config
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .broker_id = broker_id;
        if role.is_master() {
            self.ha.set_configured_master(None);
            self.ha.set_learned_master(None, None);
            self.adopt_topics_with_data();
        } else {
            self.ha.set_configured_master(master_ha_addr.clone());
        }

        // 3. Replication for the new role: the HA listener of a master, the client of a slave.
        let started = self.start_replication().await;

        // 4. Persist, so a restart keeps the role.
        let mut updates = vec![
            ("brokerId".to_string(), broker_id.to_string()),
            ("brokerRole".to_string(), role.as_str().to_string()),
        ];
        if let Some(a) = &master_ha_addr {
            updates.push(("haMasterAddress".to_string(), a.clone()));
        }
        let persisted = match self.config_file.clone() {
            Some(path) => {
                let written =
                    tokio::task::spawn_blocking(move || rewrite_properties_file(&path, &updates))
                        .await
                        .map_err(std::io::Error::other)
                        .and_then(|r| r);
                match written {
                    Ok(()) => true,
                    Err(e) => {
                        tracing::error!("role change not written to the config file: {e}");
                        false
                    }
                }
            }
            None => {
                tracing::warn!("broker started without -c: the new role is not persisted");
                false
            }
        };

        // 5. Tell the name servers: a changed topic-config version makes them take this
        //    broker's queues again (the write permission a failover wiped comes back).
        self.metadata.topics.bump_version();
        self.register_all(false).await;

        let change = RoleChange {
            broker_name,
            broker_addr: self.broker_addr(),
            previous_role: previous_role.as_str().to_string(),
            previous_broker_id: previous_id,
            role: role.as_str().to_string(),
            broker_id,
            commit_log_max_offset: max_offset,
            dropped_partial_bytes: dropped,
            persisted,
        };
        *self
            .last_role_change
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(change.clone());
        if let Err(e) = started {
            return Err(RoleChangeError::Partly {
                role,
                what: "replication did not start",
                reason: e.to_string(),
            });
        }
        tracing::warn!(
            "role is now {role} (brokerId {broker_id}) at CommitLog offset {max_offset}"
        );
        Ok(change)
    }
}
