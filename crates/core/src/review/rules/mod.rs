//! The review's rules (pure, no SQL): normalisation (a thin layer over
//! [`crate::text::norm`]; ordinary words are [`crate::text::ordinary`]), the
//! proposal finder and its patterns, the decision rules, which fields of a
//! row are text, and how a row is rewritten once decided.

pub mod decide;
pub mod finder;
pub mod normal;
pub mod patterns;

use crate::entity::{Entity, FieldType};
use serde_json::{Map, Value};

/// "Member A" … "Member Z", "Member AA", … (bijective base 26).
pub fn pseudonym(n: usize) -> String {
    let mut n = n + 1;
    let mut s = Vec::new();
    while n > 0 {
        n -= 1;
        s.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    s.reverse();
    format!("Member {}", String::from_utf8_lossy(&s))
}

/// Fields that are never scanned as text: the row's id and links (handled
/// as ids), the member's own address for the helpdesk and posting alias,
/// and the message's participants (handled as participants).
fn structural(e: Entity, key: &str) -> bool {
    key == e.id_field()
        || key == "member_id"
        || key == crate::entity::DROPPED_FIELD
        || matches!(
            (e, key),
            (
                Entity::PrivateMessages,
                "sender_id" | "recipient_ids" | "conversation_id"
            ) | (Entity::HelpdeskTickets, "requester_email")
                | (Entity::Posts, "posted_as")
                | (Entity::Reviews, "target_id")
        )
}

/// Whether `key` of `e` holds free text (or JSON holding text): the
/// contract's text and JSON fields, and any field it does not know.
fn texty(e: Entity, key: &str) -> bool {
    if structural(e, key) || key.ends_with("_id") {
        return false;
    }
    match e.field(key).map(|f| f.ty) {
        None => true,
        Some(FieldType::Text | FieldType::Json | FieldType::TicketMessages) => true,
        Some(_) => false,
    }
}

/// Escape a key for a JSON Pointer (RFC 6901).
fn escape(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// Every text value of a row that is scanned, as (JSON Pointer, text), in
/// the row's key order (strings inside arrays and objects included; the
/// time of a helpdesk message is not text).
pub fn text_fields(e: Entity, row: &Map<String, Value>) -> Vec<(String, &str)> {
    fn walk<'a>(path: String, v: &'a Value, out: &mut Vec<(String, &'a str)>) {
        match v {
            Value::String(s) if !s.is_empty() => out.push((path, s)),
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(format!("{path}/{i}"), x, out);
                }
            }
            Value::Object(o) => {
                for (k, x) in o {
                    if k == "at" {
                        continue;
                    }
                    walk(format!("{path}/{}", escape(k)), x, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (k, v) in row {
        if texty(e, k) {
            walk(format!("/{}", escape(k)), v, &mut out);
        }
    }
    out
}

/// The top-level key a JSON Pointer starts with (what the manifest names).
pub fn top_key(path: &str) -> String {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    first.replace("~1", "/").replace("~0", "~")
}

/// Rewrite `text`, replacing each character range `[start, end)` by its
/// text. Ranges that overlap are merged (the merged range gets the first's
/// replacement when all agree, else `[redacted]`).
pub fn replace_spans(text: &str, spans: &mut [(u32, u32, String)]) -> String {
    spans.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
    let mut merged: Vec<(u32, u32, String)> = Vec::new();
    for (s, e, r) in spans.iter() {
        match merged.last_mut() {
            Some(last) if *s < last.1 => {
                if *e > last.1 {
                    last.1 = *e;
                }
                if last.2 != *r {
                    last.2 = "[redacted]".into();
                }
            }
            _ => merged.push((*s, *e, r.clone())),
        }
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte = |i: u32| chars.get(i as usize).map(|c| c.0).unwrap_or(text.len());
    let mut out = String::with_capacity(text.len());
    let mut last = 0usize;
    for (s, e, r) in merged {
        let (bs, be) = (byte(s), byte(e));
        if bs < last {
            continue;
        }
        out.push_str(&text[last..bs]);
        out.push_str(&r);
        last = be;
    }
    out.push_str(&text[last.min(text.len())..]);
    out
}

/// The value at a JSON Pointer of a row.
pub fn at<'a>(row: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.trim_start_matches('/').split('/');
    let first = parts.next()?.replace("~1", "/").replace("~0", "~");
    let mut v = row.get(&first)?;
    for p in parts {
        let p = p.replace("~1", "/").replace("~0", "~");
        v = match v {
            Value::Object(o) => o.get(&p)?,
            Value::Array(a) => a.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// The value at a JSON Pointer of a row, to change.
pub fn at_mut<'a>(row: &'a mut Map<String, Value>, path: &str) -> Option<&'a mut Value> {
    let mut parts = path.trim_start_matches('/').split('/');
    let first = parts.next()?.replace("~1", "/").replace("~0", "~");
    let mut v = row.get_mut(&first)?;
    for p in parts {
        let p = p.replace("~1", "/").replace("~0", "~");
        v = match v {
            Value::Object(o) => o.get_mut(&p)?,
            Value::Array(a) => a.get_mut(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Up to `max` characters of the row's main text, for lists.
pub fn preview(e: Entity, row: &Map<String, Value>, max: usize) -> String {
    let main = match e {
        Entity::Posts | Entity::PrivateMessages | Entity::Reviews => row.get("body"),
        Entity::HelpdeskTickets => row.get("subject").or_else(|| row.get("messages")),
        Entity::ConsentEvents => row.get("purpose"),
        Entity::LocalListings => row.get("business_name"),
        Entity::CompetitionEntries => row.get("competition_title"),
        Entity::SurveyResponses => row.get("survey_title"),
        Entity::LoginEvents => row.get("method"),
        Entity::SocialAccounts => row.get("provider"),
        Entity::NewsletterEngagement => row.get("newsletter"),
        Entity::Members => row.get("username"),
        _ => None,
    };
    let text = match main {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|m| m.get("body").and_then(Value::as_str))
            .next()
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > max {
        let mut s: String = one.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    } else {
        one
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pseudonyms_count_like_columns() {
        assert_eq!(pseudonym(0), "Member A");
        assert_eq!(pseudonym(25), "Member Z");
        assert_eq!(pseudonym(26), "Member AA");
        assert_eq!(pseudonym(27), "Member AB");
    }

    #[test]
    fn text_fields_of_a_ticket_and_a_message() {
        let t = json!({"ticket_id": "tk-1", "member_id": "m-1", "requester_email": "a@b.c",
            "subject": "Help", "opened_at": "2026-01-01T00:00:00Z", "special_category": false,
            "messages": [{"from": "member", "at": "2026-01-01T00:00:00Z", "body": "hi"}]});
        let fields = text_fields(Entity::HelpdeskTickets, t.as_object().unwrap());
        let paths: Vec<&str> = fields.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(paths, ["/subject", "/messages/0/from", "/messages/0/body"]);
        let m = json!({"message_id": "pm-1", "conversation_id": "cv-1-2", "sender_id": "m-2",
            "recipient_ids": ["m-1"], "subject": "s", "body": "b", "mood": "x"});
        let fields = text_fields(Entity::PrivateMessages, m.as_object().unwrap());
        let paths: Vec<&str> = fields.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(paths, ["/subject", "/body", "/mood"]);
        assert_eq!(top_key("/messages/0/body"), "messages");
        assert_eq!(
            at(t.as_object().unwrap(), "/messages/0/body"),
            Some(&json!("hi"))
        );
    }

    #[test]
    fn spans_are_replaced_and_merged() {
        let mut s = vec![
            (0, 3, "Member A".to_string()),
            (10, 15, "[email removed]".to_string()),
            (12, 17, "[redacted]".to_string()),
        ];
        assert_eq!(
            replace_spans("Zoë says: zed@x.org ok", &mut s),
            "Member A says: [redacted]rg ok"
        );
    }
}
