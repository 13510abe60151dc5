//! TEMPORARY compile shim; replaced by the export branch at merge.
#![allow(dead_code, unused_variables, clippy::todo)]
use crate::entity::{Entity, Row};
use crate::error::Result;
use crate::problem::Problems;
use crate::progress::Progress;
use std::path::Path;
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
    Full,
    Delta,
}
#[derive(Clone, Debug)]
pub struct Manifest {
    pub format: String,
    pub format_version: i64,
    pub site: String,
    pub kind: ExportKind,
    pub sequence: i64,
    pub base_sequence: Option<i64>,
    pub generated_at: String,
    pub files: Vec<ManifestFile>,
    pub fingerprint: String,
}
#[derive(Clone, Debug)]
pub struct ManifestFile {
    pub path: String,
    pub entity: Entity,
    pub rows: u64,
    pub sha256: String,
    pub gzip: bool,
    pub index: usize,
    pub manifest_line: u64,
}
pub struct FileStats {
    pub rows: u64,
    pub stored_bytes: u64,
    pub bytes: u64,
}
pub struct Export {
    m: Manifest,
}
impl Export {
    pub fn open(path: &Path) -> Result<Export> {
        todo!()
    }
    pub fn manifest(&self) -> &Manifest {
        &self.m
    }
    pub fn read_file(
        &mut self,
        file: &ManifestFile,
        problems: &mut Problems,
        progress: &dyn Progress,
        sink: &mut dyn FnMut(Row) -> Result<()>,
    ) -> Result<FileStats> {
        todo!()
    }
}
