//! `rmq message send|consume|get|decode-id`: produce test messages, read a topic without a
//! consumer process, look messages up by id, key or queue offset, and explain message ids
//! (mqadmin sendMessage, consumeMessage, printMsg, queryMsgById, queryMsgByKey,
//! queryMsgByOffset, decodeMessageId).
//!
//! JSON output uses Java's `MessageExt` field names. `msgId` is the client id (the UNIQ_KEY
//! property a producer sets) when the message has one, else the offset id, as Java's
//! `MessageClientExt` does; `offsetMsgId` is always the store host + CommitLog offset id.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use bytes::Bytes;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Map, Value};

use super::common::{block_on, ClientArgs};
use super::offset::{fmt_time, local_to_ms, now_ms, parse_point, parse_time, Point};
use super::output::table;
use rmq::client::{
    publish_queues, subscribe_queues, ClientError, MqClient, QueueAddr, SendOutcome,
};
use rmq::common::clock::CivilTime;
use rmq::common::message::{
    self, decode_offset_msg_id, decode_records, java_string_hash, property, push_property,
    RecordView,
};
use rmq::filter::build_subscription;
use rmq::protocol::body::{SubscriptionData, TopicRouteData, EXPRESSION_TYPE_TAG};
use rmq::protocol::header::{pull_sys_flag, PullMessageRequestHeader, SendMessageRequestHeaderV2};
use rmq::protocol::ResponseCode;
use rmq::store::inspect::{decode_body, BodyEncoding, BodyText};

/// The topic whose route stands in for a topic that does not exist yet (auto-creation).
const DEFAULT_TOPIC: &str = rmq::common::names::AUTO_CREATE_TOPIC_KEY_TOPIC;
/// Queues an auto-created topic gets (the Java producer's `defaultTopicQueueNums`).
const DEFAULT_TOPIC_QUEUE_NUMS: i32 = 4;
/// The group reads run under when no -g is given. One fixed name: it never commits offsets,
/// and brokers that auto-create groups persist every name they see, so a per-run name would
/// leave a new group behind on every run.
const TOOLS_GROUP: &str = "rmq_tools";
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
    #[command(name = "sendMessage", hide = true)]
    SendMessage(SendArgs),
    #[command(name = "consumeMessage", hide = true)]
    ConsumeMessage(ConsumeArgs),
    #[command(name = "printMsg", hide = true)]
    PrintMsg(ConsumeArgs),
    #[command(name = "queryMsgById", hide = true)]
    QueryMsgById(GetArgs),
    #[command(name = "queryMsgByKey", hide = true)]
    QueryMsgByKey(GetArgs),
    #[command(name = "queryMsgByOffset", hide = true)]
    QueryMsgByOffset(GetArgs),
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
// Client message ids (UNIQ_KEY)

/// Makes client message ids the way the Java producer does (`MessageClientIDSetter`):
/// hex of IP (4 or 16 bytes) + pid (2) + a per-process random value (4, Java: the class
/// loader's hash) + milliseconds since the start of the local month (4) + a counter (2).
struct UniqIds {
    prefix: String,
    counter: AtomicU16,
}

impl UniqIds {
    fn new(ip: IpAddr) -> UniqIds {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_i64(now_ms());
        hasher.write_u32(std::process::id());
        let random = hasher.finish();
        let mut raw = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        // Java writes the pid as a short: its low 16 bits.
        raw.extend_from_slice(&(std::process::id() as u16).to_be_bytes());
        raw.extend_from_slice(&(random as u32).to_be_bytes());
        UniqIds {
            prefix: hex_upper(&raw),
            counter: AtomicU16::new((random >> 32) as u16),
        }
    }

    fn next(&self) -> String {
        let now = now_ms();
        let CivilTime {
            year: y, month: mo, ..
        } = CivilTime::local(now);
        let span = now - local_to_ms(y, mo, 1, 0, 0, 0, 0);
        let mut raw = (span as u32).to_be_bytes().to_vec();
        raw.extend_from_slice(&self.counter.fetch_add(1, Ordering::Relaxed).to_be_bytes());
        format!("{}{}", self.prefix, hex_upper(&raw))
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// The local address used to reach `addr` (no packet is sent: connecting a UDP socket only
/// picks the route); 127.0.0.1 when that fails.
fn local_ip_towards(addr: &str) -> IpAddr {
    let pick = || -> std::io::Result<IpAddr> {
        let socket = std::net::UdpSocket::bind("0.0.0.0:0")?;
        socket.connect(addr)?;
        Ok(socket.local_addr()?.ip())
    };
    pick().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// What a client id says.
struct ClientIdInfo {
    ip: IpAddr,
    pid: u16,
    /// The per-process value (Java: class loader hash), hex.
    process_hash: String,
    /// Approximate creation time: the id holds ms since a month start, taken as the current
    /// local month (the previous one if that would be in the future), as Java does.
    time: i64,
    counter: u16,
}

fn decode_client_id(id: &str) -> Option<ClientIdInfo> {
    let raw = hex_bytes(id)?;
    let ip_len = match raw.len() {
        16 => 4,
        28 => 16,
        _ => return None,
    };
    let ip = if ip_len == 4 {
        IpAddr::V4(Ipv4Addr::new(raw[0], raw[1], raw[2], raw[3]))
    } else {
        let mut o = [0u8; 16];
        o.copy_from_slice(&raw[..16]);
        IpAddr::V6(Ipv6Addr::from(o))
    };
    let at = ip_len;
    let pid = u16::from_be_bytes([raw[at], raw[at + 1]]);
    let process_hash = hex_upper(&raw[at + 2..at + 6]);
    let span = i64::from(u32::from_be_bytes([
        raw[at + 6],
        raw[at + 7],
        raw[at + 8],
        raw[at + 9],
    ]));
    let counter = u16::from_be_bytes([raw[at + 10], raw[at + 11]]);
    let now = now_ms();
    let CivilTime {
        year: y, month: mo, ..
    } = CivilTime::local(now);
    let mut start = local_to_ms(y, mo, 1, 0, 0, 0, 0);
    // Java uses >=, which puts an id made in this very millisecond a month back.
    if start + span > now {
        let (py, pm) = if mo == 1 { (y - 1, 12) } else { (y, mo - 1) };
        start = local_to_ms(py, pm, 1, 0, 0, 0, 0);
    }
    Some(ClientIdInfo {
        ip,
        pid,
        process_hash,
        time: start + span,
        counter,
    })
}

/// Whether an id reads well as an offset id: the port's high 16 bits and the CommitLog
/// offset's top 16 bits are zero. A client id has its pid and process hash there, so a client
/// id passes only by a 1-in-2^32 accident.
fn plausible_offset_id(id: &str) -> Option<(SocketAddr, i64)> {
    let raw = hex_bytes(id)?;
    let ip_len = match raw.len() {
        16 => 4,
        28 => 16,
        _ => return None,
    };
    let (addr, offset) = decode_offset_msg_id(id).ok()?;
    let plausible = raw[ip_len] == 0
        && raw[ip_len + 1] == 0
        && addr.port() != 0
        && raw[ip_len + 4] == 0
        && raw[ip_len + 5] == 0;
    plausible.then_some((addr, offset))
}

// ---------------------------------------------------------------------------------------------
// Routes and queues

/// The route of `topic`; for a topic that does not exist yet, the default topic's route capped
/// at the producer's queue count, so the broker auto-creates it on the first send (as the Java
/// producer does). The flag tells which.
async fn send_route(client: &MqClient, topic: &str) -> anyhow::Result<(TopicRouteData, bool)> {
    match client.route(topic).await {
        Ok(r) => Ok((r, false)),
        Err(ClientError::NoRoute(_)) => {
            let mut r = client.route(DEFAULT_TOPIC).await.map_err(|_| {
                anyhow::anyhow!(
                    "no route for topic {topic}, and no broker allows auto-creation \
                     ({DEFAULT_TOPIC} has no route): create the topic first"
                )
            })?;
            for q in &mut r.queue_datas {
                q.write_queue_nums = q.write_queue_nums.min(DEFAULT_TOPIC_QUEUE_NUMS);
                q.read_queue_nums = q.read_queue_nums.min(DEFAULT_TOPIC_QUEUE_NUMS);
            }
            Ok((r, true))
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("cannot read the route of {topic}"))),
    }
}

/// Keeps the queues of broker `name` (when given) and queue `id` (when given).
fn select_queues(
    mut queues: Vec<QueueAddr>,
    topic: &str,
    broker: Option<&str>,
    queue: Option<i32>,
) -> anyhow::Result<Vec<QueueAddr>> {
    if let Some(b) = broker {
        let names: Vec<String> = queues.iter().map(|q| q.broker_name.clone()).collect();
        queues.retain(|q| q.broker_name == b || q.broker_addr == b);
        if queues.is_empty() {
            let mut names = names;
            names.dedup();
            bail!(
                "topic {topic} has no queue on broker {b} (its brokers: {})",
                names.join(", ")
            );
        }
    }
    if let Some(id) = queue {
        let count = queues.len();
        queues.retain(|q| q.queue_id == id);
        if queues.is_empty() {
            bail!("topic {topic} has no queue {id} (queues 0..{count} here); check -b/--queue");
        }
    }
    Ok(queues)
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

/// Property names the client or broker sets; users must not (Java's `putUserProperty` rule).
const RESERVED_PROPERTIES: &[&str] = &[
    property::KEYS,
    property::TAGS,
    property::WAIT,
    property::DELAY,
    property::RETRY_TOPIC,
    property::REAL_TOPIC,
    property::REAL_QID,
    property::TRAN_MSG,
    property::PGROUP,
    property::UNIQ_KEY,
    property::CLUSTER,
    property::ORIGIN_MESSAGE_ID,
    property::RECONSUME_TIME,
    property::MAX_RECONSUME_TIMES,
    property::MSG_REGION,
    property::TRACE_ON,
    property::TRANSACTION_ID,
    property::CHECK_IMMUNITY_TIME_IN_SECONDS,
    property::TRANSACTION_CHECK_TIMES,
    "MIN_OFFSET",
    "MAX_OFFSET",
    "BUYER_ID",
    "CORRECTION_FLAG",
    "MQ2_FLAG",
    "TRANSFER_FLAG",
    "INSTANCE_ID",
];

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
    if RESERVED_PROPERTIES.contains(&k) {
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
struct Sent {
    msg_id: String,
    queue: QueueAddr,
    result: Result<Option<SendOutcome>, ClientError>,
}

fn send_status(result: &Result<Option<SendOutcome>, ClientError>) -> &'static str {
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
        let (route, auto_create) = send_route(&client, &args.topic).await?;
        let queues = select_queues(
            publish_queues(&route),
            &args.topic,
            args.broker.as_deref(),
            args.queue,
        )?;
        if queues.is_empty() {
            bail!(
                "topic {} has no writable queue on a master broker{}",
                args.topic,
                if auto_create {
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
        let ids = UniqIds::new(local_ip_towards(&queues[0].broker_addr));
        let mut props = String::new();
        if let Some(tags) = args.tags.as_deref().filter(|t| !t.is_empty()) {
            push_property(&mut props, property::TAGS, tags);
        }
        let keys: Vec<&str> = args
            .keys
            .iter()
            .flat_map(|k| k.split(' '))
            .filter(|k| !k.is_empty())
            .collect();
        if !keys.is_empty() {
            push_property(&mut props, property::KEYS, &keys.join(" "));
        }
        if let Some(level) = args.delay_level {
            push_property(&mut props, property::DELAY, &level.to_string());
        }
        for (k, v) in &args.properties {
            push_property(&mut props, k, v);
        }
        push_property(&mut props, property::WAIT, "true");

        // Queue choice: a fixed queue, the sharding key's hash (Java's SelectMessageQueueByHash),
        // or round robin from a random start.
        let fixed = match &args.sharding_key {
            Some(key) => {
                let n = queues.len() as i32;
                Some((java_string_hash(key) % n).unsigned_abs() as usize)
            }
            None if args.queue.is_some() => Some(0),
            None => None,
        };
        let start = (RandomState::new().hash_one(now_ms()) as usize) % queues.len();
        let mut sent: Vec<(u64, Sent)> = Vec::with_capacity(args.count.min(1 << 16) as usize);
        let mut in_flight = tokio::task::JoinSet::new();
        for i in 0..args.count {
            let q = queues[fixed.unwrap_or((start + i as usize) % queues.len())].clone();
            let msg_id = ids.next();
            let mut p = props.clone();
            push_property(&mut p, property::UNIQ_KEY, &msg_id);
            let header = SendMessageRequestHeaderV2 {
                producer_group: args.producer_group.clone(),
                topic: args.topic.clone(),
                default_topic: DEFAULT_TOPIC.into(),
                default_topic_queue_nums: DEFAULT_TOPIC_QUEUE_NUMS,
                queue_id: q.queue_id,
                sys_flag: 0,
                born_timestamp: now_ms(),
                flag: 0,
                properties: Some(p),
                reconsume_times: Some(0),
                unit_mode: Some(false),
                max_reconsume_times: None,
                batch: Some(false),
                broker_name: None,
            };
            match args.mode {
                SendMode::Sync | SendMode::Oneway => {
                    let oneway = args.mode == SendMode::Oneway;
                    let result = client
                        .send_to(&q.broker_addr, &header, body.clone(), false, oneway)
                        .await;
                    sent.push((
                        i,
                        Sent {
                            msg_id,
                            queue: q,
                            result,
                        },
                    ));
                }
                SendMode::Async => {
                    // Bounded: at most 256 sends wait for answers at a time.
                    while in_flight.len() >= 256 {
                        if let Some(Ok(s)) = in_flight.join_next().await {
                            sent.push(s);
                        }
                    }
                    let (client, body) = (client.clone(), body.clone());
                    in_flight.spawn(async move {
                        let result = client
                            .send_to(&q.broker_addr, &header, body, false, false)
                            .await;
                        (
                            i,
                            Sent {
                                msg_id,
                                queue: q,
                                result,
                            },
                        )
                    });
                }
            }
        }
        while let Some(joined) = in_flight.join_next().await {
            if let Ok(s) = joined {
                sent.push(s);
            }
        }
        // Async answers arrive in any order; report in send order.
        sent.sort_by_key(|(i, _)| *i);
        let sent: Vec<Sent> = sent.into_iter().map(|(_, s)| s).collect();
        if args.mode == SendMode::Oneway {
            // Oneway frames sit in the connection's write queue; a request answered on the
            // same connection proves they were written before the process exits.
            let mut seen: Vec<&str> = Vec::new();
            for s in &sent {
                if !seen.contains(&s.queue.broker_addr.as_str()) {
                    seen.push(&s.queue.broker_addr);
                    let _ = client
                        .max_offset(&s.queue.broker_addr, &args.topic, s.queue.queue_id)
                        .await;
                }
            }
        }
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
        "brokerName": s.queue.broker_name,
        "brokerAddr": s.queue.broker_addr,
        "queueId": ok.map_or(s.queue.queue_id, |o| o.queue_id),
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
                    s.msg_id.clone(),
                    ok.map_or("-".into(), |o| o.offset_msg_id.clone()),
                    s.queue.broker_name.clone(),
                    ok.map_or(s.queue.queue_id, |o| o.queue_id).to_string(),
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
struct Cursor {
    queue: QueueAddr,
    /// Next offset to pull.
    next: i64,
    /// The offset committed when the read began (None: none).
    committed: Option<i64>,
    /// Offset just past the last message handled (what --commit writes).
    progress: Option<i64>,
    /// Nothing more to read (caught up, or past --until).
    done: bool,
}

/// What a consume is doing: filters, limits, output.
struct Reader {
    topic: String,
    group: String,
    expr: String,
    sub: SubscriptionData,
    until: Option<i64>,
    limit: Option<u64>,
    printer: Printer,
}

impl Reader {
    fn remaining(&self) -> Option<u64> {
        self.limit.map(|l| l.saturating_sub(self.printer.count))
    }

    fn header(
        &self,
        queue_id: i32,
        offset: i64,
        suspend: Option<Duration>,
    ) -> PullMessageRequestHeader {
        let batch = self.remaining().map_or(32, |r| r.clamp(1, 32)) as i32;
        let mut sys_flag = pull_sys_flag::SUBSCRIPTION;
        if suspend.is_some() {
            sys_flag |= pull_sys_flag::SUSPEND;
        }
        PullMessageRequestHeader {
            consumer_group: self.group.clone(),
            topic: self.topic.clone(),
            queue_id,
            queue_offset: offset,
            max_msg_nums: batch,
            sys_flag,
            commit_offset: 0,
            suspend_timeout_millis: suspend.map_or(0, |d| d.as_millis() as i64),
            subscription: Some(self.expr.clone()),
            sub_version: now_ms(),
            expression_type: Some(EXPRESSION_TYPE_TAG.into()),
            ..Default::default()
        }
    }

    /// Handles one pull answer for `cursor`: prints matching messages up to the limit and
    /// moves the cursor. Returns whether the queue may have more right away.
    fn handle(
        &mut self,
        cursor: &mut Cursor,
        code: ResponseCode,
        next_begin: i64,
        body: &[u8],
    ) -> anyhow::Result<bool> {
        let before = cursor.next;
        match code {
            ResponseCode::SUCCESS => {
                for record in decode_records(body) {
                    let r = match record {
                        Ok(r) => r,
                        Err(e) => {
                            eprintln!(
                                "rmq: warning: {}/{}: undecodable message after offset {}: {e}",
                                cursor.queue.broker_name,
                                cursor.queue.queue_id,
                                cursor.progress.unwrap_or(before)
                            );
                            break;
                        }
                    };
                    if self.until.is_some_and(|u| r.store_timestamp > u) {
                        cursor.done = true;
                        cursor.next = r.queue_offset;
                        return Ok(false);
                    }
                    if self.remaining() == Some(0) {
                        cursor.next = r.queue_offset;
                        return Ok(false);
                    }
                    // The broker matched tag hashes; the tag itself settles hash collisions
                    // (as the Java client does).
                    let tag_ok = self.sub.tags_set.is_empty()
                        || r.property(property::TAGS)
                            .is_some_and(|t| self.sub.tags_set.contains(&t));
                    if tag_ok {
                        self.printer.message(&r, &cursor.queue.broker_name)?;
                    }
                    cursor.progress = Some(r.queue_offset + 1);
                }
                cursor.next = next_begin.max(before);
                cursor.progress = Some(cursor.next);
                Ok(self.remaining() != Some(0))
            }
            ResponseCode::PULL_OFFSET_MOVED => {
                eprintln!(
                    "rmq: warning: {}/{}: offset {before} is not in the queue; continuing at {next_begin}",
                    cursor.queue.broker_name, cursor.queue.queue_id
                );
                cursor.next = next_begin;
                Ok(next_begin != before)
            }
            // Nothing matched (retry) or nothing there: the broker may still move us forward.
            _ => {
                cursor.next = next_begin.max(before);
                if cursor.next > before {
                    cursor.progress = Some(cursor.next);
                }
                Ok(cursor.next > before)
            }
        }
    }
}

fn consume(args: ConsumeArgs) -> anyhow::Result<()> {
    if args.follow && args.output == MsgOutput::Json {
        usage_error("--follow never ends a JSON document: use -o ndjson (or table)");
    }
    with_client(&args.client, async |client| {
        let route = client
            .route(&args.topic)
            .await
            .with_context(|| format!("cannot read the route of topic {}", args.topic))?;
        let queues = select_queues(
            subscribe_queues(&route),
            &args.topic,
            args.broker.as_deref(),
            args.queue,
        )?;
        if queues.is_empty() {
            bail!(
                "topic {} has no readable queue on a master broker",
                args.topic
            );
        }
        let group = args
            .group
            .clone()
            .unwrap_or_else(|| TOOLS_GROUP.to_string());
        let mut cursors = Vec::with_capacity(queues.len());
        for q in queues {
            let (addr, id) = (q.broker_addr.as_str(), q.queue_id);
            let committed = match &args.group {
                Some(g) => client
                    .query_consumer_offset(addr, g, &args.topic, id)
                    .await
                    .with_context(|| {
                        format!("cannot read the offset of {g} on {}/{id}", q.broker_name)
                    })?,
                None => None,
            };
            let next = match (args.from, committed) {
                (Some(From::Offset(n)), _) => n,
                (Some(From::Point(Point::Latest)), _) => {
                    client.max_offset(addr, &args.topic, id).await?
                }
                (Some(From::Point(Point::Time(ts))), _) => {
                    client.search_offset(addr, &args.topic, id, ts).await?
                }
                (None, Some(c)) => c,
                (Some(From::Point(Point::Earliest)), _) | (None, None) => {
                    client.min_offset(addr, &args.topic, id).await?
                }
            };
            cursors.push(Cursor {
                queue: q,
                next,
                committed,
                progress: None,
                done: false,
            });
        }
        let mut reader = Reader {
            topic: args.topic.clone(),
            group,
            expr: args.tag.clone(),
            sub: build_subscription(&args.topic, Some(&args.tag), None),
            until: args.until,
            limit: args.count,
            printer: Printer::new(args.output, args.body),
        };
        let result = read_all(&client, &mut reader, &mut cursors, args.follow, args.commit).await;
        reader.printer.finish()?;
        if args.commit {
            commit(&client, &reader.group, &args.topic, &mut cursors, true).await?;
        }
        result
    })
}

/// Reads every queue up to where it is now, then (with `follow`) waits for new messages on
/// all queues at once until the limit or Ctrl-C. With `commit`, a follow commits every 5 s so
/// a killed read loses little progress.
async fn read_all(
    client: &Arc<MqClient>,
    reader: &mut Reader,
    cursors: &mut [Cursor],
    follow: bool,
    commit_offsets: bool,
) -> anyhow::Result<()> {
    for cursor in cursors.iter_mut() {
        while !cursor.done && reader.remaining() != Some(0) {
            let h = reader.header(cursor.queue.queue_id, cursor.next, None);
            let outcome = client
                .pull(&cursor.queue.broker_addr, &h)
                .await
                .with_context(|| {
                    format!(
                        "cannot pull from {}/{} ({})",
                        cursor.queue.broker_name, cursor.queue.queue_id, cursor.queue.broker_addr
                    )
                })?;
            if !reader.handle(
                cursor,
                outcome.code,
                outcome.next_begin_offset,
                &outcome.body,
            )? {
                break;
            }
        }
    }
    if !follow || reader.remaining() == Some(0) {
        return Ok(());
    }
    // One long-polling task per queue; answers come back here so output and limits stay in
    // one place.
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let mut tasks = tokio::task::JoinSet::new();
    for (idx, cursor) in cursors.iter().enumerate() {
        if cursor.done {
            continue;
        }
        let (client, tx) = (client.clone(), tx.clone());
        let addr = cursor.queue.broker_addr.clone();
        let mut h = reader.header(cursor.queue.queue_id, cursor.next, Some(LONG_POLL));
        tasks.spawn(async move {
            loop {
                h.sub_version = now_ms();
                let answer = client.pull(&addr, &h).await;
                if let Ok(o) = &answer {
                    h.queue_offset = o.next_begin_offset.max(h.queue_offset);
                }
                let failed = answer.is_err();
                if tx.send((idx, answer)).await.is_err() {
                    return;
                }
                if failed {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
    }
    drop(tx);
    let mut commit_tick = tokio::time::interval(Duration::from_secs(5));
    commit_tick.reset();
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        tokio::select! {
            answer = rx.recv() => {
                let Some((idx, answer)) = answer else { break };
                let cursor = &mut cursors[idx];
                match answer {
                    Ok(o) => {
                        reader.handle(cursor, o.code, o.next_begin_offset, &o.body)?;
                    }
                    Err(e) => eprintln!(
                        "rmq: warning: pull from {}/{} failed (retrying): {e}",
                        cursor.queue.broker_name, cursor.queue.queue_id
                    ),
                }
                if reader.remaining() == Some(0) {
                    break;
                }
            }
            _ = commit_tick.tick(), if commit_offsets => {
                if let Err(e) = commit(client, &reader.group, &reader.topic, cursors, false).await {
                    eprintln!("rmq: warning: {e:#}");
                }
            }
            _ = &mut interrupted => break,
        }
    }
    tasks.abort_all();
    Ok(())
}

/// Writes each queue's progress as the group's offset (only where it moved).
async fn commit(
    client: &MqClient,
    group: &str,
    topic: &str,
    cursors: &mut [Cursor],
    report: bool,
) -> anyhow::Result<()> {
    let mut written = Vec::new();
    for c in cursors.iter_mut() {
        let Some(p) = c.progress else { continue };
        if c.committed == Some(p) {
            continue;
        }
        client
            .update_consumer_offset(&c.queue.broker_addr, group, topic, c.queue.queue_id, p)
            .await
            .with_context(|| {
                format!(
                    "cannot commit offset {p} of group {group} on {}/{}",
                    c.queue.broker_name, c.queue.queue_id
                )
            })?;
        c.committed = Some(p);
        written.push(format!("{}/{}={p}", c.queue.broker_name, c.queue.queue_id));
    }
    if report && !written.is_empty() {
        eprintln!(
            "rmq: committed offsets of group {group}: {}",
            written.join(", ")
        );
    }
    Ok(())
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
type Found = Vec<(Bytes, Option<String>)>;

fn get(args: GetArgs) -> anyhow::Result<()> {
    with_client(&args.client, async |client| {
        let found: Found = if let Some(id) = &args.id {
            by_id(&client, id.trim(), args.topic.as_deref()).await?
        } else if let Some(key) = &args.key {
            by_key(&client, &args, key).await?
        } else if let Some(offset) = args.offset {
            by_offset(&client, &args, offset).await?
        } else {
            usage_error("pass --id, --key or --offset");
        };
        // Each lookup answers whole stored records; they are shown one by one.
        let mut values = Vec::new();
        for (bytes, broker) in &found {
            for r in decode_records(bytes) {
                let r = r.context("the broker answered an undecodable message")?;
                values.push(message_json(&r, broker.as_deref(), args.body));
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

/// The broker name of a store address, when the name server knows it.
async fn broker_name_of(client: &MqClient, addr: &str) -> Option<String> {
    let info = client.cluster_info().await.ok()?;
    info.broker_addr_table
        .iter()
        .find(|(_, d)| d.broker_addrs.values().any(|a| a == addr))
        .map(|(n, _)| n.clone())
}

async fn by_id(client: &MqClient, id: &str, topic: Option<&str>) -> anyhow::Result<Found> {
    let id = id.to_ascii_uppercase();
    let mut offset_error = None;
    if let Some((addr, phys)) = plausible_offset_id(&id) {
        let addr = addr.to_string();
        match client.view_message(&addr, phys).await {
            Ok(bytes) => {
                let matches = decode_records(&bytes)
                    .next()
                    .and_then(Result::ok)
                    .is_some_and(|r| r.offset_msg_id() == id);
                if matches {
                    let name = broker_name_of(client, &addr).await;
                    return Ok(vec![(bytes, name)]);
                }
                offset_error = Some(format!("{addr} has no message starting at offset {phys}"));
            }
            Err(e) => offset_error = Some(e.to_string()),
        }
    }
    // Not an offset id (or its broker did not have it): look it up as a client id.
    let Some(topic) = topic else {
        bail!(
            "message id {id} is not an offset id of a reachable broker{}; for a client id \
             (UNIQ_KEY) pass -t TOPIC",
            offset_error.map(|e| format!(" ({e})")).unwrap_or_default()
        );
    };
    let route = client
        .route(topic)
        .await
        .with_context(|| format!("cannot read the route of topic {topic}"))?;
    let mut found = Found::new();
    let mut seen = Vec::new();
    for (name, addr) in route_masters(&route) {
        let bytes = client
            .query_message(&addr, topic, &id, 32, 0, i64::MAX, true)
            .await
            .with_context(|| format!("cannot query {name} ({addr}) by unique key"))?;
        for r in decode_records(&bytes).flatten() {
            if r.property(property::UNIQ_KEY).as_deref() == Some(id.as_str())
                && !seen.contains(&r.offset_msg_id())
            {
                seen.push(r.offset_msg_id());
                found.push((Bytes::copy_from_slice(r.raw), Some(name.clone())));
            }
        }
    }
    if found.is_empty() {
        bail!("no message with id {id} in topic {topic}");
    }
    Ok(found)
}

/// (broker name, master address) of each broker in a route.
fn route_masters(route: &TopicRouteData) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = route
        .broker_datas
        .iter()
        .filter_map(|b| Some((b.broker_name.clone(), b.master_addr()?.to_string())))
        .collect();
    out.sort();
    out.dedup();
    out
}

async fn by_key(client: &MqClient, args: &GetArgs, key: &str) -> anyhow::Result<Found> {
    let topic = args.topic.as_deref().unwrap_or_default();
    let route = client
        .route(topic)
        .await
        .with_context(|| format!("cannot read the route of topic {topic}"))?;
    let (begin, end) = (args.begin.unwrap_or(0), args.end.unwrap_or(i64::MAX));
    let mut found = Found::new();
    for (name, addr) in route_masters(&route) {
        if args.broker.as_deref().is_some_and(|b| b != name) {
            continue;
        }
        let bytes = client
            .query_message(&addr, topic, key, args.max, begin, end, false)
            .await
            .with_context(|| format!("cannot query {name} ({addr}) by key"))?;
        for r in decode_records(&bytes).flatten() {
            // The index holds key hashes: keep only messages that really carry the key.
            let has_key = r
                .property(property::KEYS)
                .is_some_and(|k| k.split(' ').any(|k| k == key));
            if has_key {
                found.push((Bytes::copy_from_slice(r.raw), Some(name.clone())));
            }
        }
    }
    if found.is_empty() {
        bail!("no message with key {key} in topic {topic}");
    }
    Ok(found)
}

async fn by_offset(client: &MqClient, args: &GetArgs, offset: i64) -> anyhow::Result<Found> {
    let topic = args.topic.as_deref().unwrap_or_default();
    let route = client
        .route(topic)
        .await
        .with_context(|| format!("cannot read the route of topic {topic}"))?;
    let queues = select_queues(
        subscribe_queues(&route),
        topic,
        args.broker.as_deref(),
        args.queue,
    )?;
    let [q] = queues.as_slice() else {
        let names: Vec<&str> = queues.iter().map(|q| q.broker_name.as_str()).collect();
        usage_error(format!(
            "queue {} of {topic} is on several brokers ({}); choose one with -b",
            args.queue.unwrap_or_default(),
            names.join(", ")
        ));
    };
    let h = PullMessageRequestHeader {
        consumer_group: TOOLS_GROUP.into(),
        topic: topic.into(),
        queue_id: q.queue_id,
        queue_offset: offset,
        max_msg_nums: 1,
        sys_flag: pull_sys_flag::SUBSCRIPTION,
        subscription: Some("*".into()),
        sub_version: now_ms(),
        expression_type: Some(EXPRESSION_TYPE_TAG.into()),
        ..Default::default()
    };
    let o = client
        .pull(&q.broker_addr, &h)
        .await
        .with_context(|| format!("cannot pull from {}/{}", q.broker_name, q.queue_id))?;
    let first = decode_records(&o.body).next().and_then(Result::ok);
    match first {
        Some(r) if o.code == ResponseCode::SUCCESS && r.queue_offset == offset => Ok(vec![(
            Bytes::copy_from_slice(r.raw),
            Some(q.broker_name.clone()),
        )]),
        _ => bail!(
            "no message at offset {offset} of {}/{} (the queue holds {}..{})",
            q.broker_name,
            q.queue_id,
            o.min_offset,
            o.max_offset
        ),
    }
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
    if hex_bytes(&id).is_none() || !(id.len() == 32 || id.len() == 56) {
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
    fn client_ids_round_trip() {
        let ids = UniqIds::new(IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)));
        let a = ids.next();
        let b = ids.next();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(&a[..20], &b[..20], "same process prefix");
        let info = decode_client_id(&a).unwrap();
        assert_eq!(info.ip, IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)));
        assert_eq!(info.pid, std::process::id() as u16);
        assert!((info.time - now_ms()).abs() < 5_000, "{}", info.time);
        assert!(plausible_offset_id(&a).is_none() || info.pid == 0);
    }

    #[test]
    fn offset_ids_are_told_apart() {
        let id = message::offset_msg_id("127.0.0.1:10911".parse().unwrap(), 4242);
        let (addr, off) = plausible_offset_id(&id).unwrap();
        assert_eq!((addr.port(), off), (10911, 4242));
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
