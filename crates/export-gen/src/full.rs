//! Full exports: every member `m-1` … `m-N` and all their rows, one file at
//! a time, each in one streaming pass over the members.

use crate::delta::GenState;
use crate::entities::GENERATORS;
use crate::error::{Error, Result};
use crate::manifest::manifest_json;
use crate::model::{self, Ctx};
use crate::options::{check_site, GenOptions, GenSummary, DEFAULT_GENERATED_AT};
use crate::progress::{Progress, ProgressEvent};
use crate::util::{parse_ts, utc};
use crate::writer::Output;
use export_format::{Entity, ExportKind};
use std::path::Path;

/// How often (in members) progress is reported and cancellation checked.
const ADVANCE_EVERY: u64 = 10_000;

pub fn generate_full(opts: &GenOptions, out: &Path, progress: &dyn Progress) -> Result<GenSummary> {
    check_site(&opts.site)?;
    if opts.members == 0 {
        return Err(Error::Invalid("an export needs at least one member".into()));
    }
    if opts.members > 100_000_000 {
        return Err(Error::Invalid("at most 100,000,000 members".into()));
    }
    let g0 = match opts.generated_at {
        Some(t) => t.timestamp(),
        None => parse_ts(DEFAULT_GENERATED_AT).unwrap_or(0),
    };
    if g0 < utc(2012, 1, 1, 0, 0, 0) {
        return Err(Error::Invalid("generated_at must be after 2012".into()));
    }
    let ctx = Ctx {
        seed: opts.seed,
        site: opts.site.clone(),
        brand: model::brand(&opts.site),
        g0,
        original: opts.members,
        batches: Vec::new(),
        heavy: opts.heavy_member.map(|h| (h.posts, h.messages)),
        max_member: opts.members,
        thread_slots: model::thread_slots(opts.members),
    };
    let mut output = Output::create(out, opts.zip, opts.gzip, g0)?;
    write_files(&ctx, opts.members, &mut output, progress)?;
    if progress.cancelled() {
        return Err(Error::Cancelled);
    }
    let state = GenState::new_full(opts, g0);
    let kind = ExportKind::Full;
    let manifest = manifest_json(&opts.site, kind, 1, None, g0, &output.files, &state)?;
    let rows: Vec<(Entity, u64)> = output.files.iter().map(|f| (f.entity, f.rows)).collect();
    let (path, bytes) = output.commit(&manifest)?;
    Ok(GenSummary {
        path,
        sequence: 1,
        kind: kind.name(),
        rows,
        bytes,
    })
}

/// Writes every data file, each with every member's rows.
fn write_files(
    ctx: &Ctx,
    members: u64,
    output: &mut Output,
    progress: &dyn Progress,
) -> Result<()> {
    let cancelled = || progress.cancelled();
    for gen in GENERATORS {
        let entity = gen.entity();
        progress.event(ProgressEvent::Stage {
            name: format!("generating {}", entity.file_name()),
            total: Some(members),
        });
        let mut w = output.open(entity, &gen.header())?;
        for k in 1..=members {
            if k % ADVANCE_EVERY == 0 {
                if progress.cancelled() {
                    return Err(Error::Cancelled);
                }
                progress.event(ProgressEvent::Advance { done: k });
            }
            let core = ctx.core(k);
            gen.full_rows(ctx, &core, &mut w, &cancelled)?;
        }
        progress.event(ProgressEvent::Advance { done: members });
        let entry = w.finish()?;
        output.files.push(entry);
    }
    Ok(())
}
