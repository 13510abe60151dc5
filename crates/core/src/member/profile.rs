//! The member row itself: profile (unknown fields included), status,
//! provenance and hold; and the disclosures about the member (`logs.db`).

use super::{DisclosureSummary, HoldInfo};
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

/// What the member row says.
pub(super) struct Profile {
    /// Every stored field of the member row, unknown ones included.
    pub fields: Map<String, Value>,
    pub status: Option<String>,
    pub provenance: Value,
    pub hold: Option<HoldInfo>,
}

/// The member row of a member known to exist, with its export and hold.
pub(super) fn read(conn: &Connection, site: &str, member_id: &str) -> Result<Profile> {
    let (data, seq, line, dseq, dat): (String, i64, i64, Option<i64>, Option<String>) = conn
        .query_row(
        "SELECT data, seq, line, deleted_seq, deleted_at FROM members WHERE site = ?1 AND id = ?2",
        params![site, member_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let fields: Map<String, Value> = serde_json::from_str(&data).unwrap_or_default();
    let status = fields
        .get("status")
        .and_then(|s| s.as_str())
        .map(String::from);
    let export: Option<(String, String, String)> = conn
        .query_row(
            "SELECT kind, generated_at, synced_at FROM exports WHERE site = ?1 AND sequence = ?2",
            params![site, seq],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let provenance = json!({
        "export_sequence": seq,
        "line": line,
        "export_kind": export.as_ref().map(|e| &e.0),
        "export_generated_at": export.as_ref().map(|e| &e.1),
        "synced_at": export.as_ref().map(|e| &e.2),
        "deleted_in_production": dseq.map(|s| json!({"sequence": s, "at": dat})),
    });
    let hold: Option<HoldInfo> = conn
        .query_row(
            "SELECT reason, set_at, set_by FROM holds WHERE site = ?1 AND member_id = ?2",
            params![site, member_id],
            |r| {
                Ok(HoldInfo {
                    reason: r.get(0)?,
                    set_at: r.get(1)?,
                    set_by: r.get(2)?,
                })
            },
        )
        .optional()?;
    Ok(Profile {
        fields,
        status,
        provenance,
        hold,
    })
}

/// The disclosures naming a member (reviews don't change content).
pub(super) fn disclosures_about(
    conn: &Connection,
    site: &str,
    member_id: &str,
) -> Result<Vec<DisclosureSummary>> {
    let mut stmt = conn.prepare(
        "SELECT original_id, kind, content FROM disclosures
         WHERE kind != 'review' AND original_id IN
           (SELECT disclosure_id FROM disclosure_members WHERE site = ?1 AND member_id = ?2)
         ORDER BY seq",
    )?;
    let rows = stmt
        .query_map(params![site, member_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out: Vec<DisclosureSummary> = Vec::new();
    for (id, kind, content) in rows {
        let c: Value = serde_json::from_str(&content).unwrap_or(Value::Null);
        let text = |v: &Value| v.as_str().map(String::from);
        let summary = DisclosureSummary {
            id: id.clone(),
            disclosed_at: text(&c["disclosed_at"]),
            recipient: text(&c["recipient"]["organisation"]),
            lawful_basis: text(&c["lawful_basis"]),
            amended: kind == "amendment",
        };
        match out.iter_mut().find(|d| d.id == id) {
            Some(d) => *d = summary,
            None => out.push(summary),
        }
    }
    Ok(out)
}
