//! Progress and cancellation for long work (sync, generation, bundles).
//! Interfaces report through a [`Progress`]; core never prints.

use std::sync::atomic::{AtomicBool, Ordering};

/// What long work reports as it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgressEvent {
    /// A stage begins, e.g. "checking member references". `total` is the
    /// amount of work in the unit of the following `Advance` events, if known.
    Stage { name: String, total: Option<u64> },
    /// `done` units of the current stage are complete (absolute, not a delta).
    Advance { done: u64 },
}

/// Receives progress and may ask for the work to stop.
pub trait Progress: Send + Sync {
    fn event(&self, event: ProgressEvent);
    /// Checked between units of work; when true the work stops and changes nothing.
    fn cancelled(&self) -> bool {
        false
    }
}

/// Progress that nobody watches.
#[derive(Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _event: ProgressEvent) {}
}

/// A cancellation flag that can be shared with another thread.
#[derive(Debug, Default)]
pub struct CancelFlag(AtomicBool);

impl CancelFlag {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
