//! One normalisation and one ordinary-word rule (issues #14 and #15): the
//! mentions index and the review's finder read the same text the same way
//! (case, accents, width, every invisible character) and agree on which
//! single words never name a person on their own; the text index built by
//! an older normalisation is rebuilt by migration 0012, and a new vault's
//! mentions index is current.

mod common;

use common::*;
use desk_core::mentions::rules::{find_in, member_keys, text_keys, Kind};
use desk_core::mentions::TextQuery;
use desk_core::progress::NoProgress;
use desk_core::review::rules::finder::{candidates, Candidate, FinderBuilder, Identity};
use desk_core::review::rules::normal::{self, char_slice, Normalised as ReviewText};
use desk_core::review::rules::patterns;
use desk_core::text::norm::{is_invisible, norm, Normalised};
use desk_core::text::ordinary::is_ordinary;
use desk_core::vault::raw::open_raw;
use serde_json::json;

/// The mentions' verdict on `word` as someone's username, read from what it
/// does: whether a text holding the bare word gets a `w:` key, and whether
/// the bare word is found as the member's username.
fn mentions_seeks(word: &str) -> bool {
    let text = format!("I saw {word} today");
    let mut keys = Vec::new();
    text_keys(&text, &mut Normalised::default(), &mut keys);
    let stored = keys.contains(&format!("w:{}", norm(word)));
    let names = member_keys(Some(word), None, None, None, &[], &[]);
    let found = find_in(&text, &names)
        .iter()
        .any(|(_, _, k)| *k == Kind::Username);
    assert_eq!(stored, found, "{word:?}: stored {stored}, found {found}");
    // As @name it is always found.
    let at = format!("I saw @{word} today");
    assert!(
        find_in(&at, &names)
            .iter()
            .any(|(_, _, k)| *k == Kind::AtUsername),
        "@{word}"
    );
    stored
}

/// The review's verdict on `word` as a third party's username: whether the
/// finder looks for it, and whether discovery looks the bare word up.
fn review_seeks(word: &str) -> bool {
    let text = format!("I saw {word} today");
    let mut b = FinderBuilder::default();
    b.add(
        0,
        &Identity {
            member_id: "m-1".into(),
            username: Some(word.into()),
            ..Default::default()
        },
    );
    let f = b.build();
    let mut n = ReviewText::default();
    n.fill(&text);
    let mut hits = Vec::new();
    f.find(&n, &mut hits);
    let found = !hits.is_empty();
    let mut pats = Vec::new();
    patterns::find(&text, &mut pats);
    let mut c = Vec::new();
    candidates(&text, &n, &pats, &mut c);
    let looked_up = c
        .iter()
        .any(|(_, x)| *x == Candidate::Username(normal::norm(word)));
    assert_eq!(
        found, looked_up,
        "{word:?}: found {found}, looked up {looked_up}"
    );
    // As @name (with a letter) it is always a candidate.
    if !word.chars().any(char::is_alphabetic) {
        return found;
    }
    let at = format!("I saw @{word} today");
    n.fill(&at);
    let mut c = Vec::new();
    candidates(&at, &n, &[], &mut c);
    assert!(
        c.iter()
            .any(|(_, x)| *x == Candidate::Username(normal::norm(word))),
        "@{word}"
    );
    found
}

#[test]
fn both_areas_agree_on_ordinary_words() {
    // (word, ordinary)
    let table = [
        ("the", true),
        ("Mum", true),
        ("Tired", true),
        ("Grace", true),
        // Common first names and surnames: ordinary in both now (the review
        // used to look for "Sarah", "Natalie", "Mitchell" alone).
        ("Sarah", true),
        ("Natalie", true),
        ("Mitchell", true),
        ("ZOË", true),
        ("DS1", true),
        ("10am", true),
        ("1234", true),
        ("well-known", true),
        // A forum word from the review's old list: ordinary in mentions too.
        ("knackered", true),
        ("AIBU", true),
        ("Little_Miss", false),
        ("Tired_Mum", false),
        ("LittleMissCrafty", false),
        ("JustNatalie8", false),
        ("Featherstonehaugh", false),
    ];
    for (word, ordinary) in table {
        assert_eq!(is_ordinary(&norm(word)), ordinary, "{word}");
        assert_eq!(mentions_seeks(word), !ordinary, "mentions: {word}");
        assert_eq!(review_seeks(word), !ordinary, "review: {word}");
    }
}

#[test]
fn both_areas_normalise_alike_and_map_back_to_what_was_written() {
    // One word each way of writing it, and what it reads.
    let table = [
        ("ZOË", "zoe"),
        ("Zoë", "zoe"),
        ("Zoe\u{0308}", "zoe"),
        ("Ｚｏｅ", "zoe"),
        ("Z\u{200B}o\u{202E}e", "zoe"),
        ("Zo\u{FE0F}e", "zoe"),
        ("Zoe\u{E0041}", "zoe"),
        ("Z\u{3164}oe", "zoe"),
        ("Z\u{2060}o\u{00AD}e\u{2066}", "zoe"),
        ("Straße", "strasse"),
        ("ﬁona", "fiona"),
        ("Little\u{200B}Miss\u{200D}Crafty", "littlemisscrafty"),
        ("Little_Miss", "little_miss"),
    ];
    for (written, reads) in table {
        assert_eq!(norm(written), reads, "mentions: {written:?}");
        assert_eq!(normal::norm(written), reads, "review: {written:?}");
        let mut r = ReviewText::default();
        r.fill(written);
        assert_eq!(Normalised::of(written).text, r.text, "{written:?}");
    }

    // A username written with invisible characters, width and case: both
    // find it and highlight the same characters of the original.
    for written in [
        "Little\u{200B}Miss\u{FE0F}Crafty",
        "ＬｉｔｔｌｅＭｉｓｓＣｒａｆｔｙ",
        "LITTLE\u{E0020}MISS\u{3164}CRAFTY",
        "\u{2066}LittleMissCrafty\u{2069}",
    ] {
        let text = format!("Thanks {written}, see you.");
        let names = member_keys(Some("LittleMissCrafty"), None, None, None, &[], &[]);
        let m = find_in(&text, &names);
        assert_eq!(m.len(), 1, "mentions: {written:?}");
        let mentions_span = &text[m[0].0..m[0].1];

        let mut b = FinderBuilder::default();
        b.add(
            0,
            &Identity {
                member_id: "m-1".into(),
                username: Some("LittleMissCrafty".into()),
                ..Default::default()
            },
        );
        let f = b.build();
        let mut n = ReviewText::default();
        n.fill(&text);
        let mut hits = Vec::new();
        f.find(&n, &mut hits);
        assert_eq!(hits.len(), 1, "review: {written:?}");
        let review_span = char_slice(&text, hits[0].start, hits[0].end);
        assert_eq!(mentions_span, review_span, "{written:?}");
        assert!(
            review_span.trim_matches(is_invisible) == written.trim_matches(is_invisible),
            "{written:?} → {review_span:?}"
        );
    }

    // A full name, however its first name is written: both find the whole.
    for first in ["ZOË", "Zoe\u{0308}", "Ｚｏｅ", "Zo\u{FE0F}e"] {
        let text = format!("Ask {first} Featherstonehaugh about it.");
        let names = member_keys(None, None, Some("Zoë"), Some("Featherstonehaugh"), &[], &[]);
        let m = find_in(&text, &names);
        assert_eq!(m.len(), 1, "mentions: {first:?}");
        assert_eq!(m[0].2, Kind::Name);
        let mut b = FinderBuilder::default();
        b.add(
            0,
            &Identity {
                member_id: "m-1".into(),
                first_name: Some("Zoë".into()),
                surname: Some("Featherstonehaugh".into()),
                ..Default::default()
            },
        );
        let f = b.build();
        let mut n = ReviewText::default();
        n.fill(&text);
        let mut hits = Vec::new();
        f.find(&n, &mut hits);
        assert_eq!(hits.len(), 1, "review: {first:?}");
        assert_eq!(
            &text[m[0].0..m[0].1],
            char_slice(&text, hits[0].start, hits[0].end)
        );
        assert_eq!(&text[m[0].0..m[0].1], format!("{first} Featherstonehaugh"));
    }
}

#[test]
fn a_common_name_pair_is_still_a_full_name_candidate_when_capitalised() {
    let text = "I met Sarah Smith and sarah smith; the cat sat.";
    let mut n = ReviewText::default();
    n.fill(text);
    let mut c = Vec::new();
    candidates(text, &n, &[], &mut c);
    let pairs: Vec<(u32, &Candidate)> = c
        .iter()
        .filter(|(_, x)| matches!(x, Candidate::FullName(..)))
        .map(|(at, x)| (*at, x))
        .collect();
    // Only the capitalised one: both words are ordinary (common names), as
    // the mentions index reads pairs.
    assert_eq!(
        pairs,
        [(6, &Candidate::FullName("sarah".into(), "smith".into()))]
    );
}

#[test]
fn a_new_vault_has_a_current_mentions_index() {
    let root = tempfile::tempdir().unwrap();
    let vault = new_vault(root.path());
    let conn = open_raw(&vault, "dpo", "dpo-password")
        .unwrap()
        .data
        .unwrap();
    assert_eq!(
        desk_core::mentions::index_version(&conn).unwrap(),
        desk_core::mentions::MENTIONS_VERSION
    );
}

fn index_pages(vault: &std::path::Path) -> Vec<Vec<u8>> {
    let conn = open_raw(vault, "dpo", "dpo-password")
        .unwrap()
        .data
        .unwrap();
    let v = conn
        .prepare("SELECT block FROM text_index_data")
        .unwrap()
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    v
}

fn holds(pages: &[Vec<u8>], word: &str) -> bool {
    pages
        .iter()
        .any(|b| b.windows(word.len()).any(|w| w == word.as_bytes()))
}

#[test]
fn migration_12_rebuilds_a_text_index_of_the_old_normalisation() {
    let root = tempfile::tempdir().unwrap();
    let vault = new_vault(root.path());
    let e = ExportBuilder::full(root.path(), "nm-1", "netmums", 1)
        .members(&["m-1", "m-2"])
        .jsonl("consent_events", &[])
        .jsonl(
            "posts",
            &[
                json!({"post_id": "p-1", "member_id": "m-1", "thread_id": "t-1",
                    "thread_title": "Schools", "posted_at": "2026-01-01T10:00:00Z", "status": "visible",
                    "body": "Oak\u{FE0F}field primary is lovely"}),
                json!({"post_id": "p-2", "member_id": "m-2", "thread_id": "t-1",
                    "thread_title": "Schools", "posted_at": "2026-01-02T10:00:00Z", "status": "visible",
                    "body": "Quixotic zephyrs"}),
            ],
        )
        .write();
    let s = dpo(&vault);
    s.sync(&e, t(3), &NoProgress).unwrap();
    s.text_index_set("netmums", true, t(3), &NoProgress)
        .unwrap();
    drop(s);
    // As a vault whose index was written by version 1: the variation
    // selector split "Oak️field" in two, which version 2 reads as one word —
    // its old words would never be deleted by the triggers.
    let raw = open_raw(&vault, "dpo", "dpo-password").unwrap();
    let data = raw.data.unwrap();
    let before = desk_core::vault::migrate::latest_version() - 1;
    data.execute_batch(&format!(
        "INSERT INTO text_index (rowid, body) VALUES (16 * 9999 + 1, 'oakstaleword');
         PRAGMA user_version = {before};"
    ))
    .unwrap();
    raw.logs
        .execute_batch(&format!("PRAGMA user_version = {before};"))
        .unwrap();
    drop(data);
    drop(raw.logs);
    assert!(holds(&index_pages(&vault), "oakstaleword"));
    // Opening the vault migrates it: the old entries are gone, the rows are
    // indexed with the one normalisation.
    let s = dpo(&vault);
    assert!(!holds(&index_pages(&vault), "oakstaleword"));
    let q = |text: &str| TextQuery {
        text: text.into(),
        page: 1,
        page_size: 20,
        ..Default::default()
    };
    for (phrase, id) in [("oakfield primary", "p-1"), ("quixotic zephyrs", "p-2")] {
        let r = s.text_search(&q(phrase), t(5)).unwrap();
        assert_eq!(
            r.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
            [id],
            "{phrase}"
        );
        assert!(r.sites.iter().all(|x| x.indexed));
    }
    assert!(holds(&index_pages(&vault), "oakfield"));
}
