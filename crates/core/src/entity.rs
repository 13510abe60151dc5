//! The entities of the production export contract (`production-export-v1.md` §4):
//! their files, ids, member links, and field types. They live in the export
//! format crate (`export_format::entity`), shared with the generator; every
//! part of the desk that reads, writes or stores export rows takes its schema
//! from here.

pub use export_format::entity::*;
