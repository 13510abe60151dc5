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

/// The demo: three users, two sites, deltas (one in which others write about
/// m-3), a hold, the conflict check, a disclosure, and two requests — m-3's
/// with a draft bundle in review.
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
    let mut exports = demo_exports(work.path(), args.members)?;
    // Another member writes about m-3 (the Mentions tab, the review's
    // candidate items): a small delta on top of the generated one.
    let mentions = mentions_delta(&exports[0], &work.path().join("netmums-3"))?;
    exports.insert(2, mentions);
    for p in exports {
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
    team_record(&s)?;
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

/// The team's record: a safeguarding disclosure about m-3, and two
/// subject-access requests — m-3's with a draft bundle in review (its
/// proposals, the disclosure-log decision, what others wrote about them),
/// m-5's just received.
fn team_record(s: &Session) -> CliResult {
    s.disclosure_record(&demo_disclosure(), now())?;
    let today = now().date_naive();
    let reference = s.request_open(
        "netmums",
        "m-3",
        today - chrono::Days::new(9),
        "email",
        "the member, by email from their account address",
        Some("SAR-DEMO-0001"),
        false,
        now(),
    )?;
    s.review_create(&reference, now(), &desk_core::progress::NoProgress)?;
    s.request_open(
        "netmums",
        "m-5",
        today - chrono::Days::new(2),
        "web",
        "the member, through the site's privacy form",
        Some("SAR-DEMO-0002"),
        true,
        now(),
    )?;
    Ok(())
}

/// The demo's disclosure: m-3's details to children's services.
fn demo_disclosure() -> serde_json::Value {
    json!({
        "site": "netmums", "member_ids": ["m-3"], "disclosed_at": now().to_rfc3339(),
        "recipient": {"organisation": "Leeds City Council Children's Services", "team": "Front Door (safeguarding)",
                      "officer": "J. Patel (demo)", "contact": "safeguarding@example.org"},
        "request_reference": "CS-DEMO-114", "urgent": true, "lawful_basis": "uk_gdpr_6_1_c_legal_obligation",
        "triggered_by": [], "data_categories": ["identity", "contact"], "items_disclosed": ["email", "username"],
        "necessity_and_proportionality": "A welfare concern about a child raised by the council; only contact details were shared (demo).",
        "authorised_by": "demo-dpo", "member_informed": false,
        "not_informed_reason": "Telling the member could put the child at risk while the council makes its enquiries (demo)."
    })
}

/// A delta on `full` (netmums' first export, sequence 1, and its generated
/// delta, sequence 2) in which m-2 names m-3 by `@username` and by name.
fn mentions_delta(full: &Path, dir: &Path) -> CliResult<PathBuf> {
    use sha2::{Digest, Sha256};
    let csv = std::fs::read_to_string(full.join("members.csv")).map_err(|e| Error::io(full, e))?;
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (Some(id), Some(user)) = (col("member_id"), col("username")) else {
        return Err(Error::Invalid("the demo export's members.csv has no username".into()).into());
    };
    let m3: Vec<String> = lines
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .find(|f| f.get(id).map(String::as_str) == Some("m-3"))
        .unwrap_or_default();
    let username = m3.get(user).cloned().unwrap_or_default();
    let name = match (col("first_name"), col("surname")) {
        (Some(f), Some(l)) => format!(
            "{} {}",
            m3.get(f).cloned().unwrap_or_default(),
            m3.get(l).cloned().unwrap_or_default()
        ),
        _ => String::new(),
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let at = now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let posts = [
        json!({"post_id": "demo-mention-1", "member_id": "m-2", "thread_id": "demo-t-1",
               "thread_title": "Primary school appeals", "posted_at": at, "status": "visible",
               "body": format!("Ask @{username}, her two went to Oakfield Primary and she knows the head.")}),
        json!({"post_id": "demo-mention-2", "member_id": "m-4", "thread_id": "demo-t-2",
               "thread_title": "Anyone near Roundhay?", "posted_at": at, "status": "visible",
               "body": format!("I met {} at the toddler group on Tuesday. Lovely woman. The café there does a good flat white.", name.trim())}),
    ];
    let body: String = posts.iter().map(|p| format!("{p}\n")).collect();
    let files = [
        (
            "members",
            "members.csv",
            "member_id,username,email,signup_at,status,updated_at\n".to_string(),
            0,
        ),
        ("consent_events", "consent_events.jsonl", String::new(), 0),
        ("posts", "posts.jsonl", body, posts.len()),
    ];
    let mut listed = Vec::new();
    for (entity, path, content, rows) in files {
        std::fs::write(dir.join(path), &content).map_err(|e| Error::io(dir, e))?;
        listed.push(json!({"path": path, "entity": entity, "rows": rows,
            "sha256": hex::encode(Sha256::digest(content.as_bytes()))}));
    }
    let manifest = json!({"format": "forum-export", "format_version": 1, "site": "netmums", "kind": "delta",
        "sequence": 3, "base_sequence": 2, "generated_at": at, "files": listed});
    std::fs::write(dir.join("manifest.json"), manifest.to_string())
        .map_err(|e| Error::io(dir, e))?;
    Ok(dir.to_path_buf())
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
