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
mod rows;
mod sink;
mod write;

pub(crate) use rows::{count_rows, each_row};
use sink::sha256_file;
use write::{write_bundle, Written};

use crate::consent::member_exists;
use crate::entity::{Entity, FieldType};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::requests::RequestDetail;
use crate::roles::Action;
use crate::session::door::{failure_detail, outcome_of};
use crate::session::{Op, Session, Tx};
use chrono::{DateTime, Utc};
use passphrase::Passphrase;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

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
    let (site, member_id) = (job.site, job.member_id);
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
    let op = Op::logs(Action::RequestBundle, job.end_event).on(Some(site), Some(member_id));
    let done = session.door(op, now, |tx| {
        end(tx, job, &started, &written, passphrase.as_ref(), record)
    });
    drop(note);
    // When the end could not be recorded, the job stays, and the next
    // sign-in removes what it left and records that.
    done?
}

/// The end of a bundle, in the end's transaction: the job removed, and
/// success recorded (and the file moved into place) or the failure.
fn end(
    tx: &mut Tx,
    job: &Job,
    started: &Started,
    written: &Result<(Written, (String, u64))>,
    passphrase: Option<&Passphrase>,
    record: impl FnOnce(&mut Tx, Option<&RequestDetail>, &Value) -> Result<()>,
) -> Result<Result<BundleMade>> {
    let reference = started
        .request
        .as_ref()
        .map(|r| r.request.reference.clone());
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
    let (w, (sha256, bytes)) = match written {
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
    if let Err(e) = persist(&started.part, job.out) {
        return fail(tx, e);
    }
    tx.detail(audit);
    Ok(Ok(BundleMade {
        path: job.out.to_path_buf(),
        sha256,
        bytes,
        files: w.files,
        rows: w.rows,
        passphrase_grouped: passphrase.map(|p| p.grouped.clone()),
        passphrase_bits: passphrase.map(|p| p.bits),
        passphrase: passphrase.map(|p| p.text.clone()),
        passphrase_message: w.passphrase_message,
        request_ref: reference.clone(),
        form: w.form.into(),
        letter_subject: w.letter_subject,
        letter: w.letter,
    }))
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
