//! `desk mentions` (a member in other people's words), `desk search --text`
//! (free-text search) and `desk text-index` (the optional per-site index).

use crate::output::{thousands, Out};
use crate::output_mentions::{print_mentions, print_text_results};
use crate::signin::sign_in;
use crate::{now, CliError, CliResult};
use clap::{Args, Subcommand};
use desk_core::mentions::TextQuery;
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
    print_mentions(&r);
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
    print_text_results(&r);
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
