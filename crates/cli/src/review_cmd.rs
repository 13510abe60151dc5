//! `desk review …` and `desk release …`: the reviewed release of a
//! request's bundle (core `review`; docs/review-api.md).

use crate::bundle_cmd::{parse_encryption, print_made};
use crate::output::{thousands, Out};
use crate::signin::sign_in;
use crate::{now, progress, CliResult};
use clap::{Args, Subcommand};
use desk_core::bundle::Encryption;
use desk_core::problem::{Problem, Problems};
use desk_core::review::{DecisionInput, ItemFilter, ReleaseOptions, ReviewSummary, Verdict};
use desk_core::{Error, Session};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// The subject-access request.
    #[arg(value_name = "REF")]
    pub reference: String,
    /// Make a draft (or replace a stale one, carrying its decisions over).
    #[arg(long, conflicts_with = "decide")]
    pub create: bool,
    /// Apply the decisions in FILE.json (a list of decisions, or
    /// {"decisions": [...]}): every problem is reported at once and nothing
    /// is applied on any.
    #[arg(long, value_name = "FILE.json")]
    pub decide: Option<PathBuf>,
    /// How many open proposals' items and third parties to list.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    #[command(subcommand)]
    pub action: Option<ReviewAction>,
}

#[derive(Subcommand, Debug)]
pub enum ReviewAction {
    /// Submit the draft for approval.
    Submit,
    /// Approve the draft (with four eyes: a dpo who did not submit it).
    Approve,
    /// Send a submitted or approved draft back to review.
    Reopen {
        #[arg(long)]
        reason: String,
    },
    /// Withdraw the draft (nothing is released from it).
    Withdraw {
        #[arg(long)]
        reason: String,
    },
    /// Undo your latest action on the draft.
    Undo,
    /// What changed in the vault since the draft was made.
    Changes,
    /// A page of the draft's items.
    Items {
        /// Only items of this kind (profile, posts, private_messages, …).
        #[arg(long)]
        kind: Option<String>,
        /// Only items with an undecided proposal.
        #[arg(long)]
        undecided: bool,
        /// Only items with a proposal of this third party (its number).
        #[arg(long)]
        party: Option<u32>,
        /// Only withheld items.
        #[arg(long)]
        withheld: bool,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One item, whole: its text, proposals and how it would be released.
    Item { n: u32 },
    /// The third parties and their decisions.
    Parties {
        #[arg(long)]
        undecided: bool,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Args, Debug)]
pub struct ReleaseArgs {
    #[arg(value_name = "REF")]
    pub reference: String,
    /// Where to write the bundle (never replaces an existing file).
    #[arg(long, value_name = "FILE.zip")]
    pub out: PathBuf,
    /// Encrypt with AES-256 under a generated passphrase, shown once.
    #[arg(long)]
    pub encrypt: bool,
    /// How to encrypt (implies --encrypt): pdf (the default) or zip.
    #[arg(long, value_name = "pdf|zip", value_parser = parse_encryption)]
    pub encrypt_as: Option<Encryption>,
    /// Release even though the site's privacy facts are still the shipped
    /// default (the manifest records who did).
    #[arg(long)]
    pub allow_default_facts: bool,
    /// Also print the cover letter's text.
    #[arg(long)]
    pub letter: bool,
}

#[derive(Args, Debug)]
pub struct SettingsArgs {
    pub site: String,
    /// Require a second person, a dpo, to approve the site's drafts (dpo).
    #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
    pub four_eyes: Option<bool>,
}

fn parse_on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err("on or off".into()),
    }
}

/// A serde message without the values it quotes (they may be member data).
fn without_values(msg: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in msg.chars() {
        if c == '"' {
            if !quoted {
                out.push_str("a value");
            }
            quoted = !quoted;
            continue;
        }
        if !quoted {
            out.push(c);
        }
    }
    out.replace(" at line 1 column", " (column")
        .split(" at line ")
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Read a decisions file: every element that is not a decision is a
/// problem, all reported at once.
pub fn read_decisions(path: &Path) -> CliResult<Vec<DecisionInput>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        Error::Invalid(format!(
            "{}: not valid JSON (line {}, column {})",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    let list = match v {
        Value::Array(a) => a,
        Value::Object(mut o) => match o.remove("decisions") {
            Some(Value::Array(a)) => a,
            _ => {
                return Err(Error::Invalid(format!(
                    "{}: a list of decisions, or {{\"decisions\": [...]}}",
                    path.display()
                ))
                .into())
            }
        },
        _ => {
            return Err(Error::Invalid(format!(
                "{}: a list of decisions, or {{\"decisions\": [...]}}",
                path.display()
            ))
            .into())
        }
    };
    let mut out = Vec::new();
    let mut problems = Problems::default();
    for (i, x) in list.into_iter().enumerate() {
        match serde_json::from_value::<DecisionInput>(x) {
            Ok(d) => out.push(d),
            Err(e) => problems.push(Problem::input(
                format!("decisions[{i}]"),
                without_values(&e.to_string()),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(Error::InvalidInput {
            what: "no decision was applied".into(),
            problems,
        }
        .into());
    }
    Ok(out)
}

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

fn print_summary(s: &ReviewSummary) {
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

pub fn review(vault: &Path, a: ReviewArgs, out: &Out) -> CliResult {
    let s: Session = sign_in(vault)?;
    let r = &a.reference;
    if a.create {
        let bar = progress::for_terminal(out);
        let sum = s.review_create(r, now(), bar.as_ref());
        drop(bar);
        let sum = sum?;
        if out.json {
            out.json_only(json!(sum));
        } else {
            println!("Made draft {} of request {r}.", sum.draft);
            print_summary(&sum);
        }
        return Ok(());
    }
    if let Some(path) = &a.decide {
        let list = read_decisions(path)?;
        let applied = s.review_decide(r, &list, now())?;
        if out.json {
            out.json_only(json!(applied));
        } else {
            println!(
                "Applied {} decision(s) (action {}; desk review {r} undo takes it back).",
                applied.changed, applied.action
            );
            print_summary(&applied.summary);
        }
        return Ok(());
    }
    match a.action {
        None => {
            let sum = s.review_summary(r, now())?;
            let parties = s.review_parties(r, true, 0, a.limit, now())?;
            let filter = ItemFilter {
                undecided_only: true,
                ..Default::default()
            };
            let items = s.review_items(r, &filter, 0, a.limit, now())?;
            if out.json {
                out.json_only(
                    json!({"summary": sum, "open_parties": parties, "open_items": items}),
                );
                return Ok(());
            }
            print_summary(&sum);
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
        Some(ReviewAction::Submit) => {
            done(out, "Submitted for approval.", s.review_submit(r, now())?)
        }
        Some(ReviewAction::Approve) => done(out, "Approved.", s.review_approve(r, now())?),
        Some(ReviewAction::Reopen { reason }) => {
            done(out, "Reopened.", s.review_reopen(r, &reason, now())?)
        }
        Some(ReviewAction::Withdraw { reason }) => {
            done(out, "Withdrawn.", s.review_withdraw(r, &reason, now())?)
        }
        Some(ReviewAction::Undo) => {
            let u = s.review_undo(r, now())?;
            if out.json {
                out.json_only(json!(u));
            } else {
                println!("Undid action {} ({}).", u.action, u.undone);
                print_summary(&u.summary);
            }
        }
        Some(ReviewAction::Changes) => {
            let c = s.review_changes(r, now())?;
            if out.json {
                out.json_only(json!(c));
            } else {
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
        }
        Some(ReviewAction::Items {
            kind,
            undecided,
            party,
            withheld,
            offset,
            limit,
        }) => {
            let filter = ItemFilter {
                kind,
                undecided_only: undecided,
                party,
                withheld_only: withheld,
            };
            let page = s.review_items(r, &filter, offset, limit, now())?;
            if out.json {
                out.json_only(json!(page));
            } else {
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
        }
        Some(ReviewAction::Item { n }) => {
            let it = s.review_item(r, n, None, now())?;
            if out.json {
                out.json_only(json!(it));
            } else {
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
                    println!(
                        "  {:>6}  {:<18} {:<10} {:<12} party {:<5} {}",
                        p.id,
                        p.field,
                        span,
                        p.kind.name(),
                        p.party,
                        verdict_words(&p.effective)
                    );
                }
                println!("As released now:");
                for f in &it.released {
                    println!("  {}: {}", f.path, f.text);
                }
            }
        }
        Some(ReviewAction::Parties {
            undecided,
            offset,
            limit,
        }) => {
            let page = s.review_parties(r, undecided, offset, limit, now())?;
            if out.json {
                out.json_only(json!(page));
            } else {
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
        }
    }
    Ok(())
}

fn done(out: &Out, words: &str, s: ReviewSummary) {
    if out.json {
        out.json_only(json!(s));
    } else {
        println!("{words}");
        print_summary(&s);
    }
}

pub fn release(vault: &Path, a: ReleaseArgs, out: &Out) -> CliResult {
    let s: Session = sign_in(vault)?;
    let opts = ReleaseOptions {
        encrypt: a.encrypt || a.encrypt_as.is_some(),
        encryption: a.encrypt_as.unwrap_or_default(),
        allow_default_facts: a.allow_default_facts,
    };
    let bar = progress::for_terminal(out);
    let made = s.release(&a.reference, &a.out, &opts, now(), bar.as_ref());
    drop(bar);
    print_made(out, &made?, a.letter, true);
    Ok(())
}

pub fn settings(vault: &Path, a: SettingsArgs, out: &Out) -> CliResult {
    let s: Session = sign_in(vault)?;
    if let Some(f) = a.four_eyes {
        s.review_set_settings(&a.site, f, now())?;
    }
    let st = s.review_settings(&a.site, now())?;
    if out.json {
        out.json_only(json!(st));
    } else {
        println!(
            "{}: four eyes {}",
            st.site,
            if st.four_eyes {
                "on (a dpo other than the submitter approves)"
            } else {
                "off"
            }
        );
    }
    Ok(())
}
