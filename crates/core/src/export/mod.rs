//! Reading production exports (`production-export-v1.md` §1–§3): open a
//! directory or a `.zip`, check its manifest and layout, and stream each file's
//! rows, checked and typed against its entity, in bounded memory.
//!
//! Every problem is reported as `file:line: field: what is wrong`:
//! - manifest problems against `manifest.json` and the line of the key;
//! - file-level problems (checksum, row count, extra or missing files)
//!   against the manifest entry the file contradicts;
//! - row problems against the file as listed and its 1-based physical line;
//! - unsafe zip entries against the entry's name, line 0.
//!
//! Messages never repeat a value from the export (it may be personal data).

mod archive;
mod manifest;
mod parse;
mod readers;
mod source;

use crate::entity::{Format, Row};
use crate::error::{Error, Result};
use crate::problem::Problems;
use crate::progress::{Progress, ProgressEvent};
use manifest::{Checked, FileLines};
use parse::{Ctx, End};
use readers::{BomSkip, CapReader, CountReader, CsvFeed, Digested, FeedState, HashReader};
use sha2::Digest;
use source::Source;
use std::cell::{Cell, RefCell};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub use archive::MAX_ZIP_ENTRIES;
pub use readers::{MAX_LINE, MIN_BOMB_CAP};

/// The manifest's types live in the export format crate, shared with the
/// generator; reading and checking them is here.
pub use export_format::manifest::{ExportKind, Manifest, ManifestFile, MANIFEST_NAME};

/// What reading one file found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileStats {
    /// Data rows read (good or bad).
    pub rows: u64,
    /// Bytes as stored (compressed for `.gz`).
    pub stored_bytes: u64,
    /// Bytes after decompression.
    pub bytes: u64,
}

/// An opened, checked export whose files can be streamed.
pub struct Export {
    path: PathBuf,
    manifest: Manifest,
    file_lines: Vec<FileLines>,
    source: Source,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("path", &self.path)
            .field("manifest", &self.manifest)
            .finish_non_exhaustive()
    }
}

impl Export {
    /// Open a directory or a `.zip` (of one directory, or with files at its
    /// root). Reads and checks the manifest and the layout; on any problem
    /// returns `Err(Error::Refused(problems))`. An unreadable path is
    /// `Error::Io`.
    pub fn open(path: &Path) -> Result<Export> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let mut problems = Problems::default();
        let mut source = if meta.is_dir() {
            Source::Dir(path.to_path_buf())
        } else {
            let label = path.file_name().map_or_else(
                || "export".to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            match archive::open_zip(path, &label, &mut problems)? {
                Some(s) => s,
                None => return Err(Error::Refused(problems)),
            }
        };

        let Some(text) = read_manifest(&mut source, path, &mut problems)? else {
            return Err(Error::Refused(problems));
        };
        let checked = manifest::check(&text, &mut problems);
        check_layout(&checked, &source, path, &mut problems)?;
        match checked.manifest {
            Some(manifest) if problems.is_empty() => Ok(Export {
                path: path.to_path_buf(),
                manifest,
                file_lines: checked.file_lines,
                source,
            }),
            _ => Err(Error::Refused(problems)),
        }
    }

    /// The checked manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Where the export is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stream one listed file: decompress `.gz`, skip a BOM, parse CSV (by
    /// header name, any order) or JSONL, check each row against
    /// `file.entity.fields()`, and call `sink` with every good row.
    ///
    /// Problems go into `problems`; bad rows are not passed to the sink.
    /// Reading stops early (without the final checks) on a line or record
    /// over [`MAX_LINE`] bytes, a likely decompression bomb, damaged
    /// compressed data, more rows than the manifest says, or once
    /// `problems` is full. Otherwise, at the end, the row count and the
    /// sha256 of the stored bytes are checked against the manifest.
    ///
    /// Reports `ProgressEvent::Advance { done: rows }` every 10,000 rows and
    /// at the end; returns `Err(Error::Cancelled)` if `progress.cancelled()`
    /// (checked every 10,000 rows). Errors returned by `sink` are passed
    /// straight back; a file that cannot be read is `Error::Io`.
    pub fn read_file(
        &mut self,
        file: &ManifestFile,
        problems: &mut Problems,
        progress: &dyn Progress,
        sink: &mut dyn FnMut(Row) -> Result<()>,
    ) -> Result<FileStats> {
        if self.manifest.files.get(file.index) != Some(file) {
            return Err(Error::Invalid(format!(
                "{} is not a file of this export's manifest",
                file.path
            )));
        }
        let lines = self.file_lines.get(file.index).cloned().unwrap_or_default();
        let FileText {
            text,
            location,
            digest,
            decompressed,
        } = self.open_text(file)?;
        let mut ctx = Ctx {
            file,
            problems,
            progress,
            sink,
            rows_line: lines.rows,
            location,
            rows: 0,
            gzip: file.gzip,
            next_report: parse::PROGRESS_EVERY,
        };
        let end = parse_text(text, file.entity.format(), &mut ctx)?;
        let rows = ctx.rows;
        progress.event(ProgressEvent::Advance { done: rows });

        let digest = digest.replace(Digested::default());
        let stats = FileStats {
            rows,
            stored_bytes: digest.bytes,
            bytes: decompressed.get(),
        };
        if end == End::Complete {
            check_whole(file, &lines, rows, digest, problems);
        }
        Ok(stats)
    }

    /// Open a listed file's text: its stored bytes counted and hashed,
    /// decompressed (bounded: a likely bomb stops) when gzipped, a BOM
    /// skipped.
    fn open_text(&mut self, file: &ManifestFile) -> Result<FileText<'_>> {
        let location = match &self.source {
            Source::Dir(d) => d.join(&file.path),
            Source::Zip { .. } => self.path.join(&file.path),
        };
        let opened = self
            .source
            .open(&file.path)
            .map_err(|e| Error::io(&location, e))?;
        let digest = Rc::new(RefCell::new(Digested::default()));
        let decompressed = Rc::new(Cell::new(0u64));
        let hashed = HashReader::new(opened.reader, digest.clone(), opened.archive);
        let plain: Box<dyn Read + '_> = if file.gzip {
            let cap = readers::bomb_cap(opened.stored_size);
            Box::new(CapReader::new(
                flate2::read::MultiGzDecoder::new(hashed),
                cap,
            ))
        } else {
            Box::new(hashed)
        };
        Ok(FileText {
            text: BomSkip::new(CountReader::new(plain, decompressed.clone())),
            location,
            digest,
            decompressed,
        })
    }
}

/// A listed file opened for reading.
struct FileText<'a> {
    /// Its text: decompressed, the BOM skipped.
    text: BomSkip<CountReader<Box<dyn Read + 'a>>>,
    /// Where it is (for errors).
    location: PathBuf,
    /// Its stored bytes and their sha256.
    digest: Rc<RefCell<Digested>>,
    /// How many bytes it decompressed to.
    decompressed: Rc<Cell<u64>>,
}

/// Read the text as the entity's format: JSON lines or CSV.
fn parse_text(text: impl Read, format: Format, ctx: &mut Ctx) -> Result<End> {
    match format {
        Format::Jsonl => {
            let mut r = BufReader::with_capacity(64 * 1024, text);
            parse::read_jsonl(&mut r, ctx)
        }
        Format::Csv => {
            let feed = Rc::new(RefCell::new(FeedState::default()));
            parse::read_csv(CsvFeed::new(text, feed.clone()), feed, ctx)
        }
    }
}

/// The manifest's text, if the export has one of a readable size (else a
/// problem).
fn read_manifest(
    source: &mut Source,
    path: &Path,
    problems: &mut Problems,
) -> Result<Option<Vec<u8>>> {
    let text = source
        .read_small(MANIFEST_NAME, source::MAX_MANIFEST)
        .map_err(|e| Error::io(path, e))?;
    let Some(text) = text else {
        problems.add(
            MANIFEST_NAME,
            1,
            "manifest",
            "the export has no manifest.json",
        );
        return Ok(None);
    };
    if text.len() as u64 > source::MAX_MANIFEST {
        problems.add(
            MANIFEST_NAME,
            1,
            "manifest",
            format!("larger than {} bytes", source::MAX_MANIFEST),
        );
        return Ok(None);
    }
    Ok(Some(text))
}

/// Layout: listed files present, nothing else present.
fn check_layout(
    checked: &Checked,
    source: &Source,
    path: &Path,
    problems: &mut Problems,
) -> Result<()> {
    if checked.manifest.is_none() && checked.listed.is_empty() && checked.file_lines.is_empty() {
        return Ok(());
    }
    for (i, name) in &checked.listed {
        if !source.has(name) {
            let line = checked.file_lines.get(*i).map_or(1, |l| l.path);
            problems.add(
                name.as_str(),
                0,
                "path",
                format!("the export holds no such file (listed at {MANIFEST_NAME}:{line})"),
            );
        }
    }
    for name in source.names(path).map_err(|e| Error::io(path, e))? {
        if name != MANIFEST_NAME && !checked.listed.iter().any(|(_, n)| *n == name) {
            problems.add(
                MANIFEST_NAME,
                checked.files_line,
                "files",
                format!("the export holds {name}, which the manifest does not list"),
            );
        }
    }
    Ok(())
}

/// A file read to its end: its row count and checksum against the manifest.
fn check_whole(
    file: &ManifestFile,
    lines: &FileLines,
    rows: u64,
    digest: Digested,
    problems: &mut Problems,
) {
    if rows != file.rows {
        problems.add(
            file.path.as_str(),
            0,
            "rows",
            format!(
                "the manifest says {}, the file has {rows} ({MANIFEST_NAME}:{})",
                parse::rows_text(file.rows),
                lines.rows
            ),
        );
    }
    let actual = hex::encode(digest.hasher.finalize());
    if actual != file.sha256.to_ascii_lowercase() {
        problems.add(
            file.path.as_str(),
            0,
            "sha256",
            format!(
                "does not match its contents ({MANIFEST_NAME}:{})",
                lines.sha256
            ),
        );
    }
}
