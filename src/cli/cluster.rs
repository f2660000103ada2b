//! `rmq cluster list` (mqadmin clusterList): every broker the name servers know, with its
//! version, traffic and role. Also home of the broker-selection helpers the topic and broker
//! commands share (`-c CLUSTER`, `-b BROKER_NAME`, `--broker-addr HOST:PORT`).

use std::collections::BTreeSet;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::bail;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::common::{block_on, ClientArgs};
use super::output::{self, OutputFormat};
use rmq::client::{HaInfo, MqClient};
use rmq::protocol::body::{ClusterInfo, MASTER_ID};

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// List every broker of every cluster (or of one with -c): id, address, version, TPS, role.
    ///
    /// In/out TPS are the first (10 s) values of the broker's `putTps` and `getTotalTps`
    /// runtime figures. Role is the broker's replication role: ASYNC_MASTER, SYNC_MASTER or
    /// SLAVE (an rmq broker's runtime info, a Java broker's configuration); MASTER or SLAVE
    /// by broker id when the broker does not say. A broker that does not answer is listed
    /// with its error; the command still exits 0.
    ///
    /// JSON (-o json): {"brokers": [{"cluster", "brokerName", "brokerId", "brokerAddr",
    /// "role", "version", "inTps", "outTps", "error"}]}; version, inTps and outTps are null
    /// when unknown, error is null when the broker answered.
    List(ListArgs),
}

/// mqadmin's spelling, accepted but not shown in help.
#[derive(Debug, Subcommand)]
pub enum ClusterAlias {
    /// mqadmin clusterList: same as `rmq cluster list` (mqadmin's -m/-i are not supported).
    #[command(name = "clusterList", hide = true)]
    ClusterList(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Only this cluster.
    #[arg(short = 'c', long)]
    pub cluster: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub fn run(cmd: ClusterCommand) -> anyhow::Result<()> {
    match cmd {
        ClusterCommand::List(args) => list(args),
    }
}

pub fn run_alias(alias: ClusterAlias) -> anyhow::Result<()> {
    match alias {
        ClusterAlias::ClusterList(args) => list(args),
    }
}

/// One row of `cluster list`.
struct BrokerRow {
    cluster: String,
    name: String,
    id: i64,
    addr: String,
    version: Option<String>,
    in_tps: Option<f64>,
    out_tps: Option<f64>,
    /// Replication role the broker reports, when it does.
    role: Option<String>,
    error: Option<String>,
    /// Whether the broker answered (with an error) rather than not at all.
    answered: bool,
}

fn list(args: ListArgs) -> anyhow::Result<()> {
    let client = args.client.client()?;
    let rows = block_on(async {
        let info = client.cluster_info().await?;
        let clusters: Vec<&String> = match &args.cluster {
            Some(c) => {
                check_cluster(&info, c)?;
                info.cluster_addr_table.keys().filter(|k| *k == c).collect()
            }
            None => info.cluster_addr_table.keys().collect(),
        };
        let mut rows = Vec::new();
        for cluster in clusters {
            for name in &info.cluster_addr_table[cluster] {
                let Some(data) = info.broker_addr_table.get(name) else {
                    continue;
                };
                for (&id, addr) in &data.broker_addrs {
                    let mut row = BrokerRow {
                        cluster: cluster.clone(),
                        name: name.clone(),
                        id,
                        addr: addr.clone(),
                        version: None,
                        in_tps: None,
                        out_tps: None,
                        role: None,
                        error: None,
                        answered: false,
                    };
                    match client.broker_runtime_info(addr).await {
                        Ok(kv) => {
                            row.version = kv.table.get("brokerVersionDesc").cloned();
                            row.in_tps = first_tps(kv.table.get("putTps"));
                            // Java 4.x calls it getTransferedTps in older releases.
                            row.out_tps = first_tps(
                                kv.table
                                    .get("getTotalTps")
                                    .or_else(|| kv.table.get("getTransferedTps")),
                            );
                            row.role = match HaInfo::from_runtime_info(&kv).role {
                                Some(r) => Some(r),
                                // Java 4.9.x: only its configuration says.
                                None => client.configured_role(addr).await,
                            };
                        }
                        Err(e) => {
                            row.answered = e.code().is_some();
                            row.error = Some(e.to_string());
                        }
                    }
                    rows.push(row);
                }
            }
        }
        client.shutdown().await;
        anyhow::Ok(rows)
    })??;

    match args.output {
        OutputFormat::Json => {
            let brokers: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!({
                        "cluster": r.cluster,
                        "brokerName": r.name,
                        "brokerId": r.id,
                        "brokerAddr": r.addr,
                        "role": row_role(r),
                        "version": r.version,
                        "inTps": r.in_tps,
                        "outTps": r.out_tps,
                        "error": r.error,
                    })
                })
                .collect();
            output::print_json(&json!({ "brokers": brokers }))?;
        }
        OutputFormat::Table => {
            let mut table = output::table([
                "cluster", "broker", "id", "address", "version", "in TPS", "out TPS", "role",
            ]);
            for r in &rows {
                let tps = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
                table.add_row([
                    r.cluster.clone(),
                    r.name.clone(),
                    r.id.to_string(),
                    r.addr.clone(),
                    version_cell(r),
                    tps(r.in_tps),
                    tps(r.out_tps),
                    row_role(r),
                ]);
            }
            println!("{table}");
            for r in &rows {
                if let Some(e) = &r.error {
                    eprintln!("warning: {} ({}): {e}", r.name, r.addr);
                }
            }
        }
    }
    Ok(())
}

/// The version column: the broker's version, else why it is unknown. A broker that answered
/// with an error is reachable (the Java 4.9.x broker answers the runtime info request with
/// SYSTEM_ERROR for about a second after it started, before its first TPS sample).
fn version_cell(r: &BrokerRow) -> String {
    match (&r.version, &r.error) {
        (Some(v), _) => v.clone(),
        (None, Some(_)) if r.answered => "error".into(),
        (None, Some(_)) => "unreachable".into(),
        (None, None) => "-".into(),
    }
}

/// The role the broker reports, else MASTER or SLAVE by its id.
fn row_role(r: &BrokerRow) -> String {
    r.role.clone().unwrap_or_else(|| role(r.id).to_string())
}

fn role(id: i64) -> &'static str {
    if id == MASTER_ID {
        "MASTER"
    } else {
        "SLAVE"
    }
}

/// The first number of a runtime TPS figure (`"12.5 10.1 9.8"`: last 10 s, 1 min, 10 min).
fn first_tps(value: Option<&String>) -> Option<f64> {
    value?.split_whitespace().next()?.parse().ok()
}

// ------------------------------------------------------------------------- shared helpers

/// A broker process a command talks to.
#[derive(Clone, Debug)]
pub(super) struct BrokerTarget {
    /// Unknown when `--broker-addr` names an address the name servers do not list.
    pub name: Option<String>,
    pub addr: String,
}

impl BrokerTarget {
    /// `broker-a (127.0.0.1:10911)`, or the address alone when the name is unknown.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{n} ({})", self.addr),
            None => self.addr.clone(),
        }
    }
}

/// Which brokers of a cluster a command addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scope {
    /// Masters only (topic changes: slaves copy them from their master).
    Masters,
    /// Masters and slaves (config and status are per process).
    All,
}

/// Resolves `-c CLUSTER`, `-b BROKER_NAME` or `--broker-addr ADDR` (the first one given, in
/// that order; clap makes them exclusive) to broker processes, sorted by name then id.
/// `-b` means the broker's master.
pub(super) async fn resolve_brokers(
    client: &MqClient,
    cluster: Option<&str>,
    broker: Option<&str>,
    broker_addr: Option<&str>,
    scope: Scope,
) -> anyhow::Result<Vec<BrokerTarget>> {
    if let Some(addr) = broker_addr {
        // An address need not be registered (e.g. a broker started without a name server),
        // so a failed lookup only loses the name.
        let name = client.cluster_info().await.ok().and_then(|info| {
            info.broker_addr_table
                .values()
                .find(|b| b.broker_addrs.values().any(|a| a == addr))
                .map(|b| b.broker_name.clone())
        });
        return Ok(vec![BrokerTarget {
            name,
            addr: addr.to_string(),
        }]);
    }
    let info = client.cluster_info().await?;
    if let Some(name) = broker {
        let Some(data) = info.broker_addr_table.get(name) else {
            bail!(
                "no broker named {name} is registered (known: {}); see 'rmq cluster list'",
                known(info.broker_addr_table.keys())
            );
        };
        let Some(addr) = data.master_addr() else {
            bail!("broker {name} has no master registered; pass --broker-addr to reach a slave");
        };
        return Ok(vec![BrokerTarget {
            name: Some(name.to_string()),
            addr: addr.to_string(),
        }]);
    }
    let Some(cluster) = cluster else {
        bail!("no broker given: pass -c CLUSTER, -b BROKER_NAME or --broker-addr HOST:PORT");
    };
    let names = check_cluster(&info, cluster)?;
    let mut out = Vec::new();
    for name in names {
        let Some(data) = info.broker_addr_table.get(name) else {
            continue;
        };
        for (&id, addr) in &data.broker_addrs {
            if scope == Scope::All || id == MASTER_ID {
                out.push(BrokerTarget {
                    name: Some(name.clone()),
                    addr: addr.clone(),
                });
            }
        }
    }
    if out.is_empty() {
        bail!(
            "cluster {cluster} has no {} registered",
            match scope {
                Scope::Masters => "master broker",
                Scope::All => "broker",
            }
        );
    }
    Ok(out)
}

/// The broker names of `cluster`, or an error listing the known clusters.
pub(super) fn check_cluster<'a>(
    info: &'a ClusterInfo,
    cluster: &str,
) -> anyhow::Result<&'a BTreeSet<String>> {
    info.cluster_addr_table.get(cluster).ok_or_else(|| {
        anyhow::anyhow!(
            "no cluster named {cluster} (known: {}); see 'rmq cluster list'",
            known(info.cluster_addr_table.keys())
        )
    })
}

fn known<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Milliseconds since the epoch as RFC 3339 UTC, `-` for 0 (never).
pub(super) fn format_millis(ms: i64) -> String {
    match u64::try_from(ms) {
        Ok(ms) if ms > 0 => {
            humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
        }
        _ => "-".into(),
    }
}

/// Ends a command that addressed `total` targets: an error when any failed. `errors` are
/// `target: reason` lines (already shown with the results, so only the first is repeated).
pub(super) fn finish(what: &str, total: usize, errors: &[String]) -> anyhow::Result<()> {
    match errors {
        [] => Ok(()),
        [only] if total == 1 => bail!("{what}: {only}"),
        [first, ..] => bail!(
            "{what}: {} of {total} failed (first: {first})",
            errors.len()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tps_and_time_formatting() {
        assert_eq!(first_tps(Some(&"12.5 10.0 9.0".to_string())), Some(12.5));
        assert_eq!(first_tps(Some(&"".to_string())), None);
        assert_eq!(first_tps(Some(&"x".to_string())), None);
        assert_eq!(first_tps(None), None);
        assert_eq!(format_millis(0), "-");
        assert_eq!(format_millis(-5), "-");
        assert_eq!(format_millis(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(role(0), "MASTER");
        let row = |version: Option<&str>, error: Option<&str>, answered| BrokerRow {
            cluster: "C".into(),
            name: "b".into(),
            id: 0,
            addr: "127.0.0.1:10911".into(),
            version: version.map(String::from),
            in_tps: None,
            out_tps: None,
            role: None,
            error: error.map(String::from),
            answered,
        };
        assert_eq!(version_cell(&row(Some("V4_9_7"), None, false)), "V4_9_7");
        assert_eq!(
            version_cell(&row(None, Some("SYSTEM_ERROR"), true)),
            "error"
        );
        assert_eq!(
            version_cell(&row(None, Some("refused"), false)),
            "unreachable"
        );
        assert_eq!(version_cell(&row(None, None, false)), "-");
        assert_eq!(role(2), "SLAVE");
    }
}
