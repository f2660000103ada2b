//! The Apache RocketMQ Java jars (fetched by `tests/java/fetch.sh`) and `java` commands that
//! run the single-file programs of `tests/java/`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `--add-opens` flags Java 17 wants for the Netty of the 4.9.x client and tools.
pub const NETTY_OPENS: [&str; 4] = [
    "--add-opens",
    "java.base/java.nio=ALL-UNNAMED",
    "--add-opens",
    "java.base/sun.nio.ch=ALL-UNNAMED",
];

/// `$dir` if it holds `jar`, else `None` with a message; with `RMQ_REQUIRE_JAVA=1` a missing
/// directory fails the test instead.
fn jar_dir(env: &str, default: &str, jar: &str, what: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(env)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(default)));
    let found = dir.filter(|d| d.join(jar).exists());
    if found.is_none() {
        assert!(
            std::env::var("RMQ_REQUIRE_JAVA").as_deref() != Ok("1"),
            "RMQ_REQUIRE_JAVA=1 but no Java {what} jars: run tests/java/fetch.sh"
        );
        eprintln!("skipped: no Apache RocketMQ {what} jars (run tests/java/fetch.sh)");
    }
    found
}

/// The directory of Apache RocketMQ 4.9.8 client and tools jars fetched by
/// `tests/java/fetch.sh` (`$RMQ_JAVA_LIB`, default `~/.cache/rmq/java-lib`), if present.
///
/// Without it the Java compatibility tests are skipped with a message, unless
/// `RMQ_REQUIRE_JAVA=1` (set by `.ci/run`), where a missing directory fails the test.
pub fn java_lib() -> Option<PathBuf> {
    jar_dir(
        "RMQ_JAVA_LIB",
        ".cache/rmq/java-lib",
        "rocketmq-client-4.9.8.jar",
        "4.9.8 client",
    )
}

/// The directory of Apache RocketMQ **4.9.7** broker and name server jars fetched by
/// `tests/java/fetch.sh` (`$RMQ_JAVA_BROKER_LIB`, default `~/.cache/rmq/java-broker-lib`), if
/// present. 4.9.7 because Maven Central serves no 4.9.8 broker; its store format is 4.9.8's. It
/// is a directory of its own so the 4.9.7 jars never share a classpath with [`java_lib`]'s
/// 4.9.8 client jars.
///
/// Without it the tests that run the Java broker are skipped with a message, unless
/// `RMQ_REQUIRE_JAVA=1`, where a missing directory fails the test.
pub fn java_broker_lib() -> Option<PathBuf> {
    jar_dir(
        "RMQ_JAVA_BROKER_LIB",
        ".cache/rmq/java-broker-lib",
        "rocketmq-broker-4.9.7.jar",
        "4.9.7 broker",
    )
}

/// `java -cp <lib>/* -Drocketmq.client.logUseSlf4j=false <jvm_args> <main>`: `main` is a class
/// name or a source file. JVM options (`-Dkey=value`, `-XX:...`) go in `jvm_args`, before
/// `main`, where the launcher reads them as JVM options rather than as program arguments.
pub fn java_main(lib: &Path, jvm_args: &[String], main: &str) -> Command {
    let mut cmd = Command::new("java");
    cmd.arg("-cp")
        .arg(format!("{}/*", lib.display()))
        .arg("-Drocketmq.client.logUseSlf4j=false")
        .args(jvm_args)
        .arg(main);
    cmd
}

/// `java -cp <lib>/* tests/java/<program>.java` (the caller adds the program's arguments).
pub fn java_program(lib: &Path, program: &str) -> Command {
    java_program_with(lib, program, &[])
}

/// [`java_program`] with extra JVM options (see [`java_main`]).
pub fn java_program_with(lib: &Path, program: &str, jvm_args: &[String]) -> Command {
    java_main(
        lib,
        jvm_args,
        &format!("{}/tests/java/{program}.java", env!("CARGO_MANIFEST_DIR")),
    )
}
