//! `desk mentions`, `desk search --text`, `desk text-index`: JSON shapes,
//! text output, paging, usage errors, the auditor's refusal and the audit.

use crate::harness::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

fn export(d: &Desk) -> PathBuf {
    let dir = d.path("export-m");
    std::fs::create_dir_all(&dir).unwrap();
    let post = |id: &str, at: &str, body: &str| {
        json!({"post_id": id, "member_id": "m-2", "thread_id": "t", "thread_title": "Meet-up",
               "posted_at": at, "status": "visible", "body": body})
    };
    let posts: String = [
        post("p-1", "2026-01-01T10:00:00Z", "Thanks @LittleMissCrafty!"),
        post(
            "p-2",
            "2026-01-02T10:00:00Z",
            "Zoë Smith was at Oakfield Primary today.",
        ),
        post(
            "p-3",
            "2026-01-03T10:00:00Z",
            "Ask littlemisscrafty, or email zoe@example.org.",
        ),
    ]
    .iter()
    .map(|v| format!("{v}\n"))
    .collect();
    let files: Vec<(&str, &str, String, u64)> = vec![
        (
            "members",
            "members.csv",
            "member_id,username,email,first_name,surname,signup_at,status,updated_at\n\
             m-1,LittleMissCrafty,zoe@example.org,Zoë,Smith,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z\n\
             m-2,bob,bob@example.org,Robert,Jones,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z\n"
                .into(),
            2,
        ),
        ("consent_events", "consent_events.jsonl", String::new(), 0),
        ("posts", "posts.jsonl", posts, 3),
    ];
    let mut listed = Vec::new();
    for (entity, path, content, rows) in files {
        std::fs::write(dir.join(path), &content).unwrap();
        listed.push(json!({"path": path, "entity": entity, "rows": rows,
            "sha256": hex::encode(Sha256::digest(content.as_bytes()))}));
    }
    let m = json!({"format": "forum-export", "format_version": 1, "site": "netmums", "kind": "full",
        "sequence": 1, "base_sequence": null, "generated_at": "2026-11-02T02:00:00Z", "files": listed});
    std::fs::write(dir.join("manifest.json"), m.to_string()).unwrap();
    dir
}

fn desk() -> Desk {
    let d = Desk::new();
    d.add_user("staff", "staff");
    d.add_user("ada", "auditor");
    let e = export(&d);
    d.ok("dpo", &["sync", e.to_str().unwrap()]);
    d
}

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn mentions_json_text_and_paging() {
    let d = desk();
    let v = d
        .ok("staff", &["mentions", "netmums", "m-1", "--json"])
        .json();
    assert_eq!(v["total"], 3);
    assert_eq!(ids(&v), ["p-3", "p-2", "p-1"]);
    assert_eq!(v["authors"], 1);
    assert_eq!(v["by_author"][0]["author"]["username"], "bob");
    let kinds: Vec<&str> = v["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["at_username", "username", "email", "name"]);
    let p3 = &v["items"][0];
    assert_eq!(p3["kinds"], json!(["username", "email"]));
    assert_eq!(
        p3["snippet"][1],
        json!({"text": "littlemisscrafty", "mark": true})
    );
    // Paged.
    let v = d
        .ok(
            "staff",
            &[
                "mentions",
                "netmums",
                "m-1",
                "--page",
                "2",
                "--page-size",
                "2",
                "--json",
            ],
        )
        .json();
    assert_eq!(
        (v["page"].as_u64(), v["page_size"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(ids(&v), ["p-1"]);
    // Text: the mention between « ».
    let r = d.ok("dpo", &["mentions", "netmums", "m-1"]);
    assert!(
        r.stdout.contains("3 item(s) by 1 author(s)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("«Zoë Smith»"), "{}", r.stdout);
    assert!(r.stdout.contains("by bob"), "{}", r.stdout);
    // Unknown member: not found (exit 1); no ID: usage (exit 2); auditor: 4.
    let r = d.as_user("dpo", &["mentions", "netmums", "m-9", "--json"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["error"]["code"], "not_found");
    assert_eq!(d.as_user("dpo", &["mentions", "netmums"]).code, 2);
    assert_eq!(d.as_user("ada", &["mentions", "netmums", "m-1"]).code, 4);
    // The rebuild.
    let v = d.ok("dpo", &["mentions", "--rebuild", "--json"]).json();
    assert_eq!(v["rows"], 3);
}

#[test]
fn text_search_by_scan_and_index_and_audited() {
    let d = desk();
    let v = d
        .ok(
            "staff",
            &[
                "search",
                "--text",
                "oakfield primary",
                "--site",
                "netmums",
                "--json",
            ],
        )
        .json();
    assert_eq!(ids(&v), ["p-2"]);
    assert_eq!(v["sites"][0]["indexed"], false);
    assert_eq!(v["sites"][0]["complete"], true);
    // Dates: p-2 is on 2 January.
    let v = d
        .ok(
            "staff",
            &[
                "search",
                "--text",
                "oakfield primary",
                "--from",
                "2026-01-03",
                "--json",
            ],
        )
        .json();
    assert!(ids(&v).is_empty());
    // The index on: the same answer, through it.
    let v = d
        .ok("dpo", &["text-index", "on", "netmums", "--json"])
        .json();
    assert_eq!(v["rows"], 3);
    let r = d.ok("dpo", &["text-index", "status"]);
    assert!(
        r.stdout.contains("netmums") && r.stdout.contains("on since"),
        "{}",
        r.stdout
    );
    let v = d
        .ok("staff", &["search", "--text", "OAKFIELD Primary", "--json"])
        .json();
    assert_eq!(ids(&v), ["p-2"]);
    assert_eq!(v["sites"][0]["indexed"], true);
    let r = d.ok(
        "staff",
        &["search", "--text", "littlemisscrafty", "--page-size", "1"],
    );
    assert!(r.stdout.contains("(more on the next page)"), "{}", r.stdout);
    assert!(r.stdout.contains("«littlemisscrafty»"), "{}", r.stdout);
    let v = d
        .ok("dpo", &["text-index", "off", "netmums", "--json"])
        .json();
    assert_eq!(v["enabled"], false);
    // Usage: a query and --text at once, or neither.
    assert_eq!(d.as_user("dpo", &["search", "x", "--text", "y"]).code, 2);
    assert_eq!(d.as_user("dpo", &["search"]).code, 2);
    assert_eq!(
        d.as_user("dpo", &["search", "--text", "!", "--json"]).code,
        1
    );
    // The auditor is refused; the words are in the audit trail.
    assert_eq!(d.as_user("ada", &["search", "--text", "oakfield"]).code, 4);
    let v = d
        .ok(
            "dpo",
            &["audit", "list", "--action", "text_search", "--json"],
        )
        .json();
    let s = v.to_string();
    assert!(
        s.contains("oakfield primary") && s.contains("OAKFIELD Primary"),
        "{s}"
    );
}
