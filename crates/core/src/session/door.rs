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
//!
//! What a use case tells the door and gets inside it ([`Op`], [`Tx`]) is in
//! `op.rs`; the key lock, the keys, the connections and the signed-in user
//! (steps 1 and 2) in `connect.rs`.

use super::connect::Conns;
use super::grants::Roster;
use super::{Session, User};
use crate::error::{Error, Result};
use crate::roles::{Action, Role};
use crate::trail::{self, Outcome, OwnedEvent};
use crate::vault::keys::KeySet;
use crate::vault::lock;
use crate::vault::open;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};
use serde_json::json;
use std::sync::Arc;

pub(crate) use super::op::{failure_detail, outcome_of, Access, Op, Tx};

impl Session {
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
