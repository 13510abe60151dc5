//! `desk disclosure …`: the disclosure log (§4).

use crate::output::{write_export, Out};
use crate::signin::sign_in;
use crate::{now, CliResult};
use clap::Subcommand;
use desk_core::disclosure::{Disclosure, MemberStatus, Recorded};
use desk_core::{Error, Role, Session};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum DisclosureCmd {
    /// Record a disclosure from a JSON entry (dpo, staff).
    Add {
        /// The entry, as JSON (shape: vault-and-access-v1 §4).
        #[arg(long = "from", value_name = "FILE.json")]
        from: PathBuf,
        /// Also put every member named on legal hold, with this reason (dpo).
        #[arg(long, value_name = "TEXT")]
        hold_reason: Option<String>,
    },
    /// Amend a disclosure with a whole corrected entry (dpo).
    Amend {
        id: String,
        #[arg(long = "from", value_name = "FILE.json")]
        from: PathBuf,
    },
    /// Add a review note to a disclosure (dpo).
    Review {
        id: String,
        #[arg(long)]
        note: String,
    },
    /// Every disclosure: effective content, hold status, history.
    List,
    /// One disclosure, with its history and the members' hold status.
    Show { id: String },
    /// Verify the log's hash chain (and, with --head, that it still extends HASH).
    Verify {
        #[arg(long, value_name = "HASH", value_parser = crate::parse_head)]
        head: Option<String>,
        /// The root fingerprint you kept (`desk vault fingerprint`).
        #[arg(long, value_name = "FINGERPRINT", value_parser = crate::parse_fingerprint)]
        root: Option<String>,
    },
    /// Write the log as CSV: one row per stored entry, with hashes.
    Export {
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Write a printable, self-contained HTML report for auditors.
    Report {
        #[arg(long, value_name = "FILE.html")]
        out: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
}

fn read_entry(path: &Path) -> CliResult<Value> {
    Ok(desk_core::fsutil::read_json_input(path)?)
}

fn hold_words(m: &MemberStatus) -> String {
    match (m.exists, m.held) {
        (_, Some(true)) => "on legal hold".into(),
        (Some(true), _) => "not on legal hold".into(),
        (Some(false), _) => "not on legal hold, and not in the latest export".into(),
        (None, _) => "hold status not shown to your role".into(),
    }
}

fn print_recorded(out: &Out, r: &Recorded, verb: &str) {
    if out.json {
        return;
    }
    println!("{verb} {}.", r.id);
    for m in &r.members {
        println!("  {} {}: {}", m.site, m.member_id, hold_words(m));
    }
    let unheld: Vec<&MemberStatus> = r
        .members
        .iter()
        .filter(|m| m.held == Some(false) && m.exists == Some(true))
        .collect();
    if !unheld.is_empty() {
        println!(
            "While the matter is live, a dpo can keep their data through production deletion:"
        );
        for m in unheld {
            println!(
                "  desk hold set {} {} --reason \"Disclosure {}\"",
                m.site, m.member_id, r.id
            );
        }
    }
}

fn print_disclosure(d: &Disclosure, full: bool) {
    let c = &d.content;
    let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("-").to_string();
    let org = c
        .get("recipient")
        .and_then(|r| r.get("organisation"))
        .and_then(Value::as_str)
        .unwrap_or("-");
    println!(
        "{}  disclosed {}  to {}  basis {}  ({} entr{} in history{})",
        d.id,
        s("disclosed_at"),
        org,
        s("lawful_basis"),
        d.history.len(),
        if d.history.len() == 1 { "y" } else { "ies" },
        if d.effective_id != d.id {
            format!(", effective {}", d.effective_id)
        } else {
            String::new()
        }
    );
    for m in &d.members {
        println!("  member {} {}: {}", m.site, m.member_id, hold_words(m));
    }
    if full {
        println!(
            "  effective content:\n{}",
            serde_json::to_string_pretty(c)
                .unwrap_or_default()
                .lines()
                .map(|l| format!("    {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        println!("  history:");
        for e in &d.history {
            let who = e
                .content
                .get("recorded_by")
                .and_then(Value::as_str)
                .unwrap_or("-");
            let at = e
                .content
                .get("recorded_at")
                .and_then(Value::as_str)
                .unwrap_or("-");
            let note = e
                .content
                .get("note")
                .and_then(Value::as_str)
                .map(|n| format!(": {n}"))
                .unwrap_or_default();
            println!(
                "    {:>5} {} {:<9} {} by {}{}",
                e.seq, e.id, e.kind, at, who, note
            );
            println!("          hash {}", e.hash);
        }
    }
}

/// Run `desk disclosure …`.
pub fn run(vault: &Path, cmd: DisclosureCmd, out: &Out) -> CliResult {
    let s = sign_in(vault)?;
    match cmd {
        DisclosureCmd::Add { from, hold_reason } => add(&s, &from, hold_reason, out)?,
        DisclosureCmd::Amend { id, from } => {
            let entry = read_entry(&from)?;
            let r = s.disclosure_amend(&id, &entry, now())?;
            print_recorded(out, &r, "Recorded amendment");
            out.json_only(json!({"id": r.id, "members": r.members}));
        }
        DisclosureCmd::Review { id, note } => {
            let new_id = s.disclosure_review(&id, &note, now())?;
            out.done(&format!("Recorded review {new_id}."), json!({"id": new_id}));
        }
        DisclosureCmd::List => {
            let ds = s.disclosure_list(now())?;
            if out.json {
                out.json_only(json!({ "disclosures": ds }));
            } else if ds.is_empty() {
                println!("The disclosure log is empty.");
            } else {
                for d in &ds {
                    print_disclosure(d, false);
                }
            }
        }
        DisclosureCmd::Show { id } => out.show(&s.disclosure_show(&id, now())?, |d| {
            print_disclosure(d, true)
        }),
        DisclosureCmd::Verify { head, root } => verify(&s, head, root, out)?,
        DisclosureCmd::Export { out: path, force } => {
            let csv = s.disclosure_export_csv(now())?;
            write_export(&path, &csv, force)?;
            out.done(
                &format!("Wrote the disclosure log to {}.", path.display()),
                json!({"path": path, "format": "csv"}),
            );
        }
        DisclosureCmd::Report { out: path, force } => {
            let html = s.disclosure_report_html(now())?;
            write_export(&path, &html, force)?;
            out.done(
                &format!("Wrote the disclosure report to {}.", path.display()),
                json!({"path": path, "format": "html"}),
            );
        }
    }
    Ok(())
}

/// `desk disclosure add`: record the entry, then (with `--hold-reason`)
/// put its members on hold.
fn add(s: &Session, from: &Path, hold_reason: Option<String>, out: &Out) -> CliResult {
    let entry = read_entry(from)?;
    let r = s.disclosure_record(&entry, now())?;
    let r = match hold_reason {
        None => r,
        Some(_) if s.user().role != Role::Dpo => {
            // The disclosure stands; only the hold is refused (and audited).
            print_recorded(out, &r, "Recorded");
            return hold_refused(s, &r);
        }
        Some(reason) => hold_members(s, &r, &reason)?,
    };
    print_recorded(out, &r, "Recorded");
    out.json_only(json!({"id": r.id, "members": r.members}));
    Ok(())
}

/// The refusal of a hold (audited), saying the disclosure was recorded.
fn hold_refused(s: &Session, r: &Recorded) -> CliResult {
    match s.authorize(desk_core::Action::Hold, now(), None, None) {
        Err(Error::Forbidden { role, action }) => Err(Error::Forbidden {
            role,
            action: format!(
                "{action} (disclosure {} was recorded; the hold was not set)",
                r.id
            ),
        }
        .into()),
        other => other.map_err(Into::into),
    }
}

/// Put the recorded disclosure's members on hold (those that exist and are
/// not held yet); the disclosure as it stands after.
fn hold_members(s: &Session, r: &Recorded, reason: &str) -> CliResult<Recorded> {
    for m in r
        .members
        .iter()
        .filter(|m| m.held == Some(false) && m.exists == Some(true))
    {
        s.hold_set(&m.site, &m.member_id, reason, now())?;
    }
    Ok(Recorded {
        id: r.id.clone(),
        members: s.disclosure_show(&r.id, now())?.members,
    })
}

/// `desk disclosure verify`: the log's verification; a failure is an error.
fn verify(s: &Session, head: Option<String>, root: Option<String>, out: &Out) -> CliResult {
    let v = s.disclosure_verify_with(head.as_deref(), root.as_deref(), now())?;
    out.verification(&v, "disclosure log");
    if !v.ok {
        let at = v.failure.as_ref().map(|f| f.seq).unwrap_or_default();
        return Err(Error::Invalid(format!(
            "the disclosure log failed verification at entry {at}"
        ))
        .into());
    }
    Ok(())
}
