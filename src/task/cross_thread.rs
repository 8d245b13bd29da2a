//! The thread-safe primitives of the cross-thread wake path: `std`'s, or loom's in the loom
//! models.
//!
//! Only a few places in evloop are reached by other threads: a task's `WakeHeader` (the
//! waker count, the door reference, the remote-wake mark), the loop's inbox (a mutex and
//! two flags), and the thread-local that tells a waker which loop runs on its thread. They
//! take their atomics, mutex, fence and thread-local, and the task blocks their allocator,
//! from here. A normal build re-exports `std`'s own items: the same types and functions, no
//! wrapper, nothing added to the hot path.
//!
//! `scripts/loom` builds the unit tests with `--cfg evloop_loom`, which swaps in loom's
//! versions: loom then sees every access, runs the threads of a model
//! (`event_loop::loom_inbox`, `event_loop::loom_wake`) in every order its bound allows,
//! tracks the task blocks for leaks and double frees, and gives each model thread its own
//! thread-locals. Outside a model loom's types panic, so such a test binary is for the
//! models only; a non-test build ignores the flag.

#[cfg(not(all(test, evloop_loom)))]
pub(crate) use std::alloc::{alloc, dealloc};
#[cfg(not(all(test, evloop_loom)))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU32, fence};
#[cfg(not(all(test, evloop_loom)))]
pub(crate) use std::sync::{Mutex, MutexGuard};

#[cfg(all(test, evloop_loom))]
pub(crate) use loom::alloc::{alloc, dealloc};
#[cfg(all(test, evloop_loom))]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, fence};
#[cfg(all(test, evloop_loom))]
pub(crate) use loom::sync::{Mutex, MutexGuard};

pub(crate) use std::sync::atomic::Ordering;

/// `thread_local!` with a `const` initialiser (no lazy-init check on access), or loom's
/// `thread_local!` in the loom models (which takes no `const` block, and gives each model
/// thread its own value: the model threads share one OS thread).
macro_rules! const_thread_local {
    ($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;) => {
        #[cfg(not(all(test, evloop_loom)))]
        std::thread_local! { $(#[$attr])* static $name: $t = const { $init }; }
        #[cfg(all(test, evloop_loom))]
        loom::thread_local! { $(#[$attr])* static $name: $t = $init; }
    };
}
pub(crate) use const_thread_local;
