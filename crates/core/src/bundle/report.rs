//! The member's report (`report.html`, and the pages of the PDF form),
//! written section by section as the rows stream past, and
//! `information.json`.
//!
//! - A table of contents with counts; one line per row (a sign-in, a post,
//!   a message), opening to everything held about it; every key in plain
//!   words ([`crate::labels`]); UK dates and times (Europe/London through
//!   `chrono-tz`); numbers with thousands separators.
//! - A kind with more than [`LIST_LIMIT`] rows is summarised (per year)
//!   and the report points to its data file, saying so: a heavy member's
//!   report stays small, opens quickly and prints in hundreds of pages.
//! - Fields of the profile that the site works out (a marketing segment)
//!   are explained from the privacy facts, with the right to object.
//! - Everything that comes from data is escaped by the document
//!   ([`super::doc`]); member text that looks like markup says so.

use super::doc::{col, num, Doc, Span, Style, Val};
use super::field_type;
use crate::consent::History;
use crate::entity::{Entity, FieldType};
use crate::labels::{self, thousands};
use crate::requests::RequestDetail;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;
#[cfg(test)]
use serde_json::json; // the tests below use it through `super::*`
use serde_json::{Map, Value};
use std::io::Result;

mod head;
mod info;

pub(crate) use head::{head, Head};
pub use info::information_json;
pub(crate) use info::{complaint, information};

/// A kind with more rows than this is summarised, not listed.
pub const LIST_LIMIT: u64 = 1_000;

/// The ICO's complaint page.
pub const ICO_URL: &str = "https://ico.org.uk/make-a-complaint/";
const ICO_TEXT: &str = "ico.org.uk/make-a-complaint";

/// "2026-11-04T16:20:00Z" → "4 November 2026, 16:20" (UK time: GMT or
/// BST); unparsable text is returned as it is.
pub fn human_ts(s: &str) -> String {
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => t
            .with_timezone(&London)
            .format("%-d %B %Y, %H:%M")
            .to_string(),
        Err(_) => s.to_string(),
    }
}

/// The short form for a line: "4 Nov 2026, 16:20".
pub fn short_ts(s: &str) -> String {
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => t
            .with_timezone(&London)
            .format("%-d %b %Y, %H:%M")
            .to_string(),
        Err(_) => s.to_string(),
    }
}

/// "2026-11-04" → "4 November 2026".
pub fn human_date(s: &str) -> String {
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => d.format("%-d %B %Y").to_string(),
        Err(_) => s.to_string(),
    }
}

/// The report's title.
pub fn title(site: &str) -> String {
    format!("Your personal data held by {site}")
}

/// The anchor of an entity's section.
pub fn anchor(e: Entity) -> String {
    format!("s-{}", e.name().replace('_', "-"))
}

/// Whether a string is an RFC 3339 time (for values of unknown keys).
fn is_ts(s: &str) -> bool {
    s.len() >= 20 && s.as_bytes().get(10) == Some(&b'T') && DateTime::parse_from_rfc3339(s).is_ok()
}

/// A value in plain words.
pub(crate) fn val(e: Option<Entity>, key: &str, v: &Value) -> Val {
    let ty = e.and_then(|e| field_type(e, key));
    match v {
        Value::Null => Val::text("(none)"),
        Value::Bool(b) => Val::text(if *b { "Yes" } else { "No" }),
        // Thousands separators from 10,000 up: a year (1985) or a small
        // code stays as written.
        Value::Number(n) => match n.as_u64() {
            Some(u) if u >= 10_000 => Val::Text(thousands(u)),
            _ => Val::Text(n.to_string()),
        },
        Value::String(s) => {
            if ty == Some(FieldType::Ts) || (ty.is_none() && is_ts(s)) {
                Val::Text(human_ts(s))
            } else if ty == Some(FieldType::Date) {
                Val::Text(human_date(s))
            } else if let Some(w) = labels::value(key, s) {
                Val::text(w)
            } else {
                Val::Own(s.clone())
            }
        }
        Value::Array(a) => {
            if a.iter().all(|x| !x.is_object() && !x.is_array()) {
                let parts: Vec<String> = a
                    .iter()
                    .map(|x| match val(None, key, x) {
                        Val::Text(t) | Val::Own(t) => t,
                        Val::Pairs(_) => String::new(),
                    })
                    .collect();
                if parts.is_empty() {
                    Val::text("(none)")
                } else {
                    Val::Own(parts.join(", "))
                }
            } else {
                Val::Pairs(
                    a.iter()
                        .enumerate()
                        .map(|(i, x)| (format!("{}", i + 1), val(None, key, x)))
                        .collect(),
                )
            }
        }
        Value::Object(o) => Val::Pairs(
            o.iter()
                .map(|(k, x)| (labels::field(k).into_owned(), val(None, k, x)))
                .collect(),
        ),
    }
}

/// The anchor of the section of candidate items from mentions.
const MENTIONS_ANCHOR: &str = "s-mentions";

/// "1 item" / "12 items".
fn items_count(n: u64) -> String {
    format!("{} item{}", thousands(n), if n == 1 { "" } else { "s" })
}

fn join_words(w: &[String]) -> String {
    match w {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The consent history: a timeline per purpose, with the state today.
pub(crate) fn consent(d: &mut dyn Doc, h: &History, now: DateTime<Utc>) -> Result<()> {
    let e = Entity::ConsentEvents;
    d.heading(2, Some(&anchor(e)), &labels::entity(e).heading)?;
    let purposes = h.purposes();
    if purposes.is_empty() {
        return d.para(
            Style::Normal,
            &[Span::Text("We hold no consent choices for you.")],
        );
    }
    d.para(
        Style::Normal,
        &[Span::Text(&format!(
            "For each thing we asked your permission for: what you chose, when, where, the evidence we keep, and where it stands today ({}).",
            human_ts(&crate::trail::ts(now))
        ))],
    )?;
    for p in purposes {
        let today = match h.at(&p, now) {
            Some(e) if e.action == "granted" => "you agree",
            Some(_) => "you do not agree (withdrawn)",
            None => "no choice recorded yet",
        };
        d.heading(3, None, &labels::purpose(&p))?;
        d.para(Style::Normal, &[Span::Text("Today: "), Span::Bold(today)])?;
        let mut rows = Vec::new();
        for ev in h.events.iter().filter(|x| x.purpose == p) {
            let mut details = Vec::new();
            for (k, v) in &ev.data {
                if matches!(
                    k.as_str(),
                    "event_id" | "member_id" | "purpose" | "action" | "occurred_at" | "source"
                ) {
                    continue;
                }
                // The evidence's own keys, one level up: no "Evidence:" heading over them.
                match val(Some(e), k, v) {
                    Val::Pairs(p) if k == "evidence" => details.extend(p),
                    other => details.push((labels::field(k).into_owned(), other)),
                }
            }
            rows.push(vec![
                Val::Text(human_ts(&ev.occurred_at)),
                Val::text(labels::value("action", &ev.action).unwrap_or(&ev.action)),
                Val::Text(labels::source(&ev.source).into_owned()),
                if details.is_empty() {
                    Val::text("(none recorded)")
                } else {
                    Val::Pairs(details)
                },
            ]);
        }
        d.table(
            "",
            &[
                col("When"),
                col("Your choice"),
                col("Where you made it"),
                col("Evidence we keep"),
            ],
            &rows,
        )?;
    }
    Ok(())
}

/// The start of a listed kind's section.
pub(crate) fn section_start(d: &mut dyn Doc, e: Entity, n: u64) -> Result<()> {
    d.heading(2, Some(&anchor(e)), &labels::entity(e).heading)?;
    d.para(
        Style::Normal,
        &[Span::Text(&format!(
            "{} in all, oldest first.",
            labels::count(e, n)
        ))],
    )?;
    d.para(
        Style::Hint,
        &[Span::Text("Each line opens to show everything we hold about it (select it, or tap it on a phone).")],
    )?;
    d.items_start(&labels::entity(e).heading)
}

pub(crate) fn section_end(d: &mut dyn Doc) -> Result<()> {
    d.items_end()
}

/// A kind summarised: rows per year, and where the rows are.
pub(crate) fn summarised(
    d: &mut dyn Doc,
    e: Entity,
    n: u64,
    years: &[(String, u64)],
    files: &str,
) -> Result<()> {
    d.heading(2, Some(&anchor(e)), &labels::entity(e).heading)?;
    d.para(
        Style::Note,
        &[Span::Text(&format!(
            "You have {}: too many to list one by one in a report that opens quickly and can be printed, so this section summarises them. Every one of them, in full, is in {files}.",
            labels::count(e, n)
        ))],
    )?;
    let rows: Vec<Vec<Val>> = years
        .iter()
        .map(|(y, c)| vec![Val::text(y.clone()), Val::Text(thousands(*c))])
        .collect();
    d.table(
        &format!("{} per year", labels::entity(e).short),
        &[col("Year"), num("How many")],
        &rows,
    )
}

fn s<'a>(row: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    row.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn snippet(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
        format!("{cut}\u{2026}")
    }
}

fn who(v: Option<&Value>, me: &str) -> String {
    match v.and_then(Value::as_str) {
        Some(s) if s == me => "you".into(),
        Some(s) => s.to_string(),
        None => "(unknown)".into(),
    }
}

/// One row: a line, and every detail.
pub(crate) fn row(d: &mut dyn Doc, e: Entity, row: &Map<String, Value>, me: &str) -> Result<()> {
    let when = s(row, super::time_field(e))
        .map(short_ts)
        .unwrap_or_else(|| "(no date)".into());
    let (words, own) = line_words(e, row, me);
    let mut line = format!("{when} \u{2014} {}", words.join(", "));
    if let Some(o) = &own {
        line.push_str(if words.is_empty() { "" } else { ": " });
        line.push_str(o);
    }
    let details = details(e, row, me);
    d.item(&[Span::Text(&line)], &details)
}

/// A row's line, after its date: words about it, and the start of the
/// member's own text (a post, a message's subject, a ticket's).
fn line_words(e: Entity, row: &Map<String, Value>, me: &str) -> (Vec<String>, Option<String>) {
    let mut words: Vec<String> = Vec::new();
    let mut own: Option<String> = None;
    match e {
        Entity::LoginEvents => {
            if let Some(m) = s(row, "method") {
                words.push(
                    labels::value("method", m)
                        .map(String::from)
                        .unwrap_or_else(|| m.to_string()),
                );
            }
            if let Some(ip) = s(row, "ip") {
                words.push(format!("from IP address {ip}"));
            }
        }
        Entity::Posts => {
            if let Some(t) = s(row, "thread_title") {
                words.push(format!("in \u{201c}{t}\u{201d}"));
            }
            if let Some(b) = s(row, "body") {
                own = Some(snippet(b, 90));
            }
        }
        Entity::PrivateMessages => {
            let to: Vec<String> = row
                .get("recipient_ids")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(|v| who(Some(v), me)).collect())
                .unwrap_or_default();
            words.push(format!(
                "from {} to {}",
                who(row.get("sender_id"), me),
                to.join(", ")
            ));
            if let Some(t) = s(row, "subject").or_else(|| s(row, "body")) {
                own = Some(snippet(t, 80));
            }
        }
        Entity::HelpdeskTickets => {
            if let Some(t) = s(row, "subject") {
                own = Some(snippet(t, 80));
            }
            let n = row
                .get("messages")
                .and_then(Value::as_array)
                .map_or(0, Vec::len) as u64;
            words.push(format!(
                "{} message{}",
                thousands(n),
                if n == 1 { "" } else { "s" }
            ));
        }
        _ => other_words(e, row, &mut words),
    }
    (words, own)
}

/// Words about a row of the kinds without the member's own text.
fn other_words(e: Entity, row: &Map<String, Value>, words: &mut Vec<String>) {
    let yes = |k: &str| row.get(k) == Some(&Value::Bool(true));
    match e {
        Entity::CompetitionEntries => {
            words.push(
                s(row, "competition_title")
                    .unwrap_or("A competition")
                    .to_string(),
            );
            if yes("won") {
                words.push("you won".into());
            }
        }
        Entity::SurveyResponses => {
            words.push(s(row, "survey_title").unwrap_or("A survey").to_string())
        }
        Entity::NewsletterEngagement => {
            words.push(
                s(row, "newsletter")
                    .map(|n| labels::purpose(n).into_owned())
                    .unwrap_or_else(|| "A newsletter".into()),
            );
        }
        Entity::LocalListings => {
            words.push(s(row, "business_name").unwrap_or("A listing").to_string())
        }
        Entity::Reviews => {
            let what = s(row, "target_type")
                .and_then(|t| labels::value("target_type", t))
                .unwrap_or("Review");
            words.push(what.to_string());
            if let Some(r) = row.get("rating").and_then(Value::as_i64) {
                words.push(format!("rated {r}"));
            }
        }
        Entity::Children => {
            if let Some(b) = s(row, "date_of_birth") {
                words.push(format!("born {}", human_date(b)));
            }
            if let Some(b) = s(row, "due_date") {
                words.push(format!("due {}", human_date(b)));
            }
        }
        Entity::SocialAccounts => {
            words.push(
                s(row, "provider")
                    .map(labels::humanise)
                    .unwrap_or_else(|| "An account".into()),
            );
            if s(row, "unlinked_at").is_some() {
                words.push("since unlinked".into());
            }
        }
        _ => {}
    }
}

/// A row's details: every field but the member's own id (a message's
/// sender and recipients first, as words).
fn details(e: Entity, row: &Map<String, Value>, me: &str) -> Vec<(String, Val)> {
    let mut details: Vec<(String, Val)> = Vec::new();
    if e == Entity::PrivateMessages {
        let to: Vec<String> = row
            .get("recipient_ids")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|v| who(Some(v), me)).collect())
            .unwrap_or_default();
        details.push((
            "From".into(),
            Val::Text(capital(&who(row.get("sender_id"), me))),
        ));
        details.push(("To".into(), Val::Text(capital(&to.join(", ")))));
    }
    for (k, v) in row {
        if k == "member_id"
            || v.is_null()
            || (e == Entity::PrivateMessages && (k == "sender_id" || k == "recipient_ids"))
        {
            continue;
        }
        details.push((labels::field(k).into_owned(), val(Some(e), k, v)));
    }
    details
}

/// Who wrote a candidate item, as the bundle shows them (their pseudonym,
/// unless a reviewer disclosed them).
fn author_words(row: &Map<String, Value>) -> String {
    match (s(row, "author_id"), s(row, "author")) {
        (Some(a), _) => a.to_string(),
        (None, Some("staff")) => "our staff".into(),
        (None, Some("requester")) => "someone without an account".into(),
        _ => "another person".into(),
    }
}

/// The section of candidate items from mentions ("What others wrote about
/// you"): one line per item, opening to the sentences about the member.
/// More than [`LIST_LIMIT`] are not listed: the report points to `file`.
pub(crate) fn mentions(d: &mut dyn Doc, list: &[super::MentionOut], file: &str) -> Result<()> {
    let n = list.len() as u64;
    d.heading(2, Some(MENTIONS_ANCHOR), super::MENTIONS_TITLE)?;
    d.para(
        Style::Normal,
        &[Span::Text(&format!(
            "{} of other people's words on the site that mention you (posts, private messages, helpdesk tickets, reviews and listings), oldest first. We include only the sentences about you. The people in them are shown as \u{201c}Member A\u{201d}, \u{201c}Member B\u{201d} and so on, the same name for the same person throughout this bundle.",
            capital(&items_count(n))
        ))],
    )?;
    if n > LIST_LIMIT {
        return d.para(
            Style::Note,
            &[Span::Text(&format!(
                "There are too many to list one by one in a report that opens quickly and can be printed. Every one of them is in {file}."
            ))],
        );
    }
    d.para(
        Style::Hint,
        &[Span::Text(
            "Each line opens to show the sentences (select it, or tap it on a phone).",
        )],
    )?;
    d.items_start(super::MENTIONS_TITLE)?;
    for x in list {
        let row = &x.row;
        let what = match s(row, "entity") {
            Some("posts") => "A post",
            Some("private_messages") => "A private message",
            Some("helpdesk_tickets") => "A helpdesk ticket",
            Some("reviews") => "A review",
            Some("local_listings") => "A local listing",
            _ => "Something written",
        };
        let when = s(row, "written_at")
            .map(short_ts)
            .unwrap_or_else(|| "(no date)".into());
        let who = author_words(row);
        let line = format!("{when} \u{2014} {what} by {who}");
        let mut details: Vec<(String, Val)> = vec![("Written by".into(), Val::Text(capital(&who)))];
        if let Some(at) = s(row, "written_at") {
            details.push(("When".into(), Val::Text(human_ts(at))));
        }
        for st in row
            .get("sentences")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let field = st.get("field").and_then(Value::as_str).unwrap_or_default();
            let leaf = field.rsplit('.').next().unwrap_or(field);
            let label = if st.get("written_by").and_then(Value::as_str) == Some("staff") {
                "Our staff wrote".to_string()
            } else {
                format!("In the {}", labels::field(leaf).to_lowercase())
            };
            let text = st.get("text").and_then(Value::as_str).unwrap_or_default();
            details.push((label, Val::text(text)));
        }
        d.item(&[Span::Text(&line)], &details)?;
    }
    d.items_end()
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The request this bundle answers.
pub(crate) fn request(d: &mut dyn Doc, r: &RequestDetail) -> Result<()> {
    let q = &r.request;
    d.heading(2, Some("s-request"), "Your request")?;
    let mut pairs = vec![
        ("Our reference".to_string(), Val::text(q.reference.clone())),
        (
            "Received".into(),
            Val::Text(human_date(&q.received.to_string())),
        ),
        (
            "How you asked".into(),
            Val::text(labels::humanise(&q.channel)),
        ),
    ];
    if let Some(due) = q.state.due {
        pairs.push(("Due".into(), Val::Text(human_date(&due.to_string()))));
    }
    d.pairs(&pairs)?;
    let rows: Vec<Vec<Val>> = r
        .events
        .iter()
        .map(|e| {
            vec![
                Val::Text(human_ts(&e.at)),
                Val::Text(labels::humanise(&e.kind)),
            ]
        })
        .collect();
    d.table("What happened", &[col("When"), col("What happened")], &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_time_through_the_time_zone_database() {
        assert_eq!(human_ts("2026-11-04T16:20:00Z"), "4 November 2026, 16:20");
        assert_eq!(human_ts("2026-07-04T16:20:00Z"), "4 July 2026, 17:20");
        // The changes: 01:00 UTC on the last Sundays of March and October.
        assert_eq!(human_ts("2026-03-29T00:59:00Z"), "29 March 2026, 00:59");
        assert_eq!(human_ts("2026-03-29T01:00:00Z"), "29 March 2026, 02:00");
        assert_eq!(human_ts("2026-10-25T00:59:00Z"), "25 October 2026, 01:59");
        assert_eq!(human_ts("2026-10-25T01:00:00Z"), "25 October 2026, 01:00");
        assert_eq!(short_ts("2026-02-01T10:00:00+01:00"), "1 Feb 2026, 09:00");
        assert_eq!(human_date("2026-03-01"), "1 March 2026");
        assert_eq!(human_ts("yesterday"), "yesterday");
    }

    #[test]
    fn values_in_plain_words() {
        assert_eq!(
            val(Some(Entity::LoginEvents), "method", &json!("app")),
            Val::text("The app")
        );
        assert_eq!(val(None, "x", &json!(12345)), Val::text("12,345"));
        assert_eq!(val(None, "year", &json!(1985)), Val::text("1985"));
        assert_eq!(
            val(
                None,
                "evidence",
                &json!({"form": "signup", "checkbox_default": false})
            ),
            Val::Pairs(vec![
                ("Form".into(), Val::Own("signup".into())),
                ("Box ticked in advance".into(), Val::text("No"))
            ])
        );
        assert_eq!(snippet("a  b\nc", 90), "a b c");
        assert_eq!(snippet(&"word ".repeat(30), 12), "word word\u{2026}");
    }
}
