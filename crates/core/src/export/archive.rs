//! A zipped export, read in place: the archive opened and every entry
//! checked before any is read. Problems name the entry (or the archive),
//! line 0.

use super::source::Source;
use crate::problem::Problems;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use zip::read::ZipFile;
use zip::result::ZipError;
use zip::ZipArchive;

/// The most entries a zipped export may hold.
pub const MAX_ZIP_ENTRIES: usize = 10_000;

type Archive = Box<ZipArchive<BufReader<File>>>;

/// The files of an archive `(name, entry index)`, and its directories.
type Entries = (Vec<(String, usize)>, Vec<String>);

/// Open a zip and check its entries. Problems name the entry, line 0.
pub(crate) fn open_zip(
    path: &Path,
    label: &str,
    problems: &mut Problems,
) -> crate::Result<Option<Source>> {
    let io_err = |e| crate::Error::io(path, e);
    let file = File::open(path).map_err(io_err)?;
    let archive_len = file.metadata().map_err(io_err)?.len();
    let Some(mut archive) = open_archive(file, archive_len, label, problems).map_err(io_err)?
    else {
        return Ok(None);
    };
    repeated_names(path, &archive, label, problems).map_err(io_err)?;
    let (files, dirs) = check_entries(&mut archive, label, problems).map_err(io_err)?;
    if !problems.is_empty() {
        return Ok(None);
    }
    Ok(Some(Source::Zip {
        archive,
        entries: strip_top(files, &dirs),
        archive_len,
    }))
}

fn too_many(label: &str, problems: &mut Problems) {
    problems.add(
        label,
        0,
        "entries",
        format!("the archive holds more than {MAX_ZIP_ENTRIES} entries; refused"),
    );
}

/// The archive, unless it declares too many entries or is no zip.
fn open_archive(
    mut file: File,
    len: u64,
    label: &str,
    problems: &mut Problems,
) -> io::Result<Option<Archive>> {
    if declared_entries(&mut file, len).is_some_and(|n| n > MAX_ZIP_ENTRIES as u64) {
        too_many(label, problems);
        return Ok(None);
    }
    file.seek(SeekFrom::Start(0))?;
    let archive = match ZipArchive::new(BufReader::new(file)) {
        Ok(a) => a,
        Err(ZipError::Io(e)) => return Err(e),
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
    if archive.len() > MAX_ZIP_ENTRIES {
        too_many(label, problems);
        return Ok(None);
    }
    Ok(Some(Box::new(archive)))
}

/// The zip crate keeps one entry per name: find repeated names ourselves,
/// in the central directory.
fn repeated_names(
    path: &Path,
    archive: &Archive,
    label: &str,
    problems: &mut Problems,
) -> io::Result<()> {
    let mut again = BufReader::new(File::open(path)?);
    let raw_names = central_names(&mut again, archive.central_directory_start())?;
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
        too_many(label, problems);
    }
    Ok(())
}

/// What an entry is.
enum Entry {
    /// A directory, its name without the slash.
    Dir(String),
    File(String),
    /// An entry refused: its name, the field and why.
    Refused(String, &'static str, String),
}

/// Check every entry: the files `(name, index)` and the directories.
fn check_entries(
    archive: &mut Archive,
    label: &str,
    problems: &mut Problems,
) -> io::Result<Entries> {
    let mut files: Vec<(String, usize)> = Vec::new();
    let mut dirs: Vec<String> = Vec::new();
    for i in 0..archive.len() {
        let zf = match archive.by_index_raw(i) {
            Ok(z) => z,
            Err(ZipError::Io(e)) => return Err(e),
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
        match entry(&zf) {
            Entry::Dir(d) => dirs.push(d),
            Entry::File(n) => files.push((n, i)),
            Entry::Refused(name, field, why) => problems.add(name, 0, field, why),
        }
    }
    Ok((files, dirs))
}

/// An entry's name must be safe, and a file plain: no link, no encryption,
/// stored or deflated.
fn entry<R: Read>(zf: &ZipFile<'_, R>) -> Entry {
    let name = zf.name().to_string();
    let refused = |field, why: &str| Entry::Refused(name.clone(), field, why.to_string());
    if let Some(what) = bad_entry_name(&name) {
        return refused("path", &format!("{what}; refused"));
    }
    if zf.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000) {
        return refused("path", "is a symbolic link; refused");
    }
    if zf.is_dir() {
        return Entry::Dir(name.trim_end_matches('/').to_string());
    }
    if zf.encrypted() {
        return refused("entry", "is encrypted; refused");
    }
    if !matches!(
        zf.compression(),
        zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
    ) {
        return refused(
            "entry",
            "uses a compression method other than deflate; refused",
        );
    }
    Entry::File(name)
}

/// The files by name; one top-level directory holding everything is
/// stripped.
fn strip_top(files: Vec<(String, usize)>, dirs: &[String]) -> HashMap<String, usize> {
    let top = |n: &str| n.split('/').next().unwrap_or("").to_string();
    let prefix = files.first().map(|(n, _)| top(n)).filter(|t| {
        files.iter().all(|(n, _)| n.contains('/') && top(n) == *t)
            && dirs.iter().all(|d| top(d) == *t)
    });
    files
        .into_iter()
        .map(|(n, i)| match &prefix {
            Some(p) => (n[p.len() + 1..].to_string(), i),
            None => (n, i),
        })
        .collect()
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
    fn entry_names() {
        assert_eq!(bad_entry_name("x/../y.csv"), Some("has a .. component"));
        assert_eq!(bad_entry_name("/etc/passwd"), Some("is an absolute path"));
        assert_eq!(bad_entry_name("C:evil.csv"), Some("has a drive prefix"));
        assert_eq!(bad_entry_name("a\\b.csv"), Some("contains a backslash"));
        assert_eq!(bad_entry_name("export/members.csv"), None);
        assert_eq!(bad_entry_name("export/"), None);
    }
}
