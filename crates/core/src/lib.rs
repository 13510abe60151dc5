//! Privacy Desk's domain: the encrypted vault, the sync of production exports,
//! users and roles, and the audit trail. Every use case is a method on an
//! authenticated [`session::Session`]; interfaces (the `desk` CLI, the desktop
//! app) only parse, call and print.

pub mod entity;
pub mod error;
pub mod export;
pub mod gen;
pub mod problem;
pub mod progress;

pub use error::{Error, Result};
