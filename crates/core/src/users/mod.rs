//! Users and roles (dpo): add, list, change a role, remove (and rekey), and
//! anyone's own password. Every change of who holds which key is a key
//! operation ([`crate::session::keyop`]): safe against other processes and a
//! crash at any instant.

use crate::error::{Error, Result};
use crate::roles::{Action, Role};
use crate::session::keyop::{KeyTx, Record, UserChange};
use crate::session::{validate_password, validate_user_name, Op, Session};
use crate::trail;
use crate::vault::keys::{self, Identity, KeySet};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

/// A user as listed for a DPO.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserInfo {
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub created_by: Option<String>,
    /// The fingerprint of the user's signing key (None until they have one).
    pub fingerprint: Option<String>,
    /// Whether a dpo gave or confirmed that key (a key a user made at the
    /// upgrade of an older vault waits for `desk user confirm`).
    pub confirmed: bool,
}

/// The keys a role holds: auditors the logs key only.
fn keys_for(role: Role, all: &KeySet) -> KeySet {
    match role {
        Role::Auditor => all.logs_only(),
        Role::Dpo | Role::Staff => all.clone(),
    }
}

fn role_of(k: &KeyTx, name: &str) -> Result<Role> {
    k.users()?
        .into_iter()
        .find(|u| u.0.eq_ignore_ascii_case(name))
        .map(|u| u.1)
        .ok_or_else(|| Error::NotFound(format!("there is no user named {name}")))
}

fn dpo_count(k: &KeyTx) -> Result<usize> {
    Ok(k.users()?.iter().filter(|u| u.1 == Role::Dpo).count())
}

/// The acting dpo must hold every key to give them out.
fn full_keys(k: &KeyTx) -> Result<KeySet> {
    if k.keys.data.is_none() || k.keys.field.is_none() {
        return Err(Error::Forbidden {
            role: k.user.role.name().into(),
            action: "giving out keys the signed-in user does not hold".into(),
        });
    }
    Ok(k.keys.clone())
}

impl Session {
    /// Add a user with their own keyslot (dpo).
    pub fn add_user(
        &self,
        name: &str,
        role: Role,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        validate_user_name(name)?;
        validate_password(password)?;
        self.key_door(Action::ManageUsers, "user_added", now, |k| {
            if k.users()?.iter().any(|u| u.0.eq_ignore_ascii_case(name)) {
                return Err(Error::Conflict(format!(
                    "there is already a user named {name}"
                )));
            }
            let all = full_keys(k)?;
            let mut identity = Identity::generate();
            identity.root = k.session.identity().root;
            let slot = keys::make_slot(
                k.vault_id(),
                name,
                password,
                &identity,
                &keys_for(role, &all),
            )?;
            let mut target = k.file.clone();
            target.upsert(slot.clone());
            let mut rec = Record::new("add_user", &k.user.name, now, target);
            rec.users.push(UserChange::Add {
                name: name.to_string(),
                role,
                slot_tag: slot.tag,
                public_key: hex::encode(identity.public_key()),
                created_at: trail::ts(now),
                created_by: Some(k.user.name.clone()),
            });
            rec.grants.push(k.grant(
                "grant",
                name,
                Some(role),
                Some(&identity.public_key()),
                identity.signing_key().as_ref().map(|x| x.as_slice()),
            )?);
            rec.events
                .push(k.event("user_added", json!({"name": name, "role": role.name()})));
            Ok((rec, k.keys.clone(), ()))
        })
    }

    pub fn list_users(&self, now: DateTime<Utc>) -> Result<Vec<UserInfo>> {
        self.door(Op::quiet(Action::ManageUsers), now, |tx| {
            let mut stmt = tx
                .logs
                .prepare("SELECT name, role, created_at, created_by FROM users ORDER BY name")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get(2)?,
                        r.get(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let roster = tx.roster();
            rows.into_iter()
                .map(
                    |(name, role, created_at, created_by): (
                        String,
                        String,
                        String,
                        Option<String>,
                    )| {
                        let m = roster.member(&name);
                        Ok(UserInfo {
                            role: m.and_then(|m| m.role).map_or_else(|| role.parse(), Ok)?,
                            fingerprint: m
                                .and_then(|m| m.signing_key.as_ref())
                                .map(|k| crate::signing::fingerprint(k)),
                            confirmed: m.is_some_and(|m| m.confirmed && m.signing_key.is_some()),
                            name,
                            created_at,
                            created_by,
                        })
                    },
                )
                .collect()
        })
    }

    /// Change a user's role (dpo). The last dpo cannot be demoted. A user
    /// who becomes an auditor keeps only the logs key; one who stops being
    /// an auditor is given the data keys.
    pub fn set_role(&self, name: &str, role: Role, now: DateTime<Utc>) -> Result<()> {
        self.key_door(Action::ManageUsers, "user_role_changed", now, |k| {
            let current = role_of(k, name)?;
            if current == Role::Dpo && role != Role::Dpo && dpo_count(k)? <= 1 {
                return Err(Error::Invalid(
                    "this is the only dpo: add another dpo before changing this role".into(),
                ));
            }
            let all = full_keys(k)?;
            let (canonical, _, pk) = k
                .users()?
                .into_iter()
                .find(|u| u.0.eq_ignore_ascii_case(name))
                .ok_or_else(|| Error::NotFound(format!("there is no user named {name}")))?;
            let mut target = k.file.clone();
            let tag = keys::slot_tag(k.vault_id(), &canonical);
            if let Some(slot) = target.slots.iter_mut().find(|s| s.tag == tag) {
                keys::reseal(slot, &pk, &keys_for(role, &all))?;
            }
            let mut rec = Record::new("set_role", &k.user.name, now, target);
            rec.users.push(UserChange::SetRole {
                name: canonical.clone(),
                role,
            });
            rec.grants
                .push(k.grant("role", &canonical, Some(role), None, None)?);
            rec.events.push(k.event(
                "user_role_changed",
                json!({"name": canonical, "from": current.name(), "to": role.name()}),
            ));
            Ok((rec, k.keys.clone(), ()))
        })
    }

    /// Remove a user and their keyslot (dpo). With `rekey`, both databases
    /// get new keys, sealed to every remaining user, so a copy of the old
    /// keys opens nothing written from now on.
    pub fn remove_user(&self, name: &str, rekey: bool, now: DateTime<Utc>) -> Result<()> {
        if name.eq_ignore_ascii_case(&self.user().name) {
            return Err(Error::Invalid("you cannot remove yourself".into()));
        }
        self.key_door(Action::ManageUsers, "user_removed", now, |k| {
            if name.eq_ignore_ascii_case(&k.user.name) {
                return Err(Error::Invalid("you cannot remove yourself".into()));
            }
            let role = role_of(k, name)?;
            if role == Role::Dpo && dpo_count(k)? <= 1 {
                return Err(Error::Invalid("the last dpo cannot be removed".into()));
            }
            let all = full_keys(k)?;
            let users = k.users()?;
            let removed = users
                .iter()
                .find(|u| u.0.eq_ignore_ascii_case(name))
                .map(|u| u.0.clone())
                .unwrap_or_else(|| name.to_string());
            let gone = keys::slot_tag(k.vault_id(), &removed);
            let mut target = k.file.clone();
            target.slots.retain(|s| s.tag != gone);
            let after = if rekey {
                let new = KeySet {
                    logs: keys::new_key(),
                    data: Some(keys::new_key()),
                    field: all.field.clone(),
                };
                for slot in &mut target.slots {
                    let owner = users
                        .iter()
                        .find(|u| keys::slot_tag(k.vault_id(), &u.0) == slot.tag);
                    match owner {
                        Some((_, r, pk)) => keys::reseal(slot, pk, &keys_for(*r, &new))?,
                        // A slot naming nobody opens nothing any more.
                        None => slot.tag.clear(),
                    }
                }
                target.slots.retain(|s| !s.tag.is_empty());
                target.set_checks(&new);
                new
            } else {
                k.keys.clone()
            };
            let mut rec = Record::new("remove_user", &k.user.name, now, target);
            rec.rekey_data = rekey;
            rec.rekey_logs = rekey;
            rec.users.push(UserChange::Remove {
                name: removed.clone(),
            });
            rec.grants
                .push(k.grant("remove", &removed, None, None, None)?);
            rec.events
                .push(k.event("user_removed", json!({"name": removed, "rekey": rekey})));
            let mine = keys_for(k.user.role, &after);
            Ok((rec, mine, ()))
        })
    }

    /// Change the signed-in user's password: re-wraps their slot only,
    /// keeping the keys sealed in it as they are in the file now.
    pub fn change_password(&self, new_password: &str, now: DateTime<Utc>) -> Result<()> {
        validate_password(new_password)?;
        self.key_door(Action::ChangeOwnPassword, "password_changed", now, |k| {
            let tag = keys::slot_tag(k.vault_id(), &k.user.name);
            let current = k.file.find(&tag).ok_or_else(|| Error::BadVault {
                path: k.session.vault_dir().join(crate::vault::SLOTS_FILE),
                what: "your keyslot is missing".into(),
            })?;
            let slot = keys::rewrap(
                k.vault_id(),
                &k.user.name,
                new_password,
                k.session.identity(),
                current,
            )?;
            let mut target = k.file.clone();
            target.upsert(slot);
            let mut rec = Record::new("password_changed", &k.user.name, now, target);
            rec.events.push(k.event("password_changed", json!({})));
            Ok((rec, k.keys.clone(), ()))
        })
    }
}

impl Session {
    /// Confirm the signing key a user made for themselves when their vault
    /// was upgraded to signed records (dpo): after checking with the person
    /// that the key's fingerprint is theirs. Until then, verification warns
    /// about what that key signed.
    pub fn confirm_user(&self, name: &str, fingerprint: &str, now: DateTime<Utc>) -> Result<()> {
        self.door(Op::logs(Action::ManageUsers, "user_confirmed"), now, |tx| {
            let m = tx
                .roster()
                .member(name)
                .cloned()
                .ok_or_else(|| Error::NotFound(format!("there is no user named {name}")))?;
            let key = m.signing_key.clone().ok_or_else(|| {
                Error::Invalid(format!(
                    "{} has no signing key yet: it is made at their next sign-in",
                    m.name
                ))
            })?;
            if m.confirmed {
                return Err(Error::Conflict(format!("{}'s signing key is already confirmed", m.name)));
            }
            let shown = crate::signing::fingerprint(&key);
            if crate::signing::normalise_fingerprint(fingerprint)
                != crate::signing::normalise_fingerprint(&shown)
            {
                return Err(Error::Invalid(format!(
                    "the fingerprint given is not {}'s key's (`desk user list` shows it): check it with them",
                    m.name
                )));
            }
            let signer = tx.signer().ok_or_else(|| Error::Forbidden {
                role: tx.user.role.name().into(),
                action: "confirming keys without a signing key of your own".into(),
            })?;
            crate::session::grants::NewGrant::signed(
                "confirm",
                &m.name,
                None,
                None,
                Some(&key),
                &trail::ts(now),
                signer.name,
                signer.seed,
            )
            .insert(tx.logs)?;
            tx.detail(json!({"name": m.name, "fingerprint": shown}));
            Ok(())
        })
    }

    /// The fingerprint of the vault's root signing key (the first dpo's), as
    /// this user's slot holds it: the team keeps it outside the vault and
    /// gives it to `desk audit verify --root`.
    pub fn root_fingerprint(&self, now: DateTime<Utc>) -> Result<Option<String>> {
        self.door(Op::quiet(Action::ReadStatus), now, |tx| {
            Ok(tx
                .trusted_root()
                .or_else(|| {
                    tx.roster()
                        .root
                        .as_ref()
                        .and_then(|r| <[u8; 32]>::try_from(r.as_slice()).ok())
                })
                .map(|r| crate::signing::fingerprint(&r)))
        })
    }
}
