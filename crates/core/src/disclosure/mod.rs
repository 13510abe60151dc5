//! The disclosure log (`vault-and-access-v1.md` §4): safeguarding disclosures
//! to police, social services and others, recorded with every field the law
//! asks for, append-only and hash-chained so that an auditor can prove that
//! nobody has rewritten the history since.
//!
//! - An entry is stored as canonical JSON (`content`); its hash is
//!   [`chain::link_hash`](crate::chain::link_hash) over the previous entry's hash and that content.
//! - A correction is an **amendment**: a whole new entry pointing (`amends`)
//!   at the original. The effective content of a disclosure is its latest
//!   amendment, else the original. A **review** is an appended note.
//! - Recording, amending, reviewing, reading, verifying and exporting are all
//!   in the audit trail.
//!
//! `rules.rs` holds the §4 field rules, `store.rs` the SQL, `report.rs` the
//! CSV and the HTML report; here, the types and the use cases.

pub mod report;
mod rules;
mod store;

use crate::chain::Verification;
use crate::error::{Error, Result};
use crate::roles::Action;
use crate::session::{Op, Session, Tx};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};

use rules::{bounded, validate};
pub use rules::{content_members, LAWFUL_BASES, TRIGGER_ENTITIES};
pub(crate) use store::entries_about;
pub use store::verify_log;
use store::{all_entries, append, check_signed, entry_content, original_of};

/// One stored entry of the log, as written.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LogEntry {
    pub seq: i64,
    pub id: String,
    /// `original`, `amendment` or `review`.
    pub kind: String,
    /// The original entry this one amends or reviews.
    pub amends: Option<String>,
    /// The whole stored content (the input plus what the desk added).
    pub content: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// A member named by a disclosure, with their status now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MemberStatus {
    pub site: String,
    pub member_id: String,
    /// Whether the member is in the latest export (not deleted in
    /// production); None for a role that cannot read members' data.
    pub exists: Option<bool>,
    /// Whether the member is on legal hold now (None: as for `exists`).
    pub held: Option<bool>,
}

/// A disclosure: its effective content and its whole history.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Disclosure {
    /// The original entry's id.
    pub id: String,
    /// The id of the entry whose content is effective (the latest amendment,
    /// else the original).
    pub effective_id: String,
    /// The effective content.
    pub content: Value,
    /// The original, its amendments and reviews, oldest first.
    pub history: Vec<LogEntry>,
    /// The members of the effective content, with their hold status now.
    pub members: Vec<MemberStatus>,
}

/// What recording (or amending) answered.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Recorded {
    pub id: String,
    /// The members named, with their hold status now (the hold offer).
    pub members: Vec<MemberStatus>,
}

/// Group entries into disclosures (by original, in order of recording).
fn group(entries: Vec<LogEntry>) -> Vec<Disclosure> {
    let mut out: Vec<Disclosure> = Vec::new();
    for e in entries {
        match e.amends.clone() {
            None => out.push(Disclosure {
                id: e.id.clone(),
                effective_id: e.id.clone(),
                content: e.content.clone(),
                history: vec![e],
                members: Vec::new(),
            }),
            Some(orig) => {
                if let Some(d) = out.iter_mut().find(|d| d.id == orig) {
                    if e.kind == "amendment" {
                        d.effective_id = e.id.clone();
                        d.content = e.content.clone();
                    }
                    d.history.push(e);
                }
            }
        }
    }
    out
}

fn statuses(tx: &Tx, content: &Value) -> Result<Vec<MemberStatus>> {
    let (site, members) = content_members(content);
    let data = if tx.has_data() {
        Some(tx.data()?)
    } else {
        None
    };
    members
        .iter()
        .map(|m| store::member_status(data, &site, m))
        .collect()
}

/// The members' hold status now — for those who can read the data.
fn with_statuses(tx: &Tx, mut ds: Vec<Disclosure>) -> Result<Vec<Disclosure>> {
    for d in &mut ds {
        d.members = statuses(tx, &d.content)?;
    }
    Ok(ds)
}

/// The event names the member when there is exactly one; the entry's
/// content stays out of the trail.
fn about(tx: &mut Tx, site: &str, members: &[String]) {
    let member = match members {
        [one] => Some(one.as_str()),
        _ => None,
    };
    tx.about(site, member);
}

impl Session {
    /// Record a disclosure (dpo, staff). `input` has the shape of §4; the desk
    /// adds `id`, `recorded_at`, `recorded_by` and the hashes. Answers the new
    /// id and the members' hold status (so an interface can offer a hold).
    pub fn disclosure_record(&self, input: &Value, now: DateTime<Utc>) -> Result<Recorded> {
        let site = input.get("site").and_then(Value::as_str);
        let op = Op::logs(Action::RecordDisclosure, "disclosure_recorded").on(site, None);
        self.door(op, now, |tx| {
            bounded(input)?;
            let content = validate(tx.data()?, input, now)?;
            let site = content["site"].as_str().unwrap_or_default().to_string();
            let members = content_members(&Value::Object(content.clone())).1;
            let id = append(tx, "original", None, &site, content)?;
            about(tx, &site, &members);
            tx.detail(json!({"id": id, "members": members.len()}));
            let members = statuses(tx, &entry_content(tx.logs, &id)?)?;
            Ok(Recorded { id, members })
        })
    }

    /// Amend a disclosure (dpo): `input` is a whole entry of the same shape,
    /// appended with `amends` naming the original (amending an amendment
    /// amends its original). It becomes the effective content.
    pub fn disclosure_amend(
        &self,
        id: &str,
        input: &Value,
        now: DateTime<Utc>,
    ) -> Result<Recorded> {
        self.door(
            Op::logs(Action::AmendDisclosure, "disclosure_amended"),
            now,
            |tx| {
                let (original, _) = original_of(tx.logs, id)?;
                bounded(input)?;
                let content = validate(tx.data()?, input, now)?;
                let site = content["site"].as_str().unwrap_or_default().to_string();
                let members = content_members(&Value::Object(content.clone())).1;
                let new_id = append(tx, "amendment", Some(&original), &site, content)?;
                about(tx, &site, &members);
                tx.detail(json!({"id": new_id, "amends": original}));
                let members = statuses(tx, &entry_content(tx.logs, &new_id)?)?;
                Ok(Recorded {
                    id: new_id,
                    members,
                })
            },
        )
    }

    /// Review a disclosure (dpo): an appended note that changes no content.
    pub fn disclosure_review(&self, id: &str, note: &str, now: DateTime<Utc>) -> Result<String> {
        self.door(
            Op::logs(Action::AmendDisclosure, "disclosure_reviewed"),
            now,
            |tx| {
                if note.trim().is_empty() {
                    return Err(Error::Invalid("note: required".into()));
                }
                if note.chars().count() > 10_000 {
                    return Err(Error::Invalid("note: longer than 10,000 characters".into()));
                }
                let (original, site) = original_of(tx.logs, id)?;
                let mut content = Map::new();
                content.insert("note".into(), json!(note));
                let new_id = append(tx, "review", Some(&original), &site, content)?;
                tx.about(&site, None);
                tx.detail(json!({"id": new_id, "reviews": original}));
                Ok(new_id)
            },
        )
    }

    /// Every disclosure with its effective content, history and the members'
    /// hold status now, in order of recording (all roles).
    pub fn disclosure_list(&self, now: DateTime<Utc>) -> Result<Vec<Disclosure>> {
        self.door(
            Op::logs(Action::ReadDisclosures, "disclosure_list"),
            now,
            |tx| {
                let ds = with_statuses(tx, group(all_entries(tx.logs)?))?;
                tx.detail(json!({"disclosures": ds.len()}));
                Ok(ds)
            },
        )
    }

    /// One disclosure (by the id of any of its entries), with its history.
    pub fn disclosure_show(&self, id: &str, now: DateTime<Utc>) -> Result<Disclosure> {
        self.door(
            Op::logs(Action::ReadDisclosures, "disclosure_show"),
            now,
            |tx| {
                let (original, site) = original_of(tx.logs, id)?;
                tx.about(&site, None);
                tx.detail(json!({"id": original}));
                let entries = store::entries_of(tx.logs, &original)?;
                with_statuses(tx, group(entries))?
                    .pop()
                    .ok_or_else(|| Error::NotFound(format!("there is no disclosure {id}")))
            },
        )
    }

    /// The disclosures about a member (any version of which named them), for
    /// the member's record.
    pub fn disclosures_for_member(
        &self,
        site: &str,
        member_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Disclosure>> {
        let op = Op::logs(Action::ReadDisclosures, "disclosures_for_member")
            .on(Some(site), Some(member_id));
        self.door(op, now, |tx| {
            let entries = entries_about(tx.logs, site, member_id)?;
            let ds = with_statuses(tx, group(entries))?;
            tx.detail(json!({"disclosures": ds.len()}));
            Ok(ds)
        })
    }

    /// Verify the log's chain; with `head`, also that the log still passes
    /// through that hash (it was not rewritten from an earlier point). The
    /// event records how it came out.
    pub fn disclosure_verify(
        &self,
        head: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Verification> {
        self.disclosure_verify_with(head, None, now)
    }

    /// Verify the log: its chain (against `head`, when kept), each entry's
    /// signature by who recorded it, the grants (against the root
    /// fingerprint `root`, when kept), and the pages of `logs.db`. The event
    /// records the outcome truthfully.
    pub fn disclosure_verify_with(
        &self,
        head: Option<&str>,
        root: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Verification> {
        let head = head.map(crate::contract::kept_head).transpose()?;
        let root = root.map(crate::contract::kept_fingerprint).transpose()?;
        let (head, root) = (head.as_deref(), root.as_deref());
        self.door(Op::logs(Action::ReadDisclosures, "disclosure_verify"), now, |tx| {
            let mut v = verify_log(tx.logs, head)?;
            if let Some(f) = crate::vault::open::damage_failure(tx.logs, "logs.db")? {
                v.fail(f);
            }
            check_signed(tx.logs, tx.roster(), &mut v)?;
            let roster = tx.roster();
            v.root_fingerprint = roster.root.as_ref().map(|r| crate::signing::fingerprint(r));
            if let Some(exp) = root {
                let got = v
                    .root_fingerprint
                    .as_deref()
                    .map(crate::signing::normalise_fingerprint);
                if got.as_deref() != Some(crate::signing::normalise_fingerprint(exp).as_str()) {
                    v.fail(crate::chain::Failure {
                        seq: 0,
                        kind: crate::chain::FailureKind::BadSignature,
                        message: "the vault's root signing key is not the one whose fingerprint you kept".into(),
                    });
                }
            }
            tx.detail(json!({"ok": v.ok, "entries": v.entries, "head": v.head,
                             "failed_at": v.failure.as_ref().map(|f| f.seq),
                             "failure": v.failure.as_ref().map(|f| &f.message)}));
            if !v.ok {
                tx.outcome(crate::trail::Outcome::Failed);
            }
            Ok(v)
        })
    }

    /// The log as CSV: one row per stored entry (amendments and reviews
    /// included), with the hashes and the canonical content, so an auditor
    /// can recompute every hash from the file.
    pub fn disclosure_export_csv(&self, now: DateTime<Utc>) -> Result<String> {
        self.door(
            Op::logs(Action::ReadDisclosures, "disclosure_export"),
            now,
            |tx| {
                let entries = all_entries(tx.logs)?;
                let csv = report::log_csv(&entries)?;
                tx.detail(json!({"entries": entries.len(), "format": "csv"}));
                Ok(csv)
            },
        )
    }

    /// A printable, self-contained HTML report: verification result and head
    /// hash, a summary, then every disclosure with its history.
    pub fn disclosure_report_html(&self, now: DateTime<Utc>) -> Result<String> {
        self.door(
            Op::logs(Action::ReadDisclosures, "disclosure_report"),
            now,
            |tx| {
                let v = verify_log(tx.logs, None)?;
                let ds = with_statuses(tx, group(all_entries(tx.logs)?))?;
                let html = report::html(&ds, &v, &tx.user.name, now);
                tx.detail(json!({"disclosures": ds.len(), "ok": v.ok, "head": v.head}));
                Ok(html)
            },
        )
    }
}
