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

mod find;
mod finish;
mod own;
mod renumber;
mod resolve;

pub use renumber::{fk, Renumber};

use super::rules::finder::{candidates, Candidate, Finder, Identity};
use super::rules::normal::Normalised;
use super::rules::patterns::{self, PatternHit, PatternKind};
use super::rules::{pseudonym, text_fields};
use crate::bundle::each_row;
use crate::entity::Entity;
use crate::error::Result;
use own::Own;
use resolve::Resolved;
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

impl Found {
    /// A participant: the whole value at `field` is the party (a message's
    /// sender or recipient, a candidate item's author).
    pub(crate) fn participant(field: String, party: u32) -> Found {
        Found {
            field,
            start: None,
            end: None,
            kind: ProposalKind::Participant,
            party,
        }
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
