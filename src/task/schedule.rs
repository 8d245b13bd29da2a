//! What a task needs from whatever runs it: the [`Schedule`] trait, which the loop
//! implements, and the [`Door`] through which other threads wake its tasks.
//!
//! The task layer knows no loop. A task keeps a weak reference to its scheduler (as
//! `dyn Schedule`) and a counted pointer to its scheduler's door; everything a task asks of
//! the loop (queue my next step, run my done callbacks later, report a panic, take my block
//! back) is a method here. async-task's `Schedule` and tokio's `task::Schedule` have the
//! same shape: the executor is a parameter of the task, not a module the task imports.
//!
//! A wake on the scheduler's own thread must not go through the door (a lock and a
//! syscall): the scheduler running on this thread registers itself with [`enter`], and a
//! waker whose task belongs to it queues the task directly ([`schedule_local`]).

use std::cell::Cell;
use std::panic::Location;
use std::ptr::NonNull;
use std::rc::{Rc, Weak};
use std::sync::Arc;

use super::blocks::Blocks;
use super::header::TaskHeader;
use super::raw::TaskPtr;
use super::waker::WakeRef;
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

    /// Where a finished task's block may be kept for the next spawn: `None` once the
    /// scheduler is closed (see `blocks`).
    fn kept_blocks(&self) -> Option<&Blocks>;
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

/// Where a waker on another thread sends its task: the loop's thread-safe queue.
pub(crate) trait RemoteWake: Send + Sync {
    /// Queues `task` for the loop's thread and wakes that thread. A closed loop drops it.
    fn wake(&self, task: WakeRef);
}

/// A loop's door for remote wakes, shared by its tasks (each task that has a cloned waker
/// keeps one strong reference). Its address is the loop's identity for the local check.
pub(crate) struct Door(Arc<dyn RemoteWake>);

impl Door {
    /// A door that sends remote wakes to `target`.
    pub(crate) fn new(target: Arc<dyn RemoteWake>) -> Arc<Door> {
        Arc::new(Door(target))
    }

    /// The identity of the loop behind `door`: tasks compare it to find their own loop.
    pub(crate) fn id(door: &Arc<Door>) -> usize {
        Arc::as_ptr(door) as usize
    }

    /// Sends `task` to the loop's thread.
    pub(crate) fn wake(&self, task: WakeRef) {
        self.0.wake(task);
    }
}

thread_local! {
    /// The scheduler running on this thread, with its door's identity. Set and cleared
    /// only by [`enter`] and its guard, which holds the `Rc` the pointer was taken from.
    static RUNNING: Cell<Option<(usize, NonNull<dyn Schedule>)>> = const { Cell::new(None) };
}

/// Marks `sched` (whose door is `id`) as the scheduler running on this thread until the
/// guard is dropped.
pub(crate) fn enter(id: usize, sched: Rc<dyn Schedule>) -> Running {
    let ptr = NonNull::from(&*sched);
    RUNNING.with(|slot| slot.set(Some((id, ptr))));
    Running(sched)
}

/// Proof that a scheduler is registered as running on this thread; it keeps the scheduler
/// alive while it is.
pub(crate) struct Running(#[allow(dead_code)] Rc<dyn Schedule>);

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.with(|slot| slot.set(None));
    }
}

/// The local half of waking: if this thread is running the scheduler whose door is
/// `owner`, queue the task `header` gives and return true. Otherwise the caller takes the
/// remote path (and `header` is not called: off the loop's thread the header must not be
/// read).
#[inline(always)]
pub(crate) fn schedule_local<'a>(owner: usize, header: impl FnOnce() -> &'a TaskHeader) -> bool {
    match RUNNING.with(Cell::get) {
        Some((id, sched)) if id == owner => {
            // SAFETY: the slot is set only while the `Running` guard lives, and the guard
            // holds the `Rc` this pointer was taken from, so the scheduler is alive; it is
            // only ever read through shared references.
            unsafe { sched.as_ref() }.schedule(header());
            true
        }
        _ => false,
    }
}
