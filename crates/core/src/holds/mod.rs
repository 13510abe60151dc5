//! Legal holds (dpo): a held member's rows survive production deletion,
//! kept and marked as deleted in production, until the hold is lifted.
//! Holds live in `vault.db`, beside the rows they keep, so that setting or
//! lifting one is a data write that takes its turn with the sync.

use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::roles::Action;
use crate::session::{Op, Session};
use crate::trail;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::json;

/// A legal hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Hold {
    pub site: String,
    pub member_id: String,
    pub reason: String,
    pub set_at: String,
    pub set_by: String,
    /// Rows kept only because of this hold (deleted in production).
    pub held_rows: u64,
}

/// Rows of a member kept only by a hold.
fn held_rows(conn: &Connection, site: &str, member_id: &str) -> Result<u64> {
    let mut n = 0u64;
    for e in Entity::DATA {
        let c: i64 = conn.query_row(
            &format!(
                "SELECT count(*) FROM {} WHERE site = ?1 AND member_id = ?2 AND deleted_seq IS NOT NULL",
                e.name()
            ),
            params![site, member_id],
            |r| r.get(0),
        )?;
        n += c as u64;
    }
    Ok(n)
}

/// What the dpo who sets a hold signs.
pub fn hold_bytes(site: &str, member_id: &str, reason: &str, set_at: &str, set_by: &str) -> String {
    crate::chain::canonical_json(&json!({
        "site": site, "member_id": member_id, "reason": reason, "set_at": set_at, "set_by": set_by,
    }))
}

/// Whether a member is on hold (for other areas' reads).
pub fn is_held(conn: &Connection, site: &str, member_id: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM holds WHERE site = ?1 AND member_id = ?2)",
        params![site, member_id],
        |r| r.get(0),
    )?)
}

impl Session {
    /// Put a member on legal hold: their rows survive production deletion.
    pub fn hold_set(
        &self,
        site: &str,
        member_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let op = Op::data(Action::Hold, "hold_set").on(Some(site), Some(member_id));
        self.door(op, now, |tx| {
            if reason.trim().is_empty() {
                return Err(Error::Invalid("a legal hold needs a reason".into()));
            }
            let data = tx.data()?;
            let exists: bool = data.query_row(
                "SELECT EXISTS (SELECT 1 FROM members WHERE site = ?1 AND id = ?2)",
                params![site, member_id],
                |r| r.get(0),
            )?;
            if !exists {
                return Err(Error::NotFound(format!("no member {member_id} on site {site}")));
            }
            let set_at = trail::ts(now);
            let signed = tx.sign(
                crate::signing::Domain::Hold,
                hold_bytes(site, member_id, reason, &set_at, &tx.user.name).as_bytes(),
            );
            let n = data.execute(
                "INSERT OR IGNORE INTO holds (site, member_id, reason, set_at, set_by, signer_key, signature)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    site,
                    member_id,
                    reason,
                    set_at,
                    tx.user.name,
                    signed.as_ref().map(|s| s.0.clone()),
                    signed.as_ref().map(|s| s.1.clone())
                ],
            )?;
            if n == 0 {
                return Err(Error::Conflict(format!(
                    "member {member_id} on site {site} is already on hold"
                )));
            }
            tx.detail(json!({"reason": reason}));
            Ok(())
        })
    }

    /// Lift a hold; rows kept only by it are purged at once. Returns how many.
    pub fn hold_lift(&self, site: &str, member_id: &str, now: DateTime<Utc>) -> Result<u64> {
        let op = Op::data(Action::Hold, "hold_lifted").on(Some(site), Some(member_id));
        self.door(op, now, |tx| {
            let data = tx.data()?;
            let n = data.execute(
                "DELETE FROM holds WHERE site = ?1 AND member_id = ?2",
                params![site, member_id],
            )?;
            if n == 0 {
                return Err(Error::NotFound(format!(
                    "member {member_id} on site {site} is not on hold"
                )));
            }
            let mut purged = 0u64;
            for e in Entity::DATA {
                purged += data.execute(
                    &format!(
                        "DELETE FROM {} WHERE site = ?1 AND member_id = ?2 AND deleted_seq IS NOT NULL",
                        e.name()
                    ),
                    params![site, member_id],
                )? as u64;
            }
            tx.detail(json!({"purged_rows": purged}));
            Ok(purged)
        })
    }

    pub fn hold_list(&self, now: DateTime<Utc>) -> Result<Vec<Hold>> {
        self.door(Op::logs(Action::Hold, "hold_list"), now, |tx| {
            let data = tx.data()?;
            let mut stmt = data.prepare(
                "SELECT site, member_id, reason, set_at, set_by FROM holds ORDER BY site, member_id",
            )?;
            let mut holds = stmt
                .query_map([], |r| {
                    Ok(Hold {
                        site: r.get(0)?,
                        member_id: r.get(1)?,
                        reason: r.get(2)?,
                        set_at: r.get(3)?,
                        set_by: r.get(4)?,
                        held_rows: 0,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for h in &mut holds {
                h.held_rows = held_rows(data, &h.site, &h.member_id)?;
            }
            Ok(holds)
        })
    }
}
