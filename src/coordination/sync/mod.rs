//! Synchronisation primitives: asyncio's `Event`, `Lock`, `Semaphore`, `BoundedSemaphore`,
//! `Condition` and `Barrier`.
//!
//! **Drop and cancel first.** Every acquisition returns a guard that releases on drop, so a
//! holder that is cancelled (its future dropped) releases what it held. A waiter that is
//! cancelled while waiting leaves the line; if it had already been woken, its wake-up passes
//! to the next waiter, so nobody is starved and nothing is granted twice.
//!
//! All of them share one FIFO waiter list (`waiters`), and all are single-threaded: they
//! coordinate tasks of one loop, as asyncio's do.

mod barrier;
mod condition;
mod event;
mod lock;
mod semaphore;
pub(crate) mod waiters;

pub use barrier::{Barrier, BarrierWait};
pub use condition::{Condition, ConditionWait};
pub use event::{Event, EventWait};
pub use lock::{Acquire, Lock, LockGuard};
pub use semaphore::{BoundedSemaphore, Permit, Semaphore, SemaphoreAcquire};
