//! consent_events.jsonl: the member's consent history as planned in
//! `model::consent`, each event with its evidence (the form and wording, the
//! unsubscribe link, the CMP record with a real TCF string, …). A delta adds
//! the changes made during it.

use super::{ts_r, DeltaMember, EntityGen};
use crate::data::*;
use crate::error::Result;
use crate::model::consent::*;
use crate::model::people::make_ip;
use crate::model::{Core, Ctx, T_CONSENT};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;
use rand_chacha::ChaCha8Rng;

pub struct ConsentEvents;

impl EntityGen for ConsentEvents {
    fn entity(&self) -> Entity {
        Entity::ConsentEvents
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        _cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        let plan = consent_plan(ctx, c);
        let r = &mut rng(ctx.seed, c.k, T_CONSENT);
        let mut later_ip = make_ip(r);
        for (j, e) in plan.events.iter().enumerate() {
            let id = format!("ce-{}-{:03}", c.k, j + 1);
            let ip = if e.t == c.signup {
                c.signup_ip.clone()
            } else {
                if chance(r, 0.3) {
                    later_ip = make_ip(r);
                }
                later_ip.clone()
            };
            consent_row(ctx, r, c, &id, e, &ip, w)?;
        }
        Ok(())
    }

    fn delta_rows(
        &self,
        ctx: &Ctx,
        r: &mut ChaCha8Rng,
        m: &DeltaMember,
        w: &mut EntityWriter,
    ) -> Result<()> {
        let ip = make_ip(r);
        for (i, e) in m.act.consents.iter().enumerate() {
            let id = format!("ce-{}-d{}-{:03}", m.core.k, m.seq, i + 1);
            consent_row(ctx, r, m.core, &id, e, &ip, w)?;
        }
        Ok(())
    }
}

/// A real IAB TCF v2 core string (decodable by the desk): purpose 1
/// (storage) always, a plausible subset of the others and of 60 vendors,
/// created at the event's time.
fn tcf_string(seed: u64, k: u64, group: u32, t: i64) -> String {
    let r = &mut rng(seed ^ 0x7C7C, k, group as u64);
    let purposes: Vec<u64> = (1..=10).filter(|&p| p == 1 || chance(r, 0.6)).collect();
    let vendors: Vec<u64> = (1..=60).filter(|_| chance(r, 0.4)).collect();
    export_format::tcf::encode(&purposes, &vendors, (t.max(0) as u64) * 10)
}

/// Renders one consent event line.
#[allow(clippy::too_many_arguments)]
fn consent_row(
    ctx: &Ctx,
    r: &mut ChaCha8Rng,
    c: &Core,
    id: &str,
    e: &Ev,
    ip: &str,
    w: &mut EntityWriter,
) -> Result<()> {
    let purpose = PURPOSES[e.purpose as usize];
    let source = SOURCES[e.source as usize];
    let at = ts_r(r, e.t);
    let old = e.t < utc(2015, 1, 12, 0, 0, 0);
    let no_policy = (old && chance(r, 0.5)) || chance(r, 0.01);
    let policy = if e.source == S_LEGACY {
        "2018-05"
    } else {
        policy_for(e.t)
    };
    let how = Unknown::random(r);
    let with_ip = matches!(
        e.source,
        S_REGISTRATION | S_PROFILE | S_CMP | S_COMPETITION | S_SURVEY
    ) && !chance(r, 0.05);
    let is_cookie = e.purpose >= P_COOKIE0 && e.purpose < P_COOKIE0 + 5;
    let tcf = (is_cookie && e.source == S_CMP).then(|| tcf_string(ctx.seed, c.k, e.group, e.t));
    let bare = e.bare || (old && e.source == S_REGISTRATION && chance(r, 0.6));
    let mut o = Obj::new(&mut w.line);
    o.s("event_id", id)
        .s("member_id", &c.id)
        .s("purpose", purpose)
        .s("action", if e.granted { "granted" } else { "withdrawn" })
        .s("occurred_at", at.as_str())
        .s("source", source)
        .opt("policy_version", (!no_policy).then_some(policy), how)
        .opt("ip", with_ip.then_some(ip), how);
    if bare {
        o.opt("evidence", None, how);
    } else {
        o.raw("evidence", |b| {
            let mut ev = Obj::new(b);
            evidence(&mut ev, ctx, c.k, e);
            ev.end();
        });
    }
    o.opt("tcf_string", tcf.as_deref(), how).end();
    w.flush_line()
}

/// The evidence object's fields: what the member saw or did, by source.
fn evidence(ev: &mut Obj, ctx: &Ctx, k: u64, e: &Ev) {
    let wording = WORDING[e.purpose as usize];
    let purpose = PURPOSES[e.purpose as usize];
    let (brand, site, group) = (&ctx.brand, &ctx.site, e.group);
    match e.source {
        S_REGISTRATION => {
            ev.s("form", "registration")
                .s("page", "/register")
                .s("wording", wording)
                .b("checkbox_default", false);
        }
        S_PROFILE => {
            ev.s("form", "email_preferences")
                .s("page", "/account/preferences")
                .s("wording", wording);
        }
        S_UNSUB => {
            ev.s(
                "link",
                &format!("https://www.{site}.com/unsubscribe?c=nl{}", k % 9973),
            )
            .s("campaign", purpose);
        }
        S_CMP => {
            ev.s("cmp", "OneTrust")
                .s("cmp_version", "202409.1.0")
                .s("consent_record", &format!("cr-{k}-{group}"))
                .s(
                    "banner",
                    &format!("We and our partners use cookies on {brand}"),
                )
                .s("category", wording);
        }
        S_HELPDESK => {
            ev.s("channel", "email")
                .s("agent", HELPDESK_AGENTS[(k % 4) as usize])
                .s("note", "Member asked by email; preference changed by staff");
        }
        S_COMPETITION => {
            ev.s("form", "competition_entry")
                .s("page", "/competitions/enter")
                .s("wording", wording);
        }
        S_SURVEY => {
            ev.s("form", "survey_optin").s("wording", wording);
        }
        S_INACTIVITY => {
            ev.s("rule", "24 months without a login")
                .s("job", "consent-expiry");
        }
        _ => {
            ev.s("source_system", "members_v1")
                .s("import", "pre-GDPR opt-ins")
                .s("wording", "Keep me up to date with news and offers");
        }
    }
}
