//! The command line's conventions and the vault's promises, end to end.

use crate::harness::*;
use serde_json::Value;

#[test]
fn exit_codes_and_credentials() {
    let d = Desk::new();
    d.add_user("sam", "staff");
    d.add_user("ada", "auditor");
    // No credentials and no terminal: a clear error, exit 2.
    let r = d.run_with(&["status"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("DESK_USER"), "{}", r.stderr);
    // Wrong password and unknown user: exit 3, one message.
    let a = d.run_with(
        &["status"],
        &[("DESK_USER", "dpo"), ("DESK_PASSWORD", "wrong-password")],
    );
    let b = d.run_with(
        &["status"],
        &[("DESK_USER", "nobody"), ("DESK_PASSWORD", "wrong-password")],
    );
    assert_eq!((a.code, b.code), (3, 3));
    assert_eq!(a.stderr, b.stderr);
    // Wrong usage: exit 2.
    assert_eq!(d.dpo(&["hold", "set", "netmums"]).code, 2);
    assert_eq!(d.dpo(&["no-such-command"]).code, 2);
    // Role refusals: exit 4, and in the audit trail.
    assert_eq!(d.as_user("sam", &["user", "list"]).code, 4);
    assert_eq!(d.as_user("sam", &["hold", "list"]).code, 4);
    assert_eq!(d.as_user("sam", &["audit", "verify"]).code, 4);
    let export = d.gen(
        "e1",
        &["--site", "netmums", "--members", "20", "--seed", "1"],
    );
    let r = d.as_user("ada", &["sync", export.to_str().unwrap()]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert_eq!(
        d.as_user("ada", &["hold", "set", "netmums", "m-1", "--reason", "x"])
            .code,
        4
    );
    assert_eq!(
        d.as_user("ada", &["user", "add", "x", "--role", "dpo"])
            .code,
        4
    );
    let events = d.ok("ada", &["audit", "list", "--json"]).json();
    let refused: Vec<(String, String)> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "refused")
        .map(|e| {
            (
                e["user"].as_str().unwrap().into(),
                e["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    for want in [
        ("sam", "manage_users"),
        ("sam", "legal_hold"),
        ("sam", "read_audit"),
        ("ada", "sync"),
        ("ada", "legal_hold"),
        ("ada", "manage_users"),
    ] {
        assert!(
            refused.contains(&(want.0.into(), want.1.into())),
            "{want:?} missing from {refused:?}"
        );
    }
    // Refusals lost nothing: the vault is still empty and verifies.
    assert_eq!(
        d.dpo(&["status", "--json"]).json()["sites"],
        Value::Array(vec![])
    );
    let v = d.ok("ada", &["--json", "audit", "verify"]).json();
    assert_eq!(v["ok"], true);
}

#[test]
fn generate_sync_status_hold_as_a_script_would() {
    let d = Desk::new();
    let full = d.gen(
        "full",
        &[
            "--site",
            "netmums",
            "--members",
            "300",
            "--seed",
            "5",
            "--zip",
            "--gzip",
        ],
    );
    let delta = d.gen(
        "delta",
        &[
            "--site",
            "netmums",
            "--members",
            "0",
            "--seed",
            "5",
            "--delta-of",
            full.to_str().unwrap(),
            "--changes",
            "50",
        ],
    );
    // Options anywhere, --json included.
    let r = d.ok(
        "dpo",
        &[
            "--json",
            "sync",
            full.to_str().unwrap(),
            delta.to_str().unwrap(),
        ],
    );
    let results = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 2);
    assert_eq!(results[1]["sequence"], 2);
    let status = d.ok("dpo", &["status", "--json"]).json();
    let site = &status["sites"][0];
    assert_eq!(site["site"], "netmums");
    assert_eq!(site["sequence"], 2);
    assert_eq!(site["kind"], "delta");
    for k in ["generated_at", "synced_at"] {
        assert!(site[k].is_string(), "{k}");
    }
    assert!(site["rows"]["members"].as_u64().unwrap() >= 290);
    assert!(site["rows"]["consent_events"].as_u64().unwrap() > 300);
    // Re-sending is a no-op that says so.
    let again = d.ok("dpo", &["sync", full.to_str().unwrap()]);
    assert!(again.stdout.contains("applied before"), "{}", again.stdout);
    // A hold shows in status.
    d.ok(
        "dpo",
        &[
            "hold",
            "set",
            "netmums",
            "m-2",
            "--reason",
            "police request",
        ],
    );
    let holds = d.ok("dpo", &["hold", "list", "--json"]).json();
    assert_eq!(holds["holds"][0]["member_id"], "m-2");
    let r = d.dpo(&["hold", "set", "netmums", "m-999999", "--reason", "x"]);
    assert_eq!(r.code, 1, "no such member: {}", r.stderr);
    d.ok("dpo", &["hold", "lift", "netmums", "m-2"]);
    // Text output is readable.
    let text = d.ok("dpo", &["status"]).stdout;
    assert!(text.contains("netmums: export 2 (delta)"), "{text}");
}

#[test]
fn a_refused_export_prints_each_problem_and_exits_1() {
    let d = Desk::new();
    let export = d.gen(
        "e",
        &["--site", "netmums", "--members", "30", "--seed", "2"],
    );
    // Break one row: a post naming a member that does not exist.
    let posts = export.join("posts.jsonl");
    let text = std::fs::read_to_string(&posts).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut v: Value = serde_json::from_str(&lines[1]).unwrap();
    v["member_id"] = "m-424242".into();
    lines[1] = v.to_string();
    let new = lines.join("\n") + "\n";
    std::fs::write(&posts, &new).unwrap();
    // Fix the manifest's checksum so only the reference is wrong.
    let mpath = export.join("manifest.json");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&mpath).unwrap()).unwrap();
    for f in m["files"].as_array_mut().unwrap() {
        if f["path"] == "posts.jsonl" {
            use sha2::Digest;
            f["sha256"] = hex::encode(sha2::Sha256::digest(new.as_bytes())).into();
        }
    }
    std::fs::write(&mpath, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let r = d.dpo(&["sync", export.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .lines()
            .any(|l| l == "posts.jsonl:2: member_id: names no member of the site"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("m-424242@"),
        "no member data in messages"
    );
    assert_eq!(
        d.dpo(&["status", "--json"]).json()["sites"],
        Value::Array(vec![])
    );
    // --json: core's error body, each problem structured.
    let r = d.dpo(&["--json", "sync", export.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    let err = &r.json()["error"];
    assert_eq!(err["code"], "export_refused");
    assert_eq!(
        err["problems"][0],
        serde_json::json!({"file": "posts.jsonl", "line": 2, "field": "member_id",
                           "message": "names no member of the site"})
    );
    assert_eq!(err["more_problems"], 0);
}

#[test]
fn nothing_readable_at_rest_nor_in_temp_files() {
    let d = Desk::new();
    let export = d.gen(
        "e",
        &[
            "--site",
            "netmums",
            "--members",
            "200",
            "--seed",
            "3",
            "--zip",
        ],
    );
    // Secrets to look for: emails, usernames and post text from the export.
    let plain = d.gen(
        "plain",
        &["--site", "netmums", "--members", "200", "--seed", "3"],
    );
    let mut needles: Vec<String> = Vec::new();
    let mut rdr = csv::Reader::from_path(plain.join("members.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let (e, u) = (col("email"), col("username"));
    for rec in rdr.records().take(50) {
        let rec = rec.unwrap();
        needles.push(rec[e].to_string());
        needles.push(rec[u].to_string());
    }
    for line in std::fs::read_to_string(plain.join("posts.jsonl"))
        .unwrap()
        .lines()
        .take(20)
    {
        let v: Value = serde_json::from_str(line).unwrap();
        let body = v["body"].as_str().unwrap();
        if body.len() >= 24 {
            needles.push(body[..24].to_string());
        }
    }
    assert!(needles.len() > 60);
    d.ok("dpo", &["sync", export.to_str().unwrap()]);
    d.ok(
        "dpo",
        &["hold", "set", "netmums", "m-3", "--reason", "test"],
    );
    let mut scanned = 0;
    for f in files_under(&d.vault).into_iter().chain(files_under(&d.tmp)) {
        let bytes = std::fs::read(&f).unwrap();
        scanned += bytes.len();
        for n in &needles {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n.as_bytes()),
                "{} holds member data in clear",
                f.display()
            );
        }
    }
    assert!(scanned > 100_000, "the vault was scanned ({scanned} bytes)");
}
