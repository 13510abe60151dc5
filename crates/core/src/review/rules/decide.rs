//! The decision rules (pure): what a verdict, a three-step record, an
//! exemption and a disclosure-log decision must say. Each check adds its
//! problems to a list, so that a bulk decision reports every one at once.

use crate::problem::{Problem, Problems};
use serde::{Deserialize, Serialize};

/// Why information about another person may go to the requester.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DiscloseGround {
    /// The third party consented.
    Consented,
    /// The requester already knows it.
    KnownToRequester,
    /// Reasonable to disclose without consent (step 3).
    Reasonable,
}

/// A decision about a proposal (or all of a party's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "decide", rename_all = "snake_case")]
pub enum Verdict {
    /// Replace it (by the party's pseudonym or a placeholder).
    Redact { reason: String },
    /// Leave it in, on a ground.
    Disclose {
        ground: DiscloseGround,
        #[serde(default)]
        note: String,
    },
}

impl Verdict {
    pub fn redacts(&self) -> bool {
        matches!(self, Verdict::Redact { .. })
    }
}

/// Step 2 of the three-step test: the third party's consent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    Given,
    Refused,
    NotSought,
    CannotBeSought,
}

/// The three-step record of one third party, as given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ThreeStepInput {
    /// Step 1: is the information also about the requester?
    pub also_about_requester: bool,
    /// Step 2: has the third party consented?
    pub consent: Consent,
    /// Step 3: is it reasonable to disclose without consent?
    #[serde(default)]
    pub reasonable: Option<bool>,
    /// The factors weighed.
    #[serde(default)]
    pub note: String,
}

/// The three-step record of one third party, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ThreeStep {
    pub also_about_requester: bool,
    pub consent: Consent,
    pub reasonable: Option<bool>,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// The exemptions an item may be withheld under (UK GDPR and DPA 2018).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Exemption {
    ThirdParty,
    CrimeTaxation,
    LegalPrivilege,
    ManagementForecasts,
    Negotiations,
    ConfidentialReferences,
    Health,
    SocialWork,
    Education,
}

/// An exemption in words, for interfaces and the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExemptionInfo {
    pub key: Exemption,
    pub label: &'static str,
    pub law: &'static str,
}

impl Exemption {
    pub const ALL: [Exemption; 9] = [
        Exemption::ThirdParty,
        Exemption::CrimeTaxation,
        Exemption::LegalPrivilege,
        Exemption::ManagementForecasts,
        Exemption::Negotiations,
        Exemption::ConfidentialReferences,
        Exemption::Health,
        Exemption::SocialWork,
        Exemption::Education,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Exemption::ThirdParty => "third_party",
            Exemption::CrimeTaxation => "crime_taxation",
            Exemption::LegalPrivilege => "legal_privilege",
            Exemption::ManagementForecasts => "management_forecasts",
            Exemption::Negotiations => "negotiations",
            Exemption::ConfidentialReferences => "confidential_references",
            Exemption::Health => "health",
            Exemption::SocialWork => "social_work",
            Exemption::Education => "education",
        }
    }

    pub fn parse(s: &str) -> Option<Exemption> {
        Exemption::ALL.into_iter().find(|e| e.key() == s)
    }

    pub fn info(self) -> ExemptionInfo {
        let (label, law) = match self {
            Exemption::ThirdParty => (
                "Information about other people",
                "UK GDPR Art 15(4); DPA 2018 Sch 2 paras 16–17",
            ),
            Exemption::CrimeTaxation => ("Crime and taxation", "DPA 2018 Sch 2 para 2"),
            Exemption::LegalPrivilege => ("Legal professional privilege", "DPA 2018 Sch 2 para 19"),
            Exemption::ManagementForecasts => ("Management forecasts", "DPA 2018 Sch 2 para 22"),
            Exemption::Negotiations => {
                ("Negotiations with the requester", "DPA 2018 Sch 2 para 23")
            }
            Exemption::ConfidentialReferences => {
                ("Confidential references", "DPA 2018 Sch 2 para 24")
            }
            Exemption::Health => ("Health data (serious harm)", "DPA 2018 Sch 3 Part 2"),
            Exemption::SocialWork => ("Social work data (serious harm)", "DPA 2018 Sch 3 Part 3"),
            Exemption::Education => ("Education data (serious harm)", "DPA 2018 Sch 3 Part 4"),
        };
        ExemptionInfo {
            key: self,
            label,
            law,
        }
    }
}

/// Every exemption in words.
pub fn exemptions() -> Vec<ExemptionInfo> {
    Exemption::ALL.iter().map(|e| e.info()).collect()
}

/// What revealing a disclosure would prejudice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PrejudiceGround {
    /// The prevention or detection of crime.
    Crime,
    /// The safeguarding of a child.
    ChildSafeguarding,
}

impl PrejudiceGround {
    /// The exemption a touched item is withheld under.
    pub fn exemption(self) -> Exemption {
        match self {
            PrejudiceGround::Crime => Exemption::CrimeTaxation,
            PrejudiceGround::ChildSafeguarding => Exemption::SocialWork,
        }
    }
}

/// Longest reason or note, in characters.
pub const MAX_TEXT: usize = 2000;

fn problem(p: &mut Problems, field: &str, what: &str) {
    p.push(Problem::input(field, what));
}

/// A reason or note: required (when `required`), at most [`MAX_TEXT`].
pub fn check_text(p: &mut Problems, field: &str, text: &str, required: bool) {
    if required && text.trim().is_empty() {
        problem(p, field, "required");
    } else if text.chars().count() > MAX_TEXT {
        problem(p, field, "longer than 2,000 characters");
    }
}

/// Check a verdict; `record` is the party's three-step record (given with
/// the decision or recorded before). Problems are named under `field`.
pub fn check_verdict(
    p: &mut Problems,
    field: &str,
    v: &Verdict,
    record: Option<(bool, Consent, Option<bool>, &str)>,
) {
    match v {
        Verdict::Redact { reason } => check_text(p, &format!("{field}.reason"), reason, true),
        Verdict::Disclose { ground, note } => {
            check_text(p, &format!("{field}.note"), note, false);
            let Some((_also, consent, reasonable, rnote)) = record else {
                problem(
                    p,
                    &format!("{field}.three_step"),
                    "required to disclose: record the three steps for this third party",
                );
                return;
            };
            let noted = !note.trim().is_empty() || !rnote.trim().is_empty();
            match ground {
                DiscloseGround::Consented if consent != Consent::Given => problem(
                    p,
                    &format!("{field}.ground"),
                    "consented: the three-step record does not say consent was given",
                ),
                DiscloseGround::Reasonable if reasonable != Some(true) => problem(
                    p,
                    &format!("{field}.ground"),
                    "reasonable: the three-step record does not find it reasonable to disclose without consent",
                ),
                DiscloseGround::Reasonable | DiscloseGround::KnownToRequester if !noted => problem(
                    p,
                    &format!("{field}.note"),
                    "required: say why (the factors weighed, or how the requester knows it)",
                ),
                _ => {}
            }
        }
    }
}

/// Check a three-step record as given.
pub fn check_three_step(p: &mut Problems, field: &str, t: &ThreeStepInput) {
    check_text(p, &format!("{field}.note"), &t.note, false);
    if t.consent == Consent::Given && t.reasonable == Some(false) {
        // Consent makes step 3 moot; saying it is unreasonable contradicts it.
        problem(
            p,
            &format!("{field}.reasonable"),
            "consent was given: step 3 does not apply (leave it empty)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_need_their_grounds() {
        let mut p = Problems::default();
        check_verdict(&mut p, "d", &Verdict::Redact { reason: " ".into() }, None);
        check_verdict(
            &mut p,
            "e",
            &Verdict::Disclose {
                ground: DiscloseGround::Consented,
                note: String::new(),
            },
            None,
        );
        check_verdict(
            &mut p,
            "f",
            &Verdict::Disclose {
                ground: DiscloseGround::Consented,
                note: String::new(),
            },
            Some((true, Consent::NotSought, None, "")),
        );
        check_verdict(
            &mut p,
            "g",
            &Verdict::Disclose {
                ground: DiscloseGround::Reasonable,
                note: String::new(),
            },
            Some((true, Consent::NotSought, Some(true), "")),
        );
        let got: Vec<String> = p.items().iter().map(|x| x.field.clone()).collect();
        assert_eq!(got, ["d.reason", "e.three_step", "f.ground", "g.note"]);
        let mut ok = Problems::default();
        check_verdict(
            &mut ok,
            "h",
            &Verdict::Disclose {
                ground: DiscloseGround::Reasonable,
                note: String::new(),
            },
            Some((
                true,
                Consent::NotSought,
                Some(true),
                "her own words, quoted back",
            )),
        );
        assert!(ok.is_empty());
        assert_eq!(Exemption::parse("social_work"), Some(Exemption::SocialWork));
        assert_eq!(exemptions().len(), 9);
    }
}
