//! Where a bundle's files go: zip entries (AES-encrypted or not) or the
//! encrypted PDF's attachments, each hashed for the manifest as it is
//! written.

use super::pdf;
use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::{AesMode, CompressionMethod, ZipWriter};

#[derive(Clone, Debug, Serialize)]
pub(super) struct FileEntry {
    pub(super) path: String,
    pub(super) rows: u64,
    pub(super) sha256: String,
}

/// Hashes and counts what is written through it.
struct Tee<'a> {
    inner: &'a mut dyn Write,
    hasher: Sha256,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

pub(super) fn zip_err(path: &Path, e: zip::result::ZipError) -> Error {
    match e {
        zip::result::ZipError::Io(io) => Error::io(path, io),
        other => Error::io(path, std::io::Error::other(other.to_string())),
    }
}

/// What writes one file's bytes; returns its row count.
type FileBody<'a> = Box<dyn FnOnce(&mut dyn Write) -> Result<u64> + 'a>;

/// Where the bundle's files go: zip entries (encrypted or not), or
/// attachments of the encrypted PDF (itself an entry of a plain zip).
pub(super) enum Sink {
    Zip {
        zip: ZipWriter<BufWriter<std::fs::File>>,
        password: Option<String>,
    },
    Pdf(pdf::PdfFile<ZipWriter<BufWriter<std::fs::File>>>),
}

/// The bundle being written, and what has gone into it.
pub(super) struct Bundle<'p> {
    pub(super) sink: Sink,
    pub(super) time: zip::DateTime,
    pub(super) files: Vec<FileEntry>,
    pub(super) path: &'p Path,
}

/// The cover letter's name: never encrypted, so it opens anywhere.
pub(super) const COVER: &str = "cover.html";

fn mime(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("json") => "application/json",
        Some("csv") => "text/csv",
        Some("html") => "text/html",
        _ => "application/octet-stream",
    }
}

impl Bundle<'_> {
    fn options(&self) -> SimpleFileOptions {
        SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(3))
            .last_modified_time(self.time)
            .unix_permissions(0o600)
    }

    /// Write one file; `f` returns its row count.
    pub(super) fn entry(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut dyn Write) -> Result<u64>,
    ) -> Result<u64> {
        let path = self.path;
        let run = |inner: &mut dyn Write, f: FileBody<'_>| -> Result<(u64, String)> {
            let mut tee = Tee {
                inner,
                hasher: Sha256::new(),
            };
            let rows = {
                let mut w = BufWriter::with_capacity(64 * 1024, &mut tee);
                let rows = f(&mut w)?;
                w.flush().map_err(|e| Error::io(path, e))?;
                rows
            };
            Ok((rows, hex::encode(tee.hasher.finalize())))
        };
        let base = self.options();
        let (rows, sha) = match &mut self.sink {
            Sink::Zip { zip, password } => {
                let started = match password {
                    Some(p) if name != COVER => {
                        zip.start_file(name, base.with_aes_encryption(AesMode::Aes256, p))
                    }
                    _ => zip.start_file(name, base),
                };
                started.map_err(|e| zip_err(path, e))?;
                run(zip, Box::new(f))?
            }
            Sink::Pdf(pdf) => {
                let mut failed: Option<Error> = None;
                let r = pdf.attach(name, mime(name), |w| match run(w, Box::new(f)) {
                    Ok(v) => Ok(v),
                    Err(e) => {
                        failed = Some(e);
                        Err(std::io::Error::other("stopped"))
                    }
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                r.map_err(|e| Error::io(path, e))?
            }
        };
        if name != "manifest.json" {
            self.files.push(FileEntry {
                path: name.into(),
                rows,
                sha256: sha,
            });
        }
        Ok(rows)
    }
}

pub(super) fn zip_time(t: DateTime<Utc>) -> zip::DateTime {
    zip::DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default()
}

pub(super) fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}
