//! `rmq dev`: one process with a name server and a broker on ports picked at run time and a
//! temp store. Messages sent with the CLI and with the Java 4.9.8 client are consumed, the
//! process stops cleanly on SIGINT, and a second start on the same store reads them all back.
//! mqadmin's clusterList and topicList see the broker and the topic.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::java_cluster::{mqadmin, section, wait_bounded};

const RMQ: &str = env!("CARGO_BIN_EXE_rmq");

/// A running `rmq dev` and the addresses from its banner.
struct Dev {
    child: Child,
    namesrv: String,
    broker: String,
}

fn start_dev(store: &std::path::Path) -> Dev {
    let mut child = Command::new(RMQ)
        .args([
            "dev",
            "--namesrv-port",
            "0",
            "--broker-port",
            "0",
            "--store",
        ])
        .arg(store)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("rmq dev runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a banner").unwrap();
    // rmq dev: name server 127.0.0.1:P, broker 127.0.0.1:Q (cluster C, broker-a)
    let words: Vec<&str> = first.split_whitespace().collect();
    assert_eq!(&words[..4], ["rmq", "dev:", "name", "server"], "{first}");
    let namesrv = words[4].trim_end_matches(',').to_string();
    let broker = words[6].to_string();
    let mut banner = first.clone();
    for line in lines.by_ref() {
        let line = line.unwrap();
        banner.push('\n');
        banner.push_str(&line);
        if line.starts_with("Ctrl-C") {
            break;
        }
    }
    assert!(
        banner.contains(&format!("export NAMESRV_ADDR={namesrv}")),
        "{banner}"
    );
    assert!(banner.contains(&store.display().to_string()), "{banner}");
    // Keep draining stdout so the process never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Dev {
        child,
        namesrv,
        broker,
    }
}

impl Drop for Dev {
    /// A failed assertion must not leave the process behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn stop_dev(mut dev: Dev) {
    // SAFETY: kill(2) with a pid we own.
    assert_eq!(
        unsafe { libc::kill(dev.child.id() as i32, libc::SIGINT) },
        0
    );
    let status = wait_bounded(&mut dev.child, Duration::from_secs(30)).expect("rmq dev stops");
    assert!(status.success(), "rmq dev exited with {status}");
}

fn rmq(args: &[&str]) -> String {
    let out = Command::new(RMQ).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "rmq {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Bodies of every message of `topic`, read from the earliest offset.
fn bodies(namesrv: &str, topic: &str, expected: usize) -> Vec<String> {
    let out = rmq(&[
        "message",
        "consume",
        "-n",
        namesrv,
        "-t",
        topic,
        "--from",
        "earliest",
        "--count",
        &expected.to_string(),
        "--body",
        "utf8",
        "-o",
        "ndjson",
    ]);
    let mut bodies: Vec<String> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["body"].as_str().unwrap().to_string()
        })
        .collect();
    bodies.sort();
    bodies
}

#[test]
fn dev_serves_cli_and_java_clients_and_keeps_messages_across_restarts() {
    let store = tempfile::tempdir().unwrap();
    let dev = start_dev(store.path());
    let ns = dev.namesrv.clone();

    rmq(&[
        "message", "send", "-n", &ns, "-t", "DevTopic", "--tags", "TagA", "--count", "5",
        "from-cli",
    ]);
    let mut expected = vec!["from-cli".to_string(); 5];

    let java = common::java_lib();
    if let Some(lib) = &java {
        let work = tempfile::tempdir().unwrap();
        let mut probe = common::java_program(lib, "ClientProbe");
        probe
            .args(["send", &ns, "DevTopic", "3", "TagB", "sync"])
            .current_dir(work.path());
        let out = probe.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            text.contains("PRODUCED 3"),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // ClientProbe's bodies are "<mode>-<i>" style texts; read them back from its SEND lines.
        for line in text.lines().filter(|l| l.starts_with("SEND ")) {
            let v: serde_json::Value = serde_json::from_str(&line[5..]).unwrap();
            expected.push(v["body"].as_str().unwrap().to_string());
        }
        assert_eq!(expected.len(), 8, "{text}");

        let (sections, transcript) =
            mqadmin(lib, work.path(), &ns, &[&["clusterList"], &["topicList"]]);
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
    let store = tempfile::tempdir().unwrap();
    let out = Command::new(RMQ)
        .args([
            "dev",
            "--namesrv-port",
            &port,
            "--broker-port",
            "0",
            "--store",
        ])
        .arg(store.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("cannot listen on") && err.contains(&port),
        "{err}"
    );

    let file = store.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let out = Command::new(RMQ)
        .args([
            "dev",
            "--namesrv-port",
            "0",
            "--broker-port",
            "0",
            "--store",
        ])
        .arg(file.join("store"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("store directory"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
