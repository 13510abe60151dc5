//! `desk request …` end to end: exit codes, --json, readable text, the
//! auditor's view and the CSV export.

use crate::disclosure::ready;

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

#[test]
fn open_list_show_and_close() {
    let d = ready();
    let today = today();
    let r = d
        .ok(
            "sam",
            &[
                "--json",
                "request",
                "open",
                "netmums",
                "m-1",
                "--received",
                &today,
                "--channel",
                "web",
                "--requester",
                "Jane, jane@example.org",
            ],
        )
        .json();
    let reference = r["ref"].as_str().unwrap().to_string();
    assert!(reference.starts_with("SAR-"), "{reference}");
    assert_eq!(r["status"], "open");
    assert_eq!(r["overdue"], false);
    assert_eq!(r["events"][0]["kind"], "opened");

    // An old one, long overdue, with a given reference.
    d.ok(
        "dpo",
        &[
            "request",
            "open",
            "netmums",
            "m-2",
            "--received",
            "2026-01-31",
            "--ref",
            "OLD-1",
        ],
    );
    // Duplicate reference: refused, exit 1.
    let dup = d.dpo(&[
        "request",
        "open",
        "netmums",
        "m-2",
        "--received",
        "2026-01-31",
        "--ref",
        "OLD-1",
    ]);
    assert_eq!(dup.code, 1, "{}", dup.stderr);
    // Unknown member: exit 1.
    let nobody = d.dpo(&[
        "request",
        "open",
        "netmums",
        "m-99",
        "--received",
        "2026-01-31",
    ]);
    assert_eq!(nobody.code, 1, "{}", nobody.stderr);
    // Bad usage: exit 2.
    for args in [
        &[
            "request",
            "open",
            "netmums",
            "m-1",
            "--received",
            "31/01/2026",
        ][..],
        &[
            "request", "extend", "OLD-1", "--months", "3", "--reason", "x",
        ][..],
        &["request", "close", "OLD-1", "--outcome", "ignored"][..],
    ] {
        assert_eq!(d.dpo(args).code, 2, "{args:?}");
    }

    // The list shows due dates and the overdue one at a glance.
    let text = d.ok("sam", &["request", "list"]).stdout;
    assert!(text.contains("OLD-1"), "{text}");
    assert!(text.contains("OVERDUE"), "{text}");
    assert!(text.contains("was due 2026-03-02"), "{text}");
    assert!(text.contains("1 overdue"), "{text}");
    let overdue = d
        .ok("sam", &["request", "list", "--overdue", "--json"])
        .json();
    let refs: Vec<&str> = overdue["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["OLD-1"]);

    // Pause shows in the list; resume; extension past the first month refused.
    d.ok(
        "sam",
        &["request", "pause", &reference, "--reason", "clarification"],
    );
    assert!(d.ok("sam", &["request", "list"]).stdout.contains("PAUSED"));
    d.ok("sam", &["request", "resume", &reference]);
    let late = d.dpo(&[
        "request", "extend", "OLD-1", "--months", "1", "--reason", "complex",
    ]);
    assert_eq!(late.code, 1, "{}", late.stderr);
    d.ok(
        "dpo",
        &[
            "request", "extend", &reference, "--months", "2", "--reason", "complex",
        ],
    );

    // A refusal needs a reason.
    let no_reason = d.dpo(&[
        "request",
        "close",
        "OLD-1",
        "--outcome",
        "refused_excessive",
    ]);
    assert_eq!(no_reason.code, 1, "{}", no_reason.stderr);
    d.ok(
        "dpo",
        &[
            "request",
            "close",
            "OLD-1",
            "--outcome",
            "refused_excessive",
            "--reason",
            "repeat",
        ],
    );
    let shown = d.ok("dpo", &["--json", "request", "show", "OLD-1"]).json();
    assert_eq!(shown["status"], "closed");
    assert_eq!(shown["outcome"], "refused_excessive");
    assert_eq!(d.dpo(&["request", "show", "NOPE"]).code, 1);

    // The auditor sees the register without the requester's text.
    let a = d.ok("ada", &["--json", "request", "show", &reference]);
    assert_eq!(a.json()["requester"], "");
    assert!(!a.stdout.contains("Jane"));
    let csv_path = d.path("register.csv");
    d.ok(
        "ada",
        &["request", "export", "--out", csv_path.to_str().unwrap()],
    );
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert!(!text.contains("Jane"));
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(rd.records().count(), 2);
    // The dpo's export carries it (replacing the auditor's: --force).
    d.ok(
        "dpo",
        &[
            "request",
            "export",
            "--out",
            csv_path.to_str().unwrap(),
            "--force",
        ],
    );
    assert!(std::fs::read_to_string(&csv_path).unwrap().contains("Jane"));
}

#[test]
fn a_site_calendar_is_shown_and_set_by_a_dpo() {
    let d = ready();
    let r = d
        .ok("sam", &["--json", "request", "calendar", "netmums"])
        .json();
    assert_eq!(r["calendar"], "england_and_wales");
    let refused = d.as_user(
        "sam",
        &["request", "calendar", "netmums", "--set", "scotland"],
    );
    assert_eq!(refused.code, 4, "{}", refused.stderr);
    assert_eq!(
        d.dpo(&["request", "calendar", "netmums", "--set", "wales"])
            .code,
        2
    );
    d.ok(
        "dpo",
        &["request", "calendar", "netmums", "--set", "scotland"],
    );
    let r = d
        .ok(
            "dpo",
            &[
                "--json",
                "request",
                "open",
                "netmums",
                "m-1",
                "--received",
                "2026-10-30",
            ],
        )
        .json();
    assert_eq!(r["calendar"], "scotland");
    // 30 Nov 2026 is St Andrew's Day.
    assert_eq!(r["due"], "2026-12-01");
}
