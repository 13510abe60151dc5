//! Subject-access bundles (`subject-access-bundle-v1.md`) and privacy facts:
//! completeness, isolation of third parties, pseudonyms, redactions, the
//! report's safety, determinism, atomicity, encryption, roles, requests.

mod common;

use chrono::NaiveDate;
use common::*;
use desk_core::bundle::{BundleMade, BundleOptions};
use desk_core::privacy::PrivacyFacts;
use desk_core::progress::{NoProgress, Progress, ProgressEvent};
use desk_core::{Error, Role, Session};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const ME: &str = "alice-1042";

/// Third-party identifiers that must never appear in Alice's bundle.
const FORBIDDEN: &[&str] = &[
    "zed-77",
    "zedusername",
    "zed.other@example.net",
    "yuri-88",
    "yuriusername",
    "yuri@example.com",
    "gone-66",
    "otto-55",
    "ottousername",
    "otto@example.com",
    "alice-9",
    "mumsnet secret",
    "not alice's ticket",
    "zed's own post",
    "password_hash",
    "$argon2id$",
];

fn members_csv() -> Vec<String> {
    vec![
        format!("{ME},alicesmith,Alice.Smith@example.org,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Alice,$argon2id$v=19$secret,42"),
        "zed-77,zedusername,zed.other@example.net,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Zed,,".into(),
        "yuri-88,yuriusername,yuri@example.com,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Yuri,,".into(),
        "otto-55,ottousername,otto@example.com,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Otto,,".into(),
    ]
}

const HEADER: &str =
    "member_id,username,email,signup_at,status,updated_at,first_name,password_hash,shoe_size";

fn pm(id: &str, sender: &str, to: &[&str], at: &str, body: &str) -> Value {
    json!({"message_id": id, "conversation_id": "c-1", "conversation_type": "member",
           "sender_id": sender, "recipient_ids": to, "sent_at": at, "subject": "Re: hello", "body": body})
}

fn ticket(id: &str, member: Option<&str>, email: &str, body: &str) -> Value {
    let mut t = json!({"ticket_id": id, "requester_email": email, "subject": "Help",
        "opened_at": "2026-03-01T09:00:00Z", "messages": [{"from": "member", "at": "2026-03-01T09:00:00Z", "body": body}]});
    if let Some(m) = member {
        t["member_id"] = json!(m);
    }
    t
}

fn build(root: &Path) -> PathBuf {
    let vault = new_vault(root);
    let s = dpo(&vault);
    s.add_user("ada", Role::Auditor, "ada-password", t(1))
        .unwrap();
    let mut mine_post = post("p-a1", ME);
    mine_post["body"] = json!("<script>alert(1)</script> <img src=x> url(evil)");
    mine_post["mood"] = json!("happy");
    mine_post["posted_at"] = json!("2026-02-01T10:00:00+01:00");
    let mut early_post = post("p-a2", ME);
    early_post["posted_at"] = json!("2026-01-01T08:00:00Z");
    let mut zed_post = post("p-z1", "zed-77");
    zed_post["body"] = json!("zed's own post");
    let export = ExportBuilder::full(root, "netmums-1", "netmums", 1)
        .csv("members", HEADER, &members_csv())
        .jsonl(
            "consent_events",
            &[
                json!({"event_id": "ce-2", "member_id": ME, "purpose": "partner_emails", "action": "withdrawn",
                       "occurred_at": "2026-05-02T10:00:00Z", "source": "unsubscribe_link"}),
                json!({"event_id": "ce-1", "member_id": ME, "purpose": "partner_emails", "action": "granted",
                       "occurred_at": "2026-01-02T10:00:00Z", "source": "registration",
                       "evidence": {"form": "signup", "wording": "Yes please"}}),
                consent("ce-3", "zed-77", "granted"),
            ],
        )
        .jsonl("posts", &[mine_post, early_post, zed_post])
        .jsonl(
            "private_messages",
            &[
                pm("pm-1", ME, &["zed-77"], "2026-01-03T10:00:00Z",
                   "hi ZedUsername, write to zed.other@example.net or zed-77"),
                pm("pm-2", "zed-77", &[ME, "yuri-88"], "2026-01-04T10:00:00Z", "hello both"),
                pm("pm-3", "yuri-88", &["gone-66"], "2026-01-05T10:00:00Z", "not for alice"),
                pm("pm-4", ME, &["gone-66"], "2026-01-06T10:00:00Z", "to a former member"),
                pm("pm-5", "otto-55", &["zed-77"], "2026-01-07T10:00:00Z", "otto to zed"),
                pm("pm-6", "yuri-88", &[ME], "2026-01-08T10:00:00Z", "yuri again"),
            ],
        )
        .jsonl(
            "helpdesk_tickets",
            &[
                ticket("t-1", Some(ME), "alice.smith@example.org", "my own ticket"),
                ticket("t-2", None, "ALICE.SMITH@EXAMPLE.ORG", "sent without signing in"),
                ticket("t-3", None, "someone@example.com", "not alice's ticket"),
            ],
        )
        .csv(
            "login_events",
            "login_id,member_id,occurred_at,ip,method,country",
            &[
                format!("l-1,{ME},2026-01-01T10:00:00Z,192.0.2.1,password,UK"),
                "l-2,zed-77,2026-01-01T10:00:00Z,192.0.2.99,password,FR".into(),
            ],
        )
        .csv(
            "social_accounts",
            "social_id,member_id,provider,email",
            &[format!("s-1,{ME},facebook,alice.fb@example.org")],
        )
        .write();
    s.sync(&export, t(2), &NoProgress).unwrap();
    let other = ExportBuilder::full(root, "mumsnet-1", "mumsnet", 1)
        .csv(
            "members",
            MEMBER_HEADER,
            &["alice-9,alice9,alice.smith@example.org,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Alice".into()],
        )
        .jsonl("consent_events", &[])
        .jsonl("posts", &[{
            let mut p = post("p-m1", "alice-9");
            p["body"] = json!("mumsnet secret");
            p
        }])
        .jsonl("helpdesk_tickets", &[ticket("t-9", None, "alice.smith@example.org", "mumsnet secret ticket")])
        .write();
    s.sync(&other, t(2), &NoProgress).unwrap();
    vault
}

fn ids(files: &BTreeMap<String, Vec<u8>>, entity: &str, key: &str) -> Vec<String> {
    json_of(files, &format!("data/{entity}.json"))
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[key].as_str().unwrap().to_string())
        .collect()
}

/// Options that allow the shipped default privacy facts (these tests keep
/// them; `privacy_facts_default_…` and the review tests cover the refusal).
fn ok_opts() -> BundleOptions {
    BundleOptions {
        allow_default_facts: true,
        ..Default::default()
    }
}

fn make(s: &mut Session, dir: &Path, name: &str, opts: &BundleOptions) -> BundleMade {
    s.bundle("netmums", ME, &dir.join(name), opts, t(3), &NoProgress)
        .unwrap()
}

fn dir_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_bundle_is_complete_isolated_pseudonymised_and_safe() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let out = root.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let mut s = dpo(&vault);
    let made = make(&mut s, &out, "alice.zip", &ok_opts());
    assert_eq!(made.passphrase, None);
    if let Ok(keep) = std::env::var("KEEP_BUNDLE") {
        std::fs::copy(&made.path, keep).unwrap();
    }
    let bytes = std::fs::read(&made.path).unwrap();
    assert_eq!(made.bytes, bytes.len() as u64);
    assert_eq!(made.sha256, hex::encode(Sha256::digest(&bytes)));
    let files = unzip(&made.path);
    assert_eq!(made.files, files.len());

    // Completeness, oldest first.
    assert_eq!(ids(&files, "posts", "post_id"), ["p-a2", "p-a1"]);
    // Message ids carry their sender's number: renumbered, in order.
    assert_eq!(
        ids(&files, "private_messages", "message_id"),
        [
            "message-0001",
            "message-0002",
            "message-0003",
            "message-0004"
        ]
    );
    // A ticket sent without signing in is not filed under the member: its
    // id is renumbered too (such ids may carry another member's number).
    assert_eq!(
        ids(&files, "helpdesk_tickets", "ticket_id"),
        ["t-1", "ticket-0001"]
    );
    assert_eq!(ids(&files, "consent_events", "event_id"), ["ce-1", "ce-2"]);
    assert_eq!(ids(&files, "login_events", "login_id"), ["l-1"]);
    assert_eq!(ids(&files, "social_accounts", "social_id"), ["s-1"]);
    let profile = json_of(&files, "data/profile.json");
    assert_eq!(profile["member_id"], ME);
    // Unknown columns kept under their own names.
    assert_eq!(profile["shoe_size"], "42");
    assert_eq!(json_of(&files, "data/posts.json")[1]["mood"], "happy");
    let logins = String::from_utf8(files["data/login_events.csv"].clone()).unwrap();
    assert!(
        logins.lines().next().unwrap().ends_with(",country"),
        "{logins}"
    );
    assert_eq!(logins.lines().count(), 2);
    assert!(files.contains_key("data/social_accounts.csv"));
    assert!(files.contains_key("data/profile.csv"));
    // JSONL entities have no CSV; entities without rows have no file.
    assert!(!files.contains_key("data/posts.csv"));
    assert!(!files.contains_key("data/reviews.json"));
    assert!(files.contains_key("information.json"));

    // Isolation: no byte of any file names a third party.
    for (name, b) in &files {
        let text = String::from_utf8_lossy(b).to_lowercase();
        for f in FORBIDDEN {
            assert!(!text.contains(&f.to_lowercase()), "{name} contains {f}");
        }
    }

    // Pseudonyms: first appearance, stable everywhere.
    let pms = json_of(&files, "data/private_messages.json");
    assert_eq!(pms[0]["sender_id"], ME);
    assert_eq!(pms[0]["recipient_ids"], json!(["Member A"]));
    assert_eq!(pms[0]["body"], "hi Member A, write to Member A or Member A");
    assert_eq!(pms[1]["sender_id"], "Member A");
    assert_eq!(pms[1]["recipient_ids"], json!([ME, "Member B"]));
    assert_eq!(pms[2]["recipient_ids"], json!(["Member C"]));
    assert_eq!(pms[3]["sender_id"], "Member B");

    // The manifest.
    let m = json_of(&files, "manifest.json");
    assert_eq!(m["format"], "subject-access-bundle");
    assert_eq!(m["format_version"], 1);
    assert_eq!(m["site"], "netmums");
    assert_eq!(m["member_id"], ME);
    assert_eq!(m["generated_by"], "dpo");
    assert_eq!(m["generated_at"], "2026-11-23T03:00:00Z");
    assert_eq!(m["vault_state"]["sequence"], 1);
    assert_eq!(m["request_ref"], Value::Null);
    let listed: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = files
        .keys()
        .map(String::as_str)
        .filter(|n| *n != "manifest.json")
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    for f in m["files"].as_array().unwrap() {
        let p = f["path"].as_str().unwrap();
        assert_eq!(
            f["sha256"].as_str().unwrap(),
            hex::encode(Sha256::digest(&files[p])),
            "{p}"
        );
    }
    assert_eq!(
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == "data/posts.json")
            .unwrap()["rows"],
        2
    );
    let red = m["redactions"].as_array().unwrap();
    let has = |id: &str, field: &str| {
        red.iter().any(|r| {
            r["entity"] == "private_messages"
                && r["id"] == id
                && r["field"] == field
                && r["reason"].is_string()
        })
    };
    assert!(has("message-0001", "recipient_ids"));
    assert!(has("message-0001", "body"));
    assert!(has("message-0002", "sender_id"));
    assert!(has("message-0002", "recipient_ids"));
    assert!(has("message-0003", "recipient_ids"));
    assert!(has("message-0004", "sender_id"));
    assert!(!has("message-0004", "recipient_ids"));

    // The report: readable, self-contained, escaped.
    let html = String::from_utf8(files["report.html"].clone()).unwrap();
    for bad in [
        "<script", "src=", "url(", "<link", "@import", "<img", "<iframe",
    ] {
        assert!(!html.to_lowercase().contains(bad), "report contains {bad}");
    }
    assert!(
        html.contains("&lt;script&gt;alert&#40;1)&lt;/script&gt;"),
        "not escaped"
    );
    for want in [
        "Your posts",
        "Private messages you sent or received",
        "Your messages to our helpdesk",
        "Your consent choices",
        "1 February 2026, 09:00",
        "Member A",
        "you do not agree &#40;withdrawn)",
        "0303 123 1113",
        "https://ico.org.uk/",
    ] {
        assert!(html.contains(want), "report lacks {want}");
    }
    let info = json_of(&files, "information.json");
    for k in [
        "purposes",
        "categories",
        "recipients",
        "retention",
        "sources",
        "rights",
        "complaint",
        "automated_decisions",
        "transfers",
    ] {
        assert!(!info[k].is_null(), "information.json lacks {k}");
    }
    // Audited with its hash, no member data beyond ids.
    let events = s
        .audit_list(&desk_core::audit::AuditFilter::default(), t(4))
        .unwrap();
    let e = events.iter().rfind(|e| e.action == "bundle").unwrap();
    assert_eq!(e.outcome, "ok");
    assert_eq!(e.member_id.as_deref(), Some(ME));
    assert_eq!(e.detail.as_ref().unwrap()["sha256"], made.sha256);
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let mut s = dpo(&vault);
    let a = make(&mut s, root.path(), "a.zip", &ok_opts());
    let c = make(&mut s, root.path(), "c.zip", &ok_opts());
    assert_eq!(a.sha256, c.sha256);
    assert_eq!(
        std::fs::read(&a.path).unwrap(),
        std::fs::read(&c.path).unwrap()
    );
}

struct CancelAfter {
    seen: AtomicUsize,
    after: usize,
}

impl Progress for CancelAfter {
    fn event(&self, _e: ProgressEvent) {
        self.seen.fetch_add(1, Ordering::SeqCst);
    }
    fn cancelled(&self) -> bool {
        self.seen.load(Ordering::SeqCst) >= self.after
    }
}

#[test]
fn failures_leave_nothing_behind() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let out = root.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let mut s = dpo(&vault);
    for after in [1, 3, 5, 8] {
        let p = CancelAfter {
            seen: AtomicUsize::new(0),
            after,
        };
        let r = s.bundle("netmums", ME, &out.join("x.zip"), &ok_opts(), t(3), &p);
        assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
        assert!(dir_names(&out).is_empty(), "{:?}", dir_names(&out));
    }
    let r = s.bundle(
        "netmums",
        "nobody-1",
        &out.join("x.zip"),
        &ok_opts(),
        t(3),
        &NoProgress,
    );
    assert!(matches!(r, Err(Error::NotFound(_))), "{r:?}");
    // Another site's member id is not this site's member.
    let r = s.bundle(
        "netmums",
        "alice-9",
        &out.join("x.zip"),
        &ok_opts(),
        t(3),
        &NoProgress,
    );
    assert!(matches!(r, Err(Error::NotFound(_))), "{r:?}");
    assert!(dir_names(&out).is_empty());
    // An existing file is never replaced.
    std::fs::write(out.join("taken.zip"), b"keep me").unwrap();
    let r = s.bundle(
        "netmums",
        ME,
        &out.join("taken.zip"),
        &ok_opts(),
        t(3),
        &NoProgress,
    );
    assert!(matches!(r, Err(Error::Conflict(_))), "{r:?}");
    assert_eq!(std::fs::read(out.join("taken.zip")).unwrap(), b"keep me");
    assert_eq!(dir_names(&out), ["taken.zip"]);
    // What a crash left (a kill mid-write) is swept by the next bundle
    // into the directory once stale; a fresh one may be another writer's.
    let old = out.join(".bundle-crashed.part");
    let fresh = out.join(".bundle-running.part");
    for p in [&old, &fresh] {
        std::fs::write(p, b"half a zip").unwrap();
    }
    let f = std::fs::File::options().write(true).open(&old).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
    drop(f);
    make(&mut s, &out, "after.zip", &ok_opts());
    assert_eq!(
        dir_names(&out),
        [".bundle-running.part", "after.zip", "taken.zip"]
    );
    // The failures are audited.
    let events = s.audit_list(&Default::default(), t(4)).unwrap();
    assert!(events
        .iter()
        .any(|e| e.action == "bundle" && e.outcome == "cancelled"));
    assert!(events
        .iter()
        .any(|e| e.action == "bundle" && e.outcome == "failed"));
}

fn seven_zip() -> &'static str {
    let ok = std::process::Command::new("7z")
        .arg("i")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "7z is missing: run scripts/install-deps (Debian package p7zip-full)"
    );
    "7z"
}

#[test]
fn an_encrypted_bundle_opens_only_with_its_passphrase() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let mut s = dpo(&vault);
    let opts = BundleOptions {
        reference: None,
        encrypt: true,
        encryption: desk_core::bundle::Encryption::Zip,
        allow_default_facts: true,
        with_mentions: false,
    };
    let made = make(&mut s, root.path(), "secret.zip", &opts);
    let pass = made.passphrase.clone().unwrap();
    assert_eq!(pass.len(), 20);
    let z = seven_zip();
    let test = |p: &str| {
        std::process::Command::new(z)
            .args(["t", &format!("-p{p}"), made.path.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let good = test(&pass);
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stdout)
    );
    assert!(!test("wrong-passphrase").status.success());
    // Extract and read the report with the passphrase.
    let dest = root.path().join("x");
    let o = std::process::Command::new(z)
        .args([
            "x",
            &format!("-p{pass}"),
            &format!("-o{}", dest.display()),
            made.path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let m: Value =
        serde_json::from_slice(&std::fs::read(dest.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["member_id"], ME);
    // No plain text of the member's data in the zip's bytes.
    let raw = String::from_utf8_lossy(&std::fs::read(&made.path).unwrap()).into_owned();
    assert!(!raw.contains("alicesmith"));
    // The passphrase is stored nowhere: not in the audit trail.
    let events = s.audit_list(&Default::default(), t(4)).unwrap();
    assert!(!format!("{events:?}").contains(&pass));
}

#[test]
fn roles_and_request_links() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let ada = Session::unlock(&vault, "ada", "ada-password", t(3)).unwrap();
    let r = ada.bundle(
        "netmums",
        ME,
        &root.path().join("a.zip"),
        &ok_opts(),
        t(3),
        &NoProgress,
    );
    assert!(matches!(r, Err(Error::Forbidden { .. })), "{r:?}");
    assert!(!root.path().join("a.zip").exists());

    // A request's bundle is released after review: a reference is refused
    // (and the refusal audited), nothing written.
    let staff = Session::unlock(&vault, "staff", "staff-password", t(3)).unwrap();
    let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let reference = staff
        .request_open(
            "netmums",
            ME,
            d,
            "email",
            "Alice",
            Some("SAR-A"),
            false,
            t(3),
        )
        .unwrap();
    let r = staff.bundle(
        "netmums",
        ME,
        &root.path().join("s.zip"),
        &BundleOptions {
            reference: Some(reference.clone()),
            ..ok_opts()
        },
        t(3),
        &NoProgress,
    );
    assert!(
        matches!(&r, Err(Error::Invalid(m)) if m.contains("review")),
        "{r:?}"
    );
    assert!(!root.path().join("s.zip").exists());
    assert!(staff
        .request_show(&reference, t(4))
        .unwrap()
        .events
        .iter()
        .all(|e| e.kind != "bundle"));
    // Without the override, the shipped default facts are refused.
    let r = staff.bundle(
        "netmums",
        ME,
        &root.path().join("f.zip"),
        &BundleOptions::default(),
        t(3),
        &NoProgress,
    );
    assert!(
        matches!(&r, Err(Error::Invalid(m)) if m.contains("shipped default")),
        "{r:?}"
    );
    let made = staff
        .bundle(
            "netmums",
            ME,
            &root.path().join("s.zip"),
            &ok_opts(),
            t(3),
            &NoProgress,
        )
        .unwrap();
    let files = unzip(&made.path);
    let m = json_of(&files, "manifest.json");
    assert_eq!(m["privacy_facts"]["default"], true);
    assert_eq!(m["privacy_facts"]["override_by"], "staff");
    assert_eq!(m["review"]["reviewed"], false);
}

#[test]
fn privacy_facts_default_set_refused_and_invalid() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let mut s = dpo(&vault);
    let f = s.privacy_facts("netmums", t(3)).unwrap();
    assert_eq!(f.site, "netmums");
    assert_eq!(f.updated_at, None);
    assert!(f.complaint.contains("ico.org.uk"));
    assert!(f.retention.iter().any(|r| r.period.contains("anonymised")));

    let mut mine = f.clone();
    mine.controller = "Netmums Ltd, 1 Example Street, London".into();
    mine.transfers.clear();
    s.privacy_facts_set("netmums", &mine, t(3)).unwrap();
    let back = s.privacy_facts("netmums", t(3)).unwrap();
    assert_eq!(back.controller, mine.controller);
    assert_eq!(back.updated_by.as_deref(), Some("dpo"));
    assert!(back.updated_at.is_some());
    // The other site still has the default.
    assert_eq!(s.privacy_facts("mumsnet", t(3)).unwrap().updated_at, None);

    // Staff and auditors read; only a dpo changes.
    let staff = Session::unlock(&vault, "staff", "staff-password", t(3)).unwrap();
    assert_eq!(
        staff.privacy_facts("netmums", t(3)).unwrap().controller,
        mine.controller
    );
    let r = staff.privacy_facts_set("netmums", &f, t(3));
    assert!(matches!(r, Err(Error::Forbidden { .. })), "{r:?}");
    let ada = Session::unlock(&vault, "ada", "ada-password", t(3)).unwrap();
    assert_eq!(
        ada.privacy_facts("netmums", t(3)).unwrap().controller,
        mine.controller
    );

    // Invalid facts: every problem named, nothing changed.
    let mut bad = back.clone();
    bad.rights = String::new();
    bad.recipients[0].kind = "friend".into();
    bad.purposes[0].lawful_basis = " ".into();
    let Err(Error::Invalid(msg)) = s.privacy_facts_set("netmums", &bad, t(4)) else {
        panic!("accepted")
    };
    assert!(msg.contains("rights: required"), "{msg}");
    assert!(msg.contains("recipients[0].kind"), "{msg}");
    assert!(msg.contains("purposes[0].lawful_basis"), "{msg}");
    assert_eq!(s.privacy_facts("netmums", t(4)).unwrap(), back);
    assert!(PrivacyFacts::from_json("{\"bogus\": 1}").is_err());

    // The bundle carries the stored facts.
    let made = make(&mut s, root.path(), "f.zip", &ok_opts());
    let files = unzip(&made.path);
    assert_eq!(
        json_of(&files, "information.json")["controller"],
        mine.controller
    );
    assert!(String::from_utf8_lossy(&files["report.html"])
        .contains("We do not send your data outside the UK"));
}

struct Recorder(std::sync::Mutex<Vec<ProgressEvent>>);

impl Progress for Recorder {
    fn event(&self, e: ProgressEvent) {
        self.0.lock().unwrap().push(e);
    }
}

#[test]
fn progress_has_a_stage_per_entity_and_the_report() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let s = dpo(&vault);
    let p = Recorder(Default::default());
    s.bundle(
        "netmums",
        ME,
        &root.path().join("p.zip"),
        &ok_opts(),
        t(3),
        &p,
    )
    .unwrap();
    let events = p.0.into_inner().unwrap();
    let stages: Vec<(String, Option<u64>)> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Stage { name, total } => Some((name.clone(), *total)),
            _ => None,
        })
        .collect();
    assert!(
        stages.contains(&("bundling posts".into(), Some(2))),
        "{stages:?}"
    );
    assert!(
        stages.contains(&("bundling private_messages".into(), Some(4))),
        "{stages:?}"
    );
    assert_eq!(stages.last().unwrap().0, "writing the report");
    assert!(events.contains(&ProgressEvent::Advance { done: 4 }));
}
