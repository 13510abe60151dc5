//! Every use case goes through the session's one door: for every action of
//! the role table, a use case that needs it is refused to a role without it,
//! the refusal is in the audit trail, and nothing changed. And no area
//! writes the audit trail but through the door.

mod common;

use common::*;
use desk_core::requests::calendar::Region;
use desk_core::{Action, Error, Role, Session};
use std::path::Path;

fn vault() -> (tempfile::TempDir, std::path::PathBuf) {
    desk_core::vault::keys::use_test_cost(true);
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("vault");
    let s = Session::create(&v, "dpo", "dpo-password", t(1)).unwrap();
    s.add_user("sam", Role::Staff, "sam-password", t(1))
        .unwrap();
    s.add_user("ada", Role::Auditor, "ada-password", t(1))
        .unwrap();
    let ex = ExportBuilder::full(dir.path(), "e1", "netmums", 1)
        .members(&["m-1"])
        .jsonl("consent_events", &[])
        .write();
    s.sync(&ex, t(1), &desk_core::progress::NoProgress).unwrap();
    (dir, v)
}

/// A use case needing `a`, called on `s`. Exhaustive: a new action does not
/// compile until it has one here.
fn attempt(a: Action, s: &Session, dir: &Path) -> desk_core::Result<()> {
    use desk_core::progress::NoProgress;
    let now = t(3);
    match a {
        Action::Sync => s
            .sync(&dir.join("missing-export"), now, &NoProgress)
            .map(|_| ()),
        Action::ReadMembers => s
            .search("m-1@example.org", &Default::default(), now)
            .map(|_| ()),
        Action::RequestRegister => s.request_list(&Default::default(), now).map(|_| ()),
        Action::RequestBundle => s
            .bundle(
                "netmums",
                "m-1",
                &dir.join("b.zip"),
                &Default::default(),
                now,
                &NoProgress,
            )
            .map(|_| ()),
        Action::RequestSettings => s.request_set_calendar("netmums", Region::Scotland, now),
        Action::ChangeRequests => s
            .request_open(
                "netmums",
                "m-1",
                chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                "email",
                "",
                None,
                false,
                now,
            )
            .map(|_| ()),
        Action::RecordDisclosure => s.disclosure_record(&serde_json::json!({}), now).map(|_| ()),
        Action::AmendDisclosure => s.disclosure_review("D-000001", "note", now).map(|_| ()),
        Action::ReadDisclosures => s.disclosure_list(now).map(|_| ()),
        Action::Hold => s.hold_set("netmums", "m-1", "reason", now),
        Action::ManageUsers => s.add_user("eve", Role::Dpo, "eve-password", now),
        Action::ReadAudit => s.audit_list(&Default::default(), now).map(|_| ()),
        Action::ReadStatus => s.status(now).map(|_| ()),
        Action::ChangeOwnPassword => Ok(()),
        Action::ReadPrivacyFacts => s.privacy_facts("netmums", now).map(|_| ()),
        Action::PrivacyFacts => s.privacy_facts_set(
            "netmums",
            &desk_core::PrivacyFacts::default_for("netmums"),
            now,
        ),
    }
}

#[test]
fn every_action_is_refused_to_a_role_without_it_and_the_refusal_is_audited() {
    let (dir, v) = vault();
    let users = [
        ("dpo", Role::Dpo),
        ("sam", Role::Staff),
        ("ada", Role::Auditor),
    ];
    let mut refusals = 0;
    for &a in Action::ALL {
        for (name, role) in users {
            if a.allowed_for(role) {
                continue;
            }
            let s = Session::unlock(&v, name, &format!("{name}-password"), t(2)).unwrap();
            let before = snapshot(&v);
            let e = attempt(a, &s, dir.path()).unwrap_err();
            assert!(matches!(e, Error::Forbidden { .. }), "{a:?} as {name}: {e}");
            assert_eq!(snapshot(&v), before, "{a:?} as {name} changed the data");
            let dpo = Session::unlock(&v, "dpo", "dpo-password", t(4)).unwrap();
            let last = dpo
                .audit_list(&Default::default(), t(4))
                .unwrap()
                .into_iter()
                .rfind(|e| e.user.as_deref() == Some(name) && e.outcome == "refused")
                .unwrap_or_else(|| panic!("{a:?} refused to {name} is not in the trail"));
            assert_eq!(last.action, a.name(), "{a:?} as {name}");
            refusals += 1;
        }
    }
    assert!(refusals >= 15, "{refusals}");
}

#[test]
fn only_the_door_writes_the_audit_trail() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(&src).unwrap().to_string_lossy().to_string();
            if rel.starts_with("session/") || rel == "trail.rs" {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for needle in [
                "trail::append",
                "append_owned",
                "outbox_add",
                "INSERT INTO audit",
            ] {
                if text.contains(needle) {
                    offenders.push(format!("{rel}: {needle}"));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:?}");
}
