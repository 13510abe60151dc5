//! Who else is in a member's data, and where: the two linear passes behind
//! both a draft and an unreviewed bundle.
//!
//! 1. **Discovery** ([`Discovery::run`]): every row of the member, once, in
//!    the bundle's order. The other participants of each private message
//!    are third parties; every text field is normalised and scanned for
//!    personal-data patterns and for what could name a member (an email,
//!    an `@name`, a word that is not ordinary, a member id, a phone, a full
//!    name), each distinct candidate looked up once in the vault (the
//!    search index, the members table). Each third party gets its label on
//!    first sight ("Member A", …; "Email 1", …). Ids that carry another
//!    person's identifier are given opaque ids, in order.
//! 2. **Finding** ([`Discovery::find`]): per row, with one automaton over
//!    every third party's identifiers ([`super::rules::finder`]): every
//!    place in every text field where any of them is named — not only in
//!    the message they took part in — and every pattern, mapped to its
//!    party. The same row always gives the same answer.

use super::rules::finder::{candidates, Candidate, Finder, FinderBuilder, Identity, NeedleKind};
use super::rules::normal::{norm, Normalised};
use super::rules::patterns::{self, PatternHit, PatternKind};
use super::rules::{pseudonym, text_fields};
use crate::bundle::each_row;
use crate::entity::Entity;
use crate::error::Result;
use crate::text::terms::key;
use crate::text::{norm_email, norm_phone, norm_postcode, soundex};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// What a third party is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Member,
    FormerMember,
    Email,
    Phone,
    Postcode,
    Address,
    Name,
}

impl PartyKind {
    pub fn name(self) -> &'static str {
        match self {
            PartyKind::Member => "member",
            PartyKind::FormerMember => "former_member",
            PartyKind::Email => "email",
            PartyKind::Phone => "phone",
            PartyKind::Postcode => "postcode",
            PartyKind::Address => "address",
            PartyKind::Name => "name",
        }
    }

    pub fn parse(s: &str) -> PartyKind {
        match s {
            "member" => PartyKind::Member,
            "former_member" => PartyKind::FormerMember,
            "email" => PartyKind::Email,
            "phone" => PartyKind::Phone,
            "postcode" => PartyKind::Postcode,
            "address" => PartyKind::Address,
            _ => PartyKind::Name,
        }
    }

    /// What replaces a redacted proposal of a party of this kind (members:
    /// their label).
    pub fn placeholder(self) -> Option<&'static str> {
        match self {
            PartyKind::Member | PartyKind::FormerMember => None,
            PartyKind::Email => Some("[email removed]"),
            PartyKind::Phone => Some("[phone number removed]"),
            PartyKind::Postcode => Some("[postcode removed]"),
            PartyKind::Address => Some("[address removed]"),
            PartyKind::Name => Some("[name removed]"),
        }
    }

    fn counter_label(self) -> &'static str {
        match self {
            PartyKind::Email => "Email",
            PartyKind::Phone => "Phone",
            PartyKind::Postcode => "Postcode",
            PartyKind::Address => "Address",
            _ => "Name",
        }
    }
}

/// What a proposal is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    Participant,
    MemberId,
    Username,
    Email,
    Phone,
    Name,
    Postcode,
    Address,
}

impl ProposalKind {
    pub fn name(self) -> &'static str {
        match self {
            ProposalKind::Participant => "participant",
            ProposalKind::MemberId => "member_id",
            ProposalKind::Username => "username",
            ProposalKind::Email => "email",
            ProposalKind::Phone => "phone",
            ProposalKind::Name => "name",
            ProposalKind::Postcode => "postcode",
            ProposalKind::Address => "address",
        }
    }

    pub fn parse(s: &str) -> ProposalKind {
        match s {
            "participant" => ProposalKind::Participant,
            "member_id" => ProposalKind::MemberId,
            "username" => ProposalKind::Username,
            "email" => ProposalKind::Email,
            "phone" => ProposalKind::Phone,
            "postcode" => ProposalKind::Postcode,
            "address" => ProposalKind::Address,
            _ => ProposalKind::Name,
        }
    }

    /// The reason an unreviewed bundle gives for redacting it.
    pub fn automatic_reason(self, party: PartyKind) -> &'static str {
        match (self, party) {
            (ProposalKind::Participant, _) => "third party",
            (_, PartyKind::Member | PartyKind::FormerMember) => "third-party identifier in text",
            _ => "personal data of another person",
        }
    }
}

/// A third party of a draft or bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyInfo {
    pub label: String,
    pub kind: PartyKind,
    pub member_id: Option<String>,
    /// Who it is, for the reviewer (a username, or the value).
    pub display: String,
    /// What makes it the same party in another draft of the request.
    pub key: String,
}

impl PartyInfo {
    /// What replaces a redacted proposal of this party.
    pub fn replacement(&self) -> &str {
        self.kind.placeholder().unwrap_or(&self.label)
    }
}

/// One place where a third party is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// JSON Pointer into the row.
    pub field: String,
    /// Character range of the text; None: the whole value.
    pub start: Option<u32>,
    pub end: Option<u32>,
    pub kind: ProposalKind,
    pub party: u32,
}

/// The member's own contact values: never proposed.
#[derive(Default)]
struct Own {
    emails: HashSet<String>,
    phones: HashSet<String>,
    postcodes: HashSet<String>,
    addresses: Vec<String>,
}

impl Own {
    fn load(
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

    fn has(&self, kind: PatternKind, value: &str) -> bool {
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

/// What a candidate turned out to be.
#[derive(Clone, Debug)]
enum Resolved {
    Member(String),
    /// A full name several members share.
    Name(String),
    Nobody,
}

/// Ids renumbered within the bundle: (field, original) → opaque, in order
/// of first sight, per form (`message-0001`, `conversation-0001`, …).
#[derive(Default)]
pub struct Renumber {
    map: HashMap<(String, String), String>,
    next: HashMap<String, u32>,
}

impl Renumber {
    /// The opaque id of `original` in `field` (given on first sight).
    pub fn get(&mut self, field: &str, form: &str, original: &str) -> String {
        if let Some(v) = self.map.get(&(field.to_string(), original.to_string())) {
            return v.clone();
        }
        let n = self.next.entry(form.to_string()).or_insert(0);
        *n += 1;
        let v = format!("{form}-{n:04}");
        self.map
            .insert((field.to_string(), original.to_string()), v.clone());
        v
    }

    pub fn known(&self, field: &str, original: &str) -> Option<&String> {
        self.map.get(&(field.to_string(), original.to_string()))
    }

    /// Every (field, original, opaque), sorted.
    pub fn entries(&self) -> Vec<(String, String, String)> {
        let mut v: Vec<_> = self
            .map
            .iter()
            .map(|((f, o), x)| (f.clone(), o.clone(), x.clone()))
            .collect();
        v.sort();
        v
    }

    pub fn insert(&mut self, field: &str, original: &str, opaque: &str) {
        self.map.insert(
            (field.to_string(), original.to_string()),
            opaque.to_string(),
        );
    }

    /// Per field: the form of its opaque ids and how many there are.
    pub fn summary(&self) -> Vec<(String, String, u64)> {
        let mut per: std::collections::BTreeMap<(String, String), u64> = Default::default();
        for ((field, _), opaque) in &self.map {
            let form = opaque.rsplit_once('-').map_or(opaque.as_str(), |x| x.0);
            *per.entry((field.clone(), format!("{form}-NNNN")))
                .or_default() += 1;
        }
        per.into_iter().map(|((f, form), n)| (f, form, n)).collect()
    }
}

/// How a renumbered field is named: `entity.field`.
pub fn fk(e: Entity, field: &str) -> String {
    format!("{}.{field}", e.name())
}

/// The form of the opaque ids a field gets.
fn form_of(e: Entity, field: &str) -> String {
    match (e, field) {
        (Entity::PrivateMessages, "message_id") => "message".into(),
        (Entity::PrivateMessages, "conversation_id") => "conversation".into(),
        (Entity::HelpdeskTickets, "ticket_id") => "ticket".into(),
        (Entity::Reviews, "target_id") => "listing".into(),
        _ => field.trim_end_matches("_id").replace('_', "-"),
    }
}

/// The outcome of discovery.
pub struct Discovery {
    pub site: String,
    pub member_id: String,
    pub email: Option<String>,
    pub parties: Vec<PartyInfo>,
    by_member: HashMap<String, u32>,
    by_value: HashMap<(PatternKind, String), u32>,
    by_name: HashMap<String, u32>,
    counters: HashMap<&'static str, u32>,
    members: u32,
    own: Own,
    /// The requester's own identifiers: never a third party's needles.
    subject: Identity,
    finder: Finder,
    /// Normalised member ids of the third parties (for ids that carry one).
    party_ids: HashSet<String>,
    pub ids: Renumber,
    cache: HashMap<Candidate, Resolved>,
    /// Rows seen, per entity (for progress).
    pub rows: u64,
}

/// A key of a party, stable across drafts.
fn party_key(kind: PartyKind, value: &str) -> String {
    format!("{}:{value}", kind.name())
}

impl Discovery {
    /// Run discovery over every row of the member (`tick` is called per row;
    /// it may stop the work with an error).
    pub fn run(
        conn: &Connection,
        site: &str,
        member_id: &str,
        candidates: &[super::candidates::Candidate],
        tick: &mut dyn FnMut(u64) -> Result<()>,
    ) -> Result<Discovery> {
        let profile_data: String = conn.query_row(
            "SELECT data FROM members WHERE site = ?1 AND id = ?2",
            params![site, member_id],
            |r| r.get(0),
        )?;
        let profile: Map<String, Value> = serde_json::from_str(&profile_data).unwrap_or_default();
        let email = profile
            .get("email")
            .and_then(Value::as_str)
            .map(String::from);
        let own = Own::load(conn, site, member_id, &profile)?;
        let text = |k: &str| profile.get(k).and_then(Value::as_str).map(String::from);
        let subject = Identity {
            member_id: member_id.into(),
            username: text("username"),
            emails: email.iter().cloned().collect(),
            phones: Vec::new(),
            first_name: text("first_name"),
            surname: text("surname"),
        };
        let mut d = Discovery {
            subject,
            site: site.into(),
            member_id: member_id.into(),
            email: email.clone(),
            parties: Vec::new(),
            by_member: HashMap::new(),
            by_value: HashMap::new(),
            by_name: HashMap::new(),
            counters: HashMap::new(),
            members: 0,
            own,
            finder: Finder::empty(),
            party_ids: HashSet::new(),
            ids: Renumber::default(),
            cache: HashMap::new(),
            rows: 0,
        };
        let mut norm_buf = Normalised::default();
        let mut pats = Vec::new();
        let mut cands = Vec::new();
        for e in Entity::DATA {
            each_row(conn, site, member_id, email.as_deref(), e, |id, data| {
                let row: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
                d.discover_row(conn, e, id, &row, &mut norm_buf, &mut pats, &mut cands)?;
                d.rows += 1;
                tick(d.rows)
            })?;
        }
        // Candidate items: their author, and everyone their sentences name.
        for c in candidates {
            if let Some(a) = c.content.get("author_id").and_then(Value::as_str) {
                if a != d.member_id {
                    d.member_party(a);
                }
            }
            for (_, text) in super::candidates::text_fields(&c.content) {
                d.discover_text(conn, text, &mut norm_buf, &mut pats, &mut cands)?;
            }
            d.rows += 1;
            tick(d.rows)?;
        }
        d.finish(conn)?;
        Ok(d)
    }

    /// A member as a third party (on first sight: a new label).
    fn member_party(&mut self, id: &str) -> u32 {
        if let Some(p) = self.by_member.get(id) {
            return *p;
        }
        let n = self.parties.len() as u32;
        self.parties.push(PartyInfo {
            label: pseudonym(self.members as usize),
            kind: PartyKind::Member,
            member_id: Some(id.to_string()),
            display: id.to_string(),
            key: party_key(PartyKind::Member, id),
        });
        self.members += 1;
        self.by_member.insert(id.to_string(), n);
        n
    }

    /// A value not known to be anyone's, as a third party.
    fn value_party(&mut self, kind: PartyKind, value: &str) -> u32 {
        let c = self.counters.entry(kind.counter_label()).or_insert(0);
        *c += 1;
        let n = self.parties.len() as u32;
        self.parties.push(PartyInfo {
            label: format!("{} {}", kind.counter_label(), c),
            kind,
            member_id: None,
            display: value.to_string(),
            key: party_key(kind, value),
        });
        n
    }

    fn resolve(&mut self, conn: &Connection, c: &Candidate) -> Result<Resolved> {
        if let Some(r) = self.cache.get(c) {
            return Ok(r.clone());
        }
        let site = self.site.clone();
        let site = site.as_str();
        let first = |keys: &[String]| -> Result<Vec<String>> {
            let mut out = Vec::new();
            let mut stmt = conn.prepare_cached(
                "SELECT member_id FROM search_terms WHERE key = ?1 AND site = ?2 AND member_id != '' ORDER BY member_id LIMIT 3",
            )?;
            for k in keys {
                let rows = stmt.query_map(params![k, site], |r| r.get::<_, String>(0))?;
                for r in rows {
                    let m = r?;
                    if !out.contains(&m) {
                        out.push(m);
                    }
                }
            }
            Ok(out)
        };
        let me = self.member_id.clone();
        // An identifier the requester holds is theirs, even when another
        // member holds it too (usernames are not always unique): it makes
        // no third party.
        let one = |v: Vec<String>| -> Resolved {
            if v.contains(&me) {
                return Resolved::Nobody;
            }
            match v.into_iter().next() {
                Some(m) => Resolved::Member(m),
                None => Resolved::Nobody,
            }
        };
        let r = match c {
            Candidate::Email(v) => one(first(&[key("email", v), key("social_email", v)])?),
            Candidate::Phone(v) => one(first(&[
                key("competition_phone", v),
                key("listing_phone", v),
            ])?),
            Candidate::Username(u) => one(first(&[key("username", u), key("twitter_handle", u)])?),
            Candidate::MemberId(t) => {
                let found: Option<String> = conn
                    .prepare_cached("SELECT id FROM members WHERE site = ?1 AND id = ?2")?
                    .query_row(params![site, t], |r| r.get(0))
                    .optional()?;
                match found {
                    Some(m) if m != me => Resolved::Member(m),
                    _ => Resolved::Nobody,
                }
            }
            Candidate::FullName(f, l) => {
                let (Some(sf), Some(sl)) = (soundex(f), soundex(l)) else {
                    self.cache.insert(c.clone(), Resolved::Nobody);
                    return Ok(Resolved::Nobody);
                };
                let mut stmt = conn.prepare_cached(
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
                            site
                        ],
                        |r| r.get(0),
                    )?
                    .collect::<rusqlite::Result<_>>()?;
                if ms.contains(&me) {
                    // The requester's own name, whoever else shares it.
                    self.cache.insert(c.clone(), Resolved::Nobody);
                    return Ok(Resolved::Nobody);
                }
                let others = ms;
                match others.len() {
                    0 => Resolved::Nobody,
                    1 => Resolved::Member(others[0].clone()),
                    _ => Resolved::Name(format!("{f} {l}")),
                }
            }
        };
        self.cache.insert(c.clone(), r.clone());
        Ok(r)
    }

    #[allow(clippy::too_many_arguments)]
    fn discover_row(
        &mut self,
        conn: &Connection,
        e: Entity,
        id: &str,
        row: &Map<String, Value>,
        n: &mut Normalised,
        pats: &mut Vec<PatternHit>,
        cands: &mut Vec<(u32, Candidate)>,
    ) -> Result<()> {
        // Participants, and ids that name them.
        if e == Entity::PrivateMessages {
            for p in participants(row) {
                if p.1 != self.member_id {
                    self.member_party(&p.1);
                }
            }
            self.ids.get(&fk(e, "message_id"), "message", id);
            if let Some(c) = row.get("conversation_id").and_then(Value::as_str) {
                self.ids.get(&fk(e, "conversation_id"), "conversation", c);
            }
        }
        if e == Entity::HelpdeskTickets
            && row.get("member_id").and_then(Value::as_str) != Some(self.member_id.as_str())
        {
            self.ids.get(&fk(e, "ticket_id"), "ticket", id);
        }
        if e == Entity::Reviews {
            if let Some(t) = row.get("target_id").and_then(Value::as_str) {
                let owner: Option<Option<String>> = conn
                    .prepare_cached(
                        "SELECT member_id FROM local_listings WHERE site = ?1 AND id = ?2",
                    )?
                    .query_row(params![self.site, t], |r| r.get(0))
                    .optional()?;
                if let Some(Some(o)) = owner {
                    if o != self.member_id {
                        self.ids.get(&fk(e, "target_id"), "listing", t);
                    }
                }
            }
        }
        for (_, text) in text_fields(e, row) {
            self.discover_text(conn, text, n, pats, cands)?;
        }
        Ok(())
    }

    /// Discovery in one text value: what could name a member, and
    /// personal-data patterns that are not the member's.
    fn discover_text(
        &mut self,
        conn: &Connection,
        text: &str,
        n: &mut Normalised,
        pats: &mut Vec<PatternHit>,
        cands: &mut Vec<(u32, Candidate)>,
    ) -> Result<()> {
        {
            n.fill(text);
            pats.clear();
            patterns::find(text, pats);
            cands.clear();
            candidates(text, n, pats, cands);
            for (_, c) in cands.iter() {
                match self.resolve(conn, c)? {
                    Resolved::Member(m) => {
                        let p = self.member_party(&m);
                        match c {
                            Candidate::Email(v) => {
                                self.by_value.insert((PatternKind::Email, v.clone()), p);
                            }
                            Candidate::Phone(v) => {
                                self.by_value.insert((PatternKind::Phone, v.clone()), p);
                            }
                            _ => {}
                        }
                    }
                    Resolved::Name(name) => {
                        if !self.by_name.contains_key(&name) {
                            let p = self.value_party(PartyKind::Name, &name);
                            self.by_name.insert(name, p);
                        }
                    }
                    Resolved::Nobody => {}
                }
            }
            for h in pats.iter() {
                if self.own.has(h.kind, &h.value)
                    || self.by_value.contains_key(&(h.kind, h.value.clone()))
                {
                    continue;
                }
                let kind = match h.kind {
                    PatternKind::Email => PartyKind::Email,
                    PatternKind::Phone => PartyKind::Phone,
                    PatternKind::Postcode => PartyKind::Postcode,
                    PatternKind::Address => PartyKind::Address,
                };
                let p = self.value_party(kind, &h.value);
                self.by_value.insert((h.kind, h.value.clone()), p);
            }
        }
        Ok(())
    }

    /// Fetch every member party's identifiers (one query for all), mark
    /// former members, and build the automaton.
    fn finish(&mut self, conn: &Connection) -> Result<()> {
        let ids: Vec<&str> = self
            .parties
            .iter()
            .filter_map(|p| p.member_id.as_deref())
            .collect();
        let mut found: HashMap<String, Identity> = HashMap::new();
        let list = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
        // CROSS JOIN keeps the id list outside: parsed once, each id looked
        // up by the (site, id) index. Left to the planner, the table could be
        // scanned outside and the list re-parsed for every row: quadratic in
        // the number of parties (a message to 100,000 members).
        let mut stmt = conn.prepare(
            "SELECT m.id, json_extract(m.data, '$.username'), json_extract(m.data, '$.email'),
                    json_extract(m.data, '$.first_name'), json_extract(m.data, '$.surname')
               FROM json_each(?2) j CROSS JOIN members m ON m.site = ?1 AND m.id = j.value",
        )?;
        let rows = stmt.query_map(params![self.site, list], |r| {
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
        // Their other emails and phones.
        for (sql, phone) in [
            ("SELECT s.member_id, json_extract(s.data, '$.email') FROM json_each(?2) j CROSS JOIN social_accounts s ON s.site = ?1 AND s.member_id = j.value", false),
            ("SELECT c.member_id, json_extract(c.data, '$.phone') FROM json_each(?2) j CROSS JOIN competition_entries c ON c.site = ?1 AND c.member_id = j.value", true),
            ("SELECT l.member_id, json_extract(l.data, '$.phone') FROM json_each(?2) j CROSS JOIN local_listings l ON l.site = ?1 AND l.member_id = j.value", true),
        ] {
            let mut stmt = conn.prepare(sql)?;
            let rows = stmt.query_map(params![self.site, list], |r| {
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
        Ok(())
    }

    /// Every place in `row` where a third party is (see the module
    /// documentation), and the row's ids that carry someone else's.
    pub fn find(
        &mut self,
        e: Entity,
        id: &str,
        row: &Map<String, Value>,
    ) -> (Vec<Found>, Vec<(String, String)>) {
        let mut out = Vec::new();
        if e == Entity::PrivateMessages {
            for (path, who) in participants(row) {
                if who == self.member_id {
                    continue;
                }
                if let Some(&p) = self.by_member.get(&who) {
                    out.push(Found {
                        field: path,
                        start: None,
                        end: None,
                        kind: ProposalKind::Participant,
                        party: p,
                    });
                }
            }
        }
        let mut n = Normalised::default();
        let mut hits = Vec::new();
        let mut pats = Vec::new();
        for (path, text) in text_fields(e, row) {
            self.find_text(&path, text, &mut out, &mut n, &mut hits, &mut pats);
        }
        // Ids that carry someone else's identifier.
        let ids = self.carried_ids(e, id, row);
        (out, ids)
    }

    /// Every place in a candidate item's row (see `super::candidates`)
    /// where a third party is: its author (a whole value, like a
    /// message's sender), and everyone named in its sentences.
    pub(crate) fn find_candidate(&mut self, row: &Map<String, Value>) -> Vec<Found> {
        let mut out = Vec::new();
        if let Some(a) = row.get("author_id").and_then(Value::as_str) {
            if let Some(&p) = self.by_member.get(a) {
                out.push(Found {
                    field: "/author_id".into(),
                    start: None,
                    end: None,
                    kind: ProposalKind::Participant,
                    party: p,
                });
            }
        }
        let mut n = Normalised::default();
        let mut hits = Vec::new();
        let mut pats = Vec::new();
        for (path, text) in super::candidates::text_fields(row) {
            self.find_text(&path, text, &mut out, &mut n, &mut hits, &mut pats);
        }
        out
    }

    /// The places in one text value where a third party is named.
    fn find_text(
        &self,
        path: &str,
        text: &str,
        out: &mut Vec<Found>,
        n: &mut Normalised,
        hits: &mut Vec<super::rules::finder::Hit>,
        pats: &mut Vec<PatternHit>,
    ) {
        {
            n.fill(text);
            hits.clear();
            self.finder.find(n, hits);
            pats.clear();
            patterns::find(text, pats);
            // Character ranges: the automaton's first, then patterns that
            // overlap none of them.
            let mut spans: Vec<(u32, u32, ProposalKind, u32)> = hits
                .iter()
                .map(|h| {
                    let k = match h.kind {
                        NeedleKind::MemberId => ProposalKind::MemberId,
                        NeedleKind::Username => ProposalKind::Username,
                        NeedleKind::Email => ProposalKind::Email,
                        NeedleKind::Name => ProposalKind::Name,
                    };
                    (h.start, h.end, k, h.party)
                })
                .collect();
            let taken: Vec<(u32, u32)> = spans.iter().map(|s| (s.0, s.1)).collect();
            let mut idx = CharIndex::new(text);
            for h in pats.iter() {
                if self.own.has(h.kind, &h.value) {
                    continue;
                }
                let Some(&p) = self.by_value.get(&(h.kind, h.value.clone())) else {
                    continue;
                };
                let (s, t) = (idx.at(h.start), idx.at(h.end));
                if taken.iter().any(|&(a, b)| s < b && a < t) {
                    continue;
                }
                let k = match h.kind {
                    PatternKind::Email => ProposalKind::Email,
                    PatternKind::Phone => ProposalKind::Phone,
                    PatternKind::Postcode => ProposalKind::Postcode,
                    PatternKind::Address => ProposalKind::Address,
                };
                spans.push((s, t, k, p));
            }
            spans.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
            let mut last = 0u32;
            for (s, t, k, p) in spans {
                if s < last {
                    continue;
                }
                last = t;
                out.push(Found {
                    field: path.to_string(),
                    start: Some(s),
                    end: Some(t),
                    kind: k,
                    party: p,
                });
            }
        }
    }

    /// The row's ids that carry someone else's identifier, renumbered.
    fn carried_ids(
        &mut self,
        e: Entity,
        id: &str,
        row: &Map<String, Value>,
    ) -> Vec<(String, String)> {
        let mut ids = Vec::new();
        for (k, v) in row {
            let Some(v) = v.as_str() else { continue };
            let idish =
                k == e.id_field() || (k.ends_with("_id") && k != "member_id" && k != "sender_id");
            if !idish {
                continue;
            }
            let v = if k == e.id_field() { id } else { v };
            if let Some(x) = self.ids.known(&fk(e, k), v) {
                ids.push((k.clone(), x.clone()));
                continue;
            }
            if carries(&norm(v), &self.party_ids) {
                let x = self.ids.get(&fk(e, k), &form_of(e, k), v);
                ids.push((k.clone(), x));
            }
        }
        ids
    }

    /// How many parties are members or former members.
    pub fn member_parties(&self) -> usize {
        self.members as usize
    }
}

/// The other participants' places in a private message: `/sender_id`, then
/// `/recipient_ids/i`, with their ids.
pub fn participants(row: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(Value::String(s)) = row.get("sender_id") {
        out.push(("/sender_id".to_string(), s.clone()));
    }
    if let Some(Value::Array(a)) = row.get("recipient_ids") {
        for (i, v) in a.iter().enumerate() {
            if let Some(s) = v.as_str() {
                out.push((format!("/recipient_ids/{i}"), s.to_string()));
            }
        }
    }
    out
}

/// Whether `value` (normalised) holds one of `ids` as a whole: between
/// characters that are not letters or digits.
fn carries(value: &str, ids: &HashSet<String>) -> bool {
    if ids.is_empty() || value.len() > 256 {
        return !ids.is_empty() && ids.iter().any(|i| value.contains(i.as_str()));
    }
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let bounds: Vec<usize> = value
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(value.len()))
        .collect();
    let starts: Vec<usize> = bounds
        .iter()
        .copied()
        .filter(|&i| i < value.len() && !alnum(value[..i].chars().next_back()))
        .collect();
    let ends: Vec<usize> = bounds
        .iter()
        .copied()
        .filter(|&i| i > 0 && !alnum(value[i..].chars().next()))
        .collect();
    starts
        .iter()
        .any(|&s| ends.iter().any(|&e| e > s && ids.contains(&value[s..e])))
}

/// Byte offsets to character offsets, walking forward.
struct CharIndex<'a> {
    text: &'a str,
    byte: usize,
    chars: u32,
}

impl<'a> CharIndex<'a> {
    fn new(text: &'a str) -> Self {
        CharIndex {
            text,
            byte: 0,
            chars: 0,
        }
    }

    fn at(&mut self, byte: usize) -> u32 {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self.text[self.byte..byte].chars().count() as u32;
        self.byte = byte;
        self.chars
    }
}
