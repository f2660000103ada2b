//! `rmq console`: serves the web UI and JSON API of [`rmq::console`] for a cluster.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use super::common::ClientArgs;
use rmq::console::{self, Console};

#[derive(Debug, Args)]
#[command(after_help = "\
Pages: overview (brokers, TPS, disk; refreshes itself), topics, consumer groups (lag, clients,
offset reset with a preview), messages (by id, key, topic and time range) and DLQ (resend).
JSON API under /api/ with the names of the CLI's -o json. Ctrl-C stops the console.")]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Address to serve on. Anything but a loopback address needs --allow-remote.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Answer every changing request with 403 and hide the buttons that send one.
    #[arg(long)]
    pub read_only: bool,
    /// Serve on a non-loopback address (anyone who reaches it can change the cluster unless
    /// --read-only is given).
    #[arg(long)]
    pub allow_remote: bool,
}

pub fn run(args: ConsoleArgs) -> anyhow::Result<()> {
    if !console::is_loopback(&args.listen) {
        if !args.allow_remote {
            clap::Error::raw(
                clap::error::ErrorKind::ArgumentConflict,
                format!(
                    "--listen {} is not a loopback address: the console can change the cluster, \
                     so serving it to the network needs --allow-remote\n",
                    args.listen
                ),
            )
            .exit();
        }
        eprintln!(
            "warning: the console listens on {} and has no authentication: anyone who can \
             reach it can {}",
            args.listen,
            if args.read_only {
                "read the cluster's topics, groups and messages"
            } else {
                "create and delete topics, reset offsets and send messages (consider --read-only)"
            }
        );
    }
    let client = Arc::new(args.client.client()?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let local = listener.local_addr()?;
        let stop = rmq::net::shutdown_signal();
        let state = Arc::new(Console::new(client.clone(), args.read_only));
        {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "rmq console: http://{local}/ (name server {}{})",
                client.namesrv_addrs().join(";"),
                if args.read_only { ", read-only" } else { "" }
            );
            let _ = out.flush();
        }
        console::serve(listener, state, stop)
            .await
            .context("console server failed")?;
        client.shutdown().await;
        anyhow::Ok(())
    })
}
