//! TEMPORARY compile shim; replaced by the gen branch at merge.
#![allow(dead_code, unused_variables, clippy::todo)]
use crate::entity::Entity;
use crate::error::Result;
use crate::progress::Progress;
use std::path::{Path, PathBuf};
pub struct HeavyMember {
    pub posts: u64,
    pub messages: u64,
}
pub struct GenOptions {
    pub site: String,
    pub members: u64,
    pub seed: u64,
    pub zip: bool,
    pub gzip: bool,
    pub generated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub delta_of: Option<PathBuf>,
    pub changes: u64,
    pub heavy_member: Option<HeavyMember>,
}
pub struct GenSummary {
    pub path: PathBuf,
    pub sequence: i64,
    pub kind: &'static str,
    pub rows: Vec<(Entity, u64)>,
    pub bytes: u64,
}
pub fn generate(opts: &GenOptions, out: &Path, progress: &dyn Progress) -> Result<GenSummary> {
    todo!()
}
