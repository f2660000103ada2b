//! `rmq broker start`: runs a broker from a Java broker `.properties` file.
//! `rmq broker status|config get|config set|perm wipe|perm add`: mqadmin's brokerStatus,
//! getBrokerConfig, updateBrokerConfig, wipeWritePerm and addWritePerm against running
//! brokers and name servers (those names stay accepted as hidden aliases).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{ArgGroup, Args, Subcommand};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::cluster::{finish, resolve_brokers, BrokerTarget, Scope};
use super::common::{block_on, confirm, ClientArgs};
use super::output::{self, OutputFormat};
use prometheus_client::collector::Collector;
use rmq::broker::controller::{bind, Broker};
use rmq::broker::metrics::BrokerCollector;
use rmq::client::{HaInfo, MqClient};
use rmq::config::{self, Properties};
use rmq::net::metrics::{self, MetricsListener};
use rmq::net::Server;

#[derive(Debug, Subcommand)]
pub enum BrokerCommand {
    /// Start a broker (runs until SIGINT/SIGTERM, then shuts down cleanly).
    Start(StartArgs),
    /// Runtime information of running brokers (the GET_BROKER_RUNTIME_INFO key/value table).
    ///
    /// -b BROKER_NAME asks its master, --broker-addr one process, -c CLUSTER every master and
    /// slave of the cluster. -k limits the output to the given keys.
    ///
    /// Without -k, a replication table comes first: each broker's role (ASYNC_MASTER,
    /// SYNC_MASTER, SLAVE; a Java broker's from its configuration), its CommitLog max offset,
    /// on a slave the master's HA address, and on an rmq master each connected slave (by its
    /// HA connection address) with the offset it acknowledged and how far behind it is in
    /// bytes and in ms (age of the oldest message it lacks; - when its offset is not at a
    /// message start). `rmq ha status` pairs masters with slaves by broker name.
    ///
    /// JSON (-o json): {"brokers": [{"brokerName" (null when not registered), "brokerAddr",
    /// "runtimeInfo": {key: value}, "ha": {"role", "maxOffset", "masterAddr", "slaveCount",
    /// "slaves": [{"haAddr", "ackOffset", "behindBytes", "behindMillis"}]} (null when the
    /// broker did not answer), "error" (null on success)}]}.
    Status(BrokerStatusArgs),
    /// Read or change the configuration of running brokers.
    #[command(subcommand)]
    Config(BrokerConfigCommand),
    /// Remove or restore a broker's write permission on every name server.
    #[command(subcommand)]
    Perm(BrokerPermCommand),
    /// Make a running rmq slave the master of its broker name, online: it stops replicating,
    /// drops a partial last record, takes brokerId 0 and the role, writes both to its
    /// properties file and re-registers with every name server (routes then send writes to
    /// it); delayed delivery and transaction check-back start.
    ///
    /// Refused if the old master is still registered and answers, unless --force. Asks for
    /// confirmation unless --yes. A Java broker cannot do this: the manual steps are printed.
    ///
    /// JSON (-o json): {"brokerName", "brokerAddr", "previousRole", "previousBrokerId",
    /// "role", "brokerId", "commitLogMaxOffset" (where it became master), "droppedPartialBytes",
    /// "persisted"}.
    Promote(super::failover::PromoteArgs),
    /// Make a running rmq master a slave of another master, online (e.g. an old master
    /// brought back after a failover): it stops taking writes and replicating to its slaves,
    /// takes the slave id, replicates from --master, writes brokerId, brokerRole and
    /// haMasterAddress to its properties file and re-registers.
    ///
    /// Its CommitLog must not be ahead of the new master's (see 'rmq store truncate').
    ///
    /// JSON (-o json): as for promote.
    Demote(super::failover::DemoteArgs),
}

#[derive(Debug, Subcommand)]
pub enum BrokerConfigCommand {
    /// Print the configuration of running brokers (every key unless -k is given).
    ///
    /// -b BROKER_NAME asks its master, --broker-addr one process, -c CLUSTER every master and
    /// slave of the cluster.
    ///
    /// JSON (-o json): {"brokers": [{"brokerName" (null when not registered), "brokerAddr",
    /// "config": {key: value}, "error" (null on success)}]}.
    Get(ConfigGetArgs),
    /// Change one configuration key of running brokers (persisted by the broker).
    ///
    /// The key must be one the broker reports (`rmq broker config get`); keys are
    /// case-sensitive. The value is read back after the change. `-k KEY -v VALUE` works as
    /// in mqadmin: -v is rmq's global verbose flag, and VALUE is then taken as the positional
    /// value (so only info logs appear on stderr); `--value VALUE` is the explicit form.
    ///
    /// JSON (-o json): {"key", "value", "brokers": [{"brokerName", "brokerAddr", "status"
    /// (updated|unchanged|failed), "old", "new", "error"}]}.
    Set(ConfigSetArgs),
}

#[derive(Debug, Subcommand)]
pub enum BrokerPermCommand {
    /// Remove the write permission of a broker's topics on every name server, e.g. before
    /// taking it out of service (producers stop sending to it; consumers keep reading).
    ///
    /// Asks for confirmation; pass --yes in scripts (without a terminal and without --yes the
    /// command refuses).
    ///
    /// JSON (-o json): {"brokerName", "writable": false, "nameServers": [{"addr",
    /// "topicCount" (topics changed, null on error), "error"}]}.
    Wipe(PermArgs),
    /// Restore the write permission of a broker's topics on every name server.
    ///
    /// JSON (-o json): {"brokerName", "writable": true, "nameServers": [{"addr",
    /// "topicCount" (topics changed, null on error), "error"}]}.
    Add(PermArgs),
}

/// mqadmin's spellings, accepted but not shown in help.
#[derive(Debug, Subcommand)]
pub enum BrokerAlias {
    /// mqadmin brokerStatus: `rmq broker status`, but -b is the broker ADDRESS as in mqadmin.
    #[command(name = "brokerStatus", hide = true)]
    BrokerStatus(AliasStatusArgs),
    /// mqadmin getBrokerConfig: `rmq broker config get`, but -b is the broker ADDRESS.
    #[command(name = "getBrokerConfig", hide = true)]
    GetBrokerConfig(AliasGetArgs),
    /// mqadmin updateBrokerConfig: `rmq broker config set`, but -b is the broker ADDRESS.
    #[command(name = "updateBrokerConfig", hide = true)]
    UpdateBrokerConfig(AliasSetArgs),
    /// mqadmin wipeWritePerm: `rmq broker perm wipe` (asks for confirmation unless --yes).
    #[command(name = "wipeWritePerm", hide = true)]
    WipeWritePerm(PermArgs),
    /// mqadmin addWritePerm: `rmq broker perm add`.
    #[command(name = "addWritePerm", hide = true)]
    AddWritePerm(PermArgs),
}

/// Which brokers a status or config command addresses.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["cluster", "broker", "broker_addr"])))]
pub struct BrokerSelect {
    /// Every broker (masters and slaves) of this cluster.
    #[arg(short = 'c', long)]
    pub cluster: Option<String>,
    /// The master of this broker name.
    #[arg(short = 'b', long)]
    pub broker: Option<String>,
    /// The broker process at this address.
    #[arg(long, value_name = "HOST:PORT")]
    pub broker_addr: Option<String>,
}

/// mqadmin's selection: -b is an address.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["cluster", "broker_addr"])))]
pub struct AliasSelect {
    #[arg(short = 'c', long)]
    pub cluster: Option<String>,
    /// Broker address (mqadmin's -b).
    #[arg(short = 'b', long, value_name = "HOST:PORT")]
    pub broker_addr: Option<String>,
}

impl From<AliasSelect> for BrokerSelect {
    fn from(a: AliasSelect) -> Self {
        BrokerSelect {
            cluster: a.cluster,
            broker: None,
            broker_addr: a.broker_addr,
        }
    }
}

#[derive(Debug, Args)]
pub struct BrokerStatusArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub select: BrokerSelect,
    /// Only these keys (repeatable).
    #[arg(short = 'k', long = "key")]
    pub keys: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct AliasStatusArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub select: AliasSelect,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ConfigGetArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub select: BrokerSelect,
    /// Only these keys (repeatable, case-sensitive).
    #[arg(short = 'k', long = "key")]
    pub keys: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct AliasGetArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub select: AliasSelect,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ConfigSetArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub select: BrokerSelect,
    #[command(flatten)]
    pub change: ConfigChange,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct AliasSetArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub select: AliasSelect,
    #[command(flatten)]
    pub change: ConfigChange,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

/// `-k KEY` and the value (`--value V` or positional).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("new_value").required(true).args(["value", "value_pos"])))]
pub struct ConfigChange {
    /// The configuration key (case-sensitive).
    #[arg(short = 'k', long)]
    pub key: String,
    /// The new value.
    #[arg(long, allow_hyphen_values = true)]
    pub value: Option<String>,
    /// The new value (positional form; `-v VALUE` lands here, see the command help).
    #[arg(value_name = "VALUE")]
    pub value_pos: Option<String>,
}

impl ConfigChange {
    fn value(&self) -> &str {
        self.value
            .as_deref()
            .or(self.value_pos.as_deref())
            .unwrap_or_default()
    }
}

#[derive(Debug, Args)]
pub struct PermArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// The broker name.
    #[arg(short = 'b', long)]
    pub broker: String,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// The broker's `.properties` file (e.g. conf/2m-2s-sync/broker-a.properties).
    #[arg(short = 'c', long = "config")]
    pub config: Option<PathBuf>,
    /// Name server address(es), `host:port;host:port` (overrides namesrvAddr in the file).
    /// Without it: namesrvAddr from the file, else $NAMESRV_ADDR.
    #[arg(short = 'n', long = "namesrv")]
    pub namesrv: Option<String>,
    /// Listen port (overrides listenPort; 0 picks a free port).
    #[arg(short = 'p', long = "listen-port")]
    pub listen_port: Option<u16>,
    /// Overrides a key of the file, e.g. `--set storePathRootDir=/data/broker-a-s`
    /// (repeatable): run a shared file (conf/2m-2s-sync/...) with this process's store path.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_setting)]
    pub set: Vec<(String, String)>,
    /// Serve Prometheus metrics at http://HOST:PORT/metrics (overrides
    /// metricsPromExporterPort/metricsPromExporterHost; port 0 picks a free port).
    #[arg(long = "metrics-listen", value_name = "HOST:PORT")]
    pub metrics_listen: Option<String>,
}

/// `KEY=VALUE` of `--set`.
fn parse_setting(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

pub fn run(cmd: BrokerCommand) -> anyhow::Result<()> {
    match cmd {
        BrokerCommand::Start(args) => start(args),
        BrokerCommand::Status(a) => status(a.client, a.select, a.keys, a.output),
        BrokerCommand::Config(BrokerConfigCommand::Get(a)) => {
            config_get(a.client, a.select, a.keys, a.output)
        }
        BrokerCommand::Config(BrokerConfigCommand::Set(a)) => {
            config_set(a.client, a.select, a.change, a.output)
        }
        BrokerCommand::Perm(BrokerPermCommand::Wipe(a)) => perm(a, false),
        BrokerCommand::Perm(BrokerPermCommand::Add(a)) => perm(a, true),
        BrokerCommand::Promote(a) => super::failover::promote(a),
        BrokerCommand::Demote(a) => super::failover::demote(a),
    }
}

pub fn run_alias(alias: BrokerAlias) -> anyhow::Result<()> {
    match alias {
        BrokerAlias::BrokerStatus(a) => status(a.client, a.select.into(), Vec::new(), a.output),
        BrokerAlias::GetBrokerConfig(a) => {
            config_get(a.client, a.select.into(), Vec::new(), a.output)
        }
        BrokerAlias::UpdateBrokerConfig(a) => {
            config_set(a.client, a.select.into(), a.change, a.output)
        }
        BrokerAlias::WipeWritePerm(a) => perm(a, false),
        BrokerAlias::AddWritePerm(a) => perm(a, true),
    }
}

fn start(args: StartArgs) -> anyhow::Result<()> {
    let mut props = match &args.config {
        Some(path) => config::Properties::from_file(path)?,
        None => config::Properties::new(),
    };
    for (key, value) in &args.set {
        props.set(key.clone(), value.clone());
    }
    let (mut broker_cfg, mut store_cfg, warnings) =
        config::load_broker(&props).map_err(|e| match &args.config {
            Some(path) => e.in_file(path),
            None => e,
        })?;
    for w in warnings {
        tracing::warn!("{w}");
        eprintln!("warning: {w}");
    }
    match &args.namesrv {
        Some(addr) => {
            broker_cfg.namesrv_addr = None;
            broker_cfg
                .apply_namesrv_addr_fallback(Some(addr))
                .context("bad --namesrv")?;
        }
        None => broker_cfg.apply_namesrv_addr_env()?,
    }
    let port = args
        .listen_port
        .map_or(broker_cfg.server.listen_port, i32::from);
    let port = u16::try_from(port).context("listenPort out of range")?;
    if args.listen_port.is_some() && !props.contains_key("haListenPort") {
        // haListenPort follows the listen port (4.x forces listenPort + 1); with `-p 0` the
        // port is only known once bound, so replication needs an explicit haListenPort.
        store_cfg.ha_listen_port = if port == 0 { 0 } else { i32::from(port) + 1 };
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let metrics_addr = args
            .metrics_listen
            .clone()
            .or_else(|| broker_cfg.metrics_listen_addr());
        let metrics = match &metrics_addr {
            Some(addr) => Some(bind_metrics(addr).await?),
            None => None,
        };
        let (broker, server) = open_broker(broker_cfg, store_cfg, port, args.config).await?;
        let metrics_stop = CancellationToken::new();
        let metrics_at = match metrics {
            Some(listener) => {
                let collector = BrokerCollector::new(broker.clone(), server.metrics());
                Some(serve_metrics(
                    listener,
                    vec![Box::new(collector)],
                    metrics_stop.clone(),
                )?)
            }
            None => None,
        };
        // Signal handlers go in before the boot line: a script may stop us as soon as it reads it.
        let stop_signal = rmq::net::shutdown_signal();
        let namesrv = broker.cfg().namesrv_addrs().join(";");
        println!(
            "The broker[{}, {}] boot success. serializeType=JSON and name server is {}",
            broker.cfg().broker_name,
            broker.broker_addr(),
            if namesrv.is_empty() {
                "(none)".to_string()
            } else {
                namesrv
            }
        );
        if let Some(at) = metrics_at {
            println!("Metrics: http://{at}/metrics");
        }
        let served = serve_until(broker, server, stop_signal).await;
        metrics_stop.cancel();
        served?;
        println!("The broker shut down cleanly.");
        anyhow::Ok(())
    })
}

/// Binds the Prometheus endpoint (`--metrics-listen`, `metricsPromExporterPort`).
pub(super) async fn bind_metrics(addr: &str) -> anyhow::Result<MetricsListener> {
    MetricsListener::bind(addr)
        .await
        .with_context(|| format!("cannot serve metrics on {addr}"))
}

/// Serves `collectors` at `/metrics` on `listener` until `stop`; returns the bound address.
pub(super) fn serve_metrics(
    listener: MetricsListener,
    collectors: Vec<Box<dyn Collector>>,
    stop: CancellationToken,
) -> anyhow::Result<std::net::SocketAddr> {
    let at = listener.local_addr()?;
    let registry = Arc::new(metrics::registry(collectors));
    tokio::spawn(listener.serve(registry, stop));
    Ok(at)
}

/// Binds the broker's port and opens its store and metadata (recovery runs off the reactor).
pub(super) async fn open_broker(
    broker_cfg: config::BrokerConfig,
    store_cfg: config::MessageStoreConfig,
    port: u16,
    config_file: Option<PathBuf>,
) -> anyhow::Result<(Arc<Broker>, Server)> {
    let server = bind(port, &broker_cfg.server).await?;
    let bound = server.local_addr()?.port();
    let broker = tokio::task::spawn_blocking(move || {
        Broker::open(broker_cfg, store_cfg, bound, config_file)
    })
    .await??;
    Ok((broker, server))
}

/// Serves until `stop` completes, then shuts the broker down cleanly (unregisters, persists
/// metadata, closes the store).
pub(super) async fn serve_until(
    broker: Arc<Broker>,
    server: Server,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    let signal = shutdown.clone();
    tokio::spawn(async move {
        stop.await;
        signal.cancel();
    });
    broker.serve(server, shutdown).await?;
    Ok(())
}

// ------------------------------------------------------------------ status and config

async fn targets(
    client: &MqClient,
    select: &BrokerSelect,
    scope: Scope,
) -> anyhow::Result<Vec<BrokerTarget>> {
    resolve_brokers(
        client,
        select.cluster.as_deref(),
        select.broker.as_deref(),
        select.broker_addr.as_deref(),
        scope,
    )
    .await
}

/// Key/value pairs of one broker, in the broker's order, or why there are none.
type KvResult = Result<Vec<(String, String)>, String>;

/// Keeps only `keys` (all when empty), in the order given.
fn filter_keys(pairs: Vec<(String, String)>, keys: &[String]) -> Vec<(String, String)> {
    if keys.is_empty() {
        return pairs;
    }
    keys.iter()
        .filter_map(|k| pairs.iter().find(|(pk, _)| pk == k).cloned())
        .collect()
}

/// Prints per-broker key/value tables: `key | value` for one broker, one column per broker
/// otherwise; JSON as `{"brokers": [{"brokerName", "brokerAddr", field: {..}, "error"}]}`.
/// Errors when a broker failed or a requested key is nowhere.
fn print_kv(
    results: &[(BrokerTarget, KvResult)],
    keys: &[String],
    field: &str,
    format: OutputFormat,
    ha: Option<&[Value]>,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => {
            let brokers: Vec<Value> = results
                .iter()
                .enumerate()
                .map(|(i, (t, r))| {
                    let map: serde_json::Map<String, Value> = r
                        .as_ref()
                        .map(|pairs| pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
                        .unwrap_or_default();
                    let mut doc = json!({
                        "brokerName": t.name,
                        "brokerAddr": t.addr,
                        field: map,
                        "error": r.as_ref().err(),
                    });
                    if let Some(ha) = ha {
                        doc["ha"] = ha.get(i).cloned().unwrap_or(Value::Null);
                    }
                    doc
                })
                .collect();
            output::print_json(&json!({ "brokers": brokers }))?;
        }
        OutputFormat::Table => {
            let ok: Vec<(&BrokerTarget, &Vec<(String, String)>)> = results
                .iter()
                .filter_map(|(t, r)| Some((t, r.as_ref().ok()?)))
                .collect();
            // Keys in first-seen order across brokers.
            let mut all_keys: Vec<&str> = Vec::new();
            for (_, pairs) in &ok {
                for (k, _) in pairs.iter() {
                    if !all_keys.contains(&k.as_str()) {
                        all_keys.push(k);
                    }
                }
            }
            let mut header = vec!["key".to_string()];
            if ok.len() == 1 {
                header.push("value".into());
            } else {
                header.extend(ok.iter().map(|(t, _)| t.label()));
            }
            let mut table = output::table(header);
            for key in all_keys {
                let mut row = vec![key.to_string()];
                for (_, pairs) in &ok {
                    row.push(
                        pairs
                            .iter()
                            .find(|(k, _)| k == key)
                            .map_or(String::new(), |(_, v)| v.clone()),
                    );
                }
                table.add_row(row);
            }
            if ok.len() == 1 {
                println!("# {}", ok[0].0.label());
            }
            if !ok.is_empty() {
                println!("{table}");
            }
            for (t, r) in results {
                if let Err(e) = r {
                    eprintln!("error: {}: {e}", t.label());
                }
            }
        }
    }
    let missing: Vec<&str> = keys
        .iter()
        .filter(|k| {
            !results
                .iter()
                .any(|(_, r)| r.as_ref().is_ok_and(|p| p.iter().any(|(pk, _)| pk == *k)))
        })
        .map(String::as_str)
        .collect();
    let errors: Vec<String> = results
        .iter()
        .filter_map(|(t, r)| Some(format!("{}: {}", t.label(), r.as_ref().err()?)))
        .collect();
    finish(&format!("reading {field}"), results.len(), &errors)?;
    if !missing.is_empty() {
        bail!(
            "no such key: {} (keys are case-sensitive; run without -k to list them all)",
            missing.join(", ")
        );
    }
    Ok(())
}

fn status(
    client_args: ClientArgs,
    select: BrokerSelect,
    keys: Vec<String>,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let client = client_args.client()?;
    let (results, ha) = block_on(async {
        let mut results = Vec::new();
        let mut ha = Vec::new();
        for t in targets(&client, &select, Scope::All).await? {
            let r = client.broker_runtime_info(&t.addr).await;
            let info = match &r {
                Ok(kv) => {
                    let mut info = HaInfo::from_runtime_info(kv);
                    if info.role.is_none() {
                        // A Java 4.9.x broker: its role is in its configuration only.
                        info.role = client.configured_role(&t.addr).await;
                    }
                    Some(info)
                }
                Err(_) => None,
            };
            let r = r
                .map(|kv| filter_keys(kv.table.into_iter().collect(), &keys))
                .map_err(|e| e.to_string());
            ha.push(info);
            results.push((t, r));
        }
        client.shutdown().await;
        anyhow::Ok((results, ha))
    })??;
    let ha_json: Vec<Value> = ha
        .iter()
        .map(|i| i.as_ref().map_or(Value::Null, ha_json))
        .collect();
    if format == OutputFormat::Table && keys.is_empty() {
        print_replication(&results, &ha);
    }
    print_kv(&results, &keys, "runtimeInfo", format, Some(&ha_json))
}

/// The `ha` member of a broker in `broker status -o json`.
fn ha_json(info: &HaInfo) -> Value {
    let slaves: Vec<Value> = info
        .slaves
        .iter()
        .map(|s| {
            json!({
                "haAddr": s.ha_addr,
                "ackOffset": s.ack_offset,
                "behindBytes": s.behind_bytes,
                "behindMillis": s.behind_millis,
            })
        })
        .collect();
    json!({
        "role": info.role,
        "maxOffset": info.max_offset,
        "masterAddr": info.master_addr,
        "slaveCount": info.slave_count,
        "slaves": slaves,
    })
}

/// The replication summary above `broker status`'s table: each broker's role, a slave's
/// master, a master's slaves with what they acknowledged and how far behind they are.
fn print_replication(results: &[(BrokerTarget, KvResult)], ha: &[Option<HaInfo>]) {
    let mut table = output::table([
        "broker",
        "role",
        "max offset",
        "master",
        "slave (HA)",
        "acked",
        "behind bytes",
        "behind ms",
    ]);
    let dash = || "-".to_string();
    let n = |v: Option<i64>| v.map_or_else(dash, |v| v.to_string());
    for ((t, _), info) in results.iter().zip(ha) {
        let Some(info) = info else { continue };
        let role = info.role.clone().unwrap_or_else(dash);
        let is_slave = role == "SLAVE";
        let head = [t.label(), role, n(info.max_offset)];
        let master = if is_slave {
            info.master_addr
                .clone()
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| "(not known yet)".into())
        } else {
            dash()
        };
        if info.slaves.is_empty() {
            let slave = match info.slave_count {
                Some(0) => "(none)".to_string(),
                _ => dash(),
            };
            table.add_row(head.clone().into_iter().chain([
                master.clone(),
                slave,
                dash(),
                dash(),
                dash(),
            ]));
        }
        for s in &info.slaves {
            table.add_row(head.clone().into_iter().chain([
                master.clone(),
                s.ha_addr.clone(),
                s.ack_offset.to_string(),
                s.behind_bytes.to_string(),
                n(s.behind_millis),
            ]));
        }
    }
    println!("{table}");
}

fn config_pairs(props: &Properties) -> Vec<(String, String)> {
    props
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn config_get(
    client_args: ClientArgs,
    select: BrokerSelect,
    keys: Vec<String>,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let client = client_args.client()?;
    let results = block_on(async {
        let mut results = Vec::new();
        for t in targets(&client, &select, Scope::All).await? {
            let r = client
                .broker_config(&t.addr)
                .await
                .map(|p| filter_keys(config_pairs(&p), &keys))
                .map_err(|e| e.to_string());
            results.push((t, r));
        }
        client.shutdown().await;
        anyhow::Ok(results)
    })??;
    print_kv(&results, &keys, "config", format, None)
}

/// What `config set` did on one broker.
struct SetOutcome {
    target: BrokerTarget,
    status: &'static str,
    old: Option<String>,
    new: Option<String>,
    error: Option<String>,
}

async fn set_on(client: &MqClient, target: BrokerTarget, key: &str, value: &str) -> SetOutcome {
    let mut out = SetOutcome {
        target,
        status: "failed",
        old: None,
        new: None,
        error: None,
    };
    let addr = out.target.addr.clone();
    let before = match client.broker_config(&addr).await {
        Ok(p) => p,
        Err(e) => {
            out.error = Some(format!("reading the config: {e}"));
            return out;
        }
    };
    // Brokers store unknown keys without using them, so a typo would look like success.
    let Some(old) = before.get(key) else {
        out.error = Some(format!(
            "{key} is not a config key of this broker (keys are case-sensitive; see 'rmq broker config get')"
        ));
        return out;
    };
    out.old = Some(old.to_string());
    if old == value {
        out.status = "unchanged";
        out.new = Some(old.to_string());
        return out;
    }
    let change: Properties = [(key, value)].into_iter().collect();
    if let Err(e) = client.update_broker_config(&addr, &change).await {
        out.error = Some(e.to_string());
        return out;
    }
    match client.broker_config(&addr).await {
        Ok(after) => {
            out.new = after.get(key).map(String::from);
            if out.new.as_deref() == Some(value) {
                out.status = "updated";
            } else {
                out.error = Some(format!(
                    "the broker accepted the change but reports {key}={}",
                    out.new.as_deref().unwrap_or("(unset)")
                ));
            }
        }
        Err(e) => out.error = Some(format!("reading the config back: {e}")),
    }
    out
}

fn config_set(
    client_args: ClientArgs,
    select: BrokerSelect,
    change: ConfigChange,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let client = client_args.client()?;
    let key = change.key.trim().to_string();
    if key.is_empty() {
        bail!("the key is empty: pass -k KEY");
    }
    let value = change.value().to_string();
    let outcomes = block_on(async {
        let mut outcomes = Vec::new();
        for t in targets(&client, &select, Scope::All).await? {
            outcomes.push(set_on(&client, t, &key, &value).await);
        }
        client.shutdown().await;
        anyhow::Ok(outcomes)
    })??;
    match format {
        OutputFormat::Json => output::print_json(&json!({
            "key": key,
            "value": value,
            "brokers": outcomes.iter().map(|o| json!({
                "brokerName": o.target.name,
                "brokerAddr": o.target.addr,
                "status": o.status,
                "old": o.old,
                "new": o.new,
                "error": o.error,
            })).collect::<Vec<_>>(),
        }))?,
        OutputFormat::Table => {
            let mut table = output::table(["broker", "address", "status", "change"]);
            for o in &outcomes {
                let change = match (&o.error, &o.old, &o.new) {
                    (Some(e), _, _) => e.clone(),
                    (None, Some(old), Some(new)) => format!("{key}: {old} → {new}"),
                    _ => String::new(),
                };
                table.add_row([
                    o.target.name.clone().unwrap_or_else(|| "?".into()),
                    o.target.addr.clone(),
                    o.status.to_string(),
                    change,
                ]);
            }
            println!("{table}");
        }
    }
    let errors: Vec<String> = outcomes
        .iter()
        .filter_map(|o| Some(format!("{}: {}", o.target.label(), o.error.as_ref()?)))
        .collect();
    finish(&format!("setting {key}"), outcomes.len(), &errors)
}

// -------------------------------------------------------------------------------- perm

fn perm(args: PermArgs, writable: bool) -> anyhow::Result<()> {
    let client = args.client.client()?;
    let name = args.broker.clone();
    let results = block_on(async {
        // The name servers answer "0 topics" for an unknown name; say it is a typo instead.
        let info = client.cluster_info().await?;
        if !info.broker_addr_table.contains_key(&name) {
            bail!(
                "no broker named {name} is registered (known: {}); see 'rmq cluster list'",
                info.broker_addr_table
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let namesrvs = client.namesrv_addrs().to_vec();
        if !writable {
            confirm(
                &format!(
                    "wipe the write permission of broker {name} on {} name server(s)",
                    namesrvs.len()
                ),
                args.yes,
            )?;
        }
        let mut results = Vec::new();
        for ns in namesrvs {
            let r = client.set_write_perm(&ns, &name, writable).await;
            results.push((ns, r.map_err(|e| e.to_string())));
        }
        client.shutdown().await;
        anyhow::Ok(results)
    })??;
    match args.output {
        OutputFormat::Json => output::print_json(&json!({
            "brokerName": name,
            "writable": writable,
            "nameServers": results.iter().map(|(ns, r)| json!({
                "addr": ns,
                "topicCount": r.as_ref().ok(),
                "error": r.as_ref().err(),
            })).collect::<Vec<_>>(),
        }))?,
        OutputFormat::Table => {
            let mut table = output::table(["name server", "topics changed", "result"]);
            for (ns, r) in &results {
                let (count, result) = match r {
                    Ok(n) => (
                        n.to_string(),
                        if writable {
                            "write added"
                        } else {
                            "write wiped"
                        }
                        .to_string(),
                    ),
                    Err(e) => ("-".to_string(), e.clone()),
                };
                table.add_row([ns.clone(), count, result]);
            }
            println!("{table}");
        }
    }
    let errors: Vec<String> = results
        .iter()
        .filter_map(|(ns, r)| Some(format!("name server {ns}: {}", r.as_ref().err()?)))
        .collect();
    let what = if writable { "adding" } else { "wiping" };
    finish(
        &format!("{what} the write permission of {name}"),
        results.len(),
        &errors,
    )
}
