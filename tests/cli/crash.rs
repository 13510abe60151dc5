//! Crash safety: `desk sync` killed with SIGKILL at many moments leaves the
//! vault exactly before or after, and a re-run completes.

use crate::harness::*;
use serde_json::Value;
use std::time::Instant;

/// What `status` says, without the sync time.
fn state(d: &Desk) -> Value {
    let mut s = d.ok("dpo", &["status", "--json"]).json();
    for site in s["sites"].as_array_mut().unwrap() {
        site.as_object_mut().unwrap().remove("synced_at");
    }
    s
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        // Files only: `activity/` holds notes of running processes.
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn sync_killed_at_random_moments_leaves_before_or_after() {
    let d = Desk::new();
    let base = d.gen(
        "base",
        &["--site", "netmums", "--members", "2000", "--seed", "9"],
    );
    d.ok("dpo", &["sync", base.to_str().unwrap()]);
    // The export under test: a full re-send of a few tens of thousands of members
    // (it rewrites and sweeps), as sequence 2.
    let big = d.gen(
        "big",
        &[
            "--site",
            "netmums",
            "--members",
            "20000",
            "--seed",
            "9",
            "--generated-at",
            "2026-11-22T02:00:00Z",
        ],
    );
    let mut m: Value =
        serde_json::from_str(&std::fs::read_to_string(big.join("manifest.json")).unwrap()).unwrap();
    m["sequence"] = 2.into();
    std::fs::write(
        big.join("manifest.json"),
        serde_json::to_string_pretty(&m).unwrap(),
    )
    .unwrap();

    let before = state(&d);
    let pristine = d.path("pristine");
    copy_dir(&d.vault, &pristine);

    // How long a whole sync takes, and what it leaves.
    let started = Instant::now();
    d.ok("dpo", &["sync", big.to_str().unwrap()]);
    let full_time = started.elapsed();
    let after = state(&d);
    assert_ne!(before, after);

    let mut rng = 0x2545F4914F6CDD1Du64;
    let mut outcomes = (0, 0);
    for i in 0..10 {
        copy_dir(&pristine, &d.vault);
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        // Spread kills over the whole run, a few near its very start and end.
        let frac = match i {
            0 => 0.02,
            1 => 0.98,
            _ => (rng % 1000) as f64 / 1000.0,
        };
        let mut child = d
            .command(
                &["sync", big.to_str().unwrap()],
                &[("DESK_USER", "dpo"), ("DESK_PASSWORD", "dpo-password")],
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full_time.mul_f64(frac));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = state(&d);
        if now == before {
            outcomes.0 += 1;
        } else if now == after {
            outcomes.1 += 1;
        } else {
            panic!(
                "kill {i} at {:.0}% left a state that is neither before nor after:\n{now:#}",
                frac * 100.0
            );
        }
        // A re-run completes (or says it was already applied).
        d.ok("dpo", &["sync", big.to_str().unwrap()]);
        assert_eq!(state(&d), after);
        assert_eq!(
            d.ok("dpo", &["--json", "audit", "verify"]).json()["ok"],
            true
        );
    }
    assert!(outcomes.0 > 0, "no kill landed mid-sync: {outcomes:?}");
    eprintln!(
        "kills: {} left the before state, {} the after state; a full sync took {full_time:?}",
        outcomes.0, outcomes.1
    );
}
