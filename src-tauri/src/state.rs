//! The app's state: at most one session, the idle clock, the running job.
//!
//! The session is shared: commands run while a long job (a sync, a bundle)
//! runs, each through the core's door with its own connections — the vault
//! itself makes them take turns or read a snapshot. Only one long job runs
//! at a time, so its progress has one place on screen.

use crate::error::{DeskError, DeskResult};
use crate::vault::SessionInfo;
use desk_core::progress::CancelFlag;
use desk_core::Session;
use std::sync::{Arc, Mutex, MutexGuard};

use std::time::{Duration, Instant};

/// The session locks itself after this long without a command.
pub const IDLE_LOCK: Duration = desk_core::contract::IDLE_LOCK;

pub struct Desk {
    session: Mutex<Option<Arc<Session>>>,
    /// Who is signed in, readable while a job holds the session.
    info: Mutex<Option<SessionInfo>>,
    last_activity: Mutex<Instant>,
    job: Mutex<Option<Arc<CancelFlag>>>,
    idle_lock: Duration,
}

impl Default for Desk {
    fn default() -> Self {
        // DESK_IDLE_LOCK_SECS shortens the idle lock for tests and demos.
        let idle_lock = std::env::var("DESK_IDLE_LOCK_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(IDLE_LOCK);
        Desk::with_idle_lock(idle_lock)
    }
}

impl Desk {
    pub fn with_idle_lock(idle_lock: Duration) -> Self {
        Desk {
            session: Mutex::new(None),
            info: Mutex::new(None),
            last_activity: Mutex::new(Instant::now()),
            job: Mutex::new(None),
            idle_lock,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The running job's cancel flag; cleared when dropped.
pub struct JobGuard<'a> {
    desk: &'a Desk,
    pub flag: Arc<CancelFlag>,
}

impl Drop for JobGuard<'_> {
    fn drop(&mut self) {
        *lock(&self.desk.job) = None;
    }
}

impl Desk {
    /// Put a fresh session in place (sign-in, create).
    pub fn set_session(&self, s: Session) {
        let info = SessionInfo::of(&s);
        *lock(&self.session) = Some(Arc::new(s));
        *lock(&self.info) = Some(info);
        *lock(&self.last_activity) = Instant::now();
    }

    /// Sign out: stop a running job (it changes nothing), drop the session.
    pub fn clear(&self) {
        self.cancel_job();
        *lock(&self.info) = None;
        *lock(&self.session) = None;
    }

    /// Who is signed in (None when locked).
    pub fn info(&self) -> Option<SessionInfo> {
        self.lock_if_idle();
        lock(&self.info).clone()
    }

    /// Drop the session if it has been idle too long (and no job runs).
    /// Returns true if it locked now.
    pub fn lock_if_idle(&self) -> bool {
        if lock(&self.job).is_some() {
            return false;
        }
        let idle = lock(&self.last_activity).elapsed() >= self.idle_lock;
        if idle {
            let mut s = lock(&self.session);
            if s.is_some() {
                *s = None;
                *lock(&self.info) = None;
                return true;
            }
        }
        false
    }

    /// User activity: reset the idle clock (if still signed in). While a
    /// job runs the desk is busy, not idle.
    pub fn touch(&self) -> DeskResult<()> {
        if lock(&self.job).is_some() {
            *lock(&self.last_activity) = Instant::now();
            return Ok(());
        }
        self.with(|_| Ok(()))
    }

    /// The session (`locked` if none, or idle too long). Counts as activity.
    fn session(&self) -> DeskResult<Arc<Session>> {
        self.lock_if_idle();
        let s = lock(&self.session).clone().ok_or_else(DeskError::locked)?;
        *lock(&self.last_activity) = Instant::now();
        Ok(s)
    }

    /// Run `f` on the session, also while a long job runs (the vault makes
    /// them take turns). Counts as activity.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&Session) -> Result<T, desk_core::Error>,
    ) -> DeskResult<T> {
        let s = self.session()?;
        Ok(f(&s)?)
    }

    /// Start a long job: refuse if one runs; the session must be open.
    pub fn start_job(&self) -> DeskResult<JobGuard<'_>> {
        self.lock_if_idle();
        if lock(&self.session).is_none() {
            return Err(DeskError::locked());
        }
        let mut job = lock(&self.job);
        if job.is_some() {
            return Err(DeskError::busy());
        }
        let flag = Arc::new(CancelFlag::default());
        *job = Some(flag.clone());
        *lock(&self.last_activity) = Instant::now();
        Ok(JobGuard { desk: self, flag })
    }

    /// Run the job's work on the session (call from the blocking thread,
    /// holding the [`JobGuard`]). Signing out meanwhile cancels the job; the
    /// work keeps the session until it has stopped.
    pub fn run_job<T>(
        &self,
        _guard: &JobGuard<'_>,
        f: impl FnOnce(&Session) -> Result<T, desk_core::Error>,
    ) -> DeskResult<T> {
        let s = lock(&self.session).clone().ok_or_else(DeskError::locked)?;
        let r = f(&s);
        *lock(&self.last_activity) = Instant::now();
        Ok(r?)
    }

    /// Ask the running job to stop. False if none runs.
    pub fn cancel_job(&self) -> bool {
        match lock(&self.job).as_ref() {
            Some(flag) => {
                flag.cancel();
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(dir: &std::path::Path) -> Session {
        desk_core::vault::keys::use_test_cost(true);
        Session::create(&dir.join("v"), "dpo", "dpo-password", chrono::Utc::now()).unwrap()
    }

    #[test]
    fn locked_without_a_session_and_after_idling() {
        let tmp = tempfile::tempdir().unwrap();
        let desk = Desk::with_idle_lock(Duration::from_millis(200));
        assert_eq!(desk.touch().unwrap_err().code, "locked");
        desk.set_session(session(tmp.path()));
        assert_eq!(desk.info().unwrap().role, "dpo");
        assert!(desk.with(|s| s.status(chrono::Utc::now())).is_ok());
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(
            desk.with(|s| s.status(chrono::Utc::now()))
                .unwrap_err()
                .code,
            "locked"
        );
        assert!(desk.info().is_none());
    }

    #[test]
    fn one_job_at_a_time_and_busy_meanwhile() {
        let tmp = tempfile::tempdir().unwrap();
        let desk = Desk::with_idle_lock(IDLE_LOCK);
        assert_eq!(desk.start_job().err().unwrap().code, "locked");
        desk.set_session(session(tmp.path()));
        let job = desk.start_job().unwrap();
        assert_eq!(desk.start_job().err().unwrap().code, "busy");
        // Other commands go on while the job runs.
        assert!(desk.with(|s| s.status(chrono::Utc::now())).is_ok());
        assert!(desk.touch().is_ok());
        assert!(desk.info().is_some(), "who is signed in stays readable");
        assert!(desk.cancel_job());
        assert!(job.flag.is_cancelled());
        drop(job);
        assert!(!desk.cancel_job());
        assert!(desk.with(|s| s.status(chrono::Utc::now())).is_ok());
    }
}
