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
//! - **Third parties.** In private messages every other participant becomes
//!   "Member A", "Member B", … in order of first appearance (messages oldest
//!   first; sender, then recipients in their order): the same person gets the
//!   same label everywhere in the bundle. Their ids, usernames and emails
//!   are also replaced where they appear as words in a message's subject or
//!   body. Every replacement is listed in the manifest.
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
use std::collections::{BTreeSet, HashMap};
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
    /// The subject-access request it answers (must exist, be about this
    /// member and not be closed); the bundle is recorded on it.
    pub reference: Option<String>,
    /// Encrypt under a generated passphrase.
    pub encrypt: bool,
    /// How, when `encrypt`.
    pub encryption: Encryption,
}

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
fn time_field(e: Entity) -> &'static str {
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

/// One third party in the member's private messages.
struct Party {
    label: String,
    /// ASCII-lowercased id, username and email (when known), to find in text.
    needles: Vec<String>,
}

/// "Member A" … "Member Z", "Member AA", … (bijective base 26).
pub fn pseudonym(n: usize) -> String {
    let mut n = n + 1;
    let mut s = Vec::new();
    while n > 0 {
        n -= 1;
        s.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    s.reverse();
    format!("Member {}", String::from_utf8_lossy(&s))
}

/// One redaction, as the manifest lists it.
#[derive(Clone, Debug, Serialize)]
struct Redaction {
    entity: &'static str,
    id: String,
    field: &'static str,
    reason: &'static str,
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
    parties: HashMap<String, Party>,
    redactions: Vec<Redaction>,
}

fn ascii_lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// Replace whole-word, ASCII-case-insensitive occurrences of `needle`
/// (already lowercased) in `text` by `label`. Returns whether any was found.
fn replace_word(text: &mut String, needle: &str, label: &str) -> bool {
    if needle.len() < 3 {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut found = false;
    let mut from = 0;
    while let Some(pos) = lower[from..].find(needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if !word(before) && !word(after) {
            out.push_str(&text[last..start]);
            out.push_str(label);
            last = end;
            found = true;
        }
        from = end;
    }
    if found {
        out.push_str(&text[last..]);
        *text = out;
    }
    found
}

impl Member<'_> {
    /// The label of a third party, assigned on first sight.
    fn party(&mut self, id: &str) -> Result<String> {
        if let Some(p) = self.parties.get(id) {
            return Ok(p.label.clone());
        }
        let known: Option<(Option<String>, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT json_extract(data, '$.username'), json_extract(data, '$.email')
                 FROM members WHERE site = ?1 AND id = ?2",
            )?
            .query_row(params![self.site, id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let mut needles = vec![ascii_lower(id)];
        if let Some((u, e)) = known {
            needles.extend(u.map(|u| ascii_lower(&u)));
            needles.extend(e.map(|e| ascii_lower(&e)));
        }
        // Longest first, so an email is replaced before a username inside it.
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        let label = pseudonym(self.parties.len());
        self.parties.insert(
            id.to_string(),
            Party {
                label: label.clone(),
                needles,
            },
        );
        Ok(label)
    }

    /// A stored row as it goes into the bundle: `password_hash` dropped,
    /// and in a private message every other participant pseudonymised.
    /// Redactions are recorded when `record` (the first pass).
    fn prepare(
        &mut self,
        e: Entity,
        id: &str,
        data: &str,
        record: bool,
    ) -> Result<Map<String, Value>> {
        let mut row: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
        let redact = |field: &'static str, reason: &'static str, list: &mut Vec<Redaction>| {
            if record {
                list.push(Redaction {
                    entity: e.name(),
                    id: id.to_string(),
                    field,
                    reason,
                });
            }
        };
        if row.shift_remove(DROPPED_FIELD).is_some() {
            redact(DROPPED_FIELD, "never disclosed", &mut self.redactions);
        }
        if e != Entity::PrivateMessages {
            return Ok(row);
        }
        let me = self.id;
        let mut others: Vec<String> = Vec::new();
        if let Some(Value::String(s)) = row.get("sender_id") {
            if s != me {
                others.push(s.clone());
            }
        }
        let mut recipients_changed = false;
        if let Some(Value::Array(a)) = row.get("recipient_ids") {
            for v in a {
                if let Some(s) = v.as_str() {
                    if s != me {
                        recipients_changed = true;
                        if !others.iter().any(|o| o == s) {
                            others.push(s.to_string());
                        }
                    }
                }
            }
        }
        let mut labels: Vec<(String, String)> = Vec::with_capacity(others.len());
        for o in &others {
            labels.push((o.clone(), self.party(o)?));
        }
        let label_of = |s: &str| {
            labels
                .iter()
                .find(|(id, _)| id == s)
                .map(|(_, l)| l.clone())
                .unwrap_or_else(|| s.to_string())
        };
        if let Some(Value::String(s)) = row.get_mut("sender_id") {
            if s != me {
                *s = label_of(s);
                redact("sender_id", "third party", &mut self.redactions);
            }
        }
        if let Some(Value::Array(a)) = row.get_mut("recipient_ids") {
            for v in a.iter_mut() {
                if let Some(s) = v.as_str() {
                    if s != me {
                        *v = Value::String(label_of(s));
                    }
                }
            }
        }
        if recipients_changed {
            redact("recipient_ids", "third party", &mut self.redactions);
        }
        for field in ["subject", "body"] {
            let Some(Value::String(text)) = row.get_mut(field) else {
                continue;
            };
            let mut hit = false;
            for (other, label) in &labels {
                if let Some(p) = self.parties.get(other) {
                    for n in &p.needles {
                        hit |= replace_word(text, n, label);
                    }
                }
            }
            if hit {
                redact(
                    field,
                    "third-party identifier in text",
                    &mut self.redactions,
                );
            }
        }
        Ok(row)
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

    /// How many rows of `e` there are per year (UTC), oldest first.
    fn years(&self, e: Entity) -> Result<Vec<(String, u64)>> {
        let sql = format!(
            "SELECT coalesce(strftime('%Y', json_extract(data, '$.{}')), 'No date'), count(*) FROM ({}) GROUP BY 1 ORDER BY 1",
            time_field(e),
            base_sql(e)
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let map = |r: &rusqlite::Row| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64));
        let rows = if e == Entity::HelpdeskTickets {
            stmt.query_map(params![self.site, self.id, self.email], map)?
                .collect::<rusqlite::Result<Vec<_>>>()?
        } else {
            stmt.query_map(params![self.site, self.id], map)?
                .collect::<rusqlite::Result<Vec<_>>>()?
        };
        Ok(rows)
    }

    /// Run `f` on every row of `e` (id, stored data), oldest first.
    fn each(
        &mut self,
        e: Entity,
        mut f: impl FnMut(&mut Self, &str, &str) -> Result<()>,
    ) -> Result<()> {
        let conn = self.conn;
        let mut stmt = conn.prepare(&ordered_sql(e))?;
        let mut fetch = conn.prepare_cached(&format!(
            "SELECT id, data FROM {} WHERE rowid = ?1",
            e.name()
        ))?;
        let mut rows = if e == Entity::HelpdeskTickets {
            stmt.query(params![self.site, self.id, self.email])?
        } else {
            stmt.query(params![self.site, self.id])?
        };
        while let Some(r) = rows.next()? {
            let rid: i64 = r.get(0)?;
            let (id, data): (String, String) =
                fetch.query_row([rid], |r| Ok((r.get(0)?, r.get(1)?)))?;
            f(self, &id, &data)?;
        }
        Ok(())
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
}

/// The report, written to any document (HTML, PDF pages).
fn write_report(
    d: &mut dyn doc::Doc,
    m: &mut Member,
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
            let row = m.prepare(e, id, data, false)?;
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
        let row = m.prepare(e, id, data, false)?;
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
    let mut m = Member {
        conn,
        site,
        id: member_id,
        email: None,
        parties: HashMap::new(),
        redactions: Vec::new(),
    };
    let profile = m.prepare(Entity::Members, member_id, &profile_data, true)?;
    m.email = profile
        .get("email")
        .and_then(Value::as_str)
        .map(String::from);
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

    // Counts first: they lead the report and size the progress stages.
    let mut counts: Vec<(Entity, u64)> = Vec::new();
    // Every stored entity but the member row itself (data/profile.json), in
    // the contract's order.
    for e in Entity::DATA.into_iter().filter(|e| *e != Entity::Members) {
        counts.push((e, m.count(e)?));
    }

    // First pass: data files.
    for &(e, n) in &counts {
        if n == 0 {
            continue;
        }
        cancelled()?;
        progress.event(ProgressEvent::Stage {
            name: format!("bundling {}", e.name()),
            total: Some(n),
        });
        let rows = b.entry(&format!("data/{}.json", e.name()), |w| {
            w.write_all(b"[").map_err(io)?;
            let mut done = 0u64;
            m.each(e, |m, id, data| {
                w.write_all(if done == 0 { b"\n" } else { b",\n" })
                    .map_err(io)?;
                if e != Entity::PrivateMessages && !data.contains(DROPPED_KEY) {
                    // Nothing to change: the stored row is already compact JSON.
                    w.write_all(data.as_bytes()).map_err(io)?;
                } else {
                    let row = m.prepare(e, id, data, true)?;
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
                write_csv(&mut m, e, &cols, w, path, progress)
            })?;
        }
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
            summaries.insert(e, (m.years(e)?, file));
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
            third_parties: m.parties.len(),
            email: m.email.is_some(),
            files_where,
        },
        profile: &profile,
        facts: &facts,
        history: &history,
        request,
        now,
        summaries: &summaries,
    };
    b.entry("report.html", |w| {
        let mut d = doc::HtmlDoc::new(w);
        write_report(&mut d, &mut m, &input, progress, path)
    })?;
    cancelled()?;

    // The cover letter: after the data pass (it says what was left out).
    let redactions: BTreeSet<(&'static str, &'static str, &'static str)> = m
        .redactions
        .iter()
        .map(|r| (r.entity, r.field, r.reason))
        .collect();
    let cover_in = cover::Cover {
        site,
        request_ref: request.map(|r| r.request.reference.as_str()),
        generated_at: now,
        generated_by,
        form,
        redactions: &redactions,
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

    let manifest = json!({
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
    });
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
                write_report(&mut d, &mut m, &input, progress, path)?;
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

impl Session {
    /// Make a subject-access bundle for a member (dpo, staff). See the
    /// module documentation for what it holds and guarantees.
    ///
    /// Three steps through the door: the start is recorded (the job, where
    /// its partial file is, an audit event) before any byte is written; the
    /// bundle is written from one snapshot of the vault; the end is recorded
    /// (success with its SHA-256, or failure or cancellation) and the file
    /// moved into place. A process that dies in between leaves a job that
    /// the next sign-in finds: its partial file is deleted and that is
    /// recorded.
    pub fn bundle(
        &self,
        site: &str,
        member_id: &str,
        out: &Path,
        opts: &BundleOptions,
        now: DateTime<Utc>,
        progress: &dyn Progress,
    ) -> Result<BundleMade> {
        let user = self.user().name;
        let note = crate::vault::lock::announce(self.paths(), &user, "a bundle", now)?;
        let started = self.bundle_start(site, member_id, out, opts, &note.id, now)?;
        let passphrase = opts.encrypt.then(Passphrase::generate);
        let written = self
            .door(
                Op::snapshot(Action::RequestBundle).on(Some(site), Some(member_id)),
                now,
                |tx| {
                    let file = started
                        .file
                        .try_clone()
                        .map_err(|e| Error::io(&started.part, e))?;
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
                        opts.encryption,
                        now,
                        progress,
                    )
                },
            )
            .and_then(|w| sha256_file(&started.part).map(|h| (w, h)));
        let reference = started
            .request
            .as_ref()
            .map(|r| r.request.reference.clone());
        let op = Op::logs(Action::RequestBundle, "bundle").on(Some(site), Some(member_id));
        let done = self.door(op, now, |tx| {
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
                                "rows": w.rows, "encrypted": opts.encrypt,
                                "form": w.form});
            if let Some(r) = &reference {
                crate::requests::note_bundle(tx, r, &detail)?;
            }
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
        match done {
            Ok(r) => r,
            Err(e) => {
                // The end could not be recorded: the job stays, and the next
                // sign-in removes what it left and records that.
                Err(e)
            }
        }
    }

    fn bundle_start(
        &self,
        site: &str,
        member_id: &str,
        out: &Path,
        opts: &BundleOptions,
        activity: &str,
        now: DateTime<Utc>,
    ) -> Result<Started> {
        let op = Op::logs(Action::RequestBundle, "bundle_started")
            .on(Some(site), Some(member_id))
            .fails_as("bundle");
        self.door(op, now, |tx| {
            tx.detail(json!({"target": out, "ref": opts.reference}));
            let request = match &opts.reference {
                Some(r) => Some(crate::requests::for_bundle(tx, r, site, member_id)?),
                None => None,
            };
            member_exists(tx.data()?, site, member_id)?;
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
            let job = hex::encode(id);
            let r = tx.logs.execute(
                "INSERT INTO bundle_jobs (id, activity, user, site, member_id, part_path, target, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    job,
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
            tx.detail(json!({"job": job, "target": out, "partial_file": part, "ref": opts.reference}));
            Ok(Started {
                job,
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
    fn pseudonyms_count_like_columns() {
        assert_eq!(pseudonym(0), "Member A");
        assert_eq!(pseudonym(25), "Member Z");
        assert_eq!(pseudonym(26), "Member AA");
        assert_eq!(pseudonym(27), "Member AB");
    }

    #[test]
    fn words_are_replaced_whole() {
        let mut t = "Hi Zed-77, mail zed@x.org; zed-770 stays".to_string();
        assert!(replace_word(&mut t, "zed-77", "Member A"));
        assert!(replace_word(&mut t, "zed@x.org", "Member A"));
        assert_eq!(t, "Hi Member A, mail Member A; zed-770 stays");
        let mut u = "nothing".to_string();
        assert!(!replace_word(&mut u, "zed", "X"));
    }
}
