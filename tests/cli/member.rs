//! `desk search`, `member`, `consent`, `conflicts`: JSON shapes, text output,
//! exit codes, and the auditor's refusal.

use crate::harness::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// A small full export written by hand.
fn export(d: &Desk) -> PathBuf {
    let dir = d.path("export-1");
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<(&str, &str, String, u64)> = vec![
        (
            "members",
            "members.csv",
            "member_id,username,email,first_name,surname,signup_at,status,updated_at\n\
             m-1,jane_doe,Jane.Doe@example.org,Zoë,Smith,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z\n\
             m-2,bob,bob@example.org,Robert,Jones,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z\n"
                .into(),
            2,
        ),
        (
            "consent_events",
            "consent_events.jsonl",
            [
                json!({"event_id": "e-1", "member_id": "m-1", "purpose": "partner_emails", "action": "granted", "occurred_at": "2026-01-01T10:00:00Z", "source": "registration", "policy_version": "v1", "evidence": {"form": "signup"}}),
                json!({"event_id": "e-2", "member_id": "m-1", "purpose": "partner_emails", "action": "withdrawn", "occurred_at": "2026-02-01T10:00:00Z", "source": "unsubscribe_link", "policy_version": "v1", "evidence": {"link": "x"}}),
            ]
            .iter()
            .map(|v| format!("{v}\n"))
            .collect(),
            2,
        ),
        (
            "posts",
            "posts.jsonl",
            format!(
                "{}\n",
                json!({"post_id": "p-1", "member_id": "m-1", "thread_id": "t", "posted_at": "2026-01-01T10:00:00Z", "status": "visible", "body": "hello", "posted_as": "Sleepy"})
            ),
            1,
        ),
        (
            "newsletter_engagement",
            "newsletter_engagement.csv",
            "engagement_id,member_id,newsletter,last_sent_at\nne-1,m-1,partner_emails_digest,2026-03-01T00:00:00Z\n".into(),
            1,
        ),
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

fn ready() -> Desk {
    let d = Desk::new();
    d.add_user("sam", "staff");
    d.add_user("ada", "auditor");
    let e = export(&d);
    d.ok("dpo", &["sync", e.to_str().unwrap()]);
    d
}

#[test]
fn search_member_consent_conflicts_json_and_text() {
    let d = ready();
    // search --json: {"results": [{site, member_id, username, email, status, matched}]}
    let r = d
        .ok("sam", &["search", "JANE.DOE@example.org", "--json"])
        .json();
    let first = &r["results"][0];
    assert_eq!(first["site"], "netmums");
    assert_eq!(first["member_id"], "m-1");
    assert_eq!(first["username"], "jane_doe");
    assert_eq!(first["email"], "Jane.Doe@example.org");
    assert_eq!(first["status"], "active");
    assert_eq!(first["matched"][0], "email");
    let r = d
        .ok(
            "sam",
            &[
                "search", "smiht", "--site", "netmums", "--limit", "1", "--json",
            ],
        )
        .json();
    assert_eq!(r["results"].as_array().unwrap().len(), 1);
    assert_eq!(r["results"][0]["member_id"], "m-1");
    let text = d.ok("sam", &["search", "bob"]).stdout;
    assert!(
        text.contains("netmums:m-2") && text.contains("matched: username"),
        "{text}"
    );
    assert!(d
        .ok("sam", &["search", "nobody-here"])
        .stdout
        .contains("No member matches"));

    // member --json: everything.
    let r = d.ok("sam", &["member", "netmums", "m-1", "--json"]).json();
    assert_eq!(r["site"], "netmums");
    assert_eq!(r["member_id"], "m-1");
    assert_eq!(r["held"], false);
    assert_eq!(r["profile"]["username"], "jane_doe");
    assert_eq!(r["rows"]["posts"][0]["post_id"], "p-1");
    assert_eq!(r["rows"]["consent_events"].as_array().unwrap().len(), 2);
    assert!(r["rows"]["children"].as_array().unwrap().is_empty());
    let text = d.ok("sam", &["member", "netmums", "m-1"]).stdout;
    assert!(
        text.contains("Member m-1 of netmums") && text.contains("posts (1)"),
        "{text}"
    );
    let paged = d
        .ok(
            "sam",
            &[
                "member",
                "netmums",
                "m-1",
                "--page",
                "2",
                "--page-size",
                "1",
                "--json",
            ],
        )
        .json();
    assert_eq!(paged["rows"]["consent_events"][0]["event_id"], "e-2");
    assert_eq!(d.as_user("sam", &["member", "netmums", "m-404"]).code, 1);

    // consent --json at a time, and now.
    let r = d
        .ok(
            "sam",
            &[
                "consent",
                "netmums",
                "m-1",
                "--at",
                "2026-01-15T00:00:00+01:00",
                "--json",
            ],
        )
        .json();
    assert_eq!(r["at"], "2026-01-14T23:00:00.000Z");
    let p = &r["purposes"][0];
    assert_eq!(
        (&p["purpose"], &p["state"], &p["event_id"], &p["source"]),
        (
            &json!("partner_emails"),
            &json!("granted"),
            &json!("e-1"),
            &json!("registration")
        )
    );
    assert_eq!(p["since"], "2026-01-01T10:00:00Z");
    assert_eq!(r["events"][1]["action"], "withdrawn");
    assert_eq!(r["events"][1]["occurred_at"], "2026-02-01T10:00:00Z");
    let now = d.ok("sam", &["consent", "netmums", "m-1", "--json"]).json();
    assert_eq!(now["purposes"][0]["state"], "withdrawn");
    let text = d.ok("sam", &["consent", "netmums", "m-1"]).stdout;
    assert!(
        text.contains("partner_emails") && text.contains("withdrawn"),
        "{text}"
    );
    assert_eq!(
        d.as_user("sam", &["consent", "netmums", "m-1", "--at", "soon"])
            .code,
        1
    );

    // conflicts: the newsletter sent without consent.
    let r = d.ok("dpo", &["conflicts", "--json"]).json();
    assert_eq!(r["conflicts"][0]["kind"], "newsletter_sent_without_consent");
    assert_eq!(r["conflicts"][0]["rows"][0]["id"], "ne-1");
    let r = d
        .ok("dpo", &["conflicts", "--member", "netmums:m-2", "--json"])
        .json();
    assert!(r["conflicts"].as_array().unwrap().is_empty());
    assert!(d.ok("dpo", &["conflicts"]).stdout.contains("conflict(s)"));

    // --check keeps the vault-wide check (what the desktop's Home shows).
    let c = d.ok("dpo", &["conflicts", "--check", "--json"]).json();
    let total = r_len(&d.ok("dpo", &["conflicts", "--json"]).json());
    assert_eq!(c["total"], total);
    assert_eq!(c["stale"], false);
    assert_eq!(c["counts"][0]["kind"], "newsletter_sent_without_consent");
    let text = d.ok("dpo", &["conflicts", "--check"]).stdout;
    assert!(text.contains("Checked every member"), "{text}");
    // It checks everything: a narrower scope with --check is a usage error.
    let r = d.as_user("dpo", &["conflicts", "--check", "--site", "netmums"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

fn r_len(v: &Value) -> u64 {
    v["conflicts"].as_array().unwrap().len() as u64
}

#[test]
fn auditor_is_refused_with_exit_4_and_reads_are_audited() {
    let d = ready();
    for args in [
        vec!["search", "bob"],
        vec!["member", "netmums", "m-1"],
        vec!["consent", "netmums", "m-1"],
        vec!["conflicts"],
        vec!["conflicts", "--check"],
    ] {
        let r = d.as_user("ada", &args);
        assert_eq!(r.code, 4, "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
    d.ok("sam", &["search", "bob@example.org"]);
    d.ok("sam", &["member", "netmums", "m-2"]);
    d.ok("sam", &["consent", "netmums", "m-2"]);
    let events = d.ok("ada", &["audit", "list", "--json"]).json();
    let evs = events["events"].as_array().unwrap();
    for action in ["search", "member_view", "consent_view"] {
        assert!(
            evs.iter()
                .any(|e| e["user"] == "sam" && e["action"] == action && e["outcome"] == "ok"),
            "{action}"
        );
    }
    assert_eq!(
        evs.iter()
            .filter(|e| e["user"] == "ada" && e["outcome"] == "refused")
            .count(),
        5
    );
}
