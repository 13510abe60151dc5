//! The audit trail's store (`vault-and-access-v1.md` §3): every read of
//! member data, every change and every refusal, hash-chained in `logs.db`.
//! Only the session's door appends to it (and, for data writers, its outbox
//! in `vault.db`, moved here after they commit); its use cases (list, export,
//! verify) are in [`crate::audit`].

use crate::chain::{self, Stored, Verification, GENESIS};
use crate::error::Result;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Value};

/// How an audited action ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Refused,
    Failed,
    Cancelled,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// An event to append.
#[derive(Clone, Debug, Default)]
pub struct NewEvent<'a> {
    pub user: Option<&'a str>,
    pub action: &'a str,
    pub site: Option<&'a str>,
    pub member_id: Option<&'a str>,
    pub detail: Option<Value>,
}

/// A stored event.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditEvent {
    pub seq: i64,
    pub at: String,
    pub user: Option<String>,
    pub action: String,
    pub site: Option<String>,
    pub member_id: Option<String>,
    pub outcome: String,
    pub detail: Option<Value>,
    pub prev_hash: String,
    pub hash: String,
}

pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[allow(clippy::too_many_arguments)]
fn content(
    seq: i64,
    at: &str,
    user: Option<&str>,
    action: &str,
    site: Option<&str>,
    member_id: Option<&str>,
    outcome: &str,
    detail: Option<&str>,
) -> Value {
    json!({
        "seq": seq, "at": at, "user": user, "action": action, "site": site,
        "member_id": member_id, "outcome": outcome, "detail": detail,
    })
}

/// Who signs what is appended: their name and signing seed.
#[derive(Clone, Copy)]
pub struct Signer<'a> {
    pub name: &'a str,
    pub seed: &'a [u8; 32],
}

impl std::fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Append one event to the chain (inside whatever transaction `conn` is in),
/// signed by `signer` (its fields and its place in the chain).
pub fn append(
    conn: &Connection,
    at: DateTime<Utc>,
    ev: &NewEvent,
    outcome: Outcome,
    signer: Option<Signer>,
) -> Result<i64> {
    let mut owned = OwnedEvent::new(at, ev, outcome);
    if let Some(s) = signer {
        owned.sign(s.seed);
    }
    append_owned(conn, &owned, signer)
}

/// An event as data (kept in the outbox or a key operation's record until
/// it is appended), with the acting user's signature of its fields.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct OwnedEvent {
    pub at: String,
    pub user: Option<String>,
    pub action: String,
    pub site: Option<String>,
    pub member_id: Option<String>,
    pub outcome: String,
    pub detail: Option<Value>,
    /// Hex: the signer's public key and their signature of [`Self::signed_bytes`].
    #[serde(default)]
    pub signer_key: Option<String>,
    #[serde(default)]
    pub signature: Option<String>,
}

/// The fields of an event its author signs (not its place in the chain).
pub fn event_bytes(
    at: &str,
    user: Option<&str>,
    action: &str,
    site: Option<&str>,
    member_id: Option<&str>,
    outcome: &str,
    detail: Option<&str>,
) -> String {
    chain::canonical_json(&json!({
        "at": at, "user": user, "action": action, "site": site,
        "member_id": member_id, "outcome": outcome, "detail": detail,
    }))
}

impl OwnedEvent {
    pub fn new(at: DateTime<Utc>, ev: &NewEvent, outcome: Outcome) -> Self {
        OwnedEvent {
            at: ts(at),
            user: ev.user.map(String::from),
            action: ev.action.to_string(),
            site: ev.site.map(String::from),
            member_id: ev.member_id.map(String::from),
            outcome: outcome.name().to_string(),
            detail: ev.detail.clone(),
            signer_key: None,
            signature: None,
        }
    }

    fn signed_bytes(&self) -> String {
        let detail = self.detail.as_ref().map(|d| d.to_string());
        event_bytes(
            &self.at,
            self.user.as_deref(),
            &self.action,
            self.site.as_deref(),
            self.member_id.as_deref(),
            &self.outcome,
            detail.as_deref(),
        )
    }

    /// Sign the event's fields (by the user who acted).
    pub fn sign(&mut self, seed: &[u8; 32]) {
        let sig = crate::signing::sign(
            seed,
            crate::signing::Domain::AuditEvent,
            self.signed_bytes().as_bytes(),
        );
        self.signer_key = Some(hex::encode(crate::signing::public_key(seed)));
        self.signature = Some(hex::encode(sig));
    }
}

/// Append an event kept as data, with its own time, outcome and signature;
/// `link`: who appends it signs its place in the chain.
pub fn append_owned(conn: &Connection, ev: &OwnedEvent, link: Option<Signer>) -> Result<i64> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let detail = ev.detail.as_ref().map(|d| d.to_string());
    let c = content(
        seq,
        &ev.at,
        ev.user.as_deref(),
        &ev.action,
        ev.site.as_deref(),
        ev.member_id.as_deref(),
        &ev.outcome,
        detail.as_deref(),
    );
    let hash = chain::link_hash(&prev, &c);
    let unhex = |s: &Option<String>| s.as_ref().and_then(|x| hex::decode(x).ok());
    let (link_name, link_key, link_sig) = match link {
        Some(l) => (
            Some(l.name.to_string()),
            Some(crate::signing::public_key(l.seed).to_vec()),
            Some(crate::signing::sign(
                l.seed,
                crate::signing::Domain::AuditLink,
                hash.as_bytes(),
            )),
        ),
        None => (None, None, None),
    };
    conn.execute(
        "INSERT INTO audit (seq, at, user, action, site, member_id, outcome, detail, prev_hash, hash,
                            signer_key, signature, link_signer, link_key, link_signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            seq, ev.at, ev.user, ev.action, ev.site, ev.member_id, ev.outcome, detail, prev, hash,
            unhex(&ev.signer_key), unhex(&ev.signature), link_name, link_key, link_sig
        ],
    )?;
    Ok(seq)
}

/// Record a data writer's event in `vault.db`'s outbox, inside the data
/// writer's own transaction: it commits with the change it describes.
pub fn outbox_add(data: &Connection, ev: &OwnedEvent) -> Result<()> {
    let unhex = |s: &Option<String>| s.as_ref().and_then(|x| hex::decode(x).ok());
    data.execute(
        "INSERT INTO audit_outbox (at, user, action, site, member_id, outcome, detail, signer_key, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            ev.at,
            ev.user,
            ev.action,
            ev.site,
            ev.member_id,
            ev.outcome,
            ev.detail.as_ref().map(|d| d.to_string()),
            unhex(&ev.signer_key),
            unhex(&ev.signature)
        ],
    )?;
    Ok(())
}

/// Move the outbox's events not yet in the trail into it, in order, exactly
/// once (`logs.meta.outbox_applied` records how far, in the same
/// transaction). `logs` must not be in a transaction; `data` may be read.
/// Returns how many were moved.
pub fn outbox_flush(data: &Connection, logs: &Connection, link: Option<Signer>) -> Result<u64> {
    let tx = rusqlite::Transaction::new_unchecked(logs, rusqlite::TransactionBehavior::Immediate)?;
    let applied: i64 = logs
        .query_row(
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'outbox_applied'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let mut stmt = data.prepare(
        "SELECT id, at, user, action, site, member_id, outcome, detail, signer_key, signature
         FROM audit_outbox WHERE id > ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([applied], |r| {
            let detail: Option<String> = r.get(7)?;
            Ok((
                r.get::<_, i64>(0)?,
                OwnedEvent {
                    at: r.get(1)?,
                    user: r.get(2)?,
                    action: r.get(3)?,
                    site: r.get(4)?,
                    member_id: r.get(5)?,
                    outcome: r.get(6)?,
                    detail: detail.map(|d| serde_json::from_str(&d).unwrap_or(Value::String(d))),
                    signer_key: r.get::<_, Option<Vec<u8>>>(8)?.map(hex::encode),
                    signature: r.get::<_, Option<Vec<u8>>>(9)?.map(hex::encode),
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut high = applied;
    for (id, ev) in &rows {
        append_owned(&tx, ev, link)?;
        high = high.max(*id);
    }
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('outbox_applied', ?1)",
        [high.to_string()],
    )?;
    tx.commit()?;
    Ok(rows.len() as u64)
}

/// Drop outbox events already in the trail (inside a data write transaction).
pub fn outbox_prune(data: &Connection, logs: &Connection) -> Result<()> {
    let applied: i64 = logs
        .query_row(
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'outbox_applied'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    data.execute("DELETE FROM audit_outbox WHERE id <= ?1", [applied])?;
    Ok(())
}

fn row_to_event(r: &rusqlite::Row) -> rusqlite::Result<AuditEvent> {
    let detail: Option<String> = r.get(7)?;
    Ok(AuditEvent {
        seq: r.get(0)?,
        at: r.get(1)?,
        user: r.get(2)?,
        action: r.get(3)?,
        site: r.get(4)?,
        member_id: r.get(5)?,
        outcome: r.get(6)?,
        detail: detail.map(|d| serde_json::from_str(&d).unwrap_or(Value::String(d))),
        prev_hash: r.get(8)?,
        hash: r.get(9)?,
    })
}

const COLUMNS: &str = "seq, at, user, action, site, member_id, outcome, detail, prev_hash, hash";

/// Filters for listing events.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub user: Option<String>,
    pub action: Option<String>,
    pub site: Option<String>,
    pub member_id: Option<String>,
    /// Only events at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only events before this time.
    pub to: Option<DateTime<Utc>>,
    pub limit: Option<u64>,
}

/// List events, oldest first, filtered.
pub fn list(conn: &Connection, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM audit
         WHERE (?1 IS NULL OR user = ?1 COLLATE NOCASE) AND (?2 IS NULL OR action = ?2)
           AND (?3 IS NULL OR site = ?3) AND (?4 IS NULL OR member_id = ?4)
           AND (?6 IS NULL OR at >= ?6) AND (?7 IS NULL OR at < ?7)
         ORDER BY seq LIMIT ?5"
    ))?;
    let limit = f.limit.map(|l| l as i64).unwrap_or(-1);
    // Stored times are `ts()` strings (UTC, milliseconds, `Z`): they sort as text.
    let from = f.from.map(ts);
    let to = f.to.map(ts);
    let rows = stmt.query_map(
        params![f.user, f.action, f.site, f.member_id, limit, from, to],
        row_to_event,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The CSV columns of an audit export.
pub const CSV_COLUMNS: [&str; 10] = [
    "seq",
    "at",
    "user",
    "action",
    "site",
    "member_id",
    "outcome",
    "detail",
    "prev_hash",
    "hash",
];

/// Events as CSV: a header, then one row per event (`detail` as JSON text),
/// for spreadsheets as every CSV of the desk ([`crate::csvout`]: a
/// byte-order mark, formula-like cells as text).
pub fn to_csv(events: &[AuditEvent]) -> Result<String> {
    let err = |e: String| crate::Error::Invalid(format!("writing CSV: {e}"));
    let mut w = crate::csvout::writer(Vec::new()).map_err(|e| err(e.to_string()))?;
    w.write_record(CSV_COLUMNS)
        .map_err(|e| err(e.to_string()))?;
    for e in events {
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        let row = [
            e.seq.to_string(),
            e.at.clone(),
            opt(&e.user),
            e.action.clone(),
            opt(&e.site),
            opt(&e.member_id),
            e.outcome.clone(),
            e.detail.as_ref().map(|d| d.to_string()).unwrap_or_default(),
            e.prev_hash.clone(),
            e.hash.clone(),
        ];
        w.write_record(
            row.iter()
                .map(|c| crate::csvout::neutralise(c).into_owned()),
        )
        .map_err(|e| err(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| err(e.to_string()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Verify the whole trail, optionally against a head kept elsewhere.
pub fn verify(conn: &Connection, expect_head: Option<&str>) -> Result<Verification> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))?;
    let rows = stmt.query_map([], |r| {
        let seq: i64 = r.get(0)?;
        let at: String = r.get(1)?;
        let user: Option<String> = r.get(2)?;
        let action: String = r.get(3)?;
        let site: Option<String> = r.get(4)?;
        let member_id: Option<String> = r.get(5)?;
        let outcome: String = r.get(6)?;
        let detail: Option<String> = r.get(7)?;
        Ok(Stored {
            seq,
            content: content(
                seq,
                &at,
                user.as_deref(),
                &action,
                site.as_deref(),
                member_id.as_deref(),
                &outcome,
                detail.as_deref(),
            ),
            prev_hash: r.get(8)?,
            hash: r.get(9)?,
        })
    })?;
    chain::verify(
        rows.map(|r| r.map_err(Into::into)),
        "audit event",
        expect_head,
    )
}
