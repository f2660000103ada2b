//! `rmq ha status`: replication state of every master/slave pair, and `--wait-in-sync` for
//! failover scripts (wait until every slave has everything its master has).

use std::time::Duration;

use anyhow::bail;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::common::{block_on, ClientArgs, Serialize};
use super::output::{self, OutputFormat};
use rmq::client::HaPair;

#[derive(Debug, Subcommand)]
pub enum HaCommand {
    /// One row per master/slave pair: offsets, how far the slave is behind, whether in sync.
    ///
    /// masterMaxOffset is the master's CommitLog end; slaveMaxOffset the slave's own (both
    /// from runtime info, rmq and Java brokers alike); slaveAckOffset the offset the master
    /// says its slave acknowledged (rmq masters only, and only with one slave: with several,
    /// the master reports the largest). behindBytes is masterMaxOffset minus the slave's
    /// offset (its own, else the acknowledged one); behindMillis the age, by this machine's
    /// clock, of the oldest message the slave lacks (the master's store time of the message
    /// at the slave's offset), 0 when in sync, empty when unknown. inSync: the slave's offset
    /// is at or past the master's max offset as read just before it.
    ///
    /// A master without a slave is shown with slaveAddr empty and inSync false; a slave whose
    /// master is not registered (down) with masterAddr empty and inSync false. A broker that
    /// does not answer leaves its figures empty and says why under error.
    ///
    /// --wait-in-sync polls until every selected pair is in sync: exit 0 then, exit 1 after
    /// --timeout, naming the pairs still behind (the last status is printed either way).
    ///
    /// JSON (-o json): {"inSync": bool, "pairs": [{"cluster", "brokerName", "masterAddr",
    /// "masterRole", "slaveAddr", "slaveId", "masterMaxOffset", "slaveAckOffset",
    /// "slaveMaxOffset", "behindBytes", "behindMillis", "inSync", "error"}]}; unknown figures
    /// are null, slaveAddr and masterAddr are "" when there is none.
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Name server address(es), `host:port;host:port`.
    #[arg(short = 'n', long = "namesrv", env = "NAMESRV_ADDR")]
    pub namesrv: Option<String>,
    /// Only the brokers of this cluster.
    #[arg(short = 'c', long)]
    pub cluster: Option<String>,
    /// Only this broker name (its master and slaves).
    #[arg(short = 'b', long = "broker-name")]
    pub broker_name: Option<String>,
    /// Poll until every selected pair is in sync (exit 1 after --timeout).
    #[arg(long)]
    pub wait_in_sync: bool,
    /// How long --wait-in-sync waits; each request is bounded by it too (at most 3s each).
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub fn run(cmd: HaCommand) -> anyhow::Result<()> {
    match cmd {
        HaCommand::Status(args) => status(args),
    }
}

/// How often --wait-in-sync asks again.
const POLL: Duration = Duration::from_millis(500);

fn status(args: StatusArgs) -> anyhow::Result<()> {
    let client = ClientArgs {
        namesrv: args.namesrv.clone(),
        timeout: args.timeout.min(Duration::from_secs(3)),
        serialize: Serialize::Json,
    }
    .client()?;
    let pairs = block_on(async {
        let pairs = if args.wait_in_sync {
            client
                .wait_in_sync(
                    args.cluster.as_deref(),
                    args.broker_name.as_deref(),
                    None,
                    args.timeout,
                    POLL,
                )
                .await
                .map(|(pairs, _)| pairs)
        } else {
            client
                .ha_status(args.cluster.as_deref(), args.broker_name.as_deref())
                .await
        };
        client.shutdown().await;
        pairs
    })??;
    print(&pairs, args.output)?;
    if args.wait_in_sync && !all_in_sync(&pairs) {
        let behind: Vec<String> = pairs
            .iter()
            .filter(|p| !p.in_sync)
            .map(describe_behind)
            .collect();
        bail!(
            "not in sync after {}: {}",
            humantime::format_duration(args.timeout),
            behind.join("; ")
        );
    }
    Ok(())
}

/// Every pair in sync (and there is at least one).
fn all_in_sync(pairs: &[HaPair]) -> bool {
    !pairs.is_empty() && pairs.iter().all(|p| p.in_sync)
}

/// Why a pair is not in sync, for the error line.
fn describe_behind(p: &HaPair) -> String {
    let what = match (&p.master_addr, &p.slave_addr) {
        (None, _) => "no master registered".to_string(),
        (_, None) => "no slave".to_string(),
        _ => match p.behind_bytes {
            Some(b) => format!("{b} bytes behind"),
            None => p.error.clone().unwrap_or_else(|| "offsets unknown".into()),
        },
    };
    match &p.slave_addr {
        Some(s) => format!("{} slave {s}: {what}", p.broker_name),
        None => format!("{}: {what}", p.broker_name),
    }
}

fn pair_json(p: &HaPair) -> Value {
    json!({
        "cluster": p.cluster,
        "brokerName": p.broker_name,
        "masterAddr": p.master_addr.clone().unwrap_or_default(),
        "masterRole": p.master_role,
        "slaveAddr": p.slave_addr.clone().unwrap_or_default(),
        "slaveId": p.slave_id,
        "masterMaxOffset": p.master_max_offset,
        "slaveAckOffset": p.slave_ack_offset,
        "slaveMaxOffset": p.slave_max_offset,
        "behindBytes": p.behind_bytes,
        "behindMillis": p.behind_millis,
        "inSync": p.in_sync,
        "error": p.error,
    })
}

fn print(pairs: &[HaPair], format: OutputFormat) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => {
            let rows: Vec<Value> = pairs.iter().map(pair_json).collect();
            output::print_json(&json!({ "inSync": all_in_sync(pairs), "pairs": rows }))
        }
        OutputFormat::Table => {
            let mut table = output::table([
                "broker",
                "master",
                "role",
                "slave",
                "id",
                "master max",
                "slave ack",
                "slave max",
                "behind bytes",
                "behind ms",
                "in sync",
            ]);
            let n = |v: Option<i64>| v.map_or("-".to_string(), |v| v.to_string());
            for p in pairs {
                table.add_row([
                    p.broker_name.clone(),
                    p.master_addr.clone().unwrap_or_else(|| "-".into()),
                    p.master_role.clone().unwrap_or_else(|| "-".into()),
                    p.slave_addr.clone().unwrap_or_else(|| "-".into()),
                    n(p.slave_id),
                    n(p.master_max_offset),
                    n(p.slave_ack_offset),
                    n(p.slave_max_offset),
                    n(p.behind_bytes),
                    n(p.behind_millis),
                    if p.in_sync { "yes" } else { "no" }.into(),
                ]);
            }
            println!("{table}");
            for p in pairs {
                if let Some(e) = &p.error {
                    eprintln!("warning: {}: {e}", p.broker_name);
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_and_reasons() {
        assert!(!all_in_sync(&[]));
        let synced = HaPair {
            broker_name: "b".into(),
            master_addr: Some("m:1".into()),
            slave_addr: Some("s:1".into()),
            in_sync: true,
            ..HaPair::default()
        };
        let lonely = HaPair {
            broker_name: "c".into(),
            master_addr: Some("m:2".into()),
            ..HaPair::default()
        };
        assert!(all_in_sync(std::slice::from_ref(&synced)));
        assert!(!all_in_sync(&[synced.clone(), lonely.clone()]));
        assert_eq!(describe_behind(&lonely), "c: no slave");
        let behind = HaPair {
            behind_bytes: Some(42),
            in_sync: false,
            ..synced
        };
        assert_eq!(describe_behind(&behind), "b slave s:1: 42 bytes behind");
        let v = pair_json(&lonely);
        assert_eq!(v["slaveAddr"], "");
        assert_eq!(v["inSync"], false);
        assert!(v["slaveAckOffset"].is_null());
    }
}
