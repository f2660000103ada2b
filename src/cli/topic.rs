//! `rmq topic create|delete|list|route|status`: mqadmin's updateTopic, deleteTopic, topicList,
//! topicRoute and topicStatus (those names stay accepted as hidden aliases).

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::bail;
use clap::{ArgGroup, Args, Subcommand};
use serde_json::{json, Value};

use super::cluster::{check_cluster, finish, format_millis, resolve_brokers, BrokerTarget, Scope};
use super::common::{block_on, confirm, ClientArgs};
use super::output::{self, OutputFormat};
use rmq::client::{request, MqClient};
use rmq::common::names::{DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX};
use rmq::protocol::body::TopicConfig;
use rmq::protocol::header::PutKvConfigRequestHeader;
use rmq::protocol::perm::perm_to_string;
use rmq::protocol::RequestCode;

/// Queue count of a new topic when none is given (mqadmin's default).
const DEFAULT_QUEUES: i32 = 8;
/// Read + write.
const DEFAULT_PERM: i32 = 6;
/// The name server KV namespace ordered topics are described in (`brokerName:queues;...`).
const ORDER_TOPIC_NAMESPACE: &str = "ORDER_TOPIC_CONFIG";
/// How many requests `topic list --cluster` keeps in flight.
const PARALLEL_LOOKUPS: usize = 16;

#[derive(Debug, Subcommand)]
pub enum TopicCommand {
    /// Create a topic, or update it where it exists, on every master of a cluster (-c), on one
    /// broker's master (-b) or on one broker address (--broker-addr).
    ///
    /// A new topic gets 8 write queues, as many read queues as write queues, and perm 6
    /// (read+write). Where the topic exists, flags not given keep their current value and the
    /// output shows each change as old → new. With --if-not-exists, existing topics are left
    /// alone. --order on a cluster also records the order configuration
    /// (`brokerName:writeQueues;...`) on every name server, as mqadmin does.
    ///
    /// JSON (-o json): {"topic", "brokers": [{"brokerName" (null for an unregistered
    /// --broker-addr), "brokerAddr", "status" (created|updated|unchanged|exists|failed),
    /// "readQueueNums", "writeQueueNums", "perm", "permString", "order", "changes":
    /// [{"field", "old", "new"}], "error"}], "orderConf" (null unless written)}.
    Create(CreateArgs),
    /// Delete a topic from every master of a cluster and its route from every name server.
    ///
    /// Asks for confirmation; pass --yes in scripts (without a terminal and without --yes the
    /// command refuses).
    ///
    /// JSON (-o json): {"topic", "cluster", "brokers": [{"brokerName", "brokerAddr",
    /// "deleted", "error"}], "nameServers": [{"addr", "deleted", "error"}]}.
    Delete(DeleteArgs),
    /// List topics; with --cluster, the cluster and consumer groups of each topic.
    ///
    /// `--cluster` alone covers every cluster, `--cluster NAME` one cluster. As in mqadmin,
    /// retry (%RETRY%) and dead-letter (%DLQ%) topics are left out of the detailed listing.
    ///
    /// JSON (-o json): {"topics": [{"topic"}]}; with --cluster each entry also has "cluster"
    /// and "consumerGroups" (sorted names).
    List(ListArgs),
    /// Show a topic's route: its brokers, their addresses, queue counts and permission.
    ///
    /// JSON (-o json): {"topic", "orderTopicConf" (null when unset), "brokers":
    /// [{"brokerName", "cluster", "brokerAddrs" ({"0": "host:port", ...}, id 0 is the master),
    /// "readQueueNums", "writeQueueNums", "perm", "permString" (e.g. "RW-"),
    /// "topicSysFlag"}]}.
    Route(RouteArgs),
    /// Per-queue offsets of a topic: min and max offset and the store time of the last
    /// message, from each master in the topic's route.
    ///
    /// JSON (-o json): {"topic", "queues": [{"brokerName", "queueId", "minOffset",
    /// "maxOffset", "lastUpdateTimestamp" (ms since the epoch, 0 when empty),
    /// "lastUpdateTime" (RFC 3339 UTC, null when empty)}], "errors": [{"brokerName",
    /// "brokerAddr", "error"}]}.
    Status(StatusArgs),
}

/// mqadmin's spellings, accepted but not shown in help.
#[derive(Debug, Subcommand)]
pub enum TopicAlias {
    /// mqadmin updateTopic, i.e. `rmq topic create` with mqadmin's flags: -b is the broker
    /// ADDRESS and -o is the order flag (true|false), so the output format is --output only.
    #[command(name = "updateTopic", hide = true)]
    UpdateTopic(UpdateTopicArgs),
    /// mqadmin deleteTopic: `rmq topic delete` (asks for confirmation unless --yes).
    #[command(name = "deleteTopic", hide = true)]
    DeleteTopic(DeleteArgs),
    /// mqadmin topicList: `rmq topic list` (-c without a name is mqadmin's cluster mode).
    #[command(name = "topicList", hide = true)]
    TopicList(ListArgs),
    /// mqadmin topicRoute: `rmq topic route`.
    #[command(name = "topicRoute", hide = true)]
    TopicRoute(RouteArgs),
    /// mqadmin topicStatus: `rmq topic status`.
    #[command(name = "topicStatus", hide = true)]
    TopicStatus(StatusArgs),
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["cluster", "broker", "broker_addr"])))]
pub struct CreateArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Topic name (letters, digits, `%|_-`, at most 127 characters).
    #[arg(short = 't', long, value_parser = parse_topic)]
    pub topic: String,
    /// On every master broker of this cluster.
    #[arg(short = 'c', long)]
    pub cluster: Option<String>,
    /// On the master of this broker name.
    #[arg(short = 'b', long)]
    pub broker: Option<String>,
    /// On the broker at this address (host:port).
    #[arg(long, value_name = "HOST:PORT")]
    pub broker_addr: Option<String>,
    /// Read queues [new topic: the write queue count; existing: unchanged].
    #[arg(short = 'r', long = "read-queues", value_parser = clap::value_parser!(i32).range(1..=65535))]
    pub read_queues: Option<i32>,
    /// Write queues [new topic: 8; existing: unchanged].
    #[arg(short = 'w', long = "write-queues", value_parser = clap::value_parser!(i32).range(1..=65535))]
    pub write_queues: Option<i32>,
    /// Permission: 6 or RW (read+write), 4 or R (read only), 2 or W (write only)
    /// [new topic: 6; existing: unchanged].
    #[arg(short = 'p', long, value_parser = parse_perm)]
    pub perm: Option<i32>,
    /// Ordered topic; `--order false` turns it off [new topic: false; existing: unchanged].
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub order: Option<bool>,
    /// Leave the topic untouched on brokers where it already exists.
    #[arg(long)]
    pub if_not_exists: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

/// `updateTopic` with mqadmin's letters (see [`TopicAlias::UpdateTopic`]).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["cluster", "broker_addr"])))]
pub struct UpdateTopicArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[arg(short = 't', long, value_parser = parse_topic)]
    pub topic: String,
    #[arg(short = 'c', long)]
    pub cluster: Option<String>,
    /// Broker address (mqadmin's -b).
    #[arg(short = 'b', long, value_name = "HOST:PORT")]
    pub broker_addr: Option<String>,
    #[arg(short = 'r', long = "read-queues", value_parser = clap::value_parser!(i32).range(1..=65535))]
    pub read_queues: Option<i32>,
    #[arg(short = 'w', long = "write-queues", value_parser = clap::value_parser!(i32).range(1..=65535))]
    pub write_queues: Option<i32>,
    #[arg(short = 'p', long, value_parser = parse_perm)]
    pub perm: Option<i32>,
    /// Ordered topic (mqadmin's -o true|false).
    #[arg(short = 'o', long, value_name = "BOOL")]
    pub order: Option<bool>,
    #[arg(long)]
    pub if_not_exists: bool,
    /// Output format (-o is the order flag here, as in mqadmin).
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

impl From<UpdateTopicArgs> for CreateArgs {
    fn from(a: UpdateTopicArgs) -> Self {
        CreateArgs {
            client: a.client,
            topic: a.topic,
            cluster: a.cluster,
            broker: None,
            broker_addr: a.broker_addr,
            read_queues: a.read_queues,
            write_queues: a.write_queues,
            perm: a.perm,
            order: a.order,
            if_not_exists: a.if_not_exists,
            output: a.output,
        }
    }
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[arg(short = 't', long, value_parser = parse_topic)]
    pub topic: String,
    /// The cluster whose masters hold the topic.
    #[arg(short = 'c', long)]
    pub cluster: String,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Detailed listing (cluster, topic, consumer groups); a NAME limits it to that cluster.
    #[arg(short = 'c', long, num_args = 0..=1, value_name = "NAME")]
    pub cluster: Option<Option<String>>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct RouteArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[arg(short = 't', long, value_parser = parse_topic)]
    pub topic: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[arg(short = 't', long, value_parser = parse_topic)]
    pub topic: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub fn run(cmd: TopicCommand) -> anyhow::Result<()> {
    match cmd {
        TopicCommand::Create(args) => create(args),
        TopicCommand::Delete(args) => delete(args),
        TopicCommand::List(args) => list(args),
        TopicCommand::Route(args) => route(args),
        TopicCommand::Status(args) => status(args),
    }
}

pub fn run_alias(alias: TopicAlias) -> anyhow::Result<()> {
    match alias {
        TopicAlias::UpdateTopic(args) => create(args.into()),
        TopicAlias::DeleteTopic(args) => delete(args),
        TopicAlias::TopicList(args) => list(args),
        TopicAlias::TopicRoute(args) => route(args),
        TopicAlias::TopicStatus(args) => status(args),
    }
}

/// Java's `TopicValidator.validateTopic`: `^[%|a-zA-Z0-9_-]+$`, at most 127 characters.
fn parse_topic(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("the topic name is empty".into());
    }
    if s.len() > 127 {
        return Err(format!("{} characters; at most 127", s.len()));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '%' | '|' | '_' | '-')))
    {
        return Err(format!(
            "'{c}' is not allowed (letters, digits, '%', '|', '_' and '-' only)"
        ));
    }
    Ok(s.to_string())
}

/// `6`/`RW`, `4`/`R`, `2`/`W` (also in `RW-` style).
fn parse_perm(s: &str) -> Result<i32, String> {
    match s.trim_end_matches('-').to_ascii_uppercase().as_str() {
        "6" | "RW" => Ok(6),
        "4" | "R" => Ok(4),
        "2" | "W" | "-W" => Ok(2),
        _ => Err("expected 6 (RW), 4 (R) or 2 (W)".into()),
    }
}

// ------------------------------------------------------------------------------- create

/// What `create` did on one broker.
struct CreateOutcome {
    target: BrokerTarget,
    status: &'static str,
    config: Option<TopicConfig>,
    changes: Vec<(&'static str, Value, Value)>,
    error: Option<String>,
}

/// The fields `create` may change, old → new, for display.
fn diff(old: &TopicConfig, new: &TopicConfig) -> Vec<(&'static str, Value, Value)> {
    let mut out = Vec::new();
    if old.read_queue_nums != new.read_queue_nums {
        out.push((
            "readQueueNums",
            json!(old.read_queue_nums),
            json!(new.read_queue_nums),
        ));
    }
    if old.write_queue_nums != new.write_queue_nums {
        out.push((
            "writeQueueNums",
            json!(old.write_queue_nums),
            json!(new.write_queue_nums),
        ));
    }
    if old.perm != new.perm {
        out.push((
            "perm",
            json!(perm_to_string(old.perm)),
            json!(perm_to_string(new.perm)),
        ));
    }
    if old.order != new.order {
        out.push(("order", json!(old.order), json!(new.order)));
    }
    out
}

/// The config to write: the existing one with the given flags applied, or a new one.
fn desired(args: &CreateArgs, existing: Option<&TopicConfig>) -> TopicConfig {
    let mut tc = match existing {
        Some(old) => old.clone(),
        None => {
            let write = args.write_queues.unwrap_or(DEFAULT_QUEUES);
            TopicConfig {
                read_queue_nums: write,
                write_queue_nums: write,
                perm: DEFAULT_PERM,
                order: false,
                ..TopicConfig::new(args.topic.clone())
            }
        }
    };
    if let Some(r) = args.read_queues {
        tc.read_queue_nums = r;
    }
    if let Some(w) = args.write_queues {
        tc.write_queue_nums = w;
    }
    if let Some(p) = args.perm {
        tc.perm = p;
    }
    if let Some(o) = args.order {
        tc.order = o;
    }
    tc
}

async fn create_on(client: &MqClient, args: &CreateArgs, target: BrokerTarget) -> CreateOutcome {
    let mut outcome = CreateOutcome {
        target,
        status: "failed",
        config: None,
        changes: Vec::new(),
        error: None,
    };
    let addr = outcome.target.addr.clone();
    // The broker's own table is the truth for "exists" and for the old values shown.
    let existing = match client.all_topic_configs(&addr).await {
        Ok(all) => all.topic_config_table.get(&args.topic).cloned(),
        Err(e) => {
            outcome.error = Some(format!("reading the topic configs: {e}"));
            return outcome;
        }
    };
    if let (Some(old), true) = (&existing, args.if_not_exists) {
        outcome.status = "exists";
        outcome.config = Some(old.clone());
        return outcome;
    }
    let tc = desired(args, existing.as_ref());
    if let Some(old) = &existing {
        outcome.changes = diff(old, &tc);
        if outcome.changes.is_empty() {
            outcome.status = "unchanged";
            outcome.config = Some(tc);
            return outcome;
        }
    }
    match client.create_topic(&addr, &tc).await {
        Ok(()) => {
            outcome.status = if existing.is_some() {
                "updated"
            } else {
                "created"
            };
            outcome.config = Some(tc);
        }
        Err(e) => outcome.error = Some(e.to_string()),
    }
    outcome
}

fn create(args: CreateArgs) -> anyhow::Result<()> {
    let client = args.client.client()?;
    let (outcomes, order_conf, order_errors) = block_on(async {
        let targets = resolve_brokers(
            &client,
            args.cluster.as_deref(),
            args.broker.as_deref(),
            args.broker_addr.as_deref(),
            Scope::Masters,
        )
        .await?;
        let mut outcomes = Vec::new();
        for target in targets {
            outcomes.push(create_on(&client, &args, target).await);
        }
        // Like mqadmin, only a cluster-wide ordered topic gets a name server order config.
        let mut order_conf = None;
        let mut order_errors = Vec::new();
        if args.order == Some(true) && args.cluster.is_some() {
            let conf = outcomes
                .iter()
                .filter_map(|o| {
                    Some(format!(
                        "{}:{}",
                        o.target.name.as_ref()?,
                        o.config.as_ref()?.write_queue_nums
                    ))
                })
                .collect::<Vec<_>>()
                .join(";");
            if !conf.is_empty() {
                let h = PutKvConfigRequestHeader {
                    namespace: ORDER_TOPIC_NAMESPACE.into(),
                    key: args.topic.clone(),
                    value: conf.clone(),
                };
                for ns in client.namesrv_addrs() {
                    if let Err(e) = client
                        .call(ns, request(RequestCode::PUT_KV_CONFIG, &h))
                        .await
                    {
                        order_errors.push(format!("order config on name server {ns}: {e}"));
                    }
                }
                order_conf = Some(conf);
            }
        }
        client.shutdown().await;
        anyhow::Ok((outcomes, order_conf, order_errors))
    })??;

    match args.output {
        OutputFormat::Json => {
            let brokers: Vec<Value> = outcomes
                .iter()
                .map(|o| {
                    let c = o.config.as_ref();
                    json!({
                        "brokerName": o.target.name,
                        "brokerAddr": o.target.addr,
                        "status": o.status,
                        "readQueueNums": c.map(|c| c.read_queue_nums),
                        "writeQueueNums": c.map(|c| c.write_queue_nums),
                        "perm": c.map(|c| c.perm),
                        "permString": c.map(|c| perm_to_string(c.perm)),
                        "order": c.map(|c| c.order),
                        "changes": o.changes.iter().map(|(f, old, new)| json!({"field": f, "old": old, "new": new})).collect::<Vec<_>>(),
                        "error": o.error,
                    })
                })
                .collect();
            output::print_json(&json!({
                "topic": args.topic,
                "brokers": brokers,
                "orderConf": order_conf,
            }))?;
        }
        OutputFormat::Table => {
            let mut table = output::table([
                "broker",
                "address",
                "status",
                "read/write",
                "perm",
                "order",
                "changes",
            ]);
            for o in &outcomes {
                let c = o.config.as_ref();
                let changes = o
                    .changes
                    .iter()
                    .map(|(f, old, new)| format!("{f}: {} → {}", plain(old), plain(new)))
                    .collect::<Vec<_>>()
                    .join(", ");
                table.add_row([
                    o.target.name.clone().unwrap_or_else(|| "?".into()),
                    o.target.addr.clone(),
                    o.status.to_string(),
                    c.map_or("-".into(), |c| {
                        format!("{}/{}", c.read_queue_nums, c.write_queue_nums)
                    }),
                    c.map_or("-".into(), |c| perm_to_string(c.perm)),
                    c.map_or("-".into(), |c| c.order.to_string()),
                    o.error.clone().unwrap_or(changes),
                ]);
            }
            println!("{table}");
            if let Some(conf) = &order_conf {
                println!("order config on the name servers: {conf}");
            }
        }
    }
    for e in &order_errors {
        eprintln!("error: {e}");
    }
    let errors: Vec<String> = outcomes
        .iter()
        .filter_map(|o| Some(format!("{}: {}", o.target.label(), o.error.as_ref()?)))
        .collect();
    finish(
        &format!("creating topic {}", args.topic),
        outcomes.len(),
        &errors,
    )?;
    if !order_errors.is_empty() {
        bail!(
            "topic {} was created but its order config was not written to every name server",
            args.topic
        );
    }
    Ok(())
}

/// A JSON scalar without string quotes, for tables.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

// ------------------------------------------------------------------------------- delete

fn delete(args: DeleteArgs) -> anyhow::Result<()> {
    let client = args.client.client()?;
    let (brokers, namesrvs) = block_on(async {
        let targets =
            resolve_brokers(&client, Some(&args.cluster), None, None, Scope::Masters).await?;
        // A misspelt topic would otherwise "succeed" silently; still go on, since a broker may
        // hold a topic its name server no longer lists.
        if let Ok(list) = client.topics_by_cluster(&args.cluster).await {
            if !list.topic_list.contains(&args.topic) {
                eprintln!(
                    "warning: topic {} is not registered in cluster {}",
                    args.topic, args.cluster
                );
            }
        }
        let namesrv_addrs = client.namesrv_addrs().to_vec();
        confirm(
            &format!(
                "delete topic {} from {} broker(s) of cluster {} and {} name server(s)",
                args.topic,
                targets.len(),
                args.cluster,
                namesrv_addrs.len()
            ),
            args.yes,
        )?;
        let mut brokers = Vec::new();
        for t in targets {
            let r = client.delete_topic_in_broker(&t.addr, &args.topic).await;
            brokers.push((t, r.err().map(|e| e.to_string())));
        }
        // Brokers first: a name server route removed while a broker still has the topic
        // would come back with the broker's next registration.
        let mut namesrvs = Vec::new();
        for ns in namesrv_addrs {
            let r = client
                .delete_topic_in_namesrv(&ns, &args.topic, Some(&args.cluster))
                .await;
            namesrvs.push((ns, r.err().map(|e| e.to_string())));
        }
        client.shutdown().await;
        anyhow::Ok((brokers, namesrvs))
    })??;

    match args.output {
        OutputFormat::Json => {
            output::print_json(&json!({
                "topic": args.topic,
                "cluster": args.cluster,
                "brokers": brokers.iter().map(|(t, e)| json!({
                    "brokerName": t.name,
                    "brokerAddr": t.addr,
                    "deleted": e.is_none(),
                    "error": e,
                })).collect::<Vec<_>>(),
                "nameServers": namesrvs.iter().map(|(ns, e)| json!({
                    "addr": ns,
                    "deleted": e.is_none(),
                    "error": e,
                })).collect::<Vec<_>>(),
            }))?;
        }
        OutputFormat::Table => {
            let mut table = output::table(["where", "address", "result"]);
            for (t, e) in &brokers {
                table.add_row([
                    format!("broker {}", t.name.as_deref().unwrap_or("?")),
                    t.addr.clone(),
                    e.clone().unwrap_or_else(|| "deleted".into()),
                ]);
            }
            for (ns, e) in &namesrvs {
                table.add_row([
                    "name server".to_string(),
                    ns.clone(),
                    e.clone().unwrap_or_else(|| "route deleted".into()),
                ]);
            }
            println!("{table}");
        }
    }
    let errors: Vec<String> = brokers
        .iter()
        .filter_map(|(t, e)| Some(format!("broker {}: {}", t.label(), e.as_ref()?)))
        .chain(
            namesrvs
                .iter()
                .filter_map(|(ns, e)| Some(format!("name server {ns}: {}", e.as_ref()?))),
        )
        .collect();
    finish(
        &format!("deleting topic {}", args.topic),
        brokers.len() + namesrvs.len(),
        &errors,
    )
}

// --------------------------------------------------------------------------------- list

/// One row of the detailed listing.
struct TopicRow {
    cluster: String,
    topic: String,
    groups: BTreeSet<String>,
}

fn list(args: ListArgs) -> anyhow::Result<()> {
    let client = Arc::new(args.client.client()?);
    let detail = args.cluster.is_some();
    let (plain_topics, rows, errors) = block_on(async {
        if !detail {
            let topics = client.all_topics().await?.topic_list;
            client.shutdown().await;
            return anyhow::Ok((topics, Vec::new(), Vec::new()));
        }
        let info = client.cluster_info().await?;
        let clusters: Vec<String> = match args.cluster.clone().flatten() {
            Some(c) => {
                check_cluster(&info, &c)?;
                vec![c]
            }
            None => info.cluster_addr_table.keys().cloned().collect(),
        };
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for cluster in clusters {
            let masters: Vec<String> = check_cluster(&info, &cluster)?
                .iter()
                .filter_map(|n| {
                    info.broker_addr_table
                        .get(n)?
                        .master_addr()
                        .map(String::from)
                })
                .collect();
            let topics = client.topics_by_cluster(&cluster).await?.topic_list;
            let topics: Vec<String> = topics
                .into_iter()
                .filter(|t| {
                    !t.starts_with(RETRY_GROUP_TOPIC_PREFIX)
                        && !t.starts_with(DLQ_GROUP_TOPIC_PREFIX)
                })
                .collect();
            // Ask every master of the cluster about every topic, a bounded number at a time.
            let mut groups: Vec<BTreeSet<String>> = vec![BTreeSet::new(); topics.len()];
            let mut jobs = tokio::task::JoinSet::new();
            let mut pending = topics
                .iter()
                .enumerate()
                .flat_map(|(i, t)| masters.iter().map(move |m| (i, t.clone(), m.clone())));
            loop {
                while jobs.len() < PARALLEL_LOOKUPS {
                    let Some((i, topic, addr)) = pending.next() else {
                        break;
                    };
                    let client = Arc::clone(&client);
                    jobs.spawn(async move {
                        let r = client.topic_consumed_by(&addr, &topic).await;
                        (i, topic, addr, r)
                    });
                }
                let Some(done) = jobs.join_next().await else {
                    break;
                };
                let (i, topic, addr, r) = done?;
                match r {
                    Ok(list) => groups[i].extend(list.group_list),
                    Err(e) => errors.push(format!("consumer groups of {topic} on {addr}: {e}")),
                }
            }
            for (topic, groups) in topics.into_iter().zip(groups) {
                rows.push(TopicRow {
                    cluster: cluster.clone(),
                    topic,
                    groups,
                });
            }
        }
        client.shutdown().await;
        anyhow::Ok((BTreeSet::new(), rows, errors))
    })??;

    match (args.output, detail) {
        (OutputFormat::Json, false) => output::print_json(&json!({
            "topics": plain_topics.iter().map(|t| json!({"topic": t})).collect::<Vec<_>>(),
        }))?,
        (OutputFormat::Json, true) => output::print_json(&json!({
            "topics": rows.iter().map(|r| json!({
                "cluster": r.cluster,
                "topic": r.topic,
                "consumerGroups": r.groups,
            })).collect::<Vec<_>>(),
        }))?,
        (OutputFormat::Table, false) => {
            let mut table = output::table(["topic"]);
            for t in &plain_topics {
                table.add_row([t]);
            }
            println!("{table}");
        }
        (OutputFormat::Table, true) => {
            let mut table = output::table(["cluster", "topic", "consumer groups"]);
            for r in &rows {
                table.add_row([
                    r.cluster.clone(),
                    r.topic.clone(),
                    r.groups.iter().cloned().collect::<Vec<_>>().join(", "),
                ]);
            }
            println!("{table}");
        }
    }
    for e in &errors {
        eprintln!("warning: {e}");
    }
    Ok(())
}

// -------------------------------------------------------------------------------- route

fn route(args: RouteArgs) -> anyhow::Result<()> {
    let client = args.client.client()?;
    let route = block_on(async {
        let r = client.route(&args.topic).await;
        client.shutdown().await;
        r
    })??;
    let mut queue_datas = route.queue_datas.clone();
    queue_datas.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
    // Brokers that have a group but no queue data still show, with empty queue columns.
    let mut names: Vec<&str> = queue_datas.iter().map(|q| q.broker_name.as_str()).collect();
    for b in &route.broker_datas {
        if !names.contains(&b.broker_name.as_str()) {
            names.push(&b.broker_name);
        }
    }
    let rows: Vec<_> = names
        .iter()
        .map(|name| {
            (
                *name,
                route.broker_datas.iter().find(|b| b.broker_name == *name),
                queue_datas.iter().find(|q| q.broker_name == *name),
            )
        })
        .collect();

    match args.output {
        OutputFormat::Json => output::print_json(&json!({
            "topic": args.topic,
            "orderTopicConf": route.order_topic_conf,
            "brokers": rows.iter().map(|(name, b, q)| json!({
                "brokerName": name,
                "cluster": b.map(|b| &b.cluster),
                "brokerAddrs": b.map(|b| b.broker_addrs.iter().map(|(id, a)| (id.to_string(), json!(a))).collect::<serde_json::Map<_, _>>()),
                "readQueueNums": q.map(|q| q.read_queue_nums),
                "writeQueueNums": q.map(|q| q.write_queue_nums),
                "perm": q.map(|q| q.perm),
                "permString": q.map(|q| perm_to_string(q.perm)),
                "topicSysFlag": q.map(|q| q.topic_sys_flag),
            })).collect::<Vec<_>>(),
        }))?,
        OutputFormat::Table => {
            let mut table = output::table([
                "broker",
                "cluster",
                "addresses",
                "read queues",
                "write queues",
                "perm",
            ]);
            for (name, b, q) in &rows {
                let addrs = b.map_or("-".into(), |b| {
                    b.broker_addrs
                        .iter()
                        .map(|(id, a)| format!("{id}={a}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                });
                table.add_row([
                    name.to_string(),
                    b.map_or("-".into(), |b| b.cluster.clone()),
                    addrs,
                    q.map_or("-".into(), |q| q.read_queue_nums.to_string()),
                    q.map_or("-".into(), |q| q.write_queue_nums.to_string()),
                    q.map_or("-".into(), |q| perm_to_string(q.perm)),
                ]);
            }
            println!("{table}");
            if let Some(conf) = &route.order_topic_conf {
                println!("order config: {conf}");
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------- status

fn status(args: StatusArgs) -> anyhow::Result<()> {
    let client = args.client.client()?;
    let (queues, errors, asked) = block_on(async {
        let route = client.route(&args.topic).await?;
        let mut brokers: Vec<(String, String)> = route
            .broker_datas
            .iter()
            .filter(|b| {
                route
                    .queue_datas
                    .iter()
                    .any(|q| q.broker_name == b.broker_name)
            })
            .filter_map(|b| Some((b.broker_name.clone(), b.master_addr()?.to_string())))
            .collect();
        brokers.sort();
        if brokers.is_empty() {
            bail!(
                "topic {} has no master broker in its route; see 'rmq topic route -t {}'",
                args.topic,
                args.topic
            );
        }
        let asked = brokers.len();
        let mut queues = Vec::new();
        let mut errors = Vec::new();
        for (name, addr) in brokers {
            match client.topic_stats(&addr, &args.topic).await {
                Ok(stats) => queues.extend(stats.offset_table),
                Err(e) => errors.push((name, addr, e.to_string())),
            }
        }
        client.shutdown().await;
        queues.sort_by(|a, b| a.0.cmp(&b.0));
        anyhow::Ok((queues, errors, asked))
    })??;

    match args.output {
        OutputFormat::Json => output::print_json(&json!({
            "topic": args.topic,
            "queues": queues.iter().map(|(mq, o)| json!({
                "brokerName": mq.broker_name,
                "queueId": mq.queue_id,
                "minOffset": o.min_offset,
                "maxOffset": o.max_offset,
                "lastUpdateTimestamp": o.last_update_timestamp,
                "lastUpdateTime": (o.last_update_timestamp > 0).then(|| format_millis(o.last_update_timestamp)),
            })).collect::<Vec<_>>(),
            "errors": errors.iter().map(|(n, a, e)| json!({
                "brokerName": n,
                "brokerAddr": a,
                "error": e,
            })).collect::<Vec<_>>(),
        }))?,
        OutputFormat::Table => {
            let mut table = output::table([
                "broker",
                "queue",
                "min offset",
                "max offset",
                "last update (UTC)",
            ]);
            for (mq, o) in &queues {
                table.add_row([
                    mq.broker_name.clone(),
                    mq.queue_id.to_string(),
                    o.min_offset.to_string(),
                    o.max_offset.to_string(),
                    format_millis(o.last_update_timestamp),
                ]);
            }
            println!("{table}");
            for (n, a, e) in &errors {
                eprintln!("error: {n} ({a}): {e}");
            }
        }
    }
    let errors: Vec<String> = errors
        .iter()
        .map(|(n, a, e)| format!("{n} ({a}): {e}"))
        .collect();
    finish(&format!("topic stats of {}", args.topic), asked, &errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_and_perms_are_validated() {
        assert!(parse_topic("Topic-1_%|x").is_ok());
        assert!(parse_topic("").is_err());
        assert!(parse_topic("a b").unwrap_err().contains("' '"));
        assert!(parse_topic(&"x".repeat(128)).is_err());
        assert_eq!(parse_perm("6"), Ok(6));
        assert_eq!(parse_perm("RW-"), Ok(6));
        assert_eq!(parse_perm("r"), Ok(4));
        assert_eq!(parse_perm("-W-"), Ok(2));
        assert!(parse_perm("7").is_err());
    }

    #[test]
    fn diff_lists_changed_fields_only() {
        let old = TopicConfig {
            read_queue_nums: 8,
            write_queue_nums: 8,
            ..TopicConfig::new("T")
        };
        let new = TopicConfig {
            write_queue_nums: 4,
            perm: 4,
            ..old.clone()
        };
        let d = diff(&old, &new);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0], ("writeQueueNums", json!(8), json!(4)));
        assert_eq!(d[1], ("perm", json!("RW-"), json!("R--")));
        assert!(diff(&old, &old).is_empty());
    }
}
