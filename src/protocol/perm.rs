//! Permission bits of topics and brokers (Java's `PermName`).
//!
//! A topic's `perm` and the broker's `brokerPermission` are ORs of these bits. INHERIT marks a
//! template topic (TBW102, the cluster and broker-name topics) whose settings a new topic may
//! copy when a producer sends to an unknown topic.

/// Priority (unused by 4.9.8 brokers, kept for completeness).
pub const PERM_PRIORITY: i32 = 1 << 3;
/// Consumers may pull.
pub const PERM_READ: i32 = 1 << 2;
/// Producers may send.
pub const PERM_WRITE: i32 = 1 << 1;
/// New topics may be auto-created from this one.
pub const PERM_INHERIT: i32 = 1;

/// Whether `perm` has the read bit.
pub fn is_readable(perm: i32) -> bool {
    perm & PERM_READ == PERM_READ
}

/// Whether `perm` has the write bit.
pub fn is_writeable(perm: i32) -> bool {
    perm & PERM_WRITE == PERM_WRITE
}

/// Whether `perm` has the inherit bit.
pub fn is_inherited(perm: i32) -> bool {
    perm & PERM_INHERIT == PERM_INHERIT
}

/// `perm` as Java's `PermName.perm2String` shows it: `R`, `W` and `X` (inherit) or `-` in
/// that order, e.g. 6 → `"RW-"`, 7 → `"RWX"`.
pub fn perm_to_string(perm: i32) -> String {
    let mut s = String::with_capacity(3);
    s.push(if is_readable(perm) { 'R' } else { '-' });
    s.push(if is_writeable(perm) { 'W' } else { '-' });
    s.push(if is_inherited(perm) { 'X' } else { '-' });
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_and_strings() {
        assert_eq!(PERM_READ | PERM_WRITE, 6);
        assert_eq!(PERM_INHERIT | PERM_READ | PERM_WRITE, 7);
        assert!(is_readable(6) && is_writeable(6) && !is_inherited(6));
        assert!(!is_readable(2) && is_writeable(2));
        assert!(is_inherited(1) && !is_readable(1));
        assert_eq!(perm_to_string(6), "RW-");
        assert_eq!(perm_to_string(7), "RWX");
        assert_eq!(perm_to_string(4), "R--");
        assert_eq!(perm_to_string(0), "---");
        assert_eq!(perm_to_string(PERM_PRIORITY), "---");
    }
}
