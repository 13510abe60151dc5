//! The core's errors, and the one body every interface shows them as.
//!
//! Messages carry context (file, line, field, which vault) but never member
//! data: a problem says what is wrong with a value, not what the value is.
//!
//! [`ErrorBody`] (`{code, message, problems, more_problems}`) is the boundary
//! contract: `desk --json` prints it (under `"error"`), every desktop command
//! rejects with it, and the UI's TypeScript type is generated from it. Its
//! [`ErrorCode`] lists every code any interface uses, the CLI's `usage` and
//! the desktop's `locked` included, each with one spelling.

use crate::problem::{ProblemBody, Problems};
use serde::{Deserialize, Serialize};
use std::fmt;
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

    /// Bad input with a problem per field (a disclosure entry): `what` says
    /// what was not done, each problem names its field (`file` and `line`
    /// are empty: the input is not a file). Code `invalid`, like
    /// [`Error::Invalid`].
    #[error("{what} ({} problem(s))", .problems.total())]
    InvalidInput { what: String, problems: Problems },

    /// Something named does not exist (a user, a member, a site, …).
    #[error("{0}")]
    NotFound(String),

    /// Something already exists (a user name, a vault, a file).
    #[error("{0}")]
    Conflict(String),

    /// The work was cancelled before it changed anything.
    #[error("cancelled; nothing was changed")]
    Cancelled,

    /// Another process holds the vault (a long sync elsewhere). Nothing was
    /// done, so trying again is safe. The text says who and since when
    /// ("a sync by NAME since 02:00").
    #[error("the vault is busy: {0}; try again")]
    Busy(String),

    /// The vault's data is damaged (what was found, never member data).
    #[error("the vault is damaged: {0}")]
    Damaged(String),

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
}

/// Every error code of every interface, one spelling each (snake case on
/// the wire and in the audit trail). Most are core's; `locked` is the
/// desktop's (no session, or it locked itself when idle) and `usage` the
/// CLI's (wrong usage, exit 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadCredentials,
    Forbidden,
    /// An export was refused: see `problems`.
    ExportRefused,
    OutOfSequence,
    /// Bad input; `problems` names the fields when there are several.
    Invalid,
    NotFound,
    Conflict,
    Cancelled,
    /// Another process (or, in the desktop, a long job) holds the vault;
    /// nothing was done: try again.
    Busy,
    Damaged,
    BadVault,
    NewerVault,
    Io,
    Database,
    Crypto,
    /// Desktop: no session, or it locked itself when idle.
    Locked,
    /// CLI: wrong usage.
    Usage,
}

impl ErrorCode {
    /// Every code, in the order above.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::BadCredentials,
        ErrorCode::Forbidden,
        ErrorCode::ExportRefused,
        ErrorCode::OutOfSequence,
        ErrorCode::Invalid,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::Cancelled,
        ErrorCode::Busy,
        ErrorCode::Damaged,
        ErrorCode::BadVault,
        ErrorCode::NewerVault,
        ErrorCode::Io,
        ErrorCode::Database,
        ErrorCode::Crypto,
        ErrorCode::Locked,
        ErrorCode::Usage,
    ];

    /// The code as it is written on the wire and in the audit trail.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            BadCredentials => "bad_credentials",
            Forbidden => "forbidden",
            ExportRefused => "export_refused",
            OutOfSequence => "out_of_sequence",
            Invalid => "invalid",
            NotFound => "not_found",
            Conflict => "conflict",
            Cancelled => "cancelled",
            Busy => "busy",
            Damaged => "damaged",
            BadVault => "bad_vault",
            NewerVault => "newer_vault",
            Io => "io",
            Database => "database",
            Crypto => "crypto",
            Locked => "locked",
            Usage => "usage",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// What an interface shows for a failure: `desk --json` prints it under
/// `"error"`, a desktop command rejects with it, unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// One sentence, no member data.
    pub message: String,
    /// Structured problems (a refused export's, an input's fields); empty
    /// for most errors. Never parse `message` for them.
    pub problems: Vec<ProblemBody>,
    /// How many problems were found beyond those listed.
    pub more_problems: u64,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            code,
            message: message.into(),
            problems: Vec::new(),
            more_problems: 0,
        }
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    /// The stable code of this error (see [`ErrorCode`]).
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::BadCredentials => ErrorCode::BadCredentials,
            Error::Forbidden { .. } => ErrorCode::Forbidden,
            Error::Refused(_) => ErrorCode::ExportRefused,
            Error::OutOfSequence(_) => ErrorCode::OutOfSequence,
            Error::Invalid(_) | Error::InvalidInput { .. } => ErrorCode::Invalid,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::Busy(_) => ErrorCode::Busy,
            Error::Damaged(_) => ErrorCode::Damaged,
            Error::BadVault { .. } => ErrorCode::BadVault,
            Error::NewerVault { .. } => ErrorCode::NewerVault,
            Error::Io { .. } => ErrorCode::Io,
            Error::Db(_) => ErrorCode::Database,
            Error::Crypto(_) => ErrorCode::Crypto,
        }
    }

    /// The body every interface shows for this error.
    pub fn body(&self) -> ErrorBody {
        let mut body = ErrorBody::new(self.code(), self.to_string());
        if let Error::Refused(p) | Error::InvalidInput { problems: p, .. } = self {
            body.problems = p.items().iter().map(ProblemBody::from).collect();
            body.more_problems = p.more();
        }
        body
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<&Error> for ErrorBody {
    fn from(e: &Error) -> Self {
        e.body()
    }
}

impl From<Error> for ErrorBody {
    fn from(e: Error) -> Self {
        e.body()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;

    #[test]
    fn every_code_is_listed_once_and_spelled_as_serialised() {
        // Exhaustive: a new code fails to compile here until it is in ALL.
        fn index(c: ErrorCode) -> usize {
            use ErrorCode::*;
            match c {
                BadCredentials => 0,
                Forbidden => 1,
                ExportRefused => 2,
                OutOfSequence => 3,
                Invalid => 4,
                NotFound => 5,
                Conflict => 6,
                Cancelled => 7,
                Busy => 8,
                Damaged => 9,
                BadVault => 10,
                NewerVault => 11,
                Io => 12,
                Database => 13,
                Crypto => 14,
                Locked => 15,
                Usage => 16,
            }
        }
        let idx: Vec<usize> = ErrorCode::ALL.iter().map(|c| index(*c)).collect();
        assert_eq!(idx, (0..ErrorCode::ALL.len()).collect::<Vec<_>>());
        for c in ErrorCode::ALL {
            let json = serde_json::to_value(c).unwrap();
            assert_eq!(json, c.as_str());
            assert_eq!(serde_json::from_value::<ErrorCode>(json).unwrap(), *c);
        }
    }

    #[test]
    fn refused_body_has_structured_problems_and_the_count_of_the_rest() {
        let mut p = Problems::with_limit(1);
        p.add("members.csv", 2, "email", "required field is empty");
        p.add("members.csv", 3, "email", "required field is empty");
        let body = Error::Refused(p).body();
        assert_eq!(body.code, ErrorCode::ExportRefused);
        assert_eq!(
            body.problems,
            [ProblemBody {
                file: Some("members.csv".into()),
                line: Some(2),
                field: "email".into(),
                message: "required field is empty".into(),
            }]
        );
        assert_eq!(body.more_problems, 1);
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["code"], "export_refused");
        assert_eq!(json["problems"][0]["field"], "email");
        assert_eq!(json["more_problems"], 1);
    }

    #[test]
    fn input_problems_name_their_field_without_a_file() {
        let mut p = Problems::default();
        p.push(Problem::input("recipient.organisation", "required"));
        let e = Error::InvalidInput {
            what: "the disclosure was not recorded".into(),
            problems: p,
        };
        let body = e.body();
        assert_eq!(body.code, "invalid");
        assert_eq!(
            body.message,
            "the disclosure was not recorded (1 problem(s))"
        );
        assert_eq!(body.problems[0].file, None);
        assert_eq!(body.problems[0].line, None);
        assert_eq!(body.problems[0].field, "recipient.organisation");
    }

    #[test]
    fn busy_and_damaged() {
        let b = Error::Busy("a sync by asha since 02:00".into()).body();
        assert_eq!(b.code, ErrorCode::Busy);
        assert_eq!(
            b.message,
            "the vault is busy: a sync by asha since 02:00; try again"
        );
        assert!(b.problems.is_empty());
        assert_eq!(Error::Damaged("x".into()).code(), "damaged");
        // Plain errors have an empty list, always present on the wire.
        let json = serde_json::to_value(Error::BadCredentials.body()).unwrap();
        assert_eq!(json["problems"], serde_json::json!([]));
        assert_eq!(json["more_problems"], 0);
    }
}
