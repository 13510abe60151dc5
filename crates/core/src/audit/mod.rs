//! The audit trail's use cases: list, export and verify (dpo, auditor).
//! The trail itself — its store and chain — is [`crate::trail`]; only the
//! session's door appends to it.

use crate::chain::Verification;
use crate::error::Result;
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use serde_json::json;

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
        self.door(Op::logs(Action::ReadAudit, "audit_verify"), now, |tx| {
            let v = crate::trail::verify(tx.logs, head)?;
            tx.detail(json!({"ok": v.ok, "entries": v.entries, "head": v.head}));
            Ok(v)
        })
    }
}
