//! Checking a list of decisions whole: one step per decision kind, every
//! problem named `decisions[i].…`.

use super::super::candidates;
use super::super::rules::decide::{check_text, check_three_step, check_verdict};
use super::super::rules::normal::char_slice;
use super::super::rules::text_fields;
use super::super::store;
use super::super::{DecisionInput, DisclosureCheck, ItemAnswer};
use super::{item_cols, MAX_DECISIONS};
use crate::entity::Entity;
use crate::error::Result;
use crate::problem::{Problem, Problems};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};
use std::collections::HashMap;

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

type Record = (bool, super::super::Consent, Option<bool>, String);

/// What every check reads: the draft, and the three-step records given
/// earlier in the same list (they count).
struct Checker<'a> {
    conn: &'a Connection,
    site: &'a str,
    draft: i64,
    checks: &'a [DisclosureCheck],
    records: HashMap<u32, Record>,
    p: Problems,
}

/// Check every decision; problems are named `decisions[i].…`.
pub(super) fn check_all(
    conn: &Connection,
    site: &str,
    draft: i64,
    checks: &[DisclosureCheck],
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
    let mut c = Checker {
        conn,
        site,
        draft,
        checks,
        records: HashMap::new(),
        p,
    };
    for (i, d) in list.iter().enumerate() {
        c.one(&format!("decisions[{i}]"), d)?;
    }
    Ok(c.p)
}

impl Checker<'_> {
    fn one(&mut self, f: &str, d: &DecisionInput) -> Result<()> {
        match d {
            DecisionInput::Party {
                party,
                verdict,
                three_step,
            } => self.party(f, *party, verdict, three_step),
            DecisionInput::Proposal { proposal, verdict } => self.proposal(f, *proposal, verdict),
            DecisionInput::Span {
                item,
                field,
                start,
                end,
                reason,
                text,
            } => self.span(f, *item, field, (*start, *end), reason, text),
            DecisionInput::Unspan { span } => self.unspan(f, *span),
            DecisionInput::Withhold { item, reason, .. } => self.withhold(f, *item, reason),
            DecisionInput::Candidate { item, .. } => self.candidate(f, *item),
            DecisionInput::Include { item } => self.include(f, *item),
            DecisionInput::Mark { item, .. } => self.mark(f, *item),
            DecisionInput::Disclosure {
                disclosure,
                prejudice,
                ground,
                reason,
                items,
            } => self.disclosure(f, disclosure, *prejudice, ground.is_some(), reason, items),
        }
    }

    /// A party's three-step record: given earlier in the list, or stored.
    fn record(&self, party: u32) -> Result<Option<Record>> {
        Ok(match self.records.get(&party) {
            Some(r) => Some(r.clone()),
            None => store::three_step(self.conn, self.draft, party)?
                .map(|t| (t.also_about_requester, t.consent, t.reasonable, t.note)),
        })
    }

    fn verdict(&mut self, f: &str, v: &super::super::Verdict, record: Option<Record>) {
        check_verdict(
            &mut self.p,
            &format!("{f}.verdict"),
            v,
            record.as_ref().map(|r| (r.0, r.1, r.2, r.3.as_str())),
        );
    }

    fn party(
        &mut self,
        f: &str,
        party: u32,
        verdict: &Option<super::super::Verdict>,
        three_step: &Option<super::super::ThreeStepInput>,
    ) -> Result<()> {
        if store::party(self.conn, self.draft, party)?.is_none() {
            self.p.push(Problem::input(
                format!("{f}.party"),
                "no such third party in the draft",
            ));
            return Ok(());
        }
        if let Some(t) = three_step {
            check_three_step(&mut self.p, &format!("{f}.three_step"), t);
            self.records.insert(
                party,
                (
                    t.also_about_requester,
                    t.consent,
                    t.reasonable,
                    t.note.clone(),
                ),
            );
        }
        let record = self.record(party)?;
        if let Some(v) = verdict {
            self.verdict(f, v, record);
        }
        Ok(())
    }

    fn proposal(
        &mut self,
        f: &str,
        proposal: u64,
        verdict: &Option<super::super::Verdict>,
    ) -> Result<()> {
        let Some(pr) = store::proposal(self.conn, self.draft, proposal)? else {
            self.p.push(Problem::input(
                format!("{f}.proposal"),
                "no such proposal in the draft",
            ));
            return Ok(());
        };
        if let Some(v) = verdict {
            let record = self.record(pr.party)?;
            self.verdict(f, v, record);
        }
        Ok(())
    }

    fn span(
        &mut self,
        f: &str,
        item: u32,
        field: &str,
        (start, end): (u32, u32),
        reason: &str,
        text: &Option<String>,
    ) -> Result<()> {
        check_text(&mut self.p, &format!("{f}.reason"), reason, true);
        let Some((e, row)) = item_data(self.conn, self.draft, self.site, item)? else {
            self.p.push(Problem::input(
                format!("{f}.item"),
                "no such item in the draft",
            ));
            return Ok(());
        };
        let fields = match e {
            Some(e) => text_fields(e, &row),
            None => candidates::text_fields(&row),
        };
        let Some((_, t)) = fields.iter().find(|(path, _)| path == field) else {
            self.p.push(Problem::input(
                format!("{f}.field"),
                "not a text field of the item",
            ));
            return Ok(());
        };
        let len = t.chars().count() as u32;
        if start >= end || end > len {
            self.p.push(Problem::input(
                format!("{f}.end"),
                format!("the span must be within the field's {len} characters, start before end"),
            ));
            return Ok(());
        }
        if let Some(x) = text {
            if char_slice(t, start, end) != x {
                self.p.push(Problem::input(
                    format!("{f}.text"),
                    "does not match the field's text at that span",
                ));
            }
        }
        Ok(())
    }

    fn unspan(&mut self, f: &str, span: u64) -> Result<()> {
        if store::span(self.conn, self.draft, span)?.is_none() {
            self.p.push(Problem::input(
                format!("{f}.span"),
                "no such span redaction",
            ));
        }
        Ok(())
    }

    fn withhold(&mut self, f: &str, item: u32, reason: &str) -> Result<()> {
        check_text(&mut self.p, &format!("{f}.reason"), reason, true);
        match is_candidate(self.conn, self.draft, item)? {
            None => self.p.push(Problem::input(
                format!("{f}.item"),
                "no such item in the draft",
            )),
            Some(true) => self.p.push(Problem::input(
                format!("{f}.item"),
                "a candidate item is declined, not withheld",
            )),
            Some(false) => {}
        }
        Ok(())
    }

    fn candidate(&mut self, f: &str, item: u32) -> Result<()> {
        match is_candidate(self.conn, self.draft, item)? {
            None => self.p.push(Problem::input(
                format!("{f}.item"),
                "no such item in the draft",
            )),
            Some(false) => self.p.push(Problem::input(
                format!("{f}.item"),
                "not a candidate item (the member's own rows are withheld, not declined)",
            )),
            Some(true) => {}
        }
        Ok(())
    }

    fn include(&mut self, f: &str, item: u32) -> Result<()> {
        match item_cols(self.conn, self.draft, item)? {
            None => self.p.push(Problem::input(
                format!("{f}.item"),
                "no such item in the draft",
            )),
            Some((None, _)) => self.p.push(Problem::input(
                format!("{f}.item"),
                "the item is not withheld",
            )),
            Some(_) => {}
        }
        Ok(())
    }

    fn mark(&mut self, f: &str, item: u32) -> Result<()> {
        if item_cols(self.conn, self.draft, item)?.is_none() {
            self.p.push(Problem::input(
                format!("{f}.item"),
                "no such item in the draft",
            ));
        }
        Ok(())
    }

    fn disclosure(
        &mut self,
        f: &str,
        disclosure: &str,
        prejudice: bool,
        has_ground: bool,
        reason: &str,
        items: &[ItemAnswer],
    ) -> Result<()> {
        check_text(&mut self.p, &format!("{f}.reason"), reason, true);
        let Some(c) = self.checks.iter().find(|c| c.disclosure == *disclosure) else {
            self.p.push(Problem::input(
                format!("{f}.disclosure"),
                "not a disclosure-log entry naming this member",
            ));
            return Ok(());
        };
        if prejudice && !has_ground {
            self.p.push(Problem::input(
                format!("{f}.ground"),
                "required when prejudice is true: crime or child_safeguarding",
            ));
        }
        let touched: Vec<u32> = c.touched.iter().filter_map(|t| t.item).collect();
        for (j, a) in items.iter().enumerate() {
            if !touched.contains(&a.item) {
                self.p.push(Problem::input(
                    format!("{f}.items[{j}].item"),
                    "not an item this disclosure touched",
                ));
            }
            if a.withhold && !prejudice {
                self.p.push(Problem::input(
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
            self.p.push(Problem::input(
                format!("{f}.items"),
                format!(
                    "answer for every item it touched (items {})",
                    missing.join(", ")
                ),
            ));
        }
        Ok(())
    }
}
