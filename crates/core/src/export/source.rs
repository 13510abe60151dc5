//! Where an export's files come from (a directory or a zip read in place), and
//! the readers that make hostile input safe: caps on decompressed size and on
//! record length, and the checksum of the stored bytes.

use crate::problem::Problems;
use sha2::{Digest, Sha256};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use zip::ZipArchive;

/// The longest physical line (JSONL) or record (CSV), in bytes.
pub const MAX_LINE: usize = 16 * 1024 * 1024;
/// Decompressed bytes per file are capped at the larger of this and
/// [`BOMB_RATIO`] times the compressed size.
pub const MIN_BOMB_CAP: u64 = 256 * 1024 * 1024;
/// See [`MIN_BOMB_CAP`].
pub(crate) const BOMB_RATIO: u64 = 200;
/// The most entries a zipped export may hold.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// The largest manifest read.
pub(crate) const MAX_MANIFEST: u64 = 16 * 1024 * 1024;
/// The CSV parser's buffer.
pub(crate) const CSV_BUFFER: usize = 64 * 1024;

/// The cap on what `compressed` bytes may decompress to.
pub(crate) fn bomb_cap(compressed: u64) -> u64 {
    MIN_BOMB_CAP.max(compressed.saturating_mul(BOMB_RATIO))
}

/// Why reading stopped, carried inside an `io::Error` through decoders and
/// the CSV parser.
#[derive(Debug)]
pub(crate) enum Marker {
    /// More decompressed bytes than the cap.
    Bomb { limit: u64 },
    /// A line or record longer than [`MAX_LINE`].
    TooLong,
    /// A zip entry could not be read (damaged data, bad checksum).
    Archive(io::Error),
    /// A file of a directory export could not be read.
    Disk(io::Error),
}

impl fmt::Display for Marker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Marker::Bomb { limit } => write!(f, "more than {limit} decompressed bytes"),
            Marker::TooLong => write!(f, "longer than {MAX_LINE} bytes"),
            Marker::Archive(e) | Marker::Disk(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Marker {}

/// Fails with [`Marker::Bomb`] once more than `limit` bytes have passed.
pub(crate) struct CapReader<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> CapReader<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        CapReader {
            inner,
            left: limit,
            limit,
        }
    }
}

impl<R: Read> Read for CapReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // One byte more tells a file of exactly `limit` bytes from a bigger one.
            let mut one = [0u8; 1];
            return match self.inner.read(&mut one)? {
                0 => Ok(0),
                _ => Err(io::Error::other(Marker::Bomb { limit: self.limit })),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// The sha256 and size of what has been read.
#[derive(Default)]
pub(crate) struct Digested {
    pub hasher: Sha256,
    pub bytes: u64,
}

/// Hashes and counts the stored bytes; marks errors of the storage itself.
pub(crate) struct HashReader<R> {
    inner: R,
    state: Rc<RefCell<Digested>>,
    archive: bool,
}

impl<R: Read> HashReader<R> {
    pub(crate) fn new(inner: R, state: Rc<RefCell<Digested>>, archive: bool) -> Self {
        HashReader {
            inner,
            state,
            archive,
        }
    }
}

impl<R: Read> Read for HashReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.inner.read(buf) {
                Ok(n) => {
                    let mut s = self.state.borrow_mut();
                    s.hasher.update(&buf[..n]);
                    s.bytes += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if is_marker(&e) => return Err(e),
                Err(e) => {
                    return Err(io::Error::other(if self.archive {
                        Marker::Archive(e)
                    } else {
                        Marker::Disk(e)
                    }))
                }
            }
        }
    }
}

fn is_marker(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<Marker>())
}

/// Counts bytes read (the decompressed size).
pub(crate) struct CountReader<R> {
    inner: R,
    pub count: Rc<Cell<u64>>,
}

impl<R: Read> CountReader<R> {
    pub(crate) fn new(inner: R, count: Rc<Cell<u64>>) -> Self {
        CountReader { inner, count }
    }
}

impl<R: Read> Read for CountReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Drops a UTF-8 byte-order mark at the start.
pub(crate) struct BomSkip<R> {
    inner: R,
    pending: [u8; 3],
    start: usize,
    end: usize,
    checked: bool,
}

impl<R: Read> BomSkip<R> {
    pub(crate) fn new(inner: R) -> Self {
        BomSkip {
            inner,
            pending: [0; 3],
            start: 0,
            end: 0,
            checked: false,
        }
    }
}

impl<R: Read> Read for BomSkip<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            while self.end < 3 {
                let n = self.inner.read(&mut self.pending[self.end..])?;
                if n == 0 {
                    break;
                }
                self.end += n;
            }
            self.checked = true;
            if self.pending[..self.end] == [0xEF, 0xBB, 0xBF] {
                self.start = 3;
            }
        }
        if self.start < self.end {
            let n = buf.len().min(self.end - self.start);
            buf[..n].copy_from_slice(&self.pending[self.start..self.start + n]);
            self.start += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// How many of the last bytes delivered to the CSV parser are remembered
/// (the parser holds at most [`CSV_BUFFER`] unconsumed).
const FEED_WINDOW: usize = 4 * CSV_BUFFER;

/// What the reader under the CSV parser shares with the code that drives it.
#[derive(Debug)]
pub(crate) struct FeedState {
    /// Bytes delivered to the parser so far.
    delivered: u64,
    /// Where the record being parsed starts (set by the driver).
    pub record_start: u64,
    /// The last bytes delivered: byte `o` sits at `o % FEED_WINDOW`.
    recent: Vec<u8>,
}

impl Default for FeedState {
    fn default() -> Self {
        FeedState {
            delivered: 0,
            record_start: 0,
            recent: vec![0; FEED_WINDOW],
        }
    }
}

impl FeedState {
    /// Whether the byte at `offset` (recently delivered) is a newline.
    pub(crate) fn is_newline(&self, offset: u64) -> bool {
        self.byte_at(offset) == Some(b'\n')
    }

    /// The byte at `offset`, if it was delivered recently.
    pub(crate) fn byte_at(&self, offset: u64) -> Option<u8> {
        (offset < self.delivered && self.delivered - offset <= FEED_WINDOW as u64)
            .then(|| self.recent[(offset % FEED_WINDOW as u64) as usize])
    }

    fn remember(&mut self, bytes: &[u8]) {
        let skip = bytes.len().saturating_sub(FEED_WINDOW);
        let mut at = ((self.delivered + skip as u64) % FEED_WINDOW as u64) as usize;
        let mut rest = &bytes[skip..];
        while !rest.is_empty() {
            let n = rest.len().min(FEED_WINDOW - at);
            self.recent[at..at + n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
            at = (at + n) % FEED_WINDOW;
        }
        self.delivered += bytes.len() as u64;
    }
}

/// The reader under the CSV parser: refuses to deliver more than
/// [`MAX_LINE`] bytes past the start of the current record, and remembers the last bytes delivered so that a
/// record's first line can be found (the parser's own line count is off
/// after blank lines and CRLF).
pub(crate) struct CsvFeed<R> {
    inner: R,
    state: Rc<RefCell<FeedState>>,
}

impl<R: Read> CsvFeed<R> {
    pub(crate) fn new(inner: R, state: Rc<RefCell<FeedState>>) -> Self {
        CsvFeed { inner, state }
    }
}

impl<R: Read> Read for CsvFeed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut s = self.state.borrow_mut();
        // Never more than MAX_LINE bytes past the record's start: the parser
        // cannot hold a longer record (nor grow its buffers beyond it).
        let room = (s.record_start + MAX_LINE as u64).saturating_sub(s.delivered);
        if room == 0 && !buf.is_empty() {
            return Err(io::Error::other(Marker::TooLong));
        }
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        s.remember(&buf[..n]);
        Ok(n)
    }
}

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

/// Open a zip and check its entries. Problems name the entry, line 0.
pub(crate) fn open_zip(
    path: &Path,
    label: &str,
    problems: &mut Problems,
) -> crate::Result<Option<Source>> {
    let io_err = |e| crate::Error::io(path, e);
    let mut file = File::open(path).map_err(io_err)?;
    let archive_len = file.metadata().map_err(io_err)?.len();

    if let Some(n) = declared_entries(&mut file, archive_len) {
        if n > MAX_ZIP_ENTRIES as u64 {
            problems.add(
                label,
                0,
                "entries",
                format!("the archive holds more than {MAX_ZIP_ENTRIES} entries; refused"),
            );
            return Ok(None);
        }
    }
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let archive = match ZipArchive::new(BufReader::new(file)) {
        Ok(a) => a,
        Err(zip::result::ZipError::Io(e)) => return Err(io_err(e)),
        Err(e) => {
            problems.add(
                label,
                0,
                "archive",
                format!("not a readable zip archive ({e})"),
            );
            return Ok(None);
        }
    };
    let mut archive = Box::new(archive);
    if archive.len() > MAX_ZIP_ENTRIES {
        problems.add(
            label,
            0,
            "entries",
            format!("the archive holds more than {MAX_ZIP_ENTRIES} entries; refused"),
        );
        return Ok(None);
    }

    // The zip crate keeps one entry per name: find repeated names ourselves.
    let dir_start = archive.central_directory_start();
    let mut again = BufReader::new(File::open(path).map_err(io_err)?);
    let raw_names = central_names(&mut again, dir_start).map_err(io_err)?;
    let mut seen = HashSet::new();
    for n in &raw_names {
        if !seen.insert(n.as_slice()) {
            problems.add(
                String::from_utf8_lossy(n),
                0,
                "path",
                "appears more than once in the archive; refused",
            );
        }
    }
    if raw_names.len() > MAX_ZIP_ENTRIES {
        problems.add(
            label,
            0,
            "entries",
            format!("the archive holds more than {MAX_ZIP_ENTRIES} entries; refused"),
        );
    }

    // Check every entry; collect the files.
    let mut files: Vec<(String, usize)> = Vec::new();
    let mut dirs: Vec<String> = Vec::new();
    for i in 0..archive.len() {
        let zf = match archive.by_index_raw(i) {
            Ok(z) => z,
            Err(zip::result::ZipError::Io(e)) => return Err(io_err(e)),
            Err(e) => {
                problems.add(
                    label,
                    0,
                    "entries",
                    format!("entry {i} is unreadable ({e})"),
                );
                continue;
            }
        };
        let name = zf.name().to_string();
        if let Some(what) = bad_entry_name(&name) {
            problems.add(name, 0, "path", format!("{what}; refused"));
            continue;
        }
        if zf.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000) {
            problems.add(name, 0, "path", "is a symbolic link; refused");
            continue;
        }
        if zf.is_dir() {
            dirs.push(name.trim_end_matches('/').to_string());
            continue;
        }
        if zf.encrypted() {
            problems.add(name, 0, "entry", "is encrypted; refused");
            continue;
        }
        if !matches!(
            zf.compression(),
            zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
        ) {
            problems.add(
                name,
                0,
                "entry",
                "uses a compression method other than deflate; refused",
            );
            continue;
        }
        files.push((name, i));
    }
    if !problems.is_empty() {
        return Ok(None);
    }

    // One top-level directory holding everything is stripped.
    let top = |n: &str| n.split('/').next().unwrap_or("").to_string();
    let prefix = files.first().map(|(n, _)| top(n)).filter(|t| {
        files.iter().all(|(n, _)| n.contains('/') && top(n) == *t)
            && dirs.iter().all(|d| top(d) == *t)
    });
    let entries = files
        .into_iter()
        .map(|(n, i)| match &prefix {
            Some(p) => (n[p.len() + 1..].to_string(), i),
            None => (n, i),
        })
        .collect();
    Ok(Some(Source::Zip {
        archive,
        entries,
        archive_len,
    }))
}

/// Why an entry name is unsafe, if it is.
fn bad_entry_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("has an empty name");
    }
    if name.contains('\\') {
        return Some("contains a backslash");
    }
    if name.starts_with('/') {
        return Some("is an absolute path");
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
        return Some("has a drive prefix");
    }
    if name.contains(':') {
        return Some("contains a colon");
    }
    if name.chars().any(char::is_control) {
        return Some("contains a control character");
    }
    let body = name.strip_suffix('/').unwrap_or(name);
    for c in body.split('/') {
        match c {
            ".." => return Some("has a .. component"),
            "." | "" => return Some("has an empty or . component"),
            _ => {}
        }
    }
    None
}

/// The number of entries the end-of-central-directory record declares
/// (zip64 included), read before handing the archive to the zip crate.
fn declared_entries(f: &mut File, len: u64) -> Option<u64> {
    let tail_len = len.min(22 + 65_535);
    f.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = vec![0u8; usize::try_from(tail_len).ok()?];
    f.read_exact(&mut tail).ok()?;
    let pos = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])?;
    let n = u16::from_le_bytes([tail[pos + 10], tail[pos + 11]]);
    if n != 0xFFFF {
        return Some(u64::from(n));
    }
    // Zip64: the locator sits just before the record.
    let loc = pos.checked_sub(20)?;
    if tail[loc..loc + 4] != [0x50, 0x4b, 0x06, 0x07] {
        return None;
    }
    let off = u64::from_le_bytes(tail[loc + 8..loc + 16].try_into().ok()?);
    f.seek(SeekFrom::Start(off)).ok()?;
    let mut rec = [0u8; 56];
    f.read_exact(&mut rec).ok()?;
    if rec[..4] != [0x50, 0x4b, 0x06, 0x06] {
        return None;
    }
    Some(u64::from_le_bytes(rec[32..40].try_into().ok()?))
}

/// The raw names in the central directory, in order, up to one more than
/// [`MAX_ZIP_ENTRIES`].
fn central_names<R: Read + Seek>(r: &mut R, start: u64) -> io::Result<Vec<Vec<u8>>> {
    r.seek(SeekFrom::Start(start))?;
    let mut out = Vec::new();
    let mut head = [0u8; 46];
    while out.len() <= MAX_ZIP_ENTRIES {
        if r.read_exact(&mut head).is_err() || head[..4] != [0x50, 0x4b, 0x01, 0x02] {
            break;
        }
        let n = usize::from(u16::from_le_bytes([head[28], head[29]]));
        let m = i64::from(u16::from_le_bytes([head[30], head[31]]));
        let k = i64::from(u16::from_le_bytes([head[32], head[33]]));
        let mut name = vec![0u8; n];
        r.read_exact(&mut name)?;
        r.seek(SeekFrom::Current(m + k))?;
        out.push(name);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_reader_allows_exactly_the_limit() {
        let data = [b'a'; 100];
        let mut out = Vec::new();
        CapReader::new(&data[..], 100)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), 100);
        let e = CapReader::new(&data[..], 99)
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(matches!(
            e.get_ref().and_then(|i| i.downcast_ref::<Marker>()),
            Some(Marker::Bomb { limit: 99 })
        ));
    }

    #[test]
    fn bom_is_skipped_once() {
        let mut out = Vec::new();
        BomSkip::new(&b"\xEF\xBB\xBFa,b\n"[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"a,b\n");
        out.clear();
        BomSkip::new(&b"ab"[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"ab");
    }

    #[test]
    fn feed_remembers_recent_newlines() {
        let mut s = FeedState::default();
        s.remember(b"ab\n");
        assert!(s.is_newline(2) && !s.is_newline(1) && !s.is_newline(3));
        let big = vec![b'x'; FEED_WINDOW + 10];
        s.remember(&big);
        assert!(!s.is_newline(2));
        s.remember(b"\n");
        assert!(s.is_newline(3 + FEED_WINDOW as u64 + 10));
    }

    #[test]
    fn csv_feed_stops_max_line_past_the_record_start() {
        let state = Rc::new(RefCell::new(FeedState::default()));
        let mut feed = CsvFeed::new(io::repeat(b'a'), state.clone());
        let mut buf = vec![0; 1 << 20];
        let mut total = 0;
        let err = loop {
            match feed.read(&mut buf) {
                Ok(n) => total += n,
                Err(e) => break e,
            }
        };
        assert!(matches!(
            err.get_ref().and_then(|i| i.downcast_ref::<Marker>()),
            Some(Marker::TooLong)
        ));
        assert_eq!(total, MAX_LINE);
        // A new record may go on.
        state.borrow_mut().record_start = MAX_LINE as u64 - 10;
        assert_eq!(feed.read(&mut buf).unwrap(), 1 << 20);
    }

    #[test]
    fn entry_names() {
        assert_eq!(bad_entry_name("x/../y.csv"), Some("has a .. component"));
        assert_eq!(bad_entry_name("/etc/passwd"), Some("is an absolute path"));
        assert_eq!(bad_entry_name("C:evil.csv"), Some("has a drive prefix"));
        assert_eq!(bad_entry_name("a\\b.csv"), Some("contains a backslash"));
        assert_eq!(bad_entry_name("export/members.csv"), None);
        assert_eq!(bad_entry_name("export/"), None);
    }

    #[test]
    fn gzip_passes_inner_markers_through() {
        let inner = io::Cursor::new(vec![0u8; 10]);
        let failing = CapReader::new(inner, 0);
        let mut gz = flate2::read::MultiGzDecoder::new(failing);
        let e = gz.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(is_marker(&e), "{e}");
    }
}
