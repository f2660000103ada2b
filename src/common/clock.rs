//! The one clock: milliseconds since the epoch, local civil time (through the C library's
//! `localtime_r`, which reads `TZ` / `/etc/localtime` like the JVM does, with UTC where that
//! fails) and the few date formats rmq prints or parses file names with.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch now (0 if the clock is before 1970).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A broken-down civil time: month and day 1-based, `millis` 0..1000.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub millis: i64,
}

impl CivilTime {
    /// `ms` in the local time zone (UTC where the zone cannot be read).
    pub fn local(ms: i64) -> CivilTime {
        let secs = ms.div_euclid(1000);
        let mut t = local_secs(secs).unwrap_or_else(|| CivilTime::utc(secs * 1000));
        t.millis = ms.rem_euclid(1000);
        t
    }

    /// `ms` in UTC (proleptic Gregorian calendar).
    pub fn utc(ms: i64) -> CivilTime {
        let secs = ms.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        // Days to civil date, after H. Hinnant's `civil_from_days`.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        CivilTime {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem % 3600 / 60,
            second: rem % 60,
            millis: ms.rem_euclid(1000),
        }
    }

    /// Epoch milliseconds of this time read as UTC.
    pub fn utc_ms(&self) -> i64 {
        // H. Hinnant's days_from_civil.
        let y = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (self.month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + self.day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        ((days * 24 + self.hour) * 60 + self.minute) * 60_000 + self.second * 1000 + self.millis
    }

    /// Epoch milliseconds of this time read in the local time zone.
    pub fn local_ms(&self) -> i64 {
        let as_utc = self.utc_ms();
        // The zone offset at an instant is local-as-UTC minus the instant; two rounds settle it
        // for times near a daylight-saving change.
        let offset_at = |t: i64| CivilTime::local(t).utc_ms() - t;
        let first = as_utc - offset_at(as_utc);
        as_utc - offset_at(first)
    }
}

/// Java's `UtilAll.timeMillisToHumanString`: `yyyyMMddHHmmssSSS` in local time (the names of
/// index files and rollback files).
pub fn compact_local(ms: i64) -> String {
    let t = CivilTime::local(ms);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{:03}",
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.millis
    )
}

/// `UtilAll.formatDate(date, "yyyy-MM-dd#HH:mm:ss:SSS")` in local time: the form Java's admin
/// answers and `mqadmin` flags use.
pub fn java_date_local(ms: i64) -> String {
    let t = CivilTime::local(ms);
    format!(
        "{:04}-{:02}-{:02}#{:02}:{:02}:{:02}:{:03}",
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.millis
    )
}

/// `yyyy-MM-dd HH:mm:ss.SSS` in local time: how rmq's tables show a time.
pub fn readable_local(ms: i64) -> String {
    let t = CivilTime::local(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.millis
    )
}

/// The local hour of the day now (the store's `deleteWhen` check).
pub fn local_hour_now() -> i64 {
    CivilTime::local(now_ms()).hour
}

#[cfg(unix)]
fn local_secs(secs: i64) -> Option<CivilTime> {
    // time_t is 32 bits on some targets; where it is 64 the conversion is a no-op.
    #[allow(clippy::useless_conversion)]
    let t: libc::time_t = secs.try_into().ok()?;
    // SAFETY: `libc::tm` is a plain C struct of integers (and, on some platforms, a nullable
    // `tm_zone` pointer), for which all-zero bytes are a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers refer to live, properly aligned locals for the whole call;
    // localtime_r is the reentrant variant and writes only into `tm`.
    let result = unsafe { libc::localtime_r(&t, &mut tm) };
    if result.is_null() {
        return None;
    }
    Some(CivilTime {
        year: i64::from(tm.tm_year) + 1900,
        month: i64::from(tm.tm_mon) + 1,
        day: i64::from(tm.tm_mday),
        hour: i64::from(tm.tm_hour),
        minute: i64::from(tm.tm_min),
        second: i64::from(tm.tm_sec),
        millis: 0,
    })
}

#[cfg(not(unix))]
fn local_secs(_secs: i64) -> Option<CivilTime> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_round_trips() {
        for ms in [0, 1_709_212_455_016, -1, 951_782_400_000, 4_102_444_800_123] {
            assert_eq!(CivilTime::utc(ms).utc_ms(), ms, "{ms}");
        }
        let t = CivilTime::utc(1_709_212_455_016);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second, t.millis),
            (2024, 2, 29, 13, 14, 15, 16)
        );
    }

    #[test]
    fn local_round_trips() {
        let ms = 1_709_212_455_016;
        assert_eq!(CivilTime::local(ms).local_ms(), ms);
    }

    #[test]
    fn formats() {
        let ms = 1_709_212_455_016;
        let t = CivilTime::local(ms);
        let compact = compact_local(ms);
        assert_eq!(compact.len(), 17);
        assert_eq!(&compact[..4], &format!("{:04}", t.year));
        assert!(java_date_local(ms).contains('#'));
        assert!(readable_local(ms).ends_with(".016"));
    }

    #[test]
    fn utc_fallback_arithmetic() {
        // 2024-02-29 23:59:59 UTC = 1709251199.
        let t = CivilTime::utc(1_709_251_199_000);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2024, 2, 29, 23, 59, 59)
        );
        let t = CivilTime::utc(0);
        assert_eq!((t.year, t.month, t.day), (1970, 1, 1));
        let t = CivilTime::utc(-1000);
        assert_eq!((t.year, t.month, t.day, t.second), (1969, 12, 31, 59));
    }

    #[cfg(unix)]
    #[test]
    fn local_keeps_seconds_and_millis() {
        // Zone offsets are whole minutes, so local and UTC agree on seconds and milliseconds.
        let ms = 1_700_000_000_123i64;
        let local = compact_local(ms);
        assert!(local.ends_with("20123"), "{local}");
        assert!(compact_local(now_ms()).bytes().all(|b| b.is_ascii_digit()));
        let l = CivilTime::local(ms);
        assert_eq!(l.second, CivilTime::utc(ms).second);
        assert_eq!((l.year, l.month), (2023, 11));
    }
}
