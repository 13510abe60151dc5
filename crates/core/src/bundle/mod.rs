//! Subject-access bundles (`subject-access-bundle-v1.md`): one `.zip` per
//! member with `manifest.json`, `report.html`, `information.json`,
//! `data/profile.json` and `data/<entity>.json` (+ `.csv` for entities whose
//! export file is CSV).
//!
//! - **Streamed.** Each entity's rows go from SQLite straight into their zip
//!   entry, oldest first (SQLite sorts, spilling to its temporary files);
//!   the report is a second pass over the same rows. Only sort keys and
//!   rowids go through SQLite's sorter (its spill files are not encrypted);
//!   rows are then read by rowid. Only the pseudonym map
//!   (one entry per third party) and the redaction list stay in memory.
//! - **What goes out is decided elsewhere.** The writer asks a [`Plan`]
//!   how each row goes out (shaped: other people replaced, ids renumbered,
//!   spans redacted — or withheld altogether) and lists what the plan
//!   redacted in the manifest. The review area makes the plans: the
//!   automatic one of an unreviewed bundle, and the one a reviewer
//!   approved (`crate::review`). `password_hash` is dropped here, always.
//! - **Deterministic.** Sorted rows, fixed entry order, every entry dated
//!   `generated_at`, deflate at a fixed level, no hash-map iteration: the same
//!   vault state, request and time give the same bytes. An encrypted bundle
//!   is not byte-identical twice (AES salts are random), by design.
//! - **Atomic.** Written to a temporary file beside the target, synced, and
//!   renamed into place without replacing anything; any failure or a
//!   cancellation leaves nothing behind. A crash (kill, power cut) can leave
//!   a hidden `.bundle-*.part` (mode 0600) that no drop handler removed; the
//!   next bundle into that directory removes it once it is 15 minutes
//!   untouched. An existing target is refused
//!   ([`Error::Conflict`]): a bundle is evidence of what was sent, and is
//!   never silently replaced.

mod cover;
mod doc;
pub mod passphrase;
mod pdf;
mod pdf_metrics;
pub mod report;

use crate::consent::{member_exists, History};
use crate::csvout;
use crate::entity::{Entity, FieldType, Format, DROPPED_FIELD};
use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressEvent};
use crate::requests::RequestDetail;
use crate::roles::Action;
use crate::session::door::{failure_detail, outcome_of};
use crate::session::{Op, Session, Tx};
use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use passphrase::Passphrase;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{AesMode, CompressionMethod, ZipWriter};

/// How an encrypted bundle is encrypted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "BundleEncryption"))]
pub enum Encryption {
    /// A zip holding the cover letter and one PDF encrypted with AES-256
    /// (PDF 2.0, revision 6) whose pages are the report and whose
    /// attachments are the bundle's files: opens with a password prompt in
    /// Edge, Chrome, Firefox, macOS Preview, iOS and Android, with no extra
    /// software.
    #[default]
    Pdf,
    /// A zip whose files (all but the cover letter) are AES-256 encrypted
    /// (WinZip AE-2): opens in 7-Zip, WinZip, Keka, The Unarchiver, bsdtar;
    /// not in Windows' or macOS's built-in zip support.
    Zip,
}

impl Encryption {
    pub fn name(self) -> &'static str {
        match self {
            Encryption::Pdf => "pdf",
            Encryption::Zip => "zip",
        }
    }
}

/// How to make a bundle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BundleOptions {
    /// The subject-access request it answers. Refused: a request's bundle
    /// is released through review (`Session::release`); this stays for
    /// interfaces that pass it, to say so.
    pub reference: Option<String>,
    /// Encrypt under a generated passphrase.
    pub encrypt: bool,
    /// How, when `encrypt`.
    pub encryption: Encryption,
    /// Make it even though the site's privacy facts are still the shipped
    /// default; the manifest records who did.
    pub allow_default_facts: bool,
    /// Also hold every candidate item from mentions ("What others wrote
    /// about you", `data/mentions.json`), other people replaced
    /// automatically; the manifest lists them as not reviewed.
    pub with_mentions: bool,
}

/// The name of the bundle's file (and the manifest's kind) of candidate
/// items from mentions: `data/mentions.json`, `.csv`.
pub const MENTIONS: &str = "mentions";
/// How the report (and the interfaces) name candidate items.
pub const MENTIONS_TITLE: &str = "What others wrote about you";

/// A candidate item from mentions as it goes out, shaped by the plan: a
/// row of `data/mentions.json` (`mention_id`, `entity`, `written_at`,
/// `author`, `author_id`, `sentences: [{field, written_by, text}]`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MentionOut {
    /// The entity of the row it was cut from (for the manifest).
    pub entity: String,
    pub row: Map<String, Value>,
    pub redactions: Vec<Redaction>,
}

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

/// A bundle written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BundleMade {
    pub path: PathBuf,
    /// SHA-256 of the zip file's bytes.
    pub sha256: String,
    pub bytes: u64,
    /// Files in the bundle, the manifest included (in the PDF form, the
    /// PDF's attachments and the cover letter).
    pub files: usize,
    /// Data rows in the bundle (`data/*.json`, the profile counting one).
    pub rows: u64,
    /// The generated passphrase of an encrypted bundle, exactly as it is
    /// typed (lower case, no spaces), shown once and stored nowhere.
    pub passphrase: Option<String>,
    /// The same in groups of four, for reading aloud.
    pub passphrase_grouped: Option<String>,
    /// Its strength in bits.
    pub passphrase_bits: Option<u32>,
    /// A short message that carries the passphrase (by text or phone),
    /// separately from the bundle.
    pub passphrase_message: Option<String>,
    pub request_ref: Option<String>,
    /// `zip` (not encrypted), `zip-aes256` or `pdf-aes256`.
    pub form: String,
    /// The cover letter as plain text, for the email that carries the
    /// bundle (the passphrase goes separately), and its subject line.
    pub letter_subject: String,
    pub letter: String,
}

/// The field that orders an entity's rows, oldest first.
pub(crate) fn time_field(e: Entity) -> &'static str {
    match e {
        Entity::ConsentEvents | Entity::LoginEvents => "occurred_at",
        Entity::Children | Entity::Members => "updated_at",
        Entity::SocialAccounts => "linked_at",
        Entity::Posts | Entity::Reviews => "posted_at",
        Entity::PrivateMessages => "sent_at",
        Entity::CompetitionEntries => "entered_at",
        Entity::SurveyResponses => "submitted_at",
        Entity::HelpdeskTickets => "opened_at",
        Entity::NewsletterEngagement => "last_sent_at",
        Entity::LocalListings => "created_at",
        Entity::Deletions => "deleted_at",
    }
}

/// The rows of `e` that belong to the member (`?1` site, `?2` member, `?3`
/// email for helpdesk tickets), unordered.
fn base_sql(e: Entity) -> String {
    match e {
        Entity::PrivateMessages => {
            "SELECT rowid AS rid, id, data FROM private_messages WHERE site = ?1 AND member_id = ?2
             UNION ALL
             SELECT p.rowid, p.id, p.data FROM pm_recipients r
               JOIN private_messages p ON p.site = r.site AND p.id = r.message_id
              WHERE r.site = ?1 AND r.member_id = ?2 AND p.member_id IS NOT ?2"
                .into()
        }
        // A ticket of another member with the same email is theirs, not this member's.
        Entity::HelpdeskTickets => {
            "SELECT rowid AS rid, id, data FROM helpdesk_tickets WHERE site = ?1 AND member_id = ?2
             UNION ALL
             SELECT rowid, id, data FROM helpdesk_tickets
              WHERE site = ?1 AND ?3 IS NOT NULL
                AND lower(json_extract(data, '$.requester_email')) = lower(?3)
                AND member_id IS NULL"
                .into()
        }
        _ => format!(
            "SELECT rowid AS rid, id, data FROM {} WHERE site = ?1 AND member_id = ?2",
            e.name()
        ),
    }
}

/// The rowids of the member's rows of `e`, oldest first. Only the sort keys
/// and rowids pass through SQLite's sorter (whose spill files, past the
/// cache size, are not encrypted); each row is then read by its rowid.
fn ordered_sql(e: Entity) -> String {
    format!(
        "SELECT rid FROM ({}) ORDER BY julianday(json_extract(data, '$.{}')), id",
        base_sql(e),
        time_field(e)
    )
}

/// One redaction, as the manifest lists it: the row's id as the bundle
/// shows it (renumbered where it carried someone else's identifier), the
/// field, and why — never the value.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Redaction {
    pub entity: &'static str,
    pub id: String,
    pub field: String,
    pub reason: String,
}

/// A row as a plan shapes it.
pub(crate) struct Shaped {
    /// The row to write; None: the stored row, unchanged.
    pub row: Option<Map<String, Value>>,
    /// What was redacted in it.
    pub redactions: Vec<Redaction>,
}

/// What decides how each row goes out (see the module documentation).
pub(crate) trait Plan {
    /// How the row goes out, or None when it is withheld. Called in every
    /// pass over the rows (data, CSV, report), in the same order, and must
    /// answer the same each time.
    fn shape(&mut self, e: Entity, id: &str, data: &str) -> Result<Option<Shaped>>;
    /// How many rows of `e` [`Plan::shape`] withholds.
    fn withheld(&self, e: Entity) -> u64;
    /// How many other people are replaced by a pseudonym (the report says so).
    fn third_parties(&self) -> usize;
    /// Items withheld under an exemption, in words, that the bundle may
    /// count: (exemption's label, items).
    fn withheld_summary(&self) -> Vec<(String, u64)>;
    /// The candidate items from mentions the bundle holds, shaped, in order
    /// (none unless a reviewer accepted them, or an unreviewed bundle was
    /// asked for them).
    fn mentions(&self) -> &[MentionOut];
    /// Keys the manifest adds (`review`, `withheld`, `renumbered_ids`, and
    /// `mentions` when it holds any).
    fn manifest(&self) -> Vec<(&'static str, Value)>;
}

#[derive(Clone, Debug, Serialize)]
struct FileEntry {
    path: String,
    rows: u64,
    sha256: String,
}

/// Hashes and counts what is written through it.
struct Tee<'a> {
    inner: &'a mut dyn Write,
    hasher: Sha256,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn zip_err(path: &Path, e: zip::result::ZipError) -> Error {
    match e {
        zip::result::ZipError::Io(io) => Error::io(path, io),
        other => Error::io(path, std::io::Error::other(other.to_string())),
    }
}

/// What writes one file's bytes; returns its row count.
type FileBody<'a> = Box<dyn FnOnce(&mut dyn Write) -> Result<u64> + 'a>;

/// A summarised kind: rows per year, and where its file is (in words).
type Summary = (Vec<(String, u64)>, String);

/// Where the bundle's files go: zip entries (encrypted or not), or
/// attachments of the encrypted PDF (itself an entry of a plain zip).
enum Sink {
    Zip {
        zip: ZipWriter<BufWriter<std::fs::File>>,
        password: Option<String>,
    },
    Pdf(pdf::PdfFile<ZipWriter<BufWriter<std::fs::File>>>),
}

/// The bundle being written, and what has gone into it.
struct Bundle<'p> {
    sink: Sink,
    time: zip::DateTime,
    files: Vec<FileEntry>,
    path: &'p Path,
}

/// The cover letter's name: never encrypted, so it opens anywhere.
const COVER: &str = "cover.html";

fn mime(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("json") => "application/json",
        Some("csv") => "text/csv",
        Some("html") => "text/html",
        _ => "application/octet-stream",
    }
}

impl Bundle<'_> {
    fn options(&self) -> SimpleFileOptions {
        SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(3))
            .last_modified_time(self.time)
            .unix_permissions(0o600)
    }

    /// Write one file; `f` returns its row count.
    fn entry(&mut self, name: &str, f: impl FnOnce(&mut dyn Write) -> Result<u64>) -> Result<u64> {
        let path = self.path;
        let run = |inner: &mut dyn Write, f: FileBody<'_>| -> Result<(u64, String)> {
            let mut tee = Tee {
                inner,
                hasher: Sha256::new(),
            };
            let rows = {
                let mut w = BufWriter::with_capacity(64 * 1024, &mut tee);
                let rows = f(&mut w)?;
                w.flush().map_err(|e| Error::io(path, e))?;
                rows
            };
            Ok((rows, hex::encode(tee.hasher.finalize())))
        };
        let base = self.options();
        let (rows, sha) = match &mut self.sink {
            Sink::Zip { zip, password } => {
                let started = match password {
                    Some(p) if name != COVER => {
                        zip.start_file(name, base.with_aes_encryption(AesMode::Aes256, p))
                    }
                    _ => zip.start_file(name, base),
                };
                started.map_err(|e| zip_err(path, e))?;
                run(zip, Box::new(f))?
            }
            Sink::Pdf(pdf) => {
                let mut failed: Option<Error> = None;
                let r = pdf.attach(name, mime(name), |w| match run(w, Box::new(f)) {
                    Ok(v) => Ok(v),
                    Err(e) => {
                        failed = Some(e);
                        Err(std::io::Error::other("stopped"))
                    }
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                r.map_err(|e| Error::io(path, e))?
            }
        };
        if name != "manifest.json" {
            self.files.push(FileEntry {
                path: name.into(),
                rows,
                sha256: sha,
            });
        }
        Ok(rows)
    }
}

/// Everything about the member that the passes share.
struct Member<'c> {
    conn: &'c Connection,
    site: &'c str,
    id: &'c str,
    email: Option<String>,
    redactions: Vec<Redaction>,
}

impl Member<'_> {
    /// A stored row as it goes into the bundle: shaped by the plan, and
    /// `password_hash` dropped. None: withheld. Redactions are recorded when
    /// `record` (the first pass).
    fn prepare(
        &mut self,
        plan: &mut dyn Plan,
        e: Entity,
        id: &str,
        data: &str,
        record: bool,
    ) -> Result<Option<Map<String, Value>>> {
        let Some(shaped) = plan.shape(e, id, data)? else {
            return Ok(None);
        };
        let mut row = match shaped.row {
            Some(r) => r,
            None => serde_json::from_str(data).unwrap_or_default(),
        };
        if record {
            self.redactions.extend(shaped.redactions);
        }
        if row.shift_remove(DROPPED_FIELD).is_some() && record {
            let bundle_id = row
                .get(e.id_field())
                .and_then(Value::as_str)
                .unwrap_or(id)
                .to_string();
            self.redactions.push(Redaction {
                entity: e.name(),
                id: bundle_id,
                field: DROPPED_FIELD.into(),
                reason: "never disclosed".into(),
            });
        }
        Ok(Some(row))
    }

    fn count(&self, e: Entity) -> Result<u64> {
        let sql = format!("SELECT count(*) FROM ({})", base_sql(e));
        let n: i64 = if e == Entity::HelpdeskTickets {
            self.conn
                .query_row(&sql, params![self.site, self.id, self.email], |r| r.get(0))?
        } else {
            self.conn
                .query_row(&sql, params![self.site, self.id], |r| r.get(0))?
        };
        Ok(n as u64)
    }

    /// Run `f` on every row of `e` (id, stored data), oldest first.
    fn each(
        &mut self,
        e: Entity,
        mut f: impl FnMut(&mut Self, &str, &str) -> Result<()>,
    ) -> Result<()> {
        let (conn, site, id) = (self.conn, self.site, self.id);
        let email = self.email.clone();
        each_row(conn, site, id, email.as_deref(), e, |rid, data| {
            f(self, rid, data)
        })
    }

    /// Column names for the CSV of `e`: the contract's, then unknown ones by name.
    fn csv_header(&self, e: Entity) -> Result<Vec<String>> {
        let mut cols: Vec<String> = e.fields().iter().map(|f| f.name.to_string()).collect();
        let sql = format!(
            "SELECT DISTINCT j.key FROM ({}) b, json_each(b.data) j ORDER BY j.key",
            base_sql(e)
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let keys: Vec<String> = if e == Entity::HelpdeskTickets {
            stmt.query_map(params![self.site, self.id, self.email], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        } else {
            stmt.query_map(params![self.site, self.id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for k in keys {
            if k != DROPPED_FIELD && !cols.contains(&k) {
                cols.push(k);
            }
        }
        Ok(cols)
    }
}

/// Run `f` on every row of `e` that belongs to the member (its id and
/// stored data), oldest first, as a bundle holds them: `email` is the
/// member's, for helpdesk tickets sent without signing in.
pub(crate) fn each_row(
    conn: &Connection,
    site: &str,
    member_id: &str,
    email: Option<&str>,
    e: Entity,
    mut f: impl FnMut(&str, &str) -> Result<()>,
) -> Result<()> {
    if e == Entity::Members {
        let data: Option<String> = conn
            .query_row(
                "SELECT data FROM members WHERE site = ?1 AND id = ?2",
                params![site, member_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(d) = data {
            f(member_id, &d)?;
        }
        return Ok(());
    }
    let mut stmt = conn.prepare(&ordered_sql(e))?;
    let mut fetch = conn.prepare_cached(&format!(
        "SELECT id, data FROM {} WHERE rowid = ?1",
        e.name()
    ))?;
    let mut rows = if e == Entity::HelpdeskTickets {
        stmt.query(params![site, member_id, email])?
    } else {
        stmt.query(params![site, member_id])?
    };
    while let Some(r) = rows.next()? {
        let rid: i64 = r.get(0)?;
        let (id, data): (String, String) =
            fetch.query_row([rid], |r| Ok((r.get(0)?, r.get(1)?)))?;
        f(&id, &data)?;
    }
    Ok(())
}

/// How many rows of `e` belong to the member (as [`each_row`] runs them).
pub(crate) fn count_rows(
    conn: &Connection,
    site: &str,
    member_id: &str,
    email: Option<&str>,
    e: Entity,
) -> Result<u64> {
    if e == Entity::Members {
        return Ok(1);
    }
    let sql = format!("SELECT count(*) FROM ({})", base_sql(e));
    let n: i64 = if e == Entity::HelpdeskTickets {
        conn.query_row(&sql, params![site, member_id, email], |r| r.get(0))?
    } else {
        conn.query_row(&sql, params![site, member_id], |r| r.get(0))?
    };
    Ok(n as u64)
}

/// A value as a CSV field for spreadsheets ([`crate::csvout`]): times in
/// UTC with `Z`, formula-like text neutralised, JSON for arrays and objects.
fn csv_field(v: Option<&Value>) -> String {
    let raw = match v {
        None | Some(Value::Null) => return String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => return b.to_string(),
        Some(Value::Number(n)) => return n.to_string(),
        Some(other) => other.to_string(),
    };
    csvout::neutralise(&csvout::utc_time(&raw)).into_owned()
}

fn zip_time(t: DateTime<Utc>) -> zip::DateTime {
    zip::DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default()
}

fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

use crate::fsutil::{BUNDLE_PART_PREFIX as TMP_PREFIX, BUNDLE_PART_SUFFIX as TMP_SUFFIX};

/// A bundle being written touches its file every few milliseconds; one
/// untouched for this long was left by a crash (a kill or a power cut, which
/// no drop handler sees).
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Remove what a bundle interrupted by a crash left in `dir`: our own
/// hidden temporary files, untouched for [`STALE_AFTER`]. Best effort.
fn sweep_stale_parts(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(TMP_PREFIX) && name.ends_with(TMP_SUFFIX)) {
            continue;
        }
        let stale = e
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if stale {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// What a finished bundle holds, before it is moved into place.
#[derive(Clone, Debug)]
struct Written {
    files: usize,
    rows: u64,
    form: &'static str,
    letter_subject: String,
    letter: String,
    passphrase_message: Option<String>,
}

/// `password_hash` as a JSON key, to skip rows that cannot hold it.
const DROPPED_KEY: &str = "\"password_hash\"";

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

/// The CSV of `e`'s rows for spreadsheets.
fn write_csv(
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

#[allow(clippy::too_many_arguments)]
fn write_bundle(
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
    let cancelled = || {
        if progress.cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    };
    let io = |e: std::io::Error| Error::io(path, e);
    let json_err = |e: serde_json::Error| Error::io(path, std::io::Error::other(e));
    let form = match (passphrase, encryption) {
        (None, _) => cover::Form::Plain,
        (Some(_), Encryption::Zip) => cover::Form::Zip,
        (Some(_), Encryption::Pdf) => cover::Form::Pdf,
    };
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
    let generated_at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let time = zip_time(now);
    let zip = ZipWriter::new(BufWriter::with_capacity(256 * 1024, file));
    let sink = match (form, passphrase) {
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
    let mut b = Bundle {
        sink,
        time,
        files: Vec::new(),
        path,
    };
    let mut total_rows = 0u64;
    let inside = if form == cover::Form::Pdf {
        "attached to this PDF"
    } else {
        "in this bundle"
    };

    // data/profile.json and data/profile.csv
    b.entry("data/profile.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &profile).map_err(json_err)?;
        w.write_all(b"\n").map_err(io)?;
        Ok(1)
    })?;
    total_rows += 1;
    b.entry("data/profile.csv", |w| {
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

    // Counts first: they lead the report and size the progress stages (the
    // rows a plan withholds are not counted: nothing says they exist).
    let mut counts: Vec<(Entity, u64)> = Vec::new();
    // Every stored entity but the member row itself (data/profile.json), in
    // the contract's order.
    for e in Entity::DATA.into_iter().filter(|e| *e != Entity::Members) {
        counts.push((e, m.count(e)?.saturating_sub(plan.withheld(e))));
    }

    // First pass: data files; rows per year for the report's summaries.
    let mut years: HashMap<Entity, BTreeMap<String, u64>> = HashMap::new();
    for &(e, n) in &counts {
        if n == 0 {
            continue;
        }
        cancelled()?;
        progress.event(ProgressEvent::Stage {
            name: format!("bundling {}", e.name()),
            total: Some(n),
        });
        let per_year = years.entry(e).or_default();
        let rows = b.entry(&format!("data/{}.json", e.name()), |w| {
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
                    serde_json::to_writer(&mut *w, &row).map_err(json_err)?;
                }
                done += 1;
                if done.is_multiple_of(TICK) {
                    progress.event(ProgressEvent::Advance { done });
                    cancelled()?;
                }
                Ok(())
            })?;
            w.write_all(b"\n]\n").map_err(io)?;
            progress.event(ProgressEvent::Advance { done });
            Ok(done)
        })?;
        total_rows += rows;
        if e.format() == Format::Csv {
            let cols = m.csv_header(e)?;
            b.entry(&format!("data/{}.csv", e.name()), |w| {
                write_csv(&mut m, plan, e, &cols, w, path, progress)
            })?;
        }
    }

    // Candidate items from mentions ("What others wrote about you").
    let n_mentions = plan.mentions().len() as u64;
    if n_mentions > 0 {
        cancelled()?;
        let list = plan.mentions();
        b.entry(&format!("data/{MENTIONS}.json"), |w| {
            w.write_all(b"[").map_err(io)?;
            for (i, x) in list.iter().enumerate() {
                w.write_all(if i == 0 { b"\n" } else { b",\n" })
                    .map_err(io)?;
                serde_json::to_writer(&mut *w, &x.row).map_err(json_err)?;
            }
            w.write_all(b"\n]\n").map_err(io)?;
            Ok(list.len() as u64)
        })?;
        for x in list {
            m.redactions.extend(x.redactions.iter().cloned());
        }
        total_rows += n_mentions;
        b.entry(&format!("data/{MENTIONS}.csv"), |w| {
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
        })?;
    }

    // The request record itself, when linked.
    if let Some(r) = request {
        b.entry("data/request.json", |w| {
            let v = request_json(r);
            serde_json::to_writer_pretty(&mut *w, &v).map_err(json_err)?;
            w.write_all(b"\n").map_err(io)?;
            Ok(1)
        })?;
        total_rows += 1;
    }

    b.entry("information.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &report::information_json(&facts))
            .map_err(json_err)?;
        w.write_all(b"\n").map_err(io)?;
        Ok(1)
    })?;

    // Kinds too big to list are summarised in the report.
    let mut summaries = HashMap::new();
    for &(e, n) in &counts {
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

    // Second pass: the report.
    cancelled()?;
    let report_total = counts.iter().map(|c| c.1).sum();
    progress.event(ProgressEvent::Stage {
        name: "writing the report".into(),
        total: Some(report_total),
    });
    let history = History::load(conn, site, member_id)?;
    let files_where = if form == cover::Form::Pdf {
        "attached to this PDF (Adobe Acrobat Reader and Firefox show attachments)"
    } else {
        "in the data folder of this bundle"
    };
    let input = ReportInput {
        head: report::Head {
            site,
            member_id,
            generated_at: now,
            generated_by,
            vault_state: vault_state.clone(),
            request_ref: request.map(|r| r.request.reference.as_str()),
            counts: &counts,
            third_parties: plan.third_parties(),
            email: m.email.is_some(),
            files_where,
            mentions: n_mentions,
        },
        profile: &profile,
        facts: &facts,
        history: &history,
        request,
        now,
        summaries: &summaries,
        mentions_file: format!(
            "the file data/{MENTIONS}.json (and data/{MENTIONS}.csv, for spreadsheets) {inside}"
        ),
    };
    b.entry("report.html", |w| {
        let mut d = doc::HtmlDoc::new(w);
        write_report(&mut d, &mut m, plan, &input, progress, path)
    })?;
    cancelled()?;

    // The cover letter: after the data pass (it says what was left out).
    let redactions: BTreeSet<(&'static str, &str, &str)> = m
        .redactions
        .iter()
        .map(|r| (r.entity, r.field.as_str(), r.reason.as_str()))
        .collect();
    let withheld = plan.withheld_summary();
    let cover_in = cover::Cover {
        site,
        request_ref: request.map(|r| r.request.reference.as_str()),
        generated_at: now,
        generated_by,
        form,
        redactions: &redactions,
        withheld: &withheld,
        facts: &facts,
    };
    let mut cover_html = Vec::new();
    cover::write(&mut doc::HtmlDoc::new(&mut cover_html), &cover_in).map_err(io)?;
    let mut letter = doc::TextDoc::new();
    cover::write(&mut letter, &cover_in).map_err(io)?;
    let form_name = match form {
        cover::Form::Plain => "zip",
        cover::Form::Zip => "zip-aes256",
        cover::Form::Pdf => "pdf-aes256",
    };
    let written_cover = |b: &mut Bundle| -> Result<()> {
        b.entry(COVER, |w| {
            w.write_all(&cover_html).map_err(io)?;
            Ok(0)
        })?;
        Ok(())
    };
    if form == cover::Form::Pdf {
        // Listed in the manifest (inside the PDF); written to the zip at the end.
        b.files.push(FileEntry {
            path: COVER.into(),
            rows: 0,
            sha256: hex::encode(Sha256::digest(&cover_html)),
        });
    } else {
        written_cover(&mut b)?;
    }

    m.redactions.dedup();
    let facts_default = facts.updated_at.is_none();
    let mut manifest = json!({
        "format": "subject-access-bundle",
        "format_version": 1,
        "site": site,
        "member_id": member_id,
        "request_ref": request.map(|r| r.request.reference.clone()),
        "generated_at": generated_at,
        "generated_by": generated_by,
        "vault_state": vault_state.map(|(s, g)| json!({"sequence": s, "generated_at": g})),
        "form": form_name,
        "csv": csvout::DESCRIPTION,
        "files": b.files,
        "redactions": m.redactions,
        "privacy_facts": if facts_default {
            json!({"default": true, "override_by": generated_by})
        } else {
            json!({"default": false, "updated_at": facts.updated_at, "updated_by": facts.updated_by})
        },
    });
    if let Some(obj) = manifest.as_object_mut() {
        for (k, v) in plan.manifest() {
            obj.insert(k.into(), v);
        }
    }
    b.entry("manifest.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest).map_err(json_err)?;
        w.write_all(b"\n").map_err(io)?;
        Ok(0)
    })?;
    let files = b.files.len() + 1;
    let zip = match b.sink {
        Sink::Zip { zip, .. } => zip,
        Sink::Pdf(mut pdf) => {
            progress.event(ProgressEvent::Stage {
                name: "writing the PDF".into(),
                total: Some(report_total),
            });
            {
                let mut d = pdf::PdfDoc::new(&mut pdf);
                write_report(&mut d, &mut m, plan, &input, progress, path)?;
            }
            let mut zip = pdf.finish(&report::title(site)).map_err(io)?;
            zip.start_file(
                COVER,
                SimpleFileOptions::default()
                    .compression_method(CompressionMethod::Deflated)
                    .compression_level(Some(3))
                    .last_modified_time(time)
                    .unix_permissions(0o600),
            )
            .map_err(|e| zip_err(path, e))?;
            zip.write_all(&cover_html).map_err(io)?;
            zip
        }
    };
    cancelled()?;
    let out = zip.finish().map_err(|e| zip_err(path, e))?;
    let file = out
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok(Written {
        files,
        rows: total_rows,
        form: form_name,
        letter_subject: cover::title(site),
        letter: letter.out,
        passphrase_message: passphrase.map(|p| {
            cover::passphrase_message(site, request.map(|r| r.request.reference.as_str()), p)
        }),
    })
}

/// The request record as the member sees it: what they asked, when, the
/// status and due date, and its history (without staff names).
fn request_json(r: &RequestDetail) -> Value {
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

/// The year (UTC) of a stored row's time field, or "No date" (as the
/// report's summaries count rows).
fn year_of(data: &str, field: &str) -> String {
    let key = format!("\"{field}\":\"");
    let raw = match data.find(&key) {
        Some(i) => {
            let rest = &data[i + key.len()..];
            rest.split('"').next().map(str::to_string)
        }
        None => serde_json::from_str::<Map<String, Value>>(data)
            .ok()
            .and_then(|m| m.get(field).and_then(Value::as_str).map(str::to_string)),
    };
    raw.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc).year().to_string())
        .unwrap_or_else(|| "No date".into())
}

/// Whether a value of `field` of `e` is a timestamp or a date.
pub(crate) fn field_type(e: Entity, field: &str) -> Option<FieldType> {
    e.field(field).map(|f| f.ty)
}

fn exists_error(out: &Path) -> Error {
    Error::Conflict(format!(
        "{}: already exists; a bundle never replaces a file",
        out.display()
    ))
}

/// Move the finished part file to `out`, never replacing a file.
fn persist(part: &Path, out: &Path) -> Result<()> {
    if out.exists() {
        return Err(exists_error(out));
    }
    // A hard link refuses an existing target atomically; a file system
    // without hard links (FAT on a USB stick) gets a checked rename.
    match std::fs::hard_link(part, out) {
        Ok(()) => {
            let _ = std::fs::remove_file(part);
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(exists_error(out)),
        Err(_) => {
            if out.exists() {
                return Err(exists_error(out));
            }
            std::fs::rename(part, out).map_err(|e| Error::io(out, e))?;
        }
    }
    if let Some(dir) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// What the start of a bundle established.
struct Started {
    job: String,
    part: PathBuf,
    file: std::fs::File,
    request: Option<RequestDetail>,
}

/// One bundle to make: an unreviewed one, or the release of a reviewed draft.
pub(crate) struct Job<'a> {
    pub site: &'a str,
    pub member_id: &'a str,
    pub out: &'a Path,
    pub encrypt: bool,
    pub encryption: Encryption,
    /// The request it answers (recorded in the start's audit event).
    pub reference: Option<&'a str>,
    /// The audit events of its start and end (`bundle_started`/`bundle`,
    /// `release_started`/`release`), and the activity note's words.
    pub start_event: &'static str,
    pub end_event: &'static str,
    pub activity: &'static str,
    /// Make it even though the site's privacy facts are still the shipped
    /// default (the manifest records who did).
    pub allow_default_facts: bool,
}

/// Refuse a bundle while the site's privacy facts are the shipped default
/// (no DPO has reviewed them), unless overridden.
fn check_facts(logs: &Connection, site: &str, allow_default: bool) -> Result<()> {
    let facts = crate::privacy::facts_conn(logs, site)?;
    if facts.updated_at.is_none() && !allow_default {
        return Err(Error::Invalid(format!(
            "the privacy facts of {site} are still the shipped default: a dpo should review and save them first (desk privacy set {site}); to make the bundle all the same, allow the default facts (--allow-default-facts), which the manifest records"
        )));
    }
    Ok(())
}

/// Make a bundle (see the module documentation), in three steps through
/// the door: the start is recorded (the job, where its partial file is, an
/// audit event) before any byte is written; the bundle is written from one
/// snapshot of the vault; the end is recorded (success with its SHA-256, or
/// failure or cancellation) and the file moved into place. A process that
/// dies in between leaves a job that the next sign-in finds: its partial
/// file is deleted and that is recorded.
///
/// `check` runs in the start's transaction and answers the request the
/// bundle is for; `plan` makes the plan inside the snapshot, before any
/// byte is written; `record` notes the end on the request, inside the end's
/// transaction (given the audit detail: sha256, bytes, files, rows, form).
#[allow(clippy::too_many_arguments)]
pub(crate) fn make<P: Plan>(
    session: &Session,
    job: &Job,
    now: DateTime<Utc>,
    progress: &dyn Progress,
    check: impl FnOnce(&mut Tx) -> Result<Option<RequestDetail>>,
    plan: impl FnOnce(&Tx, Option<&RequestDetail>) -> Result<P>,
    record: impl FnOnce(&mut Tx, Option<&RequestDetail>, &Value) -> Result<()>,
) -> Result<BundleMade> {
    let (site, member_id, out) = (job.site, job.member_id, job.out);
    let user = session.user().name;
    let note = crate::vault::lock::announce(session.paths(), &user, job.activity, now)?;
    let started = session.bundle_start(job, &note.id, now, check)?;
    let passphrase = job.encrypt.then(Passphrase::generate);
    let written = session
        .door(
            Op::snapshot(Action::RequestBundle).on(Some(site), Some(member_id)),
            now,
            |tx| {
                let file = started
                    .file
                    .try_clone()
                    .map_err(|e| Error::io(&started.part, e))?;
                let mut plan = plan(tx, started.request.as_ref())?;
                write_bundle(
                    tx.data()?,
                    tx.logs,
                    file,
                    &started.part,
                    site,
                    member_id,
                    &tx.user.name,
                    started.request.as_ref(),
                    passphrase.as_ref(),
                    job.encryption,
                    now,
                    progress,
                    &mut plan,
                )
            },
        )
        .and_then(|w| sha256_file(&started.part).map(|h| (w, h)));
    let reference = started
        .request
        .as_ref()
        .map(|r| r.request.reference.clone());
    let op = Op::logs(Action::RequestBundle, job.end_event).on(Some(site), Some(member_id));
    let done = session.door(op, now, |tx| {
        tx.logs
            .execute("DELETE FROM bundle_jobs WHERE id = ?1", [&started.job])?;
        let fail = |tx: &mut Tx, e: Error| {
            let _ = std::fs::remove_file(&started.part);
            let mut d = failure_detail(&e);
            d["job"] = json!(started.job);
            d["ref"] = json!(reference);
            tx.detail(d);
            tx.outcome(outcome_of(&e));
            Ok(Err(e))
        };
        let (w, (sha256, bytes)) = match &written {
            Ok(v) => v.clone(),
            Err(e) => return fail(tx, clone_error(e)),
        };
        let detail = json!({"sha256": sha256, "bytes": bytes, "files": w.files,
                            "rows": w.rows, "encrypted": job.encrypt,
                            "form": w.form});
        record(tx, started.request.as_ref(), &detail)?;
        let mut audit = detail;
        audit["ref"] = json!(reference);
        audit["job"] = json!(started.job);
        if let Err(e) = persist(&started.part, out) {
            return fail(tx, e);
        }
        tx.detail(audit);
        Ok(Ok(BundleMade {
            path: out.to_path_buf(),
            sha256,
            bytes,
            files: w.files,
            rows: w.rows,
            passphrase_grouped: passphrase.as_ref().map(|p| p.grouped.clone()),
            passphrase_bits: passphrase.as_ref().map(|p| p.bits),
            passphrase: passphrase.as_ref().map(|p| p.text.clone()),
            passphrase_message: w.passphrase_message,
            request_ref: reference.clone(),
            form: w.form.into(),
            letter_subject: w.letter_subject,
            letter: w.letter,
        }))
    });
    drop(note);
    // When the end could not be recorded, the job stays, and the next
    // sign-in removes what it left and records that.
    done?
}

impl Session {
    fn bundle_start(
        &self,
        job: &Job,
        activity: &str,
        now: DateTime<Utc>,
        check: impl FnOnce(&mut Tx) -> Result<Option<RequestDetail>>,
    ) -> Result<Started> {
        let (site, member_id, out) = (job.site, job.member_id, job.out);
        let op = Op::logs(Action::RequestBundle, job.start_event)
            .on(Some(site), Some(member_id))
            .fails_as(job.end_event);
        self.door(op, now, |tx| {
            tx.detail(json!({"target": out, "ref": job.reference}));
            let request = check(tx)?;
            member_exists(tx.data()?, site, member_id)?;
            check_facts(tx.logs, site, job.allow_default_facts)?;
            if out.exists() {
                return Err(exists_error(out));
            }
            let dir = out
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            sweep_stale_parts(dir);
            let tmp = tempfile::Builder::new()
                .prefix(TMP_PREFIX)
                .suffix(TMP_SUFFIX)
                .tempfile_in(dir)
                .map_err(|e| Error::io(dir, e))?;
            let (file, part) = tmp.keep().map_err(|e| Error::io(dir, e.error))?;
            let part = std::fs::canonicalize(&part).unwrap_or(part);
            let mut id = [0u8; 8];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
            let job_id = hex::encode(id);
            let r = tx.logs.execute(
                "INSERT INTO bundle_jobs (id, activity, user, site, member_id, part_path, target, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    job_id,
                    activity,
                    tx.user.name,
                    site,
                    member_id,
                    part.to_string_lossy(),
                    out.to_string_lossy(),
                    crate::trail::ts(now)
                ],
            );
            if let Err(e) = r {
                let _ = std::fs::remove_file(&part);
                return Err(e.into());
            }
            let mut detail = json!({"job": job_id, "target": out, "partial_file": part, "ref": job.reference});
            if job.allow_default_facts {
                detail["allow_default_facts"] = json!(true);
            }
            tx.detail(detail);
            Ok(Started {
                job: job_id,
                part,
                file,
                request,
            })
        })
    }
}

/// An error, again (the end of a bundle records it and also returns it).
fn clone_error(e: &Error) -> Error {
    match e {
        Error::Cancelled => Error::Cancelled,
        Error::Conflict(m) => Error::Conflict(m.clone()),
        Error::Invalid(m) => Error::Invalid(m.clone()),
        Error::NotFound(m) => Error::NotFound(m.clone()),
        Error::Busy(m) => Error::Busy(m.clone()),
        Error::Forbidden { role, action } => Error::Forbidden {
            role: role.clone(),
            action: action.clone(),
        },
        other => Error::Invalid(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_utc() {
        assert_eq!(
            year_of(r#"{"posted_at":"2026-01-01T00:30:00+01:00"}"#, "posted_at"),
            "2025"
        );
        assert_eq!(
            year_of(
                r#"{"x": 1, "posted_at": "2024-05-01T10:00:00Z"}"#,
                "posted_at"
            ),
            "2024"
        );
        assert_eq!(year_of(r#"{"x": 1}"#, "posted_at"), "No date");
    }
}
