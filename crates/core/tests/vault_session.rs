//! The vault and the session: credentials, keyslots, roles, rekey, migrations
//! and the audit chain (vault-and-access-v1 §1–§3).

use chrono::{DateTime, TimeZone, Utc};
use desk_core::chain::FailureKind;
use desk_core::vault::keys::{self, slot_tag, KeySet, SlotFile};
use desk_core::vault::open::{open, Db};
use desk_core::vault::raw::{open_raw, user_keys};
use desk_core::vault::VaultPaths;
use desk_core::{Error, Role, Session};
use std::path::Path;

fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, 0, 0).unwrap()
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    desk_core::vault::keys::use_test_cost(true);
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault");
    let s = Session::create(&vault, "alice", "alice-password", t(1)).unwrap();
    s.add_user("sam", Role::Staff, "sam-password", t(1))
        .unwrap();
    s.add_user("ada", Role::Auditor, "ada-password", t(1))
        .unwrap();
    (dir, vault)
}

/// A user's keys, as a test with their password can recover them.
fn vault_keys(vault: &Path, user: &str, pw: &str) -> KeySet {
    user_keys(vault, user, pw).unwrap()
}

fn opens(vault: &Path, db: Db, key: &keys::Key) -> bool {
    let p = VaultPaths::new(vault);
    let path = if db == Db::Data { p.db() } else { p.logs() };
    open(&path, key, db, std::time::Duration::from_secs(5)).is_ok()
}

#[test]
fn wrong_password_and_unknown_user_get_one_answer_and_are_logged() {
    let (_d, vault) = setup();
    let a = Session::unlock(&vault, "alice", "not-her-password", t(2)).unwrap_err();
    let b = Session::unlock(&vault, "nobody", "whatever-pass", t(2)).unwrap_err();
    assert!(matches!(a, Error::BadCredentials));
    assert!(matches!(b, Error::BadCredentials));
    assert_eq!(a.to_string(), b.to_string());
    let log = std::fs::read_to_string(vault.join("failed-unlocks.log")).unwrap();
    assert_eq!(log.lines().count(), 2);
    assert!(log.contains("\"nobody\"") && !log.contains("not-her-password"));

    // The next successful unlock takes them into the audit trail, as what
    // the file reports (anyone who can write the folder could forge it).
    let s = Session::unlock(&vault, "alice", "alice-password", t(3)).unwrap();
    let events = s.audit_list(&Default::default(), t(3)).unwrap();
    let failed: Vec<_> = events
        .iter()
        .filter(|e| e.action == "sign_in_failure_reported" && e.outcome == "failed")
        .collect();
    assert_eq!(failed.len(), 2);
    assert_eq!(
        failed[1].detail.as_ref().unwrap()["reported_user"],
        "nobody"
    );
    assert_eq!(
        failed[1].detail.as_ref().unwrap()["reported_by"],
        "failed-unlocks.log"
    );
    assert_eq!(
        failed[1].user.as_deref(),
        Some("alice"),
        "recorded by who took it in"
    );
    assert!(s.audit_verify(None, t(3)).unwrap().ok);
    drop(s);
    // Taken in once: the next sign-in adds nothing.
    let s = Session::unlock(&vault, "alice", "alice-password", t(4)).unwrap();
    let again = s.audit_list(&Default::default(), t(4)).unwrap();
    assert_eq!(
        again
            .iter()
            .filter(|e| e.action == "sign_in_failure_reported")
            .count(),
        2
    );
}

#[test]
fn keyslots_name_nobody_and_editing_them_grants_nothing() {
    let (_d, vault) = setup();
    let path = VaultPaths::new(&vault).slots();
    let text = std::fs::read_to_string(&path).unwrap();
    // Only names long enough that random base64 can't produce them by chance.
    for word in ["alice", "auditor", "\"role\"", "\"name\"", "\"user\""] {
        assert!(!text.contains(word), "keyslots.json mentions {word}");
    }
    // Put sam's slot under alice's tag: sam's password must not open "alice".
    let mut f = SlotFile::read(&path).unwrap();
    let sam = f.find(&slot_tag(&f.vault_id, "sam")).unwrap().clone();
    let alice_tag = slot_tag(&f.vault_id, "alice");
    for s in &mut f.slots {
        if s.tag == alice_tag {
            let tag = s.tag.clone();
            *s = sam.clone();
            s.tag = tag;
        }
    }
    f.write(&path).unwrap();
    assert!(matches!(
        Session::unlock(&vault, "alice", "sam-password", t(2)),
        Err(Error::BadCredentials)
    ));
    // …and alice is locked out (the edit can lock out, never let in).
    assert!(Session::unlock(&vault, "alice", "alice-password", t(2)).is_err());
    // sam is still staff.
    let s = Session::unlock(&vault, "sam", "sam-password", t(2)).unwrap();
    assert_eq!(s.user().role, Role::Staff);
}

#[test]
fn roles_are_enforced_and_refusals_audited() {
    let (_d, vault) = setup();
    let staff = Session::unlock(&vault, "sam", "sam-password", t(2)).unwrap();
    let e = staff
        .add_user("eve", Role::Dpo, "eve-password", t(2))
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden { .. }), "{e}");
    assert!(matches!(
        staff.hold_set("netmums", "m-1", "x", t(2)),
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        staff.audit_list(&Default::default(), t(2)),
        Err(Error::Forbidden { .. })
    ));
    let auditor = Session::unlock(&vault, "ada", "ada-password", t(2)).unwrap();
    let auditor = auditor;
    assert!(matches!(
        auditor.sync(
            Path::new("/nonexistent"),
            t(2),
            &desk_core::progress::NoProgress
        ),
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        auditor.list_users(t(2)),
        Err(Error::Forbidden { .. })
    ));
    // The auditor can read the trail and sees the refusals.
    let events = auditor.audit_list(&Default::default(), t(3)).unwrap();
    let refused: Vec<_> = events
        .iter()
        .filter(|e| e.outcome == "refused")
        .map(|e| (e.user.clone().unwrap(), e.action.clone()))
        .collect();
    for want in [
        ("sam", "manage_users"),
        ("sam", "legal_hold"),
        ("sam", "read_audit"),
        ("ada", "sync"),
        ("ada", "manage_users"),
    ] {
        assert!(
            refused.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} not in {refused:?}"
        );
    }
    let v = auditor.audit_verify(None, t(3)).unwrap();
    assert!(v.ok, "{v:?}");
}

#[test]
fn removing_a_user_with_rekey_makes_the_old_keys_useless() {
    let (_d, vault) = setup();
    let old = vault_keys(&vault, "sam", "sam-password");
    let old_data = old.data.clone().unwrap();
    assert!(opens(&vault, Db::Data, &old_data) && opens(&vault, Db::Logs, &old.logs));
    let s = Session::unlock(&vault, "alice", "alice-password", t(2)).unwrap();
    s.remove_user("sam", true, t(2)).unwrap();
    drop(s);
    assert!(!opens(&vault, Db::Data, &old_data));
    assert!(!opens(&vault, Db::Logs, &old.logs));
    assert!(matches!(
        Session::unlock(&vault, "sam", "sam-password", t(3)),
        Err(Error::BadCredentials)
    ));
    // Everyone else still gets in, with the new keys.
    Session::unlock(&vault, "alice", "alice-password", t(3)).unwrap();
    Session::unlock(&vault, "ada", "ada-password", t(3)).unwrap();
    let new = vault_keys(&vault, "ada", "ada-password");
    assert_ne!(*new.logs, *old.logs);
    let alice = vault_keys(&vault, "alice", "alice-password");
    assert!(opens(&vault, Db::Data, alice.data.as_ref().unwrap()));
    let events = Session::unlock(&vault, "alice", "alice-password", t(4))
        .unwrap()
        .audit_list(&Default::default(), t(4))
        .unwrap();
    let removed = events.iter().find(|e| e.action == "user_removed").unwrap();
    assert_eq!(removed.detail.as_ref().unwrap()["rekey"], true);
}

#[test]
fn an_interrupted_key_operation_is_finished_at_the_next_unlock() {
    use desk_core::session::keyop::Record;
    let (_d, vault) = setup();
    let paths = VaultPaths::new(&vault);
    // A password change whose process died after writing its record: the
    // record holds the slot file as it must end up.
    let f = SlotFile::read(&paths.slots()).unwrap();
    let tag = slot_tag(&f.vault_id, "sam");
    let slot = f.find(&tag).unwrap();
    let id = keys::open_identity(&f.vault_id, slot, "sam-password").unwrap();
    let new = keys::rewrap(&f.vault_id, "sam", "sam-changed-password", &id, slot).unwrap();
    let mut target = f.clone();
    target.upsert(new);
    let rec = Record::new("password_changed", "sam", t(2), target);
    std::fs::write(paths.keyop(), serde_json::to_vec(&rec).unwrap()).unwrap();
    // The next one to sign in (anyone) finishes it.
    let s = Session::unlock(&vault, "ada", "ada-password", t(3)).unwrap();
    assert!(!paths.keyop().exists());
    let events = s.audit_list(&Default::default(), t(3)).unwrap();
    let fin = events
        .iter()
        .find(|e| e.action == "key_operation_finished")
        .expect("the finish is recorded");
    assert_eq!(fin.user.as_deref(), Some("ada"));
    drop(s);
    assert!(Session::unlock(&vault, "sam", "sam-password", t(4)).is_err());
    Session::unlock(&vault, "sam", "sam-changed-password", t(4)).unwrap();
}

#[test]
fn password_change_rewraps_one_slot() {
    let (_d, vault) = setup();
    let paths = VaultPaths::new(&vault);
    let before = SlotFile::read(&paths.slots()).unwrap();
    let s = Session::unlock(&vault, "sam", "sam-password", t(2)).unwrap();
    assert!(matches!(
        s.change_password("short", t(2)),
        Err(Error::Invalid(_))
    ));
    s.change_password("sam-new-password", t(2)).unwrap();
    drop(s);
    let after = SlotFile::read(&paths.slots()).unwrap();
    let sam_tag = slot_tag(&before.vault_id, "sam");
    for (a, b) in before.slots.iter().zip(&after.slots) {
        assert_eq!(a.tag, b.tag);
        assert_eq!(a.wrapped_secret == b.wrapped_secret, a.tag != sam_tag);
    }
    assert!(Session::unlock(&vault, "sam", "sam-password", t(3)).is_err());
    Session::unlock(&vault, "sam", "sam-new-password", t(3)).unwrap();
}

#[test]
fn user_management_guards() {
    let (_d, vault) = setup();
    let s = Session::unlock(&vault, "alice", "alice-password", t(2)).unwrap();
    assert!(matches!(
        s.add_user("sam", Role::Dpo, "another-password", t(2)),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        s.add_user("bad name", Role::Dpo, "another-password", t(2)),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        s.remove_user("alice", false, t(2)),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        s.set_role("alice", Role::Staff, t(2)),
        Err(Error::Invalid(_))
    ));
    s.set_role("sam", Role::Auditor, t(2)).unwrap();
    let users = s.list_users(t(2)).unwrap();
    assert_eq!(
        users
            .iter()
            .map(|u| (u.name.as_str(), u.role))
            .collect::<Vec<_>>(),
        vec![
            ("ada", Role::Auditor),
            ("alice", Role::Dpo),
            ("sam", Role::Auditor)
        ]
    );
    assert!(matches!(
        Session::create(&vault, "x", "xxxxxxxxxx", t(2)),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn a_vault_from_a_newer_desk_is_refused() {
    let (_d, vault) = setup();
    let raw = open_raw(&vault, "alice", "alice-password").unwrap();
    raw.logs.pragma_update(None, "user_version", 99).unwrap();
    raw.data
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let e = Session::unlock(&vault, "alice", "alice-password", t(2)).unwrap_err();
    assert!(matches!(e, Error::NewerVault { found: 99, .. }), "{e}");
}

#[test]
fn tampering_with_the_audit_trail_is_detected() {
    let (_d, vault) = setup();
    let s = Session::unlock(&vault, "alice", "alice-password", t(2)).unwrap();
    let head = s.audit_verify(None, t(2)).unwrap().head;
    drop(s);
    let conn = open_raw(&vault, "alice", "alice-password").unwrap().logs;
    conn.execute("UPDATE audit SET user = 'mallory' WHERE seq = 2", [])
        .unwrap();
    drop(conn);
    let s = Session::unlock(&vault, "alice", "alice-password", t(3)).unwrap();
    let v = s.audit_verify(Some(&head), t(3)).unwrap();
    let f = v.failure.unwrap();
    assert_eq!((f.seq, f.kind), (2, FailureKind::Changed));
    drop(s);

    // Removing an event is found too.
    let conn = open_raw(&vault, "alice", "alice-password").unwrap().logs;
    conn.execute("UPDATE audit SET user = 'alice' WHERE seq = 2", [])
        .unwrap();
    conn.execute("DELETE FROM audit WHERE seq = 3", []).unwrap();
    drop(conn);
    let s = Session::unlock(&vault, "alice", "alice-password", t(4)).unwrap();
    let f = s.audit_verify(None, t(4)).unwrap().failure.unwrap();
    assert_eq!((f.seq, f.kind), (4, FailureKind::Missing));
}

#[test]
fn the_database_is_not_readable_without_the_key() {
    let (_d, vault) = setup();
    for file in ["vault.db", "logs.db"] {
        let bytes = std::fs::read(vault.join(file)).unwrap();
        assert!(!bytes.starts_with(b"SQLite format 3"));
        for word in [&b"alice"[..], b"users", b"CREATE TABLE"] {
            assert!(
                !bytes.windows(word.len()).any(|w| w == word),
                "{file} holds {:?} in clear",
                String::from_utf8_lossy(word)
            );
        }
    }
}
