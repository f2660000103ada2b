//! The short CI form of `rmq chaos`: a few fault cycles of each durability setup against real
//! `rmq` processes, asserting that nothing acknowledged was lost or reordered. The long forms
//! (50 SIGKILL cycles and more) are documented commands in README.

mod common;

use common::{rmq, temp_dir};
use serde_json::Value;

/// Runs `rmq chaos --mode MODE --cycles N ... -o json` in a temp dir; its report.
fn chaos(mode: &str, faults: &str, cycles: u32) -> Value {
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
    report
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
