//! The authenticated session: an unlocked vault plus the signed-in user.
//! Every use case is a method here; each checks the role (§2) and writes the
//! audit trail (§3) once, so every interface behaves the same.

use crate::audit::{self, AuditFilter, NewEvent, Outcome};
use crate::chain::Verification;
use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::roles::{Action, Role};
use crate::vault::keyslot::{self, Opened, SlotFile, VaultKey};
use crate::vault::{self, VaultPaths};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

/// The signed-in user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub name: String,
    pub role: Role,
}

/// A user as listed for a DPO.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub created_by: Option<String>,
}

/// A legal hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hold {
    pub site: String,
    pub member_id: String,
    pub reason: String,
    pub set_at: String,
    pub set_by: String,
    /// Rows kept only because of this hold (deleted in production).
    pub held_rows: u64,
}

/// Per-site sync status (`desk status --json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SiteStatus {
    pub site: String,
    pub sequence: i64,
    pub kind: String,
    pub generated_at: String,
    pub synced_at: String,
    pub rows: serde_json::Map<String, Value>,
    pub held_rows: serde_json::Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    pub sites: Vec<SiteStatus>,
}

/// An unlocked vault and who is signed in.
pub struct Session {
    pub(crate) conn: Connection,
    paths: VaultPaths,
    vault_id: String,
    user: User,
    key: VaultKey,
    opened: Opened,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("vault", &self.paths.dir)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
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

fn pending_slots_path(paths: &VaultPaths) -> std::path::PathBuf {
    paths.dir.join(crate::vault::PENDING_SLOTS_FILE)
}

impl Session {
    /// Create a new vault in `dir` (which must not hold one) with `admin` as
    /// its first user, role dpo.
    pub fn create(dir: &Path, admin: &str, password: &str, now: DateTime<Utc>) -> Result<Session> {
        validate_user_name(admin)?;
        validate_password(password)?;
        let paths = VaultPaths::new(dir);
        if paths.exists() {
            return Err(Error::Conflict(format!(
                "{}: a vault already exists here",
                dir.display()
            )));
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        restrict_permissions(dir);
        let mut id = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
        let vault_id = hex::encode(id);
        let key = keyslot::new_vault_key();
        let slot = keyslot::make_slot(&vault_id, admin, password, &key)?;
        let conn = vault::open_db(&paths.db(), &key)?;
        {
            let tx = conn.unchecked_transaction()?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('vault_id', ?1), ('created_at', ?2)",
                params![vault_id, audit::ts(now)],
            )?;
            tx.execute(
                "INSERT INTO users (name, role, slot_tag, public_key, created_at, created_by)
                 VALUES (?1, 'dpo', ?2, ?3, ?4, NULL)",
                params![
                    admin,
                    slot.slot.tag,
                    slot.public_key.to_vec(),
                    audit::ts(now)
                ],
            )?;
            audit::append(
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
        file.slots.push(slot.slot.clone());
        file.write(&paths.slots())?;
        let opened = keyslot::open_slot(&vault_id, &slot.slot, password)?;
        Ok(Session {
            conn,
            paths,
            vault_id,
            user: User {
                name: admin.to_string(),
                role: Role::Dpo,
            },
            key,
            opened,
        })
    }

    /// Sign in. A wrong name or password is [`Error::BadCredentials`] after the
    /// full key-derivation cost, and is noted in `failed-unlocks.log`.
    pub fn unlock(dir: &Path, user: &str, password: &str, now: DateTime<Utc>) -> Result<Session> {
        let paths = VaultPaths::new(dir);
        let file = vault::read_slots(&paths)?;
        let pending = pending_slots_path(&paths);
        match Self::unlock_with(&paths, &file, user, password, now) {
            // A rekey that was interrupted after the database changed key but
            // before the new slots replaced the old: finish it.
            Err(Error::BadVault { .. }) if pending.exists() => {
                let newer = SlotFile::read(&pending)?;
                let s = Self::unlock_with(&paths, &newer, user, password, now)?;
                std::fs::rename(&pending, paths.slots()).map_err(|e| Error::io(&pending, e))?;
                Ok(s)
            }
            other => {
                if other.is_ok() && pending.exists() {
                    // The rekey never reached the database: drop its leftovers.
                    let _ = std::fs::remove_file(&pending);
                }
                other
            }
        }
    }

    fn unlock_with(
        paths: &VaultPaths,
        file: &SlotFile,
        user: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<Session> {
        let tag = keyslot::slot_tag(&file.vault_id, user);
        let opened = match file.find(&tag) {
            Some(slot) => keyslot::open_slot(&file.vault_id, slot, password),
            None => {
                keyslot::burn_kdf(password);
                Err(Error::BadCredentials)
            }
        };
        let opened = match opened {
            Ok(o) => o,
            Err(Error::BadCredentials) => {
                note_failed_unlock(paths, user, now)?;
                return Err(Error::BadCredentials);
            }
            Err(e) => return Err(e),
        };
        let conn = vault::open_db(&paths.db(), &opened.vault_key)?;
        let vault_id: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'vault_id'", [], |r| {
                r.get(0)
            })
            .optional()?;
        if vault_id.as_deref() != Some(file.vault_id.as_str()) {
            return Err(Error::BadVault {
                path: paths.dir.clone(),
                what: "the keyslots belong to another vault".into(),
            });
        }
        let found: Option<(String, String, String)> = conn
            .query_row(
                "SELECT name, role, slot_tag FROM users WHERE name = ?1",
                [user],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((name, role, _)) = found.filter(|f| f.2 == tag) else {
            note_failed_unlock(paths, user, now)?;
            return Err(Error::BadCredentials);
        };
        let key = zeroize::Zeroizing::new(*opened.vault_key);
        let mut s = Session {
            conn,
            paths: paths.clone(),
            vault_id: file.vault_id.clone(),
            user: User {
                name,
                role: role.parse()?,
            },
            key,
            opened,
        };
        s.import_failed_unlocks()?;
        s.audit(now, "sign_in", None, None, None, Outcome::Ok)?;
        Ok(s)
    }

    /// Move `failed-unlocks.log` into the audit trail.
    fn import_failed_unlocks(&mut self) -> Result<()> {
        let path = self.paths.failed_unlocks();
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(());
        };
        let tx = self.conn.transaction()?;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).unwrap_or(Value::Null);
            let at = v
                .get("at")
                .and_then(|a| a.as_str())
                .and_then(|a| DateTime::parse_from_rfc3339(a).ok())
                .map(|a| a.with_timezone(&Utc))
                .unwrap_or_else(|| DateTime::<Utc>::from(std::time::UNIX_EPOCH));
            let typed = v.get("user").and_then(|u| u.as_str()).unwrap_or("");
            audit::append(
                &tx,
                at,
                &NewEvent {
                    user: Some(typed),
                    action: "sign_in",
                    detail: Some(json!({"reason": "wrong user name or password"})),
                    ..Default::default()
                },
                Outcome::Failed,
            )?;
        }
        tx.commit()?;
        std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        Ok(())
    }

    pub fn user(&self) -> &User {
        &self.user
    }

    pub fn vault_dir(&self) -> &Path {
        &self.paths.dir
    }

    /// Append an audit event for the signed-in user.
    pub(crate) fn audit(
        &self,
        now: DateTime<Utc>,
        action: &str,
        site: Option<&str>,
        member_id: Option<&str>,
        detail: Option<Value>,
        outcome: Outcome,
    ) -> Result<()> {
        audit::append(
            &self.conn,
            now,
            &NewEvent {
                user: Some(&self.user.name),
                action,
                site,
                member_id,
                detail,
            },
            outcome,
        )?;
        Ok(())
    }

    /// Check the role; a refusal is audited and answered with [`Error::Forbidden`].
    pub fn authorize(
        &self,
        action: Action,
        now: DateTime<Utc>,
        site: Option<&str>,
        member_id: Option<&str>,
    ) -> Result<()> {
        if action.allowed_for(self.user.role) {
            return Ok(());
        }
        self.audit(
            now,
            action.name(),
            site,
            member_id,
            Some(json!({"role": self.user.role.name()})),
            Outcome::Refused,
        )?;
        Err(Error::Forbidden {
            role: self.user.role.name().into(),
            action: action.describe().into(),
        })
    }

    // ---- users ---------------------------------------------------------

    /// Add a user with their own keyslot.
    pub fn add_user(
        &mut self,
        name: &str,
        role: Role,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.authorize(Action::ManageUsers, now, None, None)?;
        validate_user_name(name)?;
        validate_password(password)?;
        let exists: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1)",
            [name],
            |r| r.get(0),
        )?;
        if exists {
            return Err(Error::Conflict(format!(
                "there is already a user named {name}"
            )));
        }
        let slot = keyslot::make_slot(&self.vault_id, name, password, &self.key)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO users (name, role, slot_tag, public_key, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                name,
                role.name(),
                slot.slot.tag,
                slot.public_key.to_vec(),
                audit::ts(now),
                self.user.name
            ],
        )?;
        audit::append(
            &tx,
            now,
            &NewEvent {
                user: Some(&self.user.name),
                action: "user_added",
                detail: Some(json!({"name": name, "role": role.name()})),
                ..Default::default()
            },
            Outcome::Ok,
        )?;
        tx.commit()?;
        let mut file = SlotFile::read(&self.paths.slots())?;
        file.slots.retain(|s| s.tag != slot.slot.tag);
        file.slots.push(slot.slot);
        file.write(&self.paths.slots())
    }

    pub fn list_users(&self, now: DateTime<Utc>) -> Result<Vec<UserInfo>> {
        self.authorize(Action::ManageUsers, now, None, None)?;
        let mut stmt = self
            .conn
            .prepare("SELECT name, role, created_at, created_by FROM users ORDER BY name")?;
        let users = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get(2)?,
                    r.get(3)?,
                ))
            })?
            .map(|r| {
                let (name, role, created_at, created_by) = r?;
                Ok(UserInfo {
                    name,
                    role: role.parse()?,
                    created_at,
                    created_by,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(users)
    }

    /// Change a user's role (dpo). The last dpo cannot be demoted.
    pub fn set_role(&mut self, name: &str, role: Role, now: DateTime<Utc>) -> Result<()> {
        self.authorize(Action::ManageUsers, now, None, None)?;
        let current = self.role_of(name)?;
        if current == Role::Dpo && role != Role::Dpo && self.dpo_count()? <= 1 {
            return Err(Error::Invalid(
                "this is the only dpo: add another dpo before changing this role".into(),
            ));
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE users SET role = ?2 WHERE name = ?1",
            params![name, role.name()],
        )?;
        audit::append(
            &tx,
            now,
            &NewEvent {
                user: Some(&self.user.name),
                action: "user_role_changed",
                detail: Some(json!({"name": name, "from": current.name(), "to": role.name()})),
                ..Default::default()
            },
            Outcome::Ok,
        )?;
        tx.commit()?;
        if name.eq_ignore_ascii_case(&self.user.name) {
            self.user.role = role;
        }
        Ok(())
    }

    fn role_of(&self, name: &str) -> Result<Role> {
        let role: Option<String> = self
            .conn
            .query_row("SELECT role FROM users WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        role.ok_or_else(|| Error::NotFound(format!("there is no user named {name}")))?
            .parse()
    }

    fn dpo_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM users WHERE role = 'dpo'", [], |r| {
                r.get(0)
            })?)
    }

    /// Remove a user and their keyslot. With `rekey`, the database gets a new
    /// vault key, sealed to every remaining user, so a copy of the old key
    /// opens nothing written from now on.
    pub fn remove_user(&mut self, name: &str, rekey: bool, now: DateTime<Utc>) -> Result<()> {
        self.authorize(Action::ManageUsers, now, None, None)?;
        if name.eq_ignore_ascii_case(&self.user.name) {
            return Err(Error::Invalid("you cannot remove yourself".into()));
        }
        let role = self.role_of(name)?;
        if role == Role::Dpo && self.dpo_count()? <= 1 {
            return Err(Error::Invalid("the last dpo cannot be removed".into()));
        }
        let tag: String =
            self.conn
                .query_row("SELECT slot_tag FROM users WHERE name = ?1", [name], |r| {
                    r.get(0)
                })?;
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM users WHERE name = ?1", [name])?;
        audit::append(
            &tx,
            now,
            &NewEvent {
                user: Some(&self.user.name),
                action: "user_removed",
                detail: Some(json!({"name": name, "rekey": rekey})),
                ..Default::default()
            },
            Outcome::Ok,
        )?;
        tx.commit()?;
        let mut file = SlotFile::read(&self.paths.slots())?;
        file.slots.retain(|s| s.tag != tag);
        file.write(&self.paths.slots())?;
        if rekey {
            self.rekey()?;
        }
        Ok(())
    }

    /// Give the database a new vault key. The new slots are written to a
    /// pending file before the database changes key, so an interruption at
    /// any point leaves a vault that the next unlock opens (and finishes).
    fn rekey(&mut self) -> Result<()> {
        let new_key = keyslot::new_vault_key();
        let mut file = SlotFile::read(&self.paths.slots())?;
        let mut stmt = self
            .conn
            .prepare("SELECT slot_tag, public_key FROM users")?;
        let keys: Vec<(String, Vec<u8>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        for slot in &mut file.slots {
            let pk = keys
                .iter()
                .find(|(t, _)| *t == slot.tag)
                .and_then(|(_, pk)| <[u8; 32]>::try_from(pk.as_slice()).ok());
            match pk {
                Some(pk) => keyslot::reseal(slot, &pk, &new_key)?,
                None => slot.sealed_vault_key.clear(),
            }
        }
        file.slots.retain(|s| !s.sealed_vault_key.is_empty());
        let pending = pending_slots_path(&self.paths);
        file.write(&pending)?;
        vault::rekey_db(&self.conn, &new_key)?;
        std::fs::rename(&pending, self.paths.slots()).map_err(|e| Error::io(&pending, e))?;
        self.key = new_key;
        Ok(())
    }

    /// Change the signed-in user's password: re-wraps their slot only.
    pub fn change_password(&mut self, new_password: &str, now: DateTime<Utc>) -> Result<()> {
        self.authorize(Action::ChangeOwnPassword, now, None, None)?;
        validate_password(new_password)?;
        let slot = keyslot::rewrap(&self.vault_id, &self.user.name, new_password, &self.opened)?;
        let mut file = SlotFile::read(&self.paths.slots())?;
        let Some(existing) = file.slots.iter_mut().find(|s| s.tag == slot.tag) else {
            return Err(Error::BadVault {
                path: self.paths.slots(),
                what: "your keyslot is missing".into(),
            });
        };
        // Keep the current vault key (it may have been rekeyed since sign-in).
        *existing = slot;
        let pk = *self.opened.secret.public_key().as_bytes();
        keyslot::reseal(existing, &pk, &self.key)?;
        file.write(&self.paths.slots())?;
        self.audit(now, "password_changed", None, None, None, Outcome::Ok)
    }

    // ---- holds ---------------------------------------------------------

    /// Put a member on legal hold: their rows survive production deletion.
    pub fn hold_set(
        &mut self,
        site: &str,
        member_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.authorize(Action::Hold, now, Some(site), Some(member_id))?;
        if reason.trim().is_empty() {
            return Err(Error::Invalid("a legal hold needs a reason".into()));
        }
        let exists: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM members WHERE site = ?1 AND id = ?2)",
            params![site, member_id],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(Error::NotFound(format!(
                "no member {member_id} on site {site}"
            )));
        }
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "INSERT OR IGNORE INTO holds (site, member_id, reason, set_at, set_by) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![site, member_id, reason, audit::ts(now), self.user.name],
        )?;
        if n == 0 {
            return Err(Error::Conflict(format!(
                "member {member_id} on site {site} is already on hold"
            )));
        }
        audit::append(
            &tx,
            now,
            &NewEvent {
                user: Some(&self.user.name),
                action: "hold_set",
                site: Some(site),
                member_id: Some(member_id),
                detail: Some(json!({"reason": reason})),
            },
            Outcome::Ok,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Lift a hold; rows kept only by it are purged at once. Returns how many.
    pub fn hold_lift(&mut self, site: &str, member_id: &str, now: DateTime<Utc>) -> Result<u64> {
        self.authorize(Action::Hold, now, Some(site), Some(member_id))?;
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "DELETE FROM holds WHERE site = ?1 AND member_id = ?2",
            params![site, member_id],
        )?;
        if n == 0 {
            return Err(Error::NotFound(format!(
                "member {member_id} on site {site} is not on hold"
            )));
        }
        let mut purged = 0u64;
        for e in Entity::DATA {
            purged += tx.execute(
                &format!(
                    "DELETE FROM {} WHERE site = ?1 AND member_id = ?2 AND deleted_seq IS NOT NULL",
                    e.name()
                ),
                params![site, member_id],
            )? as u64;
        }
        audit::append(
            &tx,
            now,
            &NewEvent {
                user: Some(&self.user.name),
                action: "hold_lifted",
                site: Some(site),
                member_id: Some(member_id),
                detail: Some(json!({"purged_rows": purged})),
            },
            Outcome::Ok,
        )?;
        tx.commit()?;
        Ok(purged)
    }

    pub fn hold_list(&self, now: DateTime<Utc>) -> Result<Vec<Hold>> {
        self.authorize(Action::Hold, now, None, None)?;
        let mut stmt = self.conn.prepare(
            "SELECT site, member_id, reason, set_at, set_by FROM holds ORDER BY site, member_id",
        )?;
        let mut holds = stmt
            .query_map([], |r| {
                Ok(Hold {
                    site: r.get(0)?,
                    member_id: r.get(1)?,
                    reason: r.get(2)?,
                    set_at: r.get(3)?,
                    set_by: r.get(4)?,
                    held_rows: 0,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for h in &mut holds {
            for e in Entity::DATA {
                let n: i64 = self.conn.query_row(
                    &format!(
                        "SELECT count(*) FROM {} WHERE site = ?1 AND member_id = ?2 AND deleted_seq IS NOT NULL",
                        e.name()
                    ),
                    params![h.site, h.member_id],
                    |r| r.get(0),
                )?;
                h.held_rows += n as u64;
            }
        }
        self.audit(now, "hold_list", None, None, None, Outcome::Ok)?;
        Ok(holds)
    }

    // ---- status --------------------------------------------------------

    /// Per site: the latest export applied and the rows stored.
    pub fn status(&self, now: DateTime<Utc>) -> Result<Status> {
        self.authorize(Action::ReadStatus, now, None, None)?;
        let mut stmt = self.conn.prepare(
            "SELECT e.site, e.sequence, e.kind, e.generated_at, e.synced_at FROM exports e
             WHERE e.sequence = (SELECT max(sequence) FROM exports x WHERE x.site = e.site)
             ORDER BY e.site",
        )?;
        let mut sites = stmt
            .query_map([], |r| {
                Ok(SiteStatus {
                    site: r.get(0)?,
                    sequence: r.get(1)?,
                    kind: r.get(2)?,
                    generated_at: r.get(3)?,
                    synced_at: r.get(4)?,
                    rows: Default::default(),
                    held_rows: Default::default(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for s in &mut sites {
            for e in Entity::DATA {
                let (all, held): (i64, i64) = self.conn.query_row(
                    &format!(
                        "SELECT count(*), count(deleted_seq) FROM {} WHERE site = ?1",
                        e.name()
                    ),
                    [&s.site],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                s.rows.insert(e.name().into(), all.into());
                if held > 0 {
                    s.held_rows.insert(e.name().into(), held.into());
                }
            }
        }
        Ok(Status { sites })
    }

    // ---- audit trail ---------------------------------------------------

    pub fn audit_list(
        &self,
        filter: &AuditFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<audit::AuditEvent>> {
        self.authorize(Action::ReadAudit, now, None, None)?;
        let events = audit::list(&self.conn, filter)?;
        self.audit(now, "audit_list", None, None, None, Outcome::Ok)?;
        Ok(events)
    }

    /// The filtered events as CSV (dpo, auditor); the export is audited.
    pub fn audit_export_csv(&self, filter: &AuditFilter, now: DateTime<Utc>) -> Result<String> {
        self.authorize(Action::ReadAudit, now, None, None)?;
        let events = audit::list(&self.conn, filter)?;
        let csv = audit::to_csv(&events)?;
        self.audit(
            now,
            "audit_export",
            None,
            None,
            Some(json!({"events": events.len(), "format": "csv"})),
            Outcome::Ok,
        )?;
        Ok(csv)
    }

    pub fn audit_verify(&self, head: Option<&str>, now: DateTime<Utc>) -> Result<Verification> {
        self.authorize(Action::ReadAudit, now, None, None)?;
        // Verify first, then record that we did (the record extends the chain).
        let v = audit::verify(&self.conn, head)?;
        self.audit(
            now,
            "audit_verify",
            None,
            None,
            Some(json!({"ok": v.ok, "entries": v.entries, "head": v.head})),
            Outcome::Ok,
        )?;
        Ok(v)
    }
}

fn note_failed_unlock(paths: &VaultPaths, user: &str, now: DateTime<Utc>) -> Result<()> {
    let path = paths.failed_unlocks();
    let line = json!({"at": audit::ts(now), "user": user}).to_string();
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    writeln!(f, "{line}").map_err(|e| Error::io(&path, e))?;
    Ok(())
}

#[cfg(unix)]
fn restrict_permissions(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn restrict_permissions(_dir: &Path) {}
