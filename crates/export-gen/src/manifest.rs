//! The manifest the generator writes, and reading a base export's manifest
//! (a directory or a zip) to continue its chain.

use crate::delta::GenState;
use crate::error::{Error, Result};
use crate::util::ts;
use crate::writer::FileEntry;
use export_format::{ExportKind, FORMAT, FORMAT_VERSION, MANIFEST_NAME};
use std::io::Read;
use std::path::Path;

/// manifest.json, pretty-printed, with the `generator` object last.
pub fn manifest_json(
    site: &str,
    kind: ExportKind,
    sequence: i64,
    base_sequence: Option<i64>,
    generated_at: i64,
    files: &[FileEntry],
    state: &GenState,
) -> Result<Vec<u8>> {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            serde_json::json!({
                "path": f.path,
                "entity": f.entity.name(),
                "rows": f.rows,
                "sha256": f.sha256,
            })
        })
        .collect();
    let m = serde_json::json!({
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "site": site,
        "kind": kind.name(),
        "sequence": sequence,
        "base_sequence": base_sequence,
        "generated_at": ts(generated_at, false).as_str(),
        "files": files,
        "generator": state,
    });
    let mut v =
        serde_json::to_vec_pretty(&m).map_err(|e| Error::Invalid(format!("manifest: {e}")))?;
    v.push(b'\n');
    Ok(v)
}

const MANIFEST_LIMIT: u64 = 64 * 1024 * 1024;

/// Reads the manifest of an export (a directory, or a zip with it at the
/// root or in one top directory).
pub fn read_manifest(path: &Path) -> Result<serde_json::Value> {
    let bytes = if path.is_dir() {
        let p = path.join(MANIFEST_NAME);
        let f = std::fs::File::open(&p).map_err(|e| Error::io(&p, e))?;
        let mut v = Vec::new();
        f.take(MANIFEST_LIMIT)
            .read_to_end(&mut v)
            .map_err(|e| Error::io(&p, e))?;
        v
    } else {
        read_zipped_manifest(path)?
    };
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::Invalid(format!("{}: manifest.json: {e}", path.display())))
}

fn read_zipped_manifest(path: &Path) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut z = zip::ZipArchive::new(std::io::BufReader::new(f))
        .map_err(|e| Error::Invalid(format!("{}: not a readable zip: {e}", path.display())))?;
    let name = z
        .file_names()
        .filter(|n| {
            let parts: Vec<&str> = n.split('/').collect();
            parts.last() == Some(&MANIFEST_NAME) && parts.len() <= 2
        })
        .min_by_key(|n| n.len())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::Invalid(format!("{}: no manifest.json in the zip", path.display()))
        })?;
    let entry = z
        .by_name(&name)
        .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    let mut v = Vec::new();
    entry
        .take(MANIFEST_LIMIT)
        .read_to_end(&mut v)
        .map_err(|e| Error::io(path, e))?;
    Ok(v)
}
