//! full → delta → delta chains stay valid: references, deletions, sequences.

mod gen_common;

use export_format::Entity;
use export_gen::{generate, NoProgress};
use gen_common::*;
use std::collections::BTreeSet;

fn delta_of(base: &std::path::Path, changes: u64, seed: u64) -> export_gen::GenOptions {
    let mut o = opts(0, seed);
    o.delta_of = Some(base.to_path_buf());
    o.changes = changes;
    o
}

#[test]
fn full_delta_delta_chain_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    gen(&opts(3000, 9), &full);
    let mut vault = Vault::default();
    let x0 = load(&full);
    vault.apply(&x0);
    let mut prev = full;
    let mut deleted: BTreeSet<String> = BTreeSet::new();
    let mut all_members: BTreeSet<String> = vault.members();
    for (i, changes) in [2000u64, 1500, 800].into_iter().enumerate() {
        let out = dir.path().join(format!("delta{i}"));
        let mut o = delta_of(&prev, changes, 100 + i as u64);
        o.zip = i == 1;
        o.gzip = i == 2;
        let s = gen(&o, &out);
        assert_eq!(s.kind, "delta");
        assert_eq!(s.sequence, i as i64 + 2);
        let x = load(&s.path);
        assert_eq!(x.manifest["kind"], "delta");
        assert_eq!(x.manifest["base_sequence"], i as i64 + 1);
        let prev_at = load(&prev).manifest["generated_at"].clone();
        let at = chrono::DateTime::parse_from_rfc3339(x.manifest["generated_at"].as_str().unwrap())
            .unwrap();
        let pat = chrono::DateTime::parse_from_rfc3339(prev_at.as_str().unwrap()).unwrap();
        assert_eq!((at - pat).num_seconds(), 86_400);
        // About `changes` rows in all.
        let total: usize = x.rows.values().map(|v| v.len()).sum();
        assert!(
            total as f64 > changes as f64 * 0.5 && (total as f64) < changes as f64 * 1.6,
            "{total} rows for {changes} changes"
        );
        // Has updates, new members, new activity and deletions.
        let members = x.rows(Entity::Members);
        assert!(
            members.iter().any(|r| all_members.contains(&r.id)),
            "no updated members"
        );
        assert!(
            members.iter().any(|r| !all_members.contains(&r.id)),
            "no new members"
        );
        for e in [
            Entity::ConsentEvents,
            Entity::Posts,
            Entity::LoginEvents,
            Entity::Deletions,
        ] {
            assert!(!x.rows(e).is_empty(), "{e} empty");
        }
        let dels = x.rows(Entity::Deletions);
        assert!(dels.iter().any(|d| d.fields["entity"] == "members"));
        assert!(dels.iter().any(|d| d.fields["entity"] == "posts"));
        // Never touches a member deleted earlier.
        for e in Entity::DATA {
            for r in x.rows(e) {
                if let Some(m) = &r.member {
                    assert!(!deleted.contains(m), "{e} row {} for deleted {m}", r.id);
                }
                if e == Entity::Members {
                    assert!(!deleted.contains(&r.id));
                }
            }
        }
        // Every file listed has rows, except deletions.csv which is always there.
        for f in x.manifest["files"].as_array().unwrap() {
            assert!(f["rows"].as_u64().unwrap() > 0 || f["entity"] == "deletions");
        }
        vault.apply(&x); // checks deletions name existing rows and references
        for d in dels.iter().filter(|d| d.fields["entity"] == "members") {
            deleted.insert(d.fields["id"].as_str().unwrap().to_string());
        }
        all_members.extend(members.iter().map(|r| r.id.clone()));
        assert_eq!(
            x.manifest["generator"]["deleted_members"]
                .as_array()
                .unwrap()
                .len(),
            deleted.len()
        );
        prev = s.path;
    }
    // Member rows of updated members stay consistent: a later delta does not
    // undo an earlier email change (replayed state).
    assert!(vault.members().len() > 3000);
}

#[test]
fn delta_updates_persist_along_the_chain() {
    // Generate two deltas; any member updated in both keeps the first
    // delta's email unless the second changed it again.
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    gen(&opts(500, 3), &full);
    let d1 = dir.path().join("d1");
    gen(&delta_of(&full, 3000, 1), &d1);
    let d2 = dir.path().join("d2");
    gen(&delta_of(&d1, 3000, 2), &d2);
    let base = load(&full);
    let x1 = load(&d1);
    let x2 = load(&d2);
    let email = |x: &Export, id: &str| {
        x.rows(Entity::Members)
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.fields.get("email").cloned())
    };
    let mut changed_then_kept = 0;
    for r in x1.rows(Entity::Members) {
        let (Some(e0), Some(e1), Some(e2)) =
            (email(&base, &r.id), email(&x1, &r.id), email(&x2, &r.id))
        else {
            continue;
        };
        if e0 != e1 {
            // Changed in d1: d2 must not revert it.
            assert_ne!(e2, e0, "{} reverted to its old email", r.id);
            changed_then_kept += 1;
        }
    }
    assert!(
        changed_then_kept > 0,
        "no member changed email in d1 and reappeared in d2"
    );
}

#[test]
fn a_base_without_generator_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    gen(&opts(50, 1), &full);
    let p = full.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    m.as_object_mut().unwrap().remove("generator");
    std::fs::write(&p, serde_json::to_vec(&m).unwrap()).unwrap();
    let err = generate(&delta_of(&full, 100, 1), &dir.path().join("d"), &NoProgress).unwrap_err();
    assert_eq!(err.code(), "invalid");
    assert!(err.to_string().contains("generator"), "{err}");
    assert!(!dir.path().join("d").exists());
}

#[test]
fn a_delta_of_a_zip_works() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(300, 5);
    o.zip = true;
    let z = gen(&o, &dir.path().join("full.zip")).path;
    let s = gen(&delta_of(&z, 200, 1), &dir.path().join("d"));
    let mut v = Vault::default();
    v.apply(&load(&z));
    v.apply(&load(&s.path));
}
