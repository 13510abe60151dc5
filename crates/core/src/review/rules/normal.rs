//! The review's view of [`crate::text::norm`], the desk's one normalisation
//! (the same invisible characters, folding of case, accents and width as the
//! mentions index and the text index), with what the finder needs on top:
//! white space collapsed (a run of it is one space, so the needle "grace
//! baker" finds "Grace\u{00A0}\u{00A0}Baker") and offsets counted in
//! characters of the original text (what drafts store). So "ZOË", "Zoë",
//! "Zoe\u{0308}", "Ｚｏｅ" and "Zo\u{FE0F}e" are all "zoe" here as there.

use crate::text::norm::{self, Options};

/// How the finder reads a text: white space collapsed, character offsets.
const FINDER: Options = Options {
    collapse_space: true,
    char_index: true,
};

/// Letters, digits and `_`: what a word (a name, a username) is made of.
pub fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The normalised form of a needle (white space collapsed, trimmed).
pub fn norm(s: &str) -> String {
    norm::norm_collapsed(s)
}

/// A text normalised, with the way back to the original (the text is
/// [`norm::Normalised::text`], reached through `Deref`).
#[derive(Default)]
pub struct Normalised(norm::Normalised);

impl std::ops::Deref for Normalised {
    type Target = norm::Normalised;
    fn deref(&self) -> &norm::Normalised {
        &self.0
    }
}

impl Normalised {
    /// Normalise `original` into this buffer (reused between texts).
    pub fn fill(&mut self, original: &str) {
        self.0.fill(original, FINDER);
    }

    /// The original character range `[start, end)` of the normalised byte
    /// range `[s, e)` (`s < e`).
    pub fn original(&self, s: usize, e: usize) -> (u32, u32) {
        self.0.chars(s, e)
    }

    /// Whether the normalised byte range `[s, e)` stands as a whole word:
    /// no word character joins it on either side where it begins or ends
    /// with one.
    pub fn whole(&self, s: usize, e: usize) -> bool {
        let t = &self.text;
        let first = t[s..].chars().next();
        let last = t[..e].chars().next_back();
        let before = t[..s].chars().next_back();
        let after = t[e..].chars().next();
        let joins = |edge: Option<char>, side: Option<char>| {
            edge.is_some_and(word_char) && side.is_some_and(word_char)
        };
        !joins(first, before) && !joins(last, after)
    }

    /// Whether the original character the normalised byte `i` came from is
    /// an upper-case letter (`original` is the text given to [`Self::fill`]).
    pub fn capital(&self, original: &str, i: usize) -> bool {
        original
            .get(self.0.origin(i)..)
            .and_then(|r| r.chars().next())
            .is_some_and(char::is_uppercase)
    }
}

/// Byte offset → character offset in `s` (for matches found on the
/// original text, such as the personal-data patterns).
pub fn char_index(s: &str, byte: usize) -> u32 {
    s[..byte].chars().count() as u32
}

/// The substring of `s` between character offsets `[start, end)`.
pub fn char_slice(s: &str, start: u32, end: u32) -> &str {
    let mut it = s
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(s.len()));
    let b0 = it.by_ref().nth(start as usize).unwrap_or(s.len());
    let b1 = if end > start {
        it.nth((end - start - 1) as usize).unwrap_or(s.len())
    } else {
        b0
    };
    &s[b0..b1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_accents_width_and_invisible_characters_fold_alike() {
        for s in [
            "Zoë",
            "ZOË",
            "Zoe\u{0308}",
            "Ｚｏｅ",
            "Z\u{200B}o\u{202E}e",
            "Zo\u{FE0F}e",
            "zoe",
        ] {
            assert_eq!(norm(s), "zoe", "{s:?}");
        }
        assert_eq!(norm("  Straße   Œuvre "), "strasse oeuvre");
        assert_eq!(norm("ﬁona"), "fiona");
    }

    #[test]
    fn offsets_map_back_to_the_original_characters() {
        let mut n = Normalised::default();
        let text = "Hi ZO\u{200B}Ë, and Straße!";
        n.fill(text);
        assert_eq!(n.text, "hi zoe, and strasse!");
        let s = n.text.find("zoe").unwrap();
        let (a, b) = n.original(s, s + 3);
        assert_eq!(char_slice(text, a, b), "ZO\u{200B}Ë");
        let s = n.text.find("strasse").unwrap();
        let (a, b) = n.original(s, s + 7);
        assert_eq!(char_slice(text, a, b), "Straße");
        assert!(n.whole(s, s + 7));
        let s = n.text.find("stras").unwrap();
        assert!(!n.whole(s, s + 5));
    }

    #[test]
    fn char_slices() {
        assert_eq!(char_slice("a😀bc", 1, 3), "😀b");
        assert_eq!(char_slice("abc", 3, 3), "");
        assert_eq!(char_index("a😀bc", 5), 2);
    }
}
