//! `desk`: the Privacy Desk command line (`cli-v1.md`). It parses arguments,
//! calls the core session, and prints; every rule lives in the core.

mod audit_cmd;
mod bundle_cmd;
mod demo_cmd;
mod disclosure_cmd;
mod hold_cmd;
mod member_cmd;
mod mentions_cmd;
mod output;
mod output_member;
mod output_mentions;
mod output_review;
mod progress;
mod request_cmd;
mod review_cmd;
mod signin;
mod sync_cmd;
mod user_cmd;
mod vault_cmd;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use desk_core::Error;
use output::{fail, Out};
use signin::default_vault;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "desk",
    version,
    about = "Privacy Desk: member data, consent, subject-access requests and disclosures, from a local encrypted vault",
    propagate_version = true
)]
struct Cli {
    /// The vault directory (else $DESK_VAULT, else the platform's data directory).
    #[arg(long, global = true, env = "DESK_VAULT", value_name = "DIR")]
    vault: Option<PathBuf>,
    /// Machine-readable output: one JSON document on stdout.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a new vault; NAME becomes its first user, with role dpo.
    Init {
        #[arg(long, value_name = "NAME")]
        admin: String,
    },
    /// Manage users (dpo), or change your own password.
    #[command(subcommand)]
    User(user_cmd::UserCmd),
    /// Create a vault filled from a generated export, ready to explore.
    Demo(demo_cmd::DemoArgs),
    /// Write a synthetic production export, for trying and testing.
    GenExport(demo_cmd::GenArgs),
    /// Apply production exports (directories or .zip), in order.
    Sync {
        #[arg(required = true, value_name = "EXPORT")]
        exports: Vec<PathBuf>,
    },
    /// Per site: the latest export applied and the rows stored.
    Status,
    /// Rebuild the search index with this desk's rules (dpo, staff).
    Reindex,
    /// Legal holds (dpo): a held member's data survives production deletion.
    #[command(subcommand)]
    Hold(hold_cmd::HoldCmd),
    /// The audit trail (dpo, auditor).
    #[command(subcommand)]
    Audit(audit_cmd::AuditCmd),
    /// The safeguarding disclosure log: record, amend, review, verify, export.
    #[command(subcommand)]
    Disclosure(disclosure_cmd::DisclosureCmd),
    /// The subject-access request register: open, verify, pause, extend, close.
    #[command(subcommand)]
    Request(request_cmd::RequestCmd),
    /// Find members across sites by any identifier.
    Search(member_cmd::SearchArgs),
    /// A member's whole record.
    Member(member_cmd::MemberArgs),
    /// A member in other people's words: posts, messages, tickets naming them.
    Mentions(mentions_cmd::MentionsArgs),
    /// The optional per-site full-text index behind `desk search --text`.
    #[command(subcommand)]
    TextIndex(mentions_cmd::TextIndexCmd),
    /// A member's consent, now or at a time, and its whole history.
    Consent(member_cmd::ConsentArgs),
    /// Activity that contradicts the consent record.
    Conflicts(member_cmd::ConflictsArgs),
    /// Write a member's unreviewed subject-access bundle (.zip) (dpo, staff;
    /// a member without a request).
    Bundle(bundle_cmd::BundleArgs),
    /// Review a request's bundle: make a draft, see it, decide, submit, approve.
    Review(review_cmd::ReviewArgs),
    /// Release a request's approved bundle (.zip), exactly as approved.
    Release(review_cmd::ReleaseArgs),
    /// A site's review settings: four eyes (a second person, a dpo, approves).
    ReviewSettings(review_cmd::SettingsArgs),
    /// One bundle per member, from a CSV file or a list; each independent.
    BundleBatch(bundle_cmd::BatchArgs),
    /// A site's privacy facts: the supplementary information of bundles.
    #[command(subcommand)]
    Privacy(bundle_cmd::PrivacyCmd),
    /// The vault itself: its root key's fingerprint, a check of every page.
    #[command(subcommand)]
    Vault(vault_cmd::VaultCmd),
}

/// A kept head (`--head`): core's rule; anything else is wrong usage.
pub fn parse_head(s: &str) -> Result<String, String> {
    desk_core::contract::kept_head(s).map_err(|e| e.to_string())
}

/// A kept root fingerprint (`--root`): core's rule.
pub fn parse_fingerprint(s: &str) -> Result<String, String> {
    desk_core::contract::kept_fingerprint(s).map_err(|e| e.to_string())
}

/// Die quietly when stdout is a closed pipe (`desk member … | head`), as
/// command-line tools do, instead of panicking on the failed write.
#[cfg(unix)]
#[allow(unsafe_code)]
fn restore_default_sigpipe() {
    // SAFETY: setting a signal's disposition to the default at start-up,
    // before any thread exists, has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_default_sigpipe() {}

fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            });
        }
    };
    let out = Out { json: cli.json };
    match run(cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&out, &e),
    }
}

/// A failure of the command line itself, or of the core.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Core(#[from] Error),
    /// Wrong usage (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Failed, and already reported on stdout/stderr (exit 1).
    #[error("failed")]
    Reported,
}

type CliResult<T = ()> = Result<T, CliError>;

/// The generator's errors are reported as the core's of the same kind.
impl From<export_gen::Error> for CliError {
    fn from(e: export_gen::Error) -> Self {
        CliError::Core(match e {
            export_gen::Error::Invalid(m) => Error::Invalid(m),
            export_gen::Error::Conflict(m) => Error::Conflict(m),
            export_gen::Error::Cancelled => Error::Cancelled,
            export_gen::Error::Io { path, source } => Error::Io { path, source },
        })
    }
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn run(cli: Cli, out: &Out) -> CliResult {
    let vault = match cli.vault.clone() {
        Some(v) => v,
        None => default_vault()?,
    };
    match cli.command {
        Command::Search(a) => member_cmd::search(&vault, a, out),
        Command::Member(a) => member_cmd::member(&vault, a, out),
        Command::Mentions(a) => mentions_cmd::mentions(&vault, a, out),
        Command::TextIndex(c) => mentions_cmd::text_index(&vault, c, out),
        Command::Consent(a) => member_cmd::consent(&vault, a, out),
        Command::Conflicts(a) => member_cmd::conflicts(&vault, a, out),
        Command::Bundle(a) => bundle_cmd::bundle(&vault, a, out),
        Command::Review(a) => review_cmd::review(&vault, a, out),
        Command::Release(a) => review_cmd::release(&vault, a, out),
        Command::ReviewSettings(a) => review_cmd::settings(&vault, a, out),
        Command::BundleBatch(a) => match bundle_cmd::batch(&vault, a, out)? {
            true => Ok(()),
            false => Err(CliError::Reported),
        },
        Command::Privacy(cmd) => bundle_cmd::privacy(&vault, cmd, out),
        Command::Init { admin } => user_cmd::init(&vault, &admin, out),
        Command::User(cmd) => user_cmd::run(&vault, cmd, out),
        Command::Demo(args) => demo_cmd::demo(&vault, &args, out),
        Command::GenExport(args) => demo_cmd::gen_export(args, out),
        Command::Sync { exports } => sync_cmd::sync(&vault, &exports, out),
        Command::Status => sync_cmd::status(&vault, out),
        Command::Reindex => sync_cmd::reindex(&vault, out),
        Command::Hold(cmd) => hold_cmd::run(&vault, cmd, out),
        Command::Disclosure(cmd) => disclosure_cmd::run(&vault, cmd, out),
        Command::Request(cmd) => request_cmd::run(&vault, cmd, out),
        Command::Audit(cmd) => audit_cmd::run(&vault, cmd, out),
        Command::Vault(cmd) => vault_cmd::run(&vault, cmd, out),
    }
}
