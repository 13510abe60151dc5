//! The proposal finder (pure): where in a text another person is named.
//!
//! - **Known third parties** (the participants of the member's messages,
//!   and everyone discovered below) are looked for by one Aho–Corasick
//!   automaton over all their normalised identifiers — member id, username,
//!   email addresses, full name, and username, first name and surname on
//!   their own unless an ordinary word ([`crate::text::ordinary`], the rule
//!   the mentions index uses too) — run once over each
//!   normalised text ([`super::normal`]): linear in the text, whatever the
//!   number of parties. Matches must stand as whole words; overlapping
//!   ones resolve to the leftmost, then the longest.
//! - **Discovery**: [`candidates`] lists what in a text could name a member
//!   who is not yet known (an email address, an `@name`, a word that is not
//!   ordinary, something shaped like a member id, a phone number, a pair of
//!   words that could be a full name: neither a function word, and either
//!   not both ordinary or both written with a capital, `Sarah Smith`); the
//!   caller looks each distinct one up once in the vault.
//! - **Patterns** ([`super::patterns`]): emails, phones, postcodes and
//!   addresses; the caller maps their values to parties.

use super::normal::{word_char, Normalised};
use super::patterns::{PatternHit, PatternKind};
use crate::text::ordinary::{is_function_word, is_ordinary as ordinary, may_seek_alone};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashMap;

/// What identifier a needle is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NeedleKind {
    MemberId,
    Username,
    Email,
    Name,
}

impl NeedleKind {
    pub fn name(self) -> &'static str {
        match self {
            NeedleKind::MemberId => "member_id",
            NeedleKind::Username => "username",
            NeedleKind::Email => "email",
            NeedleKind::Name => "name",
        }
    }
}

/// A third party's identifiers, as the vault holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub member_id: String,
    pub username: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub first_name: Option<String>,
    pub surname: Option<String>,
}

impl Identity {
    /// The needles of this identity: (normalised text, kind).
    pub fn needles(&self) -> Vec<(String, NeedleKind)> {
        let n = super::normal::norm;
        let mut out = Vec::new();
        let id = n(&self.member_id);
        if id.chars().count() >= 2 {
            out.push((id, NeedleKind::MemberId));
        }
        if let Some(u) = &self.username {
            let u = n(u);
            if may_seek_alone(&u) {
                out.push((u, NeedleKind::Username));
            }
        }
        for e in &self.emails {
            let e = n(e);
            if e.contains('@') {
                out.push((e, NeedleKind::Email));
            }
        }
        let first = self.first_name.as_deref().map(n).filter(|s| !s.is_empty());
        let last = self.surname.as_deref().map(n).filter(|s| !s.is_empty());
        if let (Some(f), Some(l)) = (&first, &last) {
            out.push((format!("{f} {l}"), NeedleKind::Name));
        }
        for part in [first, last].into_iter().flatten() {
            if may_seek_alone(&part) {
                out.push((part, NeedleKind::Name));
            }
        }
        out
    }
}

/// Collects the needles of every known party.
#[derive(Default)]
pub struct FinderBuilder {
    needles: Vec<String>,
    meta: Vec<(u32, NeedleKind)>,
    seen: HashMap<String, usize>,
}

impl FinderBuilder {
    /// Add `party`'s identifiers. A needle two parties share stays the
    /// first's.
    pub fn add(&mut self, party: u32, id: &Identity) {
        for (needle, kind) in id.needles() {
            if self.seen.contains_key(&needle) {
                continue;
            }
            self.seen.insert(needle.clone(), self.needles.len());
            self.needles.push(needle);
            self.meta.push((party, kind));
        }
    }

    /// Never look for the requester's own identifiers as anyone's: a third
    /// party who shares the requester's username or name (usernames are not
    /// always unique in an export) must not make the requester's own
    /// profile, or a text about them, propose their own name for redaction.
    /// The third party's other identifiers are still looked for.
    pub fn exclude(&mut self, requester: &Identity) {
        for (needle, _) in requester.needles() {
            self.seen.entry(needle).or_insert(usize::MAX);
        }
    }

    pub fn len(&self) -> usize {
        self.needles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    pub fn build(self) -> Finder {
        let ac = if self.needles.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(&self.needles)
                .ok()
        };
        Finder {
            ac,
            meta: self.meta,
        }
    }
}

/// Where a known party is named: a character range of the original text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub start: u32,
    pub end: u32,
    pub party: u32,
    pub kind: NeedleKind,
}

/// The automaton over every known party's needles.
pub struct Finder {
    ac: Option<AhoCorasick>,
    meta: Vec<(u32, NeedleKind)>,
}

impl Finder {
    pub fn empty() -> Finder {
        Finder {
            ac: None,
            meta: Vec::new(),
        }
    }

    /// Every whole-word match in `n` (normalised), leftmost then longest,
    /// not overlapping, as character ranges of the original.
    pub fn find(&self, n: &Normalised, out: &mut Vec<Hit>) {
        let Some(ac) = &self.ac else { return };
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for m in ac.find_overlapping_iter(&n.text) {
            if n.whole(m.start(), m.end()) {
                found.push((m.start(), m.end(), m.pattern().as_usize()));
            }
        }
        found.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
        let mut last = 0usize;
        for (s, e, p) in found {
            if s < last {
                continue;
            }
            last = e;
            let (start, end) = n.original(s, e);
            let (party, kind) = self.meta[p];
            out.push(Hit {
                start,
                end,
                party,
                kind,
            });
        }
    }
}

/// Something in a text that could name a member not yet known, to look up.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Candidate {
    /// A normalised email address.
    Email(String),
    /// A phone number, as digits (`0…`).
    Phone(String),
    /// A word that could be a username (normalised, not ordinary), or an
    /// `@name`.
    Username(String),
    /// Something shaped like a member id (letters and digits), as written
    /// (ids are compared exactly, and case-insensitively).
    MemberId(String),
    /// Two words that could be a full name (normalised).
    FullName(String, String),
}

/// What in `n` (the normalised form of `original`, whose pattern matches
/// are `patterns`) could name a member not yet known, each with the
/// character offset in `original` where it starts, in order.
pub fn candidates(
    original: &str,
    n: &Normalised,
    patterns: &[PatternHit],
    out: &mut Vec<(u32, Candidate)>,
) {
    let start = out.len();
    for p in patterns {
        let at = super::normal::char_index(original, p.start);
        match p.kind {
            PatternKind::Email => out.push((at, Candidate::Email(p.value.clone()))),
            PatternKind::Phone => out.push((at, Candidate::Phone(p.value.clone()))),
            _ => {}
        }
    }
    let t = &n.text;
    let mut prev_word: Option<&str> = None;
    let mut prev_end = 0usize;
    let mut prev_start = 0usize;
    let mut prev_cap = false;
    for (s, tok) in tokens(t) {
        if tok.contains('@') && !tok.starts_with('@') {
            prev_word = None;
            continue;
        }
        let handle = tok.starts_with('@');
        let word = tok.trim_start_matches('@');
        if word.is_empty() {
            prev_word = None;
            continue;
        }
        let at = n.original(s, s + 1).0;
        let has_digit = word.chars().any(|c| c.is_ascii_digit());
        let has_letter = word.chars().any(char::is_alphabetic);
        if has_digit && has_letter && word.len() <= 64 {
            out.push((at, Candidate::MemberId(word.to_string())));
        }
        if (handle && has_letter) || may_seek_alone(word) {
            out.push((at, Candidate::Username(word.to_string())));
        }
        let plain = word.chars().all(char::is_alphabetic);
        if plain && !handle && word.chars().count() >= 2 && !is_function_word(word) {
            let cap = n.capital(original, s);
            if let Some(p) = prev_word {
                // Adjacent words, one space apart, neither a function word: a
                // possible full name when either is not an ordinary word, or
                // both are written with a capital (common names are ordinary).
                if t[prev_end..s].eq(" ") && (!ordinary(p) || !ordinary(word) || (prev_cap && cap))
                {
                    let at = n.original(prev_start, prev_start + 1).0;
                    out.push((at, Candidate::FullName(p.to_string(), word.to_string())));
                }
            }
            prev_word = Some(word);
            prev_start = s;
            prev_cap = cap;
        } else {
            prev_word = None;
        }
        prev_end = s + tok.len();
    }
    out[start..].sort_by_key(|c| c.0);
}

/// The tokens of a normalised text: runs of word characters and `.-'@+`
/// inside them, with the punctuation trimmed from both ends (an `@` kept
/// at the start).
pub fn tokens(t: &str) -> impl Iterator<Item = (usize, &str)> {
    let inner = |c: char| word_char(c) || matches!(c, '.' | '-' | '\'' | '@' | '+' | '’');
    let mut i = 0usize;
    std::iter::from_fn(move || {
        while i < t.len() {
            let rest = &t[i..];
            let c = rest.chars().next()?;
            if !inner(c) {
                i += c.len_utf8();
                continue;
            }
            let len = rest.find(|c: char| !inner(c)).unwrap_or(rest.len());
            let start = i;
            i += len;
            let raw = &t[start..start + len];
            let lead = raw.len() - raw.trim_start_matches(['.', '-', '\'', '+', '’']).len();
            let tok = raw[lead..].trim_end_matches(['.', '-', '\'', '+', '’', '@']);
            if tok.is_empty() {
                continue;
            }
            return Some((start + lead, tok));
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn natalie() -> Identity {
        Identity {
            member_id: "m-1817".into(),
            username: Some("JustNatalie8".into()),
            emails: vec!["n.mitchell8@example.com".into()],
            phones: vec![],
            first_name: Some("Natalie".into()),
            surname: Some("Mitchell".into()),
        }
    }

    fn find(f: &Finder, text: &str) -> Vec<(String, NeedleKind)> {
        let mut n = Normalised::default();
        n.fill(text);
        let mut out = Vec::new();
        f.find(&n, &mut out);
        out.into_iter()
            .map(|h| {
                (
                    super::super::normal::char_slice(text, h.start, h.end).to_string(),
                    h.kind,
                )
            })
            .collect()
    }

    #[test]
    fn every_identifier_whole_words_leftmost_longest() {
        let mut b = FinderBuilder::default();
        b.add(0, &natalie());
        b.add(
            1,
            &Identity {
                member_id: "m-9".into(),
                username: Some("the".into()),
                first_name: Some("ZOË".into()),
                surname: Some("Featherstonehaugh".into()),
                ..Default::default()
            },
        );
        let f = b.build();
        let hits = find(
            &f,
            "JustNatalie8 (N.Mitchell8@example.com, m-1817) says hi to NATALIE MITCHELL and Zoë; Natalie, justnatalie89 and m-18170 stay; the cat sat on the mat; FEATHERSTONEHAUGH",
        );
        assert_eq!(
            hits,
            vec![
                ("JustNatalie8".into(), NeedleKind::Username),
                ("N.Mitchell8@example.com".into(), NeedleKind::Email),
                ("m-1817".into(), NeedleKind::MemberId),
                ("NATALIE MITCHELL".into(), NeedleKind::Name),
                // "Zoë" and "Natalie" alone are ordinary (short, a common
                // first name: `text::ordinary`); a rare surname is not.
                ("FEATHERSTONEHAUGH".into(), NeedleKind::Name),
            ]
        );
    }

    #[test]
    fn candidates_for_discovery() {
        let text = "Ask @JustNatalie8 or m-1817 or Sarah Lund, mail x@y.org; the cat sat";
        let mut n = Normalised::default();
        n.fill(text);
        let mut p = Vec::new();
        super::super::patterns::find(text, &mut p);
        let mut c = Vec::new();
        candidates(text, &n, &p, &mut c);
        let c: Vec<Candidate> = c.into_iter().map(|x| x.1).collect();
        assert!(c.contains(&Candidate::Email("x@y.org".into())), "{c:?}");
        assert!(
            c.contains(&Candidate::Username("justnatalie8".into())),
            "{c:?}"
        );
        assert!(c.contains(&Candidate::MemberId("m-1817".into())), "{c:?}");
        assert!(
            c.contains(&Candidate::FullName("sarah".into(), "lund".into())),
            "{c:?}"
        );
        assert!(!c
            .iter()
            .any(|x| matches!(x, Candidate::Username(u) if u == "the" || u == "cat")));
    }
}
