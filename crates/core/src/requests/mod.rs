//! The subject-access request register (`vault-and-access-v1.md` §2: every
//! role, the auditor without member data).
//!
//! - A request is a row of `requests` (what it is about) plus its events in
//!   `request_events` (who did what, when). Every change is an event; the
//!   status and the due date are computed by replaying the events
//!   ([`replay`]), so any deadline can be recomputed and explained.
//! - Deadlines follow [`calendar`] (the ICO calendar-month rule, England &
//!   Wales bank holidays).
//! - The requester's free text is member data: it is sealed under the field
//!   key, which auditors do not hold, so an auditor sees it blank.
//! - Every action is in the audit trail.

pub mod calendar;
mod register;
mod rules;
mod store;

use crate::error::{Error, Result};
use crate::roles::Action;
use crate::session::{Op, Session, Tx};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::{json, Value};

use register::register_csv;
pub use rules::replay;
use rules::{calendar_of, check_opening, required_reason, validate_reference};
pub(crate) use store::event_bytes;
use store::Row;

/// How a request arrived.
pub const CHANNELS: [&str; 5] = ["email", "web", "post", "phone", "other"];

/// How a request may be closed.
pub const OUTCOMES: [&str; 4] = [
    "answered",
    "refused_manifestly_unfounded",
    "refused_excessive",
    "withdrawn",
];

/// One event of a request's history.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequestEvent {
    pub seq: i64,
    /// When it was recorded (RFC 3339).
    pub at: String,
    pub user: String,
    /// `opened`, `identity_verified`, `paused`, `resumed`, `extended`, `closed`.
    pub kind: String,
    pub detail: Value,
}

/// The state of a request, as computed by replaying its events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "RequestState"))]
pub struct State {
    /// `awaiting_identity`, `open`, `paused` or `closed`.
    pub status: String,
    /// Whose bank holidays count (the site's, when the request was opened).
    pub calendar: String,
    pub id_check_requested: bool,
    pub identity_verified: Option<NaiveDate>,
    /// The day the clock started (receipt, or identity verification).
    pub clock_started: Option<NaiveDate>,
    /// Extra months granted (0, 1 or 2).
    pub extended_months: u32,
    /// Days the clock has stood still (a running pause counts up to today).
    pub paused_days: i64,
    pub paused: bool,
    /// Since when, if paused now.
    pub paused_since: Option<NaiveDate>,
    /// The due date (if paused, as if the clock restarted today).
    pub due: Option<NaiveDate>,
    /// Days from today to the due date (negative when overdue).
    pub days_left: Option<i64>,
    pub overdue: bool,
    pub outcome: Option<String>,
    pub closed_on: Option<NaiveDate>,
}

/// A request in the register.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Request {
    #[serde(rename = "ref")]
    pub reference: String,
    pub site: String,
    pub member_id: String,
    pub received: NaiveDate,
    pub channel: String,
    /// Blank for an auditor (the register without member data).
    pub requester: String,
    #[serde(flatten)]
    pub state: State,
}

/// A request with its whole history.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequestDetail {
    #[serde(flatten)]
    pub request: Request,
    pub events: Vec<RequestEvent>,
}

/// What `request_list` shows.
#[derive(Clone, Debug, Default)]
pub struct RequestFilter {
    pub site: Option<String>,
    /// Only open requests past their due date.
    pub overdue_only: bool,
    /// Only requests not yet closed.
    pub open_only: bool,
}

/// A request as the signed-in user sees it (an auditor: no requester text).
fn build(tx: &Tx, row: Row, events: &[RequestEvent], today: NaiveDate) -> Result<Request> {
    let state = replay(row.received, events, today);
    Ok(Request {
        requester: tx.open_field(&row.requester)?,
        reference: row.reference,
        site: row.site,
        member_id: row.member_id,
        received: row.received,
        channel: row.channel,
        state,
    })
}

/// Append an event and say what the audit event records.
fn progress(tx: &mut Tx, row: &Row, kind: &str, detail: Value) -> Result<()> {
    let state = store::append(
        tx.logs,
        row,
        kind,
        &detail,
        &tx.user.name,
        tx.now,
        tx.signer(),
    )?;
    let mut audit = json!({"ref": row.reference, "kind": kind});
    if let Some(due) = state.due {
        audit["due"] = json!(due.to_string());
    }
    tx.about(&row.site, Some(&row.member_id));
    tx.detail(audit);
    Ok(())
}

fn all(tx: &Tx, filter: &RequestFilter, now: DateTime<Utc>) -> Result<Vec<Request>> {
    let mut out = Vec::new();
    for row in store::all_rows(tx.logs)? {
        if filter.site.as_ref().is_some_and(|s| *s != row.site) {
            continue;
        }
        let events = store::events(tx.logs, &row.reference)?;
        let r = build(tx, row, &events, now.date_naive())?;
        if filter.overdue_only && !r.state.overdue {
            continue;
        }
        if filter.open_only && r.state.outcome.is_some() {
            continue;
        }
        out.push(r);
    }
    Ok(out)
}

fn member_exists(data: &Connection, site: &str, member_id: &str) -> Result<bool> {
    Ok(data.query_row(
        "SELECT EXISTS (SELECT 1 FROM members WHERE site = ?1 AND id = ?2 AND deleted_seq IS NULL)",
        params![site, member_id],
        |r| r.get(0),
    )?)
}

/// The reference of a new request: the one given (checked, and not taken)
/// or the next of the year received.
fn new_reference(
    logs: &Connection,
    reference: Option<&str>,
    received: NaiveDate,
) -> Result<String> {
    match reference {
        Some(r) => {
            validate_reference(r)?;
            if store::taken(logs, r)? {
                return Err(Error::Conflict(format!("there is already a request {r}")));
            }
            Ok(r.to_string())
        }
        None => store::next_reference(logs, received.year()),
    }
}

impl Session {
    /// Open a request about a member of `site`. The reference is generated
    /// (`SAR-<year received>-0001`, …) unless given; a duplicate is refused.
    #[allow(clippy::too_many_arguments)]
    pub fn request_open(
        &self,
        site: &str,
        member_id: &str,
        received: NaiveDate,
        channel: &str,
        requester: &str,
        reference: Option<&str>,
        id_check_requested: bool,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let op = Op::logs(Action::ChangeRequests, "request_opened").on(Some(site), Some(member_id));
        self.door(op, now, |tx| {
            check_opening(channel, received, requester, now)?;
            if !member_exists(tx.data()?, site, member_id)? {
                return Err(Error::NotFound(format!(
                    "there is no member {member_id} of site {site}"
                )));
            }
            let reference = new_reference(tx.logs, reference, received)?;
            let region = store::calendar(tx.logs, site)?;
            let status = if id_check_requested { "awaiting_identity" } else { "open" };
            let sealed = tx.seal_field(requester.trim())?;
            tx.logs.execute(
                "INSERT INTO requests (ref, site, member_id, received, channel, requester, status, opened_at, opened_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    reference,
                    site,
                    member_id,
                    received.to_string(),
                    channel,
                    sealed,
                    status,
                    crate::trail::ts(now),
                    tx.user.name
                ],
            )?;
            let row = store::row(tx.logs, &reference)?;
            progress(
                tx,
                &row,
                "opened",
                json!({"received": received.to_string(), "channel": channel,
                       "id_check_requested": id_check_requested, "calendar": region.name()}),
            )?;
            Ok(reference)
        })
    }

    /// Identity was verified on `on`: the clock starts that day.
    pub fn request_verify_identity(
        &self,
        reference: &str,
        on: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.door(Op::logs(Action::ChangeRequests, "request_identity_verified"), now, |tx| {
            let (row, st) = store::current(tx.logs, reference, now)?;
            tx.about(&row.site, Some(&row.member_id));
            if st.outcome.is_some() {
                return Err(Error::Invalid(format!("request {reference} is closed")));
            }
            if !st.id_check_requested {
                return Err(Error::Invalid(format!(
                    "request {reference} did not ask for an identity check; its clock started on receipt"
                )));
            }
            if st.identity_verified.is_some() {
                return Err(Error::Invalid(format!(
                    "identity for request {reference} is already verified"
                )));
            }
            if on < row.received || on > now.date_naive() {
                return Err(Error::Invalid(
                    "the verification date must be between the date received and today".into(),
                ));
            }
            progress(tx, &row, "identity_verified", json!({"on": on.to_string()}))
        })
    }

    /// Stop the clock (e.g. awaiting clarification) from today.
    pub fn request_pause(&self, reference: &str, reason: &str, now: DateTime<Utc>) -> Result<()> {
        self.door(
            Op::logs(Action::ChangeRequests, "request_paused"),
            now,
            |tx| {
                let reason = required_reason(reason, "a pause")?;
                let (row, st) = store::current(tx.logs, reference, now)?;
                tx.about(&row.site, Some(&row.member_id));
                if st.outcome.is_some() {
                    return Err(Error::Invalid(format!("request {reference} is closed")));
                }
                if st.paused {
                    return Err(Error::Invalid(format!(
                        "request {reference} is already paused"
                    )));
                }
                progress(tx, &row, "paused", json!({"reason": reason}))
            },
        )
    }

    /// Restart the clock; the due date moves later by the days paused.
    pub fn request_resume(&self, reference: &str, now: DateTime<Utc>) -> Result<()> {
        self.door(
            Op::logs(Action::ChangeRequests, "request_resumed"),
            now,
            |tx| {
                let (row, st) = store::current(tx.logs, reference, now)?;
                tx.about(&row.site, Some(&row.member_id));
                if !st.paused || st.outcome.is_some() {
                    return Err(Error::Invalid(format!("request {reference} is not paused")));
                }
                let days = st
                    .paused_since
                    .map(|s| (now.date_naive() - s).num_days())
                    .unwrap_or(0);
                progress(tx, &row, "resumed", json!({"days_paused": days}))
            },
        )
    }

    /// Extend by 1 or 2 months, once, while the first month is running.
    pub fn request_extend(
        &self,
        reference: &str,
        months: u32,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.door(Op::logs(Action::ChangeRequests, "request_extended"), now, |tx| {
            if !(1..=2).contains(&months) {
                return Err(Error::Invalid("an extension is by 1 or 2 further months".into()));
            }
            let reason = required_reason(reason, "an extension")?;
            let (row, st) = store::current(tx.logs, reference, now)?;
            tx.about(&row.site, Some(&row.member_id));
            if st.outcome.is_some() {
                return Err(Error::Invalid(format!("request {reference} is closed")));
            }
            if st.extended_months > 0 {
                return Err(Error::Invalid(format!(
                    "request {reference} has already been extended; it may be extended only once"
                )));
            }
            let Some(start) = st.clock_started else {
                return Err(Error::Invalid(format!(
                    "request {reference} is awaiting identity verification; its clock has not started"
                )));
            };
            if !calendar::within_first_month(calendar_of(&st), start, st.paused_days, now.date_naive()) {
                return Err(Error::Invalid(format!(
                    "request {reference} is past its first month; an extension must be made within it"
                )));
            }
            progress(tx, &row, "extended", json!({"months": months, "reason": reason}))
        })
    }

    /// Close a request; a refusal needs a reason.
    pub fn request_close(
        &self,
        reference: &str,
        outcome: &str,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.door(
            Op::logs(Action::ChangeRequests, "request_closed"),
            now,
            |tx| {
                if !OUTCOMES.contains(&outcome) {
                    return Err(Error::Invalid(format!(
                        "unknown outcome {outcome:?}: use {}",
                        OUTCOMES.join(", ")
                    )));
                }
                let reason = reason.map(str::trim).filter(|r| !r.is_empty());
                if outcome.starts_with("refused") && reason.is_none() {
                    return Err(Error::Invalid("a refusal needs a reason".into()));
                }
                let (row, st) = store::current(tx.logs, reference, now)?;
                tx.about(&row.site, Some(&row.member_id));
                if st.outcome.is_some() {
                    return Err(Error::Invalid(format!(
                        "request {reference} is already closed"
                    )));
                }
                let mut detail = json!({"outcome": outcome});
                if let Some(r) = reason {
                    detail["reason"] = json!(r);
                }
                if let Some(due) = st.due {
                    detail["on_time"] = json!(now.date_naive() <= due);
                }
                progress(tx, &row, "closed", detail)
            },
        )
    }

    /// The bank-holiday calendar of a site (England & Wales unless set).
    pub fn request_calendar(&self, site: &str, now: DateTime<Utc>) -> Result<calendar::Region> {
        let op = Op::quiet(Action::RequestRegister).on(Some(site), None);
        self.door(op, now, |tx| store::calendar(tx.logs, site))
    }

    /// Choose a site's bank-holiday calendar (dpo). It applies to requests
    /// opened from now on; an open request keeps the calendar it began with.
    pub fn request_set_calendar(
        &self,
        site: &str,
        region: calendar::Region,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let op = Op::logs(Action::RequestSettings, "request_calendar_set").on(Some(site), None);
        self.door(op, now, |tx| {
            tx.logs.execute(
                "INSERT INTO request_calendars (site, calendar, set_at, set_by) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (site) DO UPDATE SET calendar = ?2, set_at = ?3, set_by = ?4",
                params![site, region.name(), crate::trail::ts(now), tx.user.name],
            )?;
            tx.detail(json!({"calendar": region.name()}));
            Ok(())
        })
    }

    /// The register, oldest received first.
    pub fn request_list(&self, filter: &RequestFilter, now: DateTime<Utc>) -> Result<Vec<Request>> {
        let op = Op::logs(Action::RequestRegister, "request_list").on(filter.site.as_deref(), None);
        self.door(op, now, |tx| {
            let out = all(tx, filter, now)?;
            tx.detail(json!({"requests": out.len(), "overdue_only": filter.overdue_only}));
            Ok(out)
        })
    }

    /// One request with its events.
    pub fn request_show(&self, reference: &str, now: DateTime<Utc>) -> Result<RequestDetail> {
        self.door(
            Op::logs(Action::RequestRegister, "request_show"),
            now,
            |tx| {
                tx.detail(json!({"ref": reference}));
                let row = store::row(tx.logs, reference)?;
                let events = store::events(tx.logs, reference)?;
                let request = build(tx, row, &events, now.date_naive())?;
                tx.about(&request.site, Some(&request.member_id));
                Ok(RequestDetail { request, events })
            },
        )
    }

    /// The register as CSV, one row per request.
    pub fn request_register_csv(&self, now: DateTime<Utc>) -> Result<String> {
        self.door(
            Op::logs(Action::RequestRegister, "request_export"),
            now,
            |tx| {
                let all = all(tx, &RequestFilter::default(), now)?;
                let csv = register_csv(&all)?;
                tx.detail(json!({"requests": all.len(), "format": "csv"}));
                Ok(csv)
            },
        )
    }
}

/// For a bundle, inside its transaction: request `reference`, which must
/// exist, be about this site and member, not be closed, and, if it asked for
/// an identity check, have it verified.
pub(crate) fn for_bundle(
    tx: &Tx,
    reference: &str,
    site: &str,
    member_id: &str,
) -> Result<RequestDetail> {
    let row = store::row(tx.logs, reference)?;
    if row.site != site || row.member_id != member_id {
        return Err(Error::Invalid(format!(
            "request {reference} is about another member"
        )));
    }
    let events = store::events(tx.logs, reference)?;
    let request = build(tx, row, &events, tx.now.date_naive())?;
    if request.state.outcome.is_some() {
        return Err(Error::Invalid(format!("request {reference} is closed")));
    }
    if request.state.id_check_requested && request.state.identity_verified.is_none() {
        return Err(Error::Invalid(format!(
            "request {reference} awaits identity verification: verify it before sending any data"
        )));
    }
    Ok(RequestDetail { request, events })
}

/// Record a `bundle` event on a request, inside the caller's transaction.
pub(crate) fn note_bundle(tx: &Tx, reference: &str, detail: &Value) -> Result<()> {
    let row = store::row(tx.logs, reference)?;
    store::append(
        tx.logs,
        &row,
        "bundle",
        detail,
        &tx.user.name,
        tx.now,
        tx.signer(),
    )?;
    Ok(())
}

/// Open requests (for Home), in the caller's transaction.
pub(crate) fn open_requests(tx: &Tx, now: DateTime<Utc>) -> Result<Vec<Request>> {
    all(
        tx,
        &RequestFilter {
            open_only: true,
            ..Default::default()
        },
        now,
    )
}

/// The events of a request, oldest first (the review area replays its
/// drafts' states from them), in the caller's transaction.
pub(crate) fn events_of(logs: &Connection, reference: &str) -> Result<Vec<RequestEvent>> {
    store::events(logs, reference)
}

/// Record a review event (`draft_created`, `review_submitted`, …,
/// `released`) on a request, inside the caller's transaction on `logs.db`.
pub(crate) fn note_review(tx: &Tx, reference: &str, kind: &str, detail: &Value) -> Result<()> {
    let row = store::row(tx.logs, reference)?;
    store::append(
        tx.logs,
        &row,
        kind,
        detail,
        &tx.user.name,
        tx.now,
        tx.signer(),
    )?;
    Ok(())
}
