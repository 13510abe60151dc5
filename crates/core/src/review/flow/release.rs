//! Releasing an approved draft: the zip written exactly as approved,
//! its SHA-256 recorded on the request.

use super::super::plan::{stale_error, ReviewedPlan};
use super::super::store;
use super::super::{DraftState, ReleaseOptions};
use super::current;
use crate::bundle::{self, BundleMade, Job};
use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::requests;
use crate::roles::Action;
use crate::session::{Op, Session, Tx};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::path::Path;

impl Session {
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
        let chosen: RefCell<Option<Chosen>> = RefCell::new(None);
        bundle::make(
            self,
            &job,
            now,
            progress,
            |tx| {
                let request = requests::for_bundle(tx, reference, &site, &member_id)?;
                *chosen.borrow_mut() = Some(release_check(tx, reference)?);
                Ok(Some(request))
            },
            |tx, _| release_plan(tx, chosen.borrow().clone(), &site, &member_id),
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

/// What the start of a release established, for the write and the end:
/// (draft, digest of its decisions, the manifest's `review` entry).
type Chosen = (i64, String, Value);

/// The refusal when a draft's decisions are not those approved.
fn changed_since_approved() -> Error {
    Error::Conflict(
        "the decisions changed after the draft was approved: reopen it, submit and approve it again".into(),
    )
}

/// The start of a release: the current draft is approved, not stale, and
/// its decisions are those approved.
fn release_check(tx: &Tx, reference: &str) -> Result<Chosen> {
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
        return Err(changed_since_approved());
    }
    let review = json!({
        "reviewed": true,
        "draft": d.id,
        "submitted_by": r.submitted_by,
        "approved_by": r.approved_by,
        "approved_at": r.approved_at,
        "four_eyes": r.four_eyes,
    });
    Ok((d.id, digest, review))
}

/// The write's plan: the decisions still those approved, every row still
/// one of the draft's items.
fn release_plan(
    tx: &Tx,
    chosen: Option<Chosen>,
    site: &str,
    member_id: &str,
) -> Result<ReviewedPlan> {
    let (draft, digest, review) = chosen.ok_or_else(|| Error::Invalid("no draft chosen".into()))?;
    let conn = tx.data()?;
    if store::digest(conn, draft)? != digest {
        return Err(changed_since_approved());
    }
    check_rows(conn, draft, site, member_id)?;
    ReviewedPlan::load(conn, draft, review)
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
