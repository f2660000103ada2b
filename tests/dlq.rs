//! Retry to DLQ and back, end to end with the Java 4.9.8 client: a push consumer answering
//! RECONSUME_LATER gets its message again at the delay of level 3 + n (n = redeliveries so
//! far) of the broker's `messageDelayLevel`; after `maxReconsumeTimes` redeliveries the message
//! is in `%DLQ%group`, where `rmq dlq list` shows it; `rmq dlq resend` puts it back in its
//! topic once (a re-run sends nothing), and the consumer gets it again with its body, tags,
//! keys and user properties. The same scenario runs on rmq and on the Java 4.9.7 broker, and
//! what `rmq dlq list` shows of both DLQs is compared, so a difference is rmq's.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use common::java_cluster::{JavaBroker, JavaNamesrv};
use common::{rmq, run_bounded, temp_dir, Cluster, Output};
use serde_json::Value;

/// Short delay levels so the test stays short; each level differs from its neighbours, so a
/// delay tells which level was used: level 3 is 4 s, level 4 is 8 s.
const DELAY_LEVELS: &str = "messageDelayLevel=1s 2s 4s 8s 16s 32s";
/// The delays of levels 1..=6 above, in ms.
const LEVEL_MS: [i64; 6] = [1000, 2000, 4000, 8000, 16000, 32000];
/// The consumer's maxReconsumeTimes: deliveries 0, 1, 2, then the DLQ.
const MAX_RECONSUME: i64 = 2;

const TOPIC: &str = "DlqT";
const GROUP: &str = "gDlq";

fn rmq_at(ns: &str, args: &[&str]) -> Output {
    rmq(args).namesrv(ns).run()
}

fn lines_with(out: &str, prefix: &str) -> Vec<Value> {
    out.lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What `rmq dlq list` showed and what went back, on one broker.
struct Seen {
    /// The DLQ message as `rmq dlq list -o json` shows it.
    listed: Value,
}

/// The whole scenario against name server `ns`; `work` for files.
fn retry_to_dlq_and_back(lib: &Path, ns: &str, work: &Path, side: &str) -> Seen {
    // An absent DLQ is no error.
    let none = rmq_at(ns, &["dlq", "list", "-g", GROUP, "-o", "json"]);
    assert_eq!(none.json()["exists"], false, "{side}: {}", none.stdout);
    let none = rmq_at(ns, &["dlq", "list", "-g", GROUP]);
    assert!(
        none.ok().contains("does not exist"),
        "{side}: {}",
        none.stdout
    );

    // One message (number 0 of ClientProbe: keys, three user properties, a body over 4 KiB that
    // travels compressed), then a consumer failing every delivery.
    let mut probe = common::java_program(lib, "ClientProbe");
    probe
        .args(["send", ns, TOPIC, "1", "TagD", "sync", "--"])
        .args(["dlq", ns, TOPIC, GROUP, &MAX_RECONSUME.to_string()])
        .args([&(MAX_RECONSUME + 1).to_string(), "60"])
        .current_dir(work);
    let run = run_bounded(&mut probe, None, Duration::from_secs(120));
    let out = run.stdout_text();
    let transcript = format!("{out}\n--- stderr:\n{}", run.stderr_text());
    let sent = lines_with(&out, "SEND ");
    assert_eq!(sent.len(), 1, "{side}: one message sent:\n{transcript}");
    let sent = &sent[0];
    let deliveries = lines_with(&out, "DELIVERY ");
    assert_eq!(
        deliveries.len() as i64,
        MAX_RECONSUME + 1,
        "{side}: the first delivery and {MAX_RECONSUME} redeliveries:\n{transcript}"
    );
    for (n, d) in deliveries.iter().enumerate() {
        assert_eq!(d["reconsumeTimes"], n as i64, "{side}: delivery {n}: {d}");
        assert_eq!(d["topic"], TOPIC, "{side}: delivery {n}: {d}");
        assert_eq!(d["uniqKey"], sent["uniqKey"], "{side}: delivery {n}: {d}");
    }
    // Redelivery n+1 comes after the delay of level 3 + n: each level differs from the next
    // by a factor of two, so the ranges below tell the levels apart.
    for n in 0..MAX_RECONSUME as usize {
        let gap = deliveries[n + 1]["at"].as_i64().unwrap() - deliveries[n]["at"].as_i64().unwrap();
        let level = 3 + n;
        let want = LEVEL_MS[level - 1];
        assert!(
            gap >= want - 300 && gap < want + want / 2,
            "{side}: redelivery {} came {gap} ms after delivery {n}; level {level} is {want} ms\n\
             {transcript}",
            n + 1
        );
    }

    // The last send-back put it in the DLQ.
    let mut listing = Value::Null;
    common::wait_until(
        &format!("{side}: the message in %DLQ%{GROUP}"),
        Duration::from_secs(20),
        || {
            listing = rmq_at(ns, &["dlq", "list", "-g", GROUP, "-o", "json"]).json();
            listing["messages"]
                .as_array()
                .is_some_and(|m| !m.is_empty())
        },
    );
    assert_eq!(listing["topic"], format!("%DLQ%{GROUP}"));
    assert_eq!(listing["exists"], true);
    let messages = listing["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{side}: {listing:#}");
    let m = &messages[0];
    assert_eq!(m["originTopic"], TOPIC, "{side}: {m:#}");
    assert_eq!(m["uniqKey"], sent["uniqKey"], "{side}: {m:#}");
    assert_eq!(m["originMessageId"], sent["offsetMsgId"], "{side}: {m:#}");
    assert_eq!(m["reconsumeTimes"], MAX_RECONSUME + 1, "{side}: {m:#}");
    assert_eq!(m["keys"], sent["keys"], "{side}: {m:#}");
    assert_eq!(m["tags"], "TagD", "{side}: {m:#}");
    assert_eq!(m["compressed"], true, "{side}: {m:#}");
    assert!(m["bodySize"].as_u64().unwrap() > 0, "{side}: {m:#}");
    let dlq_id = m["msgId"].as_str().unwrap().to_string();
    let table = rmq_at(ns, &["dlq", "list", "-g", GROUP]);
    assert!(
        table.ok().contains(&dlq_id) && table.stdout.contains("1 message(s)"),
        "{side}: {}",
        table.stdout
    );

    // Dry run: the plan, nothing sent, no record.
    let record = work.join("resent.jsonl");
    let record_arg = record.to_str().unwrap();
    let resend = |extra: &[&str]| {
        let mut args = vec!["dlq", "resend", "-g", GROUP, "--record", record_arg];
        args.extend_from_slice(extra);
        rmq_at(ns, &args)
    };
    let plan = resend(&["--all", "--dry-run", "-o", "json"]).json();
    assert_eq!(plan["planned"][0]["dlqMsgId"], dlq_id, "{side}: {plan:#}");
    assert_eq!(plan["planned"][0]["topic"], TOPIC, "{side}: {plan:#}");
    assert_eq!(plan["sent"], serde_json::json!([]), "{side}: {plan:#}");
    assert!(!record.exists(), "{side}: a dry run writes no record");
    // No terminal and no --yes: refused.
    let refused = resend(&["--id", &dlq_id]);
    assert_eq!(refused.code(), Some(1), "{side}: {}", refused.stderr);
    assert!(
        refused.stderr.contains("--yes"),
        "{side}: {}",
        refused.stderr
    );
    assert!(!record.exists());
    // An id the DLQ does not hold: an error before anything is sent.
    let unknown = resend(&["--id", "0A0000010000000000000000DEADBEEF", "--yes"]);
    assert_eq!(unknown.code(), Some(1), "{side}: {}", unknown.stderr);
    assert!(!record.exists());

    let done = resend(&["--id", &dlq_id, "--yes", "-o", "json"]).json();
    let sent_back = done["sent"].as_array().unwrap();
    assert_eq!(sent_back.len(), 1, "{side}: {done:#}");
    assert_eq!(sent_back[0]["dlqMsgId"], dlq_id);
    assert_eq!(sent_back[0]["topic"], TOPIC);
    let new_id = sent_back[0]["msgId"].as_str().unwrap().to_string();
    assert_ne!(
        Value::from(new_id.clone()),
        sent["uniqKey"],
        "a new client id"
    );
    let recorded = std::fs::read_to_string(&record).unwrap();
    assert_eq!(recorded.lines().count(), 1, "{side}: {recorded}");
    assert!(recorded.contains(&dlq_id) && recorded.contains(&new_id));
    // Once: a re-run (by id or --all) sends nothing.
    for which in [vec!["--id", dlq_id.as_str()], vec!["--all"]] {
        let mut args = which.clone();
        args.extend(["--yes", "-o", "json"]);
        let again = resend(&args).json();
        assert_eq!(again["sent"], serde_json::json!([]), "{side}: {again:#}");
        assert_eq!(again["skipped"][0], dlq_id, "{side}: {again:#}");
    }
    assert_eq!(std::fs::read_to_string(&record).unwrap(), recorded);

    // The group gets it again, as it was sent.
    let mut probe = common::java_program(lib, "ClientProbe");
    probe
        .args(["consume", ns, TOPIC, GROUP, "*", "1", "40"])
        .current_dir(work);
    let run = run_bounded(&mut probe, None, Duration::from_secs(90));
    let out = run.stdout_text();
    let transcript = format!("{out}\n--- stderr:\n{}", run.stderr_text());
    let received = lines_with(&out, "RECV ");
    let again = received
        .iter()
        .find(|r| r["uniqKey"] == new_id.as_str())
        .unwrap_or_else(|| panic!("{side}: the re-sent message never arrived:\n{transcript}"));
    for field in ["topic", "tags", "keys", "body", "props"] {
        assert_eq!(again[field], sent[field], "{side}: {field}");
    }
    assert_eq!(again["reconsumeTimes"], 0, "{side}: {again:#}");
    let props = again["allProps"].as_object().unwrap();
    for hop in ["RETRY_TOPIC", "ORIGIN_MESSAGE_ID", "REAL_TOPIC", "REAL_QID"] {
        assert!(!props.contains_key(hop), "{side}: {hop} left in {props:?}");
    }
    Seen { listed: m.clone() }
}

/// The property names of a DLQ message and the values that do not depend on addresses, ids or
/// times.
fn comparable(listed: &Value) -> BTreeMap<String, String> {
    const STABLE: [&str; 7] = [
        "RETRY_TOPIC",
        "REAL_TOPIC",
        "REAL_QID",
        "DELAY",
        "WAIT",
        "TAGS",
        "KEYS",
    ];
    let mut out: BTreeMap<String, String> = listed["properties"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let v = if STABLE.contains(&k.as_str()) {
                v.as_str().unwrap_or_default().to_string()
            } else {
                "*".into()
            };
            (k.clone(), v)
        })
        .collect();
    for field in [
        "reconsumeTimes",
        "originTopic",
        "tags",
        "keys",
        "compressed",
    ] {
        out.insert(format!("field {field}"), listed[field].to_string());
    }
    out
}

#[test]
fn retried_to_the_dlq_listed_and_resent_once_on_rmq_and_on_the_java_broker() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let cluster = Cluster::builder("dlq").broker_props(DELAY_LEVELS).start();
    let work = temp_dir("dlq-rmq");
    let ours = retry_to_dlq_and_back(&lib, &cluster.ns(), work.path(), "rmq");
    drop(cluster);

    let Some(broker_lib) = common::java_broker_lib() else {
        return;
    };
    let dir = temp_dir("dlq-java");
    let namesrv = JavaNamesrv::start(&broker_lib, &dir.path().join("namesrv"));
    let broker = JavaBroker::start_with(
        &broker_lib,
        &dir.path().join("broker"),
        &dir.path().join("store"),
        &namesrv.addr,
        DELAY_LEVELS,
    );
    let java = retry_to_dlq_and_back(&lib, &namesrv.addr, dir.path(), "java");
    drop(broker);
    drop(namesrv);
    assert_eq!(
        comparable(&ours.listed),
        comparable(&java.listed),
        "the DLQ message on rmq and on the Java broker"
    );
}

#[test]
fn resend_usage_and_empty_dlq() {
    let cluster = Cluster::start("dlq-usage");
    // Neither --id nor --all: a usage error.
    let usage = cluster.rmq(&["dlq", "resend", "-g", "g1"]);
    assert_eq!(usage.code(), Some(2), "{}", usage.stderr);
    // A group with no DLQ: nothing to do, exit 0.
    let record = temp_dir("dlq-usage-record");
    let record = record.path().join("r.jsonl");
    let out = cluster.rmq(&[
        "dlq",
        "resend",
        "-g",
        "g1",
        "--all",
        "--record",
        record.to_str().unwrap(),
    ]);
    assert!(out.ok().contains("does not exist"), "{}", out.stdout);
    assert!(!record.exists());
    // A write-only DLQ (as brokers before 4.9.2 create them): an error that says what to do.
    cluster
        .cli(&[
            "topic",
            "create",
            "-t",
            "%DLQ%g3",
            "-c",
            "DefaultCluster",
            "-p",
            "2",
        ])
        .ok();
    let out = cluster.rmq(&["dlq", "list", "-g", "g3"]);
    assert_eq!(out.code(), Some(1), "{}", out.stdout);
    assert!(out.stderr.contains("--perm 6"), "{}", out.stderr);
}

/// A DLQ on two brokers is read whole; messages without an origin (no RETRY_TOPIC: sent to the
/// DLQ topic directly) need --to-topic; a target topic that does not exist is an error, not a
/// new topic, and what failed is not recorded.
#[test]
fn a_dlq_on_two_brokers_and_resend_to_another_topic() {
    let cluster = Cluster::builder("dlq-two")
        .brokers(&["broker-a", "broker-b"])
        .wait_registered()
        .start();
    for topic in ["%DLQ%g2", "Back"] {
        cluster
            .cli(&[
                "topic",
                "create",
                "-t",
                topic,
                "-c",
                "DefaultCluster",
                "-w",
                "1",
                "-r",
                "1",
            ])
            .ok();
    }
    for b in ["broker-a", "broker-b"] {
        cluster
            .cli(&[
                "message", "send", "-t", "%DLQ%g2", "-b", b, "--tags", "T", "-k", b,
            ])
            .arg(format!("body from {b}"))
            .args(["--property", "color=blue", "--count", "2"])
            .ok();
    }
    let listing = cluster.json(&["dlq", "list", "-g", "g2", "-o", "json"]);
    let messages = listing["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4, "{listing:#}");
    let brokers: std::collections::BTreeSet<&str> = messages
        .iter()
        .map(|m| m["brokerName"].as_str().unwrap())
        .collect();
    assert_eq!(brokers.len(), 2, "{listing:#}");
    assert!(messages.iter().all(|m| m["originTopic"].is_null()));
    let limited = cluster.json(&["dlq", "list", "-g", "g2", "--limit", "3", "-o", "json"]);
    assert_eq!(limited["messages"].as_array().unwrap().len(), 3);

    let dir = temp_dir("dlq-two-record");
    let record = dir.path().join("r.jsonl");
    let record = record.to_str().unwrap();
    let resend = |extra: &[&str]| {
        let mut args = vec!["dlq", "resend", "-g", "g2", "--record", record, "--yes"];
        args.extend_from_slice(extra);
        cluster.rmq(&args)
    };
    let no_origin = resend(&["--all"]);
    assert_eq!(no_origin.code(), Some(1));
    assert!(
        no_origin.stderr.contains("--to-topic"),
        "{}",
        no_origin.stderr
    );
    let missing = resend(&["--all", "--to-topic", "NoSuchTopic", "-o", "json"]);
    assert_eq!(missing.code(), Some(1), "{}", missing.stderr);
    assert_eq!(missing.parse_json()["failed"].as_array().unwrap().len(), 4);
    assert!(!Path::new(record).exists() || std::fs::read_to_string(record).unwrap().is_empty());

    let done = resend(&["--all", "--to-topic", "Back", "-o", "json"]).json();
    assert_eq!(done["sent"].as_array().unwrap().len(), 4, "{done:#}");
    let back = cluster.json(&[
        "message", "consume", "-t", "Back", "--from", "earliest", "-o", "json",
    ]);
    let back = back.as_array().unwrap();
    assert_eq!(back.len(), 4);
    for m in back {
        assert_eq!(m["properties"]["color"], "blue", "{m:#}");
        assert_eq!(m["properties"]["TAGS"], "T", "{m:#}");
        assert!(m["body"].as_str().unwrap().starts_with("body from broker-"));
    }
}
