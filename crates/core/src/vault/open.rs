//! Opening one of the vault's databases with its key, set up for many
//! processes: a write-ahead log, `synchronous = FULL`, `secure_delete`, and a
//! bounded wait for other writers.

use crate::error::{Error, Result};
use crate::vault::keys::Key;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::Path;
use std::time::Duration;
use zeroize::Zeroizing;

/// Which of the two databases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    /// `vault.db`: the members' data.
    Data,
    /// `logs.db`: users, audit trail, disclosure log, request register.
    Logs,
}

impl Db {
    pub fn file_name(self) -> &'static str {
        match self {
            Db::Data => super::DB_FILE,
            Db::Logs => super::LOGS_FILE,
        }
    }
}

/// The pragma value for a raw SQLCipher key.
fn key_pragma(key: &Key) -> Zeroizing<String> {
    Zeroizing::new(format!("x'{}'", hex::encode(key.as_ref())))
}

/// Whether an SQLite error means another connection holds a lock.
pub fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Whether an SQLite error means a page failed its check or the file's
/// structure is broken.
pub fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// Create an empty database file readable by its owner only (SQLite gives
/// its `-wal` and `-shm` files the same mode).
pub fn create_owner_only(path: &Path) -> Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|e| Error::io(path, e))?;
    Ok(())
}

/// Open `path` (which must exist) with `key`. A wrong key fails here, at the
/// first read. `busy` bounds how long a statement waits for another writer.
pub fn open(path: &Path, key: &Key, db: Db, busy: Duration) -> Result<Connection> {
    if !path.exists() {
        return Err(Error::BadVault {
            path: path.into(),
            what: "the file is missing".into(),
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = keyed(path, flags, key)?;
    conn.busy_timeout(busy)?;
    // The first read proves the key.
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        if is_busy(&e) {
            return Err(e.into());
        }
        if e.sqlite_error_code() == Some(ErrorCode::DiskFull) {
            return Err(Error::Io {
                path: path.into(),
                source: std::io::Error::other("the disk is full"),
            });
        }
        if e.sqlite_error_code() != Some(ErrorCode::NotADatabase) {
            return Err(e.into());
        }
        return Err(Error::BadVault {
            path: path.into(),
            what: "the vault key does not open this database".into(),
        });
    }
    conn.execute_batch(
        "PRAGMA secure_delete = ON;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -65536;
         PRAGMA temp_store = FILE;
         PRAGMA journal_size_limit = 67108864;",
    )?;
    if db == Db::Data {
        super::sqlfn::register(&conn)?;
    }
    Ok(conn)
}

/// A connection to `path` with `key` set. Setting a key never depends on
/// whether the key is right (a wrong key fails at the first read), so a
/// failed `PRAGMA key` is SQLCipher failing to set up its cipher context
/// (seen once in CI, under load, while many test threads opened databases
/// at once): it is tried again on a fresh connection, a few times, before
/// the error is given.
fn keyed(path: &Path, flags: OpenFlags, key: &Key) -> Result<Connection> {
    let k = key_pragma(key);
    let pragma = Zeroizing::new(format!("PRAGMA key = \"{}\";", k.as_str()));
    let mut attempt = 0;
    loop {
        let conn = Connection::open_with_flags(path, flags)?;
        conn.pragma_update(None, "cipher_log_level", "NONE").ok();
        match conn.execute_batch(pragma.as_str()) {
            Ok(()) => return Ok(conn),
            Err(e) if attempt < 4 && !is_busy(&e) => {
                drop(conn);
                attempt += 1;
                std::thread::sleep(Duration::from_millis(20 << attempt));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Change a database's key in place (`PRAGMA rekey`: every page rewritten in
/// one transaction, so it is all or nothing), then prove it: the file must
/// open with the new key on a fresh connection. SQLCipher reports a failed
/// rekey (a full disk) only as a row of the pragma, which a batch ignores,
/// so the statement's rows are read and the result is checked, never assumed.
pub fn rekey(conn: &Connection, new_key: &Key) -> Result<()> {
    let k = key_pragma(new_key);
    let path = conn.path().map(std::path::PathBuf::from);
    {
        let mut stmt = conn.prepare(&format!("PRAGMA rekey = \"{}\";", k.as_str()))?;
        let mut rows = stmt.query([])?;
        while rows.next()?.is_some() {}
    }
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    if let Some(path) = path.filter(|p| !p.as_os_str().is_empty()) {
        let db = if path.file_name().and_then(|n| n.to_str()) == Some(super::LOGS_FILE) {
            Db::Logs
        } else {
            Db::Data
        };
        open(&path, new_key, db, Duration::from_secs(30)).map_err(|_| {
            Error::Invalid(format!(
                "{}: the database could not be given its new key (is the disk full?); \
                 it keeps its old key",
                path.display()
            ))
        })?;
    }
    Ok(())
}

/// The attach statement for `path` under `name` with `key`.
pub fn attach(conn: &Connection, path: &Path, name: &str, key: &Key) -> Result<()> {
    let k = key_pragma(key);
    conn.execute(
        &format!("ATTACH DATABASE ?1 AS {name} KEY \"{}\"", k.as_str()),
        [path.to_string_lossy()],
    )?;
    Ok(())
}

static ROLLBACK_FOR_BENCHMARK: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// For the sync benchmark's comparison only: vaults made from now on in this
/// process keep the rollback journal (the desk before many-process vaults),
/// so the cost of the write-ahead log can be measured on the same code.
#[doc(hidden)]
pub fn use_rollback_journal_for_benchmark(on: bool) {
    ROLLBACK_FOR_BENCHMARK.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Put a database in write-ahead-log mode (needs no other connection in
/// rollback-journal mode; the vault's key lock, held exclusively, ensures it).
pub fn set_wal(conn: &Connection) -> Result<()> {
    if ROLLBACK_FOR_BENCHMARK.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(());
    }
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::BadVault {
            path: "vault".into(),
            what: format!("the database could not use a write-ahead log (journal mode {mode})"),
        });
    }
    Ok(())
}

/// The pages that fail SQLCipher's authentication check (each page's HMAC,
/// checked independently of the others), and nothing else: an empty list
/// for a sound file.
pub fn failing_pages(conn: &Connection) -> Result<Vec<u64>> {
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut pages: Vec<u64> = rows
        .iter()
        .filter_map(|line| {
            line.split(|c: char| !c.is_ascii_digit())
                .rfind(|p| !p.is_empty())
                .and_then(|p| p.parse().ok())
        })
        .collect();
    pages.sort_unstable();
    pages.dedup();
    Ok(pages)
}

/// SQLite's own structural check (`PRAGMA integrity_check`), up to `max`
/// problems; an empty list for a sound file.
pub fn structure_problems(conn: &Connection, max: u32) -> Result<Vec<String>> {
    let run = || -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare(&format!("PRAGMA integrity_check({max})"))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
    };
    // A page that fails decryption stops SQLite's walk (SQLCipher reports
    // it as an error): that is a finding, not a failure of the check.
    Ok(run().unwrap_or_else(|e| {
        vec![format!(
            "the structural check stopped at a page it could not read ({})",
            e.sqlite_error_code()
                .map(|c| format!("{c:?}"))
                .unwrap_or_else(|| "error".into())
        )]
    }))
}

/// A verification failure naming the damaged pages of `file`, if any.
pub fn damage_failure(conn: &Connection, file: &str) -> Result<Option<crate::chain::Failure>> {
    let pages = failing_pages(conn)?;
    if pages.is_empty() {
        return Ok(None);
    }
    Ok(Some(crate::chain::Failure {
        seq: 0,
        kind: crate::chain::FailureKind::Damaged,
        message: format!(
            "{file} is damaged: {} page(s) fail their check ({}): restore it from a backup",
            pages.len(),
            pages
                .iter()
                .take(10)
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }))
}
