//! The subject-access request register: opening, identity, pauses,
//! extensions, closing, replay, refusals, roles, the audit trail and CSV.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::*;
use desk_core::audit::AuditFilter;
use desk_core::progress::NoProgress;
use desk_core::requests::RequestFilter;
use desk_core::{Error, Role, Session};
use std::path::{Path, PathBuf};

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let vault = new_vault(dir.path());
    let s = dpo(&vault);
    s.add_user("ada", Role::Auditor, "ada-password", t(1))
        .unwrap();
    let export = ExportBuilder::full(dir.path(), "full-1", "netmums", 1)
        .members(&["m-1", "m-2"])
        .jsonl("consent_events", &[consent("ce-1", "m-1", "granted")])
        .jsonl("posts", &[post("p-1", "m-1")])
        .jsonl("private_messages", &[message("pm-1", "m-2", &["m-1"])])
        .write();
    s.sync(&export, t(2), &NoProgress).unwrap();
    (dir, vault)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn at(y: i32, m: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, 10, 0, 0).unwrap()
}

fn staff(vault: &Path) -> Session {
    Session::unlock(vault, "staff", "staff-password", t(2)).unwrap()
}

fn auditor(vault: &Path) -> Session {
    Session::unlock(vault, "ada", "ada-password", t(2)).unwrap()
}

fn open(s: &mut Session, received: NaiveDate, id_check: bool, now: DateTime<Utc>) -> String {
    s.request_open(
        "netmums",
        "m-1",
        received,
        "email",
        "Jane Requester, jane@example.org",
        None,
        id_check,
        now,
    )
    .unwrap()
}

fn audit_actions(s: &Session) -> Vec<String> {
    s.audit_list(&AuditFilter::default(), t(3))
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[test]
fn a_request_through_its_whole_life() {
    let (_dir, vault) = setup();
    let mut s = staff(&vault);
    let r = open(&mut s, d(2026, 5, 10), true, at(2026, 5, 10));
    assert_eq!(r, "SAR-2026-0001");
    let shown = s.request_show(&r, at(2026, 5, 11)).unwrap();
    assert_eq!(shown.request.state.status, "awaiting_identity");
    assert_eq!(shown.request.state.due, None);
    assert_eq!(shown.request.requester, "Jane Requester, jane@example.org");

    // Identity verified on the 18th: due 18 Jun 2026 (Thu).
    s.request_verify_identity(&r, d(2026, 5, 18), at(2026, 5, 19))
        .unwrap();
    let st = s.request_show(&r, at(2026, 5, 19)).unwrap().request.state;
    assert_eq!(st.status, "open");
    assert_eq!(st.clock_started, Some(d(2026, 5, 18)));
    assert_eq!(st.due, Some(d(2026, 6, 18)));
    assert_eq!(st.days_left, Some(30));

    // Paused 20 → 25 May (5 days): due 23 Jun (Tue).
    s.request_pause(&r, "awaiting clarification", at(2026, 5, 20))
        .unwrap();
    let st = s.request_show(&r, at(2026, 5, 22)).unwrap().request.state;
    assert_eq!(st.status, "paused");
    assert!(st.paused);
    s.request_resume(&r, at(2026, 5, 25)).unwrap();
    let st = s.request_show(&r, at(2026, 5, 26)).unwrap().request.state;
    assert_eq!(st.status, "open");
    assert_eq!(st.paused_days, 5);
    assert_eq!(st.due, Some(d(2026, 6, 23)));

    // Extended by 2 months: 18 Aug 2026 (Tue) + 5 days = Sun 23 → Mon 24 Aug.
    s.request_extend(&r, 2, "many sites, large volume", at(2026, 6, 1))
        .unwrap();
    let st = s.request_show(&r, at(2026, 6, 2)).unwrap().request.state;
    assert_eq!(st.extended_months, 2);
    assert_eq!(st.due, Some(d(2026, 8, 24)));

    s.request_close(&r, "answered", None, at(2026, 7, 1))
        .unwrap();
    let shown = s.request_show(&r, at(2026, 9, 1)).unwrap();
    assert_eq!(shown.request.state.status, "closed");
    assert_eq!(shown.request.state.outcome.as_deref(), Some("answered"));
    assert!(!shown.request.state.overdue);
    let kinds: Vec<&str> = shown.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "identity_verified",
            "paused",
            "resumed",
            "extended",
            "closed"
        ]
    );
    assert!(shown.events.iter().all(|e| e.user == "staff"));
    assert_eq!(shown.events[2].detail["reason"], "awaiting clarification");

    // Replaying the stored events gives the same state.
    let replayed =
        desk_core::requests::replay(shown.request.received, &shown.events, d(2026, 9, 1));
    assert_eq!(replayed, shown.request.state);

    // Closed: no further changes.
    assert!(matches!(
        s.request_pause(&r, "x", at(2026, 7, 2)),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        s.request_close(&r, "answered", None, at(2026, 7, 2)),
        Err(Error::Invalid(_))
    ));

    // Every change and read is in the audit trail, naming the member.
    let d = dpo(&vault);
    let actions = audit_actions(&d);
    for a in [
        "request_opened",
        "request_identity_verified",
        "request_paused",
        "request_resumed",
        "request_extended",
        "request_closed",
        "request_show",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited");
    }
    let opened = d
        .audit_list(
            &AuditFilter {
                action: Some("request_opened".into()),
                ..Default::default()
            },
            t(3),
        )
        .unwrap();
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].member_id.as_deref(), Some("m-1"));
    assert_eq!(opened[0].user.as_deref(), Some("staff"));
    // The requester's text stays out of the trail.
    let all = d.audit_list(&AuditFilter::default(), t(3)).unwrap();
    assert!(all.iter().all(|e| !e
        .detail
        .as_ref()
        .is_some_and(|v| v.to_string().contains("Jane"))));
}

#[test]
fn references_are_generated_or_given_and_never_duplicated() {
    let (_dir, vault) = setup();
    let mut s = dpo(&vault);
    assert_eq!(
        open(&mut s, d(2026, 5, 10), false, at(2026, 5, 10)),
        "SAR-2026-0001"
    );
    assert_eq!(
        open(&mut s, d(2026, 5, 11), false, at(2026, 5, 11)),
        "SAR-2026-0002"
    );
    let given = s
        .request_open(
            "netmums",
            "m-2",
            d(2026, 5, 11),
            "post",
            "",
            Some("LETTER-7"),
            false,
            at(2026, 5, 11),
        )
        .unwrap();
    assert_eq!(given, "LETTER-7");
    for dup in ["LETTER-7", "SAR-2026-0001"] {
        let e = s
            .request_open(
                "netmums",
                "m-2",
                d(2026, 5, 11),
                "post",
                "",
                Some(dup),
                false,
                at(2026, 5, 11),
            )
            .unwrap_err();
        assert!(matches!(e, Error::Conflict(_)), "{dup}: {e}");
    }
    assert_eq!(
        s.request_list(&RequestFilter::default(), at(2026, 5, 12))
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn bad_input_is_refused_and_nothing_is_stored() {
    let (_dir, vault) = setup();
    let mut s = dpo(&vault);
    let now = at(2026, 5, 10);
    let e = s
        .request_open(
            "netmums",
            "m-404",
            d(2026, 5, 10),
            "email",
            "",
            None,
            false,
            now,
        )
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e}");
    let e = s
        .request_open(
            "elsewhere",
            "m-1",
            d(2026, 5, 10),
            "email",
            "",
            None,
            false,
            now,
        )
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e}");
    let e = s
        .request_open(
            "netmums",
            "m-1",
            d(2026, 5, 10),
            "fax",
            "",
            None,
            false,
            now,
        )
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
    let e = s
        .request_open(
            "netmums",
            "m-1",
            d(2026, 5, 11),
            "email",
            "",
            None,
            false,
            now,
        )
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "future receipt: {e}");
    assert!(s
        .request_list(&RequestFilter::default(), now)
        .unwrap()
        .is_empty());
    assert!(matches!(
        s.request_show("SAR-2026-0001", now),
        Err(Error::NotFound(_))
    ));

    let r = open(&mut s, d(2026, 5, 10), false, now);
    // No identity check was asked for.
    assert!(matches!(
        s.request_verify_identity(&r, d(2026, 5, 10), now),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(s.request_resume(&r, now), Err(Error::Invalid(_))));
    assert!(matches!(
        s.request_pause(&r, "  ", now),
        Err(Error::Invalid(_))
    ));
    for months in [0, 3] {
        assert!(matches!(
            s.request_extend(&r, months, "complex", now),
            Err(Error::Invalid(_))
        ));
    }
    assert!(matches!(
        s.request_extend(&r, 1, "", now),
        Err(Error::Invalid(_))
    ));
    for refusal in ["refused_manifestly_unfounded", "refused_excessive"] {
        assert!(matches!(
            s.request_close(&r, refusal, None, now),
            Err(Error::Invalid(_))
        ));
    }
    assert!(matches!(
        s.request_close(&r, "ignored", None, now),
        Err(Error::Invalid(_))
    ));
    // Only the opening event was stored.
    assert_eq!(s.request_show(&r, now).unwrap().events.len(), 1);
    s.request_close(
        &r,
        "refused_excessive",
        Some("third identical request this month"),
        now,
    )
    .unwrap();
}

#[test]
fn an_extension_only_within_the_first_month_and_only_once() {
    let (_dir, vault) = setup();
    let mut s = dpo(&vault);
    // Received 31 Jan 2026: first month ends Mon 2 Mar 2026.
    let late = open(&mut s, d(2026, 1, 31), false, at(2026, 1, 31));
    let e = s
        .request_extend(&late, 1, "complex", at(2026, 3, 3))
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
    s.request_extend(&late, 1, "complex", at(2026, 3, 2))
        .unwrap();
    assert_eq!(
        s.request_show(&late, at(2026, 3, 2))
            .unwrap()
            .request
            .state
            .due,
        Some(d(2026, 3, 31))
    );
    let e = s
        .request_extend(&late, 1, "again", at(2026, 3, 2))
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");

    // Awaiting identity: the clock has not started, nothing to extend.
    let waiting = open(&mut s, d(2026, 2, 2), true, at(2026, 2, 2));
    assert!(matches!(
        s.request_extend(&waiting, 1, "complex", at(2026, 2, 3)),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn overdue_and_paused_show_in_the_list() {
    let (_dir, vault) = setup();
    let mut s = dpo(&vault);
    let a = open(&mut s, d(2026, 1, 31), false, at(2026, 1, 31)); // due 2 Mar
    let b = open(&mut s, d(2026, 2, 20), false, at(2026, 2, 20)); // due 20 Mar
    s.request_pause(&b, "clarification", at(2026, 2, 25))
        .unwrap();
    let all = s
        .request_list(&RequestFilter::default(), at(2026, 3, 4))
        .unwrap();
    let ra = all.iter().find(|r| r.reference == a).unwrap();
    let rb = all.iter().find(|r| r.reference == b).unwrap();
    assert!(ra.state.overdue);
    assert_eq!(ra.state.days_left, Some(-2));
    assert!(rb.state.paused);
    assert!(!rb.state.overdue);
    let overdue = s
        .request_list(
            &RequestFilter {
                overdue_only: true,
                ..Default::default()
            },
            at(2026, 3, 4),
        )
        .unwrap();
    assert_eq!(
        overdue
            .iter()
            .map(|r| r.reference.as_str())
            .collect::<Vec<_>>(),
        [a.as_str()]
    );
}

#[test]
fn an_auditor_uses_the_register_without_member_data() {
    let (_dir, vault) = setup();
    let mut s = dpo(&vault);
    let r = open(&mut s, d(2026, 5, 10), false, at(2026, 5, 10));
    let a = auditor(&vault);
    let list = a
        .request_list(&RequestFilter::default(), at(2026, 5, 11))
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].reference, r);
    assert_eq!(list[0].member_id, "m-1");
    assert_eq!(list[0].requester, "");
    assert_eq!(list[0].state.due, Some(d(2026, 6, 10)));
    let shown = a.request_show(&r, at(2026, 5, 11)).unwrap();
    assert_eq!(shown.request.requester, "");
    assert!(!serde_json::to_string(&shown).unwrap().contains("Jane"));
    let csv_text = a.request_register_csv(at(2026, 5, 11)).unwrap();
    assert!(!csv_text.contains("Jane"));
    // The dpo's copy does carry it.
    assert!(s
        .request_register_csv(at(2026, 5, 11))
        .unwrap()
        .contains("Jane"));
    // Auditors read the register; they don't change it (refused and audited).
    let before = a.request_show(&r, at(2026, 5, 12)).unwrap().events.len();
    for refused in [
        a.request_pause(&r, "clarification", at(2026, 5, 12)),
        a.request_extend(&r, 1, "complex", at(2026, 5, 12)),
        a.request_close(&r, "answered", None, at(2026, 5, 12)),
    ] {
        assert!(
            matches!(refused, Err(desk_core::Error::Forbidden { .. })),
            "{refused:?}"
        );
    }
    assert!(matches!(
        a.request_open(
            "netmums",
            "m-1",
            d(2026, 5, 12),
            "email",
            "x",
            None,
            false,
            at(2026, 5, 12)
        ),
        Err(desk_core::Error::Forbidden { .. })
    ));
    assert_eq!(
        a.request_show(&r, at(2026, 5, 13)).unwrap().events.len(),
        before
    );
    let refusals = s
        .audit_list(&Default::default(), at(2026, 5, 13))
        .unwrap()
        .into_iter()
        .filter(|e| e.outcome == "refused" && e.action == "change_requests")
        .count();
    assert_eq!(refusals, 4);
}

#[test]
fn the_register_exports_as_csv() {
    let (_dir, vault) = setup();
    let mut s = dpo(&vault);
    let r1 = open(&mut s, d(2026, 4, 25), false, at(2026, 4, 25));
    let r2 = open(&mut s, d(2026, 5, 1), true, at(2026, 5, 1));
    s.request_close(&r2, "withdrawn", None, at(2026, 5, 2))
        .unwrap();
    let text = s.request_register_csv(at(2026, 5, 3)).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let headers = rd.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][col("ref")], r1);
    // 25 May 2026 is the Spring bank holiday.
    assert_eq!(&rows[0][col("due")], "2026-05-26");
    assert_eq!(&rows[0][col("status")], "open");
    assert_eq!(
        &rows[0][col("requester")],
        "Jane Requester, jane@example.org"
    );
    assert_eq!(&rows[1][col("ref")], r2);
    assert_eq!(&rows[1][col("status")], "closed");
    assert_eq!(&rows[1][col("outcome")], "withdrawn");
    assert!(audit_actions(&s).iter().any(|a| a == "request_export"));
}

#[test]
fn a_site_chooses_its_bank_holiday_calendar() {
    use desk_core::requests::calendar::Region;
    let (_dir, vault) = setup();
    let mut s = dpo(&vault);
    // Received 30 Oct 2026: due Mon 30 Nov, St Andrew's Day in Scotland.
    let before = open(&mut s, d(2026, 10, 30), false, at(2026, 10, 30));
    assert_eq!(
        s.request_calendar("netmums", t(2)).unwrap(),
        Region::EnglandAndWales
    );
    for other in [staff(&vault), auditor(&vault)] {
        let e = other
            .request_set_calendar("netmums", Region::Scotland, at(2026, 10, 30))
            .unwrap_err();
        assert!(matches!(e, Error::Forbidden { .. }), "{e}");
    }
    s.request_set_calendar("netmums", Region::Scotland, at(2026, 10, 30))
        .unwrap();
    assert_eq!(
        s.request_calendar("netmums", t(2)).unwrap(),
        Region::Scotland
    );
    let after = open(&mut s, d(2026, 10, 30), false, at(2026, 10, 30));
    let st = |s: &Session, r: &str| s.request_show(r, at(2026, 10, 31)).unwrap().request.state;
    // A request keeps the calendar it was opened with.
    assert_eq!(st(&s, &before).calendar, "england_and_wales");
    assert_eq!(st(&s, &before).due, Some(d(2026, 11, 30)));
    assert_eq!(st(&s, &after).calendar, "scotland");
    assert_eq!(st(&s, &after).due, Some(d(2026, 12, 1)));
    assert!(audit_actions(&s)
        .iter()
        .any(|a| a == "request_calendar_set"));
}
