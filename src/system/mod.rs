//! The operating system outside the loop's sockets: Unix signals as loop callbacks, child
//! processes with piped streams, and the thread pool that runs blocking work.
//!
//! **May import:** `io` (a child's pipes are streams), `coordination`, `event_loop`,
//! `task`, `driver`, `error`. Each is a loop component made on first use (see
//! `event_loop::components`), behind its feature where it has one.

#[cfg(feature = "executor")]
mod dns;
#[cfg(feature = "executor")]
pub mod executor;
#[cfg(all(unix, feature = "process"))]
pub mod process;
pub(crate) mod runner;
#[cfg(all(unix, feature = "signal"))]
pub mod signals;
