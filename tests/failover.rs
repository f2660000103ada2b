//! Guided failover of a master/slave pair between real `rmq` processes on ports picked at run
//! time: `rmq failover plan` findings (healthy, lagging slave, dead master), `rmq failover
//! execute` with a dead master and with a live one (switchover: the old master becomes the new
//! master's slave), and `conf/failover/failover.sh` + `rejoin-old-master.sh` under a Java
//! producer's steady load with SYNC_MASTER.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::java_cluster::free_broker_port;
use common::store_files::wait_identical_dirs;
use common::{rmq, temp_dir, wait_until, Daemon};
use serde_json::Value;

const TOPIC: &str = "FailoverTopic";

/// A master of `name` with its HA port announced as 127.0.0.1:<free port>.
fn master(dir: &Path, name: &str, ns: &str, role: &str, extra: &str) -> Daemon {
    Daemon::broker_named(
        dir,
        name,
        ns,
        &format!(
            "brokerRole={role}\nbrokerIP2=127.0.0.1\nhaListenPort={}\nhaSendHeartbeatInterval=1000\n{extra}",
            free_broker_port()
        ),
    )
}

/// A slave of `name` (brokerId 1), with an HA port of its own for when it is promoted.
fn slave(dir: &Path, name: &str, ns: &str, extra: &str) -> Daemon {
    Daemon::broker_named(
        dir,
        name,
        ns,
        &format!(
            "brokerId=1\nbrokerRole=SLAVE\nbrokerIP2=127.0.0.1\nhaListenPort={}\nhaSendHeartbeatInterval=1000\n{extra}",
            free_broker_port()
        ),
    )
}

fn plan(ns: &str, name: &str, extra: &[&str]) -> Value {
    let mut args = vec!["failover", "plan", "-b", name, "-o", "json"];
    args.extend_from_slice(extra);
    rmq(&args).namesrv(ns).json()
}

/// Sends `count` messages to `broker` (a broker name); each send's JSON.
fn send_to(ns: &str, broker: &str, count: u64) -> Vec<Value> {
    let out = rmq(&[
        "message",
        "send",
        "-t",
        TOPIC,
        "-b",
        broker,
        "payload",
        "--count",
        &count.to_string(),
        "-o",
        "json",
    ])
    .namesrv(ns)
    .run_until_ok(Duration::from_secs(20));
    out.json().as_array().expect("an array of sends").clone()
}

fn statuses(sends: &[Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for s in sends {
        *m.entry(s["status"].as_str().unwrap_or("?").to_string())
            .or_default() += 1;
    }
    m
}

#[test]
fn plan_reports_healthy_lagging_and_dead_masters_and_execute_promotes_the_slave() {
    let dir = temp_dir("failover-plan");
    let ns = Daemon::namesrv(&dir.path().join("ns"));
    let mut a0 = master(
        &dir.path().join("a0"),
        "broker-a",
        &ns.addr,
        "ASYNC_MASTER",
        "",
    );
    let a1 = slave(&dir.path().join("a1"), "broker-a", &ns.addr, "");
    let _b0 = master(
        &dir.path().join("b0"),
        "broker-b",
        &ns.addr,
        "ASYNC_MASTER",
        "",
    );
    // A slave that never reaches its master: it lags by everything broker-b stores.
    let _b1 = slave(
        &dir.path().join("b1"),
        "broker-b",
        &ns.addr,
        "haMasterAddress=127.0.0.1:1",
    );
    rmq(&[
        "topic",
        "create",
        "-t",
        TOPIC,
        "-c",
        "DefaultCluster",
        "-r",
        "4",
        "-w",
        "4",
    ])
    .namesrv(&ns.addr)
    .ok();
    assert_eq!(
        statuses(&send_to(&ns.addr, "broker-a", 200)),
        BTreeMap::from([("SEND_OK".to_string(), 200)])
    );
    send_to(&ns.addr, "broker-b", 200);

    // Healthy: both answer, the slave catches up.
    wait_until("broker-a healthy", Duration::from_secs(20), || {
        plan(&ns.addr, "broker-a", &["--lag-threshold", "0"])["state"] == "healthy"
    });
    let p = plan(&ns.addr, "broker-a", &[]);
    assert_eq!(p["masterAddr"], a0.addr.as_str(), "{p:#}");
    assert_eq!(p["masterReachable"], true);
    assert_eq!(p["candidateAddr"], a1.addr.as_str());
    assert_eq!(p["slaves"][0]["behindBytes"], 0);
    assert_eq!(p["slaves"][0]["rmq"], true);
    assert_eq!(p["master"]["role"], "ASYNC_MASTER");
    // The script form.
    let line = rmq(&[
        "failover",
        "plan",
        "-b",
        "broker-a",
        "--get",
        "masterReachable,candidateAddr,nope",
    ])
    .namesrv(&ns.addr)
    .ok()
    .trim()
    .to_string();
    assert_eq!(line, format!("true {} -", a1.addr));

    // Lagging: broker-b's slave has nothing.
    let p = plan(&ns.addr, "broker-b", &["--lag-threshold", "1000"]);
    assert_eq!(p["state"], "slave-lagging", "{p:#}");
    assert!(
        p["slaves"][0]["behindBytes"].as_i64().unwrap() > 1000,
        "{p:#}"
    );
    assert!(
        p["findings"][0].as_str().unwrap().contains("behind"),
        "{p:#}"
    );

    // Dead master.
    a0.kill();
    let p = plan(&ns.addr, "broker-a", &[]);
    assert_eq!(p["state"], "master-down", "{p:#}");
    assert_eq!(p["masterReachable"], false);
    assert_eq!(p["candidateAddr"], a1.addr.as_str());
    let steps: Vec<&str> = p["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        steps.iter().any(|s| s.starts_with("promote slave")),
        "{steps:?}"
    );
    assert!(!steps.iter().any(|s| s.starts_with("demote")), "{steps:?}");

    // Execute: the slave becomes broker-a's master and takes writes.
    let started = Instant::now();
    let report = rmq(&[
        "failover", "execute", "-b", "broker-a", "--yes", "-o", "json",
    ])
    .namesrv(&ns.addr)
    .json();
    let took = started.elapsed();
    let names: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["plan", "wipe-write-perm", "promote-slave", "verify"],
        "{report:#}"
    );
    assert!(report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["ok"] == true));
    assert_eq!(report["newMaster"], a1.addr.as_str());
    let promoted_at = report["promotedAtOffset"].as_i64().unwrap();
    assert!(promoted_at > 0);
    assert!(took < Duration::from_secs(10), "failover took {took:?}");
    assert!(
        report["next"][0]
            .as_str()
            .unwrap()
            .contains("rmq store truncate"),
        "{report:#}"
    );

    // Writes go to the new master; its role is persisted.
    assert_eq!(
        statuses(&send_to(&ns.addr, "broker-a", 50)),
        BTreeMap::from([("SEND_OK".to_string(), 50)])
    );
    let conf = std::fs::read_to_string(a1.config_file()).unwrap();
    assert!(
        conf.contains("brokerId=0") && conf.contains("brokerRole=ASYNC_MASTER"),
        "{conf}"
    );
    let p = plan(&ns.addr, "broker-a", &[]);
    assert_eq!(p["masterAddr"], a1.addr.as_str(), "{p:#}");
    assert_eq!(p["master"]["role"], "ASYNC_MASTER");
    assert_eq!(p["master"]["roleChangedAtOffset"], promoted_at);
    // Everything sent to broker-a before and after is there.
    let got = rmq(&[
        "message", "consume", "-t", TOPIC, "-b", "broker-a", "--from", "earliest", "--body",
        "none", "-o", "json",
    ])
    .namesrv(&ns.addr)
    .json();
    assert_eq!(got.as_array().unwrap().len(), 250);
}

#[test]
fn switchover_with_a_live_master_makes_it_the_new_masters_slave() {
    let dir = temp_dir("failover-switch");
    let ns = Daemon::namesrv(&dir.path().join("ns"));
    let a0 = master(
        &dir.path().join("a0"),
        "broker-a",
        &ns.addr,
        "ASYNC_MASTER",
        "",
    );
    let a1 = slave(&dir.path().join("a1"), "broker-a", &ns.addr, "");
    send_to(&ns.addr, "broker-a", 300);

    let report = rmq(&[
        "failover", "execute", "-b", "broker-a", "--yes", "-o", "json",
    ])
    .namesrv(&ns.addr)
    .json();
    let names: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "plan",
            "wipe-write-perm",
            "wait-in-sync",
            "demote-old-master",
            "promote-slave",
            "verify"
        ],
        "{report:#}"
    );
    assert_eq!(report["newMaster"], a1.addr.as_str());

    // The old master replicates from the new one: more writes reach both stores.
    assert_eq!(
        statuses(&send_to(&ns.addr, "broker-a", 200)),
        BTreeMap::from([("SEND_OK".to_string(), 200)])
    );
    if let Err(last) = wait_identical_dirs(&a1.store(), &a0.store(), Duration::from_secs(30)) {
        panic!(
            "old master not identical to the new one: {last}\nold master:\n{}\nnew master:\n{}",
            common::tail(&a0.stderr(), 30),
            common::tail(&a1.stderr(), 30)
        );
    }
    let p = plan(&ns.addr, "broker-a", &[]);
    assert_eq!(p["state"], "healthy", "{p:#}");
    assert_eq!(p["slaves"][0]["addr"], a0.addr.as_str());
    assert_eq!(p["slaves"][0]["role"], "SLAVE");
    let conf = std::fs::read_to_string(a0.config_file()).unwrap();
    assert!(conf.contains("brokerRole=SLAVE"), "{conf}");
    // The old master is a slave now: promoting it while the new master answers is refused.
    let promote_refused = rmq(&["broker", "promote", "-b", &a0.addr, "--yes"])
        .namesrv(&ns.addr)
        .run();
    assert_eq!(promote_refused.code(), Some(1));
    assert!(
        promote_refused.stderr.contains("registered and answers"),
        "{}",
        promote_refused.stderr
    );
}
