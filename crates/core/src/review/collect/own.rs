//! The requester's own contact values: never proposed.

use super::super::rules::normal::norm;
use super::super::rules::patterns::PatternKind;
use crate::error::Result;
use crate::text::{norm_email, norm_phone, norm_postcode};
use rusqlite::{params, Connection};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// The member's own contact values: never proposed.
#[derive(Default)]
pub(super) struct Own {
    emails: HashSet<String>,
    phones: HashSet<String>,
    postcodes: HashSet<String>,
    addresses: Vec<String>,
}

impl Own {
    pub(super) fn load(
        conn: &Connection,
        site: &str,
        member_id: &str,
        profile: &Map<String, Value>,
    ) -> Result<Own> {
        let mut own = Own::default();
        let s =
            |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
        if let Some(e) = s(profile, "email") {
            own.emails.insert(norm_email(&e));
        }
        if let Some(p) = s(profile, "postcode") {
            own.postcodes.insert(norm_postcode(&p));
        }
        let q = |sql: &str, f: &mut dyn FnMut(Map<String, Value>)| -> Result<()> {
            let mut stmt = conn.prepare(sql)?;
            let mut rows = stmt.query(params![site, member_id])?;
            while let Some(r) = rows.next()? {
                let d: String = r.get(0)?;
                if let Ok(m) = serde_json::from_str::<Map<String, Value>>(&d) {
                    f(m);
                }
            }
            Ok(())
        };
        q(
            "SELECT data FROM social_accounts WHERE site = ?1 AND member_id = ?2",
            &mut |m| {
                if let Some(e) = s(&m, "email") {
                    own.emails.insert(norm_email(&e));
                }
            },
        )?;
        q(
            "SELECT data FROM helpdesk_tickets WHERE site = ?1 AND member_id = ?2",
            &mut |m| {
                if let Some(e) = s(&m, "requester_email") {
                    own.emails.insert(norm_email(&e));
                }
            },
        )?;
        for table in ["competition_entries", "local_listings"] {
            q(
                &format!("SELECT data FROM {table} WHERE site = ?1 AND member_id = ?2"),
                &mut |m| {
                    if let Some(p) = s(&m, "phone") {
                        own.phones.insert(norm_phone(&p));
                    }
                    for k in ["postal_address", "address"] {
                        if let Some(a) = s(&m, k) {
                            own.addresses.push(norm(&a));
                        }
                    }
                },
            )?;
        }
        Ok(own)
    }

    pub(super) fn has(&self, kind: PatternKind, value: &str) -> bool {
        match kind {
            PatternKind::Email => self.emails.contains(value),
            PatternKind::Phone => self.phones.contains(value),
            PatternKind::Postcode => {
                self.postcodes.contains(value)
                    || self.addresses.iter().any(|a| {
                        a.chars()
                            .filter(|c| !c.is_whitespace())
                            .collect::<String>()
                            .to_uppercase()
                            .contains(value)
                    })
            }
            PatternKind::Address => self.addresses.iter().any(|a| a.contains(value)),
        }
    }
}
