//! Same options, same bytes: directory, zip and gzip; another seed differs.

mod gen_common;

use gen_common::*;

#[test]
fn two_runs_give_identical_directories() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    gen(&opts(500, 11), &a);
    gen(&opts(500, 11), &b);
    let fa = stored_files(&a);
    assert_eq!(fa.len(), 14);
    assert_eq!(fa, stored_files(&b));
    let c = dir.path().join("c");
    gen(&opts(500, 12), &c);
    let fc = stored_files(&c);
    assert_ne!(fa["members.csv"], fc["members.csv"]);
    assert_ne!(fa["posts.jsonl"], fc["posts.jsonl"]);
}

#[test]
fn two_runs_give_identical_zips_and_gzips() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(300, 4);
    o.zip = true;
    o.gzip = true;
    let a = gen(&o, &dir.path().join("one/export.zip")).path;
    let b = gen(&o, &dir.path().join("two/export.zip")).path;
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    load(&a);
}

#[test]
fn a_delta_is_reproducible_too() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    gen(&opts(400, 2), &base);
    let mut d = opts(400, 2);
    d.delta_of = Some(base.clone());
    d.changes = 300;
    gen(&d, &dir.path().join("d1"));
    gen(&d, &dir.path().join("d2"));
    assert_eq!(
        stored_files(&dir.path().join("d1")),
        stored_files(&dir.path().join("d2"))
    );
}
