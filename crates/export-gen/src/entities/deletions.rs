//! deletions.csv (deltas only): what the delta deletes, each at a time in
//! the delta's window, in UTC or UK local time.

use crate::error::Result;
use crate::util::*;
use crate::writer::{FileEntry, Output};
use export_format::Entity;
use rand_chacha::ChaCha8Rng;

/// Writes deletions.csv: one row per `(entity, id)`, drawn from `r`.
pub fn write(
    output: &mut Output,
    dels: &[(Entity, String)],
    r: &mut ChaCha8Rng,
    (from, to): (i64, i64),
) -> Result<FileEntry> {
    let header: Vec<&str> = Entity::Deletions.fields().iter().map(|f| f.name).collect();
    let mut w = output.open(Entity::Deletions, &header)?;
    for (e, id) in dels {
        let t = between(r, from + 1, to);
        let at = ts(t, chance(r, 0.5));
        w.csv([e.name(), id.as_str(), at.as_str()])?;
    }
    w.finish()
}
