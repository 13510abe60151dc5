//! Key operations — a user added or removed, a password or a role changed, a
//! rekey, the conversion of an older vault — follow one protocol, safe
//! against other processes and against a crash at any instant:
//!
//! 1. The owner holds `keys.lock` exclusively for the whole operation: no
//!    other process uses the vault's keys or files meanwhile (each waits,
//!    with a bound, and says so).
//! 2. It writes a **recovery record** (`keyop.json`, atomically): the slot
//!    file as it must be when done, which databases change key, and the
//!    changes to `logs.db` (users, audit events).
//! 3. Then, in an order that only ever moves forward: change `vault.db`'s
//!    key, then `logs.db`'s (each `PRAGMA rekey` is one transaction: all or
//!    nothing); apply the logs changes in one transaction that also records
//!    the operation's id (so they are applied once); write the new slot file
//!    (atomically: a temporary file, synced, renamed); delete the record.
//! 4. Before the logs transaction commits, a failure in the owner's process
//!    (a full disk) is undone — keys changed back — and the record deleted:
//!    nothing changed, and the audit trail says the operation failed. After
//!    it, the operation is done in the vault and is finished forward.
//! 5. If the owner dies, its lock dies with it; the next process to take the
//!    lock exclusively finds the record and finishes it forward, probing
//!    which key opens each database. Only a process holding the lock
//!    exclusively ever reads, completes or deletes a record, so nothing
//!    another operation still needs is ever removed.
//!
//! The door a key operation's use case goes through, and what it sees
//! ([`KeyTx`]), are in `keydoor.rs`.

use super::Session;
use crate::error::{Error, Result};
use crate::roles::Role;
use crate::trail::{self, OwnedEvent, Signer};
use crate::vault::keys::{self, Identity, Key, KeySet, Sealed, SlotFile};
use crate::vault::open::{self, Db};
use crate::vault::{migrate, VaultPaths};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, TransactionBehavior};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

pub(crate) use super::keydoor::KeyTx;

/// A change to `logs.db`'s users that a key operation makes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum UserChange {
    Add {
        name: String,
        role: Role,
        slot_tag: String,
        public_key: String,
        created_at: String,
        created_by: Option<String>,
    },
    Remove {
        name: String,
    },
    SetRole {
        name: String,
        role: Role,
    },
}

/// The recovery record (`keyop.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    pub op: String,
    pub by: String,
    pub at: String,
    /// The slot file as it must be when the operation is done.
    pub target: SlotFile,
    /// Bring an older vault's schema up to date (the conversion).
    #[serde(default)]
    pub migrate: bool,
    #[serde(default)]
    pub rekey_data: bool,
    #[serde(default)]
    pub rekey_logs: bool,
    #[serde(default)]
    pub users: Vec<UserChange>,
    #[serde(default)]
    pub events: Vec<OwnedEvent>,
    /// Signed grants of keys and roles (applied with the users' changes).
    #[serde(default)]
    pub grants: Vec<super::grants::NewGrant>,
}

impl Record {
    pub fn new(op: &str, by: &str, now: DateTime<Utc>, target: SlotFile) -> Self {
        let mut id = [0u8; 12];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
        Record {
            id: hex::encode(id),
            op: op.to_string(),
            by: by.to_string(),
            at: trail::ts(now),
            target,
            migrate: false,
            rekey_data: false,
            rekey_logs: false,
            users: Vec::new(),
            events: Vec::new(),
            grants: Vec::new(),
        }
    }

    fn write(&self, paths: &VaultPaths) -> Result<()> {
        let text = serde_json::to_vec_pretty(self).map_err(|e| Error::Invalid(e.to_string()))?;
        crate::fsutil::write_atomic(&paths.keyop(), &text)
    }

    pub fn read(paths: &VaultPaths) -> Result<Option<Record>> {
        let path = paths.keyop();
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        serde_json::from_slice(&text)
            .map(Some)
            .map_err(|e| Error::BadVault {
                path,
                what: format!("the record of an interrupted key operation is unreadable ({e})"),
            })
    }
}

/// The keys a database had before the operation, as the applier holds them.
#[derive(Clone, Default)]
pub struct Before {
    pub data: Option<Key>,
    pub logs: Option<Key>,
}

impl Before {
    pub fn of(k: &KeySet) -> Self {
        Before {
            data: k.data.clone(),
            logs: Some(k.logs.clone()),
        }
    }
}

/// A test hook: `DESK_TEST_CRASH_AT=keyop:<phase>` stops the process dead
/// (abort: no destructor runs, its locks die with it) at that phase of a key
/// operation, so the crash tests can land in every phase on purpose.
fn crash_point(phase: &str) {
    if let Ok(want) = std::env::var("DESK_TEST_CRASH_AT") {
        if want.strip_prefix("keyop:") == Some(phase) {
            std::process::abort();
        }
    }
}

/// Bytes free on the file system holding `dir`.
fn free_bytes(dir: &Path) -> Option<u64> {
    if let Ok(v) = std::env::var("DESK_TEST_FREE_BYTES") {
        return v.parse().ok();
    }
    let s = rustix::fs::statvfs(dir).ok()?;
    Some(s.f_bavail.saturating_mul(s.f_frsize))
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// Refuse a rekey that the disk cannot hold: every page is written once
/// more (into the write-ahead log) before it replaces the old.
fn check_space(paths: &VaultPaths, rec: &Record) -> Result<()> {
    if std::env::var("DESK_TEST_SKIP_SPACE_CHECK").as_deref() == Ok("1") {
        return Ok(());
    }
    let margin = 64 << 20;
    let mut need = 0u64;
    if rec.rekey_data {
        need += file_size(&paths.db()) + file_size(&paths.dir.join("vault.db-wal"));
    }
    if rec.rekey_logs {
        need += file_size(&paths.logs()) + file_size(&paths.dir.join("logs.db-wal"));
    }
    if need == 0 {
        return Ok(());
    }
    need += margin;
    match free_bytes(&paths.dir) {
        Some(free) if free < need => Err(Error::Invalid(format!(
            "not enough free disk space to rekey the vault: it needs about {} MiB and {} MiB are free; \
             nothing was changed",
            need >> 20,
            free >> 20
        ))),
        _ => Ok(()),
    }
}

/// Open `db` with whichever of `new` or `old` opens it; change it to `new`
/// if it was still `old`. Returns the connection, under `new`.
fn rekey_forward(path: &Path, db: Db, old: Option<&Key>, new: &Key, busy: Duration) -> Result<()> {
    if open::open(path, new, db, busy).is_ok() {
        return Ok(());
    }
    let old = old.ok_or_else(|| {
        Error::Busy(
            "an interrupted key change needs a dpo or staff member to sign in and finish it".into(),
        )
    })?;
    let conn = open::open(path, old, db, busy)?;
    open::rekey(&conn, new)
}

/// Apply the logs changes once (the operation's id marks them applied).
/// Returns true if this call applied them.
fn apply_logs(logs: &Connection, rec: &Record, signer: Option<Signer>) -> Result<bool> {
    let tx = rusqlite::Transaction::new_unchecked(logs, TransactionBehavior::Immediate)?;
    let done: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM keyops WHERE id = ?1)",
        [&rec.id],
        |r| r.get(0),
    )?;
    if done {
        return Ok(false);
    }
    for c in &rec.users {
        match c {
            UserChange::Add {
                name,
                role,
                slot_tag,
                public_key,
                created_at,
                created_by,
            } => {
                let pk =
                    hex::decode(public_key).map_err(|_| Error::Crypto("bad public key".into()))?;
                tx.execute(
                    "INSERT INTO users (name, role, slot_tag, public_key, created_at, created_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![name, role.name(), slot_tag, pk, created_at, created_by],
                )?;
            }
            UserChange::Remove { name } => {
                tx.execute("DELETE FROM users WHERE name = ?1", [name])?;
            }
            UserChange::SetRole { name, role } => {
                tx.execute(
                    "UPDATE users SET role = ?2 WHERE name = ?1",
                    params![name, role.name()],
                )?;
            }
        }
    }
    for g in &rec.grants {
        g.insert(&tx)?;
    }
    for ev in &rec.events {
        trail::append_owned(&tx, ev, signer)?;
    }
    tx.execute(
        "INSERT INTO keyops (id, op, at) VALUES (?1, ?2, ?3)",
        params![rec.id, rec.op, rec.at],
    )?;
    tx.commit()?;
    Ok(true)
}

/// Write the target slot file as the next generation of the current one.
fn write_slots(paths: &VaultPaths, rec: &Record) -> Result<()> {
    let current = SlotFile::read(&paths.slots())
        .map(|f| f.generation)
        .unwrap_or(0);
    let mut target = rec.target.clone();
    target.generation = current.max(target.generation);
    target.write(&paths.slots())
}

/// Steps 3 onward, from wherever they stand. `before`/`after`: the
/// applier's keys in the current and the target slot file.
fn forward(
    paths: &VaultPaths,
    rec: &Record,
    before: &Before,
    after: &KeySet,
    busy: Duration,
    signer: Option<Signer>,
) -> Result<()> {
    if rec.migrate {
        let data_key = before.data.as_ref().ok_or(Error::BadCredentials)?;
        let mut data = match open::open(&paths.db(), data_key, Db::Data, busy) {
            Ok(c) => c,
            Err(_) => open::open(
                &paths.db(),
                after.data.as_ref().ok_or(Error::BadCredentials)?,
                Db::Data,
                busy,
            )?,
        };
        let field = after.field.as_ref().ok_or(Error::BadCredentials)?;
        migrate::migrate(&mut data, &paths.logs(), &after.logs, field)?;
        let logs = open::open(&paths.logs(), &after.logs, Db::Logs, busy)?;
        migrate::logs_wal(&logs)?;
        crash_point("migrated");
    }
    if rec.rekey_data {
        let new = after.data.as_ref().ok_or(Error::BadCredentials)?;
        rekey_forward(&paths.db(), Db::Data, before.data.as_ref(), new, busy)?;
        crash_point("data_rekeyed");
    }
    if rec.rekey_logs {
        rekey_forward(
            &paths.logs(),
            Db::Logs,
            before.logs.as_ref(),
            &after.logs,
            busy,
        )?;
        crash_point("logs_rekeyed");
    }
    // Never write slots that would not open the files: prove each key first.
    if let Some(d) = &after.data {
        open::open(&paths.db(), d, Db::Data, busy)?;
    }
    let logs = open::open(&paths.logs(), &after.logs, Db::Logs, busy)?;
    apply_logs(&logs, rec, signer)?;
    crash_point("logs_applied");
    write_slots(paths, rec)?;
    crash_point("slots_written");
    let _ = std::fs::remove_file(paths.keyop());
    Ok(())
}

/// The applier's keys in `file` (their own slot, opened with their identity).
pub(crate) fn keys_in(
    file: &SlotFile,
    vault_id: &str,
    user: &str,
    id: &Identity,
) -> Option<KeySet> {
    let slot = file.find(&keys::slot_tag(vault_id, user))?;
    match keys::unseal(id, slot).ok()? {
        Sealed::Keys(k) => Some(k),
        Sealed::Legacy(k) => Some(KeySet {
            logs: k.clone(),
            data: Some(k),
            field: None,
        }),
    }
}

/// Run a key operation as its owner (the caller holds `keys.lock`
/// exclusively). On a failure before the logs changes commit, undo and
/// delete the record: nothing changed.
pub(crate) fn execute(
    paths: &VaultPaths,
    rec: &Record,
    before: &Before,
    after: &KeySet,
    busy: Duration,
    signer: Option<Signer>,
) -> Result<()> {
    check_space(paths, rec)?;
    rec.write(paths)?;
    crash_point("recorded");
    let result = forward(paths, rec, before, after, busy, signer);
    if let Err(e) = result {
        // Committed already? Then it is done in the vault: finish forward later.
        let committed = open::open(&paths.logs(), &after.logs, Db::Logs, busy)
            .ok()
            .and_then(|c| {
                c.query_row(
                    "SELECT EXISTS (SELECT 1 FROM keyops WHERE id = ?1)",
                    [&rec.id],
                    |r| r.get::<_, bool>(0),
                )
                .ok()
            })
            .unwrap_or(false);
        if committed {
            return Err(Error::Busy(format!(
                "a key change is recorded but could not be finished ({e}); it will be finished \
                 at the next sign-in"
            )));
        }
        undo(paths, rec, before, after, busy)?;
        let _ = std::fs::remove_file(paths.keyop());
        return Err(e);
    }
    Ok(())
}

/// Change back any database already under the new key.
fn undo(
    paths: &VaultPaths,
    rec: &Record,
    before: &Before,
    after: &KeySet,
    busy: Duration,
) -> Result<()> {
    if rec.rekey_logs {
        if let Some(old) = &before.logs {
            if let Ok(c) = open::open(&paths.logs(), &after.logs, Db::Logs, busy) {
                open::rekey(&c, old)?;
            }
        }
    }
    if rec.rekey_data {
        if let (Some(old), Some(new)) = (&before.data, &after.data) {
            if let Ok(c) = open::open(&paths.db(), new, Db::Data, busy) {
                open::rekey(&c, old)?;
            }
        }
    }
    Ok(())
}

/// Finish an operation a dead process left (the caller holds `keys.lock`
/// exclusively). `keys`: the applier's keys in the current slot file.
pub(crate) fn recover(s: &Session, keys: &KeySet, now: DateTime<Utc>) -> Result<()> {
    let Some(rec) = Record::read(s.paths())? else {
        return Ok(());
    };
    let user = s.user().name;
    recover_with(
        s.paths(),
        &rec,
        &user,
        s.vault_id(),
        s.identity(),
        Before::of(keys),
        s.wait(),
        now,
    )
}

/// Finish `rec` as `user` with `identity`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn recover_with(
    paths: &VaultPaths,
    rec: &Record,
    user: &str,
    vault_id: &str,
    identity: &Identity,
    before: Before,
    busy: Duration,
    now: DateTime<Utc>,
) -> Result<()> {
    let after = keys_in(&rec.target, vault_id, user, identity).ok_or_else(|| {
        // This user is not in the vault as the operation leaves it.
        Error::BadCredentials
    })?;
    let mut rec = rec.clone();
    let mut ev = OwnedEvent::new(
        now,
        &trail::NewEvent {
            user: Some(user),
            action: "key_operation_finished",
            detail: Some(serde_json::json!({
                "operation": rec.op, "by": rec.by, "started_at": rec.at,
                "reason": "its process stopped before it finished"
            })),
            ..Default::default()
        },
        trail::Outcome::Ok,
    );
    if let Some(seed) = &identity.signing_seed {
        ev.sign(seed);
    }
    rec.events.push(ev);
    let signer = identity
        .signing_seed
        .as_ref()
        .map(|seed| Signer { name: user, seed });
    forward(paths, &rec, &before, &after, busy, signer)
}
