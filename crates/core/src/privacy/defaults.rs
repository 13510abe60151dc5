//! The default facts, as data: what a large UK parenting forum's privacy
//! notice says, the starting point for a site with none stored.

use super::{
    CategoryFact, DerivedFact, DerivedValue, PrivacyFacts, PurposeFact, RecipientFact,
    RetentionFact, SourceFact, TransferFact,
};

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
}
