//! Making a vault: both databases built in a hidden folder beside the
//! target, the first user (a dpo, whose signing key becomes the vault's
//! root), their slot, then the folder renamed into place.

use super::grants::NewGrant;
use super::{validate_password, validate_user_name, Held, Session, User};
use crate::error::{Error, Result};
use crate::roles::Role;
use crate::trail::{self, NewEvent, Outcome, Signer};
use crate::vault::keys::{self, Identity, KeySet, SlotFile};
use crate::vault::lock::wait_bound;
use crate::vault::open::{self, Db};
use crate::vault::{migrate, VaultPaths};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, TransactionBehavior};
use serde_json::json;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

impl Session {
    /// Create a new vault in `dir` (which must not hold one) with `admin` as
    /// its first user, role dpo, whose signing key becomes the vault's root.
    /// The vault is built in a hidden directory beside `dir` and renamed into
    /// place when complete: an interrupted `init` leaves no half-made vault.
    pub fn create(dir: &Path, admin: &str, password: &str, now: DateTime<Utc>) -> Result<Session> {
        validate_user_name(admin)?;
        validate_password(password)?;
        check_target(dir)?;
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let staging = tempfile::Builder::new()
            .prefix(".vault-new-")
            .tempdir_in(parent)
            .map_err(|e| Error::io(parent, e))?;
        let paths = VaultPaths::new(staging.path());
        crate::vault::owner_only(staging.path());
        let mut id = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
        let vault_id = hex::encode(id);
        let keys = KeySet::generate();
        let mut identity = Identity::generate();
        identity.root = identity.signing_key();
        let slot = keys::make_slot(&vault_id, admin, password, &identity, &keys)?;
        let busy = wait_bound();
        make_databases(
            &paths, &keys, &vault_id, admin, &identity, &slot.tag, now, busy,
        )?;
        let mut file = SlotFile::new(&vault_id);
        file.slots.push(slot);
        file.set_checks(&keys);
        file.write(&paths.slots())?;
        let generation = file.generation;
        into_place(staging, dir, parent)?;
        Ok(Session {
            paths: VaultPaths::new(dir),
            vault_id,
            name: admin.to_string(),
            user: Mutex::new(User {
                name: admin.to_string(),
                role: Role::Dpo,
            }),
            identity,
            held: Mutex::new(Held { generation, keys }),
            roster_cache: Mutex::new(None),
            warnings: Vec::new(),
            busy,
        })
    }
}

/// A vault is made only where there is none, in an empty or new folder.
fn check_target(dir: &Path) -> Result<()> {
    let target = VaultPaths::new(dir);
    if target.exists() {
        return Err(Error::Conflict(format!(
            "{}: a vault already exists here",
            dir.display()
        )));
    }
    if dir.is_dir()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::Conflict(format!(
            "{}: the folder is not empty; choose an empty or new folder for a vault",
            dir.display()
        )));
    }
    Ok(())
}

/// Both databases, migrated and stamped with the vault's id; the first
/// user in the logs.
#[allow(clippy::too_many_arguments)]
fn make_databases(
    paths: &VaultPaths,
    keys: &KeySet,
    vault_id: &str,
    admin: &str,
    identity: &Identity,
    slot_tag: &str,
    now: DateTime<Utc>,
    busy: Duration,
) -> Result<()> {
    open::create_owner_only(&paths.db())?;
    let data_key = keys.data.as_ref().ok_or(Error::BadCredentials)?;
    let field_key = keys.field.as_ref().ok_or(Error::BadCredentials)?;
    let mut data = open::open(&paths.db(), data_key, Db::Data, busy)?;
    migrate::migrate(&mut data, &paths.logs(), &keys.logs, field_key)?;
    data.execute(
        "INSERT INTO meta (key, value) VALUES ('vault_id', ?1), ('created_at', ?2)",
        params![vault_id, trail::ts(now)],
    )?;
    let logs = open::open(&paths.logs(), &keys.logs, Db::Logs, busy)?;
    migrate::logs_wal(&logs)?;
    let tx = rusqlite::Transaction::new_unchecked(&logs, TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('vault_id', ?1), ('created_at', ?2)",
        params![vault_id, trail::ts(now)],
    )?;
    first_user(&tx, admin, identity, slot_tag, now)?;
    tx.commit()?;
    Ok(())
}

/// The first user (a dpo), their root grant signed by their own key, and
/// the event that made the vault.
fn first_user(
    tx: &Connection,
    admin: &str,
    identity: &Identity,
    slot_tag: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO users (name, role, slot_tag, public_key, created_at, created_by)
         VALUES (?1, 'dpo', ?2, ?3, ?4, NULL)",
        params![
            admin,
            slot_tag,
            identity.public_key().to_vec(),
            trail::ts(now)
        ],
    )?;
    let seed = identity
        .signing_seed
        .as_ref()
        .ok_or(Error::BadCredentials)?;
    NewGrant::signed(
        "root",
        admin,
        Some(Role::Dpo),
        Some(&identity.public_key()),
        identity.signing_key().as_ref().map(|k| k.as_slice()),
        &trail::ts(now),
        admin,
        seed,
    )
    .insert(tx)?;
    let fingerprint = identity
        .signing_key()
        .map(|k| crate::signing::fingerprint(&k));
    trail::append(
        tx,
        now,
        &NewEvent {
            user: Some(admin),
            action: "vault_created",
            detail: Some(json!({"admin": admin, "root_fingerprint": fingerprint})),
            ..Default::default()
        },
        Outcome::Ok,
        Some(Signer { name: admin, seed }),
    )?;
    Ok(())
}

/// Into place: an empty target directory is replaced, a missing one made.
fn into_place(staging: tempfile::TempDir, dir: &Path, parent: &Path) -> Result<()> {
    let staged = staging.keep();
    if dir.is_dir() {
        std::fs::remove_dir(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::rename(&staged, dir).map_err(|e| Error::io(dir, e))?;
    if let Ok(d) = std::fs::File::open(parent) {
        let _ = d.sync_all();
    }
    Ok(())
}
