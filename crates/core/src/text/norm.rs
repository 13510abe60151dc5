//! Free text made comparable, with every position mapped back to the
//! original (pure): **the one normalisation** of the desk's free-text
//! readers — the mentions index (which words of a post name a member, and
//! where, for the highlighted snippet), the optional text index
//! (`desk_text`, [`crate::vault::sqlfn`]) and the review's finder
//! (`review::rules::normal`, a thin layer over [`Normalised::fill`] that
//! collapses white space and counts in characters). So the same text reads
//! the same everywhere.
//!
//! Per character of the original:
//! - Unicode's default-ignorable code points ([`is_invisible`]: zero-width
//!   spaces and joiners, bidirectional controls, the soft hyphen, the
//!   combining grapheme joiner, variation selectors, Hangul fillers, tags…)
//!   are dropped, so `Zo\u{200B}ë` and `Zo\u{FE0F}ë` read `zoe`;
//! - the compatibility decomposition (NFKD: full-width `Ｚ` is `Z`, `ﬁ` is
//!   `fi`), then combining marks dropped (accents folded as
//!   [`crate::text::fold`] folds them, with its `ß`→`ss`, `æ`→`ae`, `ø`→`o`,
//!   `ł`→`l`, `đ`→`d`, `œ`→`oe`), then lower case;
//! - with [`Options::collapse_space`] (the review's finder), a run of white
//!   space (after the above) is one space and leading white space is
//!   dropped; without it (the indexes), white space is kept as it is.
//!
//! Each byte of the normalised text knows the byte range of the original
//! character it came from ([`Normalised::span`]) and, with
//! [`Options::char_index`], that character's index ([`Normalised::chars`]).
//!
//! Changing these rules changes what the mentions index holds: bump
//! [`NORM_VERSION`] (the index is then rebuilt) and, for the text index, a new
//! migration must rebuild it (its triggers re-derive a row's text to delete it;
//! migration 0012 did so for version 2).

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// The version of the rules below. 2: Unicode's whole default-ignorable
/// set is dropped (1 dropped only zero-width and bidi controls).
pub const NORM_VERSION: u32 = 2;

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt):
/// invisible, dropped — zero-width spaces and joiners, bidi controls, the
/// soft hyphen, the combining grapheme joiner, Mongolian and standard
/// variation selectors, Hangul fillers, Khmer inherent vowels, invisible
/// operators, shorthand format controls, musical formatting, tags.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// How [`Normalised::fill`] reads a text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// A run of white space becomes one space; leading white space is
    /// dropped (the review's finder: needles are written with one space).
    pub collapse_space: bool,
    /// Also keep, per normalised byte, the index (in characters) of the
    /// original character ([`Normalised::chars`]).
    pub char_index: bool,
}

/// A normalised text and where each of its bytes came from.
#[derive(Clone, Debug, Default)]
pub struct Normalised {
    pub text: String,
    /// Per byte of `text`: (start, end) of the original character.
    map: Vec<(u32, u32)>,
    /// Per byte of `text`: the original character's index (with
    /// [`Options::char_index`]).
    chars: Vec<u32>,
}

/// Append `c` as a space to `out` unless it ends in one (or is empty).
#[inline]
fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

/// Append the normalised form of the non-ASCII `c` to `out`.
#[inline]
fn push_wide(c: char, collapse: bool, out: &mut String) {
    if is_invisible(c) {
        return;
    }
    if collapse && c.is_whitespace() {
        push_space(out);
        return;
    }
    decompose_compatible(c, |d| {
        if is_combining_mark(d) || is_invisible(d) {
            return;
        }
        match d {
            'ß' | 'ẞ' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            'œ' | 'Œ' => out.push_str("oe"),
            d if collapse && d.is_whitespace() => push_space(out),
            _ => out.extend(d.to_lowercase()),
        }
    });
}

impl Normalised {
    /// Normalise `s` (allocating).
    pub fn of(s: &str) -> Normalised {
        let mut n = Normalised::default();
        n.set(s);
        n
    }

    /// Normalise `s` into this value, reusing its buffers (white space kept,
    /// byte offsets only: the indexes).
    pub fn set(&mut self, s: &str) {
        self.fill(s, Options::default());
    }

    /// Normalise `s` into this value as `opts` says, reusing its buffers.
    pub fn fill(&mut self, s: &str, opts: Options) {
        self.text.clear();
        self.map.clear();
        self.chars.clear();
        let collapse = opts.collapse_space;
        for (i, (at, c)) in s.char_indices().enumerate() {
            let range = (at as u32, (at + c.len_utf8()) as u32);
            let before = self.text.len();
            if c.is_ascii() {
                if collapse && c.is_ascii_whitespace() {
                    push_space(&mut self.text);
                } else {
                    self.text.push(c.to_ascii_lowercase());
                }
            } else {
                push_wide(c, collapse, &mut self.text);
            }
            let added = self.text.len() - before;
            match added {
                0 => continue,
                1 => self.map.push(range),
                _ => self.map.extend(std::iter::repeat_n(range, added)),
            }
            if opts.char_index {
                self.chars.extend(std::iter::repeat_n(i as u32, added));
            }
        }
    }

    /// The original byte range of the normalised bytes `start..end`.
    pub fn span(&self, start: usize, end: usize) -> (usize, usize) {
        if start >= end || end > self.map.len() {
            return (0, 0);
        }
        (self.map[start].0 as usize, self.map[end - 1].1 as usize)
    }

    /// The original byte offset where normalised byte `i` came from.
    pub fn origin(&self, i: usize) -> usize {
        self.map.get(i).map(|m| m.0 as usize).unwrap_or(0)
    }

    /// The original character range `[start, end)` of the normalised bytes
    /// `s..e` (`s < e`; filled with [`Options::char_index`]).
    pub fn chars(&self, s: usize, e: usize) -> (u32, u32) {
        (self.chars[s], self.chars[e - 1] + 1)
    }
}

/// Normalise a short text (a query, a name): no map kept.
pub fn norm(s: &str) -> String {
    Normalised::of(s).text
}

/// Normalise a short text with white space collapsed and trimmed (a
/// review needle: "  Zoë   Smith " is "zoe smith").
pub fn norm_collapsed(s: &str) -> String {
    let mut n = Normalised::default();
    n.fill(
        s,
        Options {
            collapse_space: true,
            char_index: false,
        },
    );
    let len = n.text.trim_end().len();
    n.text.truncate(len);
    n.text
}

/// The free-text fields of an entity's rows, in order: the mentions index
/// and the text index read these. Helpdesk messages are `messages[i].body`.
pub const FREE_TEXT: &[(&str, &[&str])] = &[
    ("posts", &["thread_title", "body"]),
    ("private_messages", &["subject", "body"]),
    ("helpdesk_tickets", &["subject", "messages"]),
    ("reviews", &["body"]),
    (
        "local_listings",
        &["business_name", "contact_name", "address"],
    ),
];

/// The free-text fields of `entity` (empty for other entities).
pub fn free_text_fields(entity: &str) -> &'static [&'static str] {
    FREE_TEXT
        .iter()
        .find(|(e, _)| *e == entity)
        .map(|(_, f)| *f)
        .unwrap_or(&[])
}

/// Call `f(field, text)` for each free text of a row's fields (helpdesk
/// messages one by one, as `messages[i].body`).
pub fn each_free_text<'a>(
    entity: &str,
    fields: &'a serde_json::Map<String, serde_json::Value>,
    mut f: impl FnMut(std::borrow::Cow<'static, str>, &'a str),
) {
    for &name in free_text_fields(entity) {
        match fields.get(name) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => f(name.into(), s),
            Some(serde_json::Value::Array(items)) if name == "messages" => {
                for (i, m) in items.iter().enumerate() {
                    if let Some(b) = m.get("body").and_then(|b| b.as_str()) {
                        if !b.is_empty() {
                            f(format!("messages[{i}].body").into(), b);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// A stored row's free text, normalised, one field per line: what the text
/// index holds for it (`desk_text`). Empty for other entities.
pub fn row_text(entity: &str, data: &str) -> String {
    if free_text_fields(entity).is_empty() {
        return String::new();
    }
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(data).unwrap_or_default();
    let mut out = String::new();
    let mut n = Normalised::default();
    each_free_text(entity, &fields, |_, t| {
        n.set(t);
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&n.text);
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_width_and_drops_invisible_characters() {
        let n = Normalised::of("Hi ZOË, Zo\u{200B}ë and Ｚｏｅ\u{202E}!");
        assert_eq!(n.text, "hi zoe, zoe and zoe!");
        // "ZOË" in the normalised text maps back to the original bytes.
        let i = n.text.find("zoe").unwrap();
        let (s, e) = n.span(i, i + 3);
        assert_eq!(&"Hi ZOË, Zo\u{200B}ë and Ｚｏｅ\u{202E}!"[s..e], "ZOË");
        let j = n.text[i + 3..].find("zoe").unwrap() + i + 3;
        let (s, e) = n.span(j, j + 3);
        assert_eq!(
            &"Hi ZOË, Zo\u{200B}ë and Ｚｏｅ\u{202E}!"[s..e],
            "Zo\u{200B}ë"
        );
        assert_eq!(norm("Straße Łódź Æsir"), "strasse lodz aesir");
        assert_eq!(norm("Zoe\u{0308}"), "zoe");
    }

    #[test]
    fn the_whole_default_ignorable_set_is_dropped() {
        // Variation selectors, Hangul fillers, tags, word joiner, Mongolian
        // free variation selectors: version 1 kept these.
        for s in [
            "Zo\u{FE0F}e",
            "Z\u{3164}oe",
            "Zoe\u{E0041}\u{E007F}",
            "Z\u{2060}o\u{180B}e",
            "Zo\u{115F}e\u{FFA0}",
            "Z\u{034F}o\u{00AD}e",
        ] {
            assert_eq!(norm(s), "zoe", "{s:?}");
        }
        assert!(!is_invisible(' ') && !is_invisible('a') && !is_invisible('\u{200A}'));
    }

    #[test]
    fn collapsing_white_space_keeps_offsets_in_bytes_and_characters() {
        let text = "  Zoë\u{00A0}\u{200B} \t Smith\n";
        let mut n = Normalised::default();
        n.fill(
            text,
            Options {
                collapse_space: true,
                char_index: true,
            },
        );
        assert_eq!(n.text, "zoe smith ");
        let s = n.text.find("smith").unwrap();
        let (a, b) = n.span(0, s + 5);
        assert_eq!(&text[a..b], "Zoë\u{00A0}\u{200B} \t Smith");
        assert_eq!(n.chars(0, s + 5), (2, 15));
        assert_eq!(norm_collapsed(text), "zoe smith");
        // Without collapsing, white space is kept as written.
        assert_eq!(norm(text), "  zoe  \t smith\n");
    }

    #[test]
    fn row_text_reads_each_free_text_field() {
        let t = row_text(
            "helpdesk_tickets",
            r#"{"subject":"Account","requester_email":"a@b.org","messages":[{"from":"member","at":"x","body":"Hello Zoë"},{"from":"staff","at":"y","body":"Hi"}]}"#,
        );
        assert_eq!(t, "account\nhello zoe\nhi");
        assert_eq!(row_text("members", r#"{"username":"x"}"#), "");
    }
}
