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

use crate::audit::Outcome;
use crate::consent::{member_exists, History};
use crate::error::Result;
use crate::roles::Action;
use crate::session::Session;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::{json, Map, Value};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowRef {
    pub entity: String,
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
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

fn ts(data: &Map<String, Value>, k: &str) -> Option<(String, DateTime<Utc>)> {
    let s = data.get(k)?.as_str()?;
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    Some((s.to_string(), t))
}

fn newsletter_purpose(name: &str) -> String {
    if name.starts_with("newsletter.") {
        name.to_string()
    } else {
        format!("newsletter.{name}")
    }
}

/// (site, member, row id, fields) of an activity row.
type ActivityRow = (String, String, String, Map<String, Value>);

struct Scan<'c> {
    conn: &'c Connection,
    out: Vec<Conflict>,
    cache: Option<(String, String, History)>,
}

impl Scan<'_> {
    fn history(&mut self, site: &str, member: &str) -> Result<&History> {
        let hit = matches!(&self.cache, Some((s, m, _)) if s == site && m == member);
        if !hit {
            let h = History::load(self.conn, site, member)?;
            self.cache = Some((site.into(), member.into(), h));
        }
        Ok(&self.cache.as_ref().unwrap().2)
    }

    /// Rows of `table` in scope that pass `filter` (SQL on `data`).
    fn rows(&self, table: &str, filter: &str, scope: &Scope) -> Result<Vec<ActivityRow>> {
        let (site, member) = match &scope.member {
            Some((s, m)) => (Some(s.clone()), Some(m.clone())),
            None => (scope.site.clone(), None),
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT site, member_id, id, data FROM {table}
             WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR member_id = ?2)
               AND member_id IS NOT NULL AND ({filter})
             ORDER BY site, member_id"
        ))?;
        let rows = stmt
            .query_map(params![site, member], |r| {
                let data: String = r.get(3)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    serde_json::from_str(&data).unwrap_or_default(),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    #[allow(clippy::too_many_arguments)]
    fn check_shared(
        &mut self,
        scope: &Scope,
        table: &str,
        flag: &str,
        when: &str,
        purpose: &str,
        kind: &str,
        what: &str,
    ) -> Result<()> {
        let filter = format!("json_extract(data, '$.{flag}') = 1");
        for (site, member, id, data) in self.rows(table, &filter, scope)? {
            let Some((when_s, at)) = ts(&data, when) else {
                continue;
            };
            let h = self.history(&site, &member)?;
            let deciding = h.at(purpose, at).cloned();
            if deciding.as_ref().is_some_and(|e| e.action == "granted") {
                continue;
            }
            let state = match &deciding {
                Some(_) => "withdrawn",
                None => "never granted",
            };
            self.out.push(Conflict {
                kind: kind.into(),
                site,
                member_id: member,
                description: format!(
                    "{what} {id} at {when_s}, but consent `{purpose}` was {state} then"
                ),
                rows: vec![RowRef {
                    entity: table.into(),
                    id,
                }],
                events: deciding.map(|e| e.event_id).into_iter().collect(),
                at: Some(when_s),
            });
        }
        Ok(())
    }

    fn newsletters(&mut self, scope: &Scope) -> Result<()> {
        let rows = self.rows(
            "newsletter_engagement",
            "json_extract(data, '$.last_sent_at') IS NOT NULL",
            scope,
        )?;
        for (site, member, id, data) in rows {
            let Some((sent_s, sent)) = ts(&data, "last_sent_at") else {
                continue;
            };
            let name = data
                .get("newsletter")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            let purpose = newsletter_purpose(&name);
            let h = self.history(&site, &member)?;
            let deciding = h.at(&purpose, sent).cloned();
            let (kind, sentence) = match &deciding {
                Some(e) if e.action == "granted" => continue,
                Some(e) => (
                    "newsletter_sent_after_withdrawal",
                    format!("withdrawn at {}", e.occurred_at),
                ),
                None => (
                    "newsletter_sent_without_consent",
                    "never granted before then".to_string(),
                ),
            };
            self.out.push(Conflict {
                kind: kind.into(),
                site,
                member_id: member,
                description: format!(
                    "newsletter {name} last sent at {sent_s}, but consent `{purpose}` was {sentence}"
                ),
                rows: vec![RowRef {
                    entity: "newsletter_engagement".into(),
                    id,
                }],
                events: deciding.map(|e| e.event_id).into_iter().collect(),
                at: Some(sent_s),
            });
        }
        Ok(())
    }

    fn weak_proof(&mut self, scope: &Scope) -> Result<()> {
        let rows = self.rows(
            "consent_events",
            "json_extract(data, '$.action') = 'granted' AND (json_extract(data, '$.evidence') IS NULL
               OR json_extract(data, '$.policy_version') IS NULL)",
            scope,
        )?;
        for (site, member, id, data) in rows {
            let mut missing = Vec::new();
            if !data.contains_key("evidence") {
                missing.push("no evidence");
            }
            if !data.contains_key("policy_version") {
                missing.push("no policy version");
            }
            let purpose = data.get("purpose").and_then(|v| v.as_str()).unwrap_or("");
            self.out.push(Conflict {
                kind: "weak_consent_proof".into(),
                site,
                member_id: member,
                description: format!(
                    "consent `{purpose}` granted by event {id} has {}: it cannot be demonstrated (Art 7(1))",
                    missing.join(" and ")
                ),
                rows: vec![],
                events: vec![id],
                at: data
                    .get("occurred_at")
                    .and_then(|v| v.as_str())
                    .map(String::from),
            });
        }
        Ok(())
    }
}

/// Find conflicts on an open connection (no role check, no audit).
pub fn conflicts_conn(conn: &Connection, scope: &Scope) -> Result<Vec<Conflict>> {
    if let Some((s, m)) = &scope.member {
        member_exists(conn, s, m)?;
    }
    let mut scan = Scan {
        conn,
        out: Vec::new(),
        cache: None,
    };
    scan.newsletters(scope)?;
    scan.check_shared(
        scope,
        "competition_entries",
        "share_with_sponsor",
        "entered_at",
        "competition.share_with_sponsor",
        "competition_shared_without_consent",
        "competition entry",
    )?;
    scan.check_shared(
        scope,
        "survey_responses",
        "share_with_partner",
        "submitted_at",
        "survey.share_with_partner",
        "survey_shared_without_consent",
        "survey response",
    )?;
    scan.check_shared(
        scope,
        "helpdesk_tickets",
        "special_category",
        "opened_at",
        "special_category_data",
        "special_category_without_consent",
        "special-category helpdesk ticket",
    )?;
    scan.weak_proof(scope)?;
    let mut out = scan.out;
    out.sort_by(|a, b| {
        (&a.site, &a.member_id, &a.kind, &a.at).cmp(&(&b.site, &b.member_id, &b.kind, &b.at))
    });
    Ok(out)
}

impl Session {
    /// Conflicts for one member, one site, or every site.
    pub fn conflicts(&self, scope: &Scope, now: DateTime<Utc>) -> Result<Vec<Conflict>> {
        let (site, member) = match &scope.member {
            Some((s, m)) => (Some(s.as_str()), Some(m.as_str())),
            None => (scope.site.as_deref(), None),
        };
        self.authorize(Action::ReadMembers, now, site, member)?;
        let r = conflicts_conn(&self.conn, scope);
        self.audit(
            now,
            "conflicts_view",
            site,
            member,
            Some(json!({"conflicts": r.as_ref().map(|c| c.len()).unwrap_or(0)})),
            if r.is_ok() {
                Outcome::Ok
            } else {
                Outcome::Failed
            },
        )?;
        r
    }
}
