//! Progress and cancellation while generating. The generator never prints;
//! an interface passes a [`Progress`] (the `desk` CLI adapts its bar to it).

/// What generation reports as it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgressEvent {
    /// A file begins, e.g. "generating posts.jsonl"; `total` is the number
    /// of members it goes through.
    Stage { name: String, total: Option<u64> },
    /// `done` members of the current file are written (absolute).
    Advance { done: u64 },
}

/// Receives progress and may ask for the work to stop.
pub trait Progress: Send + Sync {
    fn event(&self, event: ProgressEvent);
    /// Checked between members; when true, generation stops and leaves nothing.
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
