//! A full export of 2,000 members follows the contract and is realistic.

mod gen_common;

use export_format::Entity;
use export_gen::{generate, GenOptions, NoProgress, Progress, ProgressEvent};
use gen_common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

const PURPOSES: &[&str] = &[
    "newsletter.parenting_news",
    "newsletter.pregnancy_weekly",
    "newsletter.baby_monthly",
    "newsletter.bloggers_network",
    "partner_emails",
    "market_research_contact",
    "competition.share_with_sponsor",
    "survey.share_with_partner",
    "research_panel",
    "special_category_data",
    "local_listing_offers",
    "cookies.essential",
    "cookies.preferences",
    "cookies.analytics",
    "cookies.advertising",
    "cookies.social",
    "identity_partner_sharing",
];

const SOURCES: &[&str] = &[
    "registration",
    "profile_settings",
    "unsubscribe_link",
    "cmp",
    "helpdesk",
    "competition_entry",
    "survey",
    "inactivity_expiry",
    "legacy_import",
];

fn s<'a>(r: &'a Row, f: &str) -> &'a str {
    r.fields.get(f).and_then(|v| v.as_str()).unwrap_or("")
}

#[test]
fn full_export_follows_the_contract_and_is_realistic() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("netmums-full");
    let summary = gen(&opts(2000, 7), &out);
    assert_eq!(summary.kind, "full");
    assert_eq!(summary.sequence, 1);
    assert_eq!(summary.path, out);
    let x = load(&out);
    assert_eq!(x.manifest["site"], "netmums");
    assert_eq!(x.manifest["generated_at"], "2026-11-21T02:00:00Z");
    assert_eq!(x.manifest["generator"]["seed"], 7);
    assert_eq!(x.manifest["generator"]["original_members"], 2000);
    assert_eq!(x.manifest["generator"]["next_member"], 2001);
    // Every data entity present, and the summary agrees with the manifest.
    let listed: Vec<(Entity, u64)> = Entity::DATA
        .iter()
        .map(|e| (*e, x.rows(*e).len() as u64))
        .collect();
    assert_eq!(summary.rows, listed);
    let bytes: u64 = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert_eq!(summary.bytes, bytes);
    assert_eq!(x.rows(Entity::Members).len(), 2000);

    // References: every member link names a member of this export.
    let mut v = Vault::default();
    v.apply(&x);

    // Members carry password_hash and an unknown column.
    let members_csv = &x.text[&Entity::Members];
    let header = members_csv.lines().next().unwrap();
    assert!(header.contains("password_hash") && header.contains("marketing_segment"));
    assert!(x
        .rows(Entity::Members)
        .iter()
        .any(|r| r.fields.contains_key("marketing_segment")));
    let statuses: BTreeSet<&str> = x
        .rows(Entity::Members)
        .iter()
        .map(|r| s(r, "status"))
        .collect();
    assert_eq!(statuses.len(), 4, "{statuses:?}");
    assert!(x
        .rows(Entity::Members)
        .iter()
        .any(|r| s(r, "signup_ip").contains(':')));
    assert!(x
        .rows(Entity::Members)
        .iter()
        .any(|r| r.fields.contains_key("blog_url")));
    let pc = x
        .rows(Entity::Members)
        .iter()
        .filter(|r| !s(r, "postcode").is_empty());
    for r in pc {
        let p = s(r, "postcode");
        let (out, inw) = p.split_once(' ').unwrap();
        assert!((2..=4).contains(&out.len()) && inw.len() == 3, "{p}");
    }

    // Every purpose and every source appears; cookie CMP events carry TCF strings.
    let ce = x.rows(Entity::ConsentEvents);
    let purposes: BTreeSet<&str> = ce.iter().map(|r| s(r, "purpose")).collect();
    let sources: BTreeSet<&str> = ce.iter().map(|r| s(r, "source")).collect();
    for p in PURPOSES {
        assert!(purposes.contains(p), "purpose {p} missing");
    }
    for so in SOURCES {
        assert!(sources.contains(so), "source {so} missing");
    }
    assert!(ce
        .iter()
        .filter(|r| s(r, "source") == "cmp")
        .all(|r| s(r, "tcf_string").starts_with('C')));
    assert!(ce.iter().any(|r| !r.fields.contains_key("evidence")));
    assert!(ce.iter().any(|r| !r.fields.contains_key("policy_version")));
    // Per member, events are in time order; some same-instant ties of one purpose.
    let mut last: BTreeMap<&str, chrono::DateTime<chrono::FixedOffset>> = BTreeMap::new();
    let mut ties = 0;
    let mut seen: BTreeSet<(String, String, i64)> = BTreeSet::new();
    for r in ce {
        let t = chrono::DateTime::parse_from_rfc3339(s(r, "occurred_at")).unwrap();
        if let Some(prev) = last.get(s(r, "member_id")) {
            assert!(*prev <= t, "consent events out of order at line {}", r.line);
        }
        last.insert(s(r, "member_id"), t);
        if !seen.insert((
            s(r, "member_id").into(),
            s(r, "purpose").into(),
            t.timestamp(),
        )) {
            ties += 1;
        }
    }
    assert!(ties > 0, "no same-instant ties");

    // Timestamps use both Z and +01:00.
    let all: String = x.text.values().cloned().collect();
    assert!(all.contains("+01:00\"") || all.contains("+01:00,"));
    assert!(all.contains("Z\"") || all.contains("Z,"));

    // CSV quoting is exercised: quoted fields with commas and newlines.
    let comp = &x.text[&Entity::CompetitionEntries];
    assert!(x
        .rows(Entity::CompetitionEntries)
        .iter()
        .any(|r| s(r, "postal_address").contains('\n')));
    assert!(comp.contains('"'));
    assert!(x
        .rows(Entity::LocalListings)
        .iter()
        .any(|r| s(r, "address").contains(',')));
    assert!(x
        .rows(Entity::LoginEvents)
        .iter()
        .any(|r| s(r, "user_agent").contains(',')));

    // Posts: boards, anonymous names, markup.
    let posts = x.rows(Entity::Posts);
    let boards: BTreeSet<&str> = posts.iter().map(|r| s(r, "board")).collect();
    assert!(boards.contains("Am I being unreasonable?") && boards.len() >= 10);
    assert!(posts
        .iter()
        .any(|r| s(r, "posted_as") == "NameChangedForThis"
            || s(r, "posted_as").starts_with("NC")
            || s(r, "posted_as").starts_with("Anon")));
    assert!(posts.iter().any(|r| s(r, "body").contains('<')));
    assert!(posts.iter().any(|r| s(r, "body").contains('\n')));

    // Messages of every conversation type, some to several recipients.
    let pms = x.rows(Entity::PrivateMessages);
    let types: BTreeSet<&str> = pms.iter().map(|r| s(r, "conversation_type")).collect();
    assert_eq!(types.len(), 3, "{types:?}");
    assert!(pms
        .iter()
        .any(|r| r.fields["recipient_ids"].as_array().unwrap().len() > 1));

    // Tickets with no account; special category.
    let tk = x.rows(Entity::HelpdeskTickets);
    assert!(tk.iter().any(|r| r.member.is_none()));
    assert!(tk
        .iter()
        .any(|r| r.fields.get("special_category") == Some(&true.into())));

    // Conflicts the desk will flag: sharing without consent.
    let granted: BTreeSet<(&str, &str)> = ce
        .iter()
        .filter(|r| s(r, "action") == "granted")
        .map(|r| (s(r, "member_id"), s(r, "purpose")))
        .collect();
    let conflicts = x
        .rows(Entity::CompetitionEntries)
        .iter()
        .filter(|r| r.fields.get("share_with_sponsor") == Some(&true.into()))
        .filter(|r| !granted.contains(&(s(r, "member_id"), "competition.share_with_sponsor")))
        .count();
    assert!(conflicts > 0, "no competition sharing conflicts");

    // Children agree with children_count.
    let mut born: BTreeMap<&str, i64> = BTreeMap::new();
    for c in x.rows(Entity::Children) {
        if c.fields.contains_key("date_of_birth") {
            *born.entry(s(c, "member_id")).or_default() += 1;
        }
    }
    for m in x.rows(Entity::Members) {
        if let Some(n) = m.fields.get("children_count").and_then(|v| v.as_i64()) {
            assert_eq!(born.get(m.id.as_str()).copied().unwrap_or(0), n, "{}", m.id);
        }
    }

    // Proportions per member are near the benchmark's.
    let per = |e: Entity| x.rows(e).len() as f64 / 2000.0;
    let expect = [
        (Entity::ConsentEvents, 6.0),
        (Entity::Posts, 3.0),
        (Entity::LoginEvents, 3.0),
        (Entity::Children, 0.6),
        (Entity::SocialAccounts, 0.3),
        (Entity::PrivateMessages, 1.0),
        (Entity::CompetitionEntries, 0.2),
        (Entity::SurveyResponses, 0.2),
        (Entity::HelpdeskTickets, 0.05),
        (Entity::NewsletterEngagement, 1.5),
        (Entity::LocalListings, 0.02),
        (Entity::Reviews, 0.1),
    ];
    for (e, want) in expect {
        let got = per(e);
        assert!(
            got > want * 0.6 && got < want * 1.5,
            "{e}: {got} per member, want ~{want}"
        );
    }
}

#[test]
fn gzip_output_decompresses_to_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    let gz = dir.path().join("gz");
    gen(&opts(300, 3), &plain);
    let mut o = opts(300, 3);
    o.gzip = true;
    gen(&o, &gz);
    let a = load(&plain);
    let b = load(&gz);
    for f in b.manifest["files"].as_array().unwrap() {
        assert!(f["path"].as_str().unwrap().ends_with(".gz"));
    }
    assert_eq!(a.text, b.text);
}

#[test]
fn zip_holds_one_top_directory_named_after_the_zip() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(200, 5);
    o.zip = true;
    let s = gen(&o, &dir.path().join("export-1"));
    assert_eq!(s.path, dir.path().join("export-1.zip"));
    assert_eq!(s.bytes, std::fs::metadata(&s.path).unwrap().len());
    let x = load(&s.path); // checks the top directory
    assert_eq!(x.rows(Entity::Members).len(), 200);
    // Only the zip is left beside it: no temporary files.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["export-1.zip".to_string()]);
}

#[test]
fn refuses_a_non_empty_target_and_accepts_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x");
    std::fs::create_dir(&out).unwrap();
    gen(&opts(20, 1), &out);
    let err = generate(&opts(20, 1), &out, &NoProgress).unwrap_err();
    assert_eq!(err.code(), "conflict");
    let err = generate(&opts(20, 1), &dir.path().join("y"), &NoProgress);
    assert!(err.is_ok());
    let mut bad = opts(20, 1);
    bad.site = "Bad Site!".into();
    assert_eq!(
        generate(&bad, &dir.path().join("z"), &NoProgress)
            .unwrap_err()
            .code(),
        "invalid"
    );
}

struct CancelAfter {
    events: Mutex<Vec<ProgressEvent>>,
    calls: AtomicU64,
    after: u64,
}

impl Progress for CancelAfter {
    fn event(&self, e: ProgressEvent) {
        self.events.lock().unwrap().push(e);
    }
    fn cancelled(&self) -> bool {
        self.calls.fetch_add(1, Ordering::SeqCst) >= self.after
    }
}

#[test]
fn progress_is_reported_and_cancel_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = CancelAfter {
        events: Mutex::new(Vec::new()),
        calls: AtomicU64::new(0),
        after: u64::MAX,
    };
    gen_with(&opts(25_000, 1), &dir.path().join("ok"), &p).unwrap();
    let ev = p.events.lock().unwrap();
    let stages = ev
        .iter()
        .filter(|e| {
            matches!(
                e,
                ProgressEvent::Stage {
                    total: Some(25_000),
                    ..
                }
            )
        })
        .count();
    assert_eq!(stages, 13);
    assert!(ev.contains(&ProgressEvent::Advance { done: 10_000 }));
    drop(ev);

    let p = CancelAfter {
        events: Mutex::new(Vec::new()),
        calls: AtomicU64::new(0),
        after: 3,
    };
    let err = gen_with(&opts(25_000, 1), &dir.path().join("cancelled"), &p).unwrap_err();
    assert_eq!(err.code(), "cancelled");
    let mut o = opts(25_000, 1);
    o.zip = true;
    let p = CancelAfter {
        events: Mutex::new(Vec::new()),
        calls: AtomicU64::new(0),
        after: 3,
    };
    assert!(gen_with(&o, &dir.path().join("cz"), &p).is_err());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["ok".to_string()]);
}

fn gen_with(
    o: &GenOptions,
    out: &std::path::Path,
    p: &dyn Progress,
) -> export_gen::Result<export_gen::GenSummary> {
    generate(o, out, p)
}
