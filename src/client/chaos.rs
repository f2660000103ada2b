//! `rmq chaos`: fault injection against real `rmq` processes on loopback, with a queue checker
//! in the spirit of OpenChaos and the rocketmq-jepsen tests.
//!
//! [`run`] starts a name server and a broker (or a SYNC_MASTER master and its slave) as child
//! processes of a given `rmq` binary, each on a port picked at start and kept across restarts.
//! Producers send per-key sequences (`key seq` bodies, queue by key hash so each key is
//! ordered) and log every acknowledged send (key, seq, client msg id, queue, queue offset,
//! offset msg id) to `acked.log`; consumers pull every queue from offset 0 and log every
//! delivery to `delivered.log`. Between load periods it injects faults: SIGKILL of the
//! broker (the master of a pair) and a restart on the same store and port, SIGSTOP/SIGCONT
//! pauses longer than the client timeout, and a restart of the name server. After a master
//! kill of a pair, every message acknowledged so far is looked for on the slave. At the end
//! the consumers drain and [`check`] compares: acked, lost (acked, never delivered),
//! duplicated deliveries, out of order per key; each fault has its recovery time (fault start
//! to the first acknowledgement after it, or to the route served again for a name server).
//!
//! Only SUCCESS counts as acknowledged: FLUSH_DISK_TIMEOUT / FLUSH_SLAVE_TIMEOUT /
//! SLAVE_NOT_AVAILABLE mean "stored, not as durable as asked" and are resent (counted as
//! `notDurable`). A SIGKILL is a process crash, not a power cut: SYNC_FLUSH's promise covers
//! more than a run here can show.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::consumer::{PullConsumer, TOOLS_GROUP};
use super::messaging::QueueAddr;
use super::producer::{Message, Producer, ProducerOptions, QueueSelect};
use super::{ClientError, MqClient, Result};
use crate::common::clock::now_ms;
use crate::common::message::{decode_records, property};
use crate::protocol::body::TopicConfig;
use crate::protocol::{ResponseCode, SerializeType};

/// The durability setup under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChaosMode {
    /// One master, `flushDiskType=SYNC_FLUSH`.
    SyncFlush,
    /// One master, `flushDiskType=ASYNC_FLUSH` (a process crash keeps the page cache).
    AsyncFlush,
    /// A `SYNC_MASTER` master (ASYNC_FLUSH) and its slave; kills hit the master.
    SyncMaster,
}

/// A fault the harness injects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// SIGKILL of the broker (the master of a pair), then a restart on the same store.
    Kill,
    /// SIGSTOP of the broker for [`ChaosOptions::pause`], then SIGCONT.
    Pause,
    /// SIGKILL of the name server, then a restart on the same port.
    NamesrvRestart,
}

#[derive(Clone, Debug)]
pub struct ChaosOptions {
    /// The `rmq` binary whose daemons are tested.
    pub bin: PathBuf,
    /// Where stores, daemon logs, `acked.log` and `delivered.log` go.
    pub dir: PathBuf,
    pub mode: ChaosMode,
    /// Faults in turn, one per cycle.
    pub faults: Vec<FaultKind>,
    /// Fault cycles (the run also ends at `max_duration`).
    pub cycles: u32,
    /// Load time before each fault (and after the last one).
    pub interval: Duration,
    /// How long a broker stays stopped (longer than `timeout` to make clients give up).
    pub pause: Duration,
    /// Client request timeout.
    pub timeout: Duration,
    /// Concurrent producers (each sends its keys in turn, one send at a time).
    pub producers: usize,
    /// Keys per producer.
    pub keys: usize,
    /// Queues of the test topic.
    pub queues: i32,
    /// Body size in bytes (at least the `key seq` text).
    pub size: usize,
    /// Bound of the whole run: no new fault starts after it.
    pub max_duration: Duration,
    /// Longest wait for the consumers to read everything at the end.
    pub drain: Duration,
}

/// One injected fault and how the cluster came back.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRecord {
    pub cycle: u32,
    pub fault: FaultKind,
    /// Milliseconds since the run started.
    pub at_ms: u64,
    /// Fault start to the first acknowledged send after it (name server: to the topic's
    /// route served again); `None` when it did not come back within the bound.
    pub recovery_ms: Option<u64>,
    /// SYNC_MASTER kills: acknowledged messages so far, and those missing on the slave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acked_before: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_on_slave: Option<u64>,
    /// Why the slave's queues could not be read to the end, when they could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slave_read_error: Option<String>,
}

/// What the checker found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// Distinct (key, seq) acknowledged.
    pub acked: u64,
    /// Deliveries in total.
    pub delivered: u64,
    /// Acknowledged but never delivered.
    pub lost: u64,
    /// Deliveries of a (key, seq) already delivered.
    pub duplicated: u64,
    /// First deliveries of a seq lower than one already delivered for the same key.
    pub out_of_order: u64,
    /// Delivered (key, seq) whose send was never acknowledged (the client gave up on a send
    /// the broker stored): not an error.
    pub delivered_unacked: u64,
    /// Up to 20 lost (key, seq), for a look with `rmq message get --key`.
    pub lost_sample: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChaosReport {
    pub mode: ChaosMode,
    pub cycles: u32,
    pub duration_ms: u64,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Sends that failed (timeouts, refused connections) and were resent.
    pub send_errors: u64,
    /// The last send error, for a look at what the faults did.
    pub last_send_error: Option<String>,
    /// Sends stored but not as durable as asked (resent, not counted as acknowledged).
    pub not_durable: u64,
    /// Times a consumer's offset was past a queue's end and went back to it.
    pub consumer_rewinds: u64,
    /// The consumers read every queue to its end before the drain bound.
    pub drained: bool,
    pub faults: Vec<FaultRecord>,
    pub max_recovery_ms: Option<u64>,
    /// Where the logs are.
    pub dir: String,
}

impl ChaosReport {
    /// The one-line summary.
    pub fn summary(&self) -> String {
        let v = &self.verdict;
        format!(
            "chaos {:?}: {} faults in {:.1}s: acked {} lost {} duplicated {} out-of-order {} \
             (delivered {}, unacked delivered {}, send errors {}, not durable {}){}; max recovery {}",
            self.mode,
            self.faults.len(),
            self.duration_ms as f64 / 1000.0,
            v.acked,
            v.lost,
            v.duplicated,
            v.out_of_order,
            v.delivered,
            v.delivered_unacked,
            self.send_errors,
            self.not_durable,
            match self
                .faults
                .iter()
                .filter_map(|f| f.missing_on_slave)
                .sum::<u64>()
            {
                0 if self.mode != ChaosMode::SyncMaster => String::new(),
                n => format!(", missing on slave after master kills {n}"),
            },
            self.max_recovery_ms
                .map_or("n/a".to_string(), |ms| format!("{ms} ms")),
        )
    }

    /// Nothing acknowledged was lost (nor missing on a slave), the order held and the
    /// consumers read everything.
    pub fn ok(&self) -> bool {
        self.verdict.lost == 0
            && self.verdict.out_of_order == 0
            && self.drained
            && self
                .faults
                .iter()
                .all(|f| f.missing_on_slave.unwrap_or(0) == 0)
    }
}

/// Compares acknowledged sends with deliveries. `delivered` is in delivery order (per queue
/// in queue-offset order; a key lives on one queue).
pub fn check(acked: &[(String, u64)], delivered: &[(String, u64)]) -> Verdict {
    let mut v = Verdict {
        delivered: delivered.len() as u64,
        ..Verdict::default()
    };
    let acked_set: HashSet<(&str, u64)> = acked.iter().map(|(k, s)| (k.as_str(), *s)).collect();
    v.acked = acked_set.len() as u64;
    let mut seen: HashSet<(&str, u64)> = HashSet::new();
    let mut highest: HashMap<&str, u64> = HashMap::new();
    for (key, seq) in delivered {
        if !seen.insert((key.as_str(), *seq)) {
            v.duplicated += 1;
            continue;
        }
        if !acked_set.contains(&(key.as_str(), *seq)) {
            v.delivered_unacked += 1;
        }
        let top = highest.entry(key.as_str()).or_insert(*seq);
        if *seq < *top {
            v.out_of_order += 1;
        } else {
            *top = *seq;
        }
    }
    let mut lost: Vec<&(String, u64)> = acked
        .iter()
        .filter(|(k, s)| !seen.contains(&(k.as_str(), *s)))
        .collect();
    lost.sort();
    lost.dedup();
    v.lost = lost.len() as u64;
    v.lost_sample = lost
        .iter()
        .take(20)
        .map(|(k, s)| format!("{k} {s}"))
        .collect();
    v
}

/// `key seq` from a body written by the producers.
fn parse_body(body: &[u8]) -> Option<(String, u64)> {
    let text = std::str::from_utf8(body).ok()?;
    let mut parts = text.split(' ');
    let key = parts.next()?;
    let seq = parts.next()?.parse().ok()?;
    Some((key.to_string(), seq))
}

// ---------------------------------------------------------------------------------------------
// Processes

/// A free loopback port (bound, read, released).
fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| io_err("cannot pick a port", e))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| io_err("cannot pick a port", e))
}

fn io_err(what: &str, e: std::io::Error) -> ClientError {
    ClientError::Other(format!("{what}: {e}"))
}

/// An `rmq` daemon the harness owns: started again with the same arguments after a kill;
/// killed when dropped.
struct Node {
    name: &'static str,
    bin: PathBuf,
    args: Vec<String>,
    log: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Node {
    fn start(
        name: &'static str,
        bin: &Path,
        args: Vec<String>,
        log: PathBuf,
        port: u16,
    ) -> Result<Node> {
        let mut node = Node {
            name,
            bin: bin.to_path_buf(),
            args,
            log,
            port,
            child: None,
        };
        node.spawn()?;
        Ok(node)
    }

    fn spawn(&mut self) -> Result<()> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| io_err(&format!("cannot open {}", self.log.display()), e))?;
        let err = log
            .try_clone()
            .map_err(|e| io_err("cannot share a log file", e))?;
        let mut cmd = Command::new(&self.bin);
        // SAFETY: between fork and exec the hook makes only async-signal-safe system calls
        // and touches no memory of the parent.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                // A harness that dies (killed at a time limit) leaves no daemon behind.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd
            .args(&self.args)
            .env("RUST_LOG", "rmq=info")
            .env_remove("NAMESRV_ADDR")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(|e| io_err(&format!("cannot start {}", self.bin.display()), e))?;
        self.child = Some(child);
        Ok(())
    }

    fn pid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.id() as i32)
    }

    fn signal(&self, sig: i32) {
        if let Some(pid) = self.pid() {
            // SAFETY: kill(2) on our own child's pid; no memory is involved.
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }

    /// SIGKILL and reap.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Waits (bounded) until the port accepts connections; fails when the process exited.
    async fn wait_listening(&mut self, limit: Duration) -> Result<()> {
        let deadline = Instant::now() + limit;
        let addr: SocketAddr = ([127, 0, 0, 1], self.port).into();
        loop {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    return Err(ClientError::Other(format!(
                        "{} exited ({status}) at start; see {}",
                        self.name,
                        self.log.display()
                    )));
                }
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(ClientError::Other(format!(
                    "{} not listening on {} after {limit:?}; see {}",
                    self.name,
                    self.addr(),
                    self.log.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // A stopped process must be continued to die promptly on SIGKILL's reap.
        self.signal(libc::SIGCONT);
        self.kill();
    }
}

fn broker_properties(
    dir: &Path,
    id: u32,
    role: &str,
    flush: &str,
    ha_port: u16,
) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| io_err("cannot create a broker directory", e))?;
    let conf = dir.join("broker.properties");
    let text = format!(
        "brokerClusterName=ChaosCluster\nbrokerName=chaos-a\nbrokerId={id}\n\
         brokerIP1=127.0.0.1\nbrokerIP2=127.0.0.1\nbrokerRole={role}\nflushDiskType={flush}\n\
         haListenPort={ha_port}\nhaSendHeartbeatInterval=1000\n\
         storePathRootDir={}\nstorePathCommitLog={}\n\
         mappedFileSizeCommitLog=10485760\nmappedFileSizeConsumeQueue=60000\n\
         autoCreateTopicEnable=false\nregisterNameServerPeriod=10000\n",
        dir.join("store").display(),
        dir.join("store").join("commitlog").display(),
    );
    std::fs::write(&conf, text).map_err(|e| io_err("cannot write broker.properties", e))?;
    Ok(conf)
}

fn broker_node(
    name: &'static str,
    opts: &ChaosOptions,
    dir: &Path,
    conf: &Path,
    ns: &str,
    port: u16,
) -> Result<Node> {
    let args = vec![
        "broker".into(),
        "start".into(),
        "-c".into(),
        conf.display().to_string(),
        "-n".into(),
        ns.to_string(),
        "-p".into(),
        port.to_string(),
    ];
    Node::start(name, &opts.bin, args, dir.join("broker.log"), port)
}

/// The processes of one run.
struct Cluster {
    namesrv: Node,
    master: Node,
    slave: Option<Node>,
    /// What was read of the slave so far (after the first master kill).
    slave_view: Option<SlaveView>,
}

impl Cluster {
    async fn start(opts: &ChaosOptions) -> Result<Cluster> {
        let dir = &opts.dir;
        let ns_dir = dir.join("namesrv");
        std::fs::create_dir_all(&ns_dir)
            .map_err(|e| io_err("cannot create the run directory", e))?;
        let ns_conf = ns_dir.join("namesrv.properties");
        std::fs::write(
            &ns_conf,
            format!(
                "kvConfigPath={}\nconfigStorePath={}\n",
                ns_dir.join("kvConfig.json").display(),
                ns_dir.join("namesrv-store.properties").display()
            ),
        )
        .map_err(|e| io_err("cannot write namesrv.properties", e))?;
        let ns_port = free_port()?;
        let mut namesrv = Node::start(
            "name server",
            &opts.bin,
            vec![
                "namesrv".into(),
                "start".into(),
                "--listen-port".into(),
                ns_port.to_string(),
                "-c".into(),
                ns_conf.display().to_string(),
            ],
            ns_dir.join("namesrv.log"),
            ns_port,
        )?;
        namesrv.wait_listening(Duration::from_secs(30)).await?;
        let ns = namesrv.addr();
        let (role, flush) = match opts.mode {
            ChaosMode::SyncFlush => ("ASYNC_MASTER", "SYNC_FLUSH"),
            ChaosMode::AsyncFlush => ("ASYNC_MASTER", "ASYNC_FLUSH"),
            ChaosMode::SyncMaster => ("SYNC_MASTER", "ASYNC_FLUSH"),
        };
        let master_dir = dir.join("master");
        let conf = broker_properties(&master_dir, 0, role, flush, free_port()?)?;
        let mut master = broker_node("master", opts, &master_dir, &conf, &ns, free_port()?)?;
        master.wait_listening(Duration::from_secs(30)).await?;
        let slave = if opts.mode == ChaosMode::SyncMaster {
            let slave_dir = dir.join("slave");
            let conf = broker_properties(&slave_dir, 1, "SLAVE", "ASYNC_FLUSH", free_port()?)?;
            let mut slave = broker_node("slave", opts, &slave_dir, &conf, &ns, free_port()?)?;
            slave.wait_listening(Duration::from_secs(30)).await?;
            Some(slave)
        } else {
            None
        };
        Ok(Cluster {
            namesrv,
            master,
            slave,
            slave_view: None,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Load

/// Shared between the workers and the fault loop.
struct Shared {
    stop_producing: AtomicBool,
    stop_consuming: AtomicBool,
    /// Epoch ms of the latest acknowledged send.
    last_ack_ms: AtomicU64,
    send_errors: AtomicU64,
    last_send_error: Mutex<Option<String>>,
    not_durable: AtomicU64,
    rewinds: AtomicU64,
    acked: Mutex<Vec<(String, u64)>>,
    delivered: Mutex<Vec<(String, u64)>>,
    acked_log: Mutex<BufWriter<File>>,
    delivered_log: Mutex<BufWriter<File>>,
    /// Next offset of each consumed queue, by queue id.
    consumed_to: Mutex<HashMap<i32, i64>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn produce(
    producer: Arc<Producer>,
    topic: String,
    keys: Vec<String>,
    opts: ChaosOptions,
    shared: Arc<Shared>,
) {
    let mut seqs = vec![0u64; keys.len()];
    let pad = opts.size;
    let mut i = 0usize;
    while !shared.stop_producing.load(Ordering::Relaxed) {
        let k = i % keys.len();
        let key = &keys[k];
        let mut body = format!("{key} {}", seqs[k]);
        if body.len() < pad {
            body.push(' ');
            let fill = pad - body.len();
            body.push_str(&"x".repeat(fill));
        }
        let msg = Message::new(&topic, body.into_bytes()).with_keys([key.as_str()]);
        let sent = producer.send(&msg, QueueSelect::by_key(key)).await;
        match &sent.result {
            Ok(Some(out)) if out.status == ResponseCode::SUCCESS => {
                let now = now_ms();
                shared.last_ack_ms.fetch_max(now as u64, Ordering::Relaxed);
                let _ = writeln!(
                    lock(&shared.acked_log),
                    "{key}\t{}\t{}\t{}\t{}\t{}\t{now}",
                    seqs[k],
                    sent.msg_id.as_deref().unwrap_or(""),
                    out.queue_id,
                    out.queue_offset,
                    out.offset_msg_id
                );
                lock(&shared.acked).push((key.clone(), seqs[k]));
                seqs[k] += 1;
                i += 1;
            }
            Ok(_) => {
                // Stored, not as durable as asked: resend the same seq (a duplicate at worst),
                // after a pause: SLAVE_NOT_AVAILABLE comes back at once until the slave is
                // back, and every such send is stored.
                shared.not_durable.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => {
                shared.send_errors.fetch_add(1, Ordering::Relaxed);
                *lock(&shared.last_send_error) = Some(e.chain());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn consume(consumer: PullConsumer, q: QueueAddr, shared: Arc<Shared>) {
    let mut offset = 0i64;
    while !shared.stop_consuming.load(Ordering::Relaxed) {
        match consumer
            .pull(&q, offset, 32, Some(Duration::from_millis(500)))
            .await
        {
            Ok(out) if out.code == ResponseCode::SUCCESS => {
                let mut got = Vec::new();
                let mut log = String::new();
                for r in decode_records(&out.body).flatten() {
                    if let Some((key, seq)) = parse_body(r.body) {
                        use std::fmt::Write as _;
                        let _ = writeln!(
                            log,
                            "{key}\t{seq}\t{}\t{}\t{}",
                            r.property(property::UNIQ_KEY).unwrap_or_default(),
                            r.queue_id,
                            r.queue_offset
                        );
                        got.push((key, seq));
                    }
                }
                let _ = lock(&shared.delivered_log).write_all(log.as_bytes());
                lock(&shared.delivered).extend(got);
                offset = out.next_begin_offset;
            }
            Ok(out) => {
                if out.code == ResponseCode::PULL_OFFSET_MOVED
                    || (out.next_begin_offset < offset && out.next_begin_offset >= 0)
                {
                    // The queue is shorter than what was read (unacknowledged tail lost in a
                    // crash): go on from where it ends now.
                    if out.next_begin_offset != offset {
                        shared.rewinds.fetch_add(1, Ordering::Relaxed);
                        offset = out.next_begin_offset;
                    }
                }
                if out.code == ResponseCode::PULL_RETRY_IMMEDIATELY {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
        lock(&shared.consumed_to).insert(q.queue_id, offset);
    }
}

// ---------------------------------------------------------------------------------------------
// The run

const TOPIC: &str = "ChaosTopic";
const GROUP: &str = "chaos_consumer";

/// Runs the whole experiment; `on_fault` sees each fault as it is recorded.
pub async fn run(
    opts: ChaosOptions,
    mut on_fault: impl FnMut(&FaultRecord),
) -> Result<ChaosReport> {
    let started = Instant::now();
    std::fs::create_dir_all(&opts.dir).map_err(|e| io_err("cannot create the run directory", e))?;
    let mut cluster = Cluster::start(&opts).await?;
    let client = Arc::new(MqClient::new(
        &[cluster.namesrv.addr()],
        opts.timeout,
        SerializeType::Json,
    ));
    let topic_config = TopicConfig {
        topic_name: TOPIC.into(),
        read_queue_nums: opts.queues,
        write_queue_nums: opts.queues,
        ..TopicConfig::default()
    };
    client
        .create_topic(&cluster.master.addr(), &topic_config)
        .await
        .map_err(|e| e.context("cannot create the test topic on the master"))?;
    if let Some(slave) = &cluster.slave {
        // The slave copies topics from its master later; pulls from it need the topic now.
        let _ = client.create_topic(&slave.addr(), &topic_config).await;
    }
    wait_route(&client, Duration::from_secs(60)).await?;
    if let Some(slave) = &cluster.slave {
        // Until the slave knows the topic (it copies the master's topics every few seconds)
        // it refuses pulls of it, and the check after a master kill would find nothing there.
        let deadline = Instant::now() + Duration::from_secs(60);
        let probe = PullConsumer::new(client.clone(), TOPIC, TOOLS_GROUP);
        let q0 = QueueAddr {
            broker_name: "chaos-a".into(),
            broker_addr: slave.addr(),
            queue_id: 0,
        };
        while probe.pull(&q0, 0, 1, None).await.is_err() {
            if Instant::now() >= deadline {
                return Err(ClientError::Other(format!(
                    "the slave does not serve topic {TOPIC} after 60s"
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    let open = |name: &str| {
        File::create(opts.dir.join(name))
            .map(BufWriter::new)
            .map_err(|e| io_err(&format!("cannot create {name}"), e))
    };
    let shared = Arc::new(Shared {
        stop_producing: AtomicBool::new(false),
        stop_consuming: AtomicBool::new(false),
        last_ack_ms: AtomicU64::new(0),
        send_errors: AtomicU64::new(0),
        last_send_error: Mutex::new(None),
        not_durable: AtomicU64::new(0),
        rewinds: AtomicU64::new(0),
        acked: Mutex::new(Vec::new()),
        delivered: Mutex::new(Vec::new()),
        acked_log: Mutex::new(open("acked.log")?),
        delivered_log: Mutex::new(open("delivered.log")?),
        consumed_to: Mutex::new(HashMap::new()),
    });

    let producer = Arc::new(Producer::new(
        client.clone(),
        ProducerOptions {
            group: "chaos_producer".into(),
            retries: 0,
            auto_create: false,
            ..ProducerOptions::default()
        },
    ));
    let mut producers = Vec::new();
    for p in 0..opts.producers.max(1) {
        let keys = (0..opts.keys.max(1)).map(|k| format!("p{p}k{k}")).collect();
        producers.push(tokio::spawn(produce(
            producer.clone(),
            TOPIC.to_string(),
            keys,
            opts.clone(),
            shared.clone(),
        )));
    }
    let master_addr = cluster.master.addr();
    let consumer = PullConsumer::new(client.clone(), TOPIC, GROUP);
    let mut consumers = Vec::new();
    for queue_id in 0..opts.queues {
        let q = QueueAddr {
            broker_name: "chaos-a".into(),
            broker_addr: master_addr.clone(),
            queue_id,
        };
        consumers.push(tokio::spawn(consume(consumer.clone(), q, shared.clone())));
    }

    let mut faults = Vec::new();
    let kinds = if opts.faults.is_empty() {
        vec![FaultKind::Kill]
    } else {
        opts.faults.clone()
    };
    for cycle in 0..opts.cycles {
        tokio::time::sleep(opts.interval).await;
        if started.elapsed() >= opts.max_duration {
            break;
        }
        let fault = kinds[cycle as usize % kinds.len()];
        let record = inject(&opts, &mut cluster, &client, &shared, cycle, fault, started).await?;
        on_fault(&record);
        faults.push(record);
    }
    tokio::time::sleep(opts.interval).await;

    // Drain: no more sends; read every queue to the end it has now.
    shared.stop_producing.store(true, Ordering::Relaxed);
    for p in producers {
        let _ = p.await;
    }
    let drained = drain(&client, &master_addr, &opts, &shared).await;
    shared.stop_consuming.store(true, Ordering::Relaxed);
    for c in consumers {
        let _ = c.await;
    }
    let _ = lock(&shared.acked_log).flush();
    let _ = lock(&shared.delivered_log).flush();
    let verdict = check(&lock(&shared.acked), &lock(&shared.delivered));
    let last_send_error = lock(&shared.last_send_error).clone();
    client.shutdown().await;
    drop(cluster);
    Ok(ChaosReport {
        mode: opts.mode,
        cycles: faults.len() as u32,
        duration_ms: started.elapsed().as_millis() as u64,
        verdict,
        send_errors: shared.send_errors.load(Ordering::Relaxed),
        last_send_error,
        not_durable: shared.not_durable.load(Ordering::Relaxed),
        consumer_rewinds: shared.rewinds.load(Ordering::Relaxed),
        drained,
        max_recovery_ms: faults.iter().filter_map(|f| f.recovery_ms).max(),
        faults,
        dir: opts.dir.display().to_string(),
    })
}

/// Waits until the name server serves the test topic's route.
async fn wait_route(client: &MqClient, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        match client.route(TOPIC).await {
            Ok(r) if !r.queue_datas.is_empty() => return Ok(()),
            Ok(_) => {}
            Err(e) if Instant::now() >= deadline => {
                return Err(e.context(format!("topic {TOPIC} has no route after {limit:?}")))
            }
            Err(_) => {}
        }
        if Instant::now() >= deadline {
            return Err(ClientError::Other(format!(
                "topic {TOPIC} has no route after {limit:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until every queue was read to its current end (bounded by `opts.drain`).
async fn drain(client: &MqClient, master: &str, opts: &ChaosOptions, shared: &Shared) -> bool {
    let deadline = Instant::now() + opts.drain;
    while Instant::now() < deadline {
        let mut done = true;
        for q in 0..opts.queues {
            let Ok(max) = client.max_offset(master, TOPIC, q).await else {
                done = false;
                break;
            };
            let at = lock(&shared.consumed_to).get(&q).copied().unwrap_or(0);
            if at < max {
                done = false;
                break;
            }
        }
        if done {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Waits for the first acknowledgement after `after_ms`; returns its time.
async fn first_ack_after(shared: &Shared, after_ms: u64, limit: Duration) -> Option<u64> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let last = shared.last_ack_ms.load(Ordering::Relaxed);
        if last > after_ms {
            return Some(last);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

/// How long a recovery may take before it is reported as none.
const RECOVERY_BOUND: Duration = Duration::from_secs(60);

async fn inject(
    opts: &ChaosOptions,
    cluster: &mut Cluster,
    client: &MqClient,
    shared: &Shared,
    cycle: u32,
    fault: FaultKind,
    started: Instant,
) -> Result<FaultRecord> {
    let at_ms = started.elapsed().as_millis() as u64;
    let t0 = now_ms() as u64;
    let mut record = FaultRecord {
        cycle,
        fault,
        at_ms,
        recovery_ms: None,
        acked_before: None,
        missing_on_slave: None,
        slave_read_error: None,
    };
    match fault {
        FaultKind::Kill => {
            cluster.master.kill();
            if let Some(slave) = &cluster.slave {
                let view = cluster
                    .slave_view
                    .get_or_insert_with(|| SlaveView::new(client, slave.addr(), opts.queues));
                let acked: Vec<(String, u64)> = lock(&shared.acked).clone();
                let (missing, error) = view.missing(&acked).await;
                record.slave_read_error = error;
                record.acked_before = Some(acked.len() as u64);
                record.missing_on_slave = Some(missing);
            }
            let restarted = now_ms() as u64;
            cluster.master.spawn()?;
            cluster
                .master
                .wait_listening(Duration::from_secs(60))
                .await?;
            record.recovery_ms = first_ack_after(shared, restarted, RECOVERY_BOUND)
                .await
                .map(|t| t - t0);
        }
        FaultKind::Pause => {
            cluster.master.signal(libc::SIGSTOP);
            tokio::time::sleep(opts.pause).await;
            cluster.master.signal(libc::SIGCONT);
            let resumed = now_ms() as u64;
            record.recovery_ms = first_ack_after(shared, resumed, RECOVERY_BOUND)
                .await
                .map(|t| t - t0);
        }
        FaultKind::NamesrvRestart => {
            cluster.namesrv.kill();
            cluster.namesrv.spawn()?;
            cluster
                .namesrv
                .wait_listening(Duration::from_secs(60))
                .await?;
            if wait_route(client, RECOVERY_BOUND).await.is_ok() {
                record.recovery_ms = Some(now_ms() as u64 - t0);
            }
        }
    }
    Ok(record)
}

/// What the slave holds of the test topic, read incrementally: each check after a master
/// kill reads only what arrived since the last one.
struct SlaveView {
    consumer: PullConsumer,
    addr: String,
    offsets: Vec<i64>,
    found: HashSet<(String, u64)>,
}

impl SlaveView {
    fn new(client: &MqClient, addr: String, queues: i32) -> SlaveView {
        SlaveView {
            consumer: PullConsumer::new(Arc::new(clone_client(client)), TOPIC, TOOLS_GROUP),
            addr,
            offsets: vec![0; queues as usize],
            found: HashSet::new(),
        }
    }

    /// Reads on until every one of `want` is there or the queues stop growing (a slave's
    /// queues trail its CommitLog by a moment), at most 10 s; how many of `want` are missing,
    /// and why the queues could not be read to the end, when they could not.
    async fn missing(&mut self, want: &[(String, u64)]) -> (u64, Option<String>) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut idle_rounds = 0;
        let mut error = None;
        loop {
            let mut progressed = false;
            for (queue_id, offset) in self.offsets.iter_mut().enumerate() {
                let q = QueueAddr {
                    broker_name: "chaos-a".into(),
                    broker_addr: self.addr.clone(),
                    queue_id: queue_id as i32,
                };
                loop {
                    match self.consumer.pull(&q, *offset, 32, None).await {
                        Ok(out) if out.code == ResponseCode::SUCCESS => {
                            for r in decode_records(&out.body).flatten() {
                                if let Some(k) = parse_body(r.body) {
                                    self.found.insert(k);
                                }
                            }
                            progressed |= out.next_begin_offset > *offset;
                            *offset = out.next_begin_offset;
                        }
                        Ok(out) if out.code == ResponseCode::PULL_NOT_FOUND => break,
                        Ok(out) => {
                            error = Some(format!(
                                "queue {queue_id} at {offset}: {:?} (next {})",
                                out.code, out.next_begin_offset
                            ));
                            break;
                        }
                        Err(e) => {
                            error = Some(format!("queue {queue_id}: {}", e.chain()));
                            break;
                        }
                    }
                }
            }
            let missing = want.iter().filter(|w| !self.found.contains(*w)).count() as u64;
            if missing == 0 {
                return (0, None);
            }
            idle_rounds = if progressed { 0 } else { idle_rounds + 1 };
            if Instant::now() >= deadline || idle_rounds >= 20 {
                return (missing, error);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A client like `client` (same name servers and timeout) with its own connections.
fn clone_client(client: &MqClient) -> MqClient {
    MqClient::new(
        client.namesrv_addrs(),
        client.timeout(),
        SerializeType::Json,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, u64)]) -> Vec<(String, u64)> {
        v.iter().map(|(k, s)| (k.to_string(), *s)).collect()
    }

    #[test]
    fn checker_counts_lost_duplicated_and_out_of_order() {
        let acked = pairs(&[("a", 0), ("a", 1), ("a", 2), ("b", 0), ("b", 1)]);
        let delivered = pairs(&[("a", 0), ("a", 2), ("a", 1), ("a", 2), ("b", 0), ("b", 5)]);
        let v = check(&acked, &delivered);
        assert_eq!(v.acked, 5);
        assert_eq!(v.delivered, 6);
        assert_eq!(v.lost, 1, "{v:?}");
        assert_eq!(v.lost_sample, ["b 1"]);
        assert_eq!(v.duplicated, 1);
        assert_eq!(v.out_of_order, 1);
        assert_eq!(v.delivered_unacked, 1);
    }

    #[test]
    fn a_clean_run_is_clean() {
        let acked = pairs(&[("a", 0), ("a", 1)]);
        let v = check(&acked, &acked);
        assert_eq!((v.lost, v.duplicated, v.out_of_order), (0, 0, 0));
    }

    #[test]
    fn bodies_parse_with_padding() {
        assert_eq!(parse_body(b"p0k1 42 xxxx"), Some(("p0k1".into(), 42)));
        assert_eq!(parse_body(b"p0k1 7"), Some(("p0k1".into(), 7)));
        assert_eq!(parse_body(b"garbage"), None);
    }
}
