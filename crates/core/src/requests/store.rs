//! The register's SQL on `logs.db` (inside the door's transaction).

use super::rules::replay;
use super::{RequestEvent, State};
use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

pub(crate) struct Row {
    pub reference: String,
    pub site: String,
    pub member_id: String,
    pub received: NaiveDate,
    pub channel: String,
    /// Sealed under the field key.
    pub requester: String,
}

pub(crate) const ROW_COLUMNS: &str = "ref, site, member_id, received, channel, requester";

pub(crate) fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let received: String = r.get(3)?;
    Ok(Row {
        reference: r.get(0)?,
        site: r.get(1)?,
        member_id: r.get(2)?,
        received: NaiveDate::parse_from_str(&received, "%Y-%m-%d").unwrap_or_default(),
        channel: r.get(4)?,
        requester: r.get(5)?,
    })
}

pub(crate) fn row(conn: &Connection, reference: &str) -> Result<Row> {
    conn.query_row(
        &format!("SELECT {ROW_COLUMNS} FROM requests WHERE ref = ?1"),
        [reference],
        row_from,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound(format!("there is no request {reference}")))
}

pub(crate) fn events(conn: &Connection, reference: &str) -> Result<Vec<RequestEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, user, kind, detail FROM request_events WHERE ref = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([reference], |r| {
        let detail: String = r.get(4)?;
        Ok(RequestEvent {
            seq: r.get(0)?,
            at: r.get(1)?,
            user: r.get(2)?,
            kind: r.get(3)?,
            detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The request's state now, for a change to check against.
pub(crate) fn current(
    conn: &Connection,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<(Row, State)> {
    let row = row(conn, reference)?;
    let events = events(conn, reference)?;
    let state = replay(row.received, &events, now.date_naive());
    Ok((row, state))
}

/// Append an event by `user`, cache the replayed status, and return the
/// state after it.
pub(crate) fn append(
    conn: &Connection,
    row: &Row,
    kind: &str,
    detail: &Value,
    user: &str,
    now: DateTime<Utc>,
    signer: Option<crate::trail::Signer>,
) -> Result<State> {
    let seq: i64 = conn.query_row(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM request_events WHERE ref = ?1",
        [&row.reference],
        |r| r.get(0),
    )?;
    let at = crate::trail::ts(now);
    let detail_text = detail.to_string();
    let signed = signer.map(|s| {
        let bytes = event_bytes(&row.reference, seq, &at, user, kind, &detail_text);
        (
            crate::signing::public_key(s.seed).to_vec(),
            crate::signing::sign(
                s.seed,
                crate::signing::Domain::RequestEvent,
                bytes.as_bytes(),
            ),
        )
    });
    conn.execute(
        "INSERT INTO request_events (ref, seq, at, user, kind, detail, signer_key, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            row.reference,
            seq,
            at,
            user,
            kind,
            detail_text,
            signed.as_ref().map(|s| s.0.clone()),
            signed.as_ref().map(|s| s.1.clone())
        ],
    )?;
    let events = events(conn, &row.reference)?;
    let state = replay(row.received, &events, now.date_naive());
    conn.execute(
        "UPDATE requests SET status = ?2 WHERE ref = ?1",
        params![row.reference, state.status],
    )?;
    Ok(state)
}

/// Every request, oldest received first.
pub(crate) fn all_rows(conn: &Connection) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW_COLUMNS} FROM requests ORDER BY received, ref"
    ))?;
    let rows = stmt
        .query_map([], row_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The next free reference `SAR-<year>-0001`, … for a request received in `year`.
pub(crate) fn next_reference(conn: &Connection, year: i32) -> Result<String> {
    let prefix = format!("SAR-{year}-");
    let mut n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM requests WHERE ref LIKE ?1 || '%'",
        [&prefix],
        |r| r.get(0),
    )?;
    loop {
        n += 1;
        let candidate = format!("{prefix}{n:04}");
        if !taken(conn, &candidate)? {
            return Ok(candidate);
        }
    }
}

pub(crate) fn taken(conn: &Connection, reference: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM requests WHERE ref = ?1)",
        [reference],
        |x| x.get(0),
    )?)
}

/// The bank-holiday calendar of a site (England & Wales unless set).
pub(crate) fn calendar(conn: &Connection, site: &str) -> Result<super::calendar::Region> {
    let name: Option<String> = conn
        .query_row(
            "SELECT calendar FROM request_calendars WHERE site = ?1",
            [site],
            |r| r.get(0),
        )
        .optional()?;
    Ok(name.and_then(|n| n.parse().ok()).unwrap_or_default())
}

/// What a request event's author signs.
pub(crate) fn event_bytes(
    reference: &str,
    seq: i64,
    at: &str,
    user: &str,
    kind: &str,
    detail: &str,
) -> String {
    crate::chain::canonical_json(&serde_json::json!({
        "ref": reference, "seq": seq, "at": at, "user": user, "kind": kind, "detail": detail,
    }))
}
