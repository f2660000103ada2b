//! Replication with the Java 4.9.x side of the HA protocol, on ports picked at run time: a Java
//! 4.9.7 slave of an rmq SYNC_MASTER replicates a byte-identical CommitLog and confirms every
//! send; 50,000 sends of the Java 4.9.8 client to an rmq SYNC_MASTER with an rmq slave all get
//! SEND_OK and end byte-identical on the slave. (`tests/replication.rs` has rmq↔rmq and the
//! rmq slave of a Java master.)

mod common;

use std::path::Path;
use std::time::Duration;

use common::java_cluster::{free_broker_port, JavaBroker};
use common::store_files::wait_identical_dirs;
use common::{java_broker_lib, java_lib, java_program, rmq, run_bounded, temp_dir, Daemon};

const TOPIC: &str = "HaJavaTopic";

fn rmq_master(dir: &Path, ns: &str) -> Daemon {
    Daemon::broker(
        dir,
        ns,
        &format!(
            "brokerRole=SYNC_MASTER\nbrokerIP2=127.0.0.1\nhaListenPort={}\nhaSendHeartbeatInterval=1000\n",
            free_broker_port()
        ),
    )
}

/// `rmq store stats -o json` without what differs between two copies of one store.
fn stats(store: &Path) -> serde_json::Value {
    let mut doc = rmq(&[
        "store",
        "stats",
        "--store",
        &store.display().to_string(),
        "-o",
        "json",
    ])
    .json();
    for key in ["root", "commitlogFiles", "commitlogBytes"] {
        doc.as_object_mut().unwrap().remove(key);
    }
    doc
}

#[test]
fn java_slave_of_an_rmq_sync_master() {
    let Some(lib) = java_broker_lib() else {
        return;
    };
    let dir = temp_dir("ha-java-slave");
    let ns = Daemon::namesrv(&dir.path().join("ns"));
    let master = rmq_master(&dir.path().join("master"), &ns.addr);
    let java_store = dir.path().join("java-store");
    let java = JavaBroker::start_with(
        &lib,
        &dir.path().join("java"),
        &java_store,
        &ns.addr,
        "brokerId=1\nbrokerRole=SLAVE\nbrokerIP2=127.0.0.1\n",
    );

    // SYNC_MASTER answers SEND_OK only once the Java slave has confirmed each message (its
    // HA client connects a few seconds after its first registration).
    common::wait_until("the Java slave to connect", Duration::from_secs(30), || {
        let out = rmq(&[
            "message", "send", "-t", TOPIC, "-b", "broker-a", "probe", "-o", "json",
        ])
        .namesrv(&ns.addr)
        .run();
        out.success() && out.json()[0]["status"] == "SEND_OK"
    });
    let sends = rmq(&[
        "message",
        "send",
        "-t",
        TOPIC,
        "-b",
        "broker-a",
        &"j".repeat(300),
        "--count",
        "2000",
        "--mode",
        "async",
        "-o",
        "json",
    ])
    .namesrv(&ns.addr)
    .run_until_ok(Duration::from_secs(30))
    .json();
    let sends = sends.as_array().unwrap();
    assert_eq!(sends.len(), 2000);
    assert!(
        sends.iter().all(|s| s["status"] == "SEND_OK"),
        "{:?}",
        sends.iter().find(|s| s["status"] != "SEND_OK")
    );
    match wait_identical_dirs(&master.store(), &java_store, Duration::from_secs(30)) {
        Ok(took) => {
            eprintln!("Java slave identical to the rmq master {took:?} after the last send")
        }
        Err(last) => panic!(
            "Java slave not identical to the rmq master: {last}\nJava log:\n{}",
            common::tail(&java.log(), 30)
        ),
    }
    java.stop();
    assert_eq!(stats(&master.store()), stats(&java_store));
}

#[test]
fn sync_master_confirms_50k_java_client_sends_and_the_slave_is_identical() {
    let Some(lib) = java_lib() else {
        return;
    };
    let dir = temp_dir("ha-java-50k");
    let ns = Daemon::namesrv(&dir.path().join("ns"));
    let master = rmq_master(&dir.path().join("master"), &ns.addr);
    let slave = Daemon::broker(
        &dir.path().join("slave"),
        &ns.addr,
        "brokerId=1\nbrokerRole=SLAVE\nbrokerIP2=127.0.0.1\nhaSendHeartbeatInterval=1000\n",
    );
    rmq(&[
        "topic",
        "create",
        "-t",
        TOPIC,
        "-c",
        "DefaultCluster",
        "-r",
        "8",
        "-w",
        "8",
    ])
    .namesrv(&ns.addr)
    .ok();
    // Wait for the slave to be connected: the first send must not be SLAVE_NOT_AVAILABLE.
    rmq(&["message", "send", "-t", TOPIC, "probe"])
        .namesrv(&ns.addr)
        .run_until_ok(Duration::from_secs(20));
    // Ten rounds of 5,000 async sends: each round has its own 30 s wait in the probe, and at
    // most 5,000 are in flight (a loaded machine must not turn this into client timeouts).
    let rounds = ["async"; 10].join(",");
    let done = run_bounded(
        java_program(&lib, "ClientProbe").args(["send", &ns.addr, TOPIC, "5000", "TagA", &rounds]),
        None,
        Duration::from_secs(120),
    );
    let out = done.stdout_text();
    let failed: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("SEND ") && !l.contains("\"status\":\"SEND_OK\""))
        .take(3)
        .collect();
    assert!(failed.is_empty(), "sends not SEND_OK: {failed:?}");
    assert!(
        out.lines().any(|l| l == "PRODUCED 50000"),
        "{}\n{}",
        common::tail(&out, 5),
        done.stderr_text()
    );
    if let Err(last) = wait_identical_dirs(&master.store(), &slave.store(), Duration::from_secs(30))
    {
        panic!("slave not identical to the master: {last}");
    }
}
