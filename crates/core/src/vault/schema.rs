//! The vault's schema, as an ordered list of migrations. A shipped migration is
//! never edited: a change is a new migration at the end. `PRAGMA user_version`
//! records how many have been applied; a vault with more than this desk knows
//! is refused.

use crate::entity::Entity;
use crate::error::{Error, Result};
use rusqlite::Connection;

/// Migration 1: users, audit trail, exports, holds, and one table per entity.
fn migration_1() -> String {
    let mut sql = String::from(
        "
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE users (
            name TEXT PRIMARY KEY COLLATE NOCASE,
            role TEXT NOT NULL CHECK (role IN ('dpo', 'staff', 'auditor')),
            slot_tag TEXT NOT NULL UNIQUE,
            public_key BLOB NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT
        );
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT,
            action TEXT NOT NULL,
            site TEXT,
            member_id TEXT,
            outcome TEXT NOT NULL,
            detail TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE TABLE exports (
            site TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            kind TEXT NOT NULL,
            base_sequence INTEGER,
            generated_at TEXT NOT NULL,
            synced_at TEXT NOT NULL,
            synced_by TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            files TEXT NOT NULL,
            PRIMARY KEY (site, sequence)
        );
        CREATE TABLE holds (
            site TEXT NOT NULL,
            member_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            set_at TEXT NOT NULL,
            set_by TEXT NOT NULL,
            PRIMARY KEY (site, member_id)
        );
        ",
    );
    for e in Entity::DATA {
        let t = e.name();
        // `seq`: the export (of `site`) that last wrote the row (provenance);
        // `line`: its line in that export's file; `deleted_seq`/`deleted_at`:
        // set only for a held member's row that production has deleted.
        sql.push_str(&format!(
            "CREATE TABLE {t} (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX {t}_id ON {t} (site, id);
            CREATE INDEX {t}_member ON {t} (site, member_id);
            "
        ));
    }
    sql
}

/// Every migration, in order. Index i takes the schema from version i to i+1.
fn migrations() -> Vec<String> {
    vec![
        migration_1(),
        crate::disclosure::migration(),
        crate::search::migration_sql(),
        crate::requests::migration(),
        crate::privacy::migration(),
        crate::conflicts::migration(),
    ]
}

/// The schema version this desk writes.
pub fn latest_version() -> i64 {
    migrations().len() as i64
}

/// Bring the database up to date, refusing one written by a newer desk.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let all = migrations();
    let latest = all.len() as i64;
    if found > latest {
        return Err(Error::NewerVault {
            found,
            supported: latest,
        });
    }
    for (i, sql) in all.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
