//! The one HTML escaper of the desk: every report, letter and page the desk
//! writes (the subject-access bundle's report and cover letter, the
//! disclosure log report) escapes text through here.
//!
//! Escapes `&`, `<`, `>`, `"` and `'` (enough for element content and
//! quoted attribute values), and also `=`, `(` and `` ` ``: harmless to a
//! reader (the browser shows the same characters) and it means no member's
//! text can ever read as `src=`, `url(` or an unquoted attribute, even to a
//! naive scanner.

use std::fmt;

/// Text escaped for HTML, written without an intermediate string:
/// `write!(w, "<p>{}</p>", html::esc(text))`.
#[derive(Clone, Copy)]
pub struct Esc<'a>(pub &'a str);

/// `s` escaped for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> Esc<'_> {
    Esc(s)
}

/// `s` escaped, as a string.
pub fn escape(s: &str) -> String {
    esc(s).to_string()
}

fn entity(c: char) -> Option<&'static str> {
    Some(match c {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '"' => "&quot;",
        '\'' => "&#39;",
        '=' => "&#61;",
        '(' => "&#40;",
        '`' => "&#96;",
        _ => return None,
    })
}

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, c) in s.char_indices() {
            if let Some(e) = entity(c) {
                f.write_str(&s[last..i])?;
                f.write_str(e)?;
                last = i + c.len_utf8();
            }
        }
        f.write_str(&s[last..])
    }
}

/// Whether `s` holds something a browser would read as markup if it were
/// not escaped (a tag, a comment or an entity): the report then says that
/// the text is shown as the member wrote it.
pub fn looks_like_markup(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| match c {
        b'<' => b
            .get(i + 1)
            .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, b'/' | b'!')),
        b'&' => {
            let rest = &b[i + 1..];
            let n = rest
                .iter()
                .take(10)
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'#')
                .count();
            n > 0 && rest.get(n) == Some(&b';')
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_attribute_breakers() {
        assert_eq!(escape("<img src=x>"), "&lt;img src&#61;x&gt;");
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert&#40;1)&lt;/script&gt;"
        );
        assert_eq!(
            escape("Tom & \"Jerry\" 'x' `y`"),
            "Tom &amp; &quot;Jerry&quot; &#39;x&#39; &#96;y&#96;"
        );
        assert_eq!(escape("Zoë £500 — fine"), "Zoë £500 — fine");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn markup_is_recognised() {
        assert!(looks_like_markup("<i>so</i> tired"));
        assert!(looks_like_markup("&lt;3 love"));
        assert!(looks_like_markup("<!-- x -->"));
        assert!(!looks_like_markup("3 < 4 and 5 > 2"));
        assert!(!looks_like_markup("M&S vouchers; fish & chips;"));
    }
}
