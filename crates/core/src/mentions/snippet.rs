//! Snippets (a short piece of a text around a mention, the mention
//! highlighted) and the sentences around a mention (for the bundle).

use serde::Serialize;

/// A piece of a snippet: text, highlighted or not (the UI escapes it and
/// shows a highlight as `<mark>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SnippetPart {
    pub text: String,
    pub mark: bool,
}

/// A snippet of `text` around its first span, spans in it highlighted;
/// about `width` characters either side, cut at a space, with `…` where cut.
pub fn snippet(text: &str, spans: &[(usize, usize)], width: usize) -> Vec<SnippetPart> {
    let Some(&(first, _)) = spans.first() else {
        return vec![SnippetPart {
            text: clip(text, 2 * width),
            mark: false,
        }];
    };
    let start = back_chars(text, first, width);
    let last_end = spans
        .iter()
        .map(|s| s.1)
        .filter(|&e| e <= first + 4 * width)
        .max()
        .unwrap_or(first);
    let end = forward_chars(text, last_end, width);
    let mut parts = Vec::new();
    let mut push = |s: &str, mark: bool| {
        if s.is_empty() {
            return;
        }
        let s = collapse(s);
        match parts.last_mut() {
            Some(SnippetPart { text, mark: m }) if *m == mark => text.push_str(&s),
            _ => parts.push(SnippetPart { text: s, mark }),
        }
    };
    if start > 0 {
        push("… ", false);
    }
    let mut at = start;
    for &(s, e) in spans {
        if s < at || e > end {
            continue;
        }
        push(&text[at..s], false);
        push(&text[s..e], true);
        at = e;
    }
    push(&text[at..end], false);
    if end < text.len() {
        push(" …", false);
    }
    parts
}

/// Each run of whitespace (line breaks too) as one space.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

fn back_chars(text: &str, from: usize, n: usize) -> usize {
    let mut idx = from;
    for (count, (i, _)) in text[..from].char_indices().rev().enumerate() {
        idx = i;
        if count + 1 >= n {
            break;
        }
    }
    if idx == 0 {
        return 0;
    }
    // Start after a space, so no word is cut.
    match text[idx..from].find(char::is_whitespace) {
        Some(k) => idx + k + 1,
        None => idx,
    }
}

fn forward_chars(text: &str, from: usize, n: usize) -> usize {
    let mut end = text.len();
    for (count, (i, _)) in text[from..].char_indices().enumerate() {
        if count >= n {
            end = from + i;
            break;
        }
    }
    if end >= text.len() {
        return text.len();
    }
    match text[from..end].rfind(char::is_whitespace) {
        Some(k) if k > 0 => from + k,
        _ => end,
    }
}

fn clip(text: &str, n: usize) -> String {
    let end = forward_chars(text, 0, n);
    let mut s = text[..end].split_whitespace().collect::<Vec<_>>().join(" ");
    if end < text.len() {
        s.push_str(" …");
    }
    s
}

/// The sentences of `text` that hold any of `spans`: byte ranges, in order,
/// adjacent ones merged. A sentence ends at `.`, `!` or `?` followed by
/// whitespace, or at a line break.
pub fn sentences_with(text: &str, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut bounds = vec![0usize];
    let b = text.as_bytes();
    for (i, c) in text.char_indices() {
        let next = b.get(i + c.len_utf8()).copied();
        let ends = c == '\n'
            || (matches!(c, '.' | '!' | '?') && next.is_none_or(|n| n.is_ascii_whitespace()));
        if ends {
            bounds.push(i + c.len_utf8());
        }
    }
    bounds.push(text.len());
    bounds.dedup();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for w in bounds.windows(2) {
        let (s, e) = (w[0], w[1]);
        if spans.iter().any(|&(a, z)| a < e && z > s) {
            let s = s + (text[s..e].len() - text[s..e].trim_start().len());
            let e = s + text[s..e].trim_end().len();
            match out.last_mut() {
                Some(last) if text[last.1..s].trim().is_empty() => last.1 = e,
                _ => out.push((s, e)),
            }
        }
    }
    out
}
