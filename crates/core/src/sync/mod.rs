//! Applying production exports (`production-export-v1.md` §5–§6): checked,
//! then applied whole in one transaction, or refused with nothing changed.
//! The whole sync — reading the manifest, the sequence rules, every row, the
//! record of the export and the audit event — is one data write through the
//! door: two syncs take turns, and a reader meanwhile sees the vault as it
//! was before.

mod apply;
mod sequence;
pub mod status;

use crate::error::Result;
use crate::export::Export;
use crate::progress::{Progress, ProgressEvent};
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

pub use status::{SiteStatus, Status};

/// What a sync did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncReport {
    pub site: String,
    pub sequence: i64,
    pub kind: String,
    /// False when the export had been applied before (a no-op).
    pub applied: bool,
    /// Rows read per entity file.
    pub rows: Vec<(String, u64)>,
    /// Rows removed because production no longer has them.
    pub deleted_rows: u64,
    /// Rows kept, marked deleted in production, because of a legal hold.
    pub held_rows: u64,
    pub bytes: u64,
    pub seconds: f64,
}

impl Session {
    /// Sync one export (a directory or a `.zip`). Returns what was done, or
    /// refuses with [`crate::Error::Refused`] / [`crate::Error::OutOfSequence`]
    /// having changed nothing (but the audit trail).
    pub fn sync(
        &self,
        path: &Path,
        now: DateTime<Utc>,
        progress: &dyn Progress,
    ) -> Result<SyncReport> {
        self.door(Op::data(Action::Sync, "sync"), now, |tx| {
            let data = tx.data()?;
            let started = Instant::now();
            progress.event(ProgressEvent::Stage {
                name: "reading the manifest".into(),
                total: None,
            });
            let mut export = Export::open(path)?;
            let m = export.manifest().clone();
            tx.about(&m.site, None);
            tx.detail(json!({"sequence": m.sequence}));
            if !sequence::check_sequence(data, &m)? {
                tx.detail(json!({"sequence": m.sequence, "result": "already applied"}));
                return Ok(SyncReport {
                    site: m.site.clone(),
                    sequence: m.sequence,
                    kind: m.kind.name().into(),
                    applied: false,
                    rows: Vec::new(),
                    deleted_rows: 0,
                    held_rows: 0,
                    bytes: 0,
                    seconds: started.elapsed().as_secs_f64(),
                });
            }
            let user = tx.user.name.clone();
            let report = apply::apply(data, &mut export, &m, now, &user, progress, started)?;
            tx.detail(json!({
                "sequence": m.sequence, "kind": m.kind.name(), "result": "applied",
                "generated_at": m.generated_at,
                "rows": report.rows.iter().map(|(e, n)| (e.clone(), json!(n))).collect::<serde_json::Map<_, _>>(),
                "deleted_rows": report.deleted_rows, "held_rows": report.held_rows,
            }));
            Ok(report)
        })
    }
}
