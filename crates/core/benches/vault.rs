//! Many writers on one vault, sign-in and signing costs, and the vault
//! check. Run:
//!
//!     cargo bench -p privacy-desk-core --bench vault -- [WORKDIR] [VAULT_TO_CHECK USER PASSWORD]
//!
//! Prints figures (and a JSON line) for docs/performance.md.

use chrono::{TimeZone, Utc};
use desk_core::{Role, Session};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn entry(site: &str) -> serde_json::Value {
    json!({
        "site": site, "member_ids": ["m-1"], "disclosed_at": "2026-11-20T10:00:00Z",
        "recipient": {"organisation": "County Police", "team": "CP", "officer": "DC Smith", "contact": "x@y"},
        "request_reference": "R-1", "urgent": false, "lawful_basis": "uk_gdpr_6_1_c_legal_obligation",
        "triggered_by": [], "data_categories": ["identity"], "items_disclosed": ["email"],
        "necessity_and_proportionality": "asked", "authorised_by": "DPO", "member_informed": true
    })
}

/// `threads` writers recording disclosures for `secs`: entries per second.
fn writers(vault: &std::path::Path, threads: usize, secs: u64) -> (u64, f64) {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let stop = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let n = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|sc| {
        for _ in 0..threads {
            sc.spawn(|| {
                let s = Session::unlock(vault, "w", "writer-password", now).unwrap();
                while Instant::now() < stop {
                    s.disclosure_record(&entry("netmums"), now).unwrap();
                    n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    let total = n.into_inner();
    (total, total as f64 / started.elapsed().as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let work = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("desk-bench-vault"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let mut out = serde_json::Map::new();

    // Sign-in with the default key-derivation cost (64 MiB, 3 passes).
    desk_core::vault::keys::use_test_cost(false);
    let real = work.join("real-cost");
    drop(Session::create(&real, "dpo", "dpo-password", now).unwrap());
    let mut ms = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        drop(Session::unlock(&real, "dpo", "dpo-password", now).unwrap());
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "sign-in (default cost): median {:.0} ms, min {:.0}, max {:.0}",
        ms[2], ms[0], ms[4]
    );
    out.insert("sign_in_ms_median".into(), json!(ms[2]));

    // A vault with one site and a member, for the writers.
    desk_core::vault::keys::use_test_cost(true);
    let vault = work.join("vault");
    let s = Session::create(&vault, "dpo", "dpo-password", now).unwrap();
    s.add_user("w", Role::Staff, "writer-password", now)
        .unwrap();
    let export = work.join("export");
    export_gen::generate(
        &export_gen::GenOptions {
            members: 100,
            ..Default::default()
        },
        &export,
        &export_gen::NoProgress,
    )
    .unwrap();
    s.sync(&export, now, &desk_core::progress::NoProgress)
        .unwrap();

    // 1,000 disclosure adds, one writer: the cost per add, and the share of
    // its two signatures (the entry's and its audit event's, plus the link).
    let t = Instant::now();
    for _ in 0..1000 {
        s.disclosure_record(&entry("netmums"), now).unwrap();
    }
    // 1,000 adds in S seconds is S milliseconds per add.
    let total_s = t.elapsed().as_secs_f64();
    let per_add_ms = total_s;
    let seed = [7u8; 32];
    let t = Instant::now();
    for i in 0..3000u32 {
        std::hint::black_box(desk_core::signing::sign(
            &seed,
            desk_core::signing::Domain::AuditLink,
            &i.to_le_bytes(),
        ));
    }
    let sign_ms = t.elapsed().as_secs_f64() * 1e3 / 1000.0;
    println!(
        "1,000 disclosure adds: {:.1} s ({:.1} ms each); signing them: {:.3} ms each ({:.2}% of an add)",
        total_s,
        per_add_ms,
        sign_ms,
        100.0 * sign_ms / per_add_ms
    );
    out.insert("adds_1000_s".into(), json!(total_s));
    out.insert("signing_ms_per_add".into(), json!(sign_ms));
    drop(s);

    // Writers at once.
    for threads in [1, 8] {
        let (n, rate) = writers(&vault, threads, 15);
        println!("{threads} writer(s) for 15 s: {n} disclosures, {rate:.1}/s");
        out.insert(format!("writers_{threads}_per_s"), json!(rate));
    }

    // The vault check of a given vault.
    if let (Some(v), Some(u), Some(p)) = (args.get(1), args.get(2), args.get(3)) {
        let s = Session::unlock(std::path::Path::new(v), u, p, now).unwrap();
        let t = Instant::now();
        let c = s.vault_check(now).unwrap();
        println!(
            "vault check of {v}: {:.1} s, ok: {}",
            t.elapsed().as_secs_f64(),
            c.ok
        );
        out.insert("vault_check_s".into(), json!(t.elapsed().as_secs_f64()));
    }
    println!("{}", serde_json::Value::Object(out));
}
