//! `desk`: the Privacy Desk command line (`cli-v1.md`). It parses arguments,
//! calls the core session, and prints; every rule lives in the core.

mod bundle_cmd;
mod disclosure_cmd;
mod member_cmd;
mod output;
mod progress;
mod request_cmd;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};
use desk_core::{Error, Role, Session};
use export_gen::{GenOptions, HeavyMember};
use output::{fail, Out};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
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
    User(UserCmd),
    /// Create a vault filled from a generated export, ready to explore.
    Demo(DemoArgs),
    /// Write a synthetic production export, for trying and testing.
    GenExport(GenArgs),
    /// Apply production exports (directories or .zip), in order.
    Sync {
        #[arg(required = true, value_name = "EXPORT")]
        exports: Vec<PathBuf>,
    },
    /// Per site: the latest export applied and the rows stored.
    Status,
    /// Legal holds (dpo): a held member's data survives production deletion.
    #[command(subcommand)]
    Hold(HoldCmd),
    /// The audit trail (dpo, auditor).
    #[command(subcommand)]
    Audit(AuditCmd),
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
    /// A member's consent, now or at a time, and its whole history.
    Consent(member_cmd::ConsentArgs),
    /// Activity that contradicts the consent record.
    Conflicts(member_cmd::ConflictsArgs),
    /// Write a member's subject-access bundle (.zip) (dpo, staff).
    Bundle(bundle_cmd::BundleArgs),
    /// One bundle per member, from a CSV file or a list; each independent.
    BundleBatch(bundle_cmd::BatchArgs),
    /// A site's privacy facts: the supplementary information of bundles.
    #[command(subcommand)]
    Privacy(bundle_cmd::PrivacyCmd),
    /// The vault itself: its root key's fingerprint, a check of every page.
    #[command(subcommand)]
    Vault(VaultCmd),
}

#[derive(Subcommand, Debug)]
enum VaultCmd {
    /// The fingerprint of the vault's root signing key (the first dpo's):
    /// keep it outside the vault and give it to `verify --root`.
    Fingerprint,
    /// Check every page of the vault's databases (minutes on a large vault).
    Check,
}

/// A kept head: 64 hexadecimal digits.
fn parse_head(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(t.to_ascii_lowercase())
    } else {
        Err("a head is 64 hexadecimal digits (as `verify` prints it)".into())
    }
}

/// A kept root fingerprint: 64 hexadecimal digits, spaces allowed.
fn parse_fingerprint(s: &str) -> Result<String, String> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(t.to_ascii_lowercase())
    } else {
        Err("a fingerprint is 64 hexadecimal digits (as `desk vault fingerprint` prints it)".into())
    }
}

#[derive(Subcommand, Debug)]
enum UserCmd {
    /// Add a user (password from DESK_NEW_PASSWORD, else prompted).
    Add {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// List users and roles.
    List,
    /// Remove a user; --rekey gives the vault a new key.
    Remove {
        name: String,
        #[arg(long)]
        rekey: bool,
    },
    /// Change a user's role.
    Role {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Change your own password (new one from DESK_NEW_PASSWORD, else prompted).
    Passwd,
    /// Confirm the signing key a user made when the vault was upgraded,
    /// after checking its fingerprint with them (`user list` shows it).
    Confirm {
        name: String,
        #[arg(value_name = "FINGERPRINT", num_args = 1.., required = true)]
        fingerprint: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
enum HoldCmd {
    /// Put a member on legal hold.
    Set {
        site: String,
        member_id: String,
        #[arg(long)]
        reason: String,
    },
    /// Lift a hold; rows kept only by it are purged at once.
    Lift { site: String, member_id: String },
    /// List holds.
    List,
}

#[derive(Subcommand, Debug)]
enum AuditCmd {
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
        #[arg(long, value_name = "HASH", value_parser = parse_head)]
        head: Option<String>,
        #[arg(long, value_name = "FINGERPRINT", value_parser = parse_fingerprint)]
        root: Option<String>,
    },
}

#[derive(Args, Debug)]
struct GenArgs {
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[arg(long)]
    site: String,
    #[arg(long)]
    members: u64,
    #[arg(long)]
    seed: u64,
    /// Write a .zip instead of a directory.
    #[arg(long)]
    zip: bool,
    /// Gzip every data file.
    #[arg(long)]
    gzip: bool,
    /// Make a delta on top of this export.
    #[arg(long, value_name = "DIR", requires = "changes")]
    delta_of: Option<PathBuf>,
    /// About how many rows the delta changes.
    #[arg(long, requires = "delta_of")]
    changes: Option<u64>,
    /// The export's generated_at (RFC 3339); fixed by default for reproducibility.
    #[arg(long, value_name = "TIME")]
    generated_at: Option<DateTime<Utc>>,
    /// Give member m-1 this many posts (a very heavy member, for benchmarks).
    #[arg(long, value_name = "N")]
    heavy_posts: Option<u64>,
    /// Give member m-1 this many private messages.
    #[arg(long, value_name = "N", requires = "heavy_posts")]
    heavy_messages: Option<u64>,
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// Members in the main demo site.
    #[arg(long, default_value_t = 2000)]
    members: u64,
    /// Replace an existing vault in the directory.
    #[arg(long)]
    replace: bool,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse().map_err(|e: Error| e.to_string())
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
        Command::Search(a) => member_cmd::search(&vault, a, out)?,
        Command::Member(a) => member_cmd::member(&vault, a, out)?,
        Command::Consent(a) => member_cmd::consent(&vault, a, out)?,
        Command::Conflicts(a) => member_cmd::conflicts(&vault, a, out)?,
        Command::Bundle(a) => bundle_cmd::bundle(&vault, a, out)?,
        Command::BundleBatch(a) => {
            if !bundle_cmd::batch(&vault, a, out)? {
                return Err(CliError::Reported);
            }
        }
        Command::Privacy(cmd) => bundle_cmd::privacy(&vault, cmd, out)?,
        Command::Init { admin } => {
            let pw = new_password(&format!("Password for {admin}"))?;
            let s = Session::create(&vault, &admin, &pw, now())?;
            let fp = s.root_fingerprint(now())?.unwrap_or_default();
            out.done(
                &format!(
                    "Created a vault in {} with {} as its dpo.\nIts root key's fingerprint (keep it outside the vault, e.g. printed in the DPO's file; `desk audit verify --root` checks it):\n  {fp}",
                    vault.display(),
                    s.user().name
                ),
                json!({"vault": vault, "admin": s.user().name, "root_fingerprint": fp}),
            );
        }
        Command::Vault(cmd) => {
            let s = sign_in(&vault)?;
            match cmd {
                VaultCmd::Fingerprint => {
                    let fp = s.root_fingerprint(now())?;
                    match fp {
                        Some(fp) => out.done(&fp, json!({"root_fingerprint": fp})),
                        None => out.done(
                            "This vault has no root key yet (a dpo's next sign-in upgrades it).",
                            json!({"root_fingerprint": null}),
                        ),
                    }
                }
                VaultCmd::Check => {
                    let c = s.vault_check(now())?;
                    out.vault_check(&c);
                    if !c.ok {
                        return Err(CliError::Reported);
                    }
                }
            }
        }
        Command::User(cmd) => {
            let s = sign_in(&vault)?;
            match cmd {
                UserCmd::Add { name, role } => {
                    // Refuse before asking for the new user's password.
                    s.authorize(desk_core::Action::ManageUsers, now(), None, None)?;
                    let pw = new_password(&format!("Password for {name}"))?;
                    s.add_user(&name, role, &pw, now())?;
                    out.done(
                        &format!("Added {name} as {role}."),
                        json!({"name": name, "role": role}),
                    );
                }
                UserCmd::List => {
                    let users = s.list_users(now())?;
                    out.users(&users);
                }
                UserCmd::Confirm { name, fingerprint } => {
                    s.confirm_user(&name, &fingerprint.join(" "), now())?;
                    out.done(
                        &format!("Confirmed {name}'s signing key."),
                        json!({"confirmed": name}),
                    );
                }
                UserCmd::Remove { name, rekey } => {
                    s.remove_user(&name, rekey, now())?;
                    let extra = if rekey {
                        " The vault has a new key."
                    } else {
                        ""
                    };
                    out.done(
                        &format!("Removed {name}.{extra}"),
                        json!({"removed": name, "rekeyed": rekey}),
                    );
                }
                UserCmd::Role { name, role } => {
                    s.set_role(&name, role, now())?;
                    out.done(
                        &format!("{name} is now {role}."),
                        json!({"name": name, "role": role}),
                    );
                }
                UserCmd::Passwd => {
                    let pw = new_password("New password")?;
                    s.change_password(&pw, now())?;
                    out.done("Password changed.", json!({"changed": true}));
                }
            }
        }
        Command::Demo(args) => demo(&vault, &args, out)?,
        Command::GenExport(args) => {
            let opts = GenOptions {
                site: args.site,
                members: args.members,
                seed: args.seed,
                zip: args.zip,
                gzip: args.gzip,
                generated_at: args.generated_at,
                delta_of: args.delta_of,
                changes: args.changes.unwrap_or(0),
                heavy_member: args.heavy_posts.map(|posts| HeavyMember {
                    posts,
                    messages: args.heavy_messages.unwrap_or(0),
                }),
            };
            let bar = progress::for_terminal(out);
            let summary = export_gen::generate(&opts, &args.out, &progress::Gen(bar.as_ref()))?;
            drop(bar);
            out.generated(&summary);
        }
        Command::Sync { exports } => {
            let s = sign_in(&vault)?;
            let mut reports = Vec::new();
            for path in &exports {
                let bar = progress::for_terminal(out);
                let r = s.sync(path, now(), bar.as_ref());
                drop(bar);
                match r {
                    Ok(r) => {
                        out.sync_report(&r);
                        reports.push(r);
                    }
                    Err(e) => {
                        if !reports.is_empty() {
                            out.note(&format!(
                                "{} export(s) before {} were applied; it and any after it were not.",
                                reports.len(),
                                path.display()
                            ));
                        }
                        return Err(e.into());
                    }
                }
            }
            out.json_only(json!({"results": reports}));
        }
        Command::Status => {
            let s = sign_in(&vault)?;
            out.status(&s.status(now())?);
        }
        Command::Hold(cmd) => {
            let s = sign_in(&vault)?;
            match cmd {
                HoldCmd::Set {
                    site,
                    member_id,
                    reason,
                } => {
                    s.hold_set(&site, &member_id, &reason, now())?;
                    out.done(
                        &format!("Member {member_id} of {site} is on legal hold."),
                        json!({"site": site, "member_id": member_id, "held": true}),
                    );
                }
                HoldCmd::Lift { site, member_id } => {
                    let purged = s.hold_lift(&site, &member_id, now())?;
                    out.done(
                        &format!(
                            "Hold lifted on member {member_id} of {site}; {purged} row(s) kept only by it were purged."
                        ),
                        json!({"site": site, "member_id": member_id, "held": false, "purged_rows": purged}),
                    );
                }
                HoldCmd::List => out.holds(&s.hold_list(now())?),
            }
        }
        Command::Disclosure(cmd) => disclosure_cmd::run(&vault, cmd, out)?,
        Command::Request(cmd) => request_cmd::run(&vault, cmd, out)?,
        Command::Audit(AuditCmd::Export {
            out: path,
            force,
            member,
            user,
            action,
            from,
            to,
        }) => {
            let filter = disclosure_cmd::audit_filter(member, user, action, from, to, None)?;
            disclosure_cmd::audit_export(&vault, &filter, &path, force, out)?
        }
        Command::Audit(cmd) => {
            let s = sign_in(&vault)?;
            match cmd {
                AuditCmd::List {
                    member,
                    user,
                    action,
                    from,
                    to,
                    limit,
                } => {
                    let filter =
                        disclosure_cmd::audit_filter(member, user, action, from, to, limit)?;
                    out.audit_events(&s.audit_list(&filter, now())?);
                }
                AuditCmd::Export { .. } => unreachable!("handled above"),
                AuditCmd::Verify { head, root } => {
                    let v = s.audit_verify_with(head.as_deref(), root.as_deref(), now())?;
                    out.verification(&v, "audit trail");
                    if !v.ok {
                        return Err(
                            Error::Invalid("the audit trail failed verification".into()).into()
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// The platform's data directory for the app.
fn default_vault() -> CliResult<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let base = if cfg!(target_os = "macos") {
        home.map(|h| h.join("Library/Application Support"))
    } else if cfg!(windows) {
        std::env::var_os("APPDATA").map(PathBuf::from)
    } else {
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| home.map(|h| h.join(".local/share")))
    };
    base.map(|b| b.join("privacy-desk").join("vault"))
        .ok_or_else(|| CliError::Usage("no vault given: use --vault DIR or set DESK_VAULT".into()))
}

fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Sign in with DESK_USER / DESK_PASSWORD, else prompts on a terminal.
fn sign_in(vault: &Path) -> CliResult<Session> {
    let user =
        match std::env::var("DESK_USER") {
            Ok(u) if !u.is_empty() => u,
            _ if interactive() => {
                eprint!("User: ");
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| Error::io("<stdin>", e))?;
                line.trim().to_string()
            }
            _ => return Err(CliError::Usage(
                "no credentials: set DESK_USER and DESK_PASSWORD, or run on a terminal to be asked"
                    .into(),
            )),
        };
    let password = match std::env::var("DESK_PASSWORD") {
        Ok(p) => zeroize::Zeroizing::new(p),
        _ if interactive() => zeroize::Zeroizing::new(
            rpassword::prompt_password(format!("Password for {user}: "))
                .map_err(|e| Error::io("<terminal>", e))?,
        ),
        _ => {
            return Err(CliError::Usage(
                "no password: set DESK_PASSWORD, or run on a terminal to be asked".into(),
            ))
        }
    };
    let s = Session::unlock(vault, &user, &password, now())?;
    for w in s.warnings() {
        eprintln!("desk: warning: {w}");
    }
    Ok(s)
}

/// A new password: DESK_NEW_PASSWORD, else asked twice on a terminal.
fn new_password(prompt: &str) -> CliResult<zeroize::Zeroizing<String>> {
    if let Ok(p) = std::env::var("DESK_NEW_PASSWORD") {
        return Ok(zeroize::Zeroizing::new(p));
    }
    if !interactive() {
        return Err(CliError::Usage(
            "no new password: set DESK_NEW_PASSWORD, or run on a terminal to be asked".into(),
        ));
    }
    let a = zeroize::Zeroizing::new(
        rpassword::prompt_password(format!("{prompt}: "))
            .map_err(|e| Error::io("<terminal>", e))?,
    );
    let b = zeroize::Zeroizing::new(
        rpassword::prompt_password("Again, to confirm: ")
            .map_err(|e| Error::io("<terminal>", e))?,
    );
    if *a != *b {
        return Err(Error::Invalid("the two passwords differ".into()).into());
    }
    Ok(a)
}

/// The demo: three users, two sites, a delta, a hold.
fn demo(vault: &Path, args: &DemoArgs, out: &Out) -> CliResult {
    const USERS: [(&str, Role); 3] = [
        ("demo-dpo", Role::Dpo),
        ("demo-staff", Role::Staff),
        ("demo-auditor", Role::Auditor),
    ];
    const PASSWORD: &str = "demo-password";
    if desk_core::vault::VaultPaths::new(vault).exists() {
        if !args.replace {
            return Err(Error::Conflict(format!(
                "{}: a vault already exists here (add --replace to replace it with a fresh demo)",
                vault.display()
            ))
            .into());
        }
        remove_vault(vault)?;
    }
    let work = tempfile::Builder::new()
        .prefix("desk-demo-")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let s = Session::create(vault, USERS[0].0, PASSWORD, now())?;
    for (name, role) in &USERS[1..] {
        s.add_user(name, *role, PASSWORD, now())?;
    }
    let gen = |site: &str,
               members: u64,
               seed: u64,
               dir: &str,
               delta_of: Option<PathBuf>,
               changes: u64| {
        let opts = GenOptions {
            site: site.into(),
            members,
            seed,
            zip: false,
            gzip: false,
            generated_at: None,
            delta_of,
            changes,
            heavy_member: None,
        };
        export_gen::generate(&opts, &work.path().join(dir), &export_gen::NoProgress)
    };
    let full = gen("netmums", args.members, 7, "netmums-1", None, 0)?;
    let delta = gen(
        "netmums",
        0,
        7,
        "netmums-2",
        Some(full.path.clone()),
        (args.members / 20).max(10),
    )?;
    let other = gen(
        "mumsnet",
        (args.members / 4).max(10),
        11,
        "mumsnet-1",
        None,
        0,
    )?;
    for p in [&full.path, &delta.path, &other.path] {
        let bar = progress::for_terminal(out);
        let r = s.sync(p, now(), bar.as_ref())?;
        drop(bar);
        out.sync_report(&r);
    }
    s.hold_set(
        "netmums",
        "m-7",
        "Police data-protection request (demo): preserve while the matter is live",
        now(),
    )?;
    // As the nightly job would after a sync: Home shows the conflicts.
    s.conflicts_check(now(), &desk_core::progress::NoProgress)?;
    out.done(
        &format!(
            "The demo vault is ready in {}.\nSign in as demo-dpo, demo-staff or demo-auditor, password: {PASSWORD}\n  export DESK_VAULT={} DESK_USER=demo-dpo DESK_PASSWORD={PASSWORD}",
            vault.display(),
            vault.display()
        ),
        json!({"vault": vault, "users": USERS.iter().map(|(n, r)| json!({"name": n, "role": r})).collect::<Vec<_>>(), "password": PASSWORD}),
    );
    Ok(())
}

/// Remove a vault directory, refusing one that holds anything but a vault.
fn remove_vault(dir: &Path) -> CliResult {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for e in entries {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let name = e.file_name();
        if !desk_core::vault::FILES.iter().any(|k| name == *k) {
            return Err(Error::Conflict(format!(
                "{}: holds files that are not part of a vault; not removing it",
                dir.display()
            ))
            .into());
        }
    }
    std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    Ok(())
}
