//! The vault (`vault-and-access-v1.md` §1): a directory with a SQLCipher
//! database opened by a random vault key, and per-user keyslots.

pub mod keyslot;
pub mod schema;

use crate::error::{Error, Result};
use keyslot::{SlotFile, VaultKey};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub const DB_FILE: &str = "vault.db";
pub const SLOTS_FILE: &str = "keyslots.json";
pub const FAILED_UNLOCKS_FILE: &str = "failed-unlocks.log";
/// A keyslot change waiting to be applied at the next unlock.
pub const PENDING_SLOTS_FILE: &str = "keyslots.json.pending";
/// SQLite's rollback journal (`journal_mode = DELETE`), present mid-commit.
pub const JOURNAL_FILE: &str = "vault.db-journal";

/// Every file a vault directory may hold (what may be removed with it).
pub const FILES: [&str; 5] = [
    DB_FILE,
    JOURNAL_FILE,
    SLOTS_FILE,
    PENDING_SLOTS_FILE,
    FAILED_UNLOCKS_FILE,
];

/// The files of a vault directory.
#[derive(Clone, Debug)]
pub struct VaultPaths {
    pub dir: PathBuf,
}

impl VaultPaths {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        VaultPaths { dir: dir.into() }
    }
    pub fn db(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }
    pub fn slots(&self) -> PathBuf {
        self.dir.join(SLOTS_FILE)
    }
    pub fn failed_unlocks(&self) -> PathBuf {
        self.dir.join(FAILED_UNLOCKS_FILE)
    }
    pub fn exists(&self) -> bool {
        self.slots().exists() || self.db().exists()
    }
}

/// The pragma value for a raw SQLCipher key.
fn key_pragma(key: &VaultKey) -> Zeroizing<String> {
    Zeroizing::new(format!("x'{}'", hex::encode(key.as_ref())))
}

/// Open the database with `key`, set it up for durability and secure
/// deletion, and migrate it. A wrong key fails here, at the first read.
pub fn open_db(path: &Path, key: &VaultKey) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "cipher_log_level", "NONE").ok();
    {
        let k = key_pragma(key);
        conn.execute_batch(&format!("PRAGMA key = \"{}\";", k.as_str()))?;
    }
    // The first read proves the key.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|_| Error::BadVault {
        path: path.into(),
        what: "the vault key does not open this database".into(),
    })?;
    conn.execute_batch(
        "PRAGMA secure_delete = ON;
         PRAGMA journal_mode = DELETE;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -65536;
         PRAGMA temp_store = FILE;",
    )?;
    crate::search::register_functions(&conn)?;
    schema::migrate(&mut conn)?;
    Ok(conn)
}

/// Change the database's key in place (`PRAGMA rekey`).
pub fn rekey_db(conn: &Connection, new_key: &VaultKey) -> Result<()> {
    let k = key_pragma(new_key);
    conn.execute_batch(&format!("PRAGMA rekey = \"{}\";", k.as_str()))?;
    Ok(())
}

/// Read the vault's keyslot file, or say plainly that this is not a vault.
pub fn read_slots(paths: &VaultPaths) -> Result<SlotFile> {
    if !paths.slots().exists() || !paths.db().exists() {
        return Err(Error::BadVault {
            path: paths.dir.clone(),
            what: "no vault here (run `desk init` to create one)".into(),
        });
    }
    SlotFile::read(&paths.slots())
}
