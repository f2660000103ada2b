//! Master/slave replication (the 4.x HA protocol) between real `rmq` processes: an rmq name
//! server, an rmq master and an rmq slave (`brokerId=1`, `brokerRole=SLAVE`) on ports picked at
//! run time. The slave's CommitLog and ConsumeQueues must become byte-identical to the
//! master's; a slave killed with SIGKILL resumes from its own offset; SYNC_MASTER answers
//! SEND_OK / SLAVE_NOT_AVAILABLE / FLUSH_SLAVE_TIMEOUT as Java does.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::java_cluster::free_broker_port;
use common::store_files::{data_end, files, wait_identical_dirs};
use common::{rmq, temp_dir, wait_until, Daemon};
use serde_json::Value;

const TOPIC: &str = "HaTopic";

/// A master of `broker-a` with its HA port at `ha_port` (announced as 127.0.0.1:ha_port).
fn master(dir: &Path, ns: &str, role: &str, ha_port: u16, extra: &str) -> Daemon {
    Daemon::broker_named(
        dir,
        "broker-a",
        ns,
        &format!(
            "brokerRole={role}\nbrokerIP2=127.0.0.1\nhaListenPort={ha_port}\n\
             haSendHeartbeatInterval=1000\n{extra}"
        ),
    )
}

/// The slave of `broker-a`; it learns its master's HA address from the name server.
fn slave(dir: &Path, ns: &str) -> Daemon {
    Daemon::broker_named(
        dir,
        "broker-a",
        ns,
        "brokerId=1\nbrokerRole=SLAVE\nbrokerIP2=127.0.0.1\nhaSendHeartbeatInterval=1000\n",
    )
}

/// Sends `count` messages (the topic is auto-created on the master); returns each status.
fn send(ns: &str, count: u64, body: &str) -> Vec<String> {
    let out = rmq(&[
        "message",
        "send",
        "-t",
        TOPIC,
        body,
        "--count",
        &count.to_string(),
        "--mode",
        "async",
        "-o",
        "json",
    ])
    .namesrv(ns)
    .run_until_ok(Duration::from_secs(20));
    let doc = out.json();
    doc.as_array()
        .expect("a JSON array of sends")
        .iter()
        .map(|s| s["status"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// Waits (bounded) until the slave's CommitLog and ConsumeQueue files equal the master's.
fn wait_identical(master: &Daemon, slave: &Daemon, limit: Duration) -> Duration {
    wait_identical_stores(&master.store(), slave, limit, &master.stderr())
}

/// Waits (bounded) until the CommitLog and ConsumeQueue files of `slave` equal those under
/// the master's store root `master`.
fn wait_identical_stores(
    master: &Path,
    slave: &Daemon,
    limit: Duration,
    master_log: &str,
) -> Duration {
    let last = match wait_identical_dirs(master, &slave.store(), limit) {
        Ok(took) => return took,
        Err(last) => last,
    };
    panic!(
        "slave not identical to master after {limit:?}: {last}\nslave stderr:\n{}\nmaster stderr:\n{}",
        common::tail(&slave.stderr(), 30),
        common::tail(master_log, 30)
    );
}

/// `rmq store stats -o json` of a store (per topic and queue counts and offsets).
fn stats(store: &Path) -> Value {
    let out = rmq(&[
        "store",
        "stats",
        "--store",
        &store.display().to_string(),
        "-o",
        "json",
    ])
    .run();
    let mut doc = out.json();
    // The root differs, and so may the count of CommitLog files made ahead of need.
    for key in ["root", "commitlogFiles", "commitlogBytes"] {
        doc.as_object_mut().unwrap().remove(key);
    }
    doc
}

#[test]
fn async_master_replicates_and_slave_resumes_after_sigkill() {
    let dir = temp_dir("ha-async");
    let ns = Daemon::namesrv(&dir.path().join("ns"));
    let ha_port = free_broker_port();
    let master = master(
        &dir.path().join("master"),
        &ns.addr,
        "ASYNC_MASTER",
        ha_port,
        "",
    );
    let mut slave = slave(&dir.path().join("slave"), &ns.addr);

    let body = "x".repeat(200);
    let statuses = send(&ns.addr, 3000, &body);
    assert_eq!(statuses.len(), 3000);
    assert!(statuses.iter().all(|s| s == "SEND_OK"), "{statuses:?}");
    let took = wait_identical(&master, &slave, Duration::from_secs(30));
    let end = data_end(&files(&master.store().join("commitlog")));
    eprintln!("slave caught up with {end} bytes in {took:?} after the last send");
    assert!(slave
        .stderr()
        .contains(&format!("connected to master 127.0.0.1:{ha_port}")));
    // The slave's store reads back the same messages, queue by queue.
    assert_eq!(stats(&master.store()), stats(&slave.store()));

    // SIGKILL the slave, write more, restart it: it resumes from its own offset.
    slave.kill();
    let statuses = send(&ns.addr, 2000, &body);
    assert!(statuses.iter().all(|s| s == "SEND_OK"));
    slave.restart();
    wait_identical(&master, &slave, Duration::from_secs(30));
    let resumed = slave
        .stderr()
        .lines()
        .find_map(|l| {
            l.split("replicating from offset ")
                .nth(1)
                .map(|o| o.trim().parse::<i64>().unwrap())
        })
        .expect("a 'replicating from offset' line");
    assert!(
        resumed > 0 && resumed <= end,
        "resumed from {resumed}, first run ended at {end}"
    );
    assert_eq!(stats(&master.store()), stats(&slave.store()));

    // Metadata sync (every 10 s): the slave takes the master's topics and consumer offsets.
    rmq(&[
        "message", "consume", "-t", TOPIC, "-g", "HaGroup", "--from", "earliest", "--count", "100",
        "--commit",
    ])
    .namesrv(&ns.addr)
    .ok();
    let config = slave.store().join("config");
    wait_until(
        "the slave to sync metadata",
        Duration::from_secs(30),
        || {
            let topics = std::fs::read_to_string(config.join("topics.json")).unwrap_or_default();
            let offsets =
                std::fs::read_to_string(config.join("consumerOffset.json")).unwrap_or_default();
            topics.contains(TOPIC) && offsets.contains(&format!("{TOPIC}@HaGroup"))
        },
    );
}

/// A peer on the HA port that claims to be ahead of the master is refused with a log line
/// that says so; the master goes on (no panic) and still serves.
#[test]
fn a_slave_ahead_of_its_master_is_refused() {
    use std::io::{Read, Write};
    let dir = temp_dir("ha-ahead");
    let ns = Daemon::namesrv(&dir.path().join("ns"));
    let ha_port = free_broker_port();
    let master = master(
        &dir.path().join("master"),
        &ns.addr,
        "ASYNC_MASTER",
        ha_port,
        "",
    );
    let mut peer = std::net::TcpStream::connect(("127.0.0.1", ha_port)).unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    peer.write_all(&(1i64 << 40).to_be_bytes()).unwrap();
    let mut buf = [0u8; 64];
    assert_eq!(
        peer.read(&mut buf).unwrap_or(0),
        0,
        "the master closes the connection"
    );
    wait_until(
        "the refusal in the master's log",
        Duration::from_secs(10),
        || {
            master
                .stderr()
                .contains("ahead of this master's max offset")
        },
    );
    // Half a report, then a hang-up: nothing breaks.
    let mut peer = std::net::TcpStream::connect(("127.0.0.1", ha_port)).unwrap();
    peer.write_all(&[0, 0, 0]).unwrap();
    drop(peer);
    assert_eq!(send(&ns.addr, 3, "still fine"), ["SEND_OK"; 3]);
}

#[test]
fn sync_master_waits_for_the_slave() {
    let dir = temp_dir("ha-sync");
    let ns = Daemon::namesrv(&dir.path().join("ns"));
    let ha_port = free_broker_port();
    let master = master(
        &dir.path().join("master"),
        &ns.addr,
        "SYNC_MASTER",
        ha_port,
        "slaveTimeout=1500\n",
    );

    // No slave: stored, but SLAVE_NOT_AVAILABLE.
    assert_eq!(send(&ns.addr, 1, "alone"), ["SLAVE_NOT_AVAILABLE"]);

    let mut slave = slave(&dir.path().join("slave"), &ns.addr);
    wait_until("the slave to connect", Duration::from_secs(20), || {
        send(&ns.addr, 1, "probe") == ["SEND_OK"]
    });
    let started = Instant::now();
    let statuses = send(&ns.addr, 2000, &"y".repeat(1000));
    let rate = 2000.0 / started.elapsed().as_secs_f64();
    eprintln!("SYNC_MASTER: 2000 x 1 KiB async sends at {rate:.0} msg/s (CLI included)");
    let mut counts = BTreeMap::new();
    for s in &statuses {
        *counts.entry(s.as_str()).or_insert(0) += 1;
    }
    let ha_lines = |d: &Daemon| {
        d.stderr()
            .lines()
            .filter(|l| l.contains("HA"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        counts,
        BTreeMap::from([("SEND_OK", 2000)]),
        "master:\n{}\nslave:\n{}",
        ha_lines(&master),
        ha_lines(&slave)
    );
    wait_identical(&master, &slave, Duration::from_secs(30));
    // The runtime info tells the replication state.
    let status = rmq(&[
        "broker",
        "status",
        "--broker-addr",
        &master.addr,
        "-o",
        "json",
    ])
    .namesrv(&ns.addr)
    .ok();
    eprintln!(
        "{}",
        status
            .lines()
            .filter(|l| l.contains("rmqHa"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(status.contains(r#""rmqHaSlaveCount": "1""#), "{status}");
    assert!(
        status.contains(r#""rmqHaSlaveBehindBytes": "0""#),
        "{status}"
    );

    // A slave that is connected but answers nothing: FLUSH_SLAVE_TIMEOUT after slaveTimeout
    // (4.9.x's CommitLog.handleHA).
    let pid = slave.pid().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap()
        .success());
    let started = Instant::now();
    let status = send(&ns.addr, 1, "stalled");
    let waited = started.elapsed();
    assert!(std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(status, ["FLUSH_SLAVE_TIMEOUT"]);
    assert!(waited >= Duration::from_millis(1400), "{waited:?}");

    // The slave goes away: SLAVE_NOT_AVAILABLE again.
    slave.kill();
    wait_until(
        "the master to see the slave gone",
        Duration::from_secs(20),
        || send(&ns.addr, 1, "gone") == ["SLAVE_NOT_AVAILABLE"],
    );
}

/// Interop: the Java 4.9.7 broker as master (its HA port is listenPort + 1), an rmq slave that
/// learns the master's HA address from the (rmq) name server. The CommitLogs and
/// ConsumeQueues become byte-identical and the slave's store reads back the same messages.
#[test]
fn rmq_slave_of_a_java_master() {
    let Some(lib) = common::java_broker_lib() else {
        return;
    };
    let dir = temp_dir("ha-java");
    let ns = Daemon::namesrv(&dir.path().join("ns"));
    let java_store = dir.path().join("java-store");
    let java = common::java_cluster::JavaBroker::start_with(
        &lib,
        &dir.path().join("java"),
        &java_store,
        &ns.addr,
        "brokerIP2=127.0.0.1\nbrokerRole=SYNC_MASTER\n",
    );
    let mut slave = slave(&dir.path().join("slave"), &ns.addr);

    wait_until(
        "SYNC_MASTER to see the rmq slave",
        Duration::from_secs(30),
        || send(&ns.addr, 1, "probe") == ["SEND_OK"],
    );
    let statuses = send(&ns.addr, 2000, &"j".repeat(300));
    assert!(statuses.iter().all(|s| s == "SEND_OK"), "{statuses:?}");
    let took = wait_identical_stores(&java_store, &slave, Duration::from_secs(30), &java.log());
    eprintln!("rmq slave identical to the Java master {took:?} after the last send");
    assert!(slave
        .stderr()
        .contains(&format!("connected to master 127.0.0.1:{}", java.ha_port())));
    assert_eq!(stats(&java_store), stats(&slave.store()));
    // `rmq ha status` against a Java master: its role from its config, the slave's offset
    // from the slave (a Java 4.9.x master does not report acknowledgements).
    let doc = rmq(&[
        "ha",
        "status",
        "--wait-in-sync",
        "--timeout",
        "20s",
        "-o",
        "json",
    ])
    .namesrv(&ns.addr)
    .json();
    let pair = &doc["pairs"][0];
    assert_eq!(pair["masterRole"], "SYNC_MASTER", "{doc}");
    assert_eq!(pair["inSync"], true, "{doc}");
    assert_eq!(pair["behindBytes"], 0, "{doc}");
    assert!(pair["slaveAckOffset"].is_null(), "{doc}");
    assert_eq!(pair["slaveMaxOffset"], pair["masterMaxOffset"], "{doc}");

    // Restarted after SIGKILL, the slave resumes from its own offset.
    slave.kill();
    wait_until(
        "the Java master to see the slave gone",
        Duration::from_secs(20),
        || send(&ns.addr, 1, "gone") == ["SLAVE_NOT_AVAILABLE"],
    );
    let statuses = send(&ns.addr, 200, "while the slave is down");
    assert!(
        statuses.iter().all(|s| s == "SLAVE_NOT_AVAILABLE"),
        "{statuses:?}"
    );
    slave.restart();
    wait_identical_stores(&java_store, &slave, Duration::from_secs(30), &java.log());
    assert_eq!(stats(&java_store), stats(&slave.store()));
    java.stop();
}

/// `rmq ha status` and `--wait-in-sync` (what failover scripts run): a master alone is a pair
/// without slave (never in sync); with its slave, the pair is in sync once the slave has the
/// master's max offset; a stalled slave is reported behind and `--wait-in-sync` exits 1 after
/// its timeout, then 0 once the slave caught up again.
#[test]
fn ha_status_shows_pairs_and_waits_until_in_sync() {
    let dir = temp_dir("ha-status");
    let ns = Daemon::namesrv(&dir.path().join("ns"));
    let ha_port = free_broker_port();
    let master = master(
        &dir.path().join("master"),
        &ns.addr,
        "ASYNC_MASTER",
        ha_port,
        "",
    );
    let status = |extra: &[&str]| {
        let mut args = vec!["ha", "status", "-o", "json"];
        args.extend_from_slice(extra);
        rmq(&args).namesrv(&ns.addr).run()
    };
    assert_eq!(send(&ns.addr, 10, "before the slave"), ["SEND_OK"; 10]);

    // A master without slave: one row, slaveAddr empty, not in sync.
    let doc = status(&[]).json();
    let pairs = doc["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1, "{doc}");
    assert_eq!(pairs[0]["brokerName"], "broker-a");
    assert_eq!(pairs[0]["masterAddr"], master.addr.as_str());
    assert_eq!(pairs[0]["masterRole"], "ASYNC_MASTER");
    assert_eq!(pairs[0]["slaveAddr"], "");
    assert_eq!(pairs[0]["inSync"], false);
    assert!(pairs[0]["masterMaxOffset"].as_i64().unwrap() > 0, "{doc}");
    let alone = status(&["--wait-in-sync", "--timeout", "1500ms"]);
    assert_eq!(alone.code(), Some(1), "{}{}", alone.stdout, alone.stderr);
    assert!(
        alone.stderr.contains("broker-a: no slave"),
        "{}",
        alone.stderr
    );
    // Selection: an unknown broker name is an error; usage errors exit 2.
    assert_eq!(status(&["--broker-name", "nope"]).code(), Some(1));
    assert_eq!(status(&["--bogus"]).code(), Some(2));

    let mut slave = slave(&dir.path().join("slave"), &ns.addr);
    assert_eq!(send(&ns.addr, 500, &"s".repeat(500)), ["SEND_OK"; 500]);
    let synced = status(&["--wait-in-sync", "--timeout", "30s", "-c", "DefaultCluster"]);
    let doc = synced.json();
    eprintln!("{doc}");
    assert_eq!(doc["inSync"], true);
    let pair = &doc["pairs"][0];
    assert_eq!(pair["slaveId"], 1);
    assert!(!pair["slaveAddr"].as_str().unwrap().is_empty());
    assert_eq!(pair["behindBytes"], 0);
    assert_eq!(pair["behindMillis"], 0);
    let master_max = pair["masterMaxOffset"].as_i64().unwrap();
    assert!(
        pair["slaveMaxOffset"].as_i64().unwrap() >= master_max,
        "{pair}"
    );
    // The master's view (the slave reports at least once a second).
    wait_until(
        "the master to see the slave's ack",
        Duration::from_secs(10),
        || {
            status(&["-b", "broker-a"]).json()["pairs"][0]["slaveAckOffset"].as_i64()
                >= Some(master_max)
        },
    );
    // The table form names the pair.
    let table = rmq(&["ha", "status"]).namesrv(&ns.addr).ok();
    assert!(
        table.contains("broker-a") && table.contains("yes"),
        "{table}"
    );

    // `cluster list` shows the replication roles; `broker status` the role, a slave's master
    // and a master's slaves with their acknowledged offsets.
    let doc = rmq(&["cluster", "list", "-o", "json"])
        .namesrv(&ns.addr)
        .json();
    let roles: Vec<(i64, String)> = doc["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["brokerId"].as_i64().unwrap(),
                b["role"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(roles, [(0, "ASYNC_MASTER".into()), (1, "SLAVE".into())]);
    let doc = rmq(&["broker", "status", "-c", "DefaultCluster", "-o", "json"])
        .namesrv(&ns.addr)
        .json();
    let brokers = doc["brokers"].as_array().unwrap();
    let ha_of = |addr: &str| {
        brokers
            .iter()
            .find(|b| b["brokerAddr"] == addr)
            .map(|b| b["ha"].clone())
            .unwrap()
    };
    let m = ha_of(&master.addr);
    assert_eq!(m["role"], "ASYNC_MASTER", "{m}");
    assert_eq!(m["slaveCount"], 1, "{m}");
    assert_eq!(m["slaves"][0]["ackOffset"], master_max, "{m}");
    assert_eq!(m["slaves"][0]["behindBytes"], 0, "{m}");
    assert_eq!(m["slaves"][0]["behindMillis"], 0, "{m}");
    let s = ha_of(&slave.addr);
    assert_eq!(s["role"], "SLAVE", "{s}");
    assert_eq!(s["masterAddr"], format!("127.0.0.1:{ha_port}"), "{s}");
    let table = rmq(&["broker", "status", "-c", "DefaultCluster"])
        .namesrv(&ns.addr)
        .ok();
    assert!(
        table.contains("SLAVE") && table.contains(&format!("127.0.0.1:{ha_port}")),
        "{table}"
    );

    // A stalled slave: behind, and --wait-in-sync times out with exit 1.
    let pid = slave.pid().to_string();
    let signal = |sig: &str| {
        assert!(std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .unwrap()
            .success())
    };
    signal("-STOP");
    assert_eq!(send(&ns.addr, 100, &"t".repeat(500)), ["SEND_OK"; 100]);
    let behind = status(&["--wait-in-sync", "--timeout", "2s"]);
    // The master's own view of its stalled slave: behind in bytes and in time.
    let master_view = rmq(&[
        "broker",
        "status",
        "--broker-addr",
        &master.addr,
        "-o",
        "json",
    ])
    .namesrv(&ns.addr)
    .run();
    signal("-CONT");
    let doc = master_view.json();
    let lag = &doc["brokers"][0]["ha"]["slaves"][0];
    eprintln!("master's view of the stalled slave: {lag}");
    assert!(lag["behindBytes"].as_i64().unwrap() > 0, "{lag}");
    assert_eq!(behind.code(), Some(1), "{}{}", behind.stdout, behind.stderr);
    let doc = behind.parse_json();
    eprintln!("{doc}");
    let pair = &doc["pairs"][0];
    assert_eq!(pair["inSync"], false);
    assert!(pair["behindBytes"].as_i64().unwrap() > 0, "{pair}");
    assert!(behind.stderr.contains("bytes behind"), "{}", behind.stderr);
    // Resumed, it catches up.
    let doc = status(&["--wait-in-sync", "--timeout", "30s"]).json();
    assert_eq!(doc["pairs"][0]["inSync"], true);
    slave.stop();
}

/// The master of a broker name is killed: its slave serves consumers, as with Java. Offsets a
/// group committed on the master reach the slave (its 10 s metadata sync), so `rmq message
/// consume` and a Java push consumer go on from where they were on the slave, and the next
/// `rmq message consume --commit` commits there (Java's client commits to the slave too while
/// the master is not in the route).
#[test]
fn consumers_go_on_from_the_slave_when_the_master_is_killed() {
    let dir = temp_dir("ha-read-slave");
    let ns = Daemon::namesrv(&dir.path().join("ns"));
    let ha_port = free_broker_port();
    let mut master = master(
        &dir.path().join("master"),
        &ns.addr,
        "ASYNC_MASTER",
        ha_port,
        "",
    );
    let slave = slave(&dir.path().join("slave"), &ns.addr);
    let java = common::java_lib();
    let consume = |group: &str, count: u64| -> Vec<Value> {
        let doc = rmq(&[
            "message",
            "consume",
            "-t",
            TOPIC,
            "-g",
            group,
            "--count",
            &count.to_string(),
            "--commit",
            "-o",
            "json",
        ])
        .namesrv(&ns.addr)
        .json();
        doc.as_array().unwrap().clone()
    };
    let push = |lib: &Path, group: &str, expect: usize| -> String {
        let mut cmd = common::java_program(lib, "ClientProbe");
        cmd.env(
            "JDK_JAVA_OPTIONS",
            format!("-Duser.home={}", dir.path().join("java-home").display()),
        )
        .args([
            "push",
            &ns.addr,
            TOPIC,
            group,
            "*",
            &expect.to_string(),
            "60",
        ]);
        let done = common::run_bounded(&mut cmd, None, Duration::from_secs(120));
        format!("{}{}", done.stdout_text(), done.stderr_text())
    };

    assert_eq!(send(&ns.addr, 300, "before"), ["SEND_OK"; 300]);
    assert_eq!(consume("RmqReaders", 300).len(), 300);
    if let Some(lib) = &java {
        let out = push(lib, "JavaReaders", 300);
        assert!(out.contains("CONSUMED 300"), "{out}");
    }
    // Both groups have committed (the Java client's last commits are oneway: give them a
    // second to land on the master).
    let committed_at = std::time::SystemTime::now() + Duration::from_secs(1);
    assert_eq!(send(&ns.addr, 200, "after"), ["SEND_OK"; 200]);
    wait_identical(&master, &slave, Duration::from_secs(30));
    // The slave takes the groups' offsets from the master every 10 s (and writes its file only
    // when they changed): wait for a whole sync period after the last commits, not just for a
    // sync that names the groups (it may hold a Java commit that was not the last).
    let offsets = slave.store().join("config").join("consumerOffset.json");
    wait_until("the slave to sync offsets", Duration::from_secs(40), || {
        let text = std::fs::read_to_string(&offsets).unwrap_or_default();
        let period_passed = std::time::SystemTime::now()
            .duration_since(committed_at)
            .is_ok_and(|d| d > Duration::from_secs(11));
        period_passed
            && text.contains("RmqReaders")
            && (java.is_none() || text.contains("JavaReaders"))
    });

    master.kill();
    wait_until(
        "the master to leave the route",
        Duration::from_secs(30),
        || {
            let doc = rmq(&["cluster", "list", "-o", "json"])
                .namesrv(&ns.addr)
                .json();
            doc["brokers"].as_array().unwrap().len() == 1
        },
    );

    // rmq: the 200 newer messages, from the slave, and the commit lands there.
    let got = consume("RmqReaders", 1000);
    assert_eq!(got.len(), 200, "{got:?}");
    assert!(got.iter().all(|m| m["body"] == "after"), "{got:?}");
    assert_eq!(
        consume("RmqReaders", 1000).len(),
        0,
        "committed on the slave"
    );
    // A group that never read: everything, from the slave.
    assert_eq!(consume("Newcomers", 1000).len(), 500);
    // `rmq perf consume` reads from the slave too.
    let doc = rmq(&[
        "perf",
        "consume",
        "-t",
        TOPIC,
        "-g",
        "PerfReaders",
        "--from-earliest",
        "--count",
        "500",
        "--duration",
        "30s",
        "-o",
        "json",
    ])
    .namesrv(&ns.addr)
    .json();
    assert_eq!(doc["received"], 500, "{doc}");

    // Java: the push consumer goes on from the slave with the 200 newer messages.
    if let Some(lib) = &java {
        let out = push(lib, "JavaReaders", 200);
        assert!(out.contains("CONSUMED 200"), "{out}");
        let old = out
            .lines()
            .filter(|l| l.starts_with("GOT ") && l.ends_with(" before"));
        assert_eq!(old.count(), 0, "{out}");
        assert!(
            out.lines()
                .any(|l| l.starts_with("GOT ") && l.ends_with(" after")),
            "{out}"
        );
    }
}

/// With `slaveReadEnable`, a pull of data the master no longer holds in memory (more than
/// `accessMessageInMemoryMaxRatio`% of memory behind the CommitLog end; 0 here, so every
/// message found is cold) is answered with `suggestWhichBrokerId` = the group's
/// `whichBrokerWhenConsumeSlowly` (1), a pull that finds nothing with the group's `brokerId`
/// (0), as Java's PullMessageProcessor does.
#[test]
fn master_suggests_the_slave_for_cold_data() {
    use rmq::client::MqClient;
    use rmq::protocol::header::PullMessageRequestHeader;
    use rmq::protocol::{CommandHeader, RemotingCommand, RequestCode, SerializeType};

    let dir = temp_dir("ha-suggest");
    let ns = Daemon::namesrv(&dir.path().join("ns"));
    let master = master(
        &dir.path().join("master"),
        &ns.addr,
        "ASYNC_MASTER",
        free_broker_port(),
        "slaveReadEnable=true\naccessMessageInMemoryMaxRatio=0\n",
    );
    assert_eq!(send(&ns.addr, 40, "cold"), ["SEND_OK"; 40]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = MqClient::new(
        std::slice::from_ref(&ns.addr),
        Duration::from_secs(5),
        SerializeType::Json,
    );
    let suggestion = |queue_id: i32, offset: i64| -> (i64, i64) {
        let h = PullMessageRequestHeader {
            consumer_group: "ColdReaders".into(),
            topic: TOPIC.into(),
            queue_id,
            queue_offset: offset,
            max_msg_nums: 1,
            sys_flag: rmq::protocol::header::pull_sys_flag::SUBSCRIPTION,
            commit_offset: 0,
            suspend_timeout_millis: 0,
            subscription: Some("*".into()),
            sub_version: 0,
            expression_type: Some("TAG".into()),
            max_msg_bytes: None,
            broker_name: None,
        };
        let req = RemotingCommand::request(RequestCode::PULL_MESSAGE, h.to_ext_fields());
        let resp = rt.block_on(client.invoke(&master.addr, req)).unwrap();
        let field = |k: &str| {
            resp.ext_fields
                .as_ref()
                .and_then(|f| f.get(k))
                .and_then(|v| v.parse::<i64>().ok())
        };
        (
            field("suggestWhichBrokerId")
                .unwrap_or_else(|| panic!("no suggestWhichBrokerId: {resp:?}")),
            field("maxOffset").unwrap_or(0),
        )
    };
    // The oldest message of queue 0 is cold.
    let (suggested, _) = suggestion(0, 0);
    assert_eq!(suggested, 1);
    // A pull that finds nothing new reads nothing cold: the group's brokerId (0).
    let (_, max) = suggestion(0, 0);
    assert!(max > 0);
    assert_eq!(suggestion(0, max).0, 0);
}

/// conf/2m-2s-sync and conf/2m-2s-async are valid broker files, and run as they are on one
/// machine with only the ports (`-p`; the HA port follows as listenPort + 1) and the store
/// path (`--set storePathRootDir=...`) given per process: broker-a's SYNC_MASTER and its slave
/// replicate, sends get SEND_OK and `rmq ha status` sees the pair in sync.
#[test]
fn conf_2m_2s_runs_on_one_machine_with_ports_and_store_paths_overridden() {
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("conf");
    for set in ["2m-2s-sync", "2m-2s-async"] {
        for file in ["broker-a", "broker-a-s", "broker-b", "broker-b-s"] {
            let path = conf.join(set).join(format!("{file}.properties"));
            let out = rmq(&[
                "config",
                "check",
                "broker",
                "--config",
                &path.display().to_string(),
            ])
            .run();
            assert!(
                out.success() && out.stderr.is_empty(),
                "{path:?}: {}{}",
                out.stdout,
                out.stderr
            );
        }
    }

    let dir = temp_dir("ha-conf");
    let ns = Daemon::namesrv(&dir.path().join("ns"));
    let start = |file: &str| {
        let run_dir = dir.path().join(file);
        std::fs::create_dir_all(&run_dir).unwrap();
        let config = conf.join("2m-2s-sync").join(format!("{file}.properties"));
        let args: Vec<String> = [
            "broker",
            "start",
            "-c",
            &config.display().to_string(),
            "-n",
            &ns.addr,
            "-p",
            &free_broker_port().to_string(),
            "--set",
            &format!("storePathRootDir={}", run_dir.join("store").display()),
        ]
        .map(String::from)
        .to_vec();
        Daemon::spawn(&args, &run_dir, &config, "The broker[", |line| {
            Some(line.split(", ").nth(1)?.split(']').next()?.to_string())
        })
    };
    let master = start("broker-a");
    let slave = start("broker-a-s");
    wait_until("the slave to connect", Duration::from_secs(30), || {
        send(&ns.addr, 1, "probe") == ["SEND_OK"]
    });
    assert_eq!(send(&ns.addr, 200, "conf"), ["SEND_OK"; 200]);
    let doc = rmq(&[
        "ha",
        "status",
        "--wait-in-sync",
        "--timeout",
        "30s",
        "-o",
        "json",
    ])
    .namesrv(&ns.addr)
    .json();
    let pair = &doc["pairs"][0];
    assert_eq!(pair["brokerName"], "broker-a", "{doc}");
    assert_eq!(pair["masterRole"], "SYNC_MASTER", "{doc}");
    assert_eq!(pair["masterAddr"], master.addr.as_str(), "{doc}");
    assert_eq!(pair["slaveAddr"], slave.addr.as_str(), "{doc}");
    assert_eq!(pair["inSync"], true, "{doc}");
    // Each process kept to its own store.
    let slave_log = files(
        &dir.path()
            .join("broker-a-s")
            .join("store")
            .join("commitlog"),
    );
    assert_eq!(
        slave_log,
        files(&dir.path().join("broker-a").join("store").join("commitlog"))
    );
    assert!(!slave_log.is_empty());
}
