//! The synthetic export generator: realistic, seeded, streaming exports that
//! follow `production-export-v1.md`, full or delta, as a directory or a zip.
//!
//! Every member `m-k` has a cheap "core" (signup date, name, flags, how many
//! rows of each kind) recomputed from `(seed, k)` in every pass, so each file
//! is written in one streaming pass and all files agree. Rows of an entity
//! for member `k` come from an RNG seeded by `(seed, k, entity)`.
//!
//! The manifest carries a `generator` object with what a later delta needs
//! (see [`delta::GenState`]).

mod data;
mod delta;
mod model;
mod util;
mod writer;

use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressEvent};
use std::path::{Path, PathBuf};

pub use delta::GenState;

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

/// How often (in members) progress is reported and cancellation checked.
const ADVANCE_EVERY: u64 = 10_000;

/// Generates an export at `out` (see the module docs). A failed or
/// cancelled run leaves nothing behind.
pub fn generate(opts: &GenOptions, out: &Path, progress: &dyn Progress) -> Result<GenSummary> {
    match &opts.delta_of {
        None => full(opts, out, progress),
        Some(base) => delta::generate_delta(opts, base, out, progress),
    }
}

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

pub(crate) fn brand(site: &str) -> String {
    match site {
        "netmums" => "Netmums".into(),
        "mumsnet" => "Mumsnet".into(),
        _ => {
            let mut c = site.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c)
                    .collect::<String>()
                    .replace(['-', '_'], ""),
                None => String::new(),
            }
        }
    }
}

pub(crate) fn thread_slots(members: u64) -> u64 {
    // About five posts a thread: threads ≈ 0.6 × members, spread over
    // 15 years of weeks and the boards.
    (members * 6 / 10 / (780 * data::BOARDS.len() as u64)).clamp(1, 256)
}

pub(crate) fn epoch_of(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn stamp_of(t: i64) -> (u16, u8, u8) {
    let (y, m, d) = util::civil(t.div_euclid(util::DAY));
    (y.clamp(1980, 2107) as u16, m as u8, d as u8)
}

fn full(opts: &GenOptions, out: &Path, progress: &dyn Progress) -> Result<GenSummary> {
    check_site(&opts.site)?;
    if opts.members == 0 {
        return Err(Error::Invalid("an export needs at least one member".into()));
    }
    if opts.members > 100_000_000 {
        return Err(Error::Invalid("at most 100,000,000 members".into()));
    }
    let g0 = match opts.generated_at {
        Some(t) => epoch_of(t),
        None => util::parse_ts(DEFAULT_GENERATED_AT).unwrap_or(0),
    };
    if g0 < util::utc(2012, 1, 1, 0, 0, 0) {
        return Err(Error::Invalid("generated_at must be after 2012".into()));
    }
    let ctx = model::Ctx {
        seed: opts.seed,
        site: opts.site.clone(),
        brand: brand(&opts.site),
        g0,
        original: opts.members,
        batches: Vec::new(),
        heavy: opts.heavy_member.map(|h| (h.posts, h.messages)),
        max_member: opts.members,
        thread_slots: thread_slots(opts.members),
    };
    let mut output = writer::Output::create(out, opts.zip, opts.gzip, stamp_of(g0))?;
    let cancelled = || progress.cancelled();
    for entity in Entity::DATA {
        progress.event(ProgressEvent::Stage {
            name: format!("generating {}", entity.file_name()),
            total: Some(opts.members),
        });
        let header = model::header(entity);
        let mut w = output.open(entity, &header)?;
        for k in 1..=opts.members {
            if k % ADVANCE_EVERY == 0 {
                if progress.cancelled() {
                    return Err(Error::Cancelled);
                }
                progress.event(ProgressEvent::Advance { done: k });
            }
            let core = ctx.core(k);
            model::entity_rows(&ctx, entity, &core, &mut w, &cancelled)?;
        }
        progress.event(ProgressEvent::Advance { done: opts.members });
        let entry = w.finish()?;
        output.files.push(entry);
    }
    if progress.cancelled() {
        return Err(Error::Cancelled);
    }
    let state = GenState::new_full(opts, g0);
    let manifest = delta::manifest_json(&opts.site, "full", 1, None, g0, &output.files, &state)?;
    let rows: Vec<(Entity, u64)> = output.files.iter().map(|f| (f.entity, f.rows)).collect();
    let (path, bytes) = output.commit(&manifest)?;
    Ok(GenSummary {
        path,
        sequence: 1,
        kind: "full",
        rows,
        bytes,
    })
}
