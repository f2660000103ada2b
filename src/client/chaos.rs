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
//! pauses longer than the client timeout, a restart of the name server, and network
//! partitions (master from slave, broker from clients) in network namespaces the run creates
//! (`Network`; root only, else skipped). After a master kill of a pair, and after a
//! master/slave partition heals, every message acknowledged so far is looked for on the
//! slave; during a partition no send may be acknowledged. At the end
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
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
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
    /// The slave's network namespace cut off from the master's for
    /// [`ChaosOptions::partition`], then healed (SYNC_MASTER only).
    PartitionMasterSlave,
    /// The broker (the master of a pair) cut off from the producers and consumers for
    /// [`ChaosOptions::partition`], then healed; it still reaches the name server and slave.
    PartitionClientBroker,
}

impl FaultKind {
    /// The name on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Kill => "kill",
            FaultKind::Pause => "pause",
            FaultKind::NamesrvRestart => "namesrv-restart",
            FaultKind::PartitionMasterSlave => "partition-master-slave",
            FaultKind::PartitionClientBroker => "partition-client-broker",
        }
    }

    /// Needs the network namespaces the run creates (root).
    pub fn is_partition(self) -> bool {
        matches!(
            self,
            FaultKind::PartitionMasterSlave | FaultKind::PartitionClientBroker
        )
    }
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
    /// Load time before each fault (and after the last one); the first waits for a first
    /// acknowledged send.
    pub interval: Duration,
    /// How long a broker stays stopped (longer than `timeout` to make clients give up).
    pub pause: Duration,
    /// How long a partition lasts (longer than `timeout` and than [`PARTITION_HA_IDLE`]).
    pub partition: Duration,
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
    /// Partitions: how long the cut lasted, and what the producers saw during it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<PartitionFigures>,
}

/// What a partition did: sends during it and, for master/slave, how far the slave fell
/// behind and how it caught up after the heal.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionFigures {
    /// From the cut in place to the heal.
    pub duration_ms: u64,
    /// SUCCESS answers to sends started after the cut was in place: a SYNC_MASTER master
    /// cut from its slave, or a broker cut from its clients, must give none.
    pub acked_during: u64,
    /// Sends answered "stored, not as durable as asked" (FLUSH_SLAVE_TIMEOUT,
    /// SLAVE_NOT_AVAILABLE) during the partition.
    pub not_durable_during: u64,
    /// Of those: SLAVE_NOT_AVAILABLE (the master dropped the silent slave) and
    /// FLUSH_SLAVE_TIMEOUT (the slave did not confirm within the broker's `slaveTimeout`; a
    /// client that gives up first counts a send error instead).
    pub slave_not_available_during: u64,
    pub flush_slave_timeout_during: u64,
    /// Sends that failed (timeouts, refused or unreachable) during the partition.
    pub send_errors_during: u64,
    /// Heal to the first acknowledged send after it.
    pub heal_to_ack_ms: Option<u64>,
    /// Master/slave: the master's CommitLog end minus the slave's just before the heal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slave_behind_bytes: Option<i64>,
    /// Master/slave: heal to the slave's CommitLog reaching the master's end at the heal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catch_up_ms: Option<u64>,
    /// Why a figure is missing (a broker did not answer in time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
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
    /// Faults asked for but not injected (partitions where no network namespace could be
    /// made), and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_faults: Vec<FaultKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    /// Where the logs are.
    pub dir: String,
}

impl ChaosReport {
    /// The one-line summary.
    pub fn summary(&self) -> String {
        let v = &self.verdict;
        let partitions: Vec<&PartitionFigures> = self
            .faults
            .iter()
            .filter_map(|f| f.partition.as_ref())
            .collect();
        let mut partition_text = String::new();
        if !partitions.is_empty() {
            partition_text = format!(
                "; partitions {}: acked during {}, failed/refused during {}",
                partitions.len(),
                partitions.iter().map(|p| p.acked_during).sum::<u64>(),
                partitions
                    .iter()
                    .map(|p| p.send_errors_during + p.not_durable_during)
                    .sum::<u64>(),
            );
            if let Some(behind) = partitions.iter().filter_map(|p| p.slave_behind_bytes).max() {
                partition_text.push_str(&format!(
                    ", slave behind at heal max {behind} bytes, caught up max {}",
                    match partitions
                        .iter()
                        .filter(|p| p.slave_behind_bytes.is_some())
                        .map(|p| p.catch_up_ms)
                        .collect::<Option<Vec<_>>>()
                    {
                        Some(all) => format!("{} ms", all.into_iter().max().unwrap_or(0)),
                        None => "never (within 60s) at least once".to_string(),
                    }
                ));
            }
        }
        if !self.skipped_faults.is_empty() {
            let names: Vec<String> = self
                .skipped_faults
                .iter()
                .map(|f| f.name().to_string())
                .collect();
            partition_text.push_str(&format!("; skipped {}", names.join(",")));
        }
        format!(
            "chaos {:?}: {} faults in {:.1}s: acked {} lost {} duplicated {} out-of-order {} \
             (delivered {}, unacked delivered {}, send errors {}, not durable {}){}{}; max recovery {}",
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
                n => format!(", missing on slave {n}"),
            },
            partition_text,
            self.max_recovery_ms
                .map_or("n/a".to_string(), |ms| format!("{ms} ms")),
        )
    }

    /// Nothing acknowledged was lost (nor missing on a slave), the order held, the
    /// consumers read everything and no send was acknowledged across a partition.
    pub fn ok(&self) -> bool {
        self.verdict.lost == 0
            && self.verdict.out_of_order == 0
            && self.drained
            && self.faults.iter().all(|f| {
                f.missing_on_slave.unwrap_or(0) == 0
                    && f.partition.as_ref().is_none_or(|p| p.acked_during == 0)
            })
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
    place: Place,
    port: u16,
    child: Option<Child>,
}

/// Where a daemon runs: on loopback in the harness's own network namespace, or at its
/// address in a namespace of a [`Network`].
#[derive(Clone, Debug)]
struct Place {
    ip: Ipv4Addr,
    /// `/var/run/netns/NAME` of the namespace the daemon joins before it starts.
    netns: Option<PathBuf>,
}

impl Place {
    fn loopback() -> Place {
        Place {
            ip: Ipv4Addr::LOCALHOST,
            netns: None,
        }
    }
}

impl Node {
    fn start(
        name: &'static str,
        bin: &Path,
        args: Vec<String>,
        log: PathBuf,
        place: Place,
        port: u16,
    ) -> Result<Node> {
        let mut node = Node {
            name,
            bin: bin.to_path_buf(),
            args,
            log,
            place,
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
        // Opened here, joined in the child: the parent stays where it is.
        let netns = match &self.place.netns {
            Some(path) => Some(
                File::open(path)
                    .map_err(|e| io_err(&format!("cannot open {}", path.display()), e))?,
            ),
            None => None,
        };
        let netns_fd = netns.as_ref().map(|f| {
            use std::os::fd::AsRawFd;
            f.as_raw_fd()
        });
        let mut cmd = Command::new(&self.bin);
        // SAFETY: between fork and exec the hook makes only async-signal-safe system calls
        // (prctl, setns) on a descriptor the parent keeps open until spawn returns, and
        // touches no other memory of the parent.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(move || {
                // A harness that dies (killed at a time limit) leaves no daemon behind.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                if let Some(fd) = netns_fd {
                    if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
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
        drop(netns);
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
        format!("{}:{}", self.place.ip, self.port)
    }

    /// Waits (bounded) until the port accepts connections; fails when the process exited.
    async fn wait_listening(&mut self, limit: Duration) -> Result<()> {
        let deadline = Instant::now() + limit;
        let addr = SocketAddr::from((self.place.ip, self.port));
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

/// A partitioned master and slave drop their HA connection after this much silence
/// (`haHousekeepingInterval`; Java's default is 20 s), so a partition of a few seconds shows
/// both the "slave connected but silent" and the "no slave" answers of a SYNC_MASTER.
pub const PARTITION_HA_IDLE: Duration = Duration::from_secs(4);

fn broker_properties(
    dir: &Path,
    id: u32,
    role: &str,
    flush: &str,
    ip: Ipv4Addr,
    ha_port: u16,
    ha_idle: Option<Duration>,
) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| io_err("cannot create a broker directory", e))?;
    let conf = dir.join("broker.properties");
    let mut text = format!(
        "brokerClusterName=ChaosCluster\nbrokerName=chaos-a\nbrokerId={id}\n\
         brokerIP1={ip}\nbrokerIP2={ip}\nbrokerRole={role}\nflushDiskType={flush}\n\
         haListenPort={ha_port}\nhaSendHeartbeatInterval=1000\n\
         storePathRootDir={}\nstorePathCommitLog={}\n\
         mappedFileSizeCommitLog=10485760\nmappedFileSizeConsumeQueue=60000\n\
         autoCreateTopicEnable=false\nregisterNameServerPeriod=10000\n",
        dir.join("store").display(),
        dir.join("store").join("commitlog").display(),
    );
    if let Some(idle) = ha_idle {
        text.push_str(&format!("haHousekeepingInterval={}\n", idle.as_millis()));
    }
    std::fs::write(&conf, text).map_err(|e| io_err("cannot write broker.properties", e))?;
    Ok(conf)
}

fn broker_node(
    name: &'static str,
    opts: &ChaosOptions,
    dir: &Path,
    conf: &Path,
    ns: &str,
    place: Place,
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
    Node::start(name, &opts.bin, args, dir.join("broker.log"), place, port)
}

/// The processes of one run.
struct Cluster {
    namesrv: Node,
    master: Node,
    slave: Option<Node>,
    /// What was read of the slave so far (after the first master kill).
    slave_view: Option<SlaveView>,
    /// The namespaces of a partition run; declared last, so dropped after the daemons in
    /// them are killed.
    net: Option<Network>,
}

impl Cluster {
    /// Starts the daemons: on loopback, or each in its namespace of `net`.
    async fn start(opts: &ChaosOptions, net: Option<Network>) -> Result<Cluster> {
        let place = |role: Role| match &net {
            Some(n) => n.place(role),
            None => Place::loopback(),
        };
        let ha_idle = net.as_ref().map(|_| PARTITION_HA_IDLE);
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
            place(Role::Namesrv),
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
        let master_place = place(Role::Master);
        let conf = broker_properties(
            &master_dir,
            0,
            role,
            flush,
            master_place.ip,
            free_port()?,
            ha_idle,
        )?;
        let mut master = broker_node(
            "master",
            opts,
            &master_dir,
            &conf,
            &ns,
            master_place,
            free_port()?,
        )?;
        master.wait_listening(Duration::from_secs(30)).await?;
        let slave = if opts.mode == ChaosMode::SyncMaster {
            let slave_dir = dir.join("slave");
            let slave_place = place(Role::Slave);
            let conf = broker_properties(
                &slave_dir,
                1,
                "SLAVE",
                "ASYNC_FLUSH",
                slave_place.ip,
                free_port()?,
                ha_idle,
            )?;
            let mut slave = broker_node(
                "slave",
                opts,
                &slave_dir,
                &conf,
                &ns,
                slave_place,
                free_port()?,
            )?;
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
            net,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Network namespaces (partition faults)

/// A party of a partition run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// The harness itself (producers, consumers, checks), in its own namespace.
    Clients,
    Namesrv,
    Master,
    Slave,
}

impl Role {
    /// Last octet of the role's address in the run's /24.
    fn host(self) -> u8 {
        match self {
            Role::Clients => 1,
            Role::Namesrv => 2,
            Role::Master => 3,
            Role::Slave => 4,
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Role::Clients => "c",
            Role::Namesrv => "n",
            Role::Master => "m",
            Role::Slave => "s",
        }
    }
}

/// Prefix of every namespace a run creates: `rmqchaos-PID-RUN-ROLE`.
const NETNS_PREFIX: &str = "rmqchaos-";

/// The private network of a partition run: one namespace per daemon and one holding a
/// bridge, each daemon namespace joined to the bridge by a veth pair, and the harness's own
/// namespace joined the same way (its veth end is the only thing in it the run adds). All
/// get addresses from one private /24 not in use here. A partition is a blackhole route in
/// one party's namespace to the other's address, with strict reverse-path filtering there so
/// the other's packets are dropped on the way in too: nothing passes either way, and nothing
/// outside the run's namespaces changes.
///
/// Dropping it deletes the namespaces, and with them the bridge and every veth (the
/// harness's end goes with its peer). Names carry the pid, so parallel runs do not clash;
/// namespaces left by a run whose process is gone (SIGKILL) are deleted by the next run.
struct Network {
    /// Namespaces created, in creation order.
    namespaces: Vec<String>,
    /// `rmqchaos-PID-RUN-`.
    prefix: String,
    /// First three octets of the /24.
    subnet: [u8; 3],
}

/// Runs `ip ARGS`; its stderr as the error.
fn ip_command(args: &[&str]) -> std::result::Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn ip_output(args: &[&str]) -> std::result::Result<String, String> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Network {
    /// Creates the namespaces, bridge, veths and addresses (blocking: run it off the
    /// reactor). Why not, when it cannot (not root, no `ip`, no namespace support).
    fn create() -> std::result::Result<Network, String> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Err("network namespaces need root".into());
        }
        ip_output(&["-V"])?;
        remove_stale_namespaces();
        static RUNS: AtomicU64 = AtomicU64::new(0);
        let run = RUNS.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let subnet = pick_subnet(pid)?;
        let mut net = Network {
            namespaces: Vec::new(),
            prefix: format!("{NETNS_PREFIX}{pid}-{run}-"),
            subnet,
        };
        // Interface names have at most 15 bytes: "rq" + pid + run + role + side.
        let if_name = |role: Role, peer: bool| {
            format!(
                "rq{pid}{}{}{}",
                run % 36,
                role.tag(),
                if peer { "p" } else { "" }
            )
        };
        let switch = net.add_namespace("switch")?;
        ip_command(&["-n", &switch, "link", "add", "br0", "type", "bridge"])?;
        ip_command(&["-n", &switch, "link", "set", "br0", "up"])?;
        for role in [Role::Clients, Role::Namesrv, Role::Master, Role::Slave] {
            let end = if_name(role, false);
            let peer = if_name(role, true);
            // The peer is born in the switch namespace: deleting it deletes the pair.
            ip_command(&[
                "link", "add", &end, "type", "veth", "peer", "name", &peer, "netns", &switch,
            ])?;
            ip_command(&["-n", &switch, "link", "set", &peer, "master", "br0", "up"])?;
            let addr = format!("{}/24", net.ip(role));
            if role == Role::Clients {
                ip_command(&["addr", "add", &addr, "dev", &end])?;
                ip_command(&["link", "set", &end, "up"])?;
                continue;
            }
            let ns = net.add_namespace(role.tag())?;
            ip_command(&["link", "set", &end, "netns", &ns])?;
            ip_command(&["-n", &ns, "addr", "add", &addr, "dev", &end])?;
            ip_command(&["-n", &ns, "link", "set", &end, "up"])?;
            ip_command(&["-n", &ns, "link", "set", "lo", "up"])?;
            // Strict reverse-path filtering: a packet from an address this namespace has a
            // blackhole route to is dropped on arrival (a cut stops both directions).
            let out = Command::new("ip")
                .args(["netns", "exec", &ns, "sh", "-c"])
                .arg(
                    "echo 1 >/proc/sys/net/ipv4/conf/all/rp_filter && \
                     echo 1 >/proc/sys/net/ipv4/conf/default/rp_filter",
                )
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run ip netns exec: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "cannot set rp_filter in {ns}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        Ok(net)
    }

    fn add_namespace(&mut self, tag: &str) -> std::result::Result<String, String> {
        let name = format!("{}{tag}", self.prefix);
        ip_command(&["netns", "add", &name])?;
        self.namespaces.push(name.clone());
        Ok(name)
    }

    fn namespace(&self, role: Role) -> Option<String> {
        (role != Role::Clients).then(|| format!("{}{}", self.prefix, role.tag()))
    }

    fn ip(&self, role: Role) -> Ipv4Addr {
        let [a, b, c] = self.subnet;
        Ipv4Addr::new(a, b, c, role.host())
    }

    fn place(&self, role: Role) -> Place {
        Place {
            ip: self.ip(role),
            netns: self
                .namespace(role)
                .map(|ns| Path::new("/var/run/netns").join(ns)),
        }
    }

    /// Cuts `from` (a daemon) off from `to`: nothing passes between them either way.
    fn cut(&self, from: Role, to: Role) -> std::result::Result<(), String> {
        let ns = self
            .namespace(from)
            .ok_or("the clients' side cannot be cut")?;
        ip_command(&[
            "-n",
            &ns,
            "route",
            "add",
            "blackhole",
            &format!("{}/32", self.ip(to)),
        ])
    }

    /// Undoes [`Network::cut`].
    fn heal(&self, from: Role, to: Role) -> std::result::Result<(), String> {
        let ns = self
            .namespace(from)
            .ok_or("the clients' side cannot be cut")?;
        ip_command(&[
            "-n",
            &ns,
            "route",
            "del",
            "blackhole",
            &format!("{}/32", self.ip(to)),
        ])
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        for ns in self.namespaces.iter().rev() {
            if let Err(e) = ip_command(&["netns", "del", ns]) {
                eprintln!("rmq chaos: cannot remove network namespace {ns}: {e}");
            }
        }
    }
}

/// Deletes the namespaces of earlier runs whose process is gone.
fn remove_stale_namespaces() {
    let Ok(entries) = std::fs::read_dir("/var/run/netns") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(NETNS_PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = ip_command(&["netns", "del", &name]);
        }
    }
}

/// A 10.x.y.0/24 that no address or route of this namespace uses, starting from one derived
/// from the pid (parallel runs start apart).
fn pick_subnet(pid: u32) -> std::result::Result<[u8; 3], String> {
    let used = ip_output(&["-4", "-o", "addr", "show"])? + &ip_output(&["-4", "route", "show"])?;
    let subnet = pick_subnet_from(pid, &used);
    if used.contains(&format!("10.{}.{}.", subnet[1], subnet[2])) {
        return Err("no free 10.x.y.0/24 for the run's network".into());
    }
    Ok(subnet)
}

/// The first candidate /24 for `pid` that `used` (`ip` output) does not mention; the last
/// candidate when all are.
fn pick_subnet_from(pid: u32, used: &str) -> [u8; 3] {
    let mut subnet = [10, 200, 0];
    for i in 0..256u32 {
        let n = pid.wrapping_add(i.wrapping_mul(7919));
        subnet = [10, 200 + (n % 50) as u8, (n / 50 % 256) as u8];
        if !used.contains(&format!("10.{}.{}.", subnet[1], subnet[2])) {
            break;
        }
    }
    subnet
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
    /// Epoch ms since when a partition is in place (0: none).
    partition_since_ms: AtomicU64,
    /// SUCCESS answers to sends started while a partition was in place.
    acked_in_partition: AtomicU64,
    /// Of `not_durable`: SLAVE_NOT_AVAILABLE and FLUSH_SLAVE_TIMEOUT answers.
    slave_not_available: AtomicU64,
    flush_slave_timeouts: AtomicU64,
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
        let sent_at = now_ms() as u64;
        let sent = producer.send(&msg, QueueSelect::by_key(key)).await;
        match &sent.result {
            Ok(Some(out)) if out.status == ResponseCode::SUCCESS => {
                let since = shared.partition_since_ms.load(Ordering::SeqCst);
                if since != 0 && sent_at >= since {
                    shared.acked_in_partition.fetch_add(1, Ordering::Relaxed);
                }
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
            Ok(answer) => {
                // Stored, not as durable as asked: resend the same seq (a duplicate at worst),
                // after a pause: SLAVE_NOT_AVAILABLE comes back at once until the slave is
                // back, and every such send is stored.
                shared.not_durable.fetch_add(1, Ordering::Relaxed);
                match answer.as_ref().map(|out| out.status) {
                    Some(ResponseCode::SLAVE_NOT_AVAILABLE) => {
                        shared.slave_not_available.fetch_add(1, Ordering::Relaxed);
                    }
                    Some(ResponseCode::FLUSH_SLAVE_TIMEOUT) => {
                        shared.flush_slave_timeouts.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
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

/// What [`run`] tells its caller as it goes.
#[derive(Debug)]
pub enum ChaosEvent<'a> {
    /// Partition faults will not be injected (no network namespaces here), and why.
    Skipped {
        faults: &'a [FaultKind],
        reason: &'a str,
    },
    /// A fault was injected and the cluster came back (or not).
    Fault(&'a FaultRecord),
}

/// Runs the whole experiment; `on_event` sees skipped faults at the start and each fault as
/// it is recorded. SIGINT and SIGTERM end the run with an error after the daemons are killed
/// and the network namespaces removed, as any other error does.
pub async fn run(opts: ChaosOptions, on_event: impl FnMut(&ChaosEvent)) -> Result<ChaosReport> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| io_err("cannot handle SIGTERM", e))?;
    tokio::select! {
        report = run_until_done(opts, on_event) => report,
        _ = tokio::signal::ctrl_c() => Err(ClientError::Other(
            "interrupted (SIGINT): the daemons were killed and the namespaces removed".into(),
        )),
        _ = terminate.recv() => Err(ClientError::Other(
            "terminated (SIGTERM): the daemons were killed and the namespaces removed".into(),
        )),
    }
}

async fn run_until_done(
    opts: ChaosOptions,
    mut on_event: impl FnMut(&ChaosEvent),
) -> Result<ChaosReport> {
    let started = Instant::now();
    if opts.mode != ChaosMode::SyncMaster && opts.faults.contains(&FaultKind::PartitionMasterSlave)
    {
        return Err(ClientError::Other(
            "partition-master-slave needs the sync-master mode (a slave)".into(),
        ));
    }
    std::fs::create_dir_all(&opts.dir).map_err(|e| io_err("cannot create the run directory", e))?;
    let mut kinds = if opts.faults.is_empty() {
        vec![FaultKind::Kill]
    } else {
        opts.faults.clone()
    };
    let mut skipped_faults = Vec::new();
    let mut skip_reason = None;
    let mut net = None;
    if kinds.iter().any(|k| k.is_partition()) {
        match tokio::task::spawn_blocking(Network::create).await {
            Ok(Ok(n)) => net = Some(n),
            Ok(Err(reason)) => skip_reason = Some(reason),
            Err(e) => skip_reason = Some(format!("network setup failed: {e}")),
        }
        if let Some(reason) = &skip_reason {
            skipped_faults = kinds.iter().copied().filter(|k| k.is_partition()).collect();
            skipped_faults.dedup();
            kinds.retain(|k| !k.is_partition());
            on_event(&ChaosEvent::Skipped {
                faults: &skipped_faults,
                reason,
            });
        }
    }
    let mut cluster = Cluster::start(&opts, net).await?;
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
        partition_since_ms: AtomicU64::new(0),
        acked_in_partition: AtomicU64::new(0),
        slave_not_available: AtomicU64::new(0),
        flush_slave_timeouts: AtomicU64::new(0),
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

    // Faults hit a cluster under load: the first waits until a send was acknowledged (on a
    // loaded machine the producers can take longer than one interval to get going).
    let load_deadline = Instant::now() + opts.max_duration.min(Duration::from_secs(60));
    while lock(&shared.acked).is_empty() && Instant::now() < load_deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut faults = Vec::new();
    for cycle in 0..opts.cycles {
        tokio::time::sleep(opts.interval).await;
        if started.elapsed() >= opts.max_duration {
            break;
        }
        // Every fault asked for was skipped: the cycles are load only.
        let Some(&fault) = kinds.get(cycle as usize % kinds.len().max(1)) else {
            continue;
        };
        let record = inject(&opts, &mut cluster, &client, &shared, cycle, fault, started).await?;
        on_event(&ChaosEvent::Fault(&record));
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
        skipped_faults,
        skip_reason,
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
        partition: None,
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
        FaultKind::PartitionMasterSlave | FaultKind::PartitionClientBroker => {
            partition(opts, cluster, client, shared, fault, t0, &mut record).await?;
        }
    }
    Ok(record)
}

/// Send outcomes so far, to tell what happened during a partition.
#[derive(Clone, Copy)]
struct SendCounts {
    acked_in_partition: u64,
    not_durable: u64,
    slave_not_available: u64,
    flush_slave_timeouts: u64,
    send_errors: u64,
}

impl SendCounts {
    fn now(shared: &Shared) -> SendCounts {
        SendCounts {
            acked_in_partition: shared.acked_in_partition.load(Ordering::SeqCst),
            not_durable: shared.not_durable.load(Ordering::SeqCst),
            slave_not_available: shared.slave_not_available.load(Ordering::SeqCst),
            flush_slave_timeouts: shared.flush_slave_timeouts.load(Ordering::SeqCst),
            send_errors: shared.send_errors.load(Ordering::SeqCst),
        }
    }
}

/// Runs `ip` off the reactor.
async fn network_change(
    net: &Network,
    change: fn(&Network, Role, Role) -> std::result::Result<(), String>,
    from: Role,
    to: Role,
) -> Result<()> {
    // The commands take milliseconds; block_in_place keeps the borrow of `net`.
    tokio::task::block_in_place(|| change(net, from, to)).map_err(ClientError::Other)
}

/// A partition: cut, hold for `opts.partition`, measure, heal, measure the way back.
async fn partition(
    opts: &ChaosOptions,
    cluster: &mut Cluster,
    client: &MqClient,
    shared: &Shared,
    fault: FaultKind,
    t0: u64,
    record: &mut FaultRecord,
) -> Result<()> {
    let (from, to) = match fault {
        FaultKind::PartitionMasterSlave => (Role::Slave, Role::Master),
        _ => (Role::Master, Role::Clients),
    };
    let Some(net) = cluster.net.as_ref() else {
        return Err(ClientError::Other(format!(
            "{} needs the run's network namespaces",
            fault.name()
        )));
    };
    let master_addr = cluster.master.addr();
    let slave_addr = cluster.slave.as_ref().map(|s| s.addr());
    let mut figures = PartitionFigures::default();
    let mut errors = Vec::new();

    network_change(net, Network::cut, from, to).await?;
    let cut_at = now_ms() as u64;
    shared.partition_since_ms.store(cut_at, Ordering::SeqCst);
    let before = SendCounts::now(shared);
    tokio::time::sleep(opts.partition).await;

    // How far the slave is behind, read from the harness (it reaches both) before the heal.
    let mut master_end_at_heal = None;
    if fault == FaultKind::PartitionMasterSlave {
        if let Some(slave) = &slave_addr {
            match commit_log_ends(client, &master_addr, slave).await {
                Ok((master_end, slave_end)) => {
                    master_end_at_heal = Some(master_end);
                    figures.slave_behind_bytes = Some(master_end - slave_end);
                }
                Err(e) => errors.push(format!("before the heal: {}", e.chain())),
            }
        }
    }
    // Stop counting before the heal: a SUCCESS counted was answered across the cut.
    shared.partition_since_ms.store(0, Ordering::SeqCst);
    let after = SendCounts::now(shared);
    network_change(net, Network::heal, from, to).await?;
    let healed = now_ms() as u64;
    figures.duration_ms = healed - cut_at;
    figures.acked_during = after.acked_in_partition - before.acked_in_partition;
    figures.not_durable_during = after.not_durable - before.not_durable;
    figures.slave_not_available_during = after.slave_not_available - before.slave_not_available;
    figures.flush_slave_timeout_during = after.flush_slave_timeouts - before.flush_slave_timeouts;
    figures.send_errors_during = after.send_errors - before.send_errors;

    // The first acknowledgement after the heal, and (master/slave) the slave reaching the
    // master's end at the heal, watched together.
    let catch_up = async {
        match (&slave_addr, master_end_at_heal) {
            (Some(slave), Some(target)) => {
                slave_reaches(client, slave, target, RECOVERY_BOUND).await
            }
            _ => Ok(None),
        }
    };
    let (first_ack, caught_up) =
        tokio::join!(first_ack_after(shared, healed, RECOVERY_BOUND), catch_up);
    figures.heal_to_ack_ms = first_ack.map(|t| t.saturating_sub(healed));
    record.recovery_ms = first_ack.map(|t| t - t0);
    match caught_up {
        Ok(Some(at)) => figures.catch_up_ms = Some(at.saturating_sub(healed)),
        Ok(None) => {}
        Err(e) => errors.push(format!("after the heal: {e}")),
    }

    // Everything acknowledged so far (before, and after the heal) is on the slave.
    if let (FaultKind::PartitionMasterSlave, Some(slave)) = (fault, &slave_addr) {
        let view = cluster
            .slave_view
            .get_or_insert_with(|| SlaveView::new(client, slave.clone(), opts.queues));
        let acked: Vec<(String, u64)> = lock(&shared.acked).clone();
        let (missing, error) = view.missing(&acked).await;
        record.slave_read_error = error;
        record.acked_before = Some(acked.len() as u64);
        record.missing_on_slave = Some(missing);
    }
    if !errors.is_empty() {
        figures.error = Some(errors.join("; "));
    }
    record.partition = Some(figures);
    Ok(())
}

/// The CommitLog ends (max physical offsets) of the master and the slave.
async fn commit_log_ends(client: &MqClient, master: &str, slave: &str) -> Result<(i64, i64)> {
    let end = |info: super::ha::HaInfo, who: &str| {
        info.max_offset
            .ok_or_else(|| ClientError::Other(format!("the {who} states no CommitLog end")))
    };
    let master_end = end(client.broker_ha_info(master).await?, "master")?;
    let slave_end = end(client.broker_ha_info(slave).await?, "slave")?;
    Ok((master_end, slave_end))
}

/// Polls the slave until its CommitLog reaches `target`; when it did (epoch ms), `None`
/// when not within `limit`.
async fn slave_reaches(
    client: &MqClient,
    slave: &str,
    target: i64,
    limit: Duration,
) -> std::result::Result<Option<u64>, String> {
    let deadline = Instant::now() + limit;
    let mut last_error = None;
    while Instant::now() < deadline {
        match client.broker_ha_info(slave).await {
            Ok(info) if info.max_offset.is_some_and(|end| end >= target) => {
                return Ok(Some(now_ms() as u64))
            }
            Ok(_) => {}
            Err(e) => last_error = Some(e.chain()),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    match last_error {
        Some(e) => Err(format!("slave not caught up within {limit:?}: {e}")),
        None => Ok(None),
    }
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
    fn fault_names_are_the_json_names() {
        for f in [
            FaultKind::Kill,
            FaultKind::Pause,
            FaultKind::NamesrvRestart,
            FaultKind::PartitionMasterSlave,
            FaultKind::PartitionClientBroker,
        ] {
            assert_eq!(serde_json::to_value(f).unwrap(), f.name());
        }
    }

    #[test]
    fn a_subnet_in_use_is_not_picked() {
        // 10.x.y.0/24 from the pid, moving on while the candidate shows in `ip` output.
        let first = pick_subnet_from(1234, "");
        let used = format!("inet 10.{}.{}.1/24 scope global", first[1], first[2]);
        let second = pick_subnet_from(1234, &used);
        assert_ne!(first, second);
        assert_eq!(second[0], 10);
        assert!((200..250).contains(&second[1]));
    }

    #[test]
    fn the_summary_gives_the_partition_figures() {
        let partition = |fault, behind, catch_up| FaultRecord {
            cycle: 0,
            fault,
            at_ms: 0,
            recovery_ms: Some(9000),
            acked_before: None,
            missing_on_slave: None,
            slave_read_error: None,
            partition: Some(PartitionFigures {
                duration_ms: 8000,
                send_errors_during: 5,
                not_durable_during: 150,
                slave_behind_bytes: behind,
                catch_up_ms: catch_up,
                ..PartitionFigures::default()
            }),
        };
        let report = ChaosReport {
            mode: ChaosMode::SyncMaster,
            cycles: 2,
            duration_ms: 30_000,
            verdict: Verdict::default(),
            send_errors: 10,
            last_send_error: None,
            not_durable: 150,
            consumer_rewinds: 0,
            drained: true,
            faults: vec![
                partition(FaultKind::PartitionMasterSlave, Some(46_000), Some(1006)),
                partition(FaultKind::PartitionClientBroker, None, None),
            ],
            max_recovery_ms: Some(9000),
            skipped_faults: Vec::new(),
            skip_reason: None,
            dir: "/tmp/x".into(),
        };
        let line = report.summary();
        assert!(
            line.contains("partitions 2: acked during 0, failed/refused during 310, slave behind at heal max 46000 bytes, caught up max 1006 ms"),
            "{line}"
        );
        assert!(report.ok());
        let mut acked_across = report.clone();
        acked_across.faults[1]
            .partition
            .as_mut()
            .unwrap()
            .acked_during = 1;
        assert!(!acked_across.ok());
    }

    #[test]
    fn bodies_parse_with_padding() {
        assert_eq!(parse_body(b"p0k1 42 xxxx"), Some(("p0k1".into(), 42)));
        assert_eq!(parse_body(b"p0k1 7"), Some(("p0k1".into(), 7)));
        assert_eq!(parse_body(b"garbage"), None);
    }
}
