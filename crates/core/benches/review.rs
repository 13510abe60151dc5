//! The reviewed-release benchmark (issue #14). Run (release build):
//!
//!     cargo bench -p privacy-desk-core --bench review -- [MEMBERS] [WORKDIR]
//!
//! Phases, each in its own child process so each peak RSS is its own:
//! 1. `setup`: a generated full export of MEMBERS members (default 2,000)
//!    whose member m-1 has 100,000 posts and 20,000 private messages, synced
//!    into a new vault, the site's privacy facts saved, a request opened for
//!    m-1 and one for m-2;
//! 2. `draft-ordinary`, `draft-heavy`: `Session::review_create` (discovery,
//!    every item and proposal written to the draft) for m-2 and m-1;
//! 3. `next-item`: on the heavy draft, the core's side of the review screen's
//!    "next item": `review_item` for 500 items in turn (each a full door call:
//!    role check, audit event, the row, its proposals, the released preview),
//!    and `review_items` pages of 50;
//! 4. `decide-release-heavy`: every third party redacted in one bulk
//!    decision, approved, released;
//! 5. `recipients-N` for N = 10,000, 50,000, 100,000: a vault with N + 1
//!    members and one message from m-0 to all the others; the unreviewed
//!    bundle of a recipient, and the draft of the sender.
//!
//! Prints a table and a JSON line of the figures.

use chrono::{NaiveDate, TimeZone, Utc};
use desk_core::bundle::BundleOptions;
use desk_core::progress::NoProgress;
use desk_core::review::{DecisionInput, ItemFilter, ReleaseOptions, Verdict};
use desk_core::Session;
use export_gen::{generate, GenOptions, HeavyMember};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

mod common;
use common::{cpu_seconds, vm_hwm_kib};

const HEAVY_POSTS: u64 = 100_000;
const HEAVY_MESSAGES: u64 = 20_000;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}

fn session(vault: &Path) -> Session {
    Session::unlock(vault, "dpo", "bench-password", now()).unwrap()
}

fn facts(s: &Session, site: &str) {
    let mut f = s.privacy_facts(site, now()).unwrap();
    f.controller = "Bench Ltd".into();
    s.privacy_facts_set(site, &f, now()).unwrap();
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

/// An export of `n + 1` members and one message from m-0 to all others.
fn recipients_export(dir: &Path, n: u64) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut files = Vec::new();
    let mut write = |name: &str, entity: &str, rows: u64, body: &[u8]| {
        std::fs::write(dir.join(name), body).unwrap();
        files.push(json!({"path": name, "entity": entity, "rows": rows,
                          "sha256": hex::encode(Sha256::digest(body))}));
    };
    let mut m = Vec::new();
    writeln!(
        m,
        "member_id,username,email,signup_at,status,updated_at,first_name,surname"
    )
    .unwrap();
    for i in 0..=n {
        writeln!(
            m,
            "m-{i},user{i}x,u{i}@example.org,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,First{i}q,Last{i}q"
        )
        .unwrap();
    }
    write("members.csv", "members", n + 1, &m);
    write("consent_events.jsonl", "consent_events", 0, b"");
    let to: Vec<String> = (1..=n).map(|i| format!("m-{i}")).collect();
    let msg = json!({"message_id": "pm-0-1", "conversation_id": "cv-g-0-1", "conversation_type": "member",
        "sender_id": "m-0", "recipient_ids": to, "sent_at": "2026-01-03T10:00:00Z",
        "subject": "Hello all", "body": "Hi user17x and First23q Last23q, see you at the park"});
    let mut line = msg.to_string().into_bytes();
    line.push(b'\n');
    write("private_messages.jsonl", "private_messages", 1, &line);
    let manifest = json!({"format": "forum-export", "format_version": 1, "site": "bulk", "kind": "full",
        "sequence": 1, "base_sequence": null, "generated_at": "2026-11-02T02:00:00Z", "files": files});
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    dir.to_path_buf()
}

fn phase(name: &str, members: u64, work: &Path) -> Value {
    let vault = work.join("vault");
    let t0 = Instant::now();
    let mut out = match name {
        "setup" => {
            let opts = GenOptions {
                site: "netmums".into(),
                members,
                seed: 42,
                heavy_member: Some(HeavyMember {
                    posts: HEAVY_POSTS,
                    messages: HEAVY_MESSAGES,
                }),
                ..GenOptions::default()
            };
            let g = generate(&opts, &work.join("export"), &export_gen::NoProgress).unwrap();
            let s = Session::create(&vault, "dpo", "bench-password", now()).unwrap();
            s.sync(&g.path, now(), &NoProgress).unwrap();
            facts(&s, "netmums");
            for (r, m) in [("SAR-HEAVY", "m-1"), ("SAR-ORD", "m-2")] {
                s.request_open("netmums", m, day(), "email", "", Some(r), false, now())
                    .unwrap();
            }
            json!({})
        }
        "draft-ordinary" | "draft-heavy" => {
            let r = if name == "draft-heavy" {
                "SAR-HEAVY"
            } else {
                "SAR-ORD"
            };
            let s = session(&vault);
            let t = Instant::now();
            let sum = s.review_create(r, now(), &NoProgress).unwrap();
            json!({"seconds": t.elapsed().as_secs_f64(), "items": sum.items, "proposals": sum.proposals,
                   "parties": sum.parties})
        }
        "next-item" => {
            let s = session(&vault);
            let mut times = Vec::new();
            for n in 0..500u32 {
                let t = Instant::now();
                let it = s
                    .review_item("SAR-HEAVY", 100_000 + n, None, now())
                    .unwrap();
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(it.item.n, 100_000 + n);
            }
            let mut pages = Vec::new();
            for p in 0..20u32 {
                let t = Instant::now();
                s.review_items(
                    "SAR-HEAVY",
                    &ItemFilter::default(),
                    100_000 + p * 50,
                    50,
                    now(),
                )
                .unwrap();
                pages.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            let t = Instant::now();
            let und = s
                .review_items(
                    "SAR-HEAVY",
                    &ItemFilter {
                        undecided_only: true,
                        ..Default::default()
                    },
                    0,
                    50,
                    now(),
                )
                .unwrap();
            let filtered = t.elapsed().as_secs_f64() * 1000.0;
            let t = Instant::now();
            s.review_summary("SAR-HEAVY", now()).unwrap();
            let summary = t.elapsed().as_secs_f64() * 1000.0;
            // A single decision as the screen sends it (the answer carries
            // the new summary).
            let mut decide = Vec::new();
            for n in 0..20u32 {
                let t = Instant::now();
                s.review_decide(
                    "SAR-HEAVY",
                    &[DecisionInput::Mark {
                        item: 100_000 + n,
                        reviewed: true,
                    }],
                    now(),
                )
                .unwrap();
                decide.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            decide.sort_by(|a, b| a.partial_cmp(b).unwrap());
            s.review_undo("SAR-HEAVY", now()).unwrap();
            times.sort_by(|a, b| a.partial_cmp(b).unwrap());
            pages.sort_by(|a, b| a.partial_cmp(b).unwrap());
            json!({"item_ms_median": times[times.len() / 2], "item_ms_p95": times[times.len() * 95 / 100],
                   "item_ms_max": times[times.len() - 1], "page_ms_median": pages[pages.len() / 2],
                   "undecided_page_ms": filtered, "undecided_items": und.total, "summary_ms": summary,
                   "decide_ms_median": decide[decide.len() / 2]})
        }
        "decide-release-heavy" => {
            let s = session(&vault);
            let t = Instant::now();
            let mut list = Vec::new();
            let mut off = 0;
            loop {
                let page = s
                    .review_parties("SAR-HEAVY", false, off, 500, now())
                    .unwrap();
                for p in &page.parties {
                    list.push(DecisionInput::Party {
                        party: p.party,
                        verdict: Some(Verdict::Redact {
                            reason: "third party".into(),
                        }),
                        three_step: None,
                    });
                }
                off += page.parties.len() as u32;
                if off >= page.total || page.parties.is_empty() {
                    break;
                }
            }
            let decided = list.len();
            s.review_decide("SAR-HEAVY", &list, now()).unwrap();
            let decide = t.elapsed().as_secs_f64();
            s.review_approve("SAR-HEAVY", now()).unwrap();
            let out = work.join("heavy-released.zip");
            let _ = std::fs::remove_file(&out);
            let t = Instant::now();
            let made = s
                .release(
                    "SAR-HEAVY",
                    &out,
                    &ReleaseOptions::default(),
                    now(),
                    &NoProgress,
                )
                .unwrap();
            json!({"decide_seconds": decide, "parties": decided, "seconds": t.elapsed().as_secs_f64(),
                   "rows": made.rows, "bytes": made.bytes})
        }
        p if p.starts_with("recipients-") => {
            let n: u64 = p.trim_start_matches("recipients-").parse().unwrap();
            let dir = work.join(p);
            let _ = std::fs::remove_dir_all(&dir);
            let export = recipients_export(&dir.join("export"), n);
            let v = dir.join("vault");
            let s = Session::create(&v, "dpo", "bench-password", now()).unwrap();
            s.sync(&export, now(), &NoProgress).unwrap();
            facts(&s, "bulk");
            let t = Instant::now();
            let made = s
                .bundle(
                    "bulk",
                    "m-1",
                    &dir.join("recipient.zip"),
                    &BundleOptions::default(),
                    now(),
                    &NoProgress,
                )
                .unwrap();
            let bundle_s = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let sender = s
                .bundle(
                    "bulk",
                    "m-0",
                    &dir.join("sender.zip"),
                    &BundleOptions::default(),
                    now(),
                    &NoProgress,
                )
                .unwrap();
            let sender_s = t.elapsed().as_secs_f64();
            s.request_open(
                "bulk",
                "m-0",
                day(),
                "email",
                "",
                Some("SAR-BULK"),
                false,
                now(),
            )
            .unwrap();
            let t = Instant::now();
            let sum = s.review_create("SAR-BULK", now(), &NoProgress).unwrap();
            let draft_s = t.elapsed().as_secs_f64();
            let _ = std::fs::remove_dir_all(dir.join("export"));
            json!({"recipients": n, "recipient_bundle_seconds": bundle_s, "recipient_bundle_bytes": made.bytes,
                   "sender_bundle_seconds": sender_s, "sender_bundle_bytes": sender.bytes,
                   "draft_seconds": draft_s, "proposals": sum.proposals, "parties": sum.parties,
                   "seconds": bundle_s + sender_s + draft_s})
        }
        other => panic!("unknown phase {other}"),
    };
    if name == "setup" {
        out["seconds"] = json!(t0.elapsed().as_secs_f64());
    }
    out["peak_rss_mib"] = json!(vm_hwm_kib() as f64 / 1024.0);
    out["cpu_seconds"] = json!(cpu_seconds());
    out
}

fn main() {
    // Cheap key derivation for the benchmark's own vaults (never for real vaults).
    desk_core::vault::keys::use_test_cost(true);
    let args = common::args();
    if common::run_if_phase(&args, phase) {
        return;
    }
    let members: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let work = args
        .get(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("desk-bench-review"));
    let only: Option<&String> = args.get(2);
    if only.is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
    std::fs::create_dir_all(&work).unwrap();
    let mut results = serde_json::Map::new();
    let phases = [
        "setup",
        "draft-ordinary",
        "draft-heavy",
        "next-item",
        "decide-release-heavy",
        "recipients-10000",
        "recipients-50000",
        "recipients-100000",
    ];
    for name in phases
        .iter()
        .filter(|p| only.is_none_or(|o| o.split(',').any(|x| x == **p)))
    {
        let v = common::run_phase(name, members, &work);
        eprintln!("  {v}");
        results.insert(name.to_string(), v);
    }
    println!("{}", Value::Object(results));
}
