//! Shutting a loop down as `asyncio.run()` does: cancel what is left, let it finish.
//!
//! asyncio's runner ends with `_cancel_all_tasks` (cancel every pending task, run the loop
//! until they are done, report those that failed), `shutdown_asyncgens` (close unfinished
//! async generators, whose cleanup may await) and `shutdown_default_executor`, then
//! `close()`. evloop's [`EventLoop::shutdown`] does the same in rounds, since cancels are
//! delivered and cleanup can await and spawn (`docs/cancellation.md#shutdown`):
//!
//! 1. every pending task is cancelled once, except the tasks closing dropped async
//!    generators ([`awaited_at_shutdown`]), which are run to their end instead;
//! 2. the loop runs until those tasks are done, their async cleanup included;
//! 3. tasks spawned meanwhile by that cleanup make the next round; after
//!    [`MAX_ROUNDS`] rounds the loop is closed, which drops whatever is left.
//!
//! A task that panics during shutdown is reported through the exception handler as
//! "unhandled exception during asyncio.run() shutdown", with the task in the context.
//! `run()` then shuts the default executor down, waiting for its threads
//! (`LoopHandle::shutdown_default_executor`), and closes the loop.

use std::cell::RefCell;
use std::collections::HashSet;

use super::EventLoop;
use super::core::Core;
use crate::error::{DESTROYED_PENDING, ExceptionContext, LoopError};
use crate::task::{Task, TaskRef};

/// Rounds of "cancel what is pending, run until it is done" before the loop is closed
/// anyway: cleanup that keeps spawning cleanup cannot keep `run()` from returning.
pub(crate) const MAX_ROUNDS: usize = 64;

/// The tasks of a loop that shutdown runs to their end instead of cancelling.
#[derive(Default)]
struct AwaitedAtShutdown(RefCell<Vec<TaskRef>>);

/// Marks `task` (spawned on the running loop) as one that shutdown waits for instead of
/// cancelling: the close of a dropped async generator (asyncio `shutdown_asyncgens`).
pub(crate) fn awaited_at_shutdown<T>(task: &Task<T>) {
    super::context::with_current(|core| {
        let list = core
            .components()
            .get_or_insert_with(AwaitedAtShutdown::default);
        let mut list = list.0.borrow_mut();
        list.retain(|t| !t.done());
        list.push(task.task_ref());
    });
}

impl EventLoop {
    /// `asyncio.run()`'s ending: cancels the tasks still pending and runs the loop until
    /// they have finished (see the [module docs](self)), then closes the loop.
    pub(crate) fn shutdown(&self) -> Result<(), LoopError> {
        self.cancel_remaining()?;
        self.close()
    }

    /// asyncio `_cancel_all_tasks` and `shutdown_asyncgens`, in rounds (see the
    /// [module docs](self)); the loop stays open.
    pub(crate) fn cancel_remaining(&self) -> Result<(), LoopError> {
        self.core.begin_shutdown();
        let mut cancelled = HashSet::new();
        for _ in 0..MAX_ROUNDS {
            let left = self.all_tasks();
            if left.is_empty() {
                break;
            }
            let awaited: HashSet<u64> = match self.core.components().get::<AwaitedAtShutdown>() {
                Some(list) => list.0.borrow().iter().map(TaskRef::id).collect(),
                None => HashSet::new(),
            };
            for task in &left {
                if !awaited.contains(&task.id()) && cancelled.insert(task.id()) {
                    task.cancel();
                }
            }
            while left.iter().any(|t| !t.done()) {
                self.run_once()?;
            }
        }
        Ok(())
    }
}

impl Core {
    /// At close: one "Task was destroyed but it is pending!" per unfinished task, with the
    /// task, as asyncio reports each pending task collected after its loop closed. (`run()`
    /// cancels what is left first, so it reports none.)
    pub(crate) fn report_pending_at_close(&self) {
        for task in self.all_tasks() {
            self.report(&ExceptionContext {
                message: DESTROYED_PENDING.to_string(),
                task: Some(task.0.header().describe()),
                location: Some(task.location()),
                ..Default::default()
            });
        }
    }
}
