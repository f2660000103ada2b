//! Flags and helpers shared by the client commands: name server and timeout flags, the async
//! runtime, and confirmation before destructive changes.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::bail;
use clap::Args;

use rmq::client::MqClient;
use rmq::protocol::SerializeType;

/// How to reach the cluster.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Name server address(es), `host:port;host:port`.
    #[arg(short = 'n', long = "namesrv", env = "NAMESRV_ADDR", global = true)]
    pub namesrv: Option<String>,
    /// Per-request timeout (e.g. 3s, 500ms).
    #[arg(long, default_value = "3s", value_parser = humantime::parse_duration, global = true)]
    pub timeout: Duration,
    /// Header serialization of requests (Java clients default to json).
    #[arg(long, value_enum, default_value = "json", global = true, hide = true)]
    pub serialize: Serialize,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Serialize {
    Json,
    Rocketmq,
}

impl ClientArgs {
    /// A client for the configured name servers; an error naming the flag when there is none.
    pub fn client(&self) -> anyhow::Result<MqClient> {
        let Some(ns) = self.namesrv.as_deref().filter(|s| !s.trim().is_empty()) else {
            bail!("no name server: pass -n/--namesrv host:port or set NAMESRV_ADDR");
        };
        let serialize = match self.serialize {
            Serialize::Json => SerializeType::Json,
            Serialize::Rocketmq => SerializeType::RocketMq,
        };
        Ok(MqClient::new(&[ns.to_string()], self.timeout, serialize))
    }
}

/// Runs a future to completion on a small runtime (commands are short-lived).
pub fn block_on<F: std::future::Future>(f: F) -> anyhow::Result<F::Output> {
    block_on_workers(2, f)
}

/// [`block_on`] with `workers` runtime threads.
pub fn block_on_workers<F: std::future::Future>(workers: usize, f: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .enable_all()
        .build()?;
    Ok(runtime.block_on(f))
}

/// Asks before a destructive change. `--yes` skips the question; without a terminal and
/// without `--yes` the change is refused (scripts must say so explicitly).
pub fn confirm(question: &str, yes: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        bail!("{question}: refusing without a terminal; pass --yes to confirm");
    }
    let ok = dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()?;
    if !ok {
        bail!("cancelled");
    }
    Ok(())
}
