//! `rmq chaos`: kills, pauses, name server restarts and network partitions against `rmq`
//! processes this command starts (on loopback, or in network namespaces it creates), with a checker of what was acknowledged against what was consumed
//! (the library side is `rmq::client::chaos`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use super::common::block_on;
use super::output::{print_document, OutputFormat};
use rmq::client::chaos::{self, ChaosEvent, ChaosMode, ChaosOptions, FaultKind, FaultRecord};

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
    /// The slave cut off from the master for --partition, then healed (sync-master only).
    PartitionMasterSlave,
    /// The broker (the master) cut off from the producers and consumers for --partition,
    /// then healed.
    PartitionClientBroker,
}

/// Start a name server and broker(s), load them, inject faults, check nothing acknowledged
/// was lost.
///
/// Producers send per-key sequences (each key on one queue, so in order) and log every
/// acknowledged send to DIR/acked.log (key, seq, msg id, queue, queue offset, offset msg id,
/// ack time); consumers pull every queue from its start and log every delivery to
/// DIR/delivered.log. Faults are injected in turn, one per cycle, after --interval of load
/// (the first once a send has been acknowledged, so a slow start is not taken for load).
/// At the end the consumers read to the end of every queue and the checker reports acked,
/// lost (acknowledged, never delivered), duplicated, out of order per key and the recovery
/// time of each fault (fault start to the first acknowledgement after it; for the name
/// server, to the topic's route served again). Only SUCCESS counts as acknowledged.
///
/// Partitions (partition-master-slave, partition-client-broker) need root and `ip`: the run
/// then puts the name server, master and slave each in a network namespace it creates
/// (rmqchaos-PID-*, joined by a bridge, addresses from a free private /24), and a partition
/// drops every packet between the two parties for --partition (the brokers'
/// haHousekeepingInterval is 4 s in such runs, so the HA connection times out during it).
/// During a partition no send may be acknowledged; after the heal the slave must catch up
/// and hold every acknowledged message. Namespaces and daemons are removed at the end, on
/// errors, SIGINT and SIGTERM. Without root or `ip` the partitions are skipped with a
/// message and the other faults run.
///
/// Exit 0 when nothing acknowledged was lost or reordered (for sync-master: nothing missing
/// on the slave; for partitions: nothing acknowledged during one), 1 otherwise; skipped
/// partitions do not change the exit code (see "skippedFaults" in JSON).
///
/// JSON (-o json): {"mode", "cycles", "durationMs", "acked", "delivered", "lost",
/// "duplicated", "outOfOrder", "deliveredUnacked", "lostSample", "sendErrors", "notDurable",
/// "consumerRewinds", "drained", "faults": [{"cycle", "fault", "atMs", "recoveryMs",
/// "ackedBefore", "missingOnSlave", "partition": {"durationMs", "ackedDuring",
/// "notDurableDuring", "slaveNotAvailableDuring", "flushSlaveTimeoutDuring",
/// "sendErrorsDuring", "healToAckMs", "slaveBehindBytes", "catchUpMs"}}], "maxRecoveryMs",
/// "skippedFaults", "skipReason", "dir"}.
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
    /// How long a partition lasts (longer than --timeout and the 4 s HA idle limit).
    #[arg(long, default_value = "8s", value_parser = humantime::parse_duration)]
    pub partition: Duration,
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
    if args
        .faults
        .iter()
        .any(|f| matches!(f, Fault::PartitionMasterSlave))
        && !matches!(args.mode, Mode::SyncMaster)
    {
        clap::Error::raw(
            clap::error::ErrorKind::ArgumentConflict,
            "--faults partition-master-slave needs --mode sync-master (a slave)\n",
        )
        .exit();
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
                Fault::PartitionMasterSlave => FaultKind::PartitionMasterSlave,
                Fault::PartitionClientBroker => FaultKind::PartitionClientBroker,
            })
            .collect(),
        cycles: args.cycles,
        interval: args.interval,
        pause: args.pause,
        partition: args.partition,
        timeout: args.timeout,
        producers: args.producers,
        keys: args.keys,
        queues: args.queues,
        size: args.size,
        max_duration: args.max_duration,
        drain: args.drain,
    };
    let json = args.output == OutputFormat::Json;
    let report = block_on(chaos::run(opts, |event| match event {
        // Printed in either format: the run goes on without these faults.
        ChaosEvent::Skipped { faults, reason } => {
            let names: Vec<&str> = faults.iter().map(|f| f.name()).collect();
            eprintln!(
                "rmq chaos: skipping {} ({reason}); the other faults run",
                names.join(", ")
            );
        }
        ChaosEvent::Fault(f) if !json => eprintln!("{}", fault_line(f)),
        ChaosEvent::Fault(_) => {}
    }))??;
    if json {
        print_document(&report, false)?;
    } else {
        println!("{}", report.summary());
        eprintln!("logs: {}", report.dir);
    }
    if !report.ok() {
        let acked_in_partitions: u64 = report
            .faults
            .iter()
            .filter_map(|f| f.partition.as_ref())
            .map(|p| p.acked_during)
            .sum();
        bail!(
            "acknowledged messages lost or reordered (lost {}, out of order {}, drained {}, \
             acknowledged during partitions {acked_in_partitions}); see {}",
            report.verdict.lost,
            report.verdict.out_of_order,
            report.drained,
            report.dir
        );
    }
    Ok(())
}

/// One line per injected fault, as it happens.
fn fault_line(f: &FaultRecord) -> String {
    let mut line = format!(
        "cycle {} {} at {:.1}s: recovery {}",
        f.cycle,
        f.fault.name(),
        f.at_ms as f64 / 1000.0,
        f.recovery_ms
            .map_or("none within 60s".to_string(), |ms| format!("{ms} ms")),
    );
    if let Some(p) = &f.partition {
        line.push_str(&format!(
            " ({} ms cut: acked during {}, failed {}, not durable {} (SLAVE_NOT_AVAILABLE {}, \
             FLUSH_SLAVE_TIMEOUT {}); first ack {} after the heal",
            p.duration_ms,
            p.acked_during,
            p.send_errors_during,
            p.not_durable_during,
            p.slave_not_available_during,
            p.flush_slave_timeout_during,
            p.heal_to_ack_ms
                .map_or("none".to_string(), |ms| format!("{ms} ms")),
        ));
        if let Some(behind) = p.slave_behind_bytes {
            line.push_str(&format!(
                "; slave {behind} bytes behind at the heal, caught up {}",
                p.catch_up_ms
                    .map_or("never".to_string(), |ms| format!("{ms} ms after"))
            ));
        }
        line.push(')');
        if let Some(e) = &p.error {
            line.push_str(&format!(" [{e}]"));
        }
    }
    if let (Some(a), Some(m)) = (f.acked_before, f.missing_on_slave) {
        line.push_str(&format!(", {m} of {a} acked missing on the slave"));
    }
    line
}
