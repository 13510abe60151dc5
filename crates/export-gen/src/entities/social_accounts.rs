//! social_accounts.csv: the sign-in accounts a member linked (and perhaps
//! unlinked), as planned in `model::plans`.

use super::{ts_r, EntityGen};
use crate::error::Result;
use crate::model::people::make_email;
use crate::model::plans::social_plan;
use crate::model::{Core, Ctx, T_SOCIAL};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;
use rand::Rng;

pub struct SocialAccounts;

impl EntityGen for SocialAccounts {
    fn entity(&self) -> Entity {
        Entity::SocialAccounts
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        _cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        social_rows(ctx, c, w)
    }
}

fn social_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_SOCIAL);
    for (j, s) in social_plan(ctx, c).into_iter().enumerate() {
        let uid = match s.provider {
            "facebook" => format!(
                "{}",
                r.gen_range(100_000_000_000_000u64..9_999_999_999_999_999)
            ),
            "google" => format!("1{:020}", r.gen_range(0..u64::MAX)),
            _ => format!(
                "00{:04}.{:032x}.{:04}",
                r.gen_range(0..9999),
                r.gen::<u128>(),
                r.gen_range(0..9999)
            ),
        };
        let x = r.gen_range(0..10);
        let email = if s.provider == "apple" && x <= 5 {
            format!("{:010x}@privaterelay.appleid.com", r.gen::<u64>() >> 24)
        } else if x <= 4 {
            c.email.clone()
        } else if x <= 7 {
            make_email(r, c.first, c.surname)
        } else {
            String::new()
        };
        let id = format!("sa-{}-{}", c.k, j + 1);
        let linked = ts_r(r, s.linked);
        let unlinked = s.unlinked.map(|t| ts_r(r, t));
        w.csv([
            id.as_str(),
            &c.id,
            s.provider,
            &uid,
            &email,
            linked.as_str(),
            unlinked.as_ref().map(|u| u.as_str()).unwrap_or(""),
        ])?;
    }
    Ok(())
}
