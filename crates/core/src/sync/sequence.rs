//! The export contract's sequence rules (§5), checked inside the sync's
//! write transaction: two syncs of the same site at once take turns, and
//! the second sees what the first applied.

use crate::error::{Error, Result};
use crate::export::{ExportKind, Manifest};
use rusqlite::{params, Connection, OptionalExtension};

/// Ok(true): apply it; Ok(false): already applied, a no-op.
pub(crate) fn check_sequence(conn: &Connection, m: &Manifest) -> Result<bool> {
    let same: Option<String> = conn
        .query_row(
            "SELECT fingerprint FROM exports WHERE site = ?1 AND sequence = ?2",
            params![m.site, m.sequence],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(fp) = same {
        if fp == m.fingerprint {
            return Ok(false);
        }
        return Err(Error::OutOfSequence(format!(
            "export {} of site {} was already applied with different content",
            m.sequence, m.site
        )));
    }
    let latest: Option<i64> = conn.query_row(
        "SELECT max(sequence) FROM exports WHERE site = ?1",
        [&m.site],
        |r| r.get(0),
    )?;
    match (latest, m.kind) {
        (None, ExportKind::Delta) => Err(Error::OutOfSequence(match m.base_sequence {
            Some(base) => format!(
                "this delta applies on export {base} of site {}, which this vault does not have: \
                 the first export of a site must be a full export; sync export {base} first",
                m.site
            ),
            None => format!(
                "the first export of site {} must be a full export; this is a delta",
                m.site
            ),
        })),
        (None, ExportKind::Full) => Ok(true),
        (Some(l), _) if m.sequence <= l => Err(Error::OutOfSequence(format!(
            "export {} of site {} is not newer than the latest applied, {l}",
            m.sequence, m.site
        ))),
        (Some(l), ExportKind::Delta) if m.base_sequence != Some(l) => {
            let base = m.base_sequence.unwrap_or_default();
            Err(Error::OutOfSequence(if base > l {
                format!(
                    "this delta applies on export {base} of site {}, but the latest applied is {l}: sync export {base} (and any before it) first",
                    m.site
                )
            } else {
                format!(
                    "this delta applies on export {base} of site {}, but export {l} has been applied since: it needs a delta based on {l} or a full export",
                    m.site
                )
            }))
        }
        _ => Ok(true),
    }
}
