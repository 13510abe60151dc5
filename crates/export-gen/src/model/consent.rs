//! A member's consent history, planned in time order with the state it
//! leaves: grants at signup (or the pre-GDPR import), cookie choices in the
//! CMP, later changes in the profile, unsubscribes, helpdesk changes,
//! re-prompts, ticked boxes on competitions and surveys, social sign-ins,
//! and the expiry of marketing consents after two years without a login.

use super::plans::{comp_plan, social_plan, survey_plan};
use super::{Core, Ctx, T_CONSENT_PLAN};
use crate::util::*;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub const P_PARENTING: u8 = 0;
pub const P_PREGNANCY: u8 = 1;
pub const P_BABY: u8 = 2;
pub const P_BLOGGERS: u8 = 3;
pub const P_PARTNER: u8 = 4;
pub const P_MARKET: u8 = 5;
pub const P_COMP: u8 = 6;
pub const P_SURVEY: u8 = 7;
pub const P_PANEL: u8 = 8;
pub const P_SPECIAL: u8 = 9;
pub const P_LOCAL: u8 = 10;
pub const P_COOKIE0: u8 = 11;
pub const P_IDENTITY: u8 = 16;
pub const N_PURPOSES: usize = 17;

pub const S_REGISTRATION: u8 = 0;
pub const S_PROFILE: u8 = 1;
pub const S_UNSUB: u8 = 2;
pub const S_CMP: u8 = 3;
pub const S_HELPDESK: u8 = 4;
pub const S_COMPETITION: u8 = 5;
pub const S_SURVEY: u8 = 6;
pub const S_INACTIVITY: u8 = 7;
pub const S_LEGACY: u8 = 8;

/// One planned consent event.
#[derive(Clone, Debug)]
pub struct Ev {
    pub t: i64,
    pub purpose: u8,
    pub granted: bool,
    pub source: u8,
    /// For CMP events: which CMP record (they share a TCF string).
    pub group: u32,
    /// No evidence recorded.
    pub bare: bool,
}

pub fn policy_for(t: i64) -> &'static str {
    if t < utc(2015, 1, 12, 0, 0, 0) {
        "2011-06"
    } else if t < utc(2018, 5, 25, 0, 0, 0) {
        "2015-01"
    } else if t < utc(2021, 3, 1, 0, 0, 0) {
        "2018-05"
    } else if t < utc(2024, 9, 2, 0, 0, 0) {
        "2021-03"
    } else {
        "2024-09"
    }
}

/// Builds a member's consent history in time order, tracking the state.
pub struct Plan {
    pub events: Vec<Ev>,
    pub state: [Option<bool>; N_PURPOSES],
    groups: u32,
}

impl Plan {
    fn new() -> Plan {
        Plan {
            events: Vec::new(),
            state: [None; N_PURPOSES],
            groups: 0,
        }
    }

    pub fn push(&mut self, t: i64, purpose: u8, granted: bool, source: u8, bare: bool) {
        self.events.push(Ev {
            t,
            purpose,
            granted,
            source,
            group: self.groups,
            bare,
        });
        self.state[purpose as usize] = Some(granted);
    }

    fn granted(&self, p: u8) -> bool {
        self.state[p as usize] == Some(true)
    }

    /// A CMP record: one event per cookie category, at one instant.
    fn cmp(&mut self, r: &mut ChaCha8Rng, t: i64) {
        self.groups += 1;
        let probs = [1.0, 0.7, 0.6, 0.45, 0.4];
        for (i, p) in probs.iter().enumerate() {
            let g = chance(r, *p);
            self.push(t, P_COOKIE0 + i as u8, g, S_CMP, false);
        }
        if chance(r, 0.04) {
            // Accept-all then reject-all in the same second: a tie.
            self.push(t, P_COOKIE0 + 3, true, S_CMP, false);
            self.push(t, P_COOKIE0 + 3, false, S_CMP, false);
        }
    }
}

pub const CMP_START: i64 = 1_567_296_000; // 2019-09-01
const LEGACY_AT: i64 = 1_527_202_800; // 2018-05-24T23:00:00Z
const REPROMPTS: [i64; 2] = [1_615_766_400, 1_725_926_400]; // 2021-03-15, 2024-09-10

/// Something after signup that may change consent (in this order when two
/// fall on the same second).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Happening {
    /// A change in the profile's email preferences.
    Preference,
    Unsubscribe,
    /// A change made by the helpdesk on the member's request.
    Helpdesk,
    /// The CMP asks again after a policy change.
    Reprompt,
    Competition,
    Survey,
    SocialLink,
    SocialUnlink,
}

/// The member's consent history as the full export holds it.
pub fn consent_plan(ctx: &Ctx, c: &Core) -> Plan {
    let r = &mut rng(ctx.seed, c.k, T_CONSENT_PLAN);
    let mut p = Plan::new();
    let start = first_grants(r, c, &mut p);
    let later = happenings(ctx, c, r, start);
    for (t, h) in later {
        happen(r, &mut p, t.max(start), h);
    }
    expire(c, &mut p, start);
    p.events.sort_by_key(|e| e.t);
    // Recompute the final state in file order (time, then event id).
    p.state = [None; N_PURPOSES];
    for e in &p.events {
        p.state[e.purpose as usize] = Some(e.granted);
    }
    p
}

/// The grants at signup (or in the pre-GDPR import) and the first CMP
/// record; returns when later happenings may start.
fn first_grants(r: &mut ChaCha8Rng, c: &Core, p: &mut Plan) -> i64 {
    let pregnant_at_signup = c.pregnant && c.signup > c.end - 250 * DAY || chance(r, 0.2);
    let wants: [(u8, f64); 8] = [
        (P_PARENTING, 0.7),
        (P_PREGNANCY, if pregnant_at_signup { 0.85 } else { 0.0 }),
        (P_BABY, if c.children > 0 { 0.45 } else { 0.05 }),
        (P_PARTNER, 0.18),
        (P_MARKET, 0.12),
        (P_SPECIAL, 0.08),
        (P_PANEL, 0.04),
        (P_BLOGGERS, if c.blogger { 1.0 } else { 0.0 }),
    ];
    let mut start = c.signup;
    if c.signup < LEGACY_AT && chance(r, 0.7) {
        for (purpose, prob) in wants {
            if chance(r, prob) {
                let bare = chance(r, 0.15);
                p.push(LEGACY_AT, purpose, true, S_LEGACY, bare);
            }
        }
        start = LEGACY_AT + DAY;
    } else {
        for (purpose, prob) in wants {
            if chance(r, prob) {
                p.push(c.signup, purpose, true, S_REGISTRATION, false);
            }
        }
    }
    if c.signup >= CMP_START && c.web_cmp {
        let t: i64 = c.signup + r.gen_range(5..120);
        p.cmp(r, t);
    }
    start
}

/// Everything after signup that may change consent, in time order.
fn happenings(ctx: &Ctx, c: &Core, r: &mut ChaCha8Rng, start: i64) -> Vec<(i64, Happening)> {
    let mut later: Vec<(i64, Happening)> = Vec::new();
    let active_end = c.last_login.max(start);
    for _ in 0..geometric(r, 0.6, 0.5, 8) {
        later.push((between(r, start, active_end), Happening::Preference));
    }
    for _ in 0..geometric(r, 0.75, 0.2, 3) {
        later.push((between(r, start, c.end), Happening::Unsubscribe));
    }
    if chance(r, 0.05) {
        later.push((between(r, start, c.end), Happening::Helpdesk));
    }
    for rp in REPROMPTS {
        if c.signup < rp && c.last_login > rp && chance(r, 0.3) {
            let t = between(r, rp, (rp + 60 * DAY).min(c.last_login));
            later.push((t, Happening::Reprompt));
        }
    }
    for e in comp_plan(ctx, c) {
        if e.ticked {
            later.push((e.t, Happening::Competition));
        }
    }
    for e in survey_plan(ctx, c) {
        if e.ticked {
            later.push((e.t, Happening::Survey));
        }
    }
    for s in social_plan(ctx, c) {
        later.push((s.linked, Happening::SocialLink));
        if let Some(u) = s.unlinked {
            later.push((u, Happening::SocialUnlink));
        }
    }
    later.sort_unstable();
    later
}

/// What one happening at `t` does to the plan.
fn happen(r: &mut ChaCha8Rng, p: &mut Plan, t: i64, h: Happening) {
    match h {
        Happening::Preference => {
            let purpose = *pick(
                r,
                &[
                    &P_PARENTING,
                    &P_PARENTING,
                    &P_PREGNANCY,
                    &P_BABY,
                    &P_BABY,
                    &P_PARTNER,
                    &P_MARKET,
                    &P_PANEL,
                    &P_LOCAL,
                    &P_SPECIAL,
                ],
            );
            let g = !p.granted(purpose);
            p.push(t, purpose, g, S_PROFILE, chance(r, 0.03));
        }
        Happening::Unsubscribe => {
            let granted: Vec<u8> = [P_PARENTING, P_PREGNANCY, P_BABY, P_BLOGGERS, P_PARTNER]
                .into_iter()
                .filter(|&x| p.granted(x))
                .collect();
            if !granted.is_empty() {
                let x = granted[r.gen_range(0..granted.len())];
                p.push(t, x, false, S_UNSUB, false);
            }
        }
        Happening::Helpdesk => {
            let x = *pick(r, &[&P_PARTNER, &P_MARKET, &P_SPECIAL, &P_PANEL]);
            let g = x == P_PANEL;
            p.push(t, x, g, S_HELPDESK, chance(r, 0.2));
        }
        Happening::Reprompt => p.cmp(r, t),
        Happening::Competition => p.push(t, P_COMP, true, S_COMPETITION, false),
        Happening::Survey => p.push(t, P_SURVEY, true, S_SURVEY, false),
        Happening::SocialLink if chance(r, 0.5) => p.push(t, P_IDENTITY, true, S_PROFILE, false),
        Happening::SocialUnlink if p.granted(P_IDENTITY) => {
            p.push(t, P_IDENTITY, false, S_PROFILE, false)
        }
        Happening::SocialLink | Happening::SocialUnlink => {}
    }
}

/// Two years without a login: marketing consents expire.
fn expire(c: &Core, p: &mut Plan, start: i64) {
    let expiry = c.last_login + 2 * YEAR;
    if expiry < c.end {
        let t = expiry.max(start);
        for x in [
            P_PARENTING,
            P_PREGNANCY,
            P_BABY,
            P_BLOGGERS,
            P_PARTNER,
            P_MARKET,
        ] {
            if p.granted(x) {
                p.push(t, x, false, S_INACTIVITY, false);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_versions_change_on_their_dates() {
        assert_eq!(policy_for(utc(2015, 1, 11, 23, 59, 59)), "2011-06");
        assert_eq!(policy_for(utc(2015, 1, 12, 0, 0, 0)), "2015-01");
        assert_eq!(policy_for(utc(2018, 5, 25, 0, 0, 0)), "2018-05");
        assert_eq!(policy_for(utc(2021, 3, 1, 0, 0, 0)), "2021-03");
        assert_eq!(policy_for(utc(2024, 9, 2, 0, 0, 0)), "2024-09");
        assert_eq!(CMP_START, utc(2019, 9, 1, 0, 0, 0));
        assert_eq!(LEGACY_AT, utc(2018, 5, 24, 23, 0, 0));
    }
}
