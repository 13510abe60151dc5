//! The supplementary information (UK GDPR Art 15(1)(a)–(h), 15(2)): in the
//! report's last section, and as `information.json`.

use super::{join_words, ICO_TEXT, ICO_URL};
use crate::bundle::doc::{col, Doc, Span, Style, Val};
use crate::privacy::PrivacyFacts;
use serde_json::{json, Value};
use std::io::Result;

fn kind_words(kind: &str) -> &str {
    match kind {
        "processor" => "Service provider working for us",
        "partner" => "Partner",
        "authority" => "Public authority",
        _ => "Other",
    }
}

/// The complaint text with the ICO's address as its one link.
pub(crate) fn complaint(d: &mut dyn Doc, text: &str) -> Result<()> {
    match text.find(ICO_TEXT) {
        Some(i) => {
            let (before, after) = (&text[..i], &text[i + ICO_TEXT.len()..]);
            d.para(
                Style::Normal,
                &[
                    Span::Text(before),
                    Span::Link(ICO_TEXT, ICO_URL),
                    Span::Text(after),
                ],
            )
        }
        None => d.para(
            Style::Normal,
            &[
                Span::Text(text),
                Span::Text(" The ICO: "),
                Span::Link(ICO_TEXT, ICO_URL),
                Span::Text(", telephone 0303 123 1113."),
            ],
        ),
    }
}

/// The supplementary information (Art 15(1)(a)–(h), 15(2)).
pub(crate) fn information(d: &mut dyn Doc, f: &PrivacyFacts) -> Result<()> {
    d.heading(
        2,
        Some("s-information"),
        "How we use your data, and your rights",
    )?;
    d.pairs(&[
        ("Who we are".into(), Val::text(f.controller.clone())),
        (
            "Our Data Protection Officer".into(),
            Val::text(f.dpo_contact.clone()),
        ),
    ])?;
    uses_and_sharing(d, f)?;
    sources_and_transfers(d, f)?;
    d.heading(3, None, "Automated decisions and profiling")?;
    d.para(Style::Normal, &[Span::Text(&f.automated_decisions)])?;
    if !f.derived.is_empty() {
        let names: Vec<String> = f.derived.iter().map(|x| x.name.to_lowercase()).collect();
        d.para(
            Style::Normal,
            &[Span::Text(&format!(
                "We do work out a {} for members, to choose what to show or send them; where it applies to you, your profile above says what yours is and what it means. You can object to it at any time.",
                join_words(&names).replace(" or ", " and ")
            ))],
        )?;
    }
    d.heading(3, None, "Your rights")?;
    d.para(Style::Normal, &[Span::Text(&f.rights)])?;
    d.heading(3, None, "Complaints")?;
    complaint(d, &f.complaint)
}

/// Why we use the data, the kinds we hold, who we share it with, how long we keep it.
fn uses_and_sharing(d: &mut dyn Doc, f: &PrivacyFacts) -> Result<()> {
    d.heading(3, None, "Why we use your data, and our lawful basis")?;
    let rows: Vec<Vec<Val>> = f
        .purposes
        .iter()
        .map(|p| {
            vec![
                Val::text(p.purpose.clone()),
                Val::text(p.description.clone()),
                Val::text(p.lawful_basis.clone()),
            ]
        })
        .collect();
    d.table(
        "",
        &[col("Purpose"), col("What we do"), col("Lawful basis")],
        &rows,
    )?;
    d.heading(3, None, "The kinds of data we hold")?;
    let rows: Vec<Vec<Val>> = f
        .categories
        .iter()
        .map(|c| {
            vec![
                Val::text(c.category.clone()),
                Val::text(c.description.clone()),
            ]
        })
        .collect();
    d.table("", &[col("Kind"), col("What it covers")], &rows)?;
    d.heading(3, None, "Who we share it with")?;
    let rows: Vec<Vec<Val>> = f
        .recipients
        .iter()
        .map(|r| {
            vec![
                Val::text(r.name.clone()),
                Val::text(kind_words(&r.kind)),
                Val::text(r.purpose.clone()),
            ]
        })
        .collect();
    d.table("", &[col("Who"), col("Kind"), col("Why")], &rows)?;
    d.heading(3, None, "How long we keep it")?;
    let rows: Vec<Vec<Val>> = f
        .retention
        .iter()
        .map(|r| vec![Val::text(r.data.clone()), Val::text(r.period.clone())])
        .collect();
    d.table("", &[col("Data"), col("How long")], &rows)?;
    Ok(())
}

/// Data we did not get from the member, and transfers outside the UK.
fn sources_and_transfers(d: &mut dyn Doc, f: &PrivacyFacts) -> Result<()> {
    d.heading(3, None, "Data we did not get from you")?;
    if f.sources.is_empty() {
        d.para(
            Style::Normal,
            &[Span::Text("All the data we hold about you came from you.")],
        )?;
    } else {
        let rows: Vec<Vec<Val>> = f
            .sources
            .iter()
            .map(|s| vec![Val::text(s.source.clone()), Val::text(s.data.clone())])
            .collect();
        d.table("", &[col("Where from"), col("What")], &rows)?;
    }
    d.heading(3, None, "Transfers outside the UK")?;
    if f.transfers.is_empty() {
        d.para(
            Style::Normal,
            &[Span::Text(
                "We do not send your data outside the UK and the EEA.",
            )],
        )?;
    } else {
        let rows: Vec<Vec<Val>> = f
            .transfers
            .iter()
            .map(|t| {
                vec![
                    Val::text(t.destination.clone()),
                    Val::text(t.safeguard.clone()),
                ]
            })
            .collect();
        d.table("", &[col("Where to"), col("Safeguard")], &rows)?;
    }
    Ok(())
}

/// `information.json`: the privacy facts, under the Art 15 headings.
pub fn information_json(f: &PrivacyFacts) -> Value {
    json!({
        "site": f.site,
        "controller": f.controller,
        "dpo_contact": f.dpo_contact,
        "purposes": f.purposes,
        "categories": f.categories,
        "recipients": f.recipients,
        "retention": f.retention,
        "sources": f.sources,
        "rights": f.rights,
        "complaint": f.complaint,
        "automated_decisions": f.automated_decisions,
        "profiling": f.derived,
        "transfers": f.transfers,
        "facts_updated_at": f.updated_at,
        "articles": {
            "purposes": "UK GDPR Art 15(1)(a)",
            "categories": "Art 15(1)(b)",
            "recipients": "Art 15(1)(c)",
            "retention": "Art 15(1)(d)",
            "rights": "Art 15(1)(e)",
            "complaint": "Art 15(1)(f)",
            "sources": "Art 15(1)(g)",
            "automated_decisions": "Art 15(1)(h)",
            "profiling": "Art 15(1)(h), Art 4(4), Art 21",
            "transfers": "Art 15(2)",
        },
    })
}
