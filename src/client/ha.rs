//! Replication status of master/slave pairs ([`MqClient::ha_status`], what `rmq ha status`,
//! `rmq broker status` and `rmq cluster list` show), read from the brokers' runtime info.
//!
//! What each side reports: every broker, rmq or Java 4.9.x, reports `commitLogMaxOffset`. An
//! rmq broker also reports its role (`rmqHaRole`), on a master the connected slaves and the
//! largest offset one of them acknowledged (`rmqHaSlaveCount`, `rmqHaSlaveAckOffset`), and on a
//! slave the master it replicates from (`rmqHaMasterAddr`). A Java 4.9.x broker reports none of
//! those (its HA state is not in GET_BROKER_RUNTIME_INFO before 5.x); its role comes from its
//! configuration (GET_BROKER_CONFIG `brokerRole`), and how far a slave is behind from the
//! slave's own `commitLogMaxOffset`.

use super::{MqClient, Result};
use crate::common::clock::now_ms;
use crate::common::message::{decode_record, Record};
use crate::protocol::body::{BrokerData, KVTable, MASTER_ID};

/// The replication figures of one broker's runtime info.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HaInfo {
    /// ASYNC_MASTER, SYNC_MASTER or SLAVE, when the broker says (rmq: runtime info; Java: its
    /// configuration, see [`MqClient::broker_ha_info`]).
    pub role: Option<String>,
    /// End of the broker's CommitLog (`commitLogMaxOffset`).
    pub max_offset: Option<i64>,
    /// On an rmq master: connected slaves.
    pub slave_count: Option<i64>,
    /// On an rmq master: the largest offset a slave acknowledged.
    pub slave_ack_offset: Option<i64>,
    /// On an rmq slave: the master's HA address (empty until learnt).
    pub master_addr: Option<String>,
    /// On an rmq master: each connected slave, by address order.
    pub slaves: Vec<SlaveAck>,
}

/// One slave as an rmq master reports it (`rmqHaSlaveAckOffset_<addr>` and its companions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlaveAck {
    /// The slave's end of the HA connection (the HA protocol does not carry its broker
    /// address).
    pub ha_addr: String,
    /// What it acknowledged (-1 before its first report).
    pub ack_offset: i64,
    pub behind_bytes: i64,
    /// Age of the oldest message it lacks by the master's clock; `None` when its offset is
    /// not at a message start.
    pub behind_millis: Option<i64>,
}

impl HaInfo {
    /// The figures in a runtime info table (no request).
    pub fn from_runtime_info(kv: &KVTable) -> HaInfo {
        let num = |k: &str| kv.table.get(k).and_then(|v| v.trim().parse::<i64>().ok());
        HaInfo {
            role: kv.table.get("rmqHaRole").cloned(),
            max_offset: num("commitLogMaxOffset"),
            slave_count: num("rmqHaSlaveCount"),
            slave_ack_offset: num("rmqHaSlaveAckOffset"),
            master_addr: kv.table.get("rmqHaMasterAddr").cloned(),
            slaves: kv
                .table
                .iter()
                .filter_map(|(k, v)| {
                    let addr = k.strip_prefix("rmqHaSlaveAckOffset_")?;
                    let of = |key: &str| num(&format!("{key}_{addr}"));
                    Some(SlaveAck {
                        ha_addr: addr.to_string(),
                        ack_offset: v.trim().parse().ok()?,
                        behind_bytes: of("rmqHaSlaveBehindBytes").unwrap_or(-1),
                        behind_millis: of("rmqHaSlaveBehindMillis").filter(|&ms| ms >= 0),
                    })
                })
                .collect(),
        }
    }
}

/// One master/slave pair of a broker name (or a master without slave, or a slave without a
/// registered master).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HaPair {
    pub cluster: String,
    pub broker_name: String,
    /// `None` when no master is registered for the name (e.g. it is down).
    pub master_addr: Option<String>,
    pub master_role: Option<String>,
    /// `None` for a master without a registered slave.
    pub slave_addr: Option<String>,
    pub slave_id: Option<i64>,
    pub master_max_offset: Option<i64>,
    /// The offset the master says a slave acknowledged (rmq masters with exactly one slave
    /// registered; a Java 4.9.x master does not report it).
    pub slave_ack_offset: Option<i64>,
    /// The slave's own CommitLog end.
    pub slave_max_offset: Option<i64>,
    /// Master's max offset minus the slave's (its own offset, else the acknowledged one).
    pub behind_bytes: Option<i64>,
    /// Age of the oldest message the slave lacks: this client's clock minus the master's
    /// store time of the message at the slave's offset; 0 when in sync; `None` when unknown
    /// (the slave's offset is not at a message boundary, or a side did not answer).
    pub behind_millis: Option<i64>,
    /// The slave has everything the master had when asked (its offset ≥ the master's max).
    pub in_sync: bool,
    /// Why a figure is missing (a broker did not answer), `; `-separated.
    pub error: Option<String>,
}

impl MqClient {
    /// The replication figures of one broker: its runtime info, and for a broker that does not
    /// state its role there (Java 4.9.x), `brokerRole` from its configuration.
    pub async fn broker_ha_info(&self, addr: &str) -> Result<HaInfo> {
        let kv = self.broker_runtime_info(addr).await?;
        let mut info = HaInfo::from_runtime_info(&kv);
        if info.role.is_none() {
            info.role = self.configured_role(addr).await;
        }
        Ok(info)
    }

    /// `brokerRole` of a broker's configuration (GET_BROKER_CONFIG); `None` when it does not
    /// answer or has none.
    pub async fn configured_role(&self, addr: &str) -> Option<String> {
        let props = self.broker_config(addr).await.ok()?;
        props.get("brokerRole").map(|r| r.trim().to_uppercase())
    }

    /// One [`HaPair`] per slave of each selected broker name, one with no slave for a master
    /// without slaves; sorted by broker name then slave id. `cluster` and `broker_name`
    /// narrow the selection (an unknown name is an error).
    pub async fn ha_status(
        &self,
        cluster: Option<&str>,
        broker_name: Option<&str>,
    ) -> Result<Vec<HaPair>> {
        let info = self.cluster_info().await?;
        if let Some(c) = cluster {
            if !info.cluster_addr_table.contains_key(c) {
                return Err(super::ClientError::Other(format!(
                    "no cluster named {c} (known: {})",
                    known(info.cluster_addr_table.keys())
                )));
            }
        }
        if let Some(b) = broker_name {
            if !info.broker_addr_table.contains_key(b) {
                return Err(super::ClientError::Other(format!(
                    "no broker named {b} is registered (known: {})",
                    known(info.broker_addr_table.keys())
                )));
            }
        }
        let mut groups: Vec<&BrokerData> = info
            .broker_addr_table
            .iter()
            .filter(|(name, _)| broker_name.is_none_or(|b| b == name.as_str()))
            .filter(|(name, data)| {
                cluster.is_none_or(|c| {
                    data.cluster == c
                        || info
                            .cluster_addr_table
                            .get(c)
                            .is_some_and(|names| names.contains(*name))
                })
            })
            .map(|(_, data)| data)
            .collect();
        groups.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
        let mut pairs = Vec::new();
        for data in groups {
            let cluster_name = if data.cluster.is_empty() {
                info.cluster_addr_table
                    .iter()
                    .find(|(_, names)| names.contains(&data.broker_name))
                    .map(|(c, _)| c.clone())
                    .unwrap_or_default()
            } else {
                data.cluster.clone()
            };
            pairs.extend(self.pairs_of(&cluster_name, data).await);
        }
        Ok(pairs)
    }

    /// Polls [`MqClient::ha_status`] every `poll` until every selected pair is in sync (only
    /// the pair of slave `slave_addr`, when given) or `timeout` passes; the last status and
    /// whether it is in sync.
    pub async fn wait_in_sync(
        &self,
        cluster: Option<&str>,
        broker_name: Option<&str>,
        slave_addr: Option<&str>,
        timeout: std::time::Duration,
        poll: std::time::Duration,
    ) -> Result<(Vec<HaPair>, bool)> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let pairs = self.ha_status(cluster, broker_name).await?;
            let selected: Vec<&HaPair> = pairs
                .iter()
                .filter(|p| slave_addr.is_none_or(|s| p.slave_addr.as_deref() == Some(s)))
                .collect();
            let in_sync = !selected.is_empty() && selected.iter().all(|p| p.in_sync);
            if in_sync || std::time::Instant::now() + poll >= deadline {
                return Ok((pairs, in_sync));
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// The pairs of one broker name.
    async fn pairs_of(&self, cluster: &str, data: &BrokerData) -> Vec<HaPair> {
        let master_addr = data.master_addr().map(str::to_string);
        let slaves: Vec<(i64, String)> = data
            .broker_addrs
            .iter()
            .filter(|(&id, _)| id != MASTER_ID)
            .map(|(&id, a)| (id, a.clone()))
            .collect();
        let mut master_error = None;
        let master = match &master_addr {
            Some(addr) => match self.broker_ha_info(addr).await {
                Ok(i) => Some(i),
                Err(e) => {
                    master_error = Some(format!("master {addr}: {e}"));
                    None
                }
            },
            None => None,
        };
        let base = HaPair {
            cluster: cluster.to_string(),
            broker_name: data.broker_name.clone(),
            master_addr: master_addr.clone(),
            master_role: master.as_ref().and_then(|m| m.role.clone()),
            master_max_offset: master.as_ref().and_then(|m| m.max_offset),
            ..HaPair::default()
        };
        if slaves.is_empty() {
            return vec![HaPair {
                error: master_error,
                ..base
            }];
        }
        let mut out = Vec::with_capacity(slaves.len());
        for (id, slave_addr) in slaves {
            let mut errors: Vec<String> = master_error.iter().cloned().collect();
            let slave_max = match self.broker_runtime_info(&slave_addr).await {
                Ok(kv) => HaInfo::from_runtime_info(&kv).max_offset,
                Err(e) => {
                    errors.push(format!("slave {slave_addr}: {e}"));
                    None
                }
            };
            // The master's figure is the largest acknowledgement of any slave: it is this
            // slave's only when it is the only one.
            let ack = if data.broker_addrs.len() == 2 {
                master.as_ref().and_then(|m| m.slave_ack_offset)
            } else {
                None
            };
            let mut pair = HaPair {
                slave_addr: Some(slave_addr),
                slave_id: Some(id),
                slave_ack_offset: ack,
                slave_max_offset: slave_max,
                error: (!errors.is_empty()).then(|| errors.join("; ")),
                ..base.clone()
            };
            let slave_offset = slave_max.or(ack);
            if let (Some(m), Some(s)) = (pair.master_max_offset, slave_offset) {
                pair.behind_bytes = Some((m - s).max(0));
                pair.in_sync = s >= m;
                pair.behind_millis = if pair.in_sync {
                    Some(0)
                } else {
                    self.age_at(master_addr.as_deref().unwrap_or_default(), s)
                        .await
                };
            }
            out.push(pair);
        }
        out
    }

    /// How old (by this client's clock) the message the master stored at `offset` is; `None`
    /// when `offset` is not the start of a message there.
    async fn age_at(&self, master: &str, offset: i64) -> Option<i64> {
        let bytes = self.view_message(master, offset).await.ok()?;
        match decode_record(&bytes) {
            Ok(Record::Message(m)) if m.physical_offset == offset => {
                Some((now_ms() - m.store_timestamp).max(0))
            }
            _ => None,
        }
    }
}

fn known<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_info_figures() {
        let mut kv = KVTable::default();
        for (k, v) in [
            ("commitLogMaxOffset", "1234"),
            ("rmqHaRole", "SYNC_MASTER"),
            ("rmqHaSlaveCount", "1"),
            ("rmqHaSlaveAckOffset", "1000"),
            ("rmqHaSlaveAckOffset_127.0.0.1:5000", "1000"),
            ("rmqHaSlaveBehindBytes_127.0.0.1:5000", "234"),
            ("rmqHaSlaveBehindMillis_127.0.0.1:5000", "-1"),
        ] {
            kv.table.insert(k.into(), v.into());
        }
        let info = HaInfo::from_runtime_info(&kv);
        assert_eq!(info.max_offset, Some(1234));
        assert_eq!(info.role.as_deref(), Some("SYNC_MASTER"));
        assert_eq!(info.slave_count, Some(1));
        assert_eq!(info.slave_ack_offset, Some(1000));
        assert_eq!(info.master_addr, None);
        assert_eq!(
            info.slaves,
            [SlaveAck {
                ha_addr: "127.0.0.1:5000".into(),
                ack_offset: 1000,
                behind_bytes: 234,
                behind_millis: None,
            }]
        );
        // A Java 4.9.x broker: only the CommitLog end.
        let mut java = KVTable::default();
        java.table.insert("commitLogMaxOffset".into(), "99".into());
        let info = HaInfo::from_runtime_info(&java);
        assert_eq!(info.max_offset, Some(99));
        assert_eq!(info.role, None);
    }
}
