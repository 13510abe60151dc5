//! Sealing and opening: a user's identity (X25519 key pair, Ed25519
//! signing seed, the vault's root signing key) wrapped under their password
//! (XChaCha20-Poly1305 with a key from [`super::cost`], bound to the vault
//! and the slot), and the keys they hold sealed to their public key.

use super::cost::derive_kek;
use super::slots::{slot_tag, AEAD, KDF};
use super::{new_key, KdfCost, Key, KeySet, Slot};
use crate::error::{Error, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

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

/// The additional data that binds a slot to its vault and tag.
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
