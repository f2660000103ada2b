//! The real Apache RocketMQ Java servers and tools as child processes: the 4.9.7 name server
//! and broker (`NamesrvStartup`, `BrokerStartup` from [`super::java_broker_lib`]) and the
//! 4.9.8 `mqadmin` (several commands per JVM through `tests/java/AdminProbe.java`, from
//! [`super::java_lib`]).
//!
//! Ports are chosen at run time; every file (stores, logs, `user.home`, `$ROCKETMQ_HOME`) lives
//! in the directory the caller passes; every wait is bounded, and a server still running when
//! its handle drops is killed. A JVM broker costs ~5 s and ~500 MB to start: tests start one at
//! a time.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::java::{java_program_with, NETTY_OPENS};
use super::process::{run_bounded, sigterm, tail, tail_file, tie_to_test, wait_bounded};

/// A random port `p` in 20000-32000 such that `p + d` is free for every `d` of `offsets`.
/// The range stays below Linux's ephemeral range (32768-60999), where the rmq daemons' port-0
/// binds land.
fn free_port_with(offsets: &[i32]) -> u16 {
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        ^ (u64::from(std::process::id()) << 32);
    for _ in 0..500 {
        // xorshift64: no rand crate among the dev-dependencies.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let port = 20_002 + (seed % 12_000) as i32;
        let free = offsets.iter().all(|d| {
            std::net::TcpListener::bind(("0.0.0.0", u16::try_from(port + d).unwrap())).is_ok()
        });
        if free {
            return port as u16;
        }
    }
    panic!("no free port in 20000-32000");
}

/// A broker listen port whose neighbours are free too: the Java broker also binds
/// listenPort-2 (the "VIP" channel) and listenPort+1 (HA).
pub fn free_broker_port() -> u16 {
    free_port_with(&[-2, 0, 1])
}

/// `$ROCKETMQ_HOME` under `work` for the servers: 4.9.x BrokerStartup and NamesrvStartup load
/// `$ROCKETMQ_HOME/conf/logback_{broker,namesrv}.xml` and exit without it. Each gets one plain
/// file appender writing `work/<stem>.log`.
fn server_home(work: &Path) -> PathBuf {
    let home = work.join("rocketmq-home");
    std::fs::create_dir_all(home.join("conf")).unwrap();
    for stem in ["broker", "namesrv"] {
        std::fs::write(
            home.join(format!("conf/logback_{stem}.xml")),
            format!(
                r#"<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>{}</file>
    <append>true</append>
    <encoder><pattern>%d{{HH:mm:ss.SSS}} %-5level [%thread] %logger{{32}} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
"#,
                work.join(format!("{stem}.log")).display()
            ),
        )
        .unwrap();
    }
    home
}

/// `java` running `main_class` from the 4.9.7 jars in `lib`, with `heap` MB, its home and
/// `$ROCKETMQ_HOME` under `work`, output to `work/<stem>.out` and `.err`.
fn server_command(lib: &Path, work: &Path, main_class: &str, heap_mb: u32) -> Command {
    let rocketmq_home = server_home(work);
    let home = work.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = Command::new("java");
    // Memory sized for a 2-core test machine (runbroker.sh asks for 8 GB).
    cmd.arg(format!("-Xms{heap_mb}m"))
        .arg(format!("-Xmx{heap_mb}m"))
        .args([
            "-XX:MaxDirectMemorySize=256m",
            "-XX:MaxMetaspaceSize=256m",
            "-XX:+UseSerialGC",
            "-XX:-OmitStackTraceInFastThrow",
            "-Dfile.encoding=UTF-8",
            // Temp dirs often sit on a full-ish disk; 4.9.x refuses writes above 90 %.
            "-Drocketmq.broker.diskSpaceWarningLevelRatio=0.98",
            "-Drocketmq.broker.diskSpaceCleanForciblyRatio=0.97",
        ])
        // Java 17: MappedFile.clean() reflects into java.nio / jdk.internal.ref; without these
        // the broker's shutdown fails half-way and leaves `abort` behind.
        .args([
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
        ])
        .arg(format!("-Duser.home={}", home.display()))
        .arg(format!("-Drocketmq.home.dir={}", rocketmq_home.display()))
        .env("ROCKETMQ_HOME", &rocketmq_home)
        .arg("-cp")
        .arg(format!("{}/*", lib.display()))
        .arg(main_class)
        .stdin(Stdio::null());
    cmd
}

/// Waits (bounded) for the "boot success" line in `out`. Panics with the process's output and
/// the tails of `logs` if it exits first or takes longer than `limit`.
fn wait_boot(child: &mut Child, what: &str, out: &Path, logs: &[PathBuf], limit: Duration) {
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(out).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains("boot success")) {
            eprintln!(
                "{what} up in {:.1} s: {line}",
                started.elapsed().as_secs_f64()
            );
            return;
        }
        let exited = child.try_wait().unwrap();
        if exited.is_some() || started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let mut report = format!(
                "{what}: {} before its boot line; stdout:\n{}",
                match exited {
                    Some(status) => format!("exited ({status})"),
                    None => format!("no boot line in {limit:?}"),
                },
                tail(&text, 40)
            );
            for log in logs {
                report += &format!("\n----- {}:\n{}", log.display(), tail_file(log, 40));
            }
            panic!("{report}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// SIGTERM, then a bounded wait.
fn terminate(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    sigterm(child);
    wait_bounded(child, limit)
}

// ---------------------------------------------------------------------------------------------

/// A Java server of the 4.9.7 jars (name server or broker) as a child process: its output and
/// log files in its work dir; killed on drop unless stopped.
pub struct JavaServer {
    child: Option<Child>,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// stdout of the JVM.
    pub out: PathBuf,
    /// stderr of the JVM.
    pub err: PathBuf,
    /// Its logback file.
    pub log: PathBuf,
    /// What [`JavaServer::log_files`] calls the three files.
    names: [&'static str; 3],
}

/// What tells the Java servers apart.
struct ServerKind {
    /// Names its files: `<stem>.out`, `.err`, `.log`.
    stem: &'static str,
    /// For messages.
    what: &'static str,
    main_class: &'static str,
    heap_mb: u32,
    /// How long it may take to boot.
    boot: Duration,
    /// What [`JavaServer::log_files`] calls its three files.
    names: [&'static str; 3],
}

const NAMESRV: ServerKind = ServerKind {
    stem: "namesrv",
    what: "Java 4.9.7 name server",
    main_class: "org.apache.rocketmq.namesrv.NamesrvStartup",
    heap_mb: 256,
    boot: Duration::from_secs(60),
    names: ["namesrv stdout", "namesrv stderr", "namesrv log"],
};

const BROKER: ServerKind = ServerKind {
    stem: "broker",
    what: "Java 4.9.7 broker",
    main_class: "org.apache.rocketmq.broker.BrokerStartup",
    heap_mb: 512,
    boot: Duration::from_secs(120),
    names: ["broker stdout", "broker stderr", "broker log"],
};

impl JavaServer {
    /// A `kind` server of the jars in `lib` serving on `port`, started with `-c conf` (plus
    /// `args`), its files in `work`; waits (bounded) for "boot success".
    fn start(
        lib: &Path,
        work: &Path,
        kind: &ServerKind,
        conf: &Path,
        args: &[&str],
        port: u16,
    ) -> JavaServer {
        let (out, err, log) = (
            work.join(format!("{}.out", kind.stem)),
            work.join(format!("{}.err", kind.stem)),
            work.join(format!("{}.log", kind.stem)),
        );
        let mut cmd = server_command(lib, work, kind.main_class, kind.heap_mb);
        cmd.arg("-c")
            .arg(conf)
            .args(args)
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap());
        let mut child = tie_to_test(&mut cmd).spawn().expect("java runs");
        wait_boot(
            &mut child,
            kind.what,
            &out,
            &[err.clone(), log.clone()],
            kind.boot,
        );
        JavaServer {
            child: Some(child),
            addr: format!("127.0.0.1:{port}"),
            out,
            err,
            log,
            names: kind.names,
        }
    }

    /// Its logback file's text.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// (name, path) of its output and log files, to show when a test fails.
    pub fn log_files(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            (self.names[0], self.out.clone()),
            (self.names[1], self.err.clone()),
            (self.names[2], self.log.clone()),
        ]
    }
}

impl Drop for JavaServer {
    fn drop(&mut self) {
        // Only when not stopped (a failed test, or a name server, whose state does not matter
        // after a test): never leave a JVM behind.
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The Java 4.9.7 name server (`NamesrvStartup -c <properties with listenPort>`); killed on
/// drop (nothing of its state matters after a test: no graceful stop).
pub struct JavaNamesrv(JavaServer);

impl Deref for JavaNamesrv {
    type Target = JavaServer;

    fn deref(&self) -> &JavaServer {
        &self.0
    }
}

impl JavaNamesrv {
    /// Starts the name server of the jars in `lib` with its files in `work` (created) on a
    /// free port; waits (bounded) for "boot success".
    pub fn start(lib: &Path, work: &Path) -> JavaNamesrv {
        std::fs::create_dir_all(work).unwrap();
        let port = free_port_with(&[0]);
        let conf = work.join("namesrv.properties");
        // The KV config stays in the work dir (its default is under user.home, also there).
        std::fs::write(
            &conf,
            format!(
                "listenPort={port}\nkvConfigPath={}\n",
                work.join("kvConfig.json").display()
            ),
        )
        .unwrap();
        JavaNamesrv(JavaServer::start(lib, work, &NAMESRV, &conf, &[], port))
    }
}

/// The Java 4.9.7 broker: `broker-a` (id 0, ASYNC_MASTER, ASYNC_FLUSH) of `DefaultCluster` at
/// `127.0.0.1`, auto-creating topics and groups, with rmq's test store settings
/// (`Daemon::broker`: 10 MiB CommitLog files, 60000-byte ConsumeQueue files), so a store one of
/// them wrote has the same file names in the other.
pub struct JavaBroker(JavaServer);

impl Deref for JavaBroker {
    type Target = JavaServer;

    fn deref(&self) -> &JavaServer {
        &self.0
    }
}

impl JavaBroker {
    /// `BrokerStartup` of the jars in `lib`, its files in `work` (created) and its store in
    /// `store`, registering with `namesrv`; waits (bounded) for "boot success" (printed after
    /// the first registration).
    pub fn start(lib: &Path, work: &Path, store: &Path, namesrv: &str) -> JavaBroker {
        JavaBroker::start_with(lib, work, store, namesrv, "")
    }

    /// [`JavaBroker::start`] with `extra` appended to its properties (later keys win: e.g.
    /// `brokerRole=SYNC_MASTER`, `brokerIP2=127.0.0.1`). Its HA port is always listenPort + 1
    /// ([`JavaBroker::ha_port`]): 4.x forces it.
    pub fn start_with(
        lib: &Path,
        work: &Path,
        store: &Path,
        namesrv: &str,
        extra: &str,
    ) -> JavaBroker {
        std::fs::create_dir_all(work).unwrap();
        let port = free_broker_port();
        let conf = work.join("broker.properties");
        std::fs::write(
            &conf,
            format!(
                "brokerClusterName=DefaultCluster\nbrokerName=broker-a\nbrokerId=0\n\
                 brokerRole=ASYNC_MASTER\nflushDiskType=ASYNC_FLUSH\nbrokerIP1=127.0.0.1\n\
                 listenPort={port}\nnamesrvAddr={namesrv}\n\
                 storePathRootDir={}\nstorePathCommitLog={}\n\
                 mappedFileSizeCommitLog=10485760\nmappedFileSizeConsumeQueue=60000\n\
                 autoCreateTopicEnable=true\nautoCreateSubscriptionGroup=true\n{extra}\n",
                store.display(),
                store.join("commitlog").display()
            ),
        )
        .unwrap();
        JavaBroker(JavaServer::start(
            lib,
            work,
            &BROKER,
            &conf,
            &["-n", namesrv],
            port,
        ))
    }

    /// The HA port (listenPort + 1).
    pub fn ha_port(&self) -> u16 {
        self.addr
            .rsplit(':')
            .next()
            .unwrap()
            .parse::<u16>()
            .unwrap()
            + 1
    }

    /// SIGTERM and a bounded wait: the JVM's shutdown hook flushes the store, persists the
    /// config files and deletes `abort`. SIGKILL only if it hangs (and then the test fails).
    pub fn stop(mut self) -> ExitStatus {
        let mut child = self.0.child.take().unwrap();
        let started = Instant::now();
        let status = terminate(&mut child, Duration::from_secs(60))
            .expect("Java broker still running 60 s after SIGTERM (killed)");
        eprintln!(
            "Java broker stopped by SIGTERM in {:.1} s ({status})",
            started.elapsed().as_secs_f64()
        );
        status
    }
}

// ---------------------------------------------------------------------------------------------
// The Java 4.9.8 tools

/// `dir/rocketmq-home` with the `conf/logback_tools.xml` mqadmin refuses to start without:
/// its log goes to stderr, WARN and up.
pub fn tools_home(dir: &Path) -> PathBuf {
    let home = dir.join("rocketmq-home");
    std::fs::create_dir_all(home.join("conf")).unwrap();
    std::fs::write(
        home.join("conf/logback_tools.xml"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%d %-5level %logger{32} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDERR"/></root>
</configuration>
"#,
    )
    .unwrap();
    home
}

/// `java ... tests/java/AdminProbe.java` with the 4.9.8 jars in `lib`, the flags Java 17 wants
/// for Netty, a quick-start JIT, and its home, `$ROCKETMQ_HOME` and working directory in `dir`
/// so nothing is written outside it (the caller adds the probe's arguments); see [`tools_home`].
pub fn admin_probe(lib: &Path, dir: &Path) -> Command {
    let home = tools_home(dir);
    let mut jvm: Vec<String> = NETTY_OPENS.map(String::from).into();
    jvm.extend([
        "-XX:TieredStopAtLevel=1".to_string(),
        "-XX:+UseSerialGC".into(),
        format!("-Duser.home={}", dir.display()),
        format!("-Drocketmq.home.dir={}", home.display()),
    ]);
    let mut cmd = java_program_with(lib, "AdminProbe", &jvm);
    cmd.current_dir(dir);
    cmd
}

/// One mqadmin command (`MQAdminStartup`, as `bin/mqadmin` runs it) with the 4.9.8 jars in
/// `lib` and `$ROCKETMQ_HOME` `home` (see [`tools_home`]), bounded; its stdout and stderr.
/// mqadmin exits 0 even when the command failed, so callers check the text.
pub fn mqadmin_once(lib: &Path, home: &Path, args: &[&str]) -> String {
    let mut jvm: Vec<String> = NETTY_OPENS.map(String::from).into();
    jvm.push(format!("-Drocketmq.home.dir={}", home.display()));
    let mut cmd = super::java::java_main(
        lib,
        &jvm,
        "org.apache.rocketmq.tools.command.MQAdminStartup",
    );
    cmd.args(args);
    let limit = Duration::from_secs(60);
    let done = run_bounded(&mut cmd, None, limit);
    let (out, err) = (done.stdout_text(), done.stderr_text());
    assert!(
        done.status.is_some(),
        "mqadmin {args:?} timed out after {limit:?}\n{out}\n{err}"
    );
    format!("{out}\n--- stderr ---\n{err}")
}

/// Runs several mqadmin commands (each with `-n namesrv` appended) in one JVM, bounded;
/// returns each command's output by name, in order (a name repeats if the command does), plus
/// the whole transcript for messages. mqadmin exits 0 and prints a stack trace when a command
/// fails, so callers check the text.
pub fn mqadmin(
    lib: &Path,
    dir: &Path,
    namesrv: &str,
    commands: &[&[&str]],
) -> (Vec<(String, String)>, String) {
    let mut cmd = admin_probe(lib, dir);
    cmd.arg("mqadmin");
    for (i, c) in commands.iter().enumerate() {
        if i > 0 {
            cmd.arg(";;");
        }
        cmd.args(*c).args(["-n", namesrv]);
    }
    let done = run_bounded(&mut cmd, None, Duration::from_secs(120));
    let (out, err) = (done.stdout_text(), done.stderr_text());
    if done.status.is_none() {
        panic!("mqadmin timed out:\n{out}");
    }
    let mut sections = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in out.lines() {
        if let Some(name) = line.strip_prefix("=== CMD ") {
            current = Some((name.to_string(), String::new()));
        } else if line.starts_with("=== END ") {
            sections.extend(current.take());
        } else if let Some((_, text)) = current.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    let transcript = format!("{out}\n--- stderr ---\n{err}");
    assert_eq!(
        sections.len(),
        commands.len(),
        "not every command finished:\n{transcript}"
    );
    (sections, transcript)
}

/// The output of the `index`th command of an [`mqadmin`] run, which must be `name`.
pub fn section<'a>(sections: &'a [(String, String)], index: usize, name: &str) -> &'a str {
    let (n, text) = &sections[index];
    assert_eq!(n, name);
    text
}
