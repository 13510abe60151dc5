//! The register's rules (pure): replaying a request's events to its state
//! and due date, and checking what a change may say.

use super::{calendar, RequestEvent, State, CHANNELS};
use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

fn date_of(v: &Value, key: &str) -> Option<NaiveDate> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

fn event_day(ev: &RequestEvent) -> NaiveDate {
    DateTime::parse_from_rfc3339(&ev.at)
        .map(|t| t.with_timezone(&Utc).date_naive())
        .unwrap_or_default()
}

/// Replay a request's events (oldest first) to its state on `today`.
pub fn replay(received: NaiveDate, events: &[RequestEvent], today: NaiveDate) -> State {
    let mut s = State::default();
    let mut region = calendar::Region::default();
    for ev in events {
        apply_event(&mut s, &mut region, ev);
    }
    run_clock(&mut s, region, received, today);
    s.status = status_of(&s).to_string();
    s
}

/// What one event changes: the identity check, pauses, extensions, the
/// outcome, and (when opened) the calendar.
fn apply_event(s: &mut State, region: &mut calendar::Region, ev: &RequestEvent) {
    match ev.kind.as_str() {
        "opened" => {
            s.id_check_requested = ev
                .detail
                .get("id_check_requested")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if let Some(r) = ev.detail.get("calendar").and_then(Value::as_str) {
                *region = r.parse().unwrap_or_default();
            }
        }
        "identity_verified" => s.identity_verified = date_of(&ev.detail, "on"),
        "paused" => {
            s.paused = true;
            s.paused_since = Some(event_day(ev));
        }
        "resumed" => {
            if let Some(since) = s.paused_since.take() {
                s.paused_days += (event_day(ev) - since).num_days().max(0);
            }
            s.paused = false;
        }
        "extended" => {
            s.extended_months += ev.detail.get("months").and_then(Value::as_u64).unwrap_or(0) as u32
        }
        "closed" => {
            s.outcome = ev
                .detail
                .get("outcome")
                .and_then(Value::as_str)
                .map(str::to_string);
            s.closed_on = Some(event_day(ev));
        }
        _ => {}
    }
}

/// When the clock started, the due date and the days left on `today`, with
/// a pause still running counted up to the day the request closed, or today.
fn run_clock(s: &mut State, region: calendar::Region, received: NaiveDate, today: NaiveDate) {
    s.clock_started = if s.id_check_requested {
        s.identity_verified
    } else {
        Some(received)
    };
    // A pause still running counts up to the day the request closed, or today.
    let end = s.closed_on.unwrap_or(today);
    let running = match s.paused_since {
        Some(since) if s.paused => (end - since).num_days().max(0),
        _ => 0,
    };
    if let Some(start) = s.clock_started {
        let due = calendar::due_date(
            region,
            start,
            1 + s.extended_months,
            s.paused_days + running,
        );
        s.due = Some(due);
        if s.outcome.is_none() {
            s.days_left = Some((due - today).num_days());
            s.overdue = today > due;
        }
    }
    s.paused_days += running;
    s.calendar = region.name().to_string();
}

/// The status the state amounts to.
fn status_of(s: &State) -> &'static str {
    if s.outcome.is_some() {
        "closed"
    } else if s.paused {
        "paused"
    } else if s.clock_started.is_none() {
        "awaiting_identity"
    } else {
        "open"
    }
}

/// References: 1–64 of letters, digits, `-`, `_`, `/`, `.`.
pub(crate) fn validate_reference(r: &str) -> Result<()> {
    let ok = !r.is_empty()
        && r.len() <= 64
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(
            "a request reference is 1 to 64 letters, digits, '-', '_', '/' or '.'".into(),
        ))
    }
}

pub(crate) fn required_reason(reason: &str, what: &str) -> Result<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(Error::Invalid(format!("{what} needs a reason")));
    }
    Ok(r.to_string())
}

pub(crate) fn calendar_of(st: &State) -> calendar::Region {
    st.calendar.parse().unwrap_or_default()
}

/// The earliest date received a request may give: anything earlier is a
/// typing mistake, not a request this desk could have received.
pub(crate) fn earliest_received() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
}

/// What a new request must be: a known channel, received neither in the
/// future nor implausibly long ago, a requester text of at most 2,000
/// characters.
pub(crate) fn check_opening(
    channel: &str,
    received: NaiveDate,
    requester: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    if !CHANNELS.contains(&channel) {
        return Err(Error::Invalid(format!(
            "unknown channel {channel:?}: use {}",
            CHANNELS.join(", ")
        )));
    }
    if received > now.date_naive() {
        return Err(Error::Invalid("the date received is in the future".into()));
    }
    if received < earliest_received() {
        return Err(Error::Invalid(format!(
            "the date received is before {}: check the year",
            earliest_received()
        )));
    }
    if requester.chars().count() > 2000 {
        return Err(Error::Invalid(
            "the requester text is longer than 2,000 characters".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ev(seq: i64, day: NaiveDate, kind: &str, detail: Value) -> RequestEvent {
        RequestEvent {
            seq,
            at: format!("{day}T10:00:00.000Z"),
            user: "dpo".into(),
            kind: kind.into(),
            detail,
        }
    }

    #[test]
    fn clock_starts_on_receipt() {
        let r = d(2026, 5, 10);
        let s = replay(
            r,
            &[ev(1, r, "opened", json!({"id_check_requested": false}))],
            d(2026, 5, 11),
        );
        assert_eq!(s.status, "open");
        assert_eq!(s.clock_started, Some(r));
        assert_eq!(s.due, Some(d(2026, 6, 10)));
        assert_eq!(s.days_left, Some(30));
        assert!(!s.overdue);
    }

    #[test]
    fn clock_starts_on_identity_verification_when_asked_for() {
        let r = d(2026, 5, 10);
        let opened = ev(1, r, "opened", json!({"id_check_requested": true}));
        let s = replay(r, std::slice::from_ref(&opened), d(2026, 5, 11));
        assert_eq!(s.status, "awaiting_identity");
        assert_eq!(s.due, None);
        assert!(!s.overdue);
        let verified = ev(
            2,
            d(2026, 5, 20),
            "identity_verified",
            json!({"on": "2026-05-18"}),
        );
        let s = replay(r, &[opened, verified], d(2026, 5, 20));
        assert_eq!(s.clock_started, Some(d(2026, 5, 18)));
        assert_eq!(s.due, Some(d(2026, 6, 18)));
    }

    #[test]
    fn a_pause_moves_the_due_date_by_its_days() {
        let r = d(2026, 5, 10);
        let events = vec![
            ev(1, r, "opened", json!({})),
            ev(
                2,
                d(2026, 5, 12),
                "paused",
                json!({"reason": "clarification"}),
            ),
        ];
        // Paused for 3 days so far: projected due 10 Jun + 3 = Sat 13 → Mon 15.
        let s = replay(r, &events, d(2026, 5, 15));
        assert_eq!(s.status, "paused");
        assert!(s.paused);
        assert_eq!(s.paused_days, 3);
        let mut events = events;
        events.push(ev(3, d(2026, 5, 19), "resumed", json!({})));
        let s = replay(r, &events, d(2026, 5, 30));
        assert_eq!(s.status, "open");
        assert!(!s.paused);
        assert_eq!(s.paused_days, 7);
        assert_eq!(s.due, Some(d(2026, 6, 17)));
    }

    #[test]
    fn extension_and_close_replay() {
        let r = d(2026, 1, 31);
        let mut events = vec![
            ev(1, r, "opened", json!({})),
            ev(
                2,
                d(2026, 2, 10),
                "extended",
                json!({"months": 2, "reason": "complex"}),
            ),
        ];
        let s = replay(r, &events, d(2026, 3, 10));
        assert_eq!(s.extended_months, 2);
        assert_eq!(s.due, Some(d(2026, 4, 30)));
        events.push(ev(
            3,
            d(2026, 5, 4),
            "closed",
            json!({"outcome": "answered"}),
        ));
        let s = replay(r, &events, d(2026, 6, 1));
        assert_eq!(s.status, "closed");
        assert_eq!(s.outcome.as_deref(), Some("answered"));
        assert_eq!(s.closed_on, Some(d(2026, 5, 4)));
        assert!(!s.overdue, "a closed request is never overdue");
        assert_eq!(s.days_left, None);
    }

    #[test]
    fn overdue_after_the_due_date() {
        let r = d(2026, 1, 31);
        let events = [ev(1, r, "opened", json!({}))];
        assert!(!replay(r, &events, d(2026, 3, 2)).overdue);
        let s = replay(r, &events, d(2026, 3, 3));
        assert!(s.overdue);
        assert_eq!(s.days_left, Some(-1));
    }

    #[test]
    fn the_calendar_of_the_opening_event_counts() {
        // Received 30 Oct 2026: due Mon 30 Nov (E&W); St Andrew's Day in Scotland.
        let r = d(2026, 10, 30);
        let ew = replay(r, &[ev(1, r, "opened", json!({}))], r);
        assert_eq!(ew.calendar, "england_and_wales");
        assert_eq!(ew.due, Some(d(2026, 11, 30)));
        let sc = replay(r, &[ev(1, r, "opened", json!({"calendar": "scotland"}))], r);
        assert_eq!(sc.calendar, "scotland");
        assert_eq!(sc.due, Some(d(2026, 12, 1)));
    }
}
