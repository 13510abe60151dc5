//! The generator's output is pinned: these are the SHA-256s of exports made
//! by the generator before it left the core (when it still had its own UK
//! summer-time rules). The same options and seed must keep giving the same
//! bytes; a change here is a change to every generated export.

mod gen_common;

use gen_common::*;
use sha2::{Digest, Sha256};

const FULL_500_SEED_7: &[(&str, &str)] = &[
    (
        "children.csv",
        "e2692eaafabf4db20db9f1449c428910d13d650cfd89c4094ed3976c3d224eb2",
    ),
    (
        "competition_entries.csv",
        "ab417a48a7e0d6c430aabaf9135dd9240017aa439a1358bdd51995f06cb0dbd0",
    ),
    (
        "consent_events.jsonl",
        "c4038251cac99a91c6e3f0fee1baa5f804bbdda4d1e328f7276b2de8b59c0978",
    ),
    (
        "helpdesk_tickets.jsonl",
        "156334ceb82a2958924975f1b935eb6fd75c1c79be77ae6948c74f8e8fb2fbd6",
    ),
    (
        "local_listings.csv",
        "cca7c4926c233996a2094964528693889389714ffeb6f5abdaceaf3fb725be47",
    ),
    (
        "login_events.csv",
        "1cab0e5c39d09c428dce6f4c7e98473950bb44c2a1d2b1ad7a321deea81a9438",
    ),
    (
        "manifest.json",
        "b48e293b20f40eab6474a25564c1e0401e6f113882dfb4167da4895bd8d9a15d",
    ),
    (
        "members.csv",
        "9c254e54c1a3eeb01f1bf3bcac1f25de8fb09f61a09ffc62a8cc3933427c8f59",
    ),
    (
        "newsletter_engagement.csv",
        "2aee53a11c8e551a5f485ee5f1e8e444749e6e4f022c7bbcb9dcc8139337f04a",
    ),
    (
        "posts.jsonl",
        "9fa8efb46353be54029d9a5d70e2407fdf1981b5ddae4fe1d907faafd40b9a44",
    ),
    (
        "private_messages.jsonl",
        "c13db0538f60884edbd4929c5641647a1a419ce817b63c0df2bdc53e688ba6ef",
    ),
    (
        "reviews.jsonl",
        "6064ed19c46c383e03683c95caa2e1249fda74bdda207113b0aea25910ffccba",
    ),
    (
        "social_accounts.csv",
        "7f62574a013b11b3ba11547d6d34984d656a4aec9b24e4792fa3463c51a3d557",
    ),
    (
        "survey_responses.jsonl",
        "09740a1cfdc236a8b5b841d76644b04f9f55ea4b14450dcf123eaf2125b54f54",
    ),
];

const DELTA_300_SEED_9: &[(&str, &str)] = &[
    (
        "children.csv",
        "b7ff398d72c689a9c6bbd5e07c776c5bbd85b0cb59589dcf79077dfcbe2d0716",
    ),
    (
        "consent_events.jsonl",
        "4e85a36cd3adf1bcbed1a6dc2427b16a95cd21a43ece27ac3044dc8fad379faf",
    ),
    (
        "deletions.csv",
        "3454500f49bbd74587d7b1ca6369fafc88db873d30d4784c424fcdb00283d9d5",
    ),
    (
        "login_events.csv",
        "58e015ad6eb7cdbe55a7665e143196e40ec97ce8aa58b91c39b3250c18acc0f5",
    ),
    (
        "manifest.json",
        "36249fbb05b959150328c1b830055388f552839c07ed3aece25f2e9eb4140586",
    ),
    (
        "members.csv",
        "a7bcaa6b129f03722c5c7de24edc655c8bdecfe9ea45460c498dc299eefa8cc3",
    ),
    (
        "newsletter_engagement.csv",
        "28f596f7d2758bc090faaea597a3d9e873a183e7f7dd61c984685b860b5ee676",
    ),
    (
        "posts.jsonl",
        "586c51e95f22ec738de8ac8988a45b6de0f5353be99061197b7555dd0d0faa19",
    ),
    (
        "private_messages.jsonl",
        "761fc988ff6e5d41f2409406381b5855414283e3abd96ff28882d817c92b3c94",
    ),
];

/// `--members 300 --seed 4 --zip --gzip`, as `full300zg.zip`.
const ZIP_GZIP_300_SEED_4: &str =
    "931eb3f7371cb2db2fffb853a5cc6bcf9578b5b0b0a6984dc70c6a76075e3eb0";

fn sha256(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn assert_files(path: &std::path::Path, expected: &[(&str, &str)]) {
    let files = stored_files(path);
    let got: Vec<(&str, String)> = files.iter().map(|(n, b)| (n.as_str(), sha256(b))).collect();
    let want: Vec<(&str, String)> = expected.iter().map(|(n, h)| (*n, h.to_string())).collect();
    assert_eq!(got, want, "{}", path.display());
}

#[test]
fn a_full_export_and_its_delta_are_the_bytes_they_always_were() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full500");
    gen(&opts(500, 7), &full);
    assert_files(&full, FULL_500_SEED_7);
    let mut d = opts(0, 9);
    d.delta_of = Some(full);
    d.changes = 300;
    let delta = dir.path().join("delta1");
    gen(&d, &delta);
    assert_files(&delta, DELTA_300_SEED_9);
}

#[test]
fn a_zipped_gzipped_export_is_the_bytes_it_always_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(300, 4);
    o.zip = true;
    o.gzip = true;
    let path = gen(&o, &dir.path().join("full300zg")).path;
    assert_eq!(path.file_name().unwrap(), "full300zg.zip");
    assert_eq!(sha256(&std::fs::read(&path).unwrap()), ZIP_GZIP_300_SEED_4);
}
