//! Applying exports (production-export-v1 §5–§6): full, delta, deletions,
//! cascades, holds, sequence rules, and every refusal leaving the vault as it was.

mod common;

use common::*;
use desk_core::progress::NoProgress;
use desk_core::Error;
use serde_json::json;
use std::path::Path;

fn sync(vault: &Path, export: &Path) -> desk_core::Result<desk_core::sync::SyncReport> {
    dpo(vault).sync(export, t(3), &NoProgress)
}

fn base_export(root: &Path) -> std::path::PathBuf {
    ExportBuilder::full(root, "full-1", "netmums", 1)
        .members(&["m-1", "m-2", "m-3"])
        .jsonl(
            "consent_events",
            &[
                consent("ce-1", "m-1", "granted"),
                consent("ce-2", "m-2", "granted"),
                consent("ce-3", "m-3", "granted"),
            ],
        )
        .jsonl(
            "posts",
            &[post("p-1", "m-1"), post("p-2", "m-2"), post("p-3", "m-3")],
        )
        .jsonl(
            "private_messages",
            &[
                message("pm-1", "m-2", &["m-1"]),
                message("pm-2", "m-1", &["m-2", "m-3"]),
            ],
        )
        .write()
}

fn id_list(vault: &Path, entity: &str) -> Vec<String> {
    ids(vault, entity).into_iter().map(|(i, _)| i).collect()
}

#[test]
fn full_delta_delta_full_with_deletions_holds_and_cascades() {
    let root = tempfile::tempdir().unwrap();
    let vault = new_vault(root.path());
    let r = sync(&vault, &base_export(root.path())).unwrap();
    assert!(r.applied);
    assert_eq!(id_list(&vault, "members"), ["m-1", "m-2", "m-3"]);
    assert_eq!(id_list(&vault, "private_messages"), ["pm-1", "pm-2"]);

    // Provenance: every row says which export wrote it.
    assert!(snapshot(&vault)
        .iter()
        .filter(|r| r.0 != "exports")
        .all(|r| r.1 == "netmums" && r.5 == 1));

    // Delta 2: change p-1, add m-4 with a post, delete p-3 and member m-2.
    let mut changed = post("p-1", "m-1");
    changed["body"] = json!("edited body");
    let d2 = ExportBuilder::delta(root.path(), "delta-2", "netmums", 2, 1)
        .members(&["m-4"])
        .jsonl("consent_events", &[])
        .jsonl("posts", &[changed, post("p-4", "m-4")])
        .csv(
            "deletions",
            "entity,id,deleted_at",
            &[
                "posts,p-3,2026-11-02T01:00:00Z".into(),
                "members,m-2,2026-11-02T01:00:00Z".into(),
            ],
        )
        .write();
    let r = sync(&vault, &d2).unwrap();
    assert!(r.applied);
    assert_eq!(id_list(&vault, "members"), ["m-1", "m-3", "m-4"]);
    assert_eq!(id_list(&vault, "posts"), ["p-1", "p-4"]);
    // m-2's consent and the message m-2 sent went with m-2; the one m-2 received stays.
    assert_eq!(id_list(&vault, "consent_events"), ["ce-1", "ce-3"]);
    assert_eq!(id_list(&vault, "private_messages"), ["pm-2"]);
    let snap = snapshot(&vault);
    let p1 = snap
        .iter()
        .find(|r| r.0 == "posts" && r.2 == "p-1")
        .unwrap();
    assert!(p1.4.contains("edited body") && p1.5 == 2);
    let p4 = snap
        .iter()
        .find(|r| r.0 == "posts" && r.2 == "p-4")
        .unwrap();
    assert_eq!(p4.5, 2);

    // Hold m-3, then delta 3 deletes m-3: its rows stay, marked held.
    dpo(&vault)
        .hold_set("netmums", "m-3", "police request", t(4))
        .unwrap();
    let d3 = ExportBuilder::delta(root.path(), "delta-3", "netmums", 3, 2)
        .members(&[])
        .jsonl("consent_events", &[])
        .csv(
            "deletions",
            "entity,id,deleted_at",
            &["members,m-3,2026-11-03T01:00:00Z".into()],
        )
        .write();
    let r = sync(&vault, &d3).unwrap();
    assert_eq!(
        r.held_rows, 2,
        "the member row and consent of m-3 (its post went in delta 2)"
    );
    assert_eq!(
        ids(&vault, "members"),
        [
            ("m-1".into(), false),
            ("m-3".into(), true),
            ("m-4".into(), false)
        ]
    );
    let status = dpo(&vault).status(t(5)).unwrap();
    assert_eq!(status.sites[0].sequence, 3);
    assert_eq!(status.sites[0].rows["members"], 3);
    assert_eq!(status.sites[0].held_rows["members"], 1);
    assert_eq!(status.sites[0].held_rows["consent_events"], 1);
    assert!(status.sites[0].held_rows.get("posts").is_none());

    // A row naming the held, deleted member is refused: production deleted it.
    let bad = ExportBuilder::delta(root.path(), "delta-4-bad", "netmums", 4, 3)
        .members(&[])
        .jsonl("consent_events", &[])
        .jsonl("posts", &[post("p-9", "m-3")])
        .write();
    let before = snapshot(&vault);
    match sync(&vault, &bad) {
        Err(Error::Refused(p)) => assert_eq!(
            p.items()[0].to_string(),
            "posts.jsonl:1: member_id: names no member of the site"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(snapshot(&vault), before);

    // Full 5 without m-4's post: gone. m-1 only, + m-5 new. m-3 stays held.
    let f5 = ExportBuilder::full(root.path(), "full-5", "netmums", 5)
        .members(&["m-1", "m-4", "m-5"])
        .jsonl("consent_events", &[consent("ce-1", "m-1", "withdrawn")])
        .jsonl("posts", &[post("p-1", "m-1")])
        .write();
    sync(&vault, &f5).unwrap();
    assert_eq!(
        ids(&vault, "members"),
        [
            ("m-1".into(), false),
            ("m-3".into(), true),
            ("m-4".into(), false),
            ("m-5".into(), false)
        ]
    );
    assert_eq!(id_list(&vault, "posts"), ["p-1"]);
    assert_eq!(
        ids(&vault, "consent_events"),
        [("ce-1".into(), false), ("ce-3".into(), true)]
    );
    assert!(id_list(&vault, "private_messages").is_empty());

    // Lifting the hold purges m-3 at once.
    let purged = dpo(&vault).hold_lift("netmums", "m-3", t(6)).unwrap();
    assert_eq!(purged, 2);
    assert_eq!(id_list(&vault, "members"), ["m-1", "m-4", "m-5"]);
    assert_eq!(id_list(&vault, "posts"), ["p-1"]);
    assert!(dpo(&vault).audit_verify(None, t(7)).unwrap().ok);
}

#[test]
fn sites_are_kept_apart() {
    let root = tempfile::tempdir().unwrap();
    let vault = new_vault(root.path());
    sync(&vault, &base_export(root.path())).unwrap();
    let other = ExportBuilder::full(root.path(), "other-1", "mumsnet", 1)
        .members(&["m-1"])
        .jsonl("consent_events", &[])
        .write();
    sync(&vault, &other).unwrap();
    // The other site's full export did not sweep netmums.
    let snap = snapshot(&vault);
    let members: Vec<_> = snap
        .iter()
        .filter(|r| r.0 == "members")
        .map(|r| (r.1.as_str(), r.2.as_str()))
        .collect();
    assert_eq!(
        members,
        [
            ("mumsnet", "m-1"),
            ("netmums", "m-1"),
            ("netmums", "m-2"),
            ("netmums", "m-3")
        ]
    );
    let status = dpo(&vault).status(t(4)).unwrap();
    assert_eq!(status.sites.len(), 2);
}

#[test]
fn sequence_rules() {
    let root = tempfile::tempdir().unwrap();
    let vault = new_vault(root.path());
    // First export must be full.
    let d = ExportBuilder::delta(root.path(), "d-2", "netmums", 2, 1)
        .members(&[])
        .jsonl("consent_events", &[])
        .write();
    assert!(
        matches!(sync(&vault, &d), Err(Error::OutOfSequence(m)) if m.contains("must be a full export"))
    );

    let full = base_export(root.path());
    assert!(sync(&vault, &full).unwrap().applied);
    let before = snapshot(&vault);
    // Re-sent: a no-op that says so.
    let again = sync(&vault, &full).unwrap();
    assert!(!again.applied);
    assert_eq!(snapshot(&vault), before);
    // Same site and sequence, other content: refused.
    let other = ExportBuilder::full(root.path(), "full-1b", "netmums", 1)
        .members(&["m-1"])
        .jsonl("consent_events", &[])
        .write();
    assert!(
        matches!(sync(&vault, &other), Err(Error::OutOfSequence(m)) if m.contains("different content"))
    );
    // A gap names the export it needs.
    let gap = ExportBuilder::delta(root.path(), "d-4", "netmums", 4, 3)
        .members(&[])
        .jsonl("consent_events", &[])
        .write();
    match sync(&vault, &gap) {
        Err(Error::OutOfSequence(m)) => assert!(m.contains("sync export 3"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Then a valid delta, after which a lower sequence is refused.
    let d2 = ExportBuilder::delta(root.path(), "d-2b", "netmums", 2, 1)
        .members(&[])
        .jsonl("consent_events", &[])
        .write();
    sync(&vault, &d2).unwrap();
    let stale = ExportBuilder::delta(root.path(), "d-3-on-1", "netmums", 3, 1)
        .members(&[])
        .jsonl("consent_events", &[])
        .write();
    assert!(
        matches!(sync(&vault, &stale), Err(Error::OutOfSequence(m)) if m.contains("has been applied since"))
    );
    // Sequences may jump; one below the latest that was never applied is refused.
    let f5 = ExportBuilder::full(root.path(), "full-5", "netmums", 5)
        .members(&["m-1"])
        .jsonl("consent_events", &[])
        .write();
    sync(&vault, &f5).unwrap();
    let lower = ExportBuilder::full(root.path(), "full-3", "netmums", 3)
        .members(&["m-1"])
        .jsonl("consent_events", &[])
        .write();
    let before = snapshot(&vault);
    assert!(matches!(sync(&vault, &lower),
        Err(Error::OutOfSequence(m)) if m.contains("not newer than the latest applied, 5")));
    assert_eq!(snapshot(&vault), before);
}

/// Each refusal reports `file:line: field` exactly and changes nothing.
#[test]
fn every_refusal_names_file_line_and_field_and_changes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let vault = new_vault(root.path());
    sync(&vault, &base_export(root.path())).unwrap();
    fn members_csv(rows: &[&str]) -> String {
        let mut s = format!("{MEMBER_HEADER}\n");
        for r in rows {
            s.push_str(r);
            s.push('\n');
        }
        s
    }
    type Case = (
        &'static str,
        Box<dyn Fn(&Path) -> std::path::PathBuf>,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "required",
            Box::new(|r: &Path| {
                ExportBuilder::full(r, "c1", "netmums", 2)
                    .file(
                        "members",
                        "members.csv",
                        &members_csv(&[
                            "m-1,u1,,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,A",
                        ]),
                        1,
                    )
                    .jsonl("consent_events", &[])
                    .write()
            }),
            "members.csv:2: email:",
        ),
        (
            "type",
            Box::new(|r: &Path| {
                let mut p = post("p-1", "m-1");
                p["posted_at"] = json!("yesterday");
                ExportBuilder::full(r, "c2", "netmums", 2)
                    .members(&["m-1"])
                    .jsonl("consent_events", &[])
                    .jsonl("posts", &[post("p-0", "m-1"), p])
                    .write()
            }),
            "posts.jsonl:2: posted_at:",
        ),
        (
            "enum",
            Box::new(|r: &Path| {
                ExportBuilder::full(r, "c3", "netmums", 2)
                    .file(
                        "members",
                        "members.csv",
                        &members_csv(&[
                            "m-1,u1,a@b.c,2020-01-01T10:00:00Z,gone,2026-01-01T00:00:00Z,A",
                        ]),
                        1,
                    )
                    .jsonl("consent_events", &[])
                    .write()
            }),
            "members.csv:2: status:",
        ),
        (
            "duplicate",
            Box::new(|r: &Path| {
                ExportBuilder::full(r, "c4", "netmums", 2)
                    .members(&["m-1"])
                    .jsonl("consent_events", &[])
                    .jsonl(
                        "posts",
                        &[post("p-1", "m-1"), post("p-2", "m-1"), post("p-1", "m-1")],
                    )
                    .write()
            }),
            "posts.jsonl:3: post_id: duplicate id (also at line 1)",
        ),
        (
            "reference",
            Box::new(|r: &Path| {
                ExportBuilder::full(r, "c5", "netmums", 2)
                    .members(&["m-1"])
                    .jsonl(
                        "consent_events",
                        &[
                            consent("ce-1", "m-1", "granted"),
                            consent("ce-2", "m-2", "granted"),
                        ],
                    )
                    .write()
            }),
            "consent_events.jsonl:2: member_id: names no member of the site",
        ),
        (
            "sender",
            Box::new(|r: &Path| {
                ExportBuilder::full(r, "c6", "netmums", 2)
                    .members(&["m-1"])
                    .jsonl("consent_events", &[])
                    .jsonl("private_messages", &[message("pm-1", "m-9", &["m-1"])])
                    .write()
            }),
            "private_messages.jsonl:1: sender_id: names no member of the site",
        ),
        (
            "checksum",
            Box::new(|r: &Path| {
                let d = ExportBuilder::full(r, "c7", "netmums", 2)
                    .members(&["m-1"])
                    .jsonl("consent_events", &[])
                    .write();
                std::fs::write(d.join("members.csv"), members_csv(&[&member("m-2")])).unwrap();
                d
            }),
            "members.csv: sha256: does not match its contents (manifest.json:",
        ),
        (
            "rows",
            Box::new(|r: &Path| {
                ExportBuilder::full(r, "c8", "netmums", 2)
                    .file("members", "members.csv", &members_csv(&[&member("m-1")]), 2)
                    .jsonl("consent_events", &[])
                    .write()
            }),
            "members.csv: rows: the manifest says 2 rows, the file has 1 (manifest.json:",
        ),
        (
            "unlisted",
            Box::new(|r: &Path| {
                let d = ExportBuilder::full(r, "c9", "netmums", 2)
                    .members(&["m-1"])
                    .jsonl("consent_events", &[])
                    .write();
                std::fs::write(d.join("extra.csv"), "a\n1\n").unwrap();
                d
            }),
            "manifest.json:",
        ),
        (
            "version",
            Box::new(|r: &Path| {
                let mut b = ExportBuilder::full(r, "c10", "netmums", 2)
                    .members(&["m-1"])
                    .jsonl("consent_events", &[]);
                b.manifest_override = Some(Box::new(|m| m["format_version"] = json!(2)));
                b.write()
            }),
            "manifest.json:3: format_version:",
        ),
        (
            "missing required file",
            Box::new(|r: &Path| {
                ExportBuilder::full(r, "c11", "netmums", 2)
                    .members(&["m-1"])
                    .write()
            }),
            "manifest.json:",
        ),
        (
            "deletions twice",
            Box::new(|r: &Path| {
                ExportBuilder::delta(r, "c12", "netmums", 2, 1)
                    .members(&[])
                    .jsonl("consent_events", &[])
                    .csv(
                        "deletions",
                        "entity,id,deleted_at",
                        &[
                            "posts,p-1,2026-11-02T01:00:00Z".into(),
                            "posts,p-1,2026-11-02T01:00:00Z".into(),
                        ],
                    )
                    .write()
            }),
            "deletions.csv:3: id: the same row is deleted twice (first at line 2)",
        ),
    ];
    let before = snapshot(&vault);
    for (name, make, want) in cases {
        let export = make(root.path());
        match sync(&vault, &export) {
            Err(Error::Refused(p)) => {
                let first = p.items()[0].to_string();
                assert!(
                    first.starts_with(want),
                    "{name}: got {first:?}, want {want:?}"
                );
            }
            other => panic!("{name}: expected a refusal, got {other:?}"),
        }
        assert_eq!(snapshot(&vault), before, "{name} changed the vault");
    }
    // The refusals are in the audit trail.
    let events = dpo(&vault).audit_list(&Default::default(), t(9)).unwrap();
    assert!(
        events
            .iter()
            .filter(|e| e.action == "sync" && e.outcome == "refused")
            .count()
            >= 12
    );
}
