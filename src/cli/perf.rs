//! `rmq perf produce|consume`: load against any RocketMQ 4.x cluster (rmq or Java), a line of
//! throughput and latency every second, and a summary (Ctrl-C prints it too).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::common::{block_on_workers, ClientArgs};
use super::output::{print_json, OutputFormat};
use rmq::client::perf::{
    self, ConsumeOptions, ConsumeProgress, Histogram, ProduceOptions, Progress, SendMode,
};

#[derive(Debug, Subcommand)]
pub enum PerfCommand {
    /// Send messages as fast as possible (or at --rate) and report msgs/s, MB/s and send
    /// latency percentiles every second. JSON summary fields: sent, errors, seconds, msgsPerSec,
    /// mbPerSec, latencyUs {p50, p99, p999, max, mean}, environment {machine {cpus, cpuModel,
    /// kernel, memoryBytes}, brokers [{brokerName, addr, version}]}.
    Produce(ProduceArgs),
    /// Drain a topic and report msgs/s, MB/s, end-to-end latency (born → received and stored →
    /// received) and lag every second. JSON summary fields: received, seconds, msgsPerSec,
    /// mbPerSec, bornLatencyUs, storeLatencyUs, lag, environment (as for produce).
    Consume(ConsumeArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Mode {
    Sync,
    Async,
    Oneway,
    Batch,
}

/// The client's own threads.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Runtime threads of the client. One keeps all its tasks on one core without cross-thread
    /// wake-ups, which on a machine it shares with the broker measures more (e.g. 177-183k vs
    /// 145-159k msgs/s on 2 cores); raise it when one core cannot drive the cluster.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: u16,
}

#[derive(Debug, Args)]
pub struct ProduceArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub workers: WorkerArgs,
    #[arg(short = 't', long)]
    pub topic: String,
    /// Requests in flight at once.
    #[arg(long, alias = "threads", default_value_t = 64)]
    pub inflight: usize,
    /// Body size in bytes.
    #[arg(short = 's', long, default_value_t = 1024)]
    pub size: usize,
    /// Stop after this many messages.
    #[arg(long)]
    pub count: Option<u64>,
    /// Stop after this long (e.g. 30s).
    #[arg(long, value_parser = humantime::parse_duration)]
    pub duration: Option<Duration>,
    /// Target messages per second (default: as fast as possible).
    #[arg(long)]
    pub rate: Option<u64>,
    #[arg(long, value_enum, default_value = "sync")]
    pub mode: Mode,
    /// Messages per request with --mode batch.
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// Give each message a unique KEYS value (exercises the index).
    #[arg(long)]
    pub keys: bool,
    /// Number of distinct tags to rotate through (0 = none).
    #[arg(long, default_value_t = 0)]
    pub tags: usize,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ConsumeArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub workers: WorkerArgs,
    #[arg(short = 't', long)]
    pub topic: String,
    #[arg(short = 'g', long, default_value = "rmq_perf_consumer")]
    pub group: String,
    #[arg(long, value_parser = humantime::parse_duration)]
    pub duration: Option<Duration>,
    #[arg(long)]
    pub count: Option<u64>,
    /// Start from the earliest message instead of new ones only.
    #[arg(long)]
    pub from_earliest: bool,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub fn run(cmd: PerfCommand) -> anyhow::Result<()> {
    match cmd {
        PerfCommand::Produce(args) => block_on_workers(args.workers.workers.into(), produce(args))?,
        PerfCommand::Consume(args) => block_on_workers(args.workers.workers.into(), consume(args))?,
    }
}

fn mb(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / 1_048_576.0 / secs.max(1e-9)
}

fn latency_json(h: &Histogram) -> serde_json::Value {
    json!({"p50": h.quantile(0.5), "p99": h.quantile(0.99), "p999": h.quantile(0.999), "max": h.max(), "mean": h.mean()})
}

fn fmt_us(us: u64) -> String {
    if us >= 10_000 {
        format!("{:.1}ms", us as f64 / 1000.0)
    } else {
        format!("{us}us")
    }
}

/// Sets `stop` on Ctrl-C so the run ends with its summary.
fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::Relaxed);
        }
    });
    stop
}

async fn produce(args: ProduceArgs) -> anyhow::Result<()> {
    let client = Arc::new(args.client.client()?);
    let opts = ProduceOptions {
        topic: args.topic.clone(),
        inflight: args.inflight,
        size: args.size,
        count: args.count,
        duration: args.duration.or(if args.count.is_none() {
            Some(Duration::from_secs(30))
        } else {
            None
        }),
        rate: args.rate,
        mode: match args.mode {
            Mode::Sync => SendMode::Sync,
            Mode::Async => SendMode::Async,
            Mode::Oneway => SendMode::Oneway,
            Mode::Batch => SendMode::Batch,
        },
        batch: args.batch,
        keys: args.keys,
        tags: args.tags,
        producer_group: "rmq_perf_producer".into(),
    };
    let progress = Arc::new(Progress::default());
    let stop = stop_on_ctrl_c();
    let bar = (std::io::stderr().is_terminal() && args.count.is_some()).then(|| {
        let bar = indicatif::ProgressBar::new(args.count.unwrap_or(0));
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} eta {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let started = Instant::now();
    let task = tokio::spawn(perf::produce(
        client.clone(),
        opts,
        progress.clone(),
        stop.clone(),
    ));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let (mut last_sent, mut last_bytes, mut last_at) = (0u64, 0u64, Instant::now());
    let print_lines = args.output == OutputFormat::Table;
    while !task.is_finished() {
        tokio::select! {
            _ = tick.tick() => {}
            _ = tokio::time::sleep(Duration::from_millis(50)) => { continue; }
        }
        let (sent, bytes) = (
            progress.sent.load(Ordering::Relaxed),
            progress.bytes.load(Ordering::Relaxed),
        );
        let secs = last_at.elapsed().as_secs_f64();
        let h = progress.take_interval();
        if let Some(bar) = &bar {
            bar.set_position(sent);
        }
        if print_lines {
            let line = format!(
                "{:>6.0}s  {:>9.0} msgs/s  {:>7.1} MB/s  p50 {:>8}  p99 {:>8}  p99.9 {:>8}  max {:>8}  errors {}",
                started.elapsed().as_secs_f64(),
                (sent - last_sent) as f64 / secs,
                mb(bytes - last_bytes, secs),
                fmt_us(h.quantile(0.5)),
                fmt_us(h.quantile(0.99)),
                fmt_us(h.quantile(0.999)),
                fmt_us(h.max()),
                progress.errors.load(Ordering::Relaxed)
            );
            match &bar {
                Some(bar) => bar.println(line),
                None => println!("{line}"),
            }
        }
        (last_sent, last_bytes, last_at) = (sent, bytes, Instant::now());
    }
    task.await??;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    progress.take_interval();
    let total = progress
        .total
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let secs = started.elapsed().as_secs_f64();
    let sent = progress.sent.load(Ordering::Relaxed);
    let errors = progress.errors.load(Ordering::Relaxed);
    let summary = json!({
        "topic": args.topic,
        "mode": format!("{:?}", args.mode).to_lowercase(),
        "inflight": args.inflight,
        "size": args.size,
        "sent": sent,
        "errors": errors,
        "seconds": secs,
        "msgsPerSec": sent as f64 / secs,
        "mbPerSec": mb(progress.bytes.load(Ordering::Relaxed), secs),
        "latencyUs": latency_json(&total),
        "lastError": *progress.last_error.lock().unwrap_or_else(|p| p.into_inner()),
        "environment": perf::environment(&client, &args.topic).await,
    });
    match args.output {
        OutputFormat::Json => print_json(&summary)?,
        OutputFormat::Table => println!(
            "summary: sent {sent} in {secs:.1}s = {:.0} msgs/s, {:.1} MB/s; latency p50 {} p99 {} p99.9 {} max {} mean {:.0}us; errors {errors}",
            sent as f64 / secs,
            mb(progress.bytes.load(Ordering::Relaxed), secs),
            fmt_us(total.quantile(0.5)),
            fmt_us(total.quantile(0.99)),
            fmt_us(total.quantile(0.999)),
            fmt_us(total.max()),
            total.mean()
        ),
    }
    client.shutdown().await;
    if sent == 0 && errors > 0 {
        anyhow::bail!(
            "every send failed; last error: {}",
            progress
                .last_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
                .unwrap_or_default()
        );
    }
    Ok(())
}

async fn consume(args: ConsumeArgs) -> anyhow::Result<()> {
    let client = Arc::new(args.client.client()?);
    let opts = ConsumeOptions {
        topic: args.topic.clone(),
        group: args.group.clone(),
        duration: args.duration.or(if args.count.is_none() {
            Some(Duration::from_secs(30))
        } else {
            None
        }),
        count: args.count,
        from_earliest: args.from_earliest,
    };
    let progress = Arc::new(ConsumeProgress::default());
    let stop = stop_on_ctrl_c();
    let started = Instant::now();
    let task = tokio::spawn(perf::consume(client.clone(), opts, progress.clone(), stop));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let (mut last, mut last_bytes, mut last_at) = (0u64, 0u64, Instant::now());
    while !task.is_finished() {
        tokio::select! {
            _ = tick.tick() => {}
            _ = tokio::time::sleep(Duration::from_millis(50)) => { continue; }
        }
        let (n, bytes) = (
            progress.received.load(Ordering::Relaxed),
            progress.bytes.load(Ordering::Relaxed),
        );
        let secs = last_at.elapsed().as_secs_f64();
        if args.output == OutputFormat::Table {
            let born = progress
                .born_latency
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            println!(
                "{:>6.0}s  {:>9.0} msgs/s  {:>7.1} MB/s  e2e p50 {:>8}  p99 {:>8}  lag {}",
                started.elapsed().as_secs_f64(),
                (n - last) as f64 / secs,
                mb(bytes - last_bytes, secs),
                fmt_us(born.quantile(0.5)),
                fmt_us(born.quantile(0.99)),
                progress.lag.load(Ordering::Relaxed)
            );
        }
        (last, last_bytes, last_at) = (n, bytes, Instant::now());
    }
    task.await??;
    let secs = started.elapsed().as_secs_f64();
    let received = progress.received.load(Ordering::Relaxed);
    let born = progress
        .born_latency
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let stored = progress
        .store_latency
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let summary = json!({
        "topic": args.topic,
        "group": args.group,
        "received": received,
        "errors": progress.errors.load(Ordering::Relaxed),
        "seconds": secs,
        "msgsPerSec": received as f64 / secs,
        "mbPerSec": mb(progress.bytes.load(Ordering::Relaxed), secs),
        "bornLatencyUs": latency_json(&born),
        "storeLatencyUs": latency_json(&stored),
        "lag": progress.lag.load(Ordering::Relaxed),
        "environment": perf::environment(&client, &args.topic).await,
    });
    match args.output {
        OutputFormat::Json => print_json(&summary)?,
        OutputFormat::Table => println!(
            "summary: received {received} in {secs:.1}s = {:.0} msgs/s, {:.1} MB/s; born→received p50 {} p99 {}; stored→received p50 {} p99 {}; lag {}",
            received as f64 / secs,
            mb(progress.bytes.load(Ordering::Relaxed), secs),
            fmt_us(born.quantile(0.5)),
            fmt_us(born.quantile(0.99)),
            fmt_us(stored.quantile(0.5)),
            fmt_us(stored.quantile(0.99)),
            progress.lag.load(Ordering::Relaxed)
        ),
    }
    client.shutdown().await;
    Ok(())
}
