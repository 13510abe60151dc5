//! Privacy Desk's domain: the encrypted vault, the sync of production exports,
//! users and roles, the audit trail, and every use case. Interfaces (the
//! `desk` CLI, the desktop app) only parse, call a [`Session`] method and
//! print.
//!
//! # Layout
//!
//! Foundation, lowest first (none imports an area):
//! - `error`, `problem`, `progress`, `fsutil`, `time`, `text` (normalising
//!   names, emails, phones…, and the search index's keys), `entity` (the
//!   export format's entities), `roles` (the §2 matrix), `chain` (hash chains);
//! - `trail`: the audit trail's store;
//! - `vault`: the files, keys, locks, connections, frozen migrations and SQL
//!   functions;
//! - `session`: signing in, key operations, and the one door every use case
//!   goes through.
//!
//! Areas, each a folder with its store (SQL), rules (pure) and use cases
//! (`impl Session`), in dependency order — an area uses only the foundation
//! and the areas before it (`tests/layers.rs` fails on anything else):
//! `audit`, `users`, `holds`, `privacy`, `export`, `search`, `mentions`,
//! `consent`, `member`, `conflicts`, `sync`, `requests`, `disclosure`,
//! `bundle`, `review`, `home`.

pub mod chain;
pub mod entity;
pub mod error;
pub mod fsutil;
pub mod problem;
pub mod progress;
pub mod roles;
pub mod signing;
pub mod text;
pub mod time;
pub mod trail;
pub mod vault;

pub mod session;

pub mod audit;
pub mod bundle;
pub mod conflicts;
pub mod consent;
pub mod contract;
pub mod csvout;
pub mod disclosure;
pub mod export;
pub mod holds;
pub mod home;
pub mod html;
pub mod labels;
pub mod member;
pub mod mentions;
pub mod privacy;
pub mod requests;
pub mod review;
pub mod search;
pub mod sync;
pub mod users;

#[cfg(feature = "ts")]
pub mod ts;

pub use bundle::{BundleMade, BundleOptions};
pub use consent::tcf;
pub use error::{Error, Result};
pub use holds::Hold;
pub use privacy::PrivacyFacts;
pub use roles::{Action, Role};
pub use session::{Session, User};
pub use sync::{SiteStatus, Status};
pub use users::UserInfo;
