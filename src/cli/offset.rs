//! `rmq offset reset`: moves a consumer group's committed offsets on one topic to the earliest
//! or latest message or to a point in time, shows the effect first with `--dry-run`, verifies
//! the result, and writes a rollback file that `--from-file` restores.
//!
//! With consumers online the broker is asked to push the reset to them
//! (INVOKE_BROKER_TO_RESET_OFFSET, as mqadmin resetOffsetByTime does); a broker answering "no
//! consumer online" gets the offsets written directly (UPDATE_CONSUMER_OFFSET per queue).
//!
//! This file also holds the point-in-time parsing (`--to`, `--from`) and the local time
//! formatting shared by the other client commands.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::{ArgAction, Args, Subcommand};
use serde_json::{json, Value};

use super::common::{block_on, confirm, ClientArgs};
use super::output::{print_json, table, OutputFormat};
use rmq::client::{MqClient, QueueReset};
pub use rmq::common::clock::now_ms;
use rmq::common::clock::{self, CivilTime};

#[derive(Debug, Subcommand)]
pub enum OffsetCommand {
    /// Move a group's committed offsets on a topic (earliest, latest or a time); restore a
    /// previous reset with --from-file.
    Reset(ResetArgs),
}

/// mqadmin's name, hidden: `rmq resetOffsetByTime -g G -t T -s TIME`.
#[derive(Debug, Subcommand)]
pub enum OffsetAlias {
    /// mqadmin resetOffsetByTime: `rmq offset reset` (online, through the broker, or offline).
    #[command(name = "resetOffsetByTime", hide = true)]
    ResetOffsetByTime(ResetArgs),
}

const RESET_AFTER_HELP: &str = "\
WHEN: earliest | latest | now | -DURATION (e.g. -2h, -30m: that long ago) | epoch milliseconds \
| RFC 3339 (2024-05-01T12:00:00Z, 2024-05-01T12:00:00+08:00; without a zone: local time) | \
mqadmin's yyyy-MM-dd#HH:mm:ss:SSS (local time).

Before changing anything the previous offsets are written to a rollback file (its path is \
printed); `rmq offset reset --from-file FILE` puts them back. Restoring writes offsets \
directly, so the group's consumers must be stopped first.";

#[derive(Debug, Args)]
#[command(after_help = RESET_AFTER_HELP)]
pub struct ResetArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Consumer group.
    #[arg(short = 'g', long, required_unless_present = "from_file")]
    pub group: Option<String>,
    /// Topic.
    #[arg(short = 't', long, required_unless_present = "from_file")]
    pub topic: Option<String>,
    /// Where to move the offsets (see below).
    #[arg(
        long,
        short_alias = 's',
        value_name = "WHEN",
        value_parser = parse_point,
        allow_hyphen_values = true,
        required_unless_present = "from_file",
        conflicts_with = "from_file"
    )]
    pub to: Option<Point>,
    /// Restore the offsets saved in a rollback file.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["group", "topic"])]
    pub from_file: Option<PathBuf>,
    /// Show per queue `current → target` and what would be replayed or skipped; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Where to write the previous offsets (default: ./rmq-offset-rollback-GROUP-TOPIC-TIME.json).
    #[arg(long, value_name = "PATH")]
    pub rollback_file: Option<PathBuf>,
    /// mqadmin's -f: with false, a queue only moves when the target is before its committed
    /// offset.
    #[arg(long, short_alias = 'f', hide = true, default_value_t = true, action = ArgAction::Set)]
    pub force: bool,
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub fn run(cmd: OffsetCommand) -> anyhow::Result<()> {
    match cmd {
        OffsetCommand::Reset(args) => reset(args),
    }
}

pub fn run_alias(alias: OffsetAlias) -> anyhow::Result<()> {
    match alias {
        OffsetAlias::ResetOffsetByTime(args) => reset(args),
    }
}

// ---------------------------------------------------------------------------------------------
// Points in time

/// Where `--to` / `--from` point: the library's reset point.
pub use rmq::client::ResetPoint as Point;

fn describe(point: Point) -> String {
    match point {
        Point::Earliest => "earliest".into(),
        Point::Latest => "latest".into(),
        Point::Time(ms) => format!("{} ({ms})", fmt_time(ms)),
    }
}

/// Parses `earliest`, `latest` or anything [`parse_time`] takes.
pub fn parse_point(s: &str) -> Result<Point, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "earliest" | "first" | "min" => Ok(Point::Earliest),
        "latest" | "last" | "max" => Ok(Point::Latest),
        _ => parse_time(s).map(Point::Time),
    }
}

/// Parses a point in time to epoch milliseconds: `now`, `-DURATION` (ago), epoch ms, RFC 3339
/// (zone optional: local time without one), `yyyy-MM-dd` (local midnight) or mqadmin's
/// `yyyy-MM-dd#HH:mm:ss:SSS` (local time).
pub fn parse_time(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(now_ms());
    }
    if let Some(ago) = s.strip_prefix('-') {
        let d = humantime::parse_duration(ago)
            .map_err(|e| format!("'{s}': not a duration ago like -2h or -30m ({e})"))?;
        return Ok(now_ms().saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)));
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<i64>()
            .map_err(|_| format!("'{s}': epoch milliseconds out of range"));
    }
    parse_datetime(s).ok_or_else(|| {
        format!(
            "'{s}': not a time; use earliest, latest, now, -2h, epoch milliseconds, \
             2024-05-01T12:00:00Z or 2024-05-01#12:00:00:000"
        )
    })
}

/// `yyyy-MM-dd HH:mm:ss.SSS` in the local time zone; `-` for 0 and negative (unknown) times.
pub fn fmt_time(ms: i64) -> String {
    if ms <= 0 {
        return "-".into();
    }
    clock::readable_local(ms)
}

/// Epoch milliseconds of a local civil time.
pub fn local_to_ms(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ms: i64) -> i64 {
    civil(y, mo, d, h, mi, s, ms).local_ms()
}

fn utc_ms(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ms: i64) -> i64 {
    civil(y, mo, d, h, mi, s, ms).utc_ms()
}

fn civil(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
) -> CivilTime {
    CivilTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        millis,
    }
}

fn days_in_month(y: i64, mo: i64) -> i64 {
    match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// `yyyy-MM-dd`, `yyyy-MM-dd[T ]HH:mm:ss[.fff][Z|±HH:MM]` or `yyyy-MM-dd#HH:mm:ss:SSS`.
fn parse_datetime(s: &str) -> Option<i64> {
    fn num(s: &str) -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    }
    let date = s.get(..10)?;
    let (y, mo, d) = (
        num(date.get(..4)?)?,
        num(date.get(5..7)?)?,
        num(date.get(8..10)?)?,
    );
    if date.as_bytes()[4] != b'-' || date.as_bytes()[7] != b'-' {
        return None;
    }
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(local_to_ms(y, mo, d, 0, 0, 0, 0));
    }
    let sep = rest.as_bytes()[0];
    // A non-ASCII separator is no separator (and must not be sliced through).
    let rest = rest.get(1..)?;
    let hms = rest.get(..8)?;
    let (h, mi, sec) = (
        num(hms.get(..2)?)?,
        num(hms.get(3..5)?)?,
        num(hms.get(6..8)?)?,
    );
    if hms.as_bytes()[2] != b':' || hms.as_bytes()[5] != b':' || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut tail = &rest[8..];
    if sep == b'#' {
        // mqadmin: yyyy-MM-dd#HH:mm:ss:SSS, local time.
        let millis = num(tail.strip_prefix(':')?).filter(|m| *m < 1000 && tail.len() == 4)?;
        return Some(local_to_ms(y, mo, d, h, mi, sec, millis));
    }
    if !matches!(sep, b'T' | b't' | b' ') {
        return None;
    }
    let mut millis = 0;
    if let Some(frac) = tail.strip_prefix('.').or_else(|| tail.strip_prefix(',')) {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<3}", &frac[..digits.min(3)]);
        millis = num(&padded)?;
        tail = &frac[digits..];
    }
    let offset_min = match tail {
        "" => return Some(local_to_ms(y, mo, d, h, mi, sec, millis)),
        "Z" | "z" => 0,
        _ => {
            let sign = match tail.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let zone = tail[1..].replace(':', "");
            if zone.len() != 4 {
                return None;
            }
            let (zh, zm) = (num(zone.get(..2)?)?, num(zone.get(2..)?)?);
            if zh > 23 || zm > 59 {
                return None;
            }
            sign * (zh * 60 + zm)
        }
    };
    Some(utc_ms(y, mo, d, h, mi, sec, millis) - offset_min * 60_000)
}

// ---------------------------------------------------------------------------------------------
// The plan: what each queue's offset is and where it goes

/// One queue of the reset (the library's plan).
type QueuePlan = QueueReset;

/// The change a queue's plan makes, in words.
fn change_text(p: &QueuePlan) -> String {
    match (p.current, p.target) {
        (_, None) => "kept (no saved offset)".into(),
        (None, Some(_)) => "set (no committed offset)".into(),
        (Some(c), Some(t)) if t < c => format!("replay {}", c - t),
        (Some(c), Some(t)) if t > c => format!("skip {}", t - c),
        _ => "unchanged".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Rollback files

const ROLLBACK_KIND: &str = "rmq-offset-rollback";

fn rollback_document(group: &str, topic: &str, reason: &str, plans: &[QueuePlan]) -> Value {
    let created = now_ms();
    json!({
        "kind": ROLLBACK_KIND,
        "version": 1,
        "group": group,
        "topic": topic,
        "createdAt": created,
        "createdAtText": fmt_time(created),
        "reason": reason,
        "queues": plans.iter().map(|p| json!({
            "brokerName": p.queue.broker_name,
            "brokerAddr": p.queue.broker_addr,
            "queueId": p.queue.queue_id,
            "offset": p.current,
        })).collect::<Vec<_>>(),
    })
}

/// Writes the rollback file, refusing to overwrite one (it may be the only record of older
/// offsets).
fn write_rollback(path: &Path, doc: &Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(doc)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| {
            format!(
                "cannot create rollback file {} (choose another with --rollback-file)",
                path.display()
            )
        })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write rollback file {}", path.display()))
}

fn default_rollback_path(group: &str, topic: &str) -> PathBuf {
    // Names may hold `%` (retry topics) and `|`: keep file names plain.
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    PathBuf::from(format!(
        "rmq-offset-rollback-{}-{}-{}.json",
        clean(group),
        clean(topic),
        clock::compact_local(now_ms())
    ))
}

/// A saved queue offset of a rollback file.
struct SavedOffset {
    broker_name: String,
    broker_addr: String,
    queue_id: i32,
    offset: Option<i64>,
}

fn read_rollback(path: &Path) -> anyhow::Result<(String, String, Vec<SavedOffset>)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read rollback file {}", path.display()))?;
    let doc: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if doc["kind"] != ROLLBACK_KIND {
        bail!(
            "{} is not an rmq offset rollback file (no \"kind\": \"{ROLLBACK_KIND}\")",
            path.display()
        );
    }
    let field = |name: &str| -> anyhow::Result<String> {
        doc[name]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .with_context(|| format!("{}: missing \"{name}\"", path.display()))
    };
    let (group, topic) = (field("group")?, field("topic")?);
    let Some(queues) = doc["queues"].as_array() else {
        bail!("{}: missing \"queues\"", path.display());
    };
    let mut saved = Vec::with_capacity(queues.len());
    for (i, q) in queues.iter().enumerate() {
        let bad = || format!("{}: queue entry {i} is malformed", path.display());
        saved.push(SavedOffset {
            broker_name: q["brokerName"].as_str().with_context(bad)?.to_string(),
            broker_addr: q["brokerAddr"].as_str().unwrap_or_default().to_string(),
            queue_id: q["queueId"]
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .with_context(bad)?,
            offset: match &q["offset"] {
                Value::Null => None,
                v => Some(v.as_i64().with_context(bad)?),
            },
        });
    }
    Ok((group, topic, saved))
}

// ---------------------------------------------------------------------------------------------
// The command

fn reset(args: ResetArgs) -> anyhow::Result<()> {
    let client = args.client.client()?;
    block_on(async {
        let result = match &args.from_file {
            Some(file) => restore(&client, &args, file).await,
            None => reset_to(&client, &args).await,
        };
        client.shutdown().await;
        result
    })?
}

async fn reset_to(client: &MqClient, args: &ResetArgs) -> anyhow::Result<()> {
    // clap guarantees these without --from-file.
    let (Some(group), Some(topic), Some(point)) =
        (args.group.as_deref(), args.topic.as_deref(), args.to)
    else {
        bail!("pass -g GROUP -t TOPIC --to WHEN, or --from-file FILE");
    };
    let mut plans = client.reset_state(group, topic).await?;
    client
        .reset_targets(topic, point, args.force, &mut plans)
        .await?;
    let report = Report {
        group,
        topic,
        to: describe(point),
        timestamp: match point {
            Point::Time(ms) => Some(ms),
            _ => None,
        },
        dry_run: args.dry_run,
        rollback_file: None,
        notes: Vec::new(),
    };
    if args.dry_run {
        return report.print(&plans, args.output);
    }
    let (replay, skip) = totals(&plans);
    confirm(
        &format!(
            "Reset group {group} on topic {topic} to {} ({} queues: {replay} messages replayed, \
             {skip} skipped)",
            report.to,
            plans.len()
        ),
        args.yes,
    )?;
    let path = args
        .rollback_file
        .clone()
        .unwrap_or_else(|| default_rollback_path(group, topic));
    // Written before anything changes, so a reset that fails half way can still be undone.
    write_rollback(
        &path,
        &rollback_document(group, topic, &format!("reset to {}", report.to), &plans),
    )?;
    let mut report = Report {
        rollback_file: Some(path),
        ..report
    };

    // One broker at a time: it pushes the reset to online consumers; offsets are written
    // directly where none is online.
    let notes = client
        .apply_reset(group, topic, point, args.force, &mut plans)
        .await
        .context("the reset stopped part way: undo what changed with --from-file")?;
    report.notes.extend(notes);
    client
        .read_back_reset(group, topic, &mut plans, READ_BACK_WAIT)
        .await;
    finish(report, &plans, args.output)
}

async fn restore(client: &MqClient, args: &ResetArgs, file: &Path) -> anyhow::Result<()> {
    let (group, topic, saved) = read_rollback(file)?;
    let mut plans = client.reset_state(&group, &topic).await?;
    for s in &saved {
        match plans
            .iter_mut()
            .find(|p| p.queue.broker_name == s.broker_name && p.queue.queue_id == s.queue_id)
        {
            Some(p) => p.target = s.offset,
            None => bail!(
                "queue {} of broker {} ({}) in {} is not in the route of {topic} any more",
                s.queue_id,
                s.broker_name,
                s.broker_addr,
                file.display()
            ),
        }
    }
    // Queues absent from the file keep their offsets.
    let mut report = Report {
        group: &group,
        topic: &topic,
        to: format!("the offsets saved in {}", file.display()),
        timestamp: None,
        dry_run: args.dry_run,
        rollback_file: None,
        notes: Vec::new(),
    };
    if args.dry_run {
        return report.print(&plans, args.output);
    }
    // Offsets are written directly: online consumers would overwrite them with their own.
    let mut brokers: Vec<(&str, &str)> = plans
        .iter()
        .map(|p| (p.queue.broker_name.as_str(), p.queue.broker_addr.as_str()))
        .collect();
    brokers.dedup();
    for (name, addr) in brokers {
        if let Some(conn) = client
            .consumer_connection(addr, &group)
            .await
            .with_context(|| format!("cannot list the consumers of {group} on {name} ({addr})"))?
        {
            let ids: Vec<&str> = conn
                .connection_set
                .iter()
                .map(|c| c.client_id.as_str())
                .collect();
            bail!(
                "group {group} has consumers online on {name} ({}); they would overwrite restored \
                 offsets: stop them and run this again",
                ids.join(", ")
            );
        }
    }
    let (replay, skip) = totals(&plans);
    confirm(
        &format!(
            "Restore the offsets of group {group} on topic {topic} from {} ({replay} messages \
             replayed, {skip} skipped)",
            file.display()
        ),
        args.yes,
    )?;
    let path = args
        .rollback_file
        .clone()
        .unwrap_or_else(|| default_rollback_path(&group, &topic));
    write_rollback(
        &path,
        &rollback_document(
            &group,
            &topic,
            &format!("restore from {}", file.display()),
            &plans,
        ),
    )?;
    report.rollback_file = Some(path);
    for p in plans.iter_mut() {
        let Some(target) = p.target else { continue };
        client
            .update_consumer_offset(
                &p.queue.broker_addr,
                &group,
                &topic,
                p.queue.queue_id,
                target,
            )
            .await
            .with_context(|| {
                format!(
                    "cannot write the offset of queue {} on {} ({})",
                    p.queue.queue_id, p.queue.broker_name, p.queue.broker_addr
                )
            })?;
        p.mode = Some("offline");
    }
    client
        .read_back_reset(&group, &topic, &mut plans, READ_BACK_WAIT)
        .await;
    finish(report, &plans, args.output)
}

/// How long online consumers get to commit a pushed reset before it is read back.
const READ_BACK_WAIT: Duration = Duration::from_secs(6);

/// Prints the result; an offset that did not read back as written is an error.
fn finish(mut report: Report<'_>, plans: &[QueuePlan], output: OutputFormat) -> anyhow::Result<()> {
    if plans.iter().any(|p| p.mode == Some("online")) {
        // Java's MQClientInstance.resetOffset drops its queues, sleeps 10 s, then continues
        // from the pushed offsets; its periodic persist may write the old ones meanwhile.
        report.notes.push(
            "online Java consumers switch to the new offsets about 10 s after the push; until \
             then 'rmq group describe' may show their old offsets"
                .into(),
        );
    }
    let failed: Vec<&QueuePlan> = plans
        .iter()
        .filter(|p| p.verified() == Some(false))
        .collect();
    let online_only = failed.iter().all(|p| p.mode == Some("online"));
    if !failed.is_empty() && online_only {
        report.notes.push(format!(
            "{} queue(s) do not show the new offset yet: the online consumers commit it on their \
             next offset persist (usually within 5 s); check with 'rmq group describe -g {}'",
            failed.len(),
            report.group
        ));
    }
    report.print(plans, output)?;
    if !failed.is_empty() && !online_only {
        bail!(
            "{} queue(s) read back a different offset than was written; the previous offsets \
             are in the rollback file",
            failed.len()
        );
    }
    Ok(())
}

fn totals(plans: &[QueuePlan]) -> (i64, i64) {
    plans.iter().fold((0, 0), |(r, s), p| {
        let (pr, ps) = p.replay_skip();
        (r + pr, s + ps)
    })
}

struct Report<'a> {
    group: &'a str,
    topic: &'a str,
    to: String,
    timestamp: Option<i64>,
    dry_run: bool,
    rollback_file: Option<PathBuf>,
    notes: Vec<String>,
}

impl Report<'_> {
    fn print(&self, plans: &[QueuePlan], output: OutputFormat) -> anyhow::Result<()> {
        let (replay, skip) = totals(plans);
        let mut modes: Vec<&str> = plans.iter().filter_map(|p| p.mode).collect();
        modes.sort_unstable();
        modes.dedup();
        let mode = match modes.as_slice() {
            [] => None,
            [one] => Some(*one),
            _ => Some("mixed"),
        };
        let rollback = self.rollback_file.as_ref().map(|p| p.display().to_string());
        match output {
            OutputFormat::Json => print_json(&json!({
                "group": self.group,
                "topic": self.topic,
                "to": self.to,
                "timestamp": self.timestamp,
                "dryRun": self.dry_run,
                "mode": mode,
                "queues": plans.iter().map(|p| {
                    let (r, s) = p.replay_skip();
                    json!({
                        "brokerName": p.queue.broker_name,
                        "brokerAddr": p.queue.broker_addr,
                        "queueId": p.queue.queue_id,
                        "minOffset": p.min,
                        "maxOffset": p.max,
                        "currentOffset": p.current,
                        "targetOffset": p.target,
                        "replay": r,
                        "skip": s,
                        "mode": p.mode,
                        "readBackOffset": p.read_back,
                        "verified": p.verified(),
                    })
                }).collect::<Vec<_>>(),
                "totals": {"queues": plans.len(), "replay": replay, "skip": skip},
                "rollbackFile": rollback,
                "notes": self.notes,
            })),
            OutputFormat::Table => {
                let done = plans.iter().any(|p| p.mode.is_some());
                let mut header = vec![
                    "Broker",
                    "Queue",
                    "Min",
                    "Max",
                    "Current → Target",
                    "Change",
                ];
                if done {
                    header.extend(["Mode", "Verified"]);
                }
                let mut t = table(header);
                for p in plans {
                    let opt = |o: Option<i64>| o.map_or("-".to_string(), |v| v.to_string());
                    let mut row = vec![
                        p.queue.broker_name.clone(),
                        p.queue.queue_id.to_string(),
                        p.min.to_string(),
                        p.max.to_string(),
                        format!("{} → {}", opt(p.current), opt(p.target)),
                        change_text(p),
                    ];
                    if done {
                        row.push(p.mode.unwrap_or("-").to_string());
                        row.push(match p.verified() {
                            Some(true) => "yes".into(),
                            Some(false) => format!("no (reads {})", opt(p.read_back)),
                            None => "-".into(),
                        });
                    }
                    t.add_row(row);
                }
                println!(
                    "Group {}, topic {}: reset to {}{}",
                    self.group,
                    self.topic,
                    self.to,
                    if self.dry_run {
                        " (dry run: nothing changed)"
                    } else {
                        ""
                    }
                );
                println!("{t}");
                println!(
                    "Total: {} queue(s), {replay} message(s) to replay, {skip} to skip",
                    plans.len()
                );
                if let Some(mode) = mode {
                    println!(
                        "Mode: {}",
                        match mode {
                            "online" => "online (the broker pushed the reset to the consumers)",
                            "offline" => "offline (offsets written directly)",
                            _ => "mixed (online on some brokers, written directly on others)",
                        }
                    );
                }
                for note in &self.notes {
                    println!("Note: {note}");
                }
                if let Some(path) = &rollback {
                    println!(
                        "Rollback file: {path} (undo with: rmq offset reset --from-file {path})"
                    );
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn time_parsing_never_panics(s in "\\PC{0,40}", t in "[0-9#T:. +Z-]{0,32}") {
            let _ = parse_point(&s);
            let _ = parse_time(&t);
            let _ = parse_time(&format!("2024-01-01{t}"));
        }
    }

    #[test]
    fn parses_points_in_time() {
        assert_eq!(parse_point("earliest"), Ok(Point::Earliest));
        assert_eq!(parse_point("LATEST"), Ok(Point::Latest));
        assert_eq!(
            parse_point("1700000000000"),
            Ok(Point::Time(1_700_000_000_000))
        );
        assert_eq!(
            parse_time("2023-11-14T22:13:20Z"),
            Ok(1_700_000_000_000),
            "RFC 3339 UTC"
        );
        assert_eq!(
            parse_time("2023-11-15T06:13:20.5+08:00"),
            Ok(1_700_000_000_500)
        );
        let ago = parse_time("-2h").unwrap();
        assert!((now_ms() - 7_200_000 - ago).abs() < 5_000);
        // Local forms round-trip through the local formatter.
        let local = parse_time("2024-02-29#13:14:15:016").unwrap();
        assert_eq!(fmt_time(local), "2024-02-29 13:14:15.016");
        assert_eq!(parse_time("2024-02-29 13:14:15.016"), Ok(local));
        for bad in [
            "2024-02-30T00:00:00Z",
            "yesterday",
            "2024-01-01T25:00:00Z",
            "-",
            "2024-01-01#1",
            "2024-01-01T00:00:00+a€",
            "2024-01-01T00:00:00+é1",
            "2024-01-01é00:00:00",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }
}
