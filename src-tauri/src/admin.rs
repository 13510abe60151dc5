//! Home and status, the audit trail, users and passwords.

use crate::error::DeskResult;
use crate::now;
use crate::requests::write_file;
use crate::state::Desk;
use desk_core::audit::{AuditEvent, AuditFilter};
use desk_core::chain::Verification;
use desk_core::contract::{audit_from, audit_to};
use desk_core::home::Home;
use desk_core::Role;
use desk_core::{Status, UserInfo};
use tauri::State;

#[tauri::command]
pub async fn home(desk: State<'_, Desk>) -> DeskResult<Home> {
    desk.with(|s| s.home(now()))
}

#[tauri::command]
pub async fn status(desk: State<'_, Desk>) -> DeskResult<Status> {
    desk.with(|s| s.status(now()))
}

#[allow(clippy::too_many_arguments)]
fn filter(
    user: Option<String>,
    action: Option<String>,
    site: Option<String>,
    member_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u64>,
) -> desk_core::Result<AuditFilter> {
    Ok(AuditFilter {
        user,
        action,
        site,
        member_id,
        from: from.as_deref().map(audit_from).transpose()?,
        to: to.as_deref().map(audit_to).transpose()?,
        limit,
    })
}

#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn audit_list(
    desk: State<'_, Desk>,
    user: Option<String>,
    action: Option<String>,
    site: Option<String>,
    member_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u64>,
) -> DeskResult<Vec<AuditEvent>> {
    desk.with(|s| {
        let f = filter(user, action, site, member_id, from, to, limit)?;
        s.audit_list(&f, now())
    })
}

#[tauri::command]
pub async fn audit_verify(
    desk: State<'_, Desk>,
    head: Option<String>,
    root: Option<String>,
) -> DeskResult<Verification> {
    desk.with(|s| s.audit_verify_with(head.as_deref(), root.as_deref(), now()))
}

#[tauri::command]
pub async fn audit_export_csv(desk: State<'_, Desk>, path: String, force: bool) -> DeskResult<()> {
    let csv = desk.with(|s| s.audit_export_csv(&AuditFilter::default(), now()))?;
    write_file(&path, csv.as_bytes(), force)
}

#[tauri::command]
pub async fn users_list(desk: State<'_, Desk>) -> DeskResult<Vec<UserInfo>> {
    desk.with(|s| s.list_users(now()))
}

#[tauri::command]
pub async fn user_add(
    desk: State<'_, Desk>,
    name: String,
    role: String,
    password: String,
) -> DeskResult<()> {
    desk.with(|s| {
        let role: Role = role.parse()?;
        s.add_user(&name, role, &password, now())
    })
}

#[tauri::command]
pub async fn user_set_role(desk: State<'_, Desk>, name: String, role: String) -> DeskResult<()> {
    desk.with(|s| {
        let role: Role = role.parse()?;
        s.set_role(&name, role, now())
    })
}

#[tauri::command]
pub async fn user_remove(desk: State<'_, Desk>, name: String, rekey: bool) -> DeskResult<()> {
    desk.with(|s| s.remove_user(&name, rekey, now()))
}

#[tauri::command]
pub async fn change_password(desk: State<'_, Desk>, password: String) -> DeskResult<()> {
    desk.with(|s| s.change_password(&password, now()))
}

#[tauri::command]
pub async fn user_confirm(
    desk: State<'_, Desk>,
    name: String,
    fingerprint: String,
) -> DeskResult<()> {
    desk.with(|s| s.confirm_user(&name, &fingerprint, now()))
}

#[tauri::command]
pub async fn vault_fingerprint(desk: State<'_, Desk>) -> DeskResult<Option<String>> {
    desk.with(|s| s.root_fingerprint(now()))
}

#[tauri::command]
pub async fn vault_check(desk: State<'_, Desk>) -> DeskResult<desk_core::audit::VaultCheck> {
    desk.with(|s| s.vault_check(now()))
}
