//! members.csv: one row per member, with the two columns production adds
//! beyond the contract (`password_hash`, never stored; `marketing_segment`).
//! A delta writes the whole row again for every member active in it.

use super::{local, DeltaMember, EntityGen};
use crate::data::*;
use crate::error::Result;
use crate::model::people::ascii_lower;
use crate::model::{Core, Ctx, MState, Status, T_MEMBER};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub struct Members;

/// The header as production writes it: the contract's fields in another
/// order, plus `password_hash` and `marketing_segment`.
pub const MEMBERS_HEADER: &[&str] = &[
    "member_id",
    "username",
    "email",
    "password_hash",
    "first_name",
    "surname",
    "email_verified",
    "date_of_birth",
    "postcode",
    "location",
    "pregnant",
    "due_date",
    "children_count",
    "blog_url",
    "twitter_handle",
    "status",
    "signup_at",
    "signup_ip",
    "last_login_at",
    "updated_at",
    "marketing_segment",
];

impl EntityGen for Members {
    fn entity(&self) -> Entity {
        Entity::Members
    }

    fn header(&self) -> Vec<&'static str> {
        MEMBERS_HEADER.to_vec()
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        _cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        member_row(ctx, c, &MState::of(c), w)
    }

    fn delta_rows(
        &self,
        ctx: &Ctx,
        _r: &mut ChaCha8Rng,
        m: &DeltaMember,
        w: &mut EntityWriter,
    ) -> Result<()> {
        member_row(ctx, m.core, m.state, w)
    }
}

/// What a member's row draws from its RNG, in this order.
struct Drawn {
    password_hash: String,
    segment: &'static str,
    blog: String,
    twitter: String,
    unknown_pregnant: bool,
    signup_local: bool,
    login_local: bool,
    upd_local: bool,
}

fn draw(r: &mut ChaCha8Rng, c: &Core, st: &MState, anon: bool) -> Drawn {
    let mut pw = String::new();
    if chance(r, 0.8) {
        pw.push_str("$2y$10$");
        const B64: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for _ in 0..53 {
            pw.push(B64[r.gen_range(0..B64.len())] as char);
        }
    }
    let segment = if st.pregnant {
        "expecting"
    } else {
        pick(r, SEGMENTS)
    };
    let (blog, twitter) = if c.blogger && !anon {
        let a = pick(r, BLOG_WORDS);
        let b = pick(r, BLOG_WORDS);
        (
            format!("https://www.{a}{b}.co.uk/"),
            format!(
                "@{}{}",
                ascii_lower(c.first),
                pick(r, &["Writes", "Blogs", "_mum", "Tales"])
            ),
        )
    } else {
        (String::new(), String::new())
    };
    Drawn {
        password_hash: pw,
        segment,
        blog,
        twitter,
        unknown_pregnant: chance(r, 0.08),
        signup_local: local(r),
        login_local: local(r),
        upd_local: local(r),
    }
}

/// One member's row, as of state `st`.
fn member_row(ctx: &Ctx, c: &Core, st: &MState, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_MEMBER);
    let anon = st.status == Status::Anonymised;
    let d = draw(r, c, st, anon);
    let k = c.k;
    let anon_email = format!("anonymised-{k}@{}.invalid", ctx.site);
    let anon_name = format!("Anonymised{k}");
    let children = st.children.to_string();
    let dob = date(c.dob);
    let due = date(c.due);
    let signup = ts(c.signup, d.signup_local);
    let last = ts(st.last_login, d.login_local);
    let upd = ts(st.updated, d.upd_local);
    let known = |v: &'static str| if anon { "" } else { v };
    let pregnant = if anon || (d.unknown_pregnant && !st.pregnant) {
        ""
    } else if st.pregnant {
        "true"
    } else {
        "false"
    };
    let rec: [&str; 21] = [
        &c.id,
        if anon { &anon_name } else { &c.username },
        if anon { &anon_email } else { &st.email },
        if anon { "" } else { &d.password_hash },
        known(c.first),
        known(c.surname),
        if st.email_verified { "true" } else { "false" },
        if anon { "" } else { dob.as_str() },
        if anon { "" } else { &st.postcode },
        known(PLACES[st.place].0),
        pregnant,
        if st.pregnant && !anon {
            due.as_str()
        } else {
            ""
        },
        if anon { "" } else { &children },
        &d.blog,
        &d.twitter,
        st.status.as_str(),
        signup.as_str(),
        if anon { "" } else { &c.signup_ip },
        last.as_str(),
        upd.as_str(),
        known(d.segment),
    ];
    w.csv(rec)
}
