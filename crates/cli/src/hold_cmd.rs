//! `desk hold …`: legal holds (dpo).

use crate::output::Out;
use crate::signin::sign_in;
use crate::{now, CliResult};
use clap::Subcommand;
use serde_json::json;
use std::path::Path;

#[derive(Subcommand, Debug)]
pub enum HoldCmd {
    /// Put a member on legal hold.
    Set {
        site: String,
        member_id: String,
        #[arg(long)]
        reason: String,
    },
    /// Lift a hold; rows kept only by it are purged at once.
    Lift { site: String, member_id: String },
    /// List holds.
    List,
}

/// Run `desk hold …`.
pub fn run(vault: &Path, cmd: HoldCmd, out: &Out) -> CliResult {
    let s = sign_in(vault)?;
    match cmd {
        HoldCmd::Set {
            site,
            member_id,
            reason,
        } => {
            s.hold_set(&site, &member_id, &reason, now())?;
            out.done(
                &format!("Member {member_id} of {site} is on legal hold."),
                json!({"site": site, "member_id": member_id, "held": true}),
            );
        }
        HoldCmd::Lift { site, member_id } => {
            let purged = s.hold_lift(&site, &member_id, now())?;
            out.done(
                &format!(
                    "Hold lifted on member {member_id} of {site}; {purged} row(s) kept only by it were purged."
                ),
                json!({"site": site, "member_id": member_id, "held": false, "purged_rows": purged}),
            );
        }
        HoldCmd::List => out.holds(&s.hold_list(now())?),
    }
    Ok(())
}
