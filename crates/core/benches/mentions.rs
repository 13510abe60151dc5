//! The mentions benchmark (issue #15). Run:
//!
//!     cargo bench -p privacy-desk-core --bench mentions -- [MEMBERS] [WORKDIR]
//!
//! Phases, each in its own child process (each peak RSS is its own):
//! 1. `gen`: the sync benchmark's full export (same seed, the same heavy
//!    member m-1), unless WORKDIR/export-full is there already;
//! 2. `sync-nomentions`: the full sync without the mentions index (the
//!    baseline; its vault is measured, then removed);
//! 3. `sync`: the full sync as shipped, mentions index included;
//! 4. `delta`: a delta of posts, messages and tickets in which members name
//!    other members (by @username, username, email, name, phone) — 1% of
//!    the members named, and m-1 named 20,000 times — synced on top;
//! 5. `reads`: a member's mentions (p50/p95/p99) for members named in the
//!    delta, for members at random and for m-1 (the most named); free-text
//!    search, first page, for a rare and a common phrase, by the bounded
//!    scan; then the text index turned on (time, size) and the same searches
//!    through it.
//!
//! Prints a summary and a JSON line of the figures. `DESK_BENCH_KEEP=1`
//! keeps WORKDIR.

use chrono::{TimeZone, Utc};
use desk_core::mentions::TextQuery;
use desk_core::progress::NoProgress;
use desk_core::Session;
use export_gen::{generate, GenOptions};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
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
        heavy_member: Some(export_gen::HeavyMember {
            posts: 300_000,
            messages: 20_000,
        }),
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn stats(v: &mut [f64]) -> Value {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let p = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    json!({"n": v.len(), "p50": p(0.5), "p95": p(0.95), "p99": p(0.99), "max": v[v.len() - 1]})
}

struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// The size in bytes of the named tables and indexes (dbstat).
fn sizes(conn: &rusqlite::Connection, names: &[&str]) -> Value {
    let mut out = serde_json::Map::new();
    for n in names {
        let b: i64 = conn
            .query_row(
                "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?1",
                [n],
                |r| r.get(0),
            )
            .unwrap_or(0);
        out.insert((*n).into(), json!(b));
    }
    Value::Object(out)
}

const INDEX_OBJECTS: &[&str] = &[
    "mention_tokens",
    "mention_tokens_row",
    "search_terms_posted_as",
];
const TEXT_OBJECTS: &[&str] = &[
    "text_index_data",
    "text_index_idx",
    "text_index_docsize",
    "text_index_config",
];

fn sync_phase(work: &Path, vault: &Path, target: &Path, mentions: bool, out: &mut Value) {
    desk_core::vault::keys::use_test_cost(true);
    let fresh = !vault.exists();
    let s = if fresh {
        Session::create(vault, "bench", "bench-password", now()).unwrap()
    } else {
        Session::unlock(vault, "bench", "bench-password", now()).unwrap()
    };
    desk_core::mentions::set_mentions_for_benchmark(mentions);
    let t = Instant::now();
    let r = s.sync(target, now(), &NoProgress).unwrap();
    out["sync_s"] = json!(t.elapsed().as_secs_f64());
    out["rows"] = json!(r.rows.iter().map(|(_, n)| n).sum::<u64>());
    drop(s);
    out["vault_bytes"] = json!(dir_size(vault));
    let conn = desk_core::vault::raw::open_raw(vault, "bench", "bench-password")
        .unwrap()
        .data
        .unwrap();
    out["index_bytes"] = sizes(&conn, INDEX_OBJECTS);
    out["entries"] = json!(conn
        .query_row("SELECT count(*) FROM mention_tokens", [], |r| r
            .get::<_, i64>(0))
        .unwrap());
    let _ = work;
}

/// A member to name, and the ways to name them.
struct Who {
    id: String,
    user: String,
    email: String,
    name: Option<String>,
    phone: Option<String>,
}

/// A delta in which members name other members; writes who was named.
fn write_delta(work: &Path, out: &mut Value) {
    let vault = work.join("vault");
    let conn = desk_core::vault::raw::open_raw(&vault, "bench", "bench-password")
        .unwrap()
        .data
        .unwrap();
    let max_rowid: i64 = conn
        .query_row("SELECT max(rowid) FROM members", [], |r| r.get(0))
        .unwrap();
    let members: i64 = conn
        .query_row("SELECT count(*) FROM members", [], |r| r.get(0))
        .unwrap();
    let seq: i64 = conn
        .query_row("SELECT max(sequence) FROM exports", [], |r| r.get(0))
        .unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let pick = |rng: &mut Rng| -> Who {
        loop {
            let rowid = 1 + rng.next(max_rowid as u64) as i64;
            let got: Option<(String, String)> = conn
                .query_row(
                    "SELECT id, data FROM members WHERE rowid = ?1 AND deleted_seq IS NULL",
                    [rowid],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .ok();
            let Some((id, data)) = got else { continue };
            let m: serde_json::Map<String, Value> = serde_json::from_str(&data).unwrap();
            let t = |k: &str| m.get(k).and_then(Value::as_str).map(String::from);
            let phone: Option<String> = conn
                .query_row(
                    "SELECT json_extract(data, '$.phone') FROM competition_entries WHERE site = 'netmums' AND member_id = ?1 LIMIT 1",
                    [&id],
                    |r| r.get(0),
                )
                .ok()
                .flatten();
            return Who {
                id,
                user: t("username").unwrap_or_default(),
                email: t("email").unwrap_or_default(),
                name: t("first_name")
                    .zip(t("surname"))
                    .map(|(f, s)| format!("{f} {s}")),
                phone,
            };
        }
    };
    let heavy: Who = {
        let data: String = conn
            .query_row(
                "SELECT data FROM members WHERE site = 'netmums' AND id = 'm-1'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let m: serde_json::Map<String, Value> = serde_json::from_str(&data).unwrap();
        Who {
            id: "m-1".into(),
            user: m["username"].as_str().unwrap().into(),
            email: m["email"].as_str().unwrap().into(),
            name: None,
            phone: None,
        }
    };
    let named_n = (members / 100).max(100) as usize;
    let named: Vec<Who> = (0..named_n).map(|_| pick(&mut rng)).collect();
    let authors: Vec<String> = (0..2000).map(|_| pick(&mut rng).id).collect();
    drop(conn);
    let dir = work.join("export-mentions");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut posts = String::new();
    let mut messages = String::new();
    let mut n_posts = 0u64;
    let mut n_messages = 0u64;
    let mut targets: Vec<String> = Vec::new();
    let filler = "We tried that last year and it made no difference.";
    let line = |posts: &mut String, n: &mut u64, author: &str, body: String| {
        *n += 1;
        let p = json!({"post_id": format!("mb-p-{n}"), "member_id": author, "thread_id": format!("mb-t-{}", *n / 20),
            "thread_title": "Does anyone know", "posted_at": "2026-11-22T10:00:00Z", "status": "visible", "body": body});
        posts.push_str(&p.to_string());
        posts.push('\n');
    };
    // Each named member: three posts and a message naming them, in turn by
    // each kind.
    for (
        k,
        Who {
            id,
            user,
            email,
            name,
            phone,
        },
    ) in named.iter().enumerate()
    {
        targets.push(id.clone());
        let bodies = [
            format!("Has anyone heard from @{user} lately? {filler}"),
            format!("{user} posted about this last week. {filler}"),
            format!("You could email {email} about it."),
            match (name, phone) {
                (Some(n), _) if k % 2 == 0 => format!("I met {n} at the school gate."),
                (_, Some(p)) => format!("Her number is {p} if you need it."),
                (Some(n), None) => format!("I met {n} at the school gate."),
                _ => format!("Ask @{user}."),
            },
        ];
        for body in bodies.iter().take(3) {
            let a = &authors[(k * 7 + body.len()) % authors.len()];
            line(&mut posts, &mut n_posts, a, body.clone());
        }
        n_messages += 1;
        let sender = &authors[(k * 13) % authors.len()];
        let to = &authors[(k * 17 + 1) % authors.len()];
        let m = json!({"message_id": format!("mb-m-{n_messages}"), "conversation_id": format!("mb-c-{n_messages}"),
            "conversation_type": "member", "sender_id": sender, "recipient_ids": [to],
            "sent_at": "2026-11-22T11:00:00Z", "body": bodies[3]});
        messages.push_str(&m.to_string());
        messages.push('\n');
    }
    // The most named: m-1, 20,000 times.
    for k in 0..20_000usize {
        let a = &authors[k % authors.len()];
        let body = if k % 2 == 0 {
            format!("Thanks @{} for this!", heavy.user)
        } else {
            format!("{} is right, {filler}", heavy.user)
        };
        line(&mut posts, &mut n_posts, a, body);
    }
    // A rare phrase, in five posts.
    for a in authors.iter().take(5) {
        line(
            &mut posts,
            &mut n_posts,
            a,
            "Her two went to Oakfield Primary on Zanzibar Road.".into(),
        );
    }
    let files = [
        (
            "members",
            "members.csv",
            "member_id,username,email,signup_at,status,updated_at\n".to_string(),
            0u64,
        ),
        ("consent_events", "consent_events.jsonl", String::new(), 0),
        ("posts", "posts.jsonl", posts, n_posts),
        (
            "private_messages",
            "private_messages.jsonl",
            messages,
            n_messages,
        ),
    ];
    let mut listed = Vec::new();
    for (entity, path, content, rows) in files {
        std::fs::write(dir.join(path), &content).unwrap();
        listed.push(json!({"path": path, "entity": entity, "rows": rows,
            "sha256": hex::encode(Sha256::digest(content.as_bytes()))}));
    }
    let m = json!({"format": "forum-export", "format_version": 1, "site": "netmums", "kind": "delta",
        "sequence": seq + 1, "base_sequence": seq, "generated_at": "2026-12-01T02:00:00Z", "files": listed});
    std::fs::write(dir.join("manifest.json"), m.to_string()).unwrap();
    std::fs::write(work.join("targets.json"), json!(targets).to_string()).unwrap();
    out["delta_posts"] = json!(n_posts);
    out["delta_messages"] = json!(n_messages);
    out["named"] = json!(targets.len());
}

fn reads(work: &Path, out: &mut Value) {
    desk_core::vault::keys::use_test_cost(true);
    let vault = work.join("vault");
    let s = Session::unlock(&vault, "bench", "bench-password", now()).unwrap();
    let targets: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(work.join("targets.json")).unwrap()).unwrap();
    let mut named = Vec::new();
    let mut found = 0u64;
    for id in targets.iter().take(600) {
        let t = Instant::now();
        let p = s.mentions("netmums", id, 1, 20, now()).unwrap();
        named.push(t.elapsed().as_secs_f64() * 1e3);
        found += u64::from(p.total >= 3);
    }
    out["mentions_named"] = stats(&mut named);
    out["mentions_named"]["with_3_or_more"] = json!(format!("{found}/{}", targets.len().min(600)));
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let conn = desk_core::vault::raw::open_raw(&vault, "bench", "bench-password")
        .unwrap()
        .data
        .unwrap();
    let max_rowid: i64 = conn
        .query_row("SELECT max(rowid) FROM members", [], |r| r.get(0))
        .unwrap();
    let mut random_ids = Vec::new();
    while random_ids.len() < 400 {
        let rowid = 1 + rng.next(max_rowid as u64) as i64;
        if let Ok(id) = conn.query_row("SELECT id FROM members WHERE rowid = ?1", [rowid], |r| {
            r.get::<_, String>(0)
        }) {
            random_ids.push(id);
        }
    }
    let mut random = Vec::new();
    for id in &random_ids {
        let t = Instant::now();
        s.mentions("netmums", id, 1, 20, now()).unwrap();
        random.push(t.elapsed().as_secs_f64() * 1e3);
    }
    out["mentions_random"] = stats(&mut random);
    let mut heavy = Vec::new();
    let mut total = 0;
    for page in [
        1u64, 2, 10, 100, 500, 999, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ] {
        let t = Instant::now();
        let p = s.mentions("netmums", "m-1", page, 20, now()).unwrap();
        heavy.push(t.elapsed().as_secs_f64() * 1e3);
        total = p.total;
    }
    out["mentions_heaviest"] = stats(&mut heavy);
    out["mentions_heaviest"]["total"] = json!(total);
    // Free-text search, first page.
    let search = |s: &Session, text: &str, key: &str, out: &mut Value| {
        let mut v = Vec::new();
        let mut hits = 0;
        let mut complete = true;
        for _ in 0..30 {
            let t = Instant::now();
            let r = s
                .text_search(
                    &TextQuery {
                        text: text.into(),
                        page: 1,
                        page_size: 20,
                        ..Default::default()
                    },
                    now(),
                )
                .unwrap();
            v.push(t.elapsed().as_secs_f64() * 1e3);
            hits = r.items.len();
            complete = r.sites.iter().all(|x| x.complete);
        }
        out[key] = stats(&mut v);
        out[key]["first_page_items"] = json!(hits);
        out[key]["complete"] = json!(complete);
    };
    search(&s, "oakfield primary", "text_rare_scan", out);
    search(&s, "health visitor", "text_common_scan", out);
    let t = Instant::now();
    let rows = s
        .text_index_set("netmums", true, now(), &NoProgress)
        .unwrap();
    out["text_index_on_s"] = json!(t.elapsed().as_secs_f64());
    out["text_index_rows"] = json!(rows);
    out["text_index_bytes"] = sizes(&conn, TEXT_OBJECTS);
    search(&s, "oakfield primary", "text_rare_index", out);
    search(&s, "health visitor", "text_common_index", out);
    search(&s, "zanzibar", "text_rare_word_index", out);
    out["vault_bytes_with_text_index"] = json!(dir_size(&vault));
}

fn phase(name: &str, members: u64, work: &Path) -> Value {
    let full = work.join("export-full");
    let t0 = Instant::now();
    let mut out = json!({});
    match name {
        "gen" => {
            if full.join("manifest.json").exists() {
                out["reused"] = json!(true);
            } else {
                let s = generate(&opts(members), &full, &export_gen::NoProgress).unwrap();
                out["rows"] = json!(s.rows.iter().map(|(_, n)| n).sum::<u64>());
                out["bytes"] = json!(s.bytes);
            }
        }
        "sync-nomentions" => {
            let vault = work.join("vault-nomentions");
            let _ = std::fs::remove_dir_all(&vault);
            sync_phase(work, &vault, &full, false, &mut out);
            let _ = std::fs::remove_dir_all(&vault);
        }
        "sync" => {
            let vault = work.join("vault");
            let _ = std::fs::remove_dir_all(&vault);
            sync_phase(work, &vault, &full, true, &mut out);
        }
        "delta" => {
            write_delta(work, &mut out);
            let vault = work.join("vault");
            let mut o = json!({});
            sync_phase(work, &vault, &work.join("export-mentions"), true, &mut o);
            out["sync_s"] = o["sync_s"].clone();
            out["entries"] = o["entries"].clone();
            out["index_bytes"] = o["index_bytes"].clone();
        }
        "reads" => reads(work, &mut out),
        "matcher" => {
            // The matcher's own CPU per row, apart from the sync: every text
            // row's JSON parsed, then parsed and read for candidates.
            use desk_core::text::norm::{each_free_text, Normalised, FREE_TEXT};
            let conn =
                desk_core::vault::raw::open_raw(&work.join("vault"), "bench", "bench-password")
                    .unwrap()
                    .data
                    .unwrap();
            let mut texts: Vec<(&str, String)> = Vec::new();
            for &(e, _) in FREE_TEXT {
                let mut stmt = conn.prepare(&format!("SELECT data FROM {e}")).unwrap();
                for d in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
                    texts.push((e, d.unwrap()));
                }
            }
            let mut norm = Normalised::default();
            let mut keys = Vec::new();
            let mut best = [f64::MAX; 2];
            for _ in 0..3 {
                for (k, scan) in [false, true].into_iter().enumerate() {
                    let t = Instant::now();
                    let mut n = 0usize;
                    for (e, d) in &texts {
                        let f: serde_json::Map<String, Value> = serde_json::from_str(d).unwrap();
                        if scan {
                            keys.clear();
                            each_free_text(e, &f, |_, text| {
                                desk_core::mentions::rules::text_keys(text, &mut norm, &mut keys)
                            });
                            n += keys.len();
                        } else {
                            n += f.len();
                        }
                    }
                    std::hint::black_box(n);
                    best[k] = best[k].min(t.elapsed().as_secs_f64());
                }
            }
            out["rows"] = json!(texts.len());
            out["parse_s"] = json!(best[0]);
            out["parse_and_match_s"] = json!(best[1]);
            out["match_us_per_row"] = json!((best[1] - best[0]) / texts.len() as f64 * 1e6);
        }
        "keys" => {
            // What the index holds: entries by kind, and the commonest keys.
            let conn =
                desk_core::vault::raw::open_raw(&work.join("vault"), "bench", "bench-password")
                    .unwrap()
                    .data
                    .unwrap();
            let mut stmt = conn
                .prepare("SELECT substr(key, 1, 1), count(*) FROM mention_tokens GROUP BY 1 ORDER BY 2 DESC")
                .unwrap();
            let by_kind: serde_json::Map<String, Value> = stmt
                .query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, json!(r.get::<_, i64>(1)?)))
                })
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            out["by_kind"] = Value::Object(by_kind);
            let mut stmt = conn
                .prepare("SELECT key, entity, count(*) FROM mention_tokens GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 25")
                .unwrap();
            let top: Vec<Value> = stmt
                .query_map([], |r| {
                    Ok(json!([
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?
                    ]))
                })
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            out["top"] = json!(top);
        }
        other => panic!("unknown phase {other}"),
    }
    out["seconds"] = json!(t0.elapsed().as_secs_f64());
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
        .unwrap_or_else(|| std::env::temp_dir().join("desk-bench-mentions"));
    std::fs::create_dir_all(&work).unwrap();
    let mut results = serde_json::Map::new();
    let phases: Vec<String> = std::env::var("DESK_BENCH_PHASES")
        .map(|p| p.split(',').map(String::from).collect())
        .unwrap_or_else(|_| {
            ["gen", "sync-nomentions", "sync", "delta", "reads"]
                .map(String::from)
                .to_vec()
        });
    for name in &phases {
        let v = common::run_phase(name, members, &work);
        eprintln!(
            "  {:.1} s, peak RSS {:.0} MiB",
            v["seconds"].as_f64().unwrap(),
            v["peak_rss_mib"].as_f64().unwrap()
        );
        results.insert(name.clone(), v);
    }
    let r = |p: &str, k: &str| results.get(p).and_then(|v| v[k].as_f64()).unwrap_or(0.0);
    println!("members: {members}");
    if results.contains_key("sync") && results.contains_key("sync-nomentions") {
        println!(
            "full sync: without mentions {:.1} s ({:.1} CPU s, {:.0} MiB peak), with {:.1} s ({:.1} CPU s, {:.0} MiB peak): +{:.1}% time, +{:.1}% CPU",
            r("sync-nomentions", "sync_s"),
            r("sync-nomentions", "cpu_s"),
            r("sync-nomentions", "peak_rss_mib"),
            r("sync", "sync_s"),
            r("sync", "cpu_s"),
            r("sync", "peak_rss_mib"),
            100.0 * (r("sync", "sync_s") / r("sync-nomentions", "sync_s") - 1.0),
            100.0 * (r("sync", "cpu_s") / r("sync-nomentions", "cpu_s") - 1.0),
        );
        println!(
            "vault: without {:.0} MiB, with {:.0} MiB (+{:.2}%); index entries {}",
            r("sync-nomentions", "vault_bytes") / 1048576.0,
            r("sync", "vault_bytes") / 1048576.0,
            100.0 * (r("sync", "vault_bytes") / r("sync-nomentions", "vault_bytes") - 1.0),
            results["sync"]["entries"]
        );
    }
    println!("{}", Value::Object(results));
    if std::env::var_os("DESK_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
}
