//! Writing a bundle, step by step: the zip opened, the profile, each
//! entity's rows, the candidate items from mentions, the request, the
//! report, the cover letter, the manifest, then the PDF's pages (an
//! encrypted PDF) and the file synced. The steps run in this fixed order,
//! which keeps a bundle's bytes the same for the same input.

use super::passphrase::Passphrase;
use super::rows::Member;
use super::sink::{zip_err, zip_time, Bundle, FileEntry, Sink, COVER};
use super::{cover, doc, pdf, report, Encryption, Plan, MENTIONS};
use crate::consent::History;
use crate::csvout;
use crate::entity::{Entity, Format};
use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressEvent};
use crate::requests::RequestDetail;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufWriter, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

mod data;

use data::{count_all, data_files, information_file, mention_files, profile_files, request_file};

/// A summarised kind: rows per year, and where its file is (in words).
type Summary = (Vec<(String, u64)>, String);

/// What a finished bundle holds, before it is moved into place.
#[derive(Clone, Debug)]
pub(super) struct Written {
    pub(super) files: usize,
    pub(super) rows: u64,
    pub(super) form: &'static str,
    pub(super) letter_subject: String,
    pub(super) letter: String,
    pub(super) passphrase_message: Option<String>,
}

/// How often (rows) progress is reported and cancellation checked.
const TICK: u64 = 256;

/// Everything the report's passes need.
struct ReportInput<'a> {
    head: report::Head<'a>,
    profile: &'a Map<String, Value>,
    facts: &'a crate::privacy::PrivacyFacts,
    history: &'a History,
    request: Option<&'a RequestDetail>,
    now: DateTime<Utc>,
    /// Per summarised kind: rows per year, and where its file is.
    summaries: &'a HashMap<Entity, Summary>,
    /// Where the candidate items' file is, in words.
    mentions_file: String,
}

/// The report, written to any document (HTML, PDF pages).
fn write_report(
    d: &mut dyn doc::Doc,
    m: &mut Member,
    plan: &mut dyn Plan,
    r: &ReportInput,
    progress: &dyn Progress,
    path: &Path,
) -> Result<u64> {
    let io = |e: std::io::Error| Error::io(path, e);
    let consent_n = r
        .head
        .counts
        .iter()
        .find(|c| c.0 == Entity::ConsentEvents)
        .map_or(0, |c| c.1);
    report::head(
        d,
        &r.head,
        r.profile,
        r.facts,
        consent_n,
        r.request.is_some(),
    )
    .map_err(io)?;
    report::consent(d, r.history, r.now).map_err(io)?;
    let mut done = 0u64;
    for &(e, n) in r.head.counts {
        if e == Entity::ConsentEvents || n == 0 {
            continue;
        }
        if let Some((years, file)) = r.summaries.get(&e) {
            report::summarised(d, e, n, years, file).map_err(io)?;
            done += n;
            progress.event(ProgressEvent::Advance { done });
            continue;
        }
        report::section_start(d, e, n).map_err(io)?;
        let me = m.id;
        m.each(e, |m, id, data| {
            let Some(row) = m.prepare(plan, e, id, data, false)? else {
                return Ok(());
            };
            report::row(d, e, &row, me).map_err(io)?;
            done += 1;
            if done.is_multiple_of(TICK) {
                progress.event(ProgressEvent::Advance { done });
                if progress.cancelled() {
                    return Err(Error::Cancelled);
                }
            }
            Ok(())
        })?;
        report::section_end(d).map_err(io)?;
    }
    let mentions = plan.mentions();
    if !mentions.is_empty() {
        report::mentions(d, mentions, &r.mentions_file).map_err(io)?;
    }
    if let Some(q) = r.request {
        report::request(d, q).map_err(io)?;
    }
    report::information(d, r.facts).map_err(io)?;
    d.end().map_err(io)?;
    Ok(r.head.counts.iter().map(|c| c.1).sum::<u64>() + 1)
}

/// What every step of writing a bundle reads.
struct Cx<'a> {
    conn: &'a Connection,
    site: &'a str,
    member_id: &'a str,
    generated_by: &'a str,
    request: Option<&'a RequestDetail>,
    now: DateTime<Utc>,
    progress: &'a dyn Progress,
    path: &'a Path,
    form: cover::Form,
}

impl Cx<'_> {
    fn cancelled(&self) -> Result<()> {
        if self.progress.cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Where the data files are, in words.
    fn inside(&self) -> &'static str {
        if self.form == cover::Form::Pdf {
            "attached to this PDF"
        } else {
            "in this bundle"
        }
    }
}

/// The bundle being written, the member's rows and the plan, and how many
/// rows have gone in.
struct St<'a, 'p> {
    b: Bundle<'a>,
    m: Member<'a>,
    plan: &'p mut dyn Plan,
    rows: u64,
}

/// What is read before any byte is written (with the member).
struct Found {
    profile: Map<String, Value>,
    vault_state: Option<(i64, String)>,
    facts: crate::privacy::PrivacyFacts,
}

fn json_err(path: &Path) -> impl Fn(serde_json::Error) -> Error + '_ {
    move |e| Error::io(path, std::io::Error::other(e))
}

#[allow(clippy::too_many_arguments)]
pub(super) fn write_bundle(
    conn: &Connection,
    logs: &Connection,
    file: std::fs::File,
    path: &Path,
    site: &str,
    member_id: &str,
    generated_by: &str,
    request: Option<&RequestDetail>,
    passphrase: Option<&Passphrase>,
    encryption: Encryption,
    now: DateTime<Utc>,
    progress: &dyn Progress,
    plan: &mut dyn Plan,
) -> Result<Written> {
    let form = match (passphrase, encryption) {
        (None, _) => cover::Form::Plain,
        (Some(_), Encryption::Zip) => cover::Form::Zip,
        (Some(_), Encryption::Pdf) => cover::Form::Pdf,
    };
    let cx = Cx {
        conn,
        site,
        member_id,
        generated_by,
        request,
        now,
        progress,
        path,
        form,
    };
    let (m, found) = find(&cx, logs, plan)?;
    let b = open(&cx, file, passphrase)?;
    let mut st = St {
        b,
        m,
        plan,
        rows: 0,
    };
    profile_files(&cx, &mut st, &found.profile)?;
    let counts = count_all(&mut st)?;
    let mut years = data_files(&cx, &mut st, &counts)?;
    let n_mentions = mention_files(&cx, &mut st)?;
    request_file(&cx, &mut st)?;
    information_file(&cx, &mut st.b, &found.facts)?;
    let summaries = summaries(&cx, &counts, &mut years);

    // Second pass: the report.
    cx.cancelled()?;
    let report_total = counts.iter().map(|c| c.1).sum();
    progress.event(ProgressEvent::Stage {
        name: "writing the report".into(),
        total: Some(report_total),
    });
    let history = History::load(conn, site, member_id)?;
    let input = report_input(&cx, &st, &found, &counts, &history, &summaries, n_mentions);
    st.b.entry("report.html", |w| {
        let mut d = doc::HtmlDoc::new(w);
        write_report(&mut d, &mut st.m, st.plan, &input, progress, path)
    })?;
    cx.cancelled()?;

    let (cover_html, letter) = cover_file(&cx, &mut st, &found.facts)?;
    manifest_file(&cx, &mut st, &found)?;
    let files = st.b.files.len() + 1;
    let rows = st.rows;
    finish(&cx, st, &input, &cover_html, report_total)?;
    Ok(Written {
        files,
        rows,
        form: form_name(form),
        letter_subject: cover::title(site),
        letter: letter.out,
        passphrase_message: passphrase.map(|p| {
            cover::passphrase_message(site, request.map(|r| r.request.reference.as_str()), p)
        }),
    })
}

/// The member's profile (shaped by the plan, its redactions recorded), the
/// vault's state and the site's privacy facts.
fn find<'a>(cx: &Cx<'a>, logs: &Connection, plan: &mut dyn Plan) -> Result<(Member<'a>, Found)> {
    let (conn, site, member_id) = (cx.conn, cx.site, cx.member_id);
    let profile_data: String = conn.query_row(
        "SELECT data FROM members WHERE site = ?1 AND id = ?2",
        params![site, member_id],
        |r| r.get(0),
    )?;
    let vault_state: Option<(i64, String)> = conn
        .query_row(
            "SELECT sequence, generated_at FROM exports WHERE site = ?1 ORDER BY sequence DESC LIMIT 1",
            [site],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let facts = crate::privacy::facts_conn(logs, site)?;
    let raw_profile: Map<String, Value> = serde_json::from_str(&profile_data).unwrap_or_default();
    let mut m = Member {
        conn,
        site,
        id: member_id,
        email: raw_profile
            .get("email")
            .and_then(Value::as_str)
            .map(String::from),
        redactions: Vec::new(),
    };
    let profile = m
        .prepare(plan, Entity::Members, member_id, &profile_data, true)?
        .unwrap_or_default();
    let found = Found {
        profile,
        vault_state,
        facts,
    };
    Ok((m, found))
}

/// The zip, and where the files go: its entries, or the encrypted PDF's
/// attachments (the PDF itself its first entry).
fn open<'a>(
    cx: &Cx<'a>,
    file: std::fs::File,
    passphrase: Option<&Passphrase>,
) -> Result<Bundle<'a>> {
    let path = cx.path;
    let io = |e: std::io::Error| Error::io(path, e);
    let time = zip_time(cx.now);
    let zip = ZipWriter::new(BufWriter::with_capacity(256 * 1024, file));
    let sink = match (cx.form, passphrase) {
        (cover::Form::Pdf, Some(p)) => {
            let mut zip = zip;
            let opts = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Stored)
                .last_modified_time(time)
                .unix_permissions(0o600)
                .large_file(false);
            zip.start_file(cover::PDF_NAME, opts)
                .map_err(|e| zip_err(path, e))?;
            let crypt = pdf::Crypt::new(&p.text, &p.text.to_uppercase());
            Sink::Pdf(pdf::PdfFile::new(zip, crypt).map_err(io)?)
        }
        _ => Sink::Zip {
            zip,
            password: passphrase.map(|p| p.text.clone()),
        },
    };
    Ok(Bundle {
        sink,
        time,
        files: Vec::new(),
        path,
    })
}

/// Kinds too big to list are summarised in the report.
fn summaries(
    cx: &Cx,
    counts: &[(Entity, u64)],
    years: &mut HashMap<Entity, BTreeMap<String, u64>>,
) -> HashMap<Entity, Summary> {
    let inside = cx.inside();
    let mut summaries = HashMap::new();
    for &(e, n) in counts {
        if n > report::LIST_LIMIT && e != Entity::ConsentEvents {
            let csv = if e.format() == Format::Csv {
                format!(" (and data/{}.csv, for spreadsheets)", e.name())
            } else {
                String::new()
            };
            let file = format!("the file data/{}.json{csv} {inside}", e.name());
            let per_year = years.remove(&e).unwrap_or_default().into_iter().collect();
            summaries.insert(e, (per_year, file));
        }
    }
    summaries
}

/// What the report's passes (HTML, then PDF pages) read.
fn report_input<'a>(
    cx: &Cx<'a>,
    st: &St,
    found: &'a Found,
    counts: &'a [(Entity, u64)],
    history: &'a History,
    summaries: &'a HashMap<Entity, Summary>,
    n_mentions: u64,
) -> ReportInput<'a> {
    let files_where = if cx.form == cover::Form::Pdf {
        "attached to this PDF (Adobe Acrobat Reader and Firefox show attachments)"
    } else {
        "in the data folder of this bundle"
    };
    let inside = cx.inside();
    ReportInput {
        head: report::Head {
            site: cx.site,
            member_id: cx.member_id,
            generated_at: cx.now,
            generated_by: cx.generated_by,
            vault_state: found.vault_state.clone(),
            request_ref: cx.request.map(|r| r.request.reference.as_str()),
            counts,
            third_parties: st.plan.third_parties(),
            email: st.m.email.is_some(),
            files_where,
            mentions: n_mentions,
        },
        profile: &found.profile,
        facts: &found.facts,
        history,
        request: cx.request,
        now: cx.now,
        summaries,
        mentions_file: format!(
            "the file data/{MENTIONS}.json (and data/{MENTIONS}.csv, for spreadsheets) {inside}"
        ),
    }
}

fn form_name(form: cover::Form) -> &'static str {
    match form {
        cover::Form::Plain => "zip",
        cover::Form::Zip => "zip-aes256",
        cover::Form::Pdf => "pdf-aes256",
    }
}

/// The cover letter: after the data pass (it says what was left out).
/// Returns it as HTML and as text (for the email).
fn cover_file(
    cx: &Cx,
    st: &mut St,
    facts: &crate::privacy::PrivacyFacts,
) -> Result<(Vec<u8>, doc::TextDoc)> {
    let io = |e: std::io::Error| Error::io(cx.path, e);
    let redactions: BTreeSet<(&'static str, &str, &str)> =
        st.m.redactions
            .iter()
            .map(|r| (r.entity, r.field.as_str(), r.reason.as_str()))
            .collect();
    let withheld = st.plan.withheld_summary();
    let cover_in = cover::Cover {
        site: cx.site,
        request_ref: cx.request.map(|r| r.request.reference.as_str()),
        generated_at: cx.now,
        generated_by: cx.generated_by,
        form: cx.form,
        redactions: &redactions,
        withheld: &withheld,
        facts,
    };
    let mut cover_html = Vec::new();
    cover::write(&mut doc::HtmlDoc::new(&mut cover_html), &cover_in).map_err(io)?;
    let mut letter = doc::TextDoc::new();
    cover::write(&mut letter, &cover_in).map_err(io)?;
    if cx.form == cover::Form::Pdf {
        // Listed in the manifest (inside the PDF); written to the zip at the end.
        st.b.files.push(FileEntry {
            path: COVER.into(),
            rows: 0,
            sha256: hex::encode(Sha256::digest(&cover_html)),
        });
    } else {
        st.b.entry(COVER, |w| {
            w.write_all(&cover_html).map_err(io)?;
            Ok(0)
        })?;
    }
    Ok((cover_html, letter))
}

/// manifest.json: what the bundle holds, and what was redacted.
fn manifest_file(cx: &Cx, st: &mut St, found: &Found) -> Result<()> {
    let (site, generated_by, facts) = (cx.site, cx.generated_by, &found.facts);
    let io = |e: std::io::Error| Error::io(cx.path, e);
    let json_err = json_err(cx.path);
    st.m.redactions.dedup();
    let facts_default = facts.updated_at.is_none();
    let mut manifest = json!({
        "format": "subject-access-bundle",
        "format_version": 1,
        "site": site,
        "member_id": cx.member_id,
        "request_ref": cx.request.map(|r| r.request.reference.clone()),
        "generated_at": cx.now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "generated_by": generated_by,
        "vault_state": found.vault_state.clone().map(|(s, g)| json!({"sequence": s, "generated_at": g})),
        "form": form_name(cx.form),
        "csv": csvout::DESCRIPTION,
        "files": st.b.files,
        "redactions": st.m.redactions,
        "privacy_facts": if facts_default {
            json!({"default": true, "override_by": generated_by})
        } else {
            json!({"default": false, "updated_at": facts.updated_at, "updated_by": facts.updated_by})
        },
    });
    if let Some(obj) = manifest.as_object_mut() {
        for (k, v) in st.plan.manifest() {
            obj.insert(k.into(), v);
        }
    }
    st.b.entry("manifest.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest).map_err(json_err)?;
        w.write_all(b"\n").map_err(io)?;
        Ok(0)
    })?;
    Ok(())
}

/// The end: the PDF's pages and the cover beside it (an encrypted PDF),
/// the zip's directory, and the file synced.
fn finish(
    cx: &Cx,
    st: St,
    input: &ReportInput,
    cover_html: &[u8],
    report_total: u64,
) -> Result<()> {
    let path = cx.path;
    let io = |e: std::io::Error| Error::io(path, e);
    let St { b, mut m, plan, .. } = st;
    let time = b.time;
    let zip = match b.sink {
        Sink::Zip { zip, .. } => zip,
        Sink::Pdf(mut pdf) => {
            cx.progress.event(ProgressEvent::Stage {
                name: "writing the PDF".into(),
                total: Some(report_total),
            });
            {
                let mut d = pdf::PdfDoc::new(&mut pdf);
                write_report(&mut d, &mut m, plan, input, cx.progress, path)?;
            }
            let mut zip = pdf.finish(&report::title(cx.site)).map_err(io)?;
            zip.start_file(
                COVER,
                SimpleFileOptions::default()
                    .compression_method(CompressionMethod::Deflated)
                    .compression_level(Some(3))
                    .last_modified_time(time)
                    .unix_permissions(0o600),
            )
            .map_err(|e| zip_err(path, e))?;
            zip.write_all(cover_html).map_err(io)?;
            zip
        }
    };
    cx.cancelled()?;
    let out = zip.finish().map_err(|e| zip_err(path, e))?;
    let file = out
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok(())
}
