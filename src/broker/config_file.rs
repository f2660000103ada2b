//! The broker's config file (`-c`): UPDATE_BROKER_CONFIG rewrites the keys it changed in
//! place, keeping comments, blank lines, other keys and line endings as they were.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::fs::{write_atomically, Backup};
use crate::config::Properties;

/// One `key=value` line that reads back as exactly this key and value: plain when that
/// works (as Java writes broker configs), escaped otherwise.
fn property_line(key: &str, value: &str) -> String {
    let plain = format!("{key}={value}");
    let reads_back =
        Properties::parse(&plain).is_ok_and(|p| p.len() == 1 && p.get(key) == Some(value));
    if reads_back {
        return plain;
    }
    let mut one = Properties::new();
    one.set(key, value);
    one.to_properties_string()
        .trim_end_matches('\n')
        .to_string()
}

/// Rewrites a properties file with `updates` applied: each line (or continued logical line)
/// defining an updated key is replaced by `key=value`, keys the file lacks are appended, and
/// every other line (comments, blank lines, other keys) stays as it was. The new file is
/// written next to the old one and renamed over it, so a crash leaves one or the other.
pub fn rewrite_properties_file(path: &Path, updates: &[(String, String)]) -> std::io::Result<()> {
    let old = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let text = apply_updates(&old, updates);
    write_atomically(path, text.as_bytes(), Backup::Skip).map_err(std::io::Error::other)
}

/// The text of a properties file with `updates` applied (see [`rewrite_properties_file`]).
fn apply_updates(old: &str, updates: &[(String, String)]) -> String {
    let newline = if old.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = old.split_inclusive('\n').collect();
    let wanted: BTreeMap<&str, &str> = updates
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = String::with_capacity(old.len() + 64);
    let mut i = 0;
    while i < lines.len() {
        // A logical line: this physical line plus the ones a trailing odd run of backslashes
        // continues onto (comments never continue).
        let first = lines[i];
        let trimmed = first.trim_start_matches([' ', '\t', '\u{c}']);
        let mut end = i;
        if !(trimmed.starts_with('#') || trimmed.starts_with('!')) {
            while end + 1 < lines.len() && continues(lines[end]) {
                end += 1;
            }
        }
        let logical: String = lines[i..=end].concat();
        let key = Properties::parse(&logical)
            .ok()
            .and_then(|p| p.iter().next().map(|(k, _)| k.to_string()));
        match key.as_deref().and_then(|k| wanted.get_key_value(k)) {
            Some((k, v)) => {
                out.push_str(&property_line(k, v));
                out.push_str(newline);
                seen.insert(*k);
            }
            None => out.push_str(&logical),
        }
        i = end + 1;
    }
    let missing: Vec<&str> = updates
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !seen.contains(k))
        .collect();
    if !missing.is_empty() && !out.is_empty() && !out.ends_with('\n') {
        out.push_str(newline);
    }
    let mut appended = BTreeSet::new();
    for k in missing {
        // A key given twice is written once, with its last value.
        if appended.insert(k) {
            out.push_str(&property_line(k, wanted[k]));
            out.push_str(newline);
        }
    }
    out
}

/// Whether a physical line ends with an odd number of backslashes (Java's continuation).
fn continues(line: &str) -> bool {
    let body = line.trim_end_matches(['\n', '\r']);
    body.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_keep_comments_other_keys_and_continuations() {
        let old = "# broker-a\nbrokerName=broker-a\nflushConsumerOffsetInterval = 5000\n\
                   namesrvAddr=a:9876;\\\n    b:9876\n! other comment\nlistenPort=10911";
        let new = apply_updates(
            old,
            &[
                ("flushConsumerOffsetInterval".into(), "6000".into()),
                ("namesrvAddr".into(), "c:9876".into()),
                ("deleteWhen".into(), "04".into()),
            ],
        );
        assert_eq!(
            new,
            "# broker-a\nbrokerName=broker-a\nflushConsumerOffsetInterval=6000\n\
             namesrvAddr=c:9876\n! other comment\nlistenPort=10911\ndeleteWhen=04\n"
        );
        let p = Properties::parse(&new).unwrap();
        assert_eq!(p.get("namesrvAddr"), Some("c:9876"));
        assert_eq!(p.get("listenPort"), Some("10911"));
        // A value that needs escaping is escaped; CRLF files stay CRLF.
        let crlf = apply_updates("a=1\r\n", &[("b".into(), " x".into())]);
        assert_eq!(crlf, "a=1\r\nb=\\ x\r\n");
        assert_eq!(Properties::parse(&crlf).unwrap().get("b"), Some(" x"));
        assert_eq!(apply_updates("", &[("k".into(), "v".into())]), "k=v\n");
    }

    #[test]
    fn rewrite_is_atomic_and_creates_missing_files() {
        let dir = std::env::temp_dir().join(format!("rmq-admin-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("broker.properties");
        std::fs::write(&path, "brokerName=b\n").unwrap();
        rewrite_properties_file(&path, &[("brokerPermission".into(), "4".into())]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "brokerName=b\nbrokerPermission=4\n"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty());
        let fresh = dir.join("fresh.properties");
        rewrite_properties_file(&fresh, &[("k".into(), "v".into())]).unwrap();
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "k=v\n");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
