//! Ordinary words: never proposed as a name **on their own**.
//!
//! A third party whose username is "the", or whose first name is "Grace",
//! must not turn "the cat sat on the mat" into "Member A cat sat on Member
//! A mat", nor "by the grace of" into anything. So a single-word needle (a
//! username, a first name, a surname) that is an ordinary word is not
//! looked for, and a single word of text that is an ordinary word is never
//! looked up as a username. Whole identifiers are still looked for: an
//! email address, a member id, a full name ("Grace Baker").
//!
//! The list (compared after [`super::normal::norm`]: case and accents
//! folded) is two files shipped in the source:
//! - `english-words.txt`: every all-lower-case word of SCOWL size 35
//!   (British English; Debian's `wbritish-small`), about 39,800 words —
//!   ordinary words, and no proper names (SCOWL writes those with a
//!   capital, and they are left out);
//! - `forum-words.txt`: what UK parenting forums write that a dictionary
//!   lacks (Mum, DH, DD, AIBU, TTC, …) and family words, kept by hand.

use super::normal::norm;
use std::collections::HashSet;
use std::sync::OnceLock;

const ENGLISH: &str = include_str!("english-words.txt");
const FORUM: &str = include_str!("forum-words.txt");

fn set() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut s = HashSet::with_capacity(41_000);
        for line in ENGLISH.lines().chain(FORUM.lines()) {
            if line.starts_with('#') {
                continue;
            }
            for w in line.split_whitespace() {
                s.insert(norm(w));
            }
        }
        s
    })
}

/// Whether `word` (normalised: one word, lower case, accents folded) is an
/// ordinary word. Numbers alone count as ordinary (never a name).
pub fn ordinary(word: &str) -> bool {
    if word.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    set().contains(word)
}

/// Whether a needle may be looked for: anything of more than one word, and
/// a single word that is not ordinary and has at least two letters.
pub fn may_seek_alone(needle: &str) -> bool {
    if needle.contains(' ') {
        return true;
    }
    needle.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !ordinary(needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_words_and_names() {
        for w in [
            "the", "mat", "mum", "tired", "grace", "may", "will", "dh", "aibu", "1234",
        ] {
            assert!(ordinary(w), "{w}");
        }
        for w in ["natalie", "zoe", "justnatalie8", "sarah", "mitchell"] {
            assert!(!ordinary(w), "{w}");
        }
        assert!(!may_seek_alone("the"));
        assert!(!may_seek_alone("tired"));
        assert!(may_seek_alone("grace baker"));
        assert!(may_seek_alone("zoe"));
        assert!(!may_seek_alone("z"));
    }
}
