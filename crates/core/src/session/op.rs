//! What a use case tells the door ([`Op`]: its action, event and access)
//! and what it gets inside ([`Tx`]: the connections in their transactions,
//! who is acting, the time, and the audit event it records), and how a
//! failure is recorded.

use super::grants::Roster;
use super::User;
use crate::error::{Error, Result};
use crate::roles::Action;
use crate::trail::{NewEvent, Outcome, OwnedEvent, Signer};
use crate::vault::keys::KeySet;
use crate::vault::open::{self, Db};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
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
    pub(super) data: Option<&'s Connection>,
    pub user: User,
    pub now: DateTime<Utc>,
    pub(super) keys: &'s KeySet,
    pub(super) signer: Option<Signer<'s>>,
    pub(super) roster: Arc<Roster>,
    pub(super) root: Option<[u8; 32]>,
    pub(super) paths: &'s crate::vault::VaultPaths,
    pub(super) detail: Option<Value>,
    pub(super) site: Option<String>,
    pub(super) member_id: Option<String>,
    pub(super) event: Option<&'static str>,
    pub(super) outcome: Outcome,
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
    pub(super) fn failure_event(&self, e: &Error, fails_as: Option<&'static str>) -> OwnedEvent {
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

    pub(super) fn owned_event(&self, outcome: Outcome, detail: Option<Value>) -> OwnedEvent {
        self.named_event(self.event, outcome, detail)
    }

    /// An event of the signed-in user, signed (the name is part of what is
    /// signed, so it is set before).
    pub(super) fn named_event(
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
