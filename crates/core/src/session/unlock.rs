//! Making a vault and signing in.

use super::{lock as mlock, validate_password, validate_user_name, Held, Session, User};
use crate::error::{Error, Result};
use crate::roles::Role;
use crate::trail::{self, NewEvent, Outcome, OwnedEvent};
use crate::vault::keys::{self, Identity, KeySet, Sealed, SlotFile};
use crate::vault::lock::{self, wait_bound};
use crate::vault::open::{self, Db};
use crate::vault::{migrate, read_slots, VaultPaths};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde_json::json;
use std::path::Path;
use std::sync::Mutex;

impl Session {
    /// Create a new vault in `dir` (which must not hold one) with `admin` as
    /// its first user, role dpo. The vault is built in a hidden directory
    /// beside `dir` and renamed into place when complete: an interrupted
    /// `init` leaves no half-made vault.
    pub fn create(dir: &Path, admin: &str, password: &str, now: DateTime<Utc>) -> Result<Session> {
        validate_user_name(admin)?;
        validate_password(password)?;
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
        let identity = Identity::generate();
        let slot = keys::make_slot(&vault_id, admin, password, &identity, &keys)?;
        let busy = wait_bound();
        {
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
            tx.execute(
                "INSERT INTO users (name, role, slot_tag, public_key, created_at, created_by)
                 VALUES (?1, 'dpo', ?2, ?3, ?4, NULL)",
                params![
                    admin,
                    slot.tag,
                    identity.public_key().to_vec(),
                    trail::ts(now)
                ],
            )?;
            trail::append(
                &tx,
                now,
                &NewEvent {
                    user: Some(admin),
                    action: "vault_created",
                    detail: Some(json!({"admin": admin})),
                    ..Default::default()
                },
                Outcome::Ok,
            )?;
            tx.commit()?;
        }
        let mut file = SlotFile::new(&vault_id);
        file.slots.push(slot);
        file.write(&paths.slots())?;
        let generation = file.generation;
        // Into place: an empty target directory is replaced, a missing one made.
        let staged = staging.keep();
        if dir.is_dir() {
            std::fs::remove_dir(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::rename(&staged, dir).map_err(|e| Error::io(dir, e))?;
        if let Ok(d) = std::fs::File::open(parent) {
            let _ = d.sync_all();
        }
        Ok(Session {
            paths: VaultPaths::new(dir),
            vault_id,
            user: Mutex::new(User {
                name: admin.to_string(),
                role: Role::Dpo,
            }),
            identity,
            held: Mutex::new(Held { generation, keys }),
            busy,
        })
    }

    /// Sign in. A wrong name or password is [`Error::BadCredentials`] after the
    /// full key-derivation cost, and is noted in `failed-unlocks.log`. An
    /// older vault is converted (and migrated) first; an interrupted key
    /// operation of a dead process is finished first.
    pub fn unlock(dir: &Path, user: &str, password: &str, now: DateTime<Utc>) -> Result<Session> {
        let paths = VaultPaths::new(dir);
        let busy = wait_bound();
        let r = Self::unlock_inner(&paths, user, password, now, busy);
        if matches!(r, Err(Error::BadCredentials)) {
            note_failed_unlock(&paths, user, now)?;
        }
        r.map_err(|e| match &e {
            Error::Db(d) if open::is_busy(d) => lock::busy(&paths),
            _ => e,
        })
    }

    fn unlock_inner(
        paths: &VaultPaths,
        user: &str,
        password: &str,
        now: DateTime<Utc>,
        busy: std::time::Duration,
    ) -> Result<Session> {
        let mut identity: Option<(Identity, String)> = None;
        loop {
            let guard = lock::key_lock(paths, false, busy)?;
            let file = read_slots(paths)?;
            let tag = keys::slot_tag(&file.vault_id, user);
            let Some(slot) = file.find(&tag) else {
                keys::burn_kdf(password);
                return Err(Error::BadCredentials);
            };
            // The password is checked once; a retry (after finishing a key
            // operation) re-reads the slots with the identity it gave.
            let id = match identity.take() {
                Some((id, vid)) if vid == file.vault_id => id,
                _ => keys::open_identity(&file.vault_id, slot, password)?,
            };
            let sealed = keys::unseal(&id, slot)?;
            let needs_exclusive = paths.keyop().exists()
                || matches!(sealed, Sealed::Legacy(_))
                || needs_migration(paths, &sealed, busy)?;
            if needs_exclusive {
                drop(guard);
                let ex = lock::key_lock(paths, true, busy)?;
                let file = read_slots(paths)?;
                super::convert::prepare(paths, &file, user, &id, now, busy)?;
                drop(ex);
                identity = Some((id, file.vault_id.clone()));
                continue;
            }
            let Sealed::Keys(keys) = sealed else {
                return Err(Error::BadCredentials);
            };
            let s = Session {
                paths: paths.clone(),
                vault_id: file.vault_id.clone(),
                user: Mutex::new(User {
                    name: user.to_string(),
                    role: Role::Auditor,
                }),
                identity: id,
                held: Mutex::new(Held {
                    generation: file.generation,
                    keys: keys.clone(),
                }),
                busy,
            };
            s.signed_in(&keys, &file, now)?;
            drop(guard);
            return Ok(s);
        }
    }

    /// Check the files belong together and to this user, then the chores
    /// of a sign-in: failed unlocks, abandoned bundles, the outbox, the event.
    fn signed_in(&self, keys: &KeySet, file: &SlotFile, now: DateTime<Utc>) -> Result<()> {
        let conns = self.connect(keys)?;
        check_vault_id(&conns.logs, &file.vault_id, &self.paths.logs())?;
        if let Some(d) = &conns.data {
            check_vault_id(d, &file.vault_id, &self.paths.db())?;
        }
        let tag = keys::slot_tag(&file.vault_id, &self.user().name);
        let found: Option<(String, String, String, Vec<u8>)> = conns
            .logs
            .query_row(
                "SELECT name, role, slot_tag, public_key FROM users WHERE name = ?1",
                [self.user().name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        // The slot must be this user's own: its tag, and the public key the
        // logs hold for the name (a slot copied under another's tag fails).
        let Some((name, role, _, _)) =
            found.filter(|f| f.2 == tag && f.3 == self.identity.public_key())
        else {
            return Err(Error::BadCredentials);
        };
        let role: Role = role.parse()?;
        *mlock(&self.user) = User {
            name: name.clone(),
            role,
        };
        if super::door::holds_data(role) && conns.data.is_none() {
            return Err(Error::BadVault {
                path: self.paths.slots(),
                what: "your keyslot does not hold the data key your role needs; ask a dpo".into(),
            });
        }
        self.flush_outbox(&conns)?;
        let tx = rusqlite::Transaction::new_unchecked(&conns.logs, TransactionBehavior::Immediate)?;
        self.import_failed_unlocks(&tx)?;
        self.recover_bundles(&tx, now)?;
        trail::append(
            &tx,
            now,
            &NewEvent {
                user: Some(&name),
                action: "sign_in",
                ..Default::default()
            },
            Outcome::Ok,
        )?;
        tx.commit()?;
        let _ = std::fs::remove_file(self.paths.failed_unlocks());
        Ok(())
    }

    /// Move `failed-unlocks.log` into the audit trail (inside the sign-in's
    /// transaction; the file is removed after it commits).
    fn import_failed_unlocks(&self, tx: &Connection) -> Result<()> {
        let path = self.paths.failed_unlocks();
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(());
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()).take(100_000) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
            let at = v
                .get("at")
                .and_then(|a| a.as_str())
                .and_then(|a| DateTime::parse_from_rfc3339(a).ok())
                .map(|a| a.with_timezone(&Utc))
                .unwrap_or_else(|| DateTime::<Utc>::from(std::time::UNIX_EPOCH));
            let typed = v.get("user").and_then(|u| u.as_str()).unwrap_or("");
            let typed: String = typed.chars().take(128).collect();
            trail::append(
                tx,
                at,
                &NewEvent {
                    user: Some(&typed),
                    action: "sign_in",
                    detail: Some(json!({"reason": "wrong user name or password"})),
                    ..Default::default()
                },
                Outcome::Failed,
            )?;
        }
        Ok(())
    }

    /// Bundles whose process died: delete what they left and say so.
    fn recover_bundles(&self, tx: &Connection, now: DateTime<Utc>) -> Result<()> {
        let mut stmt = tx.prepare(
            "SELECT id, activity, user, site, member_id, part_path, target, started_at FROM bundle_jobs",
        )?;
        let jobs = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(stmt);
        for (id, activity, user, site, member, part, target, started) in jobs {
            if lock::is_live(&self.paths, &activity) {
                continue;
            }
            let removed = crate::fsutil::remove_partial_bundle(Path::new(&part));
            trail::append_owned(
                tx,
                &OwnedEvent::new(
                    now,
                    &NewEvent {
                        user: Some(&self.user().name),
                        action: "bundle_abandoned",
                        site: Some(&site),
                        member_id: Some(&member),
                        detail: Some(json!({
                            "job": id, "started_by": user, "started_at": started,
                            "partial_file": part, "target": target,
                            "partial_file_removed": removed,
                        })),
                    },
                    Outcome::Failed,
                ),
            )?;
            tx.execute("DELETE FROM bundle_jobs WHERE id = ?1", [&id])?;
        }
        Ok(())
    }
}

/// Whether the databases need migrating (only a holder of the data key can).
fn needs_migration(paths: &VaultPaths, sealed: &Sealed, busy: std::time::Duration) -> Result<bool> {
    let Sealed::Keys(k) = sealed else {
        return Ok(true);
    };
    let logs = open::open(&paths.logs(), &k.logs, Db::Logs, busy)?;
    let found = migrate::user_version(&logs, "main")?;
    migrate::check_not_newer(found)?;
    if found == migrate::latest_version() {
        return Ok(false);
    }
    if k.data.is_none() {
        return Err(Error::BadVault {
            path: paths.dir.clone(),
            what: "this vault was made by an older desk and must be opened once by a dpo or staff \
                   member to be upgraded"
                .into(),
        });
    }
    Ok(true)
}

fn check_vault_id(conn: &Connection, expect: &str, path: &Path) -> Result<()> {
    let id: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'vault_id'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if id.as_deref() != Some(expect) {
        return Err(Error::BadVault {
            path: path.into(),
            what: "this file belongs to another vault than the keyslots".into(),
        });
    }
    Ok(())
}

/// Note a failed sign-in in `failed-unlocks.log` (time and the name as typed).
fn note_failed_unlock(paths: &VaultPaths, user: &str, now: DateTime<Utc>) -> Result<()> {
    use std::io::Write;
    if !paths.dir.is_dir() {
        return Ok(());
    }
    let path = paths.failed_unlocks();
    let line = json!({"at": trail::ts(now), "user": user}).to_string();
    let mut o = std::fs::OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(&path).map_err(|e| Error::io(&path, e))?;
    writeln!(f, "{line}").map_err(|e| Error::io(&path, e))?;
    Ok(())
}
