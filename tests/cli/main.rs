//! Black-box tests of `desk`: the real binary, its exit codes, its output,
//! and what it leaves on disk.

mod bundle;
mod crash;
mod demo;
mod disclosure;
mod export;
mod harness;
mod hostile;
mod keycrash;
mod member;
mod mentions;
mod reindex;
mod request;
mod review;
mod review_mentions;
mod snapshot;
mod team;
mod workflow;
