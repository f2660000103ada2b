//! `rmq dev`: a name server and a broker in one process with local defaults, the first thing a
//! newcomer runs. Both are the same code `rmq namesrv start` and `rmq broker start` run, and
//! they talk over loopback as separate daemons would, so every client and `mqadmin` sees a
//! normal one-broker cluster.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use rmq::config::{self, NamesrvConfig, Properties};
use rmq::namesrv::NamesrvServer;

use prometheus_client::collector::Collector;
use rmq::broker::metrics::BrokerCollector;
use tokio_util::sync::CancellationToken;

use super::broker::{bind_metrics, open_broker, serve_metrics, serve_until};

const DEV_AFTER_HELP: &str = "\
Local defaults: brokerIP1=127.0.0.1, brokerName=broker-a, topics and groups auto-created, \
property (SQL92) filtering on, transaction check-back every 5 s, 128 MiB CommitLog files. \
The store is kept between runs (it is printed at start); --fresh starts empty. Ctrl-C or \
SIGTERM stops both cleanly.";

/// Run a name server and a broker in one process for local development.
#[derive(Debug, Args)]
#[command(after_help = DEV_AFTER_HELP)]
pub struct DevArgs {
    /// Store directory (default: $XDG_DATA_HOME/rmq/dev, else ~/.local/share/rmq/dev).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Name server port (0 picks a free port).
    #[arg(long, default_value_t = 9876)]
    pub namesrv_port: u16,
    /// Broker port (0 picks a free port).
    #[arg(long, default_value_t = 10911)]
    pub broker_port: u16,
    /// Cluster name the broker registers under.
    #[arg(long, default_value = "DefaultCluster")]
    pub cluster: String,
    /// Delete the store first and start empty.
    #[arg(long)]
    pub fresh: bool,
    /// Serve Prometheus metrics of both (broker and name server) at http://HOST:PORT/metrics
    /// (port 0 picks a free port).
    #[arg(long = "metrics-listen", value_name = "HOST:PORT")]
    pub metrics_listen: Option<String>,
}

/// Where `rmq dev` keeps its store unless told otherwise.
fn default_store() -> PathBuf {
    match std::env::var_os("XDG_DATA_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("rmq").join("dev"),
        _ => rmq::common::host::user_home()
            .join(".local")
            .join("share")
            .join("rmq")
            .join("dev"),
    }
}

/// The broker properties `rmq dev` runs with.
fn broker_properties(args: &DevArgs, store: &Path, namesrv: &str) -> Properties {
    let mut props = Properties::new();
    let store = store.to_string_lossy();
    for (key, value) in [
        ("brokerClusterName", args.cluster.as_str()),
        ("brokerName", "broker-a"),
        ("brokerId", "0"),
        ("brokerIP1", "127.0.0.1"),
        ("namesrvAddr", namesrv),
        ("brokerRole", "ASYNC_MASTER"),
        ("flushDiskType", "ASYNC_FLUSH"),
        ("autoCreateTopicEnable", "true"),
        ("autoCreateSubscriptionGroup", "true"),
        ("enablePropertyFilter", "true"),
        ("transactionCheckInterval", "5000"),
        ("transactionTimeOut", "3000"),
        ("mappedFileSizeCommitLog", "134217728"),
        ("storePathRootDir", &store),
    ] {
        props.set(key, value);
    }
    props
}

pub fn run(args: DevArgs) -> anyhow::Result<()> {
    let store = args.store.clone().unwrap_or_else(default_store);
    if args.fresh && store.exists() {
        std::fs::remove_dir_all(&store)
            .with_context(|| format!("--fresh: cannot remove {}", store.display()))?;
    }
    std::fs::create_dir_all(&store)
        .with_context(|| format!("cannot create the store directory {}", store.display()))?;
    let probe = store.join(".rmq-dev-write-test");
    std::fs::write(&probe, b"")
        .with_context(|| format!("the store directory {} is not writable", store.display()))?;
    let _ = std::fs::remove_file(&probe);

    let mut namesrv_cfg = NamesrvConfig::default();
    namesrv_cfg.server.listen_port = i32::from(args.namesrv_port);
    namesrv_cfg.kv_config_path = store.join("namesrv").join("kvConfig.json");
    namesrv_cfg.config_store_path = store.join("namesrv").join("namesrv.properties");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("rmq-dev")
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let metrics = match &args.metrics_listen {
            Some(addr) => Some(bind_metrics(addr).await?),
            None => None,
        };
        let namesrv = NamesrvServer::start(namesrv_cfg)
            .await
            .context("name server failed to start")?;
        let namesrv_addr = format!("127.0.0.1:{}", namesrv.local_addr().port());
        let props = broker_properties(&args, &store, &namesrv_addr);
        let (broker_cfg, mut store_cfg, warnings) = config::load_broker(&props)?;
        // A lone development broker has no slaves: no HA port.
        store_cfg.ha_listen_port = 0;
        for w in warnings {
            tracing::warn!("{w}");
        }
        let opened = open_broker(broker_cfg, store_cfg, args.broker_port, None).await;
        let (broker, server) = match opened {
            Ok(pair) => pair,
            Err(e) => {
                let _ = namesrv.shutdown().await;
                return Err(e.context(format!(
                    "broker failed to start (store {})",
                    store.display()
                )));
            }
        };
        let metrics_stop = CancellationToken::new();
        let metrics_at = match metrics {
            Some(listener) => {
                let collectors: Vec<Box<dyn Collector>> = vec![
                    Box::new(BrokerCollector::new(broker.clone(), server.metrics())),
                    Box::new(namesrv.collector()),
                ];
                Some(serve_metrics(listener, collectors, metrics_stop.clone())?)
            }
            None => None,
        };
        // Signal handlers go in before the banner: a script may stop us as soon as it reads it.
        let stop = rmq::net::shutdown_signal();
        let broker_addr = broker.broker_addr();
        let serving = tokio::spawn(serve_until(broker, server, stop));
        // Print once the broker is in the name server's routes, so the commands below work
        // the moment they can be copied.
        let registered = async {
            while namesrv.routes().live_broker_count() == 0 {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), registered).await;
        print_banner(
            &namesrv_addr,
            &broker_addr,
            &args.cluster,
            &store,
            metrics_at,
        );
        let served = serving.await.context("broker task failed")?;
        metrics_stop.cancel();
        let closed = namesrv.shutdown().await;
        served?;
        closed?;
        println!("rmq dev stopped cleanly.");
        anyhow::Ok(())
    })
}

fn print_banner(
    namesrv: &str,
    broker: &str,
    cluster: &str,
    store: &Path,
    metrics: Option<std::net::SocketAddr>,
) {
    use std::io::Write;
    let metrics = metrics.map_or_else(String::new, |at| {
        format!("metrics: http://{at}/metrics (Prometheus text format)\n")
    });
    let text = format!(
        "rmq dev: name server {namesrv}, broker {broker} (cluster {cluster}, broker-a)
store: {store} (kept between runs; --fresh starts empty)
{metrics}
Try, in another shell:
  export NAMESRV_ADDR={namesrv}
  rmq message send -t TestTopic --tags TagA \"hello\"
  rmq message consume -t TestTopic --from earliest
  rmq perf produce -t TestTopic --duration 10s

Ctrl-C stops both.
",
        store = store.display()
    );
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
