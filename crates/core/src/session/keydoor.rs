//! The door of key operations ([`Session::key_door`]): the key lock held
//! exclusively, the role checked (a refusal audited), the use case building
//! the operation's record from the vault as it is now ([`KeyTx`]), and the
//! protocol of [`super::keyop`] running it.

use super::keyop::{execute, recover, Before, Record};
use super::Session;
use crate::error::{Error, Result};
use crate::roles::{Action, Role};
use crate::session::door::{failure_detail, outcome_of};
use crate::trail::{self, OwnedEvent};
use crate::vault::keys::{KeySet, SlotFile};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};
use serde_json::Value;

/// What a key operation's use case sees: the vault as it is now, read under
/// the exclusive key lock.
pub(crate) struct KeyTx<'s> {
    pub logs: &'s Connection,
    pub user: super::User,
    pub now: DateTime<Utc>,
    /// The slot file as it is now.
    pub file: &'s SlotFile,
    /// The acting user's keys now.
    pub keys: &'s KeySet,
    pub session: &'s Session,
}

impl KeyTx<'_> {
    /// Every user's name, role and public key, from the encrypted logs
    /// (never from the plaintext slot file).
    pub fn users(&self) -> Result<Vec<(String, Role, [u8; 32])>> {
        let mut stmt = self
            .logs
            .prepare("SELECT name, role, public_key FROM users ORDER BY name")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(n, r, pk)| {
                let pk = <[u8; 32]>::try_from(pk.as_slice())
                    .map_err(|_| Error::Damaged("a user's public key is damaged".into()))?;
                Ok((n, r.parse()?, pk))
            })
            .collect()
    }

    pub fn vault_id(&self) -> &str {
        self.session.vault_id()
    }

    /// An audit event by the acting user, signed, for the record.
    pub fn event(&self, action: &str, detail: serde_json::Value) -> OwnedEvent {
        let mut ev = OwnedEvent::new(
            self.now,
            &trail::NewEvent {
                user: Some(&self.user.name),
                action,
                detail: Some(detail),
                ..Default::default()
            },
            trail::Outcome::Ok,
        );
        if let Some(s) = self.session.signer() {
            ev.sign(s.seed);
        }
        ev
    }

    /// A grant signed by the acting user.
    pub fn grant(
        &self,
        kind: &str,
        name: &str,
        role: Option<Role>,
        public_key: Option<&[u8]>,
        signing_key: Option<&[u8]>,
    ) -> Result<super::grants::NewGrant> {
        let s = self.session.signer().ok_or_else(|| Error::Forbidden {
            role: self.user.role.name().into(),
            action: "granting keys without a signing key of your own".into(),
        })?;
        Ok(super::grants::NewGrant::signed(
            kind,
            name,
            role,
            public_key,
            signing_key,
            &trail::ts(self.now),
            s.name,
            s.seed,
        ))
    }
}

impl Session {
    /// The door for key operations: the key lock held exclusively, the role
    /// checked (a refusal audited), `f` builds the operation's record from
    /// the vault as it is now (or refuses, audited), and the protocol runs
    /// it. `f` returns the record and the acting user's keys afterwards.
    pub(crate) fn key_door<T>(
        &self,
        action: Action,
        event: &'static str,
        now: DateTime<Utc>,
        f: impl FnOnce(&KeyTx) -> Result<(Record, KeySet, T)>,
    ) -> Result<T> {
        self.key_door_inner(action, event, now, f)
            .map_err(|e| self.busy_or(e))
    }

    fn key_door_inner<T>(
        &self,
        action: Action,
        event: &'static str,
        now: DateTime<Utc>,
        f: impl FnOnce(&KeyTx) -> Result<(Record, KeySet, T)>,
    ) -> Result<T> {
        let _ex = crate::vault::lock::key_lock(self.paths(), true, self.wait())?;
        let keys = self.current_keys_now()?;
        recover(self, &keys, now)?;
        let keys = self.current_keys_now()?;
        let file = SlotFile::read(&self.paths().slots())?;
        let conns = self.connect(&keys)?;
        let user = self.refresh_user(&conns.logs)?;
        // A refusal is recorded under the action's name, anything else
        // under the event's.
        let audit = |outcome: trail::Outcome, detail: Value| -> Result<()> {
            let name = if outcome == trail::Outcome::Refused {
                action.name()
            } else {
                event
            };
            self.key_event(&conns.logs, &user.name, name, now, outcome, detail)
        };
        if !action.allowed_for(user.role) {
            audit(
                trail::Outcome::Refused,
                serde_json::json!({"role": user.role.name()}),
            )?;
            return Err(Error::Forbidden {
                role: user.role.name().into(),
                action: action.describe().into(),
            });
        }
        let ktx = KeyTx {
            logs: &conns.logs,
            user: user.clone(),
            now,
            file: &file,
            keys: &keys,
            session: self,
        };
        let built = f(&ktx);
        drop(ktx);
        let (rec, after, out) = match built {
            Ok(b) => b,
            Err(e) => {
                audit(outcome_of(&e), failure_detail(&e))?;
                return Err(e);
            }
        };
        drop(conns);
        if let Err(e) = execute(
            self.paths(),
            &rec,
            &Before::of(&keys),
            &after,
            self.wait(),
            self.signer(),
        ) {
            if !matches!(e, Error::Busy(_)) {
                self.key_failed(&user.name, event, &rec, &e, now)?;
            }
            return Err(e);
        }
        Ok(out)
    }

    /// Record that a key operation failed as it ran (it was undone: nothing
    /// changed), on fresh connections.
    fn key_failed(
        &self,
        user: &str,
        event: &str,
        rec: &Record,
        e: &Error,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let conns = self.connect(&self.current_keys_now()?)?;
        let mut detail = failure_detail(e);
        detail["operation"] = serde_json::json!(rec.op);
        self.key_event(&conns.logs, user, event, now, outcome_of(e), detail)
    }

    /// Append a key operation's event in a transaction of its own.
    fn key_event(
        &self,
        logs: &Connection,
        user: &str,
        action: &str,
        now: DateTime<Utc>,
        outcome: trail::Outcome,
        detail: Value,
    ) -> Result<()> {
        let tx = rusqlite::Transaction::new_unchecked(logs, TransactionBehavior::Immediate)?;
        trail::append(
            &tx,
            now,
            &trail::NewEvent {
                user: Some(user),
                action,
                detail: Some(detail),
                ..Default::default()
            },
            outcome,
            self.signer(),
        )?;
        tx.commit()?;
        Ok(())
    }
}
