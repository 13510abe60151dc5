//! What to generate, and what was generated.

use crate::error::{Error, Result};
use export_format::Entity;
use std::path::PathBuf;

/// Make member `m-1` very heavy (for benchmarks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeavyMember {
    pub posts: u64,
    pub messages: u64,
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// The site (full exports only: a delta keeps its base's site).
    pub site: String,
    /// Members in a full export (ignored for a delta).
    pub members: u64,
    /// A full export's seed; for a delta, its own salt (the chain keeps the
    /// full export's seed, read from the base's `generator` object).
    pub seed: u64,
    pub zip: bool,
    pub gzip: bool,
    /// None: a full export is generated at 2026-11-21T02:00:00Z; a delta one
    /// day after its base.
    pub generated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Generate a delta of the export at this path (a directory or a zip).
    pub delta_of: Option<PathBuf>,
    /// For a delta: about how many rows it holds in all.
    pub changes: u64,
    pub heavy_member: Option<HeavyMember>,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            site: "netmums".into(),
            members: 1000,
            seed: 1,
            zip: false,
            gzip: false,
            generated_at: None,
            delta_of: None,
            changes: 1000,
            heavy_member: None,
        }
    }
}

/// What was generated.
#[derive(Clone, Debug)]
pub struct GenSummary {
    /// The directory or zip written.
    pub path: PathBuf,
    pub sequence: i64,
    /// `full` or `delta`.
    pub kind: &'static str,
    /// Rows per file written, in manifest order.
    pub rows: Vec<(Entity, u64)>,
    /// Bytes written (the zip's size, or the directory's files).
    pub bytes: u64,
}

/// The default generated_at of a full export.
pub const DEFAULT_GENERATED_AT: &str = "2026-11-21T02:00:00Z";

/// A site name the contract accepts.
pub(crate) fn check_site(site: &str) -> Result<()> {
    let ok = !site.is_empty()
        && site.len() <= 64
        && site
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(
            "a site name must be 1-64 lower-case letters, digits, '-' or '_'".into(),
        ))
    }
}
