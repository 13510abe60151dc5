//! Hostile input gets a clear, bounded answer; the vault's files are the
//! owner's alone; the root fingerprint is shown and checked; an older vault's
//! users enrol their signing keys and a dpo confirms them (issue #17).

use crate::harness::*;
use std::time::{Duration, Instant};

#[test]
fn hostile_inputs_get_clear_bounded_answers() {
    let d = Desk::new();
    // A device that never ends: refused at once.
    let started = Instant::now();
    let r = d.dpo(&["disclosure", "add", "--from", "/dev/zero"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("larger than"), "{}", r.stderr);
    assert!(started.elapsed() < Duration::from_secs(10));
    let r = d.dpo(&["privacy", "set", "netmums", "--from", "/dev/zero"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("larger than"), "{}", r.stderr);
    // Deeply nested JSON.
    let deep = d.path("deep.json");
    std::fs::write(&deep, format!("{}1{}", "[".repeat(200), "]".repeat(200))).unwrap();
    let r = d.dpo(&["disclosure", "add", "--from", deep.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("nested more than"), "{}", r.stderr);
    // A head that is not a hash is wrong usage, never "tampering".
    for cmd in [
        &["audit", "verify", "--head", "abc"][..],
        &["disclosure", "verify", "--head", "zz"][..],
    ] {
        let r = d.dpo(cmd);
        assert_eq!(r.code, 2, "{cmd:?}: {}", r.stderr);
        assert!(r.stderr.contains("64 hexadecimal digits"), "{}", r.stderr);
    }
    // A date no request could have.
    let export = d.gen("e", &["--site", "netmums", "--members", "5", "--seed", "1"]);
    d.ok("dpo", &["sync", export.to_str().unwrap()]);
    let r = d.dpo(&[
        "request",
        "open",
        "netmums",
        "m-1",
        "--received",
        "0000-01-01",
    ]);
    assert_ne!(r.code, 0);
    assert!(r.code == 1 || r.code == 2, "{}", r.stderr);
    assert!(!r.stderr.to_lowercase().contains("tamper"));
    // Nothing was recorded by any of it.
    let l = d.ok("dpo", &["--json", "disclosure", "list"]).json();
    assert!(l["disclosures"].as_array().unwrap().is_empty());
    assert!(
        d.ok("dpo", &["--json", "request", "list"]).json()["requests"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_folder_that_is_not_a_vault_is_named_and_left_untouched() {
    let d = Desk::new();
    let missing = d.path("no-such-folder");
    let empty = d.path("empty");
    std::fs::create_dir(&empty).unwrap();
    for dir in [&missing, &empty] {
        let r = d.dpo(&["--vault", dir.to_str().unwrap(), "status"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("no vault here"), "{}", r.stderr);
        assert!(r.stderr.contains("desk init"), "{}", r.stderr);
    }
    assert!(!missing.exists(), "a missing folder was created");
    assert_eq!(
        std::fs::read_dir(&empty).unwrap().count(),
        0,
        "files were left in a folder that is not a vault"
    );
}

#[cfg(unix)]
#[test]
fn the_vaults_files_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let d = Desk::new();
    d.add_user("sam", "staff");
    let export = d.gen("e", &["--site", "netmums", "--members", "5", "--seed", "1"]);
    d.ok("dpo", &["sync", export.to_str().unwrap()]);
    let _ = d.run_with(
        &["status"],
        &[("DESK_USER", "dpo"), ("DESK_PASSWORD", "wrong-one")],
    );
    for p in files_under(&d.vault) {
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "{} is mode {:o}",
            p.display(),
            mode & 0o777
        );
    }
    let mode = std::fs::metadata(&d.vault).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0);
}

#[test]
fn the_root_fingerprint_is_shown_at_init_and_checked_by_verify() {
    let root = tempfile::tempdir().unwrap();
    let vault = root.path().join("v");
    let r = std::process::Command::new(DESK)
        .args(["--json", "init", "--admin", "dina"])
        .env("DESK_VAULT", &vault)
        .env("DESK_KDF_TEST_COST", "1")
        .env("DESK_NEW_PASSWORD", "dina-password")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let fp = v["root_fingerprint"].as_str().unwrap().to_string();
    let run = |args: &[&str]| -> Run {
        std::process::Command::new(DESK)
            .args(args)
            .env("DESK_VAULT", &vault)
            .env("DESK_KDF_TEST_COST", "1")
            .env("DESK_USER", "dina")
            .env("DESK_PASSWORD", "dina-password")
            .output()
            .unwrap()
            .into()
    };
    let shown = run(&["vault", "fingerprint"]);
    assert_eq!(shown.stdout.trim(), fp);
    let ok = run(&["audit", "verify", "--root", &fp]);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert!(ok.stdout.contains("every signature holds"), "{}", ok.stdout);
    let bad = run(&["audit", "verify", "--root", &"1".repeat(64)]);
    assert_eq!(bad.code, 1);
    assert!(bad.stdout.contains("FAILS"), "{}", bad.stdout);
    let check = run(&["vault", "check"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert!(
        check.stdout.contains("every page checks out"),
        "{}",
        check.stdout
    );
}

#[test]
fn an_older_vaults_users_enrol_and_a_dpo_confirms_them() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/fixtures/vault-v6"
    );
    let d = Desk::new();
    std::fs::remove_dir_all(&d.vault).unwrap();
    std::fs::create_dir_all(&d.vault).unwrap();
    for f in ["vault.db", "keyslots.json"] {
        std::fs::copy(std::path::Path::new(fixture).join(f), d.vault.join(f)).unwrap();
    }
    let as_ = |u: &str, args: &[&str]| {
        d.run_with(
            args,
            &[("DESK_USER", u), ("DESK_PASSWORD", "demo-password")],
        )
    };
    // The dpo upgrades it and becomes the root.
    let r = as_("demo-dpo", &["status"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // staff signs in: makes their signing key, which waits for a dpo.
    assert_eq!(as_("demo-staff", &["status"]).code, 0);
    let users = as_("demo-dpo", &["--json", "user", "list"]).json();
    let staff = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "demo-staff")
        .unwrap()
        .clone();
    assert_eq!(staff["confirmed"], false);
    let fp = staff["fingerprint"].as_str().unwrap().to_string();
    let v = as_("demo-dpo", &["--json", "audit", "verify"]).json();
    assert_eq!(v["ok"], true, "{v}");
    let notes = v["warnings"].to_string();
    assert!(notes.contains("written before signed records"), "{notes}");
    assert!(notes.contains("demo-staff"), "{notes}");
    // A wrong fingerprint is refused; the right one confirms.
    assert_eq!(
        as_(
            "demo-dpo",
            &["user", "confirm", "demo-staff", &"a".repeat(64)]
        )
        .code,
        1
    );
    let r = as_("demo-dpo", &["user", "confirm", "demo-staff", &fp]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = as_("demo-auditor", &["--json", "audit", "verify"]).json();
    assert_eq!(v["ok"], true, "{v}");
    assert!(!v["warnings"].to_string().contains("demo-staff"));
}
