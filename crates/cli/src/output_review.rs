//! The text of `desk review`: a draft's summary, its open work, its items,
//! one item, its third parties and what changed since it was made.

use crate::output::thousands;
use desk_core::review::{ItemPage, PartyPage, ReviewItem, ReviewSummary, Staleness, Verdict};

/// A verdict in words.
fn verdict_words(v: &Option<Verdict>) -> String {
    match v {
        None => "undecided".into(),
        Some(Verdict::Redact { reason }) => format!("redact ({reason})"),
        Some(Verdict::Disclose { ground, .. }) => {
            format!(
                "disclose ({})",
                serde_json::to_value(ground)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or("")
            )
        }
    }
}

/// A draft: what it is, its counts, what stands in the way, what you can do.
pub fn print_summary(s: &ReviewSummary) {
    print_heading(s);
    print_counts(s);
    print_state(s);
    print_can(s);
}

/// Which draft of which request, and who made it when.
fn print_heading(s: &ReviewSummary) {
    println!(
        "Request {}: draft {} of {} member {}, {}",
        s.reference,
        s.draft,
        s.site,
        s.member_id,
        s.state.name().replace('_', " ")
    );
    println!(
        "  made {} by {}{}",
        s.created_at,
        s.created_by,
        s.replaces
            .map(|r| format!(
                " (replaces draft {r}; {} decision(s) carried over)",
                s.carried_over
            ))
            .unwrap_or_default()
    );
}

/// Items, proposals and third parties: reviewed, undecided, withheld; and
/// by kind.
fn print_counts(s: &ReviewSummary) {
    println!(
        "  {} of {} items reviewed; {} withheld",
        thousands(s.items_reviewed as u64),
        thousands(s.items as u64),
        thousands(s.items_withheld as u64)
    );
    println!(
        "  proposals: {} ({} undecided); third parties: {} ({} undecided); span redactions: {}",
        thousands(s.proposals as u64),
        thousands(s.proposals_undecided as u64),
        thousands(s.parties as u64),
        thousands(s.parties_undecided as u64),
        s.spans
    );
    for k in &s.kinds {
        println!(
            "    {:<22} {:>8} items{}{}",
            k.kind,
            thousands(k.items as u64),
            if k.undecided > 0 {
                format!(", {} undecided", thousands(k.undecided as u64))
            } else {
                String::new()
            },
            if k.withheld > 0 {
                format!(", {} withheld", k.withheld)
            } else {
                String::new()
            }
        );
    }
}

/// Four eyes, staleness, disclosures awaiting a decision, blockers.
fn print_state(s: &ReviewSummary) {
    if s.four_eyes {
        println!("  four eyes: a dpo other than the submitter approves");
    }
    if s.stale {
        println!(
            "  STALE: the vault changed (export {} then, {} now): desk review {} changes",
            s.vault_sequence, s.current_sequence, s.reference
        );
    }
    for d in &s.disclosures {
        println!(
            "  disclosure {}: {}",
            d.disclosure,
            if d.decision.is_some() {
                "decision recorded"
            } else {
                "DECISION NEEDED"
            }
        );
    }
    for b in &s.blockers {
        println!("  - {b}");
    }
}

/// What the user may do now.
fn print_can(s: &ReviewSummary) {
    let can: Vec<&str> = [
        ("decide", s.can.decide),
        ("submit", s.can.submit),
        ("approve", s.can.approve),
        ("release", s.can.release),
        ("reopen", s.can.reopen),
        ("withdraw", s.can.withdraw),
    ]
    .iter()
    .filter(|x| x.1)
    .map(|x| x.0)
    .collect();
    println!(
        "  you can: {}",
        if can.is_empty() {
            "nothing now".into()
        } else {
            can.join(", ")
        }
    );
}

/// The draft with its undecided third parties and items (`desk review REF`).
pub fn print_open(sum: &ReviewSummary, parties: &PartyPage, items: &ItemPage) {
    print_summary(sum);
    if parties.total > 0 {
        println!(
            "Third parties undecided ({}):",
            thousands(parties.total as u64)
        );
        for p in &parties.parties {
            println!(
                "  {:>5}  {:<12} {:<14} {:<30} {} proposal(s) in {} item(s)",
                p.party,
                p.label,
                p.kind.name(),
                p.display,
                p.proposals,
                p.items
            );
        }
    }
    if items.total > 0 {
        println!(
            "Items with undecided proposals ({}):",
            thousands(items.total as u64)
        );
        for i in &items.items {
            println!(
                "  {:>6}  {:<20} {:>3} undecided  {}",
                i.n, i.kind, i.undecided, i.preview
            );
        }
    }
}

/// What changed in the vault since the draft was made.
pub fn print_changes(c: &Staleness) {
    println!(
        "Draft made on export {}; the site is at {} now: {}",
        c.draft_sequence,
        c.current_sequence,
        if c.stale { "stale" } else { "current" }
    );
    println!("  changed items: {:?}", c.changed);
    println!("  removed items: {:?}", c.removed);
    for k in &c.added {
        println!("  new {}: {}", k.kind, k.items);
    }
}

/// A page of the draft's items.
pub fn print_items(page: &ItemPage) {
    println!("{} item(s); from {}:", page.total, page.offset);
    for i in &page.items {
        println!(
            "  {:>6}  {:<20} {:<18} {:>3}/{:<3} {}{}",
            i.n,
            i.kind,
            i.bundle_id,
            i.undecided,
            i.proposals,
            if i.withheld.is_some() {
                "[withheld] "
            } else {
                ""
            },
            i.preview
        );
    }
}

/// One item, whole: its text, its proposals, and how it would be released.
pub fn print_item(it: &ReviewItem) {
    println!(
        "Item {} ({}, {})",
        it.item.n, it.item.kind, it.item.bundle_id
    );
    for f in &it.fields {
        println!("  {}: {}", f.path, f.text);
    }
    println!("Proposals ({}):", it.proposals_total);
    for p in &it.proposals {
        let span = match (p.start, p.end) {
            (Some(a), Some(b)) => format!("{a}..{b}"),
            _ => "whole".into(),
        };
        // The party by its label when the item's answer carries it.
        let party = match it.parties.iter().find(|x| x.party == p.party) {
            Some(x) => format!("{} ({})", x.party, x.label),
            None => p.party.to_string(),
        };
        println!(
            "  {:>6}  {:<18} {:<10} {:<12} party {:<16} {}",
            p.id,
            p.field,
            span,
            p.kind.name(),
            party,
            verdict_words(&p.effective)
        );
    }
    println!("As released now:");
    for f in &it.released {
        println!("  {}: {}", f.path, f.text);
    }
}

/// A page of the draft's third parties and their decisions.
pub fn print_parties(page: &PartyPage) {
    println!("{} third part(ies); from {}:", page.total, page.offset);
    for p in &page.parties {
        println!(
            "  {:>5}  {:<12} {:<14} {:<30} {:>5} proposal(s)  {}",
            p.party,
            p.label,
            p.kind.name(),
            p.display,
            p.proposals,
            verdict_words(&p.decision)
        );
    }
}
