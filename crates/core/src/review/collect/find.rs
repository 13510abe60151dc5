//! Finding (see the module documentation): per row, every place where a
//! third party is, and the ids that carry someone else's.

use super::super::rules::finder::{Hit, NeedleKind};
use super::super::rules::normal::{norm, Normalised};
use super::super::rules::patterns::{self, PatternHit, PatternKind};
use super::super::rules::text_fields;
use super::renumber::form_of;
use super::{fk, participants, Discovery, Found, ProposalKind};
use crate::entity::Entity;
use serde_json::{Map, Value};
use std::collections::HashSet;

impl Discovery {
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
                    out.push(Found::participant(path, p));
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
                out.push(Found::participant("/author_id".into(), p));
            }
        }
        let mut n = Normalised::default();
        let mut hits = Vec::new();
        let mut pats = Vec::new();
        for (path, text) in super::super::candidates::text_fields(row) {
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
        hits: &mut Vec<Hit>,
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
