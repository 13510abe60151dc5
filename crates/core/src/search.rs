//! Member search across sites (issue: "find anyone, see everything").
//!
//! The index is one table, `search_terms (key, site, member_id, n)`. A key is
//! `kind \x1f normalised-term`; `n` counts the rows of that member that carry
//! the term (a member's 300 posts under one `posted_as` name are one entry).
//! It is kept exact inside the sync's transaction: the sync's row writer
//! calls [`index_row`] for every row it inserts or replaces, and DELETE
//! triggers on the entity tables remove a row's terms on every delete path
//! (cascades, the full export's sweep, deletions, the purge on a hold lift),
//! computing them with the SQL function `desk_term(entity, data, i)`
//! registered on every connection ([`register_functions`]).
//!
//! Normalisation: emails and usernames lowercased; names accent-folded and
//! lowercased, each word also under its Soundex code (`fn`/`sn`/`pa` keys
//! `CODE:word`) so a typo is found by scanning the code and ranking by edit
//! distance; postcodes without spaces, uppercased; phones as digits (`+44` →
//! `0`); Twitter handles without `@`; blog URLs without scheme, `www.` and
//! trailing `/`. Private-message recipients are kept in `pm_recipients` the
//! same way, for the member record.

use crate::audit::Outcome;
use crate::error::{Error, Result};
use crate::roles::Action;
use crate::session::Session;
use chrono::{DateTime, Utc};
use rusqlite::functions::FunctionFlags;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

const SEP: char = '\x1f';

/// Entities whose rows carry search terms.
pub const INDEXED: [&str; 7] = [
    "members",
    "social_accounts",
    "helpdesk_tickets",
    "posts",
    "login_events",
    "competition_entries",
    "local_listings",
];

// ---- normalisation ----------------------------------------------------

/// Accent-folded, lowercased, whitespace collapsed: "  Zoë  O'Brien " → "zoe o'brien".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            'œ' | 'Œ' => out.push_str("oe"),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Soundex of a folded word (letters a–z only); None without a letter.
pub fn soundex(word: &str) -> Option<String> {
    fn code(c: char) -> char {
        match c {
            'b' | 'f' | 'p' | 'v' => '1',
            'c' | 'g' | 'j' | 'k' | 'q' | 's' | 'x' | 'z' => '2',
            'd' | 't' => '3',
            'l' => '4',
            'm' | 'n' => '5',
            'r' => '6',
            'h' | 'w' => '-',
            _ => '0',
        }
    }
    let letters: Vec<char> = word.chars().filter(|c| c.is_ascii_lowercase()).collect();
    let first = *letters.first()?;
    let mut out = String::new();
    out.push(first.to_ascii_uppercase());
    let mut last = code(first);
    for &c in &letters[1..] {
        let d = code(c);
        if d == '-' {
            continue;
        }
        if d != '0' && d != last {
            out.push(d);
            if out.len() == 4 {
                break;
            }
        }
        last = d;
    }
    while out.len() < 4 {
        out.push('0');
    }
    Some(out)
}

pub fn norm_email(s: &str) -> String {
    s.trim().to_lowercase()
}

pub fn norm_postcode(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(|c| c.to_uppercase())
        .collect()
}

/// Digits only; an international `+44` becomes the national `0`.
pub fn norm_phone(s: &str) -> String {
    let t = s.trim();
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    if t.starts_with('+') || t.starts_with("00") {
        let d = digits.trim_start_matches("00");
        if let Some(rest) = d.strip_prefix("44") {
            return format!("0{rest}");
        }
        return d.to_string();
    }
    digits
}

pub fn norm_twitter(s: &str) -> String {
    s.trim().trim_start_matches('@').to_lowercase()
}

pub fn norm_url(s: &str) -> String {
    let l = s.trim().to_lowercase();
    let l = l
        .strip_prefix("https://")
        .or_else(|| l.strip_prefix("http://"))
        .unwrap_or(&l);
    let l = l.strip_prefix("www.").unwrap_or(l);
    l.trim_end_matches('/').to_string()
}

fn key(kind: &str, term: &str) -> String {
    format!("{kind}{SEP}{term}")
}

fn text<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    m.get(k)
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// At most this many words of a name are indexed.
pub const NAME_WORDS: usize = 3;

fn name_keys(prefix: &str, name: &str, out: &mut Vec<String>) {
    for w in fold(name).split(' ').take(NAME_WORDS) {
        if let Some(sx) = soundex(w) {
            out.push(key(prefix, &format!("{sx}:{w}")));
        }
    }
}

/// The index keys of one stored row (deduplicated).
pub fn row_terms(entity: &str, data: &str) -> Vec<String> {
    if !INDEXED.contains(&entity) {
        return Vec::new();
    }
    let f: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
    fields_terms(entity, &f)
}

/// The index keys of a row's fields (deduplicated).
pub fn fields_terms(entity: &str, f: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |kind: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push(key(kind, &v));
        }
    };
    match entity {
        "members" => {
            push("email", text(f, "email").map(norm_email));
            push("username", text(f, "username").map(|u| u.to_lowercase()));
            push("postcode", text(f, "postcode").map(norm_postcode));
            push("signup_ip", text(f, "signup_ip").map(|s| s.to_lowercase()));
            push(
                "twitter_handle",
                text(f, "twitter_handle").map(norm_twitter),
            );
            push("blog_url", text(f, "blog_url").map(norm_url));
            if let Some(n) = text(f, "first_name") {
                name_keys("fn", n, &mut out);
            }
            if let Some(n) = text(f, "surname") {
                name_keys("sn", n, &mut out);
            }
        }
        "social_accounts" => push("social_email", text(f, "email").map(norm_email)),
        "helpdesk_tickets" => push("helpdesk_email", text(f, "requester_email").map(norm_email)),
        "posts" => {
            if let Some(n) = text(f, "posted_as") {
                push("posted_as", Some(fold(n)));
                name_keys("pa", n, &mut out);
            }
        }
        "login_events" => push("login_ip", text(f, "ip").map(|s| s.to_lowercase())),
        "competition_entries" => push("competition_phone", text(f, "phone").map(norm_phone)),
        "local_listings" => push("listing_phone", text(f, "phone").map(norm_phone)),
        _ => {}
    }
    out.sort();
    out.dedup();
    out
}

/// How many terms a row of `entity` can have at most (the trigger slots).
pub fn max_terms(entity: &str) -> usize {
    match entity {
        "members" => 6 + 2 * NAME_WORDS,
        "posts" => 1 + NAME_WORDS,
        _ => 1,
    }
}

thread_local! {
    /// The last row's terms: the triggers ask for them slot by slot.
    static LAST: std::cell::RefCell<(String, String, Vec<String>)> =
        const { std::cell::RefCell::new((String::new(), String::new(), Vec::new())) };
}

fn term_at(entity: &str, data: &str, i: usize) -> Option<String> {
    LAST.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != entity || c.1 != data {
            let terms = row_terms(entity, data);
            *c = (entity.to_string(), data.to_string(), terms);
        }
        c.2.get(i).cloned()
    })
}

/// Register the SQL functions the index triggers use. Called by
/// [`crate::vault::open_db`] on every connection, before migrating.
///
/// `desk_terms(entity, data)`: the row's keys as a JSON array (backfills,
/// checks); `desk_term(entity, data, i)`: its i-th key or NULL (triggers:
/// a virtual table such as `json_each` inside a trigger's INSERT … SELECT
/// makes SQLite stage rows in a temporary table, eight times slower).
pub fn register_functions(conn: &Connection) -> Result<()> {
    conn.create_scalar_function(
        "desk_terms",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let entity: String = ctx.get(0)?;
            let data: Option<String> = ctx.get(1)?;
            let terms = row_terms(&entity, data.as_deref().unwrap_or("{}"));
            Ok(serde_json::to_string(&terms).unwrap_or_else(|_| "[]".into()))
        },
    )?;
    conn.create_scalar_function(
        "desk_term",
        3,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let entity = ctx.get_raw(0).as_str().unwrap_or("");
            let data = ctx.get_raw(1).as_str().unwrap_or("{}");
            let i: i64 = ctx.get(2)?;
            Ok(term_at(entity, data, i as usize))
        },
    )?;
    Ok(())
}

/// The migration adding the search index (`search_terms`), the message
/// recipients table (`pm_recipients`), the helpdesk requester index, and the
/// DELETE triggers that keep the first two exact through every delete path
/// (cascades, sweeps, deletions, hold lifts); it backfills them from the
/// rows already stored. Rows written by the sync are indexed by
/// [`index_row`] in the same transaction (an INSERT/UPDATE trigger would make
/// SQLite keep a statement journal of encrypted page copies for every row:
/// eight times the sync's time).
pub fn migration_sql() -> String {
    let mut sql = String::from(
        "CREATE TABLE search_terms (
            key TEXT NOT NULL, site TEXT NOT NULL, member_id TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (key, site, member_id)
         ) WITHOUT ROWID;
         CREATE TABLE pm_recipients (
            site TEXT NOT NULL, member_id TEXT NOT NULL, message_id TEXT NOT NULL,
            PRIMARY KEY (site, member_id, message_id)
         ) WITHOUT ROWID;
         CREATE INDEX pm_recipients_message ON pm_recipients (site, message_id);
         CREATE INDEX helpdesk_tickets_requester ON helpdesk_tickets
            (site, lower(json_extract(data, '$.requester_email')));
         CREATE TRIGGER private_messages_rcpt_del AFTER DELETE ON private_messages BEGIN
           DELETE FROM pm_recipients WHERE site = OLD.site AND message_id = OLD.id;
         END;
         INSERT OR IGNORE INTO pm_recipients (site, member_id, message_id)
           SELECT r.site, j.value, r.id FROM private_messages r, json_each(r.data, '$.recipient_ids') j
           WHERE j.type = 'text';
        ",
    );
    for t in INDEXED {
        let remove = (0..max_terms(t))
            .map(|i| {
                format!(
                    "UPDATE search_terms SET n = n - 1 WHERE key = desk_term('{t}', OLD.data, {i})
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('{t}', OLD.data, {i})
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;\n"
                )
            })
            .collect::<String>();
        sql.push_str(&format!(
            "CREATE TRIGGER {t}_search_del AFTER DELETE ON {t} BEGIN {remove} END;
             INSERT INTO search_terms (key, site, member_id, n)
               SELECT value, r.site, coalesce(r.member_id, ''), 1
               FROM {t} r, json_each(desk_terms('{t}', r.data)) WHERE true
               ON CONFLICT (key, site, member_id) DO UPDATE SET n = n + 1;
            "
        ));
    }
    sql
}

static INDEXING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// For the benchmark's baseline only: sync without maintaining the index.
#[doc(hidden)]
pub fn set_indexing_for_benchmark(on: bool) {
    INDEXING.store(on, std::sync::atomic::Ordering::Relaxed);
}

fn indexing() -> bool {
    INDEXING.load(std::sync::atomic::Ordering::Relaxed)
}

/// Changes to `search_terms` made by one sync, held in memory and written in
/// key order: a site's rows arrive in member order, so writing each term as
/// it comes lands in a random leaf of the index (a page read, decrypted,
/// re-encrypted and written for nearly every term once the index outgrows the
/// page cache). Buffered, the same member's repeated terms (a login IP seen
/// fifty times) become one write, and the writes walk the B-tree in order.
///
/// The buffer is flushed when it grows past [`TermBuffer::LIMIT`] bytes, after
/// each export file, and always before anything deletes rows (the DELETE
/// triggers work on the table, so it must be current).
///
/// Memory is the point: each flush walks the part of the index its terms
/// fall in, so the fewer flushes the faster a large sync. Terms are packed
/// into one byte arena with a 16-byte entry each (no per-term allocations,
/// no tree nodes) and sorted and merged only when flushed, which holds
/// about three times as many terms in the same memory as a map did.
#[derive(Debug, Default)]
pub(crate) struct TermBuffer {
    /// Every key and member, back to back.
    arena: Vec<u8>,
    entries: Vec<TermEntry>,
}

/// A (key, member) in the arena and its change of `n`.
#[derive(Clone, Copy, Debug)]
struct TermEntry {
    at: u32,
    key_len: u32,
    member_len: u32,
    d: i32,
}

impl TermBuffer {
    /// About 128 MiB of terms, entries included (the sync's peak stays
    /// under 256 MiB: the rest is SQLite's 64 MiB page cache and the reader).
    pub(crate) const LIMIT: usize = 128 << 20;

    fn add(&mut self, key: String, member: &str, d: i64) {
        let at = self.arena.len() as u32;
        self.arena.extend_from_slice(key.as_bytes());
        self.arena.extend_from_slice(member.as_bytes());
        self.entries.push(TermEntry {
            at,
            key_len: key.len() as u32,
            member_len: member.len() as u32,
            d: d as i32,
        });
    }

    pub(crate) fn is_full(&self) -> bool {
        self.arena.len() + self.entries.len() * std::mem::size_of::<TermEntry>() >= Self::LIMIT
    }

    fn parts(&self, e: &TermEntry) -> (&[u8], &[u8]) {
        let k = e.at as usize;
        let m = k + e.key_len as usize;
        (&self.arena[k..m], &self.arena[m..m + e.member_len as usize])
    }

    /// Write every buffered change, in key order, and empty the buffer.
    pub(crate) fn flush(&mut self, conn: &Connection, site: &str) -> Result<()> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let mut entries = std::mem::take(&mut self.entries);
        entries.sort_unstable_by(|a, b| self.parts(a).cmp(&self.parts(b)));
        let mut add = conn.prepare_cached(
            "INSERT INTO search_terms (key, site, member_id, n) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key, site, member_id) DO UPDATE SET n = n + excluded.n",
        )?;
        let mut dec = conn.prepare_cached(
            "UPDATE search_terms SET n = n + ?4 WHERE key = ?1 AND site = ?2 AND member_id = ?3",
        )?;
        let mut del = conn.prepare_cached(
            "DELETE FROM search_terms WHERE key = ?1 AND site = ?2 AND member_id = ?3 AND n <= 0",
        )?;
        // Keys and members went in as `&str`, so each slice is whole UTF-8.
        let text = |b: &[u8]| std::str::from_utf8(b).unwrap_or_default().to_owned();
        let mut i = 0;
        while i < entries.len() {
            let (k, m) = self.parts(&entries[i]);
            let mut d = i64::from(entries[i].d);
            let mut j = i + 1;
            while j < entries.len() && self.parts(&entries[j]) == (k, m) {
                d += i64::from(entries[j].d);
                j += 1;
            }
            match d.cmp(&0) {
                std::cmp::Ordering::Greater => {
                    add.execute(params![text(k), site, text(m), d])?;
                }
                std::cmp::Ordering::Less => {
                    dec.execute(params![text(k), site, text(m), d])?;
                    del.execute(params![text(k), site, text(m)])?;
                }
                std::cmp::Ordering::Equal => {}
            }
            i = j;
        }
        self.arena.clear();
        entries.clear();
        self.entries = entries; // keeps its capacity for the next batch
        Ok(())
    }
}

/// Index a row the sync writes: remove the terms of what it replaces (`old`:
/// member and data), add its own — into `buf`, which the sync flushes inside
/// its transaction.
pub(crate) fn index_row(
    buf: &mut TermBuffer,
    entity: &str,
    old: Option<(Option<&str>, &str)>,
    member: Option<&str>,
    data: &str,
    fields: &Map<String, Value>,
) {
    if !INDEXED.contains(&entity) || !indexing() {
        return;
    }
    if let Some((om, od)) = old {
        if om == member && od == data {
            return;
        }
        let om = om.unwrap_or("");
        for k in row_terms(entity, od) {
            buf.add(k, om, -1);
        }
    }
    let m = member.unwrap_or("");
    for k in fields_terms(entity, fields) {
        buf.add(k, m, 1);
    }
}

/// Keep `pm_recipients` for a private message the sync writes.
pub(crate) fn index_recipients(
    conn: &Connection,
    site: &str,
    id: &str,
    replaced: bool,
    recipients: &[&str],
) -> Result<()> {
    if !indexing() {
        return Ok(());
    }
    if replaced {
        conn.prepare_cached("DELETE FROM pm_recipients WHERE site = ?1 AND message_id = ?2")?
            .execute(params![site, id])?;
    }
    let mut add = conn.prepare_cached(
        "INSERT OR IGNORE INTO pm_recipients (site, member_id, message_id) VALUES (?1, ?2, ?3)",
    )?;
    for r in recipients {
        add.execute(params![site, r, id])?;
    }
    Ok(())
}

// ---- search -----------------------------------------------------------

/// One member (or one helpdesk requester without an account) found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchResult {
    pub site: String,
    /// None for a helpdesk requester who has no account.
    pub member_id: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    /// The member's status; `no_account` for a helpdesk-only requester.
    pub status: String,
    /// What matched, best first (e.g. `email`, `surname_approx`).
    pub matched: Vec<String>,
    /// True for a held member whom production has deleted.
    pub deleted_in_production: bool,
    #[serde(skip)]
    pub score: i64,
}

#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    pub site: Option<String>,
    pub limit: Option<usize>,
}

pub const DEFAULT_LIMIT: usize = 20;
const SCAN_CAP: i64 = 5000;
/// Prefix matches read (alphabetically first): a five-letter prefix of a
/// username can be shared by thousands, and they rank below every exact match.
const PREFIX_CAP: i64 = 200;

#[derive(Default)]
struct Hit {
    score: i64,
    matched: Vec<(i64, String)>,
}

impl Hit {
    fn add(&mut self, score: i64, label: &str) {
        if let Some(m) = self.matched.iter_mut().find(|m| m.1 == label) {
            m.0 = m.0.max(score);
        } else {
            self.matched.push((score, label.to_string()));
        }
    }
}

const EXACT: i64 = 1000;
const PREFIX: i64 = 300;

fn looks_like_ip(q: &str) -> bool {
    q.parse::<std::net::IpAddr>().is_ok()
}

fn looks_like_phone(q: &str) -> bool {
    let digits = q.chars().filter(|c| c.is_ascii_digit()).count();
    digits >= 6
        && q.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

fn looks_like_postcode(q: &str) -> bool {
    let p = norm_postcode(q);
    (5..=8).contains(&p.len())
        && p.chars().all(|c| c.is_ascii_alphanumeric())
        && p.chars().any(|c| c.is_ascii_digit())
        && p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// Allowed edit distance for a query word.
fn allowed_typos(word: &str) -> usize {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

struct Searcher<'c> {
    conn: &'c Connection,
    site: Option<String>,
    hits: HashMap<(String, String), Hit>,
}

impl Searcher<'_> {
    fn exact(&mut self, k: &str, term: &str, label: &str) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT site, member_id FROM search_terms WHERE key = ?1 AND (?2 IS NULL OR site = ?2) LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![key(k, term), self.site, SCAN_CAP], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (s, m) in rows {
            self.hits.entry((s, m)).or_default().add(EXACT, label);
        }
        Ok(())
    }

    /// Keys of `kind` starting with `prefix`: (rest of the term, site, member).
    fn scan(&self, kind: &str, prefix: &str, cap: i64) -> Result<Vec<(String, String, String)>> {
        let lo = key(kind, prefix);
        let hi = format!("{lo}\u{10FFFF}");
        let mut stmt = self.conn.prepare_cached(
            "SELECT key, site, member_id FROM search_terms WHERE key >= ?1 AND key < ?2
               AND (?3 IS NULL OR site = ?3) LIMIT ?4",
        )?;
        let skip = lo.len();
        let rows = stmt
            .query_map(params![lo, hi, self.site, cap], |r| {
                let k: String = r.get(0)?;
                Ok((k[skip..].to_string(), r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn prefix(&mut self, kind: &str, term: &str, label: &str) -> Result<()> {
        for (rest, s, m) in self.scan(kind, term, PREFIX_CAP)? {
            if rest.is_empty() {
                continue;
            }
            self.hits.entry((s, m)).or_default().add(PREFIX, label);
        }
        Ok(())
    }

    /// The distinct words indexed under `kind` and Soundex code `sx`, found
    /// by skipping from one word to the next (a seek each, however many
    /// members share a word): at most `cap` words.
    fn words_under(&self, kind: &str, sx: &str, cap: usize) -> Result<Vec<String>> {
        let lo = key(kind, &format!("{sx}:"));
        let hi = format!("{lo}\u{10FFFF}");
        let mut stmt = self.conn.prepare_cached(
            "SELECT key FROM search_terms WHERE key > ?1 AND key < ?2 ORDER BY key LIMIT 1",
        )?;
        let mut out = Vec::new();
        // Every key under the code is longer than `lo`, so `> lo` finds the first.
        let mut at = lo.clone();
        while out.len() < cap {
            let Some(k) = stmt
                .query_row(params![at, hi], |r| r.get::<_, String>(0))
                .optional()?
            else {
                break;
            };
            out.push(k[lo.len()..].to_string());
            // Past every (site, member) of this word: its key followed by
            // the highest character.
            at = format!("{k}\u{10FFFF}");
        }
        Ok(out)
    }

    /// Names: each query word against first names, surnames and posted-as
    /// names, tolerant of typing mistakes: the words indexed under the
    /// Soundex code of the query word *and of every word one edit away from
    /// it* (a wrong first letter, a wrong consonant) are compared by edit
    /// distance; members follow from the close words.
    fn names(&mut self, words: &[String]) -> Result<()> {
        let mut per_member: HashMap<(String, String), Vec<(i64, String)>> = HashMap::new();
        for (wi, w) in words.iter().enumerate() {
            let allowed = allowed_typos(w);
            let Some(own) = soundex(w) else { continue };
            // A word indexed exactly as typed needs no wider look; otherwise
            // read under the codes of every word one edit away too.
            let mut exact = false;
            for kind in ["fn", "sn", "pa"] {
                exact |= self
                    .conn
                    .prepare_cached("SELECT EXISTS (SELECT 1 FROM search_terms WHERE key = ?1)")?
                    .query_row([key(kind, &format!("{own}:{w}"))], |r| r.get::<_, bool>(0))?;
            }
            let codes: Vec<String> = if allowed == 0 || exact {
                vec![own]
            } else {
                typo_codes(w).into_iter().collect()
            };
            for (kind, label) in [("fn", "first_name"), ("sn", "surname"), ("pa", "posted_as")] {
                let mut close: Vec<(String, usize)> = Vec::new();
                for sx in &codes {
                    for cand in self.words_under(kind, sx, WORDS_PER_CODE)? {
                        let d = strsim::damerau_levenshtein(w, &cand);
                        if d <= allowed {
                            close.push((format!("{sx}:{cand}"), d));
                        }
                    }
                }
                for (term, d) in close {
                    let score = if d == 0 { 100 } else { 70 - 10 * d as i64 };
                    let label = if d == 0 {
                        label.to_string()
                    } else {
                        format!("{label}_approx")
                    };
                    let mut stmt = self.conn.prepare_cached(
                        "SELECT site, member_id FROM search_terms WHERE key = ?1
                           AND (?2 IS NULL OR site = ?2) LIMIT ?3",
                    )?;
                    let rows = stmt
                        .query_map(params![key(kind, &term), self.site, SCAN_CAP], |r| {
                            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                        })?
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    for m in rows {
                        // One best score per query word.
                        per_member
                            .entry(m)
                            .or_default()
                            .push((score * 1000 + wi as i64, label.clone()));
                    }
                }
            }
        }
        for (k, v) in per_member {
            let mut best: HashMap<i64, i64> = HashMap::new();
            for (code, _) in &v {
                let wi = code % 1000;
                let sc = code / 1000;
                let b = best.entry(wi).or_default();
                *b = (*b).max(sc);
            }
            let total: i64 = best.values().sum();
            let hit = self.hits.entry(k).or_default();
            for (code, label) in v {
                let _ = code;
                hit.add(total.min(EXACT - 1), &label);
            }
        }
        Ok(())
    }
}

/// At most this many distinct indexed words are read per Soundex code.
const WORDS_PER_CODE: usize = 400;

/// The Soundex codes of a word and of every word one edit away from it
/// (a letter deleted, inserted, replaced, or two swapped): a typing mistake
/// in the first letter or in a consonant changes the code, so the index is
/// read under each of these.
fn typo_codes(w: &str) -> std::collections::BTreeSet<String> {
    let c: Vec<char> = w.chars().collect();
    let mut out = std::collections::BTreeSet::new();
    let mut add = |v: &[char]| {
        if let Some(sx) = soundex(&v.iter().collect::<String>()) {
            out.insert(sx);
        }
    };
    add(&c);
    for i in 0..=c.len() {
        for l in 'a'..='z' {
            let mut v = c.clone();
            v.insert(i, l);
            add(&v);
            if i < c.len() {
                let mut v = c.clone();
                v[i] = l;
                add(&v);
            }
        }
        if i < c.len() {
            let mut v = c.clone();
            v.remove(i);
            add(&v);
        }
        if i + 1 < c.len() {
            let mut v = c.clone();
            v.swap(i, i + 1);
            add(&v);
        }
    }
    out
}

/// (username, email, status, deleted in production) of a member row.
type MemberSummary = (Option<String>, Option<String>, Option<String>, bool);

/// Run a search on an open connection (no role check, no audit).
pub fn search_conn(
    conn: &Connection,
    query: &str,
    opts: &SearchOptions,
) -> Result<Vec<SearchResult>> {
    let q = query.trim();
    if q.is_empty() {
        return Err(Error::Invalid("the search query is empty".into()));
    }
    let mut s = Searcher {
        conn,
        site: opts.site.clone(),
        hits: HashMap::new(),
    };
    let lower = q.to_lowercase();
    if q.contains('@') && !q.starts_with('@') {
        let e = norm_email(q);
        s.exact("email", &e, "email")?;
        s.exact("social_email", &e, "social_account_email")?;
        s.exact("helpdesk_email", &e, "helpdesk_requester_email")?;
    }
    s.exact("username", &lower, "username")?;
    s.exact("twitter_handle", &norm_twitter(q), "twitter_handle")?;
    if q.contains('.') || q.contains('/') {
        s.exact("blog_url", &norm_url(q), "blog_url")?;
    }
    if looks_like_ip(q) {
        s.exact("signup_ip", &lower, "signup_ip")?;
        s.exact("login_ip", &lower, "login_ip")?;
    }
    if looks_like_phone(q) {
        let p = norm_phone(q);
        s.exact("competition_phone", &p, "competition_phone")?;
        s.exact("listing_phone", &p, "listing_phone")?;
    }
    if looks_like_postcode(q) {
        s.exact("postcode", &norm_postcode(q), "postcode")?;
    }
    let folded = fold(q);
    s.exact("posted_as", &folded, "posted_as")?;
    // Member ids: a point lookup per site.
    let sites: Vec<String> = {
        let mut stmt = conn
            .prepare_cached("SELECT DISTINCT site FROM exports WHERE (?1 IS NULL OR site = ?1)")?;
        let v = stmt
            .query_map([&opts.site], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        v
    };
    for site in &sites {
        let found: Option<String> = conn
            .prepare_cached("SELECT id FROM members WHERE site = ?1 AND id = ?2")?
            .query_row(params![site, q], |r| r.get(0))
            .optional()?;
        if let Some(id) = found {
            s.hits
                .entry((site.clone(), id))
                .or_default()
                .add(EXACT, "member_id");
        }
    }
    if lower.chars().count() >= 3 {
        s.prefix("email", &lower, "email_prefix")?;
        s.prefix("username", &lower, "username_prefix")?;
    }
    let words: Vec<String> = folded
        .split(' ')
        .filter(|w| w.chars().any(|c| c.is_alphabetic()))
        .take(4)
        .map(str::to_string)
        .collect();
    if !q.contains('@') && !words.is_empty() {
        s.names(&words)?;
    }

    let mut ranked: Vec<((String, String), Hit)> = s.hits.into_iter().collect();
    for ((_, member), h) in &mut ranked {
        h.matched.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        h.score = h.matched.first().map(|m| m.0).unwrap_or(0) + h.matched.len() as i64;
        // An account ranks above a helpdesk requester with none, at equal match.
        if member.is_empty() {
            h.score -= 20;
        }
    }
    ranked.sort_by(|a, b| b.1.score.cmp(&a.1.score).then(a.0.cmp(&b.0)));
    ranked.truncate(opts.limit.unwrap_or(DEFAULT_LIMIT));
    let mut out = Vec::with_capacity(ranked.len());
    let mut stmt = conn.prepare_cached(
        "SELECT json_extract(data, '$.username'), json_extract(data, '$.email'),
                json_extract(data, '$.status'), deleted_seq IS NOT NULL
         FROM members WHERE site = ?1 AND id = ?2",
    )?;
    for ((site, member), hit) in ranked {
        let matched = hit.matched.into_iter().map(|m| m.1).collect();
        if member.is_empty() {
            out.push(SearchResult {
                site,
                member_id: None,
                username: None,
                email: if q.contains('@') {
                    Some(norm_email(q))
                } else {
                    None
                },
                status: "no_account".into(),
                matched,
                deleted_in_production: false,
                score: hit.score,
            });
            continue;
        }
        let m: Option<MemberSummary> = stmt
            .query_row(params![site, member], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let (username, email, status, deleted) = m.unwrap_or((None, None, None, false));
        out.push(SearchResult {
            site,
            member_id: Some(member),
            username,
            email,
            status: status.unwrap_or_else(|| "unknown".into()),
            matched,
            deleted_in_production: deleted,
            score: hit.score,
        });
    }
    Ok(out)
}

impl Session {
    /// Search members across sites by any identifier. The query is personal
    /// data: it is kept only in the (encrypted) audit trail.
    pub fn search(
        &self,
        query: &str,
        opts: &SearchOptions,
        now: DateTime<Utc>,
    ) -> Result<Vec<SearchResult>> {
        self.authorize(Action::ReadMembers, now, opts.site.as_deref(), None)?;
        let results = search_conn(&self.conn, query, opts)?;
        self.audit(
            now,
            "search",
            opts.site.as_deref(),
            None,
            Some(json!({"query": query, "site": opts.site, "limit": opts.limit, "results": results.len()})),
            Outcome::Ok,
        )?;
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_codes_cover_a_wrong_first_letter_and_consonant() {
        let codes = typo_codes("smith");
        for typo in ["xmith", "smiyh", "snith", "mith", "smiht", "ssmith"] {
            let want = soundex(typo).unwrap();
            assert!(codes.contains(&want), "{typo}: {want}");
        }
        assert!(codes.contains("S530"));
    }

    #[test]
    fn term_buffer_adds_merges_and_removes_in_one_flush() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE search_terms (key TEXT NOT NULL, site TEXT NOT NULL,
               member_id TEXT NOT NULL, n INTEGER NOT NULL,
               PRIMARY KEY (key, site, member_id)) WITHOUT ROWID;
             INSERT INTO search_terms VALUES ('ip|1', 's', 'm-1', 2), ('ip|2', 's', 'm-1', 1),
               ('ip|3', 's', 'm-1', 1);",
        )
        .unwrap();
        let mut b = TermBuffer::default();
        for _ in 0..3 {
            b.add("ip|1".into(), "m-1", 1); // +3 on an existing term
        }
        b.add("ip|2".into(), "m-1", -1); // its last use goes: the term goes
        b.add("ip|3".into(), "m-1", 1);
        b.add("ip|3".into(), "m-1", -1); // nets to nothing: untouched
        b.add("ip|9".into(), "m-2", 1);
        b.add("ip|9".into(), "m-2", 1); // new, twice
        assert!(!b.is_full());
        b.flush(&conn, "s").unwrap();
        let rows: Vec<(String, String, i64)> = conn
            .prepare("SELECT key, member_id, n FROM search_terms ORDER BY key")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let want = [("ip|1", "m-1", 5), ("ip|3", "m-1", 1), ("ip|9", "m-2", 2)];
        let want: Vec<(String, String, i64)> = want
            .iter()
            .map(|(k, m, n)| (k.to_string(), m.to_string(), *n))
            .collect();
        assert_eq!(rows, want);
        // Flushed: empty again, a second flush writes nothing.
        b.flush(&conn, "s").unwrap();
        let n: i64 = conn
            .query_row("SELECT sum(n) FROM search_terms", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 8);
    }

    #[test]
    fn normalisation() {
        assert_eq!(fold("  Zoë   Ó'Brien "), "zoe o'brien");
        assert_eq!(soundex("robert").as_deref(), Some("R163"));
        assert_eq!(soundex("rupert").as_deref(), Some("R163"));
        assert_eq!(soundex("ashcraft").as_deref(), Some("A261"));
        assert_eq!(norm_postcode("sw1a 1aa"), "SW1A1AA");
        assert_eq!(norm_phone("+44 7700 900123"), "07700900123");
        assert_eq!(norm_phone("07700-900 123"), "07700900123");
        assert_eq!(
            norm_url("https://www.Example.org/blog/"),
            "example.org/blog"
        );
        assert_eq!(norm_twitter("@JaneDoe"), "janedoe");
        let t = row_terms(
            "members",
            r#"{"email":"A@B.org","username":"Jo","first_name":"Zoë","surname":"Smith Jones"}"#,
        );
        assert!(t.contains(&key("email", "a@b.org")));
        assert!(t.contains(&key("fn", "Z000:zoe")));
        assert!(t.contains(&key("sn", "J520:jones")));
    }
}
