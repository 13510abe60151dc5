//! Word lists for the synthetic export: British names, places, forum boards,
//! post text, sponsors and the like. Everything here is invented or generic;
//! phone numbers use Ofcom's drama ranges.

mod consent;
mod devices;
mod forum;
mod people;
mod places;
mod services;

pub use consent::*;
pub use devices::*;
pub use forum::*;
pub use people::*;
pub use places::*;
pub use services::*;
