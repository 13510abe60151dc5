//! Text rules shared by the search index and its SQL functions: how names,
//! emails, postcodes, phones, handles and URLs are normalised. Pure: no SQL.
//! [`norm`] is the one normalisation of free text (mentions, text index,
//! review) and [`ordinary`] the one ordinary-word rule (mentions, review).
//!
//! Changing any of these changes the index's keys: bump
//! [`terms::TERMS_VERSION`] so that vaults rebuild their index.

pub mod norm;
pub mod ordinary;
pub mod terms;

use unicode_normalization::UnicodeNormalization;

/// Accent-folded, lowercased, whitespace collapsed: "  Zoë  O'Brien " → "zoe o'brien".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            'œ' | 'Œ' => out.push_str("oe"),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Soundex of a folded word (letters a–z only); None without a letter.
pub fn soundex(word: &str) -> Option<String> {
    fn code(c: char) -> char {
        match c {
            'b' | 'f' | 'p' | 'v' => '1',
            'c' | 'g' | 'j' | 'k' | 'q' | 's' | 'x' | 'z' => '2',
            'd' | 't' => '3',
            'l' => '4',
            'm' | 'n' => '5',
            'r' => '6',
            'h' | 'w' => '-',
            _ => '0',
        }
    }
    let letters: Vec<char> = word.chars().filter(|c| c.is_ascii_lowercase()).collect();
    let first = *letters.first()?;
    let mut out = String::new();
    out.push(first.to_ascii_uppercase());
    let mut last = code(first);
    for &c in &letters[1..] {
        let d = code(c);
        if d == '-' {
            continue;
        }
        if d != '0' && d != last {
            out.push(d);
            if out.len() == 4 {
                break;
            }
        }
        last = d;
    }
    while out.len() < 4 {
        out.push('0');
    }
    Some(out)
}

pub fn norm_email(s: &str) -> String {
    s.trim().to_lowercase()
}

pub fn norm_postcode(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(|c| c.to_uppercase())
        .collect()
}

/// Digits only; an international `+44` becomes the national `0`.
pub fn norm_phone(s: &str) -> String {
    let t = s.trim();
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    if t.starts_with('+') || t.starts_with("00") {
        let d = digits.trim_start_matches("00");
        if let Some(rest) = d.strip_prefix("44") {
            return format!("0{rest}");
        }
        return d.to_string();
    }
    digits
}

pub fn norm_twitter(s: &str) -> String {
    s.trim().trim_start_matches('@').to_lowercase()
}

pub fn norm_url(s: &str) -> String {
    let l = s.trim().to_lowercase();
    let l = l
        .strip_prefix("https://")
        .or_else(|| l.strip_prefix("http://"))
        .unwrap_or(&l);
    let l = l.strip_prefix("www.").unwrap_or(l);
    l.trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use terms::{key, row_terms};

    #[test]
    fn normalisation() {
        assert_eq!(fold("  Zoë   Ó'Brien "), "zoe o'brien");
        assert_eq!(soundex("robert").as_deref(), Some("R163"));
        assert_eq!(soundex("rupert").as_deref(), Some("R163"));
        assert_eq!(soundex("ashcraft").as_deref(), Some("A261"));
        assert_eq!(norm_postcode("sw1a 1aa"), "SW1A1AA");
        assert_eq!(norm_phone("+44 7700 900123"), "07700900123");
        assert_eq!(norm_phone("07700-900 123"), "07700900123");
        assert_eq!(
            norm_url("https://www.Example.org/blog/"),
            "example.org/blog"
        );
        assert_eq!(norm_twitter("@JaneDoe"), "janedoe");
        let t = row_terms(
            "members",
            r#"{"email":"A@B.org","username":"Jo","first_name":"Zoë","surname":"Smith Jones"}"#,
        );
        assert!(t.contains(&key("email", "a@b.org")));
        assert!(t.contains(&key("fn", "Z000:zoe")));
        assert!(t.contains(&key("sn", "J520:jones")));
    }
}
