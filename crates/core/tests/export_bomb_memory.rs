//! Reading hostile exports stays in bounded memory: the process's peak
//! resident size (VmHWM) grows by less than 64 MiB while several bombs are
//! read. One test alone in this binary, so that nothing else moves the peak.

mod export_support;

use desk_core::export::Export;
use desk_core::problem::Problems;
use desk_core::progress::NoProgress;
use export_support::*;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const MIB: u64 = 1024 * 1024;

fn vm_hwm() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// A zip export whose `name` entry is written by `write` (streamed, deflated).
fn zip_with(dir: &Path, name: &str, rows: u64, write: impl FnOnce(&mut dyn Write)) -> PathBuf {
    let mut files = basic();
    files.retain(|f| f.path != name);
    let mut m = manifest(&files);
    m["files"].as_array_mut().unwrap().push(json!({
        "path": name, "entity": name.split('.').next().unwrap(),
        "rows": rows, "sha256": "0".repeat(64),
    }));
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let path = dir.join(format!("{n}-{name}.zip"));
    let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    z.start_file("manifest.json", opts).unwrap();
    z.write_all(text(&m).as_bytes()).unwrap();
    for f in &files {
        z.start_file(f.path.as_str(), opts).unwrap();
        z.write_all(&f.bytes).unwrap();
    }
    z.start_file(name, opts).unwrap();
    write(&mut z);
    z.finish().unwrap();
    path
}

fn repeated(w: &mut dyn Write, head: &[u8], fill: &[u8], mib: usize) {
    w.write_all(head).unwrap();
    let chunk = fill.repeat(MIB as usize / fill.len());
    for _ in 0..mib {
        w.write_all(&chunk).unwrap();
    }
}

#[test]
fn bombs_are_read_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let header = b"member_id,username,email,signup_at,status,updated_at\n";
    let row = b"m1,ann,a@x.org,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z\n";
    let bombs = [
        (
            zip_with(dir.path(), "consent_events.jsonl", 1, |w| {
                repeated(w, b"", b"a", 300)
            }),
            "consent_events",
        ),
        (
            zip_with(dir.path(), "members.csv", 1, |w| {
                repeated(w, b"", b"a", 300)
            }),
            "members",
        ),
        (
            zip_with(dir.path(), "members.csv", 1, |w| {
                repeated(w, b"", b"\"", 1);
                repeated(w, b"", b"a", 300)
            }),
            "members",
        ),
        (
            zip_with(dir.path(), "members.csv", 0, |w| {
                repeated(w, header, b"\n", 300)
            }),
            "members",
        ),
        (
            zip_with(dir.path(), "members.csv", 5, |w| {
                repeated(w, header, row, 300)
            }),
            "members",
        ),
        (
            // Rows near the line cap, until the decompressed-size cap.
            zip_with(dir.path(), "posts.jsonl", 40, |w| {
                // Written in pieces, so that building it does not raise the peak.
                let piece = vec![b'b'; MIB as usize];
                for i in 0..40 {
                    write!(
                        w,
                        r#"{{"post_id":"p{i}","member_id":"m1","thread_id":"t","posted_at":"2026-01-01T00:00:00Z","status":"visible","body":""#
                    )
                    .unwrap();
                    for _ in 0..15 {
                        w.write_all(&piece).unwrap();
                    }
                    w.write_all(b"\"}\n").unwrap();
                }
            }),
            "posts",
        ),
    ];

    let before = vm_hwm();
    for (path, entity) in &bombs {
        let mut export = Export::open(path).unwrap();
        let file = export
            .manifest()
            .files
            .iter()
            .find(|f| f.entity.name() == *entity)
            .unwrap()
            .clone();
        let mut problems = Problems::default();
        export
            .read_file(&file, &mut problems, &NoProgress, &mut |_| Ok(()))
            .unwrap();
        assert!(!problems.is_empty(), "{}", path.display());
        let grown = vm_hwm().saturating_sub(before);
        eprintln!(
            "{}: {} -> peak grew by {} MiB",
            path.display(),
            problems,
            grown / MIB
        );
    }
    let grown = vm_hwm().saturating_sub(before);
    assert!(grown < 64 * MIB, "peak memory grew by {} MiB", grown / MIB);
}
