//! `report.html` (written piece by piece as the rows stream past) and
//! `information.json`. The report is one self-contained file: inline CSS
//! only, no script, no image, no font, no external stylesheet; it prints
//! cleanly. Everything that comes from data (the member's text, the privacy
//! facts) is escaped, `=` and `(` included, so no member markup can become
//! an attribute or a CSS function.

use super::field_type;
use crate::consent::History;
use crate::entity::{Entity, FieldType};
use crate::privacy::PrivacyFacts;
use crate::requests::RequestDetail;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, Utc, Weekday};
use serde_json::{json, Map, Value};
use std::io::{Result, Write};

/// Escape text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '=' => out.push_str("&#61;"),
            '(' => out.push_str("&#40;"),
            _ => out.push(c),
        }
    }
    out
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .unwrap_or_default();
    let mut d = first_next.pred_opt().unwrap_or_default();
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt().unwrap_or_default();
    }
    d
}

/// UK time: BST (UTC+1) from 01:00 UTC on the last Sunday of March to
/// 01:00 UTC on the last Sunday of October, GMT otherwise.
pub fn uk_time(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    let y = t.year();
    let start = last_sunday(y, 3)
        .and_hms_opt(1, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let end = last_sunday(y, 10)
        .and_hms_opt(1, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let offset = if t >= start && t < end { 3600 } else { 0 };
    let tz = FixedOffset::east_opt(offset).unwrap_or_else(|| Utc.fix());
    t.with_timezone(&tz)
}

/// "2026-11-04T16:20:00Z" → "4 November 2026, 16:20" (UK time); unparsable
/// text is returned as it is.
pub fn human_ts(s: &str) -> String {
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => uk_time(t.with_timezone(&Utc))
            .format("%-d %B %Y, %H:%M")
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

/// The heading of an entity's section.
pub fn heading(e: Entity) -> &'static str {
    match e {
        Entity::Members => "Your profile",
        Entity::ConsentEvents => "Your consent choices",
        Entity::Children => "Children and due dates you told us about",
        Entity::LoginEvents => "Times you signed in",
        Entity::SocialAccounts => "Social media accounts linked to your account",
        Entity::Posts => "Your posts",
        Entity::PrivateMessages => "Private messages you sent or received",
        Entity::CompetitionEntries => "Competitions you entered",
        Entity::SurveyResponses => "Surveys you answered",
        Entity::HelpdeskTickets => "Your messages to our helpdesk",
        Entity::NewsletterEngagement => "Newsletters we sent you",
        Entity::LocalListings => "Your local listings",
        Entity::Reviews => "Your reviews",
        Entity::Deletions => "Deletions",
    }
}

/// A consent purpose in plain words (the code in brackets); new purposes
/// are shown by their code.
fn purpose_words(p: &str) -> String {
    let words = match p {
        "newsletter.parenting_news" => "Parenting news newsletter",
        "newsletter.pregnancy_weekly" => "Pregnancy Weekly emails",
        "newsletter.baby_monthly" => "Baby Monthly emails",
        "newsletter.bloggers_network" => "Bloggers Network newsletter",
        "partner_emails" => "Emails about our partners' offers",
        "market_research_contact" => "Being contacted for market research",
        "competition.share_with_sponsor" => "Sharing competition entries with sponsors",
        "survey.share_with_partner" => "Sharing survey answers with partners",
        "research_panel" => "Research panel membership",
        "special_category_data" => "Using sensitive (special category) information you gave us",
        "local_listing_offers" => "Offers about local listings",
        "cookies.essential" => "Essential cookies",
        "cookies.preferences" => "Preference cookies",
        "cookies.analytics" => "Analytics cookies",
        "cookies.advertising" => "Advertising cookies",
        "cookies.social" => "Social media cookies",
        "identity_partner_sharing" => "Sharing your identity with partners",
        _ => return esc(p),
    };
    format!("{words} <small>({})</small>", esc(p))
}

/// "posted_at" → "Posted at".
fn label(field: &str) -> String {
    let special = match field {
        "member_id" => Some("Your member number"),
        "ip" => Some("IP address"),
        "signup_ip" => Some("IP address at sign-up"),
        "tcf_string" => Some("Cookie consent string (IAB TCF)"),
        "url" => Some("Address"),
        _ => None,
    };
    if let Some(s) = special {
        return s.into();
    }
    let mut s = field.replace('_', " ");
    if let Some(first) = s.get(0..1) {
        let up = first.to_uppercase();
        s.replace_range(0..1, &up);
    }
    s
}

/// A value as readable HTML.
fn value_html(e: Entity, field: &str, v: &Value) -> String {
    match (field_type(e, field), v) {
        (Some(FieldType::Ts), Value::String(s)) => esc(&human_ts(s)),
        (Some(FieldType::Date), Value::String(s)) => esc(&human_date(s)),
        (_, Value::Bool(b)) => (if *b { "Yes" } else { "No" }).into(),
        (_, Value::String(s)) => esc(s),
        (_, Value::Number(n)) => n.to_string(),
        (_, Value::Null) => String::new(),
        (_, other) => format!(
            "<pre>{}</pre>",
            esc(&serde_json::to_string_pretty(other).unwrap_or_default())
        ),
    }
}

const CSS: &str = "
body{font-family:Georgia,'Times New Roman',serif;max-width:52em;margin:2em auto;padding:0 1em;color:#111;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #444;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.05em;margin:.2em 0}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eee}
article{border:1px solid #bbb;border-radius:4px;padding:.5em .8em;margin:.6em 0;page-break-inside:avoid;break-inside:avoid}
dl{display:grid;grid-template-columns:12em 1fr;gap:.15em .8em;margin:.3em 0}dt{font-weight:bold}dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;font-size:.9em}
.note{background:#f5f5f0;border-left:4px solid #888;padding:.4em .8em}
.granted{color:#064}.withdrawn{color:#900}
@media print{body{margin:0;max-width:none}a{color:#000}h2{page-break-after:avoid;break-after:avoid}}
";

/// What the summary says.
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
}

pub(crate) fn head(w: &mut dyn Write, h: &Head, profile: &Map<String, Value>) -> Result<()> {
    let site = esc(h.site);
    writeln!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<title>Your personal data held by {site}</title>\n<style>{CSS}</style>\n</head>\n<body>"
    )?;
    writeln!(w, "<h1>Your personal data held by {site}</h1>")?;
    let when = human_ts(&crate::trail::ts(h.generated_at));
    writeln!(
        w,
        "<p>This is a copy of the personal data that {site} holds about you (member number {}), made on {} (UK time) in answer to your request{}. It is your right under Article 15 of the UK GDPR. The same information is in the <code>data</code> folder of this bundle, in files that other programs can read (JSON and CSV).</p>",
        esc(h.member_id),
        esc(&when),
        h.request_ref.map(|r| format!(" (our reference {})", esc(r))).unwrap_or_default()
    )?;
    writeln!(w, "<h2>Summary</h2>")?;
    let state = match &h.vault_state {
        Some((seq, at)) => format!(
            "the copy of {site}'s records taken on {} (export number {seq})",
            esc(&human_ts(at))
        ),
        None => format!("{site}'s records"),
    };
    writeln!(
        w,
        "<p>We searched {state} for everything linked to your account: your profile, consent choices, children, sign-ins, linked social accounts, posts, private messages you sent or received, competition entries, survey answers, helpdesk tickets{}, newsletters, local listings and reviews.</p>",
        if h.email { " (including tickets sent from your email address without signing in)" } else { "" }
    )?;
    writeln!(w, "<table>\n<tr><th>What</th><th>How many</th></tr>")?;
    writeln!(
        w,
        "<tr><td>{}</td><td>1</td></tr>",
        heading(Entity::Members)
    )?;
    for (e, n) in h.counts {
        writeln!(w, "<tr><td>{}</td><td>{n}</td></tr>", heading(*e))?;
    }
    writeln!(w, "</table>")?;
    if h.third_parties > 0 {
        writeln!(
            w,
            "<p class=\"note\">Private messages involve other people. To protect them, each other person is shown as &ldquo;Member A&rdquo;, &ldquo;Member B&rdquo; and so on ({} in all); the same person has the same name throughout this bundle. Their names, member numbers and email addresses are not included.</p>",
            h.third_parties
        )?;
    }
    writeln!(
        w,
        "<p>Made by {} for {site}. The last section explains why we use your data, who we share it with, how long we keep it, and your rights.</p>",
        esc(h.generated_by)
    )?;
    writeln!(w, "<h2>{}</h2>\n<dl>", heading(Entity::Members))?;
    for (k, v) in profile {
        writeln!(
            w,
            "<dt>{}</dt><dd>{}</dd>",
            esc(&label(k)),
            value_html(Entity::Members, k, v)
        )?;
    }
    writeln!(w, "</dl>")
}

/// The consent history as a timeline per purpose, with the state today.
pub(crate) fn consent(w: &mut dyn Write, h: &History, now: DateTime<Utc>) -> Result<()> {
    writeln!(w, "<h2>{}</h2>", heading(Entity::ConsentEvents))?;
    let purposes = h.purposes();
    if purposes.is_empty() {
        return writeln!(w, "<p>We hold no consent choices for you.</p>");
    }
    writeln!(
        w,
        "<p>For each thing we asked your permission for: what you chose, when, and where it stands today ({}).</p>",
        esc(&human_ts(&crate::trail::ts(now)))
    )?;
    for p in purposes {
        let today = match h.at(&p, now) {
            Some(e) if e.action == "granted" => "<span class=\"granted\">you agree</span>",
            Some(_) => "<span class=\"withdrawn\">you do not agree (withdrawn)</span>",
            None => "no choice recorded yet",
        };
        writeln!(
            w,
            "<article><h3>{}</h3><p>Today: {today}</p>\n<table><tr><th>When</th><th>Choice</th><th>How</th><th>Details</th></tr>",
            purpose_words(&p)
        )?;
        for e in h.events.iter().filter(|e| e.purpose == p) {
            let mut details = Vec::new();
            for (k, v) in &e.data {
                if matches!(
                    k.as_str(),
                    "event_id" | "member_id" | "purpose" | "action" | "occurred_at" | "source"
                ) {
                    continue;
                }
                details.push(format!(
                    "<b>{}</b>: {}",
                    esc(&label(k)),
                    value_html(Entity::ConsentEvents, k, v)
                ));
            }
            writeln!(
                w,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&human_ts(&e.occurred_at)),
                if e.action == "granted" {
                    "Agreed"
                } else {
                    "Withdrew"
                },
                esc(&e.source.replace('_', " ")),
                details.join("<br>")
            )?;
        }
        writeln!(w, "</table></article>")?;
    }
    Ok(())
}

pub(crate) fn section_start(w: &mut dyn Write, e: Entity, n: u64) -> Result<()> {
    writeln!(w, "<h2>{}</h2>", heading(e))?;
    if n == 0 {
        writeln!(w, "<p>None.</p>")?;
    } else {
        writeln!(w, "<p>{n} in all, oldest first.</p>")?;
    }
    Ok(())
}

pub(crate) fn section_end(_w: &mut dyn Write) -> Result<()> {
    Ok(())
}

fn who(v: Option<&Value>, me: &str) -> String {
    match v.and_then(Value::as_str) {
        Some(s) if s == me => "You".into(),
        Some(s) => esc(s),
        None => String::new(),
    }
}

/// One row of an entity, as a small card.
pub(crate) fn row(w: &mut dyn Write, e: Entity, row: &Map<String, Value>, me: &str) -> Result<()> {
    let time = super::time_field(e);
    let title = row
        .get(time)
        .and_then(Value::as_str)
        .map(human_ts)
        .unwrap_or_default();
    let extra = match e {
        Entity::Posts => row.get("thread_title").and_then(Value::as_str),
        Entity::HelpdeskTickets | Entity::PrivateMessages => {
            row.get("subject").and_then(Value::as_str)
        }
        Entity::CompetitionEntries => row.get("competition_title").and_then(Value::as_str),
        Entity::SurveyResponses => row.get("survey_title").and_then(Value::as_str),
        _ => None,
    };
    write!(w, "<article><h3>{}", esc(&title))?;
    if let Some(x) = extra {
        write!(w, " &mdash; {}", esc(x))?;
    }
    writeln!(w, "</h3><dl>")?;
    if e == Entity::PrivateMessages {
        let to: Vec<String> = row
            .get("recipient_ids")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|v| who(Some(v), me)).collect())
            .unwrap_or_default();
        writeln!(
            w,
            "<dt>From</dt><dd>{}</dd><dt>To</dt><dd>{}</dd>",
            who(row.get("sender_id"), me),
            to.join(", ")
        )?;
    }
    for (k, v) in row {
        if k == "member_id"
            || (e == Entity::PrivateMessages && (k == "sender_id" || k == "recipient_ids"))
        {
            continue;
        }
        if e == Entity::HelpdeskTickets && k == "messages" {
            if let Value::Array(msgs) = v {
                writeln!(w, "<dt>Messages</dt><dd>")?;
                for m in msgs {
                    let from = match m.get("from").and_then(Value::as_str) {
                        Some("member") => "You",
                        Some("staff") => "Our helpdesk",
                        _ => "",
                    };
                    let at = m
                        .get("at")
                        .and_then(Value::as_str)
                        .map(human_ts)
                        .unwrap_or_default();
                    let body = m.get("body").and_then(Value::as_str).unwrap_or("");
                    writeln!(w, "<p><b>{from}</b>, {}:<br>{}</p>", esc(&at), esc(body))?;
                }
                writeln!(w, "</dd>")?;
                continue;
            }
        }
        writeln!(
            w,
            "<dt>{}</dt><dd>{}</dd>",
            esc(&label(k)),
            value_html(e, k, v)
        )?;
    }
    writeln!(w, "</dl></article>")
}

/// The request this bundle answers.
pub(crate) fn request(w: &mut dyn Write, r: &RequestDetail) -> Result<()> {
    let q = &r.request;
    writeln!(w, "<h2>Your request</h2>\n<dl>")?;
    writeln!(w, "<dt>Our reference</dt><dd>{}</dd>", esc(&q.reference))?;
    writeln!(
        w,
        "<dt>Received</dt><dd>{}</dd>",
        esc(&human_date(&q.received.to_string()))
    )?;
    writeln!(w, "<dt>How</dt><dd>{}</dd>", esc(&q.channel))?;
    if let Some(d) = q.state.due {
        writeln!(
            w,
            "<dt>Due</dt><dd>{}</dd>",
            esc(&human_date(&d.to_string()))
        )?;
    }
    writeln!(
        w,
        "</dl>\n<table><tr><th>When</th><th>What happened</th></tr>"
    )?;
    for e in &r.events {
        writeln!(
            w,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(&human_ts(&e.at)),
            esc(&e.kind.replace('_', " "))
        )?;
    }
    writeln!(w, "</table>")
}

/// The supplementary information (Art 15(1)(a)–(h), 15(2)).
pub(crate) fn information(w: &mut dyn Write, f: &PrivacyFacts) -> Result<()> {
    writeln!(w, "<h2>About how we use your data</h2>")?;
    writeln!(
        w,
        "<p><b>Who we are:</b> {}<br><b>Our Data Protection Officer:</b> {}</p>",
        esc(&f.controller),
        esc(&f.dpo_contact)
    )?;
    writeln!(w, "<h3>Why we use your data, and our lawful basis</h3>\n<table><tr><th>Purpose</th><th>What we do</th><th>Lawful basis</th></tr>")?;
    for p in &f.purposes {
        writeln!(
            w,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.purpose),
            esc(&p.description),
            esc(&p.lawful_basis)
        )?;
    }
    writeln!(w, "</table>\n<h3>The kinds of data we hold</h3>\n<table><tr><th>Kind</th><th>What it covers</th></tr>")?;
    for c in &f.categories {
        writeln!(
            w,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(&c.category),
            esc(&c.description)
        )?;
    }
    writeln!(w, "</table>\n<h3>Who we share it with</h3>\n<table><tr><th>Who</th><th>Kind</th><th>Why</th></tr>")?;
    for r in &f.recipients {
        writeln!(
            w,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.name),
            esc(&r.kind),
            esc(&r.purpose)
        )?;
    }
    writeln!(
        w,
        "</table>\n<h3>How long we keep it</h3>\n<table><tr><th>Data</th><th>How long</th></tr>"
    )?;
    for r in &f.retention {
        writeln!(
            w,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(&r.data),
            esc(&r.period)
        )?;
    }
    writeln!(w, "</table>\n<h3>Data we did not get from you</h3>")?;
    if f.sources.is_empty() {
        writeln!(w, "<p>All the data we hold about you came from you.</p>")?;
    } else {
        writeln!(w, "<table><tr><th>Where from</th><th>What</th></tr>")?;
        for s in &f.sources {
            writeln!(
                w,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(&s.source),
                esc(&s.data)
            )?;
        }
        writeln!(w, "</table>")?;
    }
    writeln!(w, "<h3>Transfers outside the UK</h3>")?;
    if f.transfers.is_empty() {
        writeln!(
            w,
            "<p>We do not send your data outside the UK and the EEA.</p>"
        )?;
    } else {
        writeln!(w, "<table><tr><th>Where to</th><th>Safeguard</th></tr>")?;
        for t in &f.transfers {
            writeln!(
                w,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(&t.destination),
                esc(&t.safeguard)
            )?;
        }
        writeln!(w, "</table>")?;
    }
    writeln!(
        w,
        "<h3>Automated decisions</h3>\n<p>{}</p>",
        esc(&f.automated_decisions)
    )?;
    writeln!(w, "<h3>Your rights</h3>\n<p>{}</p>", esc(&f.rights))?;
    writeln!(
        w,
        "<h3>Complaints</h3>\n<p>{}</p>\n<p>The ICO: <a href=\"https://ico.org.uk/make-a-complaint/\">ico.org.uk/make-a-complaint</a>, telephone 0303 123 1113.</p>",
        esc(&f.complaint)
    )
}

pub(crate) fn tail(w: &mut dyn Write) -> Result<()> {
    writeln!(w, "</body>\n</html>")
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
            "transfers": "Art 15(2)",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_time_and_escaping() {
        assert_eq!(human_ts("2026-11-04T16:20:00Z"), "4 November 2026, 16:20");
        assert_eq!(human_ts("2026-07-04T16:20:00Z"), "4 July 2026, 17:20");
        assert_eq!(human_date("2026-03-01"), "1 March 2026");
        assert_eq!(esc("<img src=x>"), "&lt;img src&#61;x&gt;");
    }
}
