//! Member search across sites (issue: "find anyone, see everything"): the
//! use case, the index kept by the sync ([`index`]), the query and its
//! ranking ([`query`]), and rebuilding the index when the desk's key rules
//! ([`crate::text::terms::TERMS_VERSION`]) differ from those it was built with.

pub mod index;
pub mod query;

use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressEvent};
use crate::roles::Action;
use crate::session::{Op, Session};
use crate::text::terms::TERMS_VERSION;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

pub use crate::text::terms::{fields_terms, max_terms, row_terms, INDEXED, NAME_WORDS};
pub use crate::text::{
    fold, norm_email, norm_phone, norm_postcode, norm_twitter, norm_url, soundex,
};
pub use index::set_indexing_for_benchmark;
pub(crate) use index::{index_recipients, index_row, TermBuffer};
pub use query::{search_conn, SearchOptions, SearchResult, DEFAULT_LIMIT};

/// The key rules the vault's index was built with.
pub fn index_version(data: &Connection) -> Result<u32> {
    let v: Option<String> = data
        .query_row(
            "SELECT value FROM meta WHERE key = 'search_terms_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Whether the index was built with other key rules than this desk's: it
/// must be rebuilt ([`Session::search_reindex`]) before searching.
pub(crate) fn index_stale(data: &Connection) -> Result<bool> {
    Ok(index_version(data)? != TERMS_VERSION)
}

/// Refuse to search an index built with other key rules: it would miss.
fn check_index(data: &Connection) -> Result<()> {
    let v = index_version(data)?;
    if v != TERMS_VERSION {
        return Err(Error::Invalid(format!(
            "the search index was built by another version of the desk (rules {v}, this desk {TERMS_VERSION}): \
             rebuild it first (`desk reindex`, or Rebuild on the app's Home)"
        )));
    }
    Ok(())
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
        let op = Op::logs(Action::ReadMembers, "search").on(opts.site.as_deref(), None);
        self.door(op, now, |tx| {
            let data = tx.data()?;
            check_index(data)?;
            let results = search_conn(data, query, opts)?;
            tx.detail(json!({"query": query, "site": opts.site, "limit": opts.limit, "results": results.len()}));
            Ok(results)
        })
    }

    /// Whether the search index must be rebuilt before searching.
    pub fn search_index_stale(&self, now: DateTime<Utc>) -> Result<bool> {
        self.door(Op::quiet(Action::ReadMembers), now, |tx| {
            index_stale(tx.data()?)
        })
    }

    /// Rebuild the search index from the stored rows with this desk's key
    /// rules (a data write: it takes its turn with the sync). Cancelling
    /// keeps the old index.
    pub fn search_reindex(&self, now: DateTime<Utc>, progress: &dyn Progress) -> Result<u64> {
        self.door(Op::data(Action::Sync, "search_reindex"), now, |tx| {
            let data = tx.data()?;
            let from = index_version(data)?;
            data.execute("DELETE FROM search_terms", [])?;
            let mut terms = 0u64;
            for t in INDEXED {
                if progress.cancelled() {
                    return Err(Error::Cancelled);
                }
                progress.event(ProgressEvent::Stage {
                    name: format!("indexing {t}"),
                    total: None,
                });
                terms += data.execute(
                    &format!(
                        "INSERT INTO search_terms (key, site, member_id, n)
                         SELECT value, r.site, coalesce(r.member_id, ''), 1
                         FROM {t} r, json_each(desk_terms('{t}', r.data)) WHERE true
                         ON CONFLICT (key, site, member_id) DO UPDATE SET n = n + 1"
                    ),
                    [],
                )? as u64;
            }
            data.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('search_terms_version', ?1)",
                [TERMS_VERSION.to_string()],
            )?;
            tx.detail(json!({"from_rules": from, "to_rules": TERMS_VERSION, "terms": terms}));
            Ok(terms)
        })
    }
}
