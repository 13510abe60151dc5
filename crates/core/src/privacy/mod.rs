//! A site's **privacy facts**: the supplementary information that every
//! subject-access bundle carries (UK GDPR Art 15(1)(a)–(h) and 15(2)):
//! purposes and lawful bases, categories of data, recipients, retention,
//! sources, rights, the ICO complaint route, automated decisions and
//! transfers. Kept in the vault per site (`privacy_facts`, every version in
//! `privacy_facts_history`), read by every role, changed by a DPO only.
//! A site with none starts from [`PrivacyFacts::default_for`].

//!
//! [`defaults`] holds the default facts (data), [`validate`] what makes facts
//! acceptable, [`cases`] the stored facts and the use cases.

mod cases;
mod defaults;
mod validate;

use serde::{Deserialize, Serialize};

pub(crate) use cases::facts_conn;
pub use defaults::default_derived;

/// Why a purpose is processed, and on what lawful basis (Art 15(1)(a)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PurposeFact {
    pub purpose: String,
    pub description: String,
    pub lawful_basis: String,
}

/// A category of personal data (Art 15(1)(b)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CategoryFact {
    pub category: String,
    pub description: String,
}

/// A recipient or category of recipients (Art 15(1)(c)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecipientFact {
    pub name: String,
    /// One of [`RECIPIENT_KINDS`].
    pub kind: String,
    pub purpose: String,
}

/// How long data is kept, or the criteria (Art 15(1)(d)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RetentionFact {
    pub data: String,
    pub period: String,
}

/// Where data not collected from the member comes from (Art 15(1)(g)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SourceFact {
    pub source: String,
    pub data: String,
}

/// A transfer outside the UK/EEA and its safeguard (Art 15(2)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TransferFact {
    pub destination: String,
    pub safeguard: String,
}

/// A value of a derived field and what it means.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DerivedValue {
    pub value: String,
    pub meaning: String,
}

/// A field of the member's profile that the site works out rather than
/// collects (a marketing segment, say): a profile in the sense of UK GDPR
/// Art 4(4), explained in the bundle with the right to object (Art 21).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

impl PrivacyFacts {
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
}
