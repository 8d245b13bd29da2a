//! Coordinating tasks: asyncio's `gather`, `wait`, `as_completed`, `wait_for`, `timeout`,
//! `shield` and `TaskGroup`.
//!
//! **Drop and cancel first.** In Rust, cancelling a future means dropping it, so each
//! combinator says what dropping it does, mirroring what cancelling it does in asyncio:
//!
//! | combinator | dropped (cancelled) before it finished |
//! |---|---|
//! | [`gather`], [`gather_results`], [`gather!`](crate::gather!) | cancels every child not done |
//! | [`wait`], [`as_completed`] | cancels nothing |
//! | [`wait_for`], [`Timeout`] | drops the inner future (its cleanup runs) |
//! | [`shield`] | nothing: the inner task runs on |
//! | [`TaskGroup::run`] | cancels every child |
//!
//! Children of `gather`, `shield` and `TaskGroup` run as tasks (asyncio wraps coroutines
//! with `ensure_future`), so they need the running loop, and they keep running when the
//! combinator finishes early (gather's first failure), as in asyncio.

mod catch;
pub(crate) mod completion;
mod gather;
mod shield;
mod task_group;
mod timeout;
mod wait;

pub(crate) use catch::mark_current_task_catches;
pub use catch::{CatchCancel, Reraise, catch_cancel};
pub use gather::{
    Gather, GatherResults, GatherTuple, TaskTuple, gather, gather_results, gather_tuple,
};
pub use shield::{Shield, shield};
pub use task_group::{TaskGroup, TaskGroupError};
pub use timeout::{Timeout, TimeoutScope, timeout, timeout_at, wait_for};
pub use wait::{AsCompleted, ReturnWhen, as_completed, wait};
