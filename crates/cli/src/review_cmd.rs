//! `desk review …` and `desk release …`: the reviewed release of a
//! request's bundle (core `review`; docs/review-api.md).

use crate::bundle_cmd::{parse_encryption, print_made};
use crate::output::Out;
use crate::output_review::{
    print_changes, print_item, print_items, print_open, print_parties, print_summary,
};
use crate::signin::sign_in;
use crate::{now, progress, CliResult};
use clap::{Args, Subcommand};
use desk_core::bundle::Encryption;
use desk_core::problem::{Problem, Problems};
use desk_core::review::{DecisionInput, ItemFilter, ReleaseOptions, ReviewSummary};
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

pub fn review(vault: &Path, a: ReviewArgs, out: &Out) -> CliResult {
    let s: Session = sign_in(vault)?;
    let r = &a.reference;
    if a.create {
        return create(&s, r, out);
    }
    if let Some(path) = &a.decide {
        return decide(&s, r, path, out);
    }
    match a.action {
        None => open_work(&s, r, a.limit, out)?,
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
        Some(ReviewAction::Undo) => out.show(&s.review_undo(r, now())?, |u| {
            println!("Undid action {} ({}).", u.action, u.undone);
            print_summary(&u.summary);
        }),
        Some(ReviewAction::Changes) => out.show(&s.review_changes(r, now())?, print_changes),
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
            out.show(
                &s.review_items(r, &filter, offset, limit, now())?,
                print_items,
            )
        }
        Some(ReviewAction::Item { n }) => out.show(&s.review_item(r, n, None, now())?, print_item),
        Some(ReviewAction::Parties {
            undecided,
            offset,
            limit,
        }) => out.show(
            &s.review_parties(r, undecided, offset, limit, now())?,
            print_parties,
        ),
    }
    Ok(())
}

/// `--create`: make a draft (with progress).
fn create(s: &Session, r: &str, out: &Out) -> CliResult {
    let bar = progress::for_terminal(out);
    let sum = s.review_create(r, now(), bar.as_ref());
    drop(bar);
    out.show(&sum?, |sum| {
        println!("Made draft {} of request {r}.", sum.draft);
        print_summary(sum);
    });
    Ok(())
}

/// `--decide FILE.json`: apply the file's decisions, all or none.
fn decide(s: &Session, r: &str, path: &Path, out: &Out) -> CliResult {
    let list = read_decisions(path)?;
    out.show(&s.review_decide(r, &list, now())?, |applied| {
        println!(
            "Applied {} decision(s) (action {}; desk review {r} undo takes it back).",
            applied.changed, applied.action
        );
        print_summary(&applied.summary);
    });
    Ok(())
}

/// No action: the summary with the open third parties and items.
fn open_work(s: &Session, r: &str, limit: u32, out: &Out) -> CliResult {
    let sum = s.review_summary(r, now())?;
    let parties = s.review_parties(r, true, 0, limit, now())?;
    let filter = ItemFilter {
        undecided_only: true,
        ..Default::default()
    };
    let items = s.review_items(r, &filter, 0, limit, now())?;
    if out.json {
        out.json_only(json!({"summary": sum, "open_parties": parties, "open_items": items}));
    } else {
        print_open(&sum, &parties, &items);
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
