//! Candidate items from mentions (issues #14.1 and #15.4): every item of
//! other people's words that names the member ([`crate::mentions::each_about`])
//! is offered to the bundle as a candidate item ("What others wrote about
//! you"), cut to the sentences that concern the member
//! ([`crate::mentions::rules::sentences_with`]).
//!
//! A candidate's content is a small row of its own:
//!
//! ```json
//! {"mention_id": "mention-0001", "entity": "posts", "written_at": "2026-01-09T10:00:00Z",
//!  "author": "member", "author_id": "zed-77",
//!  "sentences": [{"field": "body", "written_by": "author", "text": "…"}]}
//! ```
//!
//! Its author (`/author_id`, a whole value, like a message's sender) and
//! every other person named in its sentences are proposals of the draft's
//! third parties, exactly as in the member's own rows; the original row's id
//! never goes out (the bundle numbers the candidates it holds, in order). A
//! reviewed release holds only the candidates a reviewer accepted; an
//! unreviewed bundle holds every one only when asked (`with_mentions`), with
//! every proposal applied.

use super::plan::row_hash;
use crate::error::Result;
use crate::mentions::{self, rules::sentences_with};
use rusqlite::{params, Connection};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The kind (and `review_items.entity`) of candidate items.
pub const KIND: &str = crate::bundle::MENTIONS;
/// The form of a candidate's id in the bundle (`mention-0001`).
pub const FORM: &str = "mention";
/// The bundle's file of candidate items (`data/mentions.json`, `.csv`).
pub const FILE: &str = crate::bundle::MENTIONS;
/// How the report and the interfaces name them.
pub const TITLE: &str = crate::bundle::MENTIONS_TITLE;
/// What joins sentences of one field that are not next to each other.
const GAP: &str = " \u{2026} ";

/// One candidate item, as found.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The source row: its entity and id (the reviewer's view only).
    pub entity: String,
    pub id: String,
    /// The SHA-256 of the source row's stored data.
    pub source_hash: String,
    /// The content, without its `mention_id` (see the module documentation).
    pub content: Map<String, Value>,
}

impl Candidate {
    /// What makes it the same candidate in another draft: its source row
    /// unchanged and the same content.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.source_hash.as_bytes());
        h.update(b"\n");
        h.update(serde_json::to_string(&self.content).unwrap_or_default());
        hex::encode(h.finalize())
    }

    /// `entity/id`: the item's `row_id` in a draft.
    pub fn row_id(&self) -> String {
        format!("{}/{}", self.entity, self.id)
    }

    pub fn at(&self) -> Option<String> {
        self.content
            .get("written_at")
            .and_then(Value::as_str)
            .map(String::from)
    }
}

/// The bundle's id of the `k`-th candidate (1-based).
pub fn bundle_id(k: usize) -> String {
    format!("{FORM}-{k:04}")
}

/// A candidate's row: `mention_id` first, then its content.
pub(crate) fn row_of(mention_id: &str, content: &Map<String, Value>) -> Map<String, Value> {
    let mut row = Map::new();
    row.insert("mention_id".into(), Value::String(mention_id.into()));
    for (k, v) in content {
        if k != "mention_id" {
            row.insert(k.clone(), v.clone());
        }
    }
    row
}

/// Every candidate item of the member, oldest first. Refused while the
/// mentions index must be built (it would miss).
pub(crate) fn collect(conn: &Connection, site: &str, member_id: &str) -> Result<Vec<Candidate>> {
    let mut out = Vec::new();
    mentions::each_about(conn, site, member_id, |item| {
        let data: Option<String> = conn
            .prepare_cached(&format!(
                "SELECT data FROM {} WHERE site = ?1 AND id = ?2",
                item.entity
            ))?
            .query_row(params![site, item.id], |r| r.get(0))
            .ok();
        let Some(data) = data else { return Ok(()) };
        let mut sentences = Vec::new();
        for f in &item.fields {
            let spans: Vec<(usize, usize)> = f.spans.iter().map(|s| (s.start, s.end)).collect();
            let kept: Vec<&str> = sentences_with(&f.text, &spans)
                .into_iter()
                .map(|(s, e)| &f.text[s..e])
                .filter(|t| !t.trim().is_empty())
                .collect();
            if kept.is_empty() {
                continue;
            }
            sentences.push(json!({
                "field": f.field,
                "written_by": if f.author.kind == "staff" { "staff" } else { "author" },
                "text": kept.join(GAP),
            }));
        }
        if sentences.is_empty() {
            return Ok(());
        }
        let mut content = Map::new();
        content.insert("entity".into(), json!(item.entity));
        content.insert("written_at".into(), json!(item.at));
        content.insert("author".into(), json!(item.author.kind));
        content.insert(
            "author_id".into(),
            json!(item.author_id.as_deref().filter(|a| *a != member_id)),
        );
        content.insert("sentences".into(), Value::Array(sentences));
        out.push(Candidate {
            source_hash: row_hash(&data),
            entity: item.entity,
            id: item.id,
            content,
        });
        Ok(())
    })?;
    Ok(out)
}

/// The text values of a candidate's row that are scanned and may be
/// redacted: `/sentences/i/text`.
pub(crate) fn text_fields(row: &Map<String, Value>) -> Vec<(String, &str)> {
    row.get("sentences")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .enumerate()
                .filter_map(|(i, s)| {
                    s.get("text")
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty())
                        .map(|t| (format!("/sentences/{i}/text"), t))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Up to `max` characters of a candidate's sentences, for lists.
pub(crate) fn preview(row: &Map<String, Value>, max: usize) -> String {
    let text: Vec<&str> = text_fields(row).into_iter().map(|x| x.1).collect();
    let one: String = text
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if one.chars().count() > max {
        let mut s: String = one.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    } else {
        one
    }
}

/// A stored candidate of a draft: (n, source entity, source id, source
/// hash, content).
pub(crate) type Stored = (u32, String, String, String, Map<String, Value>);

/// The candidates of a draft (all, or only the accepted ones), in order.
pub(crate) fn stored(conn: &Connection, draft: i64, accepted_only: bool) -> Result<Vec<Stored>> {
    let mut stmt = conn.prepare(
        "SELECT m.n, m.entity, m.row_id, m.source_hash, m.content
           FROM review_mentions m JOIN review_items i ON i.draft = m.draft AND i.n = m.n
          WHERE m.draft = ?1 AND (?2 = 0 OR i.accepted = 1) ORDER BY m.n",
    )?;
    let v = stmt
        .query_map(params![draft, accepted_only], |r| {
            let c: String = r.get(4)?;
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                serde_json::from_str(&c).unwrap_or_default(),
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(v)
}

/// A stored candidate's source (entity, id, hash) and content.
pub(crate) type Content = (String, String, String, Map<String, Value>);

/// One stored candidate's content (None: the item is not a candidate).
pub(crate) fn content_of(conn: &Connection, draft: i64, n: u32) -> Result<Option<Content>> {
    let r: Option<(String, String, String, String)> = conn
        .prepare_cached(
            "SELECT entity, row_id, source_hash, content FROM review_mentions WHERE draft = ?1 AND n = ?2",
        )?
        .query_row(params![draft, n], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .ok();
    Ok(r.map(|(e, id, h, c)| (e, id, h, serde_json::from_str(&c).unwrap_or_default())))
}

/// Whether the source row of a candidate is still as it was (its entity
/// is one the mentions index reads; anything else is not).
pub(crate) fn source_unchanged(
    conn: &Connection,
    site: &str,
    entity: &str,
    id: &str,
    hash: &str,
) -> Result<bool> {
    if !mentions::store::mentioned(entity) {
        return Ok(false);
    }
    let data: Option<String> = conn
        .prepare_cached(&format!(
            "SELECT data FROM {entity} WHERE site = ?1 AND id = ?2"
        ))?
        .query_row(params![site, id], |r| r.get(0))
        .ok();
    Ok(data.is_some_and(|d| row_hash(&d) == hash))
}

/// What the report says a candidate's source is.
pub fn what(entity: &str) -> &'static str {
    match entity {
        "posts" => "A post",
        "private_messages" => "A private message",
        "helpdesk_tickets" => "A helpdesk ticket",
        "reviews" => "A review",
        "local_listings" => "A local listing",
        _ => "An item",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fields_and_previews() {
        let content = json!({"entity": "posts", "written_at": null, "author": "member", "author_id": "zed-77",
                             "sentences": [{"field": "body", "written_by": "author", "text": "Alice is kind."},
                                           {"field": "thread_title", "written_by": "author", "text": ""}]});
        let content = content.as_object().unwrap().clone();
        let row = row_of(&bundle_id(3), &content);
        assert_eq!(row.keys().next().unwrap(), "mention_id");
        assert_eq!(row["mention_id"], "mention-0003");
        assert_eq!(
            text_fields(&row),
            vec![("/sentences/0/text".to_string(), "Alice is kind.")]
        );
        assert_eq!(preview(&row, 8), "Alice i…");
        let c = Candidate {
            entity: "posts".into(),
            id: "p-1".into(),
            source_hash: "x".into(),
            content: content.clone(),
        };
        let mut other = c.clone();
        other.source_hash = "y".into();
        assert_ne!(
            c.hash(),
            other.hash(),
            "a changed source is another candidate"
        );
        assert_eq!(c.row_id(), "posts/p-1");
    }
}
