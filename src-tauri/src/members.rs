//! Members: search (and rebuilding its index), record, consent, conflicts
//! (one member's, and the vault-wide check kept in the vault), legal holds.

use crate::error::DeskResult;
use crate::jobs::{run_job, ProgressMsg};
use crate::now;
use crate::state::Desk;
use desk_core::conflicts::{Conflict, ConflictCheck, ConflictFilter, ConflictPage, Scope};
use desk_core::consent::{parse_instant, ConsentView};
use desk_core::member::{MemberRecord, Page};
use desk_core::search::{SearchOptions, SearchResult};
use desk_core::Hold;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

#[tauri::command]
pub async fn search(
    desk: State<'_, Desk>,
    query: String,
    site: Option<String>,
    limit: Option<usize>,
) -> DeskResult<Vec<SearchResult>> {
    desk.with(|s| s.search(&query, &SearchOptions { site, limit }, now()))
}

/// Rebuild the search index with this desk's rules (when Home says it was
/// built by another version): the one long job, with progress,
/// cancellable (the old index is kept). Answers the terms indexed.
#[tauri::command]
pub async fn search_reindex<R: Runtime>(
    app: AppHandle<R>,
    on_progress: Channel<ProgressMsg>,
) -> DeskResult<u64> {
    run_job(app, on_progress, move |s, p| s.search_reindex(now(), p)).await
}

#[tauri::command]
pub async fn member(
    desk: State<'_, Desk>,
    site: String,
    member_id: String,
    page: u64,
    page_size: u64,
) -> DeskResult<MemberRecord> {
    let page = Page {
        page,
        size: (page_size > 0).then_some(page_size),
    };
    desk.with(|s| s.member(&site, &member_id, page, now()))
}

#[tauri::command]
pub async fn consent(
    desk: State<'_, Desk>,
    site: String,
    member_id: String,
    at: Option<String>,
) -> DeskResult<ConsentView> {
    desk.with(|s| {
        let at = at.as_deref().map(parse_instant).transpose()?;
        s.consent(&site, &member_id, at, now())
    })
}

#[tauri::command]
pub async fn conflicts(
    desk: State<'_, Desk>,
    site: Option<String>,
    member_id: Option<String>,
) -> DeskResult<Vec<Conflict>> {
    let scope = match (site, member_id) {
        (Some(site), Some(m)) => Scope {
            site: Some(site.clone()),
            member: Some((site, m)),
        },
        (site, _) => Scope { site, member: None },
    };
    desk.with(|s| s.conflicts(&scope, now()))
}

/// A page of the newest vault-wide check (instant).
#[tauri::command]
pub async fn conflicts_page(
    desk: State<'_, Desk>,
    filter: ConflictFilter,
) -> DeskResult<ConflictPage> {
    desk.with(|s| s.conflicts_page(&filter, now()))
}

/// Check every member again: the one long job, with progress, cancellable.
#[tauri::command]
pub async fn conflicts_check<R: Runtime>(
    app: AppHandle<R>,
    on_progress: Channel<ProgressMsg>,
) -> DeskResult<ConflictCheck> {
    run_job(app, on_progress, move |s, p| s.conflicts_check(now(), p)).await
}

#[tauri::command]
pub async fn hold_set(
    desk: State<'_, Desk>,
    site: String,
    member_id: String,
    reason: String,
) -> DeskResult<()> {
    desk.with(|s| s.hold_set(&site, &member_id, &reason, now()))
}

#[tauri::command]
pub async fn hold_lift(desk: State<'_, Desk>, site: String, member_id: String) -> DeskResult<u64> {
    desk.with(|s| s.hold_lift(&site, &member_id, now()))
}

#[tauri::command]
pub async fn hold_list(desk: State<'_, Desk>) -> DeskResult<Vec<Hold>> {
    desk.with(|s| s.hold_list(now()))
}
