//! **Ordinary words** (pure): the one rule, used by the mentions index and
//! by the review's finder, for which single words never name a person on
//! their own.
//!
//! A word (normalised by [`crate::text::norm`]: case, accents, width and
//! invisible characters folded) is ordinary when:
//! - it is shorter than 4 characters or has fewer than 3 letters (`the`,
//!   `Mum`, `Zoë`, `DS1`, `10am`, `1234`); or
//! - every part of it, split at `-` and `.`, is shorter than 4 characters,
//!   has no letter, or is in the built-in lists (`well-known`, `part-time`): `words.txt`, ~72,000
//!   English words and common proper names from SCOWL's British list
//!   (size 50; written by `scripts/make-wordlist`, its licence in the file),
//!   and `common.txt`, kept by hand: the forum's own words and
//!   abbreviations (AIBU, DH, hubby), family words, brands, and common UK
//!   first names and surnames (`Sarah`, `Grace`, `Mitchell`);
//! - but a word with `_` is a handle, never ordinary (`Little_Miss`).
//!
//! What the rule means:
//! - **mentions**: a username that is ordinary is matched only as
//!   `@name`, never as a bare word (the index stores no ordinary bare word);
//! - **review**: a single-word needle that is ordinary (a third party's
//!   username, first name or surname on its own) is not looked for, and an
//!   ordinary word of the text is never looked up as a username. Whole
//!   identifiers are still looked for: an email address, a member id, a
//!   full name ("Grace Baker"), a username of several words.
//!
//! Why common names count: "Sarah" on its own names thousands of people,
//! so proposing (or listing) every "Sarah" as one member is noise that
//! hides the real mentions; the full name, the email and `@Sarah` still
//! name her.
//!
//! [`FUNCTION_WORDS`] are the words that never start or end a person's
//! name ("Our GP", "Is Florence" are not names).
//!
//! Changing the lists or the rule changes what the mentions index holds:
//! bump `mentions::rules::RULES_VERSION` (the index is then rebuilt).

use std::collections::HashSet;
use std::sync::OnceLock;

const WORDS: &str = include_str!("words.txt");
const COMMON: &str = include_str!("common.txt");

fn lists() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set = HashSet::with_capacity(73_000);
        for src in [WORDS, COMMON] {
            for line in src.lines().filter(|l| !l.starts_with('#')) {
                set.extend(line.split_whitespace());
            }
        }
        set
    })
}

/// Whether a normalised word is ordinary (see the module documentation).
pub fn is_ordinary(word: &str) -> bool {
    if word.len() < 4
        || word.chars().count() < 4
        || word.chars().filter(|c| c.is_alphabetic()).count() < 3
    {
        return true;
    }
    if word.contains('_') {
        return false;
    }
    let words = lists();
    word.split(['-', '.']).all(|part| {
        part.chars().count() < 4 || !part.chars().any(char::is_alphabetic) || words.contains(part)
    })
}

/// Whether a normalised needle (one word, or several separated by one
/// space) may be looked for on its own: several words always, one word
/// when it is not ordinary.
pub fn may_seek_alone(needle: &str) -> bool {
    needle.contains(' ') || !is_ordinary(needle)
}

/// Words that never start or end a person's name (sorted).
pub const FUNCTION_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "but", "by", "can", "could", "dear", "did", "do", "does", "dr", "each",
    "every", "for", "from", "had", "has", "have", "he", "hello", "her", "hi", "him", "his", "how",
    "i", "if", "in", "into", "is", "it", "its", "just", "may", "me", "might", "miss", "mr", "mrs",
    "ms", "must", "my", "no", "not", "of", "ok", "on", "or", "our", "re", "she", "should", "so",
    "some", "than", "thank", "thanks", "that", "the", "their", "them", "then", "these", "they",
    "this", "those", "to", "us", "was", "we", "were", "what", "when", "where", "which", "who",
    "why", "will", "with", "would", "yes", "you", "your",
];

/// Whether a normalised word is a function word ([`FUNCTION_WORDS`]).
pub fn is_function_word(w: &str) -> bool {
    FUNCTION_WORDS.binary_search(&w).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_words_names_and_handles() {
        for w in [
            "the",
            "mum",
            "tired",
            "grace",
            "sarah",
            "mitchell",
            "zoe",
            "ds1",
            "10am",
            "1234",
            "dh",
            "aibu",
            "knackered",
            "well-known",
            "part-time",
            "mat",
            "may",
            "will",
        ] {
            assert!(is_ordinary(w), "{w}");
        }
        for w in [
            "littlemisscrafty",
            "zoe1985",
            "little_miss",
            "tired_mum",
            "justnatalie8",
            "featherstonehaugh",
        ] {
            assert!(!is_ordinary(w), "{w}");
        }
        assert!(!may_seek_alone("the") && !may_seek_alone("z"));
        assert!(may_seek_alone("grace baker") && may_seek_alone("justnatalie8"));
    }

    #[test]
    fn function_words_are_sorted() {
        assert!(FUNCTION_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_function_word("our") && !is_function_word("florence"));
    }
}
