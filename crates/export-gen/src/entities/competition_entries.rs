//! competition_entries.csv: the member's entries as planned in
//! `model::plans` (a ticked box shares them with the sponsor).

use super::{ts_r, EntityGen};
use crate::data::*;
use crate::error::Result;
use crate::model::people::{address, phone};
use crate::model::plans::comp_plan;
use crate::model::{Core, Ctx, T_COMP};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;

pub struct CompetitionEntries;

impl EntityGen for CompetitionEntries {
    fn entity(&self) -> Entity {
        Entity::CompetitionEntries
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        _cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        comp_rows(ctx, c, w)
    }
}

fn comp_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_COMP);
    for (j, e) in comp_plan(ctx, c).into_iter().enumerate() {
        let fortnight = e.t / (14 * DAY);
        let (title, sponsor) = COMPETITIONS[(fortnight as usize * 7 + 3) % COMPETITIONS.len()];
        let comp_id = format!("comp-{fortnight}");
        let full_name = if chance(r, 0.15) {
            format!(
                "{} {} {}",
                if c.female { "Mrs" } else { "Mr" },
                &c.first[..1],
                c.surname
            )
        } else {
            format!("{} {}", c.first, c.surname)
        };
        let multiline = chance(r, 0.7);
        let addr = address(r, c.place, &c.postcode, multiline);
        let ph = if chance(r, 0.1) {
            String::new()
        } else {
            phone(r)
        };
        let won = chance(r, 0.02);
        let at = ts_r(r, e.t);
        let id = format!("en-{}-{}", c.k, j + 1);
        w.csv([
            id.as_str(),
            &c.id,
            &comp_id,
            title,
            sponsor,
            at.as_str(),
            &full_name,
            &addr,
            &ph,
            if e.ticked || e.conflict {
                "true"
            } else {
                "false"
            },
            if won { "true" } else { "false" },
        ])?;
    }
    Ok(())
}
