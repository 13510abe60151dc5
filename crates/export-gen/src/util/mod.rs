//! Small, fast helpers: seeded RNGs, timestamps formatted without allocation
//! (UK local time from the time-zone database), and a minimal JSON builder.

mod json;
mod random;
mod time;

pub use json::*;
pub use random::*;
pub use time::*;
