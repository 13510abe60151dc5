//! The scan: each check reads the activity rows in scope, member by member,
//! against that member's consent history (one history in memory at a time).

use super::{Conflict, RowRef, Scope};
use crate::consent::{member_exists, History};
use crate::error::{Error, Result};
use crate::progress::{NoProgress, Progress, ProgressEvent};
use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection};

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
