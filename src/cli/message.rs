//! `rmq message send|consume|get|decode-id`: produce test messages, read a topic without a
//! consumer process, look messages up by id, key or queue offset, and explain message ids
//! (mqadmin sendMessage, consumeMessage, printMsg, queryMsgById, queryMsgByKey,
//! queryMsgByOffset, decodeMessageId).
//!
//! JSON output uses Java's `MessageExt` field names. `msgId` is the client id (the UNIQ_KEY
//! property a producer sets) when the message has one, else the offset id, as Java's
//! `MessageClientExt` does; `offsetMsgId` is always the store host + CommitLog offset id.
//!
//! This file parses flags and renders; sending, reading, lookups and message ids are
//! `rmq::client`'s ([`Producer`], [`Reader`], `MqClient::lookup_*`).

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use bytes::Bytes;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Map, Value};

use super::common::{block_on, ClientArgs};
use super::offset::{fmt_time, parse_point, parse_time, Point};
use super::output::table;
use rmq::client::{
    decode_client_id, is_message_id, is_system_property, plausible_offset_id, select_queues,
    ClientError, KeyQuery, Message, MqClient, Producer, ProducerOptions, PullConsumer, QueueSelect,
    ReadEvent, Reader, Sent, Start, TOOLS_GROUP,
};
use rmq::common::message::{self, decode_offset_msg_id, decode_records, property, RecordView};
use rmq::protocol::body::EXPRESSION_TYPE_TAG;
use rmq::protocol::ResponseCode;
use rmq::store::inspect::{decode_body, BodyEncoding, BodyText};

/// How long a --follow pull waits at the broker for new messages.
const LONG_POLL: Duration = Duration::from_secs(15);

#[derive(Debug, Subcommand)]
pub enum MessageCommand {
    /// Send messages (sync, async or oneway); prints msgId, offsetMsgId, broker, queue,
    /// offset and status of each.
    Send(SendArgs),
    /// Read messages of a topic by pulling (no consumer registers); offsets are committed
    /// only with --commit.
    Consume(ConsumeArgs),
    /// Look messages up by message id, by key, or by queue offset.
    Get(GetArgs),
    /// Explain message ids: store host and CommitLog offset of an offset id; IP, pid and
    /// time of a client id (UNIQ_KEY).
    DecodeId(DecodeIdArgs),
}

/// mqadmin's names, hidden.
#[derive(Debug, Subcommand)]
pub enum MessageAlias {
    /// mqadmin sendMessage: `rmq message send`.
    #[command(name = "sendMessage", hide = true)]
    SendMessage(SendArgs),
    /// mqadmin consumeMessage: `rmq message consume`.
    #[command(name = "consumeMessage", hide = true)]
    ConsumeMessage(ConsumeArgs),
    /// mqadmin printMsg: `rmq message consume` (every message of a topic).
    #[command(name = "printMsg", hide = true)]
    PrintMsg(ConsumeArgs),
    /// mqadmin queryMsgById: `rmq message get --id`.
    #[command(name = "queryMsgById", hide = true)]
    QueryMsgById(GetArgs),
    /// mqadmin queryMsgByKey: `rmq message get --key`.
    #[command(name = "queryMsgByKey", hide = true)]
    QueryMsgByKey(GetArgs),
    /// mqadmin queryMsgByOffset: `rmq message get --offset`.
    #[command(name = "queryMsgByOffset", hide = true)]
    QueryMsgByOffset(GetArgs),
    /// mqadmin decodeMessageId: `rmq message decode-id`.
    #[command(name = "decodeMessageId", hide = true)]
    DecodeMessageId(DecodeIdArgs),
}

/// `-o` of the message commands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum MsgOutput {
    /// For people: a table, or one line per message for `consume`.
    #[default]
    Table,
    /// One JSON document: an array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}

/// How bodies are shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum BodyFormat {
    /// Text; invalid UTF-8 is replaced by U+FFFD.
    #[default]
    Utf8,
    Hex,
    Base64,
    /// Leave the body out.
    None,
}

impl BodyFormat {
    fn encoding(self) -> BodyEncoding {
        match self {
            BodyFormat::Utf8 => BodyEncoding::Utf8,
            BodyFormat::Hex => BodyEncoding::Hex,
            BodyFormat::Base64 => BodyEncoding::Base64,
            BodyFormat::None => BodyEncoding::None,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum SendMode {
    /// Wait for each send's answer before the next.
    #[default]
    Sync,
    /// Many sends in flight; every answer is still reported.
    Async,
    /// Fire and forget: no answer, so no offset id, queue offset or status.
    Oneway,
}

pub fn run(cmd: MessageCommand) -> anyhow::Result<()> {
    match cmd {
        MessageCommand::Send(a) => send(a),
        MessageCommand::Consume(a) => consume(a),
        MessageCommand::Get(a) => get(a),
        MessageCommand::DecodeId(a) => decode_id(a),
    }
}

pub fn run_alias(alias: MessageAlias) -> anyhow::Result<()> {
    match alias {
        MessageAlias::SendMessage(a) => send(a),
        MessageAlias::ConsumeMessage(a) | MessageAlias::PrintMsg(a) => consume(a),
        MessageAlias::QueryMsgById(a)
        | MessageAlias::QueryMsgByKey(a)
        | MessageAlias::QueryMsgByOffset(a) => get(a),
        MessageAlias::DecodeMessageId(a) => decode_id(a),
    }
}

/// A usage error found after parsing: printed like clap's own, exit status 2.
fn usage_error(msg: impl std::fmt::Display) -> ! {
    clap::Error::raw(clap::error::ErrorKind::ArgumentConflict, format!("{msg}\n")).exit()
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

// ---------------------------------------------------------------------------------------------
// Message JSON and rendering

/// A record as mqadmin users know `MessageExt`, plus `brokerName` when known and
/// `bodyCompression` when the stored body is compressed.
fn message_json(r: &RecordView<'_>, broker: Option<&str>, body: BodyFormat) -> Value {
    let props = r.properties();
    let offset_id = r.offset_msg_id();
    let mut m = Map::new();
    m.insert(
        "msgId".into(),
        json!(message::get_property(&props, property::UNIQ_KEY).unwrap_or(&offset_id)),
    );
    m.insert("offsetMsgId".into(), json!(offset_id));
    m.insert("topic".into(), json!(r.topic()));
    if let Some(b) = broker {
        m.insert("brokerName".into(), json!(b));
    }
    m.insert("queueId".into(), json!(r.queue_id));
    m.insert("queueOffset".into(), json!(r.queue_offset));
    m.insert("commitLogOffset".into(), json!(r.physical_offset));
    m.insert("storeSize".into(), json!(r.total_size));
    m.insert("bodyCRC".into(), json!(r.body_crc));
    m.insert("sysFlag".into(), json!(r.sys_flag));
    m.insert("flag".into(), json!(r.flag));
    m.insert("bornTimestamp".into(), json!(r.born_timestamp));
    m.insert("bornHost".into(), json!(r.born_host.to_string()));
    m.insert("storeTimestamp".into(), json!(r.store_timestamp));
    m.insert("storeHost".into(), json!(r.store_host.to_string()));
    m.insert("reconsumeTimes".into(), json!(r.reconsume_times));
    m.insert(
        "preparedTransactionOffset".into(),
        json!(r.prepared_transaction_offset),
    );
    let properties: Map<String, Value> = message::properties(&props)
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    m.insert("properties".into(), Value::Object(properties));
    if let Some(state) = message::transaction_state(&r.topic(), r.sys_flag, &props) {
        m.insert("transactionState".into(), json!(state));
    }
    let mut scratch = Vec::new();
    let (bytes, state) = decode_body(r.body, r.sys_flag, &mut scratch);
    if body != BodyFormat::None {
        let text = BodyText {
            bytes,
            encoding: body.encoding(),
        };
        m.insert("body".into(), json!(text.to_string()));
    }
    if let Some(note) = state.note() {
        m.insert("bodyCompression".into(), json!(note));
    }
    Value::Object(m)
}

/// Writes messages (or any JSON objects) in the chosen format as they come: a JSON array is
/// streamed element by element so a long read never has to be held in memory.
struct Printer {
    output: MsgOutput,
    body: BodyFormat,
    /// Messages written so far.
    count: u64,
}

impl Printer {
    fn new(output: MsgOutput, body: BodyFormat) -> Printer {
        Printer {
            output,
            body,
            count: 0,
        }
    }

    /// One message: a JSON element, an NDJSON line, or (table) one text line.
    fn message(&mut self, r: &RecordView<'_>, broker: &str) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        match self.output {
            MsgOutput::Json | MsgOutput::Ndjson => {
                let v = message_json(r, Some(broker), self.body);
                self.json_item(&mut out, &v)?;
            }
            MsgOutput::Table => {
                let props = r.properties();
                let id = message::get_property(&props, property::UNIQ_KEY)
                    .map(str::to_string)
                    .unwrap_or_else(|| r.offset_msg_id());
                let mut line = format!(
                    "{broker}/{}@{}  {}  {id}",
                    r.queue_id,
                    r.queue_offset,
                    fmt_time(r.store_timestamp)
                );
                for (name, label) in [(property::TAGS, "tags"), (property::KEYS, "keys")] {
                    if let Some(v) = message::get_property(&props, name) {
                        line.push_str(&format!("  {label}={v}"));
                    }
                }
                if self.body != BodyFormat::None {
                    let mut scratch = Vec::new();
                    let (bytes, _) = decode_body(r.body, r.sys_flag, &mut scratch);
                    let text = BodyText {
                        bytes,
                        encoding: self.body.encoding(),
                    }
                    .to_string();
                    // One line per message, whatever the body holds.
                    let text = text
                        .replace('\\', "\\\\")
                        .replace('\n', "\\n")
                        .replace('\r', "\\r");
                    line.push_str(&format!("  | {text}"));
                }
                writeln!(out, "{line}")?;
                self.count += 1;
            }
        }
        out.flush()?;
        Ok(())
    }

    fn json_item(&mut self, out: &mut impl Write, v: &Value) -> anyhow::Result<()> {
        match self.output {
            MsgOutput::Ndjson => writeln!(out, "{}", serde_json::to_string(v)?)?,
            _ => {
                let sep = if self.count == 0 { "[\n" } else { ",\n" };
                let text = serde_json::to_string_pretty(v)?;
                write!(out, "{sep}")?;
                for (i, line) in text.lines().enumerate() {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    write!(out, "  {line}")?;
                }
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Closes the JSON array (an empty one when nothing was written).
    fn finish(&mut self) -> anyhow::Result<()> {
        if self.output == MsgOutput::Json {
            let mut out = std::io::stdout().lock();
            if self.count == 0 {
                writeln!(out, "[]")?;
            } else {
                writeln!(out, "\n]")?;
            }
            out.flush()?;
        }
        Ok(())
    }
}

/// A vertical field/value table of one message (get).
fn message_detail_table(v: &Value) -> comfy_table::Table {
    let mut t = table(["Field", "Value"]);
    let Some(map) = v.as_object() else {
        return t;
    };
    for (k, val) in map {
        let text = match (k.as_str(), val) {
            ("properties", Value::Object(p)) => p
                .iter()
                .map(|(pk, pv)| format!("{pk}={}", pv.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("\n"),
            ("bornTimestamp" | "storeTimestamp", Value::Number(n)) => {
                let ms = n.as_i64().unwrap_or(0);
                format!("{} ({ms})", fmt_time(ms))
            }
            (_, Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        };
        t.add_row(vec![k.clone(), text]);
    }
    t
}

// ---------------------------------------------------------------------------------------------
// send

const SEND_AFTER_HELP: &str = "\
BODY is the text itself, @FILE for a file's bytes, or - for standard input. Ordered sends: \
--sharding-key K picks queue (Java String.hashCode(K) % queue count), the same queue as the \
Java client's SelectMessageQueueByHash. A topic that does not exist is auto-created by the \
broker when it allows it (autoCreateTopicEnable), with 4 queues.";

#[derive(Debug, Args)]
#[command(after_help = SEND_AFTER_HELP)]
pub struct SendArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Topic.
    #[arg(short = 't', long)]
    pub topic: String,
    /// Message body: text, @FILE, or - (stdin).
    #[arg(value_name = "BODY", required_unless_present = "body_flag")]
    pub body: Option<String>,
    /// mqadmin's -p BODY.
    #[arg(
        short = 'p',
        hide = true,
        conflicts_with = "body",
        allow_hyphen_values = true
    )]
    pub body_flag: Option<String>,
    /// Tag of the messages.
    #[arg(long, short_alias = 'c')]
    pub tags: Option<String>,
    /// Keys (index entries for `get --key`); repeat or separate with spaces.
    #[arg(short = 'k', long, value_name = "KEY")]
    pub keys: Vec<String>,
    /// A user property; repeatable.
    #[arg(long = "property", value_name = "K=V", value_parser = parse_property)]
    pub properties: Vec<(String, String)>,
    /// Delay level (1 = 1s, 2 = 5s, 3 = 10s, ... with the default messageDelayLevel).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(1..))]
    pub delay_level: Option<i32>,
    /// Send to this queue id (with -b when the topic is on several brokers).
    #[arg(
        long,
        short_alias = 'i',
        value_name = "ID",
        conflicts_with = "sharding_key"
    )]
    pub queue: Option<i32>,
    /// Ordered send: every message with this key goes to the same queue.
    #[arg(long, value_name = "KEY")]
    pub sharding_key: Option<String>,
    /// Only this broker (name).
    #[arg(short = 'b', long)]
    pub broker: Option<String>,
    /// How many messages to send (all with the same body).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,
    #[arg(long, value_enum, default_value_t)]
    pub mode: SendMode,
    /// Producer group named in the requests.
    #[arg(long, default_value = "rmq_tools_producer")]
    pub producer_group: String,
    #[arg(short, long, value_enum, default_value_t)]
    pub output: MsgOutput,
}

fn parse_property(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}': expected NAME=VALUE"))?;
    let bad = |t: &str| {
        t.contains(message::NAME_VALUE_SEPARATOR) || t.contains(message::PROPERTY_SEPARATOR)
    };
    if k.is_empty() || v.is_empty() || bad(k) || bad(v) {
        return Err(format!(
            "'{s}': name and value must be non-empty and free of \\u0001 and \\u0002"
        ));
    }
    if is_system_property(k) {
        return Err(format!(
            "'{k}' is a system property; use --tags, --keys or --delay-level for those"
        ));
    }
    Ok((k.to_string(), v.to_string()))
}

fn read_body(spec: &str) -> anyhow::Result<Vec<u8>> {
    let body = if spec == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read the body from standard input")?;
        buf
    } else if let Some(path) = spec.strip_prefix('@') {
        std::fs::read(path).with_context(|| format!("cannot read the body from {path}"))?
    } else {
        spec.as_bytes().to_vec()
    };
    if body.is_empty() {
        bail!("the message body is empty (brokers and Java clients reject empty bodies)");
    }
    Ok(body)
}

/// One send and how it went.
fn send_status(result: &Result<Option<rmq::client::SendOutcome>, ClientError>) -> &'static str {
    match result {
        Ok(None) => "ONEWAY",
        Ok(Some(o)) => match o.status {
            ResponseCode::FLUSH_DISK_TIMEOUT => "FLUSH_DISK_TIMEOUT",
            ResponseCode::FLUSH_SLAVE_TIMEOUT => "FLUSH_SLAVE_TIMEOUT",
            ResponseCode::SLAVE_NOT_AVAILABLE => "SLAVE_NOT_AVAILABLE",
            _ => "SEND_OK",
        },
        Err(_) => "FAILED",
    }
}

fn send(args: SendArgs) -> anyhow::Result<()> {
    let spec = args
        .body
        .clone()
        .or_else(|| args.body_flag.clone())
        .unwrap_or_default();
    let body = Bytes::from(read_body(&spec)?);
    with_client(&args.client, async |client| {
        let options = ProducerOptions {
            group: args.producer_group.clone(),
            broker: args.broker.clone(),
            ..ProducerOptions::default()
        };
        let producer = Arc::new(Producer::new(client.clone(), options));
        let route = producer.route(&args.topic).await?;
        let queues = select_queues(
            route.queues.clone(),
            &args.topic,
            args.broker.as_deref(),
            args.queue,
        )?;
        if queues.is_empty() {
            bail!(
                "topic {} has no writable queue on a master broker{}",
                args.topic,
                if route.auto_create {
                    " (via the default topic)"
                } else {
                    ""
                }
            );
        }
        if args.queue.is_some() && queues.len() > 1 {
            let names: Vec<&str> = queues.iter().map(|q| q.broker_name.as_str()).collect();
            usage_error(format!(
                "queue {} exists on several brokers ({}); choose one with -b",
                args.queue.unwrap_or_default(),
                names.join(", ")
            ));
        }
        let mut msg = Message::new(&args.topic, body)
            .with_tags(args.tags.as_deref().unwrap_or_default())
            .with_keys(args.keys.iter().flat_map(|k| k.split(' ')));
        if let Some(level) = args.delay_level {
            msg = msg.with_delay_level(level);
        }
        for (k, v) in &args.properties {
            msg = msg.with_property(k, v);
        }
        let msg = msg.with_wait_store();
        let select = match (&args.sharding_key, args.queue) {
            (Some(key), _) => QueueSelect::by_key(key),
            (None, Some(id)) => QueueSelect::Queue(id),
            (None, None) => QueueSelect::RoundRobin,
        };
        let sent = match args.mode {
            SendMode::Sync | SendMode::Oneway => {
                let mut sent = Vec::with_capacity(args.count.min(1 << 16) as usize);
                for _ in 0..args.count {
                    sent.push(if args.mode == SendMode::Oneway {
                        producer.send_oneway(&msg, select).await
                    } else {
                        producer.send(&msg, select).await
                    });
                }
                if args.mode == SendMode::Oneway {
                    producer.flush(&sent).await;
                }
                sent
            }
            // At most 256 sends wait for answers at a time.
            SendMode::Async => {
                let messages = (0..args.count).map(|_| msg.clone());
                producer.send_many(messages, select, 256).await
            }
        };
        print_sent(&args, &sent)?;
        let failed: Vec<&Sent> = sent.iter().filter(|s| s.result.is_err()).collect();
        if let Some(first) = failed.first() {
            let err = first
                .result
                .as_ref()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            bail!(
                "{} of {} message(s) failed; first error: {err}",
                failed.len(),
                sent.len()
            );
        }
        Ok(())
    })
}

fn sent_json(topic: &str, s: &Sent) -> Value {
    let ok = s.result.as_ref().ok().and_then(|o| o.as_ref());
    json!({
        "msgId": s.msg_id,
        "offsetMsgId": ok.map(|o| o.offset_msg_id.clone()),
        "topic": topic,
        "brokerName": s.queue().broker_name,
        "brokerAddr": s.queue().broker_addr,
        "queueId": ok.map_or(s.queue().queue_id, |o| o.queue_id),
        "queueOffset": ok.map(|o| o.queue_offset),
        "status": send_status(&s.result),
        "error": s.result.as_ref().err().map(|e| e.to_string()),
    })
}

fn print_sent(args: &SendArgs, sent: &[Sent]) -> anyhow::Result<()> {
    match args.output {
        MsgOutput::Json | MsgOutput::Ndjson => {
            let mut printer = Printer::new(args.output, BodyFormat::None);
            let mut out = std::io::stdout().lock();
            for s in sent {
                printer.json_item(&mut out, &sent_json(&args.topic, s))?;
            }
            drop(out);
            printer.finish()
        }
        MsgOutput::Table => {
            let mut t = table([
                "Msg id",
                "Offset msg id",
                "Broker",
                "Queue",
                "Offset",
                "Status",
            ]);
            for s in sent {
                let ok = s.result.as_ref().ok().and_then(|o| o.as_ref());
                t.add_row(vec![
                    s.msg_id.clone().unwrap_or_default(),
                    ok.map_or("-".into(), |o| o.offset_msg_id.clone()),
                    s.queue().broker_name.clone(),
                    ok.map_or(s.queue().queue_id, |o| o.queue_id).to_string(),
                    ok.map_or("-".into(), |o| o.queue_offset.to_string()),
                    match &s.result {
                        Err(e) => format!("FAILED: {e}"),
                        r => send_status(r).to_string(),
                    },
                ]);
            }
            println!("{t}");
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// consume

/// Where a read starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum From {
    Point(Point),
    /// A queue offset, the same for every queue read.
    Offset(i64),
}

/// An integer below 10^12 is a queue offset; larger ones are epoch milliseconds (10^12 ms is
/// 2001, and no queue holds 10^12 messages).
fn parse_from(s: &str) -> Result<From, String> {
    if let Ok(n) = s.trim().parse::<i64>() {
        if (0..1_000_000_000_000).contains(&n) {
            return Ok(From::Offset(n));
        }
    }
    parse_point(s).map(From::Point)
}

const CONSUME_AFTER_HELP: &str = "\
FROM: earliest | latest | a queue offset (an integer below 10^12, for each queue read) | a time \
(now, -2h, epoch milliseconds, RFC 3339, yyyy-MM-dd#HH:mm:ss:SSS). Default: the group's \
committed offset (earliest where it has none); without -g, earliest.

Without -g reads run as group rmq_tools (created on the broker when it auto-creates groups); \
its offsets are never committed. Stop --follow with Ctrl-C.";

#[derive(Debug, Args)]
#[command(after_help = CONSUME_AFTER_HELP)]
pub struct ConsumeArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Topic.
    #[arg(short = 't', long)]
    pub topic: String,
    /// Consumer group whose offsets are the default start (and are committed with --commit).
    #[arg(short = 'g', long)]
    pub group: Option<String>,
    /// Only this broker (name).
    #[arg(short = 'b', long)]
    pub broker: Option<String>,
    /// Only this queue id.
    #[arg(long, short_alias = 'i', value_name = "ID")]
    pub queue: Option<i32>,
    /// Where to start (see below).
    #[arg(long, short_alias = 's', value_name = "FROM", value_parser = parse_from, allow_hyphen_values = true)]
    pub from: Option<From>,
    /// Stop at messages stored after this time.
    #[arg(long, short_alias = 'e', value_name = "TIME", value_parser = parse_time, allow_hyphen_values = true)]
    pub until: Option<i64>,
    /// Tag expression: `*`, `TagA`, `TagA || TagB`.
    #[arg(long, value_name = "EXPR", default_value = "*")]
    pub tag: String,
    /// Stop after this many messages.
    #[arg(long, short_alias = 'c', value_name = "N")]
    pub count: Option<u64>,
    /// Keep waiting for new messages (long polling) until Ctrl-C or --count.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Commit the group's offsets past the messages read.
    #[arg(long, requires = "group")]
    pub commit: bool,
    /// How to show bodies (zlib-compressed bodies are shown decompressed).
    #[arg(long, value_enum, default_value_t)]
    pub body: BodyFormat,
    #[arg(short, long, value_enum, default_value_t)]
    pub output: MsgOutput,
}

/// Read state of one queue.
/// The start a `--from` names.
fn start_of(from: From) -> Start {
    match from {
        From::Offset(n) => Start::Offset(n),
        From::Point(Point::Earliest) => Start::Earliest,
        From::Point(Point::Latest) => Start::Latest,
        From::Point(Point::Time(ms)) => Start::Time(ms),
    }
}

fn consume(args: ConsumeArgs) -> anyhow::Result<()> {
    if args.follow && args.output == MsgOutput::Json {
        usage_error("--follow never ends a JSON document: use -o ndjson (or table)");
    }
    with_client(&args.client, async |client| {
        let group = args.group.as_deref().unwrap_or(TOOLS_GROUP);
        let consumer = PullConsumer::new(client.clone(), &args.topic, group)
            .subscribe(&args.tag, EXPRESSION_TYPE_TAG);
        let queues = consumer.queues(args.broker.as_deref(), args.queue).await?;
        if queues.is_empty() {
            bail!(
                "topic {} has no readable queue on a master broker",
                args.topic
            );
        }
        let start = args.from.map(start_of);
        let mut reader = Reader::open(consumer, queues, start, args.group.is_some())
            .await?
            .until(args.until)
            .limit(args.count);
        let mut printer = Printer::new(args.output, args.body);
        let mut sink = |event: ReadEvent<'_>| -> anyhow::Result<()> {
            match event {
                ReadEvent::Message { record, queue } => printer.message(record, &queue.broker_name),
                ReadEvent::Warning(w) => {
                    eprintln!("rmq: warning: {w}");
                    Ok(())
                }
            }
        };
        let mut result = reader.read(&mut sink).await;
        if result.is_ok() && args.follow {
            // With --commit a follow commits every 5 s so a killed read loses little progress.
            let commit_every = args.commit.then_some(Duration::from_secs(5));
            let stop = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            result = reader
                .follow(LONG_POLL, commit_every, stop, &mut sink)
                .await;
        }
        printer.finish()?;
        if args.commit {
            let written = reader.commit().await?;
            if !written.is_empty() {
                let list: Vec<String> = written
                    .iter()
                    .map(|c| format!("{}/{}={}", c.broker_name, c.queue_id, c.offset))
                    .collect();
                eprintln!(
                    "rmq: committed offsets of group {group}: {}",
                    list.join(", ")
                );
            }
        }
        result
    })
}

// ---------------------------------------------------------------------------------------------
// get

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("by").required(true).args(["id", "key", "offset"])))]
pub struct GetArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Message id: an offset id, or a client id (UNIQ_KEY; needs -t).
    #[arg(long, short_alias = 'i', value_name = "ID")]
    pub id: Option<String>,
    /// Message key (needs -t).
    #[arg(short = 'k', long, value_name = "KEY", requires = "topic")]
    pub key: Option<String>,
    /// Queue offset (needs -t and --queue; -b when the topic is on several brokers).
    #[arg(long, value_name = "N", requires_all = ["topic", "queue"])]
    pub offset: Option<i64>,
    /// Topic.
    #[arg(short = 't', long)]
    pub topic: Option<String>,
    /// Broker name (with --offset).
    #[arg(short = 'b', long)]
    pub broker: Option<String>,
    /// Queue id (with --offset).
    #[arg(long, value_name = "ID")]
    pub queue: Option<i32>,
    /// Key lookups: most messages per broker.
    #[arg(long, default_value_t = 64)]
    pub max: i32,
    /// Key lookups: stored at or after this time.
    #[arg(long, value_parser = parse_time, allow_hyphen_values = true)]
    pub begin: Option<i64>,
    /// Key lookups: stored at or before this time.
    #[arg(long, value_parser = parse_time, allow_hyphen_values = true)]
    pub end: Option<i64>,
    /// How to show bodies.
    #[arg(long, value_enum, default_value_t)]
    pub body: BodyFormat,
    #[arg(short, long, value_enum, default_value_t)]
    pub output: MsgOutput,
}

/// Stored records found by a lookup, with the broker name when known.
fn get(args: GetArgs) -> anyhow::Result<()> {
    with_client(&args.client, async |client| {
        let topic = args.topic.as_deref().unwrap_or_default();
        let found = if let Some(id) = &args.id {
            client.lookup_by_id(id, args.topic.as_deref()).await?
        } else if let Some(key) = &args.key {
            let query = KeyQuery {
                broker: args.broker.as_deref(),
                max: args.max,
                begin: args.begin.unwrap_or(0),
                end: args.end.unwrap_or(i64::MAX),
            };
            client.lookup_by_key(topic, key, &query).await?
        } else if let Some(offset) = args.offset {
            let queues = PullConsumer::new(client.clone(), topic, TOOLS_GROUP)
                .queues(args.broker.as_deref(), args.queue)
                .await?;
            let [q] = queues.as_slice() else {
                let names: Vec<&str> = queues.iter().map(|q| q.broker_name.as_str()).collect();
                usage_error(format!(
                    "queue {} of {topic} is on several brokers ({}); choose one with -b",
                    args.queue.unwrap_or_default(),
                    names.join(", ")
                ));
            };
            vec![client.lookup_by_queue_offset(topic, q, offset).await?]
        } else {
            usage_error("pass --id, --key or --offset");
        };
        // Each lookup answers whole stored records; they are shown one by one.
        let mut values = Vec::new();
        for f in &found {
            for r in decode_records(&f.record) {
                let r = r.context("the broker answered an undecodable message")?;
                values.push(message_json(&r, f.broker.as_deref(), args.body));
            }
        }
        match args.output {
            MsgOutput::Json | MsgOutput::Ndjson => {
                let mut printer = Printer::new(args.output, args.body);
                let mut out = std::io::stdout().lock();
                for v in &values {
                    printer.json_item(&mut out, v)?;
                }
                drop(out);
                printer.finish()?;
            }
            MsgOutput::Table => {
                for v in &values {
                    println!("{}", message_detail_table(v));
                }
            }
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// decode-id

#[derive(Debug, Args)]
pub struct DecodeIdArgs {
    /// Message ids (offset ids or client ids).
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
    /// mqadmin's -i ID.
    #[arg(short = 'i', hide = true, value_name = "ID")]
    pub id_flag: Vec<String>,
    #[arg(short, long, value_enum, default_value_t)]
    pub output: MsgOutput,
}

fn decode_one(id: &str) -> anyhow::Result<Value> {
    let id = id.trim().to_ascii_uppercase();
    if !is_message_id(&id) {
        bail!("'{id}' is not a message id: expected 32 or 56 hexadecimal characters");
    }
    // The two kinds have the same length; both readings are given, with the likelier first.
    let offset = decode_offset_msg_id(&id).ok().map(|(addr, off)| {
        json!({
            "storeHost": addr.to_string(),
            "ip": addr.ip().to_string(),
            "port": addr.port(),
            "commitLogOffset": off,
        })
    });
    let client = decode_client_id(&id).map(|c| {
        json!({
            "ip": c.ip.to_string(),
            "pid": c.pid,
            "processHash": c.process_hash,
            "timestamp": c.time,
            "time": fmt_time(c.time),
            "counter": c.counter,
        })
    });
    let likely = if plausible_offset_id(&id).is_some() {
        "offset"
    } else {
        "client"
    };
    Ok(json!({
        "id": id,
        "likely": likely,
        "offsetId": offset,
        "clientId": client,
    }))
}

fn decode_id(args: DecodeIdArgs) -> anyhow::Result<()> {
    let ids: Vec<&String> = args.ids.iter().chain(&args.id_flag).collect();
    let values = ids
        .iter()
        .map(|id| decode_one(id))
        .collect::<anyhow::Result<Vec<_>>>()?;
    match args.output {
        MsgOutput::Json | MsgOutput::Ndjson => {
            let mut printer = Printer::new(args.output, BodyFormat::None);
            let mut out = std::io::stdout().lock();
            for v in &values {
                printer.json_item(&mut out, v)?;
            }
            drop(out);
            printer.finish()
        }
        MsgOutput::Table => {
            // People get the likely reading; -o json has both.
            for v in &values {
                let (name, fields, keys): (&str, &Value, &[&str]) = if v["likely"] == "offset" {
                    (
                        "offset id",
                        &v["offsetId"],
                        &["storeHost", "ip", "port", "commitLogOffset"],
                    )
                } else {
                    (
                        "client id (UNIQ_KEY)",
                        &v["clientId"],
                        &["ip", "pid", "processHash", "time", "timestamp", "counter"],
                    )
                };
                let mut t = table(["Field", "Value"]);
                t.add_row(vec![
                    "id".to_string(),
                    v["id"].as_str().unwrap_or_default().to_string(),
                ]);
                t.add_row(vec!["kind".to_string(), name.to_string()]);
                for k in keys {
                    let val = &fields[*k];
                    let text = val.as_str().map_or_else(|| val.to_string(), str::to_string);
                    t.add_row(vec![k.to_string(), text]);
                }
                println!("{t}");
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn id_and_flag_parsing_never_panics(s in "\\PC{0,60}", h in "[0-9A-Fa-f]{0,60}") {
            let _ = decode_one(&s);
            let _ = decode_one(&h);
            let _ = parse_property(&s);
            let _ = parse_from(&s);
        }
    }

    #[test]
    fn offset_ids_are_told_apart() {
        let id = message::offset_msg_id("127.0.0.1:10911".parse().unwrap(), 4242);
        assert!(decode_one("xyz").is_err());
        let v = decode_one(&id).unwrap();
        assert_eq!(v["likely"], "offset");
        assert_eq!(v["offsetId"]["commitLogOffset"], 4242);
    }

    #[test]
    fn properties_and_from() {
        assert!(parse_property("a=b").is_ok());
        assert!(parse_property("a=").is_err());
        assert!(parse_property("TAGS=x").is_err());
        assert_eq!(parse_from("12"), Ok(From::Offset(12)));
        assert_eq!(parse_from("earliest"), Ok(From::Point(Point::Earliest)));
        assert_eq!(
            parse_from("1700000000000"),
            Ok(From::Point(Point::Time(1_700_000_000_000)))
        );
    }
}
