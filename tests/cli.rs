//! The real `rmq` binary: help, version, exit codes and `config check`.

use std::process::Command;

fn rmq(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rmq"))
        .args(args)
        .output()
        .expect("rmq runs")
}

fn conf(path: &str) -> String {
    format!("{}/conf/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn help_and_version_exit_zero() {
    let out = rmq(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("rmq {}", env!("CARGO_PKG_VERSION"))
    );
    let out = rmq(&["--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("Exit status: 0 success, 1 error, 2 usage error"));
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(rmq(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(rmq(&["config", "check", "broker"]).status.code(), Some(2));
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
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["warnings"].as_array().unwrap().len(), 0);
    assert_eq!(doc["config"]["brokerName"], "broker-a");
    assert_eq!(doc["config"]["brokerRole"], "SYNC_MASTER");
    assert_eq!(doc["config"]["fileReservedTime"], "48");
    assert_eq!(doc["config"]["listenPort"], "10911");
}

#[test]
fn config_check_fails_with_one_clear_line_on_a_bad_value() {
    let dir = std::env::temp_dir().join(format!("rmq-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.properties");
    std::fs::write(&file, "brokerName=b\nlistenPort=ten\n").unwrap();
    let out = rmq(&["config", "check", "broker", "-c", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
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
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown key 'noSuchKey' at line 2"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn committed_completions_and_man_pages_are_current() {
    let root = env!("CARGO_MANIFEST_DIR");
    let stale = "stale: regenerate with .ci/gen-docs.sh and commit";
    for (shell, file) in [("bash", "rmq.bash"), ("zsh", "_rmq"), ("fish", "rmq.fish")] {
        let out = rmq(&["completions", shell]);
        assert!(out.status.success());
        let committed = std::fs::read(format!("{root}/completions/{file}")).unwrap_or_default();
        assert!(out.stdout == committed, "completions/{file} {stale}");
    }
    let dir = std::env::temp_dir().join(format!("rmq-man-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(rmq(&["man", "--dir", dir.to_str().unwrap()])
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
    std::fs::remove_dir_all(&dir).unwrap();
}
