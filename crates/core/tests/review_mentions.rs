//! Candidate items from mentions (issues #14.1 and #15.4): what others
//! wrote about the requester is offered to the draft, cut to the sentences
//! about them, its author and everyone else in it proposed like any third
//! party; excluded unless a reviewer accepts it; released as
//! `data/mentions.json` (+ `.csv`) and a report section; an unreviewed
//! bundle holds them all only when asked, and says so.

mod common;

use chrono::NaiveDate;
use common::*;
use desk_core::bundle::BundleOptions;
use desk_core::progress::NoProgress;
use desk_core::review::{
    DecisionInput, Exemption, ItemFilter, ItemSource, ProposalKind, ReleaseOptions, Verdict,
};
use desk_core::{Error, Role, Session};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const ME: &str = "alice-1042";
const REF: &str = "SAR-M1";

const HEADER: &str = "member_id,username,email,signup_at,status,updated_at,first_name,surname";

/// What the natalie post (declined), the sentences not about the member,
/// and every identifier of the other members: none may reach a bundle.
const OTHERS: &[&str] = &[
    "zed-77",
    "zedthedad",
    "zed.other@example.net",
    "zedekiah",
    "okonkwo",
    "m-1817",
    "justnatalie8",
    "n.mitchell8@example.com",
    "natalie",
    "mitchell",
    "pat-9",
    "patphones",
    "pat@example.com",
    "vanterpool",
    "07700 900456",
    // the source rows' ids
    "p-77-1",
    "p-1817-1",
    "p-9-1",
    // sentences that are not about the member
    "lovely day",
    "for photos",
    "biscuit",
    "about the tickets",
];

fn post_at(id: &str, member: &str, at: &str, body: &str) -> Value {
    json!({"post_id": id, "member_id": member, "thread_id": "t-1", "thread_title": "Weekend",
           "posted_at": at, "status": "visible", "body": body})
}

fn build(root: &Path) -> PathBuf {
    let vault = new_vault(root);
    let s = dpo(&vault);
    s.add_user("ada", Role::Auditor, "ada-password", t(1))
        .unwrap();
    let export = ExportBuilder::full(root, "netmums-1", "netmums", 1)
        .csv(
            "members",
            HEADER,
            &[
                format!("{ME},alicesmith,alice@example.org,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Alice,Smith"),
                "zed-77,ZedTheDad,zed.other@example.net,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Zedekiah,Okonkwo".into(),
                "m-1817,JustNatalie8,n.mitchell8@example.com,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Natalie,Mitchell".into(),
                "pat-9,PatPhones,pat@example.com,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Patricia,Vanterpool".into(),
            ],
        )
        .jsonl("consent_events", &[consent("ce-1", ME, "granted")])
        .jsonl(
            "posts",
            &[
                post_at("p-1042-1", ME, "2026-01-01T10:00:00Z", "Hello everyone, new here."),
                post_at("p-1817-1", "m-1817", "2026-01-05T10:00:00Z",
                        "Does anyone know @alicesmith? My cat Biscuit is ill."),
                post_at("p-77-1", "zed-77", "2026-01-09T10:00:00Z",
                        "Had a lovely day at the park. I saw alicesmith there with Natalie Mitchell, they were arguing loudly! Write to zed.other@example.net for photos."),
                post_at("p-9-1", "pat-9", "2026-01-10T10:00:00Z",
                        "Alice Smith and PatPhones went to the fair.\nCall 07700 900456 about the tickets."),
            ],
        )
        .csv(
            "competition_entries",
            "entry_id,member_id,competition_id,entered_at,phone",
            &["en-9-1,pat-9,comp-1,2026-01-01T10:00:00Z,07700 900456".into()],
        )
        .write();
    s.sync(&export, t(2), &NoProgress).unwrap();
    let mut f = s.privacy_facts("netmums", t(2)).unwrap();
    f.controller = "Netmums Ltd".into();
    s.privacy_facts_set("netmums", &f, t(2)).unwrap();
    vault
}

fn open_request(s: &Session) {
    let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    s.request_open("netmums", ME, d, "email", "Alice", Some(REF), false, t(3))
        .unwrap();
}

fn redact_all(s: &Session) {
    let parties = s.review_parties(REF, false, 0, 500, t(4)).unwrap();
    let list: Vec<DecisionInput> = parties
        .parties
        .iter()
        .map(|p| DecisionInput::Party {
            party: p.party,
            verdict: Some(Verdict::Redact {
                reason: "third party".into(),
            }),
            three_step: None,
        })
        .collect();
    s.review_decide(REF, &list, t(4)).unwrap();
}

/// The candidate items of the draft, in order: (n, preview).
fn candidates(s: &Session) -> Vec<(u32, String)> {
    let page = s
        .review_items(
            REF,
            &ItemFilter {
                kind: Some("mentions".into()),
                ..Default::default()
            },
            0,
            100,
            t(4),
        )
        .unwrap();
    for it in &page.items {
        assert_eq!(it.source, ItemSource::Mention);
        assert_eq!(it.kind, "mentions");
    }
    page.items
        .iter()
        .map(|i| (i.n, i.preview.clone()))
        .collect()
}

fn accept(item: u32, yes: Option<bool>) -> DecisionInput {
    DecisionInput::Candidate { item, accept: yes }
}

#[test]
fn mentions_become_candidates_excluded_unless_accepted() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let s = dpo(&vault);
    open_request(&s);
    let sum = s.review_create(REF, t(4), &NoProgress).unwrap();
    // The member's own rows (profile, a consent event, a post), then three candidates.
    assert_eq!(sum.items, 3 + 3);
    assert_eq!(sum.candidates.items, 3);
    assert_eq!(sum.candidates.undecided, 3);
    let kind = sum.kinds.iter().find(|k| k.kind == "mentions").unwrap();
    assert_eq!((kind.items, kind.undecided), (3, 3));
    let c = candidates(&s);
    assert_eq!(c.len(), 3, "{c:?}");
    let (natalie, zed, pat) = (c[0].0, c[1].0, c[2].0);
    assert_eq!(c[0].1, "Does anyone know @alicesmith?");

    // The reading view: only the sentence about the member, its author a
    // proposal (a whole value), the other person named in it a proposal.
    let item = s.review_item(REF, zed, None, t(4)).unwrap();
    assert_eq!(item.item.bundle_id, "mention-0002");
    assert_eq!(item.item.accepted, None);
    assert!(!item.item.reviewed);
    assert_eq!(
        item.fields[0].text,
        "I saw alicesmith there with Natalie Mitchell, they were arguing loudly!"
    );
    assert_eq!(item.row["author_id"], "zed-77");
    assert!(!item.row.to_string().contains("lovely day"));
    assert!(!item.row.to_string().contains("p-77-1"));
    let author = item
        .proposals
        .iter()
        .find(|p| p.field == "/author_id")
        .expect("the author is proposed");
    assert_eq!(author.kind, ProposalKind::Participant);
    assert!(author.start.is_none());
    assert!(item
        .proposals
        .iter()
        .any(|p| p.field == "/sentences/0/text" && p.kind == ProposalKind::Name));
    // The parties are the review's own: one per person, across items.
    let parties = s.review_parties(REF, false, 0, 100, t(4)).unwrap();
    for m in ["zed-77", "m-1817", "pat-9"] {
        assert!(
            parties
                .parties
                .iter()
                .any(|p| p.member_id.as_deref() == Some(m)),
            "{m} is a party"
        );
    }

    // An auditor may not decide; a candidate is not withheld, a member's
    // row is not declined.
    let ada = Session::unlock(&vault, "ada", "ada-password", t(4)).unwrap();
    let r = ada.review_decide(REF, &[accept(zed, Some(true))], t(4));
    assert!(matches!(r, Err(Error::Forbidden { .. })), "{r:?}");
    let r = s.review_decide(
        REF,
        &[
            DecisionInput::Withhold {
                item: zed,
                exemption: Exemption::ThirdParty,
                reason: "x".into(),
                silent: false,
            },
            accept(0, Some(true)),
        ],
        t(4),
    );
    match r {
        Err(Error::InvalidInput { problems, .. }) => {
            let v = serde_json::to_value(&problems).unwrap();
            assert_eq!(v["total"], 2, "{v}");
            assert!(v.to_string().contains("declined, not withheld"), "{v}");
            assert!(v.to_string().contains("not a candidate item"), "{v}");
        }
        other => panic!("{other:?}"),
    }

    // Undecided candidates block nothing: with every party decided the
    // draft is ready, and holds none of them.
    redact_all(&s);
    let sum = s.review_summary(REF, t(4)).unwrap();
    assert!(sum.can.submit, "{:?}", sum.blockers);

    // Accept two (in one bulk decision), decline one; undo takes it back whole.
    let a = s
        .review_decide(
            REF,
            &[
                accept(zed, Some(true)),
                accept(pat, Some(true)),
                accept(natalie, Some(false)),
            ],
            t(4),
        )
        .unwrap();
    assert_eq!(
        (a.summary.candidates.accepted, a.summary.candidates.declined),
        (2, 1)
    );
    s.review_undo(REF, t(4)).unwrap();
    assert_eq!(s.review_summary(REF, t(4)).unwrap().candidates.undecided, 3);
    s.review_decide(
        REF,
        &[
            accept(zed, Some(true)),
            accept(pat, Some(true)),
            accept(natalie, Some(false)),
        ],
        t(4),
    )
    .unwrap();
    let it = s.review_item(REF, zed, None, t(4)).unwrap();
    assert_eq!(it.item.accepted, Some(true));
    assert!(it.item.reviewed);
    let released = it.released[0].text.clone();
    assert!(
        released.starts_with("I saw alicesmith there with Member ")
            && released.ends_with(", they were arguing loudly!"),
        "{released}"
    );
    assert!(it.released_row["author_id"]
        .as_str()
        .unwrap()
        .starts_with("Member "));
    let declined = s.review_item(REF, natalie, None, t(4)).unwrap();
    assert_eq!(declined.released_row, Value::Null);

    // A new draft (this one withdrawn) carries the answers over.
    s.review_withdraw(REF, "again", t(4)).unwrap();
    let again = s.review_create(REF, t(4), &NoProgress).unwrap();
    assert_eq!(
        (
            again.candidates.accepted,
            again.candidates.declined,
            again.candidates.undecided
        ),
        (2, 1, 0)
    );
    assert_eq!(again.proposals_undecided, 0);

    // Released: only the accepted, renumbered among themselves, only their
    // sentences, other people replaced.
    s.review_approve(REF, t(5)).unwrap();
    let out = root.path().join("r.zip");
    s.release(REF, &out, &ReleaseOptions::default(), t(5), &NoProgress)
        .unwrap();
    let files = unzip(&out);
    assert_none_of(&files, OTHERS);
    assert_none_of(&files, &["does anyone know", "mention-0003"]);
    let rows = json_of(&files, "data/mentions.json");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["mention_id"], "mention-0001");
    assert_eq!(rows[1]["mention_id"], "mention-0002");
    assert_eq!(rows[0]["entity"], "posts");
    assert_eq!(rows[0]["sentences"][0]["text"], released.as_str());
    assert_eq!(rows[0]["author_id"], it.released_row["author_id"]);
    let pat_text = rows[1]["sentences"][0]["text"].as_str().unwrap();
    assert!(
        pat_text.starts_with("Alice Smith and Member ") && pat_text.ends_with(" went to the fair."),
        "{pat_text}"
    );
    let csv = String::from_utf8(files["data/mentions.csv"].clone()).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv
        .trim_start_matches('\u{feff}')
        .starts_with("mention_id,entity,written_at,author,author_id,field,written_by,text"));
    let m = json_of(&files, "manifest.json");
    assert_eq!(m["mentions"]["reviewed"], true);
    assert_eq!(m["mentions"]["count"], 2);
    assert_eq!(
        m["mentions"]["items"][0],
        json!({"entity": "posts", "id": "mention-0001", "sentences": 1})
    );
    let listed: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&"data/mentions.json") && listed.contains(&"data/mentions.csv"));
    let red = m["redactions"].as_array().unwrap();
    for field in ["author_id", "sentences"] {
        assert!(
            red.iter().any(|r| r["entity"] == "mentions"
                && r["id"] == "mention-0001"
                && r["field"] == field),
            "{field}: {red:?}"
        );
    }
    let report = String::from_utf8_lossy(&files["report.html"]).to_string();
    assert!(report.contains("What others wrote about you"));
    assert!(report.contains("arguing loudly"));
}

#[test]
fn declined_and_undecided_candidates_are_nowhere_in_the_zip() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let s = dpo(&vault);
    open_request(&s);
    s.review_create(REF, t(4), &NoProgress).unwrap();
    let c = candidates(&s);
    redact_all(&s);
    // One declined, the others left undecided.
    s.review_decide(REF, &[accept(c[1].0, Some(false))], t(4))
        .unwrap();
    s.review_approve(REF, t(5)).unwrap();
    let out = root.path().join("r.zip");
    s.release(REF, &out, &ReleaseOptions::default(), t(5), &NoProgress)
        .unwrap();
    let files = unzip(&out);
    assert!(!files.contains_key("data/mentions.json"));
    assert!(!files.contains_key("data/mentions.csv"));
    assert_none_of(
        &files,
        &[
            "arguing loudly",
            "does anyone know",
            "went to the fair",
            "mention-000",
            "what others wrote",
        ],
    );
    assert_none_of(&files, OTHERS);
    assert!(json_of(&files, "manifest.json").get("mentions").is_none());
}

#[test]
fn an_unreviewed_bundle_holds_mentions_only_when_asked_and_says_so() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let s = dpo(&vault);
    let plain = root.path().join("plain.zip");
    s.bundle(
        "netmums",
        ME,
        &plain,
        &BundleOptions::default(),
        t(3),
        &NoProgress,
    )
    .unwrap();
    let files = unzip(&plain);
    assert!(!files.contains_key("data/mentions.json"));
    assert_none_of(&files, &["arguing loudly", "alicesmith? "]);

    let opts = BundleOptions {
        with_mentions: true,
        ..Default::default()
    };
    let ada = Session::unlock(&vault, "ada", "ada-password", t(3)).unwrap();
    let r = ada.bundle(
        "netmums",
        ME,
        &root.path().join("ada.zip"),
        &opts,
        t(3),
        &NoProgress,
    );
    assert!(matches!(r, Err(Error::Forbidden { .. })), "{r:?}");
    let out = root.path().join("with.zip");
    s.bundle("netmums", ME, &out, &opts, t(3), &NoProgress)
        .unwrap();
    let files = unzip(&out);
    assert_none_of(&files, OTHERS);
    let rows = json_of(&files, "data/mentions.json");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0]["sentences"][0]["text"],
        "Does anyone know @alicesmith?"
    );
    let t1 = rows[1]["sentences"][0]["text"].as_str().unwrap();
    assert!(
        t1.starts_with("I saw alicesmith there with Member ") && t1.contains("arguing loudly"),
        "{t1}"
    );
    for r in rows {
        assert!(
            r["author_id"].as_str().unwrap().starts_with("Member "),
            "{r}"
        );
    }
    let m = json_of(&files, "manifest.json");
    assert_eq!(m["review"]["reviewed"], false);
    assert_eq!(m["mentions"]["reviewed"], false);
    assert_eq!(m["mentions"]["count"], 3);
    assert!(m["mentions"]["note"]
        .as_str()
        .unwrap()
        .contains("Not reviewed"));
    let ids: Vec<&str> = m["mentions"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["mention-0001", "mention-0002", "mention-0003"]);
    let report = String::from_utf8_lossy(&files["report.html"]).to_string();
    assert!(report.contains("What others wrote about you"));
}
