//! Rows: CSV ([`csv_rows`]) and JSONL ([`jsonl`]) records checked and typed
//! against an entity's fields ([`values`], contract §3 and §4), and what
//! reading one file shares ([`Ctx`]). Messages say what is wrong with a
//! value, never what the value is.

mod csv_rows;
mod jsonl;
mod values;

use super::readers::{Marker, MAX_LINE};
use super::{ManifestFile, MANIFEST_NAME};
use crate::entity::{Entity, Row};
use crate::error::{Error, Result};
use crate::problem::Problems;
use crate::progress::{Progress, ProgressEvent};
use serde_json::{Map, Value};
use std::io;
use std::path::PathBuf;
use values::Errs;

pub(crate) use csv_rows::read_csv;
pub(crate) use jsonl::read_jsonl;
pub(crate) use values::valid_ts;

/// How often (in rows) progress is reported and cancellation checked.
pub(crate) const PROGRESS_EVERY: u64 = 10_000;

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

    /// Report a checked row's problems, and hand it over if it has none
    /// (and `header_ok`); `Ok(false)` when reading should stop.
    fn checked_row(
        &mut self,
        line: u64,
        fields: Map<String, Value>,
        errs: Errs,
        header_ok: bool,
    ) -> Result<bool> {
        let good = errs.is_empty() && header_ok;
        for (field, msg) in errs {
            self.add(line, &field, msg);
        }
        self.finish_row(line, fields, good)
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
