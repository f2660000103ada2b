//! `rmq chaos`: kills, pauses and name server restarts against `rmq` processes this command
//! starts on loopback, with a checker of what was acknowledged against what was consumed
//! (the library side is `rmq::client::chaos`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use super::common::block_on;
use super::output::{print_document, OutputFormat};
use rmq::client::chaos::{self, ChaosMode, ChaosOptions, FaultKind};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Mode {
    /// One broker with flushDiskType=SYNC_FLUSH.
    SyncFlush,
    /// One broker with flushDiskType=ASYNC_FLUSH.
    AsyncFlush,
    /// A SYNC_MASTER master and its slave; kills hit the master and every message
    /// acknowledged so far is looked for on the slave.
    SyncMaster,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Fault {
    /// SIGKILL of the broker (the master of a pair), restarted on the same store and port.
    Kill,
    /// SIGSTOP of the broker for --pause, then SIGCONT.
    Pause,
    /// SIGKILL of the name server, restarted on the same port.
    NamesrvRestart,
}

/// Start a name server and broker(s), load them, inject faults, check nothing acknowledged
/// was lost.
///
/// Producers send per-key sequences (each key on one queue, so in order) and log every
/// acknowledged send to DIR/acked.log (key, seq, msg id, queue, queue offset, offset msg id,
/// ack time); consumers pull every queue from its start and log every delivery to
/// DIR/delivered.log. Faults are injected in turn, one per cycle, after --interval of load.
/// At the end the consumers read to the end of every queue and the checker reports acked,
/// lost (acknowledged, never delivered), duplicated, out of order per key and the recovery
/// time of each fault (fault start to the first acknowledgement after it; for the name
/// server, to the topic's route served again). Only SUCCESS counts as acknowledged.
///
/// Network partitions are not injected. Exit 0 when nothing acknowledged was lost or
/// reordered (and, for sync-master, nothing was missing on the slave), 1 otherwise.
///
/// JSON (-o json): {"mode", "cycles", "durationMs", "acked", "delivered", "lost",
/// "duplicated", "outOfOrder", "deliveredUnacked", "lostSample", "sendErrors", "notDurable",
/// "consumerRewinds", "drained", "faults": [{"cycle", "fault", "atMs", "recoveryMs",
/// "ackedBefore", "missingOnSlave"}], "maxRecoveryMs", "dir"}.
#[derive(Debug, Args)]
pub struct ChaosArgs {
    /// Durability setup under test.
    #[arg(long, value_enum, default_value = "sync-flush")]
    pub mode: Mode,
    /// Faults to inject, in turn (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "kill")]
    pub faults: Vec<Fault>,
    /// Fault cycles.
    #[arg(long, default_value_t = 5)]
    pub cycles: u32,
    /// Load time before each fault.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    pub interval: Duration,
    /// How long a paused broker stays stopped (longer than --timeout).
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    pub pause: Duration,
    /// Client request timeout.
    #[arg(long, default_value = "3s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// Concurrent producers.
    #[arg(long, default_value_t = 4)]
    pub producers: usize,
    /// Keys per producer.
    #[arg(long, default_value_t = 8)]
    pub keys: usize,
    /// Queues of the test topic.
    #[arg(long, default_value_t = 4)]
    pub queues: i32,
    /// Message body size in bytes.
    #[arg(long, default_value_t = 128)]
    pub size: usize,
    /// No fault starts after this much time.
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    pub max_duration: Duration,
    /// Longest wait for the consumers to read everything at the end.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub drain: Duration,
    /// Directory for stores, daemon logs and the acked/delivered logs (a new temporary
    /// directory when absent; kept either way and named in the report).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The rmq binary whose daemons are tested (default: this one).
    #[arg(long)]
    pub bin: Option<PathBuf>,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub fn run(args: ChaosArgs) -> anyhow::Result<()> {
    let bin = match args.bin {
        Some(b) => b,
        None => std::env::current_exe().context("cannot find this rmq binary")?,
    };
    let dir = match args.dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!(
            "rmq-chaos-{}-{}",
            std::process::id(),
            rmq::common::clock::now_ms()
        )),
    };
    if args.producers == 0 || args.keys == 0 || args.queues <= 0 {
        bail!("--producers, --keys and --queues must be positive");
    }
    let opts = ChaosOptions {
        bin,
        dir,
        mode: match args.mode {
            Mode::SyncFlush => ChaosMode::SyncFlush,
            Mode::AsyncFlush => ChaosMode::AsyncFlush,
            Mode::SyncMaster => ChaosMode::SyncMaster,
        },
        faults: args
            .faults
            .iter()
            .map(|f| match f {
                Fault::Kill => FaultKind::Kill,
                Fault::Pause => FaultKind::Pause,
                Fault::NamesrvRestart => FaultKind::NamesrvRestart,
            })
            .collect(),
        cycles: args.cycles,
        interval: args.interval,
        pause: args.pause,
        timeout: args.timeout,
        producers: args.producers,
        keys: args.keys,
        queues: args.queues,
        size: args.size,
        max_duration: args.max_duration,
        drain: args.drain,
    };
    let json = args.output == OutputFormat::Json;
    let report = block_on(chaos::run(opts, |f| {
        if !json {
            eprintln!(
                "cycle {} {:?} at {:.1}s: recovery {}{}",
                f.cycle,
                f.fault,
                f.at_ms as f64 / 1000.0,
                f.recovery_ms
                    .map_or("none within 60s".to_string(), |ms| format!("{ms} ms")),
                match (f.acked_before, f.missing_on_slave) {
                    (Some(a), Some(m)) => format!(", {m} of {a} acked missing on the slave"),
                    _ => String::new(),
                }
            );
        }
    }))??;
    if json {
        print_document(&report, false)?;
    } else {
        println!("{}", report.summary());
        eprintln!("logs: {}", report.dir);
    }
    if !report.ok() {
        bail!(
            "acknowledged messages lost or reordered (lost {}, out of order {}, drained {}); see {}",
            report.verdict.lost,
            report.verdict.out_of_order,
            report.drained,
            report.dir
        );
    }
    Ok(())
}
