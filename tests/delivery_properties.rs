//! The properties a Java 4.9.8 consumer sees on messages that took a detour through the
//! broker — a delayed message, and a message redelivered through the group's retry topic after
//! RECONSUME_LATER — are the same on rmq as on the Java 4.9.7 broker: the same property names,
//! and the same DELAY, WAIT, RETRY_TOPIC and REAL_TOPIC values; ORIGIN_MESSAGE_ID is the
//! original's offset message id on both.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use common::java_cluster::{JavaBroker, JavaNamesrv};
use common::{run_bounded, temp_dir, Cluster};
use serde_json::Value;

/// What the consumers saw through one broker.
struct Seen {
    /// All properties of the delayed message as delivered.
    delayed: BTreeMap<String, String>,
    /// First delivery (its offset message id) and the redelivery of the retried message.
    first_offset_msg_id: String,
    redelivered: BTreeMap<String, String>,
}

fn props(v: &Value) -> BTreeMap<String, String> {
    v["allProps"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect()
}

/// Sends one plain and one delayed (level 1) message with the Java client, consumes the
/// delayed one, and has a push consumer ask for the plain one again (RECONSUME_LATER once).
fn run_scenario(lib: &Path, namesrv: &str, work: &Path) -> Seen {
    let mut probe = common::java_program(lib, "ClientProbe");
    probe
        .args(["produce", namesrv, "RetryT", "1", "TagR", "--"])
        .args(["delayed", namesrv, "DelayT", "1", "1", "--"])
        .args(["consume", namesrv, "DelayT", "gDelay", "*", "1", "30", "--"])
        .args(["retry", namesrv, "RetryT", "gRetry", "1", "60"])
        .current_dir(work);
    let run = run_bounded(&mut probe, None, Duration::from_secs(180));
    let out = run.stdout_text();
    let transcript = format!("{out}\n--- stderr:\n{}", run.stderr_text());
    let received: Vec<Value> = out
        .lines()
        .filter_map(|l| l.strip_prefix("RECV "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let delayed = received
        .iter()
        .find(|r| r["topic"] == "DelayT" || r["props"]["mode"] == "delayed")
        .unwrap_or_else(|| panic!("the delayed message never arrived:\n{transcript}"));
    let first = received
        .iter()
        .find(|r| r["topic"] == "RetryT" && r["reconsumeTimes"] == 0)
        .unwrap_or_else(|| panic!("no first delivery:\n{transcript}"));
    let again = received
        .iter()
        .find(|r| r["topic"] == "RetryT" && r["reconsumeTimes"] == 1)
        .unwrap_or_else(|| panic!("no redelivery:\n{transcript}"));
    Seen {
        delayed: props(delayed),
        first_offset_msg_id: first["offsetMsgId"].as_str().unwrap().to_string(),
        redelivered: props(again),
    }
}

/// Property names and the values that do not depend on the broker's address or timing.
fn comparable(props: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    const STABLE: [&str; 6] = ["DELAY", "WAIT", "RETRY_TOPIC", "REAL_TOPIC", "TAGS", "KEYS"];
    props
        .iter()
        .map(|(k, v)| {
            let v = if STABLE.contains(&k.as_str()) {
                v.clone()
            } else {
                "*".into()
            };
            (k.clone(), v)
        })
        .collect()
}

#[test]
fn delayed_and_retried_messages_carry_the_java_brokers_properties() {
    let Some(lib) = common::java_lib() else {
        return;
    };
    let Some(broker_lib) = common::java_broker_lib() else {
        return;
    };

    let cluster = Cluster::start("delivery-props");
    let work = temp_dir("delivery-props-rmq");
    let ours = run_scenario(&lib, &cluster.ns(), work.path());
    drop(cluster);

    let dir = temp_dir("delivery-props-java");
    let namesrv = JavaNamesrv::start(&broker_lib, &dir.path().join("namesrv"));
    let broker = JavaBroker::start(
        &broker_lib,
        &dir.path().join("broker"),
        &dir.path().join("store"),
        &namesrv.addr,
    );
    let java = run_scenario(&lib, &namesrv.addr, dir.path());
    drop(broker);
    drop(namesrv);

    assert_eq!(
        comparable(&ours.delayed),
        comparable(&java.delayed),
        "delayed message"
    );
    assert_eq!(
        comparable(&ours.redelivered),
        comparable(&java.redelivered),
        "retried message"
    );
    for (side, seen) in [("rmq", &ours), ("java", &java)] {
        assert_eq!(
            seen.redelivered.get("ORIGIN_MESSAGE_ID"),
            Some(&seen.first_offset_msg_id),
            "{side}: ORIGIN_MESSAGE_ID is the original's offset message id"
        );
    }
}
