//! Time for people: UK local time (GMT/BST) through the time-zone database
//! (`chrono-tz`, Europe/London), not hand-written summer-time rules.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::London;
use chrono_tz::Tz;

/// An instant in UK local time.
pub fn uk(t: DateTime<Utc>) -> DateTime<Tz> {
    t.with_timezone(&London)
}

/// "02:00" (UK time) — with the date, "02:00 on 28 Nov 2026", when `t` is
/// not today.
pub fn clock_words(t: DateTime<Utc>) -> String {
    let local = uk(t);
    let today = uk(Utc::now()).date_naive();
    if local.date_naive() == today {
        local.format("%H:%M").to_string()
    } else {
        local.format("%H:%M on %-d %b %Y").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summer_and_winter() {
        let s = DateTime::parse_from_rfc3339("2026-07-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let w = DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(uk(s).format("%H:%M %Z").to_string(), "13:00 BST");
        assert_eq!(uk(w).format("%H:%M %Z").to_string(), "12:00 GMT");
        assert!(clock_words(w).ends_with("on 1 Jan 2026"));
    }
}
