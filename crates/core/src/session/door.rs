//! The one door every use case goes through:
//!
//! 1. take the vault's key lock, shared (a key operation elsewhere is waited
//!    for, with a bound), and pick up new keys if they changed;
//! 2. open the databases and start the transaction the use case needs;
//! 3. check the role, read afresh inside that transaction — a refusal is
//!    audited and answered with [`Error::Forbidden`];
//! 4. run the use case;
//! 5. append its audit event — success, or failure in a transaction of its
//!    own after the use case's was rolled back — and commit.
//!
//! Three kinds of access:
//! - [`Access::Logs`]: reads of anything, and writes of `logs.db`. One
//!   `BEGIN IMMEDIATE` transaction on `logs.db` (so every check that guards a
//!   write — sequence numbers, chain heads, request states, ids — is made
//!   inside the transaction that acts on it), and a read snapshot of
//!   `vault.db`: a sync writing elsewhere never blocks it.
//! - [`Access::Data`]: writes of `vault.db` (sync, holds, the conflict
//!   check). One `BEGIN IMMEDIATE` transaction on `vault.db`; writers take
//!   turns. The audit event goes into `vault.db`'s outbox inside that
//!   transaction, so it commits with the change, and is moved into the trail
//!   right after (and by the next session of anyone who holds the data key,
//!   should this process die in between).
//! - [`Access::Snapshot`]: long reads whose start and end the use case
//!   audits itself through two `Logs` calls (bundles): read snapshots of both
//!   databases, no write lock held.

use super::grants::{self, Roster};
use super::{lock as mlock, Held, Session, User};
use crate::error::{Error, Result};
use crate::roles::{Action, Role};
use crate::trail::{self, NewEvent, Outcome, OwnedEvent, Signer};
use crate::vault::keys::{self, KeySet, Sealed};
use crate::vault::lock::{self, KeyLock};
use crate::vault::open::{self, Db};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde_json::{json, Value};
use std::sync::Arc;

/// How a use case touches the vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    Logs,
    Data,
    Snapshot,
}

/// What the door needs to know about a use case.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Op<'a> {
    pub action: Action,
    /// The audit event's name on success; None for reads of no member data
    /// (refusals and failures are audited all the same).
    pub event: Option<&'static str>,
    pub access: Access,
    pub site: Option<&'a str>,
    pub member_id: Option<&'a str>,
    /// The event name of a failure, when not `event`'s.
    pub fails_as: Option<&'static str>,
}

impl<'a> Op<'a> {
    /// Reads, and writes of the logs.
    pub fn logs(action: Action, event: &'static str) -> Self {
        Op {
            action,
            event: Some(event),
            access: Access::Logs,
            site: None,
            member_id: None,
            fails_as: None,
        }
    }
    /// A read that is not audited when it succeeds (no member data).
    pub fn quiet(action: Action) -> Self {
        Op {
            action,
            event: None,
            access: Access::Logs,
            site: None,
            member_id: None,
            fails_as: None,
        }
    }
    /// Writes of member data.
    pub fn data(action: Action, event: &'static str) -> Self {
        Op {
            action,
            event: Some(event),
            access: Access::Data,
            site: None,
            member_id: None,
            fails_as: None,
        }
    }
    /// A long read, audited by the use case at its start and end.
    pub fn snapshot(action: Action) -> Self {
        Op {
            action,
            event: None,
            access: Access::Snapshot,
            site: None,
            member_id: None,
            fails_as: None,
        }
    }
    /// Record a failure under another event name (the start of a bundle
    /// fails as the bundle).
    pub fn fails_as(mut self, event: &'static str) -> Self {
        self.fails_as = Some(event);
        self
    }

    /// The site (and member) the event is about.
    pub fn on(mut self, site: Option<&'a str>, member_id: Option<&'a str>) -> Self {
        self.site = site;
        self.member_id = member_id;
        self
    }
}

/// What a use case gets: the connections inside their transactions, who is
/// acting, the time, and a place to say what the audit event records.
pub(crate) struct Tx<'s> {
    pub logs: &'s Connection,
    data: Option<&'s Connection>,
    pub user: User,
    pub now: DateTime<Utc>,
    keys: &'s KeySet,
    signer: Option<Signer<'s>>,
    roster: Arc<Roster>,
    root: Option<[u8; 32]>,
    paths: &'s crate::vault::VaultPaths,
    detail: Option<Value>,
    site: Option<String>,
    member_id: Option<String>,
    event: Option<&'static str>,
    outcome: Outcome,
}

impl<'s> Tx<'s> {
    /// How the event records the use case's end when it returns Ok (a
    /// verification that found damage is `failed`, not `ok`).
    pub fn outcome(&mut self, o: Outcome) {
        self.outcome = o;
    }

    /// `vault.db` (for dpo and staff; an auditor's keys do not open it).
    pub fn data(&self) -> Result<&'s Connection> {
        self.data.ok_or_else(|| Error::Forbidden {
            role: self.user.role.name().into(),
            action: "reading members' data".into(),
        })
    }

    /// Whether this session can read member data.
    pub fn has_data(&self) -> bool {
        self.data.is_some()
    }

    /// What the audit event records (replaces anything set before).
    pub fn detail(&mut self, v: Value) {
        self.detail = Some(v);
    }

    /// The site and member the event is about, once the use case knows.
    pub fn about(&mut self, site: &str, member_id: Option<&str>) {
        self.site = Some(site.to_string());
        self.member_id = member_id.map(String::from);
    }

    /// Seal a member-data field of `logs.db` (a requester's words).
    pub fn seal_field(&self, text: &str) -> Result<String> {
        match &self.keys.field {
            Some(k) if !text.is_empty() => crate::vault::raw::seal_field(k, text),
            Some(_) => Ok(String::new()),
            None => Err(Error::Forbidden {
                role: self.user.role.name().into(),
                action: "writing members' data".into(),
            }),
        }
    }

    /// A connection of its own to one of the vault's files (for a check
    /// that may leave a connection unusable once it meets a damaged page).
    pub fn open_fresh(&self, db: Db) -> Result<Connection> {
        let key = match db {
            Db::Logs => &self.keys.logs,
            Db::Data => self.keys.data.as_ref().ok_or_else(|| Error::Forbidden {
                role: self.user.role.name().into(),
                action: "reading members' data".into(),
            })?,
        };
        let path = match db {
            Db::Logs => self.paths.logs(),
            Db::Data => self.paths.db(),
        };
        open::open(&path, key, db, std::time::Duration::from_secs(30))
    }

    /// Who signs what this use case writes (the signed-in user).
    pub fn signer(&self) -> Option<Signer<'s>> {
        self.signer
    }

    /// Sign `bytes` for `domain` as the signed-in user: (public key, signature).
    pub fn sign(&self, domain: crate::signing::Domain, bytes: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        self.signer.map(|s| {
            (
                crate::signing::public_key(s.seed).to_vec(),
                crate::signing::sign(s.seed, domain, bytes),
            )
        })
    }

    /// The users, keys and roles as the signed grants say.
    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    /// The vault's root signing key as this user's slot holds it.
    pub fn trusted_root(&self) -> Option<[u8; 32]> {
        self.root
    }

    /// Open a sealed field; an auditor (no field key) gets an empty text.
    pub fn open_field(&self, sealed: &str) -> Result<String> {
        match &self.keys.field {
            Some(k) => crate::vault::raw::open_field(k, sealed),
            None => Ok(String::new()),
        }
    }

    /// The event recording `e`: what the use case had said, plus the error.
    fn failure_event(&self, e: &Error, fails_as: Option<&'static str>) -> OwnedEvent {
        let mut d = self
            .detail
            .clone()
            .filter(|v| v.is_object())
            .unwrap_or_else(|| json!({}));
        if let (Some(d), Value::Object(f)) = (d.as_object_mut(), failure_detail(e)) {
            d.extend(f);
        }
        self.named_event(fails_as.or(self.event), outcome_of(e), Some(d))
    }

    fn owned_event(&self, outcome: Outcome, detail: Option<Value>) -> OwnedEvent {
        self.named_event(self.event, outcome, detail)
    }

    /// An event of the signed-in user, signed (the name is part of what is
    /// signed, so it is set before).
    fn named_event(
        &self,
        name: Option<&str>,
        outcome: Outcome,
        detail: Option<Value>,
    ) -> OwnedEvent {
        let mut ev = OwnedEvent::new(
            self.now,
            &NewEvent {
                user: Some(&self.user.name),
                action: name.unwrap_or("unnamed"),
                site: self.site.as_deref(),
                member_id: self.member_id.as_deref(),
                detail,
            },
            outcome,
        );
        if let Some(s) = self.signer {
            ev.sign(s.seed);
        }
        ev
    }
}

/// How a failed use case is recorded.
pub(crate) fn outcome_of(e: &Error) -> Outcome {
    match e {
        Error::Forbidden { .. } => Outcome::Refused,
        Error::Refused(_) | Error::OutOfSequence(_) => Outcome::Refused,
        Error::Cancelled => Outcome::Cancelled,
        _ => Outcome::Failed,
    }
}

/// The audit detail of a failure: its code and message (never member data).
pub(crate) fn failure_detail(e: &Error) -> Value {
    json!({"error": e.code(), "message": e.to_string()})
}

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
    fn current(&self, logs: &Connection) -> Result<(User, Arc<Roster>)> {
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

    /// Run a use case through the door (see the module documentation).
    pub(crate) fn door<T>(
        &self,
        op: Op,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Tx) -> Result<T>,
    ) -> Result<T> {
        self.door_inner(op, now, f).map_err(|e| self.busy_or(e))
    }

    /// Map "database is locked" to the plain busy answer, and a page that
    /// fails its check to the plain "damaged".
    pub(crate) fn busy_or(&self, e: Error) -> Error {
        match &e {
            Error::Db(d) if open::is_busy(d) => lock::busy(&self.paths),
            Error::Db(d) if open::is_damage(d) => Error::Damaged(
                "a page of the vault fails its check (the file is damaged): nothing was done; \
                 `desk vault check` names the damaged pages; restore from a backup"
                    .into(),
            ),
            _ => e,
        }
    }

    fn door_inner<T>(
        &self,
        op: Op,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Tx) -> Result<T>,
    ) -> Result<T> {
        let (_guard, keys) = self.enter()?;
        let conns = self.connect(&keys)?;
        match op.access {
            Access::Logs => self.logs_call(op, now, &conns, &keys, f),
            Access::Data => self.data_call(op, now, &conns, &keys, f),
            Access::Snapshot => self.snapshot_call(op, now, &conns, &keys, f),
        }
    }

    fn tx<'s>(
        &'s self,
        op: &Op,
        now: DateTime<Utc>,
        conns: &'s Conns,
        keys: &'s KeySet,
        user: User,
        roster: Arc<Roster>,
    ) -> Tx<'s> {
        let data = match user.role {
            Role::Auditor => None,
            _ => conns.data.as_ref(),
        };
        Tx {
            logs: &conns.logs,
            data,
            user,
            now,
            keys,
            signer: self.signer(),
            roster,
            root: self.identity.root,
            paths: &self.paths,
            detail: None,
            site: op.site.map(String::from),
            member_id: op.member_id.map(String::from),
            event: op.event.or(Some(op.action.name())),
            outcome: Outcome::Ok,
        }
    }

    /// Append a refusal or failure in a transaction of its own.
    fn audit_alone(&self, logs: &Connection, ev: &OwnedEvent) -> Result<()> {
        let tx = rusqlite::Transaction::new_unchecked(logs, TransactionBehavior::Immediate)?;
        trail::append_owned(&tx, ev, self.signer())?;
        tx.commit()?;
        Ok(())
    }

    fn refuse(&self, op: &Op, tx: &Tx, user: &User) -> Error {
        let t = tx.named_event(
            Some(op.action.name()),
            Outcome::Refused,
            Some(json!({"role": user.role.name()})),
        );
        if let Err(e) = trail::append_owned(tx.logs, &t, tx.signer) {
            return e;
        }
        Error::Forbidden {
            role: user.role.name().into(),
            action: op.action.describe().into(),
        }
    }

    fn logs_call<T>(
        &self,
        op: Op,
        now: DateTime<Utc>,
        conns: &Conns,
        keys: &KeySet,
        f: impl FnOnce(&mut Tx) -> Result<T>,
    ) -> Result<T> {
        // A snapshot of the data first (so the logs' write lock is held for
        // as short a time as possible), then the logs' write transaction.
        let data_tx = match &conns.data {
            Some(d) => Some(begin_snapshot(d)?),
            None => None,
        };
        let ltx =
            rusqlite::Transaction::new_unchecked(&conns.logs, TransactionBehavior::Immediate)?;
        let (user, roster) = self.current(&ltx)?;
        let mut tx = self.tx(&op, now, conns, keys, user.clone(), roster);
        if !op.action.allowed_for(user.role) {
            let e = self.refuse(&op, &tx, &user);
            ltx.commit()?;
            return Err(e);
        }
        match f(&mut tx) {
            Ok(v) => {
                if tx.event.is_some() && op.event.is_some() {
                    let ev = tx.owned_event(tx.outcome, tx.detail.clone());
                    trail::append_owned(&ltx, &ev, tx.signer)?;
                }
                ltx.commit()?;
                drop(data_tx);
                Ok(v)
            }
            Err(e) => {
                let ev = tx.failure_event(&e, op.fails_as);
                drop(ltx);
                drop(data_tx);
                self.audit_alone(&conns.logs, &ev)?;
                Err(e)
            }
        }
    }

    fn data_call<T>(
        &self,
        op: Op,
        now: DateTime<Utc>,
        conns: &Conns,
        keys: &KeySet,
        f: impl FnOnce(&mut Tx) -> Result<T>,
    ) -> Result<T> {
        let (user, roster) = {
            let t = conns.logs.unchecked_transaction()?;
            let u = self.current(&t)?;
            t.commit()?;
            u
        };
        let probe = self.tx(&op, now, conns, keys, user.clone(), roster.clone());
        if !op.action.allowed_for(user.role) || probe.data.is_none() {
            let ltx =
                rusqlite::Transaction::new_unchecked(&conns.logs, TransactionBehavior::Immediate)?;
            let e = self.refuse(&op, &probe, &user);
            ltx.commit()?;
            return Err(e);
        }
        drop(probe);
        let data = conns.data.as_ref().ok_or(Error::BadCredentials)?;
        let dtx = rusqlite::Transaction::new_unchecked(data, TransactionBehavior::Immediate)?;
        let _note = lock::announce(&self.paths, &user.name, &describe(&op), now)?;
        let mut tx = self.tx(&op, now, conns, keys, user, roster);
        match f(&mut tx) {
            Ok(v) => {
                if tx.event.is_some() && op.event.is_some() {
                    trail::outbox_add(&dtx, &tx.owned_event(tx.outcome, tx.detail.clone()))?;
                }
                trail::outbox_prune(&dtx, &conns.logs)?;
                dtx.commit()?;
                trail::outbox_flush(data, &conns.logs, self.signer())?;
                Ok(v)
            }
            Err(e) => {
                let ev = tx.failure_event(&e, op.fails_as);
                drop(dtx);
                self.audit_alone(&conns.logs, &ev)?;
                Err(e)
            }
        }
    }

    fn snapshot_call<T>(
        &self,
        op: Op,
        now: DateTime<Utc>,
        conns: &Conns,
        keys: &KeySet,
        f: impl FnOnce(&mut Tx) -> Result<T>,
    ) -> Result<T> {
        let data_tx = match &conns.data {
            Some(d) => Some(begin_snapshot(d)?),
            None => None,
        };
        let ltx = begin_snapshot(&conns.logs)?;
        let (user, roster) = self.current(&conns.logs)?;
        let mut tx = self.tx(&op, now, conns, keys, user.clone(), roster);
        if !op.action.allowed_for(user.role) {
            drop(ltx);
            let w =
                rusqlite::Transaction::new_unchecked(&conns.logs, TransactionBehavior::Immediate)?;
            let e = self.refuse(&op, &tx, &user);
            w.commit()?;
            return Err(e);
        }
        let r = f(&mut tx);
        drop(ltx);
        drop(data_tx);
        r
    }

    /// Ask whether the signed-in user's role allows `action` now (read
    /// afresh); a refusal is audited like any other, a yes is not.
    /// Interfaces use it before work they do themselves (reading a file to
    /// send), so that a refusal comes first.
    pub fn authorize(
        &self,
        action: Action,
        now: DateTime<Utc>,
        site: Option<&str>,
        member_id: Option<&str>,
    ) -> Result<()> {
        self.door(Op::quiet(action).on(site, member_id), now, |_| Ok(()))
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

/// A read transaction whose snapshot starts now.
fn begin_snapshot(conn: &Connection) -> Result<rusqlite::Transaction<'_>> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Deferred)?;
    tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(tx)
}

/// A few words for the activity note ("a sync", "a conflict check").
fn describe(op: &Op) -> String {
    match op.event.unwrap_or(op.action.name()) {
        "sync" => "a sync".into(),
        "conflicts_check" => "a conflict check".into(),
        "search_reindex" => "a search index rebuild".into(),
        "hold_set" | "hold_lifted" => "a legal hold change".into(),
        other => format!("'{}'", other.replace('_', " ")),
    }
}

/// Who may hold the data key: dpo and staff.
pub(crate) fn holds_data(role: Role) -> bool {
    matches!(role, Role::Dpo | Role::Staff)
}
