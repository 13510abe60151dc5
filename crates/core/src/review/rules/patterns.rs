//! Personal-data patterns in free text: email addresses, UK phone numbers,
//! UK postcodes and street addresses. Each match comes with its kind, its
//! byte range in the text and its normalised value (so that the same value
//! written two ways is one value). Regular expressions of the `regex` crate:
//! linear in the text, whatever it holds.

use crate::text::{norm_email, norm_phone, norm_postcode};
use regex::Regex;
use std::sync::OnceLock;

/// What a pattern found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PatternKind {
    Email,
    Phone,
    Postcode,
    Address,
}

impl PatternKind {
    pub fn name(self) -> &'static str {
        match self {
            PatternKind::Email => "email",
            PatternKind::Phone => "phone",
            PatternKind::Postcode => "postcode",
            PatternKind::Address => "address",
        }
    }
}

/// One match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternHit {
    pub kind: PatternKind,
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
    /// The value normalised (an email lower-cased, a phone as digits with
    /// `0` for `+44`, a postcode without spaces in capitals, an address
    /// folded).
    pub value: String,
}

struct Res {
    email: Regex,
    phone: Regex,
    postcode: Regex,
    address: Regex,
}

fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| Res {
        email: Regex::new(r"(?i)[a-z0-9][a-z0-9._%+\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)+")
            .expect("email pattern"),
        // UK numbers: 0 and 9–10 more digits, or +44/0044 and 9–10 digits,
        // spaces, dashes and a "(0)" allowed between.
        phone: Regex::new(r"(?:(?:\+|\b00)44[ \-]?(?:\(0\)[ \-]?)?|\(?\b0)[0-9](?:[ \-\)]{0,2}[0-9]){8,9}\b")
            .expect("phone pattern"),
        postcode: Regex::new(r"\b(?:[A-Za-z][A-Ha-hJ-Yj-y]?[0-9][A-Za-z0-9]?) ?[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}\b")
            .expect("postcode pattern"),
        address: Regex::new(
            r"\b[0-9]{1,4}[A-Za-z]?,? +(?:[A-Z][a-z'’]+ +){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Cres|Court|Ct|Place|Pl|Gardens|Gdns|Grove|Terrace|Square|Sq|Hill|Row|Mews|Walk|Rise|Parade|View|Green)\b",
        )
        .expect("address pattern"),
    })
}

/// Every pattern match in `text`, in order of position (matches of
/// different kinds may overlap; the caller resolves overlaps).
pub fn find(text: &str, out: &mut Vec<PatternHit>) {
    let r = res();
    if text.contains('@') {
        for m in r.email.find_iter(text) {
            let s = m.as_str().trim_end_matches(['.', '-']);
            out.push(PatternHit {
                kind: PatternKind::Email,
                start: m.start(),
                end: m.start() + s.len(),
                value: norm_email(s),
            });
        }
    }
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    for m in r.phone.find_iter(text) {
        let s = m.as_str();
        // An opening bracket the match began with belongs to the number
        // only if it is closed inside it.
        let (start, s) = match s.strip_prefix('(') {
            Some(rest) if !rest.contains(')') => (m.start() + 1, rest),
            _ => (m.start(), s),
        };
        let v = norm_phone(&s.replace("(0)", ""));
        if (10..=11).contains(&v.len()) && v.starts_with('0') {
            out.push(PatternHit {
                kind: PatternKind::Phone,
                start,
                end: m.end(),
                value: v,
            });
        }
    }
    for m in r.postcode.find_iter(text) {
        // Letters of one case only: "SW1A 1AA" or "sw1a 1aa", not "Ab1 2cD".
        let s = m.as_str();
        let upper = s.chars().any(|c| c.is_ascii_uppercase());
        let lower = s.chars().any(|c| c.is_ascii_lowercase());
        if upper && lower {
            continue;
        }
        out.push(PatternHit {
            kind: PatternKind::Postcode,
            start: m.start(),
            end: m.end(),
            value: norm_postcode(s),
        });
    }
    for m in r.address.find_iter(text) {
        out.push(PatternHit {
            kind: PatternKind::Address,
            start: m.start(),
            end: m.end(),
            value: super::normal::norm(m.as_str()),
        });
    }
    out.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(PatternKind, String, String)> {
        let mut v = Vec::new();
        find(text, &mut v);
        v.into_iter()
            .map(|h| (h.kind, text[h.start..h.end].to_string(), h.value))
            .collect()
    }

    #[test]
    fn emails_phones_postcodes_addresses() {
        let k = kinds("Mail N.Mitchell8@Example.co.uk. or call 07700 900123, (020) 7946 0018 or +44 (0)7700-900124; we live at 12 Acacia Avenue, LS1 4AP");
        assert!(
            k.contains(&(
                PatternKind::Email,
                "N.Mitchell8@Example.co.uk".into(),
                "n.mitchell8@example.co.uk".into()
            )),
            "{k:?}"
        );
        assert!(
            k.contains(&(
                PatternKind::Phone,
                "07700 900123".into(),
                "07700900123".into()
            )),
            "{k:?}"
        );
        assert!(
            k.contains(&(
                PatternKind::Phone,
                "(020) 7946 0018".into(),
                "02079460018".into()
            )),
            "{k:?}"
        );
        assert!(
            k.contains(&(
                PatternKind::Phone,
                "+44 (0)7700-900124".into(),
                "07700900124".into()
            )),
            "{k:?}"
        );
        assert!(
            k.contains(&(
                PatternKind::Address,
                "12 Acacia Avenue".into(),
                "12 acacia avenue".into()
            )),
            "{k:?}"
        );
        assert!(
            k.contains(&(PatternKind::Postcode, "LS1 4AP".into(), "LS14AP".into())),
            "{k:?}"
        );
    }

    #[test]
    fn ordinary_numbers_are_not_phones() {
        let k = kinds("Samaritans are on 116 123; she was born in 2019 and weighs 3400 g; SW1A1AA");
        assert!(k.iter().all(|h| h.0 != PatternKind::Phone), "{k:?}");
        assert!(k.iter().any(|h| h.0 == PatternKind::Postcode), "{k:?}");
        assert!(kinds("the cat sat on the mat").is_empty());
    }
}
