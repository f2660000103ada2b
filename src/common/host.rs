//! Facts about the machine the process runs on: physical memory and file system capacity.

use std::path::Path;

/// Total physical memory in bytes (`MemTotal` of `/proc/meminfo`); 8 GiB where it cannot be
/// read, the figure Java's defaults assume.
pub fn total_memory_bytes() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<u64>()
                .ok()
        })
        .map_or(8 << 30, |kb| kb * 1024)
}

/// Capacity of the file system holding a path, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FsCapacity {
    pub total: u64,
    /// Free blocks, including those reserved for root.
    pub free: u64,
    /// Blocks an unprivileged process may use (Java's `File.getUsableSpace`).
    pub available: u64,
}

impl FsCapacity {
    /// Used fraction of the file system (0.0..=1.0), as the store's disk guard computes it.
    pub fn used_ratio(&self) -> Option<f64> {
        (self.total > 0).then(|| (self.total - self.free) as f64 / self.total as f64)
    }
}

/// The capacity of the file system holding `path` (`statvfs`), or `None` if it cannot be read.
pub fn fs_capacity(path: &Path) -> Option<FsCapacity> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs writes into the provided struct only; `c` is NUL-terminated.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    let frsize = st.f_frsize as u64;
    Some(FsCapacity {
        total: st.f_blocks as u64 * frsize,
        free: st.f_bfree as u64 * frsize,
        available: st.f_bavail as u64 * frsize,
    })
}

/// Used fraction of the file system holding `path`.
pub fn disk_usage(path: &Path) -> Option<f64> {
    fs_capacity(path)?.used_ratio()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_machine() {
        assert!(total_memory_bytes() > 0);
        let cap = fs_capacity(Path::new("/")).unwrap();
        assert!(cap.total >= cap.free && cap.free >= cap.available);
        let used = disk_usage(Path::new("/")).unwrap();
        assert!((0.0..=1.0).contains(&used));
        assert!(fs_capacity(Path::new("/no/such/dir")).is_none());
    }
}
