//! Small file-system helpers.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
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
