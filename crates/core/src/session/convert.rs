//! What a sign-in does, holding the key lock exclusively, before the vault
//! can be used: finish an interrupted key operation, convert a vault made by
//! an older desk (one database, one key) to the split layout, and migrate.
//!
//! The conversion is a key operation like any other (a recovery record
//! first, then forward only): the logs move into a new `logs.db` under a new
//! logs key; every user's slot gets the keys of their role; requester texts
//! are sealed under a new field key; and, if the vault has auditors (who
//! held the one key that opened everything), `vault.db` gets a new data key
//! so that what they held opens nothing from now on.

use super::keyop::{self, Before, Record};
use crate::error::{Error, Result};
use crate::roles::Role;
use crate::trail::{NewEvent, Outcome, OwnedEvent};
use crate::vault::keys::{self, Identity, KeySet, Sealed, SlotFile};
use crate::vault::open::{self, Db};
use crate::vault::{migrate, VaultPaths};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::time::Duration;

/// Bring the vault to a state a session can use (see the module docs).
pub(crate) fn prepare(
    paths: &VaultPaths,
    file: &SlotFile,
    user: &str,
    id: &Identity,
    now: DateTime<Utc>,
    busy: Duration,
) -> Result<()> {
    let before = keyop::keys_in(file, &file.vault_id, user, id).ok_or(Error::BadCredentials)?;
    if let Some(rec) = Record::read(paths)? {
        keyop::recover_with(
            paths,
            &rec,
            user,
            &file.vault_id,
            id,
            Before::of(&before),
            busy,
            now,
        )?;
        return Ok(());
    }
    let slot = file
        .find(&keys::slot_tag(&file.vault_id, user))
        .ok_or(Error::BadCredentials)?;
    match keys::unseal(id, slot)? {
        Sealed::Legacy(k) => convert(paths, file, user, k, now, busy),
        Sealed::Keys(k) => {
            let (Some(data_key), Some(field)) = (&k.data, &k.field) else {
                return Ok(());
            };
            let mut data = open::open(&paths.db(), data_key, Db::Data, busy)?;
            migrate::migrate(&mut data, &paths.logs(), &k.logs, field)?;
            drop(data);
            let logs = open::open(&paths.logs(), &k.logs, Db::Logs, busy)?;
            migrate::logs_wal(&logs)
        }
    }
}

/// Convert a version 1 vault.
fn convert(
    paths: &VaultPaths,
    file: &SlotFile,
    user: &str,
    legacy: keys::Key,
    now: DateTime<Utc>,
    busy: Duration,
) -> Result<()> {
    let data = open::open(&paths.db(), &legacy, Db::Data, busy)?;
    let found = migrate::user_version(&data, "main")?;
    migrate::check_not_newer(found)?;
    if found >= migrate::SPLIT {
        return Err(Error::BadVault {
            path: paths.slots(),
            what: "the keyslots are of an older vault than its database".into(),
        });
    }
    // Every user, their role and public key, from the old database.
    let mut stmt = data.prepare("SELECT name, role, slot_tag, public_key FROM users")?;
    let users = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    drop(stmt);
    drop(data);
    // Whoever converts makes (and so could keep) every new key: only a
    // user who will hold them all may do it.
    let me = users.iter().find(|u| u.0.eq_ignore_ascii_case(user));
    if me.is_none_or(|u| u.1 == "auditor") {
        return Err(Error::BadVault {
            path: paths.dir.clone(),
            what: "this vault was made by an older desk and must be opened once by a dpo or \
                   staff member to be upgraded"
                .into(),
        });
    }
    // A logs file without a split recorded in the data is what an earlier,
    // failed attempt left (under a key nobody holds): start afresh.
    for leftover in ["logs.db", "logs.db-journal", "logs.db-wal", "logs.db-shm"] {
        let _ = std::fs::remove_file(paths.dir.join(leftover));
    }
    let has_auditors = users.iter().any(|u| u.1 == "auditor");
    let keys = KeySet {
        logs: keys::new_key(),
        data: Some(if has_auditors {
            keys::new_key()
        } else {
            legacy.clone()
        }),
        field: Some(keys::new_key()),
    };
    let mut target = SlotFile::new(&file.vault_id);
    target.generation = file.generation;
    for slot in &file.slots {
        let Some((_, role, _, pk)) = users.iter().find(|u| u.2 == slot.tag) else {
            continue;
        };
        let Ok(pk) = <[u8; 32]>::try_from(pk.as_slice()) else {
            continue;
        };
        let role: Role = role.parse()?;
        let mine = if super::door::holds_data(role) {
            keys.clone()
        } else {
            keys.logs_only()
        };
        let mut s = slot.clone();
        keys::reseal(&mut s, &pk, &mine)?;
        target.slots.push(s);
    }
    let mut rec = Record::new("convert", user, now, target);
    rec.migrate = true;
    rec.rekey_data = has_auditors;
    rec.events.push(OwnedEvent::new(
        now,
        &NewEvent {
            user: Some(user),
            action: "vault_upgraded",
            detail: Some(json!({
                "from_schema": found,
                "to_schema": migrate::latest_version(),
                "logs_split": true,
                "data_rekeyed": has_auditors,
            })),
            ..Default::default()
        },
        Outcome::Ok,
    ));
    let before = Before {
        data: Some(legacy),
        logs: None,
    };
    keyop::execute(paths, &rec, &before, &keys, busy)
}
