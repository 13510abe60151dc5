//! Values: each field's text (CSV) or JSON checked and typed against its
//! field type (contract §3 and §4). Messages say what is wrong with a value,
//! never what the value is.

use crate::entity::FieldType;
use serde_json::Value;

/// Whether `s` is an RFC 3339 timestamp with an offset.
pub(crate) fn valid_ts(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// Whether `s` is a date `YYYY-MM-DD` that exists.
pub(crate) fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

const MSG_TS: &str = "not an RFC 3339 timestamp with an offset";
const MSG_DATE: &str = "not a date of the form YYYY-MM-DD";
const MSG_INT: &str = "not a whole number";
const MSG_BOOL: &str = "must be true or false";

fn enum_msg(values: &[&str]) -> String {
    format!("must be one of {}", values.join(", "))
}

pub(super) type Errs = Vec<(String, String)>;

/// Check and type a JSON value (known: not null, not "") for a field.
pub(super) fn typed_json(name: &str, ty: FieldType, v: Value, errs: &mut Errs) -> Option<Value> {
    let mut err = |msg: String| {
        errs.push((name.to_string(), msg));
        None
    };
    match (ty, &v) {
        (FieldType::Text, Value::String(_)) => Some(v),
        (FieldType::Text, _) => err("must be text (a JSON string)".into()),
        (FieldType::Int, Value::Number(n)) if n.is_i64() => Some(v),
        (FieldType::Int, _) => err(format!("{MSG_INT} (a JSON number)")),
        (FieldType::Bool, Value::Bool(_)) => Some(v),
        (FieldType::Bool, _) => err(format!("{MSG_BOOL} (a JSON boolean)")),
        (FieldType::Date, Value::String(s)) if valid_date(s) => Some(v),
        (FieldType::Date, _) => err(MSG_DATE.into()),
        (FieldType::Ts, Value::String(s)) if valid_ts(s) => Some(v),
        (FieldType::Ts, _) => err(MSG_TS.into()),
        (FieldType::Enum(values), Value::String(s)) if values.contains(&s.as_str()) => Some(v),
        (FieldType::Enum(values), _) => err(enum_msg(values)),
        (FieldType::Json, _) => Some(v),
        (FieldType::IdArray, Value::Array(items)) => {
            let before = errs.len();
            for (i, item) in items.iter().enumerate() {
                if !matches!(item, Value::String(s) if !s.is_empty()) {
                    errs.push((
                        format!("{name}[{i}]"),
                        "must be a non-empty id (a JSON string)".into(),
                    ));
                }
            }
            (errs.len() == before).then_some(v)
        }
        (FieldType::IdArray, _) => err("must be a list of ids (a JSON array)".into()),
        (FieldType::TicketMessages, Value::Array(items)) => {
            let before = errs.len();
            for (i, item) in items.iter().enumerate() {
                let Value::Object(m) = item else {
                    errs.push((format!("{name}[{i}]"), "not a JSON object".into()));
                    continue;
                };
                let mut sub = |key: &str, ok: fn(&str) -> bool, msg: &str| match m.get(key) {
                    None | Some(Value::Null) => errs.push((
                        format!("{name}[{i}].{key}"),
                        "required field is missing".into(),
                    )),
                    Some(Value::String(s)) if ok(s) => {}
                    Some(_) => errs.push((format!("{name}[{i}].{key}"), msg.into())),
                };
                sub(
                    "from",
                    |s| s == "member" || s == "staff",
                    "must be one of member, staff",
                );
                sub("at", valid_ts, MSG_TS);
                sub("body", |_| true, "must be text (a JSON string)");
            }
            (errs.len() == before).then_some(v)
        }
        (FieldType::TicketMessages, _) => err("must be a list of messages (a JSON array)".into()),
    }
}

/// Check and type a CSV value (known: not empty) for a field.
pub(super) fn typed_csv(name: &str, ty: FieldType, s: &str, errs: &mut Errs) -> Option<Value> {
    let mut err = |msg: String| {
        errs.push((name.to_string(), msg));
        None
    };
    match ty {
        FieldType::Text | FieldType::Json => Some(Value::String(s.to_string())),
        FieldType::Int => match s.parse::<i64>() {
            Ok(n) => Some(Value::from(n)),
            Err(_) => err(MSG_INT.into()),
        },
        FieldType::Bool => match s {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => err(MSG_BOOL.into()),
        },
        FieldType::Date if valid_date(s) => Some(Value::String(s.to_string())),
        FieldType::Date => err(MSG_DATE.into()),
        FieldType::Ts if valid_ts(s) => Some(Value::String(s.to_string())),
        FieldType::Ts => err(MSG_TS.into()),
        FieldType::Enum(values) if values.contains(&s) => Some(Value::String(s.to_string())),
        FieldType::Enum(values) => err(enum_msg(values)),
        FieldType::IdArray | FieldType::TicketMessages => match serde_json::from_str(s) {
            Ok(v) => typed_json(name, ty, v, errs),
            Err(_) => err("not a valid JSON array".into()),
        },
    }
}

/// Whether `errs` holds a problem with the field or a part of it.
pub(super) fn has_error(errs: &Errs, name: &str) -> bool {
    errs.iter().any(|(n, _)| {
        n.strip_prefix(name)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['[', '.']))
    })
}

pub(super) fn not_known(v: &Value) -> bool {
    matches!(v, Value::Null) || matches!(v, Value::String(s) if s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::FieldType;

    #[test]
    fn dates_and_timestamps() {
        assert!(valid_date("2024-02-29"));
        assert!(!valid_date("2023-02-29"));
        assert!(!valid_date("2024-2-09"));
        assert!(!valid_date("2024-02-09T00:00:00Z"));
        assert!(valid_ts("2026-11-21T02:00:00Z"));
        assert!(valid_ts("2026-11-21T02:00:00.123+01:00"));
        assert!(!valid_ts("2026-11-21T02:00:00"));
        assert!(!valid_ts("2026-11-21"));
    }

    #[test]
    fn csv_typing() {
        let mut errs = Errs::new();
        assert_eq!(
            typed_csv("n", FieldType::Int, "42", &mut errs),
            Some(Value::from(42))
        );
        assert_eq!(
            typed_csv("b", FieldType::Bool, "false", &mut errs),
            Some(Value::Bool(false))
        );
        assert_eq!(
            typed_csv("j", FieldType::Json, "{\"a\":1}", &mut errs),
            Some(Value::String("{\"a\":1}".into()))
        );
        assert!(errs.is_empty());
        assert_eq!(typed_csv("b", FieldType::Bool, "TRUE", &mut errs), None);
        assert_eq!(typed_csv("n", FieldType::Int, "4.5", &mut errs), None);
        assert_eq!(
            errs,
            vec![
                ("b".to_string(), MSG_BOOL.to_string()),
                ("n".to_string(), MSG_INT.to_string())
            ]
        );
    }

    #[test]
    fn json_typing() {
        let mut errs = Errs::new();
        let v = serde_json::json!([{"from": "member", "at": "2026-01-01T00:00:00Z", "body": "x"},
                                   {"from": "bot", "at": "yesterday"}, 3]);
        assert_eq!(
            typed_json("messages", FieldType::TicketMessages, v, &mut errs),
            None
        );
        let fields: Vec<&str> = errs.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "messages[1].from",
                "messages[1].at",
                "messages[1].body",
                "messages[2]"
            ]
        );
        errs.clear();
        let ids = serde_json::json!(["m1", "", 5]);
        assert_eq!(
            typed_json("recipient_ids", FieldType::IdArray, ids, &mut errs),
            None
        );
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].0, "recipient_ids[1]");
        errs.clear();
        assert_eq!(
            typed_json("n", FieldType::Int, serde_json::json!("5"), &mut errs),
            None
        );
        assert_eq!(
            typed_json("b", FieldType::Bool, serde_json::json!("true"), &mut errs),
            None
        );
        assert_eq!(
            typed_json("n", FieldType::Int, serde_json::json!(5.5), &mut errs),
            None
        );
        assert_eq!(errs.len(), 3);
    }
}
