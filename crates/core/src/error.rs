//! The core's errors. Messages carry context (file, line, field, which vault)
//! but never member data: a problem says what is wrong with a value, not what
//! the value is.

use crate::problem::Problems;
use std::path::PathBuf;

/// Everything a core operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Wrong user name or wrong password: one message for both (§1).
    #[error("wrong user name or password")]
    BadCredentials,

    /// The signed-in user's role does not allow the action (§2).
    #[error("the {role} role does not allow this: {action}")]
    Forbidden { role: String, action: String },

    /// An export was refused; nothing was changed.
    #[error("the export was refused ({} problem(s)); nothing was changed", .0.total())]
    Refused(Problems),

    /// An export's sequence does not fit the site's history (§5).
    #[error("the export was refused: {0}; nothing was changed")]
    OutOfSequence(String),

    /// Bad input from the user (an argument, a name, a value).
    #[error("{0}")]
    Invalid(String),

    /// Something named does not exist (a user, a member, a site, …).
    #[error("{0}")]
    NotFound(String),

    /// Something already exists (a user name, a vault).
    #[error("{0}")]
    Conflict(String),

    /// The work was cancelled before it changed anything.
    #[error("cancelled; nothing was changed")]
    Cancelled,

    /// The vault directory is not a vault, or is damaged.
    #[error("{path}: {what}")]
    BadVault { path: PathBuf, what: String },

    /// The vault was written by a newer version of the desk.
    #[error("this vault has schema version {found}, newer than this desk understands ({supported}); use a newer desk")]
    NewerVault { found: i64, supported: i64 },

    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The encrypted database failed.
    #[error("vault database: {0}")]
    Db(#[from] rusqlite::Error),

    /// A cryptographic operation failed (not a wrong password).
    #[error("cryptography: {0}")]
    Crypto(String),

    /// Another process holds the vault (a sync, a key change): nothing was
    /// done; trying again later is safe.
    #[error("{0}")]
    Busy(String),

    /// Part of the vault is damaged (a page, a sealed field).
    #[error("{0}")]
    Damaged(String),
}

impl Error {
    /// A stable code for interfaces (`{code, message}` at the UI boundary).
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadCredentials => "bad_credentials",
            Error::Forbidden { .. } => "forbidden",
            Error::Refused(_) => "export_refused",
            Error::OutOfSequence(_) => "out_of_sequence",
            Error::Invalid(_) => "invalid",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::Cancelled => "cancelled",
            Error::BadVault { .. } => "bad_vault",
            Error::NewerVault { .. } => "newer_vault",
            Error::Io { .. } => "io",
            Error::Db(_) => "database",
            Error::Crypto(_) => "crypto",
            Error::Busy(_) => "busy",
            Error::Damaged(_) => "damaged",
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
