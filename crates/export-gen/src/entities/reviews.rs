//! reviews.jsonl: the member's reviews of listings, products and recipes.

use super::{ts_r, EntityGen};
use crate::data::*;
use crate::error::Result;
use crate::model::{Core, Ctx, T_REVIEW};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;
use rand::Rng;

pub struct Reviews;

impl EntityGen for Reviews {
    fn entity(&self) -> Entity {
        Entity::Reviews
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        _cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        review_rows(ctx, c, w)
    }
}

fn review_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_REVIEW);
    for j in 0..c.n_reviews {
        let t = between(r, c.signup, c.last_login);
        let (tt, target) = match r.gen_range(0..3) {
            0 => (
                "listing",
                format!("ll-{}-1", r.gen_range(1..=ctx.max_member.max(1))),
            ),
            1 => ("product", format!("prod-{}", r.gen_range(1000..9999))),
            _ => ("recipe", format!("recipe-{}", r.gen_range(100..5000))),
        };
        let rating = *pick(r, &[&5i64, &5, &4, &4, &3, &2, &1]);
        let body = chance(r, 0.85).then(|| pick(r, REVIEW_BODIES));
        let how = Unknown::random(r);
        let id = format!("rv-{}-{}", c.k, j + 1);
        let at = ts_r(r, t);
        let mut o = Obj::new(&mut w.line);
        o.s("review_id", &id)
            .s("member_id", &c.id)
            .s("target_type", tt)
            .s("target_id", &target)
            .i("rating", rating)
            .opt("body", body, how)
            .s("posted_at", at.as_str())
            .end();
        w.flush_line()?;
    }
    Ok(())
}
