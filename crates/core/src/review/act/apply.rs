//! Applying checked decisions (one step per decision kind), each pushing
//! what undoes it, and undoing them.

use super::super::store::{self, to_json};
use super::super::{
    DecisionInput, DisclosureDecision, ItemAnswer, PrejudiceGround, Span, ThreeStep,
    ThreeStepInput, Verdict, Withheld,
};
use super::{item_cols, UndoOp};
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

fn party_cols(
    conn: &Connection,
    draft: i64,
    p: u32,
) -> Result<Option<(Option<String>, Option<String>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT verdict, three_step FROM review_parties WHERE draft = ?1 AND party = ?2",
        )?
        .query_row(params![draft, p], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// What every application step uses: the draft, who decides when, and
/// the undo list it pushes to.
struct Applier<'a> {
    conn: &'a Connection,
    draft: i64,
    user: &'a str,
    at: &'a str,
    undo: &'a mut Vec<UndoOp>,
}

/// Apply one decision (already checked); push what undoes it.
pub(super) fn apply_one(
    conn: &Connection,
    draft: i64,
    d: &DecisionInput,
    user: &str,
    at: &str,
    undo: &mut Vec<UndoOp>,
) -> Result<()> {
    let mut a = Applier {
        conn,
        draft,
        user,
        at,
        undo,
    };
    match d {
        DecisionInput::Party {
            party,
            verdict,
            three_step,
        } => a.party(*party, verdict, three_step),
        DecisionInput::Proposal { proposal, verdict } => a.proposal(*proposal, verdict),
        DecisionInput::Span {
            item,
            field,
            start,
            end,
            reason,
            ..
        } => a.span(*item, field, (*start, *end), reason),
        DecisionInput::Unspan { span } => a.unspan(*span),
        DecisionInput::Withhold {
            item,
            exemption,
            reason,
            silent,
        } => {
            let w = Withheld {
                exemption: *exemption,
                reason: reason.trim().to_string(),
                silent: *silent,
                by: user.to_string(),
                at: at.to_string(),
            };
            a.set_withheld(*item, Some(&w))
        }
        DecisionInput::Include { item } => a.set_withheld(*item, None),
        DecisionInput::Candidate { item, accept } => a.candidate(*item, *accept),
        DecisionInput::Mark { item, reviewed } => a.mark(*item, *reviewed),
        DecisionInput::Disclosure {
            disclosure,
            prejudice,
            ground,
            reason,
            items,
        } => a.disclosure(disclosure, *prejudice, ground, reason, items),
    }
}

impl Applier<'_> {
    fn party(
        &mut self,
        party: u32,
        verdict: &Option<Verdict>,
        three_step: &Option<ThreeStepInput>,
    ) -> Result<()> {
        let (old_v, old_t) = party_cols(self.conn, self.draft, party)?.unwrap_or((None, None));
        self.undo.push(UndoOp::Party {
            party,
            verdict: old_v.clone(),
            three_step: old_t.clone(),
        });
        let t = match three_step {
            Some(t) => Some(to_json(&ThreeStep {
                also_about_requester: t.also_about_requester,
                consent: t.consent,
                reasonable: t.reasonable,
                note: t.note.trim().to_string(),
                recorded_by: self.user.to_string(),
                recorded_at: self.at.to_string(),
            })),
            None => old_t,
        };
        self.conn.execute(
            "UPDATE review_parties SET verdict = ?3, three_step = ?4 WHERE draft = ?1 AND party = ?2",
            params![self.draft, party, verdict.as_ref().map(to_json), t],
        )?;
        Ok(())
    }

    fn proposal(&mut self, proposal: u64, verdict: &Option<Verdict>) -> Result<()> {
        let old: Option<String> = self.conn.query_row(
            "SELECT verdict FROM review_proposals WHERE draft = ?1 AND id = ?2",
            params![self.draft, proposal as i64],
            |r| r.get(0),
        )?;
        self.undo.push(UndoOp::Proposal {
            id: proposal,
            verdict: old,
        });
        self.conn.execute(
            "UPDATE review_proposals SET verdict = ?3 WHERE draft = ?1 AND id = ?2",
            params![self.draft, proposal as i64, verdict.as_ref().map(to_json)],
        )?;
        Ok(())
    }

    fn span(
        &mut self,
        item: u32,
        field: &str,
        (start, end): (u32, u32),
        reason: &str,
    ) -> Result<()> {
        let id = store::next_span_id(self.conn, self.draft)?;
        store::insert_span(
            self.conn,
            self.draft,
            &Span {
                id,
                item,
                field: field.to_string(),
                start,
                end,
                reason: reason.trim().to_string(),
                by: self.user.to_string(),
                at: self.at.to_string(),
            },
        )?;
        self.undo.push(UndoOp::SpanDel { id });
        Ok(())
    }

    fn unspan(&mut self, span: u64) -> Result<()> {
        if let Some(s) = store::span(self.conn, self.draft, span)? {
            self.conn.execute(
                "DELETE FROM review_spans WHERE draft = ?1 AND id = ?2",
                params![self.draft, span as i64],
            )?;
            self.undo.push(UndoOp::SpanAdd { span: s });
        }
        Ok(())
    }

    fn candidate(&mut self, item: u32, accept: Option<bool>) -> Result<()> {
        let old: Option<bool> = self.conn.query_row(
            "SELECT accepted FROM review_items WHERE draft = ?1 AND n = ?2",
            params![self.draft, item],
            |r| r.get(0),
        )?;
        self.undo.push(UndoOp::Accepted {
            item,
            accepted: old,
        });
        self.conn.execute(
            "UPDATE review_items SET accepted = ?3 WHERE draft = ?1 AND n = ?2",
            params![self.draft, item, accept],
        )?;
        Ok(())
    }

    fn mark(&mut self, item: u32, reviewed: bool) -> Result<()> {
        let (_, old) = item_cols(self.conn, self.draft, item)?.unwrap_or((None, false));
        self.undo.push(UndoOp::Marked { item, marked: old });
        self.conn.execute(
            "UPDATE review_items SET marked = ?3 WHERE draft = ?1 AND n = ?2",
            params![self.draft, item, reviewed],
        )?;
        Ok(())
    }

    fn disclosure(
        &mut self,
        disclosure: &str,
        prejudice: bool,
        ground: &Option<PrejudiceGround>,
        reason: &str,
        items: &[ItemAnswer],
    ) -> Result<()> {
        let old: Option<String> = self
            .conn
            .query_row(
                "SELECT decision FROM review_disclosures WHERE draft = ?1 AND disclosure = ?2",
                params![self.draft, disclosure],
                |r| r.get(0),
            )
            .optional()?;
        self.undo.push(UndoOp::Disclosure {
            id: disclosure.to_string(),
            decision: old,
        });
        let dec = DisclosureDecision {
            prejudice,
            ground: *ground,
            reason: reason.trim().to_string(),
            items: items.to_vec(),
            by: self.user.to_string(),
            at: self.at.to_string(),
        };
        self.conn.execute(
            "INSERT INTO review_disclosures (draft, disclosure, decision) VALUES (?1, ?2, ?3)
                 ON CONFLICT (draft, disclosure) DO UPDATE SET decision = ?3",
            params![self.draft, disclosure, to_json(&dec)],
        )?;
        for a in items {
            self.disclosure_item(disclosure, ground, reason, a)?;
        }
        Ok(())
    }

    /// One item a disclosure decision answers for: withheld for it, or
    /// (withheld earlier for this disclosure) included again.
    fn disclosure_item(
        &mut self,
        disclosure: &str,
        ground: &Option<PrejudiceGround>,
        reason: &str,
        a: &ItemAnswer,
    ) -> Result<()> {
        let current: Option<Withheld> = item_cols(self.conn, self.draft, a.item)?
            .and_then(|(w, _)| w)
            .and_then(|w| serde_json::from_str(&w).ok());
        match (a.withhold, ground) {
            (true, Some(g)) => self.set_withheld(
                a.item,
                Some(&Withheld {
                    exemption: g.exemption(),
                    reason: format!("disclosure-log decision ({disclosure}): {}", reason.trim()),
                    silent: true,
                    by: self.user.to_string(),
                    at: self.at.to_string(),
                }),
            )?,
            (false, _)
                if current
                    .is_some_and(|w| w.silent && w.reason.contains(&format!("({disclosure})"))) =>
            {
                // Withheld earlier for this disclosure: included again.
                self.set_withheld(a.item, None)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn set_withheld(&mut self, item: u32, w: Option<&Withheld>) -> Result<()> {
        let (old, _) = item_cols(self.conn, self.draft, item)?.unwrap_or((None, false));
        self.undo.push(UndoOp::Withheld {
            item,
            withheld: old,
        });
        self.conn.execute(
            "UPDATE review_items SET withheld = ?3 WHERE draft = ?1 AND n = ?2",
            params![self.draft, item, w.map(to_json)],
        )?;
        Ok(())
    }
}
pub(super) fn reverse(conn: &Connection, draft: i64, ops: Vec<UndoOp>) -> Result<()> {
    for op in ops.into_iter().rev() {
        match op {
            UndoOp::Party {
                party,
                verdict,
                three_step,
            } => {
                conn.execute(
                    "UPDATE review_parties SET verdict = ?3, three_step = ?4 WHERE draft = ?1 AND party = ?2",
                    params![draft, party, verdict, three_step],
                )?;
            }
            UndoOp::Proposal { id, verdict } => {
                conn.execute(
                    "UPDATE review_proposals SET verdict = ?3 WHERE draft = ?1 AND id = ?2",
                    params![draft, id as i64, verdict],
                )?;
            }
            UndoOp::SpanDel { id } => {
                conn.execute(
                    "DELETE FROM review_spans WHERE draft = ?1 AND id = ?2",
                    params![draft, id as i64],
                )?;
            }
            UndoOp::SpanAdd { span } => store::insert_span(conn, draft, &span)?,
            UndoOp::Withheld { item, withheld } => {
                conn.execute(
                    "UPDATE review_items SET withheld = ?3 WHERE draft = ?1 AND n = ?2",
                    params![draft, item, withheld],
                )?;
            }
            UndoOp::Marked { item, marked } => {
                conn.execute(
                    "UPDATE review_items SET marked = ?3 WHERE draft = ?1 AND n = ?2",
                    params![draft, item, marked],
                )?;
            }
            UndoOp::Accepted { item, accepted } => {
                conn.execute(
                    "UPDATE review_items SET accepted = ?3 WHERE draft = ?1 AND n = ?2",
                    params![draft, item, accepted],
                )?;
            }
            UndoOp::Disclosure { id, decision } => match decision {
                Some(d) => {
                    conn.execute(
                        "UPDATE review_disclosures SET decision = ?3 WHERE draft = ?1 AND disclosure = ?2",
                        params![draft, id, d],
                    )?;
                }
                None => {
                    conn.execute(
                        "DELETE FROM review_disclosures WHERE draft = ?1 AND disclosure = ?2",
                        params![draft, id],
                    )?;
                }
            },
        }
    }
    Ok(())
}
