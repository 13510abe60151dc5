//! `desk audit …`: list, verify and export the audit trail (dpo, auditor).

use crate::output::{write_export, Out};
use crate::signin::sign_in;
use crate::{now, CliError, CliResult};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use desk_core::audit::AuditFilter;
use desk_core::Error;
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// List audit events, oldest first.
    List {
        /// Only events about this member, as SITE:ID.
        #[arg(long, value_name = "SITE:ID")]
        member: Option<String>,
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        action: Option<String>,
        /// Only events at or after this date (YYYY-MM-DD) or RFC 3339 time.
        #[arg(long, value_name = "WHEN")]
        from: Option<String>,
        /// Only events up to this date (inclusive) or before this RFC 3339 time.
        #[arg(long, value_name = "WHEN")]
        to: Option<String>,
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Write audit events (filtered as for list) to a CSV file.
    Export {
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
        #[arg(long, value_name = "SITE:ID")]
        member: Option<String>,
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        action: Option<String>,
        #[arg(long, value_name = "WHEN")]
        from: Option<String>,
        #[arg(long, value_name = "WHEN")]
        to: Option<String>,
    },
    /// Verify the trail: its chain, signatures, grants and pages (with
    /// --head, that it still extends HASH; with --root, that its root key is
    /// the one whose fingerprint you kept).
    Verify {
        #[arg(long, value_name = "HASH", value_parser = crate::parse_head)]
        head: Option<String>,
        #[arg(long, value_name = "FINGERPRINT", value_parser = crate::parse_fingerprint)]
        root: Option<String>,
    },
}

/// Run `desk audit …`. An export's filter is checked before signing in.
pub fn run(vault: &Path, cmd: AuditCmd, out: &Out) -> CliResult {
    if let AuditCmd::Export {
        out: path,
        force,
        member,
        user,
        action,
        from,
        to,
    } = cmd
    {
        let filter = audit_filter(member, user, action, from, to, None)?;
        return audit_export(vault, &filter, &path, force, out);
    }
    let s = sign_in(vault)?;
    match cmd {
        AuditCmd::List {
            member,
            user,
            action,
            from,
            to,
            limit,
        } => {
            let filter = audit_filter(member, user, action, from, to, limit)?;
            out.audit_events(&s.audit_list(&filter, now())?);
        }
        AuditCmd::Export { .. } => unreachable!("handled above"),
        AuditCmd::Verify { head, root } => {
            let v = s.audit_verify_with(head.as_deref(), root.as_deref(), now())?;
            out.verification(&v, "audit trail");
            if !v.ok {
                return Err(Error::Invalid("the audit trail failed verification".into()).into());
            }
        }
    }
    Ok(())
}

/// `--from`/`--to` for the audit trail: core's rule (an RFC 3339 time, or a
/// date; a `--to` date includes that whole day); a bad one is wrong usage.
fn audit_time(
    s: &str,
    parse: fn(&str) -> desk_core::Result<DateTime<Utc>>,
) -> CliResult<DateTime<Utc>> {
    parse(s).map_err(|e| match e {
        Error::Invalid(m) => CliError::Usage(m),
        e => e.into(),
    })
}

/// Build an audit filter from the command line's options.
pub fn audit_filter(
    member: Option<String>,
    user: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u64>,
) -> CliResult<AuditFilter> {
    let (site, member_id) = match member {
        Some(m) => {
            let (site, id) = m
                .split_once(':')
                .ok_or_else(|| CliError::Usage("--member takes SITE:ID".into()))?;
            (Some(site.to_string()), Some(id.to_string()))
        }
        None => (None, None),
    };
    Ok(AuditFilter {
        user,
        action,
        site,
        member_id,
        from: from
            .map(|f| audit_time(&f, desk_core::contract::audit_from))
            .transpose()?,
        to: to
            .map(|t| audit_time(&t, desk_core::contract::audit_to))
            .transpose()?,
        limit,
    })
}

/// `desk audit export --out FILE.csv [--force] [filters]`.
pub fn audit_export(
    vault: &Path,
    filter: &AuditFilter,
    path: &Path,
    force: bool,
    out: &Out,
) -> CliResult {
    let s = sign_in(vault)?;
    let csv = s.audit_export_csv(filter, now())?;
    write_export(path, &csv, force)?;
    out.done(
        &format!("Wrote the audit trail to {}.", path.display()),
        json!({"path": path, "format": "csv"}),
    );
    Ok(())
}
