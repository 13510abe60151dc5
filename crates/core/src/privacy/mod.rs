//! A site's **privacy facts**: the supplementary information that every
//! subject-access bundle carries (UK GDPR Art 15(1)(a)–(h) and 15(2)):
//! purposes and lawful bases, categories of data, recipients, retention,
//! sources, rights, the ICO complaint route, automated decisions and
//! transfers. Kept in the vault per site (`privacy_facts`, every version in
//! `privacy_facts_history`), read by every role, changed by a DPO only.
//! A site with none starts from [`PrivacyFacts::default_for`].

use crate::error::{Error, Result};
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Why a purpose is processed, and on what lawful basis (Art 15(1)(a)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PurposeFact {
    pub purpose: String,
    pub description: String,
    pub lawful_basis: String,
}

/// A category of personal data (Art 15(1)(b)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CategoryFact {
    pub category: String,
    pub description: String,
}

/// A recipient or category of recipients (Art 15(1)(c)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecipientFact {
    pub name: String,
    /// One of [`RECIPIENT_KINDS`].
    pub kind: String,
    pub purpose: String,
}

/// How long data is kept, or the criteria (Art 15(1)(d)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetentionFact {
    pub data: String,
    pub period: String,
}

/// Where data not collected from the member comes from (Art 15(1)(g)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceFact {
    pub source: String,
    pub data: String,
}

/// A transfer outside the UK/EEA and its safeguard (Art 15(2)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransferFact {
    pub destination: String,
    pub safeguard: String,
}

/// A value of a derived field and what it means.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DerivedValue {
    pub value: String,
    pub meaning: String,
}

/// A field of the member's profile that the site works out rather than
/// collects (a marketing segment, say): a profile in the sense of UK GDPR
/// Art 4(4), explained in the bundle with the right to object (Art 21).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DerivedFact {
    /// The profile's key, e.g. `marketing_segment`.
    pub field: String,
    /// What it is called in words.
    pub name: String,
    /// What it is, how it is worked out and what it is used for.
    pub description: String,
    pub values: Vec<DerivedValue>,
}

/// The kinds a recipient may be.
pub const RECIPIENT_KINDS: [&str; 4] = ["processor", "partner", "authority", "other"];

/// A site's privacy facts. `updated_at`/`updated_by` are set by the desk.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrivacyFacts {
    pub site: String,
    pub controller: String,
    pub dpo_contact: String,
    pub purposes: Vec<PurposeFact>,
    pub categories: Vec<CategoryFact>,
    pub recipients: Vec<RecipientFact>,
    pub retention: Vec<RetentionFact>,
    pub sources: Vec<SourceFact>,
    pub transfers: Vec<TransferFact>,
    pub automated_decisions: String,
    pub rights: String,
    pub complaint: String,
    /// Fields of the profile worked out by the site (profiling, Art 4(4)).
    pub derived: Vec<DerivedFact>,
    /// Who the bundle says prepared it; empty: "The data protection team
    /// of SITE".
    pub prepared_by: String,
    /// Whether the bundle also names the member of staff who made it.
    pub sign_with_staff_name: bool,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

const KEYS: [&str; 17] = [
    "site",
    "controller",
    "dpo_contact",
    "purposes",
    "categories",
    "recipients",
    "retention",
    "sources",
    "transfers",
    "automated_decisions",
    "rights",
    "complaint",
    "derived",
    "prepared_by",
    "sign_with_staff_name",
    "updated_at",
    "updated_by",
];

fn p(purpose: &str, description: &str, lawful_basis: &str) -> PurposeFact {
    PurposeFact {
        purpose: purpose.into(),
        description: description.into(),
        lawful_basis: lawful_basis.into(),
    }
}

fn c(category: &str, description: &str) -> CategoryFact {
    CategoryFact {
        category: category.into(),
        description: description.into(),
    }
}

fn v(value: &str, meaning: &str) -> DerivedValue {
    DerivedValue {
        value: value.into(),
        meaning: meaning.into(),
    }
}

/// The derived fields of the default facts: the export's marketing segment.
pub fn default_derived() -> Vec<DerivedFact> {
    vec![DerivedFact {
        field: "marketing_segment".into(),
        name: "Marketing segment".into(),
        description: "A group we put you in, worked out automatically from what you told us (such as a due date or your children's ages) and how you use the site and our emails. We use it to choose which newsletters, offers and partner promotions to show or send you. It is not used to make any decision with legal or similarly significant effects about you.".into(),
        values: vec![
            v("new_parent", "New parent: you told us about a baby under one year old."),
            v("expecting", "Expecting: you told us you are pregnant or gave us a due date."),
            v("school_age", "School age: your children are of school age."),
            v("lapsed", "Lapsed: you have not signed in or opened our emails for a while."),
            v("high_value", "Highly engaged: you open our emails, click on them and enter competitions more than most members, so we may show you more partner offers."),
            v("blogger", "Blogger: you told us you write a blog, so we may invite you to our Bloggers Network."),
        ],
    }]
}

fn r(name: &str, kind: &str, purpose: &str) -> RecipientFact {
    RecipientFact {
        name: name.into(),
        kind: kind.into(),
        purpose: purpose.into(),
    }
}

impl PrivacyFacts {
    /// The starting point for a site with no facts stored: what a large UK
    /// parenting forum's privacy notice says. A DPO reviews and edits it.
    pub fn default_for(site: &str) -> PrivacyFacts {
        PrivacyFacts {
            site: site.into(),
            controller: format!(
                "The company that runs the {site} forum (see the site's privacy notice for its registered name and address)"
            ),
            dpo_contact: format!("The Data Protection Officer of {site}: privacy@{site}.example, or by post to the registered address"),
            purposes: vec![
                p("Your account and the forum", "To register you, run your account, publish your posts and let you send and receive private messages.", "Contract (UK GDPR Art 6(1)(b))"),
                p("Newsletters", "To send the newsletters you asked for (for example parenting news, Pregnancy Weekly and Baby Monthly, based on the due dates and children's birth dates you gave us).", "Consent (Art 6(1)(a)); you can unsubscribe at any time"),
                p("Competitions", "To run competitions you enter, contact winners and, only if you agreed, share your entry details with the competition's sponsor.", "Contract (Art 6(1)(b)); sharing with sponsors: consent (Art 6(1)(a))"),
                p("Surveys and research panels", "To run surveys and research panels you take part in and, only if you agreed, share your answers with the partner running the research.", "Consent (Art 6(1)(a))"),
                p("Helpdesk", "To answer the questions and complaints you send to our helpdesk.", "Legitimate interests (Art 6(1)(f)); where you tell us about health or other special category data, your explicit consent (Art 9(2)(a))"),
                p("Parent supporters", "To let trained parent supporters talk to you in private messages when you ask for support.", "Legitimate interests (Art 6(1)(f)); special category data only with your explicit consent (Art 9(2)(a))"),
                p("Cookies and similar technologies", "Essential cookies to run the site; preference, analytics, advertising and social cookies only as you choose in our consent management platform. Your cookie choices are kept for 13 months, then we ask again.", "Essential: legitimate interests; all others: consent (PECR reg 6 and Art 6(1)(a))"),
                p("Location", "To show local content and listings, from the postcode you give us and an approximate location worked out from your IP address.", "Legitimate interests (Art 6(1)(f))"),
                p("Safety and moderation", "To keep the forum safe: moderate posts, prevent abuse and fraud, and protect children and people at risk.", "Legitimate interests (Art 6(1)(f)); legal obligation (Art 6(1)(c)); safeguarding (DPA 2018 Sch 1 para 18)"),
            ],
            categories: vec![
                c("Identity and contact details", "Username, name, email address, postcode and location."),
                c("Profile details", "Date of birth, whether you are pregnant and your due date, how many children you have and their birth dates, blog and social media handles."),
                c("Your content", "Posts, private messages, reviews, local listings and helpdesk messages."),
                c("Competition and survey data", "Competition entries (name, postal address, phone) and survey answers."),
                c("Technical and usage data", "Sign-ins (time, IP address, device), newsletter opens and clicks, cookie choices."),
                c("Consent records", "What you agreed to or withdrew, when, and how."),
                c("Special category data", "Health and other sensitive information, only where you chose to tell us (for example to the helpdesk or a parent supporter)."),
            ],
            recipients: vec![
                r("Hosting, email and helpdesk service providers", "processor", "Run the site, send emails and handle helpdesk tickets on our instructions"),
                r("Consent management platform", "processor", "Record your cookie choices"),
                r("Competition sponsors", "partner", "Fulfil prizes and, only with your consent, contact you"),
                r("Research partners", "partner", "Run surveys and research panels you joined, only with your consent"),
                r("Police, local authorities' children's and adult services, and regulators", "authority", "Where the law requires it or to safeguard a child or a person at risk"),
                r("Professional advisers and buyers of the business", "other", "Legal advice, audit, or a sale or merger, under confidentiality"),
            ],
            retention: vec![
                RetentionFact { data: "Your account".into(), period: "Until you delete it; accounts are deleted after 3 years without a sign-in.".into() },
                RetentionFact { data: "Forum posts".into(), period: "Posts stay on the forum as part of the conversation; when your account is deleted they are anonymised (your name removed), not deleted.".into() },
                RetentionFact { data: "Private messages".into(), period: "Deleted with your account, except where the other participants keep their copy.".into() },
                RetentionFact { data: "Cookie consent".into(), period: "13 months, then we ask again.".into() },
                RetentionFact { data: "Competition entries".into(), period: "Until the competition and any prize delivery are complete, then up to 12 months.".into() },
                RetentionFact { data: "Helpdesk tickets".into(), period: "Up to 3 years after the ticket is closed.".into() },
                RetentionFact { data: "Consent records".into(), period: "As long as we rely on the consent and for 6 years after, to show what you agreed to.".into() },
            ],
            sources: vec![
                SourceFact { source: "Your device and our servers".into(), data: "IP address, approximate location worked out from it, sign-in times and device details.".into() },
                SourceFact { source: "Social sign-in providers (Facebook, Google)".into(), data: "Your account identifier and email address with that provider, when you link it.".into() },
                SourceFact { source: "Our email service".into(), data: "Whether you opened or clicked our newsletters.".into() },
            ],
            transfers: vec![
                TransferFact { destination: "United States (service providers)".into(), safeguard: "The UK Extension to the EU-US Data Privacy Framework where the provider is certified; otherwise the UK International Data Transfer Addendum (IDTA) to the standard contractual clauses.".into() },
            ],
            automated_decisions: "We do not make decisions about you by automated means alone that have legal or similarly significant effects (UK GDPR Art 22).".into(),
            rights: "You have the right to ask for access to your data (this bundle), to have it corrected (rectification), erased, or its use restricted, to object to our use of it (including at any time to direct marketing), and to receive it in a portable form to pass to another organisation (portability). Where we rely on your consent you can withdraw it at any time, without affecting what we did before. To use any of these rights, contact our Data Protection Officer.".into(),
            complaint: "If you are unhappy with how we use your data, please tell us first. You also have the right to complain to the Information Commissioner's Office (ICO), the UK regulator: ico.org.uk/make-a-complaint, telephone 0303 123 1113.".into(),
            derived: default_derived(),
            prepared_by: String::new(),
            sign_with_staff_name: false,
            updated_at: None,
            updated_by: None,
        }
    }

    /// Parse facts given as JSON (`desk privacy set --from FILE.json`):
    /// every problem at once, unknown keys named. `updated_at`/`updated_by`
    /// are accepted (a round trip of `privacy show --json`) and ignored.
    pub fn from_json(text: &str) -> Result<PrivacyFacts> {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            Error::Invalid(format!(
                "the privacy facts were not saved: not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        let Some(obj) = v.as_object() else {
            return Err(Error::Invalid(
                "the privacy facts were not saved: they must be a JSON object".into(),
            ));
        };
        let unknown: Vec<String> = obj
            .keys()
            .filter(|k| !KEYS.contains(&k.as_str()))
            .map(|k| format!("{k}: unknown field"))
            .collect();
        if !unknown.is_empty() {
            return Err(Error::Invalid(format!(
                "the privacy facts were not saved: {}",
                unknown.join("; ")
            )));
        }
        serde_json::from_value(v).map_err(|e| {
            Error::Invalid(format!(
                "the privacy facts were not saved: {}",
                e.to_string().replace(" at line 0 column 0", "")
            ))
        })
    }

    /// Who prepared a bundle, as the bundle says it ("Prepared by …").
    pub fn preparer(&self, site: &str) -> String {
        if self.prepared_by.trim().is_empty() {
            format!("the data protection team of {site}")
        } else {
            self.prepared_by.trim().to_string()
        }
    }

    /// The explanation of a derived profile field, if the facts have one.
    pub fn derived_field(&self, field: &str) -> Option<&DerivedFact> {
        self.derived.iter().find(|d| d.field == field)
    }

    /// Every problem with these facts, each naming its field.
    pub fn problems(&self, site: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut need = |field: String, v: &str| {
            if v.trim().is_empty() {
                out.push(format!("{field}: required"));
            }
        };
        need("controller".into(), &self.controller);
        need("dpo_contact".into(), &self.dpo_contact);
        need("automated_decisions".into(), &self.automated_decisions);
        need("rights".into(), &self.rights);
        need("complaint".into(), &self.complaint);
        for (i, x) in self.purposes.iter().enumerate() {
            need(format!("purposes[{i}].purpose"), &x.purpose);
            need(format!("purposes[{i}].description"), &x.description);
            need(format!("purposes[{i}].lawful_basis"), &x.lawful_basis);
        }
        for (i, x) in self.categories.iter().enumerate() {
            need(format!("categories[{i}].category"), &x.category);
            need(format!("categories[{i}].description"), &x.description);
        }
        for (i, x) in self.recipients.iter().enumerate() {
            need(format!("recipients[{i}].name"), &x.name);
            need(format!("recipients[{i}].purpose"), &x.purpose);
        }
        for (i, x) in self.retention.iter().enumerate() {
            need(format!("retention[{i}].data"), &x.data);
            need(format!("retention[{i}].period"), &x.period);
        }
        for (i, x) in self.sources.iter().enumerate() {
            need(format!("sources[{i}].source"), &x.source);
            need(format!("sources[{i}].data"), &x.data);
        }
        for (i, x) in self.transfers.iter().enumerate() {
            need(format!("transfers[{i}].destination"), &x.destination);
            need(format!("transfers[{i}].safeguard"), &x.safeguard);
        }
        for (i, x) in self.derived.iter().enumerate() {
            need(format!("derived[{i}].field"), &x.field);
            need(format!("derived[{i}].name"), &x.name);
            need(format!("derived[{i}].description"), &x.description);
            for (j, y) in x.values.iter().enumerate() {
                need(format!("derived[{i}].values[{j}].value"), &y.value);
                need(format!("derived[{i}].values[{j}].meaning"), &y.meaning);
            }
        }
        for (i, x) in self.recipients.iter().enumerate() {
            if !RECIPIENT_KINDS.contains(&x.kind.as_str()) {
                out.push(format!(
                    "recipients[{i}].kind: must be one of {}",
                    RECIPIENT_KINDS.join(", ")
                ));
            }
        }
        for (field, empty) in [
            ("purposes", self.purposes.is_empty()),
            ("categories", self.categories.is_empty()),
            ("recipients", self.recipients.is_empty()),
            ("retention", self.retention.is_empty()),
        ] {
            if empty {
                out.push(format!("{field}: at least one is required"));
            }
        }
        if !self.site.is_empty() && self.site != site {
            out.push("site: names another site".into());
        }
        out
    }
}

/// The stored facts of a site, or the default (no role check, no audit).
pub(crate) fn facts_conn(conn: &rusqlite::Connection, site: &str) -> Result<PrivacyFacts> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT content, updated_at, updated_by FROM privacy_facts WHERE site = ?1",
            [site],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match row {
        None => Ok(PrivacyFacts::default_for(site)),
        Some((content, at, by)) => {
            let damaged =
                || Error::Invalid(format!("the stored privacy facts of {site} are damaged"));
            let raw: Value = serde_json::from_str(&content).map_err(|_| damaged())?;
            let mut f: PrivacyFacts = serde_json::from_value(raw.clone()).map_err(|_| damaged())?;
            // Facts stored before derived fields were known explain the
            // default ones until a DPO sets their own.
            if raw.get("derived").is_none() {
                f.derived = default_derived();
            }
            f.site = site.into();
            f.updated_at = Some(at);
            f.updated_by = Some(by);
            Ok(f)
        }
    }
}

impl Session {
    /// A site's privacy facts: the stored ones, or the default for a site
    /// with none (`updated_at` is then `None`). Every role may read them.
    pub fn privacy_facts(&self, site: &str, now: DateTime<Utc>) -> Result<PrivacyFacts> {
        let op = Op::quiet(Action::ReadPrivacyFacts).on(Some(site), None);
        self.door(op, now, |tx| facts_conn(tx.logs, site))
    }

    /// Replace a site's privacy facts (dpo). Every problem is reported at
    /// once and nothing changes; the previous version stays in the history.
    pub fn privacy_facts_set(
        &self,
        site: &str,
        facts: &PrivacyFacts,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let op = Op::logs(Action::PrivacyFacts, "privacy_facts_set").on(Some(site), None);
        self.door(op, now, |tx| {
            if site.trim().is_empty() {
                return Err(Error::Invalid("a site name is required".into()));
            }
            let problems = facts.problems(site);
            if !problems.is_empty() {
                tx.detail(json!({"problems": problems.len()}));
                return Err(Error::Invalid(format!(
                    "the privacy facts were not saved: {}",
                    problems.join("; ")
                )));
            }
            let mut stored = facts.clone();
            stored.site = site.into();
            stored.updated_at = None;
            stored.updated_by = None;
            let content = serde_json::to_string(&stored)
                .map_err(|e| Error::Invalid(format!("privacy facts: {e}")))?;
            let at = crate::trail::ts(now);
            let user = tx.user.name.clone();
            tx.logs.execute(
                "INSERT INTO privacy_facts (site, content, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (site) DO UPDATE SET content = ?2, updated_at = ?3, updated_by = ?4",
                params![site, content, at, user],
            )?;
            tx.logs.execute(
                "INSERT INTO privacy_facts_history (site, content, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)",
                params![site, content, at, user],
            )?;
            let version: i64 = tx.logs.query_row(
                "SELECT count(*) FROM privacy_facts_history WHERE site = ?1",
                [site],
                |r| r.get(0),
            )?;
            tx.detail(json!({"version": version}));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_valid_and_complete() {
        let f = PrivacyFacts::default_for("netmums");
        assert!(
            f.problems("netmums").is_empty(),
            "{:?}",
            f.problems("netmums")
        );
        assert!(f.complaint.contains("0303 123 1113"));
        assert!(f.retention.iter().any(|r| r.period.contains("3 years")));
    }

    #[test]
    fn problems_are_all_named() {
        let mut f = PrivacyFacts::default_for("netmums");
        f.controller = " ".into();
        f.recipients[0].kind = "friend".into();
        f.purposes.clear();
        let p = f.problems("netmums");
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(PrivacyFacts::from_json(r#"{"controler": "x"}"#).is_err());
    }
}
