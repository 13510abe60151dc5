//! Querying the index and ranking what it finds (pure reads on `vault.db`).
//!
//! Normalisation ([`crate::text`]): emails and usernames lowercased; names
//! accent-folded and lowercased, each word also under its Soundex code
//! (`fn`/`sn`/`pa` keys `CODE:word`) so a typo is found by scanning the code
//! and ranking by edit distance; postcodes without spaces, uppercased;
//! phones as digits (`+44` → `0`); Twitter handles without `@`; blog URLs
//! without scheme, `www.` and trailing `/`.

use crate::error::{Error, Result};
use crate::text::terms::key;
use crate::text::{fold, norm_email, norm_phone, norm_postcode, norm_twitter, norm_url, soundex};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::collections::HashMap;

/// One member (or one helpdesk requester without an account) found.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    s.identifiers(q)?;
    s.member_ids(q)?;
    let lower = q.to_lowercase();
    if lower.chars().count() >= 3 {
        s.prefix("email", &lower, "email_prefix")?;
        s.prefix("username", &lower, "username_prefix")?;
    }
    let words: Vec<String> = fold(q)
        .split(' ')
        .filter(|w| w.chars().any(|c| c.is_alphabetic()))
        .take(4)
        .map(str::to_string)
        .collect();
    if !q.contains('@') && !words.is_empty() {
        s.names(&words)?;
    }
    let ranked = rank(s.hits, opts.limit.unwrap_or(DEFAULT_LIMIT));
    results(conn, q, ranked)
}

impl Searcher<'_> {
    /// Exact matches of every kind of identifier the query may be.
    fn identifiers(&mut self, q: &str) -> Result<()> {
        let lower = q.to_lowercase();
        if q.contains('@') && !q.starts_with('@') {
            let e = norm_email(q);
            self.exact("email", &e, "email")?;
            self.exact("social_email", &e, "social_account_email")?;
            self.exact("helpdesk_email", &e, "helpdesk_requester_email")?;
        }
        self.exact("username", &lower, "username")?;
        self.exact("twitter_handle", &norm_twitter(q), "twitter_handle")?;
        if q.contains('.') || q.contains('/') {
            self.exact("blog_url", &norm_url(q), "blog_url")?;
        }
        if looks_like_ip(q) {
            self.exact("signup_ip", &lower, "signup_ip")?;
            self.exact("login_ip", &lower, "login_ip")?;
        }
        if looks_like_phone(q) {
            let p = norm_phone(q);
            self.exact("competition_phone", &p, "competition_phone")?;
            self.exact("listing_phone", &p, "listing_phone")?;
        }
        if looks_like_postcode(q) {
            self.exact("postcode", &norm_postcode(q), "postcode")?;
        }
        self.exact("posted_as", &fold(q), "posted_as")
    }

    /// Member ids: a point lookup per site.
    fn member_ids(&mut self, q: &str) -> Result<()> {
        let sites: Vec<String> = self
            .conn
            .prepare_cached("SELECT DISTINCT site FROM exports WHERE (?1 IS NULL OR site = ?1)")?
            .query_map([&self.site], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for site in sites {
            let found: Option<String> = self
                .conn
                .prepare_cached("SELECT id FROM members WHERE site = ?1 AND id = ?2")?
                .query_row(params![site, q], |r| r.get(0))
                .optional()?;
            if let Some(id) = found {
                self.hits
                    .entry((site, id))
                    .or_default()
                    .add(EXACT, "member_id");
            }
        }
        Ok(())
    }
}

/// The best `limit` hits: each one's matches best first, scored by its best
/// match and how many there are.
fn rank(hits: HashMap<(String, String), Hit>, limit: usize) -> Vec<((String, String), Hit)> {
    let mut ranked: Vec<((String, String), Hit)> = hits.into_iter().collect();
    for ((_, member), h) in &mut ranked {
        h.matched.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        h.score = h.matched.first().map(|m| m.0).unwrap_or(0) + h.matched.len() as i64;
        // An account ranks above a helpdesk requester with none, at equal match.
        if member.is_empty() {
            h.score -= 20;
        }
    }
    ranked.sort_by(|a, b| b.1.score.cmp(&a.1.score).then(a.0.cmp(&b.0)));
    ranked.truncate(limit);
    ranked
}

/// What each ranked hit is: a member (from its row) or a helpdesk requester
/// with no account.
fn results(
    conn: &Connection,
    q: &str,
    ranked: Vec<((String, String), Hit)>,
) -> Result<Vec<SearchResult>> {
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
}
