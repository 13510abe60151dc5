//! The locks every process that opens a vault shares.
//!
//! - `keys.lock`: every use case holds it *shared* while it uses the vault's
//!   keys and files; a key operation (a user added or removed, a password or
//!   role changed, a rekey, a migration, finishing an interrupted one) holds
//!   it *exclusively*. These are `flock(2)` locks: they die with their
//!   process, so a killed process never leaves the vault locked.
//! - `activity/`: a process doing long or writing work leaves a note (who,
//!   what, since when), locked for as long as it lives, so that a process
//!   that has to wait can say plainly what it waits for, and so that the next
//!   unlock can tell an unfinished bundle of a dead process from one still
//!   being written.
//!
//! Waits are bounded ([`wait_bound`]); past the bound the answer is
//! [`Error::Busy`] ("the vault is busy: a sync by NAME since 02:00; try
//! again"), which always means that nothing was done.

use crate::error::{Error, Result};
use crate::vault::VaultPaths;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a process waits for another before answering "busy":
/// `DESK_BUSY_TIMEOUT_SECS`, else 30 seconds.
pub fn wait_bound() -> Duration {
    std::env::var("DESK_BUSY_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(30))
}

/// A held `keys.lock`; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct KeyLock {
    _file: File,
    /// An exclusive holder keeps the gate closed until it is done.
    _gate: Option<File>,
    pub exclusive: bool,
}

fn open_lock_file(path: &Path) -> Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|e| Error::io(path, e))
}

/// Try `attempt` until it succeeds or `bound` passes (backing off from 5 ms
/// to 200 ms between tries).
fn retry(bound: Duration, mut attempt: impl FnMut() -> Result<bool>) -> Result<bool> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        if attempt()? {
            return Ok(true);
        }
        if start.elapsed() >= bound {
            return Ok(false);
        }
        std::thread::sleep(pause.min(bound.saturating_sub(start.elapsed())));
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

fn take(file: &File, exclusive: bool, path: &Path) -> Result<bool> {
    let r = if exclusive {
        file.try_lock()
    } else {
        file.try_lock_shared()
    };
    match r {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(e)) => Err(Error::io(path, e)),
    }
}

/// Take `keys.lock` shared (every use case) or exclusive (key operations),
/// waiting up to `bound`.
///
/// A turnstile (`keys.gate`) makes it fair: a key operation first closes the
/// gate, so no new use case enters, then waits for those inside to finish;
/// a use case passes through the gate (held shared for an instant) on its
/// way in. Without it, a steady stream of short use cases, each holding the
/// lock shared, would keep a key operation waiting forever.
pub fn key_lock(paths: &VaultPaths, exclusive: bool, bound: Duration) -> Result<KeyLock> {
    let start = Instant::now();
    let left = || bound.saturating_sub(start.elapsed());
    let gate_path = paths.dir.join(KEY_GATE_FILE);
    let gate = open_lock_file(&gate_path)?;
    if !retry(bound, || take(&gate, exclusive, &gate_path))? {
        return Err(busy(paths));
    }
    let path = paths.key_lock();
    let file = open_lock_file(&path)?;
    if !retry(left(), || take(&file, exclusive, &path))? {
        return Err(busy(paths));
    }
    Ok(KeyLock {
        _file: file,
        // A use case leaves the gate open behind it.
        _gate: exclusive.then_some(gate),
        exclusive,
    })
}

/// The turnstile in front of `keys.lock`.
pub const KEY_GATE_FILE: &str = "keys.gate";

/// The busy answer, naming what the vault is busy with when it can.
pub fn busy(paths: &VaultPaths) -> Error {
    match describe(paths) {
        Some(what) => Error::Busy(what),
        None => Error::Busy("another process is using it".into()),
    }
}

/// What a note in `activity/` says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityNote {
    pub id: String,
    pub user: String,
    /// What is being done, in a few words ("a sync", "a rekey").
    pub what: String,
    pub since: String,
}

/// A live note; removed when dropped. While it exists its file is locked.
#[derive(Debug)]
pub struct Activity {
    pub id: String,
    path: PathBuf,
    _file: File,
}

impl Drop for Activity {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn random_id() -> String {
    let mut b = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    hex::encode(b)
}

/// Leave a note that `user` is doing `what` from `now` on.
pub fn announce(
    paths: &VaultPaths,
    user: &str,
    what: &str,
    now: DateTime<Utc>,
) -> Result<Activity> {
    let dir = paths.activity_dir();
    if !dir.is_dir() {
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        crate::vault::owner_only(&dir);
    }
    let id = random_id();
    let note = ActivityNote {
        id: id.clone(),
        user: user.to_string(),
        what: what.to_string(),
        since: now.to_rfc3339_opts(SecondsFormat::Secs, true),
    };
    // Written and locked under a temporary name, then renamed: a reader never
    // sees an unlocked note of a live process.
    let tmp = dir.join(format!(".{id}.tmp"));
    let mut file = open_lock_file(&tmp)?;
    file.lock().map_err(|e| Error::io(&tmp, e))?;
    let text = serde_json::to_vec(&note).map_err(|e| Error::Invalid(e.to_string()))?;
    file.write_all(&text).map_err(|e| Error::io(&tmp, e))?;
    let path = dir.join(format!("{id}.json"));
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(Activity {
        id,
        path,
        _file: file,
    })
}

/// Whether the note `id` belongs to a process that is still running.
pub fn is_live(paths: &VaultPaths, id: &str) -> bool {
    let path = paths.activity_dir().join(format!("{id}.json"));
    let Ok(file) = File::open(&path) else {
        return false;
    };
    matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock))
}

/// The live notes, oldest first. Notes of dead processes are removed.
pub fn live_notes(paths: &VaultPaths) -> Vec<ActivityNote> {
    let Ok(entries) = std::fs::read_dir(paths.activity_dir()) else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        let Ok(file) = File::open(&path) else {
            continue;
        };
        match file.try_lock() {
            // Nobody holds it: its process is gone.
            Ok(()) => {
                let _ = std::fs::remove_file(&path);
            }
            Err(TryLockError::WouldBlock) => {
                if let Ok(text) = std::fs::read(&path) {
                    if let Ok(n) = serde_json::from_slice::<ActivityNote>(&text) {
                        notes.push(n);
                    }
                }
            }
            Err(TryLockError::Error(_)) => {}
        }
    }
    notes.sort_by(|a, b| a.since.cmp(&b.since).then_with(|| a.id.cmp(&b.id)));
    notes
}

/// "a sync by NAME since 02:00 UTC" for the oldest live note, if any.
pub fn describe(paths: &VaultPaths) -> Option<String> {
    let n = live_notes(paths).into_iter().next()?;
    let since = DateTime::parse_from_rfc3339(&n.since)
        .map(|t| crate::time::clock_words(t.with_timezone(&Utc)))
        .unwrap_or(n.since);
    Some(format!("{} by {} since {}", n.what, n.user, since))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_locks_coexist_and_exclusive_waits_then_says_busy() {
        let dir = tempfile::tempdir().unwrap();
        let paths = VaultPaths::new(dir.path());
        let a = key_lock(&paths, false, Duration::ZERO).unwrap();
        let b = key_lock(&paths, false, Duration::ZERO).unwrap();
        let _note = announce(&paths, "a.khan", "a sync", Utc::now()).unwrap();
        let e = key_lock(&paths, true, Duration::from_millis(50)).unwrap_err();
        assert_eq!(e.code(), "busy");
        assert!(e.to_string().contains("a sync by a.khan since"), "{e}");
        drop((a, b));
        let x = key_lock(&paths, true, Duration::ZERO).unwrap();
        assert!(key_lock(&paths, false, Duration::from_millis(20)).is_err());
        drop(x);
        assert!(key_lock(&paths, false, Duration::ZERO).is_ok());
    }

    #[test]
    fn notes_live_with_their_holder() {
        let dir = tempfile::tempdir().unwrap();
        let paths = VaultPaths::new(dir.path());
        let note = announce(&paths, "u", "a bundle", Utc::now()).unwrap();
        assert!(is_live(&paths, &note.id));
        assert_eq!(live_notes(&paths).len(), 1);
        let id = note.id.clone();
        drop(note);
        assert!(!is_live(&paths, &id));
        assert!(live_notes(&paths).is_empty());
        assert!(describe(&paths).is_none());
    }
}
