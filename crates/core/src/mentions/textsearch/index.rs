//! The text index of a site: turning it on (its rows indexed now, then kept
//! by the triggers of migration 9) and off (its words deleted at once,
//! FTS5's `secure-delete`), which sites have it, and how a row is named in
//! it (`rowid × 16 + entity`).

use super::fmt;
use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressEvent};
use crate::roles::Action;
use crate::session::{Op, Session};
use crate::text::norm::FREE_TEXT;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;

/// The number of an entity in a text-index id.
fn code(entity: &str) -> i64 {
    FREE_TEXT
        .iter()
        .position(|(e, _)| *e == entity)
        .map(|i| i as i64 + 1)
        .unwrap_or(0)
}

/// The entity and rowid of a text-index id.
pub(super) fn entity_of(docid: i64) -> Option<(&'static str, i64)> {
    let c = (docid & 15) as usize;
    (1..=FREE_TEXT.len())
        .contains(&c)
        .then(|| (FREE_TEXT[c - 1].0, docid >> 4))
}

/// A site's text index.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TextIndexSite {
    pub site: String,
    pub enabled: bool,
    pub since: Option<String>,
    pub by: Option<String>,
}

/// Sites whose text index is on.
pub(super) fn indexed_sites(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT site FROM text_index_sites ORDER BY site")?;
    let v = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(v)
}

/// Sites with an export in the vault.
pub(super) fn all_sites(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT DISTINCT site FROM exports ORDER BY site")?;
    let v = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(v)
}

/// Put a site's rows into the text index (the caller's transaction).
fn index_site(conn: &Connection, site: &str, progress: &dyn Progress) -> Result<u64> {
    let mut n = 0;
    for (entity, _) in FREE_TEXT {
        if progress.cancelled() {
            return Err(Error::Cancelled);
        }
        progress.event(ProgressEvent::Stage {
            name: format!("indexing the text of {entity}"),
            total: None,
        });
        n += conn.execute(
            &format!(
                "INSERT INTO text_index (rowid, body)
                 SELECT rowid * 16 + {}, desk_text('{entity}', data) FROM {entity} WHERE site = ?1",
                code(entity)
            ),
            [site],
        )? as u64;
    }
    Ok(n)
}

/// Take a site's rows out of the text index, word by word (secure-delete).
fn unindex_site(conn: &Connection, site: &str, progress: &dyn Progress) -> Result<u64> {
    let mut n = 0;
    for (entity, _) in FREE_TEXT {
        progress.event(ProgressEvent::Stage {
            name: format!("removing the text of {entity}"),
            total: None,
        });
        n += conn.execute(
            &format!(
                "INSERT INTO text_index (text_index, rowid, body)
                 SELECT 'delete', rowid * 16 + {}, desk_text('{entity}', data) FROM {entity} WHERE site = ?1",
                code(entity)
            ),
            [site],
        )? as u64;
    }
    Ok(n)
}

impl Session {
    /// Turn a site's text index on (its rows are indexed now, then kept by
    /// the sync) or off (its words are deleted from the index). Returns the
    /// rows indexed or removed.
    pub fn text_index_set(
        &self,
        site: &str,
        on: bool,
        now: DateTime<Utc>,
        progress: &dyn Progress,
    ) -> Result<u64> {
        let event = if on {
            "text_index_on"
        } else {
            "text_index_off"
        };
        let op = Op::data(Action::Sync, event).on(Some(site), None);
        self.door(op, now, |tx| {
            let data = tx.data()?;
            if !all_sites(data)?.iter().any(|s| s == site) {
                return Err(Error::NotFound(format!("no site {site} in the vault")));
            }
            let is_on = indexed_sites(data)?.iter().any(|s| s == site);
            let n = match (on, is_on) {
                (true, true) => {
                    return Err(Error::Conflict(format!(
                        "the text index of {site} is already on"
                    )))
                }
                (false, false) => {
                    return Err(Error::Conflict(format!(
                        "the text index of {site} is already off"
                    )))
                }
                (true, false) => {
                    data.execute(
                        "INSERT INTO text_index_sites (site, since, by) VALUES (?1, ?2, ?3)",
                        params![site, fmt(now), tx.user.name],
                    )?;
                    index_site(data, site, progress)?
                }
                (false, true) => {
                    let n = unindex_site(data, site, progress)?;
                    data.execute("DELETE FROM text_index_sites WHERE site = ?1", [site])?;
                    if indexed_sites(data)?.is_empty() {
                        data.execute(
                            "INSERT INTO text_index (text_index) VALUES ('delete-all')",
                            [],
                        )?;
                    }
                    n
                }
            };
            tx.detail(json!({"rows": n}));
            Ok(n)
        })
    }

    /// Every site and whether its text index is on (no member data).
    pub fn text_index_status(&self, now: DateTime<Utc>) -> Result<Vec<TextIndexSite>> {
        self.door(Op::quiet(Action::ReadMembers), now, |tx| {
            let data = tx.data()?;
            let mut out = Vec::new();
            for site in all_sites(data)? {
                let on: Option<(String, String)> = data
                    .query_row(
                        "SELECT since, by FROM text_index_sites WHERE site = ?1",
                        [&site],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                out.push(TextIndexSite {
                    site,
                    enabled: on.is_some(),
                    since: on.as_ref().map(|o| o.0.clone()),
                    by: on.map(|o| o.1),
                });
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    /// Whether any page of the index holds `word` after a row holding it was
    /// deleted, with and without FTS5's `secure-delete`: what makes the text
    /// index erasure-safe.
    fn left_behind(secure: bool) -> bool {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(body, content='', detail=none, columnsize=0,
               tokenize='unicode61 remove_diacritics 2');",
        )
        .unwrap();
        if secure {
            c.execute_batch("INSERT INTO t (t, rank) VALUES ('secure-delete', 1)")
                .unwrap();
        }
        for (id, text) in [
            (1, "a quixotic zephyr"),
            (2, "nothing to see"),
            (3, "more words here"),
        ] {
            c.execute(
                "INSERT INTO t (rowid, body) VALUES (?1, ?2)",
                rusqlite::params![id, text],
            )
            .unwrap();
        }
        c.execute(
            "INSERT INTO t (t, rowid, body) VALUES ('delete', 1, 'a quixotic zephyr')",
            [],
        )
        .unwrap();
        let found: bool = c
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM t WHERE t MATCH 'zephyr')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(!found, "the row is gone from the answers either way");
        let mut stmt = c.prepare("SELECT block FROM t_data").unwrap();
        let pages: Vec<Vec<u8>> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        pages.iter().any(|p| p.windows(6).any(|w| w == b"zephyr"))
    }

    #[test]
    fn secure_delete_is_what_removes_a_deleted_rows_words() {
        assert!(
            left_behind(false),
            "without it, the words stay until a merge"
        );
        assert!(!left_behind(true), "with it, they are gone at once");
    }
}
