//! The admin codes a 4.9.8 broker answers that came last to rmq, each checked the same way on
//! rmq and on the Java 4.9.7 broker (so a difference is rmq's):
//!
//! - with the real Java 4.9.8 `mqadmin`, a producer and a push consumer online (`AdminProbe
//!   serve`): `statsAll` (VIEW_BROKER_STATS_DATA 315), `producer` (GET_ALL_PRODUCER_INFO 328)
//!   and `cleanExpiredCQ` (CLEAN_EXPIRED_CONSUMEQUEUE 306): the same lines, ids, ports and
//!   times aside;
//! - over the wire with rmq's client, for the codes no registered mqadmin command sends (4.9.8
//!   has a `getConsumerStatus` command class but does not register it) and for error answers:
//!   INVOKE_BROKER_TO_GET_CONSUMER_STATUS (223, which the broker fans out to the Java consumer
//!   as GET_CONSUMER_STATUS_FROM_CLIENT 221), QUERY_CORRECTION_OFFSET (308),
//!   VIEW_BROKER_STATS_DATA of a key with data and of one without, and
//!   RESUME_CHECK_HALF_MESSAGE (323) of a stored message and of a bad id.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::java_cluster::{admin_probe, mqadmin, section, JavaBroker, JavaNamesrv};
use common::{temp_dir, Cluster, Spawned};
use rmq::net::{ClientOptions, RemotingClient};
use rmq::protocol::fastjson;
use rmq::protocol::{ExtFields, RemotingCommand, RequestCode, ResponseCode};
use serde_json::Value;

const TOPIC: &str = "StatsT";
const GROUP: &str = "gStats";
const PRODUCER_GROUP: &str = "pStats";
const COUNT: usize = 8;

/// What one broker answered.
#[derive(Debug)]
struct Seen {
    stats_all: Vec<String>,
    consumer_status: Value,
    producers: Vec<String>,
    clean_cq: String,
    correction: Value,
    stats_data: Value,
    stats_missing: (i32, String),
    resume: (i32, String),
    resume_bad: (i32, String),
    half_max_offset: (i64, i64),
}

fn request(code: RequestCode, pairs: &[(&str, &str)]) -> RemotingCommand {
    let mut ext = ExtFields::new();
    for (k, v) in pairs {
        ext.insert(k.to_string(), v.to_string());
    }
    RemotingCommand::request(code, ext)
}

/// The data lines of an mqadmin table (header and blank lines dropped), with runs of spaces
/// collapsed.
fn rows(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

fn scenario(lib: &Path, namesrv: &str, broker: &str, work: &Path) -> Seen {
    let admin = |n: usize, commands: &[&[&str]]| -> Vec<String> {
        let dir = work.join(format!("mqadmin-{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        let (sections, transcript) = mqadmin(lib, &dir, namesrv, commands);
        commands
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let out = section(&sections, i, c[0]);
                assert!(
                    !out.contains("Exception"),
                    "mqadmin {c:?} failed:\n{out}\n--- whole run ---\n{transcript}"
                );
                out.to_string()
            })
            .collect()
    };
    admin(
        0,
        &[&[
            "updateTopic",
            "-c",
            "DefaultCluster",
            "-t",
            TOPIC,
            "-r",
            "4",
            "-w",
            "4",
        ]],
    );

    let serve_dir = work.join("serve");
    std::fs::create_dir_all(&serve_dir).unwrap();
    let mut cmd = admin_probe(lib, &serve_dir);
    cmd.arg("serve")
        .args([
            namesrv,
            TOPIC,
            GROUP,
            PRODUCER_GROUP,
            &COUNT.to_string(),
            "120",
        ])
        .stdin(Stdio::piped())
        .stderr(std::fs::File::create(serve_dir.join("serve.err")).unwrap());
    let mut serve = Spawned::spawn(&mut cmd);
    assert!(
        serve
            .wait_line(Duration::from_secs(90), |l| l == "READY")
            .is_some(),
        "the clients never consumed everything: {:?}",
        serve.lines()
    );
    let offset_msg_id = serve
        .lines()
        .iter()
        .find_map(|l| l.strip_prefix("SENT 0 SEND_OK "))
        .and_then(|rest| rest.split_whitespace().nth(1))
        .expect("first message sent")
        .to_string();
    // One 10 s sampling of the statistics after the last put and pull.
    std::thread::sleep(Duration::from_secs(11));
    let out = admin(
        1,
        &[
            &["statsAll", "-t", TOPIC],
            &["producer", "-b", broker],
            &["cleanExpiredCQ", "-c", "DefaultCluster"],
        ],
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen = runtime.block_on(async {
        let client = RemotingClient::new(ClientOptions::default());
        let call = |req: RemotingCommand| {
            let client = &client;
            async move {
                client
                    .invoke(broker, req, Duration::from_secs(10))
                    .await
                    .expect("broker answers")
            }
        };
        let answer = |r: &RemotingCommand| (r.code, r.remark.clone().unwrap_or_default());
        let consumer_status = call(request(
            RequestCode::INVOKE_BROKER_TO_GET_CONSUMER_STATUS,
            &[("topic", TOPIC), ("group", GROUP)],
        ))
        .await;
        assert_eq!(
            consumer_status.response_code(),
            ResponseCode::SUCCESS,
            "{consumer_status:?}"
        );
        let correction = call(request(
            RequestCode::QUERY_CORRECTION_OFFSET,
            &[("topic", TOPIC), ("compareGroup", "noSuchGroup")],
        ))
        .await;
        assert_eq!(
            correction.response_code(),
            ResponseCode::SUCCESS,
            "{correction:?}"
        );
        let stats = call(request(
            RequestCode::VIEW_BROKER_STATS_DATA,
            &[("statsName", "TOPIC_PUT_NUMS"), ("statsKey", TOPIC)],
        ))
        .await;
        assert_eq!(stats.response_code(), ResponseCode::SUCCESS, "{stats:?}");
        let missing = call(request(
            RequestCode::VIEW_BROKER_STATS_DATA,
            &[("statsName", "TOPIC_PUT_NUMS"), ("statsKey", "NoSuchTopic")],
        ))
        .await;
        let half_max = || {
            call(request(
                RequestCode::GET_MAX_OFFSET,
                &[("topic", "RMQ_SYS_TRANS_HALF_TOPIC"), ("queueId", "0")],
            ))
        };
        let max_of = |r: RemotingCommand| {
            r.ext("offset")
                .and_then(|o| o.parse::<i64>().ok())
                .unwrap_or(0)
        };
        let before = max_of(half_max().await);
        let resume = call(request(
            RequestCode::RESUME_CHECK_HALF_MESSAGE,
            &[("msgId", &offset_msg_id)],
        ))
        .await;
        // Java's ConsumeQueue follows the CommitLog a moment later.
        let mut after = before;
        for _ in 0..30 {
            after = max_of(half_max().await);
            if after > before {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let resume_bad = call(request(
            RequestCode::RESUME_CHECK_HALF_MESSAGE,
            &[("msgId", "not-a-message-id")],
        ))
        .await;
        Seen {
            stats_all: rows(&out[0]),
            consumer_status: fastjson::parse(&consumer_status.body).unwrap(),
            producers: rows(&out[1]),
            clean_cq: out[2].trim().to_string(),
            correction: fastjson::parse(&correction.body).unwrap(),
            stats_data: fastjson::parse(&stats.body).unwrap(),
            stats_missing: answer(&missing),
            resume: answer(&resume),
            resume_bad: answer(&resume_bad),
            half_max_offset: (before, after),
        }
    });
    serve.close_stdin();
    serve.wait_bounded(Duration::from_secs(30));
    seen
}

/// `producer -b` lines without the client id, port and heartbeat time.
fn producer_shape(lines: &[String]) -> Vec<String> {
    let mut shape: Vec<String> = lines
        .iter()
        .map(|l| {
            let (group, rest) = l.split_once(" instance : ").unwrap_or((l, ""));
            let fields: Vec<String> = rest
                .split(',')
                .map(|f| {
                    let (k, v) = f.trim().split_once('=').unwrap_or((f.trim(), ""));
                    match k {
                        "language" | "version" => format!("{k}={v}"),
                        "remoteIP" => format!("{k}={}", v.starts_with("/127.0.0.1:")),
                        _ => format!("{k}=*"),
                    }
                })
                .collect();
            format!("{group} | {}", fields.join(","))
        })
        .collect();
    shape.sort();
    shape
}

#[test]
fn remaining_admin_codes_answer_as_the_java_broker() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let started = Instant::now();
    let cluster = Cluster::builder("admin-remaining")
        .wait_registered()
        .start();
    let ours = scenario(&lib, &cluster.ns(), &cluster.broker().addr, cluster.path());
    drop(cluster);
    eprintln!("rmq: {ours:#?} ({:.0} s)", started.elapsed().as_secs_f64());

    let Some(broker_lib) = common::java_broker_lib() else {
        return;
    };
    let dir = temp_dir("admin-remaining-java");
    let namesrv = JavaNamesrv::start(&broker_lib, &dir.path().join("namesrv"));
    let broker = JavaBroker::start(
        &broker_lib,
        &dir.path().join("broker"),
        &dir.path().join("store"),
        &namesrv.addr,
    );
    let java = scenario(&lib, &namesrv.addr, &broker.addr, dir.path());
    drop(broker);
    drop(namesrv);
    eprintln!("java: {java:#?}");

    // statsAll: topic, group, backlog and the 24-hour counts (the last minute's, right after
    // start) agree; the rates depend on when the 10 s samples fell.
    let stats_line = |seen: &Seen| -> Vec<String> {
        let line = seen
            .stats_all
            .iter()
            .find(|l| l.starts_with(TOPIC))
            .unwrap_or_else(|| panic!("no {TOPIC} line: {:?}", seen.stats_all))
            .clone();
        let f: Vec<String> = line.split(' ').map(str::to_string).collect();
        assert_eq!(f.len(), 7, "{line}");
        for tps in &f[3..5] {
            assert!(tps.parse::<f64>().unwrap() > 0.0, "rates in {line}");
        }
        vec![
            f[0].clone(),
            f[1].clone(),
            f[2].clone(),
            f[5].clone(),
            f[6].clone(),
        ]
    };
    assert_eq!(stats_line(&ours), stats_line(&java), "statsAll");
    assert_eq!(
        stats_line(&ours),
        [TOPIC, GROUP, "0", &COUNT.to_string(), &COUNT.to_string()]
    );

    // INVOKE_BROKER_TO_GET_CONSUMER_STATUS: the consumer's offset of each queue, by client id
    // (which differs per run).
    let status = |seen: &Seen| -> Vec<Value> {
        let table = seen.consumer_status["consumerTable"]
            .as_object()
            .unwrap_or_else(|| panic!("{}", seen.consumer_status));
        table.values().cloned().collect()
    };
    assert_eq!(status(&ours), status(&java), "consumer status");
    assert_eq!(status(&ours).len(), 1, "{}", ours.consumer_status);

    assert_eq!(
        producer_shape(&ours.producers),
        producer_shape(&java.producers)
    );
    assert!(
        ours.producers
            .iter()
            .any(|l| l.starts_with(&format!("producer group ({PRODUCER_GROUP})"))),
        "{:?}",
        ours.producers
    );
    assert_eq!(ours.clean_cq, "success");
    assert_eq!(ours.clean_cq, java.clean_cq);

    assert_eq!(ours.correction, java.correction, "QUERY_CORRECTION_OFFSET");
    let sum = |v: &Value| v["statsMinute"]["sum"].as_i64();
    assert_eq!(
        sum(&ours.stats_data),
        Some(COUNT as i64),
        "{}",
        ours.stats_data
    );
    assert_eq!(sum(&ours.stats_data), sum(&java.stats_data));
    assert_eq!(ours.stats_missing, java.stats_missing);
    assert_eq!(ours.resume, java.resume);
    assert_eq!(ours.resume.0, ResponseCode::SUCCESS.0);
    assert_eq!(ours.resume_bad, java.resume_bad);
    for seen in [&ours, &java] {
        let (before, after) = seen.half_max_offset;
        assert!(
            after > before,
            "the message went back to the half queue: {seen:?}"
        );
    }
}
