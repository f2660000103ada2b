//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod java_cluster;

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

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("rmq-it-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An `rmq` daemon started as a child process on a port it picked; killed on drop.
pub struct Daemon {
    pub child: std::process::Child,
    /// `127.0.0.1:PORT` it serves on.
    pub addr: String,
    pub stderr_log: PathBuf,
}

impl Daemon {
    /// Runs `rmq <args>` and waits (bounded) for a stdout line starting with `boot`, from which
    /// `parse` extracts the served address.
    pub fn spawn(
        args: &[&str],
        dir: &std::path::Path,
        boot: &str,
        parse: fn(&str) -> Option<String>,
    ) -> Daemon {
        use std::io::BufRead;
        static STARTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let stderr_log = dir.join(format!("daemon-{n}.stderr"));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rmq"))
            .args(args)
            .env("RUST_LOG", "rmq=info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(&stderr_log).unwrap())
            .spawn()
            .expect("rmq binary runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.starts_with(boot) => {
                    let addr =
                        parse(&line).unwrap_or_else(|| panic!("no address in boot line {line:?}"));
                    return Daemon {
                        child,
                        addr,
                        stderr_log,
                    };
                }
                Ok(_) => {}
                Err(_) => panic!(
                    "rmq {args:?}: no '{boot}' line within 30 s; stderr:\n{}",
                    std::fs::read_to_string(&stderr_log).unwrap_or_default()
                ),
            }
        }
    }

    /// `rmq namesrv start` on a free port with its KV file in `dir`.
    pub fn namesrv(dir: &std::path::Path) -> Daemon {
        let kv = dir.join("kvConfig.json");
        Daemon::spawn(
            &[
                "namesrv",
                "start",
                "--listen-port",
                "0",
                "--kv-config",
                kv.to_str().unwrap(),
            ],
            dir,
            "The Name Server boot success",
            |line| Some(format!("127.0.0.1:{}", line.rsplit(':').next()?.trim())),
        )
    }

    /// `rmq broker start` on a free port, store under `dir/store`, registering with `namesrv`;
    /// `extra` is appended to the generated properties file.
    pub fn broker(dir: &std::path::Path, namesrv: &str, extra: &str) -> Daemon {
        let conf = dir.join("broker.properties");
        if !conf.exists() {
            std::fs::write(
                &conf,
                format!(
                    "brokerClusterName=DefaultCluster\nbrokerName=broker-a\nbrokerId=0\nbrokerIP1=127.0.0.1\n\
                     storePathRootDir={}\nmappedFileSizeCommitLog=10485760\nmappedFileSizeConsumeQueue=60000\n{extra}\n",
                    dir.join("store").display()
                ),
            )
            .unwrap();
        }
        Daemon::spawn(
            &[
                "broker",
                "start",
                "-c",
                conf.to_str().unwrap(),
                "-n",
                namesrv,
                "-p",
                "0",
            ],
            dir,
            "The broker[",
            |line| Some(line.split(", ").nth(1)?.split(']').next()?.to_string()),
        )
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// SIGTERM and a bounded wait for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "daemon ignored SIGTERM"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let dir = std::env::var_os("RMQ_JAVA_BROKER_LIB")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rmq/java-broker-lib"))
        });
    let found = dir.filter(|d| d.join("rocketmq-broker-4.9.7.jar").exists());
    if found.is_none() {
        assert!(
            std::env::var("RMQ_REQUIRE_JAVA").as_deref() != Ok("1"),
            "RMQ_REQUIRE_JAVA=1 but no Java broker jars: run tests/java/fetch.sh"
        );
        eprintln!("skipped: no Apache RocketMQ 4.9.7 broker jars (run tests/java/fetch.sh)");
    }
    found
}

/// [`java_program`] with extra JVM options (`-Dkey=value`, `-XX:...`): they go before the source
/// file, where the launcher reads them as JVM options rather than as program arguments.
pub fn java_program_with(
    lib: &std::path::Path,
    program: &str,
    jvm_args: &[String],
) -> std::process::Command {
    let mut cmd = std::process::Command::new("java");
    cmd.arg("-cp")
        .arg(format!("{}/*", lib.display()))
        .arg("-Drocketmq.client.logUseSlf4j=false")
        .args(jvm_args)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/java/").to_string() + program + ".java");
    cmd
}
