//! Consent: the state of every purpose a member has events for, at any
//! instant, per the contract's tie rule (production-export-v1 §4): the
//! action of the latest event at or before that instant; two events of one
//! purpose at the same instant are ordered by `event_id` compared as text.

pub mod tcf;
use crate::error::{Error, Result};
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// One consent event as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub event_id: String,
    pub purpose: String,
    pub action: String,
    pub occurred_at: String,
    pub instant: DateTime<Utc>,
    pub source: String,
    pub data: Map<String, Value>,
    pub deleted_in_production: bool,
}

/// A member's events, sorted by (instant, event_id as text).
#[derive(Clone, Debug, Default)]
pub struct History {
    pub events: Vec<Event>,
}

impl History {
    pub fn load(conn: &Connection, site: &str, member_id: &str) -> Result<History> {
        Self::load_with(
            conn,
            "SELECT id, data, deleted_seq IS NOT NULL FROM consent_events WHERE site = ?1 AND member_id = ?2",
            site,
            member_id,
        )
    }

    /// Only what deciding a state needs (id, purpose, action, instant,
    /// source; `data` holds only those). For scans that ask "was it granted
    /// then?" of many members.
    pub fn load_brief(conn: &Connection, site: &str, member_id: &str) -> Result<History> {
        Self::load_with(
            conn,
            "SELECT id, json_object('purpose', json_extract(data, '$.purpose'),
                                    'action', json_extract(data, '$.action'),
                                    'occurred_at', json_extract(data, '$.occurred_at'),
                                    'source', json_extract(data, '$.source')),
                    deleted_seq IS NOT NULL
             FROM consent_events WHERE site = ?1 AND member_id = ?2",
            site,
            member_id,
        )
    }

    fn load_with(conn: &Connection, sql: &str, site: &str, member_id: &str) -> Result<History> {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params![site, member_id])?;
        let mut events = Vec::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let data: String = r.get(1)?;
            let deleted: bool = r.get(2)?;
            let data: Map<String, Value> = serde_json::from_str(&data).unwrap_or_default();
            let s = |k: &str| {
                data.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            let occurred_at = s("occurred_at");
            let Ok(instant) = DateTime::parse_from_rfc3339(&occurred_at) else {
                continue;
            };
            events.push(Event {
                event_id: id,
                purpose: s("purpose"),
                action: s("action"),
                instant: instant.with_timezone(&Utc),
                occurred_at,
                source: s("source"),
                data,
                deleted_in_production: deleted,
            });
        }
        events.sort_by(|a, b| {
            a.instant
                .cmp(&b.instant)
                .then_with(|| a.event_id.cmp(&b.event_id))
        });
        Ok(History { events })
    }

    /// The deciding event of `purpose` at `at`: the latest at or before it.
    pub fn at(&self, purpose: &str, at: DateTime<Utc>) -> Option<&Event> {
        self.events
            .iter()
            .rfind(|e| e.purpose == purpose && e.instant <= at)
    }

    /// Whether `purpose` was granted at `at`.
    pub fn granted(&self, purpose: &str, at: DateTime<Utc>) -> bool {
        self.at(purpose, at).is_some_and(|e| e.action == "granted")
    }

    /// Every purpose with events, in order of first appearance in the contract
    /// list, then new ones by name.
    pub fn purposes(&self) -> Vec<String> {
        let mut p: Vec<String> = self.events.iter().map(|e| e.purpose.clone()).collect();
        p.sort_by_key(|x| {
            (
                KNOWN_PURPOSES
                    .iter()
                    .position(|k| k == x)
                    .unwrap_or(KNOWN_PURPOSES.len()),
                x.clone(),
            )
        });
        p.dedup();
        p
    }
}

/// The purposes in use when the contract was written (others are shown as they come).
pub const KNOWN_PURPOSES: &[&str] = crate::entity::PURPOSES;

/// The state of one purpose at the asked instant.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PurposeState {
    pub purpose: String,
    /// `granted`, `withdrawn`, or `no_event_yet` (its events all come later).
    pub state: String,
    pub since: Option<String>,
    pub event_id: Option<String>,
    pub source: Option<String>,
    /// False for a purpose not in the contract's list when it was written.
    pub known_purpose: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsentView {
    pub site: String,
    pub member_id: String,
    pub at: String,
    pub purposes: Vec<PurposeState>,
    /// The whole history, oldest first, each event with every stored field,
    /// and `tcf` (the decoded consent string) where there is one.
    #[cfg_attr(feature = "ts", ts(as = "Vec<serde_json::Map<String, Value>>"))]
    pub events: Vec<Value>,
}

/// Parse an `--at` instant: RFC 3339 with an offset, or a date (the start
/// of that day, UTC).
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::<FixedOffset>::parse_from_rfc3339(s.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc());
        }
    }
    Err(Error::Invalid(
        "a time is RFC 3339 (2026-01-02T10:00:00Z or +01:00) or a date (2026-01-02)".into(),
    ))
}

pub(crate) fn member_exists(conn: &Connection, site: &str, member_id: &str) -> Result<()> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM members WHERE site = ?1 AND id = ?2)",
        params![site, member_id],
        |r| r.get(0),
    )?;
    if exists {
        Ok(())
    } else {
        Err(Error::NotFound(format!(
            "no member {member_id} on site {site}"
        )))
    }
}

/// The consent view on an open connection (no role check, no audit).
pub fn consent_conn(
    conn: &Connection,
    site: &str,
    member_id: &str,
    at: DateTime<Utc>,
) -> Result<ConsentView> {
    member_exists(conn, site, member_id)?;
    let h = History::load(conn, site, member_id)?;
    let purposes = h
        .purposes()
        .into_iter()
        .map(|p| {
            let known = KNOWN_PURPOSES.contains(&p.as_str());
            match h.at(&p, at) {
                Some(e) => PurposeState {
                    state: e.action.clone(),
                    since: Some(e.occurred_at.clone()),
                    event_id: Some(e.event_id.clone()),
                    source: Some(e.source.clone()),
                    purpose: p,
                    known_purpose: known,
                },
                None => PurposeState {
                    purpose: p,
                    state: "no_event_yet".into(),
                    since: None,
                    event_id: None,
                    source: None,
                    known_purpose: known,
                },
            }
        })
        .collect();
    let events = h
        .events
        .iter()
        .map(|e| {
            let mut v = e.data.clone();
            if let Some(tcf) = v
                .get("tcf_string")
                .and_then(|t| t.as_str())
                .filter(|_| e.purpose.starts_with("cookies."))
            {
                let decoded = match tcf::decode(tcf) {
                    Some(d) => json!(d),
                    None => json!({"error": "not a TCF v2 consent string"}),
                };
                v.insert("tcf".into(), decoded);
            }
            if e.deleted_in_production {
                v.insert("deleted_in_production".into(), json!(true));
            }
            Value::Object(v)
        })
        .collect();
    Ok(ConsentView {
        site: site.into(),
        member_id: member_id.into(),
        at: crate::trail::ts(at),
        purposes,
        events,
    })
}

impl Session {
    /// The consent state of every purpose at `at` (default `now`), and the
    /// history, from one snapshot.
    pub fn consent(
        &self,
        site: &str,
        member_id: &str,
        at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<ConsentView> {
        let at = at.unwrap_or(now);
        let op = Op::logs(Action::ReadMembers, "consent_view").on(Some(site), Some(member_id));
        self.door(op, now, |tx| {
            tx.detail(json!({"at": crate::trail::ts(at)}));
            consent_conn(tx.data()?, site, member_id, at)
        })
    }
}
