//! Keyslots (`vault-and-access-v1.md` §1): the random vault key, wrapped once
//! per user so that only a user's password unlocks it.
//!
//! Each user has an X25519 key pair. The password, through Argon2id, derives a
//! key-encryption key that wraps the user's secret key (XChaCha20-Poly1305,
//! bound to the vault and the slot). The vault key is sealed to the user's
//! public key. So:
//! - unlocking: password → KEK → secret key → unseal the vault key;
//! - a password change re-wraps one secret key;
//! - a rekey (after removing a user) seals the new vault key to every remaining
//!   user's public key — taken from the encrypted database, never from this
//!   plaintext file — without knowing their passwords.
//!
//! `keyslots.json` names nobody: a slot is found by a tag derived from the
//! vault id and the user name, and it holds no role. Editing it can lock a user
//! out (the AEAD fails) but never let anyone in.

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

/// The 256-bit key that opens the database.
pub type VaultKey = Zeroizing<[u8; 32]>;

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

impl KdfCost {
    /// The cost used for new slots: the default, unless `DESK_KDF_TEST_COST=1`
    /// is set for the test suite, which then uses a cheap cost so that hundreds of
    /// unlocks stay fast. Slots record their cost, so either opens either way.
    pub fn for_new_slots() -> Self {
        if std::env::var("DESK_KDF_TEST_COST").as_deref() == Ok("1") {
            KdfCost {
                memory_kib: 1024,
                passes: 1,
                lanes: 1,
            }
        } else {
            KdfCost::default()
        }
    }
}

/// One user's slot, as stored in `keyslots.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Slot {
    /// Derived from the vault id and the user name; not the name.
    pub tag: String,
    pub kdf: String,
    pub cost: KdfCost,
    pub salt: String,
    pub aead: String,
    pub nonce: String,
    /// The user's X25519 secret key, encrypted under the password's KEK.
    pub wrapped_secret: String,
    /// The vault key, sealed to the user's public key.
    pub sealed_vault_key: String,
}

/// The whole `keyslots.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SlotFile {
    pub format: String,
    pub version: u32,
    pub vault_id: String,
    pub slots: Vec<Slot>,
}

const FORMAT: &str = "privacy-desk-keyslots";
const KDF: &str = "argon2id";
const AEAD: &str = "xchacha20poly1305";

/// A fresh random vault key.
pub fn new_vault_key() -> VaultKey {
    let mut k = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(k.as_mut());
    k
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

fn derive_kek(password: &str, salt: &[u8], cost: KdfCost) -> Result<Zeroizing<[u8; 32]>> {
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

/// A user's key pair, produced when a slot is made.
pub struct NewSlot {
    pub slot: Slot,
    pub public_key: [u8; 32],
}

/// Make a slot for `user` with a new key pair, holding `vault_key`.
pub fn make_slot(
    vault_id: &str,
    user: &str,
    password: &str,
    vault_key: &VaultKey,
) -> Result<NewSlot> {
    let secret = crypto_box::SecretKey::generate(&mut OsRng);
    let public = secret.public_key();
    let slot = wrap_secret(vault_id, user, password, &secret, vault_key)?;
    Ok(NewSlot {
        slot,
        public_key: *public.as_bytes(),
    })
}

fn wrap_secret(
    vault_id: &str,
    user: &str,
    password: &str,
    secret: &crypto_box::SecretKey,
    vault_key: &VaultKey,
) -> Result<Slot> {
    let tag = slot_tag(vault_id, user);
    let cost = KdfCost::for_new_slots();
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let kek = derive_kek(password, &salt, cost)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let mut secret_bytes = Zeroizing::new(secret.to_bytes());
    let wrapped = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: secret_bytes.as_ref(),
                aad: &aad(vault_id, &tag),
            },
        )
        .map_err(|_| Error::Crypto("wrapping a key failed".into()))?;
    secret_bytes.zeroize();
    let sealed = seal(&secret.public_key(), vault_key)?;
    Ok(Slot {
        tag,
        kdf: KDF.into(),
        cost,
        salt: B64.encode(salt),
        aead: AEAD.into(),
        nonce: B64.encode(nonce),
        wrapped_secret: B64.encode(wrapped),
        sealed_vault_key: sealed,
    })
}

fn seal(public: &crypto_box::PublicKey, vault_key: &VaultKey) -> Result<String> {
    let sealed = public
        .seal(&mut OsRng, vault_key.as_ref())
        .map_err(|_| Error::Crypto("sealing the vault key failed".into()))?;
    Ok(B64.encode(sealed))
}

/// Re-seal `vault_key` into `slot` for the holder of `public_key`.
pub fn reseal(slot: &mut Slot, public_key: &[u8; 32], vault_key: &VaultKey) -> Result<()> {
    slot.sealed_vault_key = seal(&crypto_box::PublicKey::from(*public_key), vault_key)?;
    Ok(())
}

/// What opening a slot yields.
pub struct Opened {
    pub vault_key: VaultKey,
    pub secret: crypto_box::SecretKey,
}

/// Open `slot` with `password`. A wrong password is [`Error::BadCredentials`],
/// after the full key-derivation cost.
pub fn open_slot(vault_id: &str, slot: &Slot, password: &str) -> Result<Opened> {
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
    let arr: [u8; 32] = secret_bytes
        .as_slice()
        .try_into()
        .map_err(|_| Error::BadCredentials)?;
    let secret = crypto_box::SecretKey::from(arr);
    let vault_key = unseal(&secret, &slot.sealed_vault_key)?;
    Ok(Opened { vault_key, secret })
}

fn unseal(secret: &crypto_box::SecretKey, sealed: &str) -> Result<VaultKey> {
    let plain = Zeroizing::new(
        secret
            .unseal(&b64d(sealed)?)
            .map_err(|_| Error::BadCredentials)?,
    );
    let mut key = Zeroizing::new([0u8; 32]);
    if plain.len() != 32 {
        return Err(Error::BadCredentials);
    }
    key.copy_from_slice(&plain);
    Ok(key)
}

/// Re-wrap an opened slot's secret key under a new password.
pub fn rewrap(vault_id: &str, user: &str, new_password: &str, opened: &Opened) -> Result<Slot> {
    wrap_secret(
        vault_id,
        user,
        new_password,
        &opened.secret,
        &opened.vault_key,
    )
}

impl SlotFile {
    pub fn new(vault_id: &str) -> Self {
        SlotFile {
            format: FORMAT.into(),
            version: 1,
            vault_id: vault_id.into(),
            slots: Vec::new(),
        }
    }

    pub fn read(path: &Path) -> Result<SlotFile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let f: SlotFile = serde_json::from_str(&text).map_err(|e| Error::BadVault {
            path: path.into(),
            what: format!("not a keyslot file ({e})"),
        })?;
        if f.format != FORMAT || f.version != 1 {
            return Err(Error::BadVault {
                path: path.into(),
                what: "not a keyslot file of a version this desk reads".into(),
            });
        }
        Ok(f)
    }

    /// Write atomically: a temporary file beside it, synced, then renamed.
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::Crypto(format!("keyslots: {e}")))?;
        crate::fsutil::write_atomic(path, text.as_bytes())
    }

    pub fn find(&self, tag: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.tag == tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_opens_with_its_password_only() {
        std::env::set_var("DESK_KDF_TEST_COST", "1");
        let key = new_vault_key();
        let s = make_slot("v1", "Alice", "correct horse", &key).unwrap();
        let opened = open_slot("v1", &s.slot, "correct horse").unwrap();
        assert_eq!(*opened.vault_key, *key);
        assert!(matches!(
            open_slot("v1", &s.slot, "wrong"),
            Err(Error::BadCredentials)
        ));
        // Bound to its vault and tag: moving it elsewhere fails.
        assert!(open_slot("v2", &s.slot, "correct horse").is_err());
        let mut moved = s.slot.clone();
        moved.tag = slot_tag("v1", "mallory");
        assert!(open_slot("v1", &moved, "correct horse").is_err());
        assert_eq!(slot_tag("v1", "ALICE"), s.slot.tag);
    }

    #[test]
    fn rewrap_and_reseal() {
        std::env::set_var("DESK_KDF_TEST_COST", "1");
        let key = new_vault_key();
        let s = make_slot("v", "bob", "one", &key).unwrap();
        let opened = open_slot("v", &s.slot, "one").unwrap();
        let mut slot2 = rewrap("v", "bob", "two", &opened).unwrap();
        assert!(open_slot("v", &slot2, "one").is_err());
        assert_eq!(*open_slot("v", &slot2, "two").unwrap().vault_key, *key);
        let key2 = new_vault_key();
        reseal(&mut slot2, &s.public_key, &key2).unwrap();
        assert_eq!(*open_slot("v", &slot2, "two").unwrap().vault_key, *key2);
    }

    #[test]
    fn default_cost_meets_the_contract() {
        let c = KdfCost::default();
        assert!(c.memory_kib >= 64 * 1024 && c.passes >= 3);
    }
}
