//! The review's SQL on `vault.db` (drafts, items, parties, proposals,
//! spans, renumbered ids, disclosure decisions, actions), inside the
//! door's transaction, and the settings in `logs.db`. By table: items,
//! parties and their proposals, spans (with renumbered ids and disclosure
//! decisions) and the summary's counts in their own files; drafts,
//! digests, actions and settings here.

mod counts;
mod items;
mod parties;
mod spans;

pub(crate) use counts::*;
pub(crate) use items::*;
pub(crate) use parties::*;
pub(crate) use spans::*;

use super::ThreeStep;
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

/// A draft's row.
#[derive(Clone, Debug)]
pub(crate) struct DraftRow {
    pub id: i64,
    pub reference: String,
    pub site: String,
    pub member_id: String,
    pub vault_sequence: i64,
    pub created_at: String,
    pub created_by: String,
    pub replaces: Option<i64>,
    pub carried: i64,
}

pub(crate) fn draft(conn: &Connection, id: i64) -> Result<Option<DraftRow>> {
    Ok(conn
        .query_row(
            "SELECT id, ref, site, member_id, vault_sequence, created_at, created_by, replaces, carried
               FROM review_drafts WHERE id = ?1",
            [id],
            |r| {
                Ok(DraftRow {
                    id: r.get(0)?,
                    reference: r.get(1)?,
                    site: r.get(2)?,
                    member_id: r.get(3)?,
                    vault_sequence: r.get(4)?,
                    created_at: r.get(5)?,
                    created_by: r.get(6)?,
                    replaces: r.get(7)?,
                    carried: r.get(8)?,
                })
            },
        )
        .optional()?)
}

/// The drafts of a request, oldest first.
pub(crate) fn drafts_of(conn: &Connection, reference: &str) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare("SELECT id FROM review_drafts WHERE ref = ?1 ORDER BY id")?;
    let v = stmt
        .query_map([reference], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(v)
}

/// Remove a draft and everything in it.
pub(crate) fn delete_draft(conn: &Connection, id: i64) -> Result<()> {
    for t in [
        "review_items",
        "review_parties",
        "review_proposals",
        "review_spans",
        "review_ids",
        "review_disclosures",
        "review_actions",
        "review_mentions",
    ] {
        conn.execute(&format!("DELETE FROM {t} WHERE draft = ?1"), [id])?;
    }
    conn.execute("DELETE FROM review_drafts WHERE id = ?1", [id])?;
    Ok(())
}

/// The site's latest export sequence (0: none).
pub(crate) fn sequence(conn: &Connection, site: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT coalesce(max(sequence), 0) FROM exports WHERE site = ?1",
        [site],
        |r| r.get(0),
    )?)
}

fn json<T: serde::de::DeserializeOwned>(s: Option<String>) -> Option<T> {
    s.and_then(|s| serde_json::from_str(&s).ok())
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The undecided proposals of items that go out (not withheld; candidate
/// items only when accepted): proposals first (by the index on (draft,
/// item)), then their party and item by key. `CROSS JOIN` keeps that
/// order: without statistics SQLite may otherwise walk every party and all
/// their proposals.
const OPEN: &str = "FROM review_proposals p
       CROSS JOIN review_parties q ON q.draft = p.draft AND q.party = p.party
       CROSS JOIN review_items i ON i.draft = p.draft AND i.n = p.item
      WHERE p.draft = ?1 AND p.verdict IS NULL AND q.verdict IS NULL AND i.withheld IS NULL
        AND (i.source = 'member' OR i.accepted = 1)";

/// The SHA-256 of every decision of a draft (and its items' hashes): what an
/// approval approves.
pub(crate) fn digest(conn: &Connection, draft: i64) -> Result<String> {
    let mut h = Sha256::new();
    let mut feed = |sql: &str, cols: usize| -> Result<()> {
        let mut stmt = conn.prepare(sql)?;
        let mut rows = stmt.query([draft])?;
        while let Some(r) = rows.next()? {
            for i in 0..cols {
                let v: rusqlite::types::Value = r.get(i)?;
                let s = match v {
                    rusqlite::types::Value::Null => "\u{0}".to_string(),
                    rusqlite::types::Value::Integer(n) => n.to_string(),
                    rusqlite::types::Value::Real(f) => f.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    rusqlite::types::Value::Blob(b) => hex::encode(b),
                };
                h.update(s.len().to_le_bytes());
                h.update(s.as_bytes());
            }
        }
        h.update(b"\x1e");
        Ok(())
    };
    feed("SELECT n, entity, row_id, hash, withheld, marked FROM review_items WHERE draft = ?1 ORDER BY n", 6)?;
    // Candidate items' answers (fed only when there are candidates, so a
    // draft without any keeps its digest).
    let candidates: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM review_items WHERE draft = ?1 AND source = 'mention')",
        [draft],
        |r| r.get(0),
    )?;
    if candidates {
        feed("SELECT n, accepted FROM review_items WHERE draft = ?1 AND source = 'mention' ORDER BY n", 2)?;
    }
    feed(
        "SELECT party, verdict, three_step FROM review_parties WHERE draft = ?1 ORDER BY party",
        3,
    )?;
    feed("SELECT id, verdict FROM review_proposals WHERE draft = ?1 AND verdict IS NOT NULL ORDER BY id", 2)?;
    feed("SELECT id, item, field, start, stop, reason FROM review_spans WHERE draft = ?1 ORDER BY id", 6)?;
    feed(
        "SELECT disclosure, decision FROM review_disclosures WHERE draft = ?1 ORDER BY disclosure",
        2,
    )?;
    Ok(hex::encode(h.finalize()))
}

/// Record an action and what undoes it; returns its number.
pub(crate) fn add_action(
    conn: &Connection,
    draft: i64,
    user: &str,
    at: &str,
    what: &str,
    undo: &str,
) -> Result<u32> {
    let seq: u32 = conn.query_row(
        "SELECT coalesce(max(seq), 0) + 1 FROM review_actions WHERE draft = ?1",
        [draft],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO review_actions (draft, seq, at, user, what, undo) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![draft, seq, at, user, what, undo],
    )?;
    Ok(seq)
}

/// The user's latest action not undone: (seq, what, undo).
pub(crate) fn last_action(
    conn: &Connection,
    draft: i64,
    user: &str,
) -> Result<Option<(u32, String, String)>> {
    Ok(conn
        .query_row(
            "SELECT seq, what, undo FROM review_actions WHERE draft = ?1 AND user = ?2 AND undone = 0
              ORDER BY seq DESC LIMIT 1",
            params![draft, user],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

pub(crate) fn set_undone(conn: &Connection, draft: i64, seq: u32) -> Result<()> {
    conn.execute(
        "UPDATE review_actions SET undone = 1 WHERE draft = ?1 AND seq = ?2",
        params![draft, seq],
    )?;
    Ok(())
}

/// The settings of a site (in `logs.db`).
pub(crate) fn settings(logs: &Connection, site: &str) -> Result<super::ReviewSettings> {
    let row: Option<(bool, String, String)> = logs
        .query_row(
            "SELECT four_eyes, set_by, set_at FROM review_settings WHERE site = ?1",
            [site],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(match row {
        Some((f, by, at)) => super::ReviewSettings {
            site: site.into(),
            four_eyes: f,
            set_by: Some(by),
            set_at: Some(at),
        },
        None => super::ReviewSettings {
            site: site.into(),
            ..Default::default()
        },
    })
}

/// A three-step record, as stored.
pub(crate) fn three_step(conn: &Connection, draft: i64, p: u32) -> Result<Option<ThreeStep>> {
    let s: Option<Option<String>> = conn
        .prepare_cached("SELECT three_step FROM review_parties WHERE draft = ?1 AND party = ?2")?
        .query_row(params![draft, p], |r| r.get(0))
        .optional()?;
    Ok(json(s.flatten()))
}
