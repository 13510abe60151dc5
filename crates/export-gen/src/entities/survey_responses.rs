//! survey_responses.jsonl: the member's responses as planned in
//! `model::plans` (a ticked box shares them with the partner).

use super::{ts_r, EntityGen};
use crate::data::*;
use crate::error::Result;
use crate::model::plans::survey_plan;
use crate::model::{Core, Ctx, T_SURVEY};
use crate::util::*;
use crate::writer::EntityWriter;
use export_format::Entity;
use rand::Rng;
use std::fmt::Write as _;

pub struct SurveyResponses;

impl EntityGen for SurveyResponses {
    fn entity(&self) -> Entity {
        Entity::SurveyResponses
    }

    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        _cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        survey_rows(ctx, c, w)
    }
}

fn survey_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_SURVEY);
    for (j, e) in survey_plan(ctx, c).into_iter().enumerate() {
        let month = e.t / (30 * DAY);
        let (title, provider) = SURVEYS[(month as usize * 5 + 1) % SURVEYS.len()];
        let survey_id = format!("sv-{month}");
        let id = format!("sr-{}-{}", c.k, j + 1);
        let at = ts_r(r, e.t);
        let (q1, answers) = SURVEY_QA[r.gen_range(0..SURVEY_QA.len())];
        let a1 = pick(r, answers);
        let score = r.gen_range(0..11);
        let kids: Vec<i64> = (0..r.gen_range(0..4)).map(|_| r.gen_range(0..16)).collect();
        let how = Unknown::random(r);
        let no_provider = chance(r, 0.05);
        let mut o = Obj::new(&mut w.line);
        o.s("response_id", &id)
            .s("member_id", &c.id)
            .s("survey_id", &survey_id)
            .s("survey_title", title)
            .opt("provider", (!no_provider).then_some(provider), how)
            .s("submitted_at", at.as_str())
            .raw("answers", |b| {
                let mut a = Obj::new(b);
                a.s(q1, a1)
                    .i("recommend_score", score)
                    .raw("children_ages", |b| {
                        b.push(b'[');
                        for (i, k) in kids.iter().enumerate() {
                            if i > 0 {
                                b.push(b',');
                            }
                            let _ = write!(Utf8Vec(b), "{k}");
                        }
                        b.push(b']');
                    });
                a.end();
            })
            .b("share_with_partner", e.ticked || e.conflict)
            .end();
        w.flush_line()?;
    }
    Ok(())
}
