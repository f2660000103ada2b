//! The real `rmq` binary: help, version, exit codes and `config check`.

mod common;

use common::{rmq, temp_dir};

fn conf(path: &str) -> String {
    format!("{}/conf/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn help_and_version_exit_zero() {
    let out = rmq(&["--version"]).run();
    assert!(out.status.success());
    assert_eq!(
        out.stdout.trim(),
        format!("rmq {}", env!("CARGO_PKG_VERSION"))
    );
    let out = rmq(&["--help"]).run();
    assert!(out.status.success());
    assert!(out
        .stdout
        .contains("Exit status: 0 success, 1 error, 2 usage error"));
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(rmq(&["no-such-command"]).run().status.code(), Some(2));
    assert_eq!(
        rmq(&["config", "check", "broker"]).run().status.code(),
        Some(2)
    );
}

#[test]
fn config_check_reports_the_effective_broker_config_as_json() {
    let out = rmq(&[
        "config",
        "check",
        "broker",
        "-c",
        &conf("2m-2s-sync/broker-a.properties"),
        "-o",
        "json",
    ])
    .run();
    assert!(out.status.success(), "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["warnings"].as_array().unwrap().len(), 0);
    assert_eq!(doc["config"]["brokerName"], "broker-a");
    assert_eq!(doc["config"]["brokerRole"], "SYNC_MASTER");
    assert_eq!(doc["config"]["fileReservedTime"], "48");
    assert_eq!(doc["config"]["listenPort"], "10911");
}

#[test]
fn config_check_fails_with_one_clear_line_on_a_bad_value() {
    let dir = temp_dir("cli-config");
    let file = dir.path().join("bad.properties");
    std::fs::write(&file, "brokerName=b\nlistenPort=ten\n").unwrap();
    let out = rmq(&["config", "check", "broker", "-c", file.to_str().unwrap()]).run();
    assert_eq!(out.status.code(), Some(1));
    let stderr = out.stderr;
    assert!(
        stderr.contains("invalid value 'ten' for key 'listenPort' at line 2"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    std::fs::write(&file, "brokerName=b\nnoSuchKey=1\n").unwrap();
    let out = rmq(&[
        "config",
        "check",
        "broker",
        "-c",
        file.to_str().unwrap(),
        "--strict",
    ])
    .run();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.contains("unknown key 'noSuchKey' at line 2"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn committed_completions_and_man_pages_are_current() {
    let root = env!("CARGO_MANIFEST_DIR");
    let stale = "stale: regenerate with .ci/gen-docs.sh and commit";
    for (shell, file) in [("bash", "rmq.bash"), ("zsh", "_rmq"), ("fish", "rmq.fish")] {
        let out = rmq(&["completions", shell]).run();
        assert!(out.status.success());
        let committed = std::fs::read(format!("{root}/completions/{file}")).unwrap_or_default();
        assert!(out.raw_stdout == committed, "completions/{file} {stale}");
    }
    let tmp = temp_dir("cli-man");
    let dir = tmp.path().join("man");
    assert!(rmq(&["man", "--dir", dir.to_str().unwrap()])
        .run()
        .status
        .success());
    let mut generated: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    generated.sort();
    let mut committed: Vec<_> = std::fs::read_dir(format!("{root}/man"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    committed.sort();
    assert_eq!(generated, committed, "man/ {stale}");
    for name in generated {
        let a = std::fs::read(dir.join(&name)).unwrap();
        let b = std::fs::read(std::path::Path::new(root).join("man").join(&name)).unwrap();
        assert!(a == b, "man/{} {stale}", name.to_string_lossy());
    }
}
