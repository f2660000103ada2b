//! `rmq namesrv start` and `rmq broker start` as child processes on ports they pick at run
//! time, each with its files in a directory of its own.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::process::Spawned;

/// How long a daemon may take to print its boot line.
const BOOT: Duration = Duration::from_secs(30);
/// How long a daemon may take to exit after SIGTERM.
const STOP: Duration = Duration::from_secs(20);

/// The boot line of `rmq namesrv start`: `... serializeType=JSON, address HOST:PORT`.
const NAMESRV_BOOT: &str = "The Name Server boot success. serializeType=JSON";
/// The boot line of `rmq broker start`: `The broker[NAME, HOST:PORT] boot success...`.
const BROKER_BOOT: &str = "The broker[";

/// An `rmq` daemon started as a child process; killed (SIGKILL) on drop.
///
/// Its stdout is collected ([`Daemon::stdout`]), its stderr goes to a file
/// ([`Daemon::stderr`]); [`Daemon::stop`] sends SIGTERM, [`Daemon::restart`] starts the same
/// command again (same config file, same store, a new port).
pub struct Daemon {
    process: Spawned,
    /// `127.0.0.1:PORT` it serves on.
    pub addr: String,
    /// This run's stderr (each start has a file of its own).
    pub stderr_log: PathBuf,
    dir: PathBuf,
    config: PathBuf,
    args: Vec<String>,
    boot: &'static str,
    parse: fn(&str) -> Option<String>,
}

impl Daemon {
    /// Runs `rmq <args>` (`RUST_LOG=rmq=info`, stderr to a file in `dir`) and waits (bounded)
    /// for a stdout line starting with `boot`, from which `parse` takes the served address.
    /// `config` is the file the daemon reads, for [`Daemon::config_file`].
    pub fn spawn(
        args: &[String],
        dir: &Path,
        config: &Path,
        boot: &'static str,
        parse: fn(&str) -> Option<String>,
    ) -> Daemon {
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        let n = STARTS.fetch_add(1, Ordering::SeqCst);
        let stderr_log = dir.join(format!("daemon-{n}.stderr"));
        let mut process = Spawned::spawn(
            Command::new(env!("CARGO_BIN_EXE_rmq"))
                .args(args)
                .env("RUST_LOG", "rmq=info")
                .env_remove("NAMESRV_ADDR")
                .stdin(Stdio::null())
                .stderr(std::fs::File::create(&stderr_log).unwrap()),
        );
        let Some(line) = process.wait_line(BOOT, |l| l.starts_with(boot)) else {
            let exited = process.try_wait();
            process.kill();
            panic!(
                "rmq {args:?}: no '{boot}' line within {BOOT:?} ({}); stdout:\n{}\nstderr:\n{}",
                match exited {
                    Some(status) => format!("exited: {status}"),
                    None => "still running, killed".into(),
                },
                process.lines().join("\n"),
                std::fs::read_to_string(&stderr_log).unwrap_or_default()
            );
        };
        let addr = parse(&line).unwrap_or_else(|| panic!("no address in boot line {line:?}"));
        Daemon {
            process,
            addr,
            stderr_log,
            dir: dir.to_path_buf(),
            config: config.to_path_buf(),
            args: args.to_vec(),
            boot,
            parse,
        }
    }

    /// `rmq namesrv start -c dir/namesrv.properties --listen-port 0`: a free port, its KV config
    /// in `dir/kvConfig.json` and its persisted config in `dir/namesrv-store.properties`.
    pub fn namesrv(dir: &Path) -> Daemon {
        std::fs::create_dir_all(dir).unwrap();
        let conf = dir.join("namesrv.properties");
        std::fs::write(
            &conf,
            format!(
                "kvConfigPath={}\nconfigStorePath={}\n",
                dir.join("kvConfig.json").display(),
                dir.join("namesrv-store.properties").display()
            ),
        )
        .unwrap();
        let args = ["namesrv", "start", "--listen-port", "0", "-c"]
            .map(String::from)
            .into_iter()
            .chain([conf.display().to_string()])
            .collect::<Vec<_>>();
        Daemon::spawn(&args, dir, &conf, NAMESRV_BOOT, |line| {
            Some(format!("127.0.0.1:{}", line.rsplit(':').next()?.trim()))
        })
    }

    /// [`Daemon::broker_named`] for `broker-a`.
    pub fn broker(dir: &Path, namesrv: &str, extra: &str) -> Daemon {
        Daemon::broker_named(dir, "broker-a", namesrv, extra)
    }

    /// `rmq broker start -p 0`: broker `name` (id 0) of `DefaultCluster` on a free port,
    /// registering with `namesrv` (`a;b` for several), its config in `dir/broker.properties`
    /// (written here; `extra` is appended to it) and its store in `dir/store` with small files
    /// (10 MiB CommitLog files, 60000-byte ConsumeQueue files, as `JavaBroker` uses).
    pub fn broker_named(dir: &Path, name: &str, namesrv: &str, extra: &str) -> Daemon {
        std::fs::create_dir_all(dir).unwrap();
        let conf = dir.join("broker.properties");
        std::fs::write(
            &conf,
            format!(
                "brokerClusterName=DefaultCluster\nbrokerName={name}\nbrokerId=0\nbrokerIP1=127.0.0.1\n\
                 storePathRootDir={}\nmappedFileSizeCommitLog=10485760\nmappedFileSizeConsumeQueue=60000\n{extra}\n",
                dir.join("store").display()
            ),
        )
        .unwrap();
        let args = [
            "broker".to_string(),
            "start".into(),
            "-c".into(),
            conf.display().to_string(),
            "-n".into(),
            namesrv.into(),
            "-p".into(),
            "0".into(),
        ];
        Daemon::spawn(&args, dir, &conf, BROKER_BOOT, |line| {
            Some(line.split(", ").nth(1)?.split(']').next()?.to_string())
        })
    }

    /// The port of [`Daemon::addr`].
    pub fn port(&self) -> u16 {
        self.addr.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// The process id (for signals such as SIGSTOP).
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// The daemon's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The properties file it was started with.
    pub fn config_file(&self) -> &Path {
        &self.config
    }

    /// A broker's store root (`dir/store`).
    pub fn store(&self) -> PathBuf {
        self.dir.join("store")
    }

    /// This run's stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// This run's stdout lines so far.
    pub fn stdout(&self) -> Vec<String> {
        self.process.lines()
    }

    /// SIGTERM and a bounded wait for the exit status (panics if it does not exit).
    pub fn stop(&mut self) -> ExitStatus {
        self.process.sigterm();
        self.process
            .wait_bounded(STOP)
            .unwrap_or_else(|| panic!("daemon ignored SIGTERM for {STOP:?}; killed"))
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// Starts the same command again (killing this run first if it still runs): the same
    /// config file and store, a new port ([`Daemon::addr`]) and a new stderr file.
    pub fn restart(&mut self) {
        self.process.kill();
        *self = Daemon::spawn(&self.args, &self.dir, &self.config, self.boot, self.parse);
    }
}
