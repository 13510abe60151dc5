//! Signatures on the vault's records (Ed25519, RustCrypto's
//! `ed25519-dalek`). Each user holds a signing key, wrapped under their
//! password like their other secrets; every audit event, disclosure entry,
//! request event, hold and grant of a key or a role is signed by the user
//! who made it. Someone who holds a vault key but not that user's password
//! can change the files, but not sign as that user: verification names the
//! record.
//!
//! Every signature is over a domain-separated message (`privacy-desk <what>
//! v1\0` then the bytes), so a signature made for one kind of record never
//! verifies as another.

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// What a signature is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// An audit event's own fields (canonical JSON), by the acting user.
    AuditEvent,
    /// An audit event's place in the chain (its hash), by whoever appended it.
    AuditLink,
    /// A disclosure log entry's hash, by who recorded it.
    Disclosure,
    /// A request event (canonical JSON), by who made it.
    RequestEvent,
    /// A legal hold (canonical JSON), by who set it.
    Hold,
    /// A grant of a key or a role (canonical JSON), by a dpo (or the holder
    /// of the key, for a rotation).
    Grant,
}

impl Domain {
    fn tag(self) -> &'static [u8] {
        match self {
            Domain::AuditEvent => b"privacy-desk audit event v1\0",
            Domain::AuditLink => b"privacy-desk audit link v1\0",
            Domain::Disclosure => b"privacy-desk disclosure v1\0",
            Domain::RequestEvent => b"privacy-desk request event v1\0",
            Domain::Hold => b"privacy-desk hold v1\0",
            Domain::Grant => b"privacy-desk grant v1\0",
        }
    }
}

fn message(domain: Domain, bytes: &[u8]) -> Vec<u8> {
    let mut m = domain.tag().to_vec();
    m.extend_from_slice(bytes);
    m
}

/// The public key of a signing seed.
pub fn public_key(seed: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(seed).verifying_key().to_bytes()
}

/// Sign `bytes` for `domain` with `seed`.
pub fn sign(seed: &[u8; 32], domain: Domain, bytes: &[u8]) -> Vec<u8> {
    SigningKey::from_bytes(seed)
        .sign(&message(domain, bytes))
        .to_bytes()
        .to_vec()
}

/// Whether `sig` is `public`'s signature of `bytes` for `domain`.
pub fn verify(public: &[u8], domain: Domain, bytes: &[u8], sig: &[u8]) -> bool {
    let Ok(pk) = <[u8; 32]>::try_from(public) else {
        return false;
    };
    let Ok(sig) = <[u8; 64]>::try_from(sig) else {
        return false;
    };
    let Ok(vk) = VerifyingKey::from_bytes(&pk) else {
        return false;
    };
    vk.verify_strict(
        &message(domain, bytes),
        &ed25519_dalek::Signature::from_bytes(&sig),
    )
    .is_ok()
}

/// A key's fingerprint for people to compare: SHA-256 of the public key,
/// 64 hexadecimal digits in groups of four.
pub fn fingerprint(public: &[u8]) -> String {
    let h = hex::encode(Sha256::digest(public));
    h.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fingerprint as typed (spaces, case) made comparable.
pub fn normalise_fingerprint(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != ':')
        .flat_map(|c| c.to_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_hold_only_for_their_domain_key_and_bytes() {
        let seed = [7u8; 32];
        let pk = public_key(&seed);
        let s = sign(&seed, Domain::AuditLink, b"abc");
        assert!(verify(&pk, Domain::AuditLink, b"abc", &s));
        assert!(!verify(&pk, Domain::Disclosure, b"abc", &s));
        assert!(!verify(&pk, Domain::AuditLink, b"abd", &s));
        assert!(!verify(
            &public_key(&[8u8; 32]),
            Domain::AuditLink,
            b"abc",
            &s
        ));
        assert!(!verify(&pk, Domain::AuditLink, b"abc", &s[..63]));
        let f = fingerprint(&pk);
        assert_eq!(f.len(), 64 + 15);
        assert_eq!(normalise_fingerprint(&f.to_uppercase()), f.replace(' ', ""));
    }
}
