//! A vault the whole team uses at once: many `desk` processes — syncs,
//! disclosures, requests, bundles, users added and removed with a rekey,
//! password changes, and readers — run together against one vault. Each
//! either succeeds or says plainly that the vault is busy; nothing reported
//! done is missing; ids are unique; both chains verify; every user still
//! signs in.

use crate::harness::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One process's outcome.
#[derive(Debug, Clone)]
struct Done {
    kind: &'static str,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Done {
    fn busy(&self) -> bool {
        self.code == 1 && self.stderr.contains("the vault is busy")
    }
}

fn run(
    d: &Desk,
    kind: &'static str,
    user: &str,
    pw: &str,
    args: &[&str],
    extra: &[(&str, &str)],
) -> Done {
    let mut env = vec![
        ("DESK_USER", user),
        ("DESK_PASSWORD", pw),
        ("DESK_BUSY_TIMEOUT_SECS", "20"),
    ];
    env.extend_from_slice(extra);
    let r = d.run_with(args, &env);
    Done {
        kind,
        code: r.code,
        stdout: r.stdout,
        stderr: r.stderr,
    }
}

fn disclosure(d: &Desk, name: &str, member: &str) -> std::path::PathBuf {
    let p = d.path(name);
    let e = json!({
        "site": "netmums", "member_ids": [member],
        "disclosed_at": "2026-11-24T16:20:00Z",
        "recipient": {"organisation": "County Police", "team": "Safeguarding", "officer": "DC Smith", "contact": "cp@police.example"},
        "request_reference": "DPA-1", "urgent": false,
        "lawful_basis": "uk_gdpr_6_1_c_legal_obligation",
        "triggered_by": [], "data_categories": ["identity"], "items_disclosed": ["email address"],
        "necessity_and_proportionality": "asked for by the police", "authorised_by": "DPO",
        "member_informed": true
    });
    std::fs::write(&p, serde_json::to_vec(&e).unwrap()).unwrap();
    p
}

/// A chain of deltas on `base`, each on the one before (sequences 2, 3, …).
fn deltas(d: &Desk, base: &std::path::Path, n: usize) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut prev = base.to_path_buf();
    for i in 0..n {
        let name = format!("delta-{i}");
        let p = d.gen(
            &name,
            &[
                "--site",
                "netmums",
                "--members",
                "0",
                "--delta-of",
                prev.to_str().unwrap(),
                "--changes",
                "60",
                "--seed",
                &format!("{}", 100 + i),
            ],
        );
        out.push(p.clone());
        prev = p;
    }
    out
}

#[test]
fn many_processes_at_once_each_succeed_or_say_busy_and_nothing_is_lost() {
    let d = Arc::new(Desk::new());
    d.add_user("sam", "staff");
    d.add_user("ada", "auditor");
    d.add_user("pat", "staff");
    let base = d.gen(
        "base",
        &["--site", "netmums", "--members", "300", "--seed", "3"],
    );
    d.ok("dpo", &["sync", base.to_str().unwrap()]);
    let chain = Arc::new(deltas(&d, &base, 6));
    let entry = disclosure(&d, "entry.json", "m-2");
    std::fs::create_dir_all(d.path("bundles")).unwrap();

    let stop = Instant::now() + Duration::from_secs(12);
    let results: Arc<Mutex<Vec<Done>>> = Arc::default();
    // pat's password as the last successful change left it.
    let pat_pw: Arc<Mutex<String>> = Arc::new(Mutex::new("pat-password".into()));
    let mut workers = Vec::new();
    let spawn = |f: Box<dyn Fn(usize) -> Option<Done> + Send>| {
        let results = results.clone();
        std::thread::spawn(move || {
            let mut i = 0;
            while Instant::now() < stop {
                if let Some(done) = f(i) {
                    results.lock().unwrap().push(done);
                }
                i += 1;
            }
        })
    };
    // Two syncs racing through the delta chain.
    for w in 0..2 {
        let (d, chain) = (d.clone(), chain.clone());
        workers.push(spawn(Box::new(move |i| {
            let p = &chain[(i + w) % chain.len()];
            Some(run(
                &d,
                "sync",
                "dpo",
                "dpo-password",
                &["--json", "sync", p.to_str().unwrap()],
                &[],
            ))
        })));
    }
    // Three recording disclosures.
    for _ in 0..3 {
        let (d, entry) = (d.clone(), entry.clone());
        workers.push(spawn(Box::new(move |_| {
            Some(run(
                &d,
                "disclosure",
                "sam",
                "sam-password",
                &[
                    "--json",
                    "disclosure",
                    "add",
                    "--from",
                    entry.to_str().unwrap(),
                ],
                &[],
            ))
        })));
    }
    // Two opening and progressing requests.
    for w in 0..2 {
        let d = d.clone();
        workers.push(spawn(Box::new(move |i| {
            let r = format!("SAR-W{w}-{i:04}");
            let mut done = run(
                &d,
                "request",
                "dpo",
                "dpo-password",
                &[
                    "request",
                    "open",
                    "netmums",
                    "m-3",
                    "--received",
                    "2026-11-20",
                    "--ref",
                    &r,
                ],
                &[],
            );
            if done.code == 0 {
                done.stdout = r.clone();
                let p = run(
                    &d,
                    "request_pause",
                    "dpo",
                    "dpo-password",
                    &["request", "pause", &r, "--reason", "clarifying"],
                    &[],
                );
                if p.code != 0 && !p.busy() {
                    return Some(p);
                }
            }
            Some(done)
        })));
    }
    // Two making bundles.
    for w in 0..2 {
        let d = d.clone();
        workers.push(spawn(Box::new(move |i| {
            let out = d.path("bundles").join(format!("b-{w}-{i}.zip"));
            Some(run(
                &d,
                "bundle",
                "sam",
                "sam-password",
                &[
                    "--json",
                    "bundle",
                    "netmums",
                    "m-2",
                    "--out",
                    out.to_str().unwrap(),
                    "--allow-default-facts",
                ],
                &[],
            ))
        })));
    }
    // One adding and removing a user with a rekey.
    {
        let d = d.clone();
        workers.push(spawn(Box::new(move |i| {
            let name = format!("temp{i}");
            let pw = format!("{name}-password");
            let add = run(
                &d,
                "user_add",
                "dpo",
                "dpo-password",
                &["user", "add", &name, "--role", "staff"],
                &[("DESK_NEW_PASSWORD", &pw)],
            );
            if add.code != 0 {
                return Some(add);
            }
            Some(run(
                &d,
                "user_remove",
                "dpo",
                "dpo-password",
                &["user", "remove", &name, "--rekey"],
                &[],
            ))
        })));
    }
    // One changing pat's password back and forth.
    {
        let (d, pat_pw) = (d.clone(), pat_pw.clone());
        workers.push(spawn(Box::new(move |i| {
            let current = pat_pw.lock().unwrap().clone();
            let next = format!("pat-password-{i}");
            let done = run(
                &d,
                "passwd",
                "pat",
                &current,
                &["user", "passwd"],
                &[("DESK_NEW_PASSWORD", &next)],
            );
            if done.code == 0 {
                *pat_pw.lock().unwrap() = next;
            }
            Some(done)
        })));
    }
    // Readers.
    for (user, args) in [
        ("ada", vec!["--json", "status"]),
        ("sam", vec!["--json", "search", "m-2@", "--limit", "5"]),
        ("dpo", vec!["--json", "member", "netmums", "m-2"]),
        ("ada", vec!["--json", "audit", "verify"]),
        ("ada", vec!["--json", "disclosure", "verify"]),
    ] {
        let d = d.clone();
        let pw = format!("{user}-password");
        workers.push(spawn(Box::new(move |_| {
            Some(run(&d, "read", user, &pw, &args, &[]))
        })));
    }
    for w in workers {
        w.join().unwrap();
    }
    let results = results.lock().unwrap().clone();

    // Every process succeeded or said plainly that the vault was busy.
    let mut counts: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for r in &results {
        let c = counts.entry(r.kind).or_default();
        if r.code == 0 {
            c.0 += 1;
        } else if r.busy() {
            c.1 += 1;
        } else if r.kind == "sync"
            && r.code == 1
            && (r.stderr.contains("not newer than the latest applied")
                || r.stderr.contains("first; nothing was changed"))
        {
            // A delta another sync had already passed, or one whose base the
            // other sync has not applied yet: refused, plainly, nothing changed.
            c.1 += 1;
        } else {
            panic!(
                "{} failed (exit {}):\n{}{}",
                r.kind, r.code, r.stdout, r.stderr
            );
        }
    }
    eprintln!("processes (done, busy or superseded): {counts:?}");
    for k in [
        "sync",
        "disclosure",
        "request",
        "bundle",
        "user_remove",
        "passwd",
        "read",
    ] {
        assert!(
            counts.get(k).is_some_and(|c| c.0 > 0),
            "no {k} succeeded: {counts:?}"
        );
    }

    // Nothing reported done is missing; ids are unique and in order.
    let ids: Vec<String> = results
        .iter()
        .filter(|r| r.kind == "disclosure" && r.code == 0)
        .map(|r| {
            serde_json::from_str::<Value>(&r.stdout).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a disclosure id was given twice");
    let list = d.ok("dpo", &["--json", "disclosure", "list"]).json();
    let stored: BTreeSet<String> = list["disclosures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(stored.len(), ids.len());
    for id in &ids {
        assert!(
            stored.contains(id),
            "{id} was reported recorded but is missing"
        );
    }
    let refs: Vec<String> = results
        .iter()
        .filter(|r| r.kind == "request" && r.code == 0)
        .map(|r| r.stdout.clone())
        .collect();
    let register = d.ok("dpo", &["--json", "request", "list"]).json();
    let opened: BTreeSet<String> = register["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["ref"].as_str().unwrap().to_string())
        .collect();
    for r in &refs {
        assert!(
            opened.contains(r),
            "request {r} was reported opened but is missing"
        );
    }
    for r in results.iter().filter(|r| r.kind == "bundle" && r.code == 0) {
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        let bytes = std::fs::read(v["path"].as_str().unwrap()).unwrap();
        use sha2::Digest;
        assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), v["sha256"]);
    }
    // No partial bundle is left behind.
    let leftovers: Vec<_> = files_under(&d.path("bundles"))
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The syncs applied each delta once, in order.
    let status = d.ok("dpo", &["--json", "status"]).json();
    let applied = results
        .iter()
        .filter(|r| r.kind == "sync" && r.code == 0)
        .filter(|r| {
            serde_json::from_str::<Value>(&r.stdout)
                .is_ok_and(|v| v["results"][0]["applied"] == true)
        })
        .count();
    assert_eq!(
        status["sites"][0]["sequence"].as_i64().unwrap() as usize,
        1 + applied
    );

    // Both chains verify; every user signs in with their current password.
    assert_eq!(
        d.ok("ada", &["--json", "audit", "verify"]).json()["ok"],
        true
    );
    assert_eq!(
        d.ok("ada", &["--json", "disclosure", "verify"]).json()["ok"],
        true
    );
    for u in ["dpo", "sam", "ada"] {
        d.ok(u, &["status"]);
    }
    let pw = pat_pw.lock().unwrap().clone();
    let r = run(&d, "check", "pat", &pw, &["status"], &[]);
    assert_eq!(r.code, 0, "pat cannot sign in: {}", r.stderr);
    // The trail holds every disclosure recorded.
    let events = d
        .ok(
            "dpo",
            &["--json", "audit", "list", "--action", "disclosure_recorded"],
        )
        .json();
    assert_eq!(events["events"].as_array().unwrap().len(), ids.len());
}

#[test]
fn two_deltas_on_one_base_at_once_exactly_one_applies() {
    for round in 0..3 {
        let d = Desk::new();
        let base = d.gen(
            "base",
            &["--site", "netmums", "--members", "2000", "--seed", "4"],
        );
        d.ok("dpo", &["sync", base.to_str().unwrap()]);
        let a = d.gen(
            "a",
            &[
                "--site",
                "netmums",
                "--members",
                "0",
                "--delta-of",
                base.to_str().unwrap(),
                "--changes",
                "3000",
                "--seed",
                "5",
            ],
        );
        let b = d.gen(
            "b",
            &[
                "--site",
                "netmums",
                "--members",
                "0",
                "--delta-of",
                base.to_str().unwrap(),
                "--changes",
                "3000",
                "--seed",
                "6",
            ],
        );
        // b is a later export than a, on the same base.
        let mp = b.join("manifest.json");
        let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&mp).unwrap()).unwrap();
        m["sequence"] = (m["sequence"].as_i64().unwrap() + 1).into();
        std::fs::write(&mp, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
        let spawn = |p: &std::path::Path| {
            d.command(
                &["--json", "sync", p.to_str().unwrap()],
                &[
                    ("DESK_USER", "dpo"),
                    ("DESK_PASSWORD", "dpo-password"),
                    ("DESK_BUSY_TIMEOUT_SECS", "60"),
                ],
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        };
        let (ca, cb) = (spawn(&a), spawn(&b));
        let (ra, rb): (Run, Run) = (
            ca.wait_with_output().unwrap().into(),
            cb.wait_with_output().unwrap().into(),
        );
        let ok = [&ra, &rb].iter().filter(|r| r.code == 0).count();
        assert_eq!(
            ok, 1,
            "round {round}: a: {} {}; b: {} {}",
            ra.code, ra.stderr, rb.code, rb.stderr
        );
        let refused = if ra.code == 0 { &rb } else { &ra };
        assert_eq!(refused.code, 1);
        assert!(
            refused.stderr.contains("delta applies on export")
                || refused.stderr.contains("not newer"),
            "{}",
            refused.stderr
        );
        let st = d.ok("dpo", &["--json", "status"]).json();
        let seq = st["sites"][0]["sequence"].as_i64().unwrap();
        assert!(seq == 2 || seq == 3);
    }
}
