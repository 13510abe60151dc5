//! Reviewed release of subject-access bundles (issue #14; the contract with
//! interfaces is `docs/review-api.md`).
//!
//! No bundle that answers a request leaves without a person's review:
//!
//! - A **draft** is made on an open request ([`Session::review_create`]):
//!   every item that would go out (the member's rows, grouped by kind,
//!   oldest first), and the **proposals** — what in them is about someone
//!   else — found by [`collect`]: the other participants of messages, other
//!   members named in any text field (by member id, username, email, phone
//!   or name), and personal-data patterns (emails, phones, postcodes,
//!   addresses) that are not the member's. Every proposal belongs to a
//!   **party** ("Member A", "Email 1", …).
//! - **Review**: a decision per party (redact with a reason, or disclose on
//!   a ground with the three-step record), overridable per proposal; span
//!   redactions; items withheld under a named exemption; the decision about
//!   every disclosure-log entry naming the member. All in `vault.db`, every
//!   action undoable and audited ([`Session::review_decide`]).
//! - **States** (draft → in review → approved → released, or withdrawn)
//!   are events on the request (`logs.db`), replayed; a site may require a
//!   second person, a dpo, to approve.
//! - **Release** ([`Session::release`]) writes the zip exactly as approved
//!   (the decisions' digest must equal the approved one, every row must be
//!   as it was when the draft was made) and records its SHA-256 on the
//!   request. A sync after the draft makes it stale.
//! - An **unreviewed** bundle (`Session::bundle`, no request) applies every
//!   proposal automatically, and says so.
//! - **Candidate items** ([`candidates`]): every item of other people's
//!   words that names the member is offered as a candidate ("What others
//!   wrote about you"), cut to the sentences about them, its author and
//!   everyone else in it proposed like any third party. A candidate is
//!   excluded unless a reviewer accepts it; an unreviewed bundle holds them
//!   only when asked (`BundleOptions::with_mentions`).
//!
//! Layout: [`rules`] (pure: normalisation, ordinary words, the finder, the
//! decision rules), [`collect`] (the two passes over a member's rows),
//! `store` (SQL), `plan` (how a bundle's rows are shaped), and the use
//! cases (`draft`, `read`, `act`, `flow`, `unreviewed`).

pub mod candidates;
pub mod collect;
pub mod rules;

mod act;
mod draft;
mod flow;
mod plan;
mod read;
mod store;
mod unreviewed;

pub use collect::{PartyKind, ProposalKind};
pub use rules::decide::{
    exemptions, Consent, DiscloseGround, Exemption, ExemptionInfo, PrejudiceGround, ThreeStep,
    ThreeStepInput, Verdict,
};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where a draft is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DraftState {
    Draft,
    InReview,
    Approved,
    Released,
    Withdrawn,
}

impl DraftState {
    pub fn name(self) -> &'static str {
        match self {
            DraftState::Draft => "draft",
            DraftState::InReview => "in_review",
            DraftState::Approved => "approved",
            DraftState::Released => "released",
            DraftState::Withdrawn => "withdrawn",
        }
    }

    /// Whether the draft is still open (not released nor withdrawn).
    pub fn open(self) -> bool {
        !matches!(self, DraftState::Released | DraftState::Withdrawn)
    }
}

/// What the signed-in user may do with the draft now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewCan {
    pub decide: bool,
    pub submit: bool,
    pub approve: bool,
    pub release: bool,
    pub reopen: bool,
    pub withdraw: bool,
}

/// Items of one kind (candidate items from mentions are the kind
/// `mentions`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ReviewKindCount"))]
pub struct KindCount {
    pub kind: String,
    pub items: u32,
    pub undecided: u32,
    pub withheld: u32,
}

/// Candidate items from mentions ("What others wrote about you") and the
/// reviewer's answers. Undecided ones are not released (they block nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CandidateCounts {
    pub items: u32,
    pub accepted: u32,
    pub declined: u32,
    pub undecided: u32,
}

/// A review event of the request (no member data).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewEvent {
    pub at: String,
    pub user: String,
    pub kind: String,
    pub detail: Value,
}

/// A draft and where its review stands.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewSummary {
    #[serde(rename = "ref")]
    pub reference: String,
    pub site: String,
    pub member_id: String,
    pub draft: u32,
    pub state: DraftState,
    pub created_at: String,
    pub created_by: String,
    pub replaces: Option<u32>,
    pub carried_over: u32,
    pub vault_sequence: i64,
    pub current_sequence: i64,
    pub stale: bool,
    pub four_eyes: bool,
    pub facts_default: bool,
    pub items: u32,
    pub items_reviewed: u32,
    pub items_withheld: u32,
    pub proposals: u32,
    pub proposals_undecided: u32,
    pub parties: u32,
    pub parties_undecided: u32,
    pub spans: u32,
    pub kinds: Vec<KindCount>,
    pub candidates: CandidateCounts,
    pub disclosures: Vec<DisclosureCheck>,
    pub blockers: Vec<String>,
    pub can: ReviewCan,
    pub events: Vec<ReviewEvent>,
}

/// Where an item comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ItemSource {
    /// The member's own row.
    Member,
    /// A candidate item: another's row that mentions the member.
    Mention,
}

/// An item withheld under an exemption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Withheld {
    pub exemption: Exemption,
    pub reason: String,
    /// Not counted in the manifest: saying so would itself prejudice.
    pub silent: bool,
    pub by: String,
    pub at: String,
}

/// An item in a list.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemSummary {
    pub n: u32,
    pub kind: String,
    pub source: ItemSource,
    pub row_id: String,
    pub bundle_id: String,
    pub at: Option<String>,
    pub preview: String,
    pub proposals: u32,
    pub undecided: u32,
    pub spans: u32,
    pub withheld: Option<Withheld>,
    pub reviewed: bool,
    /// A candidate item's answer: accepted (true), declined (false), or
    /// undecided (None: not released). Always None for the member's rows.
    pub accepted: Option<bool>,
}

/// A page of items.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemPage {
    pub total: u32,
    pub offset: u32,
    pub items: Vec<ItemSummary>,
}

/// Which items a page lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct ItemFilter {
    pub kind: Option<String>,
    /// Items with an undecided proposal, and candidate items neither
    /// accepted nor declined.
    pub undecided_only: bool,
    pub party: Option<u32>,
    pub withheld_only: bool,
}

/// A text value of a row, at its JSON Pointer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TextField {
    pub path: String,
    pub text: String,
}

/// One proposal.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Proposal {
    pub id: u64,
    pub item: u32,
    pub field: String,
    pub start: Option<u32>,
    pub end: Option<u32>,
    pub kind: ProposalKind,
    pub party: u32,
    pub replacement: String,
    pub decision: Option<Verdict>,
    pub effective: Option<Verdict>,
}

/// A reviewer's span redaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Span {
    pub id: u64,
    pub item: u32,
    pub field: String,
    pub start: u32,
    pub end: u32,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// One item, whole.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewItem {
    pub item: ItemSummary,
    pub row: Value,
    pub fields: Vec<TextField>,
    pub proposals: Vec<Proposal>,
    pub proposals_total: u32,
    pub spans: Vec<Span>,
    pub released: Vec<TextField>,
    pub released_row: Value,
    /// The third parties of the listed proposals, in order of first
    /// appearance, at most [`ITEM_PARTIES`]: the screen shows the selected
    /// proposal's third party with the item, without asking again.
    pub parties: Vec<Party>,
}

/// The most third parties one item answer carries (a message to many
/// members lists the rest in the side list).
pub const ITEM_PARTIES: usize = 20;

/// A third party.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Party {
    pub party: u32,
    pub label: String,
    pub kind: PartyKind,
    pub member_id: Option<String>,
    pub display: String,
    pub proposals: u32,
    pub items: u32,
    pub overrides: u32,
    pub decision: Option<Verdict>,
    pub three_step: Option<ThreeStep>,
}

/// A page of third parties.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartyPage {
    pub total: u32,
    pub offset: u32,
    pub parties: Vec<Party>,
}

/// A row a disclosure was triggered by, and the draft item it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TouchedItem {
    pub entity: String,
    pub id: String,
    pub item: Option<u32>,
}

/// One answer about a touched item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemAnswer {
    pub item: u32,
    pub withhold: bool,
}

/// The decision about a disclosure-log entry naming the member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DisclosureDecision {
    pub prejudice: bool,
    pub ground: Option<PrejudiceGround>,
    pub reason: String,
    pub items: Vec<ItemAnswer>,
    pub by: String,
    pub at: String,
}

/// A disclosure-log entry this draft needs a decision about.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DisclosureCheck {
    pub disclosure: String,
    pub disclosed_at: Option<String>,
    pub recipient: Option<String>,
    pub touched: Vec<TouchedItem>,
    pub decision: Option<DisclosureDecision>,
}

/// A decision, as given (one shape for single and bulk decisions).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum DecisionInput {
    /// A party's decision (None: undecided again), and its three-step record.
    Party {
        party: u32,
        verdict: Option<Verdict>,
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        three_step: Option<ThreeStepInput>,
    },
    /// One proposal's own decision (None: back to its party's).
    Proposal {
        proposal: u64,
        verdict: Option<Verdict>,
    },
    /// Redact a span of a text field.
    Span {
        item: u32,
        field: String,
        start: u32,
        end: u32,
        reason: String,
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        text: Option<String>,
    },
    /// Remove a span redaction.
    Unspan { span: u64 },
    /// Withhold a whole item under an exemption.
    Withhold {
        item: u32,
        exemption: Exemption,
        reason: String,
        #[serde(default)]
        silent: bool,
    },
    /// Include a withheld item again.
    Include { item: u32 },
    /// Mark an item reviewed (or not).
    Mark { item: u32, reviewed: bool },
    /// Accept (true: it is released) or decline (false) a candidate item
    /// from mentions; None: undecided again (not released).
    Candidate { item: u32, accept: Option<bool> },
    /// The decision about a disclosure-log entry.
    Disclosure {
        disclosure: String,
        prejudice: bool,
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        ground: Option<PrejudiceGround>,
        reason: String,
        #[serde(default)]
        items: Vec<ItemAnswer>,
    },
}

/// What a decision changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Applied {
    pub action: u32,
    pub changed: u32,
    pub summary: ReviewSummary,
}

/// What an undo undid.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Undone {
    pub action: u32,
    pub undone: String,
    pub summary: ReviewSummary,
}

/// What changed in the vault since a draft was made.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Staleness {
    pub stale: bool,
    pub draft_sequence: i64,
    pub current_sequence: i64,
    pub changed: Vec<u32>,
    pub removed: Vec<u32>,
    pub added: Vec<KindCount>,
}

/// How to release.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct ReleaseOptions {
    pub encrypt: bool,
    pub encryption: crate::bundle::Encryption,
    pub allow_default_facts: bool,
}

/// A site's review settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewSettings {
    pub site: String,
    pub four_eyes: bool,
    pub set_by: Option<String>,
    pub set_at: Option<String>,
}

/// The kind name of an entity's items ("profile" for the member row).
pub(crate) fn kind_of(e: crate::entity::Entity) -> &'static str {
    match e {
        crate::entity::Entity::Members => "profile",
        other => other.name(),
    }
}

/// The entity of a kind name.
pub(crate) fn entity_of(kind: &str) -> Option<crate::entity::Entity> {
    if kind == candidates::KIND {
        return None;
    }
    if kind == "profile" {
        return Some(crate::entity::Entity::Members);
    }
    crate::entity::Entity::from_name(kind)
}
