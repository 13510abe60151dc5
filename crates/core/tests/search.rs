//! Member search, the member record, consent at an instant, conflicts, the
//! index kept exact through every sync path, and the audit of every read.

mod common;

use common::*;
use desk_core::conflicts::Scope;
use desk_core::consent::parse_instant;
use desk_core::member::Page;
use desk_core::progress::NoProgress;
use desk_core::search::{SearchOptions, SearchResult};
use desk_core::vault::raw::open_raw;
use desk_core::{Error, Role, Session};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const HEADER: &str = "member_id,username,email,first_name,surname,postcode,signup_ip,twitter_handle,blog_url,signup_at,status,updated_at,favourite_colour";

fn m(id: &str, user: &str, email: &str, first: &str, sur: &str, extra: &str) -> String {
    format!("{id},{user},{email},{first},{sur},{extra},2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,teal")
}

fn netmums_members() -> Vec<String> {
    vec![
        m(
            "m-1",
            "jane_doe",
            "Jane.Doe@Example.org",
            "Zoë",
            "Smith",
            "SW1A 1AA,10.0.0.1,@JaneDoe,https://www.janeblog.example/",
        ),
        m(
            "m-2",
            "jane_doe_2",
            "jane.doe@example.org.uk",
            "Anna",
            "Smyth",
            ",,,",
        ),
        m("m-3", "bob", "bob@example.org", "Robert", "Jones", ",,,"),
    ]
}

fn sync(vault: &Path, export: &Path) {
    dpo(vault).sync(export, t(3), &NoProgress).unwrap();
}

fn fixture(root: &Path) -> PathBuf {
    let vault = new_vault(root);
    let e = ExportBuilder::full(root, "nm-1", "netmums", 1)
        .csv("members", HEADER, &netmums_members())
        .jsonl("consent_events", &[])
        .csv(
            "social_accounts",
            "social_id,member_id,provider,email",
            &["s-1,m-3,facebook,Social@Example.net".into()],
        )
        .csv(
            "login_events",
            "login_id,member_id,occurred_at,ip",
            &["l-1,m-2,2026-01-01T10:00:00Z,192.168.5.5".into()],
        )
        .jsonl(
            "posts",
            &[{
                let mut p = post("p-1", "m-3");
                p["posted_as"] = json!("Tired Mum 82");
                p
            }],
        )
        .csv(
            "competition_entries",
            "entry_id,member_id,competition_id,entered_at,phone",
            &["c-1,m-1,comp-1,2026-01-01T10:00:00Z,+44 7700 900123".into()],
        )
        .csv(
            "local_listings",
            "listing_id,member_id,created_at,phone",
            &["ll-1,m-2,2026-01-01T10:00:00Z,020 7946 0000".into()],
        )
        .jsonl(
            "helpdesk_tickets",
            &[
                json!({"ticket_id": "h-1", "requester_email": "nobody@example.com", "opened_at": "2026-01-01T10:00:00Z", "messages": [{"from": "member", "at": "2026-01-01T10:00:00Z", "body": "hi"}]}),
                json!({"ticket_id": "h-2", "requester_email": "JANE.DOE@example.org", "opened_at": "2026-01-01T10:00:00Z", "messages": [{"from": "member", "at": "2026-01-01T10:00:00Z", "body": "hi"}]}),
            ],
        )
        .write();
    sync(&vault, &e);
    let e = ExportBuilder::full(root, "mn-1", "mumsnet", 1)
        .csv(
            "members",
            HEADER,
            &[m(
                "m-1",
                "janey",
                "jane.doe@example.org",
                "Jane",
                "Doe",
                ",,,",
            )],
        )
        .jsonl("consent_events", &[])
        .write();
    sync(&vault, &e);
    vault
}

fn find(s: &Session, q: &str) -> Vec<SearchResult> {
    s.search(q, &SearchOptions::default(), t(4)).unwrap()
}

fn who(r: &[SearchResult]) -> Vec<String> {
    r.iter()
        .map(|r| format!("{}:{}", r.site, r.member_id.as_deref().unwrap_or("")))
        .collect()
}

fn has(r: &[SearchResult], site: &str, id: &str, label: &str) -> bool {
    r.iter().any(|x| {
        x.site == site && x.member_id.as_deref() == Some(id) && x.matched.iter().any(|m| m == label)
    })
}

#[test]
fn finds_by_every_identifier_kind() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    let s = dpo(&vault);
    let cases: &[(&str, &str, &str, &str)] = &[
        ("JANE.DOE@example.ORG", "netmums", "m-1", "email"),
        ("jane.doe@example.org", "mumsnet", "m-1", "email"),
        (
            "social@example.NET",
            "netmums",
            "m-3",
            "social_account_email",
        ),
        ("JANE_DOE", "netmums", "m-1", "username"),
        ("jane_d", "netmums", "m-2", "username_prefix"),
        ("tired mum 82", "netmums", "m-3", "posted_as"),
        ("Tired", "netmums", "m-3", "posted_as"),
        ("ZOE", "netmums", "m-1", "first_name"),
        ("zoë smith", "netmums", "m-1", "surname"),
        ("Smiht", "netmums", "m-1", "surname_approx"),
        ("Smyth", "netmums", "m-2", "surname"),
        ("Robret", "netmums", "m-3", "first_name_approx"),
        // A wrong first letter, a wrong consonant: the Soundex code changes.
        ("Xmith", "netmums", "m-1", "surname_approx"),
        ("Jpnes", "netmums", "m-3", "surname_approx"),
        ("Hobert", "netmums", "m-3", "first_name_approx"),
        ("sw1a1aa", "netmums", "m-1", "postcode"),
        ("SW1A 1AA", "netmums", "m-1", "postcode"),
        ("10.0.0.1", "netmums", "m-1", "signup_ip"),
        ("192.168.5.5", "netmums", "m-2", "login_ip"),
        ("07700 900123", "netmums", "m-1", "competition_phone"),
        ("+44 20 7946 0000", "netmums", "m-2", "listing_phone"),
        ("@janedoe", "netmums", "m-1", "twitter_handle"),
        ("janeblog.example", "netmums", "m-1", "blog_url"),
        ("http://janeblog.example/", "netmums", "m-1", "blog_url"),
        ("m-3", "netmums", "m-3", "member_id"),
    ];
    for (q, site, id, label) in cases {
        let r = find(&s, q);
        assert!(
            has(&r, site, id, label),
            "{q:?}: want {site}:{id} by {label}, got {r:?}"
        );
    }
    // Results carry the member's username, email and status.
    let r = find(&s, "bob");
    assert_eq!(r[0].username.as_deref(), Some("bob"));
    assert_eq!(r[0].email.as_deref(), Some("bob@example.org"));
    assert_eq!(r[0].status, "active");
    // Nothing for nonsense.
    assert!(find(&s, "qqqzzzxxx").is_empty());
    assert!(matches!(
        s.search("  ", &SearchOptions::default(), t(4)),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn exact_matches_rank_first_and_site_and_limit_apply() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    let s = dpo(&vault);
    // Exact email on both sites above the prefix match on m-2.
    let r = find(&s, "jane.doe@example.org");
    assert_eq!(
        who(&r)[..2]
            .iter()
            .collect::<std::collections::BTreeSet<_>>(),
        ["mumsnet:m-1".to_string(), "netmums:m-1".to_string()]
            .iter()
            .collect()
    );
    assert!(r[0].matched.contains(&"email".to_string()));
    assert!(has(&r, "netmums", "m-2", "email_prefix"));
    assert_eq!(who(&r).last().unwrap(), "netmums:m-2");
    // Exact username above the prefix match.
    let r = find(&s, "jane_doe");
    assert_eq!(who(&r)[0], "netmums:m-1");
    assert_eq!(r[0].matched[0], "username");
    assert_eq!(who(&r)[1], "netmums:m-2");
    // --site and --limit.
    let only = s
        .search(
            "jane.doe@example.org",
            &SearchOptions {
                site: Some("mumsnet".into()),
                limit: None,
            },
            t(4),
        )
        .unwrap();
    assert_eq!(who(&only), ["mumsnet:m-1"]);
    let one = s
        .search(
            "jane.doe@example.org",
            &SearchOptions {
                site: None,
                limit: Some(1),
            },
            t(4),
        )
        .unwrap();
    assert_eq!(one.len(), 1);
}

#[test]
fn finds_a_helpdesk_only_requester() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    let s = dpo(&vault);
    let r = find(&s, "Nobody@Example.com");
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].member_id, None);
    assert_eq!(r[0].status, "no_account");
    assert_eq!(r[0].matched, ["helpdesk_requester_email"]);
    // A member's own email also finds the tickets sent from it.
    let r = find(&s, "jane.doe@example.org");
    assert!(r
        .iter()
        .any(|x| x.member_id.is_none()
            && x.matched.contains(&"helpdesk_requester_email".to_string())));
}

/// Every index entry equals a fresh recomputation from the stored rows.
fn assert_index_exact(vault: &Path) {
    let conn = open_raw(vault, "dpo", "dpo-password")
        .unwrap()
        .data
        .unwrap();
    let mut parts = Vec::new();
    for t in desk_core::search::INDEXED {
        parts.push(format!(
            "SELECT j.value AS key, r.site AS site, coalesce(r.member_id, '') AS member_id FROM {t} r, json_each(desk_terms('{t}', r.data)) j"
        ));
    }
    let expected_sql = format!(
        "SELECT key, site, member_id, count(*) FROM ({}) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        parts.join(" UNION ALL ")
    );
    let q = |sql: &str| -> Vec<(String, String, String, i64)> {
        let mut st = conn.prepare(sql).unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    let want = q(&expected_sql);
    let got = q("SELECT key, site, member_id, n FROM search_terms ORDER BY 1, 2, 3");
    assert_eq!(got, want, "search index differs from the rows");
    let rcpt_want = q("SELECT r.site, j.value, r.id, 1 FROM private_messages r, json_each(r.data, '$.recipient_ids') j ORDER BY 1, 2, 3");
    let rcpt_got = q("SELECT site, member_id, message_id, 1 FROM pm_recipients ORDER BY 1, 2, 3");
    assert_eq!(rcpt_got, rcpt_want, "recipient index differs from the rows");
}

#[test]
fn index_stays_exact_through_deltas_deletions_sweeps_and_hold_lifts() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    assert_index_exact(&vault);
    // Delta: m-3 changes email; m-2 is deleted (cascade); a message and a post change.
    let mut members = netmums_members();
    members[2] = m("m-3", "bob", "robert@example.org", "Robert", "Jones", ",,,");
    let d = ExportBuilder::delta(root.path(), "nm-2", "netmums", 2, 1)
        .csv("members", HEADER, &members[2..])
        .jsonl("consent_events", &[])
        .jsonl(
            "posts",
            &[{
                let mut p = post("p-2", "m-3");
                p["posted_as"] = json!("Night Owl");
                p
            }],
        )
        .jsonl(
            "private_messages",
            &[
                message("pm-1", "m-1", &["m-3", "m-2"]),
                message(
                    "pm-2",
                    "m-3",
                    &[
                        "m-1", "x-1", "x-2", "x-3", "x-4", "x-5", "x-6", "x-7", "x-8", "x-9",
                    ],
                ),
            ],
        )
        .csv(
            "deletions",
            "entity,id,deleted_at",
            &["members,m-2,2026-11-02T01:00:00Z".into()],
        )
        .write();
    sync(&vault, &d);
    assert_index_exact(&vault);
    let s = dpo(&vault);
    assert!(find(&s, "bob@example.org").is_empty());
    assert!(has(
        &find(&s, "robert@example.org"),
        "netmums",
        "m-3",
        "email"
    ));
    assert!(
        find(&s, "192.168.5.5").is_empty(),
        "m-2's login went with m-2"
    );
    assert!(has(&find(&s, "night owl"), "netmums", "m-3", "posted_as"));
    drop(s);
    // A message's recipients change; a post changes its posted-as name.
    let d = ExportBuilder::delta(root.path(), "nm-2b", "netmums", 3, 2)
        .csv("members", HEADER, &[])
        .jsonl("consent_events", &[])
        .jsonl("private_messages", &[message("pm-2", "m-3", &["m-1"])])
        .jsonl(
            "posts",
            &[{
                let mut p = post("p-2", "m-3");
                p["posted_as"] = json!("Early Bird");
                p
            }],
        )
        .write();
    sync(&vault, &d);
    assert_index_exact(&vault);
    let s = dpo(&vault);
    assert!(find(&s, "night owl").is_empty());
    assert!(has(&find(&s, "early bird"), "netmums", "m-3", "posted_as"));
    drop(s);
    // Hold m-1, then a full export without m-1 and without p-1: m-1 is kept
    // (searchable, marked), p-1 swept.
    dpo(&vault)
        .hold_set("netmums", "m-1", "police request", t(3))
        .unwrap();
    let full = ExportBuilder::full(root.path(), "nm-4", "netmums", 4)
        .csv("members", HEADER, &members[2..])
        .jsonl("consent_events", &[])
        .write();
    sync(&vault, &full);
    assert_index_exact(&vault);
    let s = dpo(&vault);
    let r = find(&s, "jane_doe");
    assert!(r[0].deleted_in_production && r[0].member_id.as_deref() == Some("m-1"));
    assert!(find(&s, "tired mum 82").is_empty());
    drop(s);
    dpo(&vault).hold_lift("netmums", "m-1", t(3)).unwrap();
    assert_index_exact(&vault);
    let s = dpo(&vault);
    assert!(!find(&s, "jane_doe")
        .iter()
        .any(|r| r.site == "netmums" && r.member_id.as_deref() == Some("m-1")));
    // A re-sent export changes nothing.
    drop(s);
    sync(&vault, &full);
    assert_index_exact(&vault);
}

// ---- consent ----------------------------------------------------------

fn ev(id: &str, purpose: &str, action: &str, at: &str) -> Value {
    json!({"event_id": id, "member_id": "m-1", "purpose": purpose, "action": action,
           "occurred_at": at, "source": "profile_settings", "policy_version": "v3",
           "ip": "10.0.0.9", "evidence": {"form": "settings"}})
}

fn consent_vault(root: &Path) -> PathBuf {
    let vault = new_vault(root);
    let tcf = desk_core::tcf::encode(&[1, 3], &[755], 17_000_000_000);
    let mut cookie = ev(
        "ck-1",
        "cookies.analytics",
        "granted",
        "2026-01-01T09:00:00Z",
    );
    cookie["tcf_string"] = json!(tcf);
    cookie["source"] = json!("cmp");
    let e = ExportBuilder::full(root, "c-1", "netmums", 1)
        .members(&["m-1"])
        .jsonl(
            "consent_events",
            &[
                ev("e-b", "partner_emails", "granted", "2026-01-02T10:00:00Z"),
                ev("e-a", "partner_emails", "granted", "2026-01-01T10:00:00Z"),
                // Same instant as e-a, written with another offset: e-c > e-a.
                ev(
                    "e-c",
                    "partner_emails",
                    "withdrawn",
                    "2026-01-01T11:00:00+01:00",
                ),
                // Same instant: "ce-10" < "ce-9" as text, so ce-9 decides.
                ev("ce-9", "research_panel", "granted", "2026-03-01T00:00:00Z"),
                ev(
                    "ce-10",
                    "research_panel",
                    "withdrawn",
                    "2026-03-01T00:00:00Z",
                ),
                ev(
                    "x-1",
                    "brand_new.purpose",
                    "granted",
                    "2026-01-05T00:00:00Z",
                ),
                cookie,
            ],
        )
        .write();
    sync(&vault, &e);
    vault
}

fn state(s: &Session, purpose: &str, at: &str) -> (String, Option<String>) {
    let v = s
        .consent("netmums", "m-1", Some(parse_instant(at).unwrap()), t(4))
        .unwrap();
    let p = v.purposes.iter().find(|p| p.purpose == purpose).unwrap();
    (p.state.clone(), p.event_id.clone())
}

#[test]
fn consent_state_at_instants_with_ties_and_offsets() {
    let root = tempfile::tempdir().unwrap();
    let vault = consent_vault(root.path());
    let s = dpo(&vault);
    let st = |at: &str| state(&s, "partner_emails", at);
    assert_eq!(st("2026-01-01T09:59:59Z"), ("no_event_yet".into(), None));
    // At the tie instant (asked with yet another offset): e-c wins over e-a.
    assert_eq!(
        st("2026-01-01T05:00:00-05:00"),
        ("withdrawn".into(), Some("e-c".into()))
    );
    assert_eq!(
        st("2026-01-01T10:00:00Z"),
        ("withdrawn".into(), Some("e-c".into()))
    );
    assert_eq!(
        st("2026-01-01T23:00:00Z"),
        ("withdrawn".into(), Some("e-c".into()))
    );
    assert_eq!(
        st("2026-01-02T09:59:59Z"),
        ("withdrawn".into(), Some("e-c".into()))
    );
    assert_eq!(
        st("2026-01-02T11:00:00+01:00"),
        ("granted".into(), Some("e-b".into()))
    );
    assert_eq!(st("2030-01-01"), ("granted".into(), Some("e-b".into())));
    // Event ids compared as text.
    assert_eq!(
        state(&s, "research_panel", "2026-03-01T00:00:00Z"),
        ("granted".into(), Some("ce-9".into()))
    );
    assert_eq!(
        state(&s, "research_panel", "2026-02-28T23:59:59Z").0,
        "no_event_yet"
    );
    // Now (default): every purpose, new ones included; the whole history in order.
    let v = s.consent("netmums", "m-1", None, t(4)).unwrap();
    let purposes: Vec<&str> = v.purposes.iter().map(|p| p.purpose.as_str()).collect();
    assert_eq!(
        purposes,
        [
            "partner_emails",
            "research_panel",
            "cookies.analytics",
            "brand_new.purpose"
        ]
    );
    let newp = v
        .purposes
        .iter()
        .find(|p| p.purpose == "brand_new.purpose")
        .unwrap();
    assert!(!newp.known_purpose);
    assert_eq!(newp.state, "granted");
    let ids: Vec<&str> = v
        .events
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ck-1", "e-a", "e-c", "e-b", "x-1", "ce-10", "ce-9"]);
    assert_eq!(v.events[1]["policy_version"], "v3");
    assert_eq!(v.events[1]["evidence"]["form"], "settings");
    assert_eq!(v.events[1]["ip"], "10.0.0.9");
    // TCF decoded on cookies.* events.
    assert_eq!(v.events[0]["tcf"]["purposes_consent"], json!([1, 3]));
    assert_eq!(v.events[0]["tcf"]["vendor_consents"], json!([755]));
    // No such member: NotFound.
    assert!(matches!(
        s.consent("netmums", "m-404", None, t(4)),
        Err(Error::NotFound(_))
    ));
}

// ---- conflicts --------------------------------------------------------

fn good(id: &str, member: &str, purpose: &str, action: &str, at: &str) -> Value {
    json!({"event_id": id, "member_id": member, "purpose": purpose, "action": action,
           "occurred_at": at, "source": "registration", "policy_version": "v1",
           "evidence": {"form": "signup"}})
}

#[test]
fn each_conflict_kind_is_found_and_a_clean_member_has_none() {
    let root = tempfile::tempdir().unwrap();
    let vault = new_vault(root.path());
    let mut weak = good(
        "b-3",
        "bad",
        "partner_emails",
        "granted",
        "2026-01-01T00:00:00Z",
    );
    weak.as_object_mut().unwrap().remove("evidence");
    let e = ExportBuilder::full(root.path(), "cf-1", "netmums", 1)
        .members(&["bad", "clean"])
        .jsonl(
            "consent_events",
            &[
                good("b-1", "bad", "newsletter.pregnancy_weekly", "granted", "2026-01-01T00:00:00Z"),
                good("b-2", "bad", "newsletter.pregnancy_weekly", "withdrawn", "2026-02-01T00:00:00Z"),
                weak,
                good("c-1", "clean", "newsletter.pregnancy_weekly", "granted", "2026-01-01T00:00:00Z"),
                good("c-2", "clean", "competition.share_with_sponsor", "granted", "2026-01-01T00:00:00Z"),
                good("c-3", "clean", "survey.share_with_partner", "granted", "2026-01-01T00:00:00Z"),
                good("c-4", "clean", "special_category_data", "granted", "2026-01-01T00:00:00Z"),
                // Granted after the competition entry: still a conflict for "bad".
                good("b-4", "bad", "competition.share_with_sponsor", "granted", "2026-06-01T00:00:00Z"),
            ],
        )
        .csv(
            "newsletter_engagement",
            "engagement_id,member_id,newsletter,last_sent_at",
            &[
                "ne-1,bad,pregnancy_weekly,2026-03-01T00:00:00Z".into(),
                "ne-2,bad,baby_monthly,2026-03-01T00:00:00Z".into(),
                "ne-3,clean,pregnancy_weekly,2026-03-01T00:00:00Z".into(),
                "ne-4,clean,baby_monthly,".into(),
            ],
        )
        .csv(
            "competition_entries",
            "entry_id,member_id,competition_id,entered_at,share_with_sponsor",
            &[
                "ce-1,bad,k,2026-03-01T00:00:00Z,true".into(),
                "ce-2,clean,k,2026-03-01T00:00:00Z,true".into(),
                "ce-3,bad,k,2026-03-01T00:00:00Z,false".into(),
            ],
        )
        .jsonl(
            "survey_responses",
            &[
                json!({"response_id": "sr-1", "member_id": "bad", "survey_id": "s", "submitted_at": "2026-03-01T00:00:00Z", "share_with_partner": true}),
                json!({"response_id": "sr-2", "member_id": "clean", "survey_id": "s", "submitted_at": "2026-03-01T00:00:00Z", "share_with_partner": true}),
            ],
        )
        .jsonl(
            "helpdesk_tickets",
            &[
                json!({"ticket_id": "t-1", "member_id": "bad", "requester_email": "bad@example.org", "opened_at": "2026-03-01T00:00:00Z", "special_category": true, "messages": []}),
                json!({"ticket_id": "t-2", "member_id": "clean", "requester_email": "clean@example.org", "opened_at": "2026-03-01T00:00:00Z", "special_category": true, "messages": []}),
            ],
        )
        .write();
    sync(&vault, &e);
    let s = dpo(&vault);
    let scope = |m: &str| Scope {
        site: None,
        member: Some(("netmums".into(), m.into())),
    };
    let bad = s.conflicts(&scope("bad"), t(4)).unwrap();
    let mut kinds: Vec<(String, Vec<String>, Vec<String>)> = bad
        .iter()
        .map(|c| {
            (
                c.kind.clone(),
                c.rows
                    .iter()
                    .map(|r| format!("{}:{}", r.entity, r.id))
                    .collect(),
                c.events.clone(),
            )
        })
        .collect();
    kinds.sort();
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        kinds,
        vec![
            (
                "competition_shared_without_consent".into(),
                v(&["competition_entries:ce-1"]),
                v(&[])
            ),
            (
                "newsletter_sent_after_withdrawal".into(),
                v(&["newsletter_engagement:ne-1"]),
                v(&["b-2"])
            ),
            (
                "newsletter_sent_without_consent".into(),
                v(&["newsletter_engagement:ne-2"]),
                v(&[])
            ),
            (
                "special_category_without_consent".into(),
                v(&["helpdesk_tickets:t-1"]),
                v(&[])
            ),
            (
                "survey_shared_without_consent".into(),
                v(&["survey_responses:sr-1"]),
                v(&[])
            ),
            ("weak_consent_proof".into(), v(&[]), v(&["b-3"])),
        ]
    );
    assert!(bad.iter().all(|c| !c.description.is_empty()));
    assert!(s.conflicts(&scope("clean"), t(4)).unwrap().is_empty());
    // Site-wide: the same six.
    let all = s.conflicts(&Scope::default(), t(4)).unwrap();
    assert_eq!(all.len(), 6);
    assert!(all.iter().all(|c| c.member_id == "bad"));
}

// ---- member record ----------------------------------------------------

#[test]
fn member_record_has_everything_and_pages_a_heavy_member() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    let posts: Vec<Value> = (0..5000)
        .map(|i| post(&format!("bp-{i:05}"), "m-1"))
        .collect();
    let mut members = netmums_members();
    members.push(m("m-9", "gone_soon", "gone@example.org", "", "", ",,,"));
    let d = ExportBuilder::delta(root.path(), "nm-2", "netmums", 2, 1)
        .csv("members", HEADER, &members)
        .jsonl(
            "consent_events",
            &[ev(
                "e-1",
                "partner_emails",
                "granted",
                "2026-01-01T00:00:00Z",
            )],
        )
        .jsonl("posts", &posts)
        .jsonl(
            "private_messages",
            &[
                message("pm-1", "m-1", &["m-3"]),
                message("pm-2", "m-3", &["m-1", "m-9"]),
            ],
        )
        .write();
    sync(&vault, &d);
    let d = ExportBuilder::delta(root.path(), "nm-3", "netmums", 3, 2)
        .csv("members", HEADER, &[])
        .jsonl("consent_events", &[])
        .csv(
            "deletions",
            "entity,id,deleted_at",
            &["members,m-9,2026-11-03T01:00:00Z".into()],
        )
        .write();
    sync(&vault, &d);
    let s = dpo(&vault);
    let r = s
        .member(
            "netmums",
            "m-1",
            Page {
                page: 1,
                size: Some(1000),
            },
            t(4),
        )
        .unwrap();
    assert_eq!(r.profile["favourite_colour"], "teal", "unknown fields kept");
    assert_eq!(r.status.as_deref(), Some("active"));
    assert!(!r.held);
    assert_eq!(r.provenance["export_sequence"], 2);
    assert_eq!(r.totals["posts"], 5000);
    assert_eq!(r.rows["posts"].as_array().unwrap().len(), 1000);
    assert_eq!(r.rows["competition_entries"][0]["entry_id"], "c-1");
    assert_eq!(r.rows["consent_events"][0]["event_id"], "e-1");
    // Helpdesk ticket h-2 matched by email (no member id on it).
    assert_eq!(r.rows["helpdesk_tickets"][0]["ticket_id"], "h-2");
    assert_eq!(
        r.rows["helpdesk_tickets"][0]["_matched_by"],
        "requester_email"
    );
    // Messages as sender and recipient; others by username, or former member.
    let pms = r.rows["private_messages"].as_array().unwrap();
    assert_eq!(pms.len(), 2);
    assert_eq!(pms[0]["_role"], "sender");
    assert_eq!(pms[0]["_other_participants"][0]["username"], "bob");
    assert_eq!(pms[1]["_role"], "recipient");
    let others = &pms[1]["_other_participants"];
    assert_eq!(others[0]["username"], "bob");
    assert_eq!(others[1]["member_id"], "m-9");
    assert_eq!(others[1]["former_member"], true);
    // Pages are disjoint and cover everything.
    let mut seen = std::collections::BTreeSet::new();
    for p in 1..=6 {
        let r = s
            .member(
                "netmums",
                "m-1",
                Page {
                    page: p,
                    size: Some(1000),
                },
                t(4),
            )
            .unwrap();
        let rows = r.rows["posts"].as_array().unwrap();
        assert_eq!(rows.len(), if p <= 5 { 1000 } else { 0 });
        for x in rows {
            assert!(seen.insert(x["post_id"].as_str().unwrap().to_string()));
        }
    }
    assert_eq!(seen.len(), 5000);
    let all = s.member("netmums", "m-1", Page::all(), t(4)).unwrap();
    assert_eq!(all.rows["posts"].as_array().unwrap().len(), 5000);
    assert!(matches!(
        s.member("netmums", "nobody", Page::default(), t(4)),
        Err(Error::NotFound(_))
    ));
}

// ---- roles and audit --------------------------------------------------

#[test]
fn every_read_is_audited_and_the_auditor_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    dpo(&vault)
        .add_user("ada", Role::Auditor, "ada-password", t(2))
        .unwrap();
    let staff = Session::unlock(&vault, "staff", "staff-password", t(2)).unwrap();
    staff
        .search("secret.person@example.org", &SearchOptions::default(), t(5))
        .unwrap();
    staff
        .member("netmums", "m-1", Page::default(), t(5))
        .unwrap();
    staff.consent("netmums", "m-1", None, t(5)).unwrap();
    staff.conflicts(&Scope::default(), t(5)).unwrap();
    let ada = Session::unlock(&vault, "ada", "ada-password", t(2)).unwrap();
    for r in [
        ada.search("x", &SearchOptions::default(), t(5)).map(|_| ()),
        ada.member("netmums", "m-1", Page::default(), t(5))
            .map(|_| ()),
        ada.consent("netmums", "m-1", None, t(5)).map(|_| ()),
        ada.conflicts(&Scope::default(), t(5)).map(|_| ()),
    ] {
        assert!(matches!(r, Err(Error::Forbidden { .. })), "{r:?}");
    }
    let events = dpo(&vault).audit_list(&Default::default(), t(6)).unwrap();
    let find = |user: &str, action: &str, outcome: &str| {
        events
            .iter()
            .filter(|e| {
                e.user.as_deref() == Some(user) && e.action == action && e.outcome == outcome
            })
            .count()
    };
    for a in ["search", "member_view", "consent_view", "conflicts_view"] {
        assert_eq!(find("staff", a, "ok"), 1, "{a}");
    }
    assert_eq!(find("ada", "read_members", "refused"), 4);
    let search = events.iter().find(|e| e.action == "search").unwrap();
    assert!(search
        .detail
        .as_ref()
        .unwrap()
        .to_string()
        .contains("secret.person@example.org"));
    let view = events.iter().find(|e| e.action == "member_view").unwrap();
    assert_eq!(
        (view.site.as_deref(), view.member_id.as_deref()),
        (Some("netmums"), Some("m-1"))
    );
}

#[test]
fn the_migration_backfills_an_existing_vault() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    let conn = open_raw(&vault, "dpo", "dpo-password")
        .unwrap()
        .data
        .unwrap();
    // As a vault synced before the search migration: no index objects.
    let objects: Vec<(String, String)> = conn
        .prepare(
            "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'index')
               AND name IN ('helpdesk_tickets_requester', 'pm_recipients_message')
               OR type = 'trigger'",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    for (ty, name) in &objects {
        conn.execute_batch(&format!("DROP {ty} {name}")).unwrap();
    }
    conn.execute_batch("DROP TABLE search_terms; DROP TABLE pm_recipients;")
        .unwrap();
    conn.execute_batch(desk_core::vault::migrate::MIGRATIONS[2].sql)
        .unwrap();
    drop(conn);
    assert_index_exact(&vault);
    assert!(has(
        &find(&dpo(&vault), "zoe"),
        "netmums",
        "m-1",
        "first_name"
    ));
}
