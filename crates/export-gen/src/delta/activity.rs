//! Which existing members are active in a delta, and what they do in it.
//!
//! Whether member `k` is active in delta `d` is a hash test of
//! `(seed, salt_d, k)` against the delta's rate, so the state of any member
//! after any number of deltas can be replayed from the manifest alone:
//! updates (email, address, status, births) persist along the chain.

use super::state::DeltaInfo;
use crate::data::PLACES;
use crate::model::consent::{self, Ev};
use crate::model::people::{make_email, make_postcode};
use crate::model::{Core, Ctx, MState, Status};
use crate::util::*;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// What a delta does for one existing member: the rows it adds.
#[derive(Default)]
pub struct Activity {
    pub logins: Vec<i64>,
    pub posts: Vec<i64>,
    pub messages: Vec<i64>,
    pub consents: Vec<Ev>,
    pub birth: Option<i64>,
}

type ConsentState = [Option<bool>; consent::N_PURPOSES];

pub fn is_active(seed: u64, d: &DeltaInfo, k: u64) -> bool {
    k < d.first_new_member
        && unit_hash(seed ^ d.salt, k, d.sequence as u64) * 1e9 < d.active_ppb as f64
}

/// Applies delta `d`'s activity for member `c` (in `(from, to]`) to its state.
fn activity(
    seed: u64,
    d: &DeltaInfo,
    (from, to): (i64, i64),
    c: &Core,
    st: &mut MState,
    consent: &mut ConsentState,
) -> Activity {
    let r = &mut rng(seed ^ d.salt.rotate_left(17), c.k, 1000 + d.sequence as u64);
    let mut a = Activity::default();
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
    consent_changes(r, lo, to, consent, &mut a.consents);
    profile_changes(r, c, st);
    if st.pregnant && c.due * DAY <= to + 14 * DAY && chance(r, 0.8) {
        let b = between(r, lo, to);
        a.birth = Some(b);
        st.pregnant = false;
        st.children += 1;
    }
    st.updated = (st.last_login + r.gen_range(0..HOUR)).min(to);
    a
}

/// A preference changed in the profile, and perhaps an unsubscribe.
fn consent_changes(
    r: &mut ChaCha8Rng,
    lo: i64,
    to: i64,
    consent: &mut ConsentState,
    out: &mut Vec<Ev>,
) {
    use consent::*;
    if chance(r, 0.15) {
        let p = *pick(
            r,
            &[
                &P_PARENTING,
                &P_BABY,
                &P_PARTNER,
                &P_MARKET,
                &P_LOCAL,
                &P_PANEL,
            ],
        );
        let g = consent[p as usize] != Some(true);
        out.push(Ev {
            t: between(r, lo, to),
            purpose: p,
            granted: g,
            source: S_PROFILE,
            group: 0,
            bare: false,
        });
        consent[p as usize] = Some(g);
    }
    if chance(r, 0.06) {
        let granted: Vec<u8> = [P_PARENTING, P_PREGNANCY, P_BABY]
            .into_iter()
            .filter(|&p| consent[p as usize] == Some(true))
            .collect();
        if !granted.is_empty() {
            let p = granted[r.gen_range(0..granted.len())];
            out.push(Ev {
                t: between(r, lo, to),
                purpose: p,
                granted: false,
                source: S_UNSUB,
                group: 0,
                bare: false,
            });
            consent[p as usize] = Some(false);
        }
    }
    out.sort_by_key(|e| e.t);
}

/// A new email, a move, a suspension or its end.
fn profile_changes(r: &mut ChaCha8Rng, c: &Core, st: &mut MState) {
    if chance(r, 0.03) {
        st.email = make_email(r, c.first, c.surname);
        st.email_verified = false;
    } else if !st.email_verified && chance(r, 0.5) {
        st.email_verified = true;
    }
    if chance(r, 0.04) {
        st.place = r.gen_range(0..PLACES.len());
        st.postcode = make_postcode(r, st.place);
    }
    match st.status {
        Status::Active if chance(r, 0.01) => st.status = Status::Suspended,
        Status::Suspended if chance(r, 0.3) => st.status = Status::Active,
        _ => {}
    }
}

/// Replays member `k` through every delta of the chain (the last is the one
/// being made): its core, its state now, and what it does in the last one.
pub fn replay(
    ctx: &Ctx,
    seed: u64,
    deltas: &[DeltaInfo],
    times: &[(i64, i64)],
    k: u64,
) -> (Core, MState, Option<Activity>) {
    let c = ctx.core(k);
    let mut st = MState::of(&c);
    let mut consent: Option<ConsentState> = None;
    let mut last = None;
    for (i, d) in deltas.iter().enumerate() {
        if !is_active(seed, d, k) {
            continue;
        }
        let cs = consent.get_or_insert_with(|| consent::consent_plan(ctx, &c).state);
        let a = activity(seed, d, times[i], &c, &mut st, cs);
        if i + 1 == deltas.len() {
            last = Some(a);
        }
    }
    (c, st, last)
}
