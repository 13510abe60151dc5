//! Problems found while checking an export: each `file:line: field: what is wrong`,
//! kept up to a bound with a count of the rest.

use serde::Serialize;
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

impl fmt::Display for Problem {
    /// `file:line: field: what` — without `:line` for a problem with a file
    /// as a whole (line 0).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}: {}", self.file, self.field, self.message)
        } else {
            write!(
                f,
                "{}:{}: {}: {}",
                self.file, self.line, self.field, self.message
            )
        }
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
    }
}
