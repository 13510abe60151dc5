//! `desk init` and `desk user …`: a new vault, its users and their roles,
//! and your own password.

use crate::output::Out;
use crate::signin::{new_password, sign_in};
use crate::{now, CliResult};
use clap::Subcommand;
use desk_core::{Error, Role, Session};
use serde_json::json;
use std::path::Path;

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Add a user (password from DESK_NEW_PASSWORD, else prompted).
    Add {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// List users and roles.
    List,
    /// Remove a user; --rekey gives the vault a new key.
    Remove {
        name: String,
        #[arg(long)]
        rekey: bool,
    },
    /// Change a user's role.
    Role {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Change your own password (new one from DESK_NEW_PASSWORD, else prompted).
    Passwd,
    /// Confirm the signing key a user made when the vault was upgraded,
    /// after checking its fingerprint with them (`user list` shows it).
    Confirm {
        name: String,
        #[arg(value_name = "FINGERPRINT", num_args = 1.., required = true)]
        fingerprint: Vec<String>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse().map_err(|e: Error| e.to_string())
}

/// `desk init --admin NAME`: a new vault whose dpo is NAME.
pub fn init(vault: &Path, admin: &str, out: &Out) -> CliResult {
    let pw = new_password(&format!("Password for {admin}"))?;
    let s = Session::create(vault, admin, &pw, now())?;
    let fp = s.root_fingerprint(now())?.unwrap_or_default();
    out.done(
        &format!(
            "Created a vault in {} with {} as its dpo.\nIts root key's fingerprint (keep it outside the vault, e.g. printed in the DPO's file; `desk audit verify --root` checks it):\n  {fp}",
            vault.display(),
            s.user().name
        ),
        json!({"vault": vault, "admin": s.user().name, "root_fingerprint": fp}),
    );
    Ok(())
}

/// Run `desk user …`.
pub fn run(vault: &Path, cmd: UserCmd, out: &Out) -> CliResult {
    let s = sign_in(vault)?;
    match cmd {
        UserCmd::Add { name, role } => {
            // Refuse before asking for the new user's password.
            s.authorize(desk_core::Action::ManageUsers, now(), None, None)?;
            let pw = new_password(&format!("Password for {name}"))?;
            s.add_user(&name, role, &pw, now())?;
            out.done(
                &format!("Added {name} as {role}."),
                json!({"name": name, "role": role}),
            );
        }
        UserCmd::List => {
            let users = s.list_users(now())?;
            out.users(&users);
        }
        UserCmd::Confirm { name, fingerprint } => {
            s.confirm_user(&name, &fingerprint.join(" "), now())?;
            out.done(
                &format!("Confirmed {name}'s signing key."),
                json!({"confirmed": name}),
            );
        }
        UserCmd::Remove { name, rekey } => {
            s.remove_user(&name, rekey, now())?;
            let extra = if rekey {
                " The vault has a new key."
            } else {
                ""
            };
            out.done(
                &format!("Removed {name}.{extra}"),
                json!({"removed": name, "rekeyed": rekey}),
            );
        }
        UserCmd::Role { name, role } => {
            s.set_role(&name, role, now())?;
            out.done(
                &format!("{name} is now {role}."),
                json!({"name": name, "role": role}),
            );
        }
        UserCmd::Passwd => {
            let pw = new_password("New password")?;
            s.change_password(&pw, now())?;
            out.done("Password changed.", json!({"changed": true}));
        }
    }
    Ok(())
}
