//! The slot file, `keyslots.json`: its format and version, one slot per
//! user found by a tag (never the name), and the check values of the keys
//! that open the databases.

use super::{KdfCost, Key, KeySet};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// One user's slot, as stored in `keyslots.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// Derived from the vault id and the user name; not the name.
    pub tag: String,
    pub kdf: String,
    pub cost: KdfCost,
    pub salt: String,
    pub aead: String,
    pub nonce: String,
    /// The user's secrets (X25519 secret key, then the Ed25519 signing seed;
    /// a version 1 slot holds only the first), encrypted under the KEK.
    pub wrapped_secret: String,
    /// The user's keys ([`KeySet`]), sealed to their X25519 public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_keys: Option<String>,
    /// Version 1: the one vault key, sealed to the user's public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_vault_key: Option<String>,
}

/// The whole `keyslots.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotFile {
    pub format: String,
    pub version: u32,
    pub vault_id: String,
    /// Grows with every write: a process that sees a new generation
    /// re-reads its keys before it uses the vault again.
    #[serde(default)]
    pub generation: u64,
    pub slots: Vec<Slot>,
    /// Per database file, a check value of the key that opens it
    /// ([`key_check`]): when a file will not open with a key whose check
    /// value matches, the file is damaged, not the key wrong.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub checks: std::collections::BTreeMap<String, String>,
}

/// A key's check value: SHA-256 of a label and the key (reveals nothing of
/// the key; tells a right key from a wrong one).
pub fn key_check(key: &Key) -> String {
    let mut h = Sha256::new();
    h.update(b"privacy-desk key check v1\0");
    h.update(key.as_ref());
    hex::encode(&h.finalize()[..16])
}

pub(super) const FORMAT: &str = "privacy-desk-keyslots";
pub(super) const KDF: &str = "argon2id";
pub(super) const AEAD: &str = "xchacha20poly1305";
/// The slot file version this desk writes.
pub const SLOTS_VERSION: u32 = 2;

/// The slot tag for a user name (case-insensitive names).
pub fn slot_tag(vault_id: &str, user: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"privacy-desk keyslot tag v1\0");
    h.update(vault_id.as_bytes());
    h.update(b"\0");
    h.update(user.to_lowercase().as_bytes());
    hex::encode(h.finalize())
}

impl SlotFile {
    pub fn new(vault_id: &str) -> Self {
        SlotFile {
            format: FORMAT.into(),
            version: SLOTS_VERSION,
            vault_id: vault_id.into(),
            generation: 0,
            slots: Vec::new(),
            checks: Default::default(),
        }
    }

    /// Read and check a slot file (version 1 or 2).
    pub fn read(path: &Path) -> Result<SlotFile> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.len() > 16 * 1024 * 1024 {
            return Err(Error::BadVault {
                path: path.into(),
                what: "the keyslot file is far larger than any vault's".into(),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let f: SlotFile = serde_json::from_str(&text).map_err(|e| Error::BadVault {
            path: path.into(),
            what: format!("not a keyslot file ({e})"),
        })?;
        if f.format != FORMAT || !(1..=SLOTS_VERSION).contains(&f.version) {
            return Err(Error::BadVault {
                path: path.into(),
                what: "not a keyslot file of a version this desk reads".into(),
            });
        }
        Ok(f)
    }

    /// Write atomically (a temporary file beside it, synced, renamed;
    /// owner-only), as the next generation.
    pub fn write(&mut self, path: &Path) -> Result<()> {
        self.generation += 1;
        self.version = SLOTS_VERSION;
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::Crypto(format!("keyslots: {e}")))?;
        crate::fsutil::write_atomic(path, text.as_bytes())
    }

    pub fn find(&self, tag: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.tag == tag)
    }

    /// Record the check values of the keys that open the databases.
    pub fn set_checks(&mut self, keys: &KeySet) {
        self.checks
            .insert(crate::vault::LOGS_FILE.to_string(), key_check(&keys.logs));
        if let Some(d) = &keys.data {
            self.checks
                .insert(crate::vault::DB_FILE.to_string(), key_check(d));
        }
    }

    /// Whether `key` is the one recorded for `file` (None: nothing recorded).
    pub fn key_matches(&self, file: &str, key: &Key) -> Option<bool> {
        self.checks.get(file).map(|c| *c == key_check(key))
    }

    /// Put `slot` in place of the one with its tag (or add it).
    pub fn upsert(&mut self, slot: Slot) {
        match self.slots.iter_mut().find(|s| s.tag == slot.tag) {
            Some(s) => *s = slot,
            None => self.slots.push(slot),
        }
    }
}
