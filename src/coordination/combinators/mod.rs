//! Coordinating tasks: asyncio's `gather`, `wait`, `as_completed`, `wait_for`, `timeout`,
//! `shield` and `TaskGroup`, and [`catch_cancel`], asyncio's `except CancelledError:`.
//!
//! **Drop and cancel first.** A combinator meets cancellation in two ways. It may be
//! dropped before it finished (the task running it was aborted, or a scope around it
//! dropped it). Or a cancel delivered to the task awaiting it may reach it, coming out of
//! the await where the task is suspended (`docs/cancellation.md#delivery`). Each one does
//! in both cases what its asyncio twin does when cancelled:
//!
//! | combinator | dropped before it finished | a cancel delivered to the awaiting task |
//! |---|---|---|
//! | [`catch_cancel`] | drops the inner future | catches it: drops the inner future and resolves to `Err(Cancelled)` |
//! | [`gather`], [`gather_results`], [`gather_tasks`], [`gather!`](crate::gather!) | cancels every child not done | cancels every child not done, waits for all of them, then passes the cancel on |
//! | [`wait`], [`as_completed`] | cancels nothing | cancels nothing; the cancel passes on |
//! | [`wait_for`], [`Timeout`] | drops the inner future (its destructors run) | passes it into the inner future, whose scopes may clean up; when it comes back out it goes on as a cancel, unless it was the scope's own (then `Err(TimeoutError)`) |
//! | [`shield`] | nothing: the inner task runs on | passes it on at once; the inner task runs on |
//! | [`TaskGroup::run`] | cancels every child | delivered in the body; when it comes out (or reaches the group while it waits), every child is cancelled, the group waits for all of them, then passes the cancel on |
//!
//! Children of `gather`, `shield` and `TaskGroup` run as tasks (asyncio wraps coroutines
//! with `ensure_future`), so they need the running loop, and they keep running when the
//! combinator finishes early (gather's first failure), as in asyncio.

mod catch;
pub(crate) mod completion;
mod gather;
mod gathering_future;
mod shield;
mod task_group;
mod task_tuple;
mod timeout;
mod wait;

pub(crate) use catch::mark_current_task_catches;
pub use catch::{CatchCancel, Reraise, catch_cancel};
pub use gather::{
    Gather, GatherArg, GatherFutureArg, GatherResults, GatherTaskArg, GatherTuple, gather,
    gather_results, gather_tasks, gather_tuple,
};
pub use gathering_future::GatheringFuture;
pub use shield::{Shield, shield};
pub use task_group::{TaskGroup, TaskGroupError};
pub use task_tuple::TaskTuple;
pub use timeout::{Timeout, TimeoutHandle, TimeoutScope, timeout, timeout_at, wait_for};
pub use wait::{AsCompleted, ReturnWhen, WaitError, as_completed, wait};
