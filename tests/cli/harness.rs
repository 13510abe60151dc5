//! Running `desk` as a user or a script would.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const DESK: &str = env!("CARGO_BIN_EXE_desk");

pub struct Desk {
    pub root: tempfile::TempDir,
    pub vault: PathBuf,
    pub tmp: PathBuf,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Desk {
    /// A fresh directory with a vault whose dpo is `dpo`.
    pub fn new() -> Desk {
        let root = tempfile::tempdir().unwrap();
        let vault = root.path().join("vault");
        let tmp = root.path().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let d = Desk { root, vault, tmp };
        let r = d.run_with(
            &["init", "--admin", "dpo"],
            &[("DESK_NEW_PASSWORD", "dpo-password")],
        );
        assert_eq!(r.code, 0, "init: {}", r.stderr);
        d
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut c = Command::new(DESK);
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DESK_VAULT", &self.vault)
            .env("DESK_KDF_TEST_COST", "1")
            .env("TMPDIR", &self.tmp)
            .env("SQLITE_TMPDIR", &self.tmp)
            .stdin(std::process::Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }

    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.command(args, env).output().unwrap().into()
    }

    /// As a signed-in user.
    pub fn as_user(&self, user: &str, args: &[&str]) -> Run {
        let pw = format!("{user}-password");
        self.run_with(args, &[("DESK_USER", user), ("DESK_PASSWORD", &pw)])
    }

    pub fn dpo(&self, args: &[&str]) -> Run {
        self.as_user("dpo", args)
    }

    pub fn ok(&self, user: &str, args: &[&str]) -> Run {
        let r = self.as_user(user, args);
        assert_eq!(
            r.code, 0,
            "desk {args:?} as {user}: {}{}",
            r.stdout, r.stderr
        );
        r
    }

    pub fn add_user(&self, name: &str, role: &str) {
        let pw = format!("{name}-password");
        let r = self.run_with(
            &["user", "add", name, "--role", role],
            &[
                ("DESK_USER", "dpo"),
                ("DESK_PASSWORD", "dpo-password"),
                ("DESK_NEW_PASSWORD", &pw),
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    }

    pub fn gen(&self, name: &str, args: &[&str]) -> PathBuf {
        let out = self.path(name);
        let mut all = vec!["gen-export", "--out", out.to_str().unwrap()];
        all.extend_from_slice(args);
        let r = self.run_with(&all, &[]);
        assert_eq!(r.code, 0, "gen-export: {}", r.stderr);
        if args.contains(&"--zip") {
            out.with_extension("zip")
        } else {
            out
        }
    }
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
