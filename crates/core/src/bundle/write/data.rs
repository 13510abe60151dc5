//! The data files of a bundle: the profile, each entity's rows (JSON, and
//! CSV for spreadsheets), the candidate items from mentions, the request
//! and the privacy information.

use super::{json_err, Cx, St, TICK};
use crate::bundle::rows::{csv_field, year_of, Member};
use crate::bundle::sink::Bundle;
use crate::bundle::{report, time_field, MentionOut, Plan, Redaction, MENTIONS};
use crate::csvout;
use crate::entity::{Entity, Format, DROPPED_FIELD};
use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressEvent};
use crate::requests::RequestDetail;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

/// The CSV columns of `data/mentions.csv`: one line per sentence entry.
const MENTION_COLUMNS: [&str; 8] = [
    "mention_id",
    "entity",
    "written_at",
    "author",
    "author_id",
    "field",
    "written_by",
    "text",
];

/// `password_hash` as a JSON key, to skip rows that cannot hold it.
const DROPPED_KEY: &str = "\"password_hash\"";

/// The CSV of `e`'s rows for spreadsheets.
pub(super) fn write_csv(
    m: &mut Member,
    plan: &mut dyn Plan,
    e: Entity,
    cols: &[String],
    w: &mut dyn Write,
    path: &Path,
    progress: &dyn Progress,
) -> Result<u64> {
    let mut c = csvout::writer(w).map_err(|err| Error::io(path, err))?;
    c.write_record(cols)
        .map_err(|err| Error::io(path, err.into()))?;
    let mut done = 0u64;
    m.each(e, |m, id, data| {
        let Some(row) = m.prepare(plan, e, id, data, false)? else {
            return Ok(());
        };
        c.write_record(cols.iter().map(|k| csv_field(row.get(k))))
            .map_err(|err| Error::io(path, err.into()))?;
        done += 1;
        if done.is_multiple_of(TICK) && progress.cancelled() {
            return Err(Error::Cancelled);
        }
        Ok(())
    })?;
    c.flush().map_err(|err| Error::io(path, err))?;
    Ok(done)
}

/// data/profile.json and data/profile.csv
pub(super) fn profile_files(cx: &Cx, st: &mut St, profile: &Map<String, Value>) -> Result<()> {
    let path = cx.path;
    let io = |e: std::io::Error| Error::io(path, e);
    let json_err = json_err(path);
    st.b.entry("data/profile.json", |w| {
        serde_json::to_writer_pretty(&mut *w, profile).map_err(json_err)?;
        w.write_all(b"\n").map_err(io)?;
        Ok(1)
    })?;
    st.rows += 1;
    st.b.entry("data/profile.csv", |w| {
        let mut cols: Vec<String> = Entity::Members
            .fields()
            .iter()
            .map(|f| f.name.to_string())
            .collect();
        let mut extra: Vec<&String> = profile.keys().filter(|k| !cols.contains(k)).collect();
        extra.sort();
        cols.extend(extra.into_iter().cloned());
        let mut c = csvout::writer(w).map_err(io)?;
        c.write_record(&cols)
            .map_err(|e| Error::io(path, e.into()))?;
        c.write_record(cols.iter().map(|k| csv_field(profile.get(k))))
            .map_err(|e| Error::io(path, e.into()))?;
        c.flush().map_err(io)?;
        Ok(1)
    })?;
    Ok(())
}

/// Counts first: they lead the report and size the progress stages (the
/// rows a plan withholds are not counted: nothing says they exist).
pub(super) fn count_all(st: &mut St) -> Result<Vec<(Entity, u64)>> {
    let mut counts: Vec<(Entity, u64)> = Vec::new();
    // Every stored entity but the member row itself (data/profile.json), in
    // the contract's order.
    for e in Entity::DATA.into_iter().filter(|e| *e != Entity::Members) {
        counts.push((e, st.m.count(e)?.saturating_sub(st.plan.withheld(e))));
    }
    Ok(counts)
}

/// First pass: data files; rows per year for the report's summaries.
pub(super) fn data_files(
    cx: &Cx,
    st: &mut St,
    counts: &[(Entity, u64)],
) -> Result<HashMap<Entity, BTreeMap<String, u64>>> {
    let mut years: HashMap<Entity, BTreeMap<String, u64>> = HashMap::new();
    for &(e, n) in counts {
        if n == 0 {
            continue;
        }
        cx.cancelled()?;
        cx.progress.event(ProgressEvent::Stage {
            name: format!("bundling {}", e.name()),
            total: Some(n),
        });
        let per_year = years.entry(e).or_default();
        let St { b, m, plan, rows } = st;
        *rows += b.entry(&format!("data/{}.json", e.name()), |w| {
            entity_json(cx, m, &mut **plan, e, per_year, w)
        })?;
        if e.format() == Format::Csv {
            let cols = m.csv_header(e)?;
            b.entry(&format!("data/{}.csv", e.name()), |w| {
                write_csv(m, &mut **plan, e, &cols, w, cx.path, cx.progress)
            })?;
        }
    }
    Ok(years)
}

/// data/<entity>.json: the rows as the plan shapes them, oldest first.
pub(super) fn entity_json(
    cx: &Cx,
    m: &mut Member,
    plan: &mut dyn Plan,
    e: Entity,
    per_year: &mut BTreeMap<String, u64>,
    w: &mut dyn Write,
) -> Result<u64> {
    let io = |err: std::io::Error| Error::io(cx.path, err);
    let json_err = json_err(cx.path);
    w.write_all(b"[").map_err(io)?;
    let mut done = 0u64;
    m.each(e, |m, id, data| {
        let Some(shaped) = plan.shape(e, id, data)? else {
            return Ok(());
        };
        w.write_all(if done == 0 { b"\n" } else { b",\n" })
            .map_err(io)?;
        *per_year.entry(year_of(data, time_field(e))).or_default() += 1;
        if shaped.row.is_none() && !data.contains(DROPPED_KEY) {
            // Nothing to change: the stored row is already compact JSON.
            m.redactions.extend(shaped.redactions);
            w.write_all(data.as_bytes()).map_err(io)?;
        } else {
            let mut row = shaped
                .row
                .unwrap_or_else(|| serde_json::from_str(data).unwrap_or_default());
            m.redactions.extend(shaped.redactions);
            if row.shift_remove(DROPPED_FIELD).is_some() {
                let bundle_id = row
                    .get(e.id_field())
                    .and_then(Value::as_str)
                    .unwrap_or(id)
                    .to_string();
                m.redactions.push(Redaction {
                    entity: e.name(),
                    id: bundle_id,
                    field: DROPPED_FIELD.into(),
                    reason: "never disclosed".into(),
                });
            }
            serde_json::to_writer(&mut *w, &row).map_err(&json_err)?;
        }
        done += 1;
        if done.is_multiple_of(TICK) {
            cx.progress.event(ProgressEvent::Advance { done });
            cx.cancelled()?;
        }
        Ok(())
    })?;
    w.write_all(b"\n]\n").map_err(io)?;
    cx.progress.event(ProgressEvent::Advance { done });
    Ok(done)
}

/// Candidate items from mentions ("What others wrote about you"); returns
/// how many.
pub(super) fn mention_files(cx: &Cx, st: &mut St) -> Result<u64> {
    let n_mentions = st.plan.mentions().len() as u64;
    if n_mentions > 0 {
        let path = cx.path;
        let io = |e: std::io::Error| Error::io(path, e);
        let json_err = json_err(path);
        cx.cancelled()?;
        let list = st.plan.mentions();
        st.b.entry(&format!("data/{MENTIONS}.json"), |w| {
            w.write_all(b"[").map_err(io)?;
            for (i, x) in list.iter().enumerate() {
                w.write_all(if i == 0 { b"\n" } else { b",\n" })
                    .map_err(io)?;
                serde_json::to_writer(&mut *w, &x.row).map_err(&json_err)?;
            }
            w.write_all(b"\n]\n").map_err(io)?;
            Ok(list.len() as u64)
        })?;
        for x in list {
            st.m.redactions.extend(x.redactions.iter().cloned());
        }
        st.rows += n_mentions;
        st.b.entry(&format!("data/{MENTIONS}.csv"), |w| {
            mentions_csv(list, w, path)
        })?;
    }
    Ok(n_mentions)
}

/// data/mentions.csv: one line per sentence entry.
pub(super) fn mentions_csv(list: &[MentionOut], w: &mut dyn Write, path: &Path) -> Result<u64> {
    let io = |e: std::io::Error| Error::io(path, e);
    let mut c = csvout::writer(w).map_err(io)?;
    c.write_record(MENTION_COLUMNS)
        .map_err(|e| Error::io(path, e.into()))?;
    let mut lines = 0u64;
    for x in list {
        let empty = Vec::new();
        let sentences = x
            .row
            .get("sentences")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        for st in sentences {
            let cell = |k: &str| match k {
                "field" | "written_by" | "text" => csv_field(st.get(k)),
                _ => csv_field(x.row.get(k)),
            };
            c.write_record(MENTION_COLUMNS.iter().map(|k| cell(k)))
                .map_err(|e| Error::io(path, e.into()))?;
            lines += 1;
        }
    }
    c.flush().map_err(io)?;
    Ok(lines)
}

/// The request record itself, when linked.
pub(super) fn request_file(cx: &Cx, st: &mut St) -> Result<()> {
    if let Some(r) = cx.request {
        let path = cx.path;
        let io = |e: std::io::Error| Error::io(path, e);
        let json_err = json_err(path);
        st.b.entry("data/request.json", |w| {
            let v = request_json(r);
            serde_json::to_writer_pretty(&mut *w, &v).map_err(json_err)?;
            w.write_all(b"\n").map_err(io)?;
            Ok(1)
        })?;
        st.rows += 1;
    }
    Ok(())
}

pub(super) fn information_file(
    cx: &Cx,
    b: &mut Bundle,
    facts: &crate::privacy::PrivacyFacts,
) -> Result<()> {
    let path = cx.path;
    let io = |e: std::io::Error| Error::io(path, e);
    let json_err = json_err(path);
    b.entry("information.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &report::information_json(facts))
            .map_err(json_err)?;
        w.write_all(b"\n").map_err(io)?;
        Ok(1)
    })?;
    Ok(())
}

/// The request record as the member sees it: what they asked, when, the
/// status and due date, and its history (without staff names).
pub(super) fn request_json(r: &RequestDetail) -> Value {
    let q = &r.request;
    json!({
        "ref": q.reference,
        "received": q.received.to_string(),
        "channel": q.channel,
        "requester": q.requester,
        "status": q.state.status,
        "identity_verified": q.state.identity_verified.map(|d| d.to_string()),
        "extended_months": q.state.extended_months,
        "due": q.state.due.map(|d| d.to_string()),
        "events": r.events.iter().map(|e| json!({"at": e.at, "kind": e.kind})).collect::<Vec<_>>(),
    })
}
