//! The text of `desk mentions` and `desk search --text`.

use crate::output::thousands;
use desk_core::mentions::textsearch::SiteSearched;
use desk_core::mentions::{Author, MentionsPage, SnippetPart, TextResults};

/// A snippet for a terminal: the mention between « ».
pub fn snippet_text(parts: &[SnippetPart]) -> String {
    parts
        .iter()
        .map(|p| {
            if p.mark {
                format!("«{}»", p.text)
            } else {
                p.text.clone()
            }
        })
        .collect()
}

/// Who wrote an item, in words.
fn author_text(a: &Author) -> String {
    match a.kind.as_str() {
        "member" => a.username.clone().unwrap_or_default(),
        "former_member" => format!(
            "a former member ({})",
            a.member_id.as_deref().unwrap_or("-")
        ),
        "staff" => "helpdesk staff".into(),
        _ => "a helpdesk requester without an account".into(),
    }
}

/// A stored time, readable (`-` for none).
fn when(at: Option<&str>) -> String {
    at.map(|a| a.replacen('T', " ", 1).replace('Z', " UTC"))
        .unwrap_or_else(|| "-".into())
}

/// A page of a member's mentions: the counts, then the page's items.
pub fn print_mentions(r: &MentionsPage) {
    if print_mention_counts(r) {
        print_mention_page(r);
    }
}

/// How many items by how many authors, by kind and by author; false when
/// there are none.
fn print_mention_counts(r: &MentionsPage) -> bool {
    println!(
        "Member {} of {} in other people's words: {} item(s) by {} author(s)",
        r.member_id,
        r.site,
        thousands(r.total),
        thousands(r.authors)
    );
    if r.total == 0 {
        return false;
    }
    let kinds: Vec<String> = r
        .by_kind
        .iter()
        .map(|k| format!("{} {}", k.kind.label(), thousands(k.items)))
        .collect();
    println!("  by kind: {}", kinds.join(", "));
    let authors: Vec<String> = r
        .by_author
        .iter()
        .map(|c| format!("{} {}", author_text(&c.author), thousands(c.items)))
        .collect();
    println!("  by author: {}", authors.join(", "));
    true
}

/// The page's items, each with its snippet.
fn print_mention_page(r: &MentionsPage) {
    let first = (r.page - 1) * r.page_size + 1;
    if r.items.is_empty() {
        println!("Page {}: no items (there are {}).", r.page, r.total);
        return;
    }
    println!(
        "Page {} (items {}-{} of {}), newest first:",
        r.page,
        first,
        first + r.items.len() as u64 - 1,
        r.total
    );
    for m in &r.items {
        let kinds: Vec<&str> = m.kinds.iter().map(|k| k.label()).collect();
        println!(
            "  {}  {} {} ({})  by {}  [{}]",
            when(m.at.as_deref()),
            m.entity,
            m.id,
            m.field,
            author_text(&m.author),
            kinds.join(", ")
        );
        if let Some(c) = &m.context {
            println!("      in: {c}");
        }
        println!("      {}", snippet_text(&m.snippet));
    }
}

/// A page of free-text search results; on stderr, the sites not read to
/// the end.
pub fn print_text_results(r: &TextResults) {
    if r.items.is_empty() {
        println!("Page {}: no item holds \"{}\".", r.page, r.words.join(" "));
    } else {
        println!(
            "Page {}: {} item(s) holding \"{}\", newest stored first{}:",
            r.page,
            r.items.len(),
            r.words.join(" "),
            if r.more {
                " (more on the next page)"
            } else {
                ""
            }
        );
    }
    for h in &r.items {
        println!(
            "  {}  {} {} {} ({})  by {}",
            when(h.at.as_deref()),
            h.site,
            h.entity,
            h.id,
            h.field,
            author_text(&h.author)
        );
        println!("      {}", snippet_text(&h.snippet));
    }
    warn_incomplete(&r.sites);
}

/// Each site whose scan or candidates stopped before the end, and how to
/// search it all.
fn warn_incomplete(sites: &[SiteSearched]) {
    for s in sites {
        if !s.complete {
            eprintln!(
                "{}: not every item was read ({} {}); {}",
                s.site,
                thousands(s.rows_read),
                if s.indexed {
                    "candidates checked"
                } else {
                    "items read, newest first"
                },
                if s.indexed {
                    "give more words or dates to narrow it".to_string()
                } else {
                    format!(
                        "turn its text index on to search everything (`desk text-index on {}`)",
                        s.site
                    )
                }
            );
        }
    }
}
