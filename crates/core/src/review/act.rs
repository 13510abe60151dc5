//! Deciding: one list of decisions, checked whole (every problem reported
//! at once, nothing applied on any) and applied as one action that undo
//! takes back whole.

use super::candidates;
use super::flow::{current, disclosure_checks, summary};
use super::rules::decide::{check_text, check_three_step, check_verdict, ThreeStep};
use super::rules::normal::char_slice;
use super::rules::text_fields;
use super::store::{self, to_json};
use super::{
    Applied, DecisionInput, DisclosureDecision, DraftState, Span, Undone, Verdict, Withheld,
};
use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::problem::{Problem, Problems};
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// What undoes one change.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum UndoOp {
    Party {
        party: u32,
        verdict: Option<String>,
        three_step: Option<String>,
    },
    Proposal {
        id: u64,
        verdict: Option<String>,
    },
    SpanDel {
        id: u64,
    },
    SpanAdd {
        span: Span,
    },
    Withheld {
        item: u32,
        withheld: Option<String>,
    },
    Marked {
        item: u32,
        marked: bool,
    },
    Accepted {
        item: u32,
        accepted: Option<bool>,
    },
    Disclosure {
        id: String,
        decision: Option<String>,
    },
}

/// Most decisions in one call.
pub const MAX_DECISIONS: usize = 100_000;

fn words(d: &DecisionInput) -> &'static str {
    match d {
        DecisionInput::Party { .. } => "a third party's decision",
        DecisionInput::Proposal { .. } => "a proposal's decision",
        DecisionInput::Span { .. } => "a span redaction",
        DecisionInput::Unspan { .. } => "removing a span redaction",
        DecisionInput::Withhold { .. } => "withholding an item",
        DecisionInput::Include { .. } => "including an item",
        DecisionInput::Mark { .. } => "marking an item",
        DecisionInput::Candidate {
            accept: Some(true), ..
        } => "accepting a candidate item",
        DecisionInput::Candidate {
            accept: Some(false),
            ..
        } => "declining a candidate item",
        DecisionInput::Candidate { accept: None, .. } => "a candidate item undecided again",
        DecisionInput::Disclosure { .. } => "a disclosure-log decision",
    }
}

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

fn item_cols(conn: &Connection, draft: i64, n: u32) -> Result<Option<(Option<String>, bool)>> {
    Ok(conn
        .prepare_cached("SELECT withheld, marked FROM review_items WHERE draft = ?1 AND n = ?2")?
        .query_row(params![draft, n], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Whether an item is a candidate item (None: no such item).
fn is_candidate(conn: &Connection, draft: i64, n: u32) -> Result<Option<bool>> {
    Ok(conn
        .prepare_cached("SELECT source = 'mention' FROM review_items WHERE draft = ?1 AND n = ?2")?
        .query_row(params![draft, n], |r| r.get(0))
        .optional()?)
}

/// An item's row: with its entity (the member's stored row), or without
/// (a candidate item's content).
type ItemData = (Option<Entity>, Map<String, Value>);

/// An item's row (for spans).
fn item_data(conn: &Connection, draft: i64, site: &str, n: u32) -> Result<Option<ItemData>> {
    let Some((entity, row_id, _)) = store::item_row(conn, draft, n)? else {
        return Ok(None);
    };
    if entity == candidates::KIND {
        return Ok(candidates::content_of(conn, draft, n)?
            .map(|(_, _, _, c)| (None, candidates::row_of("", &c))));
    }
    let Some(e) = Entity::from_name(&entity) else {
        return Ok(None);
    };
    let data: Option<String> = conn
        .prepare_cached(&format!(
            "SELECT data FROM {} WHERE site = ?1 AND id = ?2",
            e.name()
        ))?
        .query_row(params![site, row_id], |r| r.get(0))
        .optional()?;
    Ok(data.map(|d| (Some(e), serde_json::from_str(&d).unwrap_or_default())))
}

type Record = (bool, super::Consent, Option<bool>, String);

/// Check every decision; problems are named `decisions[i].…`.
fn check_all(
    conn: &Connection,
    site: &str,
    draft: i64,
    checks: &[super::DisclosureCheck],
    list: &[DecisionInput],
) -> Result<Problems> {
    let mut p = Problems::default();
    if list.is_empty() {
        p.push(Problem::input("decisions", "at least one is required"));
    }
    if list.len() > MAX_DECISIONS {
        p.push(Problem::input("decisions", "more than 100,000 in one call"));
        return Ok(p);
    }
    // Three-step records given earlier in the same list count.
    let mut records: HashMap<u32, Record> = HashMap::new();
    for (i, d) in list.iter().enumerate() {
        let f = format!("decisions[{i}]");
        match d {
            DecisionInput::Party {
                party,
                verdict,
                three_step,
            } => {
                if store::party(conn, draft, *party)?.is_none() {
                    p.push(Problem::input(
                        format!("{f}.party"),
                        "no such third party in the draft",
                    ));
                    continue;
                }
                if let Some(t) = three_step {
                    check_three_step(&mut p, &format!("{f}.three_step"), t);
                    records.insert(
                        *party,
                        (
                            t.also_about_requester,
                            t.consent,
                            t.reasonable,
                            t.note.clone(),
                        ),
                    );
                }
                let record = match records.get(party) {
                    Some(r) => Some(r.clone()),
                    None => store::three_step(conn, draft, *party)?
                        .map(|t| (t.also_about_requester, t.consent, t.reasonable, t.note)),
                };
                if let Some(v) = verdict {
                    check_verdict(
                        &mut p,
                        &format!("{f}.verdict"),
                        v,
                        record.as_ref().map(|r| (r.0, r.1, r.2, r.3.as_str())),
                    );
                }
            }
            DecisionInput::Proposal { proposal, verdict } => {
                let Some(pr) = store::proposal(conn, draft, *proposal)? else {
                    p.push(Problem::input(
                        format!("{f}.proposal"),
                        "no such proposal in the draft",
                    ));
                    continue;
                };
                if let Some(v) = verdict {
                    let record = match records.get(&pr.party) {
                        Some(r) => Some(r.clone()),
                        None => store::three_step(conn, draft, pr.party)?
                            .map(|t| (t.also_about_requester, t.consent, t.reasonable, t.note)),
                    };
                    check_verdict(
                        &mut p,
                        &format!("{f}.verdict"),
                        v,
                        record.as_ref().map(|r| (r.0, r.1, r.2, r.3.as_str())),
                    );
                }
            }
            DecisionInput::Span {
                item,
                field,
                start,
                end,
                reason,
                text,
            } => {
                check_text(&mut p, &format!("{f}.reason"), reason, true);
                let Some((e, row)) = item_data(conn, draft, site, *item)? else {
                    p.push(Problem::input(
                        format!("{f}.item"),
                        "no such item in the draft",
                    ));
                    continue;
                };
                let fields = match e {
                    Some(e) => text_fields(e, &row),
                    None => candidates::text_fields(&row),
                };
                let Some((_, t)) = fields.iter().find(|(path, _)| path == field) else {
                    p.push(Problem::input(
                        format!("{f}.field"),
                        "not a text field of the item",
                    ));
                    continue;
                };
                let len = t.chars().count() as u32;
                if start >= end || *end > len {
                    p.push(Problem::input(
                        format!("{f}.end"),
                        format!("the span must be within the field's {len} characters, start before end"),
                    ));
                    continue;
                }
                if let Some(x) = text {
                    if char_slice(t, *start, *end) != x {
                        p.push(Problem::input(
                            format!("{f}.text"),
                            "does not match the field's text at that span",
                        ));
                    }
                }
            }
            DecisionInput::Unspan { span } => {
                if store::span(conn, draft, *span)?.is_none() {
                    p.push(Problem::input(
                        format!("{f}.span"),
                        "no such span redaction",
                    ));
                }
            }
            DecisionInput::Withhold { item, reason, .. } => {
                check_text(&mut p, &format!("{f}.reason"), reason, true);
                match is_candidate(conn, draft, *item)? {
                    None => p.push(Problem::input(
                        format!("{f}.item"),
                        "no such item in the draft",
                    )),
                    Some(true) => p.push(Problem::input(
                        format!("{f}.item"),
                        "a candidate item is declined, not withheld",
                    )),
                    Some(false) => {}
                }
            }
            DecisionInput::Candidate { item, .. } => match is_candidate(conn, draft, *item)? {
                None => p.push(Problem::input(
                    format!("{f}.item"),
                    "no such item in the draft",
                )),
                Some(false) => p.push(Problem::input(
                    format!("{f}.item"),
                    "not a candidate item (the member's own rows are withheld, not declined)",
                )),
                Some(true) => {}
            },
            DecisionInput::Include { item } => match item_cols(conn, draft, *item)? {
                None => p.push(Problem::input(
                    format!("{f}.item"),
                    "no such item in the draft",
                )),
                Some((None, _)) => p.push(Problem::input(
                    format!("{f}.item"),
                    "the item is not withheld",
                )),
                Some(_) => {}
            },
            DecisionInput::Mark { item, .. } => {
                if item_cols(conn, draft, *item)?.is_none() {
                    p.push(Problem::input(
                        format!("{f}.item"),
                        "no such item in the draft",
                    ));
                }
            }
            DecisionInput::Disclosure {
                disclosure,
                prejudice,
                ground,
                reason,
                items,
            } => {
                check_text(&mut p, &format!("{f}.reason"), reason, true);
                let Some(c) = checks.iter().find(|c| c.disclosure == *disclosure) else {
                    p.push(Problem::input(
                        format!("{f}.disclosure"),
                        "not a disclosure-log entry naming this member",
                    ));
                    continue;
                };
                if *prejudice && ground.is_none() {
                    p.push(Problem::input(
                        format!("{f}.ground"),
                        "required when prejudice is true: crime or child_safeguarding",
                    ));
                }
                let touched: Vec<u32> = c.touched.iter().filter_map(|t| t.item).collect();
                for (j, a) in items.iter().enumerate() {
                    if !touched.contains(&a.item) {
                        p.push(Problem::input(
                            format!("{f}.items[{j}].item"),
                            "not an item this disclosure touched",
                        ));
                    }
                    if a.withhold && !prejudice {
                        p.push(Problem::input(
                            format!("{f}.items[{j}].withhold"),
                            "an item is withheld for a disclosure only when revealing it would prejudice",
                        ));
                    }
                }
                let missing: Vec<String> = touched
                    .iter()
                    .filter(|n| !items.iter().any(|a| a.item == **n))
                    .map(|n| n.to_string())
                    .collect();
                if !missing.is_empty() {
                    p.push(Problem::input(
                        format!("{f}.items"),
                        format!(
                            "answer for every item it touched (items {})",
                            missing.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    Ok(p)
}

/// Apply one decision (already checked); push what undoes it.
fn apply_one(
    conn: &Connection,
    draft: i64,
    d: &DecisionInput,
    user: &str,
    at: &str,
    undo: &mut Vec<UndoOp>,
) -> Result<()> {
    match d {
        DecisionInput::Party {
            party,
            verdict,
            three_step,
        } => {
            let (old_v, old_t) = party_cols(conn, draft, *party)?.unwrap_or((None, None));
            undo.push(UndoOp::Party {
                party: *party,
                verdict: old_v.clone(),
                three_step: old_t.clone(),
            });
            let t = match three_step {
                Some(t) => Some(to_json(&ThreeStep {
                    also_about_requester: t.also_about_requester,
                    consent: t.consent,
                    reasonable: t.reasonable,
                    note: t.note.trim().to_string(),
                    recorded_by: user.to_string(),
                    recorded_at: at.to_string(),
                })),
                None => old_t,
            };
            conn.execute(
                "UPDATE review_parties SET verdict = ?3, three_step = ?4 WHERE draft = ?1 AND party = ?2",
                params![draft, party, verdict.as_ref().map(to_json), t],
            )?;
        }
        DecisionInput::Proposal { proposal, verdict } => {
            let old: Option<String> = conn.query_row(
                "SELECT verdict FROM review_proposals WHERE draft = ?1 AND id = ?2",
                params![draft, *proposal as i64],
                |r| r.get(0),
            )?;
            undo.push(UndoOp::Proposal {
                id: *proposal,
                verdict: old,
            });
            conn.execute(
                "UPDATE review_proposals SET verdict = ?3 WHERE draft = ?1 AND id = ?2",
                params![draft, *proposal as i64, verdict.as_ref().map(to_json)],
            )?;
        }
        DecisionInput::Span {
            item,
            field,
            start,
            end,
            reason,
            ..
        } => {
            let id = store::next_span_id(conn, draft)?;
            store::insert_span(
                conn,
                draft,
                &Span {
                    id,
                    item: *item,
                    field: field.clone(),
                    start: *start,
                    end: *end,
                    reason: reason.trim().to_string(),
                    by: user.to_string(),
                    at: at.to_string(),
                },
            )?;
            undo.push(UndoOp::SpanDel { id });
        }
        DecisionInput::Unspan { span } => {
            if let Some(s) = store::span(conn, draft, *span)? {
                conn.execute(
                    "DELETE FROM review_spans WHERE draft = ?1 AND id = ?2",
                    params![draft, *span as i64],
                )?;
                undo.push(UndoOp::SpanAdd { span: s });
            }
        }
        DecisionInput::Withhold {
            item,
            exemption,
            reason,
            silent,
        } => {
            set_withheld(
                conn,
                draft,
                *item,
                Some(&Withheld {
                    exemption: *exemption,
                    reason: reason.trim().to_string(),
                    silent: *silent,
                    by: user.to_string(),
                    at: at.to_string(),
                }),
                undo,
            )?;
        }
        DecisionInput::Include { item } => set_withheld(conn, draft, *item, None, undo)?,
        DecisionInput::Candidate { item, accept } => {
            let old: Option<bool> = conn.query_row(
                "SELECT accepted FROM review_items WHERE draft = ?1 AND n = ?2",
                params![draft, item],
                |r| r.get(0),
            )?;
            undo.push(UndoOp::Accepted {
                item: *item,
                accepted: old,
            });
            conn.execute(
                "UPDATE review_items SET accepted = ?3 WHERE draft = ?1 AND n = ?2",
                params![draft, item, accept],
            )?;
        }
        DecisionInput::Mark { item, reviewed } => {
            let (_, old) = item_cols(conn, draft, *item)?.unwrap_or((None, false));
            undo.push(UndoOp::Marked {
                item: *item,
                marked: old,
            });
            conn.execute(
                "UPDATE review_items SET marked = ?3 WHERE draft = ?1 AND n = ?2",
                params![draft, item, reviewed],
            )?;
        }
        DecisionInput::Disclosure {
            disclosure,
            prejudice,
            ground,
            reason,
            items,
        } => {
            let old: Option<String> = conn
                .query_row(
                    "SELECT decision FROM review_disclosures WHERE draft = ?1 AND disclosure = ?2",
                    params![draft, disclosure],
                    |r| r.get(0),
                )
                .optional()?;
            undo.push(UndoOp::Disclosure {
                id: disclosure.clone(),
                decision: old,
            });
            let dec = DisclosureDecision {
                prejudice: *prejudice,
                ground: *ground,
                reason: reason.trim().to_string(),
                items: items.clone(),
                by: user.to_string(),
                at: at.to_string(),
            };
            conn.execute(
                "INSERT INTO review_disclosures (draft, disclosure, decision) VALUES (?1, ?2, ?3)
                 ON CONFLICT (draft, disclosure) DO UPDATE SET decision = ?3",
                params![draft, disclosure, to_json(&dec)],
            )?;
            for a in items {
                let current: Option<Withheld> = item_cols(conn, draft, a.item)?
                    .and_then(|(w, _)| w)
                    .and_then(|w| serde_json::from_str(&w).ok());
                match (a.withhold, ground) {
                    (true, Some(g)) => set_withheld(
                        conn,
                        draft,
                        a.item,
                        Some(&Withheld {
                            exemption: g.exemption(),
                            reason: format!(
                                "disclosure-log decision ({disclosure}): {}",
                                reason.trim()
                            ),
                            silent: true,
                            by: user.to_string(),
                            at: at.to_string(),
                        }),
                        undo,
                    )?,
                    (false, _)
                        if current.is_some_and(|w| {
                            w.silent && w.reason.contains(&format!("({disclosure})"))
                        }) =>
                    {
                        // Withheld earlier for this disclosure: included again.
                        set_withheld(conn, draft, a.item, None, undo)?;
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

fn set_withheld(
    conn: &Connection,
    draft: i64,
    item: u32,
    w: Option<&Withheld>,
    undo: &mut Vec<UndoOp>,
) -> Result<()> {
    let (old, _) = item_cols(conn, draft, item)?.unwrap_or((None, false));
    undo.push(UndoOp::Withheld {
        item,
        withheld: old,
    });
    conn.execute(
        "UPDATE review_items SET withheld = ?3 WHERE draft = ?1 AND n = ?2",
        params![draft, item, w.map(to_json)],
    )?;
    Ok(())
}

fn reverse(conn: &Connection, draft: i64, ops: Vec<UndoOp>) -> Result<()> {
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

/// A verdict's words for the audit trail (no member data: the kind and
/// ground only).
fn verdict_word(v: &Option<Verdict>) -> &'static str {
    match v {
        None => "undecided",
        Some(Verdict::Redact { .. }) => "redact",
        Some(Verdict::Disclose { .. }) => "disclose",
    }
}

impl Session {
    /// Apply decisions to the current draft (state `draft`), all or none:
    /// every problem is reported at once. One call is one undoable action.
    pub fn review_decide(
        &self,
        reference: &str,
        decisions: &[DecisionInput],
        now: DateTime<Utc>,
    ) -> Result<Applied> {
        let op = Op::data(Action::RequestBundle, "review_decided");
        self.door(op, now, |tx| {
            let (d, r, _) = current(tx, reference)?;
            tx.about(&d.site, Some(&d.member_id));
            let kinds: Vec<&str> = decisions
                .iter()
                .take(20)
                .map(|x| match x {
                    DecisionInput::Party { verdict, .. } | DecisionInput::Proposal { verdict, .. } => {
                        verdict_word(verdict)
                    }
                    other => words(other),
                })
                .collect();
            tx.detail(json!({"ref": reference, "draft": d.id, "decisions": decisions.len(), "kinds": kinds}));
            if r.state != DraftState::Draft {
                return Err(Error::Invalid(format!(
                    "draft {} is {}: decisions change only in a draft (reopen it first)",
                    d.id,
                    r.state.name()
                )));
            }
            let checks = disclosure_checks(tx, &d)?;
            let conn = tx.data()?;
            let problems = check_all(conn, &d.site, d.id, &checks, decisions)?;
            if !problems.is_empty() {
                return Err(Error::InvalidInput {
                    what: "no decision was applied".into(),
                    problems,
                });
            }
            let at = crate::trail::ts(now);
            let user = tx.user.name.clone();
            let mut undo = Vec::new();
            for dec in decisions {
                apply_one(conn, d.id, dec, &user, &at, &mut undo)?;
            }
            let what = match decisions {
                [one] => words(one).to_string(),
                many => format!("{} decisions", many.len()),
            };
            let seq = store::add_action(conn, d.id, &user, &at, &what, &to_json(&undo))?;
            let s = summary(tx, &d, &r)?;
            tx.detail(json!({"ref": reference, "draft": d.id, "decisions": decisions.len(), "kinds": kinds, "action": seq}));
            Ok(Applied {
                action: seq,
                changed: decisions.len() as u32,
                summary: s,
            })
        })
    }

    /// Undo the signed-in user's latest action on the current draft that is
    /// not yet undone (state `draft`).
    pub fn review_undo(&self, reference: &str, now: DateTime<Utc>) -> Result<Undone> {
        let op = Op::data(Action::RequestBundle, "review_undone");
        self.door(op, now, |tx| {
            let (d, r, _) = current(tx, reference)?;
            tx.about(&d.site, Some(&d.member_id));
            tx.detail(json!({"ref": reference, "draft": d.id}));
            if r.state != DraftState::Draft {
                return Err(Error::Invalid(format!(
                    "draft {} is {}: decisions change only in a draft (reopen it first)",
                    d.id,
                    r.state.name()
                )));
            }
            let conn = tx.data()?;
            let Some((seq, what, undo)) = store::last_action(conn, d.id, &tx.user.name)? else {
                return Err(Error::NotFound(
                    "you have nothing to undo on this draft".into(),
                ));
            };
            let ops: Vec<UndoOp> = serde_json::from_str(&undo).map_err(|_| {
                Error::Damaged("a review action's undo record is unreadable".into())
            })?;
            reverse(conn, d.id, ops)?;
            store::set_undone(conn, d.id, seq)?;
            tx.detail(json!({"ref": reference, "draft": d.id, "action": seq}));
            let s = summary(tx, &d, &r)?;
            Ok(Undone {
                action: seq,
                undone: what,
                summary: s,
            })
        })
    }
}
