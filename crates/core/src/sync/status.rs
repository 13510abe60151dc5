//! Per-site sync status (`desk status`): every role. Dpo and staff read it
//! from the data; an auditor (who holds no data key) from the sync events of
//! the audit trail, which record the same figures.

use crate::entity::Entity;
use crate::error::Result;
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;

/// Per-site sync status (`desk status --json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SiteStatus {
    pub site: String,
    pub sequence: i64,
    pub kind: String,
    pub generated_at: String,
    pub synced_at: String,
    pub rows: serde_json::Map<String, Value>,
    pub held_rows: serde_json::Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Status {
    pub sites: Vec<SiteStatus>,
}

fn from_data(conn: &Connection) -> Result<Vec<SiteStatus>> {
    let mut stmt = conn.prepare(
        "SELECT e.site, e.sequence, e.kind, e.generated_at, e.synced_at FROM exports e
         WHERE e.sequence = (SELECT max(sequence) FROM exports x WHERE x.site = e.site)
         ORDER BY e.site",
    )?;
    let mut sites = stmt
        .query_map([], |r| {
            Ok(SiteStatus {
                site: r.get(0)?,
                sequence: r.get(1)?,
                kind: r.get(2)?,
                generated_at: r.get(3)?,
                synced_at: r.get(4)?,
                rows: Default::default(),
                held_rows: Default::default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for s in &mut sites {
        for e in Entity::DATA {
            let (all, held): (i64, i64) = conn.query_row(
                &format!(
                    "SELECT count(*), count(deleted_seq) FROM {} WHERE site = ?1",
                    e.name()
                ),
                [&s.site],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            s.rows.insert(e.name().into(), all.into());
            if held > 0 {
                s.held_rows.insert(e.name().into(), held.into());
            }
        }
    }
    Ok(sites)
}

/// From the trail: each site's latest applied sync event.
pub(crate) fn from_trail(logs: &Connection) -> Result<Vec<SiteStatus>> {
    let mut stmt = logs.prepare(
        "SELECT site, at, detail FROM audit a
         WHERE action = 'sync' AND outcome = 'ok' AND site IS NOT NULL
           AND json_extract(detail, '$.result') = 'applied'
           AND seq = (SELECT max(seq) FROM audit b WHERE b.action = 'sync' AND b.outcome = 'ok'
                      AND b.site = a.site AND json_extract(b.detail, '$.result') = 'applied')
         ORDER BY site",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .map(|(site, at, detail)| {
            let d: Value = detail
                .and_then(|d| serde_json::from_str(&d).ok())
                .unwrap_or_default();
            SiteStatus {
                site,
                sequence: d["sequence"].as_i64().unwrap_or(0),
                kind: d["kind"].as_str().unwrap_or("").to_string(),
                generated_at: d["generated_at"].as_str().unwrap_or("").to_string(),
                synced_at: at,
                rows: d["rows"].as_object().cloned().unwrap_or_default(),
                held_rows: Default::default(),
            }
        })
        .collect())
}

impl Session {
    /// Per site: the latest export applied and the rows stored.
    pub fn status(&self, now: DateTime<Utc>) -> Result<Status> {
        self.door(Op::quiet(Action::ReadStatus), now, |tx| {
            let sites = if tx.has_data() {
                from_data(tx.data()?)?
            } else {
                from_trail(tx.logs)?
            };
            Ok(Status { sites })
        })
    }
}
