//! children.csv: born children, then the expected baby (due date only).
//! A delta adds a child born during it.

use super::{ts_r, DeltaMember, EntityGen};
use crate::error::Result;
use crate::model::{Core, Ctx, T_CHILD};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub struct Children;

impl EntityGen for Children {
    fn entity(&self) -> Entity {
        Entity::Children
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        _cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        let r = &mut rng(ctx.seed, c.k, T_CHILD);
        let today = c.end.div_euclid(DAY);
        let lo = (c.dob + 18 * 365).max(c.signup.div_euclid(DAY) - 6 * 365);
        let hi = (today - 1).max(lo);
        let mut dobs: Vec<i64> = (0..c.children).map(|_| r.gen_range(lo..=hi)).collect();
        dobs.sort_unstable();
        let mut j = 0;
        for d in dobs {
            j += 1;
            let upd = between(r, c.signup.max(d * DAY), c.end);
            let updated = ts_r(r, upd);
            let id = format!("ch-{}-{j}", c.k);
            w.csv([&id, &c.id, date(d).as_str(), "", updated.as_str()])?;
        }
        if c.pregnant {
            j += 1;
            let upd = between(r, c.signup.max(c.end - 200 * DAY), c.end);
            let updated = ts_r(r, upd);
            let id = format!("ch-{}-{j}", c.k);
            w.csv([&id, &c.id, "", date(c.due).as_str(), updated.as_str()])?;
        }
        Ok(())
    }

    fn delta_rows(
        &self,
        _ctx: &Ctx,
        _r: &mut ChaCha8Rng,
        m: &DeltaMember,
        w: &mut EntityWriter,
    ) -> Result<()> {
        let Some(b) = m.act.birth else {
            return Ok(());
        };
        let c = m.core;
        let id = format!("ch-{}-{}", c.k, c.children as u64 + 1);
        let born = date(b.div_euclid(DAY));
        let due = date(c.due);
        let upd = ts(b + HOUR, true);
        w.csv([&id, &c.id, born.as_str(), due.as_str(), upd.as_str()])
    }
}
