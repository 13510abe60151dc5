//! Below the session: sealed fields, and raw access to the databases with
//! a user's password (for tests, benchmarks and forensics — nothing a use
//! case calls; every use case goes through the session's door).

use crate::error::{Error, Result};
use crate::vault::keys::{self, Key, KeySet, Sealed};
use crate::vault::lock;
use crate::vault::open::{self, Db};
use crate::vault::VaultPaths;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use rusqlite::Connection;
use std::path::Path;

const FIELD_AAD: &[u8] = b"privacy-desk field v1";
const FIELD_PREFIX: &str = "v1:";

/// Seal a text field of `logs.db` that is member data (a requester's
/// words) under the field key, which auditors do not hold.
pub fn seal_field(key: &Key, text: &str) -> Result<String> {
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: text.as_bytes(),
                aad: FIELD_AAD,
            },
        )
        .map_err(|_| Error::Crypto("sealing a field failed".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Ok(format!("{FIELD_PREFIX}{}", B64.encode(out)))
}

/// Open a sealed field; an empty field stays empty.
pub fn open_field(key: &Key, sealed: &str) -> Result<String> {
    if sealed.is_empty() {
        return Ok(String::new());
    }
    let damaged = || Error::Damaged("a sealed field of the logs does not open".into());
    let raw = B64
        .decode(sealed.strip_prefix(FIELD_PREFIX).ok_or_else(damaged)?)
        .map_err(|_| damaged())?;
    if raw.len() < 24 {
        return Err(damaged());
    }
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let plain = cipher
        .decrypt(
            XNonce::from_slice(&raw[..24]),
            Payload {
                msg: &raw[24..],
                aad: FIELD_AAD,
            },
        )
        .map_err(|_| damaged())?;
    String::from_utf8(plain).map_err(|_| damaged())
}

/// A user's keys, as their password recovers them from `keyslots.json`.
pub fn user_keys(vault: &Path, user: &str, password: &str) -> Result<KeySet> {
    let paths = VaultPaths::new(vault);
    let f = super::read_slots(&paths)?;
    let slot = f
        .find(&keys::slot_tag(&f.vault_id, user))
        .ok_or(Error::BadCredentials)?;
    let id = keys::open_identity(&f.vault_id, slot, password)?;
    match keys::unseal(&id, slot)? {
        Sealed::Keys(k) => Ok(k),
        Sealed::Legacy(k) => Ok(KeySet {
            logs: k.clone(),
            data: Some(k),
            field: None,
        }),
    }
}

/// Both databases opened raw with a user's password (the data one only if
/// they hold its key): for tests that inspect or tamper with the files.
#[derive(Debug)]
pub struct RawVault {
    pub logs: Connection,
    pub data: Option<Connection>,
}

pub fn open_raw(vault: &Path, user: &str, password: &str) -> Result<RawVault> {
    let paths = VaultPaths::new(vault);
    let k = user_keys(vault, user, password)?;
    let bound = lock::wait_bound();
    let logs = open::open(&paths.logs(), &k.logs, Db::Logs, bound)?;
    let data = match &k.data {
        Some(d) => Some(open::open(&paths.db(), d, Db::Data, bound)?),
        None => None,
    };
    Ok(RawVault { logs, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_seal_and_open_only_with_their_key() {
        let k = keys::new_key();
        let s = seal_field(&k, "Charlotte, by email").unwrap();
        assert!(!s.contains("Charlotte"));
        assert_eq!(open_field(&k, &s).unwrap(), "Charlotte, by email");
        assert_eq!(
            open_field(&keys::new_key(), &s).unwrap_err().code(),
            "damaged"
        );
        assert_eq!(open_field(&k, "").unwrap(), "");
    }
}
