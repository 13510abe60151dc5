//! The vault (`vault-and-access-v1.md` §1): a directory with two SQLCipher
//! databases, each opened by its own random key, and per-user keyslots.
//!
//! ```text
//! <vault>/
//!   vault.db            the members' data, search index, holds (data key: dpo, staff)
//!   logs.db             users, audit trail, disclosure log, request register,
//!                       privacy facts (logs key: every user)
//!   keyslots.json       per user: their secrets under their password, their keys sealed
//!   keys.lock           shared by every use case, exclusive for key operations
//!   keys.gate           its turnstile: a waiting key operation closes it
//!   keyop.json          only while a key operation runs (its recovery record)
//!   activity/           who is doing long or writing work, while they do it
//!   failed-unlocks.log  wrong passwords, until the next sign-in moves them in
//! ```
//!
//! Both databases use a write-ahead log (readers see one snapshot and are
//! never blocked by a writer) with `synchronous = FULL` (a committed
//! transaction survives a power cut) and `secure_delete`.

pub mod keys;
pub mod lock;
pub mod migrate;
pub mod open;
pub mod raw;
pub mod sqlfn;

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

pub const DB_FILE: &str = "vault.db";
pub const LOGS_FILE: &str = "logs.db";
pub const SLOTS_FILE: &str = "keyslots.json";
pub const FAILED_UNLOCKS_FILE: &str = "failed-unlocks.log";
pub const KEY_LOCK_FILE: &str = "keys.lock";
pub const KEYOP_FILE: &str = "keyop.json";
pub const ACTIVITY_DIR: &str = "activity";

/// Every name a vault directory may hold (the databases' `-wal`, `-shm` and
/// `-journal` files included): what `desk demo --replace` may remove.
pub const FILES: &[&str] = &[
    DB_FILE,
    "vault.db-wal",
    "vault.db-shm",
    "vault.db-journal",
    LOGS_FILE,
    "logs.db-wal",
    "logs.db-shm",
    "logs.db-journal",
    SLOTS_FILE,
    "keyslots.json.pending",
    FAILED_UNLOCKS_FILE,
    KEY_LOCK_FILE,
    lock::KEY_GATE_FILE,
    KEYOP_FILE,
    ACTIVITY_DIR,
    "failed-unlocks.seen",
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
    pub fn logs(&self) -> PathBuf {
        self.dir.join(LOGS_FILE)
    }
    pub fn slots(&self) -> PathBuf {
        self.dir.join(SLOTS_FILE)
    }
    pub fn failed_unlocks(&self) -> PathBuf {
        self.dir.join(FAILED_UNLOCKS_FILE)
    }
    pub fn key_lock(&self) -> PathBuf {
        self.dir.join(KEY_LOCK_FILE)
    }
    pub fn keyop(&self) -> PathBuf {
        self.dir.join(KEYOP_FILE)
    }
    pub fn activity_dir(&self) -> PathBuf {
        self.dir.join(ACTIVITY_DIR)
    }
    pub fn exists(&self) -> bool {
        self.slots().exists() || self.db().exists()
    }
}

/// Say plainly when a directory is not a vault (before anything is
/// created or locked in it).
pub fn ensure_vault(paths: &VaultPaths) -> Result<()> {
    if !paths.slots().exists() || !paths.db().exists() {
        return Err(Error::BadVault {
            path: paths.dir.clone(),
            what: "no vault here (run `desk init` to create one)".into(),
        });
    }
    Ok(())
}

/// Read the vault's keyslot file, or say plainly that this is not a vault.
pub fn read_slots(paths: &VaultPaths) -> Result<keys::SlotFile> {
    ensure_vault(paths)?;
    keys::SlotFile::read(&paths.slots())
}

/// Make a file or directory of the vault its owner's alone.
pub fn owner_only(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if path.is_dir() { 0o700 } else { 0o600 };
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = path;
}
