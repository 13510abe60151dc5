//! Making a draft: the items, parties and proposals of a request's member,
//! in three steps through the door (a check, the build in `vault.db`, the
//! `draft_created` event on the request); a draft it replaces (stale, or
//! withdrawn) passes on every decision about what did not change.

use super::candidates;
use super::collect::{Discovery, Found};
use super::flow::{created, current, replay, summary};
use super::plan::row_hash;
use super::rules::preview;
use super::store::{self, to_json};
use super::{DisclosureDecision, DraftState, ReviewSummary};
use crate::bundle::{each_row, time_field};
use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressEvent};
use crate::requests;
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Statement};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// What the check found.
struct Checked {
    site: String,
    member_id: String,
    /// The draft to replace, if any (stale or withdrawn).
    previous: Option<i64>,
}

/// How many rows between progress reports.
const TICK: u64 = 512;

impl Session {
    /// Make a draft for request `reference` (open, about an existing
    /// member, identity verified). A request has one open draft at a time:
    /// an open draft that is not stale is refused ([`Error::Conflict`]); a
    /// stale one is withdrawn and replaced, its decisions carried over to
    /// what did not change.
    pub fn review_create(
        &self,
        reference: &str,
        now: DateTime<Utc>,
        progress: &dyn Progress,
    ) -> Result<ReviewSummary> {
        let c = self.review_create_check(reference, now)?;
        let (draft, counts) = self.review_create_build(reference, &c, now, progress)?;
        self.review_create_record(reference, &c, draft, counts, now)
    }

    /// 1. The check.
    fn review_create_check(&self, reference: &str, now: DateTime<Utc>) -> Result<Checked> {
        let op = Op::quiet(Action::RequestBundle).fails_as("review_created");
        self.door(op, now, |tx| {
            let row_site: (String, String) = tx.logs.query_row(
                "SELECT site, member_id FROM requests WHERE ref = ?1",
                [reference],
                |r| Ok((r.get(0)?, r.get(1)?)),
            ).map_err(|_| Error::NotFound(format!("there is no request {reference}")))?;
            let (site, member_id) = row_site;
            tx.about(&site, Some(&member_id));
            requests::for_bundle(tx, reference, &site, &member_id)?;
            let previous = match current(tx, reference) {
                Ok((d, r, _)) => {
                    let stale = store::sequence(tx.data()?, &d.site)? != d.vault_sequence;
                    if r.state.open() && !stale {
                        return Err(Error::Conflict(format!(
                            "request {reference} already has an open draft ({}, {}): withdraw it first to start again",
                            d.id,
                            r.state.name()
                        )));
                    }
                    if r.state == DraftState::Released {
                        None
                    } else {
                        Some(d.id)
                    }
                }
                Err(Error::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            Ok(Checked {
                site,
                member_id,
                previous,
            })
        })
    }

    /// 2. The build.
    fn review_create_build(
        &self,
        reference: &str,
        c: &Checked,
        now: DateTime<Utc>,
        progress: &dyn Progress,
    ) -> Result<(i64, Counts)> {
        let op = Op::data(Action::RequestBundle, "review_draft_built")
            .on(Some(&c.site), Some(&c.member_id));
        self.door(op, now, |tx| {
            let events = requests::events_of(tx.logs, reference)?;
            let live = created(&events);
            let conn = tx.data()?;
            // Drafts built but never recorded (a process that died between
            // the steps) are removed.
            for id in store::drafts_of(conn, reference)? {
                if !live.contains(&id) {
                    store::delete_draft(conn, id)?;
                }
            }
            let (id, counts) = build(conn, reference, c, &tx.user.name, now, progress)?;
            tx.detail(json!({"ref": reference, "draft": id, "items": counts.0, "proposals": counts.1, "parties": counts.2}));
            Ok((id, counts))
        })
    }

    /// 3. The record.
    fn review_create_record(
        &self,
        reference: &str,
        c: &Checked,
        draft: i64,
        counts: Counts,
        now: DateTime<Utc>,
    ) -> Result<ReviewSummary> {
        let op =
            Op::logs(Action::RequestBundle, "review_created").on(Some(&c.site), Some(&c.member_id));
        self.door(op, now, |tx| {
            let events = requests::events_of(tx.logs, reference)?;
            let conn = tx.data()?;
            let d = store::draft(conn, draft)?
                .ok_or_else(|| Error::Conflict("the draft was removed while it was made; try again".into()))?;
            // Another draft recorded since the check?
            if let Some(&last) = created(&events).last() {
                let r = replay(&events, last);
                if Some(last) != c.previous && r.state.open() {
                    return Err(Error::Conflict(format!(
                        "request {reference} got another draft ({last}) meanwhile; this one is dropped"
                    )));
                }
                if Some(last) == c.previous && r.state.open() {
                    requests::note_review(
                        tx,
                        reference,
                        "draft_withdrawn",
                        &json!({"draft": last, "reason": format!("replaced by draft {draft}: the vault changed since it was made")}),
                    )?;
                }
            }
            requests::note_review(
                tx,
                reference,
                "draft_created",
                &json!({"draft": draft, "items": counts.0, "proposals": counts.1, "parties": counts.2,
                        "vault_sequence": d.vault_sequence, "replaces": d.replaces, "carried": d.carried}),
            )?;
            tx.detail(json!({"ref": reference, "draft": draft, "items": counts.0, "proposals": counts.1,
                             "parties": counts.2, "replaces": d.replaces, "carried": d.carried}));
            let (d, r, _) = current(tx, reference)?;
            summary(tx, &d, &r)
        })
    }
}

/// A draft's (items, proposals, parties).
type Counts = (u32, u32, u32);

/// Where the draft's items and proposals are being listed: the next item
/// number and proposal id.
struct Lister<'c> {
    draft: i64,
    n: u32,
    pid: i64,
    prop_stmt: Statement<'c>,
}

impl Lister<'_> {
    /// Insert an item's proposals.
    fn proposals(&mut self, found: &[Found]) -> Result<()> {
        for f in found {
            self.prop_stmt.execute(params![
                self.draft,
                self.pid,
                self.n,
                f.field,
                f.start,
                f.end,
                f.kind.name(),
                f.party
            ])?;
            self.pid += 1;
        }
        Ok(())
    }
}

/// Build a draft in `vault.db`: (id, (items, proposals, parties)).
fn build(
    conn: &Connection,
    reference: &str,
    c: &Checked,
    user: &str,
    now: DateTime<Utc>,
    progress: &dyn Progress,
) -> Result<(i64, Counts)> {
    let (site, member_id) = (c.site.as_str(), c.member_id.as_str());
    let seq = store::sequence(conn, site)?;
    progress.event(ProgressEvent::Stage {
        name: "finding other people".into(),
        total: None,
    });
    let mut tick = |n: u64| {
        if n.is_multiple_of(TICK) {
            progress.event(ProgressEvent::Advance { done: n });
            if progress.cancelled() {
                return Err(Error::Cancelled);
            }
        }
        Ok(())
    };
    // Candidate items from mentions (refused while the mentions index must
    // be built: the draft would miss them).
    let cands = candidates::collect(conn, site, member_id)?;
    let mut d = Discovery::run(conn, site, member_id, &cands, &mut tick)?;
    let total = d.rows;
    conn.execute(
        "INSERT INTO review_drafts (ref, site, member_id, vault_sequence, created_at, created_by, replaces)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![reference, site, member_id, seq, crate::trail::ts(now), user, c.previous],
    )?;
    let draft = conn.last_insert_rowid();
    progress.event(ProgressEvent::Stage {
        name: "listing items and proposals".into(),
        total: Some(total),
    });
    let (n, pid) = list_items(conn, draft, c, &mut d, &cands, &mut tick)?;
    insert_parties_and_ids(conn, draft, &d)?;
    if let Some(old) = c.previous {
        let carried = carry_over(conn, old, draft)?;
        conn.execute(
            "UPDATE review_drafts SET carried = ?2 WHERE id = ?1",
            params![draft, carried],
        )?;
    }
    Ok((draft, (n, pid as u32, d.parties.len() as u32)))
}

/// List the items and their proposals: the member's rows, then the
/// candidate items. Answers (items, proposals).
fn list_items(
    conn: &Connection,
    draft: i64,
    c: &Checked,
    d: &mut Discovery,
    cands: &[candidates::Candidate],
    tick: &mut dyn FnMut(u64) -> Result<()>,
) -> Result<(u32, i64)> {
    let mut item_stmt = conn.prepare(
        "INSERT INTO review_items (draft, n, entity, row_id, source, bundle_id, at, hash, preview, proposals)
         VALUES (?1, ?2, ?3, ?4, 'member', ?5, ?6, ?7, ?8, ?9)",
    )?;
    let prop_stmt = conn.prepare(
        "INSERT INTO review_proposals (draft, id, item, field, start, stop, kind, party)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut l = Lister {
        draft,
        n: 0,
        pid: 0,
        prop_stmt,
    };
    let email = d.email.clone();
    for e in Entity::DATA {
        each_row(
            conn,
            &c.site,
            &c.member_id,
            email.as_deref(),
            e,
            |id, data| {
                let row: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
                let (found, ids) = d.find(e, id, &row);
                let bundle_id = ids
                    .iter()
                    .find(|(k, _)| k == e.id_field())
                    .map(|x| x.1.clone())
                    .unwrap_or_else(|| id.to_string());
                let at = row
                    .get(time_field(e))
                    .and_then(Value::as_str)
                    .map(String::from);
                item_stmt.execute(params![
                    draft,
                    l.n,
                    e.name(),
                    id,
                    bundle_id,
                    at,
                    row_hash(data),
                    preview(e, &row, 120),
                    found.len() as u32
                ])?;
                l.proposals(&found)?;
                l.n += 1;
                tick(l.n as u64)
            },
        )?;
    }
    list_candidates(conn, &mut l, d, cands, tick)?;
    Ok((l.n, l.pid))
}

/// Candidate items, after the member's rows, oldest first.
fn list_candidates(
    conn: &Connection,
    l: &mut Lister,
    d: &mut Discovery,
    cands: &[candidates::Candidate],
    tick: &mut dyn FnMut(u64) -> Result<()>,
) -> Result<()> {
    let mut cand_stmt = conn.prepare(
        "INSERT INTO review_items (draft, n, entity, row_id, source, bundle_id, at, hash, preview, proposals)
         VALUES (?1, ?2, ?3, ?4, 'mention', ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut content_stmt = conn.prepare(
        "INSERT INTO review_mentions (draft, n, entity, row_id, source_hash, content)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (k, c) in cands.iter().enumerate() {
        let bundle_id = candidates::bundle_id(k + 1);
        let row = candidates::row_of(&bundle_id, &c.content);
        let found = d.find_candidate(&row);
        cand_stmt.execute(params![
            l.draft,
            l.n,
            candidates::KIND,
            c.row_id(),
            bundle_id,
            c.at(),
            c.hash(),
            candidates::preview(&row, 120),
            found.len() as u32
        ])?;
        content_stmt.execute(params![
            l.draft,
            l.n,
            c.entity,
            c.id,
            c.source_hash,
            to_json(&c.content)
        ])?;
        l.proposals(&found)?;
        l.n += 1;
        tick(l.n as u64)?;
    }
    Ok(())
}

/// The draft's third parties and its renumbered ids.
fn insert_parties_and_ids(conn: &Connection, draft: i64, d: &Discovery) -> Result<()> {
    let mut stmt = conn.prepare(
        "INSERT INTO review_parties (draft, party, label, kind, member_id, display, key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (i, p) in d.parties.iter().enumerate() {
        stmt.execute(params![
            draft,
            i as u32,
            p.label,
            p.kind.name(),
            p.member_id,
            p.display,
            p.key
        ])?;
    }
    drop(stmt);
    let mut stmt = conn.prepare(
        "INSERT INTO review_ids (draft, field, original, opaque) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (field, original, opaque) in d.ids.entries() {
        stmt.execute(params![draft, field, original, opaque])?;
    }
    drop(stmt);
    Ok(())
}

/// Carry the decisions of draft `old` over to `new` wherever they still
/// apply: a party's decision and three-step record (the same person or
/// value); an item's withholding, mark, spans and proposal decisions (the
/// same row, unchanged); a disclosure decision whose touched items are all
/// unchanged. Answers how many decisions were carried.
fn carry_over(conn: &Connection, old: i64, new: i64) -> Result<u32> {
    let mut n = 0u32;
    n += conn.execute(
        "UPDATE review_parties AS p SET verdict = o.verdict, three_step = o.three_step
           FROM review_parties AS o
          WHERE p.draft = ?2 AND o.draft = ?1 AND o.key = p.key
            AND (o.verdict IS NOT NULL OR o.three_step IS NOT NULL)",
        params![old, new],
    )? as u32;
    n += conn.execute(
        "UPDATE review_items AS i SET withheld = o.withheld, marked = o.marked
           FROM review_items AS o
          WHERE i.draft = ?2 AND o.draft = ?1 AND o.entity = i.entity AND o.row_id = i.row_id
            AND o.hash = i.hash AND (o.withheld IS NOT NULL OR o.marked = 1)",
        params![old, new],
    )? as u32;
    n += conn.execute(
        "UPDATE review_items AS i SET accepted = o.accepted
           FROM review_items AS o
          WHERE i.draft = ?2 AND o.draft = ?1 AND i.source = 'mention' AND o.source = 'mention'
            AND o.entity = i.entity AND o.row_id = i.row_id AND o.hash = i.hash
            AND o.accepted IS NOT NULL",
        params![old, new],
    )? as u32;
    n += conn.execute(
        "INSERT INTO review_spans (draft, id, item, field, start, stop, reason, by, at)
         SELECT ?2, s.id, ni.n, s.field, s.start, s.stop, s.reason, s.by, s.at
           FROM review_spans s
           JOIN review_items oi ON oi.draft = s.draft AND oi.n = s.item
           JOIN review_items ni ON ni.draft = ?2 AND ni.entity = oi.entity AND ni.row_id = oi.row_id AND ni.hash = oi.hash
          WHERE s.draft = ?1",
        params![old, new],
    )? as u32;
    n += conn.execute(
        "UPDATE review_proposals AS p SET verdict = o.verdict
           FROM review_proposals AS o
           JOIN review_items oi ON oi.draft = o.draft AND oi.n = o.item
           JOIN review_items ni ON ni.entity = oi.entity AND ni.row_id = oi.row_id AND ni.hash = oi.hash
           JOIN review_parties op ON op.draft = o.draft AND op.party = o.party
           JOIN review_parties np ON np.key = op.key
          WHERE o.draft = ?1 AND o.verdict IS NOT NULL
            AND p.draft = ?2 AND ni.draft = ?2 AND np.draft = ?2
            AND p.item = ni.n AND p.field = o.field AND p.start IS o.start AND p.stop IS o.stop
            AND p.kind = o.kind AND p.party = np.party",
        params![old, new],
    )? as u32;
    n += carry_disclosures(conn, old, new)?;
    Ok(n)
}

/// Disclosure decisions, their items renumbered (only those whose
/// touched items are all unchanged).
fn carry_disclosures(conn: &Connection, old: i64, new: i64) -> Result<u32> {
    let mut n = 0u32;
    let mut map: HashMap<u32, u32> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT oi.n, ni.n FROM review_items oi
               JOIN review_items ni ON ni.draft = ?2 AND ni.entity = oi.entity AND ni.row_id = oi.row_id AND ni.hash = oi.hash
              WHERE oi.draft = ?1",
        )?;
        let rows = stmt.query_map(params![old, new], |r| Ok((r.get(0)?, r.get(1)?)))?;
        for r in rows {
            let (a, b) = r?;
            map.insert(a, b);
        }
    }
    for (id, mut dec) in store::disclosure_decisions(conn, old)? {
        let mapped: Option<Vec<_>> = dec
            .items
            .iter()
            .map(|a| {
                map.get(&a.item).map(|&b| super::ItemAnswer {
                    item: b,
                    withhold: a.withhold,
                })
            })
            .collect();
        let Some(items) = mapped else { continue };
        dec.items = items;
        let dec: DisclosureDecision = dec;
        conn.execute(
            "INSERT INTO review_disclosures (draft, disclosure, decision) VALUES (?1, ?2, ?3)",
            params![new, id, to_json(&dec)],
        )?;
        n += 1;
    }
    Ok(n)
}
