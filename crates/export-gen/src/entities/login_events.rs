//! login_events.csv: the last login is the member's last_login_at. A delta
//! adds the logins made during it.

use super::{ts_r, DeltaMember, EntityGen};
use crate::data::*;
use crate::error::Result;
use crate::model::people::make_ip;
use crate::model::{Core, Ctx, T_LOGIN};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub struct LoginEvents;

impl EntityGen for LoginEvents {
    fn entity(&self) -> Entity {
        Entity::LoginEvents
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        _cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        let r = &mut rng(ctx.seed, c.k, T_LOGIN);
        let lo = c.signup.max(c.last_login - YEAR);
        for j in 0..c.n_logins {
            let t = if j == 0 {
                c.last_login
            } else {
                between(r, lo, c.last_login)
            };
            let id = format!("l-{}-{}", c.k, j + 1);
            login_row(ctx, r, c, &id, t, w)?;
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
        for (i, t) in m.act.logins.iter().enumerate() {
            login_row(ctx, r, m.core, &format!("l-{}", m.suffix(i)), *t, w)?;
        }
        Ok(())
    }
}

fn user_agent(r: &mut ChaCha8Rng, ctx: &Ctx, app: bool) -> String {
    if app {
        let ios = chance(r, 0.6);
        format!(
            "{}App/{}.{}.{} ({}; Scale/3.00)",
            ctx.brand,
            r.gen_range(4..7),
            r.gen_range(0..20),
            r.gen_range(0..5),
            if ios {
                "iPhone; iOS 17.4"
            } else {
                "Android 14; Pixel 7"
            }
        )
    } else {
        pick(r, USER_AGENTS).to_string()
    }
}

/// One login event row.
fn login_row(
    ctx: &Ctx,
    r: &mut ChaCha8Rng,
    c: &Core,
    id: &str,
    t: i64,
    w: &mut EntityWriter,
) -> Result<()> {
    let app = c.app_user && chance(r, 0.7);
    let method = if app {
        "app"
    } else if c.n_social > 0 && chance(r, 0.4) {
        if chance(r, 0.6) {
            "facebook"
        } else {
            "google"
        }
    } else if chance(r, 0.03) {
        ""
    } else {
        "password"
    };
    let ua = if chance(r, 0.04) {
        String::new()
    } else {
        user_agent(r, ctx, app)
    };
    let ip = make_ip(r);
    let at = ts_r(r, t);
    w.csv([id, &c.id, at.as_str(), &ip, &ua, method])
}
