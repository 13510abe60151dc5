//! Plain words for the export's keys, from `labels.json`: the one table
//! shared by the subject-access report and the desktop app
//! (`ui/src/lib/display.ts` imports the same file). A key not in the table
//! is shown by its name, underscores as spaces, first letter capitalised.

use crate::entity::Entity;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The table as JSON (`crates/core/src/labels.json`).
pub const JSON: &str = include_str!("labels.json");

#[derive(Debug, Deserialize)]
pub struct EntityWords {
    /// A section heading addressed to the member ("Your posts").
    pub heading: String,
    /// A short name for staff ("Posts").
    pub short: String,
    /// One row ("post") and many ("posts").
    pub one: String,
    pub many: String,
}

#[derive(Debug, Deserialize)]
pub struct Labels {
    pub entities: BTreeMap<String, EntityWords>,
    pub fields: BTreeMap<String, String>,
    pub purposes: BTreeMap<String, String>,
    pub sources: BTreeMap<String, String>,
    /// Per field, its values in plain words.
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// The parsed table (checked by the tests, so it cannot fail at run time).
pub fn labels() -> &'static Labels {
    static L: OnceLock<Labels> = OnceLock::new();
    L.get_or_init(|| serde_json::from_str(JSON).expect("labels.json is valid (tested)"))
}

/// `"posted_at"` → `"Posted at"`.
pub fn humanise(key: &str) -> String {
    let s = key.replace(['_', '.'], " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s,
    }
}

/// A field's label.
pub fn field(key: &str) -> Cow<'static, str> {
    match labels().fields.get(key) {
        Some(l) => Cow::Borrowed(l.as_str()),
        None => Cow::Owned(humanise(key)),
    }
}

/// Whether `key` has a label of its own.
pub fn has_field(key: &str) -> bool {
    labels().fields.contains_key(key)
}

/// The words of an entity.
pub fn entity(e: Entity) -> &'static EntityWords {
    &labels().entities[e.name()]
}

/// `n` rows of `e` in words: "1 post", "2,345 posts".
pub fn count(e: Entity, n: u64) -> String {
    let w = entity(e);
    format!("{} {}", thousands(n), if n == 1 { &w.one } else { &w.many })
}

/// A consent purpose in plain words, or its key humanised.
pub fn purpose(p: &str) -> Cow<'static, str> {
    match labels().purposes.get(p) {
        Some(l) => Cow::Borrowed(l.as_str()),
        None => Cow::Owned(humanise(p)),
    }
}

/// A consent source in plain words, or its key humanised.
pub fn source(s: &str) -> Cow<'static, str> {
    match labels().sources.get(s) {
        Some(l) => Cow::Borrowed(l.as_str()),
        None => Cow::Owned(humanise(s)),
    }
}

/// A value of `field` in plain words, when the table has it.
pub fn value(field: &str, v: &str) -> Option<&'static str> {
    labels()
        .values
        .get(field)
        .and_then(|m| m.get(v))
        .map(String::as_str)
}

/// 1234567 → "1,234,567" (UK style).
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::{FieldType, PURPOSES};

    #[test]
    fn every_key_of_the_contract_has_words() {
        let l = labels();
        for e in Entity::ALL {
            assert!(l.entities.contains_key(e.name()), "entity {e}");
            for f in e.fields() {
                assert!(l.fields.contains_key(f.name), "{e}.{}", f.name);
                if let FieldType::Enum(values) = f.ty {
                    if e == Entity::Deletions {
                        continue;
                    }
                    for v in values {
                        assert!(value(f.name, v).is_some(), "{e}.{} = {v}", f.name);
                    }
                }
            }
        }
        for p in PURPOSES {
            assert!(l.purposes.contains_key(*p), "purpose {p}");
        }
        // The contract's consent sources (production-export-v1.md §4).
        for s in [
            "registration",
            "profile_settings",
            "unsubscribe_link",
            "cmp",
            "helpdesk",
            "competition_entry",
            "survey",
            "inactivity_expiry",
            "legacy_import",
        ] {
            assert!(l.sources.contains_key(s), "source {s}");
        }
        // The generator's extra member column and its evidence keys.
        for k in [
            "marketing_segment",
            "wording",
            "form",
            "page",
            "checkbox_default",
        ] {
            assert!(has_field(k), "{k}");
        }
    }

    #[test]
    fn words_and_numbers() {
        assert_eq!(field("posted_at"), "Posted");
        assert_eq!(field("shoe_size"), "Shoe size");
        assert_eq!(
            purpose("partner_emails"),
            "Emails about our partners' offers"
        );
        assert_eq!(purpose("new.thing"), "New thing");
        assert_eq!(count(Entity::Posts, 1), "1 post");
        assert_eq!(count(Entity::Posts, 100_000), "100,000 posts");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(value("method", "app"), Some("The app"));
    }
}
