//! The search benchmark (issue: find anyone, see everything). Run:
//!
//!     cargo bench -p privacy-desk-core --bench search -- [MEMBERS] [HEAVY_POSTS] [WORKDIR]
//!
//! Writes a full export of MEMBERS members (default 50,000; about 18 rows
//! each) plus one member with HEAVY_POSTS posts (default 100,000), with a
//! simple bulk writer of its own; then:
//! 1. syncs it into a vault whose search indexes (triggers) are dropped, and
//!    into a vault with them: the sync time and vault size they add;
//! 2. on the indexed vault: search latency over a few thousand mixed queries
//!    (emails, usernames, prefixes, names with typos, postcodes, IPs, phones,
//!    handles, member ids), as the session call (role check and audit
//!    append included) and as the bare query; member-record open time for an
//!    ordinary and the heavy member; consent-at-time; the site-wide conflict
//!    scan.

use chrono::{TimeZone, Utc};
use desk_core::conflicts::Scope;
use desk_core::member::Page;
use desk_core::progress::NoProgress;
use desk_core::search::{search_conn, SearchOptions};
use desk_core::Session;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

const FIRST: &[&str] = &[
    "Zoë",
    "Amélie",
    "Sarah",
    "Emma",
    "Olivia",
    "Sophie",
    "Chloé",
    "Lucy",
    "Hannah",
    "Laura",
    "Rachel",
    "Claire",
    "Jessica",
    "Rebecca",
    "Charlotte",
    "Katie",
    "Siobhán",
    "Niamh",
    "Aoife",
    "Gemma",
    "Leanne",
    "Kirsty",
    "Natalie",
    "Helen",
    "Joanne",
    "Nicola",
    "Victoria",
    "Louise",
    "Amy",
    "Jennifer",
];
const SUR: &[&str] = &[
    "Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes",
    "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin",
    "Cooper", "Hill", "O'Brien", "Müller", "Nowak", "Kowalski", "Lefèvre", "García",
];

fn first(i: u64) -> &'static str {
    FIRST[(i * 7 % FIRST.len() as u64) as usize]
}
fn sur(i: u64) -> &'static str {
    SUR[(i * 13 % SUR.len() as u64) as usize]
}
fn email(i: u64) -> String {
    format!(
        "{}.{}{i}@mail{}.example",
        first(i).to_lowercase(),
        sur(i).to_lowercase().replace('\'', ""),
        i % 7
    )
}
fn username(i: u64) -> String {
    format!("{}{}_{i}", first(i).to_lowercase(), i % 97)
}
fn postcode(i: u64) -> String {
    format!("AB{} {}CD", i % 90 + 1, i % 9)
}
fn ip(i: u64) -> String {
    format!("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255)
}
fn phone(i: u64) -> String {
    format!("07700 {:06}", i)
}

struct Writer {
    dir: PathBuf,
    files: Vec<serde_json::Value>,
}

impl Writer {
    fn file(
        &mut self,
        entity: &str,
        path: &str,
        header: Option<&str>,
        rows: impl Iterator<Item = String>,
    ) {
        let p = self.dir.join(path);
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        let mut h = Sha256::new();
        let mut n = 0u64;
        let mut put = |s: &str, f: &mut std::io::BufWriter<std::fs::File>| {
            f.write_all(s.as_bytes()).unwrap();
            f.write_all(b"\n").unwrap();
            h.update(s.as_bytes());
            h.update(b"\n");
        };
        if let Some(hd) = header {
            put(hd, &mut f);
        }
        for r in rows {
            put(&r, &mut f);
            n += 1;
        }
        f.flush().unwrap();
        self.files.push(
            json!({"path": path, "entity": entity, "rows": n, "sha256": hex::encode(h.finalize())}),
        );
    }
}

fn ts(day: u64, sec: u64) -> String {
    let t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
        + chrono::Duration::days((day % 900) as i64)
        + chrono::Duration::seconds((sec % 86_000) as i64);
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn write_export(dir: &Path, members: u64, heavy: u64) {
    std::fs::create_dir_all(dir).unwrap();
    let mut w = Writer {
        dir: dir.into(),
        files: Vec::new(),
    };
    w.file(
        "members",
        "members.csv",
        Some("member_id,username,email,first_name,surname,postcode,signup_ip,twitter_handle,blog_url,signup_at,status,updated_at"),
        (0..members).map(|i| {
            format!(
                "m-{i},{},{},{},{},{},{},{},{},{},active,{}",
                username(i),
                email(i),
                first(i),
                if sur(i).contains('\'') { format!("\"{}\"", sur(i)) } else { sur(i).into() },
                postcode(i),
                ip(i),
                if i % 10 == 0 { format!("@tw{i}") } else { String::new() },
                if i % 20 == 0 { format!("https://blog{i}.example/") } else { String::new() },
                ts(i, i),
                ts(i + 1, i)
            )
        }),
    );
    let tcf = desk_core::tcf::encode(&[1, 2, 3], &[10, 755], 17_000_000_000);
    w.file(
        "consent_events",
        "consent_events.jsonl",
        None,
        (0..members).flat_map(move |i| {
            let mut v = vec![
                json!({"event_id": format!("ce-{i}-1"), "member_id": format!("m-{i}"), "purpose": "newsletter.parenting_news", "action": "granted", "occurred_at": ts(i, 10), "source": "registration", "policy_version": "v2", "evidence": {"form": "signup"}}),
                json!({"event_id": format!("ce-{i}-2"), "member_id": format!("m-{i}"), "purpose": "partner_emails", "action": "granted", "occurred_at": ts(i, 20), "source": "registration", "policy_version": if i % 20 == 0 { None } else { Some("v2") }, "evidence": {"form": "signup"}}),
                json!({"event_id": format!("ce-{i}-4"), "member_id": format!("m-{i}"), "purpose": "cookies.analytics", "action": "granted", "occurred_at": ts(i, 40), "source": "cmp", "policy_version": "v2", "evidence": {"cmp": "x"}, "tcf_string": tcf}),
            ];
            if i % 3 == 0 {
                v.push(json!({"event_id": format!("ce-{i}-3"), "member_id": format!("m-{i}"), "purpose": "newsletter.parenting_news", "action": "withdrawn", "occurred_at": ts(i + 30, 30), "source": "unsubscribe_link", "policy_version": "v2", "evidence": {"link": "u"}}));
            }
            v.into_iter().map(|x| x.to_string())
        }),
    );
    w.file(
        "login_events",
        "login_events.csv",
        Some("login_id,member_id,occurred_at,ip,method"),
        (0..members * 3).map(|k| {
            let i = k / 3;
            format!(
                "l-{k},m-{i},{},172.16.{}.{},password",
                ts(i + k % 3, k),
                i >> 8 & 255,
                i & 255
            )
        }),
    );
    w.file(
        "posts",
        "posts.jsonl",
        None,
        (0..members * 8 + heavy).map(move |k| {
            let i = if k >= members * 8 { 0 } else { k / 8 };
            let posted_as = if k % 5 == 0 { "Anon Mum".to_string() } else { username(i) };
            json!({"post_id": format!("p-{k}"), "member_id": format!("m-{i}"), "thread_id": format!("t-{}", k % 5000), "thread_title": "Sleep regression at 4 months", "board": "Baby", "posted_as": posted_as, "posted_at": ts(i, k), "status": "visible", "body": "We have been struggling with naps for a fortnight now, any tips from anyone who has been through this?"}).to_string()
        }),
    );
    w.file(
        "private_messages",
        "private_messages.jsonl",
        None,
        (0..members / 2).map(move |k| {
            let a = k * 2;
            let b = (k * 2 + 1) % members;
            json!({"message_id": format!("pm-{k}"), "conversation_id": format!("c-{k}"), "conversation_type": "member", "sender_id": format!("m-{a}"), "recipient_ids": [format!("m-{b}"), "m-0"], "sent_at": ts(a, k), "subject": "hello", "body": "thanks for your reply"}).to_string()
        }),
    );
    w.file(
        "newsletter_engagement",
        "newsletter_engagement.csv",
        Some("engagement_id,member_id,newsletter,last_sent_at,last_opened_at"),
        (0..members).map(|i| format!("ne-{i},m-{i},parenting_news,{},", ts(i + 60, 5))),
    );
    w.file(
        "competition_entries",
        "competition_entries.csv",
        Some("entry_id,member_id,competition_id,entered_at,phone,share_with_sponsor"),
        (0..members / 5).map(|k| {
            format!(
                "cp-{k},m-{},comp-{},{},{},{}",
                k * 5,
                k % 40,
                ts(k, 1),
                phone(k * 5),
                k % 2 == 0
            )
        }),
    );
    w.file(
        "helpdesk_tickets",
        "helpdesk_tickets.jsonl",
        None,
        (0..members / 10 + 100).map(move |k| {
            let (mid, em) = if k < members / 10 { (Some(format!("m-{}", k * 10)), email(k * 10)) } else { (None, format!("stranger{k}@elsewhere.example")) };
            json!({"ticket_id": format!("h-{k}"), "member_id": mid, "requester_email": em, "subject": "Account", "opened_at": ts(k, 2), "special_category": k % 7 == 0, "messages": [{"from": "member", "at": ts(k, 2), "body": "please help"}]}).to_string()
        }),
    );
    let m = json!({"format": "forum-export", "format_version": 1, "site": "netmums", "kind": "full", "sequence": 1, "base_sequence": null, "generated_at": "2026-11-01T02:00:00Z", "files": w.files});
    std::fs::write(dir.join("manifest.json"), m.to_string()).unwrap();
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .unwrap()
        .flatten()
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(name: &str, v: &mut [f64]) -> serde_json::Value {
    let (p50, p95, p99) = (pct(v, 0.5), pct(v, 0.95), pct(v, 0.99));
    let max = v.iter().cloned().fold(0.0, f64::max);
    println!("{name:<34} n={:<6} p50 {p50:>8.2} ms  p95 {p95:>8.2} ms  p99 {p99:>8.2} ms  max {max:>8.2} ms", v.len());
    json!({"n": v.len(), "p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "max_ms": max})
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let members: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let heavy: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let tmp = tempfile::tempdir().unwrap();
    let work = args
        .get(2)
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    desk_core::vault::keys::use_test_cost(true);
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let export = work.join("export");
    let t = Instant::now();
    write_export(&export, members, heavy);
    println!(
        "export of {members} members + a member with {heavy} posts written in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // 1. Sync without, then with, the search indexes.
    let mut sync_s = Vec::new();
    for (name, indexed) in [("no-index", false), ("indexed", true)] {
        let vault = work.join(name);
        let _ = std::fs::remove_dir_all(&vault);
        drop(Session::create(&vault, "dpo", "bench-password", now).unwrap());
        if !indexed {
            let conn = desk_core::vault::raw::open_raw(&vault, "dpo", "bench-password")
                .unwrap()
                .data
                .unwrap();
            let names: Vec<String> = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' OR name = 'helpdesk_tickets_requester'")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            let only = std::env::var("BENCH_DROP").unwrap_or_default();
            for n in names.into_iter().filter(|n| n.contains(only.as_str())) {
                let kind = if n.ends_with("_requester") {
                    "INDEX"
                } else {
                    "TRIGGER"
                };
                conn.execute_batch(&format!("DROP {kind} {n}")).unwrap();
            }
        }
        let s = Session::unlock(&vault, "dpo", "bench-password", now).unwrap();
        desk_core::search::set_indexing_for_benchmark(indexed);
        let t = Instant::now();
        let r = s.sync(&export, now, &NoProgress).unwrap();
        desk_core::search::set_indexing_for_benchmark(true);
        let secs = t.elapsed().as_secs_f64();
        let rows: u64 = r.rows.iter().map(|(_, n)| n).sum();
        let size = dir_size(&vault);
        println!(
            "sync {name:<9} {rows} rows in {secs:.1} s ({:.0} rows/s); vault {:.1} MB",
            rows as f64 / secs,
            size as f64 / 1e6
        );
        sync_s.push((secs, size, rows));
    }
    let overhead = (sync_s[1].0 / sync_s[0].0 - 1.0) * 100.0;
    let size_overhead = (sync_s[1].1 as f64 / sync_s[0].1 as f64 - 1.0) * 100.0;
    println!(
        "search indexes add {overhead:.1}% to sync time and {size_overhead:.1}% to vault size"
    );
    if std::env::var_os("BENCH_SYNC_ONLY").is_some() {
        return;
    }

    // 2. Reads on the indexed vault.
    let vault = work.join("indexed");
    let s = Session::unlock(&vault, "dpo", "bench-password", now).unwrap();
    let mut queries: Vec<String> = Vec::new();
    let mut x: u64 = 0x9E37_79B9;
    let mut rnd = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    for k in 0..3000u64 {
        let i = rnd(members);
        queries.push(match k % 12 {
            0 => email(i).to_uppercase(),
            1 => username(i),
            2 => username(i).chars().take(5).collect(),
            3 => format!("{} {}", first(i), sur(i)),
            4 => sur(i)
                .to_lowercase()
                .replacen('o', "u", 1)
                .replacen('i', "y", 1),
            5 => postcode(i).to_lowercase().replace(' ', ""),
            6 => ip(i),
            7 => format!("172.16.{}.{}", i >> 8 & 255, i & 255),
            8 => phone((i / 5) * 5),
            9 => format!("@tw{}", (i / 10) * 10),
            10 => format!("m-{i}"),
            _ => format!("stranger{}@elsewhere.example", members / 10 + i % 100),
        });
    }
    let mut session_ms = Vec::new();
    let mut bare_ms = Vec::new();
    let mut found = 0;
    let conn_opts = SearchOptions::default();
    for q in &queries {
        let t = Instant::now();
        let r = s.search(q, &conn_opts, now).unwrap();
        session_ms.push(t.elapsed().as_secs_f64() * 1e3);
        found += usize::from(!r.is_empty());
    }
    println!("{found} of {} queries found someone", queries.len());
    // The bare query, on its own connection (no role check, no audit append).
    let conn = desk_core::vault::raw::open_raw(&vault, "dpo", "bench-password")
        .unwrap()
        .data
        .unwrap();
    for q in &queries {
        let t = Instant::now();
        let _ = search_conn(&conn, q, &conn_opts).unwrap();
        bare_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let mut report = serde_json::Map::new();
    report.insert("members".into(), json!(members));
    report.insert("heavy_posts".into(), json!(heavy));
    report.insert("rows".into(), json!(sync_s[1].2));
    report.insert("sync_s_no_index".into(), json!(sync_s[0].0));
    report.insert("sync_s_indexed".into(), json!(sync_s[1].0));
    report.insert("sync_overhead_pct".into(), json!(overhead));
    report.insert("vault_bytes_no_index".into(), json!(sync_s[0].1));
    report.insert("vault_bytes_indexed".into(), json!(sync_s[1].1));
    report.insert(
        "search_session".into(),
        summary("search (session, audited)", &mut session_ms),
    );
    report.insert(
        "search_bare".into(),
        summary("search (bare query)", &mut bare_ms),
    );

    let mut ordinary = Vec::new();
    for k in 0..200 {
        let id = format!("m-{}", 1 + (k * 7919) % (members - 1));
        let t = Instant::now();
        s.member("netmums", &id, Page::default(), now).unwrap();
        ordinary.push(t.elapsed().as_secs_f64() * 1e3);
    }
    report.insert(
        "record_ordinary".into(),
        summary("member record (ordinary)", &mut ordinary),
    );
    let mut heavy_ms = Vec::new();
    for p in 1..=20 {
        let t = Instant::now();
        let r = s
            .member(
                "netmums",
                "m-0",
                Page {
                    page: p * 50,
                    size: Some(100),
                },
                now,
            )
            .unwrap();
        assert!(r.totals["posts"].as_u64().unwrap() >= heavy);
        heavy_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    report.insert(
        "record_heavy".into(),
        summary("member record (heavy, 100/page)", &mut heavy_ms),
    );
    let mut consent_ms = Vec::new();
    for k in 0..1000u64 {
        let id = format!("m-{}", (k * 104_729) % members);
        let at = Some(
            Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
                + chrono::Duration::days((k % 900) as i64),
        );
        let t = Instant::now();
        s.consent("netmums", &id, at, now).unwrap();
        consent_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    report.insert(
        "consent_at".into(),
        summary("consent at a time", &mut consent_ms),
    );
    let t = Instant::now();
    let c = s.conflicts(&Scope::default(), now).unwrap();
    let scan = t.elapsed().as_secs_f64();
    println!(
        "site-wide conflict scan: {} conflicts in {scan:.2} s",
        c.len()
    );
    report.insert("conflict_scan_s".into(), json!(scan));
    report.insert("conflicts".into(), json!(c.len()));
    println!("{}", serde_json::Value::Object(report));
}
