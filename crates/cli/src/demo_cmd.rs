//! `desk gen-export` (a synthetic production export) and `desk demo` (a
//! ready vault to explore).

use crate::output::Out;
use crate::{now, progress, CliResult};
use chrono::{DateTime, Utc};
use clap::Args;
use desk_core::{Error, Role, Session};
use export_gen::{GenOptions, HeavyMember};
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct GenArgs {
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
pub struct DemoArgs {
    /// Members in the main demo site.
    #[arg(long, default_value_t = 2000)]
    members: u64,
    /// Replace an existing vault in the directory.
    #[arg(long)]
    replace: bool,
}

/// Write the export `desk gen-export` describes.
pub fn gen_export(args: GenArgs, out: &Out) -> CliResult {
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
    Ok(())
}

/// The demo: three users, two sites, a delta, a hold.
pub fn demo(vault: &Path, args: &DemoArgs, out: &Out) -> CliResult {
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
    for p in demo_exports(work.path(), args.members)? {
        let bar = progress::for_terminal(out);
        let r = s.sync(&p, now(), bar.as_ref())?;
        drop(bar);
        out.sync_report(&r);
    }
    // A DPO reviews each site's privacy facts before any bundle goes out
    // (bundles refuse the shipped default); the demo's DPO has.
    for site in ["netmums", "mumsnet"] {
        let mut f = s.privacy_facts(site, now())?;
        f.controller = format!("{site} Demo Ltd, 1 Example Street, London EC1A 1AA (demo)");
        s.privacy_facts_set(site, &f, now())?;
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

/// The demo's exports, in the order they apply: a full export of netmums
/// (`members` members), a delta on it, and a smaller full export of mumsnet.
fn demo_exports(work: &Path, members: u64) -> CliResult<Vec<PathBuf>> {
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
        export_gen::generate(&opts, &work.join(dir), &export_gen::NoProgress)
    };
    let full = gen("netmums", members, 7, "netmums-1", None, 0)?;
    let delta = gen(
        "netmums",
        0,
        7,
        "netmums-2",
        Some(full.path.clone()),
        (members / 20).max(10),
    )?;
    let other = gen("mumsnet", (members / 4).max(10), 11, "mumsnet-1", None, 0)?;
    Ok(vec![full.path, delta.path, other.path])
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
