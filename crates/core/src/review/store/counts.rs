//! The counts of a draft's summary.

use super::super::KindCount;
use super::OPEN;
use crate::error::Result;
use rusqlite::Connection;

/// Counts for the summary.
pub(crate) struct Counts {
    pub items: u32,
    pub reviewed: u32,
    pub withheld: u32,
    pub proposals: u32,
    pub undecided: u32,
    pub parties: u32,
    pub parties_undecided: u32,
    pub spans: u32,
    pub kinds: Vec<KindCount>,
    pub candidates: super::super::CandidateCounts,
}

/// A draft's counts: the totals, then per kind of item.
pub(crate) fn counts(conn: &Connection, draft: i64) -> Result<Counts> {
    let (items, withheld): (u32, u32) = conn.query_row(
        "SELECT count(*), coalesce(sum(withheld IS NOT NULL), 0) FROM review_items INDEXED BY review_items_list WHERE draft = ?1",
        [draft],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let reviewed = reviewed(conn, draft)?;
    let proposals: u32 = conn.query_row(
        "SELECT count(*) FROM review_proposals WHERE draft = ?1",
        [draft],
        |r| r.get(0),
    )?;
    let undecided: u32 =
        conn.query_row(&format!("SELECT count(*) {OPEN}"), [draft], |r| r.get(0))?;
    let (parties, parties_undecided): (u32, u32) = conn.query_row(
        "SELECT count(*), coalesce(sum(verdict IS NULL), 0) FROM review_parties WHERE draft = ?1",
        [draft],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let spans: u32 = conn.query_row(
        "SELECT count(*) FROM review_spans WHERE draft = ?1",
        [draft],
        |r| r.get(0),
    )?;
    let mut kinds = kinds(conn, draft)?;
    if withheld > 0 {
        withheld_per_kind(conn, draft, &mut kinds)?;
    }
    undecided_per_kind(conn, draft, &mut kinds)?;
    let candidates = candidate_counts(conn, draft)?;
    if let Some(x) = kinds
        .iter_mut()
        .find(|x| x.kind == super::super::candidates::KIND)
    {
        x.undecided += candidates.undecided;
    }
    Ok(Counts {
        items,
        reviewed,
        withheld,
        proposals,
        undecided,
        parties,
        parties_undecided,
        spans,
        kinds,
        candidates,
    })
}

/// How many items are reviewed: withheld, marked, every proposal decided,
/// or (a candidate item) declined or accepted with every proposal decided.
fn reviewed(conn: &Connection, draft: i64) -> Result<u32> {
    Ok(conn.query_row(
        &format!(
            "SELECT count(*) FROM review_items i INDEXED BY review_items_list WHERE i.draft = ?1
               AND (i.withheld IS NOT NULL OR i.marked = 1
                    OR (i.source = 'member' AND i.proposals > 0 AND i.n NOT IN (SELECT p.item {OPEN}))
                    OR (i.source = 'mention' AND (i.accepted = 0
                        OR (i.accepted = 1 AND i.n NOT IN (SELECT p.item {OPEN})))))"
        ),
        [draft],
        |r| r.get(0),
    )?)
}

/// A kind's name in the summary (the member's profile row: `profile`).
fn kind_name(e: String) -> String {
    if e == "members" {
        "profile".to_string()
    } else {
        e
    }
}

/// Per kind, how many items: the index on (draft, entity, row_id) holds
/// them in order, with each item's number.
fn kinds(conn: &Connection, draft: i64) -> Result<Vec<KindCount>> {
    let mut kinds: Vec<KindCount> = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT entity, count(*), min(n) FROM review_items INDEXED BY review_items_row
          WHERE draft = ?1 GROUP BY entity ORDER BY min(n)",
    )?;
    let rows = stmt.query_map([draft], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
    })?;
    for r in rows {
        let (e, n) = r?;
        kinds.push(KindCount {
            kind: kind_name(e),
            items: n,
            undecided: 0,
            withheld: 0,
        });
    }
    Ok(kinds)
}

/// Per kind, how many items are withheld.
fn withheld_per_kind(conn: &Connection, draft: i64, kinds: &mut [KindCount]) -> Result<()> {
    per_kind(
        conn,
        "SELECT entity, count(*) FROM review_items INDEXED BY review_items_list
          WHERE draft = ?1 AND withheld IS NOT NULL GROUP BY entity",
        draft,
        kinds,
        |x, n| x.withheld = n,
    )
}

/// Per kind, how many items have undecided proposals.
fn undecided_per_kind(conn: &Connection, draft: i64, kinds: &mut [KindCount]) -> Result<()> {
    per_kind(
        conn,
        &format!("SELECT i.entity, count(DISTINCT p.item) {OPEN} GROUP BY i.entity"),
        draft,
        kinds,
        |x, n| x.undecided = n,
    )
}

/// Put each (entity, count) row of `sql` into its kind with `set`.
fn per_kind(
    conn: &Connection,
    sql: &str,
    draft: i64,
    kinds: &mut [KindCount],
    set: impl Fn(&mut KindCount, u32),
) -> Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([draft], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
    })?;
    for r in rows {
        let (e, n) = r?;
        let k = kind_name(e);
        if let Some(x) = kinds.iter_mut().find(|x| x.kind == k) {
            set(x, n);
        }
    }
    Ok(())
}

/// How many candidate items there are, and the answers.
pub(crate) fn candidate_counts(
    conn: &Connection,
    draft: i64,
) -> Result<super::super::CandidateCounts> {
    let (items, accepted, declined): (u32, u32, u32) = conn.query_row(
        "SELECT count(*), coalesce(sum(accepted = 1), 0), coalesce(sum(accepted = 0), 0)
           FROM review_items WHERE draft = ?1 AND source = 'mention'",
        [draft],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(super::super::CandidateCounts {
        items,
        accepted,
        declined,
        undecided: items - accepted - declined,
    })
}
