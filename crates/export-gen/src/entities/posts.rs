//! posts.jsonl: posts spread evenly over the member's active years, in
//! threads shared by the members posting on a board in the same week. A
//! delta adds the posts written during it.

use super::{ts_r, DeltaMember, EntityGen};
use crate::data::*;
use crate::error::{Error, Result};
use crate::model::{Core, Ctx, Status, T_POST, T_THREAD};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub struct Posts;

impl EntityGen for Posts {
    fn entity(&self) -> Entity {
        Entity::Posts
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        let r = &mut rng(ctx.seed, c.k, T_POST);
        let span = (c.last_login - c.signup).max(1) as f64;
        let n = c.n_posts;
        let mut buf = String::new();
        for j in 0..n {
            if j % 65_536 == 65_535 && cancelled() {
                return Err(Error::Cancelled);
            }
            let t = c.signup + (span * (j as f64 + r.gen::<f64>()) / n as f64) as i64;
            let id = format!("p-{}-{}", c.k, j + 1);
            post_row(ctx, r, c, c.status, &id, t, &mut buf, w)?;
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
        let mut buf = String::new();
        for (i, t) in m.act.posts.iter().enumerate() {
            let id = format!("p-{}", m.suffix(i));
            post_row(ctx, r, m.core, m.state.status, &id, *t, &mut buf, w)?;
        }
        Ok(())
    }
}

fn thread_of(ctx: &Ctx, r: &mut ChaCha8Rng, t: i64) -> (u64, usize) {
    let week = (t.max(0) / (7 * DAY)) as u64;
    let board = r.gen_range(0..BOARDS.len());
    let slot = r.gen_range(0..ctx.thread_slots);
    (
        (week * BOARDS.len() as u64 + board as u64) * ctx.thread_slots + slot,
        board,
    )
}

fn body(r: &mut ChaCha8Rng, out: &mut String) {
    out.clear();
    let n = r.gen_range(1..4);
    for i in 0..n {
        if i > 0 {
            out.push_str(if chance(r, 0.15) { "\n\n" } else { " " });
        }
        out.push_str(pick(r, SENTENCES));
    }
    if chance(r, 0.04) {
        out.push(' ');
        out.push_str(pick(r, MARKUP_SNIPPETS));
    }
}

/// One post.
#[allow(clippy::too_many_arguments)]
fn post_row(
    ctx: &Ctx,
    r: &mut ChaCha8Rng,
    c: &Core,
    st: Status,
    id: &str,
    t: i64,
    buf: &mut String,
    w: &mut EntityWriter,
) -> Result<()> {
    let (thread, board) = thread_of(ctx, r, t);
    let tr = &mut rng(ctx.seed, thread, T_THREAD);
    let titles = BOARDS[board].1;
    let title = titles[tr.gen_range(0..titles.len())];
    let status = if st == Status::Anonymised {
        "anonymised"
    } else {
        let x: f64 = r.gen();
        if x < 0.93 {
            "visible"
        } else if x < 0.98 {
            "deleted"
        } else {
            "anonymised"
        }
    };
    let posted_as: &str = if status == "anonymised" {
        "Anonymous"
    } else if chance(r, 0.07) {
        pick(r, ANON_NAMES)
    } else {
        &c.username
    };
    body(r, buf);
    let edited = chance(r, 0.1).then(|| (t + r.gen_range(60..3 * DAY)).min(c.end.max(t)));
    let how = Unknown::random(r);
    let thread_id = format!("t-{thread}");
    let posted = ts_r(r, t);
    let edited = edited.map(|e| ts_r(r, e));
    let mut o = Obj::new(&mut w.line);
    o.s("post_id", id)
        .s("member_id", &c.id)
        .s("thread_id", &thread_id)
        .s("thread_title", title)
        .s("board", BOARDS[board].0)
        .s("posted_as", posted_as)
        .s("posted_at", posted.as_str())
        .opt("edited_at", edited.as_ref().map(|e| e.as_str()), how)
        .s("status", status)
        .s("body", buf)
        .end();
    w.flush_line()
}
