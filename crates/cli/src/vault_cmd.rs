//! `desk vault …`: the root key's fingerprint, and a check of every page.

use crate::output::Out;
use crate::signin::sign_in;
use crate::{now, CliError, CliResult};
use clap::Subcommand;
use serde_json::json;
use std::path::Path;

#[derive(Subcommand, Debug)]
pub enum VaultCmd {
    /// The fingerprint of the vault's root signing key (the first dpo's):
    /// keep it outside the vault and give it to `verify --root`.
    Fingerprint,
    /// Check every page of the vault's databases (minutes on a large vault).
    Check,
}

/// Run `desk vault …`.
pub fn run(vault: &Path, cmd: VaultCmd, out: &Out) -> CliResult {
    let s = sign_in(vault)?;
    match cmd {
        VaultCmd::Fingerprint => match s.root_fingerprint(now())? {
            Some(fp) => out.done(&fp, json!({"root_fingerprint": fp})),
            None => out.done(
                "This vault has no root key yet (a dpo's next sign-in upgrades it).",
                json!({"root_fingerprint": null}),
            ),
        },
        VaultCmd::Check => {
            let c = s.vault_check(now())?;
            out.vault_check(&c);
            if !c.ok {
                return Err(CliError::Reported);
            }
        }
    }
    Ok(())
}
