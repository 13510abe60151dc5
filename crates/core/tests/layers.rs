//! The core's modules depend on each other in one order, with no circles:
//! every `crate::X` a module names must come before it in [`ORDER`]. A new
//! module must be placed in the order (and in the README's map); a new
//! dependency that goes the wrong way fails here.

use std::collections::BTreeMap;
use std::path::Path;

/// Foundation first, then the areas. A module may use only those before it.
const ORDER: &[&str] = &[
    // foundation
    "problem",
    "error",
    "progress",
    "fsutil",
    "time",
    "html",
    "csvout",
    "contract",
    "text",
    "entity",
    "roles",
    "labels",
    "chain",
    "signing",
    "trail",
    "vault",
    "session",
    // areas
    "users",
    "holds",
    "privacy",
    "export",
    "search",
    "mentions",
    "consent",
    "member",
    "conflicts",
    "sync",
    "requests",
    "disclosure",
    "audit",
    "bundle",
    "review",
    "home",
    // tools: the TypeScript bindings of the boundary types
    "ts",
];

/// Names the crate root re-exports, and the module they come from.
const ROOT_ALIASES: &[(&str, &str)] = &[
    ("Error", "error"),
    ("Result", "error"),
    ("Role", "roles"),
    ("Action", "roles"),
    ("Session", "session"),
    ("User", "session"),
    ("tcf", "consent"),
    ("PrivacyFacts", "privacy"),
    ("Hold", "holds"),
    ("UserInfo", "users"),
    ("Status", "sync"),
    ("SiteStatus", "sync"),
    ("BundleMade", "bundle"),
    ("BundleOptions", "bundle"),
];

fn rs_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The modules a source text names as `crate::X` (in paths and in
/// `use crate::{X, Y::…}` groups), comments removed.
fn named(src: &str) -> Vec<String> {
    let code: String = src
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + 7..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name = ident(part.trim());
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            out.push(ident(rest));
        }
    }
    out
}

#[test]
fn modules_depend_only_on_those_before_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rank: BTreeMap<&str, usize> = ORDER.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let alias: BTreeMap<&str, &str> = ROOT_ALIASES.iter().copied().collect();
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let module = p.file_stem().unwrap().to_string_lossy().to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        seen.push(module.clone());
        let Some(&mine) = rank.get(module.as_str()) else {
            problems.push(format!(
                "{module}: not in ORDER (place it, and in the README)"
            ));
            continue;
        };
        let mut files = Vec::new();
        if p.is_dir() {
            rs_files(&p, &mut files);
        } else {
            files.push(p.clone());
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for n in named(&text) {
                let target = alias.get(n.as_str()).copied().unwrap_or(n.as_str());
                if target == module {
                    continue;
                }
                match rank.get(target) {
                    Some(&theirs) if theirs < mine => {}
                    Some(_) => problems.push(format!(
                        "{}: {module} uses {target}, which comes after it",
                        f.strip_prefix(&src).unwrap().display()
                    )),
                    None => problems.push(format!(
                        "{}: {module} uses crate::{n}, which is not a module in ORDER",
                        f.strip_prefix(&src).unwrap().display()
                    )),
                }
            }
        }
    }
    for m in ORDER {
        if !seen.iter().any(|s| s == m) {
            problems.push(format!("{m}: in ORDER but not in src/"));
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "layering:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn the_check_sees_grouped_and_plain_paths() {
    let n = named(
        "use crate::{error::Error, vault::keys};\nlet x = crate::trail::ts(now); // crate::bundle",
    );
    assert_eq!(n, ["error", "vault", "trail"]);
}
