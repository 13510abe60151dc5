//! The manifest's `files` (contract §2): each entry's entity, path, row
//! count and checksum, each entity listed once, every required one listed.

use super::{Checked, FileLines, Report};
use crate::entity::Entity;
use crate::export::{ExportKind, ManifestFile, MANIFEST_NAME};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Check every entry of `files`; returns the sound ones. Fills in
/// `out.file_lines` (one per entry) and `out.listed`.
pub(super) fn check(
    list: &[Value],
    kind: Option<ExportKind>,
    r: &mut Report<'_>,
    out: &mut Checked,
) -> Vec<ManifestFile> {
    let mut seen: HashMap<Entity, usize> = HashMap::new();
    let mut files = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let entry = format!("files[{i}]");
        let entry_line = r.lines.get(&entry);
        let at = |k: &str| r.lines.get_or(&format!("{entry}.{k}"), &entry);
        out.file_lines.push(FileLines {
            path: at("path"),
            rows: at("rows"),
            sha256: at("sha256"),
        });
        let Value::Object(f) = item else {
            r.problems
                .add(MANIFEST_NAME, entry_line, entry, "not a JSON object");
            continue;
        };
        let mut e = Entry { i, r };
        if let Some(file) = e.check(f, kind, &mut seen, &mut out.listed, entry_line) {
            files.push(file);
        }
    }
    for e in Entity::ALL.into_iter().filter(|e| e.required()) {
        if !seen.contains_key(&e) {
            r.problems.add(
                MANIFEST_NAME,
                out.files_line,
                "files",
                format!("{e} is required but not listed"),
            );
        }
    }
    files
}

/// One entry, `files[i]`: its problems point at the line of their key.
struct Entry<'r, 'a> {
    i: usize,
    r: &'r mut Report<'a>,
}

impl Entry<'_, '_> {
    fn bad(&mut self, k: &str, msg: impl Into<String>) {
        let i = self.i;
        let key = format!("files[{i}].{k}");
        let line = self.r.lines.get_or(&key, &format!("files[{i}]"));
        self.r.problems.add(MANIFEST_NAME, line, key, msg);
    }

    fn check(
        &mut self,
        f: &Map<String, Value>,
        kind: Option<ExportKind>,
        seen: &mut HashMap<Entity, usize>,
        listed: &mut Vec<(usize, String)>,
        entry_line: u64,
    ) -> Option<ManifestFile> {
        let entity = self.entity(f.get("entity"));
        let path = self.path(f.get("path"), listed);
        let gzip = self.layout(path.as_deref(), entity);
        let rows = self.rows(f.get("rows"));
        let sha256 = self.sha256(f.get("sha256"));
        if let Some(e) = entity {
            self.listed_once(e, kind, seen);
        }
        Some(ManifestFile {
            path: path?,
            entity: entity?,
            rows: rows?,
            sha256: sha256?,
            gzip,
            index: self.i,
            manifest_line: entry_line,
        })
    }

    fn entity(&mut self, v: Option<&Value>) -> Option<Entity> {
        match v {
            Some(Value::String(s)) => match Entity::from_name(s) {
                Some(e) => Some(e),
                None => {
                    self.bad("entity", "not an entity this desk knows");
                    None
                }
            },
            None => {
                self.bad("entity", "required key is missing");
                None
            }
            Some(_) => {
                self.bad("entity", "must be an entity name (a JSON string)");
                None
            }
        }
    }

    /// A plain file name is also listed for the layout check.
    fn path(&mut self, v: Option<&Value>, listed: &mut Vec<(usize, String)>) -> Option<String> {
        match v {
            Some(Value::String(s)) if plain_file_name(s) => {
                listed.push((self.i, s.clone()));
                Some(s.clone())
            }
            None => {
                self.bad("path", "required key is missing");
                None
            }
            Some(_) => {
                self.bad("path", "must be a plain file name");
                None
            }
        }
    }

    /// Whether the path is the entity's gzipped file (else its plain one,
    /// or a problem).
    fn layout(&mut self, path: Option<&str>, entity: Option<Entity>) -> bool {
        let (Some(path), Some(entity)) = (path, entity) else {
            return false;
        };
        let plain = entity.file_name();
        if path == plain {
            false
        } else if path == format!("{plain}.gz") {
            true
        } else {
            self.bad(
                "path",
                format!("must be {plain} or {plain}.gz for entity {entity}"),
            );
            false
        }
    }

    fn rows(&mut self, v: Option<&Value>) -> Option<u64> {
        match v {
            Some(v) if v.as_u64().is_some() => v.as_u64(),
            None => {
                self.bad("rows", "required key is missing");
                None
            }
            Some(_) => {
                self.bad("rows", "must be a whole number of at least 0");
                None
            }
        }
    }

    fn sha256(&mut self, v: Option<&Value>) -> Option<String> {
        match v {
            Some(Value::String(s)) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some(s.to_ascii_lowercase())
            }
            None => {
                self.bad("sha256", "required key is missing");
                None
            }
            Some(_) => {
                self.bad("sha256", "not 64 hexadecimal digits");
                None
            }
        }
    }

    /// Each entity once; deletions only in a delta.
    fn listed_once(
        &mut self,
        e: Entity,
        kind: Option<ExportKind>,
        seen: &mut HashMap<Entity, usize>,
    ) {
        if let Some(first) = seen.get(&e) {
            self.bad(
                "entity",
                format!("{e} is listed twice (also files[{first}])"),
            );
        } else {
            seen.insert(e, self.i);
        }
        if e == Entity::Deletions && kind == Some(ExportKind::Full) {
            self.bad("entity", "deletions is only allowed in a delta export");
        }
    }
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
