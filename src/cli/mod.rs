//! Command-line surface: clap definitions for every command group (one file per group) and the
//! dispatch from a parsed command to the library. Rendering helpers live in [`output`].

mod backlog;
mod broker;
mod chaos;
mod cluster;
pub mod common;
mod config;
mod console;
mod dev;
mod dlq;
mod docs;
mod failover;
mod group;
mod ha;
mod message;
mod namesrv;
mod offset;
mod output;
mod perf;
mod store;
mod topic;
use clap::{Parser, Subcommand};

const AFTER_HELP: &str = "\
Exit status: 0 success, 1 error, 2 usage error.
Environment: NAMESRV_ADDR (default for -n/--namesrv), RUST_LOG (log filter, e.g. rmq=debug).";

/// rmq: an Apache RocketMQ 4.x-compatible name server, broker and admin toolbox in one binary.
#[derive(Debug, Parser)]
#[command(name = "rmq", version, about, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a name server and a broker in one process with local defaults (start here).
    Dev(dev::DevArgs),
    /// Run the name server.
    #[command(subcommand)]
    Namesrv(namesrv::NamesrvCommand),
    /// Run or administer brokers.
    #[command(subcommand)]
    Broker(broker::BrokerCommand),
    /// List the brokers of the clusters.
    #[command(subcommand)]
    Cluster(cluster::ClusterCommand),
    /// Replication: master/slave pairs, offsets, how far behind, in sync.
    #[command(subcommand)]
    Ha(ha::HaCommand),
    /// Create, delete, list topics; show their route and per-queue status.
    #[command(subcommand)]
    Topic(topic::TopicCommand),
    /// Subscription groups: create, list, describe (progress, clients), delete.
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// Consumer offsets: reset to earliest, latest or a time, with dry run and rollback.
    #[command(subcommand)]
    Offset(offset::OffsetCommand),
    /// Messages: send, consume, get by id/key/offset, decode ids.
    #[command(subcommand)]
    Message(message::MessageCommand),
    /// Dead-letter queues: list a group's %DLQ% topic, send its messages back once.
    #[command(subcommand)]
    Dlq(dlq::DlqCommand),
    /// Fail a master/slave pair over to its slave: plan, execute, verify.
    #[command(subcommand)]
    Failover(failover::FailoverCommand),
    /// Inspect a store offline: dump its files, verify it, per-queue stats.
    Store(store::StoreArgs),
    /// Forward a group's backlog to a topic with more queues (plan, migrate, verify, status).
    #[command(subcommand)]
    Backlog(backlog::BacklogCommand),
    /// Serve the web console (overview, topics, groups, messages, DLQ) and its JSON API.
    Console(console::ConsoleArgs),
    /// Measure throughput and latency against a cluster.
    #[command(subcommand)]
    Perf(perf::PerfCommand),
    /// Fault injection on local rmq processes with a check that nothing acknowledged is lost.
    Chaos(chaos::ChaosArgs),
    /// Check and show configuration files.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions(docs::CompletionsArgs),
    /// Print the man page, or write every command's page with --dir.
    Man(docs::ManArgs),
    #[command(flatten)]
    TopicAlias(topic::TopicAlias),
    #[command(flatten)]
    ClusterAlias(cluster::ClusterAlias),
    #[command(flatten)]
    BrokerAlias(broker::BrokerAlias),
    #[command(flatten)]
    GroupAlias(group::GroupAlias),
    #[command(flatten)]
    OffsetAlias(offset::OffsetAlias),
    #[command(flatten)]
    MessageAlias(message::MessageAlias),
}

impl Cli {
    /// Whether this invocation runs a long-lived server.
    pub fn is_daemon(&self) -> bool {
        matches!(
            self.command,
            Command::Broker(broker::BrokerCommand::Start(_))
                | Command::Namesrv(_)
                | Command::Dev(_)
                | Command::Console(_)
        )
    }
}

/// Logs go to stderr; `RUST_LOG` overrides the level chosen with -v.
pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal; a log file or a pipe gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Dev(args) => dev::run(args),
        Command::Broker(cmd) => broker::run(cmd),
        Command::Completions(args) => docs::completions(args),
        Command::Man(args) => docs::man(args),
        Command::Perf(cmd) => perf::run(cmd),
        Command::Console(args) => console::run(args),
        Command::Chaos(args) => chaos::run(args),
        Command::Backlog(cmd) => backlog::run(cmd),
        Command::Config(cmd) => config::run(cmd),
        Command::Namesrv(cmd) => namesrv::run(cmd),
        Command::Store(args) => store::run(args),
        Command::Failover(cmd) => failover::run(cmd),
        Command::Topic(cmd) => topic::run(cmd),
        Command::Cluster(cmd) => cluster::run(cmd),
        Command::Ha(cmd) => ha::run(cmd),
        Command::TopicAlias(cmd) => topic::run_alias(cmd),
        Command::ClusterAlias(cmd) => cluster::run_alias(cmd),
        Command::BrokerAlias(cmd) => broker::run_alias(cmd),
        Command::Group(cmd) => group::run(cmd),
        Command::Offset(cmd) => offset::run(cmd),
        Command::Message(cmd) => message::run(cmd),
        Command::Dlq(cmd) => dlq::run(cmd),
        Command::GroupAlias(cmd) => group::run_alias(cmd),
        Command::OffsetAlias(cmd) => offset::run_alias(cmd),
        Command::MessageAlias(cmd) => message::run_alias(cmd),
    }
}
