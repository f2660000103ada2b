//! Broadcast consumption with the Java 4.9.8 client: two push consumers of one group in
//! BROADCASTING mode each receive every message; a group created with
//! `consumeBroadcastEnable=false` refuses broadcasting consumers (their pulls are answered
//! NO_PERMISSION, so they receive nothing) — on rmq and, for comparison, on the Java 4.9.7
//! broker.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use common::java_cluster::{JavaBroker, JavaNamesrv};
use common::{rmq, run_bounded, temp_dir, Cluster};
use serde_json::Value;

const TOPIC: &str = "BcT";
const COUNT: usize = 4;

/// Bodies each consumer ("a", "b") received, from one JVM run of `broadcast` for `group`.
fn broadcast_run(
    lib: &Path,
    ns: &str,
    work: &Path,
    group: &str,
    produce: bool,
    seconds: u32,
) -> (Vec<String>, Vec<String>, String) {
    // Broadcasting consumers keep their offsets in local files: in the work dir, not ~.
    let offsets = format!(
        "-Drocketmq.client.localOffsetStoreDir={}",
        work.join(format!("offsets-{group}")).display()
    );
    let mut probe = common::java_program_with(lib, "ClientProbe", &[offsets]);
    if produce {
        probe.args(["produce", ns, TOPIC, &COUNT.to_string(), "TagB", "--"]);
    }
    probe
        .args(["broadcast", ns, TOPIC, group, &COUNT.to_string()])
        .arg(seconds.to_string())
        .current_dir(work);
    let run = run_bounded(&mut probe, None, Duration::from_secs(90));
    let out = run.stdout_text();
    let transcript = format!("{out}\n--- stderr:\n{}", run.stderr_text());
    assert!(
        out.lines().any(|l| l.starts_with("BROADCAST ")),
        "the probe did not finish:\n{transcript}"
    );
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for l in out.lines().filter_map(|l| l.strip_prefix("BRECV ")) {
        let v: Value = serde_json::from_str(l).unwrap();
        let body = v["body"].as_str().unwrap().to_string();
        match v["consumer"].as_str() {
            Some("a") => a.push(body),
            Some("b") => b.push(body),
            other => panic!("unknown consumer {other:?}"),
        }
    }
    (a, b, transcript)
}

fn scenario(lib: &Path, ns: &str, work: &Path, side: &str) {
    let all: BTreeSet<String> = (0..COUNT).map(|i| format!("TagB-body-{i}")).collect();
    let (a, b, transcript) = broadcast_run(lib, ns, work, "gBc", true, 40);
    for (name, got) in [("a", &a), ("b", &b)] {
        let set: BTreeSet<String> = got.iter().cloned().collect();
        assert_eq!(
            set, all,
            "{side}: consumer {name} gets every message:\n{transcript}"
        );
        assert_eq!(
            got.len(),
            COUNT,
            "{side}: consumer {name}, once each:\n{transcript}"
        );
    }

    // A group that refuses broadcasting consumers.
    rmq(&[
        "group",
        "create",
        "-c",
        "DefaultCluster",
        "-g",
        "gNoBc",
        "--broadcast",
        "false",
    ])
    .namesrv(ns)
    .run()
    .ok();
    let (a, b, transcript) = broadcast_run(lib, ns, work, "gNoBc", false, 8);
    assert!(
        a.is_empty() && b.is_empty(),
        "{side}: broadcasting consumers of a group with consumeBroadcastEnable=false get \
         nothing:\n{transcript}"
    );
}

#[test]
fn broadcasting_consumers_each_get_every_message_unless_the_group_refuses() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let cluster = Cluster::start("broadcast");
    let work = temp_dir("broadcast-rmq");
    scenario(&lib, &cluster.ns(), work.path(), "rmq");
    drop(cluster);

    let Some(broker_lib) = common::java_broker_lib() else {
        return;
    };
    let dir = temp_dir("broadcast-java");
    let namesrv = JavaNamesrv::start(&broker_lib, &dir.path().join("namesrv"));
    let broker = JavaBroker::start(
        &broker_lib,
        &dir.path().join("broker"),
        &dir.path().join("store"),
        &namesrv.addr,
    );
    scenario(&lib, &namesrv.addr, dir.path(), "java");
    drop(broker);
    drop(namesrv);
}
