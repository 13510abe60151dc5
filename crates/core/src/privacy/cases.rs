//! The stored facts (`privacy_facts`, each version in
//! `privacy_facts_history`, in `logs.db`) and the use cases: read (every
//! role), set (dpo).

use super::{default_derived, PrivacyFacts};
use crate::error::{Error, Result};
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

/// The stored facts of a site, or the default (no role check, no audit).
pub(crate) fn facts_conn(conn: &rusqlite::Connection, site: &str) -> Result<PrivacyFacts> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT content, updated_at, updated_by FROM privacy_facts WHERE site = ?1",
            [site],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match row {
        None => Ok(PrivacyFacts::default_for(site)),
        Some((content, at, by)) => {
            let damaged =
                || Error::Invalid(format!("the stored privacy facts of {site} are damaged"));
            let raw: Value = serde_json::from_str(&content).map_err(|_| damaged())?;
            let mut f: PrivacyFacts = serde_json::from_value(raw.clone()).map_err(|_| damaged())?;
            // Facts stored before derived fields were known explain the
            // default ones until a DPO sets their own.
            if raw.get("derived").is_none() {
                f.derived = default_derived();
            }
            f.site = site.into();
            f.updated_at = Some(at);
            f.updated_by = Some(by);
            Ok(f)
        }
    }
}

impl Session {
    /// A site's privacy facts: the stored ones, or the default for a site
    /// with none (`updated_at` is then `None`). Every role may read them.
    pub fn privacy_facts(&self, site: &str, now: DateTime<Utc>) -> Result<PrivacyFacts> {
        let op = Op::quiet(Action::ReadPrivacyFacts).on(Some(site), None);
        self.door(op, now, |tx| facts_conn(tx.logs, site))
    }

    /// Replace a site's privacy facts (dpo). Every problem is reported at
    /// once and nothing changes; the previous version stays in the history.
    pub fn privacy_facts_set(
        &self,
        site: &str,
        facts: &PrivacyFacts,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let op = Op::logs(Action::PrivacyFacts, "privacy_facts_set").on(Some(site), None);
        self.door(op, now, |tx| {
            if site.trim().is_empty() {
                return Err(Error::Invalid("a site name is required".into()));
            }
            let problems = facts.problems(site);
            if !problems.is_empty() {
                tx.detail(json!({"problems": problems.len()}));
                return Err(Error::Invalid(format!(
                    "the privacy facts were not saved: {}",
                    problems.join("; ")
                )));
            }
            let mut stored = facts.clone();
            stored.site = site.into();
            stored.updated_at = None;
            stored.updated_by = None;
            let content = serde_json::to_string(&stored)
                .map_err(|e| Error::Invalid(format!("privacy facts: {e}")))?;
            let at = crate::trail::ts(now);
            let user = tx.user.name.clone();
            tx.logs.execute(
                "INSERT INTO privacy_facts (site, content, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (site) DO UPDATE SET content = ?2, updated_at = ?3, updated_by = ?4",
                params![site, content, at, user],
            )?;
            tx.logs.execute(
                "INSERT INTO privacy_facts_history (site, content, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)",
                params![site, content, at, user],
            )?;
            let version: i64 = tx.logs.query_row(
                "SELECT count(*) FROM privacy_facts_history WHERE site = ?1",
                [site],
                |r| r.get(0),
            )?;
            tx.detail(json!({"version": version}));
            Ok(())
        })
    }
}
