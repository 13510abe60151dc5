//! local_listings.csv: the few members who advertise a local business.

use super::{ts_r, EntityGen};
use crate::data::*;
use crate::error::Result;
use crate::model::people::{address, make_postcode, phone};
use crate::model::{Core, Ctx, T_LIST};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;

pub struct LocalListings;

impl EntityGen for LocalListings {
    fn entity(&self) -> Entity {
        Entity::LocalListings
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        _cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        listing_rows(ctx, c, w)
    }
}

fn listing_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_LIST);
    for j in 0..c.n_listings {
        let created = between(r, c.signup, c.last_login);
        let expires = created + 365 * DAY;
        let pc = make_postcode(r, c.place);
        let addr = address(r, c.place, &pc, false);
        let id = format!("ll-{}-{}", c.k, j + 1);
        let contact = format!("{} {}", c.first, c.surname);
        let ph = phone(r);
        let cr = ts_r(r, created);
        let ex = ts_r(r, expires);
        w.csv([
            id.as_str(),
            &c.id,
            pick(r, BUSINESSES),
            &contact,
            &ph,
            &addr,
            cr.as_str(),
            if chance(r, 0.9) { ex.as_str() } else { "" },
        ])?;
    }
    Ok(())
}
