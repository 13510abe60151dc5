//! Where an export's files come from: a directory, or a zip read in place
//! (opened and checked by [`super::archive`]).

use super::readers::{bomb_cap, CapReader};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use zip::ZipArchive;

/// The largest manifest read.
pub(crate) const MAX_MANIFEST: u64 = 16 * 1024 * 1024;

/// Where the files are.
pub(crate) enum Source {
    Dir(PathBuf),
    Zip {
        archive: Box<ZipArchive<BufReader<File>>>,
        /// File name (top directory stripped) → entry index.
        entries: HashMap<String, usize>,
        archive_len: u64,
    },
}

/// A listed file opened for reading: its stored bytes, and a size to base
/// the gzip layer's cap on.
pub(crate) struct Opened<'a> {
    pub reader: Box<dyn Read + 'a>,
    pub stored_size: u64,
    pub archive: bool,
}

impl Source {
    /// The names of the files present, other than directories.
    pub(crate) fn names(&self, root: &Path) -> io::Result<Vec<String>> {
        match self {
            Source::Dir(dir) => {
                let mut out = Vec::new();
                for entry in std::fs::read_dir(dir).map_err(|e| with_path(root, e))? {
                    let entry = entry.map_err(|e| with_path(root, e))?;
                    let mut name = entry.file_name().to_string_lossy().into_owned();
                    if entry.file_type().is_ok_and(|t| t.is_dir()) {
                        name.push('/');
                    }
                    out.push(name);
                }
                out.sort();
                Ok(out)
            }
            Source::Zip { entries, .. } => {
                let mut out: Vec<String> = entries.keys().cloned().collect();
                out.sort();
                Ok(out)
            }
        }
    }

    /// Whether a file of that name is present (as a regular file).
    pub(crate) fn has(&self, name: &str) -> bool {
        match self {
            Source::Dir(dir) => std::fs::metadata(dir.join(name)).is_ok_and(|m| m.is_file()),
            Source::Zip { entries, .. } => entries.contains_key(name),
        }
    }

    /// Read a small file (the manifest) whole, up to `max` bytes.
    /// `Ok(None)` when absent or too big (`Err(Some(len))`-like cases are
    /// reported by the caller).
    pub(crate) fn read_small(&mut self, name: &str, max: u64) -> io::Result<Option<Vec<u8>>> {
        if !self.has(name) {
            return Ok(None);
        }
        let opened = self.open(name)?;
        let mut buf = Vec::new();
        opened.reader.take(max + 1).read_to_end(&mut buf)?;
        Ok(Some(buf))
    }

    /// Open a file's stored bytes for reading.
    pub(crate) fn open(&mut self, name: &str) -> io::Result<Opened<'_>> {
        match self {
            Source::Dir(dir) => {
                let path = dir.join(name);
                let f = File::open(&path).map_err(|e| with_path(&path, e))?;
                let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                Ok(Opened {
                    reader: Box::new(f),
                    stored_size: len,
                    archive: false,
                })
            }
            Source::Zip {
                archive,
                entries,
                archive_len,
            } => {
                let Some(&i) = entries.get(name) else {
                    return Err(io::Error::new(io::ErrorKind::NotFound, "no such entry"));
                };
                let zf = archive.by_index(i).map_err(io::Error::other)?;
                let compressed = zf.compressed_size().min(*archive_len);
                let cap = bomb_cap(compressed);
                let declared = zf.size().min(cap);
                Ok(Opened {
                    reader: Box::new(CapReader::new(zf, cap)),
                    stored_size: declared,
                    archive: true,
                })
            }
        }
    }
}

fn with_path(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
