//! The subject-access request register (`vault-and-access-v1.md` §2: every
//! role, the auditor without member data).
//!
//! - A request is a row of `requests` (what it is about) plus its events in
//!   `request_events` (who did what, when). Every change is an event; the
//!   status and the due date are computed by replaying the events
//!   ([`replay`]), so any deadline can be recomputed and explained.
//! - Deadlines follow [`calendar`] (the ICO calendar-month rule, England &
//!   Wales bank holidays).
//! - The requester's free text is shown to dpo and staff only; an auditor
//!   sees it blank.
//! - Every action is in the audit trail.

pub mod calendar;

use crate::audit::Outcome;
use crate::error::{Error, Result};
use crate::roles::{Action, Role};
use crate::session::Session;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Value};

/// The migration that adds the register (appended to the schema's list).
pub(crate) fn migration() -> String {
    "
    CREATE TABLE requests (
        ref TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        member_id TEXT NOT NULL,
        received TEXT NOT NULL,
        channel TEXT NOT NULL,
        requester TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        opened_by TEXT NOT NULL
    );
    CREATE INDEX requests_member ON requests (site, member_id);
    CREATE TABLE request_events (
        ref TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL,
        PRIMARY KEY (ref, seq)
    );
    CREATE TABLE request_calendars (
        site TEXT PRIMARY KEY,
        calendar TEXT NOT NULL,
        set_at TEXT NOT NULL,
        set_by TEXT NOT NULL
    );
    "
    .to_string()
}

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
        match ev.kind.as_str() {
            "opened" => {
                s.id_check_requested = ev
                    .detail
                    .get("id_check_requested")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                if let Some(r) = ev.detail.get("calendar").and_then(Value::as_str) {
                    region = r.parse().unwrap_or_default();
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
                s.extended_months +=
                    ev.detail.get("months").and_then(Value::as_u64).unwrap_or(0) as u32
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
    s.status = if s.outcome.is_some() {
        "closed"
    } else if s.paused {
        "paused"
    } else if s.clock_started.is_none() {
        "awaiting_identity"
    } else {
        "open"
    }
    .to_string();
    s
}

/// References: 1–64 of letters, digits, `-`, `_`, `/`, `.`.
fn validate_reference(r: &str) -> Result<()> {
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

fn required_reason(reason: &str, what: &str) -> Result<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(Error::Invalid(format!("{what} needs a reason")));
    }
    Ok(r.to_string())
}

fn calendar_of(st: &State) -> calendar::Region {
    st.calendar.parse().unwrap_or_default()
}

struct Row {
    reference: String,
    site: String,
    member_id: String,
    received: NaiveDate,
    channel: String,
    requester: String,
}

const ROW_COLUMNS: &str = "ref, site, member_id, received, channel, requester";

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let received: String = r.get(3)?;
    Ok(Row {
        reference: r.get(0)?,
        site: r.get(1)?,
        member_id: r.get(2)?,
        received: NaiveDate::parse_from_str(&received, "%Y-%m-%d").unwrap_or_default(),
        channel: r.get(4)?,
        requester: r.get(5)?,
    })
}

impl Session {
    fn request_row(&self, reference: &str) -> Result<Row> {
        self.conn
            .query_row(
                &format!("SELECT {ROW_COLUMNS} FROM requests WHERE ref = ?1"),
                [reference],
                row_from,
            )
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("there is no request {reference}")))
    }

    fn request_events(&self, reference: &str) -> Result<Vec<RequestEvent>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, user, kind, detail FROM request_events WHERE ref = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([reference], |r| {
            let detail: String = r.get(4)?;
            Ok(RequestEvent {
                seq: r.get(0)?,
                at: r.get(1)?,
                user: r.get(2)?,
                kind: r.get(3)?,
                detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn request_build(&self, row: Row, events: &[RequestEvent], today: NaiveDate) -> Request {
        let state = replay(row.received, events, today);
        Request {
            reference: row.reference,
            site: row.site,
            member_id: row.member_id,
            received: row.received,
            channel: row.channel,
            requester: if self.user().role == Role::Auditor {
                String::new()
            } else {
                row.requester
            },
            state,
        }
    }

    /// The current state of a request, for a change to check against.
    fn request_current(&self, reference: &str, now: DateTime<Utc>) -> Result<(Row, State)> {
        let row = self.request_row(reference)?;
        let events = self.request_events(reference)?;
        let state = replay(row.received, &events, now.date_naive());
        Ok((row, state))
    }

    /// Append an event (and its audit entry) in one transaction, and cache
    /// the replayed status.
    fn request_append(
        &mut self,
        row: &Row,
        kind: &str,
        detail: Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        self.request_event_in(row, kind, detail, now)?;
        tx.commit()?;
        Ok(())
    }

    /// The work of [`Self::request_append`], inside the caller's transaction.
    fn request_event_in(
        &self,
        row: &Row,
        kind: &str,
        detail: Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = &self.conn;
        let seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM request_events WHERE ref = ?1",
            [&row.reference],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO request_events (ref, seq, at, user, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                row.reference,
                seq,
                crate::audit::ts(now),
                self.user().name,
                kind,
                detail.to_string()
            ],
        )?;
        let events = self.request_events(&row.reference)?;
        let state = replay(row.received, &events, now.date_naive());
        tx.execute(
            "UPDATE requests SET status = ?2 WHERE ref = ?1",
            params![row.reference, state.status],
        )?;
        let mut audit_detail = json!({"ref": row.reference, "kind": kind});
        if let Some(due) = state.due {
            audit_detail["due"] = json!(due.to_string());
        }
        self.audit(
            now,
            &format!("request_{kind}"),
            Some(&row.site),
            Some(&row.member_id),
            Some(audit_detail),
            Outcome::Ok,
        )?;
        Ok(())
    }

    /// Open a request about a member of `site`. The reference is generated
    /// (`SAR-<year received>-0001`, …) unless given; a duplicate is refused.
    #[allow(clippy::too_many_arguments)]
    pub fn request_open(
        &mut self,
        site: &str,
        member_id: &str,
        received: NaiveDate,
        channel: &str,
        requester: &str,
        reference: Option<&str>,
        id_check_requested: bool,
        now: DateTime<Utc>,
    ) -> Result<String> {
        self.authorize(Action::ChangeRequests, now, Some(site), Some(member_id))?;
        if !CHANNELS.contains(&channel) {
            return Err(Error::Invalid(format!(
                "unknown channel {channel:?}: use {}",
                CHANNELS.join(", ")
            )));
        }
        if received > now.date_naive() {
            return Err(Error::Invalid("the date received is in the future".into()));
        }
        let exists: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM members WHERE site = ?1 AND id = ?2 AND deleted_seq IS NULL)",
            params![site, member_id],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(Error::NotFound(format!(
                "there is no member {member_id} of site {site}"
            )));
        }
        let reference = match reference {
            Some(r) => {
                validate_reference(r)?;
                let taken: bool = self.conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM requests WHERE ref = ?1)",
                    [r],
                    |x| x.get(0),
                )?;
                if taken {
                    return Err(Error::Conflict(format!("there is already a request {r}")));
                }
                r.to_string()
            }
            None => {
                let prefix = format!("SAR-{}-", received.year());
                let mut n: i64 = self.conn.query_row(
                    "SELECT COUNT(*) FROM requests WHERE ref LIKE ?1 || '%'",
                    [&prefix],
                    |r| r.get(0),
                )?;
                loop {
                    n += 1;
                    let candidate = format!("{prefix}{n:04}");
                    let taken: bool = self.conn.query_row(
                        "SELECT EXISTS (SELECT 1 FROM requests WHERE ref = ?1)",
                        [&candidate],
                        |x| x.get(0),
                    )?;
                    if !taken {
                        break candidate;
                    }
                }
            }
        };
        let region = self.request_calendar(site)?;
        let status = if id_check_requested {
            "awaiting_identity"
        } else {
            "open"
        };
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO requests (ref, site, member_id, received, channel, requester, status, opened_at, opened_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                reference,
                site,
                member_id,
                received.to_string(),
                channel,
                requester.trim(),
                status,
                crate::audit::ts(now),
                self.user().name
            ],
        )?;
        let row = self.request_row(&reference)?;
        self.request_event_in(
            &row,
            "opened",
            json!({"received": received.to_string(), "channel": channel,
                   "id_check_requested": id_check_requested, "calendar": region.name()}),
            now,
        )?;
        tx.commit()?;
        Ok(reference)
    }

    /// Identity was verified on `on`: the clock starts that day.
    pub fn request_verify_identity(
        &mut self,
        reference: &str,
        on: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.authorize(Action::ChangeRequests, now, None, None)?;
        let (row, st) = self.request_current(reference, now)?;
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
        self.request_append(
            &row,
            "identity_verified",
            json!({"on": on.to_string()}),
            now,
        )
    }

    /// Stop the clock (e.g. awaiting clarification) from today.
    pub fn request_pause(
        &mut self,
        reference: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.authorize(Action::ChangeRequests, now, None, None)?;
        let reason = required_reason(reason, "a pause")?;
        let (row, st) = self.request_current(reference, now)?;
        if st.outcome.is_some() {
            return Err(Error::Invalid(format!("request {reference} is closed")));
        }
        if st.paused {
            return Err(Error::Invalid(format!(
                "request {reference} is already paused"
            )));
        }
        self.request_append(&row, "paused", json!({"reason": reason}), now)
    }

    /// Restart the clock; the due date moves later by the days paused.
    pub fn request_resume(&mut self, reference: &str, now: DateTime<Utc>) -> Result<()> {
        self.authorize(Action::ChangeRequests, now, None, None)?;
        let (row, st) = self.request_current(reference, now)?;
        if !st.paused || st.outcome.is_some() {
            return Err(Error::Invalid(format!("request {reference} is not paused")));
        }
        let days = st
            .paused_since
            .map(|s| (now.date_naive() - s).num_days())
            .unwrap_or(0);
        self.request_append(&row, "resumed", json!({"days_paused": days}), now)
    }

    /// Extend by 1 or 2 months, once, while the first month is running.
    pub fn request_extend(
        &mut self,
        reference: &str,
        months: u32,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.authorize(Action::ChangeRequests, now, None, None)?;
        if !(1..=2).contains(&months) {
            return Err(Error::Invalid(
                "an extension is by 1 or 2 further months".into(),
            ));
        }
        let reason = required_reason(reason, "an extension")?;
        let (row, st) = self.request_current(reference, now)?;
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
        if !calendar::within_first_month(calendar_of(&st), start, st.paused_days, now.date_naive())
        {
            return Err(Error::Invalid(format!(
                "request {reference} is past its first month; an extension must be made within it"
            )));
        }
        self.request_append(
            &row,
            "extended",
            json!({"months": months, "reason": reason}),
            now,
        )
    }

    /// Close a request; a refusal needs a reason.
    pub fn request_close(
        &mut self,
        reference: &str,
        outcome: &str,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.authorize(Action::ChangeRequests, now, None, None)?;
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
        let (row, st) = self.request_current(reference, now)?;
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
        self.request_append(&row, "closed", detail, now)
    }

    pub(crate) fn request_all(
        &self,
        filter: &RequestFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<Request>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ROW_COLUMNS} FROM requests ORDER BY received, ref"
        ))?;
        let rows = stmt
            .query_map([], row_from)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::new();
        for row in rows {
            if filter.site.as_ref().is_some_and(|s| *s != row.site) {
                continue;
            }
            let events = self.request_events(&row.reference)?;
            let r = self.request_build(row, &events, now.date_naive());
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

    /// The bank-holiday calendar of a site (England & Wales unless set).
    pub fn request_calendar(&self, site: &str) -> Result<calendar::Region> {
        let name: Option<String> = self
            .conn
            .query_row(
                "SELECT calendar FROM request_calendars WHERE site = ?1",
                [site],
                |r| r.get(0),
            )
            .optional()?;
        Ok(name.and_then(|n| n.parse().ok()).unwrap_or_default())
    }

    /// Choose a site's bank-holiday calendar (dpo). It applies to requests
    /// opened from now on; an open request keeps the calendar it began with.
    pub fn request_set_calendar(
        &mut self,
        site: &str,
        region: calendar::Region,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.authorize(Action::RequestSettings, now, Some(site), None)?;
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO request_calendars (site, calendar, set_at, set_by) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (site) DO UPDATE SET calendar = ?2, set_at = ?3, set_by = ?4",
            params![site, region.name(), crate::audit::ts(now), self.user().name],
        )?;
        self.audit(
            now,
            "request_calendar_set",
            Some(site),
            None,
            Some(json!({"calendar": region.name()})),
            Outcome::Ok,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The register, oldest received first.
    pub fn request_list(&self, filter: &RequestFilter, now: DateTime<Utc>) -> Result<Vec<Request>> {
        self.authorize(Action::RequestRegister, now, None, None)?;
        let out = self.request_all(filter, now)?;
        self.audit(
            now,
            "request_list",
            filter.site.as_deref(),
            None,
            Some(json!({"requests": out.len(), "overdue_only": filter.overdue_only})),
            Outcome::Ok,
        )?;
        Ok(out)
    }

    /// One request with its events.
    pub fn request_show(&self, reference: &str, now: DateTime<Utc>) -> Result<RequestDetail> {
        self.authorize(Action::RequestRegister, now, None, None)?;
        let row = self.request_row(reference)?;
        let events = self.request_events(reference)?;
        let request = self.request_build(row, &events, now.date_naive());
        self.audit(
            now,
            "request_show",
            Some(&request.site),
            Some(&request.member_id),
            Some(json!({"ref": reference})),
            Outcome::Ok,
        )?;
        Ok(RequestDetail { request, events })
    }

    /// The register as CSV, one row per request.
    pub fn request_register_csv(&self, now: DateTime<Utc>) -> Result<String> {
        self.authorize(Action::RequestRegister, now, None, None)?;
        let all = self.request_all(&RequestFilter::default(), now)?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| Error::Invalid(format!("writing the register: {e}"));
        w.write_record([
            "ref",
            "site",
            "member_id",
            "received",
            "channel",
            "requester",
            "status",
            "calendar",
            "id_check_requested",
            "identity_verified",
            "clock_started",
            "extended_months",
            "paused_days",
            "due",
            "days_left",
            "overdue",
            "outcome",
            "closed_on",
        ])
        .map_err(io)?;
        let d = |x: Option<NaiveDate>| x.map(|d| d.to_string()).unwrap_or_default();
        for r in &all {
            let s = &r.state;
            w.write_record([
                r.reference.clone(),
                r.site.clone(),
                r.member_id.clone(),
                r.received.to_string(),
                r.channel.clone(),
                r.requester.clone(),
                s.status.clone(),
                s.calendar.clone(),
                s.id_check_requested.to_string(),
                d(s.identity_verified),
                d(s.clock_started),
                s.extended_months.to_string(),
                s.paused_days.to_string(),
                d(s.due),
                s.days_left.map(|n| n.to_string()).unwrap_or_default(),
                s.overdue.to_string(),
                s.outcome.clone().unwrap_or_default(),
                d(s.closed_on),
            ])
            .map_err(io)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| Error::Invalid(format!("writing the register: {e}")))?;
        self.audit(
            now,
            "request_export",
            None,
            None,
            Some(json!({"requests": all.len(), "format": "csv"})),
            Outcome::Ok,
        )?;
        Ok(String::from_utf8(bytes).unwrap_or_default())
    }
}

impl Session {
    /// For a bundle: request `reference`, which must exist, be about this
    /// site and member, and not be closed (no role check, no audit).
    pub(crate) fn request_for_bundle(
        &self,
        reference: &str,
        site: &str,
        member_id: &str,
        now: DateTime<Utc>,
    ) -> Result<RequestDetail> {
        let row = self.request_row(reference)?;
        if row.site != site || row.member_id != member_id {
            return Err(Error::Invalid(format!(
                "request {reference} is about another member"
            )));
        }
        let events = self.request_events(reference)?;
        let request = self.request_build(row, &events, now.date_naive());
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

    /// Record a `bundle` event on a request (and its audit entry), inside
    /// the caller's transaction.
    pub(crate) fn request_note_bundle(
        &self,
        reference: &str,
        detail: Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let row = self.request_row(reference)?;
        self.request_event_in(&row, "bundle", detail, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
