//! `desk search`, `desk member`, `desk consent`, `desk conflicts`.

use crate::output::Out;
use crate::output_member::{print_record, s};
use crate::signin::sign_in;
use crate::{now, CliError, CliResult};
use clap::Args;
use desk_core::conflicts::{Conflict, Scope};
use desk_core::consent::parse_instant;
use desk_core::member::{Page, DEFAULT_PAGE_SIZE};
use desk_core::search::SearchOptions;
use serde_json::{json, Value};
use std::path::Path;

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// An email, username, name, postcode, IP, phone, Twitter handle, blog URL or member id.
    #[arg(required_unless_present = "text")]
    pub query: Option<String>,
    #[arg(long)]
    pub site: Option<String>,
    #[arg(long, conflicts_with = "text")]
    pub limit: Option<usize>,
    /// Words in posts, messages, tickets, reviews and listings instead (a
    /// child's name, a street, a school): whole words, in this order.
    #[arg(long, value_name = "PHRASE", conflicts_with = "query")]
    pub text: Option<String>,
    /// With --text: from this date (YYYY-MM-DD) or RFC 3339 time.
    #[arg(long, value_name = "DATE", requires = "text")]
    pub from: Option<String>,
    /// With --text: to this date (included) or RFC 3339 time (excluded).
    #[arg(long, value_name = "DATE", requires = "text")]
    pub to: Option<String>,
    /// With --text: the page (1-based).
    #[arg(long, requires = "text")]
    pub page: Option<u64>,
    #[arg(long, value_name = "N", requires = "text")]
    pub page_size: Option<u64>,
}

#[derive(Args, Debug)]
pub struct MemberArgs {
    pub site: String,
    pub member_id: String,
    /// Page of each list (1-based). Without it, --json prints everything.
    #[arg(long)]
    pub page: Option<u64>,
    #[arg(long, value_name = "N")]
    pub page_size: Option<u64>,
}

#[derive(Args, Debug)]
pub struct ConsentArgs {
    pub site: String,
    pub member_id: String,
    /// RFC 3339 time or a date; default now.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

#[derive(Args, Debug)]
pub struct ConflictsArgs {
    #[arg(long)]
    pub site: Option<String>,
    /// One member, as SITE:ID.
    #[arg(long, value_name = "SITE:ID")]
    pub member: Option<String>,
    /// Check every member of every site and keep the result in the vault as
    /// the newest check (what the desktop's Home and conflicts list show);
    /// prints the counts. For a nightly job after the sync.
    #[arg(long, conflicts_with_all = ["site", "member"])]
    pub check: bool,
}

fn print_json(v: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
    );
}

pub fn search(vault: &Path, a: SearchArgs, out: &Out) -> CliResult {
    if let Some(text) = a.text {
        return crate::mentions_cmd::text_search(
            vault,
            text,
            a.site,
            a.from,
            a.to,
            a.page,
            a.page_size,
            out,
        );
    }
    let sess = sign_in(vault)?;
    let opts = SearchOptions {
        site: a.site,
        limit: a.limit,
    };
    let results = sess.search(a.query.as_deref().unwrap_or_default(), &opts, now())?;
    if out.json {
        print_json(&json!({ "results": results }));
        return Ok(());
    }
    if results.is_empty() {
        println!("No member matches.");
        return Ok(());
    }
    println!("{} match(es), best first:", results.len());
    for r in &results {
        let who = match &r.member_id {
            Some(id) => format!(
                "{}:{}  {}  <{}>  {}",
                r.site,
                id,
                r.username.as_deref().unwrap_or("-"),
                r.email.as_deref().unwrap_or("-"),
                r.status
            ),
            None => format!(
                "{}  helpdesk requester with no account  <{}>",
                r.site,
                r.email.as_deref().unwrap_or("-")
            ),
        };
        let del = if r.deleted_in_production {
            "  [deleted in production, kept by legal hold]"
        } else {
            ""
        };
        println!("  {who}{del}\n      matched: {}", r.matched.join(", "));
    }
    Ok(())
}

pub fn member(vault: &Path, a: MemberArgs, out: &Out) -> CliResult {
    let sess = sign_in(vault)?;
    let page = match (a.page, a.page_size, out.json) {
        (None, None, true) => Page::all(),
        (p, size, _) => Page {
            page: p.unwrap_or(1),
            size: Some(size.unwrap_or(DEFAULT_PAGE_SIZE)),
        },
    };
    if page.size == Some(0) {
        return Err(CliError::Usage("--page-size must be at least 1".into()));
    }
    let r = sess.member(&a.site, &a.member_id, page, now())?;
    if out.json {
        print_json(&json!(r));
        return Ok(());
    }
    print_record(&r);
    Ok(())
}

pub fn consent(vault: &Path, a: ConsentArgs, out: &Out) -> CliResult {
    let sess = sign_in(vault)?;
    let at = a.at.as_deref().map(parse_instant).transpose()?;
    let v = sess.consent(&a.site, &a.member_id, at, now())?;
    if out.json {
        print_json(&json!(v));
        return Ok(());
    }
    println!(
        "Consent of member {} of {} as at {}:",
        v.member_id, v.site, v.at
    );
    if v.purposes.is_empty() {
        println!("  no consent events recorded.");
    }
    for p in &v.purposes {
        let new = if p.known_purpose {
            ""
        } else {
            "  (purpose not in the contract's list)"
        };
        match &p.since {
            Some(since) => println!(
                "  {:<32} {:<10} since {} (event {}, via {}){new}",
                p.purpose,
                p.state,
                since,
                p.event_id.as_deref().unwrap_or("-"),
                p.source.as_deref().unwrap_or("-")
            ),
            None => println!("  {:<32} no event yet at that time{new}", p.purpose),
        }
    }
    println!("History (oldest first):");
    for e in &v.events {
        println!(
            "  {}  {:<32} {:<10} event {}  source {}  policy {}  ip {}",
            s(&e["occurred_at"]),
            s(&e["purpose"]),
            s(&e["action"]),
            s(&e["event_id"]),
            s(&e["source"]),
            s(&e["policy_version"]),
            s(&e["ip"])
        );
        if let Some(ev) = e.get("evidence") {
            println!("      evidence: {ev}");
        }
        if let Some(t) = e.get("tcf") {
            if t.get("error").is_some() {
                println!("      TCF string: could not be decoded");
            } else {
                println!(
                    "      TCF: purposes {} ; vendors {}",
                    t["purposes_consent"], t["vendor_consents"]
                );
            }
        }
    }
    Ok(())
}

pub fn conflicts(vault: &Path, a: ConflictsArgs, out: &Out) -> CliResult {
    let sess = sign_in(vault)?;
    if a.check {
        let bar = crate::progress::for_terminal(out);
        let c = sess.conflicts_check(now(), bar.as_ref())?;
        drop(bar);
        if out.json {
            print_json(&json!(c));
            return Ok(());
        }
        println!("Checked every member: {} conflict(s).", c.total);
        for k in &c.counts {
            println!(
                "  {:<10} {:<40} {}",
                k.site,
                k.kind.replace('_', " "),
                k.count
            );
        }
        return Ok(());
    }
    let member = match a.member {
        Some(m) => {
            let (site, id) = m
                .split_once(':')
                .ok_or_else(|| CliError::Usage("--member takes SITE:ID".into()))?;
            Some((site.to_string(), id.to_string()))
        }
        None => None,
    };
    let scope = Scope {
        site: a.site,
        member,
    };
    let list: Vec<Conflict> = sess.conflicts(&scope, now())?;
    if out.json {
        print_json(&json!({ "conflicts": list }));
        return Ok(());
    }
    if list.is_empty() {
        println!("No conflicts found.");
        return Ok(());
    }
    println!("{} conflict(s):", list.len());
    for c in &list {
        println!("  {}:{}  {}", c.site, c.member_id, c.kind.replace('_', " "));
        println!("      {}", c.description);
    }
    Ok(())
}
