//! Fixtures for the inspection tests: temporary directories and small stores written the way
//! the broker lays them out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::common::message::{self, encode_blank, format_properties, MessageToStore};
use crate::store::consume_queue::{CqEntry, CQ_UNIT};
use crate::store::mapped_file::tests::temp_dir;

/// A directory under the system temp dir, removed on drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    /// A fresh, empty `rmq-inspect-<name>-…` directory.
    pub(crate) fn new(name: &str) -> TempDir {
        TempDir(temp_dir(&format!("inspect-{name}")))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// [`sample`](message::tests::sample) of `topic`/`queue_id`, born at 10.0.0.1:4000.
pub(crate) fn msg<'a>(
    topic: &'a str,
    queue_id: i32,
    body: &'a [u8],
    props: &'a str,
) -> MessageToStore<'a> {
    MessageToStore {
        topic,
        queue_id,
        born_timestamp: 1_700_000_000_000,
        born_host: "10.0.0.1:4000".parse().unwrap(),
        ..message::tests::sample(body, props)
    }
}

/// Writes a store of `count` messages (topics A and B, two queues each) the way the broker
/// lays it out, with CommitLog files of `cl_size` bytes and ConsumeQueue files of 5 entries.
pub(crate) fn write_store(root: &Path, count: usize, cl_size: usize) -> Vec<(i64, usize)> {
    let cl_dir = root.join("commitlog");
    std::fs::create_dir_all(&cl_dir).unwrap();
    let mut files: Vec<Vec<u8>> = vec![vec![0; cl_size]];
    let mut pos = 0usize;
    let mut queue_offsets: HashMap<(String, i32), i64> = HashMap::new();
    let mut cq: HashMap<(String, i32), Vec<u8>> = HashMap::new();
    let mut written = Vec::new();
    for i in 0..count {
        let topic = if i.is_multiple_of(3) { "B" } else { "A" };
        let queue_id = (i % 2) as i32;
        let body = format!("body-{i}");
        let props = format_properties([("TAGS", "T1"), ("KEYS", "k")]);
        let m = msg(topic, queue_id, body.as_bytes(), &props);
        let len = m.encoded_len();
        if pos + len + 8 > cl_size {
            encode_blank(&mut files.last_mut().unwrap()[pos..], cl_size - pos);
            files.push(vec![0; cl_size]);
            pos = 0;
        }
        let phys = ((files.len() - 1) * cl_size + pos) as i64;
        let qoff = queue_offsets.entry((topic.into(), queue_id)).or_default();
        m.encode(
            &mut files.last_mut().unwrap()[pos..pos + len],
            *qoff,
            phys,
            1_700_000_000_000 + i as i64,
        );
        let entry = CqEntry {
            phys_offset: phys,
            size: len as i32,
            tags_code: message::tags_code(Some("T1")),
        };
        cq.entry((topic.into(), queue_id))
            .or_default()
            .extend_from_slice(&entry.encode());
        *qoff += 1;
        pos += len;
        written.push((phys, len));
    }
    for (i, data) in files.iter().enumerate() {
        std::fs::write(
            cl_dir.join(crate::store::mapped_file::file_name((i * cl_size) as i64)),
            data,
        )
        .unwrap();
    }
    for ((topic, q), bytes) in cq {
        let dir = root.join("consumequeue").join(topic).join(q.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        for (n, chunk) in bytes.chunks(5 * CQ_UNIT).enumerate() {
            let mut file = vec![0u8; 5 * CQ_UNIT];
            file[..chunk.len()].copy_from_slice(chunk);
            let name = crate::store::mapped_file::file_name((n * 5 * CQ_UNIT) as i64);
            std::fs::write(dir.join(name), file).unwrap();
        }
    }
    written
}
