//! The console's JSON API: each handler is a few [`MqClient`](crate::client::MqClient) calls
//! (the ones the CLI commands make) and answers with the CLI's `-o json` names (camelCase).
//! Changing handlers check [`Console::read_only`] first and answer 403 when it is set.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::Console;
use crate::client::{
    inflate, subscribe_queues, ClientError, Found, HaInfo, KeyQuery, Message, QueueSelect,
    ResetPoint,
};
use crate::common::message::{self, decode_records, property, RecordView};
use crate::common::names;
use crate::protocol::body::{TopicConfig, MASTER_ID};

/// Most messages one page of a time-range query shows.
const PAGE_SIZE: usize = 20;

/// An API failure: a status and a message, answered as `{"error": message}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl From<ClientError> for ApiError {
    fn from(e: ClientError) -> ApiError {
        ApiError {
            status: StatusCode::BAD_GATEWAY,
            message: e.chain(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

type ApiResult = Result<Json<Value>, ApiError>;

/// 403 for a changing request on a read-only console.
fn writable(console: &Console) -> Result<(), ApiError> {
    if console.read_only {
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            message: "the console runs with --read-only: nothing can be changed".into(),
        });
    }
    Ok(())
}

// ------------------------------------------------------------------------------- overview

/// `GET /api/overview`: the brokers of every cluster as `rmq cluster list -o json` has them,
/// plus disk use (`diskUse`, a ratio), replication where the broker reports it
/// (`haSlaveCount`, `haBehindBytes` on a master, `haMasterAddr` on a slave) and the console's
/// own mode (`readOnly`).
pub async fn overview(State(console): State<Arc<Console>>) -> ApiResult {
    let client = &console.client;
    let info = client.cluster_info().await?;
    let mut brokers = Vec::new();
    for (cluster, names) in &info.cluster_addr_table {
        for name in names {
            let Some(data) = info.broker_addr_table.get(name) else {
                continue;
            };
            for (&id, addr) in &data.broker_addrs {
                let mut row = json!({
                    "cluster": cluster,
                    "brokerName": name,
                    "brokerId": id,
                    "brokerAddr": addr,
                    "role": if id == MASTER_ID { "MASTER" } else { "SLAVE" },
                    "version": null,
                    "inTps": null,
                    "outTps": null,
                    "diskUse": null,
                    "haSlaveCount": null,
                    "haBehindBytes": null,
                    "haMasterAddr": null,
                    "error": null,
                });
                match client.broker_runtime_info(addr).await {
                    Ok(kv) => {
                        let get = |k: &str| kv.table.get(k);
                        row["version"] = json!(get("brokerVersionDesc"));
                        row["inTps"] = json!(first_number(get("putTps")));
                        row["outTps"] = json!(first_number(
                            get("getTotalTps").or_else(|| get("getTransferedTps"))
                        ));
                        // A ratio (0..1) of the CommitLog's disk.
                        row["diskUse"] = json!(first_number(get("commitLogDiskRatio")));
                        let ha = HaInfo::from_runtime_info(&kv);
                        // Replication as an rmq broker reports it (a Java 4.9.x broker does
                        // not: null there).
                        row["haSlaveCount"] = json!(ha.slave_count);
                        row["haBehindBytes"] =
                            json!(ha.slaves.iter().map(|s| s.behind_bytes).max());
                        row["haMasterAddr"] = json!(ha.master_addr.filter(|a| !a.is_empty()));
                        let role = match ha.role {
                            Some(r) => Some(r),
                            None => client.configured_role(addr).await,
                        };
                        if let Some(role) = role {
                            row["role"] = json!(role);
                        }
                    }
                    Err(e) => row["error"] = json!(e.to_string()),
                }
                brokers.push(row);
            }
        }
    }
    Ok(Json(json!({
        "brokers": brokers,
        "nameServers": client.namesrv_addrs(),
        "readOnly": console.read_only,
    })))
}

/// The first number of a runtime figure (`"12.5 10.1 9.8"`: last 10 s, 1 min, 10 min).
fn first_number(value: Option<&String>) -> Option<f64> {
    value?.split_whitespace().next()?.parse().ok()
}

// --------------------------------------------------------------------------------- topics

/// `GET /api/topics`: `{"topics": [{"topic", "system"}]}`, sorted. Besides Java's system
/// topics, each broker has topics named after its cluster and itself.
pub async fn topics(State(console): State<Arc<Console>>) -> ApiResult {
    let list = console.client.all_topics().await?;
    let info = console.client.cluster_info().await?;
    let per_broker: BTreeSet<&String> = info
        .cluster_addr_table
        .keys()
        .chain(info.broker_addr_table.keys())
        .collect();
    let names: BTreeSet<&String> = list.topic_list.iter().collect();
    let topics: Vec<Value> = names
        .into_iter()
        .map(|t| json!({ "topic": t, "system": is_system_topic(t) || per_broker.contains(t) }))
        .collect();
    Ok(Json(json!({ "topics": topics })))
}

/// Java's system topics and the retry, DLQ and reply topics.
fn is_system_topic(topic: &str) -> bool {
    names::is_fixed_system_topic(topic)
        || topic.starts_with(names::RETRY_GROUP_TOPIC_PREFIX)
        || topic.starts_with(names::DLQ_GROUP_TOPIC_PREFIX)
        || topic.ends_with(names::REPLY_TOPIC_POSTFIX)
}

/// `GET /api/topics/{topic}`: the route (`rmq topic route`), per-queue offsets (`rmq topic
/// status`) and the groups consuming it.
pub async fn topic(State(console): State<Arc<Console>>, Path(topic): Path<String>) -> ApiResult {
    let client = &console.client;
    let route = client.route(&topic).await.map_err(|e| match e {
        ClientError::NoRoute(_) => ApiError::not_found(format!("no topic named {topic}")),
        e => e.into(),
    })?;
    let info = client.cluster_info().await.ok();
    let mut brokers = Vec::new();
    for q in &route.queue_datas {
        let data = route
            .broker_datas
            .iter()
            .find(|b| b.broker_name == q.broker_name);
        let cluster = data.map(|d| d.cluster.clone()).or_else(|| {
            info.as_ref().and_then(|i| {
                i.cluster_addr_table
                    .iter()
                    .find(|(_, names)| names.contains(&q.broker_name))
                    .map(|(c, _)| c.clone())
            })
        });
        brokers.push(json!({
            "brokerName": q.broker_name,
            "cluster": cluster,
            "brokerAddrs": data.map(|d| &d.broker_addrs),
            "readQueueNums": q.read_queue_nums,
            "writeQueueNums": q.write_queue_nums,
            "perm": q.perm,
            "permString": perm_string(q.perm),
            "topicSysFlag": q.topic_sys_flag,
        }));
    }
    let mut queues = Vec::new();
    let mut errors = Vec::new();
    let mut groups = BTreeSet::new();
    for b in &route.broker_datas {
        let Some(addr) = b.master_addr() else {
            continue;
        };
        match client.topic_stats(addr, &topic).await {
            Ok(stats) => {
                for (mq, o) in &stats.offset_table {
                    queues.push(json!({
                        "brokerName": mq.broker_name,
                        "queueId": mq.queue_id,
                        "minOffset": o.min_offset,
                        "maxOffset": o.max_offset,
                        "lastUpdateTimestamp": o.last_update_timestamp,
                    }));
                }
            }
            Err(e) => errors.push(json!({
                "brokerName": b.broker_name, "brokerAddr": addr, "error": e.to_string(),
            })),
        }
        if let Ok(list) = client.topic_consumed_by(addr, &topic).await {
            groups.extend(list.group_list);
        }
    }
    Ok(Json(json!({
        "topic": topic,
        "orderTopicConf": route.order_topic_conf,
        "brokers": brokers,
        "queues": queues,
        "errors": errors,
        "consumerGroups": groups,
    })))
}

/// `rwx`-style permission text as `rmq topic route` shows it (`RW-`).
fn perm_string(perm: i32) -> String {
    let bit = |mask: i32, c: char| if perm & mask != 0 { c } else { '-' };
    [bit(4, 'R'), bit(2, 'W'), bit(1, 'X')].iter().collect()
}

/// Body of `POST /api/topics`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicRequest {
    pub topic: String,
    /// Only the masters of this cluster; every master when absent.
    pub cluster: Option<String>,
    /// Only these brokers (names), e.g. those of the topic's route when updating it.
    pub brokers: Option<Vec<String>>,
    pub read_queue_nums: Option<i32>,
    pub write_queue_nums: Option<i32>,
    pub perm: Option<i32>,
    #[serde(default)]
    pub order: bool,
}

/// `POST /api/topics`: creates or updates a topic on every master of the cluster (all
/// clusters when none is named; only the named `brokers` when given). `{"topic", "brokers": [{"brokerName", "brokerAddr",
/// "status", "error"}]}`.
pub async fn create_topic(
    State(console): State<Arc<Console>>,
    Json(req): Json<TopicRequest>,
) -> ApiResult {
    writable(&console)?;
    let topic = req.topic.trim();
    if topic.is_empty()
        || topic.len() > 127
        || !topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"%|-_".contains(&b))
    {
        return Err(ApiError::bad_request(
            "a topic name is 1 to 127 characters of letters, digits, %, |, - and _",
        ));
    }
    let client = &console.client;
    let mut masters = client.masters(req.cluster.as_deref()).await?;
    if let Some(only) = &req.brokers {
        masters.retain(|b| only.contains(&b.broker_name));
    }
    if masters.is_empty() {
        return Err(ApiError::bad_request("no master broker is registered"));
    }
    let tc = TopicConfig {
        topic_name: topic.to_string(),
        read_queue_nums: req.read_queue_nums.unwrap_or(8),
        write_queue_nums: req.write_queue_nums.unwrap_or(8),
        perm: req.perm.unwrap_or(6),
        order: req.order,
        ..TopicConfig::default()
    };
    let mut brokers = Vec::new();
    let mut failed = 0;
    for b in &masters {
        let Some(addr) = b.master_addr() else {
            continue;
        };
        let result = client.create_topic(addr, &tc).await;
        failed += usize::from(result.is_err());
        brokers.push(json!({
            "brokerName": b.broker_name,
            "brokerAddr": addr,
            "status": if result.is_ok() { "created" } else { "failed" },
            "error": result.err().map(|e| e.to_string()),
        }));
    }
    let body = json!({ "topic": topic, "brokers": brokers });
    if failed > 0 {
        return Err(ApiError {
            status: StatusCode::BAD_GATEWAY,
            message: format!("{failed} broker(s) refused: {body}"),
        });
    }
    Ok(Json(body))
}

/// `DELETE /api/topics/{topic}`: deletes the topic on every broker of its route, then from
/// every name server. `{"topic", "brokers": [{"brokerName", "brokerAddr", "deleted",
/// "error"}], "nameServers": [{"addr", "deleted", "error"}]}`.
pub async fn delete_topic(
    State(console): State<Arc<Console>>,
    Path(topic): Path<String>,
) -> ApiResult {
    writable(&console)?;
    let client = &console.client;
    let route = client.route(&topic).await?;
    let mut brokers = Vec::new();
    for b in &route.broker_datas {
        for addr in b.broker_addrs.values() {
            let r = client.delete_topic_in_broker(addr, &topic).await;
            brokers.push(json!({
                "brokerName": b.broker_name, "brokerAddr": addr,
                "deleted": r.is_ok(), "error": r.err().map(|e| e.to_string()),
            }));
        }
    }
    let mut name_servers = Vec::new();
    for ns in client.namesrv_addrs() {
        let r = client.delete_topic_in_namesrv(ns, &topic, None).await;
        name_servers.push(json!({
            "addr": ns, "deleted": r.is_ok(), "error": r.err().map(|e| e.to_string()),
        }));
    }
    Ok(Json(json!({
        "topic": topic, "brokers": brokers, "nameServers": name_servers,
    })))
}

/// Body of `POST /api/topics/{topic}/send`.
#[derive(Debug, Deserialize)]
pub struct SendRequest {
    pub body: String,
    pub tags: Option<String>,
    pub keys: Option<String>,
}

/// `POST /api/topics/{topic}/send`: one test message, as `rmq message send -o json` reports
/// it: `{"topic", "msgId", "offsetMsgId", "status", "brokerName", "queueId", "queueOffset"}`.
pub async fn send(
    State(console): State<Arc<Console>>,
    Path(topic): Path<String>,
    Json(req): Json<SendRequest>,
) -> ApiResult {
    writable(&console)?;
    let msg = Message::new(&topic, req.body.into_bytes())
        .with_tags(req.tags.as_deref().unwrap_or_default())
        .with_keys(req.keys.iter().flat_map(|k| k.split_whitespace()))
        .with_wait_store();
    let sent = console.producer.send(&msg, QueueSelect::RoundRobin).await;
    let q = sent.queue().clone();
    let outcome = sent.result?;
    Ok(Json(json!({
        "topic": topic,
        "msgId": sent.msg_id,
        "offsetMsgId": outcome.as_ref().map(|o| &o.offset_msg_id),
        "status": outcome.as_ref().map(|o| format!("{:?}", o.status)),
        "brokerName": q.broker_name,
        "queueId": outcome.as_ref().map(|o| o.queue_id),
        "queueOffset": outcome.as_ref().map(|o| o.queue_offset),
    })))
}

// --------------------------------------------------------------------------------- groups

/// `GET /api/groups`: every subscription group of the masters with its lag (total of
/// brokerOffset − consumerOffset over its queues), consume TPS and online clients.
/// `{"groups": [{"groupName" (as `rmq group list`), "brokers", "lag", "consumeTps", "clients",
/// "system"}], "errors": [{"brokerName", "brokerAddr", "error"}]}`.
pub async fn groups(State(console): State<Arc<Console>>) -> ApiResult {
    let client = &console.client;
    let masters = client.masters(None).await?;
    let mut groups: BTreeMap<String, (BTreeSet<String>, i64, f64, usize)> = BTreeMap::new();
    let mut errors = Vec::new();
    for b in &masters {
        let Some(addr) = b.master_addr() else {
            continue;
        };
        let wrapper = match client.all_groups(addr).await {
            Ok(w) => w,
            Err(e) => {
                errors.push(json!({
                    "brokerName": b.broker_name, "brokerAddr": addr, "error": e.to_string(),
                }));
                continue;
            }
        };
        for name in wrapper.subscription_group_table.keys() {
            let entry = groups.entry(name.clone()).or_default();
            entry.0.insert(b.broker_name.clone());
            if let Ok(stats) = client.consume_stats(addr, name, None).await {
                entry.1 += stats.total_diff();
                entry.2 += stats.consume_tps;
            }
            if let Ok(Some(c)) = client.consumer_connection(addr, name).await {
                entry.3 = entry.3.max(c.connection_set.len());
            }
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(group, (brokers, lag, tps, clients))| {
            json!({
                "groupName": group,
                "brokers": brokers,
                "lag": lag,
                "consumeTps": tps,
                "clients": clients,
                "system": is_system_group(&group),
            })
        })
        .collect();
    Ok(Json(json!({ "groups": groups, "errors": errors })))
}

/// As `rmq group list` hides them without `--system`.
fn is_system_group(group: &str) -> bool {
    names::BUILTIN_GROUPS.contains(&group) || names::is_sys_consumer_group(group)
}

/// `GET /api/groups/{group}`: per-queue progress (`rmq group describe`) and online clients.
/// `{"group", "lag", "consumeTps", "queues": [{"topic", "brokerName", "queueId",
/// "brokerOffset", "consumerOffset", "lag", "lastTimestamp"}], "connections": [{"clientId",
/// "clientAddr", "language", "version"}], "subscriptions": [topic], "messageModel",
/// "consumeType"}`.
pub async fn group(State(console): State<Arc<Console>>, Path(group): Path<String>) -> ApiResult {
    let client = &console.client;
    let masters = client.masters(None).await?;
    let mut queues = Vec::new();
    let (mut lag, mut tps) = (0i64, 0f64);
    let mut connections = BTreeMap::new();
    let mut subscriptions = BTreeSet::new();
    let (mut model, mut consume_type) = (None, None);
    let mut errors = Vec::new();
    for b in &masters {
        let Some(addr) = b.master_addr() else {
            continue;
        };
        match client.consume_stats(addr, &group, None).await {
            Ok(stats) => {
                lag += stats.total_diff();
                tps += stats.consume_tps;
                for (mq, o) in &stats.offset_table {
                    queues.push(json!({
                        "topic": mq.topic,
                        "brokerName": mq.broker_name,
                        "queueId": mq.queue_id,
                        "brokerOffset": o.broker_offset,
                        "consumerOffset": o.consumer_offset,
                        "lag": (o.broker_offset - o.consumer_offset.max(0)).max(0),
                        "lastTimestamp": o.last_timestamp,
                    }));
                }
            }
            Err(e) => errors.push(json!({
                "brokerName": b.broker_name, "brokerAddr": addr, "error": e.to_string(),
            })),
        }
        if let Ok(Some(c)) = client.consumer_connection(addr, &group).await {
            for conn in &c.connection_set {
                connections.insert(
                    conn.client_id.clone(),
                    json!({
                        "clientId": conn.client_id,
                        "clientAddr": conn.client_addr,
                        "language": format!("{:?}", conn.language),
                        "version": conn.version,
                    }),
                );
            }
            subscriptions.extend(c.subscription_table.keys().cloned());
            model = Some(format!("{:?}", c.message_model));
            consume_type = Some(format!("{:?}", c.consume_type));
        }
    }
    Ok(Json(json!({
        "group": group,
        "lag": lag,
        "consumeTps": tps,
        "queues": queues,
        "connections": connections.into_values().collect::<Vec<_>>(),
        "subscriptions": subscriptions,
        "messageModel": model,
        "consumeType": consume_type,
        "errors": errors,
    })))
}

/// Body of `POST /api/groups/{group}/reset`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetRequest {
    pub topic: String,
    /// `earliest`, `latest`, or a time in ms since the epoch.
    pub to: Value,
    /// Move every queue (without it only queues whose target is before the committed offset
    /// move, as mqadmin does).
    #[serde(default)]
    pub force: bool,
    /// Only answer the plan.
    #[serde(default)]
    pub dry_run: bool,
}

/// `POST /api/groups/{group}/reset`: with `dryRun` the preview of old → new offsets per
/// queue, else the reset itself (online consumers are told by their broker; offsets of an
/// offline group are written directly) and the offsets read back. `{"group", "topic", "to",
/// "dryRun", "queues": [{"brokerName", "queueId", "minOffset", "maxOffset",
/// "currentOffset", "targetOffset", "mode", "readBack"}]}`.
pub async fn reset_offsets(
    State(console): State<Arc<Console>>,
    Path(group): Path<String>,
    Json(req): Json<ResetRequest>,
) -> ApiResult {
    let point = match &req.to {
        Value::String(s) if s.eq_ignore_ascii_case("earliest") => ResetPoint::Earliest,
        Value::String(s) if s.eq_ignore_ascii_case("latest") => ResetPoint::Latest,
        Value::Number(n) if n.as_i64().is_some() => ResetPoint::Time(n.as_i64().unwrap_or(0)),
        Value::String(s) if s.parse::<i64>().is_ok() => ResetPoint::Time(s.parse().unwrap_or(0)),
        other => {
            return Err(ApiError::bad_request(format!(
                "to must be \"earliest\", \"latest\" or a time in ms since the epoch, not {other}"
            )))
        }
    };
    if !req.dry_run {
        writable(&console)?;
    }
    let client = &console.client;
    let topic = req.topic.as_str();
    let mut plans = client.reset_state(&group, topic).await?;
    client
        .reset_targets(topic, point, req.force, &mut plans)
        .await?;
    let mut notes = Vec::new();
    if !req.dry_run {
        notes = client
            .apply_reset(&group, topic, point, req.force, &mut plans)
            .await?;
        client
            .read_back_reset(&group, topic, &mut plans, Duration::from_secs(6))
            .await;
    }
    let queues: Vec<Value> = plans
        .iter()
        .map(|p| {
            json!({
                "brokerName": p.queue.broker_name,
                "queueId": p.queue.queue_id,
                "minOffset": p.min,
                "maxOffset": p.max,
                "currentOffset": p.current,
                "targetOffset": p.target,
                "mode": p.mode,
                "readBack": p.read_back,
            })
        })
        .collect();
    Ok(Json(json!({
        "group": group,
        "topic": topic,
        "to": req.to,
        "dryRun": req.dry_run,
        "queues": queues,
        "notes": notes,
    })))
}

// ------------------------------------------------------------------------------- messages

/// Query of `GET /api/messages`: `id` (offset or client id), else `key` with `topic`, else
/// `topic` with `begin`/`end` (ms since the epoch) and `page` (from 0).
#[derive(Debug, Deserialize)]
pub struct MessageQuery {
    pub id: Option<String>,
    pub key: Option<String>,
    pub topic: Option<String>,
    pub begin: Option<i64>,
    pub end: Option<i64>,
    pub page: Option<usize>,
}

/// `GET /api/messages`: `{"messages": [records as `rmq message get -o json` has them, with
/// "keys", "tags", "body" (lossy UTF-8) and "bodyHex"], "page", "pageSize", "total"}`.
pub async fn messages(
    State(console): State<Arc<Console>>,
    Query(q): Query<MessageQuery>,
) -> ApiResult {
    let client = &console.client;
    fn nonempty(s: &Option<String>) -> Option<&str> {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let topic = nonempty(&q.topic);
    if let Some(id) = nonempty(&q.id) {
        let found = client.lookup_by_id(id, topic).await?;
        return Ok(Json(page_json(&found, 0, found.len())));
    }
    if let Some(key) = nonempty(&q.key) {
        let Some(topic) = topic else {
            return Err(ApiError::bad_request("a key lookup needs the topic"));
        };
        let query = KeyQuery {
            begin: q.begin.unwrap_or(0),
            end: q.end.unwrap_or(i64::MAX),
            ..KeyQuery::default()
        };
        let found = match client.lookup_by_key(topic, key, &query).await {
            Ok(f) => f,
            // Nothing carries the key: an empty answer, not an error.
            Err(ClientError::Other(m)) if m.starts_with("no message with key") => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        return Ok(Json(page_json(&found, 0, found.len())));
    }
    let Some(topic) = topic else {
        return Err(ApiError::bad_request(
            "pass id, or key and topic, or topic with begin and end",
        ));
    };
    // Time range: the offsets of each queue between begin and end, paged in queue order.
    let (begin, end) = (q.begin.unwrap_or(0), q.end.unwrap_or(i64::MAX));
    let route = client.route(topic).await?;
    let mut ranges = Vec::new();
    for qa in subscribe_queues(&route) {
        let (addr, id) = (qa.broker_addr.as_str(), qa.queue_id);
        let min = client.min_offset(addr, topic, id).await?;
        let max = client.max_offset(addr, topic, id).await?;
        let from = if begin <= 0 {
            min
        } else {
            client
                .search_offset(addr, topic, id, begin)
                .await?
                .clamp(min, max)
        };
        let to = if end == i64::MAX {
            max
        } else {
            // The first offset stored after `end` bounds the range.
            client
                .search_offset(addr, topic, id, end.saturating_add(1))
                .await?
                .clamp(from, max)
        };
        ranges.push((qa, from, to));
    }
    let total: i64 = ranges.iter().map(|(_, f, t)| t - f).sum();
    let page = q.page.unwrap_or(0);
    let mut skip = (page * PAGE_SIZE) as i64;
    let mut found = Vec::new();
    'queues: for (qa, from, to) in &ranges {
        let count = to - from;
        if skip >= count {
            skip -= count;
            continue;
        }
        for offset in from + skip..*to {
            if found.len() >= PAGE_SIZE {
                break 'queues;
            }
            match client.lookup_by_queue_offset(topic, qa, offset).await {
                Ok(f) => found.push(f),
                Err(ClientError::Other(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        skip = 0;
    }
    let mut out = page_json(&found, page, total as usize);
    // A range bounded by store time can still hold a few messages stored just outside it
    // (the broker's offset search is by ConsumeQueue time); they are dropped here.
    if let Some(list) = out["messages"].as_array_mut() {
        list.retain(|m| {
            let t = m["storeTimestamp"].as_i64().unwrap_or(0);
            t >= begin && t <= end
        });
    }
    Ok(Json(out))
}

fn page_json(found: &[Found], page: usize, total: usize) -> Value {
    let messages: Vec<Value> = found
        .iter()
        .flat_map(|f| {
            decode_records(&f.record)
                .flatten()
                .take(1)
                .map(|r| message_json(&r, f.broker.as_deref()))
                .collect::<Vec<_>>()
        })
        .collect();
    json!({ "messages": messages, "page": page, "pageSize": PAGE_SIZE, "total": total })
}

/// A record with `rmq message get -o json`'s names; the (inflated) body as UTF-8 text (lossy)
/// in `body` and as hex in `bodyHex`, so the page can show text, JSON or hex.
fn message_json(r: &RecordView<'_>, broker: Option<&str>) -> Value {
    let props = r.properties();
    let offset_id = r.offset_msg_id();
    let properties: Map<String, Value> = message::properties(&props)
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let (body, compression) = match inflate(r) {
        Ok(b) => (b.to_vec(), None),
        Err(e) => (r.body.to_vec(), Some(format!("body {e}"))),
    };
    let hex: String = body.iter().map(|b| format!("{b:02x}")).collect();
    json!({
        "msgId": message::get_property(&props, property::UNIQ_KEY).unwrap_or(&offset_id),
        "offsetMsgId": offset_id,
        "topic": r.topic(),
        "brokerName": broker,
        "queueId": r.queue_id,
        "queueOffset": r.queue_offset,
        "commitLogOffset": r.physical_offset,
        "storeSize": r.total_size,
        "sysFlag": r.sys_flag,
        "flag": r.flag,
        "bornTimestamp": r.born_timestamp,
        "bornHost": r.born_host.to_string(),
        "storeTimestamp": r.store_timestamp,
        "storeHost": r.store_host.to_string(),
        "reconsumeTimes": r.reconsume_times,
        "keys": message::get_property(&props, property::KEYS),
        "tags": message::get_property(&props, property::TAGS),
        "properties": properties,
        "body": String::from_utf8_lossy(&body),
        "bodyHex": hex,
        "bodyCompression": compression,
    })
}

// ------------------------------------------------------------------------------------ DLQ

/// `GET /api/dlq/{group}`: `rmq dlq list -o json` (at most 500 messages).
pub async fn dlq(State(console): State<Arc<Console>>, Path(group): Path<String>) -> ApiResult {
    let found = console.client.dead_letters(&group, Some(500)).await?;
    Ok(Json(serde_json::to_value(&found).unwrap_or_default()))
}

/// Body of `POST /api/dlq/{group}/resend`: the DLQ message ids (offset or client ids) to
/// send back, or `all`; `toTopic` instead of each message's origin topic.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResendRequest {
    #[serde(default)]
    pub ids: Vec<String>,
    #[serde(default)]
    pub all: bool,
    pub to_topic: Option<String>,
}

/// `POST /api/dlq/{group}/resend`: sends the chosen dead letters back to their origin topic
/// (or `toTopic`).
/// `{"group", "topic", "sent": [{"dlqMsgId", "topic", "msgId", "offsetMsgId"}], "failed":
/// [{"dlqMsgId", "error"}]}`.
pub async fn dlq_resend(
    State(console): State<Arc<Console>>,
    Path(group): Path<String>,
    Json(req): Json<ResendRequest>,
) -> ApiResult {
    writable(&console)?;
    if !req.all && req.ids.is_empty() {
        return Err(ApiError::bad_request("pass ids or all"));
    }
    let found = console.client.dead_letters(&group, None).await?;
    let chosen: Vec<_> = found
        .messages
        .iter()
        .filter(|m| req.all || req.ids.iter().any(|id| m.is_named(id)))
        .collect();
    if chosen.is_empty() {
        return Err(ApiError::not_found(format!(
            "none of the messages is in {}",
            found.topic
        )));
    }
    let (mut sent, mut failed) = (Vec::new(), Vec::new());
    for m in chosen {
        let result = async {
            let to_topic = req.to_topic.as_deref().filter(|t| !t.trim().is_empty());
            let topic = m.target_topic(to_topic)?;
            let msg = m.resend_message(topic)?;
            let s = console
                .dlq_producer
                .send(&msg, QueueSelect::RoundRobin)
                .await;
            let outcome = s.result?;
            Ok::<_, ClientError>(json!({
                "dlqMsgId": m.msg_id,
                "topic": topic,
                "msgId": s.msg_id,
                "offsetMsgId": outcome.map(|o| o.offset_msg_id),
            }))
        }
        .await;
        match result {
            Ok(v) => sent.push(v),
            Err(e) => failed.push(json!({ "dlqMsgId": m.msg_id, "error": e.to_string() })),
        }
    }
    Ok(Json(json!({
        "group": group, "topic": found.topic, "sent": sent, "failed": failed,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_and_numbers() {
        assert_eq!(perm_string(6), "RW-");
        assert_eq!(perm_string(4), "R--");
        assert_eq!(perm_string(7), "RWX");
        assert_eq!(first_number(Some(&"12.5 1 2".to_string())), Some(12.5));
        assert_eq!(first_number(Some(&String::new())), None);
        assert!(is_system_topic("%DLQ%g"));
        assert!(is_system_topic("TBW102"));
        assert!(is_system_group("TOOLS_CONSUMER"));
        assert!(!is_system_group("orders-consumer"));
        assert!(!is_system_topic("orders"));
    }
}
