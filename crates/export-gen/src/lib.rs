//! The synthetic export generator: realistic, seeded, streaming exports that
//! follow `production-export-v1.md`, full or delta, as a directory or a zip,
//! for trying and testing Privacy Desk (`desk gen-export`, `desk demo`, the
//! tests and benchmarks). The desktop app does not link it.
//!
//! Every member `m-k` has a cheap "core" (signup date, name, flags, how many
//! rows of each kind) recomputed from `(seed, k)` in every pass, so each file
//! is written in one streaming pass and all files agree. Rows of an entity
//! for member `k` come from an RNG seeded by `(seed, k, entity)`; each
//! entity's rows are written by its own module in `entities`.
//!
//! The manifest carries a `generator` object with what a later delta needs
//! (see [`GenState`]). The same options give the same bytes.

mod data;
mod delta;
mod entities;
mod error;
mod full;
mod manifest;
mod model;
mod options;
mod progress;
mod util;
mod writer;

pub use delta::{DeltaInfo, GenState, HeavyState};
pub use error::{Error, Result};
pub use options::{GenOptions, GenSummary, HeavyMember, DEFAULT_GENERATED_AT};
pub use progress::{NoProgress, Progress, ProgressEvent};

use std::path::Path;

/// Generates an export at `out` (see the crate docs): a delta of
/// `opts.delta_of` if set, else a full export. A failed or cancelled run
/// leaves nothing behind.
pub fn generate(opts: &GenOptions, out: &Path, progress: &dyn Progress) -> Result<GenSummary> {
    match &opts.delta_of {
        None => full::generate_full(opts, out, progress),
        Some(base) => delta::generate_delta(opts, base, out, progress),
    }
}
