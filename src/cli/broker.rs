//! `rmq broker start`: runs a broker from a Java broker `.properties` file.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use tokio_util::sync::CancellationToken;

use rmq::broker::controller::{bind, Broker};
use rmq::config;

#[derive(Debug, Subcommand)]
pub enum BrokerCommand {
    /// Start a broker (runs until SIGINT/SIGTERM, then shuts down cleanly).
    Start(StartArgs),
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
}

pub fn run(cmd: BrokerCommand) -> anyhow::Result<()> {
    match cmd {
        BrokerCommand::Start(args) => start(args),
    }
}

fn start(args: StartArgs) -> anyhow::Result<()> {
    let props = match &args.config {
        Some(path) => config::Properties::from_file(path)?,
        None => config::Properties::new(),
    };
    let (mut broker_cfg, store_cfg, warnings) =
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let server = bind(port).await?;
        let bound = server.local_addr()?.port();
        let config_file = args.config.clone();
        let store_cfg_for_open = store_cfg.clone();
        let broker = tokio::task::spawn_blocking(move || {
            Broker::open(broker_cfg, store_cfg_for_open, bound, config_file)
        })
        .await??;
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
        let shutdown = CancellationToken::new();
        let signal = shutdown.clone();
        tokio::spawn(async move {
            rmq::net::shutdown_signal().await;
            signal.cancel();
        });
        broker.serve(server, shutdown).await?;
        println!("The broker shut down cleanly.");
        anyhow::Ok(())
    })
}
