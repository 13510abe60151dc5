//! `manifest.json`: parsing, checking (contract §2) and the line of each key,
//! so that every problem points at the line that is wrong.

use super::{ExportKind, Manifest, ManifestFile, MANIFEST_NAME};
use crate::entity::Entity;
use crate::problem::Problems;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

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
    let mut p = |key: &str, msg: &str| {
        problems.add(MANIFEST_NAME, lines.get(key), key, msg);
    };

    let format = match obj.get("format") {
        Some(Value::String(s)) if s == "forum-export" => s.clone(),
        None => {
            p("format", "required key is missing");
            String::new()
        }
        Some(_) => {
            p("format", "must be \"forum-export\"");
            String::new()
        }
    };
    let format_version = match obj.get("format_version") {
        Some(v) if v.as_i64() == Some(1) => 1,
        None => {
            p("format_version", "required key is missing");
            0
        }
        Some(v) if v.as_i64().is_some() => {
            p(
                "format_version",
                "this desk reads format version 1 only; use a newer desk",
            );
            0
        }
        Some(_) => {
            p("format_version", "must be the whole number 1");
            0
        }
    };
    let site = match obj.get("site") {
        Some(Value::String(s)) if valid_site(s) => s.clone(),
        None => {
            p("site", "required key is missing");
            String::new()
        }
        Some(_) => {
            p(
                "site",
                "must be non-empty text of lower-case letters a-z, digits, _ and -",
            );
            String::new()
        }
    };
    let kind = match obj.get("kind").and_then(Value::as_str) {
        Some("full") => Some(ExportKind::Full),
        Some("delta") => Some(ExportKind::Delta),
        _ if obj.get("kind").is_none() => {
            p("kind", "required key is missing");
            None
        }
        _ => {
            p("kind", "must be one of full, delta");
            None
        }
    };
    let sequence = match obj.get("sequence") {
        Some(v) if v.as_i64().is_some_and(|n| n >= 1) => v.as_i64(),
        None => {
            p("sequence", "required key is missing");
            None
        }
        Some(_) => {
            p("sequence", "must be a whole number of at least 1");
            None
        }
    };
    let base_sequence = match (kind, obj.get("base_sequence")) {
        (Some(ExportKind::Full), None | Some(Value::Null)) => None,
        (Some(ExportKind::Full), Some(_)) => {
            p("base_sequence", "must be null for a full export");
            None
        }
        (Some(ExportKind::Delta), Some(v)) if v.as_i64().is_some() => {
            let b = v.as_i64();
            if let (Some(b), Some(s)) = (b, sequence) {
                if b >= s {
                    p(
                        "base_sequence",
                        "must be below sequence (a delta applies on an earlier export)",
                    );
                }
            }
            b
        }
        (Some(ExportKind::Delta), None) => {
            p(
                "base_sequence",
                "required key is missing (a delta names the export it applies on)",
            );
            None
        }
        (Some(ExportKind::Delta), Some(_)) => {
            p(
                "base_sequence",
                "must be a whole number for a delta export (the sequence it applies on)",
            );
            None
        }
        (None, _) => None,
    };
    let generated_at = match obj.get("generated_at") {
        Some(Value::String(s)) if super::parse::valid_ts(s) => s.clone(),
        None => {
            p("generated_at", "required key is missing");
            String::new()
        }
        Some(_) => {
            p("generated_at", "not an RFC 3339 timestamp with an offset");
            String::new()
        }
    };

    out.files_line = lines.get("files");
    let mut files = Vec::new();
    match obj.get("files") {
        None => p("files", "required key is missing"),
        Some(Value::Array(list)) => {
            let mut seen: HashMap<Entity, usize> = HashMap::new();
            for (i, item) in list.iter().enumerate() {
                let at = |k: &str| {
                    let key = format!("files[{i}].{k}");
                    let l = lines.get_or(&key, &format!("files[{i}]"));
                    (key, l)
                };
                let entry_line = lines.get(&format!("files[{i}]"));
                out.file_lines.push(FileLines {
                    path: at("path").1,
                    rows: at("rows").1,
                    sha256: at("sha256").1,
                });
                let Value::Object(f) = item else {
                    problems.add(
                        MANIFEST_NAME,
                        entry_line,
                        format!("files[{i}]"),
                        "not a JSON object",
                    );
                    continue;
                };
                let mut bad = |k: &str, msg: String| {
                    let (key, l) = at(k);
                    problems.add(MANIFEST_NAME, l, key, msg);
                };
                let entity = match f.get("entity") {
                    Some(Value::String(s)) => match Entity::from_name(s) {
                        Some(e) => Some(e),
                        None => {
                            bad("entity", "not an entity this desk knows".into());
                            None
                        }
                    },
                    None => {
                        bad("entity", "required key is missing".into());
                        None
                    }
                    Some(_) => {
                        bad("entity", "must be an entity name (a JSON string)".into());
                        None
                    }
                };
                let path = match f.get("path") {
                    Some(Value::String(s)) if plain_file_name(s) => {
                        out.listed.push((i, s.clone()));
                        Some(s.clone())
                    }
                    None => {
                        bad("path", "required key is missing".into());
                        None
                    }
                    Some(_) => {
                        bad("path", "must be a plain file name".into());
                        None
                    }
                };
                let mut gzip = false;
                if let (Some(path), Some(entity)) = (&path, entity) {
                    let plain = entity.file_name();
                    if *path == plain {
                    } else if *path == format!("{plain}.gz") {
                        gzip = true;
                    } else {
                        bad(
                            "path",
                            format!("must be {plain} or {plain}.gz for entity {entity}"),
                        );
                    }
                }
                let rows = match f.get("rows") {
                    Some(v) if v.as_u64().is_some() => v.as_u64(),
                    None => {
                        bad("rows", "required key is missing".into());
                        None
                    }
                    Some(_) => {
                        bad("rows", "must be a whole number of at least 0".into());
                        None
                    }
                };
                let sha256 = match f.get("sha256") {
                    Some(Value::String(s))
                        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) =>
                    {
                        Some(s.to_ascii_lowercase())
                    }
                    None => {
                        bad("sha256", "required key is missing".into());
                        None
                    }
                    Some(_) => {
                        bad("sha256", "not 64 hexadecimal digits".into());
                        None
                    }
                };
                if let Some(e) = entity {
                    if let Some(first) = seen.get(&e) {
                        bad(
                            "entity",
                            format!("{e} is listed twice (also files[{first}])"),
                        );
                    } else {
                        seen.insert(e, i);
                    }
                    if e == Entity::Deletions && kind == Some(ExportKind::Full) {
                        bad(
                            "entity",
                            "deletions is only allowed in a delta export".into(),
                        );
                    }
                }
                if let (Some(path), Some(entity), Some(rows), Some(sha256)) =
                    (path, entity, rows, sha256)
                {
                    files.push(ManifestFile {
                        path,
                        entity,
                        rows,
                        sha256,
                        gzip,
                        index: i,
                        manifest_line: entry_line,
                    });
                }
            }
            for e in Entity::ALL.into_iter().filter(|e| e.required()) {
                if !seen.contains_key(&e) {
                    problems.add(
                        MANIFEST_NAME,
                        out.files_line,
                        "files",
                        format!("{e} is required but not listed"),
                    );
                }
            }
        }
        Some(_) => p("files", "must be a list"),
    }

    if problems.total() == before {
        if let (Some(kind), Some(sequence)) = (kind, sequence) {
            let mut m = Manifest {
                format,
                format_version,
                site,
                kind,
                sequence,
                base_sequence,
                generated_at,
                files,
                fingerprint: String::new(),
            };
            m.fingerprint = fingerprint(&m);
            out.manifest = Some(m);
        }
    }
    out
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

fn valid_site(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// A name of a file directly inside the export: no directories, no tricks.
fn plain_file_name(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s != MANIFEST_NAME
        && !s.contains(['/', '\\', ':'])
        && !s.chars().any(char::is_control)
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

/// The line of every key (and array element) up to a small depth, by a scan
/// of JSON text that serde_json has already accepted.
#[derive(Debug, Default)]
pub(crate) struct KeyLines {
    lines: HashMap<String, u64>,
}

const MAX_KEY_DEPTH: usize = 3;

impl KeyLines {
    pub(crate) fn scan(text: &[u8]) -> KeyLines {
        let mut s = Scanner {
            b: text,
            i: 0,
            line: 1,
            out: HashMap::new(),
        };
        s.ws();
        s.out.insert(String::new(), s.line);
        s.value("", 0);
        KeyLines { lines: s.out }
    }

    /// The line of `key` (e.g. `files[2].sha256`), or of the document's start.
    pub(crate) fn get(&self, key: &str) -> u64 {
        self.get_or(key, "")
    }

    /// The line of `key`, or else of `fallback`, or else of the document's start.
    pub(crate) fn get_or(&self, key: &str, fallback: &str) -> u64 {
        self.lines
            .get(key)
            .or_else(|| self.lines.get(fallback))
            .or_else(|| self.lines.get(""))
            .copied()
            .unwrap_or(1)
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    line: u64,
    out: HashMap<String, u64>,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.i += 1;
        }
    }

    fn string(&mut self) -> String {
        // At the opening quote.
        self.i += 1;
        let mut raw = Vec::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    if let Some(e) = self.peek() {
                        self.i += 1;
                        match e {
                            b'n' => raw.push(b'\n'),
                            b't' => raw.push(b'\t'),
                            b'r' => raw.push(b'\r'),
                            b'b' => raw.push(8),
                            b'f' => raw.push(12),
                            b'u' => {
                                let hex = self.b.get(self.i..self.i + 4).unwrap_or_default();
                                self.i += 4;
                                let c = std::str::from_utf8(hex)
                                    .ok()
                                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                                    .and_then(char::from_u32)
                                    .unwrap_or('\u{FFFD}');
                                let mut buf = [0u8; 4];
                                raw.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            }
                            other => raw.push(other),
                        }
                    }
                }
                other => raw.push(other),
            }
        }
        String::from_utf8_lossy(&raw).into_owned()
    }

    fn value(&mut self, path: &str, depth: usize) {
        self.ws();
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b'"') => {
                            let key_line = self.line;
                            let key = self.string();
                            let child = if path.is_empty() {
                                key
                            } else {
                                format!("{path}.{key}")
                            };
                            if depth < MAX_KEY_DEPTH {
                                self.out.insert(child.clone(), key_line);
                            }
                            self.ws();
                            if self.peek() == Some(b':') {
                                self.i += 1;
                            }
                            self.value(&child, depth + 1);
                            self.ws();
                            if self.peek() == Some(b',') {
                                self.i += 1;
                            }
                        }
                        Some(b'}') => {
                            self.i += 1;
                            return;
                        }
                        _ => return,
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut n = 0usize;
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b']') => {
                            self.i += 1;
                            return;
                        }
                        None => return,
                        Some(_) => {
                            let child = format!("{path}[{n}]");
                            if depth < MAX_KEY_DEPTH {
                                self.out.insert(child.clone(), self.line);
                            }
                            let start = self.i;
                            self.value(&child, depth + 1);
                            self.ws();
                            if self.peek() == Some(b',') {
                                self.i += 1;
                            } else if self.i == start {
                                return;
                            }
                            n += 1;
                        }
                    }
                }
            }
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    self.i += 1;
                }
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
