//! The end of discovery: every member party's identifiers, former
//! members marked, the automaton built.

use super::super::rules::finder::{FinderBuilder, Identity};
use super::super::rules::normal::norm;
use super::super::rules::patterns::PatternKind;
use super::{party_key, Discovery, PartyKind};
use crate::error::Result;
use crate::text::{norm_email, norm_phone};
use rusqlite::{params, Connection};
use std::collections::HashMap;

impl Discovery {
    /// Fetch every member party's identifiers (one query for all), mark
    /// former members, and build the automaton.
    pub(super) fn finish(&mut self, conn: &Connection) -> Result<()> {
        let ids: Vec<&str> = self
            .parties
            .iter()
            .filter_map(|p| p.member_id.as_deref())
            .collect();
        let list = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
        let mut found = identities(conn, &self.site, &list)?;
        other_contacts(conn, &self.site, &list, &mut found)?;
        self.build_finder(&found);
        Ok(())
    }

    /// Each party's identifiers into the automaton (a member no longer in
    /// the vault: a former member, by id only).
    fn build_finder(&mut self, found: &HashMap<String, Identity>) {
        let mut b = FinderBuilder::default();
        b.exclude(&self.subject);
        for (n, p) in self.parties.iter_mut().enumerate() {
            match (&p.member_id, p.kind) {
                (Some(m), PartyKind::Member) => match found.get(m) {
                    Some(i) => {
                        if let Some(u) = &i.username {
                            p.display = u.clone();
                        }
                        for e in &i.emails {
                            self.by_value
                                .insert((PatternKind::Email, norm_email(e)), n as u32);
                        }
                        for ph in &i.phones {
                            self.by_value
                                .insert((PatternKind::Phone, ph.clone()), n as u32);
                        }
                        self.party_ids.insert(norm(m));
                        b.add(n as u32, i);
                    }
                    None => {
                        p.kind = PartyKind::FormerMember;
                        p.key = party_key(PartyKind::FormerMember, m);
                        self.party_ids.insert(norm(m));
                        b.add(
                            n as u32,
                            &Identity {
                                member_id: m.clone(),
                                ..Default::default()
                            },
                        );
                    }
                },
                (_, PartyKind::Name) => {
                    let (f, l) = p.display.split_once(' ').unwrap_or((&p.display, ""));
                    b.add(
                        n as u32,
                        &Identity {
                            member_id: String::new(),
                            first_name: Some(f.to_string()),
                            surname: Some(l.to_string()).filter(|s| !s.is_empty()),
                            ..Default::default()
                        },
                    );
                }
                _ => {}
            }
        }
        self.finder = b.build();
    }
}

/// The identities of the members in `list` (a JSON array of ids).
fn identities(conn: &Connection, site: &str, list: &str) -> Result<HashMap<String, Identity>> {
    let mut found: HashMap<String, Identity> = HashMap::new();
    // CROSS JOIN keeps the id list outside: parsed once, each id looked
    // up by the (site, id) index. Left to the planner, the table could be
    // scanned outside and the list re-parsed for every row: quadratic in
    // the number of parties (a message to 100,000 members).
    let mut stmt = conn.prepare(
        "SELECT m.id, json_extract(m.data, '$.username'), json_extract(m.data, '$.email'),
                json_extract(m.data, '$.first_name'), json_extract(m.data, '$.surname')
           FROM json_each(?2) j CROSS JOIN members m ON m.site = ?1 AND m.id = j.value",
    )?;
    let rows = stmt.query_map(params![site, list], |r| {
        Ok(Identity {
            member_id: r.get(0)?,
            username: r.get(1)?,
            emails: r.get::<_, Option<String>>(2)?.into_iter().collect(),
            phones: Vec::new(),
            first_name: r.get(3)?,
            surname: r.get(4)?,
        })
    })?;
    for r in rows {
        let i = r?;
        found.insert(i.member_id.clone(), i);
    }
    Ok(found)
}

/// Their other emails and phones.
fn other_contacts(
    conn: &Connection,
    site: &str,
    list: &str,
    found: &mut HashMap<String, Identity>,
) -> Result<()> {
    // Their other emails and phones.
    for (sql, phone) in [
        ("SELECT s.member_id, json_extract(s.data, '$.email') FROM json_each(?2) j CROSS JOIN social_accounts s ON s.site = ?1 AND s.member_id = j.value", false),
        ("SELECT c.member_id, json_extract(c.data, '$.phone') FROM json_each(?2) j CROSS JOIN competition_entries c ON c.site = ?1 AND c.member_id = j.value", true),
        ("SELECT l.member_id, json_extract(l.data, '$.phone') FROM json_each(?2) j CROSS JOIN local_listings l ON l.site = ?1 AND l.member_id = j.value", true),
    ] {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map(params![site, list], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        for r in rows {
            let (m, v) = r?;
            let (Some(i), Some(v)) = (found.get_mut(&m), v) else { continue };
            if phone {
                let p = norm_phone(&v);
                if !p.is_empty() && !i.phones.contains(&p) {
                    i.phones.push(p);
                }
            } else if !i.emails.iter().any(|e| norm_email(e) == norm_email(&v)) {
                i.emails.push(v);
            }
        }
    }
    Ok(())
}
