//! Vault and session commands: recent vaults, native dialogs, create, sign
//! in and out, the session's info and the idle clock.

use crate::error::{DeskError, DeskResult};
use crate::now;
use crate::state::Desk;
use desk_core::error::ErrorCode;
use desk_core::Session;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Runtime, State};

/// Who is signed in where, and what they may do.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SessionInfo {
    pub user: String,
    #[cfg_attr(test, ts(as = "desk_core::Role"))]
    pub role: String,
    pub vault: String,
    /// The keys of the actions the role may do (core's roles table).
    #[cfg_attr(test, ts(as = "Vec<desk_core::Action>"))]
    pub can: Vec<&'static str>,
    /// What signing in found that the user should know (a damaged page of
    /// the logs, a failed-unlock log that shrank).
    pub warnings: Vec<String>,
}

impl SessionInfo {
    pub fn of(s: &Session) -> Self {
        SessionInfo {
            user: s.user().name.clone(),
            role: s.user().role.name().into(),
            vault: s.vault_dir().display().to_string(),
            can: s.user().role.can(),
            warnings: s.warnings().to_vec(),
        }
    }
}

/// A vault opened before: its path only (no user names, no secrets).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RecentVault {
    pub path: String,
    pub name: String,
    pub last_opened: String,
}

/// The file in the app's config directory that lists recent vaults.
pub const RECENT_FILE: &str = "recent-vaults.json";
const RECENT_MAX: usize = 10;

/// Where the list of recent vaults is kept: set once, when the app starts
/// (unset: nowhere, nothing is remembered).
#[derive(Debug, Default)]
pub struct RecentVaults(std::sync::OnceLock<PathBuf>);

impl RecentVaults {
    pub fn new(file: Option<PathBuf>) -> Self {
        let r = RecentVaults::default();
        if let Some(f) = file {
            r.set(f);
        }
        r
    }

    /// Keep the list in `file`, unless a file was already chosen.
    pub fn set(&self, file: PathBuf) {
        let _ = self.0.set(file);
    }

    pub fn file(&self) -> Option<&Path> {
        self.0.get().map(PathBuf::as_path)
    }
}

fn read_recent(path: &Path) -> Vec<RecentVault> {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Put `dir` first in the list in `file` (best effort: a failure to write
/// the list never fails a sign-in).
pub fn remember(file: &Path, dir: &Path) {
    let path = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let path_s = path.display().to_string();
    let mut list = read_recent(file);
    list.retain(|r| r.path != path_s);
    list.insert(
        0,
        RecentVault {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path_s.clone()),
            path: path_s,
            last_opened: desk_core::audit::ts(now()),
        },
    );
    list.truncate(RECENT_MAX);
    if let Some(parent) = file.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    if let Ok(json) = serde_json::to_vec_pretty(&list) {
        let _ = desk_core::fsutil::write_atomic(file, &json);
    }
}

fn remember_app(recent: &RecentVaults, dir: &Path) {
    if let Some(file) = recent.file() {
        remember(file, dir);
    }
}

#[tauri::command]
pub async fn recent_vaults(recent: State<'_, RecentVaults>) -> DeskResult<Vec<RecentVault>> {
    Ok(recent
        .file()
        .map(read_recent)
        .unwrap_or_default()
        .into_iter()
        .filter(|r| Path::new(&r.path).exists())
        .collect())
}

/// Run a blocking native dialog on the main thread (GTK wants it there) and
/// wait for its answer without blocking the main thread ourselves.
async fn dialog<R: Runtime>(
    app: &AppHandle<R>,
    f: impl FnOnce() -> Option<PathBuf> + Send + 'static,
) -> DeskResult<Option<String>> {
    let (tx, rx) = std::sync::mpsc::channel();
    app.run_on_main_thread(move || {
        let _ = tx.send(f());
    })
    .map_err(|e| DeskError::new(ErrorCode::Io, format!("could not open a dialog: {e}")))?;
    let picked = tauri::async_runtime::spawn_blocking(move || rx.recv().ok().flatten())
        .await
        .map_err(|e| DeskError::new(ErrorCode::Io, format!("dialog: {e}")))?;
    Ok(picked.map(|p| p.display().to_string()))
}

#[tauri::command]
pub async fn pick_folder<R: Runtime>(
    app: AppHandle<R>,
    title: String,
) -> DeskResult<Option<String>> {
    dialog(&app, move || {
        rfd::FileDialog::new().set_title(&title).pick_folder()
    })
    .await
}

/// An export is a folder or a `.zip`: one native dialog cannot pick both on
/// every platform, so the zip picker offers a "folder instead" answer by
/// cancelling into a folder picker.
#[tauri::command]
pub async fn pick_export<R: Runtime>(app: AppHandle<R>) -> DeskResult<Option<String>> {
    dialog(&app, || {
        rfd::FileDialog::new()
            .set_title("Choose an export (.zip) — cancel to choose a folder")
            .add_filter("Export archive", &["zip"])
            .pick_file()
            .or_else(|| {
                rfd::FileDialog::new()
                    .set_title("Choose an export folder")
                    .pick_folder()
            })
    })
    .await
}

#[tauri::command]
pub async fn pick_save<R: Runtime>(
    app: AppHandle<R>,
    title: String,
    default_name: String,
    extension: String,
) -> DeskResult<Option<String>> {
    dialog(&app, move || {
        let mut d = rfd::FileDialog::new()
            .set_title(&title)
            .set_file_name(&default_name);
        let ext = extension.trim_start_matches('.').to_string();
        if !ext.is_empty() {
            d = d.add_filter(ext.to_uppercase(), &[ext.as_str()]);
        }
        d.save_file()
    })
    .await
}

/// Key derivation is deliberately slow: run it off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, desk_core::Error> + Send + 'static,
) -> DeskResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| DeskError::new(ErrorCode::Io, format!("background work failed: {e}")))?
        .map_err(DeskError::from)
}

#[tauri::command]
pub async fn vault_create(
    recent: State<'_, RecentVaults>,
    desk: State<'_, Desk>,
    dir: String,
    admin: String,
    password: String,
) -> DeskResult<SessionInfo> {
    let path = PathBuf::from(&dir);
    let s = blocking(move || Session::create(&path, &admin, &password, now())).await?;
    let info = SessionInfo::of(&s);
    desk.set_session(s);
    remember_app(&recent, Path::new(&dir));
    Ok(info)
}

#[tauri::command]
pub async fn sign_in(
    recent: State<'_, RecentVaults>,
    desk: State<'_, Desk>,
    dir: String,
    user: String,
    password: String,
) -> DeskResult<SessionInfo> {
    let path = PathBuf::from(&dir);
    let s = blocking(move || Session::unlock(&path, &user, &password, now())).await?;
    let info = SessionInfo::of(&s);
    desk.set_session(s);
    remember_app(&recent, Path::new(&dir));
    Ok(info)
}

#[tauri::command]
pub async fn sign_out(desk: State<'_, Desk>) -> DeskResult<()> {
    desk.clear();
    Ok(())
}

#[tauri::command]
pub async fn session_info(desk: State<'_, Desk>) -> DeskResult<Option<SessionInfo>> {
    Ok(desk.info())
}

#[tauri::command]
pub async fn touch(desk: State<'_, Desk>) -> DeskResult<()> {
    desk.touch()
}

/// Demo launch: with `DESK_VAULT`, `DESK_USER` and `DESK_PASSWORD` all set,
/// sign in at start so the UI opens on Home.
pub fn sign_in_from_env(recent: &RecentVaults, desk: &Desk) {
    let (Ok(dir), Ok(user), Ok(password)) = (
        std::env::var("DESK_VAULT"),
        std::env::var("DESK_USER"),
        std::env::var("DESK_PASSWORD"),
    ) else {
        return;
    };
    match Session::unlock(Path::new(&dir), &user, &password, now()) {
        Ok(s) => {
            desk.set_session(s);
            remember_app(recent, Path::new(&dir));
        }
        Err(e) => eprintln!("privacy-desk: could not sign in from DESK_VAULT/DESK_USER: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_vaults_keep_paths_newest_first_without_duplicates() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("cfg").join(RECENT_FILE);
        let a = tmp.path().join("a");
        let b = tmp.path().join("b");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        remember(&file, &a);
        remember(&file, &b);
        remember(&file, &a);
        let list = read_recent(&file);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].name, "a");
        assert_eq!(list[1].name, "b");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("password") && !text.contains("user"));
    }
}
