//! The disclosure log (vault-and-access-v1 §4): validation naming each field,
//! amendments and reviews, tamper evidence, roles, exports, linking and the
//! audit trail's review (filters, CSV).

mod common;

use common::*;
use desk_core::audit::AuditFilter;
use desk_core::chain::{link_hash, FailureKind};
use desk_core::progress::NoProgress;
use desk_core::vault::raw::open_raw;
use desk_core::{Error, Role, Session};
use rusqlite::Connection;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let vault = new_vault(dir.path());
    let s = dpo(&vault);
    s.add_user("ada", Role::Auditor, "ada-password", t(1))
        .unwrap();
    let export = ExportBuilder::full(dir.path(), "full-1", "netmums", 1)
        .members(&["m-1", "m-2", "m-3"])
        .jsonl("consent_events", &[consent("ce-1", "m-1", "granted")])
        .jsonl(
            "posts",
            &[post("p-1", "m-1"), post("p-2", "m-2"), post("p-3", "m-3")],
        )
        .jsonl("private_messages", &[message("pm-1", "m-2", &["m-1"])])
        .write();
    s.sync(&export, t(2), &NoProgress).unwrap();
    (dir, vault)
}

fn staff(vault: &Path) -> Session {
    Session::unlock(vault, "staff", "staff-password", t(2)).unwrap()
}

fn auditor(vault: &Path) -> Session {
    Session::unlock(vault, "ada", "ada-password", t(2)).unwrap()
}

/// The logs database (where the disclosure log lives), opened raw.
fn db(vault: &Path) -> Connection {
    open_raw(vault, "dpo", "dpo-password").unwrap().logs
}

fn entry() -> Value {
    json!({
        "site": "netmums",
        "member_ids": ["m-1"],
        "disclosed_at": "2026-11-20T16:20:00Z",
        "recipient": {"organisation": "Metropolitan Police", "team": "Child Protection",
                      "officer": "DC Smith", "contact": "cp@police.example"},
        "request_reference": "DPA-2026-118",
        "urgent": true,
        "lawful_basis": "dpa2018_sch1_para18",
        "lawful_basis_detail": "risk to a child",
        "safeguarding_conditions": {
            "necessary_to_protect": true,
            "consent_not_sought_because": "asking would prejudice the protection",
            "substantial_public_interest": true
        },
        "triggered_by": [{"entity": "posts", "id": "p-1"},
                         {"entity": "private_messages", "id": "pm-1"}],
        "data_categories": ["identity", "contact details", "posts"],
        "items_disclosed": ["email address", "two posts"],
        "necessity_and_proportionality": "only what the police asked for",
        "authorised_by": "Jo Bloggs, DPO",
        "member_informed": false,
        "not_informed_reason": "would prejudice the investigation"
    })
}

fn with(f: impl Fn(&mut serde_json::Map<String, Value>)) -> Value {
    let mut e = entry();
    f(e.as_object_mut().unwrap());
    e
}

fn invalid(s: &mut Session, e: &Value) -> String {
    match s.disclosure_record(e, t(5)) {
        Err(Error::Invalid(m)) => m,
        Err(Error::InvalidInput { problems, .. }) => problems.to_string(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn every_validation_error_names_its_field_and_records_nothing() {
    let (_d, vault) = setup();
    let mut s = dpo(&vault);
    type Case = (
        &'static str,
        Box<dyn Fn(&mut serde_json::Map<String, Value>)>,
    );
    let cases: Vec<Case> = vec![
        (
            "colour: unknown field",
            Box::new(|e| {
                e.insert("colour".into(), json!("red"));
            }),
        ),
        (
            "recorded_by: is set by the desk",
            Box::new(|e| {
                e.insert("recorded_by".into(), json!("someone"));
            }),
        ),
        (
            "id: is set by the desk",
            Box::new(|e| {
                e.insert("id".into(), json!("D-000009"));
            }),
        ),
        (
            "recorded_at: is set by the desk",
            Box::new(|e| {
                e.insert("recorded_at".into(), json!("2026-11-20T16:20:00Z"));
            }),
        ),
        (
            "amends: is set by the desk",
            Box::new(|e| {
                e.insert("amends".into(), json!("D-000001"));
            }),
        ),
        (
            "site: required",
            Box::new(|e| {
                e.remove("site");
            }),
        ),
        (
            "site: not a site this vault has synced",
            Box::new(|e| {
                e.insert("site".into(), json!("elsewhere"));
            }),
        ),
        (
            "member_ids: at least one member is required",
            Box::new(|e| {
                e.insert("member_ids".into(), json!([]));
            }),
        ),
        (
            "member_ids[1]: not a member of this site",
            Box::new(|e| {
                e.insert("member_ids".into(), json!(["m-1", "m-secret-99"]));
            }),
        ),
        (
            "member_ids[1]: repeats an earlier member",
            Box::new(|e| {
                e.insert("member_ids".into(), json!(["m-1", "m-1"]));
            }),
        ),
        (
            "disclosed_at: not an RFC 3339 time",
            Box::new(|e| {
                e.insert("disclosed_at".into(), json!("last Tuesday"));
            }),
        ),
        (
            "disclosed_at: is in the future",
            Box::new(|e| {
                e.insert("disclosed_at".into(), json!("2026-12-01T00:00:00Z"));
            }),
        ),
        (
            "disclosed_at: required",
            Box::new(|e| {
                e.remove("disclosed_at");
            }),
        ),
        (
            "recipient.organisation: required",
            Box::new(|e| {
                e.insert("recipient".into(), json!({"team": "x"}));
            }),
        ),
        (
            "recipient.organisation: required",
            Box::new(|e| {
                e.remove("recipient");
            }),
        ),
        (
            "recipient.badge: unknown field",
            Box::new(|e| {
                e.insert(
                    "recipient".into(),
                    json!({"organisation": "x", "badge": "1"}),
                );
            }),
        ),
        (
            "lawful_basis: not a known basis",
            Box::new(|e| {
                e.insert("lawful_basis".into(), json!("because"));
            }),
        ),
        (
            "lawful_basis: required",
            Box::new(|e| {
                e.remove("lawful_basis");
            }),
        ),
        (
            "lawful_basis_detail: required when lawful_basis is other",
            Box::new(|e| {
                e.insert("lawful_basis".into(), json!("other"));
                e.remove("lawful_basis_detail");
            }),
        ),
        (
            "safeguarding_conditions: required when lawful_basis is dpa2018_sch1_para18",
            Box::new(|e| {
                e.remove("safeguarding_conditions");
            }),
        ),
        (
            "safeguarding_conditions.necessary_to_protect: must be true",
            Box::new(|e| {
                e["safeguarding_conditions"]["necessary_to_protect"] = json!(false);
            }),
        ),
        (
            "safeguarding_conditions.consent_not_sought_because: required",
            Box::new(|e| {
                e["safeguarding_conditions"]
                    .as_object_mut()
                    .unwrap()
                    .remove("consent_not_sought_because");
            }),
        ),
        (
            "safeguarding_conditions.substantial_public_interest: required",
            Box::new(|e| {
                e["safeguarding_conditions"]
                    .as_object_mut()
                    .unwrap()
                    .remove("substantial_public_interest");
            }),
        ),
        (
            "triggered_by[0].entity: must be one of",
            Box::new(|e| {
                e.insert(
                    "triggered_by".into(),
                    json!([{"entity": "members", "id": "m-1"}]),
                );
            }),
        ),
        (
            "triggered_by[0].id: no such row on this site",
            Box::new(|e| {
                e.insert(
                    "triggered_by".into(),
                    json!([{"entity": "posts", "id": "p-404"}]),
                );
            }),
        ),
        (
            "triggered_by[1].id: that row does not belong to the members named",
            Box::new(|e| {
                e.insert(
                    "triggered_by".into(),
                    json!([{"entity": "posts", "id": "p-1"}, {"entity": "posts", "id": "p-2"}]),
                );
            }),
        ),
        (
            "data_categories: required",
            Box::new(|e| {
                e.remove("data_categories");
            }),
        ),
        (
            "items_disclosed: at least one is required",
            Box::new(|e| {
                e.insert("items_disclosed".into(), json!([]));
            }),
        ),
        (
            "items_disclosed[0]: must be non-empty text",
            Box::new(|e| {
                e.insert("items_disclosed".into(), json!([" "]));
            }),
        ),
        (
            "necessity_and_proportionality: required",
            Box::new(|e| {
                e.remove("necessity_and_proportionality");
            }),
        ),
        (
            "authorised_by: required",
            Box::new(|e| {
                e.insert("authorised_by".into(), json!(""));
            }),
        ),
        (
            "member_informed: required",
            Box::new(|e| {
                e.remove("member_informed");
            }),
        ),
        (
            "not_informed_reason: required when member_informed is false",
            Box::new(|e| {
                e.remove("not_informed_reason");
            }),
        ),
        (
            "urgent: must be true or false",
            Box::new(|e| {
                e.insert("urgent".into(), json!("yes"));
            }),
        ),
    ];
    for (want, edit) in &cases {
        let msg = invalid(&mut s, &with(edit));
        assert!(msg.contains(want), "wanted {want:?} in {msg:?}");
        // No member data in the message.
        for secret in ["m-secret-99", "p-2", "p-404", "Metropolitan"] {
            assert!(!msg.contains(secret), "{msg:?} repeats {secret}");
        }
    }
    assert!(invalid(&mut s, &json!([1, 2])).contains("must be a JSON object"));
    // Nothing was recorded; a valid entry then is D-000001.
    assert_eq!(s.disclosure_list(t(5)).unwrap().len(), 0);
    let r = s.disclosure_record(&entry(), t(5)).unwrap();
    assert_eq!(r.id, "D-000001");
    // Other bases need no conditions; `other` with detail is fine; informed needs no reason.
    let ok = with(|e| {
        e.insert("lawful_basis".into(), json!("other"));
        e.insert(
            "lawful_basis_detail".into(),
            json!("a court's informal request"),
        );
        e.remove("safeguarding_conditions");
        e.insert("member_informed".into(), json!(true));
        e.remove("not_informed_reason");
        e.remove("triggered_by");
    });
    assert_eq!(s.disclosure_record(&ok, t(5)).unwrap().id, "D-000002");
}

#[test]
fn a_member_already_gone_needs_an_acknowledgement_kept_in_the_entry() {
    let (d, vault) = setup();
    let mut s = dpo(&vault);
    // Production deletes m-3.
    let full2 = ExportBuilder::full(d.path(), "full-2", "netmums", 2)
        .members(&["m-1", "m-2"])
        .jsonl("consent_events", &[consent("ce-1", "m-1", "granted")])
        .write();
    s.sync(&full2, t(3), &NoProgress).unwrap();
    let gone = with(|e| {
        e.insert("member_ids".into(), json!(["m-3"]));
        e.insert(
            "triggered_by".into(),
            json!([{"entity": "posts", "id": "p-3"}]),
        );
    });
    let msg = invalid(&mut s, &gone);
    assert!(
        msg.contains("member_ids[0]") && msg.contains("acknowledge_missing_members"),
        "{msg}"
    );
    let mut acked = gone.clone();
    acked["acknowledge_missing_members"] = json!(true);
    let r = s.disclosure_record(&acked, t(5)).unwrap();
    assert_eq!(r.members.len(), 1);
    assert!(r.members[0].exists == Some(false) && r.members[0].held == Some(false));
    let d = s.disclosure_show(&r.id, t(5)).unwrap();
    assert_eq!(d.content["member_ids"], json!(["m-3"]));
    assert_eq!(d.content["missing_members"], json!(["m-3"]));
    assert_eq!(d.content["acknowledge_missing_members"], json!(true));
    assert_eq!(d.content["triggers_checked"], json!(false));
    assert_eq!(d.content["triggered_by"][0]["id"], json!("p-3"));
    // The normal case says its triggers were checked (p-1 went with export 2).
    let r = s
        .disclosure_record(
            &with(|e| {
                e.insert("triggered_by".into(), json!([]));
            }),
            t(5),
        )
        .unwrap();
    assert_eq!(
        s.disclosure_show(&r.id, t(5)).unwrap().content["triggers_checked"],
        json!(true)
    );
}

#[test]
fn amendments_and_reviews_append_and_change_the_effective_content() {
    let (_d, vault) = setup();
    let st = staff(&vault);
    let r = st.disclosure_record(&entry(), t(5)).unwrap();
    assert_eq!(r.id, "D-000001");
    drop(st);
    let s = dpo(&vault);
    let a1 = with(|e| {
        e["recipient"]["organisation"] = json!("Local Authority Children's Services");
    });
    let a2 = with(|e| {
        e["recipient"]["organisation"] = json!("Kent Police");
        e.insert("member_ids".into(), json!(["m-1", "m-2"]));
    });
    assert_eq!(
        s.disclosure_amend("D-000001", &a1, t(6)).unwrap().id,
        "D-000002"
    );
    // Amending an amendment amends the original.
    assert_eq!(
        s.disclosure_amend("D-000002", &a2, t(7)).unwrap().id,
        "D-000003"
    );
    let rev = s
        .disclosure_review("D-000003", "Reviewed: proportionate.", t(8))
        .unwrap();
    assert_eq!(rev, "D-000004");
    // An amendment is validated like an entry.
    let bad = with(|e| {
        e.remove("authorised_by");
    });
    assert!(matches!(
        s.disclosure_amend("D-000001", &bad, t(8)),
        Err(Error::InvalidInput { problems, .. }) if problems.items()[0].field == "authorised_by"
    ));
    assert!(matches!(
        s.disclosure_amend("D-000404", &entry(), t(8)),
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        s.disclosure_review("D-000001", "  ", t(8)),
        Err(Error::Invalid(m)) if m.contains("note")
    ));

    let list = s.disclosure_list(t(9)).unwrap();
    assert_eq!(list.len(), 1);
    let d = s.disclosure_show("D-000004", t(9)).unwrap();
    assert_eq!(d, list[0]);
    assert_eq!(d.id, "D-000001");
    assert_eq!(d.effective_id, "D-000003");
    assert_eq!(d.content["recipient"]["organisation"], "Kent Police");
    let kinds: Vec<(&str, &str, Option<&str>)> = d
        .history
        .iter()
        .map(|e| (e.id.as_str(), e.kind.as_str(), e.amends.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("D-000001", "original", None),
            ("D-000002", "amendment", Some("D-000001")),
            ("D-000003", "amendment", Some("D-000001")),
            ("D-000004", "review", Some("D-000001")),
        ]
    );
    assert_eq!(d.history[0].content["recorded_by"], "staff");
    assert_eq!(d.history[1].content["recorded_by"], "dpo");
    assert_eq!(d.history[1].content["amends"], "D-000001");
    assert_eq!(d.history[3].content["note"], "Reviewed: proportionate.");
    // The original is kept as it was.
    assert_eq!(
        d.history[0].content["recipient"]["organisation"],
        "Metropolitan Police"
    );
    // Every entry chains to the one before.
    for w in d.history.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
    }
    let v = s.disclosure_verify(None, t(9)).unwrap();
    assert!(v.ok);
    assert_eq!(v.entries, 4);
    assert_eq!(v.head, d.history[3].hash);

    // Linking: the member's record lists the disclosure, with hold status.
    let for_m2 = s.disclosures_for_member("netmums", "m-2", t(9)).unwrap();
    assert_eq!(for_m2.len(), 1);
    assert_eq!(for_m2[0].id, "D-000001");
    assert!(s
        .disclosures_for_member("netmums", "m-3", t(9))
        .unwrap()
        .is_empty());
    assert!(d.members.iter().all(|m| m.held == Some(false)));
    s.hold_set("netmums", "m-2", "police matter live", t(10))
        .unwrap();
    let d = s.disclosure_show("D-000001", t(10)).unwrap();
    let held: Vec<(&str, bool)> = d
        .members
        .iter()
        .map(|m| (m.member_id.as_str(), m.held == Some(true)))
        .collect();
    assert_eq!(held, [("m-1", false), ("m-2", true)]);
}

#[test]
fn roles_staff_records_but_cannot_amend_auditor_reads_but_cannot_record() {
    let (_d, vault) = setup();
    let st = staff(&vault);
    st.disclosure_record(&entry(), t(5)).unwrap();
    assert!(matches!(
        st.disclosure_amend("D-000001", &entry(), t(5)),
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        st.disclosure_review("D-000001", "fine", t(5)),
        Err(Error::Forbidden { .. })
    ));
    assert_eq!(st.disclosure_list(t(5)).unwrap().len(), 1);
    drop(st);

    let ada = auditor(&vault);
    assert!(matches!(
        ada.disclosure_record(&entry(), t(6)),
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        ada.disclosure_amend("D-000001", &entry(), t(6)),
        Err(Error::Forbidden { .. })
    ));
    assert_eq!(ada.disclosure_list(t(6)).unwrap().len(), 1);
    assert_eq!(
        ada.disclosure_show("D-000001", t(6)).unwrap().history.len(),
        1
    );
    assert!(ada.disclosure_verify(None, t(6)).unwrap().ok);
    assert!(ada
        .disclosure_export_csv(t(6))
        .unwrap()
        .contains("D-000001"));
    assert!(ada
        .disclosure_report_html(t(6))
        .unwrap()
        .contains("D-000001"));
    // Only the staff user's entry is in the log.
    assert_eq!(ada.disclosure_verify(None, t(6)).unwrap().entries, 1);
    let refused: Vec<(String, String)> = ada
        .audit_list(&AuditFilter::default(), t(6))
        .unwrap()
        .into_iter()
        .filter(|e| e.outcome == "refused")
        .map(|e| (e.user.unwrap(), e.action))
        .collect();
    for want in [
        ("staff", "amend_disclosure"),
        ("ada", "record_disclosure"),
        ("ada", "amend_disclosure"),
    ] {
        assert!(
            refused.contains(&(want.0.into(), want.1.into())),
            "{want:?} not in {refused:?}"
        );
    }
}

fn four_entries(vault: &Path) -> String {
    let s = dpo(vault);
    s.disclosure_record(&entry(), t(5)).unwrap();
    s.disclosure_record(
        &with(|e| {
            e["recipient"]["organisation"] = json!("Police");
        }),
        t(5),
    )
    .unwrap();
    s.disclosure_amend("D-000001", &entry(), t(6)).unwrap();
    s.disclosure_review("D-000002", "checked", t(7)).unwrap();
    let v = s.disclosure_verify(None, t(8)).unwrap();
    assert!(v.ok && v.entries == 4);
    v.head
}

fn verify(vault: &Path, head: Option<&str>) -> desk_core::chain::Verification {
    dpo(vault).disclosure_verify(head, t(9)).unwrap()
}

#[test]
fn verification_detects_a_changed_field() {
    let (_d, vault) = setup();
    four_entries(&vault);
    let c = db(&vault);
    let n = c
        .execute(
            "UPDATE disclosures SET content = replace(content, '\"Police\"', '\"Polite\"') WHERE seq = 2",
            [],
        )
        .unwrap();
    assert_eq!(n, 1);
    drop(c);
    let v = verify(&vault, None);
    assert!(!v.ok);
    let f = v.failure.unwrap();
    assert_eq!((f.seq, f.kind), (2, FailureKind::Changed));

    // A changed column (not the content) is seen too.
    let c = db(&vault);
    c.execute(
        "UPDATE disclosures SET content = replace(content, '\"Polite\"', '\"Police\"') WHERE seq = 2",
        [],
    )
    .unwrap();
    assert!(verify(&vault, None).ok);
    c.execute("UPDATE disclosures SET kind = 'review' WHERE seq = 3", [])
        .unwrap();
    drop(c);
    let f = verify(&vault, None).failure.unwrap();
    assert_eq!((f.seq, f.kind), (3, FailureKind::Changed));
}

#[test]
fn verification_detects_a_deleted_entry() {
    let (_d, vault) = setup();
    four_entries(&vault);
    db(&vault)
        .execute("DELETE FROM disclosures WHERE seq = 3", [])
        .unwrap();
    let f = verify(&vault, None).failure.unwrap();
    assert_eq!((f.seq, f.kind), (4, FailureKind::Missing));
    // Removing the last entry, then checking against the head kept before.
    let (_d2, vault2) = setup();
    let head = four_entries(&vault2);
    db(&vault2)
        .execute("DELETE FROM disclosures WHERE seq = 4", [])
        .unwrap();
    assert!(verify(&vault2, None).ok);
    let f = verify(&vault2, Some(&head)).failure.unwrap();
    assert_eq!(f.kind, FailureKind::HeadNotFound);
}

#[test]
fn verification_detects_two_swapped_entries() {
    let (_d, vault) = setup();
    four_entries(&vault);
    let c = db(&vault);
    // Swap everything but the sequence numbers (content and hashes included).
    c.execute_batch(
        "UPDATE disclosures SET seq = 100 WHERE seq = 2;
         UPDATE disclosures SET seq = 2 WHERE seq = 3;
         UPDATE disclosures SET seq = 3 WHERE seq = 100;",
    )
    .unwrap();
    drop(c);
    let f = verify(&vault, None).failure.unwrap();
    assert_eq!((f.seq, f.kind), (2, FailureKind::Reordered));
}

#[test]
fn a_chain_rewritten_from_an_earlier_point_fails_against_the_old_head() {
    let (_d, vault) = setup();
    let head = four_entries(&vault);
    assert!(verify(&vault, Some(&head)).ok);
    // Later entries keep extending the head kept.
    dpo(&vault).disclosure_record(&entry(), t(9)).unwrap();
    assert!(verify(&vault, Some(&head)).ok);
    // Someone with the key drops everything after entry 1 and re-records a
    // different history: a valid chain on its own.
    db(&vault)
        .execute_batch("DELETE FROM disclosures WHERE seq > 1")
        .unwrap();
    let s = dpo(&vault);
    for _ in 0..4 {
        s.disclosure_record(&entry(), t(9)).unwrap();
    }
    let v = s.disclosure_verify(None, t(9)).unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.entries, 5);
    let v = s.disclosure_verify(Some(&head), t(9)).unwrap();
    assert!(!v.ok);
    assert_eq!(v.failure.unwrap().kind, FailureKind::HeadNotFound);
}

#[test]
fn audit_trail_tampering_swap_and_rewrite_are_detected() {
    let (_d, vault) = setup();
    let s = dpo(&vault);
    let head = s.audit_verify(None, t(3)).unwrap().head;
    drop(s);
    db(&vault)
        .execute_batch(
            "UPDATE audit SET seq = 100 WHERE seq = 2;
             UPDATE audit SET seq = 2 WHERE seq = 3;
             UPDATE audit SET seq = 3 WHERE seq = 100;",
        )
        .unwrap();
    let f = dpo(&vault)
        .audit_verify(None, t(4))
        .unwrap()
        .failure
        .unwrap();
    // An audit event's hash covers its sequence number, so a moved event no
    // longer matches its hash.
    assert_eq!((f.seq, f.kind), (2, FailureKind::Changed));
    // Put it back, then cut the trail before the kept head and let it regrow.
    db(&vault)
        .execute_batch(
            "UPDATE audit SET seq = 100 WHERE seq = 2;
             UPDATE audit SET seq = 2 WHERE seq = 3;
             UPDATE audit SET seq = 3 WHERE seq = 100;
             DELETE FROM audit WHERE seq > 2;",
        )
        .unwrap();
    let s = dpo(&vault);
    assert!(s.audit_verify(None, t(5)).unwrap().ok);
    let f = s.audit_verify(Some(&head), t(5)).unwrap().failure.unwrap();
    assert_eq!(f.kind, FailureKind::HeadNotFound);
}

#[test]
fn csv_export_parses_and_matches_the_log_entry_by_entry() {
    let (_d, vault) = setup();
    four_entries(&vault);
    let ada = auditor(&vault);
    let text = ada.disclosure_export_csv(t(9)).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    let entries: Vec<_> = ada
        .disclosure_list(t(9))
        .unwrap()
        .into_iter()
        .flat_map(|d| d.history)
        .collect();
    let mut entries = entries;
    entries.sort_by_key(|e| e.seq);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows.len(), entries.len());
    for (row, e) in rows.iter().zip(&entries) {
        assert_eq!(row[col("seq")], e.seq.to_string());
        assert_eq!(&row[col("id")], e.id);
        assert_eq!(&row[col("kind")], e.kind);
        assert_eq!(&row[col("amends")], e.amends.as_deref().unwrap_or(""));
        assert_eq!(&row[col("prev_hash")], e.prev_hash);
        assert_eq!(&row[col("hash")], e.hash);
        assert_eq!(
            &row[col("recorded_by")],
            e.content["recorded_by"].as_str().unwrap()
        );
        if e.kind != "review" {
            assert_eq!(
                &row[col("recipient_organisation")],
                e.content["recipient"]["organisation"].as_str().unwrap()
            );
            assert_eq!(&row[col("lawful_basis")], "dpa2018_sch1_para18");
            assert_eq!(&row[col("member_ids")], "m-1");
            assert_eq!(
                &row[col("triggered_by")],
                "posts:p-1; private_messages:pm-1"
            );
        } else {
            assert_eq!(&row[col("note")], "checked");
        }
        // An auditor can recompute every hash from the file alone.
        let content: Value = serde_json::from_str(&row[col("content")]).unwrap();
        assert_eq!(content, e.content);
        assert_eq!(link_hash(&row[col("prev_hash")], &content), e.hash);
    }
}

#[test]
fn html_report_is_self_contained_escaped_and_summarised() {
    let (_d, vault) = setup();
    let s = dpo(&vault);
    s.disclosure_record(
        &with(|e| {
            e.insert(
                "necessity_and_proportionality".into(),
                json!("<b>only</b> what was needed & no more"),
            );
        }),
        t(5),
    )
    .unwrap();
    s.disclosure_record(
        &with(|e| {
            e.insert("member_informed".into(), json!(true));
            e.insert("disclosed_at".into(), json!("2026-10-02T09:00:00Z"));
            e.insert("lawful_basis".into(), json!("court_order"));
            e.remove("not_informed_reason");
        }),
        t(5),
    )
    .unwrap();
    let head = s.disclosure_verify(None, t(6)).unwrap().head;
    let html = s.disclosure_report_html(t(6)).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.to_lowercase().contains("<script"));
    assert!(!html.contains("http"));
    assert!(!html.contains("src="));
    assert!(!html.contains("<b>only"));
    assert!(html.contains("&lt;b&gt;only&lt;/b&gt; what was needed &amp; no more"));
    assert!(html.contains(&head));
    assert!(html.contains("The log verifies"));
    for want in [
        "2026-10",
        "2026-11",
        "Metropolitan Police",
        "court_order",
        "dpa2018_sch1_para18",
        "members told</th><td class=\"n\">1<",
        "members not told</th><td class=\"n\">1<",
    ] {
        assert!(html.contains(want), "report lacks {want}");
    }
    // A failed verification shows in the report.
    db(&vault)
        .execute("UPDATE disclosures SET hash = 'x' WHERE seq = 1", [])
        .unwrap();
    let html = dpo(&vault).disclosure_report_html(t(7)).unwrap();
    assert!(html.contains("FAILS verification at entry 1"));
}

#[test]
fn every_disclosure_action_is_audited() {
    let (_d, vault) = setup();
    let s = dpo(&vault);
    s.disclosure_record(&entry(), t(5)).unwrap();
    s.disclosure_amend("D-000001", &entry(), t(5)).unwrap();
    s.disclosure_review("D-000001", "ok", t(5)).unwrap();
    s.disclosure_list(t(5)).unwrap();
    s.disclosure_show("D-000001", t(5)).unwrap();
    s.disclosure_verify(None, t(5)).unwrap();
    s.disclosure_export_csv(t(5)).unwrap();
    s.disclosure_report_html(t(5)).unwrap();
    s.disclosures_for_member("netmums", "m-1", t(5)).unwrap();
    let events = s.audit_list(&AuditFilter::default(), t(6)).unwrap();
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e.outcome == "ok")
        .map(|e| e.action.as_str())
        .collect();
    for want in [
        "disclosure_recorded",
        "disclosure_amended",
        "disclosure_reviewed",
        "disclosure_list",
        "disclosure_show",
        "disclosure_verify",
        "disclosure_export",
        "disclosure_report",
        "disclosures_for_member",
    ] {
        assert!(actions.contains(&want), "{want} not audited: {actions:?}");
    }
    let rec = events
        .iter()
        .find(|e| e.action == "disclosure_recorded")
        .unwrap();
    assert_eq!(rec.user.as_deref(), Some("dpo"));
    assert_eq!(rec.site.as_deref(), Some("netmums"));
    assert_eq!(rec.detail.as_ref().unwrap()["id"], "D-000001");
    // The audit record carries no member data from the entry.
    let all = serde_json::to_string(&events).unwrap();
    assert!(!all.contains("Metropolitan"));
    assert!(s.audit_verify(None, t(6)).unwrap().ok);
}

#[test]
fn audit_trail_filters_by_date_range_and_exports_csv() {
    let (_d, vault) = setup();
    for h in [4, 6, 8] {
        let s = Session::unlock(&vault, "staff", "staff-password", t(h)).unwrap();
        s.disclosure_list(t(h)).unwrap();
    }
    let ada = auditor(&vault);
    let window = AuditFilter {
        from: Some(t(5)),
        to: Some(t(7)),
        ..Default::default()
    };
    let events = ada.audit_list(&window, t(9)).unwrap();
    let got: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.at.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("2026-11-23T06:00:00.000Z", "sign_in"),
            ("2026-11-23T06:00:00.000Z", "disclosure_list")
        ]
    );
    // Filters combine: user and action, from only.
    let f = AuditFilter {
        user: Some("staff".into()),
        action: Some("disclosure_list".into()),
        from: Some(t(5)),
        ..Default::default()
    };
    assert_eq!(ada.audit_list(&f, t(9)).unwrap().len(), 2);

    let all = ada.audit_list(&AuditFilter::default(), t(9)).unwrap();
    let text = ada.audit_export_csv(&AuditFilter::default(), t(9)).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        desk_core::audit::CSV_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    // The export sees the trail as it was before the export itself.
    assert_eq!(rows.len(), all.len() + 1);
    for (row, e) in rows.iter().zip(&all) {
        assert_eq!(row[0], e.seq.to_string());
        assert_eq!(&row[1], e.at);
        assert_eq!(&row[3], e.action);
        assert_eq!(&row[9], e.hash);
    }
    let windowed = ada.audit_export_csv(&window, t(9)).unwrap();
    assert_eq!(windowed.lines().count(), 3);
    let last = ada.audit_list(&AuditFilter::default(), t(9)).unwrap();
    assert!(last.iter().any(|e| e.action == "audit_export"));
    // Staff may not read or export the trail.
    assert!(matches!(
        staff(&vault).audit_export_csv(&AuditFilter::default(), t(9)),
        Err(Error::Forbidden { .. })
    ));
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_defused() {
    let (_d, vault) = setup();
    let s = dpo(&vault);
    s.disclosure_record(
        &with(|e| {
            e.insert("authorised_by".into(), json!("=1+1"));
        }),
        t(5),
    )
    .unwrap();
    let text = s.disclosure_export_csv(t(6)).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    let row = r.records().next().unwrap().unwrap();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(&row[col("authorised_by")], "'=1+1");
    let content: Value = serde_json::from_str(&row[col("content")]).unwrap();
    assert_eq!(content["authorised_by"], "=1+1");
    // The audit event of a one-member disclosure names that member.
    let ev = s
        .audit_list(
            &AuditFilter {
                action: Some("disclosure_recorded".into()),
                ..Default::default()
            },
            t(6),
        )
        .unwrap();
    assert_eq!(ev[0].member_id.as_deref(), Some("m-1"));
}

#[test]
fn a_members_record_lists_the_disclosures_about_them() {
    let (_d, vault) = setup();
    let page = desk_core::member::Page {
        page: 1,
        size: Some(50),
    };
    let id = staff(&vault).disclosure_record(&entry(), t(3)).unwrap().id;
    let r = dpo(&vault).member("netmums", "m-1", page, t(4)).unwrap();
    assert_eq!(r.disclosures.len(), 1);
    assert_eq!(r.disclosures[0].id, id);
    assert_eq!(
        r.disclosures[0].recipient.as_deref(),
        Some("Metropolitan Police")
    );
    assert!(!r.disclosures[0].amended);
    // An amendment changes what the record shows; another member sees none.
    let amended = with(|m| {
        m.insert(
            "recipient".into(),
            json!({"organisation": "Leeds Children's Services"}),
        );
    });
    dpo(&vault).disclosure_amend(&id, &amended, t(5)).unwrap();
    let r = dpo(&vault).member("netmums", "m-1", page, t(6)).unwrap();
    assert_eq!(r.disclosures.len(), 1);
    assert_eq!(
        r.disclosures[0].recipient.as_deref(),
        Some("Leeds Children's Services")
    );
    assert!(r.disclosures[0].amended);
    assert!(dpo(&vault)
        .member("netmums", "m-3", page, t(6))
        .unwrap()
        .disclosures
        .is_empty());
}
