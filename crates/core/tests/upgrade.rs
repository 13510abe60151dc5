//! A vault made by an older desk (the committed fixture, schema 6: one
//! database, one key) opens in this desk, is converted and migrated, keeps
//! every record and its hash chains, and ends with exactly the schema of a
//! vault made new — table by table, index by index, trigger by trigger.

use chrono::{DateTime, TimeZone, Utc};
use desk_core::requests::RequestFilter;
use desk_core::vault::open::{open, Db};
use desk_core::vault::raw::{open_raw, user_keys};
use desk_core::vault::VaultPaths;
use desk_core::{Error, Session};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, h, 0, 0).unwrap()
}

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vault-v6");
const OLD_AUDIT_HEAD: &str = "7754e8e65d7d6c48d64e0b4d591087bb6dc7e99df30ee76f3c7890a666bcd79b";
const OLD_LOG_HEAD: &str = "0fce30a1f6270f9a42380d42c8589f7a9a343a9ccb0522dd27b2f706096c38d6";

fn copy_fixture(root: &Path) -> PathBuf {
    desk_core::vault::keys::use_test_cost(true);
    let v = root.join("old-vault");
    std::fs::create_dir_all(&v).unwrap();
    for f in ["vault.db", "keyslots.json"] {
        std::fs::copy(Path::new(FIXTURE).join(f), v.join(f)).unwrap();
    }
    v
}

/// Every schema object of a database: (type, name, table, SQL), sorted.
fn schema(conn: &Connection) -> Vec<(String, String, String, Option<String>)> {
    let mut stmt = conn
        .prepare(
            "SELECT type, name, tbl_name, sql FROM sqlite_master
             WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

fn version(conn: &Connection) -> i64 {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn an_old_vault_upgrades_to_exactly_the_schema_of_a_new_one() {
    let root = tempfile::tempdir().unwrap();
    let old = copy_fixture(root.path());
    let s = Session::unlock(&old, "demo-dpo", "demo-password", t(10)).unwrap();
    drop(s);
    let fresh = root.path().join("fresh");
    drop(Session::create(&fresh, "dpo", "dpo-password", t(10)).unwrap());

    let up = open_raw(&old, "demo-dpo", "demo-password").unwrap();
    let new = open_raw(&fresh, "dpo", "dpo-password").unwrap();
    let (up_data, new_data) = (up.data.unwrap(), new.data.unwrap());
    assert_eq!(
        version(&up_data),
        desk_core::vault::migrate::latest_version()
    );
    assert_eq!(version(&up_data), version(&new_data));
    assert_eq!(version(&up.logs), version(&new.logs));
    let (a, b) = (schema(&up_data), schema(&new_data));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "vault.db differs");
    }
    assert_eq!(a.len(), b.len(), "vault.db has other objects");
    let (a, b) = (schema(&up.logs), schema(&new.logs));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "logs.db differs");
    }
    assert_eq!(a.len(), b.len(), "logs.db has other objects");
    // Both files are the owner's alone, and in write-ahead-log mode.
    for v in [&old, &fresh] {
        for f in ["vault.db", "logs.db", "keyslots.json"] {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(v.join(f)).unwrap().permissions().mode();
                if v == &fresh {
                    assert_eq!(mode & 0o077, 0, "{f} is readable by others");
                }
            }
        }
    }
    let mode: String = up_data
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn an_old_vault_keeps_every_record_and_its_chains() {
    let root = tempfile::tempdir().unwrap();
    let old = copy_fixture(root.path());
    let s = Session::unlock(&old, "demo-dpo", "demo-password", t(10)).unwrap();
    // The chains go on from where they were: the old heads are still in them.
    let v = s.audit_verify(Some(OLD_AUDIT_HEAD), t(10)).unwrap();
    assert!(v.ok, "{v:?}");
    assert!(v.entries > 27);
    let v = s.disclosure_verify(Some(OLD_LOG_HEAD), t(10)).unwrap();
    assert!(v.ok && v.entries == 2, "{v:?}");
    let events = s.audit_list(&Default::default(), t(10)).unwrap();
    let up = events
        .iter()
        .find(|e| e.action == "vault_upgraded")
        .unwrap();
    assert_eq!(up.detail.as_ref().unwrap()["from_schema"], 6);
    assert_eq!(up.detail.as_ref().unwrap()["data_rekeyed"], true);
    // The request keeps its requester's words (now sealed).
    let r = s.request_show("SAR-2026-0001", t(10)).unwrap();
    assert_eq!(r.request.requester, "Charlotte by email");
    assert_eq!(
        r.request.state.identity_verified.unwrap().to_string(),
        "2026-11-21"
    );
    // The data is all there.
    let st = s.status(t(10)).unwrap();
    assert_eq!(st.sites.len(), 2);
    let m = s
        .member("netmums", "m-3", desk_core::member::Page::all(), t(10))
        .unwrap();
    assert_eq!(m.disclosures.len(), 1);
    assert_eq!(s.hold_list(t(10)).unwrap().len(), 1);
    drop(s);
    // Everyone still signs in, with their own password.
    for u in ["demo-staff", "demo-auditor"] {
        Session::unlock(&old, u, "demo-password", t(11)).unwrap();
    }
}

#[test]
fn after_the_upgrade_an_auditor_holds_no_key_to_member_data() {
    let root = tempfile::tempdir().unwrap();
    let old = copy_fixture(root.path());
    // The auditor cannot upgrade the vault (they will never hold the data key).
    let e = Session::unlock(&old, "demo-auditor", "demo-password", t(9)).unwrap_err();
    assert!(matches!(e, Error::BadVault { .. }), "{e}");
    assert!(e.to_string().contains("opened once by a dpo"), "{e}");
    // The old one key, as the auditor's old slot held it, before the upgrade.
    let old_key = user_keys(&old, "demo-auditor", "demo-password")
        .unwrap()
        .logs;
    Session::unlock(&old, "demo-dpo", "demo-password", t(10)).unwrap();
    let paths = VaultPaths::new(&old);
    let busy = std::time::Duration::from_secs(5);
    assert!(open(&paths.db(), &old_key, Db::Data, busy).is_err());
    let k = user_keys(&old, "demo-auditor", "demo-password").unwrap();
    assert!(k.data.is_none() && k.field.is_none());
    assert!(open(&paths.db(), &k.logs, Db::Data, busy).is_err());
    let a = Session::unlock(&old, "demo-auditor", "demo-password", t(11)).unwrap();
    let reg = a.request_list(&RequestFilter::default(), t(11)).unwrap();
    assert_eq!(reg.len(), 1);
    assert_eq!(
        reg[0].requester, "",
        "the requester's words are member data"
    );
    assert!(a
        .member("netmums", "m-3", desk_core::member::Page::all(), t(11))
        .is_err());
    // The auditor's status comes from the trail.
    let st = a.status(t(11)).unwrap();
    assert_eq!(st.sites.len(), 2);
}
