//! `desk request …`: the subject-access request register.

use crate::output::{write_export, Out};
use crate::signin::sign_in;
use crate::{now, CliResult};
use chrono::NaiveDate;
use clap::Subcommand;
use desk_core::requests::{Request, RequestFilter, CHANNELS, OUTCOMES};
use desk_core::Session;
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum RequestCmd {
    /// Open a subject-access request about a member.
    Open {
        site: String,
        member_id: String,
        /// The day it was received (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        received: NaiveDate,
        /// A reference (else generated: SAR-<year>-0001, …).
        #[arg(long = "ref", value_name = "REF")]
        reference: Option<String>,
        #[arg(long, default_value = "email", value_parser = clap::builder::PossibleValuesParser::new(CHANNELS))]
        channel: String,
        /// Who asked and how to reach them (not shown to auditors).
        #[arg(long, value_name = "TEXT", default_value = "")]
        requester: String,
        /// Identity must be verified first: the clock starts on verification.
        #[arg(long)]
        id_check: bool,
    },
    /// The register: status, due date, days left, overdue and paused.
    List {
        /// Only requests past their due date.
        #[arg(long)]
        overdue: bool,
        /// Only requests of this site.
        #[arg(long)]
        site: Option<String>,
    },
    /// One request, with its history.
    Show {
        #[arg(value_name = "REF")]
        reference: String,
    },
    /// Identity was verified on DATE: the clock starts that day.
    Verify {
        #[arg(value_name = "REF")]
        reference: String,
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        on: NaiveDate,
    },
    /// Stop the clock (e.g. awaiting clarification).
    Pause {
        #[arg(value_name = "REF")]
        reference: String,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Restart the clock; the due date moves by the days paused.
    Resume {
        #[arg(value_name = "REF")]
        reference: String,
    },
    /// Extend by 1 or 2 months, once, within the first month.
    Extend {
        #[arg(value_name = "REF")]
        reference: String,
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=2))]
        months: u32,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Close a request (a refusal needs --reason).
    Close {
        #[arg(value_name = "REF")]
        reference: String,
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(OUTCOMES))]
        outcome: String,
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// A site's bank-holiday calendar for due dates; --set changes it (dpo).
    Calendar {
        site: String,
        #[arg(long, value_name = "CALENDAR", value_parser = clap::builder::PossibleValuesParser::new(["england_and_wales", "scotland"]))]
        set: Option<String>,
    },
    /// Write the register as CSV.
    Export {
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?}: give a date as YYYY-MM-DD"))
}

/// Due, days left, overdue and paused, at a glance.
fn deadline_words(r: &Request) -> String {
    let s = &r.state;
    if let Some(outcome) = &s.outcome {
        let on = s.closed_on.map(|d| d.to_string()).unwrap_or_default();
        return format!("closed {on} ({outcome})");
    }
    let Some(due) = s.due else {
        return "awaiting identity verification: the clock has not started".into();
    };
    let left = s.days_left.unwrap_or_default();
    let mut w = if s.overdue {
        format!("OVERDUE by {} day(s), was due {due}", -left)
    } else {
        format!("due {due}, {left} day(s) left")
    };
    if s.paused {
        let since = s.paused_since.map(|d| d.to_string()).unwrap_or_default();
        w.push_str(&format!(
            "; PAUSED since {since} (due moves later each day paused)"
        ));
    }
    if s.extended_months > 0 {
        w.push_str(&format!("; extended by {} month(s)", s.extended_months));
    }
    w
}

fn print_request(r: &Request) {
    println!(
        "{}  {} {}  received {} by {}  {}",
        r.reference,
        r.site,
        r.member_id,
        r.received,
        r.channel,
        deadline_words(r)
    );
}

/// Run `desk request …`.
pub fn run(vault: &Path, cmd: RequestCmd, out: &Out) -> CliResult {
    let s = sign_in(vault)?;
    match cmd {
        RequestCmd::Open {
            site,
            member_id,
            received,
            reference,
            channel,
            requester,
            id_check,
        } => {
            let r = s.request_open(
                &site,
                &member_id,
                received,
                &channel,
                &requester,
                reference.as_deref(),
                id_check,
                now(),
            )?;
            changed(out, &s, &r, "Opened")
        }
        RequestCmd::List { overdue, site } => list(out, &s, overdue, site),
        RequestCmd::Show { reference } => show(out, &s, &reference),
        RequestCmd::Verify { reference, on } => {
            s.request_verify_identity(&reference, on, now())?;
            changed(out, &s, &reference, "Identity verified for")
        }
        RequestCmd::Pause { reference, reason } => {
            s.request_pause(&reference, &reason, now())?;
            changed(out, &s, &reference, "Paused")
        }
        RequestCmd::Resume { reference } => {
            s.request_resume(&reference, now())?;
            changed(out, &s, &reference, "Resumed")
        }
        RequestCmd::Extend {
            reference,
            months,
            reason,
        } => {
            s.request_extend(&reference, months, &reason, now())?;
            changed(out, &s, &reference, "Extended")
        }
        RequestCmd::Close {
            reference,
            outcome,
            reason,
        } => {
            s.request_close(&reference, &outcome, reason.as_deref(), now())?;
            changed(out, &s, &reference, "Closed")
        }
        RequestCmd::Calendar { site, set } => calendar(out, &s, &site, set),
        RequestCmd::Export { out: path, force } => {
            let csv = s.request_register_csv(now())?;
            write_export(&path, &csv, force)?;
            out.done(
                &format!("Wrote the request register to {}.", path.display()),
                json!({"path": path, "format": "csv"}),
            );
            Ok(())
        }
    }
}

/// After a change: the request as it now stands.
fn changed(out: &Out, s: &Session, reference: &str, verb: &str) -> CliResult {
    let d = s.request_show(reference, now())?;
    if out.json {
        out.json_only(json!(d));
    } else {
        println!("{verb} {reference}: {}.", deadline_words(&d.request));
    }
    Ok(())
}

/// `desk request list`: the register, with counts of overdue and paused.
fn list(out: &Out, s: &Session, overdue: bool, site: Option<String>) -> CliResult {
    let filter = RequestFilter {
        site,
        overdue_only: overdue,
        open_only: false,
    };
    let rs = s.request_list(&filter, now())?;
    if out.json {
        out.json_only(json!({ "requests": rs }));
    } else if rs.is_empty() {
        println!(
            "{}",
            if overdue {
                "No request is overdue."
            } else {
                "The request register is empty."
            }
        );
    } else {
        for r in &rs {
            print_request(r);
        }
        let late = rs.iter().filter(|r| r.state.overdue).count();
        let paused = rs.iter().filter(|r| r.state.paused).count();
        println!("{} request(s); {late} overdue, {paused} paused.", rs.len());
    }
    Ok(())
}

/// `desk request show REF`: the request and its history.
fn show(out: &Out, s: &Session, reference: &str) -> CliResult {
    let d = s.request_show(reference, now())?;
    if out.json {
        out.json_only(json!(d));
        return Ok(());
    }
    print_request(&d.request);
    if !d.request.requester.is_empty() {
        println!("  requester: {}", d.request.requester);
    }
    if let Some(start) = d.request.state.clock_started {
        println!("  clock started {start}");
    }
    println!("  history:");
    for e in &d.events {
        let detail = match &e.detail {
            serde_json::Value::Object(m) if !m.is_empty() => {
                format!(" {}", e.detail)
            }
            _ => String::new(),
        };
        println!(
            "    {:>3} {} {:<17} by {}{}",
            e.seq, e.at, e.kind, e.user, detail
        );
    }
    Ok(())
}

/// `desk request calendar SITE [--set C]`.
fn calendar(out: &Out, s: &Session, site: &str, set: Option<String>) -> CliResult {
    if let Some(name) = set {
        s.request_set_calendar(site, name.parse()?, now())?;
    }
    let region = s.request_calendar(site, now())?;
    out.done(
        &format!(
            "Due dates for {site} count {} bank holidays (for requests opened from now on).",
            region.name()
        ),
        json!({"site": site, "calendar": region.name()}),
    );
    Ok(())
}
