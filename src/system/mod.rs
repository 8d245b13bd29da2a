//! The operating system outside the loop's sockets: Unix signals as loop callbacks, child
//! processes with piped streams, and `run()` with its Ctrl-C.
//!
//! **May import:** `io` (a child's pipes are streams), `coordination`, `event_loop`,
//! `task`, `driver`, `error`. Each is a loop component made on first use (see
//! `event_loop::components`), behind its feature where it has one.

#[cfg(all(unix, feature = "signal"))]
mod ctrl_c;
#[cfg(all(unix, feature = "process"))]
pub mod process;
pub(crate) mod runner;
#[cfg(all(unix, feature = "signal"))]
pub mod signals;
