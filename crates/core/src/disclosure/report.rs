//! The disclosure log for auditors: a CSV of every stored entry, and a
//! printable, self-contained HTML report (no scripts, no external resources,
//! every text escaped).

use super::{Disclosure, LogEntry, MemberStatus};
use crate::chain::{self, Verification};
use crate::error::{Error, Result};
use crate::trail as audit;
use crate::{csvout, html};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 32] = [
    "seq",
    "id",
    "kind",
    "amends",
    "recorded_at",
    "recorded_by",
    "site",
    "member_ids",
    "acknowledge_missing_members",
    "missing_members",
    "disclosed_at",
    "recipient_organisation",
    "recipient_team",
    "recipient_officer",
    "recipient_contact",
    "request_reference",
    "urgent",
    "lawful_basis",
    "lawful_basis_detail",
    "necessary_to_protect",
    "consent_not_sought_because",
    "substantial_public_interest",
    "triggered_by",
    "data_categories",
    "items_disclosed",
    "necessity_and_proportionality",
    "authorised_by",
    "member_informed",
    "not_informed_reason",
    "note",
    "prev_hash",
    "hash",
];

/// A JSON value as one cell: text as is, lists joined with "; ", absent empty.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                Value::Object(o) => format!(
                    "{}:{}",
                    o.get("entity").and_then(Value::as_str).unwrap_or(""),
                    o.get("id").and_then(Value::as_str).unwrap_or("")
                ),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
    }
}

/// A cell a spreadsheet would run as a formula gets a leading `'`
/// ([`csvout::neutralise`]; the `content` column keeps the exact text the
/// hash covers).
fn defuse(s: String) -> String {
    csvout::neutralise(&s).into_owned()
}

/// The flattened fields of one entry, in [`CSV_COLUMNS`] order (without the
/// trailing `content` column).
pub fn csv_row(e: &LogEntry) -> Vec<String> {
    let c = &e.content;
    let get = |k: &str| c.get(k);
    let rec = |k: &str| c.get("recipient").and_then(|r| r.get(k));
    let cond = |k: &str| c.get("safeguarding_conditions").and_then(|r| r.get(k));
    vec![
        e.seq.to_string(),
        e.id.clone(),
        e.kind.clone(),
        e.amends.clone().unwrap_or_default(),
        cell(get("recorded_at")),
        cell(get("recorded_by")),
        cell(get("site")),
        cell(get("member_ids")),
        cell(get("acknowledge_missing_members")),
        cell(get("missing_members")),
        cell(get("disclosed_at")),
        cell(rec("organisation")),
        cell(rec("team")),
        cell(rec("officer")),
        cell(rec("contact")),
        cell(get("request_reference")),
        cell(get("urgent")),
        cell(get("lawful_basis")),
        cell(get("lawful_basis_detail")),
        cell(cond("necessary_to_protect")),
        cell(cond("consent_not_sought_because")),
        cell(cond("substantial_public_interest")),
        cell(get("triggered_by")),
        cell(get("data_categories")),
        cell(get("items_disclosed")),
        cell(get("necessity_and_proportionality")),
        cell(get("authorised_by")),
        cell(get("member_informed")),
        cell(get("not_informed_reason")),
        cell(get("note")),
        e.prev_hash.clone(),
        e.hash.clone(),
    ]
}

/// The log as CSV: a header, then one row per stored entry; the last column
/// (`content`) is the canonical JSON the hash covers.
pub fn log_csv(entries: &[LogEntry]) -> Result<String> {
    let mut w =
        csvout::writer(Vec::new()).map_err(|e| Error::Invalid(format!("writing CSV: {e}")))?;
    let csv_err = |e: csv::Error| Error::Invalid(format!("writing CSV: {e}"));
    let mut header: Vec<&str> = CSV_COLUMNS.to_vec();
    header.push("content");
    w.write_record(&header).map_err(csv_err)?;
    for e in entries {
        let mut row: Vec<String> = csv_row(e).into_iter().map(defuse).collect();
        row.push(chain::canonical_json(&e.content));
        w.write_record(&row).map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Invalid(format!("writing CSV: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Escape text for HTML: the desk's one escaper ([`crate::html`]).
pub fn escape(s: &str) -> String {
    html::escape(s)
}

/// Counts for the summary.
#[derive(Default)]
struct Summary {
    per_month: BTreeMap<String, u64>,
    per_recipient: BTreeMap<String, u64>,
    per_basis: BTreeMap<String, u64>,
    members_told: u64,
    members_not_told: u64,
}

fn summarise(ds: &[Disclosure]) -> Summary {
    let mut s = Summary::default();
    for d in ds {
        let c = &d.content;
        let month = c
            .get("disclosed_at")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc).format("%Y-%m").to_string())
            .unwrap_or_else(|| "unknown".into());
        *s.per_month.entry(month).or_default() += 1;
        let org = cell(c.get("recipient").and_then(|r| r.get("organisation")));
        *s.per_recipient.entry(org).or_default() += 1;
        *s.per_basis.entry(cell(c.get("lawful_basis"))).or_default() += 1;
        let n = c
            .get("member_ids")
            .and_then(Value::as_array)
            .map_or(0, |a| a.len() as u64);
        if c.get("member_informed") == Some(&Value::Bool(true)) {
            s.members_told += n;
        } else {
            s.members_not_told += n;
        }
    }
    s
}

fn table(out: &mut String, title: &str, head: &str, rows: &BTreeMap<String, u64>) {
    out.push_str(&format!(
        "<h3>{}</h3>\n<table><tr><th>{}</th><th>disclosures</th></tr>\n",
        escape(title),
        escape(head)
    ));
    for (k, n) in rows {
        out.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{n}</td></tr>\n",
            escape(k)
        ));
    }
    out.push_str("</table>\n");
}

/// Rows of label/value pairs for one entry's content.
fn fields(out: &mut String, e: &LogEntry) {
    let row = csv_row(e);
    out.push_str("<table class=\"entry\">\n");
    for (name, value) in CSV_COLUMNS.iter().zip(row.iter()) {
        if value.is_empty() || matches!(*name, "seq" | "id" | "kind" | "prev_hash") {
            continue;
        }
        out.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>\n",
            escape(name),
            escape(value)
        ));
    }
    out.push_str("</table>\n");
}

/// The HTML report.
pub fn html(ds: &[Disclosure], v: &Verification, by: &str, now: DateTime<Utc>) -> String {
    let mut o = String::new();
    o.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <title>Disclosure log report</title>\n<style>\n\
         body{font-family:serif;margin:2em;color:#000;background:#fff}\n\
         table{border-collapse:collapse;margin:0.5em 0 1em}\n\
         th,td{border:1px solid #888;padding:0.2em 0.5em;text-align:left;vertical-align:top}\n\
         td.n{text-align:right}\n.hash{font-family:monospace;word-break:break-all}\n\
         .fail{color:#a00;font-weight:bold}.ok{color:#060;font-weight:bold}\n\
         section.d{page-break-inside:avoid;border-top:2px solid #000;margin-top:1.5em}\n\
         @media print{body{margin:0}}\n</style></head><body>\n",
    );
    o.push_str("<h1>Disclosure log report</h1>\n");
    o.push_str(&format!(
        "<p>Generated {} by {}. {} disclosure(s), {} stored entr(ies).</p>\n",
        escape(&audit::ts(now)),
        escape(by),
        ds.len(),
        v.entries
    ));
    verification(&mut o, v);
    summary(&mut o, ds);
    o.push_str("<h2>Disclosures</h2>\n");
    for d in ds {
        disclosure(&mut o, d);
    }
    o.push_str("</body></html>\n");
    o
}

/// The verification's result and the head hash to keep.
fn verification(o: &mut String, v: &Verification) {
    o.push_str("<h2>Verification</h2>\n");
    match &v.failure {
        None => o.push_str(&format!(
            "<p class=\"ok\">The log verifies: {} entries, unbroken.</p>\n",
            v.entries
        )),
        Some(f) => o.push_str(&format!(
            "<p class=\"fail\">The log FAILS verification at entry {}: {}</p>\n",
            f.seq,
            escape(&f.message)
        )),
    }
    o.push_str(&format!(
        "<p>Head hash: <span class=\"hash\">{}</span></p>\n\
         <p>Keep this head hash outside the vault: <code>desk disclosure verify --head HASH</code> later proves the log still extends it.</p>\n",
        escape(&v.head)
    ));
}

/// The summary's tables (by effective content).
fn summary(o: &mut String, ds: &[Disclosure]) {
    let s = summarise(ds);
    o.push_str("<h2>Summary</h2>\n<p>By effective content (after amendments).</p>\n");
    table(o, "Per month disclosed", "month", &s.per_month);
    table(
        o,
        "Per recipient organisation",
        "organisation",
        &s.per_recipient,
    );
    table(o, "Per lawful basis", "lawful basis", &s.per_basis);
    o.push_str(&format!(
        "<h3>Members told</h3>\n<table><tr><th>members told</th><td class=\"n\">{}</td></tr>\
         <tr><th>members not told</th><td class=\"n\">{}</td></tr></table>\n",
        s.members_told, s.members_not_told
    ));
}

/// One disclosure: its members now, then every entry of its history.
fn disclosure(o: &mut String, d: &Disclosure) {
    o.push_str(&format!(
        "<section class=\"d\"><h3>{}</h3>\n<p>Effective content: entry {}.</p>\n",
        escape(&d.id),
        escape(&d.effective_id)
    ));
    if !d.members.is_empty() {
        o.push_str("<p>Members now: ");
        let parts: Vec<String> = d.members.iter().map(member_now).collect();
        o.push_str(&parts.join("; "));
        o.push_str("</p>\n");
    }
    for e in &d.history {
        o.push_str(&format!(
            "<h4>{} — {}{}</h4>\n",
            escape(&e.id),
            escape(&e.kind),
            if e.id == d.effective_id {
                " (effective)"
            } else {
                ""
            }
        ));
        fields(o, e);
    }
    o.push_str("</section>\n");
}

/// A member named, with their status now.
fn member_now(m: &MemberStatus) -> String {
    format!(
        "{} ({}{})",
        escape(&m.member_id),
        match m.exists {
            Some(true) => "in the latest export",
            Some(false) => "not in the latest export",
            None => "export status not shown to this role",
        },
        if m.held == Some(true) {
            ", on legal hold"
        } else {
            ""
        }
    )
}
