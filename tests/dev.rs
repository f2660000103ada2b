//! `rmq dev`: one process with a name server and a broker on ports picked at run time and a
//! temp store. Messages sent with the CLI and with the Java 4.9.8 client are consumed, the
//! process stops cleanly on SIGINT, and a second start on the same store reads them all back.
//! mqadmin's clusterList and topicList see the broker and the topic.

mod common;

use std::path::Path;
use std::time::Duration;

use common::java_cluster::{mqadmin, section};
use common::{rmq, run_bounded, temp_dir, Spawned, RMQ};

/// A running `rmq dev` and the addresses from its banner.
struct Dev {
    process: Spawned,
    namesrv: String,
    broker: String,
}

fn dev_command(store: &Path, namesrv_port: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(RMQ);
    cmd.args([
        "dev",
        "--namesrv-port",
        namesrv_port,
        "--broker-port",
        "0",
        "--store",
    ])
    .arg(store)
    .env_remove("NAMESRV_ADDR");
    cmd
}

fn start_dev(store: &Path) -> Dev {
    let mut process = Spawned::spawn(&mut dev_command(store, "0"));
    process
        .wait_line(Duration::from_secs(30), |l| l.starts_with("Ctrl-C"))
        .unwrap_or_else(|| panic!("no banner: {:?}", process.lines()));
    let banner = process.lines();
    // rmq dev: name server 127.0.0.1:P, broker 127.0.0.1:Q (cluster C, broker-a)
    let words: Vec<&str> = banner[0].split_whitespace().collect();
    assert_eq!(&words[..4], ["rmq", "dev:", "name", "server"], "{banner:?}");
    let namesrv = words[4].trim_end_matches(',').to_string();
    let broker = words[6].to_string();
    let text = banner.join("\n");
    assert!(
        text.contains(&format!("export NAMESRV_ADDR={namesrv}")),
        "{text}"
    );
    assert!(text.contains(&store.display().to_string()), "{text}");
    Dev {
        process,
        namesrv,
        broker,
    }
}

fn stop_dev(mut dev: Dev) {
    // SAFETY: kill(2) with a pid we own.
    assert_eq!(
        unsafe { libc::kill(dev.process.id() as i32, libc::SIGINT) },
        0
    );
    let status = dev
        .process
        .wait_bounded(Duration::from_secs(30))
        .expect("rmq dev stops");
    assert!(status.success(), "rmq dev exited with {status}");
    assert!(
        dev.process.count("rmq dev stopped cleanly.") == 1,
        "{:?}",
        dev.process.lines()
    );
}

/// Bodies of every message of `topic`, read from the earliest offset, sorted.
fn bodies(namesrv: &str, topic: &str, expected: usize) -> Vec<String> {
    let count = expected.to_string();
    let mut bodies: Vec<String> = rmq(&["message", "consume", "-t", topic, "--from", "earliest"])
        .args(["--count", &count, "--body", "utf8", "-o", "ndjson"])
        .namesrv(namesrv)
        .ndjson()
        .iter()
        .map(|v| v["body"].as_str().unwrap().to_string())
        .collect();
    bodies.sort();
    bodies
}

#[test]
fn dev_serves_cli_and_java_clients_and_keeps_messages_across_restarts() {
    let store = temp_dir("dev-store");
    let dev = start_dev(store.path());
    let ns = dev.namesrv.clone();

    rmq(&[
        "message", "send", "-t", "DevTopic", "--tags", "TagA", "--count", "5",
    ])
    .arg("from-cli")
    .namesrv(&ns)
    .ok();
    let mut expected = vec!["from-cli".to_string(); 5];

    if let Some(lib) = common::java_lib() {
        let work = temp_dir("dev-java");
        let mut probe = common::java_program(&lib, "ClientProbe");
        probe
            .args(["send", &ns, "DevTopic", "3", "TagB", "sync"])
            .current_dir(work.path());
        let run = run_bounded(&mut probe, None, Duration::from_secs(120));
        let text = run.stdout_text();
        assert!(text.contains("PRODUCED 3"), "{text}\n{}", run.stderr_text());
        // ClientProbe prints each sent message as `SEND {json}`.
        for line in text.lines().filter(|l| l.starts_with("SEND ")) {
            let v: serde_json::Value = serde_json::from_str(&line[5..]).unwrap();
            expected.push(v["body"].as_str().unwrap().to_string());
        }
        assert_eq!(expected.len(), 8, "{text}");

        let (sections, transcript) =
            mqadmin(&lib, work.path(), &ns, &[&["clusterList"], &["topicList"]]);
        let clusters = section(&sections, 0, "clusterList");
        assert!(
            clusters.contains("DefaultCluster") && clusters.contains("broker-a"),
            "{transcript}"
        );
        assert!(clusters.contains(&dev.broker), "{transcript}");
        let topics = section(&sections, 1, "topicList");
        assert!(topics.contains("DevTopic"), "{transcript}");
    }
    expected.sort();
    assert_eq!(bodies(&ns, "DevTopic", expected.len()), expected);
    stop_dev(dev);

    // Same store, new process (and new ports): every message is still there.
    let dev = start_dev(store.path());
    assert_eq!(bodies(&dev.namesrv, "DevTopic", expected.len()), expected);
    stop_dev(dev);
}

#[test]
fn dev_refuses_a_busy_port_and_an_unusable_store() {
    let busy = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let store = temp_dir("dev-busy");
    let run = run_bounded(
        &mut dev_command(store.path(), &port),
        None,
        Duration::from_secs(30),
    );
    let err = run.stderr_text();
    assert_eq!(run.status.and_then(|s| s.code()), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("cannot listen on") && err.contains(&port),
        "{err}"
    );

    let file = store.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let run = run_bounded(
        &mut dev_command(&file.join("store"), "0"),
        None,
        Duration::from_secs(30),
    );
    let err = run.stderr_text();
    assert_eq!(run.status.and_then(|s| s.code()), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("store directory"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
