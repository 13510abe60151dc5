//! `manifest.json`: parsing, checking (contract §2) and the line of each key,
//! so that every problem points at the line that is wrong: the top-level
//! keys ([`header`]), the `files` entries ([`files`]), and where each key is
//! ([`lines`]).

mod files;
mod header;
mod lines;

use super::{Manifest, ManifestFile, MANIFEST_NAME};
use crate::problem::Problems;
use header::Header;
pub(crate) use lines::KeyLines;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The lines (1-based) of the keys of one `files[i]` entry that file-level
/// problems point at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FileLines {
    pub path: u64,
    pub rows: u64,
    pub sha256: u64,
}

/// What checking a manifest found: the manifest if it is sound, the entries
/// whose path is usable for the layout check, and the lines problems need.
#[derive(Debug)]
pub(crate) struct Checked {
    pub manifest: Option<Manifest>,
    /// `(index, path)` of every `files[i]` whose path is a plain file name.
    pub listed: Vec<(usize, String)>,
    /// The line of the `files` key (or 1).
    pub files_line: u64,
    /// Per `files[i]`: the lines of its keys.
    pub file_lines: Vec<FileLines>,
}

/// Where the manifest's problems go, each at the line of its key.
pub(super) struct Report<'a> {
    lines: &'a KeyLines,
    problems: &'a mut Problems,
}

impl Report<'_> {
    /// A problem with a top-level key.
    fn key(&mut self, key: &str, msg: &str) {
        self.problems
            .add(MANIFEST_NAME, self.lines.get(key), key, msg);
    }
}

/// Check the manifest's text. Problems are added to `problems`.
pub(crate) fn check(text: &[u8], problems: &mut Problems) -> Checked {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let mut out = Checked {
        manifest: None,
        listed: Vec::new(),
        files_line: 1,
        file_lines: Vec::new(),
    };
    let value: Value = match serde_json::from_slice(text) {
        Ok(v) => v,
        Err(e) => {
            problems.add(
                MANIFEST_NAME,
                e.line().max(1) as u64,
                "manifest",
                format!("not valid JSON ({})", json_error_text(&e)),
            );
            return out;
        }
    };
    let lines = KeyLines::scan(text);
    let Value::Object(obj) = &value else {
        problems.add(
            MANIFEST_NAME,
            lines.get(""),
            "manifest",
            "not a JSON object",
        );
        return out;
    };
    let before = problems.total();
    let mut r = Report {
        lines: &lines,
        problems,
    };
    let header = Header::check(obj, &mut r);
    out.files_line = lines.get("files");
    let files = match obj.get("files") {
        None => {
            r.key("files", "required key is missing");
            Vec::new()
        }
        Some(Value::Array(list)) => files::check(list, header.kind, &mut r, &mut out),
        Some(_) => {
            r.key("files", "must be a list");
            Vec::new()
        }
    };
    if r.problems.total() == before {
        out.manifest = manifest(header, files);
    }
    out
}

/// The manifest of a sound header and its files, fingerprinted.
fn manifest(h: Header, files: Vec<ManifestFile>) -> Option<Manifest> {
    let (Some(kind), Some(sequence)) = (h.kind, h.sequence) else {
        return None;
    };
    let mut m = Manifest {
        format: h.format,
        format_version: h.format_version,
        site: h.site,
        kind,
        sequence,
        base_sequence: h.base_sequence,
        generated_at: h.generated_at,
        files,
        fingerprint: String::new(),
    };
    m.fingerprint = fingerprint(&m);
    Some(m)
}

/// The sha256 (hex) of a canonical form of what identifies an export: a
/// compact JSON object with fixed key order and the files sorted by path.
pub(crate) fn fingerprint(m: &Manifest) -> String {
    let mut files: Vec<&ManifestFile> = m.files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let canonical = serde_json::json!({
        "format": m.format,
        "format_version": m.format_version,
        "site": m.site,
        "kind": m.kind,
        "sequence": m.sequence,
        "base_sequence": m.base_sequence,
        "generated_at": m.generated_at,
        "files": files.iter().map(|f| serde_json::json!({
            "path": f.path,
            "entity": f.entity.name(),
            "rows": f.rows,
            "sha256": f.sha256.to_ascii_lowercase(),
        })).collect::<Vec<_>>(),
    });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// A serde_json error's message without its position (reported separately).
/// serde_json's syntax messages say what was expected, never the input.
pub(crate) fn json_error_text(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::Entity;
    use crate::export::ExportKind;

    const GOOD: &str = r#"{
  "format": "forum-export",
  "format_version": 1,
  "site": "netmums",
  "kind": "full",
  "sequence": 42,
  "base_sequence": null,
  "generated_at": "2026-11-21T02:00:00Z",
  "generator": {"name": "x", "nested": {"deep": [1, 2, {"a": "b"}]}},
  "files": [
    {"path": "members.csv.gz", "entity": "members", "rows": 3,
     "sha256": "9f2c0000000000000000000000000000000000000000000000000000000000ab"},
    {
      "path": "consent_events.jsonl",
      "entity": "consent_events",
      "rows": 0,
      "sha256": "0000000000000000000000000000000000000000000000000000000000000000"
    }
  ]
}"#;

    fn run(text: &str) -> (Checked, Vec<String>) {
        let mut p = Problems::default();
        let c = check(text.as_bytes(), &mut p);
        (c, p.items().iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn key_lines() {
        let l = KeyLines::scan(GOOD.as_bytes());
        assert_eq!(l.get("format"), 2);
        assert_eq!(l.get("files"), 10);
        assert_eq!(l.get("files[0]"), 11);
        assert_eq!(l.get("files[0].sha256"), 12);
        assert_eq!(l.get("files[1]"), 13);
        assert_eq!(l.get("files[1].rows"), 16);
        assert_eq!(l.get("generator.nested"), 9);
        assert_eq!(l.get("nope"), 1);
    }

    #[test]
    fn good_manifest() {
        let (c, problems) = run(GOOD);
        assert!(problems.is_empty(), "{problems:?}");
        let m = c.manifest.unwrap();
        assert_eq!(m.site, "netmums");
        assert_eq!(m.kind, ExportKind::Full);
        assert_eq!(m.files.len(), 2);
        assert!(m.files[0].gzip);
        assert_eq!(m.files[0].entity, Entity::Members);
        assert_eq!(m.files[1].manifest_line, 13);
        assert_eq!(c.file_lines[1].sha256, 17);
        assert_eq!(m.fingerprint.len(), 64);
        // The fingerprint ignores unknown keys and layout, not content.
        let (c2, _) = run(&GOOD.replace("\"generator\"", "\"other\""));
        assert_eq!(c2.manifest.unwrap().fingerprint, m.fingerprint);
        let (c3, _) = run(&GOOD.replace("\"rows\": 3", "\"rows\": 4"));
        assert_ne!(c3.manifest.unwrap().fingerprint, m.fingerprint);
    }

    #[test]
    fn bad_json_reports_its_line() {
        let (c, p) = run("{\n  \"format\": \"forum-export\",\n  oops\n}");
        assert!(c.manifest.is_none());
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with("manifest.json:3: manifest: not valid JSON"),
            "{p:?}"
        );
        let (_, p) = run("[1]");
        assert_eq!(p, vec!["manifest.json:1: manifest: not a JSON object"]);
    }
}
