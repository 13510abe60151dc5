//! The app on Tauri's mock runtime, built by the same [`crate::configure`]
//! with the real context (so the real permissions), its commands called
//! through the IPC as the UI calls them; and the generated TypeScript.

use crate::commands::COMMANDS;
use crate::state::Desk;
use crate::{configure, context, Options, HANDLED};
use desk_core::{Role, Session};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow};

struct TestApp {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    tmp: tempfile::TempDir,
}

/// The window the capability names (`main`), showing the app's own page.
fn main_window(app: &App<MockRuntime>) -> WebviewWindow<MockRuntime> {
    tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::App("index.html".into()))
        .build()
        .expect("the main window")
}

fn app() -> TestApp {
    let tmp = tempfile::tempdir().unwrap();
    let opts = Options {
        desk: Desk::with_idle_lock(desk_core::contract::IDLE_LOCK),
        recent_file: Some(tmp.path().join("config").join("recent-vaults.json")),
        sign_in_from_env: false,
    };
    let app = configure(mock_builder(), opts)
        .build(context())
        .expect("the app builds on the mock runtime");
    let window = main_window(&app);
    TestApp {
        _app: app,
        window,
        tmp,
    }
}

impl TestApp {
    /// Invoke `cmd` with `args` (camelCase keys, as the UI sends them).
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.into(),
        };
        get_ipc_response(&self.window, request).map(|b| b.deserialize::<Value>().unwrap())
    }

    /// A vault in the temp directory with a dpo and an auditor.
    fn vault(&self) -> std::path::PathBuf {
        desk_core::vault::keys::use_test_cost(true);
        let dir = self.tmp.path().join("vault");
        let s = Session::create(&dir, "dpo", "dpo-password", chrono::Utc::now()).unwrap();
        s.add_user("ada", Role::Auditor, "ada-password", chrono::Utc::now())
            .unwrap();
        dir
    }
}

fn error_body(code: &str) -> impl Fn(&Value) -> bool + '_ {
    move |v| {
        v["code"] == code
            && v["message"].is_string()
            && v["problems"].is_array()
            && v["more_problems"].is_number()
            && v.as_object().unwrap().len() == 4
    }
}

#[test]
fn locked_answers_with_the_locked_body() {
    let t = app();
    assert_eq!(t.call("session_info", json!({})), Ok(Value::Null));
    let err = t.call("home", json!({})).unwrap_err();
    assert!(error_body("locked")(&err), "{err}");
    assert_eq!(err["message"], "the desk is locked: sign in again");
    let err = t.call("touch", json!({})).unwrap_err();
    assert_eq!(err["code"], "locked");
}

#[test]
fn sign_in_on_a_vault_and_what_a_role_may_not_do() {
    let t = app();
    let dir = t.vault();
    let dir_s = dir.to_str().unwrap();
    let err = t
        .call(
            "sign_in",
            json!({"dir": dir_s, "user": "ada", "password": "wrong-password"}),
        )
        .unwrap_err();
    assert!(error_body("bad_credentials")(&err), "{err}");

    let info = t
        .call(
            "sign_in",
            json!({"dir": dir_s, "user": "ada", "password": "ada-password"}),
        )
        .unwrap();
    assert_eq!(info["user"], "ada");
    assert_eq!(info["role"], "auditor");
    assert_eq!(info["can"], json!(Role::Auditor.can()));
    assert_eq!(t.call("session_info", json!({})).unwrap(), info);
    // Remembered in the recent list (the path only).
    let recent = t.call("recent_vaults", json!({})).unwrap();
    assert_eq!(recent[0]["name"], "vault");

    // An auditor may not search: core's forbidden body, unchanged.
    let err = t
        .call(
            "search",
            json!({"query": "m-1", "site": null, "limit": null}),
        )
        .unwrap_err();
    assert!(error_body("forbidden")(&err), "{err}");
    assert_eq!(
        err["message"],
        "the auditor role does not allow this: searching and viewing members"
    );
    // Bad input: invalid, with the message naming what is wrong.
    let err = t
        .call(
            "audit_list",
            json!({"user": null, "action": null, "site": null, "memberId": null,
                   "from": "yesterday", "to": null, "limit": null}),
        )
        .unwrap_err();
    assert!(error_body("invalid")(&err), "{err}");
    // A `to` date includes that whole day (core's rule).
    let today = chrono::Utc::now().date_naive().to_string();
    let events = t
        .call(
            "audit_list",
            json!({"user": null, "action": null, "site": null, "memberId": null,
                   "from": today, "to": today, "limit": null}),
        )
        .unwrap();
    assert!(!events.as_array().unwrap().is_empty(), "{events}");
    t.call("sign_out", json!({})).unwrap();
    assert_eq!(t.call("session_info", json!({})), Ok(Value::Null));
}

#[test]
fn an_export_never_replaces_a_file_without_force() {
    let t = app();
    let dir = t.vault();
    t.call(
        "sign_in",
        json!({"dir": dir.to_str().unwrap(), "user": "dpo", "password": "dpo-password"}),
    )
    .unwrap();
    let out = t.tmp.path().join("audit.csv");
    std::fs::write(&out, "keep").unwrap();
    let path = out.to_str().unwrap();
    let err = t
        .call("audit_export_csv", json!({"path": path, "force": false}))
        .unwrap_err();
    assert!(error_body("conflict")(&err), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep");
    t.call("audit_export_csv", json!({"path": path, "force": true}))
        .unwrap();
    // For spreadsheets: a byte-order mark, then the header.
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with("\u{feff}seq,"));
}

#[test]
fn the_session_locks_itself_when_idle() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = Options {
        desk: Desk::with_idle_lock(Duration::from_millis(300)),
        recent_file: None,
        sign_in_from_env: false,
    };
    let app = configure(mock_builder(), opts).build(context()).unwrap();
    let t = TestApp {
        window: main_window(&app),
        _app: app,
        tmp,
    };
    let dir = t.vault();
    t.call(
        "sign_in",
        json!({"dir": dir.to_str().unwrap(), "user": "dpo", "password": "dpo-password"}),
    )
    .unwrap();
    assert!(t.call("status", json!({})).is_ok());
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(t.call("status", json!({})).unwrap_err()["code"], "locked");
}

/// Every command is handled, has a permission and is granted: invoked with
/// no arguments each one answers, but never "not allowed" or "not found".
/// (Those needing arguments fail on them before doing anything; those
/// without arguments only read, or find the desk locked.)
#[test]
fn every_command_is_handled_and_allowed() {
    let mut handled = HANDLED.to_vec();
    let mut listed = COMMANDS.to_vec();
    handled.sort();
    listed.sort();
    assert_eq!(
        handled, listed,
        "lib.rs's handler and src/commands.rs differ"
    );

    let cap: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/default.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut granted: Vec<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| p.starts_with("allow-"))
        .map(String::from)
        .collect();
    granted.sort();
    let mut want: Vec<String> = COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    want.sort();
    assert_eq!(
        granted, want,
        "capabilities/default.json grants other commands"
    );

    let t = app();
    // pick_export takes no arguments and would open a real dialog.
    for cmd in COMMANDS.iter().filter(|c| **c != "pick_export") {
        if let Err(e) = t.call(cmd, json!({})) {
            let text = e.to_string();
            assert!(
                !text.contains("not allowed") && !text.contains("not found"),
                "{cmd}: {text}"
            );
        }
    }
    // A command nobody granted is refused by the permissions.
    let e = t.call("no_such_command", json!({})).unwrap_err();
    assert!(e.to_string().contains("not allowed"), "{e}");
}

/// `ui/src/lib/generated` is what the Rust types generate (run with
/// `DESK_WRITE_TS=1` to write it).
#[test]
fn generated_typescript_is_up_to_date() {
    let mut b = desk_core::ts::Bindings::new();
    desk_core::ts::core_types(&mut b);
    b.add::<crate::vault::SessionInfo>()
        .add::<crate::vault::RecentVault>()
        .add::<crate::jobs::ProgressMsg>();
    b.check_or_write(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/generated"));
}

/// The review commands as the UI calls them (camelCase arguments), on a
/// draft made through core: summary, a page, an item, the parties, a
/// decision, undo, approve (docs/review-api.md).
#[test]
fn review_commands_answer_the_documented_shapes() {
    use desk_core::progress::NoProgress;
    let t = app();
    let dir = t.vault();
    let now = chrono::Utc::now();
    let s = Session::unlock(&dir, "dpo", "dpo-password", now).unwrap();
    let export = t.tmp.path().join("export");
    export_gen::generate(
        &export_gen::GenOptions {
            site: "netmums".into(),
            members: 30,
            seed: 4,
            ..Default::default()
        },
        &export,
        &export_gen::NoProgress,
    )
    .unwrap();
    s.sync(&export, now, &NoProgress).unwrap();
    let received = now.date_naive();
    s.request_open(
        "netmums",
        "m-2",
        received,
        "email",
        "",
        Some("SAR-UI"),
        false,
        now,
    )
    .unwrap();
    s.review_create("SAR-UI", now, &NoProgress).unwrap();
    t.call(
        "sign_in",
        json!({"dir": dir.to_str().unwrap(), "user": "dpo", "password": "dpo-password"}),
    )
    .unwrap();
    let r = json!({"reference": "SAR-UI"});
    let sum = t.call("review_summary", r.clone()).unwrap();
    assert_eq!(sum["state"], "draft");
    assert_eq!(sum["ref"], "SAR-UI");
    let page = t
        .call(
            "review_items",
            json!({"reference": "SAR-UI", "filter": {"undecided_only": false}, "offset": 0, "limit": 10}),
        )
        .unwrap();
    assert_eq!(page["items"][0]["kind"], "profile");
    let item = t
        .call(
            "review_item",
            json!({"reference": "SAR-UI", "n": 0, "maxProposals": null}),
        )
        .unwrap();
    assert!(
        item["fields"].is_array() && item["released_row"].is_object(),
        "{item}"
    );
    let parties = t
        .call(
            "review_parties",
            json!({"reference": "SAR-UI", "undecidedOnly": true, "offset": 0, "limit": 100}),
        )
        .unwrap();
    let decisions: Vec<Value> = parties["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!({"action": "party", "party": p["party"], "verdict": {"decide": "redact", "reason": "third party"}}))
        .collect();
    let mut all = decisions.clone();
    all.push(json!({"action": "mark", "item": 0, "reviewed": true}));
    let applied = t
        .call(
            "review_decide",
            json!({"reference": "SAR-UI", "decisions": all}),
        )
        .unwrap();
    assert_eq!(applied["summary"]["proposals_undecided"], 0);
    let undone = t.call("review_undo", r.clone()).unwrap();
    assert!(undone["undone"].is_string());
    t.call(
        "review_decide",
        json!({"reference": "SAR-UI", "decisions": all}),
    )
    .unwrap();
    // A bad decision: core's invalid body, by field.
    let err = t
        .call(
            "review_decide",
            json!({"reference": "SAR-UI", "decisions": [{"action": "mark", "item": 99999, "reviewed": true}]}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "invalid");
    assert_eq!(err["problems"][0]["field"], "decisions[0].item");
    let approved = t.call("review_approve", r.clone()).unwrap();
    assert_eq!(approved["state"], "approved");
    let settings = t
        .call("review_settings_get", json!({"site": "netmums"}))
        .unwrap();
    assert_eq!(settings["four_eyes"], false);
    let ch = t.call("review_changes", r).unwrap();
    assert_eq!(ch["stale"], false);
}
