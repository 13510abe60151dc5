//! Subject-access bundles and privacy facts.

use crate::error::DeskResult;
use crate::jobs::{run_job, ProgressMsg};
use crate::now;
use crate::state::Desk;
use desk_core::bundle::{BundleMade, BundleOptions, Encryption};
use desk_core::privacy::PrivacyFacts;
use std::path::PathBuf;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn bundle_make<R: Runtime>(
    app: AppHandle<R>,
    site: String,
    member_id: String,
    out: String,
    reference: Option<String>,
    encrypt: bool,
    encryption: Option<Encryption>,
    allow_default_facts: Option<bool>,
    with_mentions: Option<bool>,
    on_progress: Channel<ProgressMsg>,
) -> DeskResult<BundleMade> {
    let out = PathBuf::from(out);
    // An unreviewed bundle of a member without a request; with a reference
    // core refuses it (a request's bundle is released through review).
    let opts = BundleOptions {
        reference,
        encrypt,
        encryption: encryption.unwrap_or_default(),
        allow_default_facts: allow_default_facts.unwrap_or(false),
        with_mentions: with_mentions.unwrap_or(false),
    };
    run_job(app, on_progress, move |s, p| {
        s.bundle(&site, &member_id, &out, &opts, now(), p)
    })
    .await
}

#[tauri::command]
pub async fn privacy_facts_get(desk: State<'_, Desk>, site: String) -> DeskResult<PrivacyFacts> {
    desk.with(|s| s.privacy_facts(&site, now()))
}

#[tauri::command]
pub async fn privacy_facts_set(
    desk: State<'_, Desk>,
    site: String,
    facts: PrivacyFacts,
) -> DeskResult<()> {
    desk.with(|s| s.privacy_facts_set(&site, &facts, now()))
}
