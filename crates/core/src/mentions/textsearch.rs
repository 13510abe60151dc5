//! Free-text search of the same texts (posts and thread titles, private
//! messages, helpdesk tickets, reviews, listings), for words that are not a
//! member's identifier: a child's name, a street, a school.
//!
//! Two ways, per site:
//! - **The text index** (off by default; a dpo or staff member turns it on
//!   per site, [`Session::text_index_set`]): one FTS5 table, `text_index`,
//!   contentless (it keeps no copy of the text, only its words), `detail=none`
//!   (no positions: the phrase is checked on the row itself), `columnsize=0`
//!   (no document lengths: results are not ranked), holding each
//!   row's normalised free text ([`crate::text::norm::row_text`], the SQL
//!   function `desk_text`) under the id `rowid × 16 + entity`. Triggers
//!   frozen in migration 9 keep it as rows are inserted, changed and deleted
//!   on every path. It is **erasure-safe**: FTS5's `secure-delete` option is
//!   on, so deleting a row removes its words from the index's pages at once
//!   (not at the next merge), and the vault's `secure_delete` zeroes the
//!   freed pages; turning a site's index off deletes its words the same way.
//! - **A bounded scan** for a site without it: the newest rows first, at most
//!   [`SCAN_CAP`] rows a call; the answer says when it did not read them all.
//!
//! A phrase matches whole words in order, after the same normalisation as
//! mentions (case, accents, width, invisible characters): "oakfield primary"
//! finds "Oakfield  Primary" and "OAKFIELD PRIMARY", not "Oakfield
//! Primaryschool". Results come in the order the rows were stored, newest
//! first; at most [`CANDIDATE_CAP`] index candidates are checked a call.

mod index;

pub use index::TextIndexSite;

use super::rules::{self, SnippetPart};
use super::{store, Author};
use crate::error::{Error, Result};
use crate::roles::Action;
use crate::session::{Op, Session};
use crate::text::norm::{each_free_text, FREE_TEXT};
use chrono::{DateTime, Utc};
use index::{all_sites, entity_of, indexed_sites};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Rows a scan reads at most in one call (a site without the text index).
pub const SCAN_CAP: u64 = 50_000;
/// Index candidates checked at most in one call.
pub const CANDIDATE_CAP: u64 = 20_000;
pub const DEFAULT_PAGE_SIZE: u64 = 20;

thread_local! {
    /// Tests only: smaller bounds, on this thread.
    static CAPS: std::cell::Cell<Option<(u64, u64)>> = const { std::cell::Cell::new(None) };
}

/// For tests only: bound scans and candidates to these on this thread
/// (None: [`SCAN_CAP`] and [`CANDIDATE_CAP`]).
#[doc(hidden)]
pub fn set_caps_for_tests(caps: Option<(u64, u64)>) {
    CAPS.with(|c| c.set(caps));
}

fn caps() -> (u64, u64) {
    CAPS.with(|c| c.get()).unwrap_or((SCAN_CAP, CANDIDATE_CAP))
}
const SNIPPET_WIDTH: usize = 70;

/// What to look for.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TextQuery {
    /// Words, found whole and in this order.
    pub text: String,
    pub site: Option<String>,
    /// A date (`YYYY-MM-DD`) or RFC 3339 time; as the audit period's rule.
    pub from: Option<String>,
    /// A date (that whole day) or RFC 3339 time (exclusive).
    pub to: Option<String>,
    /// 1-based.
    pub page: u64,
    pub page_size: u64,
}

/// One item holding the words.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TextHit {
    pub site: String,
    pub entity: String,
    pub id: String,
    pub field: String,
    pub context: Option<String>,
    pub at: Option<String>,
    pub author: Author,
    pub snippet: Vec<SnippetPart>,
}

/// How one site was searched.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SiteSearched {
    pub site: String,
    /// Through its text index (else a scan).
    pub indexed: bool,
    /// False when the scan or the candidate bound stopped before the end:
    /// items beyond what was read may match too.
    pub complete: bool,
    /// Rows read (a scan) or candidates checked (the index).
    pub rows_read: u64,
}

/// A page of items holding the words.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TextResults {
    /// The words looked for, normalised.
    pub words: Vec<String>,
    pub page: u64,
    pub page_size: u64,
    pub items: Vec<TextHit>,
    /// Whether a next page has items.
    pub more: bool,
    pub sites: Vec<SiteSearched>,
}

struct Window {
    from: Option<String>,
    to: Option<String>,
}

impl Window {
    /// The query's period, as the audit period's rule reads it.
    fn of(q: &TextQuery) -> Result<Window> {
        let bound = |s: &Option<String>, read: fn(&str) -> Result<DateTime<Utc>>| {
            s.as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(read)
                .transpose()
                .map(|t| t.map(fmt))
        };
        Ok(Window {
            from: bound(&q.from, crate::contract::audit_from)?,
            to: bound(&q.to, crate::contract::audit_to)?,
        })
    }

    fn holds(&self, at: Option<&str>) -> bool {
        if self.from.is_none() && self.to.is_none() {
            return true;
        }
        let Some(at) = at else { return false };
        self.from.as_deref().is_none_or(|f| at >= f) && self.to.as_deref().is_none_or(|t| at < t)
    }
}

/// A time as the vault writes it.
fn fmt(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A field, its text and the spans found in it.
type FieldSpans<'t> = (String, &'t str, Vec<(usize, usize)>);

/// Collects hits past the pages skipped.
struct Collect<'c> {
    conn: &'c Connection,
    words: Vec<String>,
    window: Window,
    skip: u64,
    want: u64,
    seen: u64,
    items: Vec<TextHit>,
    more: bool,
    users: std::collections::HashMap<String, store::Usernames<'c>>,
}

impl Collect<'_> {
    fn full(&self) -> bool {
        self.more
    }

    /// Check one row; true when it matched.
    fn row(
        &mut self,
        site: &str,
        entity: &'static str,
        id: &str,
        member: Option<&str>,
        data: &str,
    ) -> Result<()> {
        let fields: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
        let at = fields
            .get(store::time_field(entity))
            .and_then(Value::as_str)
            .and_then(store::utc);
        if !self.window.holds(at.as_deref()) {
            return Ok(());
        }
        let mut first: Option<FieldSpans> = None;
        each_free_text(entity, &fields, |field, text| {
            if first.is_none() {
                let spans = rules::find_phrase(text, &self.words);
                if !spans.is_empty() {
                    first = Some((field.into_owned(), text, spans));
                }
            }
        });
        let Some((field, text, spans)) = first else {
            return Ok(());
        };
        self.seen += 1;
        if self.seen <= self.skip {
            return Ok(());
        }
        if self.items.len() as u64 >= self.want {
            self.more = true;
            return Ok(());
        }
        let conn = self.conn;
        let users = self
            .users
            .entry(site.to_string())
            .or_insert_with(|| store::Usernames::new(conn, site));
        let author = if staff_wrote(&field, &fields) {
            Author::staff()
        } else {
            Author::member(member, users)?
        };
        let snippet = rules::snippet(text, &spans, SNIPPET_WIDTH);
        self.items.push(TextHit {
            site: site.into(),
            entity: entity.into(),
            id: id.into(),
            field,
            context: super::context_of(entity, &fields),
            at,
            author,
            snippet,
        });
        Ok(())
    }
}

/// Whether `field` is a helpdesk message written by the staff.
fn staff_wrote(field: &str, fields: &Map<String, Value>) -> bool {
    field.starts_with("messages[")
        && field
            .trim_start_matches("messages[")
            .split(']')
            .next()
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| fields.get("messages").and_then(|m| m.get(i)))
            .and_then(|m| m.get("from"))
            .and_then(Value::as_str)
            == Some("staff")
}

/// The words of a phrase, normalised: at least two letters or digits in
/// all, at most 32 words.
fn checked_words(text: &str) -> Result<Vec<String>> {
    let words = rules::phrase_words(text);
    let chars: usize = words.iter().map(|w| w.chars().count()).sum();
    if words.is_empty() || chars < 2 {
        return Err(Error::Invalid(
            "give at least two letters or digits to search for".into(),
        ));
    }
    if words.len() > 32 {
        return Err(Error::Invalid("give at most 32 words to search for".into()));
    }
    Ok(words)
}

/// The page asked for (1-based) and its size (the default for 0, at most
/// 200).
fn page_of(q: &TextQuery) -> (u64, u64) {
    let page_size = if q.page_size == 0 {
        DEFAULT_PAGE_SIZE
    } else {
        q.page_size.min(200)
    };
    (q.page.max(1), page_size)
}

/// The site asked for, or every site.
fn chosen_sites(data: &Connection, site: Option<&String>) -> Result<Vec<String>> {
    let sites = all_sites(data)?;
    match site {
        Some(s) if !sites.contains(s) => Err(Error::NotFound(format!("no site {s} in the vault"))),
        Some(s) => Ok(vec![s.clone()]),
        None => Ok(sites),
    }
}

/// Search the free text of `data` (in the caller's transaction; no role
/// check, no audit).
pub fn text_search_conn(data: &Connection, q: &TextQuery) -> Result<TextResults> {
    let words = checked_words(&q.text)?;
    let window = Window::of(q)?;
    let (page, page_size) = page_of(q);
    let chosen = chosen_sites(data, q.site.as_ref())?;
    let indexed = indexed_sites(data)?;
    let (scan_cap, candidate_cap) = caps();
    let mut c = Collect {
        conn: data,
        words: words.clone(),
        window,
        skip: (page - 1) * page_size,
        want: page_size,
        seen: 0,
        items: Vec::new(),
        more: false,
        users: Default::default(),
    };
    let via_index: Vec<&String> = chosen.iter().filter(|s| indexed.contains(s)).collect();
    let mut searched = if via_index.is_empty() {
        Vec::new()
    } else {
        through_index(&mut c, &via_index, candidate_cap)?
    };
    let mut budget = scan_cap;
    for site in chosen.iter().filter(|s| !indexed.contains(s)) {
        searched.push(scan(&mut c, site, &mut budget)?);
    }
    Ok(TextResults {
        words,
        page,
        page_size,
        more: c.more,
        items: c.items,
        sites: searched,
    })
}

/// The FTS5 query for the words: each a quoted string, all required.
fn match_expr(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Check the text index's candidates for the sites that have it, newest
/// first, at most `cap` of them.
fn through_index(c: &mut Collect, via_index: &[&String], cap: u64) -> Result<Vec<SiteSearched>> {
    let data = c.conn;
    let mut stmt =
        data.prepare("SELECT rowid FROM text_index WHERE text_index MATCH ?1 ORDER BY rowid DESC")?;
    let mut rows = stmt.query([&match_expr(&c.words)])?;
    let mut checked = 0u64;
    let mut complete = true;
    while let Some(r) = rows.next()? {
        if c.full() {
            break;
        }
        if checked >= cap {
            complete = false;
            break;
        }
        checked += 1;
        let Some((entity, rowid)) = entity_of(r.get(0)?) else {
            continue;
        };
        let row: Option<(String, String, Option<String>, String)> = data
            .prepare_cached(&format!(
                "SELECT site, id, member_id, data FROM {entity} WHERE rowid = ?1"
            ))?
            .query_row([rowid], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((site, id, member, d)) = row else {
            continue;
        };
        if !via_index.contains(&&site) {
            continue;
        }
        c.row(&site, entity, &id, member.as_deref(), &d)?;
    }
    Ok(via_index
        .iter()
        .map(|s| SiteSearched {
            site: (*s).clone(),
            indexed: true,
            complete: complete || c.full(),
            rows_read: checked,
        })
        .collect())
}

/// Read a site's rows without the index, newest first in each entity,
/// while `budget` (shared by the sites scanned in a call) lasts.
fn scan(c: &mut Collect, site: &str, budget: &mut u64) -> Result<SiteSearched> {
    let mut read = 0u64;
    let mut complete = true;
    'entities: for &(entity, _) in FREE_TEXT {
        if c.full() {
            break;
        }
        // In rowid order, without an index: no sort, nothing spilled.
        let mut stmt = c.conn.prepare_cached(&format!(
            "SELECT id, member_id, data FROM {entity} NOT INDEXED WHERE site = ?1 ORDER BY rowid DESC"
        ))?;
        let mut rows = stmt.query([site])?;
        while let Some(r) = rows.next()? {
            if c.full() {
                break 'entities;
            }
            if *budget == 0 {
                complete = false;
                break 'entities;
            }
            *budget -= 1;
            read += 1;
            let id: String = r.get(0)?;
            let member: Option<String> = r.get(1)?;
            let d = r.get_ref(2)?.as_str().unwrap_or("{}");
            c.row(site, entity, &id, member.as_deref(), d)?;
        }
    }
    Ok(SiteSearched {
        site: site.to_string(),
        indexed: false,
        complete: complete || c.full(),
        rows_read: read,
    })
}

impl Session {
    /// Search the free text of posts, messages, tickets, reviews and
    /// listings for words. Audited like any read of member data; the words
    /// are kept only in the (encrypted) audit trail.
    pub fn text_search(&self, q: &TextQuery, now: DateTime<Utc>) -> Result<TextResults> {
        let op = Op::logs(Action::ReadMembers, "text_search").on(q.site.as_deref(), None);
        self.door(op, now, |tx| {
            tx.detail(
                json!({"text": q.text, "site": q.site, "from": q.from, "to": q.to, "page": q.page}),
            );
            let r = text_search_conn(tx.data()?, q)?;
            tx.detail(json!({
                "text": q.text, "site": q.site, "from": q.from, "to": q.to, "page": r.page,
                "results": r.items.len(), "complete": r.sites.iter().all(|s| s.complete),
            }));
            Ok(r)
        })
    }
}
