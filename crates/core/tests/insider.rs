//! An insider with a password and a hex editor: what they can change in the
//! vault's files, and how each change is caught and named (issue #17).

use chrono::{DateTime, TimeZone, Utc};
use desk_core::chain::FailureKind;
use desk_core::vault::keys::{self, slot_tag, SlotFile};
use desk_core::vault::open::{open, Db};
use desk_core::vault::raw::{open_raw, user_keys};
use desk_core::vault::VaultPaths;
use desk_core::{Error, Role, Session};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, 0, 0).unwrap()
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    desk_core::vault::keys::use_test_cost(true);
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault");
    let s = Session::create(&vault, "dina", "dina-password", t(1)).unwrap();
    s.add_user("sam", Role::Staff, "sam-password", t(1))
        .unwrap();
    s.add_user("ada", Role::Auditor, "ada-password", t(1))
        .unwrap();
    (dir, vault)
}

fn unlock(v: &Path, u: &str) -> Session {
    Session::unlock(v, u, &format!("{u}-password"), t(2)).unwrap()
}

#[test]
fn a_slot_relabelled_to_the_dpo_opens_nothing() {
    let (_d, vault) = setup();
    let path = VaultPaths::new(&vault).slots();
    let mut f = SlotFile::read(&path).unwrap();
    // sam opens his own slot (his password, the documented format) and
    // wraps his own secret under dina's tag, with his own password.
    let sam = f.find(&slot_tag(&f.vault_id, "sam")).unwrap().clone();
    let id = keys::open_identity(&f.vault_id, &sam, "sam-password").unwrap();
    let forged = keys::rewrap(&f.vault_id, "dina", "sam-password", &id, &sam).unwrap();
    f.upsert(forged);
    f.write(&path).unwrap();
    let e = Session::unlock(&vault, "dina", "sam-password", t(2)).unwrap_err();
    assert!(matches!(e, Error::BadCredentials), "{e}");
    // The attempt is on the record.
    let log = std::fs::read_to_string(vault.join("failed-unlocks.log")).unwrap();
    assert!(log.contains("\"dina\""));
}

#[test]
fn a_role_raised_with_the_logs_key_gives_nothing_and_is_named() {
    let (_d, vault) = setup();
    let raw = open_raw(&vault, "sam", "sam-password").unwrap();
    raw.logs
        .execute("UPDATE users SET role = 'dpo' WHERE name = 'sam'", [])
        .unwrap();
    drop(raw);
    let sam = unlock(&vault, "sam");
    assert_eq!(
        sam.user().role,
        Role::Staff,
        "the role comes from the signed grants"
    );
    let e = sam
        .add_user("mallory", Role::Dpo, "mallory-password", t(3))
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden { .. }), "{e}");
    let v = unlock(&vault, "ada").audit_verify(None, t(3)).unwrap();
    assert!(!v.ok);
    let f = v.failure.unwrap();
    assert_eq!(f.kind, FailureKind::NotAuthorised);
    assert!(
        f.message.contains("sam") && f.message.contains("dpo"),
        "{}",
        f.message
    );
}

#[test]
fn a_user_added_behind_the_desks_back_cannot_sign_in() {
    let (_d, vault) = setup();
    // With the logs key, sam writes a users row and a slot for "eve" (dpo).
    let f = SlotFile::read(&VaultPaths::new(&vault).slots()).unwrap();
    let sam_keys = user_keys(&vault, "sam", "sam-password").unwrap();
    let eve = keys::Identity::generate();
    let slot = keys::make_slot(&f.vault_id, "eve", "eve-password", &eve, &sam_keys).unwrap();
    let raw = open_raw(&vault, "sam", "sam-password").unwrap();
    raw.logs
        .execute(
            "INSERT INTO users (name, role, slot_tag, public_key, created_at, created_by)
             VALUES ('eve', 'dpo', ?1, ?2, '2026-11-23T01:00:00.000Z', 'dina')",
            rusqlite::params![slot.tag, eve.public_key().to_vec()],
        )
        .unwrap();
    drop(raw);
    let mut f = f;
    f.upsert(slot);
    f.write(&VaultPaths::new(&vault).slots()).unwrap();
    assert!(matches!(
        Session::unlock(&vault, "eve", "eve-password", t(3)),
        Err(Error::BadCredentials)
    ));
    let v = unlock(&vault, "dina").audit_verify(None, t(3)).unwrap();
    let f = v.failure.unwrap();
    assert!(
        f.message.contains("eve") && f.message.contains("behind the desk's back"),
        "{}",
        f.message
    );
}

#[test]
fn a_disclosure_rewritten_with_a_recomputed_chain_is_caught_by_its_signature() {
    let (d, vault) = setup();
    let dina = unlock(&vault, "dina");
    let export = d.path().join("e");
    std::fs::create_dir_all(&export).unwrap();
    let members = "member_id,username,email,signup_at,status,updated_at\nm-1,a,a@x.org,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z\n";
    std::fs::write(export.join("members.csv"), members).unwrap();
    std::fs::write(export.join("consent_events.jsonl"), "").unwrap();
    use sha2::Digest;
    let sha = |s: &str| hex::encode(sha2::Sha256::digest(s.as_bytes()));
    std::fs::write(
        export.join("manifest.json"),
        serde_json::json!({"format": "forum-export", "format_version": 1, "site": "netmums",
            "kind": "full", "sequence": 1, "base_sequence": null, "generated_at": "2026-11-20T02:00:00Z",
            "files": [{"path": "members.csv", "entity": "members", "rows": 1, "sha256": sha(members)},
                      {"path": "consent_events.jsonl", "entity": "consent_events", "rows": 0, "sha256": sha("")}]})
            .to_string(),
    )
    .unwrap();
    dina.sync(&export, t(2), &desk_core::progress::NoProgress)
        .unwrap();
    let entry = serde_json::json!({
        "site": "netmums", "member_ids": ["m-1"], "disclosed_at": "2026-11-20T10:00:00Z",
        "recipient": {"organisation": "County Police", "team": "CP", "officer": "DC Smith", "contact": "x@y"},
        "request_reference": "R-1", "urgent": false, "lawful_basis": "uk_gdpr_6_1_c_legal_obligation",
        "triggered_by": [], "data_categories": ["identity"], "items_disclosed": ["email"],
        "necessity_and_proportionality": "asked", "authorised_by": "DPO", "member_informed": true
    });
    let sam = unlock(&vault, "sam");
    sam.disclosure_record(&entry, t(3)).unwrap();
    dina.disclosure_record(&entry, t(3)).unwrap();
    drop((sam, dina));
    // ada (auditor, with the logs key) rewrites entry 1 and recomputes every
    // hash from there, so the chain alone verifies.
    let raw = open_raw(&vault, "ada", "ada-password").unwrap();
    let rows: Vec<(i64, String)> = raw
        .logs
        .prepare("SELECT seq, content FROM disclosures ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut prev = desk_core::chain::GENESIS.to_string();
    for (seq, content) in rows {
        let mut c: serde_json::Value = serde_json::from_str(&content).unwrap();
        if seq == 1 {
            c["recipient"]["organisation"] = "Someone else".into();
        }
        let hash = desk_core::chain::link_hash(&prev, &c);
        raw.logs
            .execute(
                "UPDATE disclosures SET content = ?2, prev_hash = ?3, hash = ?4 WHERE seq = ?1",
                rusqlite::params![seq, desk_core::chain::canonical_json(&c), prev, hash],
            )
            .unwrap();
        prev = hash;
    }
    drop(raw);
    let v = unlock(&vault, "ada").disclosure_verify(None, t(4)).unwrap();
    assert!(!v.ok);
    let f = v.failure.unwrap();
    assert_eq!((f.seq, f.kind), (1, FailureKind::BadSignature));
    assert!(
        f.message.contains("D-000001") && f.message.contains("sam"),
        "{}",
        f.message
    );
    // …and the failed verification is recorded as failed.
    let ev = unlock(&vault, "dina")
        .audit_list(&Default::default(), t(5))
        .unwrap()
        .into_iter()
        .rfind(|e| e.action == "disclosure_verify")
        .unwrap();
    assert_eq!(ev.outcome, "failed");
}

#[test]
fn audit_events_deleted_with_a_recomputed_chain_are_caught() {
    let (_d, vault) = setup();
    let dina = unlock(&vault, "dina");
    // A verification records the head it saw.
    assert!(dina.audit_verify(None, t(3)).unwrap().ok);
    for _ in 0..3 {
        dina.status(t(3)).unwrap();
        dina.hold_list(t(3)).unwrap();
    }
    drop(dina);
    // sam deletes events 2-4 and renumbers and re-chains what follows.
    let raw = open_raw(&vault, "sam", "sam-password").unwrap();
    raw.logs
        .execute("DELETE FROM audit WHERE seq BETWEEN 2 AND 4", [])
        .unwrap();
    type Row = (
        i64,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = raw
        .logs
        .prepare("SELECT seq, at, user, action, site, member_id, outcome, detail FROM audit ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut prev = desk_core::chain::GENESIS.to_string();
    for (i, (seq, at, user, action, site, member, outcome, detail)) in rows.into_iter().enumerate()
    {
        let new = i as i64 + 1;
        let c = serde_json::json!({"seq": new, "at": at, "user": user, "action": action, "site": site,
            "member_id": member, "outcome": outcome, "detail": detail});
        let hash = desk_core::chain::link_hash(&prev, &c);
        raw.logs
            .execute(
                "UPDATE audit SET seq = ?2, prev_hash = ?3, hash = ?4 WHERE seq = ?1",
                rusqlite::params![seq, new, prev, hash],
            )
            .unwrap();
        prev = hash;
    }
    drop(raw);
    let v = unlock(&vault, "ada").audit_verify(None, t(4)).unwrap();
    assert!(!v.ok, "{v:?}");
    let f = v.failure.unwrap();
    assert!(
        matches!(
            f.kind,
            FailureKind::BadSignature | FailureKind::RecordedHeadChanged
        ),
        "{f:?}"
    );
}

#[test]
fn an_auditors_keys_open_no_member_data_even_with_sqlcipher() {
    let (_d, vault) = setup();
    let k = user_keys(&vault, "ada", "ada-password").unwrap();
    assert!(k.data.is_none() && k.field.is_none());
    let p = VaultPaths::new(&vault);
    let busy = Duration::from_secs(5);
    assert!(open(&p.db(), &k.logs, Db::Data, busy).is_err());
    assert!(open(&p.logs(), &k.logs, Db::Logs, busy).is_ok());
}

#[test]
fn absurd_slot_costs_are_refused_within_a_second() {
    let (_d, vault) = setup();
    let path = VaultPaths::new(&vault).slots();
    let mut f = SlotFile::read(&path).unwrap();
    let tag = slot_tag(&f.vault_id, "sam");
    for s in &mut f.slots {
        if s.tag == tag {
            s.cost.passes = u32::MAX;
        }
    }
    f.write(&path).unwrap();
    let started = Instant::now();
    let e = Session::unlock(&vault, "sam", "sam-password", t(2)).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(e.code(), "bad_vault");
    assert!(e.to_string().contains("key-derivation cost"), "{e}");
}

/// Flip one byte of `file` at `offset`.
fn flip(file: &Path, offset: u64) {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(file)
        .unwrap();
    f.seek(SeekFrom::Start(offset)).unwrap();
    let mut b = [0u8];
    f.read_exact(&mut b).unwrap();
    f.seek(SeekFrom::Start(offset)).unwrap();
    f.write_all(&[b[0] ^ 0x5a]).unwrap();
}

fn checkpoint(vault: &Path) {
    let raw = open_raw(vault, "dina", "dina-password").unwrap();
    for c in [Some(&raw.logs), raw.data.as_ref()].into_iter().flatten() {
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
}

#[test]
fn a_damaged_first_page_says_damaged_not_wrong_key() {
    let (_d, vault) = setup();
    checkpoint(&vault);
    flip(&vault.join("vault.db"), 200);
    let e = Session::unlock(&vault, "dina", "dina-password", t(3)).unwrap_err();
    assert_eq!(e.code(), "damaged", "{e}");
    assert!(
        e.to_string().contains("vault.db") && e.to_string().contains("key is right"),
        "{e}"
    );
}

#[test]
fn a_damaged_log_page_never_verifies_and_is_named() {
    let (_d, vault) = setup();
    let dina = unlock(&vault, "dina");
    for _ in 0..400 {
        dina.hold_list(t(3)).unwrap();
    }
    drop(dina);
    checkpoint(&vault);
    // A byte in a page in the middle of logs.db (an early leaf of the
    // trail; page size 4096).
    let pages = std::fs::metadata(vault.join("logs.db")).unwrap().len() / 4096;
    assert!(pages > 20, "{pages}");
    let page = pages / 2;
    flip(&vault.join("logs.db"), 4096 * (page - 1) + 700);
    // Whoever signs in is told (the page is an early one of the trail,
    // which signing in does not read); verification fails, naming damage.
    let s = Session::unlock(&vault, "dina", "dina-password", t(4)).unwrap();
    assert!(
        s.warnings()
            .iter()
            .any(|w| w.contains("logs.db is damaged")),
        "{:?}",
        s.warnings()
    );
    match s.audit_verify(None, t(4)) {
        Ok(v) => {
            assert!(!v.ok);
            assert_eq!(v.failure.unwrap().kind, FailureKind::Damaged);
        }
        Err(e) => assert_eq!(e.code(), "damaged", "{e}"),
    }
    let c = s.vault_check(t(4)).unwrap();
    assert!(!c.ok);
    assert_eq!(c.files[0].file, "logs.db");
    assert!(c.files[0].failing_pages.contains(&page), "{:?}", c.files[0]);
}

#[test]
fn a_failed_unlock_log_that_shrinks_or_vanishes_is_recorded_and_flagged() {
    let (_d, vault) = setup();
    for _ in 0..3 {
        let _ = Session::unlock(&vault, "dina", "wrong-password", t(2));
    }
    drop(unlock(&vault, "dina"));
    // Someone removes the file to hide the guessing (and a later attempt).
    let _ = Session::unlock(&vault, "dina", "wrong-again", t(3));
    std::fs::remove_file(vault.join("failed-unlocks.log")).unwrap();
    let s = unlock(&vault, "dina");
    assert!(
        s.warnings()
            .iter()
            .any(|w| w.contains("failed-unlocks.log was deleted")),
        "{:?}",
        s.warnings()
    );
    let ev = s.audit_list(&Default::default(), t(4)).unwrap();
    assert!(ev
        .iter()
        .any(|e| e.action == "failed_unlocks_log_altered" && e.outcome == "failed"));
    assert_eq!(
        ev.iter()
            .filter(|e| e.action == "sign_in_failure_reported")
            .count(),
        3
    );
    // A forged line is taken in as what the file reports, no more.
    drop(s);
    std::fs::write(
        vault.join("failed-unlocks.log"),
        "{\"at\":\"1999-01-01T00:00:00Z\",\"user\":\"the-ceo\"}\n",
    )
    .unwrap();
    let s = unlock(&vault, "dina");
    let ev = s.audit_list(&Default::default(), t(5)).unwrap();
    let forged = ev
        .iter()
        .rfind(|e| e.action == "sign_in_failure_reported")
        .unwrap();
    assert_eq!(
        forged.detail.as_ref().unwrap()["reported_by"],
        "failed-unlocks.log"
    );
    assert_eq!(
        forged.detail.as_ref().unwrap()["reported_at"],
        "1999-01-01T00:00:00Z"
    );
    assert_ne!(
        forged.at.get(..4),
        Some("1999"),
        "the event's own time is when it was taken in"
    );
}

#[test]
fn an_outsize_or_deep_entry_is_refused_at_once() {
    let (_d, vault) = setup();
    let dina = unlock(&vault, "dina");
    let mut deep = serde_json::json!(1);
    for _ in 0..100 {
        deep = serde_json::json!([deep]);
    }
    let e = dina
        .disclosure_record(
            &serde_json::json!({"site": "x", "data_categories": deep}),
            t(3),
        )
        .unwrap_err();
    assert!(e.to_string().contains("nested more than"), "{e}");
    let big =
        serde_json::json!({"site": "x", "necessity_and_proportionality": "a".repeat(2 << 20)});
    let e = dina.disclosure_record(&big, t(3)).unwrap_err();
    assert!(e.to_string().contains("larger than"), "{e}");
}

#[test]
fn the_root_fingerprint_is_shown_and_checked() {
    let (_d, vault) = setup();
    let dina = unlock(&vault, "dina");
    let fp = dina.root_fingerprint(t(3)).unwrap().unwrap();
    assert_eq!(fp.replace(' ', "").len(), 64);
    assert!(dina.audit_verify_with(None, Some(&fp), t(3)).unwrap().ok);
    let other = "0".repeat(64);
    let v = dina.audit_verify_with(None, Some(&other), t(3)).unwrap();
    assert!(!v.ok);
    // Every user's desk trusts the same root.
    assert_eq!(
        unlock(&vault, "ada")
            .root_fingerprint(t(3))
            .unwrap()
            .unwrap(),
        fp
    );
}
