//! Keyslots (`vault-and-access-v1.md` §1): the vault's random keys, wrapped
//! once per user so that only a user's password unlocks them.
//!
//! The vault has three keys:
//! - the **logs key** opens `logs.db` (users, audit trail, disclosure log,
//!   request register, privacy facts) — every user holds it;
//! - the **data key** opens `vault.db` (the members' data, the search
//!   index, holds) — only dpo and staff hold it;
//! - the **field key** encrypts the few fields of `logs.db` that are member
//!   data (a request's requester text) — only dpo and staff hold it.
//!
//! So an auditor's password opens the logs and nothing else, not even with a
//! SQLCipher tool.
//!
//! Each user has an X25519 key pair (to receive keys) and an Ed25519 signing
//! seed. The password, through Argon2id, derives a key-encryption key that
//! wraps both secrets (XChaCha20-Poly1305, bound to the vault and the slot).
//! The user's keys are *sealed* to their X25519 public key. So:
//! - unlocking: password → KEK → secrets → unseal the keys;
//! - a password change re-wraps one slot's secrets and keeps its sealed keys;
//! - a rekey seals new keys to every remaining user's public key — taken
//!   from the encrypted logs, never from this plaintext file — without
//!   knowing their passwords.
//!
//! `keyslots.json` names nobody: a slot is found by a tag derived from the
//! vault id and the user name, and it holds no role. After a slot opens, the
//! session checks that its secret key is the one the logs hold for that user
//! name, so a slot copied under another user's tag opens nothing.
//!
//! Version 1 slot files (one vault key for everything) are still read: a
//! vault made by an older desk is converted at its first unlock.
//!
//! Here the keys ([`KeySet`]); `keys/slots.rs` the slot file,
//! `keys/seal.rs` wrapping, sealing and opening, `keys/cost.rs` the
//! key-derivation cost.

mod cost;
mod seal;
mod slots;

pub use cost::{burn_kdf, use_test_cost, KdfCost, MAX_COST, MIN_COST};
pub use seal::{make_slot, open_identity, reseal, rewrap, unseal, Identity, Sealed};
pub use slots::{key_check, slot_tag, Slot, SlotFile, SLOTS_VERSION};

use crate::error::{Error, Result};
use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::Zeroizing;

/// A 256-bit key.
pub type Key = Zeroizing<[u8; 32]>;

/// The old name of a key (a version 1 vault had one).
pub type VaultKey = Key;

/// A fresh random key.
pub fn new_key() -> Key {
    let mut k = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(k.as_mut());
    k
}

/// The old name of [`new_key`].
pub fn new_vault_key() -> Key {
    new_key()
}

/// The keys one user holds.
#[derive(Clone)]
pub struct KeySet {
    pub logs: Key,
    /// dpo and staff only.
    pub data: Option<Key>,
    /// dpo and staff only.
    pub field: Option<Key>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet")
            .field("data", &self.data.is_some())
            .field("field", &self.field.is_some())
            .finish_non_exhaustive()
    }
}

impl KeySet {
    /// Three new keys (a new vault).
    pub fn generate() -> Self {
        KeySet {
            logs: new_key(),
            data: Some(new_key()),
            field: Some(new_key()),
        }
    }

    /// The keys an auditor holds: the logs key only.
    pub fn logs_only(&self) -> Self {
        KeySet {
            logs: self.logs.clone(),
            data: None,
            field: None,
        }
    }

    fn to_json(&self) -> Zeroizing<String> {
        let hexo = |k: &Option<Key>| k.as_ref().map(|k| hex::encode(k.as_ref()));
        let v = serde_json::json!({
            "logs": hex::encode(self.logs.as_ref()),
            "data": hexo(&self.data),
            "field": hexo(&self.field),
        });
        Zeroizing::new(v.to_string())
    }

    fn from_json(bytes: &[u8]) -> Result<Self> {
        let v: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|_| Error::BadCredentials)?;
        let key = |name: &str| -> Result<Option<Key>> {
            match v.get(name) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(h)) => {
                    let raw = Zeroizing::new(hex::decode(h).map_err(|_| Error::BadCredentials)?);
                    let mut k = Zeroizing::new([0u8; 32]);
                    if raw.len() != 32 {
                        return Err(Error::BadCredentials);
                    }
                    k.copy_from_slice(&raw);
                    Ok(Some(k))
                }
                Some(_) => Err(Error::BadCredentials),
            }
        };
        Ok(KeySet {
            logs: key("logs")?.ok_or(Error::BadCredentials)?,
            data: key("data")?,
            field: key("field")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() {
        use_test_cost(true);
    }

    fn keys(s: &Sealed) -> &KeySet {
        match s {
            Sealed::Keys(k) => k,
            Sealed::Legacy(_) => panic!("legacy"),
        }
    }

    #[test]
    fn slot_opens_with_its_password_only() {
        cheap();
        let ks = KeySet::generate();
        let id = Identity::generate();
        let s = make_slot("v1", "Alice", "correct horse", &id, &ks).unwrap();
        let opened = open_identity("v1", &s, "correct horse").unwrap();
        assert_eq!(opened.public_key(), id.public_key());
        let got = unseal(&opened, &s).unwrap();
        assert_eq!(*keys(&got).logs, *ks.logs);
        assert_eq!(
            **keys(&got).data.as_ref().unwrap(),
            **ks.data.as_ref().unwrap()
        );
        assert!(matches!(
            open_identity("v1", &s, "wrong"),
            Err(Error::BadCredentials)
        ));
        // Bound to its vault and tag: moving it elsewhere fails.
        assert!(open_identity("v2", &s, "correct horse").is_err());
        let mut moved = s.clone();
        moved.tag = slot_tag("v1", "mallory");
        assert!(open_identity("v1", &moved, "correct horse").is_err());
        assert_eq!(slot_tag("v1", "ALICE"), s.tag);
    }

    #[test]
    fn an_auditor_slot_holds_the_logs_key_only() {
        cheap();
        let ks = KeySet::generate();
        let id = Identity::generate();
        let s = make_slot("v", "ada", "ada-password", &id, &ks.logs_only()).unwrap();
        let got = unseal(&open_identity("v", &s, "ada-password").unwrap(), &s).unwrap();
        assert!(keys(&got).data.is_none() && keys(&got).field.is_none());
    }

    #[test]
    fn rewrap_keeps_the_sealed_keys_and_reseal_replaces_them() {
        cheap();
        let ks = KeySet::generate();
        let id = Identity::generate();
        let s = make_slot("v", "bob", "one-password", &id, &ks).unwrap();
        let mut s2 = rewrap("v", "bob", "two-password", &id, &s).unwrap();
        assert!(open_identity("v", &s2, "one-password").is_err());
        let o = open_identity("v", &s2, "two-password").unwrap();
        assert_eq!(*keys(&unseal(&o, &s2).unwrap()).logs, *ks.logs);
        let ks2 = KeySet::generate();
        reseal(&mut s2, &id.public_key(), &ks2).unwrap();
        assert_eq!(*keys(&unseal(&o, &s2).unwrap()).logs, *ks2.logs);
    }

    #[test]
    fn absurd_costs_are_refused_at_once() {
        cheap();
        let id = Identity::generate();
        let mut s = make_slot("v", "eve", "eve-password", &id, &KeySet::generate()).unwrap();
        for bad in [
            KdfCost {
                memory_kib: u32::MAX,
                passes: 1,
                lanes: 1,
            },
            KdfCost {
                memory_kib: 1024,
                passes: u32::MAX,
                lanes: 1,
            },
            KdfCost {
                memory_kib: 1024,
                passes: 1,
                lanes: 0,
            },
        ] {
            s.cost = bad;
            let started = std::time::Instant::now();
            let e = open_identity("v", &s, "eve-password").err().unwrap();
            assert_eq!(e.code(), "bad_vault", "{e}");
            assert!(started.elapsed() < std::time::Duration::from_secs(1));
        }
    }

    #[test]
    fn default_cost_meets_the_contract() {
        let c = KdfCost::default();
        assert!(c.memory_kib >= 64 * 1024 && c.passes >= 3 && c.is_sane());
    }
}
