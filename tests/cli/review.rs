//! `desk review`, `desk release` and `desk review-settings` end to end.

use crate::bundle::{ready_facts, unzip};
use crate::harness::*;
use serde_json::{json, Value};

fn open(d: &Desk, reference: &str, member: &str) {
    let today = chrono::Utc::now().date_naive().to_string();
    d.ok(
        "sam",
        &[
            "request",
            "open",
            "netmums",
            member,
            "--received",
            &today,
            "--ref",
            reference,
        ],
    );
}

/// The member of netmums with the most private messages.
fn busiest(d: &Desk) -> String {
    let mut best = (0u64, String::new());
    for i in 1..=40 {
        let id = format!("m-{i}");
        let r = d.ok("dpo", &["--json", "member", "netmums", &id]).json();
        let n = r["totals"]["private_messages"].as_u64().unwrap_or(0);
        if n > best.0 {
            best = (n, id);
        }
    }
    best.1
}

#[test]
fn review_decide_in_bulk_approve_and_release() {
    let d = ready_facts();
    let me = busiest(&d);
    open(&d, "SAR-R", &me);
    // No draft yet.
    let r = d.as_user("sam", &["review", "SAR-R"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("no draft"), "{}", r.stderr);

    let sum = d
        .ok("sam", &["--json", "review", "SAR-R", "--create"])
        .json();
    assert_eq!(sum["state"], "draft");
    assert!(sum["proposals_undecided"].as_u64().unwrap() > 0, "{sum}");
    let open = d
        .ok("sam", &["--json", "review", "SAR-R", "--limit", "500"])
        .json();
    let parties = open["open_parties"]["parties"].as_array().unwrap().clone();
    assert!(!parties.is_empty());
    assert!(open["open_items"]["total"].as_u64().unwrap() > 0);
    let text = d.ok("sam", &["review", "SAR-R"]);
    assert!(text.stdout.contains("items reviewed"), "{}", text.stdout);
    assert!(
        text.stdout.contains("Third parties undecided"),
        "{}",
        text.stdout
    );

    // A bad file: every problem reported, nothing applied.
    let file = d.path("decide.json");
    let mut list: Vec<Value> = parties
        .iter()
        .map(|p| json!({"action": "party", "party": p["party"], "verdict": {"decide": "redact", "reason": "third party"}}))
        .collect();
    list.push(
        json!({"action": "party", "party": 99999, "verdict": {"decide": "redact", "reason": "x"}}),
    );
    list.push(json!({"action": "shout", "loud": "Natalie"}));
    list.push(json!({"action": "withhold", "item": 0, "exemption": "health", "reason": ""}));
    std::fs::write(&file, serde_json::to_string(&list).unwrap()).unwrap();
    let r = d.as_user(
        "sam",
        &[
            "--json",
            "review",
            "SAR-R",
            "--decide",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let e = r.json();
    let fields: Vec<&str> = e["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, [format!("decisions[{}]", parties.len() + 1)], "{e}");
    assert!(
        !e.to_string().contains("Natalie"),
        "a value is repeated: {e}"
    );
    // The parse problems first; then core's own, all at once.
    list.remove(parties.len() + 1);
    std::fs::write(&file, serde_json::to_string(&list).unwrap()).unwrap();
    let r = d.as_user(
        "sam",
        &[
            "--json",
            "review",
            "SAR-R",
            "--decide",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let e = r.json();
    let fields: Vec<String> = e["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        fields,
        [
            format!("decisions[{}].party", parties.len()),
            format!("decisions[{}].reason", parties.len() + 1)
        ]
    );
    let still = d.ok("sam", &["--json", "review", "SAR-R"]).json();
    assert_eq!(
        still["summary"]["proposals_undecided"],
        sum["proposals_undecided"]
    );

    // Release refused while undecided.
    let out = d.path("released.zip");
    let r = d.as_user("sam", &["release", "SAR-R", "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!out.exists());

    list.truncate(parties.len());
    std::fs::write(&file, serde_json::to_string(&list).unwrap()).unwrap();
    let applied = d
        .ok(
            "sam",
            &[
                "--json",
                "review",
                "SAR-R",
                "--decide",
                file.to_str().unwrap(),
            ],
        )
        .json();
    assert_eq!(applied["summary"]["proposals_undecided"], 0);
    // Undo and redo.
    d.ok("sam", &["review", "SAR-R", "undo"]);
    let back = d.ok("sam", &["--json", "review", "SAR-R"]).json();
    assert_eq!(
        back["summary"]["proposals_undecided"],
        sum["proposals_undecided"]
    );
    d.ok(
        "sam",
        &["review", "SAR-R", "--decide", file.to_str().unwrap()],
    );
    // An item, whole.
    let item = d
        .ok("sam", &["--json", "review", "SAR-R", "item", "0"])
        .json();
    assert_eq!(item["item"]["kind"], "profile");
    let items = d
        .ok(
            "sam",
            &[
                "--json",
                "review",
                "SAR-R",
                "items",
                "--kind",
                "private_messages",
                "--limit",
                "3",
            ],
        )
        .json();
    assert!(items["items"][0]["bundle_id"]
        .as_str()
        .unwrap()
        .starts_with("message-"));
    // A message names its third parties by label, in JSON and in words.
    let n = items["items"][0]["n"].to_string();
    let msg = d
        .ok("sam", &["--json", "review", "SAR-R", "item", &n])
        .json();
    let party = &msg["parties"][0];
    assert_eq!(party["party"], msg["proposals"][0]["party"], "{msg}");
    let words = d.ok("sam", &["review", "SAR-R", "item", &n]).stdout;
    let label = format!(
        "party {} ({})",
        party["party"],
        party["label"].as_str().unwrap()
    );
    assert!(words.contains(&label), "{words}");

    d.ok("sam", &["review", "SAR-R", "approve"]);
    let made = d
        .ok(
            "sam",
            &["--json", "release", "SAR-R", "--out", out.to_str().unwrap()],
        )
        .json();
    assert_eq!(made["reviewed"], true);
    assert_eq!(made["request_ref"], "SAR-R");
    let files = unzip(&out);
    let m: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(m["review"]["reviewed"], true);
    assert_eq!(m["review"]["approved_by"], "sam");
    let shown = d.ok("sam", &["--json", "request", "show", "SAR-R"]).json();
    let ev = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "bundle")
        .unwrap_or_else(|| panic!("{shown}"));
    assert_eq!(ev["detail"]["sha256"], made["sha256"]);
    // Released once: a second release is refused.
    let r = d.as_user(
        "sam",
        &[
            "release",
            "SAR-R",
            "--out",
            d.path("again.zip").to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn four_eyes_is_a_dpo_setting_and_a_second_person() {
    let d = ready_facts();
    d.add_user("dora", "dpo");
    let r = d.as_user("sam", &["review-settings", "netmums", "--four-eyes", "on"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    let s = d
        .ok(
            "dpo",
            &["--json", "review-settings", "netmums", "--four-eyes", "on"],
        )
        .json();
    assert_eq!(s["four_eyes"], true);
    open(&d, "SAR-4", "m-3");
    d.ok("sam", &["review", "SAR-4", "--create"]);
    let open = d
        .ok("sam", &["--json", "review", "SAR-4", "--limit", "500"])
        .json();
    let list: Vec<Value> = open["open_parties"]["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!({"action": "party", "party": p["party"], "verdict": {"decide": "redact", "reason": "third party"}}))
        .collect();
    if !list.is_empty() {
        let file = d.path("d4.json");
        std::fs::write(&file, json!({"decisions": list}).to_string()).unwrap();
        d.ok(
            "sam",
            &["review", "SAR-4", "--decide", file.to_str().unwrap()],
        );
    }
    // The reviewer cannot approve alone.
    let r = d.as_user("sam", &["review", "SAR-4", "approve"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    d.ok("dpo", &["review", "SAR-4", "submit"]);
    let r = d.as_user("dpo", &["review", "SAR-4", "approve"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("four eyes"), "{}", r.stderr);
    let r = d.as_user("sam", &["review", "SAR-4", "approve"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    let s = d
        .ok("dora", &["--json", "review", "SAR-4", "approve"])
        .json();
    assert_eq!(s["state"], "approved");
    // Reopened with a reason; withdrawn with a reason.
    d.ok(
        "dpo",
        &["review", "SAR-4", "reopen", "--reason", "one more look"],
    );
    let s = d
        .ok(
            "dpo",
            &[
                "--json",
                "review",
                "SAR-4",
                "withdraw",
                "--reason",
                "duplicate request",
            ],
        )
        .json();
    assert_eq!(s["state"], "withdrawn");
}
