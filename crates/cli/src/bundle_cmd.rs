//! `desk bundle …`, `desk bundle-batch …` and `desk privacy …`: subject-access
//! bundles and the privacy facts they carry.

use crate::output::{thousands, Out};
use crate::signin::sign_in;
use crate::{now, progress, CliError, CliResult};
use clap::{Args, Subcommand};
use desk_core::bundle::{BundleMade, BundleOptions, Encryption};
use desk_core::privacy::PrivacyFacts;
use desk_core::{Error, Session};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct BundleArgs {
    pub site: String,
    pub member_id: String,
    /// Where to write the bundle (never replaces an existing file).
    #[arg(long, value_name = "FILE.zip")]
    pub out: PathBuf,
    /// Refused: a request's bundle is released after review (`desk review
    /// REF --create`, then `desk release REF`).
    #[arg(long = "ref", value_name = "REF", hide = true)]
    pub reference: Option<String>,
    /// Encrypt with AES-256 under a generated passphrase, shown once.
    #[arg(long)]
    pub encrypt: bool,
    /// How to encrypt (implies --encrypt): pdf, one encrypted PDF that
    /// opens with no extra software (the default); zip, an AES-256 zip for
    /// 7-Zip and other archivers.
    #[arg(long, value_name = "pdf|zip", value_parser = parse_encryption)]
    pub encrypt_as: Option<Encryption>,
    /// Also print the cover letter's text, for the email that carries the bundle.
    #[arg(long)]
    pub letter: bool,
    /// Make it even though the site's privacy facts are still the shipped
    /// default (the manifest records who did).
    #[arg(long)]
    pub allow_default_facts: bool,
    /// Also hold what others wrote about the member (candidate items from
    /// mentions, cut to the sentences about them, other people replaced
    /// automatically; the manifest lists them as not reviewed).
    #[arg(long)]
    pub with_mentions: bool,
}

pub(crate) fn parse_encryption(s: &str) -> Result<Encryption, String> {
    match s {
        "pdf" => Ok(Encryption::Pdf),
        "zip" => Ok(Encryption::Zip),
        _ => Err("pdf or zip".into()),
    }
}

#[derive(Args, Debug)]
pub struct BatchArgs {
    /// A CSV file with a header naming `site` and `member_id` (and optionally `ref`).
    #[arg(
        long,
        value_name = "FILE.csv",
        conflicts_with = "members",
        required_unless_present = "members"
    )]
    pub from: Option<PathBuf>,
    /// Members as SITE:ID, comma-separated.
    #[arg(long, value_name = "SITE:ID,...", value_delimiter = ',')]
    pub members: Vec<String>,
    /// The directory for the bundles, one SITE-MEMBER_ID.zip each.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Encrypt each bundle under its own generated passphrase.
    #[arg(long)]
    pub encrypt: bool,
    /// How to encrypt (implies --encrypt): pdf (the default) or zip.
    #[arg(long, value_name = "pdf|zip", value_parser = parse_encryption)]
    pub encrypt_as: Option<Encryption>,
    /// Make them even though a site's privacy facts are still the shipped default.
    #[arg(long)]
    pub allow_default_facts: bool,
}

#[derive(Subcommand, Debug)]
pub enum PrivacyCmd {
    /// A site's privacy facts (the default for a site with none stored).
    Show { site: String },
    /// Replace a site's privacy facts (dpo) from a JSON file shaped like `show --json`.
    Set {
        site: String,
        #[arg(long, value_name = "FILE.json")]
        from: PathBuf,
    },
}

const SEPARATE_CHANNEL: &str =
    "Send the passphrase to the member by a separate channel (a phone call or text), never with the bundle.";

/// What every unreviewed bundle says.
pub const UNREVIEWED: &str = "Not reviewed by a person: every other person found in the data was redacted automatically. A request's bundle is reviewed and released with desk review REF / desk release REF.";

pub(crate) fn form_words(form: &str) -> &'static str {
    match form {
        "pdf-aes256" => "an encrypted PDF (AES-256) in a zip: opens with no extra software",
        "zip-aes256" => "an AES-256 zip: the member needs 7-Zip or another archiver that reads it",
        _ => "a zip, not encrypted",
    }
}

fn print_passphrase(made: &BundleMade, indent: &str) {
    if let (Some(p), Some(g)) = (&made.passphrase, &made.passphrase_grouped) {
        println!("{indent}Passphrase (shown once, stored nowhere): {g}");
        println!(
            "{indent}  typed exactly as {p} (lower case, no spaces); {} bits",
            made.passphrase_bits.unwrap_or(0)
        );
    }
}

pub(crate) fn print_made(out: &Out, made: &BundleMade, letter: bool, reviewed: bool) {
    if out.json {
        let mut v = json!(made);
        v["reviewed"] = json!(reviewed);
        if !reviewed {
            v["note"] = json!(UNREVIEWED);
        }
        out.json_only(v);
        return;
    }
    println!("Wrote {}", made.path.display());
    println!("  sha256  {}", made.sha256);
    println!(
        "  rows    {} in {} files ({} bytes)",
        thousands(made.rows),
        made.files,
        thousands(made.bytes)
    );
    println!("  form    {}", form_words(&made.form));
    if let Some(r) = &made.request_ref {
        println!("  request {r} (recorded on the request)");
    }
    if !reviewed {
        println!("  {UNREVIEWED}");
    }
    if made.passphrase.is_some() {
        print_passphrase(made, "");
        println!("{SEPARATE_CHANNEL}");
    }
    if letter {
        println!("\nSubject: {}\n\n{}", made.letter_subject, made.letter);
        if let Some(m) = &made.passphrase_message {
            println!("\n--- the passphrase, by a separate channel ---\n{m}");
        }
    }
}

pub fn bundle(vault: &Path, a: BundleArgs, out: &Out) -> CliResult {
    let s = sign_in(vault)?;
    let opts = BundleOptions {
        reference: a.reference,
        encrypt: a.encrypt || a.encrypt_as.is_some(),
        encryption: a.encrypt_as.unwrap_or_default(),
        allow_default_facts: a.allow_default_facts,
        with_mentions: a.with_mentions,
    };
    let bar = progress::for_terminal(out);
    let made = s.bundle(&a.site, &a.member_id, &a.out, &opts, now(), bar.as_ref());
    drop(bar);
    print_made(out, &made?, a.letter, false);
    Ok(())
}

/// One line of a batch.
struct Item {
    site: String,
    member_id: String,
    reference: Option<String>,
}

fn items_from_csv(path: &Path) -> CliResult<Vec<Item>> {
    let mut r = csv::Reader::from_path(path)
        .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    let headers = r
        .headers()
        .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(site), Some(member)) = (col("site"), col("member_id")) else {
        return Err(CliError::Usage(format!(
            "{}: the header must name the columns site and member_id (and optionally ref)",
            path.display()
        )));
    };
    let reference = col("ref");
    let mut items = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        let get = |c: usize| rec.get(c).map(str::trim).unwrap_or("").to_string();
        let (s, m) = (get(site), get(member));
        if s.is_empty() || m.is_empty() {
            return Err(Error::Invalid(format!(
                "{}:{}: site and member_id are required",
                path.display(),
                i + 2
            ))
            .into());
        }
        items.push(Item {
            site: s,
            member_id: m,
            reference: reference.map(get).filter(|r| !r.is_empty()),
        });
    }
    Ok(items)
}

/// A file name from site and member id: letters, digits, `-`, `_`, `.`.
fn file_name(site: &str, member: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "{}-{}.zip",
        clean(site),
        clean(member).trim_start_matches('.')
    )
}

/// Returns false when any bundle failed (the summary has been printed).
pub fn batch(vault: &Path, a: BatchArgs, out: &Out) -> CliResult<bool> {
    let items = batch_items(&a)?;
    if items.is_empty() {
        return Err(CliError::Usage("no members to bundle".into()));
    }
    if !a.out_dir.is_dir() {
        return Err(Error::NotFound(format!("{}: no such directory", a.out_dir.display())).into());
    }
    let s: Session = sign_in(vault)?;
    let mut results: Vec<Value> = Vec::new();
    let mut failed = 0usize;
    for it in &items {
        let (ok, result) = batch_one(&s, &a, it, out)?;
        if !ok {
            failed += 1;
        }
        results.push(result);
    }
    let made = items.len() - failed;
    if out.json {
        out.json_only(json!({"made": made, "failed": failed, "results": results,
                             "reviewed": false, "note": UNREVIEWED}));
    } else {
        println!("{made} bundle(s) made, {failed} failed.");
        if made > 0 {
            println!("{UNREVIEWED}");
        }
        if (a.encrypt || a.encrypt_as.is_some()) && made > 0 {
            println!("{SEPARATE_CHANNEL}");
        }
    }
    if failed > 0 {
        eprintln!("desk: {failed} of {} bundle(s) failed", items.len());
    }
    Ok(failed == 0)
}

/// The batch's members: from the CSV file, or `--members SITE:ID,…`.
fn batch_items(a: &BatchArgs) -> CliResult<Vec<Item>> {
    if let Some(path) = &a.from {
        return items_from_csv(path);
    }
    let mut items = Vec::new();
    for m in &a.members {
        let Some((site, id)) = m
            .split_once(':')
            .filter(|(s, i)| !s.is_empty() && !i.is_empty())
        else {
            return Err(CliError::Usage(format!(
                "--members takes SITE:ID,SITE:ID,…; {m:?} is not SITE:ID"
            )));
        };
        items.push(Item {
            site: site.into(),
            member_id: id.into(),
            reference: None,
        });
    }
    Ok(items)
}

/// Make one bundle of a batch: whether it was made, and its result (the
/// bundle made, or the error). A role refusal, the same for every member,
/// stops the batch.
fn batch_one(s: &Session, a: &BatchArgs, it: &Item, out: &Out) -> CliResult<(bool, Value)> {
    let path = a.out_dir.join(file_name(&it.site, &it.member_id));
    let opts = BundleOptions {
        reference: it.reference.clone(),
        encrypt: a.encrypt || a.encrypt_as.is_some(),
        encryption: a.encrypt_as.unwrap_or_default(),
        allow_default_facts: a.allow_default_facts,
        with_mentions: false,
    };
    let bar = progress::for_terminal(out);
    let r = s.bundle(&it.site, &it.member_id, &path, &opts, now(), bar.as_ref());
    drop(bar);
    match r {
        Ok(made) => {
            if !out.json {
                println!(
                    "ok      {}:{}  {}  {} rows  sha256 {}",
                    it.site,
                    it.member_id,
                    made.path.display(),
                    thousands(made.rows),
                    made.sha256
                );
                if let (Some(p), Some(g)) = (&made.passphrase, &made.passphrase_grouped) {
                    println!("        passphrase (shown once): {g}  (typed as {p})");
                }
            }
            let mut v = json!(made);
            v["site"] = json!(it.site);
            v["member_id"] = json!(it.member_id);
            v["ok"] = json!(true);
            Ok((true, v))
        }
        Err(Error::Forbidden { role, action }) => {
            // A role refusal is the same for every member: stop here.
            Err(Error::Forbidden { role, action }.into())
        }
        Err(e) => {
            if !out.json {
                println!("FAILED  {}:{}  {e}", it.site, it.member_id);
            }
            Ok((
                false,
                json!({"site": it.site, "member_id": it.member_id, "ok": false,
                       "error": e.body()}),
            ))
        }
    }
}

fn print_facts(out: &Out, f: &PrivacyFacts) {
    if out.json {
        out.json_only(json!(f));
        return;
    }
    println!("Privacy facts of {}", f.site);
    match (&f.updated_at, &f.updated_by) {
        (Some(at), Some(by)) => println!("  last set {at} by {by}"),
        _ => println!("  the default (never set for this site): review it and set your own with `desk privacy set`"),
    }
    println!("Controller: {}", f.controller);
    println!("DPO: {}", f.dpo_contact);
    println!("Purposes:");
    for p in &f.purposes {
        println!("  - {}: {} [{}]", p.purpose, p.description, p.lawful_basis);
    }
    println!("Categories:");
    for c in &f.categories {
        println!("  - {}: {}", c.category, c.description);
    }
    println!("Recipients:");
    for r in &f.recipients {
        println!("  - {} ({}): {}", r.name, r.kind, r.purpose);
    }
    println!("Retention:");
    for r in &f.retention {
        println!("  - {}: {}", r.data, r.period);
    }
    println!("Sources:");
    for s in &f.sources {
        println!("  - {}: {}", s.source, s.data);
    }
    println!("Transfers:");
    for t in &f.transfers {
        println!("  - {}: {}", t.destination, t.safeguard);
    }
    println!("Automated decisions: {}", f.automated_decisions);
    println!(
        "Worked out about members (profiling, explained in each bundle with the right to object):"
    );
    for d in &f.derived {
        println!("  - {} ({}): {}", d.name, d.field, d.description);
        for v in &d.values {
            println!("      {}: {}", v.value, v.meaning);
        }
    }
    println!(
        "Bundles say: Prepared by {}{}",
        f.preparer(&f.site),
        if f.sign_with_staff_name {
            " (and the staff member's name)"
        } else {
            ""
        }
    );
    println!("Rights: {}", f.rights);
    println!("Complaint: {}", f.complaint);
}

pub fn privacy(vault: &Path, cmd: PrivacyCmd, out: &Out) -> CliResult {
    let s = sign_in(vault)?;
    match cmd {
        PrivacyCmd::Show { site } => print_facts(out, &s.privacy_facts(&site, now())?),
        PrivacyCmd::Set { site, from } => {
            s.authorize(desk_core::Action::PrivacyFacts, now(), Some(&site), None)?;
            let text = desk_core::fsutil::read_json_input(&from)?.to_string();
            let facts = PrivacyFacts::from_json(&text)?;
            s.privacy_facts_set(&site, &facts, now())?;
            out.done(
                &format!("Saved the privacy facts of {site}."),
                json!({"site": site, "saved": true}),
            );
        }
    }
    Ok(())
}
