//! The search index's keys of a stored row (pure).
//!
//! A key is `kind \x1f normalised-term`. The vault records the
//! [`TERMS_VERSION`] its index was built with and rebuilds the index when the
//! desk's differs. The DELETE triggers (frozen in migration 3) ask for a row's
//! keys slot by slot, up to [`max_terms`] as it was then: a change that lets
//! a row have more keys needs a new migration that recreates the triggers.

use super::{fold, norm_email, norm_phone, norm_postcode, norm_twitter, norm_url, soundex};
use serde_json::{Map, Value};

/// The version of the key rules below. Bump it whenever a change to this
/// module or to the normalisation in [`super`] changes any row's keys.
pub const TERMS_VERSION: u32 = 1;

pub(crate) const SEP: char = '\x1f';

/// Entities whose rows carry search terms.
pub const INDEXED: [&str; 7] = [
    "members",
    "social_accounts",
    "helpdesk_tickets",
    "posts",
    "login_events",
    "competition_entries",
    "local_listings",
];

pub(crate) fn key(kind: &str, term: &str) -> String {
    format!("{kind}{SEP}{term}")
}

fn text<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    m.get(k)
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// At most this many words of a name are indexed.
pub const NAME_WORDS: usize = 3;

fn name_keys(prefix: &str, name: &str, out: &mut Vec<String>) {
    for w in fold(name).split(' ').take(NAME_WORDS) {
        if let Some(sx) = soundex(w) {
            out.push(key(prefix, &format!("{sx}:{w}")));
        }
    }
}

/// The index keys of one stored row (deduplicated).
pub fn row_terms(entity: &str, data: &str) -> Vec<String> {
    if !INDEXED.contains(&entity) {
        return Vec::new();
    }
    let f: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
    fields_terms(entity, &f)
}

/// The index keys of a row's fields (deduplicated).
pub fn fields_terms(entity: &str, f: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |kind: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push(key(kind, &v));
        }
    };
    match entity {
        "members" => {
            push("email", text(f, "email").map(norm_email));
            push("username", text(f, "username").map(|u| u.to_lowercase()));
            push("postcode", text(f, "postcode").map(norm_postcode));
            push("signup_ip", text(f, "signup_ip").map(|s| s.to_lowercase()));
            push(
                "twitter_handle",
                text(f, "twitter_handle").map(norm_twitter),
            );
            push("blog_url", text(f, "blog_url").map(norm_url));
            if let Some(n) = text(f, "first_name") {
                name_keys("fn", n, &mut out);
            }
            if let Some(n) = text(f, "surname") {
                name_keys("sn", n, &mut out);
            }
        }
        "social_accounts" => push("social_email", text(f, "email").map(norm_email)),
        "helpdesk_tickets" => push("helpdesk_email", text(f, "requester_email").map(norm_email)),
        "posts" => {
            if let Some(n) = text(f, "posted_as") {
                push("posted_as", Some(fold(n)));
                name_keys("pa", n, &mut out);
            }
        }
        "login_events" => push("login_ip", text(f, "ip").map(|s| s.to_lowercase())),
        "competition_entries" => push("competition_phone", text(f, "phone").map(norm_phone)),
        "local_listings" => push("listing_phone", text(f, "phone").map(norm_phone)),
        _ => {}
    }
    out.sort();
    out.dedup();
    out
}

/// How many terms a row of `entity` can have at most (the trigger slots).
pub fn max_terms(entity: &str) -> usize {
    match entity {
        "members" => 6 + 2 * NAME_WORDS,
        "posts" => 1 + NAME_WORDS,
        _ => 1,
    }
}
