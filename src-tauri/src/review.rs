//! Reviewed release of a request's bundle (docs/review-api.md): thin
//! commands, one core `Session` method each.

use crate::error::DeskResult;
use crate::jobs::{run_job, ProgressMsg};
use crate::now;
use crate::state::Desk;
use desk_core::bundle::{BundleMade, Encryption};
use desk_core::review::{
    Applied, DecisionInput, ItemFilter, ItemPage, PartyPage, ReleaseOptions, ReviewItem,
    ReviewSettings, ReviewSummary, Staleness, Undone,
};
use std::path::PathBuf;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

#[tauri::command]
pub async fn review_create<R: Runtime>(
    app: AppHandle<R>,
    reference: String,
    on_progress: Channel<ProgressMsg>,
) -> DeskResult<ReviewSummary> {
    run_job(app, on_progress, move |s, p| {
        s.review_create(&reference, now(), p)
    })
    .await
}

#[tauri::command]
pub async fn review_summary(desk: State<'_, Desk>, reference: String) -> DeskResult<ReviewSummary> {
    desk.with(|s| s.review_summary(&reference, now()))
}

#[tauri::command]
pub async fn review_items(
    desk: State<'_, Desk>,
    reference: String,
    filter: Option<ItemFilter>,
    offset: u32,
    limit: u32,
) -> DeskResult<ItemPage> {
    let filter = filter.unwrap_or_default();
    desk.with(|s| s.review_items(&reference, &filter, offset, limit, now()))
}

#[tauri::command]
pub async fn review_item(
    desk: State<'_, Desk>,
    reference: String,
    n: u32,
    max_proposals: Option<u32>,
) -> DeskResult<ReviewItem> {
    desk.with(|s| s.review_item(&reference, n, max_proposals, now()))
}

#[tauri::command]
pub async fn review_parties(
    desk: State<'_, Desk>,
    reference: String,
    undecided_only: bool,
    offset: u32,
    limit: u32,
) -> DeskResult<PartyPage> {
    desk.with(|s| s.review_parties(&reference, undecided_only, offset, limit, now()))
}

#[tauri::command]
pub async fn review_decide(
    desk: State<'_, Desk>,
    reference: String,
    decisions: Vec<DecisionInput>,
) -> DeskResult<Applied> {
    desk.with(|s| s.review_decide(&reference, &decisions, now()))
}

#[tauri::command]
pub async fn review_undo(desk: State<'_, Desk>, reference: String) -> DeskResult<Undone> {
    desk.with(|s| s.review_undo(&reference, now()))
}

#[tauri::command]
pub async fn review_changes(desk: State<'_, Desk>, reference: String) -> DeskResult<Staleness> {
    desk.with(|s| s.review_changes(&reference, now()))
}

#[tauri::command]
pub async fn review_submit(desk: State<'_, Desk>, reference: String) -> DeskResult<ReviewSummary> {
    desk.with(|s| s.review_submit(&reference, now()))
}

#[tauri::command]
pub async fn review_approve(desk: State<'_, Desk>, reference: String) -> DeskResult<ReviewSummary> {
    desk.with(|s| s.review_approve(&reference, now()))
}

#[tauri::command]
pub async fn review_reopen(
    desk: State<'_, Desk>,
    reference: String,
    reason: String,
) -> DeskResult<ReviewSummary> {
    desk.with(|s| s.review_reopen(&reference, &reason, now()))
}

#[tauri::command]
pub async fn review_withdraw(
    desk: State<'_, Desk>,
    reference: String,
    reason: String,
) -> DeskResult<ReviewSummary> {
    desk.with(|s| s.review_withdraw(&reference, &reason, now()))
}

#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn review_release<R: Runtime>(
    app: AppHandle<R>,
    reference: String,
    out: String,
    encrypt: bool,
    encryption: Option<Encryption>,
    allow_default_facts: Option<bool>,
    on_progress: Channel<ProgressMsg>,
) -> DeskResult<BundleMade> {
    let out = PathBuf::from(out);
    let opts = ReleaseOptions {
        encrypt,
        encryption: encryption.unwrap_or_default(),
        allow_default_facts: allow_default_facts.unwrap_or(false),
    };
    run_job(app, on_progress, move |s, p| {
        s.release(&reference, &out, &opts, now(), p)
    })
    .await
}

#[tauri::command]
pub async fn review_settings_get(
    desk: State<'_, Desk>,
    site: String,
) -> DeskResult<ReviewSettings> {
    desk.with(|s| s.review_settings(&site, now()))
}

#[tauri::command]
pub async fn review_settings_set(
    desk: State<'_, Desk>,
    site: String,
    four_eyes: bool,
) -> DeskResult<()> {
    desk.with(|s| s.review_set_settings(&site, four_eyes, now()))
}
