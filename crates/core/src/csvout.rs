//! CSV for spreadsheets: what every CSV file the desk writes for people
//! should go through.
//!
//! - **Byte-order mark.** Excel reads a CSV without one in the machine's
//!   legacy code page, so "£500" shows as "Â£500"; [`BOM`] first makes it
//!   read UTF-8. Python's `csv` (with `encoding="utf-8-sig"`) and pandas
//!   skip it.
//! - **Formula-like cells.** A spreadsheet runs a cell that begins with `=`,
//!   `+`, `-` or `@` (or a tab or carriage return before one) as a formula:
//!   `=HYPERLINK(…)` becomes a link, `+44 7700 900933` a sum. [`neutralise`]
//!   puts a `'` before such text, which spreadsheets show as plain text (the
//!   OWASP "CSV injection" advice). A plain negative number (`-3`, `-0.5`)
//!   is left as it is: it is a number, not a formula.
//! - **Times.** [`utc_time`] writes an RFC 3339 time as UTC with `Z`, so a
//!   column has one time zone (pandas refuses a column that mixes `Z` and
//!   `+01:00`).

use chrono::{DateTime, SecondsFormat, Utc};
use std::borrow::Cow;
use std::io::Write;

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What the CSV files say about themselves (a manifest's `csv` entry).
pub const DESCRIPTION: &str = "UTF-8 with a byte-order mark; times in UTC, ISO 8601 with Z (the JSON files keep the original text); a cell that begins with =, +, -, @, a tab or a carriage return starts with ' so that spreadsheets show it as text";

fn is_plain_negative_number(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('-') else {
        return false;
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// `s` as a spreadsheet should see it: a leading `'` when it would
/// otherwise be read as a formula.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_negative_number(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// An RFC 3339 time as UTC (`2026-07-04T15:20:00Z`, fractions kept); other
/// text is returned as it is.
pub fn utc_time(s: &str) -> Cow<'_, str> {
    // Cheap test first: most cells are not times.
    let b = s.as_bytes();
    if b.len() < 20 || !b[0].is_ascii_digit() || b.get(10) != Some(&b'T') {
        return Cow::Borrowed(s);
    }
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => Cow::Owned(
            t.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        ),
        Err(_) => Cow::Borrowed(s),
    }
}

/// A CSV writer for people: the byte-order mark is written first.
pub fn writer<W: Write>(mut w: W) -> std::io::Result<csv::Writer<W>> {
    w.write_all(BOM)?;
    Ok(csv::Writer::from_writer(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_become_text() {
        for s in [
            "=HYPERLINK(\"http://x\")",
            "+44 7700 900933",
            "-2+3",
            "@SUM(A1:A2)",
            "\t=1",
            "\r=1",
            "-",
        ] {
            assert_eq!(neutralise(s), format!("'{s}"), "{s:?}");
        }
        for s in ["-3", "-0.5", "plain", "", "a=b", "£500", "2+2"] {
            assert_eq!(neutralise(s), s, "{s:?}");
        }
    }

    #[test]
    fn times_become_utc() {
        assert_eq!(
            utc_time("2026-07-04T16:20:00+01:00"),
            "2026-07-04T15:20:00Z"
        );
        assert_eq!(utc_time("2026-07-04T15:20:00Z"), "2026-07-04T15:20:00Z");
        assert_eq!(
            utc_time("2026-07-04T15:20:00.250Z"),
            "2026-07-04T15:20:00.250Z"
        );
        assert_eq!(utc_time("2026-07-04"), "2026-07-04");
        assert_eq!(
            utc_time("not a time at all, really"),
            "not a time at all, really"
        );
    }
}
