//! Message ids as clients see them: making client ids (UNIQ_KEY) the way the Java producer
//! does, reading one back (IP, pid, time), and telling a client id from an offset id (store
//! host + CommitLog offset, see `common::message::offset_msg_id`), which have the same length.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU16, Ordering};

use crate::common::clock::{now_ms, CivilTime};
use crate::common::message::{decode_hex, decode_offset_msg_id, push_hex};

/// Makes client message ids the way the Java producer does (`MessageClientIDSetter`):
/// hex of IP (4 or 16 bytes) + pid (2) + a per-process random value (4, Java: the class
/// loader's hash) + milliseconds since the start of the local month (4) + a counter (2).
pub struct UniqIdGenerator {
    prefix: String,
    counter: AtomicU16,
}

impl UniqIdGenerator {
    /// Ids naming `ip` (the address the producer reaches its brokers from).
    pub fn new(ip: IpAddr) -> UniqIdGenerator {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_i64(now_ms());
        hasher.write_u32(std::process::id());
        let random = hasher.finish();
        let mut raw = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        // Java writes the pid as a short: its low 16 bits.
        raw.extend_from_slice(&(std::process::id() as u16).to_be_bytes());
        raw.extend_from_slice(&(random as u32).to_be_bytes());
        UniqIdGenerator {
            prefix: hex_upper(&raw),
            counter: AtomicU16::new((random >> 32) as u16),
        }
    }

    /// The next id.
    pub fn next_id(&self) -> String {
        let now = now_ms();
        let span = now - month_start(CivilTime::local(now));
        let mut raw = (span as u32).to_be_bytes().to_vec();
        raw.extend_from_slice(&self.counter.fetch_add(1, Ordering::Relaxed).to_be_bytes());
        format!("{}{}", self.prefix, hex_upper(&raw))
    }
}

/// Epoch milliseconds of local midnight on the first day of `t`'s month.
fn month_start(t: CivilTime) -> i64 {
    CivilTime {
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
        ..t
    }
    .local_ms()
}

fn hex_upper(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    out
}

/// Whether `id` has the shape of a message id (either kind): 32 or 56 hexadecimal characters.
pub fn is_message_id(id: &str) -> bool {
    (id.len() == 32 || id.len() == 56) && decode_hex(id).is_some()
}

/// The local address used to reach `addr` (no packet is sent: connecting a UDP socket only
/// picks the route); 127.0.0.1 when that fails.
pub fn local_ip_towards(addr: &str) -> IpAddr {
    let pick = || -> std::io::Result<IpAddr> {
        let socket = std::net::UdpSocket::bind("0.0.0.0:0")?;
        socket.connect(addr)?;
        Ok(socket.local_addr()?.ip())
    };
    pick().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// What a client id says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientIdInfo {
    pub ip: IpAddr,
    pub pid: u16,
    /// The per-process value (Java: class loader hash), hex.
    pub process_hash: String,
    /// Approximate creation time: the id holds ms since a month start, taken as the current
    /// local month (the previous one if that would be in the future), as Java does.
    pub time: i64,
    pub counter: u16,
}

/// Reads a client id (UNIQ_KEY); `None` when `id` does not have the shape of one.
pub fn decode_client_id(id: &str) -> Option<ClientIdInfo> {
    let raw = decode_hex(id)?;
    // Both kinds of id start with the IP, 4 or 16 bytes by the id's length.
    let ip = decode_offset_msg_id(id).ok()?.0.ip();
    let at = if ip.is_ipv4() { 4 } else { 16 };
    let pid = u16::from_be_bytes([raw[at], raw[at + 1]]);
    let process_hash = hex_upper(&raw[at + 2..at + 6]);
    let span = i64::from(u32::from_be_bytes([
        raw[at + 6],
        raw[at + 7],
        raw[at + 8],
        raw[at + 9],
    ]));
    let counter = u16::from_be_bytes([raw[at + 10], raw[at + 11]]);
    let now = now_ms();
    let local = CivilTime::local(now);
    let mut start = month_start(local);
    // Java uses >=, which puts an id made in this very millisecond a month back.
    if start + span > now {
        let (year, month) = if local.month == 1 {
            (local.year - 1, 12)
        } else {
            (local.year, local.month - 1)
        };
        start = month_start(CivilTime {
            year,
            month,
            ..local
        });
    }
    Some(ClientIdInfo {
        ip,
        pid,
        process_hash,
        time: start + span,
        counter,
    })
}

/// Whether an id reads well as an offset id: the port's high 16 bits and the CommitLog
/// offset's top 16 bits are zero. A client id has its pid and process hash there, so a client
/// id passes only by a 1-in-2^32 accident.
pub fn plausible_offset_id(id: &str) -> Option<(SocketAddr, i64)> {
    let raw = decode_hex(id)?;
    let ip_len = match raw.len() {
        16 => 4,
        28 => 16,
        _ => return None,
    };
    let (addr, offset) = decode_offset_msg_id(id).ok()?;
    let plausible = raw[ip_len] == 0
        && raw[ip_len + 1] == 0
        && addr.port() != 0
        && raw[ip_len + 4] == 0
        && raw[ip_len + 5] == 0;
    plausible.then_some((addr, offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::message;

    #[test]
    fn client_ids_round_trip() {
        let ids = UniqIdGenerator::new(IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)));
        let a = ids.next_id();
        let b = ids.next_id();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(&a[..20], &b[..20], "same process prefix");
        let info = decode_client_id(&a).unwrap();
        assert_eq!(info.ip, IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)));
        assert_eq!(info.pid, std::process::id() as u16);
        assert!((info.time - now_ms()).abs() < 5_000, "{}", info.time);
        assert!(plausible_offset_id(&a).is_none() || info.pid == 0);
    }

    #[test]
    fn offset_ids_are_told_apart() {
        let id = message::offset_msg_id("127.0.0.1:10911".parse().unwrap(), 4242);
        let (addr, off) = plausible_offset_id(&id).unwrap();
        assert_eq!((addr.port(), off), (10911, 4242));
        assert!(is_message_id(&id));
        assert!(!is_message_id("xyz"));
    }
}
