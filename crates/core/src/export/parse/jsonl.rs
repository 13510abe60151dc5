//! JSONL files: one object per line, blank lines skipped but counted.

use super::values::{has_error, not_known, typed_json, Errs};
use super::{Ctx, End};
use crate::entity::{Entity, DROPPED_FIELD};
use crate::error::Result;
use crate::export::manifest::json_error_text;
use crate::export::readers::{Marker, MAX_LINE};
use serde_json::{Map, Value};
use std::io::{self, BufRead, Read};

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
        let go_on = match object(&buf) {
            Ok(obj) => {
                let (fields, errs) = fields(entity, obj);
                ctx.checked_row(line, fields, errs, true)?
            }
            Err(problem) => {
                ctx.add(line, "row", problem);
                ctx.finish_row(line, Map::new(), false)?
            }
        };
        if !go_on {
            return Ok(End::Stopped);
        }
    }
}

/// The line as a JSON object, or what is wrong with it.
fn object(buf: &[u8]) -> std::result::Result<Map<String, Value>, String> {
    let text = std::str::from_utf8(buf).map_err(|_| "not valid UTF-8".to_string())?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "not valid JSON ({} at column {})",
            json_error_text(&e),
            e.column()
        )
    })?;
    match value {
        Value::Object(obj) => Ok(obj),
        _ => Err("not a JSON object".into()),
    }
}

/// The object's fields, typed (unknown ones kept as they are), and the
/// problems with them, required fields included.
fn fields(entity: Entity, obj: Map<String, Value>) -> (Map<String, Value>, Errs) {
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
    (fields, errs)
}
