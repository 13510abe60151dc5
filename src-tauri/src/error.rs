//! The one error shape the UI sees: `{code, message, problems?}`.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeskError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<String>>,
}

pub type DeskResult<T> = Result<T, DeskError>;

impl DeskError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        DeskError {
            code: code.into(),
            message: message.into(),
            problems: None,
        }
    }

    pub fn locked() -> Self {
        DeskError::new("locked", "the desk is locked: sign in again")
    }

    pub fn busy() -> Self {
        DeskError::new(
            "busy",
            "a long job (sync or bundle) is running: wait for it or cancel it",
        )
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        DeskError::new("invalid", message)
    }
}

impl From<desk_core::Error> for DeskError {
    fn from(e: desk_core::Error) -> Self {
        // The contract's codes (docs/desktop-commands.md) name two of core's
        // codes more shortly; everything else is core's `Error::code()`.
        let code = match e.code() {
            "export_refused" => "refused",
            "database" => "db",
            other => other,
        };
        let problems = match &e {
            desk_core::Error::Refused(p) => {
                let mut list: Vec<String> = p.items().iter().map(|i| i.to_string()).collect();
                if p.more() > 0 {
                    list.push(format!("… and {} more problems", p.more()));
                }
                Some(list)
            }
            _ => None,
        };
        DeskError {
            code: code.into(),
            message: e.to_string(),
            problems,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_carries_its_problems() {
        let mut p = desk_core::problem::Problems::default();
        p.add("members.csv", 2, "email", "required field is empty");
        let e = DeskError::from(desk_core::Error::Refused(p));
        assert_eq!(e.code, "refused");
        assert_eq!(
            e.problems.as_deref(),
            Some(&["members.csv:2: email: required field is empty".to_string()][..])
        );
        let json = serde_json::to_value(DeskError::from(desk_core::Error::BadCredentials)).unwrap();
        assert_eq!(json["code"], "bad_credentials");
        assert!(json.get("problems").is_none());
    }
}
