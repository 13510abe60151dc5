//! helpdesk_tickets.jsonl: the member's tickets, some sent from another
//! address or by someone with no account (no `member_id`).

use super::{ts_r, EntityGen};
use crate::data::*;
use crate::error::Result;
use crate::model::people::make_email;
use crate::model::{Core, Ctx, T_TICKET};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;
use rand::Rng;

pub struct HelpdeskTickets;

impl EntityGen for HelpdeskTickets {
    fn entity(&self) -> Entity {
        Entity::HelpdeskTickets
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        _cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        ticket_rows(ctx, c, w)
    }
}

fn ticket_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_TICKET);
    for j in 0..c.n_tickets {
        let no_account = chance(r, 0.2);
        let (subject, first, special) = TICKETS[r.gen_range(0..TICKETS.len())];
        let special = special || chance(r, 0.02);
        let opened = between(r, c.signup, c.end - HOUR);
        let email = if no_account {
            let f = pick(r, FEMALE_FIRST);
            let s = pick(r, SURNAMES);
            make_email(r, f, s)
        } else if chance(r, 0.1) {
            make_email(r, c.first, c.surname)
        } else {
            c.email.clone()
        };
        let n = r.gen_range(1..5);
        let mut msgs: Vec<(bool, i64, &str)> = Vec::new();
        let mut t = opened;
        for i in 0..n {
            let staff = i % 2 == 1;
            let body = if i == 0 {
                first
            } else if staff {
                pick(r, STAFF_REPLIES)
            } else {
                pick(
                    r,
                    &[
                        "Thank you.",
                        "That's still happening, sorry.",
                        "Done, thanks for your help!",
                    ],
                )
            };
            msgs.push((staff, t, body));
            t = (t + r.gen_range(600..3 * DAY)).min(c.end);
        }
        let closed = chance(r, 0.8).then_some(t);
        let how = Unknown::random(r);
        let id = format!("tk-{}-{}", c.k, j + 1);
        let opened_s = ts_r(r, opened);
        let closed_s = closed.map(|t| ts_r(r, t));
        let stamps: Vec<Stamp> = msgs.iter().map(|m| ts_r(r, m.1)).collect();
        let mut o = Obj::new(&mut w.line);
        o.s("ticket_id", &id)
            .opt("member_id", (!no_account).then_some(c.id.as_str()), how)
            .s("requester_email", &email)
            .s("subject", subject)
            .s("opened_at", opened_s.as_str())
            .opt("closed_at", closed_s.as_ref().map(|s| s.as_str()), how)
            .b("special_category", special)
            .raw("messages", |b| {
                b.push(b'[');
                for (i, m) in msgs.iter().enumerate() {
                    if i > 0 {
                        b.push(b',');
                    }
                    let mut mo = Obj::new(b);
                    mo.s("from", if m.0 { "staff" } else { "member" })
                        .s("at", stamps[i].as_str())
                        .s("body", m.2)
                        .end();
                }
                b.push(b']');
            })
            .end();
        w.flush_line()?;
    }
    Ok(())
}
