//! The desk's home screen: what needs attention today, in one call.
//!
//! Per site the last export synced; the requests due within seven days and
//! those overdue (from the request register); disclosures recorded this
//! month; conflicts found by the newest check and whether the search index
//! must be rebuilt (only for roles that may read members); and members on
//! legal hold.

use crate::conflicts::last_check;
use crate::error::Result;
use crate::requests::Request;
use crate::roles::Action;
use crate::search::index_stale;
use crate::session::{Op, Session};
use chrono::{DateTime, Datelike, Utc};
use rusqlite::Connection;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Requests due within this many days are "due this week".
pub const DUE_SOON_DAYS: i64 = 7;

/// One site on the home screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HomeSite {
    pub site: String,
    /// The last export applied (None: the site has requests but no export yet).
    pub sequence: Option<i64>,
    pub kind: Option<String>,
    pub generated_at: Option<String>,
    pub synced_at: Option<String>,
    /// Rows in that export, all files together (counting the rows stored
    /// would read every table: seconds on a large vault).
    pub rows: u64,
}

/// What `desk home` / the desktop's Home screen shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Home {
    pub sites: Vec<HomeSite>,
    /// Open, not paused, due today or within [`DUE_SOON_DAYS`] days.
    pub requests_due_this_week: Vec<Request>,
    pub requests_overdue: Vec<Request>,
    /// Disclosures (originals) whose `disclosed_at` falls in this calendar
    /// month (UTC).
    pub disclosures_this_month: u64,
    /// Conflicts found by the newest vault-wide check (the check itself
    /// takes minutes on a large vault, so Home never runs it); None when the
    /// role may not read members or no check has been run.
    pub open_conflicts: Option<u64>,
    /// When that check ran.
    pub conflicts_checked_at: Option<String>,
    /// An export has been synced since that check.
    pub conflicts_stale: bool,
    /// The search index was built by another version of the desk: search
    /// refuses until it is rebuilt (`desk reindex`, Rebuild on Home). Only
    /// for roles that may read members (false for others).
    pub search_index_stale: bool,
    pub held_members: u64,
}

fn sites_from_data(data: &Connection) -> Result<BTreeMap<String, HomeSite>> {
    let mut sites = BTreeMap::new();
    let mut stmt = data.prepare(
        "SELECT e.site, e.sequence, e.kind, e.generated_at, e.synced_at,
            (SELECT coalesce(sum(json_extract(f.value, '$.rows')), 0) FROM json_each(e.files) f)
     FROM exports e
     WHERE e.sequence = (SELECT max(sequence) FROM exports x WHERE x.site = e.site)",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(HomeSite {
            site: r.get(0)?,
            sequence: r.get(1)?,
            kind: r.get(2)?,
            generated_at: r.get(3)?,
            synced_at: r.get(4)?,
            rows: r.get::<_, i64>(5)? as u64,
        })
    })?;
    for s in rows {
        let s = s?;
        sites.insert(s.site.clone(), s);
    }
    Ok(sites)
}

/// For a role without the data key: the sites as the trail's sync events
/// record them.
fn sites_from_trail(logs: &Connection) -> Result<BTreeMap<String, HomeSite>> {
    Ok(crate::sync::status::from_trail(logs)?
        .into_iter()
        .map(|s| {
            let rows = s.rows.values().filter_map(Value::as_u64).sum();
            (
                s.site.clone(),
                HomeSite {
                    site: s.site,
                    sequence: Some(s.sequence),
                    kind: Some(s.kind),
                    generated_at: Some(s.generated_at),
                    synced_at: Some(s.synced_at),
                    rows,
                },
            )
        })
        .collect())
}

impl Session {
    /// The home screen (every role; conflicts only for dpo and staff).
    pub fn home(&self, now: DateTime<Utc>) -> Result<Home> {
        self.door(Op::logs(Action::ReadStatus, "home_view"), now, |tx| {
            let mut sites = if tx.has_data() {
                sites_from_data(tx.data()?)?
            } else {
                sites_from_trail(tx.logs)?
            };
            let requests = if Action::RequestRegister.allowed_for(tx.user.role) {
                crate::requests::open_requests(tx, now)?
            } else {
                Vec::new()
            };
            for r in &requests {
                sites.entry(r.site.clone()).or_insert_with(|| HomeSite {
                    site: r.site.clone(),
                    sequence: None,
                    kind: None,
                    generated_at: None,
                    synced_at: None,
                    rows: 0,
                });
            }
            let mut requests_overdue = Vec::new();
            let mut requests_due_this_week = Vec::new();
            for r in requests {
                if r.state.overdue {
                    requests_overdue.push(r);
                } else if !r.state.paused
                    && r.state
                        .days_left
                        .is_some_and(|d| (0..=DUE_SOON_DAYS).contains(&d))
                {
                    requests_due_this_week.push(r);
                }
            }
            requests_due_this_week.sort_by_key(|r| r.state.due);
            requests_overdue.sort_by_key(|r| r.state.due);

            let disclosures_this_month = disclosures_in_month(tx.logs, now)?;
            let (check, search_index_stale, held_members) = if tx.has_data() {
                let data = tx.data()?;
                let (check, stale) = if Action::ReadMembers.allowed_for(tx.user.role) {
                    (last_check(data)?, index_stale(data)?)
                } else {
                    (None, false)
                };
                let held: i64 = data.query_row("SELECT count(*) FROM holds", [], |r| r.get(0))?;
                (check, stale, held as u64)
            } else {
                (None, false, 0)
            };
            let home = Home {
                sites: sites.into_values().collect(),
                requests_due_this_week,
                requests_overdue,
                disclosures_this_month,
                open_conflicts: check.as_ref().map(|c| c.total),
                conflicts_checked_at: check.as_ref().map(|c| c.checked_at.clone()),
                conflicts_stale: check.is_some_and(|c| c.stale),
                search_index_stale,
                held_members,
            };
            tx.detail(json!({
                "due_this_week": home.requests_due_this_week.len(),
                "overdue": home.requests_overdue.len(),
                "open_conflicts": home.open_conflicts,
            }));
            Ok(home)
        })
    }
}

fn disclosures_in_month(logs: &Connection, now: DateTime<Utc>) -> Result<u64> {
    let mut stmt = logs.prepare("SELECT content FROM disclosures WHERE kind = 'original'")?;
    let contents = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let n = contents
        .iter()
        .filter_map(|c| serde_json::from_str::<Value>(c).ok())
        .filter_map(|v| {
            let at = v.get("disclosed_at")?.as_str()?;
            DateTime::parse_from_rfc3339(at).ok()
        })
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| t.year() == now.year() && t.month() == now.month())
        .count();
    Ok(n as u64)
}
