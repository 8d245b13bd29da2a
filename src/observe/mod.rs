//! Watching the loop: debug mode's settings and reports, the loop's counters and task
//! table, and the timeline recorder. The loop feeds them as it turns; they never drive it.
//! Behind the `observe` feature (default on; `trace` implies it): without it none of this
//! is compiled and the turn counts and times nothing.
//!
//! **May import:** `task`, `error`, the standard library. Not the loop itself: what needs
//! the running loop (`dump()`, `LoopHandle::stats`) is a method of the loop that reads
//! these.

pub mod debug;
pub mod introspect;
#[cfg(feature = "trace")]
pub mod timeline;
