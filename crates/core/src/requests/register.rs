//! The register as CSV (`desk request export`): one row per request with
//! its computed state.

use super::Request;
use crate::error::{Error, Result};
use chrono::NaiveDate;

/// The register as CSV text.
pub(super) fn register_csv(all: &[Request]) -> Result<String> {
    // For spreadsheets, as every CSV of the desk (`crate::csvout`): a
    // byte-order mark, formula-like cells (a reference, a requester) as text.
    let mut w = crate::csvout::writer(Vec::new())
        .map_err(|e| Error::Invalid(format!("writing the register: {e}")))?;
    let io = |e: csv::Error| Error::Invalid(format!("writing the register: {e}"));
    w.write_record([
        "ref",
        "site",
        "member_id",
        "received",
        "channel",
        "requester",
        "status",
        "calendar",
        "id_check_requested",
        "identity_verified",
        "clock_started",
        "extended_months",
        "paused_days",
        "due",
        "days_left",
        "overdue",
        "outcome",
        "closed_on",
    ])
    .map_err(io)?;
    let d = |x: Option<NaiveDate>| x.map(|d| d.to_string()).unwrap_or_default();
    for r in all {
        let s = &r.state;
        let row = [
            r.reference.clone(),
            r.site.clone(),
            r.member_id.clone(),
            r.received.to_string(),
            r.channel.clone(),
            r.requester.clone(),
            s.status.clone(),
            s.calendar.clone(),
            s.id_check_requested.to_string(),
            d(s.identity_verified),
            d(s.clock_started),
            s.extended_months.to_string(),
            s.paused_days.to_string(),
            d(s.due),
            s.days_left.map(|n| n.to_string()).unwrap_or_default(),
            s.overdue.to_string(),
            s.outcome.clone().unwrap_or_default(),
            d(s.closed_on),
        ];
        w.write_record(
            row.iter()
                .map(|c| crate::csvout::neutralise(c).into_owned()),
        )
        .map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Invalid(format!("writing the register: {e}")))?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}
