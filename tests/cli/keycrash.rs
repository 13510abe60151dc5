//! Key operations cannot lose the vault: a process killed in any phase of a
//! rekey or a password change, or at a random moment of a long rekey, and a
//! disk too full to finish one — afterwards the vault opens for every user
//! and the audit trail says what really happened.

use crate::harness::*;
use serde_json::Value;
use std::time::{Duration, Instant};

const PHASES: &[&str] = &[
    "recorded",
    "data_rekeyed",
    "logs_rekeyed",
    "logs_applied",
    "slots_written",
];

fn team() -> Desk {
    let d = Desk::new();
    d.add_user("sam", "staff");
    d.add_user("ada", "auditor");
    d.add_user("gone", "staff");
    let base = d.gen(
        "base",
        &["--site", "netmums", "--members", "200", "--seed", "8"],
    );
    d.ok("dpo", &["sync", base.to_str().unwrap()]);
    d
}

fn all_sign_in(d: &Desk, users: &[(&str, &str)]) {
    for (u, pw) in users {
        let r = d.run_with(&["status"], &[("DESK_USER", u), ("DESK_PASSWORD", pw)]);
        assert_eq!(r.code, 0, "{u} cannot sign in: {}", r.stderr);
    }
}

fn verified(d: &Desk) {
    assert_eq!(
        d.ok("ada", &["--json", "audit", "verify"]).json()["ok"],
        true
    );
    assert_eq!(
        d.ok("ada", &["--json", "disclosure", "verify"]).json()["ok"],
        true
    );
}

#[test]
fn a_rekey_killed_in_any_phase_is_finished_and_every_user_signs_in() {
    for phase in PHASES {
        let d = team();
        let r = d.run_with(
            &["user", "remove", "gone", "--rekey"],
            &[
                ("DESK_USER", "dpo"),
                ("DESK_PASSWORD", "dpo-password"),
                ("DESK_TEST_CRASH_AT", &format!("keyop:{phase}")),
            ],
        );
        assert_ne!(r.code, 0, "{phase}: the crash hook did not fire");
        // Whoever comes next finishes it (here the auditor, for the logs).
        all_sign_in(
            &d,
            &[
                ("dpo", "dpo-password"),
                ("sam", "sam-password"),
                ("ada", "ada-password"),
            ],
        );
        assert!(
            !d.vault.join("keyop.json").exists(),
            "{phase}: the record stayed"
        );
        let gone = d.run_with(
            &["status"],
            &[("DESK_USER", "gone"), ("DESK_PASSWORD", "gone-password")],
        );
        assert_eq!(gone.code, 3, "{phase}: the removed user still signs in");
        verified(&d);
        let users = d.ok("dpo", &["--json", "user", "list"]).json();
        assert!(!users.to_string().contains("\"gone\""), "{phase}: {users}");
        let events = d
            .ok(
                "dpo",
                &["--json", "audit", "list", "--action", "user_removed"],
            )
            .json();
        assert_eq!(events["events"].as_array().unwrap().len(), 1, "{phase}");
    }
}

#[test]
fn a_password_change_killed_in_any_phase_leaves_one_working_password() {
    for phase in ["recorded", "logs_applied", "slots_written"] {
        let d = team();
        let r = d.run_with(
            &["user", "passwd"],
            &[
                ("DESK_USER", "sam"),
                ("DESK_PASSWORD", "sam-password"),
                ("DESK_NEW_PASSWORD", "sam-new-password"),
                ("DESK_TEST_CRASH_AT", &format!("keyop:{phase}")),
            ],
        );
        assert_ne!(r.code, 0, "{phase}");
        // The change was recorded before the crash: it is finished forward.
        all_sign_in(
            &d,
            &[
                ("dpo", "dpo-password"),
                ("ada", "ada-password"),
                ("sam", "sam-new-password"),
            ],
        );
        let old = d.run_with(
            &["status"],
            &[("DESK_USER", "sam"), ("DESK_PASSWORD", "sam-password")],
        );
        assert_eq!(old.code, 3, "{phase}");
        verified(&d);
    }
}

#[test]
fn a_long_rekey_killed_at_random_moments_never_loses_the_vault() {
    let d = Desk::new();
    d.add_user("sam", "staff");
    d.add_user("ada", "auditor");
    let base = d.gen(
        "base",
        &["--site", "netmums", "--members", "6000", "--seed", "8"],
    );
    d.ok("dpo", &["sync", base.to_str().unwrap()]);
    let mut users = vec![
        ("dpo", "dpo-password".to_string()),
        ("sam", "sam-password".into()),
        ("ada", "ada-password".into()),
    ];
    // How long one rekey takes.
    d.add_user("t0", "staff");
    let started = Instant::now();
    d.ok("dpo", &["user", "remove", "t0", "--rekey"]);
    let full = started.elapsed();
    let mut rng = 0x9E3779B97F4A7C15u64;
    let mut finished_later = 0;
    for i in 1..=8 {
        let name = format!("t{i}");
        d.add_user(&name, "staff");
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let frac = (rng % 1000) as f64 / 1000.0;
        let mut child = d
            .command(
                &["user", "remove", &name, "--rekey"],
                &[("DESK_USER", "dpo"), ("DESK_PASSWORD", "dpo-password")],
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(frac));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if !status.success() && d.vault.join("keyop.json").exists() {
            finished_later += 1;
        }
        let refs: Vec<(&str, &str)> = users.iter().map(|(u, p)| (*u, p.as_str())).collect();
        all_sign_in(&d, &refs);
        // Either the removal finished (now or at that sign-in) or it never began.
        let list = d.ok("dpo", &["--json", "user", "list"]).json().to_string();
        if list.contains(&format!("\"{name}\"")) {
            users.push((Box::leak(name.into_boxed_str()), format!("t{i}-password")));
        }
        verified(&d);
    }
    eprintln!("a rekey took {full:?}; {finished_later} of 8 kills left a record the next sign-in finished");
}

/// Mount a small tmpfs for a vault (the tests run as root in CI).
struct SmallDisk {
    dir: std::path::PathBuf,
}

impl SmallDisk {
    fn new(root: &std::path::Path, mib: u64) -> SmallDisk {
        let dir = root.join("small-disk");
        std::fs::create_dir_all(&dir).unwrap();
        let st = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(&dir)
            .status();
        assert!(
            st.is_ok_and(|s| s.success()),
            "mounting a {mib} MiB tmpfs needs root (as CI runs); it failed"
        );
        SmallDisk { dir }
    }

    /// Fill it until `leave` bytes are free.
    fn fill(&self, leave: u64) {
        let free = {
            let out = std::process::Command::new("df")
                .args(["-B1", "--output=avail"])
                .arg(&self.dir)
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .nth(1)
                .unwrap()
                .trim()
                .parse::<u64>()
                .unwrap()
        };
        let n = free.saturating_sub(leave);
        let f = std::fs::File::create(self.dir.join("filler")).unwrap();
        use std::io::Write;
        let mut w = std::io::BufWriter::new(f);
        let chunk = vec![0u8; 1 << 16];
        let mut written = 0;
        while written + chunk.len() as u64 <= n {
            if w.write_all(&chunk).is_err() {
                break;
            }
            written += chunk.len() as u64;
        }
        let _ = w.flush();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.dir).status();
    }
}

#[test]
fn a_rekey_on_a_full_disk_changes_nothing_and_says_so() {
    let root = tempfile::tempdir().unwrap();
    let disk = SmallDisk::new(root.path(), 64);
    let d = Desk::new();
    d.add_user("sam", "staff");
    d.add_user("ada", "auditor");
    d.add_user("gone", "staff");
    let base = d.gen(
        "base",
        &["--site", "netmums", "--members", "1500", "--seed", "8"],
    );
    d.ok("dpo", &["sync", base.to_str().unwrap()]);
    // Move the vault onto the small disk.
    let vault = disk.dir.join("vault");
    let cp = std::process::Command::new("cp")
        .args(["-a"])
        .arg(&d.vault)
        .arg(&vault)
        .status()
        .unwrap();
    assert!(cp.success());
    let on_disk = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = d.command(args, env);
        c.env("DESK_VAULT", &vault);
        Run::from(c.output().unwrap())
    };
    let size = std::fs::metadata(vault.join("vault.db")).unwrap().len();
    disk.fill(size / 3);
    let df = std::process::Command::new("df")
        .arg("-h")
        .arg(&disk.dir)
        .output()
        .unwrap();
    eprintln!(
        "vault.db {size} bytes; {}",
        String::from_utf8_lossy(&df.stdout)
    );
    // Refused before it starts: not enough room for a second copy of each page.
    let r = on_disk(
        &["user", "remove", "gone", "--rekey"],
        &[("DESK_USER", "dpo"), ("DESK_PASSWORD", "dpo-password")],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("not enough free disk space"),
        "{}",
        r.stderr
    );
    // Past the check (as if the disk filled meanwhile): the rekey fails
    // part-way, and is undone.
    let r = on_disk(
        &["user", "remove", "gone", "--rekey"],
        &[
            ("DESK_USER", "dpo"),
            ("DESK_PASSWORD", "dpo-password"),
            ("DESK_TEST_SKIP_SPACE_CHECK", "1"),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!vault.join("keyop.json").exists());
    let _ = std::fs::remove_file(disk.dir.join("filler"));
    // Nothing changed: every user, the removed one too, signs in.
    for u in ["dpo", "sam", "ada", "gone"] {
        let pw = format!("{u}-password");
        let r = on_disk(&["status"], &[("DESK_USER", u), ("DESK_PASSWORD", &pw)]);
        assert_eq!(r.code, 0, "{u}: {}", r.stderr);
    }
    // The trail says what happened: two failures, no removal.
    let ev: Value = serde_json::from_str(
        &on_disk(
            &["--json", "audit", "list", "--action", "user_removed"],
            &[("DESK_USER", "dpo"), ("DESK_PASSWORD", "dpo-password")],
        )
        .stdout,
    )
    .unwrap();
    let ev = ev["events"].as_array().unwrap();
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert!(ev.iter().all(|e| e["outcome"] == "failed"), "{ev:?}");
    let r = on_disk(
        &["--json", "audit", "verify"],
        &[("DESK_USER", "ada"), ("DESK_PASSWORD", "ada-password")],
    );
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout).unwrap()["ok"],
        true
    );
    drop(disk);
    let _ = Duration::ZERO;
}
