//! The short CI form of `rmq chaos`: a few fault cycles of each durability setup against real
//! `rmq` processes, asserting that nothing acknowledged was lost or reordered, and a short
//! partition run in network namespaces (skipped, with a message, where they cannot be made).
//! The long forms (50 SIGKILL cycles and more) are documented commands in README.

mod common;

use common::{rmq, temp_dir};
use serde_json::Value;

/// Runs `rmq chaos --mode MODE --cycles N ... -o json` in a temp dir; its report.
fn chaos(mode: &str, faults: &str, cycles: u32) -> Value {
    chaos_with(mode, faults, cycles, &[]).expect("no fault was skipped")
}

/// [`chaos`] with more flags; `None` when the run skipped faults (no network namespaces).
fn chaos_with(mode: &str, faults: &str, cycles: u32, extra: &[&str]) -> Option<Value> {
    let dir = temp_dir(&format!("chaos-{mode}"));
    let run_dir = dir.path().join("run");
    let cycles = cycles.to_string();
    let out = rmq(&[
        "chaos",
        "--mode",
        mode,
        "--faults",
        faults,
        "--cycles",
        &cycles,
        "--interval",
        "1500ms",
        "--pause",
        "3s",
        "--timeout",
        "2s",
        "--producers",
        "2",
        "--keys",
        "4",
        "--drain",
        "30s",
        "-o",
        "json",
    ])
    .args(extra)
    .arg("--dir")
    .arg(&run_dir)
    .run();
    let report: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "rmq chaos {mode}: no JSON report ({e}); exit {:?}\nstdout:\n{}\nstderr:\n{}",
            out.code(),
            out.stdout,
            out.stderr
        )
    });
    eprintln!("rmq chaos {mode} ({faults}): {report}");
    if report.get("skippedFaults").is_some() {
        eprintln!(
            "skipped: rmq chaos could not inject {} ({})",
            report["skippedFaults"], report["skipReason"]
        );
        return None;
    }
    assert!(
        out.success(),
        "rmq chaos {mode}: exit {:?}: {}",
        out.code(),
        out.stderr
    );
    assert_eq!(report["lost"], 0, "{report}");
    assert_eq!(report["outOfOrder"], 0, "{report}");
    assert_eq!(report["drained"], true, "{report}");
    assert!(report["acked"].as_u64().unwrap() > 100, "{report}");
    assert!(
        report["delivered"].as_u64() >= report["acked"].as_u64(),
        "{report}"
    );
    let faults = report["faults"].as_array().unwrap();
    assert_eq!(faults.len().to_string(), cycles, "{report}");
    for f in faults {
        assert!(f["recoveryMs"].is_u64(), "no recovery after {f}: {report}");
    }
    // The acked log has one line per acknowledgement: the report counts what it logs.
    let acked_lines = std::fs::read_to_string(run_dir.join("acked.log"))
        .unwrap()
        .lines()
        .count() as u64;
    assert_eq!(Some(acked_lines), report["acked"].as_u64(), "{report}");
    Some(report)
}

#[test]
fn sync_flush_broker_kills_lose_nothing_acknowledged() {
    chaos("sync-flush", "kill", 3);
}

#[test]
fn async_flush_process_kills_pauses_and_namesrv_restarts_lose_nothing_acknowledged() {
    chaos("async-flush", "kill,pause,namesrv-restart", 3);
}

#[test]
fn sync_master_master_kills_leave_everything_acknowledged_on_the_slave() {
    let report = chaos("sync-master", "kill", 3);
    for f in report["faults"].as_array().unwrap() {
        assert_eq!(f["missingOnSlave"], 0, "{report}");
        assert!(f["ackedBefore"].as_u64().unwrap() > 0, "{report}");
    }
}

/// One partition of each kind around a SYNC_MASTER pair, each party in its own network
/// namespace: nothing is acknowledged while the master is cut from its slave or from the
/// clients, the partition shows (sends fail or are refused, the slave falls behind), the slave
/// catches up after the heal and holds everything acknowledged, and nothing is lost.
#[test]
fn sync_master_partitions_acknowledge_nothing_across_the_cut_and_lose_nothing() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: network partitions need root (network namespaces)");
        return;
    }
    let Some(report) = chaos_with(
        "sync-master",
        "partition-master-slave,partition-client-broker",
        2,
        // Longer than the 4 s the master waits before it drops a silent slave.
        &["--partition", "6s"],
    ) else {
        return;
    };
    let faults = report["faults"].as_array().unwrap();
    for f in faults {
        let p = &f["partition"];
        assert_eq!(p["ackedDuring"], 0, "acknowledged across the cut: {f}");
        assert!(p["durationMs"].as_u64().unwrap() >= 6000, "{f}");
        let failed =
            p["sendErrorsDuring"].as_u64().unwrap() + p["notDurableDuring"].as_u64().unwrap();
        assert!(failed > 0, "no send failed during the partition: {f}");
        assert!(
            p["healToAckMs"].is_u64(),
            "no send acknowledged after the heal: {f}"
        );
    }
    let master_slave = &faults[0];
    assert_eq!(master_slave["fault"], "partition-master-slave", "{report}");
    let p = &master_slave["partition"];
    assert!(
        p["slaveBehindBytes"].as_i64().unwrap() > 0,
        "the slave kept up: {report}"
    );
    assert!(
        p["catchUpMs"].is_u64(),
        "the slave did not catch up: {report}"
    );
    // The master noticed the slave gone and refused to promise what it could not.
    assert!(
        p["slaveNotAvailableDuring"].as_u64().unwrap() > 0,
        "no SLAVE_NOT_AVAILABLE during the partition: {report}"
    );
    assert_eq!(master_slave["missingOnSlave"], 0, "{report}");
    assert!(
        master_slave["ackedBefore"].as_u64().unwrap() > 0,
        "{report}"
    );
    assert_eq!(faults[1]["fault"], "partition-client-broker", "{report}");
}
