//! The key-derivation cost of a slot (Argon2id): the default, the bounds a
//! slot may ask for, the cheap cost of the test suite, and the derivation of
//! a key-encryption key from a password.

use super::Key;
use crate::error::{Error, Result};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

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

/// The key-encryption key of `password` with `salt` at `cost`; a cost
/// outside [`MIN_COST`]..=[`MAX_COST`] is refused at once.
pub(super) fn derive_kek(password: &str, salt: &[u8], cost: KdfCost) -> Result<Key> {
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
