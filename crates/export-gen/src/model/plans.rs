//! Plans that more than one file follows: a member's social accounts (their
//! links and unlinks are consent events too) and their competition entries
//! and survey responses (a ticked sharing box is a consent grant at the same
//! instant).

use super::{Core, Ctx, T_COMP_PLAN, T_SOCIAL_PLAN, T_SURVEY_PLAN};
use crate::util::*;

/// A social account, planned (consent events follow links and unlinks).
pub struct SocialPlan {
    pub provider: &'static str,
    pub linked: i64,
    pub unlinked: Option<i64>,
}

pub fn social_plan(ctx: &Ctx, c: &Core) -> Vec<SocialPlan> {
    let r = &mut rng(ctx.seed, c.k, T_SOCIAL_PLAN);
    let mut used: Vec<&'static str> = Vec::new();
    (0..c.n_social)
        .map(|_| {
            let mut provider = pick(r, &["facebook", "facebook", "google", "apple"]);
            if used.contains(&provider) {
                provider = if provider == "google" {
                    "apple"
                } else {
                    "google"
                };
            }
            used.push(provider);
            let linked = between(r, c.signup, c.last_login);
            let unlinked = chance(r, 0.15).then(|| between(r, linked + 60, c.end));
            SocialPlan {
                provider,
                linked,
                unlinked,
            }
        })
        .collect()
}

/// A competition entry or survey response, planned: `ticked` means the
/// member ticked the sharing box (a consent grant at the same instant);
/// `conflict` means the row says "share" although no consent was given.
pub struct EntryPlan {
    pub t: i64,
    pub ticked: bool,
    pub conflict: bool,
}

fn entry_plan(ctx: &Ctx, c: &Core, tag: u64, n: u64, p_tick: f64) -> Vec<EntryPlan> {
    let r = &mut rng(ctx.seed, c.k, tag);
    let lo = c.signup.max(utc(2013, 1, 1, 0, 0, 0));
    (0..n)
        .map(|_| {
            let t = between(r, lo, c.last_login.max(lo));
            let ticked = chance(r, p_tick);
            let conflict = !ticked && chance(r, 0.06);
            EntryPlan {
                t,
                ticked,
                conflict,
            }
        })
        .collect()
}

pub fn comp_plan(ctx: &Ctx, c: &Core) -> Vec<EntryPlan> {
    entry_plan(ctx, c, T_COMP_PLAN, c.n_comp, 0.5)
}

pub fn survey_plan(ctx: &Ctx, c: &Core) -> Vec<EntryPlan> {
    entry_plan(ctx, c, T_SURVEY_PLAN, c.n_survey, 0.4)
}
