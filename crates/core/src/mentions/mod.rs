//! Finding a member in other people's words (issue #15): posts, private
//! messages, helpdesk tickets, reviews and listings of the same site that
//! name them — by `@username` or a bare username, email, phone, first name
//! and surname, or a name they posted as — for the subject-access request
//! ("personal data about the requester wherever it is held") and for
//! safeguarding ("who has been talking about this child's mother?").
//!
//! - [`rules`]: the matcher (pure): candidates of a text, the names of a
//!   member, snippets, sentences.
//! - [`store`]: the index the sync keeps in its transaction
//!   (`mention_tokens`), and its queries.
//! - [`textsearch`]: free-text search of the same texts, through an optional
//!   per-site full-text index (FTS5, erasure-safe) or a bounded scan.
//! - Use cases on [`Session`]: [`Session::mentions`], [`Session::mentions_rebuild`],
//!   [`Session::text_search`], [`Session::text_index_set`],
//!   [`Session::text_index_status`]; and [`each_about`] for the bundle.

pub mod rules;
mod snippet;
pub mod store;
pub mod textsearch;

use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressEvent};
use crate::roles::Action;
use crate::session::{Op, Session};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Map, Value};

pub use rules::{Kind, SnippetPart};
pub use store::set_mentions_for_benchmark;
pub(crate) use store::{index_row, Scratch};
pub use textsearch::{TextHit, TextIndexSite, TextQuery, TextResults};

/// The version of the index's rules ([`rules::RULES_VERSION`] and the
/// normalisation's [`crate::text::norm::NORM_VERSION`]); the vault records
/// the version its index was built with (`meta.mentions_version`).
pub const MENTIONS_VERSION: u32 = rules::RULES_VERSION * 1000 + crate::text::norm::NORM_VERSION;

pub const DEFAULT_PAGE_SIZE: u64 = 50;
const SNIPPET_WIDTH: usize = 70;
/// Authors listed by name in the counts (the rest are counted).
const TOP_AUTHORS: usize = 10;

/// Who wrote the words that mention the member.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Author {
    /// `member`, `former_member` (their account is gone), `requester` (a
    /// helpdesk requester without an account), `staff` (helpdesk staff).
    pub kind: String,
    pub member_id: Option<String>,
    pub username: Option<String>,
}

impl Author {
    fn member(member_id: Option<&str>, users: &mut store::Usernames) -> Result<Author> {
        Ok(match member_id {
            Some(id) => match users.get(id)? {
                Some(u) => Author {
                    kind: "member".into(),
                    member_id: Some(id.into()),
                    username: Some(u),
                },
                None => Author {
                    kind: "former_member".into(),
                    member_id: Some(id.into()),
                    username: None,
                },
            },
            None => Author {
                kind: "requester".into(),
                member_id: None,
                username: None,
            },
        })
    }
    fn staff() -> Author {
        Author {
            kind: "staff".into(),
            member_id: None,
            username: None,
        }
    }
}

/// One item of other people's words that names the member.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Mention {
    /// `posts`, `private_messages`, `helpdesk_tickets`, `reviews`, `local_listings`.
    pub entity: String,
    pub id: String,
    /// The field the snippet is from (`body`, `thread_title`, `messages[2].body`, …).
    pub field: String,
    /// The thread title, message subject or ticket subject, when there is one.
    pub context: Option<String>,
    /// When it was written (UTC).
    pub at: Option<String>,
    pub author: Author,
    /// How the member is named in the item.
    pub kinds: Vec<Kind>,
    pub snippet: Vec<SnippetPart>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KindCount {
    pub kind: Kind,
    /// Items naming the member this way.
    pub items: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuthorCount {
    pub author: Author,
    pub items: u64,
}

/// A page of a member's mentions, with the counts of all of them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MentionsPage {
    pub site: String,
    pub member_id: String,
    /// Items of other people that name the member.
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    pub by_kind: Vec<KindCount>,
    /// The authors who name the member most, most first.
    pub by_author: Vec<AuthorCount>,
    /// How many different authors there are.
    pub authors: u64,
    /// Newest first.
    pub items: Vec<Mention>,
}

/// A mention in one field of an item (for the bundle).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MentionSpan {
    /// Byte offsets into [`MentionField::text`].
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

/// One field of an item that names the member (for the bundle).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MentionField {
    /// `body`, `subject`, `thread_title`, `messages[i].body`, …
    pub field: String,
    /// The field's text exactly as held.
    pub text: String,
    pub spans: Vec<MentionSpan>,
    /// Who wrote this field: the item's author, or helpdesk staff for a
    /// staff message of a ticket.
    pub author: Author,
    /// When this field was written (a ticket message's own time).
    pub at: Option<String>,
}

/// An item of other people's words that names the member, as the bundle
/// (and its review) take it: see [`each_about`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MentionItem {
    pub entity: String,
    pub id: String,
    /// The item's author (`member_id` of the poster, sender, ticket member).
    pub author_id: Option<String>,
    pub author: Author,
    /// The item's time (UTC).
    pub at: Option<String>,
    /// The fields naming the member, in the entity's field order.
    pub fields: Vec<MentionField>,
    pub kinds: Vec<Kind>,
}

/// Whether the index must be built before it is read: built with other
/// rules (or never, in a vault from before it) while there are texts.
pub fn is_stale(data: &Connection) -> Result<bool> {
    if index_version(data)? == MENTIONS_VERSION {
        return Ok(false);
    }
    for (entity, _) in crate::text::norm::FREE_TEXT {
        let any: bool = data.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {entity})"),
            [],
            |r| r.get(0),
        )?;
        if any {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Refuse to read an index built with other rules: it would miss.
pub fn check_index(data: &Connection) -> Result<()> {
    let v = index_version(data)?;
    if is_stale(data)? {
        return Err(Error::Invalid(format!(
            "the mentions index was built by another version of the desk (rules {v}, this desk \
             {MENTIONS_VERSION}): build it first (`desk mentions --rebuild`, or Build on a member's \
             Mentions tab)"
        )));
    }
    Ok(())
}

/// The rules the vault's mentions index was built with (0: never built).
pub fn index_version(data: &Connection) -> Result<u32> {
    let v: Option<String> = data
        .query_row(
            "SELECT value FROM meta WHERE key = 'mentions_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// A field, its text and where the member is named in it.
type Naming<'t> = (String, &'t str, Vec<(usize, usize, Kind)>);

/// The fields of a row that name the member, with their spans.
fn fields_naming(
    entity: &str,
    row_member: Option<&str>,
    fields: &Map<String, Value>,
    s: &store::Subject,
    users: &mut store::Usernames,
    row_at: Option<&String>,
) -> Result<Vec<MentionField>> {
    let mut out = Vec::new();
    let mut found: Vec<Naming> = Vec::new();
    crate::text::norm::each_free_text(entity, fields, |field, text| {
        let spans = rules::find_in(text, &s.names);
        if !spans.is_empty() {
            found.push((field.into_owned(), text, spans));
        }
    });
    for (field, text, spans) in found {
        let (author, at) = match field.strip_prefix("messages[") {
            Some(rest) => {
                let i: usize = rest
                    .split(']')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let m = fields
                    .get("messages")
                    .and_then(|v| v.get(i))
                    .cloned()
                    .unwrap_or(Value::Null);
                let at = m.get("at").and_then(Value::as_str).and_then(store::utc);
                if m.get("from").and_then(Value::as_str) == Some("staff") {
                    (Author::staff(), at)
                } else {
                    (Author::member(row_member, users)?, at)
                }
            }
            None => (Author::member(row_member, users)?, row_at.cloned()),
        };
        out.push(MentionField {
            field,
            text: text.to_string(),
            spans: spans
                .into_iter()
                .map(|(start, end, kind)| MentionSpan { start, end, kind })
                .collect(),
            author,
            at,
        });
    }
    Ok(out)
}

fn context_of(entity: &str, fields: &Map<String, Value>) -> Option<String> {
    let k = match entity {
        "posts" => "thread_title",
        "private_messages" | "helpdesk_tickets" => "subject",
        "local_listings" => "business_name",
        _ => return None,
    };
    fields.get(k).and_then(Value::as_str).map(String::from)
}

/// A page of the member's mentions with the counts of all of them, from
/// `data` in the caller's transaction (no role check, no audit).
pub fn mentions_conn(
    data: &Connection,
    site: &str,
    member_id: &str,
    page: u64,
    page_size: u64,
) -> Result<MentionsPage> {
    check_index(data)?;
    let page = page.max(1);
    let page_size = page_size.clamp(1, 500);
    let s = store::subject(data, site, member_id)?;
    let hits = store::hits(data, &s)?;
    let mut users = store::Usernames::new(data, site);
    let by_kind = by_kind(&hits);
    let (by_author, n_authors) = by_author(&hits, &mut users)?;
    let skip = ((page - 1) * page_size) as usize;
    let mut items = Vec::new();
    for h in hits.iter().skip(skip).take(page_size as usize) {
        if let Some(m) = mention(data, &s, h, &mut users)? {
            items.push(m);
        }
    }
    Ok(MentionsPage {
        site: site.into(),
        member_id: member_id.into(),
        total: hits.len() as u64,
        page,
        page_size,
        by_kind,
        by_author,
        authors: n_authors,
        items,
    })
}

/// How many items hold each kind of mention (the kinds found).
fn by_kind(hits: &[store::Hit]) -> Vec<KindCount> {
    Kind::ALL
        .into_iter()
        .map(|k| KindCount {
            kind: k,
            items: hits
                .iter()
                .filter(|h| h.kinds & Kind::bits([k]) != 0)
                .count() as u64,
        })
        .filter(|c| c.items > 0)
        .collect()
}

/// The [`TOP_AUTHORS`] authors of the most items, and how many authors in
/// all.
fn by_author(hits: &[store::Hit], users: &mut store::Usernames) -> Result<(Vec<AuthorCount>, u64)> {
    let mut authors: std::collections::HashMap<Option<&str>, u64> = Default::default();
    for h in hits {
        *authors.entry(h.author.as_deref()).or_default() += 1;
    }
    let n_authors = authors.len() as u64;
    let mut top: Vec<(Option<&str>, u64)> = authors.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut by_author = Vec::new();
    for (a, n) in top.into_iter().take(TOP_AUTHORS) {
        by_author.push(AuthorCount {
            author: Author::member(a, users)?,
            items: n,
        });
    }
    Ok((by_author, n_authors))
}

/// One hit as a listed mention: its first field naming the member, with a
/// snippet; None when its row is gone.
fn mention(
    data: &Connection,
    s: &store::Subject,
    h: &store::Hit,
    users: &mut store::Usernames,
) -> Result<Option<Mention>> {
    let Some((row_member, fields)) = store::read_row(data, &s.site, h.entity, &h.id)? else {
        return Ok(None);
    };
    let named = fields_naming(
        h.entity,
        row_member.as_deref(),
        &fields,
        s,
        users,
        h.at.as_ref(),
    )?;
    let (field, snippet, author, at) = match named.first() {
        Some(f) => {
            let spans: Vec<(usize, usize)> = f.spans.iter().map(|s| (s.start, s.end)).collect();
            (
                f.field.clone(),
                rules::snippet(&f.text, &spans, SNIPPET_WIDTH),
                f.author.clone(),
                f.at.clone(),
            )
        }
        None => (
            String::new(),
            Vec::new(),
            Author::member(row_member.as_deref(), users)?,
            h.at.clone(),
        ),
    };
    Ok(Some(Mention {
        entity: h.entity.into(),
        id: h.id.clone(),
        field,
        context: context_of(h.entity, &fields),
        at,
        author,
        kinds: Kind::of_bits(h.kinds),
        snippet,
    }))
}

/// Every item of other people's words on `site` that names the member,
/// oldest first, each with its fields that name them and the byte spans of
/// each mention — for the bundle ("what others wrote about you") and its
/// review. `data` is `vault.db` in the caller's transaction (no role check,
/// no audit: the caller's use case audits). Items the member's own record
/// already holds (rows they wrote, messages they sent or received, their
/// own tickets) are not repeated. Memory: the index entries of the member's
/// mentions; each item is read and handed over one at a time.
pub fn each_about(
    data: &Connection,
    site: &str,
    member_id: &str,
    mut f: impl FnMut(MentionItem) -> Result<()>,
) -> Result<()> {
    check_index(data)?;
    let s = store::subject(data, site, member_id)?;
    let hits = store::hits(data, &s)?;
    let mut users = store::Usernames::new(data, site);
    for h in hits.iter().rev() {
        let Some((row_member, fields)) = store::read_row(data, site, h.entity, &h.id)? else {
            continue;
        };
        let named = fields_naming(
            h.entity,
            row_member.as_deref(),
            &fields,
            &s,
            &mut users,
            h.at.as_ref(),
        )?;
        if named.is_empty() {
            continue;
        }
        f(MentionItem {
            entity: h.entity.into(),
            id: h.id.clone(),
            author_id: row_member.clone(),
            author: Author::member(row_member.as_deref(), &mut users)?,
            at: h.at.clone(),
            fields: named,
            kinds: Kind::of_bits(h.kinds),
        })?;
    }
    Ok(())
}

impl Session {
    /// A page of the member's mentions in other people's words, with counts
    /// by kind and by author. Audited like any read of member data.
    pub fn mentions(
        &self,
        site: &str,
        member_id: &str,
        page: u64,
        page_size: u64,
        now: DateTime<Utc>,
    ) -> Result<MentionsPage> {
        let op = Op::logs(Action::ReadMembers, "mentions_view").on(Some(site), Some(member_id));
        self.door(op, now, |tx| {
            tx.detail(json!({"page": page, "page_size": page_size}));
            let p = mentions_conn(tx.data()?, site, member_id, page, page_size)?;
            tx.detail(json!({"page": p.page, "page_size": p.page_size, "total": p.total}));
            Ok(p)
        })
    }

    /// Whether the mentions index must be built before it can be read (a
    /// vault from before it, or from other rules).
    pub fn mentions_stale(&self, now: DateTime<Utc>) -> Result<bool> {
        self.door(Op::quiet(Action::ReadMembers), now, |tx| {
            is_stale(tx.data()?)
        })
    }

    /// Build the mentions index from the stored rows (a data write: it takes
    /// its turn with the sync). Cancelling keeps the old index.
    pub fn mentions_rebuild(&self, now: DateTime<Utc>, progress: &dyn Progress) -> Result<u64> {
        self.door(Op::data(Action::Sync, "mentions_rebuild"), now, |tx| {
            let data = tx.data()?;
            let from = index_version(data)?;
            let rows = store::rebuild(data, progress)?;
            progress.event(ProgressEvent::Stage {
                name: "committing".into(),
                total: None,
            });
            let entries: i64 = data.query_row("SELECT count(*) FROM mention_tokens", [], |r| r.get(0))?;
            data.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('mentions_version', ?1)",
                [MENTIONS_VERSION.to_string()],
            )?;
            tx.detail(json!({"from_rules": from, "to_rules": MENTIONS_VERSION, "rows": rows, "entries": entries}));
            Ok(rows)
        })
    }
}
