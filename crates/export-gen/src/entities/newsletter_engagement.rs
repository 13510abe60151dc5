//! newsletter_engagement.csv: one row per newsletter the member was ever
//! subscribed to (from the consent plan), with the last send, open, click.

use super::{ts_r, EntityGen};
use crate::data::*;
use crate::error::Result;
use crate::model::consent::*;
use crate::model::{Core, Ctx, T_NEWS};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;

pub struct NewsletterEngagement;

impl EntityGen for NewsletterEngagement {
    fn entity(&self) -> Entity {
        Entity::NewsletterEngagement
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        _cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        news_rows(ctx, c, w)
    }
}

fn news_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let plan = consent_plan(ctx, c);
    let r = &mut rng(ctx.seed, c.k, T_NEWS);
    let mut j = 0;
    for nl in [P_PARENTING, P_PREGNANCY, P_BABY, P_BLOGGERS] {
        let Some(first) = plan
            .events
            .iter()
            .find(|e| e.purpose == nl && e.granted)
            .map(|e| e.t)
        else {
            continue;
        };
        let withdrawn = match plan.state[nl as usize] {
            Some(false) => plan
                .events
                .iter()
                .rev()
                .find(|e| e.purpose == nl)
                .map(|e| e.t),
            _ => None,
        };
        let sent = match withdrawn {
            Some(wt) if chance(r, 0.04) => Some(between(r, wt + HOUR, c.end)),
            Some(wt) if wt > first + 7 * DAY => Some(between(r, first + DAY, wt - HOUR)),
            Some(_) => None,
            None if c.end - first > 2 * DAY => {
                Some(between(r, (c.end - 7 * DAY).max(first + DAY), c.end - HOUR))
            }
            None => None,
        };
        let opened = sent
            .filter(|_| chance(r, 0.6))
            .map(|s| between(r, s, (s + 3 * DAY).min(c.end)));
        let clicked = opened
            .filter(|_| chance(r, 0.3))
            .map(|o| between(r, o, (o + HOUR).min(c.end)));
        j += 1;
        let id = format!("ne-{}-{j}", c.k);
        let s = sent.map(|t| ts_r(r, t));
        let o = opened.map(|t| ts_r(r, t));
        let cl = clicked.map(|t| ts_r(r, t));
        let f = |x: &Option<Stamp>| x.map(|s| s.as_str().to_string()).unwrap_or_default();
        w.csv([
            id.as_str(),
            &c.id,
            PURPOSES[nl as usize],
            &f(&s),
            &f(&o),
            &f(&cl),
        ])?;
    }
    Ok(())
}
