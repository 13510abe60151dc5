//! Every export (`audit export`, `disclosure export`, `disclosure report`,
//! `request export`) is written the same way: owner-only, atomically, and
//! never over an existing file without `--force`.

use crate::harness::*;

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn exports_refuse_an_existing_file_without_force_and_leave_it_unchanged() {
    let d = Desk::new();
    let dir = d.path("out");
    std::fs::create_dir_all(&dir).unwrap();
    for (i, cmd) in [
        &["audit", "export"][..],
        &["disclosure", "export"],
        &["disclosure", "report"],
        &["request", "export"],
    ]
    .iter()
    .enumerate()
    {
        let out = dir.join(format!("export-{i}"));
        let out_s = out.to_str().unwrap();
        std::fs::write(&out, b"precious").unwrap();
        let mut args = cmd.to_vec();
        args.extend(["--out", out_s]);
        let r = d.dpo(&args);
        assert_eq!(r.code, 1, "{cmd:?}: {}", r.stderr);
        assert!(r.stderr.contains("already exists"), "{}", r.stderr);
        assert!(r.stderr.contains("--force"), "{}", r.stderr);
        assert_eq!(std::fs::read(&out).unwrap(), b"precious");
        // --json: core's error body.
        let mut json_args = vec!["--json"];
        json_args.extend(&args);
        let v = d.dpo(&json_args).json();
        assert_eq!(v["error"]["code"], "conflict");
        assert_eq!(v["error"]["problems"], serde_json::json!([]));
        assert_eq!(std::fs::read(&out).unwrap(), b"precious");
        // --force replaces it, owner-only.
        args.push("--force");
        d.ok("dpo", &args);
        assert_ne!(std::fs::read(&out).unwrap(), b"precious");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{cmd:?}");
        }
    }
    // Nothing but the exports themselves: no temporary files left.
    assert_eq!(
        names(&dir),
        ["export-0", "export-1", "export-2", "export-3"]
    );
}

#[test]
fn a_new_export_is_owner_only_and_a_failed_one_leaves_nothing() {
    let d = Desk::new();
    let dir = d.path("out");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("audit.csv");
    d.ok("dpo", &["audit", "export", "--out", out.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with("\u{feff}seq,at,"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The target is a directory: the write fails, even with --force, and
    // leaves no temporary file beside it.
    let taken = dir.join("taken.csv");
    std::fs::create_dir(&taken).unwrap();
    let r = d.dpo(&[
        "--json",
        "audit",
        "export",
        "--out",
        taken.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.json()["error"]["code"], "io");
    assert_eq!(names(&dir), ["audit.csv", "taken.csv"]);
    assert!(names(&taken).is_empty());
}
