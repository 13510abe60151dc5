//! A tiny builder of test exports: files plus a manifest with the right
//! sha256 and row counts, written as a directory or a zip.
#![allow(dead_code)]

use desk_core::entity::Row;
use desk_core::export::{Export, FileStats};
use desk_core::problem::Problems;
use desk_core::progress::NoProgress;
use desk_core::Error;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

pub const MEMBERS: &str = "member_id,username,email,signup_at,status,updated_at\n\
m1,ann,ann@example.com,2020-01-01T00:00:00Z,active,2026-01-01T00:00:00Z\n\
m2,bob,bob@example.com,2020-01-02T00:00:00+01:00,suspended,2026-01-01T00:00:00Z\n";

pub const CONSENT: &str = r#"{"event_id":"e1","member_id":"m1","purpose":"newsletter.parenting_news","action":"granted","occurred_at":"2020-01-01T00:00:00Z","source":"registration"}
"#;

/// One file of a test export, as stored.
#[derive(Clone, Debug)]
pub struct TestFile {
    pub path: String,
    pub entity: String,
    pub bytes: Vec<u8>,
    pub rows: u64,
}

impl TestFile {
    /// A file from its (decompressed) text; gzip-compressed when the path
    /// ends in `.gz`; entity from the name; rows counted from the text.
    pub fn new(path: &str, text: &str) -> TestFile {
        Self::from_bytes(path, text.as_bytes())
    }

    pub fn from_bytes(path: &str, text: &[u8]) -> TestFile {
        let plain = path.strip_suffix(".gz").unwrap_or(path);
        let (entity, ext) = plain.rsplit_once('.').unwrap();
        let rows = if ext == "csv" {
            let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(text);
            r.byte_records().count() as u64
        } else {
            text.split(|&b| b == b'\n')
                .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                .count() as u64
        };
        let bytes = if path.ends_with(".gz") {
            let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            g.write_all(text).unwrap();
            g.finish().unwrap()
        } else {
            text.to_vec()
        };
        TestFile {
            path: path.into(),
            entity: entity.into(),
            bytes,
            rows,
        }
    }

    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.bytes))
    }
}

/// The manifest of a full export of these files.
pub fn manifest(files: &[TestFile]) -> Value {
    json!({
        "format": "forum-export",
        "format_version": 1,
        "site": "netmums",
        "kind": "full",
        "sequence": 42,
        "base_sequence": null,
        "generated_at": "2026-11-21T02:00:00Z",
        "files": files.iter().map(|f| json!({
            "path": f.path,
            "entity": f.entity,
            "rows": f.rows,
            "sha256": f.sha256(),
        })).collect::<Vec<_>>(),
    })
}

/// The two required files, valid.
pub fn basic() -> Vec<TestFile> {
    vec![
        TestFile::new("members.csv", MEMBERS),
        TestFile::new("consent_events.jsonl", CONSENT),
    ]
}

/// Pretty-printed: `files[i]` starts at line 10 + 6i, its path, entity,
/// rows and sha256 keys on the following lines.
pub fn text(manifest: &Value) -> String {
    serde_json::to_string_pretty(manifest).unwrap()
}

/// Write a directory export.
pub fn write_dir(dir: &Path, manifest: Option<&str>, files: &[TestFile]) {
    std::fs::create_dir_all(dir).unwrap();
    if let Some(m) = manifest {
        std::fs::write(dir.join("manifest.json"), m).unwrap();
    }
    for f in files {
        std::fs::write(dir.join(&f.path), &f.bytes).unwrap();
    }
}

/// Write a zip export, its files under `prefix/` if given.
pub fn write_zip(path: &Path, prefix: Option<&str>, manifest: &str, files: &[TestFile]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let name = |n: &str| match prefix {
        Some(p) => format!("{p}/{n}"),
        None => n.to_string(),
    };
    if let Some(p) = prefix {
        z.add_directory(format!("{p}/"), opts).unwrap();
    }
    z.start_file(name("manifest.json"), opts).unwrap();
    z.write_all(manifest.as_bytes()).unwrap();
    for f in files {
        z.start_file(name(&f.path), opts).unwrap();
        z.write_all(&f.bytes).unwrap();
    }
    z.finish().unwrap();
}

/// The problems of a refused open, as strings.
pub fn refused(path: &Path) -> Vec<String> {
    match Export::open(path) {
        Err(Error::Refused(p)) => strings(&p),
        Err(e) => panic!("expected a refusal, got {e}"),
        Ok(_) => panic!("expected a refusal, the export opened"),
    }
}

pub fn strings(p: &Problems) -> Vec<String> {
    p.items().iter().map(|p| p.to_string()).collect()
}

/// Read one entity's file: the rows given to the sink, the problems, the stats.
pub fn read(export: &mut Export, entity: &str) -> (Vec<Row>, Vec<String>, FileStats) {
    let file = export
        .manifest()
        .files
        .iter()
        .find(|f| f.entity.name() == entity)
        .unwrap()
        .clone();
    let mut problems = Problems::default();
    let mut rows = Vec::new();
    let stats = export
        .read_file(&file, &mut problems, &NoProgress, &mut |r| {
            rows.push(r);
            Ok(())
        })
        .unwrap();
    (rows, strings(&problems), stats)
}

/// Open a directory export of these files (with a correct manifest) and
/// read one entity.
pub fn read_one(files: &[TestFile], entity: &str) -> (Vec<Row>, Vec<String>, FileStats) {
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), Some(&text(&manifest(files))), files);
    let mut export = Export::open(dir.path()).unwrap();
    read(&mut export, entity)
}

/// `files` with the one of `path` replaced (or added).
pub fn with(path: &str, text: &str) -> Vec<TestFile> {
    let mut files: Vec<TestFile> = basic()
        .into_iter()
        .filter(|f| f.entity != path.split('.').next().unwrap())
        .collect();
    files.push(TestFile::new(path, text));
    files
}
