//! Comparing the files of two stores (a master's and its slave's): CommitLog and ConsumeQueue
//! files must become byte-identical.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Files of `dir` (relative path → bytes), recursively; files of zeros only are left out
/// (CommitLog files made ahead of need).
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if let Ok(bytes) = std::fs::read(&p) {
                if bytes.iter().any(|&b| b != 0) {
                    let rel = p.strip_prefix(root).unwrap().display().to_string();
                    out.insert(rel, bytes);
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// End of the CommitLog data: the offset after the last non-zero byte of the last file.
pub fn data_end(files: &BTreeMap<String, Vec<u8>>) -> i64 {
    files
        .iter()
        .filter(|(name, _)| !name.contains('/'))
        .map(|(name, bytes)| {
            let base: i64 = name.parse().unwrap();
            base + bytes
                .iter()
                .rposition(|&b| b != 0)
                .map_or(0, |p| p as i64 + 1)
        })
        .max()
        .unwrap_or(0)
}

/// Waits (bounded) until the CommitLog and ConsumeQueue files under store root `slave` equal
/// those under `master`; how long it took, or what still differed.
pub fn wait_identical_dirs(
    master: &Path,
    slave: &Path,
    limit: Duration,
) -> Result<Duration, String> {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < limit {
        let m = files(&master.join("commitlog"));
        let s = files(&slave.join("commitlog"));
        let mcq = files(&master.join("consumequeue"));
        let scq = files(&slave.join("consumequeue"));
        if !m.is_empty() && m == s && mcq == scq {
            return Ok(started.elapsed());
        }
        last = format!(
            "master CommitLog ends at {}, slave at {}; CQ files {} vs {} (equal: {})",
            data_end(&m),
            data_end(&s),
            mcq.len(),
            scq.len(),
            mcq == scq
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(last)
}
