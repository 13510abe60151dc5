//! Items: pages, one item, and every item for a plan.

use super::super::{ItemFilter, ItemSource, ItemSummary, Withheld};
use super::{json, OPEN};
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension, ToSql};

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
