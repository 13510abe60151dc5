//! The review's SQL on `vault.db` (drafts, items, parties, proposals,
//! spans, renumbered ids, disclosure decisions, actions), inside the
//! door's transaction, and the settings in `logs.db`.

use super::collect::{PartyKind, ProposalKind};
use super::{
    DisclosureDecision, ItemFilter, ItemSource, ItemSummary, KindCount, Party, Proposal, Span,
    ThreeStep, Verdict, Withheld,
};
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension, ToSql};
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

const ITEM_COLUMNS: &str = "i.n, i.entity, i.source, i.row_id, i.bundle_id, i.at, i.preview, i.proposals, i.withheld, i.marked, i.accepted";

/// An item's summary from its row; `undecided` and `spans` are filled in
/// afterwards.
fn item_from(r: &rusqlite::Row) -> rusqlite::Result<ItemSummary> {
    let entity: String = r.get(1)?;
    let source: String = r.get(2)?;
    let withheld: Option<Withheld> = json(r.get(8)?);
    let marked: bool = r.get(9)?;
    let candidate = source == "mention";
    let accepted: Option<bool> = if candidate { r.get(10)? } else { None };
    Ok(ItemSummary {
        n: r.get(0)?,
        kind: if entity == "members" {
            "profile".into()
        } else {
            entity
        },
        source: if source == "mention" {
            ItemSource::Mention
        } else {
            ItemSource::Member
        },
        row_id: r.get(3)?,
        bundle_id: r.get(4)?,
        at: r.get(5)?,
        preview: r.get(6)?,
        proposals: r.get(7)?,
        undecided: 0,
        spans: 0,
        reviewed: withheld.is_some() || marked || accepted == Some(false),
        withheld,
        accepted,
    })
}

/// Fill in the undecided proposals and spans of `items` (two grouped
/// queries over just those items).
fn complete_items(conn: &Connection, draft: i64, items: &mut [ItemSummary]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let ns: Vec<u32> = items.iter().map(|i| i.n).collect();
    let list = serde_json::to_string(&ns).unwrap_or_else(|_| "[]".into());
    let count = |sql: &str| -> Result<std::collections::HashMap<u32, u32>> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![draft, list], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    let undecided = count(
        "SELECT p.item, count(*) FROM review_proposals p
           CROSS JOIN review_parties q ON q.draft = p.draft AND q.party = p.party
          WHERE p.draft = ?1 AND p.item IN (SELECT value FROM json_each(?2))
            AND p.verdict IS NULL AND q.verdict IS NULL
          GROUP BY p.item",
    )?;
    let spans = count(
        "SELECT item, count(*) FROM review_spans
          WHERE draft = ?1 AND item IN (SELECT value FROM json_each(?2)) GROUP BY item",
    )?;
    for it in items.iter_mut() {
        let u = undecided.get(&it.n).copied().unwrap_or(0);
        let out = it.withheld.is_none() && it.accepted != Some(false);
        it.undecided = if out { u } else { 0 };
        it.spans = spans.get(&it.n).copied().unwrap_or(0);
        it.reviewed = it.reviewed
            || match it.source {
                ItemSource::Member => it.proposals > 0 && u == 0,
                ItemSource::Mention => it.accepted == Some(true) && u == 0,
            };
    }
    Ok(())
}

fn filter_sql(f: &ItemFilter, args: &mut Vec<Box<dyn ToSql>>) -> String {
    let mut w = String::from("i.draft = ?1");
    if let Some(k) = &f.kind {
        let e = if k == "profile" {
            "members".to_string()
        } else {
            k.clone()
        };
        args.push(Box::new(e));
        w.push_str(&format!(" AND i.entity = ?{}", args.len()));
    }
    if f.undecided_only {
        w.push_str(&format!(
            " AND (i.n IN (SELECT p.item {OPEN}) OR (i.source = 'mention' AND i.accepted IS NULL))"
        ));
    }
    if let Some(p) = f.party {
        args.push(Box::new(p));
        w.push_str(&format!(
            " AND i.n IN (SELECT x.item FROM review_proposals x INDEXED BY review_proposals_party WHERE x.draft = ?1 AND x.party = ?{})",
            args.len()
        ));
    }
    if f.withheld_only {
        w.push_str(" AND i.withheld IS NOT NULL");
    }
    w
}

/// A page of items and how many match.
pub(crate) fn items_page(
    conn: &Connection,
    draft: i64,
    f: &ItemFilter,
    offset: u32,
    limit: u32,
) -> Result<(u32, Vec<ItemSummary>)> {
    let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(draft)];
    let w = filter_sql(f, &mut args);
    let refs: Vec<&dyn ToSql> = args.iter().map(|b| b.as_ref()).collect();
    let total: u32 = conn.query_row(
        &format!("SELECT count(*) FROM review_items i INDEXED BY review_items_list WHERE {w}"),
        refs.as_slice(),
        |r| r.get(0),
    )?;
    // The page's numbers first (only the key is read for the rows skipped),
    // then those items whole.
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM review_items i
          WHERE i.draft = ?1 AND i.n IN (SELECT i.n FROM review_items i INDEXED BY review_items_list
                                         WHERE {w} ORDER BY i.n LIMIT {limit} OFFSET {offset})
          ORDER BY i.n"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut items = stmt
        .query_map(refs.as_slice(), item_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    complete_items(conn, draft, &mut items)?;
    Ok((total, items))
}

/// One item's summary.
pub(crate) fn item(conn: &Connection, draft: i64, n: u32) -> Result<Option<ItemSummary>> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM review_items i WHERE i.draft = ?1 AND i.n = ?2");
    let Some(it) = conn
        .prepare_cached(&sql)?
        .query_row(params![draft, n], item_from)
        .optional()?
    else {
        return Ok(None);
    };
    let mut v = [it];
    complete_items(conn, draft, &mut v)?;
    let [it] = v;
    Ok(Some(it))
}

/// An item's entity, row id and stored hash.
pub(crate) fn item_row(
    conn: &Connection,
    draft: i64,
    n: u32,
) -> Result<Option<(String, String, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT entity, row_id, hash FROM review_items WHERE draft = ?1 AND n = ?2",
        )?
        .query_row(params![draft, n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

fn party_from(r: &rusqlite::Row) -> rusqlite::Result<Party> {
    let kind: String = r.get(2)?;
    Ok(Party {
        party: r.get(0)?,
        label: r.get(1)?,
        kind: PartyKind::parse(&kind),
        member_id: r.get(3)?,
        display: r.get(4)?,
        decision: json(r.get(5)?),
        three_step: json(r.get(6)?),
        proposals: r.get(7)?,
        items: r.get(8)?,
        overrides: r.get(9)?,
    })
}

const PARTY_SQL: &str = "SELECT q.party, q.label, q.kind, q.member_id, q.display, q.verdict, q.three_step,
        (SELECT count(*) FROM review_proposals p INDEXED BY review_proposals_party WHERE p.draft = q.draft AND p.party = q.party),
        (SELECT count(DISTINCT p.item) FROM review_proposals p INDEXED BY review_proposals_party WHERE p.draft = q.draft AND p.party = q.party),
        (SELECT count(*) FROM review_proposals p INDEXED BY review_proposals_party WHERE p.draft = q.draft AND p.party = q.party AND p.verdict IS NOT NULL)
   FROM review_parties q";

/// A page of parties and how many match.
pub(crate) fn parties_page(
    conn: &Connection,
    draft: i64,
    undecided_only: bool,
    offset: u32,
    limit: u32,
) -> Result<(u32, Vec<Party>)> {
    let w = if undecided_only {
        "q.draft = ?1 AND q.verdict IS NULL"
    } else {
        "q.draft = ?1"
    };
    let total: u32 = conn.query_row(
        &format!("SELECT count(*) FROM review_parties q WHERE {w}"),
        [draft],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "{PARTY_SQL} WHERE {w} ORDER BY q.party LIMIT {limit} OFFSET {offset}"
    ))?;
    let v = stmt
        .query_map([draft], party_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((total, v))
}

pub(crate) fn party(conn: &Connection, draft: i64, p: u32) -> Result<Option<Party>> {
    Ok(conn
        .prepare_cached(&format!("{PARTY_SQL} WHERE q.draft = ?1 AND q.party = ?2"))?
        .query_row(params![draft, p], party_from)
        .optional()?)
}

/// A party as a plan needs it: (label, kind, verdict, key).
pub(crate) type PartyRow = (String, PartyKind, Option<Verdict>, String);

/// Every party, by number.
pub(crate) fn party_table(conn: &Connection, draft: i64) -> Result<Vec<PartyRow>> {
    let mut stmt = conn.prepare(
        "SELECT label, kind, verdict, key FROM review_parties WHERE draft = ?1 ORDER BY party",
    )?;
    let v = stmt
        .query_map([draft], |r| {
            let k: String = r.get(1)?;
            Ok((r.get(0)?, PartyKind::parse(&k), json(r.get(2)?), r.get(3)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(v)
}

fn proposal_from(r: &rusqlite::Row) -> rusqlite::Result<(Proposal, Option<Verdict>)> {
    let kind: String = r.get(6)?;
    let own: Option<Verdict> = json(r.get(8)?);
    let party_v: Option<Verdict> = json(r.get(9)?);
    let label: String = r.get(10)?;
    let pkind: String = r.get(11)?;
    let replacement = PartyKind::parse(&pkind)
        .placeholder()
        .map(str::to_string)
        .unwrap_or(label);
    Ok((
        Proposal {
            id: r.get::<_, i64>(0)? as u64,
            item: r.get(1)?,
            field: r.get(2)?,
            start: r.get(3)?,
            end: r.get(4)?,
            party: r.get(5)?,
            kind: ProposalKind::parse(&kind),
            replacement,
            effective: own.clone().or(party_v.clone()),
            decision: own,
        },
        party_v,
    ))
}

const PROPOSAL_SQL: &str = "SELECT p.id, p.item, p.field, p.start, p.stop, p.party, p.kind, 0, p.verdict, q.verdict, q.label, q.kind
   FROM review_proposals p CROSS JOIN review_parties q ON q.draft = p.draft AND q.party = p.party";

/// An item's proposals (up to `limit`) and how many it has.
pub(crate) fn proposals_of(
    conn: &Connection,
    draft: i64,
    n: u32,
    limit: u32,
) -> Result<(Vec<Proposal>, u32)> {
    let total: u32 = conn
        .prepare_cached("SELECT count(*) FROM review_proposals INDEXED BY review_proposals_item WHERE draft = ?1 AND item = ?2")?
        .query_row(params![draft, n], |r| r.get(0))?;
    let sql = PROPOSAL_SQL.replace(
        "FROM review_proposals p ",
        "FROM review_proposals p INDEXED BY review_proposals_item ",
    );
    let mut stmt = conn.prepare_cached(&format!(
        "{sql} WHERE p.draft = ?1 AND p.item = ?2 ORDER BY p.item, p.id LIMIT ?3"
    ))?;
    let v = stmt
        .query_map(params![draft, n, limit], proposal_from)?
        .map(|r| r.map(|x| x.0))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((v, total))
}

pub(crate) fn proposal(conn: &Connection, draft: i64, id: u64) -> Result<Option<Proposal>> {
    Ok(conn
        .prepare_cached(&format!("{PROPOSAL_SQL} WHERE p.draft = ?1 AND p.id = ?2"))?
        .query_row(params![draft, id as i64], proposal_from)
        .optional()?
        .map(|x| x.0))
}

/// Every proposal of the draft in item order, with its effective verdict
/// (for a plan): (item, field, start, end, kind, party, effective).
pub(crate) type PlanProposal = (
    u32,
    String,
    Option<u32>,
    Option<u32>,
    ProposalKind,
    u32,
    Option<Verdict>,
);

pub(crate) fn all_proposals(
    conn: &Connection,
    draft: i64,
    f: &mut dyn FnMut(PlanProposal),
) -> Result<()> {
    let mut stmt = conn.prepare(&format!(
        "{PROPOSAL_SQL} WHERE p.draft = ?1 ORDER BY p.item, p.id"
    ))?;
    let mut rows = stmt.query([draft])?;
    while let Some(r) = rows.next()? {
        let (p, _) = proposal_from(r)?;
        f((
            p.item,
            p.field,
            p.start,
            p.end,
            p.kind,
            p.party,
            p.effective,
        ));
    }
    Ok(())
}

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

/// Every item's plan data: (n, entity, row_id, bundle_id, hash, withheld).
pub(crate) type PlanItem = (u32, String, String, String, String, Option<Withheld>);

pub(crate) fn all_items(conn: &Connection, draft: i64, f: &mut dyn FnMut(PlanItem)) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT n, entity, row_id, bundle_id, hash, withheld FROM review_items WHERE draft = ?1 ORDER BY n",
    )?;
    let mut rows = stmt.query([draft])?;
    while let Some(r) = rows.next()? {
        f((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            json(r.get(5)?),
        ));
    }
    Ok(())
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
    pub candidates: super::CandidateCounts,
}

pub(crate) fn counts(conn: &Connection, draft: i64) -> Result<Counts> {
    let (items, withheld): (u32, u32) = conn.query_row(
        "SELECT count(*), coalesce(sum(withheld IS NOT NULL), 0) FROM review_items INDEXED BY review_items_list WHERE draft = ?1",
        [draft],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let reviewed: u32 = conn.query_row(
        &format!(
            "SELECT count(*) FROM review_items i INDEXED BY review_items_list WHERE i.draft = ?1
               AND (i.withheld IS NOT NULL OR i.marked = 1
                    OR (i.source = 'member' AND i.proposals > 0 AND i.n NOT IN (SELECT p.item {OPEN}))
                    OR (i.source = 'mention' AND (i.accepted = 0
                        OR (i.accepted = 1 AND i.n NOT IN (SELECT p.item {OPEN})))))"
        ),
        [draft],
        |r| r.get(0),
    )?;
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
    let mut kinds: Vec<KindCount> = Vec::new();
    // Per kind: the index on (draft, entity, row_id) holds them in order,
    // with each item's number.
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
            kind: if e == "members" { "profile".into() } else { e },
            items: n,
            undecided: 0,
            withheld: 0,
        });
    }
    if withheld > 0 {
        let mut stmt = conn.prepare(
            "SELECT entity, count(*) FROM review_items INDEXED BY review_items_list
              WHERE draft = ?1 AND withheld IS NOT NULL GROUP BY entity",
        )?;
        let rows = stmt.query_map([draft], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
        })?;
        for r in rows {
            let (e, n) = r?;
            let k = if e == "members" {
                "profile".to_string()
            } else {
                e
            };
            if let Some(x) = kinds.iter_mut().find(|x| x.kind == k) {
                x.withheld = n;
            }
        }
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT i.entity, count(DISTINCT p.item) {OPEN} GROUP BY i.entity"
    ))?;
    let rows = stmt.query_map([draft], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
    })?;
    for r in rows {
        let (e, n) = r?;
        let k = if e == "members" {
            "profile".to_string()
        } else {
            e
        };
        if let Some(x) = kinds.iter_mut().find(|x| x.kind == k) {
            x.undecided = n;
        }
    }
    let candidates = candidate_counts(conn, draft)?;
    if let Some(x) = kinds.iter_mut().find(|x| x.kind == super::candidates::KIND) {
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

/// How many candidate items there are, and the answers.
pub(crate) fn candidate_counts(conn: &Connection, draft: i64) -> Result<super::CandidateCounts> {
    let (items, accepted, declined): (u32, u32, u32) = conn.query_row(
        "SELECT count(*), coalesce(sum(accepted = 1), 0), coalesce(sum(accepted = 0), 0)
           FROM review_items WHERE draft = ?1 AND source = 'mention'",
        [draft],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(super::CandidateCounts {
        items,
        accepted,
        declined,
        undecided: items - accepted - declined,
    })
}

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
