//! `rmq namesrv start`: runs the name server in the foreground, the way Java's `mqnamesrv`
//! does, until SIGINT or SIGTERM.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use rmq::config::{self, NamesrvConfig};
use rmq::namesrv::NamesrvServer;
use tokio_util::sync::CancellationToken;

use super::broker::{bind_metrics, serve_metrics};

#[derive(Debug, Subcommand)]
pub enum NamesrvCommand {
    /// Start the name server and serve until SIGINT/SIGTERM. Prints
    /// "The Name Server boot success. serializeType=JSON, address HOST:PORT" on stdout once
    /// it accepts connections.
    Start(StartArgs),
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// A namesrv `.properties` file (Java's `mqnamesrv -c`); Java's defaults without it.
    #[arg(short = 'c', long = "config")]
    pub config: Option<PathBuf>,
    /// Port to listen on, overriding the file (default 9876; 0 picks a free port).
    #[arg(short = 'p', long = "listen-port")]
    pub listen_port: Option<u16>,
    /// Where the KV config is kept, overriding the file (default ~/namesrv/kvConfig.json).
    #[arg(long = "kv-config")]
    pub kv_config: Option<PathBuf>,
    /// Serve Prometheus metrics at http://HOST:PORT/metrics (port 0 picks a free port).
    #[arg(long = "metrics-listen", value_name = "HOST:PORT")]
    pub metrics_listen: Option<String>,
}

pub fn run(cmd: NamesrvCommand) -> anyhow::Result<()> {
    match cmd {
        NamesrvCommand::Start(args) => start(args),
    }
}

fn start(args: StartArgs) -> anyhow::Result<()> {
    let mut cfg = match &args.config {
        Some(path) => {
            let (cfg, warnings) = config::load_namesrv_file(path)?;
            for w in &warnings {
                tracing::warn!("{}: {w}", path.display());
            }
            cfg
        }
        None => NamesrvConfig::default(),
    };
    if let Some(port) = args.listen_port {
        cfg.server.listen_port = i32::from(port);
    }
    if let Some(path) = args.kv_config {
        cfg.kv_config_path = path;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("rmq-namesrv")
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let metrics = match &args.metrics_listen {
            Some(addr) => Some(bind_metrics(addr).await?),
            None => None,
        };
        let server = NamesrvServer::start(cfg)
            .await
            .context("name server failed to start")?;
        let metrics_stop = CancellationToken::new();
        let metrics_at = match metrics {
            Some(listener) => Some(serve_metrics(
                listener,
                vec![Box::new(server.collector())],
                metrics_stop.clone(),
            )?),
            None => None,
        };
        // Signal handlers go in before the boot line: a script may stop us as soon as it reads it.
        let signal = rmq::net::shutdown_signal();
        // Scripts (and the tests) wait for this exact prefix, which Java's mqnamesrv prints.
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "The Name Server boot success. serializeType=JSON, address {}",
            server.local_addr()
        )?;
        if let Some(at) = metrics_at {
            writeln!(out, "Metrics: http://{at}/metrics")?;
        }
        out.flush()?;
        drop(out);
        let served = server.run_until(signal).await;
        metrics_stop.cancel();
        served?;
        anyhow::Ok(())
    })
}
