//! The disclosure log.

use crate::error::DeskResult;
use crate::now;
use crate::requests::write_file;
use crate::state::Desk;
use desk_core::chain::Verification;
use desk_core::disclosure::{Disclosure, Recorded};
use serde_json::Value;
use tauri::State;

#[tauri::command]
pub async fn disclosure_list(desk: State<'_, Desk>) -> DeskResult<Vec<Disclosure>> {
    desk.with(|s| s.disclosure_list(now()))
}

#[tauri::command]
pub async fn disclosure_show(desk: State<'_, Desk>, id: String) -> DeskResult<Disclosure> {
    desk.with(|s| s.disclosure_show(&id, now()))
}

#[tauri::command]
pub async fn disclosure_record(desk: State<'_, Desk>, input: Value) -> DeskResult<Recorded> {
    desk.with(|s| s.disclosure_record(&input, now()))
}

#[tauri::command]
pub async fn disclosure_amend(
    desk: State<'_, Desk>,
    id: String,
    input: Value,
) -> DeskResult<Recorded> {
    desk.with(|s| s.disclosure_amend(&id, &input, now()))
}

#[tauri::command]
pub async fn disclosure_review(
    desk: State<'_, Desk>,
    id: String,
    note: String,
) -> DeskResult<String> {
    desk.with(|s| s.disclosure_review(&id, &note, now()))
}

#[tauri::command]
pub async fn disclosure_verify(
    desk: State<'_, Desk>,
    head: Option<String>,
    root: Option<String>,
) -> DeskResult<Verification> {
    desk.with(|s| s.disclosure_verify_with(head.as_deref(), root.as_deref(), now()))
}

#[tauri::command]
pub async fn disclosure_export_csv(
    desk: State<'_, Desk>,
    path: String,
    force: bool,
) -> DeskResult<()> {
    let csv = desk.with(|s| s.disclosure_export_csv(now()))?;
    write_file(&path, csv.as_bytes(), force)
}

#[tauri::command]
pub async fn disclosure_export_report(
    desk: State<'_, Desk>,
    path: String,
    force: bool,
) -> DeskResult<()> {
    let html = desk.with(|s| s.disclosure_report_html(now()))?;
    write_file(&path, html.as_bytes(), force)
}
