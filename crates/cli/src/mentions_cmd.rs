//! `desk mentions` (a member in other people's words), `desk search --text`
//! (free-text search) and `desk text-index` (the optional per-site index).

use crate::output::{thousands, Out};
use crate::signin::sign_in;
use crate::{now, CliError, CliResult};
use clap::{Args, Subcommand};
use desk_core::mentions::{Author, SnippetPart, TextQuery};
use serde_json::json;
use std::path::Path;

#[derive(Args, Debug)]
pub struct MentionsArgs {
    #[arg(required_unless_present = "rebuild")]
    pub site: Option<String>,
    #[arg(required_unless_present = "rebuild")]
    pub member_id: Option<String>,
    /// Page (1-based), newest first.
    #[arg(long, default_value_t = 1)]
    pub page: u64,
    #[arg(long, value_name = "N", default_value_t = desk_core::mentions::DEFAULT_PAGE_SIZE)]
    pub page_size: u64,
    /// Build the mentions index from the stored rows (a vault from before
    /// it, or after the desk's rules changed); takes its turn with syncs.
    #[arg(long, conflicts_with_all = ["site", "member_id"])]
    pub rebuild: bool,
}

#[derive(Subcommand, Debug)]
pub enum TextIndexCmd {
    /// Index a site's free text for `desk search --text` (then kept by the sync).
    On { site: String },
    /// Delete a site's words from the text index (searches then scan, bounded).
    Off { site: String },
    /// Every site and whether its text index is on.
    Status,
}

fn print_json(v: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
    );
}

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

fn when(at: Option<&str>) -> String {
    at.map(|a| a.replacen('T', " ", 1).replace('Z', " UTC"))
        .unwrap_or_else(|| "-".into())
}

pub fn mentions(vault: &Path, a: MentionsArgs, out: &Out) -> CliResult {
    let sess = sign_in(vault)?;
    if a.rebuild {
        let p = crate::progress::for_terminal(out);
        let rows = sess.mentions_rebuild(now(), p.as_ref())?;
        drop(p);
        out.done(
            &format!(
                "The mentions index is built: {} rows read.",
                thousands(rows)
            ),
            json!({"rows": rows}),
        );
        return Ok(());
    }
    let (Some(site), Some(id)) = (a.site, a.member_id) else {
        return Err(CliError::Usage("give SITE and MEMBER_ID".into()));
    };
    if a.page_size == 0 {
        return Err(CliError::Usage("--page-size must be at least 1".into()));
    }
    let r = sess.mentions(&site, &id, a.page, a.page_size, now())?;
    if out.json {
        print_json(&json!(r));
        return Ok(());
    }
    println!(
        "Member {} of {} in other people's words: {} item(s) by {} author(s)",
        r.member_id,
        r.site,
        thousands(r.total),
        thousands(r.authors)
    );
    if r.total == 0 {
        return Ok(());
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
    let first = (r.page - 1) * r.page_size + 1;
    if r.items.is_empty() {
        println!("Page {}: no items (there are {}).", r.page, r.total);
        return Ok(());
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
    Ok(())
}

/// `desk search --text PHRASE`.
#[allow(clippy::too_many_arguments)]
pub fn text_search(
    vault: &Path,
    text: String,
    site: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
    out: &Out,
) -> CliResult {
    let sess = sign_in(vault)?;
    if page_size == Some(0) {
        return Err(CliError::Usage("--page-size must be at least 1".into()));
    }
    let q = TextQuery {
        text,
        site,
        from,
        to,
        page: page.unwrap_or(1),
        page_size: page_size.unwrap_or(desk_core::mentions::textsearch::DEFAULT_PAGE_SIZE),
    };
    let r = sess.text_search(&q, now())?;
    if out.json {
        print_json(&json!(r));
        return Ok(());
    }
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
    for s in &r.sites {
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
    Ok(())
}

pub fn text_index(vault: &Path, cmd: TextIndexCmd, out: &Out) -> CliResult {
    let sess = sign_in(vault)?;
    match cmd {
        TextIndexCmd::On { site } => {
            let p = crate::progress::for_terminal(out);
            let n = sess.text_index_set(&site, true, now(), p.as_ref())?;
            drop(p);
            out.done(
                &format!(
                    "The text index of {site} is on: {} rows indexed.",
                    thousands(n)
                ),
                json!({"site": site, "enabled": true, "rows": n}),
            );
            Ok(())
        }
        TextIndexCmd::Off { site } => {
            let p = crate::progress::for_terminal(out);
            let n = sess.text_index_set(&site, false, now(), p.as_ref())?;
            drop(p);
            out.done(
                &format!(
                    "The text index of {site} is off: the words of {} rows were deleted from it.",
                    thousands(n)
                ),
                json!({"site": site, "enabled": false, "rows": n}),
            );
            Ok(())
        }
        TextIndexCmd::Status => {
            let v = sess.text_index_status(now())?;
            if out.json {
                print_json(&json!({"sites": v}));
                return Ok(());
            }
            for s in &v {
                match &s.since {
                    Some(since) => println!(
                        "{:<24} on since {} (by {})",
                        s.site,
                        since,
                        s.by.as_deref().unwrap_or("-")
                    ),
                    None => println!("{:<24} off", s.site),
                }
            }
            Ok(())
        }
    }
}
