//! `desk bundle`, `desk bundle-batch` and `desk privacy` end to end.

use crate::harness::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// A vault with a generated netmums export, a staff user and an auditor.
fn ready() -> Desk {
    let d = Desk::new();
    d.add_user("sam", "staff");
    d.add_user("ada", "auditor");
    let export = d.gen(
        "export",
        &["--site", "netmums", "--members", "40", "--seed", "5"],
    );
    d.ok("dpo", &["sync", export.to_str().unwrap()]);
    d
}

/// As `ready`, with the site's privacy facts reviewed by the dpo (a bundle
/// refuses the shipped default).
pub fn ready_facts() -> Desk {
    let d = ready();
    set_facts(&d, "netmums");
    d
}

/// The dpo saves a site's facts (the default with a controller named).
pub fn set_facts(d: &Desk, site: &str) {
    let mut f = d.ok("dpo", &["--json", "privacy", "show", site]).json();
    f["controller"] = json!(format!("{site} Ltd"));
    let file = d.path(&format!("facts-{site}.json"));
    std::fs::write(&file, f.to_string()).unwrap();
    d.ok(
        "dpo",
        &["privacy", "set", site, "--from", file.to_str().unwrap()],
    );
}

pub fn unzip(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        out.insert(f.name().to_string(), b);
    }
    out
}

/// The member of netmums with the most private messages (sent or received).
fn busiest(d: &Desk) -> (String, Value) {
    let mut best: Option<(usize, String, Value)> = None;
    for i in 1..=40 {
        let id = format!("m-{i}");
        let r = d.ok("dpo", &["--json", "member", "netmums", &id]).json();
        let n = r["totals"]["private_messages"].as_u64().unwrap_or(0) as usize;
        if best.as_ref().is_none_or(|b| n > b.0) {
            best = Some((n, id, r));
        }
    }
    let (_, id, r) = best.unwrap();
    (id, r)
}

#[test]
fn bundle_writes_once_and_keeps_third_parties_out() {
    let d = ready();
    // The shipped default facts: refused (exit 1) unless allowed, which the
    // manifest records.
    let r = d.as_user(
        "sam",
        &[
            "bundle",
            "netmums",
            "m-1",
            "--out",
            d.path("dflt.zip").to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("shipped default"), "{}", r.stderr);
    assert!(!d.path("dflt.zip").exists());
    d.ok(
        "sam",
        &[
            "bundle",
            "netmums",
            "m-1",
            "--out",
            d.path("dflt.zip").to_str().unwrap(),
            "--allow-default-facts",
        ],
    );
    let m: Value = serde_json::from_slice(&unzip(&d.path("dflt.zip"))["manifest.json"]).unwrap();
    assert_eq!(m["privacy_facts"]["override_by"], "sam");
    set_facts(&d, "netmums");
    let (me, record) = busiest(&d);
    assert!(record["totals"]["private_messages"].as_u64().unwrap() > 0);
    let out = d.path("me.zip");
    let r = d
        .ok(
            "sam",
            &[
                "--json",
                "bundle",
                "netmums",
                &me,
                "--out",
                out.to_str().unwrap(),
            ],
        )
        .json();
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(r["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert_eq!(r["reviewed"], false);
    assert!(r["note"].as_str().unwrap().contains("Not reviewed"));
    assert_eq!(r["passphrase"], Value::Null);
    assert!(r["rows"].as_u64().unwrap() > 1);
    let files = unzip(&out);
    assert!(files.contains_key("manifest.json"));
    assert!(files.contains_key("report.html"));

    // Every other participant's username and email: nowhere in the bundle.
    let mut others: Vec<String> = Vec::new();
    let full = d.ok("dpo", &["--json", "member", "netmums", &me]).json();
    for m in full["rows"]["private_messages"].as_array().unwrap() {
        for p in m["_other_participants"].as_array().unwrap() {
            if let Some(id) = p["member_id"].as_str() {
                let o = d.ok("dpo", &["--json", "member", "netmums", id]);
                if o.code == 0 {
                    let prof = &o.json()["profile"];
                    for k in ["email", "username"] {
                        if let Some(v) = prof[k].as_str() {
                            others.push(v.to_lowercase());
                        }
                    }
                }
            }
        }
    }
    others.sort();
    others.dedup();
    assert!(!others.is_empty());
    for (name, b) in &files {
        let text = String::from_utf8_lossy(b).to_lowercase();
        for o in &others {
            assert!(!text.contains(o.as_str()), "{name} names a third party");
        }
        assert!(!text.contains("password_hash"));
    }

    // Text mode; an existing file is refused (exit 1) and left alone.
    let r = d.as_user(
        "dpo",
        &["bundle", "netmums", &me, "--out", out.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
    let second = d.path("me2.zip");
    let r = d.ok(
        "dpo",
        &["bundle", "netmums", &me, "--out", second.to_str().unwrap()],
    );
    assert!(r.stdout.contains("Wrote"), "{}", r.stdout);
    assert!(r.stdout.contains("sha256"), "{}", r.stdout);
    assert!(
        r.stdout.contains("Not reviewed by a person"),
        "{}",
        r.stdout
    );

    // Unknown member: exit 1, nothing written.
    let none = d.path("none.zip");
    let r = d.as_user(
        "dpo",
        &[
            "bundle",
            "netmums",
            "m-9999",
            "--out",
            none.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!none.exists());
    // The auditor may not: exit 4, nothing written.
    let r = d.as_user(
        "ada",
        &["bundle", "netmums", &me, "--out", none.to_str().unwrap()],
    );
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(!none.exists());
    // Bad usage: exit 2.
    let r = d.as_user("dpo", &["bundle", "netmums", &me]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn encrypted_bundle_prints_its_passphrase_once() {
    let d = ready_facts();
    let out = d.path("enc.zip");
    let r = d.ok(
        "dpo",
        &[
            "bundle",
            "netmums",
            "m-1",
            "--out",
            out.to_str().unwrap(),
            "--encrypt-as",
            "zip",
        ],
    );
    let grouped = r
        .stdout
        .lines()
        .find(|l| l.starts_with("Passphrase"))
        .unwrap_or_else(|| panic!("{}", r.stdout))
        .split(": ")
        .nth(1)
        .unwrap()
        .to_string();
    let typed_line = r
        .stdout
        .lines()
        .find(|l| l.contains("typed exactly as"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    let pass = typed_line
        .split("typed exactly as ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert_eq!(grouped.replace(' ', ""), pass);
    assert_eq!(pass, pass.to_lowercase());
    assert!(typed_line.contains("99 bits"), "{typed_line}");
    assert!(r.stdout.contains("separate channel"), "{}", r.stdout);
    assert!(r.stdout.contains("AES-256 zip"), "{}", r.stdout);
    let t = |p: &str| {
        std::process::Command::new("7z")
            .args(["t", &format!("-p{p}"), out.to_str().unwrap()])
            .output()
            .expect("7z (p7zip-full): run scripts/install-deps")
            .status
            .success()
    };
    assert!(t(pass));
    assert!(!t("not-the-passphrase"));
}

#[test]
fn the_default_encryption_is_a_pdf_and_the_letter_is_printed() {
    let d = ready_facts();
    let out = d.path("pdf.zip");
    let r = d.ok(
        "dpo",
        &[
            "bundle",
            "netmums",
            "m-1",
            "--out",
            out.to_str().unwrap(),
            "--encrypt",
            "--letter",
        ],
    );
    assert!(
        r.stdout
            .contains("Subject: Your personal data from netmums"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("your-data.pdf"), "{}", r.stdout);
    assert!(
        r.stdout.contains("the passphrase, by a separate channel"),
        "{}",
        r.stdout
    );
    let out2 = d.path("pdf2.zip");
    let r = d.ok(
        "dpo",
        &[
            "--json",
            "bundle",
            "netmums",
            "m-1",
            "--out",
            out2.to_str().unwrap(),
            "--encrypt-as",
            "pdf",
        ],
    );
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["form"], "pdf-aes256");
    assert!(v["letter"]
        .as_str()
        .unwrap()
        .contains("Questions, and complaints"));
    let pass = v["passphrase"].as_str().unwrap();
    assert_eq!(
        v["passphrase_grouped"].as_str().unwrap().replace(' ', ""),
        pass
    );
    // The zip is plain; the PDF in it opens with the passphrase as typed.
    let dir = d.path("x");
    std::fs::create_dir(&dir).unwrap();
    let x = std::process::Command::new("bsdtar")
        .args(["-xf", out2.to_str().unwrap(), "-C", dir.to_str().unwrap()])
        .status()
        .expect("bsdtar (libarchive-tools): run scripts/install-deps");
    assert!(x.success());
    let text = std::process::Command::new("pdftotext")
        .args([
            "-upw",
            pass,
            dir.join("your-data.pdf").to_str().unwrap(),
            "-",
        ])
        .output()
        .expect("pdftotext (poppler-utils): run scripts/install-deps");
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("Your personal data held by netmums"));
    // A bad form is a usage error.
    let r = d.as_user(
        "dpo",
        &[
            "bundle",
            "netmums",
            "m-1",
            "--out",
            d.path("bad.zip").to_str().unwrap(),
            "--encrypt-as",
            "rar",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn a_request_bundle_goes_through_review() {
    let d = ready_facts();
    let today = chrono::Utc::now().date_naive().to_string();
    d.ok(
        "sam",
        &[
            "request",
            "open",
            "netmums",
            "m-2",
            "--received",
            &today,
            "--ref",
            "SAR-77",
        ],
    );
    let out = d.path("r.zip");
    let r = d.as_user(
        "sam",
        &[
            "--json",
            "bundle",
            "netmums",
            "m-2",
            "--out",
            out.to_str().unwrap(),
            "--ref",
            "SAR-77",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let e = r.json();
    assert_eq!(e["error"]["code"], "invalid");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("desk review SAR-77"),
        "{e}"
    );
    assert!(!out.exists());
    let shown = d.ok("sam", &["--json", "request", "show", "SAR-77"]).json();
    assert!(shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["kind"] != "bundle"));
}

#[test]
fn batch_continues_past_a_failure() {
    let d = ready_facts();
    let dir = d.path("batch");
    std::fs::create_dir(&dir).unwrap();
    let r = d.as_user(
        "sam",
        &[
            "--json",
            "bundle-batch",
            "--members",
            "netmums:m-1,netmums:m-9999,netmums:m-3",
            "--out-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["made"], 2);
    assert_eq!(v["failed"], 1);
    assert_eq!(v["results"][1]["ok"], false);
    assert_eq!(v["results"][1]["error"]["code"], "not_found");
    assert!(dir.join("netmums-m-1.zip").exists());
    assert!(dir.join("netmums-m-3.zip").exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);

    // From a CSV, encrypted: every one made, a passphrase each, exit 0.
    let dir2 = d.path("batch2");
    std::fs::create_dir(&dir2).unwrap();
    let csv = d.path("members.csv");
    std::fs::write(&csv, "site,member_id\nnetmums,m-4\nnetmums,m-5\n").unwrap();
    let r = d.ok(
        "dpo",
        &[
            "bundle-batch",
            "--from",
            csv.to_str().unwrap(),
            "--out-dir",
            dir2.to_str().unwrap(),
            "--encrypt",
        ],
    );
    assert_eq!(
        r.stdout.matches("passphrase (shown once)").count(),
        2,
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("2 bundle(s) made, 0 failed."),
        "{}",
        r.stdout
    );
    // The auditor: refused outright, exit 4.
    let r = d.as_user(
        "ada",
        &[
            "bundle-batch",
            "--members",
            "netmums:m-6",
            "--out-dir",
            dir2.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 4, "{}", r.stderr);
}

#[test]
fn privacy_facts_show_and_set() {
    let d = ready();
    let f = d
        .ok("ada", &["--json", "privacy", "show", "netmums"])
        .json();
    assert_eq!(f["site"], "netmums");
    assert_eq!(f["updated_at"], Value::Null);
    assert!(f["complaint"].as_str().unwrap().contains("0303 123 1113"));
    let text = d.ok("sam", &["privacy", "show", "netmums"]);
    assert!(text.stdout.contains("the default"), "{}", text.stdout);

    let mut mine = f.clone();
    mine["controller"] = json!("Netmums Ltd");
    let file = d.path("facts.json");
    std::fs::write(&file, mine.to_string()).unwrap();
    // Staff may not change them: exit 4.
    let r = d.as_user(
        "sam",
        &[
            "privacy",
            "set",
            "netmums",
            "--from",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 4, "{}", r.stderr);
    d.ok(
        "dpo",
        &[
            "privacy",
            "set",
            "netmums",
            "--from",
            file.to_str().unwrap(),
        ],
    );
    let back = d
        .ok("sam", &["--json", "privacy", "show", "netmums"])
        .json();
    assert_eq!(back["controller"], "Netmums Ltd");
    assert_eq!(back["updated_by"], "dpo");

    // Invalid: exit 1, each problem named, nothing changed.
    let mut bad = back.clone();
    bad["rights"] = json!("");
    bad["recipients"][0]["kind"] = json!("pal");
    std::fs::write(&file, bad.to_string()).unwrap();
    let r = d.as_user(
        "dpo",
        &[
            "privacy",
            "set",
            "netmums",
            "--from",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("rights: required"), "{}", r.stderr);
    assert!(r.stderr.contains("recipients[0].kind"), "{}", r.stderr);
    let again = d
        .ok("sam", &["--json", "privacy", "show", "netmums"])
        .json();
    assert_eq!(again, back);
}
