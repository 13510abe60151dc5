//! The sync benchmark (issue: vault and sync). Run:
//!
//!     cargo bench -p privacy-desk-core --bench sync -- [MEMBERS] [WORKDIR]
//!
//! Phases, each in its own child process so each peak RSS is its own:
//! 1. generate a full export of MEMBERS members (default 100,000);
//! 2. a bare bulk insert of the same rows with rusqlite + SQLCipher: parse
//!    each row, INSERT into the same tables and indexes, no checks — the
//!    baseline;
//! 3. the real sync into a new vault (checks, upserts, references, audit);
//! 4. a delta of 1% of the rows, generated, then synced on top.
//!
//! Prints a table and a JSON line of the figures.

use chrono::{TimeZone, Utc};
use desk_core::entity::Entity;
use desk_core::progress::{NoProgress, Progress, ProgressEvent};
use desk_core::Session;
use export_gen::{generate, GenOptions};
use serde_json::{json, Value};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

mod common;
use common::{cpu_seconds, dir_size, vm_hwm_kib};

fn opts(members: u64) -> GenOptions {
    GenOptions {
        site: "netmums".into(),
        members,
        seed: 42,
        zip: false,
        gzip: false,
        generated_at: None,
        delta_of: None,
        changes: 0,
        // One very heavy member (m-1), for the member-record figures.
        heavy_member: Some(export_gen::HeavyMember {
            posts: 300_000,
            messages: 20_000,
        }),
    }
}

/// Per-stage timings from the sync's progress events.
#[derive(Default)]
struct Stages(Mutex<Vec<(String, Instant, u64)>>);

impl Progress for Stages {
    fn event(&self, e: ProgressEvent) {
        let mut v = self.0.lock().unwrap();
        match e {
            ProgressEvent::Stage { name, .. } => v.push((name, Instant::now(), 0)),
            ProgressEvent::Advance { done } => {
                if let Some(last) = v.last_mut() {
                    last.2 = done;
                }
            }
        }
    }
}

fn phase(name: &str, members: u64, work: &Path) -> Value {
    let full = work.join("export-full");
    let delta = work.join("export-delta");
    let t0 = Instant::now();
    let mut out = json!({});
    match name {
        "gen" => {
            let s = generate(&opts(members), &full, &export_gen::NoProgress).unwrap();
            out["rows"] = json!(s.rows.iter().map(|(_, n)| n).sum::<u64>());
            out["bytes"] = json!(s.bytes);
            out["per_entity"] = json!(s
                .rows
                .iter()
                .map(|(e, n)| (e.name().to_string(), json!(n)))
                .collect::<serde_json::Map<_, _>>());
        }
        "gen-delta" => {
            let mut o = opts(0);
            o.delta_of = Some(full.clone());
            let rows: u64 = serde_json::from_str::<Value>(
                &std::fs::read_to_string(work.join("gen.json")).unwrap(),
            )
            .unwrap()["rows"]
                .as_u64()
                .unwrap();
            o.changes = rows / 100;
            let s = generate(&o, &delta, &export_gen::NoProgress).unwrap();
            out["rows"] = json!(s.rows.iter().map(|(_, n)| n).sum::<u64>());
        }
        "bare" => {
            let db = work.join("bare.db");
            let _ = std::fs::remove_file(&db);
            // The same tables as the vault's first migration, nothing else.
            desk_core::vault::open::create_owner_only(&db).unwrap();
            let conn = desk_core::vault::open::open(
                &db,
                &desk_core::vault::keys::new_key(),
                desk_core::vault::open::Db::Data,
                std::time::Duration::from_secs(5),
            )
            .unwrap();
            conn.execute_batch(desk_core::vault::migrate::MIGRATIONS[0].sql)
                .unwrap();
            conn.execute_batch("BEGIN").unwrap();
            let mut rows = 0u64;
            for e in Entity::DATA {
                let t = e.name();
                let path = full.join(e.file_name());
                if !path.exists() {
                    continue;
                }
                let mut stmt = conn
                    .prepare(&format!("INSERT INTO {t} (site, id, member_id, data, seq, line) VALUES ('netmums', ?1, ?2, ?3, 1, ?4)"))
                    .unwrap();
                let idf = e.id_field();
                let mf = e.member_field().unwrap_or(idf);
                match e.format() {
                    desk_core::entity::Format::Csv => {
                        let mut r = csv::Reader::from_path(&path).unwrap();
                        let h = r.headers().unwrap().clone();
                        let (ii, mi) = (
                            h.iter().position(|x| x == idf).unwrap(),
                            h.iter().position(|x| x == mf).unwrap(),
                        );
                        for (n, rec) in r.records().enumerate() {
                            let rec = rec.unwrap();
                            let obj: serde_json::Map<String, Value> = h
                                .iter()
                                .zip(rec.iter())
                                .filter(|(_, v)| !v.is_empty())
                                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                                .collect();
                            stmt.execute(rusqlite::params![
                                &rec[ii],
                                &rec[mi],
                                Value::Object(obj).to_string(),
                                n as i64 + 2
                            ])
                            .unwrap();
                            rows += 1;
                        }
                    }
                    desk_core::entity::Format::Jsonl => {
                        let f = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
                        for (n, line) in f.lines().enumerate() {
                            let line = line.unwrap();
                            let v: serde_json::Map<String, Value> =
                                serde_json::from_str(&line).unwrap();
                            let id = v[idf].as_str().unwrap_or_default().to_string();
                            let m = v.get(mf).and_then(|x| x.as_str()).map(String::from);
                            stmt.execute(rusqlite::params![
                                id,
                                m,
                                Value::Object(v).to_string(),
                                n as i64 + 1
                            ])
                            .unwrap();
                            rows += 1;
                        }
                    }
                }
            }
            conn.execute_batch("COMMIT").unwrap();
            out["rows"] = json!(rows);
            out["db_bytes"] = json!(std::fs::metadata(&db).unwrap().len());
            drop(conn);
            let _ = std::fs::remove_file(&db);
        }
        "sync-noindex" => {
            // The same full sync without maintaining the search index: what
            // the index costs.
            desk_core::vault::keys::use_test_cost(true);
            let vault = work.join("vault-noindex");
            let _ = std::fs::remove_dir_all(&vault);
            let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
            let s = Session::create(&vault, "bench", "bench-password", now).unwrap();
            desk_core::search::set_indexing_for_benchmark(false);
            let r = s.sync(&full, now, &NoProgress).unwrap();
            out["rows"] = json!(r.rows.iter().map(|(_, n)| n).sum::<u64>());
            drop(s);
            out["vault_bytes"] = json!(dir_size(&vault));
            let _ = std::fs::remove_dir_all(&vault);
        }
        "reads" => reads(work, &mut out),
        "sync-rollback" => {
            // The same full sync into a vault that keeps the rollback journal
            // (as the desk did before many processes could share a vault):
            // what the write-ahead log costs.
            desk_core::vault::keys::use_test_cost(true);
            desk_core::vault::open::use_rollback_journal_for_benchmark(true);
            let vault = work.join("vault-rollback");
            let _ = std::fs::remove_dir_all(&vault);
            let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
            let s = Session::create(&vault, "bench", "bench-password", now).unwrap();
            let r = s.sync(&full, now, &NoProgress).unwrap();
            out["rows"] = json!(r.rows.iter().map(|(_, n)| n).sum::<u64>());
            drop(s);
            out["vault_bytes"] = json!(dir_size(&vault));
            let _ = std::fs::remove_dir_all(&vault);
        }
        "sync-reader" => {
            // A full sync while another session reads every 200 ms: how long
            // a reader waits during a long sync (it reads a snapshot).
            desk_core::vault::keys::use_test_cost(true);
            let vault = work.join("vault-reader");
            let _ = std::fs::remove_dir_all(&vault);
            let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
            let s = Session::create(&vault, "bench", "bench-password", now).unwrap();
            // A first small sync so there is something to read.
            let small = work.join("small");
            if !small.exists() {
                let mut o = opts(2_000);
                o.site = "mumsnet".into();
                o.heavy_member = None;
                generate(&o, &small, &export_gen::NoProgress).unwrap();
            }
            s.sync(&small, now, &NoProgress).unwrap();
            let done = std::sync::atomic::AtomicBool::new(false);
            let waits = Mutex::new(Vec::<f64>::new());
            // Reads over a second: when (seconds into the sync) and how long.
            let slow = Mutex::new(Vec::<(f64, f64)>::new());
            let begun = Instant::now();
            std::thread::scope(|sc| {
                sc.spawn(|| {
                    let r = Session::unlock(&vault, "bench", "bench-password", now).unwrap();
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        let t = Instant::now();
                        r.search("m-17@", &Default::default(), now).unwrap();
                        r.status(now).unwrap();
                        let ms = t.elapsed().as_secs_f64() * 1e3;
                        if ms > 1000.0 {
                            slow.lock()
                                .unwrap()
                                .push((t.duration_since(begun).as_secs_f64(), ms));
                        }
                        waits.lock().unwrap().push(ms);
                        std::thread::sleep(std::time::Duration::from_millis(200));
                    }
                });
                let r = s.sync(&full, now, &NoProgress).unwrap();
                out["rows"] = json!(r.rows.iter().map(|(_, n)| n).sum::<u64>());
                done.store(true, std::sync::atomic::Ordering::Relaxed);
            });
            let mut w = waits.into_inner().unwrap();
            w.sort_by(|a, b| a.total_cmp(b));
            let pct = |p: f64| {
                w.get(((w.len() as f64 * p) as usize).min(w.len().saturating_sub(1)))
                    .copied()
                    .unwrap_or(0.0)
            };
            out["reads"] = json!(w.len());
            out["read_ms_p50"] = json!(pct(0.5));
            out["read_ms_p95"] = json!(pct(0.95));
            out["read_ms_max"] = json!(w.last().copied().unwrap_or(0.0));
            out["slow_reads_at_s_ms"] = json!(slow.into_inner().unwrap());
            out["sync_s"] = json!(begun.elapsed().as_secs_f64());
            drop(s);
            let _ = std::fs::remove_dir_all(&vault);
        }
        "sync" | "sync-delta" => {
            desk_core::vault::keys::use_test_cost(true);
            let vault = work.join("vault");
            let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
            let s = if name == "sync" {
                let _ = std::fs::remove_dir_all(&vault);
                Session::create(&vault, "bench", "bench-password", now).unwrap()
            } else {
                Session::unlock(&vault, "bench", "bench-password", now).unwrap()
            };
            let stages = Stages::default();
            let target = if name == "sync" { &full } else { &delta };
            let r = s.sync(target, now, &stages).unwrap();
            let total = t0.elapsed().as_secs_f64();
            let v = stages.0.lock().unwrap();
            let mut per = serde_json::Map::new();
            for (i, (stage, at, done)) in v.iter().enumerate() {
                let end = v.get(i + 1).map(|x| x.1).unwrap_or_else(Instant::now);
                let secs = end.duration_since(*at).as_secs_f64();
                per.insert(stage.clone(), json!({"seconds": secs, "rows": done, "rows_per_s": if secs > 0.0 { *done as f64 / secs } else { 0.0 }}));
            }
            out["stages"] = Value::Object(per);
            out["rows"] = json!(r.rows.iter().map(|(_, n)| n).sum::<u64>());
            out["bytes"] = json!(r.bytes);
            out["mb_per_s"] = json!(r.bytes as f64 / 1e6 / total);
            drop(s);
            out["vault_bytes"] = json!(dir_size(&vault));
        }
        other => panic!("unknown phase {other}"),
    }
    out["seconds"] = json!(t0.elapsed().as_secs_f64());
    // CPU time (user + system) of this phase's process: on a shared machine
    // it moves less than wall time when other work competes for the cores.
    out["cpu_s"] = json!(cpu_seconds());
    out["peak_rss_mib"] = json!(vm_hwm_kib() as f64 / 1024.0);
    out
}

fn main() {
    let args = common::args();
    if common::run_if_phase(&args, phase) {
        return;
    }
    let members: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let work = args
        .get(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("desk-bench-sync"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let mut results = serde_json::Map::new();
    let keep = std::env::var_os("DESK_BENCH_KEEP").is_some();
    let only: Option<Vec<String>> = std::env::var("DESK_BENCH_PHASES")
        .ok()
        .map(|v| v.split(',').map(String::from).collect());
    for name in [
        "gen",
        "bare",
        "sync-noindex",
        "sync-rollback",
        "sync-reader",
        "sync",
        "gen-delta",
        "sync-delta",
        "reads",
    ] {
        if only.as_ref().is_some_and(|o| !o.iter().any(|p| p == name)) {
            continue;
        }
        let v = common::run_phase(name, members, &work);
        eprintln!(
            "  {:.1} s, peak RSS {:.0} MiB",
            v["seconds"].as_f64().unwrap(),
            v["peak_rss_mib"].as_f64().unwrap()
        );
        results.insert(name.into(), v);
    }
    let r = |p: &str, k: &str| results.get(p).and_then(|v| v[k].as_f64()).unwrap_or(0.0);
    if results.contains_key("sync-rollback") {
        println!(
            "journal:      write-ahead log {:.1} s vs rollback journal {:.1} s ({:+.1}%); vault {:.0} vs {:.0} MiB",
            r("sync", "seconds"),
            r("sync-rollback", "seconds"),
            100.0 * (r("sync", "seconds") / r("sync-rollback", "seconds") - 1.0),
            r("sync", "vault_bytes") / 1048576.0,
            r("sync-rollback", "vault_bytes") / 1048576.0
        );
    }
    if results.contains_key("sync-reader") {
        println!(
            "reader during a sync: {} reads, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (sync {:.1} s)",
            r("sync-reader", "reads"),
            r("sync-reader", "read_ms_p50"),
            r("sync-reader", "read_ms_p95"),
            r("sync-reader", "read_ms_max"),
            r("sync-reader", "seconds")
        );
    }
    println!("members: {members}");
    println!(
        "rows: {}  export bytes: {}",
        r("gen", "rows"),
        r("gen", "bytes")
    );
    println!(
        "generate:     {:8.1} s  peak {:6.0} MiB",
        r("gen", "seconds"),
        r("gen", "peak_rss_mib")
    );
    println!(
        "bare insert:  {:8.1} s  peak {:6.0} MiB  ({:.0} rows/s)",
        r("bare", "seconds"),
        r("bare", "peak_rss_mib"),
        r("bare", "rows") / r("bare", "seconds")
    );
    println!(
        "sync (full):  {:8.1} s  peak {:6.0} MiB  ({:.0} rows/s, {:.1} MB/s)  ratio to bare {:.2}",
        r("sync", "seconds"),
        r("sync", "peak_rss_mib"),
        r("sync", "rows") / r("sync", "seconds"),
        r("sync", "mb_per_s"),
        r("sync", "seconds") / r("bare", "seconds")
    );
    println!(
        "vault size:   {:8.1} MiB",
        r("sync", "vault_bytes") / 1048576.0
    );
    println!(
        "delta rows:   {:8.0}  sync {:.2} s ({:.1}% of the full sync's time)",
        r("gen-delta", "rows"),
        r("sync-delta", "seconds"),
        100.0 * r("sync-delta", "seconds") / r("sync", "seconds")
    );
    println!(
        "search index: sync without it {:.1} s, with it {:.1} s (+{:.1}%); vault {:.0} MiB → {:.0} MiB (+{:.1}%)",
        r("sync-noindex", "seconds"),
        r("sync", "seconds"),
        100.0 * (r("sync", "seconds") / r("sync-noindex", "seconds") - 1.0),
        r("sync-noindex", "vault_bytes") / 1048576.0,
        r("sync", "vault_bytes") / 1048576.0,
        100.0 * (r("sync", "vault_bytes") / r("sync-noindex", "vault_bytes") - 1.0),
    );
    println!(
        "CPU seconds: bare {:.1}, sync without index {:.1}, sync {:.1} (index +{:.1}% CPU), delta {:.1}",
        r("bare", "cpu_s"),
        r("sync-noindex", "cpu_s"),
        r("sync", "cpu_s"),
        100.0 * (r("sync", "cpu_s") / r("sync-noindex", "cpu_s") - 1.0),
        r("sync-delta", "cpu_s"),
    );
    if !results.contains_key("reads") {
        println!("{}", Value::Object(results));
        return;
    }
    println!("reads on the synced vault (after the delta):");
    for k in [
        "search",
        "search_email",
        "search_username_prefix",
        "search_misspelt_surname",
        "search_postcode",
        "search_ip",
        "record_ordinary",
        "record_heavy",
        "consent_at",
    ] {
        let v = &results["reads"][k];
        println!(
            "  {:<26} p50 {:7.2} ms  p95 {:7.2} ms  p99 {:7.2} ms  max {:7.2} ms  (n={}{})",
            k,
            v["p50"].as_f64().unwrap_or(0.0),
            v["p95"].as_f64().unwrap_or(0.0),
            v["p99"].as_f64().unwrap_or(0.0),
            v["max"].as_f64().unwrap_or(0.0),
            v["n"],
            v.get("found")
                .map(|f| format!(
                    ", the sought member in the first 20 {f}, in the first 500 {}",
                    v["found_in_500"]
                ))
                .unwrap_or_default()
        );
    }
    println!(
        "  vault-wide conflict check: {:.1} s, {} conflicts; its list's first page {:.1} ms, a deep page {:.1} ms; Home {:.1} ms; reads peak RSS {:.0} MiB",
        r("reads", "conflict_scan_s"),
        results["reads"]["conflicts"],
        r("reads", "conflict_page_first_ms"),
        r("reads", "conflict_page_deep_ms"),
        r("reads", "home_ms"),
        r("reads", "peak_rss_mib")
    );
    println!("per stage of the full sync:");
    if let Some(st) = results["sync"]["stages"].as_object() {
        for (k, v) in st {
            println!(
                "  {:<48} {:7.1} s  {:>10} rows  {:>9.0} rows/s",
                k,
                v["seconds"].as_f64().unwrap(),
                v["rows"],
                v["rows_per_s"].as_f64().unwrap()
            );
        }
    }
    println!("{}", Value::Object(results));
    if !keep {
        let _ = std::fs::remove_dir_all(&work);
    }
}

fn stats(v: &mut [f64]) -> Value {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let p = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    json!({"n": v.len(), "p50": p(0.5), "p95": p(0.95), "p99": p(0.99), "max": v[v.len() - 1]})
}

/// A name with one letter changed (not the first): a typing mistake.
fn misspell(s: &str) -> String {
    let mut c: Vec<char> = s.to_lowercase().chars().collect();
    if c.len() > 3 {
        let i = c.len() / 2;
        c[i] = if c[i] == 'e' { 'a' } else { 'e' };
    }
    c.into_iter().collect()
}

/// Search, record, consent and conflict figures on the benchmark's vault,
/// with queries drawn from the members it holds.
fn reads(work: &Path, out: &mut Value) {
    use desk_core::member::Page;
    use desk_core::search::SearchOptions;
    desk_core::vault::keys::use_test_cost(true);
    let vault = work.join("vault");
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let s = Session::unlock(&vault, "bench", "bench-password", now).unwrap();
    let conn = desk_core::vault::raw::open_raw(&vault, "bench", "bench-password")
        .unwrap()
        .data
        .unwrap();
    let max_rowid: i64 = conn
        .query_row("SELECT max(rowid) FROM members", [], |r| r.get(0))
        .unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    // (kind, query, the member it should find)
    let mut queries: Vec<(&str, String, String)> = Vec::new();
    let mut ids = Vec::new();
    while queries.len() < 3000 {
        let rowid = 1 + rnd(max_rowid as u64) as i64;
        let Ok((id, data)) = conn.query_row(
            "SELECT id, data FROM members WHERE rowid = ?1 AND deleted_seq IS NULL",
            [rowid],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        ) else {
            continue;
        };
        let m: serde_json::Map<String, Value> = serde_json::from_str(&data).unwrap();
        let t = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        ids.push(id.clone());
        match queries.len() % 5 {
            0 if !t("email").is_empty() => {
                queries.push(("search_email", t("email").to_uppercase(), id))
            }
            1 if t("username").len() > 5 => queries.push((
                "search_username_prefix",
                t("username").chars().take(5).collect(),
                id,
            )),
            2 if !t("surname").is_empty() && !t("first_name").is_empty() => queries.push((
                "search_misspelt_surname",
                format!("{} {}", t("first_name"), misspell(&t("surname"))),
                id,
            )),
            3 if !t("postcode").is_empty() => queries.push((
                "search_postcode",
                t("postcode").to_lowercase().replace(' ', ""),
                id,
            )),
            4 => {
                let login: Option<String> = conn
                    .query_row(
                        "SELECT json_extract(data, '$.ip') FROM login_events WHERE site = 'netmums' AND member_id = ?1 LIMIT 1",
                        [&id],
                        |r| r.get(0),
                    )
                    .ok()
                    .flatten();
                let ip = if rnd(2) == 0 {
                    login.unwrap_or_default()
                } else {
                    t("signup_ip")
                };
                if !ip.is_empty() {
                    queries.push(("search_ip", ip, id));
                }
            }
            _ => {}
        }
    }
    drop(conn);
    let mut all = Vec::new();
    let mut per: std::collections::BTreeMap<&str, (Vec<f64>, u64, u64)> = Default::default();
    let opts = SearchOptions::default();
    // Recall apart from ranking: at a million members a first name and
    // surname are shared by ~100 people and a 5-letter user-name prefix by
    // hundreds, all scoring alike, so "in the first 20" is partly luck.
    let wide = SearchOptions {
        limit: Some(500),
        ..Default::default()
    };
    let only_records = std::env::var_os("DESK_BENCH_ONLY_RECORDS").is_some();
    for (kind, q, id) in queries.iter().filter(|_| !only_records) {
        let t = Instant::now();
        let r = s.search(q, &opts, now).unwrap();
        let ms = t.elapsed().as_secs_f64() * 1e3;
        all.push(ms);
        let e = per.entry(kind).or_default();
        e.0.push(ms);
        let has = |r: &[desk_core::search::SearchResult]| {
            u64::from(
                r.iter()
                    .any(|h| h.member_id.as_deref() == Some(id.as_str())),
            )
        };
        e.1 += has(&r);
        e.2 += has(&s.search(q, &wide, now).unwrap());
    }
    if !all.is_empty() {
        out["search"] = stats(&mut all);
    }
    for (k, (mut v, found, found_wide)) in per {
        let n = v.len();
        let mut st = stats(&mut v);
        st["found"] = json!(format!("{found}/{n}"));
        st["found_in_500"] = json!(format!("{found_wide}/{n}"));
        out[k] = st;
    }
    let mut ordinary = Vec::new();
    for id in ids.iter().take(300) {
        let t = Instant::now();
        s.member("netmums", id, Page::default(), now).unwrap();
        ordinary.push(t.elapsed().as_secs_f64() * 1e3);
    }
    out["record_ordinary"] = stats(&mut ordinary);
    let mut heavy = Vec::new();
    for p in [1u64, 2, 10, 100, 500, 1000, 1500, 2000, 2500, 3000] {
        let t = Instant::now();
        let r = s
            .member(
                "netmums",
                "m-1",
                Page {
                    page: p,
                    size: Some(100),
                },
                now,
            )
            .unwrap();
        assert!(r.totals["posts"].as_u64().unwrap() >= 300_000);
        heavy.push(t.elapsed().as_secs_f64() * 1e3);
    }
    out["record_heavy"] = stats(&mut heavy);
    let mut consent = Vec::new();
    for (k, id) in ids.iter().take(1000).enumerate() {
        let at = Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0).unwrap()
            + chrono::Duration::days((k as i64 * 37) % 2800);
        let t = Instant::now();
        s.consent("netmums", id, Some(at), now).unwrap();
        consent.push(t.elapsed().as_secs_f64() * 1e3);
    }
    out["consent_at"] = stats(&mut consent);
    if std::env::var_os("DESK_BENCH_NO_SCAN").is_some() {
        return;
    }
    // The vault-wide check the desktop runs (streamed, kept in the vault),
    // then the first and a deep page of its list, and Home reading it.
    let t = Instant::now();
    let c = s
        .conflicts_check(now, &desk_core::progress::NoProgress)
        .unwrap();
    out["conflict_scan_s"] = json!(t.elapsed().as_secs_f64());
    out["conflicts"] = json!(c.total);
    for (name, offset) in [
        ("conflict_page_first_ms", 0),
        ("conflict_page_deep_ms", c.total.saturating_sub(100)),
    ] {
        let t = Instant::now();
        let p = s
            .conflicts_page(
                &desk_core::conflicts::ConflictFilter {
                    offset,
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert!(!p.items.is_empty());
        out[name] = json!(t.elapsed().as_secs_f64() * 1e3);
    }
    let t = Instant::now();
    let h = s.home(now).unwrap();
    assert_eq!(h.open_conflicts, Some(c.total));
    out["home_ms"] = json!(t.elapsed().as_secs_f64() * 1e3);
}
