//! Ids renumbered within the bundle.

use crate::entity::Entity;
use std::collections::HashMap;

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
pub(super) fn form_of(e: Entity, field: &str) -> String {
    match (e, field) {
        (Entity::PrivateMessages, "message_id") => "message".into(),
        (Entity::PrivateMessages, "conversation_id") => "conversation".into(),
        (Entity::HelpdeskTickets, "ticket_id") => "ticket".into(),
        (Entity::Reviews, "target_id") => "listing".into(),
        _ => field.trim_end_matches("_id").replace('_', "-"),
    }
}
