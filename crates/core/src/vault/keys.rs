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

use crate::error::{Error, Result};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use zeroize::{Zeroize, Zeroizing};

/// A 256-bit key.
pub type Key = Zeroizing<[u8; 32]>;

/// The old name of a key (a version 1 vault had one).
pub type VaultKey = Key;

/// Argon2id cost. The defaults meet §1: 64 MiB, 3 passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfCost {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

impl Default for KdfCost {
    fn default() -> Self {
        KdfCost {
            memory_kib: 64 * 1024,
            passes: 3,
            lanes: 1,
        }
    }
}

/// The cheapest and dearest cost a slot may ask for. A slot outside these is
/// refused at once: an edited file must not hang a sign-in or exhaust memory.
pub const MIN_COST: KdfCost = KdfCost {
    memory_kib: 1024,
    passes: 1,
    lanes: 1,
};
pub const MAX_COST: KdfCost = KdfCost {
    memory_kib: 1024 * 1024,
    passes: 16,
    lanes: 8,
};

/// Set by [`use_test_cost`]: 0 follows `DESK_KDF_TEST_COST`, 1 makes new
/// slots cheap ([`MIN_COST`]), 2 gives them the default cost.
static TEST_COST: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Make every keyslot this process makes from now on cheap ([`MIN_COST`],
/// `true`) or give it the default cost whatever the environment says
/// (`false`). For tests and benchmarks in one process: changing the
/// environment with `set_var` while other threads run SQLite (which reads
/// the environment from C) is undefined behaviour; this is not. Child
/// processes take `DESK_KDF_TEST_COST=1` from their environment.
pub fn use_test_cost(on: bool) {
    TEST_COST.store(if on { 1 } else { 2 }, std::sync::atomic::Ordering::SeqCst);
}

impl KdfCost {
    /// The cost used for new slots: the default, unless `DESK_KDF_TEST_COST=1`
    /// is set for the test suite (or [`use_test_cost`] says so), which then
    /// uses a cheap cost so that hundreds of unlocks stay fast. Slots record
    /// their cost, so either opens either way.
    pub fn for_new_slots() -> Self {
        let cheap = match TEST_COST.load(std::sync::atomic::Ordering::SeqCst) {
            1 => true,
            2 => false,
            _ => std::env::var("DESK_KDF_TEST_COST").as_deref() == Ok("1"),
        };
        if cheap {
            MIN_COST
        } else {
            KdfCost::default()
        }
    }

    /// Whether the cost is within [`MIN_COST`]..=[`MAX_COST`].
    pub fn is_sane(&self) -> bool {
        (MIN_COST.memory_kib..=MAX_COST.memory_kib).contains(&self.memory_kib)
            && (MIN_COST.passes..=MAX_COST.passes).contains(&self.passes)
            && (MIN_COST.lanes..=MAX_COST.lanes).contains(&self.lanes)
            && self.memory_kib >= 8 * self.lanes
    }
}

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

const FORMAT: &str = "privacy-desk-keyslots";
const KDF: &str = "argon2id";
const AEAD: &str = "xchacha20poly1305";
/// The slot file version this desk writes.
pub const SLOTS_VERSION: u32 = 2;

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

/// A user's own secrets: their X25519 key pair and Ed25519 signing seed,
/// and the vault's root signing key as they received it (kept inside the
/// wrapped, authenticated part of their slot, so that a person who can edit
/// the vault's files but does not know this user's password cannot change
/// what this user's desk trusts).
pub struct Identity {
    pub secret: crypto_box::SecretKey,
    /// None for a slot made by an older desk (no signing key yet).
    pub signing_seed: Option<Key>,
    /// The vault's root signing public key (the first dpo's), when known.
    pub root: Option<[u8; 32]>,
}

impl Identity {
    pub fn generate() -> Self {
        Identity {
            secret: crypto_box::SecretKey::generate(&mut OsRng),
            signing_seed: Some(new_key()),
            root: None,
        }
    }

    pub fn public_key(&self) -> [u8; 32] {
        *self.secret.public_key().as_bytes()
    }

    /// The signing public key, if this identity has a signing key.
    pub fn signing_key(&self) -> Option<[u8; 32]> {
        self.signing_seed
            .as_ref()
            .map(|s| crate::signing::public_key(s))
    }

    /// The same identity with a new signing seed (a rotation, an enrolment).
    pub fn with_new_signing_seed(&self, root: Option<[u8; 32]>) -> Self {
        Identity {
            secret: crypto_box::SecretKey::from(self.secret.to_bytes()),
            signing_seed: Some(new_key()),
            root: root.or(self.root),
        }
    }

    fn secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut v = Zeroizing::new(self.secret.to_bytes().to_vec());
        if let Some(s) = &self.signing_seed {
            v.extend_from_slice(s.as_ref());
            if let Some(r) = &self.root {
                v.extend_from_slice(r);
            }
        }
        v
    }

    fn from_bytes(b: &[u8]) -> Result<Self> {
        if ![32, 64, 96].contains(&b.len()) {
            return Err(Error::BadCredentials);
        }
        let mut x = [0u8; 32];
        x.copy_from_slice(&b[..32]);
        let secret = crypto_box::SecretKey::from(x);
        x.zeroize();
        let signing_seed = (b.len() >= 64).then(|| {
            let mut s = Zeroizing::new([0u8; 32]);
            s.copy_from_slice(&b[32..64]);
            s
        });
        let root = (b.len() == 96).then(|| {
            let mut r = [0u8; 32];
            r.copy_from_slice(&b[64..96]);
            r
        });
        Ok(Identity {
            secret,
            signing_seed,
            root,
        })
    }
}

/// The slot tag for a user name (case-insensitive names).
pub fn slot_tag(vault_id: &str, user: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"privacy-desk keyslot tag v1\0");
    h.update(vault_id.as_bytes());
    h.update(b"\0");
    h.update(user.to_lowercase().as_bytes());
    hex::encode(h.finalize())
}

fn derive_kek(password: &str, salt: &[u8], cost: KdfCost) -> Result<Key> {
    if !cost.is_sane() {
        return Err(Error::BadVault {
            path: "keyslots.json".into(),
            what: format!(
                "a keyslot asks for a key-derivation cost outside what this desk accepts \
                 ({} KiB, {} passes, {} lanes; at most {} KiB, {} passes, {} lanes): \
                 the keyslot file has been edited",
                cost.memory_kib,
                cost.passes,
                cost.lanes,
                MAX_COST.memory_kib,
                MAX_COST.passes,
                MAX_COST.lanes
            ),
        });
    }
    let params = Params::new(cost.memory_kib, cost.passes, cost.lanes, Some(32))
        .map_err(|e| Error::Crypto(format!("key derivation parameters: {e}")))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password.as_bytes(), salt, out.as_mut())
        .map_err(|e| Error::Crypto(format!("key derivation: {e}")))?;
    Ok(out)
}

/// Spend the same key-derivation cost as a real unlock, so that an unknown
/// user name takes as long as a wrong password.
pub fn burn_kdf(password: &str) {
    let _ = derive_kek(password, &[0u8; 16], KdfCost::for_new_slots());
}

fn aad(vault_id: &str, tag: &str) -> Vec<u8> {
    format!("privacy-desk slot v1\0{vault_id}\0{tag}").into_bytes()
}

fn b64d(s: &str) -> Result<Vec<u8>> {
    B64.decode(s)
        .map_err(|_| Error::Crypto("a keyslot is damaged (bad base64)".into()))
}

/// Seal `keys` to the holder of `public_key`.
fn seal_keys(public_key: &[u8; 32], keys: &KeySet) -> Result<String> {
    let pk = crypto_box::PublicKey::from(*public_key);
    let sealed = pk
        .seal(&mut OsRng, keys.to_json().as_bytes())
        .map_err(|_| Error::Crypto("sealing the vault keys failed".into()))?;
    Ok(B64.encode(sealed))
}

/// Make `user`'s slot: `identity`'s secrets wrapped under `password`, and
/// `keys` sealed to it.
pub fn make_slot(
    vault_id: &str,
    user: &str,
    password: &str,
    identity: &Identity,
    keys: &KeySet,
) -> Result<Slot> {
    let mut slot = wrap_identity(vault_id, user, password, identity)?;
    slot.sealed_keys = Some(seal_keys(&identity.public_key(), keys)?);
    Ok(slot)
}

/// A slot holding `identity` under `password`, with no keys sealed yet.
fn wrap_identity(vault_id: &str, user: &str, password: &str, identity: &Identity) -> Result<Slot> {
    let tag = slot_tag(vault_id, user);
    let cost = KdfCost::for_new_slots();
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let kek = derive_kek(password, &salt, cost)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let wrapped = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: identity.secret_bytes().as_ref(),
                aad: &aad(vault_id, &tag),
            },
        )
        .map_err(|_| Error::Crypto("wrapping a key failed".into()))?;
    Ok(Slot {
        tag,
        kdf: KDF.into(),
        cost,
        salt: B64.encode(salt),
        aead: AEAD.into(),
        nonce: B64.encode(nonce),
        wrapped_secret: B64.encode(wrapped),
        sealed_keys: None,
        sealed_vault_key: None,
    })
}

/// Seal `keys` into `slot` for the holder of `public_key` (a rekey, a role
/// change). A version 1 slot becomes a version 2 one.
pub fn reseal(slot: &mut Slot, public_key: &[u8; 32], keys: &KeySet) -> Result<()> {
    slot.sealed_keys = Some(seal_keys(public_key, keys)?);
    slot.sealed_vault_key = None;
    Ok(())
}

/// Open `slot`'s secrets with `password`. A wrong password is
/// [`Error::BadCredentials`], after the full key-derivation cost; a slot
/// whose cost is outside [`MIN_COST`]..=[`MAX_COST`] is refused at once.
pub fn open_identity(vault_id: &str, slot: &Slot, password: &str) -> Result<Identity> {
    if slot.kdf != KDF || slot.aead != AEAD {
        return Err(Error::Crypto("a keyslot uses an unknown algorithm".into()));
    }
    let salt = b64d(&slot.salt)?;
    let nonce = b64d(&slot.nonce)?;
    if nonce.len() != 24 {
        return Err(Error::Crypto("a keyslot is damaged (nonce)".into()));
    }
    let kek = derive_kek(password, &salt, slot.cost)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    let secret_bytes = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &b64d(&slot.wrapped_secret)?,
                    aad: &aad(vault_id, &slot.tag),
                },
            )
            .map_err(|_| Error::BadCredentials)?,
    );
    Identity::from_bytes(&secret_bytes)
}

/// What a slot's sealed part holds.
pub enum Sealed {
    /// Version 2: the user's keys.
    Keys(KeySet),
    /// Version 1: the one vault key of an older vault.
    Legacy(Key),
}

/// Unseal what `slot` holds for `identity`.
pub fn unseal(identity: &Identity, slot: &Slot) -> Result<Sealed> {
    let open = |sealed: &str| -> Result<Zeroizing<Vec<u8>>> {
        Ok(Zeroizing::new(
            identity
                .secret
                .unseal(&b64d(sealed)?)
                .map_err(|_| Error::BadCredentials)?,
        ))
    };
    if let Some(s) = &slot.sealed_keys {
        return Ok(Sealed::Keys(KeySet::from_json(&open(s)?)?));
    }
    if let Some(s) = &slot.sealed_vault_key {
        let plain = open(s)?;
        if plain.len() != 32 {
            return Err(Error::BadCredentials);
        }
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&plain);
        return Ok(Sealed::Legacy(key));
    }
    Err(Error::BadCredentials)
}

/// The user's slot re-wrapped under a new password, keeping what `current`
/// (the slot as it is in the file now) has sealed.
pub fn rewrap(
    vault_id: &str,
    user: &str,
    new_password: &str,
    identity: &Identity,
    current: &Slot,
) -> Result<Slot> {
    let mut slot = wrap_identity(vault_id, user, new_password, identity)?;
    slot.sealed_keys = current.sealed_keys.clone();
    slot.sealed_vault_key = current.sealed_vault_key.clone();
    Ok(slot)
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

    /// Put `slot` in place of the one with its tag (or add it).
    /// Record the check values of the keys that open the databases.
    pub fn set_checks(&mut self, keys: &KeySet) {
        self.checks
            .insert(super::LOGS_FILE.to_string(), key_check(&keys.logs));
        if let Some(d) = &keys.data {
            self.checks.insert(super::DB_FILE.to_string(), key_check(d));
        }
    }

    /// Whether `key` is the one recorded for `file` (None: nothing recorded).
    pub fn key_matches(&self, file: &str, key: &Key) -> Option<bool> {
        self.checks.get(file).map(|c| *c == key_check(key))
    }

    pub fn upsert(&mut self, slot: Slot) {
        match self.slots.iter_mut().find(|s| s.tag == slot.tag) {
            Some(s) => *s = slot,
            None => self.slots.push(slot),
        }
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
