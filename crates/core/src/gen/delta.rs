//! Delta exports, and the `generator` object of the manifest that lets a
//! later run continue a chain.
//!
//! Which existing members are active in delta `d` is a hash test of
//! `(seed, salt_d, k)` against the delta's rate, so the state of any member
//! after any number of deltas can be replayed from the manifest alone:
//! updates (email, address, status, births) persist along the chain.

use super::model::{self, Core, Ctx, Ev, MState, Status};
use super::util::{self, *};
use super::writer::{FileEntry, Output};
use super::{GenOptions, GenSummary};
use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressEvent};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

/// The manifest's `generator` object.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct GenState {
    /// Always `privacy-desk gen`.
    pub program: String,
    pub version: u32,
    pub seed: u64,
    /// Members in the full export (`m-1` … `m-N`).
    pub original_members: u64,
    /// The full export's generated_at.
    pub full_generated_at: String,
    #[serde(default)]
    pub heavy_member: Option<HeavyState>,
    /// The index the next new member gets.
    pub next_member: u64,
    /// Every delta of the chain so far, oldest first.
    #[serde(default)]
    pub deltas: Vec<DeltaInfo>,
    /// Members deleted by deltas so far.
    #[serde(default)]
    pub deleted_members: Vec<String>,
    /// Other rows deleted by deltas so far, by entity.
    #[serde(default)]
    pub deleted_rows: BTreeMap<String, Vec<String>>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct HeavyState {
    pub posts: u64,
    pub messages: u64,
}

/// One delta of the chain.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DeltaInfo {
    pub sequence: i64,
    /// The delta's own seed (the options' seed when it was made).
    pub salt: u64,
    /// The base's generated_at and this delta's.
    pub from: String,
    pub to: String,
    /// `next_member` before this delta: members it created start here.
    pub first_new_member: u64,
    pub new_members: u64,
    /// The share of existing live members active in it, in parts per billion.
    pub active_ppb: u64,
}

const PROGRAM: &str = "privacy-desk gen";

impl GenState {
    pub fn new_full(opts: &GenOptions, g0: i64) -> GenState {
        GenState {
            program: PROGRAM.into(),
            version: 1,
            seed: opts.seed,
            original_members: opts.members,
            full_generated_at: ts(g0, false).as_str().to_string(),
            heavy_member: opts.heavy_member.map(|h| HeavyState {
                posts: h.posts,
                messages: h.messages,
            }),
            next_member: opts.members + 1,
            deltas: Vec::new(),
            deleted_members: Vec::new(),
            deleted_rows: BTreeMap::new(),
        }
    }

    fn ctx(&self, site: &str) -> Result<Ctx> {
        let g0 = parse_ts(&self.full_generated_at)
            .ok_or_else(|| Error::Invalid("generator: bad full_generated_at".into()))?;
        let mut batches = Vec::new();
        for d in &self.deltas {
            if d.new_members > 0 {
                batches.push(model::Batch {
                    first: d.first_new_member,
                    last: d.first_new_member + d.new_members - 1,
                    from: parse_ts(&d.from)
                        .ok_or_else(|| Error::Invalid("generator: bad delta time".into()))?,
                    to: parse_ts(&d.to)
                        .ok_or_else(|| Error::Invalid("generator: bad delta time".into()))?,
                });
            }
        }
        Ok(Ctx {
            seed: self.seed,
            site: site.to_string(),
            brand: super::brand(site),
            g0,
            original: self.original_members,
            batches,
            heavy: self.heavy_member.map(|h| (h.posts, h.messages)),
            max_member: self.next_member - 1,
            thread_slots: super::thread_slots(self.original_members),
        })
    }
}

/// manifest.json, pretty-printed.
pub fn manifest_json(
    site: &str,
    kind: &str,
    sequence: i64,
    base_sequence: Option<i64>,
    generated_at: i64,
    files: &[FileEntry],
    state: &GenState,
) -> Result<Vec<u8>> {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            serde_json::json!({
                "path": f.path,
                "entity": f.entity.name(),
                "rows": f.rows,
                "sha256": f.sha256,
            })
        })
        .collect();
    let m = serde_json::json!({
        "format": "forum-export",
        "format_version": 1,
        "site": site,
        "kind": kind,
        "sequence": sequence,
        "base_sequence": base_sequence,
        "generated_at": ts(generated_at, false).as_str(),
        "files": files,
        "generator": state,
    });
    let mut v =
        serde_json::to_vec_pretty(&m).map_err(|e| Error::Invalid(format!("manifest: {e}")))?;
    v.push(b'\n');
    Ok(v)
}

const MANIFEST_LIMIT: u64 = 64 * 1024 * 1024;

/// Reads the manifest of an export (a directory or a zip).
pub fn read_manifest(path: &Path) -> Result<serde_json::Value> {
    let bytes = if path.is_dir() {
        let p = path.join("manifest.json");
        let f = std::fs::File::open(&p).map_err(|e| Error::io(&p, e))?;
        let mut v = Vec::new();
        f.take(MANIFEST_LIMIT)
            .read_to_end(&mut v)
            .map_err(|e| Error::io(&p, e))?;
        v
    } else {
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut z = zip::ZipArchive::new(std::io::BufReader::new(f))
            .map_err(|e| Error::Invalid(format!("{}: not a readable zip: {e}", path.display())))?;
        let name = z
            .file_names()
            .filter(|n| {
                let parts: Vec<&str> = n.split('/').collect();
                parts.last() == Some(&"manifest.json") && parts.len() <= 2
            })
            .min_by_key(|n| n.len())
            .map(str::to_string)
            .ok_or_else(|| {
                Error::Invalid(format!("{}: no manifest.json in the zip", path.display()))
            })?;
        let entry = z
            .by_name(&name)
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        let mut v = Vec::new();
        entry
            .take(MANIFEST_LIMIT)
            .read_to_end(&mut v)
            .map_err(|e| Error::io(path, e))?;
        v
    };
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::Invalid(format!("{}: manifest.json: {e}", path.display())))
}

/// What a delta does to one existing member.
#[derive(Default)]
struct Act {
    logins: Vec<i64>,
    posts: Vec<i64>,
    messages: Vec<i64>,
    consents: Vec<Ev>,
    birth: Option<i64>,
}

fn is_active(seed: u64, d: &DeltaInfo, k: u64) -> bool {
    k < d.first_new_member
        && unit_hash(seed ^ d.salt, k, d.sequence as u64) * 1e9 < d.active_ppb as f64
}

/// Applies delta `d`'s activity for member `c` to its state.
fn activity(
    seed: u64,
    d: &DeltaInfo,
    from: i64,
    to: i64,
    c: &Core,
    st: &mut MState,
    consent: &mut [Option<bool>; model::N_PURPOSES],
) -> Act {
    let r = &mut rng(seed ^ d.salt.rotate_left(17), c.k, 1000 + d.sequence as u64);
    let mut a = Act::default();
    let lo = from + 1;
    let mut logins: Vec<i64> = (0..r.gen_range(1..4)).map(|_| between(r, lo, to)).collect();
    logins.sort_unstable();
    st.last_login = *logins.last().unwrap_or(&to);
    a.logins = logins;
    a.posts = (0..geometric(r, 0.5, 1.0, 10))
        .map(|_| between(r, lo, to))
        .collect();
    a.messages = (0..geometric(r, 0.75, 0.5, 5))
        .map(|_| between(r, lo, to))
        .collect();
    if chance(r, 0.15) {
        let p = *pick(
            r,
            &[
                &model::P_PARENTING,
                &model::P_BABY,
                &model::P_PARTNER,
                &model::P_MARKET,
                &model::P_LOCAL,
                &model::P_PANEL,
            ],
        );
        let g = consent[p as usize] != Some(true);
        a.consents.push(Ev {
            t: between(r, lo, to),
            purpose: p,
            granted: g,
            source: model::S_PROFILE,
            group: 0,
            bare: false,
        });
        consent[p as usize] = Some(g);
    }
    if chance(r, 0.06) {
        let granted: Vec<u8> = [model::P_PARENTING, model::P_PREGNANCY, model::P_BABY]
            .into_iter()
            .filter(|&p| consent[p as usize] == Some(true))
            .collect();
        if !granted.is_empty() {
            let p = granted[r.gen_range(0..granted.len())];
            a.consents.push(Ev {
                t: between(r, lo, to),
                purpose: p,
                granted: false,
                source: model::S_UNSUB,
                group: 0,
                bare: false,
            });
            consent[p as usize] = Some(false);
        }
    }
    a.consents.sort_by_key(|e| e.t);
    if chance(r, 0.03) {
        st.email = model::make_email(r, c.first, c.surname);
        st.email_verified = false;
    } else if !st.email_verified && chance(r, 0.5) {
        st.email_verified = true;
    }
    if chance(r, 0.04) {
        st.place = r.gen_range(0..super::data::PLACES.len());
        st.postcode = model::make_postcode(r, st.place);
    }
    match st.status {
        Status::Active if chance(r, 0.01) => st.status = Status::Suspended,
        Status::Suspended if chance(r, 0.3) => st.status = Status::Active,
        _ => {}
    }
    if st.pregnant && c.due * DAY <= to + 14 * DAY && chance(r, 0.8) {
        let b = between(r, lo, to);
        a.birth = Some(b);
        st.pregnant = false;
        st.children += 1;
    }
    st.updated = (st.last_login + r.gen_range(0..HOUR)).min(to);
    a
}

/// Replays member `k` through deltas `0..=upto` (`upto` is the current one).
fn replay(
    ctx: &Ctx,
    seed: u64,
    deltas: &[DeltaInfo],
    times: &[(i64, i64)],
    k: u64,
) -> (Core, MState, Option<Act>) {
    let c = ctx.core(k);
    let mut st = MState::of(&c);
    let mut consent: Option<[Option<bool>; model::N_PURPOSES]> = None;
    let mut last = None;
    for (i, d) in deltas.iter().enumerate() {
        if !is_active(seed, d, k) {
            continue;
        }
        let cs = consent.get_or_insert_with(|| model::consent_plan(ctx, &c).state);
        let (from, to) = times[i];
        let a = activity(seed, d, from, to, &c, &mut st, cs);
        if i + 1 == deltas.len() {
            last = Some(a);
        }
    }
    (c, st, last)
}

fn member_index(id: &str) -> Option<u64> {
    id.strip_prefix("m-").and_then(|s| s.parse().ok())
}

pub fn generate_delta(
    opts: &GenOptions,
    base: &Path,
    out: &Path,
    progress: &dyn Progress,
) -> Result<GenSummary> {
    let m = read_manifest(base)?;
    let Some(gen) = m.get("generator") else {
        return Err(Error::Invalid(format!(
            "{}: this export has no \"generator\" object in its manifest, so it was not made by the generator and a delta of it cannot be generated",
            base.display()
        )));
    };
    let mut gs: GenState = serde_json::from_value(gen.clone()).map_err(|e| {
        Error::Invalid(format!(
            "{}: manifest generator object: {e}",
            base.display()
        ))
    })?;
    if gs.program != PROGRAM || gs.version != 1 {
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
    super::check_site(&site)?;
    let base_seq = m
        .get("sequence")
        .and_then(|s| s.as_i64())
        .ok_or_else(|| Error::Invalid(format!("{}: manifest has no sequence", base.display())))?;
    let base_at = m
        .get("generated_at")
        .and_then(|s| s.as_str())
        .and_then(parse_ts)
        .ok_or_else(|| {
            Error::Invalid(format!("{}: manifest has no generated_at", base.display()))
        })?;
    let g = match opts.generated_at {
        Some(t) => super::epoch_of(t),
        None => base_at + DAY,
    };
    if g <= base_at {
        return Err(Error::Invalid(
            "a delta's generated_at must be later than its base's".into(),
        ));
    }
    let seed = gs.seed;
    let seq = base_seq + 1;
    let deleted: BTreeSet<u64> = gs
        .deleted_members
        .iter()
        .filter_map(|s| member_index(s))
        .collect();
    let members_before = gs.next_member;
    let live_count = (members_before - 1).saturating_sub(deleted.len() as u64);
    if live_count == 0 {
        return Err(Error::Invalid("the base export has no live members".into()));
    }

    // Budget: ~15% of rows from new members (~16 rows each), a few deleted
    // members, ~6% deleted rows, the rest from active members (~5 rows each).
    let changes = opts.changes.max(1);
    let n_new = (changes * 15 / 100 / 16).max(u64::from(changes >= 20));
    let n_del_members = (changes / 400)
        .max(u64::from(changes >= 20))
        .min(live_count / 10);
    let n_del_posts = changes * 4 / 100;
    let n_del_logins = changes * 2 / 100;
    let rest = changes.saturating_sub(n_new * 16 + n_del_members + n_del_posts + n_del_logins);
    let n_active = (rest / 5).max(1).min(live_count);
    let active_ppb = (n_active as f64 / live_count as f64 * 1e9).ceil().min(1e9) as u64;

    let info = DeltaInfo {
        sequence: seq,
        salt: opts.seed,
        from: ts(base_at, false).as_str().to_string(),
        to: ts(g, false).as_str().to_string(),
        first_new_member: members_before,
        new_members: n_new,
        active_ppb,
    };
    gs.deltas.push(info.clone());
    gs.next_member = members_before + n_new;
    let mut ctx = gs.ctx(&site)?;
    ctx.max_member = gs.next_member - 1;
    let times: Vec<(i64, i64)> = gs
        .deltas
        .iter()
        .map(|d| (parse_ts(&d.from).unwrap_or(0), parse_ts(&d.to).unwrap_or(0)))
        .collect();

    // Who is active (never a deleted member).
    let active: Vec<u64> = (1..members_before)
        .filter(|k| !deleted.contains(k) && is_active(seed, &info, *k))
        .collect();
    let active_set: BTreeSet<u64> = active.iter().copied().collect();
    let r = &mut rng(seed ^ opts.seed.rotate_left(29), seq as u64, 0xDE1E);

    // Deletions: whole members, then posts and old logins of live members.
    let mut dels: Vec<(Entity, String)> = Vec::new();
    let mut del_members: BTreeSet<u64> = BTreeSet::new();
    let mut tries = 0;
    while (del_members.len() as u64) < n_del_members && tries < 10_000 {
        tries += 1;
        let k = r.gen_range(1..members_before);
        if k == 1 || deleted.contains(&k) || active_set.contains(&k) {
            continue;
        }
        del_members.insert(k);
    }
    for k in &del_members {
        dels.push((Entity::Members, format!("m-{k}")));
    }
    let old_posts: BTreeSet<String> = gs
        .deleted_rows
        .get("posts")
        .map(|v| v.iter().cloned().collect())
        .unwrap_or_default();
    let old_logins: BTreeSet<String> = gs
        .deleted_rows
        .get("login_events")
        .map(|v| v.iter().cloned().collect())
        .unwrap_or_default();
    let mut new_posts = BTreeSet::new();
    let mut new_logins = BTreeSet::new();
    let mut tries = 0;
    while ((new_posts.len() as u64) < n_del_posts || (new_logins.len() as u64) < n_del_logins)
        && tries < 100_000
    {
        tries += 1;
        let k = r.gen_range(1..members_before);
        if deleted.contains(&k) || del_members.contains(&k) {
            continue;
        }
        let c = ctx.core(k);
        if (new_posts.len() as u64) < n_del_posts && c.n_posts > 0 {
            let id = format!("p-{k}-{}", r.gen_range(1..=c.n_posts));
            if !old_posts.contains(&id) {
                new_posts.insert(id);
            }
        } else if (new_logins.len() as u64) < n_del_logins && c.n_logins > 1 {
            let id = format!("l-{k}-{}", r.gen_range(2..=c.n_logins));
            if !old_logins.contains(&id) {
                new_logins.insert(id);
            }
        }
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
        .extend(new_posts.iter().cloned());
    gs.deleted_rows
        .entry("login_events".into())
        .or_default()
        .extend(new_logins.iter().cloned());
    gs.deleted_rows.retain(|_, v| !v.is_empty());

    let new_members: Vec<u64> = (members_before..gs.next_member).collect();
    let mut output = Output::create(out, opts.zip, opts.gzip, super::stamp_of(g))?;
    let total = (active.len() + new_members.len()) as u64;
    let cancelled = || progress.cancelled();
    let (from, to) = (base_at, g);
    for entity in Entity::DATA {
        progress.event(ProgressEvent::Stage {
            name: format!("generating {}", entity.file_name()),
            total: Some(total),
        });
        let header = model::header(entity);
        let mut w = output.open(entity, &header)?;
        let mut done = 0u64;
        for &k in &active {
            done += 1;
            if done & 1023 == 0 {
                if progress.cancelled() {
                    return Err(Error::Cancelled);
                }
                progress.event(ProgressEvent::Advance { done });
            }
            let (c, st, act) = replay(&ctx, seed, &gs.deltas, &times, k);
            let Some(a) = act else { continue };
            let rr = &mut rng(seed ^ 0xA11CE, k, (seq as u64) << 8 | entity as u64);
            let sfx = |i: usize| format!("{k}-d{seq}-{}", i + 1);
            match entity {
                Entity::Members => model::member_row(&ctx, &c, &st, &mut w)?,
                Entity::LoginEvents => {
                    for (i, t) in a.logins.iter().enumerate() {
                        model::login_row(&ctx, rr, &c, &format!("l-{}", sfx(i)), *t, &mut w)?;
                    }
                }
                Entity::Posts => {
                    let mut buf = String::new();
                    for (i, t) in a.posts.iter().enumerate() {
                        let id = format!("p-{}", sfx(i));
                        model::post_row(&ctx, rr, &c, st.status, &id, *t, &mut buf, &mut w)?;
                    }
                }
                Entity::PrivateMessages => {
                    for (i, t) in a.messages.iter().enumerate() {
                        let id = format!("pm-{}", sfx(i));
                        model::message_row(&ctx, rr, &c, &id, &sfx(i), *t, &mut w)?;
                    }
                }
                Entity::ConsentEvents => {
                    let ip = model::make_ip(rr);
                    for (i, e) in a.consents.iter().enumerate() {
                        let id = format!("ce-{k}-d{seq}-{:03}", i + 1);
                        model::consent_row(&ctx, rr, &c, &id, e, &ip, &mut w)?;
                    }
                }
                Entity::Children => {
                    if let Some(b) = a.birth {
                        let id = format!("ch-{k}-{}", c.children as u64 + 1);
                        let born = util::date(b.div_euclid(DAY));
                        let due = util::date(c.due);
                        let upd = ts(b + HOUR, true);
                        w.csv([&id, &c.id, born.as_str(), due.as_str(), upd.as_str()])?;
                    }
                }
                _ => {}
            }
        }
        for &k in &new_members {
            let c = ctx.core(k);
            model::entity_rows(&ctx, entity, &c, &mut w, &cancelled)?;
        }
        progress.event(ProgressEvent::Advance { done: total });
        let entry = w.finish()?;
        // members and consent_events are required in every export (§1),
        // even when a delta changes none of their rows.
        if entry.rows > 0 || entity.required() {
            output.files.push(entry);
        } else {
            output.discard(&entry)?;
        }
    }
    // deletions.csv
    {
        let mut w = output.open(Entity::Deletions, &["entity", "id", "deleted_at"])?;
        for (e, id) in &dels {
            let t = between(r, from + 1, to);
            let at = ts(t, chance(r, 0.5));
            w.csv([e.name(), id.as_str(), at.as_str()])?;
        }
        let entry = w.finish()?;
        output.files.push(entry);
    }
    if progress.cancelled() {
        return Err(Error::Cancelled);
    }
    let manifest = manifest_json(&site, "delta", seq, Some(base_seq), g, &output.files, &gs)?;
    let rows: Vec<(Entity, u64)> = output.files.iter().map(|f| (f.entity, f.rows)).collect();
    let (path, bytes) = output.commit(&manifest)?;
    Ok(GenSummary {
        path,
        sequence: seq,
        kind: "delta",
        rows,
        bytes,
    })
}
