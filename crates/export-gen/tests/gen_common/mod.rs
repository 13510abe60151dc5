//! Test support for the generator tests: loads an export (dir or zip),
//! checks it against the contract with a small independent checker built on
//! `Entity::fields`, and applies exports to an in-memory "vault".
#![allow(dead_code)]

use export_format::{Entity, FieldType, Format};
use export_gen::{generate, GenOptions, GenSummary, NoProgress};
use flate2::read::GzDecoder;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

pub fn gen(opts: &GenOptions, out: &Path) -> GenSummary {
    generate(opts, out, &NoProgress).unwrap()
}

pub fn opts(members: u64, seed: u64) -> GenOptions {
    GenOptions {
        members,
        seed,
        ..GenOptions::default()
    }
}

/// All files of an export as stored: name → bytes.
pub fn stored_files(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if path.is_dir() {
        for e in std::fs::read_dir(path).unwrap() {
            let e = e.unwrap();
            out.insert(
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            );
        }
    } else {
        let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().to_string();
            if f.is_dir() {
                assert_eq!(name, format!("{stem}/"));
                continue;
            }
            let rel = name
                .strip_prefix(&format!("{stem}/"))
                .unwrap_or_else(|| panic!("zip entry {name} outside the top directory"))
                .to_string();
            assert!(!rel.contains('/'), "nested entry {name}");
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            out.insert(rel, v);
        }
    }
    out
}

pub struct Row {
    pub line: u64,
    pub id: String,
    pub member: Option<String>,
    pub fields: Map<String, Value>,
}

pub struct Export {
    pub manifest: Value,
    /// Rows per entity, in file order.
    pub rows: BTreeMap<Entity, Vec<Row>>,
    /// Decompressed text per entity.
    pub text: BTreeMap<Entity, String>,
}

impl Export {
    pub fn rows(&self, e: Entity) -> &[Row] {
        self.rows.get(&e).map(|v| v.as_slice()).unwrap_or(&[])
    }
    pub fn seq(&self) -> i64 {
        self.manifest["sequence"].as_i64().unwrap()
    }
}

/// Loads an export, checking manifest, checksums, row counts, and every
/// row's types (panics with `file:line: field: problem` on the first error).
pub fn load(path: &Path) -> Export {
    let files = stored_files(path);
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest["format"], "forum-export");
    assert_eq!(manifest["format_version"], 1);
    let kind = manifest["kind"].as_str().unwrap();
    assert!(kind == "full" || kind == "delta");
    let seq = manifest["sequence"].as_i64().unwrap();
    if kind == "full" {
        assert!(manifest["base_sequence"].is_null());
    } else {
        assert_eq!(manifest["base_sequence"].as_i64().unwrap(), seq - 1);
    }
    assert!(
        chrono::DateTime::parse_from_rfc3339(manifest["generated_at"].as_str().unwrap()).is_ok()
    );
    assert!(manifest["generator"].is_object());
    let listed: Vec<&Value> = manifest["files"].as_array().unwrap().iter().collect();
    let mut names: BTreeSet<String> = listed
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    names.insert("manifest.json".into());
    let present: BTreeSet<String> = files.keys().cloned().collect();
    assert_eq!(names, present, "files present must be exactly those listed");
    let mut rows = BTreeMap::new();
    let mut text = BTreeMap::new();
    for f in listed {
        let p = f["path"].as_str().unwrap();
        let entity = Entity::from_name(f["entity"].as_str().unwrap()).unwrap();
        let stored = &files[p];
        assert_eq!(
            hex::encode(Sha256::digest(stored)),
            f["sha256"].as_str().unwrap(),
            "{p}: sha256"
        );
        let plain = if p.ends_with(".gz") {
            assert_eq!(p, format!("{}.gz", entity.file_name()));
            let mut s = String::new();
            GzDecoder::new(&stored[..]).read_to_string(&mut s).unwrap();
            s
        } else {
            assert_eq!(p, entity.file_name());
            String::from_utf8(stored.clone()).unwrap()
        };
        let parsed = parse(entity, p, &plain);
        assert_eq!(
            parsed.len() as u64,
            f["rows"].as_u64().unwrap(),
            "{p}: rows"
        );
        if kind == "full" {
            assert!(entity != Entity::Deletions);
        }
        let mut ids = BTreeSet::new();
        for r in &parsed {
            if entity != Entity::Deletions {
                assert!(ids.insert(r.id.clone()), "{p}:{}: duplicate id", r.line);
            }
        }
        rows.insert(entity, parsed);
        text.insert(entity, plain);
    }
    assert!(rows.contains_key(&Entity::Members) || kind == "delta");
    Export {
        manifest,
        rows,
        text,
    }
}

fn check_value(file: &str, line: u64, name: &str, ty: FieldType, v: &Value) {
    let fail = |what: &str| -> ! { panic!("{file}:{line}: {name}: {what}") };
    let ts_ok = |s: &str| chrono::DateTime::parse_from_rfc3339(s).is_ok();
    match ty {
        FieldType::Text => {
            if !v.is_string() {
                fail("not text")
            }
        }
        FieldType::Int => {
            if !v.is_i64() {
                fail("not an int")
            }
        }
        FieldType::Bool => {
            if !v.is_boolean() {
                fail("not a bool")
            }
        }
        FieldType::Date => {
            let s = v.as_str().unwrap_or("");
            if s.len() != 10 || chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err() {
                fail("not a date")
            }
        }
        FieldType::Ts => {
            if !ts_ok(v.as_str().unwrap_or("")) {
                fail("not an RFC 3339 timestamp")
            }
        }
        FieldType::Json => {}
        FieldType::Enum(allowed) => {
            if !allowed.contains(&v.as_str().unwrap_or("\0")) {
                fail("not an allowed value")
            }
        }
        FieldType::IdArray => {
            let a = v.as_array().unwrap_or_else(|| fail("not an array"));
            if a.is_empty()
                || a.iter()
                    .any(|x| !x.as_str().unwrap_or("").starts_with("m-"))
            {
                fail("not a non-empty array of member ids")
            }
        }
        FieldType::TicketMessages => {
            let a = v.as_array().unwrap_or_else(|| fail("not an array"));
            if a.is_empty() {
                fail("empty")
            }
            for m in a {
                let from = m["from"].as_str().unwrap_or("");
                if !(from == "member" || from == "staff")
                    || !ts_ok(m["at"].as_str().unwrap_or(""))
                    || !m["body"].is_string()
                {
                    fail("bad message")
                }
            }
        }
    }
}

fn csv_value(ty: FieldType, s: &str) -> Value {
    match ty {
        FieldType::Int => s.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
        FieldType::Bool => match s {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::Null,
        },
        _ => Value::String(s.to_string()),
    }
}

/// Parses and type-checks one file.
pub fn parse(entity: Entity, file: &str, text: &str) -> Vec<Row> {
    let mut out = Vec::new();
    let finish = |line: u64, fields: Map<String, Value>| {
        for f in entity.fields() {
            match fields.get(f.name) {
                None => assert!(
                    !f.required,
                    "{file}:{line}: {}: required field missing",
                    f.name
                ),
                Some(v) => check_value(file, line, f.name, f.ty, v),
            }
        }
        let id = fields[entity.id_field()].as_str().unwrap().to_string();
        let member = entity
            .member_field()
            .and_then(|m| fields.get(m))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        Row {
            line,
            id,
            member,
            fields,
        }
    };
    match entity.format() {
        Format::Csv => {
            let mut rdr = csv::Reader::from_reader(text.as_bytes());
            let headers = rdr.headers().unwrap().clone();
            for rec in rdr.records() {
                let rec = rec.unwrap();
                let line = rec.position().unwrap().line();
                let mut fields = Map::new();
                for (h, v) in headers.iter().zip(rec.iter()) {
                    if v.is_empty() || h == "password_hash" {
                        continue;
                    }
                    let ty = entity.field(h).map(|f| f.ty).unwrap_or(FieldType::Text);
                    fields.insert(h.to_string(), csv_value(ty, v));
                }
                out.push(finish(line, fields));
            }
        }
        Format::Jsonl => {
            for (i, l) in text.lines().enumerate() {
                if l.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("{file}:{}: not JSON: {e}", i + 1));
                let Value::Object(o) = v else {
                    panic!("{file}:{}: not an object", i + 1)
                };
                let fields: Map<String, Value> = o
                    .into_iter()
                    .filter(|(_, v)| !(v.is_null() || v.as_str() == Some("")))
                    .collect();
                out.push(finish(i as u64 + 1, fields));
            }
        }
    }
    out
}

/// A minimal vault: the rows of one site after applying exports (§5).
#[derive(Default)]
pub struct Vault {
    pub seq: i64,
    pub rows: BTreeMap<Entity, BTreeMap<String, Map<String, Value>>>,
}

impl Vault {
    pub fn members(&self) -> BTreeSet<String> {
        self.rows
            .get(&Entity::Members)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub fn apply(&mut self, x: &Export) {
        let kind = x.manifest["kind"].as_str().unwrap();
        if kind == "full" {
            self.rows.clear();
        } else {
            assert_eq!(x.manifest["base_sequence"].as_i64().unwrap(), self.seq);
        }
        let before = self.members();
        for (e, rows) in &x.rows {
            if *e == Entity::Deletions {
                continue;
            }
            let t = self.rows.entry(*e).or_default();
            for r in rows {
                t.insert(r.id.clone(), r.fields.clone());
            }
        }
        for d in x.rows(Entity::Deletions) {
            let e = Entity::from_name(d.fields["entity"].as_str().unwrap()).unwrap();
            let id = d.fields["id"].as_str().unwrap();
            let t = self.rows.entry(e).or_default();
            assert!(
                t.remove(id).is_some(),
                "deletions.csv:{}: deletes {e} {id}, which does not exist",
                d.line
            );
            if e == Entity::Members {
                assert!(
                    before.contains(id),
                    "deleted member {id} did not exist before"
                );
                for ent in Entity::DATA {
                    if let (Some(f), Some(t)) = (ent.member_field(), self.rows.get_mut(&ent)) {
                        t.retain(|_, r| r.get(f).and_then(|v| v.as_str()) != Some(id));
                    }
                }
            }
        }
        self.seq = x.seq();
        self.check_refs(x);
    }

    /// Every member_id / sender_id names a live member (§6).
    pub fn check_refs(&self, x: &Export) {
        let members = self.members();
        for (e, rows) in &x.rows {
            let Some(f) = e.member_field() else { continue };
            for r in rows {
                if let Some(m) = r.fields.get(f).and_then(|v| v.as_str()) {
                    assert!(
                        members.contains(m),
                        "{e}:{}: {f}: {m} is not a live member after seq {}",
                        r.line,
                        x.seq()
                    );
                }
            }
        }
        for (e, t) in &self.rows {
            let Some(f) = e.member_field() else { continue };
            for (id, r) in t {
                if let Some(m) = r.get(f).and_then(|v| v.as_str()) {
                    assert!(members.contains(m), "vault {e} {id} refers to gone {m}");
                }
            }
        }
    }
}
