//! Every CSV the desk writes treats a cell a spreadsheet would run as a
//! formula the same way (`desk_core::csvout`): the audit trail's export,
//! the request register, the disclosure log and a subject-access bundle's
//! CSV files. A cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage
//! return gets a leading `'`.

mod common;

use chrono::NaiveDate;
use common::*;
use desk_core::audit::AuditFilter;
use desk_core::progress::NoProgress;
use desk_core::BundleOptions;
use serde_json::{json, Value};
use std::io::Read;

/// The starts of a cell a spreadsheet runs as a formula.
const STARTS: [&str; 6] = ["=", "+", "-", "@", "\t", "\r"];

/// A cell beginning with `p` (never a plain number).
fn formula(p: &str) -> String {
    format!("{p}1+1")
}

/// Member `i`'s id begins with `STARTS[i]`.
fn member_id(i: usize) -> String {
    format!("{}m{i}", STARTS[i])
}

/// A CSV field, quoted (a carriage return must be).
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The column `name` of every row of a CSV text.
fn column(text: &str, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    let i = headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"));
    r.records().map(|row| row.unwrap()[i].to_string()).collect()
}

/// Every value of `want` appears in `cells` with a leading `'`, and none
/// without it.
fn neutralised(what: &str, cells: &[String], want: &[String]) {
    for w in want {
        assert!(
            cells.contains(&format!("'{w}")),
            "{what}: {w:?} is not neutralised in {cells:?}"
        );
        assert!(!cells.contains(w), "{what}: {w:?} kept as it is");
    }
}

#[test]
fn every_csv_neutralises_formula_like_cells_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let vault = new_vault(dir.path());
    let s = dpo(&vault);
    let ids: Vec<String> = (0..STARTS.len()).map(member_id).collect();
    let formulas: Vec<String> = STARTS.iter().map(|p| formula(p)).collect();
    // Members whose ids begin with each start; m-0 has unknown columns
    // that do (kept in its profile, written to the bundle's profile.csv).
    let extra: Vec<String> = (0..STARTS.len()).map(|i| format!("c{i}")).collect();
    let header = format!("{MEMBER_HEADER},{}", extra.join(","));
    let blank = vec![String::new(); STARTS.len()].join(",");
    let mut rows: Vec<String> = vec![format!(
        "{},{}",
        member("m-0"),
        formulas
            .iter()
            .map(|f| quoted(f))
            .collect::<Vec<_>>()
            .join(",")
    )];
    for id in &ids {
        let m = member("x").replacen("x", &quoted(id), 1);
        rows.push(format!("{m},{blank}"));
    }
    let export = ExportBuilder::full(dir.path(), "full-1", "netmums", 1)
        .csv("members", &header, &rows)
        .jsonl("consent_events", &[])
        .write();
    s.sync(&export, t(2), &NoProgress).unwrap();

    // The disclosure log: one disclosure about each member, authorised by
    // a formula-like name.
    for (id, f) in ids.iter().zip(&formulas) {
        let mut e = disclosure();
        e["member_ids"] = json!([id]);
        e["authorised_by"] = json!(f);
        s.disclosure_record(&e, t(3)).unwrap();
    }
    // The register: a request about each member, from a formula-like
    // requester.
    for (id, f) in ids.iter().zip(&formulas) {
        let received = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        s.request_open("netmums", id, received, "email", f, None, false, t(3))
            .unwrap();
    }
    // The audit trail: a hold on each member (the events name them).
    for id in &ids {
        s.hold_set("netmums", id, "review", t(3)).unwrap();
    }

    let log = s.disclosure_export_csv(t(4)).unwrap();
    neutralised("disclosure log", &column(&log, "authorised_by"), &formulas);
    neutralised("disclosure log", &column(&log, "member_ids"), &ids);

    let register = s.request_register_csv(t(4)).unwrap();
    // A requester's words are trimmed when stored: a leading tab or carriage
    // return never reaches the register (the member ids carry those).
    let untrimmed: Vec<String> = formulas
        .iter()
        .filter(|f| f.trim_start() == f.as_str())
        .cloned()
        .collect();
    assert_eq!(untrimmed.len(), 4);
    neutralised("register", &column(&register, "requester"), &untrimmed);
    neutralised("register", &column(&register, "member_id"), &ids);

    let holds = AuditFilter {
        action: Some("hold_set".into()),
        ..Default::default()
    };
    let audit = s.audit_export_csv(&holds, t(4)).unwrap();
    neutralised("audit trail", &column(&audit, "member_id"), &ids);

    let out = dir.path().join("bundle.zip");
    s.bundle(
        "netmums",
        "m-0",
        &out,
        &BundleOptions {
            allow_default_facts: true,
            ..Default::default()
        },
        t(4),
        &NoProgress,
    )
    .unwrap();
    let profile = bundle_entry(&out, "data/profile.csv");
    let cells: Vec<String> = extra.iter().flat_map(|c| column(&profile, c)).collect();
    neutralised("bundle", &cells, &formulas);

    // One byte-order mark for spreadsheets: the bundle's CSV files, the
    // audit trail, the register and the disclosure log.
    for (what, text) in [
        ("bundle", &profile),
        ("audit trail", &audit),
        ("register", &register),
        ("disclosure log", &log),
    ] {
        assert!(text.starts_with('\u{feff}'), "{what}: no byte-order mark");
    }
}

/// A disclosure entry about m-0 (changed per test).
fn disclosure() -> Value {
    json!({
        "site": "netmums",
        "member_ids": ["m-0"],
        "disclosed_at": "2026-11-20T16:20:00Z",
        "recipient": {"organisation": "Metropolitan Police"},
        "lawful_basis": "dpa2018_sch1_para18",
        "safeguarding_conditions": {
            "necessary_to_protect": true,
            "consent_not_sought_because": "asking would prejudice the protection",
            "substantial_public_interest": true
        },
        "data_categories": ["identity"],
        "items_disclosed": ["email address"],
        "necessity_and_proportionality": "only what the police asked for",
        "authorised_by": "Jo Bloggs, DPO",
        "member_informed": false,
        "not_informed_reason": "would prejudice the investigation"
    })
}

/// One entry of a zip, as text.
fn bundle_entry(path: &std::path::Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut f = z.by_name(name).unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}
