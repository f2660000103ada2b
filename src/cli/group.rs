//! `rmq group create|list|describe|delete`: subscription groups on the master brokers and a
//! group's consumption progress (mqadmin updateSubGroup, deleteSubGroup, consumerProgress,
//! consumerConnection).

use std::collections::BTreeMap;

use anyhow::{bail, Context as _};
use clap::{ArgAction, ArgGroup, Args, Subcommand};
use serde_json::{json, Value};

use super::common::{block_on, confirm, ClientArgs};
use super::offset::fmt_time;
use super::output::{print_json, table, OutputFormat};
use rmq::client::MqClient;
use rmq::common::names::is_sys_consumer_group;
use rmq::common::names::BUILTIN_GROUPS;
use rmq::protocol::body::{ConsumeStats, ConsumerConnection, SubscriptionGroupConfig};
use rmq::protocol::ResponseCode;

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a subscription group, or update it where it exists (options not given keep
    /// their current value), on every master of a cluster or on one broker.
    Create(CreateArgs),
    /// List the subscription groups of each master broker.
    List(ListArgs),
    /// A group's progress per queue (broker offset, consumer offset, lag, last consume
    /// time), totals, and its online clients with their subscriptions.
    Describe(DescribeArgs),
    /// Delete a subscription group (and its %RETRY% and %DLQ% topics, as mqadmin does).
    Delete(DeleteArgs),
}

/// mqadmin's names, hidden.
#[derive(Debug, Subcommand)]
pub enum GroupAlias {
    /// mqadmin updateSubGroup: `rmq group create`.
    #[command(name = "updateSubGroup", hide = true)]
    UpdateSubGroup(CreateArgs),
    /// mqadmin deleteSubGroup: `rmq group delete` (asks for confirmation unless --yes).
    #[command(name = "deleteSubGroup", hide = true)]
    DeleteSubGroup(DeleteArgs),
    /// mqadmin consumerProgress: `rmq group describe` (lag per queue, then the clients).
    #[command(name = "consumerProgress", hide = true)]
    ConsumerProgress(DescribeArgs),
    /// mqadmin consumerConnection: `rmq group describe` (the connected clients).
    #[command(name = "consumerConnection", hide = true)]
    ConsumerConnection(DescribeArgs),
}

/// Which master brokers a command talks to.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// Every master broker of this cluster.
    #[arg(short = 'c', long)]
    pub cluster: Option<String>,
    /// One broker: its name (master) or its address host:port.
    #[arg(
        short = 'b',
        long = "broker-addr",
        visible_alias = "broker",
        value_name = "BROKER"
    )]
    pub broker: Option<String>,
}

const CREATE_AFTER_HELP: &str = "\
4.x subscription groups have no orderly setting: orderly consumption is chosen by the \
consumer (MessageListenerOrderly), so there is no --orderly here.";

#[derive(Debug, Args)]
#[command(
    after_help = CREATE_AFTER_HELP,
    group(ArgGroup::new("where").required(true).args(["cluster", "broker"]))
)]
pub struct CreateArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub target: Target,
    /// Group name.
    #[arg(short = 'g', long, value_parser = non_empty)]
    pub group: String,
    /// Whether the group may consume (default true).
    #[arg(long, short_alias = 's', action = ArgAction::Set, value_name = "BOOL")]
    pub consume_enable: Option<bool>,
    /// Whether broadcasting consumers may use the group (default true).
    #[arg(long, short_alias = 'd', action = ArgAction::Set, value_name = "BOOL")]
    pub broadcast: Option<bool>,
    /// Whether a new group starts from the first offset (default true).
    #[arg(long, short_alias = 'm', action = ArgAction::Set, value_name = "BOOL")]
    pub consume_from_min: Option<bool>,
    /// Queues of the group's %RETRY% topic (default 1).
    #[arg(long, short_alias = 'q', value_name = "N", value_parser = clap::value_parser!(i32).range(0..))]
    pub retry_queues: Option<i32>,
    /// Redeliveries before a message goes to the %DLQ% topic (default 16).
    #[arg(long, short_alias = 'r', value_name = "N", value_parser = clap::value_parser!(i32).range(-1..))]
    pub max_retries: Option<i32>,
    /// Broker id consumers read from (default 0, the master).
    #[arg(long, short_alias = 'i', value_name = "ID")]
    pub broker_id: Option<i64>,
    /// Broker id consumers switch to when they fall behind (default 1).
    #[arg(long, short_alias = 'w', value_name = "ID")]
    pub which_broker_when_slow: Option<i64>,
    /// Whether consumers are told when the group's members change (default true).
    #[arg(long, short_alias = 'a', action = ArgAction::Set, value_name = "BOOL")]
    pub notify_ids_changed: Option<bool>,
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub target: Target,
    /// Include system groups (TOOLS_CONSUMER, CID_RMQ_SYS_*, ...).
    #[arg(long)]
    pub system: bool,
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub target: Target,
    /// Group name.
    #[arg(short = 'g', long, value_parser = non_empty)]
    pub group: String,
    /// Only this topic.
    #[arg(short = 't', long)]
    pub topic: Option<String>,
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("where").required(true).args(["cluster", "broker"])))]
pub struct DeleteArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub target: Target,
    /// Group name.
    #[arg(short = 'g', long, value_parser = non_empty)]
    pub group: String,
    /// Keep the group's %RETRY% and %DLQ% topics.
    #[arg(long)]
    pub keep_topics: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

fn non_empty(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    Ok(s.to_string())
}

pub fn run(cmd: GroupCommand) -> anyhow::Result<()> {
    match cmd {
        GroupCommand::Create(a) => create(a),
        GroupCommand::List(a) => list(a),
        GroupCommand::Describe(a) => describe(a),
        GroupCommand::Delete(a) => delete(a),
    }
}

pub fn run_alias(alias: GroupAlias) -> anyhow::Result<()> {
    match alias {
        GroupAlias::UpdateSubGroup(a) => create(a),
        GroupAlias::DeleteSubGroup(a) => delete(a),
        GroupAlias::ConsumerProgress(a) | GroupAlias::ConsumerConnection(a) => describe(a),
    }
}

/// Runs `f` with a client on a runtime, closing connections afterwards.
fn with_client<T>(
    args: &ClientArgs,
    f: impl AsyncFnOnce(&MqClient) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let client = args.client()?;
    block_on(async {
        let result = f(&client).await;
        client.shutdown().await;
        result
    })?
}

/// A master broker: (name, address).
type Master = (String, String);

/// The masters `target` names; every master of every cluster without one.
async fn masters(client: &MqClient, target: &Target) -> anyhow::Result<Vec<Master>> {
    if let Some(b) = target.broker.as_deref() {
        if b.contains(':') {
            // An address: find its name for the output, keep the address when unknown.
            let name = client.cluster_info().await.ok().and_then(|info| {
                info.broker_addr_table
                    .iter()
                    .find(|(_, d)| d.broker_addrs.values().any(|a| a == b))
                    .map(|(n, _)| n.clone())
            });
            return Ok(vec![(name.unwrap_or_else(|| b.to_string()), b.to_string())]);
        }
        let addr = client
            .master_addr(b)
            .await
            .with_context(|| format!("cannot find the master of broker {b}"))?;
        return Ok(vec![(b.to_string(), addr)]);
    }
    let list = client
        .masters(target.cluster.as_deref())
        .await
        .context("cannot list the master brokers")?;
    let out: Vec<Master> = list
        .iter()
        .filter_map(|d| Some((d.broker_name.clone(), d.master_addr()?.to_string())))
        .collect();
    if out.is_empty() {
        bail!("no master broker is registered with the name server");
    }
    Ok(out)
}

fn group_json(g: &SubscriptionGroupConfig) -> Value {
    json!({
        "groupName": g.group_name,
        "consumeEnable": g.consume_enable,
        "consumeFromMinEnable": g.consume_from_min_enable,
        "consumeBroadcastEnable": g.consume_broadcast_enable,
        "retryQueueNums": g.retry_queue_nums,
        "retryMaxTimes": g.retry_max_times,
        "brokerId": g.broker_id,
        "whichBrokerWhenConsumeSlowly": g.which_broker_when_consume_slowly,
        "notifyConsumerIdsChangedEnable": g.notify_consumer_ids_changed_enable,
    })
}

// ---------------------------------------------------------------------------------------------
// create

fn create(args: CreateArgs) -> anyhow::Result<()> {
    with_client(&args.client, async |client| {
        let targets = masters(client, &args.target).await?;
        let mut results = Vec::new();
        for (name, addr) in &targets {
            // Start from the broker's current settings so an update changes only what was given.
            let existing = client
                .all_groups(addr)
                .await
                .ok()
                .and_then(|w| w.subscription_group_table.get(&args.group).cloned());
            let created = existing.is_none();
            let mut g = existing.unwrap_or_else(|| SubscriptionGroupConfig::new(&args.group));
            if let Some(v) = args.consume_enable {
                g.consume_enable = v;
            }
            if let Some(v) = args.broadcast {
                g.consume_broadcast_enable = v;
            }
            if let Some(v) = args.consume_from_min {
                g.consume_from_min_enable = v;
            }
            if let Some(v) = args.retry_queues {
                g.retry_queue_nums = v;
            }
            if let Some(v) = args.max_retries {
                g.retry_max_times = v;
            }
            if let Some(v) = args.broker_id {
                g.broker_id = v;
            }
            if let Some(v) = args.which_broker_when_slow {
                g.which_broker_when_consume_slowly = v;
            }
            if let Some(v) = args.notify_ids_changed {
                g.notify_consumer_ids_changed_enable = v;
            }
            let outcome = client.create_group(addr, &g).await;
            results.push((name.clone(), addr.clone(), created, g, outcome));
        }
        let failed = results.iter().filter(|r| r.4.is_err()).count();
        match args.output {
            OutputFormat::Json => print_json(&json!({
                "group": args.group,
                "brokers": results.iter().map(|(name, addr, created, g, outcome)| json!({
                    "brokerName": name,
                    "brokerAddr": addr,
                    "action": if *created { "created" } else { "updated" },
                    "ok": outcome.is_ok(),
                    "error": outcome.as_ref().err().map(|e| e.to_string()),
                    "config": group_json(g),
                })).collect::<Vec<_>>(),
            }))?,
            OutputFormat::Table => {
                let mut t = table([
                    "Broker",
                    "Address",
                    "Result",
                    "Consume",
                    "Broadcast",
                    "Retry queues",
                    "Max retries",
                ]);
                for (name, addr, created, g, outcome) in &results {
                    t.add_row(vec![
                        name.clone(),
                        addr.clone(),
                        match outcome {
                            Ok(()) if *created => "created".to_string(),
                            Ok(()) => "updated".to_string(),
                            Err(e) => format!("FAILED: {e}"),
                        },
                        g.consume_enable.to_string(),
                        g.consume_broadcast_enable.to_string(),
                        g.retry_queue_nums.to_string(),
                        g.retry_max_times.to_string(),
                    ]);
                }
                println!("{t}");
            }
        }
        if failed > 0 {
            bail!(
                "group {} was not written on {failed} broker(s); see above",
                args.group
            );
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// list

fn is_system_group(name: &str) -> bool {
    BUILTIN_GROUPS.contains(&name) || is_sys_consumer_group(name)
}

fn list(args: ListArgs) -> anyhow::Result<()> {
    with_client(&args.client, async |client| {
        let targets = masters(client, &args.target).await?;
        let mut rows: Vec<(String, String, SubscriptionGroupConfig)> = Vec::new();
        let mut errors = Vec::new();
        for (name, addr) in &targets {
            match client.all_groups(addr).await {
                Ok(w) => rows.extend(
                    w.subscription_group_table
                        .into_values()
                        .filter(|g| args.system || !is_system_group(&g.group_name))
                        .map(|g| (name.clone(), addr.clone(), g)),
                ),
                Err(e) => errors.push(format!("{name} ({addr}): {e}")),
            }
        }
        if errors.len() == targets.len() {
            bail!("no broker listed its groups: {}", errors.join("; "));
        }
        rows.sort_by(|a, b| (&a.2.group_name, &a.0).cmp(&(&b.2.group_name, &b.0)));
        match args.output {
            OutputFormat::Json => print_json(&json!({
                "groups": rows.iter().map(|(name, addr, g)| {
                    let mut v = group_json(g);
                    v["brokerName"] = json!(name);
                    v["brokerAddr"] = json!(addr);
                    v
                }).collect::<Vec<_>>(),
                "errors": errors,
            }))?,
            OutputFormat::Table => {
                let mut t = table([
                    "Group",
                    "Broker",
                    "Retry queues",
                    "Max retries",
                    "Consume",
                    "Broadcast",
                    "From min",
                ]);
                for (name, _, g) in &rows {
                    t.add_row(vec![
                        g.group_name.clone(),
                        name.clone(),
                        g.retry_queue_nums.to_string(),
                        g.retry_max_times.to_string(),
                        g.consume_enable.to_string(),
                        g.consume_broadcast_enable.to_string(),
                        g.consume_from_min_enable.to_string(),
                    ]);
                }
                println!("{t}");
                for e in &errors {
                    eprintln!("rmq: warning: {e}");
                }
            }
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// describe

/// Java's `MQVersion` name for the 4.9.x ordinals (400 = V4_9_4_SNAPSHOT, then a snapshot
/// and a release per patch); other numbers are shown as they are.
fn version_desc(v: i32) -> String {
    match v {
        400..=409 => {
            let patch = 4 + (v - 400) / 2;
            let snapshot = if (v - 400) % 2 == 0 { "_SNAPSHOT" } else { "" };
            format!("V4_9_{patch}{snapshot}")
        }
        _ => v.to_string(),
    }
}

fn describe(args: DescribeArgs) -> anyhow::Result<()> {
    with_client(&args.client, async |client| {
        let targets = masters(client, &args.target).await?;
        let group = &args.group;
        let mut stats: Vec<(String, ConsumeStats)> = Vec::new();
        let mut connection: Option<ConsumerConnection> = None;
        let mut errors = Vec::new();
        for (name, addr) in &targets {
            match client
                .consume_stats(addr, group, args.topic.as_deref())
                .await
            {
                Ok(s) => stats.push((name.clone(), s)),
                Err(e) if e.code() == Some(ResponseCode::REQUEST_CODE_NOT_SUPPORTED) => errors
                    .push(format!(
                        "{name} ({addr}) does not support GET_CONSUME_STATS: {e}"
                    )),
                Err(e) => errors.push(format!("{name} ({addr}): {e}")),
            }
            match client.consumer_connection(addr, group).await {
                Ok(Some(c)) => match &mut connection {
                    None => connection = Some(c),
                    Some(all) => {
                        for conn in c.connection_set {
                            if !all
                                .connection_set
                                .iter()
                                .any(|x| x.client_id == conn.client_id)
                            {
                                all.connection_set.push(conn);
                            }
                        }
                        all.subscription_table.extend(c.subscription_table);
                    }
                },
                Ok(None) => {}
                Err(e) => errors.push(format!("{name} ({addr}): consumer connections: {e}")),
            }
        }
        if stats.is_empty() {
            bail!(
                "no broker answered the progress of group {group}: {}",
                errors.join("; ")
            );
        }
        // (topic, broker name, queue id) → offsets.
        let mut queues = BTreeMap::new();
        let mut tps = 0.0;
        for (_, s) in &stats {
            tps += s.consume_tps;
            for (mq, o) in &s.offset_table {
                queues.insert(
                    (mq.topic.clone(), mq.broker_name.clone(), mq.queue_id),
                    o.clone(),
                );
            }
        }
        if queues.is_empty() && connection.is_none() {
            // Distinguish "no such group" from "a group that has consumed nothing yet".
            let mut known = false;
            for (_, addr) in &targets {
                if let Ok(w) = client.all_groups(addr).await {
                    known |= w.subscription_group_table.contains_key(group);
                }
            }
            if !known {
                bail!(
                    "group {group} does not exist on {} and has no offsets; create it with \
                     'rmq group create -g {group} -c CLUSTER'",
                    targets
                        .iter()
                        .map(|t| t.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        let lag = |o: &rmq::protocol::body::OffsetWrapper| {
            o.broker_offset
                .saturating_sub(o.consumer_offset.max(0))
                .max(0)
        };
        let total_broker: i64 = queues.values().map(|o| o.broker_offset).sum();
        let total_consumer: i64 = queues.values().map(|o| o.consumer_offset.max(0)).sum();
        let total_lag: i64 = queues.values().map(lag).sum();
        let last = queues.values().map(|o| o.last_timestamp).max().unwrap_or(0);
        match args.output {
            OutputFormat::Json => print_json(&json!({
                "group": group,
                "queues": queues.iter().map(|((topic, broker, id), o)| json!({
                    "topic": topic,
                    "brokerName": broker,
                    "queueId": id,
                    "brokerOffset": o.broker_offset,
                    "consumerOffset": o.consumer_offset,
                    "lag": lag(o),
                    "lastTimestamp": o.last_timestamp,
                })).collect::<Vec<_>>(),
                "totals": {
                    "brokerOffset": total_broker,
                    "consumerOffset": total_consumer,
                    "lag": total_lag,
                    "lastTimestamp": last,
                },
                "consumeTps": tps,
                "online": connection.is_some(),
                "consumeType": connection.as_ref().map(|c| c.consume_type.name().to_string()),
                "messageModel": connection.as_ref().map(|c| c.message_model.name().to_string()),
                "consumeFromWhere": connection.as_ref().map(|c| c.consume_from_where.name().to_string()),
                "connections": connection.as_ref().map_or(Vec::new(), |c| c.connection_set.iter().map(|x| json!({
                    "clientId": x.client_id,
                    "clientAddr": x.client_addr,
                    "language": x.language.name(),
                    "version": x.version,
                    "versionDesc": version_desc(x.version),
                })).collect()),
                "subscriptions": connection.as_ref().map_or(Vec::new(), |c| c.subscription_table.values().map(|s| json!({
                    "topic": s.topic,
                    "subString": s.sub_string,
                    "expressionType": s.expression_type,
                    "subVersion": s.sub_version,
                })).collect()),
                "errors": errors,
            }))?,
            OutputFormat::Table => {
                let mut t = table([
                    "Topic",
                    "Broker",
                    "Queue",
                    "Broker offset",
                    "Consumer offset",
                    "Lag",
                    "Last consume time",
                ]);
                for ((topic, broker, id), o) in &queues {
                    t.add_row(vec![
                        topic.clone(),
                        broker.clone(),
                        id.to_string(),
                        o.broker_offset.to_string(),
                        o.consumer_offset.to_string(),
                        lag(o).to_string(),
                        fmt_time(o.last_timestamp),
                    ]);
                }
                t.add_row(vec![
                    "Total".to_string(),
                    String::new(),
                    queues.len().to_string(),
                    total_broker.to_string(),
                    total_consumer.to_string(),
                    total_lag.to_string(),
                    fmt_time(last),
                ]);
                println!("Group {group}: consume TPS {tps:.2}, lag {total_lag}");
                println!("{t}");
                match &connection {
                    None => println!("No consumer of {group} is online."),
                    Some(c) => {
                        println!(
                            "Online clients ({}, {}, {}):",
                            c.consume_type.name(),
                            c.message_model.name(),
                            c.consume_from_where.name()
                        );
                        let mut t = table(["Client id", "Address", "Language", "Version"]);
                        for x in &c.connection_set {
                            t.add_row(vec![
                                x.client_id.clone(),
                                x.client_addr.clone(),
                                x.language.name().to_string(),
                                version_desc(x.version),
                            ]);
                        }
                        println!("{t}");
                        let mut t = table(["Topic", "Expression", "Type"]);
                        for s in c.subscription_table.values() {
                            t.add_row(vec![
                                s.topic.clone(),
                                s.sub_string.clone(),
                                s.expression_type.clone(),
                            ]);
                        }
                        println!("Subscriptions:");
                        println!("{t}");
                    }
                }
                for e in &errors {
                    eprintln!("rmq: warning: {e}");
                }
            }
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// delete

fn delete(args: DeleteArgs) -> anyhow::Result<()> {
    with_client(&args.client, async |client| {
        let targets = masters(client, &args.target).await?;
        let group = &args.group;
        let names: Vec<&str> = targets.iter().map(|t| t.0.as_str()).collect();
        let topics = if args.keep_topics {
            Vec::new()
        } else {
            vec![format!("%RETRY%{group}"), format!("%DLQ%{group}")]
        };
        let also = if topics.is_empty() {
            String::new()
        } else {
            format!(" and its topics {}", topics.join(", "))
        };
        confirm(
            &format!(
                "Delete subscription group {group}{also} on {}",
                names.join(", ")
            ),
            args.yes,
        )?;
        let mut results = Vec::new();
        for (name, addr) in &targets {
            let outcome = client.delete_group(addr, group).await;
            results.push((name.clone(), addr.clone(), outcome));
        }
        // Like mqadmin deleteSubGroup: the retry and dead-letter topics go too. They may not
        // exist, so failures here are reported but do not fail the command.
        let mut topic_notes = Vec::new();
        for topic in &topics {
            for (name, addr) in &targets {
                if let Err(e) = client.delete_topic_in_broker(addr, topic).await {
                    topic_notes.push(format!("{topic} on {name}: {e}"));
                }
            }
            for ns in client.namesrv_addrs().to_vec() {
                if let Err(e) = client.delete_topic_in_namesrv(&ns, topic, None).await {
                    topic_notes.push(format!("{topic} on name server {ns}: {e}"));
                }
            }
        }
        let failed = results.iter().filter(|r| r.2.is_err()).count();
        match args.output {
            OutputFormat::Json => print_json(&json!({
                "group": group,
                "brokers": results.iter().map(|(name, addr, outcome)| json!({
                    "brokerName": name,
                    "brokerAddr": addr,
                    "deleted": outcome.is_ok(),
                    "error": outcome.as_ref().err().map(|e| e.to_string()),
                })).collect::<Vec<_>>(),
                "topicsDeleted": topics,
                "topicErrors": topic_notes,
            }))?,
            OutputFormat::Table => {
                let mut t = table(["Broker", "Address", "Result"]);
                for (name, addr, outcome) in &results {
                    t.add_row(vec![
                        name.clone(),
                        addr.clone(),
                        match outcome {
                            Ok(()) => "deleted".to_string(),
                            Err(e) => format!("FAILED: {e}"),
                        },
                    ]);
                }
                println!("{t}");
                if !topics.is_empty() {
                    println!("Also deleted: {}", topics.join(", "));
                }
                for n in &topic_notes {
                    eprintln!("rmq: note: {n}");
                }
            }
        }
        if failed > 0 {
            bail!("group {group} was not deleted on {failed} broker(s); see above");
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names() {
        assert_eq!(version_desc(409), "V4_9_8");
        assert_eq!(version_desc(401), "V4_9_4");
        assert_eq!(version_desc(402), "V4_9_5_SNAPSHOT");
        assert_eq!(version_desc(500), "500");
    }
}
