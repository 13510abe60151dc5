//! The summary of a draft as the signed-in user sees it: its counts, what
//! blocks it, and what the user can do.

use super::super::store::{self, DraftRow};
use super::super::{DisclosureCheck, DraftState, ReviewCan, ReviewSettings, ReviewSummary};
use super::{complete, disclosure_checks, plural, Replayed};
use crate::error::Result;
use crate::roles::{Action, Role};
use crate::session::Tx;

/// The summary of the current draft, as the signed-in user sees it.
pub(crate) fn summary(tx: &Tx, d: &DraftRow, r: &Replayed) -> Result<ReviewSummary> {
    let conn = tx.data()?;
    let c = store::counts(conn, d.id)?;
    let current_sequence = store::sequence(conn, &d.site)?;
    let stale = current_sequence != d.vault_sequence;
    let settings = store::settings(tx.logs, &d.site)?;
    let facts = crate::privacy::facts_conn(tx.logs, &d.site)?;
    let facts_default = facts.updated_at.is_none();
    let disclosures = disclosure_checks(tx, d)?;
    let mut blockers = blockers(d, &c, current_sequence, &disclosures);
    let ready = blockers.is_empty();
    match r.state {
        DraftState::InReview if settings.four_eyes => {
            if let Some(s) = &r.submitted_by {
                blockers.push(format!(
                    "four eyes: a dpo other than {s} (who submitted it) approves"
                ));
            }
        }
        DraftState::Approved if facts_default => blockers.push(
            "the site's privacy facts are still the shipped default: a dpo should review them first (or release with allow_default_facts, which the manifest records)".into(),
        ),
        _ => {}
    }
    let can = can(tx, r, &settings, ready, stale);
    Ok(ReviewSummary {
        reference: d.reference.clone(),
        site: d.site.clone(),
        member_id: d.member_id.clone(),
        draft: d.id as u32,
        state: r.state,
        created_at: d.created_at.clone(),
        created_by: d.created_by.clone(),
        replaces: d.replaces.map(|x| x as u32),
        carried_over: d.carried as u32,
        vault_sequence: d.vault_sequence,
        current_sequence,
        stale,
        four_eyes: settings.four_eyes,
        facts_default,
        items: c.items,
        items_reviewed: c.reviewed,
        items_withheld: c.withheld,
        proposals: c.proposals,
        proposals_undecided: c.undecided,
        parties: c.parties,
        parties_undecided: c.parties_undecided,
        spans: c.spans,
        kinds: c.kinds,
        candidates: c.candidates,
        disclosures,
        blockers,
        can,
        events: r.events.clone(),
    })
}

/// What stops a draft from being ready: the vault changed since, undecided
/// proposals, disclosure decisions not recorded.
fn blockers(
    d: &DraftRow,
    c: &store::Counts,
    current_sequence: i64,
    disclosures: &[DisclosureCheck],
) -> Vec<String> {
    let mut blockers = Vec::new();
    if current_sequence != d.vault_sequence {
        blockers.push(format!(
            "the vault changed since the draft was made (export {} then, {} now): make a new draft (decisions carry over to what did not change)",
            d.vault_sequence, current_sequence
        ));
    }
    if c.undecided > 0 {
        let proposals = plural(c.undecided as u64, "proposal", "proposals");
        blockers.push(if c.parties_undecided > 0 {
            format!(
                "{proposals} undecided, about {}: decide each third party (or each proposal)",
                plural(c.parties_undecided as u64, "third party", "third parties")
            )
        } else {
            format!("{proposals} undecided: decide each")
        });
    }
    for x in disclosures.iter().filter(|x| !complete(x)) {
        blockers.push(format!(
            "the member is in the disclosure log: record whether revealing {} would prejudice crime prevention or a child's safeguarding, and answer for each item it touched",
            x.disclosure
        ));
    }
    blockers
}

/// What the signed-in user can do with the draft now.
fn can(tx: &Tx, r: &Replayed, settings: &ReviewSettings, ready: bool, stale: bool) -> ReviewCan {
    let role = tx.user.role;
    let me = tx.user.name.as_str();
    let may = Action::RequestBundle.allowed_for(role);
    let second_ok = |submitter: Option<&str>| {
        !settings.four_eyes || (role == Role::Dpo && submitter.is_some_and(|s| s != me))
    };
    let st = r.state;
    ReviewCan {
        decide: may && st == DraftState::Draft,
        submit: may && st == DraftState::Draft && ready,
        approve: may
            && ready
            && match st {
                DraftState::InReview => second_ok(r.submitted_by.as_deref()),
                DraftState::Draft => !settings.four_eyes,
                _ => false,
            },
        release: may && st == DraftState::Approved && !stale,
        reopen: may && matches!(st, DraftState::InReview | DraftState::Approved),
        withdraw: may && st.open(),
    }
}
