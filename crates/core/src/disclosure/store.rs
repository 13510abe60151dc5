//! The log's SQL: stored rows to [`LogEntry`] and back (appending an entry
//! inside the door's transaction), walking the chain and the signatures,
//! and the look-ups in `vault.db` that the rules and the members' status
//! need.

use super::rules::{content_members, TRIGGER_ENTITIES};
use super::{LogEntry, MemberStatus};
use crate::chain::{self, Stored, Verification};
use crate::error::{Error, Result};
use crate::session::Tx;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

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
pub(super) fn all_entries(conn: &Connection) -> Result<Vec<LogEntry>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM disclosures ORDER BY seq"))?;
    let rows = stmt.query_map([], entry_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every entry of one disclosure (by its original's id), in order.
pub(super) fn entries_of(logs: &Connection, original: &str) -> Result<Vec<LogEntry>> {
    let mut stmt = logs.prepare(&format!(
        "SELECT {COLUMNS} FROM disclosures WHERE original_id = ?1 ORDER BY seq"
    ))?;
    let entries = stmt
        .query_map([original], entry_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(entries)
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

/// The original entry an id names (an amendment or review names its original).
pub(super) fn original_of(logs: &Connection, id: &str) -> Result<(String, String)> {
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

pub(super) fn entry_content(logs: &Connection, id: &str) -> Result<Value> {
    let c: String = logs.query_row("SELECT content FROM disclosures WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    Ok(serde_json::from_str(&c).unwrap_or(Value::Null))
}

/// Append one entry (inside the caller's transaction). Returns its id.
pub(super) fn append(
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

/// Whether `site` is a site this vault has synced.
pub(super) fn site_known(conn: &Connection, site: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM exports WHERE site = ?1)",
        [site],
        |r| r.get(0),
    )?)
}

/// Whether the member is in the site's latest export.
pub(super) fn member_exists(conn: &Connection, site: &str, member_id: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM members WHERE site = ?1 AND id = ?2 AND deleted_seq IS NULL)",
        params![site, member_id],
        |r| r.get(0),
    )?)
}

/// Does `site`'s `entity` row `id` belong to one of `members` (for a private
/// message: sent or received by one of them)?
pub(super) fn trigger_belongs(
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

/// A member's status now: in the latest export, on hold (unknown without
/// `vault.db`).
pub(super) fn member_status(
    conn: Option<&Connection>,
    site: &str,
    member_id: &str,
) -> Result<MemberStatus> {
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

/// Each entry's signature: by who recorded it, over its hash. Entries
/// from before signed records have none; after the first signed entry,
/// every entry must be signed.
pub(super) fn check_signed(
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
