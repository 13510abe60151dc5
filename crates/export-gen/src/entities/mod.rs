//! One generator per entity of the contract (§4), each in its own module:
//! the rows a member has in a full export, and the rows a delta adds for a
//! member active in it. [`GENERATORS`] lists them in the order the files are
//! written (the contract's order, members first).

mod children;
mod competition_entries;
mod consent_events;
pub mod deletions;
mod helpdesk_tickets;
mod local_listings;
mod login_events;
mod members;
mod newsletter_engagement;
mod posts;
mod private_messages;
mod reviews;
mod social_accounts;
mod survey_responses;

use crate::delta::Activity;
use crate::error::Result;
use crate::model::{Core, Ctx, MState};
use crate::util::{chance, ts, Stamp};
use crate::writer::EntityWriter;
use export_format::Entity;
use rand_chacha::ChaCha8Rng;

/// A member active in a delta: their core, their state after it, and what
/// they did in it.
pub struct DeltaMember<'a> {
    pub core: &'a Core,
    pub state: &'a MState,
    pub act: &'a Activity,
    /// The delta's sequence.
    pub seq: i64,
}

impl DeltaMember<'_> {
    /// The id suffix of the member's `i`-th new row of a kind in this delta.
    pub fn suffix(&self, i: usize) -> String {
        format!("{}-d{}-{}", self.core.k, self.seq, i + 1)
    }
}

/// Writes one entity's rows.
pub trait EntityGen {
    fn entity(&self) -> Entity;

    /// The CSV header (for JSONL files, unused): the contract's fields.
    fn header(&self) -> Vec<&'static str> {
        self.entity().fields().iter().map(|f| f.name).collect()
    }

    /// Every row member `c` has in a full export (also a delta's new members).
    fn full_rows(
        &self,
        ctx: &Ctx,
        c: &Core,
        w: &mut EntityWriter,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<()>;

    /// The rows a delta adds for an existing member active in it, drawn from
    /// `r` (most entities have none).
    fn delta_rows(
        &self,
        _ctx: &Ctx,
        _r: &mut ChaCha8Rng,
        _m: &DeltaMember,
        _w: &mut EntityWriter,
    ) -> Result<()> {
        Ok(())
    }
}

/// The data entities' generators, in `Entity::DATA` order.
pub const GENERATORS: [&dyn EntityGen; 13] = [
    &members::Members,
    &consent_events::ConsentEvents,
    &children::Children,
    &login_events::LoginEvents,
    &social_accounts::SocialAccounts,
    &posts::Posts,
    &private_messages::PrivateMessages,
    &competition_entries::CompetitionEntries,
    &survey_responses::SurveyResponses,
    &helpdesk_tickets::HelpdeskTickets,
    &newsletter_engagement::NewsletterEngagement,
    &local_listings::LocalListings,
    &reviews::Reviews,
];

/// A timestamp in UTC or UK local time, a coin toss each (as production's
/// mixed systems write them).
fn ts_r(r: &mut ChaCha8Rng, t: i64) -> Stamp {
    let l = local(r);
    ts(t, l)
}

/// Whether a timestamp is written in UK local time rather than UTC.
fn local(r: &mut ChaCha8Rng) -> bool {
    chance(r, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_generator_per_data_entity_in_order() {
        let order: Vec<Entity> = GENERATORS.iter().map(|g| g.entity()).collect();
        assert_eq!(order, Entity::DATA);
    }
}
