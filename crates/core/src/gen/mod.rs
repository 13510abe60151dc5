//! The synthetic export generator.
