//! The SQL functions the vault's frozen triggers and backfills call,
//! registered on every connection to `vault.db` before anything else runs.
//!
//! `desk_terms(entity, data)`: the row's search keys as a JSON array
//! (backfills, rebuilds, checks); `desk_term(entity, data, i)`: its i-th key
//! or NULL (the DELETE triggers: a virtual table such as `json_each` inside a
//! trigger's statement makes SQLite stage rows in a temporary table, eight
//! times slower). Both compute [`crate::text::terms::row_terms`].
//! `desk_text(entity, data)`: a row's free text, normalised
//! ([`crate::text::norm::row_text`]), for the optional text index's triggers.

use crate::error::Result;
use crate::text::terms::row_terms;
use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

thread_local! {
    /// The last row's terms: the triggers ask for them slot by slot.
    static LAST: std::cell::RefCell<(String, String, Vec<String>)> =
        const { std::cell::RefCell::new((String::new(), String::new(), Vec::new())) };
}

fn term_at(entity: &str, data: &str, i: usize) -> Option<String> {
    LAST.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != entity || c.1 != data {
            let terms = row_terms(entity, data);
            *c = (entity.to_string(), data.to_string(), terms);
        }
        c.2.get(i).cloned()
    })
}

/// Register `desk_terms` and `desk_term` on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    conn.create_scalar_function(
        "desk_terms",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let entity: String = ctx.get(0)?;
            let data: Option<String> = ctx.get(1)?;
            let terms = row_terms(&entity, data.as_deref().unwrap_or("{}"));
            Ok(serde_json::to_string(&terms).unwrap_or_else(|_| "[]".into()))
        },
    )?;
    conn.create_scalar_function(
        "desk_term",
        3,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let entity = ctx.get_raw(0).as_str().unwrap_or("");
            let data = ctx.get_raw(1).as_str().unwrap_or("{}");
            let i: i64 = ctx.get(2)?;
            Ok(term_at(entity, data, i as usize))
        },
    )?;
    conn.create_scalar_function(
        "desk_text",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let entity = ctx.get_raw(0).as_str().unwrap_or("");
            let data = ctx.get_raw(1).as_str().unwrap_or("{}");
            Ok(crate::text::norm::row_text(entity, data))
        },
    )?;
    Ok(())
}
