//! The manifest's top-level keys (contract §2): what the export is, checked
//! key by key, each problem at the line of its key.

use super::Report;
use crate::export::ExportKind;
use serde_json::{Map, Value};

/// The top-level keys, as far as they are sound.
#[derive(Debug)]
pub(super) struct Header {
    pub format: String,
    pub format_version: i64,
    pub site: String,
    pub kind: Option<ExportKind>,
    pub sequence: Option<i64>,
    pub base_sequence: Option<i64>,
    pub generated_at: String,
}

impl Header {
    /// Check every top-level key but `files`, in the contract's order.
    pub(super) fn check(obj: &Map<String, Value>, r: &mut Report<'_>) -> Header {
        let format = format(obj.get("format"), r);
        let format_version = format_version(obj.get("format_version"), r);
        let site = site(obj.get("site"), r);
        let kind = kind(obj.get("kind"), r);
        let sequence = sequence(obj.get("sequence"), r);
        let base_sequence = base_sequence(kind, sequence, obj.get("base_sequence"), r);
        let generated_at = generated_at(obj.get("generated_at"), r);
        Header {
            format,
            format_version,
            site,
            kind,
            sequence,
            base_sequence,
            generated_at,
        }
    }
}

fn format(v: Option<&Value>, r: &mut Report<'_>) -> String {
    match v {
        Some(Value::String(s)) if s == "forum-export" => s.clone(),
        None => {
            r.key("format", "required key is missing");
            String::new()
        }
        Some(_) => {
            r.key("format", "must be \"forum-export\"");
            String::new()
        }
    }
}

fn format_version(v: Option<&Value>, r: &mut Report<'_>) -> i64 {
    match v {
        Some(v) if v.as_i64() == Some(1) => 1,
        None => {
            r.key("format_version", "required key is missing");
            0
        }
        Some(v) if v.as_i64().is_some() => {
            r.key(
                "format_version",
                "this desk reads format version 1 only; use a newer desk",
            );
            0
        }
        Some(_) => {
            r.key("format_version", "must be the whole number 1");
            0
        }
    }
}

fn site(v: Option<&Value>, r: &mut Report<'_>) -> String {
    match v {
        Some(Value::String(s)) if valid_site(s) => s.clone(),
        None => {
            r.key("site", "required key is missing");
            String::new()
        }
        Some(_) => {
            r.key(
                "site",
                "must be non-empty text of lower-case letters a-z, digits, _ and -",
            );
            String::new()
        }
    }
}

fn valid_site(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn kind(v: Option<&Value>, r: &mut Report<'_>) -> Option<ExportKind> {
    match v.and_then(Value::as_str) {
        Some("full") => Some(ExportKind::Full),
        Some("delta") => Some(ExportKind::Delta),
        _ if v.is_none() => {
            r.key("kind", "required key is missing");
            None
        }
        _ => {
            r.key("kind", "must be one of full, delta");
            None
        }
    }
}

fn sequence(v: Option<&Value>, r: &mut Report<'_>) -> Option<i64> {
    match v {
        Some(v) if v.as_i64().is_some_and(|n| n >= 1) => v.as_i64(),
        None => {
            r.key("sequence", "required key is missing");
            None
        }
        Some(_) => {
            r.key("sequence", "must be a whole number of at least 1");
            None
        }
    }
}

/// A full export has none; a delta names an earlier sequence.
fn base_sequence(
    kind: Option<ExportKind>,
    sequence: Option<i64>,
    v: Option<&Value>,
    r: &mut Report<'_>,
) -> Option<i64> {
    match (kind, v) {
        (Some(ExportKind::Full), None | Some(Value::Null)) => None,
        (Some(ExportKind::Full), Some(_)) => {
            r.key("base_sequence", "must be null for a full export");
            None
        }
        (Some(ExportKind::Delta), Some(v)) if v.as_i64().is_some() => {
            let b = v.as_i64();
            if let (Some(b), Some(s)) = (b, sequence) {
                if b >= s {
                    r.key(
                        "base_sequence",
                        "must be below sequence (a delta applies on an earlier export)",
                    );
                }
            }
            b
        }
        (Some(ExportKind::Delta), None) => {
            r.key(
                "base_sequence",
                "required key is missing (a delta names the export it applies on)",
            );
            None
        }
        (Some(ExportKind::Delta), Some(_)) => {
            r.key(
                "base_sequence",
                "must be a whole number for a delta export (the sequence it applies on)",
            );
            None
        }
        (None, _) => None,
    }
}

fn generated_at(v: Option<&Value>, r: &mut Report<'_>) -> String {
    match v {
        Some(Value::String(s)) if crate::export::parse::valid_ts(s) => s.clone(),
        None => {
            r.key("generated_at", "required key is missing");
            String::new()
        }
        Some(_) => {
            r.key("generated_at", "not an RFC 3339 timestamp with an offset");
            String::new()
        }
    }
}
