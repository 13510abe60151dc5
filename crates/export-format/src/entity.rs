//! The entities of the production export contract (`production-export-v1.md` §4):
//! their files, ids, member links, and field types. Every part of the desk that
//! reads, writes or stores export rows takes its schema from here.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How an entity's file is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }
}

/// The type of a field, as §4 names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Int,
    Bool,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339 with an offset.
    Ts,
    /// Any JSON value (JSONL) — free-form.
    Json,
    /// Text restricted to a fixed set of values.
    Enum(&'static [&'static str]),
    /// A JSON array of member ids (`private_messages.recipient_ids`).
    IdArray,
    /// The helpdesk `messages` array of `{from, at, body}`.
    TicketMessages,
}

/// One field the contract names.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
    pub required: bool,
}

const fn f(name: &'static str, ty: FieldType, required: bool) -> Field {
    Field { name, ty, required }
}

use FieldType::*;

const MEMBERS: &[Field] = &[
    f("member_id", Text, true),
    f("username", Text, true),
    f("first_name", Text, false),
    f("surname", Text, false),
    f("email", Text, true),
    f("email_verified", Bool, false),
    f("postcode", Text, false),
    f("location", Text, false),
    f("date_of_birth", Date, false),
    f("pregnant", Bool, false),
    f("due_date", Date, false),
    f("children_count", Int, false),
    f("blog_url", Text, false),
    f("twitter_handle", Text, false),
    f("signup_at", Ts, true),
    f("signup_ip", Text, false),
    f("last_login_at", Ts, false),
    f(
        "status",
        Enum(&["active", "suspended", "deleted", "anonymised"]),
        true,
    ),
    f("updated_at", Ts, true),
];

const CHILDREN: &[Field] = &[
    f("child_id", Text, true),
    f("member_id", Text, true),
    f("date_of_birth", Date, false),
    f("due_date", Date, false),
    f("updated_at", Ts, true),
];

const CONSENT_EVENTS: &[Field] = &[
    f("event_id", Text, true),
    f("member_id", Text, true),
    f("purpose", Text, true),
    f("action", Enum(&["granted", "withdrawn"]), true),
    f("occurred_at", Ts, true),
    f("source", Text, true),
    f("policy_version", Text, false),
    f("ip", Text, false),
    f("evidence", Json, false),
    f("tcf_string", Text, false),
];

const LOGIN_EVENTS: &[Field] = &[
    f("login_id", Text, true),
    f("member_id", Text, true),
    f("occurred_at", Ts, true),
    f("ip", Text, false),
    f("user_agent", Text, false),
    f(
        "method",
        Enum(&["password", "facebook", "google", "app"]),
        false,
    ),
];

const SOCIAL_ACCOUNTS: &[Field] = &[
    f("social_id", Text, true),
    f("member_id", Text, true),
    f("provider", Text, true),
    f("provider_user_id", Text, false),
    f("email", Text, false),
    f("linked_at", Ts, false),
    f("unlinked_at", Ts, false),
];

const POSTS: &[Field] = &[
    f("post_id", Text, true),
    f("member_id", Text, true),
    f("thread_id", Text, true),
    f("thread_title", Text, false),
    f("board", Text, false),
    f("posted_as", Text, false),
    f("posted_at", Ts, true),
    f("edited_at", Ts, false),
    f("status", Enum(&["visible", "deleted", "anonymised"]), true),
    f("body", Text, true),
];

const PRIVATE_MESSAGES: &[Field] = &[
    f("message_id", Text, true),
    f("conversation_id", Text, true),
    f(
        "conversation_type",
        Enum(&["member", "parent_supporter", "moderator"]),
        true,
    ),
    f("sender_id", Text, true),
    f("recipient_ids", IdArray, true),
    f("sent_at", Ts, true),
    f("subject", Text, false),
    f("body", Text, true),
];

const COMPETITION_ENTRIES: &[Field] = &[
    f("entry_id", Text, true),
    f("member_id", Text, true),
    f("competition_id", Text, true),
    f("competition_title", Text, false),
    f("sponsor", Text, false),
    f("entered_at", Ts, true),
    f("full_name", Text, false),
    f("postal_address", Text, false),
    f("phone", Text, false),
    f("share_with_sponsor", Bool, false),
    f("won", Bool, false),
];

const SURVEY_RESPONSES: &[Field] = &[
    f("response_id", Text, true),
    f("member_id", Text, true),
    f("survey_id", Text, true),
    f("survey_title", Text, false),
    f("provider", Text, false),
    f("submitted_at", Ts, true),
    f("answers", Json, false),
    f("share_with_partner", Bool, false),
];

const HELPDESK_TICKETS: &[Field] = &[
    f("ticket_id", Text, true),
    f("member_id", Text, false),
    f("requester_email", Text, true),
    f("subject", Text, false),
    f("opened_at", Ts, true),
    f("closed_at", Ts, false),
    f("special_category", Bool, false),
    f("messages", TicketMessages, true),
];

const NEWSLETTER_ENGAGEMENT: &[Field] = &[
    f("engagement_id", Text, true),
    f("member_id", Text, true),
    f("newsletter", Text, true),
    f("last_sent_at", Ts, false),
    f("last_opened_at", Ts, false),
    f("last_clicked_at", Ts, false),
];

const LOCAL_LISTINGS: &[Field] = &[
    f("listing_id", Text, true),
    f("member_id", Text, true),
    f("business_name", Text, false),
    f("contact_name", Text, false),
    f("phone", Text, false),
    f("address", Text, false),
    f("created_at", Ts, true),
    f("expires_at", Ts, false),
];

const REVIEWS: &[Field] = &[
    f("review_id", Text, true),
    f("member_id", Text, true),
    f(
        "target_type",
        Enum(&["listing", "product", "recipe"]),
        false,
    ),
    f("target_id", Text, false),
    f("rating", Int, false),
    f("body", Text, false),
    f("posted_at", Ts, true),
];

/// The data entities, as names they have in deletions.csv.
const DATA_ENTITY_NAMES: &[&str] = &[
    "members",
    "consent_events",
    "children",
    "login_events",
    "social_accounts",
    "posts",
    "private_messages",
    "competition_entries",
    "survey_responses",
    "helpdesk_tickets",
    "newsletter_engagement",
    "local_listings",
    "reviews",
];

const DELETIONS: &[Field] = &[
    f("entity", Enum(DATA_ENTITY_NAMES), true),
    f("id", Text, true),
    f("deleted_at", Ts, true),
];

/// An entity of the export contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Members,
    ConsentEvents,
    Children,
    LoginEvents,
    SocialAccounts,
    Posts,
    PrivateMessages,
    CompetitionEntries,
    SurveyResponses,
    HelpdeskTickets,
    NewsletterEngagement,
    LocalListings,
    Reviews,
    Deletions,
}

impl Entity {
    /// Every entity, in the order the contract lists them (members first).
    pub const ALL: [Entity; 14] = [
        Entity::Members,
        Entity::ConsentEvents,
        Entity::Children,
        Entity::LoginEvents,
        Entity::SocialAccounts,
        Entity::Posts,
        Entity::PrivateMessages,
        Entity::CompetitionEntries,
        Entity::SurveyResponses,
        Entity::HelpdeskTickets,
        Entity::NewsletterEngagement,
        Entity::LocalListings,
        Entity::Reviews,
        Entity::Deletions,
    ];

    /// The entities whose rows are stored (all but `deletions`).
    pub const DATA: [Entity; 13] = [
        Entity::Members,
        Entity::ConsentEvents,
        Entity::Children,
        Entity::LoginEvents,
        Entity::SocialAccounts,
        Entity::Posts,
        Entity::PrivateMessages,
        Entity::CompetitionEntries,
        Entity::SurveyResponses,
        Entity::HelpdeskTickets,
        Entity::NewsletterEngagement,
        Entity::LocalListings,
        Entity::Reviews,
    ];

    /// The contract's name: the manifest's `entity`, the file stem, and the
    /// vault table's name.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Members => "members",
            Entity::ConsentEvents => "consent_events",
            Entity::Children => "children",
            Entity::LoginEvents => "login_events",
            Entity::SocialAccounts => "social_accounts",
            Entity::Posts => "posts",
            Entity::PrivateMessages => "private_messages",
            Entity::CompetitionEntries => "competition_entries",
            Entity::SurveyResponses => "survey_responses",
            Entity::HelpdeskTickets => "helpdesk_tickets",
            Entity::NewsletterEngagement => "newsletter_engagement",
            Entity::LocalListings => "local_listings",
            Entity::Reviews => "reviews",
            Entity::Deletions => "deletions",
        }
    }

    pub fn from_name(name: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.name() == name)
    }

    pub fn format(self) -> Format {
        match self {
            Entity::ConsentEvents
            | Entity::Posts
            | Entity::PrivateMessages
            | Entity::SurveyResponses
            | Entity::HelpdeskTickets
            | Entity::Reviews => Format::Jsonl,
            _ => Format::Csv,
        }
    }

    /// The file name without compression, e.g. `posts.jsonl`.
    pub fn file_name(self) -> String {
        format!("{}.{}", self.name(), self.format().extension())
    }

    /// The field holding the row's id.
    pub fn id_field(self) -> &'static str {
        match self {
            Entity::Deletions => "id",
            _ => self.fields()[0].name,
        }
    }

    /// The field linking the row to the member it belongs to: `member_id`,
    /// `sender_id` for private messages, none for members and deletions.
    pub fn member_field(self) -> Option<&'static str> {
        match self {
            Entity::Members | Entity::Deletions => None,
            Entity::PrivateMessages => Some("sender_id"),
            _ => Some("member_id"),
        }
    }

    /// Whether the export must contain this entity's file.
    pub fn required(self) -> bool {
        matches!(self, Entity::Members | Entity::ConsentEvents)
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            Entity::Members => MEMBERS,
            Entity::ConsentEvents => CONSENT_EVENTS,
            Entity::Children => CHILDREN,
            Entity::LoginEvents => LOGIN_EVENTS,
            Entity::SocialAccounts => SOCIAL_ACCOUNTS,
            Entity::Posts => POSTS,
            Entity::PrivateMessages => PRIVATE_MESSAGES,
            Entity::CompetitionEntries => COMPETITION_ENTRIES,
            Entity::SurveyResponses => SURVEY_RESPONSES,
            Entity::HelpdeskTickets => HELPDESK_TICKETS,
            Entity::NewsletterEngagement => NEWSLETTER_ENGAGEMENT,
            Entity::LocalListings => LOCAL_LISTINGS,
            Entity::Reviews => REVIEWS,
            Entity::Deletions => DELETIONS,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The consent purposes in use when the contract was written (§4), in its
/// order. New ones appear without notice and are shown as they come.
pub const PURPOSES: &[&str] = &[
    "newsletter.parenting_news",
    "newsletter.pregnancy_weekly",
    "newsletter.baby_monthly",
    "newsletter.bloggers_network",
    "partner_emails",
    "market_research_contact",
    "competition.share_with_sponsor",
    "survey.share_with_partner",
    "research_panel",
    "special_category_data",
    "local_listing_offers",
    "cookies.essential",
    "cookies.preferences",
    "cookies.analytics",
    "cookies.advertising",
    "cookies.social",
    "identity_partner_sharing",
];

/// The field that must never be stored, shown or exported (§3).
pub const DROPPED_FIELD: &str = "password_hash";

/// One row read from an export, checked against its entity's schema.
///
/// `fields` holds every known and unknown field that has a value, typed
/// (`int` as a JSON number, `bool` as a JSON bool, dates and timestamps as the
/// strings given), minus `password_hash`. Fields that are "not known" (empty
/// CSV field; missing, `null` or empty-string JSON value) are absent.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub entity: Entity,
    /// The 1-based physical line where the row starts (§3).
    pub line: u64,
    pub id: String,
    /// The member the row belongs to (see [`Entity::member_field`]).
    pub member_id: Option<String>,
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl Row {
    /// For private messages: the recipient ids.
    pub fn recipient_ids(&self) -> Vec<&str> {
        match self.fields.get("recipient_ids") {
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_ids_are_first_fields() {
        for e in Entity::ALL {
            assert_eq!(Entity::from_name(e.name()), Some(e));
            assert!(e.field(e.id_field()).unwrap().required);
        }
        assert_eq!(Entity::PrivateMessages.member_field(), Some("sender_id"));
        assert_eq!(Entity::Posts.file_name(), "posts.jsonl");
        assert_eq!(Entity::Members.file_name(), "members.csv");
    }
}
