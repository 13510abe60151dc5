//! The whole member record: profile (unknown fields included), status, hold,
//! provenance, and every entity's rows, paged per entity so that a member
//! with hundreds of thousands of posts opens at once.
//!
//! Each row is its stored fields plus `_export_sequence` (the export that
//! last wrote it) and, for a held member's row that production deleted,
//! `_deleted_in_production` (`{sequence, at}`). Pages follow the order the
//! rows were first stored (export order), through the (site, member_id) index.
//!
//! [`profile`] reads the member row (and the disclosures about the member),
//! [`rows`] every entity's page of rows.

mod profile;
mod rows;

use crate::consent::member_exists;
use crate::error::Result;
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Which page of each entity's rows to return. `None` size: everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// 1-based.
    pub page: u64,
    pub size: Option<u64>,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            page: 1,
            size: Some(DEFAULT_PAGE_SIZE),
        }
    }
}

pub const DEFAULT_PAGE_SIZE: u64 = 100;

impl Page {
    pub fn all() -> Page {
        Page {
            page: 1,
            size: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HoldInfo {
    pub reason: String,
    pub set_at: String,
    pub set_by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MemberRecord {
    pub site: String,
    pub member_id: String,
    pub held: bool,
    pub hold: Option<HoldInfo>,
    pub status: Option<String>,
    /// Every stored field of the member row, unknown ones included.
    pub profile: Map<String, Value>,
    /// Which export last wrote the member row, and whether production deleted it.
    pub provenance: Value,
    /// Entity name → the rows on this page.
    #[cfg_attr(
        feature = "ts",
        ts(as = "std::collections::HashMap<String, Vec<Map<String, Value>>>")
    )]
    pub rows: Map<String, Value>,
    /// Entity name → how many rows there are in all.
    #[cfg_attr(feature = "ts", ts(as = "std::collections::HashMap<String, u64>"))]
    pub totals: Map<String, Value>,
    pub page: u64,
    pub page_size: Option<u64>,
    /// The safeguarding disclosures about this member, oldest first.
    pub disclosures: Vec<DisclosureSummary>,
}

/// A disclosure about a member, as its latest amendment says.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DisclosureSummary {
    pub id: String,
    pub disclosed_at: Option<String>,
    pub recipient: Option<String>,
    pub lawful_basis: Option<String>,
    pub amended: bool,
}

/// The record from `conn` (`vault.db`) and `logs` (the disclosures about
/// the member), in the caller's transactions (no role check, no audit).
pub fn record_conn(
    conn: &Connection,
    logs: &Connection,
    site: &str,
    member_id: &str,
    page: Page,
) -> Result<MemberRecord> {
    member_exists(conn, site, member_id)?;
    let p = profile::read(conn, site, member_id)?;
    let (rows, totals) = rows::entity_rows(conn, site, member_id, &p.fields, page)?;
    Ok(MemberRecord {
        site: site.into(),
        member_id: member_id.into(),
        held: p.hold.is_some(),
        hold: p.hold,
        status: p.status,
        profile: p.fields,
        provenance: p.provenance,
        rows,
        totals,
        page: page.page.max(1),
        page_size: page.size,
        disclosures: profile::disclosures_about(logs, site, member_id)?,
    })
}

impl Session {
    /// Open a member's whole record (one page of each entity's rows), read
    /// from one snapshot of the vault.
    pub fn member(
        &self,
        site: &str,
        member_id: &str,
        page: Page,
        now: DateTime<Utc>,
    ) -> Result<MemberRecord> {
        let op = Op::logs(Action::ReadMembers, "member_view").on(Some(site), Some(member_id));
        self.door(op, now, |tx| {
            tx.detail(json!({"page": page.page, "page_size": page.size}));
            record_conn(tx.data()?, tx.logs, site, member_id, page)
        })
    }
}
