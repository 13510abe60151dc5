//! Rows: CSV and JSONL records checked and typed against an entity's fields
//! (contract §3 and §4). Messages say what is wrong with a value, never what
//! the value is.

use super::source::{FeedState, Marker, CSV_BUFFER, MAX_LINE};
use super::{ManifestFile, MANIFEST_NAME};
use crate::entity::{Entity, Field, FieldType, Row, DROPPED_FIELD};
use crate::error::{Error, Result};
use crate::problem::Problems;
use crate::progress::{Progress, ProgressEvent};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashSet;
use std::io::{self, BufRead, Read};
use std::path::PathBuf;
use std::rc::Rc;

/// How often (in rows) progress is reported and cancellation checked.
pub(crate) const PROGRESS_EVERY: u64 = 10_000;

/// Whether `s` is an RFC 3339 timestamp with an offset.
pub(crate) fn valid_ts(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// Whether `s` is a date `YYYY-MM-DD` that exists.
pub(crate) fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

const MSG_TS: &str = "not an RFC 3339 timestamp with an offset";
const MSG_DATE: &str = "not a date of the form YYYY-MM-DD";
const MSG_INT: &str = "not a whole number";
const MSG_BOOL: &str = "must be true or false";

fn enum_msg(values: &[&str]) -> String {
    format!("must be one of {}", values.join(", "))
}

type Errs = Vec<(String, String)>;

/// Check and type a JSON value (known: not null, not "") for a field.
fn typed_json(name: &str, ty: FieldType, v: Value, errs: &mut Errs) -> Option<Value> {
    let mut err = |msg: String| {
        errs.push((name.to_string(), msg));
        None
    };
    match (ty, &v) {
        (FieldType::Text, Value::String(_)) => Some(v),
        (FieldType::Text, _) => err("must be text (a JSON string)".into()),
        (FieldType::Int, Value::Number(n)) if n.is_i64() => Some(v),
        (FieldType::Int, _) => err(format!("{MSG_INT} (a JSON number)")),
        (FieldType::Bool, Value::Bool(_)) => Some(v),
        (FieldType::Bool, _) => err(format!("{MSG_BOOL} (a JSON boolean)")),
        (FieldType::Date, Value::String(s)) if valid_date(s) => Some(v),
        (FieldType::Date, _) => err(MSG_DATE.into()),
        (FieldType::Ts, Value::String(s)) if valid_ts(s) => Some(v),
        (FieldType::Ts, _) => err(MSG_TS.into()),
        (FieldType::Enum(values), Value::String(s)) if values.contains(&s.as_str()) => Some(v),
        (FieldType::Enum(values), _) => err(enum_msg(values)),
        (FieldType::Json, _) => Some(v),
        (FieldType::IdArray, Value::Array(items)) => {
            let before = errs.len();
            for (i, item) in items.iter().enumerate() {
                if !matches!(item, Value::String(s) if !s.is_empty()) {
                    errs.push((
                        format!("{name}[{i}]"),
                        "must be a non-empty id (a JSON string)".into(),
                    ));
                }
            }
            (errs.len() == before).then_some(v)
        }
        (FieldType::IdArray, _) => err("must be a list of ids (a JSON array)".into()),
        (FieldType::TicketMessages, Value::Array(items)) => {
            let before = errs.len();
            for (i, item) in items.iter().enumerate() {
                let Value::Object(m) = item else {
                    errs.push((format!("{name}[{i}]"), "not a JSON object".into()));
                    continue;
                };
                let mut sub = |key: &str, ok: fn(&str) -> bool, msg: &str| match m.get(key) {
                    None | Some(Value::Null) => errs.push((
                        format!("{name}[{i}].{key}"),
                        "required field is missing".into(),
                    )),
                    Some(Value::String(s)) if ok(s) => {}
                    Some(_) => errs.push((format!("{name}[{i}].{key}"), msg.into())),
                };
                sub(
                    "from",
                    |s| s == "member" || s == "staff",
                    "must be one of member, staff",
                );
                sub("at", valid_ts, MSG_TS);
                sub("body", |_| true, "must be text (a JSON string)");
            }
            (errs.len() == before).then_some(v)
        }
        (FieldType::TicketMessages, _) => err("must be a list of messages (a JSON array)".into()),
    }
}

/// Check and type a CSV value (known: not empty) for a field.
fn typed_csv(name: &str, ty: FieldType, s: &str, errs: &mut Errs) -> Option<Value> {
    let mut err = |msg: String| {
        errs.push((name.to_string(), msg));
        None
    };
    match ty {
        FieldType::Text | FieldType::Json => Some(Value::String(s.to_string())),
        FieldType::Int => match s.parse::<i64>() {
            Ok(n) => Some(Value::from(n)),
            Err(_) => err(MSG_INT.into()),
        },
        FieldType::Bool => match s {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => err(MSG_BOOL.into()),
        },
        FieldType::Date if valid_date(s) => Some(Value::String(s.to_string())),
        FieldType::Date => err(MSG_DATE.into()),
        FieldType::Ts if valid_ts(s) => Some(Value::String(s.to_string())),
        FieldType::Ts => err(MSG_TS.into()),
        FieldType::Enum(values) if values.contains(&s) => Some(Value::String(s.to_string())),
        FieldType::Enum(values) => err(enum_msg(values)),
        FieldType::IdArray | FieldType::TicketMessages => match serde_json::from_str(s) {
            Ok(v) => typed_json(name, ty, v, errs),
            Err(_) => err("not a valid JSON array".into()),
        },
    }
}

/// Whether `errs` holds a problem with the field or a part of it.
fn has_error(errs: &Errs, name: &str) -> bool {
    errs.iter().any(|(n, _)| {
        n.strip_prefix(name)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['[', '.']))
    })
}

fn not_known(v: &Value) -> bool {
    matches!(v, Value::Null) || matches!(v, Value::String(s) if s.is_empty())
}

/// How reading a file ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// Read to the end: the row count and checksum can be checked.
    Complete,
    /// Stopped early (a problem that makes reading on unsafe or pointless).
    Stopped,
}

/// Shared state of reading one file.
pub(crate) struct Ctx<'a> {
    pub file: &'a ManifestFile,
    pub problems: &'a mut Problems,
    pub progress: &'a dyn Progress,
    pub sink: &'a mut dyn FnMut(Row) -> Result<()>,
    /// The line of `files[i].rows` in the manifest.
    pub rows_line: u64,
    /// Where the file is, for I/O errors.
    pub location: PathBuf,
    /// Data rows seen so far (good or bad).
    pub rows: u64,
    /// Whether a gzip layer is being read (for naming a decoding failure).
    pub gzip: bool,
    /// The row count at which progress is next reported.
    pub next_report: u64,
}

impl Ctx<'_> {
    fn entity(&self) -> Entity {
        self.file.entity
    }

    fn add(&mut self, line: u64, field: &str, msg: impl Into<String>) {
        self.problems.add(self.file.path.clone(), line, field, msg);
    }

    /// Count a data row. Returns false when the file has more rows than its
    /// manifest says (a problem is reported and reading stops).
    fn begin_row(&mut self) -> Result<bool> {
        self.rows += 1;
        if self.rows > self.file.rows {
            let msg = format!(
                "the manifest says {}, the file has more ({MANIFEST_NAME}:{})",
                rows_text(self.file.rows),
                self.rows_line
            );
            self.problems.add(self.file.path.clone(), 0, "rows", msg);
            return Ok(false);
        }
        if self.rows >= self.next_report {
            self.next_report += PROGRESS_EVERY;
            self.progress
                .event(ProgressEvent::Advance { done: self.rows });
            if self.progress.cancelled() {
                return Err(Error::Cancelled);
            }
        }
        Ok(true)
    }

    /// Hand a checked row over; `Ok(false)` when reading should stop because
    /// the problem list is full.
    fn finish_row(&mut self, line: u64, fields: Map<String, Value>, good: bool) -> Result<bool> {
        if good {
            let entity = self.entity();
            let id = match fields.get(entity.id_field()) {
                Some(Value::String(s)) => s.clone(),
                _ => String::new(),
            };
            let member_id = entity
                .member_field()
                .and_then(|f| fields.get(f))
                .and_then(Value::as_str)
                .map(str::to_string);
            (self.sink)(Row {
                entity,
                line,
                id,
                member_id,
                fields,
            })?;
            Ok(true)
        } else {
            Ok(!self.problems.is_full())
        }
    }

    /// Turn a read error into a problem (or an error to return).
    fn read_error(&mut self, e: io::Error, line: u64) -> Result<End> {
        let e = match e.get_ref().and_then(|i| i.downcast_ref::<Marker>()) {
            Some(_) => match e.into_inner().map(|i| i.downcast::<Marker>()) {
                Some(Ok(m)) => *m,
                _ => {
                    return Err(Error::io(
                        self.location.clone(),
                        io::Error::other("read failed"),
                    ))
                }
            },
            None => {
                let what = if self.gzip {
                    "not valid gzip data"
                } else {
                    "could not be decoded"
                };
                self.add(line, "file", format!("{what} ({e}); reading stopped"));
                return Ok(End::Stopped);
            }
        };
        match e {
            Marker::Bomb { limit } => self.add(
                line,
                "file",
                format!(
                    "decompresses to more than {limit} bytes; refused as a likely decompression bomb"
                ),
            ),
            Marker::TooLong => {
                let msg = match self.entity().format() {
                    crate::entity::Format::Csv => {
                        format!("more than {MAX_LINE} bytes without a complete record; reading stopped")
                    }
                    crate::entity::Format::Jsonl => {
                        format!("line is longer than {MAX_LINE} bytes; reading stopped")
                    }
                };
                self.add(line, "row", msg)
            }
            Marker::Archive(e) => self.add(
                line,
                "file",
                format!("the archive entry is damaged or unreadable ({e}); reading stopped"),
            ),
            Marker::Disk(e) => return Err(Error::io(self.location.clone(), e)),
        }
        Ok(End::Stopped)
    }
}

/// "1 row", "12 rows".
pub(crate) fn rows_text(n: u64) -> String {
    if n == 1 {
        "1 row".into()
    } else {
        format!("{n} rows")
    }
}

/// Read a JSONL file: one object per line, blank lines skipped but counted.
pub(crate) fn read_jsonl(r: &mut dyn BufRead, ctx: &mut Ctx<'_>) -> Result<End> {
    let entity = ctx.entity();
    let mut buf = Vec::new();
    let mut line: u64 = 0;
    loop {
        buf.clear();
        let n = match r.take(MAX_LINE as u64 + 1).read_until(b'\n', &mut buf) {
            Ok(n) => n,
            Err(e) => return ctx.read_error(e, line + 1),
        };
        if n == 0 {
            return Ok(End::Complete);
        }
        line += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        } else if buf.len() > MAX_LINE {
            return ctx.read_error(io::Error::other(Marker::TooLong), line);
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if !ctx.begin_row()? {
            return Ok(End::Stopped);
        }
        let value: Value = match std::str::from_utf8(&buf) {
            Err(_) => {
                ctx.add(line, "row", "not valid UTF-8");
                if !ctx.finish_row(line, Map::new(), false)? {
                    return Ok(End::Stopped);
                }
                continue;
            }
            Ok(text) => match serde_json::from_str(text) {
                Ok(v) => v,
                Err(e) => {
                    ctx.add(
                        line,
                        "row",
                        format!(
                            "not valid JSON ({} at column {})",
                            super::manifest::json_error_text(&e),
                            e.column()
                        ),
                    );
                    if !ctx.finish_row(line, Map::new(), false)? {
                        return Ok(End::Stopped);
                    }
                    continue;
                }
            },
        };
        let Value::Object(obj) = value else {
            ctx.add(line, "row", "not a JSON object");
            if !ctx.finish_row(line, Map::new(), false)? {
                return Ok(End::Stopped);
            }
            continue;
        };
        let mut errs = Errs::new();
        let mut fields = Map::new();
        let mut empty: Vec<String> = Vec::new();
        for (key, v) in obj {
            if key == DROPPED_FIELD {
                continue;
            }
            if not_known(&v) {
                empty.push(key);
                continue;
            }
            match entity.field(&key) {
                Some(f) => {
                    if let Some(t) = typed_json(&key, f.ty, v, &mut errs) {
                        fields.insert(key, t);
                    }
                }
                None => {
                    fields.insert(key, v);
                }
            }
        }
        for f in entity.fields().iter().filter(|f| f.required) {
            if !fields.contains_key(f.name) && !has_error(&errs, f.name) {
                let what = if empty.iter().any(|k| k == f.name) {
                    "required field is empty"
                } else {
                    "required field is missing"
                };
                errs.push((f.name.to_string(), what.into()));
            }
        }
        let good = errs.is_empty();
        for (field, msg) in errs {
            ctx.add(line, &field, msg);
        }
        if !ctx.finish_row(line, fields, good)? {
            return Ok(End::Stopped);
        }
    }
}

/// One CSV column as the header names it.
enum Column {
    Known(&'static Field),
    Unknown(String),
    /// `password_hash`, or a repeated column name.
    Skip,
}

/// The first physical line of the record just read: the parser's byte
/// position after it, less the newlines inside it and the one ending it.
fn record_line<R: Read>(
    csv: &csv::Reader<R>,
    record: &csv::ByteRecord,
    feed: &RefCell<FeedState>,
) -> u64 {
    let feed = feed.borrow();
    let end = csv.position().byte();
    // The parser counts the newlines it has consumed.
    let mut last = csv.position().line();
    if end > 0 && feed.is_newline(end - 1) {
        last -= 1;
    }
    let inside = record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    last.saturating_sub(inside).max(1)
}

/// Read a CSV file. `feed` is shared with the reader under the CSV parser,
/// which refuses to deliver a record longer than [`MAX_LINE`].
pub(crate) fn read_csv(
    r: impl Read,
    feed: Rc<RefCell<FeedState>>,
    ctx: &mut Ctx<'_>,
) -> Result<End> {
    let entity = ctx.entity();
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .buffer_capacity(CSV_BUFFER)
        .from_reader(r);
    let mut record = csv::ByteRecord::new();
    // After each record: where the next one starts (its byte, and its line
    // unless blank lines come first), for the record cap and its problem.
    let mut next_line = 1u64;
    let mark = |csv: &csv::Reader<_>, next_line: &mut u64| {
        let mut f = feed.borrow_mut();
        let end = csv.position().byte();
        f.record_start = end;
        // The parser stops after a CR before its LF.
        let pending_lf =
            f.byte_at(end) == Some(b'\n') && f.byte_at(end.wrapping_sub(1)) == Some(b'\r');
        *next_line = csv.position().line() + u64::from(pending_lf);
    };

    // The header.
    let header_line = match csv.read_byte_record(&mut record) {
        Ok(true) => record_line(&csv, &record, &feed),
        Ok(false) => {
            ctx.add(1, "header", "the file has no header row");
            return Ok(End::Complete);
        }
        Err(e) => return csv_error(e, next_line, ctx),
    };
    mark(&csv, &mut next_line);
    let mut columns = Vec::with_capacity(record.len());
    let mut header_ok = true;
    let mut seen: HashSet<String> = HashSet::new();
    for (i, raw) in record.iter().enumerate() {
        let Ok(name) = std::str::from_utf8(raw) else {
            ctx.add(
                header_line,
                "header",
                format!("column {} has a name that is not valid UTF-8", i + 1),
            );
            header_ok = false;
            columns.push(Column::Skip);
            continue;
        };
        if name.is_empty() {
            ctx.add(
                header_line,
                "header",
                format!("column {} has no name", i + 1),
            );
            header_ok = false;
            columns.push(Column::Skip);
            continue;
        }
        if !seen.insert(name.to_string()) {
            ctx.add(header_line, name, "column appears more than once");
            header_ok = false;
            columns.push(Column::Skip);
            continue;
        }
        columns.push(if name == DROPPED_FIELD {
            Column::Skip
        } else {
            match entity.field(name) {
                Some(f) => Column::Known(f),
                None => Column::Unknown(name.to_string()),
            }
        });
    }
    let mut missing = Vec::new();
    for f in entity.fields().iter().filter(|f| f.required) {
        if !seen.contains(f.name) {
            ctx.add(header_line, f.name, "required column is missing");
            header_ok = false;
            missing.push(f.name);
        }
    }
    drop(seen);

    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(End::Complete),
            Err(e) => {
                if let csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } = e.kind()
                {
                    let line = record_line(&csv, &record, &feed);
                    mark(&csv, &mut next_line);
                    if !ctx.begin_row()? {
                        return Ok(End::Stopped);
                    }
                    ctx.add(
                        line,
                        "row",
                        format!("has {len} fields, the header has {expected_len}"),
                    );
                    if !ctx.finish_row(line, Map::new(), false)? {
                        return Ok(End::Stopped);
                    }
                    continue;
                }
                return csv_error(e, next_line, ctx);
            }
        }
        let line = record_line(&csv, &record, &feed);
        mark(&csv, &mut next_line);
        if !ctx.begin_row()? {
            return Ok(End::Stopped);
        }
        let mut errs = Errs::new();
        let mut fields = Map::new();
        for (col, raw) in columns.iter().zip(record.iter()) {
            if raw.is_empty() {
                continue;
            }
            let name = match col {
                Column::Known(f) => f.name,
                Column::Unknown(n) => n.as_str(),
                Column::Skip => continue,
            };
            let Ok(s) = std::str::from_utf8(raw) else {
                errs.push((name.to_string(), "not valid UTF-8".into()));
                continue;
            };
            match col {
                Column::Known(f) => {
                    if let Some(v) = typed_csv(f.name, f.ty, s, &mut errs) {
                        fields.insert(f.name.to_string(), v);
                    }
                }
                _ => {
                    fields.insert(name.to_string(), Value::String(s.to_string()));
                }
            }
        }
        for f in entity.fields().iter().filter(|f| f.required) {
            if !fields.contains_key(f.name)
                && !missing.contains(&f.name)
                && !has_error(&errs, f.name)
            {
                errs.push((f.name.to_string(), "required field is empty".into()));
            }
        }
        // With a bad header no row is good, though each is still checked.
        let good = errs.is_empty() && header_ok;
        for (field, msg) in errs {
            ctx.add(line, &field, msg);
        }
        if !ctx.finish_row(line, fields, good)? {
            return Ok(End::Stopped);
        }
    }
}

fn csv_error(e: csv::Error, line: u64, ctx: &mut Ctx<'_>) -> Result<End> {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => ctx.read_error(e, line),
        _ => {
            ctx.add(line, "row", "not a readable CSV record; reading stopped");
            Ok(End::Stopped)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::FieldType;

    #[test]
    fn dates_and_timestamps() {
        assert!(valid_date("2024-02-29"));
        assert!(!valid_date("2023-02-29"));
        assert!(!valid_date("2024-2-09"));
        assert!(!valid_date("2024-02-09T00:00:00Z"));
        assert!(valid_ts("2026-11-21T02:00:00Z"));
        assert!(valid_ts("2026-11-21T02:00:00.123+01:00"));
        assert!(!valid_ts("2026-11-21T02:00:00"));
        assert!(!valid_ts("2026-11-21"));
    }

    #[test]
    fn csv_typing() {
        let mut errs = Errs::new();
        assert_eq!(
            typed_csv("n", FieldType::Int, "42", &mut errs),
            Some(Value::from(42))
        );
        assert_eq!(
            typed_csv("b", FieldType::Bool, "false", &mut errs),
            Some(Value::Bool(false))
        );
        assert_eq!(
            typed_csv("j", FieldType::Json, "{\"a\":1}", &mut errs),
            Some(Value::String("{\"a\":1}".into()))
        );
        assert!(errs.is_empty());
        assert_eq!(typed_csv("b", FieldType::Bool, "TRUE", &mut errs), None);
        assert_eq!(typed_csv("n", FieldType::Int, "4.5", &mut errs), None);
        assert_eq!(
            errs,
            vec![
                ("b".to_string(), MSG_BOOL.to_string()),
                ("n".to_string(), MSG_INT.to_string())
            ]
        );
    }

    #[test]
    fn json_typing() {
        let mut errs = Errs::new();
        let v = serde_json::json!([{"from": "member", "at": "2026-01-01T00:00:00Z", "body": "x"},
                                   {"from": "bot", "at": "yesterday"}, 3]);
        assert_eq!(
            typed_json("messages", FieldType::TicketMessages, v, &mut errs),
            None
        );
        let fields: Vec<&str> = errs.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "messages[1].from",
                "messages[1].at",
                "messages[1].body",
                "messages[2]"
            ]
        );
        errs.clear();
        let ids = serde_json::json!(["m1", "", 5]);
        assert_eq!(
            typed_json("recipient_ids", FieldType::IdArray, ids, &mut errs),
            None
        );
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].0, "recipient_ids[1]");
        errs.clear();
        assert_eq!(
            typed_json("n", FieldType::Int, serde_json::json!("5"), &mut errs),
            None
        );
        assert_eq!(
            typed_json("b", FieldType::Bool, serde_json::json!("true"), &mut errs),
            None
        );
        assert_eq!(
            typed_json("n", FieldType::Int, serde_json::json!(5.5), &mut errs),
            None
        );
        assert_eq!(errs.len(), 3);
    }
}
