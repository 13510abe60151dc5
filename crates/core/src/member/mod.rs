//! The whole member record: profile (unknown fields included), status, hold,
//! provenance, and every entity's rows, paged per entity so that a member
//! with hundreds of thousands of posts opens at once.
//!
//! Each row is its stored fields plus `_export_sequence` (the export that
//! last wrote it) and, for a held member's row that production deleted,
//! `_deleted_in_production` (`{sequence, at}`). Pages follow the order the
//! rows were first stored (export order), through the (site, member_id) index.

use crate::consent::member_exists;
use crate::entity::Entity;
use crate::error::Result;
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Which page of each entity's rows to return. `None` size: everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// 1-based.
    pub page: u64,
    pub size: Option<u64>,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            page: 1,
            size: Some(DEFAULT_PAGE_SIZE),
        }
    }
}

pub const DEFAULT_PAGE_SIZE: u64 = 100;

impl Page {
    pub fn all() -> Page {
        Page {
            page: 1,
            size: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HoldInfo {
    pub reason: String,
    pub set_at: String,
    pub set_by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberRecord {
    pub site: String,
    pub member_id: String,
    pub held: bool,
    pub hold: Option<HoldInfo>,
    pub status: Option<String>,
    /// Every stored field of the member row, unknown ones included.
    pub profile: Map<String, Value>,
    /// Which export last wrote the member row, and whether production deleted it.
    pub provenance: Value,
    /// Entity name → the rows on this page.
    pub rows: Map<String, Value>,
    /// Entity name → how many rows there are in all.
    pub totals: Map<String, Value>,
    pub page: u64,
    pub page_size: Option<u64>,
    /// The safeguarding disclosures about this member, oldest first.
    pub disclosures: Vec<DisclosureSummary>,
}

/// A disclosure about a member, as its latest amendment says.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DisclosureSummary {
    pub id: String,
    pub disclosed_at: Option<String>,
    pub recipient: Option<String>,
    pub lawful_basis: Option<String>,
    pub amended: bool,
}

/// The disclosures naming a member (reviews don't change content).
fn disclosures_about(
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

fn limit_offset(p: Page) -> (i64, i64) {
    match p.size {
        Some(s) => (s as i64, (p.page.max(1) - 1).saturating_mul(s) as i64),
        None => (-1, 0),
    }
}

fn row_value(data: &str, seq: i64, deleted: Option<(i64, String)>) -> Map<String, Value> {
    let mut v: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
    v.insert("_export_sequence".into(), json!(seq));
    if let Some((s, at)) = deleted {
        v.insert(
            "_deleted_in_production".into(),
            json!({"sequence": s, "at": at}),
        );
    }
    v
}

type RawRow = (String, String, i64, Option<i64>, Option<String>);

fn read_rows(
    stmt: &mut rusqlite::CachedStatement,
    p: impl rusqlite::Params,
) -> Result<Vec<RawRow>> {
    Ok(stmt
        .query_map(p, |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

fn to_values(rows: Vec<RawRow>) -> Vec<Map<String, Value>> {
    rows.into_iter()
        .map(|(_, data, seq, ds, da)| {
            row_value(&data, seq, ds.map(|s| (s, da.unwrap_or_default())))
        })
        .collect()
}

/// Usernames of members of a site, None for a former member.
struct Names<'c> {
    conn: &'c Connection,
    site: String,
    cache: HashMap<String, Option<String>>,
}

impl Names<'_> {
    fn get(&mut self, id: &str) -> Result<Option<String>> {
        if let Some(v) = self.cache.get(id) {
            return Ok(v.clone());
        }
        let u: Option<Option<String>> = self
            .conn
            .prepare_cached(
                "SELECT json_extract(data, '$.username') FROM members WHERE site = ?1 AND id = ?2",
            )?
            .query_row(params![self.site, id], |r| r.get(0))
            .optional()?;
        let u = u.flatten();
        self.cache.insert(id.to_string(), u.clone());
        Ok(u)
    }

    fn participants(&mut self, msg: &Map<String, Value>, me: &str) -> Result<Value> {
        let mut ids: Vec<String> = Vec::new();
        if let Some(s) = msg.get("sender_id").and_then(|v| v.as_str()) {
            ids.push(s.into());
        }
        if let Some(Value::Array(a)) = msg.get("recipient_ids") {
            ids.extend(a.iter().filter_map(|v| v.as_str()).map(String::from));
        }
        let mut out = Vec::new();
        for id in ids.into_iter().filter(|i| i != me) {
            let u = self.get(&id)?;
            out.push(match u {
                Some(u) => json!({"member_id": id, "username": u}),
                None => json!({"member_id": id, "username": null, "former_member": true}),
            });
        }
        Ok(Value::Array(out))
    }
}

/// The record from `conn` (`vault.db`) and `logs` (the disclosures about
/// the member), in the caller's transactions (no role check, no audit).
pub fn record_conn(
    conn: &Connection,
    logs: &Connection,
    site: &str,
    member_id: &str,
    page: Page,
) -> Result<MemberRecord> {
    member_exists(conn, site, member_id)?;
    let (data, seq, line, dseq, dat): (String, i64, i64, Option<i64>, Option<String>) = conn
        .query_row(
        "SELECT data, seq, line, deleted_seq, deleted_at FROM members WHERE site = ?1 AND id = ?2",
        params![site, member_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let profile: Map<String, Value> = serde_json::from_str(&data).unwrap_or_default();
    let status = profile
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
    let (limit, offset) = limit_offset(page);
    let mut rows = Map::new();
    let mut totals = Map::new();
    let mut names = Names {
        conn,
        site: site.into(),
        cache: HashMap::new(),
    };
    for e in Entity::DATA {
        if e == Entity::Members {
            continue;
        }
        let t = e.name();
        let mut list: Vec<Map<String, Value>>;
        let total: i64;
        if e == Entity::PrivateMessages {
            let sent: i64 = conn.query_row(
                "SELECT count(*) FROM private_messages WHERE site = ?1 AND member_id = ?2",
                params![site, member_id],
                |r| r.get(0),
            )?;
            let received: i64 = conn.query_row(
                "SELECT count(*) FROM pm_recipients WHERE site = ?1 AND member_id = ?2",
                params![site, member_id],
                |r| r.get(0),
            )?;
            total = sent + received;
            // Sent first, then received, each in stored order.
            let mut stmt = conn.prepare_cached(
                "SELECT id, data, seq, deleted_seq, deleted_at FROM (
                   SELECT 0 AS part, rowid AS o, id, data, seq, deleted_seq, deleted_at
                     FROM private_messages WHERE site = ?1 AND member_id = ?2
                   UNION ALL
                   SELECT 1, p.rowid, p.id, p.data, p.seq, p.deleted_seq, p.deleted_at
                     FROM pm_recipients r JOIN private_messages p ON p.site = r.site AND p.id = r.message_id
                     WHERE r.site = ?1 AND r.member_id = ?2 AND p.member_id IS NOT ?2
                 ) ORDER BY part, o LIMIT ?3 OFFSET ?4",
            )?;
            let raw = read_rows(&mut stmt, params![site, member_id, limit, offset])?;
            list = Vec::with_capacity(raw.len());
            for m in to_values(raw) {
                let mut m = m;
                let sender = m.get("sender_id").and_then(|v| v.as_str()) == Some(member_id);
                m.insert(
                    "_role".into(),
                    json!(if sender { "sender" } else { "recipient" }),
                );
                let p = names.participants(&m, member_id)?;
                m.insert("_other_participants".into(), p);
                list.push(m);
            }
        } else if e == Entity::HelpdeskTickets {
            let email: Option<String> = profile
                .get("email")
                .and_then(|v| v.as_str())
                .map(String::from);
            total = conn.query_row(
                // Two indexed counts: an OR across both would scan the
                // site's tickets (50 ms at a million members).
                "SELECT (SELECT count(*) FROM helpdesk_tickets WHERE site = ?1 AND member_id = ?2)
                      + (SELECT count(*) FROM helpdesk_tickets WHERE site = ?1 AND ?3 IS NOT NULL
                           AND lower(json_extract(data, '$.requester_email')) = lower(?3)
                           AND member_id IS NOT ?2)",
                params![site, member_id, email],
                |r| r.get(0),
            )?;
            let mut stmt = conn.prepare_cached(
                "SELECT id, data, seq, deleted_seq, deleted_at FROM (
                   SELECT 0 AS part, rowid AS o, id, data, seq, deleted_seq, deleted_at
                     FROM helpdesk_tickets WHERE site = ?1 AND member_id = ?2
                   UNION ALL
                   SELECT 1, rowid, id, data, seq, deleted_seq, deleted_at FROM helpdesk_tickets
                     WHERE site = ?1 AND ?3 IS NOT NULL
                       AND lower(json_extract(data, '$.requester_email')) = lower(?3)
                       AND member_id IS NOT ?2
                 ) ORDER BY part, o LIMIT ?4 OFFSET ?5",
            )?;
            let raw = read_rows(&mut stmt, params![site, member_id, email, limit, offset])?;
            list = to_values(raw);
            for t in &mut list {
                if t.get("member_id").and_then(|v| v.as_str()) != Some(member_id) {
                    t.insert("_matched_by".into(), json!("requester_email"));
                }
            }
        } else {
            total = conn.query_row(
                &format!("SELECT count(*) FROM {t} WHERE site = ?1 AND member_id = ?2"),
                params![site, member_id],
                |r| r.get(0),
            )?;
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT id, data, seq, deleted_seq, deleted_at FROM {t}
                 WHERE site = ?1 AND member_id = ?2 ORDER BY rowid LIMIT ?3 OFFSET ?4"
            ))?;
            list = to_values(read_rows(
                &mut stmt,
                params![site, member_id, limit, offset],
            )?);
        }
        totals.insert(t.into(), json!(total));
        rows.insert(
            t.into(),
            Value::Array(list.into_iter().map(Value::Object).collect()),
        );
    }
    Ok(MemberRecord {
        site: site.into(),
        member_id: member_id.into(),
        held: hold.is_some(),
        hold,
        status,
        profile,
        provenance,
        rows,
        totals,
        page: page.page.max(1),
        page_size: page.size,
        disclosures: disclosures_about(logs, site, member_id)?,
    })
}

impl Session {
    /// Open a member's whole record (one page of each entity's rows), read
    /// from one snapshot of the vault.
    pub fn member(
        &self,
        site: &str,
        member_id: &str,
        page: Page,
        now: DateTime<Utc>,
    ) -> Result<MemberRecord> {
        let op = Op::logs(Action::ReadMembers, "member_view").on(Some(site), Some(member_id));
        self.door(op, now, |tx| {
            tx.detail(json!({"page": page.page, "page_size": page.size}));
            record_conn(tx.data()?, tx.logs, site, member_id, page)
        })
    }
}
