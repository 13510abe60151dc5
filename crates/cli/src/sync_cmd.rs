//! `desk sync`, `desk status` and `desk reindex`: what the vault holds of
//! production, and its search index.

use crate::output::{thousands, Out};
use crate::signin::sign_in;
use crate::{now, progress, CliResult};
use serde_json::json;
use std::path::{Path, PathBuf};

/// `desk sync EXPORT...`: each applied in order; a refusal stops the rest.
pub fn sync(vault: &Path, exports: &[PathBuf], out: &Out) -> CliResult {
    let s = sign_in(vault)?;
    let mut reports = Vec::new();
    for path in exports {
        let bar = progress::for_terminal(out);
        let r = s.sync(path, now(), bar.as_ref());
        drop(bar);
        match r {
            Ok(r) => {
                out.sync_report(&r);
                reports.push(r);
            }
            Err(e) => {
                if !reports.is_empty() {
                    out.note(&format!(
                        "{} export(s) before {} were applied; it and any after it were not.",
                        reports.len(),
                        path.display()
                    ));
                }
                return Err(e.into());
            }
        }
    }
    out.json_only(json!({"results": reports}));
    Ok(())
}

/// `desk status`: per site, the latest export applied and the rows stored.
pub fn status(vault: &Path, out: &Out) -> CliResult {
    let s = sign_in(vault)?;
    out.status(&s.status(now())?);
    Ok(())
}

/// `desk reindex`: rebuild the search index with this desk's rules (dpo,
/// staff), with progress; search refuses until it is rebuilt when the
/// rules changed. Cancelling (Ctrl-C) keeps the old index.
pub fn reindex(vault: &Path, out: &Out) -> CliResult {
    let s = sign_in(vault)?;
    let was_stale = s.search_index_stale(now())?;
    let bar = progress::for_terminal(out);
    let r = s.search_reindex(now(), bar.as_ref());
    drop(bar);
    let terms = r?;
    out.done(
        &format!(
            "Rebuilt the search index ({} terms indexed){}.",
            thousands(terms),
            if was_stale {
                "; search works again"
            } else {
                "; it was up to date"
            }
        ),
        json!({"rebuilt": true, "terms": terms, "was_stale": was_stale}),
    );
    Ok(())
}
