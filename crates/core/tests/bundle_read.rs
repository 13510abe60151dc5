//! A bundle opened as the member opens it (issue #16), with real tools:
//! the encrypted forms opened by 7-Zip, bsdtar, qpdf and poppler with the
//! passphrase typed in lower case without spaces; the report laid out by
//! headless Chromium at 320 and 1280 CSS px (no horizontal overflow) and
//! checked by axe-core (no WCAG 2.1 A/AA violation); the CSV files read by
//! Python's `csv` and pandas. The tools come from `scripts/install-deps`.
//!
//! `BUNDLE_SHOTS=DIR` also saves screenshots of the report and the cover
//! letter at both widths.

mod common;

use common::*;
use desk_core::bundle::{BundleMade, BundleOptions, Encryption};
use desk_core::progress::NoProgress;
use desk_core::Session;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ME: &str = "alice-1042";

const HEADER: &str =
    "member_id,username,email,signup_at,status,updated_at,first_name,marketing_segment";

fn build(root: &Path) -> PathBuf {
    let vault = new_vault(root);
    let s = dpo(&vault);
    let mut p1 = post("p-1", ME);
    p1["body"] = json!("<i>so</i> tired today. Anyone else up with a teething baby at 3am? I have tried everything: cold flannels, teething rings, a frozen banana, and singing every nursery rhyme I know twice.\n\nEdit: thanks all, she slept!");
    p1["thread_title"] = json!("Teething at night");
    p1["posted_at"] = json!("2026-07-01T23:30:00+01:00");
    let mut p2 = post("p-2", ME);
    p2["body"] = json!("Win £500 of M&S vouchers? Count me in 😀");
    p2["posted_at"] = json!("2026-01-02T09:00:00Z");
    let export = ExportBuilder::full(root, "netmums-1", "netmums", 1)
        .csv(
            "members",
            HEADER,
            &[
                format!("{ME},alicesmith,alice@example.org,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Alice,high_value"),
                "zed-77,zed,zed@example.net,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Zed,".into(),
            ],
        )
        .jsonl(
            "consent_events",
            &[
                json!({"event_id": "ce-1", "member_id": ME, "purpose": "partner_emails", "action": "granted",
                       "occurred_at": "2026-01-02T10:00:00Z", "source": "registration", "policy_version": "2024-09",
                       "evidence": {"form": "registration", "page": "/register", "wording": "Yes, send me offers from partners", "checkbox_default": false}}),
                json!({"event_id": "ce-2", "member_id": ME, "purpose": "partner_emails", "action": "withdrawn",
                       "occurred_at": "2026-05-02T10:00:00+01:00", "source": "unsubscribe_link"}),
            ],
        )
        .jsonl("posts", &[p1, p2])
        .jsonl(
            "private_messages",
            &[json!({"message_id": "pm-1", "conversation_id": "c-1", "conversation_type": "member",
                     "sender_id": ME, "recipient_ids": ["zed-77"], "sent_at": "2026-01-03T10:00:00Z",
                     "subject": "Pram", "body": "Is the pram still for sale, zed?"})],
        )
        .jsonl(
            "survey_responses",
            &[json!({"response_id": "sr-1", "member_id": ME, "survey_id": "sv-1", "survey_title": "Childcare costs 2024",
                     "submitted_at": "2026-02-01T12:00:00Z",
                     "answers": {"How much do you spend on childcare each month?": "£500-£1,000", "recommend_score": 9, "children_ages": [2, 5]}})],
        )
        .csv(
            "login_events",
            "login_id,member_id,occurred_at,ip,user_agent,method",
            &[
                format!("l-1,{ME},2026-01-01T10:00:00Z,2a00:23c7:8b4d:1f01:2d3c:9a7e:44f1:ab12,Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML like Gecko) Version/17.4 Mobile/15E148 Safari/604.1,app"),
                format!("l-2,{ME},2026-07-01T10:00:00+01:00,192.0.2.1,Mozilla/5.0,password"),
            ],
        )
        .csv(
            "competition_entries",
            "entry_id,member_id,competition_id,competition_title,sponsor,entered_at,full_name,postal_address,phone,won",
            &[format!(
                "ce-9,{ME},c-1,Win £500 of M&S vouchers,Marks & Spencer,2026-03-01T10:00:00Z,\"=HYPERLINK(\"\"http://x.example\"\",\"\"Alice\"\")\",@SUM(1+1),+44 7700 900933,true"
            ), format!(
                "ce-10,{ME},c-2,Win a car seat,Maxi-Cosi,2026-04-01T10:00:00+01:00,-2+3,1 High Street,-7,false"
            )],
        )
        .write();
    s.sync(&export, t(2), &NoProgress).unwrap();
    vault
}

/// A bundle of Alice (these tests keep the shipped default privacy facts,
/// which a bundle allows only when asked to).
fn make(s: &mut Session, dir: &Path, name: &str, opts: &BundleOptions) -> BundleMade {
    let opts = BundleOptions {
        allow_default_facts: true,
        ..opts.clone()
    };
    s.bundle("netmums", ME, &dir.join(name), &opts, t(3), &NoProgress)
        .unwrap()
}

fn need(tool: &str, package: &str) {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "{tool} is missing: run scripts/install-deps (Debian package {package})"
    );
}

fn run(cmd: &mut Command) -> Output {
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The Python with pandas: Debian's (python3-pandas), whatever else is first on PATH.
fn python() -> &'static str {
    for p in ["/usr/bin/python3", "python3"] {
        if Command::new(p)
            .args(["-c", "import pandas"])
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return p;
        }
    }
    panic!("no Python with pandas: run scripts/install-deps (Debian package python3-pandas)");
}

fn extract_plain(zip: &Path, dest: &Path) {
    need("bsdtar", "libarchive-tools");
    std::fs::create_dir_all(dest).unwrap();
    run(Command::new("bsdtar")
        .arg("-xf")
        .arg(zip)
        .arg("-C")
        .arg(dest));
}

#[test]
fn the_aes_zip_opens_in_7z_and_bsdtar_with_the_passphrase_as_typed() {
    need("7z", "p7zip-full");
    need("bsdtar", "libarchive-tools");
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let mut s = dpo(&vault);
    let opts = BundleOptions {
        encrypt: true,
        encryption: Encryption::Zip,
        ..Default::default()
    };
    let made = make(&mut s, root.path(), "aes.zip", &opts);
    assert_eq!(made.form, "zip-aes256");
    let pass = made.passphrase.clone().unwrap();
    // What the member is told to type: lower case, no spaces.
    assert_eq!(pass, pass.to_lowercase());
    assert!(!pass.contains([' ', '-']));
    assert_eq!(
        made.passphrase_grouped.as_deref().unwrap().replace(' ', ""),
        pass
    );
    assert!(made.passphrase_bits.unwrap() >= 96);
    let zip = made.path.to_str().unwrap();

    // 7-Zip.
    let seven = root.path().join("7z");
    run(Command::new("7z").args([
        "x",
        &format!("-p{pass}"),
        &format!("-o{}", seven.display()),
        zip,
    ]));
    // bsdtar (libarchive).
    let tar = root.path().join("tar");
    std::fs::create_dir(&tar).unwrap();
    run(Command::new("bsdtar")
        .args(["-xf", zip, "--passphrase", &pass, "-C"])
        .arg(&tar));
    for dir in [&seven, &tar] {
        let m: Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(m["member_id"], ME);
        assert_eq!(m["form"], "zip-aes256");
        for f in m["files"].as_array().unwrap() {
            let p = f["path"].as_str().unwrap();
            let bytes = std::fs::read(dir.join(p)).unwrap();
            assert_eq!(f["sha256"], hex::encode(Sha256::digest(&bytes)), "{p}");
        }
    }
    // A wrong passphrase opens nothing.
    let bad = Command::new("7z")
        .args(["t", "-pwrongwrongwrong", zip])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    // The cover letter is not encrypted: it opens anywhere, even in
    // Python's zipfile (which cannot read AES), and holds no member data.
    let o = run(Command::new(python()).args([
        "-c",
        "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read('cover.html').decode())",
        zip,
    ]));
    let cover = String::from_utf8(o.stdout).unwrap();
    assert!(
        cover.contains("7-Zip") && cover.contains("Keka") && cover.contains("ZArchiver"),
        "{cover}"
    );
    for secret in ["alice", ME, "zed", "HYPERLINK"] {
        assert!(
            !cover.to_lowercase().contains(&secret.to_lowercase()),
            "cover names {secret}"
        );
    }
}

#[test]
fn the_pdf_form_opens_with_no_archiver_and_the_passphrase_as_typed() {
    need("qpdf", "qpdf");
    need("pdftotext", "poppler-utils");
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let mut s = dpo(&vault);
    let opts = BundleOptions {
        encrypt: true,
        ..Default::default()
    };
    let made = make(&mut s, root.path(), "pdf.zip", &opts);
    assert_eq!(made.form, "pdf-aes256");
    let pass = made.passphrase.clone().unwrap();
    assert!(made
        .passphrase_message
        .as_deref()
        .unwrap()
        .contains(made.passphrase_grouped.as_deref().unwrap()));
    assert!(made.letter.contains("your-data.pdf"), "{}", made.letter);
    assert!(
        made.letter.contains("https://ico.org.uk/make-a-complaint/"),
        "{}",
        made.letter
    );

    // The zip is a plain one: Python's zipfile (like Windows' own zip
    // support) opens it.
    let dir = root.path().join("x");
    let o = run(Command::new(python()).args([
        "-c",
        "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); z.extractall(sys.argv[2]); print(sorted(z.namelist()))",
        made.path.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "['cover.html', 'your-data.pdf']"
    );
    let pdf = dir.join("your-data.pdf");
    // Nothing of the member's in the PDF's bytes.
    let raw = String::from_utf8_lossy(&std::fs::read(&pdf).unwrap()).into_owned();
    for secret in [
        "alicesmith",
        "alice@example.org",
        "Teething",
        "manifest.json",
    ] {
        assert!(!raw.contains(secret), "the PDF shows {secret}");
    }

    // poppler (what many Linux and Android readers use) with the passphrase as typed.
    let text = run(Command::new("pdftotext")
        .args(["-upw", &pass])
        .arg(&pdf)
        .arg("-"));
    let text = String::from_utf8_lossy(&text.stdout);
    for want in [
        "Your personal data held by netmums",
        "Teething at night",
        "Emails about our partners' offers",
        "Highly engaged",
        "ico.org.uk/make-a-complaint",
    ] {
        assert!(text.contains(want), "the PDF's text lacks {want}:\n{text}");
    }
    // Line breaks are line breaks, not "?".
    assert!(
        text.contains("Edit: thanks all") && !text.contains("?Edit"),
        "{text}"
    );
    let wrong = Command::new("pdftotext")
        .args(["-upw", "not-it"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    // In capitals too (the owner password), for those who type it so.
    run(Command::new("pdftotext")
        .args(["-opw", &pass.to_uppercase()])
        .arg(&pdf)
        .arg("-"));

    // qpdf decrypts it, checks its structure, and lists the attachments,
    // which are the bundle's files with the manifest's checksums.
    let plain = root.path().join("plain.pdf");
    run(Command::new("qpdf")
        .arg(format!("--password={pass}"))
        .arg("--decrypt")
        .arg(&pdf)
        .arg(&plain));
    run(Command::new("qpdf").arg("--check").arg(&plain));
    let att = root.path().join("att");
    std::fs::create_dir(&att).unwrap();
    let list = run(Command::new("qpdf").arg("--list-attachments").arg(&plain));
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    let names: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split(" -> ").next())
        .collect();
    assert!(
        names.contains(&"manifest.json") && names.contains(&"report.html"),
        "{list}"
    );
    let get = |name: &str| -> Vec<u8> {
        let o = run(Command::new("qpdf")
            .arg(format!("--show-attachment={name}"))
            .arg(&plain));
        o.stdout
    };
    let m: Value = serde_json::from_slice(&get("manifest.json")).unwrap();
    assert_eq!(m["form"], "pdf-aes256");
    for f in m["files"].as_array().unwrap() {
        let p = f["path"].as_str().unwrap();
        let bytes = if p == "cover.html" {
            std::fs::read(dir.join(p)).unwrap()
        } else {
            assert!(names.contains(&p), "{p} not attached: {list}");
            get(p)
        };
        assert_eq!(f["sha256"], hex::encode(Sha256::digest(&bytes)), "{p}");
    }
}

/// Layout and accessibility of a page in headless Chromium at `width` CSS
/// px: (the page's scroll width, the viewport's width, axe's violations).
fn browser_check(page: &Path, width: u32, work: &Path) -> (u64, u64, Vec<Value>) {
    need("chromium", "chromium");
    let axe =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/node_modules/axe-core/axe.min.js");
    assert!(
        axe.is_file(),
        "axe-core is missing: run scripts/install-deps (npm ci in ui/)"
    );
    // A copy of the page with axe and a probe appended (the bundle's own
    // page has no script); the probe writes its findings into the DOM,
    // which --dump-dom prints.
    let mut html = std::fs::read_to_string(page).unwrap();
    let probe = format!(
        "<script>{}</script><script>
        axe.run(document, {{runOnly: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}}).then(function (r) {{
          var out = document.createElement('pre');
          out.id = 'probe-result';
          out.textContent = JSON.stringify({{scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth,
            viewport: window.innerWidth, violations: r.violations.map(function (v) {{ return {{id: v.id, help: v.help, nodes: v.nodes.map(function (n) {{ return n.target.join(' ') + ' ' + n.failureSummary; }}).slice(0, 3)}}; }})}});
          document.body.appendChild(out);
          parent.postMessage(out.textContent, '*');
        }});
        </script>",
        std::fs::read_to_string(&axe).unwrap()
    );
    let at = html.rfind("</body>").unwrap();
    html.insert_str(at, &probe);
    let probed = work.join(format!("probe-{width}.html"));
    std::fs::write(&probed, html).unwrap();
    // Headless Chromium's window is at least 500 px wide: the page is laid
    // out in an iframe of exactly `width` px, whose viewport that is, and
    // posts its findings to the page around it.
    let frame = work.join(format!("frame-{width}.html"));
    std::fs::write(
        &frame,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\"><iframe src=\"probe-{width}.html\" style=\"width:{width}px;height:900px;border:0\"></iframe>
            <script>window.addEventListener('message', function (e) {{ var p = document.createElement('pre'); p.id = 'probe-result'; p.textContent = e.data; document.body.appendChild(p); }});</script></body></html>"
        ),
    )
    .unwrap();
    let o = run(Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1400,1000",
            "--virtual-time-budget=30000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", frame.display())));
    let dom = String::from_utf8_lossy(&o.stdout).into_owned();
    let start = dom
        .find("<pre id=\"probe-result\">")
        .expect("the probe did not run")
        + "<pre id=\"probe-result\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let v: Value = serde_json::from_str(&json).unwrap();
    (
        v["scroll"]
            .as_u64()
            .unwrap()
            .max(v["body"].as_u64().unwrap()),
        v["viewport"].as_u64().unwrap(),
        v["violations"].as_array().unwrap().clone(),
    )
}

fn shot(page: &Path, width: u32, out: &Path) {
    run(Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            &format!("--window-size={width},2600"),
            &format!("--screenshot={}", out.display()),
        ])
        .arg(format!("file://{}", page.display())));
}

#[test]
fn the_report_and_the_letter_reflow_to_320_px_and_pass_axe() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let mut s = dpo(&vault);
    let made = make(&mut s, root.path(), "plain.zip", &BundleOptions::default());
    let dir = root.path().join("x");
    extract_plain(&made.path, &dir);
    let shots = std::env::var_os("BUNDLE_SHOTS").map(PathBuf::from);
    for page in ["report.html", "cover.html"] {
        let path = dir.join(page);
        for width in [320u32, 1280] {
            let (scroll, viewport, violations) = browser_check(&path, width, root.path());
            assert_eq!(
                viewport,
                u64::from(width),
                "{page}: the window is not {width} px wide"
            );
            assert!(
                scroll <= viewport,
                "{page} at {width} px: {scroll} px wide, overflows"
            );
            assert!(
                violations.is_empty(),
                "{page} at {width} px: axe: {}",
                serde_json::to_string_pretty(&violations).unwrap()
            );
            if let Some(d) = &shots {
                std::fs::create_dir_all(d).unwrap();
                shot(
                    &path,
                    width,
                    &d.join(format!("{}-{width}.png", page.trim_end_matches(".html"))),
                );
            }
        }
    }
}

#[test]
fn the_report_reads_as_words_not_as_an_export() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let mut s = dpo(&vault);
    let made = make(&mut s, root.path(), "plain.zip", &BundleOptions::default());
    let dir = root.path().join("x");
    extract_plain(&made.path, &dir);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        html.contains("<meta name=\"viewport\" content=\"width&#61;device-width")
            || html.contains("<meta name=\"viewport\" content=\"width=device-width"),
        "no viewport"
    );
    // A table of contents with counts.
    assert!(
        html.contains("<nav") && html.contains("href=\"#s-posts\"") && html.contains("(2 posts)"),
        "no contents"
    );
    // One line per row, the rest a click away.
    assert_eq!(
        html.matches("<details>").count(),
        2 + 1 + 1 + 2 + 2,
        "one <details> per post, message, survey, login and entry"
    );
    // Plain words: no raw keys, no JSON, no brackets around purposes.
    for raw in [
        "partner_emails",
        "checkbox_default",
        "recommend_score",
        "high_value",
        "{&quot;",
        "{\"",
        "occurred_at",
        "Made by",
        "dpo",
    ] {
        assert!(!html.contains(raw), "the report shows {raw}");
    }
    for words in [
        "Emails about our partners&#39; offers",
        "Box ticked in advance",
        "Wording you saw",
        "How likely you are to recommend us",
        "Highly engaged",
        "Article 21",
        "Prepared by the data protection team of netmums",
        "your own text, shown exactly as you typed it",
        "&lt;i&gt;so&lt;/i&gt; tired",
        "1 July 2026, 23:30",
        "1 Jul 2026, 23:30",
        "2a00:23c7:8b4d:1f01:2d3c:9a7e:44f1:ab12",
    ] {
        assert!(html.contains(words), "the report lacks {words}");
    }
    // The ICO's address once, as a link.
    assert_eq!(
        html.matches("ico.org.uk").count(),
        2,
        "href and text of one link"
    );
    assert_eq!(html.matches("<a href=\"https://ico.org.uk").count(), 1);
    // Print: table headers repeat, long items may break.
    assert!(html.contains("thead{display:table-header-group}"));
    assert!(html.contains("break-inside:auto"));
}

#[test]
fn the_csv_files_open_in_spreadsheets_as_they_should() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let mut s = dpo(&vault);
    let made = make(&mut s, root.path(), "plain.zip", &BundleOptions::default());
    let dir = root.path().join("x");
    extract_plain(&made.path, &dir);
    let m: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert!(
        m["csv"].as_str().unwrap().contains("byte-order mark"),
        "{m}"
    );
    for f in ["profile", "login_events", "competition_entries"] {
        let b = std::fs::read(dir.join(format!("data/{f}.csv"))).unwrap();
        assert!(
            b.starts_with(b"\xEF\xBB\xBF"),
            "{f}.csv has no byte-order mark"
        );
    }
    // The JSON stays exact.
    let entries: Value =
        serde_json::from_slice(&std::fs::read(dir.join("data/competition_entries.json")).unwrap())
            .unwrap();
    assert_eq!(entries[0]["phone"], "+44 7700 900933");
    assert_eq!(entries[1]["entered_at"], "2026-04-01T10:00:00+01:00");
    let script = r#"
import csv, json, sys
import pandas as pd
d = sys.argv[1]
with open(d + "/data/competition_entries.csv", encoding="utf-8-sig", newline="") as f:
    rows = list(csv.DictReader(f))
logins = pd.read_csv(d + "/data/login_events.csv", encoding="utf-8-sig")
entries = pd.read_csv(d + "/data/competition_entries.csv", encoding="utf-8-sig")
times = pd.to_datetime(logins["occurred_at"])
print(json.dumps({
    "rows": rows,
    "login_tz": str(times.dt.tz),
    "logins": [t.isoformat() for t in times],
    "entry_tz": str(pd.to_datetime(entries["entered_at"]).dt.tz),
    "title": entries["competition_title"][0],
}))
"#;
    let o = run(Command::new(python()).args(["-c", script]).arg(&dir));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v["rows"].as_array().unwrap();
    // Every formula-like cell starts with ' and keeps its text.
    assert_eq!(
        rows[0]["full_name"],
        "'=HYPERLINK(\"http://x.example\",\"Alice\")"
    );
    assert_eq!(rows[0]["postal_address"], "'@SUM(1+1)");
    assert_eq!(rows[0]["phone"], "'+44 7700 900933");
    assert_eq!(rows[1]["full_name"], "'-2+3");
    // A plain negative number stays a number.
    assert_eq!(rows[1]["phone"], "-7");
    // One time zone, UTC, so pandas reads the column as times.
    assert_eq!(v["login_tz"], "UTC");
    assert_eq!(v["entry_tz"], "UTC");
    assert_eq!(v["logins"][1], "2026-07-01T09:00:00+00:00");
    assert_eq!(rows[1]["entered_at"], "2026-04-01T09:00:00Z");
    // The pound sign survives (the byte-order mark makes Excel read UTF-8).
    assert_eq!(v["title"], "Win £500 of M&S vouchers");
}

#[test]
fn the_signature_and_the_profiling_words_follow_the_privacy_facts() {
    let root = tempfile::tempdir().unwrap();
    let vault = build(root.path());
    let mut s = dpo(&vault);
    let read = |s: &mut Session, name: &str| -> String {
        let made = make(s, root.path(), name, &BundleOptions::default());
        let dir = root.path().join(name.trim_end_matches(".zip"));
        extract_plain(&made.path, &dir);
        std::fs::read_to_string(dir.join("report.html")).unwrap()
    };
    // The default: the team, no login name.
    let html = read(&mut s, "a.zip");
    assert!(
        html.contains("Prepared by the data protection team of netmums."),
        "default signature"
    );
    // A DPO names the team and asks for the staff member's name.
    let mut f = s.privacy_facts("netmums", t(3)).unwrap();
    f.prepared_by = "Netmums' Data Protection Team".into();
    f.sign_with_staff_name = true;
    f.derived[0].values.retain(|v| v.value != "high_value");
    s.privacy_facts_set("netmums", &f, t(3)).unwrap();
    let html = read(&mut s, "b.zip");
    let at = html.find("Prepared by").unwrap();
    assert!(
        html.contains("Prepared by Netmums&#39; Data Protection Team &#40;dpo)."),
        "signature from the facts: {}",
        &html[at..at + 80]
    );
    // A value the facts do not explain is shown in words, still as profiling.
    assert!(
        html.contains("High value &#40;worked out by us: see below)"),
        "unexplained value"
    );
    assert!(html.contains("Article 21"));
    // Facts without profiling entries explain nothing of the kind.
    f.derived.clear();
    s.privacy_facts_set("netmums", &f, t(3)).unwrap();
    let html = read(&mut s, "c.zip");
    assert!(
        !html.contains("Article 21") && html.contains("Marketing segment"),
        "no profiling words without facts"
    );
}
