//! Delta exports: the rows created, changed and deleted since the base
//! export, made from the base's manifest alone (its `generator` object, see
//! [`GenState`]) and recorded in the new manifest so the chain can go on.

mod activity;
mod state;

pub use state::{DeltaInfo, GenState, HeavyState};

use crate::entities::{deletions, DeltaMember, GENERATORS};
use crate::error::{Error, Result};
use crate::manifest::{manifest_json, read_manifest};
use crate::model::Ctx;
use crate::options::{check_site, GenOptions, GenSummary};
use crate::progress::{Progress, ProgressEvent};
use crate::util::*;
use crate::writer::Output;
pub use activity::Activity;
use activity::{is_active, replay};
use export_format::{Entity, ExportKind};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;
use std::path::Path;

/// What a delta continues from: the base export's manifest.
struct Base {
    state: GenState,
    site: String,
    sequence: i64,
    generated_at: i64,
}

/// The size of a delta: how many members it deletes and how many of their
/// posts and logins, besides what [`DeltaInfo`] records.
struct Budget {
    info: DeltaInfo,
    del_members: u64,
    del_posts: u64,
    del_logins: u64,
}

pub fn generate_delta(
    opts: &GenOptions,
    base: &Path,
    out: &Path,
    progress: &dyn Progress,
) -> Result<GenSummary> {
    let b = read_base(base)?;
    let g = match opts.generated_at {
        Some(t) => t.timestamp(),
        None => b.generated_at + DAY,
    };
    if g <= b.generated_at {
        return Err(Error::Invalid(
            "a delta's generated_at must be later than its base's".into(),
        ));
    }
    let mut gs = b.state;
    let seed = gs.seed;
    let seq = b.sequence + 1;
    let deleted: BTreeSet<u64> = gs
        .deleted_members
        .iter()
        .filter_map(|s| member_index(s))
        .collect();
    let budget = budget(opts, &gs, &deleted, seq, (b.generated_at, g))?;
    let info = budget.info.clone();
    let members_before = info.first_new_member;
    gs.deltas.push(info.clone());
    gs.next_member = members_before + info.new_members;
    let mut ctx = gs.ctx(&b.site)?;
    ctx.max_member = gs.next_member - 1;

    // Who is active (never a deleted member).
    let active: Vec<u64> = (1..members_before)
        .filter(|k| !deleted.contains(k) && is_active(seed, &info, *k))
        .collect();
    let r = &mut rng(seed ^ opts.seed.rotate_left(29), seq as u64, 0xDE1E);
    let dels = choose_deletions(&ctx, &mut gs, &deleted, &active, &budget, r);

    let new_members: Vec<u64> = (members_before..gs.next_member).collect();
    let mut output = Output::create(out, opts.zip, opts.gzip, g)?;
    let pass = Pass {
        ctx: &ctx,
        state: &gs,
        seq,
        active: &active,
        new_members: &new_members,
    };
    pass.write(&mut output, progress)?;
    let entry = deletions::write(&mut output, &dels, r, (b.generated_at, g))?;
    output.files.push(entry);
    if progress.cancelled() {
        return Err(Error::Cancelled);
    }
    let kind = ExportKind::Delta;
    let manifest = manifest_json(&b.site, kind, seq, Some(b.sequence), g, &output.files, &gs)?;
    let rows: Vec<(Entity, u64)> = output.files.iter().map(|f| (f.entity, f.rows)).collect();
    let (path, bytes) = output.commit(&manifest)?;
    Ok(GenSummary {
        path,
        sequence: seq,
        kind: kind.name(),
        rows,
        bytes,
    })
}

/// Reads the base's manifest and its `generator` object.
fn read_base(base: &Path) -> Result<Base> {
    let m = read_manifest(base)?;
    let Some(gen) = m.get("generator") else {
        return Err(Error::Invalid(format!(
            "{}: this export has no \"generator\" object in its manifest, so it was not made by the generator and a delta of it cannot be generated",
            base.display()
        )));
    };
    let state: GenState = serde_json::from_value(gen.clone()).map_err(|e| {
        Error::Invalid(format!(
            "{}: manifest generator object: {e}",
            base.display()
        ))
    })?;
    if state.program != state::PROGRAM || state.version != 1 {
        return Err(Error::Invalid(format!(
            "{}: made by another generator or version",
            base.display()
        )));
    }
    let site = m
        .get("site")
        .and_then(|s| s.as_str())
        .ok_or_else(|| Error::Invalid(format!("{}: manifest has no site", base.display())))?
        .to_string();
    check_site(&site)?;
    let sequence = m
        .get("sequence")
        .and_then(|s| s.as_i64())
        .ok_or_else(|| Error::Invalid(format!("{}: manifest has no sequence", base.display())))?;
    let generated_at = m
        .get("generated_at")
        .and_then(|s| s.as_str())
        .and_then(parse_ts)
        .ok_or_else(|| {
            Error::Invalid(format!("{}: manifest has no generated_at", base.display()))
        })?;
    Ok(Base {
        state,
        site,
        sequence,
        generated_at,
    })
}

/// How big the delta is: ~15% of rows from new members (~16 rows each), a
/// few deleted members, ~6% deleted rows, the rest from active members (~5
/// rows each).
fn budget(
    opts: &GenOptions,
    gs: &GenState,
    deleted: &BTreeSet<u64>,
    seq: i64,
    (from, to): (i64, i64),
) -> Result<Budget> {
    let members_before = gs.next_member;
    let live_count = (members_before - 1).saturating_sub(deleted.len() as u64);
    if live_count == 0 {
        return Err(Error::Invalid("the base export has no live members".into()));
    }
    let changes = opts.changes.max(1);
    let n_new = (changes * 15 / 100 / 16).max(u64::from(changes >= 20));
    let del_members = (changes / 400)
        .max(u64::from(changes >= 20))
        .min(live_count / 10);
    let del_posts = changes * 4 / 100;
    let del_logins = changes * 2 / 100;
    let rest = changes.saturating_sub(n_new * 16 + del_members + del_posts + del_logins);
    let n_active = (rest / 5).max(1).min(live_count);
    let active_ppb = (n_active as f64 / live_count as f64 * 1e9).ceil().min(1e9) as u64;
    Ok(Budget {
        info: DeltaInfo {
            sequence: seq,
            salt: opts.seed,
            from: ts(from, false).as_str().to_string(),
            to: ts(to, false).as_str().to_string(),
            first_new_member: members_before,
            new_members: n_new,
            active_ppb,
        },
        del_members,
        del_posts,
        del_logins,
    })
}

fn member_index(id: &str) -> Option<u64> {
    id.strip_prefix("m-").and_then(|s| s.parse().ok())
}

/// Picks what the delta deletes — whole members (never `m-1` or an active
/// one), then posts and old logins of live members — and records it in the
/// chain's state. Returns the rows of deletions.csv, in order.
fn choose_deletions(
    ctx: &Ctx,
    gs: &mut GenState,
    deleted: &BTreeSet<u64>,
    active: &[u64],
    budget: &Budget,
    r: &mut ChaCha8Rng,
) -> Vec<(Entity, String)> {
    let members_before = budget.info.first_new_member;
    let active_set: BTreeSet<u64> = active.iter().copied().collect();
    let mut del_members: BTreeSet<u64> = BTreeSet::new();
    let mut tries = 0;
    while (del_members.len() as u64) < budget.del_members && tries < 10_000 {
        tries += 1;
        let k = r.gen_range(1..members_before);
        if k == 1 || deleted.contains(&k) || active_set.contains(&k) {
            continue;
        }
        del_members.insert(k);
    }
    let gone = |k: &u64| deleted.contains(k) || del_members.contains(k);
    let (new_posts, new_logins) = choose_rows(ctx, gs, budget, members_before, &gone, r);
    let mut dels: Vec<(Entity, String)> = Vec::new();
    for k in &del_members {
        dels.push((Entity::Members, format!("m-{k}")));
    }
    for id in &new_posts {
        dels.push((Entity::Posts, id.clone()));
    }
    for id in &new_logins {
        dels.push((Entity::LoginEvents, id.clone()));
    }
    gs.deleted_members
        .extend(del_members.iter().map(|k| format!("m-{k}")));
    gs.deleted_rows
        .entry("posts".into())
        .or_default()
        .extend(new_posts);
    gs.deleted_rows
        .entry("login_events".into())
        .or_default()
        .extend(new_logins);
    gs.deleted_rows.retain(|_, v| !v.is_empty());
    dels
}

/// Posts and logins (never a member's first) of live members, not deleted
/// before.
fn choose_rows(
    ctx: &Ctx,
    gs: &GenState,
    budget: &Budget,
    members_before: u64,
    gone: &dyn Fn(&u64) -> bool,
    r: &mut ChaCha8Rng,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let old = |entity: &str| -> BTreeSet<String> {
        gs.deleted_rows
            .get(entity)
            .map(|v| v.iter().cloned().collect())
            .unwrap_or_default()
    };
    let (old_posts, old_logins) = (old("posts"), old("login_events"));
    let (n_posts, n_logins) = (budget.del_posts, budget.del_logins);
    let mut posts = BTreeSet::new();
    let mut logins = BTreeSet::new();
    let mut tries = 0;
    while ((posts.len() as u64) < n_posts || (logins.len() as u64) < n_logins) && tries < 100_000 {
        tries += 1;
        let k = r.gen_range(1..members_before);
        if gone(&k) {
            continue;
        }
        let c = ctx.core(k);
        if (posts.len() as u64) < n_posts && c.n_posts > 0 {
            let id = format!("p-{k}-{}", r.gen_range(1..=c.n_posts));
            if !old_posts.contains(&id) {
                posts.insert(id);
            }
        } else if (logins.len() as u64) < n_logins && c.n_logins > 1 {
            let id = format!("l-{k}-{}", r.gen_range(2..=c.n_logins));
            if !old_logins.contains(&id) {
                logins.insert(id);
            }
        }
    }
    (posts, logins)
}

/// One pass over the members a delta writes rows for.
struct Pass<'a> {
    ctx: &'a Ctx,
    state: &'a GenState,
    seq: i64,
    /// Existing members active in this delta.
    active: &'a [u64],
    /// Members this delta creates.
    new_members: &'a [u64],
}

impl Pass<'_> {
    /// Writes every data file: the active members' new and changed rows,
    /// then the new members' rows. A file with no rows is left out, unless
    /// the contract requires it (members and consent_events, §1).
    fn write(&self, output: &mut Output, progress: &dyn Progress) -> Result<()> {
        let seed = self.state.seed;
        let times: Vec<(i64, i64)> = (self.state.deltas.iter())
            .map(|d| (parse_ts(&d.from).unwrap_or(0), parse_ts(&d.to).unwrap_or(0)))
            .collect();
        let total = (self.active.len() + self.new_members.len()) as u64;
        let cancelled = || progress.cancelled();
        for gen in GENERATORS {
            let entity = gen.entity();
            progress.event(ProgressEvent::Stage {
                name: format!("generating {}", entity.file_name()),
                total: Some(total),
            });
            let mut w = output.open(entity, &gen.header())?;
            for (i, &k) in self.active.iter().enumerate() {
                let done = i as u64 + 1;
                if done & 1023 == 0 {
                    if progress.cancelled() {
                        return Err(Error::Cancelled);
                    }
                    progress.event(ProgressEvent::Advance { done });
                }
                let (core, state, act) = replay(self.ctx, seed, &self.state.deltas, &times, k);
                let Some(act) = act else { continue };
                let tag = ((self.seq as u64) << 8) | entity as u64;
                let r = &mut rng(seed ^ 0xA11CE, k, tag);
                let m = DeltaMember {
                    core: &core,
                    state: &state,
                    act: &act,
                    seq: self.seq,
                };
                gen.delta_rows(self.ctx, r, &m, &mut w)?;
            }
            for &k in self.new_members {
                let c = self.ctx.core(k);
                gen.full_rows(self.ctx, &c, &mut w, &cancelled)?;
            }
            progress.event(ProgressEvent::Advance { done: total });
            let entry = w.finish()?;
            if entry.rows > 0 || entity.required() {
                output.files.push(entry);
            } else {
                output.discard(&entry)?;
            }
        }
        Ok(())
    }
}
