//! What a task needs from whatever runs it: the [`Schedule`] trait, which the loop
//! implements. (The [`Door`](super::waker::Door) through which other threads wake its tasks,
//! and the registration of the scheduler running on this thread, are the waker's.)
//!
//! The task layer knows no loop. A task keeps a weak reference to its scheduler (as
//! `dyn Schedule`) and a counted pointer to its scheduler's door; everything a task asks of
//! the loop (queue my next step, run my done callbacks later, report a panic, take my block
//! back) is a method here. async-task's `Schedule` and tokio's `task::Schedule` have the
//! same shape: the executor is a parameter of the task, not a module the task imports.

use std::panic::Location;
use std::rc::Weak;
use std::sync::Arc;

use super::blocks::Blocks;
use super::header::TaskHeader;
use super::raw::TaskPtr;
use super::waker::Door;
use crate::error::ExceptionContext;

/// The loop as its tasks see it. Every method is called on the loop's thread.
pub(crate) trait Schedule {
    /// Queues the task's next step, unless it is queued already or done (a wake or a cancel
    /// on the loop's thread).
    fn schedule(&self, task: &TaskHeader);

    /// Queues one item that runs the finished task's done callbacks in a later turn.
    fn schedule_done(&self, task: TaskPtr);

    /// Runs `f` in a later turn (a done callback added to a task that is already done).
    fn call_soon(&self, f: Box<dyn FnOnce()>, location: &'static Location<'static>);

    /// Passes a report to the loop's exception handler.
    fn report(&self, ctx: &ExceptionContext);

    /// Where a finished task's block may be kept for the next spawn (see `blocks`; a closed
    /// scheduler's blocks keep nothing).
    fn blocks(&self) -> &Blocks;
}

/// What a scheduler gives a task it creates (`cell::TaskCell::allocate`).
pub(crate) struct NewTask<'a> {
    /// The task's key in the scheduler's task table.
    pub(crate) key: usize,
    /// The task's id, unique within the scheduler.
    pub(crate) id: u64,
    /// The scheduler itself.
    pub(crate) sched: Weak<dyn Schedule>,
    /// The scheduler's door for remote wakes.
    pub(crate) door: &'a Arc<Door>,
    /// The blocks the scheduler kept for new tasks.
    pub(crate) blocks: &'a Blocks,
    /// Where the task was spawned.
    pub(crate) location: &'static Location<'static>,
}
