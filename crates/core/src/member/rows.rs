//! Every entity's rows of a member, one page each: sent and received
//! private messages (with the other participants), helpdesk tickets also
//! found by the requester's email, and the rest by `member_id`.

use super::Page;
use crate::entity::Entity;
use crate::error::Result;
use crate::mentions::store::Usernames;
use rusqlite::{params, Connection};
use serde_json::{json, Map, Value};

/// Entity name → the rows on this page, and entity name → how many in all.
pub(super) fn entity_rows(
    conn: &Connection,
    site: &str,
    member_id: &str,
    profile: &Map<String, Value>,
    page: Page,
) -> Result<(Map<String, Value>, Map<String, Value>)> {
    let (limit, offset) = limit_offset(page);
    let q = Query {
        conn,
        site,
        member_id,
        limit,
        offset,
    };
    let mut rows = Map::new();
    let mut totals = Map::new();
    let mut names = Usernames::new(conn, site);
    for e in Entity::DATA {
        if e == Entity::Members {
            continue;
        }
        let (total, list) = if e == Entity::PrivateMessages {
            q.messages(&mut names)?
        } else if e == Entity::HelpdeskTickets {
            let email = profile.get("email").and_then(|v| v.as_str());
            q.tickets(email)?
        } else {
            q.plain(e.name())?
        };
        let t = e.name();
        totals.insert(t.into(), json!(total));
        rows.insert(
            t.into(),
            Value::Array(list.into_iter().map(Value::Object).collect()),
        );
    }
    Ok((rows, totals))
}

/// One member's page of rows.
struct Query<'a> {
    conn: &'a Connection,
    site: &'a str,
    member_id: &'a str,
    limit: i64,
    offset: i64,
}

type Rows = (i64, Vec<Map<String, Value>>);

impl Query<'_> {
    /// Sent first, then received, each in stored order.
    fn messages(&self, names: &mut Usernames<'_>) -> Result<Rows> {
        let (conn, site, member_id) = (self.conn, self.site, self.member_id);
        let sent: i64 = conn.query_row(
            "SELECT count(*) FROM private_messages WHERE site = ?1 AND member_id = ?2",
            params![site, member_id],
            |r| r.get(0),
        )?;
        let received: i64 = conn.query_row(
            "SELECT count(*) FROM pm_recipients WHERE site = ?1 AND member_id = ?2",
            params![site, member_id],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, data, seq, deleted_seq, deleted_at FROM (
               SELECT 0 AS part, rowid AS o, id, data, seq, deleted_seq, deleted_at
                 FROM private_messages WHERE site = ?1 AND member_id = ?2
               UNION ALL
               SELECT 1, p.rowid, p.id, p.data, p.seq, p.deleted_seq, p.deleted_at
                 FROM pm_recipients r JOIN private_messages p ON p.site = r.site AND p.id = r.message_id
                 WHERE r.site = ?1 AND r.member_id = ?2 AND p.member_id IS NOT ?2
             ) ORDER BY part, o LIMIT ?3 OFFSET ?4",
        )?;
        let raw = read_rows(&mut stmt, params![site, member_id, self.limit, self.offset])?;
        let mut list = Vec::with_capacity(raw.len());
        for m in to_values(raw) {
            let mut m = m;
            let sender = m.get("sender_id").and_then(|v| v.as_str()) == Some(member_id);
            m.insert(
                "_role".into(),
                json!(if sender { "sender" } else { "recipient" }),
            );
            let p = participants(names, &m, member_id)?;
            m.insert("_other_participants".into(), p);
            list.push(m);
        }
        Ok((sent + received, list))
    }

    /// The member's tickets, then those whose requester's email is the
    /// member's (`_matched_by`).
    fn tickets(&self, email: Option<&str>) -> Result<Rows> {
        let (conn, site, member_id) = (self.conn, self.site, self.member_id);
        let total = conn.query_row(
            // Two indexed counts: an OR across both would scan the
            // site's tickets (50 ms at a million members).
            "SELECT (SELECT count(*) FROM helpdesk_tickets WHERE site = ?1 AND member_id = ?2)
                  + (SELECT count(*) FROM helpdesk_tickets WHERE site = ?1 AND ?3 IS NOT NULL
                       AND lower(json_extract(data, '$.requester_email')) = lower(?3)
                       AND member_id IS NOT ?2)",
            params![site, member_id, email],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, data, seq, deleted_seq, deleted_at FROM (
               SELECT 0 AS part, rowid AS o, id, data, seq, deleted_seq, deleted_at
                 FROM helpdesk_tickets WHERE site = ?1 AND member_id = ?2
               UNION ALL
               SELECT 1, rowid, id, data, seq, deleted_seq, deleted_at FROM helpdesk_tickets
                 WHERE site = ?1 AND ?3 IS NOT NULL
                   AND lower(json_extract(data, '$.requester_email')) = lower(?3)
                   AND member_id IS NOT ?2
             ) ORDER BY part, o LIMIT ?4 OFFSET ?5",
        )?;
        let raw = read_rows(
            &mut stmt,
            params![site, member_id, email, self.limit, self.offset],
        )?;
        let mut list = to_values(raw);
        for t in &mut list {
            if t.get("member_id").and_then(|v| v.as_str()) != Some(member_id) {
                t.insert("_matched_by".into(), json!("requester_email"));
            }
        }
        Ok((total, list))
    }

    /// The rows of table `t` whose `member_id` is the member's.
    fn plain(&self, t: &str) -> Result<Rows> {
        let (conn, site, member_id) = (self.conn, self.site, self.member_id);
        let total = conn.query_row(
            &format!("SELECT count(*) FROM {t} WHERE site = ?1 AND member_id = ?2"),
            params![site, member_id],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id, data, seq, deleted_seq, deleted_at FROM {t}
             WHERE site = ?1 AND member_id = ?2 ORDER BY rowid LIMIT ?3 OFFSET ?4"
        ))?;
        let list = to_values(read_rows(
            &mut stmt,
            params![site, member_id, self.limit, self.offset],
        )?);
        Ok((total, list))
    }
}

fn limit_offset(p: Page) -> (i64, i64) {
    match p.size {
        Some(s) => (s as i64, (p.page.max(1) - 1).saturating_mul(s) as i64),
        None => (-1, 0),
    }
}

fn row_value(data: &str, seq: i64, deleted: Option<(i64, String)>) -> Map<String, Value> {
    let mut v: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
    v.insert("_export_sequence".into(), json!(seq));
    if let Some((s, at)) = deleted {
        v.insert(
            "_deleted_in_production".into(),
            json!({"sequence": s, "at": at}),
        );
    }
    v
}

type RawRow = (String, String, i64, Option<i64>, Option<String>);

fn read_rows(
    stmt: &mut rusqlite::CachedStatement,
    p: impl rusqlite::Params,
) -> Result<Vec<RawRow>> {
    Ok(stmt
        .query_map(p, |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

fn to_values(rows: Vec<RawRow>) -> Vec<Map<String, Value>> {
    rows.into_iter()
        .map(|(_, data, seq, ds, da)| {
            row_value(&data, seq, ds.map(|s| (s, da.unwrap_or_default())))
        })
        .collect()
}

/// A message's other participants, with their usernames (a former
/// member's is null).
fn participants(names: &mut Usernames, msg: &Map<String, Value>, me: &str) -> Result<Value> {
    let mut ids: Vec<String> = Vec::new();
    if let Some(s) = msg.get("sender_id").and_then(|v| v.as_str()) {
        ids.push(s.into());
    }
    if let Some(Value::Array(a)) = msg.get("recipient_ids") {
        ids.extend(a.iter().filter_map(|v| v.as_str()).map(String::from));
    }
    let mut out = Vec::new();
    for id in ids.into_iter().filter(|i| i != me) {
        let u = names.get(&id)?;
        out.push(match u {
            Some(u) => json!({"member_id": id, "username": u}),
            None => json!({"member_id": id, "username": null, "former_member": true}),
        });
    }
    Ok(Value::Array(out))
}
