//! Long work off the UI thread (sync, bundles, the conflict check), with
//! progress on a Tauri channel and cancellation; revealing a file.

use crate::error::{DeskError, DeskResult};
use crate::now;
use crate::state::Desk;
use desk_core::error::ErrorCode;
use desk_core::progress::{CancelFlag, Progress, ProgressEvent};
use desk_core::sync::SyncReport;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};

/// What the UI's progress bar shows.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "Progress"))]
pub struct ProgressMsg {
    pub stage: String,
    pub total: Option<u64>,
    pub done: u64,
    /// Units per second since the stage began.
    pub rate: Option<f64>,
}

struct Current {
    stage: String,
    total: Option<u64>,
    started: Instant,
    last_sent: Option<Instant>,
}

/// A core [`Progress`] that forwards to a channel (at most ten advances a
/// second; every stage change) and reads the job's cancel flag.
pub struct ChannelProgress {
    channel: Channel<ProgressMsg>,
    flag: Arc<CancelFlag>,
    current: Mutex<Current>,
}

const MIN_INTERVAL: Duration = Duration::from_millis(100);

impl ChannelProgress {
    pub fn new(channel: Channel<ProgressMsg>, flag: Arc<CancelFlag>) -> Self {
        ChannelProgress {
            channel,
            flag,
            current: Mutex::new(Current {
                stage: String::new(),
                total: None,
                started: Instant::now(),
                last_sent: None,
            }),
        }
    }
}

impl Progress for ChannelProgress {
    fn event(&self, event: ProgressEvent) {
        let mut c = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let msg = match event {
            ProgressEvent::Stage { name, total } => {
                c.stage = name;
                c.total = total;
                c.started = Instant::now();
                c.last_sent = Some(c.started);
                ProgressMsg {
                    stage: c.stage.clone(),
                    total,
                    done: 0,
                    rate: None,
                }
            }
            ProgressEvent::Advance { done } => {
                let finished = c.total == Some(done);
                if !finished && c.last_sent.is_some_and(|t| t.elapsed() < MIN_INTERVAL) {
                    return;
                }
                c.last_sent = Some(Instant::now());
                let secs = c.started.elapsed().as_secs_f64();
                ProgressMsg {
                    stage: c.stage.clone(),
                    total: c.total,
                    done,
                    rate: (secs > 0.0).then(|| done as f64 / secs),
                }
            }
        };
        drop(c);
        let _ = self.channel.send(msg);
    }

    fn cancelled(&self) -> bool {
        self.flag.is_cancelled()
    }
}

/// Run `work` as the one long job, on a blocking thread.
pub async fn run_job<T: Send + 'static, R: Runtime>(
    app: AppHandle<R>,
    channel: Channel<ProgressMsg>,
    work: impl FnOnce(&desk_core::Session, &dyn Progress) -> desk_core::Result<T> + Send + 'static,
) -> DeskResult<T> {
    tauri::async_runtime::spawn_blocking(move || {
        let desk = app.state::<Desk>();
        let job = desk.start_job()?;
        let progress = ChannelProgress::new(channel, job.flag.clone());
        desk.run_job(&job, |s| work(s, &progress))
    })
    .await
    .map_err(|e| DeskError::new(ErrorCode::Io, format!("background work failed: {e}")))?
}

#[tauri::command]
pub async fn sync_run<R: Runtime>(
    app: AppHandle<R>,
    path: String,
    on_progress: Channel<ProgressMsg>,
) -> DeskResult<SyncReport> {
    let path = PathBuf::from(path);
    run_job(app, on_progress, move |s, p| s.sync(&path, now(), p)).await
}

#[tauri::command]
pub async fn cancel_job(desk: State<'_, Desk>) -> DeskResult<()> {
    desk.cancel_job();
    Ok(())
}

/// Open the folder holding `path` in the platform's file manager.
#[tauri::command]
pub async fn reveal_file(path: String) -> DeskResult<()> {
    let path = Path::new(&path);
    let folder = if path.is_dir() {
        path
    } else {
        path.parent().unwrap_or(Path::new("."))
    };
    if !folder.exists() {
        return Err(DeskError::new(
            ErrorCode::NotFound,
            format!("{}: no such folder", folder.display()),
        ));
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(folder)
        .spawn()
        .map(|mut child| {
            // Reap it when it exits (xdg-open returns at once).
            std::thread::spawn(move || child.wait());
        })
        .map_err(|e| DeskError::new(ErrorCode::Io, format!("{opener}: {e}")))
}
