//! Prometheus metrics: a broker started with `metricsPromExporterPort` and a name server started
//! with `--metrics-listen` serve `GET /metrics` in the Prometheus text format. After `rmq perf
//! produce --count N` the broker's messages-in counter of the topic is exactly N, a group whose
//! offsets were reset to the start shows a lag of N that falls to 0 once `rmq message consume
//! --commit` has read the messages, and every line of both expositions parses (prometheus-parse)
//! with a declared type. `rmq dev --metrics-listen` serves both daemons' metrics on one
//! endpoint.

mod common;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{rmq, temp_dir, wait_until, Daemon, Spawned, RMQ};
use prometheus_parse::{LineInfo, Scrape, Value};

const TOPIC: &str = "MetricsTopic";
const GROUP: &str = "MetricsGroup";
const N: u64 = 400;

/// `GET /metrics` over a plain HTTP/1.0 request: (status line, headers, body).
fn http_get(addr: &str, path: &str) -> (String, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_string(), headers.to_lowercase(), body.to_string())
}

/// The exposition at `addr`, checked line by line: every line is a comment, a HELP/TYPE line or
/// a sample, and every sample belongs to a declared metric (a histogram's `_bucket`, `_sum`
/// and `_count` to the histogram).
fn scrape(addr: &str) -> Scrape {
    let (status, headers, body) = http_get(addr, "/metrics");
    assert!(status.contains(" 200 "), "{status}\n{body}");
    assert!(
        headers.contains("content-type: text/plain; version=0.0.4"),
        "{headers}"
    );
    let mut declared = HashSet::new();
    for line in body.lines() {
        match LineInfo::parse(line) {
            LineInfo::Type { metric_name, .. } => {
                declared.insert(metric_name.trim_end_matches("_bucket").to_string());
            }
            LineInfo::Sample { metric_name, .. } => {
                let base = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| metric_name.strip_suffix(s))
                    .filter(|b| declared.contains(*b))
                    .unwrap_or(metric_name);
                assert!(
                    declared.contains(base),
                    "sample of undeclared {metric_name}"
                );
            }
            LineInfo::Doc { .. } | LineInfo::Empty => {}
            LineInfo::Ignored => panic!("line does not parse: {line:?}"),
        }
    }
    Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).expect("exposition parses")
}

fn value(v: &Value) -> f64 {
    match v {
        Value::Counter(x) | Value::Gauge(x) | Value::Untyped(x) => *x,
        other => panic!("not a scalar: {other:?}"),
    }
}

/// The sum of the samples of `metric` whose labels include every pair of `labels`.
fn sum(s: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    s.samples
        .iter()
        .filter(|x| x.metric == metric && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .map(|x| value(&x.value))
        .sum()
}

/// How many series of `metric` match `labels`.
fn series(s: &Scrape, metric: &str, labels: &[(&str, &str)]) -> usize {
    s.samples
        .iter()
        .filter(|x| x.metric == metric && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .count()
}

/// The `Metrics: http://ADDR/metrics` line a daemon printed.
fn metrics_addr(daemon: &Daemon) -> String {
    let mut found = None;
    wait_until("the metrics line", Duration::from_secs(10), || {
        found = daemon.stdout().iter().find_map(|l| {
            Some(
                l.strip_prefix("Metrics: http://")?
                    .strip_suffix("/metrics")?
                    .to_string(),
            )
        });
        found.is_some()
    });
    found.unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn broker_and_namesrv_metrics_count_what_was_sent_and_consumed() {
    let dir = temp_dir("metrics");
    let ns_dir = dir.path().join("namesrv");
    std::fs::create_dir_all(&ns_dir).unwrap();
    let conf = ns_dir.join("namesrv.properties");
    std::fs::write(
        &conf,
        format!("kvConfigPath={}\n", ns_dir.join("kvConfig.json").display()),
    )
    .unwrap();
    let args: Vec<String> = [
        "namesrv",
        "start",
        "--listen-port",
        "0",
        "--metrics-listen",
        "127.0.0.1:0",
        "-c",
    ]
    .map(String::from)
    .into_iter()
    .chain([conf.display().to_string()])
    .collect();
    let namesrv = Daemon::spawn(
        &args,
        &ns_dir,
        &conf,
        "The Name Server boot success. serializeType=JSON",
        |line| Some(format!("127.0.0.1:{}", line.rsplit(':').next()?.trim())),
    );
    let ns_metrics = metrics_addr(&namesrv);

    // The broker's endpoint from its config file: the port alone, the host defaults to
    // brokerIP1 (127.0.0.1 in the harness).
    let port = free_port();
    let broker = Daemon::broker(
        &dir.path().join("broker-a"),
        &namesrv.addr,
        &format!("metricsPromExporterPort={port}\n"),
    );
    let broker_metrics = metrics_addr(&broker);
    assert_eq!(broker_metrics, format!("127.0.0.1:{port}"));
    assert!(http_get(&broker_metrics, "/").0.contains(" 404 "));

    wait_until("broker registered", Duration::from_secs(20), || {
        sum(&scrape(&ns_metrics), "rmq_namesrv_live_brokers", &[]) == 1.0
    });
    let ns = namesrv.addr.as_str();
    rmq(&[
        "topic",
        "create",
        "-t",
        TOPIC,
        "-c",
        "DefaultCluster",
        "-w",
        "4",
        "-r",
        "4",
    ])
    .namesrv(ns)
    .ok();
    let rollback = dir.path().join("rollback.json");
    rmq(&[
        "offset", "reset", "-g", GROUP, "-t", TOPIC, "--to", "earliest", "-y",
    ])
    .arg("--rollback-file")
    .arg(&rollback)
    .namesrv(ns)
    .ok();

    // Produce N at a bounded rate, scraping while it runs: the counter grows towards N.
    let count = N.to_string();
    let mut perf = Spawned::spawn(
        &mut rmq(&[
            "perf", "produce", "-t", TOPIC, "--count", &count, "--size", "100",
        ])
        .args(["--rate", "800", "-o", "json"])
        .namesrv(ns)
        .command(),
    );
    let topic = [("topic", TOPIC)];
    wait_until(
        "messages counted during the run",
        Duration::from_secs(20),
        || {
            sum(
                &scrape(&broker_metrics),
                "rmq_broker_messages_in_total",
                &topic,
            ) > 0.0
        },
    );
    let during = sum(
        &scrape(&broker_metrics),
        "rmq_broker_messages_in_total",
        &topic,
    );
    assert!(during <= N as f64, "{during}");
    let status = perf.wait_bounded(Duration::from_secs(60));
    assert!(status.is_some_and(|s| s.success()), "{:?}", perf.lines());
    // The summary records what it was measured on: the machine and the broker's version.
    let summary: serde_json::Value = serde_json::from_str(&perf.lines().join("\n")).unwrap();
    let env = &summary["environment"];
    assert!(env["machine"]["cpus"].as_i64().unwrap() >= 1, "{env}");
    assert!(env["machine"]["memoryBytes"].as_u64().unwrap() > 0, "{env}");
    assert!(env["machine"]["kernel"].is_string(), "{env}");
    assert_eq!(env["brokers"][0]["brokerName"], "broker-a", "{env}");
    assert_eq!(env["brokers"][0]["version"], "V4_9_8", "{env}");

    let s = scrape(&broker_metrics);
    assert_eq!(sum(&s, "rmq_broker_messages_in_total", &topic), N as f64);
    assert!(sum(&s, "rmq_broker_messages_in_bytes_total", &topic) > (N * 100) as f64);
    let lag = [("group", GROUP), ("topic", TOPIC)];
    assert_eq!(series(&s, "rmq_broker_consumer_lag_messages", &lag), 4);
    assert_eq!(sum(&s, "rmq_broker_consumer_lag_messages", &lag), N as f64);
    let sends: f64 = ["SEND_MESSAGE", "SEND_MESSAGE_V2", "SEND_BATCH_MESSAGE"]
        .iter()
        .map(|r| {
            sum(
                &s,
                "rmq_broker_requests_total",
                &[("request", r), ("response", "SUCCESS")],
            )
        })
        .sum();
    assert_eq!(sends, N as f64);
    assert!(sum(&s, "rmq_broker_send_latency_seconds_count", &[]) >= N as f64);
    let histogram = s
        .samples
        .iter()
        .find(|x| x.metric == "rmq_broker_send_latency_seconds")
        .expect("the send latency histogram");
    let Value::Histogram(buckets) = &histogram.value else {
        panic!("{histogram:?}")
    };
    assert_eq!(buckets.last().unwrap().less_than, f64::INFINITY);
    assert!(buckets.last().unwrap().count >= N as f64);
    assert!(sum(&s, "rmq_broker_connections_accepted_total", &[]) >= 1.0);
    assert!(sum(&s, "rmq_broker_commitlog_bytes", &[]) > 0.0);
    assert_eq!(series(&s, "rmq_broker_info", &[("broker", "broker-a")]), 1);

    // Consume everything with the group and commit: the lag falls to 0.
    rmq(&["message", "consume", "-t", TOPIC, "-g", GROUP, "--commit"])
        .args(["--count", &count, "--body", "none", "-o", "json"])
        .namesrv(ns)
        .ok();
    let mut last = None;
    wait_until("the lag falls to 0", Duration::from_secs(15), || {
        let s = scrape(&broker_metrics);
        let lag = sum(&s, "rmq_broker_consumer_lag_messages", &lag);
        last = Some(s);
        lag == 0.0
    });
    let s = last.unwrap();
    assert_eq!(
        sum(
            &s,
            "rmq_broker_messages_out_total",
            &[("topic", TOPIC), ("group", GROUP)]
        ),
        N as f64
    );
    assert!(sum(&s, "rmq_broker_pull_latency_seconds_count", &[]) >= 1.0);

    // The name server: the broker, the topic, and the requests that registered them.
    let s = scrape(&ns_metrics);
    assert_eq!(
        sum(
            &s,
            "rmq_namesrv_cluster_brokers",
            &[("cluster", "DefaultCluster")]
        ),
        1.0
    );
    assert!(sum(&s, "rmq_namesrv_topics", &[]) >= 1.0);
    assert!(sum(&s, "rmq_namesrv_connections", &[]) >= 1.0);
    assert!(
        sum(
            &s,
            "rmq_namesrv_requests_total",
            &[("request", "REGISTER_BROKER")]
        ) >= 1.0
    );
    assert!(
        sum(
            &s,
            "rmq_namesrv_requests_total",
            &[
                ("request", "GET_ROUTEINFO_BY_TOPIC"),
                ("response", "SUCCESS")
            ]
        ) >= 1.0
    );
}

#[test]
fn dev_serves_broker_and_namesrv_metrics_on_one_endpoint() {
    let dir = temp_dir("metrics-dev");
    let mut dev = Spawned::spawn(
        std::process::Command::new(RMQ)
            .args(["dev", "--namesrv-port", "0", "--broker-port", "0"])
            .args(["--metrics-listen", "127.0.0.1:0", "--store"])
            .arg(dir.path().join("store"))
            .env_remove("NAMESRV_ADDR"),
    );
    let line = dev
        .wait_line(Duration::from_secs(30), |l| {
            l.starts_with("metrics: http://")
        })
        .unwrap_or_else(|| panic!("no metrics line: {:?}", dev.lines()));
    let addr = line
        .strip_prefix("metrics: http://")
        .and_then(|l| l.split_once("/metrics"))
        .map(|(a, _)| a.to_string())
        .unwrap();
    let s = scrape(&addr);
    assert_eq!(series(&s, "rmq_broker_info", &[("broker", "broker-a")]), 1);
    assert_eq!(sum(&s, "rmq_namesrv_live_brokers", &[]), 1.0);
    assert!(
        sum(
            &s,
            "rmq_namesrv_requests_total",
            &[("request", "REGISTER_BROKER")]
        ) >= 1.0
    );
    dev.sigterm();
    assert!(dev
        .wait_bounded(Duration::from_secs(20))
        .is_some_and(|s| s.success()));
}
