//! The manifest's `generator` object: what a later run needs to continue a
//! chain of exports (the seed, the members, every delta so far, what the
//! deltas deleted).

use crate::error::{Error, Result};
use crate::model::{self, Batch, Ctx};
use crate::options::GenOptions;
use crate::util::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

pub(crate) const PROGRAM: &str = "privacy-desk gen";

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

    /// The context every pass over the chain's members needs.
    pub(crate) fn ctx(&self, site: &str) -> Result<Ctx> {
        let g0 = parse_ts(&self.full_generated_at)
            .ok_or_else(|| Error::Invalid("generator: bad full_generated_at".into()))?;
        let mut batches = Vec::new();
        for d in &self.deltas {
            if d.new_members > 0 {
                batches.push(Batch {
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
            brand: model::brand(site),
            g0,
            original: self.original_members,
            batches,
            heavy: self.heavy_member.map(|h| (h.posts, h.messages)),
            max_member: self.next_member - 1,
            thread_slots: model::thread_slots(self.original_members),
        })
    }
}
