//! The text of `desk member`: a member's record.

use desk_core::member::MemberRecord;
use serde_json::Value;

/// A JSON value as text (`-` for null).
pub fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// The member's record: status, hold, provenance, disclosures, profile,
/// then each entity's rows.
pub fn print_record(r: &MemberRecord) {
    print_head(r);
    print_disclosures(r);
    print_profile(r);
    print_rows(r);
}

/// Who, their status and hold, and where the record came from.
fn print_head(r: &MemberRecord) {
    println!("Member {} of {}", r.member_id, r.site);
    println!("  status: {}", r.status.as_deref().unwrap_or("-"));
    if let Some(h) = &r.hold {
        println!(
            "  ON LEGAL HOLD since {} by {}: {}",
            h.set_at, h.set_by, h.reason
        );
    }
    if !r.provenance["deleted_in_production"].is_null() {
        println!("  DELETED IN PRODUCTION (kept only because of the hold)");
    }
    println!(
        "  from export {} (line {})",
        s(&r.provenance["export_sequence"]),
        s(&r.provenance["line"])
    );
}

/// The safeguarding disclosures about the member.
fn print_disclosures(r: &MemberRecord) {
    if !r.disclosures.is_empty() {
        println!("Safeguarding disclosures about this member:");
        for d in &r.disclosures {
            println!(
                "  {}  {}  to {}  ({}){}",
                d.id,
                d.disclosed_at.as_deref().unwrap_or("-"),
                d.recipient.as_deref().unwrap_or("-"),
                d.lawful_basis.as_deref().unwrap_or("-"),
                if d.amended { "  [amended]" } else { "" }
            );
        }
    }
}

/// The profile, one field a line.
fn print_profile(r: &MemberRecord) {
    println!("Profile:");
    for (k, v) in &r.profile {
        println!("  {k:<18} {}", s(v));
    }
}

/// Each entity's rows (this page of them), one line a row.
fn print_rows(r: &MemberRecord) {
    for (entity, rows) in &r.rows {
        let total = r.totals.get(entity).and_then(|t| t.as_u64()).unwrap_or(0);
        let rows = rows.as_array().map(|a| a.as_slice()).unwrap_or(&[]);
        if total == 0 {
            continue;
        }
        let label = entity.replace('_', " ");
        if rows.len() as u64 == total {
            println!("{label} ({total}):");
        } else {
            println!("{label} ({total}; page {} shows {}):", r.page, rows.len());
        }
        for row in rows {
            println!("  - {}", row_text(row));
        }
    }
}

/// One row as `field: value; …`: other participants named, long values
/// cut, the export's bookkeeping left out.
fn row_text(row: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(o) = row.as_object() {
        for (k, v) in o {
            if k == "_other_participants" {
                let names: Vec<String> = v
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|p| {
                                if p["former_member"] == true {
                                    format!("former member {}", s(&p["member_id"]))
                                } else {
                                    s(&p["username"])
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                parts.push(format!("with: {}", names.join(", ")));
            } else if k == "_deleted_in_production" {
                parts.push("[DELETED IN PRODUCTION, held]".into());
            } else if k == "_export_sequence" {
                continue;
            } else {
                let mut t = s(v);
                if t.chars().count() > 80 {
                    t = t.chars().take(77).collect::<String>() + "...";
                }
                parts.push(format!("{k}: {t}"));
            }
        }
    }
    parts.join("; ")
}
