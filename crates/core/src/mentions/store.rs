//! The mentions index's tables and queries (migration 9).
//!
//! `mention_tokens (site, key, entity, id, author, at)`: one entry per
//! candidate key ([`super::rules`]) per row that holds it, with the row's
//! author (its `member_id`: the poster, the sender, the ticket's member) and
//! time (UTC), so a member's mentions, their counts by author and their
//! order come from the index alone. The primary key leads with
//! (site, key) for the queries; `mention_tokens_row (site, entity, id)` finds
//! a row's entries, for the DELETE triggers (every delete path: a delta's
//! deletion, a member's cascade, a full export's sweep, a hold lift's purge)
//! and for the sync replacing a row.
//!
//! Members added later: the index holds what a text *could* name, not whom
//! it named when it was stored, and a member's names are looked up when
//! their mentions are asked for. A member who joins (or changes their
//! email, or gives their name) after a post named them is found in that
//! post without re-reading it; a member renamed is found under the new name
//! only (and under the old one when they posted as it, see `posted_as`).

use super::rules::{self, Kind, MemberNames};
use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressEvent};
use crate::text::norm::{each_free_text, Normalised, FREE_TEXT};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

static INDEXING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// For the benchmark's baseline only: sync without the mentions index.
#[doc(hidden)]
pub fn set_mentions_for_benchmark(on: bool) {
    INDEXING.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// The entities whose free text is read.
pub fn mentioned(entity: &str) -> bool {
    FREE_TEXT.iter().any(|(e, _)| *e == entity)
}

/// The field holding a row's time.
pub fn time_field(entity: &str) -> &'static str {
    match entity {
        "private_messages" => "sent_at",
        "helpdesk_tickets" => "opened_at",
        "local_listings" => "created_at",
        _ => "posted_at",
    }
}

/// An RFC 3339 time as UTC, `YYYY-MM-DDTHH:MM:SSZ` (sorts as text).
pub fn utc(s: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(s.trim()).ok().map(|t| {
        t.with_timezone(&Utc)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    })
}

/// Reused per sync: the normaliser's buffers and the keys of one row.
#[derive(Default)]
pub(crate) struct Scratch {
    norm: Normalised,
    keys: Vec<String>,
}

/// The distinct keys of a row's free text.
fn row_keys<'s>(entity: &str, fields: &Map<String, Value>, sc: &'s mut Scratch) -> &'s [String] {
    sc.keys.clear();
    let Scratch { norm, keys } = &mut *sc;
    each_free_text(entity, fields, |_, text| rules::text_keys(text, norm, keys));
    keys.sort_unstable();
    keys.dedup();
    &sc.keys
}

/// Index a row the sync writes (inside its transaction): its old entries go
/// when it replaces a row whose data differs (`old_data`), its own are added.
#[allow(clippy::too_many_arguments)]
pub(crate) fn index_row(
    conn: &Connection,
    sc: &mut Scratch,
    site: &str,
    entity: &str,
    id: &str,
    author: Option<&str>,
    old_data: Option<&str>,
    data: &str,
    fields: &Map<String, Value>,
) -> Result<()> {
    if !mentioned(entity) || !INDEXING.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(());
    }
    if let Some(old) = old_data {
        if old == data {
            return Ok(());
        }
        conn.prepare_cached(
            "DELETE FROM mention_tokens WHERE site = ?1 AND entity = ?2 AND id = ?3",
        )?
        .execute(params![site, entity, id])?;
    }
    let at = fields
        .get(time_field(entity))
        .and_then(Value::as_str)
        .and_then(utc);
    let keys = row_keys(entity, fields, sc);
    if keys.is_empty() {
        return Ok(());
    }
    let mut add = conn.prepare_cached(
        "INSERT OR IGNORE INTO mention_tokens (site, key, entity, id, author, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for k in keys {
        add.execute(params![site, k, entity, id, author, at])?;
    }
    Ok(())
}

/// Rebuild the whole index from the stored rows (the caller's transaction).
pub(crate) fn rebuild(conn: &Connection, progress: &dyn Progress) -> Result<u64> {
    conn.execute("DELETE FROM mention_tokens", [])?;
    let mut sc = Scratch::default();
    let mut rows = 0u64;
    for &(entity, _) in FREE_TEXT {
        let total: i64 =
            conn.query_row(&format!("SELECT count(*) FROM {entity}"), [], |r| r.get(0))?;
        progress.event(ProgressEvent::Stage {
            name: format!("reading {entity}"),
            total: Some(total as u64),
        });
        let mut stmt = conn.prepare(&format!("SELECT site, id, member_id, data FROM {entity}"))?;
        let mut q = stmt.query([])?;
        let mut done = 0u64;
        while let Some(r) = q.next()? {
            let (site, id, author, data): (String, String, Option<String>, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let fields: Map<String, Value> = serde_json::from_str(&data).unwrap_or_default();
            index_row(
                conn,
                &mut sc,
                &site,
                entity,
                &id,
                author.as_deref(),
                None,
                &data,
                &fields,
            )?;
            done += 1;
            if done.is_multiple_of(10_000) {
                if progress.cancelled() {
                    return Err(Error::Cancelled);
                }
                progress.event(ProgressEvent::Advance { done });
            }
        }
        rows += done;
    }
    Ok(rows)
}

/// The member row of a mention query: its names and email.
pub(crate) struct Subject {
    pub site: String,
    pub member_id: String,
    pub email: Option<String>,
    pub names: MemberNames,
}

fn text_of(m: &Map<String, Value>, k: &str) -> Option<String> {
    m.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// The member and every name that names them (see [`rules`]).
pub(crate) fn subject(conn: &Connection, site: &str, member_id: &str) -> Result<Subject> {
    let data: Option<String> = conn
        .query_row(
            "SELECT data FROM members WHERE site = ?1 AND id = ?2",
            params![site, member_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(data) = data else {
        return Err(Error::NotFound(format!(
            "no member {member_id} on site {site}"
        )));
    };
    let m: Map<String, Value> = serde_json::from_str(&data).unwrap_or_default();
    let mut phones = Vec::new();
    for t in ["competition_entries", "local_listings"] {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT DISTINCT json_extract(data, '$.phone') FROM {t}
             WHERE site = ?1 AND member_id = ?2 AND json_extract(data, '$.phone') IS NOT NULL"
        ))?;
        for p in stmt.query_map(params![site, member_id], |r| r.get::<_, String>(0))? {
            phones.push(p?);
        }
    }
    // Names posted as, from the search index's `posted_as` keys (through the
    // partial index of migration 9), kept when no other member used them.
    let mut posted_as = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT substr(key, 11) FROM search_terms
         WHERE site = ?1 AND member_id = ?2 AND key > 'posted_as' AND key < 'posted_at'",
    )?;
    let names: Vec<String> = stmt
        .query_map(params![site, member_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut others = conn.prepare_cached(
        "SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE key = ?1 AND site = ?2 LIMIT 2)",
    )?;
    for n in names {
        let users: i64 =
            others.query_row(params![format!("posted_as\u{1f}{n}"), site], |r| r.get(0))?;
        if users == 1 {
            posted_as.push(n);
        }
    }
    let names = rules::member_keys(
        text_of(&m, "username").as_deref(),
        text_of(&m, "email").as_deref(),
        text_of(&m, "first_name").as_deref(),
        text_of(&m, "surname").as_deref(),
        &phones,
        &posted_as,
    );
    Ok(Subject {
        site: site.into(),
        member_id: member_id.into(),
        email: text_of(&m, "email"),
        names,
    })
}

/// One row that mentions the member, from the index.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub entity: &'static str,
    pub id: String,
    pub author: Option<String>,
    pub at: Option<String>,
    /// The kinds of mention ([`Kind::bits`]).
    pub kinds: u8,
}

fn entity_static(name: &str) -> &'static str {
    FREE_TEXT
        .iter()
        .map(|(e, _)| *e)
        .find(|e| *e == name)
        .unwrap_or("posts")
}

/// Every row of other people that names the member, newest first: rows the
/// member wrote, messages they sent or received and their own helpdesk
/// tickets (by `member_id` or requester email) are in their record already
/// and are left out.
pub(crate) fn hits(conn: &Connection, s: &Subject) -> Result<Vec<Hit>> {
    let by_row = index_hits(conn, s)?;
    let received = received(conn, s, &by_row)?;
    let own_tickets = own_tickets(conn, s, &by_row)?;
    let mut out: Vec<Hit> = by_row
        .into_values()
        .filter(|h| match h.entity {
            "private_messages" => !received.contains(&h.id),
            "helpdesk_tickets" => !own_tickets.contains(&h.id),
            _ => true,
        })
        .collect();
    out.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then_with(|| a.entity.cmp(b.entity))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(out)
}

/// Hits by row.
type HitsByRow = HashMap<(&'static str, String), Hit>;

/// The index's rows under any of the member's keys, but the member's own,
/// with every kind of mention each holds.
fn index_hits(conn: &Connection, s: &Subject) -> Result<HitsByRow> {
    let mut by_row = HitsByRow::new();
    let mut stmt = conn.prepare_cached(
        "SELECT entity, id, author, at FROM mention_tokens WHERE site = ?1 AND key = ?2",
    )?;
    for (key, kind) in &s.names.keys {
        let mut q = stmt.query(params![s.site, key])?;
        while let Some(r) = q.next()? {
            let author: Option<String> = r.get(2)?;
            if author.as_deref() == Some(s.member_id.as_str()) {
                continue;
            }
            let entity = entity_static(r.get_ref(0)?.as_str().unwrap_or(""));
            let id: String = r.get(1)?;
            let h = by_row.entry((entity, id.clone())).or_insert_with(|| Hit {
                entity,
                id,
                author,
                at: None,
                kinds: 0,
            });
            h.at = r.get(3)?;
            h.kinds |= Kind::bits([*kind]);
        }
    }
    Ok(by_row)
}

/// The private messages among the hits that the member received.
fn received(conn: &Connection, s: &Subject, by_row: &HitsByRow) -> Result<HashSet<String>> {
    let pm: Vec<&String> = by_row
        .keys()
        .filter(|(e, _)| *e == "private_messages")
        .map(|(_, id)| id)
        .collect();
    let mut received: HashSet<String> = HashSet::new();
    if !pm.is_empty() {
        let mut probe = conn.prepare_cached(
            "SELECT 1 FROM pm_recipients WHERE site = ?1 AND member_id = ?2 AND message_id = ?3",
        )?;
        for id in pm {
            if probe.exists(params![s.site, s.member_id, id])? {
                received.insert(id.clone());
            }
        }
    }
    Ok(received)
}

/// The helpdesk tickets among the hits without an account whose requester
/// is the member's email.
fn own_tickets(conn: &Connection, s: &Subject, by_row: &HitsByRow) -> Result<HashSet<String>> {
    let mut own_tickets: HashSet<String> = HashSet::new();
    if let Some(email) = &s.email {
        let mut probe = conn.prepare_cached(
            "SELECT 1 FROM helpdesk_tickets WHERE site = ?1 AND id = ?2
               AND lower(json_extract(data, '$.requester_email')) = lower(?3)",
        )?;
        for ((e, id), h) in by_row {
            if *e == "helpdesk_tickets"
                && h.author.is_none()
                && probe.exists(params![s.site, id, email])?
            {
                own_tickets.insert(id.clone());
            }
        }
    }
    Ok(own_tickets)
}

/// A stored row: its member and fields.
pub(crate) type StoredRow = (Option<String>, Map<String, Value>);

/// A stored row read for a mention: its member and fields.
pub(crate) fn read_row(
    conn: &Connection,
    site: &str,
    entity: &str,
    id: &str,
) -> Result<Option<StoredRow>> {
    let r: Option<(Option<String>, String)> = conn
        .prepare_cached(&format!(
            "SELECT member_id, data FROM {entity} WHERE site = ?1 AND id = ?2"
        ))?
        .query_row(params![site, id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(r.map(|(m, d)| (m, serde_json::from_str(&d).unwrap_or_default())))
}

/// Usernames of a site's members, None for a former member (cached).
pub(crate) struct Usernames<'c> {
    conn: &'c Connection,
    site: String,
    cache: HashMap<String, Option<String>>,
}

impl<'c> Usernames<'c> {
    pub fn new(conn: &'c Connection, site: &str) -> Self {
        Usernames {
            conn,
            site: site.into(),
            cache: HashMap::new(),
        }
    }

    pub fn get(&mut self, id: &str) -> Result<Option<String>> {
        if let Some(v) = self.cache.get(id) {
            return Ok(v.clone());
        }
        let u: Option<Option<String>> = self
            .conn
            .prepare_cached(
                "SELECT json_extract(data, '$.username') FROM members WHERE site = ?1 AND id = ?2",
            )?
            .query_row(params![self.site, id], |r| r.get(0))
            .optional()?;
        let u = u.flatten();
        self.cache.insert(id.to_string(), u.clone());
        Ok(u)
    }
}
