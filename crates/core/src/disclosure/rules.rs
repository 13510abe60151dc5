//! The §4 field rules: which keys an entry may carry, and the checks of each
//! part of it (site, members, time, recipient, lawful basis, conditions,
//! triggers, what was disclosed). Every problem names its field; none
//! repeats a value. The look-ups in the vault go through [`super::store`].

use super::store;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde_json::{json, Map, Value};

/// The lawful bases of §4, by their stored names.
pub const LAWFUL_BASES: [&str; 8] = [
    "uk_gdpr_6_1_d_vital_interests",
    "uk_gdpr_6_1_c_legal_obligation",
    "uk_gdpr_6_1_e_public_task",
    "dpa2018_sch1_para18",
    "dpa2018_sch2_para2",
    "court_order",
    "consent",
    "other",
];

/// The entities a `triggered_by` item may name.
pub const TRIGGER_ENTITIES: [&str; 11] = [
    "posts",
    "private_messages",
    "helpdesk_tickets",
    "consent_events",
    "competition_entries",
    "survey_responses",
    "reviews",
    "local_listings",
    "login_events",
    "social_accounts",
    "children",
];

/// The keys an entry given as input may carry (§4, plus the acknowledgement
/// that a member is no longer in the latest export).
const INPUT_KEYS: [&str; 17] = [
    "site",
    "member_ids",
    "disclosed_at",
    "recipient",
    "request_reference",
    "urgent",
    "lawful_basis",
    "lawful_basis_detail",
    "safeguarding_conditions",
    "triggered_by",
    "data_categories",
    "items_disclosed",
    "necessity_and_proportionality",
    "authorised_by",
    "member_informed",
    "not_informed_reason",
    "acknowledge_missing_members",
];

/// Keys the desk sets itself; an input carrying one is refused.
const DESK_KEYS: [&str; 10] = [
    "id",
    "recorded_at",
    "recorded_by",
    "amends",
    "kind",
    "note",
    "hash",
    "prev_hash",
    "missing_members",
    "triggers_checked",
];

const RECIPIENT_KEYS: [&str; 4] = ["organisation", "team", "officer", "contact"];
const CONDITION_KEYS: [&str; 3] = [
    "necessary_to_protect",
    "consent_not_sought_because",
    "substantial_public_interest",
];

/// Collected field problems, reported together as one [`Error::InvalidInput`].
#[derive(Default)]
struct Problems(crate::problem::Problems);

impl Problems {
    fn add(&mut self, field: impl AsRef<str>, what: impl AsRef<str>) {
        self.0.push(crate::problem::Problem::input(
            field.as_ref(),
            what.as_ref(),
        ));
    }
    fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidInput {
                what: "the disclosure was not recorded".into(),
                problems: self.0,
            })
        }
    }
}

fn non_empty_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// Check an optional text field: absent, null or a string.
fn optional_text(obj: &Map<String, Value>, key: &str, field: &str, p: &mut Problems) {
    match obj.get(key) {
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(_) => p.add(field, "must be text"),
    }
}

fn required_text(obj: &Map<String, Value>, key: &str, field: &str, p: &mut Problems) {
    match obj.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        Some(Value::String(_)) | None | Some(Value::Null) => p.add(field, "required"),
        Some(_) => p.add(field, "must be text"),
    }
}

/// A list of at least one non-empty text.
fn required_list(obj: &Map<String, Value>, key: &str, p: &mut Problems) {
    match obj.get(key) {
        Some(Value::Array(a)) => {
            if a.is_empty() {
                p.add(key, "at least one is required");
            }
            for (i, x) in a.iter().enumerate() {
                if non_empty_str(Some(x)).is_none() {
                    p.add(format!("{key}[{i}]"), "must be non-empty text");
                }
            }
        }
        None | Some(Value::Null) => p.add(key, "required (at least one)"),
        Some(_) => p.add(key, "must be a list of text"),
    }
}

fn check_bool(obj: &Map<String, Value>, key: &str, field: &str, required: bool, p: &mut Problems) {
    match obj.get(key) {
        Some(Value::Bool(_)) => {}
        None | Some(Value::Null) if !required => {}
        None | Some(Value::Null) => p.add(field, "required (true or false)"),
        Some(_) => p.add(field, "must be true or false"),
    }
}

/// Refuse keys the desk sets and keys it does not know, naming them.
fn check_keys(obj: &Map<String, Value>, allowed: &[&str], prefix: &str, p: &mut Problems) {
    for k in obj.keys() {
        let field = format!("{prefix}{k}");
        if prefix.is_empty() && DESK_KEYS.contains(&k.as_str()) {
            p.add(field, "is set by the desk and may not be given");
        } else if !allowed.contains(&k.as_str()) {
            p.add(field, "unknown field");
        }
    }
}

/// The members an entry names, and which of them are not in the latest
/// export.
struct Named {
    members: Vec<String>,
    missing: Vec<String>,
    /// The entry acknowledges that members are missing.
    acknowledged: bool,
}

/// Validate an entry given as input and return its stored form (without the
/// keys the desk adds at write time). Every problem names its field; none
/// repeats a value.
pub(super) fn validate(
    conn: &Connection,
    input: &Value,
    now: DateTime<Utc>,
) -> Result<Map<String, Value>> {
    let Some(obj) = input.as_object() else {
        return Err(Error::Invalid(
            "the disclosure was not recorded: the entry must be a JSON object".into(),
        ));
    };
    let mut p = Problems::default();
    check_keys(obj, &INPUT_KEYS, "", &mut p);
    let site = check_site(conn, obj, &mut p)?;
    let named = check_members(conn, obj, site.as_deref(), &mut p)?;
    check_when(obj, now, &mut p);
    check_recipient(obj, &mut p);
    let basis = check_basis(obj, &mut p);
    check_conditions(obj, basis, &mut p);
    let triggers_checked = !named.acknowledged || named.missing.is_empty();
    check_triggers(conn, obj, site.as_deref(), &named, triggers_checked, &mut p)?;
    check_disclosed(obj, &mut p);
    p.into_result()?;

    let mut out = obj.clone();
    if named.acknowledged {
        out.insert("missing_members".into(), json!(named.missing));
    }
    out.insert("triggers_checked".into(), Value::Bool(triggers_checked));
    Ok(out)
}

/// Site: given, and one this vault has synced.
fn check_site(
    conn: &Connection,
    obj: &Map<String, Value>,
    p: &mut Problems,
) -> Result<Option<String>> {
    let site = non_empty_str(obj.get("site")).map(str::to_string);
    match &site {
        None => p.add("site", "required"),
        Some(s) => {
            if !store::site_known(conn, s)? {
                p.add("site", "not a site this vault has synced");
            }
        }
    }
    Ok(site)
}

/// Members: at least one, none repeated, each in the latest export unless
/// the entry acknowledges that some are gone.
fn check_members(
    conn: &Connection,
    obj: &Map<String, Value>,
    site: Option<&str>,
    p: &mut Problems,
) -> Result<Named> {
    check_bool(
        obj,
        "acknowledge_missing_members",
        "acknowledge_missing_members",
        false,
        p,
    );
    let acknowledged = obj.get("acknowledge_missing_members") == Some(&Value::Bool(true));
    let members = member_ids(obj, p);
    let mut missing: Vec<String> = Vec::new();
    if let Some(site) = site {
        for (i, m) in members.iter().enumerate() {
            if !store::member_exists(conn, site, m)? {
                missing.push(m.clone());
                if !acknowledged {
                    p.add(
                        format!("member_ids[{i}]"),
                        "not a member of this site in the latest export (if the member is gone, set acknowledge_missing_members to true to record the entry as it stands)",
                    );
                }
            }
        }
    }
    Ok(Named {
        members,
        missing,
        acknowledged,
    })
}

/// The member ids as given: a list of non-empty, distinct ids.
fn member_ids(obj: &Map<String, Value>, p: &mut Problems) -> Vec<String> {
    let mut members: Vec<String> = Vec::new();
    match obj.get("member_ids") {
        Some(Value::Array(a)) if !a.is_empty() => {
            for (i, m) in a.iter().enumerate() {
                match non_empty_str(Some(m)) {
                    None => p.add(format!("member_ids[{i}]"), "must be a non-empty member id"),
                    Some(m) if members.iter().any(|x| x == m) => {
                        p.add(format!("member_ids[{i}]"), "repeats an earlier member")
                    }
                    Some(m) => members.push(m.to_string()),
                }
            }
        }
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            p.add("member_ids", "at least one member is required")
        }
        Some(_) => p.add("member_ids", "must be a list of member ids"),
    }
    members
}

/// When: an RFC 3339 time, not in the future.
fn check_when(obj: &Map<String, Value>, now: DateTime<Utc>, p: &mut Problems) {
    match obj.get("disclosed_at").and_then(Value::as_str) {
        None => p.add(
            "disclosed_at",
            "required (RFC 3339, e.g. 2026-11-04T16:20:00Z)",
        ),
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Err(_) => p.add("disclosed_at", "not an RFC 3339 time"),
            Ok(t) if t.with_timezone(&Utc) > now => p.add("disclosed_at", "is in the future"),
            Ok(_) => {}
        },
    }
}

/// Recipient: an organisation at least; the request's reference and
/// urgency.
fn check_recipient(obj: &Map<String, Value>, p: &mut Problems) {
    match obj.get("recipient") {
        Some(Value::Object(r)) => {
            check_keys(r, &RECIPIENT_KEYS, "recipient.", p);
            required_text(r, "organisation", "recipient.organisation", p);
            for k in ["team", "officer", "contact"] {
                optional_text(r, k, &format!("recipient.{k}"), p);
            }
        }
        None | Some(Value::Null) => p.add("recipient.organisation", "required"),
        Some(_) => p.add("recipient", "must be an object"),
    }
    optional_text(obj, "request_reference", "request_reference", p);
    check_bool(obj, "urgent", "urgent", false, p);
}

/// Lawful basis: one of [`LAWFUL_BASES`], with a detail when it is `other`.
/// Returns the basis as given.
fn check_basis<'a>(obj: &'a Map<String, Value>, p: &mut Problems) -> Option<&'a str> {
    let basis = obj.get("lawful_basis").and_then(Value::as_str);
    match basis {
        None => p.add(
            "lawful_basis",
            format!("required, one of {}", LAWFUL_BASES.join(", ")),
        ),
        Some(b) if !LAWFUL_BASES.contains(&b) => p.add(
            "lawful_basis",
            format!("not a known basis: use one of {}", LAWFUL_BASES.join(", ")),
        ),
        Some(_) => {}
    }
    if basis == Some("other") {
        required_text(obj, "lawful_basis_detail", "lawful_basis_detail", p);
        if p.0
            .last()
            .is_some_and(|l| l.to_string() == "lawful_basis_detail: required")
        {
            p.0.pop();
            p.add("lawful_basis_detail", "required when lawful_basis is other");
        }
    } else {
        optional_text(obj, "lawful_basis_detail", "lawful_basis_detail", p);
    }
    basis
}

/// The safeguarding conditions: required (and all met) to rely on
/// `dpa2018_sch1_para18`.
fn check_conditions(obj: &Map<String, Value>, basis: Option<&str>, p: &mut Problems) {
    match obj.get("safeguarding_conditions") {
        Some(Value::Object(c)) => {
            check_keys(c, &CONDITION_KEYS, "safeguarding_conditions.", p);
            for k in ["necessary_to_protect", "substantial_public_interest"] {
                let field = format!("safeguarding_conditions.{k}");
                match c.get(k) {
                    Some(Value::Bool(true)) => {}
                    Some(Value::Bool(false)) => {
                        p.add(field, "must be true to rely on dpa2018_sch1_para18")
                    }
                    None | Some(Value::Null) => p.add(field, "required (true)"),
                    Some(_) => p.add(field, "must be true or false"),
                }
            }
            required_text(
                c,
                "consent_not_sought_because",
                "safeguarding_conditions.consent_not_sought_because",
                p,
            );
        }
        None | Some(Value::Null) if basis == Some("dpa2018_sch1_para18") => p.add(
            "safeguarding_conditions",
            "required when lawful_basis is dpa2018_sch1_para18",
        ),
        None | Some(Value::Null) => {}
        Some(_) => p.add("safeguarding_conditions", "must be an object"),
    }
}

/// What triggered it: a list of `{entity, id}`, each (when `checked`) a row
/// of the site that belongs to the members named.
fn check_triggers(
    conn: &Connection,
    obj: &Map<String, Value>,
    site: Option<&str>,
    named: &Named,
    checked: bool,
    p: &mut Problems,
) -> Result<()> {
    match obj.get("triggered_by") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for (i, t) in a.iter().enumerate() {
                check_trigger(conn, i, t, site, &named.members, checked, p)?;
            }
        }
        Some(_) => p.add("triggered_by", "must be a list of {entity, id}"),
    }
    Ok(())
}

/// One `triggered_by` item (the `i`th).
fn check_trigger(
    conn: &Connection,
    i: usize,
    t: &Value,
    site: Option<&str>,
    members: &[String],
    checked: bool,
    p: &mut Problems,
) -> Result<()> {
    let field = format!("triggered_by[{i}]");
    let Some(t) = t.as_object() else {
        p.add(field, "must be an object {\"entity\": …, \"id\": …}");
        return Ok(());
    };
    check_keys(t, &["entity", "id"], &format!("{field}."), p);
    let entity = t.get("entity").and_then(Value::as_str);
    let id = non_empty_str(t.get("id"));
    match entity {
        Some(e) if TRIGGER_ENTITIES.contains(&e) => {}
        _ => {
            p.add(
                format!("{field}.entity"),
                format!("must be one of {}", TRIGGER_ENTITIES.join(", ")),
            );
            return Ok(());
        }
    }
    if id.is_none() {
        p.add(format!("{field}.id"), "required");
        return Ok(());
    }
    if !checked {
        return Ok(());
    }
    if let (Some(site), Some(e), Some(id)) = (site, entity, id) {
        match store::trigger_belongs(conn, site, e, id, members)? {
            None => p.add(format!("{field}.id"), "no such row on this site"),
            Some(false) => p.add(
                format!("{field}.id"),
                "that row does not belong to the members named",
            ),
            Some(true) => {}
        }
    }
    Ok(())
}

/// What was disclosed, why, who decided, and whether the member was told.
fn check_disclosed(obj: &Map<String, Value>, p: &mut Problems) {
    required_list(obj, "data_categories", p);
    required_list(obj, "items_disclosed", p);
    required_text(
        obj,
        "necessity_and_proportionality",
        "necessity_and_proportionality",
        p,
    );
    required_text(obj, "authorised_by", "authorised_by", p);
    check_bool(obj, "member_informed", "member_informed", true, p);
    if obj.get("member_informed") == Some(&Value::Bool(false)) {
        match obj.get("not_informed_reason") {
            Some(Value::String(s)) if !s.trim().is_empty() => {}
            _ => p.add(
                "not_informed_reason",
                "required when member_informed is false",
            ),
        }
    } else {
        optional_text(obj, "not_informed_reason", "not_informed_reason", p);
    }
}

/// Refuse an entry far larger or deeper than any real one (whatever
/// interface it came through).
pub(super) fn bounded(input: &Value) -> Result<()> {
    crate::fsutil::parse_json_input(input.to_string().as_bytes())
        .map(|_| ())
        .map_err(|e| Error::Invalid(format!("the disclosure was not recorded: the entry is {e}")))
}

/// The members an entry's content names.
pub fn content_members(content: &Value) -> (String, Vec<String>) {
    let site = content
        .get("site")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let members = content
        .get("member_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    (site, members)
}
