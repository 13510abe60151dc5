//! Free text made comparable, with every position mapped back to the
//! original (pure). Used by the mentions index (which words of a post name a
//! member, and where, for the highlighted snippet) and by the optional text
//! index (`desk_text`, [`crate::vault::sqlfn`]), so both see one text.
//!
//! Per character of the original:
//! - zero-width and bidirectional controls (U+200B–U+200F, U+202A–U+202E,
//!   U+2060–U+2064, U+2066–U+2069, U+FEFF, the soft hyphen U+00AD, the
//!   combining grapheme joiner U+034F, U+180E, U+061C) are dropped, so
//!   `Zo\u{200B}ë` reads `zoe`;
//! - the compatibility decomposition (NFKD: full-width `Ｚ` is `Z`, `ﬁ` is
//!   `fi`), then combining marks dropped (accents folded as
//!   [`crate::text::fold`] folds them, with its `ß`→`ss`, `æ`→`ae`, `ø`→`o`,
//!   `ł`→`l`, `đ`→`d`, `œ`→`oe`), then lower case.
//!
//! Each byte of the normalised text knows the byte range of the original
//! character it came from ([`Normalised::span`]).
//!
//! Changing these rules changes what the mentions index holds: bump
//! [`NORM_VERSION`] (the index is then rebuilt) and, for the text index, a new
//! migration must rebuild it (its triggers re-derive a row's text to delete it).

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// The version of the rules below.
pub const NORM_VERSION: u32 = 1;

/// Zero-width and bidirectional control characters: invisible, dropped.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// A normalised text and where each of its bytes came from.
#[derive(Clone, Debug, Default)]
pub struct Normalised {
    pub text: String,
    /// Per byte of `text`: (start, end) of the original character.
    map: Vec<(u32, u32)>,
}

impl Normalised {
    /// Normalise `s` (allocating).
    pub fn of(s: &str) -> Normalised {
        let mut n = Normalised::default();
        n.set(s);
        n
    }

    /// Normalise `s` into this value, reusing its buffers.
    pub fn set(&mut self, s: &str) {
        self.text.clear();
        self.map.clear();
        for (at, c) in s.char_indices() {
            let range = (at as u32, (at + c.len_utf8()) as u32);
            if c.is_ascii() {
                self.text.push(c.to_ascii_lowercase());
                self.map.push(range);
                continue;
            }
            if is_invisible(c) {
                continue;
            }
            let before = self.text.len();
            decompose_compatible(c, |d| {
                if is_combining_mark(d) {
                    return;
                }
                match d {
                    'ß' | 'ẞ' => self.text.push_str("ss"),
                    'æ' | 'Æ' => self.text.push_str("ae"),
                    'ø' | 'Ø' => self.text.push('o'),
                    'ł' | 'Ł' => self.text.push('l'),
                    'đ' | 'Đ' => self.text.push('d'),
                    'œ' | 'Œ' => self.text.push_str("oe"),
                    _ => self.text.extend(d.to_lowercase()),
                }
            });
            for _ in before..self.text.len() {
                self.map.push(range);
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
}

/// Normalise a short text (a query, a name): no map kept.
pub fn norm(s: &str) -> String {
    Normalised::of(s).text
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
    fn row_text_reads_each_free_text_field() {
        let t = row_text(
            "helpdesk_tickets",
            r#"{"subject":"Account","requester_email":"a@b.org","messages":[{"from":"member","at":"x","body":"Hello Zoë"},{"from":"staff","at":"y","body":"Hi"}]}"#,
        );
        assert_eq!(t, "account\nhello zoe\nhi");
        assert_eq!(row_text("members", r#"{"username":"x"}"#), "");
    }
}
