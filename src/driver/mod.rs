//! What the loop drives besides its tasks: the clock, the reactor (mio's poll and the
//! table of registered sources), the timer heap, and the cell every scheduled callback
//! lives in.
//!
//! **May import:** `error` and the standard library, `mio` and `slab`; nothing else of
//! evloop. The loop (`event_loop`) owns one of each and turns them in its turn.

pub(crate) mod callback;
pub mod clock;
pub mod reactor;
pub mod timers;
