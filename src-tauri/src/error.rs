//! The one error shape the UI sees: core's [`ErrorBody`]
//! (`{code, message, problems, more_problems}`), serialised unchanged —
//! the same body `desk --json` prints. The desktop adds no codes of its
//! own: `locked` and `busy` are in core's [`ErrorCode`] too.

use desk_core::error::{ErrorBody, ErrorCode};
use serde::Serialize;
use std::ops::Deref;

/// A failed command: an [`ErrorBody`], serialised as exactly that.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct DeskError(pub ErrorBody);

pub type DeskResult<T> = Result<T, DeskError>;

impl Deref for DeskError {
    type Target = ErrorBody;
    fn deref(&self) -> &ErrorBody {
        &self.0
    }
}

impl DeskError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        DeskError(ErrorBody::new(code, message))
    }

    /// No session, or it locked itself after the idle limit.
    pub fn locked() -> Self {
        DeskError::new(ErrorCode::Locked, "the desk is locked: sign in again")
    }

    /// This window's long job holds the session. Like core's busy, nothing
    /// was done: the UI tries again by itself.
    pub fn busy() -> Self {
        desk_core::Error::Busy(
            "a long job (a sync, a bundle or the conflict check) is running in this window".into(),
        )
        .into()
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        DeskError::new(ErrorCode::Invalid, message)
    }
}

impl From<desk_core::Error> for DeskError {
    fn from(e: desk_core::Error) -> Self {
        DeskError(e.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use desk_core::problem::{Problem, Problems};

    #[test]
    fn a_command_error_is_core_s_body_unchanged() {
        let mut p = Problems::default();
        p.add("members.csv", 2, "email", "required field is empty");
        let core = desk_core::Error::Refused(p.clone());
        let e = DeskError::from(desk_core::Error::Refused(p));
        assert_eq!(e.0, core.body());
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json, serde_json::to_value(core.body()).unwrap());
        assert_eq!(json["code"], "export_refused");
        assert_eq!(json["problems"][0]["file"], "members.csv");
        assert_eq!(json["problems"][0]["line"], 2);
        assert_eq!(json["problems"][0]["field"], "email");
        let json = serde_json::to_value(DeskError::from(desk_core::Error::BadCredentials)).unwrap();
        assert_eq!(json["code"], "bad_credentials");
        assert_eq!(json["problems"], serde_json::json!([]));
    }

    #[test]
    fn disclosure_problems_reach_the_ui_by_field() {
        let mut p = Problems::default();
        p.push(Problem::input("recipient.organisation", "required"));
        let e = DeskError::from(desk_core::Error::InvalidInput {
            what: "the disclosure was not recorded".into(),
            problems: p,
        });
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "invalid");
        assert_eq!(json["problems"][0]["field"], "recipient.organisation");
        assert_eq!(json["problems"][0]["file"], serde_json::Value::Null);
    }

    #[test]
    fn locked_and_busy_are_core_codes() {
        assert_eq!(DeskError::locked().code, ErrorCode::Locked);
        let busy = DeskError::busy();
        assert_eq!(busy.code, "busy");
        assert!(
            busy.message.starts_with("the vault is busy: "),
            "{}",
            busy.message
        );
    }
}
