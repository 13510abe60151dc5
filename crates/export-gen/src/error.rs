//! The generator's errors. The messages match the desk's own (an interface
//! may show them as the core's `invalid`, `conflict`, `cancelled`, `io`).

use std::path::PathBuf;

/// Everything generating an export can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad options, or a base export the generator cannot continue.
    #[error("{0}")]
    Invalid(String),

    /// The target already exists (and is not an empty directory).
    #[error("{0}")]
    Conflict(String),

    /// The work was cancelled; nothing was left behind.
    #[error("cancelled; nothing was changed")]
    Cancelled,

    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A stable code, the same as the desk core's for the same failure.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid",
            Error::Conflict(_) => "conflict",
            Error::Cancelled => "cancelled",
            Error::Io { .. } => "io",
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
