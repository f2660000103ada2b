//! `rmq store dump|verify|stats`: offline tools over a store directory. Flags are parsed here,
//! the work is done by [`rmq::store::inspect`], and the results are rendered as tables or
//! JSON.
//!
//! Record-sized output (CommitLog records, ConsumeQueue entries, index slots and entries) is
//! streamed with the writers of [`super::output`]: tables are fixed-width text written row by
//! row, `-o json` writes its array incrementally and `-o ndjson` writes one object per line, all
//! through one buffered, locked stdout. Summaries (verify, stats, checkpoint, config) are small
//! and use comfy-table.

use std::fmt::{self, Display, Write as _};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand, ValueEnum};
use comfy_table::Table;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::common::confirm as common_confirm;
use super::output::{
    self, by_number, cell, col, json_line, member_table, num, progress_bar, stdout,
    with_scan_progress, JsonSink, Out, Rows, StreamTable,
};
use rmq::common::message::{self, RecordView, MAGIC_V2};
use rmq::config::MessageStoreConfig;
use rmq::protocol::fastjson;
use rmq::protocol::perm::perm_to_string;
use rmq::store::index::IndexFile;
use rmq::store::inspect::{
    body_to_show, commitlog_dir_beside, config_shape, detect_kind, find_key, index_entries,
    index_files_in, open_index_file, read_checkpoint, record_has_key, resolve_path, store_stats,
    used_slots, verify_store, BodyEncoding, BodyState, BodyText, CommitLogReader, CommitLogScanner,
    ConfigShape, ConsumeQueueFiles, IndexEntryAt, IndexGeometry, MessageExtJson, OffsetMsgId,
    ScanItem, StoreFileKind, StoreLayout, MAX_REPORTED_PROBLEMS,
};
use rmq::store::inspect::{Area, Problem, Unit, VerifyReport};

/// `-o` of the store tools.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum StoreOutput {
    /// Tables for people (record dumps: one fixed-width line per record).
    #[default]
    Table,
    /// One JSON document: an array of records, or an object for summaries.
    Json,
    /// One JSON object per line (summaries: the document on one line).
    Ndjson,
}

impl StoreOutput {
    /// Streamed rows in this format; `table` makes the table.
    fn rows(self, out: &mut Out, table: impl FnOnce() -> StreamTable) -> io::Result<Rows> {
        match self {
            StoreOutput::Table => Rows::table(out, table()),
            json => Rows::json(out, json == StoreOutput::Ndjson),
        }
    }
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
    /// Store root (storePathRootDir); relative dump paths are taken from it. Default: the root
    /// of -c, else $HOME/store (relative dump paths: the current directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Broker .properties file: store paths and file sizes (mappedFileSizeCommitLog,
    /// mappedFileSizeConsumeQueue, maxHashSlotNum, maxIndexNum). Without it sizes are taken
    /// from the files.
    #[arg(short = 'c', long = "config", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(short, long, value_enum, global = true, default_value_t)]
    pub output: StoreOutput,
}

const STORE_AFTER_HELP: &str = "\
dump, verify and stats open files read-only and never take the store lock: they may run against \
the store of a running broker (a record being written at that moment can show up as torn). \
truncate changes the store and takes its lock: the broker must be stopped.";

#[derive(Debug, Subcommand)]
#[command(after_help = STORE_AFTER_HELP)]
pub enum StoreCommand {
    /// Print the contents of store files: `dump <kind> [PATH]`, or `dump PATH` with the kind
    /// told from the path (e.g. `dump commitlog/00000000000000000000`).
    Dump(Box<DumpArgs>),
    /// Check every record's CRC, every ConsumeQueue entry against its CommitLog record, the
    /// index files, file sizes and truncation points. Exit 1 naming the first problem.
    Verify(VerifyArgs),
    /// Message counts, bytes, offsets and store times per topic and queue (from the CommitLog).
    Stats,
    /// Cut the CommitLog at a record boundary (broker stopped): later CommitLog data,
    /// ConsumeQueue and index entries go, consumer and delay offsets past the new queue ends
    /// are clamped. For an old master that wrote further than its slave and must rejoin as a
    /// slave. What is removed is listed first in the --removed file.
    Truncate(TruncateArgs),
}

#[derive(Debug, Args)]
pub struct TruncateArgs {
    /// The physical offset to cut at: the start of a record, or the end of the data.
    #[arg(long = "to", value_name = "OFFSET")]
    pub to: i64,
    /// Where the removed messages are listed (JSON lines). Default:
    /// <store>/truncated-<yyyyMMddHHmmssSSS>.jsonl.
    #[arg(long, value_name = "FILE")]
    pub removed: Option<PathBuf>,
    /// Show what would be removed and change nothing (the removed list is written only when
    /// --removed is given).
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DumpArgs {
    #[command(subcommand)]
    pub kind: Option<DumpKind>,
    /// A store file or directory; its kind is told from its path.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub opts: DumpOpts,
}

#[derive(Debug, Subcommand)]
pub enum DumpKind {
    /// CommitLog records: one file, or the commitlog directory (default: the store's).
    Commitlog(DumpTarget),
    /// ConsumeQueue entries: a file, a queue or topic directory, or --topic [--queue].
    Consumequeue(DumpTarget),
    /// An index file's header, used slots and entries; a directory's headers; --key lookups.
    Index(DumpTarget),
    /// The checkpoint file (default: the store's).
    Checkpoint(DumpTarget),
    /// A config JSON file: topics.json, consumerOffset.json, subscriptionGroup.json,
    /// delayOffset.json (fastjson's bare keys accepted), as standard JSON or a table.
    Config(DumpTarget),
}

#[derive(Debug, Args)]
pub struct DumpTarget {
    /// The file or directory (relative: to --store when given).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub opts: DumpOpts,
}

impl DumpTarget {
    fn resolved(&self, ctx: &Ctx) -> Option<PathBuf> {
        self.path.as_deref().map(|p| ctx.resolve(p))
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum BodyArg {
    None,
    #[default]
    Utf8,
    Hex,
    Base64,
}

impl From<BodyArg> for BodyEncoding {
    fn from(b: BodyArg) -> BodyEncoding {
        match b {
            BodyArg::None => BodyEncoding::None,
            BodyArg::Utf8 => BodyEncoding::Utf8,
            BodyArg::Hex => BodyEncoding::Hex,
            BodyArg::Base64 => BodyEncoding::Base64,
        }
    }
}

#[derive(Clone, Debug, Default, Args)]
pub struct DumpOpts {
    /// Message bodies (commitlog, index --key): zlib bodies are shown decompressed. Tables cut
    /// them to the terminal; JSON keeps them whole.
    #[arg(long, value_enum, default_value_t)]
    pub body: BodyArg,
    /// First CommitLog offset (commitlog) or queue offset (consumequeue) to show.
    #[arg(long, value_name = "OFFSET")]
    pub from_offset: Option<i64>,
    /// Show only offsets below this one.
    #[arg(long, value_name = "OFFSET")]
    pub to_offset: Option<i64>,
    /// Only this topic (commitlog); the queue's topic (consumequeue); the key's topic (index).
    #[arg(long)]
    pub topic: Option<String>,
    /// Only this queue id (commitlog); the queue to dump (consumequeue).
    #[arg(long, value_name = "ID")]
    pub queue: Option<i32>,
    /// Stop after this many rows.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Index lookup of a message key or UNIQ_KEY (with --topic).
    #[arg(long)]
    pub key: Option<String>,
    /// Index geometry when neither -c nor the file size tells it.
    #[arg(long, value_name = "N", requires = "max_index_num")]
    pub max_hash_slot_num: Option<i32>,
    #[arg(long, value_name = "N", requires = "max_hash_slot_num")]
    pub max_index_num: Option<i32>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Problems listed in the table (JSON lists up to 1000).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_problems: usize,
}

/// Where the store is, from --store and -c.
struct Ctx {
    layout: StoreLayout,
    /// The root relative dump paths are taken from, when one was given.
    base: Option<PathBuf>,
    output: StoreOutput,
}

impl Ctx {
    fn new(args: &StoreArgs) -> anyhow::Result<Ctx> {
        let mut layout = match &args.config {
            Some(file) => {
                let (_, store, warnings) = rmq::config::load_broker_file(file)?;
                for w in warnings {
                    tracing::info!("{}: {w}", file.display());
                }
                StoreLayout::from_config(&store)
            }
            None => StoreLayout::at(MessageStoreConfig::default().store_path_root_dir),
        };
        if let Some(root) = &args.store {
            layout = StoreLayout {
                sizes: layout.sizes,
                ..StoreLayout::at(root)
            };
        }
        let base = (args.store.is_some() || args.config.is_some()).then(|| layout.root.clone());
        Ok(Ctx {
            layout,
            base,
            output: args.output,
        })
    }

    fn resolve(&self, path: &Path) -> PathBuf {
        resolve_path(path, self.base.as_deref())
    }

    /// Prints a summary document for `-o json` or `-o ndjson`.
    fn print_document<T: Serialize + ?Sized>(&self, doc: &T) -> anyhow::Result<()> {
        output::print_document(doc, self.output == StoreOutput::Ndjson)
    }
}

pub fn run(args: StoreArgs) -> anyhow::Result<()> {
    let ctx = Ctx::new(&args)?;
    output::ignore_closed_pipe(match args.command {
        StoreCommand::Dump(d) => dump(&ctx, *d),
        StoreCommand::Verify(v) => verify(&ctx, &v),
        StoreCommand::Stats => stats(&ctx),
        StoreCommand::Truncate(t) => truncate(&ctx, &t),
    })
}

// ---------------------------------------------------------------------------------------------
// Formatting

/// `yyyy-MM-dd HH:mm:ss.SSS` in local time (as Java tools show it), `-` for 0.
fn human_time(millis: i64) -> String {
    if millis <= 0 {
        return "-".into();
    }
    rmq::common::clock::readable_local(millis)
}

/// Properties as `name=value` pairs separated by `;`.
struct PropsText<'a>(&'a str);

impl Display for PropsText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in message::properties(self.0).enumerate() {
            if i > 0 {
                f.write_char(';')?;
            }
            write!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

/// Refuses options that do not apply to a dump kind, rather than silently ignoring them.
fn only(o: &DumpOpts, kind: &str, allowed: &[&str]) -> anyhow::Result<()> {
    let given = [
        ("body", o.body != BodyArg::Utf8),
        ("from-offset", o.from_offset.is_some()),
        ("to-offset", o.to_offset.is_some()),
        ("topic", o.topic.is_some()),
        ("queue", o.queue.is_some()),
        ("limit", o.limit.is_some()),
        ("key", o.key.is_some()),
        ("max-hash-slot-num", o.max_hash_slot_num.is_some()),
        ("max-index-num", o.max_index_num.is_some()),
    ];
    for (name, set) in given {
        if set && !allowed.contains(&name) {
            bail!("--{name} does not apply to {kind} dumps");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// dump

fn dump(ctx: &Ctx, args: DumpArgs) -> anyhow::Result<()> {
    let (kind, path, opts) = match args.kind {
        Some(DumpKind::Commitlog(t)) => (StoreFileKind::CommitLog, t.resolved(ctx), t.opts),
        Some(DumpKind::Consumequeue(t)) => (StoreFileKind::ConsumeQueue, t.resolved(ctx), t.opts),
        Some(DumpKind::Index(t)) => (StoreFileKind::Index, t.resolved(ctx), t.opts),
        Some(DumpKind::Checkpoint(t)) => (StoreFileKind::Checkpoint, t.resolved(ctx), t.opts),
        Some(DumpKind::Config(t)) => (StoreFileKind::Config, t.resolved(ctx), t.opts),
        None => {
            let Some(path) = args.path else {
                bail!(
                    "name a store file or directory, or a kind: rmq store dump \
                     <commitlog|consumequeue|index|checkpoint|config> [PATH]"
                );
            };
            let path = ctx.resolve(&path);
            (detect_kind(&path)?, Some(path), args.opts)
        }
    };
    let layout = &ctx.layout;
    match kind {
        StoreFileKind::CommitLog => {
            only(
                &opts,
                "commitlog",
                &[
                    "body",
                    "from-offset",
                    "to-offset",
                    "topic",
                    "queue",
                    "limit",
                ],
            )?;
            dump_commitlog(ctx, path.as_deref().unwrap_or(&layout.commitlog_dir), &opts)
        }
        StoreFileKind::ConsumeQueue => {
            only(
                &opts,
                "consumequeue",
                &["from-offset", "to-offset", "topic", "queue", "limit"],
            )?;
            dump_consumequeue(ctx, path.as_deref(), &opts)
        }
        StoreFileKind::Index => {
            only(
                &opts,
                "index",
                &[
                    "body",
                    "topic",
                    "limit",
                    "key",
                    "max-hash-slot-num",
                    "max-index-num",
                ],
            )?;
            dump_index(ctx, path.as_deref().unwrap_or(&layout.index_dir), &opts)
        }
        StoreFileKind::Checkpoint => {
            only(&opts, "checkpoint", &[])?;
            dump_checkpoint(ctx, path.as_deref().unwrap_or(&layout.checkpoint_file))
        }
        StoreFileKind::Config => {
            only(&opts, "config", &[])?;
            let Some(path) = path else {
                bail!(
                    "name the config file, e.g. config/topics.json (in {})",
                    layout.config_dir.display()
                );
            };
            dump_config(ctx, &path)
        }
    }
}

fn dump_commitlog(ctx: &Ctx, path: &Path, o: &DumpOpts) -> anyhow::Result<()> {
    let scanner = CommitLogScanner::open(path)?;
    let from = o.from_offset.unwrap_or(i64::MIN);
    let to = o.to_offset.unwrap_or(i64::MAX);
    let limit = o.limit.unwrap_or(u64::MAX);
    let encoding = BodyEncoding::from(o.body);
    let bar = progress_bar(true);
    if let Some(bar) = &bar {
        bar.set_length(scanner.total_bytes());
    }
    let mut out = stdout();
    let mut scratch = Vec::new();
    let mut rows = ctx.output.rows(&mut out, || {
        let offset_width = scanner.file_end().max(1).to_string().len();
        let mut cols = vec![
            num("OFFSET", offset_width),
            num("SIZE", 6),
            col("MAGIC", 2),
            col("CRC", 3),
            col("TOPIC", 24),
            num("QID", 3),
            num("QOFFSET", 8),
            col("SYSFLAG", 5),
            col("BORN TIME", 23),
            col("STORE TIME", 23),
            col("BORN HOST", 21),
            col("STORE HOST", 21),
            col("PROPERTIES", 40),
        ];
        if encoding != BodyEncoding::None {
            cols.push(col("BODY", 16));
            StreamTable::fitted(cols)
        } else {
            StreamTable::new(cols)
        }
    })?;
    let mut shown = 0u64;
    let mut done = 0u64;
    let mut seen = 0u64;
    'files: for file in scanner.mapped_files(from) {
        let file = file?;
        if shown >= limit || file.info().base_offset >= to {
            break;
        }
        let base = file.info().base_offset;
        // Start at --from-offset itself when it lies in this file: records before it are not
        // shown, and a damaged record before it must not hide the intact ones after it.
        let records = if from > base
            && from < file.info().end_offset()
            && rmq::store::salvage::claims_record_at(file.bytes(), base, (from - base) as usize)
        {
            file.records_from((from - base) as usize)
        } else {
            file.records()
        };
        for item in records {
            seen += 1;
            if seen.is_multiple_of(16384) {
                if let (Some(bar), ScanItem::Message { offset, .. }) = (&bar, &item) {
                    bar.set_position(done + (offset - base) as u64);
                }
            }
            let (offset, record) = match item {
                ScanItem::Message { offset, record } => (offset, record),
                ScanItem::Corrupt { offset, error } => {
                    eprintln!(
                        "warning: commitlog offset {offset}: invalid record ({error}); skipping \
                         the rest of {}",
                        file.info().path.display()
                    );
                    break;
                }
                ScanItem::Blank { .. } | ScanItem::End { .. } => break,
            };
            if offset >= to {
                break 'files;
            }
            if offset < from
                || o.topic
                    .as_ref()
                    .is_some_and(|t| t.as_bytes() != record.topic_bytes)
                || o.queue.is_some_and(|q| q != record.queue_id)
            {
                continue;
            }
            if shown >= limit {
                break 'files;
            }
            shown += 1;
            let (body, state) = body_to_show(&record, encoding, &mut scratch);
            match &mut rows {
                Rows::Json(sink) => {
                    let json = MessageExtJson {
                        record: &record,
                        body,
                        body_state: &state,
                        encoding,
                    };
                    sink.item(&mut out, &json)?;
                }
                Rows::Table(t) => {
                    commitlog_row(t, &mut out, offset, &record, body, &state, encoding)?
                }
            }
        }
        done += file.info().len;
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    }
    rows.finish(&mut out)?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(())
}

/// One CommitLog record as a table row.
fn commitlog_row(
    t: &mut StreamTable,
    out: &mut Out,
    offset: i64,
    record: &RecordView<'_>,
    body: &[u8],
    state: &BodyState,
    encoding: BodyEncoding,
) -> io::Result<()> {
    let magic = if record.magic == MAGIC_V2 { "v2" } else { "v1" };
    let crc = if record.crc_ok() { "ok" } else { "BAD" };
    let sys_flag = format!("{:#x}", record.sys_flag);
    let born = human_time(record.born_timestamp);
    let stored = human_time(record.store_timestamp);
    let props = record.properties();
    let note = match state {
        BodyState::LeftCompressed(_) | BodyState::InflateFailed(_) => {
            format!("[{}] ", state.note().unwrap_or_default())
        }
        _ => String::new(),
    };
    let body_text = BodyText {
        bytes: body,
        encoding,
    };
    let body_cell = Prefixed(&note, body_text);
    let topic = topic_text(record);
    let props = PropsText(&props);
    let mut cells: Vec<&dyn Display> = vec![
        &offset,
        &record.total_size,
        &magic,
        &crc,
        &topic,
        &record.queue_id,
        &record.queue_offset,
        &sys_flag,
        &born,
        &stored,
        &record.born_host,
        &record.store_host,
        &props,
    ];
    if encoding != BodyEncoding::None {
        cells.push(&body_cell);
    }
    t.row(out, &cells)
}

/// Topic text of a record for a table cell, without allocating for UTF-8 topics.
fn topic_text<'a>(record: &RecordView<'a>) -> BodyText<'a> {
    BodyText {
        bytes: record.topic_bytes,
        encoding: BodyEncoding::Utf8,
    }
}

/// A note in front of a body.
struct Prefixed<'a>(&'a str, BodyText<'a>);

impl Display for Prefixed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)?;
        self.1.fmt(f)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CqRow<'a> {
    topic: Option<&'a str>,
    queue_id: Option<i32>,
    queue_offset: i64,
    commit_log_offset: i64,
    size: i32,
    tags_code: i64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pre_fill: bool,
}

fn dump_consumequeue(ctx: &Ctx, path: Option<&Path>, o: &DumpOpts) -> anyhow::Result<()> {
    if path.is_some() && (o.topic.is_some() || o.queue.is_some()) {
        bail!("give either a ConsumeQueue PATH or --topic [--queue], not both");
    }
    let queues = match (path, &o.topic) {
        (Some(path), _) => ConsumeQueueFiles::open(path)?,
        (None, Some(topic)) => {
            ConsumeQueueFiles::topic(&ctx.layout.consumequeue_dir, topic, o.queue)?
        }
        (None, None) => bail!("name a ConsumeQueue file or directory, or give --topic [--queue]"),
    };
    let from = o.from_offset.unwrap_or(i64::MIN);
    let to = o.to_offset.unwrap_or(i64::MAX);
    let limit = o.limit.unwrap_or(u64::MAX);
    let mut out = stdout();
    let mut rows = ctx.output.rows(&mut out, || {
        StreamTable::new(vec![
            col("TOPIC", 24),
            num("QUEUE", 5),
            num("QUEUE OFFSET", 12),
            num("COMMITLOG OFFSET", 16),
            num("SIZE", 10),
            num("TAGS CODE", 20),
            col("NOTE", 8),
        ])
    })?;
    let mut shown = 0u64;
    'queues: for q in &queues {
        for slot in q.entries(from) {
            let slot = slot?;
            if slot.queue_offset >= to {
                break;
            }
            if shown >= limit {
                break 'queues;
            }
            shown += 1;
            let row = CqRow {
                topic: q.topic.as_deref(),
                queue_id: q.queue_id,
                queue_offset: slot.queue_offset,
                commit_log_offset: slot.entry.phys_offset,
                size: slot.entry.size,
                tags_code: slot.entry.tags_code,
                pre_fill: slot.is_pre_fill(),
            };
            let t = match &mut rows {
                Rows::Json(sink) => {
                    sink.item(&mut out, &row)?;
                    continue;
                }
                Rows::Table(t) => t,
            };
            let topic = row.topic.unwrap_or("?");
            let queue: &dyn Display = match &row.queue_id {
                Some(q) => q,
                None => &"?",
            };
            let note = if row.pre_fill { "pre-fill" } else { "" };
            t.row(
                &mut out,
                &[
                    &topic,
                    queue,
                    &row.queue_offset,
                    &row.commit_log_offset,
                    &row.size,
                    &row.tags_code,
                    &note,
                ],
            )?;
        }
    }
    rows.finish(&mut out)?;
    Ok(())
}

fn index_geometry(ctx: &Ctx, o: &DumpOpts) -> Option<IndexGeometry> {
    match (o.max_hash_slot_num, o.max_index_num) {
        (Some(hash_slot_num), Some(index_num)) => Some(IndexGeometry {
            hash_slot_num,
            index_num,
        }),
        _ => ctx.layout.sizes.index_geometry,
    }
}

/// The CommitLog to resolve index hits in: the store's when one was named, else the one next
/// to the index directory.
fn commitlog_for_index(ctx: &Ctx, index_path: &Path) -> Option<CommitLogReader> {
    let dir = if ctx.base.is_some() {
        ctx.layout.commitlog_dir.clone()
    } else {
        commitlog_dir_beside(index_path)?
    };
    let scanner = CommitLogScanner::open_dir(&dir).ok()?;
    Some(CommitLogReader::new(scanner.files().to_vec()))
}

fn header_json(file: &IndexFile, geometry: IndexGeometry) -> Value {
    let h = file.header();
    json!({
        "file": file.path(),
        "hashSlotNum": geometry.hash_slot_num,
        "indexNum": geometry.index_num,
        "beginTimestamp": h.begin_timestamp,
        "endTimestamp": h.end_timestamp,
        "beginPhyOffset": h.begin_phy_offset,
        "endPhyOffset": h.end_phy_offset,
        "hashSlotCount": h.hash_slot_count,
        "indexCount": h.index_count,
    })
}

fn dump_index(ctx: &Ctx, path: &Path, o: &DumpOpts) -> anyhow::Result<()> {
    let geometry = index_geometry(ctx, o);
    let files = if path.is_dir() {
        index_files_in(path)?
    } else {
        // Fails with the reason (no such file, ...) before anything is printed.
        std::fs::metadata(path).with_context(|| path.display().to_string())?;
        vec![path.to_path_buf()]
    };
    if let Some(key) = &o.key {
        let Some(topic) = &o.topic else {
            bail!("--key needs --topic: index keys are 'topic#key'");
        };
        return index_lookup(ctx, path, &files, geometry, topic, key, o);
    }
    if o.topic.is_some() {
        bail!("--topic applies to index dumps only with --key");
    }
    if path.is_dir() {
        return index_headers(ctx, &files, geometry);
    }
    let (file, geometry) = open_index_file(path, geometry)?;
    dump_index_file(ctx, &file, geometry, o.limit.unwrap_or(u64::MAX))
}

fn index_headers(
    ctx: &Ctx,
    files: &[PathBuf],
    geometry: Option<IndexGeometry>,
) -> anyhow::Result<()> {
    let mut headers = Vec::new();
    for path in files {
        let (file, g) = open_index_file(path, geometry)?;
        headers.push(header_json(&file, g));
    }
    match ctx.output {
        StoreOutput::Json => output::print_json(&Value::Array(headers))?,
        StoreOutput::Ndjson => {
            let mut out = stdout();
            for h in &headers {
                json_line(&mut out, h)?;
            }
            out.flush()?;
        }
        StoreOutput::Table => {
            let mut table = output::table([
                "FILE",
                "BEGIN TIME",
                "END TIME",
                "BEGIN PHY OFFSET",
                "END PHY OFFSET",
                "USED SLOTS",
                "ENTRIES",
            ]);
            for h in &headers {
                let file = h["file"].as_str().unwrap_or_default();
                let name = Path::new(file)
                    .file_name()
                    .map_or(file.into(), |n| n.to_string_lossy());
                table.add_row([
                    name.to_string(),
                    human_time(h["beginTimestamp"].as_i64().unwrap_or(0)),
                    human_time(h["endTimestamp"].as_i64().unwrap_or(0)),
                    h["beginPhyOffset"].to_string(),
                    h["endPhyOffset"].to_string(),
                    h["hashSlotCount"].to_string(),
                    (h["indexCount"].as_i64().unwrap_or(1) - 1).to_string(),
                ]);
            }
            println!("{table}");
        }
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SlotRow {
    #[serde(rename = "type")]
    kind: &'static str,
    slot: u32,
    entry: i32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryRow {
    #[serde(rename = "type")]
    kind: &'static str,
    entry: u32,
    key_hash: i32,
    phy_offset: i64,
    time_diff: i32,
    store_timestamp: i64,
    prev_index: i32,
}

fn dump_index_file(
    ctx: &Ctx,
    file: &IndexFile,
    geometry: IndexGeometry,
    limit: u64,
) -> anyhow::Result<()> {
    let h = file.header();
    let mut out = stdout();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let slots = used_slots(file).take(limit);
    let entries = index_entries(file).take(limit);
    let entry_row = |e: IndexEntryAt| EntryRow {
        kind: "entry",
        entry: e.number,
        key_hash: e.entry.key_hash,
        phy_offset: e.entry.phy_offset,
        time_diff: e.entry.time_diff,
        store_timestamp: e.store_timestamp,
        prev_index: e.entry.prev_index,
    };
    match ctx.output {
        StoreOutput::Table => {
            let mut table = output::table(["FIELD", "VALUE"]);
            table.add_row(["file".to_string(), file.path().display().to_string()]);
            table.add_row([
                "maxHashSlotNum / maxIndexNum".into(),
                format!("{} / {}", geometry.hash_slot_num, geometry.index_num),
            ]);
            for (name, ms) in [
                ("beginTimestamp", h.begin_timestamp),
                ("endTimestamp", h.end_timestamp),
            ] {
                table.add_row([name.to_string(), format!("{ms} ({})", human_time(ms))]);
            }
            table.add_row(["beginPhyOffset".into(), h.begin_phy_offset.to_string()]);
            table.add_row(["endPhyOffset".into(), h.end_phy_offset.to_string()]);
            table.add_row(["hashSlotCount".into(), h.hash_slot_count.to_string()]);
            table.add_row(["indexCount".into(), h.index_count.to_string()]);
            writeln!(out, "{table}\n")?;
            let mut t = StreamTable::new(vec![num("SLOT", 10), num("NEWEST ENTRY", 12)]);
            t.header(&mut out)?;
            for (s, v) in slots {
                t.row(&mut out, &[&s, &v])?;
            }
            writeln!(out)?;
            let mut t = StreamTable::new(vec![
                num("ENTRY", 10),
                num("KEY HASH", 11),
                num("COMMITLOG OFFSET", 16),
                num("TIME DIFF s", 11),
                col("STORE TIME", 23),
                num("PREV", 10),
            ]);
            t.header(&mut out)?;
            for e in entries {
                let row = entry_row(e);
                let time = human_time(row.store_timestamp);
                t.row(
                    &mut out,
                    &[
                        &row.entry,
                        &row.key_hash,
                        &row.phy_offset,
                        &row.time_diff,
                        &time,
                        &row.prev_index,
                    ],
                )?;
            }
        }
        StoreOutput::Json => {
            // One object written in pieces so the slot and entry arrays stream.
            let header = header_json(file, geometry);
            out.write_all(b"{\"header\":")?;
            serde_json::to_writer(&mut out, &header).map_err(io::Error::from)?;
            out.write_all(b",\n\"slots\":")?;
            let mut sink = JsonSink::begin(&mut out, false)?;
            for (slot, entry) in slots {
                sink.item(&mut out, &json!({"slot": slot, "entry": entry}))?;
            }
            sink.end_with(&mut out, b",\n\"entries\":")?;
            let mut sink = JsonSink::begin(&mut out, false)?;
            for e in entries {
                let row = entry_row(e);
                sink.item(
                    &mut out,
                    &json!({
                        "entry": row.entry,
                        "keyHash": row.key_hash,
                        "phyOffset": row.phy_offset,
                        "timeDiff": row.time_diff,
                        "storeTimestamp": row.store_timestamp,
                        "prevIndex": row.prev_index,
                    }),
                )?;
            }
            sink.end_with(&mut out, b"}\n")?;
        }
        StoreOutput::Ndjson => {
            let mut header = header_json(file, geometry);
            header["type"] = json!("header");
            json_line(&mut out, &header)?;
            for (slot, entry) in slots {
                let row = SlotRow {
                    kind: "slot",
                    slot,
                    entry,
                };
                json_line(&mut out, &row)?;
            }
            for e in entries {
                json_line(&mut out, &entry_row(e))?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// One index lookup hit resolved in the CommitLog.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IndexHit<'a, 'r, 'v> {
    index_file: &'a str,
    commit_log_offset: i64,
    /// Whether the record really has the key (the index matches by hash).
    #[serde(rename = "match")]
    matched: bool,
    message: MessageExtJson<'r, 'v>,
}

fn index_lookup(
    ctx: &Ctx,
    path: &Path,
    files: &[PathBuf],
    geometry: Option<IndexGeometry>,
    topic: &str,
    key: &str,
    o: &DumpOpts,
) -> anyhow::Result<()> {
    let max = usize::try_from(o.limit.unwrap_or(u64::MAX)).unwrap_or(usize::MAX);
    let hits = find_key(files, geometry, topic, key, max)?;
    let mut commitlog = commitlog_for_index(ctx, path);
    let encoding = BodyEncoding::from(o.body);
    let mut scratch = Vec::new();
    let mut out = stdout();
    let mut rows = ctx.output.rows(&mut out, || {
        StreamTable::new(vec![
            num("COMMITLOG OFFSET", 16),
            col("MATCH", 5),
            col("MSG ID", 32),
            col("TOPIC", 24),
            num("QID", 3),
            num("QOFFSET", 8),
            col("STORE TIME", 23),
            col("KEYS", 24),
            col("INDEX FILE", 17),
        ])
    })?;
    for (index_file, offset) in &hits {
        let file_name = index_file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(reader) = &mut commitlog else {
            // No CommitLog next to the index: the offsets are all there is to show.
            unresolved_hit(&mut rows, &mut out, &file_name, offset, None)?;
            continue;
        };
        reader.with_record(*offset, |found| -> anyhow::Result<()> {
            let record = match found {
                Ok(record) => record,
                Err(e) => {
                    let why = e.to_string();
                    return Ok(unresolved_hit(
                        &mut rows,
                        &mut out,
                        &file_name,
                        offset,
                        Some(why),
                    )?);
                }
            };
            let matched = record.topic_bytes == topic.as_bytes() && record_has_key(&record, key);
            match &mut rows {
                Rows::Json(sink) => {
                    let (body, state) = body_to_show(&record, encoding, &mut scratch);
                    let hit = IndexHit {
                        index_file: &file_name,
                        commit_log_offset: *offset,
                        matched,
                        message: MessageExtJson {
                            record: &record,
                            body,
                            body_state: &state,
                            encoding,
                        },
                    };
                    sink.item(&mut out, &hit)?;
                }
                Rows::Table(t) => {
                    let id = OffsetMsgId {
                        store_host: record.store_host,
                        offset: record.physical_offset,
                    };
                    let yes_no = if matched { "yes" } else { "no" };
                    let time = human_time(record.store_timestamp);
                    let keys = record.property(message::property::KEYS).unwrap_or_default();
                    t.row(
                        &mut out,
                        &[
                            offset,
                            &yes_no,
                            &id,
                            &topic_text(&record),
                            &record.queue_id,
                            &record.queue_offset,
                            &time,
                            &keys,
                            &file_name,
                        ],
                    )?;
                }
            }
            Ok(())
        })?;
    }
    rows.finish(&mut out)?;
    Ok(())
}

/// An index hit whose record cannot be shown: there is no CommitLog, or (`error`) reading the
/// record failed.
fn unresolved_hit(
    rows: &mut Rows,
    out: &mut Out,
    file_name: &str,
    offset: &i64,
    error: Option<String>,
) -> io::Result<()> {
    match rows {
        Rows::Json(sink) => {
            let mut hit =
                json!({"indexFile": file_name, "commitLogOffset": offset, "message": null});
            if let Some(why) = error {
                hit["error"] = json!(why);
            }
            sink.item(out, &hit)
        }
        Rows::Table(t) => {
            let dash = "-";
            let why: &dyn Display = match &error {
                Some(why) => why,
                None => &dash,
            };
            t.row(
                out,
                &[
                    offset, &"?", why, &dash, &dash, &dash, &dash, &dash, &file_name,
                ],
            )
        }
    }
}

fn dump_checkpoint(ctx: &Ctx, path: &Path) -> anyhow::Result<()> {
    let data = read_checkpoint(path)?;
    let fields = [
        ("physicMsgTimestamp", data.physic_msg_timestamp, true),
        ("logicsMsgTimestamp", data.logics_msg_timestamp, true),
        ("indexMsgTimestamp", data.index_msg_timestamp, true),
        ("masterFlushedOffset", data.master_flushed_offset, false),
        ("confirmPhyOffset", data.confirm_phy_offset, false),
        ("minTimestamp", data.min_timestamp(), true),
        ("minTimestampIndex", data.min_timestamp_index(), true),
    ];
    let doc: serde_json::Map<String, Value> = fields
        .iter()
        .map(|(k, v, _)| (k.to_string(), json!(v)))
        .collect();
    match ctx.output {
        StoreOutput::Json | StoreOutput::Ndjson => ctx.print_document(&doc)?,
        StoreOutput::Table => {
            let mut table = output::table(["FIELD", "VALUE", "TIME"]);
            for (name, value, is_time) in fields {
                let time = if is_time {
                    human_time(value)
                } else {
                    String::new()
                };
                table.add_row([name.to_string(), value.to_string(), time]);
            }
            println!("{table}");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// dump config

/// `PermName.perm2String`: R(4) W(2) X(1, inherit).
fn perm_text(v: Option<&Value>) -> String {
    let Some(perm) = v.and_then(Value::as_i64) else {
        return cell(v);
    };
    // Only the low bits count, so the cast cannot change the letters.
    format!("{perm} ({})", perm_to_string(perm as i32))
}

fn config_table(doc: &Value, shape: ConfigShape) -> Table {
    let empty = Map::new();
    let object = |key: &str| doc.get(key).and_then(Value::as_object).unwrap_or(&empty);
    match shape {
        ConfigShape::Topics => member_table(
            "TOPIC",
            object("topicConfigTable"),
            &[
                ("READ", "readQueueNums", cell),
                ("WRITE", "writeQueueNums", cell),
                ("PERM", "perm", perm_text),
                ("FILTER", "topicFilterType", cell),
                ("SYSFLAG", "topicSysFlag", cell),
                ("ORDER", "order", cell),
            ],
        ),
        ConfigShape::ConsumerOffsets => {
            let mut t = output::table(["TOPIC", "GROUP", "QUEUE", "OFFSET"]);
            for (key, queues) in object("offsetTable") {
                let (topic, group) = key.split_once('@').unwrap_or((key.as_str(), ""));
                let Some(queues) = queues.as_object() else {
                    t.add_row([
                        topic.to_string(),
                        group.into(),
                        String::new(),
                        cell(Some(queues)),
                    ]);
                    continue;
                };
                for (q, offset) in by_number(queues) {
                    t.add_row([
                        topic.to_string(),
                        group.into(),
                        q.clone(),
                        cell(Some(offset)),
                    ]);
                }
            }
            t
        }
        ConfigShape::SubscriptionGroups => member_table(
            "GROUP",
            object("subscriptionGroupTable"),
            &[
                ("CONSUME", "consumeEnable", cell),
                ("BROADCAST", "consumeBroadcastEnable", cell),
                ("FROM MIN", "consumeFromMinEnable", cell),
                ("RETRY QUEUES", "retryQueueNums", cell),
                ("RETRY MAX", "retryMaxTimes", cell),
                ("BROKER ID", "brokerId", cell),
                ("SLOW BROKER", "whichBrokerWhenConsumeSlowly", cell),
                ("NOTIFY", "notifyConsumerIdsChangedEnable", cell),
            ],
        ),
        ConfigShape::DelayOffsets => {
            let mut t = output::table(["LEVEL", "OFFSET"]);
            for (level, offset) in by_number(object("offsetTable")) {
                t.add_row([level.clone(), cell(Some(offset))]);
            }
            t
        }
        ConfigShape::Unknown => output::table(["VALUE"]),
    }
}

fn dump_config(ctx: &Ctx, path: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(path).with_context(|| path.display().to_string())?;
    let doc = fastjson::parse(&bytes)
        .with_context(|| format!("{}: not a JSON config file", path.display()))?;
    let shape = config_shape(&doc, path);
    match ctx.output {
        StoreOutput::Json | StoreOutput::Ndjson => ctx.print_document(&doc)?,
        StoreOutput::Table if shape == ConfigShape::Unknown => output::print_json(&doc)?,
        StoreOutput::Table => {
            println!("{}", config_table(&doc, shape));
            if let Some(version) = doc.get("dataVersion") {
                println!("dataVersion: {version}");
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// verify and stats

/// The broker's config files (and their `.bak` copies) must parse as what they are: a broker
/// falls back to the `.bak` of a damaged file, and starts without the table when both are.
fn verify_config_files(dir: &Path, report: &mut VerifyReport) {
    const FILES: [&str; 4] = [
        "topics.json",
        "subscriptionGroup.json",
        "consumerOffset.json",
        "delayOffset.json",
    ];
    for name in FILES {
        for path in [dir.join(name), dir.join(format!("{name}.bak"))] {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let problem = match fastjson::parse(&bytes) {
                Ok(doc) if config_shape(&doc, &path) != ConfigShape::Unknown => continue,
                Ok(_) => (0, format!("not a {name} document (none of its tables)")),
                Err(e) => {
                    let what = e.to_string();
                    // The parser names the byte it stopped at: "... at offset N".
                    let at = what
                        .rsplit_once("at offset ")
                        .and_then(|(_, n)| {
                            n.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
                        })
                        .unwrap_or(0);
                    (at, format!("not valid JSON: {what}"))
                }
            };
            report.add_problem(Problem {
                area: Area::Config,
                file: path.clone(),
                unit: Unit::FilePosition,
                offset: problem.0,
                what: problem.1,
            });
        }
    }
}

fn verify(ctx: &Ctx, args: &VerifyArgs) -> anyhow::Result<()> {
    let mut report = with_scan_progress(|progress| verify_store(&ctx.layout, progress))?;
    verify_config_files(&ctx.layout.config_dir, &mut report);
    match ctx.output {
        StoreOutput::Json | StoreOutput::Ndjson => ctx.print_document(&report)?,
        StoreOutput::Table => {
            let cl = &report.commitlog;
            let cq = &report.consume_queues;
            let ix = &report.index;
            let mut t = output::table(["PART", "CHECK", "RESULT"]);
            let mut row = |part: &str, check: &str, result: String| {
                t.add_row([part.to_string(), check.to_string(), result]);
            };
            let size = |s: Option<u64>| s.map_or("-".into(), |s| s.to_string());
            row(
                "commitlog",
                "files (file size)",
                format!("{} ({})", cl.files, size(cl.file_size)),
            );
            row(
                "commitlog",
                "offsets: first / valid end / file end",
                format!("{} / {} / {}", cl.min_offset, cl.valid_end, cl.file_end),
            );
            row(
                "commitlog",
                "messages (bytes)",
                format!("{} ({})", cl.messages, cl.message_bytes),
            );
            row("commitlog", "CRC errors", cl.crc_errors.to_string());
            row(
                "commitlog",
                "recovery stops at",
                cl.recovery_stops_at.map_or("-".into(), |o| o.to_string()),
            );
            row(
                "commitlog",
                "trailing non-zero bytes",
                cl.trailing_nonzero_bytes.to_string(),
            );
            row(
                "consumequeue",
                "topics / queues / files (file size)",
                format!(
                    "{} / {} / {} ({})",
                    cq.topics,
                    cq.queues,
                    cq.files,
                    size(cq.file_size)
                ),
            );
            row(
                "consumequeue",
                "entries: checked / expired / pre-fill",
                format!(
                    "{}: {} / {} / {}",
                    cq.entries, cq.checked, cq.expired, cq.pre_fill
                ),
            );
            row(
                "consumequeue",
                "bad entries / messages without entry",
                format!("{} / {}", cq.bad_entries, cq.missing_entries),
            );
            if cq.unreferenced > 0 {
                row(
                    "consumequeue",
                    "messages skipped by their queue (topic re-created?)",
                    cq.unreferenced.to_string(),
                );
            }
            let geometry = ix.geometry.map_or("-".into(), |g| {
                format!("{} slots, {} entries", g.hash_slot_num, g.index_num)
            });
            row(
                "index",
                "files (geometry)",
                format!("{} ({geometry})", ix.files),
            );
            row(
                "index",
                "entries / used slots",
                format!("{} / {}", ix.entries, ix.used_slots),
            );
            row(
                "index",
                "bad files",
                match &ix.skipped {
                    Some(why) => format!("not checked: {why}"),
                    None => ix.bad_files.to_string(),
                },
            );
            row(
                "store",
                "result",
                if report.is_clean() {
                    "OK".into()
                } else {
                    format!("{} problem(s)", report.problem_count)
                },
            );
            println!("{t}");
            if !report.is_clean() {
                let mut p = output::table(["AREA", "FILE", "AT", "PROBLEM"]);
                for problem in report.problems.iter().take(args.max_problems) {
                    p.add_row([
                        problem.area.label().to_string(),
                        problem.file.display().to_string(),
                        format!("{} {}", problem.unit.label(), problem.offset),
                        problem.what.clone(),
                    ]);
                }
                println!("{p}");
                let listed = report.problems.len().min(args.max_problems) as u64;
                if report.problem_count > listed {
                    println!(
                        "… and {} more (--max-problems N, or -o json for up to \
                         {MAX_REPORTED_PROBLEMS})",
                        report.problem_count - listed
                    );
                }
            }
        }
    }
    if let Some(first) = report.problems.first() {
        bail!(
            "store {} failed verification: {} problem(s); the first: {first}",
            report.root.display(),
            report.problem_count
        );
    }
    Ok(())
}

fn stats(ctx: &Ctx) -> anyhow::Result<()> {
    let report = with_scan_progress(|progress| store_stats(&ctx.layout, progress))?;
    match ctx.output {
        StoreOutput::Json | StoreOutput::Ndjson => ctx.print_document(&report)?,
        StoreOutput::Table => {
            let mut t = output::table([
                "TOPIC",
                "QUEUE",
                "MESSAGES",
                "BYTES",
                "MIN QOFFSET",
                "MAX QOFFSET",
                "FIRST STORE TIME",
                "LAST STORE TIME",
            ]);
            let opt = |v: Option<i64>| v.map_or("-".into(), |v| v.to_string());
            for q in &report.queues {
                t.add_row([
                    q.topic.clone(),
                    q.queue_id.to_string(),
                    q.messages.to_string(),
                    q.bytes.to_string(),
                    opt(q.min_queue_offset),
                    opt(q.max_queue_offset),
                    human_time(q.first_store_timestamp),
                    human_time(q.last_store_timestamp),
                ]);
            }
            println!("{t}");
            println!(
                "{} messages ({} bytes) in {} topics / {} queues; CommitLog {} files, offsets \
                 {}..{}{}",
                report.messages,
                report.message_bytes,
                report.topics,
                report.queues.len(),
                report.commitlog_files,
                report.min_offset,
                report.max_offset,
                if report.corrupt_records > 0 {
                    format!(
                        "; {} invalid records (run 'rmq store verify')",
                        report.corrupt_records
                    )
                } else {
                    String::new()
                }
            );
        }
    }
    Ok(())
}

/// A consumer or delay offset moved back to its queue's new end.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ClampedOffset {
    /// The consumer group (`None` for a delay level).
    group: Option<String>,
    topic: String,
    queue_id: i32,
    /// The delay level (delay offsets only).
    level: Option<i32>,
    from: i64,
    to: i64,
}

/// Clamps the consumer offsets (`consumerOffset.json`) and delay offsets (`delayOffset.json`)
/// of the queues that lost entries to their new ends.
fn clamp_offsets(
    config_dir: &Path,
    queue_ends: &std::collections::BTreeMap<(String, i32), i64>,
) -> anyhow::Result<Vec<ClampedOffset>> {
    use rmq::broker::metadata::delay_offsets::DelayOffsetTable;
    use rmq::broker::metadata::offsets::ConsumerOffsetManager;
    use rmq::common::names::RMQ_SYS_SCHEDULE_TOPIC;
    let mut clamped = Vec::new();
    let offsets_path = config_dir.join("consumerOffset.json");
    if offsets_path.exists() {
        let offsets = ConsumerOffsetManager::open(offsets_path)?;
        for (key, queues) in offsets.snapshot().offset_table {
            let Some((topic, group)) = key.split_once('@') else {
                continue;
            };
            for (queue_id, offset) in queues {
                if let Some(&end) = queue_ends.get(&(topic.to_string(), queue_id)) {
                    if offset > end {
                        offsets.reset(group, topic, queue_id, end);
                        clamped.push(ClampedOffset {
                            group: Some(group.to_string()),
                            topic: topic.to_string(),
                            queue_id,
                            level: None,
                            from: offset,
                            to: end,
                        });
                    }
                }
            }
        }
        offsets.persist()?;
    }
    let delay_path = config_dir.join("delayOffset.json");
    if delay_path.exists() {
        let delays = DelayOffsetTable::open(delay_path)?;
        for (level, offset) in delays.all() {
            let queue_id = level - 1;
            if let Some(&end) = queue_ends.get(&(RMQ_SYS_SCHEDULE_TOPIC.to_string(), queue_id)) {
                if offset > end {
                    delays.set(level, end);
                    clamped.push(ClampedOffset {
                        group: None,
                        topic: RMQ_SYS_SCHEDULE_TOPIC.to_string(),
                        queue_id,
                        level: Some(level),
                        from: offset,
                        to: end,
                    });
                }
            }
        }
        delays.persist()?;
    }
    Ok(clamped)
}

fn truncate(ctx: &Ctx, args: &TruncateArgs) -> anyhow::Result<()> {
    use rmq::store::truncate::{apply, plan, StoreLock};
    let layout = &ctx.layout;
    layout.ensure_store()?;
    // Refuses a store a broker (rmq or Java) is running on, and keeps one from starting.
    let lock = StoreLock::acquire(&layout.root)?;
    let plan = with_scan_progress(|progress| plan(layout, args.to, progress))?;
    let removed_file = match &args.removed {
        Some(path) => Some(path.clone()),
        None if args.dry_run => None,
        None => Some(layout.root.join(format!(
            "truncated-{}.jsonl",
            rmq::common::clock::compact_local(rmq::common::clock::now_ms())
        ))),
    };
    let mut doc = json!({
        "store": layout.root,
        "dryRun": args.dry_run,
        "offset": plan.offset,
        "dataEnd": plan.data_end,
        "removedMessages": plan.removed.len(),
        "removedBytes": plan.removed_bytes,
        "perTopic": plan.per_topic,
        "commitlogFilesDeleted": plan.commitlog_files_deleted,
        "commitlogFileCut": plan.commitlog_file_cut.as_ref().map(|f| &f.path),
        "uncleanShutdown": plan.unclean_shutdown,
        "removedFile": removed_file,
    });
    let table = ctx.output == StoreOutput::Table;
    if table {
        println!(
            "{} {} messages ({} bytes) of {} from offset {} to the end of the data ({}).",
            if args.dry_run {
                "Would remove"
            } else {
                "Cutting removes"
            },
            plan.removed.len(),
            plan.removed_bytes,
            layout.root.display(),
            plan.offset,
            plan.data_end
        );
        if !plan.per_topic.is_empty() {
            let mut t = output::table(["TOPIC", "MESSAGES"]);
            for (topic, n) in &plan.per_topic {
                t.add_row([topic.clone(), n.to_string()]);
            }
            println!("{t}");
        }
        for f in &plan.commitlog_files_deleted {
            println!("CommitLog file deleted: {}", f.display());
        }
        if let Some(f) = &plan.commitlog_file_cut {
            println!(
                "CommitLog file zero-filled from the cut: {}",
                f.path.display()
            );
        }
        if plan.unclean_shutdown {
            println!(
                "The last broker run did not shut down cleanly (abort file present): the next \
                 start recovers abnormally."
            );
        }
    }
    let write_removed = |path: &Path| -> anyhow::Result<()> {
        rmq::common::fs::write_atomically(
            path,
            &plan.removed_jsonl(),
            rmq::common::fs::Backup::Skip,
        )?;
        if table {
            println!("Removed messages listed in {}", path.display());
        }
        Ok(())
    };
    if args.dry_run {
        if let Some(path) = &removed_file {
            write_removed(path)?;
        }
        if !table {
            ctx.print_document(&doc)?;
        }
        return Ok(());
    }
    if plan.removed_bytes > 0 {
        common_confirm(
            &format!(
                "Remove {} messages ({} bytes) from {} past offset {}?",
                plan.removed.len(),
                plan.removed_bytes,
                layout.root.display(),
                plan.offset
            ),
            args.yes,
        )?;
    }
    // Listed before anything changes, so nothing vanishes unrecorded.
    if let Some(path) = &removed_file {
        write_removed(path)?;
    }
    let applied = with_scan_progress(|progress| apply(layout, &plan, &lock, progress))?;
    let clamped = clamp_offsets(&layout.config_dir, &applied.queue_ends())?;
    drop(lock);
    if table {
        for q in &applied.queues {
            println!(
                "ConsumeQueue {} {}: max offset {} -> {}{}",
                q.topic,
                q.queue_id,
                q.old_max_offset,
                q.new_max_offset,
                if q.files_deleted > 0 {
                    format!(" ({} files deleted)", q.files_deleted)
                } else {
                    String::new()
                }
            );
        }
        for f in &applied.index_files_deleted {
            println!("Index file deleted: {}", f.display());
        }
        if !applied.index_files_deleted.is_empty() {
            println!("{} messages re-indexed", applied.messages_reindexed);
        }
        for c in &clamped {
            match (&c.group, c.level) {
                (Some(group), _) => println!(
                    "Consumer offset of {group} on {} {} clamped: {} -> {}",
                    c.topic, c.queue_id, c.from, c.to
                ),
                (None, level) => println!(
                    "Delay offset of level {} clamped: {} -> {}",
                    level.unwrap_or(c.queue_id + 1),
                    c.from,
                    c.to
                ),
            }
        }
        if applied.checkpoint_updated {
            println!("Checkpoint updated.");
        }
    } else {
        doc["consumeQueues"] = serde_json::to_value(&applied.queues)?;
        doc["indexFilesDeleted"] = serde_json::to_value(&applied.index_files_deleted)?;
        doc["messagesReindexed"] = json!(applied.messages_reindexed);
        doc["checkpointUpdated"] = json!(applied.checkpoint_updated);
        doc["offsetsClamped"] = serde_json::to_value(&clamped)?;
        ctx.print_document(&doc)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_past_the_new_queue_ends_are_clamped() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path();
        // As Java writes them: fastjson's bare integer keys.
        std::fs::write(
            config.join("consumerOffset.json"),
            "{\"offsetTable\":{\"T@G\":{0:9,1:3},\"U@G\":{0:50}}}",
        )
        .unwrap();
        std::fs::write(
            config.join("delayOffset.json"),
            "{\"offsetTable\":{1:7,2:4}}",
        )
        .unwrap();
        let ends = std::collections::BTreeMap::from([
            (("T".to_string(), 0), 5),
            (("T".to_string(), 1), 5),
            (("SCHEDULE_TOPIC_XXXX".to_string(), 0), 2),
        ]);
        let clamped = clamp_offsets(config, &ends).unwrap();
        let moved: Vec<_> = clamped
            .iter()
            .map(|c| {
                (
                    c.group.clone(),
                    c.topic.as_str(),
                    c.queue_id,
                    c.level,
                    c.from,
                    c.to,
                )
            })
            .collect();
        assert_eq!(
            moved,
            [
                (Some("G".to_string()), "T", 0, None, 9, 5),
                (None, "SCHEDULE_TOPIC_XXXX", 0, Some(1), 7, 2),
            ]
        );
        let offsets = rmq::broker::metadata::offsets::ConsumerOffsetManager::open(
            config.join("consumerOffset.json"),
        )
        .unwrap();
        assert_eq!(offsets.query("G", "T", 0), Some(5));
        assert_eq!(offsets.query("G", "T", 1), Some(3));
        assert_eq!(offsets.query("G", "U", 0), Some(50));
        let delays = rmq::broker::metadata::delay_offsets::DelayOffsetTable::open(
            config.join("delayOffset.json"),
        )
        .unwrap();
        assert_eq!(delays.get(1), Some(2));
        assert_eq!(delays.get(2), Some(4));
    }

    #[test]
    fn perms_and_times_are_shown_as_java_tools_show_them() {
        assert_eq!(perm_text(Some(&json!(6))), "6 (RW-)");
        assert_eq!(human_time(0), "-");
    }
}
