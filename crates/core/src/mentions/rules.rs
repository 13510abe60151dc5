//! The matcher (pure): which words of a free text could name a member, the
//! keys that name a member, snippets with the mention highlighted, and the
//! sentences around a mention (for the bundle).
//!
//! A text is normalised first ([`crate::text::norm`]: case, accents, width,
//! zero-width and bidirectional controls) and then read for **candidates**,
//! each a key `kind:term`:
//!
//! | key | what in the text | example |
//! |---|---|---|
//! | `a:` | `@` and a handle, any word | `@LittleMissCrafty`, `@Tired` |
//! | `w:` | a bare word that is not ordinary (see below) | `LittleMissCrafty`, `zoe1985` |
//! | `e:` | an email address | `Zoe.Smith@Example.org` |
//! | `p:` | a phone number starting `0` or `+`, 10–13 digits | `07700 900123`, `+44 7700 900123` |
//! | `n:` | two adjacent capitalised words, neither a function word (a first name and surname) | `Zoë Smith`, `ZOË SMITH` (not `Our GP`) |
//!
//! A word is letters, digits and `_`, with `-` and `.` inside it
//! (`smith-jones`); an apostrophe ends it (`LittleMissCrafty's` is
//! `LittleMissCrafty`). Words are whole: `Zoe` is not found in `Zoella`.
//!
//! **Ordinary words are never stored bare**, so a username that is an
//! ordinary word is matched only as `@name`. The rule, and its word lists,
//! are [`crate::text::ordinary`], which the review's finder uses too: a word
//! is ordinary when it is shorter than 4 characters or has fewer than 3
//! letters (`Mum`, `DS1`, `10am`), or every part of it (split at `-` and
//! `.`) is in the built-in lists (~72,000 English words and common names,
//! the forum's own words, brands, common UK first names and surnames). A
//! word with `_` is a handle, never ordinary.
//!
//! A member is named by ([`member_keys`]): their username (`a:` and `w:`; a
//! username of several words also as one word, `TiredMum`, and as a pair),
//! email (`e:`), first name and surname together (`n:` of the first name's
//! last word and the surname's first), their phone numbers from competition
//! entries and local listings (`p:`), and each name they posted as that no
//! other member of the site used (`posted_as`).

use crate::text::norm::Normalised;
use serde::Serialize;

/// The version of these rules and of the normalisation they use: the index
/// built with another version is rebuilt ([`super::MENTIONS_VERSION`]).
/// 2: the ordinary words are [`crate::text::ordinary`]'s, shared with the
/// review (its forum words added).
pub const RULES_VERSION: u32 = 2;

/// How a mention names the member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `@username`.
    AtUsername,
    /// The username as a bare word.
    Username,
    Email,
    Phone,
    /// First name and surname written together.
    Name,
    /// A name the member posted as (and no other member did).
    PostedAs,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::AtUsername,
        Kind::Username,
        Kind::Email,
        Kind::Phone,
        Kind::Name,
        Kind::PostedAs,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Kind::AtUsername => "at_username",
            Kind::Username => "username",
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Name => "name",
            Kind::PostedAs => "posted_as",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::AtUsername => "@username",
            Kind::Username => "username",
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Name => "first name and surname",
            Kind::PostedAs => "name posted as",
        }
    }
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
    /// The kinds in a set made by [`Kind::bit`].
    pub fn of_bits(bits: u8) -> Vec<Kind> {
        Kind::ALL
            .into_iter()
            .filter(|k| bits & k.bit() != 0)
            .collect()
    }
    pub fn bits(kinds: impl IntoIterator<Item = Kind>) -> u8 {
        kinds.into_iter().fold(0, |b, k| b | k.bit())
    }
}

use crate::text::ordinary::is_function_word;
/// Whether a normalised word is ordinary (never stored bare): the one rule,
/// shared with the review ([`crate::text::ordinary`]).
pub use crate::text::ordinary::is_ordinary;

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-')
}

fn char_before(t: &str, i: usize) -> Option<char> {
    t[..i].chars().next_back()
}

fn char_at(t: &str, i: usize) -> Option<char> {
    t[i..].chars().next()
}

/// The email address around the `@` at byte `at`: (start, end), normalised.
fn email_at(t: &str, at: usize) -> Option<(usize, usize)> {
    let mut s = at;
    while let Some(c) = char_before(t, s) {
        if !is_local_char(c) {
            break;
        }
        s -= c.len_utf8();
    }
    while s < at && matches!(char_at(t, s), Some('.' | '-' | '+' | '%')) {
        s += 1;
    }
    let mut e = at + 1;
    while let Some(c) = char_at(t, e) {
        if !is_domain_char(c) {
            break;
        }
        e += c.len_utf8();
    }
    while e > at + 1 && matches!(char_before(t, e), Some('.' | '-')) {
        e -= 1;
    }
    let domain = &t[at + 1..e];
    let tld = domain.rsplit('.').next().unwrap_or("");
    let ok = s < at
        && domain.contains('.')
        && !domain.starts_with('.')
        && tld.chars().count() >= 2
        && tld.chars().all(char::is_alphabetic);
    ok.then_some((s, e))
}

/// A phone number starting at byte `i` (a `+`, `(` or `0`): its end and digits.
fn phone_at(t: &str, i: usize) -> Option<(usize, String)> {
    let b = t.as_bytes();
    let first = b[i];
    if !(first == b'+' || first == b'0' || first == b'(') {
        return None;
    }
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'+') {
        return None;
    }
    let mut j = i;
    let mut end = i;
    let mut seps = 0;
    while j < b.len() {
        let c = b[j];
        if c.is_ascii_digit() {
            seps = 0;
            j += 1;
            end = j;
        } else if (c == b'+' && j == i)
            || c == b'('
            || c == b')'
            || c == b' '
            || c == b'-'
            || c == b'.'
        {
            seps += 1;
            if seps > 2 {
                break;
            }
            j += 1;
        } else {
            break;
        }
    }
    if end < b.len() && (b[end].is_ascii_alphabetic() || b[end] == b'_') {
        return None;
    }
    let run = &t[i..end];
    if !run
        .trim_start_matches(['(', '+'])
        .starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    // "+44 (0)113": the bracketed trunk prefix is not dialled from abroad.
    let digits = crate::text::norm_phone(&run.trim_start_matches('(').replace("(0)", ""));
    let n = run.bytes().filter(u8::is_ascii_digit).count();
    ((10..=13).contains(&n) && digits.len() >= 10).then_some((end, digits))
}

/// One candidate found in a normalised text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found<'a> {
    /// `@word`: (the word) — span includes the `@`.
    At(&'a str),
    /// A bare word that is not ordinary.
    Word(&'a str),
    Email(&'a str),
    /// The phone's digits (`+44` → `0`).
    Phone(&'a str),
    /// Two capitalised words: (first, second).
    Pair(&'a str, &'a str),
}

impl Found<'_> {
    /// The stored key.
    pub fn key(&self) -> String {
        match self {
            Found::At(w) => format!("a:{w}"),
            Found::Word(w) => format!("w:{w}"),
            Found::Email(e) => format!("e:{e}"),
            Found::Phone(p) => format!("p:{p}"),
            Found::Pair(a, b) => format!("n:{a} {b}"),
        }
    }
}

/// Read `n` (the normalised `original`) for candidates: `f(found, start,
/// end)` with byte offsets into the normalised text. `all_words`: also
/// report ordinary bare words (for phrase and name-pair checks, never stored).
pub fn scan(
    original: &str,
    n: &Normalised,
    all_words: bool,
    mut f: impl FnMut(Found, usize, usize),
) {
    let t = n.text.as_str();
    let b = t.as_bytes();
    // Emails first: their parts are not words.
    let emails = emails(t, &mut f);
    let capital = |i: usize| {
        original[n.origin(i)..]
            .chars()
            .next()
            .is_some_and(char::is_uppercase)
    };
    let mut i = 0;
    let mut email_i = 0;
    // The previous word: (start, end, capitalised and may start a pair).
    let mut prev: Option<(usize, usize, bool)> = None;
    while i < b.len() {
        if let Some(&(s, e)) = emails.get(email_i) {
            if i >= s {
                i = e;
                email_i += 1;
                prev = None;
                continue;
            }
        }
        let c = b[i];
        if c.is_ascii_digit() || c == b'+' || c == b'(' {
            if let Some((end, digits)) = phone_at(t, i) {
                f(Found::Phone(&digits), i, end);
                i = end;
                prev = None;
                continue;
            }
        }
        let ch = char_at(t, i).unwrap_or(' ');
        if !is_word_char(ch) {
            if !ch.is_whitespace() {
                prev = None;
            }
            i += ch.len_utf8();
            continue;
        }
        let (s, e) = (i, word_end(t, i));
        let word = &t[s..e];
        if is_handle(t, s) {
            f(Found::At(word), s - 1, e);
            prev = None;
        } else {
            if all_words || !is_ordinary(word) {
                f(Found::Word(word), s, e);
            }
            let cap = capital(s) && may_be_name(word);
            if let Some((ps, pe, true)) = prev {
                if cap && t[pe..s].chars().all(char::is_whitespace) {
                    f(Found::Pair(&t[ps..pe], word), ps, e);
                }
            }
            prev = Some((s, e, cap));
        }
        i = e;
    }
}

/// The email addresses of `t`, reported to `f` as they are found:
/// (start, end) of each, in order.
fn emails(t: &str, f: &mut impl FnMut(Found, usize, usize)) -> Vec<(usize, usize)> {
    let mut emails: Vec<(usize, usize)> = Vec::new();
    if t.as_bytes().contains(&b'@') {
        for (i, _) in t.match_indices('@') {
            if emails.last().is_some_and(|e| i < e.1) {
                continue;
            }
            if let Some((s, e)) = email_at(t, i) {
                emails.push((s, e));
                f(Found::Email(&t[s..e]), s, e);
            }
        }
    }
    emails
}

/// The end of the word starting at byte `s`: word characters, with `-` or
/// `.` between two of them.
fn word_end(t: &str, s: usize) -> usize {
    let mut e = s;
    loop {
        match char_at(t, e) {
            Some(c) if is_word_char(c) => e += c.len_utf8(),
            Some(c @ ('-' | '.')) if char_at(t, e + 1).is_some_and(is_word_char) => {
                e += c.len_utf8()
            }
            _ => break,
        }
    }
    e
}

/// Whether the word at byte `s` follows an `@` that ends no email's local
/// part (`@name`).
fn is_handle(t: &str, s: usize) -> bool {
    s > 0 && t.as_bytes()[s - 1] == b'@' && char_before(t, s - 1).is_none_or(|c| !is_local_char(c))
}

/// Whether a (capitalised) word may be part of a person's name: two
/// characters or more, starting with a letter, not a function word.
fn may_be_name(word: &str) -> bool {
    word.chars().count() >= 2
        && word.chars().next().is_some_and(char::is_alphabetic)
        && !is_function_word(word)
}

/// The distinct keys of one text (what the index stores for it).
pub fn text_keys(original: &str, n: &mut Normalised, out: &mut Vec<String>) {
    n.set(original);
    scan(original, n, false, |found, _, _| out.push(found.key()));
}

/// The words of a short normalised text (a username, a name), as the
/// scanner reads them.
pub fn words_of(s: &str) -> Vec<String> {
    let n = Normalised::of(s);
    let mut out = Vec::new();
    scan(s, &n, true, |found, _, _| {
        if let Found::Word(w) = found {
            out.push(w.to_string());
        }
    });
    out
}

/// The keys that name a member, each with how it names them.
#[derive(Clone, Debug, Default)]
pub struct MemberNames {
    pub keys: Vec<(String, Kind)>,
}

impl MemberNames {
    fn add(&mut self, key: String, kind: Kind) {
        if !self.keys.iter().any(|(k, _)| *k == key) {
            self.keys.push((key, kind));
        }
    }

    fn handle(&mut self, name: &str, at: Kind, bare: Kind) {
        let words = words_of(name);
        match words.as_slice() {
            [] => {}
            [w] => {
                self.add(format!("a:{w}"), at);
                self.add(format!("w:{w}"), bare);
            }
            [first, second, ..] => {
                let joined: String = words.concat();
                self.add(format!("a:{joined}"), at);
                self.add(format!("w:{joined}"), bare);
                self.add(format!("n:{first} {second}"), bare);
            }
        }
    }

    /// The kind a key names this member by.
    pub fn kind_of(&self, key: &str) -> Option<Kind> {
        self.keys
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, kind)| *kind)
    }
}

/// What names a member: see the module documentation.
pub fn member_keys(
    username: Option<&str>,
    email: Option<&str>,
    first_name: Option<&str>,
    surname: Option<&str>,
    phones: &[String],
    posted_as: &[String],
) -> MemberNames {
    let mut m = MemberNames::default();
    if let Some(u) = username {
        m.handle(u, Kind::AtUsername, Kind::Username);
    }
    if let Some(e) = email.map(|e| Normalised::of(e.trim()).text) {
        if e.contains('@') {
            m.add(format!("e:{e}"), Kind::Email);
        }
    }
    if let (Some(f), Some(s)) = (first_name, surname) {
        let (f, s) = (words_of(f), words_of(s));
        if let (Some(a), Some(b)) = (f.last(), s.first()) {
            m.add(format!("n:{a} {b}"), Kind::Name);
        }
    }
    for p in phones {
        let d = crate::text::norm_phone(p);
        if d.len() >= 10 {
            m.add(format!("p:{d}"), Kind::Phone);
        }
    }
    let own = username.map(words_of);
    for name in posted_as {
        if own.as_ref() == Some(&words_of(name)) {
            continue;
        }
        m.handle(name, Kind::PostedAs, Kind::PostedAs);
    }
    m
}

/// Where a member is named in one text: (original start, end, kind), in order.
pub fn find_in(text: &str, names: &MemberNames) -> Vec<(usize, usize, Kind)> {
    let n = Normalised::of(text);
    let mut out = Vec::new();
    scan(text, &n, false, |found, s, e| {
        if let Some(kind) = names.kind_of(&found.key()) {
            let (os, oe) = n.span(s, e);
            out.push((os, oe, kind));
        }
    });
    out.sort();
    out.dedup_by(|b, a| b.0 < a.1 && a.0 <= b.0);
    out
}

/// Where a phrase (already normalised words) occurs in a text, word for
/// word: (original start, end).
pub fn find_phrase(text: &str, phrase: &[String]) -> Vec<(usize, usize)> {
    if phrase.is_empty() {
        return Vec::new();
    }
    let n = Normalised::of(text);
    let t = n.text.as_str();
    // Every word of the text with its span, split as the text index splits:
    // runs of letters and digits.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in t.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            words.push((s, i));
        }
    }
    if let Some(s) = start {
        words.push((s, t.len()));
    }
    let mut out = Vec::new();
    if words.len() < phrase.len() {
        return out;
    }
    for i in 0..=words.len() - phrase.len() {
        if phrase
            .iter()
            .enumerate()
            .all(|(k, w)| &t[words[i + k].0..words[i + k].1] == w)
        {
            let (s, _) = n.span(words[i].0, words[i].1);
            let last = words[i + phrase.len() - 1];
            let (_, e) = n.span(last.0, last.1);
            out.push((s, e));
        }
    }
    out
}

/// The words a phrase is searched by: runs of letters and digits of its
/// normalised text (as the text index splits).
pub fn phrase_words(phrase: &str) -> Vec<String> {
    crate::text::norm::norm(phrase)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

// Snippets and sentences are in `snippet.rs`; they are part of the rules'
// interface.
pub use super::snippet::{sentences_with, snippet, SnippetPart};

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        text_keys(text, &mut Normalised::default(), &mut out);
        out
    }

    #[test]
    fn finds_each_kind_of_candidate() {
        let k = keys(
            "Ask @LittleMissCrafty or LittleMissCrafty's friend Zoë Smith \
             (zoe.smith@Example.ORG, 07700 900123 or +44 (0)113 496 0123).",
        );
        assert!(k.contains(&"a:littlemisscrafty".to_string()), "{k:?}");
        assert!(k.contains(&"w:littlemisscrafty".to_string()), "{k:?}");
        assert!(k.contains(&"n:zoe smith".to_string()), "{k:?}");
        assert!(k.contains(&"e:zoe.smith@example.org".to_string()), "{k:?}");
        assert!(k.contains(&"p:07700900123".to_string()), "{k:?}");
        assert!(k.contains(&"p:01134960123".to_string()), "{k:?}");
        // Ordinary words are not stored; parts of the email are not words.
        assert!(
            !k.iter().any(|k| k == "w:friend" || k == "w:example"),
            "{k:?}"
        );
        // Function words start no name; contractions and markup are ordinary.
        assert_eq!(
            keys("Our GP said. Is Florence too old? It doesn't <a href=\"http://x.org\">help</a>"),
            Vec::<String>::new()
        );
        assert!(
            crate::text::ordinary::FUNCTION_WORDS
                .windows(2)
                .all(|w| w[0] < w[1]),
            "sorted, for the search"
        );
    }

    #[test]
    fn ordinary_words_only_as_at_name() {
        assert!(is_ordinary("the") && is_ordinary("mum") && is_ordinary("tired"));
        assert!(is_ordinary("sarah") && is_ordinary("ds1") && is_ordinary("10am"));
        assert!(is_ordinary("well-known") && is_ordinary("part-time"));
        assert!(!is_ordinary("littlemisscrafty") && !is_ordinary("zoe1985"));
        assert!(!is_ordinary("tired_mum"));
        assert_eq!(keys("So tired today, Tired."), Vec::<String>::new());
        assert_eq!(keys("Thanks @Tired!"), vec!["a:tired".to_string()]);
    }

    #[test]
    fn invisible_characters_case_and_accents() {
        let names = member_keys(Some("ZoëCrafts"), None, None, None, &[], &[]);
        for text in [
            "thanks zoecrafts",
            "thanks ZOËCRAFTS",
            "thanks Zo\u{200B}ëCrafts",
            "thanks \u{202E}ZoëCrafts\u{202C}",
            "thanks @Zoe\u{0308}Crafts",
        ] {
            let found = find_in(text, &names);
            assert_eq!(found.len(), 1, "{text:?}");
            assert!(text[found[0].0..found[0].1]
                .to_lowercase()
                .contains("crafts"));
        }
        // Whole words only.
        assert!(find_in("zoecraftsy", &names).is_empty());
    }

    #[test]
    fn member_keys_and_snippets() {
        let names = member_keys(
            Some("Tired Mum"),
            Some("Jo@Example.org"),
            Some("Mary Ann"),
            Some("Smith-Jones"),
            &["+44 7700 900123".into()],
            &["Tired Mum".into(), "NCForThis".into()],
        );
        let ks: Vec<&str> = names.keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            ks,
            [
                "a:tiredmum",
                "w:tiredmum",
                "n:tired mum",
                "e:jo@example.org",
                "n:ann smith-jones",
                "p:07700900123",
                "a:ncforthis",
                "w:ncforthis"
            ]
        );
        let text = "I saw Ann Smith-Jones at the park; call 07700 900123.";
        let spans: Vec<(usize, usize)> = find_in(text, &names).iter().map(|s| (s.0, s.1)).collect();
        let parts = snippet(text, &spans, 30);
        let marked: Vec<&str> = parts
            .iter()
            .filter(|p| p.mark)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(marked, ["Ann Smith-Jones", "07700 900123"]);
        let sentences = sentences_with("Hello. I saw Ann Smith-Jones!  Bye now.", &[(13, 28)]);
        assert_eq!(sentences, [(7, 29)]);
    }

    #[test]
    fn phrases_match_whole_words() {
        let w = phrase_words("Oakfield  PRIMARY");
        assert_eq!(w, ["oakfield", "primary"]);
        let t = "She goes to Oakfield Primary, not oakfield primaryschool.";
        let found = find_phrase(t, &w);
        assert_eq!(found.len(), 1);
        assert_eq!(&t[found[0].0..found[0].1], "Oakfield Primary");
    }
}
