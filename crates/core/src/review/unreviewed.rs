//! An unreviewed bundle: for a member without a request. Every proposal is
//! applied automatically (other people pseudonymised everywhere, their
//! identifiers and contact details replaced, ids that carry their numbers
//! renumbered), and the bundle says it was not reviewed. With
//! `with_mentions` it also holds every candidate item from mentions ("What
//! others wrote about you"), shaped the same way, and its manifest lists
//! them as not reviewed.

use super::candidates;
use super::collect::Discovery;
use super::plan::AutoPlan;
use crate::bundle::{self, BundleMade, BundleOptions, Job};
use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressEvent};
use crate::session::Session;
use chrono::{DateTime, Utc};
use std::path::Path;

impl Session {
    /// Make an unreviewed subject-access bundle of a member (dpo, staff).
    /// See `crate::bundle` for what it holds and guarantees. A request's
    /// bundle is released after review ([`Session::release`]): a
    /// `reference` is refused, as is a site whose privacy facts are still
    /// the shipped default unless `allow_default_facts`.
    pub fn bundle(
        &self,
        site: &str,
        member_id: &str,
        out: &Path,
        opts: &BundleOptions,
        now: DateTime<Utc>,
        progress: &dyn Progress,
    ) -> Result<BundleMade> {
        let job = Job {
            site,
            member_id,
            out,
            encrypt: opts.encrypt,
            encryption: opts.encryption,
            reference: opts.reference.as_deref(),
            start_event: "bundle_started",
            end_event: "bundle",
            activity: "a bundle",
            allow_default_facts: opts.allow_default_facts,
        };
        bundle::make(
            self,
            &job,
            now,
            progress,
            |_| {
                match &opts.reference {
                Some(r) => Err(Error::Invalid(format!(
                    "request {r}: a bundle that answers a request is released after a person's review (desk review {r} --create, then desk release {r})"
                ))),
                None => Ok(None),
            }
            },
            |tx, _| {
                progress.event(ProgressEvent::Stage {
                    name: "finding other people".into(),
                    total: None,
                });
                let mut tick = |n: u64| {
                    if n.is_multiple_of(512) && progress.cancelled() {
                        return Err(Error::Cancelled);
                    }
                    Ok(())
                };
                let conn = tx.data()?;
                // Candidate items from mentions, when asked for: all of them.
                let cands = if opts.with_mentions {
                    candidates::collect(conn, site, member_id)?
                } else {
                    Vec::new()
                };
                let d = Discovery::run(conn, site, member_id, &cands, &mut tick)?;
                Ok(AutoPlan::new(d, &cands))
            },
            |_, _, _| Ok(()),
        )
    }
}
