//! The `rmq` binary as a command-line tool: [`rmq`] builds a run (arguments, `-n`, environment,
//! working directory, stdin), [`Rmq::run`] runs it (bounded) and returns an [`Output`] with
//! helpers for its text and JSON.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::process::run_bounded;

/// The binary under test.
pub const RMQ: &str = env!("CARGO_BIN_EXE_rmq");

/// How long one CLI run may take before it is killed and the test fails.
const LIMIT: Duration = Duration::from_secs(120);

/// `rmq ARGS`: a run to configure and start with [`Rmq::run`] (or [`Rmq::json`], ...).
///
/// Every run is hermetic: no `NAMESRV_ADDR` or `RUST_LOG` from the test's environment (set
/// them with [`Rmq::env`]) and no terminal (stdin is empty unless [`Rmq::stdin`] gives it
/// bytes).
pub fn rmq(args: &[&str]) -> Rmq {
    Rmq {
        args: args.iter().map(OsString::from).collect(),
        namesrv: None,
        envs: Vec::new(),
        dir: None,
        stdin: None,
    }
}

#[derive(Clone, Debug)]
pub struct Rmq {
    args: Vec<OsString>,
    namesrv: Option<String>,
    envs: Vec<(OsString, Option<OsString>)>,
    dir: Option<PathBuf>,
    stdin: Option<Vec<u8>>,
}

impl Rmq {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Rmq {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Rmq {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Appends `-n ADDR` after the arguments.
    pub fn namesrv(mut self, addr: &str) -> Rmq {
        self.namesrv = Some(addr.to_string());
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Rmq {
        self.envs
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Rmq {
        self.envs.push((key.as_ref().to_owned(), None));
        self
    }

    /// The working directory (default: the test's).
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Rmq {
        self.dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// `input` on stdin (a pipe, so still no terminal).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Rmq {
        self.stdin = Some(input.into());
        self
    }

    /// All the arguments, `-n ADDR` included, for messages.
    pub fn all_args(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        if let Some(ns) = &self.namesrv {
            all.extend(["-n".to_string(), ns.clone()]);
        }
        all
    }

    /// The configured command, to spawn by hand (stdin, stdout and stderr not set; see
    /// `process::Spawned` for a command that runs in the background).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(RMQ);
        cmd.args(&self.args);
        if let Some(ns) = &self.namesrv {
            cmd.args(["-n", ns]);
        }
        cmd.env_remove("NAMESRV_ADDR").env_remove("RUST_LOG");
        for (key, value) in &self.envs {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        cmd
    }

    /// Runs it to its end (bounded: killed after two minutes, which fails the test).
    pub fn run(&self) -> Output {
        let args = self.all_args();
        let done = run_bounded(&mut self.command(), self.stdin.as_deref(), LIMIT);
        let status = done.status.unwrap_or_else(|| {
            panic!(
                "rmq {args:?} still running after {LIMIT:?} (killed)\nstdout:\n{}\nstderr:\n{}",
                done.stdout_text(),
                done.stderr_text()
            )
        });
        Output {
            args,
            status,
            stdout: done.stdout_text(),
            stderr: done.stderr_text(),
            raw_stdout: done.stdout,
        }
    }

    /// Runs it again every 200 ms until it succeeds or `limit` passes; the last run.
    pub fn run_until_ok(&self, limit: Duration) -> Output {
        let deadline = Instant::now() + limit;
        loop {
            let out = self.run();
            if out.success() || Instant::now() > deadline {
                return out;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Runs it; it must succeed: its stdout.
    pub fn ok(&self) -> String {
        self.run().ok().to_string()
    }

    /// Runs it; it must succeed with one JSON document on stdout.
    pub fn json(&self) -> Value {
        self.run().json()
    }

    /// Runs it; it must succeed with one JSON document per stdout line.
    pub fn ndjson(&self) -> Vec<Value> {
        self.run().ndjson()
    }
}

/// A finished `rmq` run.
#[derive(Debug)]
pub struct Output {
    /// The arguments it ran with (`-n` included).
    pub args: Vec<String>,
    pub status: ExitStatus,
    /// stdout as text (invalid UTF-8 replaced).
    pub stdout: String,
    /// stderr as text (invalid UTF-8 replaced).
    pub stderr: String,
    /// stdout as it was written.
    pub raw_stdout: Vec<u8>,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Asserts the run succeeded (showing its arguments, exit code, stdout and stderr if
    /// not); its stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert!(
            self.success(),
            "rmq {:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.code(),
            self.stdout,
            self.stderr
        );
        &self.stdout
    }

    /// Asserts success; stdout as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        self.ok();
        self.parse_json()
    }

    /// Asserts success; stdout as one JSON document per line.
    #[track_caller]
    pub fn ndjson(&self) -> Vec<Value> {
        self.ok()
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("rmq {:?}: bad ndjson line {l:?}: {e}", self.args))
            })
            .collect()
    }

    /// stdout as one JSON document if the run succeeded; else (or if it is no JSON) `Err` with
    /// what it printed, for polling until a command works.
    pub fn try_json(&self) -> Result<Value, String> {
        if !self.success() {
            return Err(format!("{}{}", self.stdout, self.stderr));
        }
        serde_json::from_str(&self.stdout).map_err(|e| format!("{e}: {}", self.stdout))
    }

    /// stdout as one JSON document, whatever the exit status.
    #[track_caller]
    pub fn parse_json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "rmq {:?}: stdout is not one JSON document ({e}):\n{}",
                self.args, self.stdout
            )
        })
    }
}
