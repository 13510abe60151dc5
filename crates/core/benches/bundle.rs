//! The subject-access bundle benchmark. Run:
//!
//!     cargo bench -p privacy-desk-core --bench bundle -- [MEMBERS] [WORKDIR]
//!
//! Phases, each in its own child process so each peak RSS is its own:
//! 1. `setup`: a generated full export of MEMBERS members (default 2,000)
//!    whose member m-1 has 100,000 posts and 20,000 private messages, synced
//!    into a new vault;
//! 2. `ordinary`: the bundle of an ordinary member (m-2);
//! 3. `heavy`: the bundle of m-1;
//! 4. `heavy-encrypted`: the same, encrypted (the PDF form: AES-256 PDF);
//! 5. `heavy-aes-zip`: the same, encrypted as an AES-256 zip;
//! 6. `batch`: 1,000 bundles (m-2 … m-1001) in one process, one after another.
//!
//! For the ordinary and the heavy member, the report as a person gets it:
//! its size, the time headless Chromium takes to load and lay it out, and
//! the pages it prints to (A4, `--print-to-pdf`, counted by `pdfinfo`);
//! for the PDF form, the PDF's pages. Needs `chromium` and `pdfinfo`
//! (`scripts/install-deps`); without them those figures are left out.
//!
//! Prints a table and a JSON line of the figures.

use chrono::{TimeZone, Utc};
use desk_core::bundle::{BundleOptions, Encryption};
use desk_core::progress::NoProgress;
use desk_core::Session;
use export_gen::{generate, GenOptions, HeavyMember};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

mod common;
use common::vm_hwm_kib;

const HEAVY_POSTS: u64 = 100_000;
const HEAVY_MESSAGES: u64 = 20_000;
const BATCH: u64 = 1_000;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}

fn session(work: &Path) -> Session {
    Session::unlock(&work.join("vault"), "dpo", "bench-password", now()).unwrap()
}

fn one(work: &Path, member: &str, name: &str, encrypt: Option<Encryption>) -> Value {
    let s = session(work);
    let out = work.join(name);
    let _ = std::fs::remove_file(&out);
    let opts = BundleOptions {
        reference: None,
        encrypt: encrypt.is_some(),
        encryption: encrypt.unwrap_or_default(),
        allow_default_facts: true,
        with_mentions: false,
    };
    let t0 = Instant::now();
    let made = s
        .bundle("netmums", member, &out, &opts, now(), &NoProgress)
        .unwrap();
    let mut v = json!({"seconds": t0.elapsed().as_secs_f64(), "rows": made.rows, "bytes": made.bytes,
           "files": made.files});
    let report = work.join(format!("{name}.report.html"));
    match encrypt {
        None => {
            let mut z = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
            let mut f = z.by_name("report.html").unwrap();
            let mut w = std::fs::File::create(&report).unwrap();
            std::io::copy(&mut f, &mut w).unwrap();
            v["report"] = browser(&report, work);
        }
        Some(Encryption::Pdf) => {
            let mut z = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
            let mut f = z.by_name("your-data.pdf").unwrap();
            let pdf = work.join(format!("{name}.pdf"));
            let mut w = std::fs::File::create(&pdf).unwrap();
            std::io::copy(&mut f, &mut w).unwrap();
            v["pdf_bytes"] = json!(std::fs::metadata(&pdf).unwrap().len());
            v["pdf_pages"] = json!(pdf_pages(&pdf, made.passphrase.as_deref()));
        }
        Some(Encryption::Zip) => {}
    }
    v
}

/// Pages of a PDF, by poppler's `pdfinfo`.
fn pdf_pages(pdf: &Path, password: Option<&str>) -> Option<u64> {
    let mut c = std::process::Command::new("pdfinfo");
    if let Some(p) = password {
        c.args(["-upw", p]);
    }
    let o = c.arg(pdf).output().ok()?;
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find(|l| l.starts_with("Pages:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

fn chromium(args: &[&str], page: &Path) -> Option<(f64, String)> {
    let t = Instant::now();
    let o = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .ok()?;
    o.status.success().then(|| {
        (
            t.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    })
}

/// The report in headless Chromium: its size, the time to load and lay it
/// out (from navigation start, measured in the page), and the A4 pages it
/// prints to.
fn browser(report: &Path, work: &Path) -> Value {
    let bytes = std::fs::metadata(report).unwrap().len();
    let mut html = std::fs::read_to_string(report).unwrap();
    let at = html.rfind("</body>").unwrap();
    html.insert_str(
        at,
        "<script>addEventListener('load', function () { var loaded = performance.now(); document.body.offsetHeight; var p = document.createElement('pre'); p.id = 'probe'; p.textContent = JSON.stringify({loaded: loaded, laid_out: performance.now()}); document.body.appendChild(p); });</script>",
    );
    let probed = work.join("probe.html");
    std::fs::write(&probed, html).unwrap();
    let Some((_, dom)) = chromium(&["--window-size=1280,900", "--dump-dom"], &probed) else {
        return json!({"bytes": bytes, "browser": "chromium not found"});
    };
    let timing: Value = dom
        .split("<pre id=\"probe\">")
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .and_then(|j| serde_json::from_str(&j.replace("&quot;", "\"")).ok())
        .unwrap_or(Value::Null);
    let pdf = work.join("print.pdf");
    let _ = std::fs::remove_file(&pdf);
    chromium(
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
        ],
        report,
    );
    json!({"bytes": bytes, "load_ms": timing["loaded"], "layout_ms": timing["laid_out"],
           "printed_pages": pdf_pages(&pdf, None)})
}

fn phase(name: &str, members: u64, work: &Path) -> Value {
    let t0 = Instant::now();
    let mut out = match name {
        "setup" => {
            let opts = GenOptions {
                site: "netmums".into(),
                members,
                seed: 42,
                heavy_member: Some(HeavyMember {
                    posts: HEAVY_POSTS,
                    messages: HEAVY_MESSAGES,
                }),
                ..GenOptions::default()
            };
            let g = generate(&opts, &work.join("export"), &export_gen::NoProgress).unwrap();
            let s = Session::create(&work.join("vault"), "dpo", "bench-password", now()).unwrap();
            let r = s.sync(&g.path, now(), &NoProgress).unwrap();
            json!({"sync": format!("{r:?}").len()})
        }
        "ordinary" => one(work, "m-2", "ordinary.zip", None),
        "heavy" => one(work, "m-1", "heavy.zip", None),
        "heavy-encrypted" => one(work, "m-1", "heavy-enc.zip", Some(Encryption::Pdf)),
        "heavy-aes-zip" => one(work, "m-1", "heavy-aes.zip", Some(Encryption::Zip)),
        "batch" => {
            let dir = work.join("batch");
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let s = session(work);
            let (mut rows, mut bytes, mut slowest) = (0u64, 0u64, 0f64);
            let t = Instant::now();
            for i in 2..2 + BATCH {
                let id = format!("m-{i}");
                let one = Instant::now();
                let made = s
                    .bundle(
                        "netmums",
                        &id,
                        &dir.join(format!("{id}.zip")),
                        &BundleOptions {
                            allow_default_facts: true,
                            ..Default::default()
                        },
                        now(),
                        &NoProgress,
                    )
                    .unwrap();
                slowest = slowest.max(one.elapsed().as_secs_f64());
                rows += made.rows;
                bytes += made.bytes;
            }
            json!({"seconds": t.elapsed().as_secs_f64(), "rows": rows, "bytes": bytes,
                   "bundles": BATCH, "slowest": slowest})
        }
        other => panic!("unknown phase {other}"),
    };
    if name == "setup" {
        out["seconds"] = json!(t0.elapsed().as_secs_f64());
    }
    out["peak_rss_mib"] = json!(vm_hwm_kib() as f64 / 1024.0);
    out
}

fn main() {
    // Cheap key derivation for the benchmark's own vault (never for real vaults).
    desk_core::vault::keys::use_test_cost(true);
    let args = common::args();
    if common::run_if_phase(&args, phase) {
        return;
    }
    let members: u64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000)
        .max(BATCH + 2);
    let work = args
        .get(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("desk-bench-bundle"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let mut results = serde_json::Map::new();
    for name in [
        "setup",
        "ordinary",
        "heavy",
        "heavy-encrypted",
        "heavy-aes-zip",
        "batch",
    ] {
        let v = common::run_phase(name, members, &work);
        eprintln!(
            "  {:.2} s, peak RSS {:.0} MiB",
            v["seconds"].as_f64().unwrap(),
            v["peak_rss_mib"].as_f64().unwrap()
        );
        results.insert(name.into(), v);
    }
    let r = |p: &str, k: &str| results[p][k].as_f64().unwrap_or(0.0);
    println!("members: {members} (m-1: {HEAVY_POSTS} posts, {HEAVY_MESSAGES} private messages)");
    println!(
        "setup (generate + sync): {:8.1} s  peak {:6.0} MiB",
        r("setup", "seconds"),
        r("setup", "peak_rss_mib")
    );
    for p in ["ordinary", "heavy", "heavy-encrypted", "heavy-aes-zip"] {
        println!(
            "{p:<16} {:8.3} s  peak {:6.0} MiB  {:>8} rows  {:>11} bytes  {} files",
            r(p, "seconds"),
            r(p, "peak_rss_mib"),
            r(p, "rows"),
            r(p, "bytes"),
            r(p, "files")
        );
    }
    for p in ["ordinary", "heavy"] {
        let rep = &results[p]["report"];
        println!(
            "{p:<16} report.html {:>10} bytes, load {:.0} ms, load + layout {:.0} ms, {} printed pages",
            rep["bytes"], rep["load_ms"].as_f64().unwrap_or(0.0), rep["layout_ms"].as_f64().unwrap_or(0.0), rep["printed_pages"]
        );
    }
    println!(
        "heavy-encrypted  PDF {} bytes, {} pages",
        results["heavy-encrypted"]["pdf_bytes"], results["heavy-encrypted"]["pdf_pages"]
    );
    println!(
        "batch of {BATCH}:    {:8.1} s  peak {:6.0} MiB  ({:.1} ms per bundle, slowest {:.1} ms, {} rows, {} bytes)",
        r("batch", "seconds"),
        r("batch", "peak_rss_mib"),
        1000.0 * r("batch", "seconds") / BATCH as f64,
        1000.0 * r("batch", "slowest"),
        r("batch", "rows"),
        r("batch", "bytes")
    );
    println!("{}", Value::Object(results));
}
