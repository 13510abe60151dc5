//! Rules every interface must apply alike, kept here once: the CLI and the
//! desktop call these, and the UI gets the constants as generated
//! TypeScript (`ui/src/lib/generated/constants.ts`, see [`crate::ts`]).

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use std::time::Duration;

/// A desktop session locks itself after this long without a command (the
/// UI returns to the sign-in screen after as long without input).
pub const IDLE_LOCK: Duration = Duration::from_secs(15 * 60);

/// The start of an audit period given as text (`--from`, the audit
/// screen's "from"): an RFC 3339 time, or a date (`YYYY-MM-DD`, UTC) meaning
/// 00:00 that day. Events at or after it are in the period.
pub fn audit_from(s: &str) -> Result<DateTime<Utc>> {
    match parse(s)? {
        When::Time(t) => Ok(t),
        When::Date(d) => Ok(midnight(d)),
    }
}

/// The end of an audit period given as text (`--to`, the audit screen's
/// "to"): a date includes that whole day, so the bound is 00:00 of the next
/// day; a time is the bound itself. Events before the bound are in the
/// period.
pub fn audit_to(s: &str) -> Result<DateTime<Utc>> {
    match parse(s)? {
        When::Time(t) => Ok(t),
        When::Date(d) => Ok(midnight(d.succ_opt().unwrap_or(d))),
    }
}

enum When {
    Time(DateTime<Utc>),
    Date(NaiveDate),
}

fn parse(s: &str) -> Result<When> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(When::Time(t.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(When::Date)
        .map_err(|_| {
            Error::Invalid(format!(
                "{s:?}: give a date (YYYY-MM-DD) or an RFC 3339 time"
            ))
        })
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_to_date_includes_that_whole_day() {
        assert_eq!(audit_from("2026-11-20").unwrap(), t("2026-11-20T00:00:00Z"));
        assert_eq!(audit_to("2026-11-20").unwrap(), t("2026-11-21T00:00:00Z"));
        assert_eq!(audit_to("2026-12-31").unwrap(), t("2027-01-01T00:00:00Z"));
        // Times are taken as given (in UTC).
        assert_eq!(
            audit_to("2026-11-20T10:00:00+01:00").unwrap(),
            t("2026-11-20T09:00:00Z")
        );
        assert_eq!(
            audit_from(" 2026-11-20T10:00:00Z ").unwrap(),
            t("2026-11-20T10:00:00Z")
        );
        let e = audit_to("yesterday").unwrap_err();
        assert_eq!(e.code(), "invalid");
        assert!(e.to_string().contains("YYYY-MM-DD"));
    }

    #[test]
    fn the_idle_lock_is_fifteen_minutes() {
        assert_eq!(IDLE_LOCK.as_secs(), 900);
    }
}

/// A hash kept outside the vault (`verify --head`): 64 hexadecimal digits,
/// spaces around it ignored; lower-cased. Anything else is a mistake in
/// what was typed, never evidence of tampering.
pub fn kept_head(s: &str) -> Result<String> {
    let t = s.trim();
    if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(t.to_ascii_lowercase())
    } else {
        Err(Error::Invalid(
            "a head is 64 hexadecimal digits (as verify shows it)".into(),
        ))
    }
}

/// A root key's fingerprint kept outside the vault (`verify --root`): 64
/// hexadecimal digits, spaces anywhere ignored (it is printed in groups).
pub fn kept_fingerprint(s: &str) -> Result<String> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(t.to_ascii_lowercase())
    } else {
        Err(Error::Invalid(
            "a fingerprint is 64 hexadecimal digits (as `desk vault fingerprint` shows it)".into(),
        ))
    }
}

#[cfg(test)]
mod kept_tests {
    use super::*;

    #[test]
    fn kept_values_are_checked_and_normalised() {
        let h = "AB".repeat(32);
        assert_eq!(kept_head(&format!(" {h} ")).unwrap(), "ab".repeat(32));
        assert!(kept_head(&h[..63]).is_err());
        assert!(kept_head(&format!("{}zz", &h[..62])).is_err());
        let grouped = "abcd ".repeat(16);
        assert_eq!(kept_fingerprint(&grouped).unwrap(), "abcd".repeat(16));
        assert!(kept_fingerprint("abcd").is_err());
    }
}
