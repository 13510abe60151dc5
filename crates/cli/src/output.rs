//! Printing: readable text, or one JSON document with `--json`. Errors and
//! problems go to stderr; the exit status follows `cli-v1.md`.

use crate::{CliError, CliResult};
use desk_core::audit::AuditEvent;
use desk_core::chain::Verification;
use desk_core::error::{ErrorBody, ErrorCode};
use desk_core::sync::SyncReport;
use desk_core::Error;
use desk_core::{Hold, Status, UserInfo};
use export_gen::GenSummary;
use serde_json::{json, Value};
use std::path::Path;
use std::process::ExitCode;

pub struct Out {
    pub json: bool,
}

fn print_json(v: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
    );
}

/// 1,234,567
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "2026-11-21T02:00:00Z" → "2026-11-21 02:00 UTC" (as given if unparsable).
fn when(ts: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(ts)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()
        })
        .unwrap_or_else(|_| ts.to_string())
}

impl Out {
    /// A finished action: a sentence, or its JSON.
    pub fn done(&self, text: &str, v: Value) {
        if self.json {
            print_json(&v);
        } else {
            println!("{text}");
        }
    }

    /// `v` as JSON, or as `text` prints it.
    pub fn show<T: serde::Serialize>(&self, v: &T, text: impl FnOnce(&T)) {
        if self.json {
            print_json(&json!(v));
        } else {
            text(v);
        }
    }

    /// JSON mode only (text was printed along the way).
    pub fn json_only(&self, v: Value) {
        if self.json {
            print_json(&v);
        }
    }

    /// A remark on stderr (text mode only).
    pub fn note(&self, text: &str) {
        if !self.json {
            eprintln!("{text}");
        }
    }

    pub fn users(&self, users: &[UserInfo]) {
        if self.json {
            print_json(&json!({ "users": users }));
            return;
        }
        println!("{:<24} {:<8} added", "user", "role");
        for u in users {
            println!(
                "{:<24} {:<8} {}{}",
                u.name,
                u.role.name(),
                when(&u.created_at),
                u.created_by
                    .as_deref()
                    .map(|b| format!(" by {b}"))
                    .unwrap_or_default()
            );
            match (&u.fingerprint, u.confirmed) {
                (Some(fp), true) => println!("{:<24} signing key {fp}", ""),
                (Some(fp), false) => println!(
                    "{:<24} signing key {fp} — NOT CONFIRMED: check it with them, then `desk user confirm {} {fp}`",
                    "", u.name
                ),
                (None, _) => println!("{:<24} no signing key yet (made at their next sign-in)", ""),
            }
        }
    }

    pub fn generated(&self, g: &GenSummary) {
        let total: u64 = g.rows.iter().map(|(_, n)| n).sum();
        if self.json {
            print_json(&json!({
                "path": g.path, "sequence": g.sequence, "kind": g.kind, "bytes": g.bytes,
                "rows": g.rows.iter().map(|(e, n)| (e.name().to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
            }));
            return;
        }
        println!(
            "Wrote a {} export (sequence {}) to {}: {} rows, {} bytes.",
            g.kind,
            g.sequence,
            g.path.display(),
            thousands(total),
            thousands(g.bytes)
        );
        for (e, n) in &g.rows {
            println!("  {:<24} {:>12}", e.name(), thousands(*n));
        }
    }

    pub fn sync_report(&self, r: &SyncReport) {
        if self.json {
            return;
        }
        if !r.applied {
            println!(
                "{} export {} was applied before: nothing to do.",
                r.site, r.sequence
            );
            return;
        }
        let total: u64 = r.rows.iter().map(|(_, n)| n).sum();
        let rate = if r.seconds > 0.0 {
            (total as f64 / r.seconds) as u64
        } else {
            total
        };
        println!(
            "Applied {} export {} ({}): {} rows in {:.1} s ({} rows/s).",
            r.site,
            r.sequence,
            r.kind,
            thousands(total),
            r.seconds,
            thousands(rate)
        );
        if r.deleted_rows > 0 || r.held_rows > 0 {
            println!(
                "  {} row(s) removed as deleted in production; {} kept under legal hold.",
                thousands(r.deleted_rows),
                thousands(r.held_rows)
            );
        }
    }

    pub fn status(&self, s: &Status) {
        if self.json {
            print_json(&json!(s));
            return;
        }
        if s.sites.is_empty() {
            println!(
                "The vault holds no data yet. Run `desk sync EXPORT` to apply a production export."
            );
            return;
        }
        for site in &s.sites {
            println!(
                "{}: export {} ({}), generated {}, synced {}",
                site.site,
                site.sequence,
                site.kind,
                when(&site.generated_at),
                when(&site.synced_at)
            );
            for (entity, n) in &site.rows {
                let n = n.as_u64().unwrap_or(0);
                let held = site
                    .held_rows
                    .get(entity)
                    .and_then(|h| h.as_u64())
                    .map(|h| format!("  ({} held)", thousands(h)))
                    .unwrap_or_default();
                println!("  {:<24} {:>12}{}", entity, thousands(n), held);
            }
        }
    }

    pub fn holds(&self, holds: &[Hold]) {
        if self.json {
            print_json(&json!({ "holds": holds }));
            return;
        }
        if holds.is_empty() {
            println!("No member is on legal hold.");
            return;
        }
        for h in holds {
            println!(
                "{} {}: held since {} by {} ({} row(s) kept only by the hold)\n  reason: {}",
                h.site,
                h.member_id,
                when(&h.set_at),
                h.set_by,
                h.held_rows,
                h.reason
            );
        }
    }

    pub fn audit_events(&self, events: &[AuditEvent]) {
        if self.json {
            print_json(&json!({ "events": events }));
            return;
        }
        for e in events {
            let target = match (&e.site, &e.member_id) {
                (Some(s), Some(m)) => format!(" {s}:{m}"),
                (Some(s), None) => format!(" {s}"),
                _ => String::new(),
            };
            println!(
                "{:>6}  {}  {:<14} {:<18} {:<9}{}",
                e.seq,
                when(&e.at),
                e.user.as_deref().unwrap_or("-"),
                e.action,
                e.outcome,
                target
            );
        }
    }

    pub fn verification(&self, v: &Verification, what: &str) {
        if self.json {
            print_json(&json!({"ok": v.ok, "entries": v.entries, "head": v.head,
                               "failure": v.failure, "warnings": v.warnings,
                               "root_fingerprint": v.root_fingerprint}));
            return;
        }
        match &v.failure {
            None => println!(
                "The {what} verifies: {} entries, unbroken, every signature holds.\nHead: {}",
                v.entries, v.head
            ),
            Some(f) if f.seq > 0 => println!(
                "The {what} FAILS verification at entry {}: {}\nHead: {}",
                f.seq, f.message, v.head
            ),
            Some(f) => println!(
                "The {what} FAILS verification: {}\nHead: {}",
                f.message, v.head
            ),
        }
        if let Some(fp) = &v.root_fingerprint {
            println!("Root key: {fp}");
        }
        for w in &v.warnings {
            println!("Note: {w}");
        }
    }

    pub fn vault_check(&self, c: &desk_core::audit::VaultCheck) {
        if self.json {
            print_json(&json!(c));
            return;
        }
        for f in &c.files {
            if !f.checked {
                println!("{}: not checked (your keys do not open it)", f.file);
            } else if f.ok {
                println!("{}: every page checks out", f.file);
            } else {
                println!(
                    "{}: DAMAGED — {} page(s) fail their check{}",
                    f.file,
                    f.failing_pages.len(),
                    if f.failing_pages.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " ({})",
                            f.failing_pages
                                .iter()
                                .take(20)
                                .map(|p| p.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                );
                for p in f.problems.iter().take(20) {
                    println!("  {p}");
                }
            }
        }
        if !c.ok {
            println!("Restore the damaged file(s) from a backup before relying on them.");
        }
    }
}

/// Write an export the same way every interface does (core's
/// `write_export`: atomic, owner-only, never over a file without `--force`).
pub fn write_export(path: &Path, text: &str, force: bool) -> CliResult {
    desk_core::fsutil::write_export(path, text.as_bytes(), force).map_err(|e| match e {
        Error::Conflict(m) => Error::Conflict(format!("{m} (add --force to replace it)")).into(),
        e => e.into(),
    })
}

impl CliError {
    /// The error body (`desk_core::error::ErrorBody`) `--json` prints.
    pub fn body(&self) -> ErrorBody {
        match self {
            CliError::Core(e) => e.body(),
            CliError::Usage(m) => ErrorBody::new(ErrorCode::Usage, m.clone()),
            CliError::Reported => ErrorBody::new(ErrorCode::Invalid, self.to_string()),
        }
    }
}

/// The exit status of `cli-v1.md` for an error code.
pub fn exit_status(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::Usage => 2,
        ErrorCode::BadCredentials => 3,
        ErrorCode::Forbidden => 4,
        _ => 1,
    }
}

/// Print an error and choose the exit status: each problem and the message
/// on stderr, and with `--json` the error body on stdout as
/// `{"error": {code, message, problems, more_problems}}`.
pub fn fail(out: &Out, e: &CliError) -> ExitCode {
    if let CliError::Reported = e {
        return ExitCode::from(1);
    }
    let body = e.body();
    for p in &body.problems {
        eprintln!("{p}");
    }
    if body.more_problems > 0 {
        eprintln!("… and {} more problems", body.more_problems);
    }
    eprintln!("desk: {}", body.message);
    let status = exit_status(body.code);
    if out.json {
        print_json(&json!({ "error": body }));
    }
    ExitCode::from(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use desk_core::problem::{Problem, Problems};

    #[test]
    fn the_json_error_is_core_s_body_unchanged() {
        let mut p = Problems::default();
        p.push(Problem::input("authorised_by", "required"));
        let e = CliError::Core(Error::InvalidInput {
            what: "the disclosure was not recorded".into(),
            problems: p,
        });
        let body = e.body();
        let CliError::Core(core) = &e else {
            unreachable!()
        };
        assert_eq!(body, core.body());
        assert_eq!(
            serde_json::to_value(&body).unwrap()["problems"][0]["field"],
            "authorised_by"
        );
        assert_eq!(CliError::Usage("x".into()).body().code, ErrorCode::Usage);
    }

    #[test]
    fn exit_statuses_follow_the_spec() {
        assert_eq!(exit_status(ErrorCode::Usage), 2);
        assert_eq!(exit_status(ErrorCode::BadCredentials), 3);
        assert_eq!(exit_status(ErrorCode::Forbidden), 4);
        for c in [
            ErrorCode::Busy,
            ErrorCode::Damaged,
            ErrorCode::ExportRefused,
            ErrorCode::Invalid,
        ] {
            assert_eq!(exit_status(c), 1);
        }
    }
}
