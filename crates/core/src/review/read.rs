//! Reading a draft: the summary, a page of items, one item whole, the
//! third parties, and what changed since the draft. Every read of member
//! data is audited (ids and counts only).

use super::candidates;
use super::flow::{current, summary};
use super::plan::{apply, row_hash, Edit};
use super::rules::{at, text_fields};
use super::store;
use super::{
    entity_of, ItemFilter, ItemPage, KindCount, PartyPage, ReviewItem, ReviewSummary, Staleness,
    TextField, Verdict, ITEM_PARTIES,
};
use crate::bundle::each_row;
use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The most a page lists.
pub const MAX_PAGE: u32 = 500;

impl Session {
    /// The request's current draft and where its review stands.
    pub fn review_summary(&self, reference: &str, now: DateTime<Utc>) -> Result<ReviewSummary> {
        let op = Op::logs(Action::RequestBundle, "review_summary");
        self.door(op, now, |tx| {
            let (d, r, _) = current(tx, reference)?;
            tx.about(&d.site, Some(&d.member_id));
            tx.detail(json!({"ref": reference, "draft": d.id}));
            summary(tx, &d, &r)
        })
    }

    /// A page of the current draft's items (at most [`MAX_PAGE`]).
    pub fn review_items(
        &self,
        reference: &str,
        filter: &ItemFilter,
        offset: u32,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<ItemPage> {
        let op = Op::logs(Action::RequestBundle, "review_items");
        self.door(op, now, |tx| {
            let (d, _, _) = current(tx, reference)?;
            tx.about(&d.site, Some(&d.member_id));
            if let Some(k) = &filter.kind {
                if entity_of(k).is_none() && k != candidates::KIND {
                    return Err(Error::Invalid(format!("kind: no kind {k:?}")));
                }
            }
            let limit = limit.clamp(1, MAX_PAGE);
            let (total, items) = store::items_page(tx.data()?, d.id, filter, offset, limit)?;
            tx.detail(
                json!({"ref": reference, "draft": d.id, "offset": offset, "items": items.len()}),
            );
            Ok(ItemPage {
                total,
                offset,
                items,
            })
        })
    }

    /// One item of the current draft, whole: its row, its text fields, its
    /// proposals (up to `max_proposals`, default 1,000), span redactions,
    /// and how it would be released now.
    pub fn review_item(
        &self,
        reference: &str,
        n: u32,
        max_proposals: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<ReviewItem> {
        let op = Op::logs(Action::RequestBundle, "review_item");
        self.door(op, now, |tx| {
            let (d, _, _) = current(tx, reference)?;
            tx.about(&d.site, Some(&d.member_id));
            tx.detail(json!({"ref": reference, "draft": d.id, "item": n}));
            let conn = tx.data()?;
            let item = store::item(conn, d.id, n)?
                .ok_or_else(|| Error::NotFound(format!("the draft has no item {n}")))?;
            let (entity, row_id, hash) = store::item_row(conn, d.id, n)?
                .ok_or_else(|| Error::NotFound(format!("the draft has no item {n}")))?;
            if entity == candidates::KIND {
                return candidate_item(conn, &d.site, d.id, item, max_proposals);
            }
            let e = Entity::from_name(&entity).ok_or_else(|| {
                Error::Damaged(format!("a draft item has an unknown kind ({entity})"))
            })?;
            let data: Option<String> = conn
                .prepare_cached(&format!(
                    "SELECT data FROM {} WHERE site = ?1 AND id = ?2",
                    e.name()
                ))?
                .query_row(params![d.site, row_id], |r| r.get(0))
                .ok();
            let Some(data) = data.filter(|x| row_hash(x) == hash) else {
                return Err(Error::Conflict(format!(
                    "item {n} changed in the vault since the draft was made: make a new draft"
                )));
            };
            let row: Map<String, Value> = serde_json::from_str(&data).unwrap_or_default();
            let fields: Vec<TextField> = text_fields(e, &row)
                .into_iter()
                .map(|(p, t)| TextField {
                    path: p,
                    text: t.to_string(),
                })
                .collect();
            let (proposals, total) =
                store::proposals_of(conn, d.id, n, max_proposals.unwrap_or(1000).max(1))?;
            let spans = store::spans_of(conn, d.id, n)?;
            // As it would be released now (with every proposal, not only
            // those listed).
            let edits = edits_of(conn, d.id, n, &spans)?;
            let ids = id_map(conn, d.id, e, &row_id, &row)?;
            let released_row = if item.withheld.is_some() {
                Value::Null
            } else {
                let mut out = row.clone();
                apply(e, &row_id, &mut out, &edits, &ids);
                out.shift_remove(crate::entity::DROPPED_FIELD);
                Value::Object(out)
            };
            let released = released_fields(&fields, &released_row);
            let mut shown = row;
            shown.shift_remove(crate::entity::DROPPED_FIELD);
            Ok(ReviewItem {
                item,
                row: Value::Object(shown),
                fields,
                parties: store::parties_of(conn, d.id, &proposals, ITEM_PARTIES)?,
                proposals,
                proposals_total: total,
                spans,
                released,
                released_row,
            })
        })
    }

    /// A page of the current draft's third parties.
    pub fn review_parties(
        &self,
        reference: &str,
        undecided_only: bool,
        offset: u32,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<PartyPage> {
        let op = Op::logs(Action::RequestBundle, "review_parties");
        self.door(op, now, |tx| {
            let (d, _, _) = current(tx, reference)?;
            tx.about(&d.site, Some(&d.member_id));
            let limit = limit.clamp(1, MAX_PAGE);
            let (total, parties) = store::parties_page(tx.data()?, d.id, undecided_only, offset, limit)?;
            tx.detail(json!({"ref": reference, "draft": d.id, "offset": offset, "parties": parties.len()}));
            Ok(PartyPage {
                total,
                offset,
                parties,
            })
        })
    }

    /// What changed in the vault since the current draft was made: items
    /// whose row changed or is gone, and rows of the member that are new.
    pub fn review_changes(&self, reference: &str, now: DateTime<Utc>) -> Result<Staleness> {
        let op = Op::logs(Action::RequestBundle, "review_changes");
        self.door(op, now, |tx| {
            let (d, _, _) = current(tx, reference)?;
            tx.about(&d.site, Some(&d.member_id));
            tx.detail(json!({"ref": reference, "draft": d.id}));
            let conn = tx.data()?;
            let current_sequence = store::sequence(conn, &d.site)?;
            let mut known: HashMap<(String, String), (u32, String)> = HashMap::new();
            store::all_items(conn, d.id, &mut |(n, entity, row_id, _, hash, _)| {
                if entity != candidates::KIND {
                    known.insert((entity, row_id), (n, hash));
                }
            })?;
            let email: Option<String> = conn
                .query_row(
                    "SELECT json_extract(data, '$.email') FROM members WHERE site = ?1 AND id = ?2",
                    params![d.site, d.member_id],
                    |r| r.get(0),
                )
                .ok()
                .flatten();
            let mut changed = Vec::new();
            let mut added: Vec<KindCount> = Vec::new();
            for e in Entity::DATA {
                let mut new = 0u32;
                each_row(
                    conn,
                    &d.site,
                    &d.member_id,
                    email.as_deref(),
                    e,
                    |id, data| {
                        match known.remove(&(e.name().to_string(), id.to_string())) {
                            Some((n, hash)) => {
                                if hash != row_hash(data) {
                                    changed.push(n);
                                }
                            }
                            None => new += 1,
                        }
                        Ok(())
                    },
                )?;
                if new > 0 {
                    added.push(KindCount {
                        kind: super::kind_of(e).into(),
                        items: new,
                        undecided: 0,
                        withheld: 0,
                    });
                }
            }
            let mut removed: Vec<u32> = known.into_values().map(|(n, _)| n).collect();
            // Candidate items: their source rows (new mentions show as a
            // new sync's sequence).
            for (n, entity, id, source_hash, _) in candidates::stored(conn, d.id, false)? {
                if !candidates::source_unchanged(conn, &d.site, &entity, &id, &source_hash)? {
                    changed.push(n);
                }
            }
            removed.sort_unstable();
            changed.sort_unstable();
            let stale = current_sequence != d.vault_sequence
                || !changed.is_empty()
                || !removed.is_empty()
                || !added.is_empty();
            Ok(Staleness {
                stale,
                draft_sequence: d.vault_sequence,
                current_sequence,
                changed,
                removed,
                added,
            })
        })
    }
}

/// Edits of an item: its proposals redacted (effective), and its spans.
fn edits_of(
    conn: &rusqlite::Connection,
    draft: i64,
    n: u32,
    spans: &[super::Span],
) -> Result<Vec<Edit>> {
    let mut edits = Vec::new();
    let (all, _) = store::proposals_of(conn, draft, n, u32::MAX)?;
    for p in &all {
        if let Some(Verdict::Redact { reason }) = &p.effective {
            edits.push(Edit {
                field: p.field.clone(),
                span: p.start.zip(p.end),
                replacement: p.replacement.clone(),
                reason: reason.clone(),
            });
        }
    }
    for s in spans {
        edits.push(Edit {
            field: s.field.clone(),
            span: Some((s.start, s.end)),
            replacement: "[redacted]".into(),
            reason: s.reason.clone(),
        });
    }
    Ok(edits)
}

/// A candidate item, whole: its content as the reviewer sees it, and as it
/// would go out if accepted (null when declined).
fn candidate_item(
    conn: &rusqlite::Connection,
    site: &str,
    draft: i64,
    item: super::ItemSummary,
    max_proposals: Option<u32>,
) -> Result<ReviewItem> {
    let n = item.n;
    let Some((entity, id, source_hash, content)) = candidates::content_of(conn, draft, n)? else {
        return Err(Error::Damaged(format!("candidate item {n} has no content")));
    };
    if !candidates::source_unchanged(conn, site, &entity, &id, &source_hash)? {
        return Err(Error::Conflict(format!(
            "item {n} changed in the vault since the draft was made: make a new draft"
        )));
    }
    let row = candidates::row_of(&item.bundle_id, &content);
    let fields: Vec<TextField> = candidates::text_fields(&row)
        .into_iter()
        .map(|(p, t)| TextField {
            path: p,
            text: t.to_string(),
        })
        .collect();
    let (proposals, total) =
        store::proposals_of(conn, draft, n, max_proposals.unwrap_or(1000).max(1))?;
    let spans = store::spans_of(conn, draft, n)?;
    let edits = edits_of(conn, draft, n, &spans)?;
    let released_row = if item.accepted == Some(false) {
        Value::Null
    } else {
        let mut out = row.clone();
        super::plan::apply_edits(&mut out, &edits);
        Value::Object(out)
    };
    let released = released_fields(&fields, &released_row);
    Ok(ReviewItem {
        item,
        row: Value::Object(row),
        fields,
        parties: store::parties_of(conn, draft, &proposals, ITEM_PARTIES)?,
        proposals,
        proposals_total: total,
        spans,
        released,
        released_row,
    })
}

/// The text fields as they would be released: their values in the
/// released row (none when the item is withheld or declined).
fn released_fields(fields: &[TextField], released_row: &Value) -> Vec<TextField> {
    match released_row {
        Value::Object(o) => fields
            .iter()
            .map(|f| TextField {
                path: f.path.clone(),
                text: at(o, &f.path)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The row's ids as the draft renumbered them.
fn id_map(
    conn: &rusqlite::Connection,
    draft: i64,
    e: Entity,
    id: &str,
    row: &Map<String, Value>,
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT opaque FROM review_ids WHERE draft = ?1 AND field = ?2 AND original = ?3",
    )?;
    for (k, v) in row {
        let Some(v) = v.as_str() else { continue };
        let original = if k == e.id_field() { id } else { v };
        let found: Option<String> = stmt
            .query_row(params![draft, super::collect::fk(e, k), original], |r| {
                r.get(0)
            })
            .ok();
        if let Some(x) = found {
            out.push((k.clone(), x));
        }
    }
    Ok(out)
}
