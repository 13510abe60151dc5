//! Consent purposes, sources and the wording shown on forms.

/// The contract's purposes (§4), in its order.
pub const PURPOSES: &[&str] = export_format::entity::PURPOSES;

/// The contract's sources (§4), in its order.
pub const SOURCES: &[&str] = &[
    "registration",
    "profile_settings",
    "unsubscribe_link",
    "cmp",
    "helpdesk",
    "competition_entry",
    "survey",
    "inactivity_expiry",
    "legacy_import",
];

/// Wording shown on forms, by purpose index.
pub const WORDING: &[&str] = &[
    "Yes, send me the weekly parenting newsletter",
    "Send me Pregnancy Weekly emails about my baby's development",
    "Send me Baby Monthly emails as my baby grows",
    "Send me Bloggers Network news and paid opportunities",
    "I'd like to hear from carefully selected partners by email",
    "You may contact me to take part in market research",
    "Share my details with the competition sponsor so they can contact me about their products",
    "Share my answers with the survey partner",
    "Join our research panel",
    "I agree you may process the health information I choose to share",
    "Send me offers from local businesses",
    "Strictly necessary cookies",
    "Preference cookies",
    "Analytics cookies",
    "Advertising cookies",
    "Social media cookies",
    "Share my identity with sign-in partners",
];
