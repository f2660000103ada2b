//! `rmq failover plan|execute|verify` and `rmq broker promote|demote`: guided slave-to-master
//! failover of a 4.x master/slave pair, and the building blocks the scripts in
//! `conf/failover/` call one per step.

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::common::{block_on, confirm, ClientArgs};
use super::output::{self, OutputFormat};
use rmq::client::{ExecuteOptions, FailoverPlan, Member, MqClient, StepReport};
use rmq::config::BrokerRole;
use rmq::protocol::body::RoleChange;

#[derive(Debug, Subcommand)]
pub enum FailoverCommand {
    /// What a failover of a broker name would find and do: master reachable or not, each
    /// slave's CommitLog end and bytes behind, consumer groups connected, the steps.
    ///
    /// Changes nothing. `state` is healthy, master-down, no-slave, slave-down or
    /// slave-lagging (the best slave more than --lag-threshold bytes behind a live master).
    ///
    /// JSON (-o json): {"brokerName", "cluster", "state", "masterAddr", "masterReachable",
    /// "master": member|null, "slaves": [member], "candidateAddr", "consumerGroups":
    /// [{"group", "clients"}], "findings": [text], "steps": [text]}; a member is {"brokerId",
    /// "addr", "reachable", "error", "role", "rmq", "version", "maxOffset", "haAddr",
    /// "behindBytes", "roleChangedAtOffset"}.
    Plan(PlanArgs),
    /// Fail a broker name over to its best slave: wipe the write permission on every name
    /// server, (with a live master: wait until the slave is in sync and demote the master to
    /// its slave), promote the slave, verify that the routes send writes to it and it stores
    /// one. Each step is printed with its timing; a failed step stops with what to do next.
    ///
    /// The slave must be an rmq broker (a Java broker cannot change role online: the steps to
    /// do by hand are printed). Asks for confirmation unless --yes. Exit 0 only when the new
    /// master takes writes.
    ///
    /// JSON (-o json): {"brokerName", "oldMaster", "newMaster", "promotedAtOffset",
    /// "steps": [{"step", "ok", "millis", "detail"}], "next": [text]}.
    Execute(ExecuteArgs),
    /// Wait until the name servers route a broker name's writes to ADDR and a probe message
    /// sent through that route (to SELF_TEST_TOPIC) is stored. Exit 1 on timeout.
    ///
    /// JSON (-o json): {"brokerName", "newMaster", "probeMsgId"}.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// The broker name (e.g. broker-a).
    #[arg(short = 'b', long)]
    pub broker_name: String,
    /// A slave more bytes behind a live master than this makes the pair slave-lagging.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub lag_threshold: i64,
    /// Print only these fields (comma-separated) as plain text on one line, space-separated,
    /// `-` for a field without a value — for scripts: `read a b <<<"$(rmq failover plan ...
    /// --get masterAddr,candidateAddr)"`. Fields: masterAddr, masterReachable, masterHaAddr,
    /// masterMaxOffset, promotedAtOffset (where the master was promoted, if rmq promoted it),
    /// candidateAddr, candidateHaAddr, candidateMaxOffset, state, cluster.
    #[arg(long, value_name = "FIELD,..", value_delimiter = ',')]
    pub get: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ExecuteArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// The broker name (e.g. broker-a).
    #[arg(short = 'b', long)]
    pub broker_name: String,
    /// Role of the promoted slave. ASYNC_MASTER by default: a SYNC_MASTER without a slave
    /// answers every send SLAVE_NOT_AVAILABLE until one connects.
    #[arg(long, value_enum, default_value_t = MasterRole::AsyncMaster)]
    pub role: MasterRole,
    /// Longest wait for the slave to catch up with a live master, and for the new route.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub wait: Duration,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// The broker name.
    #[arg(short = 'b', long)]
    pub broker_name: String,
    /// The address that must now be the master (host:port).
    #[arg(long, value_name = "HOST:PORT")]
    pub new_master: String,
    /// Longest wait.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub wait: Duration,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

/// The master roles a slave can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MasterRole {
    AsyncMaster,
    SyncMaster,
}

impl From<MasterRole> for BrokerRole {
    fn from(r: MasterRole) -> BrokerRole {
        match r {
            MasterRole::AsyncMaster => BrokerRole::AsyncMaster,
            MasterRole::SyncMaster => BrokerRole::SyncMaster,
        }
    }
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Address of the rmq slave to promote (host:port).
    #[arg(short = 'b', long = "broker-addr", value_name = "HOST:PORT")]
    pub broker_addr: String,
    /// Role it takes. ASYNC_MASTER by default: a SYNC_MASTER without a slave answers every
    /// send SLAVE_NOT_AVAILABLE until one connects.
    #[arg(long, value_enum, default_value_t = MasterRole::AsyncMaster)]
    pub role: MasterRole,
    /// Promote even though the old master is still registered and answers (two masters of
    /// one broker name: only when you know the old one takes no writes).
    #[arg(long)]
    pub force: bool,
    /// Show what would happen; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct DemoteArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Address of the rmq master to demote (host:port).
    #[arg(short = 'b', long = "broker-addr", value_name = "HOST:PORT")]
    pub broker_addr: String,
    /// HA address (brokerIP2:haListenPort) of the master it replicates from afterwards.
    #[arg(long, value_name = "HOST:PORT")]
    pub master: String,
    /// Its brokerId as a slave (default: the smallest id ≥ 1 no registered member of its
    /// broker name uses).
    #[arg(long)]
    pub broker_id: Option<i64>,
    /// Show what would happen; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub fn run(cmd: FailoverCommand) -> anyhow::Result<()> {
    match cmd {
        FailoverCommand::Plan(a) => plan(a),
        FailoverCommand::Execute(a) => execute(a),
        FailoverCommand::Verify(a) => verify(a),
    }
}

fn client(args: &ClientArgs) -> anyhow::Result<Arc<MqClient>> {
    Ok(Arc::new(args.client()?))
}

fn plan(args: PlanArgs) -> anyhow::Result<()> {
    let client = client(&args.client)?;
    let plan = block_on(async {
        let p = client
            .failover_plan(&args.broker_name, args.lag_threshold)
            .await;
        client.shutdown().await;
        p
    })??;
    if !args.get.is_empty() {
        let values: Vec<String> = args
            .get
            .iter()
            .map(|f| plan.field(f).unwrap_or_else(|| "-".to_string()))
            .collect();
        println!("{}", values.join(" "));
        return Ok(());
    }
    match args.output {
        OutputFormat::Json => output::print_json(&serde_json::to_value(&plan)?),
        OutputFormat::Table => {
            print_plan(&plan);
            Ok(())
        }
    }
}

fn member_row(role: &str, m: &Member) -> Vec<String> {
    let opt = |v: Option<i64>| v.map_or("-".to_string(), |v| v.to_string());
    vec![
        role.to_string(),
        m.broker_id.to_string(),
        m.addr.clone(),
        if m.reachable {
            "yes".to_string()
        } else {
            "NO".to_string()
        },
        m.role.clone().unwrap_or_else(|| "-".into()),
        if !m.reachable {
            "-".to_string()
        } else if m.rmq {
            "rmq".to_string()
        } else {
            "java".to_string()
        },
        opt(m.max_offset),
        opt(m.behind_bytes),
    ]
}

fn print_plan(plan: &FailoverPlan) {
    println!(
        "broker {} (cluster {}): {}",
        plan.broker_name,
        plan.cluster.as_deref().unwrap_or("?"),
        serde_json::to_value(plan.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    );
    let mut table = output::table([
        "",
        "id",
        "address",
        "answers",
        "role",
        "kind",
        "max offset",
        "behind",
    ]);
    if let Some(m) = &plan.master {
        table.add_row(member_row("master", m));
    }
    for s in &plan.slaves {
        let mark = if plan.candidate_addr.as_deref() == Some(s.addr.as_str()) {
            "slave *"
        } else {
            "slave"
        };
        table.add_row(member_row(mark, s));
    }
    println!("{table}");
    println!("findings:");
    for f in &plan.findings {
        println!("  - {f}");
    }
    for g in &plan.consumer_groups {
        println!("  - consumer group {}: {} client(s)", g.group, g.clients);
    }
    println!("steps of 'rmq failover execute' (* = the slave to promote):");
    for (i, s) in plan.steps.iter().enumerate() {
        println!("  {}. {s}", i + 1);
    }
}

fn print_step(s: &StepReport) {
    let mark = if s.ok { "ok  " } else { "FAIL" };
    eprintln!("[{mark}] {:<18} {:>6} ms  {}", s.step, s.millis, s.detail);
}

fn execute(args: ExecuteArgs) -> anyhow::Result<()> {
    let client = client(&args.client)?;
    let options = ExecuteOptions {
        role: args.role.into(),
        timeout: args.wait,
    };
    let json = matches!(args.output, OutputFormat::Json);
    let report = block_on(async {
        let plan = client.failover_plan(&args.broker_name, i64::MAX).await?;
        if !json {
            print_plan(&plan);
        }
        confirm(
            &format!(
                "fail {} over to {}",
                args.broker_name,
                plan.candidate_addr.as_deref().unwrap_or("(no slave)")
            ),
            args.yes,
        )?;
        let r = client
            .failover_execute(&args.broker_name, &options, print_step)
            .await;
        client.shutdown().await;
        anyhow::Ok(r?)
    })??;
    if json {
        output::print_json(&serde_json::to_value(&report)?)?;
    } else {
        for n in &report.next {
            println!("next: {n}");
        }
    }
    match report.steps.iter().find(|s| !s.ok) {
        Some(failed) => bail!(
            "failover of {} stopped at {}: {}",
            args.broker_name,
            failed.step,
            failed.detail
        ),
        None => {
            if !json {
                println!(
                    "{} fails over to {} (promoted at CommitLog offset {})",
                    args.broker_name,
                    report.new_master.as_deref().unwrap_or("?"),
                    report.promoted_at_offset.unwrap_or(-1)
                );
            }
            Ok(())
        }
    }
}

fn verify(args: VerifyArgs) -> anyhow::Result<()> {
    let client = client(&args.client)?;
    let id = block_on(async {
        let r = client
            .verify_new_master(&args.broker_name, &args.new_master, args.wait)
            .await;
        client.shutdown().await;
        r
    })??;
    match args.output {
        OutputFormat::Json => output::print_json(&json!({
            "brokerName": args.broker_name,
            "newMaster": args.new_master,
            "probeMsgId": id,
        })),
        OutputFormat::Table => {
            println!(
                "{} takes {}'s writes (probe message {id})",
                args.new_master, args.broker_name
            );
            Ok(())
        }
    }
}

fn print_change(change: &RoleChange, output: OutputFormat) -> anyhow::Result<()> {
    match output {
        OutputFormat::Json => output::print_json(&serde_json::to_value(change)?),
        OutputFormat::Table => {
            println!(
                "{} ({}): {} brokerId {} -> {} brokerId {} at CommitLog offset {}{}{}",
                change.broker_addr,
                change.broker_name,
                change.previous_role,
                change.previous_broker_id,
                change.role,
                change.broker_id,
                change.commit_log_max_offset,
                if change.dropped_partial_bytes > 0 {
                    format!(
                        " ({} bytes of a partial record dropped)",
                        change.dropped_partial_bytes
                    )
                } else {
                    String::new()
                },
                if change.persisted {
                    ""
                } else {
                    " (not written to a config file: a restart takes the old role)"
                }
            );
            Ok(())
        }
    }
}

/// `rmq broker promote`.
pub fn promote(args: PromoteArgs) -> anyhow::Result<()> {
    let client = client(&args.client)?;
    let role: BrokerRole = args.role.into();
    let change = block_on(async {
        let target = client.failover_member(1, &args.broker_addr).await;
        if !target.reachable {
            bail!(
                "{} does not answer: {}",
                args.broker_addr,
                target.error.unwrap_or_default()
            );
        }
        if !target.rmq {
            bail!(
                "{} is not an rmq broker: stop it, set brokerId=0 and brokerRole={role} in its properties file, and start it again",
                args.broker_addr
            );
        }
        // The old master: registered under the same broker name with id 0 at another address.
        let info = client.cluster_info().await?;
        let name = info
            .broker_addr_table
            .iter()
            .find(|(_, d)| d.broker_addrs.values().any(|a| *a == args.broker_addr))
            .map(|(n, d)| (n.clone(), d.master_addr().map(str::to_string)));
        if let Some((name, Some(master))) = &name {
            if *master != args.broker_addr {
                let m = client.failover_member(0, master).await;
                if m.reachable && !args.force {
                    bail!(
                        "the master of {name}, {master}, is registered and answers: two masters would take writes. Stop it (or demote it with 'rmq broker demote'), or pass --force"
                    );
                }
            }
        }
        let what = format!(
            "promote {} ({}, {}) to {role} with brokerId 0",
            args.broker_addr,
            name.as_ref().map_or("unregistered", |(n, _)| n.as_str()),
            target.role.as_deref().unwrap_or("?")
        );
        if args.dry_run {
            println!("dry run: would {what}");
            return Ok(None);
        }
        confirm(&what, args.yes)?;
        let change = client
            .change_broker_role(&args.broker_addr, role, 0, None)
            .await?;
        client.shutdown().await;
        anyhow::Ok(Some(change))
    })??;
    match change {
        Some(c) => print_change(&c, args.output),
        None => Ok(()),
    }
}

/// `rmq broker demote`.
pub fn demote(args: DemoteArgs) -> anyhow::Result<()> {
    let client = client(&args.client)?;
    let change = block_on(async {
        let target = client.failover_member(0, &args.broker_addr).await;
        if !target.reachable {
            bail!(
                "{} does not answer: {}",
                args.broker_addr,
                target.error.unwrap_or_default()
            );
        }
        let broker_id = match args.broker_id {
            Some(id) => id,
            None => {
                let info = client.cluster_info().await?;
                let used: Vec<i64> = info
                    .broker_addr_table
                    .values()
                    .find(|d| d.broker_addrs.values().any(|a| *a == args.broker_addr))
                    .map(|d| d.broker_addrs.keys().copied().collect())
                    .unwrap_or_default();
                (1..).find(|id| !used.contains(id)).unwrap_or(1)
            }
        };
        if !target.rmq {
            bail!(
                "{} is not an rmq broker: stop it, set brokerId={broker_id}, brokerRole=SLAVE and haMasterAddress={} in its properties file, and start it again",
                args.broker_addr,
                args.master
            );
        }
        let what = format!(
            "demote {} ({}) to SLAVE brokerId {broker_id} replicating from {}",
            args.broker_addr,
            target.role.as_deref().unwrap_or("?"),
            args.master
        );
        if args.dry_run {
            println!("dry run: would {what}");
            return Ok(None);
        }
        confirm(&what, args.yes)?;
        let change = client
            .change_broker_role(
                &args.broker_addr,
                BrokerRole::Slave,
                broker_id,
                Some(&args.master),
            )
            .await?;
        client.shutdown().await;
        anyhow::Ok(Some(change))
    })??;
    match change {
        Some(c) => print_change(&c, args.output),
        None => Ok(()),
    }
}
