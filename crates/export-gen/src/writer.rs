//! Writing an export: a directory or a zip, built under a temporary name
//! beside the target and renamed into place at the end. Each data file is
//! hashed and counted as it is written (never re-read).

use crate::error::{Error, Result};
use crate::util::{ymd, DAY};
use export_format::{Entity, Format, MANIFEST_NAME};
use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

const BUF: usize = 256 * 1024;

/// One file written, as the manifest lists it.
#[derive(Clone, Debug)]
pub struct FileEntry {
    pub path: String,
    pub entity: Entity,
    pub rows: u64,
    pub sha256: String,
    pub bytes: u64,
}

/// One per export: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Target {
    Dir {
        tmp: Option<tempfile::TempDir>,
    },
    Zip {
        zw: Option<ZipWriter<BufWriter<File>>>,
        tmp: Option<tempfile::TempPath>,
        top: String,
        opts: SimpleFileOptions,
    },
}

/// An export being written.
pub struct Output {
    target: Target,
    final_path: PathBuf,
    gzip: bool,
    pub files: Vec<FileEntry>,
}

/// Where a file's stored bytes go.
enum Raw<'a> {
    File(BufWriter<File>),
    Zip(&'a mut ZipWriter<BufWriter<File>>),
}

impl Write for Raw<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match self {
            Raw::File(f) => f.write(b),
            Raw::Zip(z) => z.write(b),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Raw::File(f) => f.flush(),
            Raw::Zip(z) => z.flush(),
        }
    }
}

/// Hashes and counts the stored bytes on their way out.
struct Hashing<W> {
    w: W,
    h: Sha256,
    n: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = self.w.write(b)?;
        self.h.update(&b[..n]);
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// Plain or gzip-compressed.
enum Enc<'a> {
    Plain(Hashing<Raw<'a>>),
    Gz(GzEncoder<Hashing<Raw<'a>>>),
}

impl Write for Enc<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match self {
            Enc::Plain(w) => w.write(b),
            Enc::Gz(w) => w.write(b),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Enc::Plain(w) => w.flush(),
            Enc::Gz(w) => w.flush(),
        }
    }
}

impl<'a> Enc<'a> {
    fn finish(self) -> io::Result<Hashing<Raw<'a>>> {
        match self {
            Enc::Plain(w) => Ok(w),
            Enc::Gz(w) => w.finish(),
        }
    }
}

#[allow(clippy::large_enum_variant)]
enum Body<'a> {
    Csv(csv::Writer<Enc<'a>>),
    Jsonl(BufWriter<Enc<'a>>),
}

/// Writes one entity's file.
pub struct EntityWriter<'a> {
    pub entity: Entity,
    name: String,
    disk_path: PathBuf,
    body: Body<'a>,
    rows: u64,
    /// Scratch buffer for one JSON line.
    pub line: Vec<u8>,
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

fn zip_err(path: &Path, e: zip::result::ZipError) -> Error {
    match e {
        zip::result::ZipError::Io(e) => Error::io(path, e),
        other => Error::io(path, io::Error::other(other.to_string())),
    }
}

/// Refuses a target that exists, unless it is an empty directory (and the
/// export is a directory).
fn refuse_existing(final_path: &Path, zip: bool) -> Result<()> {
    match std::fs::symlink_metadata(final_path) {
        Ok(md) => {
            let empty_dir = !zip
                && md.is_dir()
                && std::fs::read_dir(final_path)
                    .map_err(io_err(final_path))?
                    .next()
                    .is_none();
            if empty_dir {
                Ok(())
            } else {
                Err(Error::Conflict(format!(
                    "{} already exists{}",
                    final_path.display(),
                    if md.is_dir() { " and is not empty" } else { "" }
                )))
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(final_path, e)),
    }
}

/// The zip entries' date: the export's generated_at day, at 02:00.
fn zip_date(generated_at: i64) -> zip::DateTime {
    let (y, m, d) = ymd(generated_at.div_euclid(DAY));
    let y = y.clamp(1980, 2107) as u16;
    zip::DateTime::from_date_and_time(y, m as u8, d as u8, 2, 0, 0).unwrap_or_default()
}

impl Target {
    /// A temporary zip beside the target, with its top directory.
    fn zip(
        parent: &Path,
        prefix: &str,
        name: &str,
        final_path: &Path,
        generated_at: i64,
    ) -> Result<Target> {
        let tmp = tempfile::Builder::new()
            .prefix(prefix)
            .tempfile_in(parent)
            .map_err(io_err(parent))?;
        let (file, tmp) = tmp.into_parts();
        let mut zw = ZipWriter::new(BufWriter::with_capacity(BUF, file));
        let top = name.trim_end_matches(".zip").to_string();
        let opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip_date(generated_at))
            .unix_permissions(0o644)
            .large_file(true);
        zw.add_directory(format!("{top}/"), opts.unix_permissions(0o755))
            .map_err(|e| zip_err(final_path, e))?;
        Ok(Target::Zip {
            zw: Some(zw),
            tmp: Some(tmp),
            top,
            opts,
        })
    }
}

impl Output {
    /// Prepares to write an export to `out` (a directory, or with `zip` a zip
    /// file whose name ends in `.zip`, appended if missing), built beside it
    /// under a temporary name. `generated_at` dates the zip's entries.
    pub fn create(out: &Path, zip: bool, gzip: bool, generated_at: i64) -> Result<Output> {
        let final_path = if zip && out.extension().and_then(|e| e.to_str()) != Some("zip") {
            let mut s = out.as_os_str().to_owned();
            s.push(".zip");
            PathBuf::from(s)
        } else {
            out.to_path_buf()
        };
        let name = final_path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::Invalid(format!("{}: not a usable name", out.display())))?
            .to_string();
        let parent = match final_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        refuse_existing(&final_path, zip)?;
        let prefix = format!(".{name}.partial-");
        let target = if zip {
            Target::zip(&parent, &prefix, &name, &final_path, generated_at)?
        } else {
            let tmp = tempfile::Builder::new()
                .prefix(&prefix)
                .tempdir_in(&parent)
                .map_err(io_err(&parent))?;
            Target::Dir { tmp: Some(tmp) }
        };
        Ok(Output {
            target,
            final_path,
            gzip,
            files: Vec::new(),
        })
    }

    /// Where errors about a file inside the export are reported.
    fn shown_path(&self, name: &str) -> PathBuf {
        self.final_path.join(name)
    }

    fn open_raw(&mut self, name: &str) -> Result<Raw<'_>> {
        let shown = self.shown_path(name);
        match &mut self.target {
            Target::Dir { tmp } => {
                let dir = tmp
                    .as_ref()
                    .ok_or_else(|| Error::Invalid("export already finished".into()))?;
                let p = dir.path().join(name);
                let f = File::create(&p).map_err(|e| Error::io(&shown, e))?;
                Ok(Raw::File(BufWriter::with_capacity(BUF, f)))
            }
            Target::Zip { zw, top, opts, .. } => {
                let zw = zw
                    .as_mut()
                    .ok_or_else(|| Error::Invalid("export already finished".into()))?;
                zw.start_file(format!("{top}/{name}"), *opts)
                    .map_err(|e| zip_err(&shown, e))?;
                Ok(Raw::Zip(zw))
            }
        }
    }

    /// Opens the file for `entity` and writes its CSV header (if CSV).
    pub fn open(&mut self, entity: Entity, header: &[&str]) -> Result<EntityWriter<'_>> {
        let mut name = entity.file_name();
        if self.gzip {
            name.push_str(".gz");
        }
        let disk_path = self.shown_path(&name);
        let gzip = self.gzip;
        let raw = self.open_raw(&name)?;
        let hashing = Hashing {
            w: raw,
            h: Sha256::new(),
            n: 0,
        };
        let enc = if gzip {
            Enc::Gz(
                GzBuilder::new()
                    .mtime(0)
                    .write(hashing, Compression::new(3)),
            )
        } else {
            Enc::Plain(hashing)
        };
        let body = match entity.format() {
            Format::Csv => {
                let mut w = csv::WriterBuilder::new()
                    .buffer_capacity(BUF)
                    .from_writer(enc);
                w.write_record(header)
                    .map_err(|e| Error::io(&disk_path, e.into()))?;
                Body::Csv(w)
            }
            Format::Jsonl => Body::Jsonl(BufWriter::with_capacity(BUF, enc)),
        };
        Ok(EntityWriter {
            entity,
            name,
            disk_path,
            body,
            rows: 0,
            line: Vec::with_capacity(4096),
        })
    }

    /// Drops the file just finished (a delta leaves out entities with no rows).
    pub fn discard(&mut self, entry: &FileEntry) -> Result<()> {
        let shown = self.shown_path(&entry.path);
        match &mut self.target {
            Target::Dir { tmp: Some(dir) } => {
                let p = dir.path().join(&entry.path);
                std::fs::remove_file(&p).map_err(|e| Error::io(&shown, e))
            }
            Target::Zip { zw: Some(zw), .. } => zw.abort_file().map_err(|e| zip_err(&shown, e)),
            _ => Err(Error::Invalid("export already finished".into())),
        }
    }

    /// Writes manifest.json (the last file) and moves the export into place.
    /// Returns the final path and the bytes written.
    pub fn commit(mut self, manifest: &[u8]) -> Result<(PathBuf, u64)> {
        let shown = self.shown_path(MANIFEST_NAME);
        let mut raw = self.open_raw(MANIFEST_NAME)?;
        raw.write_all(manifest).map_err(|e| Error::io(&shown, e))?;
        if let Raw::File(mut f) = raw {
            f.flush().map_err(|e| Error::io(&shown, e))?;
            f.get_ref().sync_all().map_err(|e| Error::io(&shown, e))?;
        }
        let final_path = self.final_path.clone();
        match &mut self.target {
            Target::Dir { tmp } => {
                let dir = tmp
                    .take()
                    .ok_or_else(|| Error::Invalid("export already finished".into()))?;
                let bytes = self.files.iter().map(|f| f.bytes).sum::<u64>() + manifest.len() as u64;
                let p = dir.keep();
                if let Err(e) = std::fs::rename(&p, &final_path) {
                    let _ = std::fs::remove_dir_all(&p);
                    return Err(Error::io(&final_path, e));
                }
                Ok((final_path, bytes))
            }
            Target::Zip { zw, tmp, .. } => {
                let zw = zw
                    .take()
                    .ok_or_else(|| Error::Invalid("export already finished".into()))?;
                let buf = zw.finish().map_err(|e| zip_err(&final_path, e))?;
                let file = buf
                    .into_inner()
                    .map_err(|e| Error::io(&final_path, e.into_error()))?;
                file.sync_all().map_err(|e| Error::io(&final_path, e))?;
                let bytes = file
                    .metadata()
                    .map_err(|e| Error::io(&final_path, e))?
                    .len();
                drop(file);
                let tmp = tmp
                    .take()
                    .ok_or_else(|| Error::Invalid("export already finished".into()))?;
                tmp.persist(&final_path)
                    .map_err(|e| Error::io(&final_path, e.error))?;
                Ok((final_path, bytes))
            }
        }
    }
}

impl EntityWriter<'_> {
    fn err(&self, e: io::Error) -> Error {
        Error::io(&self.disk_path, e)
    }

    /// Writes one CSV record.
    pub fn csv<I, T>(&mut self, record: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let r = match &mut self.body {
            Body::Csv(w) => w.write_record(record).map_err(|e| e.into()),
            Body::Jsonl(_) => Err(io::Error::other("not a CSV file")),
        };
        r.map_err(|e| self.err(e))?;
        self.rows += 1;
        Ok(())
    }

    /// Writes `self.line` as one JSONL line and clears it.
    pub fn flush_line(&mut self) -> Result<()> {
        self.line.push(b'\n');
        let r = match &mut self.body {
            Body::Jsonl(w) => w.write_all(&self.line),
            Body::Csv(_) => Err(io::Error::other("not a JSONL file")),
        };
        self.line.clear();
        r.map_err(|e| self.err(e))?;
        self.rows += 1;
        Ok(())
    }

    /// Finishes the file and returns its manifest entry.
    pub fn finish(self) -> Result<FileEntry> {
        let path = self.disk_path;
        let err = |e: io::Error| Error::io(&path, e);
        let enc = match self.body {
            Body::Csv(w) => w.into_inner().map_err(|e| err(e.into_error()))?,
            Body::Jsonl(w) => w.into_inner().map_err(|e| err(e.into_error()))?,
        };
        let hashing = enc.finish().map_err(err)?;
        let Hashing { w, h, n } = hashing;
        if let Raw::File(mut f) = w {
            f.flush().map_err(err)?;
        }
        Ok(FileEntry {
            path: self.name,
            entity: self.entity,
            rows: self.rows,
            sha256: hex::encode(h.finalize()),
            bytes: n,
        })
    }
}
