//! Times as seconds since the epoch, and their RFC 3339 text written without
//! allocation: in UTC, or in UK local time (GMT or BST, from the time-zone
//! database's Europe/London).

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeZone};
use chrono_tz::Europe::London;

pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;
pub const YEAR: i64 = 365 * DAY;

/// Days from 0001-01-01 (day 1) to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// (year, month, day) of a day count since 1970-01-01.
pub fn ymd(days: i64) -> (i64, u32, u32) {
    let d = i32::try_from(days.saturating_add(EPOCH_DAYS_FROM_CE))
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or(if days < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        });
    (i64::from(d.year()), d.month(), d.day())
}

/// Seconds since the epoch of a UTC civil time (0 if there is no such time).
pub fn utc(y: i32, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> i64 {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(hh, mm, ss))
        .map_or(0, |t| t.and_utc().timestamp())
}

/// How far UK local time is ahead of UTC at this instant, in seconds
/// (0 in GMT, 3600 in BST).
pub fn uk_offset(t: i64) -> i32 {
    DateTime::from_timestamp(t, 0).map_or(0, |d| {
        London
            .offset_from_utc_datetime(&d.naive_utc())
            .fix()
            .local_minus_utc()
    })
}

/// A formatted RFC 3339 timestamp or date, held inline.
#[derive(Clone, Copy)]
pub struct Stamp {
    buf: [u8; 25],
    len: u8,
}

impl Stamp {
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and punctuation are ever written.
        std::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or("")
    }
}

fn put2(b: &mut [u8], at: usize, v: u32) {
    b[at] = b'0' + (v / 10 % 10) as u8;
    b[at + 1] = b'0' + (v % 10) as u8;
}

fn put_date(b: &mut [u8], days: i64) {
    let (y, m, d) = ymd(days);
    let y = y.clamp(0, 9999) as u32;
    put2(b, 0, y / 100);
    put2(b, 2, y % 100);
    b[4] = b'-';
    put2(b, 5, m);
    b[7] = b'-';
    put2(b, 8, d);
}

/// `t` as RFC 3339: in UTC (`Z`), or when `local` in UK local time with its
/// offset (`Z` in GMT, `+01:00` in BST).
pub fn ts(t: i64, local: bool) -> Stamp {
    let off = if local { uk_offset(t) } else { 0 };
    let lt = t + i64::from(off);
    let mut s = Stamp {
        buf: [0; 25],
        len: 20,
    };
    put_date(&mut s.buf, lt.div_euclid(DAY));
    let secs = lt.rem_euclid(DAY) as u32;
    s.buf[10] = b'T';
    put2(&mut s.buf, 11, secs / 3600);
    s.buf[13] = b':';
    put2(&mut s.buf, 14, secs / 60 % 60);
    s.buf[16] = b':';
    put2(&mut s.buf, 17, secs % 60);
    if off == 0 {
        s.buf[19] = b'Z';
    } else {
        let a = off.unsigned_abs() / 60;
        s.buf[19] = if off < 0 { b'-' } else { b'+' };
        put2(&mut s.buf, 20, a / 60);
        s.buf[22] = b':';
        put2(&mut s.buf, 23, a % 60);
        s.len = 25;
    }
    s
}

/// A day count as `YYYY-MM-DD`.
pub fn date(days: i64) -> Stamp {
    let mut s = Stamp {
        buf: [0; 25],
        len: 10,
    };
    put_date(&mut s.buf, days);
    s
}

/// Parses an RFC 3339 timestamp to seconds since the epoch.
pub fn parse_ts(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(ymd(0), (1970, 1, 1));
        assert_eq!(ymd(-1), (1969, 12, 31));
        assert_eq!(ymd(20_778), (2026, 11, 21));
        assert_eq!(utc(2026, 11, 21, 0, 0, 0), 20_778 * DAY);
        assert_eq!(date(utc(1984, 2, 29, 0, 0, 0) / DAY).as_str(), "1984-02-29");
        assert_eq!(utc(2026, 2, 30, 0, 0, 0), 0);
    }

    #[test]
    fn uk_local_time() {
        let t = utc(2026, 11, 21, 2, 0, 0);
        assert_eq!(ts(t, true).as_str(), "2026-11-21T02:00:00Z");
        let t = utc(2024, 7, 1, 23, 30, 5);
        assert_eq!(ts(t, true).as_str(), "2024-07-02T00:30:05+01:00");
        assert_eq!(ts(t, false).as_str(), "2024-07-01T23:30:05Z");
        assert_eq!(parse_ts("2024-07-02T00:30:05+01:00"), Some(t));
        // BST 2024: 31 March 01:00 UTC to 27 October 01:00 UTC.
        assert_eq!(uk_offset(utc(2024, 3, 31, 0, 59, 59)), 0);
        assert_eq!(uk_offset(utc(2024, 3, 31, 1, 0, 0)), 3600);
        assert_eq!(uk_offset(utc(2024, 10, 27, 0, 59, 59)), 3600);
        assert_eq!(uk_offset(utc(2024, 10, 27, 1, 0, 0)), 0);
        // Before 1996 the UK's autumn change was not the EU's last Sunday:
        // in 1995 BST ended on 22 October.
        assert_eq!(uk_offset(utc(1995, 10, 25, 12, 0, 0)), 0);
        assert_eq!(uk_offset(utc(2060, 7, 1, 12, 0, 0)), 3600);
    }
}
