//! Facts about the local host that Java computes for config defaults: the user's home directory
//! (`user.home`), the host name (BrokerConfig.brokerName), a non-loopback IPv4 address
//! (brokerIP1/brokerIP2, `RemotingUtil.getLocalAddress`) and the CPU count (thread-pool sizes).
//!
//! Host name, address and CPU count are looked up once per process and cached: they feed
//! `Default` impls that run often, and they do not change under a running broker.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_facts_are_sane() {
        assert!(!local_host_name().is_empty());
        assert!(!local_ipv4().is_unspecified());
        assert!(available_processors() >= 1);
        assert!(!user_home().as_os_str().is_empty());
    }
}
