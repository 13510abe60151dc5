//! Mentions (issue #15): each kind found, ordinary usernames only as @name,
//! invisible characters, case and accents, other sites not linked, members
//! added later, paging, every delete path leaving nothing, the bundle's API,
//! the rebuild; free-text search bounded, audited, through the optional
//! text index (erasure measured) or a scan; the auditor refused.

mod common;

use common::*;
use desk_core::mentions::{each_about, Kind, MentionsPage, TextQuery};
use desk_core::progress::NoProgress;
use desk_core::vault::raw::open_raw;
use desk_core::{Error, Role, Session};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const HEADER: &str = "member_id,username,email,first_name,surname,signup_at,status,updated_at";

fn m(id: &str, user: &str, email: &str, first: &str, sur: &str) -> String {
    format!("{id},{user},{email},{first},{sur},2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z")
}

fn members() -> Vec<String> {
    vec![
        m(
            "m-zoe",
            "LittleMissCrafty",
            "zoe.smith@example.org",
            "Zoë",
            "Smith",
        ),
        m("m-tired", "Tired", "tired@example.org", "Ann", "Other"),
        m("m-chat", "Chatty", "chat@example.org", "Carol", "Jones"),
        m("m-help", "Helper99", "help@example.org", "Hal", "Per"),
    ]
}

fn p(id: &str, member: &str, at: &str, body: &str) -> Value {
    json!({"post_id": id, "member_id": member, "thread_id": "t-1", "thread_title": "Crafts",
           "posted_at": at, "status": "visible", "body": body})
}

fn pm(id: &str, sender: &str, to: &[&str], body: &str) -> Value {
    json!({"message_id": id, "conversation_id": "c-1", "conversation_type": "member",
           "sender_id": sender, "recipient_ids": to, "sent_at": "2026-02-01T10:00:00Z", "body": body})
}

fn posts() -> Vec<Value> {
    vec![
        p(
            "p-1",
            "m-chat",
            "2026-01-01T10:00:00Z",
            "Has anyone seen @LittleMissCrafty lately?",
        ),
        p(
            "p-2",
            "m-chat",
            "2026-01-02T10:00:00Z",
            "LittleMissCrafty's tips were great.",
        ),
        p(
            "p-3",
            "m-chat",
            "2026-01-03T10:00:00Z",
            "Email her at ZOE.SMITH@Example.org please",
        ),
        p(
            "p-4",
            "m-chat",
            "2026-01-04T10:00:00Z",
            "Ring 07700 900123 after six.",
        ),
        p(
            "p-5",
            "m-chat",
            "2026-01-05T10:00:00Z",
            "I met ZOË SMITH at the school gate.",
        ),
        p(
            "p-6",
            "m-chat",
            "2026-01-06T10:00:00Z",
            "CraftyZ said the same thing.",
        ),
        p(
            "p-7",
            "m-chat",
            "2026-01-07T10:00:00Z",
            "So tired today. Tired of it all.",
        ),
        p("p-8", "m-chat", "2026-01-08T10:00:00Z", "Thanks @Tired!"),
        p(
            "p-9",
            "m-help",
            "2026-01-09T10:00:00+01:00",
            "Little\u{200B}Miss\u{202E}Crafty\u{202C} is lovely",
        ),
        {
            let mut own = p(
                "p-10",
                "m-zoe",
                "2026-01-10T10:00:00Z",
                "I am LittleMissCrafty, hello",
            );
            own["posted_as"] = json!("CraftyZ");
            own
        },
        p(
            "p-11",
            "m-chat",
            "2026-01-11T10:00:00Z",
            "Nothing about anyone here, Oakfield Primary.",
        ),
    ]
}

fn sync(vault: &Path, export: &Path) {
    dpo(vault).sync(export, t(3), &NoProgress).unwrap();
}

fn fixture(root: &Path) -> PathBuf {
    let vault = new_vault(root);
    let e = ExportBuilder::full(root, "nm-1", "netmums", 1)
        .csv("members", HEADER, &members())
        .jsonl("consent_events", &[])
        .jsonl("posts", &posts())
        .jsonl(
            "private_messages",
            &[
                pm("pm-1", "m-chat", &["m-help"], "Her real name is Zoë Smith and she lives in Leeds."),
                pm("pm-2", "m-chat", &["m-zoe"], "Hi LittleMissCrafty, thanks!"),
            ],
        )
        .csv(
            "competition_entries",
            "entry_id,member_id,competition_id,entered_at,phone",
            &["c-1,m-zoe,comp-1,2026-01-01T10:00:00Z,+44 7700 900123".into()],
        )
        .jsonl(
            "helpdesk_tickets",
            &[json!({"ticket_id": "h-1", "member_id": "m-help", "requester_email": "help@example.org",
                "subject": "About LittleMissCrafty", "opened_at": "2026-03-01T10:00:00Z",
                "messages": [{"from": "member", "at": "2026-03-01T10:00:00Z", "body": "Please look."},
                             {"from": "staff", "at": "2026-03-02T10:00:00Z", "body": "We spoke to @LittleMissCrafty."}]})],
        )
        .write();
    sync(&vault, &e);
    // Another site with a member of the same username.
    let e = ExportBuilder::full(root, "mn-1", "mumsnet", 1)
        .csv(
            "members",
            HEADER,
            &[
                m(
                    "m-zoe",
                    "LittleMissCrafty",
                    "zoe@elsewhere.org",
                    "Zoe",
                    "Elsewhere",
                ),
                m("m-x", "Xavier2", "x@elsewhere.org", "Xavier", "Two"),
            ],
        )
        .jsonl("consent_events", &[])
        .jsonl(
            "posts",
            &[p(
                "q-1",
                "m-x",
                "2026-01-01T10:00:00Z",
                "@LittleMissCrafty and zoe.smith@example.org",
            )],
        )
        .write();
    sync(&vault, &e);
    vault
}

fn page(s: &Session, site: &str, id: &str, n: u64, size: u64) -> MentionsPage {
    s.mentions(site, id, n, size, t(5)).unwrap()
}

fn ids(p: &MentionsPage) -> Vec<String> {
    p.items.iter().map(|i| i.id.clone()).collect()
}

fn kinds_of(p: &MentionsPage, id: &str) -> Vec<Kind> {
    p.items
        .iter()
        .find(|i| i.id == id)
        .map(|i| i.kinds.clone())
        .unwrap_or_default()
}

fn marked(p: &MentionsPage, id: &str) -> Vec<String> {
    let item = p.items.iter().find(|i| i.id == id).unwrap();
    item.snippet
        .iter()
        .filter(|s| s.mark)
        .map(|s| s.text.clone())
        .collect()
}

fn entries(vault: &Path, id: &str) -> i64 {
    let conn = open_raw(vault, "dpo", "dpo-password")
        .unwrap()
        .data
        .unwrap();
    conn.query_row(
        "SELECT count(*) FROM mention_tokens WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn each_kind_is_found_with_its_snippet_and_counts() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    let s = dpo(&vault);
    let r = page(&s, "netmums", "m-zoe", 1, 50);
    let got = ids(&r);
    // Newest first; her own post and the message she received are in her record.
    assert_eq!(
        got,
        ["h-1", "pm-1", "p-9", "p-6", "p-5", "p-4", "p-3", "p-2", "p-1"],
        "{r:#?}"
    );
    assert_eq!(kinds_of(&r, "p-1"), [Kind::AtUsername]);
    assert_eq!(kinds_of(&r, "p-2"), [Kind::Username]);
    assert_eq!(kinds_of(&r, "p-3"), [Kind::Email]);
    assert_eq!(kinds_of(&r, "p-4"), [Kind::Phone]);
    assert_eq!(kinds_of(&r, "p-5"), [Kind::Name]);
    assert_eq!(kinds_of(&r, "p-6"), [Kind::PostedAs]);
    assert_eq!(kinds_of(&r, "pm-1"), [Kind::Name]);
    assert_eq!(marked(&r, "p-1"), ["@LittleMissCrafty"]);
    assert_eq!(marked(&r, "p-2"), ["LittleMissCrafty"]);
    assert_eq!(marked(&r, "p-3"), ["ZOE.SMITH@Example.org"]);
    assert_eq!(marked(&r, "p-4"), ["07700 900123"]);
    // Case and accents: ZOË SMITH names Zoë Smith.
    assert_eq!(marked(&r, "p-5"), ["ZOË SMITH"]);
    assert_eq!(marked(&r, "pm-1"), ["Zoë Smith"]);
    // Zero-width and bidi controls inside the name: still her, highlighted as written.
    assert_eq!(kinds_of(&r, "p-9"), [Kind::Username]);
    assert_eq!(marked(&r, "p-9"), ["Little\u{200B}Miss\u{202E}Crafty"]);
    // The ticket: the subject (by its member) is the first field.
    let h = r.items.iter().find(|i| i.id == "h-1").unwrap();
    assert_eq!(h.field, "subject");
    assert_eq!(h.author.username.as_deref(), Some("Helper99"));
    assert_eq!(h.kinds, [Kind::AtUsername, Kind::Username]);
    // Authors and counts.
    assert_eq!(r.total, 9);
    let p1 = r.items.iter().find(|i| i.id == "p-1").unwrap();
    assert_eq!(
        (p1.author.kind.as_str(), p1.author.username.as_deref()),
        ("member", Some("Chatty"))
    );
    assert_eq!(p1.context.as_deref(), Some("Crafts"));
    assert_eq!(r.authors, 2);
    assert_eq!(r.by_author[0].author.username.as_deref(), Some("Chatty"));
    assert_eq!(r.by_author[0].items, 7);
    let count = |k: Kind| r.by_kind.iter().find(|c| c.kind == k).map(|c| c.items);
    assert_eq!(count(Kind::Name), Some(2));
    assert_eq!(count(Kind::Username), Some(3));
    assert_eq!(count(Kind::AtUsername), Some(2));
    // The times are UTC.
    let p9 = r.items.iter().find(|i| i.id == "p-9").unwrap();
    assert_eq!(p9.at.as_deref(), Some("2026-01-09T09:00:00Z"));
}

#[test]
fn an_ordinary_username_only_as_at_name_and_other_sites_not_linked() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    let s = dpo(&vault);
    let r = page(&s, "netmums", "m-tired", 1, 50);
    assert_eq!(
        ids(&r),
        ["p-8"],
        "'tired' and 'Tired' as words are not @Tired"
    );
    assert_eq!(marked(&r, "p-8"), ["@Tired"]);
    // The mumsnet post names mumsnet's LittleMissCrafty, not netmums'.
    assert!(!ids(&page(&s, "netmums", "m-zoe", 1, 50)).contains(&"q-1".to_string()));
    let other = page(&s, "mumsnet", "m-zoe", 1, 50);
    assert_eq!(ids(&other), ["q-1"]);
    assert_eq!(kinds_of(&other, "q-1"), [Kind::AtUsername]);
    // Unknown member: not found.
    assert!(matches!(
        s.mentions("netmums", "m-none", 1, 10, t(5)),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn paging() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    let s = dpo(&vault);
    let all = ids(&page(&s, "netmums", "m-zoe", 1, 50));
    let mut paged = Vec::new();
    for n in 1..=4 {
        let r = page(&s, "netmums", "m-zoe", n, 3);
        assert_eq!((r.total, r.page, r.page_size), (9, n, 3));
        assert!(r.items.len() <= 3);
        paged.extend(ids(&r));
    }
    assert_eq!(paged, all);
    assert!(page(&s, "netmums", "m-zoe", 4, 3).items.is_empty());
}

#[test]
fn a_member_added_later_is_found_in_older_posts() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    // A new member whose username p-9's author had written before they joined,
    // and m-tired giving a name that p-11 doesn't hold, then a surname that a
    // message holds.
    let d = ExportBuilder::delta(root.path(), "nm-2", "netmums", 2, 1)
        .csv(
            "members",
            HEADER,
            &[
                m("m-new", "CraftyZ", "new@example.org", "", ""),
                m("m-tired", "Tired", "tired@example.org", "Zoë", "Smith"),
            ],
        )
        .jsonl("consent_events", &[])
        .write();
    sync(&vault, &d);
    let s = dpo(&vault);
    let r = page(&s, "netmums", "m-new", 1, 50);
    // p-6 says "CraftyZ said"; p-10 is m-zoe's post *as* CraftyZ (its text
    // names no one); m-zoe's posted-as name is now also a member's username.
    assert_eq!(ids(&r), ["p-6"]);
    assert_eq!(kinds_of(&r, "p-6"), [Kind::Username]);
    let r = page(&s, "netmums", "m-tired", 1, 50);
    assert_eq!(
        ids(&r),
        ["pm-1", "p-8", "p-5"],
        "their name, given later, names them in pm-1 and p-5"
    );
}

#[test]
fn every_delete_path_leaves_no_entry() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    assert!(entries(&vault, "p-1") > 0 && entries(&vault, "p-2") > 0);
    // A delta deletes p-1 and replaces p-2 with words naming no one.
    let d = ExportBuilder::delta(root.path(), "nm-2", "netmums", 2, 1)
        .csv("members", HEADER, &[])
        .jsonl("consent_events", &[])
        .jsonl(
            "posts",
            &[p(
                "p-2",
                "m-chat",
                "2026-01-02T10:00:00Z",
                "Edited: nothing to see.",
            )],
        )
        .csv(
            "deletions",
            "entity,id,deleted_at",
            &["posts,p-1,2026-11-02T01:00:00Z".into()],
        )
        .write();
    sync(&vault, &d);
    assert_eq!((entries(&vault, "p-1"), entries(&vault, "p-2")), (0, 0));
    let s = dpo(&vault);
    let r = page(&s, "netmums", "m-zoe", 1, 50);
    assert!(!ids(&r).iter().any(|i| i == "p-1" || i == "p-2"));
    drop(s);
    // A member's deletion cascades: m-help's post p-9 and ticket h-1 go.
    let d = ExportBuilder::delta(root.path(), "nm-3", "netmums", 3, 2)
        .csv("members", HEADER, &[])
        .jsonl("consent_events", &[])
        .csv(
            "deletions",
            "entity,id,deleted_at",
            &["members,m-help,2026-11-03T01:00:00Z".into()],
        )
        .write();
    sync(&vault, &d);
    assert_eq!((entries(&vault, "p-9"), entries(&vault, "h-1")), (0, 0));
    // m-tired writes p-13 naming her.
    let d = ExportBuilder::delta(root.path(), "nm-3b", "netmums", 4, 3)
        .csv("members", HEADER, &[])
        .jsonl("consent_events", &[])
        .jsonl(
            "posts",
            &[p(
                "p-13",
                "m-tired",
                "2026-02-02T10:00:00Z",
                "Ask @LittleMissCrafty",
            )],
        )
        .write();
    sync(&vault, &d);
    assert!(entries(&vault, "p-13") > 0);
    // A hold on m-chat, then a full export without m-chat and without p-13:
    // the sweep deletes p-13 (m-tired is not held) and marks m-chat's rows,
    // which keep their mentions (the data is kept).
    dpo(&vault)
        .hold_set("netmums", "m-chat", "police request", t(3))
        .unwrap();
    let mut keep = posts();
    keep.retain(|p| p["member_id"] == "m-zoe");
    let full = ExportBuilder::full(root.path(), "nm-5", "netmums", 5)
        .csv(
            "members",
            HEADER,
            &[members()[0].clone(), members()[1].clone()],
        )
        .jsonl("consent_events", &[])
        .jsonl("posts", &keep)
        .write();
    sync(&vault, &full);
    assert_eq!(
        entries(&vault, "p-13"),
        0,
        "the sweep took p-13's entries with it"
    );
    assert!(
        entries(&vault, "p-3") > 0 && entries(&vault, "pm-2") > 0,
        "held rows keep their mentions"
    );
    // The hold lifted: the held rows are purged, and their mentions with them.
    dpo(&vault).hold_lift("netmums", "m-chat", t(3)).unwrap();
    let conn = open_raw(&vault, "dpo", "dpo-password")
        .unwrap()
        .data
        .unwrap();
    let left: Vec<String> = conn
        .prepare("SELECT DISTINCT id FROM mention_tokens WHERE site = 'netmums' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(left, ["p-10"], "only m-zoe's own post is left");
}

#[test]
fn each_about_streams_items_with_spans_oldest_first() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    let conn = open_raw(&vault, "dpo", "dpo-password")
        .unwrap()
        .data
        .unwrap();
    let mut items = Vec::new();
    each_about(&conn, "netmums", "m-zoe", |i| {
        items.push(i);
        Ok(())
    })
    .unwrap();
    let order: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        order,
        ["p-1", "p-2", "p-3", "p-4", "p-5", "p-6", "p-9", "pm-1", "h-1"]
    );
    let h = items.last().unwrap();
    assert_eq!(h.author_id.as_deref(), Some("m-help"));
    // The subject (by the member) and the staff message both name her.
    let fields: Vec<(&str, &str)> = h
        .fields
        .iter()
        .map(|f| (f.field.as_str(), f.author.kind.as_str()))
        .collect();
    assert_eq!(
        fields,
        [("subject", "member"), ("messages[1].body", "staff")]
    );
    for i in &items {
        for f in &i.fields {
            for sp in &f.spans {
                assert!(f.text.is_char_boundary(sp.start) && f.text.is_char_boundary(sp.end));
                assert!(sp.start < sp.end);
            }
        }
    }
    let pm1 = items.iter().find(|i| i.id == "pm-1").unwrap();
    let f = &pm1.fields[0];
    assert_eq!(&f.text[f.spans[0].start..f.spans[0].end], "Zoë Smith");
    let sentences = desk_core::mentions::rules::sentences_with(
        &f.text,
        &f.spans.iter().map(|s| (s.start, s.end)).collect::<Vec<_>>(),
    );
    assert_eq!(
        &f.text[sentences[0].0..sentences[0].1],
        "Her real name is Zoë Smith and she lives in Leeds."
    );
}

#[test]
fn the_rebuild_builds_the_same_index_and_a_stale_one_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    let dump = |vault: &Path| -> Vec<(String, String, String, String)> {
        let conn = open_raw(vault, "dpo", "dpo-password")
            .unwrap()
            .data
            .unwrap();
        let v = conn
            .prepare("SELECT site, key, entity, id FROM mention_tokens ORDER BY 1, 2, 3, 4")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        v
    };
    let before = dump(&vault);
    assert!(before.len() > 10);
    // As a vault from before migration 9: an empty index, never built.
    let conn = open_raw(&vault, "dpo", "dpo-password")
        .unwrap()
        .data
        .unwrap();
    conn.execute_batch(
        "DELETE FROM mention_tokens; UPDATE meta SET value = '0' WHERE key = 'mentions_version';",
    )
    .unwrap();
    drop(conn);
    let s = dpo(&vault);
    assert!(s.mentions_stale(t(4)).unwrap());
    let e = s.mentions("netmums", "m-zoe", 1, 10, t(4)).unwrap_err();
    assert!(e.to_string().contains("desk mentions --rebuild"), "{e}");
    let rows = s.mentions_rebuild(t(4), &NoProgress).unwrap();
    assert_eq!(rows, 15);
    assert!(!s.mentions_stale(t(4)).unwrap());
    assert_eq!(dump(&vault), before);
}

#[test]
fn text_search_scans_bounded_pages_and_is_audited() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    let staff = Session::unlock(&vault, "staff", "staff-password", t(2)).unwrap();
    let q = |text: &str, page: u64| TextQuery {
        text: text.into(),
        site: Some("netmums".into()),
        page,
        page_size: 2,
        ..Default::default()
    };
    let r = staff.text_search(&q("oakfield  PRIMARY", 1), t(5)).unwrap();
    assert_eq!(r.words, ["oakfield", "primary"]);
    assert_eq!(r.items.len(), 1);
    assert_eq!(r.items[0].id, "p-11");
    assert!(!r.sites[0].indexed && r.sites[0].complete);
    let marked: Vec<&str> = r.items[0]
        .snippet
        .iter()
        .filter(|s| s.mark)
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(marked, ["Oakfield Primary"]);
    // Paged: "littlemisscrafty" is in 6 of netmums' items.
    let mut seen = Vec::new();
    for n in 1..=4 {
        let r = staff.text_search(&q("littlemisscrafty", n), t(5)).unwrap();
        seen.extend(r.items.iter().map(|i| i.id.clone()));
        assert_eq!(r.more, n < 3, "page {n}");
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
    // Dates bound it; bad input is refused.
    let mut dated = q("littlemisscrafty", 1);
    dated.from = Some("2026-01-02".into());
    dated.to = Some("2026-01-09".into());
    dated.page_size = 20;
    let r = staff.text_search(&dated, t(5)).unwrap();
    let got: Vec<&str> = r.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        got,
        ["p-9", "p-2"],
        "p-9 is 09:00 UTC on the 9th: inside the 9th"
    );
    assert!(matches!(
        staff.text_search(&q("!", 1), t(5)),
        Err(Error::Invalid(_))
    ));
    // Bounded: a scan reads at most so many rows a call, and says so.
    desk_core::mentions::textsearch::set_caps_for_tests(Some((4, 2)));
    let r = staff.text_search(&q("littlemisscrafty", 1), t(5)).unwrap();
    desk_core::mentions::textsearch::set_caps_for_tests(None);
    assert_eq!((r.sites[0].rows_read, r.sites[0].complete), (4, false));
    let got: Vec<&str> = r.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(got, ["p-10", "p-9"], "among the newest 4 posts only");
    // Audited with the words, in the encrypted trail.
    let events = dpo(&vault).audit_list(&Default::default(), t(6)).unwrap();
    let e = events.iter().find(|e| e.action == "text_search").unwrap();
    assert_eq!(e.user.as_deref(), Some("staff"));
    assert!(e
        .detail
        .as_ref()
        .unwrap()
        .to_string()
        .contains("oakfield  PRIMARY"));
}

#[test]
fn the_auditor_is_refused_and_refusals_are_audited() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    dpo(&vault)
        .add_user("ada", Role::Auditor, "ada-password", t(2))
        .unwrap();
    let ada = Session::unlock(&vault, "ada", "ada-password", t(2)).unwrap();
    let q = TextQuery {
        text: "zoe".into(),
        ..Default::default()
    };
    for r in [
        ada.mentions("netmums", "m-zoe", 1, 10, t(5)).map(|_| ()),
        ada.text_search(&q, t(5)).map(|_| ()),
        ada.text_index_set("netmums", true, t(5), &NoProgress)
            .map(|_| ()),
        ada.mentions_rebuild(t(5), &NoProgress).map(|_| ()),
        ada.text_index_status(t(5)).map(|_| ()),
    ] {
        assert!(matches!(r, Err(Error::Forbidden { .. })), "{r:?}");
    }
    let events = dpo(&vault).audit_list(&Default::default(), t(6)).unwrap();
    let refused = events
        .iter()
        .filter(|e| e.user.as_deref() == Some("ada") && e.outcome == "refused")
        .count();
    assert_eq!(refused, 5);
    let staff = Session::unlock(&vault, "staff", "staff-password", t(2)).unwrap();
    staff.mentions("netmums", "m-zoe", 1, 10, t(5)).unwrap();
    let events = dpo(&vault).audit_list(&Default::default(), t(6)).unwrap();
    let v = events.iter().find(|e| e.action == "mentions_view").unwrap();
    assert_eq!(
        (v.site.as_deref(), v.member_id.as_deref()),
        (Some("netmums"), Some("m-zoe"))
    );
}

/// Every page of the vault's text index (its FTS5 shadow table), raw.
fn index_pages(vault: &Path) -> Vec<Vec<u8>> {
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
fn the_text_index_finds_keeps_up_and_leaves_no_word_of_a_deleted_row() {
    let root = tempfile::tempdir().unwrap();
    let vault = fixture(root.path());
    let s = dpo(&vault);
    assert_eq!(
        s.text_index_set("netmums", true, t(3), &NoProgress)
            .unwrap(),
        14
    );
    assert!(matches!(
        s.text_index_set("netmums", true, t(3), &NoProgress),
        Err(Error::Conflict(_))
    ));
    let status = s.text_index_status(t(3)).unwrap();
    assert!(status.iter().any(|x| x.site == "netmums" && x.enabled));
    assert!(status.iter().any(|x| x.site == "mumsnet" && !x.enabled));
    let q = |text: &str| TextQuery {
        text: text.into(),
        page: 1,
        page_size: 20,
        ..Default::default()
    };
    let r = s.text_search(&q("Oakfield primary"), t(5)).unwrap();
    assert_eq!(
        r.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["p-11"]
    );
    let netmums = r.sites.iter().find(|x| x.site == "netmums").unwrap();
    assert!(netmums.indexed && netmums.complete);
    // Bounded: at most so many candidates a call, and it says so.
    desk_core::mentions::textsearch::set_caps_for_tests(Some((4, 2)));
    let r = s.text_search(&q("littlemisscrafty"), t(5)).unwrap();
    desk_core::mentions::textsearch::set_caps_for_tests(None);
    let netmums = r.sites.iter().find(|x| x.site == "netmums").unwrap();
    assert_eq!((netmums.rows_read, netmums.complete), (2, false));
    assert_eq!(r.items.iter().filter(|i| i.site == "netmums").count(), 2);
    // Words in the wrong order are not the phrase.
    assert!(s
        .text_search(&q("primary oakfield"), t(5))
        .unwrap()
        .items
        .is_empty());
    drop(s);
    // A delta adds a post with a rare word and deletes p-11: the index
    // follows, and no page of it holds p-11's rare words any more.
    assert!(holds(&index_pages(&vault), "oakfield"));
    let d = ExportBuilder::delta(root.path(), "nm-2", "netmums", 2, 1)
        .csv("members", HEADER, &[])
        .jsonl("consent_events", &[])
        .jsonl(
            "posts",
            &[p(
                "p-12",
                "m-chat",
                "2026-02-01T10:00:00Z",
                "Quixotically zephyrous weather",
            )],
        )
        .csv(
            "deletions",
            "entity,id,deleted_at",
            &["posts,p-11,2026-11-02T01:00:00Z".into()],
        )
        .write();
    sync(&vault, &d);
    let pages = index_pages(&vault);
    assert!(holds(&pages, "zephyrous"));
    assert!(
        !holds(&pages, "oakfield"),
        "a deleted row's words are gone from the index's pages"
    );
    let s = dpo(&vault);
    assert!(s
        .text_search(&q("oakfield"), t(5))
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        s.text_search(&q("ZEPHYROUS"), t(5)).unwrap().items[0].id,
        "p-12"
    );
    // Off: every word of the site goes.
    s.text_index_set("netmums", false, t(6), &NoProgress)
        .unwrap();
    let pages = index_pages(&vault);
    assert!(!holds(&pages, "zephyrous") && !holds(&pages, "littlemisscrafty"));
    // Still searchable by the scan.
    let r = s.text_search(&q("zephyrous"), t(6)).unwrap();
    assert_eq!(r.items[0].id, "p-12");
    assert!(!r.sites.iter().any(|x| x.indexed));
}
