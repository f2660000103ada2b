//! The client side of RocketMQ for tools: [`MqClient`] talks to name servers (routes, cluster
//! info, KV, write permission) and brokers (admin requests, offsets, lookups, sends and pulls).
//! It works the same against rmq daemons and Java 4.9.x servers; `rmq message`, `rmq perf` and
//! the other client commands are built on it. The files:
//!
//! - `mod.rs`: [`MqClient`] itself (name server fail-over, routes, cluster info), the request
//!   helpers and [`ClientError`].
//! - `admin.rs`: the admin calls mqadmin makes (topics, groups, stats, broker config, offsets,
//!   write permission, raw message queries).
//! - `messaging.rs`: the queues of a route ([`QueueAddr`], [`publish_queues`],
//!   [`subscribe_queues`], [`select_queues`]) and the two data requests as they go on the wire
//!   ([`MqClient::send_to`], [`MqClient::pull`]).
//! - `producer.rs`: [`Producer`]: route cache, queue selection, sync / async / oneway / batch
//!   sends with retries on another broker; the one place a SEND_MESSAGE_V2 header is built.
//! - `consumer.rs`: [`PullConsumer`] (queue assignment, start offsets, long-poll pulls, offset
//!   commits) and [`Reader`], a topic read with limits, `--follow` and commits on top of it.
//! - `ha.rs`: replication status of master/slave pairs ([`MqClient::ha_status`]).
//! - `lookup.rs`: messages by offset id, client id (UNIQ_KEY), key and queue offset.
//! - `dlq.rs`: what a group's `%DLQ%` topic holds ([`DeadLetter`]) and the message that sends
//!   one back.
//! - `message_id.rs`: client message ids ([`UniqIdGenerator`], [`decode_client_id`]) and telling
//!   them from offset ids.
//! - `failover.rs`: failover of a master/slave pair: what a broker name looks like
//!   ([`FailoverPlan`]), online promotion and demotion of rmq brokers, the steps of
//!   `rmq failover execute`.
//! - `backlog/`: `rmq backlog`: forwarding a group's backlog into a topic with more queues
//!   (plan, migrate with a resumable state file, verify).
//! - `chaos.rs`: `rmq chaos`: local rmq processes under kills, pauses and name server
//!   restarts, producers and consumers that log what was acknowledged and delivered, and the
//!   checker comparing them.
//! - `offset_reset.rs`: resetting a group's offsets on a topic ([`QueueReset`]): plan, targets,
//!   the reset (online through the broker or written directly), read back.
//! - `perf.rs`: `rmq perf`'s load loops and latency histogram, on [`Producer`] and
//!   [`PullConsumer`].

mod admin;
pub mod backlog;
pub mod chaos;
mod consumer;
mod dlq;
mod failover;
mod ha;
mod lookup;
mod message_id;
mod messaging;
mod offset_reset;
pub mod perf;
mod producer;

pub use consumer::{
    Committed, Cursor, PullConsumer, ReadEvent, ReadWarning, Reader, Start, TOOLS_GROUP,
};
pub use dlq::{inflate, DeadLetter, DeadLetters};
pub use failover::{
    ExecuteOptions, ExecuteReport, FailoverPlan, GroupClients, Member, PairState, StepReport,
};
pub use ha::{HaInfo, HaPair, SlaveAck};
pub use lookup::{Found, KeyQuery};
pub use message_id::{
    decode_client_id, is_message_id, local_ip_towards, plausible_offset_id, ClientIdInfo,
    UniqIdGenerator,
};
pub use messaging::{
    publish_queues, select_queues, subscribe_queues, PullOutcome, QueueAddr, SendOutcome,
};
pub use offset_reset::{QueueReset, ResetPoint};
pub use producer::{
    is_system_property, Message, Producer, ProducerOptions, PublishRoute, QueueSelect, SendMode,
    Sent, DEFAULT_TOPIC_QUEUE_NUMS,
};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;

use crate::net::{ClientOptions, NetError, RemotingClient};
use crate::protocol::body::{BrokerData, ClusterInfo, TopicList, TopicRouteData};
use crate::protocol::header::GetRouteInfoRequestHeader;
use crate::protocol::{
    CommandHeader, ExtFields, ProtocolError, RemotingCommand, RequestCode, ResponseCode,
    SerializeType,
};

#[derive(Debug, Error)]
pub enum ClientError {
    #[error("no name server address: pass -n/--namesrv or set NAMESRV_ADDR")]
    NoNamesrv,
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("{addr} answered {code}: {remark}")]
    Refused {
        addr: String,
        code: ResponseCode,
        remark: String,
    },
    #[error("no route for topic {0}: create it with 'rmq topic create -t {0} -c CLUSTER'")]
    NoRoute(String),
    #[error("bad answer from {addr}: {source}")]
    Protocol { addr: String, source: ProtocolError },
    #[error("{0}")]
    Other(String),
    /// What was being done when `source` happened (shown before it, as anyhow's context is).
    #[error("{context}")]
    Context {
        context: String,
        source: Box<ClientError>,
    },
}

impl ClientError {
    /// The response code, when a server refused the request.
    pub fn code(&self) -> Option<ResponseCode> {
        match self {
            ClientError::Refused { code, .. } => Some(*code),
            ClientError::Context { source, .. } => source.code(),
            _ => None,
        }
    }

    /// This error with `context` in front.
    pub fn context(self, context: impl Into<String>) -> ClientError {
        ClientError::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }

    /// The error and its causes, `: `-separated (what anyhow's `{:#}` prints).
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            out.push_str(": ");
            out.push_str(&c.to_string());
            cause = c.source();
        }
        out
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// A client of name servers and brokers.
pub struct MqClient {
    remoting: Arc<RemotingClient>,
    namesrv: Vec<String>,
    timeout: Duration,
    /// Which name server to try first (rotates on failure).
    preferred: AtomicUsize,
}

impl MqClient {
    /// `namesrv` is `host:port;host:port` or a list; `timeout` bounds each request.
    pub fn new(namesrv: &[String], timeout: Duration, serialize_type: SerializeType) -> Self {
        MqClient {
            remoting: Arc::new(RemotingClient::new(ClientOptions {
                serialize_type,
                ..Default::default()
            })),
            namesrv: namesrv
                .iter()
                .flat_map(|s| s.split(';'))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            timeout,
            preferred: AtomicUsize::new(0),
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn namesrv_addrs(&self) -> &[String] {
        &self.namesrv
    }

    pub fn remoting(&self) -> &Arc<RemotingClient> {
        &self.remoting
    }

    /// Sends to the name servers, one after the other until one answers.
    pub async fn invoke_namesrv(&self, request: RemotingCommand) -> Result<RemotingCommand> {
        if self.namesrv.is_empty() {
            return Err(ClientError::NoNamesrv);
        }
        let start = self.preferred.load(Ordering::Relaxed);
        let mut last = None;
        for i in 0..self.namesrv.len() {
            let idx = (start + i) % self.namesrv.len();
            match self
                .remoting
                .invoke(&self.namesrv[idx], request.clone(), self.timeout)
                .await
            {
                Ok(response) => {
                    self.preferred.store(idx, Ordering::Relaxed);
                    return Ok(response);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.map_or(ClientError::NoNamesrv, ClientError::Net))
    }

    /// Sends to one broker (or name server) address.
    pub async fn invoke(&self, addr: &str, request: RemotingCommand) -> Result<RemotingCommand> {
        Ok(self.remoting.invoke(addr, request, self.timeout).await?)
    }

    /// Sends and requires SUCCESS.
    pub async fn call(&self, addr: &str, request: RemotingCommand) -> Result<RemotingCommand> {
        let response = self.invoke(addr, request).await?;
        expect(addr, response, &[ResponseCode::SUCCESS])
    }

    /// Sends to the name servers and requires SUCCESS.
    pub async fn call_namesrv(&self, request: RemotingCommand) -> Result<RemotingCommand> {
        let response = self.invoke_namesrv(request).await?;
        expect("name server", response, &[ResponseCode::SUCCESS])
    }

    /// The route of `topic` (standard JSON, as a 4.9.8 client asks for it).
    pub async fn route(&self, topic: &str) -> Result<TopicRouteData> {
        let header = GetRouteInfoRequestHeader {
            topic: topic.to_string(),
            accept_standard_json_only: Some(true),
        };
        let response = self
            .invoke_namesrv(request(RequestCode::GET_ROUTEINFO_BY_TOPIC, &header))
            .await?;
        if response.response_code() == ResponseCode::TOPIC_NOT_EXIST {
            return Err(ClientError::NoRoute(topic.to_string()));
        }
        let response = expect("name server", response, &[ResponseCode::SUCCESS])?;
        TopicRouteData::from_json(&response.body).map_err(|source| ClientError::Protocol {
            addr: "name server".into(),
            source,
        })
    }

    pub async fn cluster_info(&self) -> Result<ClusterInfo> {
        let response = self
            .call_namesrv(RemotingCommand::request(
                RequestCode::GET_BROKER_CLUSTER_INFO,
                ExtFields::new(),
            ))
            .await?;
        ClusterInfo::from_json(&response.body).map_err(|source| ClientError::Protocol {
            addr: "name server".into(),
            source,
        })
    }

    pub async fn all_topics(&self) -> Result<TopicList> {
        let response = self
            .call_namesrv(RemotingCommand::request(
                RequestCode::GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
                ExtFields::new(),
            ))
            .await?;
        TopicList::from_json(&response.body).map_err(|source| ClientError::Protocol {
            addr: "name server".into(),
            source,
        })
    }

    /// Master brokers of a cluster (or of every cluster with `None`), by broker name.
    pub async fn masters(&self, cluster: Option<&str>) -> Result<Vec<BrokerData>> {
        let info = self.cluster_info().await?;
        let mut out = Vec::new();
        for (name, data) in &info.broker_addr_table {
            let in_cluster = match cluster {
                Some(c) => info
                    .cluster_addr_table
                    .get(c)
                    .is_some_and(|names| names.contains(name)),
                None => true,
            };
            if in_cluster && data.master_addr().is_some() {
                out.push(data.clone());
            }
        }
        if let Some(c) = cluster {
            if out.is_empty() {
                return Err(ClientError::Other(format!(
                    "cluster {c} has no master broker (known clusters: {})",
                    info.cluster_addr_table
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        Ok(out)
    }

    /// The master address of broker `name`.
    pub async fn master_addr(&self, name: &str) -> Result<String> {
        let info = self.cluster_info().await?;
        info.broker_addr_table
            .get(name)
            .and_then(|b| b.master_addr().map(str::to_string))
            .ok_or_else(|| ClientError::Other(format!("no master address for broker {name}")))
    }

    pub async fn shutdown(&self) {
        self.remoting.shutdown().await;
    }
}

/// A request with a typed header.
pub fn request(code: RequestCode, header: &impl CommandHeader) -> RemotingCommand {
    RemotingCommand::request(code, header.to_ext_fields())
}

/// Turns a response outside `ok` into [`ClientError::Refused`].
pub fn expect(
    addr: &str,
    response: RemotingCommand,
    ok: &[ResponseCode],
) -> Result<RemotingCommand> {
    if ok.contains(&response.response_code()) {
        Ok(response)
    } else {
        Err(ClientError::Refused {
            addr: addr.to_string(),
            code: response.response_code(),
            remark: response.remark.unwrap_or_default(),
        })
    }
}

/// Decodes a typed response header, naming the server on failure.
pub fn header<H: CommandHeader>(addr: &str, response: &RemotingCommand) -> Result<H> {
    H::from_command(response).map_err(|source| ClientError::Protocol {
        addr: addr.to_string(),
        source,
    })
}
