//! Third parties and proposals.

use super::super::collect::{PartyKind, ProposalKind};
use super::super::{Party, Proposal, Verdict};
use super::json;
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

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

/// The parties of these proposals, in order of first appearance, at most
/// `max`.
pub(crate) fn parties_of(
    conn: &Connection,
    draft: i64,
    proposals: &[Proposal],
    max: usize,
) -> Result<Vec<Party>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for p in proposals {
        if out.len() >= max {
            break;
        }
        if seen.insert(p.party) {
            out.extend(party(conn, draft, p.party)?);
        }
    }
    Ok(out)
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
