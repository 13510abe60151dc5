//! Privacy Desk's desktop shell. Each command deserialises its arguments,
//! calls one core `Session` method and maps the error
//! (`docs/desktop-commands.md` is the contract with the UI). No business
//! logic lives here.

pub mod admin;
pub mod bundles;
pub mod disclosures;
pub mod error;
pub mod jobs;
pub mod members;
pub mod requests;
pub mod state;
pub mod vault;

use chrono::{DateTime, Utc};
use state::Desk;
use std::time::Duration;
use tauri::Manager;

pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Start the app.
pub fn run() {
    tauri::Builder::default()
        .manage(Desk::default())
        .setup(|app| {
            let handle = app.handle().clone();
            vault::sign_in_from_env(&handle, &app.state::<Desk>());
            // Lock an idle session even if the UI sends nothing.
            std::thread::spawn(move || loop {
                std::thread::sleep(Duration::from_secs(15));
                handle.state::<Desk>().lock_if_idle();
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
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
            members::member,
            members::consent,
            members::conflicts,
            members::conflicts_page,
            members::conflicts_check,
            members::hold_set,
            members::hold_lift,
            members::hold_list,
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
            bundles::privacy_facts_get,
            bundles::privacy_facts_set,
        ])
        .run(tauri::generate_context!())
        .expect("error while running Privacy Desk");
}
