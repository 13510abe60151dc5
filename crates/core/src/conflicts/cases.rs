//! The use cases: the vault-wide check (kept for Home and the list), a page
//! of its list, and a live scan of one member, one site or every site.

use super::{
    conflicts_conn, store, Conflict, ConflictCheck, ConflictFilter, ConflictPage, Scope,
    DEFAULT_PAGE, MAX_PAGE,
};
use crate::error::Result;
use crate::progress::Progress;
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use serde_json::json;

impl Session {
    /// Check every member of every site and keep the result as the newest
    /// check (replacing the previous one): a data write, so it reads one
    /// state of the vault and takes its turn with the sync. Cancelling keeps
    /// the previous one.
    pub fn conflicts_check(
        &self,
        now: DateTime<Utc>,
        progress: &dyn Progress,
    ) -> Result<ConflictCheck> {
        self.door(
            Op::data(Action::ReadMembers, "conflicts_check"),
            now,
            |tx| {
                let checked_by = tx.user.name.clone();
                let data = tx.data()?;
                let counts = store::replace_list(data, progress)?;
                let total: u64 = counts.iter().map(|c| c.count).sum();
                let check = ConflictCheck {
                    checked_at: crate::trail::ts(now),
                    checked_by,
                    total,
                    counts,
                    stale: false,
                };
                store::save_check(data, &check)?;
                tx.detail(json!({"conflicts": total}));
                Ok(check)
            },
        )
    }

    /// A page of the newest check's list (instant: read from the vault).
    pub fn conflicts_page(
        &self,
        filter: &ConflictFilter,
        now: DateTime<Utc>,
    ) -> Result<ConflictPage> {
        let limit = match filter.limit {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        };
        let op = Op::logs(Action::ReadMembers, "conflicts_view").on(filter.site.as_deref(), None);
        self.door(op, now, |tx| {
            tx.detail(json!({"stored": true, "offset": filter.offset, "shown": 0}));
            let data = tx.data()?;
            let check = store::last_check(data)?;
            let (total, items) = store::page(data, filter, limit)?;
            tx.detail(json!({"stored": true, "offset": filter.offset, "shown": items.len()}));
            Ok(ConflictPage {
                check,
                total,
                offset: filter.offset,
                items,
            })
        })
    }

    /// Conflicts for one member, one site, or every site.
    pub fn conflicts(&self, scope: &Scope, now: DateTime<Utc>) -> Result<Vec<Conflict>> {
        let (site, member) = match &scope.member {
            Some((s, m)) => (Some(s.as_str()), Some(m.as_str())),
            None => (scope.site.as_deref(), None),
        };
        let op = Op::logs(Action::ReadMembers, "conflicts_view").on(site, member);
        self.door(op, now, |tx| {
            tx.detail(json!({"conflicts": 0}));
            let r = conflicts_conn(tx.data()?, scope)?;
            tx.detail(json!({"conflicts": r.len()}));
            Ok(r)
        })
    }
}
