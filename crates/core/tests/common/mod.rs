//! A small hand-made export writer for tests: exact rows, exact lines.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use desk_core::vault::raw::open_raw;
use desk_core::{Role, Session};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, 0, 0).unwrap()
}

/// A change to make to the manifest before it is written.
pub type ManifestEdit = Box<dyn Fn(&mut Value)>;

/// One stored row: (entity, site, id, member, data, seq, deleted_seq).
pub type StoredRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    Option<i64>,
);

pub struct ExportBuilder {
    pub dir: PathBuf,
    site: String,
    kind: &'static str,
    seq: i64,
    base: Option<i64>,
    files: Vec<Value>,
    pub manifest_override: Option<ManifestEdit>,
}

pub const MEMBER_HEADER: &str = "member_id,username,email,signup_at,status,updated_at,first_name";

pub fn member(id: &str) -> String {
    format!(
        "{id},user_{id},{id}@example.org,2020-01-01T10:00:00Z,active,2026-01-01T00:00:00Z,Name{id}"
    )
}

pub fn post(id: &str, member: &str) -> Value {
    json!({"post_id": id, "member_id": member, "thread_id": "t-1", "posted_at": "2026-01-02T10:00:00+01:00", "status": "visible", "body": format!("body of {id}")})
}

pub fn consent(id: &str, member: &str, action: &str) -> Value {
    json!({"event_id": id, "member_id": member, "purpose": "partner_emails", "action": action, "occurred_at": "2026-01-02T10:00:00Z", "source": "registration"})
}

pub fn message(id: &str, sender: &str, recipients: &[&str]) -> Value {
    json!({"message_id": id, "conversation_id": "c-1", "conversation_type": "member", "sender_id": sender, "recipient_ids": recipients, "sent_at": "2026-01-03T10:00:00Z", "body": "hello"})
}

impl ExportBuilder {
    pub fn full(root: &Path, name: &str, site: &str, seq: i64) -> Self {
        Self::new(root, name, site, "full", seq, None)
    }
    pub fn delta(root: &Path, name: &str, site: &str, seq: i64, base: i64) -> Self {
        Self::new(root, name, site, "delta", seq, Some(base))
    }
    fn new(
        root: &Path,
        name: &str,
        site: &str,
        kind: &'static str,
        seq: i64,
        base: Option<i64>,
    ) -> Self {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        ExportBuilder {
            dir,
            site: site.into(),
            kind,
            seq,
            base,
            files: Vec::new(),
            manifest_override: None,
        }
    }

    /// A file with this exact content, listed with its real checksum and row count.
    pub fn file(mut self, entity: &str, path: &str, content: &str, rows: u64) -> Self {
        std::fs::write(self.dir.join(path), content).unwrap();
        self.files
            .push(json!({"path": path, "entity": entity, "rows": rows,
            "sha256": hex::encode(Sha256::digest(content.as_bytes()))}));
        self
    }

    pub fn csv(self, entity: &str, header: &str, rows: &[String]) -> Self {
        let mut s = format!("{header}\n");
        for r in rows {
            s.push_str(r);
            s.push('\n');
        }
        let n = rows.len() as u64;
        self.file(entity, &format!("{entity}.csv"), &s, n)
    }

    pub fn jsonl(self, entity: &str, rows: &[Value]) -> Self {
        let mut s = String::new();
        for r in rows {
            s.push_str(&r.to_string());
            s.push('\n');
        }
        let n = rows.len() as u64;
        self.file(entity, &format!("{entity}.jsonl"), &s, n)
    }

    pub fn members(self, ids: &[&str]) -> Self {
        let rows: Vec<String> = ids.iter().map(|i| member(i)).collect();
        self.csv("members", MEMBER_HEADER, &rows)
    }

    pub fn write(self) -> PathBuf {
        let mut m = json!({
            "format": "forum-export", "format_version": 1, "site": self.site, "kind": self.kind,
            "sequence": self.seq, "base_sequence": self.base,
            "generated_at": format!("2026-11-{:02}T02:00:00Z", 1 + self.seq),
            "files": self.files,
        });
        if let Some(f) = &self.manifest_override {
            f(&mut m);
        }
        std::fs::write(
            self.dir.join("manifest.json"),
            serde_json::to_string_pretty(&m).unwrap(),
        )
        .unwrap();
        self.dir
    }
}

pub fn new_vault(root: &Path) -> PathBuf {
    desk_core::vault::keys::use_test_cost(true);
    let vault = root.join("vault");
    let s = Session::create(&vault, "dpo", "dpo-password", t(1)).unwrap();
    s.add_user("staff", Role::Staff, "staff-password", t(1))
        .unwrap();
    vault
}

pub fn dpo(vault: &Path) -> Session {
    Session::unlock(vault, "dpo", "dpo-password", t(2)).unwrap()
}

/// Every stored row of every entity (entity, site, id, member, data, seq,
/// deleted_seq), sorted: the vault's data, to compare before and after.
pub fn snapshot(vault: &Path) -> Vec<StoredRow> {
    let conn = open_raw(vault, "dpo", "dpo-password")
        .unwrap()
        .data
        .unwrap();
    let mut out = Vec::new();
    for e in desk_core::entity::Entity::DATA {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT site, id, member_id, data, seq, deleted_seq FROM {} ORDER BY site, id",
                e.name()
            ))
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    e.name().to_string(),
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap();
        for r in rows {
            out.push(r.unwrap());
        }
    }
    let mut stmt = conn
        .prepare("SELECT site, sequence FROM exports ORDER BY 1, 2")
        .unwrap();
    for r in stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .unwrap()
    {
        let (site, seq) = r.unwrap();
        out.push((
            "exports".into(),
            site,
            seq.to_string(),
            None,
            String::new(),
            seq,
            None,
        ));
    }
    out
}

/// (entity, id) pairs stored for a site, with whether each is held-deleted.
pub fn ids(vault: &Path, entity: &str) -> Vec<(String, bool)> {
    snapshot(vault)
        .into_iter()
        .filter(|r| r.0 == entity)
        .map(|r| (r.2, r.6.is_some()))
        .collect()
}

/// A zip's entries by name.
pub fn unzip(path: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        out.insert(f.name().to_string(), b);
    }
    out
}

/// An entry of an unzipped bundle, as JSON.
pub fn json_of(files: &std::collections::BTreeMap<String, Vec<u8>>, name: &str) -> Value {
    serde_json::from_slice(files.get(name).unwrap_or_else(|| panic!("no {name}"))).unwrap()
}

/// Every entry's text, lower case.
pub fn all_text(files: &std::collections::BTreeMap<String, Vec<u8>>) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(n, b)| (n.clone(), String::from_utf8_lossy(b).to_lowercase()))
        .collect()
}

/// No entry holds any of `forbidden` (case-insensitive).
pub fn assert_none_of(files: &std::collections::BTreeMap<String, Vec<u8>>, forbidden: &[&str]) {
    for (name, text) in all_text(files) {
        for f in forbidden {
            assert!(!text.contains(&f.to_lowercase()), "{name} contains {f:?}");
        }
    }
}
