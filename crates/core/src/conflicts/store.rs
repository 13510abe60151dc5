//! The stored check (`conflict_check`, one row) and its list
//! (`conflicts_found`), in `vault.db`.

use super::scan::scan_conn;
use super::{Conflict, ConflictCheck, ConflictCount, ConflictFilter, Scope};
use crate::error::{Error, Result};
use crate::progress::Progress;
use rusqlite::{params, Connection, OptionalExtension};

/// A stored check that cannot be read back (or a conflict that cannot be
/// written): says which, never what it held.
fn damaged(_: serde_json::Error) -> Error {
    Error::Invalid("the stored conflict check is damaged; run the check again".into())
}

fn exports_seen(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM exports", [], |r| r.get(0))?)
}

/// The newest check, if any (no role check, no audit).
pub(crate) fn last_check(conn: &Connection) -> Result<Option<ConflictCheck>> {
    let row = conn
        .query_row(
            "SELECT checked_at, checked_by, exports_seen, total, counts FROM conflict_check",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((checked_at, checked_by, seen, total, counts)) = row else {
        return Ok(None);
    };
    Ok(Some(ConflictCheck {
        checked_at,
        checked_by,
        total: total as u64,
        counts: serde_json::from_str(&counts).map_err(damaged)?,
        stale: exports_seen(conn)? != seen,
    }))
}

/// Replace the stored list with a new scan of every member; the counts per
/// site and kind, sorted.
pub(super) fn replace_list(
    data: &Connection,
    progress: &dyn Progress,
) -> Result<Vec<ConflictCount>> {
    data.execute("DELETE FROM conflicts_found", [])?;
    {
        let mut insert = data.prepare(
            "INSERT INTO conflicts_found (site, member_id, kind, at, content)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        scan_conn(data, &Scope::default(), progress, &mut |c| {
            insert.execute(params![
                c.site,
                c.member_id,
                c.kind,
                c.at,
                serde_json::to_string(&c).map_err(damaged)?
            ])?;
            Ok(())
        })?;
    }
    let counts = data
        .prepare(
            "SELECT site, kind, count(*) FROM conflicts_found
             GROUP BY site, kind ORDER BY site, kind",
        )?
        .query_map([], |r| {
            Ok(ConflictCount {
                site: r.get(0)?,
                kind: r.get(1)?,
                count: r.get::<_, i64>(2)? as u64,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(counts)
}

/// Keep `check` as the newest (replacing the previous one).
pub(super) fn save_check(data: &Connection, check: &ConflictCheck) -> Result<()> {
    data.execute(
        "INSERT OR REPLACE INTO conflict_check
         (id, checked_at, checked_by, exports_seen, total, counts)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)",
        params![
            check.checked_at,
            check.checked_by,
            exports_seen(data)?,
            check.total as i64,
            serde_json::to_string(&check.counts).map_err(damaged)?
        ],
    )?;
    Ok(())
}

/// How many stored conflicts match the filter, and the page of them.
pub(super) fn page(
    data: &Connection,
    filter: &ConflictFilter,
    limit: u64,
) -> Result<(u64, Vec<Conflict>)> {
    let total: i64 = data.query_row(
        "SELECT count(*) FROM conflicts_found
         WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR kind = ?2)",
        params![filter.site, filter.kind],
        |r| r.get(0),
    )?;
    let mut stmt = data.prepare_cached(
        "SELECT content FROM conflicts_found
         WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR kind = ?2)
         ORDER BY site, member_id, kind, at LIMIT ?3 OFFSET ?4",
    )?;
    let items = stmt
        .query_map(
            params![filter.site, filter.kind, limit as i64, filter.offset as i64],
            |r| r.get::<_, String>(0),
        )?
        .map(|c| serde_json::from_str(&c?).map_err(damaged))
        .collect::<Result<Vec<Conflict>>>()?;
    Ok((total as u64, items))
}
