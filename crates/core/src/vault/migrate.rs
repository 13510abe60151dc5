//! The vault's schema: an ordered list of frozen SQL files, one per
//! migration, never edited once shipped (a test holds each file's SHA-256).
//! A change is a new file at the end.
//!
//! Both databases record how many migrations they have had in
//! `PRAGMA user_version`, and always the same number. A migration runs with
//! `logs.db` attached as `logs`, both in rollback-journal mode, so that one
//! touching both files commits in both or in neither; the key lock is held
//! exclusively throughout. A vault with more migrations than this desk knows
//! is refused.
//!
//! SQL functions a migration may call are registered on the migrating
//! connection: `desk_terms`/`desk_term` (the search keys, [`super::sqlfn`])
//! and `desk_seal_field` (seals a text under the field key).

use crate::error::{Error, Result};
use crate::vault::keys::Key;
use crate::vault::open;
use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;
use std::path::Path;

/// One migration: its file name and SQL.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! migration {
    ($name:literal) => {
        Migration {
            name: $name,
            sql: include_str!(concat!("migrations/", $name, ".sql")),
        }
    };
}

/// Every migration, in order. Index i takes the schema from version i to i+1.
pub const MIGRATIONS: &[Migration] = &[
    migration!("0001_members_audit_exports_holds"),
    migration!("0002_disclosures"),
    migration!("0003_search_index"),
    migration!("0004_requests"),
    migration!("0005_privacy_facts"),
    migration!("0006_conflict_check"),
    migration!("0007_split_logs"),
    migration!("0008_signatures"),
    migration!("0009_mentions"),
    migration!("0010_review"),
    migration!("0011_review_mentions"),
    migration!("0012_text_norm_v2"),
];

/// The first migration after which `logs.db` exists.
pub const SPLIT: i64 = 7;

/// The schema version this desk writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

pub fn user_version(conn: &Connection, schema: &str) -> Result<i64> {
    Ok(conn.query_row(&format!("PRAGMA {schema}.user_version"), [], |r| r.get(0))?)
}

/// Refuse a database written by a newer desk.
pub fn check_not_newer(found: i64) -> Result<()> {
    let latest = latest_version();
    if found > latest {
        return Err(Error::NewerVault {
            found,
            supported: latest,
        });
    }
    Ok(())
}

/// Register `desk_seal_field(text)`: the text sealed under `field_key`.
pub fn register_seal(conn: &Connection, field_key: &Key) -> Result<()> {
    let key = field_key.clone();
    conn.create_scalar_function(
        "desk_seal_field",
        1,
        FunctionFlags::SQLITE_UTF8,
        move |ctx| {
            let text: String = ctx.get(0)?;
            crate::vault::raw::seal_field(&key, &text)
                .map_err(|e| rusqlite::Error::UserFunctionError(e.to_string().into()))
        },
    )?;
    Ok(())
}

/// Bring `data` (`vault.db`, in rollback-journal mode, no other connection
/// open: the caller holds the key lock exclusively) and `logs.db` up to date.
/// `logs.db` is created (owner-only) when the split is among the pending
/// migrations. Leaves both in write-ahead-log mode.
pub fn migrate(
    data: &mut Connection,
    logs_path: &Path,
    logs_key: &Key,
    field_key: &Key,
) -> Result<()> {
    let found = user_version(data, "main")?;
    check_not_newer(found)?;
    let latest = latest_version();
    if found == latest {
        return Ok(());
    }
    data.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
    if !logs_path.exists() {
        if found >= SPLIT {
            return Err(Error::BadVault {
                path: logs_path.into(),
                what: "the logs database is missing".into(),
            });
        }
        open::create_owner_only(logs_path)?;
    }
    open::attach(data, logs_path, "logs", logs_key)?;
    data.query_row("PRAGMA logs.journal_mode = DELETE", [], |_| Ok(()))?;
    if found >= SPLIT {
        let lv = user_version(data, "logs")?;
        if lv != found {
            return Err(Error::BadVault {
                path: logs_path.into(),
                what: format!(
                    "the logs database is at schema version {lv} but the data at {found}: \
                     they belong to different vaults or one was restored from a backup alone"
                ),
            });
        }
    }
    register_seal(data, field_key)?;
    for (i, m) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = data.transaction()?;
        tx.execute_batch(m.sql).map_err(|e| Error::BadVault {
            path: logs_path.parent().unwrap_or(logs_path).into(),
            what: format!("migration {} failed: {e}", m.name),
        })?;
        let v = (i + 1) as i64;
        tx.execute_batch(&format!(
            "PRAGMA main.user_version = {v}; PRAGMA logs.user_version = {v};"
        ))?;
        tx.commit()?;
    }
    data.execute_batch("DETACH DATABASE logs")?;
    open::set_wal(data)?;
    Ok(())
}

/// Put `logs.db` in write-ahead-log mode after a migration (its own connection).
pub fn logs_wal(logs: &Connection) -> Result<()> {
    open::set_wal(logs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// Shipped migrations are frozen: each file's SHA-256 is held here. A
    /// failure means a shipped migration was edited — add a new one instead.
    #[test]
    fn shipped_migrations_are_never_edited() {
        let frozen: &[(&str, &str)] = &[
            (
                "0001_members_audit_exports_holds",
                "47b8482b709529fb4811faabb774236165328a9351a2c3f321a33ed0ffb2ba7d",
            ),
            (
                "0002_disclosures",
                "05a1d369dd1776b9a8270acc3260b8dd2106abad3df5f2214c7cf940d64ddf32",
            ),
            (
                "0003_search_index",
                "a59eb79cbfc2aa322445b1b5009ad0fb4bc4bf0ea2fc804a70001d6f9d46257d",
            ),
            (
                "0004_requests",
                "0a8068a90987bed2befb299f9ad3ff5485f74ffc5d0c3f2e88291e086f3a805b",
            ),
            (
                "0005_privacy_facts",
                "5d8226eaae513a969152f8d2ef70d405301d5db8414c6a337f2484ba3b3b39d6",
            ),
            (
                "0006_conflict_check",
                "ec50ffac498d4bcd6a86a8d6258d39cc4e418fc87a617937c11ea8d5e2f798ed",
            ),
            (
                "0007_split_logs",
                "117b95f4abad771dcc861fc9ffbd3ac7f858872c91b36794bc9e2fa58918f197",
            ),
            (
                "0008_signatures",
                "abb7b41fb624cb46e4d24ad13029eee5a2673b677f174a3708f18c35a235a08d",
            ),
            (
                "0009_mentions",
                "543bfc063ccaf792e2e958f0c5a364c3419a6c04870192b8dc479130dbec6047",
            ),
            (
                "0010_review",
                "48de98d4b1e0dd6cdbf7660209ee4bb2b0aabe57caa1139cfecbcbe5208518f3",
            ),
            (
                "0011_review_mentions",
                "f0da0d595d938069645c103fc920b5a5a4fa141aabf608b07aa4502302cee16d",
            ),
            (
                "0012_text_norm_v2",
                "5dbed395138e70c4d41a0d405c2966d60a9e4a90e9311af0a7e508904f38f1a9",
            ),
        ];
        assert_eq!(
            frozen.len(),
            MIGRATIONS.len(),
            "a new migration needs its hash here"
        );
        for (m, (name, hash)) in MIGRATIONS.iter().zip(frozen) {
            assert_eq!(m.name, *name);
            let got = hex::encode(Sha256::digest(m.sql.as_bytes()));
            assert_eq!(&got, hash, "migration {name} was edited after it shipped");
        }
    }
}
