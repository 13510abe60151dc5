//! CSV files: a header naming the columns (any order), then records; a
//! record's problems point at its first physical line.

use super::values::{has_error, typed_csv, Errs};
use super::{Ctx, End};
use crate::entity::{Entity, Field, DROPPED_FIELD};
use crate::error::Result;
use crate::export::readers::{FeedState, CSV_BUFFER};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashSet;
use std::io::Read;
use std::rc::Rc;

/// Read a CSV file. `feed` is shared with the reader under the CSV parser,
/// which refuses to deliver a record longer than
/// [`MAX_LINE`](crate::export::MAX_LINE).
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
    let mut at = Cursor { feed, next_line: 1 };
    let header = match csv.read_byte_record(&mut record) {
        Ok(true) => at.line(&csv, &record),
        Ok(false) => {
            ctx.add(1, "header", "the file has no header row");
            return Ok(End::Complete);
        }
        Err(e) => return csv_error(e, at.next_line, ctx),
    };
    at.mark(&csv);
    let header = Header::read(&record, header, entity, ctx);
    loop {
        let line = match csv.read_byte_record(&mut record) {
            Ok(true) => at.line(&csv, &record),
            Ok(false) => return Ok(End::Complete),
            Err(e) => {
                if let csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } = e.kind()
                {
                    let msg = format!("has {len} fields, the header has {expected_len}");
                    let line = at.line(&csv, &record);
                    at.mark(&csv);
                    if !ctx.begin_row()? {
                        return Ok(End::Stopped);
                    }
                    ctx.add(line, "row", msg);
                    if !ctx.finish_row(line, Map::new(), false)? {
                        return Ok(End::Stopped);
                    }
                    continue;
                }
                return csv_error(e, at.next_line, ctx);
            }
        };
        at.mark(&csv);
        if !ctx.begin_row()? {
            return Ok(End::Stopped);
        }
        let (fields, errs) = header.fields(&record, entity);
        // With a bad header no row is good, though each is still checked.
        if !ctx.checked_row(line, fields, errs, header.ok)? {
            return Ok(End::Stopped);
        }
    }
}

/// Where the parser is in the file: the bytes shared with the reader under
/// it, and the line the next record starts on.
struct Cursor {
    feed: Rc<RefCell<FeedState>>,
    /// Where the next record starts, unless blank lines come first.
    next_line: u64,
}

impl Cursor {
    /// After each record: where the next one starts (its byte, and its
    /// line), for the record cap and its problem.
    fn mark<R: Read>(&mut self, csv: &csv::Reader<R>) {
        let mut f = self.feed.borrow_mut();
        let end = csv.position().byte();
        f.record_start = end;
        // The parser stops after a CR before its LF.
        let pending_lf =
            f.byte_at(end) == Some(b'\n') && f.byte_at(end.wrapping_sub(1)) == Some(b'\r');
        self.next_line = csv.position().line() + u64::from(pending_lf);
    }

    /// The first physical line of the record just read: the parser's byte
    /// position after it, less the newlines inside it and the one ending it.
    fn line<R: Read>(&self, csv: &csv::Reader<R>, record: &csv::ByteRecord) -> u64 {
        let feed = self.feed.borrow();
        let end = csv.position().byte();
        // The parser counts the newlines it has consumed.
        let mut last = csv.position().line();
        if end > 0 && feed.is_newline(end - 1) {
            last -= 1;
        }
        let inside = record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
        last.saturating_sub(inside).max(1)
    }
}

/// One CSV column as the header names it.
enum Column {
    Known(&'static Field),
    Unknown(String),
    /// `password_hash`, or a repeated column name.
    Skip,
}

/// The header row, checked.
struct Header {
    columns: Vec<Column>,
    /// No problem with the header.
    ok: bool,
    /// Required columns it lacks.
    missing: Vec<&'static str>,
}

impl Header {
    /// Name every column; each problem is reported at the header's line.
    fn read(record: &csv::ByteRecord, line: u64, entity: Entity, ctx: &mut Ctx<'_>) -> Header {
        let mut h = Header {
            columns: Vec::with_capacity(record.len()),
            ok: true,
            missing: Vec::new(),
        };
        let mut seen: HashSet<String> = HashSet::new();
        for (i, raw) in record.iter().enumerate() {
            match column(raw, i, entity, &mut seen) {
                Ok(c) => h.columns.push(c),
                Err((field, msg)) => {
                    ctx.add(line, &field, msg);
                    h.ok = false;
                    h.columns.push(Column::Skip);
                }
            }
        }
        for f in entity.fields().iter().filter(|f| f.required) {
            if !seen.contains(f.name) {
                ctx.add(line, f.name, "required column is missing");
                h.ok = false;
                h.missing.push(f.name);
            }
        }
        h
    }

    /// A record's fields, typed (unknown columns kept as text), and the
    /// problems with them, required fields included.
    fn fields(&self, record: &csv::ByteRecord, entity: Entity) -> (Map<String, Value>, Errs) {
        let mut errs = Errs::new();
        let mut fields = Map::new();
        for (col, raw) in self.columns.iter().zip(record.iter()) {
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
                && !self.missing.contains(&f.name)
                && !has_error(&errs, f.name)
            {
                errs.push((f.name.to_string(), "required field is empty".into()));
            }
        }
        (fields, errs)
    }
}

/// What the header's column `i` (0-based) is, or the problem with it
/// (field, message).
fn column(
    raw: &[u8],
    i: usize,
    entity: Entity,
    seen: &mut HashSet<String>,
) -> std::result::Result<Column, (String, String)> {
    let Ok(name) = std::str::from_utf8(raw) else {
        return Err((
            "header".into(),
            format!("column {} has a name that is not valid UTF-8", i + 1),
        ));
    };
    if name.is_empty() {
        return Err(("header".into(), format!("column {} has no name", i + 1)));
    }
    if !seen.insert(name.to_string()) {
        return Err((name.into(), "column appears more than once".into()));
    }
    Ok(if name == DROPPED_FIELD {
        Column::Skip
    } else {
        match entity.field(name) {
            Some(f) => Column::Known(f),
            None => Column::Unknown(name.to_string()),
        }
    })
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
