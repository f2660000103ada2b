//! Child processes with bounded waits: run to completion with captured output
//! ([`run_bounded`]), or keep running in the background with their stdout lines collected
//! ([`Spawned`]); SIGTERM, and the tails of long outputs for failure messages.

use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The last `n` lines of a file (empty when it cannot be read).
pub fn tail_file(path: &Path, n: usize) -> String {
    tail(&std::fs::read_to_string(path).unwrap_or_default(), n)
}

/// Ties the process `cmd` starts to the test: it is killed (SIGKILL) when the thread that
/// started it ends, so a test process that dies (killed at a time limit, say) leaves no server
/// behind, and it does not inherit the test's open file descriptors, so it never holds what
/// they hold (such as a build lock taken with `flock` around `cargo test`).
pub fn tie_to_test(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec the hook makes only async-signal-safe system calls and
    // touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            // Close-on-exec for every inherited descriptor past stderr (Linux 5.11; where it
            // fails, they are inherited as before).
            libc::syscall(
                libc::SYS_close_range,
                3 as libc::c_uint,
                libc::c_uint::MAX,
                libc::CLOSE_RANGE_CLOEXEC,
            );
            Ok(())
        })
    }
}

/// Sends SIGTERM to `child` (nothing happens if it already exited and was reaped).
pub fn sigterm(child: &Child) {
    // SAFETY: kill(2) on our own child's pid has no memory-safety preconditions.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
}

/// Waits for `child` at most `limit`; kills it (SIGKILL) past that and returns `None`.
pub fn wait_bounded(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Joins `reader` if it ends within `limit` (a grandchild holding the pipe open could keep it
/// going forever).
fn join_bounded(reader: JoinHandle<()>, limit: Duration) {
    let deadline = Instant::now() + limit;
    while !reader.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    if reader.is_finished() {
        let _ = reader.join();
    }
}

/// A thread copying `from` into a shared buffer until EOF.
fn collect(mut from: impl Read + Send + 'static) -> (Arc<Mutex<Vec<u8>>>, JoinHandle<()>) {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = buf.clone();
    let reader = std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Ok(n) = from.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    (buf, reader)
}

/// A process that ran to its end (or was killed at its time limit).
#[derive(Debug)]
pub struct Finished {
    /// `None`: still running at the limit, killed.
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

impl Finished {
    /// Exited, with status 0.
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Runs `cmd` ([`tie_to_test`]) with `input` on its stdin (none: no stdin at all) and its
/// stdout and stderr captured; waits at most `limit`, then kills it (`status: None`).
pub fn run_bounded(cmd: &mut Command, input: Option<&[u8]>, limit: Duration) -> Finished {
    let started = Instant::now();
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = tie_to_test(cmd)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let (out, out_reader) = collect(child.stdout.take().unwrap());
    let (err, err_reader) = collect(child.stderr.take().unwrap());
    if let Some(input) = input {
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        // A thread: a child that does not read its stdin must not block us.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    let status = wait_bounded(&mut child, limit);
    join_bounded(out_reader, Duration::from_secs(5));
    join_bounded(err_reader, Duration::from_secs(5));
    let stdout = std::mem::take(&mut *out.lock().unwrap());
    let stderr = std::mem::take(&mut *err.lock().unwrap());
    Finished {
        status,
        stdout,
        stderr,
        elapsed: started.elapsed(),
    }
}

/// A child process running in the background ([`tie_to_test`]), its stdout lines collected by a
/// thread (its stdin and stderr as the caller set them on the command); killed on drop.
pub struct Spawned {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
}

impl Spawned {
    /// Spawns `cmd` with its stdout piped.
    pub fn spawn(cmd: &mut Command) -> Spawned {
        let mut child = tie_to_test(cmd)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                sink.lock().unwrap().push(line);
            }
        });
        Spawned {
            child,
            lines,
            reader: Some(reader),
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The stdout lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// How many stdout lines so far start with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with(prefix))
            .count()
    }

    /// The first stdout line for which `pred` holds, waiting at most `limit`; `None` when the
    /// time is up or the process ended (its stdout closed) without one.
    pub fn wait_line(&mut self, limit: Duration, pred: impl Fn(&str) -> bool) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            let ended = self.reader.as_ref().is_none_or(|r| r.is_finished());
            if let Some(line) = self.lines.lock().unwrap().iter().find(|l| pred(l)) {
                return Some(line.clone());
            }
            if ended || Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Closes the child's stdin (if it was piped).
    pub fn close_stdin(&mut self) {
        drop(self.child.stdin.take());
    }

    /// The exit status, if it exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Waits at most `limit` for the exit (then the rest of its stdout); kills it past that and
    /// returns `None`.
    pub fn wait_bounded(&mut self, limit: Duration) -> Option<ExitStatus> {
        let status = wait_bounded(&mut self.child, limit);
        if let Some(reader) = self.reader.take() {
            join_bounded(reader, Duration::from_secs(5));
        }
        status
    }

    pub fn sigterm(&self) {
        sigterm(&self.child);
    }

    /// SIGKILL and reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        self.kill();
    }
}
