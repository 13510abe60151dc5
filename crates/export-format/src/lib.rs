//! The production export format (`production-export-v1.md`) as types: the
//! entities with their files and fields, and the manifest. Shared by the
//! desk's core, which reads and checks exports, and by the generator, which
//! writes them. No I/O here.

pub mod entity;
pub mod manifest;
pub mod tcf;

pub use entity::{Entity, Field, FieldType, Format, Row, DROPPED_FIELD, PURPOSES};
pub use manifest::{ExportKind, Manifest, ManifestFile, FORMAT, FORMAT_VERSION, MANIFEST_NAME};
