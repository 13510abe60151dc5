//! Deciding: one list of decisions, checked whole (every problem reported
//! at once, nothing applied on any) and applied as one action that undo
//! takes back whole.

mod apply;
mod check;

use super::flow::{current, disclosure_checks, summary};
use super::store::{self, to_json};
use super::{Applied, DecisionInput, DraftState, Span, Undone, Verdict};
use crate::error::{Error, Result};
use crate::roles::Action;
use crate::session::{Op, Session};
use apply::{apply_one, reverse};
use check::check_all;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

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

fn item_cols(conn: &Connection, draft: i64, n: u32) -> Result<Option<(Option<String>, bool)>> {
    Ok(conn
        .prepare_cached("SELECT withheld, marked FROM review_items WHERE draft = ?1 AND n = ?2")?
        .query_row(params![draft, n], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
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
