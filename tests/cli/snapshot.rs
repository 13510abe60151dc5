//! A read is one snapshot: a bundle made while a delta is synced reads one
//! state of the vault (its data and its manifest agree), and a bundle whose
//! process dies leaves nothing readable for long: the next sign-in deletes
//! its partial file and records that it did.

use crate::harness::*;
use serde_json::Value;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

fn entry(zip: &Path, name: &str) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut f = z.by_name(name).unwrap();
    let mut b = Vec::new();
    f.read_to_end(&mut b).unwrap();
    b
}

fn sequence(zip: &Path) -> i64 {
    let m: Value = serde_json::from_slice(&entry(zip, "manifest.json")).unwrap();
    m["vault_state"]["sequence"].as_i64().unwrap()
}

#[test]
fn a_bundle_made_during_a_sync_reads_one_state() {
    let d = Desk::new();
    let base = d.gen(
        "base",
        &["--site", "netmums", "--members", "3000", "--seed", "21"],
    );
    d.ok("dpo", &["sync", base.to_str().unwrap()]);
    let delta = d.gen(
        "delta",
        &[
            "--site",
            "netmums",
            "--members",
            "0",
            "--seed",
            "22",
            "--delta-of",
            base.to_str().unwrap(),
            "--changes",
            "20000",
        ],
    );
    // A member whose posts the delta changes.
    let posts = std::fs::read_to_string(delta.join("posts.jsonl")).unwrap();
    let first: Value = serde_json::from_str(posts.lines().next().unwrap()).unwrap();
    let me = first["member_id"].as_str().unwrap().to_string();
    let bundle = |name: &str| -> std::path::PathBuf {
        let out = d.path(name);
        d.ok(
            "dpo",
            &[
                "bundle",
                "netmums",
                &me,
                "--out",
                out.to_str().unwrap(),
                "--allow-default-facts",
            ],
        );
        out
    };
    let before = bundle("before.zip");
    let state1 = entry(&before, "data/posts.json");
    assert_eq!(sequence(&before), 1);

    let mut sync = d
        .command(
            &["sync", delta.to_str().unwrap()],
            &[("DESK_USER", "dpo"), ("DESK_PASSWORD", "dpo-password")],
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut during = Vec::new();
    let started = Instant::now();
    while sync.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(300) {
        during.push(bundle(&format!("during-{}.zip", during.len())));
    }
    assert!(sync.wait().unwrap().success());
    let after = bundle("after.zip");
    let state2 = entry(&after, "data/posts.json");
    assert_eq!(sequence(&after), 2);
    assert_ne!(
        state1, state2,
        "the delta did not change the member's posts"
    );
    assert!(!during.is_empty(), "no bundle was made while the sync ran");
    for z in &during {
        let posts = entry(z, "data/posts.json");
        let want = match sequence(z) {
            1 => &state1,
            2 => &state2,
            s => panic!("sequence {s}"),
        };
        assert!(
            &posts == want,
            "{}: its posts are not those of the state its manifest names",
            z.display()
        );
        // Within the zip, every file is as the manifest lists it.
        let m: Value = serde_json::from_slice(&entry(z, "manifest.json")).unwrap();
        for f in m["files"].as_array().unwrap() {
            use sha2::Digest;
            let bytes = entry(z, f["path"].as_str().unwrap());
            assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), f["sha256"]);
        }
    }
    eprintln!("{} bundles made during the sync", during.len());
}

#[test]
fn a_killed_bundle_is_found_cleaned_up_and_recorded_at_the_next_sign_in() {
    let d = Desk::new();
    let export = d.gen(
        "heavy",
        &[
            "--site",
            "netmums",
            "--members",
            "50",
            "--seed",
            "7",
            "--heavy-posts",
            "60000",
            "--heavy-messages",
            "5000",
        ],
    );
    d.ok("dpo", &["sync", export.to_str().unwrap()]);
    let heavy = "m-1";
    let outdir = d.path("out");
    std::fs::create_dir_all(&outdir).unwrap();
    // How long the heavy member's bundle takes.
    let t0 = Instant::now();
    d.ok(
        "dpo",
        &[
            "bundle",
            "netmums",
            heavy,
            "--out",
            outdir.join("whole.zip").to_str().unwrap(),
            "--allow-default-facts",
        ],
    );
    let whole = t0.elapsed();
    let mut child = d
        .command(
            &[
                "bundle",
                "netmums",
                heavy,
                "--out",
                outdir.join("killed.zip").to_str().unwrap(),
                "--allow-default-facts",
            ],
            &[("DESK_USER", "dpo"), ("DESK_PASSWORD", "dpo-password")],
        )
        .spawn()
        .unwrap();
    std::thread::sleep(whole.mul_f64(0.6));
    let _ = child.kill();
    let _ = child.wait();
    let parts: Vec<_> = std::fs::read_dir(&outdir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert_eq!(
        parts.len(),
        1,
        "the kill did not land mid-bundle ({whole:?})"
    );
    // Anyone's next sign-in (here an unrelated status) cleans up.
    d.ok("dpo", &["status"]);
    let left: Vec<_> = std::fs::read_dir(&outdir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(left, ["whole.zip"]);
    let ev = d
        .ok(
            "dpo",
            &["--json", "audit", "list", "--action", "bundle_abandoned"],
        )
        .json();
    let ev = ev["events"].as_array().unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["detail"]["partial_file_removed"], true);
    assert_eq!(ev[0]["member_id"], heavy);
    // The start was recorded before any byte was written, with where.
    let started = d
        .ok(
            "dpo",
            &["--json", "audit", "list", "--action", "bundle_started"],
        )
        .json();
    let started = started["events"].as_array().unwrap();
    assert_eq!(started.len(), 2);
    assert!(started[1]["detail"]["partial_file"]
        .as_str()
        .unwrap()
        .ends_with(".part"));
}
