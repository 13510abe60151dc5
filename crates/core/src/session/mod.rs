//! The authenticated session: an unlocked vault and the signed-in user.
//!
//! Every use case is a `Session` method in its area's folder, and every one
//! goes through the one door ([`door`]): the role check, the transaction, the
//! use case, and the audit event (success, refusal or failure). A session
//! holds no open database: each call opens its own connections under the
//! shared key lock, so any number of processes (and threads of one app) use
//! a vault at once, and a key operation elsewhere never leaves a stale
//! connection behind.

mod connect;
mod convert;
mod create;
pub(crate) mod door;
pub mod grants;
mod keydoor;
pub mod keyop;
mod op;
mod unlock;

pub(crate) use door::{Op, Tx};

use crate::error::{Error, Result};
use crate::roles::Role;
use crate::vault::keys::{Identity, KeySet};
use crate::vault::VaultPaths;
use serde::Serialize;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The signed-in user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub name: String,
    pub role: Role,
}

/// The keys a session holds, and the keyslot generation they came from.
struct Held {
    generation: u64,
    keys: KeySet,
}

/// The roster read from the grants, keyed by (grant count, last grant id).
type CachedRoster = ((i64, i64), std::sync::Arc<grants::Roster>);

/// An unlocked vault and who is signed in. `Send + Sync`: one session may
/// serve several threads at once.
pub struct Session {
    paths: VaultPaths,
    vault_id: String,
    /// The signed-in user's name (fixed); `user` holds it with the role as
    /// last read.
    name: String,
    user: Mutex<User>,
    identity: Identity,
    held: Mutex<Held>,
    /// The grants as last verified, and the mark (max seq, count) they had.
    roster_cache: Mutex<Option<CachedRoster>>,
    /// What the sign-in found that a person should know.
    warnings: Vec<String>,
    busy: Duration,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("vault", &self.paths.dir)
            .field("user", &*lock(&self.user))
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// User names: 1–64 of letters, digits, `.`, `_`, `-`, `@`.
pub fn validate_user_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(
            "a user name is 1 to 64 letters, digits, '.', '_', '-' or '@'".into(),
        ))
    }
}

/// Passwords: at least 8 characters.
pub fn validate_password(pw: &str) -> Result<()> {
    if pw.chars().count() < 8 {
        return Err(Error::Invalid(
            "a password needs at least 8 characters".into(),
        ));
    }
    Ok(())
}

impl Session {
    /// Who is signed in (their role as of the last call).
    pub fn user(&self) -> User {
        lock(&self.user).clone()
    }

    pub fn vault_dir(&self) -> &Path {
        &self.paths.dir
    }

    pub(crate) fn paths(&self) -> &VaultPaths {
        &self.paths
    }

    pub(crate) fn vault_id(&self) -> &str {
        &self.vault_id
    }

    pub(crate) fn identity(&self) -> &Identity {
        &self.identity
    }

    /// How long a call waits for another process before answering busy.
    pub(crate) fn wait(&self) -> Duration {
        self.busy
    }
}
