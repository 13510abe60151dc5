//! The vault-wide conflict check kept in the vault: what Home counts and the
//! conflicts screen pages through, without reading every member again.

mod common;

use common::*;
use desk_core::audit::AuditFilter;
use desk_core::conflicts::{Conflict, ConflictFilter, Scope, MAX_PAGE};
use desk_core::progress::{NoProgress, Progress, ProgressEvent};
use desk_core::{Error, Role, Session};
use export_gen::GenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn generated(dir: &Path, s: &mut Session) -> PathBuf {
    let gen = export_gen::generate(
        &GenOptions {
            site: "netmums".into(),
            members: 400,
            seed: 11,
            ..Default::default()
        },
        &dir.join("export"),
        &export_gen::NoProgress,
    )
    .unwrap();
    s.sync(&gen.path, t(2), &NoProgress).unwrap();
    gen.path
}

fn key(c: &Conflict) -> String {
    serde_json::to_string(c).unwrap()
}

fn every_page(s: &Session, filter: &ConflictFilter) -> Vec<Conflict> {
    let mut out = Vec::new();
    let mut f = filter.clone();
    loop {
        let p = s.conflicts_page(&f, t(5)).unwrap();
        if p.items.is_empty() {
            return out;
        }
        f.offset += p.items.len() as u64;
        out.extend(p.items);
    }
}

#[test]
fn the_stored_check_matches_a_fresh_scan_and_pages_without_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let vault = new_vault(dir.path());
    let mut s = dpo(&vault);
    generated(dir.path(), &mut s);

    // Before any check: nothing stored, Home says so.
    let p = s.conflicts_page(&ConflictFilter::default(), t(3)).unwrap();
    assert!(p.check.is_none());
    assert_eq!((p.total, p.items.len()), (0, 0));
    let h = s.home(t(3)).unwrap();
    assert_eq!((h.open_conflicts, h.conflicts_checked_at), (None, None));

    let check = s.conflicts_check(t(4), &NoProgress).unwrap();
    let fresh = s.conflicts(&Scope::default(), t(4)).unwrap();
    assert!(fresh.len() > 20, "the generator makes conflicts");
    assert_eq!(check.total, fresh.len() as u64);
    assert_eq!(check.checked_by, "dpo");
    assert!(!check.stale);
    assert_eq!(
        check.counts.iter().map(|c| c.count).sum::<u64>(),
        check.total
    );

    // Small pages, read to the end: the same conflicts, none twice.
    let stored = every_page(
        &s,
        &ConflictFilter {
            limit: 7,
            ..Default::default()
        },
    );
    let mut a: Vec<String> = stored.iter().map(key).collect();
    let mut b: Vec<String> = fresh.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    // Listed by site, member, kind, instant.
    let order: Vec<_> = stored
        .iter()
        .map(|c| {
            (
                c.site.clone(),
                c.member_id.clone(),
                c.kind.clone(),
                c.at.clone(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);

    // A kind filter gives exactly that kind, as many as the check counted.
    let kind = &check.counts[0].kind;
    let only = every_page(
        &s,
        &ConflictFilter {
            kind: Some(kind.clone()),
            ..Default::default()
        },
    );
    assert!(only.iter().all(|c| &c.kind == kind));
    assert_eq!(only.len() as u64, check.counts[0].count);
    // Pages are capped; the default is 100.
    let big = s
        .conflicts_page(
            &ConflictFilter {
                limit: 1_000_000,
                ..Default::default()
            },
            t(5),
        )
        .unwrap();
    assert_eq!(big.items.len() as u64, check.total.min(MAX_PAGE));
    let dflt = s.conflicts_page(&ConflictFilter::default(), t(5)).unwrap();
    assert_eq!(dflt.items.len() as u64, check.total.min(100));

    // Home counts the stored check at once.
    let h = s.home(t(5)).unwrap();
    assert_eq!(h.open_conflicts, Some(check.total));
    assert_eq!(h.conflicts_checked_at, Some(check.checked_at.clone()));
    assert!(!h.conflicts_stale);
}

#[test]
fn a_sync_after_the_check_marks_it_stale_and_a_new_check_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let vault = new_vault(dir.path());
    let mut s = dpo(&vault);
    let full = generated(dir.path(), &mut s);
    let first = s.conflicts_check(t(3), &NoProgress).unwrap();

    let delta = export_gen::generate(
        &GenOptions {
            delta_of: Some(full),
            changes: 300,
            seed: 2,
            ..Default::default()
        },
        &dir.path().join("delta"),
        &export_gen::NoProgress,
    )
    .unwrap();
    s.sync(&delta.path, t(4), &NoProgress).unwrap();
    let h = s.home(t(4)).unwrap();
    assert_eq!(h.open_conflicts, Some(first.total));
    assert!(h.conflicts_stale);
    assert!(
        s.conflicts_page(&ConflictFilter::default(), t(4))
            .unwrap()
            .check
            .unwrap()
            .stale
    );

    let second = s.conflicts_check(t(5), &NoProgress).unwrap();
    assert!(!second.stale);
    assert_eq!(
        second.total,
        s.conflicts(&Scope::default(), t(5)).unwrap().len() as u64
    );
    let p = s.conflicts_page(&ConflictFilter::default(), t(5)).unwrap();
    assert_eq!(p.total, second.total, "the old list is gone");
    assert_eq!(p.check.unwrap().checked_at, second.checked_at);
}

/// Cancels once the given stage has begun.
struct CancelAt {
    stage: &'static str,
    seen: Mutex<bool>,
}

impl Progress for CancelAt {
    fn event(&self, e: ProgressEvent) {
        if let ProgressEvent::Stage { name, .. } = e {
            if name.contains(self.stage) {
                *self.seen.lock().unwrap() = true;
            }
        }
    }
    fn cancelled(&self) -> bool {
        *self.seen.lock().unwrap()
    }
}

#[test]
fn a_cancelled_check_keeps_the_previous_one() {
    let dir = tempfile::tempdir().unwrap();
    let vault = new_vault(dir.path());
    let mut s = dpo(&vault);
    generated(dir.path(), &mut s);
    let first = s.conflicts_check(t(3), &NoProgress).unwrap();
    let before = every_page(&s, &ConflictFilter::default());

    let cancel = CancelAt {
        stage: "(2 of 5)",
        seen: Mutex::new(false),
    };
    let r = s.conflicts_check(t(4), &cancel);
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    let p = s.conflicts_page(&ConflictFilter::default(), t(5)).unwrap();
    assert_eq!(p.check.unwrap(), first);
    assert_eq!(every_page(&s, &ConflictFilter::default()), before);

    let events = s
        .audit_list(
            &AuditFilter {
                action: Some("conflicts_check".into()),
                ..Default::default()
            },
            t(5),
        )
        .unwrap();
    let outcomes: Vec<_> = events.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["ok", "cancelled"]);
}

#[test]
fn the_auditor_may_neither_check_nor_list_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let vault = new_vault(dir.path());
    let mut s = dpo(&vault);
    generated(dir.path(), &mut s);
    s.add_user("ada", Role::Auditor, "ada-password", t(2))
        .unwrap();
    let first = s.conflicts_check(t(3), &NoProgress).unwrap();
    drop(s);

    let ada = Session::unlock(&vault, "ada", "ada-password", t(4)).unwrap();
    assert!(matches!(
        ada.conflicts_check(t(4), &NoProgress),
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        ada.conflicts_page(&ConflictFilter::default(), t(4)),
        Err(Error::Forbidden { .. })
    ));
    assert_eq!(ada.home(t(4)).unwrap().open_conflicts, None);
    drop(ada);

    let s = dpo(&vault);
    let p = s.conflicts_page(&ConflictFilter::default(), t(5)).unwrap();
    assert_eq!(p.check.unwrap(), first);
    assert_eq!(p.total, first.total);
    let refused = s
        .audit_list(
            &AuditFilter {
                user: Some("ada".into()),
                ..Default::default()
            },
            t(5),
        )
        .unwrap();
    assert!(refused.iter().filter(|e| e.outcome == "refused").count() >= 2);
}
