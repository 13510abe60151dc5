//! The subject-access request register.

use crate::error::{DeskError, DeskResult};
use crate::now;
use crate::state::Desk;
use chrono::NaiveDate;
use desk_core::requests::{Request, RequestDetail, RequestFilter};
use desk_core::Error;
use tauri::State;

fn date(s: &str, what: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::Invalid(format!("{what}: not a date (YYYY-MM-DD)")))
}

#[tauri::command]
pub async fn request_list(
    desk: State<'_, Desk>,
    site: Option<String>,
    overdue_only: bool,
    open_only: bool,
) -> DeskResult<Vec<Request>> {
    let filter = RequestFilter {
        site,
        overdue_only,
        open_only,
    };
    desk.with(|s| s.request_list(&filter, now()))
}

#[tauri::command]
pub async fn request_show(desk: State<'_, Desk>, reference: String) -> DeskResult<RequestDetail> {
    desk.with(|s| s.request_show(&reference, now()))
}

#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn request_open(
    desk: State<'_, Desk>,
    site: String,
    member_id: String,
    received: String,
    channel: String,
    requester: String,
    reference: Option<String>,
    id_check_requested: bool,
) -> DeskResult<String> {
    desk.with(|s| {
        let received = date(&received, "received")?;
        s.request_open(
            &site,
            &member_id,
            received,
            &channel,
            &requester,
            reference.as_deref().filter(|r| !r.trim().is_empty()),
            id_check_requested,
            now(),
        )
    })
}

#[tauri::command]
pub async fn request_verify_identity(
    desk: State<'_, Desk>,
    reference: String,
    on: String,
) -> DeskResult<()> {
    desk.with(|s| {
        let on = date(&on, "on")?;
        s.request_verify_identity(&reference, on, now())
    })
}

#[tauri::command]
pub async fn request_pause(
    desk: State<'_, Desk>,
    reference: String,
    reason: String,
) -> DeskResult<()> {
    desk.with(|s| s.request_pause(&reference, &reason, now()))
}

#[tauri::command]
pub async fn request_resume(desk: State<'_, Desk>, reference: String) -> DeskResult<()> {
    desk.with(|s| s.request_resume(&reference, now()))
}

#[tauri::command]
pub async fn request_extend(
    desk: State<'_, Desk>,
    reference: String,
    months: u32,
    reason: String,
) -> DeskResult<()> {
    desk.with(|s| s.request_extend(&reference, months, &reason, now()))
}

#[tauri::command]
pub async fn request_close(
    desk: State<'_, Desk>,
    reference: String,
    outcome: String,
    reason: Option<String>,
) -> DeskResult<()> {
    desk.with(|s| s.request_close(&reference, &outcome, reason.as_deref(), now()))
}

#[tauri::command]
pub async fn request_export_csv(
    desk: State<'_, Desk>,
    path: String,
    force: bool,
) -> DeskResult<()> {
    let csv = desk.with(|s| s.request_register_csv(now()))?;
    write_file(&path, csv.as_bytes(), force)
}

/// Write an export the user chose a path for, as every interface does
/// (core's `write_export`). `force` replaces an existing file: the UI sets
/// it only when the user confirmed that (the native save dialog asks; a
/// typed path gets `conflict` first, then the UI asks).
pub fn write_file(path: &str, bytes: &[u8], force: bool) -> DeskResult<()> {
    if path.trim().is_empty() {
        return Err(DeskError::invalid("choose where to save the file"));
    }
    desk_core::fsutil::write_export(std::path::Path::new(path), bytes, force)
        .map_err(DeskError::from)
}
