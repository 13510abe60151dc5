//! What a candidate is: a member, a name several members share, or
//! nobody (looked up once per candidate).

use super::super::rules::finder::Candidate;
use super::Discovery;
use crate::error::Result;
use crate::text::soundex;
use crate::text::terms::key;
use rusqlite::{params, Connection, OptionalExtension};

/// What a candidate turned out to be.
#[derive(Clone, Debug)]
pub(super) enum Resolved {
    Member(String),
    /// A full name several members share.
    Name(String),
    Nobody,
}

impl Discovery {
    pub(super) fn resolve(&mut self, conn: &Connection, c: &Candidate) -> Result<Resolved> {
        if let Some(r) = self.cache.get(c) {
            return Ok(r.clone());
        }
        let l = Lookup {
            conn,
            site: &self.site,
            me: &self.member_id,
        };
        let r = match c {
            Candidate::Email(v) => l.one(l.first(&[key("email", v), key("social_email", v)])?),
            Candidate::Phone(v) => {
                l.one(l.first(&[key("competition_phone", v), key("listing_phone", v)])?)
            }
            Candidate::Username(u) => {
                l.one(l.first(&[key("username", u), key("twitter_handle", u)])?)
            }
            Candidate::MemberId(t) => l.member_id(t)?,
            Candidate::FullName(f, s) => l.full_name(f, s)?,
        };
        self.cache.insert(c.clone(), r.clone());
        Ok(r)
    }
}

/// Where a candidate is looked up: the vault, for the requester `me`.
struct Lookup<'a> {
    conn: &'a Connection,
    site: &'a str,
    me: &'a str,
}

impl Lookup<'_> {
    /// The members the search index has for any of `keys` (a few each,
    /// in order, once each).
    fn first(&self, keys: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT member_id FROM search_terms WHERE key = ?1 AND site = ?2 AND member_id != '' ORDER BY member_id LIMIT 3",
        )?;
        for k in keys {
            let rows = stmt.query_map(params![k, self.site], |r| r.get::<_, String>(0))?;
            for r in rows {
                let m = r?;
                if !out.contains(&m) {
                    out.push(m);
                }
            }
        }
        Ok(out)
    }

    /// An identifier the requester holds is theirs, even when another
    /// member holds it too (usernames are not always unique): it makes
    /// no third party.
    fn one(&self, v: Vec<String>) -> Resolved {
        if v.iter().any(|m| m == self.me) {
            return Resolved::Nobody;
        }
        match v.into_iter().next() {
            Some(m) => Resolved::Member(m),
            None => Resolved::Nobody,
        }
    }

    /// A member id: another member's, or nobody.
    fn member_id(&self, t: &str) -> Result<Resolved> {
        let found: Option<String> = self
            .conn
            .prepare_cached("SELECT id FROM members WHERE site = ?1 AND id = ?2")?
            .query_row(params![self.site, t], |r| r.get(0))
            .optional()?;
        Ok(match found {
            Some(m) if m != self.me => Resolved::Member(m),
            _ => Resolved::Nobody,
        })
    }

    /// A full name: one other member's, a name several share, or nobody
    /// (the requester's own name, whoever else shares it).
    fn full_name(&self, f: &str, l: &str) -> Result<Resolved> {
        let (Some(sf), Some(sl)) = (soundex(f), soundex(l)) else {
            return Ok(Resolved::Nobody);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT member_id FROM search_terms WHERE key = ?1 AND site = ?3 AND member_id != ''
             INTERSECT
             SELECT member_id FROM search_terms WHERE key = ?2 AND site = ?3 AND member_id != ''
             LIMIT 3",
        )?;
        let ms: Vec<String> = stmt
            .query_map(
                params![
                    key("fn", &format!("{sf}:{f}")),
                    key("sn", &format!("{sl}:{l}")),
                    self.site
                ],
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<_>>()?;
        if ms.iter().any(|m| m == self.me) {
            // The requester's own name, whoever else shares it.
            return Ok(Resolved::Nobody);
        }
        let others = ms;
        Ok(match others.len() {
            0 => Resolved::Nobody,
            1 => Resolved::Member(others[0].clone()),
            _ => Resolved::Name(format!("{f} {l}")),
        })
    }
}
