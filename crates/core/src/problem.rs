//! Problems found while checking an export: each `file:line: field: what is wrong`,
//! kept up to a bound with a count of the rest. Problems with an input that
//! is not a file (a disclosure entry) name only the field: `field: what`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How many problems are kept in full; the rest are only counted.
pub const DEFAULT_PROBLEM_LIMIT: usize = 100;

/// One problem with an export. The message never repeats a field's value
/// (it may be personal data); it says what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(
        file: impl Into<String>,
        line: u64,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            file: file.into(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl Problem {
    /// A problem with a field of an input that is not a file (no file, no
    /// line): shown as `field: message`.
    pub fn input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem::new("", 0, field, message)
    }
}

impl fmt::Display for Problem {
    /// `file:line: field: what` — without `:line` for a problem with a file
    /// as a whole (line 0).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file.is_empty() {
            return write!(f, "{}: {}", self.field, self.message);
        }
        if self.line == 0 {
            return write!(f, "{}: {}: {}", self.file, self.field, self.message);
        }
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.message
        )
    }
}

/// A problem as interfaces show it (in an `ErrorBody`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProblemBody {
    /// The file of an export (`members.csv`, an entry of a zip); null for
    /// an input that is not a file (a disclosure entry).
    pub file: Option<String>,
    /// The 1-based line; null when the problem is with the file as a whole
    /// or the input is not a file.
    pub line: Option<u64>,
    /// The field, as the input names it (`email`, `recipient.organisation`,
    /// `member_ids[1]`, `files[0].rows`).
    pub field: String,
    /// What is wrong, never the value.
    pub message: String,
}

impl From<&Problem> for ProblemBody {
    fn from(p: &Problem) -> Self {
        ProblemBody {
            file: (!p.file.is_empty()).then(|| p.file.clone()),
            line: (!p.file.is_empty() && p.line > 0).then_some(p.line),
            field: p.field.clone(),
            message: p.message.clone(),
        }
    }
}

impl fmt::Display for ProblemBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) if line > 0 => write!(f, "{file}:{line}: "),
            (Some(file), _) => write!(f, "{file}: "),
            _ => Ok(()),
        }?;
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A bounded list of problems.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problems {
    items: Vec<Problem>,
    total: u64,
    #[serde(skip)]
    limit: usize,
}

impl Default for Problems {
    fn default() -> Self {
        Problems::with_limit(DEFAULT_PROBLEM_LIMIT)
    }
}

impl Problems {
    pub fn with_limit(limit: usize) -> Self {
        Problems {
            items: Vec::new(),
            total: 0,
            limit,
        }
    }

    pub fn push(&mut self, p: Problem) {
        self.total += 1;
        if self.items.len() < self.limit {
            self.items.push(p);
        }
    }

    pub fn add(
        &mut self,
        file: impl Into<String>,
        line: u64,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.push(Problem::new(file, line, field, message));
    }

    /// Add every problem of `other` (kept ones up to this list's bound; all counted).
    pub fn merge(&mut self, other: Problems) {
        let more = other.more();
        for p in other.items {
            self.push(p);
        }
        self.total += more;
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Whether the kept list is full (further problems are only counted).
    pub fn is_full(&self) -> bool {
        self.items.len() >= self.limit
    }

    /// The last problem added, if it was kept.
    pub fn last(&self) -> Option<&Problem> {
        self.items.last().filter(|_| self.more() == 0)
    }

    /// Take back the last problem added, if it was kept (to replace it with
    /// a better one).
    pub fn pop(&mut self) -> Option<Problem> {
        if self.more() > 0 {
            return None;
        }
        let p = self.items.pop()?;
        self.total -= 1;
        Some(p)
    }

    pub fn items(&self) -> &[Problem] {
        &self.items
    }

    /// Every problem found, kept or not.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// How many problems were found beyond those kept.
    pub fn more(&self) -> u64 {
        self.total - self.items.len() as u64
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.items {
            writeln!(f, "{p}")?;
        }
        if self.more() > 0 {
            writeln!(f, "… and {} more problems", self.more())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_with_count() {
        let mut p = Problems::with_limit(2);
        for i in 0..5 {
            p.add("members.csv", i + 2, "email", "required field is empty");
        }
        assert_eq!(p.items().len(), 2);
        assert_eq!(p.total(), 5);
        assert_eq!(p.more(), 3);
        assert_eq!(
            p.items()[0].to_string(),
            "members.csv:2: email: required field is empty"
        );
        assert!(p.to_string().ends_with("… and 3 more problems\n"));
        // The last one added was not kept: nothing to take back.
        assert!(p.last().is_none() && p.pop().is_none());
        let mut q = Problems::with_limit(2);
        q.add("a", 1, "x", "first");
        q.add("a", 2, "y", "second");
        assert_eq!(q.pop().unwrap().field, "y");
        assert_eq!((q.total(), q.last().unwrap().field.as_str()), (1, "x"));
    }

    #[test]
    fn bodies_print_as_the_problems_do() {
        for p in [
            Problem::new("members.csv", 2, "email", "required field is empty"),
            Problem::new("x.zip", 0, "path", "is a symbolic link; refused"),
            Problem::input("member_ids[1]", "repeats an earlier member"),
        ] {
            assert_eq!(ProblemBody::from(&p).to_string(), p.to_string());
        }
        let b = ProblemBody::from(&Problem::input("site", "required"));
        assert_eq!((b.file, b.line), (None, None));
        assert_eq!(
            Problem::input("site", "required").to_string(),
            "site: required"
        );
    }
}
