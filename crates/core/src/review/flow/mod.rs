//! A draft's states (replayed from the request's events), the summary, and
//! the steps: submit, approve, reopen, withdraw, release; the four-eyes
//! setting.

mod release;
mod summary;

pub(crate) use summary::summary;

use super::plan::stale_error;
use super::store::{self, DraftRow};
use super::{
    DisclosureCheck, DisclosureDecision, DraftState, ReviewEvent, ReviewSettings, ReviewSummary,
    TouchedItem,
};
use crate::error::{Error, Result};
use crate::requests::{self, RequestEvent};
use crate::roles::{Action, Role};
use crate::session::{Op, Session, Tx};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

/// The review event kinds on a request.
pub(crate) const KINDS: [&str; 6] = [
    "draft_created",
    "review_submitted",
    "review_approved",
    "review_reopened",
    "draft_withdrawn",
    "bundle",
];

/// A draft's state, replayed.
#[derive(Clone, Debug)]
pub(crate) struct Replayed {
    pub state: DraftState,
    pub submitted_by: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
    pub approved_digest: Option<String>,
    pub four_eyes: bool,
    pub events: Vec<ReviewEvent>,
}

fn draft_of(ev: &RequestEvent) -> Option<i64> {
    ev.detail.get("draft").and_then(Value::as_i64)
}

/// Replay draft `draft`'s events.
pub(crate) fn replay(events: &[RequestEvent], draft: i64) -> Replayed {
    let mut r = Replayed {
        state: DraftState::Draft,
        submitted_by: None,
        approved_by: None,
        approved_at: None,
        approved_digest: None,
        four_eyes: false,
        events: Vec::new(),
    };
    for ev in events.iter().filter(|e| draft_of(e) == Some(draft)) {
        if !KINDS.contains(&ev.kind.as_str()) {
            continue;
        }
        r.events.push(ReviewEvent {
            at: ev.at.clone(),
            user: ev.user.clone(),
            kind: ev.kind.clone(),
            detail: ev.detail.clone(),
        });
        match ev.kind.as_str() {
            "draft_created" => r.state = DraftState::Draft,
            "review_submitted" => {
                r.state = DraftState::InReview;
                r.submitted_by = Some(ev.user.clone());
            }
            "review_approved" => {
                r.state = DraftState::Approved;
                r.approved_by = Some(ev.user.clone());
                r.approved_at = Some(ev.at.clone());
                r.approved_digest = ev
                    .detail
                    .get("digest")
                    .and_then(Value::as_str)
                    .map(String::from);
                r.four_eyes = ev
                    .detail
                    .get("four_eyes")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
            }
            "review_reopened" => {
                r.state = DraftState::Draft;
                r.submitted_by = None;
                r.approved_by = None;
                r.approved_digest = None;
            }
            "draft_withdrawn" => r.state = DraftState::Withdrawn,
            // The release: the request's `bundle` event, naming the draft.
            "bundle" => r.state = DraftState::Released,
            _ => {}
        }
    }
    r
}

/// The request's drafts with a `draft_created` event, oldest first.
pub(crate) fn created(events: &[RequestEvent]) -> Vec<i64> {
    events
        .iter()
        .filter(|e| e.kind == "draft_created")
        .filter_map(draft_of)
        .collect()
}

/// The request's current draft: its row, replayed state, and the events.
pub(crate) fn current(tx: &Tx, reference: &str) -> Result<(DraftRow, Replayed, Vec<RequestEvent>)> {
    let events = requests::events_of(tx.logs, reference)?;
    let conn = tx.data()?;
    for id in created(&events).into_iter().rev() {
        if let Some(row) = store::draft(conn, id)? {
            let r = replay(&events, id);
            return Ok((row, r, events));
        }
    }
    // The request exists? Say which is missing.
    if !request_exists(tx.logs, reference)? {
        return Err(Error::NotFound(format!("there is no request {reference}")));
    }
    Err(Error::NotFound(format!(
        "request {reference} has no draft: make one first (desk review {reference} --create)"
    )))
}

fn request_exists(logs: &Connection, reference: &str) -> Result<bool> {
    Ok(logs.query_row(
        "SELECT EXISTS (SELECT 1 FROM requests WHERE ref = ?1)",
        [reference],
        |r| r.get(0),
    )?)
}

/// The disclosure-log entries naming the member, with their touched rows
/// and this draft's decisions.
pub(crate) fn disclosure_checks(tx: &Tx, d: &DraftRow) -> Result<Vec<DisclosureCheck>> {
    let entries = crate::disclosure::entries_about(tx.logs, &d.site, &d.member_id)?;
    let conn = tx.data()?;
    let decisions = store::disclosure_decisions(conn, d.id)?;
    // Effective content per original: its latest amendment, else itself.
    let mut out: Vec<(String, Value)> = Vec::new();
    for e in entries {
        match e.kind.as_str() {
            "original" => out.push((e.id.clone(), e.content.clone())),
            "amendment" => {
                if let Some(o) = e
                    .amends
                    .as_ref()
                    .and_then(|a| out.iter_mut().find(|x| x.0 == *a))
                {
                    o.1 = e.content.clone();
                }
            }
            _ => {}
        }
    }
    let mut find = conn.prepare_cached(
        "SELECT n FROM review_items WHERE draft = ?1 AND entity = ?2 AND row_id = ?3",
    )?;
    let mut checks = Vec::new();
    for (id, content) in out {
        let mut touched = Vec::new();
        if let Some(a) = content.get("triggered_by").and_then(Value::as_array) {
            for t in a {
                let entity = t
                    .get("entity")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let rid = t
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let item: Option<u32> = find
                    .query_row(params![d.id, entity, rid], |r| r.get(0))
                    .ok();
                touched.push(TouchedItem {
                    entity,
                    id: rid,
                    item,
                });
            }
        }
        let decision: Option<DisclosureDecision> = decisions
            .iter()
            .find(|(x, _)| *x == id)
            .map(|(_, v)| v.clone());
        checks.push(DisclosureCheck {
            disclosure: id,
            disclosed_at: content
                .get("disclosed_at")
                .and_then(Value::as_str)
                .map(String::from),
            recipient: content
                .get("recipient")
                .and_then(|r| r.get("organisation"))
                .and_then(Value::as_str)
                .map(String::from),
            touched,
            decision,
        });
    }
    Ok(checks)
}

/// Whether a disclosure check is complete: decided, and every touched
/// item of the draft answered.
pub(crate) fn complete(c: &DisclosureCheck) -> bool {
    let Some(d) = &c.decision else { return false };
    c.touched
        .iter()
        .filter_map(|t| t.item)
        .all(|n| d.items.iter().any(|a| a.item == n))
}

/// What must hold before a draft is submitted or approved: nothing
/// undecided, every disclosure decision recorded, not stale.
fn ready(tx: &Tx, d: &DraftRow) -> Result<()> {
    let conn = tx.data()?;
    if store::sequence(conn, &d.site)? != d.vault_sequence {
        return Err(stale_error());
    }
    let c = store::counts(conn, d.id)?;
    if c.undecided > 0 {
        return Err(Error::Invalid(format!(
            "{} undecided: decide each (or its third party) first",
            plural(c.undecided as u64, "proposal is", "proposals are")
        )));
    }
    let open: Vec<String> = disclosure_checks(tx, d)?
        .into_iter()
        .filter(|x| !complete(x))
        .map(|x| x.disclosure)
        .collect();
    if !open.is_empty() {
        return Err(Error::Invalid(format!(
            "the member is in the disclosure log: record the decision about {} (and the items it touched) first",
            open.join(", ")
        )));
    }
    Ok(())
}

fn audit(tx: &mut Tx, d: &DraftRow, extra: Value) {
    tx.about(&d.site, Some(&d.member_id));
    let mut v = json!({"ref": d.reference, "draft": d.id});
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    tx.detail(v);
}

impl Session {
    /// Submit the current draft for approval (`draft` → `in_review`).
    pub fn review_submit(&self, reference: &str, now: DateTime<Utc>) -> Result<ReviewSummary> {
        let op = Op::logs(Action::RequestBundle, "review_submitted");
        self.door(op, now, |tx| {
            let (d, r, _) = current(tx, reference)?;
            audit(tx, &d, json!({}));
            if r.state != DraftState::Draft {
                return Err(Error::Invalid(format!(
                    "draft {} is {}: only a draft is submitted",
                    d.id,
                    r.state.name()
                )));
            }
            ready(tx, &d)?;
            let digest = store::digest(tx.data()?, d.id)?;
            requests::note_review(
                tx,
                reference,
                "review_submitted",
                &json!({"draft": d.id, "digest": digest}),
            )?;
            audit(tx, &d, json!({"digest": digest}));
            let (d, r, _) = current(tx, reference)?;
            summary(tx, &d, &r)
        })
    }

    /// Approve the current draft. From `in_review`; or from `draft` when the
    /// site does not require four eyes (it is submitted and approved at
    /// once). With four eyes the approver is a dpo other than the submitter.
    pub fn review_approve(&self, reference: &str, now: DateTime<Utc>) -> Result<ReviewSummary> {
        let op = Op::logs(Action::RequestBundle, "review_approved");
        self.door(op, now, |tx| {
            let (d, r, _) = current(tx, reference)?;
            audit(tx, &d, json!({}));
            let settings = store::settings(tx.logs, &d.site)?;
            let digest = store::digest(tx.data()?, d.id)?;
            match r.state {
                DraftState::Draft if settings.four_eyes => {
                    return Err(Error::Invalid(format!(
                        "{} requires four eyes: submit the draft (desk review {reference} submit), then a dpo other than you approves it",
                        d.site
                    )))
                }
                DraftState::Draft => {
                    ready(tx, &d)?;
                    requests::note_review(tx, reference, "review_submitted", &json!({"draft": d.id, "digest": digest}))?;
                }
                DraftState::InReview => {
                    ready(tx, &d)?;
                    let submitted: Option<String> = r
                        .events
                        .iter()
                        .rev()
                        .find(|e| e.kind == "review_submitted")
                        .and_then(|e| e.detail.get("digest").and_then(Value::as_str).map(String::from));
                    if submitted.as_deref() != Some(digest.as_str()) {
                        return Err(Error::Conflict(
                            "the decisions changed after the draft was submitted: reopen it and submit it again".into(),
                        ));
                    }
                    if settings.four_eyes {
                        if tx.user.role != Role::Dpo {
                            return Err(Error::Forbidden {
                                role: tx.user.role.name().into(),
                                action: format!("approving a draft of {} (four eyes: a dpo approves)", d.site),
                            });
                        }
                        if r.submitted_by.as_deref() == Some(tx.user.name.as_str()) {
                            return Err(Error::Invalid(
                                "four eyes: you submitted this draft; a dpo other than you approves it".into(),
                            ));
                        }
                    }
                }
                other => {
                    return Err(Error::Invalid(format!(
                        "draft {} is {}: nothing to approve",
                        d.id,
                        other.name()
                    )))
                }
            }
            requests::note_review(
                tx,
                reference,
                "review_approved",
                &json!({"draft": d.id, "digest": digest, "four_eyes": settings.four_eyes}),
            )?;
            audit(tx, &d, json!({"digest": digest, "four_eyes": settings.four_eyes}));
            let (d, r, _) = current(tx, reference)?;
            summary(tx, &d, &r)
        })
    }

    /// Send a submitted or approved draft back to `draft`.
    pub fn review_reopen(
        &self,
        reference: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<ReviewSummary> {
        let op = Op::logs(Action::RequestBundle, "review_reopened");
        self.door(op, now, |tx| {
            let (d, r, _) = current(tx, reference)?;
            audit(tx, &d, json!({}));
            if reason.trim().is_empty() {
                return Err(Error::Invalid("reopening needs a reason".into()));
            }
            if !matches!(r.state, DraftState::InReview | DraftState::Approved) {
                return Err(Error::Invalid(format!(
                    "draft {} is {}: only a submitted or approved draft is reopened",
                    d.id,
                    r.state.name()
                )));
            }
            requests::note_review(
                tx,
                reference,
                "review_reopened",
                &json!({"draft": d.id, "reason": reason.trim()}),
            )?;
            let (d, r, _) = current(tx, reference)?;
            summary(tx, &d, &r)
        })
    }

    /// Withdraw the current draft (nothing is released from it).
    pub fn review_withdraw(
        &self,
        reference: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<ReviewSummary> {
        let op = Op::logs(Action::RequestBundle, "review_withdrawn");
        self.door(op, now, |tx| {
            let (d, r, _) = current(tx, reference)?;
            audit(tx, &d, json!({}));
            if reason.trim().is_empty() {
                return Err(Error::Invalid("withdrawing needs a reason".into()));
            }
            if !r.state.open() {
                return Err(Error::Invalid(format!(
                    "draft {} is {}: nothing to withdraw",
                    d.id,
                    r.state.name()
                )));
            }
            requests::note_review(
                tx,
                reference,
                "draft_withdrawn",
                &json!({"draft": d.id, "reason": reason.trim()}),
            )?;
            let (d, r, _) = current(tx, reference)?;
            summary(tx, &d, &r)
        })
    }

    /// A site's review settings (every role).
    pub fn review_settings(&self, site: &str, now: DateTime<Utc>) -> Result<ReviewSettings> {
        let op = Op::quiet(Action::RequestRegister).on(Some(site), None);
        self.door(op, now, |tx| store::settings(tx.logs, site))
    }

    /// Require (or not) a second person, a dpo, to approve the site's
    /// drafts (dpo).
    pub fn review_set_settings(
        &self,
        site: &str,
        four_eyes: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let op = Op::logs(Action::RequestSettings, "review_settings_set").on(Some(site), None);
        self.door(op, now, |tx| {
            if site.trim().is_empty() {
                return Err(Error::Invalid("a site name is required".into()));
            }
            tx.logs.execute(
                "INSERT INTO review_settings (site, four_eyes, set_at, set_by) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (site) DO UPDATE SET four_eyes = ?2, set_at = ?3, set_by = ?4",
                params![site, four_eyes, crate::trail::ts(now), tx.user.name],
            )?;
            tx.detail(json!({"four_eyes": four_eyes}));
            Ok(())
        })
    }
}

/// "1 proposal", "2,303 proposals".
fn plural(n: u64, one: &str, many: &str) -> String {
    let word = if n == 1 { one } else { many };
    format!("{} {word}", crate::labels::thousands(n))
}
