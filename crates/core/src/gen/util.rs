//! Small, fast helpers: seeded RNGs, civil dates, UK summer time, timestamp
//! formatting without allocation, and a minimal JSON line builder.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;

pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;
pub const YEAR: i64 = 365 * DAY;

/// An RNG for one (seed, member, purpose) triple: the seed is the ChaCha key.
pub fn rng(seed: u64, k: u64, tag: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[0..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&k.to_le_bytes());
    key[16..24].copy_from_slice(&tag.to_le_bytes());
    key[24..32].copy_from_slice(b"pdeskgen");
    ChaCha8Rng::from_seed(key)
}

/// A cheap deterministic hash to a uniform number in [0, 1).
pub fn unit_hash(a: u64, b: u64, c: u64) -> f64 {
    let mut z = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
        .wrapping_add(c.wrapping_mul(0x1656_67B1_9E37_79F9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

pub fn pick<'a, T: ?Sized>(r: &mut ChaCha8Rng, xs: &'a [&'a T]) -> &'a T {
    xs[r.gen_range(0..xs.len())]
}

pub fn chance(r: &mut ChaCha8Rng, p: f64) -> bool {
    r.gen::<f64>() < p
}

/// A uniform time in [a, b] (b < a gives a).
pub fn between(r: &mut ChaCha8Rng, a: i64, b: i64) -> i64 {
    if b <= a {
        a
    } else {
        r.gen_range(a..=b)
    }
}

/// A count with a geometric tail: 0 with probability `p0`, else 1 + geometric
/// with the given mean of the extra part, capped.
pub fn geometric(r: &mut ChaCha8Rng, p0: f64, mean_extra: f64, cap: u64) -> u64 {
    if r.gen::<f64>() < p0 {
        return 0;
    }
    let p = 1.0 / (1.0 + mean_extra);
    let mut n = 1;
    while n < cap && r.gen::<f64>() > p {
        n += 1;
    }
    n
}

/// (year, month, day) of a day count since 1970-01-01.
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch of a UTC civil time.
pub fn utc(y: i64, m: u32, d: u32, hh: i64, mm: i64, ss: i64) -> i64 {
    days_from_civil(y, m, d) * DAY + hh * HOUR + mm * 60 + ss
}

fn last_sunday(y: i64, m: u32) -> i64 {
    let d31 = days_from_civil(y, m, 31);
    d31 - (d31 + 4).rem_euclid(7)
}

/// Whether the UK is on British Summer Time at this instant.
pub fn is_bst(t: i64) -> bool {
    let (y, _, _) = civil(t.div_euclid(DAY));
    let start = last_sunday(y, 3) * DAY + HOUR;
    let end = last_sunday(y, 10) * DAY + HOUR;
    t >= start && t < end
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
    b[at] = b'0' + (v / 10) as u8;
    b[at + 1] = b'0' + (v % 10) as u8;
}

fn put_date(b: &mut [u8], days: i64) {
    let (y, m, d) = civil(days);
    let y = y.clamp(0, 9999) as u32;
    put2(b, 0, y / 100);
    put2(b, 2, y % 100);
    b[4] = b'-';
    put2(b, 5, m);
    b[7] = b'-';
    put2(b, 8, d);
}

/// `t` as RFC 3339: in UTC (`Z`), or with `+01:00` when `local` and the UK is
/// on summer time at that instant.
pub fn ts(t: i64, local: bool) -> Stamp {
    let off = if local && is_bst(t) { HOUR } else { 0 };
    let lt = t + off;
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
        s.buf[19..25].copy_from_slice(b"+01:00");
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
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp())
}

/// Appends `s` to `out` as a JSON string literal.
pub fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 15) as usize]);
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// How a JSON object shows a field that is "not known".
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    Omit,
    Null,
    Empty,
}

impl Unknown {
    pub fn random(r: &mut ChaCha8Rng) -> Unknown {
        match r.gen_range(0..10) {
            0..=5 => Unknown::Omit,
            6..=8 => Unknown::Null,
            _ => Unknown::Empty,
        }
    }
}

/// Builds one JSON object into a byte buffer.
pub struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        json_str(self.out, k);
        self.out.push(b':');
    }

    pub fn s(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        json_str(self.out, v);
        self
    }

    /// An optional text field; `None` is shown as `how`.
    pub fn opt(&mut self, k: &str, v: Option<&str>, how: Unknown) -> &mut Self {
        match (v, how) {
            (Some(v), _) => self.s(k, v),
            (None, Unknown::Omit) => self,
            (None, Unknown::Null) => {
                self.key(k);
                self.out.extend_from_slice(b"null");
                self
            }
            (None, Unknown::Empty) => self.s(k, ""),
        }
    }

    pub fn b(&mut self, k: &str, v: bool) -> &mut Self {
        self.key(k);
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        self
    }

    pub fn i(&mut self, k: &str, v: i64) -> &mut Self {
        self.key(k);
        let _ = write!(Utf8Vec(self.out), "{v}");
        self
    }

    /// A nested value written by `f` (an object, an array).
    pub fn raw(&mut self, k: &str, f: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        self.key(k);
        f(self.out);
        self
    }

    pub fn end(&mut self) {
        self.out.push(b'}');
    }
}

/// `fmt::Write` over a byte vector.
pub struct Utf8Vec<'a>(pub &'a mut Vec<u8>);

impl std::fmt::Write for Utf8Vec<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_summer_time() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2026, 11, 21), 20_778);
        let t = utc(2026, 11, 21, 2, 0, 0);
        assert_eq!(ts(t, true).as_str(), "2026-11-21T02:00:00Z");
        let t = utc(2024, 7, 1, 23, 30, 5);
        assert_eq!(ts(t, true).as_str(), "2024-07-02T00:30:05+01:00");
        assert_eq!(ts(t, false).as_str(), "2024-07-01T23:30:05Z");
        assert_eq!(parse_ts("2024-07-02T00:30:05+01:00"), Some(t));
        // BST 2024: 31 March 01:00 UTC to 27 October 01:00 UTC.
        assert!(!is_bst(utc(2024, 3, 31, 0, 59, 59)));
        assert!(is_bst(utc(2024, 3, 31, 1, 0, 0)));
        assert!(is_bst(utc(2024, 10, 27, 0, 59, 59)));
        assert!(!is_bst(utc(2024, 10, 27, 1, 0, 0)));
        assert_eq!(date(days_from_civil(1984, 2, 29)).as_str(), "1984-02-29");
    }

    #[test]
    fn json_escaping() {
        let mut v = Vec::new();
        Obj::new(&mut v)
            .s("a", "x\"y\n\\<b>\u{1}")
            .opt("b", None, Unknown::Null)
            .opt("c", None, Unknown::Omit)
            .i("d", -3)
            .b("e", true)
            .end();
        let parsed: serde_json::Value = serde_json::from_slice(&v).unwrap();
        assert_eq!(parsed["a"], "x\"y\n\\<b>\u{1}");
        assert!(parsed["b"].is_null());
        assert!(parsed.get("c").is_none());
        assert_eq!(parsed["d"], -3);
    }
}
