//! Conflicts: what the activity says against the consent record.
//!
//! - `newsletter_sent_after_withdrawal` / `newsletter_sent_without_consent`:
//!   `newsletter_engagement.last_sent_at` when its purpose
//!   (`newsletter.<name>`) was withdrawn, or never granted;
//! - `competition_shared_without_consent`: `share_with_sponsor` true without
//!   `competition.share_with_sponsor` granted at `entered_at`;
//! - `survey_shared_without_consent`: `share_with_partner` true without
//!   `survey.share_with_partner` granted at `submitted_at`;
//! - `special_category_without_consent`: a ticket flagged `special_category`
//!   without `special_category_data` granted at `opened_at`;
//! - `weak_consent_proof`: a `granted` event with no evidence or no policy
//!   version (consent the controller cannot demonstrate, Art 7(1)).

use crate::consent::{member_exists, History};
use crate::error::{Error, Result};
use crate::progress::{NoProgress, Progress, ProgressEvent};
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;

#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct RowRef {
    pub entity: String,
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Conflict {
    pub kind: String,
    pub site: String,
    pub member_id: String,
    /// A sentence for the DPO.
    pub description: String,
    /// The activity rows that make it.
    pub rows: Vec<RowRef>,
    /// The consent events that make it (the deciding event, if any).
    pub events: Vec<String>,
    /// The instant the activity happened.
    pub at: Option<String>,
}

/// Which members to check.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub site: Option<String>,
    pub member: Option<(String, String)>,
}

fn newsletter_purpose(name: &str) -> String {
    if name.starts_with("newsletter.") {
        name.to_string()
    } else {
        format!("newsletter.{name}")
    }
}

/// One activity row a check looks at: where it is, and the fields the
/// check asked for (as text; None when absent).
struct ActivityRow {
    site: String,
    member: String,
    id: String,
    fields: Vec<Option<String>>,
}

/// Streams conflicts to a sink, one member's consent history at a time.
struct Scan<'c, 's> {
    conn: &'c Connection,
    scope: &'s Scope,
    sink: &'s mut dyn FnMut(Conflict) -> Result<()>,
    progress: &'s dyn Progress,
    cache: Option<(String, String, History)>,
    /// Rows looked at in the current stage.
    done: u64,
}

/// How many checks a scan runs (for the progress stages).
const CHECKS: usize = 5;

impl Scan<'_, '_> {
    fn stage(&mut self, n: usize, what: &str) -> Result<()> {
        if self.progress.cancelled() {
            return Err(Error::Cancelled);
        }
        self.done = 0;
        self.progress.event(ProgressEvent::Stage {
            name: format!("checking {what} ({n} of {CHECKS})"),
            total: None,
        });
        Ok(())
    }

    fn history(&mut self, site: &str, member: &str) -> Result<&History> {
        let hit = matches!(&self.cache, Some((s, m, _)) if s == site && m == member);
        if !hit {
            let h = History::load_brief(self.conn, site, member)?;
            self.cache = Some((site.into(), member.into(), h));
        }
        Ok(&self.cache.as_ref().unwrap().2)
    }

    /// Each row of `table` in scope that passes `filter` (SQL on `data`),
    /// with the text of `fields` (JSON paths of `data`), member by member.
    fn each(
        &mut self,
        table: &str,
        filter: &str,
        fields: &[&str],
        mut f: impl FnMut(&mut Self, ActivityRow) -> Result<()>,
    ) -> Result<()> {
        let (site, member) = match &self.scope.member {
            Some((s, m)) => (Some(s.clone()), Some(m.clone())),
            None => (self.scope.site.clone(), None),
        };
        let cols: String = fields
            .iter()
            .map(|k| format!(", json_extract(data, '$.{k}')"))
            .collect();
        let conn = self.conn;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT site, member_id, id{cols} FROM {table}
             WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR member_id = ?2)
               AND member_id IS NOT NULL AND ({filter})
             ORDER BY site, member_id"
        ))?;
        let mut rows = stmt.query(params![site, member])?;
        while let Some(r) = rows.next()? {
            let row = ActivityRow {
                site: r.get(0)?,
                member: r.get(1)?,
                id: r.get(2)?,
                fields: (0..fields.len())
                    .map(|i| match r.get_ref(3 + i)? {
                        ValueRef::Null => Ok(None),
                        ValueRef::Text(t) => Ok(Some(String::from_utf8_lossy(t).into_owned())),
                        ValueRef::Integer(n) => Ok(Some(n.to_string())),
                        ValueRef::Real(x) => Ok(Some(x.to_string())),
                        ValueRef::Blob(_) => Ok(None),
                    })
                    .collect::<rusqlite::Result<_>>()?,
            };
            f(self, row)?;
            self.done += 1;
            if self.done.is_multiple_of(4096) {
                if self.progress.cancelled() {
                    return Err(Error::Cancelled);
                }
                self.progress
                    .event(ProgressEvent::Advance { done: self.done });
            }
        }
        self.progress
            .event(ProgressEvent::Advance { done: self.done });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn check_shared(
        &mut self,
        table: &str,
        flag: &str,
        when: &str,
        purpose: &str,
        kind: &str,
        what: &str,
    ) -> Result<()> {
        let filter = format!("json_extract(data, '$.{flag}') = 1");
        self.each(table, &filter, &[when], |scan, row| {
            let Some((when_s, at)) = ts(row.fields[0].as_deref()) else {
                return Ok(());
            };
            let h = scan.history(&row.site, &row.member)?;
            let deciding = h.at(purpose, at).cloned();
            if deciding.as_ref().is_some_and(|e| e.action == "granted") {
                return Ok(());
            }
            let state = match &deciding {
                Some(_) => "withdrawn",
                None => "never granted",
            };
            let id = row.id;
            (scan.sink)(Conflict {
                kind: kind.into(),
                site: row.site,
                member_id: row.member,
                description: format!(
                    "{what} {id} at {when_s}, but consent “{purpose}” was {state} then"
                ),
                rows: vec![RowRef {
                    entity: table.into(),
                    id,
                }],
                events: deciding.map(|e| e.event_id).into_iter().collect(),
                at: Some(when_s),
            })
        })
    }

    fn newsletters(&mut self) -> Result<()> {
        self.each(
            "newsletter_engagement",
            "json_extract(data, '$.last_sent_at') IS NOT NULL",
            &["last_sent_at", "newsletter"],
            |scan, row| {
                let Some((sent_s, sent)) = ts(row.fields[0].as_deref()) else {
                    return Ok(());
                };
                let name = row.fields[1].clone().unwrap_or_default();
                let purpose = newsletter_purpose(&name);
                let label = name.strip_prefix("newsletter.").unwrap_or(&name).to_string();
                let h = scan.history(&row.site, &row.member)?;
                let deciding = h.at(&purpose, sent).cloned();
                let (kind, sentence) = match &deciding {
                    Some(e) if e.action == "granted" => return Ok(()),
                    Some(e) => (
                        "newsletter_sent_after_withdrawal",
                        format!("withdrawn at {}", e.occurred_at),
                    ),
                    None => (
                        "newsletter_sent_without_consent",
                        "never granted before then".to_string(),
                    ),
                };
                (scan.sink)(Conflict {
                    kind: kind.into(),
                    site: row.site,
                    member_id: row.member,
                    description: format!(
                        "the “{label}” newsletter was last sent at {sent_s}, but consent “{purpose}” was {sentence}"
                    ),
                    rows: vec![RowRef {
                        entity: "newsletter_engagement".into(),
                        id: row.id,
                    }],
                    events: deciding.map(|e| e.event_id).into_iter().collect(),
                    at: Some(sent_s),
                })
            },
        )
    }

    fn weak_proof(&mut self) -> Result<()> {
        self.each(
            "consent_events",
            "json_extract(data, '$.action') = 'granted' AND (json_extract(data, '$.evidence') IS NULL
               OR json_extract(data, '$.policy_version') IS NULL)",
            &["purpose", "occurred_at", "evidence", "policy_version"],
            |scan, row| {
                let mut missing = Vec::new();
                if row.fields[2].is_none() {
                    missing.push("no evidence");
                }
                if row.fields[3].is_none() {
                    missing.push("no policy version");
                }
                let purpose = row.fields[0].as_deref().unwrap_or("");
                (scan.sink)(Conflict {
                    kind: "weak_consent_proof".into(),
                    site: row.site,
                    member_id: row.member,
                    description: format!(
                        "consent “{purpose}” granted by event {} has {}: it cannot be demonstrated (Art 7(1))",
                        row.id,
                        missing.join(" and ")
                    ),
                    rows: vec![],
                    events: vec![row.id],
                    at: row.fields[1].clone(),
                })
            },
        )
    }
}

fn ts(s: Option<&str>) -> Option<(String, DateTime<Utc>)> {
    let s = s?;
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    Some((s.to_string(), t))
}

/// Find conflicts on an open connection (no role check, no audit), handing
/// each to `sink` as it is found: grouped by check, then by site and member.
/// Memory stays flat however many there are.
pub fn scan_conn(
    conn: &Connection,
    scope: &Scope,
    progress: &dyn Progress,
    sink: &mut dyn FnMut(Conflict) -> Result<()>,
) -> Result<()> {
    if let Some((s, m)) = &scope.member {
        member_exists(conn, s, m)?;
    }
    let mut scan = Scan {
        conn,
        scope,
        sink,
        progress,
        cache: None,
        done: 0,
    };
    scan.stage(1, "newsletters sent")?;
    scan.newsletters()?;
    scan.stage(2, "competition entries")?;
    scan.check_shared(
        "competition_entries",
        "share_with_sponsor",
        "entered_at",
        "competition.share_with_sponsor",
        "competition_shared_without_consent",
        "competition entry",
    )?;
    scan.stage(3, "survey responses")?;
    scan.check_shared(
        "survey_responses",
        "share_with_partner",
        "submitted_at",
        "survey.share_with_partner",
        "survey_shared_without_consent",
        "survey response",
    )?;
    scan.stage(4, "helpdesk tickets")?;
    scan.check_shared(
        "helpdesk_tickets",
        "special_category",
        "opened_at",
        "special_category_data",
        "special_category_without_consent",
        "special-category helpdesk ticket",
    )?;
    scan.stage(5, "consent proof")?;
    scan.weak_proof()
}

/// The order conflicts are listed in: site, member, kind, instant.
fn sort_key(c: &Conflict) -> (&str, &str, &str, Option<&str>) {
    (&c.site, &c.member_id, &c.kind, c.at.as_deref())
}

/// Find conflicts on an open connection (no role check, no audit), sorted.
pub fn conflicts_conn(conn: &Connection, scope: &Scope) -> Result<Vec<Conflict>> {
    let mut out = Vec::new();
    scan_conn(conn, scope, &NoProgress, &mut |c| {
        out.push(c);
        Ok(())
    })?;
    out.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    Ok(out)
}

/// How many conflicts of one kind one site had at the check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ConflictCount {
    pub site: String,
    pub kind: String,
    pub count: u64,
}

/// The newest vault-wide check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConflictCheck {
    pub checked_at: String,
    pub checked_by: String,
    pub total: u64,
    /// Per site and kind, sorted.
    pub counts: Vec<ConflictCount>,
    /// An export has been synced since the check: the list may be out of date.
    pub stale: bool,
}

/// Which stored conflicts to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ConflictFilter {
    pub site: Option<String>,
    pub kind: Option<String>,
    pub offset: u64,
    /// 0 means [`DEFAULT_PAGE`]; at most [`MAX_PAGE`].
    pub limit: u64,
}

pub const DEFAULT_PAGE: u64 = 100;
pub const MAX_PAGE: u64 = 1000;

/// A page of the stored list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConflictPage {
    /// None: no check has been run on this vault yet.
    pub check: Option<ConflictCheck>,
    /// Conflicts matching the filter.
    pub total: u64,
    pub offset: u64,
    pub items: Vec<Conflict>,
}

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

impl Session {
    /// Check every member of every site and keep the result as the newest
    /// check (replacing the previous one): a data write, so it reads one
    /// state of the vault and takes its turn with the sync. Cancelling keeps
    /// the previous one.
    pub fn conflicts_check(
        &self,
        now: DateTime<Utc>,
        progress: &dyn Progress,
    ) -> Result<ConflictCheck> {
        self.door(
            Op::data(Action::ReadMembers, "conflicts_check"),
            now,
            |tx| {
                let checked_by = tx.user.name.clone();
                let data = tx.data()?;
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
                let counts: Vec<ConflictCount> = data
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
                let total: u64 = counts.iter().map(|c| c.count).sum();
                data.execute(
                    "INSERT OR REPLACE INTO conflict_check
                 (id, checked_at, checked_by, exports_seen, total, counts)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                    params![
                        crate::trail::ts(now),
                        checked_by,
                        exports_seen(data)?,
                        total as i64,
                        serde_json::to_string(&counts).map_err(damaged)?
                    ],
                )?;
                tx.detail(json!({"conflicts": total}));
                Ok(ConflictCheck {
                    checked_at: crate::trail::ts(now),
                    checked_by,
                    total,
                    counts,
                    stale: false,
                })
            },
        )
    }

    /// A page of the newest check's list (instant: read from the vault).
    pub fn conflicts_page(
        &self,
        filter: &ConflictFilter,
        now: DateTime<Utc>,
    ) -> Result<ConflictPage> {
        let limit = match filter.limit {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        };
        let op = Op::logs(Action::ReadMembers, "conflicts_view").on(filter.site.as_deref(), None);
        self.door(op, now, |tx| {
            tx.detail(json!({"stored": true, "offset": filter.offset, "shown": 0}));
            let data = tx.data()?;
            let check = last_check(data)?;
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
            tx.detail(json!({"stored": true, "offset": filter.offset, "shown": items.len()}));
            Ok(ConflictPage {
                check,
                total: total as u64,
                offset: filter.offset,
                items,
            })
        })
    }

    /// Conflicts for one member, one site, or every site.
    pub fn conflicts(&self, scope: &Scope, now: DateTime<Utc>) -> Result<Vec<Conflict>> {
        let (site, member) = match &scope.member {
            Some((s, m)) => (Some(s.as_str()), Some(m.as_str())),
            None => (scope.site.as_deref(), None),
        };
        let op = Op::logs(Action::ReadMembers, "conflicts_view").on(site, member);
        self.door(op, now, |tx| {
            tx.detail(json!({"conflicts": 0}));
            let r = conflicts_conn(tx.data()?, scope)?;
            tx.detail(json!({"conflicts": r.len()}));
            Ok(r)
        })
    }
}
