//! Privacy Desk's domain: the encrypted vault, the sync of production exports,
//! users and roles, and the audit trail. Every use case is a method on an
//! authenticated [`session::Session`]; interfaces (the `desk` CLI, the desktop
//! app) only parse, call and print.

pub mod audit;
pub mod bundle;
pub mod chain;
pub mod conflicts;
pub mod consent;
pub mod csvout;
pub mod disclosure;
pub mod entity;
pub mod error;
pub mod export;
pub mod fsutil;
pub mod gen;
pub mod home;
pub mod html;
pub mod labels;
pub mod member;
pub mod privacy;
pub mod problem;
pub mod progress;
pub mod requests;
pub mod roles;
pub mod search;
pub mod session;
pub mod sync;
pub mod tcf;
pub mod vault;

pub use bundle::{BundleMade, BundleOptions};
pub use error::{Error, Result};
pub use privacy::PrivacyFacts;
pub use roles::{Action, Role};
pub use session::Session;
