//! Conflicts: what the activity says against the consent record.
//!
//! - `newsletter_sent_after_withdrawal` / `newsletter_sent_without_consent`:
//!   `newsletter_engagement.last_sent_at` when its purpose
//!   (`newsletter.<name>`) was withdrawn, or never granted;
//! - `competition_shared_without_consent`: `share_with_sponsor` true without
//!   `competition.share_with_sponsor` granted at `entered_at`;
//! - `survey_shared_without_consent`: `share_with_partner` true without
//!   `survey.share_with_partner` granted at `submitted_at`;
//! - `special_category_without_consent`: a ticket flagged `special_category`
//!   without `special_category_data` granted at `opened_at`;
//! - `weak_consent_proof`: a `granted` event with no evidence or no policy
//!   version (consent the controller cannot demonstrate, Art 7(1)).

//!
//! [`scan`] finds them (streamed, member by member); [`store`] keeps the
//! newest vault-wide check and its list; [`cases`] holds the use cases.

mod cases;
mod scan;
mod store;

use serde::Serialize;

pub use scan::{conflicts_conn, scan_conn};
pub(crate) use store::last_check;

#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RowRef {
    pub entity: String,
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conflict {
    pub kind: String,
    pub site: String,
    pub member_id: String,
    /// A sentence for the DPO.
    pub description: String,
    /// The activity rows that make it.
    pub rows: Vec<RowRef>,
    /// The consent events that make it (the deciding event, if any).
    pub events: Vec<String>,
    /// The instant the activity happened.
    pub at: Option<String>,
}

/// Which members to check.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub site: Option<String>,
    pub member: Option<(String, String)>,
}

/// How many conflicts of one kind one site had at the check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictCount {
    pub site: String,
    pub kind: String,
    pub count: u64,
}

/// The newest vault-wide check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictCheck {
    pub checked_at: String,
    pub checked_by: String,
    pub total: u64,
    /// Per site and kind, sorted.
    pub counts: Vec<ConflictCount>,
    /// An export has been synced since the check: the list may be out of date.
    pub stale: bool,
}

/// Which stored conflicts to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictFilter {
    pub site: Option<String>,
    pub kind: Option<String>,
    pub offset: u64,
    /// 0 means [`DEFAULT_PAGE`]; at most [`MAX_PAGE`].
    pub limit: u64,
}

pub const DEFAULT_PAGE: u64 = 100;
pub const MAX_PAGE: u64 = 1000;

/// A page of the stored list.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictPage {
    /// None: no check has been run on this vault yet.
    pub check: Option<ConflictCheck>,
    /// Conflicts matching the filter.
    pub total: u64,
    pub offset: u64,
    pub items: Vec<Conflict>,
}
