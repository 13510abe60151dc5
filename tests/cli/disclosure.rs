//! `desk disclosure …` and `desk audit export` end to end.

use crate::harness::*;
use serde_json::{json, Value};

fn entry() -> Value {
    json!({
        "site": "netmums",
        "member_ids": ["m-1"],
        "disclosed_at": "2026-11-04T16:20:00Z",
        "recipient": {"organisation": "County Police", "team": "Public Protection"},
        "request_reference": "DP-118",
        "urgent": true,
        "lawful_basis": "dpa2018_sch1_para18",
        "safeguarding_conditions": {
            "necessary_to_protect": true,
            "consent_not_sought_because": "asking would prejudice the protection",
            "substantial_public_interest": true
        },
        "data_categories": ["identity", "contact details"],
        "items_disclosed": ["email address"],
        "necessity_and_proportionality": "the minimum the police asked for",
        "authorised_by": "Jo, DPO",
        "member_informed": false,
        "not_informed_reason": "would prejudice the investigation"
    })
}

fn write(d: &Desk, name: &str, v: &Value) -> String {
    let p = d.path(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p.to_str().unwrap().to_string()
}

/// A small full export of netmums with members m-1 … m-5, written by hand.
fn export(d: &Desk) -> std::path::PathBuf {
    use sha2::{Digest, Sha256};
    let dir = d.path("export-1");
    std::fs::create_dir_all(&dir).unwrap();
    let mut members = String::from("member_id,username,email,signup_at,status,updated_at\n");
    let mut consent = String::new();
    for i in 1..=5 {
        members.push_str(&format!(
            "m-{i},user{i},u{i}@example.org,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z\n"
        ));
        consent.push_str(&format!(
            "{}\n",
            json!({"event_id": format!("ce-{i}"), "member_id": format!("m-{i}"),
                   "purpose": "partner_emails", "action": "granted",
                   "occurred_at": "2026-01-02T10:00:00Z", "source": "registration"})
        ));
    }
    let mut files = Vec::new();
    for (entity, name, text) in [
        ("members", "members.csv", &members),
        ("consent_events", "consent_events.jsonl", &consent),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
        files.push(json!({"path": name, "entity": entity, "rows": 5,
                          "sha256": hex::encode(Sha256::digest(text.as_bytes()))}));
    }
    let manifest = json!({
        "format": "forum-export", "format_version": 1, "site": "netmums", "kind": "full",
        "sequence": 1, "base_sequence": null, "generated_at": "2026-11-02T02:00:00Z",
        "files": files,
    });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    dir
}

pub(crate) fn ready() -> Desk {
    let d = Desk::new();
    d.add_user("sam", "staff");
    d.add_user("ada", "auditor");
    let export = export(&d);
    d.ok("dpo", &["sync", export.to_str().unwrap()]);
    d
}

#[test]
fn record_verify_and_refuse() {
    let d = ready();
    let f = write(&d, "entry.json", &entry());

    // --json answers the id.
    let r = d
        .ok("dpo", &["--json", "disclosure", "add", "--from", &f])
        .json();
    assert_eq!(r["id"], "D-000001");
    assert_eq!(r["members"][0]["held"], false);

    // Text mode offers the hold.
    let r = d.ok("sam", &["disclosure", "add", "--from", &f]);
    assert!(r.stdout.contains("Recorded D-000002."), "{}", r.stdout);
    assert!(
        r.stdout.contains("desk hold set netmums m-1 --reason"),
        "{}",
        r.stdout
    );

    // verify --json has the promised shape.
    let v = d.ok("ada", &["disclosure", "verify", "--json"]).json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["entries"], 2);
    let head = v["head"].as_str().unwrap().to_string();
    assert_eq!(head.len(), 64);
    assert!(head.chars().all(|c| c.is_ascii_hexdigit()));
    d.ok("ada", &["disclosure", "verify", "--head", &head]);
    let r = d.as_user("ada", &["disclosure", "verify", "--head", &"ab".repeat(32)]);
    assert_eq!(r.code, 1, "{}", r.stderr);

    // An invalid entry: exit 1, the field named on stderr.
    let mut bad = entry();
    bad.as_object_mut().unwrap().remove("authorised_by");
    let r = d.dpo(&["disclosure", "add", "--from", &write(&d, "bad.json", &bad)]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("authorised_by: required"), "{}", r.stderr);
    let mut typed = entry();
    typed["recorded_by"] = json!("someone else");
    let r = d.dpo(&[
        "--json",
        "disclosure",
        "add",
        "--from",
        &write(&d, "typed.json", &typed),
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("recorded_by"), "{}", r.stderr);
    // The JSON error is core's body: the problem names its field, no file.
    let err = &r.json()["error"];
    assert_eq!(err["code"], "invalid");
    assert_eq!(
        err["problems"][0],
        json!({"file": null, "line": null, "field": "recorded_by",
               "message": "is set by the desk and may not be given"})
    );
    assert_eq!(err["more_problems"], 0);
    let r = d.dpo(&[
        "disclosure",
        "add",
        "--from",
        &write(&d, "nojson.json", &json!(1)),
    ]);
    assert_eq!(r.code, 1);

    // Roles: the auditor cannot record (exit 4); staff cannot amend or review.
    assert_eq!(
        d.as_user("ada", &["disclosure", "add", "--from", &f]).code,
        4
    );
    assert_eq!(
        d.as_user("sam", &["disclosure", "amend", "D-000001", "--from", &f])
            .code,
        4
    );
    assert_eq!(
        d.as_user("sam", &["disclosure", "review", "D-000001", "--note", "x"])
            .code,
        4
    );
    // Nothing the refusals tried was written.
    let v = d.ok("ada", &["--json", "disclosure", "verify"]).json();
    assert_eq!(v["entries"], 2);
}

#[test]
fn amend_review_list_show_export_report_and_holds() {
    let d = ready();
    let f = write(&d, "entry.json", &entry());
    d.ok("dpo", &["disclosure", "add", "--from", &f]);
    let mut fixed = entry();
    fixed["recipient"]["organisation"] = json!("County Council Children's Services");
    let r = d
        .ok(
            "dpo",
            &[
                "--json",
                "disclosure",
                "amend",
                "D-000001",
                "--from",
                &write(&d, "fixed.json", &fixed),
            ],
        )
        .json();
    assert_eq!(r["id"], "D-000002");
    let r = d
        .ok(
            "dpo",
            &["--json", "disclosure", "review", "D-000001", "--note", "ok"],
        )
        .json();
    assert_eq!(r["id"], "D-000003");

    let list = d.ok("ada", &["--json", "disclosure", "list"]).json();
    let ds = list["disclosures"].as_array().unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0]["effective_id"], "D-000002");
    assert_eq!(
        ds[0]["content"]["recipient"]["organisation"],
        "County Council Children's Services"
    );
    let show = d.ok("ada", &["disclosure", "show", "D-000001"]);
    assert!(show.stdout.contains("D-000003"), "{}", show.stdout);
    // An auditor holds no member data: whether a member is held is not shown.
    assert!(
        show.stdout.contains("hold status not shown to your role"),
        "{}",
        show.stdout
    );
    let show = d.ok("dpo", &["disclosure", "show", "D-000001"]);
    assert!(show.stdout.contains("not on legal hold"), "{}", show.stdout);

    // Export and report (auditor).
    let csv_path = d.path("log.csv");
    d.ok(
        "ada",
        &["disclosure", "export", "--out", csv_path.to_str().unwrap()],
    );
    let mut rd = csv::Reader::from_path(&csv_path).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    let ids: Vec<&str> = rows.iter().map(|r| r.get(1).unwrap()).collect();
    assert_eq!(ids, ["D-000001", "D-000002", "D-000003"]);
    let html_path = d.path("report.html");
    d.ok(
        "ada",
        &["disclosure", "report", "--out", html_path.to_str().unwrap()],
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.contains("The log verifies") && !html.contains("<script"));

    // --hold-reason: a dpo sets the hold in the same call.
    let mut m2 = entry();
    m2["member_ids"] = json!(["m-2"]);
    let f2 = write(&d, "m2.json", &m2);
    let r = d
        .ok(
            "dpo",
            &[
                "--json",
                "disclosure",
                "add",
                "--from",
                &f2,
                "--hold-reason",
                "police matter live",
            ],
        )
        .json();
    assert_eq!(r["members"][0]["held"], true);
    let holds = d.ok("dpo", &["--json", "hold", "list"]).json();
    assert_eq!(holds["holds"][0]["member_id"], "m-2");
    // Staff: the disclosure is recorded, the hold is refused (exit 4).
    let mut m3 = entry();
    m3["member_ids"] = json!(["m-3"]);
    let r = d.as_user(
        "sam",
        &[
            "disclosure",
            "add",
            "--from",
            &write(&d, "m3.json", &m3),
            "--hold-reason",
            "x",
        ],
    );
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("D-000005 was recorded"), "{}", r.stderr);
    let v = d.ok("ada", &["--json", "disclosure", "verify"]).json();
    assert_eq!(v["entries"], 5);
}

#[test]
fn audit_export_and_date_filters() {
    let d = ready();
    let f = write(&d, "entry.json", &entry());
    d.ok("dpo", &["disclosure", "add", "--from", &f]);
    let out = d.path("audit.csv");
    d.ok(
        "ada",
        &[
            "audit",
            "export",
            "--out",
            out.to_str().unwrap(),
            "--action",
            "disclosure_recorded",
        ],
    );
    let mut rd = csv::Reader::from_path(&out).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][3], "disclosure_recorded");
    assert_eq!(&rows[0][2], "dpo");
    let none = d
        .ok(
            "ada",
            &[
                "--json",
                "audit",
                "list",
                "--from",
                "2000-01-01",
                "--to",
                "2000-01-02",
            ],
        )
        .json();
    assert_eq!(none["events"], json!([]));
    let day = |days: i64| {
        (chrono::Utc::now() + chrono::Duration::days(days))
            .format("%Y-%m-%d")
            .to_string()
    };
    let some = d
        .ok(
            "ada",
            &[
                "--json",
                "audit",
                "list",
                "--from",
                &day(-1),
                "--to",
                &day(1),
            ],
        )
        .json();
    assert!(!some["events"].as_array().unwrap().is_empty());
    assert_eq!(
        d.as_user("ada", &["audit", "list", "--from", "yesterday"])
            .code,
        2
    );
    assert_eq!(
        d.as_user("sam", &["audit", "export", "--out", out.to_str().unwrap()])
            .code,
        4
    );
}
