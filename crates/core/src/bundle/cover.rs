//! The cover letter: `cover.html` at the top of every bundle (never
//! encrypted, so it opens even where the rest needs a passphrase or an
//! archiver) and the same text for the email that carries the bundle.
//! It holds no personal data beyond the request reference: what the bundle
//! is, which request it answers, how to open each file on Windows, macOS,
//! iPhone/iPad and Android, what was left out and why (in general terms,
//! from the manifest's redactions), and how to complain to the ICO.

use super::doc::{Doc, Span, Style};
use super::passphrase;
use super::report::{complaint, human_ts};
use crate::privacy::PrivacyFacts;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::io::Result;

/// How the bundle is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// A plain zip.
    Plain,
    /// A zip whose files (all but the cover letter) are AES-256 encrypted.
    Zip,
    /// A plain zip holding the cover letter and one AES-256 encrypted PDF.
    Pdf,
}

/// The name of the PDF in the PDF form.
pub const PDF_NAME: &str = "your-data.pdf";

/// What the letter says.
pub(crate) struct Cover<'a> {
    pub site: &'a str,
    pub request_ref: Option<&'a str>,
    pub generated_at: DateTime<Utc>,
    pub generated_by: &'a str,
    pub form: Form,
    /// (entity, field, reason) of every redaction, deduplicated.
    pub redactions: &'a Redactions<'a>,
    /// Items withheld under an exemption that the bundle may count:
    /// (the exemption in words, items).
    pub withheld: &'a [(String, u64)],
    pub facts: &'a PrivacyFacts,
}

/// The subject of the email and the title of the letter.
pub(crate) fn title(site: &str) -> String {
    format!("Your personal data from {site}")
}

pub(crate) fn write(d: &mut dyn Doc, c: &Cover) -> Result<()> {
    let title = title(c.site);
    d.begin(&title)?;
    d.heading(1, None, &title)?;
    intro(d, c)?;
    d.heading(2, None, "What is in it")?;
    contents(d, c.form)?;
    d.heading(2, None, "How to open it")?;
    how_to_open(d, c.form)?;
    d.heading(2, None, "What we left out, and why")?;
    left_out(d, c)?;
    d.heading(2, None, "Questions, and complaints")?;
    questions(d, c)?;
    d.end()
}

/// Which request the bundle answers, when it was made, and (encrypted)
/// that the passphrase comes separately.
fn intro(d: &mut dyn Doc, c: &Cover) -> Result<()> {
    let site = c.site;
    let reference = c
        .request_ref
        .map(|r| format!(", our reference {r}"))
        .unwrap_or_default();
    d.para(
        Style::Normal,
        &[Span::Text(&format!(
            "This bundle answers your request for a copy of the personal data that {site} holds about you (your right of access under Article 15 of the UK GDPR{reference}). We made it on {} (UK time).",
            human_ts(&crate::audit::ts(c.generated_at))
        ))],
    )?;
    if c.form != Form::Plain {
        d.para(
            Style::Note,
            &[Span::Text(&format!(
                "Your data is encrypted. We are sending you the passphrase separately (not in the same email). {}",
                passphrase::how_to_type()
            ))],
        )?;
    }
    Ok(())
}

/// The files of the bundle, one bullet each.
fn contents(d: &mut dyn Doc, form: Form) -> Result<()> {
    match form {
        Form::Pdf => d.bullets(&[
            vec![Span::Bold(PDF_NAME), Span::Text(": your data to read and print, and the same data as files other programs can read (JSON, and CSV for spreadsheets), attached inside the PDF.")],
            vec![Span::Bold("cover.html"), Span::Text(": this letter.")],
        ])?,
        Form::Zip | Form::Plain => d.bullets(&[
            vec![Span::Bold("report.html"), Span::Text(": your data to read and print. It opens in any web browser, on a computer or a phone.")],
            vec![Span::Bold("data"), Span::Text(" folder: the same data as files other programs can read. The .json files are exactly what we hold; the .csv files open in spreadsheets such as Excel, Numbers or Google Sheets (times in them are UTC).")],
            vec![Span::Bold("information.json"), Span::Text(": why we use your data, who we share it with, how long we keep it, and your rights (also at the end of the report).")],
            vec![Span::Bold("manifest.json"), Span::Text(": a list of every file, with a checksum, and of everything we changed to protect other people.")],
            vec![Span::Bold("cover.html"), Span::Text(": this letter.")],
        ])?,
    }
    Ok(())
}

/// How to open the bundle on each kind of computer or phone.
fn how_to_open(d: &mut dyn Doc, form: Form) -> Result<()> {
    match form {
        Form::Pdf => {
            d.para(Style::Normal, &[Span::Text("You need no extra software.")])?;
            d.bullets(&[
                vec![Span::Bold("First, open the zip file. "), Span::Text("Windows: right-click it and choose Extract All. Mac: double-click it. iPhone or iPad: tap it in the Files app. Android: open it in Files by Google and tap Extract.")],
                vec![Span::Bold(&format!("Then open {PDF_NAME}. ")), Span::Text("It asks for the passphrase. It opens in Microsoft Edge, Google Chrome, Firefox and Adobe Acrobat Reader on a computer, in Preview on a Mac, in the Files app on an iPhone or iPad, and in Google Drive or Chrome on Android.")],
                vec![Span::Bold("The data files "), Span::Text("are attachments of the PDF: Adobe Acrobat Reader (free) and Firefox show them (the paper-clip or attachments panel) and can save them.")],
            ])?;
        }
        Form::Zip => {
            d.para(
                Style::Normal,
                &[Span::Text("The files are encrypted with AES-256. The zip support built into Windows and the Mac's Archive Utility cannot open this kind of encryption: use one of these free or widely used programs, which ask for the passphrase.")],
            )?;
            d.bullets(&[
                vec![
                    Span::Bold("Windows: "),
                    Span::Text("7-Zip (7-zip.org), WinZip or WinRAR."),
                ],
                vec![
                    Span::Bold("Mac: "),
                    Span::Text("Keka or The Unarchiver (both in the App Store)."),
                ],
                vec![
                    Span::Bold("iPhone or iPad: "),
                    Span::Text("iZip (App Store)."),
                ],
                vec![
                    Span::Bold("Android: "),
                    Span::Text("ZArchiver or RAR (Google Play)."),
                ],
            ])?;
            d.para(
                Style::Normal,
                &[Span::Text("Then open report.html in your web browser.")],
            )?;
        }
        Form::Plain => {
            d.para(
                Style::Normal,
                &[Span::Text("Open the zip file with what your computer or phone already has (Windows: right-click, Extract All; Mac: double-click; iPhone or iPad: the Files app; Android: Files by Google), then open report.html in your web browser.")],
            )?;
        }
    }
    Ok(())
}

/// What the redactions and the withheld items amount to, in general terms.
fn left_out(d: &mut dyn Doc, c: &Cover) -> Result<()> {
    let withheld_heads = withheld_heads(c.withheld);
    let mut out: Vec<Vec<Span>> = redaction_bullets(c.redactions);
    for head in &withheld_heads {
        out.push(vec![Span::Bold(head), Span::Text("The law allows us not to give you this information (the exemption named); the file manifest.json counts what was withheld under each.")]);
    }
    if has(c.redactions, "password_hash", "never disclosed") {
        out.push(vec![Span::Bold("Your password's stored form. "), Span::Text("We keep only a scrambled (hashed) form of your password, which cannot be turned back into it. It is a security measure, not information about you, and is never sent out.")]);
    }
    let others = other_reasons(c.redactions);
    for r in &others {
        out.push(vec![Span::Text(r)]);
    }
    if out.is_empty() {
        return d.para(Style::Normal, &[Span::Text("We left nothing out.")]);
    }
    d.bullets(&out)?;
    let list = if c.form == Form::Pdf {
        "The attached file manifest.json"
    } else {
        "The file manifest.json"
    };
    d.para(
        Style::Normal,
        &[Span::Text(&format!(
            "{list} lists every change and the record it was made in."
        ))],
    )
}

type Redactions<'a> = BTreeSet<(&'static str, &'a str, &'a str)>;

/// Whether a field was redacted for a reason.
fn has(redactions: &Redactions, field: &str, reason: &str) -> bool {
    redactions
        .iter()
        .any(|(_, f, r)| *f == field && *r == reason)
}

/// "N items withheld: the exemption. " for each exemption.
fn withheld_heads(withheld: &[(String, u64)]) -> Vec<String> {
    withheld
        .iter()
        .map(|(label, n)| {
            let items = if *n == 1 {
                "1 item".to_string()
            } else {
                format!("{n} items")
            };
            format!("{items} withheld: {label}. ")
        })
        .collect()
}

/// One bullet for each kind of protection of other people that was used.
fn redaction_bullets(redactions: &Redactions) -> Vec<Vec<Span<'static>>> {
    let any = |f: &dyn Fn(&str, &str) -> bool| redactions.iter().any(|(e, _, r)| f(e, r));
    let third = any(&|e, r| r == "third party" && e == "private_messages");
    let elsewhere = any(&|e, r| r == "third party" && e != "private_messages");
    let patterns = any(&|_, r| r == "personal data of another person");
    let in_text = any(&|_, r| r == "third-party identifier in text");
    let mut out = Vec::new();
    if third {
        out.push(vec![Span::Bold("Other people in your private messages. "), Span::Text("Each of them is shown as \u{201c}Member A\u{201d}, \u{201c}Member B\u{201d} and so on, the same name for the same person throughout. Their names, member numbers and email addresses are left out to protect their privacy: the right of access does not extend to other people's data (UK GDPR Article 15(4), Data Protection Act 2018 Schedule 2 paragraph 16).")]);
    }
    if elsewhere {
        out.push(vec![Span::Bold("Other people elsewhere in your data. "), Span::Text("Where another member took part (a listing you reviewed, say), they are shown by the same \u{201c}Member A\u{201d}-style name, and an id that carried their member number is replaced by an id of this bundle.")]);
    }
    if in_text {
        out.push(vec![Span::Bold("Other people named in your messages and posts. "), Span::Text("Where a subject or text gave another person's username, member number, email address or name, it is replaced by the same \u{201c}Member A\u{201d}-style name.")]);
    }
    if patterns {
        out.push(vec![Span::Bold("Other people's contact details. "), Span::Text("An email address, phone number, postcode or street address of someone else in your text is replaced by a note such as [email removed].")]);
    }
    out
}

/// "Other changes, for this reason: …" for each reason the letter does not
/// explain itself, once each, in order.
fn other_reasons(redactions: &Redactions) -> Vec<String> {
    let known = |r: &str| {
        matches!(
            r,
            "third party"
                | "third-party identifier in text"
                | "personal data of another person"
                | "never disclosed"
        )
    };
    redactions
        .iter()
        .filter(|(_, _, r)| !known(r))
        .map(|(_, _, r)| format!("Other changes, for this reason: {r}."))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Whom to contact, how to complain, and who prepared the bundle.
fn questions(d: &mut dyn Doc, c: &Cover) -> Result<()> {
    d.para(
        Style::Normal,
        &[Span::Text(&format!(
            "If anything is missing or wrong, or you want to use your other rights (to have your data corrected or erased, to restrict or object to its use), contact our Data Protection Officer: {}.",
            c.facts.dpo_contact
        ))],
    )?;
    complaint(d, &c.facts.complaint)?;
    let mut by = c.facts.preparer(c.site);
    if c.facts.sign_with_staff_name {
        by.push_str(&format!(" ({})", c.generated_by));
    }
    d.para(Style::Normal, &[Span::Text(&format!("Prepared by {by}."))])
}

/// The short message that carries the passphrase (a text message or a
/// call), separately from the bundle.
pub(crate) fn passphrase_message(
    site: &str,
    request_ref: Option<&str>,
    p: &passphrase::Passphrase,
) -> String {
    let reference = request_ref.map(|r| format!(" ({r})")).unwrap_or_default();
    format!(
        "The passphrase for your {site} data bundle{reference} is: {}\n{}",
        p.grouped,
        passphrase::how_to_type()
    )
}
