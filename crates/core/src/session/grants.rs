//! Who holds which key and which role, as signed grants (`logs.grants`).
//!
//! The first dpo's grant (the root) is signed by their own key; every other
//! grant of a user, a role or a removal is signed by a dpo whose own grant
//! holds at that point. The session takes a user's role and keys from the
//! grants — never from the `users` table alone, which anyone holding the
//! logs key could edit — and verification reports every grant whose
//! signature or signer does not hold.
//!
//! The root's public key is kept inside each user's slot (wrapped under
//! their password), so that a desk trusts the root its user was given, not
//! one written into the logs later.

use crate::chain::canonical_json;
use crate::error::Result;
use crate::roles::Role;
use crate::signing::{self, Domain};
use rusqlite::{params, Connection};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One stored grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub seq: i64,
    pub kind: String,
    pub name: String,
    pub role: Option<String>,
    pub public_key: Option<Vec<u8>>,
    pub signing_key: Option<Vec<u8>>,
    pub at: String,
    pub by_name: String,
    pub by_key: Vec<u8>,
    pub signature: Vec<u8>,
}

/// The signed part of a grant.
pub fn content(
    kind: &str,
    name: &str,
    role: Option<&str>,
    public_key: Option<&[u8]>,
    signing_key: Option<&[u8]>,
    at: &str,
    by_name: &str,
) -> String {
    canonical_json(&json!({
        "kind": kind, "name": name, "role": role,
        "public_key": public_key.map(hex::encode),
        "signing_key": signing_key.map(hex::encode),
        "at": at, "by": by_name,
    }))
}

/// A grant to add, signed by `by_seed`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewGrant {
    pub kind: String,
    pub name: String,
    pub role: Option<String>,
    pub public_key: Option<String>,
    pub signing_key: Option<String>,
    pub at: String,
    pub by_name: String,
    pub by_key: String,
    pub signature: String,
}

impl NewGrant {
    /// Make and sign a grant.
    #[allow(clippy::too_many_arguments)]
    pub fn signed(
        kind: &str,
        name: &str,
        role: Option<Role>,
        public_key: Option<&[u8]>,
        signing_key: Option<&[u8]>,
        at: &str,
        by_name: &str,
        by_seed: &[u8; 32],
    ) -> NewGrant {
        let role = role.map(|r| r.name());
        let c = content(kind, name, role, public_key, signing_key, at, by_name);
        NewGrant {
            kind: kind.into(),
            name: name.into(),
            role: role.map(String::from),
            public_key: public_key.map(hex::encode),
            signing_key: signing_key.map(hex::encode),
            at: at.into(),
            by_name: by_name.into(),
            by_key: hex::encode(signing::public_key(by_seed)),
            signature: hex::encode(signing::sign(by_seed, Domain::Grant, c.as_bytes())),
        }
    }

    /// Append it (inside the caller's transaction).
    pub fn insert(&self, logs: &Connection) -> Result<()> {
        let h = |s: &Option<String>| s.as_ref().and_then(|x| hex::decode(x).ok());
        logs.execute(
            "INSERT INTO grants (kind, name, role, public_key, signing_key, at, by_name, by_key, signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                self.kind,
                self.name,
                self.role,
                h(&self.public_key),
                h(&self.signing_key),
                self.at,
                self.by_name,
                hex::decode(&self.by_key).unwrap_or_default(),
                hex::decode(&self.signature).unwrap_or_default()
            ],
        )?;
        if let Some(sk) = h(&self.signing_key) {
            if matches!(self.kind.as_str(), "root" | "grant" | "rotate" | "enrol") {
                logs.execute(
                    "UPDATE users SET signing_key = ?2 WHERE name = ?1",
                    params![self.name, sk],
                )?;
            }
        }
        Ok(())
    }
}

pub fn load(logs: &Connection) -> Result<Vec<Grant>> {
    let mut stmt = logs.prepare(
        "SELECT seq, kind, name, role, public_key, signing_key, at, by_name, by_key, signature
         FROM grants ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Grant {
                seq: r.get(0)?,
                kind: r.get(1)?,
                name: r.get(2)?,
                role: r.get(3)?,
                public_key: r.get(4)?,
                signing_key: r.get(5)?,
                at: r.get(6)?,
                by_name: r.get(7)?,
                by_key: r.get(8)?,
                signature: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// A user as the grants say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub role: Option<Role>,
    pub public_key: Option<Vec<u8>>,
    /// The signing key in force, and whether a dpo gave or confirmed it.
    pub signing_key: Option<Vec<u8>>,
    pub confirmed: bool,
    /// Every signing key this user has held.
    pub keys: Vec<Vec<u8>>,
    pub removed: bool,
}

/// The users as the grants say, and what did not hold.
#[derive(Clone, Debug, Default)]
pub struct Roster {
    pub root: Option<Vec<u8>>,
    /// Lowercased name → member.
    pub members: BTreeMap<String, Member>,
    /// (seq, what is wrong) for each grant that does not hold.
    pub problems: Vec<(i64, String)>,
    /// No grant at all: a vault older than signatures, not yet converted.
    pub unsigned: bool,
}

impl Roster {
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members
            .get(&name.to_lowercase())
            .filter(|m| !m.removed)
    }

    /// Whether `key` was ever `name`'s signing key.
    pub fn held(&self, name: &str, key: &[u8]) -> bool {
        self.members
            .get(&name.to_lowercase())
            .is_some_and(|m| m.keys.iter().any(|k| k == key))
    }

    /// Whether `key` belongs to a member who has not been confirmed.
    pub fn unconfirmed_key(&self, name: &str, key: &[u8]) -> bool {
        self.members
            .get(&name.to_lowercase())
            .is_some_and(|m| !m.confirmed && m.signing_key.as_deref() == Some(key))
    }

    /// Who may sign grants: an active dpo with a confirmed key.
    fn dpo_key(&self, name: &str, key: &[u8]) -> bool {
        self.member(name).is_some_and(|m| {
            m.role == Some(Role::Dpo) && m.confirmed && m.signing_key.as_deref() == Some(key)
        })
    }
}

/// Walk the grants in order; `expected_root`: the root this user's slot
/// trusts (when known).
pub fn roster(grants: &[Grant], expected_root: Option<&[u8]>) -> Roster {
    let mut r = Roster {
        unsigned: grants.is_empty(),
        ..Default::default()
    };
    for g in grants {
        let c = content(
            &g.kind,
            &g.name,
            g.role.as_deref(),
            g.public_key.as_deref(),
            g.signing_key.as_deref(),
            &g.at,
            &g.by_name,
        );
        if !signing::verify(&g.by_key, Domain::Grant, c.as_bytes(), &g.signature) {
            r.problems.push((
                g.seq,
                format!(
                    "grant {} ({} of {}) has a signature that does not hold",
                    g.seq, g.kind, g.name
                ),
            ));
            continue;
        }
        if let Err(why) = r.take(g, grants[0].seq, expected_root) {
            r.problems.push((
                g.seq,
                format!("grant {} ({} of {}): {why}", g.seq, g.kind, g.name),
            ));
        }
    }
    r
}

/// Why a grant whose signature holds does not hold as a grant.
type Why = &'static str;

impl Roster {
    /// Take one grant (its signature holds) into the roster, or say why it
    /// does not hold. `first`: the first grant's seq.
    fn take(
        &mut self,
        g: &Grant,
        first: i64,
        expected_root: Option<&[u8]>,
    ) -> std::result::Result<(), Why> {
        let role: Option<Role> = g.role.as_deref().and_then(|x| x.parse().ok());
        match g.kind.as_str() {
            "root" => self.take_root(g, role, first, expected_root),
            _ if self.root.is_none() => Err("comes before any root"),
            "grant" => self.take_grant(g, role),
            "role" | "remove" | "confirm" => self.take_change(g, role),
            "rotate" | "enrol" => self.take_key(g),
            _ => Err("unknown kind"),
        }
    }

    /// The root: the first grant, a dpo signing their own key (the one the
    /// slot trusts, when known).
    fn take_root(
        &mut self,
        g: &Grant,
        role: Option<Role>,
        first: i64,
        expected_root: Option<&[u8]>,
    ) -> std::result::Result<(), Why> {
        if self.root.is_some() || g.seq != first {
            return Err("a second root");
        }
        if g.signing_key.as_deref() != Some(g.by_key.as_slice()) || role != Some(Role::Dpo) {
            return Err("a root must be a dpo signing their own key");
        }
        if let Some(exp) = expected_root {
            if exp != g.by_key.as_slice() {
                return Err("this is not the root your keyslot trusts");
            }
        }
        self.root = Some(g.by_key.clone());
        self.members.insert(
            g.name.to_lowercase(),
            Member {
                name: g.name.clone(),
                role,
                public_key: g.public_key.clone(),
                signing_key: g.signing_key.clone(),
                confirmed: true,
                keys: vec![g.by_key.clone()],
                removed: false,
            },
        );
        Ok(())
    }

    /// A user granted a role and key by a dpo.
    fn take_grant(&mut self, g: &Grant, role: Option<Role>) -> std::result::Result<(), Why> {
        if !self.dpo_key(&g.by_name, &g.by_key) {
            return Err("not signed by a dpo");
        }
        let sk = g.signing_key.clone();
        self.members.insert(
            g.name.to_lowercase(),
            Member {
                name: g.name.clone(),
                role,
                public_key: g.public_key.clone(),
                signing_key: sk.clone(),
                confirmed: true,
                keys: sk.into_iter().collect(),
                removed: false,
            },
        );
        Ok(())
    }

    /// A role changed, a user removed or their key confirmed, by a dpo.
    fn take_change(&mut self, g: &Grant, role: Option<Role>) -> std::result::Result<(), Why> {
        if !self.dpo_key(&g.by_name, &g.by_key) {
            return Err("not signed by a dpo");
        }
        let Some(m) = self
            .members
            .get_mut(&g.name.to_lowercase())
            .filter(|m| !m.removed)
        else {
            return Err("names no user");
        };
        match g.kind.as_str() {
            "role" => m.role = role,
            "remove" => m.removed = true,
            _ => {
                if g.signing_key.is_some() && g.signing_key != m.signing_key {
                    return Err("confirms a key the user does not hold");
                }
                m.confirmed = true;
            }
        }
        Ok(())
    }

    /// A user's new signing key: rotated (signed by the key it replaces) or
    /// enrolled (their first, signed by itself, unconfirmed until a dpo
    /// confirms it).
    fn take_key(&mut self, g: &Grant) -> std::result::Result<(), Why> {
        let Some(m) = self
            .members
            .get_mut(&g.name.to_lowercase())
            .filter(|m| !m.removed)
        else {
            return Err("names no user");
        };
        let signer_ok = if g.kind == "rotate" {
            g.by_name.eq_ignore_ascii_case(&g.name)
                && m.signing_key.as_deref() == Some(g.by_key.as_slice())
        } else {
            g.by_name.eq_ignore_ascii_case(&g.name)
                && m.signing_key.is_none()
                && g.signing_key.as_deref() == Some(g.by_key.as_slice())
        };
        if !signer_ok {
            return Err("not signed by the key it replaces");
        }
        if g.kind == "enrol" {
            m.confirmed = false;
        }
        m.signing_key = g.signing_key.clone();
        m.keys.extend(g.signing_key.clone());
        Ok(())
    }
}

/// The grants as JSON for a report (names, kinds, who signed; no keys).
pub fn describe(grants: &[Grant]) -> Value {
    json!(grants
        .iter()
        .map(|g| json!({"seq": g.seq, "kind": g.kind, "name": g.name, "role": g.role, "at": g.at, "by": g.by_name}))
        .collect::<Vec<_>>())
}
