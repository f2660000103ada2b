//! Failover of a 4.x master/slave pair (no DLedger): what `rmq failover plan` finds about a
//! broker name, the online role change of rmq brokers (`rmq broker promote` / `demote`,
//! RMQ_CHANGE_BROKER_ROLE), and the steps `rmq failover execute` takes.
//!
//! Apache RocketMQ 4.x has no tool for this: operators stop writes to the dead master, make
//! sure the slave has everything, restart the slave as `brokerId=0`, and later bring the old
//! master back as a slave after cutting its CommitLog back. With rmq brokers the slave is
//! promoted online; a Java broker is reported with the manual steps instead.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::Result;
use super::{
    request, ClientError, HaInfo, Message, MqClient, Producer, ProducerOptions, QueueSelect,
};
use crate::common::names::RMQ_SYS_SELF_TEST_TOPIC;
use crate::config::BrokerRole;
use crate::protocol::body::{RoleChange, MASTER_ID};
use crate::protocol::header::ChangeBrokerRoleRequestHeader;
use crate::protocol::{RequestCode, ResponseCode};

/// Longest wait for one broker while looking at a pair: a dead broker must not stall the plan.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Producer group of the write probe (rmq's, so it is not mistaken for an application's).
const PROBE_GROUP: &str = "RMQ_FAILOVER_PROBE_GROUP";

/// One broker process of a broker name, as found.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub broker_id: i64,
    pub addr: String,
    /// Answered GET_BROKER_RUNTIME_INFO within the probe timeout.
    pub reachable: bool,
    pub error: Option<String>,
    /// `brokerRole` it reports (ASYNC_MASTER, SYNC_MASTER, SLAVE).
    pub role: Option<String>,
    /// An rmq broker (can change role online); false for a Java broker.
    pub rmq: bool,
    pub version: Option<String>,
    /// Its CommitLog's end.
    pub max_offset: Option<i64>,
    /// Its HA address (`brokerIP2:haListenPort`), where slaves connect.
    pub ha_addr: Option<String>,
    /// On a slave: bytes the master has that it has not (master's end − its end).
    pub behind_bytes: Option<i64>,
    /// On an rmq broker promoted since its start: the CommitLog offset where it became master.
    pub role_changed_at_offset: Option<i64>,
}

/// What state a broker name is in, for failover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairState {
    /// The master answers and a slave has (nearly) everything.
    Healthy,
    /// No master registered, or the registered one does not answer.
    MasterDown,
    /// The master answers; no slave is registered.
    NoSlave,
    /// The master answers; no slave does.
    SlaveDown,
    /// The master answers; the best slave is more than the lag threshold behind.
    SlaveLagging,
}

/// Everything `rmq failover plan` reports about one broker name.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailoverPlan {
    pub broker_name: String,
    pub cluster: Option<String>,
    pub state: PairState,
    pub master_addr: Option<String>,
    pub master_reachable: bool,
    pub master: Option<Member>,
    pub slaves: Vec<Member>,
    /// The slave to promote: reachable, with the most data.
    pub candidate_addr: Option<String>,
    /// Consumer groups with clients connected to the pair, and how many clients.
    pub consumer_groups: Vec<GroupClients>,
    /// Findings in words, worst first.
    pub findings: Vec<String>,
    /// What `rmq failover execute` would do, in order.
    pub steps: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupClients {
    pub group: String,
    pub clients: usize,
}

impl FailoverPlan {
    /// The smallest slave id (≥ 1) no member of the broker name uses now: what a demoted
    /// master takes, so it does not replace a registered slave on the name servers.
    pub fn free_slave_id(&self) -> i64 {
        (1..)
            .find(|id| !self.slaves.iter().any(|s| s.broker_id == *id))
            .unwrap_or(1)
    }

    pub fn candidate(&self) -> Option<&Member> {
        let addr = self.candidate_addr.as_deref()?;
        self.slaves.iter().find(|s| s.addr == addr)
    }

    /// One field as text, for shell scripts (`rmq failover plan --get FIELD`): any top-level
    /// scalar of the JSON form (`state`, `masterAddr`, `candidateAddr`, ...) plus
    /// `candidateHaAddr`, `candidateMaxOffset`, `masterMaxOffset` and `promotedAtOffset`.
    pub fn field(&self, name: &str) -> Option<String> {
        let candidate = self.candidate();
        let text = match name {
            "candidateHaAddr" => candidate.and_then(|c| c.ha_addr.clone())?,
            "candidateMaxOffset" => candidate.and_then(|c| c.max_offset)?.to_string(),
            "masterMaxOffset" => self.master.as_ref().and_then(|m| m.max_offset)?.to_string(),
            "masterHaAddr" => self.master.as_ref().and_then(|m| m.ha_addr.clone())?,
            "promotedAtOffset" => self
                .master
                .as_ref()
                .and_then(|m| m.role_changed_at_offset)?
                .to_string(),
            _ => match serde_json::to_value(self).ok()?.get(name)? {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => return None,
                v @ (serde_json::Value::Bool(_) | serde_json::Value::Number(_)) => v.to_string(),
                _ => return None,
            },
        };
        Some(text)
    }
}

/// One step of `rmq failover execute` as it happened.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    pub step: String,
    pub ok: bool,
    pub millis: u64,
    pub detail: String,
}

/// Options of `rmq failover execute`.
#[derive(Clone, Debug)]
pub struct ExecuteOptions {
    /// Role the promoted slave takes.
    pub role: BrokerRole,
    /// Longest wait for the slave to catch up with a reachable master, and for the routes.
    pub timeout: Duration,
}

/// How `rmq failover execute` ended.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecuteReport {
    pub broker_name: String,
    pub old_master: Option<String>,
    pub new_master: Option<String>,
    /// Where the new master's CommitLog started to be its own: an old master that was ahead
    /// is cut back to this offset (`rmq store truncate --to`) before it rejoins.
    pub promoted_at_offset: Option<i64>,
    pub steps: Vec<StepReport>,
    /// What the operator does next (rejoin the old master, or fix a failed step).
    pub next: Vec<String>,
}

impl MqClient {
    /// Changes the role of the rmq broker at `addr` online (RMQ_CHANGE_BROKER_ROLE): a master
    /// role promotes a slave (brokerId 0); SLAVE demotes a master to slave `broker_id` of the
    /// master whose HA address is `master_ha_addr`. A Java broker refuses with
    /// REQUEST_CODE_NOT_SUPPORTED.
    pub async fn change_broker_role(
        &self,
        addr: &str,
        role: BrokerRole,
        broker_id: i64,
        master_ha_addr: Option<&str>,
    ) -> Result<RoleChange> {
        let h = ChangeBrokerRoleRequestHeader {
            broker_role: role.as_str().to_string(),
            broker_id,
            ha_master_address: master_ha_addr.map(str::to_string),
        };
        let r = self
            .invoke(addr, request(RequestCode::RMQ_CHANGE_BROKER_ROLE, &h))
            .await?;
        match r.response_code() {
            ResponseCode::SUCCESS => {
                RoleChange::from_json(&r.body).map_err(|source| ClientError::Protocol {
                    addr: addr.to_string(),
                    source,
                })
            }
            ResponseCode::REQUEST_CODE_NOT_SUPPORTED => Err(ClientError::Other(format!(
                "{addr} cannot change role online (a Java broker?): stop it, set brokerId and \
                 brokerRole in its properties file, and start it again"
            ))),
            code => Err(ClientError::Refused {
                addr: addr.to_string(),
                code,
                remark: r.remark.unwrap_or_default(),
            }),
        }
    }

    /// Looks at one broker process: runtime info and config, each within 2 s (a dead broker
    /// must not stall a plan).
    pub async fn failover_member(&self, broker_id: i64, addr: &str) -> Member {
        let mut m = Member {
            broker_id,
            addr: addr.to_string(),
            reachable: false,
            error: None,
            role: None,
            rmq: false,
            version: None,
            max_offset: None,
            ha_addr: None,
            behind_bytes: None,
            role_changed_at_offset: None,
        };
        let timeout = PROBE_TIMEOUT.min(self.timeout());
        let info = match tokio::time::timeout(timeout, self.broker_runtime_info(addr)).await {
            Ok(Ok(kv)) => kv,
            Ok(Err(e)) => {
                m.error = Some(e.chain());
                return m;
            }
            Err(_) => {
                m.error = Some(format!("no answer within {timeout:?}"));
                return m;
            }
        };
        m.reachable = true;
        let ha = HaInfo::from_runtime_info(&info);
        m.rmq = ha.role.is_some();
        m.role = ha.role;
        m.max_offset = ha.max_offset;
        m.version = info.table.get("brokerVersionDesc").cloned();
        m.role_changed_at_offset = info
            .table
            .get("rmqRoleChangedAtOffset")
            .and_then(|v| v.parse().ok());
        if let Ok(Ok(props)) = tokio::time::timeout(timeout, self.broker_config(addr)).await {
            if let Some(role) = props.get("brokerRole") {
                m.role = Some(role.to_string());
            }
            if let (Some(ip2), Some(port)) = (props.get("brokerIP2"), props.get("haListenPort")) {
                m.ha_addr = Some(format!("{ip2}:{port}"));
            }
        }
        m
    }

    /// What a failover of `broker_name` would find and do. A slave more than `lag_threshold`
    /// bytes behind a reachable master makes the pair [`PairState::SlaveLagging`].
    pub async fn failover_plan(
        &self,
        broker_name: &str,
        lag_threshold: i64,
    ) -> Result<FailoverPlan> {
        let info = self.cluster_info().await?;
        let Some(data) = info.broker_addr_table.get(broker_name) else {
            return Err(ClientError::Other(format!(
                "no broker named {broker_name} is registered (known: {}); see 'rmq cluster list'",
                info.broker_addr_table
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        let cluster = info
            .cluster_addr_table
            .iter()
            .find(|(_, names)| names.contains(broker_name))
            .map(|(c, _)| c.clone());
        let mut master = None;
        let mut slaves = Vec::new();
        for (id, addr) in &data.broker_addrs {
            let member = self.failover_member(*id, addr).await;
            if *id == MASTER_ID {
                master = Some(member);
            } else {
                slaves.push(member);
            }
        }
        let master_reachable = master.as_ref().is_some_and(|m| m.reachable);
        let master_max = master.as_ref().and_then(|m| m.max_offset);
        for s in &mut slaves {
            if let (Some(mm), Some(sm)) = (master_max, s.max_offset) {
                s.behind_bytes = Some((mm - sm).max(0));
            }
        }
        // The slave with the most data among those that answer.
        let candidate = slaves
            .iter()
            .filter(|s| s.reachable)
            .max_by_key(|s| (s.max_offset.unwrap_or(-1), -s.broker_id))
            .cloned();

        let mut findings = Vec::new();
        let state = if !master_reachable {
            match &master {
                None => findings.push(format!("no master of {broker_name} is registered")),
                Some(m) => findings.push(format!(
                    "master {} does not answer: {}",
                    m.addr,
                    m.error.as_deref().unwrap_or("unreachable")
                )),
            }
            PairState::MasterDown
        } else if slaves.is_empty() {
            findings.push(format!("{broker_name} has no slave registered"));
            PairState::NoSlave
        } else {
            match candidate
                .as_ref()
                .map(|c| (c, c.behind_bytes.unwrap_or_default()))
            {
                None => {
                    findings.push("no slave answers".to_string());
                    PairState::SlaveDown
                }
                Some((c, behind)) if behind > lag_threshold => {
                    findings.push(format!(
                        "slave {} is {behind} bytes behind the master (more than {lag_threshold})",
                        c.addr
                    ));
                    PairState::SlaveLagging
                }
                Some((_, 0)) => {
                    findings.push("master and slave answer; the slave is in sync".to_string());
                    PairState::Healthy
                }
                Some((_, behind)) => {
                    findings.push(format!(
                        "master and slave answer; the slave is {behind} bytes behind (within {lag_threshold})"
                    ));
                    PairState::Healthy
                }
            }
        };
        for s in &slaves {
            if !s.reachable {
                findings.push(format!(
                    "slave {} (brokerId {}) does not answer: {}",
                    s.addr,
                    s.broker_id,
                    s.error.as_deref().unwrap_or("unreachable")
                ));
            } else if let Some(b) = s.behind_bytes {
                findings.push(format!(
                    "slave {} (brokerId {}) is {b} bytes behind",
                    s.addr, s.broker_id
                ));
            }
        }
        if let Some(c) = &candidate {
            if !c.rmq {
                findings.push(format!(
                    "slave {} is not an rmq broker: it cannot be promoted online",
                    c.addr
                ));
            }
        }

        let consumer_groups = self
            .connected_groups(master.iter().chain(slaves.iter()).filter(|m| m.reachable))
            .await;
        if !consumer_groups.is_empty() {
            findings.push(format!(
                "{} consumer group(s) with clients connected",
                consumer_groups.len()
            ));
        }

        let mut steps = Vec::new();
        let master_addr = master.as_ref().map(|m| m.addr.clone());
        match &candidate {
            None => steps.push("nothing to promote: no slave answers".to_string()),
            Some(c) => {
                steps.push(format!(
                    "wipe the write permission of {broker_name} on every name server"
                ));
                if master_reachable {
                    steps.push(format!(
                        "wait until slave {} has every byte of master {} (in sync)",
                        c.addr,
                        master_addr.as_deref().unwrap_or("?")
                    ));
                    steps.push(format!(
                        "demote master {} to a slave of {}",
                        master_addr.as_deref().unwrap_or("?"),
                        c.ha_addr.as_deref().unwrap_or(&c.addr)
                    ));
                } else {
                    steps.push(format!(
                        "the master is down: promote what the slave has (CommitLog up to {})",
                        c.max_offset.map_or("?".to_string(), |o| o.to_string())
                    ));
                }
                steps.push(format!("promote slave {} to master (brokerId 0)", c.addr));
                steps.push(format!(
                    "verify: the name servers route {broker_name}'s writes to {} and it takes a write",
                    c.addr
                ));
                if !master_reachable {
                    steps.push(
                        "later: truncate the old master's store to the promotion offset and rejoin it as a slave (conf/failover/rejoin-old-master.sh)"
                            .to_string(),
                    );
                }
            }
        }

        Ok(FailoverPlan {
            broker_name: broker_name.to_string(),
            cluster,
            state,
            master_addr,
            master_reachable,
            master,
            slaves,
            candidate_addr: candidate.map(|c| c.addr),
            consumer_groups,
            findings,
            steps,
        })
    }

    /// Consumer groups with clients connected to any of `members` (first one that answers
    /// the group listing is asked; at most 200 groups are looked at).
    async fn connected_groups<'a>(
        &self,
        members: impl Iterator<Item = &'a Member>,
    ) -> Vec<GroupClients> {
        let timeout = PROBE_TIMEOUT.min(self.timeout());
        let mut out = Vec::new();
        for m in members {
            let Ok(Ok(groups)) = tokio::time::timeout(timeout, self.all_groups(&m.addr)).await
            else {
                continue;
            };
            for group in groups.subscription_group_table.keys().take(200) {
                if crate::common::names::BUILTIN_GROUPS.contains(&group.as_str()) {
                    continue;
                }
                if let Ok(Ok(Some(conn))) =
                    tokio::time::timeout(timeout, self.consumer_connection(&m.addr, group)).await
                {
                    if !conn.connection_set.is_empty() {
                        out.push(GroupClients {
                            group: group.clone(),
                            clients: conn.connection_set.len(),
                        });
                    }
                }
            }
            break;
        }
        out
    }

    /// Waits until the name servers route `broker_name`'s writes to `addr` and a message sent
    /// through that route to SELF_TEST_TOPIC is stored; the probe's offset message id.
    pub async fn verify_new_master(
        self: &Arc<Self>,
        broker_name: &str,
        addr: &str,
        timeout: Duration,
    ) -> Result<String> {
        let deadline = Instant::now() + timeout;
        let mut last_error;
        loop {
            last_error = match self.cluster_info().await {
                Ok(info) => match info
                    .broker_addr_table
                    .get(broker_name)
                    .and_then(|b| b.master_addr())
                {
                    Some(a) if a == addr => match self.probe_write(broker_name).await {
                        Ok(id) => return Ok(id),
                        Err(e) => e.chain(),
                    },
                    Some(a) => format!("the name servers still give {a} as the master"),
                    None => "the name servers give no master".to_string(),
                },
                Err(e) => e.chain(),
            };
            if Instant::now() >= deadline {
                return Err(ClientError::Other(format!(
                    "{addr} is not taking {broker_name}'s writes after {timeout:?}: {last_error}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Sends one message to SELF_TEST_TOPIC on `broker_name` through the name servers' route.
    async fn probe_write(self: &Arc<Self>, broker_name: &str) -> Result<String> {
        let producer = Producer::new(
            self.clone(),
            ProducerOptions {
                group: PROBE_GROUP.to_string(),
                retries: 0,
                broker: Some(broker_name.to_string()),
                auto_create: false,
                ..ProducerOptions::default()
            },
        );
        let msg = Message::new(RMQ_SYS_SELF_TEST_TOPIC, "rmq failover write probe");
        let sent = producer.send(&msg, QueueSelect::Queue(0)).await;
        let outcome = sent
            .result?
            .ok_or_else(|| ClientError::Other("the write probe got no answer".to_string()))?;
        Ok(outcome.offset_msg_id)
    }

    /// Fails `broker_name` over to its best slave (see [`FailoverPlan::steps`]); `on_step` sees
    /// each step as it ends. Stops at the first failed step, with what to do next in
    /// [`ExecuteReport::next`].
    pub async fn failover_execute(
        self: &Arc<Self>,
        broker_name: &str,
        options: &ExecuteOptions,
        mut on_step: impl FnMut(&StepReport),
    ) -> Result<ExecuteReport> {
        let mut report = ExecuteReport {
            broker_name: broker_name.to_string(),
            old_master: None,
            new_master: None,
            promoted_at_offset: None,
            steps: Vec::new(),
            next: Vec::new(),
        };
        let mut step = |report: &mut ExecuteReport,
                        name: &str,
                        started: Instant,
                        r: std::result::Result<String, String>| {
            let s = StepReport {
                step: name.to_string(),
                ok: r.is_ok(),
                millis: started.elapsed().as_millis() as u64,
                detail: r.unwrap_or_else(|e| e),
            };
            on_step(&s);
            let ok = s.ok;
            report.steps.push(s);
            ok
        };

        let t = Instant::now();
        let plan = match self.failover_plan(broker_name, i64::MAX).await {
            Ok(p) => p,
            Err(e) => {
                step(&mut report, "plan", t, Err(e.chain()));
                return Ok(report);
            }
        };
        report.old_master = plan.master_addr.clone();
        let Some(candidate) = plan.candidate().cloned() else {
            step(
                &mut report,
                "plan",
                t,
                Err("no slave answers: nothing to promote".into()),
            );
            report
                .next
                .push("start a slave of this broker name, or restart the master".into());
            return Ok(report);
        };
        if !candidate.rmq {
            step(
                &mut report,
                "plan",
                t,
                Err(format!(
                    "slave {} is a Java broker: it cannot be promoted online",
                    candidate.addr
                )),
            );
            report.next.push(format!(
                "stop {}, set brokerId=0 and brokerRole=ASYNC_MASTER (or SYNC_MASTER) in its properties file, start it, then run 'rmq failover verify --broker-name {broker_name} --new-master {}'",
                candidate.addr, candidate.addr
            ));
            return Ok(report);
        }
        let master = plan.master.clone().filter(|m| m.reachable);
        if let Some(m) = &master {
            if !m.rmq {
                step(
                    &mut report,
                    "plan",
                    t,
                    Err(format!(
                        "master {} answers and is a Java broker: it cannot be demoted online",
                        m.addr
                    )),
                );
                report
                    .next
                    .push(format!("stop master {} first, then run this again", m.addr));
                return Ok(report);
            }
        }
        step(
            &mut report,
            "plan",
            t,
            Ok(format!(
                "{}; promoting slave {} (CommitLog end {})",
                plan.findings.first().cloned().unwrap_or_default(),
                candidate.addr,
                candidate.max_offset.unwrap_or(-1)
            )),
        );

        // 1. Producers stop writing to the old master.
        let t = Instant::now();
        let mut wiped = Vec::new();
        let mut failed = Vec::new();
        for ns in self.namesrv_addrs().to_vec() {
            match self.set_write_perm(&ns, broker_name, false).await {
                Ok(n) => wiped.push(format!("{ns}: {n} topics")),
                Err(e) => failed.push(format!("{ns}: {}", e.chain())),
            }
        }
        let ok = !wiped.is_empty();
        let detail = if failed.is_empty() {
            wiped.join(", ")
        } else {
            format!("{}; failed: {}", wiped.join(", "), failed.join(", "))
        };
        if !step(
            &mut report,
            "wipe-write-perm",
            t,
            if ok { Ok(detail) } else { Err(detail) },
        ) {
            report
                .next
                .push("no name server answered: check -n / NAMESRV_ADDR".into());
            return Ok(report);
        }

        // 2. A live master: let the slave catch up, then make the old master a slave.
        if let Some(m) = &master {
            let t = Instant::now();
            let r = match self
                .wait_in_sync(
                    None,
                    Some(broker_name),
                    Some(&candidate.addr),
                    options.timeout,
                    Duration::from_millis(200),
                )
                .await
            {
                Ok((pairs, in_sync)) => {
                    let pair = pairs
                        .iter()
                        .find(|p| p.slave_addr.as_deref() == Some(candidate.addr.as_str()));
                    let end = pair.and_then(|p| p.slave_max_offset).unwrap_or(-1);
                    if in_sync {
                        Ok(format!("slave at {end}, equal to the master's end"))
                    } else {
                        Err(format!(
                            "slave {} is still {} bytes behind after {:?}",
                            candidate.addr,
                            pair.and_then(|p| p.behind_bytes).unwrap_or(-1),
                            options.timeout
                        ))
                    }
                }
                Err(e) => Err(e.chain()),
            };
            if !step(&mut report, "wait-in-sync", t, r) {
                report.next.push(format!("writes to {broker_name} are wiped: restore them with 'rmq broker perm add -b {broker_name}' or retry"));
                return Ok(report);
            }
            let t = Instant::now();
            let Some(slave_ha) = candidate.ha_addr.clone() else {
                step(
                    &mut report,
                    "demote-old-master",
                    t,
                    Err(format!("the HA address of {} is unknown", candidate.addr)),
                );
                return Ok(report);
            };
            let r = self
                .change_broker_role(
                    &m.addr,
                    BrokerRole::Slave,
                    plan.free_slave_id(),
                    Some(&slave_ha),
                )
                .await
                .map(|c| {
                    format!(
                        "{} is now {} (brokerId {}) replicating from {slave_ha}",
                        c.broker_addr, c.role, c.broker_id
                    )
                })
                .map_err(|e| e.chain());
            if !step(&mut report, "demote-old-master", t, r) {
                report.next.push(format!("writes to {broker_name} are wiped: restore them with 'rmq broker perm add -b {broker_name}'"));
                return Ok(report);
            }
        }

        // 3. The slave becomes the master.
        let t = Instant::now();
        let r = self
            .change_broker_role(&candidate.addr, options.role, MASTER_ID, None)
            .await;
        let promoted = match r {
            Ok(c) => {
                report.promoted_at_offset = Some(c.commit_log_max_offset);
                step(
                    &mut report,
                    "promote-slave",
                    t,
                    Ok(format!(
                        "{} is now {} (brokerId 0) from CommitLog offset {}{}",
                        c.broker_addr,
                        c.role,
                        c.commit_log_max_offset,
                        if c.dropped_partial_bytes > 0 {
                            format!(
                                " ({} bytes of a partial record dropped)",
                                c.dropped_partial_bytes
                            )
                        } else {
                            String::new()
                        }
                    )),
                )
            }
            Err(e) => step(&mut report, "promote-slave", t, Err(e.chain())),
        };
        if !promoted {
            report.next.push(format!(
                "promote by hand: 'rmq broker promote -b {} --force'",
                candidate.addr
            ));
            return Ok(report);
        }
        report.new_master = Some(candidate.addr.clone());

        // 4. Routes point writes at it and it stores them.
        let t = Instant::now();
        let r = self
            .verify_new_master(broker_name, &candidate.addr, options.timeout)
            .await
            .map(|id| {
                format!(
                    "a write through the route was stored on {} (msg id {id})",
                    candidate.addr
                )
            })
            .map_err(|e| e.chain());
        if !step(&mut report, "verify", t, r) {
            report.next.push(format!(
                "check 'rmq cluster list' and 'rmq broker status --broker-addr {}'",
                candidate.addr
            ));
            return Ok(report);
        }

        match (&master, &plan.master_addr, report.promoted_at_offset) {
            (Some(m), _, _) => report.next.push(format!(
                "the old master {} is now a slave of {}; check with 'rmq ha status --broker-name {broker_name} --wait-in-sync'",
                m.addr, candidate.addr
            )),
            (None, old, Some(offset)) => {
                report.next.push(format!(
                    "before the old master{} comes back: rmq store truncate --store <its storePathRootDir> --to {offset} --yes",
                    old.as_deref().map(|a| format!(" ({a})")).unwrap_or_default()
                ));
                report.next.push(format!(
                    "then start it as a slave (brokerId=1, brokerRole=SLAVE, haMasterAddress={}): conf/failover/rejoin-old-master.sh {broker_name} <its broker.properties>",
                    candidate.ha_addr.as_deref().unwrap_or("<new master's HA address>")
                ));
            }
            _ => {}
        }
        Ok(report)
    }
}
