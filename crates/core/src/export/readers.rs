//! The readers that make hostile input safe: caps on decompressed size and on
//! record length, the checksum of the stored bytes, a byte-order mark
//! skipped, and the bytes the CSV parser was given (to find a record's line).

use sha2::{Digest, Sha256};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{self, Read};
use std::rc::Rc;

/// The longest physical line (JSONL) or record (CSV), in bytes.
pub const MAX_LINE: usize = 16 * 1024 * 1024;
/// Decompressed bytes per file are capped at the larger of this and
/// [`BOMB_RATIO`] times the compressed size.
pub const MIN_BOMB_CAP: u64 = 256 * 1024 * 1024;
/// See [`MIN_BOMB_CAP`].
pub(crate) const BOMB_RATIO: u64 = 200;
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
    fn gzip_passes_inner_markers_through() {
        let inner = io::Cursor::new(vec![0u8; 10]);
        let failing = CapReader::new(inner, 0);
        let mut gz = flate2::read::MultiGzDecoder::new(failing);
        let e = gz.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(is_marker(&e), "{e}");
    }
}
