//! Mentions: a member in other people's words (the member screen's
//! Mentions tab), free-text search (the search screen's "Search text"
//! mode) and the optional per-site text index behind it.

use crate::error::DeskResult;
use crate::jobs::{run_job, ProgressMsg};
use crate::now;
use crate::state::Desk;
use desk_core::mentions::{MentionsPage, TextIndexSite, TextQuery, TextResults};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

#[tauri::command]
pub async fn mentions(
    desk: State<'_, Desk>,
    site: String,
    member_id: String,
    page: u64,
    page_size: u64,
) -> DeskResult<MentionsPage> {
    desk.with(|s| s.mentions(&site, &member_id, page, page_size, now()))
}

/// Whether the mentions index must be built first (a vault from before it).
#[tauri::command]
pub async fn mentions_stale(desk: State<'_, Desk>) -> DeskResult<bool> {
    desk.with(|s| s.mentions_stale(now()))
}

/// Build the mentions index from the stored rows: a long job.
#[tauri::command]
pub async fn mentions_rebuild<R: Runtime>(
    app: AppHandle<R>,
    on_progress: Channel<ProgressMsg>,
) -> DeskResult<u64> {
    run_job(app, on_progress, move |s, p| s.mentions_rebuild(now(), p)).await
}

#[tauri::command]
pub async fn text_search(desk: State<'_, Desk>, query: TextQuery) -> DeskResult<TextResults> {
    desk.with(|s| s.text_search(&query, now()))
}

#[tauri::command]
pub async fn text_index_status(desk: State<'_, Desk>) -> DeskResult<Vec<TextIndexSite>> {
    desk.with(|s| s.text_index_status(now()))
}

/// Turn a site's text index on (indexing its rows) or off: a long job.
#[tauri::command]
pub async fn text_index_set<R: Runtime>(
    app: AppHandle<R>,
    site: String,
    on: bool,
    on_progress: Channel<ProgressMsg>,
) -> DeskResult<u64> {
    run_job(app, on_progress, move |s, p| {
        s.text_index_set(&site, on, now(), p)
    })
    .await
}
