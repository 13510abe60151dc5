//! Before the door: the key lock taken shared, the keys as the slot file
//! holds them now, the connections of one call, the signed-in user and the
//! roster as the signed grants say, and the outbox a dead process left.

use super::grants::{self, Roster};
use super::{lock as mlock, Held, Session, User};
use crate::error::{Error, Result};
use crate::roles::Role;
use crate::trail::{self, Signer};
use crate::vault::keys::{self, KeySet, Sealed};
use crate::vault::lock::{self, KeyLock};
use crate::vault::open::{self, Db};
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension};
use std::sync::Arc;

/// Open connections of one call.
pub(crate) struct Conns {
    pub logs: Connection,
    pub data: Option<Connection>,
}

impl Session {
    /// Take the key lock shared and make sure the held keys are current
    /// (another process may have rekeyed, or changed this user's access).
    /// An interrupted key operation of a dead process is finished first.
    pub(crate) fn enter(&self) -> Result<(KeyLock, KeySet)> {
        loop {
            let guard = lock::key_lock(&self.paths, false, self.busy)?;
            if self.paths.keyop().exists() {
                drop(guard);
                let ex = lock::key_lock(&self.paths, true, self.busy)?;
                let keys = self.current_keys()?;
                super::keyop::recover(self, &keys, Utc::now())?;
                drop(ex);
                continue;
            }
            let keys = self.current_keys()?;
            return Ok((guard, keys));
        }
    }

    /// The keys of the slot file as it is now (the caller holds the key lock).
    pub(crate) fn current_keys_now(&self) -> Result<KeySet> {
        self.current_keys()
    }

    /// The keys of the slot file as it is now.
    fn current_keys(&self) -> Result<KeySet> {
        let file = keys::SlotFile::read(&self.paths.slots())?;
        let mut held = mlock(&self.held);
        if file.generation == held.generation {
            return Ok(held.keys.clone());
        }
        let tag = keys::slot_tag(&self.vault_id, &self.user().name);
        let slot = file.find(&tag).ok_or(Error::BadCredentials)?;
        let fresh = match keys::unseal(&self.identity, slot)? {
            Sealed::Keys(k) => k,
            Sealed::Legacy(_) => return Err(Error::BadCredentials),
        };
        *held = Held {
            generation: file.generation,
            keys: fresh.clone(),
        };
        Ok(fresh)
    }

    /// Open `logs.db`, and `vault.db` when the keys open it.
    pub(crate) fn connect(&self, keys: &KeySet) -> Result<Conns> {
        let logs = open_named(&self.paths, Db::Logs, &keys.logs, self.busy)?;
        let data = match &keys.data {
            Some(k) => Some(open_named(&self.paths, Db::Data, k, self.busy)?),
            None => None,
        };
        Ok(Conns { logs, data })
    }

    /// The signed-in user's role, read from `logs.db` now. A user who was
    /// removed, or whose key no longer matches, is signed out.
    pub(crate) fn refresh_user(&self, logs: &Connection) -> Result<User> {
        self.current_user(logs)
    }

    fn current_user(&self, logs: &Connection) -> Result<User> {
        Ok(self.current(logs)?.0)
    }

    /// The signed-in user (role read afresh) and the roster it came from.
    pub(super) fn current(&self, logs: &Connection) -> Result<(User, Arc<Roster>)> {
        let roster = self.roster(logs)?;
        let user = user_from(logs, &roster, &self.name, &self.identity.public_key())?;
        *mlock(&self.user) = user.clone();
        Ok((user, roster))
    }

    /// The grants as a roster, verified against the root this user's slot
    /// trusts; recomputed only when the grants changed.
    pub(crate) fn roster(&self, logs: &Connection) -> Result<Arc<Roster>> {
        let mark: (i64, i64) = logs.query_row(
            "SELECT coalesce(max(seq), 0), count(*) FROM grants",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut cache = mlock(&self.roster_cache);
        if let Some((m, r)) = cache.as_ref() {
            if *m == mark {
                return Ok(r.clone());
            }
        }
        let rows = grants::load(logs)?;
        let r = Arc::new(grants::roster(
            &rows,
            self.identity.root.as_ref().map(|r| r.as_slice()),
        ));
        *cache = Some((mark, r.clone()));
        Ok(r)
    }

    /// Who signs what this session writes.
    pub(crate) fn signer(&self) -> Option<Signer<'_>> {
        let name: &str = &self.name;
        self.identity
            .signing_seed
            .as_ref()
            .map(|seed| Signer { name, seed })
    }

    /// Move outbox events a dead process left into the trail (any session
    /// holding the data key does this when it signs in).
    pub(crate) fn flush_outbox(&self, conns: &Conns) -> Result<()> {
        if let Some(d) = &conns.data {
            trail::outbox_flush(d, &conns.logs, self.signer())?;
        }
        Ok(())
    }
}

/// The signed-in user as the grants say (the `users` table alone is not
/// trusted: anyone with the logs key could edit it). A vault with no grants
/// yet (older than signatures) falls back to the table.
pub(crate) fn user_from(
    logs: &Connection,
    roster: &Roster,
    name: &str,
    public_key: &[u8; 32],
) -> Result<User> {
    if roster.unsigned {
        let found: Option<(String, String, Vec<u8>)> = logs
            .query_row(
                "SELECT name, role, public_key FROM users WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((name, role, _)) = found.filter(|f| f.2 == public_key) else {
            return Err(Error::BadCredentials);
        };
        return Ok(User {
            name,
            role: role.parse()?,
        });
    }
    let m = roster.member(name).ok_or(Error::BadCredentials)?;
    if m.public_key.as_deref() != Some(public_key.as_slice()) {
        return Err(Error::BadCredentials);
    }
    let role = m.role.ok_or(Error::BadCredentials)?;
    Ok(User {
        name: m.name.clone(),
        role,
    })
}

/// Open one of the vault's files; when it will not open with a key whose
/// check value the slot file records for it, the file is damaged — say so,
/// rather than that the key is wrong.
pub(crate) fn open_named(
    paths: &crate::vault::VaultPaths,
    db: Db,
    key: &crate::vault::keys::Key,
    busy: std::time::Duration,
) -> Result<Connection> {
    let path = match db {
        Db::Data => paths.db(),
        Db::Logs => paths.logs(),
    };
    match open::open(&path, key, db, busy) {
        Err(Error::BadVault { .. })
            if keys::SlotFile::read(&paths.slots())
                .ok()
                .and_then(|f| f.key_matches(db.file_name(), key))
                == Some(true) =>
        {
            Err(Error::Damaged(format!(
                "{} cannot be read although the key is right: its first page is damaged; \
                 restore the vault from a backup (`desk vault check` says more)",
                db.file_name()
            )))
        }
        other => other,
    }
}

/// Who may hold the data key: dpo and staff.
pub(crate) fn holds_data(role: Role) -> bool {
    matches!(role, Role::Dpo | Role::Staff)
}
