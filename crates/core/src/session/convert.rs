//! What a sign-in does, holding the key lock exclusively, before the vault
//! can be used: finish an interrupted key operation, convert a vault made by
//! an older desk (one database, one key) to the split layout, migrate, and
//! give a user of a vault older than signed records their signing key.
//!
//! The conversion is a key operation like any other (a recovery record
//! first, then forward only): the logs move into a new `logs.db` under a new
//! logs key; every user's slot gets the keys of their role; requester texts
//! are sealed under a new field key; and, if the vault has auditors (who
//! held the one key that opened everything), `vault.db` gets a new data key
//! so that what they held opens nothing from now on. The converting dpo's
//! signing key becomes the vault's root, and they grant every user their
//! role and key; each other user makes their own signing key at their next
//! sign-in ("enrols"), which a dpo then confirms (`desk user confirm`).

use super::grants::{self, NewGrant};
use super::keyop::{self, Before, Record};
use crate::error::{Error, Result};
use crate::roles::Role;
use crate::trail::{self, NewEvent, Outcome, OwnedEvent};
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
    password: &str,
    id: &Identity,
    now: DateTime<Utc>,
    busy: Duration,
) -> Result<()> {
    let before = keyop::keys_in(file, &file.vault_id, user, id).ok_or(Error::BadCredentials)?;
    if let Some(rec) = Record::read(paths)? {
        return keyop::recover_with(
            paths,
            &rec,
            user,
            &file.vault_id,
            id,
            Before::of(&before),
            busy,
            now,
        );
    }
    let slot = file
        .find(&keys::slot_tag(&file.vault_id, user))
        .ok_or(Error::BadCredentials)?;
    match keys::unseal(id, slot)? {
        Sealed::Legacy(k) => convert(paths, file, user, password, id, k, now, busy),
        Sealed::Keys(k) => {
            if let (Some(data_key), Some(field)) = (&k.data, &k.field) {
                let mut data = open::open(&paths.db(), data_key, Db::Data, busy)?;
                let was = migrate::user_version(&data, "main")?;
                migrate::migrate(&mut data, &paths.logs(), &k.logs, field)?;
                drop(data);
                let logs = open::open(&paths.logs(), &k.logs, Db::Logs, busy)?;
                migrate::logs_wal(&logs)?;
                if was != migrate::latest_version() {
                    return Ok(());
                }
            }
            if id.signing_seed.is_none() {
                return enrol(paths, file, user, password, id, &k, now, busy);
            }
            Ok(())
        }
    }
}

/// A user of a vault older than signed records makes their signing key: it
/// is wrapped into their slot (with the root they find in the grants) and
/// recorded as a grant signed by itself, until a dpo confirms it.
#[allow(clippy::too_many_arguments)]
fn enrol(
    paths: &VaultPaths,
    file: &SlotFile,
    user: &str,
    password: &str,
    id: &Identity,
    keys: &KeySet,
    now: DateTime<Utc>,
    busy: Duration,
) -> Result<()> {
    let logs = open::open(&paths.logs(), &keys.logs, Db::Logs, busy)?;
    let roster = grants::roster(&grants::load(&logs)?, None);
    drop(logs);
    let root = roster
        .root
        .as_ref()
        .and_then(|r| <[u8; 32]>::try_from(r.as_slice()).ok());
    let member = roster.member(user).ok_or(Error::BadCredentials)?;
    let name = member.name.clone();
    let new = id.with_new_signing_seed(root);
    let seed = new.signing_seed.as_ref().ok_or(Error::BadCredentials)?;
    let signing_key = crate::signing::public_key(seed);
    let current = file
        .find(&keys::slot_tag(&file.vault_id, user))
        .ok_or(Error::BadCredentials)?;
    let slot = keys::rewrap(&file.vault_id, &name, password, &new, current)?;
    let mut target = file.clone();
    target.upsert(slot);
    let mut rec = Record::new("enrol", &name, now, target);
    let at = trail::ts(now);
    rec.grants.push(NewGrant::signed(
        "enrol",
        &name,
        None,
        None,
        Some(&signing_key),
        &at,
        &name,
        seed,
    ));
    let mut ev = OwnedEvent::new(
        now,
        &NewEvent {
            user: Some(&name),
            action: "signing_key_enrolled",
            detail: Some(json!({
                "fingerprint": crate::signing::fingerprint(&signing_key),
                "confirmed": false,
            })),
            ..Default::default()
        },
        Outcome::Ok,
    );
    ev.sign(seed);
    rec.events.push(ev);
    let signer = trail::Signer { name: &name, seed };
    keyop::execute(paths, &rec, &Before::of(keys), keys, busy, Some(signer))
}

/// A user of a version 1 vault: name, role, slot tag and public key.
type OldUser = (String, String, String, Vec<u8>);

/// Convert a version 1 vault.
#[allow(clippy::too_many_arguments)]
fn convert(
    paths: &VaultPaths,
    file: &SlotFile,
    user: &str,
    password: &str,
    id: &Identity,
    legacy: keys::Key,
    now: DateTime<Utc>,
    busy: Duration,
) -> Result<()> {
    let (found, users) = old_users(paths, &legacy, busy)?;
    // Whoever converts makes every new key and becomes the root of the
    // signed grants: only a dpo may.
    let me = users
        .iter()
        .find(|u| u.0.eq_ignore_ascii_case(user))
        .cloned();
    let Some(me) = me.filter(|u| u.1 == "dpo") else {
        return Err(Error::BadVault {
            path: paths.dir.clone(),
            what: "this vault was made by an older desk and must be opened once by a dpo to be \
                   upgraded"
                .into(),
        });
    };
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
    // The converter's signing key, and the root in their own slot.
    let mut mine = id.with_new_signing_seed(None);
    mine.root = mine.signing_key();
    let seed = mine.signing_seed.clone().ok_or(Error::BadCredentials)?;
    let root = crate::signing::public_key(&seed);
    let target = new_slots(file, &users, &me.0, password, &mine, &keys)?;
    let mut rec = Record::new("convert", user, now, target);
    rec.migrate = true;
    rec.rekey_data = has_auditors;
    rec.grants = grants_of(&users, &me, &root, &seed, &trail::ts(now))?;
    rec.events
        .push(upgraded(&me.0, found, has_auditors, &root, &seed, now));
    let before = Before {
        data: Some(legacy),
        logs: None,
    };
    let signer = trail::Signer {
        name: &me.0,
        seed: &seed,
    };
    keyop::execute(paths, &rec, &before, &keys, busy, Some(signer))
}

/// The event recording the upgrade, signed by the converter.
fn upgraded(
    name: &str,
    found: i64,
    has_auditors: bool,
    root: &[u8; 32],
    seed: &[u8; 32],
    now: DateTime<Utc>,
) -> OwnedEvent {
    let mut ev = OwnedEvent::new(
        now,
        &NewEvent {
            user: Some(name),
            action: "vault_upgraded",
            detail: Some(json!({
                "from_schema": found,
                "to_schema": migrate::latest_version(),
                "logs_split": true,
                "data_rekeyed": has_auditors,
                "root_fingerprint": crate::signing::fingerprint(root),
            })),
            ..Default::default()
        },
        Outcome::Ok,
    );
    ev.sign(seed);
    ev
}

/// The old database's schema version, and every user, their role and
/// public key, from it.
fn old_users(
    paths: &VaultPaths,
    legacy: &keys::Key,
    busy: Duration,
) -> Result<(i64, Vec<OldUser>)> {
    let data = open::open(&paths.db(), legacy, Db::Data, busy)?;
    let found = migrate::user_version(&data, "main")?;
    migrate::check_not_newer(found)?;
    if found >= migrate::SPLIT {
        return Err(Error::BadVault {
            path: paths.slots(),
            what: "the keyslots are of an older vault than its database".into(),
        });
    }
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
    Ok((found, users))
}

/// The slot file after the conversion: every user's slot holds the keys of
/// their role; the converter's (`me`) also their new signing key and the
/// root.
fn new_slots(
    file: &SlotFile,
    users: &[OldUser],
    me: &str,
    password: &str,
    mine: &Identity,
    keys: &KeySet,
) -> Result<SlotFile> {
    let mut target = SlotFile::new(&file.vault_id);
    target.generation = file.generation;
    for slot in &file.slots {
        let Some((name, role, _, pk)) = users.iter().find(|u| u.2 == slot.tag) else {
            continue;
        };
        let Ok(pk) = <[u8; 32]>::try_from(pk.as_slice()) else {
            continue;
        };
        let role: Role = role.parse()?;
        let theirs = if super::connect::holds_data(role) {
            keys.clone()
        } else {
            keys.logs_only()
        };
        let mut s = if name.eq_ignore_ascii_case(me) {
            keys::rewrap(&file.vault_id, name, password, mine, slot)?
        } else {
            slot.clone()
        };
        keys::reseal(&mut s, &pk, &theirs)?;
        target.slots.push(s);
    }
    target.set_checks(keys);
    Ok(target)
}

/// The signed grants: the converter's root, then every other user's role
/// and key, signed by the converter.
fn grants_of(
    users: &[OldUser],
    me: &OldUser,
    root: &[u8; 32],
    seed: &[u8; 32],
    at: &str,
) -> Result<Vec<NewGrant>> {
    let mut grants = vec![NewGrant::signed(
        "root",
        &me.0,
        Some(Role::Dpo),
        Some(&me.3),
        Some(root),
        at,
        &me.0,
        seed,
    )];
    for (name, role, _, pk) in users.iter().filter(|u| !u.0.eq_ignore_ascii_case(&me.0)) {
        grants.push(NewGrant::signed(
            "grant",
            name,
            Some(role.parse()?),
            Some(pk),
            None,
            at,
            &me.0,
            seed,
        ));
    }
    Ok(grants)
}
