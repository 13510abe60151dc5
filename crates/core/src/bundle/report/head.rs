//! The report's opening: title, what this is, contents, summary, and the
//! profile (with what the site works out about the member).

use super::{anchor, human_ts, items_count, join_words, title, val, LIST_LIMIT, MENTIONS_ANCHOR};
use crate::bundle::doc::{col, num, Doc, Span, Style, TocEntry, Val};
use crate::entity::Entity;
use crate::labels::{self, thousands};
use crate::privacy::{DerivedFact, PrivacyFacts};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::io::Result;

/// What the report's opening says.
pub(crate) struct Head<'a> {
    pub site: &'a str,
    pub member_id: &'a str,
    pub generated_at: DateTime<Utc>,
    pub generated_by: &'a str,
    pub vault_state: Option<(i64, String)>,
    pub request_ref: Option<&'a str>,
    pub counts: &'a [(Entity, u64)],
    pub third_parties: usize,
    pub email: bool,
    /// Where the data files are, in words ("in the data folder of this
    /// bundle", "attached to this PDF").
    pub files_where: &'a str,
    /// Candidate items from mentions the bundle holds ("What others wrote
    /// about you").
    pub mentions: u64,
}

/// The opening: title, what this is, contents, summary, profile.
pub(crate) fn head(
    d: &mut dyn Doc,
    h: &Head,
    profile: &Map<String, Value>,
    facts: &PrivacyFacts,
    consent_events: u64,
    has_request: bool,
) -> Result<()> {
    let site = h.site;
    let title = title(site);
    d.begin(&title)?;
    d.heading(1, None, &title)?;
    let when = human_ts(&crate::trail::ts(h.generated_at));
    let reference = h
        .request_ref
        .map(|r| format!(" (our reference {r})"))
        .unwrap_or_default();
    d.para(
        Style::Normal,
        &[Span::Text(&format!(
            "This is a copy of the personal data that {site} holds about you (member number {}), made on {when} in answer to your request{reference}. It is your right under Article 15 of the UK GDPR. Times are UK time. The same information, as files that other programs can read (JSON, and CSV for spreadsheets), is {}.",
            h.member_id, h.files_where
        ))],
    )?;
    contents(d, h, consent_events, has_request)?;
    summary(d, h, facts)?;
    profile_section(d, profile, facts)
}

/// The contents: a line per section.
fn contents(d: &mut dyn Doc, h: &Head, consent_events: u64, has_request: bool) -> Result<()> {
    let mut toc = vec![
        TocEntry {
            anchor: "s-summary".into(),
            text: "Summary".into(),
            count: None,
        },
        TocEntry {
            anchor: anchor(Entity::Members),
            text: labels::entity(Entity::Members).heading.clone(),
            count: None,
        },
        TocEntry {
            anchor: anchor(Entity::ConsentEvents),
            text: labels::entity(Entity::ConsentEvents).heading.clone(),
            count: Some(labels::count(Entity::ConsentEvents, consent_events)),
        },
    ];
    for &(e, n) in h.counts {
        if n > 0 && e != Entity::ConsentEvents {
            let mut count = labels::count(e, n);
            if n > LIST_LIMIT {
                count.push_str(", summarised");
            }
            toc.push(TocEntry {
                anchor: anchor(e),
                text: labels::entity(e).heading.clone(),
                count: Some(count),
            });
        }
    }
    if h.mentions > 0 {
        toc.push(TocEntry {
            anchor: MENTIONS_ANCHOR.into(),
            text: crate::bundle::MENTIONS_TITLE.into(),
            count: Some(items_count(h.mentions)),
        });
    }
    if has_request {
        toc.push(TocEntry {
            anchor: "s-request".into(),
            text: "Your request".into(),
            count: None,
        });
    }
    toc.push(TocEntry {
        anchor: "s-information".into(),
        text: "How we use your data, and your rights".into(),
        count: None,
    });
    d.toc(&toc)?;

    Ok(())
}

/// The summary: where we looked, what we hold, and notes on the rest.
fn summary(d: &mut dyn Doc, h: &Head, facts: &PrivacyFacts) -> Result<()> {
    let site = h.site;
    d.heading(2, Some("s-summary"), "Summary")?;
    let state = match &h.vault_state {
        Some((_, at)) => format!(
            "the copy of the records of {site} taken on {}",
            human_ts(at)
        ),
        None => format!("the records of {site}"),
    };
    d.para(
        Style::Normal,
        &[Span::Text(&format!(
            "We searched {state} for everything linked to your account: your profile, consent choices, children, sign-ins, linked social accounts, posts, private messages you sent or received, competition entries, survey answers, helpdesk tickets{}, newsletters, local listings and reviews. This is what we found.",
            if h.email { " (including tickets sent from your email address without signing in)" } else { "" }
        ))],
    )?;
    summary_table(d, h)?;
    let big: Vec<String> = h
        .counts
        .iter()
        .filter(|(_, n)| *n > LIST_LIMIT)
        .map(|(e, _)| labels::entity(*e).many.clone())
        .collect();
    if !big.is_empty() {
        d.para(
            Style::Note,
            &[Span::Text(&format!(
                "You have a lot of {}: more than {} of a kind would make this report too long to open quickly or print, so for those this report gives a summary, and every one of them, in full, is in its data file {}.",
                join_words(&big),
                thousands(LIST_LIMIT),
                h.files_where
            ))],
        )?;
    }
    if h.third_parties > 0 {
        d.para(
            Style::Note,
            &[Span::Text(&format!(
                "Private messages involve other people. To protect them, each other person is shown as \u{201c}Member A\u{201d}, \u{201c}Member B\u{201d} and so on ({} in all); the same person has the same name throughout this bundle. Their names, member numbers and email addresses are not included.",
                thousands(h.third_parties as u64)
            ))],
        )?;
    }
    let mut by = facts.preparer(site);
    if facts.sign_with_staff_name {
        by.push_str(&format!(" ({})", h.generated_by));
    }
    d.para(Style::Normal, &[Span::Text(&format!("Prepared by {by}. The last section explains why we use your data, who we share it with, how long we keep it, and your rights."))])?;

    Ok(())
}

/// What we hold about you: how many of each kind, and the kinds we hold none of.
fn summary_table(d: &mut dyn Doc, h: &Head) -> Result<()> {
    let mut rows: Vec<Vec<Val>> = vec![vec![
        Val::text(labels::entity(Entity::Members).heading.clone()),
        Val::text("1"),
    ]];
    let mut none: Vec<String> = Vec::new();
    for &(e, n) in h.counts {
        if n == 0 {
            none.push(labels::entity(e).many.clone());
        } else {
            rows.push(vec![
                Val::text(labels::entity(e).heading.clone()),
                Val::Text(thousands(n)),
            ]);
        }
    }
    if h.mentions > 0 {
        rows.push(vec![
            Val::text(crate::bundle::MENTIONS_TITLE),
            Val::Text(thousands(h.mentions)),
        ]);
    }
    d.table(
        "What we hold about you",
        &[col("What"), num("How many")],
        &rows,
    )?;
    if !none.is_empty() {
        d.para(
            Style::Normal,
            &[Span::Text(&format!("We hold no {}.", join_words(&none)))],
        )?;
    }
    Ok(())
}

/// The profile, with what we work out about the member.
fn profile_section(
    d: &mut dyn Doc,
    profile: &Map<String, Value>,
    facts: &PrivacyFacts,
) -> Result<()> {
    d.heading(
        2,
        Some(&anchor(Entity::Members)),
        &labels::entity(Entity::Members).heading,
    )?;
    let mut pairs = Vec::new();
    let mut derived = Vec::new();
    for (k, v) in profile {
        if let (Some(dv), Value::String(s)) = (facts.derived_field(k), v) {
            let shown = dv
                .values
                .iter()
                .find(|x| x.value == *s)
                .map(|x| {
                    x.meaning
                        .split(':')
                        .next()
                        .unwrap_or(&x.meaning)
                        .trim()
                        .to_string()
                })
                .unwrap_or_else(|| {
                    if s.is_empty() {
                        "(none)".into()
                    } else {
                        labels::humanise(s)
                    }
                });
            pairs.push((
                dv.name.clone(),
                Val::Text(format!("{shown} (worked out by us: see below)")),
            ));
            if !s.is_empty() {
                derived.push((dv, s.clone()));
            }
            continue;
        }
        pairs.push((
            labels::field(k).into_owned(),
            val(Some(Entity::Members), k, v),
        ));
    }
    d.pairs(&pairs)?;
    if !derived.is_empty() {
        derived_section(d, derived, facts)?;
    }
    Ok(())
}

/// What we work out about the member (profiling), and the right to object.
fn derived_section(
    d: &mut dyn Doc,
    derived: Vec<(&DerivedFact, String)>,
    facts: &PrivacyFacts,
) -> Result<()> {
    d.heading(3, None, "What we work out about you")?;
    for (dv, s) in derived {
        let meaning = dv
            .values
            .iter()
            .find(|x| x.value == s)
            .map(|x| x.meaning.clone())
            .unwrap_or_else(|| labels::humanise(&s));
        d.para(
            Style::Normal,
            &[
                Span::Bold(&format!("{}: ", dv.name)),
                Span::Text(&format!("{meaning} {}", dv.description)),
            ],
        )?;
    }
    d.para(
        Style::Note,
        &[Span::Text(&format!(
            "This is profiling (UK GDPR Article 4(4)); Article 15(1)(h) gives you the right to know about it. You have the right to object to it at any time (Article 21); where it is used for direct marketing we will stop as soon as you object. To object, contact {}.",
            facts.dpo_contact
        ))],
    )?;
    Ok(())
}
