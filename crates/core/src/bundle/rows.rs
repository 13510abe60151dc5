//! The member's rows of each entity, as a bundle reads them: which rows
//! are theirs, in what order, and how one becomes a bundle's row.

use super::{time_field, Plan, Redaction};
use crate::csvout;
use crate::entity::{Entity, DROPPED_FIELD};
use crate::error::Result;
use chrono::{DateTime, Datelike, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};

/// The rows of `e` that belong to the member (`?1` site, `?2` member, `?3`
/// email for helpdesk tickets), unordered.
pub(super) fn base_sql(e: Entity) -> String {
    match e {
        Entity::PrivateMessages => {
            "SELECT rowid AS rid, id, data FROM private_messages WHERE site = ?1 AND member_id = ?2
             UNION ALL
             SELECT p.rowid, p.id, p.data FROM pm_recipients r
               JOIN private_messages p ON p.site = r.site AND p.id = r.message_id
              WHERE r.site = ?1 AND r.member_id = ?2 AND p.member_id IS NOT ?2"
                .into()
        }
        // A ticket of another member with the same email is theirs, not this member's.
        Entity::HelpdeskTickets => {
            "SELECT rowid AS rid, id, data FROM helpdesk_tickets WHERE site = ?1 AND member_id = ?2
             UNION ALL
             SELECT rowid, id, data FROM helpdesk_tickets
              WHERE site = ?1 AND ?3 IS NOT NULL
                AND lower(json_extract(data, '$.requester_email')) = lower(?3)
                AND member_id IS NULL"
                .into()
        }
        _ => format!(
            "SELECT rowid AS rid, id, data FROM {} WHERE site = ?1 AND member_id = ?2",
            e.name()
        ),
    }
}

/// The rowids of the member's rows of `e`, oldest first. Only the sort keys
/// and rowids pass through SQLite's sorter (whose spill files, past the
/// cache size, are not encrypted); each row is then read by its rowid.
fn ordered_sql(e: Entity) -> String {
    format!(
        "SELECT rid FROM ({}) ORDER BY julianday(json_extract(data, '$.{}')), id",
        base_sql(e),
        time_field(e)
    )
}

/// Everything about the member that the passes share.
pub(super) struct Member<'c> {
    pub(super) conn: &'c Connection,
    pub(super) site: &'c str,
    pub(super) id: &'c str,
    pub(super) email: Option<String>,
    pub(super) redactions: Vec<Redaction>,
}

impl Member<'_> {
    /// A stored row as it goes into the bundle: shaped by the plan, and
    /// `password_hash` dropped. None: withheld. Redactions are recorded when
    /// `record` (the first pass).
    pub(super) fn prepare(
        &mut self,
        plan: &mut dyn Plan,
        e: Entity,
        id: &str,
        data: &str,
        record: bool,
    ) -> Result<Option<Map<String, Value>>> {
        let Some(shaped) = plan.shape(e, id, data)? else {
            return Ok(None);
        };
        let mut row = match shaped.row {
            Some(r) => r,
            None => serde_json::from_str(data).unwrap_or_default(),
        };
        if record {
            self.redactions.extend(shaped.redactions);
        }
        if row.shift_remove(DROPPED_FIELD).is_some() && record {
            let bundle_id = row
                .get(e.id_field())
                .and_then(Value::as_str)
                .unwrap_or(id)
                .to_string();
            self.redactions.push(Redaction {
                entity: e.name(),
                id: bundle_id,
                field: DROPPED_FIELD.into(),
                reason: "never disclosed".into(),
            });
        }
        Ok(Some(row))
    }

    pub(super) fn count(&self, e: Entity) -> Result<u64> {
        let sql = format!("SELECT count(*) FROM ({})", base_sql(e));
        let n: i64 = if e == Entity::HelpdeskTickets {
            self.conn
                .query_row(&sql, params![self.site, self.id, self.email], |r| r.get(0))?
        } else {
            self.conn
                .query_row(&sql, params![self.site, self.id], |r| r.get(0))?
        };
        Ok(n as u64)
    }

    /// Run `f` on every row of `e` (id, stored data), oldest first.
    pub(super) fn each(
        &mut self,
        e: Entity,
        mut f: impl FnMut(&mut Self, &str, &str) -> Result<()>,
    ) -> Result<()> {
        let (conn, site, id) = (self.conn, self.site, self.id);
        let email = self.email.clone();
        each_row(conn, site, id, email.as_deref(), e, |rid, data| {
            f(self, rid, data)
        })
    }

    /// Column names for the CSV of `e`: the contract's, then unknown ones by name.
    pub(super) fn csv_header(&self, e: Entity) -> Result<Vec<String>> {
        let mut cols: Vec<String> = e.fields().iter().map(|f| f.name.to_string()).collect();
        let sql = format!(
            "SELECT DISTINCT j.key FROM ({}) b, json_each(b.data) j ORDER BY j.key",
            base_sql(e)
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let keys: Vec<String> = if e == Entity::HelpdeskTickets {
            stmt.query_map(params![self.site, self.id, self.email], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        } else {
            stmt.query_map(params![self.site, self.id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for k in keys {
            if k != DROPPED_FIELD && !cols.contains(&k) {
                cols.push(k);
            }
        }
        Ok(cols)
    }
}

/// Run `f` on every row of `e` that belongs to the member (its id and
/// stored data), oldest first, as a bundle holds them: `email` is the
/// member's, for helpdesk tickets sent without signing in.
pub(crate) fn each_row(
    conn: &Connection,
    site: &str,
    member_id: &str,
    email: Option<&str>,
    e: Entity,
    mut f: impl FnMut(&str, &str) -> Result<()>,
) -> Result<()> {
    if e == Entity::Members {
        let data: Option<String> = conn
            .query_row(
                "SELECT data FROM members WHERE site = ?1 AND id = ?2",
                params![site, member_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(d) = data {
            f(member_id, &d)?;
        }
        return Ok(());
    }
    let mut stmt = conn.prepare(&ordered_sql(e))?;
    let mut fetch = conn.prepare_cached(&format!(
        "SELECT id, data FROM {} WHERE rowid = ?1",
        e.name()
    ))?;
    let mut rows = if e == Entity::HelpdeskTickets {
        stmt.query(params![site, member_id, email])?
    } else {
        stmt.query(params![site, member_id])?
    };
    while let Some(r) = rows.next()? {
        let rid: i64 = r.get(0)?;
        let (id, data): (String, String) =
            fetch.query_row([rid], |r| Ok((r.get(0)?, r.get(1)?)))?;
        f(&id, &data)?;
    }
    Ok(())
}

/// How many rows of `e` belong to the member (as [`each_row`] runs them).
pub(crate) fn count_rows(
    conn: &Connection,
    site: &str,
    member_id: &str,
    email: Option<&str>,
    e: Entity,
) -> Result<u64> {
    if e == Entity::Members {
        return Ok(1);
    }
    let sql = format!("SELECT count(*) FROM ({})", base_sql(e));
    let n: i64 = if e == Entity::HelpdeskTickets {
        conn.query_row(&sql, params![site, member_id, email], |r| r.get(0))?
    } else {
        conn.query_row(&sql, params![site, member_id], |r| r.get(0))?
    };
    Ok(n as u64)
}

/// A value as a CSV field for spreadsheets ([`crate::csvout`]): times in
/// UTC with `Z`, formula-like text neutralised, JSON for arrays and objects.
pub(super) fn csv_field(v: Option<&Value>) -> String {
    let raw = match v {
        None | Some(Value::Null) => return String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => return b.to_string(),
        Some(Value::Number(n)) => return n.to_string(),
        Some(other) => other.to_string(),
    };
    csvout::neutralise(&csvout::utc_time(&raw)).into_owned()
}

/// The year (UTC) of a stored row's time field, or "No date" (as the
/// report's summaries count rows).
pub(super) fn year_of(data: &str, field: &str) -> String {
    let key = format!("\"{field}\":\"");
    let raw = match data.find(&key) {
        Some(i) => {
            let rest = &data[i + key.len()..];
            rest.split('"').next().map(str::to_string)
        }
        None => serde_json::from_str::<Map<String, Value>>(data)
            .ok()
            .and_then(|m| m.get(field).and_then(Value::as_str).map(str::to_string)),
    };
    raw.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc).year().to_string())
        .unwrap_or_else(|| "No date".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_utc() {
        assert_eq!(
            year_of(r#"{"posted_at":"2026-01-01T00:30:00+01:00"}"#, "posted_at"),
            "2025"
        );
        assert_eq!(
            year_of(
                r#"{"x": 1, "posted_at": "2024-05-01T10:00:00Z"}"#,
                "posted_at"
            ),
            "2024"
        );
        assert_eq!(year_of(r#"{"x": 1}"#, "posted_at"), "No date");
    }
}
