//! Disk full (issue 16): a broker whose store sits on a small tmpfs is loaded until the disk
//! guard refuses sends. The refusal is Java's SERVICE_NOT_AVAILABLE with a remark saying the
//! disk is full; every acknowledged message reads back; the broker stays up; config writes on a
//! completely full disk leave `consumerOffset.json` and `topics.json` intact and are retried;
//! sends resume by themselves once space is freed; `rmq store verify` finds the store clean.
//!
//! Needs root (it mounts a tmpfs); without it the test prints why and passes.

mod common;

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{rmq, temp_dir, wait_until, Daemon};
use rmq::client::{
    ClientError, Message, MqClient, Producer, ProducerOptions, PullConsumer, QueueSelect,
};
use rmq::common::message::decode_records;
use rmq::protocol::body::TopicConfig;
use rmq::protocol::{ResponseCode, SerializeType};

const TOPIC: &str = "DiskFullTopic";
const GROUP: &str = "disk_full_group";
const QUEUES: i32 = 4;
/// The tmpfs: 64 MiB, of which [`FILLER_MB`] are taken before the broker starts.
const TMPFS_MB: u64 = 64;
const FILLER_MB: usize = 16;
const BODY: usize = 2048;

/// A tmpfs mounted for the test; unmounted on drop (lazily if something still holds it).
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None` (with a printed reason) where mounting is not permitted.
    fn mount(dir: &Path, size_mb: u64) -> Option<Tmpfs> {
        fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_mb}m"), "tmpfs"])
            .arg(dir)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs(dir.to_path_buf())),
            Ok(o) => {
                eprintln!(
                    "SKIPPED disk_full: cannot mount a tmpfs (needs root): {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED disk_full: cannot run mount: {e}");
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

/// Writes 1 MiB blocks to `path` until the file system is full (or `limit_mb` are written).
fn fill(path: &Path, limit_mb: usize) -> usize {
    let mut f = fs::File::create(path).unwrap();
    let block = vec![0x5au8; 1 << 20];
    let mut written = 0;
    for _ in 0..limit_mb {
        match f.write(&block) {
            Ok(n) => written += n,
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
            Err(e) => panic!("filling {}: {e}", path.display()),
        }
        if written % (1 << 20) != 0 {
            break;
        }
    }
    // tmpfs: the data is "on disk" once written; no fsync needed.
    written
}

fn client(ns: &str) -> Arc<MqClient> {
    Arc::new(MqClient::new(
        &[ns.to_string()],
        Duration::from_secs(10),
        SerializeType::Json,
    ))
}

fn body_of(key: u64) -> Vec<u8> {
    let mut body = format!("msg-{key:08}-").into_bytes();
    body.resize(BODY, b'x');
    body
}

fn key_in(body: &[u8]) -> Option<u64> {
    std::str::from_utf8(body.get(4..12)?).ok()?.parse().ok()
}

/// Every message of every queue of [`TOPIC`], by key.
async fn read_all(consumer: &PullConsumer) -> HashSet<u64> {
    let mut keys = HashSet::new();
    for q in consumer.queues(None, None).await.unwrap() {
        let mut offset = 0;
        loop {
            let out = consumer.pull(&q, offset, 32, None).await.unwrap();
            if out.code != ResponseCode::SUCCESS {
                break;
            }
            for record in decode_records(&out.body) {
                let record = record.unwrap();
                keys.insert(key_in(record.body).expect("a test message"));
            }
            if out.next_begin_offset <= offset {
                break;
            }
            offset = out.next_begin_offset;
        }
    }
    keys
}

fn refusal(e: &ClientError) -> Option<(ResponseCode, String)> {
    match e {
        ClientError::Refused { code, remark, .. } => Some((*code, remark.clone())),
        ClientError::Context { source, .. } => refusal(source),
        _ => None,
    }
}

fn read_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Sends 2 KiB messages from 16 tasks until each has been refused 3 times; the keys of the
/// acknowledged messages and the refusals. Any other failure fails the test.
async fn load_until_refused(
    producer: &Arc<Producer>,
    broker: &Daemon,
) -> (Vec<u64>, Vec<(ResponseCode, String)>) {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for sender in 0..16u64 {
        let producer = producer.clone();
        tasks.spawn(async move {
            let mut acked = Vec::new();
            let mut refusals = Vec::new();
            for i in 0.. {
                let key = sender * 1_000_000 + i;
                let m = Message::new(TOPIC, body_of(key));
                match producer.send(&m, QueueSelect::RoundRobin).await.result {
                    Ok(Some(outcome)) => {
                        assert_eq!(outcome.status, ResponseCode::SUCCESS);
                        acked.push(key);
                    }
                    Ok(None) => unreachable!("not oneway"),
                    Err(e) => {
                        let Some(r) = refusal(&e) else {
                            return Err(format!("send failed: {e}"));
                        };
                        refusals.push(r);
                        if refusals.len() >= 3 {
                            break;
                        }
                    }
                }
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "no refusal after 60 s and {} messages",
                    acked.len()
                );
            }
            Ok((acked, refusals))
        });
    }
    let mut acked = Vec::new();
    let mut refusals = Vec::new();
    while let Some(r) = tasks.join_next().await {
        let (a, f) = r.unwrap().unwrap_or_else(|e| {
            panic!(
                "{e} (after {} s); broker {}; its log:\n{}",
                started.elapsed().as_secs(),
                process_state(broker.pid()),
                common::tail_file(&broker.stderr_log, 40)
            )
        });
        acked.extend(a);
        refusals.extend(f);
    }
    eprintln!(
        "{} messages acknowledged, then refused after {:?}: {:?}",
        acked.len(),
        started.elapsed(),
        refusals[0]
    );
    for (code, remark) in &refusals {
        assert_eq!(*code, ResponseCode::SERVICE_NOT_AVAILABLE, "{remark}");
        assert!(
            remark.starts_with(
                "service not available now. It may be caused by one of the following reasons: \
                 the broker's disk is full [CL: "
            ) && remark.contains("(the disk is full"),
            "{remark}"
        );
    }
    (acked, refusals)
}

/// How a child process is doing (reaps it if it died: diagnostics for a failing test only).
fn process_state(pid: u32) -> String {
    let mut status = 0;
    // SAFETY: waitpid on our own child with a valid out pointer.
    let r = unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG) };
    if r == 0 {
        "still running".into()
    } else if r < 0 {
        "state unknown".into()
    } else if libc::WIFSIGNALED(status) {
        format!("killed by signal {}", libc::WTERMSIG(status))
    } else {
        format!("exited with {}", libc::WEXITSTATUS(status))
    }
}

/// Once space is back: sends succeed again (within 15 s) without a restart; 20 more keys.
async fn sends_resume(producer: &Producer) -> Vec<u64> {
    let resumed = Instant::now();
    let mut more = Vec::new();
    let mut key = 99_000_000u64;
    while more.len() < 20 {
        let m = Message::new(TOPIC, body_of(key));
        match producer.send(&m, QueueSelect::RoundRobin).await.result {
            Ok(_) => {
                more.push(key);
                key += 1;
            }
            Err(e) => {
                assert!(
                    more.is_empty() && resumed.elapsed() < Duration::from_secs(15),
                    "sends did not resume: {e}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    eprintln!(
        "sends resumed {:?} after space was freed",
        resumed.elapsed()
    );
    more
}

/// A Java 4.9.8 producer sending one message to the full broker: after its retries the send
/// fails with the broker's code 14 and remark (ClientProbe then stays up with the producer's
/// threads, so it is killed once the exception shows).
fn java_send_is_refused(lib: &Path, ns: &str, dir: &Path) {
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let (out, err) = (dir.join("java-probe.out"), dir.join("java-probe.err"));
    let mut probe = Kill(
        common::java_program(lib, "ClientProbe")
            .args(["produce", ns, TOPIC, "1", "TagA"])
            .stdout(fs::File::create(&out).unwrap())
            .stderr(fs::File::create(&err).unwrap())
            .spawn()
            .expect("java runs"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let read = |p: &Path| fs::read_to_string(p).unwrap_or_default();
    loop {
        let exited = probe.0.try_wait().unwrap().is_some();
        if read(&err).contains("MQBrokerException") || exited || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(200));
    drop(probe);
    let (stdout, stderr) = (read(&out), read(&err));
    assert!(
        !stdout.contains("SEND_OK")
            && stderr.contains("MQBrokerException: CODE: 14  DESC: service not available now")
            && stderr.contains("the broker's disk is full"),
        "Java producer on a full broker:\n{stdout}\n{stderr}"
    );
}

/// Stops the broker (a clean exit), shows its disk-related log lines and runs
/// `rmq store verify`, which must find nothing wrong.
fn stop_and_verify(broker: &mut Daemon, store: &Path) {
    assert!(broker.stop().success());
    for line in broker.stderr().lines() {
        let shown = [
            "refusing writes",
            "accepting writes",
            "cannot create",
            "could not prepare",
            "persist",
        ];
        if shown.iter().any(|s| line.contains(s)) {
            eprintln!("broker: {line}");
        }
    }
    let verify = rmq(&["store", "verify", "--store"])
        .arg(store)
        .args(["-c"])
        .arg(broker.config_file())
        .run();
    assert!(verify.success(), "{}", verify.stdout + &verify.stderr);
}

/// A broker with its store on the tmpfs at `mnt` (its config and log off it), `TOPIC` created
/// with [`QUEUES`] queues. Small files so several fit; no forced deletion, so full means full;
/// frequent config writes.
fn start(
    work: &Path,
    mnt: &Path,
    commitlog_file: u64,
) -> (Daemon, Daemon, Arc<MqClient>, tokio::runtime::Runtime) {
    let namesrv = Daemon::namesrv(&work.join("namesrv"));
    let broker = Daemon::broker(
        &work.join("broker"),
        &namesrv.addr,
        &format!(
            "storePathRootDir={}\nmappedFileSizeCommitLog={commitlog_file}\n\
             mappedFileSizeConsumeQueue=40000\nmaxHashSlotNum=1000\nmaxIndexNum=4000\n\
             cleanFileForciblyEnable=false\ndiskMaxUsedSpaceRatio=95\n\
             flushConsumerOffsetInterval=300\nflushIntervalCommitLog=50\n",
            mnt.join("store").display()
        ),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let c = client(&namesrv.addr);
    rt.block_on(async {
        let mut tc = TopicConfig::new(TOPIC);
        tc.read_queue_nums = QUEUES;
        tc.write_queue_nums = QUEUES;
        c.create_topic(&broker.addr, &tc).await.unwrap();
    });
    (namesrv, broker, c, rt)
}

fn producer(c: &Arc<MqClient>) -> Arc<Producer> {
    Arc::new(Producer::new(
        c.clone(),
        ProducerOptions {
            group: "disk_full_producer".into(),
            retries: 0,
            ..ProducerOptions::default()
        },
    ))
}

#[test]
fn disk_full_refuses_keeps_data_and_resumes() {
    let work = temp_dir("disk-full");
    let mnt = work.path().join("tmpfs");
    let Some(_tmpfs) = Tmpfs::mount(&mnt, TMPFS_MB) else {
        return;
    };
    let store = mnt.join("store");
    let config_dir = store.join("config");
    let filler = mnt.join("filler");
    assert_eq!(fill(&filler, FILLER_MB), FILLER_MB << 20);

    let (namesrv, mut broker, c, rt) = start(work.path(), &mnt, 4 << 20);
    let (ns, addr) = (namesrv.addr.clone(), broker.addr.clone());
    rt.block_on(async {
        c.update_consumer_offset(&addr, GROUP, TOPIC, 0, 5)
            .await
            .unwrap();
    });
    let offsets_file = config_dir.join("consumerOffset.json");
    let topics_file = config_dir.join("topics.json");
    let offset_entry = |n: i64| format!("\"{TOPIC}@{GROUP}\":{{0:{n}");
    wait_until(
        "offset 5 in consumerOffset.json",
        Duration::from_secs(15),
        || fs::read_to_string(&offsets_file).is_ok_and(|t| t.contains(&offset_entry(5))),
    );

    // 1. Load until refused.
    let producer = producer(&c);
    let (acked, _) = rt.block_on(load_until_refused(&producer, &broker));
    assert!(acked.len() > 1000, "only {} acknowledged", acked.len());
    let log = broker.stderr();
    assert!(log.contains("refusing writes"), "{log}");

    // A Java producer is refused too: it retries, then fails the send with the broker's code.
    if let Some(lib) = common::java_lib() {
        java_send_is_refused(&lib, &ns, work.path());
    }

    // 2. Nothing acknowledged is lost, and the broker still serves.
    let consumer = PullConsumer::new(c.clone(), TOPIC, GROUP);
    let stored = rt.block_on(read_all(&consumer));
    let missing: Vec<_> = acked.iter().filter(|k| !stored.contains(k)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged messages missing",
        missing.len()
    );

    // 3. A completely full disk: config writes fail and keep the old files.
    let offsets_before = read_text(&offsets_file);
    let topics_before = read_text(&topics_file);
    let filler2 = mnt.join("filler2");
    fill(&filler2, TMPFS_MB as usize);
    rt.block_on(async {
        c.update_consumer_offset(&addr, GROUP, TOPIC, 0, 7)
            .await
            .unwrap();
        c.create_topic(&addr, &TopicConfig::new("DiskFullTopicB"))
            .await
            .unwrap();
    });
    wait_until(
        "a failed consumerOffset.json write in the broker log",
        Duration::from_secs(15),
        || {
            let log = broker.stderr();
            log.contains("consumerOffset.json.tmp") && log.contains("No space left on device")
        },
    );
    assert_eq!(read_text(&offsets_file), offsets_before);
    assert_eq!(read_text(&topics_file), topics_before);
    for name in ["topics.json", "subscriptionGroup.json"] {
        let text = read_text(&config_dir.join(name));
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("{name} is damaged: {e}\n{text}"));
    }
    for entry in fs::read_dir(&config_dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        assert!(!name.ends_with(".tmp"), "{name} left behind");
        assert!(meta.len() > 0, "{name} is empty");
    }
    fs::remove_file(&filler2).unwrap();
    wait_until(
        "the pending config writes retried once space returned",
        Duration::from_secs(15),
        || {
            fs::read_to_string(&offsets_file).is_ok_and(|t| t.contains(&offset_entry(7)))
                && fs::read_to_string(&topics_file).is_ok_and(|t| t.contains("DiskFullTopicB"))
        },
    );

    // 4. Space returns: sends resume without a restart.
    fs::remove_file(&filler).unwrap();
    let more = rt.block_on(sends_resume(&producer));
    assert!(broker.stderr().contains("accepting writes"));
    let stored = rt.block_on(read_all(&consumer));
    assert!(acked.iter().chain(&more).all(|k| stored.contains(k)));
    drop(rt);

    // 5. The store is consistent.
    stop_and_verify(&mut broker, &store);
    drop(namesrv);
}

/// A CommitLog file bigger than the space left, while usage is still below the limit: the
/// file cannot be allocated, so the send is refused (the disk guard trips at once and stays
/// tripped until the file fits, though usage never reaches the limit). Files are allocated
/// before they are mapped, so the broker never writes into pages the tmpfs cannot back
/// (which would kill it with SIGBUS).
#[test]
fn unallocatable_file_refuses_instead_of_crashing() {
    let work = temp_dir("disk-full-alloc");
    let mnt = work.path().join("tmpfs");
    let Some(_tmpfs) = Tmpfs::mount(&mnt, TMPFS_MB) else {
        return;
    };
    let store = mnt.join("store");
    // 36 of 64 MiB taken: the first 16 MiB CommitLog file fits (81 % used), the second does
    // not (12 MiB left), and usage stays under the 85 % at which the guard would clear.
    let filler = mnt.join("filler");
    assert_eq!(fill(&filler, 36), 36 << 20);
    let (namesrv, mut broker, c, rt) = start(work.path(), &mnt, 16 << 20);

    let producer = producer(&c);
    let (acked, _) = rt.block_on(load_until_refused(&producer, &broker));
    assert!(acked.len() > 1000, "only {} acknowledged", acked.len());
    let log = broker.stderr();
    assert!(
        log.contains("disk full: cannot create")
            && log.contains("No space left on device")
            && log.contains("refusing writes until space is freed"),
        "{log}"
    );
    // Several samples later the guard still refuses: the file still does not fit.
    std::thread::sleep(Duration::from_millis(1000));
    let refused = rt.block_on(async {
        let m = Message::new(TOPIC, body_of(98_000_000));
        producer.send(&m, QueueSelect::RoundRobin).await.result
    });
    let err = refused.expect_err("a send while the next file cannot be allocated");
    assert_eq!(
        refusal(&err).map(|r| r.0),
        Some(ResponseCode::SERVICE_NOT_AVAILABLE)
    );

    let consumer = PullConsumer::new(c.clone(), TOPIC, GROUP);
    let stored = rt.block_on(read_all(&consumer));
    let missing = acked.iter().filter(|k| !stored.contains(k)).count();
    assert_eq!(missing, 0, "acknowledged messages missing");

    fs::remove_file(&filler).unwrap();
    let more = rt.block_on(sends_resume(&producer));
    let stored = rt.block_on(read_all(&consumer));
    assert!(acked.iter().chain(&more).all(|k| stored.contains(k)));
    drop(rt);

    stop_and_verify(&mut broker, &store);
    drop(namesrv);
}
