//! Hostile exports: decompression bombs and files far longer than their
//! manifest says are stopped quickly, in place, writing nothing.

mod export_support;

use desk_core::export::Export;
use export_support::*;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const MIB: usize = 1024 * 1024;

/// A zip export whose `name` entry is `head` then `count` MiB of `fill`,
/// deflated; the manifest lists it with `rows` rows and a made-up checksum.
fn bomb_zip(dir: &Path, name: &str, head: &[u8], fill: &[u8], count: usize, rows: u64) -> PathBuf {
    let chunk = fill.repeat(MIB / fill.len());
    bomb_zip_with(dir, name, rows, |w| {
        w.write_all(head).unwrap();
        for _ in 0..count {
            w.write_all(&chunk).unwrap();
        }
    })
}

/// A zip export whose `name` entry is written by `write`, streamed.
fn bomb_zip_with(dir: &Path, name: &str, rows: u64, write: impl FnOnce(&mut dyn Write)) -> PathBuf {
    let mut files = basic();
    files.retain(|f| f.path != name);
    let mut m = manifest(&files);
    let entity = name.split('.').next().unwrap();
    m["files"].as_array_mut().unwrap().push(json!({
        "path": name, "entity": entity, "rows": rows, "sha256": "0".repeat(64),
    }));
    let path = dir.join("bomb.zip");
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

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Open and read `entity`; the problems, checking speed and that nothing
/// was written next to the archive or in the system's temp directory root.
fn read_bomb(path: &Path, entity: &str) -> Vec<String> {
    let dir = path.parent().unwrap();
    let before = listing(dir);
    let start = Instant::now();
    let mut export = Export::open(path).unwrap();
    let (rows, problems, _) = read(&mut export, entity);
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "reading the bomb took {took:?}"
    );
    assert!(rows.len() <= 10);
    assert_eq!(listing(dir), before, "nothing is written");
    problems
}

#[test]
fn a_csv_line_without_end_stops_at_the_record_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = bomb_zip(dir.path(), "members.csv", b"", b"a", 400, 1);
    let problems = read_bomb(&path, "members");
    assert_eq!(
        problems,
        vec!["members.csv:1: row: more than 16777216 bytes without a complete record; reading stopped"]
    );
}

#[test]
fn a_jsonl_line_without_end_stops_at_the_line_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = bomb_zip(dir.path(), "consent_events.jsonl", b"", b"a", 400, 1);
    let problems = read_bomb(&path, "consent_events");
    assert_eq!(
        problems,
        vec!["consent_events.jsonl:1: row: line is longer than 16777216 bytes; reading stopped"]
    );
}

#[test]
fn many_more_rows_than_the_manifest_says_stop_early() {
    let dir = tempfile::tempdir().unwrap();
    let head = b"member_id,username,email,signup_at,status,updated_at\n";
    let row = b"m1,ann,a@x.org,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z\n";
    let path = bomb_zip(dir.path(), "members.csv", head, row, 300, 10);
    let problems = read_bomb(&path, "members");
    assert_eq!(
        problems,
        vec!["members.csv: rows: the manifest says 10 rows, the file has more (manifest.json:19)"]
    );
}

#[test]
fn a_run_of_blank_csv_lines_stops_at_the_record_cap() {
    let dir = tempfile::tempdir().unwrap();
    let head = b"member_id,username,email,signup_at,status,updated_at\n";
    let path = bomb_zip(dir.path(), "members.csv", head, b"\n", 300, 0);
    let problems = read_bomb(&path, "members");
    assert_eq!(
        problems,
        vec!["members.csv:2: row: more than 16777216 bytes without a complete record; reading stopped"]
    );
}

/// JSONL rows of about 15 MiB each: every line is valid and within the line
/// cap, and the manifest's row count is not exceeded before the size cap.
fn big_event(i: usize) -> Vec<u8> {
    let evidence = "a".repeat(15 * MIB);
    format!(
        r#"{{"event_id":"e{i}","member_id":"m1","purpose":"p","action":"granted","occurred_at":"2020-01-01T00:00:00Z","source":"cmp","evidence":"{evidence}"}}"#
    )
    .into_bytes()
}

/// Read without keeping rows (they are big); the problems and stats.
fn read_dropping(export: &mut Export, entity: &str) -> (Vec<String>, desk_core::export::FileStats) {
    let file = export
        .manifest()
        .files
        .iter()
        .find(|f| f.entity.name() == entity)
        .unwrap()
        .clone();
    let mut problems = desk_core::problem::Problems::default();
    let stats = export
        .read_file(
            &file,
            &mut problems,
            &desk_core::progress::NoProgress,
            &mut |_| Ok(()),
        )
        .unwrap();
    (strings(&problems), stats)
}

const BOMB_MSG: &str =
    ": file: decompresses to more than 268435456 bytes; refused as a likely decompression bomb";

#[test]
fn a_zip_entry_that_inflates_past_the_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = bomb_zip_with(dir.path(), "consent_events.jsonl", 20, |w| {
        for i in 0..20 {
            w.write_all(&big_event(i)).unwrap();
            w.write_all(b"\n").unwrap();
        }
    });
    let before = listing(dir.path());
    let start = Instant::now();
    let mut export = Export::open(&path).unwrap();
    let (problems, stats) = read_dropping(&mut export, "consent_events");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(listing(dir.path()), before);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0], format!("consent_events.jsonl:18{BOMB_MSG}"));
    assert!(stats.stored_bytes <= 268_435_456);
}

#[test]
fn a_gzip_member_that_inflates_past_the_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..20 {
        g.write_all(&big_event(i)).unwrap();
        g.write_all(b"\n").unwrap();
    }
    let gz = g.finish().unwrap();
    let mut files = basic();
    files[1] = TestFile {
        path: "consent_events.jsonl.gz".into(),
        entity: "consent_events".into(),
        bytes: gz,
        rows: 20,
    };
    write_dir(dir.path(), Some(&text(&manifest(&files))), &files);
    let before = listing(dir.path());
    let start = Instant::now();
    let mut export = Export::open(dir.path()).unwrap();
    let (problems, stats) = read_dropping(&mut export, "consent_events");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(listing(dir.path()), before);
    assert_eq!(
        problems,
        vec![format!("consent_events.jsonl.gz:18{BOMB_MSG}")]
    );
    assert!(stats.bytes <= 268_435_456);
}

#[test]
fn a_damaged_gzip_member_is_a_problem() {
    let good = TestFile::new(
        "consent_events.jsonl.gz",
        &format!("{}\n{}", CONSENT.trim(), CONSENT.trim()),
    );
    // A broken header, and a stream cut short.
    let mut header = good.clone();
    header.bytes[0] = 0;
    let mut cut = good.clone();
    cut.bytes.truncate(good.bytes.len() - 12);
    for (bad, line) in [(header, 1), (cut, 2)] {
        let mut files = basic();
        files[1] = bad;
        let (_, problems, _) = read_one(&files, "consent_events");
        assert_eq!(problems.len(), 1, "{problems:?}");
        let want = format!("consent_events.jsonl.gz:{line}: file: not valid gzip data (");
        assert!(
            problems[0].starts_with(&want) && problems[0].ends_with("); reading stopped"),
            "{problems:?}"
        );
    }
}
