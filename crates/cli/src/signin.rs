//! Where the vault is, and signing in: credentials from the environment,
//! else asked on a terminal.

use crate::{now, CliError, CliResult};
use desk_core::{Error, Session};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The platform's data directory for the app.
pub fn default_vault() -> CliResult<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let base = if cfg!(target_os = "macos") {
        home.map(|h| h.join("Library/Application Support"))
    } else if cfg!(windows) {
        std::env::var_os("APPDATA").map(PathBuf::from)
    } else {
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| home.map(|h| h.join(".local/share")))
    };
    base.map(|b| b.join("privacy-desk").join("vault"))
        .ok_or_else(|| CliError::Usage("no vault given: use --vault DIR or set DESK_VAULT".into()))
}

fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Sign in with DESK_USER / DESK_PASSWORD, else prompts on a terminal.
pub fn sign_in(vault: &Path) -> CliResult<Session> {
    let user =
        match std::env::var("DESK_USER") {
            Ok(u) if !u.is_empty() => u,
            _ if interactive() => {
                eprint!("User: ");
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| Error::io("<stdin>", e))?;
                line.trim().to_string()
            }
            _ => return Err(CliError::Usage(
                "no credentials: set DESK_USER and DESK_PASSWORD, or run on a terminal to be asked"
                    .into(),
            )),
        };
    let password = match std::env::var("DESK_PASSWORD") {
        Ok(p) => zeroize::Zeroizing::new(p),
        _ if interactive() => zeroize::Zeroizing::new(
            rpassword::prompt_password(format!("Password for {user}: "))
                .map_err(|e| Error::io("<terminal>", e))?,
        ),
        _ => {
            return Err(CliError::Usage(
                "no password: set DESK_PASSWORD, or run on a terminal to be asked".into(),
            ))
        }
    };
    let s = Session::unlock(vault, &user, &password, now())?;
    for w in s.warnings() {
        eprintln!("desk: warning: {w}");
    }
    Ok(s)
}

/// A new password: DESK_NEW_PASSWORD, else asked twice on a terminal.
pub fn new_password(prompt: &str) -> CliResult<zeroize::Zeroizing<String>> {
    if let Ok(p) = std::env::var("DESK_NEW_PASSWORD") {
        return Ok(zeroize::Zeroizing::new(p));
    }
    if !interactive() {
        return Err(CliError::Usage(
            "no new password: set DESK_NEW_PASSWORD, or run on a terminal to be asked".into(),
        ));
    }
    let a = zeroize::Zeroizing::new(
        rpassword::prompt_password(format!("{prompt}: "))
            .map_err(|e| Error::io("<terminal>", e))?,
    );
    let b = zeroize::Zeroizing::new(
        rpassword::prompt_password("Again, to confirm: ")
            .map_err(|e| Error::io("<terminal>", e))?,
    );
    if *a != *b {
        return Err(Error::Invalid("the two passwords differ".into()).into());
    }
    Ok(a)
}
