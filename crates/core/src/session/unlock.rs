//! Signing in: the keyslot opened, what must be done first (under the key
//! lock held exclusively, `convert.rs`), then the chores of a sign-in.

use super::{lock as mlock, Held, Session, User};
use crate::error::{Error, Result};
use crate::roles::Role;
use crate::trail::{self, NewEvent, Outcome, OwnedEvent, Signer};
use crate::vault::keys::{self, KeySet, Sealed, SlotFile};
use crate::vault::lock::{self, wait_bound};
use crate::vault::open::{self, Db};
use crate::vault::{migrate, read_slots, VaultPaths};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Mutex;

/// The most of `failed-unlocks.log` a sign-in reads.
const FAILED_UNLOCKS_MAX: u64 = 16 << 20;

impl Session {
    /// Sign in. A wrong name or password is [`Error::BadCredentials`] after the
    /// full key-derivation cost, and is noted in `failed-unlocks.log`. Before
    /// the vault is used: an interrupted key operation of a dead process is
    /// finished, an older vault converted and migrated, and a user of a vault
    /// older than signed records given their signing key.
    pub fn unlock(dir: &Path, user: &str, password: &str, now: DateTime<Utc>) -> Result<Session> {
        let paths = VaultPaths::new(dir);
        let busy = wait_bound();
        let r = Self::unlock_inner(&paths, user, password, now, busy);
        if matches!(r, Err(Error::BadCredentials)) {
            note_failed_unlock(&paths, user, now)?;
        }
        r.map_err(|e| match &e {
            Error::Db(d) if open::is_busy(d) => lock::busy(&paths),
            Error::Db(d) if open::is_damage(d) => Error::Damaged(
                "a page of the vault fails its check (the file is damaged), so signing in \
                 could not finish; `desk vault check` names the damaged pages; restore from a backup"
                    .into(),
            ),
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
        // Not a vault: say so, and leave no lock file behind in the folder.
        crate::vault::ensure_vault(paths)?;
        // At most a few rounds: each fixes one thing that needs the lock
        // held exclusively, then signs in afresh.
        for _ in 0..4 {
            let guard = lock::key_lock(paths, false, busy)?;
            let file = read_slots(paths)?;
            let tag = keys::slot_tag(&file.vault_id, user);
            let Some(slot) = file.find(&tag) else {
                keys::burn_kdf(password);
                return Err(Error::BadCredentials);
            };
            let id = keys::open_identity(&file.vault_id, slot, password)?;
            let sealed = keys::unseal(&id, slot)?;
            let needs_exclusive = paths.keyop().exists()
                || matches!(sealed, Sealed::Legacy(_))
                || id.signing_seed.is_none()
                || needs_migration(paths, &sealed, busy)?;
            if needs_exclusive {
                drop(guard);
                let ex = lock::key_lock(paths, true, busy)?;
                let file = read_slots(paths)?;
                super::convert::prepare(paths, &file, user, password, &id, now, busy)?;
                drop(ex);
                continue;
            }
            let Sealed::Keys(keys) = sealed else {
                return Err(Error::BadCredentials);
            };
            let mut s = Session {
                paths: paths.clone(),
                vault_id: file.vault_id.clone(),
                name: user.to_string(),
                user: Mutex::new(User {
                    name: user.to_string(),
                    role: Role::Auditor,
                }),
                identity: id,
                held: Mutex::new(Held {
                    generation: file.generation,
                    keys: keys.clone(),
                }),
                roster_cache: Mutex::new(None),
                warnings: Vec::new(),
                busy,
            };
            s.signed_in(&keys, &file, now)?;
            drop(guard);
            return Ok(s);
        }
        Err(Error::Busy(
            "the vault kept changing while signing in (key operations by others)".into(),
        ))
    }

    /// Check the files belong together and to this user, then the chores
    /// of a sign-in: the outbox, failed unlocks, abandoned bundles, a quick
    /// check of the logs' pages, and the event.
    fn signed_in(&mut self, keys: &KeySet, file: &SlotFile, now: DateTime<Utc>) -> Result<()> {
        let conns = self.connect(keys)?;
        check_vault_id(&conns.logs, &file.vault_id, &self.paths.logs())?;
        if let Some(d) = &conns.data {
            check_vault_id(d, &file.vault_id, &self.paths.db())?;
        }
        let tag = keys::slot_tag(&file.vault_id, &self.name);
        let slot_tag: Option<String> = conns
            .logs
            .query_row(
                "SELECT slot_tag FROM users WHERE name = ?1",
                [&self.name],
                |r| r.get(0),
            )
            .optional()?;
        if slot_tag.as_deref() != Some(tag.as_str()) {
            return Err(Error::BadCredentials);
        }
        // The slot must be this user's own: the public key the signed grants
        // hold for the name (a slot copied under another's tag fails).
        let roster = self.roster(&conns.logs)?;
        let user = super::connect::user_from(
            &conns.logs,
            &roster,
            &self.name,
            &self.identity.public_key(),
        )?;
        self.name = user.name.clone();
        *mlock(&self.user) = user.clone();
        if super::connect::holds_data(user.role) && conns.data.is_none() {
            return Err(Error::BadVault {
                path: self.paths.slots(),
                what: "your keyslot does not hold the data key your role needs; ask a dpo".into(),
            });
        }
        let mut warnings = damage_warnings(&conns.logs, "logs.db");
        self.flush_outbox(&conns)?;
        let signer = self.signer();
        let tx = rusqlite::Transaction::new_unchecked(&conns.logs, TransactionBehavior::Immediate)?;
        warnings.append(&mut self.import_failed_unlocks(&tx, now, signer)?);
        self.recover_bundles(&tx, now, signer)?;
        trail::append(
            &tx,
            now,
            &NewEvent {
                user: Some(&user.name),
                action: "sign_in",
                ..Default::default()
            },
            Outcome::Ok,
            signer,
        )?;
        tx.commit()?;
        drop(conns);
        self.warnings = warnings;
        Ok(())
    }

    /// What a person should know at sign-in (a damaged page of the logs, a
    /// failed-unlock log that shrank), for the dpo's attention.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Take in `failed-unlocks.log`: the lines added since the last sign-in
    /// become events "reported by the file" (the file is plain text anyone
    /// who can write the folder could forge, so its times and names are what
    /// it reports, not facts). The trail records how much of the file it has
    /// taken in (length and hash); a file that shrank, changed or vanished is
    /// itself an event. Returns the warnings for the dpo.
    fn import_failed_unlocks(
        &self,
        tx: &Connection,
        now: DateTime<Utc>,
        signer: Option<Signer>,
    ) -> Result<Vec<String>> {
        let path = self.paths.failed_unlocks();
        let content = read_capped(&path, FAILED_UNLOCKS_MAX)?;
        let (seen_bytes, seen_hash) = failed_unlocks_seen(tx)?;
        let prefix_ok = content.len() >= seen_bytes
            && (seen_bytes == 0
                || hex::encode(Sha256::digest(&content[..seen_bytes])) == seen_hash);
        let mut warnings = Vec::new();
        let event =
            |action: &str, detail: Value| self.failed_event(tx, now, signer, action, detail);
        let start = if prefix_ok {
            seen_bytes
        } else {
            let what = if content.is_empty() {
                "was deleted"
            } else {
                "was shortened or changed"
            };
            event(
                "failed_unlocks_log_altered",
                json!({"file": crate::vault::FAILED_UNLOCKS_FILE, "what": what,
                       "bytes_taken_in_before": seen_bytes, "bytes_now": content.len()}),
            )?;
            warnings.push(format!(
                "{} {what} since the last sign-in: failed sign-ins it recorded may be missing from the audit trail",
                crate::vault::FAILED_UNLOCKS_FILE
            ));
            0
        };
        for line in String::from_utf8_lossy(&content[start..])
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(100_000)
        {
            event("sign_in_failure_reported", reported_failure(line))?;
        }
        let now_seen =
            json!({"bytes": content.len(), "sha256": hex::encode(Sha256::digest(&content))});
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('failed_unlocks_seen', ?1)",
            [now_seen.to_string()],
        )?;
        Ok(warnings)
    }

    /// An event of the sign-in, outcome failed.
    fn failed_event(
        &self,
        tx: &Connection,
        now: DateTime<Utc>,
        signer: Option<Signer>,
        action: &str,
        detail: Value,
    ) -> Result<()> {
        trail::append(
            tx,
            now,
            &NewEvent {
                user: Some(&self.name),
                action,
                detail: Some(detail),
                ..Default::default()
            },
            Outcome::Failed,
            signer,
        )?;
        Ok(())
    }

    /// Bundles whose process died: delete what they left and say so.
    fn recover_bundles(
        &self,
        tx: &Connection,
        now: DateTime<Utc>,
        signer: Option<Signer>,
    ) -> Result<()> {
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
            let mut ev = OwnedEvent::new(
                now,
                &NewEvent {
                    user: Some(&self.name),
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
            );
            if let Some(s) = signer {
                ev.sign(s.seed);
            }
            trail::append_owned(tx, &ev, signer)?;
            tx.execute("DELETE FROM bundle_jobs WHERE id = ?1", [&id])?;
        }
        Ok(())
    }
}

/// The pages of a database that fail SQLCipher's check, as warnings.
pub(crate) fn damage_warnings(conn: &Connection, file: &str) -> Vec<String> {
    match crate::vault::open::failing_pages(conn) {
        Ok(pages) if pages.is_empty() => Vec::new(),
        Ok(pages) => vec![format!(
            "{file} is damaged: {} page(s) fail their check ({}); restore it from a backup and run `desk vault check`",
            pages.len(),
            pages.iter().take(10).map(|p| p.to_string()).collect::<Vec<_>>().join(", ")
        )],
        Err(e) => vec![format!("{file} could not be checked: {e}")],
    }
}

/// Read at most `max` bytes of a file; a missing file is empty.
fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut v = Vec::new();
    f.take(max)
        .read_to_end(&mut v)
        .map_err(|e| Error::io(path, e))?;
    Ok(v)
}

/// How much of `failed-unlocks.log` the trail has taken in: its length and
/// the hash of that much.
fn failed_unlocks_seen(tx: &Connection) -> Result<(usize, String)> {
    let seen: Value = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'failed_unlocks_seen'",
            [],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_else(|| json!({"bytes": 0, "sha256": ""}));
    let seen_bytes = seen["bytes"].as_u64().unwrap_or(0) as usize;
    let seen_hash = seen["sha256"].as_str().unwrap_or("").to_string();
    Ok((seen_bytes, seen_hash))
}

/// The detail of one line of `failed-unlocks.log`: what the file reports
/// (its texts cut to 128 characters), not facts.
fn reported_failure(line: &str) -> Value {
    let v: Value = serde_json::from_str(line).unwrap_or_default();
    let text = |k: &str| -> Option<String> {
        v.get(k)
            .and_then(|a| a.as_str())
            .map(|s| s.chars().take(128).collect())
    };
    json!({
        "reported_by": crate::vault::FAILED_UNLOCKS_FILE,
        "reported_user": text("user"),
        "reported_at": text("at"),
        "reason": "wrong user name or password",
    })
}

/// Whether the databases need migrating (only a holder of the data key can).
fn needs_migration(paths: &VaultPaths, sealed: &Sealed, busy: std::time::Duration) -> Result<bool> {
    let Sealed::Keys(k) = sealed else {
        return Ok(true);
    };
    let logs = super::connect::open_named(paths, Db::Logs, &k.logs, busy)?;
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
    let typed: String = user.chars().take(128).collect();
    let line = json!({"at": trail::ts(now), "user": typed}).to_string();
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
