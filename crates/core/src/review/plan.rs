//! How a bundle's rows are shaped: the automatic plan of an unreviewed
//! bundle (every proposal redacted) and the plan of an approved draft
//! (exactly its decisions). Both renumber the ids that carry someone
//! else's identifier, and both answer the same for a row every time.

use super::candidates;
use super::collect::{fk, Discovery, PartyKind};
use super::rules::{at_mut, replace_spans, top_key};
use super::{store, Exemption, Verdict, Withheld};
use crate::bundle::{MentionOut, Plan, Redaction, Shaped};
use crate::entity::Entity;
use crate::error::{Error, Result};
use rusqlite::Connection;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// One change to a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Edit {
    pub field: String,
    /// None: the whole value.
    pub span: Option<(u32, u32)>,
    pub replacement: String,
    pub reason: String,
}

/// The SHA-256 of a row's stored data (hex).
pub(crate) fn row_hash(data: &str) -> String {
    hex::encode(Sha256::digest(data.as_bytes()))
}

/// Apply `edits` and renumbered `ids` to `row`; answer the redactions the
/// manifest lists (one per field and reason, under the row's bundle id).
pub(crate) fn apply(
    e: Entity,
    id: &str,
    row: &mut Map<String, Value>,
    edits: &[Edit],
    ids: &[(String, String)],
) -> Vec<Redaction> {
    apply_edits(row, edits);
    for (k, opaque) in ids {
        row.insert(k.clone(), Value::String(opaque.clone()));
    }
    let bundle_id = row
        .get(e.id_field())
        .and_then(Value::as_str)
        .unwrap_or(id)
        .to_string();
    redactions(e.name(), &bundle_id, edits)
}

/// The redactions the manifest lists for `edits` of a row: one per field
/// and reason.
fn redactions(entity: &'static str, bundle_id: &str, edits: &[Edit]) -> Vec<Redaction> {
    let mut seen: Vec<(String, String)> = Vec::new();
    for ed in edits {
        let k = (top_key(&ed.field), ed.reason.clone());
        if !seen.contains(&k) {
            seen.push(k);
        }
    }
    seen.into_iter()
        .map(|(field, reason)| Redaction {
            entity,
            id: bundle_id.to_string(),
            field,
            reason,
        })
        .collect()
}

/// Apply `edits` to `row` (whole values, then character ranges).
pub(crate) fn apply_edits(row: &mut Map<String, Value>, edits: &[Edit]) {
    let mut spans: BTreeMap<&str, Vec<(u32, u32, String)>> = BTreeMap::new();
    for ed in edits {
        match ed.span {
            None => {
                if let Some(v) = at_mut(row, &ed.field) {
                    *v = Value::String(ed.replacement.clone());
                }
            }
            Some((s, t)) => {
                spans
                    .entry(ed.field.as_str())
                    .or_default()
                    .push((s, t, ed.replacement.clone()))
            }
        }
    }
    for (field, mut list) in spans {
        if let Some(Value::String(text)) = at_mut(row, field) {
            let new = replace_spans(text, &mut list);
            *text = new;
        }
    }
}

/// A candidate item as it goes out: numbered `k` (1-based) among those
/// the bundle holds, `edits` applied.
fn candidate_out(
    k: usize,
    source: &str,
    content: &Map<String, Value>,
    edits: &[Edit],
) -> MentionOut {
    let id = candidates::bundle_id(k);
    let mut row = candidates::row_of(&id, content);
    apply_edits(&mut row, edits);
    MentionOut {
        entity: source.to_string(),
        redactions: redactions(candidates::KIND, &id, edits),
        row,
    }
}

/// What the manifest says about the candidate items a bundle holds.
fn mentions_manifest(list: &[MentionOut], reviewed: bool) -> Value {
    let items: Vec<Value> = list
        .iter()
        .map(|m| {
            let sentences = m
                .row
                .get("sentences")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            json!({"entity": m.entity, "id": m.row.get("mention_id"), "sentences": sentences})
        })
        .collect();
    let note = if reviewed {
        "What others wrote about you: items of other people's words that mention you, each cut to the sentences about you, that a reviewer accepted for this bundle. Other people in them are replaced as in the rest of the bundle; the ids are made for this bundle."
    } else {
        "What others wrote about you: every item of other people's words that mentions you, each cut to the sentences about you. Not reviewed by a person: other people in them were replaced automatically; the ids are made for this bundle."
    };
    json!({
        "title": candidates::TITLE,
        "reviewed": reviewed,
        "note": note,
        "file": format!("data/{}.json", candidates::FILE),
        "count": list.len(),
        "items": items,
    })
}

/// What the manifest says about renumbered ids.
fn renumbered(summary: Vec<(String, String, u64)>) -> Value {
    let fields: Vec<Value> = summary
        .into_iter()
        .map(|(f, form, n)| {
            let (entity, field) = f.split_once('.').unwrap_or(("", &f));
            json!({"entity": entity, "field": field, "form": form, "count": n})
        })
        .collect();
    json!({
        "note": "Ids that carried another person's identifier (a member number in a message or conversation id, say) are replaced by ids made for this bundle, the same id for the same original everywhere in it. We keep the link to the original ids; it is not in the bundle.",
        "fields": fields,
    })
}

/// The plan of an unreviewed bundle: every proposal redacted; candidate
/// items from mentions (when asked for) all held, shaped the same way.
pub(crate) struct AutoPlan {
    pub d: Discovery,
    pub mentions: Vec<MentionOut>,
}

impl AutoPlan {
    /// The plan; `cands` are the candidate items to hold (discovery ran
    /// over them too).
    pub(crate) fn new(mut d: Discovery, cands: &[candidates::Candidate]) -> AutoPlan {
        let mut mentions = Vec::new();
        for (k, c) in cands.iter().enumerate() {
            let row = candidates::row_of(&candidates::bundle_id(k + 1), &c.content);
            let found = d.find_candidate(&row);
            let edits = d.auto_edits(&found);
            mentions.push(candidate_out(k + 1, &c.entity, &c.content, &edits));
        }
        AutoPlan { d, mentions }
    }
}

impl Discovery {
    /// Every proposal found, redacted with the automatic reason.
    fn auto_edits(&self, found: &[super::collect::Found]) -> Vec<Edit> {
        found
            .iter()
            .map(|f| {
                let p = &self.parties[f.party as usize];
                Edit {
                    field: f.field.clone(),
                    span: f.start.zip(f.end),
                    replacement: p.replacement().to_string(),
                    reason: f.kind.automatic_reason(p.kind).to_string(),
                }
            })
            .collect()
    }
}

impl Plan for AutoPlan {
    fn shape(&mut self, e: Entity, id: &str, data: &str) -> Result<Option<Shaped>> {
        let mut row: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
        let (found, ids) = self.d.find(e, id, &row);
        if found.is_empty() && ids.is_empty() {
            return Ok(Some(Shaped {
                row: None,
                redactions: Vec::new(),
            }));
        }
        let edits = self.d.auto_edits(&found);
        let redactions = apply(e, id, &mut row, &edits, &ids);
        Ok(Some(Shaped {
            row: Some(row),
            redactions,
        }))
    }

    fn withheld(&self, _e: Entity) -> u64 {
        0
    }

    fn third_parties(&self) -> usize {
        self.d.member_parties()
    }

    fn withheld_summary(&self) -> Vec<(String, u64)> {
        Vec::new()
    }

    fn mentions(&self) -> &[MentionOut] {
        &self.mentions
    }

    fn manifest(&self) -> Vec<(&'static str, Value)> {
        let mut v = vec![
            (
                "review",
                json!({
                    "reviewed": false,
                    "note": "Not reviewed by a person: every other person, their identifiers and contact details found in this data were redacted automatically. A bundle that answers a subject-access request is reviewed before it is released.",
                }),
            ),
            ("withheld", json!([])),
            ("renumbered_ids", renumbered(self.d.ids.summary())),
        ];
        if !self.mentions.is_empty() {
            v.push(("mentions", mentions_manifest(&self.mentions, false)));
        }
        v
    }
}

/// One item of an approved draft.
struct ItemPlan {
    hash: String,
    withheld: Option<Withheld>,
    edits: Vec<Edit>,
}

/// The plan of an approved draft: exactly its decisions.
pub(crate) struct ReviewedPlan {
    items: HashMap<(Entity, String), ItemPlan>,
    ids: HashMap<(String, String), String>,
    id_summary: Vec<(String, String, u64)>,
    withheld: HashMap<Entity, u64>,
    counted: BTreeMap<Exemption, u64>,
    parties: usize,
    review: Value,
    mentions: Vec<MentionOut>,
}

impl ReviewedPlan {
    /// Load a draft's decisions; `review` is the manifest's `review` entry.
    pub(crate) fn load(conn: &Connection, draft: i64, review: Value) -> Result<ReviewedPlan> {
        let parties = store::party_table(conn, draft)?;
        let mut l = load_items(conn, draft)?;
        // The accepted candidate items, in order (their source rows must be
        // as they were).
        let accepted = candidates::stored(conn, draft, true)?;
        l.cand_edits = accepted.iter().map(|c| (c.0, Vec::new())).collect();
        let site: String = conn.query_row(
            "SELECT site FROM review_drafts WHERE id = ?1",
            [draft],
            |r| r.get(0),
        )?;
        for (_, entity, id, source_hash, _) in &accepted {
            if !candidates::source_unchanged(conn, &site, entity, id, source_hash)? {
                return Err(stale_error());
            }
        }
        let redacted_members = l.proposals(conn, draft, &parties)?;
        l.spans(conn, draft)?;
        let mentions = accepted
            .iter()
            .enumerate()
            .map(|(k, (n, entity, _, _, content))| {
                let edits = l.cand_edits.get(n).map(Vec::as_slice).unwrap_or_default();
                candidate_out(k + 1, entity, content, edits)
            })
            .collect();
        let (ids, id_summary) = load_ids(conn, draft)?;
        Ok(ReviewedPlan {
            items: l.items,
            ids,
            id_summary,
            withheld: l.withheld,
            counted: l.counted,
            parties: redacted_members,
            review,
            mentions,
        })
    }
}

/// A draft's decisions as they are loaded: its items (by number too), the
/// accepted candidate items' edits, and what is withheld.
#[derive(Default)]
struct Loader {
    by_n: HashMap<u32, (Entity, String)>,
    items: HashMap<(Entity, String), ItemPlan>,
    cand_edits: BTreeMap<u32, Vec<Edit>>,
    withheld: HashMap<Entity, u64>,
    counted: BTreeMap<Exemption, u64>,
}

/// The draft's items (the member's rows; candidate items are loaded apart).
fn load_items(conn: &Connection, draft: i64) -> Result<Loader> {
    let mut l = Loader::default();
    let mut bad: Option<String> = None;
    store::all_items(conn, draft, &mut |(n, entity, row_id, _bundle, hash, w)| {
        if entity == candidates::KIND {
            return;
        }
        let Some(e) = Entity::from_name(&entity) else {
            bad = Some(entity);
            return;
        };
        if let Some(w) = &w {
            *l.withheld.entry(e).or_default() += 1;
            if !w.silent {
                *l.counted.entry(w.exemption).or_default() += 1;
            }
        }
        l.by_n.insert(n, (e, row_id.clone()));
        l.items.insert(
            (e, row_id),
            ItemPlan {
                hash,
                withheld: w,
                edits: Vec::new(),
            },
        );
    })?;
    if let Some(b) = bad {
        return Err(Error::Damaged(format!(
            "a draft item has an unknown kind ({b})"
        )));
    }
    Ok(l)
}

impl Loader {
    /// The edit list of item `n` (a member's row, or an accepted candidate).
    fn edits_of(&mut self, n: u32) -> Option<&mut Vec<Edit>> {
        match self.by_n.get(&n) {
            Some(key) => self.items.get_mut(key).map(|it| &mut it.edits),
            None => self.cand_edits.get_mut(&n),
        }
    }

    /// The proposals redacted, as edits; answers how many members (or
    /// former members) are redacted.
    fn proposals(
        &mut self,
        conn: &Connection,
        draft: i64,
        parties: &[store::PartyRow],
    ) -> Result<usize> {
        let mut redacted_members = std::collections::HashSet::new();
        store::all_proposals(conn, draft, &mut |(
            n,
            field,
            start,
            end,
            _kind,
            party,
            effective,
        )| {
            let Some(Verdict::Redact { reason }) = effective else {
                return;
            };
            let Some((label, pkind, _, _)) = parties.get(party as usize) else {
                return;
            };
            let edit = Edit {
                field,
                span: start.zip(end),
                replacement: pkind
                    .placeholder()
                    .map(str::to_string)
                    .unwrap_or_else(|| label.clone()),
                reason,
            };
            if let Some(list) = self.edits_of(n) {
                if matches!(pkind, PartyKind::Member | PartyKind::FormerMember) {
                    redacted_members.insert(party);
                }
                list.push(edit);
            }
        })?;
        Ok(redacted_members.len())
    }

    /// The span redactions, as edits.
    fn spans(&mut self, conn: &Connection, draft: i64) -> Result<()> {
        for s in store::all_spans(conn, draft)? {
            let edit = Edit {
                field: s.field,
                span: Some((s.start, s.end)),
                replacement: "[redacted]".into(),
                reason: s.reason,
            };
            if let Some(list) = self.edits_of(s.item) {
                list.push(edit);
            }
        }
        Ok(())
    }
}

/// Renumbered ids: (field, original) → opaque, and per field the form of
/// its opaque ids and how many there are.
type Ids = (
    HashMap<(String, String), String>,
    Vec<(String, String, u64)>,
);

/// The draft's renumbered ids.
fn load_ids(conn: &Connection, draft: i64) -> Result<Ids> {
    let mut ids = HashMap::new();
    let mut per: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (field, original, opaque) in store::ids(conn, draft)? {
        let form = opaque
            .rsplit_once('-')
            .map_or(opaque.as_str(), |x| x.0)
            .to_string();
        *per.entry((field.clone(), format!("{form}-NNNN")))
            .or_default() += 1;
        ids.insert((field, original), opaque);
    }
    Ok((
        ids,
        per.into_iter().map(|((f, form), n)| (f, form, n)).collect(),
    ))
}

/// The message a row that changed since the draft gets.
pub(crate) fn stale_error() -> Error {
    Error::Conflict(
        "the vault changed since the draft was made (a sync, or a hold lifted): nothing was released; make a new draft (decisions carry over)".into(),
    )
}

impl Plan for ReviewedPlan {
    fn shape(&mut self, e: Entity, id: &str, data: &str) -> Result<Option<Shaped>> {
        let Some(it) = self.items.get(&(e, id.to_string())) else {
            return Err(stale_error());
        };
        if it.hash != row_hash(data) {
            return Err(stale_error());
        }
        if it.withheld.is_some() {
            return Ok(None);
        }
        let mut row: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
        let mut ids = Vec::new();
        for (k, v) in &row {
            let Some(v) = v.as_str() else { continue };
            let original = if k == e.id_field() { id } else { v };
            if let Some(x) = self.ids.get(&(fk(e, k), original.to_string())) {
                ids.push((k.clone(), x.clone()));
            }
        }
        if it.edits.is_empty() && ids.is_empty() {
            return Ok(Some(Shaped {
                row: None,
                redactions: Vec::new(),
            }));
        }
        let redactions = apply(e, id, &mut row, &it.edits, &ids);
        Ok(Some(Shaped {
            row: Some(row),
            redactions,
        }))
    }

    fn withheld(&self, e: Entity) -> u64 {
        self.withheld.get(&e).copied().unwrap_or(0)
    }

    fn third_parties(&self) -> usize {
        self.parties
    }

    fn withheld_summary(&self) -> Vec<(String, u64)> {
        self.counted
            .iter()
            .map(|(x, n)| (x.info().label.to_string(), *n))
            .collect()
    }

    fn mentions(&self) -> &[MentionOut] {
        &self.mentions
    }

    fn manifest(&self) -> Vec<(&'static str, Value)> {
        let withheld: Vec<Value> = self
            .counted
            .iter()
            .map(|(x, n)| json!({"exemption": x.key(), "label": x.info().label, "law": x.info().law, "items": n}))
            .collect();
        let mut v = vec![
            ("review", self.review.clone()),
            ("withheld", Value::Array(withheld)),
            ("renumbered_ids", renumbered(self.id_summary.clone())),
        ];
        if !self.mentions.is_empty() {
            v.push(("mentions", mentions_manifest(&self.mentions, true)));
        }
        v
    }
}
