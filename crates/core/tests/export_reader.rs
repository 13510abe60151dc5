//! Opening, streaming and checking production exports (contract §1–§3).

mod export_support;

use desk_core::entity::Entity;
use desk_core::export::{Export, ExportKind};
use desk_core::problem::Problems;
use desk_core::progress::{NoProgress, Progress, ProgressEvent};
use desk_core::Error;
use export_support::*;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

// ---------------------------------------------------------------- layouts

#[test]
fn directory_export_opens_and_streams() {
    let dir = tempfile::tempdir().unwrap();
    let files = basic();
    write_dir(dir.path(), Some(&text(&manifest(&files))), &files);
    let mut export = Export::open(dir.path()).unwrap();
    let m = export.manifest().clone();
    assert_eq!(m.site, "netmums");
    assert_eq!(m.kind, ExportKind::Full);
    assert_eq!(m.sequence, 42);
    assert_eq!(m.base_sequence, None);
    assert_eq!(m.files.len(), 2);
    assert_eq!(m.files[1].entity, Entity::ConsentEvents);
    assert_eq!(m.files[1].index, 1);
    assert_eq!(m.files[1].manifest_line, 16);
    assert_eq!(m.fingerprint.len(), 64);

    let (rows, problems, stats) = read(&mut export, "members");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(stats.rows, 2);
    assert_eq!(stats.bytes, MEMBERS.len() as u64);
    assert_eq!(stats.stored_bytes, MEMBERS.len() as u64);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].id, "m1");
    assert_eq!(rows[0].line, 2);
    assert_eq!(rows[1].line, 3);
    assert_eq!(rows[0].member_id, None);
    assert_eq!(rows[1].fields["status"], json!("suspended"));

    let (rows, problems, _) = read(&mut export, "consent_events");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(rows[0].id, "e1");
    assert_eq!(rows[0].member_id.as_deref(), Some("m1"));
}

#[test]
fn zip_export_with_a_top_directory_and_at_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![
        TestFile::new("members.csv.gz", MEMBERS),
        TestFile::new("consent_events.jsonl", CONSENT),
    ];
    let m = text(&manifest(&files));
    for prefix in [Some("export-42"), None] {
        let path = dir.path().join(format!("e-{}.zip", prefix.is_some()));
        write_zip(&path, prefix, &m, &files);
        let mut export = Export::open(&path).unwrap();
        let (rows, problems, stats) = read(&mut export, "members");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows.len(), 2);
        assert_eq!(stats.bytes, MEMBERS.len() as u64);
        assert_eq!(stats.stored_bytes, files[0].bytes.len() as u64);
        let (rows, problems, _) = read(&mut export, "consent_events");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows.len(), 1);
    }
    // Reading wrote nothing next to the archive.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn gzip_member_is_decompressed() {
    let files = with("posts.jsonl.gz", &post_line("p1", ""));
    let (rows, problems, stats) = read_one(&files, "posts");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(rows.len(), 1);
    assert!(stats.stored_bytes != stats.bytes);
}

#[test]
fn bom_is_skipped_columns_in_any_order_unknown_kept_password_dropped() {
    let text = "\u{FEFF}status,password_hash,email,shoe_size,updated_at,member_id,signup_at,username,children_count,pregnant\n\
active,$argon2$secret,a@x.org,38,2026-01-01T00:00:00Z,m1,2020-01-01T00:00:00Z,ann,2,false\n\
active,,b@x.org,,2026-01-01T00:00:00Z,m2,2020-01-01T00:00:00Z,bob,,\n";
    let (rows, problems, _) = read_one(&with("members.csv", text), "members");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(r.id, "m1");
    assert!(!r.fields.contains_key("password_hash"));
    assert_eq!(r.fields["shoe_size"], json!("38"));
    assert_eq!(r.fields["children_count"], json!(2));
    assert_eq!(r.fields["pregnant"], json!(false));
    assert_eq!(r.fields["status"], json!("active"));
    // Empty fields are "not known": absent.
    assert!(!rows[1].fields.contains_key("shoe_size"));
    assert!(!rows[1].fields.contains_key("children_count"));
    assert!(!rows.iter().any(|r| r.fields.contains_key("password_hash")));
}

#[test]
fn jsonl_typing_unknown_keys_and_password_hash() {
    let line = r#"{"event_id":"e1","member_id":"m1","purpose":"cookies.analytics","action":"withdrawn","occurred_at":"2020-01-01T00:00:00Z","source":"cmp","evidence":{"form":"x","shown":["a"]},"policy_version":null,"ip":"","favourite":{"colour":"red"},"empty":"","nothing":null,"password_hash":"h"}"#;
    let text = format!("\u{FEFF}{line}\n");
    let (rows, problems, _) = read_one(&with("consent_events.jsonl", &text), "consent_events");
    assert!(problems.is_empty(), "{problems:?}");
    let f = &rows[0].fields;
    assert_eq!(f["evidence"], json!({"form":"x","shown":["a"]}));
    assert_eq!(f["favourite"], json!({"colour":"red"}));
    for absent in ["policy_version", "ip", "empty", "nothing", "password_hash"] {
        assert!(!f.contains_key(absent), "{absent}");
    }
}

#[test]
fn multi_line_quoted_csv_records_are_reported_where_they_start() {
    // CRLF, blank lines and quoted line breaks must not shift line numbers.
    let text = "member_id,username,email,signup_at,status,updated_at\r\n\
m1,\"ann\r\nsecond line\",,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z\r\n\
\r\n\
m2,\"bob\nb\nc\",bob@x.org,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z\n\
m3,cy,,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z\n\
\n\
m4,di,,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z";
    let (rows, problems, stats) = read_one(&with("members.csv", text), "members");
    assert_eq!(
        problems,
        vec![
            "members.csv:2: email: required field is empty",
            "members.csv:8: email: required field is empty",
            "members.csv:10: email: required field is empty",
        ]
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].line, 5);
    assert_eq!(rows[0].fields["username"], json!("bob\nb\nc"));
    assert_eq!(stats.rows, 4);
}

#[test]
fn jsonl_blank_lines_count() {
    let text = format!(
        "\n{}\n   \n\n{}\n",
        post_line("p1", ""),
        post_line("p2", r#","posted_at":"yesterday""#)
    );
    let (rows, problems, stats) = read_one(&with("posts.jsonl", &text), "posts");
    assert_eq!(
        problems,
        vec!["posts.jsonl:5: posted_at: not an RFC 3339 timestamp with an offset"]
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].line, 2);
    assert_eq!(stats.rows, 2);
}

// ---------------------------------------------------------------- manifest

type Edit = Box<dyn FnOnce(&mut Value)>;

fn manifest_problems(edit: impl FnOnce(&mut Value), files: &[TestFile]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut m = manifest(files);
    edit(&mut m);
    write_dir(dir.path(), Some(&text(&m)), files);
    refused(dir.path())
}

fn assert_has(problems: &[String], want: &str) {
    assert!(
        problems.iter().any(|p| p == want),
        "missing {want:?} in {problems:#?}"
    );
}

#[test]
fn each_manifest_problem_is_reported_at_its_line() {
    let files = basic();
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|m| m["format"] = json!("csv")),
            "manifest.json:2: format: must be \"forum-export\"",
        ),
        (
            Box::new(|m| m["format_version"] = json!(2)),
            "manifest.json:3: format_version: this desk reads format version 1 only; use a newer desk",
        ),
        (
            Box::new(|m| m["site"] = json!("Net Mums")),
            "manifest.json:4: site: must be non-empty text of lower-case letters a-z, digits, _ and -",
        ),
        (
            Box::new(|m| m["site"] = json!("")),
            "manifest.json:4: site: must be non-empty text of lower-case letters a-z, digits, _ and -",
        ),
        (
            Box::new(|m| m["kind"] = json!("partial")),
            "manifest.json:5: kind: must be one of full, delta",
        ),
        (
            Box::new(|m| m["sequence"] = json!(0)),
            "manifest.json:6: sequence: must be a whole number of at least 1",
        ),
        (
            Box::new(|m| m["sequence"] = json!("42")),
            "manifest.json:6: sequence: must be a whole number of at least 1",
        ),
        (
            Box::new(|m| m["base_sequence"] = json!(41)),
            "manifest.json:7: base_sequence: must be null for a full export",
        ),
        (
            Box::new(|m| m["kind"] = json!("delta")),
            "manifest.json:7: base_sequence: must be a whole number for a delta export (the sequence it applies on)",
        ),
        (
            Box::new(|m| {
                m["kind"] = json!("delta");
                m["base_sequence"] = json!(42);
            }),
            "manifest.json:7: base_sequence: must be below sequence (a delta applies on an earlier export)",
        ),
        (
            Box::new(|m| m["generated_at"] = json!("2026-11-21 02:00")),
            "manifest.json:8: generated_at: not an RFC 3339 timestamp with an offset",
        ),
        (
            Box::new(|m| m["files"] = json!({})),
            "manifest.json:9: files: must be a list",
        ),
        (
            Box::new(|m| {
                m.as_object_mut().unwrap().remove("site");
            }),
            "manifest.json:1: site: required key is missing",
        ),
        (
            Box::new(|m| m["files"][1]["sha256"] = json!("abc")),
            "manifest.json:20: files[1].sha256: not 64 hexadecimal digits",
        ),
        (
            Box::new(|m| m["files"][0]["path"] = json!("../members.csv")),
            "manifest.json:11: files[0].path: must be a plain file name",
        ),
        (
            Box::new(|m| m["files"][0]["path"] = json!("members.txt")),
            "manifest.json:11: files[0].path: must be members.csv or members.csv.gz for entity members",
        ),
        (
            Box::new(|m| m["files"][1]["entity"] = json!("users")),
            "manifest.json:18: files[1].entity: not an entity this desk knows",
        ),
        (
            Box::new(|m| m["files"][0]["rows"] = json!(-1)),
            "manifest.json:13: files[0].rows: must be a whole number of at least 0",
        ),
        (
            Box::new(|m| m["files"][0]["rows"] = json!(1.5)),
            "manifest.json:13: files[0].rows: must be a whole number of at least 0",
        ),
        (
            Box::new(|m| {
                m["files"][1]["entity"] = json!("members");
            }),
            "manifest.json:18: files[1].entity: members is listed twice (also files[0])",
        ),
        (
            Box::new(|m| {
                m["files"][1]["entity"] = json!("members");
            }),
            "manifest.json:9: files: consent_events is required but not listed",
        ),
        (
            Box::new(|m| m["files"][0] = json!("members.csv")),
            "manifest.json:10: files[0]: not a JSON object",
        ),
    ];
    for (edit, want) in cases {
        let problems = manifest_problems(edit, &files);
        assert_has(&problems, want);
    }
}

#[test]
fn unknown_manifest_keys_are_ignored() {
    let files = basic();
    let dir = tempfile::tempdir().unwrap();
    let mut m = manifest(&files);
    m["generator"] = json!({"name": "forum-exporter", "version": "3.1", "host": ["a", "b"]});
    m["files"][0]["gzip"] = json!(false);
    m["files"][0]["note"] = json!("x");
    write_dir(dir.path(), Some(&text(&m)), &files);
    let export = Export::open(dir.path()).unwrap();
    assert_eq!(export.manifest().files.len(), 2);
}

#[test]
fn a_valid_delta_opens() {
    let mut files = basic();
    files.push(TestFile::new(
        "deletions.csv",
        "entity,id,deleted_at\nposts,p1,2026-01-01T00:00:00Z\n",
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut m = manifest(&files);
    m["kind"] = json!("delta");
    m["base_sequence"] = json!(41);
    write_dir(dir.path(), Some(&text(&m)), &files);
    let mut export = Export::open(dir.path()).unwrap();
    assert_eq!(export.manifest().kind, ExportKind::Delta);
    assert_eq!(export.manifest().base_sequence, Some(41));
    let (rows, problems, _) = read(&mut export, "deletions");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(rows[0].id, "p1");
    assert_eq!(rows[0].fields["entity"], json!("posts"));
}

#[test]
fn missing_or_broken_manifest() {
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), None, &basic());
    assert_eq!(
        refused(dir.path()),
        vec!["manifest.json:1: manifest: the export has no manifest.json"]
    );
    std::fs::write(
        dir.path().join("manifest.json"),
        "{\n  \"format\": \"forum-export\",\n  oops\n}",
    )
    .unwrap();
    let p = refused(dir.path());
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with("manifest.json:3: manifest: not valid JSON ("),
        "{p:?}"
    );
}

#[test]
fn unreadable_path_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Export::open(&dir.path().join("nope")),
        Err(Error::Io { .. })
    ));
}

// ---------------------------------------------------------------- file level

#[test]
fn checksum_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let files = basic();
    let mut m = manifest(&files);
    m["files"][0]["sha256"] = json!("0".repeat(64));
    write_dir(dir.path(), Some(&text(&m)), &files);
    let mut export = Export::open(dir.path()).unwrap();
    let (rows, problems, _) = read(&mut export, "members");
    assert_eq!(
        problems,
        vec!["members.csv: sha256: does not match its contents (manifest.json:14)"]
    );
    assert_eq!(rows.len(), 2);
}

#[test]
fn row_count_fewer_and_more() {
    let dir = tempfile::tempdir().unwrap();
    let files = basic();
    let mut m = manifest(&files);
    m["files"][0]["rows"] = json!(3);
    write_dir(dir.path(), Some(&text(&m)), &files);
    let mut export = Export::open(dir.path()).unwrap();
    let (_, problems, _) = read(&mut export, "members");
    assert_eq!(
        problems,
        vec!["members.csv: rows: the manifest says 3 rows, the file has 2 (manifest.json:13)"]
    );

    let mut m = manifest(&files);
    m["files"][0]["rows"] = json!(1);
    write_dir(dir.path(), Some(&text(&m)), &files);
    let mut export = Export::open(dir.path()).unwrap();
    let (rows, problems, stats) = read(&mut export, "members");
    assert_eq!(
        problems,
        vec!["members.csv: rows: the manifest says 1 row, the file has more (manifest.json:13)"]
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(stats.rows, 2);
}

#[test]
fn unlisted_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = basic();
    write_dir(dir.path(), Some(&text(&manifest(&files))), &files);
    std::fs::write(dir.path().join("extra.csv"), "a\n").unwrap();
    assert_eq!(
        refused(dir.path()),
        vec![
            "manifest.json:9: files: the export holds extra.csv, which the manifest does not list"
        ]
    );
}

#[test]
fn listed_but_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = basic();
    write_dir(dir.path(), Some(&text(&manifest(&files))), &files[..1]);
    assert_eq!(
        refused(dir.path()),
        vec!["consent_events.jsonl: path: the export holds no such file (listed at manifest.json:17)"]
    );
}

#[test]
fn missing_required_file() {
    let files = vec![TestFile::new("consent_events.jsonl", CONSENT)];
    let problems = manifest_problems(|_| {}, &files);
    assert_eq!(
        problems,
        vec!["manifest.json:9: files: members is required but not listed"]
    );
}

#[test]
fn deletions_in_a_full_export() {
    let mut files = basic();
    files.push(TestFile::new(
        "deletions.csv",
        "entity,id,deleted_at\nposts,p1,2026-01-01T00:00:00Z\n",
    ));
    let problems = manifest_problems(|_| {}, &files);
    assert_eq!(
        problems,
        vec!["manifest.json:24: files[2].entity: deletions is only allowed in a delta export"]
    );
}

#[test]
fn zip_with_unlisted_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = basic();
    let mut m = manifest(&files);
    m["files"][1]["path"] = json!("consent_events.jsonl.gz");
    let path = dir.path().join("e.zip");
    write_zip(&path, Some("x"), &text(&m), &files);
    assert_eq!(
        refused(&path),
        vec![
            "consent_events.jsonl.gz: path: the export holds no such file (listed at manifest.json:17)",
            "manifest.json:9: files: the export holds consent_events.jsonl, which the manifest does not list",
        ]
    );
}

// ---------------------------------------------------------------- rows

#[test]
fn csv_row_problems() {
    let text = "member_id,username,email,signup_at,status,updated_at,children_count,email_verified,date_of_birth\n\
m1,ann,,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z,,,\n\
m2,bob,b@x,2020-01-01,active,2026-01-01T00:00:00Z,,,\n\
m3,cy,c@x,2020-01-01T00:00:00Z,gone,2026-01-01T00:00:00Z,,,\n\
m4,di,d@x,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z,two,yes,2020-13-01\n\
m5,ed,e@x,2020-01-01T00:00:00Z,active\n\
m6,fi,f@x,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z,3,true,2001-02-03\n\
,gus,g@x,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z,,,\n";
    let (rows, problems, stats) = read_one(&with("members.csv", text), "members");
    assert_eq!(
        problems,
        vec![
            "members.csv:2: email: required field is empty",
            "members.csv:3: signup_at: not an RFC 3339 timestamp with an offset",
            "members.csv:4: status: must be one of active, suspended, deleted, anonymised",
            "members.csv:5: children_count: not a whole number",
            "members.csv:5: email_verified: must be true or false",
            "members.csv:5: date_of_birth: not a date of the form YYYY-MM-DD",
            "members.csv:6: row: has 5 fields, the header has 9",
            "members.csv:8: member_id: required field is empty",
        ]
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, "m6");
    assert_eq!(rows[0].fields["email_verified"], json!(true));
    assert_eq!(rows[0].fields["date_of_birth"], json!("2001-02-03"));
    assert_eq!(stats.rows, 7);
    // No value from the file appears in any message.
    for p in &problems {
        for v in ["b@x", "gone", "two", "yes", "2020-13-01", "2020-01-01,"] {
            assert!(!p.contains(v), "{p}");
        }
    }
}

#[test]
fn csv_header_problems() {
    let text = "member_id,username,signup_at,status,updated_at\n\
m1,ann,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z\n\
m2,bob,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z\n";
    let (rows, problems, _) = read_one(&with("members.csv", text), "members");
    assert_eq!(
        problems,
        vec!["members.csv:1: email: required column is missing"]
    );
    assert!(rows.is_empty());

    let text = "member_id,username,email,signup_at,status,updated_at,email\n\
m1,ann,a@x,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z,b@x\n";
    let (rows, problems, _) = read_one(&with("members.csv", text), "members");
    assert_eq!(
        problems,
        vec!["members.csv:1: email: column appears more than once"]
    );
    assert!(rows.is_empty());

    let (_, problems, _) = read_one(&with("members.csv", ""), "members");
    assert_eq!(
        problems,
        vec!["members.csv:1: header: the file has no header row"]
    );
}

fn post_line(id: &str, extra: &str) -> String {
    let base = format!(
        r#"{{"post_id":"{id}","member_id":"m1","thread_id":"t1","posted_at":"2026-01-01T00:00:00Z","status":"visible","body":"hello""#
    );
    // Later keys replace earlier ones (serde_json keeps the last).
    format!("{base}{extra}}}")
}

#[test]
fn jsonl_row_problems() {
    let lines = [
        post_line("p1", r#","posted_at":"2026-01-01""#),
        String::new(),
        "[1,2]".into(),
        r#"{"post_id":"p2","#.into(),
        r#"{"post_id":"p3","member_id":"m1","thread_id":"t1","posted_at":"2026-01-01T00:00:00Z","status":"visible"}"#.into(),
        post_line("p4", r#","status":"hidden""#),
        post_line("p5", r#","body":5"#),
        post_line("p6", r#","body":"""#),
        post_line("p7", r#","body":null"#),
        "\"just text\"".into(),
        post_line("p8", r#","board":"talk","views":12"#),
    ];
    let (rows, problems, stats) = read_one(&with("posts.jsonl", &lines.join("\n")), "posts");
    assert_eq!(problems.len(), 9, "{problems:#?}");
    assert_eq!(
        problems[0],
        "posts.jsonl:1: posted_at: not an RFC 3339 timestamp with an offset"
    );
    assert_eq!(problems[1], "posts.jsonl:3: row: not a JSON object");
    assert!(
        problems[2].starts_with("posts.jsonl:4: row: not valid JSON ("),
        "{}",
        problems[2]
    );
    assert_eq!(
        problems[3],
        "posts.jsonl:5: body: required field is missing"
    );
    assert_eq!(
        problems[4],
        "posts.jsonl:6: status: must be one of visible, deleted, anonymised"
    );
    assert_eq!(
        problems[5],
        "posts.jsonl:7: body: must be text (a JSON string)"
    );
    assert_eq!(problems[6], "posts.jsonl:8: body: required field is empty");
    assert_eq!(problems[7], "posts.jsonl:9: body: required field is empty");
    assert_eq!(problems[8], "posts.jsonl:10: row: not a JSON object");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].line, 11);
    assert_eq!(rows[0].fields["views"], json!(12));
    assert_eq!(stats.rows, 10);
}

#[test]
fn jsonl_wrong_json_types_and_structured_fields() {
    let review = |extra: &str| {
        format!(
            r#"{{"review_id":"r1","member_id":"m1","posted_at":"2026-01-01T00:00:00Z"{extra}}}"#
        )
    };
    let text = [
        review(r#","rating":"5""#),
        review(r#","rating":4.5"#),
        review(r#","rating":4,"target_type":"recipe""#),
    ]
    .join("\n");
    let (rows, problems, _) = read_one(&with("reviews.jsonl", &text), "reviews");
    assert_eq!(
        problems,
        vec![
            "reviews.jsonl:1: rating: not a whole number (a JSON number)",
            "reviews.jsonl:2: rating: not a whole number (a JSON number)",
        ]
    );
    assert_eq!(rows[0].fields["rating"], json!(4));

    let survey = r#"{"response_id":"s1","member_id":"m1","survey_id":"v1","submitted_at":"2026-01-01T00:00:00Z","share_with_partner":"true","answers":{"q1":[1,2]}}"#;
    let (_, problems, _) = read_one(&with("survey_responses.jsonl", survey), "survey_responses");
    assert_eq!(
        problems,
        vec![
            "survey_responses.jsonl:1: share_with_partner: must be true or false (a JSON boolean)"
        ]
    );

    let ticket = |msgs: &str| {
        format!(
            r#"{{"ticket_id":"t1","requester_email":"a@x","opened_at":"2026-01-01T00:00:00Z","messages":{msgs}}}"#
        )
    };
    let text = [
        ticket(r#"[{"from":"member","at":"2026-01-01T00:00:00Z","body":"a"},{"from":"staff","at":"2026-01-01T01:00:00+01:00","body":"b"},{"from":"staff","at":"soon","body":"c"}]"#),
        ticket(r#"[{"from":"robot","at":"2026-01-01T00:00:00Z","body":"a"}]"#),
        ticket(r#""not a list""#),
        ticket(r#"[{"from":"member","at":"2026-01-01T00:00:00Z","body":"ok"}]"#),
    ]
    .join("\n");
    let (rows, problems, _) = read_one(&with("helpdesk_tickets.jsonl", &text), "helpdesk_tickets");
    assert_eq!(
        problems,
        vec![
            "helpdesk_tickets.jsonl:1: messages[2].at: not an RFC 3339 timestamp with an offset",
            "helpdesk_tickets.jsonl:2: messages[0].from: must be one of member, staff",
            "helpdesk_tickets.jsonl:3: messages: must be a list of messages (a JSON array)",
        ]
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].member_id, None);

    let pm = |ids: &str| {
        format!(
            r#"{{"message_id":"x1","conversation_id":"c1","conversation_type":"member","sender_id":"m1","recipient_ids":{ids},"sent_at":"2026-01-01T00:00:00Z","body":"hi"}}"#
        )
    };
    let text = [pm(r#"["m2",""]"#), pm(r#"["m2","m3"]"#), pm(r#""m2""#)].join("\n");
    let (rows, problems, _) = read_one(&with("private_messages.jsonl", &text), "private_messages");
    assert_eq!(
        problems,
        vec![
            "private_messages.jsonl:1: recipient_ids[1]: must be a non-empty id (a JSON string)",
            "private_messages.jsonl:3: recipient_ids: must be a list of ids (a JSON array)",
        ]
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].member_id.as_deref(), Some("m1"));
    assert_eq!(rows[0].recipient_ids(), vec!["m2", "m3"]);
}

#[test]
fn problems_stop_when_the_list_is_full() {
    let mut text = String::from("member_id,username,email,signup_at,status,updated_at\n");
    for i in 0..50 {
        text.push_str(&format!(
            "m{i},u,,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z\n"
        ));
    }
    let files = with("members.csv", &text);
    let dir = tempfile::tempdir().unwrap();
    write_dir(
        dir.path(),
        Some(&export_support::text(&manifest(&files))),
        &files,
    );
    let mut export = Export::open(dir.path()).unwrap();
    let file = export.manifest().files[1].clone();
    assert_eq!(file.entity, Entity::Members);
    let mut problems = Problems::with_limit(5);
    let stats = export
        .read_file(&file, &mut problems, &NoProgress, &mut |_| Ok(()))
        .unwrap();
    assert_eq!(problems.items().len(), 5);
    assert!(stats.rows < 50);
}

// ---------------------------------------------------------------- progress, sink

struct Recorder {
    events: Mutex<Vec<ProgressEvent>>,
    cancel_after: Option<usize>,
}

impl Progress for Recorder {
    fn event(&self, event: ProgressEvent) {
        self.events.lock().unwrap().push(event);
    }
    fn cancelled(&self) -> bool {
        self.cancel_after
            .is_some_and(|n| self.events.lock().unwrap().len() >= n)
    }
}

fn many_members(n: usize) -> Vec<TestFile> {
    let mut text = String::from("member_id,username,email,signup_at,status,updated_at\n");
    for i in 0..n {
        text.push_str(&format!(
            "m{i},u{i},e{i}@x,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z\n"
        ));
    }
    with("members.csv", &text)
}

#[test]
fn progress_and_cancellation() {
    let files = many_members(25_000);
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), Some(&text(&manifest(&files))), &files);
    let mut export = Export::open(dir.path()).unwrap();
    let file = export.manifest().file(Entity::Members).unwrap().clone();

    let rec = Recorder {
        events: Mutex::new(Vec::new()),
        cancel_after: None,
    };
    let mut problems = Problems::default();
    let mut n = 0;
    export
        .read_file(&file, &mut problems, &rec, &mut |_| {
            n += 1;
            Ok(())
        })
        .unwrap();
    assert!(problems.is_empty(), "{problems}");
    assert_eq!(n, 25_000);
    let events = rec.events.lock().unwrap().clone();
    assert_eq!(
        events,
        vec![
            ProgressEvent::Advance { done: 10_000 },
            ProgressEvent::Advance { done: 20_000 },
            ProgressEvent::Advance { done: 25_000 },
        ]
    );

    let rec = Recorder {
        events: Mutex::new(Vec::new()),
        cancel_after: Some(1),
    };
    let r = export.read_file(&file, &mut Problems::default(), &rec, &mut |_| Ok(()));
    assert!(matches!(r, Err(Error::Cancelled)));

    // A sink's error comes straight back.
    let r = export.read_file(&file, &mut Problems::default(), &NoProgress, &mut |_| {
        Err(Error::Invalid("sink says no".into()))
    });
    assert!(matches!(r, Err(Error::Invalid(m)) if m == "sink says no"));
}

// ---------------------------------------------------------------- hostile zips

type Build = Box<dyn FnOnce(&mut zip::ZipWriter<std::fs::File>)>;

fn entries_of(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walk(dir);
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        out.push(e.path().display().to_string());
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        }
    }
    out
}

fn hostile_zip(
    dir: &Path,
    build: impl FnOnce(&mut zip::ZipWriter<std::fs::File>),
) -> std::path::PathBuf {
    let files = basic();
    let path = dir.join("hostile.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    z.start_file("manifest.json", opts).unwrap();
    z.write_all(text(&manifest(&files)).as_bytes()).unwrap();
    for f in &files {
        z.start_file(f.path.as_str(), opts).unwrap();
        z.write_all(&f.bytes).unwrap();
    }
    build(&mut z);
    z.finish().unwrap();
    path
}

#[test]
fn zip_entries_that_escape_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let opts = zip::write::SimpleFileOptions::default();
    let cases: Vec<(Build, &str)> = vec![
        (
            Box::new(move |z| {
                z.start_file("../evil.csv", opts).unwrap();
                z.write_all(b"x\n").unwrap();
            }),
            "../evil.csv: path: has a .. component; refused",
        ),
        (
            Box::new(move |z| {
                z.start_file("/etc/evil.csv", opts).unwrap();
                z.write_all(b"x\n").unwrap();
            }),
            "/etc/evil.csv: path: is an absolute path; refused",
        ),
        (
            Box::new(move |z| {
                z.start_file("C:\\evil.csv", opts).unwrap();
                z.write_all(b"x\n").unwrap();
            }),
            "C:\\evil.csv: path: contains a backslash; refused",
        ),
        (
            Box::new(move |z| {
                z.add_symlink("link.csv", "/etc/passwd", opts).unwrap();
            }),
            "link.csv: path: is a symbolic link; refused",
        ),
    ];
    for (build, want) in cases {
        let before = entries_of(dir.path());
        let path = hostile_zip(dir.path(), build);
        let after_write = entries_of(dir.path());
        let problems = refused(&path);
        assert_has(&problems, want);
        assert_eq!(entries_of(dir.path()), after_write, "nothing is written");
        assert!(before.len() <= after_write.len());
    }
}

#[test]
fn zip_duplicate_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let path = hostile_zip(dir.path(), |z| {
        z.start_file("memberz.csv", opts).unwrap();
        z.write_all(b"member_id\n").unwrap();
    });
    // The zip crate's writer refuses duplicates: rename in place (same length).
    let mut bytes = std::fs::read(&path).unwrap();
    let (from, to) = (b"memberz.csv", b"members.csv");
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
        }
        i += 1;
    }
    std::fs::write(&path, bytes).unwrap();
    assert_has(
        &refused(&path),
        "members.csv: path: appears more than once in the archive; refused",
    );
}

#[test]
fn zip_with_too_many_entries_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let path = hostile_zip(dir.path(), |z| {
        for i in 0..10_000 {
            z.start_file(format!("f{i}"), opts).unwrap();
        }
    });
    assert_eq!(
        refused(&path),
        vec!["hostile.zip: entries: the archive holds more than 10000 entries; refused"]
    );
}

#[test]
fn a_damaged_zip_entry_is_a_problem() {
    let dir = tempfile::tempdir().unwrap();
    let files = basic();
    let path = dir.path().join("e.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("manifest.json", opts).unwrap();
    z.write_all(text(&manifest(&files)).as_bytes()).unwrap();
    for f in &files {
        z.start_file(f.path.as_str(), opts).unwrap();
        z.write_all(&f.bytes).unwrap();
    }
    z.finish().unwrap();
    // Change one letter of a user name: still good CSV, but not what was zipped.
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(4).position(|w| w == b",bob").unwrap();
    bytes[at + 1] = b'r';
    std::fs::write(&path, bytes).unwrap();
    let mut export = Export::open(&path).unwrap();
    let (_, problems, _) = read(&mut export, "members");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .starts_with("members.csv:4: file: the archive entry is damaged or unreadable (")
            && problems[0].ends_with("); reading stopped"),
        "{problems:?}"
    );
}
