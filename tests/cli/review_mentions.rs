//! What others wrote about the member (issues #14.1, #15.4) through `desk`:
//! `desk bundle --with-mentions` holds every mention, cut to the sentences
//! about the member, others replaced, and says it was not reviewed; a
//! reviewed release holds only the candidates accepted in a bulk decision.

use crate::bundle::{set_facts, unzip};
use crate::harness::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn export(d: &Desk) -> PathBuf {
    let dir = d.path("export-rm");
    std::fs::create_dir_all(&dir).unwrap();
    let post = |id: &str, at: &str, body: &str| {
        json!({"post_id": id, "member_id": "m-2", "thread_id": "t", "thread_title": "Meet-up",
               "posted_at": at, "status": "visible", "body": body})
    };
    let posts: String = [
        post(
            "p-1",
            "2026-01-01T10:00:00Z",
            "Lovely weather today. Thanks @LittleMissCrafty for the cake!",
        ),
        post(
            "p-2",
            "2026-01-02T10:00:00Z",
            "My garden is a mess. Zoë Smith told Carol Danvers about it.",
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
             m-2,BobTheBuilder77,bob.b@example.org,Robert,Quilliam,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z\n\
             m-3,CaptainCarol,carol.d@example.org,Carol,Danvers,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z\n"
                .into(),
            3,
        ),
        ("consent_events", "consent_events.jsonl", String::new(), 0),
        ("posts", "posts.jsonl", posts, 2),
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

/// Nothing of the other members, nor the sentences not about m-1.
const OTHERS: &[&str] = &[
    "bobthebuilder77",
    "bob.b@example.org",
    "quilliam",
    "captaincarol",
    "carol.d@example.org",
    "danvers",
    "\"m-2\"",
    "\"m-3\"",
    "lovely weather",
    "garden is a mess",
];

fn assert_clean(files: &BTreeMap<String, Vec<u8>>) {
    for (name, b) in files {
        let t = String::from_utf8_lossy(b).to_lowercase();
        for o in OTHERS {
            assert!(!t.contains(o), "{name} holds {o}");
        }
    }
}

fn desk() -> Desk {
    let d = Desk::new();
    d.add_user("staff", "staff");
    d.add_user("ada", "auditor");
    let e = export(&d);
    d.ok("dpo", &["sync", e.to_str().unwrap()]);
    set_facts(&d, "netmums");
    d
}

#[test]
fn bundle_with_mentions_holds_and_lists_them_unreviewed() {
    let d = desk();
    let plain = d.path("plain.zip");
    d.ok(
        "staff",
        &["bundle", "netmums", "m-1", "--out", plain.to_str().unwrap()],
    );
    assert!(!unzip(&plain).contains_key("data/mentions.json"));

    let out = d.path("with.zip");
    let r = d.as_user(
        "ada",
        &[
            "bundle",
            "netmums",
            "m-1",
            "--out",
            d.path("ada.zip").to_str().unwrap(),
            "--with-mentions",
        ],
    );
    assert_ne!(r.code, 0, "an auditor makes no bundle");
    let made = d
        .ok(
            "staff",
            &[
                "--json",
                "bundle",
                "netmums",
                "m-1",
                "--out",
                out.to_str().unwrap(),
                "--with-mentions",
            ],
        )
        .json();
    assert_eq!(made["reviewed"], false);
    let files = unzip(&out);
    assert_clean(&files);
    let rows: Value = serde_json::from_slice(&files["data/mentions.json"]).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(
        rows[0]["sentences"][0]["text"],
        "Thanks @LittleMissCrafty for the cake!"
    );
    assert_eq!(rows[0]["author_id"], "Member A");
    assert_eq!(
        rows[1]["sentences"][0]["text"],
        "Zoë Smith told Member B about it."
    );
    let m: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(m["mentions"]["reviewed"], false);
    assert_eq!(m["mentions"]["count"], 2);
    assert_eq!(m["mentions"]["items"][1]["id"], "mention-0002");
}

#[test]
fn a_bulk_decision_accepts_a_candidate_and_the_release_holds_only_it() {
    let d = desk();
    let today = chrono::Utc::now().date_naive().to_string();
    d.ok(
        "staff",
        &[
            "request",
            "open",
            "netmums",
            "m-1",
            "--received",
            &today,
            "--ref",
            "SAR-M",
        ],
    );
    let sum = d
        .ok("staff", &["--json", "review", "SAR-M", "--create"])
        .json();
    assert_eq!(sum["candidates"]["items"], 2, "{sum}");
    assert_eq!(sum["candidates"]["undecided"], 2);
    let items = d
        .ok(
            "staff",
            &["--json", "review", "SAR-M", "items", "--kind", "mentions"],
        )
        .json();
    let list = items["items"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|i| i["source"] == "mention"));
    let parties = d
        .ok("staff", &["--json", "review", "SAR-M", "parties"])
        .json();
    let mut decisions: Vec<Value> = parties["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!({"action": "party", "party": p["party"], "verdict": {"decide": "redact", "reason": "third party"}}))
        .collect();
    decisions.push(json!({"action": "candidate", "item": list[1]["n"], "accept": true}));
    decisions.push(json!({"action": "candidate", "item": list[0]["n"], "accept": false}));
    let file = d.path("decide.json");
    std::fs::write(&file, serde_json::to_string(&decisions).unwrap()).unwrap();
    let applied = d
        .ok(
            "staff",
            &[
                "--json",
                "review",
                "SAR-M",
                "--decide",
                file.to_str().unwrap(),
            ],
        )
        .json();
    assert_eq!(applied["summary"]["candidates"]["accepted"], 1, "{applied}");
    assert_eq!(applied["summary"]["candidates"]["declined"], 1);
    d.ok("staff", &["review", "SAR-M", "approve"]);
    let out = d.path("r.zip");
    d.ok(
        "staff",
        &["release", "SAR-M", "--out", out.to_str().unwrap()],
    );
    let files = unzip(&out);
    assert_clean(&files);
    let rows: Value = serde_json::from_slice(&files["data/mentions.json"]).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["mention_id"], "mention-0001");
    assert_eq!(
        rows[0]["sentences"][0]["text"],
        "Zoë Smith told Member B about it."
    );
    for (name, b) in &files {
        assert!(
            !String::from_utf8_lossy(b).contains("for the cake"),
            "{name} holds the declined candidate"
        );
    }
    let m: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(m["mentions"]["reviewed"], true);
    assert_eq!(m["mentions"]["count"], 1);
}
