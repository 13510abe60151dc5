//! Verifying the logs beyond their hash chains: every signature, every grant
//! back to the root, the users table against the grants, every head an
//! earlier verification recorded, and the pages of `logs.db` itself.
//!
//! What this catches that the chains alone do not: someone who holds the
//! logs key (every user does) but not another user's password can rewrite a
//! record and recompute every hash — but cannot sign as that user, cannot
//! grant themselves a role, and cannot remove what an earlier verification
//! saw without that verification's recorded head no longer matching.

use crate::chain::{Failure, FailureKind, Verification};
use crate::error::Result;
use crate::session::grants::Roster;
use crate::signing::{self, Domain};
use crate::trail;
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use std::collections::BTreeSet;

fn fail(v: &mut Verification, seq: i64, kind: FailureKind, message: String) {
    v.fail(Failure { seq, kind, message });
}

/// The grants and the users table.
pub(crate) fn check_grants(logs: &Connection, roster: &Roster, v: &mut Verification) -> Result<()> {
    for (seq, why) in &roster.problems {
        fail(
            v,
            0,
            FailureKind::BadSignature,
            format!("{why} (grant {seq})"),
        );
    }
    if roster.unsigned {
        v.warnings
            .push("this vault has no signed grants yet (it was made by an older desk)".into());
        return Ok(());
    }
    let mut stmt = logs.prepare("SELECT name, role, public_key FROM users ORDER BY name")?;
    let users = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (name, role, pk) in users {
        match roster.member(&name) {
            None => fail(
                v,
                0,
                FailureKind::NotAuthorised,
                format!("user {name} is in the users table but no dpo ever granted them: added behind the desk's back"),
            ),
            Some(m) if m.role.map(|r| r.name()) != Some(role.as_str()) => fail(
                v,
                0,
                FailureKind::NotAuthorised,
                format!(
                    "the users table gives {name} the role {role}, but their signed grants give {}: a role changed behind the desk's back",
                    m.role.map(|r| r.name()).unwrap_or("none")
                ),
            ),
            Some(m) if m.public_key.as_deref() != Some(pk.as_slice()) => fail(
                v,
                0,
                FailureKind::NotAuthorised,
                format!("the users table holds another key for {name} than their signed grants"),
            ),
            Some(_) => {}
        }
    }
    Ok(())
}

/// Every audit event's signatures (its fields by its author, its place in
/// the chain by who appended it). Events from before signed records have
/// none; after the first signed event, every event must be signed.
pub(crate) fn check_events(logs: &Connection, roster: &Roster, v: &mut Verification) -> Result<()> {
    let mut stmt = logs.prepare(
        "SELECT seq, at, user, action, site, member_id, outcome, detail, hash,
                signer_key, signature, link_signer, link_key, link_signature
         FROM audit ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut walk = EventWalk::default();
    while let Some(r) = rows.next()? {
        walk.event(r, roster, v)?;
    }
    walk.warn(v);
    Ok(())
}

/// What the walk over the audit events has seen so far.
#[derive(Default)]
struct EventWalk {
    signed_seen: bool,
    /// Events before the first signed one.
    unsigned: u64,
    /// Authors whose keys a dpo has not confirmed yet.
    unconfirmed: BTreeSet<String>,
}

impl EventWalk {
    /// One event (a row of the query in [`check_events`]).
    fn event(&mut self, r: &rusqlite::Row, roster: &Roster, v: &mut Verification) -> Result<()> {
        let seq: i64 = r.get(0)?;
        let at: String = r.get(1)?;
        let user: Option<String> = r.get(2)?;
        let action: String = r.get(3)?;
        let hash: String = r.get(8)?;
        let signer_key: Option<Vec<u8>> = r.get(9)?;
        let signature: Option<Vec<u8>> = r.get(10)?;
        let link_signer: Option<String> = r.get(11)?;
        let link_key: Option<Vec<u8>> = r.get(12)?;
        let link_sig: Option<Vec<u8>> = r.get(13)?;
        let (Some(key), Some(sig)) = (signer_key, signature) else {
            if self.signed_seen {
                fail(
                    v,
                    seq,
                    FailureKind::BadSignature,
                    format!("audit event {seq} ({action}) is not signed, though the events before it are"),
                );
            } else {
                self.unsigned += 1;
            }
            return Ok(());
        };
        self.signed_seen = true;
        let detail: Option<String> = r.get(7)?;
        let bytes = trail::event_bytes(
            &at,
            user.as_deref(),
            &action,
            r.get::<_, Option<String>>(4)?.as_deref(),
            r.get::<_, Option<String>>(5)?.as_deref(),
            &r.get::<_, String>(6)?,
            detail.as_deref(),
        );
        let author = user.clone().unwrap_or_default();
        if !signing::verify(&key, Domain::AuditEvent, bytes.as_bytes(), &sig) {
            fail(
                v,
                seq,
                FailureKind::BadSignature,
                format!(
                    "audit event {seq} ({action} by {author}) was changed after {author} signed it"
                ),
            );
        } else if !roster.unsigned && !roster.held(&author, &key) {
            fail(
                v,
                seq,
                FailureKind::BadSignature,
                format!("audit event {seq} ({action}) is signed by a key that {author} never held"),
            );
        } else if roster.unconfirmed_key(&author, &key) {
            self.unconfirmed.insert(author.clone());
        }
        let link = (link_signer, link_key, link_sig);
        check_link(link, &hash, roster, seq, &action, v);
        Ok(())
    }

    /// What the walk says without failing: events older than signatures,
    /// keys not confirmed yet.
    fn warn(self, v: &mut Verification) {
        let unsigned = self.unsigned;
        if unsigned > 0 {
            v.warnings.push(format!(
                "audit events 1 to {unsigned} were written before signed records (by an older desk): the chain covers them, signatures do not"
            ));
        }
        if !self.unconfirmed.is_empty() {
            v.warnings.push(format!(
                "some events are signed by keys a dpo has not confirmed yet ({}): `desk user confirm NAME FINGERPRINT`",
                self.unconfirmed.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
}

/// An event's place in the chain: its hash signed by who appended it.
fn check_link(
    link: (Option<String>, Option<Vec<u8>>, Option<Vec<u8>>),
    hash: &str,
    roster: &Roster,
    seq: i64,
    action: &str,
    v: &mut Verification,
) {
    match link {
        (Some(ls), Some(lk), Some(lsig))
            if signing::verify(&lk, Domain::AuditLink, hash.as_bytes(), &lsig)
                && (roster.unsigned || roster.held(&ls, &lk)) => {}
        _ => fail(
            v,
            seq,
            FailureKind::BadSignature,
            format!("audit event {seq} ({action}) is not where it was appended: its place in the chain is not signed by who appended it"),
        ),
    }
}

/// Every head an earlier successful verification recorded in the trail must
/// still be in its chain, at the place it was.
pub(crate) fn check_recorded_heads(logs: &Connection, v: &mut Verification) -> Result<()> {
    let mut stmt = logs.prepare(
        "SELECT seq, action, at, detail FROM audit
         WHERE action IN ('audit_verify', 'disclosure_verify') AND outcome = 'ok' ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (seq, action, at, detail) in rows {
        let d: Value = detail
            .and_then(|d| serde_json::from_str(&d).ok())
            .unwrap_or_default();
        let (Some(n), Some(head)) = (d["entries"].as_i64(), d["head"].as_str()) else {
            continue;
        };
        if d["ok"] == Value::Bool(false) || n == 0 {
            continue;
        }
        let (table, what) = if action == "audit_verify" {
            ("audit", "audit trail")
        } else {
            ("disclosures", "disclosure log")
        };
        let found: Option<String> = logs
            .query_row(
                &format!("SELECT hash FROM {table} WHERE seq = ?1"),
                [n],
                |r| r.get(0),
            )
            .optional()?;
        if found.as_deref() != Some(head) {
            fail(
                v,
                seq,
                FailureKind::RecordedHeadChanged,
                format!(
                    "the verification recorded at audit event {seq} ({at}) saw the {what} end at entry {n} with head {}…; that entry is now {}",
                    &head[..head.len().min(12)],
                    if found.is_some() { "different" } else { "gone" }
                ),
            );
        }
    }
    Ok(())
}

/// Request events' signatures (by who made each change).
pub(crate) fn check_request_events(
    logs: &Connection,
    roster: &Roster,
    v: &mut Verification,
) -> Result<()> {
    let mut stmt = logs.prepare(
        "SELECT ref, seq, at, user, kind, detail, signer_key, signature FROM request_events ORDER BY ref, seq",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (reference, seq, at, user, kind, detail): (
            String,
            i64,
            String,
            String,
            String,
            String,
        ) = (
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        );
        let (Some(key), Some(sig)) = (
            r.get::<_, Option<Vec<u8>>>(6)?,
            r.get::<_, Option<Vec<u8>>>(7)?,
        ) else {
            continue;
        };
        let bytes = crate::requests::event_bytes(&reference, seq, &at, &user, &kind, &detail);
        if !signing::verify(&key, Domain::RequestEvent, bytes.as_bytes(), &sig)
            || !(roster.unsigned || roster.held(&user, &key))
        {
            fail(
                v,
                0,
                FailureKind::BadSignature,
                format!("request {reference}, event {seq} ({kind} by {user}): its signature does not hold (changed after it was made)"),
            );
        }
    }
    Ok(())
}

/// The pages of `logs.db`: a damaged log never verifies.
pub(crate) fn check_pages(logs: &Connection, v: &mut Verification) -> Result<()> {
    if let Some(f) = crate::vault::open::damage_failure(logs, "logs.db")? {
        v.fail(f);
    }
    Ok(())
}

/// The root's fingerprint, and whether it is the one kept outside the vault.
pub(crate) fn check_root(roster: &Roster, expected: Option<&str>, v: &mut Verification) {
    v.root_fingerprint = roster.root.as_ref().map(|r| signing::fingerprint(r));
    if let Some(exp) = expected {
        let got = v
            .root_fingerprint
            .as_deref()
            .map(signing::normalise_fingerprint);
        if got.as_deref() != Some(signing::normalise_fingerprint(exp).as_str()) {
            fail(
                v,
                0,
                FailureKind::BadSignature,
                "the vault's root signing key is not the one whose fingerprint you kept: the grants were rewritten from the root".into(),
            );
        }
    }
}
