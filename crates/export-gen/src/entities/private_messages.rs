//! private_messages.jsonl: messages between members, to and from parent
//! supporters and moderators, spread over the sender's active years. A
//! delta adds the messages sent during it.

use super::{ts_r, DeltaMember, EntityGen};
use crate::data::*;
use crate::error::{Error, Result};
use crate::model::{is_moderator, is_supporter, Core, Ctx, T_PM};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub struct PrivateMessages;

impl EntityGen for PrivateMessages {
    fn entity(&self) -> Entity {
        Entity::PrivateMessages
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        let r = &mut rng(ctx.seed, c.k, T_PM);
        let span = (c.last_login - c.signup).max(1) as f64;
        let n = c.n_pm;
        for j in 0..n {
            if j % 65_536 == 65_535 && cancelled() {
                return Err(Error::Cancelled);
            }
            let t = c.signup + (span * (j as f64 + r.gen::<f64>()) / n as f64) as i64;
            let id = format!("pm-{}-{}", c.k, j + 1);
            let g = format!("{}-{}", c.k, j + 1);
            message_row(ctx, r, c, &id, &g, t, w)?;
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
        for (i, t) in m.act.messages.iter().enumerate() {
            let id = format!("pm-{}", m.suffix(i));
            message_row(ctx, r, m.core, &id, &m.suffix(i), *t, w)?;
        }
        Ok(())
    }
}

/// The conversation's type and the recipients of member `k`'s message.
fn recipients(ctx: &Ctx, r: &mut ChaCha8Rng, k: u64) -> (&'static str, Vec<u64>) {
    let x: f64 = r.gen();
    if is_supporter(k) && x < 0.7 {
        ("parent_supporter", vec![ctx.random_member(r, k)])
    } else if is_moderator(k) && x < 0.7 {
        ("moderator", vec![ctx.random_member(r, k)])
    } else if x < 0.85 {
        let n = if chance(r, 0.88) {
            1
        } else {
            r.gen_range(2..4)
        };
        let mut v: Vec<u64> = Vec::new();
        while (v.len() as u64) < n {
            let m = ctx.random_member(r, k);
            if !v.contains(&m) && m != k {
                v.push(m);
            }
            if ctx.max_member < 4 {
                break;
            }
        }
        if v.is_empty() {
            v.push(if k == 1 { 2 } else { 1 });
        }
        ("member", v)
    } else if x < 0.95 {
        ("parent_supporter", vec![ctx.random_supporter(r)])
    } else {
        ("moderator", vec![ctx.random_moderator(r)])
    }
}

/// The conversation id: one per pair of members and type, or per group.
fn conversation(kind: &str, k: u64, recipients: &[u64], group_id: &str) -> String {
    if recipients.len() > 1 {
        format!("cv-g-{group_id}")
    } else {
        let o = recipients[0];
        let (lo, hi) = (k.min(o), k.max(o));
        match kind {
            "member" => format!("cv-{lo}-{hi}"),
            "parent_supporter" => format!("cv-ps-{lo}-{hi}"),
            _ => format!("cv-mod-{lo}-{hi}"),
        }
    }
}

/// One private message.
fn message_row(
    ctx: &Ctx,
    r: &mut ChaCha8Rng,
    c: &Core,
    id: &str,
    group_id: &str,
    t: i64,
    w: &mut EntityWriter,
) -> Result<()> {
    let k = c.k;
    let (kind, recipients) = recipients(ctx, r, k);
    let conv = conversation(kind, k, &recipients, group_id);
    let body = match kind {
        "parent_supporter" if is_supporter(k) => pick(r, SUPPORTER_BODIES),
        "moderator" if is_moderator(k) => pick(r, MODERATOR_BODIES),
        _ => pick(r, PM_BODIES),
    };
    let subject = chance(r, 0.7).then(|| pick(r, PM_SUBJECTS));
    let how = Unknown::random(r);
    let sent = ts_r(r, t);
    let mut o = Obj::new(&mut w.line);
    o.s("message_id", id)
        .s("conversation_id", &conv)
        .s("conversation_type", kind)
        .s("sender_id", &c.id)
        .raw("recipient_ids", |b| {
            b.push(b'[');
            for (i, m) in recipients.iter().enumerate() {
                if i > 0 {
                    b.push(b',');
                }
                json_str(b, &format!("m-{m}"));
            }
            b.push(b']');
        })
        .s("sent_at", sent.as_str())
        .opt("subject", subject, how)
        .s("body", body)
        .end();
    w.flush_line()
}
