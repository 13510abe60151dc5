//! Small file-system helpers, and the one way every export is written.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` atomically: a temporary file in the same
/// directory (owner-only), flushed to disk, then renamed over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_file(path, bytes, true)
}

/// Write an export (a CSV, a report) that holds member data, the same way
/// from every interface: atomically (a temporary file beside it, flushed to
/// disk, then renamed into place, so a reader never sees half a file),
/// readable by its owner only (0600 on Unix), and never over an existing
/// file unless `force` (the CLI's `--force`; the desktop's after the user
/// confirmed replacing it). Refused or failed, nothing is left behind and
/// an existing file is unchanged.
pub fn write_export(path: &Path, bytes: &[u8], force: bool) -> Result<()> {
    write_file(path, bytes, force)
}

fn write_file(path: &Path, bytes: &[u8], replace: bool) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let exists = || Error::Conflict(format!("{}: already exists; not replaced", path.display()));
    if !replace && path.exists() {
        return Err(exists());
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    if replace {
        tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    } else {
        match tmp.persist_noclobber(path) {
            Ok(_) => {}
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => return Err(exists()),
            // A file system without no-replace renames or hard links (FAT
            // on a USB stick): check again, then an ordinary rename.
            Err(e) => {
                if path.exists() {
                    return Err(exists());
                }
                e.file.persist(path).map_err(|e| Error::io(path, e.error))?;
            }
        }
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The largest JSON input the desk reads (a disclosure entry, privacy
/// facts): far above any real one.
pub const MAX_JSON_INPUT: u64 = 1 << 20;

/// The deepest nesting a JSON input may have (a real entry has four levels).
pub const MAX_JSON_DEPTH: usize = 32;

/// Read a JSON input file, bounded: at most [`MAX_JSON_INPUT`] bytes (a
/// device like `/dev/zero` is refused after that much, at once) and at most
/// [`MAX_JSON_DEPTH`] levels of nesting. Problems say where, never the value.
pub fn read_json_input(path: &Path) -> Result<serde_json::Value> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    f.take(MAX_JSON_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_JSON_INPUT {
        return Err(Error::Invalid(format!(
            "{}: larger than {} KiB; an entry is a few KiB at most",
            path.display(),
            MAX_JSON_INPUT >> 10
        )));
    }
    parse_json_input(&bytes).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
}

/// Parse a bounded JSON input (see [`read_json_input`]).
pub fn parse_json_input(bytes: &[u8]) -> std::result::Result<serde_json::Value, String> {
    if bytes.len() as u64 > MAX_JSON_INPUT {
        return Err(format!("larger than {} KiB", MAX_JSON_INPUT >> 10));
    }
    // Depth, counted outside strings, before parsing.
    let (mut depth, mut max, mut in_str, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if max > MAX_JSON_DEPTH {
        return Err(format!("nested more than {MAX_JSON_DEPTH} levels deep"));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    serde_json::from_str(text)
        .map_err(|e| format!("not valid JSON (line {}, column {})", e.line(), e.column()))
}

/// A bundle being written is a hidden file beside its target, named
/// `.bundle-*.part` (owner-only), until it is complete.
pub const BUNDLE_PART_PREFIX: &str = ".bundle-";
pub const BUNDLE_PART_SUFFIX: &str = ".part";

/// Remove a partial bundle a dead process left, if it is one of ours (a
/// hidden `.bundle-*.part`). Returns whether a file was removed.
pub fn remove_partial_bundle(path: &Path) -> bool {
    let ours = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(BUNDLE_PART_PREFIX) && n.ends_with(BUNDLE_PART_SUFFIX));
    ours && path.is_file() && std::fs::remove_file(path).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn an_export_never_replaces_a_file_unless_forced() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("log.csv");
        write_export(&out, b"first", false).unwrap();
        let e = write_export(&out, b"second", false).unwrap_err();
        assert_eq!(e.code(), "conflict");
        assert!(e.to_string().contains("already exists"), "{e}");
        assert_eq!(std::fs::read(&out).unwrap(), b"first");
        assert_eq!(names(tmp.path()), ["log.csv"], "nothing left behind");
        write_export(&out, b"second", true).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"second");
        assert_eq!(names(tmp.path()), ["log.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn an_export_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("report.html");
        // Replacing a world-readable file makes it owner-only too.
        std::fs::write(&out, b"old").unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_export(&out, b"<html>", true).unwrap();
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let fresh = tmp.path().join("fresh.csv");
        write_export(&fresh, b"x", false).unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let tmp = tempfile::tempdir().unwrap();
        // The target is a directory: the rename fails, forced or not.
        let target = tmp.path().join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), b"keep").unwrap();
        let e = write_export(&target, b"data", true).unwrap_err();
        assert_eq!(e.code(), "io");
        assert!(write_export(&target, b"data", false).is_err());
        assert_eq!(names(tmp.path()), ["taken"]);
        assert_eq!(names(&target), ["inside"]);
        // No such directory: nothing is created.
        let e = write_export(&tmp.path().join("no/such/dir.csv"), b"x", false).unwrap_err();
        assert_eq!(e.code(), "io");
        assert_eq!(names(tmp.path()), ["taken"]);
    }
}
