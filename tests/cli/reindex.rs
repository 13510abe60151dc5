//! `desk reindex`: an index built by other key rules (an older desk) is
//! refused by search until it is rebuilt; the rebuilt index finds exactly
//! what the old one did.

use crate::harness::*;
use desk_core::vault::raw::open_raw;
use serde_json::Value;

/// Mark the search index as built by other key rules, as an older desk's.
fn make_stale(d: &Desk) {
    let raw = open_raw(&d.vault, "dpo", "dpo-password").unwrap();
    raw.data
        .unwrap()
        .execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('search_terms_version', '0')",
            [],
        )
        .unwrap();
}

fn search(d: &Desk, q: &str) -> Value {
    d.ok("dpo", &["--json", "search", q]).json()
}

#[test]
fn reindex_rebuilds_a_stale_index_and_search_finds_the_same() {
    let d = Desk::new();
    d.add_user("sam", "staff");
    d.add_user("ada", "auditor");
    let export = d.gen(
        "export-1",
        &["--site", "netmums", "--members", "80", "--seed", "5"],
    );
    d.ok("dpo", &["sync", export.to_str().unwrap()]);

    // Queries of every kind, from a member's own record.
    let rec = d.ok("dpo", &["--json", "member", "netmums", "m-7"]).json();
    let mut queries = vec!["m-7".to_string()];
    for k in ["username", "email", "first_name", "surname", "postcode"] {
        if let Some(v) = rec["profile"][k].as_str() {
            queries.push(v.to_string());
        }
    }
    assert!(queries.len() >= 4, "{queries:?}");
    let before: Vec<Value> = queries.iter().map(|q| search(&d, q)).collect();
    for (q, r) in queries.iter().zip(&before) {
        assert!(
            !r["results"].as_array().unwrap().is_empty(),
            "{q} finds nothing"
        );
    }

    make_stale(&d);
    // Search refuses, saying what to do.
    let r = d.dpo(&["search", "m-7"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("desk reindex"), "{}", r.stderr);
    let r = d.dpo(&["--json", "search", "m-7"]);
    assert_eq!(r.json()["error"]["code"], "invalid");
    // An auditor may not rebuild it (nor search).
    assert_eq!(d.as_user("ada", &["reindex"]).code, 4);

    // Staff rebuild it.
    let r = d.ok("sam", &["--json", "reindex"]).json();
    assert_eq!(r["rebuilt"], true);
    assert_eq!(r["was_stale"], true);
    assert!(r["terms"].as_u64().unwrap() > 0, "{r}");
    let after: Vec<Value> = queries.iter().map(|q| search(&d, q)).collect();
    assert_eq!(before, after);

    // Text mode; an index already up to date is rebuilt all the same.
    let r = d.ok("dpo", &["reindex"]);
    assert!(
        r.stdout.contains("Rebuilt the search index") && r.stdout.contains("up to date"),
        "{}",
        r.stdout
    );
    // Audited, as every use case: the first from the old rules.
    let trail = d.ok(
        "dpo",
        &["--json", "audit", "list", "--action", "search_reindex"],
    );
    let events = trail.json();
    let details: Vec<&Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["detail"])
        .collect();
    assert_eq!(details.len(), 2, "{events}");
    assert_eq!(details[0]["from_rules"], 0);
    assert_eq!(details[1]["from_rules"], details[1]["to_rules"]);
}
