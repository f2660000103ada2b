//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The directory of Apache RocketMQ jars fetched by `tests/java/fetch.sh`, if present.
///
/// Without it the Java compatibility tests are skipped with a message, unless
/// `RMQ_REQUIRE_JAVA=1` (set by `.ci/run`), where a missing directory fails the test.
pub fn java_lib() -> Option<PathBuf> {
    let dir = std::env::var_os("RMQ_JAVA_LIB")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rmq/java-lib")));
    let found = dir.filter(|d| d.join("rocketmq-client-4.9.8.jar").exists());
    if found.is_none() {
        assert!(
            std::env::var("RMQ_REQUIRE_JAVA").as_deref() != Ok("1"),
            "RMQ_REQUIRE_JAVA=1 but no Java jars: run tests/java/fetch.sh"
        );
        eprintln!("skipped: no Apache RocketMQ jars (run tests/java/fetch.sh)");
    }
    found
}

/// `java -cp <lib>/* tests/java/<program>.java args...`
pub fn java_program(lib: &std::path::Path, program: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new("java");
    cmd.arg("-cp")
        .arg(format!("{}/*", lib.display()))
        .arg("-Drocketmq.client.logUseSlf4j=false")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/java/").to_string() + program + ".java");
    cmd
}
