//! Keeping the search index exact inside the sync's transaction.
//!
//! The index is one table, `search_terms (key, site, member_id, n)`. A key is
//! `kind \x1f normalised-term` ([`crate::text::terms`]); `n` counts the rows
//! of that member that carry the term (a member's 300 posts under one
//! `posted_as` name are one entry). The sync's row writer calls [`index_row`]
//! for every row it inserts or replaces, and DELETE triggers on the entity
//! tables (frozen in migration 3) remove a row's terms on every delete path
//! (cascades, the full export's sweep, deletions, the purge on a hold lift),
//! computing them with the SQL function `desk_term(entity, data, i)`
//! ([`crate::vault::sqlfn`]). Private-message recipients are kept in
//! `pm_recipients` the same way, for the member record.

use crate::error::Result;
use crate::text::terms::{fields_terms, row_terms, INDEXED};
use rusqlite::{params, Connection};
use serde_json::{Map, Value};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
