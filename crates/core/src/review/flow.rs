//! A draft's states (replayed from the request's events), the summary, and
//! the steps: submit, approve, reopen, withdraw, release; the four-eyes
//! setting.

use super::plan::{stale_error, ReviewedPlan};
use super::store::{self, DraftRow};
use super::{
    DisclosureCheck, DisclosureDecision, DraftState, ReleaseOptions, ReviewCan, ReviewEvent,
    ReviewSettings, ReviewSummary, TouchedItem,
};
use crate::bundle::{self, BundleMade, Job};
use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::requests::{self, RequestEvent};
use crate::roles::{Action, Role};
use crate::session::{Op, Session, Tx};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::path::Path;

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

/// The summary of the current draft, as the signed-in user sees it.
pub(crate) fn summary(tx: &Tx, d: &DraftRow, r: &Replayed) -> Result<ReviewSummary> {
    let conn = tx.data()?;
    let c = store::counts(conn, d.id)?;
    let current_sequence = store::sequence(conn, &d.site)?;
    let stale = current_sequence != d.vault_sequence;
    let settings = store::settings(tx.logs, &d.site)?;
    let facts = crate::privacy::facts_conn(tx.logs, &d.site)?;
    let facts_default = facts.updated_at.is_none();
    let disclosures = disclosure_checks(tx, d)?;
    let mut blockers = Vec::new();
    if stale {
        blockers.push(format!(
            "the vault changed since the draft was made (export {} then, {} now): make a new draft (decisions carry over to what did not change)",
            d.vault_sequence, current_sequence
        ));
    }
    if c.undecided > 0 {
        let proposals = plural(c.undecided as u64, "proposal", "proposals");
        blockers.push(if c.parties_undecided > 0 {
            format!(
                "{proposals} undecided, about {}: decide each third party (or each proposal)",
                plural(c.parties_undecided as u64, "third party", "third parties")
            )
        } else {
            format!("{proposals} undecided: decide each")
        });
    }
    for x in disclosures.iter().filter(|x| !complete(x)) {
        blockers.push(format!(
            "the member is in the disclosure log: record whether revealing {} would prejudice crime prevention or a child's safeguarding, and answer for each item it touched",
            x.disclosure
        ));
    }
    let ready = blockers.is_empty();
    let role = tx.user.role;
    let me = tx.user.name.as_str();
    let may = Action::RequestBundle.allowed_for(role);
    let second_ok = |submitter: Option<&str>| {
        !settings.four_eyes || (role == Role::Dpo && submitter.is_some_and(|s| s != me))
    };
    let st = r.state;
    match st {
        DraftState::InReview if settings.four_eyes => {
            if let Some(s) = &r.submitted_by {
                blockers.push(format!(
                    "four eyes: a dpo other than {s} (who submitted it) approves"
                ));
            }
        }
        DraftState::Approved if facts_default => blockers.push(
            "the site's privacy facts are still the shipped default: a dpo should review them first (or release with allow_default_facts, which the manifest records)".into(),
        ),
        _ => {}
    }
    let can = ReviewCan {
        decide: may && st == DraftState::Draft,
        submit: may && st == DraftState::Draft && ready,
        approve: may
            && ready
            && match st {
                DraftState::InReview => second_ok(r.submitted_by.as_deref()),
                DraftState::Draft => !settings.four_eyes,
                _ => false,
            },
        release: may && st == DraftState::Approved && !stale,
        reopen: may && matches!(st, DraftState::InReview | DraftState::Approved),
        withdraw: may && st.open(),
    };
    Ok(ReviewSummary {
        reference: d.reference.clone(),
        site: d.site.clone(),
        member_id: d.member_id.clone(),
        draft: d.id as u32,
        state: st,
        created_at: d.created_at.clone(),
        created_by: d.created_by.clone(),
        replaces: d.replaces.map(|x| x as u32),
        carried_over: d.carried as u32,
        vault_sequence: d.vault_sequence,
        current_sequence,
        stale,
        four_eyes: settings.four_eyes,
        facts_default,
        items: c.items,
        items_reviewed: c.reviewed,
        items_withheld: c.withheld,
        proposals: c.proposals,
        proposals_undecided: c.undecided,
        parties: c.parties,
        parties_undecided: c.parties_undecided,
        spans: c.spans,
        kinds: c.kinds,
        candidates: c.candidates,
        disclosures,
        blockers,
        can,
        events: r.events.clone(),
    })
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

    /// Release the current draft: write the zip exactly as approved (see
    /// the module documentation) and record its SHA-256 on the request.
    pub fn release(
        &self,
        reference: &str,
        out: &Path,
        opts: &ReleaseOptions,
        now: DateTime<Utc>,
        progress: &dyn Progress,
    ) -> Result<BundleMade> {
        let op = Op::quiet(Action::RequestBundle);
        let (site, member_id) = self.door(op, now, |tx| {
            let (d, _, _) = current(tx, reference)?;
            Ok((d.site, d.member_id))
        })?;
        let job = Job {
            site: &site,
            member_id: &member_id,
            out,
            encrypt: opts.encrypt,
            encryption: opts.encryption,
            reference: Some(reference),
            start_event: "release_started",
            end_event: "release",
            activity: "a release",
            allow_default_facts: opts.allow_default_facts,
        };
        // What the start established, for the write and the end.
        let chosen: RefCell<Option<(i64, String, Value)>> = RefCell::new(None);
        bundle::make(
            self,
            &job,
            now,
            progress,
            |tx| {
                let request = requests::for_bundle(tx, reference, &site, &member_id)?;
                let (d, r, _) = current(tx, reference)?;
                if r.state != DraftState::Approved {
                    return Err(Error::Invalid(format!(
                        "draft {} is {}: only an approved draft is released",
                        d.id,
                        r.state.name()
                    )));
                }
                let conn = tx.data()?;
                if store::sequence(conn, &d.site)? != d.vault_sequence {
                    return Err(stale_error());
                }
                let digest = store::digest(conn, d.id)?;
                if r.approved_digest.as_deref() != Some(digest.as_str()) {
                    return Err(Error::Conflict(
                        "the decisions changed after the draft was approved: reopen it, submit and approve it again".into(),
                    ));
                }
                let review = json!({
                    "reviewed": true,
                    "draft": d.id,
                    "submitted_by": r.submitted_by,
                    "approved_by": r.approved_by,
                    "approved_at": r.approved_at,
                    "four_eyes": r.four_eyes,
                });
                *chosen.borrow_mut() = Some((d.id, digest, review));
                Ok(Some(request))
            },
            |tx, _| {
                let (draft, digest, review) = chosen
                    .borrow()
                    .clone()
                    .ok_or_else(|| Error::Invalid("no draft chosen".into()))?;
                let conn = tx.data()?;
                if store::digest(conn, draft)? != digest {
                    return Err(Error::Conflict(
                        "the decisions changed after the draft was approved: reopen it, submit and approve it again".into(),
                    ));
                }
                check_rows(conn, draft, &site, &member_id)?;
                ReviewedPlan::load(conn, draft, review)
            },
            |tx, _, detail| {
                let (draft, digest, _) = chosen
                    .borrow()
                    .clone()
                    .ok_or_else(|| Error::Invalid("no draft chosen".into()))?;
                let mut d = detail.clone();
                d["draft"] = json!(draft);
                d["digest"] = json!(digest);
                requests::note_bundle(tx, reference, &d)
            },
        )
    }
}

/// Every row the bundle will hold is one of the draft's items (none added,
/// none gone).
fn check_rows(conn: &Connection, draft: i64, site: &str, member_id: &str) -> Result<()> {
    let email: Option<String> = conn
        .query_row(
            "SELECT json_extract(data, '$.email') FROM members WHERE site = ?1 AND id = ?2",
            params![site, member_id],
            |r| r.get(0),
        )
        .map_err(|_| stale_error())?;
    let mut stmt = conn.prepare(
        "SELECT entity, count(*) FROM review_items WHERE draft = ?1 AND source = 'member' GROUP BY entity",
    )?;
    let have: Vec<(String, i64)> = stmt
        .query_map([draft], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for e in Entity::DATA {
        let n = bundle::count_rows(conn, site, member_id, email.as_deref(), e)?;
        let d = have
            .iter()
            .find(|x| x.0 == e.name())
            .map_or(0, |x| x.1 as u64);
        if n != d {
            return Err(stale_error());
        }
    }
    Ok(())
}

/// "1 proposal", "2,303 proposals".
fn plural(n: u64, one: &str, many: &str) -> String {
    let word = if n == 1 { one } else { many };
    format!("{} {word}", crate::labels::thousands(n))
}
