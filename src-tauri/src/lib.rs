//! Privacy Desk's desktop shell. Each command deserialises its arguments,
//! calls one core `Session` method and maps the error to core's error body
//! (`docs/desktop-commands.md` is the contract with the UI). No business
//! logic lives here.
//!
//! [`configure`] sets up a Tauri builder of any runtime: [`run`] uses the
//! real one; the tests build the same app on Tauri's mock runtime and call
//! its commands through the IPC, permissions included.

pub mod admin;
pub mod bundles;
pub mod commands;
pub mod disclosures;
pub mod error;
pub mod jobs;
pub mod members;
pub mod mentions;
pub mod requests;
pub mod review;
pub mod state;
pub mod vault;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use state::Desk;
use std::path::PathBuf;
use std::time::Duration;
use tauri::{Manager, Runtime};
use vault::{RecentVaults, RECENT_FILE};

pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

/// The handler, and (for the tests) the names it handles, from one list.
macro_rules! handler {
    ($($module:ident :: $command:ident),* $(,)?) => {
        /// Every command the handler knows, by name.
        #[cfg(test)]
        pub(crate) const HANDLED: &[&str] = &[$(stringify!($command)),*];

        fn invoke_handler<R: Runtime>(
        ) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($module::$command),*]
        }
    };
}

handler![
    vault::recent_vaults,
    vault::pick_folder,
    vault::pick_export,
    vault::pick_save,
    vault::vault_create,
    vault::sign_in,
    vault::sign_out,
    vault::session_info,
    vault::touch,
    admin::home,
    admin::status,
    jobs::sync_run,
    jobs::cancel_job,
    jobs::reveal_file,
    bundles::bundle_make,
    members::search,
    members::search_reindex,
    members::member,
    members::consent,
    members::conflicts,
    members::conflicts_page,
    members::conflicts_check,
    members::hold_set,
    members::hold_lift,
    members::hold_list,
    mentions::mentions,
    mentions::mentions_stale,
    mentions::mentions_rebuild,
    mentions::text_search,
    mentions::text_index_status,
    mentions::text_index_set,
    requests::request_list,
    requests::request_show,
    requests::request_open,
    requests::request_verify_identity,
    requests::request_pause,
    requests::request_resume,
    requests::request_extend,
    requests::request_close,
    requests::request_export_csv,
    disclosures::disclosure_list,
    disclosures::disclosure_show,
    disclosures::disclosure_record,
    disclosures::disclosure_amend,
    disclosures::disclosure_review,
    disclosures::disclosure_verify,
    disclosures::disclosure_export_csv,
    disclosures::disclosure_export_report,
    admin::audit_list,
    admin::audit_verify,
    admin::audit_export_csv,
    admin::users_list,
    admin::user_add,
    admin::user_set_role,
    admin::user_remove,
    admin::change_password,
    admin::user_confirm,
    admin::vault_fingerprint,
    admin::vault_check,
    bundles::privacy_facts_get,
    bundles::privacy_facts_set,
    review::review_create,
    review::review_summary,
    review::review_items,
    review::review_item,
    review::review_parties,
    review::review_decide,
    review::review_undo,
    review::review_changes,
    review::review_submit,
    review::review_approve,
    review::review_reopen,
    review::review_withdraw,
    review::review_release,
    review::review_settings_get,
    review::review_settings_set,
];

/// What the app starts with.
#[derive(Default)]
pub struct Options {
    /// The session state (the idle limit: `DESK_IDLE_LOCK_SECS`, else core's).
    pub desk: Desk,
    /// Where recent vaults are listed; None: `recent-vaults.json` in the
    /// app's config directory.
    pub recent_file: Option<PathBuf>,
    /// Sign in from `DESK_VAULT`, `DESK_USER` and `DESK_PASSWORD` at start
    /// (the demo).
    pub sign_in_from_env: bool,
}

/// The app on `builder`: its state, its start-up and its commands.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, opts: Options) -> tauri::Builder<R> {
    let Options {
        desk,
        recent_file,
        sign_in_from_env,
    } = opts;
    builder
        .manage(desk)
        .manage(RecentVaults::new(recent_file))
        // At start (not on the mock runtime: the tests run no event loop).
        .setup(move |app| {
            let recent = app.state::<RecentVaults>();
            if let Ok(dir) = app.path().app_config_dir() {
                recent.set(dir.join(RECENT_FILE));
            }
            if sign_in_from_env {
                vault::sign_in_from_env(&recent, &app.state::<Desk>());
            }
            // Lock an idle session even if the UI sends nothing.
            let handle = app.handle().clone();
            std::thread::spawn(move || loop {
                std::thread::sleep(Duration::from_secs(15));
                handle.state::<Desk>().lock_if_idle();
            });
            Ok(())
        })
        .invoke_handler(invoke_handler())
}

/// The app's configuration, embedded UI and permissions (`tauri.conf.json`,
/// `ui/dist`, `capabilities/`).
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Start the app.
pub fn run() {
    let opts = Options {
        sign_in_from_env: true,
        ..Options::default()
    };
    configure(tauri::Builder::default(), opts)
        .run(context())
        .expect("error while running Privacy Desk");
}
