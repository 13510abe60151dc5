//! The audit trail's use cases: list, export and verify (dpo, auditor).
//! The trail itself — its store and chain — is [`crate::trail`]; only the
//! session's door appends to it.

use crate::chain::Verification;
use crate::error::Result;
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use serde_json::json;

pub(crate) mod verify;

pub use crate::trail::{ts, AuditEvent, AuditFilter, NewEvent, Outcome, CSV_COLUMNS};

impl Session {
    pub fn audit_list(&self, filter: &AuditFilter, now: DateTime<Utc>) -> Result<Vec<AuditEvent>> {
        self.door(Op::logs(Action::ReadAudit, "audit_list"), now, |tx| {
            crate::trail::list(tx.logs, filter)
        })
    }

    /// The filtered events as CSV (dpo, auditor); the export is audited.
    pub fn audit_export_csv(&self, filter: &AuditFilter, now: DateTime<Utc>) -> Result<String> {
        self.door(Op::logs(Action::ReadAudit, "audit_export"), now, |tx| {
            let events = crate::trail::list(tx.logs, filter)?;
            let csv = crate::trail::to_csv(&events)?;
            tx.detail(json!({"events": events.len(), "format": "csv"}));
            Ok(csv)
        })
    }

    /// Verify the whole trail (optionally against a head kept elsewhere),
    /// then record that it was verified and how it came out.
    pub fn audit_verify(&self, head: Option<&str>, now: DateTime<Utc>) -> Result<Verification> {
        self.audit_verify_with(head, None, now)
    }

    /// Verify the trail: its chain (against `head`, when kept), every
    /// signature and grant (against the root fingerprint `root`, when kept),
    /// the users table, the request register's signatures, every head an
    /// earlier verification recorded, and the pages of `logs.db`. The event
    /// records the outcome truthfully (failed when it fails).
    pub fn audit_verify_with(
        &self,
        head: Option<&str>,
        root: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Verification> {
        let head = head.map(crate::contract::kept_head).transpose()?;
        let root = root.map(crate::contract::kept_fingerprint).transpose()?;
        let (head, root) = (head.as_deref(), root.as_deref());
        self.door(Op::logs(Action::ReadAudit, "audit_verify"), now, |tx| {
            let mut v = crate::trail::verify(tx.logs, head)?;
            let roster = tx.roster().clone();
            verify::check_pages(tx.logs, &mut v)?;
            verify::check_grants(tx.logs, &roster, &mut v)?;
            verify::check_events(tx.logs, &roster, &mut v)?;
            verify::check_request_events(tx.logs, &roster, &mut v)?;
            verify::check_recorded_heads(tx.logs, &mut v)?;
            verify::check_root(&roster, root, &mut v);
            tx.detail(json!({"ok": v.ok, "entries": v.entries, "head": v.head,
                             "failed_at": v.failure.as_ref().map(|f| f.seq),
                             "failure": v.failure.as_ref().map(|f| &f.message)}));
            if !v.ok {
                tx.outcome(Outcome::Failed);
            }
            Ok(v)
        })
    }
}

/// One database file as `desk vault check` found it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FileCheck {
    pub file: String,
    /// False when the signed-in user's keys do not open it (an auditor and
    /// `vault.db`).
    pub checked: bool,
    /// Pages whose authentication fails (SQLCipher's page check).
    pub failing_pages: Vec<u64>,
    /// What SQLite's structural check found.
    pub problems: Vec<String>,
    pub ok: bool,
}

/// What `desk vault check` found.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VaultCheck {
    pub ok: bool,
    pub files: Vec<FileCheck>,
}

fn check_file(conn: &rusqlite::Connection, file: &str) -> Result<FileCheck> {
    let failing_pages = crate::vault::open::failing_pages(conn)?;
    let problems = crate::vault::open::structure_problems(conn, 50)?;
    Ok(FileCheck {
        file: file.into(),
        checked: true,
        ok: failing_pages.is_empty() && problems.is_empty(),
        failing_pages,
        problems,
    })
}

impl Session {
    /// Check every page of the vault's databases (those the user's keys
    /// open): SQLCipher's check of each page's authentication, then SQLite's
    /// structural check. Reads the whole of each file: minutes on a large
    /// vault. Every role may run it; it is audited.
    pub fn vault_check(&self, now: DateTime<Utc>) -> Result<VaultCheck> {
        self.door(Op::logs(Action::ReadStatus, "vault_check"), now, |tx| {
            use crate::vault::open::Db;
            let mut files = vec![check_file(
                &tx.open_fresh(Db::Logs)?,
                crate::vault::LOGS_FILE,
            )?];
            if tx.has_data() {
                files.push(check_file(
                    &tx.open_fresh(Db::Data)?,
                    crate::vault::DB_FILE,
                )?);
            } else {
                files.push(FileCheck {
                    file: crate::vault::DB_FILE.into(),
                    checked: false,
                    failing_pages: Vec::new(),
                    problems: Vec::new(),
                    ok: true,
                });
            }
            let ok = files.iter().all(|f| f.ok);
            tx.detail(json!({"ok": ok, "files": files.iter().map(|f| json!({
                "file": f.file, "checked": f.checked, "failing_pages": f.failing_pages.len(),
                "problems": f.problems.len()})).collect::<Vec<_>>()}));
            if !ok {
                tx.outcome(Outcome::Failed);
            }
            Ok(VaultCheck { ok, files })
        })
    }
}
