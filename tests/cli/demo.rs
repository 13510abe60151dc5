//! `desk demo`: the vault the README's run command opens.

use crate::harness::*;

#[test]
fn demo_makes_a_ready_vault_and_refuses_to_overwrite_without_replace() {
    let d = Desk::new();
    let vault = d.path("demo-vault");
    let v = vault.to_str().unwrap();
    let r = d.run_with(&["demo", "--vault", v, "--members", "300"], &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("demo-password"), "{}", r.stdout);

    let env = |user: &'static str| {
        [
            ("DESK_VAULT", v),
            ("DESK_USER", user),
            ("DESK_PASSWORD", "demo-password"),
        ]
    };
    // Two sites synced; a hold; the conflict check already run for Home.
    let status = d.run_with(&["status", "--json"], &env("demo-dpo")).json();
    let text = status.to_string();
    assert!(
        text.contains("netmums") && text.contains("mumsnet"),
        "{text}"
    );
    let holds = d.run_with(&["hold", "list", "--json"], &env("demo-dpo"));
    assert_eq!(holds.code, 0, "{}", holds.stderr);
    assert!(holds.stdout.contains("m-7"), "{}", holds.stdout);
    let audit = d
        .run_with(&["audit", "list", "--json"], &env("demo-auditor"))
        .json();
    assert!(
        audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "conflicts_check" && e["outcome"] == "ok"),
        "the demo runs the conflict check"
    );

    // The demo's sites have reviewed privacy facts: a bundle can be made
    // (no default-facts override needed).
    let out = d.path("demo-bundle.zip");
    let b = d.run_with(
        &["bundle", "netmums", "m-3", "--out", out.to_str().unwrap()],
        &env("demo-staff"),
    );
    assert_eq!(b.code, 0, "{}{}", b.stdout, b.stderr);
    assert!(out.is_file());

    // A second run without --replace refuses and leaves the vault alone.
    let before = std::fs::read(vault.join("vault.db")).unwrap();
    let r = d.run_with(&["demo", "--vault", v, "--members", "300"], &[]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("--replace"), "{}", r.stderr);
    assert_eq!(std::fs::read(vault.join("vault.db")).unwrap(), before);
}
