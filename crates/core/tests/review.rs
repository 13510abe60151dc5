//! Reviewed release (issue #14): the leaks closed for every bundle, the
//! draft and its proposals, decisions, the disclosure-log gate, four eyes,
//! staleness, release exactly as approved, and the audit trail.

mod common;

use chrono::NaiveDate;
use common::*;
use desk_core::bundle::{BundleMade, BundleOptions};
use desk_core::progress::NoProgress;
use desk_core::review::{
    Consent, DecisionInput, DiscloseGround, DraftState, Exemption, ItemAnswer, ItemFilter,
    PrejudiceGround, ReleaseOptions, ThreeStepInput, Verdict,
};
use desk_core::{Error, Role, Session};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const ME: &str = "alice-1042";
const REF: &str = "SAR-R1";

const HEADER: &str = "member_id,username,email,signup_at,status,updated_at,first_name,surname";

fn members() -> Vec<String> {
    vec![
        format!("{ME},alicesmith,alice@example.org,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Alice,Smith"),
        "zed-77,ZedTheDad,zed.other@example.net,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Zedekiah,Okonkwo".into(),
        "m-1817,JustNatalie8,n.mitchell8@example.com,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Natalie,Mitchell".into(),
        "zoe-5,the,zoe.q@example.com,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Zoë,Quinnell".into(),
        "pat-9,PatPhones,pat@example.com,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Patricia,Vanterpool".into(),
    ]
}

/// Every identifier of the other members: none may appear in a bundle
/// unless a reviewer disclosed it.
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
    "zoe-5",
    "zoe.q@example.com",
    "zoë",
    "quinnell",
    "pat-9",
    "patphones",
    "07700 900456",
    "07700900456",
    "vanterpool",
];

fn pm(id: &str, conv: &str, sender: &str, to: &[&str], at: &str, body: &str) -> Value {
    json!({"message_id": id, "conversation_id": conv, "conversation_type": "member",
           "sender_id": sender, "recipient_ids": to, "sent_at": at, "subject": "Re: hello", "body": body})
}

fn build(root: &Path) -> PathBuf {
    let vault = new_vault(root);
    let s = dpo(&vault);
    s.add_user("dpo2", Role::Dpo, "dpo2-password", t(1))
        .unwrap();
    let mut p1 = post("p-1042-1", ME);
    p1["body"] = json!("Natalie Mitchell lent me her pram; call Pat on 07700 900456 or mail someone@elsewhere.org. Live at 12 Acacia Avenue, LS1 4AP. The cat sat on the mat.");
    p1["posted_at"] = json!("2026-01-05T10:00:00Z");
    let mut p2 = post("p-1042-2", ME);
    p2["body"] = json!("My own email is alice@example.org and I am tired, Mum says hi");
    p2["posted_at"] = json!("2026-01-06T10:00:00Z");
    let export = ExportBuilder::full(root, "netmums-1", "netmums", 1)
        .csv("members", HEADER, &members())
        .jsonl("consent_events", &[consent("ce-1", ME, "granted")])
        .jsonl("posts", &[p1, p2])
        .jsonl(
            "private_messages",
            &[
                pm("pm-1042-1", "cv-77-1042", ME, &["zed-77"], "2026-01-03T10:00:00Z",
                   "hi ZedTheDad, JustNatalie8 (n.mitchell8@example.com, m-1817) says hi"),
                pm("pm-77-2", "cv-77-1042", "zed-77", &[ME], "2026-01-04T10:00:00Z", "thanks Alice"),
                pm("pm-5-1", "cv-5-1042", "zoe-5", &[ME, "gone-66"], "2026-01-07T10:00:00Z",
                   "the cat sat on the mat, love ZOË QUINNELL"),
            ],
        )
        .jsonl(
            "helpdesk_tickets",
            &[json!({"ticket_id": "tk-1042-1", "member_id": ME, "requester_email": "alice@example.org",
                     "subject": "Problem with JustNatalie8", "opened_at": "2026-03-01T09:00:00Z",
                     "messages": [{"from": "member", "at": "2026-03-01T09:00:00Z",
                                   "body": "Natalie Mitchell (m-1817) keeps messaging me; her email is n.mitchell8@example.com"}]})],
        )
        .csv(
            "competition_entries",
            "entry_id,member_id,competition_id,entered_at,phone",
            &["en-9-1,pat-9,comp-1,2026-01-01T10:00:00Z,07700 900456".into()],
        )
        .write();
    s.sync(&export, t(2), &NoProgress).unwrap();
    vault
}

fn set_facts(s: &Session) {
    let mut f = s.privacy_facts("netmums", t(2)).unwrap();
    f.controller = "Netmums Ltd".into();
    s.privacy_facts_set("netmums", &f, t(2)).unwrap();
}

fn open_request(s: &Session) {
    let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    s.request_open("netmums", ME, d, "email", "Alice", Some(REF), false, t(3))
        .unwrap();
}

fn redact(reason: &str) -> Option<Verdict> {
    Some(Verdict::Redact {
        reason: reason.into(),
    })
}

/// Decide every third party: redact.
fn redact_all(s: &Session) {
    let parties = s.review_parties(REF, false, 0, 500, t(4)).unwrap();
    let list: Vec<DecisionInput> = parties
        .parties
        .iter()
        .map(|p| DecisionInput::Party {
            party: p.party,
            verdict: redact("third party"),
            three_step: None,
        })
        .collect();
    s.review_decide(REF, &list, t(4)).unwrap();
}

fn release(s: &Session, dir: &Path, name: &str) -> BundleMade {
    s.release(
        REF,
        &dir.join(name),
        &ReleaseOptions::default(),
        t(5),
        &NoProgress,
    )
    .unwrap()
}

#[test]
fn an_unreviewed_bundle_leaks_nothing_and_says_so() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let s = dpo(&vault);
    let out = root.path().join("a.zip");
    // The shipped default facts are refused unless overridden.
    let r = s.bundle(
        "netmums",
        ME,
        &out,
        &BundleOptions::default(),
        t(3),
        &NoProgress,
    );
    assert!(
        matches!(&r, Err(Error::Invalid(m)) if m.contains("default")),
        "{r:?}"
    );
    assert!(!out.exists());
    let opts = BundleOptions {
        allow_default_facts: true,
        ..Default::default()
    };
    let made = s
        .bundle("netmums", ME, &out, &opts, t(3), &NoProgress)
        .unwrap();
    let files = unzip(&made.path);
    assert_none_of(&files, OTHERS);
    let m = json_of(&files, "manifest.json");
    assert_eq!(m["review"]["reviewed"], false);
    assert_eq!(m["privacy_facts"]["default"], true);
    assert_eq!(m["privacy_facts"]["override_by"], "dpo");
    // Ids renumbered, stable; the mapping's existence documented.
    let pms = json_of(&files, "data/private_messages.json");
    let ids: Vec<&str> = pms
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["message-0001", "message-0002", "message-0003"]);
    assert_eq!(pms[0]["conversation_id"], pms[1]["conversation_id"]);
    assert_ne!(pms[0]["conversation_id"], pms[2]["conversation_id"]);
    let fields = m["renumbered_ids"]["fields"].as_array().unwrap();
    assert!(
        fields
            .iter()
            .any(|f| f["field"] == "message_id" && f["count"] == 3),
        "{fields:?}"
    );
    // Labels in order of first appearance in the bundle (posts come before
    // messages): Natalie (named in a post), Pat (his phone), then Zed, Zoë
    // and the former member.
    let posts = json_of(&files, "data/posts.json");
    let p0 = posts[0]["body"].as_str().unwrap();
    assert!(p0.starts_with("Member A lent me her pram; call Pat on Member B or mail [email removed]. Live at [address removed], [postcode removed]. The cat sat on the mat."), "{p0}");
    assert_eq!(
        posts[1]["body"],
        "My own email is alice@example.org and I am tired, Mum says hi"
    );
    // A member named in a message they are not in is pseudonymised as elsewhere.
    let b0 = pms[0]["body"].as_str().unwrap();
    assert_eq!(pms[0]["recipient_ids"], json!(["Member C"]));
    assert_eq!(b0, "hi Member C, Member A (Member A, Member A) says hi");
    // Ordinary words stay; an accent or capitals do not hide a name. (A
    // first name alone, "love ZOË", is ordinary — short, and a common name
    // — and not proposed: `text::ordinary`, shared with the mentions.)
    assert_eq!(pms[2]["body"], "the cat sat on the mat, love Member D");
    assert_eq!(pms[2]["sender_id"], "Member D");
    assert_eq!(pms[2]["recipient_ids"], json!([ME, "Member E"]));
    // Ticket text is redacted too.
    let tk = json_of(&files, "data/helpdesk_tickets.json");
    assert_eq!(tk[0]["subject"], "Problem with Member A");
    assert_eq!(
        tk[0]["messages"][0]["body"],
        "Member A (Member A) keeps messaging me; her email is Member A"
    );
    // The manifest names every redaction under the bundle's ids, never a value.
    let red = m["redactions"].as_array().unwrap();
    assert!(red
        .iter()
        .any(|r| r["id"] == "message-0001" && r["field"] == "body"));
    assert!(red
        .iter()
        .any(|r| r["entity"] == "helpdesk_tickets" && r["field"] == "messages"));
    assert!(!m.to_string().contains("pm-77-2"));
}

#[test]
fn a_draft_proposes_every_third_party_everywhere_and_ordinary_words_never() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let s = dpo(&vault);
    open_request(&s);
    let sum = s.review_create(REF, t(4), &NoProgress).unwrap();
    assert_eq!(sum.state, DraftState::Draft);
    assert_eq!(sum.items, 1 + 1 + 2 + 3 + 1);
    assert!(sum.proposals_undecided > 0);
    let parties = s.review_parties(REF, false, 0, 100, t(4)).unwrap();
    let by_member = |m: &str| {
        parties
            .parties
            .iter()
            .find(|p| p.member_id.as_deref() == Some(m))
            .unwrap_or_else(|| panic!("no party for {m}: {:?}", parties.parties))
            .clone()
    };
    let natalie = by_member("m-1817");
    let zoe = by_member("zoe-5");
    let pat = by_member("pat-9");
    assert_eq!(natalie.display, "JustNatalie8");
    // Named by username, email, id and real name, in a message, a ticket and a post.
    let kinds_of = |party: u32| -> Vec<(String, String)> {
        let page = s
            .review_items(
                REF,
                &ItemFilter {
                    party: Some(party),
                    ..Default::default()
                },
                0,
                100,
                t(4),
            )
            .unwrap();
        let mut v = Vec::new();
        for it in page.items {
            let item = s.review_item(REF, it.n, None, t(4)).unwrap();
            // The item carries its proposals' third parties, as the side
            // list has them, in order of first appearance.
            let mut want: Vec<u32> = Vec::new();
            for p in &item.proposals {
                if !want.contains(&p.party) {
                    want.push(p.party);
                }
            }
            let got: Vec<u32> = item.parties.iter().map(|p| p.party).collect();
            assert_eq!(got, want, "item {}", it.n);
            for p in &item.parties {
                let listed = parties.parties.iter().find(|x| x.party == p.party);
                assert_eq!(Some(p), listed, "item {}", it.n);
            }
            for p in item.proposals.iter().filter(|p| p.party == party) {
                v.push((it.kind.clone(), p.kind.name().to_string()));
            }
        }
        v
    };
    let nk = kinds_of(natalie.party);
    for want in [
        ("private_messages", "username"),
        ("private_messages", "email"),
        ("private_messages", "member_id"),
        ("helpdesk_tickets", "username"),
        ("helpdesk_tickets", "name"),
        ("helpdesk_tickets", "member_id"),
        ("helpdesk_tickets", "email"),
        ("posts", "name"),
    ] {
        assert!(
            nk.contains(&(want.0.into(), want.1.into())),
            "{want:?} not in {nk:?}"
        );
    }
    // A phone number finds its member.
    assert!(kinds_of(pat.party).contains(&("posts".into(), "phone".into())));
    // "ZOË QUINNELL" is Zoë Quinnell; her username "the" is never proposed.
    let zk = kinds_of(zoe.party);
    assert!(
        zk.contains(&("private_messages".into(), "name".into())),
        "{zk:?}"
    );
    assert!(!zk.iter().any(|k| k.1 == "username"), "{zk:?}");
    let zmsg = s
        .review_items(
            REF,
            &ItemFilter {
                kind: Some("private_messages".into()),
                ..Default::default()
            },
            0,
            10,
            t(4),
        )
        .unwrap()
        .items
        .into_iter()
        .find(|i| i.preview.starts_with("the cat"))
        .unwrap();
    let item = s.review_item(REF, zmsg.n, None, t(4)).unwrap();
    let body: Vec<_> = item
        .proposals
        .iter()
        .filter(|p| p.field == "/body")
        .collect();
    assert_eq!(body.len(), 1, "{body:?}");
    assert_eq!((body[0].start, body[0].end), (Some(29), Some(41)));
    // The member's own email and ordinary words are never proposed.
    let own = s
        .review_items(
            REF,
            &ItemFilter {
                kind: Some("posts".into()),
                ..Default::default()
            },
            0,
            10,
            t(4),
        )
        .unwrap();
    let mine = own
        .items
        .iter()
        .find(|i| i.preview.starts_with("My own"))
        .unwrap();
    assert_eq!(mine.proposals, 0);
    // Patterns that are nobody's member: an email, an address, a postcode.
    let kinds: Vec<_> = parties.parties.iter().map(|p| p.kind.name()).collect();
    for k in ["email", "address", "postcode", "former_member"] {
        assert!(kinds.contains(&k), "{k} not in {kinds:?}");
    }
}

#[test]
fn review_decide_approve_release_exactly_as_approved() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let s = dpo(&vault);
    set_facts(&s);
    open_request(&s);
    s.review_create(REF, t(4), &NoProgress).unwrap();
    // Release refused while proposals are undecided (and before approval).
    let r = s.release(
        REF,
        &root.path().join("x.zip"),
        &ReleaseOptions::default(),
        t(5),
        &NoProgress,
    );
    assert!(matches!(r, Err(Error::Invalid(_))), "{r:?}");
    let r = s.review_approve(REF, t(4));
    assert!(
        matches!(&r, Err(Error::Invalid(m)) if m.contains("undecided")),
        "{r:?}"
    );

    redact_all(&s);
    let parties = s.review_parties(REF, false, 0, 100, t(4)).unwrap();
    let zed = parties
        .parties
        .iter()
        .find(|p| p.member_id.as_deref() == Some("zed-77"))
        .unwrap()
        .clone();
    // Disclosing needs the three steps; bulk decisions are all or nothing.
    let bad = vec![
        DecisionInput::Party {
            party: zed.party,
            verdict: Some(Verdict::Disclose {
                ground: DiscloseGround::Consented,
                note: String::new(),
            }),
            three_step: None,
        },
        DecisionInput::Withhold {
            item: 9999,
            exemption: Exemption::Health,
            reason: "x".into(),
            silent: false,
        },
    ];
    let before = s.review_summary(REF, t(4)).unwrap();
    match s.review_decide(REF, &bad, t(4)) {
        Err(Error::InvalidInput { problems, .. }) => {
            let fields: Vec<&str> = problems.items().iter().map(|p| p.field.as_str()).collect();
            assert_eq!(
                fields,
                ["decisions[0].verdict.three_step", "decisions[1].item"]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.review_summary(REF, t(4)).unwrap().proposals_undecided,
        before.proposals_undecided
    );
    // Disclose Zed (consented), recorded once for all his proposals.
    s.review_decide(
        REF,
        &[DecisionInput::Party {
            party: zed.party,
            verdict: Some(Verdict::Disclose {
                ground: DiscloseGround::Consented,
                note: "asked by phone".into(),
            }),
            three_step: Some(ThreeStepInput {
                also_about_requester: true,
                consent: Consent::Given,
                reasonable: None,
                note: "Zed agreed on 20 Nov".into(),
            }),
        }],
        t(4),
    )
    .unwrap();
    // A span redaction, a withheld item (counted), a silent one (not).
    let posts = s
        .review_items(
            REF,
            &ItemFilter {
                kind: Some("posts".into()),
                ..Default::default()
            },
            0,
            10,
            t(4),
        )
        .unwrap();
    let own = posts
        .items
        .iter()
        .find(|i| i.preview.starts_with("My own"))
        .unwrap()
        .n;
    let other_post = posts.items.iter().find(|i| i.n != own).unwrap().n;
    let login_like = s
        .review_items(
            REF,
            &ItemFilter {
                kind: Some("consent_events".into()),
                ..Default::default()
            },
            0,
            10,
            t(4),
        )
        .unwrap()
        .items[0]
        .n;
    let decisions = [
        DecisionInput::Span {
            item: own,
            field: "/body".into(),
            start: 43,
            end: 48,
            reason: "a staff note".into(),
            text: Some("tired".into()),
        },
        DecisionInput::Withhold {
            item: other_post,
            exemption: Exemption::CrimeTaxation,
            reason: "police enquiry".into(),
            silent: false,
        },
        DecisionInput::Withhold {
            item: login_like,
            exemption: Exemption::SocialWork,
            reason: "serious harm".into(),
            silent: true,
        },
    ];
    s.review_decide(REF, &decisions, t(4)).unwrap();
    // Undo takes the last action back whole, and only mine.
    let u = s.review_undo(REF, t(4)).unwrap();
    assert_eq!(u.summary.items_withheld, 0);
    assert_eq!(u.summary.spans, 0);
    s.review_decide(REF, &decisions, t(4)).unwrap();
    let preview = s.review_item(REF, own, None, t(4)).unwrap();
    assert_eq!(
        preview.released[0].text,
        "My own email is alice@example.org and I am [redacted], Mum says hi"
    );

    let sum = s.review_approve(REF, t(4)).unwrap();
    assert_eq!(sum.state, DraftState::Approved);
    // No decision changes after approval.
    let r = s.review_decide(
        REF,
        &[DecisionInput::Mark {
            item: 0,
            reviewed: true,
        }],
        t(4),
    );
    assert!(matches!(r, Err(Error::Invalid(_))), "{r:?}");

    let made = release(&s, root.path(), "r.zip");
    let files = unzip(&made.path);
    let text = all_text(&files);
    // The span redaction is in the zip (the post's JSON and the report) and its word nowhere.
    let posts = json_of(&files, "data/posts.json");
    assert_eq!(
        posts.as_array().unwrap().len(),
        1,
        "the withheld post is absent"
    );
    assert_eq!(
        posts[0]["body"],
        "My own email is alice@example.org and I am [redacted], Mum says hi"
    );
    for (name, t) in &text {
        assert!(!t.contains("i am tired"), "{name} has the span's text");
        assert!(
            !t.contains("lent me her pram"),
            "{name} has the withheld post"
        );
    }
    assert!(
        !files.contains_key("data/consent_events.json"),
        "silently withheld"
    );
    // Zed is disclosed with a reason: his identifiers stay; nobody else's do.
    let pms = json_of(&files, "data/private_messages.json");
    assert_eq!(pms[0]["recipient_ids"], json!(["zed-77"]));
    assert!(pms[0]["body"]
        .as_str()
        .unwrap()
        .starts_with("hi ZedTheDad, Member"));
    let still: Vec<&str> = OTHERS
        .iter()
        .copied()
        .filter(|o| !o.starts_with("zed"))
        .collect();
    assert_none_of(&files, &still);
    // The manifest: reviewed, reasons and exemption counts, never a value.
    let m = json_of(&files, "manifest.json");
    assert_eq!(m["review"]["reviewed"], true);
    assert_eq!(m["review"]["approved_by"], "dpo");
    assert_eq!(
        m["withheld"],
        json!([{"exemption": "crime_taxation", "label": "Crime and taxation", "law": "DPA 2018 Sch 2 para 2", "items": 1}])
    );
    assert!(m["redactions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["reason"] == "a staff note"));
    assert!(!m.to_string().contains("tired"));
    // Recorded on the request with its SHA-256.
    let req = s.request_show(REF, t(6)).unwrap();
    let ev = req.events.iter().find(|e| e.kind == "bundle").unwrap();
    assert_eq!(
        ev.detail["draft"],
        s.review_summary(REF, t(6)).unwrap().draft
    );
    assert_eq!(ev.detail["sha256"], made.sha256);
    assert_eq!(
        s.review_summary(REF, t(6)).unwrap().state,
        DraftState::Released
    );
    // Everything audited.
    let events = s.audit_list(&Default::default(), t(6)).unwrap();
    for a in [
        "review_created",
        "review_decided",
        "review_undone",
        "review_item",
        "review_approved",
        "release",
    ] {
        assert!(
            events.iter().any(|e| e.action == a && e.outcome == "ok"),
            "no {a} event"
        );
    }
    assert!(
        events
            .iter()
            .any(|e| e.action == "review_decided"
                && (e.outcome == "refused" || e.outcome == "failed"))
    );
}

#[test]
fn four_eyes_staleness_and_the_disclosure_log() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let s = dpo(&vault);
    set_facts(&s);
    open_request(&s);
    s.review_set_settings("netmums", true, t(3)).unwrap();
    // A disclosure naming the member, triggered by her ticket.
    let d = s
        .disclosure_record(
            &json!({"site": "netmums", "member_ids": [ME], "disclosed_at": "2026-11-01T10:00:00Z",
                    "recipient": {"organisation": "West Yorkshire Police"}, "lawful_basis": "dpa2018_sch2_para2",
                    "triggered_by": [{"entity": "helpdesk_tickets", "id": "tk-1042-1"}],
                    "data_categories": ["contact details"], "items_disclosed": ["ticket"],
                    "necessity_and_proportionality": "urgent", "authorised_by": "DPO", "member_informed": false,
                    "not_informed_reason": "would prejudice the investigation"}),
            t(3),
        )
        .unwrap();
    s.review_create(REF, t(4), &NoProgress).unwrap();
    redact_all(&s);
    let sum = s.review_summary(REF, t(4)).unwrap();
    assert_eq!(sum.disclosures.len(), 1);
    let touched = sum.disclosures[0].touched[0].item.unwrap();
    assert!(!sum.can.submit);
    let r = s.review_submit(REF, t(4));
    assert!(
        matches!(&r, Err(Error::Invalid(m)) if m.contains("disclosure")),
        "{r:?}"
    );
    // Every touched item must be answered.
    let r = s.review_decide(
        REF,
        &[DecisionInput::Disclosure {
            disclosure: d.id.clone(),
            prejudice: true,
            ground: Some(PrejudiceGround::Crime),
            reason: "live investigation".into(),
            items: vec![],
        }],
        t(4),
    );
    assert!(matches!(r, Err(Error::InvalidInput { .. })), "{r:?}");
    s.review_decide(
        REF,
        &[DecisionInput::Disclosure {
            disclosure: d.id.clone(),
            prejudice: true,
            ground: Some(PrejudiceGround::Crime),
            reason: "live investigation".into(),
            items: vec![ItemAnswer {
                item: touched,
                withhold: true,
            }],
        }],
        t(4),
    )
    .unwrap();
    // Four eyes: staff cannot approve, nor the dpo who submitted.
    s.review_submit(REF, t(4)).unwrap();
    let r = s.review_approve(REF, t(4));
    assert!(
        matches!(&r, Err(Error::Invalid(m)) if m.contains("four eyes")),
        "{r:?}"
    );
    let staff = Session::unlock(&vault, "staff", "staff-password", t(4)).unwrap();
    let r = staff.review_approve(REF, t(4));
    assert!(matches!(r, Err(Error::Forbidden { .. })), "{r:?}");
    let dpo2 = Session::unlock(&vault, "dpo2", "dpo2-password", t(4)).unwrap();
    let sum = dpo2.review_approve(REF, t(4)).unwrap();
    assert_eq!(sum.state, DraftState::Approved);

    // A sync after the draft makes it stale: no release; a new draft carries decisions.
    let delta = ExportBuilder::delta(root.path(), "netmums-2", "netmums", 2, 1)
        .csv("members", HEADER, &[])
        .jsonl("consent_events", &[])
        .jsonl(
            "posts",
            &[{
                let mut p = post("p-1042-3", ME);
                p["posted_at"] = json!("2026-02-01T10:00:00Z");
                p
            }],
        )
        .write();
    s.sync(&delta, t(5), &NoProgress).unwrap();
    let sum = s.review_summary(REF, t(5)).unwrap();
    assert!(sum.stale);
    let r = s.release(
        REF,
        &root.path().join("s.zip"),
        &ReleaseOptions::default(),
        t(5),
        &NoProgress,
    );
    assert!(matches!(r, Err(Error::Conflict(_))), "{r:?}");
    assert!(!root.path().join("s.zip").exists());
    let ch = s.review_changes(REF, t(5)).unwrap();
    assert!(ch.stale);
    assert_eq!(
        ch.added
            .iter()
            .map(|k| (k.kind.as_str(), k.items))
            .collect::<Vec<_>>(),
        [("posts", 1)]
    );
    let again = s.review_create(REF, t(5), &NoProgress).unwrap();
    assert_eq!(again.replaces, Some(sum.draft));
    assert!(again.carried_over > 0);
    assert_eq!(again.proposals_undecided, 0, "{again:?}");
    assert!(again.disclosures[0].decision.is_some());
    s.review_submit(REF, t(5)).unwrap();
    dpo2.review_approve(REF, t(5)).unwrap();
    let made = dpo2
        .release(
            REF,
            &root.path().join("r.zip"),
            &ReleaseOptions::default(),
            t(6),
            &NoProgress,
        )
        .unwrap();
    let files = unzip(&made.path);
    // The disclosure never reaches the zip, nor the ticket it touched, nor a count of it.
    for (name, text) in all_text(&files) {
        for x in [
            d.id.to_lowercase(),
            "west yorkshire".into(),
            "tk-1042-1".into(),
            "keeps messaging".into(),
        ] {
            assert!(!text.contains(&x), "{name} contains {x}");
        }
    }
    assert!(!files.contains_key("data/helpdesk_tickets.json"));
    assert_eq!(json_of(&files, "manifest.json")["withheld"], json!([]));
    let req = s.request_show(REF, t(6)).unwrap();
    let kinds: Vec<&str> = req.events.iter().map(|e| e.kind.as_str()).collect();
    for k in [
        "draft_created",
        "review_submitted",
        "review_approved",
        "draft_withdrawn",
        "bundle",
    ] {
        assert!(kinds.contains(&k), "{k} not in {kinds:?}");
    }
}

/// Generated members with many correspondents: no correspondent's id,
/// username, email or name is anywhere in their bundles.
#[test]
fn generated_members_with_many_correspondents_leak_nothing() {
    let root = tempfile::tempdir().unwrap();
    let vault = new_vault(root.path());
    let s = dpo(&vault);
    let opts = export_gen::GenOptions {
        site: "netmums".into(),
        members: 400,
        seed: 3,
        zip: false,
        gzip: false,
        generated_at: None,
        delta_of: None,
        changes: 0,
        heavy_member: Some(export_gen::HeavyMember {
            posts: 200,
            messages: 400,
        }),
    };
    let g = export_gen::generate(&opts, &root.path().join("gen"), &export_gen::NoProgress).unwrap();
    s.sync(&g.path, t(2), &NoProgress).unwrap();
    set_facts(&s);
    let raw = desk_core::vault::raw::open_raw(&vault, "dpo", "dpo-password")
        .unwrap()
        .data
        .unwrap();
    // The members with the most correspondents.
    let mut stmt = raw
        .prepare(
            "SELECT m, count(DISTINCT o) AS n FROM (
               SELECT p.member_id AS m, r.member_id AS o FROM private_messages p JOIN pm_recipients r ON r.site = p.site AND r.message_id = p.id
               UNION ALL
               SELECT r.member_id, p.member_id FROM private_messages p JOIN pm_recipients r ON r.site = p.site AND r.message_id = p.id)
             WHERE m != o GROUP BY m ORDER BY n DESC, m LIMIT 2",
        )
        .unwrap();
    let busiest: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(busiest[0].1 >= 20, "{busiest:?}");
    for (i, (me, _)) in busiest.iter().enumerate() {
        let made = s
            .bundle(
                "netmums",
                me,
                &root.path().join(format!("g{i}.zip")),
                &BundleOptions::default(),
                t(3),
                &NoProgress,
            )
            .unwrap();
        let files = unzip(&made.path);
        // Every correspondent's identifiers.
        let mut stmt = raw
            .prepare(
                "SELECT DISTINCT o FROM (
                   SELECT r.member_id AS o FROM private_messages p JOIN pm_recipients r ON r.site = p.site AND r.message_id = p.id WHERE p.member_id = ?1
                   UNION SELECT p.member_id FROM private_messages p JOIN pm_recipients r ON r.site = p.site AND r.message_id = p.id WHERE r.member_id = ?1)
                 WHERE o != ?1",
            )
            .unwrap();
        let others: Vec<String> = stmt
            .query_map([me], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let texts = all_text(&files);
        for (name, text) in &texts {
            assert!(
                !text.contains("\"cv-") && !text.contains("\"pm-"),
                "{me}: {name} keeps a message or conversation id"
            );
        }
        let number = |id: &str| id.trim_start_matches("m-").to_string();
        for o in &others {
            let row: Option<(String, String, Option<String>, Option<String>)> = raw
                .query_row(
                    "SELECT json_extract(data,'$.username'), json_extract(data,'$.email'), json_extract(data,'$.first_name'), json_extract(data,'$.surname') FROM members WHERE site='netmums' AND id=?1",
                    [o],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .ok();
            let mut needles = vec![format!("\"{o}\""), format!("{o} ")];
            if let Some((u, e, f, l)) = row {
                needles.push(e.to_lowercase());
                if !desk_core::text::ordinary::is_ordinary(&desk_core::review::rules::normal::norm(
                    &u,
                )) {
                    needles.push(format!(" {} ", u.to_lowercase()));
                }
                if let (Some(f), Some(l)) = (f, l) {
                    needles.push(format!("{} {}", f, l).to_lowercase());
                }
            }
            for (name, text) in &texts {
                for n in &needles {
                    assert!(!text.contains(n.as_str()), "{me}: {name} contains {n}");
                }
                // Ids that carried their number are renumbered.
                let num = number(o);
                assert!(
                    !text.contains(&format!("pm-{num}-")),
                    "{me}: {name} has a message id of {o}"
                );
            }
        }
    }
}

/// A draft is made only on an open request whose identity check (if asked
/// for) is done; one open draft at a time; an auditor may not review.
#[test]
fn drafts_need_an_open_verified_request_one_at_a_time() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let s = dpo(&vault);
    set_facts(&s);
    s.add_user("ada", Role::Auditor, "ada-password", t(2))
        .unwrap();
    let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    s.request_open(
        "netmums",
        ME,
        d,
        "email",
        "Alice",
        Some("SAR-ID"),
        true,
        t(3),
    )
    .unwrap();
    let r = s.review_create("SAR-ID", t(4), &NoProgress);
    assert!(
        matches!(&r, Err(Error::Invalid(m)) if m.contains("identity")),
        "{r:?}"
    );
    let r = s.review_create("SAR-NONE", t(4), &NoProgress);
    assert!(matches!(r, Err(Error::NotFound(_))), "{r:?}");
    s.request_verify_identity("SAR-ID", d, t(4)).unwrap();
    s.review_create("SAR-ID", t(4), &NoProgress).unwrap();
    let r = s.review_create("SAR-ID", t(4), &NoProgress);
    assert!(matches!(r, Err(Error::Conflict(_))), "{r:?}");
    let ada = Session::unlock(&vault, "ada", "ada-password", t(4)).unwrap();
    let r = ada.review_summary("SAR-ID", t(4));
    assert!(matches!(r, Err(Error::Forbidden { .. })), "{r:?}");
    // Withdrawn: a new draft may be made, and the decisions carry over.
    redact_all_of(&s, "SAR-ID");
    s.review_withdraw("SAR-ID", "start again", t(5)).unwrap();
    let again = s.review_create("SAR-ID", t(5), &NoProgress).unwrap();
    assert_eq!(again.proposals_undecided, 0);
    // A closed request takes no draft and no release.
    s.request_close("SAR-ID", "withdrawn", None, t(6)).unwrap();
    s.review_withdraw("SAR-ID", "closed", t(6)).unwrap();
    let r = s.review_create("SAR-ID", t(6), &NoProgress);
    assert!(matches!(r, Err(Error::Invalid(_))), "{r:?}");
}

fn redact_all_of(s: &Session, reference: &str) {
    let parties = s.review_parties(reference, false, 0, 500, t(4)).unwrap();
    let list: Vec<DecisionInput> = parties
        .parties
        .iter()
        .map(|p| DecisionInput::Party {
            party: p.party,
            verdict: redact("third party"),
            three_step: None,
        })
        .collect();
    s.review_decide(reference, &list, t(4)).unwrap();
}

#[test]
fn the_requesters_own_identifiers_are_never_a_third_partys() {
    // Usernames are not always unique in an export: another member who
    // shares the requester's username (and name) makes no third party of
    // the requester's own profile or of a text that names the requester.
    let root = tempfile::tempdir().unwrap();
    let vault = new_vault(root.path());
    let s = dpo(&vault);
    let mut p = post("p-1042-9", ME);
    p["body"] = json!("Find me as @alicesmith here, Alice Smith from Leeds");
    let export = ExportBuilder::full(root.path(), "netmums-1", "netmums", 1)
        .csv(
            "members",
            HEADER,
            &[
                members()[0].clone(),
                "twin-2,alicesmith,twin@example.net,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Alice,Smith".into(),
            ],
        )
        .jsonl("consent_events", &[consent("ce-1", ME, "granted")])
        .jsonl("posts", &[p])
        .write();
    s.sync(&export, t(2), &NoProgress).unwrap();
    set_facts(&s);
    open_request(&s);
    let d = s.review_create(REF, t(4), &NoProgress).unwrap();
    assert_eq!(
        d.parties, 0,
        "no third party made of the requester's own username"
    );
    assert_eq!(d.proposals, 0, "nothing of the requester's own proposed");
    // The unreviewed bundle keeps the requester's own username and names
    // nobody else.
    let out = root.path().join("own.zip");
    s.bundle(
        "netmums",
        ME,
        &out,
        &BundleOptions::default(),
        t(5),
        &NoProgress,
    )
    .unwrap();
    let files = unzip(&out);
    let profile = String::from_utf8(files["data/profile.json"].clone()).unwrap();
    assert!(profile.contains("alicesmith"), "{profile}");
    assert_none_of(&files, &["twin-2", "twin@example.net"]);
}
