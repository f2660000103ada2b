//! `rmq dlq list|resend`: what a consumer group's dead-letter topic (`%DLQ%G`) holds, and
//! sending its messages back once, to their origin topic or another one (the DLQ page of
//! rocketmq-dashboard on the command line; its resend has a live consumer consume the message
//! directly, this one stores it again: see `client::dlq`).
//!
//! Reading the DLQ and building the messages to send are `rmq::client`'s
//! ([`MqClient::dead_letters`], [`DeadLetter::resend_message`]); this file parses flags, keeps
//! the record of what was re-sent (the "once") and renders.

use std::collections::HashSet;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _};
use clap::{ArgGroup, Args, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::common::{block_on, confirm, ClientArgs};
use super::offset::fmt_time;
use super::output::{self, OutputFormat};
use rmq::client::{DeadLetter, MqClient, Producer, ProducerOptions, QueueSelect};
use rmq::common::clock::now_ms;

#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// List the messages in a group's dead-letter topic (%DLQ%GROUP), on every broker.
    List(ListArgs),
    /// Send DLQ messages back (to their origin topic by default), each once.
    Resend(ResendArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Consumer group whose DLQ to read.
    #[arg(short = 'g', long)]
    pub group: String,
    /// At most this many messages.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// json: {"group", "topic", "exists", "messages": [{"msgId", "uniqKey", "originTopic",
    /// "originMessageId", "reconsumeTimes", "storeTimestamp", "bornTimestamp", "brokerName",
    /// "queueId", "queueOffset", "keys", "tags", "bodySize", "compressed", "properties"}],
    /// "warnings"}.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

const RESEND_AFTER_HELP: &str = "\
Each selected message is sent again with a producer (rocketmq-dashboard's resend instead has a \
live consumer of the group consume it directly; a stored message needs no consumer online and \
can be recorded): body, flag, tags, keys and user properties are kept; the properties of the retry and DLQ hops \
(RETRY_TOPIC, ORIGIN_MESSAGE_ID, REAL_TOPIC, REAL_QID, DELAY, ...) and transaction flags are \
dropped; the message gets a new client id (msgId). Sent to a %RETRY% topic it carries \
RETRY_TOPIC=<origin topic>, so consumers see it under its origin topic.

Once: every message sent is appended at once to the record file, one JSON line {group, \
dlqMsgId, dlqUniqKey, msgId, offsetMsgId, topic, brokerName, queueId, queueOffset, time}; a \
message whose dlqMsgId (the DLQ record's offset id) is in the record file is not sent again. The \
record file defaults to $XDG_STATE_HOME/rmq/dlq-resent/GROUP.jsonl (~/.local/state/... without \
XDG_STATE_HOME), so a re-run on the same machine skips what was sent; pass --record to keep it \
elsewhere (share it when resending from several machines).";

#[derive(Debug, Args)]
#[command(
    after_help = RESEND_AFTER_HELP,
    group(ArgGroup::new("which").required(true).args(["ids", "all"]))
)]
pub struct ResendArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Consumer group whose DLQ to resend from.
    #[arg(short = 'g', long)]
    pub group: String,
    /// A DLQ message: its offset id (msgId of `dlq list`) or client id (uniqKey); repeatable.
    #[arg(long = "id", value_name = "ID")]
    pub ids: Vec<String>,
    /// Every message of the DLQ.
    #[arg(long)]
    pub all: bool,
    /// Send to this topic instead of each message's origin (e.g. the group's %RETRY%GROUP).
    #[arg(long, value_name = "TOPIC")]
    pub to_topic: Option<String>,
    /// Only list what would be sent.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// The record of sent messages (JSON lines; read to skip what was sent, appended to).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// json: {"group", "topic", "recordFile", "dryRun", "sent": [record lines], "planned":
    /// [{"dlqMsgId", "topic", ...}] (dry run), "skipped": [dlqMsgId], "failed": [{"dlqMsgId",
    /// "error"}]}.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub fn run(cmd: DlqCommand) -> anyhow::Result<()> {
    match cmd {
        DlqCommand::List(a) => list(a),
        DlqCommand::Resend(a) => resend(a),
    }
}

/// Runs `f` with a shared client on a runtime, closing connections afterwards.
fn with_client<T>(
    args: &ClientArgs,
    f: impl AsyncFnOnce(Arc<MqClient>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let client = Arc::new(args.client()?);
    block_on(async {
        let result = f(client.clone()).await;
        client.shutdown().await;
        result
    })?
}

fn or_dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".into())
}

// ---------------------------------------------------------------------------------------------
// list

fn list(args: ListArgs) -> anyhow::Result<()> {
    let found = with_client(&args.client, async |client| {
        Ok(client.dead_letters(&args.group, args.limit).await?)
    })?;
    for w in &found.warnings {
        eprintln!("warning: {w}");
    }
    if args.output == OutputFormat::Json {
        return output::print_json(&serde_json::to_value(&found)?);
    }
    if !found.exists {
        println!(
            "{} does not exist: no message of group {} has gone to a dead-letter queue",
            found.topic, found.group
        );
        return Ok(());
    }
    if found.messages.is_empty() {
        println!("{} is empty", found.topic);
        return Ok(());
    }
    let mut t = output::table([
        "MsgId",
        "UniqKey",
        "Origin topic",
        "Origin msgId",
        "Reconsumed",
        "Stored",
        "Queue",
        "Keys",
        "Tags",
        "Body",
    ]);
    for m in &found.messages {
        t.add_row(vec![
            m.msg_id.clone(),
            or_dash(&m.uniq_key),
            or_dash(&m.origin_topic),
            or_dash(&m.origin_message_id),
            m.reconsume_times.to_string(),
            fmt_time(m.store_timestamp),
            format!("{}/{}@{}", m.broker_name, m.queue_id, m.queue_offset),
            or_dash(&m.keys),
            or_dash(&m.tags),
            format!(
                "{} B{}",
                m.body_size,
                if m.compressed { " (compressed)" } else { "" }
            ),
        ]);
    }
    println!("{t}");
    println!("{} message(s) in {}", found.messages.len(), found.topic);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// resend

/// One line of the record file: a DLQ message sent back.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Resent {
    group: String,
    /// Offset id of the DLQ record: what "once" is keyed on.
    dlq_msg_id: String,
    #[serde(default)]
    dlq_uniq_key: Option<String>,
    /// Client id of the new message.
    #[serde(default)]
    msg_id: Option<String>,
    #[serde(default)]
    offset_msg_id: Option<String>,
    topic: String,
    #[serde(default)]
    broker_name: Option<String>,
    #[serde(default)]
    queue_id: Option<i32>,
    #[serde(default)]
    queue_offset: Option<i64>,
    /// When it was sent (epoch ms).
    time: i64,
}

/// `$XDG_STATE_HOME/rmq/dlq-resent/GROUP.jsonl`, or under `~/.local/state`.
fn default_record(group: &str) -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/state"))
        })
        .context("neither XDG_STATE_HOME nor HOME is set: pass --record FILE")?;
    Ok(base
        .join("rmq/dlq-resent")
        .join(format!("{}.jsonl", group.replace('/', "_"))))
}

/// The DLQ ids the record file says were sent (none when it does not exist yet). A line that
/// is not a record (e.g. cut short by a crash) is reported and skipped.
fn already_sent(path: &Path) -> anyhow::Result<HashSet<String>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut sent = HashSet::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Resent>(&line) {
            Ok(r) => {
                sent.insert(r.dlq_msg_id.to_ascii_uppercase());
            }
            Err(e) => eprintln!(
                "warning: {}:{}: not a resend record ({e}); ignored",
                path.display(),
                n + 1
            ),
        }
    }
    Ok(sent)
}

/// Appends one record line and flushes it to disk before the next send.
fn append_record(path: &Path, record: &Resent) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let mut line = serde_json::to_vec(record)?;
    line.push(b'\n');
    f.write_all(&line)
        .and_then(|()| f.sync_data())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A count of sends on stderr when it is a terminal and there are enough to wait for (the
/// results are printed after it is cleared).
fn progress(len: u64) -> Option<indicatif::ProgressBar> {
    if len < 100 || !std::io::stderr().is_terminal() {
        return None;
    }
    let style = indicatif::ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} re-sent")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    Some(indicatif::ProgressBar::new(len).with_style(style))
}

fn resend(args: ResendArgs) -> anyhow::Result<()> {
    let record_path = match &args.record {
        Some(p) => p.clone(),
        None => default_record(&args.group)?,
    };
    let sent_before = already_sent(&record_path)?;
    with_client(&args.client, async |client| {
        let found = client.dead_letters(&args.group, None).await?;
        for w in &found.warnings {
            eprintln!("warning: {w}");
        }
        // The selection, in DLQ order; every --id must name a DLQ message.
        let selected: Vec<&DeadLetter> = if args.all {
            found.messages.iter().collect()
        } else {
            let missing: Vec<&str> = args
                .ids
                .iter()
                .filter(|id| !found.messages.iter().any(|m| m.is_named(id)))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                bail!("not in {}: {}", found.topic, missing.join(", "));
            }
            found
                .messages
                .iter()
                .filter(|m| args.ids.iter().any(|id| m.is_named(id)))
                .collect()
        };
        let (skipped, todo): (Vec<&DeadLetter>, Vec<&DeadLetter>) = selected
            .into_iter()
            .partition(|m| sent_before.contains(&m.msg_id.to_ascii_uppercase()));
        if !skipped.is_empty() {
            eprintln!(
                "{} message(s) already re-sent according to {}: skipped",
                skipped.len(),
                record_path.display()
            );
        }
        // Every target is known before anything is sent.
        let mut plan = Vec::with_capacity(todo.len());
        for m in &todo {
            let topic = m.target_topic(args.to_topic.as_deref())?;
            plan.push((*m, topic.to_string(), m.resend_message(topic)?));
        }
        let skipped_ids: Vec<&str> = skipped.iter().map(|m| m.msg_id.as_str()).collect();
        let doc = |sent: &[Resent], failed: &[serde_json::Value]| {
            json!({
                "group": args.group,
                "topic": found.topic,
                "recordFile": record_path.display().to_string(),
                "dryRun": args.dry_run,
                "planned": plan.iter().map(|(m, topic, _)| json!({
                    "dlqMsgId": m.msg_id,
                    "dlqUniqKey": m.uniq_key,
                    "topic": topic,
                    "keys": m.keys,
                    "tags": m.tags,
                })).collect::<Vec<_>>(),
                "sent": sent,
                "skipped": skipped_ids,
                "failed": failed,
            })
        };
        if plan.is_empty() {
            if args.output == OutputFormat::Json {
                return output::print_json(&doc(&[], &[]));
            }
            let why = if !found.exists {
                format!("{} does not exist", found.topic)
            } else if found.messages.is_empty() {
                format!("{} is empty", found.topic)
            } else {
                "every selected message was re-sent before".to_string()
            };
            println!("nothing to re-send: {why}");
            return Ok(());
        }
        if args.dry_run {
            if args.output == OutputFormat::Json {
                return output::print_json(&doc(&[], &[]));
            }
            let mut t = output::table(["DLQ msgId", "UniqKey", "To topic", "Keys", "Tags"]);
            for (m, topic, _) in &plan {
                t.add_row(vec![
                    m.msg_id.clone(),
                    or_dash(&m.uniq_key),
                    topic.clone(),
                    or_dash(&m.keys),
                    or_dash(&m.tags),
                ]);
            }
            println!("{t}");
            println!("dry run: {} message(s) would be re-sent", plan.len());
            return Ok(());
        }
        let mut targets: Vec<&str> = plan.iter().map(|(_, t, _)| t.as_str()).collect();
        targets.sort_unstable();
        targets.dedup();
        confirm(
            &format!(
                "Re-send {} message(s) of {} to {}?",
                plan.len(),
                found.topic,
                targets.join(", ")
            ),
            args.yes,
        )?;
        let producer = Producer::new(
            client.clone(),
            ProducerOptions {
                group: "rmq_tools_producer".into(),
                // A deleted origin topic is an error, not a new topic.
                auto_create: false,
                ..ProducerOptions::default()
            },
        );
        let (mut sent, mut failed) = (Vec::new(), Vec::new());
        let bar = progress(plan.len() as u64);
        for (m, topic, msg) in &plan {
            let s = producer.send(msg, QueueSelect::RoundRobin).await;
            if let Some(b) = &bar {
                b.inc(1);
            }
            match &s.result {
                Ok(outcome) => {
                    let q = s.queue();
                    let record = Resent {
                        group: args.group.clone(),
                        dlq_msg_id: m.msg_id.clone(),
                        dlq_uniq_key: m.uniq_key.clone(),
                        msg_id: s.msg_id.clone(),
                        offset_msg_id: outcome.as_ref().map(|o| o.offset_msg_id.clone()),
                        topic: topic.clone(),
                        broker_name: Some(q.broker_name.clone()),
                        queue_id: Some(q.queue_id),
                        queue_offset: outcome.as_ref().map(|o| o.queue_offset),
                        time: now_ms(),
                    };
                    append_record(&record_path, &record)?;
                    sent.push(record);
                }
                Err(e) => {
                    eprintln!("cannot re-send {} to {topic}: {}", m.msg_id, e.chain());
                    failed.push(json!({"dlqMsgId": m.msg_id, "error": e.chain()}));
                }
            }
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        if args.output == OutputFormat::Json {
            output::print_json(&doc(&sent, &failed))?;
        } else {
            let mut t = output::table(["DLQ msgId", "New msgId", "Topic", "Queue", "Sent"]);
            for r in &sent {
                t.add_row(vec![
                    r.dlq_msg_id.clone(),
                    or_dash(&r.msg_id),
                    r.topic.clone(),
                    format!(
                        "{}/{}@{}",
                        r.broker_name.as_deref().unwrap_or("-"),
                        r.queue_id.unwrap_or(-1),
                        r.queue_offset.unwrap_or(-1)
                    ),
                    fmt_time(r.time),
                ]);
            }
            println!("{t}");
            println!(
                "{} message(s) re-sent; recorded in {}",
                sent.len(),
                record_path.display()
            );
        }
        if !failed.is_empty() {
            bail!("{} message(s) could not be re-sent", failed.len());
        }
        Ok(())
    })
}
