//! One normalisation for needles (third parties' identifiers) and the text
//! they are looked for in, with every normalised byte mapped back to the
//! character of the original text it came from.
//!
//! Per character: Unicode's default-ignorable code points (zero-width
//! spaces and joiners, bidi controls, soft hyphens, variation selectors)
//! are dropped; a run of white space becomes one space; everything else is
//! decomposed for compatibility (NFKD: full-width and ligature forms become
//! plain letters), combining marks are dropped, the letters
//! [`crate::text::fold`] spells out are spelled out (ß → ss, æ → ae, ø → o,
//! ł → l, đ → d, œ → oe), and the rest is lowercased. So "ZOË", "Zoë",
//! "Zoe\u{0308}" and "Ｚｏｅ" are all "zoe", like `text::fold` makes them.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Whether `c` is ignored when comparing (Unicode's Default_Ignorable_Code_Point
/// ranges that occur in text: zero-width, joiners, bidi controls, soft hyphen,
/// variation selectors, tags).
pub fn ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// Letters, digits and `_`: what a word (a name, a username) is made of.
pub fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Append the normalised form of `c` to `out`; `space` says whether `out`
/// ends in a space already (runs of white space become one space).
fn push(c: char, out: &mut String) {
    if c.is_ascii() {
        // The common case, without decomposition tables.
        if c.is_ascii_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
        return;
    }
    if ignorable(c) {
        return;
    }
    if c.is_whitespace() {
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        return;
    }
    decompose_compatible(c, |d| {
        if is_combining_mark(d) || ignorable(d) {
            return;
        }
        match d {
            'ß' | 'ẞ' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            'œ' | 'Œ' => out.push_str("oe"),
            ' ' => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            _ => out.extend(d.to_lowercase()),
        }
    });
}

/// The normalised form of a needle (trimmed).
pub fn norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push(c, &mut out);
    }
    let t = out.trim_end();
    t.to_string()
}

/// A text normalised, with the way back to the original.
#[derive(Default)]
pub struct Normalised {
    /// The normalised text.
    pub text: String,
    /// For every byte of `text`, the index (in characters) of the original
    /// character it came from.
    map: Vec<u32>,
}

impl Normalised {
    /// Normalise `original` into this buffer (reused between texts).
    pub fn fill(&mut self, original: &str) {
        self.text.clear();
        self.map.clear();
        for (i, c) in original.chars().enumerate() {
            let i = i as u32;
            let before = self.text.len();
            push(c, &mut self.text);
            match self.text.len() - before {
                0 => {}
                1 => self.map.push(i),
                added => self.map.extend(std::iter::repeat_n(i, added)),
            }
        }
    }

    /// The original character range `[start, end)` of the normalised byte
    /// range `[s, e)` (`s < e`).
    pub fn original(&self, s: usize, e: usize) -> (u32, u32) {
        (self.map[s], self.map[e - 1] + 1)
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
