//! `rmq console` in a real headless Chromium, driven over the Chrome DevTools protocol (on
//! `--remote-debugging-pipe`: NUL-separated JSON on fds 3 and 4, so no WebSocket client is
//! needed) with mouse clicks and typed text. Against `rmq dev`: the overview lists the broker;
//! a topic created in the UI appears in `rmq topic list`; a message sent with the CLI is found
//! by key in the UI; an offset reset previewed and applied in the UI moves the group's
//! offsets; a DLQ message is resent. A screenshot of each page goes to the test's temp dir
//! (kept under `$RMQ_CONSOLE_SHOTS` when set). Also: the flag checks (`--listen` off loopback
//! needs `--allow-remote`) and `--read-only` (403, no buttons). Against the Java 4.9.7 name
//! server and broker (when their jars are present): the same topics, groups and lag as the CLI.
//!
//! Skips when `chromium` is not installed, unless `RMQ_REQUIRE_CHROMIUM=1` (.ci/run installs
//! it).

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::{rmq, temp_dir, Spawned, RMQ};

const CHROMIUM: &str = "/usr/bin/chromium";

// --------------------------------------------------------------------------- the cluster

struct Dev {
    _process: Spawned,
    namesrv: String,
}

fn start_dev(store: &Path) -> Dev {
    let mut cmd = Command::new(RMQ);
    cmd.args([
        "dev",
        "--namesrv-port",
        "0",
        "--broker-port",
        "0",
        "--store",
    ])
    .arg(store)
    .env_remove("NAMESRV_ADDR");
    let mut process = Spawned::spawn(&mut cmd);
    process
        .wait_line(Duration::from_secs(30), |l| l.starts_with("Ctrl-C"))
        .unwrap_or_else(|| panic!("no banner: {:?}", process.lines()));
    let first = process.lines()[0].clone();
    let namesrv = first.split_whitespace().nth(4).unwrap();
    Dev {
        namesrv: namesrv.trim_end_matches(',').to_string(),
        _process: process,
    }
}

/// A running `rmq console` and its base URL (`http://127.0.0.1:PORT`).
struct Console {
    process: Spawned,
    url: String,
}

fn start_console(namesrv: &str, extra: &[&str]) -> Console {
    let mut cmd = Command::new(RMQ);
    cmd.args(["console", "--listen", "127.0.0.1:0", "-n", namesrv])
        .args(extra)
        .env_remove("NAMESRV_ADDR");
    let mut process = Spawned::spawn(&mut cmd);
    let line = process
        .wait_line(Duration::from_secs(20), |l| l.starts_with("rmq console:"))
        .unwrap_or_else(|| panic!("no console banner: {:?}", process.lines()));
    // rmq console: http://127.0.0.1:PORT/ (name server ...)
    let url = line
        .split_whitespace()
        .nth(2)
        .unwrap()
        .trim_end_matches('/');
    Console {
        url: url.to_string(),
        process,
    }
}

fn cli(ns: &str, args: &[&str]) -> Value {
    rmq(args).namesrv(ns).json()
}

// ------------------------------------------------------------------ DevTools over a pipe

/// A headless Chromium with one page, driven over `--remote-debugging-pipe`.
struct Browser {
    child: std::process::Child,
    to_browser: std::fs::File,
    from_browser: mpsc::Receiver<Value>,
    next_id: u64,
    session: String,
    _profile: tempfile::TempDir,
}

fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two fds we then own.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both fds are fresh and owned here only.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

impl Browser {
    fn launch() -> Browser {
        use std::os::fd::AsRawFd;
        let profile = temp_dir("console-chromium");
        // The browser reads commands on fd 3 and writes answers on fd 4.
        let (cmd_read, cmd_write) = pipe();
        let (ans_read, ans_write) = pipe();
        let (child_in, child_out) = (cmd_read.as_raw_fd(), ans_write.as_raw_fd());
        let mut cmd = Command::new(CHROMIUM);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            "--remote-debugging-pipe",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                // Out of the way first, so dup2 onto 3 and 4 cannot close the other end.
                let a = libc::fcntl(child_in, libc::F_DUPFD, 10);
                let b = libc::fcntl(child_out, libc::F_DUPFD, 10);
                if a < 0 || b < 0 || libc::dup2(a, 3) < 0 || libc::dup2(b, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd.spawn().expect("chromium starts");
        drop((cmd_read, ans_write));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(std::fs::File::from(ans_read));
            let mut buf = Vec::new();
            while reader.read_until(0, &mut buf).unwrap_or(0) > 0 {
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
                buf.clear();
            }
        });
        let mut browser = Browser {
            child,
            to_browser: std::fs::File::from(cmd_write),
            from_browser: rx,
            next_id: 0,
            session: String::new(),
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({ "url": "about:blank" }));
        let target_id = target["targetId"].as_str().unwrap().to_string();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        browser.call("Page.enable", json!({}));
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
        );
        browser
    }

    /// One DevTools command (on the page's session once attached) and its result.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if !self.session.is_empty() {
            msg["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .expect("write to chromium");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .from_browser
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no answer from chromium to {method}"));
            if v["id"] == json!(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method} failed: {e}");
                }
                return v["result"].clone();
            }
        }
    }

    /// Evaluates `expr` in the page (awaiting a promise) and returns its value.
    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expr, "returnByValue": true, "awaitPromise": true }),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expr}: {e}");
        }
        r["result"]["value"].clone()
    }

    fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
        self.wait_for("document.readyState === 'complete'", "the page loads");
    }

    /// Waits until `cond` (a JS expression) is true in the page.
    fn wait_for(&mut self, cond: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.eval(&format!("!!({cond})")) == json!(true) {
                return;
            }
            if Instant::now() > deadline {
                let text = self.eval("document.body.innerText");
                panic!("timed out waiting for {what} ({cond}); page text:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn text(&mut self, selector: &str) -> String {
        let sel = serde_json::to_string(selector).unwrap();
        self.eval(&format!(
            "(document.querySelector({sel}) || {{innerText: ''}}).innerText"
        ))
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// A left click at the middle of the element, as a mouse would.
    fn click(&mut self, selector: &str) {
        let sel = serde_json::to_string(selector).unwrap();
        self.wait_for(
            &format!("document.querySelector({sel})"),
            &format!("{selector} to exist"),
        );
        let rect = self.eval(&format!(
            "(() => {{ const e = document.querySelector({sel}); e.scrollIntoView({{block: 'center'}}); \
             const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
        ));
        let (x, y) = (rect[0].as_f64().unwrap(), rect[1].as_f64().unwrap());
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            );
        }
    }

    /// Clicks into an input, clears it and types `text`.
    fn type_into(&mut self, selector: &str, text: &str) {
        self.click(selector);
        let sel = serde_json::to_string(selector).unwrap();
        self.eval(&format!("document.querySelector({sel}).select()"));
        self.call("Input.insertText", json!({ "text": text }));
    }

    fn select(&mut self, selector: &str, value: &str) {
        let sel = serde_json::to_string(selector).unwrap();
        let val = serde_json::to_string(value).unwrap();
        self.eval(&format!(
            "(() => {{ const e = document.querySelector({sel}); e.value = {val}; \
             e.dispatchEvent(new Event('change', {{bubbles: true}})); }})()"
        ));
    }

    fn screenshot(&mut self, path: &Path) {
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" }));
        let png = base64_decode(shot["data"].as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.session.clear();
        self.next_id += 1;
        let msg = json!({ "id": self.next_id, "method": "Browser.close", "params": {} });
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        let _ = self.to_browser.write_all(&bytes);
        if common::wait_bounded(&mut self.child, Duration::from_secs(5)).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = text.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= u32::from(value(c)) << (18 - 6 * i);
        }
        out.extend_from_slice(&acc.to_be_bytes()[1..chunk.len()]);
    }
    out
}

fn chromium_available() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    assert!(
        std::env::var("RMQ_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
        "RMQ_REQUIRE_CHROMIUM=1 but {CHROMIUM} is missing (apt-get install chromium)"
    );
    eprintln!("skipped: {CHROMIUM} is not installed");
    false
}

/// Where screenshots go: `$RMQ_CONSOLE_SHOTS` when set, else the test's temp dir.
fn shots_dir(temp: &Path) -> PathBuf {
    let dir = std::env::var_os("RMQ_CONSOLE_SHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| temp.join("screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Committed offsets of `group` on `topic` per queue id, from `rmq group describe`.
fn committed(ns: &str, group: &str, topic: &str) -> Vec<(i64, i64)> {
    let d = cli(ns, &["group", "describe", "-g", group, "-o", "json"]);
    let mut out: Vec<(i64, i64)> = d["queues"]
        .as_array()
        .unwrap_or_else(|| panic!("no queues: {d}"))
        .iter()
        .filter(|q| q["topic"] == json!(topic))
        .map(|q| {
            (
                q["queueId"].as_i64().unwrap(),
                q["consumerOffset"].as_i64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

// -------------------------------------------------------------------------------- tests

#[test]
fn every_page_in_headless_chromium_against_rmq_dev() {
    if !chromium_available() {
        return;
    }
    let temp = temp_dir("console");
    let shots = shots_dir(temp.path());
    let dev = start_dev(&temp.path().join("store"));
    let ns = dev.namesrv.as_str();
    let console = start_console(ns, &[]);
    let mut b = Browser::launch();

    // Overview: the broker with its role and version.
    b.goto(&format!("{}/", console.url));
    b.wait_for(
        "document.querySelector('#brokers tr[data-broker=\"broker-a\"]')",
        "the broker in the overview",
    );
    let row = b.text("#brokers tr[data-broker=\"broker-a\"]");
    assert!(row.contains("DefaultCluster"), "{row}");
    assert!(row.contains("ASYNC_MASTER"), "{row}");
    // It refreshes itself (every 5 s).
    let updated = b.text("#updated");
    b.wait_for(
        &format!(
            "document.getElementById('updated').innerText !== {}",
            serde_json::to_string(&updated).unwrap()
        ),
        "the overview to refresh",
    );
    b.screenshot(&shots.join("overview.png"));

    // Topics: created in the UI, listed by the CLI.
    b.goto(&format!("{}/#/topics", console.url));
    b.wait_for("document.querySelector('#topic-list')", "the topic list");
    b.type_into("#new-topic", "ConsoleTopic");
    b.type_into("#new-read", "4");
    b.type_into("#new-write", "4");
    b.click("#create-topic");
    b.wait_for(
        "document.querySelector('#create-result .ok')",
        "the topic to be created",
    );
    let listed = cli(ns, &["topic", "list", "-o", "json"]);
    assert!(
        listed["topics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["topic"] == "ConsoleTopic"),
        "{listed}"
    );
    b.type_into("#topic-search", "Console");
    b.wait_for(
        "document.querySelector('#topic-list a[href=\"#/topics/ConsoleTopic\"]')",
        "the new topic in the search",
    );
    b.screenshot(&shots.join("topics.png"));

    // Topic page (a shareable URL): route, queues, a test message from the UI.
    b.goto(&format!("{}/topics/ConsoleTopic", console.url));
    b.wait_for("document.querySelector('#queues')", "the topic page");
    assert_eq!(
        b.eval("document.querySelectorAll('#queues tbody tr').length"),
        json!(4)
    );
    b.type_into("#send-keys", "from-ui");
    b.click("#send");
    b.wait_for(
        "document.querySelector('#send-result .ok')",
        "the test send",
    );
    b.screenshot(&shots.join("topic.png"));
    // Update from the topic page: six queues.
    b.type_into("#upd-write", "6");
    b.type_into("#upd-read", "6");
    b.click("#update-topic");
    b.wait_for("document.querySelector('#update-result .ok')", "the update");
    let route = cli(ns, &["topic", "route", "-t", "ConsoleTopic", "-o", "json"]);
    assert_eq!(route["brokers"][0]["writeQueueNums"], json!(6), "{route}");
    b.goto(&format!("{}/topics/ConsoleTopic", console.url));
    b.wait_for("document.querySelector('#queues')", "the topic page");
    assert_eq!(
        b.eval("document.querySelectorAll('#queues tbody tr').length"),
        json!(6)
    );

    // Messages: one sent with the CLI, found by key in the UI; its body as hex too.
    rmq(&[
        "message",
        "send",
        "-t",
        "ConsoleTopic",
        "-k",
        "order-42",
        r#"{"order":42}"#,
    ])
    .namesrv(ns)
    .ok();
    b.goto(&format!("{}/#/messages", console.url));
    b.type_into("#q-key-topic", "ConsoleTopic");
    b.type_into("#q-key", "order-42");
    b.click("#find-key");
    b.wait_for(
        "document.querySelector('#message-view')",
        "the message found by key",
    );
    assert!(b.text("#message-list").contains("order-42"));
    b.select("#body-format", "json");
    assert!(b.text("#body-view").contains("\"order\": 42"));
    b.select("#body-format", "hex");
    assert!(b.text("#body-view").starts_with("7b 22 6f"));
    assert!(b
        .eval("location.hash")
        .as_str()
        .unwrap()
        .contains("key=order-42"));
    b.screenshot(&shots.join("messages.png"));
    // By topic and time range (a shareable URL): every message so far, the newest included.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    b.goto(&format!(
        "{}/#/messages?topic=ConsoleTopic&begin={}&end={}&page=0",
        console.url,
        now - 600_000,
        now + 60_000
    ));
    b.wait_for("document.querySelector('#message-list')", "the time range");
    assert_eq!(
        b.eval("document.querySelectorAll('#message-list .message-row').length"),
        json!(2)
    );
    assert!(b.text("#message-list").contains("order-42"));

    // Consumer group: offsets at the end (CLI), reset to earliest previewed and applied in
    // the UI.
    for i in 0..6 {
        rmq(&["message", "send", "-t", "ConsoleTopic"])
            .arg(format!("m{i}"))
            .namesrv(ns)
            .ok();
    }
    rmq(&[
        "group",
        "create",
        "-g",
        "console-group",
        "-c",
        "DefaultCluster",
    ])
    .namesrv(ns)
    .ok();
    rmq(&[
        "offset",
        "reset",
        "-g",
        "console-group",
        "-t",
        "ConsoleTopic",
        "--to",
        "latest",
        "--force",
        "true",
        "--yes",
        "--rollback-file",
        &temp.path().join("rollback.json").display().to_string(),
    ])
    .namesrv(ns)
    .ok();
    let before = committed(ns, "console-group", "ConsoleTopic");
    assert!(
        before.iter().map(|(_, o)| o).sum::<i64>() == 8,
        "{before:?}"
    );
    b.goto(&format!("{}/#/groups/console-group", console.url));
    b.wait_for("document.querySelector('#reset-preview')", "the group page");
    assert_eq!(b.text("#group-lag"), "0");
    b.select("#reset-topic", "ConsoleTopic");
    b.select("#reset-to", "earliest");
    b.click("#reset-preview");
    b.wait_for(
        "document.querySelector('#reset-plan-table')",
        "the reset preview",
    );
    let plan = b.text("#reset-plan-table");
    assert!(plan.contains("→"), "{plan}");
    // Nothing moved yet.
    assert_eq!(committed(ns, "console-group", "ConsoleTopic"), before);
    b.screenshot(&shots.join("group-reset-preview.png"));
    b.click("#reset-apply");
    b.wait_for("!document.getElementById('dialog').hidden", "the confirm");
    b.click("#dialog-ok");
    b.wait_for("document.querySelector('#reset-applied')", "the reset");
    let after = committed(ns, "console-group", "ConsoleTopic");
    assert!(after.iter().all(|(_, o)| *o == 0), "{after:?}");
    b.goto(&format!("{}/#/groups", console.url));
    b.type_into("#group-search", "console-group");
    b.wait_for(
        "document.querySelector('#group-list a[href=\"#/groups/console-group\"]')",
        "the group in the list",
    );
    // Lag: everything again after the reset to earliest.
    let row = b.text("#group-list tbody tr");
    assert!(row.contains("\t8\t"), "{row:?}");
    b.screenshot(&shots.join("groups.png"));

    // DLQ: a dead letter resent from the UI to a topic of the operator's choice.
    rmq(&[
        "topic",
        "create",
        "-t",
        "%DLQ%console-group",
        "-c",
        "DefaultCluster",
        "-r",
        "1",
        "-w",
        "1",
    ])
    .namesrv(ns)
    .ok();
    rmq(&[
        "message",
        "send",
        "-t",
        "%DLQ%console-group",
        "-k",
        "dead-1",
        "dead body",
    ])
    .namesrv(ns)
    .ok();
    b.goto(&format!("{}/#/dlq/console-group", console.url));
    b.wait_for(
        "document.querySelector('.dlq-pick')",
        "the dead letter listed",
    );
    b.click(".dlq-pick");
    b.type_into("#resend-to", "ConsoleTopic");
    b.click("#resend-selected");
    b.wait_for("!document.getElementById('dialog').hidden", "the confirm");
    b.screenshot(&shots.join("dlq.png"));
    b.click("#dialog-ok");
    b.wait_for("document.querySelector('#resent')", "the resend");
    assert!(b.text("#resent").starts_with("1 message"));
    let back = rmq(&[
        "message",
        "get",
        "--key",
        "dead-1",
        "-t",
        "ConsoleTopic",
        "-o",
        "json",
    ])
    .namesrv(ns)
    .run_until_ok(Duration::from_secs(10));
    assert!(back.stdout.contains("dead body"), "{}", back.stdout);

    // Delete with confirmation: cancel keeps it, confirm removes it.
    b.goto(&format!("{}/#/topics/ConsoleTopic", console.url));
    b.click("#delete-topic");
    b.wait_for("!document.getElementById('dialog').hidden", "the confirm");
    b.click("#dialog-cancel");
    b.click("#delete-topic");
    b.wait_for("!document.getElementById('dialog').hidden", "the confirm");
    b.click("#dialog-ok");
    b.wait_for("location.hash === '#/topics'", "back to the topic list");
    let listed = cli(ns, &["topic", "list", "-o", "json"]);
    assert!(
        !listed["topics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["topic"] == "ConsoleTopic"),
        "{listed}"
    );
    drop(b);
    drop(console);
}

#[test]
fn read_only_hides_buttons_and_refuses_changes() {
    let temp = temp_dir("console-ro");
    let dev = start_dev(&temp.path().join("store"));
    let console = start_console(&dev.namesrv, &["--read-only"]);
    let post = |path: &str, body: &str| {
        let out = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
            .args(["-H", "content-type: application/json", "-d", body])
            .arg(format!("{}{path}", console.url))
            .output()
            .expect("curl runs");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert_eq!(post("/api/topics", r#"{"topic":"Nope"}"#), "403");
    assert_eq!(post("/api/topics/Nope/send", r#"{"body":"x"}"#), "403");
    assert_eq!(post("/api/dlq/g/resend", r#"{"all":true}"#), "403");
    assert_eq!(
        post(
            "/api/groups/g/reset",
            r#"{"topic":"TBW102","to":"earliest"}"#
        ),
        "403"
    );
    if chromium_available() {
        let mut b = Browser::launch();
        b.goto(&format!("{}/#/topics", console.url));
        b.wait_for("document.body.classList.contains('read-only')", "read-only");
        b.wait_for("document.querySelector('#topic-list')", "the topic list");
        // Hidden: the button takes no room on the page.
        assert_eq!(
            b.eval("document.querySelector('#create-topic').getClientRects().length"),
            json!(0)
        );
        b.screenshot(&temp.path().join("read-only-topics.png"));
    }
    drop(console.process);
}

#[test]
fn a_network_address_needs_allow_remote() {
    let refused = rmq(&["console", "--listen", "0.0.0.0:0", "-n", "127.0.0.1:1"]).run();
    assert_eq!(refused.code(), Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--allow-remote"),
        "{}",
        refused.stderr
    );

    let temp = temp_dir("console-remote");
    let stderr_path = temp.path().join("stderr");
    let mut cmd = Command::new(RMQ);
    cmd.args([
        "console",
        "--listen",
        "0.0.0.0:0",
        "--allow-remote",
        "-n",
        "127.0.0.1:1",
    ])
    .stderr(std::fs::File::create(&stderr_path).unwrap());
    let mut process = Spawned::spawn(&mut cmd);
    assert!(process
        .wait_line(Duration::from_secs(20), |l| l.starts_with("rmq console:"))
        .is_some());
    process.kill();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(stderr.contains("warning:"), "{stderr}");
    assert!(stderr.contains("no authentication"), "{stderr}");
}

/// The console against the Apache RocketMQ 4.9.7 name server and broker: the same topics,
/// groups and lag as the CLI reports, the broker in the overview with its version, and the
/// group page in the browser.
#[test]
fn the_java_broker_shows_the_same_topics_groups_and_lag() {
    let Some(lib) = common::java_broker_lib() else {
        return;
    };
    use common::java_cluster::{JavaBroker, JavaNamesrv};
    let dir = temp_dir("console-java");
    let namesrv = JavaNamesrv::start(&lib, &dir.path().join("namesrv"));
    let broker = JavaBroker::start(
        &lib,
        &dir.path().join("broker"),
        &dir.path().join("store"),
        &namesrv.addr,
    );
    let ns = namesrv.addr.as_str();
    let create = [
        "topic",
        "create",
        "-t",
        "JavaTopic",
        "-c",
        "DefaultCluster",
        "-r",
        "2",
        "-w",
        "2",
    ];
    rmq(&create).namesrv(ns).ok();
    rmq(&[
        "group",
        "create",
        "-g",
        "java-group",
        "-c",
        "DefaultCluster",
    ])
    .namesrv(ns)
    .ok();
    rmq(&["message", "send", "-t", "JavaTopic", "--count", "5", "m"])
        .namesrv(ns)
        .ok();
    rmq(&[
        "offset",
        "reset",
        "-g",
        "java-group",
        "-t",
        "JavaTopic",
        "--to",
        "earliest",
        "--force",
        "true",
        "--yes",
        "--rollback-file",
        &dir.path().join("rollback.json").display().to_string(),
    ])
    .namesrv(ns)
    .ok();
    let console = start_console(ns, &[]);
    let get = |path: &str| -> Value {
        let out = Command::new("curl")
            .args(["-s", "--max-time", "30"])
            .arg(format!("{}{path}", console.url))
            .output()
            .expect("curl runs");
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{path}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
    };

    // A Java broker answers GET_BROKER_RUNTIME_INFO with a NoSuchElementException until its
    // first stats sample (LinkedList.getLast in its TPS figures): wait for a full answer.
    let deadline = Instant::now() + Duration::from_secs(40);
    let overview = loop {
        let overview = get("/api/overview");
        if !overview["brokers"][0]["version"].is_null() || Instant::now() > deadline {
            break overview;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let b0 = &overview["brokers"][0];
    assert_eq!(b0["brokerName"], "broker-a", "{overview}");
    assert_eq!(b0["version"], "V4_9_7", "{overview}");
    assert_eq!(b0["role"], "ASYNC_MASTER", "{overview}");

    let names = |v: &Value| -> BTreeSet<String> {
        v["topics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["topic"].as_str().unwrap().to_string())
            .collect()
    };
    let cli_topics = cli(ns, &["topic", "list", "-o", "json"]);
    assert_eq!(names(&get("/api/topics")), names(&cli_topics));

    let cli_groups = cli(ns, &["group", "list", "-o", "json"]);
    let console_groups = get("/api/groups");
    let group_names = |v: &Value| -> BTreeSet<String> {
        v["groups"]
            .as_array()
            .unwrap_or_else(|| panic!("no groups: {v}"))
            .iter()
            .filter(|g| g["system"] != json!(true))
            .map(|g| g["groupName"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(group_names(&console_groups), group_names(&cli_groups));

    let described = cli(ns, &["group", "describe", "-g", "java-group", "-o", "json"]);
    let group = get("/api/groups/java-group");
    assert_eq!(group["lag"], json!(5), "{group}");
    let progress = |v: &Value| -> BTreeSet<String> {
        v["queues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| {
                format!(
                    "{}/{}/{}: {} {} {}",
                    q["topic"],
                    q["brokerName"],
                    q["queueId"],
                    q["brokerOffset"],
                    q["consumerOffset"],
                    q["lag"]
                )
            })
            .collect()
    };
    assert_eq!(progress(&group), progress(&described));

    if chromium_available() {
        let mut b = Browser::launch();
        b.goto(&format!("{}/#/groups/java-group", console.url));
        b.wait_for("document.querySelector('#progress')", "the group page");
        assert_eq!(b.text("#group-lag"), "5");
        b.screenshot(&shots_dir(dir.path()).join("java-group.png"));
    }
    drop(console);
    drop(broker);
    drop(namesrv);
}
