//! The home screen: sites, requests due soon and overdue, disclosures this
//! month, open conflicts (not for auditors) and holds.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use common::*;
use desk_core::conflicts::Scope;
use desk_core::progress::NoProgress;
use desk_core::{Role, Session};
use export_gen::GenOptions;
use serde_json::json;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn home_gathers_what_needs_attention() {
    let dir = tempfile::tempdir().unwrap();
    let vault = new_vault(dir.path());
    let s = dpo(&vault);
    s.add_user("ada", Role::Auditor, "ada-password", t(1))
        .unwrap();

    // Nothing yet.
    let h = s.home(t(2)).unwrap();
    assert!(h.sites.is_empty());
    // No conflict check has run: Home does not run one (minutes at scale).
    assert_eq!(h.open_conflicts, None);
    assert_eq!(h.conflicts_checked_at, None);
    assert_eq!(h.held_members, 0);

    let gen = export_gen::generate(
        &GenOptions {
            site: "netmums".into(),
            members: 300,
            seed: 3,
            ..Default::default()
        },
        &dir.path().join("export"),
        &export_gen::NoProgress,
    )
    .unwrap();
    let report = s.sync(&gen.path, t(2), &NoProgress).unwrap();
    s.hold_set("netmums", "m-1", "police request", t(2))
        .unwrap();

    // "Now" is 2026-11-23 (t(h)). Received 2026-10-27: due 2026-11-27,
    // within the week. Received 2026-09-01: due 2026-10-01, overdue.
    // Received 2026-11-20: due in December, neither.
    let soon = s
        .request_open(
            "netmums",
            "m-2",
            d(2026, 10, 27),
            "email",
            "a",
            None,
            false,
            t(3),
        )
        .unwrap();
    let late = s
        .request_open(
            "netmums",
            "m-3",
            d(2026, 9, 1),
            "web",
            "b",
            None,
            false,
            t(3),
        )
        .unwrap();
    s.request_open(
        "netmums",
        "m-4",
        d(2026, 11, 20),
        "post",
        "c",
        None,
        false,
        t(3),
    )
    .unwrap();
    // A closed overdue request is not shown.
    let closed = s
        .request_open(
            "netmums",
            "m-5",
            d(2026, 8, 1),
            "web",
            "d",
            None,
            false,
            t(3),
        )
        .unwrap();
    s.request_close(&closed, "withdrawn", None, t(3)).unwrap();

    let disclosure = |at: &str| {
        json!({
            "site": "netmums",
            "member_ids": ["m-1"],
            "disclosed_at": at,
            "recipient": {"organisation": "Metropolitan Police", "team": "Child Protection",
                          "officer": "DC Smith", "contact": "cp@police.example"},
            "request_reference": "DPA-2026-118",
            "urgent": false,
            "lawful_basis": "dpa2018_sch2_para2",
            "lawful_basis_detail": "prevention of crime",
            "triggered_by": [],
            "data_categories": ["identity"],
            "items_disclosed": ["email address"],
            "necessity_and_proportionality": "only what was asked",
            "authorised_by": "Jo Bloggs, DPO",
            "member_informed": false,
            "not_informed_reason": "would prejudice the investigation"
        })
    };
    s.disclosure_record(&disclosure("2026-11-02T10:00:00Z"), t(4))
        .unwrap();
    s.disclosure_record(&disclosure("2026-10-30T10:00:00Z"), t(4))
        .unwrap();

    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let check = s.conflicts_check(now, &NoProgress).unwrap();
    let h = s.home(now).unwrap();
    let sites: Vec<_> = h.sites.iter().map(|x| x.site.as_str()).collect();
    assert_eq!(sites, ["netmums"]);
    assert_eq!(h.sites[0].sequence, Some(1));
    assert_eq!(h.sites[0].kind.as_deref(), Some("full"));
    // The rows of the last export synced.
    assert!(h.sites[0].rows > 300);
    assert_eq!(
        h.sites[0].rows,
        report.rows.iter().map(|r| r.1).sum::<u64>()
    );
    assert!(h.sites[0].synced_at.is_some());
    let refs = |v: &[desk_core::requests::Request]| {
        v.iter().map(|r| r.reference.clone()).collect::<Vec<_>>()
    };
    assert_eq!(refs(&h.requests_due_this_week), [soon]);
    assert_eq!(refs(&h.requests_overdue), [late]);
    assert_eq!(h.disclosures_this_month, 1);
    assert_eq!(h.held_members, 1);
    let all = s.conflicts(&Scope::default(), now).unwrap().len() as u64;
    assert_eq!(check.total, all);
    assert_eq!(h.open_conflicts, Some(all));
    assert!(!h.conflicts_stale);

    // The auditor sees the register and the counts, but no conflicts.
    let a = Session::unlock(&vault, "ada", "ada-password", now).unwrap();
    let h = a.home(now).unwrap();
    assert_eq!(h.open_conflicts, None);
    assert_eq!(h.requests_overdue.len(), 1);
    assert_eq!(h.requests_overdue[0].requester, "");

    // Viewing home is in the audit trail.
    let events = s
        .audit_list(
            &desk_core::audit::AuditFilter {
                action: Some("home_view".into()),
                ..Default::default()
            },
            now,
        )
        .unwrap();
    assert_eq!(events.len(), 3);
}

#[test]
fn home_says_when_the_search_index_must_be_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let vault = new_vault(dir.path());
    let s = dpo(&vault);
    s.add_user("ada", Role::Auditor, "ada-password", t(1))
        .unwrap();
    let export = ExportBuilder::full(dir.path(), "full-1", "netmums", 1)
        .members(&["m-1", "m-2"])
        .jsonl("consent_events", &[])
        .write();
    s.sync(&export, t(2), &NoProgress).unwrap();
    assert!(!s.home(t(3)).unwrap().search_index_stale);

    // Built by another version of the desk's key rules.
    let raw = desk_core::vault::raw::open_raw(&vault, "dpo", "dpo-password").unwrap();
    raw.data
        .unwrap()
        .execute(
            "UPDATE meta SET value = '0' WHERE key = 'search_terms_version'",
            [],
        )
        .unwrap();
    let s = dpo(&vault);
    assert!(s.home(t(3)).unwrap().search_index_stale);
    assert!(s.search_index_stale(t(3)).unwrap());
    // An auditor cannot search: Home does not ask them to rebuild.
    let ada = Session::unlock(&vault, "ada", "ada-password", t(3)).unwrap();
    assert!(!ada.home(t(3)).unwrap().search_index_stale);

    s.search_reindex(t(4), &NoProgress).unwrap();
    assert!(!s.home(t(4)).unwrap().search_index_stale);
}
