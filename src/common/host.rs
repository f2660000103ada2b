//! Facts about the machine the process runs on: the user's home directory (`user.home`), the
//! host name (BrokerConfig.brokerName), a non-loopback IPv4 address (brokerIP1/brokerIP2,
//! `RemotingUtil.getLocalAddress`), the CPU count (thread-pool sizes), physical memory, file
//! system capacity, and the kernel release and CPU model (recorded with benchmark results).
//!
//! Host name, address and CPU count are looked up once per process and cached: they feed
//! `Default` impls that run often, and they do not change under a running broker.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Java's `user.home`: `$HOME`, or the current directory if it is unset or empty.
pub fn user_home() -> PathBuf {
    match std::env::var_os("HOME") {
        Some(home) if !home.is_empty() => PathBuf::from(home),
        _ => PathBuf::from("."),
    }
}

/// The local host name: `/proc/sys/kernel/hostname`, else `$HOSTNAME`, else `localhost`.
pub fn local_host_name() -> String {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let from_proc = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|s| s.trim().to_string());
        let from_env = || std::env::var("HOSTNAME").ok().map(|s| s.trim().to_string());
        from_proc
            .filter(|s| !s.is_empty())
            .or_else(|| from_env().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| "localhost".to_string())
    })
    .clone()
}

/// The IPv4 address of the interface that carries the default route, or 127.0.0.1.
///
/// Connecting a UDP socket sends nothing; it only makes the kernel pick the source address it
/// would use for that destination, which is the "first non-loopback address" Java looks for on
/// any host with a default route. The destination is in TEST-NET-1 (192.0.2.0/24), so no real
/// host is ever named.
pub fn local_ipv4() -> Ipv4Addr {
    static ADDR: OnceLock<Ipv4Addr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let probe = || -> Option<Ipv4Addr> {
            let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
            socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
            match socket.local_addr().ok()? {
                SocketAddr::V4(v4) if !v4.ip().is_loopback() && !v4.ip().is_unspecified() => {
                    Some(*v4.ip())
                }
                _ => None,
            }
        };
        probe().unwrap_or(Ipv4Addr::LOCALHOST)
    })
}

/// Java's `Runtime.availableProcessors()` (at least 1).
pub fn available_processors() -> i32 {
    static CPUS: OnceLock<i32> = OnceLock::new();
    *CPUS.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| i32::try_from(n.get()).unwrap_or(i32::MAX))
            .unwrap_or(1)
    })
}

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

/// The kernel release (`/proc/sys/kernel/osrelease`, what `uname -r` prints), if readable.
pub fn kernel_release() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The CPU's model name (the first `model name` of `/proc/cpuinfo`), if readable.
pub fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("model name"))?;
    let (_, name) = line.split_once(':')?;
    Some(name.trim().to_string()).filter(|s| !s.is_empty())
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

    #[test]
    fn host_facts_are_sane() {
        assert!(!local_host_name().is_empty());
        assert!(!local_ipv4().is_unspecified());
        assert!(available_processors() >= 1);
        assert!(!user_home().as_os_str().is_empty());
    }
}
