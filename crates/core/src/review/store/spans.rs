//! Span redactions, renumbered ids and disclosure decisions.

use super::super::{DisclosureDecision, Span};
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

fn span_from(r: &rusqlite::Row) -> rusqlite::Result<Span> {
    Ok(Span {
        id: r.get::<_, i64>(0)? as u64,
        item: r.get(1)?,
        field: r.get(2)?,
        start: r.get(3)?,
        end: r.get(4)?,
        reason: r.get(5)?,
        by: r.get(6)?,
        at: r.get(7)?,
    })
}

const SPAN_SQL: &str = "SELECT id, item, field, start, stop, reason, by, at FROM review_spans";

pub(crate) fn spans_of(conn: &Connection, draft: i64, n: u32) -> Result<Vec<Span>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SPAN_SQL} WHERE draft = ?1 AND item = ?2 ORDER BY id"
    ))?;
    let v = stmt
        .query_map(params![draft, n], span_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(v)
}

pub(crate) fn all_spans(conn: &Connection, draft: i64) -> Result<Vec<Span>> {
    let mut stmt = conn.prepare(&format!("{SPAN_SQL} WHERE draft = ?1 ORDER BY item, id"))?;
    let v = stmt
        .query_map([draft], span_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(v)
}

pub(crate) fn span(conn: &Connection, draft: i64, id: u64) -> Result<Option<Span>> {
    Ok(conn
        .prepare_cached(&format!("{SPAN_SQL} WHERE draft = ?1 AND id = ?2"))?
        .query_row(params![draft, id as i64], span_from)
        .optional()?)
}

pub(crate) fn insert_span(conn: &Connection, draft: i64, s: &Span) -> Result<()> {
    conn.execute(
        "INSERT INTO review_spans (draft, id, item, field, start, stop, reason, by, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            draft,
            s.id as i64,
            s.item,
            s.field,
            s.start,
            s.end,
            s.reason,
            s.by,
            s.at
        ],
    )?;
    Ok(())
}

pub(crate) fn next_span_id(conn: &Connection, draft: i64) -> Result<u64> {
    let n: i64 = conn.query_row(
        "SELECT coalesce(max(id), 0) + 1 FROM review_spans WHERE draft = ?1",
        [draft],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// The renumbered ids of a draft: (field, original, opaque).
pub(crate) fn ids(conn: &Connection, draft: i64) -> Result<Vec<(String, String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT field, original, opaque FROM review_ids WHERE draft = ?1 ORDER BY field, original",
    )?;
    let v = stmt
        .query_map([draft], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(v)
}

pub(crate) fn disclosure_decisions(
    conn: &Connection,
    draft: i64,
) -> Result<Vec<(String, DisclosureDecision)>> {
    let mut stmt = conn.prepare(
        "SELECT disclosure, decision FROM review_disclosures WHERE draft = ?1 ORDER BY disclosure",
    )?;
    let v = stmt
        .query_map([draft], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .filter_map(|r| match r {
            Ok((d, j)) => serde_json::from_str(&j).ok().map(|x| Ok((d, x))),
            Err(e) => Some(Err(e)),
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(v)
}
