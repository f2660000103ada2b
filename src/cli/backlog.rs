//! `rmq backlog plan|migrate|verify|status`: forward a consumer group's backlog into a
//! temporary topic with more queues, so more consumers can work it off (`client::backlog`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde_json::json;

use super::common::{block_on, confirm, ClientArgs};
use super::output::{print_json, table, OutputFormat};
use rmq::client::backlog::{
    self, MigrateOptions, MigrationRequest, MigrationState, Progress, DEFAULT_BATCH,
};
use rmq::client::MqClient;
use rmq::common::clock::readable_local;

const ORIGIN_HELP: &str = "\
Every forwarded message keeps its body, flag, tags, keys and user properties (and UNIQ_KEY, its
client message id) and gets these properties naming its origin:
  RMQ_BACKLOG_ORIGIN_TOPIC   the source topic
  RMQ_BACKLOG_ORIGIN_BROKER  the broker name of the source queue
  RMQ_BACKLOG_ORIGIN_QUEUE   the source queue id
  RMQ_BACKLOG_ORIGIN_OFFSET  the offset in the source queue
  RMQ_BACKLOG_ORIGIN_MSGID   the source message's offset message id
Properties a broker would act on again (DELAY, TRAN_MSG, REAL_TOPIC, REAL_QID, RETRY_TOPIC,
RECONSUME_TIME, timer properties) and CLUSTER (the target broker sets its own) are dropped.

Routing: messages with the same (first) key go to one target queue (Java's String.hashCode of
the key modulo the target queue count); messages without a key go to one target queue fixed
for their source queue. A source queue never has two sends to one target queue in flight, so
per-key order is kept for ordered consumers.

Duplicates: batch k+1 of a source queue is sent only after batch k was acknowledged and
recorded in the state file, so after Ctrl-C, SIGKILL or a broker restart a resume re-sends at
most one batch (--batch messages, default 2048) per source queue; a send retried after a
timeout may also be stored twice. Nothing is lost. Pulls, sends and the final offset commit
to a broker that is down are retried for 60 s (at its new address if it comes back on another
one); past that migrate
stops, and running it again with --state continues. Stop the group's consumers first: at the
end the group's source offsets are moved to the end of the migrated range, and a running
Java consumer would write its own offsets over them.";

#[derive(Debug, Subcommand)]
pub enum BacklogCommand {
    /// Show a group's backlog per queue (committed and max offsets, messages, estimated bytes,
    /// oldest unconsumed store time) and the proposed target topic with a lower bound of the
    /// duration from a measured pull rate. JSON fields: topic, group, queues [{brokerName, queueId,
    /// committed, minOffset, maxOffset, backlog, backlogBytes, oldestUnconsumedMs}], backlog,
    /// backlogBytes, targetTopic, targetExists, targetQueues, targetBrokers, measuredPullRate,
    /// minimumSecs (the backlog at the pull rate: a lower bound of the duration).
    Plan(PlanArgs),
    /// Forward the group's backlog (its offsets up to each queue's max offset at the start) to
    /// a topic with more queues, then move the group's offsets to the end of that range.
    /// Resumable with --state. Refuses SCHEDULE_TOPIC_XXXX, transaction half topics, %RETRY%
    /// and %DLQ% topics.
    #[command(after_long_help = ORIGIN_HELP)]
    Migrate(MigrateArgs),
    /// Compare every source range with the target: counts and a checksum of (offset, key, body)
    /// per source queue, attributed by the origin properties; exit status 1 on any difference.
    Verify(StateArgs),
    /// Where a migration stands, from its state file.
    Status(StateArgs),
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// The topic with the backlog.
    #[arg(short = 't', long)]
    pub topic: String,
    /// The consumer group whose backlog it is.
    #[arg(short = 'g', long)]
    pub group: String,
    /// Target topic (default <topic>_TMP_<yyyyMMddHHmmss>).
    #[arg(long)]
    pub to: Option<String>,
    /// Target queue count (default 4x the source's).
    #[arg(long)]
    pub queues: Option<usize>,
    /// How long to pull to measure the rate (0s: no measurement).
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    pub sample: Duration,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// The topic with the backlog (not needed to resume).
    #[arg(short = 't', long)]
    pub topic: Option<String>,
    /// The consumer group whose backlog it is (not needed to resume).
    #[arg(short = 'g', long)]
    pub group: Option<String>,
    /// Target topic (default <topic>_TMP_<yyyyMMddHHmmss>).
    #[arg(long)]
    pub to: Option<String>,
    /// Queues of a created target (default 4x the source's, spread over the cluster's masters).
    #[arg(long)]
    pub queues: Option<usize>,
    /// Create the target topic when it does not exist.
    #[arg(long)]
    pub create: bool,
    /// At most this many messages per second.
    #[arg(long)]
    pub rate: Option<f64>,
    /// The state file: continues the migration it records when it exists (default
    /// ./rmq-backlog-<target>.json).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Messages per source queue between state writes: the most a resume sends twice per
    /// source queue.
    #[arg(long, default_value_t = DEFAULT_BATCH)]
    pub batch: usize,
    /// Pulls in flight per source queue.
    #[arg(long, default_value_t = backlog::DEFAULT_PULL_DEPTH)]
    pub pull_depth: usize,
    /// Show the ranges and the target, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct StateArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// The migration's state file.
    #[arg(long)]
    pub state: PathBuf,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub fn run(cmd: BacklogCommand) -> anyhow::Result<()> {
    match cmd {
        BacklogCommand::Plan(args) => plan(args),
        BacklogCommand::Migrate(args) => migrate(args),
        BacklogCommand::Verify(args) => verify(args),
        BacklogCommand::Status(args) => status(args),
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1_048_576.0)
}

fn plan(args: PlanArgs) -> anyhow::Result<()> {
    let client = Arc::new(args.client.client()?);
    let sample = (!args.sample.is_zero()).then_some(args.sample);
    let plan = block_on(async {
        let plan = backlog::plan(
            &client,
            &args.topic,
            &args.group,
            args.to.as_deref(),
            args.queues,
            sample,
        )
        .await;
        client.shutdown().await;
        plan
    })??;
    if args.output == OutputFormat::Json {
        return print_json(&serde_json::to_value(&plan)?);
    }
    let mut t = table([
        "Broker",
        "Queue",
        "Committed",
        "Max offset",
        "Backlog",
        "Bytes (est.)",
        "Oldest unconsumed",
    ]);
    for q in &plan.queues {
        t.add_row(vec![
            q.broker_name.clone(),
            q.queue_id.to_string(),
            q.committed.map_or("-".into(), |c| c.to_string()),
            q.max_offset.to_string(),
            q.backlog.to_string(),
            mib(q.backlog_bytes),
            q.oldest_unconsumed_ms.map_or("-".into(), readable_local),
        ]);
    }
    println!("{t}");
    println!(
        "Backlog of {} on {}: {} messages, about {}.",
        plan.group,
        plan.topic,
        plan.backlog,
        mib(plan.backlog_bytes)
    );
    let brokers: Vec<String> = plan
        .target_brokers
        .iter()
        .map(|b| format!("{} ({} queues)", b.broker_name, b.queues))
        .collect();
    println!(
        "Target: {} ({}), {} queues on {}.",
        plan.target_topic,
        if plan.target_exists {
            "exists"
        } else {
            "to create with --create"
        },
        plan.target_queues,
        brokers.join(", ")
    );
    if let (Some(rate), Some(secs)) = (plan.measured_pull_rate, plan.minimum_secs) {
        println!(
            "Measured pull rate {rate:.0} msgs/s: forwarding takes at least {} (sends cost more than pulls).",
            humantime::format_duration(Duration::from_secs(secs.ceil() as u64))
        );
    }
    println!(
        "Next: rmq backlog migrate -t {} -g {} --to {}{} --state FILE",
        plan.topic,
        plan.group,
        plan.target_topic,
        if plan.target_exists { "" } else { " --create" }
    );
    Ok(())
}

fn migrate(args: MigrateArgs) -> anyhow::Result<()> {
    let client = Arc::new(args.client.client()?);
    let outcome = block_on(run_migration(client.clone(), &args));
    block_on(client.shutdown())?;
    outcome?
}

async fn run_migration(client: Arc<MqClient>, args: &MigrateArgs) -> anyhow::Result<()> {
    let resumed = args.state.as_deref().filter(|p| p.exists());
    let (state, path) = match resumed {
        Some(path) => {
            let state = MigrationState::load(path)?;
            for (flag, given, recorded) in [
                ("--topic", &args.topic, &state.source_topic),
                ("--group", &args.group, &state.group),
                ("--to", &args.to, &state.target_topic),
            ] {
                if given.as_ref().is_some_and(|g| g != recorded) {
                    bail!(
                        "{flag} {} differs from the state file's {recorded} ({})",
                        given.as_deref().unwrap_or_default(),
                        path.display()
                    );
                }
            }
            (state, path.to_path_buf())
        }
        None => {
            let (Some(topic), Some(group)) = (&args.topic, &args.group) else {
                bail!(
                    "a new migration needs --topic and --group (or --state FILE of one to resume)"
                );
            };
            let target = args
                .to
                .clone()
                .unwrap_or_else(|| backlog::default_target(topic));
            let path = args
                .state
                .clone()
                .unwrap_or_else(|| PathBuf::from(format!("rmq-backlog-{target}.json")));
            if args.dry_run {
                if let Some(why) = backlog::refusal(topic) {
                    bail!(why);
                }
            }
            let request = MigrationRequest {
                topic: topic.clone(),
                group: group.clone(),
                target,
                queues: args.queues,
                create: args.create && !args.dry_run,
                batch: args.batch,
            };
            // Nothing changes before the answer: the plan reads only.
            let plan = backlog::plan(
                &client,
                topic,
                group,
                Some(&request.target),
                args.queues,
                None,
            )
            .await?;
            if !plan.target_exists && !args.create && !args.dry_run {
                bail!(
                    "target topic {} does not exist: pass --create (and --queues N) to create it",
                    plan.target_topic
                );
            }
            let what = format!(
                "{} messages of {topic} (group {group}) to {} ({} queues{})",
                plan.backlog,
                plan.target_topic,
                plan.target_queues,
                if plan.target_exists { "" } else { ", created" },
            );
            if args.dry_run {
                println!("dry run: would forward {what}; state in {}", path.display());
                return Ok(());
            }
            confirm(
                &format!("Forward {what}, then move {group}'s offsets to the range end?"),
                args.yes,
            )?;
            let state = backlog::prepare(&client, &request).await?;
            state
                .save_async(&path)
                .await
                .with_context(|| format!("cannot write the state file {}", path.display()))?;
            (state, path)
        }
    };
    if args.dry_run {
        println!(
            "dry run: {} of {} messages forwarded so far; state {}",
            state.forwarded(),
            state.total(),
            path.display()
        );
        return Ok(());
    }
    let left = state.total() - state.forwarded();
    let progress = Arc::new(Progress::default());
    let bar = progress_bar(left);
    let started = Instant::now();
    let options = MigrateOptions {
        batch: args.batch,
        pull_depth: args.pull_depth,
        rate: args.rate,
        ..MigrateOptions::default()
    };
    let work = backlog::migrate(client.clone(), state, &path, options, progress.clone());
    tokio::pin!(work);
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    let result = loop {
        tokio::select! {
            r = &mut work => break Some(r),
            _ = tokio::signal::ctrl_c() => break None,
            _ = tick.tick() => {
                if let Some(bar) = &bar {
                    bar.set_position(progress.messages.load(Ordering::Relaxed));
                    bar.set_message(mib(progress.bytes.load(Ordering::Relaxed)));
                }
            }
        }
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let secs = started.elapsed().as_secs_f64();
    let messages = progress.messages.load(Ordering::Relaxed);
    let bytes = progress.bytes.load(Ordering::Relaxed);
    let Some(result) = result else {
        bail!(
            "interrupted after {messages} messages; continue with: rmq backlog migrate --state {}",
            path.display()
        );
    };
    let state = result.map_err(|e| {
        anyhow::anyhow!(
            "{e}; the state file records what was acknowledged: continue with rmq backlog migrate --state {}",
            path.display()
        )
    })?;
    let rate = messages as f64 / secs.max(1e-9);
    if args.output == OutputFormat::Json {
        return print_json(&json!({
            "sourceTopic": state.source_topic,
            "group": state.group,
            "targetTopic": state.target_topic,
            "targetQueues": state.targets.len(),
            "total": state.total(),
            "forwarded": messages,
            "bytes": bytes,
            "seconds": secs,
            "msgsPerSec": rate,
            "mbPerSec": bytes as f64 / 1_048_576.0 / secs.max(1e-9),
            "lost": state.queues.iter().map(|q| q.lost).sum::<u64>(),
            "offsetsCommitted": state.offsets_committed,
            "state": path.display().to_string(),
        }));
    }
    let lost: u64 = state.queues.iter().map(|q| q.lost).sum();
    println!(
        "Forwarded {messages} messages ({}) in {secs:.1}s, {rate:.0} msgs/s; {} of {} in all.",
        mib(bytes),
        state.forwarded(),
        state.total()
    );
    if lost > 0 {
        println!("{lost} messages of the range were no longer on the broker (retention).");
    }
    println!(
        "{}'s offsets on {} now end at the migrated range; its consumers continue after it.",
        state.group, state.source_topic
    );
    println!(
        "Consume the backlog from {} ({} queues): run consumers on it with a group of their own, e.g.\n  rmq group create -g {}_TMP -c CLUSTER\nand subscribe them to {} (from the first offset). Check with: rmq backlog verify --state {}",
        state.target_topic,
        state.targets.len(),
        state.group,
        state.target_topic,
        path.display()
    );
    Ok(())
}

fn progress_bar(len: u64) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{bar:40}] {pos}/{len} msgs, {msg} ({per_sec}, eta {eta})",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

fn load(path: &Path) -> anyhow::Result<MigrationState> {
    Ok(MigrationState::load(path)?)
}

fn verify(args: StateArgs) -> anyhow::Result<()> {
    let state = load(&args.state)?;
    let client = Arc::new(args.client.client()?);
    let v = block_on(async {
        let v = backlog::verify(&client, &state, &MigrateOptions::default()).await;
        client.shutdown().await;
        v
    })??;
    if args.output == OutputFormat::Json {
        print_json(&serde_json::to_value(&v)?)?;
    } else {
        let mut t = table([
            "Broker",
            "Queue",
            "Range",
            "Source",
            "Target",
            "Duplicates",
            "Source sum",
            "Target sum",
            "OK",
        ]);
        for q in &v.queues {
            t.add_row(vec![
                q.broker_name.clone(),
                q.queue_id.to_string(),
                format!("{}..{}", q.start, q.end),
                q.source_count.to_string(),
                q.target_count.to_string(),
                q.duplicates.to_string(),
                q.source_checksum.clone(),
                q.target_checksum.clone(),
                if q.ok { "yes" } else { "NO" }.to_string(),
            ]);
        }
        println!("{t}");
        if v.outside_ranges > 0 {
            println!(
                "{} target messages claim to come from {} but lie outside the recorded ranges.",
                v.outside_ranges, v.source_topic
            );
        }
        if v.max_duplicates > v.duplicate_bound {
            println!(
                "warning: {} duplicates in one queue, more than the bound of {} (retried sends?)",
                v.max_duplicates, v.duplicate_bound
            );
        }
    }
    if !v.ok {
        bail!(
            "{} and {} differ (see above)",
            v.source_topic,
            v.target_topic
        );
    }
    if args.output != OutputFormat::Json {
        println!(
            "OK: every message of the ranges is in {} with its key and body.",
            v.target_topic
        );
    }
    Ok(())
}

fn status(args: StateArgs) -> anyhow::Result<()> {
    let state = load(&args.state)?;
    if args.output == OutputFormat::Json {
        let mut v = serde_json::to_value(&state)?;
        v["total"] = json!(state.total());
        v["forwarded"] = json!(state.forwarded());
        v["done"] = json!(state.done());
        return print_json(&v);
    }
    let mut t = table([
        "Broker",
        "Queue",
        "Start",
        "End",
        "Next",
        "Forwarded",
        "Done",
    ]);
    for q in &state.queues {
        t.add_row(vec![
            q.broker_name.clone(),
            q.queue_id.to_string(),
            q.start.to_string(),
            q.end.to_string(),
            q.next.to_string(),
            format!("{}/{}", q.forwarded(), q.total()),
            if q.done() { "yes" } else { "no" }.to_string(),
        ]);
    }
    println!("{t}");
    let total = state.total();
    println!(
        "{} (group {}) -> {} ({} queues): {} of {} messages forwarded ({:.1}%); started {}{}.",
        state.source_topic,
        state.group,
        state.target_topic,
        state.targets.len(),
        state.forwarded(),
        total,
        if total == 0 {
            100.0
        } else {
            state.forwarded() as f64 * 100.0 / total as f64
        },
        readable_local(state.started_ms),
        match (state.done(), state.finished_ms) {
            (true, Some(ms)) => format!(", finished {}; group offsets moved", readable_local(ms)),
            _ => format!(
                ", not finished: resume with rmq backlog migrate --state {}",
                args.state.display()
            ),
        }
    );
    Ok(())
}
