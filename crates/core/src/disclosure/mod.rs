//! The disclosure log (`vault-and-access-v1.md` §4): safeguarding disclosures
//! to police, social services and others, recorded with every field the law
//! asks for, append-only and hash-chained so that an auditor can prove that
//! nobody has rewritten the history since.
//!
//! - An entry is stored as canonical JSON (`content`); its hash is
//!   [`chain::link_hash`] over the previous entry's hash and that content.
//! - A correction is an **amendment**: a whole new entry pointing (`amends`)
//!   at the original. The effective content of a disclosure is its latest
//!   amendment, else the original. A **review** is an appended note.
//! - Recording, amending, reviewing, reading, verifying and exporting are all
//!   in the audit trail.

pub mod report;

use crate::chain::{self, Stored, Verification};
use crate::error::{Error, Result};
use crate::roles::Action;
use crate::session::{Op, Session, Tx};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// The lawful bases of §4, by their stored names.
pub const LAWFUL_BASES: [&str; 8] = [
    "uk_gdpr_6_1_d_vital_interests",
    "uk_gdpr_6_1_c_legal_obligation",
    "uk_gdpr_6_1_e_public_task",
    "dpa2018_sch1_para18",
    "dpa2018_sch2_para2",
    "court_order",
    "consent",
    "other",
];

/// The entities a `triggered_by` item may name.
pub const TRIGGER_ENTITIES: [&str; 11] = [
    "posts",
    "private_messages",
    "helpdesk_tickets",
    "consent_events",
    "competition_entries",
    "survey_responses",
    "reviews",
    "local_listings",
    "login_events",
    "social_accounts",
    "children",
];

/// The keys an entry given as input may carry (§4, plus the acknowledgement
/// that a member is no longer in the latest export).
const INPUT_KEYS: [&str; 17] = [
    "site",
    "member_ids",
    "disclosed_at",
    "recipient",
    "request_reference",
    "urgent",
    "lawful_basis",
    "lawful_basis_detail",
    "safeguarding_conditions",
    "triggered_by",
    "data_categories",
    "items_disclosed",
    "necessity_and_proportionality",
    "authorised_by",
    "member_informed",
    "not_informed_reason",
    "acknowledge_missing_members",
];

/// Keys the desk sets itself; an input carrying one is refused.
const DESK_KEYS: [&str; 10] = [
    "id",
    "recorded_at",
    "recorded_by",
    "amends",
    "kind",
    "note",
    "hash",
    "prev_hash",
    "missing_members",
    "triggers_checked",
];

const RECIPIENT_KEYS: [&str; 4] = ["organisation", "team", "officer", "contact"];
const CONDITION_KEYS: [&str; 3] = [
    "necessary_to_protect",
    "consent_not_sought_because",
    "substantial_public_interest",
];

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

/// Collected field problems, reported together as one [`Error::InvalidInput`].
#[derive(Default)]
struct Problems(crate::problem::Problems);

impl Problems {
    fn add(&mut self, field: impl AsRef<str>, what: impl AsRef<str>) {
        self.0.push(crate::problem::Problem::input(
            field.as_ref(),
            what.as_ref(),
        ));
    }
    fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidInput {
                what: "the disclosure was not recorded".into(),
                problems: self.0,
            })
        }
    }
}

fn non_empty_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// Check an optional text field: absent, null or a string.
fn optional_text(obj: &Map<String, Value>, key: &str, field: &str, p: &mut Problems) {
    match obj.get(key) {
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(_) => p.add(field, "must be text"),
    }
}

fn required_text(obj: &Map<String, Value>, key: &str, field: &str, p: &mut Problems) {
    match obj.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        Some(Value::String(_)) | None | Some(Value::Null) => p.add(field, "required"),
        Some(_) => p.add(field, "must be text"),
    }
}

/// A list of at least one non-empty text.
fn required_list(obj: &Map<String, Value>, key: &str, p: &mut Problems) {
    match obj.get(key) {
        Some(Value::Array(a)) => {
            if a.is_empty() {
                p.add(key, "at least one is required");
            }
            for (i, x) in a.iter().enumerate() {
                if non_empty_str(Some(x)).is_none() {
                    p.add(format!("{key}[{i}]"), "must be non-empty text");
                }
            }
        }
        None | Some(Value::Null) => p.add(key, "required (at least one)"),
        Some(_) => p.add(key, "must be a list of text"),
    }
}

fn check_bool(obj: &Map<String, Value>, key: &str, field: &str, required: bool, p: &mut Problems) {
    match obj.get(key) {
        Some(Value::Bool(_)) => {}
        None | Some(Value::Null) if !required => {}
        None | Some(Value::Null) => p.add(field, "required (true or false)"),
        Some(_) => p.add(field, "must be true or false"),
    }
}

/// Refuse keys the desk sets and keys it does not know, naming them.
fn check_keys(obj: &Map<String, Value>, allowed: &[&str], prefix: &str, p: &mut Problems) {
    for k in obj.keys() {
        let field = format!("{prefix}{k}");
        if prefix.is_empty() && DESK_KEYS.contains(&k.as_str()) {
            p.add(field, "is set by the desk and may not be given");
        } else if !allowed.contains(&k.as_str()) {
            p.add(field, "unknown field");
        }
    }
}

/// Does `site`'s `entity` row `id` belong to one of `members` (for a private
/// message: sent or received by one of them)?
fn trigger_belongs(
    conn: &Connection,
    site: &str,
    entity: &str,
    id: &str,
    members: &[String],
) -> Result<Option<bool>> {
    debug_assert!(TRIGGER_ENTITIES.contains(&entity));
    let row: Option<(Option<String>, String)> = conn
        .query_row(
            &format!("SELECT member_id, data FROM {entity} WHERE site = ?1 AND id = ?2"),
            params![site, id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((member, data)) = row else {
        return Ok(None);
    };
    if member.as_ref().is_some_and(|m| members.contains(m)) {
        return Ok(Some(true));
    }
    if entity == "private_messages" {
        let data: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
        let received = data
            .get("recipient_ids")
            .and_then(Value::as_array)
            .is_some_and(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .any(|x| members.iter().any(|m| m == x))
            });
        return Ok(Some(received));
    }
    Ok(Some(false))
}

/// Validate an entry given as input and return its stored form (without the
/// keys the desk adds at write time). Every problem names its field; none
/// repeats a value.
fn validate(conn: &Connection, input: &Value, now: DateTime<Utc>) -> Result<Map<String, Value>> {
    let Some(obj) = input.as_object() else {
        return Err(Error::Invalid(
            "the disclosure was not recorded: the entry must be a JSON object".into(),
        ));
    };
    let mut p = Problems::default();
    check_keys(obj, &INPUT_KEYS, "", &mut p);

    // Site.
    let site = non_empty_str(obj.get("site")).map(str::to_string);
    match &site {
        None => p.add("site", "required"),
        Some(s) => {
            let known: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM exports WHERE site = ?1)",
                [s],
                |r| r.get(0),
            )?;
            if !known {
                p.add("site", "not a site this vault has synced");
            }
        }
    }

    // Members.
    check_bool(
        obj,
        "acknowledge_missing_members",
        "acknowledge_missing_members",
        false,
        &mut p,
    );
    let acknowledged = obj.get("acknowledge_missing_members") == Some(&Value::Bool(true));
    let mut members: Vec<String> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    match obj.get("member_ids") {
        Some(Value::Array(a)) if !a.is_empty() => {
            for (i, m) in a.iter().enumerate() {
                match non_empty_str(Some(m)) {
                    None => p.add(format!("member_ids[{i}]"), "must be a non-empty member id"),
                    Some(m) if members.iter().any(|x| x == m) => {
                        p.add(format!("member_ids[{i}]"), "repeats an earlier member")
                    }
                    Some(m) => members.push(m.to_string()),
                }
            }
        }
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            p.add("member_ids", "at least one member is required")
        }
        Some(_) => p.add("member_ids", "must be a list of member ids"),
    }
    if let Some(site) = &site {
        for (i, m) in members.iter().enumerate() {
            let exists: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM members WHERE site = ?1 AND id = ?2 AND deleted_seq IS NULL)",
                params![site, m],
                |r| r.get(0),
            )?;
            if !exists {
                missing.push(m.clone());
                if !acknowledged {
                    p.add(
                        format!("member_ids[{i}]"),
                        "not a member of this site in the latest export (if the member is gone, set acknowledge_missing_members to true to record the entry as it stands)",
                    );
                }
            }
        }
    }

    // When.
    match obj.get("disclosed_at").and_then(Value::as_str) {
        None => p.add(
            "disclosed_at",
            "required (RFC 3339, e.g. 2026-11-04T16:20:00Z)",
        ),
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Err(_) => p.add("disclosed_at", "not an RFC 3339 time"),
            Ok(t) if t.with_timezone(&Utc) > now => p.add("disclosed_at", "is in the future"),
            Ok(_) => {}
        },
    }

    // Recipient.
    match obj.get("recipient") {
        Some(Value::Object(r)) => {
            check_keys(r, &RECIPIENT_KEYS, "recipient.", &mut p);
            required_text(r, "organisation", "recipient.organisation", &mut p);
            for k in ["team", "officer", "contact"] {
                optional_text(r, k, &format!("recipient.{k}"), &mut p);
            }
        }
        None | Some(Value::Null) => p.add("recipient.organisation", "required"),
        Some(_) => p.add("recipient", "must be an object"),
    }
    optional_text(obj, "request_reference", "request_reference", &mut p);
    check_bool(obj, "urgent", "urgent", false, &mut p);

    // Lawful basis.
    let basis = obj.get("lawful_basis").and_then(Value::as_str);
    match basis {
        None => p.add(
            "lawful_basis",
            format!("required, one of {}", LAWFUL_BASES.join(", ")),
        ),
        Some(b) if !LAWFUL_BASES.contains(&b) => p.add(
            "lawful_basis",
            format!("not a known basis: use one of {}", LAWFUL_BASES.join(", ")),
        ),
        Some(_) => {}
    }
    if basis == Some("other") {
        required_text(obj, "lawful_basis_detail", "lawful_basis_detail", &mut p);
        if p.0
            .last()
            .is_some_and(|l| l.to_string() == "lawful_basis_detail: required")
        {
            p.0.pop();
            p.add("lawful_basis_detail", "required when lawful_basis is other");
        }
    } else {
        optional_text(obj, "lawful_basis_detail", "lawful_basis_detail", &mut p);
    }
    match obj.get("safeguarding_conditions") {
        Some(Value::Object(c)) => {
            check_keys(c, &CONDITION_KEYS, "safeguarding_conditions.", &mut p);
            for k in ["necessary_to_protect", "substantial_public_interest"] {
                let field = format!("safeguarding_conditions.{k}");
                match c.get(k) {
                    Some(Value::Bool(true)) => {}
                    Some(Value::Bool(false)) => {
                        p.add(field, "must be true to rely on dpa2018_sch1_para18")
                    }
                    None | Some(Value::Null) => p.add(field, "required (true)"),
                    Some(_) => p.add(field, "must be true or false"),
                }
            }
            required_text(
                c,
                "consent_not_sought_because",
                "safeguarding_conditions.consent_not_sought_because",
                &mut p,
            );
        }
        None | Some(Value::Null) if basis == Some("dpa2018_sch1_para18") => p.add(
            "safeguarding_conditions",
            "required when lawful_basis is dpa2018_sch1_para18",
        ),
        None | Some(Value::Null) => {}
        Some(_) => p.add("safeguarding_conditions", "must be an object"),
    }

    // What triggered it.
    let triggers_checked = !acknowledged || missing.is_empty();
    match obj.get("triggered_by") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for (i, t) in a.iter().enumerate() {
                let field = format!("triggered_by[{i}]");
                let Some(t) = t.as_object() else {
                    p.add(field, "must be an object {\"entity\": …, \"id\": …}");
                    continue;
                };
                check_keys(t, &["entity", "id"], &format!("{field}."), &mut p);
                let entity = t.get("entity").and_then(Value::as_str);
                let id = non_empty_str(t.get("id"));
                match entity {
                    Some(e) if TRIGGER_ENTITIES.contains(&e) => {}
                    _ => {
                        p.add(
                            format!("{field}.entity"),
                            format!("must be one of {}", TRIGGER_ENTITIES.join(", ")),
                        );
                        continue;
                    }
                }
                if id.is_none() {
                    p.add(format!("{field}.id"), "required");
                    continue;
                }
                if !triggers_checked {
                    continue;
                }
                if let (Some(site), Some(e), Some(id)) = (&site, entity, id) {
                    match trigger_belongs(conn, site, e, id, &members)? {
                        None => p.add(format!("{field}.id"), "no such row on this site"),
                        Some(false) => p.add(
                            format!("{field}.id"),
                            "that row does not belong to the members named",
                        ),
                        Some(true) => {}
                    }
                }
            }
        }
        Some(_) => p.add("triggered_by", "must be a list of {entity, id}"),
    }

    // What was disclosed, why, who decided, and whether the member was told.
    required_list(obj, "data_categories", &mut p);
    required_list(obj, "items_disclosed", &mut p);
    required_text(
        obj,
        "necessity_and_proportionality",
        "necessity_and_proportionality",
        &mut p,
    );
    required_text(obj, "authorised_by", "authorised_by", &mut p);
    check_bool(obj, "member_informed", "member_informed", true, &mut p);
    if obj.get("member_informed") == Some(&Value::Bool(false)) {
        match obj.get("not_informed_reason") {
            Some(Value::String(s)) if !s.trim().is_empty() => {}
            _ => p.add(
                "not_informed_reason",
                "required when member_informed is false",
            ),
        }
    } else {
        optional_text(obj, "not_informed_reason", "not_informed_reason", &mut p);
    }
    p.into_result()?;

    let mut out = obj.clone();
    if acknowledged {
        out.insert("missing_members".into(), json!(missing));
    }
    out.insert("triggers_checked".into(), Value::Bool(triggers_checked));
    Ok(out)
}

fn entry_from_row(r: &rusqlite::Row) -> rusqlite::Result<LogEntry> {
    let kind: String = r.get(2)?;
    let original: String = r.get(3)?;
    let content: String = r.get(4)?;
    Ok(LogEntry {
        seq: r.get(0)?,
        id: r.get(1)?,
        amends: (kind != "original").then_some(original),
        kind,
        content: serde_json::from_str(&content).unwrap_or(Value::String(content)),
        prev_hash: r.get(5)?,
        hash: r.get(6)?,
    })
}

const COLUMNS: &str = "seq, id, kind, original_id, content, prev_hash, hash";

/// Every stored entry, in order.
fn all_entries(conn: &Connection) -> Result<Vec<LogEntry>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM disclosures ORDER BY seq"))?;
    let rows = stmt.query_map([], entry_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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

/// The members an entry's content names.
pub fn content_members(content: &Value) -> (String, Vec<String>) {
    let site = content
        .get("site")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let members = content
        .get("member_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    (site, members)
}

fn member_status(conn: Option<&Connection>, site: &str, member_id: &str) -> Result<MemberStatus> {
    let Some(conn) = conn else {
        return Ok(MemberStatus {
            site: site.to_string(),
            member_id: member_id.to_string(),
            exists: None,
            held: None,
        });
    };
    let (exists, held): (bool, bool) = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM members WHERE site = ?1 AND id = ?2 AND deleted_seq IS NULL),
                EXISTS (SELECT 1 FROM holds WHERE site = ?1 AND member_id = ?2)",
        params![site, member_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(MemberStatus {
        site: site.to_string(),
        member_id: member_id.to_string(),
        exists: Some(exists),
        held: Some(held),
    })
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
        .map(|m| member_status(data, &site, m))
        .collect()
}

/// The stored content's columns must agree with it; a mismatch makes the
/// verifier see a changed entry.
fn stored_for_verify(
    seq: i64,
    id: &str,
    kind: &str,
    original: &str,
    site: &str,
    content: &str,
) -> Value {
    let mut v: Value = serde_json::from_str(content).unwrap_or(Value::String(content.into()));
    let amends = v.get("amends").and_then(Value::as_str).unwrap_or(id);
    let agrees = v.get("id").and_then(Value::as_str) == Some(id)
        && v.get("kind").and_then(Value::as_str) == Some(kind)
        && amends == original
        && (kind == "review" || v.get("site").and_then(Value::as_str) == Some(site));
    if !agrees {
        if let Some(o) = v.as_object_mut() {
            o.insert(
                "_stored_columns_disagree".into(),
                json!({"seq": seq, "id": id, "kind": kind, "site": site}),
            );
        } else {
            v = json!({"_unreadable": content});
        }
    }
    v
}

/// Walk the log's chain (optionally against a head kept elsewhere).
pub fn verify_log(conn: &Connection, expect_head: Option<&str>) -> Result<Verification> {
    let mut stmt = conn.prepare(
        "SELECT seq, id, kind, original_id, site, content, prev_hash, hash FROM disclosures ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        let seq: i64 = r.get(0)?;
        let id: String = r.get(1)?;
        let kind: String = r.get(2)?;
        let original: String = r.get(3)?;
        let site: String = r.get(4)?;
        let content: String = r.get(5)?;
        Ok(Stored {
            seq,
            content: stored_for_verify(seq, &id, &kind, &original, &site, &content),
            prev_hash: r.get(6)?,
            hash: r.get(7)?,
        })
    })?;
    chain::verify(
        rows.map(|r| r.map_err(Into::into)),
        "disclosure log entry",
        expect_head,
    )
}

/// Append one entry (inside the caller's transaction). Returns its id.
fn append(
    tx: &Tx,
    kind: &str,
    original: Option<&str>,
    site: &str,
    mut content: Map<String, Value>,
) -> Result<String> {
    let conn = tx.logs;
    let recorded_by = tx.user.name.as_str();
    let now = tx.now;
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM disclosures ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, chain::GENESIS.to_string()),
    };
    let id = format!("D-{seq:06}");
    let original = original.unwrap_or(&id).to_string();
    content.insert("id".into(), json!(id));
    content.insert("kind".into(), json!(kind));
    content.insert(
        "amends".into(),
        if kind == "original" {
            Value::Null
        } else {
            json!(original)
        },
    );
    content.insert("recorded_at".into(), json!(crate::trail::ts(now)));
    content.insert("recorded_by".into(), json!(recorded_by));
    let content = Value::Object(content);
    let hash = chain::link_hash(&prev, &content);
    // Signed by who recorded it: its hash covers its content and the chain.
    let signed = tx.sign(crate::signing::Domain::Disclosure, hash.as_bytes());
    conn.execute(
        "INSERT INTO disclosures (seq, id, original_id, kind, site, content, prev_hash, hash,
                                  signer_key, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            seq,
            id,
            original,
            kind,
            site,
            chain::canonical_json(&content),
            prev,
            hash,
            signed.as_ref().map(|s| s.0.clone()),
            signed.as_ref().map(|s| s.1.clone())
        ],
    )?;
    if kind != "review" {
        let (site, members) = content_members(&content);
        for m in members {
            conn.execute(
                "INSERT OR IGNORE INTO disclosure_members (disclosure_id, site, member_id) VALUES (?1, ?2, ?3)",
                params![original, site, m],
            )?;
        }
    }
    Ok(id)
}

/// Refuse an entry far larger or deeper than any real one (whatever
/// interface it came through).
fn bounded(input: &Value) -> Result<()> {
    crate::fsutil::parse_json_input(input.to_string().as_bytes())
        .map(|_| ())
        .map_err(|e| Error::Invalid(format!("the disclosure was not recorded: the entry is {e}")))
}

/// The original entry an id names (an amendment or review names its original).
fn original_of(logs: &Connection, id: &str) -> Result<(String, String)> {
    let found: Option<(String, String)> = logs
        .query_row(
            "SELECT d.original_id, o.site FROM disclosures d
             JOIN disclosures o ON o.id = d.original_id WHERE d.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    found.ok_or_else(|| Error::NotFound(format!("there is no disclosure {id}")))
}

fn entry_content(logs: &Connection, id: &str) -> Result<Value> {
    let c: String = logs.query_row("SELECT content FROM disclosures WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    Ok(serde_json::from_str(&c).unwrap_or(Value::Null))
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
                let mut stmt = tx.logs.prepare(&format!(
                    "SELECT {COLUMNS} FROM disclosures WHERE original_id = ?1 ORDER BY seq"
                ))?;
                let entries = stmt
                    .query_map([&original], entry_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
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

/// Each entry's signature: by who recorded it, over its hash. Entries
/// from before signed records have none; after the first signed entry,
/// every entry must be signed.
fn check_signed(
    logs: &Connection,
    roster: &crate::session::grants::Roster,
    v: &mut Verification,
) -> Result<()> {
    let mut stmt = logs.prepare(
        "SELECT seq, id, content, hash, signer_key, signature FROM disclosures ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut signed_seen = false;
    let mut unsigned = 0u64;
    while let Some(r) = rows.next()? {
        let (seq, id, content, hash): (i64, String, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let key: Option<Vec<u8>> = r.get(4)?;
        let sig: Option<Vec<u8>> = r.get(5)?;
        let recorder = serde_json::from_str::<Value>(&content)
            .ok()
            .and_then(|c| c["recorded_by"].as_str().map(String::from))
            .unwrap_or_default();
        let fail = |v: &mut Verification, message: String| {
            v.fail(crate::chain::Failure {
                seq,
                kind: crate::chain::FailureKind::BadSignature,
                message,
            })
        };
        let (Some(key), Some(sig)) = (key, sig) else {
            if signed_seen {
                fail(v, format!("disclosure log entry {seq} ({id}) is not signed, though the entries before it are"));
            } else {
                unsigned += 1;
            }
            continue;
        };
        signed_seen = true;
        if !crate::signing::verify(
            &key,
            crate::signing::Domain::Disclosure,
            hash.as_bytes(),
            &sig,
        ) {
            fail(
                v,
                format!("disclosure log entry {seq} ({id}) was changed after {recorder} signed it"),
            );
        } else if !roster.unsigned && !roster.held(&recorder, &key) {
            fail(v, format!("disclosure log entry {seq} ({id}) is signed by a key that {recorder} never held"));
        }
    }
    if unsigned > 0 {
        v.warnings.push(format!(
            "entries 1 to {unsigned} of the disclosure log were recorded before signed records (by an older desk)"
        ));
    }
    Ok(())
}

/// Every entry of the disclosures that (in any version) named the member.
pub(crate) fn entries_about(
    logs: &Connection,
    site: &str,
    member_id: &str,
) -> Result<Vec<LogEntry>> {
    let mut stmt = logs.prepare(&format!(
        "SELECT {COLUMNS} FROM disclosures WHERE original_id IN
           (SELECT disclosure_id FROM disclosure_members WHERE site = ?1 AND member_id = ?2)
         ORDER BY seq"
    ))?;
    let entries = stmt
        .query_map(params![site, member_id], entry_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(entries)
}
