//! `manifest.json` (contract §2) as data: what a checked manifest says.
//! Parsing and checking it is the reader's business (the core).

use crate::entity::Entity;
use serde::{Deserialize, Serialize};

/// The manifest's file name.
pub const MANIFEST_NAME: &str = "manifest.json";

/// The manifest's `format`.
pub const FORMAT: &str = "forum-export";

/// The manifest's `format_version` this format describes.
pub const FORMAT_VERSION: i64 = 1;

/// Whether an export is the whole truth for its site or changes since another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
    /// The whole truth for the site at `generated_at`.
    Full,
    /// Rows created, changed or deleted since `base_sequence`.
    Delta,
}

impl ExportKind {
    /// `full` or `delta`.
    pub fn name(self) -> &'static str {
        match self {
            ExportKind::Full => "full",
            ExportKind::Delta => "delta",
        }
    }
}

/// A checked `manifest.json` (contract §2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// Always `forum-export`.
    pub format: String,
    /// Always 1.
    pub format_version: i64,
    /// The site: non-empty `[a-z0-9_-]`.
    pub site: String,
    /// Full or delta.
    pub kind: ExportKind,
    /// At least 1; grows with every export of the site.
    pub sequence: i64,
    /// For a delta, the sequence it applies on (below `sequence`); `None` for a full export.
    pub base_sequence: Option<i64>,
    /// RFC 3339 with an offset, as given.
    pub generated_at: String,
    /// The listed files, in the manifest's order.
    pub files: Vec<ManifestFile>,
    /// The sha256 (hex) of a canonical form of format, version, site, kind,
    /// sequence, base_sequence, generated_at and each file's path, entity,
    /// rows and sha256 (files sorted by path): recognises a re-sent export.
    pub fingerprint: String,
}

impl Manifest {
    /// The listed file of an entity, if any.
    pub fn file(&self, entity: Entity) -> Option<&ManifestFile> {
        self.files.iter().find(|f| f.entity == entity)
    }
}

/// One entry of the manifest's `files`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ManifestFile {
    /// The file name as listed, e.g. `posts.jsonl.gz`.
    pub path: String,
    /// The entity the file holds.
    pub entity: Entity,
    /// The number of data rows the manifest promises.
    pub rows: u64,
    /// The sha256 of the stored bytes (lower-case hex).
    pub sha256: String,
    /// Whether the file is gzip-compressed (its path ends in `.gz`).
    pub gzip: bool,
    /// Its position in the manifest's `files`.
    pub index: usize,
    /// The line of the manifest where this entry starts.
    pub manifest_line: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_serialise_as_their_names() {
        for k in [ExportKind::Full, ExportKind::Delta] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
            let back: ExportKind = serde_json::from_value(k.name().into()).unwrap();
            assert_eq!(back, k);
        }
    }

    #[test]
    fn file_finds_the_entry_of_an_entity() {
        let entry = |entity: Entity, index| ManifestFile {
            path: entity.file_name(),
            entity,
            rows: 0,
            sha256: "0".repeat(64),
            gzip: false,
            index,
            manifest_line: 1,
        };
        let m = Manifest {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            site: "netmums".into(),
            kind: ExportKind::Full,
            sequence: 1,
            base_sequence: None,
            generated_at: "2026-11-21T02:00:00Z".into(),
            files: vec![entry(Entity::Members, 0), entry(Entity::Posts, 1)],
            fingerprint: String::new(),
        };
        assert_eq!(m.file(Entity::Posts).map(|f| f.index), Some(1));
        assert!(m.file(Entity::Reviews).is_none());
    }
}
