//! Applying one checked export inside the sync's write transaction.
//!
//! How the rules are met without holding an export in memory:
//! - rows are streamed into their tables as an upsert stamped with the export's
//!   sequence; a row already stamped with this sequence is a duplicate id;
//! - members are read first, so each other row's member reference is checked
//!   as it is written (a point lookup); deletions come last and cascade;
//! - a full export then sweeps the site's rows that it did not write: deleted,
//!   or, for a member on legal hold, marked as deleted in production;
//! - any problem fails the use case, and the door rolls the transaction back.

use super::SyncReport;
use crate::entity::{Entity, Row};
use crate::error::{Error, Result};
use crate::export::{Export, ExportKind, Manifest, ManifestFile};
use crate::problem::Problems;
use crate::progress::{Progress, ProgressEvent};
use crate::trail;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use std::time::Instant;

/// The per-row work of one export inside its transaction.
struct Apply<'t> {
    tx: &'t Connection,
    site: String,
    seq: i64,
    full: bool,
    /// The site's first export: no stored row can be replaced.
    fresh: bool,
    last_member_ok: Option<String>,
    /// Search-index changes not yet written (see [`crate::search::TermBuffer`]).
    terms: std::cell::RefCell<crate::search::TermBuffer>,
    /// The mentions index's buffers ([`crate::mentions`]).
    mentions: std::cell::RefCell<crate::mentions::Scratch>,
}

/// A row as it is written: its member and its data as JSON.
struct NewRow<'r> {
    row: &'r Row,
    member: Option<&'r str>,
    data: String,
}

/// The stored row a row replaces.
struct OldRow {
    member: Option<String>,
    data: String,
    /// The export that wrote it.
    seq: i64,
}

impl Apply<'_> {
    /// Upsert one row; returns false if this export already wrote that id.
    fn upsert(&self, row: &Row) -> Result<bool> {
        let data = serde_json::to_string(&row.fields)
            .map_err(|e| Error::Invalid(format!("row data: {e}")))?;
        let member = if row.entity == Entity::Members {
            Some(row.id.as_str())
        } else {
            row.member_id.as_deref()
        };
        let new = NewRow { row, member, data };
        let old = self.replaced(row)?;
        if !self.write(&new, old.as_ref())? {
            return Ok(false);
        }
        self.index(&new, old.as_ref())?;
        Ok(true)
    }

    /// The row `row` replaces, if any: the search index needs its old terms
    /// (none can exist on a site's first export).
    fn replaced(&self, row: &Row) -> Result<Option<OldRow>> {
        if self.fresh {
            return Ok(None);
        }
        Ok(self
            .tx
            .prepare_cached(&format!(
                "SELECT member_id, data, seq FROM {} WHERE site = ?1 AND id = ?2",
                row.entity.name()
            ))?
            .query_row(params![self.site, row.id], |r| {
                Ok(OldRow {
                    member: r.get(0)?,
                    data: r.get(1)?,
                    seq: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// Write the row over `old` or as a new one; false when this export
    /// already wrote it (a duplicate id).
    fn write(&self, new: &NewRow, old: Option<&OldRow>) -> Result<bool> {
        let t = new.row.entity.name();
        let p = params![
            self.site,
            new.row.id,
            new.member,
            new.data,
            self.seq,
            new.row.line as i64
        ];
        match old {
            Some(o) if o.seq >= self.seq => Ok(false),
            Some(_) => {
                self.tx
                    .prepare_cached(&format!(
                        "UPDATE {t} SET member_id = ?3, data = ?4, seq = ?5, line = ?6,
                           deleted_seq = NULL, deleted_at = NULL
                         WHERE site = ?1 AND id = ?2"
                    ))?
                    .execute(p)?;
                Ok(true)
            }
            // Nothing inserted: already written by this export.
            None => Ok(self
                .tx
                .prepare_cached(&format!(
                    "INSERT OR IGNORE INTO {t} (site, id, member_id, data, seq, line, deleted_seq, deleted_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, NULL)"
                ))?
                .execute(p)?
                != 0),
        }
    }

    /// Keep the search index, the mentions index and (for a private
    /// message) its recipients in step with the written row.
    fn index(&self, new: &NewRow, old: Option<&OldRow>) -> Result<()> {
        let (row, t) = (new.row, new.row.entity.name());
        {
            let mut terms = self.terms.borrow_mut();
            crate::search::index_row(
                &mut terms,
                t,
                old.map(|o| (o.member.as_deref(), o.data.as_str())),
                new.member,
                &new.data,
                &row.fields,
            );
            if terms.is_full() {
                terms.flush(self.tx, &self.site)?;
            }
        }
        crate::mentions::index_row(
            self.tx,
            &mut self.mentions.borrow_mut(),
            &self.site,
            t,
            &row.id,
            new.member,
            old.map(|o| o.data.as_str()),
            &new.data,
            &row.fields,
        )?;
        if row.entity == Entity::PrivateMessages && old.is_none_or(|o| o.data != new.data) {
            crate::search::index_recipients(
                self.tx,
                &self.site,
                &row.id,
                old.is_some(),
                &row.recipient_ids(),
            )?;
        }
        Ok(())
    }

    /// Whether `member_id` names a member of the site as this export leaves it.
    fn member_exists(&mut self, member_id: &str) -> Result<bool> {
        if self.last_member_ok.as_deref() == Some(member_id) {
            return Ok(true);
        }
        let mut stmt = self.tx.prepare_cached(
            "SELECT 1 FROM members WHERE site = ?1 AND id = ?2 AND deleted_seq IS NULL
               AND (?3 = 0 OR seq = ?4)",
        )?;
        let ok = stmt
            .query_row(params![self.site, member_id, self.full, self.seq], |_| {
                Ok(())
            })
            .optional()?
            .is_some();
        if ok {
            self.last_member_ok = Some(member_id.to_string());
        }
        Ok(ok)
    }

    fn first_line_of(&self, entity: Entity, id: &str) -> Result<i64> {
        Ok(self.tx.query_row(
            &format!(
                "SELECT line FROM {} WHERE site = ?1 AND id = ?2",
                entity.name()
            ),
            params![self.site, id],
            |r| r.get(0),
        )?)
    }

    /// Remove a member's rows from every entity (a held member's are marked).
    fn delete_member(&self, member_id: &str, deleted_at: &str, held: bool) -> Result<(u64, u64)> {
        let mut deleted = 0;
        let mut marked = 0;
        for e in Entity::DATA {
            let t = e.name();
            if held {
                marked += self.tx.execute(
                    &format!(
                        "UPDATE {t} SET deleted_seq = ?3, deleted_at = ?4
                         WHERE site = ?1 AND member_id = ?2 AND deleted_seq IS NULL"
                    ),
                    params![self.site, member_id, self.seq, deleted_at],
                )? as u64;
            } else {
                deleted += self.tx.execute(
                    &format!("DELETE FROM {t} WHERE site = ?1 AND member_id = ?2"),
                    params![self.site, member_id],
                )? as u64;
            }
        }
        Ok((deleted, marked))
    }

    fn is_held(&self, member_id: &str) -> Result<bool> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT 1 FROM holds WHERE site = ?1 AND member_id = ?2")?;
        Ok(stmt
            .query_row(params![self.site, member_id], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

/// The order files are applied in: members first, deletions last.
fn apply_order(m: &Manifest) -> Vec<ManifestFile> {
    let mut files = m.files.clone();
    files.sort_by_key(|f| match f.entity {
        Entity::Members => 0,
        Entity::Deletions => 2,
        _ => 1,
    });
    files
}

pub(crate) fn apply(
    tx: &Connection,
    export: &mut Export,
    m: &Manifest,
    now: DateTime<Utc>,
    user: &str,
    progress: &dyn Progress,
    started: Instant,
) -> Result<SyncReport> {
    let first_for_site: bool = !tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM exports WHERE site = ?1)",
        [&m.site],
        |r| r.get(0),
    )?;
    let mut problems = Problems::default();
    let mut report = SyncReport {
        site: m.site.clone(),
        sequence: m.sequence,
        kind: m.kind.name().into(),
        applied: true,
        rows: Vec::new(),
        deleted_rows: 0,
        held_rows: 0,
        bytes: 0,
        seconds: 0.0,
    };
    {
        let mut ap = Apply {
            tx,
            site: m.site.clone(),
            seq: m.sequence,
            full: m.kind == ExportKind::Full,
            fresh: first_for_site,
            last_member_ok: None,
            terms: Default::default(),
            mentions: Default::default(),
        };
        write_files(&mut ap, export, m, progress, &mut problems, &mut report)?;
        if problems.is_empty() {
            let (d, h) = remove(&ap, m, progress)?;
            report.deleted_rows += d;
            report.held_rows += h;
        }
    }
    if !problems.is_empty() {
        return Err(Error::Refused(problems));
    }
    if progress.cancelled() {
        return Err(Error::Cancelled);
    }
    record_export(tx, m, now, user)?;
    report.seconds = started.elapsed().as_secs_f64();
    progress.event(ProgressEvent::Stage {
        name: "committing".into(),
        total: None,
    });
    Ok(report)
}

/// Read, check and write each file in [`apply_order`]; rows and bytes go
/// to `report`, every problem to `problems`.
fn write_files(
    ap: &mut Apply,
    export: &mut Export,
    m: &Manifest,
    progress: &dyn Progress,
    problems: &mut Problems,
    report: &mut SyncReport,
) -> Result<()> {
    ap.tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS sync_deletions (entity TEXT NOT NULL, id TEXT NOT NULL, line INTEGER NOT NULL, deleted_at TEXT NOT NULL, PRIMARY KEY (entity, id));
         DELETE FROM sync_deletions;",
    )?;
    for file in apply_order(m) {
        progress.event(ProgressEvent::Stage {
            name: format!("reading and checking {}", file.path),
            total: Some(file.rows),
        });
        let path = file.path.clone();
        let entity = file.entity;
        // Problems found against the vault (duplicates, references)
        // are collected beside the reader's and merged after the file.
        let mut row_problems = Problems::default();
        let stats = export.read_file(&file, problems, progress, &mut |row: Row| {
            apply_row(ap, &row, &path, &mut row_problems)
        })?;
        problems.merge(row_problems);
        // Before anything deletes rows (sweep, deletions, cascades).
        ap.terms.get_mut().flush(ap.tx, &m.site)?;
        report.rows.push((entity.name().to_string(), stats.rows));
        report.bytes += stats.stored_bytes;
    }
    Ok(())
}

/// What the export removes: a full export (but the site's first) sweeps
/// what it did not write, a delta applies its deletions. Returns the rows
/// deleted and the rows marked (held).
fn remove(ap: &Apply, m: &Manifest, progress: &dyn Progress) -> Result<(u64, u64)> {
    if !ap.full {
        progress.event(ProgressEvent::Stage {
            name: "applying deletions".into(),
            total: None,
        });
        return apply_deletions(ap);
    }
    if ap.fresh {
        return Ok((0, 0));
    }
    progress.event(ProgressEvent::Stage {
        name: "removing rows that production no longer has".into(),
        total: None,
    });
    sweep(ap.tx, &m.site, m.sequence, &m.generated_at)
}

/// Record the export as applied (its files, who synced it and when).
fn record_export(tx: &Connection, m: &Manifest, now: DateTime<Utc>, user: &str) -> Result<()> {
    let files_json = json!(m
        .files
        .iter()
        .map(|f| json!({"path": f.path, "entity": f.entity.name(), "rows": f.rows, "sha256": f.sha256}))
        .collect::<Vec<_>>());
    tx.execute(
        "INSERT INTO exports (site, sequence, kind, base_sequence, generated_at, synced_at, synced_by, fingerprint, files)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            m.site,
            m.sequence,
            m.kind.name(),
            m.base_sequence,
            m.generated_at,
            trail::ts(now),
            user,
            m.fingerprint,
            files_json.to_string()
        ],
    )?;
    Ok(())
}

/// Write one checked row; problems found against the vault go to `problems`.
fn apply_row(ap: &mut Apply, row: &Row, path: &str, problems: &mut Problems) -> Result<()> {
    if row.entity == Entity::Deletions {
        let target = row
            .fields
            .get("entity")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        let deleted_at = row
            .fields
            .get("deleted_at")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        let n = ap.tx.prepare_cached(
            "INSERT OR IGNORE INTO sync_deletions (entity, id, line, deleted_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![target, row.id, row.line as i64, deleted_at])?;
        if n == 0 {
            let first: i64 = ap.tx.query_row(
                "SELECT line FROM sync_deletions WHERE entity = ?1 AND id = ?2",
                params![target, row.id],
                |r| r.get(0),
            )?;
            problems.add(
                path,
                row.line,
                "id",
                format!("the same row is deleted twice (first at line {first})"),
            );
        }
        return Ok(());
    }
    if let Some(member) = row.member_id.as_deref() {
        if !ap.member_exists(member)? {
            let field = row.entity.member_field().unwrap_or("member_id");
            problems.add(path, row.line, field, "names no member of the site");
            return Ok(());
        }
    }
    if !ap.upsert(row)? {
        let first = ap.first_line_of(row.entity, &row.id)?;
        problems.add(
            path,
            row.line,
            row.entity.id_field(),
            format!("duplicate id (also at line {first})"),
        );
    }
    Ok(())
}

/// A full export: remove the site's rows it did not write; mark a held member's.
fn sweep(tx: &Connection, site: &str, seq: i64, generated_at: &str) -> Result<(u64, u64)> {
    let mut deleted = 0;
    let mut marked = 0;
    for e in Entity::DATA {
        let t = e.name();
        marked += tx.execute(
            &format!(
                "UPDATE {t} SET deleted_seq = ?2, deleted_at = ?3
                 WHERE site = ?1 AND seq < ?2 AND deleted_seq IS NULL
                   AND member_id IN (SELECT member_id FROM holds WHERE site = ?1)"
            ),
            params![site, seq, generated_at],
        )? as u64;
        deleted += tx.execute(
            &format!(
                "DELETE FROM {t} WHERE site = ?1 AND seq < ?2
                   AND (member_id IS NULL OR member_id NOT IN (SELECT member_id FROM holds WHERE site = ?1))"
            ),
            params![site, seq],
        )? as u64;
    }
    Ok((deleted, marked))
}

/// A delta's deletions, after its rows: cascade for members, keep held rows.
fn apply_deletions(ap: &Apply) -> Result<(u64, u64)> {
    let mut deleted = 0;
    let mut marked = 0;
    let mut stmt = ap
        .tx
        .prepare("SELECT entity, id, deleted_at FROM sync_deletions ORDER BY line")?;
    let items: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    for (entity_name, id, when) in items {
        let Some(entity) = Entity::from_name(&entity_name) else {
            continue;
        };
        if entity == Entity::Members {
            let held = ap.is_held(&id)?;
            let (d, h) = ap.delete_member(&id, &when, held)?;
            deleted += d;
            marked += h;
            continue;
        }
        let t = entity.name();
        let owner: Option<Option<String>> = ap
            .tx
            .query_row(
                &format!(
                    "SELECT member_id FROM {t} WHERE site = ?1 AND id = ?2 AND deleted_seq IS NULL"
                ),
                params![ap.site, id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(owner) = owner else { continue };
        let held = match owner.as_deref() {
            Some(mid) => ap.is_held(mid)?,
            None => false,
        };
        if held {
            marked += ap.tx.execute(
                &format!(
                    "UPDATE {t} SET deleted_seq = ?3, deleted_at = ?4 WHERE site = ?1 AND id = ?2"
                ),
                params![ap.site, id, ap.seq, when],
            )? as u64;
        } else {
            deleted += ap.tx.execute(
                &format!("DELETE FROM {t} WHERE site = ?1 AND id = ?2"),
                params![ap.site, id],
            )? as u64;
        }
    }
    Ok((deleted, marked))
}
